//! Side-by-side benchmarks of EmbedDB against a throwaway PostgreSQL 15, over the wire. The
//! `vs_postgres` bench target drives this library; see `docs/benchmarks.md`.
