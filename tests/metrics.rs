//! Metrics end to end: charts, dashboard, downloads, embeds, and their errors.

mod common;

use common::{Page, Site};

const QUARTERLY: &str = "季度产值";
const FIRMS: &str = "新增企业";
const ENERGY: &str = "能耗";
const TARGET_ONLY: &str = "只有目标";

fn metrics_site() -> Site {
    let site = Site::fixture("metrics");
    site.build();
    site
}

fn metric_page(site: &Site, id: &str) -> Page {
    site.page(&format!("metrics/{id}/index.html"))
}

/// The inline SVG charts of a page, parsed as XML (which they must be).
fn charts(page: &Page) -> Vec<String> {
    page.select("svg.chart")
        .iter()
        .map(|el| {
            let svg = el.html();
            roxmltree::Document::parse(&svg)
                .unwrap_or_else(|e| panic!("chart in {} is not XML: {e}\n{svg}", page.rel));
            svg
        })
        .collect()
}

/// (cx, cy) of the circles of one series in a chart (the series' class is
/// on their group); cx is a percentage of the width.
fn dots(svg: &str, class: &str) -> Vec<(f64, f64)> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| {
            let group = n.parent_element().and_then(|g| g.attribute("class"));
            n.has_tag_name("circle") && group.is_some_and(|c| c.contains(class))
        })
        .map(|n| {
            let num = |a| {
                let v = n.attribute(a).unwrap();
                v.trim_end_matches('%').parse::<f64>().unwrap()
            };
            (num("cx"), num("cy"))
        })
        .collect()
}

#[test]
fn can_draw_a_line_chart_with_comparison_and_target() {
    let site = metrics_site();
    let page = metric_page(&site, QUARTERLY);
    let svgs = charts(&page);
    page.check(svgs.len() == 1, "one drawing for every width");
    let wide = &svgs[0];
    {
        let doc = roxmltree::Document::parse(wide).unwrap();
        let root = doc.root_element();
        page.check(
            root.attribute("viewBox").is_none() && root.attribute("width") == Some("100%"),
            "the chart spans its container and its text keeps the page's size",
        );
    }
    page.check(wide.contains("chart--line"), "four quarters draw a line");
    let doc = roxmltree::Document::parse(wide).unwrap();
    let root = doc.root_element();
    page.check(
        root.attribute("role") == Some("img"),
        "the chart is an image to assistive tech",
    );
    let title = doc.descendants().find(|n| n.has_tag_name("title")).unwrap();
    page.check(
        title.text() == Some(QUARTERLY),
        "the <title> is the metric's title",
    );
    let desc = doc
        .descendants()
        .find(|n| n.has_tag_name("desc"))
        .unwrap()
        .text()
        .unwrap();
    for s in [
        "2024年一季度 1000亿元",
        "2024年二季度 1250.5亿元",
        "全国：2024年一季度 900亿元",
        "2025年目标 2000亿元",
    ] {
        page.check(
            desc.contains(s),
            &format!("the <desc> reads out `{s}`: {desc}"),
        );
    }
    // Four points, left to right, rising (SVG y grows downward).
    let primary = dots(wide, "s-primary");
    page.check(
        primary.len() == 4,
        &format!("four value points, got {primary:?}"),
    );
    page.check(
        primary
            .windows(2)
            .all(|w| w[1].0 > w[0].0 && w[1].1 < w[0].1),
        "the points rise left to right",
    );
    let national = dots(wide, "s-compare");
    page.check(national.len() == 2, "two comparison points");
    page.check(
        national[0].0 == primary[0].0 && national[1].0 == primary[2].0,
        "comparison points sit at their own periods",
    );
    page.check(
        wide.contains("stroke-dasharray=\"6 4\""),
        "the comparison series is dashed",
    );
    page.check(wide.contains("chart__target"), "the target is marked");
    page.check(wide.contains("单位：亿元"), "the axis names its unit");
    // The data table beside the chart carries the same figures.
    let table = page.text("#x-data ~ .table-wrap table");
    page.check(
        table.contains("1250.5") && table.contains("900"),
        "data table beside the chart",
    );
}

#[test]
fn can_draw_columns_for_counts_and_bars_for_few_periods() {
    let site = metrics_site();
    let firms = charts(&metric_page(&site, FIRMS));
    let doc = roxmltree::Document::parse(&firms[0]).unwrap();
    let bars = doc
        .descendants()
        .filter(|n| {
            let group = n.parent_element().and_then(|g| g.attribute("class"));
            n.has_tag_name("rect") && group == Some("chart__bar s-primary")
        })
        .count();
    assert!(
        firms[0].contains("chart--columns"),
        "a count unit draws columns"
    );
    assert_eq!(bars, 3, "one column per year");

    let energy = charts(&metric_page(&site, ENERGY));
    assert!(energy[0].contains("chart--bars"), "two periods draw bars");
    assert!(energy[0].contains("1.2吨标准煤") && energy[0].contains("0.95吨标准煤"));
    assert!(
        energy[0].contains("chart__target-line"),
        "a target line crosses the bars"
    );

    let only = charts(&metric_page(&site, TARGET_ONLY));
    assert!(
        only[0].contains("尚无实际数据"),
        "a target alone says there is no value yet"
    );
    assert!(only[0].contains("2025年目标") && only[0].contains("100万辆"));
}

#[test]
fn can_show_change_progress_and_status_on_the_metric_page() {
    let site = metrics_site();
    let page = metric_page(&site, QUARTERLY);
    let figs = page.text(".keyfigs");
    page.check(
        figs.contains("较2024年三季度 +200亿元（+14.3%）"),
        &format!("change from the previous quarter: {figs}"),
    );
    page.check(
        figs.contains("进度正常"),
        "rising toward 2000 by 2025: on track",
    );
    page.check(figs.contains("完成 80%"), "1600 of 2000");
    let firms = metric_page(&site, FIRMS);
    page.check(
        firms.text(".keyfigs").contains("落后"),
        "90 of 200 with the year over: behind",
    );
    let energy = metric_page(&site, ENERGY);
    let figs = energy.text(".keyfigs");
    energy.check(
        figs.contains("已达成"),
        "better: lower — 0.95 ≤ 1.0 is achieved",
    );
    energy.check(
        energy.count(".mchange--good") == 1,
        "a fall is good when lower is better",
    );
}

#[test]
fn can_show_the_dashboard_by_category_with_status() {
    let site = metrics_site();
    let page = site.page("metrics/index.html");
    let groups = page.texts(".group:not(.target-table) .group__title");
    page.check(
        groups.len() == 2 && groups[0].starts_with("增长"),
        &format!("cards grouped by category: {groups:?}"),
    );
    page.check(page.count(".mcard") == 4, "one card per metric");
    page.check(
        page.count(".mcard .sparkline") == 3,
        "sparklines from two values up",
    );
    for svg in page.select(".mcard .sparkline") {
        roxmltree::Document::parse(&svg.html()).expect("sparklines are XML");
    }
    let badges = page.texts(".mcard .mstatus");
    for s in ["进度正常", "落后", "已达成", "数据不足"] {
        page.check(
            badges.iter().any(|b| b == s),
            &format!("a `{s}` badge, got {badges:?}"),
        );
    }
    let rows = page.texts("#x-all-targets ~ .table-wrap tbody tr");
    page.check(rows.len() == 4, &format!("one row per target: {rows:?}"));
    page.check(
        rows.iter().any(|r| {
            r.contains("新增企业")
                && r.contains("200家")
                && r.contains("90家")
                && r.contains("落后")
                && r.contains("45%")
        }),
        "a target row shows target, latest, status and progress",
    );
    let summary = page.text(".mstatus-summary");
    page.check(
        summary.contains("目标进展"),
        "the standing against targets is summed up",
    );
    let home = site.page("index.html");
    home.check(
        home.text(".block--featured").contains("1600亿元"),
        "the featured metric is on the home page",
    );
}

#[test]
fn can_download_csv_and_json() {
    let site = metrics_site();
    let csv = site.read(&format!("public/metrics/{QUARTERLY}.csv"));
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "kind,series,period,value,unit,note,set_by,qualifier"
    );
    assert_eq!(lines[2], "value,,2024-Q2,1250.5,亿元,,,");
    assert!(lines.contains(&"compare,全国,2024-Q3,1000,亿元,,,"));
    assert_eq!(lines.last(), Some(&"target,,2025,2000,亿元,,甲政策,"));
    assert!(
        csv.starts_with('\u{feff}'),
        "a BOM so spreadsheets read the Chinese text"
    );

    let json: serde_json::Value =
        serde_json::from_str(&site.read(&format!("public/metrics/{QUARTERLY}.json"))).unwrap();
    assert_eq!(json["unit"], "亿元");
    assert_eq!(json["values"][1]["raw"], "1250.5");
    assert_eq!(json["values"][1]["value"], 1250.5);
    assert_eq!(json["compare"]["全国"][0]["period"], "2024-Q1");
    assert_eq!(json["targets"][0]["set_by"], "甲政策");
    assert_eq!(json["derived"]["status"], "on-track");
    let page = metric_page(&site, QUARTERLY);
    let hrefs = page.attrs(".download a", "href");
    assert!(
        hrefs.iter().any(|h| h.ends_with(".csv")) && hrefs.iter().any(|h| h.ends_with(".json")),
        "the page links its downloads: {hrefs:?}"
    );
}

#[test]
fn can_embed_metric_values_charts_and_site_shortcodes() {
    let site = metrics_site();
    let page = site.page("policies/甲政策/index.html");
    let embeds = page.texts(".prose .metric-embed");
    page.check(
        embeds == ["1600亿元", "1000亿元"],
        &format!("latest and a given period: {embeds:?}"),
    );
    let hrefs = page.attrs(".prose .metric-embed", "href");
    page.check(
        hrefs.iter().all(|h| h.starts_with("../../metrics/")),
        "linked to the metric page",
    );
    page.check(
        page.count(".prose figure.chart-embed svg.chart") == 1,
        "the chart embed, drawn once",
    );
    page.check(
        page.select(".prose p figure").is_empty(),
        "a chart is not inside a paragraph",
    );
    let code = page.texts(".prose code");
    page.check(
        code.iter()
            .any(|c| c.contains("{{ metric(id=\"不存在\") }}"))
            && code
                .iter()
                .any(|c| c.contains("{{ metric(id=\"也不存在\") }}")),
        "shortcodes in code stay as written",
    );
    page.check(
        page.text(".prose aside.note") == "自定义短代码（1）",
        "a site's own shortcode",
    );
}

#[test]
fn errors_on_bad_embeds_at_their_line_and_column() {
    let site = Site::invalid("bad-embed");
    let r = site.check_json(&[]);
    r.run.clone().failure();
    let file = "content/policies/引用.md";
    let d = r.with_code("unknown-ref")[0];
    r.assert_at(d, "error", file, 4, 3);
    r.assert_hint(d, "did you mean `增速`?");
    let yaml = r
        .with_code("unknown-period")
        .into_iter()
        .find(|d| d.file.as_deref() == Some("content/metrics/增速.yaml"))
        .expect("the embed in a metric description is checked");
    r.assert_at(yaml, "error", "content/metrics/增速.yaml", 9, 6);
    let periods: Vec<_> = r
        .with_code("unknown-period")
        .into_iter()
        .filter(|d| d.file.as_deref() == Some(file))
        .collect();
    r.check(
        periods.len() == 2,
        "a missing period and a metric with no values",
    );
    r.assert_at(periods[0], "error", file, 6, 3);
    r.assert_hint(periods[0], "`增速` has values for: 2024");
    r.check(
        periods[1].message.contains("no value to show"),
        "a metric with targets only has no value to embed",
    );
    r.assert_at(periods[1], "error", file, 10, 23);
    let d = r.with_code("bad-period")[0];
    r.assert_at(d, "error", file, 6, 42);
    r.check(
        d.hint.as_deref().unwrap_or("").contains("YYYY-Qn"),
        "shows the accepted forms",
    );
    let d = r.with_code("unknown-shortcode")[0];
    r.assert_at(d, "error", file, 8, 1);
    r.assert_hint(d, "did you mean `chart`?");
    let d = r.with_code("bad-shortcode")[0];
    r.assert_at(d, "error", file, 10, 3);
    r.check(
        d.message.contains("must be quoted"),
        "says what is malformed",
    );
    r.check(
        r.errors == 7,
        &format!("each problem once, none from code spans: {}", r.summary()),
    );
    let d = r.with_code("inline-chart")[0];
    r.assert_at(d, "warning", file, 14, 3);
    site.run(&["build"]).failure();
    assert!(!site.exists("public"), "a failed build writes nothing");
}

#[test]
fn errors_on_unit_clash() {
    let r = Site::invalid("unit-clash").check_json(&[]);
    r.run.clone().failure();
    let clashes = r.with_code("unit-clash");
    r.check(
        clashes.len() == 3,
        "the same unit repeated is fine; three clashes",
    );
    r.assert_at(clashes[0], "error", "content/metrics/增速.yaml", 11, 13);
    r.check(
        clashes[0].message.contains("个百分点"),
        "names the clashing unit",
    );
    r.assert_at(clashes[1], "error", "content/metrics/增速.yaml", 15, 11);
    r.assert_at(clashes[2], "error", "content/metrics/无单位.yaml", 5, 11);
    r.assert_hint(
        clashes[2],
        "set `unit: \"家\"` at the top of the file; entries share the metric's unit",
    );
}

#[test]
fn example_site_has_a_chart_on_every_metric_page() {
    let site = Site::empty();
    let root = common::manifest_dir();
    let out = site.path("out");
    common::run_in(&root, &["build", "--output", out.to_str().unwrap()]).success();
    let metrics = std::fs::read_dir(root.join("content/metrics")).unwrap();
    for f in metrics {
        let name = f
            .unwrap()
            .file_name()
            .to_string_lossy()
            .replace(".yaml", "");
        let page = Page::open(&out, &format!("metrics/{name}/index.html"));
        page.check(charts(&page).len() == 1, "every metric page has its chart");
        assert!(out.join(format!("metrics/{name}.csv")).exists());
    }
    let growth = Page::open(&out, "metrics/规上工业增加值增速/index.html");
    let svg = &charts(&growth)[0];
    assert!(
        svg.contains("8.3%") && svg.contains("5.8%"),
        "Shandong against the national figure"
    );
}

#[test]
fn can_format_numbers_for_chinese_readers_in_templates() {
    let site = Site::new()
        .file(
            "content/metrics/产值.yaml",
            "title: 产值\nunit: 亿元\nvalues:\n  - period: \"2024\"\n    value: 15000\n",
        )
        .file(
            "content/about.md",
            "---\ntitle: 关于\n---\n产值{{ metric(id=\"产值\") }}；{{ fmt(v=\"2.5\", u=\"个百分点\") }}\n",
        )
        .file(
            "templates/shortcodes/fmt.html",
            "<span class=\"f\">{{ v | fmt_num(unit=u, sign=true) }}|{{ 123456 | fmt_num(unit=\"次\") }}|{{ 0.5834 | percent }}|{{ \"8.30\" | fmt_num(unit=\"%\", html=true) }}</span>",
        );
    site.build();
    let page = site.page("about/index.html");
    page.check(
        page.text(".metric-embed") == "1.5万亿元",
        "15000 亿元 is written 1.5万亿元",
    );
    let f = page.select(".f")[0].inner_html();
    page.check(
        f == "+2.5个百分点|123,456次|58.3%|<span class=\"num\">8.30</span><span class=\"unit\">%</span>",
        &format!("sign, separators, percent, html parts: {f}"),
    );
}

#[test]
fn errors_on_a_failing_site_shortcode_at_the_call() {
    let site = Site::new()
        .file(
            "content/about.md",
            "---\ntitle: 关于\n---\n正文\n\n前文{{ broken(x=\"1\") }}\n",
        )
        .file(
            "templates/shortcodes/broken.html",
            "{% set e = get_entity(id=\"不存在\") %}{{ e.title }}",
        );
    let r = site.check_json(&[]);
    r.run.clone().failure();
    let d = r.with_code("shortcode")[0];
    r.assert_at(d, "error", "content/about.md", 6, 3);
    r.check(d.message.contains("broken"), "names the shortcode");
}

#[test]
fn a_notes_column_appears_only_when_a_row_has_a_note() {
    let site = Site::new()
        .file(
            "content/metrics/有注.yaml",
            "title: 有注\nunit: 家\nvalues:\n  - period: 2023\n    value: 1\n  - period: 2024\n    value: 2\n    note: 含新设机构\ntargets:\n  - period: 2025\n    value: 3\n    note: 省定目标\n",
        )
        .file(
            "content/metrics/无注.yaml",
            "title: 无注\nunit: 家\nvalues:\n  - period: 2023\n    value: 1\n  - period: 2024\n    value: 2\ntargets:\n  - period: 2025\n    value: 3\n",
        );
    site.build().success();
    // Columns of each table: its header cells, and the cells of each row.
    let columns = |page: &Page, table: &str| {
        let head = page.count(&format!("{table} thead th"));
        let rows = page.select(&format!("{table} tbody tr"));
        let cells: Vec<usize> = rows
            .iter()
            .map(|r| r.children().filter(|c| c.value().is_element()).count())
            .collect();
        (head, cells)
    };
    let noted = metric_page(&site, "有注");
    let (head, rows) = columns(&noted, "table.data-table--series");
    noted.check(head == 3 && rows == [3, 3], "period, value, note");
    noted.check(
        noted
            .texts("table.data-table--series td")
            .iter()
            .any(|t| t.contains("含新设机构")),
        "the note is shown",
    );
    let (head, rows) = columns(&noted, "section[aria-labelledby=x-targets] table");
    noted.check(head == 5 && rows == [5], "a target's note has its column");
    let plain = metric_page(&site, "无注");
    let (head, rows) = columns(&plain, "table.data-table--series");
    plain.check(head == 2 && rows == [2, 2], "no empty notes column");
    let (head, rows) = columns(&plain, "section[aria-labelledby=x-targets] table");
    plain.check(
        head == 4 && rows == [4],
        "no empty notes column for targets",
    );
}
