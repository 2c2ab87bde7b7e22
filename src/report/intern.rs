//! Compact per-message state for the summary: interned strings ([`Text`]) and small
//! sorted-vector sets and maps keyed by them. A day of logs holds about one message per
//! ten rows, each with a handful of recipients, servers and connectors; one allocation per
//! collection (instead of a tree node per collection and a string per member) keeps the
//! fold fast and the end of the report from spending its time freeing memory.

use std::collections::HashSet;
use std::rc::Rc;

/// An interned string: each distinct value is stored once, messages hold counted references.
pub type Text = Rc<str>;

/// Hands out one [`Text`] per distinct string.
#[derive(Debug, Default)]
pub struct Interner(HashSet<Text>);

impl Interner {
    /// The shared copy of `s`.
    pub fn get(&mut self, s: &str) -> Text {
        if let Some(t) = self.0.get(s) {
            return t.clone();
        }
        let t: Text = Rc::from(s);
        self.0.insert(t.clone());
        t
    }

    /// Forgets the strings no message holds any more (after messages were let go).
    pub fn forget_unused(&mut self) {
        self.0.retain(|t| Rc::strong_count(t) > 1);
        self.0.shrink_to_fit();
    }
}

/// A map from [`Text`] kept as a vector sorted by key.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct VecMap<V>(Vec<(Text, V)>);

impl<V> Default for VecMap<V> {
    fn default() -> Self {
        VecMap(Vec::new())
    }
}

impl VecMap<Text> {
    /// Shares the values through `strings`.
    pub fn intern_values(&mut self, strings: &mut Interner) {
        for (_, v) in &mut self.0 {
            *v = strings.get(v);
        }
    }
}

impl<V> VecMap<V> {
    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| (**k).cmp(key))
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        let i = self.find(key).ok()?;
        Some(&mut self.0[i].1)
    }

    /// The value of `key`, inserted as the default first when missing.
    pub fn get_or_default(&mut self, strings: &mut Interner, key: &str) -> &mut V
    where
        V: Default,
    {
        let i = match self.find(key) {
            Ok(i) => i,
            Err(i) => {
                self.reserve_one();
                self.0.insert(i, (strings.get(key), V::default()));
                i
            }
        };
        &mut self.0[i].1
    }

    /// Inserts or replaces the value of `key`.
    pub fn insert(&mut self, key: Text, value: V) {
        match self.find(&key) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => {
                self.reserve_one();
                self.0.insert(i, (key, value))
            }
        }
    }

    /// Room for one more entry: exactly one while the map is small (most messages have one
    /// to three recipients and servers; a vector's usual doubling left half of these
    /// millions of small maps empty), doubling beyond.
    fn reserve_one(&mut self) {
        if self.0.len() == self.0.capacity() && self.0.len() < 8 {
            self.0.reserve_exact(1);
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }

    /// Shares the keys through `strings` (a map read back from disk holds copies).
    pub fn intern(&mut self, strings: &mut Interner) {
        for (k, _) in &mut self.0 {
            *k = strings.get(k);
        }
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&Text, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

/// A set of [`Text`] kept as a sorted vector.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct VecSet(VecMap<()>);

impl VecSet {
    /// Adds `key`, interning it only when it is new.
    pub fn insert_str(&mut self, strings: &mut Interner, key: &str) {
        if !self.0.contains_key(key) {
            self.0.insert(strings.get(key), ());
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Shares the members through `strings`.
    pub fn intern(&mut self, strings: &mut Interner) {
        self.0.intern(strings);
    }

    /// Members in order.
    pub fn iter(&self) -> impl Iterator<Item = &Text> {
        self.0.iter().map(|(k, _)| k)
    }
}

impl<'a> IntoIterator for &'a VecSet {
    type Item = &'a Text;
    type IntoIter = Box<dyn Iterator<Item = &'a Text> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_and_sets_stay_sorted_and_unique() {
        let mut strings = Interner::default();
        let mut set = VecSet::default();
        for k in ["b", "a", "c", "a", "b"] {
            set.insert_str(&mut strings, k);
        }
        assert_eq!(
            set.iter().map(|t| &**t).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        let mut map = VecMap::default();
        map.insert(strings.get("z"), 1);
        map.insert(strings.get("y"), 2);
        map.insert(strings.get("z"), 3);
        assert_eq!(map.len(), 2);
        assert_eq!(map.get_mut("z").copied(), Some(3));
        assert!(map.contains_key("y") && !map.contains_key("x"));
        assert!(Rc::ptr_eq(&strings.get("a"), &strings.get("a")));
    }
}
