//! Postings: for every token, the pages holding it and where.
//!
//! Each token has two lists, in two kinds of shard files:
//! - its **page list** (`k/<n>.js`): the pages holding it (the first page's
//!   number in as many bits as the last page's needs, then gaps), and apart
//!   from them, the pages whose title holds it and whether at its start
//!   (rare: a bit on every page for them was a fifth of the page lists).
//!   One-token queries (`推进`, `digi`, `链`) need only this;
//! - its **position list** (`p/<n>.js`), words and character pairs only: for
//!   each page of the page list, the count and the character positions. Only
//!   a query of several tokens (`专精特新`, `5G基站`) loads it.
//!
//! Lists are bit codes ([`super::codec`]); a token's shard is a hash of its
//! key ([`text::shard_of`]), with as many position shards as page shards or a
//! multiple, so that page shard = position shard mod page shards.

use std::collections::HashMap;

use rayon::prelude::*;

use super::codec::{Adapt, BitReader, BitWriter};
use super::index::Doc;
use super::text::{self, TokenKind};

/// A token's lists, as written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lists {
    pub pages: String,
    /// The pages whose title holds the token ([`title_text`]); empty when
    /// none does.
    pub titles: String,
    /// Empty for single characters.
    pub positions: String,
}

/// One page's entry in a token's lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub doc: u32,
    /// 0: not in the title, 1: in it, 2: at its start.
    pub title: u8,
    /// Empty for single characters.
    pub positions: Vec<u32>,
}

/// The typical position the codes of positions start from (those of gaps
/// between pages start from the list's first page, [`first_doc`]).
pub const POSITION: u32 = 64;

/// A token's lists being written, page by page. Between runs of pages
/// ([`Run`]) a list is its codes' state and the bits not yet written as
/// bytes, in 40 bytes; the bytes are behind one pointer, made by the first
/// run that writes any (most tokens are on a few pages, and their bits
/// wait here until the end). A site has hundreds of thousands of lists.
pub struct ListWriter {
    /// The pages' bytes and the positions' bytes ([`BitWriter`]).
    text: Option<Box<[Vec<u8>; 2]>>,
    /// Bits not yet written of each, the last `pending_len` of them.
    pending: [u64; 2],
    next_doc: u32,
    doc_gaps: Adapt,
    gaps: Adapt,
    pending_len: [u8; 2],
}

impl Default for ListWriter {
    fn default() -> Self {
        ListWriter {
            text: None,
            pending: [0; 2],
            next_doc: 0,
            // Set by the first page ([`first_doc`]).
            doc_gaps: Adapt::new(1),
            gaps: Adapt::new(POSITION),
            pending_len: [0; 2],
        }
    }
}

impl ListWriter {
    /// The list opened to add pages of a site of pages numbered in
    /// `doc_bits` bits ([`doc_bits`]); it is put back when the [`OpenList`]
    /// is dropped.
    pub fn open(&mut self, doc_bits: u32) -> OpenList<'_> {
        let [pages, positions] = self.take_text();
        OpenList {
            pages: BitWriter::resume(pages, self.pending[0], self.pending_len[0].into()),
            positions: BitWriter::resume(positions, self.pending[1], self.pending_len[1].into()),
            doc_bits,
            list: self,
        }
    }

    /// Adds page `doc` (after every page added so far).
    pub fn push(&mut self, doc: u32, positional: bool, positions: &[u32], doc_bits: u32) {
        self.open(doc_bits).push(doc, positional, positions);
    }

    /// The lists as text, with `titles` ([`title_text`]).
    pub fn finish(mut self, titles: String) -> Lists {
        let [pages, positions] = self.take_text();
        let finish = |text, n: usize| {
            BitWriter::resume(text, self.pending[n], self.pending_len[n].into()).finish()
        };
        Lists {
            pages: finish(pages, 0),
            titles,
            positions: finish(positions, 1),
        }
    }

    /// The bytes written of list `n` (0 the pages, 1 the positions).
    fn written(&self, n: usize) -> &[u8] {
        self.text.as_deref().map_or(&[], |text| &text[n])
    }

    /// The length of list `n`'s text once finished.
    fn text_len(&self, n: usize) -> usize {
        BitWriter::text_len(self.written(n).len(), self.pending_len[n].into())
    }

    /// Appends list `n`'s text to `out`.
    fn push_text(&self, n: usize, out: &mut Vec<u8>) {
        let (acc, len) = (self.pending[n], self.pending_len[n].into());
        BitWriter::push_text(out, self.written(n), acc, len);
    }

    fn take_text(&mut self) -> [Vec<u8>; 2] {
        match self.text.as_deref_mut() {
            Some([pages, positions]) => [std::mem::take(pages), std::mem::take(positions)],
            None => [Vec::new(), Vec::new()],
        }
    }
}

/// A list while pages are added to it ([`ListWriter::open`]).
pub struct OpenList<'a> {
    list: &'a mut ListWriter,
    pages: BitWriter,
    positions: BitWriter,
    doc_bits: u32,
}

impl OpenList<'_> {
    /// Adds page `doc` (after every page added so far).
    #[inline]
    pub fn push(&mut self, doc: u32, positional: bool, positions: &[u32]) {
        let list = &mut *self.list;
        // No page follows page 0 but the first: `next_doc` 0 is a new list.
        match list.next_doc {
            0 => list.doc_gaps = first_doc(&mut self.pages, doc, self.doc_bits),
            next => self.pages.eg(doc - next, &mut list.doc_gaps),
        }
        list.next_doc = doc + 1;
        if positional {
            self.positions.gamma(positions.len() as u32);
            let mut prev = None;
            for &p in positions {
                let n = prev.map_or(p, |q: u32| p - q - 1);
                self.positions.eg(n, &mut list.gaps);
                prev = Some(p);
            }
        }
    }
}

impl Drop for OpenList<'_> {
    fn drop(&mut self) {
        let (pages, pending, len) = std::mem::take(&mut self.pages).into_parts();
        (self.list.pending[0], self.list.pending_len[0]) = (pending, len as u8);
        let (positions, pending, len) = std::mem::take(&mut self.positions).into_parts();
        (self.list.pending[1], self.list.pending_len[1]) = (pending, len as u8);
        match self.list.text.as_deref_mut() {
            Some(text) => *text = [pages, positions],
            None if pages.is_empty() && positions.is_empty() => {}
            None => self.list.text = Some(Box::new([pages, positions])),
        }
    }
}

/// Bits of a page's number in a site of `docs` pages: those of the last,
/// and at least one, so that a list is never empty text.
pub fn doc_bits(docs: usize) -> u32 {
    (usize::BITS - docs.saturating_sub(1).leading_zeros()).max(1)
}

/// Writes a list's first page: its number in `doc_bits` bits (a gap from 0
/// would be coded for small gaps, about twice the bits of a large one).
/// Returns the state the codes of the gaps after it start from: its size
/// (a token on few pages has gaps of about the first's size, a token on
/// most pages small ones).
fn first_doc(out: &mut BitWriter, doc: u32, doc_bits: u32) -> Adapt {
    out.bits(doc.into(), doc_bits);
    Adapt::new(doc.clamp(1, 1 << 26))
}

/// The pages whose title holds a token, in page order, with the token's
/// title flag there (1: in it, 2: at its start): the first page and the
/// gaps after it as in a page list, each with a bit for "at its start".
pub fn title_text(entries: impl IntoIterator<Item = (u32, u8)>, doc_bits: u32) -> String {
    let mut entries = entries.into_iter();
    let Some((first, flag)) = entries.next() else {
        return String::new();
    };
    let mut out = BitWriter::default();
    let mut gaps = first_doc(&mut out, first, doc_bits);
    out.bit(flag == 2);
    let mut next = first + 1;
    for (doc, flag) in entries {
        out.eg(doc - next, &mut gaps);
        out.bit(flag == 2);
        next = doc + 1;
    }
    out.finish()
}

/// The title flag of a token first found at `first`, `len` characters long.
pub fn title_flag(first: u32, len: u32, title_len: u32) -> u8 {
    match first {
        0 if len <= title_len => 2,
        _ if first + len <= title_len => 1,
        _ => 0,
    }
}

/// Bits of a position in a packed CJK token.
const POSITION_BITS: u32 = 22;
const POSITION_MASK: u64 = (1 << POSITION_BITS) - 1;
/// Text positions past this are not indexed (a page's text is capped far
/// below it, see `MAX_INDEXED_BYTES`).
const MAX_POSITION: usize = POSITION_MASK as usize;

/// A CJK token as a number: a single character is its code point, a pair
/// `first << 21 | second`. CJK code points are far above zero, so a pair's
/// key is never below `1 << 21`.
fn cjk_key(chars: &[char]) -> u64 {
    chars.iter().fold(0, |k, &c| (k << 21) | c as u64)
}

fn is_pair(key: u64) -> bool {
    key >> 21 != 0
}

/// The characters of a CJK token's key: the first `n` of the array.
fn cjk_chars(key: u64) -> ([char; 2], usize) {
    let c = |n: u64| char::from_u32((n & 0x1F_FFFF) as u32).unwrap_or('\u{FFFD}');
    match is_pair(key) {
        true => ([c(key >> 21), c(key)], 2),
        false => ([c(key), ' '], 1),
    }
}

/// A page's tokens, grouped by shard (of as many as the caller asks for:
/// the position shards, or the groups of [`build`]). CJK tokens are
/// `key << 22 | position`, in shard order, each shard's in position order;
/// shard `s` holds `cjk[bounds[s]..bounds[s + 1]]`. Words are (shard, word,
/// position), sorted.
pub(super) struct DocTokens {
    pub(super) title_len: u32,
    cjk: Vec<u64>,
    bounds: Vec<u32>,
    words: Vec<(u32, Box<str>, u32)>,
}

thread_local! {
    /// What tokenizing a page needs that outlives the page: buffers kept
    /// from page to page (a long page's are hundreds of kilobytes, which a
    /// fresh allocation would fault in again), and which characters were seen.
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

#[derive(Default)]
struct Scratch {
    seen: Seen,
    /// The page's CJK tokens in position order, and each one's hash.
    cjk: Vec<u64>,
    hashes: Vec<u32>,
}

/// Per code point, the last page that held it: single characters need only
/// their first position (their lists hold pages, not positions).
#[derive(Default)]
struct Seen {
    page: u32,
    last: Vec<u32>,
}

impl Seen {
    fn next_page(&mut self) {
        self.page = self.page.wrapping_add(1);
        if self.page == 0 {
            self.last.fill(0);
            self.page = 1;
        }
    }

    /// Whether `c` is new on this page (and marks it seen).
    #[inline]
    fn first(&mut self, c: char) -> bool {
        let i = c as usize;
        if i >= self.last.len() {
            self.last.resize(i + 1, 0);
        }
        std::mem::replace(&mut self.last[i], self.page) != self.page
    }
}

/// A page's tokens: its text read once, a character at a time.
pub(super) fn doc_tokens(d: &Doc, shards: u32) -> DocTokens {
    SCRATCH.with_borrow_mut(|scratch| {
        let Scratch { seen, cjk, hashes } = scratch;
        cjk.clear();
        hashes.clear();
        seen.next_page();
        let mut words = Vec::new();
        let mut emit = |kind, tok: &[char], pos| match kind {
            TokenKind::Word => {
                let shard = text::shard_of(text::shard_key(kind, tok), shards);
                words.push((shard, tok.iter().collect::<String>().into(), pos))
            }
            TokenKind::Unigram if !seen.first(tok[0]) => {}
            TokenKind::Unigram | TokenKind::Bigram => {
                cjk.push(cjk_key(tok) << POSITION_BITS | pos as u64);
                hashes.push(text::hash(tok));
            }
        };
        let mut t = text::Tokenizer::default();
        let pieces = std::iter::once(&d.title).chain(d.sections.iter().map(|s| &s.text));
        'text: for piece in pieces {
            for c in piece.chars().chain(['\n']) {
                if t.position() as usize >= MAX_POSITION {
                    break 'text;
                }
                t.push(text::normalize(c), &mut emit);
            }
        }
        t.finish(&mut emit);
        words.sort_unstable();
        let (cjk, bounds) = by_shard(cjk, hashes, shards);
        DocTokens {
            title_len: d.title.chars().count() as u32,
            cjk,
            bounds,
            words,
        }
    })
}

/// Calls `f(shard, token, positional, token length, positions)` for each
/// token of a page, grouped, shards from `lo` to `hi`.
pub(super) fn each_token(
    t: &DocTokens,
    lo: u32,
    hi: u32,
    mut f: impl FnMut(u32, TokenRef, bool, u32, &[u32]),
) {
    let (mut positions, mut run) = (Vec::new(), Vec::new());
    for shard in lo..hi {
        // Sorted, `key << 22 | position` brings each token's positions
        // together, in order.
        run.clear();
        run.extend_from_slice(
            &t.cjk[t.bounds[shard as usize] as usize..t.bounds[shard as usize + 1] as usize],
        );
        run.sort_unstable();
        let mut i = 0;
        while i < run.len() {
            let key = run[i] >> POSITION_BITS;
            positions.clear();
            while i < run.len() && run[i] >> POSITION_BITS == key {
                positions.push((run[i] & POSITION_MASK) as u32);
                i += 1;
            }
            let pair = is_pair(key);
            f(shard, TokenRef::Cjk(key), pair, 1 + pair as u32, &positions);
        }
    }
    each_word(t, lo, hi, |shard, word, len, positions| {
        f(shard, TokenRef::Word(word), true, len, positions)
    });
}

/// Calls `f(shard, word, length, positions)` for each word of a page,
/// shards from `lo` to `hi`.
fn each_word(t: &DocTokens, lo: u32, hi: u32, mut f: impl FnMut(u32, &str, u32, &[u32])) {
    let (a, b) = (
        t.words.partition_point(|w| w.0 < lo),
        t.words.partition_point(|w| w.0 < hi),
    );
    let mut positions = Vec::new();
    let mut i = a;
    while i < b {
        let (shard, word) = (t.words[i].0, &t.words[i].1);
        positions.clear();
        while i < b && t.words[i].1 == *word {
            positions.push(t.words[i].2);
            i += 1;
        }
        f(shard, word, word.chars().count() as u32, &positions);
    }
}

pub(super) enum TokenRef<'a> {
    Cjk(u64),
    Word(&'a str),
}

impl TokenRef<'_> {
    pub(super) fn text(&self) -> String {
        match self {
            TokenRef::Cjk(k) => Token::Cjk(*k).text(),
            TokenRef::Word(w) => w.to_string(),
        }
    }
}

/// A token of a finished group, as the shard files sort and name it: a
/// CJK token by its key (no string made for each of hundreds of thousands),
/// a word by its text. Ordered as their texts are, by code point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Token {
    Cjk(u64),
    Word(Box<str>),
}

impl Token {
    /// Appends the token's text to `out`.
    pub(super) fn push_to(&self, out: &mut Vec<u8>) {
        match self {
            Token::Cjk(k) => {
                let (chars, len) = cjk_chars(*k);
                for c in &chars[..len] {
                    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                }
            }
            Token::Word(w) => out.extend_from_slice(w.as_bytes()),
        }
    }

    /// The token's text.
    pub(super) fn text(&self) -> String {
        let mut text = Vec::with_capacity(self.text_len());
        self.push_to(&mut text);
        String::from_utf8(text).unwrap_or_default()
    }

    /// The length of its text in bytes.
    pub(super) fn text_len(&self) -> usize {
        match self {
            Token::Cjk(k) => {
                let (chars, len) = cjk_chars(*k);
                chars[..len].iter().map(|c| c.len_utf8()).sum()
            }
            Token::Word(w) => w.len(),
        }
    }
}

/// A CJK key as a number in the order of its text: the first character,
/// then whether a second follows (a character sorts before its pairs),
/// then the second.
fn text_order(key: u64) -> u64 {
    match is_pair(key) {
        true => (key >> 21) << 22 | 1 << 21 | key & 0x1F_FFFF,
        false => key << 22,
    }
}

impl Ord for Token {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let cjk = |k: u64| {
            let (chars, len) = cjk_chars(k);
            chars.into_iter().take(len)
        };
        match (self, other) {
            (Token::Cjk(a), Token::Cjk(b)) => text_order(*a).cmp(&text_order(*b)),
            (Token::Word(a), Token::Word(b)) => a.cmp(b),
            (Token::Word(w), Token::Cjk(k)) => w.chars().cmp(cjk(*k)),
            (Token::Cjk(k), Token::Word(w)) => cjk(*k).cmp(w.chars()),
        }
    }
}

impl PartialOrd for Token {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Puts a page's CJK tokens in shard order (`hashes` holds each one's
/// hash, whose low bits are its shard), each shard's in position order: one
/// counting pass. Returns the tokens and where each shard starts.
fn by_shard(tokens: &[u64], hashes: &[u32], shards: u32) -> (Vec<u64>, Vec<u32>) {
    let mut bounds = vec![0u32; shards as usize + 2];
    // Counted one slot ahead, so that the running sum leaves each shard's
    // start in `bounds[shard + 1]`.
    for h in hashes {
        bounds[(h & (shards - 1)) as usize + 2] += 1;
    }
    for b in 2..bounds.len() {
        bounds[b] += bounds[b - 1];
    }
    // Not cleared first (for a long page, megabytes): every slot is written.
    let mut sorted: Vec<u64> = Vec::with_capacity(tokens.len());
    let slots = sorted.spare_capacity_mut();
    for (&t, &h) in tokens.iter().zip(hashes) {
        let slot = &mut bounds[(h & (shards - 1)) as usize + 1];
        slots[*slot as usize].write(t);
        *slot += 1;
    }
    // SAFETY: the slots written are `0..tokens.len()`, each exactly once:
    // shard `s` fills `start(s)..start(s + 1)`, and the shards tile it.
    unsafe { sorted.set_len(tokens.len()) };
    // Each `bounds[s + 1]` now ends shard `s`: `bounds` is where each starts.
    bounds.pop();
    (sorted, bounds)
}

/// Keys here are short and not attacker-chosen: rustc's Fx hash, as
/// SipHash would dominate the merge.
type FxMap<K, V> = HashMap<K, V, rustc_hash::FxBuildHasher>;

/// The list numbers of CJK tokens by key: open addressing, linear probing,
/// each slot one word holding the key and its list's number, so that a
/// group's table fits in the core's cache and a find touches one line.
struct CjkTable {
    /// `key << INDEX_BITS | list`, 0 for an empty slot (a key never is 0).
    slots: Vec<u64>,
    keys: usize,
    /// Keys whose list number does not fit a slot (past four million
    /// tokens in one group: not seen in real text, but not refused), and
    /// the first number that does not (lower in tests).
    spill: FxMap<u64, u32>,
    spill_from: u32,
}

impl Default for CjkTable {
    fn default() -> Self {
        CjkTable {
            slots: Vec::new(),
            keys: 0,
            spill: HashMap::default(),
            spill_from: INDEX_MASK as u32,
        }
    }
}

/// Bits of a list's number in a slot: a key (two 21-bit code points) takes
/// the other 42.
const INDEX_BITS: u32 = 22;
const INDEX_MASK: u64 = (1 << INDEX_BITS) - 1;

impl CjkTable {
    /// A key's first slot: Fibonacci hashing, the product's top bits.
    fn home(&self, key: u64) -> usize {
        let bits = self.slots.len().trailing_zeros();
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
    }

    /// Asks the cache for a key's first slot.
    fn prefetch(&self, key: u64) {
        if !self.slots.is_empty() {
            prefetch(&self.slots[self.home(key)]);
        }
    }

    /// The number of `key`'s list; `new` when the key is new.
    #[inline]
    fn find(&mut self, key: u64, new: u32) -> u32 {
        if (self.keys + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            match self.slots[i] {
                0 => break,
                slot if slot >> INDEX_BITS == key => {
                    return match slot & INDEX_MASK {
                        INDEX_MASK => self.spill[&key],
                        n => n as u32,
                    };
                }
                _ => i = (i + 1) & mask,
            }
        }
        self.keys += 1;
        let mut packed = u64::from(new);
        if new >= self.spill_from {
            self.spill.insert(key, new);
            packed = INDEX_MASK;
        }
        self.slots[i] = key << INDEX_BITS | packed;
        new
    }

    #[cold]
    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(1024);
        let old = std::mem::replace(&mut self.slots, vec![0; size]);
        for slot in old.into_iter().filter(|&s| s != 0) {
            let mut i = self.home(slot >> INDEX_BITS);
            while self.slots[i] != 0 {
                i = (i + 1) & (size - 1);
            }
            self.slots[i] = slot;
        }
    }

    /// Every key with its list's number.
    fn keys(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.slots.iter().filter(|&&s| s != 0).map(|&slot| {
            let key = slot >> INDEX_BITS;
            match slot & INDEX_MASK {
                INDEX_MASK => (key, self.spill[&key]),
                n => (key, n as u32),
            }
        })
    }
}

/// Asks the cache for the line holding `x` (a hint: nothing else changes).
#[inline(always)]
fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch only hints the cache; `x` is a valid reference.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>((x as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// How far ahead a key's slot is fetched, in tokens of the page.
const AHEAD: usize = 16;

/// A token's length in characters, and whether its list keeps positions
/// (the top bit).
#[derive(Clone, Copy)]
struct Shape(u32);

impl Shape {
    const POSITIONAL: u32 = 1 << 31;

    fn new(len: u32, positional: bool) -> Shape {
        Shape(len | if positional { Self::POSITIONAL } else { 0 })
    }
}

/// Occurrences of a group's tokens on the pages read since its lists were
/// last written: one word each, `list << 32 | page << 22 | position`, the
/// page counted from `first`. Written out sorted by list ([`Group::write_run`]),
/// each list is then written once a run, its pages in a row, instead of
/// once a page: a run holds hundreds of pages, and a list written on every
/// page it is on meant a cache miss or two each time.
#[derive(Default)]
struct Run {
    records: Vec<u64>,
    first: u32,
    /// Each page's title length, in characters.
    titles: Vec<u32>,
}

/// Bits of a page in a record; a run holds at most as many pages.
const PAGE_BITS: u32 = 10;
// A record's page and position share its low 32 bits.
const _: () = assert!(PAGE_BITS + POSITION_BITS == 32);
/// Records a run holds before its lists are written: two megabytes, so
/// that sorting them stays within the cache's reach (in tests, a few pages'
/// worth, so that lists span many runs).
const RUN_RECORDS: usize = if cfg!(test) { 1 << 12 } else { 1 << 18 };

thread_local! {
    /// The other half of a run's sort and its counts, kept from run to run.
    static SORT_SCRATCH: std::cell::RefCell<(Vec<u64>, Vec<u32>)> = const {
        std::cell::RefCell::new((Vec::new(), Vec::new()))
    };
}

/// The lists of the tokens of one group: those whose hash is the group's
/// number modulo the group count (see [`build`]).
#[derive(Default)]
struct Group {
    cjk: CjkTable,
    words: FxMap<Box<str>, u32>,
    lists: Vec<ListWriter>,
    shapes: Vec<Shape>,
    /// The tokens found in a page's title: `list << 32 | page << 1 | at
    /// its start`, in the order found (a few per page).
    titles: Vec<u64>,
    run: Run,
    /// Bits of a page's number ([`doc_bits`]).
    doc_bits: u32,
}

impl Group {
    /// The number of a token's list, made if new.
    #[inline]
    fn list(&mut self, found: u32, shape: impl FnOnce() -> Shape) -> u32 {
        if found as usize == self.lists.len() {
            self.lists.push(ListWriter::default());
            self.shapes.push(shape());
        }
        found
    }

    /// Adds page `doc` (the one after the last) to the run.
    fn absorb(&mut self, group: u32, doc: u32, t: &DocTokens) {
        let g = group as usize;
        let tokens = &t.cjk[t.bounds[g] as usize..t.bounds[g + 1] as usize];
        let words =
            t.words.partition_point(|w| w.0 <= group) - t.words.partition_point(|w| w.0 < group);
        let incoming = tokens.len() + words;
        if self.run.records.len() + incoming > RUN_RECORDS
            || self.run.titles.len() == 1 << PAGE_BITS
        {
            self.write_run();
        }
        let run = &mut self.run;
        if run.titles.is_empty() {
            run.first = doc;
        }
        let page = u64::from(doc - run.first) << POSITION_BITS;
        run.titles.push(t.title_len);
        // A run's records stay within their first allocation unless one
        // page alone holds more.
        run.records
            .reserve_exact((run.records.len() + incoming).max(RUN_RECORDS) - run.records.len());
        for (i, &token) in tokens.iter().enumerate() {
            if let Some(&ahead) = tokens.get(i + AHEAD) {
                self.cjk.prefetch(ahead >> POSITION_BITS);
            }
            let key = token >> POSITION_BITS;
            let found = self.cjk.find(key, self.lists.len() as u32);
            let n = self.list(found, || Shape::new(1 + is_pair(key) as u32, is_pair(key)));
            let record = u64::from(n) << 32 | page | token & POSITION_MASK;
            self.run.records.push(record);
        }
        each_word(t, group, group + 1, |_, word, len, positions| {
            let next = self.lists.len() as u32;
            let found = match self.words.get(word) {
                Some(&n) => n,
                None => *self.words.entry(word.into()).or_insert(next),
            };
            let n = u64::from(self.list(found, || Shape::new(len, true)));
            let records = positions.iter().map(|&p| n << 32 | page | u64::from(p));
            self.run.records.extend(records);
        });
    }

    /// Writes the run's records into their lists, and empties it.
    fn write_run(&mut self) {
        let Run {
            records,
            first,
            titles,
        } = &mut self.run;
        SORT_SCRATCH.with_borrow_mut(|(scratch, starts)| {
            sort_by_list(records, scratch, starts, self.lists.len())
        });
        let mut positions = Vec::new();
        let mut i = 0;
        while i < records.len() {
            let n = (records[i] >> 32) as usize;
            let Shape(shape) = self.shapes[n];
            let (len, positional) = (shape & !Shape::POSITIONAL, shape & Shape::POSITIONAL != 0);
            let mut list = self.lists[n].open(self.doc_bits);
            // Each page of the list in this run, its positions together.
            while i < records.len() && (records[i] >> 32) as usize == n {
                let page = records[i] >> POSITION_BITS;
                positions.clear();
                while i < records.len() && records[i] >> POSITION_BITS == page {
                    positions.push((records[i] & POSITION_MASK) as u32);
                    i += 1;
                }
                let page = (page & ((1 << PAGE_BITS) - 1)) as u32;
                let doc = *first + page;
                let flag = title_flag(positions[0], len, titles[page as usize]);
                if flag > 0 {
                    let entry = (n as u64) << 32 | u64::from(doc) << 1 | u64::from(flag == 2);
                    self.titles.push(entry);
                }
                list.push(doc, positional, &positions);
            }
        }
        records.clear();
        titles.clear();
    }

    /// Writes the last run, and lets the run's room go: the lists are
    /// whole.
    fn close(&mut self) {
        self.write_run();
        self.run = Run::default();
    }

    /// Bytes of the group's tokens in page files, as
    /// [`super::index::page_shards`] counts them from the finished lists.
    fn page_bytes(&self) -> usize {
        let bytes = |name: usize, n: u32| {
            super::index::page_entry_bytes(name, self.lists[n as usize].text_len(0))
        };
        let cjk = (self.cjk.keys()).map(|(key, n)| bytes(Token::Cjk(key).text_len(), n));
        let words = self.words.iter().map(|(w, &n)| bytes(w.len(), n));
        cjk.sum::<usize>() + words.sum::<usize>()
    }

    /// Each token's position shard (of `shards`), name and lists (after
    /// [`Group::close`]), by list number: the lists are read in the order
    /// they were made, not in the table's, which cost a cache miss or two
    /// for each of hundreds of thousands.
    fn entries(self, shards: u32) -> impl Iterator<Item = (u32, Token, Written)> {
        let mut names = vec![Token::Cjk(0); self.lists.len()];
        for (key, n) in self.cjk.keys() {
            names[n as usize] = Token::Cjk(key);
        }
        for (word, n) in self.words {
            names[n as usize] = Token::Word(word);
        }
        let mut titles = titles_by_list(self.titles, self.doc_bits)
            .into_iter()
            .peekable();
        (0..)
            .zip(names.into_iter().zip(self.lists))
            .map(move |(n, (token, lists))| {
                let shard = match &token {
                    Token::Cjk(k) => {
                        let (chars, len) = cjk_chars(*k);
                        text::shard_of(&chars[..len], shards)
                    }
                    Token::Word(w) => {
                        let mut first = ['\0'; 2];
                        let len = w.chars().zip(&mut first).map(|(c, k)| *k = c).count();
                        text::shard_of(text::shard_key(TokenKind::Word, &first[..len]), shards)
                    }
                };
                let titles = titles.next_if(|(m, _)| *m == n).map(|(_, t)| t);
                let titles = titles.unwrap_or_default();
                (shard, token, Written { lists, titles })
            })
    }
}

/// The title lists ([`title_text`]) of the lists found in titles, by
/// list number, from their entries as [`Group::titles`] holds them.
fn titles_by_list(mut titles: Vec<u64>, doc_bits: u32) -> Vec<(u32, String)> {
    titles.sort_unstable();
    titles
        .chunk_by(|a, b| a >> 32 == b >> 32)
        .map(|same| {
            let entries = same.iter().map(|&t| ((t as u32) >> 1, 1 + (t & 1) as u8));
            ((same[0] >> 32) as u32, title_text(entries, doc_bits))
        })
        .collect()
}

/// Sorts records by list, keeping their order within a list (pages, then
/// positions, as they were read): one counting pass over the list numbers
/// (a run holds a few records of each of tens of thousands of lists, so a
/// radix sort a byte at a time would read and write them all twice).
fn sort_by_list(
    records: &mut Vec<u64>,
    scratch: &mut Vec<u64>,
    starts: &mut Vec<u32>,
    lists: usize,
) {
    starts.clear();
    starts.resize(lists + 1, 0);
    // Counted one slot ahead: the running sum leaves each list's start in
    // `starts[list]`.
    for &r in records.iter() {
        starts[(r >> 32) as usize + 1] += 1;
    }
    for n in 1..starts.len() {
        starts[n] += starts[n - 1];
    }
    scratch.clear();
    scratch.reserve_exact(records.len());
    let out = scratch.spare_capacity_mut();
    for &r in records.iter() {
        let slot = &mut starts[(r >> 32) as usize];
        out[*slot as usize].write(r);
        *slot += 1;
    }
    // SAFETY: the slots written are `0..records.len()`, each once: each
    // list fills its own range, and the ranges tile it.
    unsafe { scratch.set_len(records.len()) };
    std::mem::swap(records, scratch);
}

/// Every token's lists, in the groups that made them, and how many
/// position shards there are.
pub(super) struct Built {
    groups: Vec<Group>,
    pub shards: u32,
    /// Bytes of the text indexed ([`Doc::text_len`] of every page).
    pub text: usize,
}

/// Position shards with their tokens and lists, sorted by token.
pub(super) type Shards = [(u32, Vec<(Token, Written)>)];

/// A token's lists as a build leaves them: bytes, made text only as the
/// shard files are written (made text first, they were held both ways).
pub(super) struct Written {
    lists: ListWriter,
    /// The title list, as text ([`title_text`]).
    titles: String,
}

impl super::index::ListText for Written {
    fn pages_len(&self) -> usize {
        self.lists.text_len(0)
    }

    fn push_pages(&self, out: &mut Vec<u8>) {
        self.lists.push_text(0, out)
    }

    fn titles(&self) -> &str {
        &self.titles
    }

    fn positions_len(&self) -> usize {
        self.lists.text_len(1)
    }

    fn push_positions(&self, out: &mut Vec<u8>) {
        self.lists.push_text(1, out)
    }
}

impl Built {
    pub fn tokens(&self) -> usize {
        self.groups.iter().map(|g| g.lists.len()).sum()
    }

    /// The page shard count for these lists.
    pub fn page_shards(&self) -> u32 {
        let bytes = self.groups.iter().map(Group::page_bytes).sum::<usize>();
        super::index::page_shard_count(bytes, self.shards)
    }

    /// Every position shard's lists, in shard order, each token named by
    /// its text.
    pub fn into_lists(self) -> Vec<Vec<(String, Lists)>> {
        let named = |shard: Vec<(Token, Written)>| {
            let finished = |w: Written| w.lists.finish(w.titles);
            shard
                .into_iter()
                .map(|(t, w)| (t.text(), finished(w)))
                .collect()
        };
        self.shard_lists().into_par_iter().map(named).collect()
    }

    /// Every position shard's lists, in shard order.
    fn shard_lists(self) -> Vec<Vec<(Token, Written)>> {
        let shards = self.shards;
        let pieces: Vec<Vec<(u32, Token, Written)>> = self
            .groups
            .into_par_iter()
            .map(|g| g.entries(shards).collect())
            .collect();
        let mut all: Vec<Vec<(Token, Written)>> = (0..shards).map(|_| Vec::new()).collect();
        for (n, token, lists) in pieces.into_iter().flatten() {
            all[n as usize].push((token, lists));
        }
        all.par_iter_mut().for_each(|e| by_token(e));
        all
    }

    /// Hands `f` the position shards a part at a time, each part holding
    /// whole page shards (of `pages`): a group's own when each page shard
    /// is in one group (as many page shards as groups or more), else all.
    /// A part's lists are let go before the next is made, so the site's
    /// lists are never held twice, as text and as entries.
    pub fn each_part(self, pages: u32, f: impl Fn(&Shards) + Sync) {
        let (shards, groups) = (self.shards, self.groups.len());
        if pages as usize >= groups {
            self.groups
                .into_par_iter()
                .enumerate()
                .for_each(|(n, g)| f(&g.into_shards(n, groups, shards)));
        } else {
            let all: Vec<_> = (0..shards).zip(self.shard_lists()).collect();
            f(&all);
        }
    }
}

impl Group {
    /// The position shards of group `group` of `groups`, when there are as
    /// many shards as groups or more: those whose number is the group's
    /// modulo the group count, each with its tokens sorted (empty ones too,
    /// so that every shard has its file).
    fn into_shards(
        self,
        group: usize,
        groups: usize,
        shards: u32,
    ) -> Vec<(u32, Vec<(Token, Written)>)> {
        let mut part: Vec<(u32, Vec<(Token, Written)>)> = (group..shards as usize)
            .step_by(groups)
            .map(|n| (n as u32, Vec::new()))
            .collect();
        for (shard, token, l) in self.entries(shards) {
            part[(shard as usize - group) / groups].1.push((token, l));
        }
        for (_, e) in &mut part {
            by_token(e);
        }
        part
    }
}

/// A shard's tokens in the order its files list them.
fn by_token(entries: &mut [(Token, Written)]) {
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
}

/// The lists of every token of `docs`. Pages are tokenized in parallel
/// batches (so the tokens of only one batch are in memory), each batch
/// merged while the next is tokenized, by groups of tokens in parallel, each
/// group owning its lists and writing them a run of pages at a time
/// ([`Run`]). With `make`, each page is made (`make(i)`) just
/// before it is tokenized; `done` is given each page once it is, and may let
/// its text go: the whole site's text is never held at once. The shard
/// count comes from the length of all the text ([`shard_count`]), known only
/// at the end: a token's shard is the low bits of its hash, so each group
/// (tokens of equal low bits, as many groups as threads can share) splits
/// into shards once the count is known.
pub(super) fn build(
    docs: &mut [Doc],
    make: Option<&(dyn Fn(usize) -> Doc + Sync)>,
    mut done: impl FnMut(&mut Doc),
) -> Built {
    // Pages a batch: each batch is tokenized while the one before is
    // merged, and both end together. With 64, one long page (law texts
    // up to 300 KB) left a core waiting at the end of many a batch;
    // with 256 (law texts, alternating runs: wall 0.78 → 0.74 s, 10 MiB
    // more at the peak; 10k and 50k pages unchanged), fewer and fuller.
    const BATCH: usize = 256;
    let groups = group_count();
    let doc_bits = doc_bits(docs.len());
    let mut lists: Vec<Group> = (0..groups)
        .map(|_| Group {
            doc_bits,
            ..Group::default()
        })
        .collect();
    let absorb = |lists: &mut [Group], (first, tokens): &(u32, Vec<DocTokens>)| {
        lists.par_iter_mut().enumerate().for_each(|(g, group)| {
            for (n, t) in tokens.iter().enumerate() {
                group.absorb(g as u32, first + n as u32, t);
            }
        })
    };
    let mut text = 0;
    // Each batch is tokenized while the one before is merged: the two
    // stages keep every core busy whatever the sizes of the pages.
    let mut merging: Option<(u32, Vec<DocTokens>)> = None;
    for (b, batch) in docs.chunks_mut(BATCH).enumerate() {
        let first = b * BATCH;
        let (tokens, ()) = rayon::join(
            || {
                batch
                    .par_iter_mut()
                    .enumerate()
                    .map(|(k, d)| {
                        if let Some(make) = make {
                            *d = make(first + k);
                        }
                        doc_tokens(d, groups)
                    })
                    .collect()
            },
            || {
                if let Some(m) = &merging {
                    absorb(&mut lists, m)
                }
            },
        );
        for d in batch.iter_mut() {
            text += d.text_len();
            done(d);
        }
        merging = Some((first as u32, tokens));
    }
    if let Some(m) = &merging {
        absorb(&mut lists, m);
    }
    lists.par_iter_mut().for_each(Group::close);
    Built {
        groups: lists,
        shards: shard_count(text),
        text,
    }
}

/// Groups of tokens a build merges pages into: enough for the threads to
/// share, a power of two (a token's group is the low bits of its hash).
pub(super) fn group_count() -> u32 {
    (rayon::current_num_threads() * 4).next_power_of_two() as u32
}

/// The position shard count for `text` bytes of text: position lists take
/// about half the bytes of the text; shards of about
/// [`POSITION_SHARD_BYTES`] or less, a power of two.
pub(super) fn shard_count(text: usize) -> u32 {
    pow2(text / 2 / POSITION_SHARD_BYTES, 4096)
}

/// Approximate bytes per position-list shard.
const POSITION_SHARD_BYTES: usize = 32 * 1024;

/// `n` rounded up to a power of two, from 1 to `max`.
pub(super) fn pow2(n: usize, max: u32) -> u32 {
    (n.clamp(1, max as usize).next_power_of_two() as u32).min(max)
}

/// A token's lists read back into flat arrays (no allocation per page).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Flat {
    pub docs: Vec<u32>,
    pub titles: Vec<u8>,
    /// Where each page's positions end in `positions`.
    pub ends: Vec<u32>,
    pub positions: Vec<u32>,
}

impl Flat {
    /// `lists` of a site whose pages are numbered in `doc_bits` bits.
    pub fn read(lists: &Lists, doc_bits: u32) -> Flat {
        let mut f = Flat::default();
        read_docs(&lists.pages, doc_bits, |doc, _| f.docs.push(doc));
        f.titles = vec![0; f.docs.len()];
        if !lists.titles.is_empty() {
            read_docs(&lists.titles, doc_bits, |doc, r| {
                let flag = 1 + r.bit() as u8;
                if let Ok(at) = f.docs.binary_search(&doc) {
                    f.titles[at] = flag;
                }
            });
        }
        let mut r = BitReader::new(&lists.positions);
        let mut a = Adapt::new(POSITION);
        for _ in 0..f.docs.len() {
            if !lists.positions.is_empty() {
                let n = r.gamma();
                let mut prev: Option<u32> = None;
                for _ in 0..n {
                    let v = r.eg(&mut a);
                    let p = prev.map_or(v, |q| q + v + 1);
                    f.positions.push(p);
                    prev = Some(p);
                }
            }
            f.ends.push(f.positions.len() as u32);
        }
        f
    }

    pub fn write(&self, positional: bool, doc_bits: u32) -> Lists {
        let mut w = ListWriter::default();
        let mut start = 0;
        for (i, &doc) in self.docs.iter().enumerate() {
            let end = self.ends[i] as usize;
            w.push(doc, positional, &self.positions[start..end], doc_bits);
            start = end;
        }
        let titles = self.docs.iter().zip(&self.titles).filter(|(_, t)| **t > 0);
        w.finish(title_text(titles.map(|(&d, &t)| (d, t)), doc_bits))
    }

    /// Replaces page `e.doc`'s entry (`None` removes page `page`'s).
    pub fn put(&mut self, page: u32, e: Option<&Entry>) {
        let at = self.docs.partition_point(|&d| d < page);
        let start = if at == 0 { 0 } else { self.ends[at - 1] };
        let (mut old_end, present) = (start, self.docs.get(at) == Some(&page));
        if present {
            old_end = self.ends[at];
            self.docs.remove(at);
            self.titles.remove(at);
            self.ends.remove(at);
        }
        let new = e.map_or(&[][..], |e| &e.positions[..]);
        self.positions
            .splice(start as usize..old_end as usize, new.iter().copied());
        let shift = new.len() as i64 - (old_end - start) as i64;
        for end in &mut self.ends[at..] {
            *end = (*end as i64 + shift) as u32;
        }
        if let Some(e) = e {
            self.docs.insert(at, page);
            self.titles.insert(at, e.title);
            self.ends.insert(at, start + new.len() as u32);
        }
    }
}

/// Reads the pages of a page or title list ([`first_doc`], then gaps),
/// handing `each` every page and the reader, to read what follows it.
fn read_docs(text: &str, doc_bits: u32, mut each: impl FnMut(u32, &mut BitReader)) {
    if text.is_empty() {
        return;
    }
    let mut r = BitReader::new(text);
    // The first page may be all zeros (page 0).
    let mut doc = r.bits(doc_bits);
    let mut gaps = Adapt::new(doc.clamp(1, 1 << 26));
    loop {
        each(doc, &mut r);
        if r.at_end() {
            break;
        }
        doc += 1 + r.eg(&mut gaps);
    }
}

/// Reads a token's lists back (for tests), of a site whose pages are
/// numbered in `doc_bits` bits.
pub fn read(lists: &Lists, doc_bits: u32) -> Vec<Entry> {
    let f = Flat::read(lists, doc_bits);
    let mut start = 0;
    (0..f.docs.len())
        .map(|i| {
            let end = f.ends[i] as usize;
            let e = Entry {
                doc: f.docs[i],
                title: f.titles[i],
                positions: f.positions[start..end].to_vec(),
            };
            start = end;
            e
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// Every token of `d` with its positions, straight from the tokenizer
    /// (single characters at their first position only, as indexed).
    fn reference(d: &Doc, shards: u32) -> BTreeMap<(u32, String), Vec<u32>> {
        let mut out: BTreeMap<(u32, String), Vec<u32>> = BTreeMap::new();
        let mut t = text::Tokenizer::default();
        let mut put = |kind, tok: &[char], pos| {
            let key = text::shard_key(kind, tok);
            let at = out
                .entry((text::shard_of(key, shards), tok.iter().collect()))
                .or_default();
            if kind != TokenKind::Unigram || at.is_empty() {
                at.push(pos);
            }
        };
        let text = d.full_text();
        for c in text.chars() {
            t.push(text::normalize(c), &mut put);
        }
        t.finish(&mut put);
        out
    }

    #[test]
    fn keys_find_their_lists_before_and_after_the_slots_run_out_of_bits() {
        let mut t = CjkTable {
            spill_from: 1000,
            ..CjkTable::default()
        };
        let key = |i: u64| (0x4E00 + i % 3000) << 21 | (0x4E00 + i / 3000);
        for i in 0..5000 {
            assert_eq!(t.find(key(i), i as u32), i as u32, "new key {i}");
        }
        for i in (0..5000).rev() {
            assert_eq!(t.find(key(i), 9999), i as u32, "key {i} again");
        }
        assert_eq!(t.spill.len(), 4000);
        let mut got: Vec<(u64, u32)> = t.keys().collect();
        got.sort_unstable();
        let mut wanted: Vec<(u64, u32)> = (0..5000).map(|i| (key(i), i as u32)).collect();
        wanted.sort_unstable();
        assert_eq!(got, wanted);
    }

    #[test]
    fn lists_read_back_with_their_titles_in_any_site_size() {
        // Pages spread over the whole range of page numbers, the first at
        // 0 or not; title flags on some; positions on positional lists.
        let mut x: u32 = 0x2545_F491;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        for docs in [1usize, 2, 3, 1000, 1024, 1025, 300_000] {
            let bits = doc_bits(docs);
            assert!(bits >= 1 && docs - 1 < 1 << bits, "{docs}: {bits}");
            for positional in [false, true] {
                let mut flat = Flat::default();
                for doc in 0..docs as u32 {
                    if docs > 3 && next() % (1 + docs as u32 / 50) != 0 {
                        continue;
                    }
                    let positions: Vec<u32> = match positional {
                        true => vec![next() % 40, 40 + next() % 5000],
                        false => Vec::new(),
                    };
                    let title = [0, 0, 0, 1, 2][next() as usize % 5];
                    flat.put(
                        doc,
                        Some(&Entry {
                            doc,
                            title,
                            positions,
                        }),
                    );
                }
                let lists = flat.write(positional, bits);
                assert!(!lists.pages.is_empty());
                assert_eq!(lists.titles.is_empty(), flat.titles.iter().all(|&t| t == 0));
                assert_eq!(Flat::read(&lists, bits), flat, "{docs} pages");
            }
        }
        // A token on one page late in a large site: the page's number in
        // the site's bits, not the gap code of a small order (37 bits).
        let mut w = ListWriter::default();
        w.push(299_999, false, &[], doc_bits(300_000));
        assert_eq!(w.finish(String::new()).pages.len(), 3, "19 bits");
    }

    /// Tokens named by key sort as their texts do, by code point: CJK
    /// characters before their pairs, words of letters below and above
    /// the CJK blocks among them.
    #[test]
    fn tokens_sort_as_their_texts() {
        let cjk = |s: &str| Token::Cjk(cjk_key(&s.chars().collect::<Vec<_>>()));
        let mut tokens = vec![
            cjk("推进"),
            cjk("推"),
            cjk("进"),
            cjk("一二"),
            cjk("一"),
            cjk("龥"),
            cjk("推推"),
            Token::Word("digital".into()),
            Token::Word("d".into()),
            Token::Word("ab".into()),
            Token::Word("ｚ".into()),
            Token::Word("\u{1D400}x".into()),
            Token::Word("ф".into()),
            Token::Word("\u{A000}".into()),
        ];
        let text = |t: &Token| {
            let s = t.text();
            assert_eq!(s.len(), t.text_len());
            s
        };
        let mut by_text = tokens.clone();
        by_text.sort_by_key(text);
        tokens.sort();
        assert_eq!(tokens, by_text);
    }

    #[test]
    fn records_sort_by_list_keeping_their_order_within_a_list() {
        let lists = [3u64, 70_000, 3, 5, 0, 70_000, 3, 0];
        let mut records: Vec<u64> = lists
            .iter()
            .enumerate()
            .map(|(i, &n)| n << 32 | i as u64)
            .collect();
        let mut wanted = records.clone();
        wanted.sort_by_key(|r| r >> 32);
        let (mut scratch, mut starts) = (Vec::new(), Vec::new());
        sort_by_list(&mut records, &mut scratch, &mut starts, 70_001);
        assert_eq!(records, wanted);
    }

    #[test]
    fn a_long_pages_tokens_come_grouped_by_shard_with_their_positions() {
        // Thousands of tokens over few shards (many buckets to a shard), of
        // many different pairs, each pair more than once.
        let han = |i: u32| char::from_u32(0x4E00 + i * 7919 % 3000).unwrap();
        let run: String = (0..1500).map(han).collect();
        let body: String = (0..3)
            .map(|i| format!("<p>第{i}条 {run}，推进AI赋能{i}。</p>"))
            .collect();
        let d = Doc::sample("数字经济促进条例", &body);
        for shards in [1, 4, 64] {
            let t = doc_tokens(&d, shards);
            let mut got = BTreeMap::new();
            each_token(&t, 0, shards, |shard, token, _, _, positions| {
                let fresh = got.insert((shard, token.text()), positions.to_vec());
                assert!(fresh.is_none(), "{} given twice", token.text());
            });
            assert_eq!(got, reference(&d, shards), "{shards} shards");
        }
    }

    /// Pages made one by one by `build`, in shard counts below and above
    /// its group count: each token lands in the shard its hash names, with
    /// every page it is on and its positions there, and each page's text is
    /// given back once.
    #[test]
    fn every_shard_of_a_group_comes_out_even_when_empty() {
        // Text enough for as many position shards as groups, of two
        // tokens only: most shards hold none, and each needs its file.
        let groups = group_count() as usize;
        let text = "推进".repeat(groups * 12_000);
        let mut docs = vec![Doc::sample("页", &format!("<p>{text}</p>"))];
        let built = build(&mut docs, None, |_| {});
        let shards = built.shards;
        assert!(shards as usize >= groups, "{shards} shards");
        let seen = std::sync::Mutex::new(Vec::new());
        built.each_part(groups as u32, |part| {
            seen.lock().unwrap().extend(part.iter().map(|(n, _)| *n));
        });
        let mut seen = seen.into_inner().unwrap();
        seen.sort_unstable();
        assert_eq!(seen, (0..shards).collect::<Vec<_>>());
    }

    #[test]
    fn pages_made_in_batches_give_every_token_its_shard_pages_and_positions() {
        let han = |i: u32| char::from_u32(0x4E00 + (u64::from(i) * 7919 % 5000) as u32).unwrap();
        // Runs end on their record count (long pages; a page longer than
        // a run) and on their page count (many pages of a few tokens).
        for (pages, len) in [(3, 40), (60, 12_000), (2, 60_000), (1100, 1)] {
            let make = |i: usize| {
                let run: String = (0..len).map(|k| han(k * 31 + i as u32)).collect();
                Doc::sample(&format!("条例{i}"), &format!("<p>{run} digital{i}</p>"))
            };
            let wanted: Vec<Doc> = (0..pages).map(make).collect();
            let mut docs = vec![Doc::default(); pages];
            let mut given = Vec::new();
            let built = build(&mut docs, Some(&make), |d| {
                given.push(d.clone());
                d.sections = Vec::new();
            });
            assert_eq!(given, wanted);
            let text = wanted.iter().map(Doc::text_len).sum();
            assert_eq!(built.shards, shard_count(text));
            let pages_counted = built.page_shards();
            let lists = built.into_lists();
            assert_eq!(lists.len(), shard_count(text) as usize);
            // Counted from the lists unfinished, as from their text.
            let finished = lists.iter().flatten().map(|(t, l)| (t, l));
            let pages_written = super::super::index::page_shards(finished, shard_count(text));
            assert_eq!(pages_counted, pages_written);
            // Each token's entries: page, title flag, positions (none for
            // a single character).
            let mut expected: BTreeMap<(u32, String), Vec<Entry>> = BTreeMap::new();
            for (n, d) in wanted.iter().enumerate() {
                let title_len = d.title.chars().count() as u32;
                for (key, positions) in reference(d, shard_count(text)) {
                    let len = key.1.chars().count() as u32;
                    let single = len == 1 && !key.1.is_ascii();
                    expected.entry(key).or_default().push(Entry {
                        doc: n as u32,
                        title: title_flag(positions[0], len, title_len),
                        positions: if single { Vec::new() } else { positions },
                    });
                }
            }
            let mut got = BTreeMap::new();
            for (shard, entries) in lists.iter().enumerate() {
                assert!(
                    entries.is_sorted_by(|a, b| a.0 < b.0),
                    "shard {shard} in order"
                );
                for (token, lists) in entries {
                    got.insert((shard as u32, token.clone()), read(lists, doc_bits(pages)));
                }
            }
            assert_eq!(got, expected, "{pages} pages of {len} characters");
        }
    }
}
