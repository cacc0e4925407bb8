//! `/api/index.json`: every entity with its fields, URL, references and
//! backlinks, so other tools can build on the site's data.

use serde::Serialize;

use crate::graph::{EntityIdx, Graph};
use crate::parse::entity::Kind;
use crate::render::context::Shared;
use crate::render::links::{LinkStyle, encode_path};
use crate::render::{Contents, OutputFile};

#[derive(Serialize)]
struct Index<'a> {
    /// Format version of this file.
    version: u32,
    entities: Vec<EntityOut<'a>>,
}

#[derive(Serialize)]
struct Link<'a> {
    field: &'a str,
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
    fields: &'a serde_json::Map<String, serde_json::Value>,
    /// Typed references out of this entity.
    refs: Vec<Link<'a>>,
    /// Typed references into this entity.
    backlinks: Vec<Link<'a>>,
    /// Entities this one links to in prose.
    links: Vec<&'a str>,
    /// Entities that link to this one in prose.
    mentioned_by: Vec<&'a str>,
}

pub fn files(graph: &Graph, _shared: &Shared, _style: LinkStyle) -> Vec<OutputFile> {
    let entities = (0..graph.entities.len())
        .map(|i| entity(graph, i))
        .collect();
    let json = serde_json::to_vec_pretty(&Index {
        version: 1,
        entities,
    })
    .unwrap_or_default();
    vec![OutputFile {
        path: "api/index.json".into(),
        contents: Contents::Bytes(json),
    }]
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
        fields: &e.fields,
        refs: graph.outgoing[i]
            .iter()
            .map(|&x| Link {
                field: graph.edges[x].field,
                id: id(graph.edges[x].to),
            })
            .collect(),
        backlinks: graph.incoming[i]
            .iter()
            .map(|&x| Link {
                field: graph.edges[x].field,
                id: id(graph.edges[x].from),
            })
            .collect(),
        links,
        mentioned_by: graph.mentioned_by[i].iter().map(|&j| id(j)).collect(),
    }
}
