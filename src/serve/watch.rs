//! Watching the site's files: notify with debouncing, one batch per burst.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};

use crate::diag::Diagnostic;

/// The folders of a site that are watched (recursively), besides site.toml.
pub const WATCHED: &[&str] = &["content", "data", "templates", "themes", "static"];

/// Quiet time that ends a batch. Short, because a single save should show
/// at once; a burst that goes on longer is coalesced by [`SETTLE`].
const QUIET: Duration = Duration::from_millis(10);
/// After a batch of several files (a checkout, a folder moved), wait this
/// long for more before rebuilding, so a burst gives one rebuild.
const SETTLE: Duration = Duration::from_millis(60);
/// After a single file, a short look for more: the first file of a burst
/// often arrives alone, a little ahead of the rest.
const GRACE: Duration = Duration::from_millis(20);

pub struct Watcher {
    root: PathBuf,
    debouncer: Debouncer<notify::RecommendedWatcher, RecommendedCache>,
    rx: Receiver<DebounceEventResult>,
    watched: BTreeSet<PathBuf>,
}

impl Watcher {
    /// Watches `root`: its site folders recursively, the root itself (for
    /// site.toml and folders created later) not.
    pub fn new(root: &Path) -> Result<Watcher, Diagnostic> {
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let (tx, rx) = channel();
        let debouncer = new_debouncer(QUIET, Some(Duration::from_millis(5)), tx)
            .map_err(|e| watch_error(&root, e))?;
        let mut w = Watcher {
            root,
            debouncer,
            rx,
            watched: BTreeSet::new(),
        };
        let root = w.root.clone();
        w.debouncer
            .watch(&root, RecursiveMode::NonRecursive)
            .map_err(|e| watch_error(&root, e))?;
        w.watch_folders();
        Ok(w)
    }

    /// Starts watching site folders that exist and are not watched yet.
    fn watch_folders(&mut self) {
        for name in WATCHED {
            let dir = self.root.join(name);
            if dir.is_dir() && !self.watched.contains(&dir) {
                if self.debouncer.watch(&dir, RecursiveMode::Recursive).is_ok() {
                    self.watched.insert(dir);
                }
            } else if !dir.is_dir() && self.watched.remove(&dir) {
                let _ = self.debouncer.unwatch(&dir);
            }
        }
    }

    /// Blocks until files change; returns every path that changed in the
    /// burst. `None` when the watcher stopped.
    pub fn next_batch(&mut self) -> Option<Vec<PathBuf>> {
        let mut paths = BTreeSet::new();
        let first = self.rx.recv().ok()?;
        collect(first, &mut paths);
        loop {
            let wait = if paths.len() > 1 { SETTLE } else { GRACE };
            match self.rx.recv_timeout(wait) {
                Ok(more) => collect(more, &mut paths),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
        // A site folder created or removed at the root.
        if paths
            .iter()
            .any(|p| p.parent() == Some(self.root.as_path()))
        {
            self.watch_folders();
        }
        Some(paths.into_iter().collect())
    }
}

fn collect(result: DebounceEventResult, paths: &mut BTreeSet<PathBuf>) {
    if let Ok(events) = result {
        for e in events {
            if !e.kind.is_access() {
                paths.extend(e.event.paths.iter().cloned());
            }
        }
    }
}

fn watch_error(root: &Path, e: notify::Error) -> Diagnostic {
    Diagnostic::error("watch", format!("cannot watch the site: {e}"))
        .in_file(root)
        .hint("on Linux, raise fs.inotify.max_user_watches, or run without --watch")
}
