//! Broken sites: every problem is reported at file:line:col with a hint, the
//! exit code is 1, and nothing is written.

mod common;

use common::{Report, Site};

/// `check --format json` of `tests/invalid/<name>`, which must fail (exit 1);
/// `build` must fail the same way and write nothing.
fn check_invalid(name: &str) -> Report {
    let site = Site::invalid(name);
    let report = site.check_json(&[]);
    report.run.clone().failure();
    report.check(report.errors >= 1, "at least one error is counted");
    site.run(&["build"]).failure();
    assert!(!site.exists("public"), "a failed build writes nothing");
    report
}

#[test]
fn unknown_wikilink_suggests_close_id() {
    let r = check_invalid("unknown-wikilink");
    let d = r.only("unknown-ref");
    // `数字化转型见[[千项千亿计画]]。`: the link starts at the 7th character.
    r.assert_at(d, "error", "content/policies/引用者.md", 6, 7);
    r.assert_hint(d, "did you mean `千项千亿计划`?");
    r.check(
        d.message.contains("千项千亿计画"),
        "the message names the missing id",
    );
    // The line and the span's end, for viewers (the dev server's overlay).
    r.check(
        d.source_line.as_deref() == Some("数字化转型见[[千项千亿计画]]。"),
        "the line of the link",
    );
    r.check(d.end_column == Some(17), "the span ends after `]]`");
}

#[test]
fn measure_policy_naming_a_metric_is_wrong_kind() {
    let r = check_invalid("wrong-kind");
    let d = r.only("wrong-kind");
    r.assert_at(d, "error", "content/measures/措施.md", 3, 9);
    r.check(
        d.message.contains("增速") && d.message.contains("metric") && d.message.contains("policy"),
        "the message says what was expected and what was found",
    );
}

#[test]
fn missing_heading_lists_target_headings() {
    let r = check_invalid("missing-anchor");
    let d = r.only("unknown-anchor");
    r.assert_at(d, "error", "content/policies/来源政策.md", 5, 4);
    r.check(
        d.message.contains("不存在"),
        "the message names the missing heading",
    );
    let hint = d.hint.clone().unwrap_or_default();
    r.check(
        hint.contains("总则") && hint.contains("附则"),
        "the hint lists the target's headings",
    );
}

#[test]
fn relative_link_to_missing_file() {
    let r = check_invalid("missing-file");
    let d = r.only("unknown-ref");
    r.assert_at(d, "error", "content/policies/甲.md", 5, 6);
    r.check(
        d.message.contains("measures/不存在.md"),
        "the message names the missing file",
    );
    r.assert_hint(d, "did you mean `content/measures/存在.md`?");
}

#[test]
fn duplicate_ids_name_both_files() {
    let r = check_invalid("duplicate-id");
    let d = r.only("duplicate-id");
    r.check(d.message.contains("重复"), "the message names the id");
    let file = d.file.clone().unwrap_or_default();
    r.check(
        file == "content/policies/重复.md" || file == "content/measures/重复.md",
        "points at one of the two files",
    );
    r.check(
        d.line == Some(1) && d.column == Some(1),
        "at the start of the file",
    );

    // The terminal output shows both files.
    let site = Site::invalid("duplicate-id");
    let run = site.run(&["check"]).failure();
    run.check(
        run.stderr.contains("content/policies/重复.md")
            && run.stderr.contains("content/measures/重复.md"),
        "both files are named",
    );
}

#[test]
fn duplicate_id_json_names_both_files() {
    // JSON carries no secondary labels: message or hint must name the other file.
    let r = check_invalid("duplicate-id");
    let d = r.only("duplicate-id");
    let text = format!("{} {}", d.message, d.hint.clone().unwrap_or_default());
    r.check(
        text.contains("policies/重复.md") && text.contains("measures/重复.md"),
        "the JSON diagnostic names both files in its message or hint",
    );
}

#[test]
fn supersedes_cycle_is_an_error() {
    let r = check_invalid("supersedes-cycle");
    let d = r.only("supersedes-cycle");
    let file = d.file.clone().unwrap_or_default();
    r.check(
        file == "content/policies/甲.md" || file == "content/policies/乙.md",
        "points at one of the policies",
    );
    // `supersedes: 乙` / `supersedes: 甲`: at the value.
    r.check(
        d.line == Some(3) && d.column == Some(13),
        "at the supersedes value",
    );
    r.check(
        d.message.contains('甲') && d.message.contains('乙'),
        "the message shows the cycle",
    );
    r.check(d.hint.is_some(), "with a hint");
}

#[test]
fn bad_metric_data_is_reported_at_each_value() {
    let r = check_invalid("bad-metric");
    r.check(r.diagnostics.len() == 3 && r.errors == 3, "three errors");
    let file = "content/metrics/增速.yaml";

    let d = r.with_code("bad-period")[0];
    r.assert_at(d, "error", file, 6, 13);
    r.check(d.message.contains("2024-Q5"), "names the bad period");
    let hint = d.hint.clone().unwrap_or_default();
    for form in ["YYYY", "YYYY-Qn", "YYYY-Hn", "YYYY-MM", "YYYY-MM-DD"] {
        r.check(
            hint.contains(form),
            &format!("the hint shows the accepted form {form}"),
        );
    }

    let d = r.with_code("bad-value")[0];
    r.assert_at(d, "error", file, 9, 12);
    r.check(d.hint.is_some(), "with a hint");

    let d = r.with_code("duplicate-period")[0];
    r.assert_at(d, "error", file, 10, 13);
    r.check(d.message.contains("2023"), "names the period");
}

#[test]
fn bad_issued_date() {
    let r = check_invalid("bad-issued");
    let d = r.only("bad-date");
    r.assert_at(d, "error", "content/policies/甲.md", 3, 9);
    r.check(d.message.contains("2024-13-01"), "names the bad date");
    r.check(
        d.hint.clone().unwrap_or_default().contains("YYYY-MM-DD"),
        "shows the accepted forms",
    );
}

#[test]
fn bad_status_suggests_the_right_word() {
    let r = check_invalid("bad-status");
    let d = r.only("bad-field");
    r.assert_at(d, "error", "content/policies/甲.md", 3, 9);
    r.assert_hint(d, "did you mean `in-force`?");
}

#[test]
fn broken_yaml_front_matter_points_at_the_error() {
    let r = check_invalid("broken-yaml");
    let d = r.only("yaml");
    // `title: 甲政策: 副标题`: the second `:` is the 11th character.
    r.assert_at(d, "error", "content/policies/甲.md", 2, 11);
    r.check(d.hint.is_some(), "with a hint");
}

#[test]
fn unclosed_front_matter() {
    let r = check_invalid("unclosed-front-matter");
    let d = r.only("front-matter");
    r.assert_at(d, "error", "content/policies/甲.md", 1, 1);
    r.check(
        d.hint.clone().unwrap_or_default().contains("---"),
        "says how to close it",
    );
}

#[test]
fn invalid_id_is_only_one_that_cannot_name_anything() {
    // A file name with spaces is a valid id (see tests/input.rs); a `/`
    // written in `id:` is not.
    let r = check_invalid("bad-id");
    let d = r.only("bad-id");
    r.assert_at(d, "error", "content/policies/政策甲.md", 3, 5);
    r.check(d.message.contains("政策/甲"), "names the id");
    r.assert_hint(
        d,
        "set `id: 政策-甲` in its front matter, or rename the file",
    );
}

#[test]
fn unknown_key_is_a_warning_and_strict_makes_it_an_error() {
    let site = Site::invalid("unknown-key");
    let r = site.check_json(&[]);
    r.run.clone().success();
    let d = r.only("unknown-key");
    r.assert_at(d, "warning", "content/policies/甲.md", 3, 1);
    r.assert_hint(d, "did you mean `summary`?");
    r.check(r.errors == 0 && r.warnings == 1, "counted as a warning");

    // It builds (the key is kept for templates) ...
    site.run(&["build"]).success().stderr_contains("sumary");
    // ... and --strict turns the warning into an error.
    let strict = site.check_json(&["--strict"]);
    strict.run.clone().failure();
    let d = strict.only("unknown-key");
    strict.check(
        d.severity == "error" && strict.errors == 1,
        "strict: an error",
    );
    std::fs::remove_dir_all(site.path("public")).unwrap();
    site.run(&["build", "--strict"]).failure();
    assert!(!site.exists("public"), "a strict failure writes nothing");
}

#[test]
fn bad_utf8_is_reported_with_line_and_column() {
    let site = Site::new();
    // `中文X` then a byte that is not UTF-8: line 5, column 4.
    let mut bytes = "---\ntitle: 坏\n---\n\n中文X".as_bytes().to_vec();
    bytes.extend_from_slice(b"\xff\xfe rest\n");
    site.write("content/policies/坏.md", &bytes);
    let r = site.check_json(&[]);
    r.run.clone().failure();
    let d = r.only("encoding");
    r.assert_at(d, "error", "content/policies/坏.md", 5, 4);
    r.check(
        d.hint.clone().unwrap_or_default().contains("UTF-8"),
        "says to save as UTF-8",
    );
}

#[test]
fn bad_utf8_in_human_output() {
    let site = Site::new();
    let mut bytes = "---\ntitle: 坏\n---\n\n中文X".as_bytes().to_vec();
    bytes.extend_from_slice(b"\xff\n");
    site.write("content/policies/坏.md", &bytes);
    site.run(&["build"])
        .failure()
        .stderr_contains("content/policies/坏.md:5:4")
        .stderr_contains("UTF-8");
    assert!(!site.exists("public"));
}

#[test]
fn too_large_file_is_refused_and_the_hint_says_how_to_raise_the_limit() {
    let site = Site::new()
        .file(
            "site.toml",
            "title = \"测试\"\nbase_url = \"https://example.org/\"\nmax_file_mib = 1\n",
        )
        .file("content/policies/小.md", "---\ntitle: 小\n---\n");
    let mut big = b"---\ntitle: \xe5\xa4\xa7\n---\n\n".to_vec();
    let line = "这是一行很长的文字，用来把文件撑到两兆字节以上。\n".as_bytes();
    while big.len() < 2 * 1024 * 1024 + 100 {
        big.extend_from_slice(line);
    }
    site.write("content/policies/大.md", &big);
    let r = site.check_json(&[]);
    r.run.clone().failure();
    let d = r.only("too-large");
    r.check(
        d.file.as_deref() == Some("content/policies/大.md"),
        "names the file",
    );
    r.check(
        d.message == "file is 2.0 MiB, over the limit of 1 MiB",
        "says how large it is and what the limit is",
    );
    r.assert_hint(
        d,
        "if the file is meant to be here, raise the limit in site.toml: max_file_mib = 4",
    );
}

#[test]
fn template_syntax_error_points_at_the_site_template() {
    let r = check_invalid("template-error");
    let d = r.only("template");
    // `<p>中文{{ page.title </p>`: `</` is the 20th character.
    r.assert_at(d, "error", "templates/page.html", 3, 20);
}

#[test]
fn template_unknown_function_points_at_the_site_template() {
    let site = Site::new()
        .file("content/说明.md", "---\ntitle: 说明\n---\n")
        .file(
            "templates/page.html",
            "{% extends \"base.html\" %}\n{% block content %}\n<p>中文{{ no_such_function(x=1) }}</p>\n{% endblock content %}\n",
        );
    let r = site.check_json(&[]);
    r.run.clone().failure();
    let d = r.only("template");
    r.assert_at(d, "error", "templates/page.html", 3, 9);
    r.check(d.message.contains("no_such_function"), "names the function");
}

#[test]
fn template_render_error_points_at_the_site_template() {
    let site = Site::new()
        .file("content/说明.md", "---\ntitle: 说明\n---\n")
        .file(
            "templates/page.html",
            "{% extends \"base.html\" %}\n{% block content %}\n<p>中文{{ page.no_such_field.deeper }}</p>\n{% endblock content %}\n",
        );
    let r = site.check_json(&[]);
    r.run.clone().failure();
    let d = r.only("template");
    r.check(
        d.file.as_deref() == Some("templates/page.html") && d.line == Some(3),
        "the error is in templates/page.html on line 3",
    );
}

#[test]
fn several_errors_are_all_reported_in_one_run() {
    let r = check_invalid("many-errors");
    let mut got: Vec<(String, String, String)> = r
        .diagnostics
        .iter()
        .map(|d| (d.code.clone(), d.severity.clone(), d.place()))
        .collect();
    got.sort();
    let mut want: Vec<(String, String, String)> = [
        ("unknown-ref", "error", "content/measures/措施.md:3:9"),
        ("bad-period", "error", "content/metrics/指标.yaml:3:13"),
        ("bad-field", "error", "content/policies/甲.md:3:9"),
        ("unknown-key", "warning", "content/policies/甲.md:4:1"),
        ("unknown-ref", "error", "content/policies/甲.md:7:2"),
    ]
    .iter()
    .map(|(c, s, p)| (c.to_string(), s.to_string(), p.to_string()))
    .collect();
    want.sort();
    r.check(got == want, &format!("expected exactly {want:#?}"));
    r.check(
        r.errors == 4 && r.warnings == 1,
        "4 errors and 1 warning counted",
    );

    // Human output: every one of them, then the summary line on stderr.
    let site = Site::invalid("many-errors");
    let run = site.run(&["check"]).failure();
    for (_, _, place) in &want {
        run.check(
            run.stderr.contains(place.as_str()),
            &format!("stderr shows {place}"),
        );
    }
    run.check(
        run.stderr
            .lines()
            .any(|l| l.trim() == "4 errors, 1 warning"),
        "a summary line `4 errors, 1 warning`",
    );
    run.check(
        run.stdout.trim().is_empty(),
        "nothing on stdout for a failed check",
    );
}

#[test]
fn human_output_shows_location_source_line_and_caret() {
    let site = Site::invalid("unknown-wikilink");
    let run = site.run(&["check"]).failure();
    let err = &run.stderr;
    run.check(err.contains("unknown-ref"), "the code is shown");
    run.check(
        err.contains("content/policies/引用者.md:6:7"),
        "file:line:col",
    );
    let source_line = err
        .lines()
        .position(|l| l.contains("数字化转型见[[千项千亿计画]]。"));
    run.check(source_line.is_some(), "the source line is shown");
    let caret = err.lines().nth(source_line.unwrap() + 1).unwrap_or("");
    run.check(caret.contains('^'), "a caret under the source line");
    run.check(
        err.contains("did you mean `千项千亿计划`?"),
        "the hint is shown",
    );
    run.check(
        err.lines().any(|l| l.trim() == "1 error, 0 warnings"),
        "the summary line",
    );
    run.check(
        !err.contains('\u{1b}'),
        "no colour codes when stderr is not a terminal",
    );
}

#[test]
fn every_error_has_a_location_and_a_hint() {
    // "each with file:line:col, the source line, and a hint"
    let mut missing = Vec::new();
    for name in [
        "unknown-wikilink",
        "wrong-kind",
        "missing-anchor",
        "missing-file",
        "duplicate-id",
        "supersedes-cycle",
        "bad-metric",
        "bad-issued",
        "bad-status",
        "broken-yaml",
        "unclosed-front-matter",
        "bad-id",
        "unknown-key",
        "template-error",
        "many-errors",
    ] {
        let r = Site::invalid(name).check_json(&[]);
        for d in &r.diagnostics {
            if d.file.is_none() || d.line.is_none() || d.column.is_none() {
                missing.push(format!(
                    "{name}: `{}` has no file:line:col ({})",
                    d.code,
                    d.place()
                ));
            }
            if d.hint.as_deref().is_none_or(|h| h.trim().is_empty()) {
                missing.push(format!("{name}: `{}` at {} has no hint", d.code, d.place()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "diagnostics without location or hint:\n{}",
        missing.join("\n")
    );
}

#[test]
fn invalid_fixtures_have_no_themes_folder() {
    let dir = common::manifest_dir().join("tests/invalid");
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        assert!(
            !e.path().join("themes").exists(),
            "{} has a themes/ folder",
            e.path().display()
        );
        assert!(
            e.path().join("site.toml").is_file(),
            "{} has no site.toml",
            e.path().display()
        );
    }
}

/// `pinakes check` of each broken site, as the user sees it, is the one in
/// `tests/invalid/<case>/expected.txt` (`PINAKES_UPDATE=1` rewrites them).
#[test]
fn human_reports_match_expected_files() {
    let dir = common::manifest_dir().join("tests/invalid");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "the broken sites are found");
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let run = Site::invalid(&name).run(&["check"]).assert_no_panic();
        run.check(
            !run.stderr.contains("pinakes-test-"),
            "paths are relative to the site root",
        );
        common::golden::expect_file(&case.join("expected.txt"), &run.stderr);
    }
}

/// `check`'s diagnostics are `build`'s but for the summary line.
fn same_report(build: &common::Run, check: &common::Run) {
    let report = |stderr: &str| -> String {
        stderr
            .lines()
            .filter(|l| !l.starts_with("build failed"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    check.check(
        report(&build.stderr) == report(&check.stderr),
        &format!("the same report as build's:\n{}", build.stderr),
    );
}

/// `check` lays diagrams out without drawing them: a template's branch on
/// a diagram's markup (a dashed target, `rel-target`) goes the way it goes
/// in `build`, page by page, both ways.
#[test]
fn check_takes_the_branches_build_takes_on_a_diagrams_markup() {
    let site = Site::example().file(
        "templates/partials/diagram.html",
        "{%- if page.diagram %}{% if \"rel-target\" in page.diagram %}{{ dashed_oops.z }}\
         {% else %}{{ solid_oops.z }}{% endif %}{% endif %}",
    );
    let build = site.run(&["build"]).failure();
    let check = site.run(&["check"]).failure();
    // Each error names its variable and its page.
    let errors = |stderr: &str, name: &str| {
        stderr
            .lines()
            .filter(|l| l.contains(&format!("`{name}`")))
            .count()
    };
    for name in ["dashed_oops", "solid_oops"] {
        let (b, c) = (errors(&build.stderr, name), errors(&check.stderr, name));
        check.check(
            b > 0 && b == c,
            &format!("{name}: {b} pages in build, {c} in check"),
        );
    }
    same_report(&build, &check);
}

/// `check` makes every page for its errors but draws no chart or diagram
/// and keeps no HTML: what it reports is what `build` reports, on pages
/// with charts and diagrams too (branches on a diagram's markup: above).
#[test]
fn check_reports_what_build_reports_on_pages_with_charts_and_diagrams() {
    let site = Site::example()
        .file(
            "templates/partials/diagram.html",
            "{%- if page.diagram %}{{ page.diagram | safe }}{{ diagram_oops.x }}{% endif %}",
        )
        .file(
            "templates/metric.html",
            "{% extends \"base.html\" %}{% block content %}{{ metric_chart(id=page.id) }}{{ chart_oops.y }}{% endblock content %}",
        );
    let build = site.run(&["build"]).failure();
    let check = site.run(&["check"]).failure();
    for missing in ["diagram_oops", "chart_oops"] {
        check.check(
            check.stderr.contains(missing),
            &format!("check reports the error after a drawing ({missing})"),
        );
    }
    same_report(&build, &check);
}

/// `check` writes nothing of a page, but what a template captures and reads
/// back is made as in `build`: a `{% set %}` block (with an include in it),
/// a filter block and `super()`, each read back by a condition that leads
/// to an error only when the captured text is there.
#[test]
fn check_takes_the_branches_build_takes_on_captured_output() {
    let site = Site::example()
        .file("templates/partials/inner.html", "x")
        .file(
            "templates/partials/diagram.html",
            "{%- set captured %}{% include \"partials/inner.html\" %}{% endset -%}\
             {%- if captured == \"x\" %}{{ include_oops.z }}{% endif -%}\
             {%- set upper %}{% filter upper %}y{% endfilter %}{% endset -%}\
             {%- if upper == \"Y\" %}{{ filter_oops.z }}{% endif -%}",
        )
        .file(
            "templates/page.html",
            "{% extends \"base.html\" %}{% block title %}{% set t = super() %}\
             {% if t | length > 0 %}{{ super_oops.z }}{% endif %}{% endblock title %}",
        );
    let build = site.run(&["build"]).failure();
    let check = site.run(&["check"]).failure();
    for name in ["include_oops", "filter_oops", "super_oops"] {
        check.check(
            build.stderr.contains(name) && check.stderr.contains(name),
            &format!("{name} reported by build and by check"),
        );
    }
    same_report(&build, &check);
}

/// The chart functions know metrics only: an id of another kind of page in
/// a theme's `metric_value` or `metric_chart` is an error naming it.
#[test]
fn metric_functions_refuse_an_id_that_is_not_a_metric() {
    for call in ["metric_value(id=page.id)", "metric_chart(id=page.id)"] {
        let site = Site::example().file(
            "templates/policy.html",
            &format!(
                "{{% extends \"base.html\" %}}{{% block content %}}{{{{ {call} }}}}{{% endblock content %}}"
            ),
        );
        let run = site.run(&["check"]).failure();
        run.check(
            run.stderr.contains("no metric with id"),
            &format!("{call} on a policy page"),
        );
    }
}
