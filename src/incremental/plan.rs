//! The page plan: the engine pages are rendered with, every page of the
//! site, and which pages to render again: those that read an input that
//! changed (see [`super::record`]).

use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use super::changes::{Compared, Found, Inputs};
use super::lap;
use super::record::{Made, Now, Records};
use super::templates::TemplateUse;
use crate::diag::Diagnostic;
use crate::graph::Graph;
use crate::hash::Map;
use crate::load::Loaded;
use crate::output::{Contents, OutputFile};
use crate::render::{self, Input, Job, Prepared, RenderOptions, Sink, context};

/// What the last good build kept of its pages for the next one.
#[derive(Default)]
pub(super) struct Kept {
    /// What each page read.
    records: Records,
    /// What the pages were rendered with, the template scan, and the pages:
    /// the same for the next build while its graph is the same one.
    prepared: Option<Arc<Prepared>>,
    uses: Arc<Map<String, TemplateUse>>,
    /// The hash of the templates' text the scan was made from.
    uses_key: u64,
    jobs: Arc<Vec<Job>>,
    paths: Arc<Vec<String>>,
}

/// The pages of a new build and which of them to render.
pub(super) struct Plan {
    pub(super) jobs: Arc<Vec<Job>>,
    pub(super) paths: Arc<Vec<String>>,
    uses: Arc<Map<String, TemplateUse>>,
    uses_key: u64,
    /// Whether the pages are the last build's (else records of pages no
    /// longer there are dropped).
    pub(super) same_pages: bool,
    /// Inputs whose hash moved, with the new one.
    moved: Vec<(Input, u64)>,
    /// Pages to render, by job.
    pub(super) dirty: Vec<bool>,
    /// Entities whose data files (API entry, metric files, search text) are
    /// made again: those whose page is rendered, and those without a page
    /// of their own (a list's intro).
    pub(super) entity_dirty: Vec<bool>,
}

/// The engine to render with, whether it is the last build's, and the
/// summaries made with what each read.
pub(super) type Engine = (Arc<Prepared>, bool, context::Made);

/// The engine and summaries to render with: the last build's while its
/// graph is the same and the changed entities' summaries come out as they
/// were, else new ones (keeping the summaries whose key held; what they
/// read recorded when `record`). `None` when the templates cannot be used;
/// with the problems found in them.
pub(super) fn engine(
    graph: &Graph,
    loaded: &Loaded,
    opts: &RenderOptions,
    found: &Found,
    last: (&Inputs, &Kept),
    record: bool,
) -> (Option<Engine>, Vec<Diagnostic>) {
    let (inputs, kept) = last;
    let style = render::link_style(&loaded.config);
    let reuse = kept.prepared.clone().filter(|p| {
        let same = |i: usize| {
            let reads = render::Reads::new(graph);
            let old = |t: usize| p.shared.summaries[t].clone();
            context::Shared::summary_of(graph, &reads, i, style, old) == p.shared.summaries[i]
        };
        found.same_graph
            && (0..graph.entities.len())
                .filter(|&i| !found.kept[i])
                .all(same)
    });
    if let Some(p) = reuse {
        return (Some((p, true, Vec::new())), Vec::new());
    }
    let t = Instant::now();
    let keep = |i: usize| {
        found.kept[i]
            .then(|| found.previous(inputs, i).cloned())
            .flatten()
    };
    let stale =
        |summaries: &[_], made: &[bool]| found.stale_measures(graph, inputs, (summaries, made));
    let (shared, made) =
        context::Shared::build_with(graph, &loaded.config, style, &keep, &stale, record);
    lap("summaries", t);
    let t = Instant::now();
    let (prepared, diags) = Prepared::with_shared(graph, loaded, opts, shared);
    lap("prepare", t);
    (prepared.map(|p| (Arc::new(p), false, made)), diags)
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
            uses_key: 0,
            same_pages: false,
            moved: Vec::new(),
        }
    }
}

/// Plans the pages of a build: which must be rendered again, from what
/// the last good build's pages read.
pub(super) fn plan(
    graph: &Graph,
    loaded: &Loaded,
    found: &Found,
    compared: &Compared,
    last: (&Inputs, &Kept),
) -> Plan {
    let (inputs, kept) = last;
    let (jobs, paths) = if found.same_graph {
        (kept.jobs.clone(), kept.paths.clone())
    } else {
        let jobs = render::jobs(graph);
        let paths = jobs.iter().map(|&j| render::page_file(graph, j)).collect();
        (Arc::new(jobs), Arc::new(paths))
    };
    // The template scan holds while the templates' text does.
    let uses_key = TemplateUse::key(loaded);
    let uses = match uses_key == kept.uses_key && !kept.uses.is_empty() {
        true => kept.uses.clone(),
        false => Arc::new(TemplateUse::all(loaded)),
    };
    let templates: Vec<&String> = uses.keys().collect();
    let candidates = found.candidates(graph, inputs, &compared.changed_summary, &templates);
    let now = compared.now(graph, found, &uses);
    let moved = kept.records.moved(&now, candidates);
    let read_changed = kept.records.readers(&moved);
    // Pages not recorded, or recorded with another template, are new.
    let dirty: Vec<bool> = jobs
        .par_iter()
        .zip(paths.par_iter())
        .map(|(&job, path)| {
            kept.records.tag(path) != Some(render::template(graph, job))
                || read_changed.contains(path.as_str())
        })
        .collect();
    if crate::timings() {
        let n = dirty.iter().filter(|&&d| d).count();
        eprintln!(
            "{:>10}: {} inputs changed, {n} pages to render",
            "plan",
            moved.len()
        );
        if std::env::var_os("PINAKES_DEBUG_READS").is_some() {
            for (input, _) in &moved {
                let r = kept.records.readers(&[(input.clone(), 0)]).len();
                eprintln!("  {input:?}: {r}");
            }
        }
    }
    let mut entity_dirty = vec![true; graph.entities.len()];
    for (&job, &d) in jobs.iter().zip(&dirty) {
        if let Job::Entity(i) = job {
            entity_dirty[i] = d;
        }
    }
    Plan {
        same_pages: found.same_graph,
        jobs,
        paths,
        uses,
        uses_key,
        moved,
        dirty,
        entity_dirty,
    }
}

/// Pages rendered and kept in memory, by job.
pub(super) type Fresh = Map<usize, Arc<[u8]>>;

/// One page rendered: its bytes and what it read when they are kept in
/// memory.
type Done = Result<Option<(Arc<[u8]>, Vec<Input>)>, Vec<Diagnostic>>;

/// What the render stage made: the pages not given to a sink, by job, with
/// what they read, and how many pages were rendered.
pub(super) struct Rendered {
    pub(super) fresh: Fresh,
    pub(super) read: Vec<Made>,
    pub(super) count: usize,
}

/// The render stage: renders the pages the plan marks, handing each to
/// `sink` as it is made when there is one; returns them with the errors of
/// rendering (and of storing them in the sink).
pub(super) fn render(
    graph: &Graph,
    loaded: &Loaded,
    prepared: &Prepared,
    plan: &Plan,
    sink: Option<&dyn Sink>,
) -> (Rendered, Vec<Diagnostic>) {
    let pages = prepared.pages(graph, loaded);
    let mut results: Vec<(usize, Done)> = render::long_first(&plan.jobs)
        .into_par_iter()
        // Pieces of a few pages, so that a thread done early takes work
        // from one still busy up to the end, not from a last piece of
        // hundreds.
        .with_max_len(8)
        .filter(|&i| plan.dirty[i])
        .map(|i| {
            // A page handed to a sink is not kept, nor is what it read.
            let page = pages.render(plan.jobs[i], sink.is_none());
            let (path, inputs) = (page.path, page.inputs);
            let done = page.html.and_then(|html| match sink {
                Some(sink) => {
                    let contents = Contents::Bytes(html);
                    sink.put(OutputFile { path, contents })
                        .map(|()| None)
                        .map_err(|d| vec![d])
                }
                None => Ok(Some((Arc::from(html), inputs))),
            });
            (i, done)
        })
        .collect();
    results.sort_unstable_by_key(|&(i, _)| i);
    let mut made = Rendered {
        fresh: Fresh::default(),
        read: Vec::new(),
        count: results.len(),
    };
    let mut errors = Vec::new();
    for (i, r) in results {
        match r {
            Ok(Some((html, inputs))) => {
                made.fresh.insert(i, html);
                made.read.push(Made {
                    key: plan.paths[i].clone(),
                    tag: render::template(graph, plan.jobs[i]),
                    inputs,
                });
            }
            Ok(None) => {}
            Err(ds) => errors.extend(ds),
        }
    }
    (made, render::dedup_errors(errors))
}

impl Kept {
    /// What a good build keeps of its pages for the next one: the last
    /// records, with what the pages just rendered read.
    pub(super) fn next(
        mut self,
        plan: Plan,
        now: &Now,
        rendered: Vec<Made>,
        prepared: Arc<Prepared>,
    ) -> Kept {
        let keep = (!plan.same_pages).then(|| plan.paths.iter().map(String::as_str).collect());
        self.records.update(now, plan.moved, rendered, keep);
        // An engine let go is freed on another thread: its many small
        // frees need not delay the reload.
        let before = self.prepared.take();
        rayon::spawn(move || drop(before));
        Kept {
            records: self.records,
            prepared: Some(prepared),
            uses: plan.uses,
            uses_key: plan.uses_key,
            jobs: plan.jobs,
            paths: plan.paths,
        }
    }
}

impl Plan {
    /// The template scan the pages were planned with.
    pub(super) fn uses(&self) -> Arc<Map<String, TemplateUse>> {
        self.uses.clone()
    }
}
