#!/usr/bin/env bash
# The Python package (python/: docgraph's pipeline in-process through PyO3).
#
#   bash scripts/python.sh          # a wheel in target/wheels (maturin), installed into $PYTHON
#   bash scripts/python.sh --test   # its tests (pytest), part of scripts/test.sh
#
# The wheel is abi3 (CPython 3.8 onwards) and installs without a download:
#   pip install --no-index target/wheels/docgraph-*.whl
# It uses the models and model runtime of the docgraph command (found on PATH, as the command
# finds them), so install the command too (scripts/install.sh) or put target/release on PATH.
#
# --test does not build a wheel: maturin builds the extension alone, and alone it gets other
# features of shared dependencies and a second build of docgraph (minutes in CI). It tests the
# package as `cargo build --release` made it (the workspace builds python/ too), assembled
# under target/python, against the built command.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
# Build and test tools, pinned.
if [ "${1:-}" = "--test" ]; then
  want=("pytest==8.3.4" "networkx==3.4.2")
else
  want=("maturin==1.7.4")
fi
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

if [ "${1:-}" = "--test" ]; then
  package=target/python/docgraph
  rm -rf "$package"
  mkdir -p "$package"
  cp python/docgraph/*.py python/docgraph/*.pyi python/docgraph/py.typed "$package/"
  cp target/release/lib_native.so "$package/_native.abi3.so"
  # The tests run the package against the built command's models and model runtime.
  PYTHONPATH="$PWD/target/python" PATH="$PWD/target/release:$PATH" \
    "$python" -m pytest -q -p no:cacheprovider python/tests
  exit
fi

# A wheel for this machine (it links the system's libtesseract and leptonica): tagged linux,
# not repaired into a manylinux one.
rm -f target/wheels/docgraph-*.whl
"$python" -m maturin build --release --locked --quiet -m python/Cargo.toml -i "$python" \
  --compatibility linux --auditwheel skip -o target/wheels
wheel=$(ls target/wheels/docgraph-*.whl)
"$python" -m pip install -q --no-index --force-reinstall "$wheel"
echo "python: installed $wheel"
