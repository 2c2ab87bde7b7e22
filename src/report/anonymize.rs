//! `--anonymize`: addresses and distinguished names replaced by keyed hashes, so the same
//! person always gets the same token within a report (and across reports made with the same
//! `MSGTRACK_ANONYMIZE_KEY`), while nobody can read or guess them back without the key.
//! Subjects are never printed by the reports, so nothing else needs hiding.

use std::sync::LazyLock;

use regex::{Captures, Regex};

static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"[^\s<>,;()"'\[\]{}]+@([A-Za-z0-9-]+\.)*[A-Za-z0-9-]+"#).expect("valid regex")
});
static DN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)/o=[^"\s]*( [^"/\r\n]*)*(/[a-z]+=[^"/\r\n]*)*"#).expect("valid regex")
});

/// Replaces addresses and DNs with stable tokens.
#[derive(Clone)]
pub struct Anonymizer {
    key: [u8; 32],
}

impl Anonymizer {
    /// An anonymizer keyed by `key` (any text), or by random bytes when `None`.
    pub fn new(key: Option<&str>) -> Anonymizer {
        let key = match key {
            Some(k) => *blake3::hash(k.as_bytes()).as_bytes(),
            None => {
                let mut k = [0u8; 32];
                k.iter_mut().for_each(|b| *b = fastrand::u8(..));
                k
            }
        };
        Anonymizer { key }
    }

    fn token(&self, kind: &str, text: &str, len: usize) -> String {
        let hash = blake3::keyed_hash(&self.key, text.to_lowercase().as_bytes());
        format!("{kind}{}", &hash.to_hex()[..len])
    }

    /// A domain's token (`d-1a2b3c.invalid`).
    pub fn domain(&self, domain: &str) -> String {
        if domain.starts_with('(') || domain.is_empty() {
            return domain.to_string();
        }
        format!("{}.invalid", self.token("d-", domain, 6))
    }

    /// An address's token: local part and domain hashed apart, so addresses of one domain
    /// keep sharing a domain token.
    pub fn address(&self, address: &str) -> String {
        match address.rsplit_once('@') {
            Some((local, domain)) => {
                format!("{}@{}", self.token("u-", local, 8), self.domain(domain))
            }
            None => self.token("u-", address, 8),
        }
    }

    /// Every address and DN in `text` replaced.
    pub fn text(&self, text: &str) -> String {
        let dns = DN.replace_all(text, |c: &Captures| self.token("/o=dn-", &c[0], 10));
        ADDRESS
            .replace_all(&dns, |c: &Captures| self.address(&c[0]))
            .into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_person_gets_the_same_token_and_nothing_readable_is_left() {
        let a = Anonymizer::new(Some("k"));
        let one = a.text("from Joe.Bloggs@contoso.com to <ana@contoso.com>");
        let two = a.text("joe.bloggs@CONTOSO.com");
        assert!(!one.to_lowercase().contains("bloggs") && !one.contains("contoso"));
        assert!(one.contains(&two), "{one} / {two}");
        let dn = a.text("Set-Mailbox -EmailAddresses @{add=\"X500:/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=Joe Bloggs\"}");
        assert!(!dn.contains("Joe") && !dn.contains("Contoso"), "{dn}");
        assert_ne!(
            Anonymizer::new(Some("k")).address("x@y.z"),
            Anonymizer::new(Some("other")).address("x@y.z")
        );
    }
}
