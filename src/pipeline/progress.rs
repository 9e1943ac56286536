//! Progress of a run, as named steps (a library user renders them as they like; the CLI draws
//! a status line on a terminal).

use std::time::Duration;

use crate::record::DocStatus;

/// A step of a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress<'a> {
    /// The walk finished.
    Discovered {
        /// PDFs found.
        documents: usize,
    },
    /// A document finished (in any state).
    Document {
        /// Documents finished so far.
        done: usize,
        /// Documents in the run.
        total: usize,
        /// Pages finished so far.
        pages: usize,
        /// Of which OCR'd.
        ocr_pages: usize,
        /// Since the first document started.
        elapsed: Duration,
        /// The document.
        path: &'a str,
        /// How it ended.
        status: DocStatus,
    },
    /// Pages keep being finished inside documents still in flight (sent twice a second while
    /// the count moves, so a long document shows progress).
    Pages {
        /// Documents finished so far.
        done: usize,
        /// Documents in the run.
        total: usize,
        /// Pages finished so far, in finished documents and in those in flight.
        pages: usize,
        /// Sentences through the NER model so far.
        sentences: usize,
        /// Candidate pairs through the relation model so far.
        pairs: usize,
        /// Since the first document started.
        elapsed: Duration,
    },
    /// All documents are done; the graph is being assembled and written.
    Assembling,
}

impl Progress<'_> {
    /// Estimated time left, from the rate so far.
    pub fn eta(&self) -> Option<Duration> {
        match self {
            Progress::Document {
                done,
                total,
                elapsed,
                ..
            } if *done > 0 => {
                let per = elapsed.as_secs_f64() / *done as f64;
                Some(Duration::from_secs_f64(per * (total - done) as f64))
            }
            _ => None,
        }
    }
}

impl Progress<'_> {
    /// The event as one JSON object (`{"event": "document", "done": 3, …}`): what
    /// `--progress json` prints, and what the Python package hands its callback.
    pub fn to_json(&self) -> serde_json::Value {
        let p = self;
        match p {
            Progress::Discovered { documents } => {
                serde_json::json!({ "event": "discovered", "documents": documents })
            }
            Progress::Document {
                done,
                total,
                pages,
                ocr_pages,
                elapsed,
                path,
                status,
            } => serde_json::json!({
                "event": "document",
                "done": done,
                "total": total,
                "pages_done": pages,
                "ocr_pages_done": ocr_pages,
                "elapsed_s": elapsed.as_secs_f64(),
                "eta_s": p.eta().map(|d| d.as_secs_f64()),
                "path": path,
                "status": status,
            }),
            Progress::Pages {
                done,
                total,
                pages,
                sentences,
                pairs,
                elapsed,
            } => serde_json::json!({
                "event": "pages",
                "done": done,
                "total": total,
                "pages_done": pages,
                "sentences_done": sentences,
                "pairs_done": pairs,
                "elapsed_s": elapsed.as_secs_f64(),
            }),
            Progress::Assembling => serde_json::json!({ "event": "assembling" }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_extrapolates_the_rate_so_far() {
        let p = Progress::Document {
            done: 2,
            total: 10,
            pages: 5,
            ocr_pages: 0,
            elapsed: Duration::from_secs(4),
            path: "a.pdf",
            status: DocStatus::Ok,
        };
        assert_eq!(p.eta(), Some(Duration::from_secs(16)));
        assert_eq!(Progress::Assembling.eta(), None);
    }
}
