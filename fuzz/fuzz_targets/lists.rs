//! List fields: members joined with Exchange's quoting split back to themselves, and any
//! field text splits without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    msgtrack::invariants::list_text(&text);
    let members: Vec<String> = text.split('\u{1}').map(str::to_string).collect();
    if let Err(why) = msgtrack::invariants::lists(&members) {
        panic!("{why}");
    }
});
