#!/usr/bin/env bash
# Installs docgraph under a prefix: the binary in PREFIX/bin, both models in
# PREFIX/share/docgraph/models, where the installed binary looks for them (or set
# DOCGRAPH_MODEL_DIR to the NER model folder; the relation model is its sibling folder).
#
#   bash scripts/install.sh [PREFIX]          # default: ~/.local
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="${1:-$HOME/.local}"
bash scripts/setup.sh
cargo install --locked --path . --root "$prefix"
mkdir -p "$prefix/share/docgraph/models"
for m in models/*/; do
  name=$(basename "$m")
  rm -rf "$prefix/share/docgraph/models/$name.tmp"
  cp -r "$m" "$prefix/share/docgraph/models/$name.tmp"
  rm -rf "$prefix/share/docgraph/models/$name"
  mv "$prefix/share/docgraph/models/$name.tmp" "$prefix/share/docgraph/models/$name"
done
echo "installed: $prefix/bin/docgraph, models in $prefix/share/docgraph/models"
case ":$PATH:" in *":$prefix/bin:"*) ;; *) echo "add $prefix/bin to PATH" ;; esac
