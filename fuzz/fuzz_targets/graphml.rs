//! Fuzzes the graphml reader: no panic; what parses round-trips.
#![no_main]

mod common;

use engine::io::TiesFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::ties_round_trip(data, TiesFormat::GraphMl));
