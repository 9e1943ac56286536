//! Writing outputs so that a reader never sees half a file: write to a temporary file in the
//! same folder, flush it to disk, then rename it over the target (atomic on POSIX file systems).

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::graph::{export, KnowledgeGraph};
use crate::record::DocumentResult;
use crate::report::RunReport;

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        // Make the rename itself durable.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

/// Removes temporary files that a killed run left in `dir` (and its cache), never a finished
/// output.
pub fn remove_stale_temporaries(dir: &Path) {
    for d in [dir.to_path_buf(), dir.join(".cache")] {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() && d != dir {
                remove_stale_temporaries_in(&path);
            } else {
                remove_stale_temporaries_in_file(&path);
            }
        }
    }
}

fn remove_stale_temporaries_in(dir: &Path) {
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            remove_stale_temporaries_in_file(&e.path());
        }
    }
}

fn remove_stale_temporaries_in_file(path: &Path) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.starts_with('.') && name.contains(".tmp-") && path.is_file() {
        let _ = fs::remove_file(path);
    }
}

/// Name of the lock file in an output folder.
pub const LOCK_FILE: &str = ".docgraph.lock";

/// Exclusive use of an output folder for one run, held until dropped. An advisory `flock` on
/// `OUT/.docgraph.lock`: the kernel releases it when the process ends, however it ends, so a
/// lock left by a killed run never blocks the next one.
#[derive(Debug)]
pub struct OutputLock {
    _file: File,
}

/// Takes the output folder `dir` for this run, or fails at once with [`Error::Locked`] when
/// another run holds it. Creates the folder if needed.
pub fn lock_output_dir(dir: &Path) -> Result<OutputLock> {
    use std::os::fd::AsRawFd;
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let path = dir.join(LOCK_FILE);
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    // SAFETY: flock on a file descriptor this function owns; no memory is involved.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        let e = std::io::Error::last_os_error();
        return Err(if e.kind() == std::io::ErrorKind::WouldBlock {
            Error::Locked(dir.to_path_buf())
        } else {
            Error::io(&path, e)
        });
    }
    Ok(OutputLock { _file: file })
}

/// The files a run writes.
#[derive(Debug, Clone)]
pub struct OutputFiles {
    /// `graph.json`.
    pub json: PathBuf,
    /// `graph.graphml`.
    pub graphml: PathBuf,
    /// `graph.dot`.
    pub dot: PathBuf,
    /// `report.json`.
    pub report: PathBuf,
}

/// Writes the graph in every format and the report into `out_dir`, each atomically. The report
/// goes last, so a `report.json` always describes graph files that are complete.
pub fn write_outputs(
    out_dir: &Path,
    kg: &KnowledgeGraph,
    report: &RunReport,
) -> Result<OutputFiles> {
    fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let files = OutputFiles {
        json: out_dir.join("graph.json"),
        graphml: out_dir.join("graph.graphml"),
        dot: out_dir.join("graph.dot"),
        report: out_dir.join("report.json"),
    };
    write_atomic(&files.json, export::to_json(kg)?.as_bytes())?;
    write_atomic(&files.graphml, export::to_graphml(kg).as_bytes())?;
    write_atomic(&files.dot, export::to_dot(kg).as_bytes())?;
    let report_json = serde_json::to_string_pretty(report).map_err(|e| Error::Serialize {
        what: "report.json",
        message: e.to_string(),
    })?;
    write_atomic(&files.report, report_json.as_bytes())?;
    Ok(files)
}

/// Writes `texts.json` into `out_dir`: every page's text (the text all offsets point into),
/// per document, for results that kept their page texts.
pub fn write_texts(out_dir: &Path, results: &[DocumentResult]) -> Result<PathBuf> {
    #[derive(serde::Serialize)]
    struct DocumentTexts<'a> {
        path: &'a str,
        pages: &'a [crate::record::PageText],
    }
    let texts: Vec<_> = results
        .iter()
        .map(|r| DocumentTexts {
            path: &r.report.path,
            pages: &r.pages,
        })
        .collect();
    let json = serde_json::to_vec_pretty(&texts).map_err(|e| Error::Serialize {
        what: "texts.json",
        message: e.to_string(),
    })?;
    let path = out_dir.join("texts.json");
    write_atomic(&path, &json)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn an_output_folder_is_held_by_one_lock_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock_output_dir(dir.path()).unwrap();
        assert!(matches!(lock_output_dir(dir.path()), Err(Error::Locked(_))));
        drop(first);
        assert!(lock_output_dir(dir.path()).is_ok(), "released when dropped");
    }

    #[test]
    fn a_failed_write_reports_the_path() {
        let err = write_atomic(Path::new("/nonexistent-dir/x.json"), b"x").unwrap_err();
        assert!(err.to_string().contains("/nonexistent-dir/x.json"), "{err}");
    }
}
