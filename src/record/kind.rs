//! What kind of text a sentence is (prose, a heading, a reference list …), as
//! [`crate::nlp::kinds`] judges it and `results.jsonl` records it.

use serde::{Deserialize, Serialize};

/// The kind of text a sentence is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum TextKind {
    /// Running text: relations are read here.
    #[default]
    Prose,
    /// A title or heading line.
    Heading,
    /// An entry of a reference list or bibliography.
    Reference,
    /// A line of a back-of-book index.
    Index,
    /// A table row, a list, figures.
    Table,
    /// An affiliation, address or contact block.
    Affiliation,
    /// Fields of a form: labels and their values ("Name: …", "Employer: …") or blanks to fill.
    Form,
    /// A copyright or licence notice ("Copyright © 2021 …", "… under the terms of the GNU
    /// General Public License …"): who holds a right, not who works where.
    Notice,
    /// A running header or footer: a line that opens or closes many of the document's pages
    /// (a title, a chapter, a page number). Not read for names or relations.
    Running,
}

impl TextKind {
    /// Its name, as written in `results.jsonl`.
    pub fn name(self) -> &'static str {
        match self {
            TextKind::Prose => "prose",
            TextKind::Heading => "heading",
            TextKind::Reference => "reference",
            TextKind::Index => "index",
            TextKind::Table => "table",
            TextKind::Affiliation => "affiliation",
            TextKind::Form => "form",
            TextKind::Notice => "notice",
            TextKind::Running => "running",
        }
    }

    /// Whether this is prose (serde's skip test: prose is the default and is not written).
    pub fn is_prose(&self) -> bool {
        *self == TextKind::Prose
    }
}
