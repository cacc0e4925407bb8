//! Template values for versions of a policy: `page.versions` on each
//! version's page, and the comparison page `/policies/<id>/changes/`
//! (template `changes.html`). The comparison itself is `crate::history`.

use std::collections::BTreeMap;

use tera::Value;

use super::context::Shared;
use super::reads::Reads;
use crate::graph::{EntityIdx, Graph};
use crate::history::{self, compare};
use crate::parse::front;
use crate::source::Sources;

/// Output directory of a policy's comparison with its previous version.
pub fn changes_path(graph: &Graph, i: EntityIdx) -> String {
    format!("{}changes/", graph.entities[i].url_path)
}

/// A policy's Markdown body as written (front matter removed).
fn body_text<'a>(sources: &'a Sources, graph: &Graph, i: EntityIdx) -> &'a str {
    let text = sources.text(graph.entities[i].source);
    match front::split(text) {
        Ok(Some(fm)) => &text[fm.body_offset..],
        _ => text.strip_prefix('\u{feff}').unwrap_or(text),
    }
}

/// The comparison of policy `i` with the version it replaced: both texts
/// are read in full.
pub fn comparison(
    graph: &Graph,
    sources: &Sources,
    reads: &Reads,
    i: EntityIdx,
) -> Option<compare::Comparison> {
    let prev = reads.previous(i)?;
    reads.full(prev);
    reads.full(i);
    Some(compare::compare(
        body_text(sources, graph, prev),
        body_text(sources, graph, i),
    ))
}

/// A version in the chain: its summary with `date`, `date_label`,
/// `is_current` (the newest) and `is_this` (the page's own).
fn version(
    graph: &Graph,
    shared: &Shared,
    reads: &Reads,
    v: EntityIdx,
    (current, this): (EntityIdx, EntityIdx),
) -> Value {
    let mut m = shared
        .summary(reads, v)
        .as_map()
        .cloned()
        .unwrap_or_default();
    reads.dates(v);
    let date = history::version_date(&graph.entities[v]);
    m.insert("date".into(), Value::from(date.map(|d| d.to_string())));
    m.insert(
        "date_label".into(),
        Value::from(date.map(|d| d.display_zh())),
    );
    m.insert("is_current".into(), Value::from(v == current));
    m.insert("is_this".into(), Value::from(v == this));
    Value::from(m)
}

/// `page.versions` of a policy with other versions, else none:
/// `list` (oldest first), `current`, `previous`, `next`, and with a
/// previous version `changes` (the counts) and `changes_url`.
pub fn versions_value(
    graph: &Graph,
    shared: &Shared,
    sources: &Sources,
    reads: &Reads,
    i: EntityIdx,
    style: crate::url::LinkStyle,
) -> Value {
    let chain = reads.chain(i);
    if chain.len() < 2 {
        return Value::none();
    }
    let current = *chain.last().expect("two or more");
    let v = |x: EntityIdx| version(graph, shared, reads, x, (current, i));
    let mut m: BTreeMap<&'static str, Value> = BTreeMap::new();
    m.insert(
        "list",
        Value::from(chain.iter().map(|&x| v(x)).collect::<Vec<_>>()),
    );
    m.insert("current", v(current));
    let at = |x: Option<EntityIdx>| x.map(v).unwrap_or_else(Value::none);
    m.insert("previous", at(reads.previous(i)));
    m.insert("next", at(reads.next(i)));
    let (counts, url) = match comparison(graph, sources, reads, i) {
        Some(c) => (
            Value::from_serializable(&c.counts),
            Value::from(style.path(&changes_path(graph, i))),
        ),
        None => (Value::none(), Value::none()),
    };
    m.insert("changes", counts);
    m.insert("changes_url", url);
    Value::from(m)
}

/// The `comparison` value of a changes page: `from` and `to` (the two
/// versions), `counts` and `groups` (see `history::compare`).
pub fn comparison_value(
    graph: &Graph,
    shared: &Shared,
    sources: &Sources,
    reads: &Reads,
    i: EntityIdx,
) -> Option<Value> {
    let prev = reads.previous(i)?;
    let c = comparison(graph, sources, reads, i)?;
    let current = *reads.chain(i).last().expect("not empty");
    let mut m: BTreeMap<&'static str, Value> = BTreeMap::new();
    m.insert("from", version(graph, shared, reads, prev, (current, i)));
    m.insert("to", version(graph, shared, reads, i, (current, i)));
    m.insert("counts", Value::from_serializable(&c.counts));
    m.insert("groups", Value::from_serializable(&c.groups));
    Some(Value::from(m))
}
