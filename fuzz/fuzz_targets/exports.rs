//! Export files (Export-Csv, Exchange Online trace and historical search) on any bytes: converted
//! or refused in a sentence, never a panic, every row counted.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("msgtrack-fuzz-export-{}", std::process::id()));
    if let Err(why) = msgtrack::invariants::export(&dir, data) {
        panic!("{why}");
    }
});
