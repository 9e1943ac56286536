#!/usr/bin/env bash
# Installs the system packages docgraph builds and runs against (Debian 12), once, and builds
# the faster libtesseract docgraph uses when present (scripts/build_tesseract.sh).
# Idempotent: packages already present are not fetched again.
set -euo pipefail

PKGS=(
  pkg-config libclang-dev            # bindgen for the tesseract/leptonica bindings
  libtesseract-dev libleptonica-dev tesseract-ocr-eng   # OCR
  libtorch-dev libopenblas0-pthread  # rust-bert's libtorch (1.13.1) and a fast BLAS
  chromium                           # headless, for the test of the HTML explorer
  curl ca-certificates cmake make g++ patch # to build libtesseract (scripts/build_tesseract.sh)
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: system packages present" >&2
fi

# A faster build of the same libtesseract, used by docgraph when present (see the script).
bash "$(dirname "$0")/build_tesseract.sh" ||
  echo "setup: building libtesseract failed; docgraph will use Debian's (same text, slower OCR)" >&2
