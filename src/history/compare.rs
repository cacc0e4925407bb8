//! Two versions of a text, compared.
//!
//! Structure first: both texts are read as blocks (articles, headings,
//! paragraphs; see [`super::structure`]) and the blocks aligned, so an
//! inserted article does not turn every later one into a change and a
//! renumbered article whose text stayed is the same article. Blocks that
//! match exactly are unchanged; within a run of blocks that do not, blocks
//! of the same kind that are still alike are paired as changed, the rest
//! are added or removed. Within a changed block the changed characters are
//! marked (Chinese has no word spaces, so characters are the unit).

use serde::Serialize;
use similar::{Algorithm, ChangeTag, DiffTag, TextDiff};

use super::structure::{Block, BlockKind, blocks};
use crate::url::escape_html;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Same,
    Added,
    Removed,
    Changed,
}

/// One block of the comparison. HTML fields are escaped text; in a
/// changed block `old_html` marks deletions with `<del>` and `new_html`
/// insertions with `<ins>`.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub change: Change,
    pub kind: BlockKind,
    pub old_label: Option<String>,
    pub new_label: Option<String>,
    pub old_html: Option<String>,
    pub new_html: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
}

impl Tally {
    fn total(&self) -> usize {
        self.added + self.removed + self.changed
    }
}

/// Changes by kind of block.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub articles: Tally,
    pub headings: Tally,
    pub paragraphs: Tally,
    /// Blocks changed, added or removed, of every kind.
    pub total: usize,
    pub unchanged: usize,
}

/// Rows in display order: runs of unchanged blocks are one group (shown
/// folded), each change a group of its own.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub unchanged: bool,
    pub rows: Vec<Row>,
    /// What a folded group holds, for its summary line: the labels (or
    /// openings) of its first blocks.
    pub peek: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub counts: Counts,
    pub groups: Vec<Group>,
}

/// Blocks named in a folded group's summary line.
const PEEK: usize = 3;

/// A block's label, else the first characters of its text.
fn peek(b: &Block) -> String {
    match &b.label {
        Some(l) => l.clone(),
        None if b.text.chars().count() > 12 => {
            format!("{}…", b.text.chars().take(12).collect::<String>())
        }
        None => b.text.clone(),
    }
}

/// Compares an old and a new Markdown body.
pub fn compare(old: &str, new: &str) -> Comparison {
    let (a, b) = (blocks(old), blocks(new));
    let rows: Vec<(Row, String)> = align(&a, &b);
    let mut counts = Counts::default();
    for (r, _) in &rows {
        let tally = match r.kind {
            BlockKind::Article => &mut counts.articles,
            BlockKind::Heading => &mut counts.headings,
            BlockKind::Paragraph => &mut counts.paragraphs,
        };
        match r.change {
            Change::Same => counts.unchanged += 1,
            Change::Added => tally.added += 1,
            Change::Removed => tally.removed += 1,
            Change::Changed => tally.changed += 1,
        }
    }
    counts.total = counts.articles.total() + counts.headings.total() + counts.paragraphs.total();
    let mut groups: Vec<Group> = Vec::new();
    for (r, peek) in rows {
        let unchanged = r.change == Change::Same;
        match groups.last_mut() {
            Some(g) if unchanged && g.unchanged => {
                if g.peek.len() < PEEK {
                    g.peek.push(peek);
                }
                g.rows.push(r)
            }
            _ => groups.push(Group {
                unchanged,
                rows: vec![r],
                peek: if unchanged { vec![peek] } else { Vec::new() },
            }),
        }
    }
    Comparison { counts, groups }
}

/// The rows of two block lists: equal runs kept, the gaps between them paired.
fn align(a: &[Block], b: &[Block]) -> Vec<(Row, String)> {
    let ka: Vec<_> = a.iter().map(Block::key).collect();
    let kb: Vec<_> = b.iter().map(Block::key).collect();
    let ops = similar::capture_diff_slices(Algorithm::Patience, &ka, &kb);
    let mut rows = Vec::new();
    let (mut olds, mut news): (Vec<usize>, Vec<usize>) = (Vec::new(), Vec::new());
    for op in ops {
        let (tag, o, n) = op.as_tag_tuple();
        if tag == DiffTag::Equal {
            rows.extend(
                pair_gap(a, b, &olds, &news)
                    .into_iter()
                    .map(|r| (r, String::new())),
            );
            olds.clear();
            news.clear();
            rows.extend(o.zip(n).map(|(i, j)| (same(&a[i], &b[j]), peek(&b[j]))));
        } else {
            olds.extend(o);
            news.extend(n);
        }
    }
    rows.extend(
        pair_gap(a, b, &olds, &news)
            .into_iter()
            .map(|r| (r, String::new())),
    );
    rows
}

/// Within a gap, each old block is paired, in order, with the most alike
/// new block of its kind that is alike enough; the rest are removed or added.
fn pair_gap(a: &[Block], b: &[Block], olds: &[usize], news: &[usize]) -> Vec<Row> {
    let grams_new: Vec<Grams> = news.iter().map(|&n| Grams::of(&b[n].text)).collect();
    let mut paired: Vec<Option<usize>> = vec![None; olds.len()];
    let mut from = 0;
    for (k, &o) in olds.iter().enumerate() {
        let grams_old = Grams::of(&a[o].text);
        let best = news
            .iter()
            .enumerate()
            .skip(from)
            .filter(|(_, n)| b[**n].kind == a[o].kind)
            .map(|(at, &n)| (at, likeness(&a[o], &grams_old, &b[n], &grams_new[at])))
            .filter(|&(_, r)| r >= 0.5)
            .fold(None, |best: Option<(usize, f32)>, c| match best {
                Some(b) if b.1 >= c.1 => Some(b),
                _ => Some(c),
            });
        if let Some((at, _)) = best {
            paired[k] = Some(at);
            from = at + 1;
        }
    }
    let mut rows = Vec::new();
    let mut next_old = 0;
    for (at, &n) in news.iter().enumerate() {
        match paired.iter().position(|p| *p == Some(at)) {
            Some(k) => {
                for (j, &o) in olds.iter().enumerate().take(k).skip(next_old) {
                    if paired[j].is_none() {
                        rows.push(removed(&a[o]));
                    }
                }
                next_old = k + 1;
                rows.push(changed(&a[olds[k]], &b[n]));
            }
            None => rows.push(added(&b[n])),
        }
    }
    for (j, &o) in olds.iter().enumerate().skip(next_old) {
        if paired[j].is_none() {
            rows.push(removed(&a[o]));
        }
    }
    rows
}

/// The pairs of neighbouring characters of a text, counted: what
/// [`likeness`] compares. Linear in the text, where a character diff of two
/// unrelated texts is quadratic (a gap may hold hundreds of articles).
struct Grams {
    counts: crate::hash::Map<(char, char), u32>,
    total: u32,
}

impl Grams {
    fn of(text: &str) -> Grams {
        let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
        let mut counts = crate::hash::Map::default();
        for w in chars.windows(2) {
            *counts.entry((w[0], w[1])).or_insert(0) += 1;
        }
        Grams {
            counts,
            total: chars.len().saturating_sub(1) as u32,
        }
    }
}

/// How alike two blocks are, 0 to 1: the share of character pairs they have
/// in common (Dice's coefficient); the same article number counts for a
/// little.
fn likeness(x: &Block, gx: &Grams, y: &Block, gy: &Grams) -> f32 {
    let common: u32 = gx
        .counts
        .iter()
        .map(|(k, n)| (*n).min(gy.counts.get(k).copied().unwrap_or(0)))
        .sum();
    let total = gx.total + gy.total;
    let r = if total == 0 {
        0.0
    } else {
        2.0 * common as f32 / total as f32
    };
    if x.label.is_some() && x.label == y.label {
        (r + 0.2).min(1.0)
    } else {
        r
    }
}

fn row(change: Change, old: Option<&Block>, new: Option<&Block>) -> Row {
    Row {
        change,
        kind: new.or(old).map(|b| b.kind).unwrap_or(BlockKind::Paragraph),
        old_label: old.and_then(|b| b.label.clone()),
        new_label: new.and_then(|b| b.label.clone()),
        old_html: old.map(|b| escape_html(&b.text)),
        new_html: new.map(|b| escape_html(&b.text)),
    }
}

fn same(old: &Block, new: &Block) -> Row {
    Row {
        old_html: None,
        ..row(Change::Same, Some(old), Some(new))
    }
}

fn added(new: &Block) -> Row {
    row(Change::Added, None, Some(new))
}

fn removed(old: &Block) -> Row {
    row(Change::Removed, Some(old), None)
}

fn changed(old: &Block, new: &Block) -> Row {
    let (o, n) = marked(&old.text, &new.text);
    Row {
        old_html: Some(o),
        new_html: Some(n),
        ..row(Change::Changed, Some(old), Some(new))
    }
}

/// The old text with deletions in `<del>`, the new with insertions in `<ins>`.
pub fn marked(old: &str, new: &str) -> (String, String) {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .diff_chars(old, new);
    // Runs of (same?, old text, new text).
    let mut runs: Vec<(bool, String, String)> = Vec::new();
    for op in diff.ops() {
        for c in diff.iter_changes(op) {
            let same = c.tag() == ChangeTag::Equal;
            if runs.last().is_none_or(|r| r.0 != same) {
                runs.push((same, String::new(), String::new()));
            }
            let last = runs.last_mut().expect("pushed above");
            if c.tag() != ChangeTag::Insert {
                last.1.push_str(c.value());
            }
            if c.tag() != ChangeTag::Delete {
                last.2.push_str(c.value());
            }
        }
    }
    let runs = absorb_slivers(runs);
    let (mut o, mut n) = (String::new(), String::new());
    for (same, x, y) in runs {
        if same {
            o.push_str(&escape_html(&x));
            n.push_str(&escape_html(&y));
            continue;
        }
        if !x.is_empty() {
            o.push_str(&format!("<del>{}</del>", escape_html(&x)));
        }
        if !y.is_empty() {
            n.push_str(&format!("<ins>{}</ins>", escape_html(&y)));
        }
    }
    (o, n)
}

/// One unchanged character between two changes reads as noise (a common
/// character matched inside a rewritten phrase): it joins the changes.
fn absorb_slivers(runs: Vec<(bool, String, String)>) -> Vec<(bool, String, String)> {
    let mut out: Vec<(bool, String, String)> = Vec::new();
    let n = runs.len();
    for (i, mut r) in runs.into_iter().enumerate() {
        let between = i > 0 && i + 1 < n;
        if r.0 && between && r.1.chars().count() == 1 {
            r.0 = false;
        }
        match out.last_mut() {
            Some(last) if last.0 == r.0 => {
                last.1.push_str(&r.1);
                last.2.push_str(&r.2);
            }
            _ => out.push(r),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(c: &Comparison) -> Vec<(Change, Option<String>, Option<String>)> {
        c.groups
            .iter()
            .flat_map(|g| &g.rows)
            .map(|r| (r.change, r.old_label.clone(), r.new_label.clone()))
            .collect()
    }

    #[test]
    fn articles_added_removed_changed_and_renumbered() {
        let old =
            "第一条 甲乙丙丁戊己庚辛。\n\n第二条 子丑寅卯辰巳午未。\n\n第三条 天地玄黄宇宙洪荒。\n";
        let new = "第一条 甲乙丙丁戊己庚辛。\n\n第二条 日月盈昃辰宿列张。\n\n第三条 子丑寅卯辰巳午未。\n\n第四条 天地玄黄宇宙广大洪荒。\n";
        let c = compare(old, new);
        let s = |x: &str| Some(x.to_string());
        assert_eq!(
            kinds(&c),
            [
                (Change::Same, s("第一条"), s("第一条")),
                (Change::Added, None, s("第二条")),
                (Change::Same, s("第二条"), s("第三条")),
                (Change::Changed, s("第三条"), s("第四条")),
            ]
        );
        assert_eq!(
            c.counts.articles,
            Tally {
                added: 1,
                removed: 0,
                changed: 1
            }
        );
        assert_eq!((c.counts.total, c.counts.unchanged), (2, 2));
        let changed = &c.groups.last().unwrap().rows[0];
        assert_eq!(
            changed.new_html.as_deref(),
            Some("天地玄黄宇宙<ins>广大</ins>洪荒。")
        );
    }

    #[test]
    fn changed_characters_are_marked_and_escaped() {
        let (o, n) = marked("比例达到<30%>以上", "比例达到<35%>以上");
        assert_eq!(o, "比例达到&lt;3<del>0</del>%&gt;以上");
        assert_eq!(n, "比例达到&lt;3<ins>5</ins>%&gt;以上");
    }

    #[test]
    fn removed_paragraph_between_kept_ones() {
        let c = compare("甲。\n\n乙乙乙。\n\n丙。\n", "甲。\n\n丙。\n");
        assert_eq!(c.counts.paragraphs.removed, 1);
        assert_eq!(c.groups.len(), 3);
        assert!(c.groups[0].unchanged && !c.groups[1].unchanged);
    }
}
