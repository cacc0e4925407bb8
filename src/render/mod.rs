//! Render stage: the graph through Tera -> output files in memory.
//!
//! Pages render in parallel against one engine and one shared context; each
//! page adds only its own `page` value and its relative `root`.

pub mod context;
pub mod links;
pub mod templates;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rayon::prelude::*;
use tera::{Context, Value};

use crate::diag::{Diagnostic, Diagnostics};
use crate::graph::{EntityIdx, Graph};
use crate::load::{Loaded, Origin};
use crate::parse::entity::Kind;
use crate::source::Span;
use context::Shared;
use links::{LinkStyle, root_prefix};
use templates::TemplateSources;

/// What goes into one output file.
#[derive(Debug, Clone)]
pub enum Contents {
    Bytes(Vec<u8>),
    Copy(Origin),
}

#[derive(Debug, Clone)]
pub struct OutputFile {
    /// Path relative to the output root, not encoded (`policies/甲/index.html`).
    pub path: String,
    pub contents: Contents,
}

/// Pages rendered, by kind, for the summary line.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub pages: usize,
    pub by_kind: BTreeMap<&'static str, usize>,
}

#[derive(Debug)]
pub struct Rendered {
    pub files: Vec<OutputFile>,
    pub stats: Stats,
}

/// One page to render.
#[derive(Debug, Clone, Copy)]
enum Job {
    Home,
    List(Kind),
    Entity(EntityIdx),
    Taxonomy(usize),
    Term(usize, usize),
    NotFound,
    Search,
}

pub struct RenderOptions {
    /// `base_url` to use instead of the configured one.
    pub base_url: Option<String>,
}

pub fn render(
    graph: &Graph,
    loaded: &Loaded,
    opts: &RenderOptions,
    diags: &mut Diagnostics,
) -> Rendered {
    let config = &loaded.config;
    let style = LinkStyle {
        portable: config.portable_links,
    };
    let base_url = match &opts.base_url {
        Some(b) => format!("{}/", b.trim_end_matches('/')),
        None => config.base_url(),
    };
    let shared = Shared::build(graph, config, style);
    let by_id: HashMap<String, Value> = graph
        .by_id
        .iter()
        .map(|(id, &i)| (id.clone(), shared.summaries[i].clone()))
        .collect();
    let terms: HashMap<(String, String), String> = graph
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
    let Some(mut tera) = tera else {
        return Rendered {
            files: Vec::new(),
            stats: Stats::default(),
        };
    };
    let mut config_value = Value::from_serializable(config);
    if let Some(m) = config_value.as_map() {
        let mut m = m.clone();
        m.insert("base_url".into(), Value::from(base_url.as_str()));
        config_value = Value::from(m);
    }
    let globals = tera.global_context();
    globals.insert_value("config", config_value);
    globals.insert_value("site", shared.site.clone());
    globals.insert_value("data", Value::from_serializable(&graph.data));
    globals.insert_value("t", ui_strings(loaded, diags));

    let mut jobs = vec![Job::Home, Job::NotFound, Job::Search];
    jobs.extend(Kind::ENTITY_KINDS.iter().map(|&k| Job::List(k)));
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
    for (t, tax) in graph.taxonomies.iter().enumerate() {
        jobs.push(Job::Taxonomy(t));
        jobs.extend((0..tax.terms.len()).map(|term| Job::Term(t, term)));
    }
    let names = TemplateSources::new(loaded);
    let page_ctx = PageRenderer {
        graph,
        shared: &shared,
        tera: &tera,
        style,
        base_url: &base_url,
        names: &names,
    };
    let results: Vec<(Job, String, Result<String, Vec<Diagnostic>>)> = jobs
        .par_iter()
        .map(|&job| {
            let (path, result) = page_ctx.render(job);
            (job, path, result)
        })
        .collect();

    let mut files = Vec::with_capacity(results.len() + loaded.statics.len() + 2);
    let mut stats = Stats::default();
    // A template error repeats on every page that uses the template: report it once.
    let mut errors: Vec<(Diagnostic, usize)> = Vec::new();
    let mut sitemap = Vec::new();
    for (job, path, result) in results {
        match result {
            Ok(html) => {
                stats.pages += 1;
                let kind = match job {
                    Job::Entity(i) => graph.entities[i].kind.plural(),
                    Job::Taxonomy(_) | Job::Term(..) => "taxonomy pages",
                    _ => "other",
                };
                *stats.by_kind.entry(kind).or_default() += 1;
                if !matches!(job, Job::NotFound) {
                    sitemap.push(path.trim_end_matches("index.html").to_string());
                }
                files.push(OutputFile {
                    path,
                    contents: Contents::Bytes(html.into_bytes()),
                });
            }
            Err(ds) => {
                for d in ds {
                    let same = |e: &Diagnostic| e.message == d.message && e.location == d.location;
                    match errors.iter_mut().find(|(e, _)| same(e)) {
                        Some((_, n)) => *n += 1,
                        None => errors.push((d, 1)),
                    }
                }
            }
        }
    }
    for (mut d, n) in errors {
        if n > 1 {
            d.hint = d.hint.map(|h| format!("{h} (and {} other pages)", n - 1));
        }
        diags.push(d);
    }
    sitemap.sort();
    files.push(OutputFile {
        path: "sitemap.xml".into(),
        contents: Contents::Bytes(sitemap_xml(&base_url, &sitemap).into_bytes()),
    });
    files.push(OutputFile {
        path: "robots.txt".into(),
        contents: Contents::Bytes(
            format!("User-agent: *\nAllow: /\nSitemap: {base_url}sitemap.xml\n").into_bytes(),
        ),
    });
    // Data files beside the pages, one producer per module.
    files.extend(crate::api::files(graph, &shared, style));
    files.extend(crate::metrics::files(graph, &shared, style));
    files.extend(crate::search::files(graph, &shared, style));
    for s in &loaded.statics {
        files.push(OutputFile {
            path: s.rel.clone(),
            contents: Contents::Copy(s.origin.clone()),
        });
    }
    Rendered { files, stats }
}

struct PageRenderer<'a> {
    graph: &'a Graph,
    shared: &'a Shared,
    tera: &'a tera::Tera,
    style: LinkStyle,
    base_url: &'a str,
    names: &'a TemplateSources<'a>,
}

impl PageRenderer<'_> {
    /// Renders one page: (output path, html or error).
    fn render(&self, job: Job) -> (String, Result<String, Vec<Diagnostic>>) {
        let graph = self.graph;
        let (dir, template) = match job {
            Job::Home => (String::new(), "index.html"),
            Job::NotFound => (String::new(), "404.html"),
            Job::Search => ("search/".to_string(), "search.html"),
            Job::List(k) => (format!("{}/", k.folder()), "list.html"),
            Job::Entity(i) => {
                let e = &graph.entities[i];
                let t = match e.kind {
                    Kind::Policy => "policy.html",
                    Kind::Measure => "measure.html",
                    Kind::Metric => "metric.html",
                    Kind::Page => "page.html",
                    Kind::Section => "section.html",
                };
                (e.url_path.clone(), t)
            }
            Job::Taxonomy(t) => (
                format!("{}/", crate::parse::slug_segment(&graph.taxonomies[t].name)),
                "taxonomy.html",
            ),
            Job::Term(t, term) => (
                context::term_path(&graph.taxonomies[t], &graph.taxonomies[t].terms[term]),
                "term.html",
            ),
        };
        let file = if matches!(job, Job::NotFound) {
            "404.html".to_string()
        } else {
            format!("{dir}index.html")
        };
        // 404.html is served for any missing path, so its links must not be
        // relative; it gets the site root as its prefix.
        let root = if matches!(job, Job::NotFound) {
            self.base_url_path()
        } else {
            root_prefix(&dir)
        };
        let mut ctx = Context::new();
        ctx.insert("root", &root);
        ctx.insert("current_path", &dir);
        ctx.insert(
            "canonical",
            &format!("{}{}", self.base_url, links::encode_path(&dir)),
        );
        match job {
            Job::Home => {
                let page = graph.home.as_ref().map(|h| {
                    let content =
                        links::fill(&h.body.html, &graph.home_links, graph, &root, self.style);
                    simple_page(&h.title, &content)
                });
                ctx.insert_value("page", page.unwrap_or_else(Value::none));
            }
            Job::NotFound => ctx.insert_value("page", simple_page("404", "")),
            Job::Search => ctx.insert_value("page", simple_page("", "")),
            Job::List(kind) => {
                let intro = graph
                    .entities
                    .iter()
                    .position(|e| e.kind == Kind::Section && e.url_path == dir);
                let (title, content) = match intro {
                    Some(i) => {
                        let e = &graph.entities[i];
                        (
                            e.title.clone(),
                            links::fill(&e.body.html, &graph.links[i], graph, &root, self.style),
                        )
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
                let content = links::fill(&e.body.html, &graph.links[i], graph, &root, self.style);
                let mut page = context::page_value(graph, self.shared, i, content);
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
                ctx.insert_value("taxonomy", context::taxonomy_value(tax, self.style));
                ctx.insert_value("term", Value::from(tv));
                ctx.insert_value(
                    "page",
                    simple_page(&format!("{}：{}", tax.label, tm.name), ""),
                );
            }
        }
        let result = self
            .tera
            .render(template, &ctx)
            .map_err(|e| self.names.diagnostics(&e, Some(&file)));
        (file, result)
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
                Diagnostic::error("i18n", format!("invalid UI strings: {}", e.message()))
                    .at(Span::new(id, e.span().unwrap_or(0..0))),
            );
            Value::from(BTreeMap::<String, Value>::new())
        }
    }
}

fn sitemap_xml(base_url: &str, paths: &[String]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for p in paths {
        out.push_str(&format!(
            "  <url><loc>{}{}</loc></url>\n",
            links::escape_html(base_url),
            links::encode_path(p)
        ));
    }
    out.push_str("</urlset>\n");
    out
}
