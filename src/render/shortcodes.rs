//! Fills shortcode placeholders with their templates, `shortcodes/<name>.html`.
//!
//! A shortcode template sees its arguments as variables (and all of them as
//! `args`), `root` for relative links, `index` (the call's number in the
//! body, for unique element ids) and `block` (whether it stands alone in
//! its paragraph), plus the global context (`config`, `site`, `t`, `data`).

use std::borrow::Cow;

use crate::hash::Set;

use tera::{Context, Tera, Value};

use super::reads::Reads;
use super::templates::TemplateSources;
use crate::diag::{Code, Diagnostic};
use crate::parse::shortcode::{Builtin, Shortcode};
use crate::placeholder::{Piece, Slot, pieces};
use crate::source::Span;

/// A body's HTML with its shortcodes as plain text, for the search index: a
/// metric embed reads as its value and unit, a chart as the metric's title.
/// A site's own shortcodes leave nothing: only their template knows their
/// output.
pub fn fill_plain<'h>(
    html: &'h str,
    calls: &[Shortcode],
    graph: &crate::graph::Graph,
) -> Cow<'h, str> {
    if calls.is_empty() || !Slot::Shortcode.is_in(html) {
        return Cow::Borrowed(html);
    }
    let text_of = |call: &Shortcode| -> Option<String> {
        let e = &graph.entities[*graph.by_id.get(call.arg("id")?)?];
        let m = e.metric()?;
        match Builtin::of(&call.name)? {
            Builtin::Metric => {
                let p = crate::metrics::value_at(m, call.arg("period").filter(|p| !p.is_empty()))?;
                let unit = m.unit.as_deref().unwrap_or("");
                Some(crate::metrics::qualifier::show(p.qualifier, &p.raw, unit))
            }
            Builtin::Chart => Some(e.title.clone()),
        }
    };
    let mut out = String::with_capacity(html.len());
    for piece in pieces(html, &[Slot::Shortcode]) {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Slot(_, n) => {
                if let Some(text) = calls.get(n).and_then(&text_of) {
                    crate::url::push_escaped(&mut out, &text);
                }
            }
        }
    }
    Cow::Owned(out)
}

pub fn template_name(name: &str) -> String {
    format!("shortcodes/{name}.html")
}

/// What filling a body's shortcodes needs: calls in `broken` were
/// reported by the link stage and come out empty.
pub struct Fill<'a, 'g> {
    pub broken: &'a Set<Span>,
    pub tera: &'a Tera,
    pub names: &'a TemplateSources<'a>,
    pub root: &'a str,
    /// The page's recorder: each call reads its template, and what the
    /// template's functions read.
    pub reads: &'a Reads<'g>,
}

impl Fill<'_, '_> {
    /// Replaces each placeholder with its call's output.
    pub fn fill<'h>(
        &self,
        html: Cow<'h, str>,
        calls: &[Shortcode],
    ) -> Result<Cow<'h, str>, Vec<Diagnostic>> {
        if calls.is_empty() || !Slot::Shortcode.is_in(&html) {
            return Ok(html);
        }
        let mut out = String::with_capacity(html.len() + calls.len() * 256);
        let mut errors = Vec::new();
        for piece in pieces(&html, &[Slot::Shortcode]) {
            let (n, call) = match piece {
                Piece::Text(t) => {
                    out.push_str(t);
                    continue;
                }
                Piece::Slot(_, n) => match calls.get(n) {
                    Some(call) if !self.broken.contains(&call.span) => (n, call),
                    _ => continue,
                },
            };
            match self.render_one(n, call) {
                Ok(s) => out.push_str(s.trim()),
                Err(d) => errors.push(d),
            }
        }
        if errors.is_empty() {
            Ok(Cow::Owned(out))
        } else {
            Err(errors)
        }
    }

    fn render_one(&self, n: usize, call: &Shortcode) -> Result<String, Diagnostic> {
        let mut ctx = Context::new();
        let mut args = tera::Map::default();
        for (k, v) in &call.args {
            ctx.insert(k.clone(), v);
            args.insert(k.clone().into(), Value::from(v.as_str()));
        }
        ctx.insert_value("args", Value::from(args));
        ctx.insert("root", self.root);
        ctx.insert("index", &n);
        ctx.insert("block", &call.block);
        let name = template_name(&call.name);
        self.reads.template(&name);
        let rendered = self.reads.during(|| self.tera.render(&name, &ctx));
        rendered.map_err(|e| failed(call, &e, self.names))
    }
}

/// A shortcode's template failed: its own error, read back into a message
/// and a place.
fn failed(call: &Shortcode, e: &tera::Error, names: &TemplateSources) -> Diagnostic {
    let inner = names.diagnostics(e, None).into_iter().next();
    let message = inner
        .as_ref()
        .map(|d| d.message.trim_start_matches("template error: ").to_string())
        .unwrap_or_else(|| e.to_string());
    let mut d = Diagnostic::error(
        Code::Shortcode,
        format!("shortcode `{}` failed: {message}", call.name),
    )
    .at(call.span)
    .hint(format!(
        "check the arguments, or the template templates/{}",
        template_name(&call.name)
    ));
    if let Some(span) = inner.and_then(|i| i.span()) {
        d = d.note(span, "in this template");
    }
    d
}
