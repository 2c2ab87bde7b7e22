//! A store part's key file from any bytes, and key filters built from any values.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = msgtrack::invariants::store_keys(data) {
        panic!("{e}");
    }
});
