#!/usr/bin/env bash
# Builds libtesseract 5.3.0, the version Debian 12 ships, from Debian's copy of the upstream
# source with upstream's own build settings, into target/tesseract/lib. docgraph's executables
# look there first (RUNPATH $ORIGIN/../tesseract/lib, set in build.rs) and fall back to Debian's
# library when it is absent.
#
# Why: Debian's build (autotools, -O2, OpenMP, every helper exported from the shared library)
# spends much of Tesseract's time in small functions it cannot inline. The same source built
# this way OCRs the same pages about 1.25x faster with the same text (README, "Speed and memory").
# Nothing here is specific to the processor: no -march=native; Tesseract picks its SIMD code at
# run time, as Debian's build does.
#
# docgraph's own addition (scripts/tesseract/): AVX-512 forms of the LSTM's per-step loops (the
# gate non-linearities, the int8 quantisation of a time step), an AVX-512 VNNI integer matrix
# product, the max-pool step, and the convolution's neighbour walk without an index object and
# a call per neighbour; chosen at run time where the processor has the instructions,
# Tesseract's own code elsewhere. Each gives bit for bit what the code it replaces gives;
# check_simd.cpp, built and run here against the objects just compiled, confirms it, and the
# library is not installed if it does not.
# On the news corpus's 16 dense scans OCR takes about 1.7x less time, the text identical.
#
# Without Tesseract's legacy engine (DISABLED_LEGACY_ENGINE): docgraph reads with the LSTM only
# (Debian's eng.traineddata holds no legacy model, and docgraph asks for no orientation
# detection), and leaving the legacy code out takes the build from 133 s to 87 s on two cores
# (CPU 228 s to 146 s) with byte-identical results on the fixtures' and the news corpus's 23
# scanned pages. Language data with only a legacy model (Tesseract 3) cannot be read by this
# library: docgraph says so when it starts Tesseract.
#
# Idempotent (a stamp file names the version built) and best effort: scripts/build.sh runs it
# before the cargo build and carries on with Debian's library if this fails.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=5.3.0
SHA256=7e70870f8341e5ea228af2836ce79a36eefa11b01b56177b4a8997f330c014b8
TARBALL="tesseract_${VERSION}.orig.tar.gz"
URLS=(
  "http://deb.debian.org/debian/pool/main/t/tesseract/${TARBALL}"
  "https://snapshot.debian.org/archive/debian/20250520T000000Z/pool/main/t/tesseract/${TARBALL}"
)
OURS="$(pwd)/scripts/tesseract"
DEST="${CARGO_TARGET_DIR:-target}/tesseract/lib"
# Names the additions and settings too, so a library built before them is built again.
STAMP="$DEST/.built-${VERSION}-simd2-lstm"

if [ -f "$STAMP" ]; then
  echo "setup: libtesseract ${VERSION} already built in $DEST" >&2
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fetched=""
for url in "${URLS[@]}"; do
  if curl -fsSL --retry 2 -o "$work/$TARBALL" "$url"; then
    fetched="$url"
    break
  fi
done
[ -n "$fetched" ] || { echo "setup: could not fetch $TARBALL" >&2; exit 1; }
echo "$SHA256  $work/$TARBALL" | sha256sum -c --quiet -

echo "setup: building libtesseract ${VERSION} (a few minutes, once)" >&2
tar -xzf "$work/$TARBALL" -C "$work"
src="$work/tesseract-${VERSION}"
cp "$OURS/docgraph_simd.h" "$OURS/docgraph_simd.cpp" "$src/src/lstm/"
patch -s -p1 -d "$src" <"$OURS/docgraph-simd.patch"
cmake -S "$src" -B "$work/build" -Wno-dev \
  -DCMAKE_BUILD_TYPE=Release \
  -DBUILD_SHARED_LIBS=ON \
  -DBUILD_TRAINING_TOOLS=OFF -DBUILD_TESTS=OFF \
  -DGRAPHICS_DISABLED=ON -DDISABLE_ARCHIVE=ON -DDISABLE_CURL=ON \
  -DOPENMP_BUILD=OFF -DENABLE_LTO=OFF -DDISABLED_LEGACY_ENGINE=ON \
  -DCOMPILER_SUPPORTS_MARCH_NATIVE=OFF >"$work/cmake.log" 2>&1 ||
  { tail -20 "$work/cmake.log" >&2; exit 1; }
cmake --build "$work/build" --target libtesseract -j "$(nproc)" >"$work/build.log" 2>&1 ||
  { tail -20 "$work/build.log" >&2; exit 1; }

# The additions against Tesseract's own code, on this processor, with the objects just built.
objects="$work/build/CMakeFiles/libtesseract.dir/src/lstm"
g++ -O2 -std=gnu++17 -DHAVE_CONFIG_H -DNDEBUG -ffp-contract=off \
  -I"$work/build" -I"$work/build/include" -I"$src/include" \
  -I"$src/src/ccutil" -I"$src/src/ccstruct" -I"$src/src/lstm" -I"$src/src/arch" \
  "$OURS/check_simd.cpp" "$objects/docgraph_simd.cpp.o" "$objects/functions.cpp.o" \
  -L"$work/build" -ltesseract -Wl,-rpath,"$work/build" -o "$work/check_simd" ||
  { echo "setup: could not build the check of docgraph's Tesseract additions" >&2; exit 1; }
"$work/check_simd" >&2 ||
  { echo "setup: docgraph's Tesseract additions differ from Tesseract's own code; not installed" >&2; exit 1; }

# Into place atomically: the library under its Debian name (the name docgraph was linked
# against), then the stamp.
mkdir -p "$DEST"
cp "$work/build/libtesseract.so.${VERSION}" "$DEST/.libtesseract.so.5.tmp"
mv "$DEST/.libtesseract.so.5.tmp" "$DEST/libtesseract.so.5"
rm -f "$DEST"/.built-*
echo "$fetched" >"$STAMP"
echo "setup: libtesseract ${VERSION} built in $DEST" >&2
