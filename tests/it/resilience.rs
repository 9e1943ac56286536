//! Hostile input, resumable runs, and outputs that are never half-written.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::common::{config, corpus, kind_name, root};
use docgraph::{CancelFlag, DocStatus, Pipeline};

#[test]
fn every_hostile_file_gets_a_clear_outcome_in_bounded_time_and_the_rest_completes() {
    let dir = root().join("fixtures/hostile");
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let mut c = config();
    c.doc_timeout = Some(Duration::from_secs(60));
    let pipeline = Pipeline::new(c).unwrap();
    let out = pipeline
        .run(&dir, None, &CancelFlag::new(), &|_| {})
        .unwrap();
    let expected = expected.as_object().unwrap();
    assert_eq!(out.results.len(), expected.len(), "one result per file");
    for r in &out.results {
        let d = &r.report;
        println!(
            "{:<28} {:?} {:?} {:?} pages={} {:.2}s warnings={:?}",
            d.path, d.status, d.error_kind, d.error, d.pages, d.seconds, d.warnings
        );
        let want = &expected[&d.path];
        assert!(d.seconds < 30.0, "{}: {:.1}s", d.path, d.seconds);
        match want["status"].as_str().unwrap() {
            "ok" => assert_eq!(d.status, DocStatus::Ok, "{}: {:?}", d.path, d.error),
            "failed" => {
                assert_eq!(d.status, DocStatus::Failed, "{}", d.path);
                assert_eq!(
                    d.error_kind.map(kind_name).as_deref(),
                    want["kind"].as_str(),
                    "{}",
                    d.path
                );
            }
            _ => assert!(
                d.status == DocStatus::Ok
                    || (d.status == DocStatus::Failed
                        && d.error.as_deref().is_some_and(|e| e.len() > 10)),
                "{}: either read or a clear error",
                d.path
            ),
        }
        if let Some(words) = want["contains"].as_str() {
            let text: String = r.pages.iter().map(|p| p.text.as_str()).collect();
            assert!(text.contains(words), "{}: {text:?}", d.path);
        }
        if let Some(pages) = want["pages"].as_u64() {
            assert_eq!(d.pages as u64, pages, "{}", d.path);
        }
        if let Some(msg) = want["ocr_error"].as_str() {
            assert!(
                d.ocr_pages
                    .iter()
                    .any(|p| p.error.as_deref().is_some_and(|e| e.contains(msg))),
                "{}: {:?}",
                d.path,
                d.ocr_pages
            );
        }
    }
    assert!(
        out.graph.entity("Roland Busch").is_some(),
        "the good document's entities are in the graph"
    );
    assert_eq!(pipeline.in_flight(), 0);
}

fn copy_into(dir: &Path, names: &[&str]) {
    for name in names {
        let to = dir.join(name);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(corpus().join(name), to).unwrap();
    }
}

#[test]
fn a_second_run_reuses_unchanged_documents_processes_changed_ones_and_drops_removed_ones() {
    let input = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    copy_into(
        input.path(),
        &[
            "reportlab/siemens-munich.pdf",
            "ghostscript/github-letter.pdf",
            "encrypted/nestle-open.pdf",
        ],
    );
    let mut c = config();
    c.cache_dir = Some(out.path().join(".cache"));
    let pipeline = Pipeline::new(c.clone()).unwrap();
    let run = |p: &Pipeline| {
        p.run(input.path(), None, &CancelFlag::new(), &|_| {})
            .unwrap()
    };

    let first = run(&pipeline);
    assert_eq!(
        (first.report.summary.ok, first.report.summary.reused),
        (3, 0)
    );

    let second = run(&pipeline);
    assert_eq!(
        second.report.summary.reused, 3,
        "nothing changed: everything reused"
    );
    assert_eq!(
        docgraph::graph::export::to_json(&first.graph).unwrap(),
        docgraph::graph::export::to_json(&second.graph).unwrap()
    );

    // Change one file (bytes appended after %%EOF), remove one, add one, rename one.
    let siemens = input.path().join("reportlab/siemens-munich.pdf");
    let mut bytes = std::fs::read(&siemens).unwrap();
    bytes.extend_from_slice(b"\n% an incremental comment\n");
    std::fs::write(&siemens, bytes).unwrap();
    std::fs::remove_file(input.path().join("ghostscript/github-letter.pdf")).unwrap();
    copy_into(input.path(), &["fpdf/wind-report.pdf"]);
    std::fs::rename(
        input.path().join("encrypted/nestle-open.pdf"),
        input.path().join("nestle.pdf"),
    )
    .unwrap();

    let third = run(&pipeline);
    let by_path = |p: &str| third.results.iter().find(|r| r.report.path == p).unwrap();
    assert!(
        !by_path("reportlab/siemens-munich.pdf").report.reused,
        "changed: processed again"
    );
    assert!(
        !by_path("fpdf/wind-report.pdf").report.reused,
        "new: processed"
    );
    assert!(
        by_path("nestle.pdf").report.reused,
        "renamed but unchanged: reused under its new name"
    );
    assert_eq!(third.report.summary.documents, 3);
    assert!(
        third.graph.entity("Satya Nadella").is_none(),
        "the removed document's entities are gone"
    );
    assert!(third.graph.entity("Henrik Andersen").is_some());
    let cached = std::fs::read_dir(out.path().join(".cache"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    assert_eq!(
        std::fs::read_dir(cached).unwrap().count(),
        3,
        "the cache holds the current files only"
    );

    c.force = true;
    let forced = run(&Pipeline::new(c).unwrap());
    assert_eq!(
        forced.report.summary.reused, 0,
        "--force processes everything again"
    );
}

/// A corpus that takes the binary a few seconds: scans and text, copied, each copy made
/// distinct (a comment after `%%EOF`) so that none is served from another's cached result.
fn slow_corpus() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..6 {
        for name in [
            "scans/berlin-jpeg.pdf",
            "scans/toyota-png.pdf",
            "scans/airbus-fax.pdf",
            "fpdf/wind-report.pdf",
        ] {
            let to = dir.path().join(format!("c{i}")).join(name);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            let mut bytes = std::fs::read(corpus().join(name)).unwrap();
            bytes.extend_from_slice(format!("\n% copy {i}\n").as_bytes());
            std::fs::write(to, bytes).unwrap();
        }
    }
    dir
}

fn start(input: &Path, out: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_docgraph"))
        .env(
            "DOCGRAPH_MODEL_DIR",
            root().join("models/ner-minilm-l6-conll03"),
        )
        .args(["ingest", "--quiet", "-j", "1"])
        .arg(input)
        .arg("-o")
        .arg(out)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn swapped_damaged_or_foreign_cache_entries_are_recomputed_with_a_warning() {
    let input = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let names = [
        "reportlab/siemens-munich.pdf",
        "producers/garbled-text-layer.pdf",
        "broken/password.pdf",
        "ghostscript/github-letter.pdf",
    ];
    copy_into(input.path(), &names);
    let mut c = config();
    c.cache_dir = Some(out.path().join(".cache"));
    let pipeline = Pipeline::new(c).unwrap();
    let run = || {
        pipeline
            .run(input.path(), None, &CancelFlag::new(), &|_| {})
            .unwrap()
    };
    let first = run();
    let entry_of = |path: &str| {
        let sha = first
            .results
            .iter()
            .find(|r| r.report.path == path)
            .and_then(|r| r.report.sha256.clone())
            .unwrap();
        cache_entries(out.path())
            .into_iter()
            .find(|p| p.file_stem().unwrap().to_string_lossy() == sha)
            .unwrap()
    };
    // Swapped: the garbled document's entry replaced by the password-protected one's (the
    // case once reported as "encrypted" for a readable file); damaged: one cut short.
    std::fs::copy(
        entry_of("broken/password.pdf"),
        entry_of("producers/garbled-text-layer.pdf"),
    )
    .unwrap();
    let siemens = entry_of("reportlab/siemens-munich.pdf");
    let bytes = std::fs::read(&siemens).unwrap();
    std::fs::write(&siemens, &bytes[..bytes.len() / 2]).unwrap();

    let second = run();
    for (path, why) in [
        ("producers/garbled-text-layer.pdf", "another document"),
        ("reportlab/siemens-munich.pdf", "checksum"),
    ] {
        let r = second
            .results
            .iter()
            .find(|r| r.report.path == path)
            .unwrap();
        assert!(!r.report.reused, "{path} was processed again");
        assert_eq!(
            r.report.status,
            DocStatus::Ok,
            "{path}: {:?}",
            r.report.error
        );
        assert!(
            r.report.warnings.iter().any(|w| w.contains(why)),
            "{path}: {:?}",
            r.report.warnings
        );
    }
    assert_eq!(
        second.report.summary.reused, 2,
        "the intact entries were used"
    );
    assert_eq!(
        docgraph::graph::export::to_json(&first.graph).unwrap(),
        docgraph::graph::export::to_json(&second.graph).unwrap(),
        "the same graph: nothing wrong was trusted"
    );
}

#[test]
fn a_second_run_on_the_same_output_folder_is_refused_and_the_first_completes() {
    let input = slow_corpus();
    let other = tempfile::tempdir().unwrap();
    copy_into(other.path(), &["reportlab/siemens-munich.pdf"]);
    let out = tempfile::tempdir().unwrap();
    let mut first = start(input.path(), out.path());
    wait_for_entries(out.path(), 1);
    let second = Command::new(env!("CARGO_BIN_EXE_docgraph"))
        .args(["ingest", "--quiet"])
        .arg(other.path())
        .arg("-o")
        .arg(out.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("another docgraph run is writing to"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert_eq!(first.wait().unwrap().code(), Some(0));
    // The outputs are the first run's, whole and consistent with each other.
    let report: docgraph::RunReport =
        serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap()).unwrap();
    let graph: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("graph.json")).unwrap()).unwrap();
    assert_eq!(report.summary.documents, 24);
    let entities = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "entity")
        .count();
    assert_eq!(entities, report.summary.entities);
}

fn cache_entries(out: &Path) -> Vec<PathBuf> {
    let Ok(dirs) = std::fs::read_dir(out.join(".cache")) else {
        return Vec::new();
    };
    dirs.flatten()
        .filter_map(|d| std::fs::read_dir(d.path()).ok())
        .flat_map(|e| e.flatten().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect()
}

/// Waits until the run has finished at least `n` documents.
fn wait_for_entries(out: &Path, n: usize) {
    let t = Instant::now();
    while cache_entries(out).len() < n {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "the run did not get going"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn killing_a_run_leaves_no_truncated_output_and_the_next_run_resumes() {
    let input = slow_corpus();
    let out = tempfile::tempdir().unwrap();
    let mut child = start(input.path(), out.path());
    wait_for_entries(out.path(), 2);
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();

    for p in cache_entries(out.path()) {
        // An entry is a header line and the result: both whole.
        let bytes = std::fs::read(&p).unwrap();
        let values: Vec<serde_json::Value> = serde_json::Deserializer::from_slice(&bytes)
            .into_iter()
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert_eq!(values.len(), 2, "{}", p.display());
    }
    for name in ["graph.json", "report.json"] {
        if let Ok(bytes) = std::fs::read(out.path().join(name)) {
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
    let done_before = cache_entries(out.path()).len();

    // The killed run's lock on the folder went with it: the next run is not blocked.
    let status = start(input.path(), out.path()).wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let report: docgraph::RunReport =
        serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap()).unwrap();
    println!("{:#?}", report.summary);
    assert_eq!(report.summary.ok, 24);
    let reused = report.summary.reused;
    assert!(
        reused >= done_before,
        "resumed: {reused} reused, {done_before} were done"
    );
    assert!(
        reused < 24,
        "the kill came mid-run: {reused} of 24 were done before it"
    );
}

#[test]
fn ctrl_c_stops_the_run_and_writes_what_finished() {
    let input = slow_corpus();
    let out = tempfile::tempdir().unwrap();
    let mut child = start(input.path(), out.path());
    wait_for_entries(out.path(), 1);
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let t = Instant::now();
    let status = child.wait().unwrap();
    println!("stopped {:.2}s after SIGINT", t.elapsed().as_secs_f64());
    assert_eq!(status.code(), Some(130));
    let report: docgraph::RunReport =
        serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap()).unwrap();
    assert!(report.cancelled);
    assert_eq!(
        report.summary.documents, 24,
        "every document is accounted for"
    );
    assert!(
        report.summary.ok >= 1 && report.summary.cancelled >= 1,
        "{:#?}",
        report.summary
    );
    let _: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("graph.json")).unwrap()).unwrap();
}

#[test]
fn hostile_files_stay_within_bounded_memory() {
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_docgraph"))
        .env(
            "DOCGRAPH_MODEL_DIR",
            root().join("models/ner-minilm-l6-conll03"),
        )
        .args(["ingest", "--quiet", "--no-cache"])
        .arg(root().join("fixtures/hostile"))
        .arg("-o")
        .arg(out.path())
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(
        status.code(),
        Some(3),
        "some hostile files fail, clearly, and the run completes"
    );
    let report: docgraph::RunReport =
        serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap()).unwrap();
    let peak = report
        .peak_rss_mib
        .expect("peak memory is reported on Linux");
    println!("peak RSS over the hostile corpus: {peak:.0} MiB");
    // The models and Tesseract engines take about 550 MiB; the 4 GiB bomb and the
    // 40-gigapixel image must not add more than a bounded stream's worth.
    assert!(peak < 1536.0, "peak RSS {peak:.0} MiB");
}

#[test]
fn a_rerun_cancelled_early_keeps_every_document_of_the_run_before() {
    let input = slow_corpus();
    let out = tempfile::tempdir().unwrap();
    assert_eq!(
        start(input.path(), out.path()).wait().unwrap().code(),
        Some(0)
    );

    // New documents that sort before the old ones; the re-run is stopped while it works on
    // them, before the old ones are even fed: they come from the cache.
    for i in 0..16 {
        let to = input.path().join(format!("a{i:02}/new.pdf"));
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        let mut bytes = std::fs::read(corpus().join("scans/berlin-jpeg.pdf")).unwrap();
        bytes.extend_from_slice(format!("\n% new {i}\n").as_bytes());
        std::fs::write(to, bytes).unwrap();
    }
    let child = start(input.path(), out.path());
    std::thread::sleep(Duration::from_millis(1200));
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = { child }.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let report: docgraph::RunReport =
        serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap()).unwrap();
    println!("{:#?}", report.summary);
    assert!(report.cancelled);
    let old: Vec<_> = report
        .documents
        .iter()
        .filter(|d| d.path.starts_with('c'))
        .collect();
    assert_eq!(old.len(), 24);
    assert!(
        old.iter().all(|d| d.status == DocStatus::Ok && d.reused),
        "every document of the run before is in the graph, from the cache"
    );
    assert!(
        report.summary.cancelled >= 1,
        "the cancellation came mid-run"
    );
}

#[test]
fn a_cancelled_run_never_replaces_fuller_outputs() {
    let input = slow_corpus();
    let out = tempfile::tempdir().unwrap();
    assert_eq!(
        start(input.path(), out.path()).wait().unwrap().code(),
        Some(0)
    );
    let before = std::fs::read(out.path().join("graph.json")).unwrap();
    // --force: the cache is not used, so the stopped run has fewer documents than the last.
    let child = Command::new(env!("CARGO_BIN_EXE_docgraph"))
        .args(["ingest", "--quiet", "-j", "1", "--force"])
        .arg(input.path())
        .arg("-o")
        .arg(out.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let run = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("the earlier outputs"), "{stderr}");
    assert_eq!(
        std::fs::read(out.path().join("graph.json")).unwrap(),
        before,
        "the fuller graph stays"
    );
}

#[test]
fn outputs_name_no_machine_folder_and_an_empty_input_forgets_nothing() {
    let input = tempfile::tempdir().unwrap();
    copy_into(input.path(), &["reportlab/siemens-munich.pdf"]);
    // A link to nothing: the walk reports it.
    std::os::unix::fs::symlink(input.path().join("gone.pdf"), input.path().join("link.pdf"))
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut c = config();
    c.cache_dir = Some(out.path().join(".cache"));
    let pipeline = Pipeline::new(c).unwrap();
    let run = |dir: &Path| {
        pipeline
            .run(dir, None, &CancelFlag::new(), &|_| {})
            .unwrap()
    };
    let first = run(input.path());
    let report = serde_json::to_string(&first.report).unwrap();
    let machine = input.path().display().to_string();
    assert!(!first.report.walk_warnings.is_empty(), "{report}");
    assert!(!report.contains(&machine), "{machine} in {report}");

    let entries = cache_entries(out.path()).len();
    assert!(entries >= 1);
    let empty = tempfile::tempdir().unwrap();
    let nothing = run(empty.path());
    assert_eq!(nothing.report.summary.documents, 0);
    assert_eq!(
        cache_entries(out.path()).len(),
        entries,
        "an empty input prunes nothing"
    );
}

#[test]
fn a_document_stuck_inside_the_parser_is_timed_out_and_the_run_goes_on() {
    let input = tempfile::tempdir().unwrap();
    copy_into(
        input.path(),
        &["reportlab/siemens-munich.pdf", "fpdf/wind-report.pdf"],
    );
    std::fs::copy(
        corpus().join("ghostscript/github-letter.pdf"),
        input.path().join("stall.pdf"),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let run = Command::new(env!("CARGO_BIN_EXE_docgraph"))
        // Test hook: parsing a document named like this never returns.
        .env("DOCGRAPH_TEST_STALL_PARSE", "stall")
        .args(["ingest", "-q", "--no-cache", "--doc-timeout", "5"])
        .arg(input.path())
        .arg("-o")
        .arg(out.path())
        .output()
        .unwrap();
    let wall = t.elapsed();
    assert_eq!(
        run.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: docgraph::RunReport =
        serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap()).unwrap();
    let stalled = report
        .documents
        .iter()
        .find(|d| d.path == "stall.pdf")
        .unwrap();
    println!("{stalled:?}; whole run {wall:?}");
    assert_eq!(stalled.status, DocStatus::TimedOut);
    assert!(
        stalled.seconds < 5.0 + 2.0,
        "reported within the limit + 2 s"
    );
    let others: Vec<String> = report
        .documents
        .iter()
        .map(|d| format!("{} {:?} {:?} {:.2}s", d.path, d.status, d.error, d.seconds))
        .collect();
    assert_eq!(report.summary.ok, 2, "the others finished: {others:?}");
    assert!(
        wall < Duration::from_secs(30),
        "the run did not wait for the parser"
    );
}

/// A test that cannot run here says so, and fails under CI (`CI` set), where it must run: it
/// never passes without testing.
fn cannot_run(why: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "cannot run under CI: {why}"
    );
    eprintln!("SKIPPED: {why}");
}

/// A small file system of its own (tmpfs), unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// `None` where this process may not mount (not root): said, not silently passed.
    fn mount(bytes: u64) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            cannot_run("cannot mount a tmpfs here (needs root)");
            return None;
        }
        Some(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn free(&self) -> u64 {
        let path = std::ffi::CString::new(self.path().as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: statvfs fills the struct for a NUL-terminated path.
        let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
        assert_eq!(unsafe { libc::statvfs(path.as_ptr(), &mut s) }, 0);
        s.f_bavail as u64 * s.f_frsize as u64
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
fn a_disk_that_fills_during_the_outputs_leaves_the_previous_set_whole() {
    let Some(disk) = SmallDisk::mount(16 << 20) else {
        return;
    };
    let out = disk.path().join("out");
    let input = corpus().join("relations");
    let ingest = |extra: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_docgraph"))
            .env(
                "DOCGRAPH_MODEL_DIR",
                root().join("models/ner-minilm-l6-conll03"),
            )
            .args(["ingest", "--quiet"])
            .args(extra)
            .arg(&input)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        println!(
            "exit {:?}\n{}",
            o.status.code(),
            String::from_utf8_lossy(&o.stderr)
        );
        o
    };
    assert_eq!(ingest(&[]).status.code(), Some(0));
    let read = |name: &str| std::fs::read(out.join(name)).unwrap();
    let before: Vec<Vec<u8>> = ["graph.json", "report.json", "results.jsonl", "graph.html"]
        .iter()
        .map(|n| read(n))
        .collect();
    let set_size: u64 = before.iter().map(|b| b.len() as u64).sum();

    // Fill the disk until less than half a set of outputs fits, then run again.
    let filler = disk.path().join("filler");
    let room = disk.free().saturating_sub(set_size / 2);
    std::fs::write(&filler, vec![0u8; room as usize]).unwrap();
    println!("free: {} bytes for a set of {set_size}", disk.free());
    let o = ingest(&["--force", "--no-cooccurrence"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a run that cannot write its outputs fails"
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("No space left"), "{err}");

    // The previous set, whole and unchanged, and no half-written generation beside it.
    let after: Vec<Vec<u8>> = ["graph.json", "report.json", "results.jsonl", "graph.html"]
        .iter()
        .map(|n| read(n))
        .collect();
    assert!(before == after, "the old outputs changed");
    let generations = std::fs::read_dir(out.join(".generations")).unwrap().count();
    assert_eq!(generations, 1, "the failed generation was removed");

    // Room again: the next run completes.
    std::fs::remove_file(&filler).unwrap();
    assert_eq!(ingest(&["--no-cooccurrence"]).status.code(), Some(0));
    assert!(read("graph.json") != before[0], "the new set is in place");
}

#[test]
fn without_proc_the_program_says_what_is_missing_instead_of_crashing() {
    // A mount namespace of its own with /proc unmounted (a container that hides it).
    let isolated = Command::new("unshare")
        .args(["-m", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !isolated {
        cannot_run("no mount namespace here (needs root)");
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let o = Command::new("unshare")
        .args(["-m", "sh", "-c", "umount -l /proc && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_docgraph"))
        .args(["ingest", "--quiet"])
        .arg(corpus().join("relations"))
        .arg("-o")
        .arg(out.path())
        .env(
            "DOCGRAPH_MODEL_DIR",
            root().join("models/ner-minilm-l6-conll03"),
        )
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    println!("exit {:?}\n{err}", o.status.code());
    assert_eq!(
        o.status.code(),
        Some(2),
        "a setup the run cannot start with"
    );
    assert!(err.contains("/proc is not mounted"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
