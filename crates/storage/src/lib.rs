//! embeddb-storage (skeleton)
