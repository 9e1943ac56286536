//! The `docgraph` binary as a user runs it: exit codes, outputs, messages.

use std::path::Path;
use std::process::Command;

use crate::common::corpus;

pub(crate) fn docgraph() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_docgraph"));
    c.env(
        "DOCGRAPH_MODEL_DIR",
        crate::common::root().join("models/ner-minilm-l6-conll03"),
    );
    c
}

/// `docgraph ingest -q INPUT -o OUT EXTRA…`, run to its end.
pub(crate) fn ingest(input: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    docgraph()
        .args(["ingest", "-q"])
        .arg(input)
        .arg("-o")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

/// [`ingest`], which must succeed (exit 0; its standard error is shown when it does not).
pub(crate) fn ingest_ok(input: &Path, out: &Path, extra: &[&str]) {
    let r = ingest(input, out, extra);
    assert_eq!(
        r.status.code(),
        Some(0),
        "ingest {extra:?}: {}",
        String::from_utf8_lossy(&r.stderr)
    );
}

/// The `report.json` a run wrote into `out`.
fn report(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap()
}

/// A folder holding copies of fixtures, `(fixture, name in the folder)`.
fn folder_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (fixture, name) in files {
        std::fs::copy(corpus().join(fixture), dir.path().join(name)).unwrap();
    }
    dir
}

#[test]
fn ingest_writes_every_output_and_exit_status_says_some_documents_failed() {
    let input = tempfile::tempdir().unwrap();
    std::fs::create_dir(input.path().join("sub")).unwrap();
    std::fs::copy(
        corpus().join("reportlab/siemens-munich.pdf"),
        input.path().join("sub/siemens.pdf"),
    )
    .unwrap();
    std::fs::copy(
        corpus().join("broken/not-a-pdf.pdf"),
        input.path().join("fake.pdf"),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = docgraph()
        .arg("ingest")
        .arg(input.path())
        .arg("-o")
        .arg(out.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    println!("stdout:\n{stdout}\nstderr:\n{stderr}");
    assert_eq!(run.status.code(), Some(3), "some documents failed");
    assert!(stdout.contains("2 documents: 1 ok, 1 failed"), "{stdout}");
    assert!(stdout.contains("fake.pdf: not a PDF"), "{stdout}");
    for f in ["graph.json", "graph.graphml", "graph.dot", "report.json"] {
        assert!(out.path().join(f).is_file(), "{f} written");
    }
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap()).unwrap();
    let docs = report["documents"].as_array().unwrap();
    let paths: Vec<_> = docs.iter().map(|d| d["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        vec!["fake.pdf", "sub/siemens.pdf"],
        "paths relative to the input folder"
    );
    // Not a terminal: progress comes as JSON lines.
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let done: Vec<_> = events.iter().filter(|e| e["event"] == "document").collect();
    assert_eq!(done.len(), 2, "{stderr}");
    assert_eq!(
        (done[1]["done"].as_u64(), done[1]["total"].as_u64()),
        (Some(2), Some(2))
    );
    assert!(events
        .iter()
        .any(|e| e["event"] == "discovered" && e["documents"] == 2));
}

#[test]
fn a_missing_input_folder_is_a_clear_error() {
    let out = tempfile::tempdir().unwrap();
    let run = docgraph()
        .args(["ingest", "/no/such/folder", "-o"])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("/no/such/folder") && stderr.contains("No such file"),
        "{stderr}"
    );
}

#[test]
fn an_output_folder_that_is_the_input_is_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::copy(
        corpus().join("reportlab/siemens-munich.pdf"),
        input.join("a.pdf"),
    )
    .unwrap();
    for args in [
        vec![input.clone(), input.clone()],
        vec![input.join("."), input.clone()],
    ] {
        let run = docgraph()
            .args(["ingest", "-q"])
            .arg(&args[0])
            .arg("-o")
            .arg(&args[1])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("is the input folder"), "{stderr}");
        assert!(!input.join("graph.json").exists(), "nothing written");
        assert!(!input.join(".cache").exists(), "nothing written");
    }
    // Outputs in the folder that holds the input are fine.
    let run = docgraph()
        .args(["ingest", "-q"])
        .arg(&input)
        .arg("-o")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(dir.path().join("graph.json").exists());
}

#[test]
fn help_documents_the_exit_status_and_options() {
    let run = docgraph().args(["ingest", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&run.stdout);
    for word in [
        "--doc-timeout",
        "--sequential",
        "--workers",
        "--model-dir",
        "--keep-text",
        "--progress",
        "--force",
    ] {
        assert!(help.contains(word), "{word} in:\n{help}");
    }
    let top = docgraph().arg("--help").output().unwrap();
    assert!(String::from_utf8_lossy(&top.stdout).contains("Exit status: 0"));
}

#[test]
fn ocr_runs_without_native_threads_of_its_own_whatever_the_environment() {
    // Without OMP_THREAD_LIMIT=1, Tesseract's OpenMP regions start teams whose idle threads
    // spin in the kernel: 24 scanned pages took 13 s of system time for 10 s of user time.
    // The pipeline limits OpenMP and OpenBLAS in-process (src/threads.rs), so system time stays
    // a small share of the work however the program is started. CPU times of one process, not
    // wall time: the ratio does not depend on the machine's load.
    let input = tempfile::tempdir().unwrap();
    for i in 0..12 {
        std::fs::copy(
            corpus().join("scans/berlin-jpeg.pdf"),
            input.path().join(format!("scan{i}.pdf")),
        )
        .unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    // Reaped below by wait4, which also gives its CPU times.
    #[allow(clippy::zombie_processes)]
    let child = docgraph()
        .env_remove("OMP_THREAD_LIMIT")
        .env_remove("OPENBLAS_NUM_THREADS")
        .env_remove("OMP_NUM_THREADS")
        .args(["ingest", "-q", "--no-cache", "-j", "1"])
        .arg(input.path())
        .arg("-o")
        .arg(out.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, once; the pointers are to live locals.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let (user, system) = (secs(usage.ru_utime), secs(usage.ru_stime));
    println!("user {user:.2} s, system {system:.2} s");
    assert!(
        system < 0.5 * user,
        "system time {system:.2} s against user {user:.2} s: native threads spinning"
    );
}

#[test]
fn closed_pipes_end_the_program_quietly_after_the_outputs_are_written() {
    let input = tempfile::tempdir().unwrap();
    std::fs::copy(
        corpus().join("reportlab/siemens-munich.pdf"),
        input.path().join("a.pdf"),
    )
    .unwrap();
    std::fs::write(input.path().join("empty.pdf"), b"").unwrap();
    let out = tempfile::tempdir().unwrap();
    // `docgraph ingest … 2>&1 | head -0`: the reader of both streams is gone from the start,
    // with JSON progress lines and the summary still to write.
    let mut child = docgraph()
        .args(["ingest", "--progress", "json"])
        .arg(input.path())
        .arg("-o")
        .arg(out.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "quiet end, no panic (101)");
    for name in ["graph.json", "report.json"] {
        let bytes = std::fs::read(out.path().join(name)).unwrap();
        serde_json::from_slice::<serde_json::Value>(&bytes).unwrap();
    }
}

#[test]
fn options_that_cannot_mean_what_they_say_are_refused_in_one_line() {
    let out = tempfile::tempdir().unwrap();
    let input = corpus().join("reportlab");
    for (args, says) in [
        (vec!["-j", "0"], "at least 1"),
        (vec!["--max-pages", "0"], "at least 1"),
        (vec!["--sequential", "-j", "2"], "cannot be used with"),
        (
            vec!["--tessdata", "/nonexistent"],
            "--tessdata /nonexistent is not a folder",
        ),
        (vec!["--lang", "xyz"], "no OCR data for language 'xyz'"),
        (vec!["--relation-threshold", "1.5"], "not a probability"),
    ] {
        let run = docgraph()
            .args(["ingest", "-q"])
            .arg(&input)
            .arg("-o")
            .arg(out.path())
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("Error opening data file"),
            "Tesseract's own messages stay out: {stderr}"
        );
    }
}

#[test]
fn a_folder_without_pdfs_says_so() {
    let input = tempfile::tempdir().unwrap();
    std::fs::write(input.path().join("notes.txt"), "no PDFs here").unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = docgraph()
        .args(["ingest", "-q"])
        .arg(input.path())
        .arg("-o")
        .arg(out.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("no PDF files found"), "{stderr}");
}

#[test]
fn switching_keep_text_reuses_every_result_and_leaves_no_stale_texts() {
    let input = folder_with(&[("reportlab/siemens-munich.pdf", "a.pdf")]);
    let out = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        ingest_ok(input.path(), out.path(), extra);
        report(out.path())["summary"]["reused"].as_u64().unwrap()
    };
    assert_eq!(run(&[]), 0);
    assert!(!out.path().join("texts.json").exists());
    assert_eq!(run(&["--keep-text"]), 1, "the text was kept in the cache");
    let texts = std::fs::read_to_string(out.path().join("texts.json")).unwrap();
    assert!(texts.contains("Roland Busch"), "{texts}");
    assert_eq!(run(&[]), 1);
    assert!(
        !out.path().join("texts.json").exists(),
        "a texts.json from an earlier run is not left beside a graph it may not match"
    );
}

#[test]
fn workers_are_capped_by_the_machine_and_say_so() {
    let out = tempfile::tempdir().unwrap();
    let run = docgraph()
        .args(["ingest", "--progress", "json", "-j", "1000"])
        .arg(corpus().join("reportlab"))
        .arg("-o")
        .arg(out.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    // In the JSON progress stream, the note is an event of it like the rest.
    let notes: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l:?}")))
        .filter(|e: &serde_json::Value| e["event"] == "message")
        .collect();
    assert_eq!(notes.len(), 1, "{stderr}");
    assert_eq!(notes[0]["level"], "note");
    assert!(
        notes[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("1000 workers capped to"),
        "{stderr}"
    );
    let report = report(out.path());
    let cores = std::thread::available_parallelism().unwrap().get() as u64;
    assert!(report["workers"].as_u64().unwrap() <= cores);
    assert!(report["ner_instances"].as_u64().unwrap() <= cores);
}

#[test]
fn a_failure_caused_by_a_limit_option_is_not_kept_for_the_next_run() {
    let input = folder_with(&[("fpdf/wind-report.pdf", "three-pages.pdf")]);
    let out = tempfile::tempdir().unwrap();
    let code = |extra: &[&str]| ingest(input.path(), out.path(), extra).status.code();
    assert_eq!(
        code(&["--max-pages", "1"]),
        Some(3),
        "over the page limit: failed"
    );
    assert_eq!(
        code(&[]),
        Some(0),
        "without the limit the document is processed"
    );
}

#[test]
fn a_single_file_or_a_list_on_stdin_is_an_input_and_the_summary_can_be_json() {
    let out = tempfile::tempdir().unwrap();
    let one = corpus().join("fpdf/wind-report.pdf");
    let run = docgraph()
        .args(["ingest", "-q", "--summary", "json"])
        .arg(&one)
        .arg("-o")
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&run.stdout).expect("one JSON object");
    assert_eq!(summary["summary"]["documents"], 1);
    assert_eq!(summary["summary"]["pages"], 3);

    let mut child = docgraph()
        .args(["ingest", "-q", "--summary", "json", "-", "-o"])
        .arg(out.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{}", one.display()).unwrap();
        writeln!(stdin, "{}", corpus().join("reportlab").display()).unwrap();
        writeln!(stdin, "{}", corpus().join("broken/empty.pdf").display()).unwrap();
    }
    let run = child.wait_with_output().unwrap();
    assert_eq!(run.status.code(), Some(3), "one listed file is broken");
    let summary: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(summary["summary"]["documents"], 3);
    assert_eq!(summary["not_ok"][0]["error_kind"], "empty_file");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap()).unwrap();
    let paths: Vec<&str> = report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert!(
        paths
            .iter()
            .any(|p| p.ends_with("reportlab/siemens-munich.pdf")),
        "{paths:?}"
    );
}

#[test]
fn an_unchanged_rerun_loads_no_model_and_starts_no_ocr() {
    let input = folder_with(&[
        ("reportlab/siemens-munich.pdf", "a.pdf"),
        ("scans/berlin-jpeg.pdf", "scan.pdf"),
    ]);
    let out = tempfile::tempdir().unwrap();
    let run = || {
        ingest_ok(input.path(), out.path(), &[]);
        report(out.path())
    };
    let first = run();
    assert!(first["engines_started"]["ner"].as_u64().unwrap() >= 1);
    assert!(
        first["engines_started"]["ocr"].as_u64().unwrap() >= 1,
        "a scan was OCR'd"
    );
    // The model runtime was loaded (its own process), inside the first model start's time.
    let engines = &first["timing"]["engines"];
    let runtime = engines["runtime"].as_f64().unwrap();
    let models = engines["ner"].as_f64().unwrap() + engines["relations"].as_f64().unwrap();
    assert!(runtime > 0.0 && runtime <= models, "{engines}");
    let graph = std::fs::read(out.path().join("graph.json")).unwrap();
    let second = run();
    assert_eq!(second["summary"]["reused"], 2);
    assert_eq!(
        second["engines_started"],
        serde_json::json!({"ner": 0, "relations": 0, "ocr": 0}),
        "everything came from the cache"
    );
    assert_eq!(
        second["timing"]["engines"]["runtime"], 0.0,
        "the model runtime was not even loaded"
    );
    assert_eq!(std::fs::read(out.path().join("graph.json")).unwrap(), graph);
}

#[test]
fn native_library_messages_never_break_the_json_progress_stream() {
    let input = tempfile::tempdir().unwrap();
    std::fs::copy(
        crate::common::root().join("fixtures/hostile/corrupt-jpeg-scan.pdf"),
        input.path().join("scan.pdf"),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = docgraph()
        .args(["ingest", "--progress", "json", "--no-cache"])
        .arg(input.path())
        .arg("-o")
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&run.stderr);
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l:?}")))
        .collect();
    let library: Vec<_> = events
        .iter()
        .filter(|e| e["event"] == "library_message")
        .collect();
    assert!(
        library
            .iter()
            .any(|e| e["message"].as_str().unwrap().contains("Corrupt JPEG")),
        "libjpeg's warning is passed on as an event: {stderr}"
    );
    // -q silences it too.
    let quiet = docgraph()
        .args(["ingest", "-q", "--no-cache"])
        .arg(input.path())
        .arg("-o")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        quiet.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&quiet.stderr)
    );
}

#[test]
fn bench_refuses_what_it_cannot_time_and_leaves_nothing_behind() {
    let temp_before: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("docgraph-bench-")
        })
        .map(|e| e.file_name())
        .collect();
    let empty = tempfile::tempdir().unwrap();
    let run = docgraph().arg("bench").arg(empty.path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("nothing to time"), "{stderr}");
    assert!(run.stdout.is_empty(), "no table for an empty folder");

    let run = docgraph()
        .arg("bench")
        .arg(corpus().join("reportlab"))
        .args(["--lang", "xyz"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no OCR data for language 'xyz'"),
        "the option reached the run: {stderr}"
    );

    let temp_after: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("docgraph-bench-")
        })
        .map(|e| e.file_name())
        .filter(|n| !temp_before.contains(n))
        .collect();
    assert!(temp_after.is_empty(), "left behind: {temp_after:?}");
}

#[test]
fn completions_and_a_man_page_come_from_the_command_definition() {
    for shell in ["bash", "zsh", "fish"] {
        let run = docgraph().args(["completions", shell]).output().unwrap();
        assert_eq!(run.status.code(), Some(0));
        let script = String::from_utf8_lossy(&run.stdout);
        assert!(
            script.contains("ingest") && script.contains("relation-threshold"),
            "{shell}"
        );
    }
    let run = docgraph().arg("man").output().unwrap();
    let page = String::from_utf8_lossy(&run.stdout);
    assert!(
        page.contains(".TH docgraph 1") && page.contains("ingest"),
        "{page}"
    );
}

/// A PDF of `pages` pages, each with one sentence naming people, places and companies (so
/// every page gives the models work).
fn long_pdf(path: &std::path::Path, pages: usize) {
    use lopdf::content::{Content, Operation};
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let resources = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
    let mut kids: Vec<Object> = Vec::new();
    for n in 0..pages {
        let text = format!("On day {n}, Anna Berg met Paul Weber in Munich.");
        let content = Content {
            operations: vec![
                Operation::new("BT", vec![]),
                Operation::new("Tf", vec!["F1".into(), 11.into()]),
                Operation::new("Td", vec![50.into(), 700.into()]),
                Operation::new("Tj", vec![Object::string_literal(text)]),
                Operation::new("ET", vec![]),
            ],
        };
        let stream = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()));
        kids.push(
            doc.add_object(dictionary! {
                "Type" => "Page", "Parent" => pages_id, "Contents" => stream,
                "Resources" => resources, "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            })
            .into(),
        );
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Count" => pages as i64, "Kids" => kids },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    doc.save(path).unwrap();
}

#[test]
fn a_long_document_shows_progress_while_it_is_read() {
    let out = tempfile::tempdir().unwrap();
    let pdf = out.path().join("long.pdf");
    long_pdf(&pdf, 200);
    let run = docgraph()
        .args(["ingest", "--progress", "json", "--no-cache"])
        .arg(&pdf)
        .arg("-o")
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&run.stderr)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let during: Vec<_> = events
        .iter()
        .take_while(|e| e["event"] != "document")
        .filter(|e| e["event"] == "pages")
        .collect();
    // Progress events come while the counts move (pages read, sentences tagged, relation
    // pairs scored; the document takes about 2 s), and once more with the counts as the
    // document ends, before it is reported done.
    assert!(
        during.len() >= 2 && during[0]["pages_done"].as_u64().unwrap() > 0,
        "progress while the one 200-page document is read: {events:?}"
    );
    let last = during.last().unwrap();
    assert!(last["sentences_done"].as_u64().unwrap() > 0);
    assert!(
        last["pairs_done"].as_u64().unwrap() > 0,
        "the relation stage shows progress too: {during:?}"
    );
}

#[test]
fn documents_are_read_while_the_models_load() {
    let fixtures = [
        "fpdf/wind-report.pdf",
        "ghostscript/github-letter.pdf",
        "producers/chromium-series.pdf",
        "producers/latex-prize.pdf",
        "producers/libreoffice-deal.pdf",
        "reportlab/siemens-munich.pdf",
        "relations/fpdf-court.pdf",
        "relations/ghostscript-mayor.pdf",
    ];
    let named: Vec<(&str, String)> = fixtures
        .iter()
        .enumerate()
        .map(|(i, f)| (*f, format!("{i}.pdf")))
        .collect();
    let named: Vec<(&str, &str)> = named.iter().map(|(f, n)| (*f, n.as_str())).collect();
    let input = folder_with(&named);
    let out = tempfile::tempdir().unwrap();
    let run = docgraph()
        .args(["ingest", "--progress", "json", "--no-cache", "-j", "2"])
        .arg(input.path())
        .arg("-o")
        .arg(out.path())
        .env("DOCGRAPH_TEST_SLOW_MODEL_LOAD", "3")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    let pages: u64 = report(out.path())["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["pages"].as_u64().unwrap())
        .sum();
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // While the NER model takes 3 s to load, no document can finish; the two workers read
    // all eight meanwhile (not only the few a worker each would hold waiting for the model).
    let before_first_document = events
        .iter()
        .take_while(|e| e["event"] != "document")
        .filter(|e| e["event"] == "pages")
        .map(|e| e["pages_done"].as_u64().unwrap())
        .max();
    assert_eq!(before_first_document, Some(pages), "{stderr}");
}

#[test]
fn without_the_relation_model_entities_and_cooccurrences_stay_and_typed_relations_go() {
    let input = folder_with(&[("relations/reportlab-staff.pdf", "staff.pdf")]);
    let (with, without) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for (out, extra) in [(&with, &[][..]), (&without, &["--no-relation-model"][..])] {
        ingest_ok(input.path(), out.path(), extra);
    }
    let (a, b) = (report(with.path()), report(without.path()));
    println!("with: {}\nwithout: {}", a["summary"], b["summary"]);
    assert!(a["summary"]["typed_relations"].as_u64().unwrap() > 0);
    assert_eq!(b["summary"]["typed_relations"], 0);
    assert_eq!(b["summary"]["relation_pairs"], 0, "no pair was scored");
    assert_eq!(
        b["engines_started"]["relations"], 0,
        "the model was not loaded"
    );
    assert!(
        b["summary"]["relations"].as_u64().unwrap() > 0,
        "co-occurrences"
    );
    for key in ["mentions", "entities", "sentences"] {
        assert_eq!(a["summary"][key], b["summary"][key], "{key}");
    }
    let fingerprint = |out: &tempfile::TempDir| {
        let text = std::fs::read_to_string(out.path().join("results.jsonl")).unwrap();
        let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        header["fingerprint"].clone()
    };
    assert_ne!(
        fingerprint(&with),
        fingerprint(&without),
        "results of the two kinds are never mixed in a cache or a merge"
    );
}

/// The model runtime (`libdocgraph_torch.so`) missing is a configuration error said before any
/// document is read, naming where it was looked for and how to point at it.
#[test]
fn a_missing_model_runtime_is_said_up_front() {
    let out = tempfile::tempdir().unwrap();
    let run = docgraph()
        .env(
            "DOCGRAPH_TORCH_LIBRARY",
            "/nonexistent/libdocgraph_torch.so",
        )
        .args(["ingest", "-q"])
        .arg(crate::common::root().join("fixtures/corpus/relations"))
        .arg("-o")
        .arg(out.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    for part in [
        "/nonexistent/libdocgraph_torch.so",
        "DOCGRAPH_TORCH_LIBRARY",
    ] {
        assert!(stderr.contains(part), "{part} in: {stderr}");
    }
    assert!(!out.path().join("graph.json").exists(), "nothing written");
}

/// `scripts/build_tesseract.sh` (run by the setup script) builds libtesseract into
/// `target/tesseract/lib`; the executable loads that one before Debian's (its RUNPATH, set in
/// `build.rs`). Where it was not built, Debian's is used and this is said; under CI it must be
/// there.
#[test]
fn the_executable_loads_the_libtesseract_setup_built() {
    let exe = Path::new(env!("CARGO_BIN_EXE_docgraph"));
    let built = exe
        .parent()
        .unwrap()
        .join("../tesseract/lib/libtesseract.so.5");
    if !built.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing: scripts/build_tesseract.sh did not run or failed",
            built.display()
        );
        eprintln!(
            "{} not built: Debian's libtesseract is in use",
            built.display()
        );
        return;
    }
    // The dynamic loader lists what it would load, without running the program.
    let run = Command::new(exe)
        .env("LD_TRACE_LOADED_OBJECTS", "1")
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&run.stdout);
    let loaded = listing
        .lines()
        .find(|l| l.trim_start().starts_with("libtesseract"))
        .and_then(|l| l.split("=> ").nth(1))
        .and_then(|l| l.split(" (").next())
        .unwrap_or_else(|| panic!("no libtesseract in:\n{listing}"));
    assert_eq!(
        Path::new(loaded).canonicalize().unwrap(),
        built.canonicalize().unwrap(),
        "{listing}"
    );
    // And the run report says so.
    let (input, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let run = ingest(input.path(), out.path(), &[]);
    assert!(run.status.success(), "{run:?}");
    let said = report(out.path())["tesseract_library"]
        .as_str()
        .expect("tesseract_library in report.json")
        .to_string();
    assert_eq!(
        Path::new(&said).canonicalize().unwrap(),
        built.canonicalize().unwrap()
    );
}

/// `--precision auto` runs what `docgraph tune` measured on this machine, not what the
/// processor's flags suggest: `tune` writes a file for this machine naming the fastest
/// precision it timed, and an `auto` run follows whatever that file says.
#[test]
fn auto_runs_what_tune_measured_on_this_machine() {
    use docgraph::runtime::tune::{self, Tuning};
    use docgraph::runtime::Precision;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tuning.json");
    let t = docgraph()
        .arg("tune")
        .env("DOCGRAPH_TUNING", &file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&t.stdout);
    println!("{stdout}");
    assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stderr));
    let tuning: Tuning = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(tuning.machine, tune::machine());
    assert!(tune::precision_candidates().contains(&tuning.precision));
    let speed = |name: &str| {
        tuning
            .measured
            .iter()
            .find(|m| m.candidate == name)
            .map(|m| m.speed)
            .unwrap_or_else(|| panic!("{name} measured: {stdout}"))
    };
    assert!(speed("precision:float32") > 0.0);
    assert!(speed(&format!("precision:{}", tuning.precision.name())) >= speed("precision:float32"));

    // An `auto` run follows the file, whichever precision it names.
    let input = tempfile::tempdir().unwrap();
    std::fs::copy(
        corpus().join("reportlab/siemens-munich.pdf"),
        input.path().join("a.pdf"),
    )
    .unwrap();
    for precision in [Precision::Float32, tuning.precision] {
        let mut forced = tuning.clone();
        forced.precision = precision;
        tune::write(&file, &forced).unwrap();
        let out = tempfile::tempdir().unwrap();
        let r = docgraph()
            .args(["ingest", "-q", "--no-cache"])
            .arg(input.path())
            .arg("-o")
            .arg(out.path())
            .env("DOCGRAPH_TUNING", &file)
            .output()
            .unwrap();
        assert_eq!(
            r.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&r.stderr)
        );
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap())
                .unwrap();
        assert_eq!(report["precision"], precision.name(), "{report}");
    }
}
