//! A small per-isolate cache with a lifetime per entry and a bound on its size: the clock
//! is the caller's (Unix milliseconds), so the rules are tested on the host.

use std::collections::HashMap;

pub struct TtlCache<V> {
    ttl_ms: i64,
    max: usize,
    entries: HashMap<String, (i64, V)>,
}

impl<V: Clone> TtlCache<V> {
    pub fn new(ttl_ms: i64, max: usize) -> Self {
        TtlCache { ttl_ms, max, entries: HashMap::new() }
    }

    /// The value stored under `key` less than `ttl_ms` before `now`.
    pub fn get(&self, key: &str, now: i64) -> Option<V> {
        self.entries.get(key).filter(|(at, _)| now - at < self.ttl_ms).map(|(_, v)| v.clone())
    }

    /// Stores `value`; when full, expired entries go first, and everything if none had.
    pub fn put(&mut self, key: &str, value: V, now: i64) {
        if self.entries.len() >= self.max && !self.entries.contains_key(key) {
            let ttl = self.ttl_ms;
            self.entries.retain(|_, (at, _)| now - *at < ttl);
            if self.entries.len() >= self.max {
                self.entries.clear();
            }
        }
        self.entries.insert(key.to_string(), (now, value));
    }

    pub fn remove(&mut self, key: &str) {
        self.entries.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::TtlCache;

    #[test]
    fn entries_live_for_the_ttl_and_no_longer() {
        let mut c = TtlCache::new(10_000, 8);
        c.put("a", 1, 1_000);
        assert_eq!(c.get("a", 1_000), Some(1));
        assert_eq!(c.get("a", 10_999), Some(1));
        assert_eq!(c.get("a", 11_000), None);
        assert_eq!(c.get("b", 1_000), None);
    }

    #[test]
    fn remove_drops_at_once() {
        let mut c = TtlCache::new(10_000, 8);
        c.put("a", 1, 0);
        c.remove("a");
        assert_eq!(c.get("a", 1), None);
    }

    #[test]
    fn size_is_bounded_expired_entries_first() {
        let mut c = TtlCache::new(100, 3);
        c.put("old", 0, 0);
        c.put("b", 1, 150);
        c.put("c", 2, 150);
        // Full: the expired one makes room, the live ones stay.
        c.put("d", 3, 200);
        assert_eq!(c.entries.len(), 3);
        assert_eq!(c.get("old", 200), None);
        assert_eq!(c.get("b", 200), Some(1));
        // Full of live entries: it starts over rather than grow.
        c.put("e", 4, 210);
        assert_eq!(c.entries.len(), 1);
        assert_eq!(c.get("e", 210), Some(4));
        // Replacing a key never evicts.
        c.put("e", 5, 220);
        assert_eq!(c.get("e", 220), Some(5));
    }
}
