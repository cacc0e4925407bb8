//! Tera: the theme's templates with the site's overrides, functions, and
//! template errors turned into diagnostics at the template's line:col.

use std::sync::Arc;

use tera::{Error, ErrorKind, Kwargs, State, Tera, Value};

use super::indent::Compact;
use super::reads::{Input, record};
use crate::diag::{Code, Diagnostic};
use crate::hash::Map;
use crate::load::Loaded;
use crate::source::{SourceId, Span};
use crate::url::LinkStyle;

/// The templates every theme provides.
pub const REQUIRED: &[&str] = &[
    "base.html",
    "index.html",
    "policy.html",
    "measure.html",
    "metric.html",
    "page.html",
    "section.html",
    "list.html",
    "taxonomy.html",
    "term.html",
    "graph.html",
    "404.html",
    "search.html",
];

/// Template name -> its source and the text Tera is given (see
/// [`Compact`]), to place errors.
pub struct TemplateSources<'a> {
    ids: Map<String, (SourceId, Compact)>,
    sources: &'a crate::source::Sources,
}

impl<'a> TemplateSources<'a> {
    pub fn new(loaded: &'a Loaded) -> Self {
        TemplateSources {
            ids: loaded
                .templates
                .iter()
                .map(|t| {
                    let compact = Compact::new(loaded.sources.text(t.source));
                    (t.name.clone(), (t.source, compact))
                })
                .collect(),
            sources: &loaded.sources,
        }
    }

    /// (name, text) of every template in the theme's order, as Tera is
    /// given them.
    fn texts<'b>(&'b self, loaded: &'b Loaded) -> Vec<(&'b str, &'b str)> {
        loaded
            .templates
            .iter()
            .filter_map(|t| Some((t.name.as_str(), self.ids.get(&t.name)?.1.text.as_str())))
            .collect()
    }

    /// A Tera error as diagnostics at the template's line:col. Tera reports
    /// unknown functions, filters and includes as pre-rendered text (one
    /// block per problem); those blocks are read back into positions.
    pub fn diagnostics(&self, err: &Error, page: Option<&str>) -> Vec<Diagnostic> {
        let hint = match page {
            Some(p) => {
                format!("while rendering {p}; the template context is listed in docs/content/design/templates.md")
            }
            None => {
                "fix the template; the template context is listed in docs/content/design/templates.md".to_string()
            }
        };
        let mut message = match err.kind() {
            ErrorKind::SyntaxError(r) | ErrorKind::RenderingError(r) => {
                let span = self.ids.get(r.filename()).map(|(id, c)| {
                    let range = &r.span().range;
                    Span::new(*id, c.original(range.start)..c.original(range.end))
                });
                let mut d =
                    Diagnostic::error(Code::Template, format!("template error: {}", r.message()));
                if let Some(span) = span {
                    d = d.at(span);
                }
                let mut msg = String::new();
                let mut source = std::error::Error::source(err);
                while let Some(s) = source {
                    msg = format!("{msg}: {s}");
                    source = s.source();
                }
                d.message.push_str(&msg);
                return vec![d.hint(hint)];
            }
            other => other.to_string(),
        };
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            message = format!("{message}: {s}");
            source = s.source();
        }
        let blocks = self.report_blocks(&message);
        if blocks.is_empty() {
            return vec![
                Diagnostic::error(Code::Template, format!("template error: {message}")).hint(hint),
            ];
        }
        blocks.into_iter().map(|d| d.hint(hint.clone())).collect()
    }

    /// Reads `error: MSG` / ` --> name:line:col` / caret blocks of a Tera report.
    fn report_blocks(&self, text: &str) -> Vec<Diagnostic> {
        let lines: Vec<&str> = text.lines().collect();
        let mut out = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let Some(msg) = line.trim_start().strip_prefix("error: ") else {
                continue;
            };
            let Some(place) = lines
                .get(i + 1)
                .and_then(|l| l.trim_start().strip_prefix("--> "))
            else {
                continue;
            };
            let mut parts = place.rsplitn(3, ':');
            let (Some(col), Some(line_no), Some(name)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let (Ok(line_no), Ok(col)) = (line_no.parse::<usize>(), col.parse::<usize>()) else {
                continue;
            };
            let width = lines[i + 2..]
                .iter()
                .take(4)
                .find_map(|l| l.contains('^').then(|| l.matches('^').count()))
                .unwrap_or(1);
            let mut d = Diagnostic::error(Code::Template, format!("template error: {msg}"));
            if let Some(span) = self.span_at(name, line_no, col, width) {
                d = d.at(span);
            }
            out.push(d);
        }
        out
    }

    /// Span of `width` characters at 1-based line:col of a template.
    fn span_at(&self, name: &str, line: usize, col: usize, width: usize) -> Option<Span> {
        let (id, compact) = self.ids.get(name)?;
        let (id, col) = (*id, col + compact.removed_on_line(line));
        let file = self.sources.get(id);
        let range = file.line_range(line.checked_sub(1)?)?;
        let text = &file.text()[range.clone()];
        let mut chars = text
            .char_indices()
            .map(|(i, _)| range.start + i)
            .skip(col.saturating_sub(1));
        let start = chars.next()?;
        let end = chars
            .nth(width.saturating_sub(2))
            .unwrap_or(range.end.min(start + width));
        Some(Span::new(id, start..end.max(start + 1)))
    }
}

/// Builds the template engine. Errors (syntax, missing parents) come back as
/// diagnostics; the engine is `None` when templates cannot be used at all.
/// Charts are drawn unless `discard` ([`super::RenderOptions::discard`]).
pub fn build(
    loaded: &Loaded,
    graph: &crate::graph::Graph,
    by_id: Arc<Map<String, Value>>,
    terms: Arc<Map<(String, String), String>>,
    style: LinkStyle,
    discard: bool,
) -> (Option<Tera>, Vec<Diagnostic>) {
    let names = TemplateSources::new(loaded);
    let mut diags = Vec::new();
    let mut tera = Tera::new();
    tera.autoescape_on(vec![".html", ".xml"]);
    // Functions first: Tera checks calls when templates are added.
    register_functions(&mut tera, by_id, terms, style);
    crate::metrics::register(&mut tera, graph, style, !discard);
    if let Err(e) = tera.add_raw_templates(names.texts(loaded)) {
        diags.extend(names.diagnostics(&e, None));
        return (None, diags);
    }
    for required in REQUIRED {
        if !tera.contains_template(required) {
            diags.push(
                Diagnostic::error(Code::Template, format!("the theme has no `{required}`"))
                    .hint(format!("add templates/{required} to the site or the theme")),
            );
        }
    }
    (Some(tera), diags)
}

fn register_functions(
    tera: &mut Tera,
    by_id: Arc<Map<String, Value>>,
    terms: Arc<Map<(String, String), String>>,
    style: LinkStyle,
) {
    // `term_url(taxonomy="tags", term="数字化")`: the term page, or "" when
    // the field is not a taxonomy of this site.
    tera.register_function(
        "term_url",
        move |kwargs: Kwargs, state: &State| -> tera::TeraResult<String> {
            let root: String = state.get("root")?.unwrap_or_default();
            let taxonomy = kwargs.must_get::<&str>("taxonomy")?;
            let term = kwargs.must_get::<&str>("term")?;
            record(|| Input::Taxonomy(taxonomy.to_string()));
            Ok(terms
                .get(&(taxonomy.to_string(), term.to_string()))
                .map(|u| format!("{root}{u}"))
                .unwrap_or_default())
        },
    );
    // `url(id="…")` or `url(path="…")`: relative to the page being rendered,
    // which is why it reads `root` from the page's context.
    let urls = by_id.clone();
    tera.register_function(
        "url",
        move |kwargs: Kwargs, state: &State| -> tera::TeraResult<String> {
            let root: String = state.get("root")?.unwrap_or_default();
            if let Some(id) = kwargs.get::<&str>("id")? {
                record(|| Input::Summary(id.to_string()));
                let entity = urls
                    .get(id)
                    .ok_or_else(|| Error::message(format!("url(): no entity with id `{id}`")))?;
                let url = entity
                    .as_map()
                    .and_then(|m| m.get(&tera::value::Key::from("url")))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                return Ok(format!("{root}{url}"));
            }
            if let Some(path) = kwargs.get::<&str>("path")? {
                return Ok(format!(
                    "{root}{}",
                    style.path(path.trim_start_matches('/'))
                ));
            }
            Err(Error::message("url() needs `id=` or `path=`"))
        },
    );
    tera.register_function(
        "get_entity",
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<Value> {
            let id = kwargs.must_get::<&str>("id")?;
            record(|| Input::Summary(id.to_string()));
            by_id
                .get(id)
                .cloned()
                .ok_or_else(|| Error::message(format!("get_entity(): no entity with id `{id}`")))
        },
    );
}
