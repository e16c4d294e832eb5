//! Persistence: migrations, SQLite and PostgreSQL, imports, the event log. (Filled by the
//! store issue.)
