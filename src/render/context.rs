//! The template context, built once and shared.
//!
//! Each entity's summary is converted to a template value once; lists,
//! references and backlinks hold clones of it (a reference count, not a copy),
//! so nothing here grows with pages × pages. Only the `page` value and the
//! body HTML are built per page.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;
use tera::Value;

use crate::config::Config;
use crate::graph::{EntityIdx, Graph};
use crate::metrics::derive::current_target;
use crate::metrics::qualifier::Qualifier;
use crate::parse::entity::{
    Better, Entity, Kind, KindData, MeasureStatus, Point, PolicyStatus, Rel,
};
use crate::url::LinkStyle;

use super::reads::{Input, Reads};

#[derive(Serialize)]
pub(super) struct PointOut {
    period: String,
    period_label: String,
    value: String,
    /// The source's word with the number (约, 超过, …).
    qualifier: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<String>,
}

pub(super) fn point(p: &Point) -> PointOut {
    PointOut {
        period: p.period.to_string(),
        period_label: p.period.display_zh(),
        value: p.raw.clone(),
        qualifier: p.qualifier.map(Qualifier::word),
        note: p.note.clone(),
        source: p.source.clone(),
    }
}

/// An entity as lists and references show it.
#[derive(Serialize)]
struct Summary<'a> {
    id: &'a str,
    kind: Kind,
    title: &'a str,
    url: String,
    summary: Option<&'a str>,
    tags: &'a [String],
    draft: bool,
    status: Option<&'static str>,
    issued: Option<String>,
    issued_label: Option<String>,
    issuer: &'a [String],
    doc_number: Option<&'a str>,
    period: Option<&'a str>,
    owner: Option<&'a str>,
    start: Option<String>,
    due: Option<String>,
    unit: Option<&'a str>,
    category: Option<&'a str>,
    featured: bool,
    better: Option<Better>,
    latest: Option<PointOut>,
    target: Option<PointOut>,
    /// Change, progress and status of a metric (docs/content/write/metrics.md).
    derived: Option<crate::metrics::derive::Derived>,
    /// Trend line for cards, from two values up.
    sparkline: Option<String>,
    policy_ids: Vec<&'a str>,
    policy_titles: Vec<&'a str>,
    /// A measure's metrics' summaries (`Rel::Metrics`' field), last, with
    /// their ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    metrics: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metric_ids: Option<Vec<&'a str>>,
}

fn summary<'a>(graph: &'a Graph, reads: &Reads, idx: EntityIdx, style: LinkStyle) -> Summary<'a> {
    let e = &graph.entities[idx];
    reads.full(idx);
    let policies: Vec<&Entity> = reads
        .out(idx, Rel::Policy)
        .map(|to| {
            reads.title(to);
            &*graph.entities[to]
        })
        .collect();
    let mut s = Summary {
        id: &e.id,
        kind: e.kind,
        title: &e.title,
        url: style.path(&e.url_path),
        summary: e.summary.as_deref(),
        tags: &e.tags,
        draft: e.draft,
        status: None,
        issued: None,
        issued_label: None,
        issuer: &[],
        doc_number: None,
        period: None,
        owner: None,
        start: None,
        due: None,
        unit: None,
        category: None,
        featured: false,
        better: None,
        latest: None,
        target: None,
        derived: None,
        sparkline: None,
        policy_ids: policies.iter().map(|p| p.id.as_str()).collect(),
        policy_titles: policies.iter().map(|p| p.title.as_str()).collect(),
        metrics: None,
        metric_ids: None,
    };
    match &e.data {
        KindData::Policy(p) => {
            s.status = p.status.map(PolicyStatus::as_str);
            s.issued = p.issued.map(|d| d.to_string());
            s.issued_label = p.issued.map(|d| d.display_zh());
            s.issuer = &p.issuer;
            s.doc_number = p.doc_number.as_deref();
            s.period = p.period.as_deref();
        }
        KindData::Measure(m) => {
            s.status = m.status.map(MeasureStatus::as_str);
            s.owner = m.owner.as_deref();
            s.start = m.start.map(|d| d.to_string());
            s.due = m.due.map(|d| d.to_string());
        }
        KindData::Metric(m) => {
            s.unit = m.unit.as_deref();
            s.category = m.category.as_deref();
            s.featured = m.featured;
            s.better = Some(m.better);
            s.latest = m.values.last().map(point);
            s.target = current_target(m).map(|t| PointOut {
                period: t.period.to_string(),
                period_label: t.period.display_zh(),
                value: t.raw.clone(),
                qualifier: t.qualifier.map(Qualifier::word),
                note: t.note.clone(),
                source: None,
            });
            s.derived = Some(crate::metrics::derive::derive(m));
            s.sparkline = crate::metrics::chart::sparkline(m);
        }
        KindData::Page => {}
    }
    s
}

/// Values shared by every page of one build.
pub struct Shared {
    /// Summary of each entity, by index.
    pub summaries: Vec<Value>,
    /// `site` in templates.
    pub site: Value,
}

/// The summaries a build made, each with what it read, by index.
pub type Made = Vec<(EntityIdx, Vec<Input>)>;

/// Given the summaries of the first round and which of them were made,
/// the measures to make again (see [`Shared::build_with`]).
pub type Stale<'a> = &'a dyn Fn(&[Value], &[bool]) -> Vec<EntityIdx>;

impl Shared {
    pub fn build(graph: &Graph, config: &Config, style: LinkStyle) -> Shared {
        Shared::build_with(graph, config, style, &|_| None, &|_, _| Vec::new(), false).0
    }

    /// As [`Shared::build`], taking the summaries `kept` gives (a rebuild
    /// keeps those whose inputs did not change) instead of making them.
    /// Summaries are made in two rounds: first those that read no other
    /// summary, then measures, which carry their metrics' summaries;
    /// between them `stale` names the measures to make again although
    /// kept, given the first round's summaries and which were made. What
    /// each summary read is recorded when `record` says a next build will
    /// compare with it; else a summary made is given as having read nothing.
    pub fn build_with(
        graph: &Graph,
        config: &Config,
        style: LinkStyle,
        kept: &(dyn Fn(EntityIdx) -> Option<Value> + Sync),
        stale: Stale,
        record: bool,
    ) -> (Shared, Made) {
        let n = graph.entities.len();
        let recorder = || match record {
            true => Reads::new(graph),
            false => Reads::unrecorded(graph),
        };
        let is_measure = |i: EntityIdx| graph.entities[i].kind == Kind::Measure;
        let first: Vec<(Value, Option<Vec<Input>>)> = (0..n)
            .into_par_iter()
            .map(|i| match kept(i).filter(|_| !is_measure(i)) {
                Some(v) => (v, None),
                None if is_measure(i) => (Value::none(), None),
                None => {
                    let reads = recorder();
                    (own_summary(graph, &reads, i, style), Some(reads.finish()))
                }
            })
            .collect();
        let (mut summaries, mut reads): (Vec<Value>, Vec<Option<Vec<Input>>>) =
            first.into_iter().unzip();
        let made: Vec<bool> = reads.iter().map(Option::is_some).collect();
        let mut again = vec![false; n];
        for i in stale(&summaries, &made) {
            again[i] = true;
        }
        let measures: Vec<(EntityIdx, Value, Option<Vec<Input>>)> = (0..n)
            .into_par_iter()
            .filter(|&i| is_measure(i))
            .map(|i| match kept(i).filter(|_| !again[i]) {
                Some(v) => (i, v, None),
                None => {
                    let r = recorder();
                    let v = Shared::summary_of(graph, &r, i, style, |t| summaries[t].clone());
                    (i, v, Some(r.finish()))
                }
            })
            .collect();
        for (i, v, r) in measures {
            summaries[i] = v;
            reads[i] = r;
        }
        let site = site_value(graph, config, &summaries, style);
        let made = reads
            .into_iter()
            .enumerate()
            .filter_map(|(i, r)| Some((i, r?)))
            .collect();
        (Shared { summaries, site }, made)
    }

    /// The summary of one entity as [`Shared::build`] makes it, taking the
    /// summaries of other entities (a measure's metrics) from `others`.
    pub fn summary_of(
        graph: &Graph,
        reads: &Reads,
        i: EntityIdx,
        style: LinkStyle,
        others: impl Fn(EntityIdx) -> Value,
    ) -> Value {
        let mut s = summary(graph, reads, i, style);
        // A measure's summary carries its metrics' summaries (and ids):
        // lists of measures show latest values without searching all
        // metrics.
        if graph.entities[i].kind == Kind::Measure {
            let targets: Vec<EntityIdx> = reads.out(i, Rel::Metrics).collect();
            let metric = |&t: &EntityIdx| {
                reads.summary(t);
                others(t)
            };
            s.metrics = Some(targets.iter().map(metric).collect());
            s.metric_ids = Some(targets.iter().map(|&t| &*graph.entities[t].id).collect());
        }
        Value::from_serializable(&s)
    }

    /// Taxonomy `t`'s value, as `site.taxonomies` holds it (made once a site).
    pub fn taxonomy(&self, t: usize) -> Value {
        self.site
            .get_from_path("taxonomies")
            .and_then(|ts| ts.as_array()?.get(t).cloned())
            .unwrap_or_else(Value::none)
    }

    /// The summary of entity `i`, recorded as read.
    pub fn summary(&self, reads: &Reads, i: EntityIdx) -> Value {
        reads.summary(i);
        self.summaries[i].clone()
    }

    /// The summaries of `idxs`, recorded as read.
    pub fn list(&self, reads: &Reads, idxs: impl IntoIterator<Item = EntityIdx>) -> Value {
        Value::from(
            idxs.into_iter()
                .map(|i| self.summary(reads, i))
                .collect::<Vec<_>>(),
        )
    }
}

fn own_summary(graph: &Graph, reads: &Reads, i: EntityIdx, style: LinkStyle) -> Value {
    Value::from_serializable(&summary(graph, reads, i, style))
}

/// A kind's entities in list order, sorted once per graph: policies newest
/// first, measures by title, metrics by category then title, pages by
/// weight then title.
pub fn list_order(graph: &Graph, kind: Kind) -> &[EntityIdx] {
    let at = Kind::ALL.iter().position(|&k| k == kind).unwrap_or(0);
    graph.list_order[at].get_or_init(|| sort_kind(graph, kind))
}

fn sort_kind(graph: &Graph, kind: Kind) -> Vec<EntityIdx> {
    let mut idxs: Vec<EntityIdx> = (0..graph.entities.len())
        .filter(|&i| graph.entities[i].kind == kind)
        .collect();
    sort_order(graph, kind, &mut idxs);
    idxs
}

/// Sorts `idxs` into list order. The order is total (the index last), so
/// any starting order gives the same list.
fn sort_order(graph: &Graph, kind: Kind, idxs: &mut [EntityIdx]) {
    let issued = |e: &Entity| match &e.data {
        KindData::Policy(p) => p.issued,
        _ => None,
    };
    fn category(e: &Entity) -> Option<&str> {
        e.metric().and_then(|m| m.category.as_deref())
    }
    idxs.sort_by(|&a, &b| {
        let (ea, eb) = (&graph.entities[a], &graph.entities[b]);
        match kind {
            Kind::Policy => issued(eb)
                .cmp(&issued(ea))
                .then_with(|| ea.title.cmp(&eb.title)),
            Kind::Metric => category(ea)
                .cmp(&category(eb))
                .then_with(|| ea.title.cmp(&eb.title)),
            _ => ea
                .weight
                .cmp(&eb.weight)
                .then_with(|| ea.title.cmp(&eb.title)),
        }
        .then(a.cmp(&b))
    });
}

/// The list orders of a graph into which changed entities were swapped (a
/// title, weight or date may move one), sorted again from the old ones:
/// nearly sorted, they take the merge sort about one pass, not a sort of
/// thousands of titles.
pub fn resort_list_orders(graph: &mut Graph) {
    let old = std::mem::take(&mut graph.list_order);
    for (at, cell) in old.into_iter().enumerate() {
        if let Some(mut order) = cell.into_inner() {
            sort_order(graph, Kind::ALL[at], &mut order);
            let _ = graph.list_order[at].set(order);
        }
    }
}

fn site_value(graph: &Graph, config: &Config, summaries: &[Value], style: LinkStyle) -> Value {
    let list = |idxs: &[EntityIdx]| {
        Value::from(
            idxs.iter()
                .map(|&i| summaries[i].clone())
                .collect::<Vec<_>>(),
        )
    };
    let mut site: BTreeMap<&'static str, Value> = BTreeMap::new();
    let mut counts: BTreeMap<&'static str, Value> = BTreeMap::new();
    for kind in Kind::ALL {
        let idxs = list_order(graph, kind);
        counts.insert(kind.plural(), Value::from(idxs.len()));
        if kind == Kind::Metric {
            let featured: Vec<EntityIdx> = idxs
                .iter()
                .copied()
                .filter(|&i| graph.entities[i].metric().is_some_and(|m| m.featured))
                .collect();
            site.insert("featured", list(&featured));
        }
        site.insert(kind.plural(), list(idxs));
    }
    site.insert("counts", Value::from(counts));
    site.insert("title", Value::from(config.title.as_str()));
    let taxonomies: Vec<Value> = graph
        .taxonomies
        .iter()
        .map(|t| taxonomy_value(t, style))
        .collect();
    site.insert("taxonomies", Value::from(taxonomies));
    let feed = crate::feed::newest(graph).map(|_| Value::from(crate::feed::FEED_FILE));
    site.insert("feed", feed.unwrap_or_else(Value::none));
    Value::from(site)
}

/// A taxonomy for templates: its name, label, URL and terms with counts.
fn taxonomy_value(t: &crate::graph::Taxonomy, style: LinkStyle) -> Value {
    let terms: Vec<Value> = t
        .terms
        .iter()
        .map(|term| term_value(t, term, style))
        .collect();
    let mut m: BTreeMap<&'static str, Value> = BTreeMap::new();
    m.insert("name", Value::from(t.name.as_str()));
    m.insert("label", Value::from(t.label.as_str()));
    m.insert(
        "url",
        Value::from(style.path(&format!("{}/", crate::parse::slug_segment(&t.name)))),
    );
    m.insert("terms", Value::from(terms));
    Value::from(m)
}

/// A term for templates: name, count, URL, its taxonomy's name.
fn term_value(t: &crate::graph::Taxonomy, term: &crate::graph::Term, style: LinkStyle) -> Value {
    let mut m: BTreeMap<&'static str, Value> = BTreeMap::new();
    m.insert("name", Value::from(term.name.as_str()));
    m.insert("count", Value::from(term.entities.len()));
    m.insert("url", Value::from(style.path(&term_path(t, term))));
    m.insert("taxonomy", Value::from(t.name.as_str()));
    Value::from(m)
}

/// Output directory of a taxonomy term, e.g. `tags/数字化/`.
pub fn term_path(t: &crate::graph::Taxonomy, term: &crate::graph::Term) -> String {
    format!("{}/{}/", crate::parse::slug_segment(&t.name), term.slug)
}

/// A list page's entities in groups: measures by their (first) policy,
/// metrics by category, policies in one group.
pub fn groups(
    graph: &Graph,
    shared: &Shared,
    reads: &Reads,
    kind: Kind,
    idxs: &[EntityIdx],
) -> Value {
    let mut groups: Vec<(String, Option<EntityIdx>, Vec<EntityIdx>)> = Vec::new();
    // Where each group is in `groups`: a list of thousands has hundreds of them.
    let mut at: crate::hash::Map<(String, Option<EntityIdx>), usize> = Default::default();
    for &i in idxs {
        let e = &graph.entities[i];
        let key: (String, Option<EntityIdx>) = match kind {
            Kind::Measure => {
                let policy = reads.out(i, Rel::Policy).next();
                policy.inspect(|&p| reads.title(p));
                (
                    policy
                        .map(|p| graph.entities[p].title.clone())
                        .unwrap_or_default(),
                    policy,
                )
            }
            Kind::Metric => {
                // Its category, which the summary carries.
                reads.summary(i);
                let category = e.metric().and_then(|m| m.category.clone());
                (category.unwrap_or_default(), None)
            }
            _ => (String::new(), None),
        };
        match at.get(&key) {
            Some(&g) => groups[g].2.push(i),
            None => {
                at.insert(key.clone(), groups.len());
                groups.push((key.0, key.1, vec![i]));
            }
        }
    }
    // Ungrouped entries go last.
    groups.sort_by_key(|g| g.0.is_empty());
    let values: Vec<Value> = groups
        .into_iter()
        .map(|(title, policy, items)| {
            let mut g: BTreeMap<&'static str, Value> = BTreeMap::new();
            g.insert("title", Value::from(title));
            g.insert(
                Rel::Policy.field(),
                policy
                    .map(|p| shared.summary(reads, p))
                    .unwrap_or_else(Value::none),
            );
            g.insert("items", shared.list(reads, items));
            Value::from(g)
        })
        .collect();
    Value::from(values)
}

/// Summaries of entities grouped by kind, for term pages.
pub fn by_kind(graph: &Graph, shared: &Shared, reads: &Reads, idxs: &[EntityIdx]) -> Value {
    let mut items: BTreeMap<&'static str, Value> = BTreeMap::new();
    for &i in idxs {
        // Its kind, below.
        reads.summary(i);
    }
    for kind in Kind::ALL {
        let of_kind = idxs
            .iter()
            .copied()
            .filter(|&i| graph.entities[i].kind == kind);
        items.insert(kind.plural(), shared.list(reads, of_kind));
    }
    Value::from(items)
}
