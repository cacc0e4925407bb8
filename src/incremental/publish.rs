//! Published files: the pages, the sitemap, the API index, the metric
//! files, the search index and its labels, and the static files — written once for every
//! command. A pass that keeps its output (`serve`, `build --watch`) makes it
//! in memory from the pages just rendered and what the last output still
//! holds; one that does not (`build`, `check`) hands each file to a sink as
//! it is made.
//!
//! The data files of an entity whose page is not rendered again are kept:
//! its API entry, metric CSV/JSON, and its text in the search index, which
//! is patched (see [`crate::search::LiveIndex`]). The sitemap is written
//! when the set of pages changed.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::cache::relative;
use super::filemap::FileMap;
use crate::diag::Diagnostic;
use crate::feed::TermAt;
use crate::graph::{EntityIdx, Graph};
use crate::hash::{self, Set};
use crate::load::{Loaded, Origin};
use crate::output::{Contents, OutputFile};
use crate::render::{self, Job, Sink, Stats};
use crate::search::LiveIndex;
use crate::url::LinkStyle;

/// One file of the served site.
#[derive(Debug, Clone)]
pub enum Body {
    Bytes(Arc<[u8]>),
    Copy(Origin),
}

impl From<Contents> for Body {
    fn from(contents: Contents) -> Body {
        match contents {
            Contents::Bytes(b) => Body::Bytes(Arc::from(b)),
            Contents::Copy(o) => Body::Copy(o),
        }
    }
}

/// A complete build in memory: output path (`policies/甲/index.html`) -> bytes.
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// Shared with the next build's output, which keeps most files.
    pub files: FileMap,
}

impl Output {
    /// The bytes of a file, read from disk for static files.
    pub fn read(&self, path: &str) -> Option<Vec<u8>> {
        match self.files.get(path)? {
            Body::Bytes(b) => Some(b.to_vec()),
            Body::Copy(Origin::Embedded(b)) => Some(b.to_vec()),
            Body::Copy(Origin::Disk(p)) => std::fs::read(p).ok(),
        }
    }

    /// As files for the write stage.
    pub fn to_files(&self) -> Vec<OutputFile> {
        let mut files: Vec<OutputFile> = self
            .files
            .iter()
            .map(|(path, body)| OutputFile {
                path: path.to_string(),
                contents: match body {
                    Body::Bytes(b) => Contents::Bytes(b.to_vec()),
                    Body::Copy(o) => Contents::Copy(o.clone()),
                },
            })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    }
}

/// The published files of the last good build, and what the next build
/// patches them from.
#[derive(Default)]
pub(super) struct Files {
    pub(super) output: Arc<Output>,
    /// Hash of the sitemap's pages.
    sitemap: u64,
    /// Hash of what every feed is made from besides its entries.
    feeds: u64,
    /// Each entity's entry in `api/index.json`, by index.
    api: Vec<Arc<[u8]>>,
    /// Valid while the entities are the same ones (same shape).
    search: Option<LiveIndex>,
    /// The paths of the files that can come and go while the pages stay
    /// the same ones (redirects, feeds, the search index, static files).
    volatile: Vec<Arc<str>>,
    /// The page counts, while the pages are the same ones.
    stats: Stats,
    /// Entities whose text the search index has not taken in yet (see
    /// [`Files::settle_search`]), and how its links are written.
    search_later: Option<(Vec<EntityIdx>, LinkStyle)>,
}

/// Where a pass's files go.
#[derive(Clone, Copy)]
pub(super) enum Dest<'a> {
    /// Into the output in memory, with what the next pass patches it from.
    Memory,
    /// To a sink, as they are made; nothing is kept.
    Sink(&'a dyn Sink),
    /// Nowhere (`check`, or a build that has failed): pages are rendered for
    /// their errors; the data files, redirects and search index, which hold
    /// nothing that can be wrong but their writing, are skipped.
    Nowhere,
}

impl<'a> Dest<'a> {
    /// The sink files go to as they are made; `None` for the output in memory.
    pub(super) fn sink(self) -> Option<&'a dyn Sink> {
        match self {
            Dest::Memory => None,
            Dest::Sink(sink) => Some(sink),
            Dest::Nowhere => Some(&render::Discard),
        }
    }
}

impl Files {
    /// Patches the search index with the text of the entities a build
    /// left for later, and puts its files in the output. True when the
    /// output changed.
    pub(super) fn settle_search(&mut self, graph: &Graph) -> bool {
        let (Some((redo, style)), Some(live)) = (self.search_later.take(), &mut self.search) else {
            return false;
        };
        let before: Set<String> = live.paths().collect();
        let updated = live.update(graph, &redo, style);
        let after: Set<String> = live.paths().collect();
        let gone: Vec<String> = before.into_iter().filter(|p| !after.contains(p)).collect();
        if updated.is_empty() && gone.is_empty() {
            return false;
        }
        let output = Arc::make_mut(&mut self.output);
        for p in gone {
            output.files.remove(p.as_str());
        }
        for f in updated {
            output.files.insert(Arc::from(f.path), f.contents.into());
        }
        true
    }

    /// Nothing to patch from: only the output, to tell what changed.
    pub(super) fn only_output(self) -> Files {
        Files {
            output: self.output,
            ..Default::default()
        }
    }
}

/// What the publish step is given.
pub(super) struct Publish<'a> {
    pub(super) graph: &'a Graph,
    /// The graph's aliases, found when it was linked.
    pub(super) aliases: &'a [(EntityIdx, String)],
    pub(super) loaded: &'a Loaded,
    /// The site's address and how links are written.
    pub(super) base_url: &'a str,
    pub(super) style: LinkStyle,
    pub(super) jobs: &'a [Job],
    pub(super) paths: &'a [String],
    /// The pages rendered, by job; the others are kept.
    pub(super) fresh: super::plan::Fresh,
    /// Entities whose data files are made again.
    pub(super) entity_dirty: &'a [bool],
    /// The entities are the same ones as the last build's.
    pub(super) same_entities: bool,
    /// The pages are the last build's, at the same paths.
    pub(super) same_pages: bool,
    /// Paths changed since the last good build, relative to the root, and
    /// the root, to tell which static files changed.
    pub(super) touched: &'a Set<PathBuf>,
    pub(super) root: &'a Path,
    pub(super) dest: Dest<'a>,
    /// Leave the search patch to [`Files::settle_search`].
    pub(super) search_later: bool,
    /// Whether the search index lets the bodies' HTML go as it reads them
    /// (a pass that keeps nothing; their pages are drawn by then).
    pub(super) bodies: crate::search::Bodies,
}

/// What the data files are patched from: the API entries, the feeds' hash,
/// the search index.
type DataKept = (Vec<Arc<[u8]>>, u64, Option<LiveIndex>);

/// The files of a new build: fresh ones, and ones kept from the last build.
struct NewFiles<'a> {
    last: &'a Output,
    output: Output,
    /// Paths whose bytes differ from the last build's.
    changed: Vec<String>,
    dest: Dest<'a>,
    /// What the sink could not store.
    errors: Vec<Diagnostic>,
    /// The search patch left for later, if any.
    search_later: Option<(Vec<EntityIdx>, LinkStyle)>,
    /// The output started as the last one: a file not put is kept.
    from_last: bool,
    /// Whether the files being put are volatile (see [`Files::volatile`]),
    /// and their paths.
    marking: bool,
    volatile: Vec<Arc<str>>,
}

/// What the publish stage made: the files, the page counts, and the output
/// paths whose bytes changed.
pub(super) struct Publication {
    pub(super) files: Files,
    pub(super) stats: Stats,
    pub(super) changed: Vec<String>,
}

impl Publish<'_> {
    /// The publish stage: the new output and what changed in it, taking
    /// what holds from `last`, with the errors of storing files in a sink.
    pub(super) fn run(mut self, mut last: Files) -> (Publication, Vec<Diagnostic>) {
        // With the same pages in memory, the new output starts as the last
        // one and only what is made again is put in: on a large site most
        // of a rebuild would otherwise be copying the paths of kept files.
        let from_last =
            self.same_pages && matches!(self.dest, Dest::Memory) && !last.output.files.is_empty();
        let mut files = NewFiles::start(&last.output, self.dest, from_last);
        // Terms whose pages are drawn again: their entities may have changed.
        let terms: Set<TermAt> = (self.fresh.keys())
            .filter_map(|&i| match self.jobs[i] {
                Job::Term(t, term, _) => Some((t, term)),
                _ => None,
            })
            .collect();
        let stats = match from_last {
            true => self.fresh_pages(&mut files, std::mem::take(&mut last.stats)),
            false => self.pages(&mut files),
        };
        let sitemap = self.sitemap(&mut files, last.sitemap);
        let (api, feeds, search) = match self.dest {
            Dest::Nowhere => (Vec::new(), 0, None),
            _ => {
                let pending = last.search_later.take().map(|(redo, _)| redo);
                let prior = (
                    std::mem::take(&mut last.api),
                    last.feeds,
                    last.search.take(),
                );
                self.data_files(&mut files, prior, pending, &terms)
            }
        };
        files.marking = true;
        self.static_files(&mut files);
        if from_last {
            files.drop_gone(&last.volatile);
        }
        let NewFiles {
            output,
            mut changed,
            errors,
            search_later,
            volatile,
            ..
        } = files;
        if !from_last {
            changed.extend(
                last.output
                    .files
                    .keys()
                    .filter(|p| !output.files.contains_key(p))
                    .map(|p| p.to_string()),
            );
        }
        changed.sort();
        let next = Files {
            output: Arc::new(output),
            sitemap,
            feeds,
            api,
            search,
            search_later,
            volatile,
            stats: stats.clone(),
        };
        let published = Publication {
            files: next,
            stats,
            changed,
        };
        (published, errors)
    }

    /// The files beside the pages: the API index, the metrics' data, the
    /// search labels, then the volatile ones (redirects, feeds, the search
    /// index). Returns what the next build patches them from.
    fn data_files(
        &self,
        files: &mut NewFiles,
        (api, feeds, search): DataKept,
        pending: Option<Vec<EntityIdx>>,
        terms: &Set<TermAt>,
    ) -> DataKept {
        // Into a sink, the search index (the longest of these) is made
        // beside the rest, each writing its files straight to the sink.
        if let Some(sink) = self.dest.sink() {
            let (errors, (api, feeds)) = rayon::join(
                || crate::search::put_files(self.graph, self.style, self.bodies, sink),
                || self.other_data_files(files, (api, feeds), terms),
            );
            files.errors.extend(errors);
            return (api, feeds, None);
        }
        let (api, feeds) = self.other_data_files(files, (api, feeds), terms);
        (api, feeds, self.search(files, search, pending))
    }

    /// The data files but the search index.
    fn other_data_files(
        &self,
        files: &mut NewFiles,
        (api, feeds): (Vec<Arc<[u8]>>, u64),
        terms: &Set<TermAt>,
    ) -> (Vec<Arc<[u8]>>, u64) {
        let api = self.api(files, api);
        self.metric_files(files);
        files.put_all([render::labels::file(self.loaded)]);
        files.marking = true;
        files.put_all(crate::aliases::files(self.graph, self.aliases, self.style));
        (api, self.feeds(files, feeds, terms))
    }

    fn pages(&mut self, files: &mut NewFiles) -> Stats {
        let mut stats = Stats::default();
        for (i, path) in self.paths.iter().enumerate() {
            stats.count(self.graph, self.jobs[i]);
            match self.fresh.remove(&i) {
                Some(b) => files.put(path.clone(), Body::Bytes(b)),
                None => files.keep(path),
            }
        }
        stats
    }

    /// The pages rendered, put over the last output's; the counts are the
    /// last build's (the pages are the same ones).
    fn fresh_pages(&mut self, files: &mut NewFiles, stats: Stats) -> Stats {
        for (i, b) in std::mem::take(&mut self.fresh) {
            files.put(self.paths[i].clone(), Body::Bytes(b));
        }
        stats
    }

    /// The sitemap: written only when the set of pages changed.
    fn sitemap(&self, files: &mut NewFiles, last: u64) -> u64 {
        let pages = || {
            let paths = self.jobs.iter().zip(self.paths.iter());
            paths
                .filter(|(j, _)| **j != Job::NotFound)
                .map(|(&j, p)| (p, render::lastmod(self.graph, j)))
        };
        let mut h = hash::hasher();
        pages().for_each(|page| page.hash(&mut h));
        let key = h.finish();
        if key == last {
            files.keep("sitemap.xml");
            files.keep("robots.txt");
        } else {
            let sitemap = pages().map(|(p, date)| (p.clone(), date)).collect();
            files.put_all(render::sitemap_files(self.base_url, sitemap));
        }
        key
    }

    /// The API index, from each entity's entry; entries are kept by index
    /// while the entities are the same ones.
    fn api(&self, files: &mut NewFiles, mut api: Vec<Arc<[u8]>>) -> Vec<Arc<[u8]>> {
        if let Some(sink) = self.dest.sink() {
            files
                .errors
                .extend(crate::api::put_index(self.graph, sink).err());
            return Vec::new();
        }
        let n = self.graph.entities.len();
        let all = !self.same_entities || api.len() != n;
        if all {
            api = vec![Arc::from(Vec::new()); n];
        }
        let fresh: Vec<(usize, Vec<u8>)> = (0..n)
            .into_par_iter()
            .filter(|&i| all || self.entity_dirty[i])
            .map(|i| (i, crate::api::entry(self.graph, i)))
            .collect();
        let mut changed = all;
        for (i, entry) in fresh {
            if *api[i] != *entry {
                api[i] = Arc::from(entry);
                changed = true;
            }
        }
        if changed {
            files.put_all([crate::api::index_file(api.iter())]);
        } else {
            files.keep("api/index.json");
        }
        api
    }

    /// The Atom feeds: one is kept while the entities are the same ones,
    /// none of those it draws from was made again, and its term's pages
    /// (which read the term's entities) were not drawn again.
    fn feeds(&self, files: &mut NewFiles, last: u64, terms: &Set<TermAt>) -> u64 {
        let config = &self.loaded.config;
        let key = crate::feed::frame_hash(self.graph, config, self.base_url);
        let keep = self.same_entities && key == last && self.dest.sink().is_none();
        let same = |term: Option<TermAt>, idxs: &[EntityIdx]| {
            keep && !term.is_some_and(|t| terms.contains(&t))
                && idxs.iter().all(|&i| !self.entity_dirty[i])
        };
        for feed in crate::feed::files(self.graph, config, self.base_url, &same) {
            match feed {
                crate::feed::Feed::Made(file) => files.put_all([file]),
                crate::feed::Feed::Same(path) => files.keep(&path),
            }
        }
        key
    }

    fn metric_files(&self, files: &mut NewFiles) {
        for (i, e) in self.graph.entities.iter().enumerate() {
            if self.entity_dirty[i] {
                files.put_all(crate::metrics::entity_files(e));
            } else if e.metric().is_some() && !files.holds_kept() {
                let stem = crate::metrics::data::stem(e);
                files.keep(&format!("{stem}.csv"));
                files.keep(&format!("{stem}.json"));
            }
        }
    }

    /// The search index of the output in memory (a sink's is made in
    /// [`Publish::data_files`]): patched when the pages are the same ones. With
    /// `later`, a patch is left to [`Files::settle_search`] and the last
    /// build's index files are kept meanwhile: patching the page lists of
    /// every word of many pages can take longer than the pages themselves.
    fn search(
        &self,
        files: &mut NewFiles,
        last: Option<LiveIndex>,
        pending: Option<Vec<EntityIdx>>,
    ) -> Option<LiveIndex> {
        let style = self.style;
        let Some(mut live) = last.filter(|_| self.same_entities) else {
            let (live, all) = LiveIndex::new(self.graph, style);
            files.put_all(all);
            return Some(live);
        };
        let mut redo: Vec<EntityIdx> = (0..self.graph.entities.len())
            .filter(|&i| self.entity_dirty[i])
            .collect();
        redo.extend(pending.into_iter().flatten());
        redo.sort_unstable();
        redo.dedup();
        let updated = match self.search_later {
            true => {
                files.search_later = Some((redo, style));
                Vec::new()
            }
            false => live.update(self.graph, &redo, style),
        };
        let new: Set<String> = updated.iter().map(|f| f.path.clone()).collect();
        files.put_all(updated);
        for p in live.paths().filter(|p| !new.contains(p)) {
            files.keep(&p);
        }
        Some(live)
    }

    /// The static files. One is changed when it (or a folder above it,
    /// created or moved in) was touched; a file of the binary's theme is the
    /// same bytes while the binary is the same.
    fn static_files(&self, files: &mut NewFiles) {
        let root = std::fs::canonicalize(self.root).unwrap_or(self.root.to_path_buf());
        for f in render::static_files(self.loaded) {
            let Contents::Copy(origin) = f.contents else {
                continue;
            };
            let differs = match (&origin, files.last.files.get(f.path.as_str())) {
                (Origin::Disk(p), Some(Body::Copy(Origin::Disk(q)))) if p == q => {
                    let rel = relative(self.root, &root, p);
                    self.touched.iter().any(|t| rel.starts_with(t))
                }
                (Origin::Embedded(a), Some(Body::Copy(Origin::Embedded(b)))) => a != b,
                _ => true,
            };
            files.copy(f.path, origin, differs);
        }
    }
}

impl<'a> NewFiles<'a> {
    /// An output to fill, empty or (`from_last`) the last one.
    fn start(last: &'a Output, dest: Dest<'a>, from_last: bool) -> NewFiles<'a> {
        let output = match from_last {
            true => last.clone(),
            false => Output {
                files: FileMap::with_capacity(last.files.len()),
            },
        };
        NewFiles {
            last,
            output,
            changed: Vec::new(),
            dest,
            errors: Vec::new(),
            search_later: None,
            from_last,
            marking: false,
            volatile: Vec::new(),
        }
    }

    fn put(&mut self, path: String, body: Body) {
        let last = self.last.files.get_key_value(path.as_str());
        let same = matches!(
            (&body, last),
            (Body::Bytes(new), Some((_, Body::Bytes(old)))) if new == old
        );
        if !same {
            self.changed.push(path.clone());
        }
        let key: Arc<str> = last.map_or_else(|| Arc::from(path), |(k, _)| k.clone());
        self.mark(&key);
        self.output.files.insert(key, body);
    }

    /// Notes a volatile file's path.
    fn mark(&mut self, key: &Arc<str>) {
        if self.marking {
            self.volatile.push(key.clone());
        }
    }

    /// Drops the volatile files of the last build that this one did not
    /// make or keep: the output started as the last one.
    fn drop_gone(&mut self, last: &[Arc<str>]) {
        let now: Set<&str> = self.volatile.iter().map(|k| &**k).collect();
        for p in last.iter().filter(|p| !now.contains(&***p)) {
            self.output.files.remove(p);
            self.changed.push(p.to_string());
        }
    }

    fn put_all(&mut self, files: impl IntoIterator<Item = OutputFile>) {
        for f in files {
            if let Some(sink) = self.dest.sink() {
                self.errors.extend(sink.put(f).err());
                continue;
            }
            self.put(f.path, f.contents.into());
        }
    }

    /// A static file, copied; `changed` when it differs from the last build's.
    fn copy(&mut self, path: String, origin: Origin, changed: bool) {
        if self.dest.sink().is_some() {
            let contents = Contents::Copy(origin);
            return self.put_all([OutputFile { path, contents }]);
        }
        if changed {
            self.changed.push(path.clone());
        }
        let key: Arc<str> = Arc::from(path);
        self.mark(&key);
        self.output.files.insert(key, Body::Copy(origin));
    }

    /// Whether keeping a file is nothing to do: the output starts as the
    /// last one, and kept files are not being noted as volatile.
    fn holds_kept(&self) -> bool {
        self.from_last && !self.marking
    }

    /// Keeps a file of the last build as it was. (A pass into a sink has
    /// no last build: its pages went to the sink as they were rendered.)
    fn keep(&mut self, path: &str) {
        let Some((k, b)) = self.last.files.get_key_value(path) else {
            return;
        };
        self.mark(k);
        if !self.from_last {
            self.output.files.insert(k.clone(), b.clone());
        }
    }
}
