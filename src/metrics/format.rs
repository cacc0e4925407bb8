//! Numbers for Chinese readers: 万 / 亿 / 万亿 scaling where the unit is a
//! counted quantity, thousands separators from five integer digits, signs on
//! changes, percentages.
//!
//! Numbers are handled as decimal text, so a value keeps the precision it was
//! written with (53.32 stays 53.32) and scaling by 10⁴ moves the decimal point
//! without rounding (15000 亿元 is 1.5 万亿元, 12345 亿元 is 1.2345 万亿元).

/// Scale prefixes, by power of ten, largest first.
const PREFIXES: [(u32, &str); 3] = [(12, "万亿"), (8, "亿"), (4, "万")];

/// Units that take a 万/亿/万亿 prefix. A unit outside this list (`%`,
/// `个百分点`, `个月`, `次`) is never rescaled.
const SCALABLE: &[&str] = &[
    "元",
    "美元",
    "人",
    "人次",
    "户",
    "家",
    "个",
    "项",
    "辆",
    "台",
    "吨",
    "件",
    "套",
    "座",
    "千瓦",
    "千瓦时",
    "平方米",
    "亩",
    "册",
    "部",
];

/// How a number is shown.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// Put `+` before a positive number (for changes).
    pub sign: bool,
    /// Round to this many decimals; `None` keeps what was written.
    pub decimals: Option<usize>,
}

/// A formatted number and the unit it now carries (rescaling may change it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Formatted {
    pub number: String,
    pub unit: String,
}

impl Formatted {
    pub fn text(&self) -> String {
        format!("{}{}", self.number, self.unit)
    }
}

/// A decimal number as text: sign, integer digits, fraction digits.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Decimal {
    negative: bool,
    int: String,
    frac: String,
}

impl Decimal {
    fn parse(s: &str) -> Option<Decimal> {
        let s = s.trim();
        let (negative, s) = match s.strip_prefix(['-', '−']) {
            Some(r) => (true, r),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
            return None;
        }
        let int = int.trim_start_matches('0');
        Some(Decimal {
            negative,
            int: if int.is_empty() {
                "0".into()
            } else {
                int.into()
            },
            frac: frac.into(),
        })
    }

    /// From a computed number: at most `decimals` places, trailing zeros dropped.
    fn from_f64(v: f64, decimals: usize) -> Decimal {
        let s = format!("{:.*}", decimals, v);
        let mut d = Decimal::parse(&s).unwrap_or(Decimal {
            negative: false,
            int: "0".into(),
            frac: String::new(),
        });
        d.frac.truncate(d.frac.trim_end_matches('0').len());
        d
    }

    fn is_zero(&self) -> bool {
        self.int == "0" && self.frac.bytes().all(|b| b == b'0')
    }

    /// Divides by 10^n by moving the decimal point.
    fn shift_left(&mut self, n: usize) {
        let mut int = std::mem::take(&mut self.int);
        if int.len() <= n {
            int = format!("{}{int}", "0".repeat(n + 1 - int.len()));
        }
        let split = int.len() - n;
        let frac = format!("{}{}", &int[split..], self.frac);
        self.int = int[..split].trim_start_matches('0').to_string();
        if self.int.is_empty() {
            self.int = "0".into();
        }
        self.frac = frac.trim_end_matches('0').to_string();
    }

    /// Rounds half away from zero to `n` decimals (pads with zeros).
    fn round(&mut self, n: usize) {
        if self.frac.len() <= n {
            self.frac.push_str(&"0".repeat(n - self.frac.len()));
            return;
        }
        let up = self.frac.as_bytes()[n] >= b'5';
        let mut digits: Vec<u8> = format!("{}{}", self.int, &self.frac[..n]).into_bytes();
        if up {
            let mut i = digits.len();
            loop {
                if i == 0 {
                    digits.insert(0, b'1');
                    break;
                }
                i -= 1;
                if digits[i] == b'9' {
                    digits[i] = b'0';
                } else {
                    digits[i] += 1;
                    break;
                }
            }
        }
        let s = String::from_utf8(digits).unwrap_or_default();
        let split = s.len() - n;
        self.int = s[..split].trim_start_matches('0').to_string();
        if self.int.is_empty() {
            self.int = "0".into();
        }
        self.frac = s[split..].to_string();
    }
}

/// Splits `万亿元` into (12, "元"); a unit without a known base has no scale.
fn split_unit(unit: &str) -> Option<(u32, &str)> {
    for (exp, prefix) in PREFIXES {
        if let Some(base) = unit.strip_prefix(prefix)
            && SCALABLE.contains(&base)
        {
            return Some((exp, base));
        }
    }
    SCALABLE.contains(&unit).then_some((0, unit))
}

/// `12345678` -> `12,345,678`; four digits and fewer stay as they are.
fn group_thousands(int: &str) -> String {
    if int.len() <= 4 {
        return int.to_string();
    }
    let mut out = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Formats a number written as text. Text that is not a plain decimal
/// (`1e5`, `约6000`) comes back unchanged.
pub fn format(raw: &str, unit: &str, style: Style) -> Formatted {
    let Some(d) = Decimal::parse(raw) else {
        return Formatted {
            number: raw.trim().to_string(),
            unit: unit.to_string(),
        };
    };
    format_decimal(d, unit, style)
}

/// Formats a computed number; without `decimals`, at most 2 places are shown.
pub fn format_f64(v: f64, unit: &str, style: Style) -> Formatted {
    let d = Decimal::from_f64(v, style.decimals.unwrap_or(2));
    format_decimal(d, unit, style)
}

fn format_decimal(mut d: Decimal, unit: &str, style: Style) -> Formatted {
    let mut unit_out = unit.to_string();
    if let Some((mut exp, base)) = split_unit(unit) {
        // Move up a scale while the integer part has five or more digits.
        while d.int.len() > 4 && exp < 12 {
            d.shift_left(4);
            exp += 4;
        }
        let prefix = PREFIXES
            .iter()
            .find(|(e, _)| *e == exp)
            .map(|(_, p)| *p)
            .unwrap_or("");
        unit_out = format!("{prefix}{base}");
    }
    if let Some(n) = style.decimals {
        d.round(n);
    }
    let sign = if d.negative && !d.is_zero() {
        "-"
    } else if style.sign && !d.is_zero() {
        "+"
    } else {
        ""
    };
    let mut number = format!("{sign}{}", group_thousands(&d.int));
    if !d.frac.is_empty() {
        number.push('.');
        number.push_str(&d.frac);
    }
    Formatted {
        number,
        unit: unit_out,
    }
}

/// A ratio as a percentage: 0.5834 -> `58.3%` (one decimal unless told).
pub fn percent(ratio: f64, decimals: Option<usize>) -> String {
    let d = Decimal::from_f64(ratio * 100.0, decimals.unwrap_or(1));
    format_decimal(d, "%", Style::default()).text()
}

/// The number of decimals written in `raw` (for computed figures that
/// should not claim more precision than their inputs).
pub fn decimals_of(raw: &str) -> usize {
    raw.trim()
        .split_once('.')
        .map(|(_, f)| f.len())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(raw: &str, unit: &str) -> String {
        format(raw, unit, Style::default()).text()
    }

    #[test]
    fn keeps_precision_as_written() {
        assert_eq!(f("53.32", "%"), "53.32%");
        assert_eq!(f("8.30", "%"), "8.30%");
        assert_eq!(f("4.1", "万亿元"), "4.1万亿元");
        assert_eq!(f("0.5", "个百分点"), "0.5个百分点");
    }

    #[test]
    fn scales_counted_units_by_ten_thousands() {
        assert_eq!(f("6000", "亿元"), "6000亿元");
        assert_eq!(f("15000", "亿元"), "1.5万亿元");
        assert_eq!(f("12345", "亿元"), "1.2345万亿元");
        assert_eq!(f("120000", "元"), "12万元");
        assert_eq!(f("412000000", "元"), "4.12亿元");
        assert_eq!(f("30000", "个"), "3万个");
        assert_eq!(f("25000", "万家"), "2.5亿家");
        // The largest prefix is 万亿; beyond it digits are grouped.
        assert_eq!(f("123456", "万亿元"), "123,456万亿元");
    }

    #[test]
    fn groups_thousands_from_five_digits() {
        assert_eq!(f("3000", "项"), "3000项");
        assert_eq!(f("12345", "次"), "12,345次");
        assert_eq!(f("1234567.5", ""), "1,234,567.5");
        assert_eq!(f("-45000", "个月"), "-45,000个月");
    }

    #[test]
    fn signs_and_rounding() {
        let signed = Style {
            sign: true,
            decimals: None,
        };
        assert_eq!(format("2.5", "个百分点", signed).text(), "+2.5个百分点");
        assert_eq!(format("-1.2", "%", signed).text(), "-1.2%");
        assert_eq!(format("0", "%", signed).text(), "0%");
        let two = Style {
            sign: false,
            decimals: Some(2),
        };
        assert_eq!(format("2.675", "", two).number, "2.68");
        assert_eq!(format("9.999", "", two).number, "10.00");
        assert_eq!(format("-0.004", "", two).number, "0.00");
        assert_eq!(format_f64(8.3 - 5.8, "", Style::default()).number, "2.5");
        assert_eq!(format_f64(1.0 / 3.0, "", Style::default()).number, "0.33");
    }

    #[test]
    fn percentages_and_odd_text() {
        assert_eq!(percent(0.5834, None), "58.3%");
        assert_eq!(percent(1.0, None), "100%");
        assert_eq!(percent(0.12346, Some(2)), "12.35%");
        assert_eq!(f("约6000", "亿元"), "约6000亿元");
        assert_eq!(f("1e5", ""), "1e5");
        assert_eq!(decimals_of("8.30"), 2);
        assert_eq!(decimals_of("12"), 0);
    }
}
