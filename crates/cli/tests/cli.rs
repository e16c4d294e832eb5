//! The `groundswell` binary's integration tests, one binary: each module covers one boundary.
//! Every test runs the real binary in its own temporary directory (see `util`).

mod analyze;
mod bad_input;
mod config;
mod demo;
mod forecast;
mod generate;
mod help;
mod recommend;
mod serve;
mod simulate;
mod storage;
mod util;
