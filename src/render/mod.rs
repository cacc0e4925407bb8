//! Render stage: the graph through Tera -> output files in memory.
//!
//! Pages render in parallel against one engine and one shared context; each
//! page adds only its own `page` value and its relative `root`. A page
//! comes out with the inputs it read, recorded as they were read (see
//! [`reads`]).

pub mod context;
pub mod diagram;
mod indent;
pub mod labels;
mod page;
pub mod reads;
pub mod shortcodes;
pub mod templates;
pub mod timeline;
pub mod versions;

mod jobs;
mod pager;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use tera::{Context, Value};

use crate::diag::{Code, Diagnostic};
use crate::graph::{EntityIdx, Graph};
use crate::hash::Map;
use crate::load::Loaded;
use crate::output::{Contents, OutputFile};
use crate::parse::entity::Kind;
use crate::parse::period::Period;
use crate::source::Span;
use crate::url::{self as links, LinkStyle, root_prefix};
use context::Shared;
use jobs::graph_page_path;

pub use jobs::{Job, Stats, graph_page, jobs, long_first, page_file, place, template};
pub use reads::{Input, Reads};
use templates::TemplateSources;

pub struct RenderOptions {
    /// `base_url` to use instead of the configured one.
    pub base_url: Option<String>,
    /// Pages are made for their errors only and then dropped (`check`, or
    /// a build that has already failed): no page's HTML is kept, and
    /// `metric_chart()`, which cannot fail once it has found its metric,
    /// gives [`crate::metrics::UNDRAWN`] instead of a drawing. Diagrams are
    /// laid out, not drawn: templates get a stand-in that keeps the mark
    /// they test, `rel-target` (see `diagram::undrawn`).
    pub discard: bool,
}

/// Where rendered files go as soon as they are made: the disk for `build`,
/// nowhere for `check`. Handing files over one by one keeps a large site's
/// pages out of memory (see [`crate::incremental::build`]).
pub trait Sink: Sync {
    fn put(&self, file: OutputFile) -> Result<(), Diagnostic>;

    /// A file that `write` writes a piece at a time, so that it is never
    /// held whole.
    fn put_streamed(&self, path: &str, write: Streamed) -> Result<(), Diagnostic>;
}

/// What writes a file given piece by piece ([`Sink::put_streamed`]).
pub type Streamed<'a> = &'a mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>;

/// A sink that keeps nothing (`check`).
pub struct Discard;

impl Sink for Discard {
    fn put(&self, _: OutputFile) -> Result<(), Diagnostic> {
        Ok(())
    }

    fn put_streamed(&self, _: &str, _: Streamed) -> Result<(), Diagnostic> {
        Ok(())
    }
}

/// A template error repeats on every page that uses the template: report it once.
pub fn dedup_errors(all: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut errors: Vec<(Diagnostic, usize)> = Vec::new();
    for d in all {
        let same = |e: &Diagnostic| e.message == d.message && e.location == d.location;
        match errors.iter_mut().find(|(e, _)| same(e)) {
            Some((_, n)) => *n += 1,
            None => errors.push((d, 1)),
        }
    }
    errors
        .into_iter()
        .map(|(mut d, n)| {
            if n > 1 {
                d.hint = d.hint.map(|h| format!("{h} (and {} other pages)", n - 1));
            }
            d
        })
        .collect()
}

/// The values every page template sees, as given to Tera's global context.
#[derive(Clone)]
pub struct Globals {
    pub config: Value,
    pub site: Value,
    pub data: Value,
    pub t: Value,
}

/// What one build shares between its pages: the summaries, the engine with
/// its global context, and the link settings.
pub struct Prepared {
    pub shared: Shared,
    pub tera: tera::Tera,
    pub globals: Globals,
    style: LinkStyle,
    base_url: String,
    discard: bool,
}

impl Prepared {
    /// The template engine and the values every page sees, from the
    /// summaries already built; `None` when the templates cannot be used at
    /// all. With the problems found in the templates and UI strings.
    pub fn with_shared(
        graph: &Graph,
        loaded: &Loaded,
        opts: &RenderOptions,
        shared: Shared,
    ) -> (Option<Prepared>, Vec<Diagnostic>) {
        let config = &loaded.config;
        let style = link_style(config);
        let base_url = match &opts.base_url {
            Some(b) => format!("{}/", b.trim_end_matches('/')),
            None => config.base_url(),
        };
        let by_id: Map<String, Value> = graph
            .by_id
            .par_iter()
            .map(|(id, &i)| (id.clone(), shared.summaries[i].clone()))
            .collect();
        let terms: Map<(String, String), String> = graph
            .taxonomies
            .iter()
            .flat_map(|t| {
                t.terms.iter().map(move |term| {
                    (
                        (t.name.clone(), term.name.clone()),
                        style.path(&context::term_path(t, term)),
                    )
                })
            })
            .collect();
        let (tera, mut diags) = templates::build(
            loaded,
            graph,
            Arc::new(by_id),
            Arc::new(terms),
            style,
            opts.discard,
        );
        let Some(mut tera) = tera else {
            return (None, diags);
        };
        let mut config_value = Value::from_serializable(config);
        if let Some(m) = config_value.as_map() {
            let mut m = m.clone();
            m.insert("base_url".into(), Value::from(base_url.as_str()));
            config_value = Value::from(m);
        }
        let globals = Globals {
            config: config_value,
            site: shared.site.clone(),
            data: Value::from_serializable(&*graph.data),
            t: ui_strings(loaded, &mut diags),
        };
        let g = tera.global_context();
        g.insert_value("config", globals.config.clone());
        g.insert_value("site", globals.site.clone());
        g.insert_value("data", globals.data.clone());
        g.insert_value("t", globals.t.clone());
        let prepared = Prepared {
            shared,
            tera,
            globals,
            style,
            base_url,
            discard: opts.discard,
        };
        (Some(prepared), diags)
    }

    /// The page renderer of this build.
    pub fn pages<'a>(&'a self, graph: &'a Graph, loaded: &'a Loaded) -> Pages<'a> {
        Pages {
            graph,
            shared: &self.shared,
            tera: &self.tera,
            style: self.style,
            base_url: &self.base_url,
            names: TemplateSources::new(loaded),
            sources: &loaded.sources,
            discard: self.discard,
        }
    }

    /// The site's address, ending in `/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn style(&self) -> LinkStyle {
        self.style
    }
}

/// sitemap.xml and robots.txt for the pages at `pages` (output paths, with
/// the date each last changed when known).
pub fn sitemap_files(base_url: &str, pages: Vec<(String, Option<Period>)>) -> Vec<OutputFile> {
    let mut sitemap: Vec<(String, Option<Period>)> = pages
        .into_iter()
        .map(|(p, d)| (p.trim_end_matches("index.html").to_string(), d))
        .collect();
    sitemap.sort();
    vec![
        OutputFile {
            path: "sitemap.xml".into(),
            contents: Contents::Bytes(sitemap_xml(base_url, &sitemap).into_bytes()),
        },
        OutputFile {
            path: "robots.txt".into(),
            contents: Contents::Bytes(
                format!("User-agent: *\nAllow: /\nSitemap: {base_url}sitemap.xml\n").into_bytes(),
            ),
        },
    ]
}

/// The static files, copied as they are.
pub fn static_files(loaded: &Loaded) -> impl Iterator<Item = OutputFile> + '_ {
    loaded.statics.iter().map(|s| OutputFile {
        path: s.rel.clone(),
        contents: Contents::Copy(s.origin.clone()),
    })
}

/// How the site's links are written.
pub fn link_style(config: &crate::config::Config) -> LinkStyle {
    LinkStyle {
        portable: config.portable_links,
    }
}

/// Renders single pages of one build.
pub struct Pages<'a> {
    graph: &'a Graph,
    shared: &'a Shared,
    tera: &'a tera::Tera,
    style: LinkStyle,
    base_url: &'a str,
    names: TemplateSources<'a>,
    sources: &'a crate::source::Sources,
    /// See [`RenderOptions::discard`].
    discard: bool,
}

/// One page rendered: its output path, its HTML or errors, and the inputs
/// it read.
pub struct Page {
    pub path: String,
    pub html: Result<Vec<u8>, Vec<Diagnostic>>,
    pub inputs: Vec<Input>,
}

/// Where the page being rendered is: its directory, its relative root,
/// and its recorder.
struct At<'r, 'g> {
    dir: &'r str,
    root: &'r str,
    reads: &'r Reads<'g>,
}

type Made = Result<(), Vec<Diagnostic>>;

impl Pages<'_> {
    fn drawing(&self) -> diagram::Drawing {
        match self.discard {
            true => diagram::Drawing::Undrawn,
            false => diagram::Drawing::Drawn,
        }
    }

    /// Renders one page, recording what it reads when `record` (else its
    /// page's inputs are empty).
    pub fn render(&self, job: Job, record: bool) -> Page {
        let reads = match record {
            true => Reads::new(self.graph),
            false => Reads::unrecorded(self.graph),
        };
        let (dir, template) = place(self.graph, job);
        let path = page_file(self.graph, job);
        let root = root_prefix(&dir);
        let at = At {
            dir: &dir,
            root: &root,
            reads: &reads,
        };
        let html = self.context(job, &at).and_then(|ctx| {
            reads.template(template);
            let mut html = Vec::new();
            let done = match self.discard {
                true => reads.during(|| self.tera.render_discard(template, &ctx)),
                // Rendered as bytes, which is what the output holds: a
                // `String` would only check again that the page is UTF-8.
                false => {
                    html.reserve(32 * 1024);
                    reads.during(|| self.tera.render_to(template, &ctx, &mut html))
                }
            };
            done.map(|()| html)
                .map_err(|e| self.names.diagnostics(&e, Some(&path)))
        });
        Page {
            path,
            html,
            inputs: reads.finish(),
        }
    }

    /// The template context of a page.
    fn context(&self, job: Job, at: &At) -> Result<Context, Vec<Diagnostic>> {
        let mut ctx = Context::new();
        ctx.insert("root", at.root);
        // 404.html is served for any missing path: its template turns the
        // links to the site root over HTTP (see the theme's 404.html).
        if job == Job::NotFound {
            ctx.insert("base_path", &self.base_url_path());
        }
        ctx.insert("current_path", at.dir);
        ctx.insert(
            "canonical",
            &format!("{}{}", self.base_url, links::encode_path(at.dir)),
        );
        match job {
            Job::Home => self.home(&mut ctx, at)?,
            Job::NotFound => ctx.insert_value("page", simple_page("404", "")),
            Job::Search => ctx.insert_value("page", simple_page("", "")),
            Job::Changes(i) => self.changes(&mut ctx, at, i),
            Job::Timeline => self.timeline(&mut ctx, at),
            Job::Graph(n) => self.graph_page(&mut ctx, at, n),
            Job::List(kind, n) => self.list(&mut ctx, at, kind, n)?,
            Job::Entity(i) => self.entity(&mut ctx, at, i)?,
            Job::Taxonomy(t) => self.taxonomy(&mut ctx, at, t),
            Job::Term(t, term, n) => self.term(&mut ctx, at, (t, term), n),
        }
        Ok(ctx)
    }

    fn home(&self, ctx: &mut Context, at: &At) -> Made {
        at.reads.push(|| Input::Home);
        let page = match &self.graph.home {
            Some(h) => {
                let html = h.body.html.read();
                let content = self.body(&html, &h.body, &self.graph.home_links, at)?;
                simple_page(&h.title, &content)
            }
            None => Value::none(),
        };
        ctx.insert_value("page", page);
        Ok(())
    }

    fn changes(&self, ctx: &mut Context, at: &At, i: EntityIdx) {
        let (graph, shared) = (self.graph, self.shared);
        let comparison = versions::comparison_value(graph, shared, self.sources, at.reads, i);
        ctx.insert_value("comparison", comparison.unwrap_or_else(Value::none));
        ctx.insert_value("page", shared.summary(at.reads, i));
    }

    fn timeline(&self, ctx: &mut Context, at: &At) {
        let items = timeline::site_entities(self.graph, at.reads);
        let value = timeline::value(self.graph, self.shared, at.reads, &items);
        ctx.insert_value("timeline", value);
        ctx.insert_value("page", simple_page("", ""));
    }

    fn graph_page(&self, ctx: &mut Context, at: &At, n: usize) {
        let total = at.reads.chunks(Kind::Policy);
        let chunk = at.reads.chunk(Kind::Policy, n);
        let drawn = diagram::site(
            self.graph,
            at.reads,
            (&chunk, n + 1 == total),
            (at.root, self.style),
            self.drawing(),
        );
        let groups: Vec<Value> = drawn
            .into_iter()
            .map(|(policy, svg)| {
                let mut g: BTreeMap<&'static str, Value> = BTreeMap::new();
                let policy = policy.map(|p| self.shared.summary(at.reads, p));
                g.insert(Kind::Policy.as_str(), policy.unwrap_or_else(Value::none));
                g.insert("svg", Value::safe_string(&svg));
                Value::from(g)
            })
            .collect();
        ctx.insert_value("diagrams", Value::from(groups));
        let url = |k: usize| format!("{}{}", at.root, self.style.path(&graph_page_path(k)));
        ctx.insert_value("pagination", pager::value(n, total, url));
        ctx.insert_value("page", simple_page("", ""));
    }

    fn list(&self, ctx: &mut Context, at: &At, kind: Kind, n: usize) -> Made {
        let graph = self.graph;
        // The intro: the section whose address is the list's (its first
        // page's), on every page of the list.
        let first = format!("{}/", kind.folder());
        let sections = at.reads.members(Kind::Section);
        let intro = sections.into_iter().find(|&i| {
            at.reads.summary(i);
            graph.entities[i].url_path == first
        });
        let html = intro.map(|i| graph.entities[i].body.html.read());
        let (title, content) = match intro.zip(html.as_deref()) {
            Some((i, html)) => {
                at.reads.full(i);
                at.reads.links(i);
                let e = &graph.entities[i];
                (
                    e.title.clone(),
                    self.body(html, &e.body, &graph.links[i], at)?,
                )
            }
            None => (String::new(), Cow::Borrowed("")),
        };
        let (items, pages) = at.reads.list_page(kind, n);
        let groups = context::groups(graph, self.shared, at.reads, kind, &items);
        ctx.insert("kind", kind.as_str());
        ctx.insert("count", &context::list_order(graph, kind).len());
        ctx.insert_value("groups", groups);
        ctx.insert_value("items", self.shared.list(at.reads, items));
        // Where the metrics stand against their targets: the whole list's
        // figures, on its first page.
        let standing = match (kind, n) {
            (Kind::Metric, 0) => self
                .shared
                .list(at.reads, at.reads.sorted(kind).iter().copied()),
            _ => Value::from(Vec::<Value>::new()),
        };
        ctx.insert_value("standing_items", standing);
        let pagination = pager::value(n, pages, |k| {
            format!(
                "{}{}",
                at.root,
                self.style.path(&jobs::paged(first.clone(), k))
            )
        });
        ctx.insert_value("pagination", pagination);
        ctx.insert_value("page", simple_page(&title, &content));
        Ok(())
    }

    fn entity(&self, ctx: &mut Context, at: &At, i: EntityIdx) -> Made {
        let (graph, reads) = (self.graph, at.reads);
        let e = &graph.entities[i];
        reads.links(i);
        let html = e.body.html.read();
        let content = self.body(&html, &e.body, &graph.links[i], at)?;
        // What only some pages have goes into the one map `page_value`
        // makes: a Tera map is rebuilt, every key hashed again, to add one.
        let mut more = Vec::new();
        if crate::history::has_versions(e.kind) {
            let v =
                versions::versions_value(graph, self.shared, self.sources, reads, i, self.style);
            more.push(("versions", v));
        }
        let link = (at.root, self.style);
        if let Some(svg) = diagram::for_entity(graph, reads, i, link, self.drawing()) {
            more.push(("diagram", Value::safe_string(&svg)));
        }
        if e.kind == Kind::Section {
            let children: Vec<EntityIdx> = reads
                .sorted(Kind::Page)
                .iter()
                .copied()
                .filter(|&c| {
                    // Its address.
                    reads.summary(c);
                    let path = &graph.entities[c].url_path;
                    path.starts_with(&e.url_path) && *path != e.url_path
                })
                .collect();
            more.push(("pages", self.shared.list(reads, children)));
        }
        let page = page::page_value(graph, self.shared, reads, i, &content, more);
        ctx.insert_value("page", page);
        Ok(())
    }

    fn taxonomy(&self, ctx: &mut Context, at: &At, t: usize) {
        let tax = &self.graph.taxonomies[t];
        at.reads.push(|| Input::Taxonomy(tax.name.clone()));
        ctx.insert_value("taxonomy", self.shared.taxonomy(t));
        ctx.insert_value("page", simple_page(&tax.label, ""));
    }

    fn term(&self, ctx: &mut Context, at: &At, (t, term): (usize, usize), n: usize) {
        let (graph, reads) = (self.graph, at.reads);
        let tax = &graph.taxonomies[t];
        let tm = &tax.terms[term];
        let start = (n * reads::LIST_PAGE_SIZE).min(tm.entities.len());
        let end = (start + reads::LIST_PAGE_SIZE).min(tm.entities.len());
        let shown = &tm.entities[start..end];
        reads.push(|| Input::Taxonomy(tax.name.clone()));
        reads.push(|| Input::Term(tax.name.clone(), tm.name.clone()));
        let taxonomy = self.shared.taxonomy(t);
        let mut tv = taxonomy
            .get_from_path("terms")
            .and_then(|ts| ts.as_array()?.get(term)?.as_map().cloned())
            .unwrap_or_default();
        let items = context::by_kind(graph, self.shared, reads, shown);
        tv.insert("items".into(), items);
        // Terms have feeds when the site has one (see `crate::feed`).
        reads.global("site.feed");
        let site_feed = self
            .shared
            .site
            .get_from_path("feed")
            .is_some_and(Value::is_truthy);
        let feed =
            site_feed.then(|| Value::from(self.style.path(&crate::feed::term_feed_path(tax, tm))));
        tv.insert("feed".into(), feed.unwrap_or_else(Value::none));
        let dated = timeline::dated(graph, reads, shown.iter().copied());
        let timeline = timeline::value(graph, self.shared, reads, &dated);
        tv.insert("timeline".into(), timeline);
        ctx.insert_value("taxonomy", taxonomy);
        ctx.insert_value("term", Value::from(tv));
        let first = context::term_path(tax, tm);
        let pages = reads::pages_of(tm.entities.len());
        let url = |k: usize| {
            format!(
                "{}{}",
                at.root,
                self.style.path(&jobs::paged(first.clone(), k))
            )
        };
        ctx.insert_value("pagination", pager::value(n, pages, url));
        let title = format!("{}：{}", tax.label, tm.name);
        ctx.insert_value("page", simple_page(&title, ""));
    }

    /// The path part of `base_url` (`/` or `/sub/`), for the 404 page.
    fn base_url_path(&self) -> String {
        let after_scheme = self
            .base_url
            .split_once("://")
            .map(|(_, r)| r)
            .unwrap_or(self.base_url);
        match after_scheme.find('/') {
            Some(i) if self.base_url.contains("://") => after_scheme[i..].to_string(),
            _ => "/".to_string(),
        }
    }

    /// A body's HTML (`html`, read from `body` by the caller) for this
    /// page: links, then shortcodes, filled in. Its owner's text and links
    /// are recorded by the caller; a link shows its target's title and
    /// address, which the target's summary holds.
    fn body<'b>(
        &self,
        html: &'b str,
        body: &crate::parse::markdown::Body,
        links: &[Option<crate::graph::LinkTo>],
        at: &At,
    ) -> Result<Cow<'b, str>, Vec<Diagnostic>> {
        for t in links.iter().flatten().filter_map(|l| l.target) {
            at.reads.summary(t);
        }
        // Rendered into nothing (`check`), a body keeps its links' marks:
        // they were checked when linked, and only their addresses are
        // filled in.
        let html = match self.discard {
            true => Cow::Borrowed(html),
            false => links::fill(html, links, self.graph, at.root, self.style),
        };
        let broken = &self.graph.broken_shortcodes;
        let fill = shortcodes::Fill {
            broken,
            tera: self.tera,
            names: &self.names,
            root: at.root,
            reads: at.reads,
        };
        fill.fill(html, &body.shortcodes)
    }
}

fn simple_page(title: &str, content: &str) -> Value {
    let mut m: BTreeMap<&'static str, Value> = BTreeMap::new();
    m.insert("title", Value::from(title));
    m.insert("content", Value::safe_string(content));
    Value::from(m)
}

/// The theme's UI strings for the configured language, as a template value.
fn ui_strings(loaded: &Loaded, diags: &mut Vec<Diagnostic>) -> Value {
    let Some(id) = loaded.i18n else {
        return Value::from(BTreeMap::<String, Value>::new());
    };
    match toml::from_str::<toml::Table>(loaded.sources.text(id)) {
        Ok(table) => Value::from_serializable(&table),
        Err(e) => {
            diags.push(
                Diagnostic::error(Code::I18n, format!("invalid UI strings: {}", e.message()))
                    .at(Span::new(id, e.span().unwrap_or(0..0))),
            );
            Value::from(BTreeMap::<String, Value>::new())
        }
    }
}

/// When a page last changed, where the content says: an entity's
/// `updated`, else a policy's `issued` (its text is the issued text).
pub fn lastmod(graph: &Graph, job: Job) -> Option<Period> {
    let Job::Entity(i) = job else { return None };
    let e = &graph.entities[i];
    e.updated.or(match &e.data {
        crate::parse::entity::KindData::Policy(p) => p.issued,
        _ => None,
    })
}

fn sitemap_xml(base_url: &str, paths: &[(String, Option<Period>)]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (p, date) in paths {
        // W3C datetime allows a year or a month alone, as written.
        let lastmod = match date {
            Some(d @ (Period::Year(_) | Period::Month(..) | Period::Day(..))) => {
                format!("<lastmod>{d}</lastmod>")
            }
            _ => String::new(),
        };
        out.push_str(&format!(
            "  <url><loc>{}{}</loc>{lastmod}</url>\n",
            links::escape_html(base_url),
            links::encode_path(p)
        ));
    }
    out.push_str("</urlset>\n");
    out
}
