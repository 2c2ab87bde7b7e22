//! Synthetic tracking logs in exact Exchange 2019 format: the shipped `sample-logs/` day and
//! large benchmark corpora.
//!
//! [`org`] defines the sample organisation (and its directory snapshot), [`rows`] the row
//! shapes, [`flows`] the rows one message leaves on each server, [`day`] a day of traffic with
//! every scenario, and [`files`] lays the rows out in hourly files per server.

pub(crate) mod day;
pub mod exports;
pub(crate) mod files;
pub(crate) mod flows;
pub(crate) mod ids;
pub(crate) mod org;
pub(crate) mod rows;

use std::path::Path;

use chrono::Days;

pub use day::DayPlan;
pub use exports::write_exports;
pub use files::Written;

/// Writes the sample day and its directory snapshot (`directory.json`) under `out`.
pub fn write_sample(out: &Path) -> std::io::Result<Written> {
    let events = day::generate(&DayPlan::sample());
    let written = files::write_events(events, out, 10 << 20, &[])?;
    let snapshot = org::Org::sample().snapshot();
    let json = serde_json::to_string_pretty(&snapshot).map_err(std::io::Error::other)?;
    std::fs::write(out.join("directory.json"), json + "\n")?;
    Ok(written)
}

/// Writes busy days (a hundred times the sample's traffic) under `out` until at least
/// `target_bytes` are written. Files rotate at 10 MB as on a real server.
pub fn write_corpus(out: &Path, target_bytes: u64) -> std::io::Result<Written> {
    let mut total = Written::default();
    let mut plan = DayPlan {
        messages: 40_000,
        probes_per_server: 288,
        ..DayPlan::sample()
    };
    while total.bytes < target_bytes {
        let written = files::write_events(day::generate(&plan), out, 10 << 20, &total.files)?;
        total.bytes += written.bytes;
        total.rows += written.rows;
        total.files.extend(written.files);
        plan.date = plan
            .date
            .checked_add_days(Days::new(1))
            .ok_or_else(|| std::io::Error::other("date overflow"))?;
        plan.seed += 1;
    }
    Ok(total)
}
