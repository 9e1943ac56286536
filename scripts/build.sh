#!/usr/bin/env bash
# The build both README commands run: the faster libtesseract docgraph loads when present
# (scripts/build_tesseract.sh: about three minutes on two cores, once), then docgraph (cargo, the
# release profile). If the libtesseract build fails, this says so and docgraph uses Debian's
# library (same text, slower OCR). (Run beside the cargo build instead, the two took longer
# together on two cores: 1106 s against 958 s for the whole test command.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build_tesseract.sh ||
  echo "setup: building libtesseract failed; docgraph will use Debian's (same text, slower OCR)" >&2
cargo build --release --locked "$@"
