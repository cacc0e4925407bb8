//! The orchestrator: the stages of the pipeline, for every command.
//!
//! [`build`] (`build`, `check`) runs them once from an empty state and keeps
//! nothing: files go to a sink as they are made. [`Site`] (`serve`,
//! `build --watch`) keeps the site in memory between rebuilds. Both take the
//! same path; each part lives in its own module, by what it owns:
//!
//! ```text
//! cache     read-and-parse cache: sources, each file's parse, data/   (cache.rs)
//! linking   the graph, kept while edits leave it as it was            (linking.rs)
//! changes   what changed: entities' text, summaries, globals          (changes.rs)
//! record    what each page and summary read; input -> readers         (record.rs)
//! plan      the engine, every page, which to render again             (plan.rs,
//!                                                                      templates.rs)
//! publish   the published files, written once: in memory or to a sink (publish.rs)
//! ```
//!
//! A change re-reads and re-parses only the files it names, and re-renders
//! only the pages that read an input that changed. Each stage keeps of the
//! last good build what it needs to compare the next one with
//! ([`changes::Inputs`], [`plan::Kept`], [`publish::Files`]).
//!
//! The graph is linked again unless every re-parsed file gives `link` the
//! same input as before (see [`crate::graph::same_link_inputs`]): an edit
//! of body text that keeps its links, headings and shortcode calls. Then the
//! new entities take the old ones' places in the kept graph, and while the
//! graph is the same one the last good build's template engine, summaries,
//! globals, template scan and page list are kept too, once the changed
//! entities' summaries are found unchanged. So a body edit costs its own
//! page, whatever the size of the site.
//!
//! # What a page read
//!
//! Rendering a page records every input it reads (see
//! [`crate::render::reads`]): the context builders are given the page's
//! recorder, and template functions (`url`, `get_entity`, `term_url`,
//! `metric_value`, `metric_chart`) record into it as Tera calls them. An
//! input names what was read by entity id: an entity in full (its text),
//! its summary, its title, its dates, where its links go, the entities one
//! relation of it names or is named by, the versions of a policy, the
//! entities of a kind in list order, a taxonomy or term, the home page, a
//! template, or a part of the global values. The summaries are made the
//! same way and recorded too.
//!
//! [`record::Records`] keeps, for the last good build, each page's inputs
//! with the hash each had when read, and the pages that read each input. A
//! rebuild hashes again only the inputs that can have changed: all of them
//! when the site was linked again, else those of the entities whose text
//! changed, the summaries that came out different, the lists' order and
//! the home page. The pages that read an input whose hash moved are
//! rendered again, as are new pages and pages whose template is another.
//!
//! Two inputs are not seen by the recorder and are found by scanning
//! template text ([`templates::TemplateUse`]): the templates a template
//! reaches (extends, include, import), and the global values its text
//! mentions (`config`, `data`, `t`, and `site.<key>` per key of `site`; all
//! of `site` when it is used without a key), which Tera reads from its
//! global context. The base URL and link style come from `site.toml`, whose
//! change rebuilds everything.
//!
//! What did not change is kept rather than computed again: an entity's
//! summary while none of the inputs it read changed; and the data files of
//! entities whose page is not re-rendered: API entries, metric CSV/JSON,
//! and their text in the search index, which is patched (see
//! [`crate::search::LiveIndex`]). An entity's data files are made from what
//! its page reads, so they are redone with its page. The sitemap is written
//! when the set of pages changed. `tests/incremental.rs` and the property
//! test in `tests/incremental_random` check, byte for byte, that the result
//! equals a clean build after each kind of change.

mod cache;
mod changes;
mod filemap;
mod linking;
mod plan;
mod publish;
mod record;
mod templates;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::diag::Diagnostics;
use crate::graph::Graph;
use crate::hash::Set;
use crate::render::{Prepared, RenderOptions, Stats};
use crate::source::Sources;
use crate::{BuildOptions, BuildReport, write};
use cache::{Cache, Reach};
use changes::{Compared, Found, Inputs};
use linking::{Linked, Linker};
use publish::{Dest, Files, Publish};
use record::Made;

pub use filemap::FileMap;
pub use publish::{Body, Output};

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
    /// Whether the whole site was linked again (a file added or removed, a
    /// template, data or config changed) rather than the edited entities
    /// swapped into the last build's graph.
    pub linked_again: bool,
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
        self.linked_again |= earlier.linked_again;
        self
    }

    /// True when only stylesheets changed: a browser can swap them in place.
    pub fn css_only(&self) -> bool {
        !self.changed.is_empty() && self.changed.iter().all(|p| p.ends_with(".css"))
    }
}

/// The last good build: what each stage kept of it for the next build.
#[derive(Default)]
struct Published {
    inputs: Inputs,
    pages: plan::Kept,
    files: Files,
    /// What `inputs` and `pages` are brought up to date from (see
    /// [`Site::settle`]): the build's output is served first.
    pending: Option<Pending>,
}

/// What a build read, not yet folded into the records of the last one.
struct Pending {
    found: Found,
    compared: Compared,
    plan: plan::Plan,
    /// What the pages rendered read.
    read: Vec<Made>,
    prepared: Arc<Prepared>,
    /// The summaries made, with what each read.
    made: crate::render::context::Made,
    generation: u64,
}

impl Published {
    /// Folds what the build read into the records, with the graph it was
    /// made from.
    fn settle(&mut self, graph: &Graph) {
        let Some(p) = self.pending.take() else {
            return;
        };
        let t = Instant::now();
        let uses = p.plan.uses();
        {
            let now = p.compared.now(graph, &p.found, &uses);
            let pages = std::mem::take(&mut self.pages);
            self.pages = pages.next(p.plan, &now, p.read, p.prepared.clone());
        }
        let summaries = &p.prepared.shared.summaries;
        let (found, compared) = (p.found, p.compared);
        let last = &mut self.inputs;
        let inputs = Inputs::next(
            graph,
            p.generation,
            (found, compared),
            (summaries, p.made),
            last,
        );
        self.inputs = inputs;
        lap("keep", t);
    }
}

/// Runs the pipeline once from an empty state and keeps nothing: `build`
/// and `check`. Pages go to the write stage's staging copy of the output
/// as they are rendered (nowhere for `check`); the copy is swapped in only
/// when the whole build succeeded.
pub fn build(opts: &BuildOptions) -> BuildReport {
    let start = Instant::now();
    let mut site = Site::new(opts.clone(), true);
    site.cache.release_content_text();
    let out = crate::output_dir(opts, &site.cache.loaded.config);
    let dest = if opts.check_only {
        Out::Nowhere
    } else {
        Out::Disk(&out)
    };
    let (report, written) = site.rebuild(&Set::default(), start, dest);
    let sources = site.cache.take_sources();
    let elapsed = start.elapsed();
    // A site is millions of small allocations: a program that exits after
    // the build does not wait for them (a tenth of a second at 50,000 pages).
    free_aside(site);
    BuildReport {
        sources,
        diagnostics: report.diagnostics,
        stats: report.stats,
        output: written.then_some(out),
        elapsed,
    }
}

/// Frees `t` on a thread of its own: what holds millions of small
/// allocations takes a while to free, and nothing waits for it. Without a
/// thread, here.
fn free_aside<T: Send + 'static>(t: T) {
    let _ = std::thread::Builder::new().spawn(move || drop(t));
}

/// Where a rebuild's output goes.
#[derive(Clone, Copy)]
enum Out<'a> {
    /// Kept in memory, with what the next rebuild compares with.
    Memory,
    /// Written to this output directory, atomically.
    Disk(&'a Path),
    /// Made and dropped (`check`).
    Nowhere,
}

/// The site in memory, rebuilt incrementally.
pub struct Site {
    opts: BuildOptions,
    cache: Cache,
    linker: Linker,
    last: Option<Published>,
    /// Paths changed since the last good build.
    untold: Set<PathBuf>,
    /// Whether a rebuild leaves the search index's patch to [`Site::settle`].
    search_later: bool,
}

impl Site {
    /// Loads, parses and renders the whole site.
    pub fn open(opts: BuildOptions) -> (Site, Rebuild) {
        let start = Instant::now();
        let mut site = Site::new(opts, false);
        let (report, _) = site.rebuild(&Set::default(), start, Out::Memory);
        (site, report)
    }

    /// Loads and parses the site, for one build (`one_shot`) or many.
    fn new(opts: BuildOptions, one_shot: bool) -> Site {
        Site {
            cache: Cache::open(opts.root.clone(), one_shot),
            opts,
            linker: Linker::default(),
            last: None,
            untold: Set::default(),
            search_later: false,
        }
    }

    /// The sources of the current state, for printing diagnostics.
    pub fn sources(&self) -> &Sources {
        &self.cache.loaded.sources
    }

    pub fn root(&self) -> PathBuf {
        self.opts.root.clone()
    }

    /// The output directory a `build --watch` writes to.
    pub fn output_dir(&self) -> PathBuf {
        crate::output_dir(&self.opts, &self.cache.loaded.config)
    }

    /// The last good build, if there was one.
    pub fn output(&self) -> Option<&Output> {
        self.last.as_ref().map(|p| &*p.files.output)
    }

    /// The last good build, shared (the server keeps it while rebuilding).
    pub fn shared_output(&self) -> Option<Arc<Output>> {
        self.last.as_ref().map(|p| p.files.output.clone())
    }

    /// Brings what the last good build read into the records the next
    /// rebuild plans from. A rebuild does it first when it is not done; a
    /// server does it once the new output is served, so the reload does
    /// not wait for it.
    ///
    /// With [`Site::search_later`], it also patches the search index with
    /// what the last rebuild changed; true when that changed the output.
    pub fn settle(&mut self) -> bool {
        match (&mut self.last, self.linker.current()) {
            (Some(last), Some(graph)) => {
                last.settle(graph);
                last.files.settle_search(graph)
            }
            _ => false,
        }
    }

    /// Has rebuilds leave the search index's patch to [`Site::settle`]:
    /// the new pages are ready first, and the output the old index until
    /// then. A server serves the pages, then settles and serves the index.
    pub fn search_later(&mut self) {
        self.search_later = true;
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
        let reach = reach.unwrap_or(Reach::Nothing);
        if reach == Reach::Everything {
            // Nothing of the last build holds but its output, to tell what changed.
            self.last = self.last.take().map(|p| Published {
                files: p.files.only_output(),
                ..Default::default()
            });
        }
        self.cache.apply(&rels, reach);
        // What failed builds were told still counts: the last good build
        // has not seen it.
        self.untold.extend(rels);
        let touched = self.untold.clone();
        let (report, _) = self.rebuild(&touched, start, Out::Memory);
        if report.ok() {
            self.untold.clear();
        }
        report
    }

    fn relative(&self, p: &Path) -> PathBuf {
        let root = &self.opts.root;
        cache::relative(
            root,
            &std::fs::canonicalize(root).unwrap_or(root.clone()),
            p,
        )
    }

    fn reach(&self, path: &Path) -> Reach {
        let out = self.output_dir();
        let previous = self.relative(&crate::write::previous_dir(&out));
        cache::reach(&self.relative(path), &self.relative(&out), &previous)
    }

    /// Links and renders what changed since the last good build, and
    /// publishes the result if it has no errors. True with the report when
    /// the output went to disk.
    fn rebuild(&mut self, touched: &Set<PathBuf>, start: Instant, out: Out) -> (Rebuild, bool) {
        self.settle();
        let mut diags = Diagnostics::default();
        diags.extend(self.cache.diagnostics().cloned());
        let t = Instant::now();
        let reparsed = self.cache.take_reparsed();
        let generation = self.linker.generation();
        let linked = self.linker.graph(&self.cache, reparsed, self.opts.drafts);
        let linked_again = linked.generation != generation;
        lap("link", t);
        diags.extend(linked.diags.iter().cloned());
        if self.opts.strict {
            diags.promote_warnings();
        }
        let staging = match out {
            Out::Disk(dir) if !diags.has_errors() => write::Staging::open(&self.opts.root, dir)
                .map_err(|d| diags.push(d))
                .ok(),
            _ => None,
        };
        let dest = match (&staging, out) {
            (_, Out::Memory) => Dest::Memory,
            (Some(staging), _) => Dest::Sink(staging),
            (None, _) => Dest::Nowhere,
        };
        let pass = Pass {
            opts: &self.opts,
            cache: &self.cache,
            linked,
            touched,
            dest,
            search_later: self.search_later,
        };
        let (stats, changed, rendered) = pass.run(&mut self.last, &mut diags);
        let written = finish(staging, &mut diags);
        diags.sort(&self.cache.loaded.sources);
        let report = Rebuild {
            diagnostics: diags,
            rendered,
            changed,
            stats,
            elapsed: start.elapsed(),
            linked_again,
        };
        (report, written)
    }
}

/// Swaps a staging copy in as the output, when the build has no errors.
fn finish(staging: Option<write::Staging>, diags: &mut Diagnostics) -> bool {
    let Some(staging) = staging.filter(|_| !diags.has_errors()) else {
        return false;
    };
    let t = Instant::now();
    let done = staging.finish().map_err(|d| diags.push(d)).is_ok();
    lap("swap", t);
    done
}

/// One pass from the graph to the published files.
struct Pass<'a> {
    opts: &'a BuildOptions,
    cache: &'a Cache,
    linked: &'a Linked,
    touched: &'a Set<PathBuf>,
    dest: Dest<'a>,
    /// Leave the search index's patch to [`Site::settle`].
    search_later: bool,
}

impl Pass<'_> {
    /// Renders the pages whose inputs changed (all of them when nothing is
    /// kept) and publishes them on success; what the next pass compares
    /// with becomes `last` when the output is kept in memory. Returns
    /// (stats, changed output paths, pages rendered).
    fn run(
        &self,
        last: &mut Option<Published>,
        diags: &mut Diagnostics,
    ) -> (Stats, Vec<String>, usize) {
        let failed = |rendered| (Stats::default(), Vec::new(), rendered);
        let Some(planned) = self.plan(last.as_ref(), diags) else {
            return failed(0);
        };
        if matches!(self.dest, Dest::Sink(_)) {
            // What making the summaries and the engine let go.
            crate::give_back_memory();
        }
        let t = Instant::now();
        let (graph, loaded) = (&self.linked.graph, &self.cache.loaded);
        let (prepared, sink) = (&planned.prepared, self.dest.sink());
        let (made, errors) = plan::render(graph, loaded, prepared, &planned.plan, sink);
        diags.extend(errors);
        if diags.has_errors() {
            return failed(made.count);
        }
        lap("render", t);
        let rendered = made.count;
        let (stats, changed) = self.publish(planned, (made.fresh, made.read), last, diags);
        (stats, changed, rendered)
    }

    /// The engine and the page plan: against the last good build when the
    /// output is kept, else everything. `None` when the templates cannot be
    /// used (errors are in `diags`).
    fn plan(&self, last: Option<&Published>, diags: &mut Diagnostics) -> Option<Planned> {
        let (graph, loaded) = (&self.linked.graph, &self.cache.loaded);
        let opts = RenderOptions {
            base_url: self.opts.base_url.clone(),
            discard: matches!(self.dest, Dest::Nowhere),
        };
        let keep = matches!(self.dest, Dest::Memory);
        let empty = Published::default();
        let prev = last.filter(|_| keep).unwrap_or(&empty);
        let hashes = &self.cache.hashes;
        let t = Instant::now();
        let found = if keep {
            let linked = (self.linked.generation, self.linked.structure);
            Found::find(graph, linked, hashes, &prev.inputs)
        } else {
            Found::nothing(graph)
        };
        lap("found", t);
        let before = (&prev.inputs, &prev.pages);
        let (engine, errors) = plan::engine(graph, loaded, &opts, &found, before, keep);
        diags.extend(errors);
        let (prepared, reused, made) = engine?;
        let t = Instant::now();
        let (compared, plan) = if keep {
            let made = (reused, &made);
            let compared = changes::compare(graph, &found, hashes, &prepared, made, &prev.inputs);
            lap("compare", t);
            let t = Instant::now();
            let plan = plan::plan(graph, loaded, &found, &compared, before);
            lap("plan", t);
            (Some(compared), plan)
        } else {
            (None, plan::Plan::everything(graph))
        };
        Some(Planned {
            found,
            prepared,
            made,
            compared,
            plan,
        })
    }

    /// Publishes the pages just rendered with the files beside them; keeps
    /// what the next pass compares with, when the output is kept in memory.
    fn publish(
        &self,
        planned: Planned,
        (fresh, read): (plan::Fresh, Vec<Made>),
        last: &mut Option<Published>,
        diags: &mut Diagnostics,
    ) -> (Stats, Vec<String>) {
        let t = Instant::now();
        let Planned {
            found,
            prepared,
            made,
            compared,
            plan,
        } = planned;
        let graph = &self.linked.graph;
        let (base_url, style) = (prepared.base_url().to_string(), prepared.style());
        // A pass that keeps nothing lets the engine and summaries go before
        // the data files are made, and their memory back to the system:
        // freed beside the publishing, they were resident while the search
        // index grew (50,000 pages: a peak of 459 MiB, against 402).
        let prepared = match (&compared, self.dest) {
            (Some(_), _) => Some(prepared),
            (None, Dest::Sink(_)) => {
                drop(prepared);
                crate::give_back_memory();
                None
            }
            // `check` makes no data files: nothing to make room for.
            (None, _) => {
                free_aside(prepared);
                None
            }
        };
        let mut old = last.take().unwrap_or_default();
        let publish = Publish {
            graph,
            aliases: &self.linked.aliases,
            loaded: &self.cache.loaded,
            base_url: &base_url,
            style,
            jobs: &plan.jobs,
            paths: &plan.paths,
            fresh,
            entity_dirty: &plan.entity_dirty,
            same_entities: old.inputs.shape == found.shape,
            same_pages: plan.same_pages,
            touched: self.touched,
            root: &self.opts.root,
            dest: self.dest,
            search_later: self.search_later,
            bodies: match compared {
                Some(_) => crate::search::Bodies::Keep,
                None => crate::search::Bodies::LetGo,
            },
        };
        let (done, errors) = publish.run(std::mem::take(&mut old.files));
        diags.extend(errors);
        let publish::Publication {
            files,
            stats,
            changed,
        } = done;
        lap("publish", t);
        if let (Some(compared), Some(prepared)) = (compared, prepared) {
            let pending = Pending {
                found,
                compared,
                plan,
                read,
                prepared,
                made,
                generation: self.linked.generation,
            };
            *last = Some(Published {
                inputs: std::mem::take(&mut old.inputs),
                pages: std::mem::take(&mut old.pages),
                files,
                pending: Some(pending),
            });
        }
        // What this build is done with (the build before, and with it the
        // engine when this one made its own) is freed on another thread:
        // many small frees need not delay the reload.
        rayon::spawn(move || drop(old));
        (stats, changed)
    }
}

/// A pass's engine and page plan, and what they were found from.
struct Planned {
    found: Found,
    prepared: Arc<Prepared>,
    /// The summaries made, with what each read.
    made: crate::render::context::Made,
    /// What changed against the last good build; `None` when nothing is kept.
    compared: Option<Compared>,
    plan: plan::Plan,
}

fn lap(stage: &str, since: Instant) {
    crate::lap(stage, since, String::new);
}
