//! The pages of a site: one [`Job`] per page, where each goes and which
//! template draws it.

use std::collections::BTreeMap;

use super::reads::pages_of;
use super::{context, versions};
use crate::graph::{EntityIdx, Graph};
use crate::parse::entity::Kind;

/// Pages rendered, by kind, for the summary line.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub pages: usize,
    pub by_kind: BTreeMap<&'static str, usize>,
}

/// One page to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Home,
    /// Page `n` (from 0) of a kind's list: `/measures/`, `/measures/page/2/`, …
    List(Kind, usize),
    Entity(EntityIdx),
    Taxonomy(usize),
    /// Page `n` of a term's entities: taxonomy, term, page.
    Term(usize, usize, usize),
    /// `/graph/`, `/graph/2/`, …: the relationship diagrams of the whole
    /// site, [`GRAPH_PAGE_SIZE`] policies a page.
    Graph(usize),
    NotFound,
    /// `/search/`: the search page (the index is written beside it).
    Search,
    /// `/policies/<id>/changes/`: a policy against the version it replaced.
    Changes(EntityIdx),
    /// `/timeline/`: policies and measures by date.
    Timeline,
}

/// Every page of the site, in a fixed order.
pub fn jobs(graph: &Graph) -> Vec<Job> {
    let mut jobs = vec![Job::Home, Job::NotFound, Job::Search];
    jobs.extend((0..graph_pages(graph)).map(Job::Graph));
    for kind in Kind::ENTITY_KINDS {
        let n = graph.entities.iter().filter(|e| e.kind == kind).count();
        jobs.extend((0..pages_of(n)).map(|p| Job::List(kind, p)));
    }
    // A kind folder's `_index.md` is the intro of its list, not a page of its own.
    let is_list_intro = |e: &crate::parse::Entity| {
        e.kind == Kind::Section
            && Kind::ENTITY_KINDS
                .iter()
                .any(|k| e.url_path == format!("{}/", k.folder()))
    };
    jobs.extend(
        (0..graph.entities.len())
            .filter(|&i| !is_list_intro(&graph.entities[i]))
            .map(Job::Entity),
    );
    jobs.extend(
        (0..graph.entities.len())
            .filter(|&i| crate::history::previous(graph, i).is_some())
            .map(Job::Changes),
    );
    jobs.push(Job::Timeline);
    for (t, tax) in graph.taxonomies.iter().enumerate() {
        jobs.push(Job::Taxonomy(t));
        for (k, term) in tax.terms.iter().enumerate() {
            jobs.extend((0..pages_of(term.entities.len())).map(|p| Job::Term(t, k, p)));
        }
    }
    jobs
}

/// The order to render `jobs` in, by index: pages drawing the whole site
/// (the timeline, the diagrams, the taxonomies, the home page) first, the
/// rest as they come. Each of those takes far longer than an entity's
/// page; started last, one would be drawn by one thread while the others
/// wait.
pub fn long_first(jobs: &[Job]) -> Vec<usize> {
    let long = |j: &Job| {
        matches!(
            j,
            Job::Timeline | Job::Graph(_) | Job::Taxonomy(_) | Job::Home
        )
    };
    let (mut order, rest): (Vec<usize>, Vec<usize>) =
        (0..jobs.len()).partition(|&i| long(&jobs[i]));
    order.extend(rest);
    order
}

impl Stats {
    /// Counts one rendered page.
    pub fn count(&mut self, graph: &Graph, job: Job) {
        self.pages += 1;
        let kind = match job {
            Job::Entity(i) => graph.entities[i].kind.plural(),
            Job::Taxonomy(_) | Job::Term(..) => "taxonomy pages",
            _ => "other",
        };
        *self.by_kind.entry(kind).or_default() += 1;
    }
}

/// (output directory, template) of a page.
pub fn place(graph: &Graph, job: Job) -> (String, &'static str) {
    (dir(graph, job), template(graph, job))
}

/// The template that draws a page.
pub fn template(graph: &Graph, job: Job) -> &'static str {
    match job {
        Job::Home => "index.html",
        Job::NotFound => "404.html",
        Job::Search => "search.html",
        Job::Changes(_) => "changes.html",
        Job::Timeline => "timeline.html",
        Job::Graph(_) => "graph.html",
        Job::List(..) => "list.html",
        Job::Entity(i) => match graph.entities[i].kind {
            Kind::Policy => "policy.html",
            Kind::Measure => "measure.html",
            Kind::Metric => "metric.html",
            Kind::Page => "page.html",
            Kind::Section => "section.html",
        },
        Job::Taxonomy(_) => "taxonomy.html",
        Job::Term(..) => "term.html",
    }
}

/// The output directory of a page.
fn dir(graph: &Graph, job: Job) -> String {
    match job {
        Job::Home | Job::NotFound => String::new(),
        Job::Search => "search/".to_string(),
        Job::Changes(i) => versions::changes_path(graph, i),
        Job::Timeline => "timeline/".to_string(),
        Job::Graph(n) => graph_page_path(n),
        Job::List(k, n) => paged(format!("{}/", k.folder()), n),
        Job::Entity(i) => graph.entities[i].url_path.clone(),
        Job::Taxonomy(t) => format!("{}/", crate::parse::slug_segment(&graph.taxonomies[t].name)),
        Job::Term(t, term, n) => {
            let tax = &graph.taxonomies[t];
            paged(context::term_path(tax, &tax.terms[term]), n)
        }
    }
}

/// The folder of page `n` (from 0) of a paged list: the list's own for
/// the first, `page/<n+1>/` under it for the others.
pub fn paged(dir: String, n: usize) -> String {
    if n == 0 {
        dir
    } else {
        format!("{dir}page/{}/", n + 1)
    }
}

/// Output path of a page, relative to the output root.
pub fn page_file(graph: &Graph, job: Job) -> String {
    match job {
        Job::NotFound => "404.html".to_string(),
        _ => format!("{}index.html", dir(graph, job)),
    }
}

/// Policies per `/graph/` page: enough to browse, small enough to load fast.
pub(super) const GRAPH_PAGE_SIZE: usize = super::reads::CHUNK;

/// The policies of `/graph/` page `n`, and whether it also draws the
/// measures that name no policy (the last page does).
pub fn graph_page(graph: &Graph, n: usize) -> (Vec<EntityIdx>, bool) {
    let chunk = context::list_order(graph, Kind::Policy)
        .chunks(GRAPH_PAGE_SIZE)
        .nth(n)
        .unwrap_or(&[])
        .to_vec();
    (chunk, n + 1 == graph_pages(graph))
}

pub(super) fn graph_pages(graph: &Graph) -> usize {
    let policies = graph
        .entities
        .iter()
        .filter(|e| e.kind == Kind::Policy)
        .count();
    policies.div_ceil(GRAPH_PAGE_SIZE).max(1)
}

pub(super) fn graph_page_path(n: usize) -> String {
    if n == 0 {
        "graph/".to_string()
    } else {
        format!("graph/{}/", n + 1)
    }
}
