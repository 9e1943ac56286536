#!/usr/bin/env python3
"""The Python pipeline a user would write instead of docgraph, for side-by-side measurements.

Issue 12 compares docgraph with "PyMuPDF text, the tesseract command line on 300 dpi renders,
transformers token classification with the same NER weights, two processes". This script is
that peer, written here so the comparison can be repeated. It is never on docgraph's run path
and needs packages docgraph does not (a few GB with torch):

    python3 -m venv /tmp/peer
    /tmp/peer/bin/pip install torch==2.5.1 transformers==4.46.3 pymupdf==1.25.1
    /tmp/peer/bin/python scripts/python_peer.py convert models/ner-minilm-l6-conll03 /tmp/peer-ner
    python3 scripts/make_news_corpus.py /tmp/news40     # writes entities.json beside the PDFs
    time /tmp/peer/bin/python scripts/python_peer.py run /tmp/peer-ner /tmp/news40 /tmp/peer.json
    time docgraph ingest /tmp/news40 -o /tmp/dg
    python3 scripts/python_peer.py score /tmp/news40/entities.json /tmp/peer.json /tmp/dg

The peer is given what helps it: one torch thread and one Tesseract thread per process (two
processes on two cores, no oversubscription), the model loaded once per process, sentences
tagged in batches of 8.

`score` computes entity precision, recall and F1 per document over (normalised name, type)
pairs against the entities each document names by construction, the same for both tools.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time


def convert(rust_dir, out_dir):
    """Writes the rust-bert checkpoint in `rust_dir` as a transformers model folder."""
    import shutil

    import torch
    from transformers import BertConfig, BertForTokenClassification

    archive = torch.jit.load(os.path.join(rust_dir, "rust_model.ot"))
    state = {name.replace("|", "."): t for name, t in archive.state_dict().items()}
    config = BertConfig.from_json_file(os.path.join(rust_dir, "config.json"))
    model = BertForTokenClassification(config)
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith("position_ids")]
    unexpected = [u for u in unexpected if not u.startswith("bert.pooler.")]  # unused here
    if missing or unexpected:
        sys.exit(f"weights do not match: missing {missing[:5]}, unexpected {unexpected[:5]}")
    model.save_pretrained(out_dir)
    for name in ("vocab.txt", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(os.path.join(rust_dir, name), out_dir)
    print(f"converted {len(state)} tensors to {out_dir}")


_NLP = None


def _start_worker(model_dir):
    global _NLP
    import torch
    from transformers import pipeline

    torch.set_num_threads(1)
    _NLP = pipeline("token-classification", model=model_dir, aggregation_strategy="simple",
                    device=-1)


def _page_texts(path):
    import fitz

    texts, ocr = [], 0
    with fitz.open(path) as doc:
        for page in doc:
            text = page.get_text()
            if len(text.strip()) < 20:
                with tempfile.TemporaryDirectory() as tmp:
                    png = os.path.join(tmp, "page.png")
                    page.get_pixmap(dpi=300).save(png)
                    text = subprocess.run(["tesseract", png, "-", "-l", "eng"],
                                          capture_output=True, text=True,
                                          env=dict(os.environ, OMP_THREAD_LIMIT="1")).stdout
                ocr += 1
            texts.append(text)
    return texts, ocr


def _sentences(text):
    text = re.sub(r"-\n(?=[a-z])", "", text)
    text = re.sub(r"\s+", " ", text).strip()
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])", text) if s]


def _process(path):
    t = time.time()
    texts, ocr = _page_texts(path)
    read = time.time() - t
    sentences = [s for text in texts for s in _sentences(text)]
    found = set()
    if sentences:
        for groups in _NLP(sentences, batch_size=8):
            for g in groups:
                found.add((g["word"], g["entity_group"]))
    return path, sorted(found), len(texts), ocr, read, time.time() - t - read


def run(model_dir, folder, out, workers=2):
    from multiprocessing import Pool

    paths = sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs
                   if f.lower().endswith(".pdf"))
    t = time.time()
    with Pool(workers, initializer=_start_worker, initargs=(model_dir,)) as pool:
        results = pool.map(_process, paths, chunksize=1)
    docs = {os.path.relpath(r[0], folder): r[1] for r in results}
    with open(out, "w") as f:
        json.dump(docs, f, indent=1)
    pages = sum(r[2] for r in results)
    ocr = sum(r[3] for r in results)
    read = sum(r[4] for r in results)
    ner = sum(r[5] for r in results)
    print(f"{len(paths)} documents, {pages} pages ({ocr} OCR'd) in {time.time() - t:.2f} s "
          f"(workers' imports and model loading included); busy seconds summed over processes: text and OCR {read:.2f}, "
          f"NER {ner:.2f}; {sum(len(e) for e in docs.values())} entities -> {out}")


def normalise(name):
    words = re.sub(r"[.,]", "", name.lower()).replace("-", " ").split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def _found(path):
    """{document: {(name, type)}} from a peer JSON file or a docgraph output folder."""
    if os.path.isdir(path):
        docs = {}
        with open(os.path.join(path, "results.jsonl")) as f:
            next(f)
            for line in f:
                r = json.loads(line.split("\t", 1)[1])
                docs[r["report"]["path"]] = {(m["name"], m["type"]) for m in r["mentions"]}
        return docs
    with open(path) as f:
        return {doc: {tuple(e) for e in ents} for doc, ents in json.load(f).items()}


def score(truth_path, *found_paths):
    with open(truth_path) as f:
        truth = {doc: {(normalise(n), t) for n, t in ents} for doc, ents in json.load(f).items()}
    for path in found_paths:
        found = _found(path)
        tp = fp = fn = 0
        for doc, gold in truth.items():
            got = {(normalise(n), t) for n, t in found.get(doc, set())}
            tp += len(gold & got)
            fp += len(got - gold)
            fn += len(gold - got)
        p = tp / max(tp + fp, 1)
        r = tp / max(tp + fn, 1)
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(f"{path}: P {p:.4f} R {r:.4f} F1 {f1:.4f} ({tp} right, {fp} wrong, {fn} missed)")


if __name__ == "__main__":
    commands = {"convert": convert, "run": run, "score": score}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
