//! Atom feeds: `/atom.xml` for the whole site and `/<taxonomy>/<term>/atom.xml`
//! for each term, so a reader can follow one tag or one issuer.
//!
//! An entry is a policy or a measure with a date: a policy's `issued`, a
//! measure's `start`. Entries without a date are left out rather than given
//! the day of the build, which would make old documents look new. A term
//! whose entities have no date yet still gets its (empty) feed, so readers
//! can follow it before its first dated entry; a site with no dated entity
//! at all gets no feeds (templates see this through `site.feed` and
//! `term.feed`).

use std::fmt::Write as _;

use crate::config::Config;
use crate::graph::{EntityIdx, Graph, Taxonomy, Term};
use crate::output::{Contents, OutputFile};
use crate::parse::entity::{Entity, KindData};
use crate::parse::period::Period;
use crate::url::{encode_path, escape_html};

/// The newest entries a feed holds: enough for a reader that polls daily,
/// small enough to stay a cheap download on a large site.
pub const FEED_ENTRIES: usize = 50;

/// File name of a feed inside its folder.
pub const FEED_FILE: &str = "atom.xml";

/// The date an entity appears in feeds under: `issued`, else `start`.
pub fn entry_date(e: &Entity) -> Option<Period> {
    match &e.data {
        KindData::Policy(p) => p.issued,
        KindData::Measure(m) => m.start,
        _ => None,
    }
}

/// The newest entry date of the site; `None` when nothing has a date, and
/// then the site has no feeds.
pub fn newest(graph: &Graph) -> Option<Period> {
    graph.entities.iter().filter_map(|e| entry_date(e)).max()
}

/// Path of a term's feed from the site root, not encoded.
pub fn term_feed_path(t: &Taxonomy, term: &Term) -> String {
    format!("{}{FEED_FILE}", crate::render::context::term_path(t, term))
}

/// A term by the index of its taxonomy and its own.
pub type TermAt = (usize, usize);

/// One feed of the site: made, or the same as the last build's.
pub enum Feed {
    Made(OutputFile),
    /// Its path: none of its entries can have changed.
    Same(String),
}

/// Every feed of the site. `base_url` ends in `/`. `same` tells, from the
/// term a feed follows (taxonomy, term; `None` for the site's) and the
/// entities it draws its entries from, that it is the last build's: an
/// entry is made of its entity's own text alone.
pub fn files(
    graph: &Graph,
    config: &Config,
    base_url: &str,
    same: &dyn Fn(Option<TermAt>, &[EntityIdx]) -> bool,
) -> Vec<Feed> {
    let Some(newest) = newest(graph) else {
        return Vec::new();
    };
    let writer = Writer {
        graph,
        config,
        base_url,
        newest,
    };
    let feed = |of: Option<TermAt>,
                idxs: &[EntityIdx],
                title: &dyn Fn() -> String,
                page: &str,
                path: String| {
        if same(of, idxs) {
            return Feed::Same(path);
        }
        let xml = writer.feed(idxs.iter().copied(), &title(), page, &path);
        Feed::Made(xml_file(path, xml))
    };
    let all: Vec<EntityIdx> = (0..graph.entities.len()).collect();
    let site_title = || config.title.clone();
    let mut files = vec![feed(None, &all, &site_title, "", FEED_FILE.to_string())];
    for (x, t) in graph.taxonomies.iter().enumerate() {
        for (y, term) in t.terms.iter().enumerate() {
            let title = || format!("{} · {}：{}", config.title, t.label, term.name);
            let page = crate::render::context::term_path(t, term);
            let path = term_feed_path(t, term);
            files.push(feed(Some((x, y)), &term.entities, &title, &page, path));
        }
    }
    files
}

/// What every feed is made from besides its entries: when it changes,
/// every feed is made again.
pub fn frame_hash(graph: &Graph, config: &Config, base_url: &str) -> u64 {
    let labels: Vec<&str> = graph.taxonomies.iter().map(|t| t.label.as_str()).collect();
    crate::hash::hash_of((
        &config.title,
        &config.language,
        base_url,
        newest(graph),
        labels,
    ))
}

fn xml_file(path: String, xml: String) -> OutputFile {
    OutputFile {
        path,
        contents: Contents::Bytes(xml.into_bytes()),
    }
}

struct Writer<'a> {
    graph: &'a Graph,
    config: &'a Config,
    base_url: &'a str,
    /// The site's newest entry date: the `updated` of a feed with no entry.
    newest: Period,
}

impl Writer<'_> {
    /// One feed of the dated entities among `idxs`, newest first. `page`
    /// is the HTML page the feed follows.
    fn feed(
        &self,
        idxs: impl IntoIterator<Item = EntityIdx>,
        title: &str,
        page: &str,
        path: &str,
    ) -> String {
        let mut dated: Vec<(Period, EntityIdx)> = idxs
            .into_iter()
            .filter_map(|i| Some((entry_date(&self.graph.entities[i])?, i)))
            .collect();
        // Newest first; one date's entries by title, so the order is stable.
        let order = |a: &(Period, EntityIdx), b: &(Period, EntityIdx)| {
            b.0.cmp(&a.0).then_with(|| {
                let (x, y) = (&self.graph.entities[a.1], &self.graph.entities[b.1]);
                x.title.cmp(&y.title).then_with(|| x.id.cmp(&y.id))
            })
        };
        // Only the newest are sorted: a site's feed draws from thousands.
        if dated.len() > FEED_ENTRIES {
            dated.select_nth_unstable_by(FEED_ENTRIES, order);
            dated.truncate(FEED_ENTRIES);
        }
        dated.sort_by(order);
        let newest = dated.first().map_or(self.newest, |d| d.0);
        let mut out = String::with_capacity(512 + dated.len() * 512);
        let self_url = self.absolute(path);
        let _ = write!(
            out,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
             <feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n\
             <title>{}</title>\n\
             <id>{}</id>\n\
             <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n\
             <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n\
             <updated>{}</updated>\n\
             <author><name>{}</name></author>\n\
             <generator>pinakes</generator>\n",
            escape_html(&self.config.language),
            escape_html(title),
            escape_html(&self.id(path)),
            escape_html(&self_url),
            escape_html(&self.absolute(page)),
            timestamp(newest),
            escape_html(&self.config.title),
        );
        for (date, i) in dated {
            self.entry(&mut out, &self.graph.entities[i], date);
        }
        out.push_str("</feed>\n");
        out
    }

    fn entry(&self, out: &mut String, e: &Entity, date: Period) {
        let _ = write!(
            out,
            "<entry>\n<title>{title}</title>\n<id>{id}</id>\n\
             <link rel=\"alternate\" type=\"text/html\" href=\"{url}\"/>\n\
             <published>{date}</published>\n<updated>{date}</updated>\n",
            title = escape_html(&e.title),
            id = escape_html(&self.id(&e.url_path)),
            url = escape_html(&self.absolute(&e.url_path)),
            date = timestamp(date),
        );
        for name in authors(e) {
            let _ = writeln!(out, "<author><name>{}</name></author>", escape_html(name));
        }
        for tag in &e.tags {
            let _ = writeln!(out, "<category term=\"{}\"/>", escape_html(tag));
        }
        if let Some(summary) = e.summary.as_deref().filter(|s| !s.trim().is_empty()) {
            let _ = writeln!(out, "<summary>{}</summary>", escape_html(summary.trim()));
        }
        out.push_str("</entry>\n");
    }

    /// The absolute URL of a site path (`base_url` may be a bare path).
    fn absolute(&self, path: &str) -> String {
        format!("{}{}", self.base_url, encode_path(path))
    }

    /// An entry or feed id: its URL when `base_url` is absolute, else a
    /// tag URI made of the site path (an Atom id must be an absolute IRI).
    fn id(&self, path: &str) -> String {
        if self.base_url.contains("://") {
            self.absolute(path)
        } else {
            format!("tag:pinakes,2024:{}", encode_path(path))
        }
    }
}

/// The issuers of a policy, the owner of a measure.
fn authors(e: &Entity) -> Vec<&str> {
    match &e.data {
        KindData::Policy(p) => p.issuer.iter().map(String::as_str).collect(),
        KindData::Measure(m) => m.owner.as_deref().into_iter().collect(),
        _ => Vec::new(),
    }
}

/// RFC 3339 for the first day of a date (`2024` is `2024-01-01T00:00:00Z`).
fn timestamp(p: Period) -> String {
    let (y, m, d) = match p {
        Period::Year(y) => (y, 1, 1),
        Period::Half(y, h) => (y, (h - 1) * 6 + 1, 1),
        Period::Quarter(y, q) => (y, (q - 1) * 3 + 1, 1),
        Period::Month(y, m) => (y, m, 1),
        Period::Day(y, m, d) => (y, m, d),
    };
    format!("{y:04}-{m:02}-{d:02}T00:00:00Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_start_at_their_first_day() {
        assert_eq!(timestamp(Period::Year(2024)), "2024-01-01T00:00:00Z");
        assert_eq!(timestamp(Period::Month(2025, 3)), "2025-03-01T00:00:00Z");
        assert_eq!(timestamp(Period::Day(2025, 12, 9)), "2025-12-09T00:00:00Z");
    }
}
