use super::postings::{Entry, doc_bits, read};
use super::*;

#[test]
fn long_pages_are_indexed_up_to_the_cap() {
    let sec = |t: &str| Section {
        id: String::new(),
        text: t.to_string(),
    };
    let mut s = vec![sec("一二"), sec("三四五"), sec("六")];
    cap_text(&mut s, 10);
    let texts: Vec<&str> = s.iter().map(|x| x.text.as_str()).collect();
    assert_eq!(texts, ["一二", "三"]);
}

/// The data of a written index file.
fn data(f: &OutputFile) -> serde_json::Value {
    let Contents::Bytes(b) = &f.contents else {
        panic!("bytes")
    };
    let s = std::str::from_utf8(b).unwrap();
    serde_json::from_str(&s[s.find(',').unwrap() + 1..s.rfind(')').unwrap()]).unwrap()
}

/// The items of a shard file's string (split at its spaces).
fn items(f: &OutputFile) -> Vec<String> {
    let data = data(f);
    let s = data.as_str().unwrap();
    match s.is_empty() {
        true => Vec::new(),
        false => s.split(' ').map(str::to_string).collect(),
    }
}

/// Token -> page list (with its title list after a `'`) read back from the
/// page files.
fn lists(files: &[OutputFile], dir: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for f in files.iter().filter(|f| f.path.starts_with(dir)) {
        let items = items(f);
        assert_eq!(items.len() % 2, 0, "{}: tokens and lists", f.path);
        for pair in items.chunks(2) {
            out.insert(pair[0].clone(), pair[1].clone());
        }
    }
    out
}

/// Token -> position list: each position file holds, unnamed and in order,
/// the lists of its shard's tokens that have one (all but single CJK
/// characters), which the page files name.
fn position_lists(
    files: &[OutputFile],
    pages: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let meta = files.iter().find(|f| f.path == "search/meta.js").unwrap();
    let shards = data(meta)["p"].as_u64().unwrap() as u32;
    let mut out = BTreeMap::new();
    for f in files.iter().filter(|f| f.path.starts_with("search/p/")) {
        let n: u32 = f.path["search/p/".len()..f.path.len() - 3].parse().unwrap();
        let tokens = pages.keys().filter(|t| {
            let chars: Vec<char> = t.chars().collect();
            let single_cjk = chars.len() == 1 && text::class(chars[0]) == text::Class::Cjk;
            !single_cjk && text::shard_of(&chars[..chars.len().min(2)], shards) == n
        });
        let lists = items(f);
        assert_eq!(tokens.clone().count(), lists.len(), "{}", f.path);
        for (t, l) in tokens.zip(lists) {
            out.insert(t.clone(), l);
        }
    }
    out
}

fn index(docs: Vec<Doc>) -> BTreeMap<String, Vec<Entry>> {
    let bits = doc_bits(docs.len());
    let files = SearchIndex { docs }.files();
    let pages = lists(&files, "search/k/");
    let positions = position_lists(&files, &pages);
    pages
        .into_iter()
        .map(|(k, list)| {
            let (pages, titles) = list.split_once('\'').unwrap_or((&list, ""));
            let l = Lists {
                pages: pages.to_string(),
                titles: titles.to_string(),
                positions: positions.get(&k).cloned().unwrap_or_default(),
            };
            (k, read(&l, bits))
        })
        .collect()
}

fn e(doc: u32, title: u8, positions: &[u32]) -> Entry {
    Entry {
        doc,
        title,
        positions: positions.to_vec(),
    }
}

fn unvlq(s: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let (mut n, mut shift) = (0u32, 0);
    for b in s.bytes() {
        let d = VLQ_DIGITS.iter().position(|&x| x == b).unwrap() as u32;
        n |= (d & 31) << shift;
        shift += 5;
        if d & 32 == 0 {
            out.push(n);
            (n, shift) = (0, 0);
        }
    }
    out
}

#[test]
fn vlq_round_trips() {
    for n in [0, 1, 31, 32, 1000, 1 << 20, u32::MAX] {
        let mut s = String::new();
        vlq(&mut s, n);
        assert_eq!(unvlq(&s), [n]);
    }
}

#[test]
fn cjk_pairs_carry_positions_and_single_characters_the_title_flag() {
    // Full text: "专精特新\n专精特新企业\n" -> title 0..4, body from 5.
    let idx = index(vec![
        Doc::sample("专精特新", "<p>专精特新企业</p>"),
        Doc::sample("其他", "<p>企业</p>"),
    ]);
    // Page 0, at the title's start, positions 0 and 5.
    assert_eq!(idx["专精"], [e(0, 2, &[0, 5])]);
    assert_eq!(idx["特新"], [e(0, 1, &[2, 7])]);
    assert_eq!(idx["企业"], [e(0, 0, &[9]), e(1, 0, &[3])]);
    // Single characters: pages and the title flag only.
    assert_eq!(idx["新"], [e(0, 1, &[])]);
    assert_eq!(idx["企"], [e(0, 0, &[]), e(1, 0, &[])]);
    assert!(!idx.contains_key("新企业"), "no triples");
}

#[test]
fn latin_words_are_lowercased_with_positions() {
    let idx = index(vec![Doc::sample("Digital Plan", "<p>the DIGITAL twin</p>")]);
    // "digital plan\nthe digital twin\n": 0 and 17.
    assert_eq!(idx["digital"], [e(0, 2, &[0, 17])]);
    assert_eq!(idx["twin"], [e(0, 0, &[25])]);
    assert!(!idx.contains_key("Digital"));
}

#[test]
fn mixed_text_splits_words_from_pairs() {
    let idx = index(vec![Doc::sample("站", "<p>新开通5G基站，AI 赋能</p>")]);
    // The body starts at 2: 新2 开3 通4 5g5 基7 站8 ，9 ai10 赋13 能14.
    assert_eq!(idx["5g"], [e(0, 0, &[5])]);
    assert_eq!(idx["基站"], [e(0, 0, &[7])]);
    assert_eq!(idx["ai"], [e(0, 0, &[10])]);
    assert!(!idx.contains_key("通5"), "no pair across scripts");
    // 站 is in the title and the body.
    assert_eq!(idx["站"], [e(0, 2, &[])]);
}

#[test]
fn pages_far_apart_and_long_pages_round_trip() {
    let far = "<p>尾声</p>".to_string();
    let long = format!("<p>{}</p><p>尾声</p>", "甲乙丙丁".repeat(20_000));
    let mut docs: Vec<Doc> = (0..300)
        .map(|i| Doc::sample(&format!("页{i}"), "<p>无关</p>"))
        .collect();
    docs[7] = Doc::sample("七", &far);
    docs[299] = Doc::sample("长", &long);
    let idx = index(docs);
    assert_eq!(idx["尾声"], [e(7, 0, &[2]), e(299, 0, &[80_003])]);
    assert_eq!(idx["甲乙"][0].positions.len(), 20_000);
}

#[test]
fn meta_holds_kinds_statuses_and_title_lengths_facets_the_rest() {
    let files = SearchIndex {
        docs: vec![Doc::sample("甲乙", "<p>x</p>")],
    }
    .files();
    let file = |p: &str| data(files.iter().find(|f| f.path == p).unwrap());
    let meta = file("search/meta.js");
    assert_eq!(meta["status"][0], "in-force");
    // kind 0 and status 0+1 in one digit (two statuses wide), title length 2.
    assert_eq!(unvlq(meta["docs"].as_str().unwrap()), [1, 2]);
    assert_eq!(meta["cards"][0], 0);
    let facets = file("search/facets.js");
    assert_eq!(facets["issuer"][0], "省政府");
    // One issuer (0), one tag (0).
    assert_eq!(unvlq(facets["docs"].as_str().unwrap()), [1, 0, 1, 0]);
}

#[test]
fn result_cards_hold_titles_short_links_and_headings_by_position() {
    let mut d = Doc::sample(
        "标题",
        "<p>导语</p><h2 id=\"目标\">目标</h2><p>正文</p><h2 id=\"b\">Plan B</h2>",
    );
    d.url = "policies/%E6%A0%87%E9%A2%98/a%20b/".into();
    let files = SearchIndex { docs: vec![d] }.files();
    let card = data(files.iter().find(|f| f.path == "search/d/0.js").unwrap());
    assert_eq!(card["heads"], serde_json::json!(["目标", ["b", "Plan B"]]));
    // "标题\n导语\n目标\n正文\nPlan B\n": 目标 starts at 6, Plan B at 12.
    assert_eq!(
        card["pages"][0],
        serde_json::json!(["标题", "policies/标题/a%20b/", [6, 0, 12, 1]])
    );
}

/// Cards put into `d/` files as the pages come (a build's postings) make
/// the files that the whole list of cards makes (the dev server's), with
/// the same numbers and starts: files of one page, of many, the last one
/// short, and none for no pages.
#[test]
fn card_files_made_as_pages_come_are_those_of_all_the_cards() {
    for pages in [0, 1, 2, 7, 300] {
        let cards: Vec<Card> = (0..pages)
            .map(|i| {
                let body = "<h2 id=\"做法\">做法</h2><p>推进</p>".repeat(i % 5 * 20);
                Card::of(&Doc::sample(&format!("政策{i}"), &body))
            })
            .collect();
        let starts = card_starts(&cards);
        let whole: Vec<OutputFile> = (0..starts.len())
            .map(|n| card_file(&cards, &starts, n))
            .collect();
        let mut writer = CardWriter::default();
        let mut made = Vec::new();
        for c in cards.iter().cloned() {
            made.extend(writer.add(c).map(|(n, c)| cards_file(&c, n)));
        }
        let (last, starts_as_made) = writer.finish();
        made.extend(last.map(|(n, c)| cards_file(&c, n)));
        assert_eq!(starts_as_made, starts, "{pages} pages");
        let files = |f: Vec<OutputFile>| -> Vec<(String, Vec<u8>)> {
            let bytes = |c| match c {
                Contents::Bytes(b) => b,
                Contents::Copy(_) => Vec::new(),
            };
            f.into_iter().map(|f| (f.path, bytes(f.contents))).collect()
        };
        assert_eq!(files(made), files(whole), "{pages} pages");
        assert!(pages < 300 || starts.len() > 5, "{} files", starts.len());
    }
}
