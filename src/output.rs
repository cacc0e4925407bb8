//! Files of a built site, as the render stage hands them to the write stage
//! (or to the dev server).

use crate::load::Origin;

/// What goes into one output file.
#[derive(Debug, Clone)]
pub enum Contents {
    Bytes(Vec<u8>),
    /// A static file, copied as it is.
    Copy(Origin),
}

#[derive(Debug, Clone)]
pub struct OutputFile {
    /// Path relative to the output root, not encoded (`policies/甲/index.html`).
    pub path: String,
    pub contents: Contents,
}
