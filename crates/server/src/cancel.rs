//! Cancel requests. Each connection registers its backend pid, the secret key it sent in
//! BackendKeyData and its session's cancel handle; a CancelRequest (which arrives on a new
//! connection) that names a registered pid with the matching key sets that session's cancel
//! flag, and the running statement stops with 57014. Shutdown cancels every registered one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pgwire::messages::startup::SecretKey;

use embeddb_sql::CancelHandle;

struct Entry {
    secret: SecretKey,
    handle: CancelHandle,
}

/// Backend pid → (secret key, cancel handle) for every connection that finished startup.
#[derive(Default, Clone)]
pub struct CancelRegistry {
    entries: Arc<Mutex<HashMap<i32, Entry>>>,
}

impl CancelRegistry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i32, Entry>> {
        // Nothing panics while holding this lock; recover the map rather than fail if it did.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn register(&self, pid: i32, secret: SecretKey, handle: CancelHandle) {
        self.lock().insert(pid, Entry { secret, handle });
    }

    pub fn unregister(&self, pid: i32) {
        self.lock().remove(&pid);
    }

    /// Cancels the statement running on `pid` if `secret` matches; false if it did not.
    pub fn cancel(&self, pid: i32, secret: &SecretKey) -> bool {
        let handle = {
            let entries = self.lock();
            match entries.get(&pid) {
                Some(e) if e.secret.eq_value(secret) => Some(e.handle.clone()),
                _ => None,
            }
        };
        match handle {
            Some(h) => {
                h.cancel();
                true
            }
            None => false,
        }
    }

    /// Cancels every running statement (shutdown).
    pub fn cancel_all(&self) {
        let handles: Vec<CancelHandle> = self.lock().values().map(|e| e.handle.clone()).collect();
        for h in handles {
            h.cancel();
        }
    }
}

/// A fresh random secret key of the size the protocol version uses.
pub fn new_secret(protocol_3_2: bool) -> SecretKey {
    use rand::Rng;
    let mut rng = rand::rng();
    if protocol_3_2 {
        let mut bytes = vec![0u8; 32];
        rng.fill(&mut bytes[..]);
        SecretKey::Bytes(bytes.into())
    } else {
        SecretKey::I32(rng.random())
    }
}

#[async_trait::async_trait]
impl pgwire::api::cancel::CancelHandler for crate::connection::Connection {
    async fn on_cancel_request(&self, request: pgwire::messages::cancel::CancelRequest) {
        // PostgreSQL tells the requester nothing either way.
        let found = self.shared.cancels.cancel(request.pid, &request.secret_key);
        tracing::debug!(pid = request.pid, found, "cancel request");
    }
}
