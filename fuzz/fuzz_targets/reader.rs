//! The log reader on any bytes (whole files), with a chunk size picked by the input: no
//! panic, the same rows whatever the chunk size, every line a row or a counted bad line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("msgtrack-fuzz-{}", std::process::id()));
    let chunk = 1 + usize::from(selector) * 13;
    if let Err(why) = msgtrack::invariants::reader(&dir, bytes, chunk) {
        panic!("{why}");
    }
});
