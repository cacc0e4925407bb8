//! What each page (or summary) of the last good build read, and which
//! pages read each input: the record the engine decides from which pages to
//! render again, and which summaries to make again.
//!
//! A page's inputs are what rendering it recorded (see
//! [`crate::render::reads`]); each input is kept with its hash as it was
//! when read. A rebuild hashes again only the inputs that can have changed
//! ([`Candidates`]) and renders the pages that read one whose hash moved,
//! found through the inverted index input → pages.

use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use super::templates::TemplateUse;
use crate::graph::{EntityIdx, Graph};
use crate::hash::{self, Digest, Map, Set, hash_of};
use crate::parse::entity::{Kind, KindData, Rel};
use crate::render::reads::CHUNK;
use crate::render::{Input, context, timeline};

/// What the readers (pages by output path, or summaries by entity id) of
/// the last good build read.
#[derive(Default)]
pub(super) struct Records {
    readers: Map<Arc<str>, Record>,
    inputs: Map<Input, Readers>,
}

/// What one reader read: its tag (a page's template) and its inputs.
struct Record {
    tag: &'static str,
    inputs: Box<[Input]>,
}

/// An input's hash when it was read, and who read it.
struct Readers {
    hash: u64,
    by: Set<Arc<str>>,
}

/// One reader just made (a page rendered, a summary), with what it read.
pub(super) struct Made {
    pub(super) key: String,
    pub(super) tag: &'static str,
    pub(super) inputs: Vec<Input>,
}

/// The inputs a rebuild hashes again.
pub(super) enum Candidates {
    /// Every input: the site was linked again.
    All,
    /// These (and the global parts in [`Now::changed_globals`]).
    Some(Vec<Input>),
}

impl Candidates {
    /// What can have changed while the graph is the one the last build
    /// had, with only some entities' text new (see `linking`): what is
    /// read of those entities, the order of lists (a weight may have
    /// moved), summaries that came out different, and the home page.
    pub(super) fn of_entities(graph: &Graph, changed: &[EntityIdx], summaries: &[bool]) -> Self {
        let mut inputs = vec![Input::Home];
        let mut kinds: Vec<Kind> = changed.iter().map(|&i| graph.entities[i].kind).collect();
        kinds.sort_unstable();
        kinds.dedup();
        for kind in kinds {
            let n = graph.entities.iter().filter(|e| e.kind == kind).count();
            let chunks = (0..n.div_ceil(CHUNK).max(1)).map(|c| Input::Chunk(kind, c));
            inputs.extend([Input::List(kind), Input::Members(kind), Input::Count(kind)]);
            inputs.extend(chunks);
        }
        for &i in changed {
            inputs.extend(about(&graph.entities[i].id));
        }
        let new_summary = (0..summaries.len()).filter(|&i| summaries[i]);
        inputs.extend(new_summary.map(|i| Input::Summary(graph.entities[i].id.clone())));
        Candidates::Some(inputs)
    }
}

/// Every input named by an entity's id.
fn about(id: &str) -> impl Iterator<Item = Input> + '_ {
    let of = |f: fn(String) -> Input| f(id.to_string());
    [
        of(Input::Full),
        of(Input::Summary),
        of(Input::Title),
        of(Input::Dates),
        of(Input::Links),
        of(Input::Mentions),
        of(Input::Chain),
    ]
    .into_iter()
    .chain(Rel::ALL.into_iter().flat_map(move |r| {
        [
            Input::Out(id.to_string(), r),
            Input::Back(id.to_string(), r),
        ]
    }))
}

/// What inputs are read from in the new build, to hash them.
pub(super) struct Now<'a> {
    pub(super) graph: &'a Graph,
    /// Each entity's text and path hashed, by index.
    pub(super) entity_hash: &'a [u64],
    /// Each entity's summary hashed, by index.
    pub(super) summary_hash: &'a [u64],
    pub(super) home_hash: u64,
    pub(super) uses: &'a Map<String, TemplateUse>,
    /// Global parts whose value changed (`site` stands for any `site.*`).
    pub(super) changed_globals: &'a Set<String>,
    /// The hashes of every entity's references, when all are hashed.
    pub(super) edges: Edges,
    /// By index, whether an entity's text and path are the last build's
    /// (empty: not known). What is read of its text alone is unchanged.
    pub(super) same_text: &'a [bool],
    /// By index, whether an entity's summary is the last build's (empty:
    /// not known).
    pub(super) same_summary: &'a [bool],
}

/// Every entity's references hashed in one pass, for a rebuild that
/// hashes all inputs again: tens of thousands of them are references.
#[derive(Default)]
pub(super) struct Edges {
    all: OnceLock<Vec<EdgeHashes>>,
}

/// The hashes of an entity's references by relation (in [`Rel::ALL`]
/// order): where its own go, and which entities' come to it.
type EdgeHashes = [[u64; Rel::ALL.len()]; 2];

impl Edges {
    /// Hashes every entity's references.
    fn hash_all(&self, graph: &Graph) {
        self.all.get_or_init(|| {
            (0..graph.entities.len())
                .into_par_iter()
                .map(|i| edge_hashes(graph, i))
                .collect()
        });
    }

    /// The hash of `Out(i, rel)` (`back` false) or `Back(i, rel)`.
    fn of(&self, graph: &Graph, i: EntityIdx, rel: Rel, back: bool) -> u64 {
        let r = Rel::ALL.iter().position(|&x| x == rel).unwrap_or(0);
        match self.all.get() {
            Some(all) => all[i][usize::from(back)][r],
            None => edge_hashes(graph, i)[usize::from(back)][r],
        }
    }
}

/// The ids each of an entity's relations leads to, and comes from, hashed.
fn edge_hashes(graph: &Graph, i: EntityIdx) -> EdgeHashes {
    let mut out: [Digest; Rel::ALL.len()] = std::array::from_fn(|_| hash::hasher());
    let mut back: [Digest; Rel::ALL.len()] = std::array::from_fn(|_| hash::hasher());
    let at = |rel: Rel| Rel::ALL.iter().position(|&x| x == rel).unwrap_or(0);
    for e in graph.edges_out(i) {
        graph.entities[e.to].id.hash(&mut out[at(e.rel)]);
    }
    for e in graph.edges_in(i) {
        graph.entities[e.from].id.hash(&mut back[at(e.rel)]);
    }
    [out.map(|h| h.finish()), back.map(|h| h.finish())]
}

impl Now<'_> {
    /// The hash of an input as it is now. A global part is compared by
    /// value elsewhere: its hash is 0 and [`Now::changed_globals`] says.
    fn hash(&self, input: &Input) -> u64 {
        let graph = self.graph;
        let at = |id: &str| graph.by_id.get(id).copied();
        let ids = |it: &mut dyn Iterator<Item = EntityIdx>| {
            let mut h = hash::hasher();
            it.for_each(|i| graph.entities[i].id.hash(&mut h));
            h.finish()
        };
        let of = |id: &str, f: &dyn Fn(EntityIdx) -> u64| hash_of(at(id).map(f));
        match input {
            Input::Full(id) => of(id, &|i| self.entity_hash[i]),
            Input::Summary(id) => of(id, &|i| self.summary_hash[i]),
            Input::Title(id) => of(id, &|i| hash_of(&graph.entities[i].title)),
            Input::Dates(id) => of(id, &|i| dates(graph, i)),
            Input::Links(id) => of(id, &|i| links(graph, i)),
            Input::Out(id, rel) => of(id, &|i| self.edges.of(graph, i, *rel, false)),
            Input::Back(id, rel) => of(id, &|i| self.edges.of(graph, i, *rel, true)),
            Input::Mentions(id) => of(id, &|i| ids(&mut graph.mentioned_by[i].iter().copied())),
            Input::Chain(id) => of(id, &|i| {
                ids(&mut crate::history::chain(graph, i).into_iter())
            }),
            Input::List(kind) => ids(&mut context::list_order(graph, *kind).iter().copied()),
            Input::Members(kind) => {
                let all = 0..graph.entities.len();
                ids(&mut all.filter(|&i| graph.entities[i].kind == *kind))
            }
            Input::Count(kind) => {
                hash_of(graph.entities.iter().filter(|e| e.kind == *kind).count())
            }
            Input::Chunk(kind, n) => {
                let run = context::list_order(graph, *kind).chunks(CHUNK).nth(*n);
                ids(&mut run.unwrap_or(&[]).iter().copied())
            }
            Input::Taxonomy(name) => {
                let tax = graph.taxonomies.iter().find(|t| &t.name == name);
                hash_of(tax.map(|t| {
                    let terms = t.terms.iter().map(|x| (&x.name, &x.slug, x.entities.len()));
                    (&t.label, terms.collect::<Vec<_>>())
                }))
            }
            Input::Term(name, term) => {
                let tax = graph.taxonomies.iter().find(|t| &t.name == name);
                let tm = tax.and_then(|t| t.terms.iter().find(|x| &x.name == term));
                hash_of(tm.map(|tm| ids(&mut tm.entities.iter().copied())))
            }
            Input::Home => self.home_hash,
            Input::Template(name) => hash_of(self.uses.get(name).map(|u| u.hash)),
            Input::Global(_) => 0,
        }
    }

    /// Whether an input read with hash `was` is different now.
    fn changed(&self, input: &Input, was: u64) -> Option<u64> {
        let same = |id: &str, known: &[bool]| {
            let at = self.graph.by_id.get(id);
            at.is_some_and(|&i| known.get(i).copied().unwrap_or(false))
        };
        match input {
            Input::Global(part) => return self.changed_globals.contains(part).then_some(0),
            Input::Full(id) | Input::Title(id) | Input::Dates(id) if same(id, self.same_text) => {
                return None;
            }
            Input::Summary(id) if same(id, self.same_summary) => return None,
            _ => {}
        }
        let now = self.hash(input);
        (now != was).then_some(now)
    }
}

/// An entity's dates: its version date, and where a timeline places it.
fn dates(graph: &Graph, i: EntityIdx) -> u64 {
    let e = &graph.entities[i];
    let span = match &e.data {
        KindData::Measure(m) => (m.start, m.due),
        _ => (None, None),
    };
    hash_of((
        crate::history::version_date(e),
        timeline::placed(graph, i),
        span,
    ))
}

/// Where an entity's prose links go, and which of its shortcode calls the
/// link stage rejected.
fn links(graph: &Graph, i: EntityIdx) -> u64 {
    let mut h = hash::hasher();
    for l in &graph.links[i] {
        let l = l
            .as_ref()
            .map(|l| (l.target.map(|t| &graph.entities[t].id), &l.anchor));
        l.hash(&mut h);
    }
    for call in &graph.entities[i].body.shortcodes {
        graph.broken_shortcodes.contains(&call.span).hash(&mut h);
    }
    h.finish()
}

impl Records {
    /// The inputs among `candidates` whose hash moved, with the new one.
    pub(super) fn moved(&self, now: &Now, candidates: Candidates) -> Vec<(Input, u64)> {
        match candidates {
            Candidates::All => {
                now.edges.hash_all(now.graph);
                self.inputs
                    .par_iter()
                    .filter_map(|(input, r)| Some((input.clone(), now.changed(input, r.hash)?)))
                    .collect()
            }
            Candidates::Some(list) => {
                let globals = now.changed_globals.iter().cloned().map(Input::Global);
                let mut list: Vec<Input> = list.into_iter().chain(globals).collect();
                list.sort_unstable();
                list.dedup();
                list.into_iter()
                    .filter_map(|input| {
                        let r = self.inputs.get(&input)?;
                        let hash = now.changed(&input, r.hash)?;
                        Some((input, hash))
                    })
                    .collect()
            }
        }
    }

    /// Who read one of `inputs`.
    pub(super) fn readers<'a>(&'a self, inputs: &[(Input, u64)]) -> Set<&'a str> {
        let mut out: Set<&str> = Set::default();
        for (input, _) in inputs {
            if let Some(r) = self.inputs.get(input) {
                out.extend(r.by.iter().map(|p| &**p));
            }
        }
        out
    }

    /// A reader's tag, when it is recorded.
    pub(super) fn tag(&self, key: &str) -> Option<&'static str> {
        self.readers.get(key).map(|r| r.tag)
    }

    /// The records of a good build: the inputs hashed again take their
    /// new hashes, the readers made their new inputs, and readers not in
    /// `keep` (when given) go.
    pub(super) fn update(
        &mut self,
        now: &Now,
        moved: Vec<(Input, u64)>,
        made: Vec<Made>,
        keep: Option<Set<&str>>,
    ) {
        for (input, hash) in moved {
            if let Some(r) = self.inputs.get_mut(&input) {
                r.hash = hash;
            }
        }
        if let Some(keep) = keep {
            let gone: Vec<Arc<str>> = self
                .readers
                .keys()
                .filter(|p| !keep.contains(&***p))
                .cloned()
                .collect();
            for p in gone {
                self.forget(&p);
            }
        }
        for m in made {
            let key: Arc<str> = Arc::from(m.key);
            self.forget(&key);
            let inputs = with_globals(m.inputs, now.uses);
            for input in &inputs {
                let r = self.inputs.entry(input.clone()).or_insert_with(|| Readers {
                    hash: now.hash(input),
                    by: Set::default(),
                });
                r.by.insert(key.clone());
            }
            let record = Record {
                tag: m.tag,
                inputs: inputs.into_boxed_slice(),
            };
            self.readers.insert(key, record);
        }
    }

    /// Drops a reader's record and its place among the readers of its inputs.
    fn forget(&mut self, key: &Arc<str>) {
        let Some(old) = self.readers.remove(key) else {
            return;
        };
        for input in old.inputs.iter() {
            if let Some(r) = self.inputs.get_mut(input) {
                r.by.remove(key);
                if r.by.is_empty() {
                    self.inputs.remove(input);
                }
            }
        }
    }
}

/// A page's inputs with the global parts its templates mention (found by
/// scanning their text, see [`TemplateUse`]): Tera reads those from its
/// global context, out of the recorder's sight.
fn with_globals(mut inputs: Vec<Input>, uses: &Map<String, TemplateUse>) -> Vec<Input> {
    let mut globals: Vec<Input> = Vec::new();
    for input in &inputs {
        if let Input::Template(name) = input {
            let parts = uses.get(name).map(TemplateUse::parts);
            let parts = parts.unwrap_or_else(super::templates::all_parts);
            globals.extend(parts.into_iter().map(Input::Global));
        }
    }
    inputs.extend(globals);
    inputs.sort_unstable();
    inputs.dedup();
    inputs
}
