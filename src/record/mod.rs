//! The records that flow between stages: plain data, the vocabulary of the crate.
//!
//! Every stage reads and writes these types and nothing else of another stage, and this module
//! imports no stage. A document's journey in records:
//!
//! ```text
//!  PageText (extract / ocr) ─▶ Sentence, Mention (nlp) ─▶ RelationMention (relations)
//!         DocumentReport (every stage adds to it) ──┴──▶ DocumentResult ─▶ the collector
//! ```

mod entity_type;
mod kind;
mod predicate;
pub use entity_type::{EntityType, Label};
pub use kind::TextKind;
pub use predicate::Predicate;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::ErrorKind;

/// Why a page's own text was not used and the page went to OCR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OcrReason {
    /// No text layer, or too little to be the page's content.
    NoTextLayer,
    /// The text decodes to garbage; the test that failed.
    Garbage(String),
}

impl std::fmt::Display for OcrReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OcrReason::NoTextLayer => f.write_str("no text layer"),
            OcrReason::Garbage(why) => write!(f, "text is garbage ({why})"),
        }
    }
}

impl std::str::FromStr for OcrReason {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "no text layer" {
            return Ok(OcrReason::NoTextLayer);
        }
        s.strip_prefix("text is garbage (")
            .and_then(|r| r.strip_suffix(')'))
            .map(|why| OcrReason::Garbage(why.to_string()))
            .ok_or_else(|| format!("unknown OCR reason: {s}"))
    }
}

// Written in words in the report and texts.json, read back from the cache.
impl Serialize for OcrReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for OcrReason {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// Where a page's text came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum PageSource {
    /// The PDF's own text.
    Text,
    /// Tesseract, for the reason given.
    Ocr {
        /// Why the page's own text was not used.
        reason: OcrReason,
    },
}

/// The text of one page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageText {
    /// 1-based page number.
    pub page: u32,
    /// Where the text came from.
    #[serde(flatten)]
    pub source: PageSource,
    /// The text; every character offset in the outputs points into it.
    pub text: String,
}

/// A sentence (or a chunk of a long one) as the models read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    /// Index into the document's page texts.
    pub page_index: usize,
    /// Start in the page text (characters).
    pub start: usize,
    /// End in the page text (characters).
    pub end: usize,
    /// The sentence with line breaks as spaces (same character count).
    pub text: String,
    /// What kind of text it is (relations are read from prose).
    pub kind: TextKind,
}

/// An entity mention in a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mention {
    /// The text exactly as it stands in the page text.
    pub text: String,
    /// Entity type.
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    /// Key of the entity it refers to (merging variants).
    pub key: String,
    /// Tidied name, used to choose the entity's canonical name.
    pub name: String,
    /// 1-based page.
    pub page: u32,
    /// First character in the page text.
    pub start: usize,
    /// Character after the last, in the page text.
    pub end: usize,
    /// Model confidence (for an inferred mention, that of the mention it was inferred from).
    pub score: f32,
    /// Not labelled by the model here, but the same name it labelled elsewhere in the document.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
    /// A name of the list of entities (`--entities`): `name` is the list's name for the
    /// entity, `text` the name or alias the page uses.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub listed: bool,
}

/// A relation read in one sentence: a typed predicate from the relation model, or (with
/// `predicate: None`) two entities named close together in a sentence (co-occurrence).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelationMention {
    /// Key of the head entity.
    pub subject: String,
    /// Key of the tail entity.
    pub object: String,
    /// The predicate; `None` for co-occurrence.
    pub predicate: Option<Predicate>,
    /// The model's probability for the predicate (absent for co-occurrence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f32>,
    /// 1-based page.
    pub page: u32,
    /// Sentence start in the page text (characters).
    pub start: usize,
    /// Sentence end in the page text (characters).
    pub end: usize,
    /// The head mention in the page text (characters, end exclusive).
    pub subject_span: (usize, usize),
    /// The tail mention in the page text.
    pub object_span: (usize, usize),
    /// The sentence.
    pub sentence: String,
    /// What kind of text the sentence is (absent: prose).
    #[serde(default, skip_serializing_if = "TextKind::is_prose")]
    pub kind: TextKind,
    /// How the relation is known (absent: stated in the sentence between two names). For an
    /// inferred relation the sentence is the first premise's, and the spans point at the
    /// mentions the inference joined, which can stand in other sentences.
    #[serde(default, skip_serializing_if = "Basis::is_stated")]
    pub basis: Basis,
    /// For a relation inferred along a chain, the relations it follows from, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub premises: Vec<Premise>,
}

/// How a relation is known.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Stated in one sentence between two named mentions.
    #[default]
    Stated,
    /// Stated in one sentence, one end (or both) a pronoun or description resolved to the
    /// entity ([`Reference`]): "It is headquartered in Munich".
    Reference,
    /// Read by the window model across sentences: the two entities never share a sentence
    /// (see `crate::relations::across`); the sentence is the stretch from one to the other.
    Across,
    /// Inferred along a `Located_In` chain: `Located_In` is transitive, and `OrgBased_In` and
    /// `Live_In` carry up it ("X is based in Leeds", "Leeds is in England": X is based in
    /// England).
    Chain,
    /// Inferred from the document as a whole: a place it names lies in the one country it
    /// names, an organisation is based there (a prior, not a reading; see
    /// `crate::relations::infer`).
    Country,
    /// Inferred from the document as a whole: in a document about a place, another place it
    /// names lies where the topic lies (a prior, with the topic's relation as its premise).
    Topic,
}

impl Basis {
    /// Stated in one sentence (the default, not written out).
    pub fn is_stated(&self) -> bool {
        *self == Basis::Stated
    }

    /// Read in the text (in a sentence, through a reference, or across sentences), not
    /// inferred.
    pub fn is_read(&self) -> bool {
        matches!(self, Basis::Stated | Basis::Reference | Basis::Across)
    }

    /// The name written in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Basis::Stated => "stated",
            Basis::Reference => "reference",
            Basis::Across => "across",
            Basis::Chain => "chain",
            Basis::Country => "country",
            Basis::Topic => "topic",
        }
    }
}

/// A relation an inferred one rests on: its entities, predicate and where it was read.
#[derive(Debug, Clone, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Premise {
    /// Key of the head entity.
    pub subject: String,
    /// The predicate.
    pub predicate: Predicate,
    /// Key of the tail entity.
    pub object: String,
    /// 1-based page of its sentence.
    pub page: u32,
    /// Sentence start in the page text (characters).
    pub start: usize,
    /// Sentence end in the page text (characters).
    pub end: usize,
}

/// A pronoun or description ("he", "its", "the company") resolved to an entity its document
/// names, so that what the sentence says of it counts for that entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    /// The words as they stand in the page text.
    pub text: String,
    /// Key of the entity it refers to.
    pub key: String,
    /// That entity's type.
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    /// 1-based page.
    pub page: u32,
    /// First character in the page text.
    pub start: usize,
    /// Character after the last, in the page text.
    pub end: usize,
    /// The named mention it was resolved to: page, start, end.
    pub antecedent: (u32, usize, usize),
    /// The rule that resolved it.
    pub rule: ReferenceRule,
}

/// How a [`Reference`] was resolved (see `crate::nlp::coref`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceRule {
    /// To the document's topic: the first entity of a fitting type it names.
    Topic,
    /// To the nearest entity of a fitting type named before it.
    Recent,
    /// A description to the nearest earlier name that ends in its noun ("the county" →
    /// "Adams County").
    Named,
}

impl ReferenceRule {
    /// The name written in outputs.
    pub fn name(self) -> &'static str {
        match self {
            ReferenceRule::Topic => "topic",
            ReferenceRule::Recent => "recent",
            ReferenceRule::Named => "named",
        }
    }
}

/// A sentence that is not prose, and what it is instead (see [`TextKind`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentenceKind {
    /// 1-based page.
    pub page: u32,
    /// Sentence start in the page text (characters).
    pub start: usize,
    /// Sentence end in the page text (characters).
    pub end: usize,
    /// Its kind.
    pub kind: TextKind,
}

/// How a document's processing ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocStatus {
    /// Processed; its entities are in the graph.
    Ok,
    /// Could not be processed; `error` says why.
    Failed,
    /// Exceeded `--doc-timeout`.
    TimedOut,
    /// The run was cancelled before the document finished.
    Cancelled,
}

/// A page that went to OCR, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OcrPage {
    /// 1-based page number.
    pub page: u32,
    /// Why the page's own text was not used.
    pub reason: OcrReason,
    /// Characters of text OCR produced.
    pub chars: usize,
    /// What went wrong, if OCR produced nothing.
    #[serde(default)]
    pub error: Option<String>,
    /// The resolution of the page's scan, where an image was read.
    #[serde(default)]
    pub dpi: Option<Resolution>,
}

/// The resolution of a scanned page: as drawn, and as Tesseract read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// Pixels per inch of the page image as drawn (the finest, where a page has several).
    pub image: u32,
    /// Pixels per inch Tesseract was given: the same, or 300 for scans finer than 360 dpi
    /// (averaged down, see `crate::ocr::prepare`).
    pub read: u32,
}

/// Seconds each stage was busy, summed over the threads that worked on it (so they can exceed
/// wall time): processor time of the OCR, NER and relation steps (load and extract are wall
/// time, and small). Time spent waiting is left out: for a model to load, for an instance to
/// come free, for a core another thread held, and for other documents' work a thread took on
/// while a nested parallel step finished.
/// So a stage's rate per busy core (items / seconds) means the same in sequential and
/// parallel runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct StageSeconds {
    /// Reading and parsing the file.
    pub load: f64,
    /// Interpreting page content and laying out text.
    pub extract: f64,
    /// Decoding page images and running Tesseract.
    pub ocr: f64,
    /// Sentence splitting, the NER model, naming mentions.
    pub ner: f64,
    /// Candidate pairs and the relation model, within sentences.
    pub relations: f64,
    /// The document stage: pronouns resolved, the window model across sentences, inference.
    #[serde(default)]
    pub document: f64,
}

impl StageSeconds {
    /// Adds another set of stage times to this one.
    pub fn add(&mut self, o: &StageSeconds) {
        self.load += o.load;
        self.extract += o.extract;
        self.ocr += o.ocr;
        self.ner += o.ner;
        self.relations += o.relations;
        self.document += o.document;
    }
}

/// One document's line in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentReport {
    /// Path relative to the input folder.
    pub path: String,
    /// How it ended.
    pub status: DocStatus,
    /// Stable kind of the error, when not ok (`null` when ok).
    #[serde(default)]
    pub error_kind: Option<ErrorKind>,
    /// The error in words, when not ok (`null` when ok).
    #[serde(default)]
    pub error: Option<String>,
    /// Problems that did not stop the document (a page that could not be read, …).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Size of the file in bytes.
    pub bytes: u64,
    /// SHA-256 of the file's bytes (the key of its cached result; `null` when the file could
    /// not be read).
    #[serde(default)]
    pub sha256: Option<String>,
    /// True when the result was reused from an earlier run of the same file.
    #[serde(default)]
    pub reused: bool,
    /// Pages in the document.
    pub pages: usize,
    /// Pages whose own text was used.
    pub text_pages: usize,
    /// Pages sent to OCR, with the reason.
    #[serde(default)]
    pub ocr_pages: Vec<OcrPage>,
    /// Sentences given to the model.
    pub sentences: usize,
    /// Entity mentions found.
    pub mentions: usize,
    /// Distinct entities among them.
    pub entities: usize,
    /// Relation mentions found (typed and co-occurrence).
    pub relations: usize,
    /// Candidate pairs the relation model scored within sentences.
    #[serde(default)]
    pub relation_pairs: usize,
    /// Wall-clock seconds for this document.
    pub seconds: f64,
    /// Time per stage.
    pub stages: StageSeconds,
}

impl DocumentReport {
    /// A report for a document that has not (yet) produced anything.
    pub fn new(path: &str, bytes: u64) -> Self {
        DocumentReport {
            path: path.to_string(),
            status: DocStatus::Ok,
            error_kind: None,
            error: None,
            warnings: Vec::new(),
            bytes,
            sha256: None,
            reused: false,
            pages: 0,
            text_pages: 0,
            ocr_pages: Vec::new(),
            sentences: 0,
            mentions: 0,
            entities: 0,
            relations: 0,
            relation_pairs: 0,
            seconds: 0.0,
            stages: StageSeconds::default(),
        }
    }

    /// Marks the document as ended by `err`.
    pub fn fail(&mut self, err: &crate::Error) {
        let kind = err.kind();
        self.status = match kind {
            ErrorKind::Timeout => DocStatus::TimedOut,
            ErrorKind::Cancelled => DocStatus::Cancelled,
            _ => DocStatus::Failed,
        };
        self.error_kind = Some(kind);
        self.error = Some(err.to_string());
    }
}

/// Everything one document produced: plain data, sent to the writer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentResult {
    /// The report line.
    pub report: DocumentReport,
    /// Entity mentions in page and offset order.
    pub mentions: Vec<Mention>,
    /// Relations in page and offset order.
    pub relations: Vec<RelationMention>,
    /// Its sentences that are not prose, in page and offset order (every other one is).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sentence_kinds: Vec<SentenceKind>,
    /// Pronouns and descriptions resolved to its entities, in page and offset order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// Page texts (kept only when asked for).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pages: Vec<PageText>,
}

impl DocumentResult {
    /// A result with no content for the document at `path` (relative to the input folder,
    /// `bytes` long) that ended with `err`.
    pub fn failed(path: &str, bytes: u64, err: &crate::Error, seconds: f64) -> Self {
        let mut report = DocumentReport::new(path, bytes);
        report.fail(err);
        report.seconds = seconds;
        DocumentResult::empty(report)
    }

    /// A result holding only its report: no pages, mentions or relations.
    pub fn empty(report: DocumentReport) -> Self {
        DocumentResult {
            report,
            mentions: Vec::new(),
            relations: Vec::new(),
            sentence_kinds: Vec::new(),
            references: Vec::new(),
            pages: Vec::new(),
        }
    }
}

/// Records built by hand for unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// Prose sentences of one page, one after another (a space between), and named mentions
    /// given as (sentence, name, type), found in their sentence (keys: the name in lower case).
    pub(crate) fn document(
        texts: &[&str],
        names: &[(usize, &str, EntityType)],
    ) -> (Vec<Sentence>, Vec<(usize, Mention)>) {
        let mut sentences = Vec::new();
        let mut at = 0;
        for t in texts {
            let n = t.chars().count();
            sentences.push(Sentence {
                page_index: 0,
                start: at,
                end: at + n,
                text: t.to_string(),
                kind: TextKind::Prose,
            });
            at += n + 1;
        }
        let named = names
            .iter()
            .map(|&(s, name, ty)| {
                let byte = texts[s].find(name).expect("name in its sentence");
                let start = sentences[s].start + texts[s][..byte].chars().count();
                let m = Mention {
                    text: name.into(),
                    entity_type: ty,
                    key: name.to_lowercase(),
                    name: name.into(),
                    page: 1,
                    start,
                    end: start + name.chars().count(),
                    score: 0.9,
                    inferred: false,
                    listed: false,
                };
                (s, m)
            })
            .collect();
        (sentences, named)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ocr_reasons_are_written_in_words_and_read_back() {
        for r in [
            OcrReason::NoTextLayer,
            OcrReason::Garbage("few vowels".into()),
        ] {
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<OcrReason>(&json).unwrap(), r);
        }
        assert_eq!(
            serde_json::to_string(&OcrReason::Garbage("symbols".into())).unwrap(),
            "\"text is garbage (symbols)\""
        );
        assert!(serde_json::from_str::<OcrReason>("\"felt like it\"").is_err());
    }
}
