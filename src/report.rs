//! What a run did, per document and in total: the data behind `report.json`.

use serde::{Deserialize, Serialize};

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
    pub reason: String,
    /// Characters of text OCR produced.
    pub chars: usize,
    /// What went wrong, if OCR produced nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Seconds spent in each stage (summed over threads, so they can exceed wall time).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct StageSeconds {
    /// Reading and parsing the file.
    pub load: f64,
    /// Interpreting page content and laying out text.
    pub extract: f64,
    /// Decoding page images and running Tesseract.
    pub ocr: f64,
    /// Sentence splitting and the NER model.
    pub ner: f64,
    /// Normalising entities and extracting relations.
    pub relations: f64,
}

impl StageSeconds {
    /// Adds another set of stage times to this one.
    pub fn add(&mut self, o: &StageSeconds) {
        self.load += o.load;
        self.extract += o.extract;
        self.ocr += o.ocr;
        self.ner += o.ner;
        self.relations += o.relations;
    }
}

/// One document's line in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentReport {
    /// Path relative to the input folder.
    pub path: String,
    /// How it ended.
    pub status: DocStatus,
    /// Stable kind of the error (see `Error::kind`), when not ok.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<String>,
    /// The error in words, when not ok.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Problems that did not stop the document (a page that could not be read, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Size of the file in bytes.
    pub bytes: u64,
    /// SHA-256 of the file's bytes (the key of its cached result).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// True when the result was reused from an earlier run of the same file.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
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
    /// Relation mentions found.
    pub relations: usize,
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
            seconds: 0.0,
            stages: StageSeconds::default(),
        }
    }

    /// Marks the document as ended by `err`.
    pub fn fail(&mut self, err: &crate::Error) {
        self.status = match err {
            crate::Error::Timeout(_) => DocStatus::TimedOut,
            crate::Error::Cancelled => DocStatus::Cancelled,
            _ => DocStatus::Failed,
        };
        self.error_kind = Some(err.kind().to_string());
        self.error = Some(err.to_string());
    }
}

/// Totals over the run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Documents found.
    pub documents: usize,
    /// Documents processed.
    pub ok: usize,
    /// Documents that failed.
    pub failed: usize,
    /// Documents over the time limit.
    pub timed_out: usize,
    /// Documents not finished because the run was cancelled.
    pub cancelled: usize,
    /// Documents whose results were reused from an earlier run.
    pub reused: usize,
    /// Pages of the processed documents.
    pub pages: usize,
    /// Of which OCR'd.
    pub ocr_pages: usize,
    /// Entity mentions.
    pub mentions: usize,
    /// Entity nodes in the graph.
    pub entities: usize,
    /// Relation edges in the graph.
    pub relations: usize,
}

/// The whole run: `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// docgraph's version.
    pub version: String,
    /// `parallel` or `sequential`.
    pub mode: String,
    /// Worker threads.
    pub workers: usize,
    /// NER model instances.
    pub ner_instances: usize,
    /// True when the run was cancelled (Ctrl-C); the outputs hold what finished.
    pub cancelled: bool,
    /// Wall-clock seconds (model loading excluded).
    pub seconds: f64,
    /// Peak resident memory of the process, MiB, when known.
    #[serde(default)]
    pub peak_rss_mib: Option<f64>,
    /// Totals.
    pub summary: Summary,
    /// Time per stage, summed over documents.
    pub stage_seconds: StageSeconds,
    /// Folders or links the walk could not follow.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub walk_warnings: Vec<String>,
    /// One entry per document, in path order.
    pub documents: Vec<DocumentReport>,
}

impl RunReport {
    /// True when every document was processed.
    pub fn all_ok(&self) -> bool {
        !self.cancelled && self.documents.iter().all(|d| d.status == DocStatus::Ok)
    }
}
