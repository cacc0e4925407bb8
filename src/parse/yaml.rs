//! The one module that talks to the YAML library.
//!
//! The YAML library gives values but no positions, so beside the value tree we
//! keep a [`SpanIndex`]: a light scan of the block structure that maps each key
//! path (`targets.2.set_by`) to the byte ranges of its key and value. It covers
//! the block and flow forms editors write in front matter and metric files; a
//! path it cannot place falls back to its nearest placed ancestor, so a
//! diagnostic is never without a line.

use std::ops::Range;

use serde_json::Value;

/// A parsed YAML document: its value (as a neutral JSON tree) and where things are.
#[derive(Debug)]
pub struct Located {
    pub value: Value,
    pub spans: SpanIndex,
}

/// A YAML syntax error with its byte offset in the parsed text.
#[derive(Debug)]
pub struct YamlError {
    pub message: String,
    pub offset: usize,
}

/// Parses a YAML document. An empty document is an empty mapping.
pub fn parse(text: &str) -> Result<Located, YamlError> {
    Ok(Located {
        value: parse_data(text)?,
        spans: SpanIndex::scan(text),
    })
}

/// Parses free data (`data/**.yaml`) without building a span index.
pub fn parse_data(text: &str) -> Result<Value, YamlError> {
    let value: serde_yaml::Value = if text.trim().is_empty() {
        serde_yaml::Value::Mapping(Default::default())
    } else {
        serde_yaml::from_str(text).map_err(|e| YamlError {
            offset: e
                .location()
                .map(|l| offset_of(text, l.line(), l.column()))
                .unwrap_or(0),
            message: strip_position(&e.to_string()),
        })?
    };
    to_json(value).map_err(|message| YamlError { message, offset: 0 })
}

/// The YAML library appends " at line X column Y"; we print our own position.
fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = &text[line_start.min(text.len())..];
    line_start
        + rest
            .char_indices()
            .nth(column.saturating_sub(1))
            .map(|(i, _)| i)
            .unwrap_or(rest.len())
}

fn to_json(v: serde_yaml::Value) -> Result<Value, String> {
    use serde_yaml::Value as Y;
    Ok(match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                serde_json::Number::from_f64(n.as_f64().unwrap_or(f64::NAN))
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => {
            Value::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?)
        }
        Y::Mapping(m) => {
            let mut out = serde_json::Map::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => return Err(format!("unsupported mapping key {other:?}")),
                };
                out.insert(key, to_json(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(t) => to_json(t.value)?,
    })
}

/// Key and value ranges of one path.
#[derive(Debug, Clone, Default)]
pub struct Place {
    pub key: Option<Range<usize>>,
    pub value: Option<Range<usize>>,
}

/// Path (`a.b.0.c`) -> place in the text.
#[derive(Debug, Default)]
pub struct SpanIndex {
    places: crate::hash::Map<String, Place>,
}

impl SpanIndex {
    /// The value's range, or the closest placed ancestor's.
    pub fn value(&self, path: &str) -> Range<usize> {
        let mut p = path;
        loop {
            if let Some(place) = self.places.get(p)
                && let Some(r) = place.value.clone().or_else(|| place.key.clone())
            {
                return r;
            }
            match p.rfind('.') {
                Some(i) => p = &p[..i],
                None => return 0..0,
            }
        }
    }

    /// The key's range (falls back like [`SpanIndex::value`]).
    pub fn key(&self, path: &str) -> Range<usize> {
        match self.places.get(path).and_then(|p| p.key.clone()) {
            Some(r) => r,
            None => self.value(path),
        }
    }

    fn set_key(&mut self, path: &str, r: Range<usize>) {
        self.at(path).key = Some(r);
    }

    fn set_value(&mut self, path: &str, r: Range<usize>) {
        self.at(path).value = Some(r);
    }

    /// The place of `path`, made empty if new (its path copied only then:
    /// a value's path is set after its key's).
    fn at(&mut self, path: &str) -> &mut Place {
        if !self.places.contains_key(path) {
            self.places.insert(path.to_string(), Place::default());
        }
        self.places.get_mut(path).expect("just inserted")
    }

    /// Records the place of a path (for trees not scanned from YAML text).
    pub fn place(&mut self, path: &str, key: Option<Range<usize>>, value: Option<Range<usize>>) {
        self.places.insert(path.to_string(), Place { key, value });
    }

    /// Makes `to` (and everything under it) point where `from` does: a key
    /// renamed after parsing keeps its place.
    pub fn alias(&mut self, from: &str, to: &str) {
        let prefix = format!("{from}.");
        let moved: Vec<(String, Place)> = self
            .places
            .iter()
            .filter_map(|(p, place)| {
                let rest = if p == from {
                    ""
                } else {
                    p.strip_prefix(&prefix)?
                };
                let new = if rest.is_empty() {
                    to.to_string()
                } else {
                    format!("{to}.{rest}")
                };
                Some((new, place.clone()))
            })
            .collect();
        self.places.extend(moved);
    }

    pub fn scan(text: &str) -> SpanIndex {
        Scanner::default().run(text)
    }
}

/// A container whose entries we are reading.
#[derive(Debug)]
struct Frame {
    path: String,
    /// Column of its entries; `None` until its first entry is seen.
    indent: Option<usize>,
    /// Column of the line that opened it (entries must be deeper, or equal for `- `).
    parent_indent: usize,
    next_index: usize,
}

#[derive(Default)]
struct Scanner {
    index: SpanIndex,
    stack: Vec<Frame>,
    /// Inside a block scalar (`|`/`>`): lines indented deeper than this belong to it.
    block_scalar: Option<(usize, String)>,
}

impl Scanner {
    fn run(mut self, text: &str) -> SpanIndex {
        self.stack.push(Frame {
            path: String::new(),
            indent: None,
            parent_indent: 0,
            next_index: 0,
        });
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            let content = line.trim_end_matches(['\n', '\r']);
            let indent = content.len() - content.trim_start_matches(' ').len();
            let rest = &content[indent..];
            if let Some((min, path)) = &self.block_scalar {
                if rest.is_empty() || indent > *min {
                    let path = path.clone();
                    self.extend_value(&path, start + indent, start + content.len());
                    continue;
                }
                self.block_scalar = None;
            }
            if rest.is_empty() || rest.starts_with('#') || rest == "---" || rest == "..." {
                continue;
            }
            self.line(start + indent, indent, rest);
        }
        self.index
    }

    fn extend_value(&mut self, path: &str, from: usize, to: usize) {
        let place = self.index.at(path);
        place.value = Some(match place.value.clone() {
            Some(r) if r.start < r.end => r.start..to,
            _ => from..to,
        });
    }

    /// One non-blank line: `pos` is the byte offset of its first non-space char.
    fn line(&mut self, pos: usize, indent: usize, rest: &str) {
        let is_item = rest == "-" || rest.starts_with("- ");
        loop {
            let top = self.stack.last().expect("root frame");
            match top.indent {
                Some(i) if i > indent => {}
                Some(i) if i == indent => break,
                Some(_) => return, // a continuation line of a multi-line scalar
                None if indent > top.parent_indent || (is_item && indent == top.parent_indent) => {
                    self.stack.last_mut().unwrap().indent = Some(indent);
                    break;
                }
                None if self.stack.len() == 1 => {
                    self.stack[0].indent = Some(indent);
                    break;
                }
                None => {}
            }
            if self.stack.len() == 1 {
                return;
            }
            self.stack.pop();
        }
        self.entry(pos, indent, rest);
    }

    fn entry(&mut self, pos: usize, indent: usize, rest: &str) {
        let frame = self.stack.last_mut().unwrap();
        if rest == "-" || rest.starts_with("- ") {
            let path = join(&frame.path, &frame.next_index.to_string());
            frame.next_index += 1;
            let after = rest[1..].trim_start_matches(' ');
            let col = indent + (rest.len() - after.len());
            let item_pos = pos + (rest.len() - after.len());
            if after.is_empty() {
                self.push(path, indent);
            } else if split_key(after).is_some() {
                self.index
                    .set_value(&path, item_pos..item_pos + after.len());
                self.stack.push(Frame {
                    path,
                    indent: Some(col),
                    parent_indent: indent,
                    next_index: 0,
                });
                self.entry(item_pos, col, after);
            } else {
                self.scalar_or_flow(&path, item_pos, after, indent);
            }
        } else if let Some((key, key_len, value_at)) = split_key(rest) {
            let path = join(&frame.path, &key);
            self.index.set_key(&path, pos..pos + key_len);
            let value = rest[value_at..].trim_start_matches(' ');
            let value_pos = pos + rest.len() - value.len();
            if value.is_empty() || value.starts_with('#') {
                self.push(path, indent);
            } else {
                self.scalar_or_flow(&path, value_pos, value, indent);
            }
        }
    }

    fn push(&mut self, path: String, indent: usize) {
        self.stack.push(Frame {
            path,
            indent: None,
            parent_indent: indent,
            next_index: 0,
        });
    }

    fn scalar_or_flow(&mut self, path: &str, pos: usize, value: &str, indent: usize) {
        let value = strip_comment(value);
        if value.starts_with('|') || value.starts_with('>') {
            self.block_scalar = Some((indent, path.to_string()));
            self.index.set_value(path, pos..pos + value.len());
            return;
        }
        self.index.set_value(path, pos..pos + value.len());
        if value.starts_with('[') || value.starts_with('{') {
            flow(&mut self.index, path, pos, value);
        }
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// `key: value` -> (unquoted key, key length in bytes, offset of the value).
fn split_key(s: &str) -> Option<(String, usize, usize)> {
    if let Some(q) = s.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let end = s[1..].find(q)? + 1;
        let after = &s[end + 1..];
        let after_trim = after.trim_start_matches(' ');
        if !after_trim.starts_with(':') {
            return None;
        }
        let colon = end + 1 + (after.len() - after_trim.len());
        return Some((s[1..end].to_string(), end + 1, colon + 1));
    }
    if s.starts_with(['[', '{', '#', '&', '*', '!', '|', '>']) {
        return None;
    }
    let bytes = s.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b':' && (i + 1 == bytes.len() || bytes[i + 1] == b' ') {
            let key = s[..i].trim_end();
            return (!key.is_empty()).then(|| (key.to_string(), key.len(), i + 1));
        }
        if *b == b' ' && bytes.get(i + 1) == Some(&b'#') {
            return None;
        }
    }
    None
}

fn strip_comment(value: &str) -> &str {
    let mut quote = None;
    for (i, c) in value.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if i > 0 && value[..i].ends_with(' ') => return value[..i].trim_end(),
            _ => {}
        }
    }
    value.trim_end()
}

/// Places the items of a one-line flow collection: `[a, "b"]` or `{k: v}`.
fn flow(index: &mut SpanIndex, path: &str, pos: usize, value: &str) {
    let inner_start = 1;
    let Some(inner_end) = value.rfind([']', '}']) else {
        return;
    };
    let is_map = value.starts_with('{');
    let mut item_start = inner_start;
    let mut depth = 0;
    let mut quote = None;
    let mut n = 0;
    let mut place = |from: usize, to: usize, n: &mut usize| {
        let raw = &value[from..to];
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return;
        }
        let lead = raw.len() - raw.trim_start().len();
        let at = pos + from + lead;
        if is_map {
            if let Some((k, klen, vat)) = split_key(trimmed) {
                let p = join(path, &k);
                index.set_key(&p, at..at + klen);
                let v = trimmed[vat..].trim_start();
                let vpos = at + trimmed.len() - v.len();
                index.set_value(&p, vpos..vpos + v.len());
            }
        } else {
            index.set_value(&join(path, &n.to_string()), at..at + trimmed.len());
            *n += 1;
        }
    };
    for (i, c) in value.char_indices().take_while(|(i, _)| *i < inner_end) {
        if i < inner_start {
            continue;
        }
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                place(item_start, i, &mut n);
                item_start = i + 1;
            }
            _ => {}
        }
    }
    place(item_start, inner_end, &mut n);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, r: Range<usize>) -> &str {
        &text[r]
    }

    #[test]
    fn places_block_and_flow_values() {
        let t = "title: 标题\npolicy: [甲, \"乙\"]\nmetrics:\n  - 指标一\n  - 指标二 # note\ntargets:\n- period: \"2025\"\n  value: 6000\n  set_by: 方案\n- period: 2025-Q1\n  value: 1100\n";
        let doc = parse(t).unwrap();
        let s = &doc.spans;
        assert_eq!(at(t, s.value("title")), "标题");
        assert_eq!(at(t, s.key("targets")), "targets");
        assert_eq!(at(t, s.value("policy.1")), "\"乙\"");
        assert_eq!(at(t, s.value("metrics.1")), "指标二");
        assert_eq!(at(t, s.value("targets.0.set_by")), "方案");
        assert_eq!(at(t, s.value("targets.1.period")), "2025-Q1");
        assert_eq!(at(t, s.value("targets.1.value")), "1100");
        // Unknown paths fall back to the nearest ancestor.
        assert_eq!(at(t, s.value("targets.1.nothing")), "period: 2025-Q1");
    }

    #[test]
    fn nested_maps_and_block_scalars() {
        let t = "description: |\n  第一行\n  第二行\ncompare:\n  全国:\n    - period: \"2024\"\n      value: 5.8\nextra: {a: 1, b: x}\n";
        let doc = parse(t).unwrap();
        let s = &doc.spans;
        assert_eq!(at(t, s.value("compare.全国.0.value")), "5.8");
        assert_eq!(at(t, s.value("extra.b")), "x");
        assert!(at(t, s.value("description")).contains("第二行"));
    }

    #[test]
    fn syntax_error_has_offset() {
        let t = "title: a\nbad: [1, 2\n";
        let e = parse(t).unwrap_err();
        assert!(e.offset >= t.find("bad").unwrap(), "{e:?}");
    }
}
