//! The edits: each changes the site the way an editor would, or returns
//! `None` when the site has nothing it applies to.

use std::path::Path;

use super::{Edit, World};

pub const WORDS: &[&str] = &[
    "数字化",
    "绿色",
    "集群",
    "创新",
    "技改",
    "园区",
    "链主",
    "产能",
    "标杆",
    "融资",
];

pub type Op = fn(&mut World) -> Option<Edit>;

pub const OPS: &[(usize, Op)] = &[
    (14, body_paragraph),
    (8, title),
    (8, tags),
    (8, link_add),
    (6, link_remove),
    (10, metric_value),
    (6, file_added),
    (4, file_renamed),
    (4, file_deleted),
    (6, template),
    (4, data),
    (3, site_toml),
    (2, static_file),
    (3, break_a_link),
];

/// (front matter, body) of a Markdown file; the front matter without its `---` lines.
pub fn split(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix("---\n")?;
    let end = rest.find("\n---\n")?;
    Some((&rest[..end + 1], &rest[end + 5..]))
}

pub fn join(front: &str, body: &str) -> String {
    format!("---\n{front}---\n{body}")
}

/// The id of a content file: its `id:`, else its name.
pub fn id_of(rel: &str, text: &str) -> String {
    let front = split(text).map_or(text, |(f, _)| f);
    if let Some(id) = front.lines().find_map(|l| l.strip_prefix("id: ")) {
        return id.trim().to_string();
    }
    let path = Path::new(rel);
    let stem = path.file_stem().unwrap().to_string_lossy();
    if stem == "_index" {
        return path
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
    }
    stem.into_owned()
}

pub fn body_paragraph(w: &mut World) -> Option<Edit> {
    let (rel, text) = w.pick_file(w.documents(), |t| split(t).is_some())?;
    let (front, body) = split(&text).unwrap();
    let para = w.sentence();
    // Between paragraphs, or at the end.
    let gaps: Vec<usize> = body.match_indices("\n\n").map(|(i, _)| i + 1).collect();
    let body = match w.rng.pick(&gaps) {
        Some(&at) if w.rng.percent(60) => format!("{}\n{para}\n{}", &body[..at], &body[at..]),
        _ => format!("{body}\n{para}\n"),
    };
    w.rewrite(&rel, join(front, &body), format!("paragraph in {rel}"))
}

pub fn title(w: &mut World) -> Option<Edit> {
    let mut files = w.documents();
    files.extend(w.metrics());
    let (rel, text) = w.pick_file(files, |t| t.lines().any(|l| l.starts_with("title: ")))?;
    let n = w.fresh();
    let word = w.rng.pick(WORDS).unwrap();
    let new = format!("title: {word}标题{n}");
    let old = text
        .lines()
        .find(|l| l.starts_with("title: "))
        .unwrap()
        .to_string();
    w.rewrite(
        &rel,
        text.replacen(&old, &new, 1),
        format!("{new} in {rel}"),
    )
}

pub fn tags(w: &mut World) -> Option<Edit> {
    // Tags written as a flow list, or none yet.
    let flow = |t: &str| {
        split(t).is_some_and(|(f, _)| {
            f.lines()
                .all(|l| !l.starts_with("tags:") || l.starts_with("tags: ["))
        })
    };
    let (rel, text) = w.pick_file(w.documents(), flow)?;
    let (front, body) = split(&text).unwrap();
    let tag = *w.rng.pick(WORDS).unwrap();
    let line = front.lines().find(|l| l.starts_with("tags: ["));
    let (front, what) = match line {
        None => (
            format!("{front}tags: [{tag}]\n"),
            format!("tags: [{tag}] added"),
        ),
        Some(line) => {
            let inner = line.trim_start_matches("tags: [").trim_end_matches(']');
            let mut list: Vec<&str> = inner
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .collect();
            if let Some(i) = list.iter().position(|t| *t == tag) {
                list.remove(i);
            } else {
                list.insert(w.rng.below(list.len() + 1), tag);
            }
            let new = format!("tags: [{}]", list.join(", "));
            let what = format!("{new} was {line}");
            (front.replacen(line, &new, 1), what)
        }
    };
    w.rewrite(&rel, join(&front, body), format!("{what} in {rel}"))
}

pub fn link_add(w: &mut World) -> Option<Edit> {
    let folder = *w.rng.pick(&["policies", "measures", "metrics"]).unwrap();
    let ids = w.ids(folder);
    let id = w.rng.pick(&ids)?.clone();
    let (rel, text) = w.pick_file(w.documents(), |t| split(t).is_some())?;
    let (front, body) = split(&text).unwrap();
    let body = format!("{body}\n另见[[{id}]]。\n");
    w.rewrite(&rel, join(front, &body), format!("link to {id} in {rel}"))
}

pub fn link_remove(w: &mut World) -> Option<Edit> {
    let (rel, text) = w.pick_file(w.documents(), |t| {
        split(t).is_some_and(|(_, b)| b.contains("[["))
    })?;
    let (front, body) = split(&text).unwrap();
    let starts: Vec<usize> = body.match_indices("[[").map(|(i, _)| i).collect();
    let start = *w.rng.pick(&starts).unwrap();
    let end = start + body[start..].find("]]")? + 2;
    let inner = &body[start + 2..end - 2];
    // What a reader sees stays: the label, else the id.
    let plain = inner.rsplit('|').next().unwrap().split('#').next().unwrap();
    let body = format!("{}{plain}{}", &body[..start], &body[end..]);
    w.rewrite(
        &rel,
        join(front, &body),
        format!("unlink [[{inner}]] in {rel}"),
    )
}

pub fn metric_value(w: &mut World) -> Option<Edit> {
    let (rel, text) = w.pick_file(w.metrics(), |t| t.contains("value: "))?;
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("value: "))
        .collect();
    let old = *w.rng.pick(&lines).unwrap();
    let indent = &old[..old.len() - old.trim_start().len()];
    let value = format!("{}.{}", w.rng.below(500), w.rng.below(10));
    let new = format!("{indent}value: {value}");
    if new == old {
        return None;
    }
    let text = text.replacen(&format!("{old}\n"), &format!("{new}\n"), 1);
    w.rewrite(&rel, text, format!("{} -> {value} in {rel}", old.trim()))
}

pub fn file_added(w: &mut World) -> Option<Edit> {
    let n = w.fresh();
    let word = *w.rng.pick(WORDS).unwrap();
    let para = w.sentence();
    let (rel, text) = match w.rng.below(3) {
        0 => {
            let policy = w.rng.pick(&w.ids("policies")).cloned();
            let metric = w.rng.pick(&w.ids("metrics")).cloned();
            let mut front = format!("title: 新措施{n}\ntags: [{word}]\n");
            if let Some(p) = policy {
                front.push_str(&format!("policy: {p}\n"));
            }
            if let Some(m) = metric {
                front.push_str(&format!("metrics: [{m}]\n"));
            }
            (
                format!("content/measures/新措施{n}.md"),
                join(&front, &format!("\n{para}\n")),
            )
        }
        1 => {
            let policy = w.rng.pick(&w.ids("policies")).cloned();
            let link = policy.map(|p| format!("见[[{p}]]。")).unwrap_or_default();
            (
                format!("content/新页{n}.md"),
                join(&format!("title: 新页{n}\n"), &format!("\n{para}{link}\n")),
            )
        }
        _ => (
            format!("content/metrics/新指标{n}.yaml"),
            format!(
                "title: 新指标{n}\nunit: 个\ntags: [{word}]\nvalues:\n  - period: \"2023\"\n    value: {}\n  - period: \"2024\"\n    value: {}\n",
                w.rng.below(100),
                w.rng.below(100)
            ),
        ),
    };
    w.site.write(&rel, text);
    Some(Edit {
        what: format!("add {rel}"),
        touched: vec![rel],
    })
}

pub fn file_renamed(w: &mut World) -> Option<Edit> {
    let mut files = w.files("content/policies", &[".md"]);
    files.extend(w.files("content/measures", &[".md"]));
    files.extend(w.metrics());
    let old = w.rng.pick(&files)?.clone();
    let name = Path::new(&old)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    if w.mentioned(&name, &old) {
        return None; // a relative link names the file
    }
    let text = w.site.read(&old);
    let id = id_of(&old, &text);
    let ext = Path::new(&old)
        .extension()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let n = w.fresh();
    let new = format!(
        "{}/改名{n}.{ext}",
        Path::new(&old).parent().unwrap().display()
    );
    // The file keeps its id, so what refers to it still resolves.
    let text = if text.lines().any(|l| l.starts_with("id: ")) {
        text
    } else if let Some(rest) = text.strip_prefix("---\n") {
        format!("---\nid: {id}\n{rest}")
    } else {
        format!("id: {id}\n{text}")
    };
    std::fs::remove_file(w.site.path(&old)).unwrap();
    w.site.write(&new, text);
    Some(Edit {
        what: format!("rename {old} to {new}"),
        touched: vec![old, new],
    })
}

pub fn file_deleted(w: &mut World) -> Option<Edit> {
    let mut files = w.documents();
    files.extend(w.metrics());
    let rel = w.rng.pick(&files)?.clone();
    let text = w.site.read(&rel);
    let name = Path::new(&rel)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    // Only what nothing refers to: a deletion that breaks links is the
    // broken-link edit's business.
    if rel.ends_with("_index.md")
        || w.mentioned(&id_of(&rel, &text), &rel)
        || w.mentioned(&name, &rel)
    {
        return None;
    }
    w.site.remove(&rel);
    Some(Edit {
        what: format!("delete {rel}"),
        touched: vec![rel],
    })
}

/// A theme or site template: a marker before a closing tag, or a site
/// override added or removed.
pub fn template(w: &mut World) -> Option<Edit> {
    let n = w.fresh();
    match w.rng.below(4) {
        0 => {
            let rel = "templates/shortcodes/metric.html";
            if w.site.exists(rel) {
                w.site.remove(rel);
            } else {
                w.site.write(rel, format!("{{%- set v = metric_value(id=args.id, period=args.period | default(value=\"\")) -%}}<b data-n=\"{n}\">{{{{ v.value }}}}</b>"));
            }
            Some(Edit {
                what: format!("toggle {rel}"),
                touched: vec![rel.to_string()],
            })
        }
        1 => {
            let rel = "templates/404.html";
            w.site.write(rel, format!("{{% extends \"base.html\" %}}{{% block content %}}<p>没有这一页{n}</p>{{% endblock content %}}"));
            Some(Edit {
                what: format!("write {rel}"),
                touched: vec![rel.to_string()],
            })
        }
        _ => {
            let mut files = w.files("themes/default/templates", &[".html"]);
            files.extend(w.files("templates", &[".html"]));
            const CLOSING: &[&str] = &["</main>", "</article>", "</footer>", "</section>", "</p>"];
            let (rel, text) = w.pick_file(files, |t| CLOSING.iter().any(|c| t.contains(c)))?;
            let present: Vec<&str> = CLOSING
                .iter()
                .copied()
                .filter(|c| text.contains(c))
                .collect();
            let tag = *w.rng.pick(&present).unwrap();
            let text = text.replacen(tag, &format!("<i data-edit=\"{n}\"></i>{tag}"), 1);
            w.rewrite(&rel, text, format!("marker before {tag} in {rel}"))
        }
    }
}

pub fn data(w: &mut World) -> Option<Edit> {
    let n = w.fresh();
    let rel = "data/source.yaml";
    let text = if w.site.exists(rel) {
        w.site.read(rel)
    } else {
        String::new()
    };
    let text = match text.lines().find(|l| l.starts_with("byline: ")) {
        Some(line) if w.rng.percent(50) => text.replacen(line, &format!("byline: 记者{n}"), 1),
        _ => format!("{text}key{n}: 值{n}\n"),
    };
    w.site.write(rel, text);
    Some(Edit {
        what: format!("edit {rel}"),
        touched: vec![rel.to_string()],
    })
}

pub fn site_toml(w: &mut World) -> Option<Edit> {
    let rel = "site.toml";
    let text = w.site.read(rel);
    let n = w.fresh();
    let line = text
        .lines()
        .find(|l| l.starts_with("title = "))?
        .to_string();
    let text = match w.rng.below(2) {
        0 => text.replacen(&line, &format!("title = \"站点{n}\""), 1),
        _ if text.contains("portable_links = false\n") => {
            text.replacen("portable_links = false\n", "", 1)
        }
        _ => text.replacen(&line, &format!("{line}\nportable_links = false"), 1),
    };
    w.rewrite(rel, text, format!("edit {rel}"))
}

pub fn static_file(w: &mut World) -> Option<Edit> {
    let n = w.fresh();
    let rel = "static/extra.css";
    w.site.write(rel, format!(".e{n} {{ color: red }}\n"));
    Some(Edit {
        what: format!("write {rel}"),
        touched: vec![rel.to_string()],
    })
}

/// A link to an id that does not exist: the build fails (the same way as a
/// clean one) and the next step restores the file.
pub fn break_a_link(w: &mut World) -> Option<Edit> {
    let (rel, text) = w.pick_file(w.documents(), |t| split(t).is_some())?;
    let n = w.fresh();
    w.broken = Some((rel.clone(), text.clone()));
    w.rewrite(
        &rel,
        format!("{text}\n见[[不存在{n}]]。\n"),
        format!("break a link in {rel}"),
    )
}
