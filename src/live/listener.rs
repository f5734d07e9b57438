//! How an instance learns of events that other instances wrote.
//!
//! On PostgreSQL every transaction that appends to the outbox also sends a `NOTIFY` on
//! `events::CHANNEL`, delivered at commit, carrying the sending instance's tag. Each
//! instance holds one connection of its own, outside the pool, that `LISTEN`s, and on every
//! notification from another instance asks its feeds to dispatch: they read the outbox after
//! the last event they sent, so however many notifications arrive at once each event goes
//! out once. Its own notifications it ignores, since its writers dispatch after they commit.
//! When the listening connection drops, it reconnects with back-off and dispatches straight
//! away, which catches up on everything committed meanwhile.
//!
//! Beside that, every instance dispatches on a timer ([`ListenOptions::poll`]): the safety
//! net should a connection die silently, and how instances that share one SQLite file, which
//! has no notifications, learn of each other's events.

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::StreamExt as _;
use futures::future::BoxFuture;
use tokio::sync::Notify;

use crate::db::events;
use crate::db::postgres::Connector;

/// How many times the listening connection was opened, for `/metrics`.
pub static LISTENER_CONNECTS: AtomicU64 = AtomicU64::new(0);
/// How many notifications of other instances it received.
pub static NOTIFICATIONS: AtomicU64 = AtomicU64::new(0);

const FIRST_RETRY: Duration = Duration::from_millis(100);
const LAST_RETRY: Duration = Duration::from_secs(5);

/// Sends every feed of this instance what the outbox holds that it has not sent yet.
pub type DispatchAll = Arc<dyn Fn() -> BoxFuture<'static, ()> + Send + Sync>;

/// How an instance watches the outbox.
#[derive(Clone, Copy, Debug)]
pub struct ListenOptions {
    /// How often it dispatches whether told to or not.
    pub poll: Duration,
}

impl Default for ListenOptions {
    fn default() -> Self {
        Self {
            poll: Duration::from_secs(2),
        }
    }
}

/// Starts the tasks that dispatch on notifications (when `postgres` is given) and on the
/// timer. They run as long as the process.
pub fn spawn(postgres: Option<Connector>, options: ListenOptions, dispatch: DispatchAll) {
    let wake = Arc::new(Notify::new());
    // One dispatcher, woken by notifications and the timer alike: a burst of notifications
    // while it works leaves one wake-up, not one per notification.
    tokio::spawn({
        let wake = Arc::clone(&wake);
        async move {
            loop {
                wake.notified().await;
                dispatch().await;
            }
        }
    });
    tokio::spawn({
        let wake = Arc::clone(&wake);
        async move {
            let first = tokio::time::Instant::now() + options.poll;
            let mut timer = tokio::time::interval_at(first, options.poll);
            timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                timer.tick().await;
                wake.notify_one();
            }
        }
    });
    if let Some(connector) = postgres {
        tokio::spawn(listen(connector, wake));
    }
}

/// Holds the listening connection, opening it again whenever it drops.
async fn listen(connector: Connector, wake: Arc<Notify>) {
    let mut retry = FIRST_RETRY;
    let mut listened = false;
    loop {
        match listen_once(&connector, &wake, &mut listened).await {
            // It listened for a while: the next failure starts the back-off afresh.
            Ok(()) => retry = FIRST_RETRY,
            Err(error) => tracing::warn!(%error, "cannot listen for live events"),
        }
        tokio::time::sleep(retry).await;
        retry = (retry * 2).min(LAST_RETRY);
    }
}

/// Opens a listening connection and wakes the dispatcher on every notification, until the
/// connection is lost. `listened` says whether an earlier connection ever listened.
async fn listen_once(
    connector: &Connector,
    wake: &Notify,
    listened: &mut bool,
) -> Result<(), String> {
    let mut conn = events::listen(connector).await?;
    LISTENER_CONNECTS.fetch_add(1, Ordering::Relaxed);
    // Start-up says one line; a reconnection is worth one of its own, and a catch-up on
    // whatever was committed while nobody listened. (At start-up the feeds begin from the
    // outbox's last event; the timer covers the moment before the first `LISTEN`.) The flag
    // is this listener's own, not the process-wide counter: a test process runs many.
    if !std::mem::replace(listened, true) {
        tracing::debug!("listening for the live events of other instances");
    } else {
        tracing::info!("listening again for the live events of other instances");
        wake.notify_one();
    }

    let mut notifications = pin!(conn.notifications_stream());
    while let Some(notification) = notifications.next().await {
        match notification {
            Ok(notification) if notification.payload == events::instance_tag() => {}
            Ok(_) => {
                NOTIFICATIONS.fetch_add(1, Ordering::Relaxed);
                wake.notify_one();
            }
            Err(error) => {
                tracing::warn!(%error, "the live event listener lost its connection");
                break;
            }
        }
    }
    Ok(())
}
