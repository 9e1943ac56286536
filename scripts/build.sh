#!/usr/bin/env bash
# What both README commands run before their job: the system packages (scripts/setup.sh), the
# faster libtesseract docgraph loads when present (scripts/build_tesseract.sh: a minute and a
# half on two cores, once) and docgraph (cargo, the release profile).
#
#   bash scripts/build.sh [--tests] [--all]
#
# --tests: also the packages only the tests need (passed on to setup.sh) and the whole
# workspace; --all: the whole workspace (docgraph-train, the Python extension); otherwise only
# the docgraph executable and its model runtime, what `docgraph ingest` needs.
#
# In this order, so that the machine's two cores are not idle while apt works: first the few
# packages libtesseract's build needs, then that build in the background while apt installs
# the rest (libtorch, clang: mostly unpacking) and cargo fetches the crates; then the cargo
# build, beside what is left of libtesseract's (both use both cores, so that part gains
# nothing, but none is lost: a clean clone with the packages present, 393 s for run.sh). If
# the libtesseract build fails, this says so and docgraph uses Debian's library (same text,
# slower OCR).
set -euo pipefail
cd "$(dirname "$0")/.."

setup_args=()
cargo_args=(-p docgraph -p docgraph-torch --lib --bin docgraph)
for arg in "$@"; do
  case "$arg" in
    --tests) setup_args+=(--tests); cargo_args=() ;;
    --all) cargo_args=() ;;
    *) echo "build: unknown option $arg (--tests, --all)" >&2; exit 2 ;;
  esac
done

target="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target"
bash scripts/setup.sh --tesseract-build
# In a process group of its own, so that it can be stopped whole: if anything below fails or
# the build is interrupted, the background build does not outlive this script.
setsid --wait bash scripts/build_tesseract.sh 2>"$target/tesseract-build.log" &
tesseract=$!
trap 'kill -- -"$tesseract" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
cargo fetch --locked >/dev/null 2>&1 &
fetch=$!
bash scripts/setup.sh "${setup_args[@]}"
wait "$fetch" || true # the build fetches what is still missing, and says why if it cannot
cargo build --release --locked "${cargo_args[@]}"
status=0
wait "$tesseract" || status=$?
trap - EXIT
cat "$target/tesseract-build.log" >&2
if [ "$status" -ne 0 ]; then
  echo "setup: building libtesseract failed; docgraph will use Debian's (same text, slower OCR)" >&2
fi
