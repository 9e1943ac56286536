//! Document-level gold: Re-DocRED's JSON (Wikipedia article openings, entity clusters, relations
//! within and across sentences) read as docgraph's five predicates, and a scorer of a
//! document's results against it. The data is not shipped with docgraph: it is read from
//! `../shared/data/redocred` (or [`REDOCRED_ENV`]).
//!
//! The mapping of Wikidata properties onto the predicates follows that folder's README; a
//! relation is kept only when its clusters' types (by majority of their mentions) are the ones
//! the predicate joins. Documents are split by position: every [`HELD_OUT_EVERY`]th document
//! (index 0, 5, 10, …) is held out for figures and never trained on
//! (`scripts/make_redocred_training.py` writes the others).
//!
//! Scoring matches entities by name: a predicted entity is a gold cluster when one of its
//! mentions in the document and one of the cluster's mentions are the same name once case,
//! spaces, punctuation and a leading "the" are set aside. A gold relation is *within* a
//! sentence when some sentence names both clusters, else *across*.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::record::{Basis, DocumentResult, EntityType};
use crate::relations::schema::Predicate;

/// Environment variable naming the folder that holds `dev_revised.json`.
pub const REDOCRED_ENV: &str = "DOCGRAPH_REDOCRED";

/// Every this-many-th document (from index 0) is held out.
pub const HELD_OUT_EVERY: usize = 5;

/// A cluster of mentions of one entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoldCluster {
    /// Its mentions' names, as matched ([`match_key`]).
    pub names: BTreeSet<String>,
    /// Sentences that name it.
    pub sentences: BTreeSet<usize>,
    /// Type by majority of its mentions, when docgraph knows it.
    pub entity_type: Option<EntityType>,
}

/// A document with its clusters and relations of the five predicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoldDocument {
    /// Position in the file.
    pub index: usize,
    /// The article's title.
    pub title: String,
    /// Sentences, tokens joined as written text.
    pub sentences: Vec<String>,
    /// Entity clusters.
    pub clusters: Vec<GoldCluster>,
    /// Relations: head cluster, tail cluster, predicate (distinct).
    pub relations: BTreeSet<(usize, usize, Predicate)>,
}

impl GoldDocument {
    /// Whether some sentence names both clusters of a relation.
    pub fn within(&self, head: usize, tail: usize) -> bool {
        !self.clusters[head]
            .sentences
            .is_disjoint(&self.clusters[tail].sentences)
    }

    /// The text, one sentence after another.
    pub fn text(&self) -> String {
        self.sentences.join(" ")
    }
}

#[derive(Deserialize)]
struct RawDocument {
    title: String,
    sents: Vec<Vec<String>>,
    #[serde(rename = "vertexSet")]
    vertex_set: Vec<Vec<RawMention>>,
    labels: Vec<RawLabel>,
}

#[derive(Deserialize)]
struct RawMention {
    name: String,
    sent_id: usize,
    #[serde(rename = "type")]
    entity_type: String,
}

#[derive(Deserialize)]
struct RawLabel {
    h: usize,
    t: usize,
    r: String,
}

/// How a Wikidata property reads as a predicate: the predicate (`None`: `OrgBased_In` or
/// `Located_In` by the head's type) and whether head and tail swap.
fn property(p: &str) -> Option<(Option<Predicate>, bool)> {
    use Predicate::*;
    Some(match p {
        "P108" | "P102" | "P463" | "P241" | "P54" => (Some(WorkFor), false),
        "P488" => (Some(WorkFor), true),
        "P159" | "P740" => (Some(OrgBasedIn), false),
        "P194" => (Some(OrgBasedIn), true),
        "P551" | "P19" | "P27" | "P937" => (Some(LiveIn), false),
        "P6" | "P35" => (Some(LiveIn), true),
        "P131" | "P17" => (None, false),
        "P150" | "P36" => (Some(LocatedIn), true),
        "P30" | "P706" | "P1376" => (Some(LocatedIn), false),
        _ => return None,
    })
}

/// A name as matched: lower case, letters and digits only, without a leading "the".
pub fn match_key(name: &str) -> String {
    let lower = name.trim().to_lowercase();
    let lower = lower.strip_prefix("the ").unwrap_or(&lower);
    lower.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// Tokens joined as text: no space before closing punctuation, after opening brackets, or
/// inside quotes written as two tokens.
pub fn detokenize(tokens: &[String]) -> String {
    let mut out = String::new();
    let mut glue_next = false;
    for t in tokens {
        let t = match t.as_str() {
            "``" | "''" => "\"",
            "-LRB-" => "(",
            "-RRB-" => ")",
            other => other,
        };
        let closing = matches!(
            t,
            "," | "." | ";" | ":" | "!" | "?" | ")" | "%" | "'s" | "n't"
        );
        if !out.is_empty() && !closing && !glue_next {
            out.push(' ');
        }
        out.push_str(t);
        glue_next = t == "(" || t == "$";
    }
    out
}

fn cluster_type(mentions: &[RawMention]) -> Option<EntityType> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for m in mentions {
        *counts.entry(m.entity_type.as_str()).or_default() += 1;
    }
    let best = counts
        .iter()
        .max_by_key(|(t, n)| (**n, std::cmp::Reverse(**t)))?;
    // Re-DocRED's TIME and NUM are no type docgraph's models give.
    EntityType::ALL.into_iter().find(|t| t.as_str() == *best.0)
}

/// The folder holding Re-DocRED's development split: [`REDOCRED_ENV`], else
/// `../shared/data/redocred` beside the repository at `repo`.
pub fn redocred_dir(repo: &Path) -> PathBuf {
    std::env::var_os(REDOCRED_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("../shared/data/redocred"))
}

/// Reads Re-DocRED's development split (`dev_revised.json` in `dir`).
pub fn read_redocred(dir: &Path) -> Result<Vec<GoldDocument>> {
    let path = dir.join("dev_revised.json");
    if !path.is_file() {
        return Err(Error::Config(format!(
            "{} is missing: Re-DocRED's development split is needed here (set {REDOCRED_ENV})",
            path.display()
        )));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let raw: Vec<RawDocument> = serde_json::from_str(&text)
        .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
    Ok(raw
        .into_iter()
        .enumerate()
        .map(|(index, d)| {
            let clusters: Vec<GoldCluster> = d
                .vertex_set
                .iter()
                .map(|ms| GoldCluster {
                    names: ms.iter().map(|m| match_key(&m.name)).collect(),
                    sentences: ms.iter().map(|m| m.sent_id).collect(),
                    entity_type: cluster_type(ms),
                })
                .collect();
            let mut relations = BTreeSet::new();
            for l in &d.labels {
                let Some((predicate, swap)) = property(&l.r) else {
                    continue;
                };
                let (h, t) = if swap { (l.t, l.h) } else { (l.h, l.t) };
                let (Some(th), Some(tt)) = (
                    clusters.get(h).and_then(|c| c.entity_type),
                    clusters.get(t).and_then(|c| c.entity_type),
                ) else {
                    continue;
                };
                let predicate = match predicate {
                    Some(p) => p,
                    None if th == EntityType::ORG => Predicate::OrgBasedIn,
                    None => Predicate::LocatedIn,
                };
                if predicate.conll04_signature() == Some((th, tt)) {
                    relations.insert((h, t, predicate));
                }
            }
            GoldDocument {
                index,
                title: d.title,
                sentences: d.sents.iter().map(|s| detokenize(s)).collect(),
                clusters,
                relations,
            }
        })
        .collect())
}

/// Counts of one document's scoring, added up over documents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DocumentCounts {
    /// Gold relations within one sentence, and how many were found.
    pub within: (usize, usize),
    /// Gold relations across sentences, and how many were found.
    pub across: (usize, usize),
    /// Distinct predicted relations (head, tail, predicate) by how they are known, and how
    /// many of each are right: stated, through a reference, across sentences, inferred.
    pub predicted: [(usize, usize); 4],
}

impl DocumentCounts {
    /// Adds another document's counts.
    pub fn add(&mut self, o: &DocumentCounts) {
        self.within.0 += o.within.0;
        self.within.1 += o.within.1;
        self.across.0 += o.across.0;
        self.across.1 += o.across.1;
        for (a, b) in self.predicted.iter_mut().zip(o.predicted) {
            a.0 += b.0;
            a.1 += b.1;
        }
    }

    /// Micro precision, recall and F1 over every relation.
    pub fn prf(&self) -> (f64, f64, f64) {
        let predicted: usize = self.predicted.iter().map(|p| p.0).sum();
        let right: usize = self.predicted.iter().map(|p| p.1).sum();
        let gold = self.within.0 + self.across.0;
        let found = self.within.1 + self.across.1;
        let p = ratio(right, predicted);
        let r = ratio(found, gold);
        let f = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        (p, r, f)
    }

    /// Recall within sentences and across them.
    pub fn recall_within_across(&self) -> (f64, f64) {
        (
            ratio(self.within.1, self.within.0),
            ratio(self.across.1, self.across.0),
        )
    }

    /// The figures in words, one line each.
    pub fn summary(&self) -> String {
        let (p, r, f) = self.prf();
        let (w, a) = self.recall_within_across();
        let mut s = format!(
            "P {p:.3} R {r:.3} F1 {f:.3}; recall within sentences {w:.3} ({}/{}), across {a:.3} ({}/{})",
            self.within.1, self.within.0, self.across.1, self.across.0
        );
        for (name, (n, right)) in ["stated", "reference", "across", "inferred"]
            .iter()
            .zip(self.predicted)
        {
            s.push_str(&format!(
                "\n  {name}: {n} predicted, {right} right (precision {:.3})",
                ratio(right, n)
            ));
        }
        s
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Scores one document's typed relations against its gold.
pub fn score_document(gold: &GoldDocument, result: &DocumentResult) -> DocumentCounts {
    // The names each entity key is written as in the document.
    let mut names: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for m in &result.mentions {
        names
            .entry(m.key.as_str())
            .or_default()
            .insert(match_key(&m.text));
    }
    let clusters_of = |key: &str| -> Vec<usize> {
        let Some(ns) = names.get(key) else {
            return Vec::new();
        };
        gold.clusters
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.names.is_disjoint(ns))
            .map(|(i, _)| i)
            .collect()
    };
    // Distinct predicted relations, each with the strongest way it is known.
    let mut predicted: BTreeMap<(&str, &str, Predicate), usize> = BTreeMap::new();
    for r in &result.relations {
        let Some(p) = r.predicate else { continue };
        let how = match r.basis {
            Basis::Stated => 0,
            Basis::Reference => 1,
            Basis::Across => 2,
            Basis::Chain | Basis::Country | Basis::Topic => 3,
        };
        let e = predicted
            .entry((r.subject.as_str(), r.object.as_str(), p))
            .or_insert(how);
        *e = (*e).min(how);
    }
    let mut counts = DocumentCounts::default();
    let mut found: BTreeSet<(usize, usize, Predicate)> = BTreeSet::new();
    for (&(s, o, p), &how) in &predicted {
        let hits: Vec<(usize, usize, Predicate)> = clusters_of(s)
            .into_iter()
            .flat_map(|h| clusters_of(o).into_iter().map(move |t| (h, t, p)))
            .filter(|g| gold.relations.contains(g))
            .collect();
        counts.predicted[how].0 += 1;
        if !hits.is_empty() {
            counts.predicted[how].1 += 1;
        }
        found.extend(hits);
    }
    for &(h, t, p) in &gold.relations {
        let hit = found.contains(&(h, t, p)) as usize;
        if gold.within(h, t) {
            counts.within.0 += 1;
            counts.within.1 += hit;
        } else {
            counts.across.0 += 1;
            counts.across.1 += hit;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_without_case_spaces_punctuation_or_a_leading_the() {
        assert_eq!(match_key("The United States"), match_key("united states"));
        assert_eq!(match_key("U.S."), "us");
        assert_ne!(match_key("Leeds"), match_key("Leeds United"));
    }

    #[test]
    fn tokens_read_as_text() {
        let t: Vec<String> = [
            "He", "(", "born", "1950", ")", "said", "``", "no", "''", ".",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(detokenize(&t), "He (born 1950) said \" no \".");
    }
}
