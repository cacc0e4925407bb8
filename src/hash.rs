//! Hashing for in-memory maps and for telling whether something changed.
//!
//! The standard library's SipHash resists hash flooding, which a build of
//! the user's own files does not need, and costs a noticeable share of a
//! rebuild; ahash is several times faster. [`hash_of`] uses fixed seeds, so
//! a value hashes the same on every run (the output manifest relies on it).

use std::hash::{BuildHasher, Hash};

pub type Map<K, V> = std::collections::HashMap<K, V, ahash::RandomState>;
pub type Set<K> = std::collections::HashSet<K, ahash::RandomState>;

const FIXED: ahash::RandomState = ahash::RandomState::with_seeds(
    0x243f_6a88_85a3_08d3,
    0x1319_8a2e_0370_7344,
    0xa409_3822_299f_31d0,
    0x082e_fa98_ec4e_6c89,
);

/// The hash of a value, the same on every run.
pub fn hash_of(x: impl Hash) -> u64 {
    FIXED.hash_one(x)
}

/// A hasher that feeds several values into one hash, as [`hash_of`] does.
pub type Digest = ahash::AHasher;

pub fn hasher() -> Digest {
    FIXED.build_hasher()
}

/// An empty map with room for `n` entries.
pub fn map_with_capacity<K, V>(n: usize) -> Map<K, V> {
    Map::with_capacity_and_hasher(n, Default::default())
}
