//! Versions of a policy and what changed between them, the timeline, and
//! figures with the source's qualifying word, end to end.
//!
//! The fixture `tests/fixtures/versions` holds a regulation in three
//! versions (2019, 2021, 2024, chained by `supersedes:`), a rule in two
//! versions chained by the dates in their file names, dated measures and a
//! metric with qualified figures.

mod common;

use common::{Page, Site, percent_decode};

const V2019: &str = "示例条例-2019";
const V2021: &str = "示例条例-2021";
const V2024: &str = "示例条例-2024";

fn site() -> Site {
    let site = Site::fixture("versions");
    site.build().success();
    site
}

fn policy(site: &Site, id: &str) -> Page {
    site.page(&format!("policies/{id}/index.html"))
}

fn changes(site: &Site, id: &str) -> Page {
    site.page(&format!("policies/{id}/changes/index.html"))
}

/// (change, label) of every change row of a comparison page, in order.
fn rows(page: &Page) -> Vec<(String, String)> {
    page.select("li.diff__row")
        .iter()
        .map(|li| {
            let class = li.value().attr("class").unwrap_or("");
            let change = class.rsplit("diff__row--").next().unwrap_or("").to_string();
            // "修改 第五条（原第四条）": the change word, then the label.
            let head = scraper::Selector::parse(".diff__head").unwrap();
            let head = li.select(&head).next().map(|e| common::text_of(&e));
            let head = head.unwrap_or_default();
            let label = head.split_once(' ').map(|(_, l)| l).unwrap_or("");
            (change, label.to_string())
        })
        .collect()
}

fn owned(rows: &[(&str, &str)]) -> Vec<(String, String)> {
    rows.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The decoded hrefs of the links inside `css`.
fn hrefs(page: &Page, css: &str) -> Vec<String> {
    page.links(css)
        .into_iter()
        .map(|(h, _)| percent_decode(&h).unwrap_or(h))
        .collect()
}

#[test]
fn comparison_shows_exactly_the_changes_between_versions() {
    let site = site();
    let c = changes(&site, V2021);
    assert_eq!(
        rows(&c),
        owned(&[
            ("changed", "第二条"),
            ("added", "第四条"),
            ("changed", "第五条（原第四条）"),
        ])
    );
    c.check(
        c.text(".diff__row--changed .diff__side--new")
            .contains("示例活动及其管理"),
        "the new text of the changed article",
    );
    assert_eq!(c.texts(".diff__row--changed ins")[0], "及其管理");
    assert_eq!(c.count(".diff__row--changed:first-of-type del"), 0);
    assert_eq!(c.texts(".change-counts li"), ["条款 新增 1 修改 2"]);

    let c = changes(&site, V2024);
    assert_eq!(
        rows(&c),
        owned(&[
            ("changed", "第一条"),
            ("removed", "第三条"),
            ("added", "第四条"),
            ("changed", "第五条"),
        ])
    );
    assert_eq!(c.texts(".diff__row--changed ins")[0], "、行政法规");
    c.check(
        c.text(".diff__row--removed del")
            .contains("市人民政府负责本条例的组织实施"),
        "the removed article's text",
    );
    // The article moved up from 第四条 without a change is folded away.
    let folded = c.texts(".diff__same .diff__label");
    assert!(
        folded.contains(&"第三条（原第四条）".to_string()),
        "{folded:?}"
    );
    assert_eq!(c.texts(".change-counts li"), ["条款 新增 1 删除 1 修改 2"]);
    // The oldest version has nothing to compare with.
    assert!(!site.exists(&format!("public/policies/{V2019}/changes/index.html")));
}

#[test]
fn version_chain_links_both_ways() {
    let site = site();
    for (id, others) in [
        (V2019, [V2021, V2024]),
        (V2021, [V2019, V2024]),
        (V2024, [V2019, V2021]),
    ] {
        let p = policy(&site, id);
        let links = hrefs(&p, ".versions__list");
        for other in others {
            p.check(
                links.iter().any(|h| h.contains(&format!("/{other}/"))),
                &format!("{id} links to {other}"),
            );
        }
        assert_eq!(p.text(".versions__list [aria-current]"), p.text("h1"));
        // The current version is the newest, marked with its date.
        let current = p.text(".versions__item:last-child");
        p.check(
            current.contains("2024年6月30日") && current.contains("现行版本"),
            "the current version and its date",
        );
    }
}

#[test]
fn superseded_versions_carry_the_notice() {
    let site = site();
    let old = policy(&site, V2019);
    let notice = hrefs(&old, ".notice--superseded");
    old.check(
        notice[0].contains(V2021) && notice.iter().any(|h| h.contains(V2024)),
        "the replacement and the current version",
    );
    old.check(
        old.text(".notice--superseded").contains("2024年6月30日"),
        "the current version's date",
    );
    let mid = policy(&site, V2021);
    assert_eq!(mid.count(".notice--superseded"), 1);
    assert_eq!(policy(&site, V2024).count(".notice--superseded"), 0);
}

#[test]
fn policy_page_summarises_changes_and_links_to_the_comparison() {
    let site = site();
    let p = policy(&site, V2024);
    assert_eq!(
        p.texts(".versions__changes .change-counts li"),
        ["条款 新增 1 删除 1 修改 2"]
    );
    let more = hrefs(&p, ".versions__changes");
    assert!(
        more.iter()
            .any(|h| h.ends_with(&format!("/{V2024}/changes/index.html"))),
        "{more:?}"
    );
    assert_eq!(policy(&site, V2019).count(".versions__changes"), 0);
}

#[test]
fn dated_file_names_make_a_chain() {
    let site = site();
    let c = changes(&site, "示例办法（2023-12-29）");
    let old = hrefs(&c, ".changes__version--old");
    assert!(old[0].contains("示例办法(2018-10-26)"), "{old:?}");
    assert_eq!(rows(&c), owned(&[("changed", "第一条")]));
    // Without `issued:`, the date comes from the file name.
    let p = policy(&site, "示例办法(2018-10-26)");
    p.check(
        p.text(".notice--superseded").contains("2023年12月29日"),
        "the current version's date from its file name",
    );
}

#[test]
fn explicit_supersedes_wins_over_file_names() {
    let law = |n: &str| format!("# 办法\n\n第一条 第{n}版。\n");
    let site = Site::new()
        .file(
            "site.toml",
            "title = \"t\"\nversions_from_file_names = true\n",
        )
        .file("content/policies/办法(2018-01-01).md", &law("一"))
        .file("content/policies/办法(2020-01-01).md", &law("二"))
        .file(
            "content/policies/办法(2023-01-01).md",
            &format!("---\nsupersedes: [办法(2018-01-01)]\n---\n{}", law("三")),
        );
    site.build().success();
    let c = changes(&site, "办法(2023-01-01)");
    assert!(hrefs(&c, ".changes__version--old")[0].contains("办法(2018-01-01)"));
    // The 2020 version is still read as replacing the 2018 one.
    let c = changes(&site, "办法(2020-01-01)");
    assert!(hrefs(&c, ".changes__version--old")[0].contains("办法(2018-01-01)"));
}

#[test]
fn dated_file_names_are_separate_policies_without_the_key() {
    let site = Site::new()
        .file("content/policies/办法(2018-01-01).md", "# 办法\n\n甲。\n")
        .file("content/policies/办法(2020-01-01).md", "# 办法\n\n乙。\n");
    site.build().success();
    assert!(!site.exists("public/policies/办法(2020-01-01)/changes/index.html"));
    assert_eq!(
        policy(&site, "办法(2018-01-01)").count(".notice--superseded"),
        0
    );
}

#[test]
fn dated_pages_of_a_law_library_are_versions_within_their_folder() {
    let law = |n: &str| format!("# 公司法\n\n第一条 第{n}版。\n\n第二条 不变。\n");
    let site = Site::new()
        .file(
            "site.toml",
            "title = \"t\"\nversions_from_file_names = true\n",
        )
        .file("content/法律/公司法(2018-10-26).md", &law("一"))
        .file("content/法律/公司法（2023-12-29）.md", &law("二"))
        .file("content/地方/公司法(2020-01-01).md", &law("三"));
    site.build().success();
    let c = site.page("法律/公司法（2023-12-29）/changes/index.html");
    assert!(hrefs(&c, ".changes__version--old")[0].contains("法律/公司法(2018-10-26)/"));
    assert_eq!(rows(&c), owned(&[("changed", "第一条")]));
    let old = site.page("法律/公司法(2018-10-26)/index.html");
    old.check(
        old.text(".notice--superseded").contains("2023年12月29日"),
        "the notice on the old version",
    );
    assert_eq!(old.count(".versions__list li"), 2);
    // Same name, another folder: another text.
    let other = site.page("地方/公司法(2020-01-01)/index.html");
    assert_eq!(other.count(".versions__list, .notice--superseded"), 0);
}

#[test]
fn timeline_lists_every_dated_entity_once() {
    let site = site();
    let t = site.page("timeline/index.html");
    let links = hrefs(&t, ".tl__title");
    let mut unique = links.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(links.len(), unique.len(), "each entity once: {links:?}");
    // Five dated policies and two dated measures; 示例调研 has no date.
    assert_eq!(links.len(), 7, "{links:?}");
    assert!(!links.iter().any(|h| h.contains("示例调研")));
    assert_eq!(
        t.texts(".timeline__year-title"),
        ["2018 1", "2019 1", "2021 1", "2023 1", "2024 2", "2026 1"]
    );
    let y2024 = t.texts(".timeline__year:nth-child(5) .tl__when");
    assert_eq!(y2024, ["2024年6月30日 发布", "2024年7月 开始"]);
    t.check(
        t.text(".timeline__year:last-child .tl")
            .contains("完成期限"),
        "a measure without a start stands at its due date",
    );
    // Filters are links to the issuer and status term pages.
    let filters = hrefs(&t, ".timeline-filters");
    assert!(
        filters
            .iter()
            .any(|h| h.contains("issuer/示例市人大常委会/"))
    );
    assert!(filters.iter().any(|h| h.contains("status/in-force/")));
    // The issuer's own timeline on its term page.
    let term = site.page("issuer/示例市人大常委会/index.html");
    assert_eq!(term.count(".timeline .tl"), 3);
}

#[test]
fn qualifiers_show_on_every_surface() {
    let site = site();
    let m = site.page("metrics/示例参与人数/index.html");
    assert_eq!(m.text(".keyfig--latest .keyfig__value"), "450余万人");
    assert_eq!(m.text(".keyfig--target .keyfig__value"), "450万人以上");
    let cells = m.texts(".data-table tbody td:nth-child(2)");
    // The data table (in the caption's unit), then the targets table.
    assert_eq!(cells, ["接近12", "450余", "450万人以上"]);
    m.check(
        m.select("svg.chart")
            .iter()
            .any(|s| s.html().contains("450余万人")),
        "the chart labels the value with its word",
    );
    // A lower bound (450余) meets a target of 450以上.
    assert_eq!(m.text(".keyfig--target .mstatus"), "已达成");
    let home = site.page("index.html");
    assert_eq!(home.text(".mcard .figure__value"), "450余万人");
    home.check(
        home.text(".metric-embed") == "450余万人",
        "the embed in prose",
    );
    let list = site.page("metrics/index.html");
    list.check(
        list.text("main").contains("450万人以上"),
        "the targets table",
    );
    let p = policy(&site, V2024);
    p.check(
        p.text(".inline-list__value").contains("450余万人"),
        "the measures table",
    );
    let csv = site.read("public/metrics/示例参与人数.csv");
    assert!(csv.contains("value,,2024,12,万人,,,接近\r\n"), "{csv}");
    assert!(
        csv.contains("target,,2025,450,万人,,示例条例-2024,以上\r\n"),
        "{csv}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&site.read("public/metrics/示例参与人数.json")).unwrap();
    assert_eq!(json["values"][0]["qualifier"], "接近");
    assert_eq!(json["targets"][0]["qualifier"], "以上");
}

#[test]
fn unknown_qualifier_is_an_error_with_the_accepted_words() {
    let site = Site::new().file(
        "content/metrics/甲.yaml",
        "title: 甲\nunit: 家\nvalues:\n  - period: \"2024\"\n    value: 300\n    qualifier: 大约\n",
    );
    let r = site.check_json(&[]);
    r.run.clone().failure();
    let d = r.only("bad-qualifier");
    r.assert_at(d, "error", "content/metrics/甲.yaml", 6, 16);
    let hint = d.hint.clone().unwrap_or_default();
    r.check(
        [
            "约",
            "接近",
            "超过",
            "突破",
            "以上",
            "余",
            "不低于",
            "不超过",
            "以下",
        ]
        .iter()
        .all(|w| hint.contains(w)),
        "the hint lists the accepted words",
    );
}
