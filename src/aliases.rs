//! Redirect pages for `aliases:`, the old URLs of a page (as Hugo and Zola
//! write them), so links into an imported site keep working.

use crate::diag::{Code, Diagnostic};
use crate::graph::Graph;
use crate::output::{Contents, OutputFile};
use crate::url::{LinkStyle, escape_html, root_prefix};

/// The output file of an alias: `/old/page/` → `old/page/index.html`,
/// `/old.html` stays `old.html`. An alias that would leave the output or
/// names nothing is refused with the reason.
pub fn alias_file(alias: &str) -> Result<String, String> {
    let path = alias.trim().trim_start_matches('/');
    if path.is_empty() {
        return Err("an alias must name a path below the site root, e.g. /old/page/".into());
    }
    if path
        .split('/')
        .any(|s| s == ".." || s == "." || s.contains(['\\', '\0']))
    {
        return Err(format!(
            "alias `{alias}` leaves the site: `..`, `.` and `\\` are not allowed"
        ));
    }
    Ok(if path.ends_with(".html") || path.ends_with(".htm") {
        path.to_string()
    } else {
        format!("{}/index.html", path.trim_end_matches('/'))
    })
}

/// The aliases of every entity, as (entity index, output file). Found once
/// a link: a graph kept through a rebuild has every entity's fields as they
/// were (see [`crate::graph::same_link_inputs`]), so its aliases too.
pub fn all(graph: &Graph) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, e) in graph.entities.iter().enumerate() {
        let list = match e.fields.get("aliases") {
            Some(serde_json::Value::Array(a)) => a,
            Some(s @ serde_json::Value::String(_)) => vec![s],
            _ => Vec::new(),
        };
        out.extend(
            list.iter()
                .filter_map(|a| Some((i, alias_file(a.as_str()?).ok()?))),
        );
    }
    out
}

/// Errors for aliases (from [`all`]) that name a page of the site (any
/// page: lists and taxonomy pages too) or the alias of another.
pub fn check(graph: &Graph, aliases: &[(usize, String)]) -> Vec<Diagnostic> {
    // Most sites have none: then the site's page paths are not made at all
    // (thousands of strings on every relink while editing).
    if aliases.is_empty() {
        return Vec::new();
    }
    let pages: crate::hash::Set<String> = crate::render::jobs(graph)
        .into_iter()
        .map(|job| crate::render::page_file(graph, job))
        .collect();
    let mut seen = crate::hash::Map::default();
    let mut diags = Vec::new();
    for &(i, ref file) in aliases {
        let e = &graph.entities[i];
        let clash = if pages.contains(file) {
            Some("a page of the site".to_string())
        } else {
            seen.insert(file.as_str(), i)
                .filter(|&other| other != i)
                .map(|other| {
                    format!(
                        "an alias of content/{}",
                        graph.entities[other].content_path.display()
                    )
                })
        };
        if let Some(what) = clash {
            diags.push(
                Diagnostic::error(Code::BadAlias, format!("alias /{file} is already {what}"))
                    .at(e.id_span)
                    .hint(format!(
                        "remove it from `aliases:` in content/{}",
                        e.content_path.display()
                    )),
            );
        }
    }
    diags
}

/// One small page per alias (from [`all`]) that sends the reader to the page.
pub fn files(graph: &Graph, aliases: &[(usize, String)], style: LinkStyle) -> Vec<OutputFile> {
    aliases
        .iter()
        .map(|&(i, ref file)| {
            let e = &graph.entities[i];
            let href = escape_html(&format!("{}{}", root_prefix(file), style.path(&e.url_path)));
            let title = escape_html(&e.title);
            let html = format!(
                "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title>\
                 <meta name=\"robots\" content=\"noindex\">\
                 <meta http-equiv=\"refresh\" content=\"0; url={href}\"></head>\
                 <body><p><a href=\"{href}\">{title}</a></p></body></html>\n"
            );
            OutputFile {
                path: file.clone(),
                contents: Contents::Bytes(html.into_bytes()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_paths() {
        assert_eq!(alias_file("/old/page/").unwrap(), "old/page/index.html");
        assert_eq!(alias_file("old.html").unwrap(), "old.html");
        assert!(alias_file("/../etc/x").is_err());
        assert!(alias_file("/").is_err());
    }
}
