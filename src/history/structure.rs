//! A policy's text as the blocks a comparison aligns: articles (`第X条` and
//! the paragraphs under it, such as `（一）` items), headings (`#` lines,
//! and `第X章` / `第X节` lines) and other paragraphs.
//!
//! Blocks keep the Markdown as written: a comparison shows the text an
//! editor wrote, not a rendering of it.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BlockKind {
    Article,
    Heading,
    Paragraph,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: BlockKind,
    /// An article's number as written (`第十条`); none for other blocks.
    pub label: Option<String>,
    /// The text, without the article's number; lines joined with `\n`.
    pub text: String,
}

impl Block {
    /// What alignment compares: kind and text with spacing removed, so a
    /// renumbered article or a rewrapped line is the same block.
    pub fn key(&self) -> (BlockKind, String) {
        let text: String = self.text.chars().filter(|c| !c.is_whitespace()).collect();
        (self.kind, text)
    }
}

/// The blocks of a Markdown body (front matter already removed).
pub fn blocks(markdown: &str) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    // Whether the last block is an article still taking paragraphs.
    let mut in_article = false;
    for chunk in chunks(markdown) {
        let heading = chunk.starts_with('#');
        let text = chunk.trim_start_matches('#').trim().to_string();
        if let Some((label, rest)) = article_label(&text) {
            out.push(Block {
                kind: BlockKind::Article,
                label: Some(label.to_string()),
                text: rest.trim().to_string(),
            });
            in_article = true;
        } else if heading || is_division(&text) {
            out.push(Block {
                kind: BlockKind::Heading,
                label: None,
                text,
            });
            in_article = false;
        } else if in_article && let Some(last) = out.last_mut() {
            if !last.text.is_empty() {
                last.text.push('\n');
            }
            last.text.push_str(&text);
        } else {
            out.push(Block {
                kind: BlockKind::Paragraph,
                label: None,
                text,
            });
        }
    }
    out
}

/// Paragraphs split by blank lines; each `#` line is a chunk of its own.
/// Fenced code stays in one chunk.
fn chunks(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut fenced = false;
    let flush = |current: &mut Vec<&str>, out: &mut Vec<String>| {
        if !current.is_empty() {
            out.push(current.join("\n"));
            current.clear();
        }
    };
    for line in markdown.lines() {
        let t = line.trim();
        if t.starts_with("```") || t.starts_with("~~~") {
            fenced = !fenced;
        }
        if fenced || t.starts_with("```") || t.starts_with("~~~") {
            current.push(line.trim_end());
            continue;
        }
        if t.is_empty() {
            flush(&mut current, &mut out);
        } else if t.starts_with('#') {
            flush(&mut current, &mut out);
            out.push(t.to_string());
        } else {
            current.push(t);
        }
    }
    flush(&mut current, &mut out);
    out
}

const NUMERALS: &str = "零〇一二三四五六七八九十百千两0123456789０１２３４５６７８９";

/// `第十条　…` -> (`第十条`, `…`); emphasis around the number is allowed
/// (`**第十条** …`).
fn article_label(text: &str) -> Option<(&str, &str)> {
    let plain = text.trim_start_matches('*');
    let lead = text.len() - plain.len();
    let rest = plain.strip_prefix('第')?;
    let digits = rest.len() - rest.trim_start_matches(|c| NUMERALS.contains(c)).len();
    if digits == 0 {
        return None;
    }
    let after = rest[digits..].strip_prefix('条')?;
    let label_end = lead + '第'.len_utf8() + digits + '条'.len_utf8();
    let body = after.trim_start_matches('*');
    // `第十条` must end there: a space, the end, or emphasis closing.
    if !(body.is_empty() || body.starts_with(char::is_whitespace)) {
        return None;
    }
    Some((&text[lead..label_end], body))
}

/// `第一章 总则`, `第二节 …`: divisions of a law written as paragraphs.
fn is_division(text: &str) -> bool {
    let Some(rest) = text.trim_matches('*').strip_prefix('第') else {
        return false;
    };
    let digits = rest.len() - rest.trim_start_matches(|c| NUMERALS.contains(c)).len();
    digits > 0
        && ["章", "节", "编", "分编"]
            .iter()
            .any(|d| rest[digits..].starts_with(d))
        && text.chars().count() <= 40
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_headings_paragraphs() {
        let text = "# 第一章 总则\n\n第一条　为了规范，制定本法。\n\n第二条 本法适用于：\n\n（一）甲；\n（二）乙。\n\n## 附则\n\n本法自公布之日起施行。\n\n第二章 其他\n\n**第三条** 附加。\n";
        let b = blocks(text);
        let kinds: Vec<BlockKind> = b.iter().map(|b| b.kind).collect();
        use BlockKind::*;
        assert_eq!(
            kinds,
            [
                Heading, Article, Article, Heading, Paragraph, Heading, Article
            ]
        );
        assert_eq!(b[1].label.as_deref(), Some("第一条"));
        assert_eq!(b[1].text, "为了规范，制定本法。");
        assert_eq!(b[2].text, "本法适用于：\n（一）甲；\n（二）乙。");
        assert_eq!(b[6].label.as_deref(), Some("第三条"));
        assert_eq!(b[6].text, "附加。");
        assert_eq!(article_label("第十条规定"), None);
    }
}
