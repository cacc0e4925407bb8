//! The page plan: the engine pages are rendered with, every page of the
//! site, what each page depends on, and which pages to render again.
//! See the rules in the parent module's docs.

use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use super::changes::{Compared, Found, Inputs};
use super::deps::{self, KeptDeps, PageDeps, Redo};
use super::lap;
use super::templates::TemplateUse;
use crate::diag::{Diagnostic, Diagnostics};
use crate::graph::Graph;
use crate::hash::Map;
use crate::load::Loaded;
use crate::output::{Contents, OutputFile};
use crate::render::{self, Job, Prepared, RenderOptions, Sink, context};
use crate::source::SourceId;

/// What the last good build kept of its pages for the next one.
#[derive(Default)]
pub(super) struct Kept {
    /// The key of each page's deps, by output path.
    keys: Map<String, u64>,
    /// The deps of the pages; taken by the next build, so after a failed
    /// build all are computed again.
    deps: KeptDeps,
    /// Each entity's outline (see [`deps::outline`]), by index.
    outlines: Vec<u64>,
    /// What the pages were rendered with, the template scan, and the pages:
    /// the same for the next build while its graph is the same one.
    prepared: Option<Arc<Prepared>>,
    uses: Arc<Map<String, TemplateUse>>,
    jobs: Arc<Vec<Job>>,
    paths: Arc<Vec<String>>,
}

impl Kept {
    /// The deps of the last build's pages, taken out.
    pub(super) fn take_deps(&mut self) -> KeptDeps {
        std::mem::take(&mut self.deps)
    }
}

/// The pages of a new build and which of them to render.
pub(super) struct Plan {
    pub(super) jobs: Arc<Vec<Job>>,
    pub(super) paths: Arc<Vec<String>>,
    uses: Arc<Map<String, TemplateUse>>,
    deps: Vec<PageDeps>,
    outlines: Vec<u64>,
    /// Pages to render, by job.
    pub(super) dirty: Vec<bool>,
    /// Entities whose data files (API entry, metric files, search text) are
    /// made again: those whose page is rendered, and those without a page
    /// of their own (a list's intro).
    pub(super) entity_dirty: Vec<bool>,
}

/// The engine and summaries to render with: the last build's while its
/// graph is the same and the changed entities' summaries come out as they
/// were, else new ones (keeping the summaries whose key held). `None` when
/// the templates cannot be used (errors are in `diags`); the flag tells
/// whether the last build's engine was kept.
pub(super) fn engine(
    graph: &Graph,
    loaded: &Loaded,
    opts: &RenderOptions,
    found: &Found,
    last: (&Inputs, &Kept),
    diags: &mut Diagnostics,
) -> Option<(Arc<Prepared>, bool)> {
    let (inputs, kept) = last;
    let style = render::link_style(&loaded.config);
    let reuse = kept.prepared.clone().filter(|p| {
        found.same_graph
            && (0..graph.entities.len())
                .filter(|&i| !found.kept[i])
                .all(|i| {
                    let fresh = context::Shared::summary_of(graph, i, style, |t| {
                        p.shared.summaries[t].clone()
                    });
                    fresh == p.shared.summaries[i]
                })
    });
    if let Some(p) = reuse {
        return Some((p, true));
    }
    let t = Instant::now();
    let shared = context::Shared::build_with(graph, &loaded.config, style, |i| {
        found.kept[i].then(|| found.previous(inputs, i).expect("kept").1.clone())
    });
    lap("summaries", t);
    let t = Instant::now();
    let prepared = Prepared::with_shared(graph, loaded, opts, shared, diags);
    lap("prepare", t);
    Some((Arc::new(prepared?), false))
}

impl Plan {
    /// Every page, all to be rendered, with no deps: a pass that keeps
    /// nothing for the next one.
    pub(super) fn everything(graph: &Graph) -> Plan {
        let jobs = render::jobs(graph);
        let paths = jobs.iter().map(|&j| render::page_file(graph, j)).collect();
        Plan {
            dirty: vec![true; jobs.len()],
            entity_dirty: vec![true; graph.entities.len()],
            jobs: Arc::new(jobs),
            paths: Arc::new(paths),
            uses: Arc::default(),
            deps: Vec::new(),
            outlines: Vec::new(),
        }
    }
}

/// Plans the pages of a build: their deps (kept where nothing around them
/// changed) and whether each must be rendered again.
pub(super) fn plan(
    graph: &Graph,
    loaded: &Loaded,
    hashes: &Map<SourceId, u64>,
    found: &Found,
    compared: &Compared,
    last: (&Inputs, &Kept),
    mut kept_deps: KeptDeps,
) -> Plan {
    let (inputs, kept) = last;
    let (uses, jobs, paths) = if found.same_graph {
        (kept.uses.clone(), kept.jobs.clone(), kept.paths.clone())
    } else {
        let jobs = render::jobs(graph);
        let paths = jobs.iter().map(|&j| render::page_file(graph, j)).collect();
        let uses = TemplateUse::all(loaded);
        (Arc::new(uses), Arc::new(jobs), Arc::new(paths))
    };
    let last_outlines = (inputs.shape == found.shape).then_some(&kept.outlines[..]);
    let (outlines, redo) = deps::redo(graph, &found.entity_hash, inputs, last_outlines, &kept_deps);
    let deps = page_deps(&jobs, &paths, &redo, &mut kept_deps, |job, path| {
        deps::page_deps(graph, job, path, &found.entity_hash, hashes)
    });
    let dirty: Vec<bool> = jobs
        .iter()
        .zip(paths.iter())
        .zip(&deps)
        .map(|((&job, path), d)| is_dirty(graph, job, path, d, &uses, compared, kept))
        .collect();
    let mut entity_dirty = vec![true; graph.entities.len()];
    for (&job, &d) in jobs.iter().zip(&dirty) {
        if let Job::Entity(i) = job {
            entity_dirty[i] = d;
        }
    }
    Plan {
        jobs,
        paths,
        uses,
        deps,
        outlines,
        dirty,
        entity_dirty,
    }
}

/// The deps of every page: kept ones where `redo` allows, else made by `make`.
fn page_deps(
    jobs: &[Job],
    paths: &[String],
    redo: &Redo,
    kept: &mut KeptDeps,
    make: impl Fn(Job, &str) -> PageDeps + Sync,
) -> Vec<PageDeps> {
    let keep = |job: Job, path: &str| {
        let allowed = match job {
            Job::Entity(i) | Job::Changes(i) => !redo.entities[i],
            Job::List(_) => !redo.lists,
            Job::Home => false,
            _ => !redo.others,
        };
        allowed && kept.has(job, path)
    };
    let made: Vec<Option<PageDeps>> = jobs
        .par_iter()
        .zip(paths.par_iter())
        .map(|(&job, path)| (!keep(job, path)).then(|| make(job, path)))
        .collect();
    jobs.iter()
        .zip(paths)
        .zip(made)
        .map(|((&job, path), d)| d.unwrap_or_else(|| kept.take(job, path)))
        .collect()
}

/// Whether a page must be rendered again: a template it uses changed (or a
/// global one of them reads), its own inputs changed, or an entity it shows
/// has a new summary.
fn is_dirty(
    graph: &Graph,
    job: Job,
    path: &str,
    d: &PageDeps,
    uses: &Map<String, TemplateUse>,
    compared: &Compared,
    last: &Kept,
) -> bool {
    let template = render::place(graph, job).1;
    // The page's template and the shortcode templates its bodies call.
    let templates = std::iter::once(template).chain(d.shortcodes.iter().map(String::as_str));
    let mut any_entity = false;
    for name in templates {
        let Some(u) = uses.get(name) else {
            return true;
        };
        if last.uses.get(name).map(|l| l.hash) != Some(u.hash)
            || u.globals(&compared.changed_globals)
        {
            return true;
        }
        any_entity |= u.any_entity;
    }
    last.keys.get(path).is_none_or(|&k| k != d.key)
        || deps::forced_globals(job)
            .iter()
            .any(|g| compared.changed_globals.contains(*g))
        || (any_entity && compared.any_entity_changed)
        || d.shows.iter().any(|&i| compared.changed_summary[i])
}

/// Pages rendered and kept in memory, by job.
pub(super) type Fresh = Map<usize, Arc<[u8]>>;

/// One page rendered: its bytes when they are kept in memory.
type Rendered = Result<Option<Arc<[u8]>>, Vec<Diagnostic>>;

/// Renders the pages the plan marks, handing each to `sink` as it is made
/// when there is one. Returns the pages not given to a sink, by job, and
/// the number of pages rendered; `Err` with that number when one failed
/// (errors are in `diags`).
pub(super) fn render(
    graph: &Graph,
    loaded: &Loaded,
    prepared: &Prepared,
    plan: &Plan,
    sink: Option<&dyn Sink>,
    diags: &mut Diagnostics,
) -> Result<(Fresh, usize), usize> {
    let pages = prepared.pages(graph, loaded);
    let results: Vec<(usize, Rendered)> = (0..plan.jobs.len())
        .into_par_iter()
        .filter(|&i| plan.dirty[i])
        .map(|i| {
            let (path, html) = pages.render(plan.jobs[i]);
            let page = html.and_then(|html| match sink {
                Some(sink) => {
                    let contents = Contents::Bytes(html);
                    sink.put(OutputFile { path, contents })
                        .map(|()| None)
                        .map_err(|d| vec![d])
                }
                None => Ok(Some(Arc::from(html))),
            });
            (i, page)
        })
        .collect();
    let rendered = results.len();
    let mut errors = Vec::new();
    let mut fresh = Fresh::default();
    for (i, r) in results {
        match r {
            Ok(Some(html)) => {
                fresh.insert(i, html);
            }
            Ok(None) => {}
            Err(ds) => errors.extend(ds),
        }
    }
    diags.extend(render::dedup_errors(errors));
    if diags.has_errors() {
        return Err(rendered);
    }
    Ok((fresh, rendered))
}

impl Kept {
    /// What a good build keeps of its pages for the next one.
    pub(super) fn next(plan: Plan, prepared: Arc<Prepared>, n_entities: usize) -> Kept {
        let mut deps = KeptDeps::with_entities(n_entities);
        let mut keys = crate::hash::map_with_capacity(plan.paths.len());
        for ((&job, path), d) in plan.jobs.iter().zip(plan.paths.iter()).zip(plan.deps) {
            keys.insert(path.clone(), d.key);
            deps.put(job, path, d);
        }
        Kept {
            keys,
            deps,
            outlines: plan.outlines,
            prepared: Some(prepared),
            uses: plan.uses,
            jobs: plan.jobs,
            paths: plan.paths,
        }
    }
}
