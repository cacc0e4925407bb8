//! The knowledge graph as readers and tools see it: backlinks by relation,
//! taxonomy pages, relationship diagrams, and `api/index.json`.

mod common;

use std::collections::BTreeSet;

use common::{Site, broken_links, encode};

/// A small graph with every relation once:
/// 甲 ← 措施一 (metrics 指标一, 指标二), 甲 ← 措施二 (metrics 指标二),
/// 指标一's target set by 甲, 乙 supersedes 甲, 丙 related to 甲,
/// 说明 mentions 甲 in prose.
fn graph_site() -> Site {
    Site::new()
        .file(
            "site.toml",
            "title = \"测试\"\nbase_url = \"https://example.org/\"\n[taxonomies]\ntags = \"标签\"\nissuer = \"发文机关\"\n",
        )
        .file(
            "content/policies/甲.md",
            "---\ntitle: 甲政策\nissuer: [省政府]\ntags: [数字化, 绿色]\n---\n\n## 目标\n\n正文。\n",
        )
        .file(
            "content/policies/乙.md",
            "---\ntitle: 乙政策\nissuer: 省政府\nsupersedes: 甲\ntags: [数字化]\n---\n",
        )
        .file("content/policies/丙.md", "---\ntitle: 丙政策\nrelated: [甲]\n---\n")
        .file(
            "content/measures/措施一.md",
            "---\ntitle: 措施一\npolicy: 甲\nmetrics: [指标一, 指标二]\ntags: [数字化]\n---\n",
        )
        .file("content/measures/措施二.md", "---\ntitle: 措施二\npolicy: 甲\nmetrics: 指标二\n---\n")
        .file(
            "content/metrics/指标一.yaml",
            "title: 指标一\nunit: \"%\"\nvalues:\n  - period: \"2024\"\n    value: 8.3\ntargets:\n  - period: \"2025\"\n    value: 9\n    set_by: 甲\n",
        )
        .file("content/metrics/指标二.yaml", "title: 指标二\nunit: 家\nvalues:\n  - period: \"2024\"\n    value: 20\n")
        .file("content/说明.md", "---\ntitle: 说明\n---\n\n见[[甲]]和[本节](#小节)。\n\n## 小节\n")
}

fn titles(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn can_list_backlinks_by_relation_on_a_policy() {
    let site = graph_site();
    site.build();
    let p = site.page("policies/甲/index.html");
    let measures = p.texts("[aria-labelledby=x-measures] th.cell-title > a");
    p.check(
        titles(measures) == ["措施一", "措施二"],
        "the measures naming 甲, exactly",
    );
    let targets = p.text("[aria-labelledby=x-targets-set]");
    p.check(
        targets.contains("指标一") && !targets.contains("指标二"),
        "only the target 甲 set",
    );
    p.check(
        p.text(".notice--superseded").contains("乙政策"),
        "what supersedes it",
    );
    let related = p.texts("[aria-labelledby=x-related] a");
    p.check(
        related.iter().any(|t| t.contains("丙政策")),
        "related, both ways",
    );
    let mentions = p.texts("[aria-labelledby=x-mentions] a");
    p.check(
        mentions.iter().any(|t| t.contains("说明")),
        "prose mentions are listed",
    );
    p.check(
        !mentions.iter().any(|t| t.contains("措施")),
        "typed relations are not mixed into the mentions",
    );
    // The measure table shows the metrics those measures move.
    let metric_cells = p.text("[aria-labelledby=x-measures] tbody");
    p.check(
        metric_cells.contains("指标一") && metric_cells.contains("指标二"),
        "metrics of the measures",
    );
}

#[test]
fn can_walk_from_metric_back_to_measures_and_policies() {
    let site = graph_site();
    site.build();
    let m = site.page("metrics/指标二/index.html");
    let measures = titles(
        m.texts("[aria-labelledby=x-measures] a")
            .into_iter()
            .filter(|t| t.starts_with("措施"))
            .collect(),
    );
    m.check(measures == ["措施一", "措施二"], "measures that track it");
    let policies = m.texts("[aria-labelledby=x-policies] a");
    m.check(
        policies.iter().any(|t| t.contains("甲政策")),
        "the policy behind them",
    );
    let measure = site.page("measures/措施一/index.html");
    let links: Vec<String> = measure
        .links("main")
        .into_iter()
        .map(|(href, _)| href)
        .collect();
    for target in ["policies/甲/", "metrics/指标一/", "metrics/指标二/"] {
        let want = format!("../../{}index.html", encode(target));
        measure.check(links.contains(&want), &format!("links to {target}"));
    }
}

#[test]
fn can_make_taxonomy_pages_listing_exactly_their_entities() {
    let site = graph_site();
    site.build();
    let term = site.page("tags/数字化/index.html");
    let listed: BTreeSet<String> = term
        .texts("main li a, main td a, main th a, main .card a")
        .into_iter()
        .collect();
    for want in ["甲政策", "乙政策", "措施一"] {
        term.check(
            listed.iter().any(|t| t.contains(want)),
            &format!("lists {want}"),
        );
    }
    for not in ["丙政策", "措施二", "指标一"] {
        term.check(
            !listed.iter().any(|t| t.contains(not)),
            &format!("does not list {not}"),
        );
    }
    // `issuer` given as a list and as a single value is one term.
    let issuer = site.page("issuer/省政府/index.html");
    let text = issuer.text("main");
    issuer.check(
        text.contains("甲政策") && text.contains("乙政策"),
        "both issuers' policies",
    );
    let index = site.page("tags/index.html");
    index.check(
        index.text("main").contains("绿色"),
        "the taxonomy index lists its terms",
    );
}

#[test]
fn a_diagram_explains_dashed_lines_only_when_it_has_them() {
    let site = Site::example();
    site.build();
    // A policy that sets targets draws them dashed; a measure that sets
    // none draws no dashes.
    for (page, dashed) in [
        (
            "policies/2025年工业经济头号工程年度行动方案/index.html",
            true,
        ),
        ("measures/先进制造业集群培育/index.html", false),
    ] {
        let p = site.page(page);
        p.check(
            (p.count("svg.relations .rel-target") > 0) == dashed,
            &format!("{page}: dashed boxes or lines: {dashed}"),
        );
        let note = p.text(".diagram__note");
        p.check(
            note.contains("虚线") == dashed && note.contains("点击方框"),
            &format!("{page}: the note says what is drawn: {note}"),
        );
    }
}

#[test]
fn can_draw_relationship_diagrams() {
    let site = graph_site();
    site.build();
    let p = site.page("policies/甲/index.html");
    let hrefs = p.attrs("svg.relations a", "href");
    for target in [
        "measures/措施一/",
        "measures/措施二/",
        "metrics/指标一/",
        "metrics/指标二/",
    ] {
        let want = format!("../../{}index.html", encode(target));
        p.check(
            hrefs.contains(&want),
            &format!("the diagram links {target}"),
        );
    }
    p.check(
        p.count("svg.relations title") >= 1 && p.count("svg.relations desc") == 1,
        "accessible title and desc",
    );
    p.check(
        p.count("svg.relations a[aria-current=page]") == 1,
        "the page's own entity is highlighted",
    );
    let graph = site.page("graph/index.html");
    graph.check(graph.count("svg.relations") == 3, "one diagram per policy");
    let problems = broken_links(&site.path("public"));
    assert!(problems.is_empty(), "broken links: {problems:#?}");
}

#[test]
fn can_export_the_graph_as_json() {
    let site = graph_site();
    site.build();
    let text = site.read("public/api/index.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("api/index.json parses");
    let entities = json["entities"].as_array().expect("entities");
    let ids: BTreeSet<&str> = entities.iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(ids.len(), 8, "every entity once: {ids:?}");
    for e in entities {
        let file = e["file"].as_str().unwrap();
        assert!(site.exists(&format!("public/{file}")), "{file} exists");
        let url = e["url"].as_str().unwrap();
        assert!(
            site.exists(&format!(
                "public/{}index.html",
                common::percent_decode(url).unwrap()
            )),
            "{url}"
        );
        // Every reference is someone's backlink, and the other way round.
        for r in e["refs"].as_array().unwrap() {
            let target = entities
                .iter()
                .find(|t| t["id"] == r["id"])
                .expect("ref target exists");
            let back = target["backlinks"].as_array().unwrap();
            assert!(
                back.iter()
                    .any(|b| b["id"] == e["id"] && b["field"] == r["field"]),
                "{} → {} has its backlink",
                e["id"],
                r["id"]
            );
        }
        for l in e["links"].as_array().unwrap() {
            assert!(ids.contains(l.as_str().unwrap()), "prose link {l} exists");
        }
    }
    let jia = entities.iter().find(|e| e["id"] == "甲").unwrap();
    assert_eq!(jia["fields"]["title"], "甲政策");
    assert_eq!(jia["mentioned_by"], serde_json::json!(["说明"]));
    let fields: BTreeSet<&str> = jia["backlinks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        BTreeSet::from(["policy", "related", "set_by", "supersedes"])
    );
}

#[test]
fn errors_on_missing_same_page_anchor() {
    let site = Site::new().file(
        "content/说明.md",
        "---\ntitle: 说明\n---\n\n## 小节\n\n见[上文](#小结)。\n",
    );
    let r = site.check_json(&[]);
    let d = r.only("unknown-anchor");
    r.assert_at(d, "error", "content/说明.md", 7, 2);
    r.assert_hint(d, "did you mean `小节`?");
}

#[test]
fn can_link_to_headings_of_the_same_page() {
    let site = graph_site();
    site.build();
    let p = site.page("说明/index.html");
    let hrefs = p.attrs("main a", "href");
    p.check(
        hrefs.contains(&format!("#{}", encode("小节"))),
        "same-page anchor kept",
    );
}

#[test]
fn can_page_the_site_graph() {
    let mut site = Site::new();
    for i in 0..51 {
        site = site.file(
            &format!("content/policies/p{i}.md"),
            &format!("---\ntitle: 政策{i}\n---\n"),
        );
    }
    site.build();
    let first = site.page("graph/index.html");
    first.check(
        first.count("svg.relations") == 50,
        "50 diagrams on the first page",
    );
    first.check(
        first.attrs("a[rel=next]", "href") == ["../graph/2/index.html"],
        "a link to page 2",
    );
    let second = site.page("graph/2/index.html");
    second.check(second.count("svg.relations") == 1, "the 51st on page 2");
    second.check(
        second.attrs("a[rel=prev]", "href") == ["../../graph/index.html"],
        "a link back",
    );
}

#[test]
fn long_lists_and_terms_are_paged() {
    let site = Site::many_measures(230).file(
        "content/measures/_index.md",
        "---\ntitle: 全部措施\n---\n措施的说明。\n",
    );
    site.build();
    let pages = [
        "measures/index.html",
        "measures/page/2/index.html",
        "measures/page/3/index.html",
    ];
    let mut seen: Vec<String> = Vec::new();
    for (k, rel) in pages.iter().enumerate() {
        let p = site.page(rel);
        let rows = p.texts("main tbody th.cell-title > a");
        let want = if k < 2 { 100 } else { 30 };
        p.check(
            rows.len() == want,
            &format!("{want} measures on page {}", k + 1),
        );
        seen.extend(rows);
        p.check(
            p.text(".list-head__count").contains("230"),
            "the whole count",
        );
        p.check(
            p.texts(".pager [aria-current=page]") == [(k + 1).to_string()],
            "the pager marks this page",
        );
    }
    let all: BTreeSet<&String> = seen.iter().collect();
    assert_eq!((seen.len(), all.len()), (230, 230), "every measure once");
    let first = site.page("measures/index.html");
    first.check(first.count("a[rel=prev]") == 0, "no page before the first");
    first.check(
        first.attrs("a[rel=next]", "href") == ["../measures/page/2/index.html"],
        "a link to page 2",
    );
    let third = site.page("measures/page/3/index.html");
    third.check(
        third.text("title").contains("(3/3)"),
        "the page in the title",
    );
    third.check(third.text("h1") == "全部措施", "the list's own title");
    third.check(
        third.text(".list-intro").contains("措施的说明"),
        "and its intro",
    );
    third.check(third.count("a[rel=next]") == 0, "no page after the last");
    third.check(
        third.attrs("a[rel=prev]", "href") == ["../../../measures/page/2/index.html"],
        "a link back",
    );
    assert!(!site.exists("public/measures/page/4/index.html"));
    let term = site.page("tags/共同/page/3/index.html");
    term.check(
        term.count("main .entity-list li") == 30,
        "the term's last 30",
    );
    term.check(
        term.text(".list-head__count").contains("230"),
        "the term's count",
    );
    let broken = broken_links(&site.path("public"));
    assert!(broken.is_empty(), "{broken:?}");
}

#[test]
fn a_pager_numbers_the_pages_near_the_current_one() {
    let site = Site::many_measures(1000);
    site.build();
    let p = site.page("measures/page/5/index.html");
    let numbers: Vec<String> = p.texts(".pager__pages li");
    assert_eq!(numbers, ["1", "…", "3", "4", "5", "6", "7", "…", "10"]);
}
