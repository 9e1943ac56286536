//! Gold relation data and scores: a reader for the CoNLL04 JSON format (the relation model's
//! training and development data) and precision, recall and F1 per predicate; document-level
//! gold (Re-DocRED) and its scorer in [`documents`].

pub mod documents;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

use super::model::{Input, Marked, ModelInput, PairEncoder};
use super::schema::{Predicate, Schema};
use crate::error::{Error, Result};
use crate::record::EntityType;

/// An entity of a gold sentence: a character span and its type (`None` for CoNLL04's `Other`,
/// which no predicate takes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoldEntity {
    /// First character, inclusive.
    pub start: usize,
    /// Last character, exclusive.
    pub end: usize,
    /// Type, when it is one docgraph knows.
    pub entity_type: Option<EntityType>,
}

/// A gold relation: indexes into the sentence's entities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoldRelation {
    /// Head entity.
    pub head: usize,
    /// Tail entity.
    pub tail: usize,
    /// The predicate.
    pub predicate: Predicate,
}

/// A sentence with its entities (in order of appearance) and relations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoldSentence {
    /// The words joined by single spaces.
    pub text: String,
    /// Entities in order of appearance.
    pub entities: Vec<GoldEntity>,
    /// Relations between them.
    pub relations: Vec<GoldRelation>,
}

impl GoldSentence {
    /// Ordered pairs of entities whose types fit `schema`: the pairs the model is asked
    /// about, as docgraph asks about the pairs of a sentence it read.
    pub fn candidate_pairs(&self, schema: &Schema) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (h, he) in self.entities.iter().enumerate() {
            for (t, te) in self.entities.iter().enumerate() {
                if let (Some(ht), Some(tt)) = (he.entity_type, te.entity_type) {
                    if h != t && schema.fits(ht, tt) {
                        out.push((h, t));
                    }
                }
            }
        }
        out
    }

    /// Entity `i` as the model marks it (`None` for a type outside the schema).
    pub fn marked(&self, i: usize) -> Option<Marked> {
        let e = self.entities[i];
        e.entity_type.map(|entity_type| Marked {
            start: e.start,
            end: e.end,
            entity_type,
        })
    }

    /// The gold label in `schema` (0: no relation) of the ordered pair `head` → `tail`: a
    /// relation whose predicate the schema lets join the two types.
    pub fn label(&self, head: usize, tail: usize, schema: &Schema) -> usize {
        let (Some(ht), Some(tt)) = (
            self.entities[head].entity_type,
            self.entities[tail].entity_type,
        ) else {
            return 0;
        };
        self.relations
            .iter()
            .find(|r| r.head == head && r.tail == tail && schema.joins(r.predicate, ht, tt))
            .and_then(|r| schema.label(r.predicate))
            .unwrap_or(0)
    }

    /// Each relation as (predicate, head type, tail type), where both ends are typed.
    pub fn typed_relations(
        &self,
    ) -> impl Iterator<Item = (Predicate, EntityType, EntityType)> + '_ {
        self.relations.iter().filter_map(|r| {
            Some((
                r.predicate,
                self.entities[r.head].entity_type?,
                self.entities[r.tail].entity_type?,
            ))
        })
    }

    /// The gold relations as (head, tail, predicate).
    pub fn triples(&self) -> Vec<(usize, usize, Predicate)> {
        self.relations
            .iter()
            .map(|r| (r.head, r.tail, r.predicate))
            .collect()
    }
}

/// A candidate pair of a gold sentence: the sentence, head and tail entity indexes, and its
/// gold label (0: no relation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoldPair {
    /// Index of the sentence.
    pub sentence: usize,
    /// Head entity.
    pub head: usize,
    /// Tail entity.
    pub tail: usize,
    /// Gold label.
    pub label: usize,
}

/// The model passes that score every candidate pair of `data` (of the encoder's schema), gold
/// entities given, as a model reading `input` takes them (what the pipeline does with a sentence's pairs), each with its
/// pairs in order; and how many candidate pairs fit no pass.
pub fn gold_inputs(
    data: &[GoldSentence],
    encoder: &PairEncoder,
    input: Input,
) -> (Vec<(ModelInput, Vec<GoldPair>)>, usize) {
    let mut out = Vec::new();
    let mut left_out = 0;
    for (si, s) in data.iter().enumerate() {
        let pairs = s.candidate_pairs(encoder.schema());
        let marks: Vec<(Marked, Marked)> = pairs
            .iter()
            .map(|&(h, t)| (s.marked(h).expect("typed"), s.marked(t).expect("typed")))
            .collect();
        let mut asked = 0;
        for (pass, indexes) in encoder.inputs(input, &s.text, &marks) {
            asked += indexes.len();
            let gold = indexes
                .into_iter()
                .map(|i| {
                    let (head, tail) = pairs[i];
                    GoldPair {
                        sentence: si,
                        head,
                        tail,
                        label: s.label(head, tail, encoder.schema()),
                    }
                })
                .collect();
            out.push((pass, gold));
        }
        left_out += pairs.len() - asked;
    }
    (out, left_out)
}

/// Scores of the decisions at `threshold` on scored pairs of `data` (labels of `schema`).
pub fn score_pairs(
    data: &[GoldSentence],
    schema: &Schema,
    scored: &[(GoldPair, Vec<f32>)],
    threshold: f32,
) -> Scores {
    let mut predicted: Vec<Vec<(usize, usize, Predicate)>> = vec![Vec::new(); data.len()];
    for (p, probs) in scored {
        if let Some((predicate, _)) = schema.decide(probs, threshold) {
            predicted[p.sentence].push((p.head, p.tail, predicate));
        }
    }
    let mut scores = Scores::default();
    for (s, pred) in data.iter().zip(&predicted) {
        scores.add(&s.triples(), pred);
    }
    scores
}

#[derive(Deserialize)]
struct RawSentence {
    tokens: Vec<String>,
    /// BILOU tags, one per token (CoNLL04's form)…
    #[serde(default)]
    tags: Option<Vec<String>>,
    /// … or entity spans over the tokens (SpERT's form).
    #[serde(default)]
    entities: Option<Vec<RawEntity>>,
    #[serde(default)]
    relations: Vec<RawRelation>,
}

#[derive(Deserialize)]
struct RawEntity {
    /// First token.
    start: usize,
    /// Token after the last.
    end: usize,
    #[serde(rename = "type")]
    label: String,
}

#[derive(Deserialize)]
struct RawRelation {
    head: usize,
    tail: usize,
    #[serde(rename = "type")]
    label: String,
}

/// The entity type a tag names: CoNLL04's (`Peop`, `Org`, `Loc`; its `Other` is no type any
/// predicate takes, `None`), the NER model's four, or a user's type (`DRUG`; `drug` is read
/// as `DRUG`).
fn tag_type(t: &str) -> std::result::Result<Option<EntityType>, String> {
    match t {
        "Peop" => Ok(Some(EntityType::PER)),
        "Org" => Ok(Some(EntityType::ORG)),
        "Loc" => Ok(Some(EntityType::LOC)),
        "Other" => Ok(None),
        _ => EntityType::parse(&t.to_ascii_uppercase())
            .map(Some)
            .ok_or_else(|| format!("{t:?} is not an entity type name (letters, digits, _)")),
    }
}

/// Environment variable naming the folder that holds CoNLL04's splits (for the tests that
/// score the relation model; the data is not shipped with docgraph).
pub const CONLL04_ENV: &str = "DOCGRAPH_CONLL04";

/// CoNLL04's development split, from the folder in [`CONLL04_ENV`], else from
/// `../shared/data/conll04` beside the repository at `repo`; an error says where it looked.
pub fn read_conll04_dev(repo: &Path) -> Result<Vec<GoldSentence>> {
    let dir = std::env::var_os(CONLL04_ENV)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| repo.join("../shared/data/conll04"));
    let path = dir.join("conll04_dev.json");
    if !path.is_file() {
        return Err(Error::Config(format!(
            "{} is missing: CoNLL04's development split is needed here (set {CONLL04_ENV})",
            path.display()
        )));
    }
    read_conll04(&path)
}

/// Reads relation data in CoNLL04's JSON: a list of sentences, each with `tokens`, its
/// entities as BILOU `tags` (one per token: `B-Peop`, `U-DRUG`, `O`) or as `entities`
/// (`{"start", "end", "type"}` over token indexes, end exclusive), and `relations`
/// (`{"head", "tail", "type"}`: indexes into the entities as listed, or as tagged).
pub fn read_conll04(path: &Path) -> Result<Vec<GoldSentence>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let raw: Vec<RawSentence> = serde_json::from_str(&text)
        .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
    raw.into_iter()
        .map(|s| parse_sentence(s).map_err(|e| Error::Config(format!("{}: {e}", path.display()))))
        .collect()
}

fn parse_sentence(s: RawSentence) -> std::result::Result<GoldSentence, String> {
    let mut text = String::new();
    let mut spans = Vec::with_capacity(s.tokens.len());
    for token in &s.tokens {
        if !text.is_empty() {
            text.push(' ');
        }
        let start = text.chars().count();
        text.push_str(token);
        spans.push((start, text.chars().count()));
    }
    let entities = match (&s.tags, &s.entities) {
        (Some(tags), None) => tagged_entities(&spans, tags)?,
        (None, Some(given)) => given
            .iter()
            .map(|e| {
                if e.start >= e.end || e.end > spans.len() {
                    return Err(format!(
                        "entity tokens {}..{} outside the sentence",
                        e.start, e.end
                    ));
                }
                Ok(GoldEntity {
                    start: spans[e.start].0,
                    end: spans[e.end - 1].1,
                    entity_type: tag_type(&e.label)?,
                })
            })
            .collect::<std::result::Result<_, String>>()?,
        _ => return Err("a sentence needs either \"tags\" or \"entities\"".into()),
    };
    parse_relations(text, entities, &s.relations)
}

/// Entities of BILOU `tags` over tokens at character `spans`.
fn tagged_entities(
    spans: &[(usize, usize)],
    tags: &[String],
) -> std::result::Result<Vec<GoldEntity>, String> {
    if spans.len() != tags.len() {
        return Err("tokens and tags differ in length".into());
    }
    let mut entities = Vec::new();
    let mut open: Option<(usize, Option<EntityType>)> = None;
    for (&(start, end), tag) in spans.iter().zip(tags) {
        let (prefix, ty) = tag.split_once('-').unwrap_or((tag.as_str(), ""));
        match prefix {
            "B" => open = Some((start, tag_type(ty)?)),
            "U" => entities.push(GoldEntity {
                start,
                end,
                entity_type: tag_type(ty)?,
            }),
            "L" => {
                let (s0, t) = open.take().ok_or("L- tag without B-")?;
                entities.push(GoldEntity {
                    start: s0,
                    end,
                    entity_type: t,
                });
            }
            "I" | "O" => {}
            other => return Err(format!("unknown tag prefix {other}")),
        }
    }
    Ok(entities)
}

/// The sentence `text` with its `entities` and their relations as given.
fn parse_relations(
    text: String,
    entities: Vec<GoldEntity>,
    relations: &[RawRelation],
) -> std::result::Result<GoldSentence, String> {
    let relations = relations
        .iter()
        .map(|r| {
            let predicate = Predicate::parse(&r.label).ok_or_else(|| {
                format!(
                    "{:?} is not a predicate name (letters, digits, _ or -)",
                    r.label
                )
            })?;
            if r.head >= entities.len() || r.tail >= entities.len() {
                return Err("relation names an entity that is not there".to_string());
            }
            Ok(GoldRelation {
                head: r.head,
                tail: r.tail,
                predicate,
            })
        })
        .collect::<std::result::Result<Vec<_>, String>>()?;
    // Entities in order of appearance, the relations' indexes moved with them (a list of
    // entity spans may be in any order).
    let mut order: Vec<usize> = (0..entities.len()).collect();
    order.sort_by_key(|&i| (entities[i].start, entities[i].end, i));
    let mut moved_to = vec![0; entities.len()];
    for (new, &old) in order.iter().enumerate() {
        moved_to[old] = new;
    }
    Ok(GoldSentence {
        text,
        entities: order.iter().map(|&i| entities[i]).collect(),
        relations: relations
            .into_iter()
            .map(|r| GoldRelation {
                head: moved_to[r.head],
                tail: moved_to[r.tail],
                ..r
            })
            .collect(),
    })
}

/// True and false positives and false negatives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Found and right.
    pub tp: usize,
    /// Found but wrong.
    pub fp: usize,
    /// Missed.
    pub fn_: usize,
}

impl Counts {
    /// Precision (1 when nothing was found).
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    /// Recall (1 when nothing was to be found).
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// Scores per predicate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scores {
    /// Counts per predicate.
    pub per_predicate: BTreeMap<Predicate, Counts>,
}

impl Scores {
    /// Adds one sentence's gold and predicted triples (anything comparable identifies a
    /// triple's ends: entity indexes, spans, names).
    pub fn add<T: Ord + Clone>(
        &mut self,
        gold: &[(T, T, Predicate)],
        predicted: &[(T, T, Predicate)],
    ) {
        use std::collections::BTreeSet;
        let g: BTreeSet<_> = gold.iter().cloned().collect();
        let p: BTreeSet<_> = predicted.iter().cloned().collect();
        for t in &p {
            let c = self.per_predicate.entry(t.2).or_default();
            if g.contains(t) {
                c.tp += 1;
            } else {
                c.fp += 1;
            }
        }
        for t in g.difference(&p) {
            self.per_predicate.entry(t.2).or_default().fn_ += 1;
        }
    }

    /// Counts summed over predicates.
    pub fn micro(&self) -> Counts {
        self.per_predicate
            .values()
            .fold(Counts::default(), |a, c| Counts {
                tp: a.tp + c.tp,
                fp: a.fp + c.fp,
                fn_: a.fn_ + c.fn_,
            })
    }

    /// A table of P/R/F1 per predicate and micro-averaged.
    pub fn table(&self) -> String {
        let mut s = format!(
            "{:<12} {:>6} {:>6} {:>6} {:>5} {:>5} {:>5}\n",
            "predicate", "P", "R", "F1", "tp", "fp", "fn"
        );
        let rows = self
            .per_predicate
            .iter()
            .map(|(p, c)| (p.as_str(), *c))
            .chain(std::iter::once(("micro", self.micro())));
        for (name, c) in rows {
            let _ = writeln!(
                s,
                "{:<12} {:>6.3} {:>6.3} {:>6.3} {:>5} {:>5} {:>5}",
                name,
                c.precision(),
                c.recall(),
                c.f1(),
                c.tp,
                c.fp,
                c.fn_
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bilou_tags_become_character_spans_and_relations_index_them() {
        let raw = RawSentence {
            tokens: ["Ann", "Lee", "of", "Acme", "Inc", "."]
                .map(String::from)
                .to_vec(),
            tags: Some(
                ["B-Peop", "L-Peop", "O", "B-Org", "L-Org", "O"]
                    .map(String::from)
                    .to_vec(),
            ),
            entities: None,
            relations: vec![RawRelation {
                head: 0,
                tail: 1,
                label: "Work_For".into(),
            }],
        };
        let s = parse_sentence(raw).unwrap();
        assert_eq!(s.text, "Ann Lee of Acme Inc .");
        let spans: Vec<_> = s.entities.iter().map(|e| &s.text[e.start..e.end]).collect();
        assert_eq!(spans, ["Ann Lee", "Acme Inc"]);
        assert_eq!(s.entities[1].entity_type, Some(EntityType::ORG));
        assert_eq!(s.relations[0].predicate, Predicate::WorkFor);
    }

    #[test]
    fn a_users_types_and_predicates_read_from_tags_or_entity_spans() {
        let json = r#"[
            {"tokens": ["Zelvor", "eases", "gout", "."], "tags": ["U-DRUG", "O", "U-disease", "O"],
             "relations": [{"head": 0, "tail": 1, "type": "Treats"}]},
            {"tokens": ["Ann", "Lee", "founded", "Acme", "."],
             "entities": [{"start": 3, "end": 4, "type": "Org"}, {"start": 0, "end": 2, "type": "PER"}],
             "relations": [{"head": 0, "tail": 1, "type": "Founded_By"}]}
        ]"#;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("train.json");
        std::fs::write(&path, json).unwrap();
        let data = read_conll04(&path).unwrap();
        let drug = EntityType::parse("DRUG").unwrap();
        let disease = EntityType::parse("DISEASE").unwrap();
        assert_eq!(data[0].entities[1].entity_type, Some(disease));
        assert_eq!(
            &data[1].text[data[1].entities[0].start..data[1].entities[0].end],
            "Ann Lee"
        );
        let relations: Vec<_> = data.iter().flat_map(|s| s.typed_relations()).collect();
        let schema = Schema::of_examples(relations, &[]).unwrap();
        assert_eq!(
            schema.predicates().map(|p| p.as_str()).collect::<Vec<_>>(),
            ["Founded_By", "Treats"]
        );
        assert!(schema.joins(Predicate::parse("Treats").unwrap(), drug, disease));
        assert_eq!(data[0].candidate_pairs(&schema), [(0, 1)]);
        assert_eq!(data[0].label(0, 1, &schema), 2);
        assert_eq!(data[1].label(1, 0, &schema), 1);
        assert_eq!(data[1].label(0, 1, &schema), 0);

        for (bad, why) in [
            (r#"[{"tokens": ["a"]}]"#, "either"),
            (
                r#"[{"tokens": ["a"], "tags": ["U-bad type"]}]"#,
                "entity type",
            ),
            (
                r#"[{"tokens": ["a"], "entities": [{"start": 0, "end": 2, "type": "X"}]}]"#,
                "outside",
            ),
            (
                r#"[{"tokens": ["a", "b"], "tags": ["U-X", "U-X"], "relations": [{"head": 0, "tail": 1, "type": "no spaces"}]}]"#,
                "predicate",
            ),
        ] {
            std::fs::write(&path, bad).unwrap();
            let e = read_conll04(&path).unwrap_err().to_string();
            assert!(e.contains(why), "{e}");
        }
    }

    #[test]
    fn scores_count_right_wrong_and_missed_triples() {
        let mut sc = Scores::default();
        let gold = [(0, 1, Predicate::WorkFor), (2, 3, Predicate::LiveIn)];
        let pred = [(0, 1, Predicate::WorkFor), (1, 0, Predicate::WorkFor)];
        sc.add(&gold, &pred);
        let w = sc.per_predicate[&Predicate::WorkFor];
        assert_eq!((w.tp, w.fp, w.fn_), (1, 1, 0));
        assert_eq!(sc.per_predicate[&Predicate::LiveIn].fn_, 1);
        let m = sc.micro();
        assert!((m.f1() - 0.5).abs() < 1e-9);
    }
}
