//! Expected-output files: a test compares what it made with a file in the
//! repository; `PINAKES_UPDATE=1 cargo test` rewrites the files instead.

use std::path::Path;

/// Whether this run rewrites expected files rather than comparing them.
pub fn updating() -> bool {
    std::env::var_os("PINAKES_UPDATE").is_some_and(|v| v != "0")
}

/// Fails when `path` does not hold exactly `actual`, showing the first lines
/// that differ; with `PINAKES_UPDATE=1` writes `actual` there instead.
#[track_caller]
pub fn expect_file(path: &Path, actual: &str) {
    if updating() {
        std::fs::write(path, actual).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if expected == actual {
        return;
    }
    let (want, got): (Vec<&str>, Vec<&str>) =
        (expected.lines().collect(), actual.lines().collect());
    let first = (0..want.len().max(got.len()))
        .find(|&i| want.get(i) != got.get(i))
        .unwrap_or(0);
    let around = |lines: &[&str]| {
        let from = first.saturating_sub(2);
        lines[from.min(lines.len())..(first + 3).min(lines.len())]
            .iter()
            .enumerate()
            .map(|(i, l)| format!("{:>4} | {l}\n", from + i + 1))
            .collect::<String>()
    };
    panic!(
        "{} is out of date (first difference at line {}).\n\
         --- expected\n{}--- actual\n{}\
         If the new output is right, run `PINAKES_UPDATE=1 cargo test` and review the diff.",
        path.display(),
        first + 1,
        around(&want),
        around(&got),
    );
}
