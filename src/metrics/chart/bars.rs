//! Horizontal bars: one row per value, comparison value and target, with
//! each target also drawn as a dashed line across the value bars.

use std::fmt::Write;

use super::{ChartData, FONT, Labels, Num, data_periods, fill_of, open_svg, pct, shown, text};
use crate::metrics::derive::end_month;
use crate::parse::entity::Metric;

/// One horizontal bar.
struct Row {
    label: String,
    value: f64,
    text: String,
    class: &'static str,
}

fn bar_rows(m: &Metric, labels: &Labels) -> Vec<Row> {
    let mut rows = Vec::new();
    for p in data_periods(m) {
        if let Some(v) = m.values.iter().find(|v| v.period == p) {
            let label = if m.compare.is_empty() {
                p.display_zh()
            } else {
                format!("{} {}", p.display_zh(), labels.actual)
            };
            rows.push(Row {
                label,
                value: v.value,
                text: shown(&v.raw, v.qualifier, m),
                class: "s-primary",
            });
        }
        for (name, pts) in &m.compare {
            if let Some(v) = pts.iter().find(|v| v.period == p) {
                rows.push(Row {
                    label: format!("{} {name}", p.display_zh()),
                    value: v.value,
                    text: shown(&v.raw, v.qualifier, m),
                    class: "s-compare",
                });
            }
        }
    }
    // Targets in the order they fall due (a quarter before its year).
    let mut targets: Vec<_> = m.targets.iter().collect();
    targets.sort_by(|a, b| end_month(a.period).total_cmp(&end_month(b.period)));
    for t in targets {
        rows.push(Row {
            label: format!("{}{}", t.period.display_zh(), labels.target),
            value: t.value,
            text: shown(&t.raw, t.qualifier, m),
            class: "s-target",
        });
    }
    rows
}

/// Share of the width the bars may take; the rest is for the value written
/// after the longest.
const SPAN: f64 = 0.7;
const BAR_H: f64 = 20.0;
/// A row: its label, then its bar under it (px).
const ROW_H: f64 = 48.0;
const TOP: f64 = 4.0;

/// Where the rows go: each label above its bar, bars across a share of
/// the width (fractions), rows down (pixels).
struct Frame {
    note_h: f64,
    h: f64,
    lo: f64,
    range: f64,
}

impl Frame {
    fn new(rows: &[Row], m: &Metric) -> Frame {
        let note_h = if m.values.is_empty() { 26.0 } else { 0.0 };
        let lo = rows.iter().map(|r| r.value).fold(0.0, f64::min);
        let hi = rows.iter().map(|r| r.value).fold(0.0, f64::max);
        Frame {
            note_h,
            h: TOP + rows.len() as f64 * ROW_H + note_h + 4.0,
            lo,
            range: if hi > lo { hi - lo } else { 1.0 },
        }
    }

    /// A value's place across, as a fraction of the width.
    fn x(&self, v: f64) -> f64 {
        (v - self.lo) / self.range * SPAN
    }

    /// Top of row `i`'s bar.
    fn bar_y(&self, i: usize) -> f64 {
        TOP + i as f64 * ROW_H + FONT + 6.0
    }
}

pub(super) fn bar_chart(d: &ChartData, labels: &Labels) -> String {
    let m = d.metric;
    let rows = bar_rows(m, labels);
    let f = Frame::new(&rows, m);
    let mut out = String::with_capacity(2048);
    open_svg(&mut out, d, "bars", f.h, labels);
    out.push_str(r#"<g class="chart__label">"#);
    for (i, r) in rows.iter().enumerate() {
        text(&mut out, "0", TOP + i as f64 * ROW_H + FONT, "", &r.label);
    }
    out.push_str("</g>");
    for (i, r) in rows.iter().enumerate() {
        row(&mut out, &f, i, r);
    }
    // Target lines across the value bars: how far each bar is from it.
    let value_rows = rows.iter().filter(|r| r.class != "s-target").count();
    if value_rows > 0 {
        for t in &m.targets {
            let tx = pct(f.x(t.value));
            let y2 = Num(f.bar_y(value_rows - 1) + BAR_H + 4.0);
            let _ = write!(
                out,
                r#"<line x1="{tx}" y1="{:.1}" x2="{tx}" y2="{y2:.1}" class="chart__target-line s-target" stroke="currentColor" stroke-dasharray="4 3"/>"#,
                Num(f.bar_y(0) - 4.0)
            );
        }
    }
    if f.lo < 0.0 {
        let zx = pct(f.x(0.0));
        let _ = write!(
            out,
            r#"<line x1="{zx}" y1="{TOP}" x2="{zx}" y2="{:.1}" class="chart__axis" stroke="currentColor"/>"#,
            Num(f.h - f.note_h - 4.0)
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let (x, y) = (pct(f.x(0.0).max(f.x(r.value))), f.bar_y(i));
        let attrs = r#" dx="6" class="chart__value""#;
        text(&mut out, &x, y + BAR_H / 2.0 + FONT * 0.35, attrs, &r.text);
    }
    if m.values.is_empty() {
        text(
            &mut out,
            "0",
            f.h - 12.0,
            r#" class="chart__note""#,
            &labels.no_values,
        );
    }
    out.push_str("</svg>");
    out
}

/// One row's bar; a target's is outlined.
fn row(out: &mut String, f: &Frame, i: usize, r: &Row) {
    let y = Num(f.bar_y(i));
    let (a, b) = (f.x(0.0).min(f.x(r.value)), f.x(0.0).max(f.x(r.value)));
    let width = pct((b - a).max(0.002));
    if r.class == "s-target" {
        let _ = write!(
            out,
            r#"<rect x="{}" y="{y:.1}" width="{width}" height="{BAR_H}" class="chart__bar s-target" fill="none" stroke="currentColor" stroke-dasharray="4 3"/>"#,
            pct(a)
        );
    } else {
        let _ = write!(
            out,
            r#"<rect x="{}" y="{y:.1}" width="{width}" height="{BAR_H}" class="chart__bar {}" fill="{}"/>"#,
            pct(a),
            r.class,
            fill_of(r.class),
        );
    }
}
