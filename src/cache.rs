//! Per-document results kept between runs, keyed by the SHA-256 of the file's bytes.
//!
//! Each finished document's result is written (atomically) to
//! `<cache dir>/<fingerprint>/<sha256>.json` as soon as the writer receives it. A later run over
//! the same folder reuses the result of every file whose bytes it has seen (wherever the file now
//! is), processes new and changed files, and, since the graph is built from the files found now,
//! drops removed ones; their entries are pruned at the end of a complete run. A run killed
//! half-way resumes where it stopped. The fingerprint covers everything that changes results
//! (docgraph's version, the model, OCR language, whether page texts are kept), so a change there
//! starts afresh.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::record::{DocStatus, DocumentResult};

/// The cache of one configuration.
#[derive(Debug, Clone)]
pub struct ResultCache {
    root: PathBuf,
    dir: PathBuf,
}

/// Hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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
        })
    }

    /// A fingerprint of what determines a document's result.
    pub fn fingerprint(model_dir: &Path, language: &str, keep_text: bool) -> String {
        let mut h = Sha256::new();
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        h.update(std::fs::read(model_dir.join("config.json")).unwrap_or_default());
        let weights = std::fs::metadata(model_dir.join("rust_model.ot"))
            .map(|m| m.len())
            .unwrap_or(0);
        h.update(weights.to_le_bytes());
        h.update(language.as_bytes());
        h.update([keep_text as u8]);
        sha256_hex(&h.finalize())[..16].to_string()
    }

    fn entry(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}.json"))
    }

    /// The stored result for a file with these contents, if any (an unreadable entry is a miss).
    pub fn get(&self, sha256: &str) -> Option<DocumentResult> {
        let bytes = std::fs::read(self.entry(sha256)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Stores a result, if it is worth keeping and has a content hash.
    pub fn put(&self, r: &DocumentResult) -> Result<()> {
        let Some(sha) = r.report.sha256.as_deref() else {
            return Ok(());
        };
        if !cacheable(r) || r.report.reused {
            return Ok(());
        }
        let json = serde_json::to_vec(r).map_err(|e| Error::Serialize {
            what: "cache entry",
            message: e.to_string(),
        })?;
        crate::output::write_atomic(&self.entry(sha), &json)
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
        DocumentResult {
            report,
            mentions: Vec::new(),
            relations: Vec::new(),
            pages: Vec::new(),
        }
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
        assert_eq!(cache.get("aa").unwrap().report.status, DocStatus::Ok);
        assert!(cache.get("bb").is_some());
        assert!(
            cache.get("cc").is_none(),
            "a timeout is not a property of the file"
        );
        assert!(
            cache.get("dd").is_none(),
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
        assert!(cache.get("aa").is_some() && cache.get("bb").is_none());
        assert!(!dir.path().join("old").exists());
    }

    #[test]
    fn fingerprints_change_with_what_changes_results() {
        let d = Path::new("/nonexistent");
        assert_ne!(
            ResultCache::fingerprint(d, "eng", false),
            ResultCache::fingerprint(d, "deu", false)
        );
        assert_ne!(
            ResultCache::fingerprint(d, "eng", false),
            ResultCache::fingerprint(d, "eng", true)
        );
        assert_eq!(
            ResultCache::fingerprint(d, "eng", false),
            ResultCache::fingerprint(d, "eng", false)
        );
    }
}
