//! EmbedDB against PostgreSQL 15, side by side in one run; see `docs/benchmarks.md`.

fn main() {}
