//! Helpers shared by the integration tests.
//!
//! A [`Site`] is a throw-away copy of a fixture (or a site written inline) in a
//! temporary directory; [`Site::run`] runs the real `pinakes` binary in it and
//! returns a [`Run`] whose assertions print the command, a listing of the site
//! and both output streams when they fail (like ripgrep's `TestCommand`).
//! [`Page`] parses a built HTML page; [`Report`] is `check --format json`.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use scraper::{ElementRef, Html, Selector};

pub mod golden;

/// The package directory (the example site lives at its root).
pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A command for the `pinakes` binary built by cargo for this test run.
/// Runs `node ARGS` in the repository and returns its output; fails the
/// test when it fails.
#[track_caller]
pub fn node(args: &[&str]) -> String {
    let out = std::process::Command::new("node")
        .args(args)
        .current_dir(manifest_dir())
        .output()
        .expect("node runs the script-driven tests; install Node.js");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "node {}\n--- stdout\n{stdout}--- stderr\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Whether `chromium` is on PATH for the browser tests. Without it they
/// are skipped (loudly), unless `PINAKES_REQUIRE_BROWSER` is set, as
/// `.ci/run` does after installing it.
pub fn has_browser() -> bool {
    let found = std::process::Command::new("chromium")
        .arg("--version")
        .output()
        .is_ok();
    if !found {
        assert!(
            std::env::var_os("PINAKES_REQUIRE_BROWSER").is_none(),
            "chromium is not installed"
        );
        eprintln!("SKIPPED: chromium is not installed (.ci/run installs it)");
    }
    found
}

pub fn pinakes() -> Command {
    Command::cargo_bin("pinakes").expect("the pinakes binary is built by cargo")
}

/// A site in a temporary directory.
pub struct Site {
    dir: tempfile::TempDir,
    root: PathBuf,
}

impl Site {
    /// A site with only a minimal `site.toml` (add files with [`Site::file`]).
    pub fn new() -> Site {
        Site::empty().file(
            "site.toml",
            "title = \"测试\"\nbase_url = \"https://example.org/\"\n",
        )
    }

    /// A site of one policy (`总政策`) with `n` measures under it
    /// (`content/measures/m000.md`, …, titled `措施000`, …), all tagged
    /// `共同`: enough for paged lists and term pages.
    pub fn many_measures(n: usize) -> Site {
        let config = "title = \"测试\"\nbase_url = \"https://example.org/\"\n\
                      [taxonomies]\ntags = \"标签\"\n";
        let mut site = Site::empty()
            .file("site.toml", config)
            .file("content/policies/总政策.md", "---\ntitle: 总政策\n---\n");
        for i in 0..n {
            site = site.file(
                &format!("content/measures/m{i:03}.md"),
                &format!("---\ntitle: 措施{i:03}\npolicy: 总政策\ntags: [共同]\n---\n正文{i}。\n"),
            );
        }
        site
    }

    /// An empty directory.
    pub fn empty() -> Site {
        let dir = tempfile::Builder::new()
            .prefix("pinakes-test-")
            .tempdir()
            .expect("create a temporary directory");
        // The site lives one level down so tests can put things beside it.
        let root = dir.path().join("site");
        std::fs::create_dir_all(&root).unwrap();
        Site { dir, root }
    }

    /// A copy of `tests/fixtures/<name>/`.
    pub fn fixture(name: &str) -> Site {
        Site::copy_of(&manifest_dir().join("tests/fixtures").join(name))
    }

    /// A copy of `tests/invalid/<name>/`.
    pub fn invalid(name: &str) -> Site {
        Site::copy_of(&manifest_dir().join("tests/invalid").join(name))
    }

    /// A copy of the example site at the repository root (with its theme).
    pub fn example() -> Site {
        let site = Site::empty();
        let src = manifest_dir();
        for dir in ["content", "data", "themes"] {
            copy_dir(&src.join(dir), &site.root.join(dir));
        }
        std::fs::copy(src.join("site.toml"), site.root.join("site.toml")).unwrap();
        site
    }

    fn copy_of(src: &Path) -> Site {
        assert!(src.is_dir(), "fixture {} does not exist", src.display());
        assert!(
            !src.join("themes").exists(),
            "fixture {} must not have a themes/ folder (the default theme is built in)",
            src.display()
        );
        let site = Site::empty();
        copy_dir(src, &site.root);
        site
    }

    /// Writes a text file (creating its folders), builder style.
    pub fn file(self, rel: &str, text: &str) -> Site {
        self.write(rel, text.as_bytes());
        self
    }

    /// Writes raw bytes to a file of the site (creating its folders).
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        let bytes = bytes.as_ref();
        let p = self.root.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
    }

    /// Replaces every `from` in a text file with `to`. A scripted edit that
    /// finds nothing to change fails here, not later as a test that passes
    /// while checking nothing.
    #[track_caller]
    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        assert!(text.contains(from), "{rel} has no `{from}` to edit");
        self.write(rel, text.replace(from, to));
    }

    /// [`Site::edit`] of the first `from` only.
    #[track_caller]
    pub fn edit_first(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        assert!(text.contains(from), "{rel} has no `{from}` to edit");
        self.write(rel, text.replacen(from, to, 1));
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.root.join(rel)).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        let p = self.root.join(rel);
        std::fs::read_to_string(&p)
            .unwrap_or_else(|e| panic!("read {}: {e}\n{}", p.display(), listing(&self.root)))
    }

    /// The site root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The temporary directory holding the site root (`<tmp>/site`).
    pub fn outer(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.root.join(rel).exists()
    }

    /// Runs `pinakes <args>` with the site root as working directory.
    pub fn run(&self, args: &[&str]) -> Run {
        run_in(&self.root, args)
    }

    /// `pinakes build`, which must succeed.
    pub fn build(&self) -> Run {
        self.run(&["build"]).success()
    }

    /// `pinakes check --format json <extra>`: the parsed diagnostics.
    pub fn check_json(&self, extra: &[&str]) -> Report {
        let mut args = vec!["check", "--format", "json"];
        args.extend_from_slice(extra);
        Report::from_run(self.run(&args))
    }

    /// A built page, `rel` relative to `public/`.
    pub fn page(&self, rel: &str) -> Page {
        Page::open(&self.root.join("public"), rel)
    }
}

/// Runs `pinakes <args>` in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    let mut cmd = pinakes();
    cmd.current_dir(dir).args(args).env("NO_COLOR", "1");
    let out = cmd.output().expect("run pinakes");
    Run {
        command: format!("pinakes {}", args.join(" ")),
        cwd: dir.to_path_buf(),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        files: listing(dir),
    }
}

/// The result of one run of the binary.
#[derive(Debug, Clone)]
pub struct Run {
    pub command: String,
    pub cwd: PathBuf,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// Listing of the working directory right after the run.
    pub files: String,
}

impl Run {
    /// Everything needed to understand a failure.
    pub fn report(&self) -> String {
        format!(
            "\n\n===== command =====\n{}\n(in {})\nexit code: {:?}\n\n===== files =====\n{}\n===== stdout =====\n{}\n===== stderr =====\n{}\n",
            self.command,
            self.cwd.display(),
            self.code,
            self.files,
            self.stdout,
            self.stderr
        )
    }

    #[track_caller]
    pub fn assert_code(self, code: i32) -> Run {
        if self.code != Some(code) {
            panic!(
                "expected exit code {code}, got {:?}{}",
                self.code,
                self.report()
            );
        }
        self.assert_no_panic()
    }

    #[track_caller]
    pub fn success(self) -> Run {
        self.assert_code(0)
    }

    /// Exit 1: content or template errors.
    #[track_caller]
    pub fn failure(self) -> Run {
        self.assert_code(1)
    }

    /// Exit 2: usage errors.
    #[track_caller]
    pub fn usage_error(self) -> Run {
        self.assert_code(2)
    }

    #[track_caller]
    pub fn assert_no_panic(self) -> Run {
        if self.stderr.contains("panicked") || self.stderr.contains("RUST_BACKTRACE") {
            panic!("pinakes panicked{}", self.report());
        }
        self
    }

    #[track_caller]
    pub fn stdout_contains(self, needle: &str) -> Run {
        if !self.stdout.contains(needle) {
            panic!("stdout does not contain {needle:?}{}", self.report());
        }
        self
    }

    #[track_caller]
    pub fn stderr_contains(self, needle: &str) -> Run {
        if !self.stderr.contains(needle) {
            panic!("stderr does not contain {needle:?}{}", self.report());
        }
        self
    }

    #[track_caller]
    pub fn check(&self, ok: bool, what: &str) {
        if !ok {
            panic!("{what}{}", self.report());
        }
    }
}

/// One diagnostic of `check --format json`.
#[derive(Debug, Clone, PartialEq)]
pub struct Diag {
    pub severity: String,
    pub code: String,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<u64>,
    pub column: Option<u64>,
    /// Where the span ends on its line (exclusive).
    pub end_column: Option<u64>,
    /// The text of the line the span starts on.
    pub source_line: Option<String>,
    pub hint: Option<String>,
}

impl Diag {
    /// `file:line:col` (what an editor jumps to).
    pub fn place(&self) -> String {
        format!(
            "{}:{}:{}",
            self.file.as_deref().unwrap_or("?"),
            self.line.map(|l| l.to_string()).unwrap_or("?".into()),
            self.column.map(|c| c.to_string()).unwrap_or("?".into())
        )
    }
}

/// The parsed output of `check --format json`.
#[derive(Debug, Clone)]
pub struct Report {
    pub errors: u64,
    pub warnings: u64,
    pub diagnostics: Vec<Diag>,
    pub run: Run,
}

impl Report {
    pub fn from_run(run: Run) -> Report {
        let run = run.assert_no_panic();
        let v: serde_json::Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON: {e}{}", run.report()));
        let s =
            |d: &serde_json::Value, k: &str| d.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let diagnostics = v["diagnostics"]
            .as_array()
            .unwrap_or_else(|| panic!("no `diagnostics` array{}", run.report()))
            .iter()
            .map(|d| Diag {
                severity: s(d, "severity").unwrap_or_default(),
                code: s(d, "code").unwrap_or_default(),
                message: s(d, "message").unwrap_or_default(),
                file: s(d, "file"),
                line: d.get("line").and_then(|x| x.as_u64()),
                column: d.get("column").and_then(|x| x.as_u64()),
                end_column: d.get("end_column").and_then(|x| x.as_u64()),
                source_line: s(d, "source_line"),
                hint: s(d, "hint"),
            })
            .collect();
        Report {
            errors: v["errors"].as_u64().unwrap_or(u64::MAX),
            warnings: v["warnings"].as_u64().unwrap_or(u64::MAX),
            diagnostics,
            run,
        }
    }

    pub fn with_code(&self, code: &str) -> Vec<&Diag> {
        self.diagnostics.iter().filter(|d| d.code == code).collect()
    }

    /// The only diagnostic of the run, which must have `code`.
    #[track_caller]
    pub fn only(&self, code: &str) -> &Diag {
        if self.diagnostics.len() != 1 || self.diagnostics[0].code != code {
            panic!(
                "expected exactly one `{code}` diagnostic, got:\n{}{}",
                self.summary(),
                self.run.report()
            );
        }
        &self.diagnostics[0]
    }

    /// One line per diagnostic, for failure messages.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        for d in &self.diagnostics {
            let _ = writeln!(
                s,
                "  {} [{}] {} — {} (hint: {:?})",
                d.severity,
                d.code,
                d.place(),
                d.message,
                d.hint
            );
        }
        s
    }

    #[track_caller]
    pub fn check(&self, ok: bool, what: &str) {
        if !ok {
            panic!(
                "{what}\ndiagnostics:\n{}{}",
                self.summary(),
                self.run.report()
            );
        }
    }

    /// Asserts one diagnostic: code, severity, `file:line:col`.
    #[track_caller]
    pub fn assert_at(&self, d: &Diag, severity: &str, file: &str, line: u64, column: u64) {
        self.check(
            d.severity == severity
                && d.file.as_deref() == Some(file)
                && d.line == Some(line)
                && d.column == Some(column),
            &format!(
                "expected `{}` {severity} at {file}:{line}:{column}, got {} at {}",
                d.code,
                d.severity,
                d.place()
            ),
        );
    }

    #[track_caller]
    pub fn assert_hint(&self, d: &Diag, hint: &str) {
        self.check(
            d.hint.as_deref() == Some(hint),
            &format!("expected hint {hint:?} on `{}`, got {:?}", d.code, d.hint),
        );
    }
}

/// A built HTML page.
pub struct Page {
    /// Path relative to the output root, e.g. `policies/甲/index.html`.
    pub rel: String,
    pub source: String,
    pub html: Html,
}

impl Page {
    pub fn open(public: &Path, rel: &str) -> Page {
        let p = public.join(rel);
        let source = std::fs::read_to_string(&p).unwrap_or_else(|e| {
            panic!(
                "cannot read built page {}: {e}\n===== output =====\n{}",
                p.display(),
                listing(public)
            )
        });
        Page {
            rel: rel.to_string(),
            html: Html::parse_document(&source),
            source,
        }
    }

    pub fn select<'a>(&'a self, css: &str) -> Vec<ElementRef<'a>> {
        let sel = Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css:?}: {e:?}"));
        self.html.select(&sel).collect()
    }

    pub fn count(&self, css: &str) -> usize {
        self.select(css).len()
    }

    /// Text of every match, whitespace collapsed.
    pub fn texts(&self, css: &str) -> Vec<String> {
        self.select(css).iter().map(|e| text_of(e)).collect()
    }

    /// Text of the first match (which must exist).
    #[track_caller]
    pub fn text(&self, css: &str) -> String {
        match self.select(css).first() {
            Some(e) => text_of(e),
            None => panic!("no `{css}` in {}\n{}", self.rel, self.source),
        }
    }

    /// Attribute `attr` of every match that has it.
    pub fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        self.select(css)
            .iter()
            .filter_map(|e| e.value().attr(attr).map(str::to_string))
            .collect()
    }

    /// Attribute of the first match (which must exist and have it).
    #[track_caller]
    pub fn attr(&self, css: &str, attr: &str) -> String {
        match self.attrs(css, attr).into_iter().next() {
            Some(a) => a,
            None => panic!("no `{css}[{attr}]` in {}\n{}", self.rel, self.source),
        }
    }

    /// (href, text) of every `<a>` inside `css`.
    pub fn links(&self, css: &str) -> Vec<(String, String)> {
        let a = Selector::parse("a[href]").unwrap();
        self.select(css)
            .iter()
            .flat_map(|e| e.select(&a).collect::<Vec<_>>())
            .map(|e| {
                (
                    e.value().attr("href").unwrap_or("").to_string(),
                    text_of(&e),
                )
            })
            .collect()
    }

    /// Every `id` attribute of the page.
    pub fn ids(&self) -> BTreeSet<String> {
        self.attrs("[id]", "id").into_iter().collect()
    }

    #[track_caller]
    pub fn check(&self, ok: bool, what: &str) {
        if !ok {
            // The <main> part is what tests look at; keep failures readable.
            let shown = match self.select("main").first() {
                Some(m) => m.html(),
                None => self.source.clone(),
            };
            let mut end = shown.len().min(8000);
            while !shown.is_char_boundary(end) {
                end -= 1;
            }
            panic!("{what} (page {})\n{}", self.rel, &shown[..end]);
        }
    }
}

pub fn text_of(e: &ElementRef) -> String {
    e.text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Decodes `%XX` escapes (as UTF-8); `None` when the result is not UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes a path the way links to it must be written (everything but
/// unreserved ASCII, `/` and a few sub-delimiters), for expected hrefs in tests.
pub fn encode(path: &str) -> String {
    let mut out = String::new();
    for c in path.chars() {
        if c.is_ascii_alphanumeric() || "-._~/()!$&'*+,;=:@".contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// Every file under `dir`, relative and sorted (with `/` separators).
pub fn files_under(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(
                    p.strip_prefix(base)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Contents of every file under `dir`, for byte-identical comparisons.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    files_under(dir)
        .into_iter()
        .map(|rel| {
            let bytes = std::fs::read(dir.join(&rel)).unwrap();
            (rel, bytes)
        })
        .collect()
}

/// A listing of `dir` for failure messages (directories end in `/`).
pub fn listing(dir: &Path) -> String {
    fn walk(base: &Path, dir: &Path, out: &mut String, depth: usize) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            let rel = p
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if p.is_dir() {
                let _ = writeln!(out, "{rel}/");
                if depth < 6 {
                    walk(base, &p, out, depth + 1);
                }
            } else {
                let len = p.metadata().map(|m| m.len()).unwrap_or(0);
                let _ = writeln!(out, "{rel} ({len} bytes)");
            }
        }
    }
    let mut out = String::new();
    walk(dir, dir, &mut out, 0);
    if out.len() > 20_000 {
        let mut cut = 20_000;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str("\n…\n");
    }
    out
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap().flatten() {
        let from = e.path();
        let to = dst.join(e.file_name());
        if from.is_dir() {
            copy_dir(&from, &to);
        } else {
            std::fs::copy(&from, &to).unwrap();
        }
    }
}

/// Checks every relative `href` and `src` of every HTML page under `public`:
/// the file must exist and a `#fragment` must be an `id` in the target page.
/// Internal links must be relative, so a root-relative one (`/x`) is a problem
/// too (`404.html` included: served at any depth, it links from the site root
/// through a base element its script sets).
/// Returns one line per problem.
pub fn broken_links(public: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let mut pages: BTreeMap<String, Page> = BTreeMap::new();
    let html_files: Vec<String> = files_under(public)
        .into_iter()
        .filter(|f| f.ends_with(".html"))
        .collect();
    for rel in &html_files {
        pages.insert(rel.clone(), Page::open(public, rel));
    }
    let mut ids_cache: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for rel in &html_files {
        let page = &pages[rel];
        let mut refs = page.attrs("[href]", "href");
        refs.extend(page.attrs("[src]", "src"));
        for r in refs {
            let r = r.trim();
            if r.is_empty() {
                problems.push(format!("{rel}: empty link"));
                continue;
            }
            let lower = r.to_ascii_lowercase();
            if lower.contains("://")
                || r.starts_with("//")
                || ["mailto:", "tel:", "data:", "javascript:"]
                    .iter()
                    .any(|s| lower.starts_with(s))
            {
                continue;
            }
            if r.starts_with('/') {
                problems.push(format!(
                    "{rel}: root-relative link {r} (internal links must be relative)"
                ));
                continue;
            }
            let (path, fragment) = match r.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (r, None),
            };
            let path = path.split('?').next().unwrap_or("");
            let target_rel = if path.is_empty() {
                rel.clone()
            } else {
                let Some(decoded) = percent_decode(path) else {
                    problems.push(format!(
                        "{rel}: link {r} is not valid percent-encoded UTF-8"
                    ));
                    continue;
                };
                let base = Path::new(rel).parent().unwrap_or(Path::new(""));
                let mut parts: Vec<String> = base
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                let mut escaped = false;
                for seg in decoded.split('/') {
                    match seg {
                        "" | "." => {}
                        ".." => {
                            if parts.pop().is_none() {
                                escaped = true;
                            }
                        }
                        s => parts.push(s.to_string()),
                    }
                }
                if escaped {
                    problems.push(format!("{rel}: link {r} leaves the site"));
                    continue;
                }
                let mut t = parts.join("/");
                if decoded.ends_with('/') || t.is_empty() {
                    if !t.is_empty() {
                        t.push('/');
                    }
                    t.push_str("index.html");
                }
                t
            };
            let target = public.join(&target_rel);
            if !target.is_file() {
                problems.push(format!("{rel}: link {r} -> {target_rel} does not exist"));
                continue;
            }
            if let Some(f) = fragment.filter(|f| !f.is_empty()) {
                if !target_rel.ends_with(".html") {
                    continue;
                }
                let Some(f) = percent_decode(f) else {
                    problems.push(format!("{rel}: fragment of {r} is not valid UTF-8"));
                    continue;
                };
                let ids = ids_cache.entry(target_rel.clone()).or_insert_with(|| {
                    match pages.get(&target_rel) {
                        Some(p) => p.ids(),
                        None => Page::open(public, &target_rel).ids(),
                    }
                });
                if !ids.contains(&f) {
                    problems.push(format!("{rel}: link {r} -> {target_rel} has no id {f:?}"));
                }
            }
        }
    }
    problems
}
