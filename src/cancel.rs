//! Stopping work early: the run's cancellation flag and a document's own stop (its time limit).
//!
//! Stages check a [`Stop`] between pages and between model batches, so a cancelled or timed-out
//! document ends within one page or one batch.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::error::{Error, Result};

/// A flag that cancels a run: set it (from a signal handler, another thread, …) and the run
/// stops taking documents, stops the ones in flight at their next page or batch, and returns
/// what finished with `cancelled: true` in the report.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    /// A flag that is not set.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the flag.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    /// Is it set?
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
    /// The shared flag, for `signal_hook::flag::register`.
    pub fn as_arc(&self) -> Arc<AtomicBool> {
        self.0.clone()
    }
}

/// Flags that stop one document early: the run's and the document's own.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stop<'a> {
    /// Set on Ctrl-C.
    pub run: &'a AtomicBool,
    /// Set when the document's time is up.
    pub doc: &'a AtomicBool,
}

impl Stop<'_> {
    /// `Err(Cancelled)` once either flag is set.
    pub fn check(&self) -> Result<()> {
        if self.run.load(Ordering::Relaxed) || self.doc.load(Ordering::Relaxed) {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }
}
