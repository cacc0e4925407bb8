//! The `pinakes` command: parse arguments, call the library, print, exit.
//!
//! Exit codes: 0 success, 1 content or template errors, 2 usage errors.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use pinakes::diag::{self, Diagnostic, Diagnostics};

use pinakes::new::NewKind;
use pinakes::{BuildOptions, BuildReport};

/// Rendering allocates many small, short-lived values on every thread;
/// mimalloc serves them with less time and less fragmentation than the
/// system allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "pinakes",
    version,
    about = "Static site generator for policy tracking: policies, measures, metrics"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct SiteArgs {
    /// Site directory (holding site.toml and content/).
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Include pages marked `draft: true`.
    #[arg(long)]
    drafts: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output directory (default: public/).
    Build {
        #[command(flatten)]
        site: SiteArgs,
        /// Output directory (replaced atomically).
        #[arg(long)]
        output: Option<PathBuf>,
        /// Override base_url from site.toml.
        #[arg(long)]
        base_url: Option<String>,
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
        /// Rebuild on every change until Ctrl-C.
        #[arg(long)]
        watch: bool,
    },
    /// Check content, links and templates without writing anything.
    Check {
        #[command(flatten)]
        site: SiteArgs,
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
        /// Output format of the diagnostics.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Serve the site from memory for previewing, with live reload.
    Serve {
        #[command(flatten)]
        site: SiteArgs,
        /// Address to listen on (0.0.0.0 to be reachable from other machines).
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Port; the next free one is used when it is busy (0: any free port).
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Rebuild on every change and reload open pages.
        #[arg(long)]
        watch: bool,
    },
    /// Create a new site, or a policy, measure or metric file to fill in.
    New {
        #[arg(value_enum)]
        what: NewWhat,
        /// Directory for `site`; id for the others.
        name: String,
        /// Site directory for policy/measure/metric.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum NewWhat {
    Site,
    Policy,
    Measure,
    Metric,
}

/// A one-shot build or check runs without transparent huge pages. mimalloc
/// asks for them on its arenas, and a 2 MiB page partly used counts whole:
/// about 45 MiB more peak memory at 10,000 pages, for no measurable speed.
/// It also hands memory freed back to the system after 100 ms instead of
/// mimalloc's second: a build frees the files' text, each page's
/// temporaries and each body once indexed well within a second, and kept
/// that long they add to the peak (10,000 pages 160 → 137 MiB, law texts
/// 222 → 182, 50,000 pages 527 → 465, in time within the noise). The dev
/// server keeps both defaults: its rebuilds fault fewer fresh pages in (a
/// title change at 10,000 pages is 15–20 ms faster with huge pages).
fn one_shot_memory() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes a flag and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    /// `mi_option_purge_delay` in mimalloc's `mi_option_e`.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: sets one of mimalloc's options, which it reads atomically.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 100) };
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Build {
            site,
            output,
            base_url,
            strict,
            watch,
        } => {
            let opts = BuildOptions {
                root: site.root,
                output,
                base_url,
                drafts: site.drafts,
                strict,
                check_only: false,
            };
            if watch {
                return pinakes::serve::build_watch(opts)
                    .map_or_else(print_one, |_| ExitCode::SUCCESS);
            }
            one_shot_memory();
            exit_now(finish(&pinakes::build(&opts), Format::Human, true))
        }
        Command::Check {
            site,
            strict,
            format,
        } => {
            let opts = BuildOptions {
                root: site.root,
                drafts: site.drafts,
                strict,
                check_only: true,
                ..Default::default()
            };
            one_shot_memory();
            exit_now(finish(&pinakes::build(&opts), format, false))
        }
        Command::Serve {
            site,
            bind,
            port,
            watch,
        } => {
            let opts = pinakes::serve::ServeOptions {
                build: BuildOptions {
                    root: site.root,
                    drafts: site.drafts,
                    ..Default::default()
                },
                bind,
                port,
                watch,
            };
            pinakes::serve::serve(opts).map_or_else(print_one, |_| ExitCode::SUCCESS)
        }
        Command::New { what, name, root } => new(what, &name, &root),
    }
}

/// Ends a one-shot build or check without the process's teardown: at exit
/// the allocator hands every page it still holds back to the system one
/// range at a time (about 2% of a `check`'s CPU at 10,000 pages), for a
/// process whose memory the system takes back whole anyway. The report's
/// lines are flushed first; the output files are closed by then.
fn exit_now(code: u8) -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: _exit ends the process; nothing of ours runs after it.
    unsafe { libc::_exit(code.into()) }
}

fn finish(report: &BuildReport, format: Format, writes: bool) -> u8 {
    let color = std::io::stderr().is_terminal();
    match format {
        Format::Json => println!(
            "{}",
            diag::render_json(&report.sources, &report.diagnostics)
        ),
        Format::Human => {
            if report.diagnostics.iter().next().is_some() {
                eprint!(
                    "{}",
                    diag::render_human(&report.sources, &report.diagnostics, color)
                );
            }
            if report.ok() {
                println!("{}", report.summary_line());
            } else if writes {
                eprintln!("build failed; the previous output (if any) is untouched");
            }
        }
    }
    if report.ok() { 0 } else { 1 }
}

fn new(what: NewWhat, name: &str, root: &std::path::Path) -> ExitCode {
    let result = match what {
        NewWhat::Site => pinakes::new::new_site(&PathBuf::from(name)),
        NewWhat::Policy => pinakes::new::new_entity(root, NewKind::Policy, name).map(|p| vec![p]),
        NewWhat::Measure => pinakes::new::new_entity(root, NewKind::Measure, name).map(|p| vec![p]),
        NewWhat::Metric => pinakes::new::new_entity(root, NewKind::Metric, name).map(|p| vec![p]),
    };
    match result {
        Ok(paths) => {
            for p in paths {
                println!("created {}", p.display());
            }
            if matches!(what, NewWhat::Site) {
                println!("next: cd {name} && pinakes build");
            }
            ExitCode::SUCCESS
        }
        Err(d) => print_one(d),
    }
}

fn print_one(d: Diagnostic) -> ExitCode {
    let mut diags = Diagnostics::default();
    diags.push(d);
    eprint!(
        "{}",
        diag::render_human(
            &pinakes::source::Sources::default(),
            &diags,
            std::io::stderr().is_terminal()
        )
    );
    ExitCode::from(1)
}
