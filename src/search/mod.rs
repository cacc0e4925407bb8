//! Full-text search: the index written at build time, read by the theme's
//! `search.js` in the browser. See docs/content/reference/search.md for the design.

pub mod index;
pub mod live;
pub mod text;

use crate::graph::Graph;
use crate::output::OutputFile;
use crate::url::LinkStyle;

pub use index::SearchIndex;
pub use live::LiveIndex;

/// The search index files (`search/…`).
pub fn files(graph: &Graph, style: LinkStyle) -> Vec<OutputFile> {
    let start = std::time::Instant::now();
    let files = SearchIndex::build(graph, style).files();
    if std::env::var_os("PINAKES_TIMINGS").is_some() {
        eprintln!(
            "  search: {:>6.1} ms ({} index files, part of render)",
            start.elapsed().as_secs_f64() * 1000.0,
            files.len()
        );
    }
    files
}
