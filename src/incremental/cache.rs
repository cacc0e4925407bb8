//! The read-and-parse cache: the site's files as last read, each content
//! file's parse, and the `data/` tree. A change re-reads and re-parses only
//! the files it names; a reload keeps the parse of every file whose path and
//! text are the same.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use crate::diag::Diagnostic;
use crate::hash::{Map, hash_of};
use crate::load::{self, Loaded};
use crate::parse::{self, Entity, Kind, Parsed};
use crate::source::SourceId;

/// A parsed content file.
pub(super) struct Slot {
    pub(super) source: SourceId,
    pub(super) entity: Option<Arc<Entity>>,
    diags: Vec<Diagnostic>,
}

/// What changed in the cache since the graph was last made.
#[derive(Default)]
pub(super) struct Reparsed {
    /// Files were added or removed, or templates, data or config changed:
    /// the site must be linked again.
    pub(super) relink: bool,
    /// Content files re-parsed in place.
    pub(super) files: Vec<SourceId>,
}

/// How far a changed path reaches.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Reach {
    Nothing,
    /// Content files only: re-read and re-parse them.
    Content,
    /// Templates, data, static files or themes: read the site again, keep the
    /// parse of every content file whose text is the same.
    Reload,
    /// site.toml: everything.
    Everything,
}

pub(super) struct Cache {
    root: PathBuf,
    pub(super) loaded: Loaded,
    load_diags: Vec<Diagnostic>,
    /// One per content file, in `loaded.content` order.
    slots: Vec<Slot>,
    data: Arc<serde_json::Value>,
    data_diags: Vec<Diagnostic>,
    /// Hash of each source's text.
    pub(super) hashes: Map<SourceId, u64>,
    reparsed: Reparsed,
    /// Whether bodies are kept compressed once parsed ([`Cache::open`]).
    pack_bodies: bool,
}

/// MiB of Markdown, in all, past which a one-shot build keeps its bodies
/// compressed from parsing to drawing; `PINAKES_PACK_BODIES_MIB` sets
/// another (0: always). Below it the bodies are small beside what else a
/// build holds, and packing them costs time (4% at 10,000 pages); at
/// 50,000 pages (111 MiB) it takes 40 MiB off the peak for 2% or less.
const PACK_BODIES_MIB: usize = 96;

/// Whether a one-shot build of `markdown` bytes packs its bodies.
fn pack_bodies(markdown: usize) -> bool {
    let from = std::env::var("PINAKES_PACK_BODIES_MIB").ok();
    let from = from
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(PACK_BODIES_MIB);
    markdown > from.saturating_mul(1 << 20) || from == 0
}

impl Cache {
    /// Reads and parses the whole site. A `one_shot` build (which keeps
    /// nothing for a next one) of a large site keeps its bodies compressed.
    pub(super) fn open(root: PathBuf, one_shot: bool) -> Cache {
        let t = Instant::now();
        let (loaded, diags) = load::load(&root);
        super::lap("load", t);
        let markdown: usize = (loaded.content.iter())
            .map(|&id| loaded.sources.text(id).len())
            .sum();
        let mut cache = Cache {
            pack_bodies: one_shot && pack_bodies(markdown),
            hashes: source_hashes(&loaded),
            loaded,
            root,
            load_diags: diags,
            slots: Vec::new(),
            data: Arc::default(),
            data_diags: Vec::new(),
            reparsed: Reparsed::default(),
        };
        let t = Instant::now();
        cache.parse(Map::default());
        let packed = if cache.pack_bodies {
            " (bodies kept compressed)"
        } else {
            ""
        };
        crate::lap("parse", t, || packed.to_string());
        cache
    }

    /// Applies changed paths (relative to the root) as far as `reach` says.
    pub(super) fn apply(&mut self, rels: &[PathBuf], reach: Reach) {
        match reach {
            Reach::Nothing => {}
            Reach::Content => {
                if !rels.iter().all(|p| self.update_content(p)) {
                    self.reload(true);
                }
            }
            Reach::Reload => self.reload(true),
            Reach::Everything => {
                self.slots.clear();
                self.reload(false);
            }
        }
        self.loaded.content = self.slots.iter().map(|s| s.source).collect();
    }

    /// What was re-parsed since the last call.
    pub(super) fn take_reparsed(&mut self) -> Reparsed {
        std::mem::take(&mut self.reparsed)
    }

    /// The diagnostics of reading and parsing, in a fixed order.
    pub(super) fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.load_diags
            .iter()
            .chain(self.slots.iter().flat_map(|s| &s.diags))
            .chain(&self.data_diags)
    }

    /// The parse of one content file.
    pub(super) fn entity(&self, id: SourceId) -> Option<&Arc<Entity>> {
        self.slots.iter().find(|s| s.source == id)?.entity.as_ref()
    }

    /// The parsed site as `link` takes it.
    pub(super) fn parsed(&self, drafts: bool) -> Parsed {
        let mut parsed = Parsed::default();
        for e in self.slots.iter().filter_map(|s| s.entity.as_ref()) {
            if e.draft && !drafts {
                continue;
            }
            if e.kind == Kind::Section && e.url_path.is_empty() {
                parsed.home = Some(e.clone());
            } else {
                parsed.entities.push(e.clone());
            }
        }
        parsed.data = self.data.clone();
        parsed.shortcode_names = parse::shortcode_names(&self.loaded);
        parsed
    }

    /// Re-reads one path under content/. False when it cannot be handled
    /// file by file (a new directory): the caller reloads.
    fn update_content(&mut self, rel: &Path) -> bool {
        let abs = self.root.join(rel);
        if abs.is_dir() {
            return false;
        }
        let is_content = rel
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| ["md", "yaml", "yml"].contains(&e));
        let found = self
            .slots
            .binary_search_by(|s| self.loaded.sources.path(s.source).cmp(rel));
        if !abs.is_file() || !is_content {
            // Deleted (or renamed away): drop it and anything below it. A
            // file the build never read — the temporary file of an editor
            // that saves by renaming one over the original — leaves the
            // site as it was, and its graph with it.
            let before = self.slots.len();
            let sources = &self.loaded.sources;
            self.slots
                .retain(|s| !sources.path(s.source).starts_with(rel));
            self.reparsed.relink |= self.slots.len() != before;
            return true;
        }
        let opts = load::ReadOptions::of(&self.loaded.config);
        let outside = load::outside_site(&self.root, &abs, opts);
        let (text, read_error) = match outside.map_or_else(|| load::read_text(&abs, rel, opts), Err)
        {
            // Warnings of a repaired file show up again on the full build.
            Ok((t, _)) => (t, None),
            Err(d) => (String::new(), Some(d)),
        };
        let hash = hash_of(&text);
        let idx = match found {
            Ok(i) => {
                let id = self.slots[i].source;
                if self.hashes.get(&id) == Some(&hash) && read_error.is_none() {
                    return true;
                }
                self.loaded.sources.replace(id, text);
                i
            }
            Err(i) => {
                self.reparsed.relink = true;
                let id = self.loaded.sources.add(rel.to_path_buf(), text);
                let slot = Slot {
                    source: id,
                    entity: None,
                    diags: Vec::new(),
                };
                self.slots.insert(i, slot);
                i
            }
        };
        let id = self.slots[idx].source;
        self.hashes.insert(id, hash);
        self.reparsed.files.push(id);
        self.slots[idx] = match read_error {
            Some(d) => Slot {
                source: id,
                entity: None,
                diags: vec![d],
            },
            None => self.parse_slot(id),
        };
        true
    }

    fn parse_slot(&self, id: SourceId) -> Slot {
        let (entity, diags) = parse::parse_content(&self.loaded.sources, id, &self.loaded.config);
        if let Some(e) = entity.as_ref().filter(|_| self.pack_bodies) {
            e.body.html.pack();
        }
        Slot {
            source: id,
            entity: entity.map(Arc::new),
            diags,
        }
    }

    /// Reads the site again. With `reuse`, a content file whose path, id and
    /// text are unchanged keeps its parse.
    fn reload(&mut self, reuse: bool) {
        let (loaded, diags) = load::load(&self.root);
        let hashes = source_hashes(&loaded);
        let mut old: Map<SourceId, Slot> = if reuse {
            self.slots.drain(..).map(|s| (s.source, s)).collect()
        } else {
            Map::default()
        };
        let same = |id: SourceId| {
            (id.0 as usize) < self.loaded.sources.len()
                && self.hashes.get(&id) == hashes.get(&id)
                && self.loaded.sources.path(id) == loaded.sources.path(id)
        };
        let kept: Map<SourceId, Slot> = loaded
            .content
            .iter()
            .filter(|&&id| same(id))
            .filter_map(|id| old.remove_entry(id))
            .collect();
        self.loaded = loaded;
        self.hashes = hashes;
        self.load_diags = diags;
        self.parse(kept);
    }

    /// Parses the content files and data of `loaded`, taking the parses
    /// `kept` holds.
    fn parse(&mut self, mut kept: Map<SourceId, Slot>) {
        self.reparsed.relink = true;
        let keep: Vec<Option<Slot>> = self
            .loaded
            .content
            .iter()
            .map(|id| kept.remove(id))
            .collect();
        self.slots = keep
            .into_par_iter()
            .zip(self.loaded.content.par_iter())
            .map(|(kept, &id)| kept.unwrap_or_else(|| self.parse_slot(id)))
            .collect();
        let mut data_diags = Vec::new();
        self.data = Arc::new(parse::parse_data(
            &self.loaded.sources,
            &self.loaded.data,
            &mut data_diags,
        ));
        self.data_diags = data_diags;
    }

    /// Lets the content files' text go (a one-shot build, once parsed):
    /// it comes back from disk only if a diagnostic or a version
    /// comparison needs it. A cache that is updated later must keep it.
    pub(super) fn release_content_text(&mut self) {
        let root = self.root.clone();
        let opts = load::ReadOptions::of(&self.loaded.config);
        let read: crate::source::ReadAgain = Arc::new(move |shown: &Path| {
            load::read_text(&root.join(shown), shown, opts)
                .ok()
                .map(|(text, _)| text)
        });
        self.loaded.sources.release(&self.loaded.content, read);
    }

    /// The sources, for diagnostics; the rest of the cache stays, to be
    /// let go with the site.
    pub(super) fn take_sources(&mut self) -> crate::source::Sources {
        std::mem::take(&mut self.loaded.sources)
    }
}

/// Hash of each source's text.
fn source_hashes(loaded: &Loaded) -> Map<SourceId, u64> {
    (0..loaded.sources.len())
        .into_par_iter()
        .map(|i| {
            let id = SourceId(i as u32);
            (id, hash_of(loaded.sources.text(id)))
        })
        .collect()
}

/// How far a changed path (relative to the root) reaches; `out` is the
/// output directory, relative to the root too.
pub(super) fn reach(rel: &Path, out: &Path, previous: &Path) -> Reach {
    let ignored = rel
        .components()
        .any(|c| load::is_ignored(&c.as_os_str().to_string_lossy()));
    // Vim checks that a folder is writable with a file of this name.
    let probe = rel.file_name().is_some_and(|n| n == "4913");
    if ignored || probe || rel.starts_with(out) || rel.starts_with(previous) {
        return Reach::Nothing;
    }
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    match first.as_deref() {
        Some("site.toml") => Reach::Everything,
        Some("content") => Reach::Content,
        Some("data" | "templates" | "static" | "themes") => Reach::Reload,
        _ => Reach::Nothing,
    }
}

/// A path relative to the site root (given as written and canonical).
pub(super) fn relative(root: &Path, canonical: &Path, p: &Path) -> PathBuf {
    p.strip_prefix(canonical)
        .or_else(|_| p.strip_prefix(root))
        .unwrap_or(p)
        .to_path_buf()
}
