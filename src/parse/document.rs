//! One Markdown document under `content/`: its front matter (YAML or TOML,
//! other generators' keys mapped to ours), its typed fields and references,
//! and its body.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::entity::{self, Entity, Kind, KindData, Rel};
use super::fields::Fields;
use super::markdown::{self, BodySource};
use super::{check_id, front, id_fix_hint, period, slug_segment, yaml};
use crate::config::Config;
use crate::diag::{Code, Diagnostic};
use crate::source::{SourceId, Span};

const COMMON_KEYS: &[&str] = &[
    "id", "title", "slug", "draft", "summary", "tags", "extra", "weight", "aliases", "updated",
];
const POLICY_KEYS: &[&str] = &[
    "issued",
    "issuer",
    "doc_number",
    "period",
    "status",
    Rel::Supersedes.field(),
    Rel::Related.field(),
    "source_url",
];
const MEASURE_KEYS: &[&str] = &[
    Rel::Policy.field(),
    Rel::Metrics.field(),
    "owner",
    "status",
    "start",
    "due",
    Rel::Related.field(),
];

/// Shared head of every document: id, title, slug, url, common fields.
struct Head {
    id: String,
    id_span: Span,
    title: Option<String>,
    slug: Option<String>,
    draft: bool,
    summary: Option<String>,
    tags: Vec<String>,
    weight: i64,
    updated: Option<crate::parse::period::Period>,
    extra: serde_json::Map<String, Value>,
}

fn read_head(f: &mut Fields, stem: &str) -> Head {
    let (id, id_span) = match f.string("id") {
        Some(id) => (id, f.span("id")),
        None => (stem.to_string(), Span::new(f.file, 0..0)),
    };
    let extra = f.map("extra").cloned().unwrap_or_default();
    Head {
        id,
        id_span,
        title: f.string("title"),
        slug: f.string("slug"),
        draft: f.bool("draft"),
        summary: f.string("summary"),
        tags: f.strings("tags").into_iter().map(|(t, _)| t).collect(),
        weight: f.integer("weight").unwrap_or(0),
        updated: f.date("updated"),
        extra,
    }
}

/// Output directory of an entity, e.g. `policies/甲/`, `about/`, `about/x/`.
pub(super) fn url_path(kind: Kind, content_path: &Path, slug: &str) -> String {
    let parent = content_path.parent().unwrap_or(Path::new(""));
    let dir = match kind {
        // A kind's subfolders are the editors' own order, not part of the URL.
        Kind::Policy | Kind::Measure | Kind::Metric => format!("{}/{slug}/", kind.folder()),
        Kind::Section if parent.as_os_str().is_empty() => String::new(),
        Kind::Section => {
            let mut p = parent.to_path_buf();
            if !slug.is_empty() {
                p.set_file_name(slug);
            }
            format!("{}/", p.to_string_lossy())
        }
        Kind::Page => {
            if parent.as_os_str().is_empty() {
                format!("{slug}/")
            } else {
                format!("{}/{slug}/", parent.to_string_lossy())
            }
        }
    };
    dir.replace('\\', "/")
}

/// The front matter of a document, parsed (other generators' keys mapped
/// to ours), with its offset and the body's.
fn front_matter(
    text: &str,
    file: SourceId,
    kind: Kind,
) -> Result<(yaml::Located, usize, usize), Diagnostic> {
    let fm = match front::split(text) {
        Ok(Some(fm)) => fm,
        Ok(None) => front::FrontMatter {
            format: front::Format::Yaml,
            text: "",
            text_offset: 0,
            body_offset: 0,
        },
        Err(at) => {
            let fence = text[at..].get(..3).unwrap_or("---");
            return Err(
                Diagnostic::error(Code::FrontMatter, "front matter is not closed")
                    .at(Span::new(file, at..at + 3))
                    .label("opened here")
                    .hint(format!(
                        "end the front matter with a line of three characters: {fence}"
                    )),
            );
        }
    };
    let (yaml_text, yaml_offset) = (fm.text, fm.text_offset);
    let mut doc = front::parse(&fm).map_err(|e| {
        let at = yaml_offset + e.offset;
        let hint = match fm.format {
            front::Format::Yaml => {
                "front matter is YAML: `key: value` lines; quote values that contain `: ` or start with `[`, `{`, `*`, `&`"
            }
            front::Format::Toml => {
                "front matter between +++ lines is TOML: `key = \"value\"` lines, tables as [name]"
            }
        };
        Diagnostic::error(
            Code::Yaml,
            format!("invalid {} front matter: {}", fm.format.name(), e.message),
        )
        .at(Span::new(file, at..at + 1))
        .hint(hint)
    })?;
    front::map_foreign_keys(&mut doc, kind);
    if !matches!(doc.value, Value::Object(_) | Value::Null) {
        return Err(Diagnostic::error(
            Code::FrontMatter,
            "front matter must be a mapping of `key: value` lines",
        )
        .at(Span::new(
            file,
            yaml_offset..yaml_offset + yaml_text.len().min(1),
        )));
    }
    Ok((doc, yaml_offset, fm.body_offset))
}

/// The name an id defaults to: the file's, or a section's folder's.
fn default_id(content_path: &Path, kind: Kind) -> String {
    let name = if kind == Kind::Section {
        content_path.parent().and_then(|p| p.file_name())
    } else {
        content_path.file_stem()
    };
    name.map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// What only a policy or a measure has.
fn kind_data(f: &mut Fields, kind: Kind) -> KindData {
    match kind {
        Kind::Policy => {
            let status = f
                .choice("status", entity::PolicyStatus::NAMES)
                .and_then(entity::PolicyStatus::from_name);
            let period = f.string("period").and_then(|p| match period::normalize_range(&p) {
                Some((a, b)) => Some(format!("{a}-{b}")),
                None => {
                    f.diags.push(
                        Diagnostic::error(Code::BadDate, format!("`period`: `{p}` is not a span of years"))
                            .at(f.span("period"))
                            .hint("write the validity period as YYYY-YYYY, e.g. 2023-2025 (— and – are accepted)"),
                    );
                    None
                }
            });
            KindData::Policy(entity::Policy {
                issued: f.date("issued"),
                issuer: f.strings("issuer").into_iter().map(|(s, _)| s).collect(),
                doc_number: f.string("doc_number"),
                period,
                status,
                source_url: f.string("source_url"),
            })
        }
        Kind::Measure => {
            let status = f
                .choice("status", entity::MeasureStatus::NAMES)
                .and_then(entity::MeasureStatus::from_name);
            KindData::Measure(entity::Measure {
                owner: f.string("owner"),
                status,
                start: f.date("start"),
                due: f.date("due"),
            })
        }
        _ => KindData::Page,
    }
}

/// The front-matter keys of a document of a kind.
fn known_keys(kind: Kind) -> Vec<&'static str> {
    let kind_keys: &[&str] = match kind {
        Kind::Policy => POLICY_KEYS,
        Kind::Measure => MEASURE_KEYS,
        _ => &[Rel::Related.field()],
    };
    COMMON_KEYS.iter().chain(kind_keys).copied().collect()
}

/// An id that cannot be one is an error at its `id:` (or the file's start).
fn id_error(head: &Head, file: SourceId) -> Option<Diagnostic> {
    let msg = check_id(&head.id).err()?;
    let span = if head.id_span.end > 0 {
        head.id_span
    } else {
        Span::new(file, 0..0)
    };
    Some(
        Diagnostic::error(Code::BadId, format!("invalid id: {msg}"))
            .at(span)
            .hint(id_fix_hint(&head.id)),
    )
}

/// `extra`: the `extra:` map, other generators' keys kept as written, and
/// keys pinakes does not know (each with a warning).
fn extra_fields(
    f: &mut Fields,
    kind: Kind,
    extra: serde_json::Map<String, Value>,
) -> serde_json::Map<String, Value> {
    let mut extra = extra;
    for key in front::FOREIGN_KEYS {
        if let Some(v) = f.get(key) {
            extra.insert((*key).to_string(), v.clone());
        }
    }
    extra.extend(f.unknown(
        &known_keys(kind),
        &format!("{} front matter", kind.as_str()),
    ));
    extra
}

pub(super) fn parse_document(
    text: &str,
    file: SourceId,
    content_path: PathBuf,
    kind: Kind,
    config: &Config,
) -> (Option<Entity>, Vec<Diagnostic>) {
    let (doc, yaml_offset, body_offset) = match front_matter(text, file, kind) {
        Ok(parts) => parts,
        Err(d) => return (None, vec![d]),
    };
    let empty = serde_json::Map::new();
    let map = doc.value.as_object().unwrap_or(&empty);
    let mut f = Fields::new(&doc, map, file, yaml_offset);
    let head = read_head(&mut f, &default_id(&content_path, kind));
    let refs = typed_refs(&mut f, kind);
    let data = kind_data(&mut f, kind);
    check_aliases(&mut f);
    let is_home = kind == Kind::Section
        && content_path
            .parent()
            .is_none_or(|p| p.as_os_str().is_empty());
    let bad_id = id_error(&head, file).filter(|_| !is_home);
    let extra = extra_fields(&mut f, kind, head.extra);
    let mut diags = std::mem::take(&mut f.diags);
    diags.extend(bad_id);
    let (body, body_diags) = markdown::render(
        &text[body_offset..],
        &BodySource {
            file,
            offset: body_offset,
            content_path: &content_path,
        },
        head.title.is_none(),
        config.markdown.raw_html,
    );
    diags.extend(body_diags);
    let title = match head.title.or_else(|| body.title.clone()) {
        Some(title) => title,
        None => {
            // A section may go untitled: its list page has a heading of its own.
            if kind != Kind::Section {
                diags.push(no_title(file));
            }
            head.id.clone()
        }
    };
    let slug = slug_segment(head.slug.as_deref().unwrap_or(&head.id));
    let entity = Entity {
        url_path: url_path(kind, &content_path, &slug),
        id: head.id,
        kind,
        source: file,
        id_span: head.id_span,
        content_path,
        title,
        draft: head.draft,
        summary: head.summary,
        tags: head.tags,
        weight: head.weight,
        updated: head.updated,
        body,
        refs,
        data,
        fields: super::entity::FieldsText::new(map),
        extra,
    };
    (Some(entity), diags)
}

/// The typed references the front matter writes (`policy:`, `metrics:`, …).
fn typed_refs(f: &mut Fields, kind: Kind) -> Vec<entity::Ref> {
    let mut refs = Vec::new();
    for &rel in Rel::written_by(kind) {
        for (id, span) in f.strings(rel.field()) {
            refs.push(entity::Ref { rel, id, span });
        }
    }
    refs
}

/// `aliases:` that no output file could hold are errors at the alias.
fn check_aliases(f: &mut Fields) {
    for (alias, span) in f.strings("aliases") {
        if let Err(message) = crate::aliases::alias_file(&alias) {
            f.diags
                .push(Diagnostic::error(Code::BadAlias, message).at(span));
        }
    }
}

fn no_title(file: SourceId) -> Diagnostic {
    Diagnostic::warning(Code::NoTitle, "page has no title")
        .at(Span::new(file, 0..0))
        .hint("add `title:` to the front matter or start the text with a `# ` heading")
}
