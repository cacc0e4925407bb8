//! What a page read while it was rendered: the one recorder every read of
//! the render stage goes through.
//!
//! The context builders are given the page's [`Reads`] and record each
//! input as they read it. Template functions (`url`, `get_entity`,
//! `metric_value`, …) are registered once and called inside Tera; they
//! record into the page being rendered on their thread (see
//! [`Reads::during`] and [`record`]): a page is rendered on one thread from
//! start to end.
//!
//! Inputs name entities by id, so a record stays meaningful when files are
//! added or removed. The incremental engine keeps each page's inputs and
//! renders a page again when one of them changed (see `crate::incremental`).

use std::cell::RefCell;

use crate::graph::{Edge, EntityIdx, Graph};
use crate::parse::entity::{Kind, Rel};

/// One thing a page read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Input {
    /// An entity read in full: its file's text (and so every field) and path.
    Full(String),
    /// An entity as lists show it: its summary.
    Summary(String),
    /// An entity's title alone.
    Title(String),
    /// An entity's dates: its version date and where it stands on a timeline.
    Dates(String),
    /// Where an entity's prose links go, and which of its shortcode calls
    /// the link stage rejected.
    Links(String),
    /// The entities an entity's references of one relation name, in order.
    Out(String, Rel),
    /// The entities whose references of one relation name an entity.
    Back(String, Rel),
    /// The entities whose prose links to an entity.
    Mentions(String),
    /// The versions of a policy, oldest first.
    Chain(String),
    /// The entities of a kind, in list order.
    List(Kind),
    /// Which entities are of a kind, in no particular order.
    Members(Kind),
    /// How many entities are of a kind.
    Count(Kind),
    /// The `n`-th run of [`CHUNK`] entities of a kind, in list order.
    Chunk(Kind, usize),
    /// A taxonomy's label and terms (names, addresses, counts).
    Taxonomy(String),
    /// The entities of one term of a taxonomy.
    Term(String, String),
    /// The home page's text and where its links go.
    Home,
    /// A template: its text and that of every template it reaches. The
    /// global values it mentions are found by scanning that text.
    Template(String),
    /// A part of the global values (`t`, `site.feed`) read by Rust code.
    Global(String),
}

/// The length of a [`Input::Chunk`]: what a page showing a run of a
/// list (a `/graph/` page) reads instead of the whole list.
pub const CHUNK: usize = 50;

/// Entries of a list or term page: enough to browse, small enough that a
/// list of thousands is many small pages, of which an edit redraws few.
pub const LIST_PAGE_SIZE: usize = 2 * CHUNK;

/// The pages a list of `n` entries takes (one when it is empty).
pub fn pages_of(n: usize) -> usize {
    n.div_ceil(LIST_PAGE_SIZE).max(1)
}

thread_local! {
    /// The inputs of the page being rendered on this thread, while Tera runs.
    static PAGE: RefCell<Option<Vec<Input>>> = const { RefCell::new(None) };
}

/// Records an input into the page being rendered on this thread; for code
/// that runs inside Tera (template functions). Outside a page it does nothing.
pub fn record(input: impl FnOnce() -> Input) {
    PAGE.with(|p| {
        if let Some(inputs) = p.borrow_mut().as_mut() {
            inputs.push(input());
        }
    });
}

/// The recorder of one page.
pub struct Reads<'g> {
    graph: &'g Graph,
    /// `None` when nothing keeps what the page read (a build that keeps no
    /// output): every read is then free of the record's allocations.
    inputs: Option<RefCell<Vec<Input>>>,
}

impl<'g> Reads<'g> {
    pub fn new(graph: &'g Graph) -> Reads<'g> {
        Reads {
            graph,
            inputs: Some(RefCell::new(Vec::new())),
        }
    }

    /// A recorder that keeps nothing: the same reads, no record.
    pub fn unrecorded(graph: &'g Graph) -> Reads<'g> {
        Reads {
            graph,
            inputs: None,
        }
    }

    fn id(&self, i: EntityIdx) -> String {
        self.graph.entities[i].id.clone()
    }

    /// Records the input `make` builds, building it only when recording.
    pub fn push(&self, make: impl FnOnce() -> Input) {
        if let Some(inputs) = &self.inputs {
            inputs.borrow_mut().push(make());
        }
    }

    /// Entity `i` read in full.
    pub fn full(&self, i: EntityIdx) {
        self.push(|| Input::Full(self.id(i)));
    }

    /// Entity `i` read as its summary.
    pub fn summary(&self, i: EntityIdx) {
        self.push(|| Input::Summary(self.id(i)));
    }

    pub fn title(&self, i: EntityIdx) {
        self.push(|| Input::Title(self.id(i)));
    }

    pub fn dates(&self, i: EntityIdx) {
        self.push(|| Input::Dates(self.id(i)));
    }

    pub fn links(&self, i: EntityIdx) {
        self.push(|| Input::Links(self.id(i)));
    }

    pub fn list(&self, kind: Kind) {
        self.push(|| Input::List(kind));
    }

    pub fn global(&self, part: &str) {
        self.push(|| Input::Global(part.to_string()));
    }

    pub fn template(&self, name: &str) {
        self.push(|| Input::Template(name.to_string()));
    }

    /// [`Graph::out`], recorded.
    pub fn out(&self, i: EntityIdx, rel: Rel) -> impl Iterator<Item = EntityIdx> + 'g {
        self.push(|| Input::Out(self.id(i), rel));
        self.graph.out(i, rel)
    }

    /// [`Graph::back`], recorded.
    pub fn back(&self, i: EntityIdx, rel: Rel) -> impl Iterator<Item = EntityIdx> + 'g {
        self.push(|| Input::Back(self.id(i), rel));
        self.graph.back(i, rel)
    }

    /// Every typed reference out of `i`, recorded.
    pub fn edges_out(&self, i: EntityIdx) -> impl Iterator<Item = &'g Edge> + 'g {
        for rel in Rel::ALL {
            self.push(|| Input::Out(self.id(i), rel));
        }
        self.graph.edges_out(i)
    }

    /// Every typed reference into `i`, recorded.
    pub fn edges_in(&self, i: EntityIdx) -> impl Iterator<Item = &'g Edge> + 'g {
        for rel in Rel::ALL {
            self.push(|| Input::Back(self.id(i), rel));
        }
        self.graph.edges_in(i)
    }

    /// The version `i` replaced ([`crate::history::previous`]), recorded.
    pub fn previous(&self, i: EntityIdx) -> Option<EntityIdx> {
        self.push(|| Input::Out(self.id(i), Rel::Supersedes));
        let p = crate::history::previous(self.graph, i);
        // Its kind.
        p.inspect(|&p| self.summary(p))
    }

    /// The version that replaced `i` ([`crate::history::next`]), recorded.
    pub fn next(&self, i: EntityIdx) -> Option<EntityIdx> {
        self.push(|| Input::Back(self.id(i), Rel::Supersedes));
        let n = crate::history::next(self.graph, i);
        n.inspect(|&n| self.summary(n))
    }

    /// The entity with an id, if there is one (read by id: the caller
    /// records what it reads of it, or of its absence).
    pub fn index(&self, id: &str) -> Option<EntityIdx> {
        self.graph.by_id.get(id).copied()
    }

    /// The entities whose prose links to `i`, recorded.
    pub fn mentions(&self, i: EntityIdx) -> &'g [EntityIdx] {
        self.push(|| Input::Mentions(self.id(i)));
        &self.graph.mentioned_by[i]
    }

    /// The versions of `i`, oldest first, recorded.
    pub fn chain(&self, i: EntityIdx) -> Vec<EntityIdx> {
        self.push(|| Input::Chain(self.id(i)));
        crate::history::chain(self.graph, i)
    }

    /// The entities of a kind in list order, recorded.
    pub fn sorted(&self, kind: Kind) -> &'g [EntityIdx] {
        self.list(kind);
        super::context::list_order(self.graph, kind)
    }

    /// The entities of a kind, in no particular order, recorded.
    pub fn members(&self, kind: Kind) -> Vec<EntityIdx> {
        self.push(|| Input::Members(kind));
        let all = 0..self.graph.entities.len();
        all.filter(|&i| self.graph.entities[i].kind == kind)
            .collect()
    }

    /// The number of [`CHUNK`]s of a kind's list (one when it is empty),
    /// recorded.
    pub fn chunks(&self, kind: Kind) -> usize {
        self.push(|| Input::Count(kind));
        let n = self
            .graph
            .entities
            .iter()
            .filter(|e| e.kind == kind)
            .count();
        n.div_ceil(CHUNK).max(1)
    }

    /// The `n`-th [`CHUNK`] of a kind's list, recorded.
    pub fn chunk(&self, kind: Kind, n: usize) -> Vec<EntityIdx> {
        self.push(|| Input::Chunk(kind, n));
        let all = super::context::list_order(self.graph, kind);
        all.chunks(CHUNK).nth(n).unwrap_or(&[]).to_vec()
    }

    /// Page `n` of a kind's list, [`LIST_PAGE_SIZE`] entities a page, and
    /// how many pages the list has (one when it is empty), recorded: the
    /// count, and the chunks the page's run lies in.
    pub fn list_page(&self, kind: Kind, n: usize) -> (Vec<EntityIdx>, usize) {
        self.push(|| Input::Count(kind));
        let all = super::context::list_order(self.graph, kind);
        let start = (n * LIST_PAGE_SIZE).min(all.len());
        let end = (start + LIST_PAGE_SIZE).min(all.len());
        let first = start / CHUNK;
        let last = end.div_ceil(CHUNK).max(first + 1);
        for c in first..last {
            self.push(|| Input::Chunk(kind, c));
        }
        (all[start..end].to_vec(), pages_of(all.len()))
    }

    /// Runs `f` (a Tera render) with this recorder as its thread's page, so
    /// template functions record into it.
    pub fn during<T>(&self, f: impl FnOnce() -> T) -> T {
        let mine = self
            .inputs
            .as_ref()
            .map(|i| std::mem::take(&mut *i.borrow_mut()));
        let outer = PAGE.with(|p| p.replace(mine));
        let out = f();
        let got = PAGE.with(|p| p.replace(outer));
        if let (Some(inputs), Some(got)) = (&self.inputs, got) {
            *inputs.borrow_mut() = got;
        }
        out
    }

    /// What was read, each input once, in order.
    pub fn finish(self) -> Vec<Input> {
        let mut inputs = self.inputs.map(RefCell::into_inner).unwrap_or_default();
        inputs.sort_unstable();
        inputs.dedup();
        inputs
    }
}
