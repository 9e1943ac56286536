//! The outputs on the fixtures corpus, compared with `fixtures/golden/`: a refactor that is
//! meant to change nothing must leave every byte of the graph files, and everything in
//! `report.json` but timings and machine-dependent fields, as it was; except the last digits
//! of model confidences, which depend on the processor (BLAS picks other kernels on other
//! processors, so float32 sums round differently: about 1e-7 between an AMD Zen 4 and an
//! Intel Xeon). Numbers are equal within 1e-5; everything else byte for byte.
//!
//! After a change that is meant to change outputs, look at the diff of the golden files and
//! bless the new ones:
//!
//! ```text
//! DOCGRAPH_BLESS=1 cargo test --release --test it golden::
//! ```

use std::path::Path;

use crate::common::root;
use serde_json::Value;

/// Fields of `report.json` that change from run to run or machine to machine.
const VOLATILE: [&str; 8] = [
    "seconds",
    "timing",
    "peak_rss_mib",
    "stage_seconds",
    "workers",
    "ner_instances",
    "engines_started",
    "tesseract_library",
];

fn stable_report(text: &str) -> Value {
    let mut v: Value = serde_json::from_str(text).expect("report.json parses");
    let top = v.as_object_mut().unwrap();
    for k in VOLATILE {
        top.remove(k);
    }
    for d in top["documents"].as_array_mut().unwrap() {
        let d = d.as_object_mut().unwrap();
        d.remove("seconds");
        d.remove("stages");
    }
    v
}

/// Two texts split into numbers and the rest: is the rest identical, every whole number too,
/// and every decimal within 1e-5 of its counterpart (relative to its size, above 1)?
fn same_but_rounding(want: &str, got: &str) -> bool {
    let (w, g) = (tokens(want), tokens(got));
    w.len() == g.len()
        && w.iter().zip(&g).all(|(a, b)| {
            a == b
                || (a.contains('.') && b.contains('.'))
                    && match (a.parse::<f64>(), b.parse::<f64>()) {
                        (Ok(x), Ok(y)) => (x - y).abs() <= 1e-5 * x.abs().max(1.0),
                        _ => false,
                    }
        })
}

/// Runs of digits and decimal points (with a leading minus sign), and runs of anything else.
fn tokens(text: &str) -> Vec<&str> {
    let numeric = |c: char| c.is_ascii_digit() || c == '.';
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_number = None;
    for (i, c) in text.char_indices() {
        let starts_number = c.is_ascii_digit()
            || (c == '-' && text[i + 1..].starts_with(|d: char| d.is_ascii_digit()));
        let now = match in_number {
            Some(true) => numeric(c),
            _ => starts_number,
        };
        if in_number.is_some_and(|was| was != now) {
            out.push(&text[start..i]);
            start = i;
        }
        in_number = Some(now);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

#[test]
fn numbers_may_differ_in_their_last_digits_and_nothing_else_may() {
    assert_eq!(tokens("a 0.25, -3 b"), ["a ", "0.25", ", ", "-3", " b"]);
    assert!(same_but_rounding(
        "\"confidence\": 0.4004085,",
        "\"confidence\": 0.40040907,"
    ));
    assert!(!same_but_rounding(
        "\"confidence\": 0.40,",
        "\"confidence\": 0.41,"
    ));
    assert!(!same_but_rounding("page 3", "page 4"));
    assert!(!same_but_rounding("bytes 123456", "bytes 123457"));
    assert!(!same_but_rounding("Live_In 0.5", "Work_For 0.5"));
    assert!(!same_but_rounding("0.5", "0.5 extra"));
}

/// The first line where two texts differ, with its neighbours, for the failure message.
fn first_difference(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let i = w.iter().zip(&g).take_while(|(a, b)| a == b).count();
    let show = |v: &[&str]| v[i.saturating_sub(2)..(i + 3).min(v.len())].join("\n");
    format!(
        "first difference at line {}:\n--- golden\n{}\n--- now\n{}",
        i + 1,
        show(&w),
        show(&g)
    )
}

#[test]
fn outputs_match_the_golden_files() {
    // float32: the same figures on every processor (bfloat16, the default where the processor
    // has it, rounds confidences differently; `tests/fixtures_pipeline.rs` checks its quality).
    let out = &crate::common::float32_run();
    let dir = tempfile::tempdir().unwrap();
    docgraph::store::folder::write_outputs(dir.path(), out, &Default::default())
        .unwrap()
        .expect_files();
    let golden = root().join("fixtures/golden");
    let bless = std::env::var_os("DOCGRAPH_BLESS").is_some();
    let read = |d: &Path, name: &str| std::fs::read_to_string(d.join(name)).unwrap_or_default();
    let mut failures = Vec::new();
    for name in ["graph.json", "graph.graphml", "graph.dot"] {
        let (want, got) = (read(&golden, name), read(dir.path(), name));
        if bless {
            std::fs::write(golden.join(name), &got).unwrap();
        } else if !same_but_rounding(&want, &got) {
            failures.push(format!("{name}: {}", first_difference(&want, &got)));
        }
    }
    let got = stable_report(&read(dir.path(), "report.json"));
    if bless {
        let text = serde_json::to_string_pretty(&got).unwrap() + "\n";
        std::fs::write(golden.join("report.json"), text).unwrap();
    } else {
        let want = stable_report(&read(&golden, "report.json"));
        if want != got {
            let (w, g) = (
                serde_json::to_string_pretty(&want).unwrap(),
                serde_json::to_string_pretty(&got).unwrap(),
            );
            failures.push(format!("report.json: {}", first_difference(&w, &g)));
        }
    }
    assert!(
        failures.is_empty(),
        "outputs differ from fixtures/golden/ (bless intended changes with DOCGRAPH_BLESS=1):\n{}",
        failures.join("\n\n")
    );
}
