//! Heading ids and the table of contents.

use std::collections::HashMap;

use super::{Heading, TocEntry};

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

pub(super) fn unique_id(base: String, used: &mut HashMap<String, usize>) -> String {
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

pub(super) fn build_toc(headings: &[Heading]) -> Vec<TocEntry> {
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
