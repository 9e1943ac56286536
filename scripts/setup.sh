#!/usr/bin/env bash
# Installs the system packages docgraph builds and runs against (Debian 12), once; with
# --tests also what only the tests need (Chromium, for the test of the HTML explorer); with
# --slurm a one-node Slurm (scripts/slurm-check.sh); with --tesseract-build only what building
# libtesseract needs (scripts/build.sh installs that first, so the build runs while apt
# installs the rest).
# Idempotent: packages already present are not fetched again.
set -euo pipefail

# What scripts/build_tesseract.sh compiles libtesseract with (g++ and make are on the machine).
TESSERACT_BUILD=(curl ca-certificates cmake make g++ patch libleptonica-dev)
PKGS=(
  pkg-config libclang-dev            # bindgen for the tesseract/leptonica bindings
  libtesseract-dev libleptonica-dev tesseract-ocr-eng   # OCR
  libtorch-dev libopenblas0-pthread  # rust-bert's libtorch (1.13.1) and a fast BLAS
  "${TESSERACT_BUILD[@]}"
)
for arg in "$@"; do
  case "$arg" in
    --tests) PKGS+=(chromium) ;;     # headless, for the test of the HTML explorer
    --slurm) PKGS+=(slurm-wlm munge) ;; # a one-node Slurm for scripts/slurm-check.sh
    --tesseract-build) PKGS=("${TESSERACT_BUILD[@]}") ;;
    *) echo "setup: unknown option $arg (--tests, --slurm, --tesseract-build)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # Package lists this script refreshed within the hour are used as they are: scripts/build.sh
  # calls it twice within a minute, and a second update costs seconds for nothing.
  stamp="${TMPDIR:-/tmp}/docgraph-apt-updated"
  if [ -z "$(find "$stamp" -mmin -60 2>/dev/null)" ]; then
    $SUDO apt-get update -qq
    touch "$stamp"
  fi
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: system packages present" >&2
fi
