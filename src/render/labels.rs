//! `search/labels.js`: the words search.js writes (kinds, statuses, facet
//! names, result counts), from the theme's UI strings. One file for the
//! whole site instead of a copy in every page; it loads the way the index
//! files do, as a script calling `__pinakesSearch("labels", {...})`, so it
//! works on any static host and from `file://`.

use std::collections::BTreeMap;

use crate::load::Loaded;
use crate::output::{Contents, OutputFile};

/// Where the file goes, relative to the output root.
pub const LABELS_FILE: &str = "search/labels.js";

/// The labels file of the site's language. Invalid UI strings give an empty
/// set (the render stage reports them).
pub fn file(loaded: &Loaded) -> OutputFile {
    let table = loaded
        .i18n
        .and_then(|id| toml::from_str::<toml::Table>(loaded.sources.text(id)).ok())
        .unwrap_or_default();
    let json = serde_json::to_string(&labels(&table)).unwrap_or_default();
    OutputFile {
        path: LABELS_FILE.into(),
        contents: Contents::Bytes(format!("__pinakesSearch(\"labels\",{json});\n").into_bytes()),
    }
}

/// `kind.<kind>`, `status.<status>`, `facet.<field>` and `search.<key>`.
fn labels(t: &toml::Table) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let strings = |name: &str| {
        t.get(name)
            .and_then(toml::Value::as_table)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect::<Vec<_>>()
    };
    for table in ["kind", "status", "search"] {
        for (k, v) in strings(table) {
            out.insert(format!("{table}.{k}"), v);
        }
    }
    for (facet, key) in [
        ("kind", "kind_label"),
        ("status", "status_label"),
        ("issuer", "issuer"),
        ("tags", "tags"),
    ] {
        if let Some(v) = t.get(key).and_then(toml::Value::as_str) {
            out.insert(format!("facet.{facet}"), v.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_take_the_tables_and_the_facet_names() {
        let t: toml::Table = toml::from_str(
            "kind_label = \"类型\"\ntags = \"标签\"\n[kind]\npolicy = \"政策\"\n[search]\ncount = \"找到 {n} 条结果\"\n",
        )
        .unwrap();
        let l = labels(&t);
        assert_eq!(l["kind.policy"], "政策");
        assert_eq!(l["facet.kind"], "类型");
        assert_eq!(l["facet.tags"], "标签");
        assert_eq!(l["search.count"], "找到 {n} 条结果");
        assert!(!l.contains_key("facet.issuer"));
    }
}
