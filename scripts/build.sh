#!/usr/bin/env bash
# The build both README commands run: docgraph (cargo, the release profile) and, beside it, the
# faster libtesseract docgraph loads when present (scripts/build_tesseract.sh: about three
# minutes, once; cargo's build has long single-core stretches, which it fills). If the
# libtesseract build fails, this says so and docgraph uses Debian's library (same text, slower
# OCR).
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
bash scripts/build_tesseract.sh >"$log" 2>&1 &
ocr=$!
cargo build --release --locked "$@"
if wait "$ocr"; then
  cat "$log" >&2
else
  cat "$log" >&2
  echo "setup: building libtesseract failed; docgraph will use Debian's (same text, slower OCR)" >&2
fi
rm -f "$log"
