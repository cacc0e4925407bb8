//! The dev server (`pinakes serve`) and the watch loop (`build --watch`).
//!
//! Both keep the site in memory as an incremental [`Site`] and rebuild it on
//! each batch of changed files. `serve` answers from memory — it never writes
//! the output directory — and tells open pages to reload (or shows them the
//! errors); `build --watch` writes the output directory after each good
//! rebuild, atomically, like `build`.

pub mod reload;
pub mod server;
pub mod watch;

use std::io::IsTerminal;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::BuildOptions;
use crate::diag::{self, Code, Diagnostic};
use crate::incremental::{Rebuild, Site};
use reload::Event;
use server::DevState;

pub struct ServeOptions {
    /// Root, drafts; `base_url` is replaced by the server's address.
    pub build: BuildOptions,
    pub bind: IpAddr,
    /// First port to try; the next free one is taken when it is busy. 0: any.
    pub port: u16,
    pub watch: bool,
}

/// How many ports after the asked one are tried.
const PORT_TRIES: u16 = 50;

/// Runs the dev server until Ctrl-C.
pub fn serve(opts: ServeOptions) -> Result<(), Diagnostic> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Diagnostic::error(Code::Serve, format!("cannot start the server: {e}")))?;
    runtime.block_on(run(opts))
}

async fn run(opts: ServeOptions) -> Result<(), Diagnostic> {
    let listeners = bind(opts.bind, opts.port).await?;
    let addr = listeners[0].local_addr().map_err(io_error)?;
    let host = match addr.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    let url = format!("http://{host}:{}/", addr.port());
    let mut build = opts.build;
    build.base_url = Some(url.clone());
    let (site, first) = tokio::task::spawn_blocking(move || Site::open(build))
        .await
        .map_err(|e| Diagnostic::error(Code::Serve, e.to_string()))?;
    print_rebuild(&site, &first, "built");
    let state = DevState::new(site.shared_output().unwrap_or_default(), opts.watch);
    if !first.ok() {
        state.fail(diag::render_json(site.sources(), &first.diagnostics));
    }
    if opts.watch {
        let watcher = watch::Watcher::new(&site.root())?;
        let state = state.clone();
        std::thread::spawn(move || watch_loop(site, watcher, &state));
    }
    println!("serving {url} (Ctrl-C to stop)");
    let app = server::router(state);
    let mut tasks = tokio::task::JoinSet::new();
    for l in listeners {
        tasks.spawn(axum::serve(l, app.clone()).into_future());
    }
    tokio::select! {
        _ = tokio::signal::ctrl_c() => println!("stopped"),
        Some(r) = tasks.join_next() => {
            if let Ok(Err(e)) = r {
                return Err(io_error(e));
            }
        }
    }
    Ok(())
}

/// Binds `ip:port`, or the next free port. The default loopback address
/// is bound for IPv4 and IPv6 alike, so `localhost` works either way.
async fn bind(ip: IpAddr, port: u16) -> Result<Vec<TcpListener>, Diagnostic> {
    let mut last_error = None;
    for p in (0..PORT_TRIES).map(|i| port.saturating_add(i)) {
        match TcpListener::bind(SocketAddr::new(ip, p)).await {
            Ok(l) => {
                let mut all = vec![l];
                if ip == IpAddr::V4(Ipv4Addr::LOCALHOST) {
                    let actual = all[0].local_addr().map_err(io_error)?.port();
                    let v6 = SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), actual);
                    all.extend(TcpListener::bind(v6).await.ok());
                }
                return Ok(all);
            }
            Err(e) => last_error = Some(e),
        }
        if port == 0 {
            break;
        }
    }
    Err(Diagnostic::error(
        Code::Serve,
        format!(
            "cannot listen on {ip} ports {port}-{}: {}",
            port.saturating_add(PORT_TRIES - 1),
            last_error.map(|e| e.to_string()).unwrap_or_default()
        ),
    )
    .hint("pass another --port"))
}

fn watch_loop(mut site: Site, mut watcher: watch::Watcher, state: &Arc<DevState>) {
    // The first build's pages are served already; what they read is
    // recorded before the first edit needs it.
    site.settle();
    site.search_later();
    while let Some(paths) = watcher.next_batch() {
        let Some(r) = rebuild(&mut site, &mut watcher, paths) else {
            continue;
        };
        print_rebuild(&site, &r, "rebuilt");
        if r.ok() {
            let event = if r.changed.is_empty() {
                None
            } else if r.css_only() {
                Some(Event::Css(r.changed.clone()))
            } else {
                Some(Event::Reload)
            };
            state.publish(site.shared_output().unwrap_or_default(), event);
            // What this rebuild read is recorded once its pages are
            // served; the search index follows them.
            if site.settle() {
                state.publish(site.shared_output().unwrap_or_default(), Some(Event::Index));
            }
        } else {
            state.fail(diag::render_json(site.sources(), &r.diagnostics));
            site.settle();
        }
    }
}

/// `pinakes build --watch`: builds, then rebuilds and rewrites the output
/// directory on every change until Ctrl-C.
pub fn build_watch(opts: BuildOptions) -> Result<(), Diagnostic> {
    let mut watcher = watch::Watcher::new(&opts.root)?;
    let (mut site, first) = Site::open(opts);
    // After a failed report the site in memory may hold good passes the
    // output directory has not got.
    let mut behind = !write(&site, &first, "built", false);
    site.settle();
    println!("watching for changes (Ctrl-C to stop)");
    while let Some(paths) = watcher.next_batch() {
        if let Some(r) = rebuild(&mut site, &mut watcher, paths) {
            behind = !write(&site, &r, "rebuilt", behind);
            site.settle();
        }
    }
    Ok(())
}

/// Rebuilds for a batch of changed paths at once. Changes that arrive
/// meanwhile are applied before anything is reported, so a burst (a
/// checkout touching hundreds of files) gives one report and one reload,
/// and a half-done burst never shows its errors. After a batch of several
/// files the rest of the burst gets [`watch::SETTLE`] to arrive. `None`
/// when no path can affect the site.
fn rebuild(site: &mut Site, watcher: &mut watch::Watcher, paths: Vec<PathBuf>) -> Option<Rebuild> {
    let relevant = |paths: Vec<PathBuf>, site: &Site| -> Vec<PathBuf> {
        paths.into_iter().filter(|p| site.is_relevant(p)).collect()
    };
    let mut paths = relevant(paths, site);
    if paths.is_empty() {
        return None;
    }
    let mut seen = 0;
    let mut report: Option<Rebuild> = None;
    loop {
        seen += paths.len();
        let r = site.apply(&paths);
        report = Some(match report {
            Some(earlier) => r.after(earlier),
            None => r,
        });
        let wait = if seen > 1 {
            watch::SETTLE
        } else {
            Duration::ZERO
        };
        paths = loop {
            match watcher.more(wait) {
                None => return report,
                Some(more) => {
                    let more = relevant(more, site);
                    if !more.is_empty() {
                        break more;
                    }
                }
            }
        };
    }
}

/// Reports a rebuild and writes a good one to the output directory, when
/// files changed or the directory is `behind`. False when the directory
/// does not hold the site in memory (the build or the write failed).
fn write(site: &Site, r: &Rebuild, verb: &str, behind: bool) -> bool {
    print_rebuild(site, r, verb);
    if !r.ok() {
        return false;
    }
    let Some(out) = site.output().filter(|_| behind || !r.changed.is_empty()) else {
        return true;
    };
    match crate::write::write_site(&site.root(), &site.output_dir(), &out.to_files()) {
        Ok(_) => true,
        Err(d) => {
            let mut diags = diag::Diagnostics::default();
            diags.push(d);
            eprint!("{}", diag::render_human(site.sources(), &diags, color()));
            false
        }
    }
}

/// The terminal side of a rebuild: the same diagnostics the overlay shows.
fn print_rebuild(site: &Site, r: &Rebuild, verb: &str) {
    if r.diagnostics.iter().next().is_some() {
        eprint!(
            "{}",
            diag::render_human(site.sources(), &r.diagnostics, color())
        );
    }
    if r.ok() {
        println!(
            "{verb} in {} ms: {} of {} pages rendered, {} files changed",
            r.elapsed.as_millis(),
            r.rendered,
            r.stats.pages,
            r.changed.len()
        );
    } else {
        eprintln!("build failed; keeping the last good build");
    }
}

fn color() -> bool {
    std::io::stderr().is_terminal()
}

fn io_error(e: std::io::Error) -> Diagnostic {
    Diagnostic::error(Code::Serve, format!("server error: {e}"))
}
