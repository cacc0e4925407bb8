//! What changed since the last good build: entities' text, summaries and
//! the global values templates see.
//!
//! An entity's summary is kept while none of the inputs it read when it
//! was made changed: each summary's reads are recorded as a page's are
//! (see [`super::record`]). The globals are split into parts (see [`global_parts`]) so a
//! page that reads `site.taxonomies` does not depend on `site.policies`.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

use rayon::prelude::*;
use tera::Value;

use super::record::{Candidates, Made, Now, Records};
use super::templates::TemplateUse;
use crate::graph::{EntityIdx, Graph};
use crate::hash::{self, Map, Set, hash_of};
use crate::render::{self, Input, Prepared, context};
use crate::source::SourceId;

/// What the last good build's pages were made from, kept to compare the
/// next build with.
#[derive(Default)]
pub(super) struct Inputs {
    /// The graph it was made from (see `Linked::generation`).
    pub(super) generation: u64,
    /// Hash of the entities' ids, kinds and files in order: while it holds,
    /// what is kept by index (and the search index's page numbers) is valid.
    pub(super) shape: u64,
    /// See [`Graph::structure_hash`].
    structure: u64,
    /// Each entity's text and path hashed, by index.
    pub(super) entity_hash: Vec<u64>,
    /// Each entity's summary, by index.
    summaries: Vec<Value>,
    /// What each summary read, by entity id.
    summary_records: Records,
    /// Each entity's summary hashed, by index.
    summary_hash: Vec<u64>,
    /// The entities' ids in index order.
    ids: Vec<String>,
    globals: BTreeMap<String, Value>,
}

/// The entities of a new build measured against the last good build.
pub(super) struct Found {
    /// The graph is the last build's, with only some entities' text changed:
    /// much of the last build holds as it was.
    pub(super) same_graph: bool,
    /// The graph was linked again and came out the same but for what the
    /// entities' own text gives (a title, a date): what can have changed is
    /// found as for the same graph.
    same_structure: bool,
    structure: u64,
    pub(super) shape: u64,
    pub(super) entity_hash: Vec<u64>,
    /// By index, whether an entity's text and path are the last build's.
    same_text: Vec<bool>,
    /// Inputs of the last build's summaries that changed, with new hashes
    /// (those of summaries themselves are set when the summaries are made).
    summary_inputs: Vec<(Input, u64)>,
    /// Whether the last build's summary of each entity holds (a measure's
    /// still depends on its metrics', see [`Found::stale_measures`]).
    pub(super) kept: Vec<bool>,
    /// The index in the last build of each entity, when the entities are
    /// not the same ones (`None`: the same index).
    moved: Option<Vec<Option<usize>>>,
}

impl Found {
    pub(super) fn find(
        graph: &Graph,
        (generation, structure): (u64, u64),
        hashes: &Map<SourceId, u64>,
        last: &Inputs,
    ) -> Found {
        let entity_hash: Vec<u64> = graph
            .entities
            .par_iter()
            .map(|e| hash_of((hashes.get(&e.source), e.content_path.as_os_str())))
            .collect();
        let same_graph = last.generation == generation;
        let shape = if same_graph { last.shape } else { shape(graph) };
        let moved = (last.shape != shape).then(|| {
            let by_id: Map<&str, usize> = last
                .ids
                .iter()
                .enumerate()
                .map(|(j, id)| (id.as_str(), j))
                .collect();
            let at = |e: &crate::parse::Entity| by_id.get(e.id.as_str()).copied();
            graph.entities.iter().map(|e| at(e)).collect()
        });
        let same_structure = !same_graph
            && last.generation != 0
            && last.shape == shape
            && last.structure == structure;
        let mut found = Found {
            same_graph,
            same_structure,
            structure,
            shape,
            entity_hash,
            same_text: Vec::new(),
            summary_inputs: Vec::new(),
            kept: Vec::new(),
            moved,
        };
        found.same_text = (0..graph.entities.len())
            .map(|i| found.previous_entity_hash(last, i) == Some(&found.entity_hash[i]))
            .collect();
        found.keep_summaries(graph, last);
        found
    }

    /// The inputs that can have changed since the last build: all of them
    /// unless the graph is the last one or came out the same; then what is
    /// read of the entities whose text changed, the summaries that came
    /// out different, and the templates (a template edit links again).
    pub(super) fn candidates(
        &self,
        graph: &Graph,
        last: &Inputs,
        summaries: &[bool],
        templates: &[&String],
    ) -> Candidates {
        if !self.same_graph && !self.same_structure {
            return Candidates::All;
        }
        let changed: Vec<EntityIdx> = (0..graph.entities.len())
            .filter(|&i| last.entity_hash.get(i) != Some(&self.entity_hash[i]))
            .collect();
        let mut candidates = Candidates::of_entities(graph, &changed, summaries);
        if let Candidates::Some(inputs) = &mut candidates {
            inputs.extend(templates.iter().map(|&t| Input::Template(t.clone())));
        }
        candidates
    }

    /// Which of the last build's summaries hold: those recorded whose
    /// inputs, other than summaries, are unchanged.
    fn keep_summaries(&mut self, graph: &Graph, last: &Inputs) {
        let n = graph.entities.len();
        let was: Vec<u64> = (0..n)
            .map(|i| self.previous_hash(last, i).copied().unwrap_or_default())
            .collect();
        let (uses, globals) = (Map::default(), Set::default());
        let now = Now {
            graph,
            entity_hash: &self.entity_hash,
            summary_hash: &was,
            home_hash: 0,
            uses: &uses,
            changed_globals: &globals,
            edges: Default::default(),
            same_text: &self.same_text,
            same_summary: &[],
        };
        let candidates = self.candidates(graph, last, &[], &[]);
        let records = &last.summary_records;
        let moved = records.moved(&now, candidates);
        let stale = records.readers(&moved);
        self.kept = (0..n)
            .map(|i| {
                let id = graph.entities[i].id.as_str();
                self.previous(last, i).is_some() && records.tag(id).is_some() && !stale.contains(id)
            })
            .collect();
        self.summary_inputs = moved;
    }

    /// The measures whose kept summary must be made again: those that read
    /// a summary `made` anew that differs from the last build's.
    pub(super) fn stale_measures(
        &self,
        graph: &Graph,
        last: &Inputs,
        (summaries, made): (&[Value], &[bool]),
    ) -> Vec<EntityIdx> {
        let changed: Vec<(Input, u64)> = (0..summaries.len())
            .filter(|&i| made[i] && self.previous(last, i) != Some(&summaries[i]))
            .map(|i| (Input::Summary(graph.entities[i].id.clone()), 0))
            .collect();
        let readers = last.summary_records.readers(&changed);
        readers
            .into_iter()
            .filter_map(|id| graph.by_id.get(id).copied())
            .collect()
    }

    /// Nothing to compare with, and nothing kept: a pass that keeps nothing.
    pub(super) fn nothing(graph: &Graph) -> Found {
        Found {
            same_graph: false,
            same_structure: false,
            structure: 0,
            shape: 0,
            entity_hash: Vec::new(),
            same_text: Vec::new(),
            summary_inputs: Vec::new(),
            kept: vec![false; graph.entities.len()],
            moved: None,
        }
    }

    /// The last build's summary of entity `i`.
    pub(super) fn previous<'a>(&self, last: &'a Inputs, i: EntityIdx) -> Option<&'a Value> {
        let j = match &self.moved {
            None => i,
            Some(at) => at[i]?,
        };
        last.summaries.get(j)
    }

    /// The last build's hash of entity `i`'s text and path.
    fn previous_entity_hash<'a>(&self, last: &'a Inputs, i: EntityIdx) -> Option<&'a u64> {
        let j = match &self.moved {
            None => i,
            Some(at) => at[i]?,
        };
        last.entity_hash.get(j)
    }

    /// The hash of the last build's summary of entity `i`.
    fn previous_hash<'a>(&self, last: &'a Inputs, i: EntityIdx) -> Option<&'a u64> {
        let j = match &self.moved {
            None => i,
            Some(at) => at[i]?,
        };
        last.summary_hash.get(j)
    }
}

/// A template value hashed, through its serialized form.
fn value_hash(v: &Value) -> u64 {
    struct Feed<'h>(&'h mut hash::Digest);
    impl std::io::Write for Feed<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.write(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut h = hash::hasher();
    let _ = serde_json::to_writer(Feed(&mut h), v);
    h.finish()
}

/// The entities, their kinds and files: what indices and links mean.
fn shape(graph: &Graph) -> u64 {
    hash_of(
        graph
            .entities
            .iter()
            .map(|e| (&e.id, e.kind, e.content_path.as_os_str()))
            .collect::<Vec<_>>(),
    )
}

/// Which of the values pages read changed.
pub(super) struct Compared {
    /// Entities whose summary is not the last build's.
    pub(super) changed_summary: Vec<bool>,
    /// Each entity's summary hashed, by index.
    summary_hash: Vec<u64>,
    /// By index, whether an entity's summary is the last build's.
    same_summary: Vec<bool>,
    /// The home page's text and where its links go, hashed.
    home_hash: u64,
    /// The global parts' values; `None` while the engine is kept.
    globals: Option<BTreeMap<String, Value>>,
    /// Names of the global parts that changed (`config`, `site.policies`;
    /// and `site` when any part of it did).
    pub(super) changed_globals: Set<String>,
}

impl Compared {
    /// What the inputs pages read are hashed from, in this build.
    pub(super) fn now<'a>(
        &'a self,
        graph: &'a Graph,
        found: &'a Found,
        uses: &'a Map<String, TemplateUse>,
    ) -> Now<'a> {
        Now {
            graph,
            entity_hash: &found.entity_hash,
            summary_hash: &self.summary_hash,
            home_hash: self.home_hash,
            uses,
            changed_globals: &self.changed_globals,
            edges: Default::default(),
            same_text: &found.same_text,
            same_summary: &self.same_summary,
        }
    }
}

/// Compares the summaries and globals `prepared` holds with the last build's.
pub(super) fn compare(
    graph: &Graph,
    found: &Found,
    hashes: &Map<SourceId, u64>,
    prepared: &Prepared,
    (reused, made): (bool, &context::Made),
    last: &Inputs,
) -> Compared {
    let summaries = &prepared.shared.summaries;
    // Only a summary made in this build can differ from the last one's.
    let mut changed_summary = vec![false; graph.entities.len()];
    for (i, _) in made {
        changed_summary[*i] = found.previous(last, *i) != Some(&summaries[*i]);
    }
    let summary_hash: Vec<u64> = (0..graph.entities.len())
        .into_par_iter()
        .map(|i| match found.previous_hash(last, i) {
            // Unchanged: kept, or made again the same.
            Some(&h) if !changed_summary[i] => h,
            _ => value_hash(&summaries[i]),
        })
        .collect();
    let home_hash = {
        let mut h = hash::hasher();
        let home = graph.home.as_ref().map(|e| hashes.get(&e.source));
        home.hash(&mut h);
        let links = graph.home_links.iter().flatten();
        for l in links {
            (l.target.map(|t| &graph.entities[t].id), &l.anchor).hash(&mut h);
        }
        h.finish()
    };
    let changed_ids: Set<&str> = graph
        .entities
        .iter()
        .zip(&changed_summary)
        .filter(|(_, c)| **c)
        .map(|(e, _)| e.id.as_str())
        .collect();
    // The globals, split into parts; unchanged while the engine is kept.
    let parts = (!reused).then(|| global_parts(&prepared.globals));
    let mut changed_globals: Set<String> = parts
        .iter()
        .flatten()
        .filter(|(k, (v, ids))| {
            last.globals.get(k) != Some(v) || ids.iter().any(|id| changed_ids.contains(id))
        })
        .map(|(k, _)| k.clone())
        .collect();
    if changed_globals.iter().any(|k| k.starts_with("site.")) {
        changed_globals.insert("site".to_string());
    }
    let same_summary = (0..graph.entities.len())
        .map(|i| !changed_summary[i] && found.previous(last, i).is_some())
        .collect();
    Compared {
        same_summary,
        changed_summary,
        summary_hash,
        home_hash,
        globals: parts.map(|p| p.into_iter().map(|(k, (v, _))| (k, v)).collect()),
        changed_globals,
    }
}

impl Inputs {
    /// What a good build was made from, for the next one; takes what still
    /// holds from `last`.
    pub(super) fn next(
        graph: &Graph,
        generation: u64,
        (found, compared): (Found, Compared),
        (summaries, made): (&[Value], context::Made),
        last: &mut Inputs,
    ) -> Inputs {
        let n = graph.entities.len();
        let (uses, globals) = (Map::default(), Set::default());
        let now = Now {
            graph,
            entity_hash: &found.entity_hash,
            summary_hash: &compared.summary_hash,
            home_hash: 0,
            uses: &uses,
            changed_globals: &globals,
            edges: Default::default(),
            same_text: &found.same_text,
            same_summary: &compared.same_summary,
        };
        // The summaries' own hashes, now that they are made.
        let mut moved = found.summary_inputs.clone();
        moved.extend((0..n).filter(|&i| compared.changed_summary[i]).map(|i| {
            let id = graph.entities[i].id.clone();
            (Input::Summary(id), compared.summary_hash[i])
        }));
        let made = made.into_iter().map(|(i, inputs)| Made {
            key: graph.entities[i].id.clone(),
            tag: "summary",
            inputs,
        });
        let keep =
            (!found.same_graph).then(|| graph.entities.iter().map(|e| e.id.as_str()).collect());
        let mut summary_records = std::mem::take(&mut last.summary_records);
        summary_records.update(&now, moved, made.collect(), keep);
        Inputs {
            summary_records,
            generation,
            shape: found.shape,
            structure: found.structure,
            ids: if last.shape == found.shape && last.ids.len() == n {
                std::mem::take(&mut last.ids)
            } else {
                graph.entities.iter().map(|e| e.id.clone()).collect()
            },
            entity_hash: found.entity_hash,
            summary_hash: compared.summary_hash,
            summaries: summaries.to_vec(),
            globals: match compared.globals {
                Some(g) => g,
                None => std::mem::take(&mut last.globals),
            },
        }
    }
}

/// A part of the globals: its name, and its value or what stands for it
/// with the ids of the summaries it lists (see [`global_parts`]).
type GlobalPart<'a> = (String, (Value, Vec<&'a str>));

/// The global values, split so that a page using `site.taxonomies` does not
/// depend on `site.policies`. A list of summaries (`site.policies`, …) is
/// compared by its ids in order, plus the ids (second of the pair) whose
/// summaries changed: a deep comparison of thousands of summaries is what
/// would otherwise dominate a rebuild.
fn global_parts(g: &render::Globals) -> Vec<GlobalPart<'_>> {
    let mut parts: Vec<GlobalPart> = [("config", &g.config), ("data", &g.data), ("t", &g.t)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), (v.clone(), Vec::new())))
        .collect();
    let Some(m) = g.site.as_map() else {
        return parts;
    };
    for (k, v) in m.iter() {
        let key = format!("site.{}", k.as_str().unwrap_or_default());
        let ids: Option<Vec<&str>> = v.as_array().and_then(|items| {
            items
                .iter()
                .map(|item| item.as_map()?.get(&tera::value::Key::from("id"))?.as_str())
                .collect()
        });
        parts.push(match ids {
            Some(ids) if !ids.is_empty() => (key, (Value::from(hash_of(&ids)), ids)),
            _ => (key, (v.clone(), Vec::new())),
        });
    }
    parts
}
