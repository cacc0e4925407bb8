//! Internal links: which links name a page of the site, and where.

use std::path::{Component, Path, PathBuf};

use pulldown_cmark::LinkType;

use super::LinkTarget;

/// Classifies a link: `None` for an ordinary link (external, image, anchor on
/// this page), `Some(Ok)` for an internal one, `Some(Err)` for a malformed one.
pub(super) fn internal_target(
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
fn normalize(p: &Path) -> PathBuf {
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
