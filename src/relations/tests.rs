use super::*;
use model::PairEncoder;
use std::path::Path;

fn mention(sentence: usize, key: &str, t: EntityType, start: usize) -> (usize, Mention) {
    (
        sentence,
        Mention {
            text: key.into(),
            entity_type: t,
            key: key.into(),
            name: key.into(),
            page: 1,
            start,
            end: start + key.len(),
            score: 0.9,
            inferred: false,
            listed: false,
        },
    )
}

fn encoder() -> PairEncoder {
    let vocab =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("models/ner-minilm-l6-conll03/vocab.txt");
    PairEncoder::from_vocab(&vocab).unwrap()
}

fn sentence(text: &str) -> Sentence {
    Sentence {
        page_index: 0,
        start: 0,
        end: text.chars().count(),
        text: text.into(),
        kind: crate::record::TextKind::Prose,
    }
}

#[test]
fn names_of_one_list_are_never_a_pair() {
    use EntityType::{LOC, ORG, PER};
    let text = "Ann Lee, Bob Stone and Cy Ward met Acme in Salida and Gunnison, Colorado.";
    let at = |name: &str| text.find(name).unwrap();
    let ms: Vec<(usize, Mention)> = [
        ("Ann Lee", PER),
        ("Bob Stone", PER),
        ("Cy Ward", PER),
        ("Acme", ORG),
        ("Salida", LOC),
        ("Gunnison", LOC),
        ("Colorado", LOC),
    ]
    .into_iter()
    .map(|(n, t)| mention(0, n, t, at(n)))
    .collect();
    let got = lists(&ms, 0..ms.len(), &sentence(text));
    assert_eq!(
        got,
        [Some(0), Some(0), Some(0), None, Some(4), Some(4), None],
        "the people are one list, the towns another; Colorado is where they lie"
    );
    let types = types_by_key(&ms);
    let pairs: Vec<(&str, &str)> = candidate_pairs(
        &Schema::conll04(),
        &ms,
        &types,
        0..ms.len(),
        &[sentence(text)],
    )
    .iter()
    .map(|c| (ms[c.head].1.key.as_str(), ms[c.tail].1.key.as_str()))
    .collect();
    assert!(pairs.contains(&("Gunnison", "Colorado")) && pairs.contains(&("Salida", "Colorado")));
    assert!(pairs.contains(&("Ann Lee", "Acme")));
    assert!(!pairs.contains(&("Ann Lee", "Bob Stone")) && !pairs.contains(&("Salida", "Gunnison")));

    // Citation marks in square brackets are no break.
    let text = "used by GNOME[GNOME], KDE[KDE] and ROX[ROX] alike";
    let ms: Vec<(usize, Mention)> = [8, 14, 22, 26, 35, 39]
        .into_iter()
        .zip(["GNOME", "GNOME", "KDE", "KDE", "ROX", "ROX"])
        .map(|(at, n)| mention(0, n, ORG, at))
        .collect();
    assert_eq!(lists(&ms, 0..ms.len(), &sentence(text)), [Some(0); 6]);

    // Places joined by commas make a list of three or more with a conjunction ("and
    // southern" too), unless a comma leads into a state or a country.
    let places = |text: &str, names: &[&str]| {
        let ms: Vec<(usize, Mention)> = names
            .iter()
            .map(|n| mention(0, n, LOC, text.find(n).unwrap()))
            .collect();
        lists(&ms, 0..ms.len(), &sentence(text))
    };
    assert_eq!(
        places(
            "in Brazoria, Fort Bend, Galveston and southern Harris Counties in Texas",
            &[
                "Brazoria",
                "Fort Bend",
                "Galveston",
                "Harris Counties",
                "Texas"
            ]
        ),
        [Some(0), Some(0), Some(0), Some(0), None]
    );
    assert_eq!(
        places(
            "San Gabriel River Channel, Azusa, Calif.",
            &["San Gabriel River Channel", "Azusa", "Calif."]
        ),
        [None; 3]
    );
    assert_eq!(
        places(
            "in Banja Luka, Republic of Srpska, Bosnia and Herzegovina",
            &["Banja Luka", "Republic of Srpska", "Bosnia", "Herzegovina"]
        ),
        [None; 4]
    );
    assert_eq!(
        places(
            "Boston, Massachusetts, and Portland, Maine",
            &["Boston", "Massachusetts", "Portland", "Maine"]
        ),
        [None, Some(1), Some(1), None]
    );

    // Commas alone make no list.
    let text = "Ann Lee, Bob Stone.";
    let ms = vec![
        mention(0, "Ann Lee", PER, 0),
        mention(0, "Bob Stone", PER, 9),
    ];
    assert_eq!(lists(&ms, 0..2, &sentence(text)), [None, None]);
}

#[test]
fn only_type_compatible_ordered_pairs_of_one_sentence_are_candidates() {
    let s = vec![
        sentence("Ann Lee of Acme met Bob Stone in Oslo."),
        sentence("Acme hired Cy."),
    ];
    let m = vec![
        mention(0, "Ann Lee", EntityType::PER, 0),
        mention(0, "Acme", EntityType::ORG, 11),
        mention(0, "Bob Stone", EntityType::PER, 20),
        mention(0, "Oslo", EntityType::LOC, 33),
        mention(1, "Acme", EntityType::ORG, 0),
    ];
    let groups = sentence_groups(&m);
    assert_eq!(groups, vec![0..4, 4..5]);
    let types = types_by_key(&m);
    let c = candidate_pairs(&Schema::conll04(), &m, &types, groups[0].clone(), &s);
    let mut got: Vec<(&str, &str)> = c
        .iter()
        .map(|c| (m[c.head].1.key.as_str(), m[c.tail].1.key.as_str()))
        .collect();
    got.sort_unstable();
    // PER→ORG, PER→PER both ways, ORG→LOC, PER→LOC; never ORG→PER, LOC→anything but LOC.
    assert_eq!(
        got,
        vec![
            ("Acme", "Oslo"),
            ("Ann Lee", "Acme"),
            ("Ann Lee", "Bob Stone"),
            ("Ann Lee", "Oslo"),
            ("Bob Stone", "Acme"),
            ("Bob Stone", "Ann Lee"),
            ("Bob Stone", "Oslo"),
        ]
    );
    assert!(candidate_pairs(&Schema::conll04(), &m, &types, groups[1].clone(), &s).is_empty());
}

#[test]
fn a_table_of_names_is_bounded_to_the_nearest_pairs() {
    // Eight letters each (a word ending in digits is no end of a relation).
    let names: Vec<String> = (0..30u8)
        .map(|i| {
            format!(
                "Person{}{}",
                (b'a' + i / 26) as char,
                (b'a' + i % 26) as char
            )
        })
        .collect();
    let text = names.join(" ");
    let s = vec![sentence(&text)];
    let m: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, n)| mention(0, n, EntityType::PER, i * 9))
        .collect();
    let c = candidate_pairs(&Schema::conll04(), &m, &types_by_key(&m), 0..m.len(), &s);
    assert_eq!(c.len(), MAX_PAIRS_PER_SENTENCE);
    assert!(
        c.iter().all(|c| c.head.abs_diff(c.tail) <= 2),
        "nearest first"
    );
}

#[test]
fn markers_wrap_the_two_entities_where_the_encoder_says() {
    let enc = encoder();
    let text = "Ann Lee works for Acme.";
    let head = Marked {
        start: 0,
        end: 7,
        entity_type: EntityType::PER,
    };
    let tail = Marked {
        start: 18,
        end: 22,
        entity_type: EntityType::ORG,
    };
    let fwd = enc.encode(text, head, tail).unwrap();
    let back = enc.encode(text, tail, head).unwrap();
    // [CLS] @ * person * ann lee @ works for # ^ organization ^ acme # . [SEP]
    assert_eq!((fwd.head, fwd.tail), (1, 10));
    assert_eq!(fwd.ids.len(), 19);
    // Reversed roles: the first entity carries the tail's marker now.
    assert_eq!((back.head, back.tail), (10, 1));
    assert_ne!(fwd.ids, back.ids);
    assert!(enc.encode(text, head, head).is_none(), "overlapping spans");
    assert!(
        fwd.allowed
            .get(enc.schema().label(Predicate::WorkFor).unwrap())
            && back.allowed.count() == 1,
        "ORG→PER allows no predicate"
    );
}

#[test]
fn a_name_typed_two_ways_is_read_both_ways_and_only_the_surer_direction_stands() {
    let s = vec![sentence("Ann Lee left Petrobras. Petrobras hired Bo.")];
    let m = vec![
        mention(0, "Ann Lee", EntityType::PER, 0),
        mention(0, "Petrobras", EntityType::PER, 13),
    ];
    let mut types = types_by_key(&m);
    types.get_mut("Petrobras").unwrap().insert(EntityType::ORG);
    let c = candidate_pairs(&Schema::conll04(), &m, &types, 0..2, &s);
    // PER→PER both ways, and Ann Lee→Petrobras read as PER→ORG too.
    assert_eq!(c.len(), 3);
    assert!(c
        .iter()
        .any(|c| c.head == 0 && c.marks.1.entity_type == EntityType::ORG));

    let mut d = BTreeMap::from([
        ((0, 1), (Predicate::LocatedIn, 0.4)),
        ((1, 0), (Predicate::LocatedIn, 0.6)),
        ((2, 3), (Predicate::Kill, 0.9)),
        ((3, 2), (Predicate::LiveIn, 0.5)),
    ]);
    keep_one_direction(&mut d);
    assert_eq!(d.len(), 3);
    assert!(!d.contains_key(&(0, 1)) && d.contains_key(&(1, 0)));
}

#[test]
fn no_country_lies_in_another_but_the_nations_of_the_united_kingdom() {
    assert!(country_in_country("france", Predicate::LocatedIn, "poland"));
    assert!(!country_in_country("wales", Predicate::LocatedIn, "uk"));
    assert!(!country_in_country("lyon", Predicate::LocatedIn, "france"));
    assert!(!country_in_country(
        "france",
        Predicate::OrgBasedIn,
        "poland"
    ));
}

#[test]
fn cooccurrence_pairs_neighbours_within_the_window() {
    let m: Vec<_> = (0..7)
        .map(|i| mention(0, &format!("E{i}"), EntityType::ORG, i * 4))
        .collect();
    let pairs = cooccurring(&m, &(0..7).collect::<Vec<_>>());
    assert!(pairs.contains(&(0, 4)) && !pairs.contains(&(0, 5)));
    assert_eq!(pairs.len(), 4 + 4 + 4 + 3 + 2 + 1);
}

#[test]
fn a_country_is_located_in_no_place_but_a_region() {
    assert!(country_before_place(
        "united states",
        Predicate::LocatedIn,
        "texas"
    ));
    assert!(country_before_place(
        "philippines",
        Predicate::LocatedIn,
        "mindanao"
    ));
    assert!(!country_before_place(
        "sweden",
        Predicate::LocatedIn,
        "scandinavia"
    ));
    assert!(!country_before_place(
        "texas",
        Predicate::LocatedIn,
        "united states"
    ));
    assert!(!country_before_place(
        "united states",
        Predicate::OrgBasedIn,
        "texas"
    ));
}

#[test]
fn a_nationality_is_read_as_its_country_for_whom_it_describes() {
    use EntityType::{LOC, MISC, PER};
    let text = "The French engineer Luc Berg met the Swiss unions in Lyon.";
    let at = |name: &str| text.find(name).unwrap();
    let mut m = vec![
        mention(0, "French", MISC, at("French")),
        mention(0, "Luc Berg", PER, at("Luc Berg")),
        mention(0, "Swiss", MISC, at("Swiss")),
        mention(0, "Lyon", LOC, at("Lyon")),
    ];
    // Keys as the pipeline makes them (lower case).
    for (_, x) in &mut m {
        x.key = x.key.to_lowercase();
    }
    let s = vec![sentence(text)];
    let c = candidate_pairs(&Schema::conll04(), &m, &types_by_key(&m), 0..m.len(), &s);
    let read: Vec<(&str, &str, EntityType)> = c
        .iter()
        .map(|c| {
            (
                m[c.head].1.text.as_str(),
                m[c.tail].1.text.as_str(),
                c.marks.1.entity_type,
            )
        })
        .collect();
    assert!(read.contains(&("Luc Berg", "French", LOC)), "{read:?}");
    assert!(read.contains(&("Luc Berg", "Lyon", LOC)), "{read:?}");
    // Not the unions' nationality, nor a nationality as the place a place lies in or as a head.
    assert!(
        !read
            .iter()
            .any(|r| r.1 == "Swiss" || r.0 == "French" || r == &("Lyon", "French", LOC)),
        "{read:?}"
    );

    let text = "Ann Lee (born 1950) is an American actor, and Bo Sun, a Jordanian.";
    let at = |name: &str| text.find(name).unwrap();
    let s = sentence(text);
    let m = |n: &str, t| mention(0, n, t, at(n)).1;
    assert!(types::describes(
        &m("American", MISC),
        &m("Ann Lee", PER),
        &s
    ));
    assert!(types::describes(
        &m("Jordanian", MISC),
        &m("Bo Sun", PER),
        &s
    ));
    assert!(!types::describes(
        &m("Jordanian", MISC),
        &m("Ann Lee", PER),
        &s
    ));
}
