//! The demo's integration tests: one binary. Each test seeds a small demo (200 people) into
//! a fresh SQLite file and reads it back through the store's public API.

mod seed;
