//! Typed reads of YAML fields, each problem reported at the value's position.

use serde_json::Value;

use super::period::{DATE_FORMS, Period};
use super::yaml::Located;
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::source::{SourceId, Span};

/// Reads the fields of one YAML mapping (front matter, a metric file, or an
/// entry of a list inside it), remembering which keys were used.
pub struct Fields<'a> {
    pub doc: &'a Located,
    map: &'a serde_json::Map<String, Value>,
    /// Path of this mapping inside the document (`""`, `targets.2`).
    prefix: String,
    pub file: SourceId,
    /// Byte offset of the YAML text inside the file.
    pub offset: usize,
    /// The keys read that the mapping holds: a handful, so a list.
    used: Vec<&'a str>,
    pub diags: Vec<Diagnostic>,
}

impl<'a> Fields<'a> {
    pub fn new(
        doc: &'a Located,
        map: &'a serde_json::Map<String, Value>,
        file: SourceId,
        offset: usize,
    ) -> Self {
        Fields::nested(doc, map, String::new(), file, offset)
    }

    pub fn nested(
        doc: &'a Located,
        map: &'a serde_json::Map<String, Value>,
        prefix: String,
        file: SourceId,
        offset: usize,
    ) -> Self {
        Fields {
            doc,
            map,
            prefix,
            file,
            offset,
            used: Vec::new(),
            diags: Vec::new(),
        }
    }

    pub fn path(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    /// Span of the value at `key` (or a sub-path such as `metrics.1`).
    pub fn span(&self, key: &str) -> Span {
        Span::new(self.file, self.doc.spans.value(&self.path(key))).shifted(self.offset)
    }

    pub fn key_span(&self, key: &str) -> Span {
        Span::new(self.file, self.doc.spans.key(&self.path(key))).shifted(self.offset)
    }

    pub fn get(&mut self, key: &str) -> Option<&'a Value> {
        let (key, value) = self.map.get_key_value(key)?;
        self.used.push(key);
        Some(value).filter(|v| !v.is_null())
    }

    fn type_error(&mut self, key: &str, expected: &str, v: &Value) {
        self.diags.push(
            Diagnostic::error(
                Code::BadField,
                format!("`{key}` must be {expected}, found {}", describe(v)),
            )
            .at(self.span(key))
            .label(format!("expected {expected}")),
        );
    }

    /// A scalar as text: strings, and numbers or booleans written as such.
    pub fn string(&mut self, key: &str) -> Option<String> {
        let v = self.get(key)?;
        match scalar_text(v) {
            Some(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
            None => {
                self.type_error(key, "a text", v);
                None
            }
        }
    }

    /// One scalar or a list of scalars, each with its span.
    pub fn strings(&mut self, key: &str) -> Vec<(String, Span)> {
        let Some(v) = self.get(key) else {
            return Vec::new();
        };
        match v {
            Value::Array(items) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let sub = format!("{key}.{i}");
                    match scalar_text(item) {
                        Some(s) if !s.trim().is_empty() => {
                            out.push((s.trim().to_string(), self.span(&sub)))
                        }
                        Some(_) => {}
                        None => self.type_error(&sub, "a text", item),
                    }
                }
                out
            }
            _ => match scalar_text(v) {
                Some(s) if !s.trim().is_empty() => vec![(s.trim().to_string(), self.span(key))],
                Some(_) => Vec::new(),
                None => {
                    self.type_error(key, "a text or a list of texts", v);
                    Vec::new()
                }
            },
        }
    }

    pub fn bool(&mut self, key: &str) -> bool {
        match self.get(key) {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(v) => {
                self.type_error(key, "true or false", v);
                false
            }
        }
    }

    pub fn integer(&mut self, key: &str) -> Option<i64> {
        let v = self.get(key)?;
        match v.as_i64() {
            Some(i) => Some(i),
            None => {
                self.type_error(key, "a whole number", v);
                None
            }
        }
    }

    pub fn date(&mut self, key: &str) -> Option<Period> {
        let text = self.string(key)?;
        match Period::parse_date(&text) {
            Some(p) => Some(p),
            None => {
                self.diags.push(
                    Diagnostic::error(Code::BadDate, format!("`{key}`: `{text}` is not a date"))
                        .at(self.span(key))
                        .label("not a date")
                        .hint(format!(
                            "write a date as {DATE_FORMS}, e.g. 2024 or 2024-05-14"
                        )),
                );
                None
            }
        }
    }

    /// One of a fixed set of words, e.g. a status.
    pub fn choice(&mut self, key: &str, allowed: &[&'static str]) -> Option<&'static str> {
        let text = self.string(key)?;
        if let Some(found) = allowed.iter().find(|a| **a == text) {
            return Some(found);
        }
        self.diags.push(
            Diagnostic::error(Code::BadField, format!("`{key}`: `{text}` is not allowed"))
                .at(self.span(key))
                .label(format!("one of: {}", allowed.join(", ")))
                .maybe_hint(did_you_mean(&text, allowed.iter().copied()))
                .hint_if_none(&format!("use one of: {}", allowed.join(", "))),
        );
        None
    }

    pub fn map(&mut self, key: &str) -> Option<&'a serde_json::Map<String, Value>> {
        let v = self.get(key)?;
        match v {
            Value::Object(m) => Some(m),
            _ => {
                self.type_error(key, "a mapping (key: value lines)", v);
                None
            }
        }
    }

    pub fn list(&mut self, key: &str) -> &'a [Value] {
        match self.get(key) {
            None => &[],
            Some(Value::Array(items)) => items,
            Some(v) => {
                self.type_error(key, "a list", v);
                &[]
            }
        }
    }

    /// Keys not read: warned about (with a did-you-mean against `known`) and
    /// returned so templates still see them.
    pub fn unknown(&mut self, known: &[&str], what: &str) -> serde_json::Map<String, Value> {
        let mut extra = serde_json::Map::new();
        for (k, v) in self.map {
            if self.used.contains(&k.as_str()) || known.contains(&k.as_str()) {
                continue;
            }
            self.diags.push(
                Diagnostic::warning(Code::UnknownKey, format!("unknown key `{k}` in {what}"))
                    .at(self.key_span(k))
                    .label("kept for templates as page.extra")
                    .maybe_hint(did_you_mean(k, known.iter().copied()))
                    .hint_if_none("put custom fields under `extra:` to silence this warning"),
            );
            extra.insert(k.clone(), v.clone());
        }
        extra
    }
}

pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "a text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}
