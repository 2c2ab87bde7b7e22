//! What the summary's numbers count: the counting rule and the report's options.

use crate::format::Zone;

/// What one number counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountRule {
    /// Distinct messages (Message-IDs).
    PerMessage,
    /// Distinct (message, recipient) pairs.
    PerRecipient,
}

impl CountRule {
    /// The unit counted (`messages`, `recipients`).
    pub fn unit(self) -> &'static str {
        match self {
            CountRule::PerMessage => "messages",
            CountRule::PerRecipient => "recipients",
        }
    }

    /// The rule in words, printed on every table.
    pub fn rule(self) -> &'static str {
        match self {
            CountRule::PerMessage => {
                "distinct messages (by Message-ID, however many servers logged them)"
            }
            CountRule::PerRecipient => {
                "distinct (message, recipient) pairs (by Message-ID and recipient address)"
            }
        }
    }
}

/// Options of the summary.
#[derive(Debug, Clone)]
pub struct SummaryOptions {
    /// Per message or per recipient.
    pub count: CountRule,
    /// The zone of hours and days.
    pub zone: Zone,
    /// Leave out health and system mailboxes, journal recipients and null-sender traffic.
    pub exclude_noise: bool,
    /// How many rows the top-N tables keep.
    pub top: usize,
}
