//! Fuzzes the people.csv reader: no panic; what parses round-trips.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::people_round_trip(data));
