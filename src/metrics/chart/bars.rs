//! Horizontal bars: one row per value, comparison value and target, with
//! each target also drawn as a dashed line across the value bars.

use std::fmt::Write;

use super::{
    ChartData, FONT, Labels, Layout, data_periods, fill_of, open_svg, shown, text, text_width,
};
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

/// Where the rows go: wide, a label column on the left; narrow, each label
/// above its bar.
struct Frame {
    narrow: bool,
    label_w: f64,
    bar_h: f64,
    row_h: f64,
    top: f64,
    note_h: f64,
    h: f64,
    x0: f64,
    lo: f64,
    range: f64,
    span: f64,
}

impl Frame {
    fn new(rows: &[Row], m: &Metric, layout: Layout) -> Frame {
        let w = layout.width();
        let narrow = layout == Layout::Narrow;
        let longest = rows
            .iter()
            .map(|r| text_width(&r.label))
            .fold(0.0, f64::max);
        let label_w = if narrow {
            0.0
        } else {
            longest.clamp(60.0, 260.0) + 4.0
        };
        let value_w = 96.0;
        let row_h = if narrow { 50.0 } else { 34.0 };
        let top = 12.0;
        let note_h = if m.values.is_empty() { 26.0 } else { 0.0 };
        let h = top + rows.len() as f64 * row_h + note_h + 8.0;
        let x0 = label_w + 8.0;
        let lo = rows.iter().map(|r| r.value).fold(0.0, f64::min);
        let hi = rows.iter().map(|r| r.value).fold(0.0, f64::max);
        Frame {
            narrow,
            label_w,
            bar_h: 22.0,
            row_h,
            top,
            note_h,
            h,
            x0,
            lo,
            range: if hi > lo { hi - lo } else { 1.0 },
            span: w - x0 - value_w,
        }
    }

    fn x(&self, v: f64) -> f64 {
        self.x0 + (v - self.lo) / self.range * self.span
    }
}

pub(super) fn bar_chart(d: &ChartData, layout: Layout, labels: &Labels) -> String {
    let m = d.metric;
    let rows = bar_rows(m, labels);
    let f = Frame::new(&rows, m, layout);
    let mut out = String::with_capacity(2048);
    open_svg(&mut out, d, layout, "bars", f.h, labels);
    for (i, r) in rows.iter().enumerate() {
        row(&mut out, &f, i, r);
    }
    // Target lines across the value bars: how far each bar is from it.
    let value_rows = rows.iter().filter(|r| r.class != "s-target").count();
    if value_rows > 0 {
        for t in &m.targets {
            let tx = f.x(t.value);
            let y1 = f.top - 4.0;
            let y2 = f.top + value_rows as f64 * f.row_h - (f.row_h - f.bar_h)
                + 4.0
                + if f.narrow { FONT + 6.0 } else { 0.0 };
            let _ = write!(
                out,
                r#"<line x1="{tx:.1}" y1="{y1:.1}" x2="{tx:.1}" y2="{y2:.1}" class="chart__target-line s-target" stroke="currentColor" stroke-dasharray="4 3"/>"#
            );
        }
    }
    if f.lo < 0.0 {
        let zx = f.x(0.0);
        let _ = write!(
            out,
            r#"<line x1="{zx:.1}" y1="{}" x2="{zx:.1}" y2="{:.1}" class="chart__axis" stroke="currentColor"/>"#,
            f.top,
            f.h - f.note_h - 8.0
        );
    }
    if m.values.is_empty() {
        text(
            &mut out,
            f.x0,
            f.h - 12.0,
            "start",
            "chart__note",
            &labels.no_values,
        );
    }
    out.push_str("</svg>");
    out
}

/// One row: its label, its bar (a target's outlined) and its value.
fn row(out: &mut String, f: &Frame, i: usize, r: &Row) {
    let y = f.top + i as f64 * f.row_h;
    let bar_h = f.bar_h;
    let bar_y = if f.narrow { y + FONT + 6.0 } else { y };
    if f.narrow {
        text(out, f.x0, y + FONT, "start", "chart__label", &r.label);
    } else {
        text(
            out,
            f.label_w,
            bar_y + bar_h / 2.0 + FONT * 0.35,
            "end",
            "chart__label",
            &r.label,
        );
    }
    let (a, b) = (f.x(0.0).min(f.x(r.value)), f.x(0.0).max(f.x(r.value)));
    let width = (b - a).max(1.0);
    if r.class == "s-target" {
        let _ = write!(
            out,
            r#"<rect x="{a:.1}" y="{bar_y:.1}" width="{width:.1}" height="{bar_h}" class="chart__bar s-target" fill="none" stroke="currentColor" stroke-dasharray="4 3"/>"#
        );
    } else {
        let _ = write!(
            out,
            r#"<rect x="{a:.1}" y="{bar_y:.1}" width="{width:.1}" height="{bar_h}" class="chart__bar {}" fill="{}"/>"#,
            r.class,
            fill_of(r.class),
        );
    }
    text(
        out,
        b + 6.0,
        bar_y + bar_h / 2.0 + FONT * 0.35,
        "start",
        "chart__value",
        &r.text,
    );
}
