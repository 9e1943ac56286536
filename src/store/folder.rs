//! Writing outputs so that a reader never sees half a file: write to a temporary file in the
//! same folder, flush it to disk, then rename it over the target (atomic on POSIX file systems).

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::graph::export;
use crate::record::DocumentResult;
use crate::run::RunOutput;

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
    remove_old_generations(dir);
    for d in [dir.to_path_buf(), cache_dir(dir)] {
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

/// Where a run writing to `out` keeps its per-document results (`Config::cache_dir`).
pub fn cache_dir(out: &Path) -> PathBuf {
    out.join(".cache")
}

/// Takes the output folder `out` for a run over `input`: refuses it when it is the input
/// folder itself ([`Error::Config`], before anything is written), locks it
/// ([`lock_output_dir`]) and clears what a killed run left there
/// ([`remove_stale_temporaries`]). What `docgraph ingest` does first; hold the lock until the
/// outputs are written.
pub fn open_output_dir(input: &Path, out: &Path) -> Result<OutputLock> {
    if let (Ok(a), Ok(b)) = (input.canonicalize(), out.canonicalize()) {
        if a == b {
            return Err(Error::Config(format!(
                "the output folder {} is the input folder {}: write the outputs elsewhere (-o)",
                out.display(),
                input.display()
            )));
        }
    }
    let lock = lock_output_dir(out)?;
    remove_stale_temporaries(out);
    Ok(lock)
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
    /// Everything the set holds at the top of the folder (files, and the `tables` and `neo4j`
    /// folders), in the order written.
    pub all: Vec<PathBuf>,
}

/// Folder of output generations inside an output folder.
pub const GENERATIONS: &str = ".generations";
/// Link to the current generation.
pub const CURRENT: &str = ".current";
/// Every name an output set may hold at its top level (files, or folders of files).
const SET_NAMES: [&str; 9] = [
    "graph.json",
    "graph.html",
    "graph.graphml",
    "graph.dot",
    "report.json",
    "texts.json",
    crate::store::results::RESULTS_FILE,
    "tables",
    "neo4j",
];

/// What to write beside the graph and report.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// `texts.json`: the page texts the results hold (a run keeps them with `keep_text`).
    pub texts: bool,
    /// `graph.html`, the offline explorer, with this title (the input folder's name).
    pub html: Option<String>,
}

/// What [`write_outputs`] did.
#[derive(Debug)]
pub enum Written {
    /// The run's set replaced what the folder held.
    Replaced(OutputFiles),
    /// The run was cancelled, and the folder held the outputs of a run that finished more
    /// documents (`before` of them, against the cancelled run's `now`): those were kept and
    /// nothing was written. A cancelled run never replaces fuller outputs with emptier ones.
    KeptFuller {
        /// Documents the outputs kept had finished.
        before: usize,
        /// Documents the cancelled run finished.
        now: usize,
    },
}

impl Written {
    /// The files written, unless the folder's fuller outputs were kept.
    pub fn files(&self) -> Option<&OutputFiles> {
        match self {
            Written::Replaced(files) => Some(files),
            Written::KeptFuller { .. } => None,
        }
    }

    /// The files written; panics where the folder's fuller outputs were kept (for callers
    /// whose run was not cancelled, such as tests).
    pub fn expect_files(self) -> OutputFiles {
        match self {
            Written::Replaced(files) => files,
            Written::KeptFuller { before, now } => {
                panic!("a cancelled run ({now} documents) left fuller outputs ({before}) in place")
            }
        }
    }
}

/// Documents finished by the run whose outputs `out_dir` holds (its `report.json`), if any.
fn finished_in(out_dir: &Path) -> Option<usize> {
    let bytes = fs::read(out_dir.join("report.json")).ok()?;
    let report: crate::report::RunReport = serde_json::from_slice(&bytes).ok()?;
    Some(report.summary.ok)
}

/// Writes a run's outputs into `out_dir`, replacing the previous outputs as one set: the graph
/// in every format, the report, and `results.jsonl` (every document's result, what
/// `docgraph merge` reads). A cancelled run whose outputs would hold fewer finished documents
/// than the folder's writes nothing ([`Written::KeptFuller`]).
///
/// The files are written complete into a new folder `OUT/.generations/<id>/`, then a single
/// rename switches the link `OUT/.current` to it. `OUT/graph.json` and the others are links
/// through `.current`, so a reader sees the old set or the new one, never a mixture; a failure
/// or a kill before the switch leaves the old set in place. Older generations are removed after
/// the switch.
pub fn write_outputs(
    out_dir: &Path,
    output: &RunOutput,
    options: &WriteOptions,
) -> Result<Written> {
    if output.report.cancelled {
        let now = output.report.summary.ok;
        if let Some(before) = finished_in(out_dir).filter(|&before| before > now) {
            return Ok(Written::KeptFuller { before, now });
        }
    }
    let kg = &output.graph;
    fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    // Each file is made, written and let go before the next: on a large graph the set is
    // several times the graph's size, and need not be in memory at once. Two threads make
    // them (the graph's formats on one, the tables and records on the other); writes into the
    // generation take turns.
    let g = std::sync::Mutex::new(Generation::create(out_dir)?);
    let write = |name: &str, bytes: &[u8]| -> Result<()> {
        g.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .write(name, bytes)
    };
    let graph_formats = || -> Result<()> {
        let json = export::to_json(kg)?;
        write("graph.json", json.as_bytes())?;
        if let Some(title) = &options.html {
            let view = crate::explore::View::from_json(json.as_bytes())?;
            drop(json);
            write(
                "graph.html",
                crate::explore::html::page(&view, title)?.as_bytes(),
            )?;
        } else {
            drop(json);
        }
        write("graph.graphml", export::to_graphml(kg).as_bytes())?;
        write("graph.dot", export::to_dot(kg).as_bytes())
    };
    let records = || -> Result<()> {
        let report = serde_json::to_vec_pretty(&output.report).map_err(|e| Error::Serialize {
            what: "report.json",
            message: e.to_string(),
        })?;
        write("report.json", &report)?;
        write(
            crate::store::results::RESULTS_FILE,
            &crate::store::results::encode(
                &output.results,
                &output.fingerprint,
                output.shard,
                &output.report.walk_warnings,
            )?,
        )?;
        if options.texts {
            write("texts.json", &texts_json(&output.results)?)?;
        }
        let tables = crate::tables::Tables::new(kg, &output.results);
        for (name, bytes) in crate::tables::parquet::files(&tables)? {
            write(&format!("tables/{name}"), &bytes)?;
        }
        for (name, bytes) in crate::tables::neo4j::files(&tables, kg) {
            write(&format!("neo4j/{name}"), &bytes)?;
        }
        Ok(())
    };
    let (a, b) = std::thread::scope(|s| {
        let graph = s.spawn(graph_formats);
        let b = records();
        let a = graph.join().unwrap_or_else(|p| Err(Error::from_panic(p)));
        (a, b)
    });
    a?;
    b?;
    let g = g
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let all = g.commit()?;
    Ok(Written::Replaced(OutputFiles {
        all,
        json: out_dir.join("graph.json"),
        graphml: out_dir.join("graph.graphml"),
        dot: out_dir.join("graph.dot"),
        report: out_dir.join("report.json"),
    }))
}

/// A new set of outputs being written: a folder `OUT/.generations/<id>/`, switched in by
/// [`Generation::commit`], removed if dropped before (a failed write leaves the old set).
struct Generation {
    out_dir: PathBuf,
    id: String,
    path: PathBuf,
    names: Vec<String>,
    committed: bool,
}

impl Generation {
    fn create(out_dir: &Path) -> Result<Generation> {
        let generations = out_dir.join(GENERATIONS);
        fs::create_dir_all(&generations).map_err(|e| Error::io(&generations, e))?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let id = format!("{nanos:x}-{}", std::process::id());
        let path = generations.join(&id);
        fs::create_dir(&path).map_err(|e| Error::io(&path, e))?;
        Ok(Generation {
            out_dir: out_dir.to_path_buf(),
            id,
            path,
            names: Vec::new(),
            committed: false,
        })
    }

    /// Writes `name` (a file name, or `folder/file`) into the generation, flushed to disk.
    fn write(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path.join(name);
        if let Some(parent) = path.parent().filter(|p| *p != self.path) {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let mut f = File::create(&path).map_err(|e| Error::io(&path, e))?;
        f.write_all(bytes)
            .and_then(|_| f.sync_all())
            .map_err(|e| Error::io(&path, e))?;
        self.names.push(name.to_string());
        Ok(())
    }

    /// Switches `OUT/.current` to this generation in one rename, makes the stable names
    /// links through it, removes names not in this set and older generations; returns the
    /// top-level paths of the set.
    fn commit(mut self) -> Result<Vec<PathBuf>> {
        let out_dir = self.out_dir.clone();
        sync_dir(&self.path);
        link(&out_dir, &Path::new(GENERATIONS).join(&self.id), CURRENT)?;
        self.committed = true;
        sync_dir(&out_dir);
        let mut tops: Vec<String> = Vec::new();
        for n in &self.names {
            let top = n.split('/').next().unwrap_or(n).to_string();
            if !tops.contains(&top) {
                tops.push(top);
            }
        }
        // Stable names through the link (made once; a plain file of an older version is
        // replaced).
        for name in SET_NAMES {
            let at = out_dir.join(name);
            let wanted = Path::new(CURRENT).join(name);
            if tops.iter().any(|t| t == name) {
                if fs::read_link(&at).ok().as_deref() != Some(wanted.as_path()) {
                    link(&out_dir, &wanted, name)?;
                }
            } else if fs::symlink_metadata(&at).is_ok() {
                // Not in this set (texts.json without --keep-text): no stale file beside it.
                fs::remove_file(&at).map_err(|e| Error::io(&at, e))?;
            }
        }
        sync_dir(&out_dir);
        remove_old_generations(&out_dir);
        Ok(tops.iter().map(|t| out_dir.join(t)).collect())
    }
}

impl Drop for Generation {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// Writes `files` as a new generation and switches to it (the mechanism behind
/// [`write_outputs`], for the tests of it).
#[cfg(test)]
fn replace_set(out_dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    let mut g = Generation::create(out_dir)?;
    for (name, bytes) in files {
        g.write(name, bytes)?;
    }
    g.commit().map(|_| ())
}

/// Makes `out_dir/name` a link to `target` (relative to `out_dir`), replacing what is there
/// in one rename.
fn link(out_dir: &Path, target: &Path, name: &str) -> Result<()> {
    let at = out_dir.join(name);
    let tmp = out_dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp)
        .and_then(|_| fs::rename(&tmp, &at))
        .map_err(|e| {
            let _ = fs::remove_file(&tmp);
            Error::io(&at, e)
        })
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Removes every generation but the current one (older sets, or a set a killed run left
/// before its switch).
fn remove_old_generations(out_dir: &Path) {
    let current = fs::read_link(out_dir.join(CURRENT)).ok();
    let Ok(entries) = fs::read_dir(out_dir.join(GENERATIONS)) else {
        return;
    };
    for e in entries.flatten() {
        let rel = Path::new(GENERATIONS).join(e.file_name());
        if current.as_deref() != Some(rel.as_path()) {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

fn texts_json(results: &[DocumentResult]) -> Result<Vec<u8>> {
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
    serde_json::to_vec_pretty(&texts).map_err(|e| Error::Serialize {
        what: "texts.json",
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run over `ok` finished documents and `cancelled` cancelled ones.
    fn run(ok: usize, cancelled: usize) -> RunOutput {
        let mut results = Vec::new();
        for i in 0..ok + cancelled {
            let path = format!("doc-{i}.pdf");
            let mut r = DocumentResult::failed(&path, 10, &Error::Cancelled, 0.0);
            if i < ok {
                r.report.status = crate::record::DocStatus::Ok;
                r.report.error = None;
                r.report.error_kind = None;
            }
            results.push(r);
        }
        let graph = crate::graph::KnowledgeGraph::build(&results);
        let setup = crate::report::RunSetup {
            mode: "sequential",
            workers: 1,
            ner_instances: 1,
            precision: None,
            tesseract_library: None,
            engines_started: Default::default(),
        };
        let report = crate::report::RunReport::build(
            &setup,
            &results,
            &graph,
            Vec::new(),
            cancelled > 0,
            std::time::Duration::ZERO,
        );
        RunOutput {
            graph,
            report,
            results,
            fingerprint: "f".into(),
            shard: None,
        }
    }

    #[test]
    fn a_cancelled_run_never_replaces_fuller_outputs() {
        let dir = tempfile::tempdir().unwrap();
        let options = WriteOptions::default();
        write_outputs(dir.path(), &run(3, 0), &options)
            .unwrap()
            .expect_files();
        let before = fs::read(dir.path().join("report.json")).unwrap();
        // Cancelled after 1 of 3: the fuller set stays, nothing is written.
        let written = write_outputs(dir.path(), &run(1, 2), &options).unwrap();
        assert!(matches!(written, Written::KeptFuller { before: 3, now: 1 }));
        assert_eq!(fs::read(dir.path().join("report.json")).unwrap(), before);
        // Cancelled after all three, or into an empty folder: written.
        assert!(write_outputs(dir.path(), &run(3, 1), &options)
            .unwrap()
            .files()
            .is_some());
        let empty = tempfile::tempdir().unwrap();
        assert!(write_outputs(empty.path(), &run(1, 2), &options)
            .unwrap()
            .files()
            .is_some());
    }

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

    fn read_set(dir: &Path) -> Vec<String> {
        ["a.json", "b.json"]
            .iter()
            .map(|n| fs::read_to_string(dir.join(CURRENT).join(n)).unwrap_or_default())
            .collect()
    }

    #[test]
    fn a_set_is_replaced_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let set = |v: &[u8]| vec![("a.json".into(), v.to_vec()), ("b.json".into(), v.to_vec())];
        replace_set(dir.path(), &set(b"1")).unwrap();
        replace_set(dir.path(), &set(b"2")).unwrap();
        assert_eq!(read_set(dir.path()), ["2", "2"]);
        // The second file of the next set cannot be written: the old set stays, whole.
        // (A file name no file system accepts.)
        let broken = [
            ("a.json".into(), b"3".to_vec()),
            ("b\0.json".into(), b"3".to_vec()),
        ];
        assert!(replace_set(dir.path(), &broken).is_err());
        assert_eq!(read_set(dir.path()), ["2", "2"]);
        let generations = fs::read_dir(dir.path().join(GENERATIONS)).unwrap().count();
        assert_eq!(generations, 1, "older and failed generations are removed");
    }

    #[test]
    fn outputs_are_links_through_the_current_set_and_stale_ones_go() {
        let dir = tempfile::tempdir().unwrap();
        // A plain file of an older version is replaced by the link.
        fs::write(dir.path().join("graph.json"), b"old").unwrap();
        fs::write(dir.path().join("texts.json"), b"old").unwrap();
        replace_set(dir.path(), &[("graph.json".into(), b"new".to_vec())]).unwrap();
        assert_eq!(fs::read(dir.path().join("graph.json")).unwrap(), b"new");
        let meta = fs::symlink_metadata(dir.path().join("graph.json")).unwrap();
        assert!(meta.file_type().is_symlink());
        assert!(
            !dir.path().join("texts.json").exists(),
            "not in the set: removed"
        );
    }

    #[test]
    fn a_failed_write_reports_the_path() {
        let err = write_atomic(Path::new("/nonexistent-dir/x.json"), b"x").unwrap_err();
        assert!(err.to_string().contains("/nonexistent-dir/x.json"), "{err}");
    }
}
