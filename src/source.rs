//! Source files and spans.
//!
//! Every diagnostic points into a [`SourceFile`] through a [`Span`]; byte offsets
//! become 1-based line:column (columns count characters, not bytes) only when a
//! diagnostic is printed.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Index of a file in [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(pub u32);

/// A byte range inside one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: SourceId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: SourceId, range: Range<usize>) -> Span {
        Span {
            file,
            start: range.start as u32,
            end: range.end.max(range.start) as u32,
        }
    }

    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The same span moved by `offset` bytes (a front-matter span inside a file).
    pub fn shifted(self, offset: usize) -> Span {
        Span {
            start: self.start + offset as u32,
            end: self.end + offset as u32,
            ..self
        }
    }
}

/// Reads a file again, given its path as shown (relative to the site root).
pub type ReadAgain = Arc<dyn Fn(&Path) -> Option<String> + Send + Sync>;

/// One file of the site, as text.
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the site root, as shown to users.
    pub path: PathBuf,
    text: Text,
    /// Byte offset of each line, found when a diagnostic first needs it:
    /// most files never have one.
    line_starts: OnceLock<Vec<u32>>,
}

/// A file's text: held, or let go after parsing (see [`Sources::release`])
/// and read again the first time it is asked for.
enum Text {
    Held(String),
    Released {
        read: ReadAgain,
        again: OnceLock<String>,
    },
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Text::Held(t) => f.debug_tuple("Held").field(t).finish(),
            Text::Released { again, .. } => f.debug_tuple("Released").field(again).finish(),
        }
    }
}

impl SourceFile {
    pub fn new(path: PathBuf, text: String) -> SourceFile {
        SourceFile {
            path,
            text: Text::Held(text),
            line_starts: OnceLock::new(),
        }
    }

    /// The file's text, read again from disk if it was released (an empty
    /// text if it can no longer be read).
    pub fn text(&self) -> &str {
        match &self.text {
            Text::Held(t) => t,
            Text::Released { read, again } => {
                again.get_or_init(|| read(&self.path).unwrap_or_default())
            }
        }
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text().match_indices('\n').map(|(i, _)| i as u32 + 1))
                .collect()
        })
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let text = self.text();
        let offset = offset.min(text.len());
        let starts = self.line_starts();
        let line = starts.partition_point(|&s| s as usize <= offset) - 1;
        let start = starts[line] as usize;
        let col = text[start..floor_char_boundary(text, offset)]
            .chars()
            .count();
        (line + 1, col + 1)
    }

    pub fn line_range(&self, line_index: usize) -> Option<Range<usize>> {
        let starts = self.line_starts();
        let start = *starts.get(line_index)? as usize;
        let end = starts
            .get(line_index + 1)
            .map_or(self.text().len(), |&e| e as usize);
        Some(start..end)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// All files read for one build.
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, path: PathBuf, text: String) -> SourceId {
        self.files.push(SourceFile::new(path, text));
        SourceId(self.files.len() as u32 - 1)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Gives a file new text, keeping its id (an edit seen by `serve`).
    pub fn replace(&mut self, id: SourceId, text: String) {
        let file = &mut self.files[id.0 as usize];
        *file = SourceFile::new(std::mem::take(&mut file.path), text);
    }

    /// Lets the text of `ids` go once they are parsed: a one-shot build
    /// needs it again only for a diagnostic or a version comparison, and
    /// would otherwise hold every page twice, as written and as parsed.
    /// `read` brings a text back the first time it is asked for.
    pub fn release(&mut self, ids: &[SourceId], read: ReadAgain) {
        for &id in ids {
            self.files[id.0 as usize].text = Text::Released {
                read: read.clone(),
                again: OnceLock::new(),
            };
        }
    }

    pub fn get(&self, id: SourceId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn text(&self, id: SourceId) -> &str {
        self.get(id).text()
    }

    pub fn path(&self, id: SourceId) -> &Path {
        &self.get(id).path
    }

    /// "file:line:col" of a span, for messages and JSON output.
    pub fn location(&self, span: Span) -> String {
        let file = self.get(span.file);
        let (line, col) = file.line_col(span.start as usize);
        format!("{}:{}:{}", file.path.display(), line, col)
    }
}

impl<'a> codespan_reporting::files::Files<'a> for Sources {
    type FileId = SourceId;
    type Name = String;
    type Source = &'a str;

    fn name(&'a self, id: SourceId) -> Result<String, codespan_reporting::files::Error> {
        Ok(self.get(id).path.display().to_string())
    }

    fn source(&'a self, id: SourceId) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(self.get(id).text())
    }

    fn line_index(
        &'a self,
        id: SourceId,
        byte_index: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        Ok(self.get(id).line_col(byte_index).0 - 1)
    }

    fn line_range(
        &'a self,
        id: SourceId,
        line_index: usize,
    ) -> Result<Range<usize>, codespan_reporting::files::Error> {
        self.get(id)
            .line_range(line_index)
            .ok_or(codespan_reporting::files::Error::LineTooLarge {
                given: line_index,
                max: self.get(id).line_starts().len() - 1,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let f = SourceFile::new("a.md".into(), "标题\n数字化[[x]]\n".into());
        let offset = f.text().find("[[").unwrap();
        assert_eq!(f.line_col(offset), (2, 4));
        assert_eq!(f.line_col(0), (1, 1));
    }

    #[test]
    fn a_released_text_is_read_again_once_when_asked() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let text = "标题\n数字化[[x]]\n";
        let mut sources = Sources::default();
        let id = sources.add("content/a.md".into(), text.into());
        let reads = Arc::new(AtomicUsize::new(0));
        let counter = reads.clone();
        sources.release(
            &[id],
            Arc::new(move |shown: &Path| {
                counter.fetch_add(1, Ordering::Relaxed);
                (shown == Path::new("content/a.md")).then(|| text.to_string())
            }),
        );
        assert_eq!(reads.load(Ordering::Relaxed), 0, "nothing read until asked");
        assert_eq!(sources.get(id).line_col(text.find("[[").unwrap()), (2, 4));
        assert_eq!(sources.text(id), text);
        assert_eq!(reads.load(Ordering::Relaxed), 1, "read once, then kept");
    }
}
