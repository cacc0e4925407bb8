//! Time charts: a line (columns when the unit counts things) per series
//! over the periods, with targets as diamonds at their periods.

use std::fmt::Write;

use super::{
    ChartData, FONT, Labels, Layout, centred, data_periods, esc, fill_of, is_count, nice_ticks,
    open_svg, short_period, shown, text, text_width, tick_label, unit,
};
use crate::parse::entity::{Metric, Point};
use crate::parse::period::Period;

/// A series to draw: its name, points and colour class.
type Series<'a> = (&'a str, &'a [Point], &'static str);

/// Where things go: the periods across, the values up.
struct Frame {
    periods: Vec<Period>,
    columns: bool,
    narrow: bool,
    w: f64,
    h: f64,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    plot_h: f64,
    ticks: Vec<f64>,
    slot: f64,
}

impl Frame {
    fn new(m: &Metric, layout: Layout) -> Frame {
        let mut periods = data_periods(m);
        for t in &m.targets {
            periods.push(t.period);
        }
        periods.sort();
        periods.dedup();
        let columns = is_count(unit(m));
        let w = layout.width();
        let narrow = layout == Layout::Narrow;
        let h = if narrow { 260.0 } else { 320.0 };
        let (left, right, top, bottom) = (
            if narrow { 40.0 } else { 56.0 },
            16.0,
            if narrow { 60.0 } else { 44.0 },
            34.0,
        );
        let plot_w = w - left - right;
        let all: Vec<f64> = m
            .values
            .iter()
            .chain(m.compare.iter().flat_map(|(_, s)| s.iter()))
            .map(|p| p.value)
            .chain(m.targets.iter().map(|t| t.value))
            .collect();
        let (mut lo, hi) = all
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        // Columns start at zero; a line may start near its data, but not when
        // zero is close (a cut axis exaggerates small moves).
        if columns || lo > 0.0 && lo < hi * 0.6 {
            lo = lo.min(0.0);
        }
        let slot = plot_w / periods.len() as f64;
        Frame {
            periods,
            columns,
            narrow,
            w,
            h,
            left,
            right,
            top,
            bottom,
            plot_h: h - top - bottom,
            ticks: nice_ticks(lo, hi, if narrow { 4 } else { 5 }),
            slot,
        }
    }

    fn t0(&self) -> f64 {
        self.ticks[0]
    }

    fn y(&self, v: f64) -> f64 {
        let (t0, t1) = (self.ticks[0], self.ticks[self.ticks.len() - 1]);
        self.top + self.plot_h - (v - t0) / (t1 - t0) * self.plot_h
    }

    fn x(&self, p: Period) -> f64 {
        let i = self.periods.iter().position(|q| *q == p).unwrap_or(0);
        self.left + self.slot * (i as f64 + 0.5)
    }
}

pub(super) fn time_chart(d: &ChartData, layout: Layout, labels: &Labels) -> String {
    let m = d.metric;
    let f = Frame::new(m, layout);
    let mut out = String::with_capacity(4096);
    let kind = if f.columns { "columns" } else { "line" };
    open_svg(&mut out, d, layout, kind, f.h, labels);
    // Unit and legend above the plot.
    let unit_text = format!("{}：{}", labels.unit, unit(m));
    if !unit(m).is_empty() {
        text(
            &mut out,
            0.0,
            FONT + 2.0,
            "start",
            "chart__unit",
            &unit_text,
        );
    }
    legend(&mut out, m, layout, labels, !f.columns);
    axes(&mut out, &f);
    let series: Vec<Series> =
        std::iter::once((labels.actual.as_str(), m.values.as_slice(), "s-primary"))
            .chain(
                m.compare
                    .iter()
                    .map(|(n, s)| (n.as_str(), s.as_slice(), "s-compare")),
            )
            .collect();
    if f.columns {
        columns(&mut out, &f, m, &series);
    } else {
        lines(&mut out, &f, m, &series);
    }
    targets(&mut out, &f, m, labels);
    out.push_str("</svg>");
    out
}

/// Grid lines with their values, and the period labels (every k-th when
/// they would collide).
fn axes(out: &mut String, f: &Frame) {
    for &t in &f.ticks {
        let ty = f.y(t);
        let _ = write!(
            out,
            r#"<line x1="{}" y1="{ty:.1}" x2="{:.1}" y2="{ty:.1}" class="chart__grid{}" stroke="currentColor"/>"#,
            f.left,
            f.w - f.right,
            if t == 0.0 { " chart__grid--zero" } else { "" }
        );
        text(
            out,
            f.left - 6.0,
            ty + FONT * 0.35,
            "end",
            "chart__tick",
            &tick_label(t),
        );
    }
    let per_label = if f.narrow { 52.0 } else { 64.0 };
    let every = ((per_label / f.slot).ceil() as usize).max(1);
    for (i, p) in f.periods.iter().enumerate() {
        if i.is_multiple_of(every) {
            text(
                out,
                f.x(*p),
                f.h - f.bottom + FONT + 8.0,
                "middle",
                "chart__tick",
                &short_period(*p),
            );
        }
    }
}

/// One column per series at each period, side by side.
fn columns(out: &mut String, f: &Frame, m: &Metric, series: &[Series]) {
    let n = series.len() as f64;
    let bw = (f.slot * 0.7 / n).min(40.0);
    let base = f.y(0f64.max(f.t0()));
    for (k, (_, pts, class)) in series.iter().enumerate() {
        for p in pts.iter() {
            let cx = f.x(p.period) - bw * n / 2.0 + bw * k as f64;
            let (ya, yb) = (base.min(f.y(p.value)), base.max(f.y(p.value)));
            let _ = write!(
                out,
                r#"<rect x="{cx:.1}" y="{ya:.1}" width="{:.1}" height="{:.1}" class="chart__bar {class}" fill="{}"><title>{} {}</title></rect>"#,
                bw - 2.0,
                (yb - ya).max(1.0),
                fill_of(class),
                esc(&p.period.display_zh()),
                esc(&shown(&p.raw, p.qualifier, m)),
            );
        }
    }
}

/// A line with dots per series (comparisons dashed), and the latest value
/// written beside its point.
fn lines(out: &mut String, f: &Frame, m: &Metric, series: &[Series]) {
    for (_, pts, class) in series.iter().rev() {
        if pts.is_empty() {
            continue;
        }
        let path: Vec<String> = pts
            .iter()
            .map(|p| format!("{:.1},{:.1}", f.x(p.period), f.y(p.value)))
            .collect();
        let dash = if *class == "s-compare" {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let _ = write!(
            out,
            r#"<polyline points="{}" class="chart__line {class}" fill="none" stroke="{}" stroke-width="2.5"{dash}/>"#,
            path.join(" "),
            fill_of(class),
        );
        for p in pts.iter() {
            let _ = write!(
                out,
                r#"<circle cx="{:.1}" cy="{:.1}" r="4" class="chart__dot {class}"><title>{} {}</title></circle>"#,
                f.x(p.period),
                f.y(p.value),
                esc(&p.period.display_zh()),
                esc(&shown(&p.raw, p.qualifier, m)),
            );
        }
    }
    if let Some(last) = m.values.last() {
        let label = shown(&last.raw, last.qualifier, m);
        let (lx, anchor) = centred(f.x(last.period), &label, f.w);
        text(
            out,
            lx,
            f.y(last.value) - 10.0,
            anchor,
            "chart__value",
            &label,
        );
    }
}

/// Each target as a diamond at its period, with its value above.
fn targets(out: &mut String, f: &Frame, m: &Metric, labels: &Labels) {
    for t in &m.targets {
        let (tx, ty) = (f.x(t.period), f.y(t.value));
        let _ = write!(
            out,
            r#"<path d="M{tx:.1} {:.1}l7 7l-7 7l-7-7z" class="chart__target s-target" fill="none" stroke="currentColor" stroke-width="2"><title>{}{} {}</title></path>"#,
            ty - 7.0,
            esc(&t.period.display_zh()),
            esc(&labels.target),
            esc(&shown(&t.raw, t.qualifier, m)),
        );
        let label = format!("{} {}", labels.target, shown(&t.raw, t.qualifier, m));
        let (lx, anchor) = centred(tx, &label, f.w);
        text(out, lx, ty - 12.0, anchor, "chart__value s-target", &label);
    }
}

/// The legend above a time chart: the value series, comparison series and
/// targets, each with a swatch in the style the chart draws it.
fn legend(out: &mut String, m: &Metric, layout: Layout, labels: &Labels, line: bool) {
    let narrow = layout == Layout::Narrow;
    let mut x = if narrow { 0.0 } else { 160.0 };
    let y = if narrow { 36.0 } else { FONT + 2.0 };
    let mid = y - FONT * 0.35;
    let mut items: Vec<(&str, &str)> = vec![("s-primary", labels.actual.as_str())];
    items.extend(m.compare.iter().map(|(n, _)| ("s-compare", n.as_str())));
    if !m.targets.is_empty() {
        items.push(("s-target", labels.target.as_str()));
    }
    for (class, label) in items {
        let _ = match class {
            "s-target" => write!(
                out,
                r#"<rect x="{x:.1}" y="{:.1}" width="16" height="8" class="chart__swatch s-target" fill="none" stroke="currentColor" stroke-dasharray="3 2"/>"#,
                mid - 4.0
            ),
            _ if line => write!(
                out,
                r#"<line x1="{x:.1}" y1="{mid:.1}" x2="{:.1}" y2="{mid:.1}" class="chart__swatch chart__line {class}" stroke="{}" stroke-width="3"{}/>"#,
                x + 16.0,
                fill_of(class),
                if class == "s-compare" {
                    r#" stroke-dasharray="4 3""#
                } else {
                    ""
                },
            ),
            _ => write!(
                out,
                r#"<rect x="{x:.1}" y="{:.1}" width="16" height="8" class="chart__swatch {class}" fill="{}"/>"#,
                mid - 4.0,
                fill_of(class),
            ),
        };
        text(out, x + 22.0, y, "start", "chart__legend", label);
        x += 30.0 + text_width(label);
    }
}
