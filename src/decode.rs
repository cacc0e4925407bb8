//! A file's bytes to the text the pipeline reads: its encoding (UTF-8, a
//! byte-order mark, or GB18030 when the site says so), one kind of line
//! ending, and no control characters — each problem reported at its line.

use std::path::Path;

use encoding_rs::{DecoderResult, Encoding as RsEncoding, GB18030};
use serde::{Deserialize, Serialize};

use crate::diag::{Code, Diagnostic};

/// The encoding of files that are not UTF-8 (`encoding` in site.toml).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
pub enum Encoding {
    #[default]
    #[serde(rename = "utf-8", alias = "utf8", alias = "UTF-8")]
    Utf8,
    /// GB18030, which covers GBK and GB2312: Chinese text saved by older
    /// Windows programs.
    #[serde(
        rename = "gb18030",
        alias = "GB18030",
        alias = "gbk",
        alias = "GBK",
        alias = "gb2312",
        alias = "GB2312"
    )]
    Gb18030,
}

/// Text read from a file, with what was repaired on the way.
#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    pub warnings: Vec<Diagnostic>,
}

/// Decodes a file's bytes. `shown` is the path used in diagnostics.
pub fn decode(bytes: Vec<u8>, shown: &Path, encoding: Encoding) -> Result<Decoded, Diagnostic> {
    let text = match RsEncoding::for_bom(&bytes) {
        // A byte-order mark says what the file is, whatever the site says.
        Some((enc, bom_len)) => decode_strict(enc, &bytes[bom_len..], shown)?,
        None => match utf8(bytes) {
            Ok(text) => text,
            Err(bytes) => match encoding {
                Encoding::Gb18030 => decode_strict(GB18030, &bytes, shown)?,
                Encoding::Utf8 => return Err(not_utf8(&bytes, shown)),
            },
        },
    };
    let text = one_line_ending(text);
    let (text, warning) = replace_controls(text, shown);
    Ok(Decoded {
        text,
        warnings: warning.into_iter().collect(),
    })
}

/// The bytes as a string when they are UTF-8, else the bytes back. Checked
/// with SIMD instructions: several times faster than the standard check
/// over long Chinese texts, where every character is three bytes.
fn utf8(bytes: Vec<u8>) -> Result<String, Vec<u8>> {
    if simdutf8::basic::from_utf8(&bytes).is_err() {
        return Err(bytes);
    }
    // SAFETY: the bytes were just checked to be valid UTF-8.
    Ok(unsafe { String::from_utf8_unchecked(bytes) })
}

/// Decodes with `enc`, failing at the first byte sequence it cannot read.
fn decode_strict(
    enc: &'static RsEncoding,
    bytes: &[u8],
    shown: &Path,
) -> Result<String, Diagnostic> {
    let mut decoder = enc.new_decoder_without_bom_handling();
    let cap = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len() * 3 + 16);
    let mut out = String::with_capacity(cap);
    let (result, _read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
    match result {
        DecoderResult::InputEmpty => Ok(out),
        DecoderResult::Malformed(..) | DecoderResult::OutputFull => {
            let (line, col) = end_position(&out);
            Err(Diagnostic::error(
                Code::Encoding,
                format!("not valid {} at line {line}, column {col}", enc.name()),
            )
            .at_point(shown, line, col)
            .hint(format!(
                "the file is read as {} (site.toml `encoding`, or its byte-order mark); save it as UTF-8",
                enc.name()
            )))
        }
    }
}

/// The error for bytes that are not UTF-8: it says when they read as
/// GB18030 and how to go on.
fn not_utf8(bytes: &[u8], shown: &Path) -> Diagnostic {
    let valid = match std::str::from_utf8(bytes) {
        Ok(_) => bytes.len(),
        Err(e) => e.valid_up_to(),
    };
    let prefix = String::from_utf8_lossy(&bytes[..valid]);
    let (line, col) = end_position(&prefix);
    let file = shown.display();
    if looks_like_gb18030(bytes) {
        Diagnostic::error(
            Code::Encoding,
            format!("not UTF-8: the text reads as GB18030 (GBK/GB2312) Chinese from line {line}, column {col}"),
        )
        .at_point(shown, line, col)
        .hint(format!(
            "add `encoding = \"gb18030\"` to site.toml to read such files as they are, or convert this one: iconv -f GB18030 -t UTF-8 \"{file}\" > converted.md"
        ))
    } else {
        Diagnostic::error(
            Code::Encoding,
            format!("not valid UTF-8 at line {line}, column {col}"),
        )
        .at_point(shown, line, col)
        .hint("save the file as UTF-8; if it is Chinese text from an older system, `encoding = \"gb18030\"` in site.toml reads it")
    }
}

/// Whether the bytes decode as GB18030 without error into text with Chinese
/// characters and no control characters (random binary rarely does).
fn looks_like_gb18030(bytes: &[u8]) -> bool {
    let Some(text) = GB18030.decode_without_bom_handling_and_without_replacement(bytes) else {
        return false;
    };
    text.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
        && !text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// 1-based line and character column just after `text`.
fn end_position(text: &str) -> (usize, usize) {
    let line = text.matches('\n').count() + 1;
    let col = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// `\r\n` and a lone `\r` (old Mac files) become `\n`, so lines are counted
/// the same everywhere, whatever mix a file has.
fn one_line_ending(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Whether a character is a control character that has no place in text:
/// all but tab, line feed and form feed.
fn is_stray_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\u{c}')
}

/// Whether `bytes` hold a stray control character: a C0 control but tab,
/// line feed and form feed, DEL, or a C1 control (`0xC2 0x80..=0x9F`).
/// A coarse test over fixed-size chunks, which the compiler vectorises,
/// finds the chunks worth a closer look (`0xC2` also leads `·` and other
/// Latin-1 signs); most files are passed without decoding a character.
fn may_hold_controls(bytes: &[u8]) -> bool {
    const CHUNK: usize = 64;
    let coarse = |b: u8| (b < 0x20 && !matches!(b, b'\t' | b'\n' | 0x0c)) || b == 0x7f || b == 0xc2;
    let exact = |i: usize| {
        let b = bytes[i];
        (b != 0xc2 && coarse(b)) || (b == 0xc2 && matches!(bytes.get(i + 1), Some(0x80..=0x9f)))
    };
    bytes.chunks(CHUNK).enumerate().any(|(n, chunk)| {
        chunk.iter().fold(false, |any, &b| any | coarse(b))
            && (n * CHUNK..n * CHUNK + chunk.len()).any(exact)
    })
}

/// Replaces stray control characters (NUL, escape, C1 controls…) with U+FFFD
/// and warns once per file, at the first.
fn replace_controls(text: String, shown: &Path) -> (String, Option<Diagnostic>) {
    if !may_hold_controls(text.as_bytes()) {
        return (text, None);
    }
    let Some(first) = text.find(is_stray_control) else {
        return (text, None);
    };
    let count = text.chars().filter(|c| is_stray_control(*c)).count();
    let c = text[first..].chars().next().unwrap_or('\0');
    let (line, col) = end_position(&text[..first]);
    let more = match count {
        1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    let warning = Diagnostic::warning(
        Code::ControlChar,
        format!(
            "control character U+{:04X} in the text{more}; shown as �",
            c as u32
        ),
    )
    .at_point(shown, line, col)
    .hint("remove it: such characters usually come from a copy out of another program");
    let cleaned = text.replace(is_stray_control, "\u{FFFD}");
    (cleaned, Some(warning))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(bytes: &[u8], enc: Encoding) -> Result<Decoded, Diagnostic> {
        decode(bytes.to_vec(), Path::new("content/a.md"), enc)
    }

    #[test]
    fn bad_utf8_reports_line_and_column() {
        let e = run(b"line one\n\xe4\xb8\xadX\xff\n", Encoding::Utf8).unwrap_err();
        assert_eq!(e.code, "encoding");
        assert!(e.message.contains("line 2, column 3"), "{}", e.message);
    }

    #[test]
    fn gb18030_is_named_or_read() {
        let (gbk, _, _) = GB18030.encode("# 标题\n\n正文：数字经济。\n");
        let e = run(&gbk, Encoding::Utf8).unwrap_err();
        assert!(e.message.contains("GB18030"), "{}", e.message);
        assert!(e.hint.unwrap().contains("encoding = \"gb18030\""));
        let d = run(&gbk, Encoding::Gb18030).unwrap();
        assert_eq!(d.text, "# 标题\n\n正文：数字经济。\n");
        // UTF-8 files stay UTF-8 when the site reads GB18030.
        assert_eq!(
            run("中文".as_bytes(), Encoding::Gb18030).unwrap().text,
            "中文"
        );
    }

    #[test]
    fn control_test_finds_c0_del_and_c1_only() {
        assert!(!may_hold_controls(
            "正文·《法》\t第一条\n\u{c}".repeat(40).as_bytes()
        ));
        for c in ['\0', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}'] {
            let text = format!("{}{c}{}", "中".repeat(30), "·".repeat(30));
            assert!(may_hold_controls(text.as_bytes()), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn bom_line_endings_and_controls() {
        let d = run(b"\xef\xbb\xbfa\r\nb\rc\n", Encoding::Utf8).unwrap();
        assert_eq!(d.text, "a\nb\nc\n");
        assert!(d.warnings.is_empty());
        let d = run(b"\xff\xfea\x00\n\x00", Encoding::Utf8).unwrap();
        assert_eq!(d.text, "a\n");
        let d = run(b"ok\nx\x00y\x1b\n", Encoding::Utf8).unwrap();
        assert_eq!(d.text, "ok\nx\u{FFFD}y\u{FFFD}\n");
        let w = &d.warnings[0];
        assert_eq!(
            w.location,
            crate::diag::Location::Point {
                path: "content/a.md".into(),
                line: 2,
                column: 2
            }
        );
        assert!(
            w.message.contains("U+0000") && w.message.contains("1 more"),
            "{}",
            w.message
        );
    }
}
