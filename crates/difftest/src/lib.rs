//! Differential testing of EmbedDB against PostgreSQL 15: random schemas and queries, run on
//! both, compared as PostgreSQL prints them.
