//! `/api/index.json`: every entity with its fields, URL, references and
//! backlinks, so other tools can build on the site's data.

use std::io::Write;

use rayon::prelude::*;
use serde::Serialize;

use crate::diag::Diagnostic;
use crate::graph::{EntityIdx, Graph};
use crate::output::{Contents, OutputFile};
use crate::parse::entity::{Kind, Rel};
use crate::render::Sink;
use crate::url::encode_path;

#[derive(Serialize)]
struct Link<'a> {
    field: Rel,
    id: &'a str,
}

#[derive(Serialize)]
struct EntityOut<'a> {
    id: &'a str,
    kind: Kind,
    title: &'a str,
    /// Path from the site root, percent-encoded, e.g. `policies/%E7%94%B2/`.
    url: String,
    /// The HTML file of the page, relative to the site root.
    file: String,
    source: String,
    /// Front matter (or metric file) fields as written.
    fields: &'a serde_json::value::RawValue,
    /// Typed references out of this entity.
    refs: Vec<Link<'a>>,
    /// Typed references into this entity.
    backlinks: Vec<Link<'a>>,
    /// Entities this one links to in prose.
    links: Vec<&'a str>,
    /// Entities that link to this one in prose.
    mentioned_by: Vec<&'a str>,
}

/// Writes `api/index.json` into `sink` as its entries are made, a few
/// hundred at a time: a large site's index is tens of megabytes, and held
/// whole it stood beside the search index at a build's busiest.
pub fn put_index(graph: &Graph, sink: &dyn Sink) -> Result<(), Diagnostic> {
    const CHUNK: usize = 512;
    let n = graph.entities.len();
    sink.put_streamed(INDEX_PATH, &mut |out| {
        let chunks = (0..n).step_by(CHUNK).map(|start| {
            let entries = (start..n.min(start + CHUNK)).into_par_iter();
            entries.map(|i| entry(graph, i)).collect::<Vec<Vec<u8>>>()
        });
        write_index(out, chunks.flatten())
    })
}

/// Entity `i`'s entry, formatted as it stands in the index: a rebuild keeps
/// the entries of entities that did not change.
pub fn entry(graph: &Graph, i: EntityIdx) -> Vec<u8> {
    serde_json::to_vec(&entity(graph, i)).unwrap_or_default()
}

const INDEX_PATH: &str = "api/index.json";

/// `api/index.json` from its entries in entity order, held whole (a
/// rebuild keeps the entries).
pub fn index_file(entries: impl Iterator<Item = impl AsRef<[u8]>> + Clone) -> OutputFile {
    // Sized once: the index of a large site is megabytes, and each step
    // of a growing buffer would copy it again.
    let size: usize = entries.clone().map(|e| e.as_ref().len() + 2).sum();
    let mut json = Vec::with_capacity(HEAD.len() + size + 4);
    write_index(&mut json, entries).expect("writing to memory does not fail");
    OutputFile {
        path: INDEX_PATH.into(),
        contents: Contents::Bytes(json),
    }
}

const HEAD: &[u8] = b"{\"version\":1,\"entities\":[";

/// The format version and the entities, one compact entry a line (small,
/// and still easy to read, diff and grep a line at a time).
fn write_index(
    out: &mut dyn Write,
    entries: impl Iterator<Item = impl AsRef<[u8]>>,
) -> std::io::Result<()> {
    out.write_all(HEAD)?;
    let mut any = false;
    for e in entries {
        out.write_all(if any { b",\n" } else { b"\n" })?;
        out.write_all(e.as_ref())?;
        any = true;
    }
    out.write_all(b"\n]}\n")
}

fn entity(graph: &Graph, i: EntityIdx) -> EntityOut<'_> {
    let e = &graph.entities[i];
    let id = |j: EntityIdx| graph.entities[j].id.as_str();
    let mut links: Vec<&str> = Vec::new();
    for t in graph.links[i].iter().flatten().filter_map(|l| l.target) {
        if t != i && !links.contains(&id(t)) {
            links.push(id(t));
        }
    }
    EntityOut {
        id: &e.id,
        kind: e.kind,
        title: &e.title,
        url: encode_path(&e.url_path),
        file: format!("{}index.html", e.url_path),
        source: format!("content/{}", e.content_path.display()).replace('\\', "/"),
        fields: e.fields.raw(),
        refs: graph.outgoing[i]
            .iter()
            .map(|&x| Link {
                field: graph.edges[x].rel,
                id: id(graph.edges[x].to),
            })
            .collect(),
        backlinks: graph.incoming[i]
            .iter()
            .map(|&x| Link {
                field: graph.edges[x].rel,
                id: id(graph.edges[x].from),
            })
            .collect(),
        links,
        mentioned_by: graph.mentioned_by[i].iter().map(|&j| id(j)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_join_into_one_json_document_an_entry_a_line() {
        let items = [
            serde_json::json!({"id": "甲", "refs": [], "fields": {"a": [1, {"b": "x\ny"}]}}),
            serde_json::json!({"id": "乙", "links": ["甲"]}),
        ];
        for n in 0..=items.len() {
            let entries: Vec<Vec<u8>> = items[..n]
                .iter()
                .map(|v| serde_json::to_vec(v).unwrap())
                .collect();
            let Contents::Bytes(b) = index_file(entries.iter()).contents else {
                panic!("bytes")
            };
            let text = String::from_utf8(b).unwrap();
            let whole: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(whole["version"], 1);
            assert_eq!(whole["entities"].as_array().unwrap(), &items[..n]);
            assert_eq!(text.lines().count(), n + 2, "{text}");
        }
    }
}
