//! `pinakes new`: a starting site, or one entity file with its fields to fill in.

use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic};
use crate::parse::check_id;

/// What `new` can create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewKind {
    Policy,
    Measure,
    Metric,
}

const SITE_TOML: &str = r#"title = "我的政策追踪"
description = "政策、措施与指标"
base_url = "https://example.org/"
language = "zh-CN"
theme = "default"

[taxonomies]
tags = "标签"
issuer = "发文机关"
status = "状态"

[markdown]
raw_html = "sanitize"
"#;

const HOME: &str = "---\ntitle: 首页\n---\n\n本站跟踪[[示例政策]]及其措施和指标。\n";

fn policy_template(id: &str) -> String {
    format!(
        "---\ntitle: {id}\nissued:          # 发布日期：YYYY、YYYY-MM 或 YYYY-MM-DD\nissuer: []      # 发文机关\ndoc_number:     # 文号\nperiod:         # 有效期，如 2023-2025\nstatus: in-force  # draft | in-force | expired | superseded\nrelated: []\ntags: []\nsummary:\n---\n\n## 主要内容\n\n"
    )
}

fn measure_template(id: &str, policy: &str, metric: &str) -> String {
    format!(
        "---\ntitle: {id}\npolicy: {policy}   # 所属政策的 id\nmetrics: [{metric}]   # 相关指标的 id\nowner:          # 牵头部门\nstatus: ongoing # planned | ongoing | completed | suspended\ntags: []\nsummary:\n---\n\n## 主要做法\n\n"
    )
}

fn metric_template(id: &str) -> String {
    format!(
        "title: {id}\nunit: \"%\"\nbetter: higher   # higher | lower | none\ncategory:\ndescription: |\n  指标说明。\nsource:\nvalues:\n  - period: \"2024\"   # YYYY, YYYY-Qn, YYYY-Hn, YYYY-MM, YYYY-MM-DD\n    value: 0\ntargets: []\n"
    )
}

/// Writes a small working site into `dir` (which must not hold a site yet).
pub fn new_site(dir: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    if dir.join("site.toml").exists() || dir.join("content").exists() {
        return Err(Diagnostic::error(
            Code::Exists,
            format!("{} already holds a site", dir.display()),
        )
        .hint("choose an empty or new directory"));
    }
    let files = [
        ("site.toml", SITE_TOML.to_string()),
        ("content/_index.md", HOME.to_string()),
        (
            "content/policies/示例政策.md",
            policy_template("示例政策").replace(
                "issued:          # 发布日期：YYYY、YYYY-MM 或 YYYY-MM-DD\n",
                "",
            ),
        ),
        (
            "content/measures/示例措施.md",
            measure_template("示例措施", "示例政策", "示例指标"),
        ),
        ("content/metrics/示例指标.yaml", metric_template("示例指标")),
    ];
    files
        .iter()
        .map(|(rel, text)| create(&dir.join(rel), text))
        .collect()
}

/// Writes `content/<kind>/<id>.<ext>` under `root`.
pub fn new_entity(root: &Path, kind: NewKind, id: &str) -> Result<PathBuf, Diagnostic> {
    check_id(id).map_err(|m| {
        Diagnostic::error(Code::BadId, format!("invalid id: {m}"))
            .hint("an id is a file name: any text without `/` or line breaks")
    })?;
    let (path, text) = match kind {
        NewKind::Policy => (format!("content/policies/{id}.md"), policy_template(id)),
        NewKind::Measure => (
            format!("content/measures/{id}.md"),
            measure_template(id, "", ""),
        ),
        NewKind::Metric => (format!("content/metrics/{id}.yaml"), metric_template(id)),
    };
    create(&root.join(path), &text)
}

fn create(path: &Path, text: &str) -> Result<PathBuf, Diagnostic> {
    if path.exists() {
        return Err(
            Diagnostic::error(Code::Exists, format!("{} already exists", path.display()))
                .hint("pick another id, or edit the existing file"),
        );
    }
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).map_err(|e| {
            Diagnostic::error(Code::Io, format!("cannot create {}: {e}", p.display()))
        })?;
    }
    std::fs::write(path, text).map_err(|e| {
        Diagnostic::error(Code::Io, format!("cannot write {}: {e}", path.display()))
    })?;
    Ok(path.to_path_buf())
}
