//! Bit codes of the postings, written as base-64 text.
//!
//! Index files are scripts (they must load from `file://`), so binary data is
//! carried as text: six bits per character of [`DIGITS`], most significant
//! bit first, the last character padded with zeros. Numbers are Elias-gamma
//! codes (small counts) or exponential-Golomb codes whose order follows the
//! recent values of the same list (doc gaps, positions), so a list of large
//! gaps costs about the logarithm of each gap and no parameter is stored.
//! `themes/default/static/search.js` reads the same codes.

pub const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The order of the next exponential-Golomb code from a running mean: `sum`
/// holds about sixteen times the recent values.
#[derive(Debug, Clone, Copy)]
pub struct Adapt {
    sum: u32,
}

impl Adapt {
    pub fn new(typical: u32) -> Adapt {
        Adapt { sum: typical * 16 }
    }

    fn order(&self) -> u32 {
        let mean = (self.sum >> 4).max(1);
        31 - mean.leading_zeros()
    }

    fn see(&mut self, n: u32) {
        self.sum = self.sum - (self.sum >> 4) + n.min(1 << 26);
    }
}

/// Bits appended to base-64 text.
#[derive(Default, Debug, Clone)]
pub struct BitWriter {
    out: Vec<u8>,
    /// Bits not yet written, the last `len` of them (fewer than 48).
    acc: u64,
    len: u32,
}

impl BitWriter {
    #[inline]
    pub fn bit(&mut self, b: bool) {
        self.bits(u64::from(b), 1);
    }

    /// The low `n` bits of `v`, high first (`n` ≤ 58). Digits go out eight
    /// at a time: lists of millions of codes are written here.
    #[inline(always)]
    pub fn bits(&mut self, v: u64, n: u32) {
        if self.len + n > 64 {
            return self.bits_in_two(v, n);
        }
        self.acc = (self.acc << n) | (v & ((1u64 << n) - 1));
        self.len += n;
        if self.len >= 48 {
            self.flush();
        }
    }

    /// A long code after many pending bits, written in two parts. Out of
    /// line, as is [`BitWriter::flush`]: the common path stays a few
    /// instructions wherever it is inlined.
    #[cold]
    #[inline(never)]
    fn bits_in_two(&mut self, v: u64, n: u32) {
        self.bits(v >> 16, n - 16);
        self.bits(v & 0xFFFF, 16);
    }

    /// Writes the oldest 48 pending bits as eight digits.
    #[inline(never)]
    fn flush(&mut self) {
        self.len -= 48;
        let word = self.acc >> self.len;
        let mut digits = [0u8; 8];
        for (i, d) in digits.iter_mut().enumerate() {
            *d = DIGITS[((word >> (42 - 6 * i)) & 63) as usize];
        }
        self.out.extend_from_slice(&digits);
        self.acc &= (1u64 << self.len) - 1;
    }

    /// Elias gamma of `n` ≥ 1: as many zeros as bits after the first, then `n`.
    #[inline]
    pub fn gamma(&mut self, n: u32) {
        let width = 32 - n.leading_zeros();
        self.bits(0, width - 1);
        self.bits(u64::from(n), width);
    }

    /// Exponential-Golomb code of `n` ≥ 0 of the order `a` gives: the gamma
    /// code of `n >> k` + 1, then the low `k` bits of `n`.
    #[inline(always)]
    pub fn eg(&mut self, n: u32, a: &mut Adapt) {
        let k = a.order();
        let m = (n >> k) + 1;
        let width = 32 - m.leading_zeros();
        let low = u64::from(n) & ((1u64 << k) - 1);
        if 2 * width - 1 + k <= 58 {
            self.bits((u64::from(m) << k) | low, 2 * width - 1 + k);
        } else {
            self.gamma(m);
            self.bits(low, k);
        }
        a.see(n);
    }

    pub fn finish(mut self) -> String {
        // The last digit is padded with zeros.
        let pad = (6 - self.len % 6) % 6;
        self.acc <<= pad;
        self.len += pad;
        while self.len >= 6 {
            self.len -= 6;
            self.out
                .push(DIGITS[((self.acc >> self.len) & 63) as usize]);
        }
        String::from_utf8(self.out).expect("base-64 digits are ASCII")
    }
}

/// Reads what [`BitWriter`] wrote.
pub struct BitReader<'a> {
    text: &'a [u8],
    /// Next digit to load.
    next: usize,
    acc: u64,
    len: u32,
}

impl<'a> BitReader<'a> {
    pub fn new(text: &'a str) -> BitReader<'a> {
        BitReader {
            text: text.as_bytes(),
            next: 0,
            acc: 0,
            len: 0,
        }
    }

    /// Whether only padding is left: fewer than six bits, all zero (every
    /// list entry holds a one bit).
    pub fn at_end(&self) -> bool {
        let left = self.text.len().saturating_sub(self.next) * 6 + self.len as usize;
        left < 6 && self.acc == 0
    }

    fn fill(&mut self, n: u32) {
        while self.len < n {
            let d = self.text.get(self.next).map_or(0, |&c| digit(c));
            self.next += 1;
            self.acc = (self.acc << 6) | u64::from(d);
            self.len += 6;
        }
    }

    pub fn bit(&mut self) -> u32 {
        self.bits(1)
    }

    /// The next `n` bits (`n` ≤ 32).
    pub fn bits(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        self.fill(n);
        self.len -= n;
        let v = (self.acc >> self.len) & ((1u64 << n) - 1);
        self.acc &= (1u64 << self.len) - 1;
        v as u32
    }

    pub fn gamma(&mut self) -> u32 {
        let mut zeros = 0;
        while self.bit() == 0 && zeros < 32 {
            zeros += 1;
        }
        (1u32.checked_shl(zeros).unwrap_or(0)) | self.bits(zeros)
    }

    pub fn eg(&mut self, a: &mut Adapt) -> u32 {
        let k = a.order();
        let n = ((self.gamma() - 1) << k) | self.bits(k);
        a.see(n);
        n
    }
}

fn digit(c: u8) -> u32 {
    (match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    }) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_of_every_width_after_any_pending_count_come_out_in_order() {
        // Every width 0..=58 after every pending count 0..48, against a
        // string of '0' and '1' cut into six-bit digits.
        let mut w = BitWriter::default();
        let mut naive = String::new();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for pending in 0..48u32 {
            for n in 0..=58u32 {
                w.bits(0, pending);
                naive.extend((0..pending).map(|_| '0'));
                x = x.rotate_left(17).wrapping_mul(0x2545_F491_4F6C_DD1D);
                w.bits(x, n);
                naive.extend(
                    (0..n)
                        .rev()
                        .map(|i| if x >> i & 1 == 1 { '1' } else { '0' }),
                );
            }
        }
        while !naive.len().is_multiple_of(6) {
            naive.push('0');
        }
        let expected: String = naive
            .as_bytes()
            .chunks(6)
            .map(|c| {
                DIGITS[usize::from_str_radix(std::str::from_utf8(c).unwrap(), 2).unwrap()] as char
            })
            .collect();
        assert_eq!(w.finish(), expected);
    }

    #[test]
    fn codes_round_trip() {
        let values = [0u32, 1, 2, 3, 7, 31, 32, 500, 4_000, 70_000, 3_000_000];
        let mut w = BitWriter::default();
        let mut a = Adapt::new(64);
        for &v in &values {
            w.gamma(v + 1);
            w.eg(v, &mut a);
            w.bit(v % 2 == 1);
        }
        let text = w.finish();
        let mut r = BitReader::new(&text);
        let mut a = Adapt::new(64);
        for &v in &values {
            assert_eq!(r.gamma(), v + 1);
            assert_eq!(r.eg(&mut a), v);
            assert_eq!(r.bit(), v % 2);
        }
    }

    #[test]
    fn gamma_of_one_is_one_bit_and_text_is_base64() {
        let mut w = BitWriter::default();
        for _ in 0..6 {
            w.gamma(1);
        }
        assert_eq!(w.finish(), "/");
        let mut w = BitWriter::default();
        w.gamma(2); // 010
        assert_eq!(w.finish(), "Q"); // 010000
    }
}
