//! Periods, dates and validity ranges: never panic, and what parses prints
//! back to text that parses to the same period.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pinakes::parse::period::{Period, normalize_range};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(p) = Period::parse(text) {
        let shown = p.to_string();
        assert_eq!(Period::parse(&shown), Some(p), "{shown}");
        let _ = p.display_zh();
    }
    if let Some(d) = Period::parse_date(text) {
        assert!(Period::parse(text) == Some(d));
    }
    let _ = normalize_range(text);
});
