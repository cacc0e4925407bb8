//! `pinakes build` end to end: fixture sites in, HTML out.

mod common;

use common::{Page, Site, broken_links, encode, files_under, manifest_dir, run_in, snapshot};

const JIA: &str = "甲政策";
const PATENT: &str = "上海市专利保护条例(2020-05-14)";
const DIGITAL: &str = "数字化转型行动";
const PATENT_MEASURE: &str = "专利保护行动";
const GROWTH: &str = "规上工业增加值增速";
const COVERAGE: &str = "数字化覆盖率";

/// `policies/<id>/index.html` etc.
fn page_path(kind: &str, id: &str) -> String {
    format!("{kind}/{id}/index.html")
}

/// The href a page two levels deep (`<kind>/<id>/`) uses for an entity.
fn href_from_entity(kind: &str, id: &str) -> String {
    format!("../../{kind}/{}/index.html", encode(id))
}

fn basic() -> Site {
    let site = Site::fixture("basic");
    site.build();
    site
}

#[test]
fn can_build_basic_site_with_summary_line() {
    let site = Site::fixture("basic");
    let run = site.build();
    let line = run.stdout.trim();
    run.check(line.lines().count() == 1, "the build summary is one line");
    run.check(
        line.starts_with("built "),
        "the summary starts with `built`",
    );
    run.check(
        line.contains("2 policies") && line.contains("2 measures") && line.contains("2 metrics"),
        "the summary counts pages per kind",
    );
    let ms = line
        .strip_suffix(" ms")
        .and_then(|l| l.rsplit_once(" in "))
        .map(|(_, n)| n.parse::<u64>().is_ok());
    run.check(ms == Some(true), "the summary ends with `in <n> ms`");
    run.check(
        run.stderr.trim().is_empty(),
        "a clean build prints nothing on stderr",
    );
    run.check(
        site.exists("public/.pinakes-output"),
        "the output carries the marker file",
    );
}

#[test]
fn a_site_without_documents_builds_and_says_so() {
    // Its pages are the lists, the search page and the like, all empty.
    let site = Site::new().file("content/.gitkeep", "");
    let run = site.build();
    let line = run.stdout.trim();
    run.check(
        line.starts_with("built no documents (") && line.ends_with(" ms"),
        "the summary says there is nothing to build from",
    );
    run.check(site.exists("public/index.html"), "the home page is written");
}

/// A large site's one-shot build keeps its bodies compressed from parsing
/// to drawing (`PINAKES_PACK_BODIES_MIB`; 0 asks it of the example site):
/// every file it writes, the pages, the search index and the API, is the
/// one a build with the bodies as text writes.
#[test]
fn bodies_kept_compressed_build_the_same_site() {
    let site = Site::example();
    let mut built = Vec::new();
    for (dir, from) in [("plain", "100000"), ("packed", "0")] {
        let out = site.outer().join(dir);
        let run = common::pinakes()
            .current_dir(site.root())
            .args(["build", "--output"])
            .arg(&out)
            .env("PINAKES_PACK_BODIES_MIB", from)
            .env("PINAKES_TIMINGS", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(run.status.success(), "{stderr}");
        assert_eq!(
            stderr.contains("bodies kept compressed"),
            from == "0",
            "{stderr}"
        );
        built.push(snapshot(&out));
    }
    assert!(built[0].len() > 100, "{} files", built[0].len());
    assert!(built[0] == built[1], "the same files, byte for byte");
}

#[test]
fn can_write_entity_pages_at_their_urls() {
    let site = basic();
    for rel in [
        "index.html".to_string(),
        "404.html".to_string(),
        "sitemap.xml".to_string(),
        "robots.txt".to_string(),
        "style.css".to_string(),
        "policies/index.html".to_string(),
        "measures/index.html".to_string(),
        "metrics/index.html".to_string(),
        page_path("policies", JIA),
        page_path("policies", PATENT),
        page_path("measures", DIGITAL),
        page_path("measures", PATENT_MEASURE),
        page_path("metrics", GROWTH),
        page_path("metrics", COVERAGE),
        "about/index.html".to_string(),
        "about/联系/index.html".to_string(),
    ] {
        assert!(
            site.exists(&format!("public/{rel}")),
            "public/{rel} is missing\n{}",
            common::listing(&site.path("public"))
        );
    }
    // A kind's subfolders are the editors' own order, not part of the URL.
    assert!(!site.exists("public/measures/sub"));
}

#[test]
fn can_take_titles_from_front_matter_and_first_heading() {
    let site = basic();
    let jia = site.page(&page_path("policies", JIA));
    assert_eq!(jia.texts("h1"), ["甲政策全称"]);
    jia.check(
        jia.text("title").contains("甲政策全称"),
        "<title> has the page title",
    );

    // No front matter: the title is the first `# ` heading, which is not
    // repeated in the body.
    let patent = site.page(&page_path("policies", PATENT));
    assert_eq!(patent.texts("h1"), ["上海市专利保护条例"]);
    patent.check(
        patent.text("title").contains("上海市专利保护条例"),
        "<title> has the heading title",
    );
    patent.check(
        patent.source.contains("第一条 为了加强专利保护"),
        "the body is rendered",
    );

    let page = site.page("about/联系/index.html");
    assert_eq!(page.texts("h1"), ["联系我们"]);
}

#[test]
fn can_show_only_present_metadata_rows() {
    let site = basic();
    let jia = site.page(&page_path("policies", JIA));
    let rows = jia.texts(".meta-table tr");
    let all = rows.join("\n");
    for value in [
        "鲁政发〔2024〕1号",
        "山东省人民政府",
        "2024年5月14日",
        "2024-2026",
        "数字化",
        "制造业",
    ] {
        jia.check(
            all.contains(value),
            &format!("the metadata table shows {value}"),
        );
    }
    jia.check(
        rows.len() == 6,
        &format!("6 rows for 6 fields, got {rows:?}"),
    );

    // A policy without front matter has no metadata rows at all.
    let patent = site.page(&page_path("policies", PATENT));
    let rows = patent.texts(".meta-table tr");
    patent.check(
        rows.is_empty(),
        &format!("no metadata rows expected, got {rows:?}"),
    );
}

#[test]
fn can_resolve_wikilinks_with_titles_and_labels() {
    let site = basic();
    let jia = site.page(&page_path("policies", JIA));
    let links = jia.links(".prose");
    let want = [
        // [[id]]: the label is the target's title.
        (
            href_from_entity("measures", DIGITAL),
            "数字化转型提标行动".to_string(),
        ),
        // [[id|label]]
        (
            href_from_entity("measures", PATENT_MEASURE),
            "专利行动".to_string(),
        ),
    ];
    for (href, label) in want {
        jia.check(
            links.contains(&(href.clone(), label.clone())),
            &format!("expected link {href} labelled {label}, got {links:?}"),
        );
    }
    // The id written inside [[…]] does not leak into the text.
    jia.check(!jia.text(".prose").contains("[["), "no raw wikilink left");

    // Wikilinks in a metric description resolve too.
    let metric = site.page(&page_path("metrics", GROWTH));
    let links = metric.links("body");
    metric.check(
        links.contains(&(href_from_entity("policies", JIA), "甲政策全称".to_string())),
        &format!("the description links to the policy, got {links:?}"),
    );

    // The home page intro (at the root: no `../`).
    let home = site.page("index.html");
    let links = home.links("body");
    home.check(
        links.contains(&(
            format!("policies/{}/index.html", encode(JIA)),
            "甲政策全称".to_string(),
        )),
        &format!("the home intro links to the policy, got {links:?}"),
    );
}

#[test]
fn can_resolve_heading_links_to_cjk_anchors() {
    let site = basic();
    let jia = site.page(&page_path("policies", JIA));
    let href = format!(
        "{}#{}",
        href_from_entity("policies", PATENT),
        encode("总则")
    );
    let links = jia.links(".prose");
    jia.check(
        links.contains(&(href.clone(), "上海市专利保护条例".to_string())),
        &format!("expected {href} labelled with the title, got {links:?}"),
    );
    // The anchor exists in the target page, with its CJK text kept.
    let patent = site.page(&page_path("policies", PATENT));
    let ids = patent.ids();
    patent.check(
        ids.contains("总则") && ids.contains("附则"),
        &format!("heading ids {ids:?}"),
    );
    assert_eq!(jia.attr("h2#主要任务", "id"), "主要任务");
}

#[test]
fn can_rewrite_relative_markdown_links() {
    let site = basic();
    let jia = site.page(&page_path("policies", JIA));
    let links = jia.links(".prose");
    let href = href_from_entity("measures", DIGITAL);
    jia.check(
        links.contains(&(href.clone(), "相关措施".to_string())),
        &format!("../measures/sub/x.md becomes {href}, got {links:?}"),
    );
    jia.check(
        !jia.source.contains(".md\""),
        "no link to a .md file is left",
    );

    // `x.md#小节` beside the file, with a CJK anchor.
    let m = site.page(&page_path("measures", PATENT_MEASURE));
    let links = m.links(".prose");
    let href = format!(
        "{}#{}",
        href_from_entity("measures", DIGITAL),
        encode("小节")
    );
    m.check(
        links.contains(&(href.clone(), "数字化的小节".to_string())),
        &format!("expected {href}, got {links:?}"),
    );
    let target = site.page(&page_path("measures", DIGITAL));
    target.check(
        target.ids().contains("小节"),
        "the anchor exists in the target page",
    );
}

#[test]
fn can_link_measure_to_its_policy_and_metrics() {
    let site = basic();
    let m = site.page(&page_path("measures", DIGITAL));
    let links = m.links("main");
    let has = |href: &str, text: &str| links.iter().any(|(h, t)| h == href && t.contains(text));
    m.check(
        has(&href_from_entity("policies", JIA), "甲政策全称"),
        &format!("policy link, got {links:?}"),
    );
    m.check(
        has(&href_from_entity("metrics", GROWTH), "规上工业增加值增速"),
        "first metric",
    );
    m.check(
        has(
            &href_from_entity("metrics", COVERAGE),
            "规上工业企业数字化转型覆盖率",
        ),
        "second metric",
    );
    m.check(
        m.text("main").contains("省工业和信息化厅"),
        "the owner is shown",
    );
}

#[test]
fn can_list_backlinks_on_policy_page() {
    let site = basic();
    // The patent policy mentions no measure in its text: a link to its
    // measure can only come from the backlinks.
    let patent = site.page(&page_path("policies", PATENT));
    let links = patent.links("main");
    patent.check(
        links.contains(&(
            href_from_entity("measures", PATENT_MEASURE),
            "专利保护专项行动".to_string(),
        )),
        &format!("the policy lists its measure, got {links:?}"),
    );
    // 甲 names it in `related:`; it shows on both sides.
    patent.check(
        links
            .iter()
            .any(|(h, _)| *h == href_from_entity("policies", JIA)),
        "the related policy links back",
    );

    // 甲 links to its measure in its text too: the backlink is one more link.
    let jia = site.page(&page_path("policies", JIA));
    let count = |css: &str, href: &str| jia.links(css).iter().filter(|(h, _)| h == href).count();
    let measure = href_from_entity("measures", DIGITAL);
    jia.check(
        count("main", &measure) > count(".prose", &measure),
        "甲 lists its measure outside its text",
    );
    // Targets set by a policy are listed on it.
    let metric = href_from_entity("metrics", GROWTH);
    jia.check(
        count(".prose", &metric) == 0 && count("main", &metric) > 0,
        "甲 lists the target it set",
    );
    let digital = site.page(&page_path("measures", DIGITAL));
    digital.check(
        digital
            .links("main")
            .iter()
            .any(|(h, _)| *h == href_from_entity("metrics", COVERAGE))
            && digital.text("main").contains("90"),
        "a measure lists the target it set",
    );
}

#[test]
fn can_show_metric_values_compare_and_targets() {
    let site = basic();
    let m = site.page(&page_path("metrics", GROWTH));
    let main = m.text("main");
    // Numbers as written (8.30 stays 8.30), periods the Chinese way.
    for s in [
        "8.30",
        "7.1",
        "2023年",
        "2024年",
        "比全国高2.5个百分点",
        "全国",
        "5.8",
        "4.6",
        "8.5",
        "2025年",
        "力争",
        "省统计局",
        "%",
    ] {
        m.check(main.contains(s), &format!("the metric page shows {s}"));
    }
    let links = m.links("main");
    m.check(
        links.contains(&(href_from_entity("policies", JIA), "甲政策全称".to_string())),
        "the target links to the policy that set it",
    );
    for (id, title) in [
        (DIGITAL, "数字化转型提标行动"),
        (PATENT_MEASURE, "专利保护专项行动"),
    ] {
        m.check(
            links.contains(&(href_from_entity("measures", id), title.to_string())),
            &format!("the metric lists the measure {id} that tracks it"),
        );
    }
    let c = site.page(&page_path("metrics", COVERAGE));
    let main = c.text("main");
    for s in ["62", "70.5", "2024年四季度", "2025年上半年", "90", "2027年"] {
        c.check(main.contains(s), &format!("the metric page shows {s}"));
    }
    c.check(
        c.links("main").contains(&(
            href_from_entity("measures", DIGITAL),
            "数字化转型提标行动".to_string(),
        )),
        "a target set by a measure links to it",
    );
}

#[test]
fn can_list_all_entities_on_list_pages() {
    let site = basic();
    let cases = [
        (
            "policies",
            vec![(JIA, "甲政策全称"), (PATENT, "上海市专利保护条例")],
        ),
        (
            "measures",
            vec![
                (DIGITAL, "数字化转型提标行动"),
                (PATENT_MEASURE, "专利保护专项行动"),
            ],
        ),
        (
            "metrics",
            vec![
                (GROWTH, "规上工业增加值增速"),
                (COVERAGE, "规上工业企业数字化转型覆盖率"),
            ],
        ),
    ];
    for (kind, entities) in cases {
        let list = site.page(&format!("{kind}/index.html"));
        let links = list.links("main");
        for (id, title) in entities {
            let href = format!("../{kind}/{}/index.html", encode(id));
            list.check(
                links.contains(&(href.clone(), title.to_string())),
                &format!("{kind} list links to {href} ({title}), got {links:?}"),
            );
        }
    }
}

#[test]
fn can_render_home_page() {
    let site = basic();
    let home = site.page("index.html");
    home.check(
        home.text("main").contains("测试首页"),
        "the home page shows its title",
    );
    home.check(
        home.text("main").contains("本站跟踪"),
        "the home page shows its intro",
    );
    let links = home.links("body");
    for kind in ["policies", "measures", "metrics"] {
        home.check(
            links
                .iter()
                .any(|(h, _)| *h == format!("{kind}/index.html")),
            &format!("the home page links to the {kind} list"),
        );
    }
    home.check(home.attr("html", "lang") == "zh-CN", "the language is set");
}

#[test]
fn can_write_404_sitemap_and_robots() {
    let site = basic();
    let nf = site.page("404.html");
    // Served at any depth: its links are written from the site root (where
    // the file is, so they hold from disk), and over HTTP its script sets a
    // base element at base_url's path.
    let hrefs = nf.attrs("a[href], link[href]", "href");
    nf.check(!hrefs.is_empty(), "the 404 page has links");
    for h in hrefs.iter().filter(|h| !h.contains("://")) {
        nf.check(
            !h.starts_with('/') && !h.starts_with("../"),
            &format!("404 link {h} is relative to the site root"),
        );
    }
    assert_eq!(nf.attr("link[rel=stylesheet]", "href"), "style.css");
    assert_eq!(nf.attr("script[data-base-path]", "data-base-path"), "/sub/");
    let sitemap = site.read("public/sitemap.xml");
    for loc in [
        "https://example.org/sub/".to_string(),
        format!("https://example.org/sub/policies/{}/", encode(JIA)),
        format!("https://example.org/sub/policies/{}/", encode(PATENT)),
        format!("https://example.org/sub/measures/{}/", encode(DIGITAL)),
        format!("https://example.org/sub/metrics/{}/", encode(GROWTH)),
        format!("https://example.org/sub/about/{}/", encode("联系")),
    ] {
        assert!(
            sitemap.contains(&format!("<loc>{loc}</loc>")),
            "sitemap lacks {loc}\n{sitemap}"
        );
    }
    assert!(
        !sitemap.contains("404"),
        "the 404 page is not in the sitemap\n{sitemap}"
    );
    let robots = site.read("public/robots.txt");
    assert!(
        robots.contains("Sitemap: https://example.org/sub/sitemap.xml"),
        "{robots}"
    );
}

#[test]
fn can_copy_theme_static_files() {
    let site = basic();
    let css = site.read("public/style.css");
    assert!(!css.trim().is_empty(), "the theme's style.css is copied");
    let page = site.page(&page_path("policies", JIA));
    assert_eq!(page.attr("link[rel=stylesheet]", "href"), "../../style.css");
}

#[test]
fn can_override_theme_static_files_with_site_files() {
    let site = Site::fixture("overrides");
    site.build();
    assert_eq!(site.read("public/style.css"), site.read("static/style.css"));
    assert_eq!(
        site.read("public/img/标志.svg"),
        site.read("static/img/标志.svg")
    );
}

#[test]
fn can_override_theme_templates() {
    let site = Site::fixture("overrides");
    site.build();
    let page = site.page("说明/index.html");
    assert_eq!(page.text("#override-marker"), "站点自己的 page.html");
    assert_eq!(page.attr("#override-marker", "data-kind"), "page");
    page.check(
        page.text("title").starts_with("覆盖模板："),
        "the override's title block is used",
    );
    // The override still extends the theme's base.html.
    // The theme's header: the site's title, linking home, and its navigation.
    assert_eq!(page.count("header.site-header"), 1, "base.html's header");
    assert_eq!(page.text("header.site-header .site-title"), "覆盖测试");
    assert_eq!(
        page.attr("header.site-header a.site-title", "href"),
        "../index.html"
    );
    page.check(
        page.attrs("header.site-header nav a", "href")
            .contains(&"../policies/index.html".to_string()),
        "the theme's navigation",
    );
    let links = page.links(".prose");
    page.check(
        links.contains(&(
            format!("../policies/{}/index.html", encode("乙政策")),
            "乙政策".to_string(),
        )),
        &format!("links are filled in an override too, got {links:?}"),
    );
    // Templates not overridden come from the theme.
    let policy = site.page(&page_path("policies", "乙政策"));
    policy.check(
        policy.count("#override-marker") == 0,
        "policy.html is the theme's",
    );
    assert_eq!(policy.texts("h1"), ["乙政策"]);
}

#[test]
fn can_use_url_and_get_entity_in_templates() {
    let site = Site::new()
        .file("content/policies/甲.md", "---\ntitle: 甲政策\n---\n")
        .file("content/notes.md", "---\ntitle: 笔记\n---\n正文\n")
        .file(
            "templates/page.html",
            "{% extends \"base.html\" %}\n{% block content %}\n<a id=\"u\" href=\"{{ url(id=\"甲\") }}\">{% set e = get_entity(id=\"甲\") %}{{ e.title }}</a>\n<a id=\"p\" href=\"{{ url(path=\"policies/\") }}\">list</a>\n{% endblock content %}\n",
        );
    site.build();
    let page = site.page("notes/index.html");
    assert_eq!(
        page.attr("#u", "href"),
        format!("../policies/{}/index.html", encode("甲"))
    );
    assert_eq!(page.text("#u"), "甲政策");
    assert_eq!(page.attr("#p", "href"), "../policies/index.html");
}

#[test]
fn templates_see_maps_in_key_order_and_set_variables_over_the_context() {
    // `extra` is written out of order and read in the order of its keys,
    // the same on every build; a partial reads what the page set.
    let site = Site::new()
        .file(
            "content/notes.md",
            "---\ntitle: 笔记\nextra:\n  zeta: 1\n  乙: 2\n  alpha: 3\n  甲: 4\n---\n正文\n",
        )
        .file(
            "templates/partials/echo.html",
            "<p id=\"echo\">{{ greeting }}·{{ title }}</p>",
        )
        .file(
            "templates/page.html",
            "{% extends \"base.html\" %}\n{% block content %}\n<ol id=\"keys\">{% for k, v in page.extra %}<li>{{ k }}={{ v }}</li>{% endfor %}</ol>\n{% set greeting = \"你好\" %}{% set title = page.title %}{% include \"partials/echo.html\" %}\n{% endblock content %}\n",
        );
    site.build();
    let page = site.page("notes/index.html");
    assert_eq!(
        page.texts("#keys li"),
        ["alpha=3", "zeta=1", "乙=2", "甲=4"]
    );
    assert_eq!(page.text("#echo"), "你好·笔记");
}

#[test]
fn can_reach_data_in_templates() {
    let site = basic();
    let page = site.page("about/index.html");
    assert_eq!(page.text("#data-motto"), "数据驱动的口号");
    assert_eq!(page.texts("#data-items li"), ["第一项", "第二项"]);
    assert_eq!(page.text("#data-nested"), "嵌套数据");
    assert_eq!(page.text("#config-extra"), "配置里的口号");
}

#[test]
fn can_render_section_with_its_pages() {
    let site = basic();
    let page = site.page("about/index.html");
    assert_eq!(page.text("#section-title"), "关于本站");
    page.check(
        page.text(".prose").contains("本站的说明"),
        "the section's own text",
    );
    assert_eq!(
        page.links("#section-pages"),
        [(
            format!("../about/{}/index.html", encode("联系")),
            "联系我们".to_string()
        )]
    );
}

#[test]
fn can_write_taxonomy_pages() {
    let site = basic();
    for rel in [
        "tags/index.html",
        "tags/数字化/index.html",
        "tags/制造业/index.html",
        "issuer/index.html",
        "issuer/山东省人民政府/index.html",
        "status/index.html",
        "status/in-force/index.html",
        "status/ongoing/index.html",
        "status/planned/index.html",
    ] {
        assert!(
            site.exists(&format!("public/{rel}")),
            "public/{rel} missing\n{}",
            common::listing(&site.path("public"))
        );
    }
    let term = site.page("tags/数字化/index.html");
    let links = term.links("main");
    for (kind, id) in [("policies", JIA), ("measures", DIGITAL)] {
        term.check(
            links.iter().any(|(h, _)| *h == href_from_entity(kind, id)),
            &format!("the tag page lists {id}, got {links:?}"),
        );
    }
    term.check(
        !links
            .iter()
            .any(|(h, _)| *h == href_from_entity("policies", PATENT)),
        "an untagged policy is not listed",
    );
    let tags = site.page("tags/index.html");
    let links = tags.links("main");
    tags.check(
        links
            .iter()
            .any(|(h, _)| *h == format!("../tags/{}/index.html", encode("数字化"))),
        &format!("the taxonomy page links to its terms, got {links:?}"),
    );
}

#[test]
fn an_entity_page_links_its_issuer_status_and_tags_to_their_terms() {
    let site = basic();
    let page = site.page(&format!("policies/{JIA}/index.html"));
    let links = page.links(".meta-table");
    let term = |tax: &str, name: &str| format!("../../{tax}/{}/index.html", encode(name));
    for (href, what) in [
        (term("issuer", "山东省人民政府"), "the issuer"),
        (term("status", "in-force"), "the status"),
        (term("tags", "数字化"), "a tag"),
        (term("tags", "制造业"), "another tag"),
    ] {
        page.check(
            links.iter().any(|(h, _)| *h == href),
            &format!("{what} links to {href}, got {links:?}"),
        );
    }
}

#[test]
fn can_write_utf8_chinese_output() {
    let site = basic();
    let public = site.path("public");
    for rel in files_under(&public)
        .iter()
        .filter(|f| f.ends_with(".html") || f.ends_with(".xml"))
    {
        let bytes = std::fs::read(public.join(rel)).unwrap();
        assert!(String::from_utf8(bytes).is_ok(), "{rel} is not UTF-8");
    }
    let page = site.page(&page_path("policies", JIA));
    page.check(page.count("meta[charset=utf-8]") == 1, "declares UTF-8");
    // Chinese text is written as text, not as entities.
    page.check(
        page.source.contains("甲政策全称") && page.source.contains("甲政策的第一段正文。"),
        "raw CJK text",
    );
    page.check(
        !page.source.contains("&#x7532;") && !page.source.contains("&#30002;"),
        "no CJK entities",
    );
}

#[test]
fn can_check_without_writing() {
    let site = Site::fixture("basic");
    let run = site.run(&["check"]).success();
    run.check(!site.exists("public"), "check writes no output");
    run.check(
        run.stdout.trim().starts_with("checked "),
        "check prints its own summary",
    );
    let report = site.check_json(&[]);
    report.check(
        report.diagnostics.is_empty() && report.errors == 0 && report.warnings == 0,
        "clean site",
    );
    report.check(
        !site.exists("public"),
        "check --format json writes no output",
    );
    site.run(&["check", "--strict"]).success();
}

#[test]
fn can_honour_output_and_base_url() {
    let site = Site::fixture("basic");
    let out = site.outer().join("elsewhere/www");
    site.run(&[
        "build",
        "--output",
        out.to_str().unwrap(),
        "--base-url",
        "https://other.example/x",
    ])
    .success();
    assert!(
        !site.exists("public"),
        "nothing written to the default output"
    );
    let page = Page::open(&out, &page_path("policies", JIA));
    assert_eq!(
        page.attr("link[rel=canonical]", "href"),
        format!("https://other.example/x/policies/{}/", encode(JIA))
    );
    // Internal links stay relative.
    assert_eq!(page.attr("link[rel=stylesheet]", "href"), "../../style.css");
    for (href, _) in page.links(".prose") {
        page.check(href.starts_with("../../"), &format!("{href} is relative"));
    }
    let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    assert!(
        sitemap.contains("<loc>https://other.example/x/</loc>"),
        "{sitemap}"
    );
    assert!(!sitemap.contains("example.org"), "{sitemap}");

    // A relative --output is taken from the working directory.
    site.run(&["build", "--output", "dist"]).success();
    assert!(site.exists("dist/index.html"));
    // Without --base-url, the canonical link uses site.toml's base_url.
    let page = Page::open(&site.path("dist"), &page_path("policies", JIA));
    assert_eq!(
        page.attr("link[rel=canonical]", "href"),
        format!("https://example.org/sub/policies/{}/", encode(JIA))
    );
}

#[test]
fn can_build_with_root_from_another_directory() {
    let site = Site::fixture("basic");
    let run = run_in(site.outer(), &["build", "--root", "site"]).success();
    run.check(
        site.exists("public/index.html"),
        "output goes under the root by default",
    );
}

#[test]
fn can_include_drafts_with_flag() {
    let site = Site::fixture("drafts");
    site.build();
    assert!(site.exists("public/policies/正式政策/index.html"));
    assert!(
        !site.exists("public/policies/草稿政策"),
        "drafts are left out by default"
    );
    assert!(
        !site.exists("public/notes/草稿页"),
        "draft pages are left out by default"
    );
    let list = site.page("policies/index.html");
    list.check(
        !list.source.contains("草稿中的政策"),
        "a draft is not listed",
    );
    assert!(
        !site
            .read("public/sitemap.xml")
            .contains(&encode("草稿政策"))
    );

    site.run(&["build", "--drafts"]).success();
    assert!(site.exists("public/policies/草稿政策/index.html"));
    assert!(site.exists("public/notes/草稿页/index.html"));
    let list = site.page("policies/index.html");
    list.check(
        list.source.contains("草稿中的政策"),
        "with --drafts the draft is listed",
    );
}

#[test]
fn can_build_example_site_with_every_relative_link_resolving() {
    let root = manifest_dir();
    let tmp = tempfile::tempdir().unwrap();
    let public = tmp.path().join("public");
    let run = run_in(
        tmp.path(),
        &[
            "build",
            "--root",
            root.to_str().unwrap(),
            "--output",
            public.to_str().unwrap(),
        ],
    )
    .success();
    run.check(
        public.join("index.html").is_file(),
        "the example site is built",
    );
    run.check(
        run.stderr.trim().is_empty(),
        "the example site builds without diagnostics",
    );
    let problems = broken_links(&public);
    assert!(
        problems.is_empty(),
        "{} broken links in the example site:\n{}",
        problems.len(),
        problems
            .iter()
            .take(60)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn can_check_example_site_strictly() {
    let root = manifest_dir();
    let tmp = tempfile::tempdir().unwrap();
    run_in(
        tmp.path(),
        &["check", "--strict", "--root", root.to_str().unwrap()],
    )
    .success();
    let report = common::Report::from_run(run_in(
        tmp.path(),
        &[
            "check",
            "--format",
            "json",
            "--root",
            root.to_str().unwrap(),
        ],
    ));
    report.check(
        report.diagnostics.is_empty(),
        "the example site has no warnings or errors",
    );
}

#[test]
fn can_build_fixture_sites_with_every_relative_link_resolving() {
    for name in ["basic", "overrides", "drafts"] {
        let site = Site::fixture(name);
        site.run(&["build", "--drafts"]).success();
        let problems = broken_links(&site.path("public"));
        assert!(
            problems.is_empty(),
            "broken links in fixture {name}:\n{}",
            problems.join("\n")
        );
    }
}

const RAW: &str = "---\ntitle: 原始HTML\n---\n\n<div class=\"box\" onclick=\"steal()\">盒子</div>\n\n<script>alert('x')</script>\n\n段落<b onmouseover=\"x()\">粗体</b>。\n";

fn raw_html_site(mode: Option<&str>) -> Site {
    let toml = match mode {
        Some(m) => format!("title = \"t\"\n[markdown]\nraw_html = \"{m}\"\n"),
        None => "title = \"t\"\n".to_string(),
    };
    let site = Site::new()
        .file("site.toml", &toml)
        .file("content/raw.md", RAW);
    site.build();
    site
}

#[test]
fn can_sanitize_raw_html_by_default() {
    for mode in [None, Some("sanitize")] {
        let site = raw_html_site(mode);
        let page = site.page("raw/index.html");
        page.check(page.count(".prose script") == 0, "no <script> in the body");
        page.check(!page.source.contains("alert("), "the script's code is gone");
        page.check(
            !page.source.contains("onclick") && !page.source.contains("onmouseover"),
            "no on* attributes",
        );
        page.check(
            page.text(".prose").contains("盒子") && page.count(".prose b") == 1,
            "harmless HTML is kept",
        );
    }
}

#[test]
fn can_trust_raw_html_when_told() {
    let site = raw_html_site(Some("trust"));
    let page = site.page("raw/index.html");
    page.check(page.count(".prose script") == 1, "the <script> is kept");
    page.check(
        page.attr(".prose div.box", "onclick") == "steal()",
        "attributes are kept",
    );
}

#[test]
fn can_escape_raw_html_when_told() {
    let site = raw_html_site(Some("escape"));
    let page = site.page("raw/index.html");
    page.check(
        page.count(".prose script") == 0 && page.count(".prose div.box") == 0,
        "no raw elements",
    );
    let text = page.text(".prose");
    page.check(
        text.contains("<script>alert('x')</script>"),
        &format!("the HTML is shown as text: {text}"),
    );
}

#[test]
fn can_keep_cjk_heading_ids_unique() {
    let site = Site::new().file(
        "content/policies/甲.md",
        "---\ntitle: 甲\n---\n\n## 数字化转型\n\n## 数字化转型\n\n## Digital Shift!\n",
    );
    site.build();
    let page = site.page("policies/甲/index.html");
    let ids: Vec<String> = page.attrs(".prose h2", "id");
    assert_eq!(ids, ["数字化转型", "数字化转型-1", "digital-shift"]);
}

#[test]
fn can_keep_previous_output_when_build_fails() {
    let site = Site::fixture("basic");
    site.build();
    let before = snapshot(&site.path("public"));
    site.write(
        "content/policies/坏链接.md",
        "---\ntitle: 坏\n---\n\n[[没有这个]]\n",
    );
    site.run(&["build"])
        .failure()
        .stderr_contains("没有这个")
        .stderr_contains("untouched");
    let after = snapshot(&site.path("public"));
    assert!(before == after, "public/ changed after a failed build");
    let leftovers: Vec<_> = std::fs::read_dir(site.root())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("pinakes"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "staging directories left behind: {leftovers:?}"
    );
}

#[test]
fn can_replace_previous_output_on_rebuild() {
    let site = Site::fixture("basic");
    site.build();
    site.remove("content/about/联系.md");
    site.build();
    assert!(
        !site.exists("public/about/联系"),
        "a removed page's output is removed"
    );
    assert!(site.exists("public/about/index.html"));
    let names: Vec<_> = std::fs::read_dir(site.root())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    // The previous build is kept beside the output (it is the next build's
    // staging copy); nothing else is left behind.
    assert!(
        names
            .iter()
            .all(|n| !n.contains("pinakes-") || n == ".public.pinakes-prev"),
        "leftovers: {names:?}"
    );
    assert!(site.exists(".public.pinakes-prev/.pinakes-output"));
}

#[test]
fn can_refuse_unsafe_output_dirs() {
    let site = Site::fixture("basic");
    // The site root itself.
    site.run(&["build", "--output", "."])
        .failure()
        .stderr_contains("site root");
    assert!(
        site.exists("content/policies/甲政策.md"),
        "the site is untouched"
    );

    // A directory holding content/.
    site.write("other/content/keep.md", b"keep");
    site.run(&["build", "--output", "other"])
        .failure()
        .stderr_contains("content/");
    assert_eq!(site.read("other/content/keep.md"), "keep");

    // A directory holding files pinakes did not write.
    site.write("mine/notes.txt", b"mine");
    site.run(&["build", "--output", "mine"])
        .failure()
        .stderr_contains("did not write");
    assert_eq!(site.read("mine/notes.txt"), "mine");
    assert_eq!(files_under(&site.path("mine")), ["notes.txt"]);

    // An empty directory is fine.
    std::fs::create_dir_all(site.path("empty")).unwrap();
    site.run(&["build", "--output", "empty"]).success();
    assert!(site.exists("empty/index.html"));
}

#[test]
fn can_create_new_site_and_build_it() {
    let site = Site::empty();
    let run = site.run(&["new", "site", "我的站点"]).success();
    run.check(site.exists("我的站点/site.toml"), "site.toml created");
    run.check(site.exists("我的站点/content"), "content/ created");
    run.check(
        !site.exists("我的站点/themes"),
        "the default theme is built in",
    );
    site.run(&["check", "--strict", "--root", "我的站点"])
        .success();
    let report =
        common::Report::from_run(site.run(&["check", "--format", "json", "--root", "我的站点"]));
    report.check(report.diagnostics.is_empty(), "a new site has no warnings");
    site.run(&["build", "--root", "我的站点"]).success();
    assert!(site.exists("我的站点/public/index.html"));
    // A second `new site` in the same place is refused.
    site.run(&["new", "site", "我的站点"]).failure();
}

#[test]
fn can_create_new_policy_and_refuse_overwrite() {
    let site = Site::empty();
    site.run(&["new", "site", "s"]).success();
    let root = site.path("s");
    run_in(&root, &["new", "policy", "新政策"]).success();
    let path = "s/content/policies/新政策.md";
    assert!(site.exists(path));
    run_in(&root, &["check", "--strict"]).success();

    site.write(path, "---\ntitle: 已编辑\n---\n");
    let run = run_in(&root, &["new", "policy", "新政策"]).failure();
    run.check(run.stderr.contains("exists"), "says the file exists");
    assert_eq!(
        site.read(path),
        "---\ntitle: 已编辑\n---\n",
        "the file is not overwritten"
    );

    // Any file name is an id (spaces included); a `/` is not.
    run_in(&root, &["new", "policy", "带 空格"]).success();
    assert!(site.exists("s/content/policies/带 空格.md"));
    run_in(&root, &["new", "policy", "政策/甲"]).failure();
    assert!(!site.exists("s/content/policies/政策"));

    // Measures and metrics too, each where it belongs.
    run_in(&root, &["new", "measure", "新措施"]).success();
    run_in(&root, &["new", "metric", "新指标"]).success();
    assert!(site.exists("s/content/measures/新措施.md"));
    assert!(site.exists("s/content/metrics/新指标.yaml"));
}

#[test]
fn can_report_usage_errors_with_exit_2() {
    let site = Site::fixture("basic");
    for args in [
        &[][..],
        &["frobnicate"][..],
        &["build", "--no-such-flag"][..],
        &["check", "--format", "xml"][..],
        &["new", "thing", "x"][..],
        &["new"][..],
    ] {
        let run = site.run(args).usage_error();
        run.check(
            !run.stderr.trim().is_empty(),
            "a usage error says what is wrong",
        );
    }
    assert!(!site.exists("public"));
    let run = site.run(&["--help"]).success();
    run.check(
        run.stdout.contains("build") && run.stdout.contains("check"),
        "help lists the commands",
    );
}

#[test]
fn can_escape_yaml_values_in_html() {
    let site = Site::new()
        .file(
            "content/policies/甲.md",
            "---\ntitle: \"A<script>alert(1)</script>&B\"\nsummary: \"<img src=x onerror=alert(2)>\"\ndoc_number: \"<b>号</b>\"\n---\n",
        )
        .file("content/policies/乙.md", "---\ntitle: 乙\n---\n\n见[[甲]]。\n");
    site.build();
    let page = site.page("policies/甲/index.html");
    // The theme's own search script is the only one.
    page.check(
        page.count("script:not([src$='search.js'])") == 0,
        "no <script> element from a YAML value",
    );
    page.check(
        page.count("img[onerror]") == 0 && page.count("main b") == 0,
        "no elements from YAML values",
    );
    assert_eq!(page.text("h1"), "A<script>alert(1)</script>&B");
    page.check(
        page.text("main").contains("<b>号</b>"),
        "the doc number is shown as text",
    );
    // A wikilink's default label (the target's title) is escaped too.
    let other = site.page("policies/乙/index.html");
    other.check(
        other.count("script:not([src$='search.js'])") == 0,
        "no <script> from a link label",
    );
    assert_eq!(other.links(".prose")[0].1, "A<script>alert(1)</script>&B");
}

#[test]
fn can_use_id_and_slug_from_front_matter() {
    let site = Site::new()
        .file(
            "content/policies/文件名.md",
            "---\nid: 真正的id\ntitle: 甲\nslug: jia\n---\n",
        )
        .file(
            "content/measures/措施.md",
            "---\ntitle: 措施\npolicy: 真正的id\n---\n\n见[[真正的id]]。\n",
        );
    site.build();
    assert!(
        site.exists("public/policies/jia/index.html"),
        "{}",
        common::listing(&site.path("public"))
    );
    let m = site.page("measures/措施/index.html");
    m.check(
        m.links(".prose").contains(&(
            "../../policies/jia/index.html".to_string(),
            "甲".to_string(),
        )),
        "links use the slug",
    );
}

#[test]
fn link_checker_finds_broken_links() {
    // The example-site test above is only as good as this checker.
    let tmp = tempfile::tempdir().unwrap();
    let public = tmp.path();
    std::fs::create_dir_all(public.join("a/甲")).unwrap();
    std::fs::write(
        public.join("a/甲/index.html"),
        "<html><body><h2 id=\"小节\">x</h2></body></html>",
    )
    .unwrap();
    std::fs::write(
        public.join("index.html"),
        format!(
            "<html><body><a href=\"a/{0}/index.html#{1}\">ok</a><a href=\"a/{0}/\">dir</a><a href=\"https://x.org/\">ext</a>\
             <a href=\"a/{0}/index.html#{2}\">bad anchor</a><a href=\"a/乙/index.html\">missing</a>\
             <img src=\"missing.png\"><a href=\"/a/\">root-relative</a><a href=\"../out.html\">outside</a></body></html>",
            encode("甲"),
            encode("小节"),
            encode("不存在")
        ),
    )
    .unwrap();
    let problems = broken_links(public);
    assert_eq!(problems.len(), 5, "{problems:#?}");
}

#[test]
fn can_build_the_same_bytes_twice() {
    // Two processes (each with its own hash seeds) must write identical sites:
    // rebuilds write only files whose bytes changed, and readers' caches and
    // diffs of the output rely on it.
    let site = Site::example();
    site.run(&["build", "--output", "../one"]).success();
    site.run(&["build", "--output", "../two"]).success();
    let one = common::files_under(&site.outer().join("one"));
    assert_eq!(one, common::files_under(&site.outer().join("two")));
    for f in one.iter().filter(|f| !f.starts_with(".pinakes")) {
        let a = std::fs::read(site.outer().join("one").join(f)).unwrap();
        let b = std::fs::read(site.outer().join("two").join(f)).unwrap();
        assert!(a == b, "{f} differs between two builds");
    }
}
