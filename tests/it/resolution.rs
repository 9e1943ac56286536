//! Cross-document entity resolution on `fixtures/resolution/`, a gold set written for it
//! (`scripts/make_resolution_fixtures.py`): 22 news items whose names are known by
//! construction. Items are (document, surface form) pairs with the entity each refers to.
//!
//! - mentions: entity P/R/F1 of docgraph's (document, name) pairs against the gold ones;
//! - resolution: B-cubed and pairwise P/R/F1 of docgraph's nodes against the gold entities,
//!   over the gold items (an item docgraph did not find counts as a node of its own).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use crate::common::root;
use docgraph::graph::export::to_json;
use docgraph::{CancelFlag, Config, KnowledgeGraph, Pipeline, RunOutput};
use serde_json::Value;

const MIN_MENTION_F1: f64 = 0.95;
const MIN_BCUBED_F1: f64 = 0.95;
const MIN_PAIRWISE_F1: f64 = 0.90;

fn gold() -> Value {
    let text = std::fs::read_to_string(root().join("fixtures/resolution/gold.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn run() -> &'static RunOutput {
    static RUN: OnceLock<RunOutput> = OnceLock::new();
    RUN.get_or_init(|| {
        Pipeline::new(Config::new(root().join("models/ner-minilm-l6-conll03")))
            .unwrap()
            .run(
                &root().join("fixtures/resolution"),
                None,
                &CancelFlag::new(),
                &|_| {},
            )
            .unwrap()
    })
}

/// A mention's surface as the gold set writes names: white space collapsed, a possessive and
/// surrounding punctuation (but an abbreviation's periods) dropped.
fn surface(text: &str) -> String {
    let s = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let s = s.strip_suffix("'s").unwrap_or(&s).to_string();
    s.trim_matches(|c: char| !c.is_alphanumeric() && c != '.')
        .to_string()
}

/// Per (document, surface): the node docgraph gave it (the most frequent, when several).
fn predicted(kg: &KnowledgeGraph) -> BTreeMap<(String, String), usize> {
    let mut votes: BTreeMap<(String, String), BTreeMap<usize, usize>> = BTreeMap::new();
    for d in &kg.documents {
        for m in &d.mentions {
            *votes
                .entry((d.path.clone(), surface(&m.text)))
                .or_default()
                .entry(m.entity)
                .or_default() += 1;
        }
    }
    votes
        .into_iter()
        .map(|(k, v)| {
            let node = v
                .into_iter()
                .max_by_key(|(n, c)| (*c, std::cmp::Reverse(*n)))
                .unwrap()
                .0;
            (k, node)
        })
        .collect()
}

struct Prf {
    p: f64,
    r: f64,
}

impl Prf {
    fn f1(&self) -> f64 {
        if self.p + self.r == 0.0 {
            0.0
        } else {
            2.0 * self.p * self.r / (self.p + self.r)
        }
    }
    fn show(&self, what: &str) -> String {
        format!(
            "{what}: P {:.3} R {:.3} F1 {:.3}",
            self.p,
            self.r,
            self.f1()
        )
    }
}

#[test]
fn entities_resolve_across_documents_against_the_gold_set() {
    let gold = gold();
    let out = run();
    let pred = predicted(&out.graph);
    let mut items: Vec<((String, String), String)> = Vec::new();
    for (doc, d) in gold["documents"].as_object().unwrap() {
        for (surf, entity) in d["mentions"].as_object().unwrap() {
            items.push((
                (doc.clone(), surf.clone()),
                entity.as_str().unwrap().to_string(),
            ));
        }
    }

    // Mentions.
    let gold_items: BTreeSet<_> = items.iter().map(|(k, _)| k.clone()).collect();
    let pred_items: BTreeSet<_> = pred.keys().cloned().collect();
    let tp = gold_items.intersection(&pred_items).count() as f64;
    let mentions = Prf {
        p: tp / pred_items.len().max(1) as f64,
        r: tp / gold_items.len() as f64,
    };
    println!("{}", mentions.show("mentions (document, name)"));
    for missed in gold_items.difference(&pred_items) {
        println!("  missed: {missed:?}");
    }
    for extra in pred_items.difference(&gold_items) {
        println!("  not in gold: {extra:?}");
    }

    // Resolution over the gold items; an unfound item is its own node.
    let node = |i: usize| -> i64 {
        pred.get(&items[i].0)
            .map(|&n| n as i64)
            .unwrap_or(-1 - i as i64)
    };
    let n = items.len();
    // For comparison: the same items grouped by their lowercased surface form alone.
    let surface_only: Vec<String> = items.iter().map(|(k, _)| k.1.to_lowercase()).collect();
    let baseline = {
        let (mut p, mut r) = (0.0, 0.0);
        for i in 0..n {
            let g: Vec<usize> = (0..n).filter(|&j| items[j].1 == items[i].1).collect();
            let s: Vec<usize> = (0..n)
                .filter(|&j| surface_only[j] == surface_only[i])
                .collect();
            let both = g.iter().filter(|j| s.contains(j)).count() as f64;
            p += both / s.len() as f64;
            r += both / g.len() as f64;
        }
        Prf {
            p: p / n as f64,
            r: r / n as f64,
        }
    };
    println!("{}", baseline.show("baseline, surface form alone, B-cubed"));
    let (mut bp, mut br) = (0.0, 0.0);
    let (mut pairs_same_pred, mut pairs_same_gold, mut pairs_both) = (0usize, 0usize, 0usize);
    for i in 0..n {
        let same_gold: Vec<usize> = (0..n).filter(|&j| items[j].1 == items[i].1).collect();
        let same_pred: Vec<usize> = (0..n).filter(|&j| node(j) == node(i)).collect();
        let both = same_gold.iter().filter(|j| same_pred.contains(j)).count() as f64;
        bp += both / same_pred.len() as f64;
        br += both / same_gold.len() as f64;
        for j in i + 1..n {
            let (g, p) = (items[j].1 == items[i].1, node(j) == node(i));
            pairs_same_gold += g as usize;
            pairs_same_pred += p as usize;
            pairs_both += (g && p) as usize;
        }
    }
    let bcubed = Prf {
        p: bp / n as f64,
        r: br / n as f64,
    };
    let pairwise = Prf {
        p: pairs_both as f64 / pairs_same_pred.max(1) as f64,
        r: pairs_both as f64 / pairs_same_gold.max(1) as f64,
    };
    println!("{}", bcubed.show("resolution, B-cubed"));
    println!("{}", pairwise.show("resolution, pairwise"));
    let mut by_gold: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        by_gold.entry(item.1.as_str()).or_default().insert(node(i));
    }
    for (entity, nodes) in &by_gold {
        if nodes.len() > 1 {
            println!("  {entity} is spread over nodes {nodes:?}");
        }
    }
    assert!(
        mentions.f1() >= MIN_MENTION_F1,
        "{}",
        mentions.show("mentions")
    );
    assert!(bcubed.f1() >= MIN_BCUBED_F1, "{}", bcubed.show("B-cubed"));
    assert!(
        pairwise.f1() >= MIN_PAIRWISE_F1,
        "{}",
        pairwise.show("pairwise")
    );
}

#[test]
fn homonyms_stay_apart_and_every_alias_says_why_it_was_merged() {
    let kg = &run().graph;
    let david = kg.entity("David Park").expect("David Park").0;
    let susan = kg.entity("Susan Park").expect("Susan Park").0;
    assert_ne!(david, susan, "two people sharing a surname");
    let (jordan, country) = kg.entity("Jordan").expect("Jordan");
    let (eric, _) = kg.entity("Eric Jordan").expect("Eric Jordan");
    assert_ne!(jordan, eric, "a country and a person's surname");
    assert_eq!(country.entity_type, docgraph::EntityType::LOC);
    let (_, us) = kg.entity("U.S.").expect("U.S. resolves");
    println!("United States: {:?}", us.aliases);
    assert!(us.aliases.iter().all(|a| !a.name.is_empty()));
    assert!(us.aliases.len() >= 3, "U.S., US, United States");
}

#[test]
fn the_graph_is_the_same_whatever_the_order_mode_or_cache() {
    let corpus = root().join("fixtures/resolution");
    let fresh = to_json(&run().graph).unwrap();

    let mut shuffled = run().results.clone();
    shuffled.reverse();
    shuffled.rotate_left(7);
    assert_eq!(
        to_json(&KnowledgeGraph::build(&shuffled)).unwrap(),
        fresh,
        "result order"
    );

    let mut seq = Config::new(root().join("models/ner-minilm-l6-conll03"));
    seq.sequential = true;
    let cache = tempfile::tempdir().unwrap();
    seq.cache_dir = Some(cache.path().to_path_buf());
    let pipeline = Pipeline::new(seq).unwrap();
    let first = pipeline
        .run(&corpus, None, &CancelFlag::new(), &|_| {})
        .unwrap();
    assert_eq!(to_json(&first.graph).unwrap(), fresh, "sequential");
    let cached = pipeline
        .run(&corpus, None, &CancelFlag::new(), &|_| {})
        .unwrap();
    assert_eq!(
        cached.report.summary.reused,
        cached.report.summary.documents
    );
    assert_eq!(to_json(&cached.graph).unwrap(), fresh, "from the cache");
}

#[test]
fn a_long_document_does_not_multiply_one_mistake() {
    // 600 sentences, most starting with a capitalised function word, one real name recurring.
    let mut text = String::new();
    for i in 0..600 {
        text.push_str(&format!(
            "The committee met again on day {i} and the members discussed the budget. "
        ));
        if i % 60 == 0 {
            text.push_str("Margaret Ellison of Halvorsen Industries chaired the meeting. ");
        }
        if i % 100 == 50 {
            text.push_str("Later, Ellison spoke to the press about Halvorsen Industries.\n\n");
        }
    }
    let pipeline = Pipeline::new(Config::new(root().join("models/ner-minilm-l6-conll03"))).unwrap();
    let r = pipeline.analyze_text("long.txt", &text).unwrap();
    let mut by_name: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for m in &r.mentions {
        let e = by_name.entry(m.name.as_str()).or_default();
        e.0 += 1;
        e.1 += m.inferred as usize;
    }
    println!(
        "{} sentences; names (mentions, inferred): {by_name:?}",
        r.report.sentences
    );
    for junk in ["The", "the", "A", "And", "Later"] {
        assert!(
            !by_name.contains_key(junk),
            "{junk} became an entity: {by_name:?}"
        );
    }
    assert!(by_name
        .get("Halvorsen Industries")
        .is_some_and(|c| c.0 >= 10));
    assert!(
        by_name.values().all(|c| c.1 <= 40),
        "propagation is capped: {by_name:?}"
    );
}
