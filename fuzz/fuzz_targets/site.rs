//! A one-file site built end to end: load, parse, link, render, write.
//! The first byte picks the file's kind; the rest is its text.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pinakes::BuildOptions;

const SITE_TOML: &str = "title = \"fuzz\"\nbase_url = \"https://example.org/\"\n[taxonomies]\ntags = \"标签\"\n";

fn site() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("site.toml"), SITE_TOML).unwrap();
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, text)) = data.split_first() else {
        return;
    };
    let rel = match kind % 5 {
        0 => "content/policies/政策 甲.md",
        1 => "content/measures/措施.md",
        2 => "content/metrics/指标.yaml",
        3 => "content/about/页面.md",
        _ => "content/_index.md",
    };
    let root = site().path();
    let content = root.join("content");
    let _ = std::fs::remove_dir_all(&content);
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    let report = pinakes::build(&BuildOptions {
        root: root.to_path_buf(),
        output: Some(root.join("public")),
        ..Default::default()
    });
    // Every diagnostic can be printed.
    let _ = pinakes::diag::render_human(&report.sources, &report.diagnostics, false);
    let _ = pinakes::diag::render_json(&report.sources, &report.diagnostics);
});
