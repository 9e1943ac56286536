#!/usr/bin/env bash
# Prints which top-level module of src/ imports which, and fails if modules import each other
# round a circle (between files, or between top-level modules). The check is the unit test
# `layering` (src/layering.rs), so the test command runs it too.
set -euo pipefail
cd "$(dirname "$0")/.."
DOCGRAPH_PRINT_IMPORTS=1 cargo test --release --locked --lib layering -- --nocapture --test-threads 1
