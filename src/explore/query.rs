//! `docgraph query OUT NAME`: an entity by name or alias (case and spacing ignored), with its
//! type, aliases, documents and relations with their sentences; the closest names when none
//! matches.

use serde::Serialize;

use super::{Entity, View};

/// How many close names are offered when nothing matches.
const SUGGESTIONS: usize = 5;

/// A name compared: lower case, white space collapsed.
fn normalize(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// 1 − edit distance / longer length, on characters (1 for two empty texts). Also what the
/// tests measure OCR and text fidelity with.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    1.0 - prev[b.len()] as f64 / a.len().max(b.len()) as f64
}

/// How close `query` is to one of an entity's names: 1 for equal, high when one contains the
/// other as whole words, else the edit similarity.
fn closeness(query: &str, name: &str) -> f64 {
    let name = normalize(name);
    if name == query {
        return 1.0;
    }
    let words = |s: &str| format!(" {s} ");
    if words(&name).contains(&words(query)) || words(query).contains(&words(&name)) {
        return 0.9;
    }
    similarity(query, &name)
}

/// What a query found.
#[derive(Debug)]
pub enum Answer<'a> {
    /// Entities named so (by name or alias; several when homonyms of different types), most
    /// mentioned first.
    Found(Vec<&'a Entity>),
    /// Nothing named so; the closest entities, closest first.
    NotFound(Vec<&'a Entity>),
}

/// Looks `name` up in `view`.
pub fn find<'a>(view: &'a View, name: &str) -> Answer<'a> {
    let q = normalize(name);
    let names = |e: &'a Entity| {
        std::iter::once(e.name.as_str()).chain(e.aliases.iter().map(|a| a.0.as_str()))
    };
    let mut exact: Vec<&Entity> = view
        .entities
        .iter()
        .filter(|e| names(e).any(|n| normalize(n) == q))
        .collect();
    if !exact.is_empty() {
        exact.sort_by(|a, b| b.mentions.cmp(&a.mentions).then(a.id.cmp(&b.id)));
        return Answer::Found(exact);
    }
    let mut scored: Vec<(f64, &Entity)> = view
        .entities
        .iter()
        .map(|e| {
            let best = names(e).map(|n| closeness(&q, n)).fold(0.0, f64::max);
            (best, e)
        })
        .filter(|(s, _)| *s >= 0.5)
        .collect();
    scored.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(b.1.mentions.cmp(&a.1.mentions))
            .then(a.1.id.cmp(&b.1.id))
    });
    Answer::NotFound(
        scored
            .into_iter()
            .take(SUGGESTIONS)
            .map(|(_, e)| e)
            .collect(),
    )
}

/// An entity with everything `query` prints about it.
#[derive(Debug, Serialize)]
pub struct EntityReport {
    /// Node id in `graph.json`.
    pub id: usize,
    /// Canonical name.
    pub name: String,
    /// Type.
    #[serde(rename = "type")]
    pub entity_type: String,
    /// Forms it was written as, with counts.
    pub aliases: Vec<AliasOut>,
    /// Mentions.
    pub mentions: usize,
    /// Documents mentioning it.
    pub documents: Vec<String>,
    /// Its relations, typed first, then by weight.
    pub relations: Vec<RelationOut>,
}

/// A name form and how often it was written.
#[derive(Debug, Serialize)]
pub struct AliasOut {
    /// The form.
    pub name: String,
    /// Mentions written so.
    pub count: usize,
}

/// One relation of the entity, seen from it.
#[derive(Debug, Serialize)]
pub struct RelationOut {
    /// `out` when the entity is the subject, `in` when the object (co-occurrences: `out`
    /// from the lower id).
    pub direction: &'static str,
    /// Predicate; `null` for a co-occurrence.
    pub predicate: Option<String>,
    /// The entity at the other end.
    pub other: OtherEnd,
    /// Best confidence.
    pub confidence: Option<f32>,
    /// Sentences reading it.
    pub weight: usize,
    /// No sentence states it: inferred (its evidence says how).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
    /// The sentences kept, with their document and page.
    pub evidence: Vec<EvidenceOut>,
}

/// The other end of a relation.
#[derive(Debug, Serialize)]
pub struct OtherEnd {
    /// Node id.
    pub id: usize,
    /// Name.
    pub name: String,
    /// Type.
    #[serde(rename = "type")]
    pub entity_type: String,
}

/// A supporting sentence.
#[derive(Debug, Serialize)]
pub struct EvidenceOut {
    /// Document path.
    pub document: String,
    /// Page.
    pub page: u32,
    /// The sentence.
    pub sentence: String,
}

/// Everything about `e`.
pub fn report(view: &View, e: &Entity) -> EntityReport {
    let index = view
        .entities
        .iter()
        .position(|x| x.id == e.id)
        .unwrap_or(usize::MAX);
    let mut relations: Vec<RelationOut> = view
        .relations
        .iter()
        .filter(|r| r.source == index || r.target == index)
        .map(|r| {
            let (direction, other) = if r.source == index {
                ("out", &view.entities[r.target])
            } else {
                ("in", &view.entities[r.source])
            };
            RelationOut {
                direction,
                predicate: r.predicate.clone(),
                other: OtherEnd {
                    id: other.id,
                    name: other.name.clone(),
                    entity_type: other.entity_type.clone(),
                },
                confidence: r.confidence,
                weight: r.weight,
                inferred: r.inferred,
                evidence: r
                    .evidence
                    .iter()
                    .map(|v| EvidenceOut {
                        document: view.documents[v.document].clone(),
                        page: v.page,
                        sentence: v.sentence.clone(),
                    })
                    .collect(),
            }
        })
        .collect();
    relations.sort_by(|a, b| {
        a.predicate
            .is_none()
            .cmp(&b.predicate.is_none())
            .then(b.weight.cmp(&a.weight))
            .then(a.other.name.cmp(&b.other.name))
    });
    EntityReport {
        id: e.id,
        name: e.name.clone(),
        entity_type: e.entity_type.clone(),
        aliases: e
            .aliases
            .iter()
            .map(|(name, count)| AliasOut {
                name: name.clone(),
                count: *count,
            })
            .collect(),
        mentions: e.mentions,
        documents: e
            .documents
            .iter()
            .map(|&d| view.documents[d].clone())
            .collect(),
        relations,
    }
}

/// The report as text for people.
pub fn to_text(r: &EntityReport) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} ({}): {} mention{} in {} document{}",
        r.name,
        r.entity_type,
        r.mentions,
        if r.mentions == 1 { "" } else { "s" },
        r.documents.len(),
        if r.documents.len() == 1 { "" } else { "s" }
    );
    let aliases: Vec<String> = r
        .aliases
        .iter()
        .map(|a| format!("{} ×{}", a.name, a.count))
        .collect();
    let _ = writeln!(s, "  aliases: {}", aliases.join(", "));
    let _ = writeln!(s, "  documents: {}", r.documents.join(", "));
    if r.relations.is_empty() {
        let _ = writeln!(s, "  relations: none");
    }
    for rel in &r.relations {
        let label = format!(
            "{}{}",
            rel.predicate.as_deref().unwrap_or("co-occurs with"),
            if rel.inferred { " (inferred)" } else { "" }
        );
        let conf = rel
            .confidence
            .map(|c| format!(" {c:.2}"))
            .unwrap_or_default();
        let line = match rel.direction {
            "out" => format!("{} -[{label}{conf}]-> {}", r.name, rel.other.name),
            _ => format!("{} -[{label}{conf}]-> {}", rel.other.name, r.name),
        };
        let _ = writeln!(
            s,
            "  {line} ({} sentence{})",
            rel.weight,
            if rel.weight == 1 { "" } else { "s" }
        );
        for v in &rel.evidence {
            let _ = writeln!(s, "      {} p.{}: \"{}\"", v.document, v.page, v.sentence);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::{Evidence, Relation};

    fn view() -> View {
        let entity = |id, name: &str, t: &str, aliases: &[&str], mentions| Entity {
            id,
            name: name.into(),
            entity_type: t.into(),
            aliases: aliases.iter().map(|a| (a.to_string(), 1)).collect(),
            mentions,
            documents: vec![0],
        };
        View {
            documents: vec!["a.pdf".into()],
            entities: vec![
                entity(0, "Helena Varga", "PER", &["Helena Varga", "Varga"], 3),
                entity(1, "Nordbank", "ORG", &["Nordbank"], 2),
                entity(2, "Oslo", "LOC", &["Oslo"], 1),
            ],
            relations: vec![Relation {
                source: 0,
                target: 1,
                predicate: Some("Work_For".into()),
                confidence: Some(0.9),
                weight: 1,
                inferred: false,
                evidence: vec![Evidence {
                    document: 0,
                    page: 1,
                    sentence: "Helena Varga works for Nordbank.".into(),
                    basis: None,
                    premises: Vec::new(),
                    references: Vec::new(),
                }],
            }],
        }
    }

    #[test]
    fn names_and_aliases_match_ignoring_case_and_spacing() {
        let v = view();
        for q in ["helena  VARGA", "varga", " Nordbank "] {
            assert!(
                matches!(find(&v, q), Answer::Found(e) if e.len() == 1),
                "{q}"
            );
        }
        let Answer::Found(e) = find(&v, "Varga") else {
            panic!()
        };
        let r = report(&v, e[0]);
        assert_eq!(r.relations[0].other.name, "Nordbank");
        assert_eq!(r.relations[0].direction, "out");
        let text = to_text(&r);
        assert!(
            text.contains("Helena Varga -[Work_For 0.90]-> Nordbank"),
            "{text}"
        );
        assert!(text.contains("a.pdf p.1: \"Helena Varga works for Nordbank.\""));
        let r = report(&v, &v.entities[1]);
        assert_eq!(r.relations[0].direction, "in");
    }

    #[test]
    fn no_match_offers_the_closest_names() {
        let v = view();
        let Answer::NotFound(s) = find(&v, "Helena Vargas") else {
            panic!("not an exact match")
        };
        assert_eq!(s[0].name, "Helena Varga");
        let Answer::NotFound(s) = find(&v, "Nordbank Group") else {
            panic!()
        };
        assert_eq!(s[0].name, "Nordbank", "containment counts");
        assert!(matches!(find(&v, "zzzz"), Answer::NotFound(s) if s.is_empty()));
    }
}
