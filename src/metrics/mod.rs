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

use std::collections::HashMap;
use std::sync::Arc;

use tera::{Error, Kwargs, State, Tera, Value};

use crate::graph::Graph;
use crate::parse::entity::Metric;
use crate::render::context::Shared;
use crate::render::links::LinkStyle;
use crate::render::{Contents, OutputFile};

/// Files written beside the metric pages.
pub fn files(graph: &Graph, _shared: &Shared, _style: LinkStyle) -> Vec<OutputFile> {
    let mut out = Vec::new();
    for e in &graph.entities {
        let Some(m) = e.metric() else { continue };
        let stem = data::stem(e);
        out.push(OutputFile {
            path: format!("{stem}.csv"),
            contents: Contents::Bytes(data::csv(m).into_bytes()),
        });
        out.push(OutputFile {
            path: format!("{stem}.json"),
            contents: Contents::Bytes(data::json(e, m)),
        });
    }
    out
}

/// Template filters and functions for metrics:
/// `fmt_num`, `percent` (filters) and `metric_chart(id=…)` (function).
pub fn register(tera: &mut Tera, graph: &Graph, _style: LinkStyle) {
    tera.register_filter("fmt_num", fmt_num);
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
    // from a copy of the data the closure can own.
    let metrics: Arc<HashMap<String, (String, Metric)>> = Arc::new(
        graph
            .entities
            .iter()
            .filter_map(|e| Some((e.id.clone(), (e.title.clone(), e.metric()?.clone()))))
            .collect(),
    );
    tera.register_function(
        "metric_chart",
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<Value> {
            let id = kwargs.must_get::<&str>("id")?;
            let (title, metric) = metrics.get(id).ok_or_else(|| {
                Error::message(format!("metric_chart(): no metric with id `{id}`"))
            })?;
            let key = kwargs.get::<&str>("key")?.unwrap_or("main");
            let svg = chart::chart_pair(
                &chart::ChartData { key, title, metric },
                &chart::Labels::default(),
            );
            Ok(Value::safe_string(&svg))
        },
    );
}

/// `{{ value | fmt_num(unit="亿元", sign=true, decimals=1, html=true) }}`.
/// The value may be a number or its text (`"8.30"` keeps its two decimals).
/// With `html=true` the result is `<span class="num">…</span><span
/// class="unit">…</span>`, marked safe.
fn fmt_num(v: &Value, kwargs: Kwargs, _: &State) -> tera::TeraResult<Value> {
    let unit = kwargs.get::<&str>("unit")?.unwrap_or("");
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
    if kwargs.get::<bool>("html")?.unwrap_or(false) {
        let esc = crate::render::links::escape_html;
        let unit = if f.unit.is_empty() {
            String::new()
        } else {
            format!("<span class=\"unit\">{}</span>", esc(&f.unit))
        };
        return Ok(Value::safe_string(&format!(
            "<span class=\"num\">{}</span>{unit}",
            esc(&f.number)
        )));
    }
    Ok(Value::from(f.text()))
}
