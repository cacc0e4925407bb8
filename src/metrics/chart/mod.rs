//! Static SVG charts of a metric, drawn at build time.
//!
//! Which chart a metric gets follows from its data:
//!
//! - three or more periods: a time chart — a line (columns when the unit
//!   counts things, such as 家 or 项) with the comparison series dashed and
//!   hollow, and targets as diamonds at their periods;
//! - one or two periods, or only targets: horizontal bars, one row per value,
//!   comparison value and target, with the target drawn as an outlined bar
//!   and a dashed line across the value bars — a progress bar toward it.
//!
//! One drawing fits every width: the SVG has no viewBox, so its text is set
//! at the page's size in CSS pixels and never shrinks on a phone. Heights
//! are pixels; positions across are percentages of the width, and the lines
//! are drawn in a nested SVG stretched across it (`preserveAspectRatio
//! ="none"`, strokes that do not scale). Period labels that would collide
//! on a narrow chart carry a class the stylesheet hides below a width
//! ([`BANDS`]). No fonts are embedded, and colours are CSS classes, so the
//! chart follows dark mode and prints.

mod bars;
mod time;

use std::fmt::Write;

use super::format::{self, Style};
use super::qualifier::{self, Qualifier};
use crate::parse::entity::{Metric, Point};
use crate::parse::period::Period;
use bars::bar_chart;
use time::time_chart;

/// Words the chart writes; the theme's language supplies them.
#[derive(Debug, Clone)]
pub struct Labels {
    pub actual: String,
    pub target: String,
    pub unit: String,
    pub no_values: String,
}

impl Default for Labels {
    fn default() -> Self {
        Labels {
            actual: "实际值".into(),
            target: "目标".into(),
            unit: "单位".into(),
            no_values: "尚无实际数据".into(),
        }
    }
}

/// What a chart draws, taken from a metric.
pub struct ChartData<'a> {
    /// Used for element ids; unique per chart on a page.
    pub key: &'a str,
    pub title: &'a str,
    pub metric: &'a Metric,
}

const FONT: f64 = 13.0;
/// Fallback colours for SVG shown without the theme's stylesheet.
const PRIMARY: &str = "#2563eb";
const COMPARE: &str = "#94a3b8";

/// Widths (CSS px) at which the stylesheet shows more period labels, with
/// the class of the labels shown only from there, widest first; below the
/// last, only unclassed labels show. Charts are drawn for 320 px and up.
pub const BANDS: [(f64, &str); 2] = [(720.0, "chart__w3"), (480.0, "chart__w2")];
/// The narrowest chart the labels are spaced for.
const MIN_WIDTH: f64 = 320.0;
/// Text wider than this starts a new legend row.
const LEGEND_WIDTH: f64 = 300.0;

/// Estimated width of a label: CJK characters are square, others narrower.
fn text_width(s: &str) -> f64 {
    s.chars()
        .map(|c| if c.len_utf8() >= 3 { FONT } else { FONT * 0.6 })
        .sum()
}

/// A position across the chart: a fraction of its width, as a percentage.
fn pct(f: f64) -> String {
    format!("{:.2}%", Num(f * 100.0))
}

/// A number as `{:.1}` and the like write it (the same text): charts write
/// tens of coordinates each, and the standard formatting of a fixed number
/// of decimals takes over a thousand instructions a number. Whole numbers
/// of hundredths are written directly; a number near a rounding tie, or
/// one without a precision, the standard way.
#[derive(Debug, Clone, Copy)]
struct Num(f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match f.precision().and_then(|n| fixed(self.0, n)) {
            Some(s) => f.write_str(s.as_str()),
            None => std::fmt::Display::fmt(&self.0, f),
        }
    }
}

/// `x` with `digits` decimals (up to 2), unless it is not finite, large or
/// within a millionth of a rounding tie (there the product by 10ⁿ may round
/// the other way from the exact value, which the standard formatting
/// rounds, ties to even).
fn fixed(x: f64, digits: usize) -> Option<Fixed> {
    let scale = [1, 10, 100].get(digits).copied()?;
    let y = x * scale as f64;
    let below = y.floor();
    let frac = y - below;
    if !y.is_finite() || y.abs() >= 1e9 || (frac - 0.5).abs() < 1e-6 {
        return None;
    }
    let n = (below as i64 + i64::from(frac > 0.5)).unsigned_abs();
    let mut s = Fixed::default();
    if x.is_sign_negative() {
        s.push(b'-');
    }
    for b in itoa::Buffer::new().format(n / scale).bytes() {
        s.push(b);
    }
    if digits > 0 {
        s.push(b'.');
        let frac = n % scale;
        if digits == 2 {
            s.push(b'0' + (frac / 10) as u8);
        }
        s.push(b'0' + (frac % 10) as u8);
    }
    Some(s)
}

/// A short number's text, on the stack.
#[derive(Default)]
struct Fixed {
    bytes: [u8; 24],
    len: usize,
}

impl Fixed {
    fn push(&mut self, b: u8) {
        self.bytes[self.len] = b;
        self.len += 1;
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

/// The anchor of a label above a point at fraction `f` of the width: one
/// near an edge grows away from it, so it stays inside the chart.
fn anchor_at(f: f64, label: &str) -> &'static str {
    let half = text_width(label) / 2.0 / MIN_WIDTH;
    if f + half > 1.0 {
        "end"
    } else if f - half < 0.0 {
        "start"
    } else {
        "middle"
    }
}

fn fill_of(class: &str) -> &'static str {
    if class == "s-primary" {
        PRIMARY
    } else {
        COMPARE
    }
}

fn esc(s: &str) -> String {
    crate::url::escape_html(s)
}

fn unit(m: &Metric) -> &str {
    m.unit.as_deref().unwrap_or("")
}

/// The value with its unit, as a reader sees it (`6000亿元`).
/// A value as text, with the source's word (约, 超过, …) in its place.
fn shown(raw: &str, q: Option<Qualifier>, m: &Metric) -> String {
    let f = format::format(raw, unit(m), Style::default());
    qualifier::show(q, &f.number, &f.unit)
}

/// Counted units get columns rather than a line.
fn is_count(unit: &str) -> bool {
    let base = unit.trim_start_matches(['万', '亿']);
    matches!(
        base,
        "家" | "个" | "项" | "辆" | "台" | "件" | "套" | "座" | "次" | "批" | "人" | "户"
    )
}

/// Every period of the value and comparison series, in order.
fn data_periods(m: &Metric) -> Vec<Period> {
    let mut ps: Vec<Period> = m
        .values
        .iter()
        .chain(m.compare.iter().flat_map(|(_, s)| s.iter()))
        .map(|p| p.period)
        .collect();
    ps.sort();
    ps.dedup();
    ps
}

/// The sentence screen readers hear: every figure the chart shows.
fn description(d: &ChartData, labels: &Labels) -> String {
    let m = d.metric;
    let series = |name: &str, pts: &[Point]| {
        let items: Vec<String> = pts
            .iter()
            .map(|p| {
                format!(
                    "{} {}",
                    p.period.display_zh(),
                    shown(&p.raw, p.qualifier, m)
                )
            })
            .collect();
        format!("{name}：{}", items.join("，"))
    };
    let mut parts = Vec::new();
    if m.values.is_empty() {
        parts.push(labels.no_values.clone());
    } else {
        parts.push(series(&labels.actual, &m.values));
    }
    for (name, pts) in &m.compare {
        parts.push(series(name, pts));
    }
    for t in &m.targets {
        parts.push(format!(
            "{}{} {}",
            t.period.display_zh(),
            labels.target,
            shown(&t.raw, t.qualifier, m)
        ));
    }
    parts.join("；") + "。"
}

/// The chart of a metric: one drawing, for every width.
pub fn chart(d: &ChartData, labels: &Labels) -> String {
    if data_periods(d.metric).len() >= 3 {
        time_chart(d, labels)
    } else {
        bar_chart(d, labels)
    }
}

fn open_svg(out: &mut String, d: &ChartData, kind: &str, h: f64, labels: &Labels) {
    let id = format!("chart-{}", d.key);
    let _ = write!(
        out,
        r#"<svg class="chart chart--{kind}" width="100%" height="{h}" role="img" aria-labelledby="{id}-t {id}-d" font-size="{FONT}"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(d.title),
        esc(&description(d, labels)),
    );
}

/// A text at `x` (a percentage, or pixels) and `y` pixels; `attrs` adds
/// any others (a class, an anchor).
fn text(out: &mut String, x: &str, y: f64, attrs: &str, s: &str) {
    let y = Num(y);
    let _ = write!(out, r#"<text x="{x}" y="{y:.1}"{attrs}>{}</text>"#, esc(s));
}

/// Axis ticks at 1, 2 or 5 × 10ⁿ steps covering [lo, hi].
pub fn nice_ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 1.0, lo + 1.0)
    };
    let raw = (hi - lo) / count.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let start = (lo / step).floor() * step;
    let mut ticks = Vec::new();
    let mut i = 0.0;
    loop {
        // Multiplying (not adding) keeps binary noise out of the labels.
        let v = ((start + i * step) / step).round() * step;
        ticks.push(v);
        if v >= hi - step * 1e-9 {
            break;
        }
        i += 1.0;
    }
    ticks
}

fn tick_label(v: f64) -> String {
    format::format_f64(v, "", Style::default()).number
}

/// Compact period labels for an axis: 2024, 2024Q1, 2024H2, 2024.05.
fn short_period(p: Period) -> String {
    match p {
        Period::Year(y) => y.to_string(),
        Period::Half(y, h) => format!("{y}H{h}"),
        Period::Quarter(y, q) => format!("{y}Q{q}"),
        Period::Month(y, m) => format!("{y}.{m:02}"),
        Period::Day(y, m, d) => format!("{}.{m}.{d}", y % 100),
    }
}

/// A small trend line for cards: the value series only, no axes. `None`
/// below two values (one point has no trend).
pub fn sparkline(m: &Metric) -> Option<String> {
    if m.values.len() < 2 {
        return None;
    }
    let (w, h, pad) = (120.0, 32.0, 4.0);
    let (lo, hi) = m.values.iter().fold((f64::MAX, f64::MIN), |(a, b), p| {
        (a.min(p.value), b.max(p.value))
    });
    let range = if hi > lo { hi - lo } else { 1.0 };
    let n = m.values.len() - 1;
    let pt = |i: usize, v: f64| {
        (
            pad + (w - 2.0 * pad) * i as f64 / n as f64,
            h - pad - (v - lo) / range * (h - 2.0 * pad),
        )
    };
    let points: Vec<String> = m
        .values
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (x, y) = pt(i, p.value);
            format!("{},{}", short(x), short(y))
        })
        .collect();
    let (lx, ly) = pt(n, m.values[n].value);
    // Size, stroke and fill come from the stylesheet: cards repeat by the
    // thousand.
    Some(format!(
        r##"<svg class="sparkline" viewBox="0 0 {w} {h}" aria-hidden="true"><polyline points="{}"/><circle cx="{}" cy="{}" r="3"/></svg>"##,
        points.join(" "),
        short(lx),
        short(ly)
    ))
}

/// One decimal, without a trailing `.0`.
fn short(v: f64) -> String {
    let s = format!("{:.1}", Num(v));
    match s.strip_suffix(".0") {
        Some(whole) => whole.to_string(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_the_standard_formatting_writes_them() {
        // Ties (0.25, 2.675), values just off them, negatives rounding to
        // zero, whole numbers, large and odd values; then a sweep.
        let mut values = vec![
            0.0,
            -0.0,
            0.25,
            0.75,
            -0.25,
            1.05,
            2.675,
            0.045,
            -0.04,
            -0.004,
            12.0,
            99.95,
            99.949999,
            1e8,
            1e9,
            -1e10,
            123456.789,
            f64::NAN,
            f64::INFINITY,
            f64::MIN_POSITIVE,
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let unit = (state >> 11) as f64 / (1u64 << 53) as f64;
            values.push((unit - 0.3) * [1.0, 100.0, 1e4][(state % 3) as usize]);
            values.push((state % 4000) as f64 / 8.0 - 100.0);
        }
        for v in values {
            assert_eq!(format!("{:.0}", Num(v)), format!("{v:.0}"), "{v:?}");
            assert_eq!(format!("{:.1}", Num(v)), format!("{v:.1}"), "{v:?}");
            assert_eq!(format!("{:.2}", Num(v)), format!("{v:.2}"), "{v:?}");
            assert_eq!(format!("{:.3}", Num(v)), format!("{v:.3}"), "{v:?}");
            assert_eq!(format!("{}", Num(v)), format!("{v}"), "{v:?}");
        }
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(nice_ticks(0.0, 8.3, 5), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(nice_ticks(5.8, 9.0, 4), vec![5.0, 6.0, 7.0, 8.0, 9.0]);
        let labels: Vec<String> = nice_ticks(0.0, 0.3, 3)
            .into_iter()
            .map(tick_label)
            .collect();
        assert_eq!(labels, ["0", "0.1", "0.2", "0.3"]);
        assert_eq!(nice_ticks(3.0, 3.0, 4).first(), Some(&2.0));
    }

    #[test]
    fn count_units_and_short_periods() {
        assert!(is_count("家") && is_count("万家") && !is_count("%") && !is_count("个百分点"));
        assert_eq!(short_period(Period::Quarter(2024, 1)), "2024Q1");
        assert_eq!(short_period(Period::Month(2024, 5)), "2024.05");
    }

    fn metric(unit: &str, values: &[(&str, f64)], targets: &[(&str, f64)]) -> Metric {
        let pt = |(p, v): &(&str, f64)| Point {
            period: Period::parse(p).unwrap(),
            value: *v,
            raw: v.to_string(),
            qualifier: None,
            note: None,
            source: None,
        };
        Metric {
            unit: Some(unit.into()),
            values: values.iter().map(pt).collect(),
            targets: targets
                .iter()
                .map(|(p, v)| crate::parse::entity::Target {
                    period: Period::parse(p).unwrap(),
                    value: *v,
                    raw: v.to_string(),
                    qualifier: None,
                    set_by: None,
                    note: None,
                })
                .collect(),
            ..Default::default()
        }
    }

    fn parse_all(m: &Metric) -> Vec<String> {
        let d = ChartData {
            key: "t",
            title: "A <&> \"B\"",
            metric: m,
        };
        let svg = chart(&d, &Labels::default());
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{e}: {svg}"));
        let title = doc.descendants().find(|n| n.has_tag_name("title")).unwrap();
        assert_eq!(title.text(), Some("A <&> \"B\""));
        let root = doc.root_element();
        assert_eq!(root.attribute("width"), Some("100%"));
        assert!(root.attribute("viewBox").is_none(), "text keeps its size");
        vec![svg]
    }

    #[test]
    fn period_labels_thin_out_in_nested_steps_as_the_chart_narrows() {
        let months: Vec<(String, f64)> = (1..=24)
            .map(|i| {
                (
                    format!("{}-{:02}", 2023 + (i - 1) / 12, (i - 1) % 12 + 1),
                    i as f64,
                )
            })
            .collect();
        let values: Vec<(&str, f64)> = months.iter().map(|(p, v)| (p.as_str(), *v)).collect();
        let svg = &parse_all(&metric("%", &values, &[]))[0];
        let doc = roxmltree::Document::parse(svg).unwrap();
        let periods: Vec<(String, Option<&str>)> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text") && n.text().is_some_and(|t| t.contains('.')))
            .map(|n| (n.text().unwrap().to_string(), n.attribute("class")))
            .collect();
        let count = |shown: &dyn Fn(Option<&str>) -> bool| {
            periods.iter().filter(|(_, c)| shown(*c)).count()
        };
        let all = count(&|_| true);
        let mid = count(&|c| c != Some("chart__w3"));
        let narrow = count(&|c| c.is_none());
        assert!(all > mid && mid >= narrow && narrow >= 2, "{periods:?}");
        // At 320 px, the labels shown fit side by side.
        let step = 320.0 / 24.0 * (24.0 / narrow as f64).floor();
        assert!(step >= text_width("2023.01"), "{periods:?}");
        assert_eq!(periods[0].0, "2023.01");
        assert_eq!(periods[0].1, None, "the first period always shows");
    }

    #[test]
    fn every_kind_of_chart_is_well_formed_xml() {
        let line = metric(
            "%",
            &[("2024-Q1", 1.0), ("2024-Q2", -2.5), ("2024-Q3", 3.0)],
            &[("2025", 4.0)],
        );
        let svgs = parse_all(&line);
        assert!(svgs[0].contains("chart--line"));
        assert_eq!(svgs[0].matches("<circle").count(), 3);
        let cols = metric("家", &[("2022", 5.0), ("2023", 7.0), ("2024", 6.0)], &[]);
        assert!(parse_all(&cols)[0].contains("chart--columns"));
        let bars = metric("亿元", &[("2024", 15000.0)], &[("2025", 20000.0)]);
        let svg = &parse_all(&bars)[0];
        assert!(
            svg.contains("1.5万亿元") && svg.contains("2万亿元"),
            "labels formatted: {svg}"
        );
        let only_target = metric("万辆", &[], &[("2025", 100.0)]);
        assert!(parse_all(&only_target)[0].contains("尚无实际数据"));
        parse_all(&metric("", &[], &[]));
        let sparkline = sparkline(&line).unwrap();
        let doc = roxmltree::Document::parse(&sparkline).unwrap();
        let points = doc
            .descendants()
            .find(|n| n.has_tag_name("polyline"))
            .and_then(|n| n.attribute("points"))
            .unwrap();
        assert_eq!(points.split(' ').count(), 3);
        assert!(super::sparkline(&bars).is_none(), "one value has no trend");
    }
}
