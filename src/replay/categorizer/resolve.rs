//! Top-level resolution of each envelope recipient (R2): proxy and legacyExchangeDN lookup,
//! IMCEA unwrapping, one-off addresses, not-found in authoritative vs relay domains.

use super::{Item, Outcome, Run, short};
use crate::directory::Lookup;
use crate::directory::index::ExMatch;
use crate::directory::owner::owner_candidates;
use crate::format::imcea;
use crate::format::status::text;
use crate::replay::reason::Reason;

impl Run<'_> {
    /// R2.2–R2.5 for one envelope recipient: the item to expand, or none when it failed,
    /// was deferred or leaves the organization.
    pub(super) fn resolve_top(&mut self, address: &str) -> Option<Item> {
        let mut item = Item {
            address: address.to_string(),
            object: None,
            history: Vec::new(),
            path: vec![address.to_string()],
        };
        let default_domain = self.d.default_domain().unwrap_or("");
        let unwrapped = imcea::decode(address).filter(|dec| {
            !default_domain.is_empty() && dec.domain.eq_ignore_ascii_case(default_domain)
        });
        let (lookup, how) = match &unwrapped {
            Some(dec) => match dec.kind.to_ascii_uppercase().as_str() {
                "SMTP" | "X500" | "INVALID" => {
                    let status = match dec.kind.to_ascii_uppercase().as_str() {
                        "SMTP" => text::SMTP_IN_SMTP,
                        "X500" => text::X500_IN_SMTP,
                        _ => text::INVALID_IN_SMTP,
                    };
                    self.fail(&item, status, Reason::SmtpInSmtp, format!(
                        "{} wraps an {} address in an SMTP address; Exchange refuses these — send to {} directly",
                        short(address), dec.kind, dec.address
                    ));
                    return None;
                }
                "EX" => {
                    let (lookup, how) = self.d.lookup_ex(&dec.address);
                    (
                        lookup,
                        Some(how.map_or(Reason::LegacydnMatch, |m| match m {
                            ExMatch::LegacyDn => Reason::LegacydnMatch,
                            ExMatch::X500Proxy => Reason::X500ProxyMatch,
                        })),
                    )
                }
                kind => (
                    self.d.lookup_proxy(kind, &dec.address),
                    Some(Reason::ProxyToPrimary),
                ),
            },
            None => (self.d.lookup_smtp(address), None),
        };
        match lookup {
            Lookup::Found(id) => {
                let primary = self.d.recipient(id).primary_smtp_address.clone();
                item.object = Some(id);
                if !primary.eq_ignore_ascii_case(address) && !primary.is_empty() {
                    let reason = how.unwrap_or(Reason::ProxyToPrimary);
                    let sentence = match reason {
                        Reason::X500ProxyMatch => format!(
                            "the old Exchange address (legacyExchangeDN) in {} matches an X500 proxy of {primary}: rewritten to that mailbox's primary address",
                            short(address)
                        ),
                        Reason::LegacydnMatch => format!(
                            "{} is the Exchange address (legacyExchangeDN) of {primary}: rewritten to its primary address",
                            short(address)
                        ),
                        _ => format!(
                            "{address} is a proxy address of {primary}: rewritten to the primary address"
                        ),
                    };
                    self.row(
                        "RESOLVE",
                        vec![primary.clone()],
                        address,
                        "",
                        reason,
                        sentence,
                    );
                    item.address = primary.clone();
                    item.path.push(primary);
                }
                Some(item)
            }
            Lookup::Ambiguous(ids) => {
                let owners: Vec<String> = ids.iter().map(|id| self.d.label(*id)).collect();
                self.row("DEFER", vec![address.to_string()], "", text::AMBIGUOUS_DEFER, Reason::AmbiguousRecipient, format!(
                    "{address} belongs to {} objects ({}); the recipient is deferred until one of them drops the address",
                    ids.len(), owners.join(", ")
                ));
                self.reach(&item, Outcome::Deferred);
                None
            }
            Lookup::NotFound => match &unwrapped {
                Some(dec) if dec.kind.eq_ignore_ascii_case("EX") => {
                    let candidates: Vec<String> = owner_candidates(self.d, &dec.address)
                        .into_iter()
                        .map(|id| self.d.label(id))
                        .collect();
                    let fix = match candidates.as_slice() {
                        [] => format!(
                            "add X500:{} as a proxy address of the mailbox this person has now",
                            dec.address
                        ),
                        [one] => format!(
                            "add X500:{} to the proxy addresses of {one} (its mailbox was probably re-created or migrated)",
                            dec.address
                        ),
                        many => format!(
                            "add X500:{} to the right one of {}",
                            dec.address,
                            many.join(", ")
                        ),
                    };
                    self.fail(&item, text::EX_RECIP_NOT_FOUND, Reason::ImceaLegacydnNotFound, format!(
                        "no recipient has the old Exchange address (legacyExchangeDN) {}, which came from an Outlook cache or an old item; fix: {fix}",
                        dec.address
                    ));
                    None
                }
                Some(dec) => {
                    let status = if dec.kind.eq_ignore_ascii_case("X400") {
                        text::X400_RECIP_NOT_FOUND
                    } else {
                        text::RECIP_NOT_FOUND
                    };
                    self.fail(
                        &item,
                        status,
                        Reason::RecipientNotFound,
                        format!("no recipient has the {} address {}", dec.kind, dec.address),
                    );
                    None
                }
                // Not in the directory: handled as a one-off during expansion (R5.11).
                None => Some(item),
            },
        }
    }
    /// R5.11: a recipient not in the directory.
    pub(super) fn one_off(&mut self, item: Item) -> Option<Item> {
        let domain_type = self
            .d
            .domain_type(&item.address)
            .map(str::to_ascii_lowercase);
        if domain_type.as_deref() == Some("authoritative") {
            let domain = item
                .address
                .rsplit_once('@')
                .map_or("", |(_, d)| d)
                .to_string();
            self.fail(&item, text::RECIP_NOT_FOUND, Reason::RecipientNotFound, format!(
                "{domain} is authoritative here and no recipient has the address {} (a typo, or a removed mailbox or proxy)",
                item.address
            ));
            return None;
        }
        if self.too_big_for_org_receive() {
            let size = self.size_text();
            self.fail(
                &item,
                text::RECIP_SIZE_LIMIT,
                Reason::RecipientSizeLimit,
                format!(
                    "the message ({size}) is larger than the organization's maximum receive size"
                ),
            );
            return None;
        }
        self.reach(&item, Outcome::Relayed);
        None
    }
}
