//! Periods (`2024`, `2025-Q1`, `2024-H2`, `2024-05`, `2024-05-14`) and dates.
//!
//! Periods are totally ordered by when they start, then by length (a year sorts
//! before its first quarter, which sorts before its first month), so a mixed
//! series still has one order.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Year(u16),
    Half(u16, u8),
    Quarter(u16, u8),
    Month(u16, u8),
    Day(u16, u8, u8),
}

/// What the error message shows after a bad period.
pub const PERIOD_FORMS: &str = "YYYY, YYYY-Qn, YYYY-Hn, YYYY-MM or YYYY-MM-DD";
/// What the error message shows after a bad date.
pub const DATE_FORMS: &str = "YYYY, YYYY-MM or YYYY-MM-DD";

impl Period {
    /// Parses a period in one of the [`PERIOD_FORMS`].
    pub fn parse(s: &str) -> Option<Period> {
        let s = s.trim();
        let (year, rest) = match s.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (s, None),
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let y: u16 = year.parse().ok()?;
        let Some(rest) = rest else {
            return Some(Period::Year(y));
        };
        let two = |t: &str| {
            (t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit()))
                .then(|| t.parse::<u8>().ok())
                .flatten()
        };
        if let Some(q) = rest.strip_prefix(['Q', 'q']) {
            let q: u8 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
            return (q.to_string().len() == rest.len() - 1).then_some(Period::Quarter(y, q));
        }
        if let Some(h) = rest.strip_prefix(['H', 'h']) {
            let h: u8 = h.parse().ok().filter(|h| (1..=2).contains(h))?;
            return (rest.len() == 2).then_some(Period::Half(y, h));
        }
        match rest.split_once('-') {
            None => two(rest)
                .filter(|m| (1..=12).contains(m))
                .map(|m| Period::Month(y, m)),
            Some((m, d)) => {
                let m = two(m).filter(|m| (1..=12).contains(m))?;
                let d = two(d).filter(|d| *d >= 1 && *d <= days_in_month(y, m))?;
                Some(Period::Day(y, m, d))
            }
        }
    }

    /// Parses a date (a year, month or day — no quarters or halves).
    pub fn parse_date(s: &str) -> Option<Period> {
        Period::parse(s).filter(|p| !matches!(p, Period::Half(..) | Period::Quarter(..)))
    }

    /// (year, first month, first day, length rank): the sort key.
    fn key(&self) -> (u16, u8, u8, u8) {
        match *self {
            Period::Year(y) => (y, 1, 1, 0),
            Period::Half(y, h) => (y, (h - 1) * 6 + 1, 1, 1),
            Period::Quarter(y, q) => (y, (q - 1) * 3 + 1, 1, 2),
            Period::Month(y, m) => (y, m, 1, 3),
            Period::Day(y, m, d) => (y, m, d, 4),
        }
    }

    /// The period written the Chinese way: 2025年, 2025年一季度, 2024年5月.
    pub fn display_zh(&self) -> String {
        const Q: [&str; 4] = ["一", "二", "三", "四"];
        match *self {
            Period::Year(y) => format!("{y}年"),
            Period::Half(y, h) => format!("{y}年{}半年", if h == 1 { "上" } else { "下" }),
            Period::Quarter(y, q) => format!("{y}年{}季度", Q[q as usize - 1]),
            Period::Month(y, m) => format!("{y}年{m}月"),
            Period::Day(y, m, d) => format!("{y}年{m}月{d}日"),
        }
    }
}

impl Ord for Period {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Years are written with four digits (`0140`), so the text parses back.
impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Year(y) => write!(f, "{y:04}"),
            Period::Half(y, h) => write!(f, "{y:04}-H{h}"),
            Period::Quarter(y, q) => write!(f, "{y:04}-Q{q}"),
            Period::Month(y, m) => write!(f, "{y:04}-{m:02}"),
            Period::Day(y, m, d) => write!(f, "{y:04}-{m:02}-{d:02}"),
        }
    }
}

fn days_in_month(y: u16, m: u8) -> u8 {
    match m {
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A validity period such as `2023-2025`; editors also write `2023—2025`.
pub fn normalize_range(s: &str) -> Option<(u16, u16)> {
    let s = s.trim().trim_end_matches('年');
    let (a, b) = s.split_once(['-', '—', '–', '~', '至'])?;
    let a: u16 = a.trim().trim_end_matches('年').parse().ok()?;
    let b: u16 = b.trim().trim_end_matches('年').parse().ok()?;
    (a <= b && a >= 1000).then_some((a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        assert_eq!(Period::parse("2024"), Some(Period::Year(2024)));
        assert_eq!(Period::parse("2025-Q1"), Some(Period::Quarter(2025, 1)));
        assert_eq!(Period::parse("2024-H2"), Some(Period::Half(2024, 2)));
        assert_eq!(Period::parse("2024-05"), Some(Period::Month(2024, 5)));
        assert_eq!(Period::parse("2024-02-29"), Some(Period::Day(2024, 2, 29)));
        for bad in [
            "24",
            "2024-Q5",
            "2024-13",
            "2023-02-29",
            "2024-5",
            "2024-Q12",
            "2024-H3",
            "abcd",
            "2024-05-1",
        ] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
        assert_eq!(Period::parse_date("2025-Q1"), None);
    }

    #[test]
    fn total_order() {
        let mut ps: Vec<Period> = [
            "2025-02",
            "2025-Q1",
            "2024",
            "2025",
            "2024-H2",
            "2025-01-15",
            "2024-Q4",
        ]
        .iter()
        .map(|s| Period::parse(s).unwrap())
        .collect();
        ps.sort();
        let shown: Vec<String> = ps.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            shown,
            [
                "2024",
                "2024-H2",
                "2024-Q4",
                "2025",
                "2025-Q1",
                "2025-01-15",
                "2025-02"
            ]
        );
    }

    #[test]
    fn round_trips_and_displays() {
        for s in ["2024", "2025-Q1", "2024-H2", "2024-05", "2024-05-14"] {
            assert_eq!(Period::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(
            Period::parse("2025-Q1").unwrap().display_zh(),
            "2025年一季度"
        );
    }

    #[test]
    fn ranges_accept_dashes() {
        assert_eq!(normalize_range("2023—2025"), Some((2023, 2025)));
        assert_eq!(normalize_range("2024-2027年"), Some((2024, 2027)));
        assert_eq!(normalize_range("2025-2023"), None);
    }

    /// Every period of a few years, leap day included.
    fn all_periods() -> Vec<Period> {
        let mut out = Vec::new();
        for y in [1999u16, 2000, 2024, 2025] {
            out.push(Period::Year(y));
            out.extend((1..=2).map(|h| Period::Half(y, h)));
            out.extend((1..=4).map(|q| Period::Quarter(y, q)));
            for m in 1..=12 {
                out.push(Period::Month(y, m));
                out.extend((1..=days_in_month(y, m)).map(|d| Period::Day(y, m, d)));
            }
        }
        out
    }

    #[test]
    fn every_period_round_trips_and_orders_by_start_then_length() {
        let all = all_periods();
        for p in &all {
            assert_eq!(Period::parse(&p.to_string()), Some(*p), "{p}");
        }
        // Total order: antisymmetric, consistent with equality and with
        // (start, length); sorting twice from different orders agrees.
        let start = |p: &Period| {
            let (y, m, d, rank) = p.key();
            ((y, m, d), rank)
        };
        for a in all.iter().step_by(7) {
            for b in all.iter().step_by(5) {
                assert_eq!(a.cmp(b), start(a).cmp(&start(b)), "{a} vs {b}");
                assert_eq!(a.cmp(b), b.cmp(a).reverse());
                assert_eq!(a == b, a.to_string() == b.to_string());
            }
        }
        let mut forward = all.clone();
        let mut backward: Vec<Period> = all.iter().rev().copied().collect();
        forward.sort();
        backward.sort();
        assert_eq!(forward, backward);
        assert!(
            forward.windows(2).all(|w| w[0] < w[1]),
            "no two periods are equal"
        );
    }

    #[test]
    fn arbitrary_text_never_panics_and_what_parses_round_trips() {
        // A fixed linear congruential generator: reproducible "random" input.
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let alphabet: Vec<char> = "0123456789-QHqh年 x".chars().collect();
        for _ in 0..20_000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = (seed >> 60) as usize;
            let text: String = (0..len)
                .map(|i| alphabet[((seed >> (i * 4 % 56)) as usize) % alphabet.len()])
                .collect();
            if let Some(p) = Period::parse(&text) {
                assert_eq!(Period::parse(&p.to_string()), Some(p), "{text:?}");
            }
        }
    }
}
