#!/usr/bin/env python3
"""Training data for the relation model from CoNLL04 and Re-DocRED (not part of the README's
two commands; CI does not train).

    python3 scripts/make_redocred_training.py OUT [SHARED]

Writes OUT/conll04_train.json (CoNLL04's training split, then sentences of Re-DocRED's
training documents in the same format) and OUT/conll04_dev.json (CoNLL04's development split
unchanged, so the best epoch is still chosen on it). SHARED is ../shared by default.

Re-DocRED's documents are split by position: every fifth document (index 0, 5, 10, ...) is held
out for the figures (tests/documents.rs reads the same ones) and never written here. From the
others, each sentence becomes one example: its mentions (Re-DocRED's types PER/ORG/LOC/MISC,
TIME and NUM left out), and the relations of docgraph's five predicates (mapping in
../shared/data/redocred/README.md) whose evidence names this sentence. A sentence that refers to
an entity only through a pronoun or a description ("he", "its", "the company") gets that phrase
marked as the entity when the entity has such a relation here: that is how docgraph's document
stage hands the model a resolved reference (src/relations/coref.rs).

Deterministic (no randomness): the same input gives the same file. The output holds Wikipedia
text and stays out of the repository (write it under target/ or /tmp).
"""
import json
import os
import sys
from collections import Counter

HELD_OUT_EVERY = 5

# Wikidata property -> (predicate, read in reverse); "X" = OrgBased_In or Located_In by the
# head's type.
PROPERTIES = {
    "P108": ("Work_For", False), "P102": ("Work_For", False), "P488": ("Work_For", True),
    "P463": ("Work_For", False), "P241": ("Work_For", False), "P54": ("Work_For", False),
    "P159": ("OrgBased_In", False), "P740": ("OrgBased_In", False),
    "P194": ("OrgBased_In", True),
    "P551": ("Live_In", False), "P19": ("Live_In", False), "P27": ("Live_In", False),
    "P6": ("Live_In", True), "P35": ("Live_In", True), "P937": ("Live_In", False),
    "P131": ("X", False), "P17": ("X", False), "P150": ("Located_In", True),
    "P30": ("Located_In", False), "P706": ("Located_In", False), "P36": ("Located_In", True),
    "P1376": ("Located_In", False),
}
ARGUMENTS = {
    "Work_For": ("PER", "ORG"), "OrgBased_In": ("ORG", "LOC"),
    "Live_In": ("PER", "LOC"), "Located_In": ("LOC", "LOC"),
}
TAG = {"PER": "Peop", "ORG": "Org", "LOC": "Loc", "MISC": "Other"}
PRONOUNS = {
    "PER": {"he", "she", "his", "her", "him"},
    "ORG": {"it", "its", "they", "their"},
    "LOC": {"it", "its"},
}
DESCRIPTIONS = {
    "ORG": {"company", "firm", "corporation", "band", "group", "team", "club", "party",
            "university", "organization", "organisation", "agency", "school", "college"},
    "LOC": {"city", "town", "village", "county", "country", "state", "province", "region",
            "district", "river", "island", "municipality", "capital"},
}


def cluster_type(cluster):
    return Counter(m["type"] for m in cluster).most_common(1)[0][0]


def document_relations(doc, types):
    out = []
    for label in doc["labels"]:
        if label["r"] not in PROPERTIES:
            continue
        predicate, reverse = PROPERTIES[label["r"]]
        h, t = (label["t"], label["h"]) if reverse else (label["h"], label["t"])
        if predicate == "X":
            predicate = {"ORG": "OrgBased_In", "LOC": "Located_In"}.get(types[h])
            if predicate is None:
                continue
        if (types[h], types[t]) != ARGUMENTS[predicate]:
            continue
        out.append((h, t, predicate, set(label["evidence"])))
    return out


def reference(tokens, taken, cluster_ty):
    """The first pronoun or `the <description>` fitting the type, outside `taken`."""
    for i, tok in enumerate(tokens):
        if i in taken:
            continue
        low = tok.lower()
        if low in PRONOUNS.get(cluster_ty, ()):
            return (i, i + 1)
        if (low == "the" and i + 1 < len(tokens) and i + 1 not in taken
                and tokens[i + 1].lower() in DESCRIPTIONS.get(cluster_ty, ())):
            return (i, i + 2)
    return None


def examples(doc):
    types = [cluster_type(c) for c in doc["vertexSet"]]
    relations = document_relations(doc, types)
    for sid, tokens in enumerate(doc["sents"]):
        spans = {}  # cluster -> first span in this sentence
        taken = set()
        for ci, cluster in enumerate(doc["vertexSet"]):
            for m in sorted(cluster, key=lambda m: m["pos"]):
                if m["sent_id"] != sid or types[ci] not in TAG:
                    continue
                s, e = m["pos"]
                if any(k in taken for k in range(s, e)):
                    continue
                if ci not in spans:
                    spans[ci] = (s, e)
                taken.update(range(s, e))
        # Entities this sentence states a relation of without naming them: a reference.
        for h, t, _, evidence in relations:
            if sid not in evidence:
                continue
            for absent, present in ((h, t), (t, h)):
                if absent in spans or present not in spans:
                    continue
                span = reference(tokens, taken, types[absent])
                if span:
                    spans[absent] = span
                    taken.update(range(*span))
        if len(spans) < 2:
            continue
        order = sorted(spans, key=lambda c: spans[c])
        index = {c: i for i, c in enumerate(order)}
        tags = ["O"] * len(tokens)
        for c in order:
            s, e = spans[c]
            ty = TAG[types[c]]
            if e - s == 1:
                tags[s] = "U-" + ty
            else:
                tags[s] = "B-" + ty
                for k in range(s + 1, e - 1):
                    tags[k] = "I-" + ty
                tags[e - 1] = "L-" + ty
        rels = sorted({(index[h], index[t], p) for h, t, p, ev in relations
                       if sid in ev and h in index and t in index})
        yield {
            "tokens": tokens,
            "tags": tags,
            "relations": [{"head": h, "tail": t, "type": p} for h, t, p in rels],
        }


def main():
    out = sys.argv[1]
    shared = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__),
                                                                 "..", "..", "shared")
    with open(os.path.join(shared, "data", "redocred", "dev_revised.json")) as f:
        docs = json.load(f)
    conll = os.path.join(shared, "data", "conll04")
    with open(os.path.join(conll, "conll04_train.json")) as f:
        train = json.load(f)
    added = [ex for i, d in enumerate(docs) if i % HELD_OUT_EVERY for ex in examples(d)]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "conll04_train.json"), "w") as f:
        json.dump(train + added, f)
    with open(os.path.join(conll, "conll04_dev.json")) as f:
        dev = f.read()
    with open(os.path.join(out, "conll04_dev.json"), "w") as f:
        f.write(dev)
    related = sum(1 for ex in added if ex["relations"])
    print(f"{out}: {len(train)} CoNLL04 sentences + {len(added)} Re-DocRED sentences "
          f"({related} with relations, "
          f"{sum(len(ex['relations']) for ex in added)} relations)")


if __name__ == "__main__":
    main()
