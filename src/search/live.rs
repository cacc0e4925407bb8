//! The search index kept in memory by `serve --watch`.
//!
//! An edit re-reads only the pages it may have changed and rewrites only the
//! files whose bytes change: the shards holding a token whose postings for
//! those pages differ, the text chunks holding those pages (all chunks when a
//! page's length moves a chunk boundary), and `meta.js`. The postings of every
//! shard are kept as their text, so patching a token decodes and re-encodes
//! one posting list. A change of the shard count (the text grew or shrank
//! past a power of two) or of the set of pages builds it all again. The
//! result is byte for byte what [`SearchIndex::files`] gives.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use super::index::{
    Doc, SearchIndex, Text, chunk_file, chunk_starts, cjk_text, doc, doc_tokens, script_file,
    shard_count, shard_entries, shard_file, vlq,
};
use crate::graph::{EntityIdx, Graph};
use crate::output::OutputFile;
use crate::url::LinkStyle;

/// A page's entry in one token's postings, as written after the page number:
/// for positional tokens the count and the position deltas, for single
/// characters the title flag.
type Entry = Vec<u32>;

/// (shard, token) -> (positional, entry) for one page.
type PageEntries = BTreeMap<(u32, String), (bool, Entry)>;

pub struct LiveIndex {
    index: SearchIndex,
    shards: u32,
    /// Per shard: token -> postings text, in token order.
    postings: Vec<BTreeMap<String, String>>,
    starts: Vec<usize>,
}

impl LiveIndex {
    /// The index of `graph`, with all its files.
    pub fn new(graph: &Graph, style: LinkStyle) -> (LiveIndex, Vec<OutputFile>) {
        Self::from_index(SearchIndex::build(graph, style))
    }

    fn from_index(mut index: SearchIndex) -> (LiveIndex, Vec<OutputFile>) {
        let shards = shard_count(&index.docs);
        let postings = shard_entries(&mut index.docs, shards, Text::Keep, |_, entries| {
            entries.into_iter().collect::<BTreeMap<_, _>>()
        });
        let live = LiveIndex {
            starts: chunk_starts(&index.docs),
            index,
            shards,
            postings,
        };
        let mut files: Vec<OutputFile> = (0..shards).map(|n| live.shard(n)).collect();
        files.extend((0..live.starts.len()).map(|n| chunk_file(&live.index.docs, &live.starts, n)));
        files.push(live.meta());
        (live, files)
    }

    /// Re-reads the pages `changed` of `graph`, which has the same pages in
    /// the same order as the index. Returns the files that changed.
    pub fn update(
        &mut self,
        graph: &Graph,
        changed: &[EntityIdx],
        style: LinkStyle,
    ) -> Vec<OutputFile> {
        let fresh: Vec<(EntityIdx, Doc)> = changed
            .par_iter()
            .map(|&i| (i, doc(graph, i, style)))
            .filter(|(i, d)| self.index.docs[*i] != *d)
            .collect();
        self.replace(fresh)
    }

    /// Puts in the new docs of some pages; returns the files that changed.
    fn replace(&mut self, fresh: Vec<(EntityIdx, Doc)>) -> Vec<OutputFile> {
        if fresh.is_empty() {
            return Vec::new();
        }
        let mut old = Vec::with_capacity(fresh.len());
        for (i, d) in fresh {
            old.push((i, std::mem::replace(&mut self.index.docs[i], d)));
        }
        if shard_count(&self.index.docs) != self.shards {
            let (live, files) = Self::from_index(std::mem::take(&mut self.index));
            *self = live;
            return files;
        }
        // Tokens whose entry for a page changed, by shard.
        let diffs: Vec<(u32, String, bool, u32, Option<Entry>)> = old
            .par_iter()
            .flat_map_iter(|(i, before)| {
                let before = page_entries(before, self.shards);
                let mut after = page_entries(&self.index.docs[*i], self.shards);
                let mut out = Vec::new();
                for (key, (positional, entry)) in before {
                    match after.remove(&key) {
                        Some((_, e)) if e == entry => {}
                        now => out.push((key.0, key.1, positional, *i as u32, now.map(|n| n.1))),
                    }
                }
                out.extend(
                    after
                        .into_iter()
                        .map(|((s, t), (p, e))| (s, t, p, *i as u32, Some(e))),
                );
                out
            })
            .collect();
        let mut by_shard: BTreeMap<u32, Vec<_>> = BTreeMap::new();
        for (shard, token, positional, page, entry) in diffs {
            by_shard
                .entry(shard)
                .or_default()
                .push((token, positional, page, entry));
        }
        self.postings
            .par_iter_mut()
            .enumerate()
            .for_each(|(n, map)| {
                for (token, positional, page, entry) in
                    by_shard.get(&(n as u32)).into_iter().flatten()
                {
                    let data = map.remove(token).unwrap_or_default();
                    let data = patch(&data, *positional, *page, entry.as_deref());
                    if !data.is_empty() {
                        map.insert(token.clone(), data);
                    }
                }
            });
        let dirty: Vec<u32> = by_shard.into_keys().collect();
        let mut files: Vec<OutputFile> = dirty.par_iter().map(|&n| self.shard(n)).collect();
        let starts = chunk_starts(&self.index.docs);
        let chunks_moved = starts != self.starts;
        let chunks: BTreeSet<usize> = if !chunks_moved {
            old.iter()
                .map(|(i, _)| starts.partition_point(|&s| s <= *i) - 1)
                .collect()
        } else {
            (0..starts.len()).collect()
        };
        self.starts = starts;
        let chunks: Vec<usize> = chunks.into_iter().collect();
        files.par_extend(
            chunks
                .into_par_iter()
                .map(|n| chunk_file(&self.index.docs, &self.starts, n)),
        );
        if chunks_moved
            || old
                .iter()
                .any(|(i, d)| facets(d) != facets(&self.index.docs[*i]))
        {
            files.push(self.meta());
        }
        files
    }

    /// Every file name of the index, `search/…`.
    pub fn paths(&self) -> impl Iterator<Item = String> + '_ {
        (0..self.shards)
            .map(|n| format!("search/t/{n}.js"))
            .chain((0..self.starts.len()).map(|n| format!("search/d/{n}.js")))
            .chain(std::iter::once("search/meta.js".to_string()))
    }

    fn shard(&self, n: u32) -> OutputFile {
        shard_file(
            n,
            self.postings[n as usize]
                .iter()
                .map(|(k, d)| (k.as_str(), d.as_str())),
        )
    }

    fn meta(&self) -> OutputFile {
        script_file("meta", &self.index.meta(self.shards, &self.starts))
    }
}

/// What `meta.js` holds of a page besides where its chunk starts: its facets
/// and title length.
fn facets(d: &Doc) -> (&str, Option<&str>, usize, &[String], &[String]) {
    (
        d.kind,
        d.status,
        d.title.chars().count(),
        &d.issuer,
        &d.tags,
    )
}

/// A page's entries, keyed by shard and token text.
fn page_entries(d: &Doc, shards: u32) -> PageEntries {
    let t = doc_tokens(d, shards);
    let mut out = PageEntries::new();
    let mut i = 0;
    while i < t.cjk.len() {
        let head = t.cjk[i] >> 32;
        let mut positions = Vec::new();
        while i < t.cjk.len() && t.cjk[i] >> 32 == head {
            positions.push(t.cjk[i] as u32);
            i += 1;
        }
        let key = head as u64;
        let positional = key >> 63 == 1;
        let entry = if positional {
            positional_entry(&positions)
        } else {
            vec![u32::from(positions[0] < t.title_len)]
        };
        out.insert(((head >> 64) as u32, cjk_text(key)), (positional, entry));
    }
    let mut i = 0;
    while i < t.words.len() {
        let (shard, word) = (t.words[i].0, &t.words[i].1);
        let mut positions = Vec::new();
        while i < t.words.len() && t.words[i].1 == *word {
            positions.push(t.words[i].2);
            i += 1;
        }
        out.insert(
            (shard, word.to_string()),
            (true, positional_entry(&positions)),
        );
    }
    out
}

fn positional_entry(positions: &[u32]) -> Entry {
    let mut e = Vec::with_capacity(positions.len() + 1);
    e.push(positions.len() as u32);
    let mut prev = 0;
    for &p in positions {
        e.push(p - prev);
        prev = p;
    }
    e
}

/// A token's postings with page `page`'s entry replaced (`None`: removed).
fn patch(data: &str, positional: bool, page: u32, entry: Option<&[u32]>) -> String {
    let mut numbers = data.bytes().map(vlq_digit).peekable();
    let mut next = || read_vlq(&mut numbers);
    let mut pages: Vec<(u32, Entry)> = Vec::new();
    let mut doc = 0;
    while let Some(n) = next() {
        if positional {
            doc += n;
            let count = next().unwrap_or(0);
            let mut e = vec![count];
            e.extend((0..count).map(|_| next().unwrap_or(0)));
            pages.push((doc, e));
        } else {
            doc += n >> 1;
            pages.push((doc, vec![n & 1]));
        }
    }
    let at = pages.partition_point(|(d, _)| *d < page);
    if pages.get(at).is_some_and(|(d, _)| *d == page) {
        pages.remove(at);
    }
    if let Some(e) = entry {
        pages.insert(at, (page, e.to_vec()));
    }
    let mut out = String::with_capacity(data.len() + 8);
    let mut last = 0;
    for (d, e) in pages {
        if positional {
            vlq(&mut out, d - last);
            for &n in &e {
                vlq(&mut out, n);
            }
        } else {
            vlq(&mut out, (d - last) * 2 + e[0]);
        }
        last = d;
    }
    out
}

/// The value of a digit of [`VLQ_DIGITS`].
fn vlq_digit(b: u8) -> u32 {
    (match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' => 62,
        _ => 63,
    }) as u32
}

/// The next number of a run of [`vlq`] digits.
fn read_vlq(digits: &mut impl Iterator<Item = u32>) -> Option<u32> {
    let (mut n, mut shift) = (0u32, 0);
    for d in digits.by_ref() {
        n |= (d & 31) << shift;
        shift += 5;
        if d & 32 == 0 {
            return Some(n);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Contents;

    fn bytes(f: &OutputFile) -> &[u8] {
        match &f.contents {
            Contents::Bytes(b) => b,
            Contents::Copy(_) => panic!("bytes"),
        }
    }

    /// Patches `before` into `after` and checks every file against a clean index.
    fn check(before: Vec<Doc>, after: Vec<Doc>) {
        let (mut live, files) = LiveIndex::from_index(SearchIndex {
            docs: before.clone(),
        });
        let mut current: BTreeMap<String, Vec<u8>> = files
            .iter()
            .map(|f| (f.path.clone(), bytes(f).to_vec()))
            .collect();
        let fresh = after
            .iter()
            .enumerate()
            .filter(|(i, d)| before[*i] != **d)
            .map(|(i, d)| (i, d.clone()))
            .collect();
        for f in live.replace(fresh) {
            current.insert(f.path.clone(), bytes(&f).to_vec());
        }
        let clean = SearchIndex { docs: after }.files();
        let paths: BTreeSet<String> = live.paths().collect();
        assert_eq!(paths, clean.iter().map(|f| f.path.clone()).collect());
        for f in &clean {
            assert_eq!(
                String::from_utf8_lossy(&current[&f.path]),
                String::from_utf8_lossy(bytes(f)),
                "{}",
                f.path
            );
        }
    }

    fn site() -> Vec<Doc> {
        (0..40)
            .map(|i| {
                Doc::sample(
                    &format!("政策{i}"),
                    &format!("<p>推进数字化转型 plan {i}，专精特新企业{}</p><h2 id=\"a\">目标</h2><p>到2025年 target</p>", i % 7),
                )
            })
            .collect()
    }

    #[test]
    fn a_body_edit_patches_the_postings() {
        let mut after = site();
        after[3].sections[0].text.push_str("新增段落 extra");
        after[17].sections[1].text = "完全不同的文字 other words".into();
        check(site(), after);
    }

    #[test]
    fn a_title_change_moves_every_position() {
        let mut after = site();
        after[0].title = "改过的标题很长很长".into();
        after[39].title = "短".into();
        check(site(), after);
    }

    #[test]
    fn removed_text_drops_its_postings() {
        let mut after = site();
        after[5].sections.clear();
        after[6].issuer.clear();
        check(site(), after);
    }

    #[test]
    fn growing_past_a_shard_boundary_rebuilds() {
        let mut after = site();
        after[2].sections[0].text = "数据".repeat(40_000);
        check(site(), after);
    }

    #[test]
    fn patch_round_trips_postings() {
        let mut p = patch("", true, 9, Some(&[1, 0]));
        p = patch(&p, true, 2, Some(&[1, 4]));
        p = patch(&p, true, 5, Some(&[2, 1, 3]));
        // pages 2, 5, 9: deltas 2, 3, 4.
        let mut out = String::new();
        for n in [2, 1, 4, 3, 2, 1, 3, 4, 1, 0] {
            vlq(&mut out, n);
        }
        assert_eq!(p, out);
        assert_eq!(
            patch(&patch(&p, true, 5, None), true, 2, None),
            patch("", true, 9, Some(&[1, 0]))
        );
        let singles = patch(&patch("", false, 3, Some(&[1])), false, 1, Some(&[0]));
        let mut out = String::new();
        vlq(&mut out, 2);
        vlq(&mut out, 5);
        assert_eq!(singles, out);
    }
}
