//! Markdown bodies: HTML with link placeholders, headings, table of contents.
//!
//! Internal links (wikilinks and relative links to content files) cannot be
//! written yet: their target is resolved by the link stage and their URL is
//! relative to the page that shows them. So the HTML carries placeholders —
//! [`HREF_MARK`]`n`[`HREF_MARK`] for the href of link `n` and
//! [`LABEL_MARK`]`n`[`LABEL_MARK`] for a label that defaults to the target's
//! title — that the render stage fills in one pass.

use std::path::{Component, Path, PathBuf};

use pulldown_cmark::{
    CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd, TextMergeWithOffset, html,
};
use serde::Serialize;

use super::shortcode::{self, SHORTCODE_MARK, Shortcode};
use crate::config::RawHtml;
use crate::diag::Diagnostic;
use crate::source::{SourceId, Span};

/// Unicode noncharacters never appear in content (the loader removes them).
pub const HREF_MARK: char = '\u{FDD0}';
pub const LABEL_MARK: char = '\u{FDD1}';

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
    pub html: String,
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
    let mut body = Body::default();
    let mut diags = Vec::new();
    // Merged text runs keep a shortcode in one event.
    let events: Vec<(Event, std::ops::Range<usize>)> =
        TextMergeWithOffset::new(Parser::new_ext(text, options()).into_offset_iter()).collect();
    let mut in_code_block = false;
    let mut out: Vec<Event> = Vec::with_capacity(events.len());
    let mut used_ids = std::collections::HashMap::new();
    let mut has_raw_html = false;
    let mut i = 0;
    // Index in `body.links` of the link being written and whether its label
    // is the default (the target's title).
    let mut open_link: Option<(usize, bool)> = None;
    let mut paragraph: Option<String> = None;
    while i < events.len() {
        let (event, range) = &events[i];
        match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                let end = find_end(&events, i);
                let inner = &events[i + 1..end];
                let title = plain_text(inner.iter().map(|(e, _)| e));
                if take_title && body.title.is_none() && *level == HeadingLevel::H1 {
                    body.title = Some(title);
                    i = end + 1;
                    continue;
                }
                let base = id
                    .as_deref()
                    .map(str::to_string)
                    .unwrap_or_else(|| slugify(&title));
                let id = unique_id(base, &mut used_ids);
                body.headings.push(Heading {
                    level: *level as u8,
                    id: id.clone(),
                    title,
                });
                out.push(Event::Start(Tag::Heading {
                    level: *level,
                    id: Some(CowStr::from(id)),
                    classes: classes.clone(),
                    attrs: attrs.clone(),
                }));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) => match internal_target(*link_type, dest_url, at.content_path) {
                Some(Ok((target, anchor))) => {
                    let n = body.links.len();
                    body.links.push(BodyLink {
                        target,
                        anchor,
                        span: Span::new(at.file, range.start + at.offset..range.end + at.offset),
                    });
                    let default_label =
                        matches!(link_type, LinkType::WikiLink { has_pothole: false });
                    open_link = Some((n, default_label));
                    out.push(Event::InlineHtml(
                        format!("<a class=\"internal\" href=\"{HREF_MARK}{n}{HREF_MARK}\">").into(),
                    ));
                    if default_label {
                        out.push(Event::InlineHtml(
                            format!("{LABEL_MARK}{n}{LABEL_MARK}").into(),
                        ));
                    }
                }
                Some(Err(message)) => {
                    diags.push(
                            Diagnostic::error("bad-link", message)
                                .at(Span::new(at.file, range.start + at.offset..range.end + at.offset))
                                .hint("write [[id]], [[id|label]] or [[id#heading]] on one line; the id is the file name without `.md`, as written"),
                        );
                    out.push(event.clone());
                }
                None => out.push(event.clone()),
            },
            Event::Start(Tag::CodeBlock(_)) => {
                in_code_block = true;
                out.push(event.clone());
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code_block = false;
                out.push(event.clone());
            }
            // A shortcode alone in its paragraph is a block (a chart): no <p>.
            Event::Start(Tag::Paragraph)
                if let Some(n) = lone_shortcode(&events, i, text, at, &mut body, &mut diags) =>
            {
                out.push(Event::Html(
                    format!("{SHORTCODE_MARK}{n}{SHORTCODE_MARK}").into(),
                ));
                i += 3;
                continue;
            }
            Event::Text(t) if !in_code_block && t.contains("{{") => {
                let source = text.get(range.clone()).unwrap_or("");
                for piece in shortcodes_in(t, source, range.start, at, &mut body, &mut diags) {
                    if let (Some(p), Event::Text(t)) = (paragraph.as_mut(), &piece) {
                        p.push_str(t);
                    }
                    out.push(piece);
                }
            }
            Event::End(TagEnd::Link) if open_link.is_some() => {
                open_link = None;
                out.push(Event::InlineHtml("</a>".into()));
            }
            // The default label replaces the id written inside `[[id]]`.
            Event::Text(_) | Event::Code(_) if matches!(open_link, Some((_, true))) => {}
            Event::Html(_) | Event::InlineHtml(_) => {
                has_raw_html = true;
                match raw_html {
                    RawHtml::Escape => out.push(Event::Text(raw_html_text(event))),
                    _ => out.push(event.clone()),
                }
            }
            Event::Start(Tag::Paragraph)
                if body.first_paragraph.is_none() && paragraph.is_none() =>
            {
                paragraph = Some(String::new());
                out.push(event.clone());
            }
            Event::End(TagEnd::Paragraph) if paragraph.is_some() => {
                body.first_paragraph = paragraph.take().filter(|p| !p.trim().is_empty());
                out.push(event.clone());
            }
            Event::Start(Tag::Table(_)) => {
                out.push(Event::Html("<div class=\"table-wrap\">".into()));
                out.push(event.clone());
            }
            Event::End(TagEnd::Table) => {
                out.push(event.clone());
                out.push(Event::Html("</div>".into()));
            }
            _ => {
                if let (Some(p), Event::Text(t) | Event::Code(t)) = (paragraph.as_mut(), event) {
                    p.push_str(t);
                }
                out.push(event.clone());
            }
        }
        i += 1;
    }
    let mut html_out = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut html_out, out.into_iter());
    if has_raw_html && raw_html == RawHtml::Sanitize {
        html_out = sanitize(&html_out);
    }
    body.html = html_out;
    (body, diags)
}

/// Text with shortcodes as events: the text around them, and a placeholder
/// for each call. `source` is the text as written, to place each call.
fn shortcodes_in<'a>(
    t: &str,
    source: &str,
    offset: usize,
    at: &BodySource,
    body: &mut Body,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Event<'a>> {
    let mut out = Vec::new();
    let mut pos = 0;
    for found in shortcode::find(t) {
        if found.start > pos {
            out.push(Event::Text(t[pos..found.start].to_string().into()));
        }
        let written = &t[found.start..found.end];
        // Escapes or entities make the text differ from the source; then the
        // call is placed at the start of its text run.
        let start = offset + source.find(written).unwrap_or(0);
        let span = Span::new(
            at.file,
            start + at.offset..start + at.offset + written.len(),
        );
        match record(found.call, span, false, body, diags) {
            Some(n) => out.push(Event::InlineHtml(
                format!("{SHORTCODE_MARK}{n}{SHORTCODE_MARK}").into(),
            )),
            None => out.push(Event::Text(written.to_string().into())),
        }
        pos = found.end;
    }
    if pos < t.len() {
        out.push(Event::Text(t[pos..].to_string().into()));
    }
    out
}

/// The shortcode written alone in the paragraph that starts at `i`, recorded
/// as a block; `None` when the paragraph holds anything else.
fn lone_shortcode(
    events: &[(Event, std::ops::Range<usize>)],
    i: usize,
    text: &str,
    at: &BodySource,
    body: &mut Body,
    diags: &mut Vec<Diagnostic>,
) -> Option<usize> {
    let (Some((Event::Text(t), range)), Some((Event::End(TagEnd::Paragraph), _))) =
        (events.get(i + 1), events.get(i + 2))
    else {
        return None;
    };
    let trimmed = t.trim();
    let mut found = shortcode::find(trimmed);
    if found.len() != 1 || found[0].start != 0 || found[0].end != trimmed.len() {
        return None;
    }
    let f = found.remove(0);
    let source = text.get(range.clone()).unwrap_or("");
    let start = range.start + source.find(trimmed).unwrap_or(0);
    let span = Span::new(
        at.file,
        start + at.offset..start + at.offset + trimmed.len(),
    );
    // A malformed call falls back to text (and its error) like an inline one.
    f.call.is_ok().then_some(())?;
    record(f.call, span, true, body, diags)
}

/// Adds a call to the body, or reports why it cannot be read.
fn record(
    call: Result<(String, Vec<(String, String)>), String>,
    span: Span,
    block: bool,
    body: &mut Body,
    diags: &mut Vec<Diagnostic>,
) -> Option<usize> {
    match call {
        Ok((name, args)) => {
            body.shortcodes.push(Shortcode {
                name,
                args,
                span,
                block,
            });
            Some(body.shortcodes.len() - 1)
        }
        Err(message) => {
            diags.push(
                Diagnostic::error("bad-shortcode", format!("malformed shortcode: {message}"))
                    .at(span)
                    .hint("write {{ name(key=\"value\") }}, e.g. {{ metric(id=\"规上工业增加值增速\", period=\"2024\") }}; to show the braces as text, put them in `inline code`"),
            );
            None
        }
    }
}

fn raw_html_text<'a>(event: &Event<'a>) -> CowStr<'a> {
    match event {
        Event::Html(h) | Event::InlineHtml(h) => h.clone(),
        _ => CowStr::from(""),
    }
}

/// Index of the `End` that closes the `Start` at `start`.
fn find_end(events: &[(Event, std::ops::Range<usize>)], start: usize) -> usize {
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

/// Classifies a link: `None` for an ordinary link (external, image, anchor on
/// this page), `Some(Ok)` for an internal one, `Some(Err)` for a malformed one.
fn internal_target(
    link_type: LinkType,
    dest: &str,
    content_path: &Path,
) -> Option<Result<(LinkTarget, Option<String>), String>> {
    let (path, anchor) = match dest.split_once('#') {
        Some((p, a)) => (p, Some(a.to_string()).filter(|a| !a.is_empty())),
        None => (dest, None),
    };
    if let LinkType::WikiLink { .. } = link_type {
        let id = path.trim();
        if id.is_empty() {
            return Some(Err(format!("wikilink `[[{dest}]]` has no id")));
        }
        if id.contains(char::is_control) {
            return Some(Err(format!(
                "wikilink `[[{}]]` is split over lines",
                dest.escape_debug()
            )));
        }
        return Some(Ok((LinkTarget::Id(id.to_string()), anchor)));
    }
    if path.is_empty()
        && anchor.is_some()
        && !matches!(link_type, LinkType::Email | LinkType::Autolink)
    {
        return Some(Ok((LinkTarget::Here, anchor)));
    }
    let is_content = path.ends_with(".md") || path.ends_with(".yaml") || path.ends_with(".yml");
    if !is_content || path.contains("://") || path.starts_with("mailto:") {
        return None;
    }
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let joined = if let Some(abs) = decoded.strip_prefix('/') {
        PathBuf::from(abs)
    } else {
        content_path
            .parent()
            .unwrap_or(Path::new(""))
            .join(decoded.as_ref())
    };
    Some(Ok((LinkTarget::File(normalize(&joined)), anchor)))
}

/// Resolves `.` and `..` without touching the disk.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(s) => out.push(s),
            _ => {}
        }
    }
    out
}

/// Heading ids keep letters of every script: `数字化转型` stays `数字化转型`,
/// `Digital Transformation` becomes `digital-transformation`.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '_' {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        } else if c.is_whitespace() || c == '-' {
            dash = true;
        }
    }
    if out.is_empty() {
        "section".to_string()
    } else {
        out
    }
}

fn unique_id(base: String, used: &mut std::collections::HashMap<String, usize>) -> String {
    let Some(&n) = used.get(&base) else {
        used.insert(base.clone(), 0);
        return base;
    };
    let mut n = n;
    let id = loop {
        n += 1;
        let candidate = format!("{base}-{n}");
        if !used.contains_key(&candidate) {
            break candidate;
        }
    };
    used.insert(base, n);
    used.insert(id.clone(), 0);
    id
}

fn build_toc(headings: &[Heading]) -> Vec<TocEntry> {
    fn insert(list: &mut Vec<TocEntry>, e: TocEntry) {
        match list.last_mut() {
            Some(last) if last.level < e.level => insert(&mut last.children, e),
            _ => list.push(e),
        }
    }
    let mut toc = Vec::new();
    for h in headings {
        insert(
            &mut toc,
            TocEntry {
                level: h.level,
                id: h.id.clone(),
                title: h.title.clone(),
                children: Vec::new(),
            },
        );
    }
    toc
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
        assert!(b.html.contains("<h2 id=\"数字化转型\">"));
        let toc = b.toc();
        assert_eq!(toc.len(), 3);
        assert_eq!(toc[0].children[0].id, "细则");
    }

    #[test]
    fn title_from_first_h1_is_removed_from_body() {
        let b = md("# 条例标题\n\n正文。\n");
        assert_eq!(b.title.as_deref(), Some("条例标题"));
        assert!(!b.html.contains("<h1"));
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
        assert!(b.html.contains(&format!(
            "href=\"{HREF_MARK}0{HREF_MARK}\">{LABEL_MARK}0{LABEL_MARK}</a>"
        )));
        assert!(b.html.contains(">标签</a>"));
        assert!(b.html.contains("https://e.org/a.md"));
    }

    #[test]
    fn raw_html_modes() {
        let evil = "<script>alert(1)</script>\n\n文字<b onclick=\"x()\">粗</b> [[a]]\n";
        let clean = md_with(evil, RawHtml::Sanitize);
        assert!(!clean.html.contains("<script") && !clean.html.contains("onclick"));
        assert!(
            clean
                .html
                .contains(&format!("href=\"{HREF_MARK}0{HREF_MARK}\"")),
            "{}",
            clean.html
        );
        assert!(clean.html.contains(&format!("{LABEL_MARK}0{LABEL_MARK}")));
        assert!(md_with(evil, RawHtml::Trust).html.contains("<script>"));
        assert!(
            md_with(evil, RawHtml::Escape)
                .html
                .contains("&lt;script&gt;")
        );
    }

    #[test]
    fn gfm_extensions() {
        let b =
            md("| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] 完成\n\n~~删~~ 注[^1]\n\n[^1]: 脚注\n");
        assert!(b.html.contains("<div class=\"table-wrap\"><table>"));
        assert!(b.html.contains("checkbox"));
        assert!(b.html.contains("<del>删</del>"));
        assert!(b.html.contains("footnote"));
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
                .contains(&format!("<p>增长{SHORTCODE_MARK}0{SHORTCODE_MARK}。</p>"))
        );
        assert!(
            b.html
                .contains(&format!("\n{SHORTCODE_MARK}1{SHORTCODE_MARK}"))
        );
        assert!(
            !b.html.contains(&format!("<p>{SHORTCODE_MARK}1")),
            "a lone shortcode is a block"
        );
        assert!(
            b.html.contains("<code>{{ metric(id=\"丙\") }}</code>"),
            "{}",
            b.html
        );
        assert!(
            b.html.contains("{{ metric(id=\"丁\") }}\n</code></pre>"),
            "{}",
            b.html
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
        assert!(b.html.contains("{{ metric(id=乙) }}"));
    }
}
