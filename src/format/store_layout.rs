//! Where a part lives: `server_name=<server>/log_date=<yyyy-mm-dd>/<log file>@<line>.parquet`.
//!
//! The partition keys are named so that no engine confuses them with a column (the rows have
//! `Server` and `Timestamp`; a case-insensitive engine would see `server` as `Server`). Values
//! are escaped as Hive escapes them (`%2F` for `/`), so any server name makes one folder.

use super::Field;

/// The columns a store keeps: every field of a log line, the server, file, line and origin
/// (MessageLatency is derived again when read).
pub fn stored_fields() -> Vec<Field> {
    Field::ALL
        .iter()
        .copied()
        .filter(|f| !f.is_derived())
        .collect()
}

/// The partition key of the server.
pub const SERVER_KEY: &str = "server_name";
/// The partition key of the UTC day.
pub const DAY_KEY: &str = "log_date";

/// A partition value escaped as Hive does: `%XX` for characters a path or a key cannot hold.
pub fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        let special = c.is_control()
            || matches!(
                c,
                '"' | '#'
                    | '%'
                    | '\''
                    | '*'
                    | '/'
                    | ':'
                    | '='
                    | '?'
                    | '\\'
                    | '{'
                    | '['
                    | ']'
                    | '^'
                    | '<'
                    | '>'
                    | '|'
            );
        if special {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    if out.is_empty() || out == "." || out == ".." {
        out = format!("%{}", hex_all(&out));
    }
    out
}

fn hex_all(s: &str) -> String {
    s.bytes()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join("%")
}

/// The folder of a partition, relative to the store (`/`-separated).
pub fn partition(server: &str, day: &str) -> String {
    format!(
        "{SERVER_KEY}={}/{DAY_KEY}={}",
        escape_value(server),
        escape_value(day)
    )
}

/// A part's file name: the first source log's name, the first line of it the part holds,
/// and the run (and the run's chunk) that wrote it, so that a part written later never takes
/// an older one's name, which may still hold other sources' rows, and two chunks of one run
/// never take each other's.
pub fn part_name(source_file_name: &str, first_line: u64, run: &str) -> String {
    format!(
        "{}@{first_line}.{run}.parquet",
        escape_value(source_file_name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_hive_folders_and_escape_any_server_name() {
        assert_eq!(
            partition("EX01", "2026-11-20"),
            "server_name=EX01/log_date=2026-11-20"
        );
        assert_eq!(escape_value("a/b=c"), "a%2Fb%3Dc");
        assert_eq!(escape_value(".."), "%2E%2E");
        assert_eq!(
            part_name("MSGTRK2026112010-1.LOG", 1, "r7"),
            "MSGTRK2026112010-1.LOG@1.r7.parquet"
        );
    }
}
