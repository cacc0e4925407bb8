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
//! Only `load` and `write` touch the disk. One orchestrator runs the stages
//! for every command ([`incremental`]): `build` and `check` run it once and
//! keep nothing, handing each page to a [`render::Sink`] as soon as it is
//! made, so pages are not all held in memory; `serve` and `build --watch`
//! keep the site in memory and redo only what a change touches. Diagnostics
//! are collected by every stage and never thrown; their severity decides
//! the exit code.

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
use std::time::Duration;

use diag::Diagnostics;
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
        let what = match parts.is_empty() {
            true => "no documents".to_string(),
            false => parts.join(", "),
        };
        format!(
            "{verb} {what} ({} pages) in {} ms",
            self.stats.pages,
            self.elapsed.as_millis()
        )
    }
}

/// Runs the whole pipeline once: `build`, or `check` with
/// [`BuildOptions::check_only`]. It is the incremental engine run from an
/// empty state, keeping nothing (see [`incremental::build`]).
pub fn build(opts: &BuildOptions) -> BuildReport {
    incremental::build(opts)
}

/// Whether `PINAKES_TIMINGS` asks for each stage's time on stderr.
pub(crate) fn timings() -> bool {
    std::env::var_os("PINAKES_TIMINGS").is_some()
}

/// Hands the memory freed so far back to the system now. A one-shot build
/// calls it between a stage that frees tens of MiB and one that allocates
/// as much: the allocator returns freed pages only after a delay, and both
/// would be resident meanwhile (50,000 pages: 459 MiB at the start of the
/// postings, 402 with it). Harmless under another allocator: mimalloc
/// then tidies only its own empty heaps.
pub(crate) fn give_back_memory() {
    // SAFETY: takes a flag; mimalloc only frees pages it holds empty.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// Prints the time of `stage` since `since`, what `note` says of it and
/// the memory held, when [`timings`] asks for it.
pub(crate) fn lap(stage: &str, since: std::time::Instant, note: impl FnOnce() -> String) {
    if timings() {
        eprintln!(
            "{stage:>10}: {:>6.1} ms{}, {}",
            since.elapsed().as_secs_f64() * 1000.0,
            note(),
            rss_note()
        );
    }
}

/// The process's resident memory now and at its peak so far, in MiB, and
/// the CPU time it has used, as
/// `"now N MiB, peak M MiB, CPU T ms so far"` for the stage timings (Linux;
/// `?` elsewhere).
pub(crate) fn rss_note() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let mib = |key: &str| {
        let line = status.lines().find(|l| l.starts_with(key))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024)
    };
    let show = |v: Option<u64>| v.map_or("?".into(), |m| m.to_string());
    format!(
        "now {} MiB, peak {} MiB, CPU {} ms so far",
        show(mib("VmRSS:")),
        show(mib("VmHWM:")),
        show(cpu_ms())
    )
}

/// The CPU time the process has used, all threads, in ms: a stage's CPU
/// against its wall time shows how well it keeps the cores busy.
fn cpu_ms() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces): utime and
    // stime are the 12th and 13th, in ticks of 10 ms (USER_HZ).
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let mut ticks = || fields.next()?.parse::<u64>().ok();
    Some((ticks()? + ticks()?) * 10)
}

/// The output directory: `--output`, else `output_dir` under the root.
pub fn output_dir(opts: &BuildOptions, config: &config::Config) -> PathBuf {
    match &opts.output {
        Some(o) => o.clone(),
        None => opts.root.join(Path::new(&config.output_dir)),
    }
}
