//! A store part's key filters: for MessageId, Sender and the Recipients' members, a Bloom
//! filter of the values the part holds (case-folded by the one rule, [`super::fold`]), kept
//! beside the part in a hidden file (`.<part>.keys`, which Spark, Trino and DuckDB's
//! `*.parquet` globs pass over). A query for one message or address then opens only the
//! parts that may hold it: a filter never says "absent" of a value the part holds (no false
//! negatives); about 1 % of the parts without it are read in vain.
//!
//! Layout (little-endian): `MSGTKEYS1`, a count of filters, then per filter the field's
//! index (u8), the hash count (u8), the number of 64-bit words (u32) and the words.

use super::Field;
use super::fold::fold;

/// The fields a part keeps a key filter for.
pub const KEYED_FIELDS: [Field; 3] = [Field::MessageId, Field::Sender, Field::Recipients];

const MAGIC: &[u8] = b"MSGTKEYS1";
/// Bits per value: with 7 hashes, about 1 % false positives.
const BITS_PER_VALUE: usize = 10;
const HASHES: u8 = 7;

/// A Bloom filter over case-folded text values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFilter {
    hashes: u8,
    words: Vec<u64>,
}

/// FNV-1a (64 bits) of the folded value, mixed: stable across runs and platforms.
fn hash(value: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut add = |b: u8| {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    if value.is_ascii() {
        // ASCII text folds byte by byte ([`fold`] upper-cases it): no folded copy is made.
        value.bytes().for_each(|b| add(b.to_ascii_uppercase()));
    } else {
        fold(value).bytes().for_each(add);
    }
    // A final avalanche (splitmix64), so that the two halves used below are independent.
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The values of a filter being built, a few at a time (a part written file by file).
#[derive(Debug, Default, Clone)]
pub struct KeyFilterBuilder {
    /// The values' hashes, with repeats (made distinct once, by [`KeyFilterBuilder::finish`]).
    hashes: Vec<u64>,
    /// The last value added: a value repeated on consecutive rows (a message's events, one
    /// sender's messages) is hashed once.
    last: Option<String>,
}

impl KeyFilterBuilder {
    /// Adds values.
    pub fn add<'a>(&mut self, values: impl IntoIterator<Item = &'a str>) {
        for value in values {
            if self.last.as_deref() == Some(value) {
                continue;
            }
            self.hashes.push(hash(value));
            let last = self.last.get_or_insert_with(String::new);
            last.clear();
            last.push_str(value);
        }
    }

    /// The filter of every value added (the one [`KeyFilter::build`] gives for them).
    pub fn finish(mut self) -> KeyFilter {
        self.hashes.sort_unstable();
        self.hashes.dedup();
        KeyFilter::of_hashes(self.hashes)
    }
}

impl KeyFilter {
    /// A filter holding `values`, sized by how many different ones they are.
    pub fn build<'a>(values: impl IntoIterator<Item = &'a str>) -> KeyFilter {
        let mut builder = KeyFilterBuilder::default();
        builder.add(values);
        builder.finish()
    }

    /// A filter of `distinct` hashes (each once).
    fn of_hashes(distinct: Vec<u64>) -> KeyFilter {
        let words = (distinct.len().max(1) * BITS_PER_VALUE).div_ceil(64);
        let mut filter = KeyFilter {
            hashes: HASHES,
            words: vec![0; words],
        };
        for h in distinct {
            filter.insert(h);
        }
        filter
    }

    /// The bits `h` sets: `hashes` positions among `words` × 64 (double hashing).
    fn bits(words: usize, hashes: u8, h: u64) -> impl Iterator<Item = usize> {
        let m = (words * 64) as u64;
        let (h1, h2) = (h & 0xffff_ffff, (h >> 32) | 1);
        (0..u64::from(hashes)).map(move |i| (h1.wrapping_add(i.wrapping_mul(h2)) % m) as usize)
    }

    fn insert(&mut self, h: u64) {
        for b in Self::bits(self.words.len(), self.hashes, h) {
            self.words[b / 64] |= 1 << (b % 64);
        }
    }

    /// False only when no value equal to `value` (ignoring case) was put in.
    pub fn may_contain(&self, value: &str) -> bool {
        if self.words.is_empty() {
            return true;
        }
        Self::bits(self.words.len(), self.hashes, hash(value))
            .all(|b| self.words[b / 64] & (1 << (b % 64)) != 0)
    }
}

/// A part's filters, by field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartKeys(pub Vec<(Field, KeyFilter)>);

impl PartKeys {
    /// The filter of `field`, when the part has one.
    pub fn get(&self, field: Field) -> Option<&KeyFilter> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, k)| k)
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.push(self.0.len() as u8);
        for (field, k) in &self.0 {
            out.push(field.index() as u8);
            out.push(k.hashes);
            out.extend((k.words.len() as u32).to_le_bytes());
            for w in &k.words {
                out.extend(w.to_le_bytes());
            }
        }
        out
    }

    /// Reads a file's bytes; `None` when they are not a key file this version wrote (the
    /// part is then read, not skipped).
    pub fn from_bytes(bytes: &[u8]) -> Option<PartKeys> {
        let rest = bytes.strip_prefix(MAGIC)?;
        let (&count, mut rest) = rest.split_first()?;
        let mut keys = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let (&index, r) = rest.split_first()?;
            let (&hashes, r) = r.split_first()?;
            let (len, r) = r.split_at_checked(4)?;
            let len = u32::from_le_bytes(len.try_into().ok()?) as usize;
            let (body, r) = r.split_at_checked(len.checked_mul(8)?)?;
            let words = body
                .chunks_exact(8)
                .map(|w| u64::from_le_bytes(w.try_into().unwrap_or([0; 8])))
                .collect();
            let field = *Field::ALL.get(index as usize)?;
            if hashes == 0 || hashes > 32 {
                return None;
            }
            keys.push((field, KeyFilter { hashes, words }));
            rest = r;
        }
        rest.is_empty().then_some(PartKeys(keys))
    }
}

/// The key file of the part named `part_name` (in the same folder).
pub fn keys_name(part_name: &str) -> String {
    format!(".{part_name}.keys")
}

/// The part a key file named `name` goes with, when it is one ([`keys_name`] undone).
pub fn part_of_keys(name: &str) -> Option<&str> {
    name.strip_prefix('.')
        .and_then(|n| n.strip_suffix(".keys"))
        .filter(|n| n.ends_with(".parquet"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_holds_every_value_put_in_ignoring_case_and_few_others() {
        let values: Vec<String> = (0..2000).map(|i| format!("<Msg{i}@Contoso.com>")).collect();
        let k = KeyFilter::build(values.iter().map(String::as_str));
        for v in &values {
            assert!(k.may_contain(v));
            assert!(k.may_contain(&v.to_lowercase()));
            assert!(k.may_contain(&v.to_uppercase()));
        }
        // The one case rule: ı matches I, final sigma matches Σ.
        let k2 = KeyFilter::build(["ıNFO@X.COM", "ΑΣ"]);
        assert!(k2.may_contain("info@x.com") && k2.may_contain("ας"));
        let false_positives = (0..10_000)
            .filter(|i| k.may_contain(&format!("<other{i}@contoso.com>")))
            .count();
        assert!(false_positives < 300, "{false_positives} of 10,000");
    }

    /// The hash as it was first written (FNV-1a of the folded copy, mixed): stores written
    /// before keep their key files valid.
    fn hash_of_folded_copy(value: &str) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in fold(value).as_bytes() {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= h >> 30;
        h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h ^= h >> 27;
        h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^ (h >> 31)
    }

    #[test]
    fn values_hash_as_their_folded_copies_and_repeats_change_nothing() {
        for v in [
            "<Msg1@Contoso.com>",
            "ann@x.com",
            "",
            "ıNFO@X.COM",
            "Straße@ß.de",
            "ΑΣ ας",
        ] {
            assert_eq!(hash(v), hash_of_folded_copy(v), "{v}");
        }
        let distinct = ["b@y", "a@y", "C@y"];
        let mut builder = KeyFilterBuilder::default();
        builder.add(["b@y", "b@y", "a@y"]);
        builder.add(["a@y", "C@y", "b@y", "b@y"]);
        let mut one_each = KeyFilterBuilder::default();
        one_each.add(distinct);
        assert_eq!(builder.finish(), one_each.finish());
        assert_eq!(
            KeyFilter::build(distinct).words.len(),
            (3 * BITS_PER_VALUE).div_ceil(64)
        );
    }

    #[test]
    fn key_files_round_trip_and_refuse_what_they_are_not() {
        let keys = PartKeys(vec![
            (Field::MessageId, KeyFilter::build(["<a@x>"])),
            (Field::Recipients, KeyFilter::build(["b@y", "c@y"])),
        ]);
        let bytes = keys.to_bytes();
        assert_eq!(PartKeys::from_bytes(&bytes), Some(keys.clone()));
        assert_eq!(part_of_keys(&keys_name("a@1.parquet")), Some("a@1.parquet"));
        assert_eq!(part_of_keys("a@1.parquet"), None);
        assert_eq!(PartKeys::from_bytes(&bytes[..bytes.len() - 1]), None);
        assert_eq!(PartKeys::from_bytes(b"PAR1...."), None);
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(PartKeys::from_bytes(&longer), None);
    }
}
