//! Lets docgraph's executables (and its tests and benches) find the libtesseract that
//! `scripts/build_tesseract.sh` builds, before Debian's: a RUNPATH relative to the executable,
//! for `target/<profile>/` and `target/<profile>/deps/` (the build at `target/tesseract/lib`)
//! and for an installed `bin/` (`lib/docgraph`, where `scripts/install.sh` copies it). Where
//! none of these holds it, the dynamic loader goes on to the system's library.

fn main() {
    println!(
        "cargo:rustc-link-arg=-Wl,-rpath,\
         $ORIGIN/../tesseract/lib:$ORIGIN/../../tesseract/lib:$ORIGIN/../lib/docgraph"
    );
    println!("cargo:rerun-if-changed=build.rs");
}
