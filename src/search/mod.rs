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

pub use index::SearchIndex;
pub use live::LiveIndex;

/// Writes the search index files (`search/…`) into `sink` as they are made.
pub fn put_files(graph: &Graph, style: LinkStyle, sink: &dyn Sink) -> Vec<Diagnostic> {
    let start = std::time::Instant::now();
    let count = AtomicUsize::new(0);
    let index = SearchIndex::build(graph, style);
    if crate::timings() {
        eprintln!(
            "  search text: {:>6.1} ms (out of the pages' HTML)",
            start.elapsed().as_secs_f64() * 1000.0
        );
    }
    let errors = index.into_files(|f| {
        count.fetch_add(1, Ordering::Relaxed);
        sink.put(f)
    });
    if crate::timings() {
        eprintln!(
            "  search: {:>6.1} ms ({} index files, part of data), {}",
            start.elapsed().as_secs_f64() * 1000.0,
            count.into_inner(),
            crate::rss_note()
        );
    }
    errors
}
