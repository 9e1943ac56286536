//! Stage 3 and 4: sentences, named entities, relations.

pub mod entities;
pub mod ner;
pub mod relations;
pub mod sentences;

pub use entities::EntityType;
