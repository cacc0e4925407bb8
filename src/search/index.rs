//! The search index: documents, postings, shards.
//!
//! A page's searchable text is its title, a lead line (summary, document
//! number, issuer, owner, unit) and its body split at headings. The index maps
//! every token of that text (see [`super::text::tokens`]) to the pages that
//! hold it and, for words and character pairs, the positions where they occur,
//! so the browser can check that a phrase's tokens stand side by side exactly
//! as typed. Tokens are spread over shards by a hash of their key; a query
//! loads only the shards of its own tokens.
//!
//! Files (all JavaScript calling `__pinakesSearch(name, data)`, so they load
//! with `<script>` tags from any static host and from `file://`):
//!
//! - `search/meta.js`: shard count, facet values, per page its facets and title
//!   length, and where the page-text chunks start;
//! - `search/t/<n>.js`: token -> postings (see [`Postings`]);
//! - `search/d/<n>.js`: title, URL and sections of consecutive pages, for
//!   result titles and snippets.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Mutex;

use rayon::prelude::*;

use super::text::{self, Section, TokenKind};
use crate::graph::{EntityIdx, Graph};
use crate::output::{Contents, OutputFile};
use crate::parse::entity::{Kind, KindData};
use crate::url::LinkStyle;

/// Approximate bytes of page text per chunk file.
const CHUNK_BYTES: usize = 8 * 1024;
/// Approximate bytes of postings per shard file.
const SHARD_BYTES: usize = 24 * 1024;

/// One page as the index holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    /// `policy`, `measure`, `metric` or `page`.
    pub kind: &'static str,
    pub status: Option<&'static str>,
    pub issuer: Vec<String>,
    pub tags: Vec<String>,
    pub title: String,
    /// Link path from the site root.
    pub url: String,
    pub sections: Vec<Section>,
}

impl Doc {
    /// Bytes of [`Doc::full_text`].
    fn text_len(&self) -> usize {
        self.title.len()
            + 1
            + self
                .sections
                .iter()
                .map(|x| x.text.len() + 1)
                .sum::<usize>()
    }

    /// The text positions refer to: title, newline, each section and newline.
    fn full_text(&self) -> String {
        let mut s = String::with_capacity(self.text_len());
        s.push_str(&self.title);
        s.push('\n');
        for sec in &self.sections {
            s.push_str(&sec.text);
            s.push('\n');
        }
        s
    }
}

/// The searchable pages of a site. Built from the graph; [`SearchIndex::update`]
/// redoes one page (after an edit) without touching the others.
#[derive(Debug, Clone, Default)]
pub struct SearchIndex {
    pub docs: Vec<Doc>,
}

impl SearchIndex {
    pub fn build(graph: &Graph, style: LinkStyle) -> SearchIndex {
        SearchIndex {
            docs: (0..graph.entities.len())
                .into_par_iter()
                .map(|i| doc(graph, i, style))
                .collect(),
        }
    }

    /// Re-reads entity `idx` (same graph shape: no page added or removed).
    pub fn update(&mut self, graph: &Graph, idx: EntityIdx, style: LinkStyle) {
        self.docs[idx] = doc(graph, idx, style);
    }

    /// The index files, ready to write, in path order.
    pub fn files(&self) -> Vec<OutputFile> {
        let files = Mutex::new(Vec::new());
        self.clone().into_files(|f| {
            files.lock().unwrap_or_else(|e| e.into_inner()).push(f);
            Ok::<(), ()>(())
        });
        let mut files = files.into_inner().unwrap_or_else(|e| e.into_inner());
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    }

    /// Hands each index file to `put` as soon as it is made, so that the
    /// whole index is never in memory at once; returns `put`'s errors. The
    /// page-text files go first: then each page's text is let go as soon as
    /// its tokens are in the postings.
    pub fn into_files<E: Send>(
        mut self,
        put: impl Fn(OutputFile) -> Result<(), E> + Sync,
    ) -> Vec<E> {
        let shards = shard_count(&self.docs);
        let starts = chunk_starts(&self.docs);
        let mut errors: Vec<E> = (0..starts.len())
            .into_par_iter()
            .filter_map(|n| put(chunk_file(&self.docs, &starts, n)).err())
            .collect();
        errors.extend(put(script_file("meta", &self.meta(shards, &starts))).err());
        let postings = shard_entries(&mut self.docs, shards, Text::Drop, |n, entries| {
            put(shard_file(
                n,
                entries.iter().map(|(k, d)| (k.as_str(), d.as_str())),
            ))
            .err()
        });
        errors.extend(postings.into_iter().flatten());
        errors
    }

    pub(super) fn meta(&self, shards: u32, chunk_starts: &[usize]) -> String {
        // Facet values by name; pages refer to them by number.
        let mut tables: [BTreeMap<&str, usize>; 4] = Default::default();
        for d in &self.docs {
            tables[0].insert(d.kind, 0);
            if let Some(s) = d.status {
                tables[1].insert(s, 0);
            }
            for v in &d.issuer {
                tables[2].insert(v, 0);
            }
            for v in &d.tags {
                tables[3].insert(v, 0);
            }
        }
        for t in &mut tables {
            for (n, v) in t.values_mut().enumerate() {
                *v = n;
            }
        }
        let mut docs = String::new();
        for d in &self.docs {
            vlq(&mut docs, tables[0][d.kind] as u32);
            vlq(&mut docs, d.status.map_or(0, |s| tables[1][s] as u32 + 1));
            vlq(&mut docs, d.title.chars().count() as u32);
            for (t, values) in [(2, &d.issuer), (3, &d.tags)] {
                vlq(&mut docs, values.len() as u32);
                for v in values {
                    vlq(&mut docs, tables[t][v.as_str()] as u32);
                }
            }
        }
        serde_json::json!({
            "shards": shards,
            "chunks": chunk_starts,
            "facets": {
                "kind": names(&tables[0]),
                "status": names(&tables[1]),
                "issuer": names(&tables[2]),
                "tags": names(&tables[3]),
            },
            "docs": docs,
        })
        .to_string()
    }
}

fn names<'a>(table: &BTreeMap<&'a str, usize>) -> Vec<&'a str> {
    table.keys().copied().collect()
}

/// Title, lead line (summary, document number, issuer, owner), body text
/// and, for a metric, its unit.
pub(super) fn doc(graph: &Graph, i: EntityIdx, style: LinkStyle) -> Doc {
    let e = &graph.entities[i];
    let mut lead: Vec<&str> = e.summary.iter().map(String::as_str).collect();
    let (mut status, mut issuer) = (None, Vec::new());
    match &e.data {
        KindData::Policy(p) => {
            status = p.status.map(crate::parse::entity::PolicyStatus::as_str);
            lead.extend(p.doc_number.as_deref());
            lead.extend(p.issuer.iter().map(String::as_str));
            issuer = p.issuer.clone();
        }
        KindData::Measure(m) => {
            status = m.status.map(crate::parse::entity::MeasureStatus::as_str);
            lead.extend(m.owner.as_deref());
        }
        KindData::Metric(_) | KindData::Page => {}
    }
    // Link labels are the targets' titles, as on the page.
    let html = crate::url::fill(&e.body.html, &graph.links[i], graph, "", style);
    let html = crate::render::shortcodes::fill_plain(&html, &e.body.shortcodes, graph);
    let mut sections = text::html_sections(&html);
    if !lead.is_empty() {
        let lead = lead.join("\n");
        match sections.first_mut() {
            Some(s) if s.id.is_empty() => {
                s.text = if s.text.is_empty() {
                    lead
                } else {
                    format!("{lead}\n{}", s.text)
                }
            }
            _ => sections.insert(
                0,
                Section {
                    id: String::new(),
                    text: lead,
                },
            ),
        }
    }
    // A metric is found by its unit too; it goes last, out of the snippets' way.
    if let Some(unit) = e.metric().and_then(|m| m.unit.clone()) {
        sections.push(Section {
            id: String::new(),
            text: unit,
        });
    }
    Doc {
        // A section is a page to a reader.
        kind: match e.kind {
            Kind::Section => Kind::Page.as_str(),
            k => k.as_str(),
        },
        status,
        issuer,
        tags: e.tags.clone(),
        title: e.title.clone(),
        url: style.path(&e.url_path),
        sections,
    }
}

/// A CJK token in 64 bits: a pair is `1 << 63 | first << 21 | second`, a
/// single character its code point.
fn cjk_key(kind: TokenKind, chars: &[char]) -> u64 {
    let packed = chars.iter().fold(0, |k, &c| (k << 21) | c as u64);
    if kind == TokenKind::Bigram {
        packed | 1 << 63
    } else {
        packed
    }
}

pub(super) fn cjk_text(key: u64) -> String {
    let c = |n: u64| char::from_u32((n & 0x1F_FFFF) as u32).unwrap_or('\u{FFFD}');
    if key >> 63 == 1 {
        [c(key >> 21), c(key)].iter().collect()
    } else {
        c(key).to_string()
    }
}

/// A page's tokens, sorted so that each shard's are together: CJK tokens as
/// `shard << 96 | key << 32 | position` (one integer sort), words as
/// (shard, word, position).
pub(super) struct DocTokens {
    pub(super) title_len: u32,
    pub(super) cjk: Vec<u128>,
    pub(super) words: Vec<(u32, Box<str>, u32)>,
}

pub(super) fn doc_tokens(d: &Doc, shards: u32) -> DocTokens {
    let chars: Vec<char> = d.full_text().chars().map(text::normalize).collect();
    let mut cjk = Vec::with_capacity(chars.len() * 2);
    let mut words = Vec::new();
    text::tokens(&chars, |kind, tok, pos| {
        let shard = text::shard_of(text::shard_key(kind, tok), shards);
        match kind {
            TokenKind::Word => words.push((shard, tok.iter().collect::<String>().into(), pos)),
            _ => cjk.push((shard as u128) << 96 | (cjk_key(kind, tok) as u128) << 32 | pos as u128),
        }
    });
    words.sort_unstable();
    DocTokens {
        title_len: d.title.chars().count() as u32,
        cjk: sort_by_shard(cjk, shards),
        words,
    }
}

/// Sorts a page's CJK tokens. A counting pass puts them in shard order
/// (keeping position order), then each shard's handful is sorted: far cheaper
/// than one sort of the thousands of 128-bit tokens of a long page.
fn sort_by_shard(tokens: Vec<u128>, shards: u32) -> Vec<u128> {
    let mut ends = vec![0usize; shards as usize + 1];
    for &t in &tokens {
        ends[(t >> 96) as usize + 1] += 1;
    }
    for s in 1..ends.len() {
        ends[s] += ends[s - 1];
    }
    let mut next = ends.clone();
    let mut sorted = vec![0u128; tokens.len()];
    for &t in &tokens {
        let slot = &mut next[(t >> 96) as usize];
        sorted[*slot] = t;
        *slot += 1;
    }
    for w in ends.windows(2).filter(|w| w[1] - w[0] > 1) {
        sorted[w[0]..w[1]].sort_unstable();
    }
    sorted
}

/// A token's postings, as text: for each page in order, the distance from the
/// previous page's number (the first: the number itself), then
/// - for words and pairs: the count of positions, the first position and the
///   distances between the next ones;
/// - for single characters: only the distance, doubled, plus one when the
///   character is in the title.
///
/// Numbers are written as base-64 variable-length quantities ([`vlq`]).
#[derive(Default)]
struct Postings {
    last_doc: u32,
    data: String,
}

impl Postings {
    fn push(&mut self, doc: u32, title_len: u32, positional: bool, positions: &[u32]) {
        let delta = doc - self.last_doc;
        self.last_doc = doc;
        if positional {
            vlq(&mut self.data, delta);
            vlq(&mut self.data, positions.len() as u32);
            let mut prev = 0;
            for &p in positions {
                vlq(&mut self.data, p - prev);
                prev = p;
            }
        } else {
            vlq(
                &mut self.data,
                delta * 2 + u32::from(positions[0] < title_len),
            );
        }
    }
}

type FxMap<K> = HashMap<K, Postings, BuildHasherDefault<FxHasher>>;

/// The postings of a range of shards.
struct ShardGroup {
    lo: u32,
    cjk: Vec<FxMap<u64>>,
    words: Vec<FxMap<Box<str>>>,
}

impl ShardGroup {
    fn absorb(&mut self, doc: u32, t: &DocTokens, hi: u32) {
        let lo = self.lo;
        let mut positions = Vec::new();
        let (a, b) = (
            t.cjk.partition_point(|&r| ((r >> 96) as u32) < lo),
            t.cjk.partition_point(|&r| ((r >> 96) as u32) < hi),
        );
        let mut i = a;
        while i < b {
            let head = t.cjk[i] >> 32;
            positions.clear();
            while i < b && t.cjk[i] >> 32 == head {
                positions.push(t.cjk[i] as u32);
                i += 1;
            }
            let key = head as u64;
            self.cjk[((head >> 64) as u32 - lo) as usize]
                .entry(key)
                .or_default()
                .push(doc, t.title_len, key >> 63 == 1, &positions);
        }
        let (a, b) = (
            t.words.partition_point(|w| w.0 < lo),
            t.words.partition_point(|w| w.0 < hi),
        );
        let mut i = a;
        while i < b {
            let (shard, word) = (t.words[i].0, &t.words[i].1);
            positions.clear();
            while i < b && t.words[i].1 == *word {
                positions.push(t.words[i].2);
                i += 1;
            }
            let map = &mut self.words[(shard - lo) as usize];
            match map.get_mut(word) {
                Some(p) => p.push(doc, t.title_len, true, &positions),
                None => {
                    map.entry(word.clone())
                        .or_default()
                        .push(doc, t.title_len, true, &positions)
                }
            }
        }
    }

    /// Each shard's entries (token -> postings), sorted by token.
    fn entries(self) -> impl Iterator<Item = (u32, Vec<(String, String)>)> {
        let lo = self.lo;
        self.cjk
            .into_iter()
            .zip(self.words)
            .enumerate()
            .map(move |(k, (cjk, words))| {
                let mut entries: Vec<(String, String)> = cjk
                    .into_iter()
                    .map(|(key, p)| (cjk_text(key), p.data))
                    .chain(words.into_iter().map(|(w, p)| (w.into(), p.data)))
                    .collect();
                entries.sort_unstable();
                (lo + k as u32, entries)
            })
    }
}

/// A shard file from its entries in token order.
pub(super) fn shard_file<'a>(
    shard: u32,
    entries: impl Iterator<Item = (&'a str, &'a str)>,
) -> OutputFile {
    let mut json = String::from("{");
    for (n, (key, data)) in entries.enumerate() {
        if n > 0 {
            json.push(',');
        }
        json.push_str(&serde_json::Value::from(key).to_string());
        json.push_str(":\"");
        json.push_str(data);
        json.push('"');
    }
    json.push('}');
    script_file(&format!("t/{shard}"), &json)
}

/// Whether [`shard_entries`] keeps the pages' text (for later patches) or
/// lets each page's go once it is tokenized.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Text {
    Keep,
    Drop,
}

/// Pages are tokenized in parallel batches (so the tokens of only one batch
/// are in memory); each batch is then merged into the postings by ranges of
/// shards in parallel, each range owning its maps. Each shard's entries
/// (token, postings) are handed to `each` in token order as they are made.
pub(super) fn shard_entries<T: Send>(
    docs: &mut [Doc],
    shards: u32,
    text: Text,
    each: impl Fn(u32, Vec<(String, String)>) -> T + Sync,
) -> Vec<T> {
    const BATCH: usize = 64;
    let ranges = (rayon::current_num_threads() * 4).min(shards as usize) as u32;
    let mut groups: Vec<(ShardGroup, u32)> = (0..ranges)
        .map(|g| {
            let (lo, hi) = (g * shards / ranges, (g + 1) * shards / ranges);
            let n = (hi - lo) as usize;
            let group = ShardGroup {
                lo,
                cjk: (0..n).map(|_| FxMap::default()).collect(),
                words: (0..n).map(|_| FxMap::default()).collect(),
            };
            (group, hi)
        })
        .collect();
    for (b, batch) in docs.chunks_mut(BATCH).enumerate() {
        let first = (b * BATCH) as u32;
        let tokens: Vec<DocTokens> = batch.par_iter().map(|d| doc_tokens(d, shards)).collect();
        if text == Text::Drop {
            batch.iter_mut().for_each(|d| d.sections = Vec::new());
        }
        groups.par_iter_mut().for_each(|(group, hi)| {
            for (n, t) in tokens.iter().enumerate() {
                group.absorb(first + n as u32, t, *hi);
            }
        });
    }
    groups
        .into_par_iter()
        .flat_map_iter(|(group, _)| group.entries().map(|(n, e)| each(n, e)))
        .collect()
}

/// Multiply-rotate hashing (as in rustc): keys here are short and not
/// attacker-chosen, and SipHash would dominate the merge.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The shard count: postings take about as many bytes as the text (a CJK
/// character is three bytes of text, and a pair and a single character of
/// postings).
pub(super) fn shard_count(docs: &[Doc]) -> u32 {
    let text_bytes: usize = docs.iter().map(Doc::text_len).sum();
    (text_bytes / SHARD_BYTES)
        .clamp(1, 4096)
        .next_power_of_two() as u32
}

/// Page text goes in chunks of about [`CHUNK_BYTES`]: each chunk's first page.
pub(super) fn chunk_starts(docs: &[Doc]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut bytes = 0;
    for (i, d) in docs.iter().enumerate() {
        if i == 0 || bytes > CHUNK_BYTES {
            starts.push(i);
            bytes = 0;
        }
        bytes += d.text_len() + d.url.len();
    }
    starts
}

/// Chunk `n`: title, URL and sections of its pages.
pub(super) fn chunk_file(docs: &[Doc], starts: &[usize], n: usize) -> OutputFile {
    let end = starts.get(n + 1).copied().unwrap_or(docs.len());
    let pages: Vec<serde_json::Value> = docs[starts[n]..end]
        .iter()
        .map(|d| {
            let sections: Vec<serde_json::Value> = d
                .sections
                .iter()
                .map(|s| serde_json::json!([s.id, s.text]))
                .collect();
            serde_json::json!([d.title, d.url, sections])
        })
        .collect();
    script_file(
        &format!("d/{n}"),
        &serde_json::Value::from(pages).to_string(),
    )
}

pub(super) fn script_file(name: &str, json: &str) -> OutputFile {
    OutputFile {
        path: format!("search/{name}.js"),
        contents: Contents::Bytes(format!("__pinakesSearch(\"{name}\",{json});\n").into_bytes()),
    }
}

pub(super) const VLQ_DIGITS: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Appends `n` in base 64, five bits per digit, low bits first; a digit of 32
/// or more means another digit follows.
pub fn vlq(out: &mut String, mut n: u32) {
    loop {
        let d = n & 31;
        n >>= 5;
        if n == 0 {
            out.push(VLQ_DIGITS[d as usize] as char);
            return;
        }
        out.push(VLQ_DIGITS[(d | 32) as usize] as char);
    }
}

/// A policy's entry for the unit tests of the index and its patches.
#[cfg(test)]
impl Doc {
    pub(crate) fn sample(title: &str, body: &str) -> Doc {
        Doc {
            kind: Kind::Policy.as_str(),
            status: Some("in-force"),
            issuer: vec!["省政府".into()],
            tags: vec!["数字化".into()],
            title: title.into(),
            url: format!("policies/{title}/"),
            sections: super::text::html_sections(body),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads back the shard files: token -> postings text.
    fn shards(files: &[OutputFile]) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for f in files.iter().filter(|f| f.path.starts_with("search/t/")) {
            let Contents::Bytes(b) = &f.contents else {
                panic!("bytes")
            };
            let s = std::str::from_utf8(b).unwrap();
            let json = &s[s.find(',').unwrap() + 1..s.rfind(')').unwrap()];
            let map: BTreeMap<String, String> = serde_json::from_str(json).unwrap();
            out.extend(map);
        }
        out
    }

    fn unvlq(s: &str) -> Vec<u32> {
        let mut out = Vec::new();
        let (mut n, mut shift) = (0u32, 0);
        for b in s.bytes() {
            let d = VLQ_DIGITS.iter().position(|&x| x == b).unwrap() as u32;
            n |= (d & 31) << shift;
            shift += 5;
            if d & 32 == 0 {
                out.push(n);
                (n, shift) = (0, 0);
            }
        }
        out
    }

    fn index(docs: Vec<Doc>) -> BTreeMap<String, Vec<u32>> {
        shards(&SearchIndex { docs }.files())
            .into_iter()
            .map(|(k, v)| (k, unvlq(&v)))
            .collect()
    }

    #[test]
    fn vlq_round_trips() {
        for n in [0, 1, 31, 32, 1000, 1 << 20, u32::MAX] {
            let mut s = String::new();
            vlq(&mut s, n);
            assert_eq!(unvlq(&s), [n]);
        }
    }

    #[test]
    fn cjk_pairs_carry_positions_and_single_characters_the_title_flag() {
        // Full text: "专精特新\n专精特新企业\n" -> title 0..4, body from 5.
        let idx = index(vec![
            Doc::sample("专精特新", "<p>专精特新企业</p>"),
            Doc::sample("其他", "<p>企业</p>"),
        ]);
        // doc 0: 2 positions (title 0, body 5).
        assert_eq!(idx["专精"], [0, 2, 0, 5]);
        // docs 0 and 1 (delta 1): 企业 at 9 in doc 0, at 3 in doc 1.
        assert_eq!(idx["企业"], [0, 1, 9, 1, 1, 3]);
        // Single characters: (delta * 2 + in title).
        assert_eq!(idx["专"], [1]);
        assert_eq!(idx["企"], [0, 2]);
        assert!(!idx.contains_key("新企业"), "no triples");
    }

    #[test]
    fn latin_words_are_lowercased_with_positions() {
        let idx = index(vec![Doc::sample("Digital Plan", "<p>the DIGITAL twin</p>")]);
        // "digital plan\nthe digital twin\n": 0 and 17.
        assert_eq!(idx["digital"], [0, 2, 0, 17]);
        assert_eq!(idx["twin"], [0, 1, 25]);
        assert!(!idx.contains_key("Digital"));
    }

    #[test]
    fn mixed_text_splits_words_from_pairs() {
        let idx = index(vec![Doc::sample("站", "<p>新开通5G基站，AI 赋能</p>")]);
        // The body starts at 2: 新2 开3 通4 5g5 基7 站8 ，9 ai10 赋13 能14.
        assert_eq!(idx["5g"], [0, 1, 5]);
        assert_eq!(idx["基站"], [0, 1, 7]);
        assert_eq!(idx["ai"], [0, 1, 10]);
        assert_eq!(idx["赋能"], [0, 1, 13]);
        assert!(!idx.contains_key("通5"), "no pair across scripts");
        // 站 is in the title and the body.
        assert_eq!(idx["站"], [1]);
    }

    #[test]
    fn meta_holds_facets_and_title_lengths() {
        let files = SearchIndex {
            docs: vec![Doc::sample("甲乙", "<p>x</p>")],
        }
        .files();
        let meta = files.iter().find(|f| f.path == "search/meta.js").unwrap();
        let Contents::Bytes(b) = &meta.contents else {
            panic!("bytes")
        };
        let s = std::str::from_utf8(b).unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&s[s.find(',').unwrap() + 1..s.rfind(')').unwrap()]).unwrap();
        assert_eq!(v["facets"]["status"][0], "in-force");
        assert_eq!(v["facets"]["issuer"][0], "省政府");
        // kind 0, status 0+1, title length 2, one issuer (0), one tag (0).
        assert_eq!(unvlq(v["docs"].as_str().unwrap()), [0, 1, 2, 1, 0, 1, 0]);
        assert_eq!(v["chunks"][0], 0);
    }
}
