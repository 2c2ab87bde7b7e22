//! `--show-queries`: for each table of the summary, the `msgtrack query --sql` command line
//! that reproduces its numbers from the same folders and time window.

use super::rules::CountRule;
use crate::escape::shell::posix as shell_quote;
use crate::format::time::format_timestamp_ms;

/// Builds the reproducing command lines (or none, when `--show-queries` is off).
#[derive(Debug, Clone, Default)]
pub struct QueryBook {
    enabled: bool,
    paths: String,
    window: String,
    noise_note: bool,
    /// Set when the report's hours are in a zone other than UTC (polars SQL buckets in UTC).
    zone_note: Option<String>,
}

impl QueryBook {
    /// A book for `paths` and the window `[since, until)` in ms.
    pub fn new(
        enabled: bool,
        paths: &[std::path::PathBuf],
        since: Option<i64>,
        until: Option<i64>,
        exclude_noise: bool,
    ) -> QueryBook {
        let paths = paths
            .iter()
            .map(|p| shell_quote(&p.display().to_string()))
            .collect::<Vec<_>>()
            .join(" ");
        let stamp = |ms: i64| format_timestamp_ms(ms).trim_end_matches('Z').to_string();
        let mut window = String::new();
        if let Some(s) = since {
            window += &format!(
                " AND strftime(Timestamp, '%Y-%m-%dT%H:%M:%S%.3f') >= '{}'",
                stamp(s)
            );
        }
        if let Some(u) = until {
            window += &format!(
                " AND strftime(Timestamp, '%Y-%m-%dT%H:%M:%S%.3f') < '{}'",
                stamp(u)
            );
        }
        QueryBook {
            enabled,
            paths,
            window,
            noise_note: exclude_noise,
            zone_note: None,
        }
    }

    /// Says on the hourly query that its hours are UTC when the report's are in `zone`.
    pub fn hours_in(mut self, zone: &str) -> QueryBook {
        self.zone_note = (zone != "UTC").then(|| {
            format!("   # hours in UTC; the table's are {zone} (--tz UTC makes them match)")
        });
        self
    }

    fn line(&self, sql: String) -> Option<String> {
        self.line_noting(sql, "")
    }

    fn line_noting(&self, sql: String, extra: &str) -> Option<String> {
        self.enabled.then(|| {
            let note = if self.noise_note {
                "   # noise is not left out here"
            } else {
                ""
            };
            format!(
                "msgtrack query {} --sql {}{note}{extra}",
                self.paths,
                shell_quote(&sql)
            )
        })
    }

    /// Distinct messages, or (message, recipient) pairs, per event of `events`.
    fn per_event(&self, rule: CountRule, events: &[&str]) -> String {
        let list = events
            .iter()
            .map(|e| format!("'{e}'"))
            .collect::<Vec<_>>()
            .join(", ");
        match rule {
            CountRule::PerMessage => format!(
                "SELECT EventId, count(DISTINCT lower(MessageId)) AS messages FROM logs WHERE EventId IN ({list}){} GROUP BY EventId ORDER BY EventId",
                self.window
            ),
            CountRule::PerRecipient => format!(
                "SELECT EventId, count(*) AS recipients FROM (SELECT DISTINCT EventId, lower(MessageId) AS m, lower(r) AS r FROM (SELECT EventId, MessageId, UNNEST(Recipients) AS r FROM logs WHERE EventId IN ({list}){})) GROUP BY EventId ORDER BY EventId",
                self.window
            ),
        }
    }

    /// Delivered, failed, deferred and redirected totals.
    pub fn totals(&self, rule: CountRule) -> Option<String> {
        self.line(self.per_event(rule, &["DELIVER", "FAIL", "DEFER", "REDIRECT"]))
    }

    /// Received messages per hour (UTC).
    pub fn per_hour(&self, rule: CountRule) -> Option<String> {
        let unit = match rule {
            CountRule::PerMessage => "count(*)",
            CountRule::PerRecipient => "sum(n)",
        };
        self.line_noting(
            format!(
                "SELECT strftime(first, '%Y-%m-%d %H:00') AS hour, {unit} AS received FROM (SELECT lower(MessageId) AS m, min(Timestamp) AS first, max(RecipientCount) AS n FROM logs WHERE EventId IN ('RECEIVE', 'SUBMIT'){} GROUP BY lower(MessageId)) GROUP BY hour ORDER BY hour",
                self.window
            ),
            self.zone_note.as_deref().unwrap_or(""),
        )
    }

    /// Received messages by the directionality of their first RECEIVE.
    pub fn directionality(&self, rule: CountRule) -> Option<String> {
        (rule == CountRule::PerMessage).then_some(())?;
        self.line(format!(
            "SELECT Directionality, count(DISTINCT lower(MessageId)) AS messages FROM logs WHERE EventId IN ('RECEIVE', 'SUBMIT'){} GROUP BY Directionality",
            self.window
        ))
    }

    /// Top senders by received messages.
    pub fn top_senders(&self, rule: CountRule, top: usize) -> Option<String> {
        (rule == CountRule::PerMessage).then_some(())?;
        self.line(format!(
            "SELECT lower(Sender) AS sender, count(DISTINCT lower(MessageId)) AS messages FROM logs WHERE EventId = 'RECEIVE'{} GROUP BY lower(Sender) ORDER BY messages DESC, sender LIMIT {top}",
            self.window
        ))
    }

    /// Failed recipients, with their statuses, to group by enhanced code.
    pub fn failures(&self, rule: CountRule) -> Option<String> {
        self.line(match rule {
            CountRule::PerMessage => format!(
                "SELECT count(DISTINCT lower(MessageId)) AS messages FROM logs WHERE EventId = 'FAIL'{}",
                self.window
            ),
            CountRule::PerRecipient => format!(
                "SELECT count(*) AS recipients FROM (SELECT DISTINCT lower(MessageId) AS m, lower(r) AS r FROM (SELECT MessageId, UNNEST(Recipients) AS r FROM logs WHERE EventId = 'FAIL'{}))",
                self.window
            ),
        })
    }

    /// Messages per expanded group.
    pub fn groups(&self) -> Option<String> {
        self.line(format!(
            "SELECT lower(RelatedRecipientAddress) AS grp, count(DISTINCT lower(MessageId)) AS messages FROM logs WHERE EventId = 'EXPAND'{} GROUP BY grp ORDER BY messages DESC, grp",
            self.window
        ))
    }
}
