//! Full-text search: the index written at build time, read by the theme's
//! `search.js` in the browser. See docs/search.md for the design.

pub mod index;
pub mod text;

use crate::graph::Graph;
use crate::render::OutputFile;
use crate::render::context::Shared;
use crate::render::links::LinkStyle;

pub use index::SearchIndex;

/// The search index files (`search/…`).
pub fn files(graph: &Graph, _shared: &Shared, style: LinkStyle) -> Vec<OutputFile> {
    SearchIndex::build(graph, style).files()
}
