//! The `page` value of an entity page: its summary with everything of its
//! own, its references and what refers to it, each read through the page's
//! recorder.

use std::collections::BTreeMap;

use tera::Value;

use super::context::{Shared, point};
use super::reads::{Input, Reads};
use crate::graph::{EntityIdx, Graph};
use crate::metrics::qualifier::Qualifier;
use crate::parse::entity::{Kind, KindData, Point, Rel};

/// The `page` value of an entity page: its summary with everything of
/// its own (read in full), its references and what refers to it, then
/// `more`.
pub fn page_value(
    graph: &Graph,
    shared: &Shared,
    reads: &Reads,
    idx: EntityIdx,
    content: &str,
    more: Vec<(&'static str, Value)>,
) -> Value {
    let e = &graph.entities[idx];
    reads.full(idx);
    let mut m: tera::Map = shared
        .summary(reads, idx)
        .as_map()
        .cloned()
        .unwrap_or_default();
    // Room for what follows: a map that grows is hashed again.
    m.reserve(16 + more.len());
    let mut put = |k: &'static str, v: Value| {
        m.insert(k.into(), v);
    };
    put("content", Value::safe_string(content));
    put("toc", Value::from_serializable(&e.body.toc()));
    put("headings", Value::from_serializable(&e.body.headings));
    put("extra", Value::from_serializable(&e.extra));
    put("fields", Value::from_serializable(&e.fields.map()));
    put(
        "source_path",
        Value::from(format!("content/{}", e.content_path.display())),
    );
    // Typed references out of this entity, by field.
    let refs: BTreeMap<&'static str, Value> = Rel::ALL
        .into_iter()
        .filter(|&r| r != Rel::SetBy)
        .map(|r| (r.field(), shared.list(reads, reads.out(idx, r))))
        .collect();
    put("refs", Value::from(refs));
    put("backlinks", backlinks(graph, shared, reads, idx));
    if let KindData::Metric(metric) = &e.data {
        for (k, v) in metric_values(shared, reads, metric) {
            put(k, v);
        }
    }
    for (k, v) in more {
        put(k, v);
    }
    Value::from(m)
}

/// What a metric's page shows of its data: values, comparisons, targets
/// (with the summary of who set each) and source.
fn metric_values(
    shared: &Shared,
    reads: &Reads,
    metric: &crate::parse::entity::Metric,
) -> [(&'static str, Value); 4] {
    let points =
        |pts: &[Point]| Value::from_serializable(&pts.iter().map(point).collect::<Vec<_>>());
    let compare: Vec<Value> = metric
        .compare
        .iter()
        .map(|(name, pts)| {
            let mut c: BTreeMap<&'static str, Value> = BTreeMap::new();
            c.insert("name", Value::from(name.as_str()));
            c.insert("values", points(pts));
            Value::from(c)
        })
        .collect();
    let targets: Vec<Value> = metric
        .targets
        .iter()
        .map(|t| {
            let mut tv = target_value(t);
            // Read by id: a target may name an entity that is not there (yet).
            let set_by = t.set_by.as_ref().and_then(|id| {
                reads.push(|| Input::Summary(id.clone()));
                reads.index(id).map(|i| shared.summaries[i].clone())
            });
            tv.insert(Rel::SetBy.field(), set_by.unwrap_or_else(Value::none));
            Value::from(tv)
        })
        .collect();
    [
        ("values", points(&metric.values)),
        ("compare", Value::from(compare)),
        ("targets", Value::from(targets)),
        ("source", Value::from(metric.source.clone())),
    ]
}

/// A target's period, value, qualifier and note.
fn target_value(t: &crate::parse::entity::Target) -> BTreeMap<&'static str, Value> {
    let mut tv: BTreeMap<&'static str, Value> = BTreeMap::new();
    tv.insert("period", Value::from(t.period.to_string()));
    tv.insert("period_label", Value::from(t.period.display_zh()));
    tv.insert("value", Value::from(t.raw.as_str()));
    tv.insert("qualifier", Value::from(t.qualifier.map(Qualifier::word)));
    tv.insert("note", Value::from(t.note.clone()));
    tv
}

/// What refers to an entity, by relation.
fn backlinks(graph: &Graph, shared: &Shared, reads: &Reads, idx: EntityIdx) -> Value {
    let mut measures = Vec::new();
    let mut superseded_by = Vec::new();
    let mut related = Vec::new();
    let mut targets_set = Vec::new();
    for edge in reads.edges_in(idx) {
        let from = &graph.entities[edge.from];
        // Its kind, below.
        reads.summary(edge.from);
        match edge.rel {
            Rel::Policy | Rel::Metrics if from.kind == Kind::Measure => {
                push_unique(&mut measures, edge.from)
            }
            Rel::Supersedes => push_unique(&mut superseded_by, edge.from),
            Rel::Related => push_unique(&mut related, edge.from),
            Rel::SetBy => {
                // The targets a metric sets for this entity are listed in full.
                reads.full(edge.from);
                let own = graph.entities[idx].id.as_str();
                let set = from.metric().into_iter().flat_map(|m| &m.targets);
                for t in set.filter(|t| t.set_by.as_deref() == Some(own)) {
                    let mut tv = target_value(t);
                    tv.insert("metric", shared.summaries[edge.from].clone());
                    targets_set.push(Value::from(tv));
                }
            }
            _ => {}
        }
    }
    // For a metric: the policies behind the measures that track it.
    let mut policies = Vec::new();
    if graph.entities[idx].kind == Kind::Metric {
        for &m in &measures {
            for p in reads.out(m, Rel::Policy) {
                push_unique(&mut policies, p);
            }
        }
    }
    let mut b: BTreeMap<&'static str, Value> = BTreeMap::new();
    b.insert("measures", shared.list(reads, measures));
    b.insert("policies", shared.list(reads, policies));
    b.insert("superseded_by", shared.list(reads, superseded_by));
    b.insert(Rel::Related.field(), shared.list(reads, related));
    b.insert("targets_set", Value::from(targets_set));
    let mentions = reads.mentions(idx).iter().copied();
    b.insert("mentions", shared.list(reads, mentions));
    Value::from(b)
}

fn push_unique(v: &mut Vec<EntityIdx>, i: EntityIdx) {
    if !v.contains(&i) {
        v.push(i);
    }
}
