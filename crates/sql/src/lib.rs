//! embeddb-sql (skeleton)
