//! A list of known entities (`--entities`): a type of the user's own appears in every output
//! with the names the pages use for it, and takes part in relations.

use std::fs;

use serde_json::Value;

use crate::cli::{docgraph, ingest_ok};
use crate::common::text_pdf;

const TEXT: &str = "Doctor Helena Varga prescribed ASA to her patients in Hamburg. \
    Aspirin, also sold as acetylsalicylic acid, is made by Bayer in Leverkusen. \
    Helena Varga works for the Nordwind Clinic. NASA did not comment.";

const LIST: &str = "# type\tname\taliases\n\
    DRUG\taspirin\tacetylsalicylic acid\tASA\n\
    ORG\tNordwind Clinic\tNordwind\n";

#[test]
fn a_listed_type_appears_with_its_aliases_and_relations_in_every_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    text_pdf(&input.join("clinic.pdf"), TEXT);
    let list = dir.path().join("entities.tsv");
    fs::write(&list, LIST).unwrap();
    let out = dir.path().join("out");
    ingest_ok(&input, &out, &["--entities", list.to_str().unwrap()]);

    let graph: Value =
        serde_json::from_str(&fs::read_to_string(out.join("graph.json")).unwrap()).unwrap();
    let nodes = graph["nodes"].as_array().unwrap();
    let entity = |name: &str| {
        nodes
            .iter()
            .find(|n| n["kind"] == "entity" && n["name"] == name)
            .unwrap_or_else(|| panic!("no entity {name}: {nodes:#?}"))
    };
    let aspirin = entity("aspirin");
    assert_eq!(aspirin["type"], "DRUG");
    assert_eq!(
        aspirin["mentions"], 3,
        "ASA, Aspirin, acetylsalicylic acid (not NASA)"
    );
    let aliases: Vec<(&str, &str)> = aspirin["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap(), a["rule"].as_str().unwrap()))
        .collect();
    for expected in [
        ("ASA", "listed"),
        ("acetylsalicylic acid", "listed"),
        ("Aspirin", "normalised"),
    ] {
        assert!(aliases.contains(&expected), "{expected:?} in {aliases:?}");
    }
    // Its relations: co-occurrences (no predicate of the shipped model joins a drug) with the
    // doctor and the maker; the model's typed relations go on around it.
    let id = |n: &Value| n["id"].as_u64().unwrap();
    let related = |a: &Value, b: &Value, predicate: Value| {
        graph["edges"].as_array().unwrap().iter().any(|e| {
            e["kind"] == "relation"
                && e["predicate"] == predicate
                && [e["source"].as_u64(), e["target"].as_u64()].contains(&Some(id(a)))
                && [e["source"].as_u64(), e["target"].as_u64()].contains(&Some(id(b)))
        })
    };
    let varga = entity("Helena Varga");
    assert!(related(aspirin, varga, Value::Null));
    assert!(related(aspirin, entity("Bayer"), Value::Null));
    let clinic = entity("Nordwind Clinic");
    assert_eq!(clinic["type"], "ORG");
    assert!(
        related(varga, clinic, "Work_For".into()),
        "{:#?}",
        graph["edges"]
    );

    let graphml = fs::read_to_string(out.join("graph.graphml")).unwrap();
    assert!(graphml.contains(">DRUG<"), "the type in GraphML");
    let html = fs::read_to_string(out.join("graph.html")).unwrap();
    assert!(html.contains("\"DRUG\""), "the type in the explorer's data");
    let results = fs::read_to_string(out.join("results.jsonl")).unwrap();
    assert!(results.contains("\"listed\":true"));
}

#[test]
fn a_bad_list_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("entities.tsv");
    fs::write(&list, "DRUG\taspirin\ndrug\tibuprofen\n").unwrap();
    let r = docgraph()
        .args(["ingest", "-q"])
        .arg(crate::common::corpus().join("reportlab"))
        .arg("-o")
        .arg(dir.path().join("out"))
        .arg("--entities")
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(
        r.status.code(),
        Some(2),
        "a setup the run cannot start with"
    );
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("line 2") && err.contains("not a type"),
        "{err}"
    );
}
