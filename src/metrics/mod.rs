//! Metrics: derived figures, charts, number formatting and data downloads.
//!
//! - [`derive`]: change, progress toward the current target, status;
//! - [`chart`]: SVG charts and sparklines;
//! - [`format`]: numbers for Chinese readers (the `fmt_num` filter);
//! - [`data`]: `/metrics/<id>.csv` and `.json`.

pub mod chart;
pub mod data;
pub mod derive;
pub mod format;
pub mod qualifier;

use std::sync::Arc;

use rayon::prelude::*;

use tera::{Error, Kwargs, State, Tera, Value};

use crate::graph::Graph;
use crate::hash::Map;
use crate::output::{Contents, OutputFile};
use crate::parse::entity::{Entity, Metric};
use crate::render::reads::{Input, record};
use crate::url::LinkStyle;

/// Files written beside the metric pages.
pub fn files(graph: &Graph) -> Vec<OutputFile> {
    graph
        .entities
        .iter()
        .flat_map(|e| entity_files(e))
        .collect()
}

/// A metric's CSV and JSON files (none for other entities).
pub fn entity_files(e: &Entity) -> Vec<OutputFile> {
    let Some(m) = e.metric() else {
        return Vec::new();
    };
    let stem = data::stem(e);
    vec![
        OutputFile {
            path: format!("{stem}.csv"),
            contents: Contents::Bytes(data::csv(m).into_bytes()),
        },
        OutputFile {
            path: format!("{stem}.json"),
            contents: Contents::Bytes(data::json(e, m)),
        },
    ]
}

/// What `metric_chart()` gives when pages are made for their errors only
/// ([`crate::render::RenderOptions::discard`]): the chart is not drawn.
pub const UNDRAWN: &str = "<svg></svg>";

/// Template filters and functions for metrics:
/// `fmt_num`, `percent` (filters), `metric_chart(id=…)` and
/// `metric_value(id=…, period=…)` (functions). Charts are drawn unless
/// `draw` is false ([`UNDRAWN`]).
pub fn register(tera: &mut Tera, graph: &Graph, style: LinkStyle, draw: bool) {
    tera.register_filter("fmt_num", fmt_num);
    tera.register_filter("qualified", qualified);
    tera.register_filter(
        "percent",
        |v: f64, kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
            let decimals = kwargs
                .get::<i64>("decimals")?
                .map(|d| d.clamp(0, 6) as usize);
            Ok(format::percent(v, decimals))
        },
    );
    // Charts are drawn when asked for (once per metric page, or per embed),
    // from the metrics the closures share with the graph.
    let metrics: Arc<Map<String, Entry>> = Arc::new(
        graph
            .entities
            .par_iter()
            .filter(|e| e.metric().is_some())
            .map(|e| {
                let entry = Entry {
                    entity: e.clone(),
                    url: style.path(&e.url_path),
                };
                (e.id.clone(), entry)
            })
            .collect(),
    );
    let charts = metrics.clone();
    tera.register_function(
        "metric_chart",
        move |kwargs: Kwargs, state: &State| -> tera::TeraResult<Value> {
            let id = kwargs.must_get::<&str>("id")?;
            record(|| Input::Full(id.to_string()));
            let (entry, metric) = lookup(&charts, id)?;
            record(|| Input::Global("t".to_string()));
            let labels = chart_labels(state.get::<Value>("t")?);
            let key = kwargs.get::<&str>("key")?.unwrap_or("main");
            if !draw {
                return Ok(Value::safe_string(UNDRAWN));
            }
            let svg = chart::chart(
                &chart::ChartData {
                    key,
                    title: entry.title(),
                    metric,
                },
                &labels,
            );
            Ok(Value::safe_string(&svg))
        },
    );
    tera.register_function(
        "metric_value",
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<Value> {
            let id = kwargs.must_get::<&str>("id")?;
            record(|| Input::Full(id.to_string()));
            let wanted = kwargs.get::<&str>("period")?.filter(|p| !p.is_empty());
            metric_value(lookup(&metrics, id)?, id, wanted)
        },
    );
}

/// `metric_value(id=…, period=…)`: one value of a metric with its period,
/// unit, title and address.
fn metric_value(
    (entry, metric): (&Entry, &Metric),
    id: &str,
    wanted: Option<&str>,
) -> tera::TeraResult<Value> {
    let point = value_at(metric, wanted).ok_or_else(|| {
        Error::message(format!(
            "metric_value(): `{id}` has no value{}",
            wanted.map(|p| format!(" for {p}")).unwrap_or_default()
        ))
    })?;
    let mut m = tera::Map::default();
    m.insert("value".into(), Value::from(point.raw.as_str()));
    m.insert(
        "qualifier".into(),
        Value::from(point.qualifier.map(qualifier::Qualifier::word)),
    );
    m.insert("period".into(), Value::from(point.period.to_string()));
    m.insert(
        "period_label".into(),
        Value::from(point.period.display_zh()),
    );
    let unit = metric.unit.as_deref().unwrap_or("");
    m.insert("unit".into(), Value::from(unit));
    m.insert("title".into(), Value::from(entry.title()));
    m.insert("url".into(), Value::from(entry.url.as_str()));
    Ok(Value::from(m))
}

/// A metric's value for `period` (`2024`, `2025-Q1`), or its latest.
pub fn value_at<'m>(
    m: &'m Metric,
    period: Option<&str>,
) -> Option<&'m crate::parse::entity::Point> {
    match period {
        Some(p) => m.values.iter().find(|v| v.period.to_string() == p),
        None => m.values.last(),
    }
}

/// The chart's words from the theme's UI strings (`t`), where it has them.
fn chart_labels(t: Option<Value>) -> chart::Labels {
    let mut labels = chart::Labels::default();
    let Some(t) = t else { return labels };
    let get = |key: &'static str| {
        t.as_map()
            .and_then(|m| m.get(&tera::value::Key::from(key)))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    for (field, key) in [
        (&mut labels.actual, "chart_actual"),
        (&mut labels.target, "target"),
        (&mut labels.unit, "unit"),
        (&mut labels.no_values, "chart_no_values"),
    ] {
        if let Some(v) = get(key) {
            *field = v;
        }
    }
    labels
}

/// What the template functions need of a metric: its entity (a metric's
/// data is a few kilobytes: shared with the graph, not copied) and its
/// page's link.
struct Entry {
    entity: Arc<Entity>,
    url: String,
}

impl Entry {
    fn title(&self) -> &str {
        &self.entity.title
    }
}

/// The metric `id`: its entry and its data.
fn lookup<'a>(
    metrics: &'a Map<String, Entry>,
    id: &str,
) -> tera::TeraResult<(&'a Entry, &'a Metric)> {
    metrics
        .get(id)
        .and_then(|e| Some((e, e.entity.metric()?)))
        .ok_or_else(|| Error::message(format!("no metric with id `{id}`")))
}

/// `{{ value | qualified(word="余", unit="项") }}`: the number exactly as
/// written, with the source's word (may be none) and the unit in their
/// places (`450余项`); with `html=true` the unit is in `<span class="unit">`.
fn qualified(v: &Value, kwargs: Kwargs, _: &State) -> tera::TeraResult<Value> {
    let number = match (v.as_str(), v.is_none()) {
        (Some(s), _) => s.to_string(),
        (None, true) => return Ok(Value::from("")),
        (None, false) => v.to_string(),
    };
    let word_value = kwargs.get::<Value>("word")?;
    let q = word_value
        .as_ref()
        .and_then(Value::as_str)
        .and_then(qualifier::Qualifier::parse);
    let unit_value = kwargs.get::<Value>("unit")?;
    let unit = unit_value.as_ref().and_then(Value::as_str).unwrap_or("");
    let esc = crate::url::escape_html;
    if kwargs.get::<bool>("html")?.unwrap_or(false) {
        let unit = if unit.is_empty() {
            String::new()
        } else {
            format!("<span class=\"unit\">{}</span>", esc(unit))
        };
        let html = match q {
            Some(q) => q.show_html(&esc(&number), &unit),
            None => format!("{}{unit}", esc(&number)),
        };
        return Ok(Value::safe_string(&html));
    }
    Ok(Value::from(qualifier::show(q, &number, unit)))
}

/// `{{ value | fmt_num(unit="亿元", qualifier="约", sign=true, decimals=1, html=true) }}`.
/// The value may be a number or its text (`"8.30"` keeps its two decimals).
/// With `html=true` the result is `<span class="num">…</span><span
/// class="unit">…</span>`, marked safe. `qualifier` (the source's word,
/// may be none) is put in its place: 约300家, 450余项, 35%以上.
fn fmt_num(v: &Value, kwargs: Kwargs, _: &State) -> tera::TeraResult<Value> {
    // `unit` may be none (a metric without a unit).
    let unit_value = kwargs.get::<Value>("unit")?;
    let unit = unit_value.as_ref().and_then(Value::as_str).unwrap_or("");
    let style = format::Style {
        sign: kwargs.get::<bool>("sign")?.unwrap_or(false),
        decimals: kwargs
            .get::<i64>("decimals")?
            .map(|d| d.clamp(0, 12) as usize),
    };
    let f = if let Some(s) = v.as_str() {
        format::format(s, unit, style)
    } else if let Some(i) = v.as_i64() {
        format::format(&i.to_string(), unit, style)
    } else if let Some(x) = v.as_f64() {
        format::format_f64(x, unit, style)
    } else if v.is_none() {
        return Ok(Value::from(""));
    } else {
        return Err(Error::message(format!("fmt_num: `{v}` is not a number")));
    };
    let q_value = kwargs.get::<Value>("qualifier")?;
    let q = match q_value.as_ref().and_then(Value::as_str) {
        None | Some("") => None,
        Some(w) => Some(qualifier::Qualifier::parse(w).ok_or_else(|| {
            Error::message(format!(
                "fmt_num: qualifier `{w}` is not one of: {}",
                qualifier::accepted()
            ))
        })?),
    };
    if kwargs.get::<bool>("html")?.unwrap_or(false) {
        let esc = crate::url::escape_html;
        let unit = if f.unit.is_empty() {
            String::new()
        } else {
            format!("<span class=\"unit\">{}</span>", esc(&f.unit))
        };
        let number = format!("<span class=\"num\">{}</span>", esc(&f.number));
        let html = match q {
            Some(q) => q.show_html(&number, &unit),
            None => format!("{number}{unit}"),
        };
        return Ok(Value::safe_string(&html));
    }
    Ok(Value::from(qualifier::show(q, &f.number, &f.unit)))
}
