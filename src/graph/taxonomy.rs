//! Taxonomies: the terms of each configured front-matter field.

use std::borrow::Cow;
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::Value;

use super::{EntityIdx, Taxonomy, Term};
use crate::config::Config;
use crate::hash::Map;
use crate::parse::entity::Entity;
use crate::parse::slug_segment;

/// Terms of each configured taxonomy, from the front-matter field of that
/// name. Terms are in name order; each lists its entities in order.
pub(super) fn taxonomies(entities: &[Arc<Entity>], config: &Config) -> Vec<Taxonomy> {
    config
        .taxonomies
        .0
        .par_iter()
        .map(|(name, label)| {
            let mut terms: Map<Cow<str>, Vec<EntityIdx>> = Map::default();
            for (i, e) in entities.iter().enumerate() {
                for term in field_terms(e, name) {
                    let list = terms.entry(term).or_default();
                    // Entities come in order: a repeated term is the same entity's.
                    if list.last() != Some(&i) {
                        list.push(i);
                    }
                }
            }
            let mut terms: Vec<(Cow<str>, Vec<EntityIdx>)> = terms.into_iter().collect();
            terms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            let mut used: Map<String, usize> = Map::default();
            let terms = terms
                .into_iter()
                .map(|(name, entities)| {
                    let base = slug_segment(&name);
                    let n = used.entry(base.clone()).or_default();
                    *n += 1;
                    let slug = if *n == 1 { base } else { format!("{base}-{n}") };
                    Term {
                        name: name.into_owned(),
                        slug,
                        entities,
                    }
                })
                .collect();
            Taxonomy {
                name: name.clone(),
                label: label.clone(),
                terms,
            }
        })
        .collect()
}

fn field_terms<'a>(e: &'a Entity, field: &str) -> Vec<Cow<'a, str>> {
    if field == "tags" {
        return e.tags.iter().map(|t| Cow::Borrowed(t.as_str())).collect();
    }
    let term = |v: Value| match v {
        Value::String(s) if !s.trim().is_empty() => Some(Cow::Owned(s.trim().to_string())),
        v => crate::parse::scalar_string(&v).map(Cow::Owned),
    };
    match e.fields.get(field) {
        Some(Value::Array(a)) => a.into_iter().filter_map(term).collect(),
        Some(v) => term(v).into_iter().collect(),
        None => Vec::new(),
    }
}
