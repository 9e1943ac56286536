//! References: pronouns and descriptions ("he", "its", "the company", "the county") resolved
//! to an entity the document names, so that what a sentence says of "it" counts for the
//! company named two sentences before. Rules, not a model; each resolved reference records the
//! rule that resolved it ([`ReferenceRule`]).
//!
//! - **What is a reference**: a personal or possessive pronoun (he/him/his/she/her/hers for a
//!   person; it/its for an organisation or place), or
//!   "the" and a noun that names a kind of organisation or place ("the company", "the band",
//!   "the city", "the county"; not "the city of …", which introduces a name). Only in prose,
//!   never inside a named mention.
//! - **What it refers to** (the first rule that answers):
//!   1. *named*: a description whose noun ends an earlier name of a fitting type, the nearest
//!      ("the county" → "Adams County");
//!   2. *recent*: the first fitting entity named before it in its own sentence (its subject:
//!      "Philips moved its research");
//!   3. *topic*: the document's topic (the first entity it names, when its type fits), when it
//!      is the first fitting entity (the subject) of one of the last [`WINDOW`] sentences: the
//!      text is still about it;
//!   4. *recent*: otherwise the first fitting entity of the nearest earlier sentence within
//!      [`WINDOW`] that names one (its subject);
//!   5. *topic* again, when nothing fitting is named within the window.
//!
//! Measured on held-out Wikipedia openings (`tests/it/documents.rs`, in `docs/QUALITY.md`).

use crate::record::{EntityType, Mention, Reference, ReferenceRule, Sentence};

/// Sentences looked back (the reference's own included) for an antecedent.
pub const WINDOW: usize = 3;

const PERSON: &[EntityType] = &[EntityType::PER];
const THING: &[EntityType] = &[EntityType::ORG, EntityType::LOC];
const GROUP: &[EntityType] = &[EntityType::ORG];

/// The types a pronoun can refer to.
fn pronoun(word: &str) -> Option<&'static [EntityType]> {
    match word {
        "he" | "him" | "his" | "she" | "her" | "hers" => Some(PERSON),
        "it" | "its" => Some(THING),
        // Not "they": on Wikipedia openings it joined a person's children to an institute.
        _ => None,
    }
}

/// The type a description's noun names.
fn description(noun: &str) -> Option<&'static [EntityType]> {
    const ORG: &[&str] = &[
        "company",
        "firm",
        "corporation",
        "band",
        "group",
        "team",
        "club",
        "party",
        "university",
        "organization",
        "organisation",
        "agency",
        "school",
        "college",
        "newspaper",
        "airline",
        "bank",
    ];
    const LOC: &[&str] = &[
        "city",
        "town",
        "village",
        "county",
        "country",
        "state",
        "province",
        "region",
        "district",
        "river",
        "island",
        "municipality",
        "capital",
    ];
    if ORG.contains(&noun) {
        Some(GROUP)
    } else if LOC.contains(&noun) {
        Some(&[EntityType::LOC])
    } else {
        None
    }
}

/// A reference found in a sentence: character range in the sentence, the types it can refer
/// to, and a description's noun.
struct Found {
    start: usize,
    end: usize,
    types: &'static [EntityType],
    noun: Option<String>,
}

/// Words of a sentence: (start, end) in characters, letters only.
fn words(chars: &[char]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_alphabetic() {
            let s = i;
            while i < chars.len() && (chars[i].is_alphabetic() || chars[i] == '\'') {
                i += 1;
            }
            out.push((s, i));
        } else {
            i += 1;
        }
    }
    out
}

/// The references of one sentence, outside the `taken` ranges (its named mentions).
fn find(text: &str, taken: &[(usize, usize)]) -> Vec<Found> {
    let chars: Vec<char> = text.chars().collect();
    let ws = words(&chars);
    let word = |k: usize| -> String { chars[ws[k].0..ws[k].1].iter().collect() };
    let free = |s: usize, e: usize| taken.iter().all(|&(a, b)| e <= a || b <= s);
    let mut out = Vec::new();
    let mut k = 0;
    while k < ws.len() {
        let (s, e) = ws[k];
        let w = word(k).to_lowercase();
        if !free(s, e) {
            k += 1;
            continue;
        }
        if let Some(types) = pronoun(&w) {
            out.push(Found {
                start: s,
                end: e,
                types,
                noun: None,
            });
        } else if w == "the" && k + 1 < ws.len() {
            let noun = word(k + 1);
            let (_, ne) = ws[k + 1];
            // "the city of Boston" introduces a name; "the Company Act" is one.
            let next = (k + 2 < ws.len()).then(|| word(k + 2));
            // "state-owned", "the state - owned": a compound, not a reference.
            let compound = chars[ne..].iter().find(|c| !c.is_whitespace()) == Some(&'-');
            let introduces = compound
                || next.as_deref() == Some("of")
                || next
                    .as_deref()
                    .is_some_and(|n| n.starts_with(char::is_uppercase) && ws[k + 2].0 == ne + 1);
            let lower = noun.chars().next().is_some_and(char::is_lowercase);
            if let Some(types) = description(&noun.to_lowercase()) {
                if lower && !introduces && free(s, ne) {
                    out.push(Found {
                        start: s,
                        end: ne,
                        types,
                        noun: Some(noun.to_lowercase()),
                    });
                    k += 2;
                    continue;
                }
            }
        }
        k += 1;
    }
    out
}

/// The references of a document's prose sentences, resolved to its named mentions (each with
/// its sentence index, in sentence and offset order), in the same order; `page_of` gives a
/// sentence's 1-based page.
pub(crate) fn resolve(
    sentences: &[Sentence],
    named: &[(usize, Mention)],
    page_of: impl Fn(&Sentence) -> u32,
) -> Vec<(usize, Reference)> {
    let Some((_, first)) = named.first() else {
        return Vec::new();
    };
    let topic = (first.key.as_str(), first.entity_type);
    let mut by_sentence: Vec<Vec<&Mention>> = vec![Vec::new(); sentences.len()];
    for (s, m) in named {
        by_sentence[*s].push(m);
    }
    let mut out = Vec::new();
    for (si, sentence) in sentences.iter().enumerate() {
        if !sentence.kind.is_prose() {
            continue;
        }
        let taken: Vec<(usize, usize)> = by_sentence[si]
            .iter()
            .map(|m| (m.start - sentence.start, m.end - sentence.start))
            .collect();
        for f in find(&sentence.text, &taken) {
            let at = sentence.start + f.start;
            // Named mentions before the reference, nearest sentence first, each sentence's
            // in text order.
            let before = |back: usize| -> Vec<&Mention> {
                let Some(s) = si.checked_sub(back) else {
                    return Vec::new();
                };
                by_sentence[s]
                    .iter()
                    .filter(|m| back > 0 || m.end <= at)
                    .filter(|m| f.types.contains(&m.entity_type))
                    .copied()
                    .collect()
            };
            let window: Vec<Vec<&Mention>> = (0..WINDOW).map(before).collect();
            let fits_topic = f.types.contains(&topic.1);
            let chosen: Option<(&str, ReferenceRule)> = f
                .noun
                .as_deref()
                .and_then(|noun| {
                    // Any earlier sentence: "the county" may come far after "Adams County".
                    (0..=si)
                        .flat_map(|b| before(b).into_iter().rev())
                        .find(|m| {
                            m.name
                                .rsplit(' ')
                                .next()
                                .is_some_and(|last| last.eq_ignore_ascii_case(noun))
                        })
                        .map(|m| (m.key.as_str(), ReferenceRule::Named))
                })
                .or_else(|| {
                    // "Philips moved its research": the subject of the reference's own
                    // sentence, named before it.
                    let own = window[0].first()?;
                    Some((own.key.as_str(), ReferenceRule::Recent))
                })
                .or_else(|| {
                    let nearest = window.iter().find(|ms| !ms.is_empty())?;
                    let topic_leads = window
                        .iter()
                        .any(|ms| ms.first().is_some_and(|m| m.key == topic.0));
                    if fits_topic && topic_leads {
                        return Some((topic.0, ReferenceRule::Topic));
                    }
                    Some((nearest[0].key.as_str(), ReferenceRule::Recent))
                })
                .or_else(|| fits_topic.then_some((topic.0, ReferenceRule::Topic)));
            let Some((key, rule)) = chosen else {
                continue;
            };
            // The entity's latest named mention before the reference.
            let Some((asi, antecedent)) = named
                .iter()
                .filter(|(s, m)| m.key == key && (*s < si || (*s == si && m.end <= at)))
                .max_by_key(|(s, m)| (*s, m.start))
            else {
                continue;
            };
            let text: String = sentence
                .text
                .chars()
                .skip(f.start)
                .take(f.end - f.start)
                .collect();
            out.push((
                si,
                Reference {
                    text,
                    key: key.to_string(),
                    entity_type: antecedent.entity_type,
                    page: page_of(sentence),
                    start: at,
                    end: sentence.start + f.end,
                    antecedent: (page_of(&sentences[*asi]), antecedent.start, antecedent.end),
                    rule,
                },
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::testing::document as doc;

    fn resolved(texts: &[&str], names: &[(usize, &str, EntityType)]) -> Vec<(String, String)> {
        let (s, n) = doc(texts, names);
        resolve(&s, &n, |_| 1)
            .into_iter()
            .map(|(_, r)| (r.text, r.key))
            .collect()
    }

    use EntityType::{LOC, ORG, PER};

    #[test]
    fn a_pronoun_goes_to_the_topic_it_fits() {
        let got = resolved(
            &[
                "Velmora Tools is a maker of saws.",
                "It is based in Dunmere.",
                "Its founder Ada Quill lives in Harlow, where she was born.",
            ],
            &[
                (0, "Velmora Tools", ORG),
                (1, "Dunmere", LOC),
                (2, "Ada Quill", PER),
                (2, "Harlow", LOC),
            ],
        );
        assert_eq!(
            got,
            vec![
                ("It".into(), "velmora tools".into()),
                ("Its".into(), "velmora tools".into()),
                ("she".into(), "ada quill".into()),
            ]
        );
    }

    #[test]
    fn a_description_goes_to_the_name_that_ends_in_its_noun() {
        let got = resolved(
            &[
                "Brill is a village in Oakham County.",
                "The county lies in Westmark.",
                "The city of Tarn is far.",
            ],
            &[
                (0, "Brill", LOC),
                (0, "Oakham County", LOC),
                (1, "Westmark", LOC),
                (2, "Tarn", LOC),
            ],
        );
        // "The city of Tarn" introduces a name: not a reference.
        assert_eq!(got, vec![("The county".into(), "oakham county".into())]);
    }

    #[test]
    fn a_possessive_goes_to_the_subject_of_its_own_sentence() {
        let got = resolved(
            &[
                "Heineken brews beer.",
                "Philips moved its research to Eindhoven.",
            ],
            &[
                (0, "Heineken", ORG),
                (1, "Philips", ORG),
                (1, "Eindhoven", LOC),
            ],
        );
        assert_eq!(got, vec![("its".into(), "philips".into())]);
    }

    #[test]
    fn a_pronoun_with_nothing_fitting_before_it_is_left_alone() {
        let (s, n) = doc(
            &["He said Norland grew.", "Kesh Bay is in Norland."],
            &[
                (0, "Norland", LOC),
                (1, "Kesh Bay", LOC),
                (1, "Norland", LOC),
            ],
        );
        assert!(resolve(&s, &n, |_| 1).is_empty());
    }

    #[test]
    fn the_subject_of_the_nearest_sentence_wins_over_a_topic_out_of_sight() {
        let got = resolved(
            &[
                "Ada Quill founded a mill.",
                "It grew.",
                "It shrank.",
                "Years later Bo Lind bought it.",
                "He sold it on.",
            ],
            &[(0, "Ada Quill", PER), (3, "Bo Lind", PER)],
        );
        assert_eq!(got[0], ("He".into(), "bo lind".into()));
        // "it" with no organisation or place named: nothing.
        assert_eq!(got.len(), 1);
    }
}
