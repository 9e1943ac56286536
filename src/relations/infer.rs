//! Relations a document implies without stating them in one sentence. Turned off with
//! `--no-inference`; never inferred where the document already relates the two entities.
//!
//! - [`chains`]: `Located_In` is transitive, and `OrgBased_In` and `Live_In` carry up a
//!   `Located_In` chain ("Brill lies in Oakham County", "the county is in Westmark": Brill lies
//!   in Westmark). Marked [`Basis::Chain`], with the relations it rests on ([`Premise`]) and
//!   the product of their confidences.
//! - [`country`]: in a document that names one country and no other (nor another country's
//!   nationality), each other place it names lies in that country. Marked
//!   [`Basis::Country`], without a confidence: it is a prior, not a reading. On held-out
//!   Wikipedia openings about half of these are right (`tests/documents.rs`), about as often
//!   as what the relation model reads there.

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

/// `Located_In` from each place of the document's prose to the one country it names, where
/// nothing in `known` relates them already (see the module's text). `named`: the document's
/// named mentions with their sentence index, in order; `page_of` a sentence's page.
pub(crate) fn country(
    named: &[(usize, Mention)],
    sentences: &[Sentence],
    page_of: impl Fn(&Sentence) -> u32,
    known: &[RelationMention],
) -> Vec<RelationMention> {
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
    let related: BTreeSet<(&str, &str)> = known
        .iter()
        .filter(|r| r.predicate.is_some())
        .flat_map(|r| {
            [
                (r.subject.as_str(), r.object.as_str()),
                (r.object.as_str(), r.subject.as_str()),
            ]
        })
        .collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (s, m) in prose() {
        if m.entity_type != EntityType::LOC
            || is_country(&m.key)
            || related.contains(&(m.key.as_str(), only))
            || !seen.insert(m.key.as_str())
        {
            continue;
        }
        let sentence = &sentences[*s];
        out.push(RelationMention {
            subject: m.key.clone(),
            object: only.to_string(),
            predicate: Some(Predicate::LocatedIn),
            confidence: None,
            page: page_of(sentence),
            start: sentence.start,
            end: sentence.end,
            subject_span: (m.start, m.end),
            object_span: (at.start, at.end),
            sentence: sentence.text.clone(),
            kind: sentence.kind,
            basis: Basis::Country,
            premises: Vec::new(),
        });
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
                };
                (s, m)
            })
            .collect();
        (sentences, named)
    }

    #[test]
    fn places_lie_in_the_one_country_a_document_names() {
        use EntityType::{LOC, MISC, ORG};
        let (s, n) = named(&[
            (0, "brill", LOC),
            (0, "norway", LOC),
            (1, "oakham", LOC),
            (1, "velmora", ORG),
            (2, "brill", LOC),
            (2, "norwegian", MISC),
        ]);
        let known = vec![stated("oakham", LocatedIn, "norway", 100, 0.9)];
        let got = country(&n, &s, |_| 1, &known);
        let pairs: Vec<(&str, &str)> = got
            .iter()
            .map(|r| (r.subject.as_str(), r.object.as_str()))
            .collect();
        // Oakham is related already; the organisation is not a place; Brill once.
        assert_eq!(pairs, vec![("brill", "norway")]);
        assert_eq!((got[0].basis, got[0].confidence), (Basis::Country, None));

        // A second country, or another country's nationality: no prior.
        let (s, n) = named(&[(0, "brill", LOC), (0, "norway", LOC), (1, "sweden", LOC)]);
        assert!(country(&n, &s, |_| 1, &[]).is_empty());
        let (s, n) = named(&[(0, "brill", LOC), (0, "norway", LOC), (1, "swedish", MISC)]);
        assert!(country(&n, &s, |_| 1, &[]).is_empty());
    }

    #[test]
    fn inferred_relations_are_not_premises() {
        let mut r = stated("a", LocatedIn, "b", 0, 0.9);
        r.basis = Basis::Chain;
        assert!(chains(&[r, stated("b", LocatedIn, "c", 10, 0.9)]).is_empty());
    }
}
