//! `/timeline/` (template `timeline.html`) and the timeline of a taxonomy
//! term: policies and measures on one axis of time, grouped by year.
//!
//! Each dated entity is one entry, placed at its first date: a policy at
//! its `issued` date (or the date in its file name, see `crate::history`),
//! a measure at its `start`, else its `due`. The entry carries the other
//! dates, so a measure running from 2024 to 2025 is one entry, not two.

use std::collections::BTreeMap;

use tera::Value;

use super::context::Shared;
use super::reads::Reads;
use crate::graph::{EntityIdx, Graph};
use crate::parse::entity::{Kind, KindData};
use crate::parse::period::Period;

/// When an entity stands on the timeline, and by which of its dates.
pub fn placed(graph: &Graph, i: EntityIdx) -> Option<(Period, &'static str)> {
    let e = &graph.entities[i];
    match &e.data {
        KindData::Policy(_) => crate::history::version_date(e).map(|d| (d, "issued")),
        KindData::Measure(m) => m.start.map(|d| (d, "start")).or(m.due.map(|d| (d, "due"))),
        _ => None,
    }
}

/// The dated policies and measures among `idxs`, in time order (the
/// same date and kind: by title, then id).
pub fn dated(
    graph: &Graph,
    reads: &Reads,
    idxs: impl IntoIterator<Item = EntityIdx>,
) -> Vec<EntityIdx> {
    let mut out: Vec<(Period, Kind, &str, &str, EntityIdx)> = idxs
        .into_iter()
        .filter_map(|i| {
            reads.dates(i);
            let (d, _) = placed(graph, i)?;
            reads.title(i);
            let e = &graph.entities[i];
            Some((d, e.kind, e.title.as_str(), e.id.as_str(), i))
        })
        .collect();
    out.sort();
    out.into_iter().map(|x| x.4).collect()
}

/// Every dated policy and measure of the site, in time order.
pub fn site_entities(graph: &Graph, reads: &Reads) -> Vec<EntityIdx> {
    let all = [Kind::Policy, Kind::Measure].map(|k| reads.members(k));
    dated(graph, reads, all.into_iter().flatten())
}

/// The timeline of `idxs` for templates: `[{year, entries: [{date,
/// date_label, by, item, start_label, due_label}]}]`, years ascending;
/// `by` is `issued`, `start` or `due`, `item` the entity's summary.
pub fn value(graph: &Graph, shared: &Shared, reads: &Reads, idxs: &[EntityIdx]) -> Value {
    let mut years: BTreeMap<u16, Vec<Value>> = BTreeMap::new();
    for &i in idxs {
        reads.dates(i);
        let Some((date, by)) = placed(graph, i) else {
            continue;
        };
        let mut m: BTreeMap<&'static str, Value> = BTreeMap::new();
        m.insert("date", Value::from(date.to_string()));
        m.insert("date_label", Value::from(date.display_zh()));
        m.insert("by", Value::from(by));
        m.insert("item", shared.summary(reads, i));
        let (start, due) = match &graph.entities[i].data {
            KindData::Measure(ms) => (ms.start, ms.due),
            _ => (None, None),
        };
        m.insert("start_label", Value::from(start.map(|d| d.display_zh())));
        m.insert("due_label", Value::from(due.map(|d| d.display_zh())));
        years.entry(year(date)).or_default().push(Value::from(m));
    }
    let groups: Vec<Value> = years
        .into_iter()
        .map(|(year, entries)| {
            let mut g: BTreeMap<&'static str, Value> = BTreeMap::new();
            g.insert("year", Value::from(year));
            g.insert("entries", Value::from(entries));
            Value::from(g)
        })
        .collect();
    Value::from(groups)
}

fn year(p: Period) -> u16 {
    match p {
        Period::Year(y)
        | Period::Half(y, _)
        | Period::Quarter(y, _)
        | Period::Month(y, _)
        | Period::Day(y, _, _) => y,
    }
}
