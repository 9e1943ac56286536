//! The shipped relation model on CoNLL04's development split, read from `../shared/data/conll04`
//! (or `DOCGRAPH_CONLL04`): scored with the gold entities given, through the same encoding,
//! batching and decision code the pipeline uses; and end to end from the sentences' text,
//! with docgraph's own NER finding the entities first; and the faster precisions against
//! float32 on the same sentences (entity F1 and relation F1).

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::common::root;
use docgraph::record::EntityType;
use docgraph::relations::eval::{
    gold_inputs, read_conll04_dev, score_pairs, Counts, GoldSentence, Scores,
};
use docgraph::relations::model::{read_card, ModelInput, PairEncoder, RelationClassifier};
use docgraph::relations::schema::Predicate;
use docgraph::runtime::Precision;
use docgraph::{Config, Pipeline};

/// Micro F1 the model must reach on the development split with gold entities (the issue's
/// floor; 0.796 to 0.797 at every precision here).
const MIN_GOLD_ENTITY_F1: f64 = 0.79;
/// Micro F1 end to end from text (entities found by docgraph's NER, spans must match exactly).
/// (A regression floor: CoNLL04 draws entity boundaries its own way, and the NER model was
/// trained on CoNLL-2003's; the figure and a looser one are printed.)
const MIN_END_TO_END_F1: f64 = 0.55;

fn dev_split() -> Vec<GoldSentence> {
    read_conll04_dev(root()).unwrap_or_else(|e| panic!("{e}"))
}

fn model_dir() -> PathBuf {
    root().join(docgraph::relations::DEFAULT_MODEL_SUBDIR)
}

/// The model's decisions on every candidate pair of the development split, gold entities
/// given, through the same encoding, batching and decision code the pipeline uses: the scores,
/// each pair's decision (in a fixed order) and the threshold.
fn gold_entity_decisions(
    dev: &[GoldSentence],
    precision: Precision,
) -> (Scores, Vec<Option<Predicate>>, f32) {
    let dir = model_dir();
    let card = read_card(&dir).unwrap();
    let encoder = PairEncoder::new(&dir.join("vocab.txt"), card.schema.clone()).unwrap();
    let classifier = RelationClassifier::load(&dir, precision).unwrap();

    let (mut passes, left_out) = gold_inputs(dev, &encoder, card.input);
    assert_eq!(left_out, 0, "candidate pairs that fit no pass");
    passes.sort_by_key(|p| p.0.len());
    let mut scored = Vec::new();
    for chunk in passes.chunks(card.input.batch()) {
        let inputs: Vec<&ModelInput> = chunk.iter().map(|p| &p.0).collect();
        let pairs = chunk.iter().flat_map(|p| p.1.iter().copied());
        scored.extend(pairs.zip(classifier.score(&inputs, &[]).unwrap()));
    }
    let threshold = card.threshold;
    let decisions = scored
        .iter()
        .map(|(_, probs)| card.schema.decide(probs, threshold).map(|d| d.0))
        .collect();
    let scores = score_pairs(dev, &card.schema, &scored, threshold);
    (scores, decisions, threshold)
}

#[test]
fn development_split_with_gold_entities() {
    let (scores, decisions, threshold) = gold_entity_decisions(&dev_split(), Precision::Auto);
    let f1 = scores.micro().f1();
    println!(
        "CoNLL04 dev, gold entities, {} candidate pairs, threshold {threshold}:\n{}",
        decisions.len(),
        scores.table()
    );
    assert!(
        f1 >= MIN_GOLD_ENTITY_F1,
        "micro F1 {f1:.3} < {MIN_GOLD_ENTITY_F1}"
    );
}

/// All sentences in one text, a blank line apart (a sentence never runs over one), so the
/// models get full batches; with each sentence's first character, to map offsets back.
fn dev_text(dev: &[GoldSentence]) -> (String, Vec<usize>) {
    let mut text = String::new();
    let mut starts = Vec::with_capacity(dev.len());
    for s in dev {
        starts.push(text.chars().count());
        text.push_str(&s.text);
        text.push_str("\n\n");
    }
    (text, starts)
}

#[test]
fn development_split_end_to_end_from_text() {
    let dev = dev_split();
    let mut config = Config::new(root().join("models/ner-minilm-l6-conll03"));
    config.cooccurrence = false;
    let pipeline = Pipeline::new(config).unwrap();
    // Each sentence a document of its own: CoNLL04 annotates the relations within each, and
    // its sentences are unrelated (in one text, a pronoun or a chain would join them).
    let found: Vec<Vec<_>> = dev
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let r = pipeline
                .analyze_text(&format!("sentence-{i}"), &s.text)
                .unwrap();
            r.relations
                .iter()
                .filter_map(|m| Some((m.subject_span, m.object_span, m.predicate?)))
                .collect()
        })
        .collect();
    let mut scores = Scores::default();
    let mut loose = Scores::default();
    let mut stopless = Scores::default();
    for (s, found) in dev.iter().zip(&found) {
        let gold: Vec<_> = s
            .relations
            .iter()
            .map(|g| {
                let (h, t) = (s.entities[g.head], s.entities[g.tail]);
                ((h.start, h.end), (t.start, t.end), g.predicate)
            })
            .collect();
        scores.add(&gold, found);
        // Loose: a found end counts as a gold one when their spans overlap.
        let overlap = |g: (usize, usize), x: (usize, usize)| g.0 < x.1 && x.0 < g.1;
        loose.add(&gold, &snapped(&gold, found, overlap));
        // CoNLL04 glues a sentence's stop to the last word of a name ("Ethiopia.", "Minn ."):
        // the same name found without it counts as the gold one.
        let chars: Vec<char> = s.text.chars().collect();
        let unstop = |g: (usize, usize)| {
            let mut end = g.1;
            if end > g.0 + 1 && chars[end - 1] == '.' {
                end -= 1;
                while end > g.0 && chars[end - 1] == ' ' {
                    end -= 1;
                }
            }
            (g.0, end)
        };
        let stop_aside = |g: (usize, usize), x: (usize, usize)| g != x && unstop(g) == x;
        stopless.add(&gold, &snapped(&gold, found, stop_aside));
    }
    println!(
        "same, counting overlapping spans as the same entity: micro F1 {:.3}",
        loose.micro().f1()
    );
    println!(
        "same, a gold name's final stop aside: micro F1 {:.3}",
        stopless.micro().f1()
    );
    let f1 = scores.micro().f1();
    println!(
        "CoNLL04 dev, end to end from text (docgraph's NER, exact spans):\n{}",
        scores.table()
    );
    assert!(
        f1 >= MIN_END_TO_END_F1,
        "micro F1 {f1:.3} < {MIN_END_TO_END_F1}"
    );
}

type Span = (usize, usize);
type Triple = (Span, Span, Predicate);

/// `found` with each end that `same(gold end, found end)` pairs with a gold end put on it.
fn snapped(gold: &[Triple], found: &[Triple], same: impl Fn(Span, Span) -> bool) -> Vec<Triple> {
    let snap = |x: Span| {
        gold.iter()
            .flat_map(|g| [g.0, g.1])
            .find(|&g| same(g, x))
            .unwrap_or(x)
    };
    found
        .iter()
        .map(|&(h, t, p)| (snap(h), snap(t), p))
        .collect()
}

/// How far a faster precision's F1 may fall below float32's (the brief's bar: within 0.005).
const PRECISION_TOLERANCE: f64 = 0.005;

/// Entity F1 of the NER stage at `precision`: every sentence's PER, ORG and LOC spans against
/// the gold ones (exact span and type).
fn entity_counts(dev: &[GoldSentence], precision: Precision) -> Counts {
    let mut config = Config::new(root().join("models/ner-minilm-l6-conll03"));
    config.cooccurrence = false;
    config.precision = precision;
    let pipeline = Pipeline::new(config).unwrap();
    let (text, starts) = dev_text(dev);
    let r = pipeline.analyze_text("conll04-dev", &text).unwrap();
    let mut found: Vec<BTreeSet<(usize, usize, EntityType)>> = vec![BTreeSet::new(); dev.len()];
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
        found[i].insert((m.start - starts[i], m.end - starts[i], m.entity_type));
    }
    let mut counts = Counts::default();
    for (s, found) in dev.iter().zip(&found) {
        let gold: BTreeSet<_> = s
            .entities
            .iter()
            .filter_map(|e| e.entity_type.map(|t| (e.start, e.end, t)))
            .collect();
        counts.tp += gold.intersection(found).count();
        counts.fp += found.difference(&gold).count();
        counts.fn_ += gold.difference(found).count();
    }
    counts
}

/// Every precision that is fast on this processor (bfloat16 with AVX-512 BF16, int8 with
/// AVX-512 VNNI) keeps entity F1 and relation F1 (gold entities) within
/// [`PRECISION_TOLERANCE`] of float32 (below it; above is fine), and `auto` is one of them or
/// float32.
#[test]
fn fast_precisions_keep_f1_on_the_development_split() {
    use docgraph::runtime::{bf16_native, int8_native, Effective};
    let dev = dev_split();
    let mut fast = Vec::new();
    if bf16_native() {
        fast.push(Precision::BFloat16);
    }
    if int8_native() {
        fast.push(Precision::Int8);
    }
    let auto = Precision::Auto.effective();
    println!("this processor: auto = {}", auto.name());
    assert!(
        auto == Precision::Float32 || fast.contains(&auto),
        "auto picks {} although it is not native here",
        auto.name()
    );
    let nf = entity_counts(&dev, Precision::Float32).f1();
    let (rel_float, dec_float, _) = gold_entity_decisions(&dev, Precision::Float32);
    let rf = rel_float.micro().f1();
    println!("float32: entity F1 {nf:.4}, relation F1 (gold entities) {rf:.4}");
    let mut failures = Vec::new();
    for p in fast {
        let n = entity_counts(&dev, p).f1();
        let (rel, dec, _) = gold_entity_decisions(&dev, p);
        let r = rel.micro().f1();
        let same = dec.iter().zip(&dec_float).filter(|(a, b)| a == b).count();
        println!(
            "{}: entity F1 {n:.4}, relation F1 (gold entities) {r:.4}; {same}/{} relation decisions as float32",
            p.name(),
            dec.len()
        );
        if n < nf - PRECISION_TOLERANCE {
            failures.push(format!(
                "{}: entity F1 {n:.4} < float32 {nf:.4} − {PRECISION_TOLERANCE}",
                p.name()
            ));
        }
        if r < rf - PRECISION_TOLERANCE {
            failures.push(format!(
                "{}: relation F1 {r:.4} < float32 {rf:.4} − {PRECISION_TOLERANCE}",
                p.name()
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
