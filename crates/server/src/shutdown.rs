//! Graceful shutdown. SIGINT or SIGTERM moves the server through phases that every
//! connection watches: `Draining` (stop accepting, cancel running statements, close idle
//! connections with 57P01) and, if a connection has not finished after a grace period,
//! `Forced` (drop it). The server then flushes the database and releases the directory lock.

use std::time::Duration;

use tokio::sync::watch;

/// How long connections get to finish after their statements were cancelled before they are
/// dropped mid-message.
pub const GRACE: Duration = Duration::from_secs(5);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    Running,
    Draining,
    Forced,
}

/// The server's shutdown phase, observable by every connection.
#[derive(Clone)]
pub struct Shutdown {
    tx: watch::Sender<Phase>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown {
            tx: watch::Sender::new(Phase::Running),
        }
    }
}

impl Shutdown {
    pub fn advance(&self, phase: Phase) {
        self.tx.send_if_modified(|current| {
            if phase > *current {
                *current = phase;
                true
            } else {
                false
            }
        });
    }

    pub fn phase(&self) -> Phase {
        *self.tx.borrow()
    }

    /// Resolves once the server has reached `phase` (immediately if it already has).
    pub async fn reached(&self, phase: Phase) {
        let mut rx = self.tx.subscribe();
        // The sender lives as long as `self`, so waiting cannot fail while we hold it.
        let _ = rx.wait_for(|p| *p >= phase).await;
    }
}

/// Resolves on the first SIGINT or SIGTERM.
pub async fn signalled() -> std::io::Result<&'static str> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    })
}
