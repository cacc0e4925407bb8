//! Versions of a policy and what changed between them.
//!
//! A policy that `supersedes` another is its next version; following the
//! edges both ways gives the chain of versions, oldest first. With
//! `versions_from_file_names = true` in site.toml, policies (and plain pages,
//! as a law library converted to Markdown has them) whose file names differ
//! only by a trailing date in parentheses (`X(2018-10-26).md`,
//! `X（2023-12-29）.md`) are chained by that date too ([`inferred_edges`]).
//!
//! - [`structure`]: a body as articles (`第X条`), headings and paragraphs;
//! - [`compare`]: two versions aligned by that structure, changed characters
//!   marked within changed paragraphs.

pub mod compare;
pub mod structure;

use std::sync::Arc;

use crate::config::Config;
use crate::graph::{Edge, EntityIdx, Graph};
use crate::hash::Map;
use crate::parse::entity::{Entity, Kind, KindData, Rel};
use crate::parse::period::Period;

/// Kinds that have versions: policies, and plain pages.
pub fn has_versions(kind: Kind) -> bool {
    matches!(kind, Kind::Policy | Kind::Page)
}

/// The version an entity replaced: the first entity of its kind it `supersedes`.
pub fn previous(graph: &Graph, i: EntityIdx) -> Option<EntityIdx> {
    let kind = graph.entities[i].kind;
    graph
        .out(i, Rel::Supersedes)
        .find(|&to| graph.entities[to].kind == kind)
        .filter(|_| has_versions(kind))
}

/// The version that replaced an entity: the first of its kind that `supersedes` it.
pub fn next(graph: &Graph, i: EntityIdx) -> Option<EntityIdx> {
    let kind = graph.entities[i].kind;
    graph
        .back(i, Rel::Supersedes)
        .find(|&from| graph.entities[from].kind == kind)
        .filter(|_| has_versions(kind))
}

/// The chain of versions a policy belongs to, oldest first; just the
/// policy when it has no other versions. A cycle (reported by the link
/// stage) ends the walk.
pub fn chain(graph: &Graph, i: EntityIdx) -> Vec<EntityIdx> {
    if !has_versions(graph.entities[i].kind) {
        return vec![i];
    }
    let mut older = Vec::new();
    let mut at = i;
    while let Some(p) = previous(graph, at).filter(|p| *p != i && !older.contains(p)) {
        older.push(p);
        at = p;
    }
    older.reverse();
    older.push(i);
    let mut at = i;
    while let Some(n) = next(graph, at).filter(|n| !older.contains(n)) {
        older.push(n);
        at = n;
    }
    older
}

/// The date of a version: `issued`, else the date in its file name.
pub fn version_date(e: &Entity) -> Option<Period> {
    let issued = match &e.data {
        KindData::Policy(p) => p.issued,
        _ => None,
    };
    issued.or_else(|| {
        let stem = e.content_path.file_stem()?.to_str()?;
        dated_stem(stem).map(|(_, d)| d)
    })
}

/// `X(2018-10-26)` -> (`X`, 2018-10-26); ASCII or full-width parentheses.
pub fn dated_stem(stem: &str) -> Option<(&str, Period)> {
    let (open, close) = if stem.ends_with(')') {
        ('(', ')')
    } else {
        ('（', '）')
    };
    let inner = stem.strip_suffix(close)?;
    let at = inner.rfind(open)?;
    let date = Period::parse_date(inner[at + open.len_utf8()..].trim())?;
    let base = inner[..at].trim_end();
    (!base.is_empty()).then_some((base, date))
}

/// `supersedes` edges read from dated file names: within each group of
/// policies (or of plain pages in one folder) whose stems differ only by the
/// date, each version supersedes the one dated before it. A policy that
/// names its own `supersedes:` keeps what it wrote (explicit front matter
/// wins).
pub fn inferred_edges(entities: &[Arc<Entity>], config: &Config) -> Vec<Edge> {
    if !config.versions_from_file_names {
        return Vec::new();
    }
    // Policies group across their folders (the editors' own order); pages
    // within one folder, which is part of their URL.
    type Key<'a> = (Kind, Option<&'a std::path::Path>, &'a str);
    let mut groups: Map<Key, Vec<(Period, EntityIdx)>> = Map::default();
    for (i, e) in entities.iter().enumerate() {
        if !has_versions(e.kind) {
            continue;
        }
        let folder = (e.kind == Kind::Page)
            .then(|| e.content_path.parent())
            .flatten();
        let stem = e.content_path.file_stem().and_then(|s| s.to_str());
        if let Some((base, date)) = stem.and_then(dated_stem) {
            groups
                .entry((e.kind, folder, base))
                .or_default()
                .push((date, i));
        }
    }
    let mut edges = Vec::new();
    for versions in groups.values_mut().filter(|v| v.len() > 1) {
        versions.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        for pair in versions.windows(2) {
            let (old, new) = (pair[0].1, pair[1].1);
            let explicit =
                |from: EntityIdx| entities[from].refs_in(Rel::Supersedes).next().is_some();
            let names = |from: EntityIdx, to: EntityIdx| {
                entities[from]
                    .refs_in(Rel::Supersedes)
                    .any(|r| r.id == entities[to].id)
            };
            if explicit(new) || names(old, new) {
                continue;
            }
            edges.push(Edge {
                from: new,
                to: old,
                rel: Rel::Supersedes,
            });
        }
    }
    edges.sort_by_key(|e| (e.from, e.to));
    edges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dated_stems() {
        let (base, date) = dated_stem("公司法(2018-10-26)").unwrap();
        assert_eq!((base, date.to_string().as_str()), ("公司法", "2018-10-26"));
        let (base, _) = dated_stem("上海市专利保护条例（2020-05-14）").unwrap();
        assert_eq!(base, "上海市专利保护条例");
        assert_eq!(dated_stem("公司法"), None);
        assert_eq!(dated_stem("(2018-10-26)"), None);
        assert_eq!(dated_stem("公司法(修正)"), None);
    }
}
