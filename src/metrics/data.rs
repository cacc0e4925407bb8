//! Data downloads beside each metric page: `/metrics/<id>.csv` and
//! `/metrics/<id>.json`, with the numbers exactly as written.

use serde::Serialize;

use super::derive::{self, Derived};
use super::qualifier::Qualifier;
use crate::parse::entity::{Better, Entity, Metric, Point};

/// The file stem of a metric's downloads: its page directory without the
/// trailing slash (`metrics/增速/` -> `metrics/增速`).
pub fn stem(e: &Entity) -> String {
    e.url_path.trim_end_matches('/').to_string()
}

/// A CSV cell. Text that a spreadsheet would run as a formula (starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, which
/// spreadsheets hide and keep as text; numbers (`-3.5`) stay numbers.
fn csv_field(s: &str) -> String {
    let formula =
        s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.trim().parse::<f64>().is_err();
    let s = if formula {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if formula || s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn word(q: Option<Qualifier>) -> &'static str {
    q.map(Qualifier::word).unwrap_or("")
}

/// One row per value, comparison value and target. A UTF-8 byte-order mark
/// leads the file so spreadsheet programs read the Chinese text correctly.
pub fn csv(m: &Metric) -> String {
    let unit = m.unit.as_deref().unwrap_or("");
    let mut out = String::from("\u{feff}kind,series,period,value,unit,note,set_by,qualifier\r\n");
    let mut row = |cells: [&str; 8]| {
        let line: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    };
    let series = std::iter::once(("value", "", &m.values)).chain(
        m.compare
            .iter()
            .map(|(name, pts)| ("compare", name.as_str(), pts)),
    );
    for (kind, name, pts) in series {
        for p in pts {
            row([
                kind,
                name,
                &p.period.to_string(),
                &p.raw,
                unit,
                p.note.as_deref().unwrap_or(""),
                "",
                word(p.qualifier),
            ]);
        }
    }
    for t in &m.targets {
        row([
            "target",
            "",
            &t.period.to_string(),
            &t.raw,
            unit,
            t.note.as_deref().unwrap_or(""),
            t.set_by.as_deref().unwrap_or(""),
            word(t.qualifier),
        ]);
    }
    out
}

#[derive(Serialize)]
struct PointJson<'a> {
    period: String,
    /// The number, for computation.
    value: f64,
    /// The number as written (keeps trailing zeros).
    raw: &'a str,
    /// The source's word with the number (约, 超过, …), see docs/content/write/metrics.md.
    qualifier: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
}

fn points(pts: &[Point]) -> Vec<PointJson<'_>> {
    pts.iter()
        .map(|p| PointJson {
            period: p.period.to_string(),
            value: p.value,
            raw: &p.raw,
            qualifier: p.qualifier.map(Qualifier::word),
            note: p.note.as_deref(),
            source: p.source.as_deref(),
        })
        .collect()
}

#[derive(Serialize)]
struct TargetJson<'a> {
    period: String,
    value: f64,
    raw: &'a str,
    qualifier: Option<&'static str>,
    set_by: Option<&'a str>,
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct MetricJson<'a> {
    id: &'a str,
    title: &'a str,
    unit: Option<&'a str>,
    better: Better,
    category: Option<&'a str>,
    source: Option<&'a str>,
    values: Vec<PointJson<'a>>,
    compare: serde_json::Map<String, serde_json::Value>,
    targets: Vec<TargetJson<'a>>,
    derived: Derived,
}

pub fn json(e: &Entity, m: &Metric) -> Vec<u8> {
    let compare = m
        .compare
        .iter()
        .map(|(name, pts)| {
            (
                name.clone(),
                serde_json::to_value(points(pts)).unwrap_or_default(),
            )
        })
        .collect();
    let doc = MetricJson {
        id: &e.id,
        title: &e.title,
        unit: m.unit.as_deref(),
        better: m.better,
        category: m.category.as_deref(),
        source: m.source.as_deref(),
        values: points(&m.values),
        compare,
        targets: m
            .targets
            .iter()
            .map(|t| TargetJson {
                period: t.period.to_string(),
                value: t.value,
                raw: &t.raw,
                qualifier: t.qualifier.map(Qualifier::word),
                set_by: t.set_by.as_deref(),
                note: t.note.as_deref(),
            })
            .collect(),
        derived: derive::derive(m),
    };
    serde_json::to_vec_pretty(&doc).unwrap_or_default()
}
