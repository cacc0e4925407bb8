//! What the parse stage produces: entities with their fields and spans.

use std::path::PathBuf;

use serde::Serialize;

use super::markdown::Body;
use super::period::Period;
use crate::metrics::qualifier::Qualifier;
use crate::source::{SourceId, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Policy,
    Measure,
    Metric,
    Page,
    Section,
}

impl Kind {
    pub const ENTITY_KINDS: [Kind; 3] = [Kind::Policy, Kind::Measure, Kind::Metric];
    pub const ALL: [Kind; 5] = [
        Kind::Policy,
        Kind::Measure,
        Kind::Metric,
        Kind::Page,
        Kind::Section,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Policy => "policy",
            Kind::Measure => "measure",
            Kind::Metric => "metric",
            Kind::Page => "page",
            Kind::Section => "section",
        }
    }

    /// The content folder and URL segment of a kind.
    pub fn folder(self) -> &'static str {
        match self {
            Kind::Policy | Kind::Measure | Kind::Metric => self.plural(),
            Kind::Page | Kind::Section => "",
        }
    }

    /// Plural key used in the template context (`site.policies`).
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Policy => "policies",
            Kind::Measure => "measures",
            Kind::Metric => "metrics",
            Kind::Page => "pages",
            Kind::Section => "sections",
        }
    }
}

/// A typed relation: the field a reference is written in (front matter
/// or metric data). Its name is written here and nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rel {
    /// A measure's policy.
    Policy,
    /// The metrics a measure moves.
    Metrics,
    /// Any entity's related entities.
    Related,
    /// The policies a policy replaces.
    Supersedes,
    /// The policy or measure that set a metric's target.
    SetBy,
}

impl Rel {
    pub const ALL: [Rel; 5] = [
        Rel::Policy,
        Rel::Metrics,
        Rel::Related,
        Rel::Supersedes,
        Rel::SetBy,
    ];

    /// The field name, as written in front matter and shown to templates.
    pub const fn field(self) -> &'static str {
        match self {
            Rel::Policy => "policy",
            Rel::Metrics => "metrics",
            Rel::Related => "related",
            Rel::Supersedes => "supersedes",
            Rel::SetBy => "set_by",
        }
    }

    /// The kinds a reference of this relation may name.
    pub fn targets(self) -> &'static [Kind] {
        match self {
            Rel::Policy | Rel::Supersedes => &[Kind::Policy],
            Rel::Metrics => &[Kind::Metric],
            Rel::SetBy => &[Kind::Policy, Kind::Measure],
            Rel::Related => &Kind::ALL,
        }
    }

    /// The relations an entity of a kind writes in its front matter.
    pub fn written_by(kind: Kind) -> &'static [Rel] {
        match kind {
            Kind::Policy => &[Rel::Supersedes, Rel::Related],
            Kind::Measure => &[Rel::Policy, Rel::Metrics, Rel::Related],
            Kind::Metric | Kind::Page | Kind::Section => &[Rel::Related],
        }
    }
}

impl Serialize for Rel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.field())
    }
}

/// A typed reference written in front matter or metric data.
#[derive(Debug, Clone)]
pub struct Ref {
    pub rel: Rel,
    pub id: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyStatus {
    Draft,
    InForce,
    Expired,
    Superseded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MeasureStatus {
    Planned,
    Ongoing,
    Completed,
    Suspended,
}

/// Statuses are written by name in front matter and shown by name (and
/// translated by name) in templates.
macro_rules! named {
    ($ty:ident { $($variant:ident = $name:literal),* $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),*];
            pub const NAMES: &'static [&'static str] = &[$($name),*];

            /// The name written in front matter and used by templates.
            pub fn as_str(self) -> &'static str {
                Self::NAMES[self as usize]
            }

            pub fn from_name(name: &str) -> Option<Self> {
                Self::NAMES.iter().position(|n| *n == name).map(|i| Self::ALL[i])
            }
        }
    };
}

named!(PolicyStatus { Draft = "draft", InForce = "in-force", Expired = "expired", Superseded = "superseded" });
named!(MeasureStatus { Planned = "planned", Ongoing = "ongoing", Completed = "completed", Suspended = "suspended" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    #[default]
    Higher,
    Lower,
    None,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policy {
    pub issued: Option<Period>,
    pub issuer: Vec<String>,
    pub doc_number: Option<String>,
    /// Validity period, normalized to `2023-2025`.
    pub period: Option<String>,
    pub status: Option<PolicyStatus>,
    pub source_url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Measure {
    pub owner: Option<String>,
    pub status: Option<MeasureStatus>,
    pub start: Option<Period>,
    pub due: Option<Period>,
}

/// One observation of a series.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub period: Period,
    pub value: f64,
    /// The number as written (53.32 stays 53.32, 8.30 stays 8.30).
    pub raw: String,
    /// The source's word for the figure (约, 超过, …), see `metrics::qualifier`.
    pub qualifier: Option<Qualifier>,
    pub note: Option<String>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub period: Period,
    pub value: f64,
    pub raw: String,
    pub qualifier: Option<Qualifier>,
    pub set_by: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metric {
    pub unit: Option<String>,
    pub better: Better,
    pub category: Option<String>,
    pub featured: bool,
    pub source: Option<String>,
    /// The primary series, sorted by period.
    pub values: Vec<Point>,
    /// Named comparison series (e.g. `全国`), each sorted.
    pub compare: Vec<(String, Vec<Point>)>,
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum KindData {
    Policy(Policy),
    Measure(Measure),
    Metric(Metric),
    Page,
}

/// A policy, measure, metric, plain page or section, as parsed.
#[derive(Debug, Clone)]
pub struct Entity {
    pub id: String,
    pub kind: Kind,
    pub source: SourceId,
    /// Where the id comes from (the `id:` value, else the start of the file).
    pub id_span: Span,
    /// Path relative to `content/`.
    pub content_path: PathBuf,
    pub title: String,
    /// Output directory relative to the site root, e.g. `policies/甲/` (not encoded).
    pub url_path: String,
    pub draft: bool,
    pub summary: Option<String>,
    pub tags: Vec<String>,
    /// Sort weight for plain pages in a section.
    pub weight: i64,
    /// When the text last changed (`updated:`), for the sitemap.
    pub updated: Option<Period>,
    pub body: Body,
    pub refs: Vec<Ref>,
    pub data: KindData,
    /// Every front-matter field as written, for templates and taxonomies.
    pub fields: FieldsText,
    /// `extra:` plus unknown keys.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Entity {
    pub fn metric(&self) -> Option<&Metric> {
        match &self.data {
            KindData::Metric(m) => Some(m),
            _ => None,
        }
    }

    pub fn refs_in(&self, rel: Rel) -> impl Iterator<Item = &Ref> + '_ {
        self.refs.iter().filter(move |r| r.rel == rel)
    }
}

/// A file's front-matter fields as written, held as their JSON text. As
/// maps they cost about ten times the bytes (`serde_json`'s maps are
/// B-trees whose every node has room for 11 entries, and a metric's values
/// are a map apiece: some 7 KB a metric), and the build reads them whole
/// only to draw the file's page or write the API.
#[derive(Clone)]
pub struct FieldsText(Box<serde_json::value::RawValue>);

impl FieldsText {
    pub fn new(map: &serde_json::Map<String, serde_json::Value>) -> FieldsText {
        // A map of JSON values always has a JSON text.
        FieldsText(serde_json::value::to_raw_value(map).unwrap_or_else(|_| FieldsText::default().0))
    }

    /// The JSON text: an object.
    pub fn raw(&self) -> &serde_json::value::RawValue {
        &self.0
    }

    /// Every field.
    pub fn map(&self) -> serde_json::Map<String, serde_json::Value> {
        serde_json::from_str(self.0.get()).unwrap_or_default()
    }

    /// One field, read past the others without building them.
    pub fn get(&self, key: &str) -> Option<serde_json::Value> {
        use serde::de::DeserializeSeed;
        let text = self.0.get();
        // A plain key stands in the text as `"key":`: most lookups (an
        // alias, a taxonomy most files do not use) end here.
        let plain = key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if plain && !text.contains(&format!("\"{key}\":")) {
            return None;
        }
        let mut de = serde_json::Deserializer::from_str(text);
        OneField(key).deserialize(&mut de).ok().flatten()
    }
}

impl Default for FieldsText {
    fn default() -> Self {
        FieldsText(serde_json::value::RawValue::from_string("{}".into()).expect("an empty object"))
    }
}

impl PartialEq for FieldsText {
    /// The texts are written from maps, whose keys are in order: the same
    /// fields give the same text.
    fn eq(&self, other: &FieldsText) -> bool {
        self.0.get() == other.0.get()
    }
}

impl std::fmt::Debug for FieldsText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.get())
    }
}

/// Reads the value of one key of a JSON object, skipping the others.
struct OneField<'k>(&'k str);

impl<'de> serde::de::DeserializeSeed<'de> for OneField<'_> {
    type Value = Option<serde_json::Value>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for OneField<'_> {
    type Value = Option<serde_json::Value>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(k) = m.next_key::<String>()? {
            if found.is_none() && k == self.0 {
                found = Some(m.next_value()?);
            } else {
                m.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_kept_as_text_read_back_as_written() {
        let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
            r#"{"issuer": ["省政府", "省工信厅"], "values": [{"period": "2024", "issuer": "x"}],
                "status": "in-force", "we\"ird": 1, "aliases": "old/plan/"}"#,
        )
        .unwrap();
        let f = FieldsText::new(&map);
        assert_eq!(f.map(), map);
        assert_eq!(f, FieldsText::new(&map.clone()));
        assert_ne!(f, FieldsText::default());
        for key in ["issuer", "status", "we\"ird", "aliases", "values"] {
            assert_eq!(f.get(key).as_ref(), map.get(key), "{key}");
        }
        // Not a field, though it stands in the text: a key of a value's map.
        assert_eq!(f.get("period"), None);
        assert_eq!(f.get("missing"), None);
        assert_eq!(FieldsText::default().map(), serde_json::Map::new());
        let api: serde_json::Value =
            serde_json::from_str(&serde_json::to_string(f.raw()).unwrap()).unwrap();
        assert_eq!(api, serde_json::Value::Object(map));
    }
}
