//! Incremental rebuilds must give, byte for byte, what a clean build gives.
//!
//! Each test copies the example site, opens it as an incremental [`Site`],
//! makes one kind of change, applies it, and compares every output file with
//! a clean `pinakes::build` of the changed site.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pinakes::BuildOptions;
use pinakes::incremental::Site;

fn options(root: &Path) -> BuildOptions {
    BuildOptions {
        root: root.to_path_buf(),
        output: Some(root.parent().unwrap().join("clean")),
        ..Default::default()
    }
}

/// Every file of a clean build of the site as it is now.
fn clean_build(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let report = pinakes::build(&options(root));
    assert!(
        report.ok(),
        "clean build failed: {}",
        pinakes::diag::render_human(&report.sources, &report.diagnostics, false)
    );
    let out = report.output.unwrap();
    walkdir::WalkDir::new(&out)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(&out).unwrap();
            (
                rel.to_string_lossy().replace('\\', "/"),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .filter(|(p, _)| p != pinakes::write::MARKER)
        .collect()
}

fn assert_same_as_clean(site: &Site, root: &Path) {
    let clean = clean_build(root);
    let out = site.output().expect("a good build");
    let mut ours: Vec<&str> = out.files.keys().map(|k| &**k).collect();
    ours.sort();
    let theirs: Vec<&str> = clean.keys().map(String::as_str).collect();
    assert_eq!(ours, theirs, "the same files");
    for (path, bytes) in &clean {
        let mine = out.read(path).unwrap();
        if &mine != bytes {
            panic!(
                "{path} differs from a clean build:\n--- incremental\n{}\n--- clean\n{}",
                String::from_utf8_lossy(&mine),
                String::from_utf8_lossy(bytes)
            );
        }
    }
}

/// Opens the site, runs `change` (which returns the paths it touched),
/// applies them and compares with a clean build. Returns the pages rendered.
fn after(site: &common::Site, change: impl FnOnce(&common::Site) -> Vec<&'static str>) -> usize {
    let (mut inc, first) = Site::open(options(site.root()));
    assert!(first.ok());
    let touched: Vec<PathBuf> = change(site).iter().map(|p| site.path(p)).collect();
    let report = inc.apply(&touched);
    assert!(
        report.ok(),
        "{}",
        pinakes::diag::render_human(inc.sources(), &report.diagnostics, false)
    );
    assert_same_as_clean(&inc, site.root());
    report.rendered
}

const POLICY: &str = "content/policies/先进制造业强省行动计划.md";
const MEASURE: &str = "content/measures/千项千亿计划.md";

#[test]
fn body_edit_rerenders_one_page() {
    let site = common::Site::example();
    let rendered = after(&site, |s| {
        s.edit(
            POLICY,
            "报道未给出该计划的发布时间",
            "新增一段。\n\n报道未给出该计划的发布时间",
        );
        vec![POLICY]
    });
    assert_eq!(rendered, 1, "only the edited page");
}

#[test]
fn title_edit_rerenders_the_pages_that_show_it() {
    let site = common::Site::example();
    let (_, full) = Site::open(options(site.root()));
    let rendered = after(&site, |s| {
        s.edit(
            POLICY,
            "title: 先进制造业强省行动计划",
            "title: 先进制造业强省计划（新）",
        );
        vec![POLICY]
    });
    assert!(rendered > 1 && rendered < full.rendered, "{rendered}");
}

#[test]
fn dates_and_aliases_reach_feeds_sitemap_and_redirects() {
    let site = common::Site::example();
    after(&site, |s| {
        let text = s.read(POLICY).replace(
            "status: in-force\n",
            "status: in-force\nissued: 2023-06\naliases: [old/plan/]\n",
        );
        s.write(POLICY, text);
        vec![POLICY]
    });
    // A date and an alias removed again: the feeds and redirect follow.
    let (mut inc, first) = Site::open(options(site.root()));
    assert!(first.ok());
    assert!(inc.output().unwrap().read("old/plan/index.html").is_some());
    let text = site
        .read(POLICY)
        .replace("issued: 2023-06\naliases: [old/plan/]\n", "");
    site.write(POLICY, text);
    assert!(inc.apply(&[site.path(POLICY)]).ok());
    assert_same_as_clean(&inc, site.root());
}

#[test]
fn a_retitled_page_with_an_alias_keeps_its_redirect_in_step() {
    // The aliases are found when the site is linked; a title change keeps
    // the graph, and the redirect page, which shows the title, follows.
    let site = common::Site::example();
    let text = site.read(POLICY).replace(
        "status: in-force\n",
        "status: in-force\naliases: [old/plan/]\n",
    );
    site.write(POLICY, text);
    after(&site, |s| {
        s.edit(
            POLICY,
            "title: 先进制造业强省行动计划",
            "title: 先进制造业强省计划（新）",
        );
        vec![POLICY]
    });
    let out = clean_build(site.root());
    let redirect = String::from_utf8_lossy(&out["old/plan/index.html"]).into_owned();
    assert!(redirect.contains("先进制造业强省计划（新）"), "{redirect}");
}

#[test]
fn a_tag_taken_off_leaves_the_feed_of_its_term() {
    let site = common::Site::example();
    let dated = "content/policies/2025年工业经济头号工程年度行动方案.md";
    after(&site, |s| {
        s.edit(
            dated,
            "tags: [头号工程, 工业经济, 年度方案]",
            "tags: [工业经济, 年度方案]",
        );
        vec![dated]
    });
    let feed = site
        .root()
        .parent()
        .unwrap()
        .join("clean/tags/头号工程/atom.xml");
    let xml = std::fs::read_to_string(feed).unwrap();
    assert!(!xml.contains("2025年工业经济头号工程年度行动方案"), "{xml}");
}

/// The search index's files of the site in memory.
fn search_files(site: &Site) -> BTreeMap<String, Vec<u8>> {
    let out = site.output().expect("a good build");
    (out.files.keys())
        .filter(|p| p.starts_with("search/") && p.ends_with(".js"))
        .map(|p| (p.to_string(), out.read(p).unwrap()))
        .collect()
}

#[test]
fn a_search_patch_left_for_later_is_made_when_the_site_settles() {
    let site = common::Site::example();
    let (mut inc, first) = Site::open(options(site.root()));
    assert!(first.ok());
    inc.search_later();
    let before = search_files(&inc);
    site.edit(
        POLICY,
        "报道未给出该计划的发布时间",
        "新增一段。\n\n报道未给出该计划的发布时间",
    );
    assert!(inc.apply(&[site.path(POLICY)]).ok());
    let page = inc
        .output()
        .unwrap()
        .read("policies/先进制造业强省行动计划/index.html");
    let page = page.expect("the policy page");
    assert!(
        String::from_utf8(page).unwrap().contains("新增一段"),
        "the page first"
    );
    assert!(search_files(&inc) == before, "the index as it was");
    assert!(inc.settle(), "the index follows");
    assert_same_as_clean(&inc, site.root());
}

#[test]
fn new_file() {
    let site = common::Site::example();
    after(&site, |s| {
        s.write(
            "content/measures/新措施.md",
            "---\ntitle: 新措施\npolicy: 先进制造业强省行动计划\ntags: [新标签]\n---\n\n见 [[千项千亿计划]]。\n",
        );
        vec!["content/measures/新措施.md"]
    });
}

#[test]
fn deleted_file() {
    let site = common::Site::example();
    after(&site, |s| {
        s.remove("content/about/source.md");
        let index = "content/about/_index.md";
        s.edit(index, "[资料来源](source.md)", "资料来源");
        vec!["content/about/source.md", index]
    });
}

#[test]
fn a_save_by_renaming_a_temporary_file_keeps_the_graph() {
    // As `sed -i` and editors with safe writes save: a new file beside the
    // original, renamed over it.
    let site = common::Site::example();
    let (mut inc, _) = Site::open(options(site.root()));
    let temp = "content/policies/sedQ1x9Zk";
    site.write(
        temp,
        site.read(POLICY).replace(
            "title: 先进制造业强省行动计划",
            "title: 先进制造业强省计划（新）",
        ),
    );
    let r = inc.apply(&[site.path(temp)]);
    assert!(r.ok() && !r.linked_again, "a file the build does not read");
    assert_eq!(r.rendered, 0);
    std::fs::rename(site.path(temp), site.path(POLICY)).unwrap();
    let r = inc.apply(&[site.path(temp), site.path(POLICY)]);
    assert!(r.ok() && !r.linked_again, "a title is not a link input");
    assert!(r.rendered > 1, "{}", r.rendered);
    assert_same_as_clean(&inc, site.root());
    // A page removed does relink: the references to it must be checked.
    site.remove(MEASURE);
    let r = inc.apply(&[site.path(MEASURE)]);
    assert!(r.linked_again);
}

#[test]
fn renamed_file() {
    let site = common::Site::example();
    after(&site, |s| {
        std::fs::rename(s.path(MEASURE), s.path("content/measures/千项千亿.md")).unwrap();
        // Pages that linked to the old id now break: give the new file the old id.
        s.edit_first(
            "content/measures/千项千亿.md",
            "---\n",
            "---\nid: 千项千亿计划\n",
        );
        vec![MEASURE, "content/measures/千项千亿.md"]
    });
}

#[test]
fn template_edit() {
    let site = common::Site::example();
    after(&site, |s| {
        let p = "themes/default/templates/policy.html";
        s.edit(p, "</article>", "<p>edited</p></article>");
        vec![p]
    });
}

#[test]
fn site_template_override_added() {
    let site = common::Site::example();
    after(&site, |s| {
        s.write(
            "templates/404.html",
            "{% extends \"base.html\" %}{% block content %}<p>没有这一页</p>{% endblock content %}",
        );
        vec!["templates/404.html"]
    });
}

#[test]
fn data_edit() {
    let site = common::Site::example();
    after(&site, |s| {
        let p = "data/source.yaml";
        s.write(p, format!("{}\nextra_key: 1\n", s.read(p)));
        vec![p]
    });
}

#[test]
fn static_edit() {
    let site = common::Site::example();
    after(&site, |s| {
        s.write("static/site.css", "body { color: red }\n");
        vec!["static/site.css"]
    });
}

#[test]
fn config_edit() {
    let site = common::Site::example();
    after(&site, |s| {
        s.edit(
            "site.toml",
            "output_dir = \"public\"",
            "output_dir = \"public\"\nportable_links = false",
        );
        vec!["site.toml"]
    });
}

#[test]
fn broken_then_fixed() {
    let site = common::Site::example();
    let (mut inc, _) = Site::open(options(site.root()));
    let good = site.read(MEASURE);
    site.write(MEASURE, format!("{good}\n见 [[不存在的政策]]。\n"));
    let broken = inc.apply(&[site.path(MEASURE)]);
    assert!(!broken.ok());
    assert!(broken.changed.is_empty());
    let text = pinakes::diag::render_human(inc.sources(), &broken.diagnostics, false);
    assert!(text.contains("千项千亿计划.md:"), "{text}");
    // The last good build is still there.
    assert!(inc.output().is_some());
    site.write(
        MEASURE,
        format!("{good}\n见 [[先进制造业强省行动计划]]。\n"),
    );
    let fixed = inc.apply(&[site.path(MEASURE)]);
    assert!(fixed.ok());
    assert_same_as_clean(&inc, site.root());
}

#[test]
fn a_new_title_rewords_the_hint_of_an_unknown_reference() {
    // A title is no link input while every reference resolves (a retitled
    // policy keeps the graph); with an unknown one, its hint names titles.
    let site = common::Site::example();
    let good = site.read(MEASURE);
    site.write(MEASURE, format!("{good}\n见 [[强省新计划]]。\n"));
    let (mut inc, first) = Site::open(options(site.root()));
    assert!(!first.ok());
    site.edit(POLICY, "title: 先进制造业强省行动计划", "title: 强省新计划");
    let report = inc.apply(&[site.path(POLICY)]);
    let text = pinakes::diag::render_human(inc.sources(), &report.diagnostics, false);
    assert!(text.contains("`强省新计划` is the title of"), "{text}");
    let clean = pinakes::build(&options(site.root()));
    assert_eq!(
        text,
        pinakes::diag::render_human(&clean.sources, &clean.diagnostics, false)
    );
}

#[test]
fn ignored_paths_change_nothing() {
    let site = common::Site::example();
    let (mut inc, _) = Site::open(options(site.root()));
    site.write("content/policies/.x.md.swp", "junk");
    let r = inc.apply(&[
        site.path("content/policies/.x.md.swp"),
        site.path("public/x.html"),
    ]);
    assert_eq!(r.rendered, 0);
    assert!(r.changed.is_empty());
    // Editors' probes and temporary files are not worth a rebuild.
    for p in [
        "content/policies/4913",
        "content/policies/x.md___jb_tmp___",
        "public/x.html",
    ] {
        assert!(!inc.is_relevant(&site.path(p)), "{p}");
    }
    assert!(inc.is_relevant(&site.path("static/4913/x.png")));
}

#[test]
fn metric_title_edit_reaches_diagrams_two_steps_away() {
    // A policy's diagram shows the metrics of its measures; the site graph
    // shows them too. Both must follow a metric's new title.
    let site = common::Site::example();
    let metric = "content/metrics/千项千亿新增产值.yaml";
    after(&site, |s| {
        s.edit_first(metric, "title: ", "title: 新标题·");
        vec![metric]
    });
}

#[test]
fn measure_moved_to_another_policy() {
    let site = common::Site::example();
    after(&site, |s| {
        s.edit(
            MEASURE,
            "policy: 2025年工业经济头号工程年度行动方案",
            "policy: 先进制造业强省行动计划",
        );
        vec![MEASURE]
    });
}

#[test]
fn embedded_value_edit_reaches_the_prose_that_embeds_it() {
    let site = common::Site::example();
    let metric = "content/metrics/规上工业增加值增速.yaml";
    let rendered = after(&site, |s| {
        s.edit_first(metric, "value: 8.3", "value: 8.4");
        vec![metric]
    });
    assert!(rendered > 1, "{rendered}");
}

#[test]
fn shortcode_template_override_added() {
    let site = common::Site::example();
    after(&site, |s| {
        s.write(
            "templates/shortcodes/metric.html",
            "{%- set v = metric_value(id=args.id, period=args.period | default(value=\"\")) -%}<b>{{ v.value }}</b>",
        );
        vec!["templates/shortcodes/metric.html"]
    });
}

/// One site changed again and again: what a rebuild keeps from the last one
/// (summaries, page deps, API entries, metric files, the search index) must
/// stay right change after change, and after a failed build.
#[test]
fn changes_in_a_row_keep_only_what_did_not_change() {
    let site = common::Site::example();
    let (mut inc, _) = Site::open(options(site.root()));
    let metric = "content/metrics/规上工业增加值增速.yaml";
    let step = |inc: &mut Site, paths: &[&str]| -> Vec<String> {
        let touched: Vec<PathBuf> = paths.iter().map(|p| site.path(p)).collect();
        let r = inc.apply(&touched);
        assert!(
            r.ok(),
            "{}",
            pinakes::diag::render_human(inc.sources(), &r.diagnostics, false)
        );
        assert_same_as_clean(inc, site.root());
        r.changed
    };
    let has = |changed: &[String], f: &dyn Fn(&str) -> bool| changed.iter().any(|p| f(p));

    // A body edit: its page and the search index change, the API does not.
    site.edit(
        POLICY,
        "报道未给出该计划的发布时间",
        "新增一段：数字孪生工厂。\n\n报道未给出该计划的发布时间",
    );
    let changed = step(&mut inc, &[POLICY]);
    assert!(
        has(&changed, &|p| p.starts_with("search/k/")
            || p.starts_with("search/p/")),
        "{changed:?}"
    );
    assert!(!has(&changed, &|p| p == "api/index.json"), "{changed:?}");

    // A metric value: its CSV and JSON, its API entry, its search text.
    site.edit_first(metric, "value: 8.3", "value: 8.6");
    let changed = step(&mut inc, &[metric]);
    for end in [
        "规上工业增加值增速.csv",
        "规上工业增加值增速.json",
        "api/index.json",
    ] {
        assert!(has(&changed, &|p| p.ends_with(end)), "{end}: {changed:?}");
    }

    // A title: the API and the search index (titles are searched).
    site.edit_first(POLICY, "title: ", "title: 新·");
    let changed = step(&mut inc, &[POLICY]);
    assert!(has(&changed, &|p| p == "api/index.json"), "{changed:?}");
    assert!(has(&changed, &|p| p == "search/meta.js"), "{changed:?}");

    // Tags added, then a reference dropped: term pages, lists and diagrams
    // follow (the entities stay the same ones).
    site.edit(POLICY, "头号工程]", "头号工程, 新标签]");
    step(&mut inc, &[POLICY]);
    site.edit(MEASURE, "tags: [稳增长,", "tags: [先进制造业, 稳增长,");
    step(&mut inc, &[MEASURE]);
    site.edit(
        POLICY,
        "related: [绿色低碳高质量发展先行区三年行动计划]\n",
        "",
    );
    step(&mut inc, &[POLICY]);

    // A new link, then gone again: the target's backlinks follow.
    let before = site.read(MEASURE);
    site.write(
        MEASURE,
        format!("{before}\n另见 [[先进制造业强省行动计划]]。\n"),
    );
    step(&mut inc, &[MEASURE]);
    site.write(MEASURE, &before);
    step(&mut inc, &[MEASURE]);

    // Broken, then fixed: the failed build keeps nothing of its own.
    let good = site.read(MEASURE);
    site.write(MEASURE, format!("{good}\n见 [[不存在的政策]]。\n"));
    assert!(!inc.apply(&[site.path(MEASURE)]).ok());
    site.write(MEASURE, format!("{good}\n数据要素。\n"));
    step(&mut inc, &[MEASURE]);

    // A page deleted: its postings and API entry go.
    site.remove("content/about/source.md");
    let index = "content/about/_index.md";
    site.edit(index, "[资料来源](source.md)", "资料来源");
    let changed = step(&mut inc, &["content/about/source.md", index]);
    assert!(has(&changed, &|p| p == "api/index.json"), "{changed:?}");

    // And a body edit after all that.
    site.edit(POLICY, "数字孪生工厂", "数字孪生车间");
    step(&mut inc, &[POLICY]);
}

/// A body edit that keeps links, headings and shortcode calls keeps the
/// graph; one that changes a heading another page links to must not.
#[test]
fn a_renamed_heading_breaks_the_links_to_it_elsewhere() {
    let site = common::Site::example();
    let measure = site.read(MEASURE);
    site.write(
        MEASURE,
        format!("{measure}\n方向见 [[先进制造业强省行动计划#主要方向]]。\n"),
    );
    let (mut inc, first) = Site::open(options(site.root()));
    assert!(first.ok());
    let policy = site.read(POLICY);
    site.edit(POLICY, "## 主要方向", "## 发展方向");
    let broken = inc.apply(&[site.path(POLICY)]);
    assert!(!broken.ok());
    let text = pinakes::diag::render_human(inc.sources(), &broken.diagnostics, false);
    assert!(text.contains("has no heading `#主要方向`"), "{text}");
    assert!(text.contains("千项千亿计划.md:"), "{text}");
    site.write(POLICY, policy);
    assert!(inc.apply(&[site.path(POLICY)]).ok());
    assert_same_as_clean(&inc, site.root());
}

#[test]
fn a_link_added_to_a_body_shows_on_the_page_it_names() {
    let site = common::Site::example();
    let rendered = after(&site, |s| {
        s.edit(
            POLICY,
            "## 主要方向\n",
            "## 主要方向\n\n另见 [[千项千亿计划]]。\n",
        );
        vec![POLICY]
    });
    assert!(
        rendered > 1,
        "the measure lists the policy that mentions it"
    );
}

/// What `link` found in an edited file is found again where it now is.
#[test]
fn warnings_in_an_edited_file_move_with_its_text() {
    let site = common::Site::example();
    let measure = site.read(MEASURE);
    let chart = "文中插图 {{ chart(id=\"千项千亿新增产值\") }} 不宜。\n";
    site.write(MEASURE, format!("{measure}\n{chart}"));
    let (mut inc, first) = Site::open(options(site.root()));
    assert!(first.ok());
    let line_of = |report: &pinakes::incremental::Rebuild, inc: &Site| {
        let text = pinakes::diag::render_human(inc.sources(), &report.diagnostics, false);
        assert!(text.contains("a chart inside a sentence"), "{text}");
        text.lines()
            .find_map(|l| l.split("千项千亿计划.md:").nth(1))
            .map(|rest| rest.split(':').next().unwrap().parse::<usize>().unwrap())
            .expect("a location")
    };
    let before = line_of(&first, &inc);
    site.write(MEASURE, format!("{measure}\n新增一段。\n\n{chart}"));
    let after = inc.apply(&[site.path(MEASURE)]);
    assert_eq!(line_of(&after, &inc), before + 2);
}

/// A title taken from the body's first heading is shown on other pages:
/// editing it is not a body-only edit.
#[test]
fn a_title_from_the_first_heading_reaches_the_lists() {
    let site = common::Site::example();
    let page = "content/about/说明.md";
    site.write(page, "# 旧标题\n\n正文。\n");
    let rendered = after(&site, |s| {
        s.write(page, "# 新标题\n\n正文。\n");
        vec![page]
    });
    assert!(rendered > 1, "the section lists the page by its title");
}

/// A site's `static/` folder, created with a file that overrides the
/// theme's stylesheet: the change is reported as that stylesheet alone, so
/// open pages swap it in place.
#[test]
fn a_new_static_folder_overriding_the_theme_stylesheet_is_a_css_change() {
    let site = common::Site::example();
    let (mut inc, _) = Site::open(options(site.root()));
    site.write("static/style.css", "body { color: red }\n");
    // The watcher may see only the new folder.
    let report = inc.apply(&[site.path("static")]);
    assert!(report.ok());
    assert_eq!(report.changed, ["style.css"]);
    assert!(report.css_only());
    assert_same_as_clean(&inc, site.root());
}

/// Passes folded into one report (a burst): what a good pass changed stays
/// in the report when a later pass fails and the next restores the file.
#[test]
fn a_folded_burst_reports_what_its_good_passes_changed() {
    let site = common::Site::example();
    let (mut inc, _) = Site::open(options(site.root()));
    site.edit(
        POLICY,
        "报道未给出该计划的发布时间",
        "新增一段。\n\n报道未给出该计划的发布时间",
    );
    let first = inc.apply(&[site.path(POLICY)]);
    assert!(first.ok());
    let good = site.read(MEASURE);
    site.write(MEASURE, "---\ntitle: 半\n");
    let half_written = inc.apply(&[site.path(MEASURE)]);
    assert!(!half_written.ok());
    site.write(MEASURE, &good);
    let restored = inc.apply(&[site.path(MEASURE)]);
    assert!(restored.ok());
    let report = restored.after(half_written.after(first));
    assert!(report.ok());
    assert!(
        report
            .changed
            .iter()
            .any(|p| p.contains("先进制造业强省行动计划")),
        "{:?}",
        report.changed
    );
    assert_same_as_clean(&inc, site.root());
}

/// A static file edited while the site is broken is reported once the
/// site is fixed: the last good build has not got it.
#[test]
fn a_static_edit_while_broken_is_reported_after_the_fix() {
    let site = common::Site::example();
    site.write("static/extra.css", "a { color: red }\n");
    let (mut inc, first) = Site::open(options(site.root()));
    assert!(first.ok());
    let good = site.read(MEASURE);
    site.write(MEASURE, format!("{good}\n见 [[不存在的政策]]。\n"));
    assert!(!inc.apply(&[site.path(MEASURE)]).ok());
    site.write("static/extra.css", "a { color: blue }\n");
    assert!(!inc.apply(&[site.path("static/extra.css")]).ok());
    site.write(MEASURE, &good);
    let fixed = inc.apply(&[site.path(MEASURE)]);
    assert!(fixed.ok());
    assert!(
        fixed.changed.iter().any(|p| p == "extra.css"),
        "{:?}",
        fixed.changed
    );
    assert_same_as_clean(&inc, site.root());
}

const OLD_VERSION: &str = "content/policies/示例条例-2021.md";

#[test]
fn editing_an_old_version_updates_the_comparisons_that_read_it() {
    let site = common::Site::fixture("versions");
    let rendered = after(&site, |s| {
        let text = s
            .read(OLD_VERSION)
            .replace("负责本条例的组织实施", "负责本条例的实施");
        s.write(OLD_VERSION, text);
        vec![OLD_VERSION]
    });
    // Its page, its comparison, and the next version's page and comparison.
    assert!(rendered >= 4, "{rendered}");
}

#[test]
fn a_new_version_joins_the_chain_on_every_version_page() {
    let site = common::Site::fixture("versions");
    after(&site, |s| {
        let text = s
            .read("content/policies/示例条例-2024.md")
            .replace(
                "supersedes: [示例条例-2021]",
                "supersedes: [示例条例-2021]\nsummary: 二〇二四年版",
            )
            .replace("第四条 任何单位", "第四条 任何组织");
        s.write(
            "content/policies/示例条例-2025.md",
            text.replace("supersedes: [示例条例-2021]", "supersedes: [示例条例-2024]"),
        );
        s.write(
            "content/policies/示例办法(2024-05-01).md",
            "# 示例办法\n\n第一条 新版。\n",
        );
        s.write(
            "content/法规/示例规定(2024-01-01).md",
            "# 示例规定\n\n第一条 新版。\n",
        );
        vec![
            "content/policies/示例条例-2025.md",
            "content/policies/示例办法(2024-05-01).md",
            "content/法规/示例规定(2024-01-01).md",
        ]
    });
}

#[test]
fn editing_a_dated_page_updates_the_comparison_with_it() {
    let site = common::Site::fixture("versions");
    const PAGE: &str = "content/法规/示例规定(2020-01-01).md";
    after(&site, |s| {
        let text = s.read(PAGE).replace("适用于示例", "适用于全部示例");
        s.write(PAGE, text);
        vec![PAGE]
    });
}

#[test]
fn a_version_leaving_the_chain_is_no_longer_named() {
    let site = common::Site::fixture("versions");
    after(&site, |s| {
        let text = s
            .read(OLD_VERSION)
            .replace("supersedes: [示例条例-2019]\n", "");
        s.write(OLD_VERSION, text);
        vec![OLD_VERSION]
    });
}

/// A template function's read is recorded where it happens: this page
/// template names no global value, yet the chart it draws takes its words
/// from the UI strings. A rule reading the template's text could not see
/// that; the page must still show the new word.
#[test]
fn what_a_template_function_reads_reaches_the_page_that_called_it() {
    let site = common::Site::example();
    site.write(
        "templates/page.html",
        "<main>{{ page.title }}{{ metric_chart(id=\"企业技术创新项目数量\") }}</main>",
    );
    const STRINGS: &str = "themes/default/i18n/zh-CN.toml";
    after(&site, |s| {
        s.edit(
            STRINGS,
            "chart_no_values = \"尚无实际数据\"",
            "chart_no_values = \"暂无实测数据\"",
        );
        vec![STRINGS]
    });
    let (inc, _) = Site::open(options(site.root()));
    let page = inc
        .output()
        .unwrap()
        .read("about/source/index.html")
        .unwrap();
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("暂无实测数据"), "{page}");
}

#[test]
fn a_title_that_moves_an_entry_to_another_list_page() {
    let site = common::Site::many_measures(150); // two list pages
    let (_, full) = Site::open(options(site.root()));
    let rendered = after(&site, |s| {
        s.edit(
            "content/measures/m005.md",
            "title: 措施005",
            "title: 措施999",
        );
        vec!["content/measures/m005.md"]
    });
    assert!(
        rendered < full.rendered / 2,
        "{rendered} of {}",
        full.rendered
    );
}

#[test]
fn an_entry_that_adds_a_list_page() {
    let site = common::Site::many_measures(150); // two list pages
    after(&site, |s| {
        (150..260)
            .map(|i| {
                let rel: &'static str = format!("content/measures/m{i:03}.md").leak();
                s.write(
                    rel,
                    format!("---\ntitle: 措施{i:03}\npolicy: 总政策\n---\n"),
                );
                rel
            })
            .collect()
    });
    after(&site, |s| {
        s.remove("content/measures/m000.md");
        vec!["content/measures/m000.md"]
    });
}

#[test]
fn a_site_of_many_entities_gets_the_api_index_of_a_clean_build() {
    // A clean build writes the API index as its entries are made, a few
    // hundred at a time; an open site holds every entry: the same bytes.
    let site = common::Site::example();
    for n in 0..1100 {
        site.write(
            &format!("content/notes/笔记{n}.md"),
            format!("---\ntitle: 笔记{n}\n---\n第{n}条笔记。\n"),
        );
    }
    let (inc, first) = Site::open(options(site.root()));
    assert!(first.ok());
    let api = inc.output().unwrap().read("api/index.json").unwrap();
    assert!(String::from_utf8(api).unwrap().contains("笔记1099"));
    assert_same_as_clean(&inc, site.root());
}
