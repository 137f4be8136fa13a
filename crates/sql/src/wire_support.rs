//! Session helpers the wire layer needs beyond the core session API (owned by the server
//! work; kept separate so the two evolve without editing the same file).
