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

use std::path::Path;

use serde::{Deserialize, Serialize};

/// A whole snapshot.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Snapshot {
    pub accepted_domains: Vec<AcceptedDomain>,
    pub recipients: Vec<Recipient>,
}

/// An accepted domain (`Get-AcceptedDomain`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AcceptedDomain {
    pub domain_name: String,
    /// `Authoritative`, `InternalRelay` or `ExternalRelay`.
    pub domain_type: String,
    pub default: bool,
}

/// One recipient (`Get-Recipient` / `Get-Mailbox` / `Get-DistributionGroup` properties).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Recipient {
    pub name: String,
    pub alias: String,
    pub display_name: String,
    /// `UserMailbox`, `MailUniversalDistributionGroup`, `DynamicDistributionGroup`, `MailContact`, …
    pub recipient_type: String,
    pub recipient_type_details: String,
    pub primary_smtp_address: String,
    /// Proxy addresses: `SMTP:` (primary), `smtp:`, `X500:`, …
    pub email_addresses: Vec<String>,
    #[serde(rename = "LegacyExchangeDN")]
    pub legacy_exchange_dn: String,
    /// The mailbox database (mailboxes only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// The server holding the active copy of the database (mailboxes only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_email_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forwarding_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forwarding_smtp_address: Option<String>,
    pub deliver_to_mailbox_and_forward: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_receive_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_send_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient_limits: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accept_messages_only_from: Vec<String>,
    #[serde(
        rename = "AcceptMessagesOnlyFromDLMembers",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub accept_messages_only_from_dl_members: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reject_messages_from: Vec<String>,
    #[serde(
        rename = "RejectMessagesFromDLMembers",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub reject_messages_from_dl_members: Vec<String>,
    pub require_sender_authentication_enabled: bool,
    pub moderation_enabled: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub moderated_by: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bypass_moderation_from_senders_or_members: Vec<String>,
    /// Group members (addresses, aliases or names).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient_filter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expansion_server: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_to_originator_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_to_manager_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub managed_by: Vec<String>,
}

/// Why a snapshot could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{path}: cannot read the directory snapshot: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path}: line {line}, column {column}: {message} (expected the shape \
         {{\"AcceptedDomains\":[…],\"Recipients\":[…]}}; see the README for the export command)"
    )]
    Json {
        path: String,
        line: usize,
        column: usize,
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
        serde_json::from_str(text).map_err(|e| SnapshotError::Json {
            path: path.display().to_string(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
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
