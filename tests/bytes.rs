//! What pages do not carry: template indentation, a second drawing of a
//! chart or a second table of contents, an entity listed twice, copies of
//! site-wide data. Each saving keeps the page's content.

mod common;

use common::Site;

/// Lines of `html` outside `<pre>` that begin with a space or a tab.
fn indented_lines(html: &str) -> Vec<&str> {
    let mut in_pre = false;
    let mut out = Vec::new();
    for line in html.lines() {
        if !in_pre && line.starts_with([' ', '\t']) {
            out.push(line);
        }
        if line.contains("<pre") {
            in_pre = true;
        }
        if line.contains("</pre>") {
            in_pre = false;
        }
    }
    out
}

#[test]
fn pages_carry_no_template_indentation_but_keep_preformatted_text() {
    let site = Site::new()
        .file(
            "content/policies/甲.md",
            "---\ntitle: 甲政策\nstatus: in-force\ntags: [数字化]\n---\n## 要点\n\n```\nfn main() {\n    let x = 1;\n}\n```\n\n- 一\n- 二\n",
        )
        .file(
            "templates/page.html",
            "{% extends \"base.html\" %}\n{% block content %}\n    <div id=\"own\">\n        <pre id=\"kept\">\n    a\n        b\n</pre>\n        <p>{{ page.title }}</p>\n    </div>\n{% endblock content %}\n",
        )
        .file("content/说明.md", "---\ntitle: 说明\n---\n正文\n");
    site.build().success();
    let policy = site.read("public/policies/甲/index.html");
    assert!(
        indented_lines(&policy).is_empty(),
        "no indented line: {:?}",
        indented_lines(&policy)
    );
    assert!(
        policy.contains("<pre><code>fn main() {\n    let x = 1;\n}\n</code></pre>"),
        "code keeps its indentation: {policy}"
    );
    let own = site.read("public/说明/index.html");
    assert!(
        own.contains("<pre id=\"kept\">\n    a\n        b\n</pre>"),
        "{own}"
    );
    assert!(own.contains("\n<p>说明</p>\n"), "{own}");
}

#[test]
fn template_errors_point_at_the_indented_source() {
    // (the indented line, the column of the error in the file as written)
    let cases = [
        // Eight spaces, then `<p>中文{{ page.title `: `</` is the 28th character.
        ("        <p>中文{{ page.title </p>", 28),
        ("    <p>中文{{ no_such_function(x=1) }}</p>", 13),
    ];
    for (line, column) in cases {
        let template = format!(
            "{{% extends \"base.html\" %}}\n{{% block content %}}\n{line}\n{{% endblock content %}}\n"
        );
        let site = Site::new()
            .file("content/说明.md", "---\ntitle: 说明\n---\n")
            .file("templates/page.html", &template);
        let r = site.check_json(&[]);
        r.run.clone().failure();
        let d = r.only("template");
        r.assert_at(d, "error", "templates/page.html", 3, column);
    }
}

#[test]
fn api_index_holds_one_compact_entry_a_line() {
    let site = Site::fixture("basic");
    site.build().success();
    let text = site.read("public/api/index.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("api/index.json parses");
    let entities = json["entities"].as_array().unwrap();
    assert!(entities.len() > 3);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), entities.len() + 2, "{text}");
    for (line, entity) in lines[1..=entities.len()].iter().zip(entities) {
        let entry: serde_json::Value =
            serde_json::from_str(line.trim_end_matches(',')).expect("an entry a line");
        assert_eq!(&entry, entity);
    }
}

#[test]
fn diagram_boxes_repeat_a_title_only_when_their_label_is_cut() {
    let long = "关于加快推进制造业数字化转型和高质量发展的若干政策措施";
    let site = Site::new()
        .file(
            "content/policies/长.md",
            &format!("---\ntitle: {long}\n---\n"),
        )
        .file(
            "content/measures/短.md",
            "---\ntitle: 短措施\npolicy: 长\n---\n",
        );
    site.build().success();
    let page = site.page("measures/短/index.html");
    let svg = page.select("svg.relations")[0].html();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let boxes: Vec<(Option<&str>, &str)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("a"))
        .map(|a| {
            let child = |tag: &str| {
                a.children()
                    .find(|c| c.has_tag_name(tag))
                    .and_then(|c| c.text())
            };
            (child("title"), child("text").unwrap())
        })
        .collect();
    assert_eq!(boxes.len(), 2, "{svg}");
    assert_eq!(boxes.iter().filter(|b| b.0.is_some()).count(), 1, "{svg}");
    for (title, label) in boxes {
        match title {
            Some(t) => assert!(t == long && label.ends_with('…'), "{svg}"),
            None => assert_eq!(label, "短措施", "{svg}"),
        }
    }
}

#[test]
fn a_page_has_one_table_of_contents_with_every_heading() {
    let site = Site::new().file(
        "content/policies/甲.md",
        "---\ntitle: 甲政策\n---\n## 总体要求\n\n正文。\n\n## 主要任务\n\n### 数字化\n\n正文。\n\n## 保障措施\n\n正文。\n",
    );
    site.build().success();
    let page = site.page("policies/甲/index.html");
    page.check(page.count("nav.toc") == 1, "one table of contents");
    page.check(
        page.count(".entity-main .toc") == 0,
        "beside the text, not in it",
    );
    let links = page.links("nav.toc");
    let hrefs: Vec<&str> = links.iter().map(|(href, _)| href.as_str()).collect();
    page.check(
        hrefs == ["#总体要求", "#主要任务", "#数字化", "#保障措施"],
        "every heading in order",
    );
    for href in hrefs {
        let id = href.trim_start_matches('#');
        page.check(page.ids().contains(id), "each entry leads to its heading");
    }
}

#[test]
fn an_entity_listed_above_is_not_listed_again_among_mentions() {
    let site = Site::new()
        .file(
            "content/policies/甲.md",
            "---\ntitle: 甲政策\n---\n正文。\n",
        )
        .file(
            "content/measures/措施一.md",
            "---\ntitle: 措施一\npolicy: 甲\nmetrics: 指标一\n---\n落实[[甲]]，推动[[指标一]]。\n",
        )
        .file(
            "content/measures/措施二.md",
            "---\ntitle: 措施二\n---\n参照[[甲]]和[[指标一]]。\n",
        )
        .file(
            "content/metrics/指标一.yaml",
            "title: 指标一\nunit: \"%\"\nvalues:\n  - period: \"2024\"\n    value: 8.3\n",
        );
    site.build().success();
    let policy = site.page("policies/甲/index.html");
    let measures = policy.texts("[aria-labelledby=x-measures] th.cell-title > a");
    policy.check(measures == ["措施一"], "the measure naming the policy");
    let mentions = policy.texts("[aria-labelledby=x-mentions] a");
    policy.check(
        mentions == ["措施二"],
        "mentions leave out 措施一, listed above",
    );
    let metric = site.page("metrics/指标一/index.html");
    let tracking = metric.texts("[aria-labelledby=x-measures] .entity-list > li > a");
    metric.check(tracking == ["措施一"], "the measure tracking the metric");
    let mentions = metric.texts("[aria-labelledby=x-mentions] a");
    metric.check(
        mentions == ["措施二"],
        "mentions leave out 措施一, listed above",
    );
    metric.check(
        mentions.len() == 1 && metric.text("[aria-labelledby=x-mentions] .count") == "1",
        "the count says what is listed",
    );
}
