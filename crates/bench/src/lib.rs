//! Side-by-side benchmarks of EmbedDB against a throwaway PostgreSQL 15, over the wire: the
//! `vs_postgres` bench target drives these pieces (see `docs/benchmarks.md`). Everything that
//! touches a server goes through the same client code for both systems, so the only thing that
//! differs between the two columns of the results table is the server.

pub mod config;
pub mod data;
pub mod measure;
pub mod report;
pub mod servers;
