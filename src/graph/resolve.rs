//! Resolving ids, files and headings, with the closest matches when one
//! does not resolve.

use std::path::PathBuf;
use std::sync::Arc;

use super::{Edge, EntityIdx, LinkTo};
use crate::diag::{Code, Diagnostic, closest};
use crate::hash::Map;
use crate::parse::entity::{Entity, Kind};
use crate::parse::markdown::{Body, LinkTarget, slugify};
use crate::source::Span;

fn kind_names(kinds: &[Kind]) -> String {
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(" or ")
}

pub(super) struct Resolver<'a> {
    pub entities: &'a [Arc<Entity>],
    pub by_id: &'a Map<String, EntityIdx>,
    pub by_file: &'a Map<&'a PathBuf, EntityIdx>,
}

/// One entity's references and links, resolved.
pub(super) struct Resolved {
    pub edges: Vec<Edge>,
    pub links: Vec<Option<LinkTo>>,
    pub diags: Vec<Diagnostic>,
}

impl Resolver<'_> {
    pub fn entity(&self, from: EntityIdx, e: &Entity) -> Resolved {
        let mut diags = Vec::new();
        let edges = e
            .refs
            .iter()
            .filter_map(
                |r| match self.id(&r.id, r.span, r.rel.targets(), r.rel.field()) {
                    Ok(to) => Some(Edge {
                        from,
                        to,
                        rel: r.rel,
                    }),
                    Err(d) => {
                        diags.push(d);
                        None
                    }
                },
            )
            .collect();
        let links = self.body(Some(from), &e.body, &mut diags);
        Resolved {
            edges,
            links,
            diags,
        }
    }

    pub fn id(
        &self,
        id: &str,
        span: Span,
        expected: &[Kind],
        field: &str,
    ) -> Result<EntityIdx, Diagnostic> {
        let Some(&idx) = self.by_id.get(id) else {
            return Err(self.missing(id, span, expected, field));
        };
        let kind = self.entities[idx].kind;
        if !expected.contains(&kind) {
            return Err(Diagnostic::error(
                Code::WrongKind,
                format!(
                    "`{field}` must name a {}, but `{id}` is a {}",
                    kind_names(expected),
                    kind.as_str()
                ),
            )
            .at(span)
            .label(format!("this is a {}", kind.as_str()))
            .maybe_hint(self.suggest(id, expected))
            .hint_if_none(&format!(
                "`{field}` takes the id of a {}",
                kind_names(expected)
            )));
        }
        Ok(idx)
    }

    fn missing(&self, id: &str, span: Span, expected: &[Kind], field: &str) -> Diagnostic {
        let what = if field == "link" {
            "link target".to_string()
        } else {
            format!("`{field}` reference")
        };
        Diagnostic::error(Code::UnknownRef, format!("{what} `{id}` does not exist"))
            .at(span)
            .label(if field == "link" {
                "no page has this id".to_string()
            } else {
                format!("no {} has this id", kind_names(expected))
            })
            .maybe_hint(self.suggest(id, expected))
            .hint_if_none("ids are file names without the extension (or the `id:` in front matter)")
    }

    /// Closest ids of the right kinds; an exact title match comes first.
    fn suggest(&self, wanted: &str, expected: &[Kind]) -> Option<String> {
        let candidates = self.entities.iter().filter(|e| expected.contains(&e.kind));
        if let Some(e) = candidates.clone().find(|e| e.title == wanted) {
            return Some(format!(
                "`{wanted}` is the title of `{}`; refer to it by its id",
                e.id
            ));
        }
        let ids: Vec<&str> = candidates.clone().map(|e| e.id.as_str()).collect();
        let mut best = closest(wanted, ids);
        if best.is_empty() {
            let titles: Vec<&str> = candidates.clone().map(|e| e.title.as_str()).collect();
            for t in closest(wanted, titles) {
                if let Some(e) = candidates.clone().find(|e| e.title == t) {
                    best.push(e.id.as_str());
                }
            }
        }
        (!best.is_empty()).then(|| {
            let q: Vec<String> = best.iter().map(|b| format!("`{b}`")).collect();
            format!("did you mean {}?", q.join(" or "))
        })
    }

    /// Resolves the links of a body; `this` is the entity that owns it (the
    /// home page has none).
    pub fn body(
        &self,
        this: Option<EntityIdx>,
        body: &Body,
        diags: &mut Vec<Diagnostic>,
    ) -> Vec<Option<LinkTo>> {
        body.links
            .iter()
            .map(|l| {
                if let Some(whole) = self.id_with_hash(l) {
                    return Some(whole);
                }
                let target = match &l.target {
                    LinkTarget::Id(id) => self.id(id, l.span, &Kind::ALL, "link").map(Some),
                    LinkTarget::File(path) => {
                        self.by_file.get(path).map(|&t| Some(t)).ok_or_else(|| {
                            Diagnostic::error(
                                Code::UnknownRef,
                                format!("link to missing file `content/{}`", path.display()),
                            )
                            .at(l.span)
                            .label("no such content file")
                            .maybe_hint(closest_file(path, self.by_file))
                        })
                    }
                    // A link within the page: same check of the anchor, no target page.
                    LinkTarget::Here => Ok(None),
                };
                let target = match target {
                    Ok(t) => t,
                    Err(d) => {
                        diags.push(d);
                        return None;
                    }
                };
                let owner = target.or(this);
                let headings = owner.map_or(body, |t| &self.entities[t].body);
                let anchor = match &l.anchor {
                    None => None,
                    Some(a) if headings.has_heading(a) => Some(a.clone()),
                    Some(a) if headings.has_heading(&slugify(a)) => Some(slugify(a)),
                    Some(a) => {
                        let name = owner.map_or("this page".to_string(), |t| {
                            format!("`{}`", self.entities[t].id)
                        });
                        let ids = headings.headings.iter().map(|h| h.id.as_str());
                        diags.push(
                            Diagnostic::error(
                                Code::UnknownAnchor,
                                format!("{name} has no heading `#{a}`"),
                            )
                            .at(l.span)
                            .label("no such heading")
                            .maybe_hint(crate::diag::did_you_mean(a, ids))
                            .hint_if_none(&headings_hint(&name, headings)),
                        );
                        return None;
                    }
                };
                Some(LinkTo { target, anchor })
            })
            .collect()
    }
}

impl Resolver<'_> {
    /// `[[C# 入门]]` names the id `C# 入门` when there is one, not the
    /// heading ` 入门` of `C`: a name as written wins over the `#` syntax.
    fn id_with_hash(&self, l: &crate::parse::markdown::BodyLink) -> Option<LinkTo> {
        let (LinkTarget::Id(id), Some(anchor)) = (&l.target, &l.anchor) else {
            return None;
        };
        let whole = format!("{id}#{anchor}");
        let mut cut = whole.len();
        // The longest id the text starts with; what follows is a heading.
        loop {
            if let Some(&t) = self.by_id.get(&whole[..cut]) {
                match whole[cut..].strip_prefix('#') {
                    None => {
                        return Some(LinkTo {
                            target: Some(t),
                            anchor: None,
                        });
                    }
                    Some(a) if self.entities[t].body.has_heading(a) => {
                        return Some(LinkTo {
                            target: Some(t),
                            anchor: Some(a.to_string()),
                        });
                    }
                    Some(_) => {}
                }
            }
            cut = whole[..cut].rfind('#').filter(|&c| c > id.len())?;
        }
    }
}

fn headings_hint(name: &str, body: &Body) -> String {
    if body.headings.is_empty() {
        return format!("{name} has no headings; link to the page without `#`");
    }
    let list: Vec<&str> = body
        .headings
        .iter()
        .take(8)
        .map(|h| h.id.as_str())
        .collect();
    format!("its headings are: {}", list.join(", "))
}

fn closest_file(path: &std::path::Path, by_file: &Map<&PathBuf, EntityIdx>) -> Option<String> {
    let wanted = path.to_string_lossy();
    let names: Vec<String> = by_file
        .keys()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let best = closest(&wanted, names.iter().map(String::as_str));
    best.first().map(|b| format!("did you mean `content/{b}`?"))
}
