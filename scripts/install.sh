#!/usr/bin/env bash
# Installs docgraph under a prefix: the binary (and docgraph-train, which `docgraph train`
# runs) in PREFIX/bin, its model runtime (and the libtesseract scripts/build_tesseract.sh
# built) in PREFIX/lib/docgraph, the models in PREFIX/share/docgraph/models, where the
# installed binary looks for them (or set DOCGRAPH_MODEL_DIR to the NER model folder; the
# relation model is its sibling folder).
#
#   bash scripts/install.sh [PREFIX]          # default: ~/.local
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="${1:-$HOME/.local}"
bash scripts/build.sh --all
# The executable and its model runtime (loaded from ../lib/docgraph beside bin/).
install -D -m 755 target/release/docgraph "$prefix/bin/docgraph"
install -D -m 755 target/release/docgraph-train "$prefix/bin/docgraph-train"
install -D -m 755 target/release/libdocgraph_torch.so "$prefix/lib/docgraph/libdocgraph_torch.so"
# The faster libtesseract build.sh built, if it did (the executable looks in ../lib/docgraph first).
if [ -f target/tesseract/lib/libtesseract.so.5 ]; then
  install -D -m 755 target/tesseract/lib/libtesseract.so.5 "$prefix/lib/docgraph/libtesseract.so.5"
fi
mkdir -p "$prefix/share/docgraph/models"
for m in models/*/; do
  name=$(basename "$m")
  rm -rf "$prefix/share/docgraph/models/$name.tmp"
  cp -r "$m" "$prefix/share/docgraph/models/$name.tmp"
  rm -rf "$prefix/share/docgraph/models/$name"
  mv "$prefix/share/docgraph/models/$name.tmp" "$prefix/share/docgraph/models/$name"
done
echo "installed: $prefix/bin/docgraph, its model runtime in $prefix/lib/docgraph, models in $prefix/share/docgraph/models"
case ":$PATH:" in *":$prefix/bin:"*) ;; *) echo "add $prefix/bin to PATH" ;; esac
