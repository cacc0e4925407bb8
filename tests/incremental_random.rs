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

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }

    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }
}

const WORDS: &[&str] = &[
    "数字化",
    "绿色",
    "集群",
    "创新",
    "技改",
    "园区",
    "链主",
    "产能",
    "标杆",
    "融资",
];

/// One applied edit: what it did (for the failure message) and the paths it
/// touched, relative to the site root.
struct Edit {
    what: String,
    touched: Vec<String>,
}

/// The site under edit, with what the generator needs to remember.
struct World {
    site: common::Site,
    rng: Rng,
    /// A counter that keeps new names and texts unique.
    n: usize,
    /// A file broken on purpose, with the text that repairs it.
    broken: Option<(String, String)>,
}

type Op = fn(&mut World) -> Option<Edit>;

const OPS: &[(usize, Op)] = &[
    (14, body_paragraph),
    (8, title),
    (8, tags),
    (8, link_add),
    (6, link_remove),
    (10, metric_value),
    (6, file_added),
    (4, file_renamed),
    (4, file_deleted),
    (6, template),
    (4, data),
    (3, site_toml),
    (2, static_file),
    (3, break_a_link),
];

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
    let mut ours: Vec<&String> = out.files.keys().collect();
    ours.sort();
    if ours != theirs.keys().collect::<Vec<_>>() {
        let only_ours: Vec<_> = ours.iter().filter(|p| !theirs.contains_key(**p)).collect();
        let only_theirs: Vec<_> = theirs
            .keys()
            .filter(|p| !out.files.contains_key(*p))
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

    fn fresh(&mut self) -> usize {
        self.n += 1;
        self.n
    }

    fn sentence(&mut self) -> String {
        let n = self.fresh();
        let a = self.rng.pick(WORDS).unwrap();
        let b = self.rng.pick(WORDS).unwrap();
        format!("第{n}段：{a}与{b}。")
    }

    /// Files under `dir` (relative to the root) whose names end with one of `exts`.
    fn files(&self, dir: &str, exts: &[&str]) -> Vec<String> {
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

    fn documents(&self) -> Vec<String> {
        self.files("content", &[".md"])
    }

    fn metrics(&self) -> Vec<String> {
        self.files("content/metrics", &[".yaml", ".yml"])
    }

    /// Ids of the policies, measures and metrics, from their files.
    fn ids(&self, folder: &str) -> Vec<String> {
        self.files(&format!("content/{folder}"), &[".md", ".yaml", ".yml"])
            .iter()
            .map(|p| id_of(p, &self.site.read(p)))
            .collect()
    }

    fn pick_file(
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
    fn rewrite(&self, rel: &str, text: String, what: String) -> Option<Edit> {
        assert_ne!(self.site.read(rel), text, "{what}: the edit changes {rel}");
        self.site.write(rel, text);
        Some(Edit {
            what,
            touched: vec![rel.to_string()],
        })
    }

    /// Whether any content file but `except` mentions `needle`.
    fn mentioned(&self, needle: &str, except: &str) -> bool {
        self.files("content", &[".md", ".yaml", ".yml"])
            .iter()
            .filter(|p| p.as_str() != except)
            .any(|p| self.site.read(p).contains(needle))
    }
}

/// (front matter, body) of a Markdown file; the front matter without its `---` lines.
fn split(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix("---\n")?;
    let end = rest.find("\n---\n")?;
    Some((&rest[..end + 1], &rest[end + 5..]))
}

fn join(front: &str, body: &str) -> String {
    format!("---\n{front}---\n{body}")
}

/// The id of a content file: its `id:`, else its name.
fn id_of(rel: &str, text: &str) -> String {
    let front = split(text).map_or(text, |(f, _)| f);
    if let Some(id) = front.lines().find_map(|l| l.strip_prefix("id: ")) {
        return id.trim().to_string();
    }
    let path = Path::new(rel);
    let stem = path.file_stem().unwrap().to_string_lossy();
    if stem == "_index" {
        return path
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
    }
    stem.into_owned()
}

fn body_paragraph(w: &mut World) -> Option<Edit> {
    let (rel, text) = w.pick_file(w.documents(), |t| split(t).is_some())?;
    let (front, body) = split(&text).unwrap();
    let para = w.sentence();
    // Between paragraphs, or at the end.
    let gaps: Vec<usize> = body.match_indices("\n\n").map(|(i, _)| i + 1).collect();
    let body = match w.rng.pick(&gaps) {
        Some(&at) if w.rng.percent(60) => format!("{}\n{para}\n{}", &body[..at], &body[at..]),
        _ => format!("{body}\n{para}\n"),
    };
    w.rewrite(&rel, join(front, &body), format!("paragraph in {rel}"))
}

fn title(w: &mut World) -> Option<Edit> {
    let mut files = w.documents();
    files.extend(w.metrics());
    let (rel, text) = w.pick_file(files, |t| t.lines().any(|l| l.starts_with("title: ")))?;
    let n = w.fresh();
    let word = w.rng.pick(WORDS).unwrap();
    let new = format!("title: {word}标题{n}");
    let old = text
        .lines()
        .find(|l| l.starts_with("title: "))
        .unwrap()
        .to_string();
    w.rewrite(
        &rel,
        text.replacen(&old, &new, 1),
        format!("{new} in {rel}"),
    )
}

fn tags(w: &mut World) -> Option<Edit> {
    // Tags written as a flow list, or none yet.
    let flow = |t: &str| {
        split(t).is_some_and(|(f, _)| {
            f.lines()
                .all(|l| !l.starts_with("tags:") || l.starts_with("tags: ["))
        })
    };
    let (rel, text) = w.pick_file(w.documents(), flow)?;
    let (front, body) = split(&text).unwrap();
    let tag = *w.rng.pick(WORDS).unwrap();
    let line = front.lines().find(|l| l.starts_with("tags: ["));
    let (front, what) = match line {
        None => (
            format!("{front}tags: [{tag}]\n"),
            format!("tags: [{tag}] added"),
        ),
        Some(line) => {
            let inner = line.trim_start_matches("tags: [").trim_end_matches(']');
            let mut list: Vec<&str> = inner
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .collect();
            if let Some(i) = list.iter().position(|t| *t == tag) {
                list.remove(i);
            } else {
                list.insert(w.rng.below(list.len() + 1), tag);
            }
            let new = format!("tags: [{}]", list.join(", "));
            let what = format!("{new} was {line}");
            (front.replacen(line, &new, 1), what)
        }
    };
    w.rewrite(&rel, join(&front, body), format!("{what} in {rel}"))
}

fn link_add(w: &mut World) -> Option<Edit> {
    let folder = *w.rng.pick(&["policies", "measures", "metrics"]).unwrap();
    let ids = w.ids(folder);
    let id = w.rng.pick(&ids)?.clone();
    let (rel, text) = w.pick_file(w.documents(), |t| split(t).is_some())?;
    let (front, body) = split(&text).unwrap();
    let body = format!("{body}\n另见[[{id}]]。\n");
    w.rewrite(&rel, join(front, &body), format!("link to {id} in {rel}"))
}

fn link_remove(w: &mut World) -> Option<Edit> {
    let (rel, text) = w.pick_file(w.documents(), |t| {
        split(t).is_some_and(|(_, b)| b.contains("[["))
    })?;
    let (front, body) = split(&text).unwrap();
    let starts: Vec<usize> = body.match_indices("[[").map(|(i, _)| i).collect();
    let start = *w.rng.pick(&starts).unwrap();
    let end = start + body[start..].find("]]")? + 2;
    let inner = &body[start + 2..end - 2];
    // What a reader sees stays: the label, else the id.
    let plain = inner.rsplit('|').next().unwrap().split('#').next().unwrap();
    let body = format!("{}{plain}{}", &body[..start], &body[end..]);
    w.rewrite(
        &rel,
        join(front, &body),
        format!("unlink [[{inner}]] in {rel}"),
    )
}

fn metric_value(w: &mut World) -> Option<Edit> {
    let (rel, text) = w.pick_file(w.metrics(), |t| t.contains("value: "))?;
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("value: "))
        .collect();
    let old = *w.rng.pick(&lines).unwrap();
    let indent = &old[..old.len() - old.trim_start().len()];
    let value = format!("{}.{}", w.rng.below(500), w.rng.below(10));
    let new = format!("{indent}value: {value}");
    if new == old {
        return None;
    }
    let text = text.replacen(&format!("{old}\n"), &format!("{new}\n"), 1);
    w.rewrite(&rel, text, format!("{} -> {value} in {rel}", old.trim()))
}

fn file_added(w: &mut World) -> Option<Edit> {
    let n = w.fresh();
    let word = *w.rng.pick(WORDS).unwrap();
    let para = w.sentence();
    let (rel, text) = match w.rng.below(3) {
        0 => {
            let policy = w.rng.pick(&w.ids("policies")).cloned();
            let metric = w.rng.pick(&w.ids("metrics")).cloned();
            let mut front = format!("title: 新措施{n}\ntags: [{word}]\n");
            if let Some(p) = policy {
                front.push_str(&format!("policy: {p}\n"));
            }
            if let Some(m) = metric {
                front.push_str(&format!("metrics: [{m}]\n"));
            }
            (
                format!("content/measures/新措施{n}.md"),
                join(&front, &format!("\n{para}\n")),
            )
        }
        1 => {
            let policy = w.rng.pick(&w.ids("policies")).cloned();
            let link = policy.map(|p| format!("见[[{p}]]。")).unwrap_or_default();
            (
                format!("content/新页{n}.md"),
                join(&format!("title: 新页{n}\n"), &format!("\n{para}{link}\n")),
            )
        }
        _ => (
            format!("content/metrics/新指标{n}.yaml"),
            format!(
                "title: 新指标{n}\nunit: 个\ntags: [{word}]\nvalues:\n  - period: \"2023\"\n    value: {}\n  - period: \"2024\"\n    value: {}\n",
                w.rng.below(100),
                w.rng.below(100)
            ),
        ),
    };
    w.site.write(&rel, text);
    Some(Edit {
        what: format!("add {rel}"),
        touched: vec![rel],
    })
}

fn file_renamed(w: &mut World) -> Option<Edit> {
    let mut files = w.files("content/policies", &[".md"]);
    files.extend(w.files("content/measures", &[".md"]));
    files.extend(w.metrics());
    let old = w.rng.pick(&files)?.clone();
    let name = Path::new(&old)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    if w.mentioned(&name, &old) {
        return None; // a relative link names the file
    }
    let text = w.site.read(&old);
    let id = id_of(&old, &text);
    let ext = Path::new(&old)
        .extension()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let n = w.fresh();
    let new = format!(
        "{}/改名{n}.{ext}",
        Path::new(&old).parent().unwrap().display()
    );
    // The file keeps its id, so what refers to it still resolves.
    let text = if text.lines().any(|l| l.starts_with("id: ")) {
        text
    } else if let Some(rest) = text.strip_prefix("---\n") {
        format!("---\nid: {id}\n{rest}")
    } else {
        format!("id: {id}\n{text}")
    };
    std::fs::remove_file(w.site.path(&old)).unwrap();
    w.site.write(&new, text);
    Some(Edit {
        what: format!("rename {old} to {new}"),
        touched: vec![old, new],
    })
}

fn file_deleted(w: &mut World) -> Option<Edit> {
    let mut files = w.documents();
    files.extend(w.metrics());
    let rel = w.rng.pick(&files)?.clone();
    let text = w.site.read(&rel);
    let name = Path::new(&rel)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    // Only what nothing refers to: a deletion that breaks links is the
    // broken-link edit's business.
    if rel.ends_with("_index.md")
        || w.mentioned(&id_of(&rel, &text), &rel)
        || w.mentioned(&name, &rel)
    {
        return None;
    }
    w.site.remove(&rel);
    Some(Edit {
        what: format!("delete {rel}"),
        touched: vec![rel],
    })
}

/// A theme or site template: a marker before a closing tag, or a site
/// override added or removed.
fn template(w: &mut World) -> Option<Edit> {
    let n = w.fresh();
    match w.rng.below(4) {
        0 => {
            let rel = "templates/shortcodes/metric.html";
            if w.site.exists(rel) {
                w.site.remove(rel);
            } else {
                w.site.write(rel, format!("{{%- set v = metric_value(id=args.id, period=args.period | default(value=\"\")) -%}}<b data-n=\"{n}\">{{{{ v.value }}}}</b>"));
            }
            Some(Edit {
                what: format!("toggle {rel}"),
                touched: vec![rel.to_string()],
            })
        }
        1 => {
            let rel = "templates/404.html";
            w.site.write(rel, format!("{{% extends \"base.html\" %}}{{% block content %}}<p>没有这一页{n}</p>{{% endblock content %}}"));
            Some(Edit {
                what: format!("write {rel}"),
                touched: vec![rel.to_string()],
            })
        }
        _ => {
            let mut files = w.files("themes/default/templates", &[".html"]);
            files.extend(w.files("templates", &[".html"]));
            const CLOSING: &[&str] = &["</main>", "</article>", "</footer>", "</section>", "</p>"];
            let (rel, text) = w.pick_file(files, |t| CLOSING.iter().any(|c| t.contains(c)))?;
            let present: Vec<&str> = CLOSING
                .iter()
                .copied()
                .filter(|c| text.contains(c))
                .collect();
            let tag = *w.rng.pick(&present).unwrap();
            let text = text.replacen(tag, &format!("<i data-edit=\"{n}\"></i>{tag}"), 1);
            w.rewrite(&rel, text, format!("marker before {tag} in {rel}"))
        }
    }
}

fn data(w: &mut World) -> Option<Edit> {
    let n = w.fresh();
    let rel = "data/source.yaml";
    let text = if w.site.exists(rel) {
        w.site.read(rel)
    } else {
        String::new()
    };
    let text = match text.lines().find(|l| l.starts_with("byline: ")) {
        Some(line) if w.rng.percent(50) => text.replacen(line, &format!("byline: 记者{n}"), 1),
        _ => format!("{text}key{n}: 值{n}\n"),
    };
    w.site.write(rel, text);
    Some(Edit {
        what: format!("edit {rel}"),
        touched: vec![rel.to_string()],
    })
}

fn site_toml(w: &mut World) -> Option<Edit> {
    let rel = "site.toml";
    let text = w.site.read(rel);
    let n = w.fresh();
    let line = text
        .lines()
        .find(|l| l.starts_with("title = "))?
        .to_string();
    let text = match w.rng.below(2) {
        0 => text.replacen(&line, &format!("title = \"站点{n}\""), 1),
        _ if text.contains("portable_links = false\n") => {
            text.replacen("portable_links = false\n", "", 1)
        }
        _ => text.replacen(&line, &format!("{line}\nportable_links = false"), 1),
    };
    w.rewrite(rel, text, format!("edit {rel}"))
}

fn static_file(w: &mut World) -> Option<Edit> {
    let n = w.fresh();
    let rel = "static/extra.css";
    w.site.write(rel, format!(".e{n} {{ color: red }}\n"));
    Some(Edit {
        what: format!("write {rel}"),
        touched: vec![rel.to_string()],
    })
}

/// A link to an id that does not exist: the build fails (the same way as a
/// clean one) and the next step restores the file.
fn break_a_link(w: &mut World) -> Option<Edit> {
    let (rel, text) = w.pick_file(w.documents(), |t| split(t).is_some())?;
    let n = w.fresh();
    w.broken = Some((rel.clone(), text.clone()));
    w.rewrite(
        &rel,
        format!("{text}\n见[[不存在{n}]]。\n"),
        format!("break a link in {rel}"),
    )
}
