//! Incremental builds: the site kept in memory between rebuilds.
//!
//! [`Site`] runs the stages of the pipeline over what it keeps, each part
//! in its own module, by what it owns:
//!
//! ```text
//! cache     read-and-parse cache: sources, each file's parse, data/   (cache.rs)
//! linking   the graph, kept while edits leave it as it was            (linking.rs)
//! changes   what changed: entities' text, summaries, globals          (changes.rs)
//! plan      the engine, every page, its deps, which to render again   (plan.rs, deps.rs,
//!                                                                      templates.rs)
//! publish   the output in memory, patched from the last build         (publish.rs)
//! ```
//!
//! A change re-reads and re-parses only the files it names, and re-renders
//! only the pages whose inputs differ from the last good build. Each stage
//! keeps of the last good build what it needs to compare the next one with
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
//! What did not change is kept rather than computed again: an entity's
//! summary while its key (its text, and the titles and summaries it carries
//! of the entities it names) is the same; the deps of pages nothing around
//! changed; and the data files of entities whose page is not re-rendered:
//! API entries, metric CSV/JSON, and their text in the search index, which
//! is patched (see [`crate::search::LiveIndex`]). The sitemap is written
//! when the set of pages changed.
//!
//! # What a page depends on
//!
//! Every page records its deps ([`deps::PageDeps`]), computed from the graph
//! of the new build and compared with what the last good build recorded:
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
//!   imports (see [`templates::TemplateUse`]). The page is re-rendered when
//!   the text of any of them changed, or when a global value they mention
//!   changed (`config`, `data`, `t`, and `site.<key>` per key of `site`).
//!
//! Where the rule cannot see what a page reads it assumes the worst: a
//! template that includes a computed name depends on every template; one that
//! mentions `site` without a key depends on all of `site`; one that calls
//! `url(id=…)`, or `get_entity(`, `metric_value(` or `metric_chart(` for an
//! entity other than the page's own, depends on every entity's text. A
//! shortcode in a body makes the page depend on the entity its `id=` names
//! (read in full) and on the shortcode's template, scanned by the same rules.
//! An entity's data files (API entry, metric files, search text) are made
//! from what its page reads, so they are redone with its page.
//! `tests/incremental.rs` checks, byte for byte, that the result equals a
//! clean build after each kind of change, and after a row of changes.

mod cache;
mod changes;
mod deps;
mod linking;
mod plan;
mod publish;
mod templates;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::BuildOptions;
use crate::diag::Diagnostics;
use crate::hash::Set;
use crate::render::{RenderOptions, Stats};
use crate::source::Sources;
use cache::{Cache, Reach};
use changes::{Found, Inputs};
use linking::{Linked, Linker};
use publish::{Files, Publish};

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

/// The last good build: what each stage kept of it for the next build.
#[derive(Default)]
struct Published {
    inputs: Inputs,
    pages: plan::Kept,
    files: Files,
}

/// The site in memory, rebuilt incrementally.
pub struct Site {
    opts: BuildOptions,
    cache: Cache,
    linker: Linker,
    last: Option<Published>,
    /// Paths changed since the last good build.
    untold: Set<PathBuf>,
}

impl Site {
    /// Loads, parses and renders the whole site.
    pub fn open(opts: BuildOptions) -> (Site, Rebuild) {
        let start = Instant::now();
        let mut site = Site {
            cache: Cache::open(opts.root.clone()),
            opts,
            linker: Linker::default(),
            last: None,
            untold: Set::default(),
        };
        let report = site.rebuild(&Set::default(), start);
        (site, report)
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
        let report = self.rebuild(&touched, start);
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
    /// publishes the result if it has no errors.
    fn rebuild(&mut self, touched: &Set<PathBuf>, start: Instant) -> Rebuild {
        let mut diags = Diagnostics::default();
        diags.extend(self.cache.diagnostics().cloned());
        let t = Instant::now();
        let reparsed = self.cache.take_reparsed();
        let linked = self.linker.graph(&self.cache, reparsed, self.opts.drafts);
        lap("link", t);
        diags.extend(linked.diags.iter().cloned());
        let pass = Pass {
            opts: &self.opts,
            cache: &self.cache,
            linked,
            touched,
        };
        let (stats, changed, rendered) = pass.run(&mut self.last, &mut diags);
        diags.sort(&self.cache.loaded.sources);
        Rebuild {
            diagnostics: diags,
            rendered,
            changed,
            stats,
            elapsed: start.elapsed(),
        }
    }
}

/// One pass from the graph to the published files.
struct Pass<'a> {
    opts: &'a BuildOptions,
    cache: &'a Cache,
    linked: &'a Linked,
    touched: &'a Set<PathBuf>,
}

impl Pass<'_> {
    /// Renders the pages whose inputs changed; publishes on success, as the
    /// new `last`. Returns (stats, changed output paths, pages rendered).
    fn run(
        &self,
        last: &mut Option<Published>,
        diags: &mut Diagnostics,
    ) -> (Stats, Vec<String>, usize) {
        let failed = |rendered| (Stats::default(), Vec::new(), rendered);
        let (graph, loaded) = (&self.linked.graph, &self.cache.loaded);
        let opts = RenderOptions {
            base_url: self.opts.base_url.clone(),
        };
        // The deps of pages that cannot have changed are kept: taken out
        // here, so after a failed build all are computed again.
        let kept_deps = last
            .as_mut()
            .map(|l| l.pages.take_deps())
            .unwrap_or_default();
        let empty = Published::default();
        let prev = last.as_ref().unwrap_or(&empty);
        let found = Found::find(
            graph,
            self.linked.generation,
            &self.cache.hashes,
            &prev.inputs,
        );
        let before = (&prev.inputs, &prev.pages);
        let Some((prepared, reused)) = plan::engine(graph, loaded, &opts, &found, before, diags)
        else {
            return failed(0);
        };
        if diags.has_errors() {
            return failed(0);
        }
        let t = Instant::now();
        let hashes = &self.cache.hashes;
        let compared = changes::compare(graph, &found, hashes, &prepared, reused, &prev.inputs);
        let plan = plan::plan(graph, loaded, hashes, &found, &compared, before, kept_deps);
        lap("plan", t);
        let t = Instant::now();
        let fresh = match plan::render(graph, loaded, &prepared, &plan, diags) {
            Ok(fresh) => fresh,
            Err(rendered) => return failed(rendered),
        };
        let rendered = fresh.len();
        // Feeds and alias redirects: made again (they are small) and
        // written when their bytes changed; an alias may clash with a page.
        let (readers, reader_diags) = prepared.reader_files(graph, &loaded.config, &plan.paths);
        diags.extend(reader_diags);
        if diags.has_errors() {
            return failed(rendered);
        }
        lap("render", t);
        let t = Instant::now();
        let mut old = last.take().unwrap_or_default();
        let publish = Publish {
            graph,
            loaded,
            prepared: &prepared,
            jobs: &plan.jobs,
            paths: &plan.paths,
            fresh,
            readers,
            entity_dirty: &plan.entity_dirty,
            same_entities: old.inputs.shape == found.shape,
            touched: self.touched,
            root: &self.opts.root,
        };
        let (files, stats, changed) = publish.run(std::mem::take(&mut old.files));
        lap("publish", t);
        let generation = self.linked.generation;
        let summaries = &prepared.shared.summaries;
        let inputs = Inputs::next(
            graph,
            generation,
            found,
            compared,
            summaries,
            &mut old.inputs,
        );
        let pages = plan::Kept::next(plan, prepared.clone(), graph.entities.len());
        *last = Some(Published {
            inputs,
            pages,
            files,
        });
        // What this build is done with (the build before, and with it the
        // engine when this one made its own) is freed on another thread:
        // many small frees need not delay the reload.
        rayon::spawn(move || drop(old));
        (stats, changed, rendered)
    }
}

fn lap(stage: &str, since: Instant) {
    if std::env::var_os("PINAKES_TIMINGS").is_some() {
        eprintln!(
            "{stage:>10}: {:>6.1} ms",
            since.elapsed().as_secs_f64() * 1000.0
        );
    }
}
