//! Unit tests of a document's mentions: sentences, propagation, the list of entities, naming.

use super::*;
use crate::record::PageSource;

fn raw(sentence: usize, start: usize, end: usize, entity_type: EntityType) -> RawMention {
    RawMention {
        sentence,
        start,
        end,
        entity_type,
        score: 0.9,
        inferred: false,
        listed: None,
    }
}

/// A document of one page, numbered `page`, of `text`.
fn one_page(page: u32, text: &str) -> Vec<PageText> {
    vec![PageText {
        page,
        source: PageSource::Text,
        text: text.into(),
    }]
}

pub(crate) fn sentence(page_index: usize, start: usize, text: &str) -> Sentence {
    Sentence {
        page_index,
        start,
        end: start + text.chars().count(),
        text: text.to_string(),
        kind: TextKind::Prose,
    }
}

#[test]
fn sentences_without_a_capital_cannot_name_anything() {
    assert!(may_name("Siemens opened a plant."));
    assert!(may_name("the plant of Österreichische Post"));
    assert!(!may_name("and then the engineers went home."));
    assert!(!may_name("1,204 tonnes — 12% more"));
    // What the model could find in such a sentence is junk by the rule that names it.
    for name in ["engineers", "the plant", "tonnes"] {
        assert!(is_junk_name(&display_name(name)), "{name}");
    }
}

#[test]
fn names_recognised_once_are_found_where_the_model_missed_them() {
    let sentences = vec![
        sentence(0, 0, "Microsoft acquired GitHub in 2018."),
        sentence(0, 35, "Nat Friedman led GitHub, not GitHubber."),
    ];
    let mut mentions = vec![
        raw(0, 0, 9, EntityType::ORG),
        raw(1, 0, 12, EntityType::PER),
        raw(1, 17, 23, EntityType::ORG),
    ];
    propagate(&mut mentions, &sentences);
    let got: Vec<_> = mentions
        .iter()
        .map(|m| (m.sentence, m.start, m.end, m.inferred))
        .collect();
    assert_eq!(
        got,
        vec![
            (0, 0, 9, false),
            (0, 19, 25, true),
            (1, 0, 12, false),
            (1, 17, 23, false)
        ]
    );
    assert_eq!(mentions[1].entity_type, EntityType::ORG);
}

#[test]
fn junk_sentence_initial_words_and_runaway_names_are_not_propagated() {
    // The model called a sentence-initial "Today" and a "The" names: neither spreads.
    let mut text = String::from("Today Acme Corp opened. The plant is new.");
    let mut sentences = vec![
        sentence(0, 0, "Today Acme Corp opened."),
        sentence(0, 24, "The plant is new."),
    ];
    for i in 0..40 {
        let s = format!("Today The Acme Corp report {i}.");
        sentences.push(sentence(0, text.chars().count() + 1, &s));
        text.push(' ');
        text.push_str(&s);
    }
    let mut mentions = vec![
        raw(0, 0, 5, EntityType::PER),  // "Today", sentence-initial only
        raw(0, 6, 15, EntityType::ORG), // "Acme Corp"
        raw(1, 0, 3, EntityType::PER),  // "The"
    ];
    propagate(&mut mentions, &sentences);
    let inferred: Vec<_> = mentions.iter().filter(|m| m.inferred).collect();
    assert!(inferred.iter().all(|m| m.entity_type == EntityType::ORG));
    assert_eq!(inferred.len(), MIN_PROPAGATION_CAP, "capped");
}

#[test]
fn a_running_header_is_a_sentence_of_its_own_and_propagation_skips_it() {
    // The header runs into the body's first sentence (no full stop between them).
    let pages: Vec<PageText> = (1..=4)
        .map(|i| PageText {
            page: i,
            source: PageSource::Text,
            text: format!(
                "Annual Report of Nordwind Energy\nHelena Varga works for Nordwind Energy in \
                 Hamburg.\n\nPage {i}"
            ),
        })
        .collect();
    let s = sentences(&pages);
    let on_first: Vec<(&str, TextKind)> = s
        .iter()
        .filter(|s| s.page_index == 0)
        .map(|s| (s.text.as_str(), s.kind))
        .collect();
    assert_eq!(
        on_first,
        vec![
            ("Annual Report of Nordwind Energy", TextKind::Running),
            (
                "Helena Varga works for Nordwind Energy in Hamburg.",
                TextKind::Prose
            ),
            ("Page 1", TextKind::Running),
        ]
    );
    let mut found = vec![raw(1, 23, 38, EntityType::ORG)];
    propagate(&mut found, &s);
    assert!(found.iter().all(|m| s[m.sentence].kind == TextKind::Prose));
    // One page alone has no running lines.
    assert!(sentences(&pages[..1])
        .iter()
        .all(|s| s.kind != TextKind::Running));
}

#[test]
fn mentions_are_named_with_offsets_into_the_page_and_surnames_merged() {
    let page = "Intro. Angela Merkel visited Paris. Merkel's trip was short.";
    let pages = one_page(3, page);
    let sentences = vec![
        sentence(0, 7, "Angela Merkel visited Paris."),
        sentence(0, 36, "Merkel's trip was short."),
    ];
    let raw = vec![
        raw(0, 0, 13, EntityType::PER),
        raw(0, 22, 27, EntityType::LOC),
        raw(1, 0, 8, EntityType::PER),
    ];
    let mentions: Vec<Mention> = name(raw, &sentences, &pages)
        .into_iter()
        .map(|(_, m)| m)
        .collect();
    assert_eq!(mentions[0].text, "Angela Merkel");
    assert_eq!(
        (mentions[0].start, mentions[0].end, mentions[0].page),
        (7, 20, 3)
    );
    assert_eq!(&page[mentions[1].start..mentions[1].end], "Paris");
    assert_eq!(mentions[2].text, "Merkel's");
    assert_eq!(
        mentions[2].key, "angela merkel",
        "surname resolved to the full name"
    );
}

#[test]
fn a_word_the_document_mostly_types_otherwise_is_no_surname() {
    // A table's line break made the person "Ann Lee Debian"; "Debian" alone is software.
    let text = "Ann Lee Debian. Debian runs. Debian grows. Debian ships.";
    let pages = one_page(1, text);
    let sentences = vec![
        sentence(0, 0, "Ann Lee Debian."),
        sentence(0, 16, "Debian runs."),
        sentence(0, 29, "Debian grows."),
        sentence(0, 43, "Debian ships."),
    ];
    let raw = vec![
        raw(0, 0, 14, EntityType::PER),
        raw(1, 0, 6, EntityType::MISC),
        raw(2, 0, 6, EntityType::MISC),
        raw(3, 0, 6, EntityType::ORG),
    ];
    let mentions = name(raw, &sentences, &pages);
    assert!(mentions[1..]
        .iter()
        .all(|(_, m)| m.key == "debian" && m.entity_type != EntityType::PER));
}

#[test]
fn a_listed_name_wins_over_an_overlapping_model_name_and_is_named_as_listed() {
    let page = "Patients took ASA daily. Nordwind Energy sells aspirin.";
    let pages = one_page(1, page);
    let sentences = vec![
        sentence(0, 0, "Patients took ASA daily."),
        sentence(0, 25, "Nordwind Energy sells aspirin."),
    ];
    let list = Gazetteer::parse("DRUG\taspirin\tASA\n").unwrap();
    // The model read "ASA daily" as an organisation, and found Nordwind Energy.
    let mut found = vec![
        raw(0, 14, 23, EntityType::ORG),
        raw(1, 0, 15, EntityType::ORG),
    ];
    add_listed(&list, &mut found, &sentences);
    let mentions: Vec<Mention> = name(found, &sentences, &pages)
        .into_iter()
        .map(|(_, m)| m)
        .collect();
    let seen: Vec<(&str, &str, &str, bool)> = mentions
        .iter()
        .map(|m| {
            (
                m.text.as_str(),
                m.name.as_str(),
                m.entity_type.as_str(),
                m.listed,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("ASA", "aspirin", "DRUG", true),
            ("Nordwind Energy", "Nordwind Energy", "ORG", false),
            ("aspirin", "aspirin", "DRUG", true),
        ]
    );
    assert_eq!(mentions[0].key, mentions[2].key, "one entity");
}

#[test]
fn identifiers_are_not_spread_but_names_are() {
    for code in ["NamespaceEntry", "ValueNode", "MDDhhmmss", "HTMLElement"] {
        assert!(looks_like_identifier(code), "{code}");
    }
    // The model's own finds of that shape stay only where it is sure.
    let text = "Read NamespaceEntry. Sony sells PlayStation.";
    let pages = one_page(1, text);
    let sentences = vec![
        sentence(0, 0, "Read NamespaceEntry."),
        sentence(0, 21, "Sony sells PlayStation."),
    ];
    let found = vec![
        RawMention {
            score: 0.83,
            ..raw(0, 5, 19, EntityType::LOC)
        },
        RawMention {
            score: 0.97,
            ..raw(1, 11, 22, EntityType::MISC)
        },
    ];
    let named: Vec<String> = name(found, &sentences, &pages)
        .into_iter()
        .map(|(_, m)| m.text)
        .collect();
    assert_eq!(named, ["PlayStation"]);
    for name in [
        "McDonald",
        "MacArthur",
        "YouTube",
        "NASA",
        "MHz",
        "Siemens",
        "New York",
        "O'Brien",
        "DuPont",
        "LeBron",
    ] {
        assert!(!looks_like_identifier(name), "{name}");
    }
}

#[test]
fn names_cut_in_two_are_joined_where_the_document_names_them_whole() {
    let s = vec![
        sentence(0, 0, "The Free Software Foundation, Inc holds it."),
        sentence(0, 44, "Write to the Free Software Foundation, Inc today."),
        sentence(0, 94, "Free Open Media and Free Software are two things."),
    ];
    let mut mentions = vec![
        raw(0, 4, 33, EntityType::ORG),
        // "Free" + "Software Foundation, Inc": cut by the model.
        raw(1, 13, 17, EntityType::MISC),
        raw(1, 18, 42, EntityType::ORG),
        // "Free Open Media" + "Free Software": no such whole name; left as they are.
        raw(2, 0, 15, EntityType::ORG),
        raw(2, 20, 33, EntityType::MISC),
    ];
    join_split_names(&mut mentions, &s);
    let got: Vec<(usize, usize, usize, EntityType)> = mentions
        .iter()
        .map(|m| (m.sentence, m.start, m.end, m.entity_type))
        .collect();
    assert_eq!(
        got,
        [
            (0, 4, 33, EntityType::ORG),
            (1, 13, 42, EntityType::ORG),
            (2, 0, 15, EntityType::ORG),
            (2, 20, 33, EntityType::MISC),
        ]
    );
}

#[test]
fn a_name_cut_short_goes_on_into_the_whole_name_the_document_uses() {
    let s = vec![
        sentence(0, 0, "Helena Varga works for Nordwind Energy Systems."),
        sentence(0, 48, "Nordwind Energy Systems is based in Hamburg."),
        sentence(0, 93, "Nordwind Energy and Nordwind met."),
    ];
    let mut mentions = vec![
        raw(0, 0, 12, EntityType::PER),
        raw(0, 23, 31, EntityType::ORG), // "Nordwind", cut short
        raw(1, 0, 23, EntityType::ORG),
        raw(1, 36, 43, EntityType::LOC),
        // "Nordwind" before " Energy and": "Nordwind Energy" is no whole name here.
        raw(2, 0, 8, EntityType::ORG),
        raw(2, 20, 28, EntityType::ORG),
    ];
    join_split_names(&mut mentions, &s);
    let got: Vec<(usize, usize, usize)> = mentions
        .iter()
        .map(|m| (m.sentence, m.start, m.end))
        .collect();
    assert_eq!(
        got,
        [
            (0, 0, 12),
            (0, 23, 46),
            (1, 0, 23),
            (1, 36, 43),
            (2, 0, 8),
            (2, 20, 28)
        ]
    );
}

#[test]
fn names_inside_addresses_and_paths_are_not_names() {
    let check = |text: &str, name: &str| {
        let chars: Vec<char> = text.chars().collect();
        let at = text.find(name).expect("name in text");
        let start = text[..at].chars().count();
        in_address(&chars, start, start + name.chars().count())
    };
    assert!(check("see https://CRAN.R-project.org/ for it", "CRAN.R"));
    assert!(check("mirrored at CRAN.R-project.org daily", "CRAN.R"));
    assert!(check("mail Jane.Doe@example.org now", "Jane.Doe"));
    assert!(check("the file docs/Debian.pdf here", "Debian"));
    assert!(check("at www.Acme.de today", "Acme"));
    // A name standing alone, a domain that is the name, a name before a full stop.
    assert!(!check("Amazon.com sells books", "Amazon.com"));
    assert!(!check("He joined Debian. Then he left", "Debian"));
    assert!(!check("Ross Ihaka (Auckland) wrote it", "Auckland"));
}
