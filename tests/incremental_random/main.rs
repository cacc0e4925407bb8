//! Random sequences of realistic edits, each applied through the incremental
//! engine and compared with a clean build of the same files, byte for byte.
//!
//! Edits: body text, titles, tags, wikilinks added and removed, metric
//! values, files added, renamed and deleted, templates, `data/`, `site.toml`,
//! `static/`, and now and then a broken link that the next step repairs.
//! The sequence is drawn from a seeded generator, so a failure names the seed
//! and step that reproduce it:
//!
//! ```sh
//! PINAKES_PROPTEST_STEPS=5000 cargo test --release --test incremental_random
//! PINAKES_PROPTEST_SEED=7 cargo test --test incremental_random
//! ```

#[path = "../common/mod.rs"]
mod common;
mod edits;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use edits::{OPS, WORDS, id_of};
use pinakes::BuildOptions;
use pinakes::incremental::Site;

/// Steps per sequence when `PINAKES_PROPTEST_STEPS` is not set: the example
/// site's clean build is the slow part, so it gets fewer than the fixtures.
const EXAMPLE_STEPS: usize = 60;
const FIXTURE_STEPS: usize = 100;

fn steps(default: usize) -> usize {
    std::env::var("PINAKES_PROPTEST_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn seed() -> u64 {
    std::env::var("PINAKES_PROPTEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed)
}

#[test]
fn random_edits_to_the_example_site_match_clean_builds() {
    run(common::Site::example(), steps(EXAMPLE_STEPS), seed());
}

#[test]
fn random_edits_to_the_fixtures_match_clean_builds() {
    for (i, name) in ["basic", "metrics", "overrides"].into_iter().enumerate() {
        run(
            common::Site::fixture(name),
            steps(FIXTURE_STEPS),
            seed() + i as u64 + 1,
        );
    }
}

/// SplitMix64: small, fast, and the same sequence on every platform.
pub struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }

    pub fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }
}

/// One applied edit: what it did (for the failure message) and the paths it
/// touched, relative to the site root.
pub struct Edit {
    pub what: String,
    pub touched: Vec<String>,
}

/// The site under edit, with what the generator needs to remember.
pub struct World {
    pub site: common::Site,
    pub rng: Rng,
    /// A counter that keeps new names and texts unique.
    pub n: usize,
    /// A file broken on purpose, with the text that repairs it.
    pub broken: Option<(String, String)>,
}

fn run(site: common::Site, steps: usize, seed: u64) {
    let mut world = World {
        site,
        rng: Rng(seed),
        n: 0,
        broken: None,
    };
    let root = world.site.root().to_path_buf();
    let (mut inc, first) = Site::open(options(&root, "unused"));
    assert!(first.ok(), "the site builds before any edit");
    let mut history: Vec<String> = Vec::new();
    for step in 1..=steps {
        let edit = world.next_edit();
        history.push(format!("{step}: {}", edit.what));
        let paths: Vec<PathBuf> = edit.touched.iter().map(|p| root.join(p)).collect();
        let report = inc.apply(&paths);
        let shown = pinakes::diag::render_human(inc.sources(), &report.diagnostics, false);
        if let Err(why) = compare(&inc, report.ok(), &shown, &root) {
            let last: Vec<&String> = history.iter().rev().take(12).rev().collect();
            panic!(
                "seed {seed}, step {step} of {steps}: {why}\n\nlast edits:\n{}",
                last.iter().map(|s| format!("  {s}\n")).collect::<String>()
            );
        }
    }
}

fn options(root: &Path, out: &str) -> BuildOptions {
    BuildOptions {
        root: root.to_path_buf(),
        output: Some(root.parent().unwrap().join(out)),
        ..Default::default()
    }
}

/// The incremental result against a clean build: the same success, the same
/// report, and (when it succeeded) the same files with the same bytes.
fn compare(inc: &Site, ok: bool, shown: &str, root: &Path) -> Result<(), String> {
    let clean = pinakes::build(&options(root, "clean"));
    let clean_shown = pinakes::diag::render_human(&clean.sources, &clean.diagnostics, false);
    if ok != clean.ok() {
        return Err(format!(
            "incremental ok: {ok}, clean ok: {}\n--- incremental\n{shown}\n--- clean\n{clean_shown}",
            clean.ok()
        ));
    }
    if shown != clean_shown {
        return Err(format!(
            "the reports differ\n--- incremental\n{shown}\n--- clean\n{clean_shown}"
        ));
    }
    if !ok {
        return Ok(());
    }
    let out = inc.output().ok_or("no output after a good build")?;
    let theirs = read_tree(&clean.output.ok_or("clean build wrote nothing")?);
    let mut ours: Vec<&str> = out.files.keys().map(|k| &**k).collect();
    ours.sort();
    if ours != theirs.keys().map(String::as_str).collect::<Vec<_>>() {
        let only_ours: Vec<_> = ours.iter().filter(|p| !theirs.contains_key(**p)).collect();
        let only_theirs: Vec<_> = theirs
            .keys()
            .filter(|p| !out.files.contains_key(p.as_str()))
            .collect();
        return Err(format!(
            "different files: only incremental {only_ours:?}, only clean {only_theirs:?}"
        ));
    }
    for (path, bytes) in &theirs {
        let mine = out.read(path).ok_or(format!("{path} unreadable"))?;
        if &mine != bytes {
            return Err(format!(
                "{path} differs from a clean build\n{}",
                first_difference(&mine, bytes)
            ));
        }
    }
    Ok(())
}

fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap();
            let rel = rel.to_string_lossy().replace('\\', "/");
            (rel, std::fs::read(e.path()).unwrap())
        })
        .filter(|(p, _)| p != pinakes::write::MARKER)
        .collect()
}

fn first_difference(ours: &[u8], theirs: &[u8]) -> String {
    let (a, b) = (
        String::from_utf8_lossy(ours),
        String::from_utf8_lossy(theirs),
    );
    let at = a
        .lines()
        .zip(b.lines())
        .position(|(x, y)| x != y)
        .unwrap_or_else(|| a.lines().count().min(b.lines().count()));
    let line = |s: &str| s.lines().nth(at).unwrap_or("<end>").to_string();
    format!(
        "line {}:\n  incremental: {}\n  clean:       {}",
        at + 1,
        line(&a),
        line(&b)
    )
}

impl World {
    /// The repair of a broken file when one is pending, else a random
    /// applicable edit.
    fn next_edit(&mut self) -> Edit {
        if let Some((rel, good)) = self.broken.take() {
            self.site.write(&rel, good);
            return Edit {
                what: format!("repair {rel}"),
                touched: vec![rel],
            };
        }
        let total: usize = OPS.iter().map(|(w, _)| w).sum();
        loop {
            let mut roll = self.rng.below(total);
            let op = OPS
                .iter()
                .find(|(w, _)| {
                    let hit = roll < *w;
                    roll = roll.saturating_sub(*w);
                    hit
                })
                .map(|(_, op)| op)
                .unwrap();
            if let Some(edit) = op(self) {
                return edit;
            }
        }
    }

    pub fn fresh(&mut self) -> usize {
        self.n += 1;
        self.n
    }

    pub fn sentence(&mut self) -> String {
        let n = self.fresh();
        let a = self.rng.pick(WORDS).unwrap();
        let b = self.rng.pick(WORDS).unwrap();
        format!("第{n}段：{a}与{b}。")
    }

    /// Files under `dir` (relative to the root) whose names end with one of `exts`.
    pub fn files(&self, dir: &str, exts: &[&str]) -> Vec<String> {
        let base = self.site.root().join(dir);
        let mut out: Vec<String> = walkdir::WalkDir::new(&base)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(self.site.root()).unwrap();
                rel.to_string_lossy().replace('\\', "/")
            })
            .filter(|p| exts.iter().any(|x| p.ends_with(x)))
            .collect();
        out.sort();
        out
    }

    pub fn documents(&self) -> Vec<String> {
        self.files("content", &[".md"])
    }

    pub fn metrics(&self) -> Vec<String> {
        self.files("content/metrics", &[".yaml", ".yml"])
    }

    /// Ids of the policies, measures and metrics, from their files.
    pub fn ids(&self, folder: &str) -> Vec<String> {
        self.files(&format!("content/{folder}"), &[".md", ".yaml", ".yml"])
            .iter()
            .map(|p| id_of(p, &self.site.read(p)))
            .collect()
    }

    pub fn pick_file(
        &mut self,
        files: Vec<String>,
        fits: impl Fn(&str) -> bool,
    ) -> Option<(String, String)> {
        let fitting: Vec<(String, String)> = files
            .into_iter()
            .map(|p| {
                let text = self.site.read(&p);
                (p, text)
            })
            .filter(|(_, t)| fits(t))
            .collect();
        self.rng.pick(&fitting).cloned()
    }

    /// Writes `text` to `rel`, which must differ from what is there.
    pub fn rewrite(&self, rel: &str, text: String, what: String) -> Option<Edit> {
        assert_ne!(self.site.read(rel), text, "{what}: the edit changes {rel}");
        self.site.write(rel, text);
        Some(Edit {
            what,
            touched: vec![rel.to_string()],
        })
    }

    /// Whether any content file but `except` mentions `needle`.
    pub fn mentioned(&self, needle: &str, except: &str) -> bool {
        self.files("content", &[".md", ".yaml", ".yml"])
            .iter()
            .filter(|p| p.as_str() != except)
            .any(|p| self.site.read(p).contains(needle))
    }
}
