//! Tera: the theme's templates with the site's overrides, functions, and
//! template errors turned into diagnostics at the template's line:col.

use std::collections::HashMap;
use std::sync::Arc;

use tera::{Error, ErrorKind, Kwargs, State, Tera, Value};

use super::links::LinkStyle;
use crate::diag::Diagnostic;
use crate::load::Loaded;
use crate::source::{SourceId, Span};

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
    "404.html",
];

/// Template name -> its source, to place errors.
pub struct TemplateSources(HashMap<String, SourceId>);

impl TemplateSources {
    pub fn new(loaded: &Loaded) -> Self {
        TemplateSources(
            loaded
                .templates
                .iter()
                .map(|t| (t.name.clone(), t.source))
                .collect(),
        )
    }

    /// A Tera error as a diagnostic at the template's line:col.
    pub fn diagnostic(&self, err: &Error, context: Option<&str>) -> Diagnostic {
        let (message, place) = match err.kind() {
            ErrorKind::SyntaxError(r) | ErrorKind::RenderingError(r) => (
                r.message().to_string(),
                self.0
                    .get(r.filename())
                    .map(|&id| Span::new(id, r.span().range.clone())),
            ),
            other => (other.to_string(), None),
        };
        let mut message = message;
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            message = format!("{message}: {s}");
            source = s.source();
        }
        let mut d = Diagnostic::error("template", format!("template error: {message}"));
        if let Some(span) = place {
            d = d.at(span);
        }
        if let Some(page) = context {
            d = d.hint(format!("while rendering {page}"));
        }
        d
    }
}

/// Builds the template engine. Errors (syntax, missing parents) come back as
/// diagnostics; the engine is `None` when templates cannot be used at all.
pub fn build(
    loaded: &Loaded,
    by_id: Arc<HashMap<String, Value>>,
    terms: Arc<HashMap<(String, String), String>>,
    style: LinkStyle,
) -> (Option<Tera>, Vec<Diagnostic>) {
    let names = TemplateSources::new(loaded);
    let mut diags = Vec::new();
    let mut tera = Tera::new();
    tera.autoescape_on(vec![".html", ".xml"]);
    let templates: Vec<(&str, &str)> = loaded
        .templates
        .iter()
        .map(|t| (t.name.as_str(), loaded.sources.text(t.source)))
        .collect();
    if let Err(e) = tera.add_raw_templates(templates) {
        diags.push(names.diagnostic(&e, None));
        return (None, diags);
    }
    for required in REQUIRED {
        if !tera.contains_template(required) {
            diags.push(
                Diagnostic::error("template", format!("the theme has no `{required}`"))
                    .hint(format!("add templates/{required} to the site or the theme")),
            );
        }
    }
    register_functions(&mut tera, by_id, terms, style);
    (Some(tera), diags)
}

fn register_functions(
    tera: &mut Tera,
    by_id: Arc<HashMap<String, Value>>,
    terms: Arc<HashMap<(String, String), String>>,
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
                let entity = urls
                    .get(id)
                    .ok_or_else(|| Error::message(format!("url(): no entity with id `{id}`")))?;
                let url = entity
                    .as_map()
                    .and_then(|m| m.get(&"url".into()))
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
            by_id
                .get(id)
                .cloned()
                .ok_or_else(|| Error::message(format!("get_entity(): no entity with id `{id}`")))
        },
    );
}
