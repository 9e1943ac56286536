#!/usr/bin/env bash
# Builds the Python package (python/: docgraph's pipeline in-process through PyO3) into a wheel
# in target/wheels with maturin and installs it into the Python found as $PYTHON (default
# python3). The wheel is abi3 (CPython 3.8 onwards) and needs nothing downloaded to install:
#   pip install --no-index target/wheels/docgraph-*.whl
# It uses the models and model runtime of the docgraph command (found on PATH, as the command
# finds them), so install the command too (scripts/install.sh) or put target/release on PATH.
#
#   bash scripts/python.sh          # build and install the wheel
#   bash scripts/python.sh --test   # and run its tests (pytest; part of scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
# Build and test tools, pinned.
want=("maturin==1.7.4")
[ "${1:-}" = "--test" ] && want+=("pytest==8.3.4" "networkx==3.4.2")
missing=()
for spec in "${want[@]}"; do
  have=$("$python" -m pip show "${spec%%==*}" 2>/dev/null | awk '/^Version:/ {print $2}' || true)
  [ "$have" = "${spec##*==}" ] || missing+=("$spec")
done
if ((${#missing[@]})); then
  echo "python: installing ${missing[*]}" >&2
  "$python" -m pip install -q "${missing[@]}"
fi
bash scripts/build.sh
rm -f target/wheels/docgraph-*.whl
# A wheel for this machine (it links the system's libtesseract and leptonica): tagged linux, not
# repaired into a manylinux one.
"$python" -m maturin build --release --locked --quiet -m python/Cargo.toml -i "$python" \
  --compatibility linux --auditwheel skip -o target/wheels
wheel=$(ls target/wheels/docgraph-*.whl)
"$python" -m pip install -q --no-index --force-reinstall "$wheel"
echo "python: installed $wheel"
if [ "${1:-}" = "--test" ]; then
  # The tests run the package against the built command's models and model runtime.
  PATH="$PWD/target/release:$PATH" "$python" -m pytest -q -p no:cacheprovider python/tests
fi
