//! Front-matter splitting and entity parsing (YAML `---` and TOML `+++`),
//! for each kind of document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pinakes::config::Config;
use pinakes::parse::front::split;
use pinakes::parse::parse_content;
use pinakes::source::Sources;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(Some(fm)) = split(text) {
        // The parts are slices of the text at char boundaries, in order.
        assert!(fm.text_offset <= fm.body_offset && fm.body_offset <= text.len());
        assert!(text.is_char_boundary(fm.body_offset));
    }
    let config = Config::default();
    for path in ["content/policies/甲 乙.md", "content/measures/m.md", "content/about/p.md", "content/about/_index.md"] {
        let mut sources = Sources::default();
        let id = sources.add(path.into(), text.to_string());
        let (entity, diags) = parse_content(&sources, id, &config);
        for d in &diags {
            if let Some(span) = d.span() {
                let _ = sources.location(span);
            }
        }
        if let Some(e) = entity {
            assert!(!e.url_path.contains(' '), "URL with a space: {:?}", e.url_path);
        }
    }
});
