//! Structured concurrency with the real stages: same graph in both modes, cancellation,
//! time limits. Nothing here is timed: speed is measured in `benches/`.

use std::time::Duration;

use crate::common::{config, corpus};
use docgraph::graph::export::to_json;
use docgraph::{CancelFlag, DocStatus, Pipeline, Progress};

#[test]
fn sequential_and_parallel_runs_produce_the_same_graph() {
    let parallel = Pipeline::new(config()).unwrap();
    let mut seq_config = config();
    seq_config.sequential = true;
    let sequential = Pipeline::new(seq_config).unwrap();
    assert_eq!(sequential.config().effective_workers(), 1);

    let p = parallel
        .run(&corpus(), None, &CancelFlag::new(), &|_| {})
        .unwrap();
    let s = sequential
        .run(&corpus(), None, &CancelFlag::new(), &|_| {})
        .unwrap();
    assert_eq!(
        (p.report.mode.as_str(), s.report.mode.as_str()),
        ("parallel", "sequential")
    );
    assert!(p.graph.entity_count() > 40, "{}", p.graph.entity_count());
    assert_eq!(to_json(&p.graph).unwrap(), to_json(&s.graph).unwrap());
}

#[test]
fn cancelling_mid_run_keeps_finished_work_and_leaves_nothing_running() {
    let pipeline = Pipeline::new(config()).unwrap();
    let cancel = CancelFlag::new();
    let out = pipeline
        .run(&corpus(), None, &cancel, &|p| {
            // Cancel as soon as the first document is in: what Ctrl-C does.
            if matches!(p, Progress::Document { .. }) {
                cancel.cancel();
            }
        })
        .unwrap();
    let s = &out.report.summary;
    println!("{s:#?}");
    assert!(out.report.cancelled);
    let e = crate::common::expected();
    let in_corpus =
        e["documents"].as_object().unwrap().len() + e["broken"].as_object().unwrap().len();
    assert_eq!(s.documents, in_corpus, "every document is in the report");
    assert!(
        s.cancelled >= 1,
        "documents after the cancellation are reported as cancelled"
    );
    assert!(s.ok + s.failed >= 1, "the document that finished is kept");
    assert_eq!(pipeline.in_flight(), 0, "no document work outlives the run");

    for r in out
        .results
        .iter()
        .filter(|r| r.report.status == DocStatus::Cancelled)
    {
        assert_eq!(r.report.error_kind, Some(docgraph::ErrorKind::Cancelled));
    }
    // The outputs of a cancelled run are complete files.
    let dir = tempfile::tempdir().unwrap();
    let files = docgraph::store::folder::write_outputs(dir.path(), &out, &Default::default())
        .unwrap()
        .expect_files();
    let report: docgraph::RunReport =
        serde_json::from_slice(&std::fs::read(files.report).unwrap()).unwrap();
    assert!(report.cancelled);
    let _: serde_json::Value = serde_json::from_slice(&std::fs::read(files.json).unwrap()).unwrap();
}

#[test]
fn a_document_over_its_time_limit_is_reported_and_the_run_goes_on() {
    let mut c = config();
    c.doc_timeout = Some(Duration::from_millis(1));
    let pipeline = Pipeline::new(c).unwrap();
    // Not warmed up: the models load and Tesseract starts during the run. The limit counts
    // neither (the scan would time out while loading, not working), and neither gives a
    // document extra time: the text document here, 70 ms of work, once finished inside the
    // seconds other engines took to start.
    let dir = tempfile::tempdir().unwrap();
    for name in ["scans/berlin-jpeg.pdf", "fpdf/wind-report.pdf"] {
        let to = dir.path().join(name.replace('/', "-"));
        std::fs::copy(corpus().join(name), to).unwrap();
    }
    let out = pipeline
        .run(dir.path(), None, &CancelFlag::new(), &|_| {})
        .unwrap();
    assert_eq!(
        out.report.summary.timed_out, 2,
        "{:#?}",
        out.report.documents
    );
    for d in &out.report.documents {
        assert_eq!(d.status, DocStatus::TimedOut);
        assert_eq!(d.error_kind, Some(docgraph::ErrorKind::Timeout));
        assert!(d.error.as_deref().unwrap().contains("--doc-timeout"));
    }
    assert_eq!(
        pipeline.in_flight(),
        0,
        "timed-out work was stopped, not left running"
    );
    assert!(!out.report.cancelled);
}
