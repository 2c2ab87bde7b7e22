//! Tracking-log file names: `<prefix><yyyyMMdd>[HH]-<n>.LOG`, the prefix saying which
//! Exchange service wrote the file (tracking-log-format.md §1).

use std::fmt;
use std::sync::OnceLock;

use regex::Regex;

/// Which Exchange service wrote a log (from the file-name prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogPrefix {
    /// `MSGTRK`: the Transport service (SMTP, routing, agents, HA, DSN).
    Transport,
    /// `MSGTRKMS`: Mailbox Transport Submission.
    MailboxSubmission,
    /// `MSGTRKMD`: Mailbox Transport Delivery.
    MailboxDelivery,
    /// `MSGTRKMA`: moderated transport approvals.
    ModerationApproval,
    /// `MSGTRKM`: the Exchange 2010 Mailbox role.
    Mailbox2010,
}

impl LogPrefix {
    /// The prefix as written in file names.
    pub fn as_str(self) -> &'static str {
        match self {
            LogPrefix::Transport => "MSGTRK",
            LogPrefix::MailboxSubmission => "MSGTRKMS",
            LogPrefix::MailboxDelivery => "MSGTRKMD",
            LogPrefix::ModerationApproval => "MSGTRKMA",
            LogPrefix::Mailbox2010 => "MSGTRKM",
        }
    }

    /// Reads a prefix as written in a file name, in any case.
    pub fn parse(text: &str) -> Option<LogPrefix> {
        match text.to_ascii_uppercase().as_str() {
            "MSGTRK" => Some(LogPrefix::Transport),
            "MSGTRKMS" => Some(LogPrefix::MailboxSubmission),
            "MSGTRKMD" => Some(LogPrefix::MailboxDelivery),
            "MSGTRKMA" => Some(LogPrefix::ModerationApproval),
            "MSGTRKM" => Some(LogPrefix::Mailbox2010),
            _ => None,
        }
    }
}

impl fmt::Display for LogPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a tracking-log file name says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LogName {
    /// The log-name prefix (MSGTRK, MSGTRKMS, …).
    pub prefix: LogPrefix,
    /// `yyyyMMdd` as a number (UTC creation date).
    pub date: u32,
    /// The hour for hourly names.
    pub hour: Option<u8>,
    /// The instance number (not zero-padded in real files).
    pub instance: u64,
}

fn name_pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        Regex::new(r"(?i)^(MSGTRK(?:MA|MD|MS|M)?)(\d{8})(\d{2})?-(\d+)(.*)\.LOG$")
            .expect("the file-name pattern is a valid regex")
    })
}

impl LogName {
    /// Parses a file name such as `MSGTRKMS2022091915-1.LOG`.
    pub fn parse(file_name: &str) -> Option<LogName> {
        let caps = name_pattern().captures(file_name)?;
        let prefix = LogPrefix::parse(caps.get(1)?.as_str())?;
        let date = caps.get(2)?.as_str().parse().ok()?;
        let hour = match caps.get(3) {
            Some(h) => Some(h.as_str().parse().ok()?),
            None => None,
        };
        let instance = caps.get(4)?.as_str().parse().ok()?;
        Some(LogName {
            prefix,
            date,
            hour,
            instance,
        })
    }
}

impl LogName {
    /// The UTC time span (ms since the epoch, end exclusive) a file of this name covers:
    /// Exchange starts a new file when the event time leaves the day (or hour) in the name.
    pub fn covers_ms(&self) -> Option<(i64, i64)> {
        let (y, m, d) = (self.date / 10_000, self.date / 100 % 100, self.date % 100);
        let day = chrono::NaiveDate::from_ymd_opt(y as i32, m, d)?;
        let start = day
            .and_hms_opt(u32::from(self.hour.unwrap_or(0)), 0, 0)?
            .and_utc()
            .timestamp_millis();
        let length = if self.hour.is_some() {
            3_600_000
        } else {
            86_400_000
        };
        Some((start, start + length))
    }
}

/// True for an address of Exchange's own traffic: health and system mailboxes, the
/// Microsoft Exchange recipient, federation, migration and test mailboxes.
pub fn is_system_address(address: &str) -> bool {
    let local = address.split('@').next().unwrap_or("").to_ascii_lowercase();
    [
        "healthmailbox",
        "systemmailbox",
        "microsoftexchange",
        "federatedemail",
        "migration.",
        "extest_",
        "discoverysearchmailbox",
    ]
    .iter()
    .any(|p| local.starts_with(p))
}
