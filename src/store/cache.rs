//! Per-document results kept between runs, keyed by the SHA-256 of the file's bytes.
//!
//! Each finished document's result is written (atomically) to
//! `<cache dir>/<fingerprint>/<sha256>.json` as soon as the run's collector receives it. A later run over
//! the same folder reuses the result of every file whose bytes it has seen (wherever the file now
//! is), processes new and changed files, and, since the graph is built from the files found now,
//! drops removed ones; their entries are pruned at the end of a complete run. A run killed
//! half-way resumes where it stopped. The fingerprint covers everything that changes results
//! (docgraph's version and results revision, the models, OCR language and image handling,
//! relation options, precision), so a change there starts afresh. Entries hold the page texts
//! whether or not a run asks for them, so `--keep-text` can be switched without processing
//! anything again.
//!
//! Nothing in the cache is trusted blindly: an entry is a header line (the document's content
//! hash, the fingerprint, a SHA-256 of the body) followed by the result. An entry whose header
//! names another document or configuration, or whose body does not match its checksum, is
//! [`Lookup::Invalid`]: the document is processed again and the report says why.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::digest::sha256_hex;
use crate::error::{Error, Result};
use crate::record::{DocStatus, DocumentResult};

/// Raised by every change that alters a document's result for the same file and options
/// between releases of one version, so that results an older build kept are not taken for this
/// one's. 2: scans finer than 300 dpi are read at 300, and OCR'd pages give their resolution.
/// 3: whole names (`nlp::boundaries`), datelines and headlines as sentences, ToUnicode maps
/// read entry by entry, documents without text failed (`no_text`), typed relations from prose only
/// (sentence kinds recorded). 4: pronouns and descriptions resolved (`references`), relations
/// read through them and inferred (`basis`, `premises`). 5: text states of rows past NER's
/// budget computed by NER's instances; organisations in the one country, places in the
/// topic's places (`basis` `topic`). 6: names mended (glued on, a licence's head word, joined
/// where the document names them whole), code shapes and mojibake no names, form fields a kind.
const RESULTS_REVISION: u32 = 6;

/// The cache of one configuration.
#[derive(Debug, Clone)]
pub struct ResultCache {
    root: PathBuf,
    dir: PathBuf,
    fingerprint: String,
}

/// What the cache holds for a document.
#[derive(Debug)]
pub enum Lookup {
    /// A result for exactly these bytes under this configuration.
    Hit(Box<DocumentResult>),
    /// Nothing.
    Miss,
    /// An entry that must not be used, and why.
    Invalid(String),
}

/// The first line of an entry: whose result it is.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Header {
    /// The document's content hash; empty for a document that could not be read.
    sha256: String,
    fingerprint: String,
    checksum: String,
}

/// A result as a header (whose result it is: content hash, `fingerprint`, checksum of the
/// body) and a body (the result), both compact JSON on one line each. The same form serves
/// cache entries and the lines of `results.jsonl`.
pub(crate) fn encode_entry(r: &DocumentResult, fingerprint: &str) -> Result<(Vec<u8>, Vec<u8>)> {
    let serialize = |e: serde_json::Error| Error::Serialize {
        what: "a document's result",
        message: e.to_string(),
    };
    let body = serde_json::to_vec(r).map_err(serialize)?;
    let header = Header {
        sha256: r.report.sha256.clone().unwrap_or_default(),
        fingerprint: fingerprint.to_string(),
        checksum: sha256_hex(&body),
    };
    Ok((serde_json::to_vec(&header).map_err(serialize)?, body))
}

/// The result in an entry (see [`encode_entry`]), or why it must not be used: its body does
/// not match its checksum, it names another document than `sha256` (when given), or it was
/// made under another `fingerprint`.
pub(crate) fn verify_entry(
    head: &[u8],
    body: &[u8],
    sha256: Option<&str>,
    fingerprint: &str,
) -> std::result::Result<DocumentResult, String> {
    let header: Header =
        serde_json::from_slice(head).map_err(|e| format!("unreadable header: {e}"))?;
    if sha256_hex(body) != header.checksum {
        return Err("damaged: its checksum does not match".into());
    }
    if let Some(sha256) = sha256 {
        if header.sha256 != sha256 {
            return Err(format!(
                "it holds the result of another document ({}…)",
                &header.sha256[..header.sha256.len().min(12)]
            ));
        }
    }
    if header.fingerprint != fingerprint {
        return Err("it was made under other options or models".into());
    }
    let r: DocumentResult =
        serde_json::from_slice(body).map_err(|e| format!("unreadable result: {e}"))?;
    if r.report.sha256.as_deref().unwrap_or_default() != header.sha256 {
        return Err("its result names another document".into());
    }
    Ok(r)
}

/// Results worth remembering: successes, and failures that are a property of the file.
fn cacheable(r: &DocumentResult) -> bool {
    match r.report.status {
        DocStatus::Ok => true,
        DocStatus::Failed => r.report.error_kind.is_some_and(|k| k.is_permanent()),
        DocStatus::TimedOut | DocStatus::Cancelled => false,
    }
}

impl ResultCache {
    /// A cache under `root` for results produced under `fingerprint`.
    pub fn open(root: &Path, fingerprint: &str) -> Result<Self> {
        let dir = root.join(fingerprint);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(ResultCache {
            root: root.to_path_buf(),
            dir,
            fingerprint: fingerprint.to_string(),
        })
    }

    /// A fingerprint of what determines a document's result: docgraph's version and results
    /// revision, and `parts` (models, options).
    pub fn fingerprint(parts: &[&str]) -> String {
        let mut h = Sha256::new();
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        h.update(RESULTS_REVISION.to_le_bytes());
        for p in parts {
            h.update((p.len() as u64).to_le_bytes());
            h.update(p.as_bytes());
        }
        sha256_hex(&h.finalize())[..16].to_string()
    }

    fn entry(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}.json"))
    }

    /// The stored result for a file with these contents, checked against its header.
    pub fn get(&self, sha256: &str) -> Lookup {
        let Ok(bytes) = std::fs::read(self.entry(sha256)) else {
            return Lookup::Miss;
        };
        match self.check(sha256, &bytes) {
            Ok(r) => Lookup::Hit(Box::new(r)),
            Err(why) => Lookup::Invalid(why),
        }
    }

    fn check(&self, sha256: &str, bytes: &[u8]) -> std::result::Result<DocumentResult, String> {
        let split = bytes
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("no header line")?;
        verify_entry(
            &bytes[..split],
            &bytes[split + 1..],
            Some(sha256),
            &self.fingerprint,
        )
    }

    /// Stores a result, if it is worth keeping and has a content hash.
    pub fn put(&self, r: &DocumentResult) -> Result<()> {
        let Some(sha) = r.report.sha256.as_deref() else {
            return Ok(());
        };
        if !cacheable(r) || r.report.reused {
            return Ok(());
        }
        let (mut bytes, body) = encode_entry(r, &self.fingerprint)?;
        bytes.push(b'\n');
        bytes.extend_from_slice(&body);
        super::folder::write_atomic(&self.entry(sha), &bytes)
    }

    /// Removes entries of files not in `keep`, and caches of other configurations.
    pub fn prune(&self, keep: &HashSet<String>) {
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let sha = name.strip_suffix(".json").unwrap_or(&name);
                if !keep.contains(sha) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        if let Ok(entries) = std::fs::read_dir(&self.root) {
            for e in entries.flatten() {
                if e.path() != self.dir && e.path().is_dir() {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::record::DocumentReport;

    fn result(sha: &str, status: DocStatus, kind: Option<ErrorKind>) -> DocumentResult {
        let mut report = DocumentReport::new("a.pdf", 3);
        report.sha256 = Some(sha.into());
        report.status = status;
        report.error_kind = kind;
        DocumentResult::empty(report)
    }

    #[test]
    fn results_round_trip_and_only_lasting_outcomes_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::open(dir.path(), "fp").unwrap();
        cache.put(&result("aa", DocStatus::Ok, None)).unwrap();
        cache
            .put(&result(
                "bb",
                DocStatus::Failed,
                Some(ErrorKind::PasswordRequired),
            ))
            .unwrap();
        cache
            .put(&result("cc", DocStatus::TimedOut, Some(ErrorKind::Timeout)))
            .unwrap();
        cache
            .put(&result("dd", DocStatus::Failed, Some(ErrorKind::Panic)))
            .unwrap();
        assert!(matches!(cache.get("aa"), Lookup::Hit(r) if r.report.status == DocStatus::Ok));
        assert!(matches!(cache.get("bb"), Lookup::Hit(_)));
        assert!(
            matches!(cache.get("cc"), Lookup::Miss),
            "a timeout is not a property of the file"
        );
        assert!(
            matches!(cache.get("dd"), Lookup::Miss),
            "a panic may be fixed by the next version"
        );
    }

    #[test]
    fn pruning_drops_removed_files_and_other_configurations() {
        let dir = tempfile::tempdir().unwrap();
        let old = ResultCache::open(dir.path(), "old").unwrap();
        old.put(&result("aa", DocStatus::Ok, None)).unwrap();
        let cache = ResultCache::open(dir.path(), "new").unwrap();
        cache.put(&result("aa", DocStatus::Ok, None)).unwrap();
        cache.put(&result("bb", DocStatus::Ok, None)).unwrap();
        cache.prune(&HashSet::from(["aa".to_string()]));
        assert!(matches!(cache.get("aa"), Lookup::Hit(_)));
        assert!(matches!(cache.get("bb"), Lookup::Miss));
        assert!(!dir.path().join("old").exists());
    }

    #[test]
    fn swapped_damaged_and_foreign_entries_are_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::open(dir.path(), "fp").unwrap();
        cache.put(&result("aa", DocStatus::Ok, None)).unwrap();
        cache.put(&result("bb", DocStatus::Ok, None)).unwrap();
        let path = |sha: &str| cache.entry(sha);
        // Swapped: bb's file now holds aa's entry.
        std::fs::copy(path("aa"), path("bb")).unwrap();
        assert!(matches!(cache.get("bb"), Lookup::Invalid(w) if w.contains("another document")));
        // Damaged: cut short.
        let bytes = std::fs::read(path("aa")).unwrap();
        std::fs::write(path("aa"), &bytes[..bytes.len() - 5]).unwrap();
        assert!(matches!(cache.get("aa"), Lookup::Invalid(w) if w.contains("checksum")));
        // Foreign: made under another configuration, copied in.
        let other = ResultCache::open(dir.path(), "other").unwrap();
        other.put(&result("cc", DocStatus::Ok, None)).unwrap();
        std::fs::copy(other.entry("cc"), path("cc")).unwrap();
        assert!(matches!(cache.get("cc"), Lookup::Invalid(w) if w.contains("other options")));
        // Garbage.
        std::fs::write(path("dd"), b"{not json").unwrap();
        assert!(matches!(cache.get("dd"), Lookup::Invalid(_)));
    }

    #[test]
    fn fingerprints_change_with_what_changes_results() {
        let fp = ResultCache::fingerprint;
        assert_ne!(fp(&["m", "eng"]), fp(&["m", "deu"]));
        assert_ne!(fp(&["ab", "c"]), fp(&["a", "bc"]), "parts are delimited");
        assert_eq!(fp(&["m", "eng"]), fp(&["m", "eng"]));
        let d = Path::new("/nonexistent");
        assert_eq!(
            crate::digest::model_fingerprint(d),
            crate::digest::model_fingerprint(d)
        );
    }
}
