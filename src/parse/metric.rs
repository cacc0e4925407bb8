//! Metric files (`content/metrics/*.yaml`): definition, series and targets.

use std::path::PathBuf;

use serde_json::Value;

use super::entity::{self, Better, Entity, Kind, KindData, Metric, Point, Ref, Rel, Target};
use super::fields::{Fields, describe};
use super::period::{PERIOD_FORMS, Period};
use super::{check_id, render_yaml_markdown, yaml};
use crate::config::Config;
use crate::diag::{Code, Diagnostic};
use crate::metrics::qualifier::{self, Qualifier};
use crate::source::{SourceId, Span};

const KEYS: &[&str] = &[
    "id",
    "title",
    "slug",
    "draft",
    "summary",
    "tags",
    "extra",
    "weight",
    "aliases",
    "updated",
    "unit",
    "better",
    "category",
    "featured",
    "description",
    "source",
    "values",
    "compare",
    "targets",
];
const POINT_KEYS: &[&str] = &["period", "value", "unit", "qualifier", "note", "source"];
const TARGET_KEYS: &[&str] = &[
    "period",
    "value",
    "unit",
    "qualifier",
    Rel::SetBy.field(),
    "note",
];

pub fn parse(
    text: &str,
    file: SourceId,
    content_path: PathBuf,
    config: &Config,
) -> (Option<Entity>, Vec<Diagnostic>) {
    let doc = match document(text, file) {
        Ok(d) => d,
        Err(d) => return (None, vec![d]),
    };
    let Value::Object(map) = &doc.value else {
        let d = Diagnostic::error(
            Code::Yaml,
            "a metric file must be a mapping of `key: value` lines",
        )
        .at(Span::new(file, 0..0));
        return (None, vec![d]);
    };
    let mut diags = Vec::new();
    let mut f = Fields::new(&doc, map, file, 0);
    let (id, id_span) = metric_id(&mut f, &content_path, file);
    let title = f.string("title").unwrap_or_else(|| {
        f.diags.push(
            Diagnostic::warning(Code::NoTitle, "metric has no title")
                .at(Span::new(file, 0..0))
                .hint("add `title:` with the metric's name"),
        );
        id.clone()
    });
    let mut refs = Vec::new();
    let metric = metric_data(&mut f, text, &mut refs);
    let description = f
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_string);
    let description_span = f.span("description");
    let slug = super::slug_segment(&f.string("slug").unwrap_or_else(|| id.clone()));
    let entity = Entity {
        url_path: format!("{}/{slug}/", Kind::Metric.folder()),
        kind: Kind::Metric,
        source: file,
        id_span,
        title,
        draft: f.bool("draft"),
        summary: f.string("summary"),
        tags: f.strings("tags").into_iter().map(|(t, _)| t).collect(),
        weight: f.integer("weight").unwrap_or(0),
        updated: f.date("updated"),
        extra: {
            let mut extra = f.map("extra").cloned().unwrap_or_default();
            extra.extend(f.unknown(KEYS, "metric file"));
            extra
        },
        body: Default::default(),
        refs,
        data: KindData::Metric(metric),
        fields: super::entity::FieldsText::new(map),
        content_path,
        id,
    };
    diags.append(&mut f.diags);
    let mut entity = entity;
    if let Some(desc) = description {
        let (body, d) = description_body(&desc, text, description_span, &entity, config);
        entity.body = body;
        diags.extend(d);
    }
    (Some(entity), diags)
}

/// The file as YAML, or the error that stops reading it.
fn document(text: &str, file: SourceId) -> Result<yaml::Located, Diagnostic> {
    yaml::parse(text).map_err(|e| {
        Diagnostic::error(Code::Yaml, format!("invalid metric file: {}", e.message))
            .at(Span::new(file, e.offset..e.offset + 1))
            .hint("a metric file is YAML: `title:`, `unit:`, `values:` with `- period: \"2024\"` / `value: 8.3` entries")
    })
}

/// The metric's id (`id:`, else the file name) and where it comes from; an
/// id no URL can hold is reported.
fn metric_id(f: &mut Fields, content_path: &std::path::Path, file: SourceId) -> (String, Span) {
    let stem = content_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (id, id_span) = match f.string("id") {
        Some(id) => (id, f.span("id")),
        None => (stem, Span::new(file, 0..0)),
    };
    if let Err(msg) = check_id(&id) {
        f.diags.push(
            Diagnostic::error(Code::BadId, format!("invalid id: {msg}"))
                .at(id_span)
                .hint(super::id_fix_hint(&id)),
        );
    }
    (id, id_span)
}

/// Renders the description; link spans are moved from the unindented text
/// back onto the file's lines, so errors point at the right column.
fn description_body(
    desc: &str,
    text: &str,
    span: Span,
    entity: &Entity,
    config: &Config,
) -> (super::markdown::Body, Vec<Diagnostic>) {
    let (mut body, mut diags) = render_yaml_markdown(
        desc,
        entity.source,
        Span {
            start: 0,
            end: 0,
            ..span
        },
        &entity.content_path,
        config,
    );
    let map = |off: u32| map_offset(desc, text, span, off as usize) as u32;
    let remap = |s: Span| Span {
        start: map(s.start),
        end: map(s.end),
        ..s
    };
    for l in &mut body.links {
        l.span = remap(l.span);
    }
    for c in &mut body.shortcodes {
        c.span = remap(c.span);
    }
    for d in &mut diags {
        if let Some(s) = d.span() {
            d.location = crate::diag::Location::Span(remap(s));
        }
    }
    (body, diags)
}

/// Maps an offset in a YAML scalar's text to the file: a plain one-line
/// scalar sits at its span; a block scalar (`|`) has each line indented.
fn map_offset(desc: &str, text: &str, span: Span, off: usize) -> usize {
    let start = span.start as usize;
    let raw = &text[start..(span.end as usize).min(text.len())];
    if !(raw.starts_with('|') || raw.starts_with('>')) {
        let lead = raw
            .find(desc.get(..desc.len().min(8)).unwrap_or(""))
            .unwrap_or(0);
        return start + lead + off;
    }
    let line_no = desc[..off.min(desc.len())].matches('\n').count();
    let col = off
        - desc[..off.min(desc.len())]
            .rfind('\n')
            .map(|i| i + 1)
            .unwrap_or(0);
    // Lines of the block start after the indicator line.
    let mut pos = start + raw.find('\n').map(|i| i + 1).unwrap_or(raw.len());
    let mut seen = 0;
    for line in text[pos..].split_inclusive('\n') {
        if line.trim().is_empty() && seen < line_no {
            seen += 1;
            pos += line.len();
            continue;
        }
        if seen == line_no {
            let indent = line.len() - line.trim_start_matches(' ').len();
            return pos + indent + col;
        }
        seen += 1;
        pos += line.len();
    }
    start
}

/// The number as written in the file, for display with its precision.
fn raw_number(text: &str, span: Span) -> String {
    text.get(span.range())
        .unwrap_or("")
        .trim()
        .trim_matches(['"', '\''])
        .to_string()
}

/// A metric has one unit: every value, comparison value and target is in
/// it. An entry may repeat the unit (`unit: "%"`) for the reader of the
/// file; a different one is a unit clash, since the figures could not be
/// compared, charted or measured against each other.
fn check_unit(f: &mut Fields, path: &str, m: &serde_json::Map<String, Value>, unit: Option<&str>) {
    let Some(written) = m.get("unit").and_then(super::fields::scalar_text) else {
        return;
    };
    if unit == Some(written.trim()) {
        return;
    }
    let (message, hint) = match unit {
        Some(u) => (
            format!("unit clash: this entry is in `{written}`, the metric in `{u}`"),
            format!(
                "convert the number to {u}, or make a separate metric for figures in {written}"
            ),
        ),
        None => (
            format!("unit clash: this entry is in `{written}`, but the metric has no `unit:`"),
            format!(
                "set `unit: \"{written}\"` at the top of the file; entries share the metric's unit"
            ),
        ),
    };
    f.diags.push(
        Diagnostic::error(Code::UnitClash, message)
            .at(f.span(&format!("{path}.unit")))
            .label("a different unit")
            .hint(hint),
    );
}

fn period_at(f: &mut Fields, path: &str) -> Option<Period> {
    let v = f.doc_value(path)?;
    let text = super::fields::scalar_text(v).unwrap_or_default();
    match Period::parse(&text) {
        Some(p) => Some(p),
        None => {
            f.diags.push(
                Diagnostic::error(Code::BadPeriod, format!("`{text}` is not a period"))
                    .at(f.span(path))
                    .label("not a period")
                    .hint(format!(
                        "write a period as {PERIOD_FORMS}, e.g. \"2024\" or \"2025-Q1\""
                    )),
            );
            None
        }
    }
}

fn number_at(f: &mut Fields, path: &str, text: &str) -> Option<(f64, String)> {
    let v = f.doc_value(path)?;
    match v.as_f64() {
        Some(n) => Some((n, raw_number(text, f.span(path)))),
        None => {
            f.diags.push(
                Diagnostic::error(Code::BadValue, format!("`value` must be a number, found {}", describe(v)))
                    .at(f.span(path))
                    .label("not a number")
                    .hint("write the number alone (8.3, 6000); put the unit in `unit:` and words in `note:`"),
            );
            None
        }
    }
}

/// `qualifier:` of an entry: one of the source's words, else an error
/// that lists them.
fn qualifier_at(
    f: &mut Fields,
    path: &str,
    m: &serde_json::Map<String, Value>,
) -> Option<Qualifier> {
    let word = m.get("qualifier").and_then(super::fields::scalar_text)?;
    let word = word.trim();
    if let Some(q) = Qualifier::parse(word) {
        return Some(q);
    }
    f.diags.push(
        Diagnostic::error(
            Code::BadQualifier,
            format!("`qualifier`: `{word}` is not a known word"),
        )
        .at(f.span(&format!("{path}.qualifier")))
        .label("not a known qualifier")
        .hint(format!(
            "write the source's own word, one of: {}",
            qualifier::accepted()
        )),
    );
    None
}

fn series(f: &mut Fields, key: &str, text: &str, unit: Option<&str>) -> Vec<Point> {
    let items = f.list_at(key);
    let mut points: Vec<(Point, Span)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("{key}.{i}");
        let Some(m) = item.as_object() else {
            f.diags.push(
                Diagnostic::error(Code::BadField, "each entry needs `period:` and `value:`")
                    .at(f.span(&path))
                    .hint("write entries as `- period: \"2024\"` followed by `  value: 8.3`"),
            );
            continue;
        };
        f.check_keys(&path, m, POINT_KEYS);
        check_unit(f, &path, m, unit);
        let (period, value) = (
            period_at(f, &format!("{path}.period")),
            number_at(f, &format!("{path}.value"), text),
        );
        if m.get("period").is_none() || m.get("value").is_none() {
            f.diags.push(
                Diagnostic::error(
                    Code::BadField,
                    "each entry needs both `period:` and `value:`",
                )
                .at(f.span(&path)),
            );
        }
        let (Some(period), Some((value, raw))) = (period, value) else {
            continue;
        };
        let span = f.span(&format!("{path}.period"));
        if let Some((_, first)) = points.iter().find(|(p, _)| p.period == period) {
            f.diags.push(
                Diagnostic::error(
                    Code::DuplicatePeriod,
                    format!("period {period} appears twice in `{key}`"),
                )
                .at(span)
                .note(*first, "first given here")
                .hint("keep one value per period; put revisions in `note:`"),
            );
            continue;
        }
        let qualifier = qualifier_at(f, &path, m);
        let text_of = |k: &str| m.get(k).and_then(super::fields::scalar_text);
        points.push((
            Point {
                period,
                value,
                raw,
                qualifier,
                note: text_of("note"),
                source: text_of("source"),
            },
            span,
        ));
    }
    let mut out: Vec<Point> = points.into_iter().map(|(p, _)| p).collect();
    out.sort_by_key(|p| p.period);
    out
}

/// The series, targets and settings of a metric file; `refs` gets the
/// targets' `set_by`.
fn metric_data(f: &mut Fields, text: &str, refs: &mut Vec<Ref>) -> Metric {
    let better = match f.choice("better", &["higher", "lower", "none"]) {
        Some("lower") => Better::Lower,
        Some("none") => Better::None,
        _ => Better::Higher,
    };
    let unit = f.string("unit");
    let values = series(f, "values", text, unit.as_deref());
    let mut compare = Vec::new();
    if let Some(m) = f.map("compare") {
        for name in m.keys() {
            compare.push((
                name.clone(),
                series(f, &format!("compare.{name}"), text, unit.as_deref()),
            ));
        }
    }
    let targets = targets(f, text, refs, unit.as_deref());
    Metric {
        unit,
        better,
        category: f.string("category"),
        featured: f.bool("featured"),
        source: f.string("source"),
        values,
        compare,
        targets,
    }
}

fn targets(f: &mut Fields, text: &str, refs: &mut Vec<Ref>, unit: Option<&str>) -> Vec<Target> {
    let items = f.list_at("targets");
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("targets.{i}");
        let Some(m) = item.as_object() else {
            f.diags.push(
                Diagnostic::error(Code::BadField, "each target needs `period:` and `value:`")
                    .at(f.span(&path)),
            );
            continue;
        };
        f.check_keys(&path, m, TARGET_KEYS);
        check_unit(f, &path, m, unit);
        let period = period_at(f, &format!("{path}.period"));
        let value = number_at(f, &format!("{path}.value"), text);
        let set_by = m
            .get(Rel::SetBy.field())
            .and_then(super::fields::scalar_text);
        if let Some(id) = &set_by {
            refs.push(entity::Ref {
                rel: Rel::SetBy,
                id: id.clone(),
                span: f.span(&format!("{path}.{}", Rel::SetBy.field())),
            });
        }
        let qualifier = qualifier_at(f, &path, m);
        let (Some(period), Some((value, raw))) = (period, value) else {
            continue;
        };
        out.push(Target {
            period,
            value,
            raw,
            qualifier,
            set_by,
            note: m.get("note").and_then(super::fields::scalar_text),
        });
    }
    out.sort_by_key(|p| p.period);
    out
}

impl<'a> Fields<'a> {
    /// A value anywhere in the document by path (`values.0.period`).
    fn doc_value(&self, path: &str) -> Option<&'a Value> {
        let mut v = &self.doc.value;
        for part in path.split('.') {
            v = match v {
                Value::Object(m) => m.get(part)?,
                Value::Array(a) => a.get(part.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        (!v.is_null()).then_some(v)
    }

    fn list_at(&mut self, path: &str) -> Vec<Value> {
        if !path.contains('.') {
            return self.list(path).to_vec();
        }
        match self.doc_value(path) {
            None => Vec::new(),
            Some(Value::Array(a)) => a.clone(),
            Some(_) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::BadField,
                        format!("`{path}` must be a list of `- period:` / `value:` entries"),
                    )
                    .at(self.span(path)),
                );
                Vec::new()
            }
        }
    }

    fn check_keys(&mut self, path: &str, m: &serde_json::Map<String, Value>, known: &[&str]) {
        for k in m.keys().filter(|k| !known.contains(&k.as_str())) {
            self.diags.push(
                Diagnostic::warning(
                    Code::UnknownKey,
                    format!("unknown key `{k}` in a series entry"),
                )
                .at(self.key_span(&format!("{path}.{k}")))
                .maybe_hint(crate::diag::did_you_mean(k, known.iter().copied()))
                .hint_if_none(&format!("entries take: {}", known.join(", "))),
            );
        }
    }
}
