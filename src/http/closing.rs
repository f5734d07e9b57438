//! Shutting down with open WebSockets: when the server stops, every socket is sent a close
//! frame ("going away"), and the server waits for them within its grace period.

use std::sync::Arc;

use tokio::sync::watch;

/// Whether the server is shutting down, and how many WebSockets are open; cheap to clone.
#[derive(Clone, Debug)]
pub struct Closing {
    begun: Arc<watch::Sender<bool>>,
    sockets: Arc<watch::Sender<usize>>,
}

impl Default for Closing {
    fn default() -> Self {
        Self {
            begun: Arc::new(watch::channel(false).0),
            sockets: Arc::new(watch::channel(0).0),
        }
    }
}

impl Closing {
    /// Starts shutting down: every open WebSocket is told to close.
    pub fn begin(&self) {
        self.begun.send_replace(true);
    }

    /// Whether shutting down has begun.
    pub fn has_begun(&self) -> bool {
        *self.begun.borrow()
    }

    /// Resolves once shutting down has begun.
    pub async fn begun(&self) {
        let mut begun = self.begun.subscribe();
        let _ = begun.wait_for(|begun| *begun).await;
    }

    /// Counts a WebSocket as open until the guard is dropped.
    pub fn socket_opened(&self) -> OpenSocket {
        self.sockets.send_modify(|open| *open += 1);
        OpenSocket(Arc::clone(&self.sockets))
    }

    /// Resolves once no WebSocket is open.
    pub async fn sockets_closed(&self) {
        let mut open = self.sockets.subscribe();
        let _ = open.wait_for(|open| *open == 0).await;
    }
}

/// An open WebSocket, counted until dropped.
pub struct OpenSocket(Arc<watch::Sender<usize>>);

impl Drop for OpenSocket {
    fn drop(&mut self) {
        self.0.send_modify(|open| *open = open.saturating_sub(1));
    }
}
