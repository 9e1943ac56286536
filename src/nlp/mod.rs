//! Stage 3: sentences and named entities.
//!
//! - [`sentences`]: sentence splitting with character offsets;
//! - [`ner`]: the NER model pool;
//! - [`entities`]: entity spans from token labels, names normalised into merge keys;
//! - [`boundaries`]: span edges moved to whole names (head words, initials, particles);
//! - [`gazetteer`]: a list of known entities (`--entities`) found in one pass;
//! - [`kinds`]: what kind of text a sentence is (prose, reference, index, table, …);
//! - [`mentions`]: a document's mentions: batching through the pool, propagation, naming;
//! - [`coref`]: pronouns and descriptions resolved to the entities a document names.

pub(crate) mod boundaries;
pub(crate) mod coref;
pub(crate) mod entities;
pub(crate) mod gazetteer;
pub mod kinds;
pub(crate) mod mentions;
pub(crate) mod ner;
pub(crate) mod sentences;
