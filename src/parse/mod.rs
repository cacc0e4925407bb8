//! Parse stage: source files -> entities with spans, plus the `data/` tree.
//!
//! Each content file is parsed on its own (in parallel); nothing here looks at
//! another file, which is what lets `serve` re-parse only what changed.

mod document;
pub mod entity;
mod fields;
pub mod front;
pub mod markdown;
pub mod metric;
pub mod period;
pub mod shortcode;
pub mod yaml;

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::Value;

use crate::config::Config;
use crate::diag::{Code, Diagnostic};
use crate::load::Loaded;
use crate::source::{SourceId, Sources, Span};
use document::parse_document;
pub use entity::{Entity, Kind, KindData, Rel};
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

/// The parse stage: every content and data file, with the problems found.
/// `drafts` keeps `draft: true` entities.
pub fn parse(loaded: &Loaded, config: &Config, drafts: bool) -> (Parsed, Vec<Diagnostic>) {
    let mut diags = Vec::new();
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
    parsed.data = Arc::new(parse_data(sources, &loaded.data, &mut diags));
    parsed.shortcode_names = shortcode_names(loaded);
    (parsed, diags)
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
        (Some(Kind::Metric), true) => metric::parse(file.text(), id, content_path, config),
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
        (Some(kind), false) => parse_document(file.text(), id, content_path, kind, config),
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
        let value = match yaml::parse_data(file.text()) {
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
    use super::document::url_path;
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
