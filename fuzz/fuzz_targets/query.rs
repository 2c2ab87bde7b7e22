//! The query language: any text parses or is refused, a line that plans a read prints a shell
//! line that plans the same read, and a line runs over a small frame without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let session = msgtrack::query::settings::Session {
        now: chrono::DateTime::from_timestamp(1_795_219_200, 0).unwrap_or_default(),
        zone: msgtrack::format::Zone::Named(chrono_tz::Tz::Europe__Berlin),
        culture: msgtrack::pwsh::culture::Culture::find("en-US").expect("en-US"),
        csv_raw: false,
        shown: Default::default(),
    };
    if let Err(why) = msgtrack::invariants::query_line(text, &session) {
        panic!("{why}");
    }
    if let Err(why) = msgtrack::invariants::evaluate(text, &session) {
        panic!("{why}");
    }
});
