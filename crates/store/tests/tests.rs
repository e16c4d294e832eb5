//! The store's integration tests: one binary, each test run against SQLite and against the
//! PostgreSQL server on 127.0.0.1:5432 (see `util`).

mod util;

mod auth;
mod backup;
mod basics;
mod durability;
mod imports;
mod scenario;
mod timestamps;

mod events;
mod migrations;
mod row_security;
mod tenancy;
