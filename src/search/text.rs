//! Text rules of the search index: plain text out of body HTML, character
//! normalization and tokens.
//!
//! The browser script (`themes/default/static/search.js`) applies the same
//! normalization and tokenization to queries; the two must agree character for
//! character, so every rule here is a small table both sides can copy.

use std::borrow::Cow;

/// A stretch of a page's text: the part before the first heading (`id` empty),
/// or a heading and what follows it up to the next heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub id: String,
    pub text: String,
}

/// Tags that end a block of text: a phrase never runs across them, as with the
/// browser's find-in-page.
fn is_block(tag: &str) -> bool {
    matches!(
        tag,
        "p" | "li"
            | "ul"
            | "ol"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "div"
            | "br"
            | "hr"
            | "tr"
            | "td"
            | "th"
            | "table"
            | "blockquote"
            | "pre"
            | "dt"
            | "dd"
            | "dl"
            | "section"
            | "figure"
            | "figcaption"
            | "details"
            | "summary"
    )
}

/// Plain text of body HTML, split at headings that carry an id. Blocks end
/// with a newline; runs of spaces collapse to one.
pub fn html_sections(html: &str) -> Vec<Section> {
    TEXT.with_borrow_mut(|text| {
        text.start();
        let mut rest = html;
        while !rest.is_empty() {
            let Some(lt) = find_byte(b'<', rest) else {
                text.push(rest);
                break;
            };
            text.push(&rest[..lt]);
            let after = &rest[lt + 1..];
            let Some(gt) = find_byte(b'>', after) else {
                text.push(rest);
                break;
            };
            let tag = &after[..gt];
            rest = &after[gt + 1..];
            let closing = tag.starts_with('/');
            let bare = tag.trim_start_matches('/');
            let name_len = bare
                .bytes()
                .take_while(u8::is_ascii_alphanumeric)
                .count()
                .min(12);
            // Tag names are short and ASCII: lowercased on the stack.
            let mut lower = [0u8; 12];
            for (l, b) in lower.iter_mut().zip(bare.bytes().take(name_len)) {
                *l = b.to_ascii_lowercase();
            }
            let name = std::str::from_utf8(&lower[..name_len]).unwrap_or("");
            if !closing && (name == "script" || name == "style") {
                let end = format!("</{name}");
                rest = match rest.find(&end) {
                    Some(i) => &rest[i..],
                    None => "",
                };
                continue;
            }
            let heading_id = (!closing && matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6"))
                .then(|| attr(tag, "id"))
                .flatten();
            if let Some(id) = heading_id {
                text.section(decode_entities(id).into_owned());
                continue;
            }
            if is_block(name) {
                text.end_line();
            }
        }
        text.sections()
    })
}

/// Where the ASCII byte `b` first stands in `s`: a vectorised search over
/// the long runs of text between tags.
fn find_byte(b: u8, s: &str) -> Option<usize> {
    memchr::memchr(b, s.as_bytes())
}

thread_local! {
    /// The text of the page being read, kept from page to page: sections
    /// are cut out of it at their exact sizes, not grown a piece at a time
    /// (growing left about 45% of a long page's text as spare room).
    static TEXT: std::cell::RefCell<PageText> = std::cell::RefCell::new(PageText::default());
}

/// A page's text as it is read: one buffer, and where each section starts.
#[derive(Default)]
struct PageText {
    buf: String,
    /// Each section's id and the byte where its text starts in `buf`.
    starts: Vec<(String, usize)>,
}

impl PageText {
    fn start(&mut self) {
        self.buf.clear();
        self.starts.clear();
        self.starts.push((String::new(), 0));
    }

    fn section(&mut self, id: String) {
        self.starts.push((id, self.buf.len()));
    }

    /// The current section's text so far.
    fn current(&self) -> &str {
        &self.buf[self.starts.last().map_or(0, |s| s.1)..]
    }

    fn end_line(&mut self) {
        while self.current().ends_with(' ') {
            self.buf.pop();
        }
        let text = self.current();
        if !text.is_empty() && !text.ends_with('\n') {
            self.buf.push('\n');
        }
    }

    /// Appends text with each run of white space as one space (none at the
    /// start of a line). Runs without white space are copied whole.
    fn push(&mut self, raw: &str) {
        let raw = decode_entities(raw);
        let bytes = raw.as_bytes();
        let (mut run, mut i) = (0, 0);
        while i < bytes.len() {
            let Some(len) = space_at(bytes, i) else {
                // The whole character, its length read off its first byte.
                i += match bytes[i] {
                    0..=0x7F => 1,
                    0x80..=0xDF => 2,
                    0xE0..=0xEF => 3,
                    _ => 4,
                };
                continue;
            };
            self.buf.push_str(&raw[run..i]);
            run = i + len;
            let text = self.current();
            if !text.is_empty() && !text.ends_with([' ', '\n']) {
                self.buf.push(' ');
            }
            i += len;
        }
        self.buf.push_str(&raw[run..]);
    }

    /// The sections, each text trimmed at its end; the part before the
    /// first heading is left out when it is empty and a heading follows.
    fn sections(&mut self) -> Vec<Section> {
        let ends: Vec<usize> = (self.starts.iter().skip(1).map(|s| s.1))
            .chain([self.buf.len()])
            .collect();
        let mut sections: Vec<Section> = std::mem::take(&mut self.starts)
            .into_iter()
            .zip(ends)
            .map(|((id, start), end)| Section {
                id,
                text: self.buf[start..end].trim_end().to_string(),
            })
            .collect();
        if sections.len() > 1 && sections[0].text.is_empty() {
            sections.remove(0);
        }
        sections
    }
}

/// The length of the white space character starting at byte `i` of UTF-8
/// text, if one does. Read off the bytes: Chinese text is mostly
/// three-byte characters, none of them white space but U+3000, and
/// decoding each would cost more than the look. Continuation bytes never
/// match (white space starts with an ASCII byte or 0xC2, 0xE1–0xE3).
#[inline]
fn space_at(bytes: &[u8], i: usize) -> Option<usize> {
    let at = |k: usize| bytes.get(i + k).copied().unwrap_or(0);
    match bytes[i] {
        b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' => Some(1),
        0xC2 if matches!(at(1), 0x85 | 0xA0) => Some(2),
        0xE1 if (at(1), at(2)) == (0x9A, 0x80) => Some(3),
        0xE2 => match (at(1), at(2)) {
            (0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF) | (0x81, 0x9F) => Some(3),
            _ => None,
        },
        0xE3 if (at(1), at(2)) == (0x80, 0x80) => Some(3),
        _ => None,
    }
}

/// The value of `name="…"` in a start tag's text.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

fn decode_entities(s: &str) -> Cow<'_, str> {
    if find_byte(b'&', s).is_none() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = find_byte(b'&', rest) {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let decoded = after.find(';').filter(|&n| n <= 10).and_then(|n| {
            let name = &after[..n];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => {
                    let num = name.strip_prefix('#')?;
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => num.parse().ok(),
                    };
                    code.and_then(char::from_u32)
                }
            };
            c.map(|c| (c, n))
        });
        match decoded {
            Some((c, n)) => {
                out.push(c);
                rest = &after[n + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// One character as the index sees it: full-width ASCII folded to ASCII, the
/// ideographic space to a space, letters lowercased (when that keeps one
/// character, so positions stay put).
#[inline]
pub fn normalize(c: char) -> char {
    // Han characters have no case: the common path.
    if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
        return c;
    }
    normalize_other(c)
}

fn normalize_other(c: char) -> char {
    let c = match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    };
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    // CJK punctuation, kana, hangul and the Han extensions have no case
    // either; the case tables are slow for them.
    if matches!(c as u32, 0x3000..=0x4DBF | 0xAC00..=0xD7AF) {
        return c;
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Han, kana and hangul: indexed by character pairs.
    Cjk,
    /// Other letters and digits: indexed as words.
    Word,
    Other,
}

#[inline]
pub fn class(c: char) -> Class {
    // Han first: most characters of a Chinese page.
    if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
        return Class::Cjk;
    }
    match c as u32 {
        0x3040..=0x30FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xAC00..=0xD7AF
        | 0xF900..=0xFAFF
        | 0x20000..=0x3134F => Class::Cjk,
        // Common punctuation of Chinese text, kept off the slow Unicode
        // tables: general punctuation, and CJK commas, stops and brackets.
        0x2000..=0x206F | 0x3000..=0x3004 | 0x3008..=0x3020 | 0x303D..=0x303F => Class::Other,
        _ if c.is_ascii() => match c.is_ascii_alphanumeric() {
            true => Class::Word,
            false => Class::Other,
        },
        _ if c.is_alphanumeric() => Class::Word,
        _ => Class::Other,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A run of word characters (with its position).
    Word,
    /// Two adjacent CJK characters (with its position).
    Bigram,
    /// One CJK character (documents only, for one-character queries).
    Unigram,
}

/// The tokens of normalized text, fed a character at a time so that a
/// page's text is tokenized as it is read, never gathered into one buffer
/// of characters: calls `f(kind, chars, position)` for every token, in the
/// order of its position; positions count characters (code points). A
/// single character is given when it is pushed, a pair when its second
/// character is, a word when the character after its run is (or at
/// [`Tokenizer::finish`]).
#[derive(Default)]
pub struct Tokenizer {
    /// The position of the next character.
    pos: u32,
    /// The last character, when it was CJK: the first of the next pair.
    cjk: Option<char>,
    /// The run of word characters that ends at the last character.
    word: Vec<char>,
}

impl Tokenizer {
    pub fn position(&self) -> u32 {
        self.pos
    }

    /// Takes the next normalized character.
    #[inline]
    pub fn push(&mut self, c: char, f: &mut impl FnMut(TokenKind, &[char], u32)) {
        let class = class(c);
        if class == Class::Word {
            self.word.push(c);
        } else {
            self.end_word(f);
        }
        if class == Class::Cjk {
            if let Some(first) = self.cjk {
                f(TokenKind::Bigram, &[first, c], self.pos - 1);
            }
            f(TokenKind::Unigram, &[c], self.pos);
            self.cjk = Some(c);
        } else {
            self.cjk = None;
        }
        self.pos += 1;
    }

    /// Gives the word the text ends with.
    pub fn finish(&mut self, f: &mut impl FnMut(TokenKind, &[char], u32)) {
        self.end_word(f);
    }

    #[inline]
    fn end_word(&mut self, f: &mut impl FnMut(TokenKind, &[char], u32)) {
        if !self.word.is_empty() {
            self.give_word(f);
        }
    }

    // Out of line: most characters of Chinese text end no word.
    #[inline(never)]
    fn give_word(&mut self, f: &mut impl FnMut(TokenKind, &[char], u32)) {
        f(
            TokenKind::Word,
            &self.word,
            self.pos - self.word.len() as u32,
        );
        self.word.clear();
    }
}

/// The key that picks a token's shard: a word's first two characters (so
/// every word a prefix can match lies in one shard), else the token itself.
pub fn shard_key(kind: TokenKind, token: &[char]) -> &[char] {
    match kind {
        TokenKind::Word => &token[..token.len().min(2)],
        _ => token,
    }
}

/// The shard of a key (`shards` is a power of two): the low bits of its hash.
pub fn shard_of(key: &[char], shards: u32) -> u32 {
    hash(key) & (shards - 1)
}

/// FNV-1a over code points.
#[inline]
pub fn hash(key: &[char]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &c in key {
        h ^= c as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_space_read_off_the_bytes_is_unicode_white_space() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let s = format!("{c}x");
            let want = c.is_whitespace().then(|| c.len_utf8());
            assert_eq!(space_at(s.as_bytes(), 0), want, "U+{:04X}", c as u32);
            for k in 1..c.len_utf8() {
                assert_eq!(space_at(s.as_bytes(), k), None, "inside U+{:04X}", c as u32);
            }
        }
    }

    #[test]
    fn fast_paths_agree_with_the_unicode_tables_for_every_character() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let class_by_tables = match class(c) {
                Class::Cjk => Class::Cjk,
                _ if c.is_alphanumeric() => Class::Word,
                _ => Class::Other,
            };
            assert_eq!(class(c), class_by_tables, "class of U+{:04X}", c as u32);
            let folded = match c as u32 {
                0x4E00..=0x9FFF => c,
                0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap(),
                0x3000 => ' ',
                _ => c,
            };
            let mut lower = folded.to_lowercase();
            let by_tables = match (lower.next(), lower.next()) {
                (Some(l), None) => l,
                _ => folded,
            };
            assert_eq!(normalize(c), by_tables, "normalize U+{:04X}", c as u32);
        }
    }

    fn tokens(chars: impl IntoIterator<Item = char>, mut f: impl FnMut(TokenKind, &[char], u32)) {
        let mut t = Tokenizer::default();
        for c in chars {
            t.push(c, &mut f);
        }
        t.finish(&mut f);
    }

    fn toks(s: &str) -> Vec<(TokenKind, String, u32)> {
        let mut out = Vec::new();
        tokens(s.chars().map(normalize), |k, t, p| {
            out.push((k, t.iter().collect(), p))
        });
        out
    }

    fn words(s: &str) -> Vec<String> {
        toks(s)
            .into_iter()
            .filter(|t| t.0 != TokenKind::Unigram)
            .map(|t| format!("{}@{}", t.1, t.2))
            .collect()
    }

    #[test]
    fn cjk_text_gives_unigrams_and_bigrams_with_positions() {
        assert_eq!(
            toks("专精特新"),
            [
                (TokenKind::Unigram, "专".into(), 0),
                (TokenKind::Bigram, "专精".into(), 0),
                (TokenKind::Unigram, "精".into(), 1),
                (TokenKind::Bigram, "精特".into(), 1),
                (TokenKind::Unigram, "特".into(), 2),
                (TokenKind::Bigram, "特新".into(), 2),
                (TokenKind::Unigram, "新".into(), 3),
            ]
        );
        // Punctuation ends a run: no pair across it.
        assert_eq!(words("工业，经济"), ["工业@0", "经济@3"]);
    }

    #[test]
    fn latin_text_gives_lowercase_words() {
        assert_eq!(
            words("Digital Twin-2.0"),
            ["digital@0", "twin@8", "2@13", "0@15"]
        );
        // Full-width letters fold to ASCII.
        assert_eq!(words("ＡＩ赋能"), ["ai@0", "赋能@2"]);
    }

    #[test]
    fn mixed_text_splits_at_the_script_boundary() {
        assert_eq!(
            words("新开通5G基站3万个"),
            ["新开@0", "开通@1", "5g@3", "基站@5", "3@7", "万个@8"]
        );
        assert_eq!(words("AI 赋能"), ["ai@0", "赋能@3"]);
    }

    #[test]
    fn shard_keys_keep_prefixes_together() {
        let w: Vec<char> = "digital".chars().collect();
        assert_eq!(shard_key(TokenKind::Word, &w), ['d', 'i']);
        let b: Vec<char> = "数字".chars().collect();
        assert_eq!(shard_key(TokenKind::Bigram, &b), ['数', '字']);
        // Known values, mirrored by the browser script's tests.
        assert_eq!(shard_of(&['d', 'i'], 1 << 16), 0xd4ee);
        assert!(shard_of(&b, 8) < 8);
    }

    #[test]
    fn html_becomes_sections_at_headings_with_blocks_on_lines() {
        let html = "<p>导语 &amp; <a href=\"x\">链接</a></p>\n<h2 id=\"数字化转型\">数字化转型</h2>\n<ul>\n<li>第一</li>\n<li>第二&#x3000;项</li>\n</ul>\n<script>x()</script><h3>无 id</h3><p>尾</p>";
        let s = html_sections(html);
        assert_eq!(
            s,
            [
                Section {
                    id: String::new(),
                    text: "导语 & 链接".into()
                },
                Section {
                    id: "数字化转型".into(),
                    text: "数字化转型\n第一\n第二 项\n无 id\n尾".into()
                },
            ]
        );
        // No text before the first heading: no empty first section.
        assert_eq!(html_sections("<h2 id=\"a\">A</h2><p>b</p>")[0].id, "a");
        // Each page is read afresh (the buffer is kept from page to page),
        // and a section's text ends where the next heading starts, trimmed.
        let long = "长文".repeat(5000);
        assert_eq!(html_sections(&format!("<p>{long}</p>"))[0].text, long);
        assert_eq!(
            html_sections("甲 <b>乙</b>  <h2 id=\"x\">丙 </h2> 丁 "),
            [
                Section {
                    id: String::new(),
                    text: "甲 乙".into()
                },
                Section {
                    id: "x".into(),
                    text: "丙\n丁".into()
                },
            ]
        );
    }
}
