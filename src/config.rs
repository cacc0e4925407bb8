//! `site.toml`: the typed site configuration, with defaults.
//!
//! Deserialization errors carry a span; keys we do not know are kept out of the
//! typed config and reported as warnings with a did-you-mean hint, so a newer
//! `site.toml` still builds with an older pinakes.

use serde::{Deserialize, Serialize};

use crate::diag::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::source::{SourceId, Sources, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RawHtml {
    /// Raw HTML is cleaned by an allow-list sanitizer (no scripts, no `on*=`).
    #[default]
    Sanitize,
    /// Raw HTML is passed through as written.
    Trust,
    /// Raw HTML is shown as text.
    Escape,
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(default)]
pub struct MarkdownConfig {
    pub raw_html: RawHtml,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Config {
    pub title: String,
    pub description: String,
    pub base_url: String,
    /// UI language of the theme: `zh-CN` or `en`.
    pub language: String,
    pub theme: String,
    pub output_dir: String,
    /// Internal links end in `index.html` so the site works from `file://`;
    /// `false` writes `dir/` links for hosts that serve directory indexes.
    pub portable_links: bool,
    /// Policies whose file names differ only by a trailing date in
    /// parentheses are versions of one text, oldest first (see `history`).
    pub versions_from_file_names: bool,
    /// Front-matter field -> display name; each gets browse pages.
    pub taxonomies: indexmap_like::OrderedMap,
    pub markdown: MarkdownConfig,
    /// Free-form values for templates (`config.extra`).
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// Encoding of text files that are not UTF-8 (`gb18030` reads GBK/GB2312).
    pub encoding: crate::decode::Encoding,
    /// Largest text file read, in MiB.
    pub max_file_mib: u64,
    /// Follow symbolic links under content/ and data/ that lead outside the site.
    pub follow_external_symlinks: bool,
}

/// Default of `max_file_mib`: far above any real document, still a guard
/// against a wrong file (a database dump) in content/.
pub const DEFAULT_MAX_FILE_MIB: u64 = 256;

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "pinakes".into(),
            description: String::new(),
            base_url: "/".into(),
            language: "zh-CN".into(),
            theme: "default".into(),
            output_dir: "public".into(),
            portable_links: true,
            versions_from_file_names: false,
            taxonomies: Default::default(),
            markdown: Default::default(),
            extra: Default::default(),
            encoding: Default::default(),
            max_file_mib: DEFAULT_MAX_FILE_MIB,
            follow_external_symlinks: false,
        }
    }
}

/// Keys of `site.toml` by table; anything else gets a warning.
const TOP_KEYS: &[&str] = &[
    "title",
    "description",
    "base_url",
    "language",
    "theme",
    "output_dir",
    "portable_links",
    "versions_from_file_names",
    "taxonomies",
    "markdown",
    "extra",
    "encoding",
    "max_file_mib",
    "follow_external_symlinks",
];
const MARKDOWN_KEYS: &[&str] = &["raw_html"];
pub const LANGUAGES: &[&str] = &["zh-CN", "en"];

mod indexmap_like {
    //! Taxonomies keep the order written in `site.toml` (it is the menu order).
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct OrderedMap(pub Vec<(String, String)>);

    impl<'de> Deserialize<'de> for OrderedMap {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = OrderedMap;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a table of field = \"display name\"")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<OrderedMap, A::Error> {
                    let mut out = Vec::new();
                    while let Some((k, v)) = map.next_entry::<String, String>()? {
                        out.push((k, v));
                    }
                    Ok(OrderedMap(out))
                }
            }
            d.deserialize_map(V)
        }
    }

    impl Serialize for OrderedMap {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
        }
    }
}

impl Config {
    /// Parses `site.toml`; on a syntax or type error returns the defaults and an error.
    pub fn parse(sources: &Sources, id: SourceId, diags: &mut Diagnostics) -> Config {
        let text = sources.text(id);
        let config = match toml::from_str::<Config>(text) {
            Ok(c) => c,
            Err(e) => {
                let span = e.span().unwrap_or(0..0);
                diags.push(
                    Diagnostic::error(Code::Config, format!("invalid site.toml: {}", e.message()))
                        .at(Span::new(id, span))
                        .hint("see docs/content/reference/configuration.md for the keys and their types"),
                );
                return Config::default();
            }
        };
        warn_unknown_keys(text, id, diags);
        config.validate(sources, id, diags);
        config
    }

    fn validate(&self, sources: &Sources, id: SourceId, diags: &mut Diagnostics) {
        if !LANGUAGES.contains(&self.language.as_str()) {
            diags.push(
                Diagnostic::warning(
                    Code::Config,
                    format!(
                        "language `{}` has no UI strings; using zh-CN",
                        self.language
                    ),
                )
                .in_file(sources.path(id))
                .hint(format!("use one of: {}", LANGUAGES.join(", "))),
            );
        }
    }

    /// Largest text file read, in bytes.
    pub fn max_file_bytes(&self) -> u64 {
        self.max_file_mib.saturating_mul(1024 * 1024)
    }

    /// `base_url` with exactly one trailing slash.
    pub fn base_url(&self) -> String {
        format!("{}/", self.base_url.trim_end_matches('/'))
    }
}

fn warn_unknown_keys(text: &str, id: SourceId, diags: &mut Diagnostics) {
    let Ok(table) = toml::de::DeTable::parse(text) else {
        return;
    };
    for (key, value) in table.get_ref() {
        let name: &str = key.get_ref();
        if !TOP_KEYS.contains(&name) {
            diags.push(unknown_key(name, key.span(), TOP_KEYS, id));
        } else if name == "markdown"
            && let Some(inner) = value.get_ref().as_table()
        {
            for (k, _) in inner {
                if !MARKDOWN_KEYS.contains(&k.get_ref().as_ref()) {
                    diags.push(unknown_key(k.get_ref(), k.span(), MARKDOWN_KEYS, id));
                }
            }
        }
    }
}

fn unknown_key(
    name: &str,
    span: std::ops::Range<usize>,
    known: &[&str],
    id: SourceId,
) -> Diagnostic {
    Diagnostic::warning(
        Code::UnknownKey,
        format!("unknown key `{name}` in site.toml"),
    )
    .at(Span::new(id, span))
    .label("not a known setting; ignored")
    .maybe_hint(did_you_mean(name, known.iter().copied()))
    .hint_if_none("custom values belong under [extra]")
}

impl Diagnostic {
    /// Sets the hint only when none was set (keeps a did-you-mean first).
    pub fn hint_if_none(self, hint: &str) -> Self {
        if self.hint.is_some() {
            self
        } else {
            self.hint(hint)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Config, Diagnostics, Sources) {
        let mut sources = Sources::default();
        let id = sources.add("site.toml".into(), text.into());
        let mut diags = Diagnostics::default();
        let c = Config::parse(&sources, id, &mut diags);
        (c, diags, sources)
    }

    #[test]
    fn defaults_and_taxonomy_order() {
        let (c, d, _) =
            parse("title = \"x\"\n[taxonomies]\ntags = \"标签\"\nissuer = \"发文机关\"\n");
        assert_eq!(d.errors() + d.warnings(), 0);
        assert_eq!(c.language, "zh-CN");
        assert_eq!(c.markdown.raw_html, RawHtml::Sanitize);
        assert_eq!(c.taxonomies.0[1].0, "issuer");
    }

    #[test]
    fn unknown_key_warns_with_position_and_suggestion() {
        let (_, d, s) = parse("title = \"x\"\nbase_ulr = \"/\"\n");
        let w = d.iter().next().unwrap();
        assert_eq!(w.code, "unknown-key");
        assert_eq!(s.location(w.span().unwrap()), "site.toml:2:1");
        assert_eq!(w.hint.as_deref(), Some("did you mean `base_url`?"));
    }

    #[test]
    fn type_error_has_position() {
        let (_, d, s) = parse("title = \"x\"\n[markdown]\nraw_html = \"yes\"\n");
        let e = d.iter().next().unwrap();
        assert_eq!(e.code, "config");
        assert!(s.location(e.span().unwrap()).starts_with("site.toml:3:"));
    }
}
