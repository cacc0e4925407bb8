//! Template values made from structs (an entity's summary is one per
//! entity): maps of one struct's fields share one set of keys, and read,
//! compare, change and render like any map.

use serde::Serialize;
use tera::{Context, Tera, Value};

#[derive(Serialize)]
struct Card<'a> {
    title: &'a str,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit: Option<&'a str>,
    weight: u32,
}

fn card(title: &str, unit: Option<&'static str>, weight: u32) -> Value {
    Value::from_serializable(&Card {
        title,
        url: format!("/{title}/"),
        unit,
        weight,
    })
}

fn keys(v: &Value) -> Vec<String> {
    let map = v.as_map().expect("a map");
    map.keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn maps_of_one_struct_share_their_keys_and_keep_their_own_values() {
    let (a, b) = (card("甲", None, 1), card("乙", None, 2));
    let (ma, mb) = (a.as_map().unwrap(), b.as_map().unwrap());
    assert!(ma.shares_keys_with(mb));
    assert_eq!(keys(&a), ["title", "url", "weight"]);
    assert_eq!(a.get_from_path("title"), Some(&Value::from("甲")));
    assert_eq!(b.get_from_path("title"), Some(&Value::from("乙")));
    assert_eq!(b.get_from_path("weight"), Some(&Value::from(2u32)));
    assert_eq!(a.get_from_path("unit"), None);
    // Taken apart, a map sharing its keys gives its own entries in order.
    let entries: Vec<(String, Value)> = mb
        .clone()
        .into_iter()
        .map(|(k, v)| (k.as_str().unwrap().to_string(), v))
        .collect();
    let want = [
        ("title", Value::from("乙")),
        ("url", Value::from("/乙/")),
        ("weight", Value::from(2u32)),
    ];
    assert_eq!(entries, want.map(|(k, v)| (k.to_string(), v)));
}

#[test]
fn a_field_left_out_makes_another_shape_and_each_map_keeps_its_own() {
    // Shapes in turn: each map must get the keys of its own fields, in
    // their order, whichever shape was made last.
    let made = [
        card("甲", None, 1),
        card("乙", Some("%"), 2),
        card("丙", None, 3),
        card("丁", Some("个"), 4),
    ];
    assert_eq!(keys(&made[0]), ["title", "url", "weight"]);
    assert_eq!(keys(&made[1]), ["title", "url", "unit", "weight"]);
    assert_eq!(keys(&made[2]), ["title", "url", "weight"]);
    assert_eq!(keys(&made[3]), ["title", "url", "unit", "weight"]);
    let map = |i: usize| made[i].as_map().unwrap();
    assert!(map(0).shares_keys_with(map(2)));
    assert!(map(1).shares_keys_with(map(3)));
    assert!(!map(0).shares_keys_with(map(1)));
    assert_eq!(made[3].get_from_path("unit"), Some(&Value::from("个")));
    assert_eq!(made[3].get_from_path("weight"), Some(&Value::from(4u32)));
    assert_eq!(made[2].get_from_path("weight"), Some(&Value::from(3u32)));
}

#[test]
fn changing_one_map_leaves_those_sharing_its_keys_alone() {
    let (a, b) = (card("甲", None, 1), card("乙", None, 2));
    let mut changed = a.as_map().unwrap().clone();
    changed.insert("extra".into(), Value::from(true));
    changed.insert("title".into(), Value::from("改"));
    assert_eq!(
        keys(&Value::from(changed.clone())),
        ["title", "url", "weight", "extra"]
    );
    assert_eq!(changed.get(&"title".into()), Some(&Value::from("改")));
    assert_eq!(keys(&a), ["title", "url", "weight"]);
    assert_eq!(a.get_from_path("title"), Some(&Value::from("甲")));
    assert_eq!(keys(&b), ["title", "url", "weight"]);
    assert!(a.as_map().unwrap().shares_keys_with(b.as_map().unwrap()));
}

#[test]
fn maps_compare_by_keys_and_values_not_by_order_or_shape() {
    let a = card("甲", None, 1);
    let mut built = tera::Map::new();
    built.insert("weight".into(), Value::from(1u32));
    built.insert("url".into(), Value::from("/甲/"));
    built.insert("title".into(), Value::from("甲"));
    assert_eq!(a, Value::from(built.clone()));
    assert_ne!(card("甲", None, 2), a);
    built.insert("unit".into(), Value::none());
    assert_ne!(a, Value::from(built));
    assert_eq!(card("乙", None, 5), card("乙", None, 5));
}

#[test]
fn templates_read_iterate_and_print_shared_maps() {
    let mut tera = Tera::new();
    tera.add_raw_template(
        "t",
        "{% for c in cards %}{{ c.title }}{{ c['url'] }}{% if c.unit %}({{ c.unit }}){% endif %};{% endfor %}\
         {% for k, v in cards[1] %}{{ k }}={{ v }} {% endfor %}{{ cards[0] | length }}",
    )
    .unwrap();
    let mut ctx = Context::new();
    let cards = vec![card("甲", None, 1), card("乙", Some("%"), 2)];
    ctx.insert("cards", &cards);
    let out = tera.render("t", &ctx).unwrap();
    assert_eq!(out, "甲/甲/;乙/乙/(%);title=乙 url=/乙/ unit=% weight=2 3");
}

#[derive(Serialize)]
struct Tail {
    a: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    b: Option<u32>,
}

#[test]
fn a_struct_ending_early_gets_the_keys_of_its_fields_only() {
    let full = Value::from_serializable(&Tail { a: 1, b: Some(2) });
    let short = Value::from_serializable(&Tail { a: 3, b: None });
    let again = Value::from_serializable(&Tail { a: 4, b: None });
    assert_eq!(keys(&full), ["a", "b"]);
    assert_eq!(keys(&short), ["a"]);
    assert_eq!(short.get_from_path("b"), None);
    assert_eq!(again.get_from_path("a"), Some(&Value::from(4u32)));
    assert_eq!(
        keys(&Value::from_serializable(&Tail { a: 5, b: Some(6) })),
        ["a", "b"]
    );
    // Taking turns, each shape is made once and shared.
    let made: Vec<Value> = (0..6)
        .map(|i| {
            Value::from_serializable(&Tail {
                a: i,
                b: (i % 2 == 0).then_some(i),
            })
        })
        .collect();
    let map = |i: usize| made[i].as_map().unwrap();
    assert!(map(1).shares_keys_with(map(3)) && map(3).shares_keys_with(map(5)));
    assert!(map(0).shares_keys_with(map(2)) && map(2).shares_keys_with(map(4)));
    assert!(!map(0).shares_keys_with(map(1)));
    assert_eq!(made[5].get_from_path("a"), Some(&Value::from(5u32)));
    assert_eq!(made[4].get_from_path("b"), Some(&Value::from(4u32)));
}
