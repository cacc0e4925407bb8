//! Shortcode calls in a body's text: recorded with their spans, and left in
//! the HTML as placeholders.

use std::ops::Range;

use pulldown_cmark::{Event, TagEnd};

use super::{Body, BodySource};
use crate::diag::{Code, Diagnostic};
use crate::parse::shortcode::{self, Shortcode};
use crate::placeholder::Slot;
use crate::source::Span;

/// Text with shortcodes as events: the text around them, and a placeholder
/// for each call. `source` is the text as written, to place each call.
pub(super) fn inline<'a>(
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
            Some(n) => out.push(Event::InlineHtml(Slot::Shortcode.of(n).into())),
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
pub(super) fn lone(
    events: &[(Event, Range<usize>)],
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
                Diagnostic::error(Code::BadShortcode, format!("malformed shortcode: {message}"))
                    .at(span)
                    .hint("write {{ name(key=\"value\") }}, e.g. {{ metric(id=\"规上工业增加值增速\", period=\"2024\") }}; to show the braces as text, put them in `inline code`"),
            );
            None
        }
    }
}
