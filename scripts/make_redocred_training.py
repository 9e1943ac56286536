#!/usr/bin/env python3
"""Training data for the window model (src/relations/across.rs) from Re-DocRED (not part of
the README's two commands; CI does not train; scripts/train_relations.sh runs it).

    python3 scripts/make_redocred_training.py OUT [SHARED]

Writes OUT/conll04_train.json and OUT/conll04_dev.json in CoNLL04's JSON format (tokens, BILOU
tags, relations), which the training example reads. SHARED is ../shared by default.

Re-DocRED's 500 documents are split by position: every fifth (index 0, 5, 10, ...) is held
out for the figures (tests/it/documents.rs reads the same ones) and never written here; those with
index % 10 == 1 (50) are the development split that picks the epoch and threshold; the other
350 are trained on. Each window of 3 consecutive sentences (one starting at each sentence) is
one example: each entity's first mention in the window marked with its type (Re-DocRED's
PER/ORG/LOC/MISC; TIME and NUM left out), or, for an entity the window does not name but whose
relation it states, the first fitting pronoun or description ("he", "its", "the company");
and every relation of docgraph's five predicates (mapping in ../shared/data/redocred/README.md)
between the marked entities, whether or not the window states it: the model learns what a
stretch of text implies, as docgraph asks it.

Deterministic (no randomness): the same input gives the same files. The output holds Wikipedia
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


WINDOW = 3
DEV_EVERY = 10  # with index % DEV_EVERY == 1: the window model's development documents


def window_examples(doc):
    """One example per window of WINDOW sentences (stride 1): each entity's first mention in
    the window marked (or a pronoun or description for one the window does not name but
    states a relation of), and every relation of the document between the entities marked,
    background facts included: what the document implies, as the window model is asked."""
    types = [cluster_type(c) for c in doc["vertexSet"]]
    relations = document_relations(doc, types)
    sents = doc["sents"]
    for first in range(len(sents)):
        ids = list(range(first, min(first + WINDOW, len(sents))))
        if len(ids) < 2 and first > 0:
            continue
        offset = {}
        tokens = []
        for sid in ids:
            offset[sid] = len(tokens)
            tokens.extend(sents[sid])
        spans = {}
        taken = set()
        for ci, cluster in enumerate(doc["vertexSet"]):
            if types[ci] not in TAG:
                continue
            for m in sorted(cluster, key=lambda m: (m["sent_id"], m["pos"])):
                if m["sent_id"] not in offset:
                    continue
                s, e = (offset[m["sent_id"]] + m["pos"][0], offset[m["sent_id"]] + m["pos"][1])
                if any(k in taken for k in range(s, e)):
                    continue
                spans[ci] = (s, e)
                taken.update(range(s, e))
                break
        for h, t, _, evidence in relations:
            if not evidence & set(ids):
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
        yield tagged(tokens, spans, types, [(h, t, p) for h, t, p, _ in relations])


def tagged(tokens, spans, types, relations):
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
    rels = sorted({(index[h], index[t], p) for h, t, p in relations
                   if h in index and t in index})
    return {
        "tokens": tokens,
        "tags": tags,
        "relations": [{"head": h, "tail": t, "type": p} for h, t, p in rels],
    }


def windows_main(out, shared):
    """Writes OUT/conll04_train.json and OUT/conll04_dev.json (window examples)."""
    with open(os.path.join(shared, "data", "redocred", "dev_revised.json")) as f:
        docs = json.load(f)
    train = [ex for i, d in enumerate(docs)
             if i % HELD_OUT_EVERY and i % DEV_EVERY != 1 for ex in window_examples(d)]
    dev = [ex for i, d in enumerate(docs) if i % DEV_EVERY == 1 for ex in window_examples(d)]
    os.makedirs(out, exist_ok=True)
    for name, data in (("conll04_train.json", train), ("conll04_dev.json", dev)):
        with open(os.path.join(out, name), "w") as f:
            json.dump(data, f)
    print(f"{out}: {len(train)} training windows "
          f"({sum(len(ex['relations']) for ex in train)} relations), {len(dev)} development")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    shared = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared")
    windows_main(sys.argv[1], shared)


if __name__ == "__main__":
    main()
