//! Link stage: resolve every reference and link, then index the graph both ways.
//!
//! Input: the parsed entities. Output: a [`Graph`] that owns them, with typed
//! edges (front matter and metric data), prose links (wikilinks and relative
//! links), backlinks of both, and taxonomy terms. Every reference that does not
//! resolve becomes a diagnostic at its own span with the closest ids.

mod resolve;
mod shortcodes;
mod taxonomy;

use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::Value;

use crate::config::Config;
use crate::diag::{Code, Diagnostic, Diagnostics, Severity};
use crate::hash::{self, Map, Set};
use crate::parse::Parsed;
use crate::parse::entity::{Entity, Rel};
use crate::parse::markdown::Body;
use crate::source::Span;
use resolve::{Resolved, Resolver};
use taxonomy::taxonomies;

/// Index of an entity in [`Graph::entities`].
pub type EntityIdx = usize;

/// A typed reference that resolved.
#[derive(Debug, Clone, Hash)]
pub struct Edge {
    pub from: EntityIdx,
    pub to: EntityIdx,
    pub rel: Rel,
}

/// Where a prose link goes.
#[derive(Debug, Clone, Hash)]
pub struct LinkTo {
    /// The page linked to; `None` for a heading of the page itself.
    pub target: Option<EntityIdx>,
    pub anchor: Option<String>,
}

/// One value of a taxonomy, e.g. tags = 数字化.
#[derive(Debug, Clone)]
pub struct Term {
    pub name: String,
    /// URL segment: the term itself, made safe for a file name, unique in its taxonomy.
    pub slug: String,
    pub entities: Vec<EntityIdx>,
}

#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub name: String,
    pub label: String,
    pub terms: Vec<Term>,
}

#[derive(Debug)]
pub struct Graph {
    pub entities: Vec<Arc<Entity>>,
    pub home: Option<Arc<Entity>>,
    pub data: Arc<Value>,
    pub by_id: Map<String, EntityIdx>,
    pub edges: Vec<Edge>,
    /// Edge indexes out of / into each entity.
    pub outgoing: Vec<Vec<usize>>,
    pub incoming: Vec<Vec<usize>>,
    /// Per entity, per body link: where it goes (`None` when broken).
    pub links: Vec<Vec<Option<LinkTo>>>,
    pub home_links: Vec<Option<LinkTo>>,
    /// Shortcode calls the link stage reported; render leaves them out
    /// rather than report them twice.
    pub broken_shortcodes: Set<Span>,
    /// Entities whose prose links to each entity (deduplicated, in order).
    pub mentioned_by: Vec<Vec<EntityIdx>>,
    pub taxonomies: Vec<Taxonomy>,
    /// Each kind's entities in list order, sorted once when first needed
    /// (see `render::context::list_order`): the pages of a long list each
    /// take their run of it. Sorted again when entities are swapped in.
    pub list_order: ListOrder,
}

/// See [`Graph::list_order`].
pub type ListOrder = [std::sync::OnceLock<Vec<EntityIdx>>; crate::parse::entity::Kind::ALL.len()];

impl Graph {
    /// The hash of what linking made of the entities: references, prose
    /// links, mentions, taxonomies and the calls it rejected. Two graphs
    /// of the same entities (ids, kinds and files in order) with the same
    /// structure differ only in what the entities' own text gives.
    pub fn structure_hash(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = crate::hash::hasher();
        (
            &self.edges,
            &self.links,
            &self.home_links,
            &self.mentioned_by,
        )
            .hash(&mut h);
        for t in &self.taxonomies {
            (&t.name, &t.label).hash(&mut h);
            for term in &t.terms {
                (&term.name, &term.slug, &term.entities).hash(&mut h);
            }
        }
        // A set: its hash may not depend on the order of iteration.
        let broken = self.broken_shortcodes.iter().map(crate::hash::hash_of);
        broken.fold(0u64, u64::wrapping_add).hash(&mut h);
        h.finish()
    }

    /// Where an entity's references of one relation go, in written order.
    pub fn out(&self, from: EntityIdx, rel: Rel) -> impl Iterator<Item = EntityIdx> + '_ {
        self.outgoing[from]
            .iter()
            .map(|&x| &self.edges[x])
            .filter(move |e| e.rel == rel)
            .map(|e| e.to)
    }

    /// The entities whose references of one relation name this one.
    pub fn back(&self, to: EntityIdx, rel: Rel) -> impl Iterator<Item = EntityIdx> + '_ {
        self.incoming[to]
            .iter()
            .map(|&x| &self.edges[x])
            .filter(move |e| e.rel == rel)
            .map(|e| e.from)
    }

    /// Every typed reference out of an entity.
    pub fn edges_out(&self, from: EntityIdx) -> impl Iterator<Item = &Edge> + '_ {
        self.outgoing[from].iter().map(|&x| &self.edges[x])
    }

    /// Every typed reference into an entity.
    pub fn edges_in(&self, to: EntityIdx) -> impl Iterator<Item = &Edge> + '_ {
        self.incoming[to].iter().map(|&x| &self.edges[x])
    }
}

/// The link stage: resolves every reference, link and shortcode call of the
/// parsed site into a graph, with the problems found.
pub fn link(parsed: Parsed, config: &Config) -> (Graph, Diagnostics) {
    let mut diags = Diagnostics::default();
    let graph = link_into(parsed, config, &mut diags);
    (graph, diags)
}

fn link_into(parsed: Parsed, config: &Config, diags: &mut Diagnostics) -> Graph {
    let Parsed {
        entities,
        home,
        data,
        shortcode_names,
    } = parsed;
    let by_id = index_ids(&entities, diags);
    check_url_collisions(&entities, &by_id, diags);
    let by_file: Map<&PathBuf, EntityIdx> = entities
        .iter()
        .enumerate()
        .map(|(i, e)| (&e.content_path, i))
        .collect();
    let resolver = Resolver {
        entities: &entities,
        by_id: &by_id,
        by_file: &by_file,
    };

    // Each entity's references and links resolve on their own, in parallel.
    let resolved: Vec<Resolved> = entities
        .par_iter()
        .enumerate()
        .map(|(from, e)| resolver.entity(from, e))
        .collect();
    let mut edges = Vec::new();
    let mut links = Vec::with_capacity(resolved.len());
    for r in resolved {
        edges.extend(r.edges);
        links.push(r.links);
        diags.extend(r.diags);
    }
    let mut found = Vec::new();
    let home_links = home
        .as_ref()
        .map(|h| resolver.body(None, &h.body, &mut found))
        .unwrap_or_default();
    diags.extend(found);
    let bodies = entities.iter().chain(home.as_ref()).map(|e| &e.body);
    let broken_shortcodes = check_shortcodes(&resolver, bodies, &shortcode_names, diags);

    edges.extend(crate::history::inferred_edges(&entities, config));
    let n = entities.len();
    let mut outgoing = vec![Vec::new(); n];
    let mut incoming = vec![Vec::new(); n];
    for (i, edge) in edges.iter().enumerate() {
        outgoing[edge.from].push(i);
        incoming[edge.to].push(i);
    }
    let mentioned_by = mentions(&links);
    check_supersedes_cycles(&entities, &edges, &outgoing, diags);
    let taxonomies = taxonomies(&entities, config);
    Graph {
        entities,
        home,
        data,
        by_id,
        edges,
        outgoing,
        incoming,
        links,
        home_links,
        broken_shortcodes,
        mentioned_by,
        taxonomies,
        list_order: Default::default(),
    }
}

/// Entities by id; a second use of an id is an error at both places.
fn index_ids(entities: &[Arc<Entity>], diags: &mut Diagnostics) -> Map<String, EntityIdx> {
    first_holders(
        entities,
        |_, e| Some(e.id.clone()),
        |e, other| {
            Diagnostic::error(
                Code::DuplicateId,
                format!(
                    "id `{}` is used by both content/{} and content/{}",
                    e.id,
                    other.content_path.display(),
                    e.content_path.display()
                ),
            )
            .at(e.id_span)
            .label("second use")
            .note(
                other.id_span,
                format!("first used by {}", other.content_path.display()),
            )
            .hint(format!(
                "ids are unique across the site: rename content/{} or set a different `id:`",
                e.content_path.display()
            ))
        },
        diags,
    )
}

/// Two entities with different ids must not share an output folder. Names
/// are compared without case: macOS and Windows file systems do not tell
/// `A/` from `a/`.
fn check_url_collisions(
    entities: &[Arc<Entity>],
    by_id: &Map<String, EntityIdx>,
    diags: &mut Diagnostics,
) {
    // A duplicate id is reported as such.
    let url = |i, e: &Entity| (by_id.get(&e.id) == Some(&i)).then(|| e.url_path.to_lowercase());
    first_holders(
        entities,
        url,
        |e, other| {
            Diagnostic::error(
            Code::UrlCollision,
            format!(
                "content/{} and content/{} would both be written to /{}",
                other.content_path.display(),
                e.content_path.display(),
                e.url_path
            ),
        )
        .at(e.id_span)
        .label(format!("`{}` gives the same URL as `{}`", e.id, other.id))
        .note(
            other.id_span,
            format!("first at /{} ({})", other.url_path, other.content_path.display()),
        )
        .hint(format!(
            "spaces and `/ \\ # ? % : * \" < > |` become `-` in URLs; set `slug:` in the front matter of content/{} to give it another URL",
            e.content_path.display()
        ))
        },
        diags,
    );
}

/// Each key's first holder, by entity order; a later entity with a key
/// already held is reported by `clash(later, first)`. `key` is `None` for
/// an entity that holds no key.
fn first_holders(
    entities: &[Arc<Entity>],
    key: impl Fn(EntityIdx, &Entity) -> Option<String>,
    clash: impl Fn(&Entity, &Entity) -> Diagnostic,
    diags: &mut Diagnostics,
) -> Map<String, EntityIdx> {
    let mut held: Map<String, EntityIdx> = hash::map_with_capacity(entities.len());
    for (i, e) in entities.iter().enumerate() {
        let Some(k) = key(i, e) else { continue };
        match held.get(&k) {
            Some(&first) => diags.push(clash(e, &entities[first])),
            None => {
                held.insert(k, i);
            }
        }
    }
    held
}

/// Checks every shortcode call; returns the calls with errors, which render
/// leaves out rather than report twice.
fn check_shortcodes<'a>(
    resolver: &Resolver,
    bodies: impl Iterator<Item = &'a Body>,
    names: &[String],
    diags: &mut Diagnostics,
) -> Set<Span> {
    let mut broken = Set::default();
    for call in bodies.flat_map(|b| &b.shortcodes) {
        if let Err(d) = shortcodes::check(resolver, call, names) {
            if d.iter().any(|d| d.severity == Severity::Error) {
                broken.insert(call.span);
            }
            diags.extend(d);
        }
    }
    broken
}

/// Per entity, the entities whose prose links to it (deduplicated, in order).
fn mentions(links: &[Vec<Option<LinkTo>>]) -> Vec<Vec<EntityIdx>> {
    let mut mentioned_by: Vec<Vec<EntityIdx>> = vec![Vec::new(); links.len()];
    for (from, ls) in links.iter().enumerate() {
        for to in ls.iter().flatten().filter_map(|l| l.target) {
            if to != from && !mentioned_by[to].contains(&from) {
                mentioned_by[to].push(from);
            }
        }
    }
    mentioned_by
}

/// Whether two parses of an entity give `link` the same input: the same
/// id, file, kind, title, front matter and metric data, references, link
/// targets, heading ids and shortcode calls. When a changed file's new
/// parse has the same link inputs as the old, the graph stays as it was
/// with the new entity in the old one's place (see `crate::incremental`).
/// Spans are left out: diagnostics in the file are handled by the caller.
///
/// A title is read by `link` only to suggest the id of an unknown
/// reference: with `titles` false (the graph has none) a new title keeps
/// the graph too.
pub fn same_link_inputs(a: &Entity, b: &Entity, titles: bool) -> bool {
    let fields = if titles {
        a.fields == b.fields
    } else {
        same_but(&a.fields, &b.fields, "title")
    };
    link_inputs(a) == link_inputs(b) && fields && (!titles || a.title == b.title)
}

/// Whether two files' fields are the same, `key` aside.
fn same_but(
    a: &crate::parse::entity::FieldsText,
    b: &crate::parse::entity::FieldsText,
    key: &str,
) -> bool {
    if a == b {
        return true;
    }
    let (a, b) = (&a.map(), &b.map());
    let len = |m: &serde_json::Map<_, _>| m.len() - usize::from(m.contains_key(key));
    len(a) == len(b) && a.iter().all(|(k, v)| k == key || b.get(k) == Some(v))
}

/// What `link` reads of an entity. Every field is named, so a field added
/// to an entity does not compile until it is placed here: read by `link`,
/// or not (`_`).
fn link_inputs(e: &Entity) -> impl PartialEq + '_ {
    let Entity {
        id,
        kind,
        source,
        id_span: _,
        content_path,
        title: _,
        url_path,
        draft,
        summary: _,
        tags,
        weight: _,
        updated: _,
        body,
        refs,
        data,
        // Compared apart, a title aside when titles do not count.
        fields: _,
        extra: _,
    } = e;
    let crate::parse::markdown::Body {
        html: _,
        headings,
        links,
        shortcodes,
        title: _,
        first_paragraph: _,
    } = body;
    let refs: Vec<_> = refs
        .iter()
        .map(|crate::parse::entity::Ref { rel, id, span: _ }| (rel, id))
        .collect();
    let links: Vec<_> = links
        .iter()
        .map(
            |crate::parse::markdown::BodyLink {
                 target,
                 anchor,
                 span: _,
             }| (target, anchor),
        )
        .collect();
    let headings: Vec<_> = headings.iter().map(|h| &h.id).collect();
    let shortcodes: Vec<_> = shortcodes
        .iter()
        .map(
            |crate::parse::shortcode::Shortcode {
                 name,
                 args,
                 span: _,
                 block,
             }| (name, args, block),
        )
        .collect();
    (
        (id, kind, source, content_path, url_path, draft),
        (tags, data),
        (refs, links, headings, shortcodes),
    )
}

/// A policy that (through `supersedes`) supersedes itself is an error.
fn check_supersedes_cycles(
    entities: &[Arc<Entity>],
    edges: &[Edge],
    outgoing: &[Vec<usize>],
    diags: &mut Diagnostics,
) {
    // 0 = unvisited, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; entities.len()];
    for start in 0..entities.len() {
        if state[start] != 0 {
            continue;
        }
        // Iterative DFS keeps deep chains from overflowing the stack.
        let mut stack: Vec<(EntityIdx, usize)> = vec![(start, 0)];
        let mut path: Vec<EntityIdx> = vec![start];
        state[start] = 1;
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            let succ: Vec<EntityIdx> = outgoing[node]
                .iter()
                .map(|&e| &edges[e])
                .filter(|e| e.rel == Rel::Supersedes)
                .map(|e| e.to)
                .collect();
            if *next < succ.len() {
                let to = succ[*next];
                *next += 1;
                match state[to] {
                    0 => {
                        state[to] = 1;
                        stack.push((to, 0));
                        path.push(to);
                    }
                    1 => {
                        let pos = path.iter().position(|&p| p == to).unwrap_or(0);
                        let cycle: Vec<&str> = path[pos..]
                            .iter()
                            .chain([&to])
                            .map(|&i| entities[i].id.as_str())
                            .collect();
                        let span = entities[node]
                            .refs_in(Rel::Supersedes)
                            .find(|r| r.id == entities[to].id)
                            .map(|r| r.span)
                            .unwrap_or(entities[node].id_span);
                        diags.push(
                            Diagnostic::error(Code::SupersedesCycle, format!("`supersedes` forms a cycle: {}", cycle.join(" → ")))
                                .at(span)
                                .hint("a policy cannot (indirectly) supersede itself; remove one of these `supersedes` entries"),
                        );
                    }
                    _ => {}
                }
            } else {
                state[node] = 2;
                stack.pop();
                path.pop();
            }
        }
    }
}
