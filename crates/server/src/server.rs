//! The server's life: open the data directory (taking its lock), listen, accept connections
//! up to the limit, and on SIGINT/SIGTERM stop accepting, cancel running statements, let
//! connections finish, flush the database and release the lock.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use embeddb_sql::{Database, DatabaseOptions};
use embeddb_types::{SqlError, SqlState};

use crate::cancel::CancelRegistry;
use crate::cli::Options;
use crate::connection::{Connection, Shared, serve};
use crate::shutdown::{GRACE, Phase, Shutdown, signalled};

/// Connections served at once (PostgreSQL's default max_connections is 100; drivers' pools
/// often open more). Each holds a session and at most a few MiB of queued output.
pub const MAX_CONNECTIONS: usize = 256;

/// Connections over the limit that are kept just long enough to be told FATAL 53300; past
/// this many, further ones are closed at once so a flood cannot pile up tasks.
const MAX_REJECTING: usize = 64;

pub async fn run(options: Options) -> Result<(), String> {
    std::fs::create_dir_all(&options.data_dir).map_err(|e| {
        format!(
            "could not create data directory \"{}\": {e}",
            options.data_dir.display()
        )
    })?;
    let dir = options.data_dir.clone();
    let mut db_options = DatabaseOptions::default();
    db_options.store.engine.block_cache_size_bytes = options.cache_size_bytes;
    let db = tokio::task::spawn_blocking(move || Database::open(&dir, db_options))
        .await
        .map_err(|e| format!("opening the database failed: {e}"))?
        .map_err(|e| e.message)?;
    let listener = TcpListener::bind(&options.listen)
        .await
        .map_err(|e| format!("could not listen on {}: {e}", options.listen))?;
    let address = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| options.listen.clone());
    tracing::info!(
        "embeddb {} listening on {address}, data directory {}",
        env!("CARGO_PKG_VERSION"),
        options.data_dir.display()
    );

    let shared = Arc::new(Shared {
        db,
        cancels: CancelRegistry::default(),
        shutdown: Shutdown::default(),
    });
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let rejecting = Arc::new(Semaphore::new(MAX_REJECTING));
    let mut connections = JoinSet::new();
    let signal = signalled();
    tokio::pin!(signal);
    loop {
        tokio::select! {
            received = &mut signal => {
                match received {
                    Ok(name) => tracing::info!("{name} received: shutting down"),
                    Err(e) => tracing::error!("signal handling failed ({e}): shutting down"),
                }
                break;
            }
            accepted = listener.accept() => {
                let (tcp, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let (permit, reject) = match slots.clone().try_acquire_owned() {
                    Ok(p) => (p, None),
                    Err(_) => match rejecting.clone().try_acquire_owned() {
                        Ok(p) => (
                            p,
                            Some(SqlError::new(
                                SqlState::TOO_MANY_CONNECTIONS,
                                "sorry, too many clients already",
                            )),
                        ),
                        Err(_) => {
                            tracing::warn!(%peer, "connection refused: too many connections");
                            continue;
                        }
                    },
                };
                tracing::debug!(%peer, "connection accepted");
                let conn = Arc::new(Connection::new(shared.clone(), reject));
                connections.spawn(async move {
                    let _permit = permit;
                    serve(tcp, conn).await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);

    shared.shutdown.advance(Phase::Draining);
    shared.cancels.cancel_all();
    if !wait_all(&mut connections, GRACE).await {
        tracing::warn!(
            "{} connection(s) still busy after {GRACE:?}; closing them",
            connections.len()
        );
        shared.shutdown.advance(Phase::Forced);
        shared.cancels.cancel_all();
        if !wait_all(&mut connections, GRACE).await {
            connections.abort_all();
        }
    }
    let db = shared.db.clone();
    tokio::task::spawn_blocking(move || db.close())
        .await
        .map_err(|e| format!("closing the database failed: {e}"))?
        .map_err(|e| format!("closing the database failed: {}", e.message))?;
    tracing::info!("shut down cleanly");
    Ok(())
}

/// Waits for every connection task to end; false if some are still running after `limit`.
async fn wait_all(connections: &mut JoinSet<()>, limit: Duration) -> bool {
    tokio::time::timeout(limit, async {
        while connections.join_next().await.is_some() {}
    })
    .await
    .is_ok()
}
