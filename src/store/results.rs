//! `results.jsonl`: every document's result, in the output set, so that other runs' outputs can
//! be merged without the models or the PDFs (`docgraph merge`).
//!
//! The first line describes the file: its format, the options fingerprint the results were made
//! under, the shard, the number of documents and the walk's warnings. Then one line per
//! document, in path order: a header (content hash, fingerprint, checksum of the result: the
//! same check as cache entries) and the result, separated by a tab. Page texts are included
//! only when the run kept them (`--keep-text`). A truncated file, a damaged line or a line made
//! under other options is an error when read, never a silently smaller merge.

use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::record::DocumentResult;
use crate::shard::Shard;
use crate::store::cache::{encode_entry, verify_entry};

/// The file's name in an output folder.
pub const RESULTS_FILE: &str = "results.jsonl";
/// What the first line's `format` says.
pub const FORMAT: &str = "docgraph.results/1";

/// The first line of `results.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultsHeader {
    /// Always [`FORMAT`].
    pub format: String,
    /// docgraph's version that wrote it.
    pub version: String,
    /// What determines results (version, models, options): outputs merge only when equal.
    pub fingerprint: String,
    /// The shard the run processed; `None` for all documents.
    pub shard: Option<Shard>,
    /// Lines that follow.
    pub documents: usize,
    /// Folders or links the walk could not follow.
    #[serde(default)]
    pub walk_warnings: Vec<String>,
}

/// A results file read back.
#[derive(Debug)]
pub struct ResultsFile {
    /// Its first line.
    pub header: ResultsHeader,
    /// Its documents' results.
    pub results: Vec<DocumentResult>,
}

/// The bytes of `results.jsonl` for these results.
pub fn encode(
    results: &[DocumentResult],
    fingerprint: &str,
    shard: Option<Shard>,
    walk_warnings: &[String],
) -> Result<Vec<u8>> {
    let header = ResultsHeader {
        format: FORMAT.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        fingerprint: fingerprint.into(),
        shard,
        documents: results.len(),
        walk_warnings: walk_warnings.to_vec(),
    };
    let mut out = serde_json::to_vec(&header).map_err(|e| Error::Serialize {
        what: RESULTS_FILE,
        message: e.to_string(),
    })?;
    out.push(b'\n');
    for r in results {
        let (head, body) = encode_entry(r, fingerprint)?;
        out.extend_from_slice(&head);
        out.push(b'\t');
        out.extend_from_slice(&body);
        out.push(b'\n');
    }
    Ok(out)
}

/// Reads and checks the results file `path` (or `path/results.jsonl` when `path` is a folder).
pub fn read(path: &Path) -> Result<ResultsFile> {
    let file_path = if path.is_dir() {
        path.join(RESULTS_FILE)
    } else {
        path.to_path_buf()
    };
    let file = std::fs::File::open(&file_path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Merge(format!(
                "{} has no {RESULTS_FILE}: not a docgraph output folder, or written by a \
                 version before 0.2 (run ingest into it again)",
                path.display()
            ))
        } else {
            Error::io(&file_path, e)
        }
    })?;
    let bad = |line: usize, why: &str| {
        Error::Merge(format!(
            "{} line {line}: {why}; run that ingest again (it resumes from its cache)",
            file_path.display()
        ))
    };
    let mut lines = BufReader::with_capacity(1 << 20, file).split(b'\n');
    let first = lines
        .next()
        .ok_or_else(|| bad(1, "empty file"))?
        .map_err(|e| Error::io(&file_path, e))?;
    let header: ResultsHeader = serde_json::from_slice(&first)
        .map_err(|e| bad(1, &format!("not a docgraph results header ({e})")))?;
    if header.format != FORMAT {
        return Err(bad(
            1,
            &format!("format {:?}, this docgraph reads {FORMAT:?}", header.format),
        ));
    }
    let mut results = Vec::with_capacity(header.documents.min(1 << 20));
    for (i, line) in lines.enumerate() {
        let line = line.map_err(|e| Error::io(&file_path, e))?;
        let n = i + 2;
        let tab = line
            .iter()
            .position(|&b| b == b'\t')
            .ok_or_else(|| bad(n, "no header before the result"))?;
        let r = verify_entry(&line[..tab], &line[tab + 1..], None, &header.fingerprint)
            .map_err(|why| bad(n, &why))?;
        results.push(r);
    }
    if results.len() != header.documents {
        return Err(bad(
            results.len() + 2,
            &format!(
                "the file ends after {} of {} documents (cut short)",
                results.len(),
                header.documents
            ),
        ));
    }
    Ok(ResultsFile { header, results })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::DocumentReport;

    fn result(path: &str, sha: &str) -> DocumentResult {
        let mut report = DocumentReport::new(path, 10);
        report.sha256 = Some(sha.into());
        DocumentResult::empty(report)
    }

    #[test]
    fn results_round_trip_and_damage_is_an_error_naming_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(RESULTS_FILE);
        let rs = vec![result("a.pdf", "aa"), result("b.pdf", "bb")];
        let shard = Shard::new(2, 3);
        std::fs::write(&path, encode(&rs, "fp", shard, &["w".into()]).unwrap()).unwrap();
        let back = read(dir.path()).unwrap();
        assert_eq!(back.header.shard, shard);
        assert_eq!(back.header.walk_warnings, ["w"]);
        assert_eq!(back.results.len(), 2);
        assert_eq!(back.results[1].report.path, "b.pdf");

        let good = std::fs::read(&path).unwrap();
        // Cut short by a whole line.
        let cut = good[..good.len() - 1]
            .iter()
            .rposition(|&b| b == b'\n')
            .unwrap()
            + 1;
        std::fs::write(&path, &good[..cut]).unwrap();
        let e = read(&path).unwrap_err().to_string();
        assert!(e.contains("after 1 of 2"), "{e}");
        // One byte of a result changed.
        let text = String::from_utf8(good.clone()).unwrap();
        std::fs::write(&path, text.replace("\"b.pdf\"", "\"c.pdf\"")).unwrap();
        let e = read(&path).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("checksum"), "{e}");
        // Not a results file at all.
        std::fs::write(&path, b"{}\n").unwrap();
        assert!(read(&path).is_err());
        let e = read(&dir.path().join("nothing")).unwrap_err().to_string();
        assert!(e.contains("no results.jsonl"), "{e}");
    }
}
