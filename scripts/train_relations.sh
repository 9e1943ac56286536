#!/usr/bin/env bash
# Trains the relation classifier shipped in models/relations-minilm-conll04 (not part of the
# README's two commands; CI does not train) with `docgraph train relations`, the command users
# train their own schema with. CPU only, fixed seed; prints dev P/R/F1 per predicate after
# every epoch and keeps the best epoch and threshold of each step (every epoch is run:
# --patience is lifted).
#
#   bash scripts/train_relations.sh            # the four steps below, about two and a half
#                                              # hours on 2 cores
#
# 1. pair:    one pass per candidate pair, entities marked inline, from the NER model's encoder
#             (4 epochs, learning rate 1e-4): the model the first releases shipped, here the
#             teacher of step 2;
# 2. packed:  the one-pass model (all pairs of a sentence in one pass, markers after the text),
#             from step 1's weights (6 epochs, 1e-4), trained on the gold labels and on step 1's
#             probabilities (half each, temperature 2);
# 3. markers: what ships: step 2's markers through their own layers over the NER model's text
#             states (crates/torch/src/encoder/markers.rs), so the sentence is encoded once, by
#             NER; each pair marked at its two entities' starts. From step 2's weights, taught by
#             step 2 (8 epochs, 1e-4, 0.8 of the loss from step 2's probabilities).
# 4. windows: the window model (relations between entities no sentence names together,
#             src/relations/across.rs), from step 2's weights, on windows of three sentences of
#             Re-DocRED's development split (scripts/make_redocred_training.py: 350 documents
#             trained on, 50 to pick the epoch, the 100 held out for tests/it/documents.rs never
#             seen), 3 epochs at 5e-5. Needs ../shared/data/redocred (or DOCGRAPH_REDOCRED=DIR).
#
# Each step writes its own folder under target/train-relations and is skipped when that folder
# already holds a model, so an interrupted run goes on from the last finished step.
# Data: ../shared/data/conll04 (or DOCGRAPH_CONLL04=DIR). Extra options go to every step.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${DOCGRAPH_CONLL04:-../shared/data/conll04}"
work=target/train-relations
bash scripts/setup.sh
cargo build --release --locked
mkdir -p "$work"

step() {
  local out="$1"
  shift
  if [[ -f "$out/docgraph.json" ]]; then
    echo "== $out: already trained, kept"
    return
  fi
  echo "== $out"
  # Training uses every core inside libtorch: lift the one-thread limits the pipeline runs with.
  env -u OMP_THREAD_LIMIT -u OPENBLAS_NUM_THREADS \
    ./target/release/docgraph train relations --data "$data" --out "$out" --patience 100 "$@" \
    2>&1 | tee "$out.log"
}

step "$work/pair" --input pair --base models/ner-minilm-l6-conll03 --epochs 4 --lr 1e-4 "$@"
step "$work/packed" --input packed --base "$work/pair" --teacher "$work/pair" \
  --epochs 6 --lr 1e-4 "$@"
step "$work/markers" --input packed-starts --base "$work/packed" --teacher "$work/packed" \
  --text-encoder models/ner-minilm-l6-conll03 --epochs 8 --lr 1e-4 --distill 0.8 "$@"
mkdir -p models/relations-minilm-conll04
cp "$work/markers"/{rust_model.ot,config.json,vocab.txt,docgraph.json} models/relations-minilm-conll04/
echo "models/relations-minilm-conll04: $(cat models/relations-minilm-conll04/docgraph.json | tr -d '\n ')"

redocred="${DOCGRAPH_REDOCRED:-../shared/data/redocred}"
python3 scripts/make_redocred_training.py "$work/windows-data" "$(dirname "$(dirname "$redocred")")"
step "$work/windows" --input packed --base "$work/packed" --epochs 3 --lr 5e-5 "$@" \
  --data "$work/windows-data"
mkdir -p models/relations-minilm-windows
cp "$work/windows"/{rust_model.ot,config.json,vocab.txt,docgraph.json} models/relations-minilm-windows/
echo "models/relations-minilm-windows: $(cat models/relations-minilm-windows/docgraph.json | tr -d '\n ')"
