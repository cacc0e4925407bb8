//! Time charts: a line (columns when the unit counts things) per series
//! over the periods, with targets as diamonds at their periods.

use std::fmt::Write;

use super::{
    BANDS, ChartData, FONT, LEGEND_WIDTH, Labels, MIN_WIDTH, Num, anchor_at, data_periods, esc,
    fill_of, is_count, nice_ticks, open_svg, pct, short_period, shown, text, text_width,
    tick_label, unit,
};
use crate::parse::entity::{Metric, Point};
use crate::parse::period::Period;

/// A series to draw: its name, points and colour class.
type Series<'a> = (&'a str, &'a [Point], &'static str);

/// Height of the plot, and of the period labels under it (px).
const PLOT_H: f64 = 200.0;
const AXIS_H: f64 = 28.0;
/// Room above the plot for a value written over its point (px).
const HEADROOM: f64 = 30.0;
/// Width of the nested drawing the lines are in, stretched to the chart's.
const LINE_W: f64 = 1000.0;

/// Where things go: the periods across (as fractions of the width), the
/// values up (in pixels).
struct Frame {
    periods: Vec<Period>,
    columns: bool,
    h: f64,
    top: f64,
    ticks: Vec<f64>,
}

impl Frame {
    fn new(m: &Metric, top: f64) -> Frame {
        let mut periods = data_periods(m);
        periods.extend(m.targets.iter().map(|t| t.period));
        periods.sort();
        periods.dedup();
        let columns = is_count(unit(m));
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
        Frame {
            periods,
            columns,
            h: top + PLOT_H + AXIS_H,
            top,
            ticks: nice_ticks(lo, hi, 4),
        }
    }

    fn t0(&self) -> f64 {
        self.ticks[0]
    }

    fn y(&self, v: f64) -> f64 {
        let (t0, t1) = (self.ticks[0], self.ticks[self.ticks.len() - 1]);
        self.top + PLOT_H - (v - t0) / (t1 - t0) * PLOT_H
    }

    /// Width of one period's slot, as a fraction.
    fn slot(&self) -> f64 {
        1.0 / self.periods.len() as f64
    }

    /// The middle of a period's slot, as a fraction of the width.
    fn x(&self, p: Period) -> f64 {
        let i = self.periods.iter().position(|q| *q == p).unwrap_or(0);
        self.slot() * (i as f64 + 0.5)
    }
}

pub(super) fn time_chart(d: &ChartData, labels: &Labels) -> String {
    let m = d.metric;
    let mut head = String::new();
    let legend_h = legend(&mut head, m, labels);
    let f = Frame::new(m, legend_h + HEADROOM);
    let mut out = String::with_capacity(3072);
    let kind = if f.columns { "columns" } else { "line" };
    open_svg(&mut out, d, kind, f.h, labels);
    out.push_str(&head);
    grid(&mut out, &f);
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
    // Labels last: over the columns, on a halo of the page's colour.
    axis_labels(&mut out, &f);
    out.push_str("</svg>");
    out
}

/// The grid lines across the plot.
fn grid(out: &mut String, f: &Frame) {
    out.push_str(r#"<g class="chart__grid">"#);
    for &t in &f.ticks {
        let zero = if t == 0.0 {
            r#" class="chart__grid--zero""#
        } else {
            ""
        };
        let _ = write!(
            out,
            r#"<line x1="0" y1="{y:.1}" x2="100%" y2="{y:.1}"{zero}/>"#,
            y = Num(f.y(t))
        );
    }
    out.push_str("</g>");
}

/// The grid lines' values, written above them at the left, and the period
/// labels under the plot.
fn axis_labels(out: &mut String, f: &Frame) {
    out.push_str(r#"<g class="chart__tick">"#);
    for &t in &f.ticks {
        text(out, "0", f.y(t) - 4.0, "", &tick_label(t));
    }
    out.push_str(r#"</g><g class="chart__tick" text-anchor="middle">"#);
    let show = label_bands(f);
    let y = f.top + PLOT_H + FONT + 8.0;
    for (i, p) in f.periods.iter().enumerate() {
        let Some(class) = show(i) else { continue };
        let label = short_period(*p);
        let anchor = match anchor_at(f.x(*p), &label) {
            "middle" => String::new(),
            a => format!(r#" text-anchor="{a}""#),
        };
        let class = class
            .map(|c| format!(r#" class="{c}""#))
            .unwrap_or_default();
        text(out, &pct(f.x(*p)), y, &format!("{anchor}{class}"), &label);
    }
    out.push_str("</g>");
}

/// Which period labels are drawn, and from which width each shows: every
/// k-th label at a width, k growing as the chart narrows. `None`: never
/// drawn; `Some(None)`: shown at every width; `Some(Some(class))`: shown
/// from that class's width up.
fn label_bands(f: &Frame) -> impl Fn(usize) -> Option<Option<&'static str>> {
    let widest = f
        .periods
        .iter()
        .map(|p| text_width(&short_period(*p)))
        .fold(0.0, f64::max)
        + 12.0;
    let every = |width: f64| ((widest / (f.slot() * width)).ceil() as usize).max(1);
    // Each narrower band keeps a subset of the wider one's labels.
    let mut steps = Vec::new();
    let mut k = 1;
    for width in BANDS.iter().map(|b| b.0).chain([MIN_WIDTH]) {
        k *= every(width).div_ceil(k);
        steps.push(k);
    }
    move |i| {
        if i % steps[0] != 0 {
            return None;
        }
        // The narrowest band that still shows label i.
        let band = steps.iter().rposition(|s| i % s == 0).unwrap_or(0);
        Some(BANDS.get(band).map(|b| b.1))
    }
}

/// One column per series at each period, side by side.
fn columns(out: &mut String, f: &Frame, m: &Metric, series: &[Series]) {
    let n = series.len() as f64;
    let bw = f.slot() * 0.7 / n;
    let base = f.y(0f64.max(f.t0()));
    for (k, (_, pts, class)) in series.iter().enumerate() {
        let _ = write!(
            out,
            r#"<g class="chart__bar {class}" fill="{}">"#,
            fill_of(class)
        );
        for p in pts.iter() {
            let cx = f.x(p.period) - bw * n / 2.0 + bw * k as f64;
            let (ya, yb) = (base.min(f.y(p.value)), base.max(f.y(p.value)));
            let (ya, height) = (Num(ya), Num((yb - ya).max(1.0)));
            let _ = write!(
                out,
                r#"<rect x="{}" y="{ya:.1}" width="{}" height="{:.1}"><title>{} {}</title></rect>"#,
                pct(cx),
                pct(bw * 0.85),
                height,
                esc(&p.period.display_zh()),
                esc(&shown(&p.raw, p.qualifier, m)),
            );
        }
        out.push_str("</g>");
    }
}

/// A line with dots per series (comparisons dashed), and the latest value
/// written above its point.
fn lines(out: &mut String, f: &Frame, m: &Metric, series: &[Series]) {
    let _ = write!(
        out,
        r#"<svg viewBox="0 0 {LINE_W} {h}" preserveAspectRatio="none">"#,
        h = f.h
    );
    for (_, pts, class) in series.iter().rev().filter(|s| !s.1.is_empty()) {
        let path: Vec<String> = pts
            .iter()
            .map(|p| {
                let (x, y) = (Num(f.x(p.period) * LINE_W), Num(f.y(p.value)));
                format!("{x:.1},{y:.1}")
            })
            .collect();
        let dash = if *class == "s-compare" {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let _ = write!(
            out,
            r#"<polyline points="{}" class="chart__line {class}" fill="none" stroke="{}" stroke-width="2.5" vector-effect="non-scaling-stroke"{dash}/>"#,
            path.join(" "),
            fill_of(class),
        );
    }
    out.push_str("</svg>");
    for (_, pts, class) in series.iter().rev().filter(|s| !s.1.is_empty()) {
        let _ = write!(
            out,
            r#"<g class="chart__dot {class}" fill="{}">"#,
            fill_of(class)
        );
        for p in pts.iter() {
            let _ = write!(
                out,
                r#"<circle cx="{}" cy="{:.1}" r="4"><title>{} {}</title></circle>"#,
                pct(f.x(p.period)),
                Num(f.y(p.value)),
                esc(&p.period.display_zh()),
                esc(&shown(&p.raw, p.qualifier, m)),
            );
        }
        out.push_str("</g>");
    }
    if let Some(last) = m.values.last() {
        let label = shown(&last.raw, last.qualifier, m);
        value_label(out, f.x(last.period), f.y(last.value) - 10.0, "", &label);
    }
}

/// A value written above a point, kept inside the chart.
fn value_label(out: &mut String, x: f64, y: f64, class: &str, label: &str) {
    let anchor = anchor_at(x, label);
    let attrs = format!(r#" class="chart__value{class}" text-anchor="{anchor}""#);
    text(out, &pct(x), y, &attrs, label);
}

/// Each target as a diamond at its period, with its value above.
fn targets(out: &mut String, f: &Frame, m: &Metric, labels: &Labels) {
    for t in &m.targets {
        let (tx, ty) = (f.x(t.period), f.y(t.value));
        let _ = write!(
            out,
            r#"<svg x="{}" y="{:.1}" overflow="visible"><path d="M0-7l7 7-7 7-7-7z" class="chart__target s-target" fill="none" stroke="currentColor" stroke-width="2"><title>{}{} {}</title></path></svg>"#,
            pct(tx),
            Num(ty),
            esc(&t.period.display_zh()),
            esc(&labels.target),
            esc(&shown(&t.raw, t.qualifier, m)),
        );
        let label = format!("{} {}", labels.target, shown(&t.raw, t.qualifier, m));
        value_label(out, tx, ty - 12.0, " s-target", &label);
    }
}

/// The unit and the legend above the plot — the value series, comparison
/// series and targets, each with a swatch in the style the chart draws it —
/// in rows that fit the narrowest chart. Returns the height they take.
fn legend(out: &mut String, m: &Metric, labels: &Labels) -> f64 {
    let columns = is_count(unit(m));
    let mut items: Vec<(&str, &str)> = vec![("s-primary", labels.actual.as_str())];
    items.extend(m.compare.iter().map(|(n, _)| ("s-compare", n.as_str())));
    if !m.targets.is_empty() {
        items.push(("s-target", labels.target.as_str()));
    }
    let (mut x, mut y) = (0.0, FONT + 2.0);
    if !unit(m).is_empty() {
        let unit_text = format!("{}：{}", labels.unit, unit(m));
        text(out, "0", y, r#" class="chart__unit""#, &unit_text);
        x = text_width(&unit_text) + 20.0;
    }
    for (class, label) in items {
        let w = 22.0 + text_width(label);
        if x > 0.0 && x + w > LEGEND_WIDTH {
            (x, y) = (0.0, y + FONT + 8.0);
        }
        swatch(out, class, x, y - FONT * 0.35, !columns);
        text(
            out,
            &format!("{:.0}", Num(x + 22.0)),
            y,
            r#" class="chart__legend""#,
            label,
        );
        x += w + 14.0;
    }
    y + 4.0
}

/// A legend swatch centred on `mid`: a stroke for a line, a block for a
/// column, a dashed outline for a target.
fn swatch(out: &mut String, class: &str, x: f64, mid: f64, line: bool) {
    let (x, mid, top) = (Num(x), Num(mid), Num(mid - 4.0));
    let _ = match class {
        "s-target" => write!(
            out,
            r#"<rect x="{x:.0}" y="{:.1}" width="16" height="8" class="chart__swatch s-target" fill="none" stroke="currentColor" stroke-dasharray="3 2"/>"#,
            top
        ),
        _ if line => write!(
            out,
            r#"<line x1="{x:.0}" y1="{mid:.1}" x2="{:.0}" y2="{mid:.1}" class="chart__swatch chart__line {class}" stroke="{}" stroke-width="3"{}/>"#,
            Num(x.0 + 16.0),
            fill_of(class),
            if class == "s-compare" {
                r#" stroke-dasharray="4 3""#
            } else {
                ""
            },
        ),
        _ => write!(
            out,
            r#"<rect x="{x:.0}" y="{:.1}" width="16" height="8" class="chart__swatch {class}" fill="{}"/>"#,
            top,
            fill_of(class),
        ),
    };
}
