//! Metrics: derived figures, charts, number formatting and data downloads.

use tera::Tera;

use crate::graph::Graph;
use crate::render::OutputFile;
use crate::render::context::Shared;
use crate::render::links::LinkStyle;

/// Files written beside the metric pages.
pub fn files(_graph: &Graph, _shared: &Shared, _style: LinkStyle) -> Vec<OutputFile> {
    Vec::new()
}

/// Template filters and functions for metrics.
pub fn register(_tera: &mut Tera, _graph: &Graph, _style: LinkStyle) {}
