#!/usr/bin/env bash
# Second command of the README (and what CI runs): install what is missing, build, and run the
# whole test suite against the real model and the real Tesseract.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --release --locked
