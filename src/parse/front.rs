//! Front matter: YAML between `---` lines or TOML between `+++` lines (as
//! Zola and Hugo write it), parsed to one value tree with positions, and the
//! keys other generators use mapped onto ours.

use serde_json::Value;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::entity::Kind;
use super::yaml::{self, Located, SpanIndex, YamlError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Toml,
}

impl Format {
    pub fn fence(self) -> &'static str {
        match self {
            Format::Yaml => "---",
            Format::Toml => "+++",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Yaml => "YAML",
            Format::Toml => "TOML",
        }
    }
}

/// Where the front matter and the body are in a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrontMatter<'a> {
    pub format: Format,
    /// The text between the fences.
    pub text: &'a str,
    /// Byte offset of `text` in the document.
    pub text_offset: usize,
    /// Byte offset of the body (after the closing fence).
    pub body_offset: usize,
}

/// Splits front matter from a document. `Ok(None)` when there is none;
/// `Err(offset)` of the opening fence when it is never closed.
pub fn split(text: &str) -> Result<Option<FrontMatter<'_>>, usize> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = &text[start..];
    let first_line_end = rest.find('\n').map(|i| i + 1).unwrap_or(rest.len());
    let format = match rest[..first_line_end].trim_end() {
        "---" => Format::Yaml,
        "+++" => Format::Toml,
        _ => return Ok(None),
    };
    let text_offset = start + first_line_end;
    let mut pos = text_offset;
    for line in text[text_offset..].split_inclusive('\n') {
        let t = line.trim_end();
        if t == format.fence() || (format == Format::Yaml && t == "...") {
            return Ok(Some(FrontMatter {
                format,
                text: &text[text_offset..pos],
                text_offset,
                body_offset: pos + line.len(),
            }));
        }
        pos += line.len();
    }
    Err(start)
}

/// Parses the front matter to a value tree with the place of every key.
pub fn parse(fm: &FrontMatter) -> Result<Located, YamlError> {
    match fm.format {
        Format::Yaml => yaml::parse(fm.text),
        Format::Toml => parse_toml(fm.text),
    }
}

fn parse_toml(text: &str) -> Result<Located, YamlError> {
    let table = DeTable::parse(text).map_err(|e| YamlError {
        offset: e.span().map(|s| s.start).unwrap_or(0),
        message: e.message().to_string(),
    })?;
    let mut spans = SpanIndex::default();
    let value = toml_table(table.get_ref(), "", &mut spans);
    Ok(Located { value, spans })
}

fn toml_table(table: &DeTable, path: &str, spans: &mut SpanIndex) -> Value {
    let mut out = serde_json::Map::new();
    for (key, value) in table {
        let p = join(path, key.get_ref());
        spans.place(&p, Some(key.span()), Some(value.span()));
        out.insert(key.get_ref().to_string(), toml_value(value, &p, spans));
    }
    Value::Object(out)
}

fn toml_value(value: &Spanned<DeValue>, path: &str, spans: &mut SpanIndex) -> Value {
    match value.get_ref() {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(i.as_str().to_string())),
        DeValue::Float(f) => f
            .as_str()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(f.as_str().to_string())),
        DeValue::Boolean(b) => Value::Bool(*b),
        // Dates are text to us, as in YAML (`2024-05-14`).
        DeValue::Datetime(d) => Value::String(d.to_string()),
        DeValue::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let p = join(path, &i.to_string());
                    spans.place(&p, None, Some(item.span()));
                    toml_value(item, &p, spans)
                })
                .collect(),
        ),
        DeValue::Table(t) => toml_table(t, path, spans),
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Keys of Hugo, Zola and Jekyll that mean what one of ours means: (theirs,
/// ours, kinds it applies to; empty for all).
const SAME_MEANING: &[(&str, &str, &[Kind])] = &[
    ("description", "summary", &[]),
    ("date", "issued", &[Kind::Policy]),
    ("lastmod", "updated", &[]),
    ("last_modified_at", "updated", &[]),
    ("categories", "tags", &[]),
];

/// Keys other generators write that have no meaning here: kept for templates
/// (`page.extra`) without a warning.
pub const FOREIGN_KEYS: &[&str] = &[
    "date",
    "author",
    "authors",
    "layout",
    "type",
    "template",
    "keywords",
    "images",
    "toc",
    "comments",
    "math",
    "series",
    "linkTitle",
    "publishDate",
    "expiryDate",
    "permalink",
    "url",
    "path",
    "render",
    "in_search_index",
    "page_template",
    "sort_by",
    "paginate_by",
    "insert_anchor_links",
    "transparent",
    "redirect_to",
    "excerpt",
    "headless",
    "sitemap",
    "cascade",
    "outputs",
    "resources",
    "markup",
    "isCJKLanguage",
    "menu",
    "menus",
];

/// Rewrites the keys of other generators onto ours, keeping their places:
/// `description` → `summary`, `date` → `issued` (policies; the time of day is
/// dropped), `lastmod` → `updated`, `categories` and Zola's `taxonomies.tags`
/// → `tags`, Jekyll's `published: false` → `draft: true`. A key of ours that
/// is already there wins.
pub fn map_foreign_keys(doc: &mut Located, kind: Kind) {
    let Value::Object(map) = &mut doc.value else {
        return;
    };
    if let Some(Value::Object(tax)) = map.get("taxonomies").cloned() {
        for (name, terms) in tax {
            let from = format!("taxonomies.{name}");
            merge_list(
                map,
                &mut doc.spans,
                &from,
                terms,
                if name == "categories" { "tags" } else { &name },
            );
        }
        map.remove("taxonomies");
    }
    if let Some(Value::Bool(published)) = map.get("published") {
        let draft = !published;
        map.remove("published");
        if !map.contains_key("draft") {
            map.insert("draft".into(), Value::Bool(draft));
            doc.spans.alias("published", "draft");
        }
    }
    for (theirs, ours, kinds) in SAME_MEANING {
        if !kinds.is_empty() && !kinds.contains(&kind) {
            continue;
        }
        let Some(value) = map.remove(*theirs) else {
            continue;
        };
        if *ours == "tags" {
            merge_list(map, &mut doc.spans, theirs, value, ours);
            continue;
        }
        let value = if matches!(*ours, "issued" | "updated") {
            date_part(value)
        } else {
            value
        };
        if map.contains_key(*ours) {
            // Ours wins; theirs stays visible to templates.
            map.insert((*theirs).to_string(), value);
            continue;
        }
        map.insert((*ours).to_string(), value);
        doc.spans.alias(theirs, ours);
    }
}

/// Appends the terms at `from` to the list at `to` (creating it).
fn merge_list(
    map: &mut serde_json::Map<String, Value>,
    spans: &mut SpanIndex,
    from: &str,
    terms: Value,
    to: &str,
) {
    let terms = match terms {
        Value::Array(items) => items,
        Value::Null => return,
        other => vec![other],
    };
    let list = map
        .entry(to.to_string())
        .or_insert_with(|| Value::Array(Vec::new()));
    if !list.is_array() {
        *list = Value::Array(vec![list.take()]);
    }
    let Value::Array(list) = list else { return };
    for (i, term) in terms.into_iter().enumerate() {
        if !list.contains(&term) {
            spans.alias(&format!("{from}.{i}"), &format!("{to}.{}", list.len()));
            list.push(term);
        }
    }
}

/// `2019-06-27T10:00:00+08:00` and `2019-06-27 10:00:00 +0800` are the day
/// `2019-06-27`: a policy is issued on a day.
fn date_part(value: Value) -> Value {
    match value {
        Value::String(s) => {
            let day = s
                .split(['T', ' ', 't'])
                .next()
                .unwrap_or(&s)
                .trim()
                .to_string();
            Value::String(day)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_yaml_and_toml() {
        let t = "---\ntitle: a\n---\nbody";
        let fm = split(t).unwrap().unwrap();
        assert_eq!(
            (fm.format, fm.text, &t[fm.body_offset..]),
            (Format::Yaml, "title: a\n", "body")
        );
        let t = "+++\ntitle = \"a\"\n+++\nbody";
        let fm = split(t).unwrap().unwrap();
        assert_eq!(
            (fm.format, fm.text_offset, &t[fm.body_offset..]),
            (Format::Toml, 4, "body")
        );
        assert_eq!(split("# x\n").unwrap(), None);
        assert!(split("---\ntitle: a\n").is_err());
        assert!(split("+++\ntitle = 1\n---\n").is_err());
    }

    #[test]
    fn toml_values_have_places() {
        let t = "title = \"标题\"\ndate = 2019-06-27T10:00:00+08:00\ntags = [\"a\", \"b\"]\n[extra]\nn = 3\n";
        let doc = parse_toml(t).unwrap();
        assert_eq!(doc.value["date"], "2019-06-27T10:00:00+08:00");
        assert_eq!(doc.value["extra"]["n"], 3);
        assert_eq!(&t[doc.spans.value("tags.1")], "\"b\"");
        assert_eq!(&t[doc.spans.key("extra.n")], "n");
    }

    #[test]
    fn maps_other_generators_keys() {
        let t = "title = \"t\"\ndescription = \"摘要\"\ndate = 2019-06-27T10:00:00+08:00\ncategories = [\"法律\"]\ntags = [\"刑法\"]\n[taxonomies]\ntags = [\"证券\"]\n";
        let mut doc = parse_toml(t).unwrap();
        map_foreign_keys(&mut doc, Kind::Policy);
        assert_eq!(doc.value["summary"], "摘要");
        assert_eq!(doc.value["issued"], "2019-06-27");
        assert_eq!(
            doc.value["tags"],
            serde_json::json!(["刑法", "证券", "法律"])
        );
        assert_eq!(&t[doc.spans.value("issued")], "2019-06-27T10:00:00+08:00");
        assert_eq!(&t[doc.spans.value("tags.2")], "\"法律\"");
        let mut page = yaml::parse("date: 2020-01-01\npublished: false\n").unwrap();
        map_foreign_keys(&mut page, Kind::Page);
        assert_eq!(page.value["date"], "2020-01-01");
        assert_eq!(page.value["draft"], true);
    }
}
