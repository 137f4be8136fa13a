//! Session helpers the wire layer needs beyond the core session API (owned by the server
//! work; kept separate so the two evolve without editing the same file).

use crate::session::Session;

impl Session {
    /// Whether a `COPY ... FROM STDIN` is waiting for data (a client that sends a query
    /// instead must have the copy ended first).
    pub fn copy_in_progress(&self) -> bool {
        self.copy.is_some()
    }
}
