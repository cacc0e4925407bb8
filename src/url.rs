//! Relative URLs and the filling-in of link placeholders.
//!
//! Internal links are relative to the page that shows them, so the site works
//! under any sub-path and from `file://`.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use crate::graph::{Graph, LinkTo};
use crate::placeholder::{Piece, Slot, pieces};

/// What is escaped in a URL path segment: everything outside unreserved ASCII.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// How internal links end.
#[derive(Debug, Clone, Copy)]
pub struct LinkStyle {
    /// `dir/index.html` instead of `dir/`: needed for `file://`.
    pub portable: bool,
}

impl LinkStyle {
    /// A site path (`policies/甲/`) as a link path from the root, encoded.
    pub fn path(&self, url_path: &str) -> String {
        let mut out = encode_path(url_path);
        if self.portable && (out.is_empty() || out.ends_with('/')) {
            out.push_str("index.html");
        }
        out
    }
}

/// `path` percent-encoded outside the unreserved ASCII of `SEGMENT`. The
/// pieces are gathered straight into a string: through `Display`
/// (`to_string`) each would pass the formatting machinery, and every link
/// of every page is encoded here.
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len() * 3);
    for piece in utf8_percent_encode(path, SEGMENT) {
        out.push_str(piece);
    }
    out
}

/// A fragment is encoded as a path segment is.
pub fn encode_fragment(fragment: &str) -> String {
    encode_path(fragment)
}

/// `../../` for `policies/甲/`, `` for the home page.
pub fn root_prefix(current_path: &str) -> String {
    "../".repeat(current_path.matches('/').count())
}

/// Replaces the placeholders of a body's HTML with this page's relative hrefs
/// and the targets' titles.
pub fn fill<'h>(
    html: &'h str,
    links: &[Option<LinkTo>],
    graph: &Graph,
    root: &str,
    style: LinkStyle,
) -> Cow<'h, str> {
    if links.is_empty() {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len() + links.len() * 32);
    for piece in pieces(html, &[Slot::Href, Slot::Label]) {
        let (slot, n) = match piece {
            Piece::Text(t) => {
                out.push_str(t);
                continue;
            }
            Piece::Slot(slot, n) => (slot, n),
        };
        match (slot, links.get(n).and_then(Option::as_ref)) {
            (Slot::Href, Some(l)) => {
                if let Some(t) = l.target {
                    out.push_str(root);
                    out.push_str(&style.path(&graph.entities[t].url_path));
                }
                if let Some(a) = &l.anchor {
                    out.push('#');
                    out.push_str(&encode_fragment(a));
                }
            }
            (Slot::Href, None) => out.push('#'),
            (_, Some(l)) => match l.target {
                Some(t) => push_escaped(&mut out, &graph.entities[t].title),
                None => push_escaped(&mut out, l.anchor.as_deref().unwrap_or("")),
            },
            (_, None) => out.push('?'),
        }
    }
    Cow::Owned(out)
}

/// Escapes text for HTML content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s);
    out
}

/// Appends `s` escaped as [`escape_html`] does.
pub fn push_escaped(out: &mut String, s: &str) {
    // The five are ASCII: runs between them are copied whole, never
    // decoded (titles and labels are mostly Chinese).
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        out.push_str(entity);
        run = i + 1;
    }
    out.push_str(&s[run..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_cjk_and_keeps_slashes() {
        let s = LinkStyle { portable: true };
        assert_eq!(
            s.path("policies/甲 乙/"),
            "policies/%E7%94%B2%20%E4%B9%99/index.html"
        );
        assert_eq!(s.path(""), "index.html");
        assert_eq!(LinkStyle { portable: false }.path("a/b/"), "a/b/");
        assert_eq!(s.path("style.css"), "style.css");
    }

    #[test]
    fn escapes_the_five_and_keeps_the_rest() {
        assert_eq!(
            escape_html("甲<b>&\"乙\"'丙'"),
            "甲&lt;b&gt;&amp;&quot;乙&quot;&#39;丙&#39;"
        );
        assert_eq!(escape_html("无需转义"), "无需转义");
        assert_eq!(escape_html(""), "");
    }

    #[test]
    fn root_prefix_depth() {
        assert_eq!(root_prefix(""), "");
        assert_eq!(root_prefix("policies/"), "../");
        assert_eq!(root_prefix("policies/甲/"), "../../");
    }
}
