//! Stage 5a: one real-world entity, one node. Resolution runs over the whole run, after every
//! document's result is in (graph assembly's job), so the entities do not depend on the order
//! documents finished in, on sequential or parallel runs, on the cache, or on shards.
//!
//! Each document's mentions are first grouped by their key (the normalised name, with a lone
//! surname already linked to the one full name of that document); then groups of the same key
//! and type across documents are one entity. Further evidence joins entities, each a small
//! named [`Rule`], looked up through hash indexes so that cost stays near-linear in the number
//! of groups (blocking by key, never all pairs):
//!
//! - [`Rule::TypeMajority`]: a name seen with a rare type joins its usual type (at least three
//!   times the mentions); otherwise homonyms of different types stay apart;
//! - [`Rule::ShortForm`]: common short forms of countries and unions ("U.S.", "US",
//!   "United States");
//! - [`Rule::Acronym`]: a name in capitals joins the one name of the corpus whose initials it is
//!   ("IBM", "International Business Machines"), never when two names share the initials;
//! - [`Rule::NameInCorpus`]: a surname (or first name) alone joins the one full name of the
//!   corpus that ends (or starts) with it, never when two full names share it, nor when the
//!   corpus also uses the word as a name of another type (a homonym);
//! - [`Rule::Nationality`]: a nationality adjective ("French") joins the country it names
//!   ("France") when the corpus names it; the entity keeps the country's name and type.
//!
//! Each entity keeps its canonical name (the most frequent of its fullest forms), and every
//! name it was written as with a count and the rule that brought it in.

pub(crate) mod rules;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::nlp::entities::{display_name, entity_key, name_words};
use crate::record::{EntityType, Mention};
pub use rules::Rule;

/// A name an entity was written as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alias {
    /// The name (tidied surface form).
    pub name: String,
    /// Mentions written so.
    pub count: usize,
    /// Why the name belongs to the entity.
    pub rule: Rule,
}

/// An entity of the whole run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedEntity {
    /// The key of its canonical name.
    pub key: String,
    /// Canonical name.
    pub name: String,
    /// Type by majority of mentions.
    pub entity_type: EntityType,
    /// Every name it was written as, canonical first, then by count.
    pub aliases: Vec<Alias>,
    /// Mentions in all documents.
    pub mentions: usize,
    /// Documents that mention it.
    pub documents: usize,
    /// Every key that leads to it (for look-ups by name).
    pub keys: Vec<String>,
}

/// The entities of a run, and which entity each document's mention keys belong to.
#[derive(Debug, Clone, Default)]
pub struct Resolution {
    /// Entities in key order.
    pub entities: Vec<ResolvedEntity>,
    /// (document index, mention key) → entity index.
    pub local: HashMap<(usize, String), usize>,
}

/// Mentions of one key in one document.
struct Local {
    doc: usize,
    key: String,
    types: BTreeMap<EntityType, usize>,
    names: BTreeMap<String, usize>,
    /// Of `names`, those written for an entity of the list of entities (`Mention::listed`).
    listed: BTreeSet<String>,
    /// The list's name for the entity, when some mention is listed: the entity's name.
    list_name: Option<String>,
    mentions: usize,
}

impl Local {
    fn entity_type(&self) -> EntityType {
        majority(&self.types)
    }
}

/// The type with most mentions; ties go to the first in PER, ORG, LOC, MISC order.
fn majority(types: &BTreeMap<EntityType, usize>) -> EntityType {
    types
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(t, _)| *t)
        .expect("at least one mention")
}

/// Locals of one key and type across documents: the unit resolution joins.
struct Group {
    key: String,
    entity_type: EntityType,
    locals: Vec<usize>,
    mentions: usize,
    /// How it joined its entity (`Normalised` while it is its own root).
    rule: Rule,
}

/// Union-find over groups.
struct Forest {
    parent: Vec<usize>,
}

impl Forest {
    fn root(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }
}

/// Resolves the mentions of every document (documents in a stable order, e.g. by path).
pub fn resolve(documents: &[&[Mention]]) -> Resolution {
    let locals = locals(documents);
    let mut groups = groups(&locals);
    let mut forest = Forest {
        parent: (0..groups.len()).collect(),
    };
    // Owned keys: the joins below update the groups while this index is read.
    let by_key: BTreeMap<String, Vec<usize>> =
        groups
            .iter()
            .enumerate()
            .fold(BTreeMap::new(), |mut m, (i, g)| {
                m.entry(g.key.clone()).or_insert_with(Vec::new).push(i);
                m
            });
    let mut joins: Vec<(usize, usize, Rule)> = Vec::new();
    type_majority(&groups, &by_key, &mut joins);
    short_forms(&groups, &by_key, &mut joins);
    apply(&mut forest, &mut groups, &mut joins);
    acronyms(&groups, &locals, &mut forest, &mut joins);
    apply(&mut forest, &mut groups, &mut joins);
    names_in_corpus(&groups, &by_key, &mut forest, &mut joins);
    apply(&mut forest, &mut groups, &mut joins);
    nationalities(&groups, &by_key, &mut forest, &mut joins);
    apply(&mut forest, &mut groups, &mut joins);
    entities(&locals, &groups, &mut forest)
}

fn locals(documents: &[&[Mention]]) -> Vec<Local> {
    let mut out = Vec::new();
    for (doc, mentions) in documents.iter().enumerate() {
        let mut by_key: BTreeMap<&str, Local> = BTreeMap::new();
        for m in mentions.iter() {
            let l = by_key.entry(m.key.as_str()).or_insert_with(|| Local {
                doc,
                key: m.key.clone(),
                types: BTreeMap::new(),
                names: BTreeMap::new(),
                listed: BTreeSet::new(),
                list_name: None,
                mentions: 0,
            });
            *l.types.entry(m.entity_type).or_default() += 1;
            if m.listed {
                // Its aliases are what the pages write; its name is the list's.
                let written = display_name(&m.text);
                *l.names.entry(written.clone()).or_default() += 1;
                l.listed.insert(written);
                l.list_name.get_or_insert_with(|| m.name.clone());
            } else {
                *l.names.entry(m.name.clone()).or_default() += 1;
            }
            l.mentions += 1;
        }
        out.extend(by_key.into_values());
    }
    out
}

fn groups(locals: &[Local]) -> Vec<Group> {
    let mut by: BTreeMap<(&str, EntityType), Vec<usize>> = BTreeMap::new();
    for (i, l) in locals.iter().enumerate() {
        by.entry((l.key.as_str(), l.entity_type()))
            .or_default()
            .push(i);
    }
    by.into_iter()
        .map(|((key, entity_type), locals_of)| Group {
            key: key.to_string(),
            entity_type,
            mentions: locals_of.iter().map(|&i| locals[i].mentions).sum(),
            locals: locals_of,
            rule: Rule::Normalised,
        })
        .collect()
}

/// Carries out the joins found: the group with more mentions (then the smaller key) stays
/// the root. Both ends of a join record its rule unless they already have one (a name's rule
/// in the output is the one that links it, whichever name ends up canonical).
fn apply(forest: &mut Forest, groups: &mut [Group], joins: &mut Vec<(usize, usize, Rule)>) {
    for (a, b, rule) in joins.drain(..) {
        let (ra, rb) = (forest.root(a), forest.root(b));
        if ra == rb {
            continue;
        }
        let weight = |g: &Group| (g.mentions, std::cmp::Reverse(g.key.clone()));
        let (keep, join) = if weight(&groups[ra]) >= weight(&groups[rb]) {
            (ra, rb)
        } else {
            (rb, ra)
        };
        forest.parent[join] = keep;
        for end in [a, b] {
            if groups[end].rule == Rule::Normalised {
                groups[end].rule = rule;
            }
        }
        groups[keep].mentions += groups[join].mentions;
    }
}

/// The same key with different types: a type with at least three times the mentions of all
/// others together takes them in.
fn type_majority(
    groups: &[Group],
    by_key: &BTreeMap<String, Vec<usize>>,
    joins: &mut Vec<(usize, usize, Rule)>,
) {
    for ids in by_key.values().filter(|ids| ids.len() > 1) {
        let top = *ids
            .iter()
            .max_by_key(|&&i| (groups[i].mentions, std::cmp::Reverse(groups[i].entity_type)))
            .expect("non-empty");
        let rest: usize = ids
            .iter()
            .filter(|&&i| i != top)
            .map(|&i| groups[i].mentions)
            .sum();
        if groups[top].mentions >= 3 * rest {
            joins.extend(
                ids.iter()
                    .filter(|&&i| i != top)
                    .map(|&i| (top, i, Rule::TypeMajority)),
            );
        }
    }
}

/// Keys of one short-form group join, when their types are compatible.
fn short_forms(
    groups: &[Group],
    by_key: &BTreeMap<String, Vec<usize>>,
    joins: &mut Vec<(usize, usize, Rule)>,
) {
    let mut buckets: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (key, ids) in by_key {
        if let Some(canonical) = rules::short_form(key) {
            buckets.entry(canonical).or_default().extend(ids);
        }
    }
    for ids in buckets.values() {
        for (n, &a) in ids.iter().enumerate() {
            for &b in &ids[n + 1..] {
                if groups[a].key != groups[b].key
                    && rules::compatible_for_forms(groups[a].entity_type, groups[b].entity_type)
                {
                    joins.push((a, b, Rule::ShortForm));
                }
            }
        }
    }
}

/// A single-word key written in capitals joins the one multi-word entity whose initials it is,
/// when some document names both (where acronyms are introduced: "Sub-Saharan Africa (SSA)")
/// or the corpus agrees (their documents name another entity in common): an "SSA" in a
/// compiler paper is not the "Sub-Saharan Africa" of an unrelated report.
fn acronyms(
    groups: &[Group],
    locals: &[Local],
    forest: &mut Forest,
    joins: &mut Vec<(usize, usize, Rule)>,
) {
    let mut by_initials: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, g) in groups.iter().enumerate() {
        if let Some(ini) = rules::initials(&g.key) {
            by_initials.entry(ini).or_default().push(i);
        }
    }
    let mut by_doc: HashMap<usize, BTreeSet<&str>> = HashMap::new();
    for l in locals {
        by_doc.entry(l.doc).or_default().insert(l.key.as_str());
    }
    for (i, g) in groups.iter().enumerate() {
        if g.key.contains(' ') {
            continue;
        }
        let written_as_acronym = g
            .locals
            .iter()
            .any(|&l| locals[l].names.keys().any(|n| rules::looks_like_acronym(n)));
        if !written_as_acronym {
            continue;
        }
        let Some(candidates) = by_initials.get(&g.key) else {
            continue;
        };
        let docs =
            |g: &Group| -> BTreeSet<usize> { g.locals.iter().map(|&l| locals[l].doc).collect() };
        // The names the documents of a group mention, but `but` ones.
        let context = |g: &Group, but: [&str; 2]| -> BTreeSet<&str> {
            docs(g)
                .iter()
                .flat_map(|d| by_doc.get(d).into_iter().flatten().copied())
                .filter(|k| !but.contains(k))
                .collect()
        };
        let roots: BTreeSet<usize> = candidates
            .iter()
            .filter(|&&c| rules::compatible_for_forms(g.entity_type, groups[c].entity_type))
            .map(|&c| forest.root(c))
            .collect();
        // Named together in a document, or the corpus agrees: the acronym's documents and the
        // expansion's name some other entity in common (the same agency's city, its head).
        let together = candidates.iter().any(|&c| {
            let e = &groups[c];
            !docs(g).is_disjoint(&docs(e))
                || !context(g, [&g.key, &e.key]).is_disjoint(&context(e, [&g.key, &e.key]))
        });
        if roots.len() == 1 && together {
            joins.push((*roots.first().expect("one"), i, Rule::Acronym));
        }
    }
}

/// A person named by one word joins the one full name of the corpus ending with it (else
/// starting with it), when there is exactly one, and when the corpus never uses the word as a
/// name of another type (a book "Emma" beside "Emma Watson", the country "Jordan" beside
/// "Eric Jordan"): such a homonym is left alone rather than merged into the wrong person.
fn names_in_corpus(
    groups: &[Group],
    by_key: &BTreeMap<String, Vec<usize>>,
    forest: &mut Forest,
    joins: &mut Vec<(usize, usize, Rule)>,
) {
    let mut by_last: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_first: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, g) in groups.iter().enumerate() {
        let words: Vec<&str> = g.key.split_whitespace().collect();
        if g.entity_type == EntityType::PER && words.len() >= 2 {
            by_last.entry(words[words.len() - 1]).or_default().push(i);
            by_first.entry(words[0]).or_default().push(i);
        }
    }
    for (i, g) in groups.iter().enumerate() {
        if g.entity_type != EntityType::PER || g.key.contains(' ') {
            continue;
        }
        let homonym = by_key.get(g.key.as_str()).is_some_and(|ids| {
            ids.iter()
                .any(|&o| groups[o].entity_type != EntityType::PER)
        });
        if homonym {
            continue;
        }
        let mut roots = |index: &HashMap<&str, Vec<usize>>| -> BTreeSet<usize> {
            index
                .get(g.key.as_str())
                .map(|c| c.iter().map(|&c| forest.root(c)).collect())
                .unwrap_or_default()
        };
        let last = roots(&by_last);
        let candidates = if last.is_empty() {
            roots(&by_first)
        } else {
            last
        };
        if candidates.len() == 1 {
            joins.push((*candidates.first().expect("one"), i, Rule::NameInCorpus));
        }
    }
}

/// A nationality adjective typed MISC ("French") joins the one country of the corpus it
/// names ("France", typed as a place or, as countries often are, an organisation).
fn nationalities(
    groups: &[Group],
    by_key: &BTreeMap<String, Vec<usize>>,
    forest: &mut Forest,
    joins: &mut Vec<(usize, usize, Rule)>,
) {
    // Country keys, short forms folded ("us" and "united states" are one country).
    let mut countries: HashMap<&str, Vec<usize>> = HashMap::new();
    for (key, ids) in by_key {
        let folded = rules::short_form(key).unwrap_or(key.as_str());
        for &i in ids {
            if matches!(groups[i].entity_type, EntityType::LOC | EntityType::ORG) {
                countries.entry(folded).or_default().push(i);
            }
        }
    }
    for (i, g) in groups.iter().enumerate() {
        if g.entity_type != EntityType::MISC {
            continue;
        }
        let Some(candidates) = rules::nationality(&g.key).and_then(|c| countries.get(c)) else {
            continue;
        };
        let roots: BTreeSet<usize> = candidates.iter().map(|&c| forest.root(c)).collect();
        if roots.len() == 1 {
            joins.push((*roots.first().expect("one"), i, Rule::Nationality));
        }
    }
}

/// Whether a group came into its entity as a nationality adjective: its mentions count, but
/// not towards the entity's type and name (the country's).
fn adjectival(g: &Group) -> bool {
    g.entity_type == EntityType::MISC
        && g.rule == Rule::Nationality
        && rules::nationality(&g.key).is_some()
}

fn entities(locals: &[Local], groups: &[Group], forest: &mut Forest) -> Resolution {
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..groups.len() {
        members.entry(forest.root(i)).or_default().push(i);
    }
    let mut built: Vec<(ResolvedEntity, Vec<usize>)> = Vec::with_capacity(members.len());
    for ids in members.values() {
        let mut names: BTreeMap<&str, (usize, Rule)> = BTreeMap::new();
        let mut docs = BTreeSet::new();
        let mut keys = BTreeSet::new();
        let mut local_ids = Vec::new();
        // The names and types that decide the entity's own: all but nationality adjectives,
        // unless the entity has nothing else.
        let mut naming: BTreeMap<&str, usize> = BTreeMap::new();
        let mut naming_types: BTreeMap<EntityType, usize> = BTreeMap::new();
        let only_adjectives = ids.iter().all(|&g| adjectival(&groups[g]));
        for &g in ids {
            let group = &groups[g];
            let names_it = only_adjectives || !adjectival(group);
            keys.insert(group.key.clone());
            for &l in &group.locals {
                let local = &locals[l];
                docs.insert(local.doc);
                local_ids.push(l);
                if names_it {
                    for (t, n) in &local.types {
                        *naming_types.entry(*t).or_default() += n;
                    }
                }
                for (name, n) in &local.names {
                    // A name whose own key is not its group's came in by an in-document link.
                    let own = entity_key(name, group.entity_type);
                    let rule = if own == group.key {
                        group.rule
                    } else if local.listed.contains(name) {
                        Rule::Listed
                    } else {
                        Rule::NameInDocument
                    };
                    let e = names.entry(name.as_str()).or_insert((0, rule));
                    e.0 += n;
                    e.1 = e.1.min(rule);
                    if names_it {
                        *naming.entry(name.as_str()).or_default() += n;
                    }
                }
            }
        }
        let entity_type = majority(&naming_types);
        let most_words = naming
            .keys()
            .map(|n| name_words(n, entity_type))
            .max()
            .unwrap_or(0);
        // An entity of the list of entities is named as the list names it.
        let listed = local_ids.iter().find_map(|&l| locals[l].list_name.as_ref());
        let name = match listed {
            Some(listed) => listed.clone(),
            None => naming
                .iter()
                .filter(|(n, _)| name_words(n, entity_type) == most_words)
                .map(|(n, c)| (*n, *c))
                .reduce(|best, x| {
                    // A name without a title first ("John F. Kennedy", not "President …").
                    let plain = |n: &str| n.split_whitespace().count() == most_words;
                    match (plain(x.0), plain(best.0)) {
                        (true, false) => x,
                        (false, true) => best,
                        _ if rules::better_name(x, best) => x,
                        _ => best,
                    }
                })
                .map(|(n, _)| n.to_string())
                .expect("an entity has names"),
        };
        let key = entity_key(&name, entity_type);
        let mut aliases: Vec<Alias> = names
            .iter()
            .map(|(n, (count, rule))| Alias {
                name: n.to_string(),
                count: *count,
                rule: if entity_key(n, entity_type) == key {
                    Rule::Normalised
                } else {
                    *rule
                },
            })
            .collect();
        aliases.sort_by(|a, b| {
            (b.name == name, b.count, &a.name).cmp(&(a.name == name, a.count, &b.name))
        });
        keys.insert(key.clone());
        built.push((
            ResolvedEntity {
                key,
                name,
                entity_type,
                aliases,
                mentions: local_ids.iter().map(|&l| locals[l].mentions).sum(),
                documents: docs.len(),
                keys: keys.into_iter().collect(),
            },
            local_ids,
        ));
    }
    built.sort_by(|a, b| {
        (&a.0.key, a.0.entity_type, &a.0.name).cmp(&(&b.0.key, b.0.entity_type, &b.0.name))
    });
    let mut local = HashMap::new();
    let mut entities = Vec::with_capacity(built.len());
    for (i, (e, local_ids)) in built.into_iter().enumerate() {
        for l in local_ids {
            local.insert((locals[l].doc, locals[l].key.clone()), i);
        }
        entities.push(e);
    }
    Resolution { entities, local }
}

#[cfg(test)]
mod tests;
