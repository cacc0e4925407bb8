//! The search index: pages, postings, shards.
//!
//! A page's searchable text is its title, a lead line (summary, document
//! number, issuer, owner, unit) and its body split at headings. The index maps
//! every token of that text (see [`super::text::Tokenizer`]) to the pages that
//! hold it and, for words and character pairs, the positions where they occur,
//! so the browser can check that a phrase's tokens stand side by side exactly
//! as typed. The text itself is not stored: positions say where a match is,
//! and a result shows its page's title and the heading of the section holding
//! the match.
//!
//! Files (all JavaScript calling `__pinakesSearch(name, data)`, so they load
//! with `<script>` tags from any static host and from `file://`):
//!
//! - `search/meta.js`: shard counts, where the `d/` files start, kinds and
//!   statuses, per page its kind, status and title length;
//! - `search/facets.js`: issuers and tags, per page (the search page's filters);
//! - `search/k/<n>.js`: each token with its page list (and title list);
//!   `search/p/<n>.js`: the position lists of a shard's tokens in their
//!   order, unnamed (see [`page_file`], [`position_file`] and
//!   [`super::postings`]);
//! - `search/d/<n>.js`: title, link and section headings of consecutive pages.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use rayon::prelude::*;

use super::postings::{self, Lists, Token};
use super::text::{self, Section};
use crate::graph::{EntityIdx, Graph};
use crate::output::{Contents, OutputFile};
use crate::parse::entity::{Kind, KindData};
use crate::url::LinkStyle;

/// Approximate bytes per `d/` file: a first query loads one per result shown.
const CARD_BYTES: usize = 3 * 1024;
/// Approximate bytes per page-list shard.
const PAGE_SHARD_BYTES: usize = 16 * 1024;

/// One page as the index holds it.
#[derive(Debug, Clone, PartialEq, Default)]
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
    pub fn text_len(&self) -> usize {
        self.title.len()
            + 1
            + self
                .sections
                .iter()
                .map(|x| x.text.len() + 1)
                .sum::<usize>()
    }

    /// The text positions refer to: title, newline, each section and newline.
    pub fn full_text(&self) -> String {
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
                .map(|i| doc(graph, i, style, Bodies::Keep))
                .collect(),
        }
    }

    /// Re-reads entity `idx` (same graph shape: no page added or removed).
    pub fn update(&mut self, graph: &Graph, idx: EntityIdx, style: LinkStyle) {
        self.docs[idx] = doc(graph, idx, style, Bodies::Keep);
    }

    /// The index files, ready to write, in path order.
    pub fn files(&self) -> Vec<OutputFile> {
        let files = Mutex::new(Vec::new());
        self.clone().index_files(None, |f| {
            files.lock().unwrap_or_else(|e| e.into_inner()).push(f);
            Ok::<(), ()>(())
        });
        let mut files = files.into_inner().unwrap_or_else(|e| e.into_inner());
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    }

    /// The index of `graph`, its files handed to `put` as they are made: each
    /// page's text is made, tokenized and let go a batch of pages at a time,
    /// so that the site's text is never held whole (nor, with
    /// [`Bodies::LetGo`], its bodies' HTML).
    pub fn put_graph_files<E: Send>(
        graph: &Graph,
        style: LinkStyle,
        bodies: Bodies,
        put: impl Fn(OutputFile) -> Result<(), E> + Sync,
    ) -> Vec<E> {
        let mut index = SearchIndex {
            docs: vec![Doc::default(); graph.entities.len()],
        };
        index.index_files(Some(&|i| doc(graph, i, style, bodies)), put)
    }

    /// The files of the pages `make` gives (else of those held), each
    /// handed to `put` as soon as it is made (`put`'s errors returned), each
    /// page's text let go once it is in the postings.
    fn index_files<E: Send>(
        &mut self,
        make: Option<&(dyn Fn(usize) -> Doc + Sync)>,
        put: impl Fn(OutputFile) -> Result<(), E> + Sync,
    ) -> Vec<E> {
        let start = std::time::Instant::now();
        let errors = Mutex::new(Vec::new());
        let fail = |e| errors.lock().unwrap_or_else(|e| e.into_inner()).push(e);
        // Each `d/` file is made and written by a task of its own, which
        // an idle core takes up: the postings go on meanwhile.
        let docs = &mut self.docs;
        let (built, starts) = rayon::scope(|scope| {
            let put_cards = |(n, cards): CardsOfFile| {
                let (put, fail) = (&put, &fail);
                scope.spawn(move |_| put(cards_file(&cards, n)).unwrap_or_else(fail));
            };
            let mut cards = CardWriter::default();
            let built = postings::build(docs, make, |d| {
                if let Some(file) = cards.add(Card::of(d)) {
                    put_cards(file);
                }
                d.sections = Vec::new();
            });
            let (last, starts) = cards.finish();
            if let Some(file) = last {
                put_cards(file);
            }
            (built, starts)
        });
        let mut errors = errors.into_inner().unwrap_or_else(|e| e.into_inner());
        crate::lap("postings", start, || {
            format!(
                " (text, tokens and lists: {:.1} MB of text, {} tokens)",
                built.text as f64 / 1e6,
                built.tokens()
            )
        });
        let (pages, positions) = (built.page_shards(), built.shards);
        errors.extend(put(self.facets()).err());
        errors.extend(put(self.meta(pages, positions, &starts)).err());
        let errors = Mutex::new(errors);
        let fail = |e| errors.lock().unwrap_or_else(|e| e.into_inner()).push(e);
        // A part's shards hold whole page shards: page shard `n` is made
        // of the position shards `n` modulo the page shard count.
        built.each_part(pages, |part| {
            part.par_iter().for_each(|(n, lists)| {
                if let Err(e) = put(position_file(*n, lists.iter().map(|(_, l)| l))) {
                    fail(e);
                }
            });
            let mut page_shards: Vec<u32> = part.iter().map(|(n, _)| n % pages).collect();
            page_shards.sort_unstable();
            page_shards.dedup();
            page_shards.par_iter().for_each(|&m| {
                let entries = part
                    .iter()
                    .filter(|(n, _)| n % pages == m)
                    .flat_map(|(_, lists)| lists)
                    .map(|(t, l)| (t, l));
                if let Err(e) = put(page_file(m, entries)) {
                    fail(e);
                }
            });
        });
        errors.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    /// `meta.js`: what every query needs.
    /// Kind and status (one number) and title length of each page.
    fn title_lengths(&self) -> String {
        let (kinds, statuses) = self.kinds_and_statuses();
        let width = statuses.len() as u32 + 1;
        let mut docs = String::new();
        for d in &self.docs {
            let status = d.status.map_or(0, |s| statuses[s] as u32 + 1);
            vlq(&mut docs, kinds[d.kind] as u32 * width + status);
            vlq(&mut docs, d.title.chars().count() as u32);
        }
        docs
    }

    fn kinds_and_statuses(&self) -> (BTreeMap<&str, usize>, BTreeMap<&str, usize>) {
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        let mut statuses: BTreeMap<&str, usize> = BTreeMap::new();
        for d in &self.docs {
            kinds.insert(d.kind, 0);
            if let Some(s) = d.status {
                statuses.insert(s, 0);
            }
        }
        number(&mut kinds);
        number(&mut statuses);
        (kinds, statuses)
    }

    /// `meta.js`: what every query needs.
    pub(super) fn meta(&self, pages: u32, positions: u32, card_starts: &[usize]) -> OutputFile {
        let (kinds, statuses) = self.kinds_and_statuses();
        let docs = self.title_lengths();
        script_file(
            "meta",
            &serde_json::json!({
                "k": pages,
                "p": positions,
                "cards": card_starts,
                "kind": names(&kinds),
                "status": names(&statuses),
                "docs": docs,
            })
            .to_string(),
        )
    }

    /// `facets.js`: issuers and tags of every page.
    pub(super) fn facets(&self) -> OutputFile {
        let mut tables: [BTreeMap<&str, usize>; 2] = Default::default();
        for d in &self.docs {
            for v in &d.issuer {
                tables[0].insert(v, 0);
            }
            for v in &d.tags {
                tables[1].insert(v, 0);
            }
        }
        tables.iter_mut().for_each(number);
        let mut docs = String::new();
        for d in &self.docs {
            for (t, values) in [(0, &d.issuer), (1, &d.tags)] {
                vlq(&mut docs, values.len() as u32);
                for v in values {
                    vlq(&mut docs, tables[t][v.as_str()] as u32);
                }
            }
        }
        script_file(
            "facets",
            &serde_json::json!({
                "issuer": names(&tables[0]),
                "tags": names(&tables[1]),
                "docs": docs,
            })
            .to_string(),
        )
    }
}

fn number(table: &mut BTreeMap<&str, usize>) {
    for (n, v) in table.values_mut().enumerate() {
        *v = n;
    }
}

fn names<'a>(table: &BTreeMap<&'a str, usize>) -> Vec<&'a str> {
    table.keys().copied().collect()
}

/// What making a page's search text does with its body's HTML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bodies {
    Keep,
    /// Leaves it empty: the index is its last reader in a build that keeps
    /// nothing.
    LetGo,
}

/// Title, lead line (summary, document number, issuer, owner), body text
/// and, for a metric, its unit.
pub(super) fn doc(graph: &Graph, i: EntityIdx, style: LinkStyle, bodies: Bodies) -> Doc {
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
    // Only the start of a very long page is indexed: its HTML is cut before
    // the text is taken out (markup is part of it; `cap_text` cuts exactly).
    let (taken, read);
    let body: &str = match bodies {
        Bodies::LetGo => {
            taken = e.body.html.take();
            &taken
        }
        Bodies::Keep => {
            read = e.body.html.read();
            &read
        }
    };
    let html = prefix(body, MAX_INDEXED_BYTES * 2);
    let html = crate::url::fill(html, &graph.links[i], graph, "", style);
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
    cap_text(&mut sections, MAX_INDEXED_BYTES);
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

/// Text of one page that is indexed, in bytes: about a million Chinese
/// characters, far more than a reader pages through, while a 70 MB law
/// collection keeps the index (and the build's memory) bounded.
const MAX_INDEXED_BYTES: usize = 3 * 1024 * 1024;

/// The first `max` bytes of `s`, at a character boundary.
fn prefix(s: &str, max: usize) -> &str {
    let mut cut = max.min(s.len());
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    &s[..cut]
}

/// Drops the text of `sections` past `max` bytes (at a character boundary).
fn cap_text(sections: &mut Vec<Section>, max: usize) {
    let mut left = max;
    let mut keep = 0;
    for s in sections.iter_mut() {
        keep += 1;
        if s.text.len() > left {
            let cut = prefix(&s.text, left).len();
            s.text.truncate(cut);
            break;
        }
        left -= s.text.len();
    }
    sections.truncate(keep);
}

/// The position shard count of `docs` (see [`postings::shard_count`]).
pub(super) fn position_shards(docs: &[Doc]) -> u32 {
    postings::shard_count(docs.iter().map(Doc::text_len).sum())
}

/// The page shard count, from the page lists' bytes: at most as many as
/// position shards (see [`super::postings`]).
pub(super) fn page_shards<'a>(
    lists: impl Iterator<Item = (&'a String, &'a Lists)>,
    positions: u32,
) -> u32 {
    let bytes = lists.map(|(t, l)| page_entry_bytes(t.len(), l.pages.len()));
    page_shard_count(bytes.sum(), positions)
}

/// A token's bytes in its page file, without its title list: its name, its
/// page list and a space after each.
pub(super) fn page_entry_bytes(name: usize, pages: usize) -> usize {
    name + pages + 2
}

/// The page shard count for page files of `bytes` in all (of `positions`
/// position shards at most).
pub(super) fn page_shard_count(bytes: usize, positions: u32) -> u32 {
    postings::pow2(bytes / PAGE_SHARD_BYTES, positions)
}

/// The page lists of page shard `n` (those of the position shards whose
/// number is `n` modulo the page shard count): one string of each token
/// and its page list, a space after each, the list followed by `'` and the
/// token's title list when it has one. Neither a token (letters and
/// digits) nor a list ([`super::codec::ALPHABET`]) holds a space or a
/// `'`; a script splits the string. As a JSON object, the quotes, colons
/// and commas were a seventh of the page files.
pub(super) fn page_file<'a, T: TokenName + 'a, L: ListText + 'a>(
    n: u32,
    entries: impl Iterator<Item = (&'a T, &'a L)>,
) -> OutputFile {
    let mut entries: Vec<(&T, &L)> = entries.collect();
    entries.sort_unstable_by_key(|e| e.0);
    let size = entries
        .iter()
        .map(|(t, l)| t.name_len() + l.pages_len() + l.titles().len() + 3)
        .sum();
    shard_script(&format!("k/{n}"), size, |js| {
        for (token, lists) in entries {
            token.push_name(js);
            js.push(b' ');
            lists.push_pages(js);
            if !lists.titles().is_empty() {
                js.push(b'\'');
                js.extend_from_slice(lists.titles().as_bytes());
            }
            js.push(b' ');
        }
    })
}

/// The position lists of position shard `n`, in the order of their
/// tokens, without the tokens' names (tokens without one left out), a
/// space after each. The page file of the shard names every token, so a
/// script finds a token's list by its place among the shard's tokens that
/// have one: names written twice were a sixth of the index.
pub(super) fn position_file<'a, L: ListText + 'a>(
    n: u32,
    entries: impl Iterator<Item = &'a L>,
) -> OutputFile {
    let lists: Vec<&L> = entries.filter(|l| l.positions_len() > 0).collect();
    let size = lists.iter().map(|l| l.positions_len() + 1).sum();
    shard_script(&format!("p/{n}"), size, |js| {
        for l in lists {
            l.push_positions(js);
            js.push(b' ');
        }
    })
}

/// A shard's script: one string, which `items` writes, each item with a
/// space after it (the last is taken off). Written once at its final size
/// (shards hold thousands of lists: growing the text as it is written
/// copied it over and over).
fn shard_script(name: &str, size: usize, items: impl FnOnce(&mut Vec<u8>)) -> OutputFile {
    let mut js = Vec::with_capacity(size + name.len() + 32);
    js.extend_from_slice(b"__pinakesSearch(\"");
    js.extend_from_slice(name.as_bytes());
    js.extend_from_slice(b"\",\"");
    let start = js.len();
    items(&mut js);
    if js.len() > start {
        js.pop();
    }
    js.extend_from_slice(b"\");\n");
    OutputFile {
        path: format!("search/{name}.js"),
        contents: Contents::Bytes(js),
    }
}

/// A token's name as page files write it: by its text (the dev server's
/// lists) or by its key ([`Token`], a build's).
pub(super) trait TokenName: Ord {
    /// Bytes of the name written, before any escaping.
    fn name_len(&self) -> usize;
    fn push_name(&self, out: &mut Vec<u8>);
}

impl TokenName for String {
    fn name_len(&self) -> usize {
        self.len()
    }

    fn push_name(&self, out: &mut Vec<u8>) {
        push_escaped(out, self)
    }
}

impl TokenName for Token {
    fn name_len(&self) -> usize {
        self.text_len()
    }

    /// CJK characters never need escaping; words are escaped as text.
    fn push_name(&self, out: &mut Vec<u8>) {
        match self {
            Token::Cjk(_) => self.push_to(out),
            Token::Word(w) => push_escaped(out, w),
        }
    }
}

/// A token's lists as shard files write them: as text ([`Lists`], the dev
/// server's) or as a build leaves them ([`postings::Written`]).
pub(super) trait ListText {
    /// The page list's text: its length, and appended to `out`.
    fn pages_len(&self) -> usize;
    fn push_pages(&self, out: &mut Vec<u8>);
    /// The title list ([`postings::title_text`]), empty when none.
    fn titles(&self) -> &str;
    /// The position list's text, empty for single characters.
    fn positions_len(&self) -> usize;
    fn push_positions(&self, out: &mut Vec<u8>);
}

impl ListText for Lists {
    fn pages_len(&self) -> usize {
        self.pages.len()
    }

    fn push_pages(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.pages.as_bytes())
    }

    fn titles(&self) -> &str {
        &self.titles
    }

    fn positions_len(&self) -> usize {
        self.positions.len()
    }

    fn push_positions(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.positions.as_bytes())
    }
}

/// `s` inside a JSON string: tokens are text of the page (a quote, a
/// backslash or a control character cannot be in a token of letters and
/// digits, but is escaped all the same).
fn push_escaped(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.extend_from_slice(s.as_bytes());
    } else {
        let quoted = serde_json::Value::from(s).to_string();
        out.extend_from_slice(&quoted.as_bytes()[1..quoted.len() - 1]);
    }
}

/// What a result shows of a page: its title, link and headed sections.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Card {
    title: String,
    url: String,
    sections: Vec<CardSection>,
}

#[derive(Debug, Clone, PartialEq)]
struct CardSection {
    id: String,
    heading: String,
    /// Where the section starts in the page's text, in characters.
    start: usize,
}

impl Card {
    pub(super) fn of(d: &Doc) -> Card {
        let mut sections = Vec::new();
        let mut at = d.title.chars().count() + 1;
        for s in &d.sections {
            if !s.id.is_empty() {
                sections.push(CardSection {
                    id: s.id.clone(),
                    heading: s.text.split('\n').next().unwrap_or("").to_string(),
                    start: at,
                });
            }
            at += s.text.chars().count() + 1;
        }
        Card {
            title: d.title.clone(),
            url: d.url.clone(),
            sections,
        }
    }

    /// Bytes of its entry in a `d/` file, about.
    fn len(&self) -> usize {
        self.title.len()
            + self.url.len() / 2
            + self.sections.iter().map(|s| 8 + s.id.len()).sum::<usize>()
    }
}

/// Pages go in `d/` files of about [`CARD_BYTES`]: each file's first page.
pub(super) fn card_starts(cards: &[Card]) -> Vec<usize> {
    let mut files = CardFiles::default();
    for c in cards {
        files.add(c.len());
    }
    files.starts
}

/// Pages put in `d/` files as they come, in order: where each file starts,
/// and the bytes of the last one so far.
#[derive(Default)]
struct CardFiles {
    starts: Vec<usize>,
    pages: usize,
    bytes: usize,
}

impl CardFiles {
    /// Adds the next page, its card of `len` bytes; true when it starts a
    /// file.
    fn add(&mut self, len: usize) -> bool {
        let starts = self.pages == 0 || self.bytes > CARD_BYTES;
        if starts {
            self.starts.push(self.pages);
            self.bytes = 0;
        }
        self.pages += 1;
        self.bytes += len;
        starts
    }
}

/// Cards gathered into their `d/` files as the postings let go of each
/// page, a file handed over as soon as the page after it starts the next
/// one: a large site's cards (14 MB at 50,000 pages) were held to the end
/// of the index.
#[derive(Default)]
pub(super) struct CardWriter {
    files: CardFiles,
    /// The cards of the file being filled.
    open: Vec<Card>,
}

/// A `d/` file's number and cards.
pub(super) type CardsOfFile = (usize, Vec<Card>);

impl CardWriter {
    /// Adds the next page's card; returns the file it closed, if any.
    pub(super) fn add(&mut self, card: Card) -> Option<CardsOfFile> {
        let mut closed = None;
        if self.files.add(card.len()) && !self.open.is_empty() {
            let n = self.files.starts.len() - 2;
            closed = Some((n, std::mem::take(&mut self.open)));
        }
        self.open.push(card);
        closed
    }

    /// The last file, if any, and where each file starts.
    pub(super) fn finish(self) -> (Option<CardsOfFile>, Vec<usize>) {
        let n = self.files.starts.len().saturating_sub(1);
        let last = (!self.open.is_empty()).then_some((n, self.open));
        (last, self.files.starts)
    }
}

/// `d/<n>` of `cards`, the file's `n` of those `starts` divides them into.
pub(super) fn card_file(cards: &[Card], starts: &[usize], n: usize) -> OutputFile {
    let end = starts.get(n + 1).copied().unwrap_or(cards.len());
    cards_file(&cards[starts[n]..end], n)
}

/// `d/<n>`: per page its title, link and sections (where each starts in the
/// text, and its heading). Headings are listed once per file.
fn cards_file(cards: &[Card], n: usize) -> OutputFile {
    let mut heads: Vec<serde_json::Value> = Vec::new();
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    let pages: Vec<serde_json::Value> = cards
        .iter()
        .map(|c| {
            let mut secs = Vec::new();
            for s in &c.sections {
                let next = seen.len();
                let h = *seen.entry((&s.id, &s.heading)).or_insert_with(|| {
                    heads.push(if s.heading == s.id {
                        serde_json::json!(s.id)
                    } else {
                        serde_json::json!([s.id, s.heading])
                    });
                    next
                });
                secs.push(s.start);
                secs.push(h);
            }
            serde_json::json!([c.title, short_url(&c.url), secs])
        })
        .collect();
    script_file(
        &format!("d/{n}"),
        &serde_json::json!({"heads": heads, "pages": pages}).to_string(),
    )
}

/// A link with its non-ASCII characters as themselves: the script encodes
/// them again (`%XX`, upper case, as [`crate::url::encode_path`] does).
fn short_url(url: &str) -> String {
    let b = url.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let byte = (b[i] == b'%' && i + 2 < b.len())
            .then(|| u8::from_str_radix(&url[i + 1..i + 3], 16).ok())
            .flatten()
            .filter(|&v| v >= 0x80 && url[i + 1..i + 3].bytes().all(|c| !c.is_ascii_lowercase()));
        match byte {
            Some(v) => {
                out.push(v);
                i += 3;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| url.to_string())
}

pub(super) fn script_file(name: &str, json: &str) -> OutputFile {
    OutputFile {
        path: format!("search/{name}.js"),
        contents: Contents::Bytes(format!("__pinakesSearch(\"{name}\",{json});\n").into_bytes()),
    }
}

use super::codec::DIGITS as VLQ_DIGITS;

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
#[path = "index_tests.rs"]
mod tests;
