//! The search index kept in memory by `serve --watch`.
//!
//! An edit re-reads only the pages it may have changed and rewrites only the
//! files whose bytes change: the shards holding a token whose entry for those
//! pages differs, the `d/` files holding those pages (all of them when a
//! page's size moves a file boundary), `meta.js` and `facets.js` when what
//! they hold of a page changed. Each token's lists are kept as written;
//! patching a token reads its lists, replaces one page's entry and writes
//! them again. A change of the shard counts (the text grew or shrank past a
//! power of two) or of the set of pages builds it all again. The result is
//! byte for byte what [`SearchIndex::files`] gives.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use super::index::{
    Bodies, Card, Doc, SearchIndex, card_file, card_starts, doc, page_file, page_shards,
    position_file, position_shards,
};
use super::postings::{self, Entry, Lists, doc_tokens, each_token, title_flag};
use crate::graph::{EntityIdx, Graph};
use crate::output::OutputFile;
use crate::url::LinkStyle;

/// (position shard, token) -> (positional, entry) for one page.
type PageEntries = BTreeMap<(u32, String), (bool, Entry)>;

pub struct LiveIndex {
    index: SearchIndex,
    /// Page shards and position shards.
    shards: (u32, u32),
    /// Per position shard: token -> lists, in token order.
    lists: Vec<BTreeMap<String, Lists>>,
    /// Per page, what its result shows (from `index.docs`).
    cards: Vec<Card>,
    starts: Vec<usize>,
}

impl LiveIndex {
    /// The index of `graph`, with all its files.
    pub fn new(graph: &Graph, style: LinkStyle) -> (LiveIndex, Vec<OutputFile>) {
        Self::from_index(SearchIndex::build(graph, style))
    }

    fn from_index(mut index: SearchIndex) -> (LiveIndex, Vec<OutputFile>) {
        let built = postings::build(&mut index.docs, None, |_| {});
        let shards = (built.page_shards(), built.shards);
        let lists = built
            .into_lists()
            .into_iter()
            .map(|e| e.into_iter().collect())
            .collect();
        let cards: Vec<Card> = index.docs.iter().map(Card::of).collect();
        let live = LiveIndex {
            starts: card_starts(&cards),
            cards,
            index,
            shards,
            lists,
        };
        let mut files: Vec<OutputFile> = (0..shards.1).map(|n| live.position_file(n)).collect();
        files.extend((0..shards.0).map(|n| live.page_file(n)));
        files.extend((0..live.starts.len()).map(|n| card_file(&live.cards, &live.starts, n)));
        files.push(live.meta());
        files.push(live.index.facets());
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
            .map(|&i| (i, doc(graph, i, style, Bodies::Keep)))
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
            self.cards[i] = Card::of(&d);
            old.push((i, std::mem::replace(&mut self.index.docs[i], d)));
        }
        if position_shards(&self.index.docs) != self.shards.1 {
            let (live, files) = Self::from_index(std::mem::take(&mut self.index));
            *self = live;
            return files;
        }
        let by_shard = self.diffs(&old);
        let doc_bits = postings::doc_bits(self.index.docs.len());
        self.lists.par_iter_mut().enumerate().for_each(|(n, map)| {
            // Diffs are by token, then page: each token's lists are read and
            // written once, however many of its pages changed.
            let diffs = by_shard.get(&(n as u32)).map_or(&[][..], Vec::as_slice);
            for group in diffs.chunk_by(|a, b| a.0 == b.0) {
                let (token, positional) = (&group[0].0, group[0].1);
                let lists = map.remove(token).unwrap_or_default();
                let mut flat = postings::Flat::read(&lists, doc_bits);
                for (_, _, page, entry) in group {
                    flat.put(*page, entry.as_ref());
                }
                if !flat.docs.is_empty() {
                    map.insert(token.clone(), flat.write(positional, doc_bits));
                }
            }
        });
        let dirty: Vec<u32> = by_shard.into_keys().collect();
        let mut files: Vec<OutputFile> = dirty.par_iter().map(|&n| self.position_file(n)).collect();
        let page_count = page_shards(self.lists.iter().flatten(), self.shards.1);
        let regrouped = page_count != self.shards.0;
        self.shards.0 = page_count;
        let pages: BTreeSet<u32> = if regrouped {
            (0..page_count).collect()
        } else {
            dirty.iter().map(|n| n % page_count).collect()
        };
        files.par_extend(pages.into_par_iter().map(|n| self.page_file(n)));
        self.card_files(&old, regrouped, &mut files);
        if old
            .iter()
            .any(|(i, d)| facets(d) != facets(&self.index.docs[*i]))
        {
            files.push(self.index.facets());
        }
        files
    }

    /// Tokens whose entry for a page changed, by position shard.
    #[allow(clippy::type_complexity)]
    fn diffs(
        &self,
        old: &[(EntityIdx, Doc)],
    ) -> BTreeMap<u32, Vec<(String, bool, u32, Option<Entry>)>> {
        let shards = self.shards.1;
        let diffs: Vec<(u32, String, bool, u32, Option<Entry>)> = old
            .par_iter()
            .flat_map_iter(|(i, before)| {
                let page = *i as u32;
                let before = page_entries(before, page, shards);
                let mut after = page_entries(&self.index.docs[*i], page, shards);
                let mut out = Vec::new();
                for (key, (positional, entry)) in before {
                    match after.remove(&key) {
                        Some((_, e)) if e == entry => {}
                        now => out.push((key.0, key.1, positional, page, now.map(|n| n.1))),
                    }
                }
                out.extend(
                    after
                        .into_iter()
                        .map(|((s, t), (p, e))| (s, t, p, page, Some(e))),
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
        for diffs in by_shard.values_mut() {
            diffs.sort_by(|a, b| (&a.0, a.2).cmp(&(&b.0, b.2)));
        }
        by_shard
    }

    /// The `d/` files of the edited pages (all when a boundary moved), and
    /// `meta.js` when what it holds changed.
    fn card_files(
        &mut self,
        old: &[(EntityIdx, Doc)],
        regrouped: bool,
        files: &mut Vec<OutputFile>,
    ) {
        let starts = card_starts(&self.cards);
        let moved = starts != self.starts;
        let cards: BTreeSet<usize> = if moved {
            (0..starts.len()).collect()
        } else {
            old.iter()
                .map(|(i, _)| starts.partition_point(|&s| s <= *i) - 1)
                .collect()
        };
        self.starts = starts;
        let cards: Vec<usize> = cards.into_iter().collect();
        files.par_extend(
            cards
                .into_par_iter()
                .map(|n| card_file(&self.cards, &self.starts, n)),
        );
        if moved
            || regrouped
            || old
                .iter()
                .any(|(i, d)| meta_part(d) != meta_part(&self.index.docs[*i]))
        {
            files.push(self.meta());
        }
    }

    /// Every file name of the index, `search/…`.
    pub fn paths(&self) -> impl Iterator<Item = String> + '_ {
        (0..self.shards.0)
            .map(|n| format!("search/k/{n}.js"))
            .chain((0..self.shards.1).map(|n| format!("search/p/{n}.js")))
            .chain((0..self.starts.len()).map(|n| format!("search/d/{n}.js")))
            .chain(["search/meta.js".to_string(), "search/facets.js".to_string()])
    }

    fn position_file(&self, n: u32) -> OutputFile {
        position_file(n, self.lists[n as usize].values())
    }

    fn page_file(&self, n: u32) -> OutputFile {
        let entries = self
            .lists
            .iter()
            .skip(n as usize)
            .step_by(self.shards.0 as usize)
            .flatten();
        page_file(n, entries)
    }

    fn meta(&self) -> OutputFile {
        self.index.meta(self.shards.0, self.shards.1, &self.starts)
    }
}

/// What `meta.js` holds of a page besides where its `d/` file starts.
fn meta_part(d: &Doc) -> (&str, Option<&str>, usize) {
    (d.kind, d.status, d.title.chars().count())
}

/// What `facets.js` holds of a page.
fn facets(d: &Doc) -> (&[String], &[String]) {
    (&d.issuer, &d.tags)
}

/// A page's entries, keyed by position shard and token text.
fn page_entries(d: &Doc, page: u32, shards: u32) -> PageEntries {
    let t = doc_tokens(d, shards);
    let mut out = PageEntries::new();
    each_token(&t, 0, shards, |shard, token, positional, len, positions| {
        let entry = Entry {
            doc: page,
            title: title_flag(positions[0], len, t.title_len),
            positions: if positional {
                positions.to_vec()
            } else {
                Vec::new()
            },
        };
        out.insert((shard, token.text()), (positional, entry));
    });
    out
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

    /// A token's lists with page `page`'s entry replaced (`None`: removed).
    fn patch(lists: &Lists, positional: bool, page: u32, entry: Option<&Entry>) -> Lists {
        let mut flat = postings::Flat::read(lists, BITS);
        flat.put(page, entry);
        flat.write(positional, BITS)
    }

    /// Page numbers of the lists patched here: a site of up to 1,024 pages.
    const BITS: u32 = 10;

    #[test]
    fn a_site_of_many_page_shards_gets_the_same_files_a_group_at_a_time() {
        // Text of characters drawn at random, enough for as many page
        // shards as groups of tokens: a one-shot build then makes the
        // files a group at a time, which must be what the whole lists
        // give (the server's index, made from all of them at once).
        let groups = postings::group_count() as usize;
        let mut x: u32 = 0x9E37_79B9;
        let mut char_at = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            char::from_u32(0x4E00 + x % 6000).unwrap()
        };
        let pages = 40 * groups;
        let docs: Vec<Doc> = (0..pages)
            .map(|i| {
                let text: String = (0..600).map(|_| char_at()).collect();
                Doc::sample(&format!("页{i}"), &format!("<p>{text} word{i}</p>"))
            })
            .collect();
        let (live, files) = LiveIndex::from_index(SearchIndex { docs: docs.clone() });
        assert!(live.shards.0 as usize >= groups, "{:?}", live.shards);
        let made = SearchIndex { docs }.files();
        let mut files: Vec<_> = files.iter().map(|f| (f.path.clone(), bytes(f))).collect();
        files.sort();
        let made: Vec<_> = made.iter().map(|f| (f.path.clone(), bytes(f))).collect();
        assert_eq!(files.len(), made.len());
        for ((a, x), (b, y)) in files.iter().zip(&made) {
            assert_eq!((a, x), (b, y), "{a}");
        }
    }

    #[test]
    fn patch_round_trips_lists() {
        let e = |doc, positions: &[u32]| Entry {
            doc,
            title: 0,
            positions: positions.to_vec(),
        };
        let mut l = patch(&Lists::default(), true, 9, Some(&e(9, &[0])));
        l = patch(&l, true, 2, Some(&e(2, &[4])));
        l = patch(&l, true, 5, Some(&e(5, &[1, 3000])));
        assert_eq!(
            postings::read(&l, BITS),
            [e(2, &[4]), e(5, &[1, 3000]), e(9, &[0])]
        );
        let back = patch(&patch(&l, true, 5, None), true, 2, None);
        assert_eq!(back, patch(&Lists::default(), true, 9, Some(&e(9, &[0]))));
    }
}
