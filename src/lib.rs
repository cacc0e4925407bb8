//! pinakes: a static site and knowledge-base generator for policy tracking.
//!
//! The pipeline runs one way, each stage a module with its own output type:
//!
//! ```text
//! load    walk the site                -> Loaded   (sources, config, templates)
//! parse   front matter, YAML, Markdown -> Parsed   (entities with spans)
//! link    references, links, headings  -> Graph    (edges, backlinks, taxonomies)
//! render  Tera over the graph          -> pages, handed one by one to
//! write   output dir, atomically       -> public/  (a staging copy, swapped in)
//! ```
//!
//! Only `load` and `write` touch the disk; `render` hands each page to a
//! [`render::Sink`] as soon as it is made, so pages are not all held in memory. Diagnostics are collected by every
//! stage and never thrown; their severity decides the exit code.

// Diagnostics are rich on purpose (spans, hint, notes); they travel by value.
#![allow(clippy::result_large_err)]

pub mod aliases;
pub mod api;
pub mod config;
pub mod decode;
pub mod diag;
pub mod feed;
pub mod graph;
pub mod hash;
pub mod history;
pub mod incremental;
pub mod load;
pub mod metrics;
pub mod new;
pub mod output;
pub mod parse;
pub mod placeholder;
pub mod render;
pub mod search;
pub mod serve;
pub mod source;
pub mod url;
pub mod write;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use diag::{Diagnostic, Diagnostics};
use source::Sources;

/// What a build or check is asked to do.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Output directory; default: `output_dir` of site.toml under the root.
    pub output: Option<PathBuf>,
    pub base_url: Option<String>,
    pub drafts: bool,
    /// Warnings count as errors.
    pub strict: bool,
    /// Run every stage but do not write.
    pub check_only: bool,
}

/// The result of a run: what was produced and what was found.
#[derive(Debug)]
pub struct BuildReport {
    pub sources: Sources,
    pub diagnostics: Diagnostics,
    pub stats: render::Stats,
    /// Where the site was written, if it was.
    pub output: Option<PathBuf>,
    pub elapsed: Duration,
}

impl BuildReport {
    pub fn ok(&self) -> bool {
        !self.diagnostics.has_errors()
    }

    /// "built 6 policies, 14 measures, 22 metrics, 3 pages (48 files) in 35 ms".
    pub fn summary_line(&self) -> String {
        let kinds = parse::Kind::ALL.map(|k| (k.plural(), k.as_str()));
        let parts: Vec<String> = kinds
            .iter()
            .chain([&("taxonomy pages", "taxonomy page")])
            .filter_map(|(plural, one)| {
                let n = *self.stats.by_kind.get(plural)?;
                Some(format!("{n} {}", if n == 1 { one } else { plural }))
            })
            .collect();
        let verb = if self.output.is_some() {
            "built"
        } else {
            "checked"
        };
        format!(
            "{verb} {} ({} pages) in {} ms",
            parts.join(", "),
            self.stats.pages,
            self.elapsed.as_millis()
        )
    }
}

/// Runs the whole pipeline.
pub fn build(opts: &BuildOptions) -> BuildReport {
    let start = Instant::now();
    let mut diags = Diagnostics::default();
    let mut raw: Vec<Diagnostic> = Vec::new();
    let mut timings = Timings::new();
    let loaded = load::load(&opts.root, &mut raw);
    timings.lap("load");
    let parsed = parse::parse(&loaded, &loaded.config, opts.drafts, &mut raw);
    timings.lap("parse");
    diags.extend(raw);
    let graph = graph::link(parsed, &loaded.config, &mut diags);
    timings.lap("link");
    if opts.strict {
        diags.promote_warnings();
    }
    // Pages go to the staging copy of the output as they are rendered; the
    // live output is replaced only if the whole build succeeds.
    let out = output_dir(opts, &loaded.config);
    let staging = if opts.check_only || diags.has_errors() {
        None
    } else {
        write::Staging::open(&opts.root, &out)
            .map_err(|d| diags.push(d))
            .ok()
    };
    let sink: &dyn render::Sink = match &staging {
        Some(s) => s,
        None => &render::Discard,
    };
    let render_opts = render::RenderOptions {
        base_url: opts.base_url.clone(),
    };
    let stats = render::render(&graph, &loaded, &render_opts, sink, &mut diags);
    timings.lap("render+write");
    // The data files, redirects and search index hold nothing that can be
    // wrong but their writing: a check, or a build that has failed, skips them.
    if staging.is_some() {
        let style = render::link_style(&loaded.config);
        for file in data_files(&graph) {
            if let Err(d) = sink.put(file) {
                diags.push(d);
            }
        }
        diags.extend(search::put_files(&graph, style, sink));
    }
    timings.lap("data");
    if opts.strict {
        diags.promote_warnings();
    }
    let mut output = None;
    if let Some(staging) = staging.filter(|_| !diags.has_errors()) {
        match staging.finish() {
            Ok(_) => output = Some(out),
            Err(d) => diags.push(d),
        }
        timings.lap("swap");
    }
    let sources = loaded.sources;
    diags.sort(&sources);
    BuildReport {
        sources,
        diagnostics: diags,
        stats,
        output,
        elapsed: start.elapsed(),
    }
}

/// The data files beside the pages, one producer per module:
/// `api/index.json`, the metrics' CSV and JSON. (The search index goes
/// straight to the sink: [`search::put_files`].)
pub fn data_files(graph: &graph::Graph) -> Vec<output::OutputFile> {
    let mut files = api::files(graph);
    files.extend(metrics::files(graph));
    files
}

/// Stage times, printed to stderr when `PINAKES_TIMINGS` is set.
struct Timings {
    enabled: bool,
    last: Instant,
}

impl Timings {
    fn new() -> Self {
        Timings {
            enabled: std::env::var_os("PINAKES_TIMINGS").is_some(),
            last: Instant::now(),
        }
    }

    fn lap(&mut self, stage: &str) {
        if self.enabled {
            eprintln!(
                "{stage:>8}: {:>6.1} ms, peak {} MiB",
                self.last.elapsed().as_secs_f64() * 1000.0,
                peak_rss_mib().map_or("?".into(), |m| m.to_string())
            );
        }
        self.last = Instant::now();
    }
}

/// The process's peak resident memory so far (Linux; `None` elsewhere).
pub(crate) fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// The output directory: `--output`, else `output_dir` under the root.
pub fn output_dir(opts: &BuildOptions, config: &config::Config) -> PathBuf {
    match &opts.output {
        Some(o) => o.clone(),
        None => opts.root.join(Path::new(&config.output_dir)),
    }
}
