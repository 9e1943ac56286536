//! Content digests: what the cache, the results file, shards and model fingerprints are keyed
//! by. Below every module that names a file by its contents.

use std::path::Path;

use sha2::{Digest, Sha256};

/// Hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What identifies a model folder for the cache: its configuration, card and weight size.
pub fn model_fingerprint(dir: &Path) -> String {
    let mut h = Sha256::new();
    for f in ["config.json", "docgraph.json"] {
        h.update(std::fs::read(dir.join(f)).unwrap_or_default());
    }
    let weights = std::fs::metadata(dir.join("rust_model.ot"))
        .map(|m| m.len())
        .unwrap_or(0);
    h.update(weights.to_le_bytes());
    sha256_hex(&h.finalize())
}
