#!/usr/bin/env bash
# Trains the relation classifier shipped in models/relations-minilm-conll04 (not part of the
# README's two commands; CI does not train). CPU only, fixed seed; prints dev P/R/F1 per
# predicate after every epoch and keeps the best epoch and threshold.
#
#   bash scripts/train_relations.sh [--epochs N] [--lr X] [--batch N] [--seed N] [--threads N]
#
# Data: ../shared/data/conll04 (or DOCGRAPH_CONLL04=DIR). Base encoder: the shipped NER model.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${DOCGRAPH_CONLL04:-../shared/data/conll04}"
bash scripts/setup.sh
cargo build --release --locked -p docgraph-torch --example train_relations
# Training uses every core inside libtorch: lift the one-thread limits the pipeline runs with.
env -u OMP_THREAD_LIMIT -u OPENBLAS_NUM_THREADS \
  ./target/release/examples/train_relations \
  --data "$data" --base models/ner-minilm-l6-conll03 --out models/relations-minilm-conll04 "$@"
