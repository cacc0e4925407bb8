//! Figures as the source states them: `qualifier: 约` on a value or target
//! keeps the source's own word (约300家, 接近12万亿元, 450余项) with the
//! number, and gives it one fixed meaning that the status rules use.
//!
//! The words and their meanings (docs/content/write/metrics.md):
//!
//! | word | meaning | shown |
//! |------|---------|-------|
//! | 约 | approximately | 约300家 |
//! | 左右 | approximately | 300家左右 |
//! | 接近 | at most: approaching, still below | 接近12万亿元 |
//! | 超过, 突破 | at least: more than | 超过40% |
//! | 以上 | at least | 35%以上 |
//! | 余 | at least: the number and some more | 450余项 |
//! | 不低于 | at least | 不低于60% |
//! | 不超过 | at most | 不超过5% |
//! | 以下 | at most | 5%以下 |

use serde::Serialize;

/// What a qualified number says about the true figure `x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bound {
    /// `x` is about the number, on either side of it.
    Approximately,
    /// `x` is the number or more.
    AtLeast,
    /// `x` is the number or less.
    AtMost,
}

/// Where the word stands: before the number, between number and unit, or
/// after the unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Place {
    Before,
    BeforeUnit,
    AfterUnit,
}

const WORDS: &[(&str, Bound, Place)] = &[
    ("约", Bound::Approximately, Place::Before),
    ("左右", Bound::Approximately, Place::AfterUnit),
    ("接近", Bound::AtMost, Place::Before),
    ("超过", Bound::AtLeast, Place::Before),
    ("突破", Bound::AtLeast, Place::Before),
    ("以上", Bound::AtLeast, Place::AfterUnit),
    ("余", Bound::AtLeast, Place::BeforeUnit),
    ("不低于", Bound::AtLeast, Place::Before),
    ("不超过", Bound::AtMost, Place::Before),
    ("以下", Bound::AtMost, Place::AfterUnit),
];

/// The accepted words, for error messages.
pub fn accepted() -> String {
    WORDS
        .iter()
        .map(|(w, _, _)| *w)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One of the accepted words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Qualifier(usize);

impl Qualifier {
    pub fn parse(word: &str) -> Option<Qualifier> {
        WORDS.iter().position(|(w, _, _)| *w == word).map(Qualifier)
    }

    pub fn word(self) -> &'static str {
        WORDS[self.0].0
    }

    pub fn bound(self) -> Bound {
        WORDS[self.0].1
    }

    /// The number and unit with the word in its place: `约300家`,
    /// `450余项`, `35%以上`.
    pub fn show(self, number: &str, unit: &str) -> String {
        self.place(self.word(), number, unit)
    }

    /// As [`Qualifier::show`], as HTML: the word in `<span class="q">`.
    /// `number` and `unit` are HTML already.
    pub fn show_html(self, number: &str, unit: &str) -> String {
        let w = format!("<span class=\"q\">{}</span>", self.word());
        self.place(&w, number, unit)
    }

    fn place(self, w: &str, number: &str, unit: &str) -> String {
        match WORDS[self.0].2 {
            Place::Before => format!("{w}{number}{unit}"),
            Place::BeforeUnit => format!("{number}{w}{unit}"),
            Place::AfterUnit => format!("{number}{unit}{w}"),
        }
    }
}

/// A number as text, with its word if it has one.
pub fn show(q: Option<Qualifier>, number: &str, unit: &str) -> String {
    match q {
        Some(q) => q.show(number, unit),
        None => format!("{number}{unit}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_have_fixed_meanings_and_places() {
        let q = |w| Qualifier::parse(w).unwrap();
        assert_eq!(q("约").bound(), Bound::Approximately);
        assert_eq!(q("左右").show("300", "家"), "300家左右");
        for w in ["超过", "突破", "以上", "余", "不低于"] {
            assert_eq!(q(w).bound(), Bound::AtLeast, "{w}");
        }
        for w in ["接近", "不超过", "以下"] {
            assert_eq!(q(w).bound(), Bound::AtMost, "{w}");
        }
        assert_eq!(q("接近").show("12", "万亿元"), "接近12万亿元");
        assert_eq!(q("余").show("450", "项"), "450余项");
        assert_eq!(q("以上").show("35", "%"), "35%以上");
        assert_eq!(Qualifier::parse("大约"), None);
        assert!(accepted().starts_with("约, 左右, 接近"));
    }
}
