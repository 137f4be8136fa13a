//! embeddb-tables (skeleton)
