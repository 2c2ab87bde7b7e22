//! Who most likely owned a stale legacyExchangeDN: the recipient that needs it back as an
//! `X500:` proxy (categorizer.md §3, KB2807779), with the reason and how sure the guess is.

use serde::Serialize;

use super::index::{Directory, ExMatch, Lookup, ObjectId};

/// How sure an owner guess is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    /// The DN is already on a recipient (its legacyExchangeDN or an X500 proxy): fixed.
    Present,
    /// The DN's last `cn=` names exactly one recipient by alias, name or address.
    High,
    /// A looser match (spacing and punctuation ignored, a GUID-suffixed alias), or several
    /// recipients match equally well.
    Medium,
    /// The names only overlap.
    Low,
}

impl Confidence {
    /// The word printed in reports.
    pub fn label(self) -> &'static str {
        match self {
            Confidence::Present => "present",
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }
}

/// One candidate owner of a legacyExchangeDN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerGuess {
    pub id: ObjectId,
    pub confidence: Confidence,
    /// Why, in one sentence.
    pub why: String,
}

/// The last `cn=` of a DN, without the prefixes Exchange puts before re-created names: the
/// 32-hex-digit GUID and dash of 2013+ (`cn=7e95…6f-adele.vance`) or the 8-hex-digit prefix
/// of 2007/2010 (`cn=a8f22499Joe Bloggs`).
pub fn last_cn(dn: &str) -> (&str, &str) {
    let lower = dn.to_ascii_lowercase();
    let start = lower.rfind("/cn=").map_or(0, |i| i + 4);
    let cn = &dn[start..];
    let hex_run = cn.bytes().take_while(u8::is_ascii_hexdigit).count();
    let core = if hex_run >= 32 && cn[32..].starts_with('-') {
        &cn[33..]
    } else if hex_run >= 8 && cn.len() > 8 && !cn[8..].starts_with(|c: char| c.is_ascii_hexdigit())
    {
        &cn[8..]
    } else {
        cn
    };
    (cn, core)
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A GUID or hex suffix Exchange appends to a duplicate alias (`joe.bloggs_1f3e…`,
/// `joebloggs4f1`).
fn strip_hex_suffix(s: &str) -> &str {
    let trimmed = s.trim_end_matches(|c: char| c.is_ascii_hexdigit());
    if s.len() - trimmed.len() >= 3 {
        trimmed.trim_end_matches(['_', '-', '.'])
    } else {
        s
    }
}

/// Ranks the recipients that may own `dn`, best first.
pub fn guess_owner(directory: &Directory, dn: &str) -> Vec<OwnerGuess> {
    if let (Lookup::Found(id), Some(how)) = directory.lookup_ex(dn) {
        let why = match how {
            ExMatch::LegacyDn => "the DN is this recipient's legacyExchangeDN now".to_string(),
            ExMatch::X500Proxy => "this recipient already has the DN as an X500 proxy".to_string(),
        };
        return vec![OwnerGuess {
            id,
            confidence: Confidence::Present,
            why,
        }];
    }
    let (cn, core) = last_cn(dn);
    let core_lower = core.to_lowercase();
    let core_squashed = squash(core);
    let mut found: Vec<OwnerGuess> = Vec::new();
    for id in 0..directory.len() {
        let r = directory.recipient(id);
        let local = r.primary_smtp_address.split('@').next().unwrap_or_default();
        let exact = [
            ("alias", r.alias.as_str()),
            ("name", r.name.as_str()),
            ("display name", r.display_name.as_str()),
            ("address", local),
        ]
        .into_iter()
        .find(|(_, v)| !v.is_empty() && v.to_lowercase() == core_lower);
        let guess = if let Some((what, value)) = exact {
            Some((
                Confidence::High,
                format!("the DN's last cn= ({cn}) is the {what} \"{value}\""),
            ))
        } else if [&r.alias, &r.name, &r.display_name]
            .iter()
            .any(|v| !v.is_empty() && squash(v) == core_squashed)
        {
            Some((
                Confidence::Medium,
                format!(
                    "the DN's last cn= ({cn}) matches \"{}\" ignoring spaces and dots",
                    r.name
                ),
            ))
        } else if !r.alias.is_empty()
            && squash(strip_hex_suffix(&r.alias)) == core_squashed
            && strip_hex_suffix(&r.alias) != r.alias
        {
            Some((
                Confidence::Medium,
                format!(
                    "the alias \"{}\" is the DN's name ({core}) with a GUID suffix, as Exchange names a re-created mailbox",
                    r.alias
                ),
            ))
        } else if core_squashed.len() >= 4
            && [&r.alias, &r.name].iter().any(|v| {
                squash(v).len() >= 4
                    && (core_squashed.contains(&squash(v)) || squash(v).contains(&core_squashed))
            })
        {
            Some((
                Confidence::Low,
                format!("the DN's last cn= ({cn}) and \"{}\" only overlap", r.name),
            ))
        } else {
            None
        };
        if let Some((confidence, why)) = guess {
            found.push(OwnerGuess {
                id,
                confidence,
                why,
            });
        }
    }
    // Mailboxes first among equals: an X500 proxy for a stale DN is nearly always a mailbox's.
    found.sort_by_key(|g| {
        let r = directory.recipient(g.id);
        (
            g.confidence,
            !r.recipient_type.to_ascii_lowercase().contains("mailbox"),
        )
    });
    if found.len() > 1 && found[0].confidence == found[1].confidence {
        let others: Vec<String> = found[1..]
            .iter()
            .take_while(|g| g.confidence == found[0].confidence)
            .map(|g| directory.recipient(g.id).name.clone())
            .collect();
        let best = &mut found[0];
        best.confidence = match best.confidence {
            Confidence::High => Confidence::Medium,
            _ => Confidence::Low,
        };
        best.why = format!("{}; but {} match(es) as well", best.why, others.join(", "));
    }
    found
}

/// Recipients whose name resembles the last `cn=` of a stale legacyExchangeDN: who most
/// likely needs it as an X500 proxy (the best-ranked guesses of [`guess_owner`]).
pub fn owner_candidates(directory: &Directory, dn: &str) -> Vec<ObjectId> {
    let guesses = guess_owner(directory, dn);
    let best = guesses.first().map(|g| g.confidence);
    guesses
        .iter()
        .filter(|g| Some(g.confidence) == best || g.confidence <= Confidence::Medium)
        .map(|g| g.id)
        .collect()
}

/// The Exchange shell line that adds a DN as an X500 proxy to a recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct X500Fix {
    /// `Set-Mailbox`, `Set-MailUser`, … by the recipient's type.
    pub cmdlet: &'static str,
    /// The recipient's primary SMTP address (else its name).
    pub identity: String,
    /// The legacyExchangeDN to add.
    pub dn: String,
}

impl X500Fix {
    /// `CMDLET -Identity 'IDENTITY' -EmailAddresses @{add='X500:DN'}`, every value in
    /// PowerShell single quotes (see [`crate::escape::shell::powershell`]): the DN comes
    /// from an address a sender chose, and pasting the line must never run it.
    pub fn line(&self) -> String {
        use crate::escape::shell::powershell;
        format!(
            "{} -Identity {} -EmailAddresses @{{add={}}}",
            self.cmdlet,
            powershell(&self.identity),
            powershell(&format!("X500:{}", self.dn))
        )
    }
}

/// The fix that adds `dn` as an X500 proxy to recipient `id`, with the cmdlet for its type.
pub fn x500_fix(directory: &Directory, id: ObjectId, dn: &str) -> X500Fix {
    let r = directory.recipient(id);
    let kind = format!("{} {}", r.recipient_type, r.recipient_type_details).to_ascii_lowercase();
    let cmdlet = if kind.contains("remote") {
        "Set-RemoteMailbox"
    } else if kind.contains("mailbox") {
        "Set-Mailbox"
    } else if kind.contains("dynamic") {
        "Set-DynamicDistributionGroup"
    } else if kind.contains("group") {
        "Set-DistributionGroup"
    } else if kind.contains("contact") {
        "Set-MailContact"
    } else if kind.contains("mailuser") {
        "Set-MailUser"
    } else {
        "Set-Mailbox"
    };
    let identity = if r.primary_smtp_address.is_empty() {
        &r.name
    } else {
        &r.primary_smtp_address
    };
    X500Fix {
        cmdlet,
        identity: identity.to_string(),
        dn: dn.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_the_prefixes_exchange_puts_on_re_created_names() {
        assert_eq!(
            last_cn("/o=C/ou=X/cn=Recipients/cn=7e957c39e13699d89fd9d3a6dc06a86f-adele.vance").1,
            "adele.vance"
        );
        assert_eq!(
            last_cn("/o=C/cn=Recipients/cn=a8f22499Joe Bloggs").1,
            "Joe Bloggs"
        );
        assert_eq!(last_cn("/o=C/cn=Recipients/cn=Joe Bloggs").1, "Joe Bloggs");
        assert_eq!(last_cn("/o=C/cn=Recipients/cn=deadbeef").1, "deadbeef");
        assert_eq!(strip_hex_suffix("joe.bloggs_1f3e9a"), "joe.bloggs");
        assert_eq!(strip_hex_suffix("dave"), "dave");
    }

    #[test]
    fn fix_lines_quote_what_a_sender_wrote() {
        let fix = X500Fix {
            cmdlet: "Set-Mailbox",
            identity: "o'brien@contoso.com".into(),
            dn: "/o=C/cn=Recipients/cn=x$(Stop-Computer)`\"; rm".into(),
        };
        assert_eq!(
            fix.line(),
            "Set-Mailbox -Identity 'o''brien@contoso.com' -EmailAddresses @{add='X500:/o=C/cn=Recipients/cn=x$(Stop-Computer)`\"; rm'}"
        );
    }
}
