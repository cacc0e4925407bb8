// pinakes: the map of `preserve_order`, in place of an `IndexMap`.
//
// A map is its keys (an ordered set with its hash index) and its values, side
// by side. Maps serialized from one struct share one set of keys: a site's
// thousands of summaries are then each a list of values, and a lookup finds
// the key's place in the one index every map of that shape shares (in the
// cache, being read by every page) and misses the cache once, on the value,
// instead of on the index and then on the entry holding key and value.
// Maps built key by key own their keys, as before.

use std::cell::RefCell;
use std::fmt;
use std::sync::{Arc, LazyLock};

use indexmap::IndexSet;
use rustc_hash::{FxBuildHasher, FxHashMap};

use super::{Key, Value};

type Keys = IndexSet<Key<'static>, FxBuildHasher>;

static NO_KEYS: LazyLock<Arc<Keys>> = LazyLock::new(Arc::default);

/// Tera's map: ordered keys, each with its value.
#[derive(Clone)]
pub struct Map {
    keys: Arc<Keys>,
    values: Vec<Value>,
}

impl Default for Map {
    fn default() -> Self {
        Map {
            keys: NO_KEYS.clone(),
            values: Vec::new(),
        }
    }
}

impl Map {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty map with room for `n` entries.
    pub fn with_capacity(n: usize) -> Self {
        Map {
            keys: match n {
                0 => NO_KEYS.clone(),
                n => Arc::new(Keys::with_capacity_and_hasher(n, FxBuildHasher)),
            },
            values: Vec::with_capacity(n),
        }
    }

    /// As [`Map::with_capacity`]; the hasher is always Fx.
    pub fn with_capacity_and_hasher(n: usize, _: FxBuildHasher) -> Self {
        Self::with_capacity(n)
    }

    #[allow(missing_docs)]
    pub fn len(&self) -> usize {
        self.values.len()
    }

    #[allow(missing_docs)]
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The value of `key`.
    pub fn get(&self, key: &Key<'_>) -> Option<&Value> {
        self.index_of(key).map(|i| &self.values[i])
    }

    #[allow(missing_docs)]
    pub fn contains_key(&self, key: &Key<'_>) -> bool {
        self.index_of(key).is_some()
    }

    /// Where `key` is; a key of any lifetime (the set of `'static` keys
    /// is read as one of shorter-lived keys).
    fn index_of<'k>(&self, key: &Key<'k>) -> Option<usize> {
        let keys: &IndexSet<Key<'k>, FxBuildHasher> = &self.keys;
        keys.get_index_of(key)
    }

    /// Sets `key` to `value`, in the key's place if it has one, else last;
    /// returns the value it replaces.
    pub fn insert(&mut self, key: Key<'static>, value: Value) -> Option<Value> {
        if let Some(i) = self.index_of(&key) {
            return Some(std::mem::replace(&mut self.values[i], value));
        }
        // Keys shared with other maps are copied once; this map's own
        // keys from then on.
        Arc::make_mut(&mut self.keys).insert(key);
        self.values.push(value);
        None
    }

    /// Sets `key` to `value` unless it has a value.
    pub fn insert_absent(&mut self, key: Key<'static>, value: Value) {
        if !self.contains_key(&key) {
            self.insert(key, value);
        }
    }

    #[allow(missing_docs)]
    pub fn reserve(&mut self, n: usize) {
        self.values.reserve(n);
        if let Some(keys) = Arc::get_mut(&mut self.keys) {
            keys.reserve(n);
        }
    }

    #[allow(missing_docs)]
    pub fn iter(&self) -> Iter<'_> {
        self.keys.iter().zip(self.values.iter())
    }

    #[allow(missing_docs)]
    pub fn keys(&self) -> indexmap::set::Iter<'_, Key<'static>> {
        self.keys.iter()
    }

    #[allow(missing_docs)]
    pub fn values(&self) -> std::slice::Iter<'_, Value> {
        self.values.iter()
    }

    /// Whether the two maps hold one set of keys (made from structs of one
    /// shape), not two equal ones.
    pub fn shares_keys_with(&self, other: &Map) -> bool {
        Arc::ptr_eq(&self.keys, &other.keys)
    }

    /// A map of `keys` and `values`, in place (`keys` shared).
    fn of(keys: Arc<Keys>, values: Vec<Value>) -> Map {
        debug_assert_eq!(keys.len(), values.len());
        Map { keys, values }
    }
}

/// The entries of a map, in order.
pub type Iter<'a> =
    std::iter::Zip<indexmap::set::Iter<'a, Key<'static>>, std::slice::Iter<'a, Value>>;

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a Key<'static>, &'a Value);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl IntoIterator for Map {
    type Item = (Key<'static>, Value);
    type IntoIter = std::iter::Zip<std::vec::IntoIter<Key<'static>>, std::vec::IntoIter<Value>>;
    fn into_iter(self) -> Self::IntoIter {
        let keys: Vec<Key<'static>> = match Arc::try_unwrap(self.keys) {
            Ok(own) => own.into_iter().collect(),
            Err(shared) => shared.iter().cloned().collect(),
        };
        keys.into_iter().zip(self.values)
    }
}

impl FromIterator<(Key<'static>, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (Key<'static>, Value)>>(iter: I) -> Self {
        let mut map = Map::default();
        map.extend(iter);
        map
    }
}

impl Extend<(Key<'static>, Value)> for Map {
    fn extend<I: IntoIterator<Item = (Key<'static>, Value)>>(&mut self, iter: I) {
        let iter = iter.into_iter();
        self.reserve(iter.size_hint().0);
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

/// Equal as maps: the same keys with equal values, in any order.
impl PartialEq for Map {
    fn eq(&self, other: &Self) -> bool {
        if self.len() != other.len() {
            return false;
        }
        if Arc::ptr_eq(&self.keys, &other.keys) {
            return self.values == other.values;
        }
        self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

// The keys of a struct's fields as `Shape::end` last made them, for the
// next struct of that name (a few shapes per name: optional fields are
// left out of some). Per thread, so no lock is taken.
thread_local! {
    static SHAPES: RefCell<FxHashMap<&'static str, Vec<Arc<Keys>>>> = RefCell::default();
}

/// How many shapes of one struct are kept.
const SHAPES_PER_STRUCT: usize = 4;

/// A struct's map being serialized field by field: while its fields are
/// those of a known shape, only its values are collected, and it ends up
/// sharing that shape's keys.
pub(crate) struct Shape {
    name: &'static str,
    keys: Building,
    values: Vec<Value>,
}

enum Building {
    /// The fields so far are the first of these keys.
    Known(Arc<Keys>),
    /// The fields so far, in a shape not seen before.
    New(Keys),
}

/// Whether `a` and `b` are the same field name: a struct's names are
/// `'static` strings, mostly the very same ones.
fn same_field(a: &Key<'static>, b: &'static str) -> bool {
    match a {
        Key::Str(s) => std::ptr::eq(*s, b) || *s == b,
        _ => false,
    }
}

impl Shape {
    pub(crate) fn new(name: &'static str, len: usize) -> Shape {
        let last = SHAPES.with(|s| s.borrow().get(name).and_then(|v| v.first().cloned()));
        Shape {
            name,
            keys: match last {
                Some(keys) => Building::Known(keys),
                None => Building::New(Keys::with_capacity_and_hasher(len, FxBuildHasher)),
            },
            values: Vec::with_capacity(len),
        }
    }

    pub(crate) fn push(&mut self, field: &'static str, value: Value) {
        let at = self.values.len();
        if let Building::Known(keys) = &self.keys {
            if keys.get_index(at).is_some_and(|k| same_field(k, field)) {
                self.values.push(value);
                return;
            }
            // Another known shape with the same fields so far and this one next?
            let other = SHAPES.with(|s| {
                s.borrow().get(self.name).and_then(|shapes| {
                    shapes
                        .iter()
                        .find(|o| {
                            o.len() > at
                                && same_field(&o[at], field)
                                && (0..at).all(|i| o[i] == keys[i])
                        })
                        .cloned()
                })
            });
            match other {
                Some(o) => {
                    self.keys = Building::Known(o);
                    self.values.push(value);
                    return;
                }
                None => {
                    let mut own = Keys::with_capacity_and_hasher(at + 1, FxBuildHasher);
                    own.extend(keys.iter().take(at).cloned());
                    self.keys = Building::New(own);
                }
            }
        }
        if let Building::New(keys) = &mut self.keys {
            let (i, new) = keys.insert_full(Key::Str(field));
            match new {
                true => self.values.push(value),
                false => self.values[i] = value,
            }
        }
    }

    pub(crate) fn end(self) -> Map {
        let Shape { name, keys, values } = self;
        let n = values.len();
        let keys = match keys {
            Building::Known(keys) if keys.len() == n => keys,
            // Fewer fields than the shape it followed (the last ones left
            // out): a known shape of those, else a new one.
            Building::Known(keys) => SHAPES
                .with(|s| {
                    s.borrow().get(name).and_then(|shapes| {
                        (shapes.iter())
                            .find(|o| o.len() == n && (0..n).all(|i| o[i] == keys[i]))
                            .cloned()
                    })
                })
                .unwrap_or_else(|| Arc::new(keys.iter().take(n).cloned().collect())),
            Building::New(keys) => Arc::new(keys),
        };
        SHAPES.with(|s| {
            let mut s = s.borrow_mut();
            let shapes = s.entry(name).or_default();
            match shapes.iter().position(|o| Arc::ptr_eq(o, &keys)) {
                // The shape used most recently is tried first.
                Some(0) => {}
                Some(i) => shapes[..=i].rotate_right(1),
                None => {
                    shapes.insert(0, keys.clone());
                    shapes.truncate(SHAPES_PER_STRUCT);
                }
            }
        });
        Map::of(keys, values)
    }
}
