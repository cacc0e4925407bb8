//! Markdown bodies: HTML with link placeholders, headings, table of contents.
//!
//! Internal links (wikilinks and relative links to content files) cannot be
//! written yet: their target is resolved by the link stage and their URL is
//! relative to the page that shows them. So the HTML carries placeholders
//! ([`crate::placeholder`]) for the href of link `n` and for a label that
//! defaults to the target's title, which the render stage fills in one pass.

mod headings;
mod links;
mod shortcodes;

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use pulldown_cmark::{
    CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd, TextMergeWithOffset, html,
};
use serde::Serialize;

use super::shortcode::Shortcode;
use crate::config::RawHtml;
use crate::diag::{Code, Diagnostic};
use crate::placeholder::Slot;
use crate::source::{SourceId, Span};
pub use headings::slugify;
use headings::{build_toc, unique_id};
use links::internal_target;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LinkTarget {
    /// `[[id]]`: an entity id.
    Id(String),
    /// `[x](../measures/a.md)`: a content file, as a path relative to `content/`.
    File(PathBuf),
    /// `[x](#小节)`: a heading of the page itself.
    Here,
}

#[derive(Debug, Clone)]
pub struct BodyLink {
    pub target: LinkTarget,
    /// The part after `#`, if any.
    pub anchor: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub title: String,
}

/// A nested table-of-contents entry.
#[derive(Debug, Clone, Serialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
    pub children: Vec<TocEntry>,
}

#[derive(Debug, Clone, Default)]
pub struct Body {
    /// HTML with link placeholders.
    pub html: Html,
    pub headings: Vec<Heading>,
    pub links: Vec<BodyLink>,
    /// Shortcode calls, in order; the HTML holds a placeholder for each.
    pub shortcodes: Vec<Shortcode>,
    /// The first `# ` heading, when it was asked for as the title (and removed).
    pub title: Option<String>,
    /// Plain text of the first paragraph, for summaries.
    pub first_paragraph: Option<String>,
}

impl Body {
    pub fn toc(&self) -> Vec<TocEntry> {
        build_toc(&self.headings)
    }

    pub fn has_heading(&self, id: &str) -> bool {
        self.headings.iter().any(|h| h.id == id)
    }
}

/// A body's HTML. A build that keeps nothing lets it go once the search
/// index has read it (the last to, after the body's page is drawn): a
/// site's bodies are the largest part of what it holds. A large site's
/// one-shot build keeps them compressed from parsing on ([`Html::pack`]).
#[derive(Debug, Default)]
pub struct Html(Mutex<Stored>);

#[derive(Debug, Clone)]
enum Stored {
    Text(String),
    /// LZ4, its length first: about 57% of the bytes of Chinese HTML,
    /// made and read back at a gigabyte a second or more.
    Packed(Box<[u8]>),
}

impl Default for Stored {
    fn default() -> Self {
        Stored::Text(String::new())
    }
}

/// A body's HTML being read: the text held, or unpacked for the reader.
pub struct HtmlText<'a>(Reading<'a>);

enum Reading<'a> {
    /// Only ever made of [`Stored::Text`] ([`Html::read`]).
    Held(MutexGuard<'a, Stored>),
    Unpacked(String),
}

impl std::ops::Deref for HtmlText<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match &self.0 {
            Reading::Held(stored) => match &**stored {
                Stored::Text(text) => text,
                Stored::Packed(_) => "",
            },
            Reading::Unpacked(text) => text,
        }
    }
}

impl std::fmt::Display for HtmlText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

impl Html {
    pub fn new(html: String) -> Html {
        Html(Mutex::new(Stored::Text(html)))
    }

    fn lock(&self) -> MutexGuard<'_, Stored> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps the HTML compressed from now on.
    pub fn pack(&self) {
        thread_local! {
            /// Room for the worst case, kept from body to body: the
            /// packed text is copied out at its size.
            static ROOM: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let mut stored = self.lock();
        let Stored::Text(text) = &*stored else {
            return;
        };
        let Ok(len) = u32::try_from(text.len()) else {
            return;
        };
        let packed = ROOM.with_borrow_mut(|room| {
            let need = 4 + lz4_flex::block::get_maximum_output_size(text.len());
            if room.len() < need {
                room.resize(need, 0);
            }
            room[..4].copy_from_slice(&len.to_le_bytes());
            let n = lz4_flex::block::compress_into(text.as_bytes(), &mut room[4..]).ok()?;
            Some(Box::from(&room[..4 + n]))
        });
        if let Some(packed) = packed {
            *stored = Stored::Packed(packed);
        }
    }

    /// The HTML, for as long as the value is held.
    pub fn read(&self) -> HtmlText<'_> {
        let stored = self.lock();
        match &*stored {
            Stored::Text(_) => HtmlText(Reading::Held(stored)),
            Stored::Packed(packed) => HtmlText(Reading::Unpacked(unpack(packed))),
        }
    }

    /// The HTML, left empty here.
    pub fn take(&self) -> String {
        match std::mem::take(&mut *self.lock()) {
            Stored::Text(text) => text,
            Stored::Packed(packed) => unpack(&packed),
        }
    }
}

/// The text [`Html::pack`] packed: it packed valid UTF-8, which only a
/// bug could spoil (then the body is drawn empty rather than the build
/// stopped).
fn unpack(packed: &[u8]) -> String {
    let text = lz4_flex::block::decompress_size_prepended(packed)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    debug_assert!(text.is_some(), "a packed body reads back");
    text.unwrap_or_default()
}

impl Clone for Html {
    fn clone(&self) -> Html {
        Html(Mutex::new(self.lock().clone()))
    }
}

/// Where a body sits: its file, the byte offset of the body in the file (after
/// front matter), and its path inside `content/` (for relative links).
pub struct BodySource<'a> {
    pub file: SourceId,
    pub offset: usize,
    pub content_path: &'a Path,
}

pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_WIKILINKS
}

/// Renders a Markdown body. Never fails: problems come back as diagnostics.
pub fn render(
    text: &str,
    at: &BodySource,
    take_title: bool,
    raw_html: RawHtml,
) -> (Body, Vec<Diagnostic>) {
    // Merged text runs keep a shortcode in one event.
    // About one event per 32 bytes of prose: sized up front, the list is
    // not copied as it grows through a long document.
    let mut events: Vec<(Event, Range<usize>)> = Vec::with_capacity(text.len() / 32 + 8);
    events.extend(TextMergeWithOffset::new(
        Parser::new_ext(text, options()).into_offset_iter(),
    ));
    let mut w = Writer {
        events: &events,
        text,
        at,
        take_title,
        raw_html,
        body: Body::default(),
        diags: Vec::new(),
        out: Vec::with_capacity(events.len()),
        used_ids: HashMap::new(),
        has_raw_html: false,
        in_code_block: false,
        open_link: None,
        paragraph: None,
    };
    let mut i = 0;
    while i < events.len() {
        i = w.event(i);
    }
    w.finish()
}

/// One body being rendered: the events read, what is written so far, and
/// what was found on the way.
struct Writer<'a, 'e> {
    events: &'e [(Event<'a>, Range<usize>)],
    text: &'a str,
    at: &'e BodySource<'e>,
    take_title: bool,
    raw_html: RawHtml,
    body: Body,
    diags: Vec<Diagnostic>,
    out: Vec<Event<'a>>,
    used_ids: HashMap<String, usize>,
    has_raw_html: bool,
    in_code_block: bool,
    /// Index in `body.links` of the link being written and whether its label
    /// is the default (the target's title).
    open_link: Option<(usize, bool)>,
    /// The first paragraph's text, while it is being written.
    paragraph: Option<String>,
}

impl<'a> Writer<'a, '_> {
    /// Writes the event at `i`; returns the index of the next one.
    fn event(&mut self, i: usize) -> usize {
        let events = self.events;
        let (event, range) = &events[i];
        match event {
            Event::Start(Tag::Heading { .. }) => return self.heading(i),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) => self.link(event, *link_type, dest_url, range),
            Event::Start(Tag::CodeBlock(_)) => {
                self.in_code_block = true;
                self.out.push(event.clone());
            }
            Event::End(TagEnd::CodeBlock) => {
                self.in_code_block = false;
                self.out.push(event.clone());
            }
            // A shortcode alone in its paragraph is a block (a chart): no <p>.
            Event::Start(Tag::Paragraph)
                if let Some(n) = shortcodes::lone(
                    events,
                    i,
                    self.text,
                    self.at,
                    &mut self.body,
                    &mut self.diags,
                ) =>
            {
                self.out.push(Event::Html(Slot::Shortcode.of(n).into()));
                return i + 3;
            }
            // A byte search first: most text runs hold no `{` at all.
            Event::Text(t)
                if !self.in_code_block
                    && memchr::memchr(b'{', t.as_bytes()).is_some()
                    && t.contains("{{") =>
            {
                self.text_with_shortcodes(t, range);
            }
            Event::End(TagEnd::Link) if self.open_link.is_some() => {
                self.open_link = None;
                self.out.push(Event::InlineHtml("</a>".into()));
            }
            // The default label replaces the id written inside `[[id]]`.
            Event::Text(_) | Event::Code(_) if matches!(self.open_link, Some((_, true))) => {}
            Event::Html(_) | Event::InlineHtml(_) => {
                self.has_raw_html = true;
                match self.raw_html {
                    RawHtml::Escape => self.out.push(Event::Text(raw_html_text(event))),
                    _ => self.out.push(event.clone()),
                }
            }
            Event::Start(Tag::Paragraph)
                if self.body.first_paragraph.is_none() && self.paragraph.is_none() =>
            {
                self.paragraph = Some(String::new());
                self.out.push(event.clone());
            }
            Event::End(TagEnd::Paragraph) if self.paragraph.is_some() => {
                self.body.first_paragraph = self.paragraph.take().filter(|p| !p.trim().is_empty());
                self.out.push(event.clone());
            }
            Event::Start(Tag::Table(_)) => {
                self.out
                    .push(Event::Html("<div class=\"table-wrap\">".into()));
                self.out.push(event.clone());
            }
            Event::End(TagEnd::Table) => {
                self.out.push(event.clone());
                self.out.push(Event::Html("</div>".into()));
            }
            _ => {
                if let (Some(p), Event::Text(t) | Event::Code(t)) = (self.paragraph.as_mut(), event)
                {
                    p.push_str(t);
                }
                self.out.push(event.clone());
            }
        }
        i + 1
    }

    /// A heading gets a unique id (its own, else its slug); the first `# `
    /// becomes the title when asked for.
    fn heading(&mut self, i: usize) -> usize {
        let events = self.events;
        let Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) = &events[i].0
        else {
            unreachable!("called at a heading's start")
        };
        let end = find_end(events, i);
        let title = plain_text(events[i + 1..end].iter().map(|(e, _)| e));
        if self.take_title && self.body.title.is_none() && *level == HeadingLevel::H1 {
            self.body.title = Some(title);
            return end + 1;
        }
        let base = id
            .as_deref()
            .map(str::to_string)
            .unwrap_or_else(|| slugify(&title));
        let id = unique_id(base, &mut self.used_ids);
        self.body.headings.push(Heading {
            level: *level as u8,
            id: id.clone(),
            title,
        });
        self.out.push(Event::Start(Tag::Heading {
            level: *level,
            id: Some(CowStr::from(id)),
            classes: classes.clone(),
            attrs: attrs.clone(),
        }));
        i + 1
    }

    /// Text that may hold shortcode calls: the text around them, and a
    /// placeholder per call.
    fn text_with_shortcodes(&mut self, t: &str, range: &Range<usize>) {
        let source = self.text.get(range.clone()).unwrap_or("");
        let pieces = shortcodes::inline(
            t,
            source,
            range.start,
            self.at,
            &mut self.body,
            &mut self.diags,
        );
        for piece in pieces {
            if let (Some(p), Event::Text(t)) = (self.paragraph.as_mut(), &piece) {
                p.push_str(t);
            }
            self.out.push(piece);
        }
    }

    /// An internal link is recorded and written with placeholders; others
    /// are written as they are.
    fn link(&mut self, event: &Event<'a>, link_type: LinkType, dest: &str, range: &Range<usize>) {
        let at = self.at;
        let span = Span::new(at.file, range.start + at.offset..range.end + at.offset);
        match internal_target(link_type, dest, at.content_path) {
            Some(Ok((target, anchor))) => {
                let n = self.body.links.len();
                self.body.links.push(BodyLink {
                    target,
                    anchor,
                    span,
                });
                let default_label = matches!(link_type, LinkType::WikiLink { has_pothole: false });
                self.open_link = Some((n, default_label));
                self.out.push(Event::InlineHtml(
                    format!("<a class=\"internal\" href=\"{}\">", Slot::Href.of(n)).into(),
                ));
                if default_label {
                    self.out.push(Event::InlineHtml(Slot::Label.of(n).into()));
                }
            }
            Some(Err(message)) => {
                self.diags.push(
                    Diagnostic::error(Code::BadLink, message)
                        .at(span)
                        .hint("write [[id]], [[id|label]] or [[id#heading]] on one line; the id is the file name without `.md`, as written"),
                );
                self.out.push(event.clone());
            }
            None => self.out.push(event.clone()),
        }
    }

    fn finish(self) -> (Body, Vec<Diagnostic>) {
        let mut body = self.body;
        let mut html_out = String::with_capacity(self.text.len() * 3 / 2);
        html::push_html(&mut html_out, self.out.into_iter());
        if self.has_raw_html && self.raw_html == RawHtml::Sanitize {
            html_out = sanitize(&html_out);
        }
        // The body is kept until its page is drawn: spare room left by
        // the estimate above (a third of it for prose) would be held as
        // long, for every page of the site. A copy, not `shrink_to_fit`:
        // mimalloc keeps the whole block on a shrink that saves less than
        // half of it.
        body.html = Html::new(match html_out.capacity() > html_out.len() {
            true => html_out.as_str().to_owned(),
            false => html_out,
        });
        body.links.shrink_to_fit();
        body.headings.shrink_to_fit();
        if let Some(p) = &mut body.first_paragraph {
            p.shrink_to_fit();
        }
        (body, self.diags)
    }
}

fn raw_html_text<'a>(event: &Event<'a>) -> CowStr<'a> {
    match event {
        Event::Html(h) | Event::InlineHtml(h) => h.clone(),
        _ => CowStr::from(""),
    }
}

/// Index of the `End` that closes the `Start` at `start`.
fn find_end(events: &[(Event, Range<usize>)], start: usize) -> usize {
    let mut depth = 0;
    for (i, (e, _)) in events.iter().enumerate().skip(start) {
        match e {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    events.len() - 1
}

fn plain_text<'a>(events: impl Iterator<Item = &'a Event<'a>>) -> String {
    let mut s = String::new();
    for e in events {
        match e {
            Event::Text(t) | Event::Code(t) => s.push_str(t),
            Event::SoftBreak | Event::HardBreak => s.push(' '),
            _ => {}
        }
    }
    s.trim().to_string()
}

/// Allow-list cleaning of raw HTML. Keeps what Markdown itself produces
/// (heading ids, footnote ids, task-list checkboxes) and our link placeholders.
fn sanitize(html: &str) -> String {
    use std::sync::OnceLock;
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER
        .get_or_init(|| {
            let mut b = ammonia::Builder::default();
            b.add_generic_attributes(["id", "class", "title", "lang", "dir"])
                .add_tags([
                    "input",
                    "section",
                    "figure",
                    "figcaption",
                    "details",
                    "summary",
                    "sup",
                    "sub",
                    "mark",
                ])
                .add_tag_attributes("input", ["type", "checked", "disabled"])
                .add_tag_attributes("th", ["style"])
                .add_tag_attributes("td", ["style"])
                .url_relative(ammonia::UrlRelative::PassThrough)
                .link_rel(None);
            b
        })
        .clean(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(text: &str) -> Body {
        md_with(text, RawHtml::Sanitize)
    }

    fn md_with(text: &str, raw: RawHtml) -> Body {
        let at = BodySource {
            file: SourceId(0),
            offset: 0,
            content_path: Path::new("policies/a.md"),
        };
        render(text, &at, true, raw).0
    }

    #[test]
    fn cjk_heading_ids_deduplicated_and_toc_nested() {
        let b = md("## 数字化转型\n\n### 细则\n\n## 数字化转型\n\n## Digital Shift!\n");
        let ids: Vec<_> = b.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["数字化转型", "细则", "数字化转型-1", "digital-shift"]);
        assert!(b.html.read().contains("<h2 id=\"数字化转型\">"));
        let toc = b.toc();
        assert_eq!(toc.len(), 3);
        assert_eq!(toc[0].children[0].id, "细则");
    }

    #[test]
    fn title_from_first_h1_is_removed_from_body() {
        let b = md("# 条例标题\n\n正文。\n");
        assert_eq!(b.title.as_deref(), Some("条例标题"));
        assert!(!b.html.read().contains("<h1"));
        assert_eq!(b.first_paragraph.as_deref(), Some("正文。"));
    }

    #[test]
    fn wikilinks_and_relative_links_become_placeholders_with_spans() {
        let text = "见[[千项千亿]]与[[甲#目标|标签]]，及[措施](../measures/b.md#x)。[外](https://e.org/a.md)";
        let b = md(text);
        assert_eq!(b.links.len(), 3);
        assert_eq!(b.links[0].target, LinkTarget::Id("千项千亿".into()));
        assert_eq!(&text[b.links[0].span.range()], "[[千项千亿]]");
        assert_eq!(b.links[1].anchor.as_deref(), Some("目标"));
        assert_eq!(b.links[2].target, LinkTarget::File("measures/b.md".into()));
        assert!(b.html.read().contains(&format!(
            "href=\"{}\">{}</a>",
            Slot::Href.of(0),
            Slot::Label.of(0)
        )));
        assert!(b.html.read().contains(">标签</a>"));
        assert!(b.html.read().contains("https://e.org/a.md"));
    }

    #[test]
    fn raw_html_modes() {
        let evil = "<script>alert(1)</script>\n\n文字<b onclick=\"x()\">粗</b> [[a]]\n";
        let clean = md_with(evil, RawHtml::Sanitize);
        let html = clean.html.read();
        assert!(!html.contains("<script") && !html.contains("onclick"));
        assert!(
            html.contains(&format!("href=\"{}\"", Slot::Href.of(0))),
            "{html}"
        );
        assert!(html.contains(&Slot::Label.of(0)));
        assert!(
            md_with(evil, RawHtml::Trust)
                .html
                .read()
                .contains("<script>")
        );
        assert!(
            md_with(evil, RawHtml::Escape)
                .html
                .read()
                .contains("&lt;script&gt;")
        );
    }

    #[test]
    fn gfm_extensions() {
        let b =
            md("| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] 完成\n\n~~删~~ 注[^1]\n\n[^1]: 脚注\n");
        assert!(b.html.read().contains("<div class=\"table-wrap\"><table>"));
        assert!(b.html.read().contains("checkbox"));
        assert!(b.html.read().contains("<del>删</del>"));
        assert!(b.html.read().contains("footnote"));
    }

    #[test]
    fn shortcodes_become_placeholders_with_spans_except_in_code() {
        let text = "增长{{ metric(id=\"甲\") }}。\n\n{{ chart(id=\"乙\") }}\n\n`{{ metric(id=\"丙\") }}`\n\n```\n{{ metric(id=\"丁\") }}\n```\n";
        let b = md(text);
        let names: Vec<(&str, bool)> = b
            .shortcodes
            .iter()
            .map(|c| (c.arg("id").unwrap(), c.block))
            .collect();
        assert_eq!(names, [("甲", false), ("乙", true)]);
        let first = &b.shortcodes[0].span;
        assert_eq!(
            &text[first.start as usize..first.end as usize],
            "{{ metric(id=\"甲\") }}"
        );
        assert!(
            b.html
                .read()
                .contains(&format!("<p>增长{}。</p>", Slot::Shortcode.of(0)))
        );
        assert!(
            b.html
                .read()
                .contains(&format!("\n{}", Slot::Shortcode.of(1)))
        );
        assert!(
            !b.html
                .read()
                .contains(&format!("<p>{}", Slot::Shortcode.of(1))),
            "a lone shortcode is a block"
        );
        assert!(
            b.html
                .read()
                .contains("<code>{{ metric(id=\"丙\") }}</code>"),
            "{}",
            b.html.read()
        );
        assert!(
            b.html
                .read()
                .contains("{{ metric(id=\"丁\") }}\n</code></pre>"),
            "{}",
            b.html.read()
        );
    }

    #[test]
    fn malformed_shortcode_is_an_error_and_stays_text() {
        let at = BodySource {
            file: SourceId(0),
            offset: 10,
            content_path: Path::new("policies/a.md"),
        };
        let (b, diags) = render("甲{{ metric(id=乙) }}", &at, false, RawHtml::Sanitize);
        assert!(b.shortcodes.is_empty());
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "bad-shortcode");
        assert_eq!(
            diags[0].location,
            crate::diag::Location::Span(Span::new(SourceId(0), 13..33))
        );
        assert!(b.html.read().contains("{{ metric(id=乙) }}"));
    }
}
