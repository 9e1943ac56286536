//! Long-lived threads for parsing PDFs under a time limit (see `document::open`).
//!
//! Parsing runs off the worker thread so that a document can stop waiting for a parser that
//! never returns. The threads are kept between documents rather than started per document:
//! a thread's start is cheap, but not while the model runtime loads (`crate::runtime`): a new
//! thread registers its thread-local destructors with the C library, which waits while a
//! shared library's initialisers run, so every document started in that half second would
//! stall until libtorch was loaded. With threads started up front, parsing goes on meanwhile.
//!
//! Every job gets a thread of its own at once: a job takes an idle thread when there is one
//! (claimed by count, so two jobs never count on the same one) and starts a new thread
//! otherwise. A thread whose parse never returns is simply never idle again; nothing waits
//! behind it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::error::{Error, Result};

type Job = Box<dyn FnOnce() + Send>;

/// The pool of parse threads. Dropping it lets idle threads end.
pub(crate) struct Parsers {
    tx: flume::Sender<Job>,
    rx: flume::Receiver<Job>,
    /// Threads waiting for a job and not claimed by a caller.
    idle: Arc<AtomicUsize>,
    /// Threads started so far.
    started: AtomicUsize,
}

impl Parsers {
    /// A pool with `ready` threads started now.
    pub fn new(ready: usize) -> Result<Self> {
        let (tx, rx) = flume::unbounded();
        let parsers = Parsers {
            tx,
            rx,
            idle: Arc::new(AtomicUsize::new(0)),
            started: AtomicUsize::new(0),
        };
        for _ in 0..ready {
            // Counted idle before it starts, so that a job right after this finds it.
            parsers.idle.fetch_add(1, Ordering::AcqRel);
            parsers.spawn(None)?;
        }
        Ok(parsers)
    }

    /// Threads started so far.
    pub fn started(&self) -> usize {
        self.started.load(Ordering::Relaxed)
    }

    /// Threads idle (not claimed).
    fn idle(&self) -> usize {
        self.idle.load(Ordering::Acquire)
    }

    /// Runs `job` on a parse thread of its own, now.
    pub fn run(&self, job: impl FnOnce() + Send + 'static) -> Result<()> {
        let claimed = self
            .idle
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok();
        if claimed {
            // An idle thread is waiting (or about to) for exactly this job.
            self.tx
                .send(Box::new(job))
                .map_err(|_| Error::Config("the parse threads have ended".into()))
        } else {
            self.spawn(Some(Box::new(job)))
        }
    }

    /// Starts a thread that runs `first` (if any), then jobs from the queue while the pool
    /// lives.
    fn spawn(&self, first: Option<Job>) -> Result<()> {
        let rx = self.rx.clone();
        let idle = self.idle.clone();
        std::thread::Builder::new()
            .name("docgraph-parse".into())
            // Parsers of nested PDF structures recurse; give them room.
            .stack_size(16 << 20)
            .spawn(move || {
                if let Some(job) = first {
                    job();
                    idle.fetch_add(1, Ordering::AcqRel);
                }
                // Idle from here; the caller that claims this thread decrements `idle`.
                while let Ok(job) = rx.recv() {
                    job();
                    idle.fetch_add(1, Ordering::AcqRel);
                }
                // The pool is gone.
            })
            .map_err(|e| Error::io("a parse thread", e))?;
        self.started.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

impl std::fmt::Debug for Parsers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parsers")
            .field("started", &self.started())
            .field("idle", &self.idle())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn threads_are_reused_and_a_stuck_one_holds_nobody_up() {
        let parsers = Parsers::new(2).unwrap();
        assert_eq!(parsers.started(), 2);
        // One after another: the ready threads serve every job.
        for i in 0..10 {
            let (tx, rx) = flume::bounded(1);
            parsers.run(move || tx.send(i).unwrap()).unwrap();
            assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(i));
            // The thread counts itself idle just after its job's last act.
            let t = std::time::Instant::now();
            while parsers.idle() < 2 && t.elapsed() < Duration::from_secs(5) {
                std::thread::yield_now();
            }
        }
        assert_eq!(
            parsers.started(),
            2,
            "no thread started for sequential jobs"
        );
        // Two threads stuck: a third job still runs at once, on a new thread.
        let (release, stuck) = flume::bounded::<()>(0);
        for _ in 0..2 {
            let stuck = stuck.clone();
            parsers.run(move || _ = stuck.recv()).unwrap();
        }
        let (tx, rx) = flume::bounded(1);
        parsers.run(move || tx.send("ran").unwrap()).unwrap();
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok("ran"));
        assert_eq!(parsers.started(), 3);
        drop(release);
    }
}
