//! Unit tests of resolution: each rule on hand-made mentions.

use super::*;
use EntityType::*;

fn m(name: &str, t: EntityType) -> Mention {
    Mention {
        text: name.into(),
        entity_type: t,
        key: entity_key(name, t),
        name: name.into(),
        page: 1,
        start: 0,
        end: name.len(),
        score: 0.9,
        inferred: false,
        listed: false,
    }
}

/// Entities as (canonical name, sorted alias names), sorted.
fn clusters(docs: &[Vec<Mention>]) -> Vec<(String, Vec<String>)> {
    let refs: Vec<&[Mention]> = docs.iter().map(Vec::as_slice).collect();
    let mut out: Vec<_> = resolve(&refs)
        .entities
        .into_iter()
        .map(|e| {
            let mut a: Vec<String> = e.aliases.into_iter().map(|a| a.name).collect();
            a.sort();
            (e.name, a)
        })
        .collect();
    out.sort();
    out
}

fn rule_of(docs: &[Vec<Mention>], alias: &str) -> Rule {
    let refs: Vec<&[Mention]> = docs.iter().map(Vec::as_slice).collect();
    resolve(&refs)
        .entities
        .into_iter()
        .flat_map(|e| e.aliases)
        .find(|a| a.name == alias)
        .map(|a| a.rule)
        .expect("alias present")
}

#[test]
fn a_surname_alone_joins_the_one_full_name_of_the_corpus() {
    let docs = vec![
        vec![m("Bill Clinton", PER), m("Washington", LOC)],
        vec![m("Clinton", PER)],
    ];
    assert_eq!(
        clusters(&docs),
        vec![
            (
                "Bill Clinton".into(),
                vec!["Bill Clinton".into(), "Clinton".into()]
            ),
            ("Washington".into(), vec!["Washington".into()]),
        ]
    );
    assert_eq!(rule_of(&docs, "Clinton"), Rule::NameInCorpus);
}

#[test]
fn nationality_adjectives_join_their_country_which_keeps_its_name_and_type() {
    let docs = vec![
        vec![m("French", MISC), m("French", MISC), m("French", MISC)],
        vec![m("France", LOC), m("Polish", MISC), m("American", MISC)],
        vec![m("U.S.", LOC)],
    ];
    let refs: Vec<&[Mention]> = docs.iter().map(Vec::as_slice).collect();
    let r = resolve(&refs);
    let france = r.entities.iter().find(|e| e.key == "france").unwrap();
    assert_eq!((france.name.as_str(), france.entity_type), ("France", LOC));
    assert_eq!(france.mentions, 4);
    assert_eq!(rule_of(&docs, "French"), Rule::Nationality);
    assert_eq!(rule_of(&docs, "American"), Rule::Nationality);
    // No Poland in the corpus: "Polish" stays what it is.
    let polish = r.entities.iter().find(|e| e.key == "polish").unwrap();
    assert_eq!(polish.entity_type, MISC);
}

#[test]
fn a_word_the_corpus_also_uses_otherwise_is_not_merged_into_a_full_name() {
    // A book "Emma" read once as a person, beside the person Emma Watson.
    let docs = vec![
        vec![m("Emma Watson", PER)],
        vec![m("Emma", MISC), m("Emma", MISC)],
        vec![m("Emma", PER)],
    ];
    let names: Vec<String> = clusters(&docs).into_iter().map(|c| c.0).collect();
    assert!(names.contains(&"Emma Watson".to_string()), "{names:?}");
    assert_eq!(
        clusters(&docs)
            .iter()
            .find(|c| c.0 == "Emma Watson")
            .unwrap()
            .1,
        vec!["Emma Watson".to_string()]
    );
}

#[test]
fn a_surname_shared_by_two_full_names_stays_apart() {
    let docs = vec![
        vec![m("Bill Clinton", PER)],
        vec![m("Hillary Clinton", PER)],
        vec![m("Clinton", PER)],
    ];
    assert_eq!(clusters(&docs).len(), 3);
}

#[test]
fn acronyms_join_their_one_expansion_and_short_forms_their_country() {
    let docs = vec![
        vec![
            m("International Business Machines", ORG),
            m("IBM", ORG),
            m("United States", LOC),
        ],
        vec![m("IBM", ORG), m("U.S.", LOC), m("US", LOC)],
    ];
    assert_eq!(
        clusters(&docs),
        vec![
            (
                "International Business Machines".into(),
                vec!["IBM".into(), "International Business Machines".into()]
            ),
            (
                "United States".into(),
                vec!["U.S.".into(), "US".into(), "United States".into()]
            ),
        ]
    );
    assert_eq!(rule_of(&docs, "IBM"), Rule::Acronym);
    assert_eq!(rule_of(&docs, "U.S."), Rule::ShortForm);
}

#[test]
fn an_acronym_never_seen_beside_its_expansion_is_left_alone() {
    // "SSA" in a compiler paper, "Sub-Saharan Africa" in a report: no document names both.
    let docs = vec![
        vec![m("Sub-Saharan Africa", LOC), m("World Bank", ORG)],
        vec![m("SSA", LOC), m("SSA", LOC), m("LLVM", MISC)],
    ];
    assert_eq!(clusters(&docs).len(), 4);
    // With a name in common, the corpus agrees.
    let docs = vec![
        vec![m("Sub-Saharan Africa", LOC), m("World Bank", ORG)],
        vec![m("SSA", LOC), m("World Bank", ORG)],
    ];
    assert_eq!(clusters(&docs).len(), 2);
}

#[test]
fn two_expansions_of_one_acronym_leave_it_alone() {
    let docs = vec![
        vec![m("Bank of America", ORG), m("British Airways", ORG)],
        vec![m("BA", ORG)],
    ];
    assert_eq!(clusters(&docs).len(), 3);
}

#[test]
fn homonyms_of_different_types_stay_apart_unless_one_type_dominates() {
    let even = vec![
        vec![m("Jordan", PER), m("Jordan", PER)],
        vec![m("Jordan", LOC), m("Jordan", LOC)],
    ];
    assert_eq!(clusters(&even).len(), 2);
    let lopsided = vec![
        vec![m("Siemens", ORG), m("Siemens", ORG), m("Siemens", ORG)],
        vec![m("Siemens", MISC)],
    ];
    assert_eq!(clusters(&lopsided).len(), 1);
    assert_eq!(rule_of(&lopsided, "Siemens"), Rule::Normalised);
}

#[test]
fn suffixes_and_case_normalise_and_the_canonical_name_is_the_most_frequent_full_form() {
    let docs = vec![
        vec![m("Siemens AG", ORG), m("Siemens", ORG), m("Siemens", ORG)],
        vec![m("SIEMENS", ORG)],
    ];
    let c = clusters(&docs);
    assert_eq!(c.len(), 1);
    assert_eq!(
        c[0].0, "Siemens AG",
        "the fullest form wins over a more frequent short one"
    );
}

#[test]
fn document_order_does_not_change_the_entities() {
    let docs = vec![
        vec![m("Bill Clinton", PER), m("IBM", ORG)],
        vec![m("Clinton", PER), m("International Business Machines", ORG)],
        vec![m("U.S.", LOC)],
        vec![m("United States", LOC), m("Siemens", MISC)],
    ];
    let mut rev = docs.clone();
    rev.reverse();
    assert_eq!(clusters(&docs), clusters(&rev));
}

#[test]
fn every_document_key_maps_to_its_entity() {
    let docs = [vec![m("Bill Clinton", PER)], vec![m("Clinton", PER)]];
    let refs: Vec<&[Mention]> = docs.iter().map(Vec::as_slice).collect();
    let r = resolve(&refs);
    assert_eq!(
        r.local[&(0, "bill clinton".into())],
        r.local[&(1, "clinton".into())]
    );
}

#[test]
fn the_names_a_page_uses_for_a_listed_entity_are_its_aliases_under_the_lists_name() {
    let drug = EntityType::parse("DRUG").unwrap();
    let listed = |text: &str| Mention {
        text: text.into(),
        name: "aspirin".into(),
        key: entity_key("aspirin", drug),
        listed: true,
        ..m("aspirin", drug)
    };
    let docs = vec![
        vec![listed("ASA"), listed("Aspirin")],
        vec![listed("acetylsalicylic acid"), m("Bayer", ORG)],
    ];
    assert_eq!(
        clusters(&docs),
        [
            ("Bayer".to_string(), vec!["Bayer".to_string()]),
            (
                "aspirin".to_string(),
                vec![
                    "ASA".to_string(),
                    "Aspirin".to_string(),
                    "acetylsalicylic acid".to_string()
                ]
            ),
        ]
    );
    assert_eq!(rule_of(&docs, "ASA"), Rule::Listed);
    assert_eq!(rule_of(&docs, "Aspirin"), Rule::Normalised);
    let refs: Vec<&[Mention]> = docs.iter().map(Vec::as_slice).collect();
    let r = resolve(&refs);
    let e = r.entities.iter().find(|e| e.name == "aspirin").unwrap();
    assert_eq!((e.entity_type, e.mentions, e.documents), (drug, 3, 2));
}

#[test]
fn a_persons_title_joins_the_name_without_it_and_is_not_the_canonical_name() {
    let docs = vec![
        vec![
            m("President John F. Kennedy", PER),
            m("President John F. Kennedy", PER),
            m("John F. Kennedy", PER),
        ],
        vec![m("President Kennedy", PER), m("Mrs. Higgins", PER)],
    ];
    assert_eq!(
        clusters(&docs),
        vec![
            (
                "John F. Kennedy".into(),
                vec![
                    "John F. Kennedy".into(),
                    "President John F. Kennedy".into(),
                    "President Kennedy".into()
                ]
            ),
            // Named only with a title, the title stays.
            ("Mrs. Higgins".into(), vec!["Mrs. Higgins".into()]),
        ]
    );
}
