//! Full-text search: the index written at build time.

use crate::graph::Graph;
use crate::render::OutputFile;
use crate::render::context::Shared;
use crate::render::links::LinkStyle;

/// The search index files.
pub fn files(_graph: &Graph, _shared: &Shared, _style: LinkStyle) -> Vec<OutputFile> {
    Vec::new()
}
