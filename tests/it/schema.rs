//! A schema of the user's own: `docgraph train relations` on sentences written for two
//! predicates the shipped model lacks (`Treats` DRUG → DISEASE, `Founded_By` ORG → PER;
//! `fixtures/schema/`, made by `scripts/make_schema_fixture.py`): six epochs of 14 batches,
//! about 40 s on two cores; then
//! `ingest` with that model and a list of the drugs and illnesses finds those predicates in
//! every output.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::cli::{docgraph, ingest_ok};
use crate::common::{root, text_pdf};

/// Sentences none of the training sentences holds (other drugs, companies and people).
const TEXT: &str = "Quorvex is prescribed for gout in older patients. \
    Tidewell Systems was founded by Elena Marsh in 2004. \
    Paul Brandt works for Tidewell Systems as an engineer. \
    Doctors say that Quorvex may cause insomnia.";

const LIST: &str = "DRUG\tQuorvex\n\
    DISEASE\tgout\n\
    DISEASE\tinsomnia\n";

#[test]
fn a_model_trained_on_a_schema_of_ones_own_finds_its_predicates_in_every_output() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    let fixtures = root().join("fixtures/schema");
    let train = docgraph()
        .args(["train", "relations", "--train"])
        .arg(fixtures.join("train.json"))
        .arg("--dev")
        .arg(fixtures.join("dev.json"))
        .arg("--out")
        .arg(&model)
        .args(["--epochs", "6", "--lr", "3e-4", "--threads", "2"])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&train.stderr);
    assert!(
        train.status.success(),
        "docgraph train relations (docgraph-train is built beside docgraph by `cargo build \
         --release`): {log}"
    );
    println!("{log}{}", String::from_utf8_lossy(&train.stdout));
    // The folder carries its schema and a card of how it was made.
    let card: Value =
        serde_json::from_str(&fs::read_to_string(model.join("docgraph.json")).unwrap()).unwrap();
    let predicates: Vec<&str> = card["schema"]["predicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(predicates, ["Founded_By", "Treats"]);
    assert_eq!(
        card["schema"]["predicates"][1]["joins"][0],
        serde_json::json!(["DRUG", "DISEASE"])
    );
    assert_eq!(card["training"]["data"]["train_sentences"], 54);
    let f1 = card["dev_micro_f1"].as_f64().unwrap();
    assert!(f1 >= 0.6, "development micro F1 {f1}");
    let readme = fs::read_to_string(model.join("README.md")).unwrap();
    assert!(readme.contains("| Treats | DRUG → DISEASE |"), "{readme}");

    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    text_pdf(&input.join("clinic.pdf"), TEXT);
    let list = dir.path().join("entities.tsv");
    fs::write(&list, LIST).unwrap();
    let out = dir.path().join("out");
    ingest_ok(
        &input,
        &out,
        &[
            "--entities",
            list.to_str().unwrap(),
            "--relation-model-dir",
            model.to_str().unwrap(),
        ],
    );

    let graph: Value =
        serde_json::from_str(&fs::read_to_string(out.join("graph.json")).unwrap()).unwrap();
    let name: std::collections::HashMap<u64, &str> = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "entity")
        .map(|n| (n["id"].as_u64().unwrap(), n["name"].as_str().unwrap()))
        .collect();
    let typed: Vec<(&str, &str, &str)> = graph["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            Some((
                *name.get(&e["source"].as_u64()?)?,
                e["predicate"].as_str()?,
                *name.get(&e["target"].as_u64()?)?,
            ))
        })
        .collect();
    println!("typed relations: {typed:?}");
    for expected in [
        ("Quorvex", "Treats", "gout"),
        ("Tidewell Systems", "Founded_By", "Elena Marsh"),
    ] {
        assert!(typed.contains(&expected), "{expected:?} in {typed:?}");
    }
    assert!(
        !typed.contains(&("Quorvex", "Treats", "insomnia")),
        "a drug that causes an illness does not treat it: {typed:?}"
    );
    assert!(
        typed
            .iter()
            .all(|t| ["Treats", "Founded_By"].contains(&t.1)),
        "only the model's predicates: {typed:?}"
    );

    let graphml = fs::read_to_string(out.join("graph.graphml")).unwrap();
    for p in ["Treats", "Founded_By"] {
        assert!(graphml.contains(&format!(">{p}<")), "{p} in GraphML");
    }
    explorer_shows(&out.join("graph.html"));
}

/// The explorer, opened at the drug, lists its `Treats` relation and names both predicates in
/// its legend (colours of their own).
fn explorer_shows(page: &Path) {
    let url = format!(
        "file://{}#Quorvex",
        fs::canonicalize(page).unwrap().display()
    );
    let o = crate::explorer::chromium(&["--dump-dom".into(), url.clone()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = crate::explorer::visible_text(&String::from_utf8_lossy(&o.stdout));
    println!("explorer: {text}");
    assert!(text.contains("Treats") && text.contains("gout"), "{text}");
    assert!(text.contains("Founded_By"), "in the legend: {text}");
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("schema-explorer.png");
    let o = crate::explorer::chromium(&[format!("--screenshot={}", shot.display()), url]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// `docgraph train ner` on the same sentences (their DRUG, DISEASE, PER and ORG spans): the
/// model, in a folder of its own away from the shipped ones, finds a drug the sentences never
/// name, typed as its own type, and still finds people and organisations.
#[test]
fn an_entity_model_trained_on_types_of_ones_own_finds_them() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("ner");
    let fixtures = root().join("fixtures/schema");
    let train = docgraph()
        .args(["train", "ner", "--train"])
        .arg(fixtures.join("train.json"))
        .arg("--dev")
        .arg(fixtures.join("dev.json"))
        .arg("--out")
        .arg(&model)
        .args([
            "--epochs",
            "2",
            "--lr",
            "2e-4",
            "--batch",
            "8",
            "--threads",
            "2",
        ])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&train.stderr);
    assert!(train.status.success(), "docgraph train ner: {log}");
    println!("{log}{}", String::from_utf8_lossy(&train.stdout));
    let config: Value =
        serde_json::from_str(&fs::read_to_string(model.join("config.json")).unwrap()).unwrap();
    let labels: Vec<&str> = (0..9)
        .map(|i| config["id2label"][i.to_string()].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "O",
            "B-PER",
            "I-PER",
            "B-ORG",
            "I-ORG",
            "B-DRUG",
            "I-DRUG",
            "B-DISEASE",
            "I-DISEASE"
        ]
    );
    let record: Value =
        serde_json::from_str(&fs::read_to_string(model.join("training.json")).unwrap()).unwrap();
    let micro = record["dev_scores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "micro")
        .unwrap()["f1"]
        .as_f64()
        .unwrap();
    assert!(micro >= 0.7, "development micro F1 {micro}");

    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    text_pdf(&input.join("clinic.pdf"), TEXT);
    let out = dir.path().join("out");
    ingest_ok(&input, &out, &["--model-dir", model.to_str().unwrap()]);
    let graph: Value =
        serde_json::from_str(&fs::read_to_string(out.join("graph.json")).unwrap()).unwrap();
    let entities: Vec<(&str, &str)> = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "entity")
        .map(|n| (n["name"].as_str().unwrap(), n["type"].as_str().unwrap()))
        .collect();
    println!("entities: {entities:?}");
    for expected in [
        ("Quorvex", "DRUG"),
        ("Elena Marsh", "PER"),
        ("Tidewell Systems", "ORG"),
    ] {
        assert!(entities.contains(&expected), "{expected:?} in {entities:?}");
    }
}
