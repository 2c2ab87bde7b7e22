//! Identifiers as Exchange writes them.

/// A GUID in the dashed form Exchange writes, from 128 bits.
pub fn guid_text(high: u64, low: u64) -> String {
    let hex = format!("{high:016x}{low:016x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
