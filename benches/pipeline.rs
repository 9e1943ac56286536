//! Parallel against sequential on one corpus, in one run: `cargo bench`.
//!
//! The corpus is the shipped fixtures' readable documents (text pages from three producers,
//! scanned pages as JPEG, lossless and CCITT fax: two text pages for every scanned one), copied
//! `DOCGRAPH_BENCH_COPIES` times (default 8) so each mode runs for several seconds. Each mode
//! runs in its own `docgraph ingest` process; their reports give the times and peak memory.
//!
//! Asserts that the parallel pipeline is more than 1.5 times faster and builds the same graph.

use std::path::Path;

const MIN_SPEEDUP: f64 = 1.5;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copies: usize = std::env::var("DOCGRAPH_BENCH_COPIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("fixtures/expected.json")).unwrap(),
    )
    .unwrap();
    let corpus = tempfile::tempdir().unwrap();
    for copy in 0..copies {
        for path in expected["documents"].as_object().unwrap().keys() {
            let to = corpus.path().join(format!("copy{copy:03}")).join(path);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(root.join("fixtures/corpus").join(path), to).unwrap();
        }
    }
    // The binary's own `bench` subcommand runs each mode in its own process, prints the table
    // and exits non-zero when the graphs differ or the speed-up is not above the bar.
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_docgraph"))
        .arg("bench")
        .arg(corpus.path())
        .arg("--model-dir")
        .arg(root.join("models/ner-minilm-l6-conll03"))
        .arg("--min-speedup")
        .arg(MIN_SPEEDUP.to_string())
        .status()
        .expect("docgraph bench starts");
    assert!(
        status.success(),
        "docgraph bench failed ({status}): different graphs, or parallel not {MIN_SPEEDUP}x faster"
    );
}
