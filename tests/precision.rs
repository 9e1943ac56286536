//! The faster arithmetics against float32 (the arithmetic the models were trained in), on
//! CoNLL04's development split (231 sentences of news text with gold entities and relations,
//! read from `../shared/data/conll04` or `DOCGRAPH_CONLL04`): entity F1 of the NER stage and
//! relation F1 with the gold entities given, each precision that runs fast on this processor
//! against float32.
mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::root;
use docgraph::encoder::{bf16_native, int8, Precision};
use docgraph::record::EntityType;
use docgraph::relations::eval::{read_conll04, Counts, GoldSentence, Scores};
use docgraph::relations::model::{decide, read_card, EncodedPair, PairEncoder, RelationClassifier};
use docgraph::{Config, Pipeline};

/// How far a faster precision's F1 may fall below float32's (the brief's bar: within 0.005).
const TOLERANCE: f64 = 0.005;

fn dev_split() -> Vec<GoldSentence> {
    let dir = std::env::var_os("DOCGRAPH_CONLL04")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/data/conll04"));
    let path = dir.join("conll04_dev.json");
    assert!(
        path.is_file(),
        "{} is missing: set DOCGRAPH_CONLL04",
        path.display()
    );
    read_conll04(&path).unwrap()
}

/// Entity F1 of the NER stage at `precision`: every sentence's PER, ORG and LOC spans against
/// the gold ones (exact span and type).
fn entity_scores(dev: &[GoldSentence], precision: Precision) -> Counts {
    let mut config = Config::new(root().join("models/ner-minilm-l6-conll03"));
    config.cooccurrence = false;
    config.precision = precision;
    let pipeline = Pipeline::new(config).unwrap();
    let mut text = String::new();
    let mut starts = Vec::with_capacity(dev.len());
    for s in dev {
        starts.push(text.chars().count());
        text.push_str(&s.text);
        text.push_str("\n\n");
    }
    let r = pipeline.analyze_text("conll04-dev", &text).unwrap();
    let mut found: Vec<Vec<(usize, usize, EntityType)>> = vec![Vec::new(); dev.len()];
    for m in &r.mentions {
        if m.inferred
            || !matches!(
                m.entity_type,
                EntityType::PER | EntityType::ORG | EntityType::LOC
            )
        {
            continue;
        }
        let i = starts.partition_point(|&b| b <= m.start) - 1;
        found[i].push((m.start - starts[i], m.end - starts[i], m.entity_type));
    }
    let mut counts = Counts::default();
    for (s, found) in dev.iter().zip(&found) {
        let gold: BTreeSet<_> = s
            .entities
            .iter()
            .filter_map(|e| e.entity_type.map(|t| (e.start, e.end, t)))
            .collect();
        let found: BTreeSet<_> = found.iter().copied().collect();
        counts.tp += gold.intersection(&found).count();
        counts.fp += found.difference(&gold).count();
        counts.fn_ += gold.difference(&found).count();
    }
    counts
}

/// Relation F1 with the gold entities given, at `precision`.
fn relation_scores(dev: &[GoldSentence], precision: Precision) -> (Scores, Vec<Option<u8>>) {
    let dir = root().join(docgraph::relations::DEFAULT_MODEL_SUBDIR);
    let encoder = PairEncoder::from_vocab(&dir.join("vocab.txt")).unwrap();
    let classifier = RelationClassifier::load(&dir, precision).unwrap();
    let threshold = read_card(&dir).unwrap().threshold;
    let mut pairs: Vec<(usize, usize, usize, EncodedPair)> = Vec::new();
    for (si, s) in dev.iter().enumerate() {
        for (h, t) in s.candidate_pairs() {
            let (head, tail) = (s.marked(h).unwrap(), s.marked(t).unwrap());
            if let Some(p) = encoder.encode(&s.text, head, tail) {
                pairs.push((si, h, t, p));
            }
        }
    }
    pairs.sort_by_key(|p| p.3.ids.len());
    let mut predicted = vec![Vec::new(); dev.len()];
    let mut decisions = Vec::with_capacity(pairs.len());
    for batch in pairs.chunks(docgraph::relations::BATCH_SIZE) {
        let inputs: Vec<&EncodedPair> = batch.iter().map(|p| &p.3).collect();
        for (p, probs) in batch.iter().zip(classifier.probabilities(&inputs)) {
            let d = decide(&probs, threshold);
            decisions.push(d.map(|d| d.0 as u8));
            if let Some((predicate, _)) = d {
                predicted[p.0].push((p.1, p.2, predicate));
            }
        }
    }
    let mut scores = Scores::default();
    for (s, pred) in dev.iter().zip(&predicted) {
        scores.add(&s.triples(), pred);
    }
    (scores, decisions)
}

/// Every precision that is fast on this processor keeps entity F1 and relation F1 within
/// [`TOLERANCE`] of float32 (below it; above is fine), and `auto` is one of them.
#[test]
fn fast_precisions_keep_f1_on_the_development_split() {
    let dev = dev_split();
    let mut fast = Vec::new();
    if bf16_native() {
        fast.push(Precision::BFloat16);
    }
    if int8::int8_native() {
        fast.push(Precision::Int8);
    }
    let auto = Precision::Auto.effective();
    println!("this processor: auto = {}", auto.name());
    assert!(
        auto == Precision::Float32 || fast.contains(&auto),
        "auto picks {} although it is not native here",
        auto.name()
    );
    let ner_float = entity_scores(&dev, Precision::Float32);
    let (rel_float, dec_float) = relation_scores(&dev, Precision::Float32);
    let (nf, rf) = (ner_float.f1(), rel_float.micro().f1());
    println!("float32: entity F1 {nf:.4}, relation F1 (gold entities) {rf:.4}");
    let mut failures = Vec::new();
    for p in fast {
        let ner = entity_scores(&dev, p);
        let (rel, dec) = relation_scores(&dev, p);
        let (n, r) = (ner.f1(), rel.micro().f1());
        let same = dec.iter().zip(&dec_float).filter(|(a, b)| a == b).count();
        println!(
            "{}: entity F1 {n:.4}, relation F1 (gold entities) {r:.4}; {same}/{} relation decisions as float32",
            p.name(),
            dec.len()
        );
        if n < nf - TOLERANCE {
            failures.push(format!(
                "{}: entity F1 {n:.4} < float32 {nf:.4} − {TOLERANCE}",
                p.name()
            ));
        }
        if r < rf - TOLERANCE {
            failures.push(format!(
                "{}: relation F1 {r:.4} < float32 {rf:.4} − {TOLERANCE}",
                p.name()
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
