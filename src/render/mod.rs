//! Render stage: the graph through Tera -> output files in memory.
//!
//! Pages render in parallel against one engine and one shared context; each
//! page adds only its own `page` value and its relative `root`.

pub mod context;
pub mod diagram;
mod indent;
pub mod labels;
pub mod shortcodes;
pub mod templates;
pub mod timeline;
pub mod versions;

mod jobs;

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use tera::{Context, Value};

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::graph::{EntityIdx, Graph};
use crate::hash::Map;
use crate::load::Loaded;
use crate::output::{Contents, OutputFile};
use crate::parse::entity::Kind;
use crate::parse::period::Period;
use crate::source::Span;
use crate::url::{self as links, LinkStyle, root_prefix};
use context::Shared;
use jobs::{GRAPH_PAGE_SIZE, graph_page_path, graph_pages};
pub use jobs::{Job, Stats, graph_page, jobs, page_file, place};
use templates::TemplateSources;

pub struct RenderOptions {
    /// `base_url` to use instead of the configured one.
    pub base_url: Option<String>,
}

/// Where rendered files go as soon as they are made: the disk for `build`,
/// nowhere for `check`. Handing files over one by one keeps a large site's
/// pages out of memory (see [`crate::incremental::build`]).
pub trait Sink: Sync {
    fn put(&self, file: OutputFile) -> Result<(), Diagnostic>;
}

/// A sink that keeps nothing (`check`).
pub struct Discard;

impl Sink for Discard {
    fn put(&self, _: OutputFile) -> Result<(), Diagnostic> {
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
}

impl Prepared {
    /// `None` when the templates cannot be used at all (errors are in `diags`).
    pub fn new(
        graph: &Graph,
        loaded: &Loaded,
        opts: &RenderOptions,
        diags: &mut Diagnostics,
    ) -> Option<Prepared> {
        let shared = Shared::build(graph, &loaded.config, link_style(&loaded.config));
        Prepared::with_shared(graph, loaded, opts, shared, diags)
    }

    /// As [`Prepared::new`], with the summaries already built.
    pub fn with_shared(
        graph: &Graph,
        loaded: &Loaded,
        opts: &RenderOptions,
        shared: Shared,
        diags: &mut Diagnostics,
    ) -> Option<Prepared> {
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
        let (tera, template_diags) =
            templates::build(loaded, graph, Arc::new(by_id), Arc::new(terms), style);
        diags.extend(template_diags);
        let mut tera = tera?;
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
            t: ui_strings(loaded, diags),
        };
        let g = tera.global_context();
        g.insert_value("config", globals.config.clone());
        g.insert_value("site", globals.site.clone());
        g.insert_value("data", globals.data.clone());
        g.insert_value("t", globals.t.clone());
        Some(Prepared {
            shared,
            tera,
            globals,
            style,
            base_url,
        })
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
}

impl Pages<'_> {
    /// Renders one page: (output path, html or error).
    pub fn render(&self, job: Job) -> (String, Result<Vec<u8>, Vec<Diagnostic>>) {
        let graph = self.graph;
        let (dir, template) = place(graph, job);
        let file = page_file(graph, job);
        let root = root_prefix(&dir);
        let mut ctx = Context::new();
        ctx.insert("root", &root);
        // 404.html is served for any missing path: its template turns the
        // links to the site root over HTTP (see the theme's 404.html).
        if job == Job::NotFound {
            ctx.insert("base_path", &self.base_url_path());
        }
        ctx.insert("current_path", &dir);
        ctx.insert(
            "canonical",
            &format!("{}{}", self.base_url, links::encode_path(&dir)),
        );
        match job {
            Job::Home => {
                let page = match &graph.home {
                    Some(h) => match self.body(&h.body, &graph.home_links, &root) {
                        Ok(content) => Some(simple_page(&h.title, &content)),
                        Err(ds) => return (file, Err(ds)),
                    },
                    None => None,
                };
                ctx.insert_value("page", page.unwrap_or_else(Value::none));
            }
            Job::NotFound => ctx.insert_value("page", simple_page("404", "")),
            Job::Search => ctx.insert_value("page", simple_page("", "")),
            Job::Changes(i) => {
                let comparison = versions::comparison_value(graph, self.shared, self.sources, i);
                ctx.insert_value("comparison", comparison.unwrap_or_else(Value::none));
                ctx.insert_value("page", self.shared.summaries[i].clone());
            }
            Job::Timeline => {
                let items = timeline::site_entities(graph);
                ctx.insert_value("timeline", timeline::value(graph, self.shared, &items));
                ctx.insert_value("page", simple_page("", ""));
            }
            Job::Graph(n) => {
                let policies = context::sorted(graph, Kind::Policy);
                let total = graph_pages(graph);
                let chunk = policies.chunks(GRAPH_PAGE_SIZE).nth(n).unwrap_or(&[]);
                let groups: Vec<Value> =
                    diagram::site(graph, chunk, n + 1 == total, &root, self.style)
                        .into_iter()
                        .map(|(policy, svg)| {
                            let mut g: BTreeMap<&'static str, Value> = BTreeMap::new();
                            let policy = policy.map(|p| self.shared.summaries[p].clone());
                            g.insert(Kind::Policy.as_str(), policy.unwrap_or_else(Value::none));
                            g.insert("svg", Value::safe_string(&svg));
                            Value::from(g)
                        })
                        .collect();
                ctx.insert_value("diagrams", Value::from(groups));
                ctx.insert_value("pagination", self.pagination(n, total, &root));
                ctx.insert_value("page", simple_page("", ""));
            }
            Job::List(kind) => {
                let intro = graph
                    .entities
                    .iter()
                    .position(|e| e.kind == Kind::Section && e.url_path == dir);
                let (title, content) = match intro {
                    Some(i) => {
                        let e = &graph.entities[i];
                        match self.body(&e.body, &graph.links[i], &root) {
                            Ok(content) => (e.title.clone(), content),
                            Err(ds) => return (file, Err(ds)),
                        }
                    }
                    None => (String::new(), String::new()),
                };
                let items = context::sorted(graph, kind);
                ctx.insert("kind", kind.as_str());
                ctx.insert_value("groups", context::groups(graph, self.shared, kind, &items));
                ctx.insert_value("items", self.shared.list(items));
                ctx.insert_value("page", simple_page(&title, &content));
            }
            Job::Entity(i) => {
                let e = &graph.entities[i];
                let content = match self.body(&e.body, &graph.links[i], &root) {
                    Ok(content) => content,
                    Err(ds) => return (file, Err(ds)),
                };
                let mut page = context::page_value(graph, self.shared, i, content);
                if crate::history::has_versions(e.kind)
                    && let Some(m) = page.as_map()
                {
                    let v =
                        versions::versions_value(graph, self.shared, self.sources, i, self.style);
                    let mut m = m.clone();
                    m.insert("versions".into(), v);
                    page = Value::from(m);
                }
                if let (Some(svg), Some(m)) = (
                    diagram::for_entity(graph, i, &root, self.style),
                    page.as_map(),
                ) {
                    let mut m = m.clone();
                    m.insert("diagram".into(), Value::safe_string(&svg));
                    page = Value::from(m);
                }
                if e.kind == Kind::Section {
                    let children: Vec<EntityIdx> = context::sorted(graph, Kind::Page)
                        .into_iter()
                        .filter(|&c| {
                            graph.entities[c].url_path.starts_with(&e.url_path)
                                && graph.entities[c].url_path != e.url_path
                        })
                        .collect();
                    if let Some(m) = page.as_map() {
                        let mut m = m.clone();
                        m.insert("pages".into(), self.shared.list(children));
                        page = Value::from(m);
                    }
                }
                ctx.insert_value("page", page);
            }
            Job::Taxonomy(t) => {
                ctx.insert_value(
                    "taxonomy",
                    context::taxonomy_value(&graph.taxonomies[t], self.style),
                );
                ctx.insert_value("page", simple_page(&graph.taxonomies[t].label, ""));
            }
            Job::Term(t, term) => {
                let tax = &graph.taxonomies[t];
                let tm = &tax.terms[term];
                let mut tv = context::term_value(tax, tm, self.style)
                    .as_map()
                    .cloned()
                    .unwrap_or_default();
                tv.insert(
                    "items".into(),
                    context::by_kind(graph, self.shared, &tm.entities),
                );
                // Terms have feeds when the site has one (see `crate::feed`).
                let site_feed = self
                    .shared
                    .site
                    .get_from_path("feed")
                    .is_some_and(Value::is_truthy);
                let feed = site_feed
                    .then(|| Value::from(self.style.path(&crate::feed::term_feed_path(tax, tm))));
                tv.insert("feed".into(), feed.unwrap_or_else(Value::none));
                let dated = timeline::dated(graph, tm.entities.iter().copied());
                tv.insert(
                    "timeline".into(),
                    timeline::value(graph, self.shared, &dated),
                );
                ctx.insert_value("taxonomy", context::taxonomy_value(tax, self.style));
                ctx.insert_value("term", Value::from(tv));
                ctx.insert_value(
                    "page",
                    simple_page(&format!("{}：{}", tax.label, tm.name), ""),
                );
            }
        }
        // Rendered as bytes, which is what the output holds: a `String`
        // would only check again that the whole page is UTF-8.
        let mut html = Vec::with_capacity(32 * 1024);
        let result = self
            .tera
            .render_to(template, &ctx, &mut html)
            .map(|()| html)
            .map_err(|e| self.names.diagnostics(&e, Some(&file)));
        (file, result)
    }

    /// Pager of the `/graph/` pages: numbers and relative links.
    fn pagination(&self, n: usize, total: usize, root: &str) -> Value {
        let url = |k: usize| Value::from(format!("{root}{}", self.style.path(&graph_page_path(k))));
        let pages: Vec<Value> = (0..total)
            .map(|k| {
                let mut p: BTreeMap<&'static str, Value> = BTreeMap::new();
                p.insert("number", Value::from(k + 1));
                p.insert("url", url(k));
                p.insert("current", Value::from(k == n));
                Value::from(p)
            })
            .collect();
        let mut m: BTreeMap<&'static str, Value> = BTreeMap::new();
        m.insert("current", Value::from(n + 1));
        m.insert("total", Value::from(total));
        m.insert("prev", if n > 0 { url(n - 1) } else { Value::none() });
        m.insert(
            "next",
            if n + 1 < total {
                url(n + 1)
            } else {
                Value::none()
            },
        );
        m.insert("pages", Value::from(pages));
        Value::from(m)
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

    /// A body's HTML for this page: links, then shortcodes, filled in.
    fn body(
        &self,
        body: &crate::parse::markdown::Body,
        links: &[Option<crate::graph::LinkTo>],
        root: &str,
    ) -> Result<String, Vec<Diagnostic>> {
        let html = links::fill(&body.html, links, self.graph, root, self.style);
        let broken = &self.graph.broken_shortcodes;
        shortcodes::fill(html, &body.shortcodes, broken, self.tera, &self.names, root)
    }
}

fn simple_page(title: &str, content: &str) -> Value {
    let mut m: BTreeMap<&'static str, Value> = BTreeMap::new();
    m.insert("title", Value::from(title));
    m.insert("content", Value::safe_string(content));
    Value::from(m)
}

/// The theme's UI strings for the configured language, as a template value.
fn ui_strings(loaded: &Loaded, diags: &mut Diagnostics) -> Value {
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
