//! Parse stage: source files -> entities with spans, plus the `data/` tree.
//!
//! Each content file is parsed on its own (in parallel); nothing here looks at
//! another file, which is what lets `serve` re-parse only what changed.

pub mod entity;
mod fields;
pub mod front;
pub mod markdown;
pub mod metric;
pub mod period;
pub mod shortcode;
pub mod yaml;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::Value;

use crate::config::Config;
use crate::diag::{Code, Diagnostic};
use crate::load::Loaded;
use crate::source::{SourceId, Sources, Span};
pub use entity::{Entity, Kind, KindData, Rel};
use fields::Fields;
use markdown::{Body, BodySource};

/// Everything the parse stage produced.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Policies, measures, metrics, plain pages and sections (drafts removed
    /// unless asked for), in file order.
    /// Shared, so that a build kept in memory can hold them while the next
    /// one re-parses only what changed.
    pub entities: Vec<Arc<Entity>>,
    /// `content/_index.md`: the home page's title and intro.
    pub home: Option<Arc<Entity>>,
    /// `data/**.yaml` as one tree: `data/a/b.yaml` is `data.a.b`.
    pub data: Arc<Value>,
    /// Shortcodes the templates provide (`templates/shortcodes/<name>.html`).
    pub shortcode_names: Vec<String>,
}

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

/// Parses every content and data file. `drafts` keeps `draft: true` entities.
pub fn parse(
    loaded: &Loaded,
    config: &Config,
    drafts: bool,
    diags: &mut Vec<Diagnostic>,
) -> Parsed {
    let sources = &loaded.sources;
    let results: Vec<(Option<Entity>, Vec<Diagnostic>)> = loaded
        .content
        .par_iter()
        .map(|&id| parse_content(sources, id, config))
        .collect();
    let mut parsed = Parsed::default();
    for (entity, d) in results {
        diags.extend(d);
        let Some(e) = entity else { continue };
        if e.draft && !drafts {
            continue;
        }
        if e.kind == Kind::Section && e.url_path.is_empty() {
            parsed.home = Some(Arc::new(e));
        } else {
            parsed.entities.push(Arc::new(e));
        }
    }
    parsed.data = Arc::new(parse_data(sources, &loaded.data, diags));
    parsed.shortcode_names = shortcode_names(loaded);
    parsed
}

/// Shortcodes a body may call: the templates under `shortcodes/`.
pub fn shortcode_names(loaded: &Loaded) -> Vec<String> {
    loaded
        .templates
        .iter()
        .filter_map(|t| t.name.strip_prefix("shortcodes/")?.strip_suffix(".html"))
        .map(str::to_string)
        .collect()
}

/// Parses one file under `content/`. `None` when the file is not content.
pub fn parse_content(
    sources: &Sources,
    id: SourceId,
    config: &Config,
) -> (Option<Entity>, Vec<Diagnostic>) {
    let file = sources.get(id);
    let content_path = file
        .path
        .strip_prefix("content")
        .unwrap_or(&file.path)
        .to_path_buf();
    let kind = kind_of(&content_path);
    let is_yaml = matches!(
        content_path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    );
    match (kind, is_yaml) {
        (Some(Kind::Metric), true) => metric::parse(&file.text, id, content_path, config),
        (Some(Kind::Metric), false) | (Some(_), true) => (
            None,
            vec![
                Diagnostic::warning(
                    Code::IgnoredFile,
                    "file ignored: wrong type for this folder",
                )
                .in_file(&file.path)
                .hint("policies and measures are .md files; metrics are .yaml files"),
            ],
        ),
        (Some(kind), false) => parse_document(&file.text, id, content_path, kind, config),
        (None, _) => (None, Vec::new()),
    }
}

/// The kind of a file by its place under `content/`.
fn kind_of(content_path: &Path) -> Option<Kind> {
    let ext = content_path.extension().and_then(|e| e.to_str())?;
    let first = content_path.components().next()?.as_os_str().to_str()?;
    let is_index = content_path.file_stem().and_then(|s| s.to_str()) == Some("_index");
    let in_folder = Kind::ENTITY_KINDS.into_iter().find(|k| k.folder() == first);
    match (in_folder, ext) {
        (_, "md") if is_index => Some(Kind::Section),
        (Some(kind), "md" | "yaml" | "yml") => Some(kind),
        (_, "md") => Some(Kind::Page),
        _ => None,
    }
}

/// A scalar YAML value as text (numbers and booleans as written).
pub fn scalar_string(v: &Value) -> Option<String> {
    fields::scalar_text(v)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The URL path segment of an id, a `slug:` or a taxonomy term: the text as
/// written, Unicode included, except that whitespace and the characters that
/// URLs or file systems reserve (`/ \\ # ? % : * " < > |`) become `-`, runs
/// of `-` become one, and `-` or `.` at either end are dropped. Documented in
/// docs/content.md ("From file name to URL").
pub fn slug_segment(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.trim().chars() {
        let c = if c.is_whitespace()
            || c.is_control()
            || matches!(
                c,
                '/' | '\\' | '#' | '?' | '%' | ':' | '*' | '"' | '<' | '>' | '|'
            ) {
            '-'
        } else {
            c
        };
        if !(c == '-' && s.ends_with('-')) {
            s.push(c);
        }
    }
    let s = s.trim_matches(['-', '.']);
    if s.is_empty() {
        "-".to_string()
    } else {
        s.to_string()
    }
}

/// Validates an id. Any file name is one; only what cannot name anything is
/// refused: an empty id, a `/` (which only `id:` can write), a line break or
/// another control character.
pub fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("the id is empty".into());
    }
    match id.chars().find(|c| *c == '/' || c.is_control()) {
        Some('/') => Err(format!("the id `{id}` contains `/`")),
        Some(c) => Err(format!(
            "the id `{}` contains the control character U+{:04X}",
            id.escape_debug(),
            c as u32
        )),
        None => Ok(()),
    }
}

fn id_fix_hint(id: &str) -> String {
    let fixed: String = id
        .chars()
        .map(|c| if c == '/' || c.is_control() { '-' } else { c })
        .collect();
    if fixed.is_empty() {
        return "give the file a name, or set `id:` in its front matter".into();
    }
    format!("set `id: {fixed}` in its front matter, or rename the file")
}

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
fn url_path(kind: Kind, content_path: &Path, slug: &str) -> String {
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

fn parse_document(
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
    let mut refs = Vec::new();
    for &rel in Rel::written_by(kind) {
        for (id, span) in f.strings(rel.field()) {
            refs.push(entity::Ref { rel, id, span });
        }
    }
    let data = kind_data(&mut f, kind);
    for (alias, span) in f.strings("aliases") {
        if let Err(message) = crate::aliases::alias_file(&alias) {
            f.diags
                .push(Diagnostic::error(Code::BadAlias, message).at(span));
        }
    }
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
    let title = head
        .title
        .or_else(|| body.title.clone())
        .unwrap_or_else(|| {
            if kind != Kind::Section {
                diags.push(
                Diagnostic::warning(Code::NoTitle, "page has no title")
                    .at(Span::new(file, 0..0))
                    .hint("add `title:` to the front matter or start the text with a `# ` heading"),
            );
            }
            head.id.clone()
        });
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
        fields: map.clone(),
        extra,
    };
    (Some(entity), diags)
}

/// Renders a metric description or any other Markdown held in YAML.
pub fn render_yaml_markdown(
    text: &str,
    file: SourceId,
    value_span: Span,
    content_path: &Path,
    config: &Config,
) -> (Body, Vec<Diagnostic>) {
    markdown::render(
        text,
        &BodySource {
            file,
            offset: value_span.start as usize,
            content_path,
        },
        false,
        config.markdown.raw_html,
    )
}

pub fn parse_data(sources: &Sources, files: &[SourceId], diags: &mut Vec<Diagnostic>) -> Value {
    let mut root = serde_json::Map::new();
    for &id in files {
        let file = sources.get(id);
        let value = match yaml::parse_data(&file.text) {
            Ok(v) => v,
            Err(e) => {
                diags.push(
                    Diagnostic::error(Code::Yaml, format!("invalid data file: {}", e.message))
                        .at(Span::new(id, e.offset..e.offset + 1)),
                );
                continue;
            }
        };
        let rel = file.path.strip_prefix("data").unwrap_or(&file.path);
        let mut keys: Vec<String> = rel
            .iter()
            .map(|c| c.to_string_lossy().into_owned())
            .collect();
        if let Some(last) = keys.last_mut()
            && let Some((stem, _)) = last.rsplit_once('.')
        {
            *last = stem.to_string();
        }
        insert_path(&mut root, &keys, value);
    }
    Value::Object(root)
}

fn insert_path(map: &mut serde_json::Map<String, Value>, keys: &[String], value: Value) {
    match keys {
        [] => {}
        [last] => {
            map.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let child = map
                .entry(first.clone())
                .or_insert_with(|| Value::Object(Default::default()));
            if let Value::Object(m) = child {
                insert_path(m, rest, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        for ok in [
            "上海市专利保护条例(2020-05-14)",
            "a b",
            "C# 入门",
            "100%",
            "a?b+c",
            "（全角）",
        ] {
            assert!(check_id(ok).is_ok(), "{ok}");
        }
        assert!(check_id("").is_err());
        assert!(check_id("a/b").unwrap_err().contains("`/`"));
        assert!(check_id("a\nb").unwrap_err().contains("U+000A"));
    }

    #[test]
    fn url_segments() {
        assert_eq!(
            slug_segment("最高人民法院 最高人民检察院关于办理（2019-06-27）"),
            "最高人民法院-最高人民检察院关于办理（2019-06-27）"
        );
        assert_eq!(slug_segment("C# 入门 ?  100%"), "C-入门-100");
        assert_eq!(slug_segment("a\u{3000}b"), "a-b");
        assert_eq!(slug_segment("a+b"), "a+b");
        assert_eq!(slug_segment(".."), "-");
    }

    #[test]
    fn url_paths() {
        assert_eq!(
            url_path(Kind::Policy, Path::new("policies/sub/甲.md"), "甲"),
            "policies/甲/"
        );
        assert_eq!(
            url_path(Kind::Page, Path::new("about/source.md"), "source"),
            "about/source/"
        );
        assert_eq!(
            url_path(Kind::Section, Path::new("about/_index.md"), "about"),
            "about/"
        );
        assert_eq!(url_path(Kind::Section, Path::new("_index.md"), ""), "");
    }
}
