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

use rayon::prelude::*;

use super::text::{self, Section, TokenKind};
use crate::graph::{EntityIdx, Graph};
use crate::parse::entity::{Kind, KindData};
use crate::render::context;
use crate::render::links::{self, LinkStyle};
use crate::render::{Contents, OutputFile};

/// Approximate bytes of page text per chunk file.
const CHUNK_BYTES: usize = 8 * 1024;
/// Approximate bytes of postings per shard file.
const SHARD_BYTES: usize = 24 * 1024;

/// One page as the index holds it.
#[derive(Debug, Clone)]
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
    /// The text positions refer to: title, newline, each section and newline.
    pub fn full_text(&self) -> String {
        let mut s = String::with_capacity(
            self.title.len() + 1 + self.sections.iter().map(|x| x.text.len() + 1).sum::<usize>(),
        );
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

    /// The index files, ready to write.
    pub fn files(&self) -> Vec<OutputFile> {
        let total_chars: usize = self.docs.iter().map(|d| d.full_text().len() / 2).sum();
        let shards = (total_chars * 2 / SHARD_BYTES).clamp(1, 4096).next_power_of_two() as u32;
        let mut files = shard_files(&self.docs, shards);
        let (chunk_starts, chunk_files) = chunk_files(&self.docs);
        files.extend(chunk_files);
        files.push(script_file("meta", &self.meta(shards, &chunk_starts)));
        files
    }

    fn meta(&self, shards: u32, chunk_starts: &[usize]) -> String {
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
            "v": 1,
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

/// Lead line, title and body text of one entity.
fn doc(graph: &Graph, i: EntityIdx, style: LinkStyle) -> Doc {
    let e = &graph.entities[i];
    let mut lead: Vec<&str> = e.summary.iter().map(String::as_str).collect();
    let (mut status, mut issuer) = (None, Vec::new());
    match &e.data {
        KindData::Policy(p) => {
            status = p.status.map(context::policy_status);
            lead.extend(p.doc_number.as_deref());
            lead.extend(p.issuer.iter().map(String::as_str));
            issuer = p.issuer.clone();
        }
        KindData::Measure(m) => {
            status = m.status.map(context::measure_status);
            lead.extend(m.owner.as_deref());
        }
        KindData::Metric(m) => lead.extend(m.unit.as_deref()),
        KindData::Page => {}
    }
    // Link labels are the targets' titles, as on the page.
    let html = links::fill(&e.body.html, &graph.links[i], graph, "", style);
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
    Doc {
        kind: match e.kind {
            Kind::Policy => "policy",
            Kind::Measure => "measure",
            Kind::Metric => "metric",
            Kind::Page | Kind::Section => "page",
        },
        status,
        issuer,
        tags: e.tags.clone(),
        title: e.title.clone(),
        url: style.path(&e.url_path),
        sections,
    }
}

/// A token's identity: CJK tokens packed into an integer, words as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    Cjk(u64),
    Word(Box<str>),
}

impl Key {
    fn new(kind: TokenKind, chars: &[char]) -> Key {
        match kind {
            TokenKind::Word => Key::Word(chars.iter().collect::<String>().into()),
            _ => Key::Cjk(chars.iter().fold(0, |k, &c| (k << 21) | c as u64)),
        }
    }

    fn text(&self) -> String {
        match self {
            Key::Word(w) => w.to_string(),
            Key::Cjk(k) => {
                let (hi, lo) = ((k >> 21) as u32, (k & 0x1F_FFFF) as u32);
                [hi, lo]
                    .into_iter()
                    .filter(|&c| c != 0)
                    .filter_map(char::from_u32)
                    .collect()
            }
        }
    }
}

/// One occurrence of a token in a page, sorted by shard, token, position.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Record {
    shard: u32,
    key: Key,
    pos: u32,
    positional: bool,
}

fn records(d: &Doc, shards: u32) -> Vec<Record> {
    let chars: Vec<char> = d.full_text().chars().map(text::normalize).collect();
    let mut out = Vec::with_capacity(chars.len() * 2);
    text::tokens(&chars, |kind, tok, pos| {
        out.push(Record {
            shard: text::shard_of(text::shard_key(kind, tok), shards),
            key: Key::new(kind, tok),
            pos,
            positional: kind != TokenKind::Unigram,
        });
    });
    out.sort_unstable();
    out
}

/// A token's postings, as text: for each page in order, the distance from the
/// previous page's number (the first: the number itself), then
/// - for words and pairs: the count of positions, the first position and the
///   distances between the next ones;
/// - for single characters: only the distance, doubled, plus one when the
///   character is in the title.
///
/// Numbers are written as base-64 variable-length quantities ([`vlq`]).
struct Postings {
    last_doc: Option<u32>,
    data: String,
}

impl Postings {
    fn push(&mut self, doc: u32, title_len: u32, recs: &[Record]) {
        let delta = match self.last_doc {
            Some(l) => doc - l,
            None => doc,
        };
        self.last_doc = Some(doc);
        if recs[0].positional {
            vlq(&mut self.data, delta);
            vlq(&mut self.data, recs.len() as u32);
            let mut prev = 0;
            for r in recs {
                vlq(&mut self.data, r.pos - prev);
                prev = r.pos;
            }
        } else {
            vlq(&mut self.data, delta * 2 + u32::from(recs[0].pos < title_len));
        }
    }
}

/// Pages are tokenized in parallel batches (so the records of only one batch
/// are in memory); each batch is then merged into the postings by shard
/// ranges in parallel, each range owning its own maps.
fn shard_files(docs: &[Doc], shards: u32) -> Vec<OutputFile> {
    const BATCH: usize = 256;
    let ranges = (rayon::current_num_threads() * 4).min(shards as usize);
    let mut groups: Vec<(u32, u32, Vec<TokenMap>)> = (0..ranges as u32)
        .map(|g| {
            let (lo, hi) = (
                g * shards / ranges as u32,
                (g + 1) * shards / ranges as u32,
            );
            (lo, hi, (lo..hi).map(|_| TokenMap::default()).collect())
        })
        .collect();
    for (b, batch) in docs.chunks(BATCH).enumerate() {
        let first = (b * BATCH) as u32;
        let recs: Vec<(u32, Vec<Record>)> = batch
            .par_iter()
            .map(|d| (d.title.chars().count() as u32, records(d, shards)))
            .collect();
        groups.par_iter_mut().for_each(|(lo, hi, maps)| {
            for (n, (title_len, recs)) in recs.iter().enumerate() {
                let a = recs.partition_point(|r| r.shard < *lo);
                let b = recs.partition_point(|r| r.shard < *hi);
                let mut i = a;
                while i < b {
                    let j = i + recs[i..b].partition_point(|r| r.key == recs[i].key);
                    maps[(recs[i].shard - *lo) as usize]
                        .entry(recs[i].key.clone())
                        .or_insert_with(|| Postings {
                            last_doc: None,
                            data: String::new(),
                        })
                        .push(first + n as u32, *title_len, &recs[i..j]);
                    i = j;
                }
            }
        });
    }
    groups
        .into_par_iter()
        .flat_map_iter(|(lo, _, maps)| {
            maps.into_iter().enumerate().map(move |(k, map)| {
                let mut entries: Vec<(String, String)> =
                    map.into_iter().map(|(key, p)| (key.text(), p.data)).collect();
                entries.sort_unstable();
                let mut json = String::from("{");
                for (n, (key, data)) in entries.iter().enumerate() {
                    if n > 0 {
                        json.push(',');
                    }
                    json.push_str(&serde_json::Value::from(key.as_str()).to_string());
                    json.push(':');
                    json.push('"');
                    json.push_str(data);
                    json.push('"');
                }
                json.push('}');
                script_file(&format!("t/{}", lo as usize + k), &json)
            })
        })
        .collect()
}

type TokenMap = HashMap<Key, Postings, BuildHasherDefault<FxHasher>>;

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

/// Page text in chunks of about [`CHUNK_BYTES`]; returns each chunk's first page.
fn chunk_files(docs: &[Doc]) -> (Vec<usize>, Vec<OutputFile>) {
    let mut starts = Vec::new();
    let mut files = Vec::new();
    let mut current: Vec<serde_json::Value> = Vec::new();
    let mut bytes = 0;
    let mut flush = |current: &mut Vec<serde_json::Value>, starts: &mut Vec<usize>, first| {
        let n = starts.len();
        starts.push(first);
        files.push(script_file(
            &format!("d/{n}"),
            &serde_json::Value::from(std::mem::take(current)).to_string(),
        ));
    };
    let mut first = 0;
    for (i, d) in docs.iter().enumerate() {
        if bytes > CHUNK_BYTES {
            flush(&mut current, &mut starts, first);
            first = i;
            bytes = 0;
        }
        bytes += d.full_text().len() + d.url.len();
        let sections: Vec<serde_json::Value> = d
            .sections
            .iter()
            .map(|s| serde_json::json!([s.id, s.text]))
            .collect();
        current.push(serde_json::json!([d.title, d.url, sections]));
    }
    if !current.is_empty() {
        flush(&mut current, &mut starts, first);
    }
    (starts, files)
}

fn script_file(name: &str, json: &str) -> OutputFile {
    OutputFile {
        path: format!("search/{name}.js"),
        contents: Contents::Bytes(format!("__pinakesSearch(\"{name}\",{json});\n").into_bytes()),
    }
}

const VLQ_DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

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

