//! The pager of a paged list (`/measures/`, `/measures/page/2/`, …, and
//! the `/graph/` pages): what templates get as `pagination`.

use std::collections::BTreeMap;

use tera::Value;

/// Pages on each side of the current one that a pager numbers.
const PAGER_NEAR: usize = 2;

/// A pager: page `n` (from 0) of `total`, each page's relative link
/// made by `url`. The numbers shown are the first, the last and those
/// near the current page; a gap between them is an entry with `gap`.
pub(super) fn value(n: usize, total: usize, url: impl Fn(usize) -> String) -> Value {
    let near = |k: usize| k == 0 || k + 1 == total || k.abs_diff(n) <= PAGER_NEAR;
    let mut pages: Vec<Value> = Vec::new();
    for k in (0..total).filter(|&k| near(k)) {
        if k > 0 && !near(k - 1) {
            let mut gap: BTreeMap<&'static str, Value> = BTreeMap::new();
            gap.insert("gap", Value::from(true));
            pages.push(Value::from(gap));
        }
        let mut p: BTreeMap<&'static str, Value> = BTreeMap::new();
        p.insert("number", Value::from(k + 1));
        p.insert("url", Value::from(url(k)));
        p.insert("current", Value::from(k == n));
        pages.push(Value::from(p));
    }
    let link = |k: Option<usize>| {
        k.filter(|&k| k < total)
            .map_or_else(Value::none, |k| Value::from(url(k)))
    };
    let mut m: BTreeMap<&'static str, Value> = BTreeMap::new();
    m.insert("current", Value::from(n + 1));
    m.insert("total", Value::from(total));
    m.insert("prev", link(n.checked_sub(1)));
    m.insert("next", link(Some(n + 1)));
    m.insert("pages", Value::from(pages));
    Value::from(m)
}
