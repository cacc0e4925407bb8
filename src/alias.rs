//! Redirect pages for old paths: `aliases: [old/path/]` in front matter
//! writes `old/path/index.html`, which sends readers (and search engines,
//! through its canonical link) to the page's current URL. A path ending in
//! `.html` is written as that file.
//!
//! The redirect is relative, like every internal link, so it works under a
//! sub-path and from disk.

use crate::diag::Diagnostic;
use crate::graph::Graph;
use crate::hash::{Map, Set};
use crate::output::{Contents, OutputFile};
use crate::url::{LinkStyle, encode_path, escape_html, root_prefix};

/// The redirect pages of every alias, with an error for each alias that is
/// not a site path or that names a page (or another alias) already there.
/// `pages` holds the output files of the site's pages.
pub fn files(
    graph: &Graph,
    language: &str,
    base_url: &str,
    style: LinkStyle,
    pages: &Set<&str>,
) -> (Vec<OutputFile>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diags = Vec::new();
    let mut taken: Map<String, &str> = Map::default();
    for e in graph.entities.iter() {
        for (alias, span) in &e.aliases {
            let Some(file) = output_file(alias) else {
                diags.push(
                    Diagnostic::error("alias", format!("`{alias}` is not a path of this site"))
                        .at(*span)
                        .hint(
                            "write the old path from the site root, e.g. `old/path/` or `old.html`",
                        ),
                );
                continue;
            };
            let other = if pages.contains(file.as_str()) {
                Some(format!("a page of the site is written to `{file}`"))
            } else {
                taken
                    .get(&file)
                    .map(|id| format!("`{id}` has the same alias"))
            };
            if let Some(other) = other {
                diags.push(
                    Diagnostic::error("alias", format!("alias `{alias}` of `{}` is taken", e.id))
                        .at(*span)
                        .label(other)
                        .hint("remove the alias, or give each page its own old path"),
                );
                continue;
            }
            taken.insert(file.clone(), e.id.as_str());
            let dir = &file[..file.rfind('/').map_or(0, |i| i + 1)];
            let href = format!("{}{}", root_prefix(dir), style.path(&e.url_path));
            let canonical = format!("{base_url}{}", encode_path(&e.url_path));
            let html = redirect_page(language, &e.title, &href, &canonical);
            files.push(OutputFile {
                path: file,
                contents: Contents::Bytes(html.into_bytes()),
            });
        }
    }
    (files, diags)
}

/// The file an alias is written to: `old/` and `old` -> `old/index.html`,
/// `old.html` as it is. `None` for what is not a plain site path.
fn output_file(alias: &str) -> Option<String> {
    let path = alias.trim().trim_start_matches('/');
    let bad = path.is_empty()
        || path.contains(['\\', '?', '#', ':'])
        || path.split('/').any(|s| s == ".." || s == ".");
    if bad {
        return None;
    }
    if path.ends_with(".html") || path.ends_with(".htm") {
        Some(path.to_string())
    } else {
        Some(format!("{}/index.html", path.trim_end_matches('/')))
    }
}

fn redirect_page(language: &str, title: &str, href: &str, canonical: &str) -> String {
    let (title, href, canonical) = (
        escape_html(title),
        escape_html(href),
        escape_html(canonical),
    );
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title}</title>\n<link rel=\"canonical\" href=\"{canonical}\">\n\
         <meta name=\"robots\" content=\"noindex\">\n\
         <meta http-equiv=\"refresh\" content=\"0; url={href}\">\n</head>\n\
         <body>\n<p><a href=\"{href}\">{title}</a></p>\n</body>\n</html>\n",
        escape_html(language)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_become_files_under_the_root() {
        assert_eq!(
            output_file("/old/path/").as_deref(),
            Some("old/path/index.html")
        );
        assert_eq!(output_file("old").as_deref(), Some("old/index.html"));
        assert_eq!(output_file("a/b.html").as_deref(), Some("a/b.html"));
        for bad in ["", "/", "../x", "a/./b", "https://x.org/", "a?b"] {
            assert_eq!(output_file(bad), None, "{bad}");
        }
    }
}
