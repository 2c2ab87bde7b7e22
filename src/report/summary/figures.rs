//! The report's headline figures (messages in and out, failed share, P90 latency, the top
//! failure), the change against a previous period, and the `--fail-on` thresholds a scheduled
//! task checks them against.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::collect::Msg;
use super::latency::Latency;
use crate::format::status::Status;
use crate::report::table::Headline;

/// What the headline shows and `--fail-on` checks, counted per message.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Figures {
    /// Messages received (first RECEIVE/SUBMIT in the period).
    pub received: u64,
    /// Of them, directionality Incoming (from outside).
    pub inbound: u64,
    /// Messages sent out of the organization.
    pub sent_out: u64,
    /// Messages with a FAIL for at least one recipient.
    pub failed: u64,
    /// P90 of end-to-end delivery to a mailbox, in ms (first attempt, no waits).
    pub p90_ms: Option<i64>,
    /// Failures by status code (enhanced code, else the basic one), most frequent first.
    pub failures_by_code: Vec<(String, u64)>,
    /// The basic SMTP codes of the failures (`550`), in order.
    pub basic_codes: Vec<String>,
}

impl Figures {
    /// Failed messages as a share of those received, in percent.
    pub fn failed_share(&self) -> Option<f64> {
        (self.received > 0).then(|| self.failed as f64 * 100.0 / self.received as f64)
    }
}

/// The headline figures' running counts.
#[derive(Debug, Default)]
pub(super) struct FigureTally {
    f: Figures,
    codes: BTreeMap<String, u64>,
    basic: BTreeSet<String>,
}

impl FigureTally {
    /// Adds one message.
    pub(super) fn add(&mut self, m: &Msg) {
        let f = &mut self.f;
        if m.received_ms.is_some() {
            f.received += 1;
            if m.directionality.eq_ignore_ascii_case("Incoming") {
                f.inbound += 1;
            }
        }
        f.sent_out += u64::from(!m.sent.is_empty());
        f.failed += u64::from(!m.failed.is_empty());
        let mut seen = BTreeSet::new();
        for (_, status) in m.failed.iter() {
            let st = Status::parse(status);
            let code = if !st.enhanced.is_empty() {
                st.enhanced
            } else if !st.code.is_empty() {
                st.code.clone()
            } else {
                "(no code)".into()
            };
            if seen.insert(code.clone()) {
                *self.codes.entry(code).or_default() += 1;
            }
            if !st.code.is_empty() && !self.basic.contains(&st.code) {
                self.basic.insert(st.code);
            }
        }
    }

    /// The figures, with the P90 of `latency`.
    pub(super) fn figures(&self, latency: &Latency) -> Figures {
        let mut f = self.f.clone();
        f.p90_ms = latency.all_mailbox.percentile(90.0);
        let mut codes: Vec<(String, u64)> =
            self.codes.iter().map(|(c, n)| (c.clone(), *n)).collect();
        codes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        f.failures_by_code = codes;
        f.basic_codes = self.basic.iter().cloned().collect();
        f
    }
}

/// A threshold of `--fail-on`.
#[derive(Debug, Clone, PartialEq)]
pub enum Threshold {
    /// More than this share of the received messages failed (percent).
    FailedShare(f64),
    /// More than this many messages failed.
    FailedCount(u64),
    /// The P90 end-to-end latency is above this (ms).
    P90(i64),
    /// A failure with this status code (enhanced `5.7.1` or basic `550`) was seen.
    Status(String),
}

impl Threshold {
    /// Parses `failed=5%`, `failed=10`, `p90=30s` (`500ms`, `2m`), `status=5.7.1`.
    pub fn parse(text: &str) -> Result<Threshold, String> {
        let (key, value) = text.split_once('=').ok_or_else(|| {
            format!("--fail-on {text}: give key=value: failed=5%, failed=10, p90=30s, status=5.7.1")
        })?;
        let value = value.trim();
        let bad = || format!("--fail-on {text}: {value} is not a value for {key}");
        match key.trim().to_ascii_lowercase().as_str() {
            "failed" => match value.strip_suffix('%') {
                Some(p) => p
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|p| (0.0..=100.0).contains(p))
                    .map(Threshold::FailedShare)
                    .ok_or_else(bad),
                None => value.parse().map(Threshold::FailedCount).map_err(|_| bad()),
            },
            "p90" => {
                let (n, unit) = value.split_at(
                    value
                        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                        .unwrap_or(value.len()),
                );
                let n: f64 = n.parse().map_err(|_| bad())?;
                let ms = match unit {
                    "ms" => n,
                    "" | "s" => n * 1000.0,
                    "m" | "min" => n * 60_000.0,
                    _ => return Err(bad()),
                };
                Ok(Threshold::P90(ms as i64))
            }
            "status" if !value.is_empty() => Ok(Threshold::Status(value.to_string())),
            _ => Err(format!(
                "--fail-on {text}: the keys are failed (5% or a count), p90 (30s) and status (5.7.1)"
            )),
        }
    }

    /// Why `figures` cross this threshold, when they do.
    pub fn crossed(&self, f: &Figures) -> Option<String> {
        match self {
            Threshold::FailedShare(limit) => f.failed_share().filter(|s| s > limit).map(|s| {
                format!(
                    "{s:.1} % of {} messages failed (limit {limit} %)",
                    f.received
                )
            }),
            Threshold::FailedCount(limit) => {
                (f.failed > *limit).then(|| format!("{} messages failed (limit {limit})", f.failed))
            }
            Threshold::P90(limit) => f.p90_ms.filter(|p| p > limit).map(|p| {
                format!(
                    "P90 delivery latency {:.1} s (limit {:.1} s)",
                    p as f64 / 1000.0,
                    *limit as f64 / 1000.0
                )
            }),
            Threshold::Status(code) => f
                .failures_by_code
                .iter()
                .find(|(c, _)| c == code)
                .map(|(c, n)| format!("{n} message(s) failed with {c}"))
                .or_else(|| {
                    f.basic_codes
                        .contains(code)
                        .then(|| format!("a failure with the SMTP code {code}"))
                }),
        }
    }
}

/// The headline cards: messages in and out, failed share, P90 latency, top failure; with the
/// change against `previous` when given.
pub fn headlines(f: &Figures, previous: Option<&Figures>) -> Vec<Headline> {
    let change = |now: f64, before: Option<f64>, unit: &str| -> Option<String> {
        let before = before?;
        let d = now - before;
        Some(if d.abs() < 1e-9 {
            "unchanged".into()
        } else {
            format!("{}{d:.1}{unit}", if d > 0.0 { "+" } else { "" }).replace(".0", "")
        })
    };
    let count_change = |now: u64, before: Option<u64>| -> Option<String> {
        let before = before?;
        Some(if before == 0 {
            format!("{now} vs 0")
        } else {
            let pct = (now as f64 - before as f64) * 100.0 / before as f64;
            format!(
                "{}{pct:.0} % (was {before})",
                if pct >= 0.0 { "+" } else { "" }
            )
        })
    };
    let top = f.failures_by_code.first();
    vec![
        Headline {
            label: "Messages received".into(),
            value: f.received.to_string(),
            detail: format!("{} from outside", f.inbound),
            change: count_change(f.received, previous.map(|p| p.received)),
        },
        Headline {
            label: "Sent out".into(),
            value: f.sent_out.to_string(),
            detail: "out of the organization".into(),
            change: count_change(f.sent_out, previous.map(|p| p.sent_out)),
        },
        Headline {
            label: "Failed".into(),
            value: f.failed_share().map_or("-".into(), |s| format!("{s:.1} %")),
            detail: format!("{} messages", f.failed),
            change: f
                .failed_share()
                .and_then(|s| change(s, previous.and_then(Figures::failed_share), " pt")),
        },
        Headline {
            label: "P90 latency".into(),
            value: f
                .p90_ms
                .map_or("-".into(), |p| format!("{:.1} s", p as f64 / 1000.0)),
            detail: "end to end, to a mailbox".into(),
            change: f.p90_ms.and_then(|p| {
                change(
                    p as f64 / 1000.0,
                    previous.and_then(|x| x.p90_ms).map(|x| x as f64 / 1000.0),
                    " s",
                )
            }),
        },
        Headline {
            label: "Top failure".into(),
            value: top.map_or("none".into(), |(c, _)| c.clone()),
            detail: top.map_or(String::new(), |(_, n)| format!("{n} messages")),
            change: None,
        },
    ]
}
