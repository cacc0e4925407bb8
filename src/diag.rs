//! Diagnostics: collected beside the data, never thrown.
//!
//! Every stage pushes into a [`Diagnostics`]; the build goes on as far as it can
//! and the severity of what was collected decides the exit code.

use std::path::PathBuf;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::term;

use crate::source::{SourceId, Sources, Span};

mod code;
pub use code::Code;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Where a diagnostic points: a span in a read file, or only a path (a file
/// that could not be read as text has no span).
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    Span(Span),
    Path(PathBuf),
    /// A position in a file that could not be kept as text (bad UTF-8).
    Point {
        path: PathBuf,
        line: usize,
        column: usize,
    },
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    pub location: Location,
    /// Short label shown under the caret.
    pub label: Option<String>,
    /// What the editor should probably do.
    pub hint: Option<String>,
    /// Secondary places, e.g. the other file of a duplicate id.
    pub notes: Vec<(Span, String)>,
}

impl Diagnostic {
    /// Whether it points into `file`, where it is or in a note.
    pub fn touches(&self, file: SourceId) -> bool {
        matches!(self.location, Location::Span(s) if s.file == file)
            || self.notes.iter().any(|(s, _)| s.file == file)
    }

    pub fn error(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            location: Location::None,
            label: None,
            hint: None,
            notes: Vec::new(),
        }
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn at(mut self, span: Span) -> Self {
        self.location = Location::Span(span);
        self
    }

    pub fn in_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.location = Location::Path(path.into());
        self
    }

    pub fn at_point(mut self, path: impl Into<PathBuf>, line: usize, column: usize) -> Self {
        self.location = Location::Point {
            path: path.into(),
            line,
            column,
        };
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn maybe_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint.or(self.hint);
        self
    }

    pub fn note(mut self, span: Span, message: impl Into<String>) -> Self {
        self.notes.push((span, message.into()));
        self
    }

    pub fn span(&self) -> Option<Span> {
        match self.location {
            Location::Span(s) => Some(s),
            _ => None,
        }
    }
}

/// The diagnostics of one run.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }

    fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// `--strict`: every warning becomes an error.
    pub fn promote_warnings(&mut self) {
        for d in &mut self.items {
            d.severity = Severity::Error;
        }
    }

    /// Stable order for output: by file, then position, errors before warnings.
    pub fn sort(&mut self, sources: &Sources) {
        self.items.sort_by_cached_key(|d| {
            let (path, start) = match &d.location {
                Location::Span(s) => (sources.path(s.file).to_path_buf(), s.start),
                Location::Path(p) => (p.clone(), 0),
                Location::Point { path, line, .. } => (path.clone(), *line as u32),
                Location::None => (PathBuf::new(), 0),
            };
            (path, start, d.severity)
        });
        self.items.dedup();
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

/// A warning repeated word for word (the same unknown key in thousands of
/// generated files) is shown in full this many times, then summarised.
const REPEATS_SHOWN: usize = 3;
/// Files named in the summary of a repeated warning.
const REPEAT_FILES_NAMED: usize = 3;

/// Renders diagnostics for a terminal: each with file:line:col, the source line,
/// a caret and the hint, then a summary line. A warning repeated word for
/// word is shown [`REPEATS_SHOWN`] times, then as one line with a count.
pub fn render_human(sources: &Sources, diags: &Diagnostics, color: bool) -> String {
    let config = term::Config::default();
    let mut out = String::new();
    let mut emit = |cs: &CsDiagnostic<SourceId>| {
        if color {
            let mut buf = term::termcolor::Buffer::ansi();
            let _ = term::emit_to_write_style(&mut buf, &config, sources, cs);
            out.push_str(&String::from_utf8_lossy(buf.as_slice()));
        } else {
            let _ = term::emit_to_string(&mut out, &config, sources, cs);
        }
    };
    let mut seen: std::collections::HashMap<(Code, &str), usize> = Default::default();
    let mut repeated: Vec<(&Diagnostic, Vec<String>)> = Vec::new();
    for d in diags.iter() {
        if d.severity == Severity::Warning {
            let n = seen.entry((d.code, d.message.as_str())).or_default();
            *n += 1;
            if *n > REPEATS_SHOWN {
                let place = place_name(sources, d);
                match repeated
                    .iter_mut()
                    .find(|(r, _)| r.code == d.code && r.message == d.message)
                {
                    Some((_, places)) => places.push(place),
                    None => repeated.push((d, vec![place])),
                }
                continue;
            }
        }
        emit(&to_codespan(sources, d));
    }
    for (d, places) in &repeated {
        emit(&repeat_summary(d, places));
    }
    out.push_str(&summary(diags));
    out.push('\n');
    out
}

/// The file a diagnostic is in, for a list of places.
fn place_name(sources: &Sources, d: &Diagnostic) -> String {
    match &d.location {
        Location::Span(s) => sources.path(s.file).display().to_string(),
        Location::Path(p) | Location::Point { path: p, .. } => p.display().to_string(),
        Location::None => String::new(),
    }
}

/// One line for the further occurrences of a repeated warning.
fn repeat_summary(d: &Diagnostic, places: &[String]) -> CsDiagnostic<SourceId> {
    let mut named: Vec<&str> = places
        .iter()
        .take(REPEAT_FILES_NAMED)
        .map(String::as_str)
        .collect();
    if places.len() > REPEAT_FILES_NAMED {
        named.push("…");
    }
    let n = places.len();
    let message = format!(
        "{} — {n} more time{} ({})",
        d.message,
        if n == 1 { "" } else { "s" },
        named.join(", ")
    );
    let mut cs = CsDiagnostic::warning()
        .with_code(d.code)
        .with_message(message);
    if let Some(hint) = &d.hint {
        cs = cs.with_notes(vec![format!("hint: {hint}")]);
    }
    cs
}

/// "2 errors, 1 warning".
pub fn summary(diags: &Diagnostics) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(diags.errors(), "error"),
        plural(diags.warnings(), "warning")
    )
}

fn to_codespan(sources: &Sources, d: &Diagnostic) -> CsDiagnostic<crate::source::SourceId> {
    let mut cs = match d.severity {
        Severity::Error => CsDiagnostic::error(),
        Severity::Warning => CsDiagnostic::warning(),
    }
    .with_code(d.code.as_str());
    // A span outside its file's text (a file changed on disk after a
    // one-shot build let its text go, and read again) is shown by path:
    // the snippet would not be the text the span was found in.
    let fits = |span: &Span| {
        let text = sources.text(span.file);
        let r = span.range();
        r.end <= text.len() && text.is_char_boundary(r.start) && text.is_char_boundary(r.end)
    };
    let mut message = d.message.clone();
    match &d.location {
        Location::Path(p) => message = format!("{}: {message}", p.display()),
        Location::Point { path, line, column } => {
            message = format!("{}:{line}:{column}: {message}", path.display())
        }
        Location::Span(span) if !fits(span) => {
            message = format!("{}: {message}", sources.path(span.file).display())
        }
        _ => {}
    }
    cs = cs.with_message(message);
    let mut labels = Vec::new();
    if let Location::Span(span) = &d.location
        && fits(span)
    {
        labels.push(
            Label::primary(span.file, span.range())
                .with_message(d.label.clone().unwrap_or_default()),
        );
    }
    for (span, msg) in d.notes.iter().filter(|(s, _)| fits(s)) {
        labels.push(Label::secondary(span.file, span.range()).with_message(msg.clone()));
    }
    cs = cs.with_labels(labels);
    if let Some(hint) = &d.hint {
        cs = cs.with_notes(vec![format!("hint: {hint}")]);
    }
    cs
}

/// Machine-readable diagnostics for `check --format json`.
pub fn render_json(sources: &Sources, diags: &Diagnostics) -> String {
    let items: Vec<_> = diags
        .iter()
        .map(|d| {
            let (file, line, column) = match &d.location {
                Location::Span(s) => {
                    let f = sources.get(s.file);
                    let (l, c) = f.line_col(s.start as usize);
                    (Some(f.path.display().to_string()), Some(l), Some(c))
                }
                Location::Path(p) => (Some(p.display().to_string()), None, None),
                Location::Point { path, line, column } => {
                    (Some(path.display().to_string()), Some(*line), Some(*column))
                }
                Location::None => (None, None, None),
            };
            // The line itself, and where the span ends on it: enough for a
            // viewer to show the place without a terminal's caret.
            let (source_line, end_column) = match &d.location {
                Location::Span(s) => {
                    let f = sources.get(s.file);
                    let (l, _) = f.line_col(s.start as usize);
                    let range = f.line_range(l - 1).unwrap_or(0..0);
                    let text = f.text()[range.clone()].trim_end_matches(['\n', '\r']);
                    let end = (s.end as usize)
                        .min(range.start + text.len())
                        .max(s.start as usize);
                    let (_, end_col) = f.line_col(end);
                    (Some(text.to_string()), Some(end_col))
                }
                _ => (None, None),
            };
            let notes: Vec<_> = d
                .notes
                .iter()
                .map(|(span, message)| {
                    let f = sources.get(span.file);
                    let (line, column) = f.line_col(span.start as usize);
                    serde_json::json!({
                        "file": f.path.display().to_string(),
                        "line": line,
                        "column": column,
                        "message": message,
                    })
                })
                .collect();
            serde_json::json!({
                "severity": d.severity,
                "code": d.code,
                "message": d.message,
                "file": file,
                "line": line,
                "column": column,
                "end_column": end_column,
                "source_line": source_line,
                "hint": d.hint,
                "notes": notes,
            })
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "errors": diags.errors(),
        "warnings": diags.warnings(),
        "diagnostics": items,
    }))
    .unwrap_or_default()
}

/// Edit-distance suggestions: the closest of `candidates` to `wanted`, best
/// first. Only names that are really close count: at most one edit per three
/// characters (a swap of two neighbours is one edit; case is ignored), or one
/// name holding the other when that is at least half of it and three
/// characters long (`bookHidden` is not a misspelling of `id`).
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let wanted_lower = wanted.to_lowercase();
    let wanted_chars: Vec<char> = wanted_lower.chars().collect();
    let limit = (wanted_chars.len() / 3).max(1);
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter_map(|c| {
            let lower = c.to_lowercase();
            let d = edit_distance(&wanted_chars, &lower);
            let contains = holds(&lower, &wanted_lower) || holds(&wanted_lower, &lower);
            (d <= limit || contains).then_some((if contains { d.min(limit) } else { d }, c))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// Whether `long` contains `short` and `short` is a good part of it.
fn holds(long: &str, short: &str) -> bool {
    let (l, s) = (long.chars().count(), short.chars().count());
    s >= 3 && s * 2 >= l && long.contains(short)
}

/// "did you mean `a` or `b`?" for a hint, or None.
pub fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let best = closest(wanted, candidates);
    if best.is_empty() {
        return None;
    }
    let quoted: Vec<String> = best.iter().map(|c| format!("`{c}`")).collect();
    Some(format!("did you mean {}?", quoted.join(" or ")))
}

/// Edit distance where swapping two neighbouring characters is one edit
/// (optimal string alignment).
fn edit_distance(a: &[char], b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; 3];
    rows[1] = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let [before, prev, cur] = &mut rows[..] else {
            unreachable!()
        };
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            if i > 0 && j > 0 && *ca == b[j - 1] && a[i - 1] == *cb {
                cur[j + 1] = cur[j + 1].min(before[j - 1] + 1);
            }
        }
        rows.rotate_left(1);
    }
    rows[1][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_past_a_file_read_again_shorter_is_shown_by_path() {
        use std::sync::Arc;
        let mut sources = Sources::default();
        let text = "标题\n见[[x]]\n";
        let id = sources.add("content/a.md".into(), text.into());
        let span = Span::new(id, text.find("[[").unwrap()..text.len() - 1);
        // The file changed on disk after its text was let go.
        sources.release(&[id], Arc::new(|_: &std::path::Path| Some("标题\n".into())));
        let mut diags = Diagnostics::default();
        diags.push(
            Diagnostic::error(Code::UnknownRef, "unknown id `x`")
                .at(span)
                .hint("check the id"),
        );
        let out = render_human(&sources, &diags, false);
        assert!(out.contains("content/a.md: unknown id `x`"), "{out}");
        assert!(out.contains("hint: check the id"), "{out}");
    }

    #[test]
    fn suggests_close_ids_including_cjk() {
        let ids = ["千项千亿计划", "工业母机+行动", "summary"];
        assert_eq!(closest("千项千亿计画", ids), vec!["千项千亿计划"]);
        assert_eq!(closest("sumary", ids), vec!["summary"]);
        assert!(closest("完全不同的东西", ids).is_empty());
        let keys = ["id", "title", "summary", "draft", "tags", "weight"];
        assert!(closest("bookHidden", keys).is_empty());
        assert_eq!(closest("tilte", keys), vec!["title"]);
        assert_eq!(closest("Title", keys), vec!["title"]);
        assert!(closest("date", keys).is_empty());
        assert!(closest("ix", ["id"]).len() == 1);
    }

    #[test]
    fn summary_counts() {
        let mut d = Diagnostics::default();
        d.push(Diagnostic::error(Code::Io, "a"));
        d.push(Diagnostic::warning(Code::NoTitle, "b"));
        d.push(Diagnostic::warning(Code::NoTitle, "c"));
        assert_eq!(summary(&d), "1 error, 2 warnings");
    }
}
