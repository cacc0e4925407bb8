//! Full-text search: the index written at build time, read by the theme's
//! `search.js` in the browser. See docs/content/reference/search.md for the design.

pub mod codec;
pub mod index;
pub mod live;
pub mod postings;
pub mod text;

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::diag::Diagnostic;
use crate::graph::Graph;
use crate::render::Sink;
use crate::url::LinkStyle;

pub use index::{Bodies, SearchIndex};
pub use live::LiveIndex;

/// Writes the search index files (`search/…`) into `sink` as they are made.
pub fn put_files(
    graph: &Graph,
    style: LinkStyle,
    bodies: Bodies,
    sink: &dyn Sink,
) -> Vec<Diagnostic> {
    let start = std::time::Instant::now();
    let count = AtomicUsize::new(0);
    let errors = SearchIndex::put_graph_files(graph, style, bodies, |f| {
        count.fetch_add(1, Ordering::Relaxed);
        sink.put(f)
    });
    crate::lap("search", start, || {
        format!(" ({} index files, part of data)", count.into_inner())
    });
    errors
}
