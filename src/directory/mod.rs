//! The recipient directory snapshot: what an admin exports from Exchange with one PowerShell
//! line, in Exchange's own property names.
//!
//! ```json
//! {"AcceptedDomains":[{"DomainName":"contoso.com","DomainType":"Authoritative","Default":true}],
//!  "Recipients":[{"Name":"Joe Bloggs","PrimarySmtpAddress":"joe@contoso.com", …}]}
//! ```
//!
//! This first version carries the properties the sample generator and the categorizer replay
//! need; unknown properties in a file are ignored.

use std::collections::BTreeMap;
use std::path::Path;

pub(crate) mod index;
mod lenient;
pub(crate) mod opath;
pub(crate) mod owner;

pub use index::{Directory, Kind, Lookup};

use serde::{Deserialize, Serialize};

/// A whole snapshot.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Snapshot {
    /// Exchange's `AcceptedDomains`.
    pub accepted_domains: Vec<AcceptedDomain>,
    /// Exchange's `Recipients`.
    pub recipients: Vec<Recipient>,
    /// Organization limits (`Get-TransportConfig`); Exchange's defaults when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport_config: Option<TransportConfig>,
}

/// The organization's transport limits (`Get-TransportConfig`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TransportConfig {
    #[serde(deserialize_with = "lenient::text")]
    /// Exchange's `MaxSendSize`.
    pub max_send_size: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    /// Exchange's `MaxReceiveSize`.
    pub max_receive_size: Option<String>,
    #[serde(deserialize_with = "lenient::text")]
    /// Exchange's `MaxRecipientEnvelopeLimit`.
    pub max_recipient_envelope_limit: Option<String>,
}

/// A size as Exchange prints it (`10 MB (10,485,760 bytes)`, `35MB`, `512 KB`, `Unlimited`,
/// or a number of bytes) in bytes; `None` for unlimited or unreadable.
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    if let Some(inner) = t.split_once('(').and_then(|(_, r)| r.split_once("bytes")) {
        let digits: String = inner.0.chars().filter(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse() {
            return Some(n);
        }
    }
    let lower = t.to_ascii_lowercase();
    let number: String = lower
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let value: f64 = number.parse().ok()?;
    let unit = lower[number.len()..].trim();
    let factor = match unit {
        "" | "b" | "bytes" => 1.0,
        "kb" => 1024.0,
        "mb" => 1024.0 * 1024.0,
        "gb" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some((value * factor) as u64)
}

/// An address without its `SMTP:`/`smtp:` proxy prefix (other prefixes are kept).
pub fn strip_smtp_prefix(address: &str) -> &str {
    address
        .split_once(':')
        .filter(|(kind, _)| kind.eq_ignore_ascii_case("smtp"))
        .map_or(address, |(_, a)| a)
}

/// A count limit (`500`, `Unlimited`) as a number; `None` for unlimited.
pub fn parse_count(text: &str) -> Option<u64> {
    text.trim().replace(',', "").parse().ok()
}

/// An accepted domain (`Get-AcceptedDomain`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AcceptedDomain {
    #[serde(deserialize_with = "lenient::plain")]
    /// Exchange's `DomainName`.
    pub domain_name: String,
    /// `Authoritative`, `InternalRelay` or `ExternalRelay`.
    #[serde(deserialize_with = "lenient::plain")]
    pub domain_type: String,
    #[serde(deserialize_with = "lenient::flag")]
    /// Exchange's `Default`.
    pub default: bool,
}

/// One recipient (`Get-Recipient` / `Get-Mailbox` / `Get-DistributionGroup` properties).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Recipient {
    #[serde(deserialize_with = "lenient::plain")]
    /// Exchange's `Name`.
    pub name: String,
    #[serde(deserialize_with = "lenient::plain")]
    /// Exchange's `Alias`.
    pub alias: String,
    #[serde(deserialize_with = "lenient::plain")]
    /// Exchange's `DisplayName`.
    pub display_name: String,
    /// `UserMailbox`, `MailUniversalDistributionGroup`, `DynamicDistributionGroup`, `MailContact`, …
    #[serde(deserialize_with = "lenient::plain")]
    pub recipient_type: String,
    #[serde(deserialize_with = "lenient::plain")]
    /// Exchange's `RecipientTypeDetails`.
    pub recipient_type_details: String,
    #[serde(deserialize_with = "lenient::plain")]
    /// Exchange's `PrimarySmtpAddress`.
    pub primary_smtp_address: String,
    /// Proxy addresses: `SMTP:` (primary), `smtp:`, `X500:`, …
    #[serde(deserialize_with = "lenient::strings")]
    pub email_addresses: Vec<String>,
    #[serde(rename = "LegacyExchangeDN")]
    #[serde(deserialize_with = "lenient::plain")]
    /// Exchange's `LegacyExchangeDN`.
    pub legacy_exchange_dn: String,
    /// The mailbox database (mailboxes only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient::text")]
    pub database: Option<String>,
    /// The server holding the active copy of the database (mailboxes only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient::text")]
    pub server_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient::text")]
    /// Exchange's `ExternalEmailAddress`.
    pub external_email_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient::text")]
    /// Exchange's `ForwardingAddress`.
    pub forwarding_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient::text")]
    /// Exchange's `ForwardingSmtpAddress`.
    pub forwarding_smtp_address: Option<String>,
    #[serde(deserialize_with = "lenient::flag")]
    /// Exchange's `DeliverToMailboxAndForward`.
    pub deliver_to_mailbox_and_forward: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient::text")]
    /// Exchange's `MaxReceiveSize`.
    pub max_receive_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient::text")]
    /// Exchange's `MaxSendSize`.
    pub max_send_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient::text")]
    /// Exchange's `RecipientLimits`.
    pub recipient_limits: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[serde(deserialize_with = "lenient::strings")]
    /// Exchange's `AcceptMessagesOnlyFrom`.
    pub accept_messages_only_from: Vec<String>,
    #[serde(
        rename = "AcceptMessagesOnlyFromDLMembers",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[serde(deserialize_with = "lenient::strings")]
    /// Exchange's `AcceptMessagesOnlyFromDLMembers`.
    pub accept_messages_only_from_dl_members: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[serde(deserialize_with = "lenient::strings")]
    /// Exchange's `RejectMessagesFrom`.
    pub reject_messages_from: Vec<String>,
    #[serde(
        rename = "RejectMessagesFromDLMembers",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[serde(deserialize_with = "lenient::strings")]
    /// Exchange's `RejectMessagesFromDLMembers`.
    pub reject_messages_from_dl_members: Vec<String>,
    #[serde(deserialize_with = "lenient::flag")]
    /// Exchange's `RequireSenderAuthenticationEnabled`.
    pub require_sender_authentication_enabled: bool,
    #[serde(deserialize_with = "lenient::flag")]
    /// Exchange's `ModerationEnabled`.
    pub moderation_enabled: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[serde(deserialize_with = "lenient::strings")]
    /// Exchange's `ModeratedBy`.
    pub moderated_by: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[serde(deserialize_with = "lenient::strings")]
    /// Exchange's `BypassModerationFromSendersOrMembers`.
    pub bypass_moderation_from_senders_or_members: Vec<String>,
    /// Group members (addresses, aliases or names).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[serde(deserialize_with = "lenient::strings")]
    pub members: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient::text")]
    /// Exchange's `RecipientFilter`.
    pub recipient_filter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "lenient::text")]
    /// Exchange's `ExpansionServer`.
    pub expansion_server: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Exchange's `ReportToOriginatorEnabled`.
    pub report_to_originator_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Exchange's `ReportToManagerEnabled`.
    pub report_to_manager_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[serde(deserialize_with = "lenient::strings")]
    /// Exchange's `ManagedBy`.
    pub managed_by: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[serde(deserialize_with = "lenient::strings")]
    /// Exchange's `BypassModerationFromDLMembers`.
    pub bypass_moderation_from_dl_members: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Exchange's `BypassNestedModerationEnabled`.
    pub bypass_nested_moderation_enabled: Option<bool>,
    /// Every other property of the export (Department, CustomAttribute1, …): unused by the
    /// replay except in dynamic groups' RecipientFilter.
    #[serde(flatten, skip_serializing_if = "BTreeMap::is_empty")]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// Why a snapshot could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{path}: cannot read the directory snapshot: {source}")]
    /// The file could not be read.
    Io {
        /// The file's path.
        path: String,
        #[source]
        /// The I/O error.
        source: std::io::Error,
    },
    #[error(
        "{path}: line {line}, column {column}: {message} (expected the shape \
         {{\"AcceptedDomains\":[…],\"Recipients\":[…]}}; see the README for the export command)"
    )]
    /// The file is not a snapshot: where and why.
    Json {
        /// The file's path.
        path: String,
        /// The line of the JSON text.
        line: usize,
        /// The column of the JSON text.
        column: usize,
        /// What is wrong.
        message: String,
    },
}

impl Snapshot {
    /// Loads a snapshot file (a UTF-8 BOM, as PowerShell writes, is accepted).
    pub fn load(path: &Path) -> Result<Snapshot, SnapshotError> {
        let text = std::fs::read_to_string(path).map_err(|source| SnapshotError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let text = text.trim_start_matches('\u{feff}');
        Snapshot::from_json(text).map_err(|(line, column, message)| SnapshotError::Json {
            path: path.display().to_string(),
            line,
            column,
            message,
        })
    }

    /// Parses snapshot JSON. An error names the recipient (by index and Name) and the
    /// property, with the line and column.
    pub fn from_json(text: &str) -> Result<Snapshot, (usize, usize, String)> {
        let mut de = serde_json::Deserializer::from_str(text);
        let parsed: Result<Snapshot, _> = serde_path_to_error::deserialize(&mut de);
        parsed.map_err(|e| {
            let (line, column) = (e.inner().line(), e.inner().column());
            let path = e.path().to_string();
            let mut message = e.inner().to_string();
            // serde_json appends " at line L column C"; the caller prints those itself.
            if let Some(cut) = message.find(" at line ") {
                message.truncate(cut);
            }
            let who = recipient_named_at(text, &path);
            (line, column, format!("{path}{who}: {message}"))
        })
    }
    /// The default accepted domain.
    pub fn default_domain(&self) -> Option<&str> {
        self.accepted_domains
            .iter()
            .find(|d| d.default)
            .map(|d| d.domain_name.as_str())
    }
}

/// ` (recipient "Joe Bloggs")` when an error path points into `Recipients[i]`.
fn recipient_named_at(text: &str, path: &str) -> String {
    let Some(index) = path
        .strip_prefix("Recipients[")
        .and_then(|rest| rest.split(']').next())
        .and_then(|i| i.parse::<usize>().ok())
    else {
        return String::new();
    };
    let name = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| {
            v.get("Recipients")?
                .get(index)?
                .get("Name")?
                .as_str()
                .map(str::to_string)
        });
    match name {
        Some(name) => format!(" (recipient \"{name}\")"),
        None => String::new(),
    }
}

impl Recipient {
    /// Every address this recipient answers to: the primary SMTP address, its SMTP proxies,
    /// and the IMCEA forms (in `domain`) of its legacyExchangeDN and non-SMTP proxies (X500,
    /// X400, …), as Get-MessageTrackingLog matches them through Active Directory.
    pub fn addresses(&self, domain: &str) -> Vec<String> {
        let mut out = Vec::new();
        if !self.primary_smtp_address.is_empty() {
            out.push(self.primary_smtp_address.clone());
        }
        for proxy in &self.email_addresses {
            match proxy.split_once(':') {
                Some((kind, address)) if kind.eq_ignore_ascii_case("smtp") => {
                    out.push(address.to_string())
                }
                Some((kind, address)) if !address.is_empty() => {
                    let kind = if kind.eq_ignore_ascii_case("x500") {
                        "EX"
                    } else {
                        kind
                    };
                    out.push(crate::format::imcea::encode(
                        &kind.to_ascii_uppercase(),
                        address,
                        domain,
                    ));
                }
                _ => {}
            }
        }
        if !self.legacy_exchange_dn.is_empty() {
            out.push(crate::format::imcea::encode(
                "EX",
                &self.legacy_exchange_dn,
                domain,
            ));
        }
        let mut seen = std::collections::HashSet::new();
        out.retain(|a| seen.insert(a.to_ascii_lowercase()));
        out
    }

    /// True if `address` is one of this recipient's SMTP addresses (ignoring case).
    pub fn has_smtp_address(&self, address: &str) -> bool {
        self.primary_smtp_address.eq_ignore_ascii_case(address)
            || self.email_addresses.iter().any(|p| {
                p.split_once(':').is_some_and(|(k, a)| {
                    k.eq_ignore_ascii_case("smtp") && a.eq_ignore_ascii_case(address)
                })
            })
    }
}

impl Snapshot {
    /// The addresses to match for `address`: all of its recipient's addresses when the
    /// snapshot knows it (by any SMTP address, alias or name), else just `address`.
    pub fn expand_address(&self, address: &str) -> Vec<String> {
        let domain = self.default_domain().unwrap_or("");
        let found = self.recipients.iter().find(|r| {
            r.has_smtp_address(address)
                || r.alias.eq_ignore_ascii_case(address)
                || r.name.eq_ignore_ascii_case(address)
        });
        match found {
            Some(r) => {
                let mut all = r.addresses(domain);
                if address.contains('@') && !all.iter().any(|a| a.eq_ignore_ascii_case(address)) {
                    all.push(address.to_string());
                }
                all
            }
            None => vec![address.to_string()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_exchange_property_names_and_ignores_unknown_ones() {
        let json = r#"{"AcceptedDomains":[{"DomainName":"contoso.com","DomainType":"Authoritative","Default":true}],
            "Recipients":[{"Name":"Joe","PrimarySmtpAddress":"joe@contoso.com","LegacyExchangeDN":"/o=C/cn=joe",
            "EmailAddresses":["SMTP:joe@contoso.com","X500:/o=C/cn=old"],"WhenCreated":"2026-01-01",
            "AcceptMessagesOnlyFromDLMembers":["sales"]}]}"#;
        let snapshot: Snapshot = serde_json::from_str(json).unwrap();
        assert_eq!(snapshot.default_domain(), Some("contoso.com"));
        let joe = &snapshot.recipients[0];
        assert_eq!(joe.legacy_exchange_dn, "/o=C/cn=joe");
        assert_eq!(joe.email_addresses.len(), 2);
        assert_eq!(joe.accept_messages_only_from_dl_members, vec!["sales"]);
        let all = snapshot.expand_address("JOE");
        assert_eq!(
            all,
            vec![
                "joe@contoso.com",
                "IMCEAEX-_o=C_cn=old@contoso.com",
                "IMCEAEX-_o=C_cn=joe@contoso.com"
            ]
        );
        assert_eq!(
            snapshot.expand_address("nobody@x.com"),
            vec!["nobody@x.com"]
        );
    }
}
