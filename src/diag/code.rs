//! Every diagnostic code, with what it means: the one list that
//! `docs/content/reference/diagnostics.md` is made from (see [`Code::docs`]).

use std::fmt;

macro_rules! codes {
    ($($variant:ident = $code:literal: $about:literal,)*) => {
        /// What kind of problem a diagnostic reports. Its name is stable:
        /// tests, `--format json` and the dev server's overlay use it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($variant),*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The kebab-case name, e.g. `unknown-ref`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code),*
                }
            }

            /// One line on what the code reports.
            pub const fn about(self) -> &'static str {
                match self {
                    $(Code::$variant => $about),*
                }
            }
        }
    };
}

codes! {
    BadAlias = "bad-alias": "An entry of `aliases` cannot be written, or is already another page's address.",
    BadDate = "bad-date": "A date or span of years in front matter cannot be read.",
    BadField = "bad-field": "A field has the wrong type or a value that is not allowed.",
    BadId = "bad-id": "An id is empty or holds characters an id cannot have.",
    BadLink = "bad-link": "A wikilink is malformed.",
    BadPeriod = "bad-period": "A metric period (year, quarter or month) cannot be read.",
    BadQualifier = "bad-qualifier": "A metric value's `qualifier` is not one of the words pinakes knows.",
    BadShortcode = "bad-shortcode": "A shortcode call is malformed or its arguments do not fit the shortcode.",
    BadValue = "bad-value": "A metric value is not a number.",
    Config = "config": "`site.toml` cannot be read, or one of its settings is wrong.",
    ControlChar = "control-char": "A text file holds a control character; it is shown as \u{FFFD}.",
    DuplicateId = "duplicate-id": "Two content files have the same id.",
    DuplicatePeriod = "duplicate-period": "A metric series has two values for the same period.",
    Encoding = "encoding": "A text file is not valid UTF-8.",
    Exists = "exists": "`pinakes new` would overwrite a file or site that is already there.",
    FrontMatter = "front-matter": "Front matter is not closed or is not a mapping.",
    I18n = "i18n": "The theme's UI strings cannot be read.",
    IgnoredFile = "ignored-file": "A file in a content folder has the wrong type and is skipped.",
    InlineChart = "inline-chart": "A chart shortcode stands inside a sentence instead of on its own line.",
    Io = "io": "A file or folder cannot be read or written.",
    NoConfig = "no-config": "There is no `site.toml`; defaults are used.",
    NoTitle = "no-title": "A page or metric has no title; its id is shown instead.",
    Serve = "serve": "The dev server cannot start or stopped with an error.",
    Shortcode = "shortcode": "A shortcode's template failed while rendering.",
    Symlink = "symlink": "A symbolic link is broken, loops, or leads outside the site; it is not read.",
    SupersedesCycle = "supersedes-cycle": "Policies supersede each other in a cycle.",
    Template = "template": "A template cannot be parsed or failed while rendering, or the theme lacks one.",
    Theme = "theme": "The theme named in `site.toml` does not exist.",
    TooLarge = "too-large": "A text file is too large to be content.",
    UnitClash = "unit-clash": "A metric value's unit differs from the metric's unit.",
    UnknownAnchor = "unknown-anchor": "A link names a heading the target page does not have.",
    UnknownKey = "unknown-key": "A key is not one pinakes knows; it is kept under `extra`.",
    UnknownPeriod = "unknown-period": "A `metric` shortcode asks for a period the metric has no value for.",
    UnknownRef = "unknown-ref": "A reference or link names an id or file that does not exist.",
    UnknownShortcode = "unknown-shortcode": "A shortcode has no template.",
    UnsafeOutput = "unsafe-output": "The output folder is one pinakes must not write to or clear.",
    UrlCollision = "url-collision": "Two pages would be written to the same URL.",
    Watch = "watch": "The site's files cannot be watched for changes.",
    WrongKind = "wrong-kind": "A reference names an entity of the wrong kind.",
    Yaml = "yaml": "A YAML file or front matter is not valid YAML.",
}

impl Code {
    /// `docs/content/reference/diagnostics.md`: every code with what it reports.
    pub fn docs() -> String {
        let mut out = String::from(
            "---\nweight: 2\n---\n\n# Diagnostics\n\n\
             <!-- Made from src/diag/code.rs; `PINAKES_UPDATE=1 cargo test --test docs` rewrites it. -->\n\n\
             Every problem pinakes reports has a stable code, shown in brackets\n\
             (`error[unknown-ref]`) and as `code` in `pinakes check --format json`.\n\n\
             | Code | What it reports |\n|---|---|\n",
        );
        for code in Code::ALL {
            out.push_str(&format!("| `{}` | {} |\n", code.as_str(), code.about()));
        }
        out
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}
