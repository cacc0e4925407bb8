//! Write stage: output files to disk, atomically, safely, and only what changed.
//!
//! The output is double-buffered. Beside `public/` pinakes keeps the build
//! before it, `.public.pinakes-prev/`. A build brings that copy up to date —
//! writing only files whose bytes differ from what it holds and deleting files
//! that are gone — and then swaps the two directories with renames. So
//! `public/` is always one complete build (a failed build leaves it untouched),
//! and a rebuild costs the files that changed, not the whole site: creating
//! thousands of files is what dominates a full write on most disks.
//!
//! pinakes only ever deletes or rewrites a directory that carries its marker
//! file; the marker also holds the manifest (a hash per file) used to tell
//! which bytes changed.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::diag::{Code, Diagnostic};
use crate::hash::{Map, Set};
use crate::load::Origin;
use crate::output::{Contents, OutputFile};

/// Written into every output directory; its presence is what allows deletion.
/// It lists the files of the build with a hash of their bytes.
pub const MARKER: &str = ".pinakes-output";
const MARKER_HEADER: &str = "# written by pinakes; this directory is replaced on each build";

/// Checks that `out` may be replaced: not the site root, no `content/` inside,
/// and either missing, empty, or made by pinakes.
pub fn check_output_dir(root: &Path, out: &Path) -> Result<(), Diagnostic> {
    let refuse = |why: &str| {
        Diagnostic::error(
            Code::UnsafeOutput,
            format!("refusing to write to {}: {why}", out.display()),
        )
        .hint("choose another --output directory (default: public/)")
    };
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    if canon(out) == canon(root) {
        return Err(refuse("it is the site root"));
    }
    if canon(root).starts_with(canon(out)) {
        return Err(refuse("it contains the site"));
    }
    if !out.exists() {
        return Ok(());
    }
    if !out.is_dir() {
        return Err(refuse("it is a file"));
    }
    if out.join("content").exists() {
        return Err(refuse("it holds a content/ directory"));
    }
    let empty = std::fs::read_dir(out)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false);
    if !empty && !out.join(MARKER).exists() {
        return Err(refuse("it holds files pinakes did not write").hint(format!(
            "pinakes replaces only directories it created (they contain {MARKER}); empty or remove it yourself"
        )));
    }
    Ok(())
}

/// The sibling that holds the previous build: `.public.pinakes-prev`.
pub fn previous_dir(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    sibling(out, &format!(".{name}.pinakes-prev"))
}

fn sibling(out: &Path, name: &str) -> PathBuf {
    match out.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(p) => p.join(name),
        None => PathBuf::from(name),
    }
}

/// Writes `files` as the new content of `out`. Returns how many files were
/// written (the others were already up to date).
pub fn write_site(root: &Path, out: &Path, files: &[OutputFile]) -> Result<usize, Diagnostic> {
    let staging = Staging::open(root, out)?;
    files.par_iter().try_for_each(|f| staging.put(f))?;
    staging.finish()
}

/// The previous build, being brought up to date as files arrive. Nothing
/// here touches the live output until [`Staging::finish`] swaps it in; a
/// build that fails simply drops its `Staging`.
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
    /// Path -> hash of what the staging copy held, from its manifest.
    old: Map<String, u64>,
    /// Path -> hash of every file of this build.
    entries: Mutex<Vec<(String, u64)>>,
    written: AtomicUsize,
}

impl Staging {
    /// Checks the output directory and opens its staging copy.
    pub fn open(root: &Path, out: &Path) -> Result<Staging, Diagnostic> {
        check_output_dir(root, out)?;
        let dir = previous_dir(out);
        if dir.exists() && !dir.join(MARKER).exists() {
            // Not ours (or a crash before its marker was written): start
            // afresh only if it is empty, never delete what we cannot vouch for.
            std::fs::remove_dir(&dir).map_err(|_| {
                Diagnostic::error(
                    Code::UnsafeOutput,
                    format!("{} exists and was not written by pinakes", dir.display()),
                )
                .hint("remove it yourself; pinakes keeps its previous build there")
            })?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
        let old = read_manifest(&dir);
        // Invalidate the manifest first: if we stop half-way, the next build
        // rewrites everything instead of trusting stale hashes.
        std::fs::write(dir.join(MARKER), format!("{MARKER_HEADER}\n"))
            .map_err(|e| io_error(&dir, e))?;
        Ok(Staging {
            out: out.to_path_buf(),
            dir,
            old,
            entries: Mutex::new(Vec::new()),
            written: AtomicUsize::new(0),
        })
    }

    /// Stores one file, writing it only if its bytes differ from the copy's.
    pub fn put(&self, f: &OutputFile) -> Result<(), Diagnostic> {
        let h = hash_contents(f);
        let unchanged =
            self.old.get(f.path.as_str()) == Some(&h) && self.dir.join(&f.path).is_file();
        if !unchanged {
            write_file(&self.dir, f)?;
            self.written.fetch_add(1, Ordering::Relaxed);
        }
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((f.path.clone(), h));
        Ok(())
    }

    /// Removes what this build no longer has, records the manifest and swaps
    /// the copy in as the output. Returns the number of files written.
    pub fn finish(self) -> Result<usize, Diagnostic> {
        let mut entries = self.entries.into_inner().unwrap_or_else(|e| e.into_inner());
        entries.sort();
        let keep: Set<&str> = entries.iter().map(|(p, _)| p.as_str()).collect();
        for stale in self.old.keys().filter(|p| !keep.contains(p.as_str())) {
            remove_with_empty_parents(&self.dir, Path::new(stale));
        }
        let mut manifest = String::with_capacity(entries.len() * 64);
        manifest.push_str(MARKER_HEADER);
        manifest.push('\n');
        for (path, h) in &entries {
            manifest.push_str(&format!("{h:016x} {path}\n"));
        }
        std::fs::write(self.dir.join(MARKER), manifest).map_err(|e| io_error(&self.dir, e))?;
        swap(&self.out, &self.dir)?;
        Ok(self.written.into_inner())
    }
}

impl crate::render::Sink for Staging {
    fn put(&self, file: OutputFile) -> Result<(), Diagnostic> {
        Staging::put(self, &file)
    }

    /// Written as it comes, and always (its hash is known only once it is).
    fn put_streamed(&self, path: &str, write: crate::render::Streamed) -> Result<(), Diagnostic> {
        let full = self.dir.join(path);
        if let Some(p) = full.parent() {
            std::fs::create_dir_all(p).map_err(|e| io_error(p, e))?;
        }
        let file = std::fs::File::create(&full).map_err(|e| io_error(&full, e))?;
        let mut out = std::io::BufWriter::with_capacity(1 << 16, Hashing::new(file));
        write(&mut out)
            .and_then(|()| out.flush())
            .map_err(|e| io_error(&full, e))?;
        let hash = out.get_ref().hash.finish();
        self.written.fetch_add(1, Ordering::Relaxed);
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((path.to_string(), hash));
        Ok(())
    }
}

/// A file that hashes what is written to it.
struct Hashing {
    file: std::fs::File,
    hash: crate::hash::Digest,
}

impl Hashing {
    fn new(file: std::fs::File) -> Hashing {
        Hashing {
            file,
            hash: crate::hash::hasher(),
        }
    }
}

impl std::io::Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hash.write(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

fn read_manifest(dir: &Path) -> Map<String, u64> {
    let Ok(text) = std::fs::read_to_string(dir.join(MARKER)) else {
        return Map::default();
    };
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (h, p) = l.split_once(' ')?;
            Some((p.to_string(), u64::from_str_radix(h, 16).ok()?))
        })
        .collect()
}

fn hash_contents(f: &OutputFile) -> u64 {
    let mut h = crate::hash::hasher();
    match &f.contents {
        Contents::Bytes(b) => b.hash(&mut h),
        Contents::Copy(Origin::Embedded(b)) => b.hash(&mut h),
        // A copied file is compared by its size and time, not read.
        Contents::Copy(Origin::Disk(src)) => {
            src.hash(&mut h);
            if let Ok(m) = std::fs::metadata(src) {
                m.len().hash(&mut h);
                m.modified().ok().hash(&mut h);
            }
        }
    }
    h.finish()
}

fn remove_with_empty_parents(dir: &Path, rel: &Path) {
    let _ = std::fs::remove_file(dir.join(rel));
    let mut parent = rel.parent();
    while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
        if std::fs::remove_dir(dir.join(p)).is_err() {
            break;
        }
        parent = p.parent();
    }
}

/// Writes one output file below `dir`, creating its folders.
pub fn write_file(dir: &Path, f: &OutputFile) -> Result<(), Diagnostic> {
    let path = dir.join(&f.path);
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).map_err(|e| io_error(p, e))?;
    }
    match &f.contents {
        Contents::Bytes(b) => std::fs::write(&path, b),
        Contents::Copy(Origin::Embedded(b)) => std::fs::write(&path, b),
        Contents::Copy(Origin::Disk(src)) => std::fs::copy(src, &path).map(|_| ()),
    }
    .map_err(|e| io_error(&path, e))
}

/// Puts `staging` in place of `out`; the old `out` becomes the new staging.
fn swap(out: &Path, staging: &Path) -> Result<(), Diagnostic> {
    if !out.exists() {
        return std::fs::rename(staging, out).map_err(|e| io_error(out, e));
    }
    let empty_foreign = !out.join(MARKER).exists();
    let aside = sibling(out, &format!(".pinakes-swap-{}", std::process::id()));
    std::fs::rename(out, &aside).map_err(|e| io_error(out, e))?;
    if let Err(e) = std::fs::rename(staging, out) {
        // Put the previous output back before reporting.
        let _ = std::fs::rename(&aside, out);
        return Err(io_error(out, e));
    }
    if empty_foreign {
        // An empty directory the user made: nothing to keep.
        let _ = std::fs::remove_dir(&aside);
    } else {
        let _ = std::fs::rename(&aside, staging);
    }
    Ok(())
}

fn io_error(path: &Path, e: std::io::Error) -> Diagnostic {
    Diagnostic::error(Code::Io, format!("cannot write: {e}")).in_file(PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(p: &str, s: &str) -> OutputFile {
        OutputFile {
            path: p.into(),
            contents: Contents::Bytes(s.as_bytes().to_vec()),
        }
    }

    #[test]
    fn refuses_unsafe_outputs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("content")).unwrap();
        assert!(check_output_dir(root, root).is_err());
        let foreign = root.join("docs");
        std::fs::create_dir_all(&foreign).unwrap();
        std::fs::write(foreign.join("mine.txt"), "x").unwrap();
        let e = check_output_dir(root, &foreign).unwrap_err();
        assert!(e.message.contains("did not write"));
        assert!(check_output_dir(root, &root.join("public")).is_ok());
    }

    #[test]
    fn replaces_and_writes_only_changes() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let v1 = [
            file("a/index.html", "1"),
            file("old/x/index.html", "x"),
            file("same.css", "s"),
        ];
        assert_eq!(write_site(dir.path(), &out, &v1).unwrap(), 3);
        let v2 = [file("a/index.html", "2"), file("same.css", "s")];
        // The staging copy is new: everything is written once.
        assert_eq!(write_site(dir.path(), &out, &v2).unwrap(), 2);
        assert_eq!(
            std::fs::read_to_string(out.join("a/index.html")).unwrap(),
            "2"
        );
        assert!(!out.join("old").exists());
        // Now the staging copy holds v1: only a/index.html differs from it.
        let v3 = [file("a/index.html", "3"), file("same.css", "s")];
        assert_eq!(write_site(dir.path(), &out, &v3).unwrap(), 1);
        assert!(!out.join("old").exists(), "stale folders are removed");
        assert_eq!(
            std::fs::read_to_string(out.join("a/index.html")).unwrap(),
            "3"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 2, "public and its previous build: {names:?}");
    }
}
