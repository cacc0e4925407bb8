//! Shortcodes in Markdown prose: `{{ metric(id="增速", period="2024") }}`.
//!
//! A shortcode is `{{ name(key="value", …) }}` in ordinary text; in inline
//! code or a code block it is text like any other. The parse stage records
//! each call with its span and leaves a placeholder ([`crate::placeholder`])
//! in the HTML; the link stage checks names, metric ids
//! and periods; the render stage fills the placeholders in through the
//! templates `shortcodes/<name>.html`.

use crate::source::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct Shortcode {
    pub name: String,
    /// Arguments in the order written.
    pub args: Vec<(String, String)>,
    /// The whole `{{ … }}`.
    pub span: Span,
    /// Written alone in its paragraph: rendered as a block, not inline.
    pub block: bool,
}

impl Shortcode {
    pub fn arg(&self, key: &str) -> Option<&str> {
        self.args
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The shortcodes pinakes knows. Their output comes from the theme's
/// templates `shortcodes/<name>.html`; what they take is declared here, and
/// the link stage checks every call against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    /// `{{ metric(id="…", period="…") }}`: one value of a metric, in a sentence.
    Metric,
    /// `{{ chart(id="…") }}`: a metric's chart, as a figure of its own.
    Chart,
}

/// One argument of a built-in shortcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arg {
    pub name: &'static str,
    pub required: bool,
    pub ty: ArgType,
}

/// What an argument's value must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    /// The id of a metric.
    MetricId,
    /// A period the metric (named by the `MetricId` argument) has a value
    /// for; without it, the latest value, so the metric needs one.
    Period,
}

impl Builtin {
    pub const ALL: [Builtin; 2] = [Builtin::Metric, Builtin::Chart];

    pub fn name(self) -> &'static str {
        match self {
            Builtin::Metric => "metric",
            Builtin::Chart => "chart",
        }
    }

    pub fn of(name: &str) -> Option<Builtin> {
        Builtin::ALL.into_iter().find(|b| b.name() == name)
    }

    /// The arguments it takes, in the order they are usually written.
    pub fn args(self) -> &'static [Arg] {
        const ID: Arg = Arg {
            name: "id",
            required: true,
            ty: ArgType::MetricId,
        };
        match self {
            Builtin::Metric => &[
                ID,
                Arg {
                    name: "period",
                    required: false,
                    ty: ArgType::Period,
                },
            ],
            Builtin::Chart => &[ID],
        }
    }

    /// Whether it must stand alone in its paragraph: a figure inside a
    /// sentence would break the HTML.
    pub fn is_block(self) -> bool {
        self == Builtin::Chart
    }
}

/// A `{{ … }}` found in text: its byte range and what it says.
#[derive(Debug, PartialEq)]
pub struct Found {
    pub start: usize,
    pub end: usize,
    pub call: Result<(String, Vec<(String, String)>), String>,
}

/// Finds the shortcodes in a run of text. Only `{{ name(` starts one, so
/// other double braces stay text.
pub fn find(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let mut pos = 0;
    // Most text has no brace at all: a byte search settles it quickly.
    while let Some(i) = text[pos..].find('{') {
        let start = pos + i;
        if text.as_bytes().get(start + 1) != Some(&b'{') {
            pos = start + 1;
            continue;
        }
        let inner_start = start + 2;
        let rest = text[inner_start..].trim_start();
        let name_len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        if name_len == 0 || !rest[name_len..].trim_start().starts_with('(') {
            pos = inner_start;
            continue;
        }
        let Some(close) = text[inner_start..].find("}}") else {
            out.push(Found {
                start,
                end: text.len(),
                call: Err("the shortcode is not closed with `}}`".into()),
            });
            break;
        };
        let end = inner_start + close + 2;
        out.push(Found {
            start,
            end,
            call: parse_call(text[inner_start..end - 2].trim()),
        });
        pos = end;
    }
    out
}

/// `name(key="value", other='v')` -> name and arguments.
fn parse_call(s: &str) -> Result<(String, Vec<(String, String)>), String> {
    let open = s
        .find('(')
        .ok_or("a shortcode is written `name(key=\"value\")`")?;
    let name = s[..open].trim().to_string();
    let body = s[open + 1..]
        .strip_suffix(')')
        .ok_or("the argument list is not closed with `)`")?;
    let mut args = Vec::new();
    let mut rest = body.trim();
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .ok_or_else(|| format!("`{rest}` is not `key=\"value\"`"))?;
        let key = rest[..eq].trim();
        if key.is_empty() || !key.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return Err(format!("`{key}` is not an argument name"));
        }
        let after = rest[eq + 1..].trim_start();
        let quote = after
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '\'' | '“'))
            .ok_or_else(|| format!("the value of `{key}` must be quoted: {key}=\"…\""))?;
        let closing = if quote == '“' { '”' } else { quote };
        let value_start = quote.len_utf8();
        let value_len = after[value_start..]
            .find(closing)
            .ok_or_else(|| format!("the value of `{key}` has no closing quote"))?;
        if args.iter().any(|(k, _)| k == key) {
            return Err(format!("`{key}` is given twice"));
        }
        args.push((
            key.to_string(),
            after[value_start..value_start + value_len].to_string(),
        ));
        rest = after[value_start + value_len + closing.len_utf8()..].trim_start();
        if let Some(r) = rest.strip_prefix(',') {
            rest = r.trim_start();
        } else if !rest.is_empty() {
            return Err(format!("expected `,` before `{rest}`"));
        }
    }
    Ok((name, args))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(s: &str) -> (String, Vec<(String, String)>) {
        let f = find(s);
        assert_eq!(f.len(), 1, "{s}");
        f.into_iter().next().unwrap().call.unwrap()
    }

    #[test]
    fn finds_calls_with_their_ranges() {
        let t = "增长{{ metric(id=\"增速\", period=\"2024\") }}，高于全国";
        let f = find(t);
        assert_eq!(f.len(), 1);
        assert_eq!(
            &t[f[0].start..f[0].end],
            "{{ metric(id=\"增速\", period=\"2024\") }}"
        );
        let (name, args) = f[0].call.clone().unwrap();
        assert_eq!(name, "metric");
        assert_eq!(
            args,
            [
                ("id".into(), "增速".into()),
                ("period".into(), "2024".into())
            ]
        );
        assert_eq!(call("{{chart(id='a')}}").0, "chart");
        assert_eq!(call("{{ note() }}").1, []);
    }

    #[test]
    fn other_braces_stay_text() {
        assert!(find("写作 {{ 变量 }} 或 {{x}} 或 {{ a.b }}").is_empty());
    }

    #[test]
    fn malformed_calls_say_why() {
        let err = |s: &str| find(s).remove(0).call.unwrap_err();
        assert!(err("{{ metric(id=增速) }}").contains("must be quoted"));
        assert!(err("{{ metric(id=\"a\" period=\"b\") }}").contains("expected `,`"));
        assert!(err("{{ metric(id=\"a\", id=\"b\") }}").contains("twice"));
        assert!(err("{{ metric(id=\"a\") ").contains("not closed"));
        assert!(err("{{ metric(id=\"a\" }}").contains("not closed with `)`"));
    }
}
