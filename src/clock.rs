//! A document's working time: its parts on the workers, not the waits before and between them
//! (behind other documents, for a model to load) and not the time spent taking or starting an
//! engine inside them. Its time limit (`--doc-timeout`) is over this time, so a document is
//! never timed out for queueing or for loading a model, and gets no extra time for models that
//! other documents load meanwhile.
//!
//! A part runs under [`WorkClock::run`] on one thread; the pages and model batches it spreads
//! over the pool carry its clock with them ([`Carried`]). [`off_the_clock`], called by the
//! engine pools around taking and starting an engine, stops the clock of the document whose
//! work the calling thread is doing, for as long as any of its threads is in there.

use std::cell::RefCell;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// One document's working time so far.
#[derive(Debug, Default)]
pub(crate) struct WorkClock(Mutex<State>);

#[derive(Debug, Default)]
struct State {
    /// Time of the finished stretches.
    spent: Duration,
    /// Start of the stretch under way, if the clock runs.
    since: Option<Instant>,
    /// Parts of the document running (a part on a worker and its parse on a parse thread
    /// may overlap for an instant).
    running: u32,
    /// Threads of the document taking or starting an engine.
    off: u32,
}

impl State {
    /// Starts or stops the stretch as `running` and `off` say.
    fn update(&mut self) {
        match (self.running > 0 && self.off == 0, self.since) {
            (true, None) => self.since = Some(Instant::now()),
            (false, Some(t)) => {
                self.spent += t.elapsed();
                self.since = None;
            }
            _ => {}
        }
    }
}

thread_local! {
    /// The clock of the part running on this thread.
    static CURRENT: RefCell<Option<Arc<WorkClock>>> = const { RefCell::new(None) };
}

impl WorkClock {
    fn state(&self) -> MutexGuard<'_, State> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn set(&self, change: impl FnOnce(&mut State)) {
        let mut s = self.state();
        change(&mut s);
        s.update();
    }

    /// Working time so far, the stretch under way included.
    pub fn spent(&self) -> Duration {
        let s = self.state();
        s.spent + s.since.map_or(Duration::ZERO, |t| t.elapsed())
    }

    /// Runs `part` of the document on this thread with the clock running (but for what
    /// [`off_the_clock`] keeps off it).
    ///
    /// A thread waiting inside one document's part (a rayon join over its pages or batches)
    /// may pick up another document's part and run it there, nested: that time is the other
    /// document's work, so the clock of the part it interrupts stops meanwhile. (Without this,
    /// a document whose worker had taken up a document stuck in its parser was timed out with
    /// it.)
    pub fn run<R>(self: &Arc<Self>, part: impl FnOnce() -> R) -> R {
        /// Stops the clock, restarts the interrupted one and puts it back as the thread's,
        /// even on a panic.
        struct Running(Arc<WorkClock>, Option<Arc<WorkClock>>);
        impl Drop for Running {
            fn drop(&mut self) {
                self.0.set(|s| s.running -= 1);
                if let Some(outer) = self.1.as_ref().filter(|o| !Arc::ptr_eq(o, &self.0)) {
                    outer.set(|s| s.off -= 1);
                }
                CURRENT.with(|c| *c.borrow_mut() = self.1.take());
            }
        }
        let earlier = CURRENT.with(|c| c.borrow_mut().replace(self.clone()));
        if let Some(outer) = earlier.as_ref().filter(|o| !Arc::ptr_eq(o, self)) {
            outer.set(|s| s.off += 1);
        }
        self.set(|s| s.running += 1);
        let _running = Running(self.clone(), earlier);
        part()
    }
}

/// The clock of the work on this thread, carried to the threads that share the work: the pages
/// and model batches a part spreads over the pool.
#[derive(Clone, Default)]
pub(crate) struct Carried(Option<Arc<WorkClock>>);

impl Carried {
    /// The clock of the part running on this thread, if any.
    pub fn here() -> Self {
        Carried(CURRENT.with(|c| c.borrow().clone()))
    }

    /// Runs `f` (on whichever thread) as a part of the document of its own, with the clock
    /// running: for work the part hands to a thread outside the pool (its parse).
    pub fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.0 {
            Some(clock) => clock.run(f),
            None => f(),
        }
    }

    /// Runs `f` (on whichever thread) as work of that part.
    pub fn within<R>(&self, f: impl FnOnce() -> R) -> R {
        /// Puts back the thread's earlier clock, even on a panic.
        struct Restore(Option<Arc<WorkClock>>);
        impl Drop for Restore {
            fn drop(&mut self) {
                CURRENT.with(|c| *c.borrow_mut() = self.0.take());
            }
        }
        let earlier = CURRENT.with(|c| std::mem::replace(&mut *c.borrow_mut(), self.0.clone()));
        let _restore = Restore(earlier);
        f()
    }
}

/// Runs `f` with the clock of the part on this thread (if any) stopped: for taking an engine
/// from a pool and starting one, which are not the document's own work.
pub(crate) fn off_the_clock<R>(f: impl FnOnce() -> R) -> R {
    /// Back on the clock, even on a panic.
    struct Off(Option<Arc<WorkClock>>);
    impl Drop for Off {
        fn drop(&mut self) {
            if let Some(c) = &self.0 {
                c.set(|s| s.off -= 1);
            }
        }
    }
    let clock = CURRENT.with(|c| c.borrow().clone());
    if let Some(c) = &clock {
        c.set(|s| s.off += 1);
    }
    let _off = Off(clock);
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_time_is_off_the_clock_and_only_on_its_own_thread() {
        let ms = Duration::from_millis;
        let clock = Arc::new(WorkClock::default());
        clock.run(|| {
            std::thread::sleep(ms(30));
            off_the_clock(|| std::thread::sleep(ms(400)));
            // Another thread starting an engine does not stop this clock.
            std::thread::spawn(|| off_the_clock(|| std::thread::sleep(Duration::from_millis(1))))
                .join()
                .unwrap();
            std::thread::sleep(ms(30));
        });
        let spent = clock.spent();
        assert!(spent >= ms(60), "{spent:?}");
        assert!(spent < ms(400), "{spent:?}");
        // Stopped after the part: nothing more counts, and no clock is left on the thread.
        std::thread::sleep(ms(20));
        assert_eq!(clock.spent(), spent);
        assert!(CURRENT.with(|c| c.borrow().is_none()));
        // Outside any part, off_the_clock just runs its work.
        assert_eq!(off_the_clock(|| 7), 7);
    }

    #[test]
    fn work_spread_over_threads_carries_the_clock_and_starts_engines_off_it() {
        let ms = Duration::from_millis;
        let clock = Arc::new(WorkClock::default());
        clock.run(|| {
            let carried = Carried::here();
            std::thread::scope(|s| {
                // A helper thread starting an engine for this document: off its clock while
                // it does, even though this thread waits for it meanwhile.
                s.spawn(|| carried.within(|| off_the_clock(|| std::thread::sleep(ms(400)))));
            });
            std::thread::sleep(ms(30));
        });
        let spent = clock.spent();
        assert!(spent >= ms(30), "{spent:?}");
        assert!(spent < ms(400), "{spent:?}");
    }

    #[test]
    fn another_documents_part_run_nested_on_the_thread_is_off_the_interrupted_clock() {
        let ms = Duration::from_millis;
        let (outer, inner) = (
            Arc::new(WorkClock::default()),
            Arc::new(WorkClock::default()),
        );
        outer.run(|| {
            std::thread::sleep(ms(30));
            // As a rayon worker waiting in a join takes up another document's part.
            inner.run(|| std::thread::sleep(ms(400)));
            std::thread::sleep(ms(30));
        });
        let (o, i) = (outer.spent(), inner.spent());
        assert!(o >= ms(60) && o < ms(400), "{o:?}");
        assert!(i >= ms(400), "{i:?}");
        assert!(CURRENT.with(|c| c.borrow().is_none()));
    }

    #[test]
    fn a_panicking_part_leaves_its_clock_stopped() {
        let clock = Arc::new(WorkClock::default());
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            clock.run(|| off_the_clock(|| panic!("engine failed")))
        }));
        assert!(r.is_err());
        let spent = clock.spent();
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(clock.spent(), spent);
        assert!(CURRENT.with(|c| c.borrow().is_none()));
    }
}
