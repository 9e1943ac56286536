//! Stage 4: typed relations between the entities of a sentence.
//!
//! For each sentence, every ordered pair of its mentions whose types fit the [`schema`]
//! (`Work_For` PER→ORG, `Kill` PER→PER, `OrgBased_In` ORG→LOC, `Live_In` PER→LOC,
//! `Located_In` LOC→LOC) is a candidate, nearest pairs first and at most
//! [`MAX_PAIRS_PER_SENTENCE`] of them, unless the two stand in one list ("GNOME, KDE and
//! ROX": `lists`). All candidates of a sentence are read at once
//! ([`packed`]: the text once, then typed marker tokens per pair); the shipped model does not
//! even encode the text, but reads the NER pass's encoding of it and runs only its markers
//! (`scoring`, `docgraph_torch::encoder::markers`). A model whose card says `"input": "pair"`
//! reads one pass per pair, the entities marked inline
//! ([`model::PairEncoder::encode`]). Passes are sorted by length and scored in batches spread
//! over the worker pool, each batch on a classifier leased from a pool of instances. A pair is
//! related when its most probable predicate reaches the threshold. Pairs whose types fit no
//! predicate are never scored, so a mistyped entity cannot be given a relation its type does
//! not allow.
//!
//! Entities named close together in a sentence without a typed relation between them can also
//! be kept as co-occurrences (`predicate: None`), a weaker and separate kind of edge.
//!
//! - [`schema`]: the predicates and the entity types each joins;
//! - [`model`]: the classifier (pair encoding, network, loading, decision);
//! - [`packed`]: all pairs of a sentence in one pass;
//! - `scoring`: the pool of model instances, the passes a document asks (with NER's text
//!   states where the model reads them), and their scoring in batches;
//! - `across`: relations between entities that never share a sentence, read in windows;
//! - `lists`: names that stand in one list of a sentence, never a pair;
//! - `datelines`: a wire dateline's source based in its place, read from the line's shape;
//! - `places`: which place can lie in which by the kinds their names say;
//! - `types`: relations whose ends the document seldom types as their predicate needs;
//! - `infer`: relations that follow from others along `Located_In` chains, and the
//!   document's priors (its one country, the place it is about);
//! - [`eval`]: gold data and scores, for training and tests.

pub(crate) mod across;
mod aliases;
mod datelines;
// Not part of the public API: the scorers, packing and model plumbing docgraph-torch's
// training and the tests share.
#[doc(hidden)]
pub mod eval;
pub(crate) mod infer;
mod lists;
#[doc(hidden)]
pub mod model;
#[doc(hidden)]
pub mod packed;
mod places;
pub mod schema;
mod scoring;
pub(crate) mod types;

use aliases::aliases;
use lists::lists;
use scoring::{reads_as, score_units, Unit};
pub(crate) use scoring::{NerText, RelationModels};

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use crate::cancel::Stop;
use crate::error::Result;
use crate::pool::BusyTime;
use crate::record::{Basis, EntityType, Mention, Reference, RelationMention, Sentence};
use model::Marked;
use schema::{Predicate, Schema};

/// Where the relation model shipped with docgraph lives, relative to the repository.
pub const DEFAULT_MODEL_SUBDIR: &str = "models/relations-minilm-conll04";

/// Where the window model shipped with docgraph lives, relative to the repository.
pub const WINDOW_MODEL_SUBDIR: &str = "models/relations-minilm-windows";

/// Candidate pairs scored per sentence at most, nearest first: a sentence that is a table of
/// names would otherwise cost the square of its length.
pub const MAX_PAIRS_PER_SENTENCE: usize = 48;

/// Co-occurrence joins mentions at most this many mentions apart within a sentence.
pub const COOCCURRENCE_WINDOW: usize = 4;

/// Prose sentences a document may have to be read as a whole: by the window model
/// (`across`) and for the document's priors (`infer`'s country and topic). Both were made
/// for, and measured on, article openings (Re-DocRED: at most 21 sentences) and news stories
/// (a few dozen). In a manual or a book they mostly guess wrong: in R's FAQ (about 2,000
/// sentences, one country named, Austria, where CRAN's main site is) the country prior made
/// every person, organisation and place Austrian, 163 relations, none right; in Debian's
/// project history and R's FAQ the window model was right once in four.
pub const WHOLE_DOCUMENT_MAX_SENTENCES: usize = 60;

/// Whether a document is short enough to be read as a whole (see
/// [`WHOLE_DOCUMENT_MAX_SENTENCES`]).
pub(crate) fn read_as_whole(sentences: &[Sentence]) -> bool {
    sentences.iter().filter(|s| s.kind.is_prose()).count() <= WHOLE_DOCUMENT_MAX_SENTENCES
}

/// A document's relations and how many candidate pairs the model scored.
#[derive(Debug, Default)]
pub(crate) struct Relations {
    /// Typed relations and co-occurrences, in sentence and offset order.
    pub mentions: Vec<RelationMention>,
    /// Candidate pairs scored.
    pub pairs: usize,
}

/// A candidate pair: indexes into the document's mentions, and the two entities as the model
/// marks them in their sentence.
struct Candidate {
    head: usize,
    tail: usize,
    /// Read with both mentions' own types (not another type the document gave the name).
    own: bool,
    marks: (Marked, Marked),
}

/// Relations of one document from its named mentions and resolved references (each with its
/// sentence index, in sentence and offset order). A reference is read as the entity it refers
/// to, with that entity's type ("It" marked as the organisation it stands for); relations it
/// takes part in are marked [`Basis::Reference`]. Without `models` (the relation model is off),
/// co-occurrences only, between named mentions. Typed relations are read from prose sentences
/// only, unless `from_all` (`--relations-from all`); co-occurrences from every sentence.
///
/// `text`: the NER pass's text states, for a model that reads them.
#[allow(clippy::too_many_arguments)]
pub(crate) fn relate(
    models: Option<&RelationModels>,
    named: &[(usize, Mention)],
    references: &[(usize, Reference)],
    sentences: &[Sentence],
    text: NerText,
    (cooccurrence, from_all): (bool, bool),
    stop: &Stop,
    busy: &BusyTime,
) -> Result<Relations> {
    let serial = Instant::now();
    let (mentions, is_reference) = with_references(named, references);
    let mentions = mentions.as_slice();
    busy.add(serial.elapsed());
    let basis = |h: usize, t: usize| {
        if is_reference[h] || is_reference[t] {
            Basis::Reference
        } else {
            Basis::Stated
        }
    };
    let groups = sentence_groups(mentions);
    let typed_groups: Vec<std::ops::Range<usize>> = groups
        .iter()
        .filter(|r| from_all || sentences[mentions[r.start].0].kind.is_prose())
        .cloned()
        .collect();
    let (mut decided, pairs) = match models {
        Some(models) => typed_relations(
            models,
            mentions,
            (sentences, text),
            &typed_groups,
            stop,
            busy,
        )?,
        None => (BTreeMap::new(), 0),
    };
    // A wire dateline is no prose, but its shape says where its source is based.
    if let Some(models) = models {
        datelines::state(&mut decided, models.schema(), mentions, sentences, &groups);
    }

    let serial = Instant::now();
    let mut out = Vec::new();
    let mut typed = std::collections::HashSet::new();
    for (&(head, tail), &(predicate, confidence)) in &decided {
        typed.insert((head.min(tail), head.max(tail)));
        out.push(relation_mention(
            mentions,
            sentences,
            (head, tail),
            Some(predicate),
            Some(confidence),
            basis(head, tail),
        ));
    }
    if cooccurrence {
        for range in &groups {
            let named: Vec<usize> = range.clone().filter(|&i| !is_reference[i]).collect();
            for (a, b) in cooccurring(mentions, &named) {
                if !typed.contains(&(a, b)) {
                    out.push(relation_mention(
                        mentions,
                        sentences,
                        (a, b),
                        None,
                        None,
                        Basis::Stated,
                    ));
                }
            }
        }
    }
    out.sort_by(|x, y| {
        (x.page, x.start, x.subject_span, x.object_span, x.predicate).cmp(&(
            y.page,
            y.start,
            y.subject_span,
            y.object_span,
            y.predicate,
        ))
    });
    busy.add(serial.elapsed());
    Ok(Relations {
        mentions: out,
        pairs,
    })
}

/// Named mentions and references together, by sentence and offset, a reference as a mention
/// of the entity it refers to (its text, the entity's key and type; `inferred`, score 0); and
/// which of them are references. A reference to an entity its sentence also names is left out:
/// the name is read ("Carlos Mendes, who worked for Petrobras, died at his home": "his" would
/// only repeat Carlos Mendes, and gave "Petrobras Kill his").
pub(crate) fn with_references(
    named: &[(usize, Mention)],
    references: &[(usize, Reference)],
) -> (Vec<(usize, Mention)>, Vec<bool>) {
    let named_in: std::collections::HashSet<(usize, &str)> =
        named.iter().map(|(s, m)| (*s, m.key.as_str())).collect();
    let mut all: Vec<(usize, Mention, bool)> = named
        .iter()
        .map(|(s, m)| (*s, m.clone(), false))
        .chain(
            references
                .iter()
                .filter(|(s, r)| !named_in.contains(&(*s, r.key.as_str())))
                .map(|(s, r)| {
                    let m = Mention {
                        text: r.text.clone(),
                        entity_type: r.entity_type,
                        key: r.key.clone(),
                        name: r.text.clone(),
                        page: r.page,
                        start: r.start,
                        end: r.end,
                        score: 0.0,
                        inferred: true,
                        listed: false,
                    };
                    (*s, m, true)
                }),
        )
        .collect();
    all.sort_by_key(|(s, m, _)| (*s, m.start));
    let is_reference = all.iter().map(|a| a.2).collect();
    (
        all.into_iter().map(|(s, m, _)| (s, m)).collect(),
        is_reference,
    )
}

/// Decided relations: (head, tail) mention indexes to predicate and confidence.
pub(super) type Decided = BTreeMap<(usize, usize), (Predicate, f32)>;

/// Typed relations of one document's sentences: candidate pairs scored by the model and
/// decided (at most one direction per pair), with the number of pairs scored.
fn typed_relations(
    models: &RelationModels,
    mentions: &[(usize, Mention)],
    (sentences, text): (&[Sentence], NerText),
    groups: &[std::ops::Range<usize>],
    stop: &Stop,
    busy: &BusyTime,
) -> Result<(Decided, usize)> {
    let serial = Instant::now();
    let types = types_by_key(mentions);
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut units: Vec<Unit> = Vec::new();
    for range in groups {
        let first = candidates.len();
        candidates.extend(candidate_pairs(
            models.schema(),
            mentions,
            &types,
            range.clone(),
            sentences,
        ));
        let marks: Vec<(Marked, Marked)> = candidates[first..].iter().map(|c| c.marks).collect();
        let sentence = mentions[range.start].0;
        let kept = text.kept.get(sentence).and_then(Option::as_ref);
        let sentence = &sentences[sentence].text;
        for (input, asked) in models.encoder.inputs(models.input, sentence, &marks) {
            let state = kept.filter(|s| models.reads_ner_states && reads_as(&input, s));
            units.push((input, asked.into_iter().map(|i| first + i).collect(), state));
        }
    }
    busy.add(serial.elapsed());
    let scored = score_units(models, &units, text.compute, stop, busy)?;
    let serial = Instant::now();
    // Of a pair's readings (one per type the document gave each name), the one with the
    // mentions' own types when it relates them, else the surest other.
    let mut decided: BTreeMap<(usize, usize), (bool, Predicate, f32)> = BTreeMap::new();
    for (i, p) in scored {
        let c = &candidates[i];
        let keys = (&mentions[c.head].1.key, &mentions[c.tail].1.key);
        if let Some((predicate, confidence)) = models
            .schema()
            .decide(&p, models.threshold)
            .filter(|(predicate, _)| !country_in_country(keys.0, *predicate, keys.1))
        {
            let new = (c.own, predicate, confidence);
            let e = decided.entry((c.head, c.tail)).or_insert(new);
            if (new.0, new.2) > (e.0, e.2) {
                *e = new;
            }
        }
    }
    let mut decided: Decided = decided
        .into_iter()
        .map(|((h, t), (_, p, c))| {
            let keys = (&mentions[h].1.key, &mentions[t].1.key);
            if country_before_place(keys.0, p, keys.1) {
                ((t, h), (p, c))
            } else {
                ((h, t), (p, c))
            }
        })
        .collect();
    keep_one_direction(&mut decided);
    busy.add(serial.elapsed());
    let asked = units.iter().map(|u| u.1.len()).sum();
    Ok((decided, asked))
}

/// `Located_In` from one country to another ("France … Poland" in a list of countries, or
/// "its" read as a country), which the models read now and then and a chain would carry on:
/// never kept, but for the nations of the United Kingdom in it.
pub(crate) fn country_in_country(head: &str, predicate: Predicate, tail: &str) -> bool {
    use crate::resolve::rules::{is_country, short_form};
    predicate == Predicate::LocatedIn
        && is_country(head)
        && is_country(tail)
        && short_form(tail).unwrap_or(tail) != "united kingdom"
}

/// Regions and former states a country lies in ("Sweden Located_In Scandinavia", "Serbia
/// Located_In Yugoslavia" are the right way round); seas and oceans are recognised by name.
const WIDER: &[&str] = &[
    "yugoslavia",
    "czechoslovakia",
    "soviet union",
    "ussr",
    "west germany",
    "east germany",
    "ottoman empire",
    "austria hungary",
    "roman empire",
    "africa",
    "america",
    "americas",
    "antarctica",
    "arctic",
    "asia",
    "balkans",
    "baltics",
    "benelux",
    "caribbean",
    "central america",
    "central asia",
    "central europe",
    "east africa",
    "east asia",
    "eastern europe",
    "europe",
    "iberia",
    "iberian peninsula",
    "latin america",
    "mediterranean",
    "middle east",
    "north africa",
    "north america",
    "northern europe",
    "oceania",
    "pacific",
    "scandinavia",
    "south america",
    "south asia",
    "southeast asia",
    "southern africa",
    "southern europe",
    "sub saharan africa",
    "west africa",
    "western europe",
];

/// `Located_In` from a country to a place that is not a country, nor a region, sea or former
/// state it lies in ([`WIDER`]) ("United
/// States Located_In Texas", "Philippines Located_In Mindanao"): read the wrong way round by
/// the model; the place lies in the country.
fn country_before_place(head: &str, predicate: Predicate, tail: &str) -> bool {
    use crate::resolve::rules::is_country;
    predicate == Predicate::LocatedIn
        && is_country(head)
        && !is_country(tail)
        && !WIDER.contains(&tail)
        && !tail.ends_with(" ocean")
        && !tail.ends_with(" sea")
}

/// Every predicate is asymmetric: where a pair was given the same predicate both ways, only
/// the surer direction stands.
fn keep_one_direction(decided: &mut Decided) {
    let both: Vec<(usize, usize)> = decided
        .iter()
        .filter(|(&(h, t), (p, _))| h < t && decided.get(&(t, h)).is_some_and(|r| r.0 == *p))
        .map(|(&k, _)| k)
        .collect();
    for (h, t) in both {
        let (a, b) = (decided[&(h, t)].1, decided[&(t, h)].1);
        decided.remove(&if a >= b { (t, h) } else { (h, t) });
    }
}

/// The types the document gave each name (its mentions can differ: "Petrobras" a person in
/// one sentence, an organisation in the next).
fn types_by_key(mentions: &[(usize, Mention)]) -> HashMap<&str, BTreeSet<EntityType>> {
    let mut out: HashMap<&str, BTreeSet<EntityType>> = HashMap::new();
    for (_, m) in mentions {
        out.entry(m.key.as_str()).or_default().insert(m.entity_type);
    }
    out
}

/// Index ranges of the mentions of each sentence.
fn sentence_groups(mentions: &[(usize, Mention)]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=mentions.len() {
        if i == mentions.len() || mentions[i].0 != mentions[start].0 {
            if start < i {
                out.push(start..i);
            }
            start = i;
        }
    }
    out
}

/// Ordered pairs of one sentence's mentions whose types fit the schema, nearest first, at most
/// [`MAX_PAIRS_PER_SENTENCE`]. A name the document typed in more than one way is read under
/// each of its types (the mention's own first), so the relation model can settle what NER
/// could not, and a nationality adjective also as the country it names, at the tail of a
/// relation of the person or organisation it describes ("the Soviet pianist Vladimir
/// Ashkenazy", "the French carmaker Renault": [`types::names_a_country`],
/// [`types::describes`]); a pair no reading of which fits the schema is not scored, nor two names of one
/// list ([`lists`]) or two names of one thing ([`aliases`], [`aliases::head_named_in_tail`]),
/// nor a name that is no end of one
/// ([`types::relatable`], [`types::names_a_release`]).
fn candidate_pairs(
    schema: &Schema,
    mentions: &[(usize, Mention)],
    types: &HashMap<&str, BTreeSet<EntityType>>,
    range: std::ops::Range<usize>,
    sentences: &[Sentence],
) -> Vec<Candidate> {
    let readings = |i: usize| {
        let m = &mentions[i].1;
        let mut t = vec![m.entity_type];
        t.extend(
            types[m.key.as_str()]
                .iter()
                .filter(|t| **t != m.entity_type),
        );
        if types::names_a_country(m) && !t.contains(&EntityType::LOC) {
            t.push(EntityType::LOC);
        }
        t
    };
    let sentence = &sentences[mentions[range.start].0];
    let list = lists(mentions, range.clone(), sentence);
    let no_end: Vec<bool> = range
        .clone()
        .map(|i| {
            !types::relatable(&mentions[i].1.name)
                || types::names_a_release(&mentions[i].1, sentence)
        })
        .collect();
    let mut pairs: Vec<(usize, usize, EntityType, EntityType)> = Vec::new();
    for h in range.clone() {
        for t in range.clone() {
            if h == t
                || mentions[h].1.key == mentions[t].1.key
                || list[h - range.start].is_some_and(|l| list[t - range.start] == Some(l))
                || no_end[h - range.start]
                || no_end[t - range.start]
                || aliases::head_named_in_tail(&mentions[h].1, &mentions[t].1)
                || aliases(&mentions[h].1, &mentions[t].1, sentence)
            {
                continue;
            }
            for th in readings(h) {
                for tt in readings(t) {
                    // A nationality read as its country ends only a relation of the person
                    // or organisation it describes: "the Turkish border" places nothing.
                    let country = |i: usize, ty| {
                        ty == EntityType::LOC && types::names_a_country(&mentions[i].1)
                    };
                    if country(h, th)
                        || country(t, tt)
                            && (!matches!(th, EntityType::PER | EntityType::ORG)
                                || !types::describes(&mentions[t].1, &mentions[h].1, sentence))
                    {
                        continue;
                    }
                    let loc = EntityType::LOC;
                    if th == loc
                        && tt == loc
                        && places::cannot_lie_in(&mentions[h].1.name, &mentions[t].1.name)
                    {
                        continue;
                    }
                    if schema.fits(th, tt) {
                        pairs.push((h, t, th, tt));
                    }
                }
            }
        }
    }
    let distance = |p: &(usize, usize, EntityType, EntityType)| {
        mentions[p.0].1.start.abs_diff(mentions[p.1].1.start)
    };
    pairs.sort_by_key(|p| (distance(p), p.0.min(p.1), p.0, p.2, p.3));
    pairs.truncate(MAX_PAIRS_PER_SENTENCE);
    pairs.sort_unstable();
    let mark = |m: &Mention, entity_type| Marked {
        start: m.start - sentence.start,
        end: m.end - sentence.start,
        entity_type,
    };
    pairs
        .into_iter()
        .map(|(head, tail, th, tt)| Candidate {
            head,
            tail,
            own: th == mentions[head].1.entity_type && tt == mentions[tail].1.entity_type,
            marks: (mark(&mentions[head].1, th), mark(&mentions[tail].1, tt)),
        })
        .collect()
}

/// Unordered pairs of one sentence's named mentions (indexes, in order) at most
/// [`COOCCURRENCE_WINDOW`] apart, of different entities, in sentence order.
fn cooccurring(mentions: &[(usize, Mention)], named: &[usize]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, &a) in named.iter().enumerate() {
        for &b in &named[i + 1..named.len().min(i + 1 + COOCCURRENCE_WINDOW)] {
            if mentions[a].1.key != mentions[b].1.key {
                out.push((a, b));
            }
        }
    }
    out
}

fn relation_mention(
    mentions: &[(usize, Mention)],
    sentences: &[Sentence],
    (head, tail): (usize, usize),
    predicate: Option<Predicate>,
    confidence: Option<f32>,
    basis: Basis,
) -> RelationMention {
    let (h, t) = (&mentions[head].1, &mentions[tail].1);
    let s = &sentences[mentions[head].0];
    RelationMention {
        subject: h.key.clone(),
        object: t.key.clone(),
        predicate,
        confidence,
        page: h.page,
        start: s.start,
        end: s.end,
        subject_span: (h.start, h.end),
        object_span: (t.start, t.end),
        sentence: s.text.clone(),
        kind: s.kind,
        basis,
        premises: Vec::new(),
    }
}

#[cfg(test)]
mod tests;
