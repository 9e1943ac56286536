//! Relations a document implies without stating them in one sentence. Turned off with
//! `--no-inference`; never inferred where the document already relates the two entities.
//!
//! - [`chains`]: `Located_In` is transitive, and `OrgBased_In` and `Live_In` carry up a
//!   `Located_In` chain ("Brill lies in Oakham County", "the county is in Westmark": Brill lies
//!   in Westmark). Marked [`Basis::Chain`], with the relations it rests on ([`Premise`]) and
//!   the product of their confidences.
//! - [`country`]: in a document that names one country and no other (nor another country's
//!   nationality), and reads something as being in it, each other place it names lies in
//!   that country, each organisation it names is based there and each person lives there.
//!   Marked [`Basis::Country`], without a confidence: it is a prior, not a reading.
//!   Like the topic's, only in a document short enough to be read as a whole
//!   ([`super::WHOLE_DOCUMENT_MAX_SENTENCES`]).
//! - [`topic`]: in a document about a place (its prose names a place first, as an article
//!   about a village or a county opens), each place it names in another sentence lies where
//!   the topic lies: in every place the topic is `Located_In`, read or inferred. Marked
//!   [`Basis::Topic`], with the relation of the topic it rests on.
//!
//! Each prior is kept because it raised micro F1 on the development documents of
//! `tests/it/documents.rs` (Wikipedia openings, 50 documents; the held-out 100 were measured once,
//! after the choice). There, against the sentence model's 27% of relations right:
//! organisations based in the one country, 19 right of 46; people living in it, 15 of 65
//! (below 27%, but F1 still rose: 0.288 to 0.295); places in the topic's places, 30 of 75.
//! Measured and left out (F1 fell): places or organisations where the topic is when the topic
//! is an organisation (2 of 48) or a person (9 of 60); places lying in the topic place itself
//! (0 of 43); chains run again over the priors (5 of 17, F1 +0.003, not worth a second kind
//! of premise).
//!
//! Two conditions cost there and are kept for other text. The one country must be one the
//! document reads something as being in (without it 47 more, 11 right; F1 0.295 instead of
//! 0.290): a news story "filmed in Madrid with actors from Argentina" is not set in Argentina.
//! And the topic's own sentence is left to the sentence model (F1 0.290 instead of 0.286): a
//! news sentence read as a document of its own got 10 wrong relations from the topic rule
//! (CoNLL04's development sentences end to end, `tests/it/relations.rs`: 0.364 instead of 0.369).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::record::{Basis, EntityType, Mention, Premise, RelationMention, Sentence};
use crate::relations::schema::Predicate;
use crate::resolve::rules::{is_country, nationality};

/// Located_In steps followed at most from a stated relation.
pub const MAX_CHAIN: usize = 3;

/// The relations that follow from the typed relations among `read` (stated or through a
/// reference), in a fixed order.
pub(crate) fn chains(read: &[RelationMention]) -> Vec<RelationMention> {
    // Per (head, tail, predicate), the surest mention that states it.
    let mut facts: BTreeMap<(&str, &str, Predicate), &RelationMention> = BTreeMap::new();
    for r in read {
        let Some(p) = r.predicate else { continue };
        if !r.basis.is_read() {
            continue;
        }
        let e = facts
            .entry((r.subject.as_str(), r.object.as_str(), p))
            .or_insert(r);
        if r.confidence > e.confidence {
            *e = r;
        }
    }
    let related: BTreeSet<(&str, &str)> = facts
        .keys()
        .flat_map(|&(h, t, _)| [(h, t), (t, h)])
        .collect();
    let mut up: BTreeMap<&str, Vec<&RelationMention>> = BTreeMap::new();
    for (&(h, _, p), r) in &facts {
        if p == Predicate::LocatedIn {
            up.entry(h).or_default().push(r);
        }
    }

    let mut inferred: BTreeMap<(&str, &str, Predicate), Vec<&RelationMention>> = BTreeMap::new();
    for (&(head, first_tail, predicate), &first) in &facts {
        if !matches!(
            predicate,
            Predicate::LocatedIn | Predicate::OrgBasedIn | Predicate::LiveIn
        ) {
            continue;
        }
        // Breadth first: the shortest chain to each place.
        let mut seen: BTreeSet<&str> = BTreeSet::from([head, first_tail]);
        let mut queue: VecDeque<(&str, Vec<&RelationMention>)> =
            VecDeque::from([(first_tail, vec![first])]);
        while let Some((at, path)) = queue.pop_front() {
            if path.len() > MAX_CHAIN {
                continue;
            }
            for &step in up.get(at).map(Vec::as_slice).unwrap_or_default() {
                let place = step.object.as_str();
                if !seen.insert(place) {
                    continue;
                }
                let mut longer = path.clone();
                longer.push(step);
                if !related.contains(&(head, place)) {
                    inferred
                        .entry((head, place, predicate))
                        .or_insert_with(|| longer.clone());
                }
                queue.push_back((place, longer));
            }
        }
    }

    inferred
        .into_iter()
        .map(|((head, tail, predicate), path)| {
            let (first, last) = (path[0], path[path.len() - 1]);
            RelationMention {
                subject: head.to_string(),
                object: tail.to_string(),
                predicate: Some(predicate),
                confidence: Some(path.iter().map(|r| r.confidence.unwrap_or(1.0)).product()),
                page: first.page,
                start: first.start,
                end: first.end,
                subject_span: first.subject_span,
                object_span: last.object_span,
                sentence: first.sentence.clone(),
                kind: first.kind,
                basis: Basis::Chain,
                premises: path
                    .iter()
                    .map(|r| Premise {
                        subject: r.subject.clone(),
                        predicate: r.predicate.expect("typed"),
                        object: r.object.clone(),
                        page: r.page,
                        start: r.start,
                        end: r.end,
                    })
                    .collect(),
            }
        })
        .collect()
}

/// `Located_In` from each place of the document's prose to the one country it names,
/// `OrgBased_In` from each organisation and `Live_In` from each person, where nothing in
/// `known` relates them already, if `known` reads something as being in that country (see
/// the module's text). `named`: the document's
/// named mentions with their sentence index, in order; `page_of` a sentence's page.
pub(crate) fn country(
    named: &[(usize, Mention)],
    sentences: &[Sentence],
    page_of: impl Fn(&Sentence) -> u32,
    known: &[RelationMention],
) -> Vec<RelationMention> {
    if !super::read_as_whole(sentences) {
        return Vec::new();
    }
    let prose = || named.iter().filter(|(s, _)| sentences[*s].kind.is_prose());
    let mut countries: BTreeSet<&str> = prose()
        .filter(|(_, m)| m.entity_type == EntityType::LOC && is_country(&m.key))
        .map(|(_, m)| m.key.as_str())
        .collect();
    let Some(&only) = countries.first().filter(|_| countries.len() == 1) else {
        return Vec::new();
    };
    // "a French film" in a document about Ghana: not one country's story.
    countries.extend(
        prose()
            .filter(|(_, m)| m.entity_type == EntityType::MISC)
            .filter_map(|(_, m)| nationality(&m.key)),
    );
    if countries.iter().any(|&c| c != only && is_country(c)) {
        return Vec::new();
    }
    let Some((_, at)) = prose().find(|(_, m)| m.key == only) else {
        return Vec::new();
    };
    // The document must read something as being in the country itself ("Uppsala is a town in
    // Sweden"): "filmed in Madrid with actors from Argentina" is not set in Argentina.
    if !known
        .iter()
        .any(|r| r.object == only && r.predicate.is_some() && r.basis.is_read())
    {
        return Vec::new();
    }
    let related = related(known);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (s, m) in prose() {
        let predicate = match m.entity_type {
            EntityType::LOC => Predicate::LocatedIn,
            EntityType::ORG => Predicate::OrgBasedIn,
            EntityType::PER => Predicate::LiveIn,
            _ => continue,
        };
        if is_country(&m.key)
            || related.contains(&(m.key.as_str(), only))
            || !seen.insert(m.key.as_str())
        {
            continue;
        }
        let sentence = &sentences[*s];
        out.push(prior(
            (m, sentence, page_of(sentence)),
            (predicate, only, (at.start, at.end)),
            Basis::Country,
            Vec::new(),
        ));
    }
    out
}

/// A prior of the document as a whole, without a confidence: mention `m` of `sentence` (on
/// `page`) in relation `predicate` to `object` (named at `object_span`).
fn prior(
    (m, sentence, page): (&Mention, &Sentence, u32),
    (predicate, object, object_span): (Predicate, &str, (usize, usize)),
    basis: Basis,
    premises: Vec<Premise>,
) -> RelationMention {
    RelationMention {
        subject: m.key.clone(),
        object: object.to_string(),
        predicate: Some(predicate),
        confidence: None,
        page,
        start: sentence.start,
        end: sentence.end,
        subject_span: (m.start, m.end),
        object_span,
        sentence: sentence.text.clone(),
        kind: sentence.kind,
        basis,
        premises,
    }
}

/// Pairs of entities `known` relates by a typed relation, both ways.
fn related(known: &[RelationMention]) -> BTreeSet<(&str, &str)> {
    known
        .iter()
        .filter(|r| r.predicate.is_some())
        .flat_map(|r| {
            [
                (r.subject.as_str(), r.object.as_str()),
                (r.object.as_str(), r.subject.as_str()),
            ]
        })
        .collect()
}

/// In a document about a place (the first name of its prose is a place), `Located_In` from
/// each place its prose names in another sentence than that first name's to each place the
/// topic is `Located_In` in `known` (read or inferred), where nothing relates them already;
/// each with that relation of the topic as its premise (see the module's text). What the
/// topic's own sentence names is the sentence model's to read: a one-sentence document gets
/// no such prior.
pub(crate) fn topic(
    named: &[(usize, Mention)],
    sentences: &[Sentence],
    page_of: impl Fn(&Sentence) -> u32,
    known: &[RelationMention],
) -> Vec<RelationMention> {
    if !super::read_as_whole(sentences) {
        return Vec::new();
    }
    let prose = || named.iter().filter(|(s, _)| sentences[*s].kind.is_prose());
    let Some((topic_sentence, topic)) = prose()
        .next()
        .filter(|(_, m)| m.entity_type == EntityType::LOC)
    else {
        return Vec::new();
    };
    // Each place the topic lies in, with the surest relation that says so.
    let mut lies_in: BTreeMap<&str, &RelationMention> = BTreeMap::new();
    for r in known {
        if r.predicate == Some(Predicate::LocatedIn) && r.subject == topic.key {
            let e = lies_in.entry(r.object.as_str()).or_insert(r);
            if (r.basis.is_read(), r.confidence) > (e.basis.is_read(), e.confidence) {
                *e = r;
            }
        }
    }
    let related = related(known);
    let mut seen = BTreeSet::from([topic.key.as_str()]);
    let mut out = Vec::new();
    for (s, m) in prose() {
        if m.entity_type != EntityType::LOC
            || s == topic_sentence
            || lies_in.contains_key(m.key.as_str())
            || is_country(&m.key)
            || !seen.insert(m.key.as_str())
        {
            continue;
        }
        let sentence = &sentences[*s];
        for (&place, premise) in &lies_in {
            if related.contains(&(m.key.as_str(), place)) {
                continue;
            }
            let rests_on = Premise {
                subject: premise.subject.clone(),
                predicate: Predicate::LocatedIn,
                object: premise.object.clone(),
                page: premise.page,
                start: premise.start,
                end: premise.end,
            };
            out.push(prior(
                (m, sentence, page_of(sentence)),
                (Predicate::LocatedIn, place, premise.object_span),
                Basis::Topic,
                vec![rests_on],
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stated(h: &str, p: Predicate, t: &str, at: usize, confidence: f32) -> RelationMention {
        RelationMention {
            subject: h.into(),
            object: t.into(),
            predicate: Some(p),
            confidence: Some(confidence),
            page: 1,
            start: at,
            end: at + 10,
            subject_span: (at, at + 2),
            object_span: (at + 5, at + 7),
            sentence: format!("sentence at {at}"),
            kind: Default::default(),
            basis: Basis::Stated,
            premises: Vec::new(),
        }
    }

    use Predicate::{LiveIn, LocatedIn, OrgBasedIn, WorkFor};

    #[test]
    fn located_in_chains_and_carries_org_and_residence_up() {
        let read = vec![
            stated("brill", LocatedIn, "oakham county", 0, 0.9),
            stated("oakham county", LocatedIn, "westmark", 20, 0.8),
            stated("westmark", LocatedIn, "norland", 40, 0.5),
            stated("velmora", OrgBasedIn, "brill", 60, 0.9),
            stated("ada", LiveIn, "oakham county", 80, 1.0),
            stated("ada", WorkFor, "velmora", 80, 1.0),
        ];
        let got: BTreeMap<(String, String), (Predicate, f32, usize)> = chains(&read)
            .into_iter()
            .map(|r| {
                assert_eq!(r.basis, Basis::Chain);
                assert_eq!(r.premises[0].subject, r.subject);
                assert_eq!(r.premises.last().unwrap().object, r.object);
                (
                    (r.subject, r.object),
                    (
                        r.predicate.unwrap(),
                        r.confidence.unwrap(),
                        r.premises.len(),
                    ),
                )
            })
            .collect();
        let key = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(got[&key("brill", "westmark")].0, LocatedIn);
        assert!((got[&key("brill", "westmark")].1 - 0.72).abs() < 1e-6);
        assert_eq!(got[&key("brill", "norland")].2, 3);
        assert_eq!(
            got[&key("velmora", "norland")],
            (OrgBasedIn, 0.9 * 0.9 * 0.8 * 0.5, 4)
        );
        assert_eq!(got[&key("ada", "westmark")].0, LiveIn);
        // Work_For does not carry.
        assert!(!got.keys().any(|(h, t)| h == "ada" && t == "velmora"));
        assert_eq!(got.len(), 3 + 3 + 2);
    }

    #[test]
    fn nothing_is_inferred_where_the_text_relates_the_pair_or_round_a_cycle() {
        let read = vec![
            stated("a", LocatedIn, "b", 0, 0.9),
            stated("b", LocatedIn, "a", 10, 0.6),
            stated("b", LocatedIn, "c", 20, 0.9),
            stated("c", LocatedIn, "a", 30, 0.9),
        ];
        let got = chains(&read);
        // a→b→c: a and c are related already (c in a); nothing else is new.
        assert!(got.is_empty(), "{got:?}");
    }

    fn named(list: &[(usize, &str, EntityType)]) -> (Vec<Sentence>, Vec<(usize, Mention)>) {
        let sentences = (0..3)
            .map(|i| Sentence {
                page_index: 0,
                start: i * 100,
                end: i * 100 + 50,
                text: format!("sentence {i}"),
                kind: crate::record::TextKind::Prose,
            })
            .collect();
        let named = list
            .iter()
            .enumerate()
            .map(|(i, &(s, key, t))| {
                let m = Mention {
                    text: key.into(),
                    entity_type: t,
                    key: key.into(),
                    name: key.into(),
                    page: 1,
                    start: s * 100 + i,
                    end: s * 100 + i + 1,
                    score: 0.9,
                    inferred: false,
                    listed: false,
                };
                (s, m)
            })
            .collect();
        (sentences, named)
    }

    #[test]
    fn places_organisations_and_people_are_in_the_one_country_a_document_names() {
        use EntityType::{LOC, MISC, ORG, PER};
        let (s, n) = named(&[
            (0, "brill", LOC),
            (0, "norway", LOC),
            (1, "oakham", LOC),
            (1, "velmora", ORG),
            (1, "ada", PER),
            (2, "brill", LOC),
            (2, "norwegian", MISC),
            (2, "viking age", MISC),
        ]);
        let known = vec![stated("oakham", LocatedIn, "norway", 100, 0.9)];
        let got = country(&n, &s, |_| 1, &known);
        let triples: Vec<(&str, Predicate, &str)> = got
            .iter()
            .map(|r| (r.subject.as_str(), r.predicate.unwrap(), r.object.as_str()))
            .collect();
        // Oakham is related already; Brill once; nothing for the other names.
        assert_eq!(
            triples,
            vec![
                ("brill", LocatedIn, "norway"),
                ("velmora", OrgBasedIn, "norway"),
                ("ada", LiveIn, "norway")
            ]
        );
        assert!(got
            .iter()
            .all(|r| (r.basis, r.confidence) == (Basis::Country, None)));

        // Nothing read as being in the country (an inferred relation does not count): no prior.
        let mut inferred = known[0].clone();
        inferred.basis = Basis::Chain;
        assert!(country(&n, &s, |_| 1, &[inferred]).is_empty());

        // A second country, or another country's nationality: no prior.
        let anchor = [stated("tarn", LocatedIn, "norway", 0, 0.9)];
        let (s, n) = named(&[(0, "brill", LOC), (0, "norway", LOC)]);
        assert_eq!(country(&n, &s, |_| 1, &anchor).len(), 1);
        let (s, n) = named(&[(0, "brill", LOC), (0, "norway", LOC), (1, "sweden", LOC)]);
        assert!(country(&n, &s, |_| 1, &anchor).is_empty());
        let (s, n) = named(&[(0, "brill", LOC), (0, "norway", LOC), (1, "swedish", MISC)]);
        assert!(country(&n, &s, |_| 1, &anchor).is_empty());

        // A long document (a manual): neither prior.
        let (mut s, n) = named(&[(0, "brill", LOC), (0, "norway", LOC), (1, "oakham", LOC)]);
        let about = [stated("brill", LocatedIn, "norway", 0, 0.9)];
        assert_eq!(country(&n, &s, |_| 1, &about).len(), 1);
        assert_eq!(topic(&n, &s, |_| 1, &about).len(), 1);
        let prose = s[2].clone();
        s.extend((0..super::super::WHOLE_DOCUMENT_MAX_SENTENCES).map(|_| prose.clone()));
        assert!(country(&n, &s, |_| 1, &about).is_empty());
        assert!(topic(&n, &s, |_| 1, &about).is_empty());
    }

    #[test]
    fn places_of_a_document_about_a_place_lie_where_it_lies() {
        use EntityType::{LOC, ORG, PER};
        let (s, n) = named(&[
            (0, "brill", LOC),
            (0, "oakham county", LOC),
            (0, "westmark", LOC),
            (0, "mere", LOC),
            (1, "tarn", LOC),
            (1, "velmora", ORG),
            (1, "ada", PER),
            (2, "esker", LOC),
            (2, "norway", LOC),
        ]);
        let mut inferred = stated("brill", LocatedIn, "westmark", 0, 0.9);
        inferred.basis = Basis::Chain;
        let known = vec![
            stated("brill", LocatedIn, "oakham county", 0, 0.9),
            inferred,
            stated("esker", LocatedIn, "oakham county", 200, 0.8),
            stated("brill", OrgBasedIn, "norway", 0, 0.2),
        ];
        let got = topic(&n, &s, |_| 1, &known);
        let pairs: BTreeSet<(&str, &str)> = got
            .iter()
            .map(|r| (r.subject.as_str(), r.object.as_str()))
            .collect();
        // Not the topic's own places, not a place of its sentence, not a country, not a pair
        // related already, not what is not a place.
        let want = [
            ("tarn", "oakham county"),
            ("tarn", "westmark"),
            ("esker", "westmark"),
        ];
        assert_eq!(pairs, BTreeSet::from(want));
        for r in &got {
            assert_eq!((r.basis, r.predicate), (Basis::Topic, Some(LocatedIn)));
            assert_eq!(r.premises.len(), 1);
            assert_eq!(
                (
                    r.premises[0].subject.as_str(),
                    r.premises[0].object.as_str()
                ),
                ("brill", r.object.as_str())
            );
        }

        // A document about an organisation or a person: no such prior.
        let (s, n) = named(&[(0, "velmora", ORG), (0, "brill", LOC), (1, "tarn", LOC)]);
        let known = vec![stated("velmora", OrgBasedIn, "brill", 0, 0.9)];
        assert!(topic(&n, &s, |_| 1, &known).is_empty());
        let (s, n) = named(&[(0, "ada", PER), (0, "brill", LOC), (1, "tarn", LOC)]);
        let known = vec![stated("ada", LiveIn, "brill", 0, 0.9)];
        assert!(topic(&n, &s, |_| 1, &known).is_empty());
    }

    #[test]
    fn inferred_relations_are_not_premises() {
        let mut r = stated("a", LocatedIn, "b", 0, 0.9);
        r.basis = Basis::Chain;
        assert!(chains(&[r, stated("b", LocatedIn, "c", 10, 0.9)]).is_empty());
    }
}
