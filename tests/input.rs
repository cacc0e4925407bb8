//! Real folders of documents: file names as they are, other generators'
//! front matter, legacy encodings, big and deep files, and what is refused.

mod common;

use std::path::Path;

use common::{Site, pinakes};

/// The fixture of a real-world folder, plus a file whose name some file
/// systems refuse (so it is not in the repository).
fn real_world() -> Site {
    let site = Site::fixture("real-world");
    site.write("content/policies/为什么?.md", "# 为什么\n\n正文。\n");
    site
}

/// The output file an internal href of `page` (relative to `public/`) leads to.
fn target_of(page: &str, href: &str) -> String {
    let href = href.split('#').next().unwrap();
    let base = Path::new(page).parent().unwrap();
    let decoded = percent_decode(href);
    let mut parts: Vec<String> = base
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    for seg in decoded.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "" | "." => {}
            s => parts.push(s.to_string()),
        }
    }
    parts.join("/")
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn real_world_folder_builds_with_names_as_they_are() {
    let site = real_world();
    let r = site.check_json(&[]);
    r.run.clone().success();
    r.check(
        r.errors == 0 && r.warnings == 0,
        "no errors and no warnings: other generators' keys are known",
    );
    site.build();

    // Every URL segment derived by the documented rule; no raw space anywhere.
    for (file, dir) in [
        (
            "最高人民法院 最高人民检察院关于办理操纵证券、期货市场刑事案件适用法律若干问题的解释(2019-06-27)",
            "最高人民法院-最高人民检察院关于办理操纵证券、期货市场刑事案件适用法律若干问题的解释(2019-06-27)",
        ),
        ("C# 入门", "C-入门"),
        ("完成率 100%", "完成率-100"),
        ("为什么?", "为什么"),
        ("A+B 方案", "A+B-方案"),
        ("（全角）标点：条例", "（全角）标点：条例"),
        (
            "五种遗嘱形式已不足 打印遗嘱如何写才有效",
            "五种遗嘱形式已不足-打印遗嘱如何写才有效",
        ),
    ] {
        assert!(
            site.exists(&format!("public/policies/{dir}/index.html")),
            "{file} is written to policies/{dir}/\n{}",
            common::listing(&site.path("public/policies"))
        );
    }
    let listing = common::listing(&site.path("public"));
    for line in listing.lines() {
        let path = line.rsplit_once(" (").map_or(line, |(p, _)| p);
        assert!(!path.contains(' '), "no output path has a space: {path}");
    }

    // Wikilinks naming the stems as written resolve, `#` in a name included.
    let rel = "policies/最高人民法院-最高人民检察院关于办理操纵证券、期货市场刑事案件适用法律若干问题的解释(2019-06-27)/index.html";
    let page = site.page(rel);
    page.check(
        page.text("h1") == "关于办理操纵证券、期货市场刑事案件适用法律若干问题的解释",
        "the title is the first `# ` heading",
    );
    let links: Vec<(String, String)> = page
        .links(".prose")
        .into_iter()
        .map(|(href, label)| (label, href))
        .collect();
    page.check(links.len() == 7, "all seven wikilinks are links");
    for (label, href) in &links {
        let target = target_of(rel, href);
        page.check(
            site.exists(&format!("public/{target}")),
            &format!("`{label}` links to {href}, which exists"),
        );
        page.check(!href.contains(' '), "hrefs are encoded");
    }
    let labels: Vec<&str> = links.iter().map(|(l, _)| l.as_str()).collect();
    page.check(
        labels.contains(&"五种遗嘱形式已不足 打印遗嘱如何写才有效") && labels.contains(&"C# 入门"),
        "labels are the targets' titles",
    );
    page.check(
        links
            .iter()
            .any(|(_, h)| h.ends_with("#%E7%AC%AC%E4%B8%80%E8%8A%82")),
        "`[[C# 入门#第一节]]` links to the heading of `C# 入门`",
    );
}

#[test]
fn other_generators_front_matter_is_mapped() {
    let site = real_world();
    site.build();
    // Zola: TOML between `+++`, `date`, `description`, `[taxonomies]`, `[extra]`.
    let zola = site.page("policies/zola-导出/index.html");
    zola.check(zola.text("h1") == "从 Zola 导出的政策", "TOML title");
    zola.check(
        zola.source.contains("TOML 写的摘要"),
        "`description` is the summary",
    );
    zola.check(
        zola.source.contains("2019年6月27日"),
        "`date` is the issue date, without its time",
    );
    for tag in ["证券", "刑法"] {
        assert!(
            site.exists(&format!("public/tags/{tag}/index.html")),
            "tag {tag}"
        );
    }
    // Hugo: `categories` join the tags, `aliases` get a redirect page.
    assert!(
        site.exists("public/tags/法律/index.html"),
        "categories are tags"
    );
    let redirect = site.read("public/old/hugo-measure/index.html");
    assert!(
        redirect.contains("url=../../measures/hugo-%E6%8E%AA%E6%96%BD/index.html"),
        "the alias redirects to the page:\n{redirect}"
    );
    let api = site.read("public/api/index.json");
    let api: serde_json::Value = serde_json::from_str(&api).unwrap();
    let hugo = api["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "hugo 措施")
        .expect("the Hugo measure");
    assert_eq!(hugo["fields"]["summary"], "Hugo 写的摘要");
    assert_eq!(hugo["fields"]["updated"], "2020-01-02");
    assert_eq!(hugo["fields"]["tags"], serde_json::json!(["证券", "法律"]));
    // Jekyll: `published: true` is not a draft; `layout` is kept quietly.
    assert!(site.exists("public/about/jekyll-page/index.html"));
}

#[test]
fn legacy_encodings_bom_and_line_endings_are_read() {
    let site = real_world();
    site.build();
    let gb = site.page("policies/国标编码的文件/index.html");
    gb.check(
        gb.text("h1") == "国标编码的文件",
        "the GB18030 file reads as Chinese",
    );
    gb.check(
        gb.source.contains("这是一份以 GB18030 保存的文件。"),
        "its body too",
    );
    let notepad = site.page("policies/windows-记事本/index.html");
    notepad.check(
        notepad.text("h1") == "记事本保存的文件",
        "front matter after a BOM and CRLF",
    );
}

#[test]
fn gb18030_file_without_the_option_is_an_error_that_says_how() {
    let (gbk, _, _) = encoding_rs::GB18030.encode("# 标题\n\n正文：数字经济。\n");
    let site = Site::new();
    site.write("content/policies/旧文件.md", &gbk);
    let r = site.check_json(&[]);
    r.run.clone().failure();
    let d = r.only("encoding");
    // `# ` is valid ASCII; the first Chinese byte is on line 1, column 3.
    r.assert_at(d, "error", "content/policies/旧文件.md", 1, 3);
    r.check(d.message.contains("GB18030"), "says what the file is");
    r.check(
        d.hint
            .as_deref()
            .is_some_and(|h| h.contains("encoding = \"gb18030\"") && h.contains("iconv")),
        "says how to go on",
    );
}

#[test]
fn control_characters_are_reported_at_their_line_and_replaced() {
    let site = Site::new();
    site.write(
        "content/policies/控制.md",
        "# 控制\n\n第一段\u{0}与\u{1b}。\n".as_bytes(),
    );
    let r = site.check_json(&[]);
    r.run.clone().success();
    let d = r.only("control-char");
    r.assert_at(d, "warning", "content/policies/控制.md", 3, 4);
    r.check(
        d.message.contains("U+0000") && d.message.contains("1 more"),
        "names the character",
    );
    site.build();
    let page = site.page("policies/控制/index.html");
    page.check(
        page.source.contains("第一段\u{FFFD}与\u{FFFD}。"),
        "shown as U+FFFD",
    );
}

#[test]
fn names_mapping_to_one_url_are_an_error_naming_both() {
    let site = Site::new()
        .file("content/policies/数字 经济.md", "# 甲\n")
        .file("content/policies/sub/数字#经济.md", "# 乙\n");
    let r = site.check_json(&[]);
    r.run.clone().failure();
    let d = r.only("url-collision");
    r.assert_at(d, "error", "content/policies/数字 经济.md", 1, 1);
    r.check(
        d.message.contains("content/policies/sub/数字#经济.md")
            && d.message.contains("content/policies/数字 经济.md")
            && d.message.contains("/policies/数字-经济/"),
        "names both files and the URL",
    );
    r.check(
        d.hint.as_deref().is_some_and(|h| h.contains("slug:")),
        "says how to fix it",
    );
    // `slug:` gives one of them its own URL.
    site.write(
        "content/policies/sub/数字#经济.md",
        "---\nslug: 数字与经济\n---\n# 乙\n",
    );
    site.build();
    assert!(site.exists("public/policies/数字与经济/index.html"));
}

#[test]
fn unknown_keys_are_summarised_and_hints_only_when_close() {
    let mut site = Site::new();
    for i in 0..8 {
        site = site.file(
            &format!("content/measures/措施{i}.md"),
            "---\ntitle: 措施\nbookHidden: true\ntilte: 错\n---\n",
        );
    }
    let r = site.check_json(&[]);
    let hidden = r
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("bookHidden"))
        .collect::<Vec<_>>();
    r.check(hidden.len() == 8, "JSON lists every one");
    r.check(
        hidden[0].hint.as_deref()
            == Some("put custom fields under `extra:` to silence this warning"),
        "`bookHidden` is not close to `id`: no did-you-mean",
    );
    let tilte = r
        .diagnostics
        .iter()
        .find(|d| d.message.contains("tilte"))
        .unwrap();
    r.assert_hint(tilte, "did you mean `title`?");

    let run = site.run(&["check"]).success();
    let full = run.stderr.matches("unknown key `bookHidden`").count();
    run.check(full == 4, "three in full, then one summary line");
    run.check(
        run.stderr.contains("unknown key `bookHidden` in measure front matter — 5 more times (content/measures/措施3.md, content/measures/措施4.md, content/measures/措施5.md, …)"),
        "the summary counts and names a few files",
    );
    run.check(
        run.stderr.contains("0 errors, 16 warnings"),
        "the count is of all",
    );
}

#[test]
fn symlink_outside_the_site_is_refused_unless_allowed() {
    let site = Site::new().file("content/policies/内部.md", "# 内部\n");
    let outside = site.outer().join("outside.md");
    std::fs::write(&outside, "# 外部\n").unwrap();
    std::os::unix::fs::symlink(&outside, site.path("content/policies/外部.md")).unwrap();
    std::os::unix::fs::symlink(
        site.path("content/policies/内部.md"),
        site.path("content/policies/别名.md"),
    )
    .unwrap();
    let r = site.check_json(&[]);
    r.run.clone().failure();
    let d = r.only("symlink");
    r.check(
        d.file.as_deref() == Some("content/policies/外部.md"),
        "names the link",
    );
    r.check(d.message.contains("outside the site"), "says why");
    r.check(
        d.hint
            .as_deref()
            .is_some_and(|h| h.contains("follow_external_symlinks = true")),
        "says how to allow it",
    );
    site.write(
        "site.toml",
        "title = \"测试\"\nbase_url = \"https://example.org/\"\nfollow_external_symlinks = true\n",
    );
    site.build();
    assert!(site.exists("public/policies/外部/index.html"));
    // A link inside the site is followed either way (it is another id).
    assert!(site.exists("public/policies/别名/index.html"));
}

#[test]
fn csv_cells_cannot_run_as_formulas() {
    let site = Site::new().file(
        "content/metrics/利润.yaml",
        "title: 利润\nunit: 亿元\nvalues:\n  - {period: \"2023\", value: -3.5, note: \"=HYPERLINK(\\\"http://x\\\")\"}\n  - {period: \"2024\", value: 2, note: \"+增长\"}\n  - {period: \"2025\", value: 1, note: \"@risk\"}\n",
    );
    site.build();
    let csv = site.read("public/metrics/利润.csv");
    assert!(
        csv.contains(",2023,-3.5,亿元,"),
        "a negative number stays a number:\n{csv}"
    );
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\""),
        "formula made text:\n{csv}"
    );
    assert!(
        csv.contains("\"'+增长\"") && csv.contains("\"'@risk\""),
        "{csv}"
    );
}

#[test]
fn deep_nesting_builds_on_default_stacks() {
    // 3,000 nested list items and block quotes, with raw HTML so the
    // sanitizer's parser sees the depth too. The build runs on the worker
    // threads' default stacks.
    let mut text = String::from("# 深层\n\n<div>raw</div>\n\n");
    for i in 0..3000 {
        text.push_str(&"  ".repeat(i));
        text.push_str(&format!("- 第{i}层 <b>粗</b>\n"));
    }
    text.push('\n');
    text.push_str(&"> ".repeat(3000));
    text.push_str("引用\n");
    let site = Site::new();
    site.write("content/policies/深层.md", text);
    site.build();
    let html = site.read("public/policies/深层/index.html");
    assert!(html.matches("<ul>").count() >= 3000, "every level is kept");
}

#[test]
fn files_over_the_old_limit_build_by_default() {
    let mut text = String::from("# 大文件\n\n");
    let para = "这是一段很长的法律文字，用来把文件撑到旧的八兆限制以上。\n\n";
    while text.len() < 12 * 1024 * 1024 {
        text.push_str(para);
    }
    let site = Site::new();
    site.write("content/policies/大文件.md", text);
    site.run(&["check"]).success();
}

#[test]
fn cli_reports_no_panic_on_a_binary_file() {
    let site = Site::new();
    site.write("content/policies/二进制.md", [0x80u8, 0x81, 0xff, 0x00]);
    let out = pinakes()
        .current_dir(site.root())
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("content/policies/二进制.md"), "{err}");
}
