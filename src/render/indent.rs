//! Templates without the indentation of their lines.
//!
//! Templates are indented to be read; pages need none of it, and at ten
//! thousand pages it is megabytes. The spaces and tabs that begin a line of
//! a template are dropped before Tera sees it — except inside `<pre>`,
//! `<textarea>`, `<script>` and `<style>`, `{% raw %}` blocks, and a Tera tag
//! that runs over several lines — so the page keeps its meaning while the
//! source keeps its layout. Line numbers do not change; [`Compact::original`]
//! turns a position in the compact text back into one in the source, for
//! error messages.

/// A template's text without its indentation.
#[derive(Debug, Clone)]
pub struct Compact {
    pub text: String,
    /// Per line: where it starts in `text`, and the bytes removed up to the
    /// end of its indentation.
    lines: Vec<(usize, usize)>,
}

/// Elements whose text is shown (or run) as written.
const VERBATIM: [&str; 4] = ["pre", "textarea", "script", "style"];

impl Compact {
    pub fn new(src: &str) -> Compact {
        let mut text = String::with_capacity(src.len());
        let mut lines = Vec::new();
        let mut removed = 0;
        let mut state = State::default();
        for line in src.split_inclusive('\n') {
            let kept = if state.keeps_indent() {
                line
            } else {
                line.trim_start_matches([' ', '\t'])
            };
            removed += line.len() - kept.len();
            lines.push((text.len(), removed));
            text.push_str(kept);
            state.scan(kept);
        }
        Compact { text, lines }
    }

    /// The source position of byte `pos` of the compact text.
    pub fn original(&self, pos: usize) -> usize {
        let i = self.lines.partition_point(|&(start, _)| start <= pos);
        match i.checked_sub(1) {
            Some(i) => pos + self.lines[i].1,
            None => pos,
        }
    }

    /// Bytes removed from the start of 1-based line `line`.
    pub fn removed_on_line(&self, line: usize) -> usize {
        let at = |i: usize| self.lines.get(i).map_or(0, |l| l.1);
        match line.checked_sub(1) {
            Some(i) if i < self.lines.len() => at(i) - i.checked_sub(1).map_or(0, at),
            _ => 0,
        }
    }
}

/// What the end of the text read so far is inside of.
#[derive(Debug, Default)]
struct State {
    /// The closer of an open Tera tag (`}}`, `%}`, `#}`).
    tag: Option<&'static str>,
    /// An open verbatim element or `{% raw %}` block, by its closing text.
    verbatim: Option<String>,
}

impl State {
    fn keeps_indent(&self) -> bool {
        self.tag.is_some() || self.verbatim.is_some()
    }

    /// Follows the Tera tags and verbatim blocks that open and close in `line`.
    fn scan(&mut self, line: &str) {
        let lower = line.to_ascii_lowercase();
        let mut i = 0;
        while i < lower.len() {
            let rest = &lower[i..];
            if let Some(close) = &self.verbatim {
                match rest.find(close.as_str()) {
                    Some(k) => {
                        i += k + close.len();
                        self.verbatim = None;
                    }
                    None => return,
                }
            } else if let Some(close) = self.tag {
                match rest.find(close) {
                    Some(k) => {
                        let inner = &rest[..k];
                        i += k + close.len();
                        self.tag = None;
                        if close == "%}" && inner.trim().trim_matches('-').trim() == "raw" {
                            self.verbatim = Some("endraw".into());
                        }
                    }
                    None => return,
                }
            } else {
                let Some(k) = rest.find(['{', '<']) else {
                    return;
                };
                let at = &rest[k..];
                i += k + 1;
                if let Some(close) = [("{{", "}}"), ("{%", "%}"), ("{#", "#}")]
                    .iter()
                    .find_map(|(open, close)| at.starts_with(open).then_some(*close))
                {
                    self.tag = Some(close);
                    i += 1;
                } else if let Some(name) = VERBATIM.iter().find(|n| {
                    at[1..].starts_with(*n)
                        && at[1 + n.len()..].starts_with([' ', '>', '\n', '\t', '\r'])
                }) {
                    self.verbatim = Some(format!("</{name}"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indentation_goes_and_positions_map_back() {
        let src = "<ul>\n  <li>{{ a }}</li>\n\t\t<li>b</li>\n</ul>\n";
        let c = Compact::new(src);
        assert_eq!(c.text, "<ul>\n<li>{{ a }}</li>\n<li>b</li>\n</ul>\n");
        let a = c.text.find("a }}").unwrap();
        assert_eq!(&src[c.original(a)..c.original(a) + 1], "a");
        let b = c.text.find("b<").unwrap();
        assert_eq!(&src[c.original(b)..c.original(b) + 1], "b");
        assert_eq!(c.removed_on_line(2), 2);
        assert_eq!(c.removed_on_line(3), 2);
        assert_eq!(c.removed_on_line(4), 0);
    }

    #[test]
    fn verbatim_elements_raw_blocks_and_open_tags_keep_theirs() {
        let src = "<pre>\n  x\n  </pre>\n  y\n<script>\n  if (a) {\n  }\n</script>\n  {% raw %}\n  {{ z }}\n  {% endraw %}\n  {{ f(a=1,\n    b=\"  s\") }}\n  w\n";
        let c = Compact::new(src);
        assert_eq!(
            c.text,
            "<pre>\n  x\n  </pre>\ny\n<script>\n  if (a) {\n  }\n</script>\n{% raw %}\n  {{ z }}\n  {% endraw %}\n{{ f(a=1,\n    b=\"  s\") }}\nw\n"
        );
    }

    #[test]
    fn a_tag_name_that_only_starts_like_a_verbatim_one_is_not_one() {
        let c = Compact::new("<preview>\n  x\n");
        assert_eq!(c.text, "<preview>\nx\n");
    }
}
