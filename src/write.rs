//! Write stage: output files to disk, atomically and safely.
//!
//! The new site is written into a sibling directory, then swapped in with two
//! renames, so a failed build leaves the previous output untouched. pinakes
//! only ever deletes a directory that carries its marker file.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diag::Diagnostic;
use crate::load::Origin;
use crate::render::{Contents, OutputFile};

/// Written into every output directory; its presence is what allows deletion.
pub const MARKER: &str = ".pinakes-output";

/// Checks that `out` may be replaced: not the site root, no `content/` inside,
/// and either missing, empty, or made by pinakes.
pub fn check_output_dir(root: &Path, out: &Path) -> Result<(), Diagnostic> {
    let refuse = |why: &str| {
        Diagnostic::error(
            "unsafe-output",
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

/// Writes `files` as the new content of `out`.
pub fn write_site(root: &Path, out: &Path, files: &[OutputFile]) -> Result<(), Diagnostic> {
    check_output_dir(root, out)?;
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    let staging = parent.join(format!(".{name}.pinakes-new-{}", std::process::id()));
    let old = parent.join(format!(".{name}.pinakes-old-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| io_error(&staging, e))?;
    }
    let result = write_all(&staging, files).and_then(|_| swap(out, &staging, &old));
    if result.is_err() && staging.exists() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}

fn write_all(dir: &Path, files: &[OutputFile]) -> Result<(), Diagnostic> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    std::fs::write(
        dir.join(MARKER),
        "written by pinakes; this directory is replaced on each build\n",
    )
    .map_err(|e| io_error(dir, e))?;
    files.par_iter().try_for_each(|f| write_file(dir, f))
}

/// Writes one output file below `dir`, creating its folders.
pub fn write_file(dir: &Path, f: &OutputFile) -> Result<(), Diagnostic> {
    let path = dir.join(&f.path);
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).map_err(|e| io_error(p, e))?;
    }
    match &f.contents {
        Contents::Bytes(b) => std::fs::write(&path, b).map(|_| ()),
        Contents::Copy(Origin::Embedded(b)) => std::fs::write(&path, b),
        Contents::Copy(Origin::Disk(src)) => std::fs::copy(src, &path).map(|_| ()),
    }
    .map_err(|e| io_error(&path, e))
}

fn swap(out: &Path, staging: &Path, old: &Path) -> Result<(), Diagnostic> {
    if out.exists() {
        std::fs::rename(out, old).map_err(|e| io_error(out, e))?;
    }
    if let Err(e) = std::fs::rename(staging, out) {
        // Put the previous output back before reporting.
        let _ = std::fs::rename(old, out);
        return Err(io_error(out, e));
    }
    if old.join(MARKER).exists() {
        let _ = std::fs::remove_dir_all(old);
    } else if old.exists() {
        // An empty directory without our marker: remove only if empty.
        let _ = std::fs::remove_dir(old);
    }
    Ok(())
}

fn io_error(path: &Path, e: std::io::Error) -> Diagnostic {
    Diagnostic::error("io", format!("cannot write: {e}")).in_file(PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn writes_and_replaces_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let file = |p: &str, s: &str| OutputFile {
            path: p.into(),
            contents: Contents::Bytes(s.as_bytes().to_vec()),
        };
        write_site(
            dir.path(),
            &out,
            &[file("a/index.html", "1"), file("old.html", "x")],
        )
        .unwrap();
        write_site(dir.path(), &out, &[file("a/index.html", "2")]).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("a/index.html")).unwrap(),
            "2"
        );
        assert!(!out.join("old.html").exists());
        assert!(out.join(MARKER).exists());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    }
}
