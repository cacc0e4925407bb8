//! Watching the site's files with notify, and gathering what changed into
//! batches.
//!
//! A batch ends after [`QUIET`] without events: an editor's save (write, or
//! write a temporary file and rename it over) arrives well within that, so a
//! save is rebuilt at once. A burst that goes on longer (a checkout touching
//! hundreds of files) is folded by the caller: changes that arrive while it
//! rebuilds are applied before anything is reported (see [`Watcher::more`]).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use notify::{Event, RecommendedWatcher, RecursiveMode, Watcher as _};

use crate::diag::{Code, Diagnostic};

/// The folders of a site that are watched (recursively), besides site.toml.
pub const WATCHED: &[&str] = &["content", "data", "templates", "themes", "static"];

/// Quiet time that ends a batch.
const QUIET: Duration = Duration::from_millis(4);
/// After a batch of several files, how long to wait for the rest of the
/// burst before reporting.
pub const SETTLE: Duration = Duration::from_millis(60);

pub struct Watcher {
    root: PathBuf,
    notify: RecommendedWatcher,
    rx: Receiver<notify::Result<Event>>,
    watched: BTreeSet<PathBuf>,
}

impl Watcher {
    /// Watches `root`: its site folders recursively, the root itself (for
    /// site.toml and folders created later) not.
    pub fn new(root: &Path) -> Result<Watcher, Diagnostic> {
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let (tx, rx) = channel();
        let notify = notify::recommended_watcher(tx).map_err(|e| watch_error(&root, e))?;
        let mut w = Watcher {
            root,
            notify,
            rx,
            watched: BTreeSet::new(),
        };
        let root = w.root.clone();
        w.notify
            .watch(&root, RecursiveMode::NonRecursive)
            .map_err(|e| watch_error(&root, e))?;
        w.watch_folders(&BTreeSet::new());
        Ok(w)
    }

    /// Starts watching site folders that exist and are not watched yet, and
    /// those in `renewed` again (removed and made anew: the old watch went
    /// with the old folder).
    fn watch_folders(&mut self, renewed: &BTreeSet<PathBuf>) {
        for name in WATCHED {
            let dir = self.root.join(name);
            if renewed.contains(&dir) && self.watched.remove(&dir) {
                let _ = self.notify.unwatch(&dir);
            }
            if dir.is_dir() && !self.watched.contains(&dir) {
                if self.notify.watch(&dir, RecursiveMode::Recursive).is_ok() {
                    self.watched.insert(dir);
                }
            } else if !dir.is_dir() && self.watched.remove(&dir) {
                let _ = self.notify.unwatch(&dir);
            }
        }
    }

    /// Blocks until files change; returns every path of the batch. `None`
    /// when the watcher stopped.
    pub fn next_batch(&mut self) -> Option<Vec<PathBuf>> {
        let first = self.rx.recv().ok()?;
        Some(self.gather(first))
    }

    /// The next batch if one starts within `wait` (zero: only what already
    /// came), else `None`.
    pub fn more(&mut self, wait: Duration) -> Option<Vec<PathBuf>> {
        let first = match self.rx.recv_timeout(wait) {
            Ok(e) => e,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
        };
        Some(self.gather(first))
    }

    /// Collects events until [`QUIET`] passes without one.
    fn gather(&mut self, first: notify::Result<Event>) -> Vec<PathBuf> {
        let mut paths = BTreeSet::new();
        self.collect(first, &mut paths);
        while let Ok(more) = self.rx.recv_timeout(QUIET) {
            self.collect(more, &mut paths);
        }
        // A site folder created, removed or replaced at the root.
        let at_root: BTreeSet<PathBuf> = paths
            .iter()
            .filter(|p| p.parent() == Some(self.root.as_path()))
            .cloned()
            .collect();
        if !at_root.is_empty() {
            self.watch_folders(&at_root);
        }
        paths.into_iter().collect()
    }

    fn collect(&self, result: notify::Result<Event>, paths: &mut BTreeSet<PathBuf>) {
        match result {
            // Events were lost (the kernel's queue overflowed): anything
            // may have changed; read everything again.
            Ok(e) if e.need_rescan() => {
                paths.insert(self.root.join("site.toml"));
                paths.extend(WATCHED.iter().map(|name| self.root.join(name)));
            }
            Ok(e) if !e.kind.is_access() => paths.extend(e.paths),
            _ => {}
        }
    }
}

fn watch_error(root: &Path, e: notify::Error) -> Diagnostic {
    Diagnostic::error(Code::Watch, format!("cannot watch the site: {e}"))
        .in_file(root)
        .hint("on Linux, raise fs.inotify.max_user_watches, or run without --watch")
}
