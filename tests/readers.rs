//! What readers get besides the pages: Atom feeds, alias redirects, link
//! previews, the favicon, dates in the sitemap, and a 404 page that works
//! from any path.

mod common;

use common::{Site, encode};

const ATOM: &str = "http://www.w3.org/2005/Atom";
const BASE: &str = "https://example.org/sub/";

/// A parsed Atom feed: its entries as (title, link, updated, summary).
struct Feed {
    title: String,
    updated: String,
    entries: Vec<Entry>,
}

#[derive(Debug)]
struct Entry {
    title: String,
    link: String,
    updated: String,
    summary: Option<String>,
}

/// Parses `xml` as Atom and checks the elements RFC 4287 requires.
#[track_caller]
fn atom(xml: &str) -> Feed {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let feed = doc.root_element();
    assert!(feed.has_tag_name((ATOM, "feed")), "root is an Atom feed");
    let child = |n: roxmltree::Node, name: &str| {
        n.children()
            .find(|c| c.has_tag_name((ATOM, name)))
            .and_then(|c| c.text())
            .map(str::to_string)
    };
    let alternate = |n: roxmltree::Node| {
        n.children()
            .find(|c| c.has_tag_name((ATOM, "link")) && c.attribute("rel") == Some("alternate"))
            .and_then(|c| c.attribute("href"))
            .map(str::to_string)
    };
    for name in ["id", "title", "updated"] {
        assert!(child(feed, name).is_some(), "feed has <{name}>\n{xml}");
    }
    assert!(
        feed.children().any(|c| c.has_tag_name((ATOM, "author"))),
        "feed has an author, so entries need none"
    );
    let self_link = feed
        .children()
        .any(|c| c.has_tag_name((ATOM, "link")) && c.attribute("rel") == Some("self"));
    assert!(self_link, "feed links to itself");
    let entries = feed
        .children()
        .filter(|c| c.has_tag_name((ATOM, "entry")))
        .map(|e| {
            let id = child(e, "id").expect("entry has <id>");
            assert!(id.contains(':'), "entry id {id} is an absolute IRI");
            Entry {
                title: child(e, "title").expect("entry has <title>"),
                link: alternate(e).expect("entry links to its page"),
                updated: child(e, "updated").expect("entry has <updated>"),
                summary: child(e, "summary"),
            }
        })
        .collect();
    Feed {
        title: child(feed, "title").unwrap(),
        updated: child(feed, "updated").unwrap(),
        entries,
    }
}

fn url(kind: &str, id: &str) -> String {
    format!("{BASE}{kind}/{}/", encode(id))
}

#[test]
fn can_write_a_site_feed_of_dated_policies_and_measures_newest_first() {
    let site = Site::fixture("basic");
    site.build();
    let feed = atom(&site.read("public/atom.xml"));
    assert_eq!(feed.title, "测试站点");
    let got: Vec<(&str, &str, &str)> = feed
        .entries
        .iter()
        .map(|e| (e.title.as_str(), e.link.as_str(), e.updated.as_str()))
        .collect();
    // 甲政策 issued 2024-05-14; 数字化转型行动 started 2024. The patent law
    // and the other measure have no date: left out, not dated today.
    let jia = url("policies", "甲政策");
    let digital = url("measures", "数字化转型行动");
    assert_eq!(
        got,
        vec![
            ("甲政策全称", jia.as_str(), "2024-05-14T00:00:00Z"),
            (
                "数字化转型提标行动",
                digital.as_str(),
                "2024-01-01T00:00:00Z"
            ),
        ]
    );
    assert_eq!(feed.updated, "2024-05-14T00:00:00Z", "the newest entry");
    assert_eq!(feed.entries[0].summary.as_deref(), Some("甲政策的摘要。"));
}

#[test]
fn can_write_a_feed_per_taxonomy_term_linked_from_its_page() {
    let site = Site::fixture("basic");
    site.build();
    let titles = |path: &str| -> Vec<String> {
        atom(&site.read(path))
            .entries
            .into_iter()
            .map(|e| e.title)
            .collect()
    };
    assert_eq!(
        titles("public/tags/数字化/atom.xml"),
        ["甲政策全称", "数字化转型提标行动"]
    );
    assert_eq!(titles("public/tags/制造业/atom.xml"), ["甲政策全称"]);
    assert_eq!(
        titles("public/issuer/山东省人民政府/atom.xml"),
        ["甲政策全称"]
    );
    let term = site.page("tags/数字化/index.html");
    let feeds = term.attrs("link[rel=alternate][type='application/atom+xml']", "href");
    assert_eq!(
        feeds,
        [
            format!("../../tags/{}/atom.xml", encode("数字化")),
            "../../atom.xml".to_string()
        ],
        "the term's own feed first, then the site's"
    );
    let home = site.page("index.html");
    assert_eq!(
        home.attrs("link[rel=alternate]", "href"),
        ["atom.xml"],
        "every page names the site feed"
    );
}

#[test]
fn a_term_without_dated_entries_still_has_a_feed_to_follow() {
    let site = Site::new()
        .file(
            "site.toml",
            "title = \"测试\"\nbase_url = \"https://example.org/\"\n[taxonomies]\ntags = \"标签\"\n",
        )
        .file(
            "content/policies/甲.md",
            "---\ntitle: 甲\nissued: 2025-03\ntags: [数字化]\n---\n\n正文。\n",
        )
        .file(
            "content/policies/乙.md",
            "---\ntitle: 乙\ntags: [绿色低碳]\n---\n\n正文。\n",
        );
    site.build();
    let feed = atom(&site.read("public/tags/绿色低碳/atom.xml"));
    assert!(feed.entries.is_empty(), "乙 has no date");
    assert_eq!(
        feed.updated, "2025-03-01T00:00:00Z",
        "an empty feed is as new as the site"
    );
}

#[test]
fn a_site_without_dates_has_no_feeds() {
    let site = Site::new().file(
        "content/policies/甲.md",
        "---\ntitle: 甲\ntags: [数字化]\n---\n\n正文。\n",
    );
    site.build();
    assert!(
        !site.exists("public/atom.xml"),
        "no feed when nothing has a date"
    );
    let home = site.page("index.html");
    home.check(home.count("link[rel=alternate]") == 0, "and no link to one");
}

#[test]
fn can_describe_pages_for_link_previews_and_show_a_favicon() {
    let site = Site::fixture("basic");
    site.build();
    let jia = site.page(&format!("policies/{}/index.html", "甲政策"));
    assert_eq!(
        jia.attr("meta[property='og:description']", "content"),
        "甲政策的摘要。"
    );
    assert_eq!(
        jia.attr("meta[name=description]", "content"),
        "甲政策的摘要。"
    );
    assert_eq!(jia.attr("link[rel=icon]", "href"), "../../favicon.svg");
    assert!(
        site.read("public/favicon.svg").starts_with("<svg"),
        "the theme's icon"
    );
    // A site's own static/favicon.svg replaces the theme's.
    site.write(
        "static/favicon.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    site.build();
    assert_eq!(
        site.read("public/favicon.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>"
    );
}

#[test]
fn can_date_sitemap_entries_from_updated_or_issued() {
    let site = Site::fixture("basic");
    site.write(
        "content/about/联系.md",
        format!(
            "---\nupdated: 2025-02\n---\n{}",
            site.read("content/about/联系.md")
        ),
    );
    site.build();
    let sitemap = site.read("public/sitemap.xml");
    let line = |id: &str, kind: &str| {
        let loc = format!("<loc>{}</loc>", url(kind, id));
        sitemap
            .lines()
            .find(|l| l.contains(&loc))
            .unwrap_or_else(|| panic!("{loc} in\n{sitemap}"))
            .to_string()
    };
    assert!(line("甲政策", "policies").contains("<lastmod>2024-05-14</lastmod>"));
    assert!(line("联系", "about").contains("<lastmod>2025-02</lastmod>"));
    assert!(
        !line("上海市专利保护条例(2020-05-14)", "policies").contains("lastmod"),
        "no date, no lastmod"
    );
    roxmltree::Document::parse(&sitemap).expect("the sitemap is XML");
}

#[test]
fn can_redirect_aliases_to_the_page() {
    let site = Site::new().file(
        "content/policies/甲.md",
        "---\ntitle: 甲政策\naliases: [old/甲/, /legacy.html]\n---\n\n正文。\n",
    );
    site.build();
    let page = site.page("old/甲/index.html");
    assert_eq!(
        page.attr("meta[http-equiv=refresh]", "content"),
        format!("0; url=../../policies/{}/index.html", encode("甲"))
    );
    assert_eq!(page.text("a"), "甲政策");
    let flat = site.page("legacy.html");
    assert_eq!(
        flat.attr("a", "href"),
        format!("policies/{}/index.html", encode("甲"))
    );
    assert!(
        common::broken_links(&site.path("public")).is_empty(),
        "redirects lead to pages"
    );
}

#[test]
fn errors_on_aliases_that_clash_with_any_page_or_leave_the_site() {
    let site = Site::new()
        .file(
            "site.toml",
            "title = \"测试\"\n[taxonomies]\ntags = \"标签\"\n",
        )
        .file(
            "content/policies/甲.md",
            "---\ntitle: 甲\naliases: [policies/乙/, /tags/]\n---\n\n正文。\n",
        )
        .file(
            "content/policies/乙.md",
            "---\ntitle: 乙\naliases: [\"../up\"]\n---\n\n正文。\n",
        );
    let report = site.check_json(&[]);
    let bad = report.with_code("bad-alias");
    report.check(bad.len() == 3, "three bad aliases, all reported");
    let leaves = bad.iter().find(|d| d.message.contains("leaves")).unwrap();
    report.assert_at(leaves, "error", "content/policies/乙.md", 3, 11);
    // The taxonomy page `tags/` is a page too, not only entities' pages.
    for taken in ["/policies/乙/index.html", "/tags/index.html"] {
        report.check(
            bad.iter().any(|d| {
                d.message.contains(taken) && d.file.as_deref() == Some("content/policies/甲.md")
            }),
            &format!("{taken} is taken"),
        );
    }
    site.run(&["build"]).failure();
}

#[test]
fn not_found_page_links_from_the_site_root_anywhere() {
    let site = Site::fixture("basic");
    site.build();
    let nf = site.page("404.html");
    for href in nf.attrs("a[href], link[href]", "href") {
        nf.check(
            href.contains("://") || (!href.starts_with('/') && !href.starts_with("../")),
            &format!("{href}: written from the site root"),
        );
    }
    // Over HTTP the script points a base element at base_url's path.
    assert_eq!(nf.attr("script[data-base-path]", "data-base-path"), "/sub/");
}

/// axe-core (installed by `.ci/run` under target/tools/) in headless
/// Chromium: no critical or serious violation on a page of each type, at
/// 1280 and 390 px, in light and dark schemes. Needs `chromium`.
#[test]
fn axe_finds_no_serious_violation_on_any_page_type() {
    if !common::has_browser() {
        return;
    }
    let axe = common::manifest_dir().join("target/tools/node_modules/axe-core/axe.min.js");
    if !axe.is_file() {
        assert!(
            std::env::var_os("PINAKES_REQUIRE_BROWSER").is_none(),
            "axe-core is not installed (.ci/run installs it)"
        );
        eprintln!("SKIPPED: axe-core is not installed (.ci/run installs it)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    common::run_in(
        &common::manifest_dir(),
        &["build", "--output", out.to_str().unwrap()],
    )
    .success();
    let pages = [
        "index.html",
        "policies/index.html",
        "measures/index.html",
        "metrics/index.html",
        "policies/先进制造业强省行动计划/index.html",
        "measures/千项千亿计划/index.html",
        "metrics/规上工业增加值增速/index.html",
        "about/index.html",
        "about/source/index.html",
        "graph/index.html",
        "timeline/index.html",
        "search/index.html?q=专精特新",
        "tags/头号工程/index.html",
        "404.html",
    ];
    let base = format!("file://{}/", out.display());
    let mut args = vec![
        "--experimental-websocket",
        "tests/browser/axe.js",
        "chromium",
        axe.to_str().unwrap(),
        &base,
    ];
    args.extend(pages);
    let report = common::node(&args);
    assert!(report.starts_with("ok:"), "{report}");
    eprintln!("{}", report.lines().next().unwrap_or(""));
}
