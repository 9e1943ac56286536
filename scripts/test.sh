#!/usr/bin/env bash
# Second command of the README (and what CI runs): install what is missing, build, and run the
# whole test suite against the real model and the real Tesseract.
set -euo pipefail
cd "$(dirname "$0")/.."
# The packages and the build first (libtesseract's and docgraph's whole workspace): the tests
# load the model runtime (libdocgraph_torch.so) it makes, and check that the built libtesseract
# is the one loaded.
bash scripts/build.sh --tests
# Every test binary runs even after a failure, so one run shows every failing test; the Python
# package's tests run after them either way. `--tests`: unit and integration tests, not the
# examples' builds and doc tests (clippy --all-targets checks the examples), to keep CI short.
status=0
cargo test --release --locked --no-fail-fast --tests || status=$?
bash scripts/python.sh --test || status=$?
exit "$status"
