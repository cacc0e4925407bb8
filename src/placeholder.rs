//! Placeholders in a body's HTML, for what the parse stage cannot write yet.
//!
//! A link's href and default label depend on the link stage (the target) and
//! on the page that shows the body (relative URLs); a shortcode's output on
//! the templates. So parse leaves a numbered placeholder for each, and render
//! fills them in: [`pieces`] cuts the HTML at them. A placeholder is a
//! Unicode noncharacter around a number; load [`scrub`]s those characters
//! from every text file, so content never holds one.

/// What a placeholder stands for; its number indexes the body's links or
/// shortcode calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The href of a link.
    Href,
    /// The default label of a link: the target's title.
    Label,
    /// A shortcode call's output.
    Shortcode,
}

impl Slot {
    pub const ALL: [Slot; 3] = [Slot::Href, Slot::Label, Slot::Shortcode];

    const fn mark(self) -> char {
        match self {
            Slot::Href => '\u{FDD0}',
            Slot::Label => '\u{FDD1}',
            Slot::Shortcode => '\u{FDD2}',
        }
    }

    /// The placeholder of item `n`.
    pub fn of(self, n: usize) -> String {
        let m = self.mark();
        format!("{m}{n}{m}")
    }

    /// Whether `html` holds a placeholder of this slot.
    pub fn is_in(self, html: &str) -> bool {
        html.contains(self.mark())
    }
}

/// A stretch of HTML, or a placeholder to fill in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Slot(Slot, usize),
}

/// `html` cut at the placeholders of `slots`; other slots stay in the text.
pub fn pieces<'a>(html: &'a str, slots: &'a [Slot]) -> impl Iterator<Item = Piece<'a>> + 'a {
    let mut rest = html;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let slot_of = |c: char| slots.iter().copied().find(|s| s.mark() == c);
        let at = next_mark(rest, slots).unwrap_or(rest.len());
        if at > 0 {
            let (text, after) = rest.split_at(at);
            rest = after;
            return Some(Piece::Text(text));
        }
        let mark = rest.chars().next()?;
        let slot = slot_of(mark)?;
        let inner = &rest[mark.len_utf8()..];
        let numbered = inner
            .find(mark)
            .and_then(|end| Some((end, inner[..end].parse::<usize>().ok()?)));
        Some(match numbered {
            Some((end, n)) => {
                rest = &inner[end + mark.len_utf8()..];
                Piece::Slot(slot, n)
            }
            // A lone mark is not a placeholder: it stays as text.
            None => {
                let (text, after) = rest.split_at(mark.len_utf8());
                rest = after;
                Piece::Text(text)
            }
        })
    })
}

/// Where the first mark of `slots` in `html` stands. Every mark is U+FDDx,
/// `EF B7 9x` in UTF-8: a byte search for its first byte, far faster over a
/// page's HTML than decoding every character.
fn next_mark(html: &str, slots: &[Slot]) -> Option<usize> {
    memchr::memchr_iter(0xEF, html.as_bytes()).find(|&at| {
        let c = html[at..].chars().next();
        c.is_some_and(|c| slots.iter().any(|s| s.mark() == c))
    })
}

/// `text` with every placeholder character replaced by U+FFFD.
pub fn scrub(text: String) -> String {
    let marks = Slot::ALL.map(Slot::mark);
    // The marks are U+FDD0..=U+FDD2, all starting `EF B7` in UTF-8: one
    // vectorised search for those two bytes, far faster over long texts
    // than decoding every character or searching once per mark. `EF` only
    // starts a character, so the text can be cut where it stands.
    let has_mark = memchr::memmem::find_iter(text.as_bytes(), b"\xEF\xB7")
        .any(|i| text[i..].starts_with(marks));
    if has_mark {
        text.replace(marks, "\u{FFFD}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_the_asked_slots_only() {
        let html = format!(
            "<a href=\"{}\">{}</a>{}",
            Slot::Href.of(0),
            Slot::Label.of(0),
            Slot::Shortcode.of(12)
        );
        let got: Vec<Piece> = pieces(&html, &[Slot::Href, Slot::Label]).collect();
        let tail = format!("</a>{}", Slot::Shortcode.of(12));
        assert_eq!(
            got,
            [
                Piece::Text("<a href=\""),
                Piece::Slot(Slot::Href, 0),
                Piece::Text("\">"),
                Piece::Slot(Slot::Label, 0),
                Piece::Text(&tail),
            ]
        );
        let calls: Vec<Piece> = pieces(&html, &[Slot::Shortcode])
            .filter(|p| matches!(p, Piece::Slot(..)))
            .collect();
        assert_eq!(calls, [Piece::Slot(Slot::Shortcode, 12)]);
    }

    #[test]
    fn a_lone_mark_is_text_and_scrubbed_text_has_none() {
        let lone = format!("a{}b", Slot::Href.of(1).chars().next().unwrap());
        let text: String = pieces(&lone, &Slot::ALL)
            .map(|p| match p {
                Piece::Text(t) => t,
                Piece::Slot(..) => panic!("not a placeholder"),
            })
            .collect();
        assert_eq!(text, lone);
        let scrubbed = scrub(format!("x{}y", Slot::Label.of(3)));
        assert_eq!(scrubbed, "x\u{FFFD}3\u{FFFD}y");
        assert!(!Slot::ALL.iter().any(|s| s.is_in(&scrubbed)));
        // Only the three marks: their neighbour U+FDD3 shares two bytes.
        assert_eq!(scrub("a\u{FDD3}b".into()), "a\u{FDD3}b");
        assert_eq!(scrub("\u{FDD3}\u{FDD2}".into()), "\u{FDD3}\u{FFFD}");
    }
}
