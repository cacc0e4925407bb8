//! What a page depends on (see the parent module's docs): computed from the
//! graph of the new build, and kept for pages nothing around changed.

use std::hash::{Hash, Hasher};

use rayon::prelude::*;

use super::changes::Inputs;
use crate::graph::{EntityIdx, Graph, LinkTo};
use crate::hash::{self, Map};
use crate::parse::{Entity, Kind, Rel, markdown};
use crate::render::{self, Job, context};
use crate::source::SourceId;

/// What a page was rendered from.
pub(super) struct PageDeps {
    pub(super) key: u64,
    pub(super) shows: Vec<EntityIdx>,
    /// `shortcodes/<name>.html` templates its bodies call.
    pub(super) shortcodes: Vec<String>,
}

/// The deps of the last build's pages: entity pages by index, the others
/// by path.
#[derive(Default)]
pub(super) struct KeptDeps {
    entity: Vec<Option<PageDeps>>,
    other: Map<String, PageDeps>,
}

impl KeptDeps {
    pub(super) fn with_entities(n: usize) -> KeptDeps {
        KeptDeps {
            entity: (0..n).map(|_| None).collect(),
            other: Map::default(),
        }
    }

    pub(super) fn has(&self, job: Job, path: &str) -> bool {
        match job {
            Job::Entity(i) => self.entity.get(i).is_some_and(Option::is_some),
            _ => self.other.contains_key(path),
        }
    }

    /// Takes the deps [`KeptDeps::has`] found.
    pub(super) fn take(&mut self, job: Job, path: &str) -> PageDeps {
        let d = match job {
            Job::Entity(i) => self.entity[i].take(),
            _ => self.other.remove(path),
        };
        d.expect("checked by `has`")
    }

    pub(super) fn put(&mut self, job: Job, path: &str, d: PageDeps) {
        match job {
            Job::Entity(i) => self.entity[i] = Some(d),
            _ => {
                self.other.insert(path.to_string(), d);
            }
        }
    }
}

/// Which page deps must be computed again.
pub(super) struct Redo {
    pub(super) entities: Vec<bool>,
    /// The lists (their order, items and intros).
    pub(super) lists: bool,
    /// Graph, taxonomy and term pages.
    pub(super) others: bool,
}

/// Entity page deps are computed again for all entities when they are not
/// the same ones (indices and link targets would differ), else for the
/// changed entities, the pages that showed one of them, and the targets of
/// their references, links and shortcodes (which may show them now); a
/// section shows every page, so it is redone when one changed. The other
/// pages show what entities' outlines hold: they are redone when an outline
/// changed (a list also when its intro did). `last_outlines` is `None` when
/// the entities are not the same ones. Returns the outlines too.
pub(super) fn redo(
    graph: &Graph,
    entity_hash: &[u64],
    last: &Inputs,
    last_outlines: Option<&[u64]>,
    kept: &KeptDeps,
) -> (Vec<u64>, Redo) {
    let n = graph.entities.len();
    let same = last_outlines.filter(|o| o.len() == n && last.entity_hash.len() == n);
    let Some(last_outlines) = same else {
        let all = Redo {
            entities: vec![true; n],
            lists: true,
            others: true,
        };
        return (
            (0..n).into_par_iter().map(|i| outline(graph, i)).collect(),
            all,
        );
    };
    let changed: Vec<bool> = entity_hash
        .iter()
        .zip(&last.entity_hash)
        .map(|(a, b)| a != b)
        .collect();
    let changed_kind = |kind: Kind| (0..n).any(|i| changed[i] && graph.entities[i].kind == kind);
    let any_page = changed_kind(Kind::Page);
    let mut entities: Vec<bool> = (0..n)
        .map(|i| match kept.entity.get(i).and_then(Option::as_ref) {
            None => true,
            Some(d) => {
                changed[i]
                    || d.shows.iter().any(|&s| changed[s])
                    || (any_page && graph.entities[i].kind == Kind::Section)
            }
        })
        .collect();
    let mut outlines = last_outlines.to_vec();
    let mut outline_changed = false;
    for c in (0..n).filter(|&c| changed[c]) {
        let o = outline(graph, c);
        outline_changed |= o != outlines[c];
        outlines[c] = o;
        for t in targets(graph, c) {
            entities[t] = true;
        }
        // Every version's page names the others (and compares with one).
        for v in crate::history::chain(graph, c) {
            entities[v] = true;
        }
    }
    let redo = Redo {
        entities,
        lists: outline_changed || changed_kind(Kind::Section),
        others: outline_changed,
    };
    (outlines, redo)
}

/// The entities an entity's references, links and shortcodes name.
fn targets(graph: &Graph, c: EntityIdx) -> impl Iterator<Item = EntityIdx> + '_ {
    let body = &graph.entities[c].body;
    graph.outgoing[c]
        .iter()
        .map(|&x| graph.edges[x].to)
        .chain(graph.links[c].iter().flatten().filter_map(|l| l.target))
        .chain(
            body.shortcodes
                .iter()
                .filter_map(|call| call.arg("id").and_then(|id| graph.by_id.get(id)).copied()),
        )
}

/// An entity without its body text: its fields as written, what the
/// pipeline read from them, its references and the targets of its links and
/// shortcodes. A body edit that leaves the links alone keeps it.
pub(super) fn outline(graph: &Graph, i: EntityIdx) -> u64 {
    // Every field is named, so a field added to an entity does not compile
    // until it is placed: in the outline, or not (`_`). References are
    // hashed as the graph resolved them; what the summary shows (metric
    // data) is compared as the summary.
    let Entity {
        id,
        kind,
        source: _,
        id_span: _,
        content_path: _,
        title,
        url_path,
        draft,
        summary,
        tags,
        weight,
        updated: _,
        body,
        refs: _,
        data: _,
        fields,
        extra,
    } = &*graph.entities[i];
    let mut h = hash::hasher();
    serde_json::to_string(fields)
        .unwrap_or_default()
        .hash(&mut h);
    serde_json::to_string(extra)
        .unwrap_or_default()
        .hash(&mut h);
    (id, kind, title, url_path, draft, summary, tags, weight).hash(&mut h);
    for &x in &graph.outgoing[i] {
        let edge = &graph.edges[x];
        (edge.rel, &graph.entities[edge.to].id).hash(&mut h);
    }
    for l in graph.links[i].iter().flatten() {
        (l.target.map(|t| &graph.entities[t].id), &l.anchor).hash(&mut h);
    }
    for call in &body.shortcodes {
        (&call.name, &call.args).hash(&mut h);
    }
    h.finish()
}

/// Globals a page reads through its own context (not through templates).
pub(super) fn forced_globals(job: Job) -> &'static [&'static str] {
    match job {
        Job::Taxonomy(_) | Job::Term(..) => &["site.taxonomies"],
        _ => &[],
    }
}

/// Collects what one page shows and reads into a key.
struct Collect<'a> {
    graph: &'a Graph,
    entity_hash: &'a [u64],
    h: hash::Digest,
    shows: Vec<EntityIdx>,
    shortcodes: Vec<String>,
}

impl Collect<'_> {
    /// A body read in full: the targets of its prose links, and what its
    /// shortcodes embed (the entity named by `id=`, read in full: a value of
    /// any period may be shown) and the templates that render them.
    fn body(&mut self, b: &markdown::Body, links: &[Option<LinkTo>]) {
        self.shows
            .extend(links.iter().flatten().filter_map(|l| l.target));
        for l in links {
            l.as_ref().map(|l| &l.anchor).hash(&mut self.h);
        }
        for call in &b.shortcodes {
            (&call.name, &call.args).hash(&mut self.h);
            self.shortcodes
                .push(render::shortcodes::template_name(&call.name));
            if let Some(&t) = call.arg("id").and_then(|id| self.graph.by_id.get(id)) {
                self.shows.push(t);
                self.entity_hash[t].hash(&mut self.h);
            }
        }
    }

    /// An entity read in full.
    fn read(&mut self, i: EntityIdx) {
        self.entity_hash[i].hash(&mut self.h);
        let graph = self.graph;
        self.body(&graph.entities[i].body, &graph.links[i]);
    }

    fn entity_page(&mut self, i: EntityIdx) {
        let graph = self.graph;
        self.read(i);
        self.shows.push(i);
        // Versions: the others are named, the previous one compared.
        self.shows.extend(crate::history::chain(graph, i));
        if let Some(p) = crate::history::previous(graph, i) {
            self.entity_hash[p].hash(&mut self.h);
        }
        for &x in &graph.outgoing[i] {
            let edge = &graph.edges[x];
            edge.rel.hash(&mut self.h);
            self.shows.push(edge.to);
        }
        for &x in &graph.incoming[i] {
            let edge = &graph.edges[x];
            edge.rel.hash(&mut self.h);
            self.shows.push(edge.from);
            if edge.rel == Rel::SetBy {
                // The targets a metric sets for this entity are listed in full.
                self.entity_hash[edge.from].hash(&mut self.h);
            }
            if edge.rel == Rel::Metrics {
                self.shows.extend(graph.out(edge.from, Rel::Policy));
            }
        }
        self.shows.extend(graph.mentioned_by[i].iter().copied());
        if graph.entities[i].kind == Kind::Section {
            let pages = (0..graph.entities.len()).filter(|&c| graph.entities[c].kind == Kind::Page);
            self.shows.extend(pages);
        }
    }

    fn list_page(&mut self, kind: Kind) {
        let graph = self.graph;
        let dir = format!("{}/", kind.folder());
        if let Some(intro) = graph
            .entities
            .iter()
            .position(|e| e.kind == Kind::Section && e.url_path == dir)
        {
            self.read(intro);
        }
        let items = context::sorted(graph, kind);
        if kind == Kind::Measure {
            // Measures are grouped under their policy's summary.
            for &m in &items {
                self.shows.extend(graph.out(m, Rel::Policy));
            }
        }
        self.shows.extend(items);
    }
}

/// What a page shows and reads; see the module docs.
pub(super) fn page_deps(
    graph: &Graph,
    job: Job,
    path: &str,
    entity_hash: &[u64],
    hashes: &Map<SourceId, u64>,
) -> PageDeps {
    let mut c = Collect {
        graph,
        entity_hash,
        h: hash::hasher(),
        shows: Vec::new(),
        shortcodes: Vec::new(),
    };
    path.hash(&mut c.h);
    render::place(graph, job).1.hash(&mut c.h);
    match job {
        Job::Home => {
            if let Some(home) = &graph.home {
                hashes.get(&home.source).hash(&mut c.h);
                c.body(&home.body, &graph.home_links);
            }
        }
        Job::NotFound | Job::Search | Job::Taxonomy(_) => {}
        Job::Changes(i) => {
            // Both texts are read in full; the chain names the current version.
            for v in std::iter::once(i).chain(crate::history::previous(graph, i)) {
                entity_hash[v].hash(&mut c.h);
            }
            c.shows.extend(crate::history::chain(graph, i));
        }
        Job::Timeline => c.shows.extend(render::timeline::site_entities(graph)),
        Job::Graph(n) => {
            let (policies, orphans) = render::graph_page(graph, n);
            let shown = render::diagram::site_entities(graph, &policies, orphans);
            c.shows.extend(shown);
        }
        Job::List(kind) => c.list_page(kind),
        Job::Entity(i) => c.entity_page(i),
        Job::Term(t, term) => {
            let entities = &graph.taxonomies[t].terms[term].entities;
            c.shows.extend(entities.iter().copied());
        }
    }
    for &i in &c.shows {
        graph.entities[i].id.hash(&mut c.h);
    }
    c.shortcodes.sort();
    c.shortcodes.dedup();
    PageDeps {
        key: c.h.finish(),
        shows: c.shows,
        shortcodes: c.shortcodes,
    }
}
