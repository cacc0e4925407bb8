//! The output in memory as a map that builds share: output path -> body.
//!
//! A rebuild starts from the last build's output, which the server may
//! still be serving, and puts in the few files it made again. A copy of a
//! whole map of 100,000 files cost more than the rest of a one-page
//! rebuild on a large site; this map is in shards, each behind its own
//! `Arc`, so a copy is a copy of the shard pointers and a write copies the
//! one shard it lands in, on its first write.

use std::sync::Arc;

use super::publish::Body;
use crate::hash::{self, Map};

/// Enough that a shard holds a few hundred files at 50,000 pages.
const SHARDS: usize = 256;

#[derive(Debug, Clone)]
pub struct FileMap {
    shards: Vec<Arc<Map<Arc<str>, Body>>>,
}

impl Default for FileMap {
    fn default() -> Self {
        FileMap::with_capacity(0)
    }
}

impl FileMap {
    /// An empty map with room for about `n` files.
    pub fn with_capacity(n: usize) -> FileMap {
        let each = n.div_ceil(SHARDS);
        FileMap {
            shards: (0..SHARDS)
                .map(|_| Arc::new(hash::map_with_capacity(each)))
                .collect(),
        }
    }

    fn shard(path: &str) -> usize {
        hash::hash_of(path) as usize % SHARDS
    }

    /// The shard of `path`, copied first if another map shares it.
    fn shard_mut(&mut self, path: &str) -> &mut Map<Arc<str>, Body> {
        Arc::make_mut(&mut self.shards[Self::shard(path)])
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.shards.iter().all(|s| s.is_empty())
    }

    pub fn get(&self, path: &str) -> Option<&Body> {
        self.shards[Self::shard(path)].get(path)
    }

    pub fn get_key_value(&self, path: &str) -> Option<(&Arc<str>, &Body)> {
        self.shards[Self::shard(path)].get_key_value(path)
    }

    pub fn contains_key(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    /// Puts `body` at `path`; returns the body it replaces.
    pub fn insert(&mut self, path: Arc<str>, body: Body) -> Option<Body> {
        self.shard_mut(&path).insert(path, body)
    }

    pub fn remove(&mut self, path: &str) -> Option<Body> {
        // Only a shard that holds the path is copied.
        self.get(path)?;
        self.shard_mut(path).remove(path)
    }

    /// Every file, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&Arc<str>, &Body)> {
        self.shards.iter().flat_map(|s| s.iter())
    }

    pub fn keys(&self) -> impl Iterator<Item = &Arc<str>> {
        self.iter().map(|(k, _)| k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(s: &str) -> Body {
        Body::Bytes(Arc::from(s.as_bytes()))
    }

    fn bytes(b: Option<&Body>) -> Option<Vec<u8>> {
        match b? {
            Body::Bytes(b) => Some(b.to_vec()),
            Body::Copy(_) => None,
        }
    }

    #[test]
    fn a_copy_written_to_leaves_the_original_as_it_was() {
        let mut a = FileMap::default();
        for i in 0..1000 {
            a.insert(Arc::from(format!("p/{i}/index.html")), body(&i.to_string()));
        }
        let mut b = a.clone();
        b.insert(Arc::from("p/7/index.html"), body("seven"));
        b.insert(Arc::from("new.html"), body("new"));
        assert!(b.remove("p/8/index.html").is_some());
        assert!(b.remove("never/there.html").is_none());

        assert_eq!(a.len(), 1000);
        assert_eq!(bytes(a.get("p/7/index.html")), Some(b"7".to_vec()));
        assert!(a.contains_key("p/8/index.html") && !a.contains_key("new.html"));

        assert_eq!(b.len(), 1000);
        assert_eq!(bytes(b.get("p/7/index.html")), Some(b"seven".to_vec()));
        assert!(!b.contains_key("p/8/index.html") && b.contains_key("new.html"));
        assert_eq!(b.keys().count(), b.len());
        // Only the shards written to were copied.
        let shared = (a.shards.iter().zip(&b.shards))
            .filter(|(x, y)| Arc::ptr_eq(x, y))
            .count();
        assert!(
            shared >= SHARDS - 3,
            "{shared} of {SHARDS} shards still shared"
        );
    }
}
