//! docgraph's integration tests: one binary, so the whole stack is linked once and the real
//! pipeline run over the fixtures (`common::fixture_run`) is shared by every test that reads it.
//! Each module is one concern; run one with its name as a filter, e.g.
//!
//! ```text
//! cargo test --release --test it golden::
//! cargo test --release --test it documents:: -- --nocapture
//! ```

mod common;

mod cli;
mod documents;
mod entities;
mod explorer;
mod fixtures_pipeline;
mod golden;
mod orchestration;
mod relations;
mod resilience;
mod resolution;
mod schema;
mod sharding;
