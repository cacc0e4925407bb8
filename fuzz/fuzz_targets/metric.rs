//! Metric YAML files, through the same entry as the build.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pinakes::config::Config;
use pinakes::parse::parse_content;
use pinakes::source::Sources;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut sources = Sources::default();
    let id = sources.add("content/metrics/指标.yaml".into(), text.to_string());
    let (entity, diags) = parse_content(&sources, id, &Config::default());
    for d in &diags {
        if let Some(span) = d.span() {
            let _ = sources.location(span);
        }
    }
    if let Some(e) = entity
        && let Some(m) = e.metric()
    {
        assert!(m.values.windows(2).all(|w| w[0].period <= w[1].period), "values are sorted");
    }
});
