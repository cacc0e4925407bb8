//! What a template uses, found by scanning its text: the templates it
//! reaches (extends, include, import) and the global values it mentions.
//! Tera reads both out of the page recorder's sight: what a template's
//! functions read is recorded as they run (see `crate::render::reads`).

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};

use crate::hash::{self, Map};
use crate::load::Loaded;

/// What a page template uses: the templates it reaches and the globals
/// their text mentions. Found by scanning the text, so a mention in a
/// comment counts too — it only costs a needless re-render.
pub(super) struct TemplateUse {
    /// Hash of the text of every template reached.
    pub(super) hash: u64,
    /// `None`: all globals.
    globals: Option<BTreeSet<String>>,
}

impl TemplateUse {
    /// The hash of every template's name and text: the scan of the last
    /// build holds while it does.
    pub(super) fn key(loaded: &Loaded) -> u64 {
        let mut h = hash::hasher();
        for t in &loaded.templates {
            (t.name.as_str(), loaded.sources.text(t.source)).hash(&mut h);
        }
        h.finish()
    }

    pub(super) fn all(loaded: &Loaded) -> Map<String, TemplateUse> {
        let texts: BTreeMap<&str, &str> = loaded
            .templates
            .iter()
            .map(|t| (t.name.as_str(), loaded.sources.text(t.source)))
            .collect();
        texts
            .keys()
            .map(|&name| (name.to_string(), TemplateUse::of(name, &texts)))
            .collect()
    }

    fn of(name: &str, texts: &BTreeMap<&str, &str>) -> TemplateUse {
        // The templates reached from `name`; all of them if a name is computed.
        let mut reached: BTreeSet<&str> = BTreeSet::new();
        let mut todo = vec![name];
        let mut dynamic = false;
        while let Some(n) = todo.pop() {
            if !reached.insert(n) {
                continue;
            }
            let Some(text) = texts.get(n) else { continue };
            for r in referenced_templates(text) {
                match r {
                    Some(r) => todo.push(texts.get_key_value(r).map(|(k, _)| *k).unwrap_or(n)),
                    None => dynamic = true,
                }
            }
        }
        if dynamic {
            reached = texts.keys().copied().collect();
        }
        let mut h = hash::hasher();
        let mut globals = Some(BTreeSet::new());
        for n in &reached {
            let text = texts.get(n).copied().unwrap_or("");
            (n, text).hash(&mut h);
            scan_globals(text, &mut globals);
        }
        TemplateUse {
            hash: h.finish(),
            globals,
        }
    }

    /// The global parts the template mentions (`site` for all of `site`).
    pub(super) fn parts(&self) -> Vec<String> {
        match &self.globals {
            None => all_parts(),
            Some(used) => used.iter().cloned().collect(),
        }
    }
}

/// Every global part, `site` standing for all of `site`.
pub(super) fn all_parts() -> Vec<String> {
    ["config", "data", "t", "site"].map(String::from).into()
}

/// Names after `extends`, `include` and `import`; `None` for a computed name.
fn referenced_templates(text: &str) -> Vec<Option<&str>> {
    let mut out = Vec::new();
    for tag in text.split("{%").skip(1) {
        let tag = tag.trim_start_matches('-').trim_start();
        let Some(rest) = ["extends", "include", "import"]
            .iter()
            .find_map(|k| tag.strip_prefix(k))
        else {
            continue;
        };
        let rest = rest.trim_start();
        let quote = rest
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '\'' | '`'));
        out.push(quote.and_then(|q| rest[1..].split(q).next()));
    }
    out
}

/// Adds the globals a template's text mentions: `config`, `data`, `t`, and
/// `site.<key>` (all of `site` when it is used without a key).
fn scan_globals(text: &str, globals: &mut Option<BTreeSet<String>>) {
    for code in template_code(text) {
        scan_code(code, globals);
    }
}

/// The parts of a template between `{{ }}` and `{% %}`: only they can name
/// a variable (the markup around them says `site-header`, not `site`).
fn template_code(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let start = rest.find(['{'])?;
        let after = &rest[start..];
        let end_mark = match after.get(..2) {
            Some("{{") => "}}",
            Some("{%") => "%}",
            _ => {
                rest = &after[1..];
                return Some("");
            }
        };
        let end = after.find(end_mark).map(|e| e + 2).unwrap_or(after.len());
        let code = &after[2..end.max(2)];
        rest = &after[end..];
        Some(code)
    })
}

fn scan_code(text: &str, globals: &mut Option<BTreeSet<String>>) {
    let Some(set) = globals else { return };
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    for word in ["config", "data", "t"] {
        if text.match_indices(word).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + word.len()..].chars().next();
            !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
        }) {
            set.insert(word.to_string());
        }
    }
    for (i, _) in text.match_indices("site") {
        let before = text[..i].chars().next_back();
        let rest = &text[i + 4..];
        if before.is_some_and(is_ident) || rest.chars().next().is_some_and(is_ident) {
            continue;
        }
        let key: String = rest
            .strip_prefix('.')
            .map(|r| r.chars().take_while(|&c| is_ident(c)).collect())
            .unwrap_or_default();
        if key.is_empty() {
            *globals = None;
            return;
        }
        set.insert(format!("site.{key}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_referenced_templates() {
        let t = r#"{% extends "base.html" %}{%- include 'partials/a.html' %}{% include name %}"#;
        assert_eq!(
            referenced_templates(t),
            vec![Some("base.html"), Some("partials/a.html"), None]
        );
    }

    #[test]
    fn scans_globals_by_key() {
        let mut g = Some(BTreeSet::new());
        scan_globals(
            "{{ site.title }} {% for p in site.policies %}{{ t.x }}",
            &mut g,
        );
        let g = g.unwrap();
        assert!(g.contains("site.title") && g.contains("site.policies") && g.contains("t"));
        assert!(!g.contains("data") && !g.contains("config"));
        let mut all = Some(BTreeSet::new());
        scan_globals("{% set s = site %}", &mut all);
        assert!(all.is_none(), "site without a key means all of it");
        let mut none = Some(BTreeSet::new());
        scan_globals("website data_x", &mut none);
        assert!(none.unwrap().is_empty());
    }
}
