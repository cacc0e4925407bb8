//! Shortcode calls: each names a template, and a built-in's call fits the
//! arguments it declares ([`Builtin::args`]).

use super::resolve::Resolver;
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::parse::entity::{Kind, Metric};
use crate::parse::period::{PERIOD_FORMS, Period};
use crate::parse::shortcode::{Arg, ArgType, Builtin, Shortcode};

/// `Err` holds what was found (warnings too); only errors break the call.
pub(super) fn check(
    resolver: &Resolver,
    call: &Shortcode,
    names: &[String],
) -> Result<(), Vec<Diagnostic>> {
    if !names.contains(&call.name) {
        return Err(vec![unknown(call, names)]);
    }
    let Some(builtin) = Builtin::of(&call.name) else {
        return Ok(());
    };
    let mut diags = arguments(call, builtin.args());
    if builtin
        .args()
        .iter()
        .any(|a| a.required && call.arg(a.name).is_none())
    {
        return Err(diags);
    }
    let mut metric = None;
    for arg in builtin.args().iter().filter(|a| a.ty == ArgType::MetricId) {
        let Some(id) = call.arg(arg.name) else {
            continue;
        };
        match resolver.id(id, call.span, &[Kind::Metric], "metric") {
            Ok(i) => metric = resolver.entities[i].metric().map(|m| (id, m)),
            Err(d) => {
                diags.push(d);
                return Err(diags);
            }
        }
    }
    if builtin.is_block() && !call.block {
        diags.push(
            Diagnostic::warning(Code::InlineChart, "a chart inside a sentence")
                .at(call.span)
                .hint("put {{ chart(…) }} on its own line, with blank lines around it"),
        );
    }
    if let Some((id, metric)) = metric {
        for arg in builtin.args().iter().filter(|a| a.ty == ArgType::Period) {
            diags.extend(period(call, call.arg(arg.name), id, metric));
        }
    }
    if diags.is_empty() { Ok(()) } else { Err(diags) }
}

fn unknown(call: &Shortcode, names: &[String]) -> Diagnostic {
    Diagnostic::error(
        Code::UnknownShortcode,
        format!("unknown shortcode `{}`", call.name),
    )
    .at(call.span)
    .label("no template for this shortcode")
    .maybe_hint(did_you_mean(&call.name, names.iter().map(String::as_str)))
    .hint_if_none(&format!(
        "shortcodes are templates/shortcodes/<name>.html; this site has: {}",
        names.join(", ")
    ))
}

/// Arguments the shortcode does not take, and the first required one
/// missing.
fn arguments(call: &Shortcode, args: &[Arg]) -> Vec<Diagnostic> {
    let known: Vec<&str> = args.iter().map(|a| a.name).collect();
    let mut diags: Vec<Diagnostic> = call
        .args
        .iter()
        .filter(|(k, _)| !known.contains(&k.as_str()))
        .map(|(key, _)| {
            Diagnostic::error(
                Code::BadShortcode,
                format!("`{}` takes no argument `{key}`", call.name),
            )
            .at(call.span)
            .hint(format!("`{}` takes: {}", call.name, known.join(", ")))
        })
        .collect();
    if let Some(a) = args
        .iter()
        .find(|a| a.required && call.arg(a.name).is_none())
    {
        let example = match a.ty {
            ArgType::MetricId => "<metric id>",
            ArgType::Period => "<period>",
        };
        diags.push(
            Diagnostic::error(
                Code::BadShortcode,
                format!("`{}` needs `{}=\"…\"`", call.name, a.name),
            )
            .at(call.span)
            .hint(format!(
                "write {{{{ {}({}=\"{example}\") }}}}",
                call.name, a.name
            )),
        );
    }
    diags
}

/// A period argument names one of the metric's values; without it the
/// latest is shown, so there must be one.
fn period(
    call: &Shortcode,
    written: Option<&str>,
    id: &str,
    metric: &Metric,
) -> Option<Diagnostic> {
    let periods: Vec<String> = metric.values.iter().map(|v| v.period.to_string()).collect();
    let shown = if periods.is_empty() {
        format!("`{id}` has no values yet")
    } else {
        format!("`{id}` has values for: {}", periods.join(", "))
    };
    let d = match written {
        None if periods.is_empty() => Diagnostic::error(
            Code::UnknownPeriod,
            format!("metric `{id}` has no value to show"),
        )
        .hint("add a value to the metric, or embed its chart instead: {{ chart(id=\"…\") }}"),
        None => return None,
        Some(p) => match Period::parse(p) {
            None => Diagnostic::error(Code::BadPeriod, format!("`{p}` is not a period"))
                .hint(format!("write a period as {PERIOD_FORMS}; {shown}")),
            Some(p) if !metric.values.iter().any(|v| v.period == p) => Diagnostic::error(
                Code::UnknownPeriod,
                format!("metric `{id}` has no value for {p}"),
            )
            .label("no such period")
            .hint(shown),
            Some(_) => return None,
        },
    };
    Some(d.at(call.span))
}
