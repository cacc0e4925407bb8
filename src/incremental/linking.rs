//! Linking: the graph of the last build, kept while edits leave it as it was.
//!
//! The graph is linked again unless every re-parsed file gives `link` the
//! same input as before (see [`crate::graph::same_link_inputs`]): an edit of
//! body text that keeps its links, headings and shortcode calls, or of a
//! title while every reference resolves. Then the new entities take the old
//! ones' places in the kept graph.

use std::sync::Arc;

use super::cache::{Cache, Reparsed};
use crate::diag::{Code, Diagnostic};
use crate::graph::{EntityIdx, Graph};
use crate::hash::Map;
use crate::parse::Entity;
use crate::source::SourceId;

/// A graph and what linking reported.
pub(super) struct Linked {
    pub(super) graph: Graph,
    pub(super) diags: Vec<Diagnostic>,
    /// The index in the graph of each source's entity.
    index: Map<SourceId, EntityIdx>,
    /// Each alias's entity and output file ([`crate::aliases::all`]).
    pub(super) aliases: Vec<(EntityIdx, String)>,
    /// Counts the times the site was linked: while a build's graph has the
    /// last build's generation, it has the same entities, edges, links and
    /// taxonomies, and no template, data or config changed in between.
    pub(super) generation: u64,
    /// See [`Graph::structure_hash`].
    pub(super) structure: u64,
}

/// Makes graphs, keeping the last one while it holds.
#[derive(Default)]
pub(super) struct Linker {
    kept: Option<Linked>,
    generation: u64,
}

impl Linker {
    /// The graph of the cache as it is now: the kept one with the re-parsed
    /// entities swapped in when that gives what linking again would, else a
    /// new one.
    pub(super) fn graph(&mut self, cache: &Cache, reparsed: Reparsed, drafts: bool) -> &Linked {
        let kept = match self.kept.take() {
            Some(linked) if !reparsed.relink => relink(linked, cache, &reparsed.files),
            other => {
                drop_later(other);
                None
            }
        };
        let linked = match kept {
            Some(linked) => linked,
            None => self.link(cache, drafts),
        };
        self.kept.insert(linked)
    }

    /// How many times the site was linked from scratch.
    pub(super) fn generation(&self) -> u64 {
        self.generation
    }

    /// The graph of the last build, while it is kept.
    pub(super) fn current(&self) -> Option<&Graph> {
        self.kept.as_ref().map(|l| &l.graph)
    }

    fn link(&mut self, cache: &Cache, drafts: bool) -> Linked {
        let (graph, mut diags) = crate::graph::link(cache.parsed(drafts), &cache.loaded.config);
        let aliases = crate::aliases::all(&graph);
        diags.extend(crate::aliases::check(&graph, &aliases));
        self.generation += 1;
        let index = graph
            .entities
            .iter()
            .enumerate()
            .map(|(i, e)| (e.source, i))
            .collect();
        Linked {
            structure: graph.structure_hash(),
            graph,
            diags: diags.iter().cloned().collect(),
            index,
            aliases,
            generation: self.generation,
        }
    }
}

/// The graph with the re-parsed entities in place of the old ones, when
/// each gives `link` the same input as before; `None` (and the graph
/// dropped) when the site must be linked again.
fn relink(mut linked: Linked, cache: &Cache, reparsed: &[SourceId]) -> Option<Linked> {
    let Some(swaps) = swaps(&linked, cache, reparsed) else {
        drop_later(Some(linked));
        return None;
    };
    for (i, new) in swaps {
        match i {
            Some(i) => linked.graph.entities[i] = new,
            None => linked.graph.home = Some(new),
        }
    }
    // A title, a weight or a date orders lists without being a link input.
    crate::render::context::resort_list_orders(&mut linked.graph);
    Some(linked)
}

/// A graph let go is freed on another thread: many small frees need not
/// delay the rebuild.
fn drop_later(linked: Option<Linked>) {
    if let Some(old) = linked {
        rayon::spawn(move || drop(old));
    }
}

/// Where each re-parsed entity goes in the kept graph (`None`: it is the
/// home page), if all of them can.
fn swaps(
    linked: &Linked,
    cache: &Cache,
    reparsed: &[SourceId],
) -> Option<Vec<(Option<EntityIdx>, Arc<Entity>)>> {
    let graph = &linked.graph;
    // Titles only word the hints of unknown references (unless a taxonomy
    // is made of titles).
    let titles = linked.diags.iter().any(|d| d.code == Code::UnknownRef)
        || cache
            .loaded
            .config
            .taxonomies
            .0
            .iter()
            .any(|(field, _)| field == "title");
    reparsed
        .iter()
        .map(|&id| {
            // What `link` reported in the file has moved with its text.
            if linked.diags.iter().any(|d| d.touches(id)) {
                return None;
            }
            let new = cache.entity(id)?.clone();
            let at = linked.index.get(&id).copied();
            let old = match at {
                Some(i) => &graph.entities[i],
                None => graph.home.as_ref().filter(|h| h.source == id)?,
            };
            crate::graph::same_link_inputs(old, &new, titles).then_some((at, new))
        })
        .collect()
}
