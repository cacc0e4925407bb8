//! Link stage: resolve every reference and link, then index the graph both ways.
//!
//! Input: the parsed entities. Output: a [`Graph`] that owns them, with typed
//! edges (front matter and metric data), prose links (wikilinks and relative
//! links), backlinks of both, and taxonomy terms. Every reference that does not
//! resolve becomes a diagnostic at its own span with the closest ids.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::Value;

use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics, closest};
use crate::hash::{self, Map, Set};
use crate::parse::entity::{Entity, Kind};
use crate::parse::markdown::{Body, LinkTarget, slugify};
use crate::parse::{Parsed, slug_segment};
use crate::source::Span;

/// Index of an entity in [`Graph::entities`].
pub type EntityIdx = usize;

/// A typed reference that resolved.
#[derive(Debug, Clone)]
pub struct Edge {
    pub from: EntityIdx,
    pub to: EntityIdx,
    pub field: &'static str,
}

/// Where a prose link goes.
#[derive(Debug, Clone)]
pub struct LinkTo {
    /// The page linked to; `None` for a heading of the page itself.
    pub target: Option<EntityIdx>,
    pub anchor: Option<String>,
}

/// One value of a taxonomy, e.g. tags = 数字化.
#[derive(Debug, Clone)]
pub struct Term {
    pub name: String,
    /// URL segment: the term itself, made safe for a file name, unique in its taxonomy.
    pub slug: String,
    pub entities: Vec<EntityIdx>,
}

#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub name: String,
    pub label: String,
    pub terms: Vec<Term>,
}

#[derive(Debug)]
pub struct Graph {
    pub entities: Vec<Arc<Entity>>,
    pub home: Option<Arc<Entity>>,
    pub data: Arc<Value>,
    pub by_id: Map<String, EntityIdx>,
    pub edges: Vec<Edge>,
    /// Edge indexes out of / into each entity.
    pub outgoing: Vec<Vec<usize>>,
    pub incoming: Vec<Vec<usize>>,
    /// Per entity, per body link: where it goes (`None` when broken).
    pub links: Vec<Vec<Option<LinkTo>>>,
    pub home_links: Vec<Option<LinkTo>>,
    /// Shortcode calls the link stage reported; render leaves them out
    /// rather than report them twice.
    pub broken_shortcodes: Set<Span>,
    /// Entities whose prose links to each entity (deduplicated, in order).
    pub mentioned_by: Vec<Vec<EntityIdx>>,
    pub taxonomies: Vec<Taxonomy>,
}

/// Which kinds a typed field may name.
fn expected_kinds(field: &str) -> &'static [Kind] {
    match field {
        "policy" | "supersedes" => &[Kind::Policy],
        "metrics" => &[Kind::Metric],
        "set_by" => &[Kind::Policy, Kind::Measure],
        _ => &[
            Kind::Policy,
            Kind::Measure,
            Kind::Metric,
            Kind::Page,
            Kind::Section,
        ],
    }
}

fn kind_names(kinds: &[Kind]) -> String {
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(" or ")
}

pub fn link(parsed: Parsed, config: &Config, diags: &mut Diagnostics) -> Graph {
    let Parsed {
        entities,
        home,
        data,
        shortcode_names,
    } = parsed;
    let mut by_id: Map<String, EntityIdx> = hash::map_with_capacity(entities.len());
    for (i, e) in entities.iter().enumerate() {
        if let Some(&first) = by_id.get(&e.id) {
            let other = &entities[first];
            diags.push(
                Diagnostic::error(
                    "duplicate-id",
                    format!(
                        "id `{}` is used by both content/{} and content/{}",
                        e.id,
                        other.content_path.display(),
                        e.content_path.display()
                    ),
                )
                .at(e.id_span)
                .label("second use")
                .note(
                    other.id_span,
                    format!("first used by {}", other.content_path.display()),
                )
                .hint(format!(
                    "ids are unique across the site: rename content/{} or set a different `id:`",
                    e.content_path.display()
                )),
            );
        } else {
            by_id.insert(e.id.clone(), i);
        }
    }
    check_url_collisions(&entities, &by_id, diags);
    let by_file: Map<&PathBuf, EntityIdx> = entities
        .iter()
        .enumerate()
        .map(|(i, e)| (&e.content_path, i))
        .collect();
    let resolver = Resolver {
        entities: &entities,
        by_id: &by_id,
        by_file: &by_file,
    };

    // Each entity's references and links resolve on their own, in parallel.
    let resolved: Vec<Resolved> = entities
        .par_iter()
        .enumerate()
        .map(|(from, e)| resolver.entity(from, e))
        .collect();
    let mut edges = Vec::new();
    let mut links = Vec::with_capacity(resolved.len());
    for r in resolved {
        edges.extend(r.edges);
        links.push(r.links);
        diags.extend(r.diags);
    }
    let mut found = Vec::new();
    let home_links = home
        .as_ref()
        .map(|h| resolver.body(None, &h.body, &mut found))
        .unwrap_or_default();
    diags.extend(found);
    let mut broken_shortcodes = Set::default();
    for body in entities.iter().chain(home.as_ref()).map(|e| &e.body) {
        for call in &body.shortcodes {
            if let Err(d) = check_shortcode(&resolver, call, &shortcode_names) {
                if d.iter().any(|d| d.severity == crate::diag::Severity::Error) {
                    broken_shortcodes.insert(call.span);
                }
                diags.extend(d);
            }
        }
    }

    edges.extend(crate::history::inferred_edges(&entities, config));
    let n = entities.len();
    let mut outgoing = vec![Vec::new(); n];
    let mut incoming = vec![Vec::new(); n];
    for (i, edge) in edges.iter().enumerate() {
        outgoing[edge.from].push(i);
        incoming[edge.to].push(i);
    }
    let mut mentioned_by: Vec<Vec<EntityIdx>> = vec![Vec::new(); n];
    for (from, ls) in links.iter().enumerate() {
        for to in ls.iter().flatten().filter_map(|l| l.target) {
            if to != from && !mentioned_by[to].contains(&from) {
                mentioned_by[to].push(from);
            }
        }
    }
    check_supersedes_cycles(&entities, &edges, &outgoing, diags);
    let taxonomies = taxonomies(&entities, config);
    Graph {
        entities,
        home,
        data,
        by_id,
        edges,
        outgoing,
        incoming,
        links,
        home_links,
        broken_shortcodes,
        mentioned_by,
        taxonomies,
    }
}

/// Whether two parses of an entity give `link` the same input: the same
/// id, file, kind, title, front matter and metric data, references, link
/// targets, heading ids and shortcode calls. When a changed file's new
/// parse has the same link inputs as the old, the graph stays as it was
/// with the new entity in the old one's place (see `crate::incremental`).
/// Spans are left out: diagnostics in the file are handled by the caller.
pub fn same_link_inputs(a: &Entity, b: &Entity) -> bool {
    fn all<T>(a: &[T], b: &[T], eq: impl Fn(&T, &T) -> bool) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| eq(x, y))
    }
    let (x, y) = (&a.body, &b.body);
    (
        &a.id,
        a.kind,
        a.source,
        &a.content_path,
        &a.url_path,
        a.draft,
    ) == (
        &b.id,
        b.kind,
        b.source,
        &b.content_path,
        &b.url_path,
        b.draft,
    ) && (&a.title, &a.tags, &a.fields, &a.data) == (&b.title, &b.tags, &b.fields, &b.data)
        && all(&a.refs, &b.refs, |r, s| {
            (r.field, &r.id) == (s.field, &s.id)
        })
        && all(&x.links, &y.links, |l, m| {
            (&l.target, &l.anchor) == (&m.target, &m.anchor)
        })
        && all(&x.headings, &y.headings, |h, i| h.id == i.id)
        && all(&x.shortcodes, &y.shortcodes, |c, d| {
            (&c.name, &c.args, c.block) == (&d.name, &d.args, d.block)
        })
}

struct Resolver<'a> {
    entities: &'a [Arc<Entity>],
    by_id: &'a Map<String, EntityIdx>,
    by_file: &'a Map<&'a PathBuf, EntityIdx>,
}

/// One entity's references and links, resolved.
struct Resolved {
    edges: Vec<Edge>,
    links: Vec<Option<LinkTo>>,
    diags: Vec<Diagnostic>,
}

impl Resolver<'_> {
    fn entity(&self, from: EntityIdx, e: &Entity) -> Resolved {
        let mut diags = Vec::new();
        let edges = e
            .refs
            .iter()
            .filter_map(
                |r| match self.id(&r.id, r.span, expected_kinds(r.field), r.field) {
                    Ok(to) => Some(Edge {
                        from,
                        to,
                        field: r.field,
                    }),
                    Err(d) => {
                        diags.push(d);
                        None
                    }
                },
            )
            .collect();
        let links = self.body(Some(from), &e.body, &mut diags);
        Resolved {
            edges,
            links,
            diags,
        }
    }

    fn id(
        &self,
        id: &str,
        span: Span,
        expected: &[Kind],
        field: &str,
    ) -> Result<EntityIdx, Diagnostic> {
        let Some(&idx) = self.by_id.get(id) else {
            return Err(self.missing(id, span, expected, field));
        };
        let kind = self.entities[idx].kind;
        if !expected.contains(&kind) {
            return Err(Diagnostic::error(
                "wrong-kind",
                format!(
                    "`{field}` must name a {}, but `{id}` is a {}",
                    kind_names(expected),
                    kind.as_str()
                ),
            )
            .at(span)
            .label(format!("this is a {}", kind.as_str()))
            .maybe_hint(self.suggest(id, expected))
            .hint_if_none(&format!(
                "`{field}` takes the id of a {}",
                kind_names(expected)
            )));
        }
        Ok(idx)
    }

    fn missing(&self, id: &str, span: Span, expected: &[Kind], field: &str) -> Diagnostic {
        let what = if field == "link" {
            "link target".to_string()
        } else {
            format!("`{field}` reference")
        };
        Diagnostic::error("unknown-ref", format!("{what} `{id}` does not exist"))
            .at(span)
            .label(if field == "link" {
                "no page has this id".to_string()
            } else {
                format!("no {} has this id", kind_names(expected))
            })
            .maybe_hint(self.suggest(id, expected))
            .hint_if_none("ids are file names without the extension (or the `id:` in front matter)")
    }

    /// Closest ids of the right kinds; an exact title match comes first.
    fn suggest(&self, wanted: &str, expected: &[Kind]) -> Option<String> {
        let candidates = self.entities.iter().filter(|e| expected.contains(&e.kind));
        if let Some(e) = candidates.clone().find(|e| e.title == wanted) {
            return Some(format!(
                "`{wanted}` is the title of `{}`; refer to it by its id",
                e.id
            ));
        }
        let ids: Vec<&str> = candidates.clone().map(|e| e.id.as_str()).collect();
        let mut best = closest(wanted, ids);
        if best.is_empty() {
            let titles: Vec<&str> = candidates.clone().map(|e| e.title.as_str()).collect();
            for t in closest(wanted, titles) {
                if let Some(e) = candidates.clone().find(|e| e.title == t) {
                    best.push(e.id.as_str());
                }
            }
        }
        (!best.is_empty()).then(|| {
            let q: Vec<String> = best.iter().map(|b| format!("`{b}`")).collect();
            format!("did you mean {}?", q.join(" or "))
        })
    }

    /// Resolves the links of a body; `this` is the entity that owns it (the
    /// home page has none).
    fn body(
        &self,
        this: Option<EntityIdx>,
        body: &Body,
        diags: &mut Vec<Diagnostic>,
    ) -> Vec<Option<LinkTo>> {
        body.links
            .iter()
            .map(|l| {
                if let Some(whole) = self.id_with_hash(l) {
                    return Some(whole);
                }
                let target = match &l.target {
                    LinkTarget::Id(id) => self
                        .id(id, l.span, expected_kinds("link"), "link")
                        .map(Some),
                    LinkTarget::File(path) => {
                        self.by_file.get(path).map(|&t| Some(t)).ok_or_else(|| {
                            Diagnostic::error(
                                "unknown-ref",
                                format!("link to missing file `content/{}`", path.display()),
                            )
                            .at(l.span)
                            .label("no such content file")
                            .maybe_hint(closest_file(path, self.by_file))
                        })
                    }
                    // A link within the page: same check of the anchor, no target page.
                    LinkTarget::Here => Ok(None),
                };
                let target = match target {
                    Ok(t) => t,
                    Err(d) => {
                        diags.push(d);
                        return None;
                    }
                };
                let owner = target.or(this);
                let headings = owner.map_or(body, |t| &self.entities[t].body);
                let anchor = match &l.anchor {
                    None => None,
                    Some(a) if headings.has_heading(a) => Some(a.clone()),
                    Some(a) if headings.has_heading(&slugify(a)) => Some(slugify(a)),
                    Some(a) => {
                        let name = owner.map_or("this page".to_string(), |t| {
                            format!("`{}`", self.entities[t].id)
                        });
                        let ids = headings.headings.iter().map(|h| h.id.as_str());
                        diags.push(
                            Diagnostic::error(
                                "unknown-anchor",
                                format!("{name} has no heading `#{a}`"),
                            )
                            .at(l.span)
                            .label("no such heading")
                            .maybe_hint(crate::diag::did_you_mean(a, ids))
                            .hint_if_none(&headings_hint(&name, headings)),
                        );
                        return None;
                    }
                };
                Some(LinkTo { target, anchor })
            })
            .collect()
    }
}

impl Resolver<'_> {
    /// `[[C# 入门]]` names the id `C# 入门` when there is one, not the
    /// heading ` 入门` of `C`: a name as written wins over the `#` syntax.
    fn id_with_hash(&self, l: &crate::parse::markdown::BodyLink) -> Option<LinkTo> {
        let (LinkTarget::Id(id), Some(anchor)) = (&l.target, &l.anchor) else {
            return None;
        };
        let whole = format!("{id}#{anchor}");
        let mut cut = whole.len();
        // The longest id the text starts with; what follows is a heading.
        loop {
            if let Some(&t) = self.by_id.get(&whole[..cut]) {
                match whole[cut..].strip_prefix('#') {
                    None => {
                        return Some(LinkTo {
                            target: Some(t),
                            anchor: None,
                        });
                    }
                    Some(a) if self.entities[t].body.has_heading(a) => {
                        return Some(LinkTo {
                            target: Some(t),
                            anchor: Some(a.to_string()),
                        });
                    }
                    Some(_) => {}
                }
            }
            cut = whole[..cut].rfind('#').filter(|&c| c > id.len())?;
        }
    }
}

/// Two entities with different ids must not share an output folder. Names
/// are compared without case: macOS and Windows file systems do not tell
/// `A/` from `a/`.
fn check_url_collisions(
    entities: &[Arc<Entity>],
    by_id: &Map<String, EntityIdx>,
    diags: &mut Diagnostics,
) {
    let mut by_url: Map<String, EntityIdx> = hash::map_with_capacity(entities.len());
    for (i, e) in entities.iter().enumerate() {
        // A duplicate id is reported as such.
        if by_id.get(&e.id) != Some(&i) {
            continue;
        }
        let Some(&first) = by_url.get(&e.url_path.to_lowercase()) else {
            by_url.insert(e.url_path.to_lowercase(), i);
            continue;
        };
        let other = &entities[first];
        diags.push(
            Diagnostic::error(
                "url-collision",
                format!(
                    "content/{} and content/{} would both be written to /{}",
                    other.content_path.display(),
                    e.content_path.display(),
                    e.url_path
                ),
            )
            .at(e.id_span)
            .label(format!("`{}` gives the same URL as `{}`", e.id, other.id))
            .note(
                other.id_span,
                format!("first at /{} ({})", other.url_path, other.content_path.display()),
            )
            .hint(format!(
                "spaces and `/ \\ # ? % : * \" < > |` become `-` in URLs; set `slug:` in the front matter of content/{} to give it another URL",
                e.content_path.display()
            )),
        );
    }
}

fn headings_hint(name: &str, body: &Body) -> String {
    if body.headings.is_empty() {
        return format!("{name} has no headings; link to the page without `#`");
    }
    let list: Vec<&str> = body
        .headings
        .iter()
        .take(8)
        .map(|h| h.id.as_str())
        .collect();
    format!("its headings are: {}", list.join(", "))
}

fn closest_file(path: &std::path::Path, by_file: &Map<&PathBuf, EntityIdx>) -> Option<String> {
    let wanted = path.to_string_lossy();
    let names: Vec<String> = by_file
        .keys()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let best = closest(&wanted, names.iter().map(String::as_str));
    best.first().map(|b| format!("did you mean `content/{b}`?"))
}

/// A shortcode must have a template; the built-in `metric` and `chart`
/// must name a metric, and `metric`'s period must be one of its values.
/// `Err` holds what was found (warnings too); only errors break the call.
fn check_shortcode(
    resolver: &Resolver,
    call: &crate::parse::shortcode::Shortcode,
    names: &[String],
) -> Result<(), Vec<Diagnostic>> {
    use crate::parse::period::{PERIOD_FORMS, Period};
    let mut diags = Vec::new();
    if !names.contains(&call.name) {
        diags.push(
            Diagnostic::error(
                "unknown-shortcode",
                format!("unknown shortcode `{}`", call.name),
            )
            .at(call.span)
            .label("no template for this shortcode")
            .maybe_hint(crate::diag::did_you_mean(
                &call.name,
                names.iter().map(String::as_str),
            ))
            .hint_if_none(&format!(
                "shortcodes are templates/shortcodes/<name>.html; this site has: {}",
                names.join(", ")
            )),
        );
        return Err(diags);
    }
    let allowed: &[&str] = match call.name.as_str() {
        "metric" => &["id", "period"],
        "chart" => &["id"],
        _ => return Ok(()),
    };
    for (key, _) in call
        .args
        .iter()
        .filter(|(k, _)| !allowed.contains(&k.as_str()))
    {
        diags.push(
            Diagnostic::error(
                "bad-shortcode",
                format!("`{}` takes no argument `{key}`", call.name),
            )
            .at(call.span)
            .hint(format!("`{}` takes: {}", call.name, allowed.join(", "))),
        );
    }
    let Some(id) = call.arg("id") else {
        diags.push(
            Diagnostic::error("bad-shortcode", format!("`{}` needs `id=\"…\"`", call.name))
                .at(call.span)
                .hint(format!("write {{{{ {}(id=\"<metric id>\") }}}}", call.name)),
        );
        return Err(diags);
    };
    let metric = match resolver.id(id, call.span, &[Kind::Metric], "metric") {
        Ok(i) => resolver.entities[i].metric(),
        Err(d) => {
            diags.push(d);
            return Err(diags);
        }
    };
    if call.name == "chart" && !call.block {
        // A chart is a figure; inside a paragraph it would break the HTML.
        diags.push(
            Diagnostic::warning("inline-chart", "a chart inside a sentence")
                .at(call.span)
                .hint("put {{ chart(…) }} on its own line, with blank lines around it"),
        );
    }
    let Some(metric) = metric.filter(|_| call.name == "metric") else {
        return if diags.is_empty() { Ok(()) } else { Err(diags) };
    };
    let periods: Vec<String> = metric.values.iter().map(|v| v.period.to_string()).collect();
    let shown = if periods.is_empty() {
        format!("`{id}` has no values yet")
    } else {
        format!("`{id}` has values for: {}", periods.join(", "))
    };
    match call.arg("period") {
        None if periods.is_empty() => diags.push(
            Diagnostic::error(
                "unknown-period",
                format!("metric `{id}` has no value to show"),
            )
            .at(call.span)
            .hint("add a value to the metric, or embed its chart instead: {{ chart(id=\"…\") }}"),
        ),
        None => {}
        Some(p) => match Period::parse(p) {
            None => diags.push(
                Diagnostic::error("bad-period", format!("`{p}` is not a period"))
                    .at(call.span)
                    .hint(format!("write a period as {PERIOD_FORMS}; {shown}")),
            ),
            Some(p) if !metric.values.iter().any(|v| v.period == p) => diags.push(
                Diagnostic::error(
                    "unknown-period",
                    format!("metric `{id}` has no value for {p}"),
                )
                .at(call.span)
                .label("no such period")
                .hint(shown),
            ),
            Some(_) => {}
        },
    }
    if diags.is_empty() { Ok(()) } else { Err(diags) }
}

/// A policy that (through `supersedes`) supersedes itself is an error.
fn check_supersedes_cycles(
    entities: &[Arc<Entity>],
    edges: &[Edge],
    outgoing: &[Vec<usize>],
    diags: &mut Diagnostics,
) {
    // 0 = unvisited, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; entities.len()];
    for start in 0..entities.len() {
        if state[start] != 0 {
            continue;
        }
        // Iterative DFS keeps deep chains from overflowing the stack.
        let mut stack: Vec<(EntityIdx, usize)> = vec![(start, 0)];
        let mut path: Vec<EntityIdx> = vec![start];
        state[start] = 1;
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            let succ: Vec<EntityIdx> = outgoing[node]
                .iter()
                .map(|&e| &edges[e])
                .filter(|e| e.field == "supersedes")
                .map(|e| e.to)
                .collect();
            if *next < succ.len() {
                let to = succ[*next];
                *next += 1;
                match state[to] {
                    0 => {
                        state[to] = 1;
                        stack.push((to, 0));
                        path.push(to);
                    }
                    1 => {
                        let pos = path.iter().position(|&p| p == to).unwrap_or(0);
                        let cycle: Vec<&str> = path[pos..]
                            .iter()
                            .chain([&to])
                            .map(|&i| entities[i].id.as_str())
                            .collect();
                        let span = entities[node]
                            .refs_in("supersedes")
                            .find(|r| r.id == entities[to].id)
                            .map(|r| r.span)
                            .unwrap_or(entities[node].id_span);
                        diags.push(
                            Diagnostic::error("supersedes-cycle", format!("`supersedes` forms a cycle: {}", cycle.join(" → ")))
                                .at(span)
                                .hint("a policy cannot (indirectly) supersede itself; remove one of these `supersedes` entries"),
                        );
                    }
                    _ => {}
                }
            } else {
                state[node] = 2;
                stack.pop();
                path.pop();
            }
        }
    }
}

/// Terms of each configured taxonomy, from the front-matter field of that
/// name. Terms are in name order; each lists its entities in order.
fn taxonomies(entities: &[Arc<Entity>], config: &Config) -> Vec<Taxonomy> {
    config
        .taxonomies
        .0
        .par_iter()
        .map(|(name, label)| {
            let mut terms: Map<Cow<str>, Vec<EntityIdx>> = Map::default();
            for (i, e) in entities.iter().enumerate() {
                for term in field_terms(e, name) {
                    let list = terms.entry(term).or_default();
                    // Entities come in order: a repeated term is the same entity's.
                    if list.last() != Some(&i) {
                        list.push(i);
                    }
                }
            }
            let mut terms: Vec<(Cow<str>, Vec<EntityIdx>)> = terms.into_iter().collect();
            terms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            let mut used: Map<String, usize> = Map::default();
            let terms = terms
                .into_iter()
                .map(|(name, entities)| {
                    let base = slug_segment(&name);
                    let n = used.entry(base.clone()).or_default();
                    *n += 1;
                    let slug = if *n == 1 { base } else { format!("{base}-{n}") };
                    Term {
                        name: name.into_owned(),
                        slug,
                        entities,
                    }
                })
                .collect();
            Taxonomy {
                name: name.clone(),
                label: label.clone(),
                terms,
            }
        })
        .collect()
}

fn field_terms<'a>(e: &'a Entity, field: &str) -> Vec<Cow<'a, str>> {
    if field == "tags" {
        return e.tags.iter().map(|t| Cow::Borrowed(t.as_str())).collect();
    }
    // Most terms are strings as written: borrowed, not copied.
    let owned = |v: &'a Value| match v {
        Value::String(s) if !s.trim().is_empty() => Some(Cow::Borrowed(s.trim())),
        _ => crate::parse::scalar_string(v).map(Cow::Owned),
    };
    match e.fields.get(field) {
        Some(Value::Array(a)) => a.iter().filter_map(owned).collect(),
        Some(v) => owned(v).into_iter().collect(),
        None => Vec::new(),
    }
}
