//! A store's manifest from any bytes, and a real store's manifest with any part offsets,
//! counts, lines and times.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = msgtrack::invariants::store_manifest(data) {
        panic!("{e}");
    }
});
