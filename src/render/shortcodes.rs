//! Fills shortcode placeholders with their templates, `shortcodes/<name>.html`.
//!
//! A shortcode template sees its arguments as variables (and all of them as
//! `args`), `root` for relative links, `index` (the call's number in the
//! body, for unique element ids) and `block` (whether it stands alone in
//! its paragraph), plus the global context (`config`, `site`, `t`, `data`).

use crate::hash::Set;

use tera::{Context, Tera, Value};

use super::templates::TemplateSources;
use crate::diag::Diagnostic;
use crate::parse::shortcode::{SHORTCODE_MARK, Shortcode};
use crate::source::Span;

/// A body's HTML with its shortcodes as plain text, for the search index: a
/// metric embed reads as its value and unit, a chart as the metric's title.
/// A site's own shortcodes leave nothing: only their template knows their
/// output.
pub fn fill_plain(html: &str, calls: &[Shortcode], graph: &crate::graph::Graph) -> String {
    if calls.is_empty() || !html.contains(SHORTCODE_MARK) {
        return html.to_string();
    }
    let text_of = |call: &Shortcode| -> Option<String> {
        let e = &graph.entities[*graph.by_id.get(call.arg("id")?)?];
        let m = e.metric()?;
        match call.name.as_str() {
            "metric" => {
                let p = crate::metrics::value_at(m, call.arg("period").filter(|p| !p.is_empty()))?;
                let unit = m.unit.as_deref().unwrap_or("");
                Some(crate::metrics::qualifier::show(p.qualifier, &p.raw, unit))
            }
            "chart" => Some(e.title.clone()),
            _ => None,
        }
    };
    let mut out = String::with_capacity(html.len());
    let mut parts = html.split(SHORTCODE_MARK);
    out.push_str(parts.next().unwrap_or(""));
    // Parts alternate: call number, text, call number, text…
    while let (Some(n), Some(text)) = (parts.next(), parts.next()) {
        if let Some(call) = n.parse::<usize>().ok().and_then(|n| calls.get(n)) {
            out.push_str(&crate::url::escape_html(&text_of(call).unwrap_or_default()));
        }
        out.push_str(text);
    }
    out
}

pub fn template_name(name: &str) -> String {
    format!("shortcodes/{name}.html")
}

/// Replaces each placeholder with its call's output. Calls in `broken` were
/// reported by the link stage and come out empty.
pub fn fill(
    html: String,
    calls: &[Shortcode],
    broken: &Set<Span>,
    tera: &Tera,
    names: &TemplateSources,
    root: &str,
) -> Result<String, Vec<Diagnostic>> {
    if calls.is_empty() || !html.contains(SHORTCODE_MARK) {
        return Ok(html);
    }
    let mut out = String::with_capacity(html.len() + calls.len() * 256);
    let mut errors = Vec::new();
    let mut rest = html.as_str();
    while let Some(start) = rest.find(SHORTCODE_MARK) {
        out.push_str(&rest[..start]);
        let after = &rest[start + SHORTCODE_MARK.len_utf8()..];
        let Some(end) = after.find(SHORTCODE_MARK) else {
            rest = after;
            break;
        };
        let call = after[..end]
            .parse::<usize>()
            .ok()
            .and_then(|n| calls.get(n).map(|c| (n, c)));
        if let Some((n, call)) = call.filter(|(_, c)| !broken.contains(&c.span)) {
            match render_one(n, call, tera, names, root) {
                Ok(s) => out.push_str(s.trim()),
                Err(d) => errors.push(d),
            }
        }
        rest = &after[end + SHORTCODE_MARK.len_utf8()..];
    }
    out.push_str(rest);
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn render_one(
    n: usize,
    call: &Shortcode,
    tera: &Tera,
    names: &TemplateSources,
    root: &str,
) -> Result<String, Diagnostic> {
    let mut ctx = Context::new();
    let mut args = tera::Map::new();
    for (k, v) in &call.args {
        ctx.insert(k.clone(), v);
        args.insert(k.clone().into(), Value::from(v.as_str()));
    }
    ctx.insert_value("args", Value::from(args));
    ctx.insert("root", root);
    ctx.insert("index", &n);
    ctx.insert("block", &call.block);
    tera.render(&template_name(&call.name), &ctx).map_err(|e| {
        // The template's own error, read back into a message and a place.
        let inner = names.diagnostics(&e, None).into_iter().next();
        let message = inner
            .as_ref()
            .map(|d| d.message.trim_start_matches("template error: ").to_string())
            .unwrap_or_else(|| e.to_string());
        let mut d = Diagnostic::error(
            "shortcode",
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
    })
}
