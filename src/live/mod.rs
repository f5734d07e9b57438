//! The event bus: carries events from the outbox to the subscribers of this process, in the
//! order the outbox holds them.
//!
//! Writers append to the outbox (`db::events`) in the transaction of their change and, once
//! it has committed, ask the bus to dispatch. Dispatching reads everything after the last
//! event it sent, in id order, under a lock, so events go out in order and once each, however
//! many writers finish at the same time. Each subscriber holds a receiver of a bounded ring
//! buffer: one that falls more than its capacity behind is told so and dropped, and memory
//! stays bounded whatever the subscribers do.

pub mod listener;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{Mutex, broadcast};

/// The in-process broadcast of one kind of event.
pub struct Hub<T> {
    sender: broadcast::Sender<Arc<T>>,
    /// The id of the last event sent; held while dispatching.
    dispatched: Mutex<i64>,
}

/// A batch of events read from the outbox after some id.
pub struct Batch<T> {
    /// The events to send, in id order; events nobody may receive are left out.
    pub events: Vec<T>,
    /// The id of the last outbox row this batch covers, sent or not; the id it was read
    /// after when the outbox held nothing newer.
    pub covered: i64,
}

impl<T: Send + Sync + 'static> Hub<T> {
    /// A hub that keeps at most `capacity` events for a subscriber that lags, and sends only
    /// events after `last_id`.
    pub fn new(capacity: usize, last_id: i64) -> Self {
        let (sender, _) = broadcast::channel(capacity.max(1));
        Self {
            sender,
            dispatched: Mutex::new(last_id),
        }
    }

    /// A receiver of every event sent from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<T>> {
        self.sender.subscribe()
    }

    /// Sends every event the outbox holds after the last one sent. `read(after)` reads the
    /// next batch; it is called until a batch covers nothing new.
    pub async fn dispatch<F, Fut, E>(&self, mut read: F) -> Result<(), E>
    where
        F: FnMut(i64) -> Fut,
        Fut: Future<Output = Result<Batch<T>, E>>,
    {
        let mut dispatched = self.dispatched.lock().await;
        loop {
            let batch = read(*dispatched).await?;
            if batch.covered <= *dispatched {
                return Ok(());
            }
            for event in batch.events {
                // No receiver is not an error: nobody is listening right now.
                let _ = self.sender.send(Arc::new(event));
            }
            *dispatched = batch.covered;
        }
    }
}

/// Subscriptions open now, over every feed, for `/metrics`.
pub static SUBSCRIBERS: AtomicU64 = AtomicU64::new(0);
/// Events sent to subscribers, counted once per subscriber.
pub static EVENTS_DELIVERED: AtomicU64 = AtomicU64::new(0);
/// Subscribers ended because they fell too far behind.
pub static SUBSCRIBERS_DROPPED: AtomicU64 = AtomicU64::new(0);

/// Counts a subscription as open until dropped.
pub struct Subscribed(());

impl Subscribed {
    pub fn new() -> Self {
        SUBSCRIBERS.fetch_add(1, Ordering::Relaxed);
        Self(())
    }
}

impl Default for Subscribed {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Subscribed {
    fn drop(&mut self) {
        SUBSCRIBERS.fetch_sub(1, Ordering::Relaxed);
    }
}
