//! Shared by the integration tests: the fixture manifest, one real pipeline run over the
//! fixtures (shared by every test), and text-similarity measures.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use docgraph::{CancelFlag, Config, Pipeline, RunOutput};
use serde_json::Value;

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn corpus() -> PathBuf {
    root().join("fixtures/corpus")
}

pub fn expected() -> &'static Value {
    static EXPECTED: OnceLock<Value> = OnceLock::new();
    EXPECTED.get_or_init(|| {
        let text = std::fs::read_to_string(root().join("fixtures/expected.json"))
            .expect("fixtures/expected.json");
        serde_json::from_str(&text).expect("expected.json parses")
    })
}

pub fn config() -> Config {
    let mut c = Config::new(root().join("models/ner-minilm-l6-conll03"));
    c.keep_text = true;
    c
}

/// The real pipeline over fixtures/corpus, run once for all tests.
pub fn fixture_run() -> &'static RunOutput {
    static RUN: OnceLock<RunOutput> = OnceLock::new();
    RUN.get_or_init(|| {
        let pipeline = Pipeline::new(config())
            .expect("pipeline starts (model in models/, Tesseract installed)");
        pipeline
            .run(&corpus(), None, &CancelFlag::new(), &|_| {})
            .expect("run completes")
    })
}

/// The same run with the models at float32 (the same figures on every processor).
pub fn float32_run() -> RunOutput {
    run_at(docgraph::runtime::Precision::Float32)
}

/// The same run with the models' linear layers at `precision`.
pub fn run_at(precision: docgraph::runtime::Precision) -> RunOutput {
    let mut config = config();
    config.precision = precision;
    Pipeline::new(config)
        .expect("pipeline starts")
        .run(&corpus(), None, &CancelFlag::new(), &|_| {})
        .expect("run completes")
}

/// White space collapsed to single spaces, ends trimmed.
pub fn normalize_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Character-level similarity: 1 − Levenshtein distance / length of the longer text, on
/// white-space-normalised text.
pub fn char_similarity(a: &str, b: &str) -> f64 {
    docgraph::explore::query::similarity(&normalize_ws(a), &normalize_ws(b))
}

#[test]
fn similarity_measure_behaves() {
    assert_eq!(char_similarity("a  b\nc", "a b c"), 1.0);
    assert!((char_similarity("abcd", "abce") - 0.75).abs() < 1e-9);
    assert_eq!(char_similarity("", "abc"), 0.0);
}

/// An error kind as `report.json` spells it.
pub fn kind_name(kind: docgraph::ErrorKind) -> String {
    serde_json::to_value(kind)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

/// Writes a PDF of `text` set in 10-point Helvetica, wrapped at 90 characters, 60 lines a
/// page; characters outside Latin-1 become `?` (the standard font's encoding has no others).
pub fn text_pdf(path: &Path, text: &str) {
    use lopdf::content::{Content, Operation};
    use lopdf::{dictionary, Document, Object, Stream};
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > 90 {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let resources = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
    let mut kids: Vec<Object> = Vec::new();
    for page in lines.chunks(60) {
        let mut ops = vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 10.into()]),
            Operation::new("TL", vec![13.into()]),
            Operation::new("Td", vec![50.into(), 750.into()]),
        ];
        for l in page {
            let bytes: Vec<u8> = l
                .chars()
                .map(|c| if (c as u32) < 256 { c as u8 } else { b'?' })
                .collect();
            ops.push(Operation::new(
                "Tj",
                vec![Object::String(bytes, lopdf::StringFormat::Literal)],
            ));
            ops.push(Operation::new("T*", vec![]));
        }
        ops.push(Operation::new("ET", vec![]));
        let content = Content { operations: ops };
        let stream = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()));
        kids.push(
            doc.add_object(dictionary! {
                "Type" => "Page", "Parent" => pages_id, "Contents" => stream,
                "Resources" => resources,
                "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            })
            .into(),
        );
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Count" => count, "Kids" => kids }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    doc.save(path).unwrap();
}
