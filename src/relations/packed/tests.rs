use super::*;
use crate::record::EntityType::{LOC, ORG, PER};

fn encoder() -> PairEncoder {
    let vocab = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/ner-minilm-l6-conll03/vocab.txt"
    );
    PairEncoder::from_vocab(std::path::Path::new(vocab)).unwrap()
}

fn marked(text: &str, name: &str, entity_type: EntityType) -> Marked {
    let byte = text.find(name).unwrap();
    let start = text[..byte].chars().count();
    Marked {
        start,
        end: start + name.chars().count(),
        entity_type,
    }
}

#[test]
fn markers_are_sixteen_distinct_unused_tokens() {
    let enc = encoder();
    let mut ids: Vec<i64> = MarkerKind::ALL
        .iter()
        .flat_map(|&k| EntityType::ALL.map(|t| enc.marker(k, t).unwrap()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids, (1..=16).collect::<Vec<_>>());
}

#[test]
fn a_sentence_is_written_once_and_each_pair_gets_four_markers_at_its_entities() {
    let enc = encoder();
    let text = "Ann Lee works for Acme Corp in Oslo.";
    let (ann, acme, oslo) = (
        marked(text, "Ann Lee", PER),
        marked(text, "Acme Corp", ORG),
        marked(text, "Oslo", LOC),
    );
    let rows = enc.pack(text, &[(ann, acme), (acme, oslo), (ann, oslo)]);
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    let plain = enc.sub_words(text);
    let text_len = plain.len() + 2;
    assert_eq!(row.ids[1..text_len - 1], plain[..]);
    assert_eq!(row.ids.len(), text_len + 12);
    assert_eq!(
        row.positions[..text_len],
        (0..text_len as i64).collect::<Vec<_>>()[..]
    );
    // Each marker sits at the first or last sub-word of its name.
    let marked_words = |at: usize| -> Vec<i64> {
        row.positions[at..at + 4]
            .iter()
            .map(|&p| row.ids[p as usize])
            .collect()
    };
    let edges = |a: &str, b: &str| {
        let (a, b) = (enc.sub_words(a), enc.sub_words(b));
        vec![a[0], *a.last().unwrap(), b[0], *b.last().unwrap()]
    };
    let first = &row.pairs[0];
    assert_eq!(first.index, 0);
    assert_eq!(first.head, text_len);
    assert_eq!(first.tail, text_len + 2);
    assert_eq!(marked_words(text_len), edges("Ann Lee", "Acme Corp"));
    assert_eq!(
        row.ids[text_len],
        enc.marker(MarkerKind::HeadStart, PER).unwrap()
    );
    assert_eq!(
        row.ids[text_len + 2],
        enc.marker(MarkerKind::TailStart, ORG).unwrap()
    );
    assert_eq!(marked_words(text_len + 4), edges("Acme Corp", "Oslo"));
    assert_eq!(marked_words(text_len + 8), edges("Ann Lee", "Oslo"));
    let schema = enc.schema();
    assert!(first.allowed.get(
        schema
            .label(crate::relations::schema::Predicate::WorkFor)
            .unwrap()
    ));
    assert_eq!(row.groups[text_len..], [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
}

#[test]
fn text_sees_only_text_and_markers_see_only_their_own_pair() {
    let enc = encoder();
    let text = "Ann Lee works for Acme in Oslo.";
    let pairs = [
        (marked(text, "Ann Lee", PER), marked(text, "Acme", ORG)),
        (marked(text, "Acme", ORG), marked(text, "Oslo", LOC)),
    ];
    let row = &enc.pack(text, &pairs)[0];
    let text_len = row.groups.iter().filter(|&&g| g == 0).count();
    assert!(row.attends(0, 1) && !row.attends(0, text_len));
    assert!(row.attends(text_len, 0) && row.attends(text_len, text_len + 3));
    assert!(!row.attends(text_len, text_len + 4));
}

#[test]
fn overlapping_or_empty_pairs_are_left_out_and_many_pairs_take_several_rows() {
    let enc = encoder();
    let text = "Ann Lee met Bob Ray.";
    let ann = marked(text, "Ann Lee", PER);
    let bob = marked(text, "Bob Ray", PER);
    let lee = marked(text, "Lee", PER);
    let space = Marked {
        start: 7,
        end: 8,
        entity_type: PER,
    };
    let rows = enc.pack(text, &[(ann, lee), (ann, space), (ann, bob)]);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].pairs.iter().map(|p| p.index).collect::<Vec<_>>(),
        [2]
    );
    let many = vec![(ann, bob); MAX_PAIRS_PER_ROW + 1];
    let rows = enc.pack(text, &many);
    assert_eq!(
        rows.iter().map(|r| r.pairs.len()).collect::<Vec<_>>(),
        [16, 1]
    );
}

#[test]
fn a_long_sentence_is_read_in_windows_around_its_pairs() {
    let enc = encoder();
    let filler = "and then the committee met again ".repeat(40);
    let text = format!("Ann Lee works for Acme {filler} Bob Ray lives in Oslo.");
    let pairs = [
        (marked(&text, "Ann Lee", PER), marked(&text, "Acme", ORG)),
        (marked(&text, "Bob Ray", PER), marked(&text, "Oslo", LOC)),
        (marked(&text, "Ann Lee", PER), marked(&text, "Oslo", LOC)),
    ];
    let rows = enc.pack(&text, &pairs);
    // The far pair fits no window; the two near ones get a window each.
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert!(row.groups.iter().filter(|&&g| g == 0).count() <= MAX_TEXT_TOKENS);
        assert_eq!(row.pairs.len(), 1);
        let p = &row.pairs[0];
        let head_at = row.positions[p.head] as usize;
        let word = enc.sub_words(if p.index == 0 { "ann" } else { "bob" })[0];
        assert_eq!(row.ids[head_at], word);
    }
}
