//! Bit codes of the postings, written as text.
//!
//! Index files are scripts (they must load from `file://`), so binary data is
//! carried as text: every thirteen bits, most significant first, as two
//! characters of the 91 of [`ALPHABET`] (91² ≥ 2¹³: 6.5 bits a character,
//! where base 64 carries 6). The last bits, padded with zeros, are a pair
//! when more than six are left, otherwise one character of the first 64
//! (six bits), so a list of a few bits costs what base 64 would. Numbers are
//! Elias-gamma codes (small counts) or exponential-Golomb codes whose order
//! follows the recent values of the same list (doc gaps, positions), so a
//! list of large gaps costs about the logarithm of each gap and no parameter
//! is stored. `themes/default/static/search.js` reads the same codes.

/// Base-64 digits: the first 64 characters of [`ALPHABET`], and the digits
/// of the variable-length numbers of `meta.js` and `facets.js`.
pub const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The characters of bit strings: printable ASCII but the space, the quotes
/// and the backslash, so a list is a JSON string as it is.
pub const ALPHABET: &[u8; 91] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/!#$%&()*,-.:;<=>?@[]^_`{|}~";

/// Bits a pair of characters carries.
const PAIR: u32 = 13;

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

/// Bits appended, kept as bytes while they grow and made text, thirteen
/// bits to two characters, when finished ([`BitWriter::finish`]): a build
/// holds every list of the site at once, and eight bits a byte take a
/// fifth less memory than 6.5 a character.
#[derive(Default, Debug, Clone)]
pub struct BitWriter {
    out: Vec<u8>,
    /// Bits not yet written, the last `len` of them (fewer than 52).
    acc: u64,
    len: u32,
}

/// Bits kept pending before six bytes go out: a list of fewer needs no
/// bytes of its own (most tokens are on a page or two).
const PENDING: u32 = 52;

impl BitWriter {
    #[inline]
    pub fn bit(&mut self, b: bool) {
        self.bits(u64::from(b), 1);
    }

    /// The low `n` bits of `v`, high first (`n` ≤ 58). Bytes go out six
    /// at a time: lists of millions of codes are written here.
    #[inline(always)]
    pub fn bits(&mut self, v: u64, n: u32) {
        if self.len + n > 64 {
            return self.bits_in_two(v, n);
        }
        self.acc = (self.acc << n) | (v & ((1u64 << n) - 1));
        self.len += n;
        if self.len >= PENDING {
            self.flush();
        }
    }

    /// A long code after many pending bits, written in two halves. Out of
    /// line, as is [`BitWriter::flush`]: the common path stays a few
    /// instructions wherever it is inlined.
    #[cold]
    #[inline(never)]
    fn bits_in_two(&mut self, v: u64, n: u32) {
        let high = n / 2;
        self.bits(v >> (n - high), high);
        self.bits(v, n - high);
    }

    /// Writes the oldest 48 pending bits as six bytes. The bytes grow by
    /// half when full, not twice: the lists' room is most of what a
    /// large build holds at the end of its postings.
    #[inline(never)]
    fn flush(&mut self) {
        self.len -= 48;
        let word = self.acc >> self.len;
        if self.out.capacity() - self.out.len() < 6 {
            self.out.reserve_exact((self.out.len() / 2).max(12));
        }
        self.out.extend_from_slice(&word.to_be_bytes()[2..]);
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

    /// A writer that goes on from bytes written and bits pending (fewer
    /// than 52), as [`BitWriter::into_parts`] gave them.
    pub fn resume(out: Vec<u8>, acc: u64, len: u32) -> BitWriter {
        BitWriter { out, acc, len }
    }

    /// The bytes written, and the bits pending and how many (fewer than 52).
    pub fn into_parts(self) -> (Vec<u8>, u64, u32) {
        (self.out, self.acc, self.len)
    }

    /// Characters [`BitWriter::finish`] makes of `bytes` written and
    /// `pending` bits.
    pub fn text_len(bytes: usize, pending: u32) -> usize {
        let bits = bytes as u64 * 8 + u64::from(pending);
        let rest = match bits % u64::from(PAIR) {
            0 => 0,
            1..=6 => 1,
            _ => 2,
        };
        (bits / u64::from(PAIR) * 2 + rest) as usize
    }

    /// The bits as text: each thirteen as a pair of characters, the last
    /// few, padded with zeros, as one character (six or fewer) or a pair.
    pub fn finish(self) -> String {
        let mut text = Vec::with_capacity(Self::text_len(self.out.len(), self.len));
        Self::push_text(&mut text, &self.out, self.acc, self.len);
        String::from_utf8(text).expect("the alphabet is ASCII")
    }

    /// Appends to `out` the text [`BitWriter::finish`] makes of `bytes`
    /// written and the last `len` bits of `acc` pending, as
    /// [`BitWriter::into_parts`] gave them.
    pub fn push_text(out: &mut Vec<u8>, bytes: &[u8], acc: u64, len: u32) {
        // Bits read and not yet written: the last `k` of `bits`, fewer
        // than thirteen between bytes.
        let (mut bits, mut k) = (0u64, 0u32);
        let mut put = |v: u64, n: u32, out: &mut Vec<u8>| {
            bits = (bits << n) | v;
            k += n;
            while k >= PAIR {
                k -= PAIR;
                put_pair(out, (bits >> k) as u32 & 0x1FFF);
            }
            bits &= (1u64 << k) - 1;
        };
        for &byte in bytes {
            put(u64::from(byte), 8, out);
        }
        put(acc, len, out);
        let rest = bits as u32;
        match k {
            0 => {}
            1..=6 => out.push(ALPHABET[(rest << (6 - k)) as usize]),
            _ => put_pair(out, rest << (PAIR - k)),
        }
    }
}

/// Thirteen bits as two characters.
#[inline(always)]
fn put_pair(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&[ALPHABET[(v / 91) as usize], ALPHABET[(v % 91) as usize]]);
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

    /// Whether only padding is left: every character read and the bits
    /// pending all zero (padding lies in the last pair or character, and
    /// every list entry holds a one bit).
    pub fn at_end(&self) -> bool {
        self.next >= self.text.len() && self.acc == 0
    }

    fn fill(&mut self, n: u32) {
        // Pairs up to the last even place; an odd length ends in one
        // six-bit character. Past the end, zeros.
        let pairs_end = self.text.len() & !1;
        while self.len < n {
            let (v, bits) = if self.next < pairs_end {
                let v = digit(self.text[self.next]) * 91 + digit(self.text[self.next + 1]);
                self.next += 2;
                (v, PAIR)
            } else {
                let v = self.text.get(self.next).map_or(0, |&c| digit(c));
                self.next += 1;
                (v, 6)
            };
            self.acc = (self.acc << bits) | u64::from(v);
            self.len += bits;
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

/// A character's place in [`ALPHABET`] (0 for any other byte).
fn digit(c: u8) -> u32 {
    u32::from(DIGIT_OF[usize::from(c & 0x7F)])
}

const DIGIT_OF: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut i = 0;
    while i < ALPHABET.len() {
        t[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_of_every_width_after_any_pending_count_come_out_in_order() {
        // Every width 0..=58 after every pending count 0..52, against a
        // string of '0' and '1' cut into thirteen-bit pairs by hand.
        let mut naive = String::new();
        let mut w = BitWriter::default();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for pending in 0..52u32 {
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
        assert_eq!(w.finish(), by_hand(&naive));
    }

    /// Bits given as '0' and '1' as the codec's text, written the slow way.
    fn by_hand(bits: &str) -> String {
        let value = |b: &str| u32::from_str_radix(b, 2).unwrap() as usize;
        let mut out = String::new();
        let mut rest = bits;
        while rest.len() >= 13 {
            let v = value(&rest[..13]);
            out.push(ALPHABET[v / 91] as char);
            out.push(ALPHABET[v % 91] as char);
            rest = &rest[13..];
        }
        if !rest.is_empty() {
            let width = if rest.len() <= 6 { 6 } else { 13 };
            let v = value(&format!("{rest:0<width$}"));
            if width == 6 {
                out.push(ALPHABET[v] as char);
            } else {
                out.push(ALPHABET[v / 91] as char);
                out.push(ALPHABET[v % 91] as char);
            }
        }
        out
    }

    #[test]
    fn every_length_of_bits_reads_back_to_its_end() {
        // Lists of n two-bit entries ("1" then a bit, as a page list's
        // shortest entry): the reader stops after the last, whatever
        // padding the length leaves.
        for n in 0..40u32 {
            let mut w = BitWriter::default();
            for i in 0..n {
                w.bit(true);
                w.bit(i % 3 == 0);
            }
            let text = w.finish();
            let mut r = BitReader::new(&text);
            let mut got = 0;
            while !r.at_end() {
                assert_eq!(r.bit(), 1, "{n} entries: {text}");
                assert_eq!(r.bit() == 1, got % 3 == 0);
                got += 1;
            }
            assert_eq!(got, n, "{text}");
        }
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
    fn the_length_of_a_finished_text_is_known_before() {
        for n in 0..200u32 {
            let mut w = BitWriter::default();
            for i in 0..n {
                w.bit(i % 5 == 0);
            }
            let (out, acc, len) = w.into_parts();
            let known = BitWriter::text_len(out.len(), len);
            assert_eq!(
                BitWriter::resume(out, acc, len).finish().len(),
                known,
                "{n} bits"
            );
        }
    }

    #[test]
    fn a_few_bits_are_one_base64_digit() {
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
