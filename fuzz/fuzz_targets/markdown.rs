//! Markdown bodies with wikilinks, relative links and shortcodes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pinakes::config::{Config, RawHtml};
use pinakes::parse::render_yaml_markdown;
use pinakes::source::{SourceId, Span};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut config = Config::default();
    for raw in [RawHtml::Sanitize, RawHtml::Escape] {
        config.markdown.raw_html = raw;
        let file = SourceId(0);
        let (body, diags) = render_yaml_markdown(
            text,
            file,
            Span::new(file, 0..0),
            std::path::Path::new("policies/sub/甲.md"),
            &config,
        );
        for l in &body.links {
            assert!(l.span.end as usize <= text.len(), "link span out of the text");
        }
        for s in &body.shortcodes {
            assert!(s.span.end as usize <= text.len(), "shortcode span out of the text");
        }
        for d in &diags {
            if let Some(s) = d.span() {
                assert!(s.end as usize <= text.len(), "diagnostic span out of the text");
            }
        }
        if raw == RawHtml::Sanitize {
            assert!(!body.html.contains("<script"), "a script survived sanitizing");
        }
    }
});
