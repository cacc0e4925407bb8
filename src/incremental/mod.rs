//! Incremental builds: the site kept in memory between rebuilds.
//!
//! [`Site`] holds what the pipeline read and parsed, the graph of the last
//! build, and the last *good* build (its pages, the values they were
//! rendered from, and the output bytes). A change re-reads and re-parses
//! only the files it names, and re-renders only the pages whose inputs
//! differ from the last good build.
//!
//! The graph is linked again unless every re-parsed file gives `link` the
//! same input as before (see [`crate::graph::same_link_inputs`]): an edit
//! of body text that keeps its links, headings and shortcode calls. Then the
//! new entities take the old ones' places in the kept graph (see
//! [`Site::relink`]), and while the graph is the same one the last good
//! build's template engine, summaries, globals, template scan and page list
//! are kept too, once the changed entities' summaries are found unchanged.
//! So a body edit costs its own page, whatever the size of the site.
//!
//! What did not change is kept rather than computed again: an entity's
//! summary while its key (its text, and the titles and summaries it carries
//! of the entities it names; see [`summary_keys`]) is the same; the deps of
//! pages nothing around changed (see [`redo_deps`]); and the data files of
//! entities whose page is not re-rendered: API entries, metric CSV/JSON, and
//! their text in the search index, which is patched (see
//! [`crate::search::LiveIndex`]). The sitemap is written when the set of
//! pages changed.
//!
//! # What a page depends on
//!
//! Every page records a [`PageDeps`], computed from the graph of the new
//! build and compared with what the last good build recorded:
//!
//! - `key`: a hash of the page's own inputs — its output path and template,
//!   the text of the files it reads in full (an entity page reads its own
//!   source; a policy page also reads the metrics whose targets it lists),
//!   and the ids, in order, of every entity it shows (references, backlinks,
//!   prose-link targets, list items). A new or lost neighbour changes the key.
//! - `shows`: entities shown by their *summary* (title, URL, status, latest
//!   value, …). The page is re-rendered when one of those summaries changed,
//!   so a title edit re-renders the pages that show that title and a body
//!   edit (which leaves the summary alone) re-renders one page.
//! - its template: the template with everything it extends, includes or
//!   imports (see [`TemplateUse`]). The page is re-rendered when the text of
//!   any of them changed, or when a global value they mention changed
//!   (`config`, `data`, `t`, and `site.<key>` per key of `site`).
//!
//! Where the rule cannot see what a page reads it assumes the worst: a
//! template that includes a computed name depends on every template; one that
//! mentions `site` without a key depends on all of `site`; one that calls
//! `url(id=…)`, or `get_entity(`, `metric_value(` or `metric_chart(` for an
//! entity other than the page's own, depends on every entity's text. A shortcode in
//! a body makes the page depend on the entity its `id=` names (read in full)
//! and on the shortcode's template, scanned by the same rules.
//! An entity's data files (API entry, metric files, search text) are made
//! from what its page reads, so they are redone with its page.
//! `tests/incremental.rs` checks, byte for byte, that the result equals a
//! clean build after each kind of change, and after a row of changes.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use tera::Value;

use crate::BuildOptions;
use crate::diag::{Diagnostic, Diagnostics};
use crate::graph::{EntityIdx, Graph};
use crate::hash::{self, Map, Set, hash_of};
use crate::load::{self, Loaded, Origin};
use crate::output::{Contents, OutputFile};
use crate::parse::{self, Entity, Kind, Parsed};
use crate::render::{self, Job, Prepared, RenderOptions, Stats, context};
use crate::search::LiveIndex;
use crate::source::{SourceId, Sources};
use templates::TemplateUse;

mod templates;

/// One file of the served site.
#[derive(Debug, Clone)]
pub enum Body {
    Bytes(Arc<[u8]>),
    Copy(Origin),
}

/// A complete build in memory: output path (`policies/甲/index.html`) -> bytes.
#[derive(Debug, Clone, Default)]
pub struct Output {
    pub files: Map<String, Body>,
}

impl Output {
    /// The bytes of a file, read from disk for static files.
    pub fn read(&self, path: &str) -> Option<Vec<u8>> {
        match self.files.get(path)? {
            Body::Bytes(b) => Some(b.to_vec()),
            Body::Copy(Origin::Embedded(b)) => Some(b.to_vec()),
            Body::Copy(Origin::Disk(p)) => std::fs::read(p).ok(),
        }
    }

    /// As files for the write stage.
    pub fn to_files(&self) -> Vec<OutputFile> {
        let mut files: Vec<OutputFile> = self
            .files
            .iter()
            .map(|(path, body)| OutputFile {
                path: path.clone(),
                contents: match body {
                    Body::Bytes(b) => Contents::Bytes(b.to_vec()),
                    Body::Copy(o) => Contents::Copy(o.clone()),
                },
            })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    }
}

/// What one (re)build did.
#[derive(Debug)]
pub struct Rebuild {
    pub diagnostics: Diagnostics,
    /// Pages rendered this time (the others were kept).
    pub rendered: usize,
    /// Output paths whose bytes changed; empty when the build failed
    /// (unless it folds in an earlier good pass, see [`Rebuild::after`]).
    pub changed: Vec<String>,
    pub stats: Stats,
    pub elapsed: Duration,
}

impl Rebuild {
    pub fn ok(&self) -> bool {
        !self.diagnostics.has_errors()
    }

    /// This rebuild and an `earlier` one as one: its diagnostics and stats,
    /// the pages and files both changed, the time both took. The files an
    /// earlier good pass changed stay listed even when this one failed: the
    /// site in memory has them.
    pub fn after(mut self, earlier: Rebuild) -> Rebuild {
        self.rendered += earlier.rendered;
        self.changed.extend(earlier.changed);
        self.changed.sort();
        self.changed.dedup();
        self.elapsed += earlier.elapsed;
        self
    }

    /// True when only stylesheets changed: a browser can swap them in place.
    pub fn css_only(&self) -> bool {
        !self.changed.is_empty() && self.changed.iter().all(|p| p.ends_with(".css"))
    }
}

/// A parsed content file.
struct Slot {
    source: SourceId,
    entity: Option<Arc<Entity>>,
    diags: Vec<Diagnostic>,
}

/// The last good build: what its pages were made from, and its output.
#[derive(Default)]
struct Published {
    pages: Map<String, PageRecord>,
    /// The deps of the pages, kept for the next rebuild.
    deps: KeptDeps,
    /// Each entity's outline (see [`outline`]), by index.
    outlines: Vec<u64>,
    /// Each entity's text and path hashed, by index.
    entity_hash: Vec<u64>,
    /// Each entity's summary and the key of what it was made from, by index.
    summaries: Vec<(u64, Value)>,
    /// The entities' ids in index order.
    ids: Vec<String>,
    globals: BTreeMap<String, Value>,
    /// Hash of every entity's text: changes when any content file changes.
    all_entities: u64,
    /// Hash of the sitemap's pages.
    sitemap: u64,
    /// Each entity's entry in `api/index.json`, by index.
    api: Vec<Arc<[u8]>>,
    /// Hash of the entities' ids, kinds and files in order: while it holds,
    /// what is kept by index (and the search index's page numbers) is valid.
    shape: u64,
    search: Option<LiveIndex>,
    output: Arc<Output>,
    /// The graph it was made from (see [`Linked::generation`]).
    generation: u64,
    /// What the pages were rendered with, the template scan, and the pages:
    /// the same for the next build while its graph is the same one.
    prepared: Option<Arc<Prepared>>,
    uses: Arc<Map<String, TemplateUse>>,
    jobs: Arc<Vec<Job>>,
    paths: Arc<Vec<String>>,
}

struct PageRecord {
    key: u64,
}

/// What a page was rendered from (see the module docs).
struct PageDeps {
    key: u64,
    shows: Vec<EntityIdx>,
    /// `shortcodes/<name>.html` templates its bodies call.
    shortcodes: Vec<String>,
}

/// The site in memory, rebuilt incrementally.
pub struct Site {
    opts: BuildOptions,
    loaded: Loaded,
    load_diags: Vec<Diagnostic>,
    /// One per content file, in `loaded.content` order.
    slots: Vec<Slot>,
    data: Arc<serde_json::Value>,
    data_diags: Vec<Diagnostic>,
    /// Hash of each source's text.
    hashes: Map<SourceId, u64>,
    last: Option<Published>,
    /// The graph of the last build, while it can be kept (see
    /// [`Site::relink`]).
    linked: Option<Linked>,
    /// Content files re-parsed since the graph was made.
    reparsed: Vec<SourceId>,
    /// Of the last graph made (see [`Linked::generation`]).
    generation: u64,
    /// Paths changed since the last good build.
    untold: Set<PathBuf>,
}

/// A graph kept from the last build.
struct Linked {
    graph: Graph,
    /// What `link` reported.
    diags: Vec<Diagnostic>,
    /// The index in the graph of each source's entity.
    index: Map<SourceId, EntityIdx>,
    /// Counts the times the site was linked: while a build's graph has the
    /// last build's generation, it has the same entities, edges, links and
    /// taxonomies, and no template, data or config changed in between.
    generation: u64,
}

/// How far a set of changed paths reaches.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Reach {
    Nothing,
    /// Content files only: re-read and re-parse them.
    Content,
    /// Templates, data, static files or themes: read the site again, keep the
    /// parse of every content file whose text is the same.
    Reload,
    /// site.toml: everything.
    Everything,
}

impl Site {
    /// Loads, parses and renders the whole site.
    pub fn open(opts: BuildOptions) -> (Site, Rebuild) {
        let start = Instant::now();
        let mut site = Site {
            loaded: load::load(&opts.root, &mut Vec::new()),
            opts,
            load_diags: Vec::new(),
            slots: Vec::new(),
            data: Arc::default(),
            data_diags: Vec::new(),
            hashes: Map::default(),
            last: None,
            linked: None,
            reparsed: Vec::new(),
            generation: 0,
            untold: Set::default(),
        };
        site.reload(false);
        let report = site.rebuild(&Set::default(), start);
        (site, report)
    }

    /// The sources of the current state, for printing diagnostics.
    pub fn sources(&self) -> &Sources {
        &self.loaded.sources
    }

    pub fn root(&self) -> PathBuf {
        self.opts.root.clone()
    }

    /// The output directory a `build --watch` writes to.
    pub fn output_dir(&self) -> PathBuf {
        crate::output_dir(&self.opts, &self.loaded.config)
    }

    /// The last good build, if there was one.
    pub fn output(&self) -> Option<&Output> {
        self.last.as_ref().map(|p| &*p.output)
    }

    /// The last good build, shared (the server keeps it while rebuilding).
    pub fn shared_output(&self) -> Option<Arc<Output>> {
        self.last.as_ref().map(|p| p.output.clone())
    }

    /// Whether a changed path can affect the site (the output directory,
    /// hidden and editors' temporary files cannot).
    pub fn is_relevant(&self, path: &Path) -> bool {
        self.reach(path) != Reach::Nothing
    }

    /// Applies changed paths (absolute, or relative to the root) and rebuilds.
    pub fn apply(&mut self, changed: &[PathBuf]) -> Rebuild {
        let start = Instant::now();
        let rels: Vec<PathBuf> = changed.iter().map(|p| self.relative(p)).collect();
        let reach = rels.iter().map(|p| self.reach(p)).max();
        match reach {
            None | Some(Reach::Nothing) => {}
            Some(Reach::Content) => {
                if !rels.iter().all(|p| self.update_content(p)) {
                    self.reload(true);
                }
            }
            Some(Reach::Reload) => self.reload(true),
            Some(Reach::Everything) => {
                self.slots.clear();
                self.last = self.last.take().map(|p| Published {
                    output: p.output,
                    ..Default::default()
                });
                self.reload(false);
            }
        }
        // What failed builds were told still counts: the last good build
        // has not seen it.
        self.untold.extend(rels);
        let touched = self.untold.clone();
        let report = self.rebuild(&touched, start);
        if report.ok() {
            self.untold.clear();
        }
        report
    }

    fn relative(&self, p: &Path) -> PathBuf {
        let root = std::fs::canonicalize(&self.opts.root).unwrap_or(self.opts.root.clone());
        p.strip_prefix(&root)
            .or_else(|_| p.strip_prefix(&self.opts.root))
            .unwrap_or(p)
            .to_path_buf()
    }

    fn reach(&self, rel: &Path) -> Reach {
        let rel = self.relative(rel);
        let ignored = rel
            .components()
            .any(|c| load::is_ignored(&c.as_os_str().to_string_lossy()));
        let out = self.output_dir();
        let out_rel = self.relative(&out);
        let prev_rel = self.relative(&crate::write::previous_dir(&out));
        // Vim checks that a folder is writable with a file of this name.
        let probe = rel.file_name().is_some_and(|n| n == "4913");
        if ignored || probe || rel.starts_with(&out_rel) || rel.starts_with(&prev_rel) {
            return Reach::Nothing;
        }
        let first = rel
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned());
        match first.as_deref() {
            Some("site.toml") => Reach::Everything,
            Some("content") => Reach::Content,
            Some("data" | "templates" | "static" | "themes") => Reach::Reload,
            _ => Reach::Nothing,
        }
    }

    /// Re-reads one path under content/. False when it cannot be handled
    /// file by file (a new directory): the caller reloads.
    fn update_content(&mut self, rel: &Path) -> bool {
        let abs = self.opts.root.join(rel);
        if abs.is_dir() {
            return false;
        }
        let is_content = rel
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| ["md", "yaml", "yml"].contains(&e));
        let found = self
            .slots
            .binary_search_by(|s| self.loaded.sources.path(s.source).cmp(rel));
        if !abs.is_file() || !is_content {
            // Deleted (or renamed away): drop it and anything below it.
            self.unlink();
            let sources = &self.loaded.sources;
            self.slots
                .retain(|s| !sources.path(s.source).starts_with(rel));
            return true;
        }
        let (text, read_error) = match load::read_text(&abs, rel) {
            Ok(t) => (t, None),
            Err(d) => (String::new(), Some(d)),
        };
        let hash = hash_of(&text);
        let idx = match found {
            Ok(i) => {
                let id = self.slots[i].source;
                if self.hashes.get(&id) == Some(&hash) && read_error.is_none() {
                    return true;
                }
                self.loaded.sources.replace(id, text);
                i
            }
            Err(i) => {
                self.unlink();
                let id = self.loaded.sources.add(rel.to_path_buf(), text);
                self.slots.insert(
                    i,
                    Slot {
                        source: id,
                        entity: None,
                        diags: Vec::new(),
                    },
                );
                i
            }
        };
        let id = self.slots[idx].source;
        self.hashes.insert(id, hash);
        self.reparsed.push(id);
        self.slots[idx] = match read_error {
            Some(d) => Slot {
                source: id,
                entity: None,
                diags: vec![d],
            },
            None => self.parse_slot(id),
        };
        true
    }

    fn parse_slot(&self, id: SourceId) -> Slot {
        let (entity, diags) = parse::parse_content(&self.loaded.sources, id, &self.loaded.config);
        Slot {
            source: id,
            entity: entity.map(Arc::new),
            diags,
        }
    }

    /// Reads the site again. With `reuse`, a content file whose path, id and
    /// text are unchanged keeps its parse.
    fn reload(&mut self, reuse: bool) {
        self.unlink();
        let mut diags = Vec::new();
        let loaded = load::load(&self.opts.root, &mut diags);
        let hashes: Map<SourceId, u64> = (0..loaded.sources.len())
            .into_par_iter()
            .map(|i| {
                let id = SourceId(i as u32);
                (id, hash_of(loaded.sources.text(id)))
            })
            .collect();
        let mut old: Map<SourceId, Slot> = if reuse {
            self.slots.drain(..).map(|s| (s.source, s)).collect()
        } else {
            Map::default()
        };
        let same = |id: SourceId| {
            (id.0 as usize) < self.loaded.sources.len()
                && self.hashes.get(&id) == hashes.get(&id)
                && self.loaded.sources.path(id) == loaded.sources.path(id)
        };
        let keep: Vec<Option<Slot>> = loaded
            .content
            .iter()
            .map(|&id| if same(id) { old.remove(&id) } else { None })
            .collect();
        self.loaded = loaded;
        self.hashes = hashes;
        self.slots = keep
            .into_par_iter()
            .zip(self.loaded.content.par_iter())
            .map(|(kept, &id)| kept.unwrap_or_else(|| self.parse_slot(id)))
            .collect();
        let mut data_diags = Vec::new();
        self.data = Arc::new(parse::parse_data(
            &self.loaded.sources,
            &self.loaded.data,
            &mut data_diags,
        ));
        self.data_diags = data_diags;
        self.load_diags = diags;
    }

    /// Links and renders what changed since the last good build, and
    /// publishes the result if it has no errors.
    fn rebuild(&mut self, touched: &Set<PathBuf>, start: Instant) -> Rebuild {
        self.loaded.content = self.slots.iter().map(|s| s.source).collect();
        let mut diags = Diagnostics::default();
        diags.extend(self.load_diags.iter().cloned());
        for slot in &self.slots {
            diags.extend(slot.diags.iter().cloned());
        }
        diags.extend(self.data_diags.iter().cloned());
        let t = Instant::now();
        let linked = match self.relink() {
            Some(kept) => kept,
            None => self.link(),
        };
        self.reparsed.clear();
        lap("link", t);
        diags.extend(linked.diags.iter().cloned());
        let (stats, changed, rendered) =
            self.render(&linked.graph, linked.generation, touched, &mut diags);
        self.linked = Some(linked);
        diags.sort(&self.loaded.sources);
        Rebuild {
            diagnostics: diags,
            rendered,
            changed,
            stats,
            elapsed: start.elapsed(),
        }
    }

    /// Links the parsed entities.
    fn link(&mut self) -> Linked {
        let mut parsed = Parsed::default();
        for e in self.slots.iter().filter_map(|s| s.entity.as_ref()) {
            if e.draft && !self.opts.drafts {
                continue;
            }
            if e.kind == Kind::Section && e.url_path.is_empty() {
                parsed.home = Some(e.clone());
            } else {
                parsed.entities.push(e.clone());
            }
        }
        parsed.data = self.data.clone();
        parsed.shortcode_names = crate::parse::shortcode_names(&self.loaded);
        let mut diags = Diagnostics::default();
        let graph = crate::graph::link(parsed, &self.loaded.config, &mut diags);
        self.generation += 1;
        let index = graph
            .entities
            .iter()
            .enumerate()
            .map(|(i, e)| (e.source, i))
            .collect();
        Linked {
            graph,
            diags: diags.iter().cloned().collect(),
            index,
            generation: self.generation,
        }
    }

    /// The last graph with the re-parsed entities in place of the old ones,
    /// when each gives `link` the same input as before (a body edit that
    /// leaves links, headings and shortcode calls alone): then linking again
    /// would give the same graph. `None` when the site must be linked again.
    fn relink(&mut self) -> Option<Linked> {
        let mut linked = self.linked.take()?;
        let reparsed = std::mem::take(&mut self.reparsed);
        let Some(swaps) = self.swaps(&linked, &reparsed) else {
            self.linked = Some(linked);
            self.unlink();
            return None;
        };
        for (i, new) in swaps {
            match i {
                Some(i) => linked.graph.entities[i] = new,
                None => linked.graph.home = Some(new),
            }
        }
        Some(linked)
    }

    /// Drops the kept graph: the site is linked again at the next rebuild.
    /// It is freed on another thread: many small frees need not delay it.
    fn unlink(&mut self) {
        if let Some(old) = self.linked.take() {
            rayon::spawn(move || drop(old));
        }
    }

    /// Where each re-parsed entity goes in the kept graph (`None`: it is the
    /// home page), if all of them can.
    fn swaps(
        &self,
        linked: &Linked,
        reparsed: &[SourceId],
    ) -> Option<Vec<(Option<EntityIdx>, Arc<Entity>)>> {
        let graph = &linked.graph;
        reparsed
            .iter()
            .map(|&id| {
                // What `link` reported in the file has moved with its text.
                if linked.diags.iter().any(|d| d.touches(id)) {
                    return None;
                }
                let new = self.slots.iter().find(|s| s.source == id)?.entity.clone()?;
                let at = linked.index.get(&id).copied();
                let old = match at {
                    Some(i) => &graph.entities[i],
                    None => graph.home.as_ref().filter(|h| h.source == id)?,
                };
                crate::graph::same_link_inputs(old, &new).then_some((at, new))
            })
            .collect()
    }

    /// Renders the pages whose inputs changed; publishes on success.
    /// Returns (stats, changed output paths, pages rendered).
    fn render(
        &mut self,
        graph: &Graph,
        generation: u64,
        touched: &Set<PathBuf>,
        diags: &mut Diagnostics,
    ) -> (Stats, Vec<String>, usize) {
        let opts = RenderOptions {
            base_url: self.opts.base_url.clone(),
        };
        let t = Instant::now();
        // The deps of entity pages that cannot have changed are kept: taken
        // out here, so after a failed build all are computed again.
        let mut kept_deps = self
            .last
            .as_mut()
            .map(|l| std::mem::take(&mut l.deps))
            .unwrap_or_default();
        let empty = Published::default();
        let last = self.last.as_ref().unwrap_or(&empty);
        let entity_hash: Vec<u64> = graph
            .entities
            .par_iter()
            .map(|e| hash_of((self.hashes.get(&e.source), e.content_path.as_os_str())))
            .collect();
        // The graph is the last build's, with only some entities' text
        // changed: much of the last build holds as it was.
        let same_graph = self.last.is_some() && last.generation == generation;
        // The entities, their kinds and files: what indices and links mean.
        let shape = if same_graph {
            last.shape
        } else {
            hash_of(
                graph
                    .entities
                    .iter()
                    .map(|e| (&e.id, e.kind, e.content_path.as_os_str()))
                    .collect::<Vec<_>>(),
            )
        };
        // Summaries whose inputs are unchanged are kept.
        let keys = if same_graph {
            updated_summary_keys(graph, &entity_hash, last)
        } else {
            summary_keys(graph, &entity_hash)
        };
        // The last build's summary of each entity: by index while the
        // entities are the same ones, else by id.
        let by_id: Option<Map<&str, usize>> = (last.shape != shape).then(|| {
            last.ids
                .iter()
                .enumerate()
                .map(|(j, id)| (id.as_str(), j))
                .collect()
        });
        let previous = |i: EntityIdx| -> Option<&(u64, Value)> {
            let j = match &by_id {
                None => i,
                Some(m) => *m.get(graph.entities[i].id.as_str())?,
            };
            last.summaries.get(j)
        };
        let kept: Vec<bool> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| previous(i).is_some_and(|(old, _)| old == k))
            .collect();
        let config = &self.loaded.config;
        let style = render::link_style(config);
        // The same graph with the same summaries: the last build's engine,
        // globals and summaries hold as they were.
        let reuse = last.prepared.clone().filter(|p| {
            same_graph
                && (0..graph.entities.len()).filter(|&i| !kept[i]).all(|i| {
                    let fresh = context::Shared::summary_of(graph, i, style, |t| {
                        p.shared.summaries[t].clone()
                    });
                    fresh == p.shared.summaries[i]
                })
        });
        let reused = reuse.is_some();
        let prepared = match reuse {
            Some(p) => p,
            None => {
                let shared = context::Shared::build_with(graph, config, style, |i| {
                    kept[i].then(|| previous(i).expect("kept").1.clone())
                });
                lap("summaries", t);
                let t = Instant::now();
                let prepared = Prepared::with_shared(graph, &self.loaded, &opts, shared, diags);
                lap("prepare", t);
                match prepared {
                    Some(p) => Arc::new(p),
                    None => return (Stats::default(), Vec::new(), 0),
                }
            }
        };
        let t = Instant::now();
        if diags.has_errors() {
            return (Stats::default(), Vec::new(), 0);
        }
        let summaries = &prepared.shared.summaries;
        let changed_summary: Vec<bool> = if reused {
            vec![false; graph.entities.len()]
        } else {
            (0..graph.entities.len())
                .map(|i| !kept[i] && previous(i).map(|(_, v)| v) != Some(&summaries[i]))
                .collect()
        };
        let all_entities = {
            let mut h = hash::hasher();
            for (e, x) in graph.entities.iter().zip(&entity_hash) {
                (&e.id, x).hash(&mut h);
            }
            graph
                .home
                .as_ref()
                .map(|e| self.hashes.get(&e.source))
                .hash(&mut h);
            h.finish()
        };
        let any_entity_changed = all_entities != last.all_entities;
        let changed_ids: Set<&str> = graph
            .entities
            .iter()
            .zip(&changed_summary)
            .filter(|(_, c)| **c)
            .map(|(e, _)| e.id.as_str())
            .collect();
        // The globals, split into parts; unchanged while the engine is kept.
        let globals: Option<Vec<GlobalPart>> = (!reused).then(|| global_parts(&prepared.globals));
        let changed_globals: Set<&str> = globals
            .iter()
            .flatten()
            .filter(|(k, (v, ids))| {
                last.globals.get(k) != Some(v) || ids.iter().any(|id| changed_ids.contains(id))
            })
            .map(|(k, _)| k.as_str())
            .collect();
        let uses = if same_graph {
            last.uses.clone()
        } else {
            Arc::new(TemplateUse::all(&self.loaded))
        };
        lap("compare", t);
        let t = Instant::now();
        let (jobs, paths) = if same_graph {
            (last.jobs.clone(), last.paths.clone())
        } else {
            let jobs = render::jobs(graph);
            let paths = jobs.iter().map(|&j| render::page_file(graph, j)).collect();
            (Arc::new(jobs), Arc::new(paths))
        };
        let (outlines, redo) = redo_deps(graph, &entity_hash, last, shape, &kept_deps);
        let deps: Vec<Option<PageDeps>> = jobs
            .par_iter()
            .zip(paths.par_iter())
            .map(|(&job, path)| {
                let keep = match job {
                    Job::Entity(i) => !redo.entities[i],
                    Job::List(_) => !redo.lists,
                    Job::Home => false,
                    _ => !redo.others,
                };
                let kept = match job {
                    Job::Entity(i) => kept_deps.entity.get(i).is_some_and(Option::is_some),
                    _ => kept_deps.other.contains_key(path),
                };
                (!(keep && kept)).then(|| page_deps(graph, job, path, &entity_hash, &self.hashes))
            })
            .collect();
        let deps: Vec<PageDeps> = jobs
            .iter()
            .zip(paths.iter())
            .zip(deps)
            .map(|((&job, path), d)| match (job, d) {
                (_, Some(d)) => d,
                (Job::Entity(i), None) => kept_deps.entity[i].take().expect("checked above"),
                (_, None) => kept_deps.other.remove(path).expect("checked above"),
            })
            .collect();
        let dirty: Vec<bool> = jobs
            .iter()
            .zip(paths.iter())
            .zip(&deps)
            .map(|((&job, path), d)| {
                let template = render::place(graph, job).1;
                // The page's template and the shortcode templates its bodies call.
                let templates =
                    std::iter::once(template).chain(d.shortcodes.iter().map(String::as_str));
                let mut any_entity = false;
                for name in templates {
                    let Some(u) = uses.get(name) else {
                        return true;
                    };
                    if last.uses.get(name).map(|l| l.hash) != Some(u.hash)
                        || u.globals(&changed_globals)
                    {
                        return true;
                    }
                    any_entity |= u.any_entity;
                }
                last.pages.get(path).is_none_or(|r| r.key != d.key)
                    || forced_globals(job)
                        .iter()
                        .any(|g| changed_globals.contains(g))
                    || (any_entity && any_entity_changed)
                    || d.shows.iter().any(|&i| changed_summary[i])
            })
            .collect();
        // An entity's data files (API entry, metric files, search text) can
        // change only with its page's inputs; an entity without a page of
        // its own (a list's intro) is always redone.
        let mut entity_dirty = vec![true; graph.entities.len()];
        for (&job, &d) in jobs.iter().zip(&dirty) {
            if let Job::Entity(i) = job {
                entity_dirty[i] = d;
            }
        }

        lap("deps", t);
        let t = Instant::now();
        let pages = prepared.pages(graph, &self.loaded);
        let results: Vec<(usize, Result<String, Vec<Diagnostic>>)> = (0..jobs.len())
            .into_par_iter()
            .filter(|&i| dirty[i])
            .map(|i| (i, pages.render(jobs[i]).1))
            .collect();
        let rendered = results.len();
        let mut errors = Vec::new();
        let mut fresh: Map<usize, Arc<[u8]>> = Map::default();
        for (i, r) in results {
            match r {
                Ok(html) => {
                    fresh.insert(i, Arc::from(html.into_bytes()));
                }
                Err(ds) => errors.extend(ds),
            }
        }
        diags.extend(render::dedup_errors(errors));
        // Feeds and alias redirects: made again (they are small), written
        // when their bytes changed.
        let (readers, reader_diags) = prepared.reader_files(graph, &self.loaded.config, &paths);
        diags.extend(reader_diags);
        if diags.has_errors() {
            return (Stats::default(), Vec::new(), rendered);
        }
        lap("render", t);

        // Publish: the new output, and what it was made from. The previous
        // build is taken apart: its kept parts move into the new one.
        let t = Instant::now();
        let mut last = self.last.take().unwrap_or_default();
        let mut stats = Stats::default();
        let mut files = NewFiles {
            last: &last.output,
            output: Output {
                files: hash::map_with_capacity(last.output.files.len()),
            },
            changed: Vec::new(),
        };
        for (i, path) in paths.iter().enumerate() {
            stats.count(graph, jobs[i]);
            match fresh.remove(&i) {
                Some(b) => files.put(path.clone(), Body::Bytes(b)),
                None => files.keep(path),
            }
        }
        lap("pages", t);
        let t = Instant::now();
        let style = prepared.style();
        // The sitemap: only when the set of pages changed.
        let sitemap: Vec<(String, Option<crate::parse::period::Period>)> = jobs
            .iter()
            .zip(paths.iter())
            .filter(|(j, _)| **j != Job::NotFound)
            .map(|(&j, p)| (p.clone(), render::lastmod(graph, j)))
            .collect();
        let sitemap_key = hash_of(&sitemap);
        if sitemap_key == last.sitemap {
            files.keep("sitemap.xml");
            files.keep("robots.txt");
        } else {
            files.put_all(prepared.sitemap_files(sitemap));
        }
        files.put_all(readers);
        // The API index, from each entity's entry; entries are kept by
        // index while the entities are the same ones.
        let n = graph.entities.len();
        let mut api = std::mem::take(&mut last.api);
        let all = last.shape != shape || api.len() != n;
        if all {
            api = vec![Arc::from(Vec::new()); n];
        }
        let fresh: Vec<(usize, Vec<u8>)> = (0..n)
            .into_par_iter()
            .filter(|&i| all || entity_dirty[i])
            .map(|i| (i, crate::api::entry(graph, i)))
            .collect();
        let mut api_changed = all;
        for (i, entry) in fresh {
            if *api[i] != *entry {
                api[i] = Arc::from(entry);
                api_changed = true;
            }
        }
        if api_changed {
            files.put_all([crate::api::index_file(api.iter())]);
        } else {
            files.keep("api/index.json");
        }
        // Metric files.
        for (i, e) in graph.entities.iter().enumerate() {
            if entity_dirty[i] {
                files.put_all(crate::metrics::entity_files(e));
            } else if e.metric().is_some() {
                let stem = crate::metrics::data::stem(e);
                files.keep(&format!("{stem}.csv"));
                files.keep(&format!("{stem}.json"));
            }
        }
        // The search index: patched when the pages are the same ones.
        let search = match last.search.take().filter(|_| last.shape == shape) {
            Some(mut live) => {
                let redo: Vec<EntityIdx> = (0..graph.entities.len())
                    .filter(|&i| entity_dirty[i])
                    .collect();
                let updated = live.update(graph, &redo, style);
                let new: Set<String> = updated.iter().map(|f| f.path.clone()).collect();
                files.put_all(updated);
                for p in live.paths().filter(|p| !new.contains(p)) {
                    files.keep(&p);
                }
                live
            }
            None => {
                let (live, all) = LiveIndex::new(graph, style);
                files.put_all(all);
                live
            }
        };
        lap("site files", t);
        let t = Instant::now();
        for f in render::static_files(&self.loaded) {
            let Contents::Copy(origin) = f.contents else {
                continue;
            };
            // The same file as before: changed when it (or a folder above
            // it, created or moved in) was touched. A file of the binary's
            // theme is the same bytes while the binary is the same.
            let differs = match (&origin, last.output.files.get(&f.path)) {
                (Origin::Disk(p), Some(Body::Copy(Origin::Disk(q)))) if p == q => {
                    let rel = self.relative(p);
                    touched.iter().any(|t| rel.starts_with(t))
                }
                (Origin::Embedded(a), Some(Body::Copy(Origin::Embedded(b)))) => a != b,
                _ => true,
            };
            if differs {
                files.changed.push(f.path.clone());
            }
            files.output.files.insert(f.path, Body::Copy(origin));
        }
        let NewFiles {
            output,
            mut changed,
            ..
        } = files;
        changed.extend(
            last.output
                .files
                .keys()
                .filter(|p| !output.files.contains_key(*p))
                .cloned(),
        );
        changed.sort();
        lap("publish", t);
        let mut kept = KeptDeps {
            entity: (0..graph.entities.len()).map(|_| None).collect(),
            other: Map::default(),
        };
        let mut pages = hash::map_with_capacity(paths.len());
        for ((job, path), d) in jobs.iter().zip(paths.iter()).zip(deps) {
            pages.insert(path.clone(), PageRecord { key: d.key });
            match *job {
                Job::Entity(i) => kept.entity[i] = Some(d),
                _ => {
                    kept.other.insert(path.clone(), d);
                }
            }
        }
        self.last = Some(Published {
            pages,
            deps: kept,
            outlines,
            entity_hash,
            summaries: keys.into_iter().zip(summaries.iter().cloned()).collect(),
            ids: if last.shape == shape && last.ids.len() == graph.entities.len() {
                std::mem::take(&mut last.ids)
            } else {
                graph.entities.iter().map(|e| e.id.clone()).collect()
            },
            globals: match globals {
                Some(g) => g.into_iter().map(|(k, (v, _))| (k, v)).collect(),
                None => std::mem::take(&mut last.globals),
            },
            all_entities,
            sitemap: sitemap_key,
            api,
            shape,
            search: Some(search),
            output: Arc::new(output),
            generation,
            prepared: Some(prepared),
            uses,
            jobs,
            paths,
        });
        // What this build is done with (the build before, and with it the
        // engine when this one made its own) is freed on another thread:
        // many small frees need not delay the reload.
        rayon::spawn(move || drop(last));
        (stats, changed, rendered)
    }
}

/// The deps of the last build's pages: entity pages by index, the others
/// by path.
#[derive(Default)]
struct KeptDeps {
    entity: Vec<Option<PageDeps>>,
    other: Map<String, PageDeps>,
}

/// Which page deps must be computed again.
struct Redo {
    entities: Vec<bool>,
    /// The lists (their order, items and intros).
    lists: bool,
    /// Graph, taxonomy and term pages.
    others: bool,
}

/// Entity page deps are computed again for all entities when they are not
/// the same ones (indices and link targets would differ), else for the
/// changed entities, the pages that showed one of them, and the targets of
/// their references, links and shortcodes (which may show them now); a
/// section shows every page, so it is redone when one changed. The other
/// pages show what entities' outlines hold: they are redone when an outline
/// changed (a list also when its intro did). Returns the outlines too.
fn redo_deps(
    graph: &Graph,
    entity_hash: &[u64],
    last: &Published,
    shape: u64,
    kept: &KeptDeps,
) -> (Vec<u64>, Redo) {
    let n = graph.entities.len();
    if shape != last.shape || last.entity_hash.len() != n || last.outlines.len() != n {
        let all = Redo {
            entities: vec![true; n],
            lists: true,
            others: true,
        };
        return (
            (0..n).into_par_iter().map(|i| outline(graph, i)).collect(),
            all,
        );
    }
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
    let mut outlines = last.outlines.clone();
    let mut outline_changed = false;
    for c in (0..n).filter(|&c| changed[c]) {
        let o = outline(graph, c);
        outline_changed |= o != outlines[c];
        outlines[c] = o;
        let body = &graph.entities[c].body;
        let targets = graph.outgoing[c]
            .iter()
            .map(|&x| graph.edges[x].to)
            .chain(graph.links[c].iter().flatten().filter_map(|l| l.target))
            .chain(
                body.shortcodes
                    .iter()
                    .filter_map(|call| call.arg("id").and_then(|id| graph.by_id.get(id)).copied()),
            );
        for t in targets {
            entities[t] = true;
        }
    }
    let redo = Redo {
        entities,
        lists: outline_changed || changed_kind(Kind::Section),
        others: outline_changed,
    };
    (outlines, redo)
}

/// An entity without its body text: its fields as written, what the
/// pipeline read from them, its references and the targets of its links and
/// shortcodes. A body edit that leaves the links alone keeps it.
fn outline(graph: &Graph, i: EntityIdx) -> u64 {
    let e = &graph.entities[i];
    let mut h = hash::hasher();
    serde_json::to_string(&e.fields)
        .unwrap_or_default()
        .hash(&mut h);
    serde_json::to_string(&e.extra)
        .unwrap_or_default()
        .hash(&mut h);
    (
        &e.id,
        e.kind,
        &e.title,
        &e.url_path,
        e.draft,
        &e.summary,
        &e.tags,
        e.weight,
    )
        .hash(&mut h);
    for &x in &graph.outgoing[i] {
        let edge = &graph.edges[x];
        (edge.field, &graph.entities[edge.to].id).hash(&mut h);
    }
    for l in graph.links[i].iter().flatten() {
        (l.target.map(|t| &graph.entities[t].id), &l.anchor).hash(&mut h);
    }
    for call in &e.body.shortcodes {
        (&call.name, &call.args).hash(&mut h);
    }
    h.finish()
}

/// The files of a new build: fresh ones, and ones kept from the last build.
struct NewFiles<'a> {
    last: &'a Output,
    output: Output,
    /// Paths whose bytes differ from the last build's.
    changed: Vec<String>,
}

impl NewFiles<'_> {
    fn put(&mut self, path: String, body: Body) {
        let same = matches!(
            (&body, self.last.files.get(&path)),
            (Body::Bytes(new), Some(Body::Bytes(old))) if new == old
        );
        if !same {
            self.changed.push(path.clone());
        }
        self.output.files.insert(path, body);
    }

    fn put_all(&mut self, files: impl IntoIterator<Item = OutputFile>) {
        for f in files {
            let body = match f.contents {
                Contents::Bytes(b) => Body::Bytes(Arc::from(b)),
                Contents::Copy(o) => Body::Copy(o),
            };
            self.put(f.path, body);
        }
    }

    /// Keeps a file of the last build as it was.
    fn keep(&mut self, path: &str) {
        if let Some(b) = self.last.files.get(path) {
            self.output.files.insert(path.to_string(), b.clone());
        }
    }
}

/// What each entity's summary is made from: its own text and path, the ids
/// and titles of the policies it names, and for a measure the summaries of
/// its metrics (see `context::Shared::build`).
fn summary_keys(graph: &Graph, entity_hash: &[u64]) -> Vec<u64> {
    let first: Vec<u64> = (0..graph.entities.len())
        .into_par_iter()
        .map(|i| summary_key(graph, entity_hash, i, &[]))
        .collect();
    (0..graph.entities.len())
        .into_par_iter()
        .map(|i| match graph.entities[i].kind {
            Kind::Measure => summary_key(graph, entity_hash, i, &first),
            _ => first[i],
        })
        .collect()
}

/// The key of one entity's summary; `metrics` are its metrics' keys (a
/// measure's summary carries theirs).
fn summary_key(graph: &Graph, entity_hash: &[u64], i: EntityIdx, metrics: &[u64]) -> u64 {
    let e = &graph.entities[i];
    let mut h = hash::hasher();
    (entity_hash[i], &e.id, &e.url_path, &e.title).hash(&mut h);
    for &x in &graph.outgoing[i] {
        let edge = &graph.edges[x];
        let to = &graph.entities[edge.to];
        match edge.field {
            "policy" => ("policy", &to.id, &to.title).hash(&mut h),
            "metrics" => ("metrics", &to.id, metrics.get(edge.to)).hash(&mut h),
            _ => {}
        }
    }
    h.finish()
}

/// [`summary_keys`] for the graph of the last build with some entities'
/// text changed: the last keys, made again for those entities and for the
/// measures that carry a changed metric's summary.
fn updated_summary_keys(graph: &Graph, entity_hash: &[u64], last: &Published) -> Vec<u64> {
    let mut keys: Vec<u64> = last.summaries.iter().map(|(k, _)| *k).collect();
    let changed: Vec<EntityIdx> = (0..graph.entities.len())
        .filter(|&i| last.entity_hash.get(i) != Some(&entity_hash[i]))
        .collect();
    for &i in &changed {
        keys[i] = summary_key(graph, entity_hash, i, &[]);
    }
    let measures = changed.iter().flat_map(|&i| {
        std::iter::once(i).chain(graph.incoming[i].iter().map(|&x| graph.edges[x].from))
    });
    for m in measures.filter(|&m| graph.entities[m].kind == Kind::Measure) {
        keys[m] = summary_key(graph, entity_hash, m, &keys);
    }
    keys
}

fn lap(stage: &str, since: Instant) {
    if std::env::var_os("PINAKES_TIMINGS").is_some() {
        eprintln!(
            "{stage:>10}: {:>6.1} ms",
            since.elapsed().as_secs_f64() * 1000.0
        );
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

/// Globals a page reads through its own context (not through templates).
fn forced_globals(job: Job) -> &'static [&'static str] {
    match job {
        Job::Taxonomy(_) | Job::Term(..) => &["site.taxonomies"],
        _ => &[],
    }
}

/// What a page shows and reads; see the module docs.
fn page_deps(
    graph: &Graph,
    job: Job,
    path: &str,
    entity_hash: &[u64],
    hashes: &Map<SourceId, u64>,
) -> PageDeps {
    let mut h = hash::hasher();
    path.hash(&mut h);
    render::place(graph, job).1.hash(&mut h);
    let mut shows: Vec<EntityIdx> = Vec::new();
    let mut shortcodes: Vec<String> = Vec::new();
    // A body read in full: the targets of its prose links, and what its
    // shortcodes embed (the entity named by `id=`, read in full: a value of
    // any period may be shown) and the templates that render them.
    let body = |b: &parse::markdown::Body,
                links: &[Option<crate::graph::LinkTo>],
                shows: &mut Vec<EntityIdx>,
                shortcodes: &mut Vec<String>,
                h: &mut hash::Digest| {
        shows.extend(links.iter().flatten().filter_map(|l| l.target));
        for l in links {
            l.as_ref().map(|l| &l.anchor).hash(h);
        }
        for call in &b.shortcodes {
            (&call.name, &call.args).hash(h);
            shortcodes.push(render::shortcodes::template_name(&call.name));
            if let Some(&t) = call.arg("id").and_then(|id| graph.by_id.get(id)) {
                shows.push(t);
                entity_hash[t].hash(h);
            }
        }
    };
    let read = |i: EntityIdx,
                shows: &mut Vec<EntityIdx>,
                shortcodes: &mut Vec<String>,
                h: &mut hash::Digest| {
        entity_hash[i].hash(h);
        body(
            &graph.entities[i].body,
            &graph.links[i],
            shows,
            shortcodes,
            h,
        );
    };
    match job {
        Job::Home => {
            if let Some(home) = &graph.home {
                hashes.get(&home.source).hash(&mut h);
                body(
                    &home.body,
                    &graph.home_links,
                    &mut shows,
                    &mut shortcodes,
                    &mut h,
                );
            }
        }
        Job::NotFound | Job::Search | Job::Taxonomy(_) => {}
        Job::Graph(n) => {
            let (policies, orphans) = render::graph_page(graph, n);
            shows.extend(render::diagram::site_entities(graph, &policies, orphans));
        }
        Job::List(kind) => {
            let dir = format!("{}/", kind.folder());
            if let Some(intro) = graph
                .entities
                .iter()
                .position(|e| e.kind == Kind::Section && e.url_path == dir)
            {
                read(intro, &mut shows, &mut shortcodes, &mut h);
            }
            let items = context::sorted(graph, kind);
            if kind == Kind::Measure {
                // Measures are grouped under their policy's summary.
                for &m in &items {
                    shows.extend(edges_out(graph, m, "policy"));
                }
            }
            shows.extend(items);
        }
        Job::Entity(i) => {
            read(i, &mut shows, &mut shortcodes, &mut h);
            shows.push(i);
            for &x in &graph.outgoing[i] {
                let edge = &graph.edges[x];
                edge.field.hash(&mut h);
                shows.push(edge.to);
            }
            for &x in &graph.incoming[i] {
                let edge = &graph.edges[x];
                edge.field.hash(&mut h);
                shows.push(edge.from);
                if edge.field == "set_by" {
                    // The targets a metric sets for this entity are listed in full.
                    entity_hash[edge.from].hash(&mut h);
                }
                if edge.field == "metrics" {
                    shows.extend(edges_out(graph, edge.from, "policy"));
                }
            }
            shows.extend(graph.mentioned_by[i].iter().copied());
            if graph.entities[i].kind == Kind::Section {
                shows.extend(
                    (0..graph.entities.len()).filter(|&c| graph.entities[c].kind == Kind::Page),
                );
            }
        }
        Job::Term(t, term) => {
            shows.extend(graph.taxonomies[t].terms[term].entities.iter().copied());
        }
    }
    for &i in &shows {
        graph.entities[i].id.hash(&mut h);
    }
    shortcodes.sort();
    shortcodes.dedup();
    PageDeps {
        key: h.finish(),
        shows,
        shortcodes,
    }
}

fn edges_out<'a>(
    graph: &'a Graph,
    from: EntityIdx,
    field: &'a str,
) -> impl Iterator<Item = EntityIdx> + 'a {
    graph.outgoing[from]
        .iter()
        .map(|&x| &graph.edges[x])
        .filter(move |e| e.field == field)
        .map(|e| e.to)
}
