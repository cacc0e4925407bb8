//! Reference docs made from the code stay in step with it.

mod common;

use common::{golden, manifest_dir};
use pinakes::diag::Code;

#[test]
fn diagnostics_doc_lists_every_code() {
    golden::expect_file(
        &manifest_dir().join("docs/content/reference/diagnostics.md"),
        &Code::docs(),
    );
}

#[test]
fn diagnostic_codes_are_unique_kebab_case() {
    let mut seen = std::collections::BTreeSet::new();
    for code in Code::ALL {
        let name = code.as_str();
        assert!(seen.insert(name), "`{name}` is listed twice");
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "`{name}` is not kebab-case"
        );
        assert!(
            code.about().ends_with('.'),
            "`{name}`: its description is one sentence"
        );
    }
}
