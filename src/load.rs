//! Load stage: walk the site and read its files.
//!
//! The only stage besides `write` that touches the disk. Templates, static
//! files and UI strings are resolved here — a site's file wins over the
//! theme's of the same name — so later stages see one set.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::config::Config;
use crate::decode::{Encoding, decode};
use crate::diag::{Code, Diagnostic};
use crate::source::{SourceId, Sources};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_theme.rs"));
}

/// How text files are read: the site's size limit and encoding.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    pub max_bytes: u64,
    pub encoding: Encoding,
    pub follow_external_symlinks: bool,
}

impl ReadOptions {
    pub fn of(config: &Config) -> ReadOptions {
        ReadOptions {
            max_bytes: config.max_file_bytes(),
            encoding: config.encoding,
            follow_external_symlinks: config.follow_external_symlinks,
        }
    }
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions::of(&Config::default())
    }
}

#[derive(Debug, Clone)]
pub enum Origin {
    Disk(PathBuf),
    Embedded(&'static [u8]),
}

/// A file copied verbatim to the output.
#[derive(Debug, Clone)]
pub struct StaticFile {
    /// Path relative to the output root.
    pub rel: String,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct TemplateFile {
    /// Name used in `{% extends %}` and by the renderer, e.g. `policy.html`.
    pub name: String,
    pub source: SourceId,
}

/// Everything read from the site, with its configuration.
#[derive(Debug)]
pub struct Loaded {
    pub root: PathBuf,
    pub config: Config,
    pub sources: Sources,
    pub config_source: Option<SourceId>,
    /// `content/**` files, sorted by path.
    pub content: Vec<SourceId>,
    /// `data/**.yaml`, sorted by path.
    pub data: Vec<SourceId>,
    /// Theme templates with the site's overrides applied.
    pub templates: Vec<TemplateFile>,
    /// UI strings of the configured language.
    pub i18n: Option<SourceId>,
    /// Theme static files with the site's `static/` over them.
    pub statics: Vec<StaticFile>,
}

/// Reads the site at `root`: the result holds whatever could be read, with
/// the problems found on the way.
pub fn load(root: &Path) -> (Loaded, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut sources = Sources::default();
    let (config, config_source) = read_config(root, &mut sources, &mut diags);
    let opts = ReadOptions::of(&config);
    let content_exts = &["md", "yaml", "yml"];
    let content = read_tree(
        root,
        "content",
        content_exts,
        opts,
        &mut sources,
        &mut diags,
    );
    let data = read_tree(
        root,
        "data",
        &["yaml", "yml"],
        opts,
        &mut sources,
        &mut diags,
    );
    let theme = Theme::find(root, &config.theme);
    if let Theme::Missing = theme {
        diags.push(
            Diagnostic::error(Code::Theme, format!("theme `{}` not found", config.theme))
                .in_file("site.toml")
                .hint(format!(
                    "put it in themes/{}/ or use theme = \"default\" (built in)",
                    config.theme
                )),
        );
    }
    let templates = templates(root, &theme, &mut sources, &mut diags);
    let i18n = ui_strings(&theme, &config, &mut sources);
    let loaded = Loaded {
        root: root.to_path_buf(),
        statics: statics(root, &theme),
        config,
        sources,
        config_source,
        content,
        data,
        templates,
        i18n,
    };
    (loaded, diags)
}

/// `site.toml`, or the defaults (with a warning) when there is none.
fn read_config(
    root: &Path,
    sources: &mut Sources,
    diags: &mut Vec<Diagnostic>,
) -> (Config, Option<SourceId>) {
    let config_path = root.join("site.toml");
    let defaults = ReadOptions::default();
    match read_text(&config_path, Path::new("site.toml"), defaults) {
        Ok((text, warnings)) => {
            diags.extend(warnings);
            let id = sources.add("site.toml".into(), text);
            let mut d = crate::diag::Diagnostics::default();
            let c = Config::parse(sources, id, &mut d);
            diags.extend(d.into_vec());
            (c, Some(id))
        }
        Err(e) if config_path.exists() => {
            diags.push(e);
            (Config::default(), None)
        }
        Err(_) => {
            diags.push(
                Diagnostic::warning(Code::NoConfig, "no site.toml found; using defaults")
                    .in_file(root.display().to_string())
                    .hint("run `pinakes new site DIR` for a starting point, or pass --root"),
            );
            (Config::default(), None)
        }
    }
}

/// The theme's templates with the site's `templates/` over them, by name.
fn templates(
    root: &Path,
    theme: &Theme,
    sources: &mut Sources,
    diags: &mut Vec<Diagnostic>,
) -> Vec<TemplateFile> {
    let mut templates = Vec::new();
    for (name, text, display) in theme.files("templates") {
        let id = sources.add(display, text);
        templates.push(TemplateFile { name, source: id });
    }
    for (rel, text) in read_files(&root.join("templates"), root, sources, diags) {
        templates.retain(|t| t.name != rel);
        templates.push(TemplateFile {
            name: rel,
            source: text,
        });
    }
    templates.sort_by(|a, b| a.name.cmp(&b.name));
    templates
}

/// The theme's UI strings for the configured language (zh-CN when the
/// theme has none for it).
fn ui_strings(theme: &Theme, config: &Config, sources: &mut Sources) -> Option<SourceId> {
    let lang = if crate::config::LANGUAGES.contains(&config.language.as_str()) {
        config.language.as_str()
    } else {
        "zh-CN"
    };
    theme
        .files("i18n")
        .into_iter()
        .find(|(name, _, _)| name == &format!("{lang}.toml"))
        .map(|(_, text, display)| sources.add(display, text))
}

/// The theme's static files with the site's `static/` over them, by path.
fn statics(root: &Path, theme: &Theme) -> Vec<StaticFile> {
    let mut statics = theme.statics();
    let site_static = root.join("static");
    for entry in walk(&site_static) {
        let rel = rel_string(entry.path(), &site_static);
        statics.retain(|s| s.rel != rel);
        statics.push(StaticFile {
            rel,
            origin: Origin::Disk(entry.into_path()),
        });
    }
    statics.sort_by(|a, b| a.rel.cmp(&b.rel));
    statics
}

/// Where the theme's files come from.
enum Theme {
    Disk(PathBuf),
    Embedded,
    Missing,
}

impl Theme {
    fn find(root: &Path, name: &str) -> Theme {
        let dir = root.join("themes").join(name);
        if dir.is_dir() {
            Theme::Disk(dir)
        } else if name == "default" {
            Theme::Embedded
        } else {
            Theme::Missing
        }
    }

    /// (name inside `sub`, text, display path) of the theme's text files in `sub`.
    fn files(&self, sub: &str) -> Vec<(String, String, PathBuf)> {
        match self {
            Theme::Disk(dir) => walk(&dir.join(sub))
                .filter_map(|e| {
                    let rel = rel_string(e.path(), &dir.join(sub));
                    let text = std::fs::read_to_string(e.path()).ok()?;
                    let display = Path::new("themes")
                        .join(dir.file_name()?)
                        .join(sub)
                        .join(&rel);
                    Some((rel, text, display))
                })
                .collect(),
            Theme::Embedded => {
                let prefix = format!("{sub}/");
                embedded::THEME_FILES
                    .iter()
                    .filter_map(|(path, bytes)| {
                        let rel = path.strip_prefix(&prefix)?;
                        let text = String::from_utf8_lossy(bytes).into_owned();
                        Some((
                            rel.to_string(),
                            text,
                            PathBuf::from(format!("<default theme>/{path}")),
                        ))
                    })
                    .collect()
            }
            Theme::Missing => Vec::new(),
        }
    }

    fn statics(&self) -> Vec<StaticFile> {
        match self {
            Theme::Disk(dir) => {
                let base = dir.join("static");
                walk(&base)
                    .map(|e| StaticFile {
                        rel: rel_string(e.path(), &base),
                        origin: Origin::Disk(e.into_path()),
                    })
                    .collect()
            }
            Theme::Embedded => embedded::THEME_FILES
                .iter()
                .filter_map(|(path, bytes)| {
                    Some(StaticFile {
                        rel: path.strip_prefix("static/")?.to_string(),
                        origin: Origin::Embedded(bytes),
                    })
                })
                .collect(),
            Theme::Missing => Vec::new(),
        }
    }
}

/// Files under `dir`, sorted, skipping hidden files and editors' temp files.
fn walk(dir: &Path) -> impl Iterator<Item = walkdir::DirEntry> {
    WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored(e.file_name().to_string_lossy().as_ref()))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
}

/// Hidden files, backups and swap files never belong to a site.
pub fn is_ignored(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
        || [
            ".swp",
            ".swx",
            ".tmp",
            ".bak",
            "___jb_tmp___",
            "___jb_old___",
        ]
        .iter()
        .any(|s| name.ends_with(s))
}

fn rel_string(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Reads the text files under `root/sub` with one of `exts`, in parallel.
fn read_tree(
    root: &Path,
    sub: &str,
    exts: &[&str],
    opts: ReadOptions,
    sources: &mut Sources,
    diags: &mut Vec<Diagnostic>,
) -> Vec<SourceId> {
    let paths: Vec<PathBuf> = site_files(root, &root.join(sub), opts, diags)
        .into_iter()
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.contains(&e))
        })
        .collect();
    let read: Vec<_> = paths
        .par_iter()
        .map(|p| {
            let rel = p.strip_prefix(root).unwrap_or(p).to_path_buf();
            (rel.clone(), read_text(p, &rel, opts))
        })
        .collect();
    let mut ids = Vec::new();
    for (rel, result) in read {
        match result {
            Ok((text, warnings)) => {
                diags.extend(warnings);
                ids.push(sources.add(rel, text));
            }
            Err(d) => diags.push(d),
        }
    }
    ids
}

/// Files under `dir` (sorted, editors' files skipped), following symbolic
/// links that stay inside the site; one leading outside is refused unless
/// the site allows it.
fn site_files(
    root: &Path,
    dir: &Path,
    opts: ReadOptions,
    diags: &mut Vec<Diagnostic>,
) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut it = WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored(e.file_name().to_string_lossy().as_ref()));
    while let Some(entry) = it.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                // A missing folder (no data/) is no problem.
                if let Some(path) = e.path().filter(|_| e.depth() > 0) {
                    let rel = path.strip_prefix(root).unwrap_or(path);
                    diags.push(
                        Diagnostic::warning(Code::Symlink, format!("skipped: {e}"))
                            .in_file(rel)
                            .hint("a symbolic link that leads nowhere, or back to a folder above it, is skipped"),
                    );
                }
                continue;
            }
        };
        if entry.path_is_symlink()
            && let Some(d) = outside_site(root, entry.path(), opts)
        {
            diags.push(d);
            if entry.file_type().is_dir() {
                it.skip_current_dir();
            }
            continue;
        }
        if entry.file_type().is_file() {
            out.push(entry.into_path());
        }
    }
    out
}

/// The error for a symbolic link at `path` that leads outside the site,
/// unless the site allows such links.
pub fn outside_site(root: &Path, path: &Path, opts: ReadOptions) -> Option<Diagnostic> {
    if opts.follow_external_symlinks {
        return None;
    }
    let target = std::fs::canonicalize(path).ok()?;
    if target.starts_with(std::fs::canonicalize(root).ok()?) {
        return None;
    }
    let rel = path.strip_prefix(root).unwrap_or(path);
    Some(
        Diagnostic::error(
            Code::Symlink,
            format!(
                "symbolic link to {}, outside the site: not read",
                target.display()
            ),
        )
        .in_file(rel)
        .hint("copy the file into the site, or set `follow_external_symlinks = true` in site.toml to read what links point to"),
    )
}

/// Reads all files under `dir` as (name relative to `dir`, source id).
fn read_files(
    dir: &Path,
    root: &Path,
    sources: &mut Sources,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(String, SourceId)> {
    let mut out = Vec::new();
    for e in walk(dir) {
        let rel_root = e
            .path()
            .strip_prefix(root)
            .unwrap_or(e.path())
            .to_path_buf();
        match read_text(e.path(), &rel_root, ReadOptions::default()) {
            Ok((text, warnings)) => {
                diags.extend(warnings);
                out.push((rel_string(e.path(), dir), sources.add(rel_root, text)));
            }
            Err(d) => diags.push(d),
        }
    }
    out
}

/// Reads a text file: refuses one over the size limit, decodes it (see
/// [`crate::decode`]) and returns it with the warnings of what was repaired.
pub fn read_text(
    path: &Path,
    shown: &Path,
    opts: ReadOptions,
) -> Result<(String, Vec<Diagnostic>), Diagnostic> {
    let io =
        |e: std::io::Error| Diagnostic::error(Code::Io, format!("cannot read: {e}")).in_file(shown);
    // The size from the open file: one lookup of the path, not two.
    let mut file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.len() > opts.max_bytes {
        let mib = |n: u64| n as f64 / 1048576.0;
        let needed = meta.len().div_ceil(1024 * 1024).next_power_of_two();
        return Err(Diagnostic::error(
            Code::TooLarge,
            format!(
                "file is {:.1} MiB, over the limit of {:.0} MiB",
                mib(meta.len()),
                mib(opts.max_bytes)
            ),
        )
        .in_file(shown)
        .hint(format!(
            "if the file is meant to be here, raise the limit in site.toml: max_file_mib = {needed}"
        )));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    // Through `take`: a `File` would ask its size and place again.
    std::io::Read::read_to_end(&mut std::io::Read::take(&mut file, u64::MAX), &mut bytes)
        .map_err(io)?;
    let decoded = decode(bytes, shown, opts.encoding)?;
    Ok((crate::placeholder::scrub(decoded.text), decoded.warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignores_editor_files() {
        for n in [
            ".x.md.swp",
            "a.md~",
            "#a.md#",
            ".hidden",
            "4913.tmp",
            "a.md___jb_tmp___",
        ] {
            assert!(is_ignored(n), "{n}");
        }
        assert!(!is_ignored("千项千亿.md"));
    }

    #[test]
    fn embedded_theme_has_the_fixed_templates() {
        let names: Vec<&str> = embedded::THEME_FILES.iter().map(|(n, _)| *n).collect();
        for t in crate::render::templates::REQUIRED {
            assert!(
                names.contains(&format!("templates/{t}").as_str()),
                "{t} missing"
            );
        }
    }
}
