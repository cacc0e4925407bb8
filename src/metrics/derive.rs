//! Figures derived from a metric's data, only where the data allow: the
//! change from the previous period, progress toward the target a reader looks
//! at, and a status. The rules are stated in docs/content/write/metrics.md; each function
//! here implements one of them.

use serde::Serialize;

use super::format::{self, Style, decimals_of};
use super::qualifier::{Bound, Qualifier};
use crate::parse::entity::{Better, Metric, Point, Target};
use crate::parse::period::Period;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Achieved,
    OnTrack,
    Behind,
    /// A target exists but the data cannot say how it stands.
    NoData,
}

/// Latest value against the one before it.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// Absolute change, signed, with the precision of the inputs (`+2.5`).
    pub abs: String,
    /// Unit of `abs`: a change of a `%` figure is in `个百分点`.
    pub unit: String,
    /// Relative change as a percentage text (`+12.5%`); none for `%` units
    /// and when the previous value is zero.
    pub rel: Option<String>,
    pub from_period: String,
    pub from_label: String,
    /// `up`, `down` or `flat`.
    pub direction: &'static str,
    /// Whether the move is in the metric's better direction (none for `better: none`).
    pub good: Option<bool>,
}

/// Where the latest value stands against the current target.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    /// latest ÷ target (`better: higher`) or target ÷ latest (`lower`).
    pub ratio: f64,
    /// The ratio as a percentage text, e.g. `58.3%`.
    pub label: String,
    /// The ratio clamped to 0–100 and rounded to a tenth, for bar widths.
    pub bar: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Derived {
    /// Two or more values: a trend exists.
    pub trend: bool,
    pub change: Option<Change>,
    pub progress: Option<Progress>,
    pub status: Option<Status>,
    /// The current target's period has ended by the latest value.
    pub target_closed: bool,
    /// Progress and status against each target, in the order of `targets`.
    pub targets: Vec<TargetState>,
}

/// One target with where the latest value stands against it.
#[derive(Debug, Clone, Serialize)]
pub struct TargetState {
    pub period: String,
    pub period_label: String,
    /// The target as written.
    pub value: String,
    /// The source's word with the target (`不低于`), if any.
    pub qualifier: Option<&'static str>,
    pub progress: Option<Progress>,
    pub status: Option<Status>,
}

/// The target a reader looks at: of the targets still open at the latest
/// value (ending no earlier than it), the one that ends first; when all have
/// closed, the one that ended last. Without values every target is open.
pub fn current_target(m: &Metric) -> Option<&Target> {
    let latest = m.values.last().map(|p| end_month(p.period));
    let end = |t: &&Target| end_month(t.period);
    m.targets
        .iter()
        .filter(|t| latest.is_none_or(|l| end(t) >= l))
        .min_by(|a, b| end(a).total_cmp(&end(b)))
        .or_else(|| m.targets.iter().max_by(|a, b| end(a).total_cmp(&end(b))))
}

pub fn derive(m: &Metric) -> Derived {
    let target = current_target(m);
    let latest = m.values.last();
    Derived {
        trend: m.values.len() >= 2,
        change: change(m),
        progress: target
            .zip(latest)
            .and_then(|(t, l)| progress(m.better, l, t)),
        status: target.and_then(|t| status(m, t)),
        target_closed: target
            .zip(latest)
            .is_some_and(|(t, l)| end_month(l.period) >= end_month(t.period)),
        targets: m
            .targets
            .iter()
            .map(|t| TargetState {
                period: t.period.to_string(),
                period_label: t.period.display_zh(),
                value: t.raw.clone(),
                qualifier: t.qualifier.map(Qualifier::word),
                progress: latest.and_then(|l| progress(m.better, l, t)),
                status: status(m, t),
            })
            .collect(),
    }
}

fn change(m: &Metric) -> Option<Change> {
    let [.., prev, last] = m.values.as_slice() else {
        return None;
    };
    let decimals = decimals_of(&last.raw).max(decimals_of(&prev.raw));
    let diff = last.value - prev.value;
    let percent_unit = m.unit.as_deref() == Some("%");
    let unit = if percent_unit {
        "个百分点".to_string()
    } else {
        m.unit.clone().unwrap_or_default()
    };
    let signed = |d| Style {
        sign: true,
        decimals: Some(d),
    };
    let abs = format::format_f64(diff, "", signed(decimals)).number;
    let rel = (!percent_unit && prev.value != 0.0).then(|| {
        // One decimal, trailing zero dropped: +12.5%, -25%.
        let r = (diff / prev.value.abs() * 1000.0).round() / 10.0;
        let style = Style {
            sign: true,
            decimals: None,
        };
        format!("{}%", format::format_f64(r, "", style).number)
    });
    let direction = if abs
        .trim_start_matches(['+', '-'])
        .trim_matches(['0', '.'])
        .is_empty()
    {
        "flat"
    } else if diff > 0.0 {
        "up"
    } else {
        "down"
    };
    let good = match (m.better, direction) {
        (Better::None, _) | (_, "flat") => None,
        (Better::Higher, d) => Some(d == "up"),
        (Better::Lower, d) => Some(d == "down"),
    };
    Some(Change {
        abs,
        unit,
        rel,
        from_period: prev.period.to_string(),
        from_label: prev.period.display_zh(),
        direction,
        good,
    })
}

fn progress(better: Better, latest: &Point, target: &Target) -> Option<Progress> {
    let ratio = match better {
        Better::Higher if target.value > 0.0 && latest.value >= 0.0 => latest.value / target.value,
        Better::Lower if latest.value > 0.0 && target.value >= 0.0 => target.value / latest.value,
        _ => return None,
    };
    Some(Progress {
        ratio,
        label: format::percent(ratio, None),
        bar: ((ratio * 100.0).clamp(0.0, 100.0) * 10.0).round() / 10.0,
    })
}

fn meets(better: Better, value: f64, target: f64) -> bool {
    match better {
        Better::Lower => value <= target,
        _ => value >= target,
    }
}

/// Whether a value meets a target, read with the value's word: `Some(true)`
/// met, `Some(false)` missed, `None` when the word leaves it open. A bound
/// on the good side of the target settles it (超过40% meets 40%); a bound
/// that could still be on either side does not (超过30% against 40%); an
/// approximate value settles it only when it is not a tie.
pub fn verdict(better: Better, value: &Point, target: f64) -> Option<bool> {
    let v = value.value;
    // Seen from the better side: `Toward` is a bound that says "this good
    // or better", `Away` one that says "this good or worse".
    let (toward, away) = match better {
        Better::Lower => (Bound::AtMost, Bound::AtLeast),
        _ => (Bound::AtLeast, Bound::AtMost),
    };
    let met = meets(better, v, target);
    let tie = v == target;
    match value.qualifier.map(|q| q.bound()) {
        None => Some(met),
        Some(Bound::Approximately) if tie => None,
        Some(Bound::Approximately) => Some(met),
        Some(b) if b == toward => met.then_some(true),
        Some(b) if b == away && !met => Some(false),
        Some(_) => None,
    }
}

fn status(m: &Metric, target: &Target) -> Option<Status> {
    if m.better == Better::None {
        return None;
    }
    let Some(latest) = m.values.last() else {
        return Some(Status::NoData);
    };
    let met = verdict(m.better, latest, target.value);
    if met == Some(true) {
        return Some(Status::Achieved);
    }
    if end_month(latest.period) >= end_month(target.period) {
        // A closed target: missed, or not known when the value's word
        // leaves it open (约300 against 300).
        return Some(if met == Some(false) {
            Status::Behind
        } else {
            Status::NoData
        });
    }
    // Open target, not met yet: the straight line through the first and the
    // latest value, carried to the end of the target's period.
    let first = &m.values[0];
    let (t0, t1, tt) = (
        end_month(first.period),
        end_month(latest.period),
        end_month(target.period),
    );
    if m.values.len() < 2 || t1 <= t0 {
        return Some(Status::NoData);
    }
    let projected = latest.value + (latest.value - first.value) / (t1 - t0) * (tt - t1);
    Some(if meets(m.better, projected, target.value) {
        Status::OnTrack
    } else {
        Status::Behind
    })
}

/// The end of a period in months since year 0 (days as a fraction).
pub fn end_month(p: Period) -> f64 {
    let months = |y: u16, m: u8| f64::from(y) * 12.0 + f64::from(m);
    match p {
        Period::Year(y) => months(y, 12),
        Period::Half(y, h) => months(y, h * 6),
        Period::Quarter(y, q) => months(y, q * 3),
        Period::Month(y, m) => months(y, m),
        Period::Day(y, m, d) => months(y, m - 1) + f64::from(d) / 31.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(period: &str, raw: &str) -> Point {
        Point {
            period: Period::parse(period).unwrap(),
            value: raw.parse().unwrap(),
            raw: raw.into(),
            qualifier: None,
            note: None,
            source: None,
        }
    }

    fn target(period: &str, raw: &str) -> Target {
        Target {
            period: Period::parse(period).unwrap(),
            value: raw.parse().unwrap(),
            raw: raw.into(),
            qualifier: None,
            set_by: None,
            note: None,
        }
    }

    fn metric(
        better: Better,
        unit: &str,
        values: &[(&str, &str)],
        targets: &[(&str, &str)],
    ) -> Metric {
        Metric {
            unit: Some(unit.into()),
            better,
            values: values.iter().map(|(p, v)| pt(p, v)).collect(),
            targets: targets.iter().map(|(p, v)| target(p, v)).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn rising_series_on_track() {
        let m = metric(
            Better::Higher,
            "%",
            &[("2023", "7.1"), ("2024", "8.30")],
            &[("2025", "9")],
        );
        let d = derive(&m);
        assert!(d.trend);
        let c = d.change.unwrap();
        assert_eq!((c.abs.as_str(), c.unit.as_str()), ("+1.20", "个百分点"));
        assert_eq!((c.direction, c.good, c.rel), ("up", Some(true), None));
        assert_eq!(c.from_period, "2023");
        // 8.3 + 1.2 = 9.5 by 2025 ≥ 9.
        assert_eq!(d.status, Some(Status::OnTrack));
        assert_eq!(d.progress.unwrap().label, "92.2%");
    }

    #[test]
    fn falling_series_behind_and_relative_change() {
        let m = metric(
            Better::Higher,
            "家",
            &[("2024-Q1", "400"), ("2024-Q2", "300")],
            &[("2024", "1000")],
        );
        let d = derive(&m);
        let c = d.change.unwrap();
        assert_eq!((c.abs.as_str(), c.rel.as_deref()), ("-100", Some("-25%")));
        assert_eq!((c.direction, c.good), ("down", Some(false)));
        assert_eq!(d.status, Some(Status::Behind));
        assert_eq!(d.progress.unwrap().bar, 30.0);
    }

    #[test]
    fn better_lower_is_direction_aware() {
        let m = metric(
            Better::Lower,
            "吨",
            &[("2023", "120"), ("2024", "100")],
            &[("2026", "80")],
        );
        let d = derive(&m);
        assert_eq!(d.change.as_ref().unwrap().good, Some(true));
        // 100 - 20/year reaches 60 by 2026 ≤ 80.
        assert_eq!(d.status, Some(Status::OnTrack));
        assert_eq!(d.progress.unwrap().label, "80%");
        let done = metric(Better::Lower, "吨", &[("2024", "75")], &[("2025", "80")]);
        assert_eq!(derive(&done).status, Some(Status::Achieved));
        let missed = metric(Better::Lower, "吨", &[("2025", "85")], &[("2025", "80")]);
        let d = derive(&missed);
        assert_eq!(d.status, Some(Status::Behind));
        assert!(d.target_closed);
    }

    #[test]
    fn missing_data_guesses_nothing() {
        let only_target = metric(
            Better::Higher,
            "亿元",
            &[],
            &[("2025-Q1", "1100"), ("2025", "6000")],
        );
        let d = derive(&only_target);
        assert_eq!(d.status, Some(Status::NoData));
        assert!(d.progress.is_none() && d.change.is_none() && !d.trend);
        assert_eq!(current_target(&only_target).unwrap().raw, "1100");
        assert_eq!(d.targets.len(), 2);
        assert!(d.targets.iter().all(|t| t.status == Some(Status::NoData)));

        let one_point = metric(Better::Higher, "%", &[("2024", "20")], &[("2025", "30")]);
        let d = derive(&one_point);
        assert_eq!(d.status, Some(Status::NoData), "one point has no pace");
        assert!(d.change.is_none());
        assert_eq!(d.progress.unwrap().label, "66.7%");

        let no_target = metric(Better::Higher, "%", &[("2024", "20")], &[]);
        assert_eq!(derive(&no_target).status, None);
        let neutral = metric(Better::None, "次", &[("2024", "7")], &[("2025", "9")]);
        let d = derive(&neutral);
        assert!(d.status.is_none() && d.progress.is_none());
    }

    #[test]
    fn flat_change_and_target_choice() {
        let m = metric(
            Better::Higher,
            "%",
            &[("2024", "5.0"), ("2025", "5")],
            &[("2024", "4"), ("2025", "6"), ("2027", "8")],
        );
        let c = change(&m).unwrap();
        assert_eq!((c.direction, c.good), ("flat", None));
        assert_eq!(current_target(&m).unwrap().raw, "6");
        let d = derive(&m);
        assert_eq!(d.status, Some(Status::Behind));
        let each: Vec<_> = d.targets.iter().map(|t| t.status.unwrap()).collect();
        assert_eq!(each, [Status::Achieved, Status::Behind, Status::Behind]);
    }

    /// A metric whose latest value carries `word`.
    fn qualified(better: Better, value: (&str, &str), word: &str, target: (&str, &str)) -> Metric {
        let mut m = metric(better, "%", &[("2023", "1"), value], &[target]);
        m.values[1].qualifier = Qualifier::parse(word);
        assert!(m.values[1].qualifier.is_some(), "{word}");
        m
    }

    /// A qualified value against a target in one row: `better`, the value's
    /// period, number and word, the target's period and number, and the
    /// status it must (`true`) or must not (`false`) come out with.
    type Case = (
        Better,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        bool,
        Status,
    );

    fn check(cases: &[Case]) {
        for &(better, vp, vv, word, tp, tv, is, want) in cases {
            let status = derive(&qualified(better, (vp, vv), word, (tp, tv))).status;
            let row = format!("{better:?} {vv}{word} ({vp}) against {tv} ({tp})");
            assert_eq!(status == Some(want), is, "{row}: {status:?}");
        }
    }

    #[test]
    fn lower_bound_that_meets_the_target_is_achieved() {
        use Better::*;
        use Status::*;
        for word in ["超过", "突破", "以上", "余", "不低于"] {
            check(&[
                (Higher, "2024", "40", word, "2024", "40", true, Achieved),
                (Higher, "2024", "45", word, "2024", "40", true, Achieved),
            ]);
        }
        check(&[
            // 超过30% against 40%, the period over: could be either side.
            (Higher, "2024", "30", "超过", "2024", "40", true, NoData),
            // A lower bound above a ceiling has missed it.
            (Lower, "2024", "45", "超过", "2024", "40", true, Behind),
        ]);
    }

    #[test]
    fn approximate_value_is_never_achieved_on_a_tie() {
        use Better::*;
        use Status::*;
        check(&[
            (Higher, "2024", "300", "约", "2024", "300", true, NoData),
            (Higher, "2024", "300", "约", "2025", "300", false, Achieved),
            (Higher, "2024", "310", "约", "2024", "300", true, Achieved),
            (Higher, "2024", "290", "约", "2024", "300", true, Behind),
            (Lower, "2024", "80", "约", "2024", "80", true, NoData),
        ]);
    }

    #[test]
    fn upper_bound_meets_a_ceiling_but_never_a_floor() {
        use Better::*;
        use Status::*;
        check(&[
            // 接近12 (approaching: still below) against a floor of 12.
            (Higher, "2024", "12", "接近", "2024", "12", true, NoData),
            (Higher, "2024", "10", "接近", "2024", "12", true, Behind),
            (Higher, "2024", "20", "以下", "2024", "12", false, Achieved),
            (Lower, "2024", "5", "接近", "2024", "5", true, Achieved),
            (Lower, "2024", "5", "不超过", "2024", "5", true, Achieved),
            (Lower, "2024", "5", "以下", "2024", "5", true, Achieved),
            (Lower, "2024", "6", "不超过", "2024", "5", true, NoData),
        ]);
    }

    #[test]
    fn period_ends() {
        assert_eq!(
            end_month(Period::Year(2024)),
            end_month(Period::Quarter(2024, 4))
        );
        assert_eq!(
            end_month(Period::Half(2024, 1)),
            end_month(Period::Month(2024, 6))
        );
        assert!(end_month(Period::Day(2024, 6, 30)) < end_month(Period::Month(2024, 6)));
    }
}
