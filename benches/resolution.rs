//! Cross-document resolution on synthetic corpora of 1,000 and 10,000 documents' worth of
//! mentions (no PDFs, no models): its cost must grow about linearly (blocking by key, never
//! all pairs). Asserts that ten times the documents cost less than twenty times the time.

use std::time::Instant;

use docgraph::record::{EntityType, Mention};
use docgraph::resolve::resolve;

/// A deterministic corpus: people (full names, surnames alone), organisations (with suffixes
/// and acronyms) and places drawn from pools that grow with the corpus, 30 mentions a document.
fn corpus(docs: usize) -> Vec<Vec<Mention>> {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let pool = docs * 3;
    let mention = |name: String, t: EntityType| Mention {
        key: docgraph::graph::entity_key(&name, t),
        text: name.clone(),
        name,
        entity_type: t,
        page: 1,
        start: 0,
        end: 1,
        score: 0.9,
        inferred: false,
        listed: false,
    };
    (0..docs)
        .map(|_| {
            (0..30)
                .map(|_| {
                    let i = next(pool);
                    match next(6) {
                        0 => mention(format!("Person{i} Surname{}", i / 2), EntityType::PER),
                        1 => mention(format!("Surname{}", i / 2), EntityType::PER),
                        2 => mention(format!("Company{i} Holdings plc"), EntityType::ORG),
                        3 => mention(format!("Alpha{i} Beta Corp"), EntityType::ORG),
                        4 => mention(format!("AB{}", i % 1000), EntityType::ORG),
                        _ => mention(format!("Town{i}"), EntityType::LOC),
                    }
                })
                .collect()
        })
        .collect()
}

fn time(docs: usize) -> (f64, usize, usize) {
    let c = corpus(docs);
    let refs: Vec<&[Mention]> = c.iter().map(Vec::as_slice).collect();
    let t = Instant::now();
    let r = resolve(&refs);
    (t.elapsed().as_secs_f64(), r.entities.len(), docs * 30)
}

fn main() {
    let _ = time(100); // warm-up
    let (small, e1, m1) = time(1_000);
    let (large, e2, m2) = time(10_000);
    println!("resolution:  1,000 documents ({m1} mentions, {e1} entities): {small:.3} s");
    println!("resolution: 10,000 documents ({m2} mentions, {e2} entities): {large:.3} s");
    let ratio = large / small;
    println!("10x the documents cost {ratio:.1}x the time (linear: 10x, all pairs: 100x)");
    assert!(
        ratio < 20.0,
        "resolution grows faster than near-linear: {ratio:.1}x"
    );
}
