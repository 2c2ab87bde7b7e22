//! Tuning settings read from the environment: sizes the tests and benchmarks turn down to
//! reach the paths big inputs take (`MSGTRACK_BATCH_BYTES`, `MSGTRACK_GROUPS_HELD`, …).

/// The number in the environment variable `name`, when it is set to one (anything else is
/// the default's business: these are knobs for tests, not user settings).
pub fn number<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}
