//! A pool of engines that cannot be shared between threads (libtorch models, Tesseract).
//!
//! The pool has `size` slots. [`Pool::get`] hands out an idle engine if there is one, else
//! creates one in a new slot while fewer than `size` exist, else waits for one to come back; a
//! [`Lease`] puts its slot back when it drops, also while a panic unwinds. So engines are made
//! only as concurrency asks for them. An engine that a caller takes out of its lease and does
//! not put back (because it failed) leaves an empty slot, and the next caller to get that slot
//! creates a fresh engine. Engines are dropped with the pool, so their native resources are
//! freed when the pipeline is.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};

type Factory<T> = Box<dyn Fn() -> Result<T> + Send + Sync>;

/// `size` engines of type `T`, created by a factory on first use or by [`Pool::warm`].
pub(crate) struct Pool<T> {
    /// Slots not leased: an idle engine, or `None` for a slot whose engine must be made.
    tx: flume::Sender<Option<T>>,
    rx: flume::Receiver<Option<T>>,
    size: usize,
    /// Slots that exist (idle, empty or leased); grows to `size`.
    opened: AtomicUsize,
    /// Engines created so far (replacements included).
    started: AtomicUsize,
    /// Time spent creating them, nanoseconds.
    start_nanos: std::sync::atomic::AtomicU64,
    make: Factory<T>,
}

impl<T> std::fmt::Debug for Pool<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").field("size", &self.size).finish()
    }
}

impl<T: Send> Pool<T> {
    /// A pool of `size` (at least 1) empty slots; `make` creates an engine.
    pub fn new(size: usize, make: impl Fn() -> Result<T> + Send + Sync + 'static) -> Self {
        let size = size.max(1);
        let (tx, rx) = flume::bounded(size);
        Pool {
            tx,
            rx,
            size,
            opened: AtomicUsize::new(0),
            started: AtomicUsize::new(0),
            start_nanos: std::sync::atomic::AtomicU64::new(0),
            make: Box::new(make),
        }
    }

    /// A slot: an idle one if any, else a new empty one while fewer than `size` exist, else
    /// the next one given back.
    fn slot(&self) -> Result<Option<T>> {
        if let Ok(slot) = self.rx.try_recv() {
            return Ok(slot);
        }
        let mut n = self.opened.load(Ordering::Acquire);
        while n < self.size {
            match self
                .opened
                .compare_exchange(n, n + 1, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Ok(None),
                Err(now) => n = now,
            }
        }
        self.rx
            .recv()
            .map_err(|_| Error::Config("an engine pool was closed".into()))
    }

    /// Number of slots.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Engines created so far (none until one is needed).
    pub fn started(&self) -> usize {
        self.started.load(Ordering::Relaxed)
    }

    /// Time spent creating engines so far.
    pub fn start_time(&self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.start_nanos.load(Ordering::Relaxed))
    }

    fn make(&self) -> Result<T> {
        let t = std::time::Instant::now();
        let engine = (self.make)();
        self.start_nanos
            .fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        let engine = engine?;
        self.started.fetch_add(1, Ordering::Relaxed);
        Ok(engine)
    }

    /// Creates every missing engine now, in parallel, so that a broken setup fails here and
    /// the first documents do not pay for start-up. Waits for leased slots to come back.
    pub fn warm(&self) -> Result<()> {
        let mut slots: Vec<Option<T>> =
            (0..self.size).map(|_| self.slot()).collect::<Result<_>>()?;
        let made: Vec<Result<()>> = std::thread::scope(|s| {
            let handles: Vec<_> = slots
                .iter_mut()
                .filter(|slot| slot.is_none())
                .map(|slot| {
                    s.spawn(|| {
                        *slot = Some(self.make()?);
                        Ok(())
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| Err(Error::from_panic(p))))
                .collect()
        });
        for slot in slots {
            let _ = self.tx.send(slot);
        }
        made.into_iter().collect()
    }

    /// Takes an engine: an idle one, else a new one while the pool is not full, else the next
    /// one given back.
    pub fn get(&self) -> Result<Lease<'_, T>> {
        let mut lease = Lease {
            engine: self.slot()?,
            home: &self.tx,
        };
        if lease.engine.is_none() {
            lease.engine = Some(self.make()?);
        }
        Ok(lease)
    }
}

/// What the pipeline asks of any pool, whatever its engine: how many it holds, how many were
/// started and at what cost, and starting them all now.
pub(crate) trait Pooled {
    /// Number of slots.
    fn size(&self) -> usize;
    /// Engines created so far.
    fn started(&self) -> usize;
    /// Time spent creating them.
    fn start_time(&self) -> std::time::Duration;
    /// Creates every missing engine now.
    fn warm(&self) -> Result<()>;
}

impl<T: Send> Pooled for Pool<T> {
    fn size(&self) -> usize {
        Pool::size(self)
    }
    fn started(&self) -> usize {
        Pool::started(self)
    }
    fn start_time(&self) -> std::time::Duration {
        Pool::start_time(self)
    }
    fn warm(&self) -> Result<()> {
        Pool::warm(self)
    }
}

/// An engine taken from a [`Pool`]; its slot goes back when the lease drops.
pub(crate) struct Lease<'a, T> {
    engine: Option<T>,
    home: &'a flume::Sender<Option<T>>,
}

impl<T> Lease<'_, T> {
    /// Takes the engine out (for APIs that consume it); [`Lease::put`] gives it back. Not put
    /// back, the slot returns empty and the next user creates a new engine.
    pub fn take(&mut self) -> T {
        self.engine.take().expect("the lease holds its engine")
    }

    /// Puts an engine (back) into the lease.
    pub fn put(&mut self, engine: T) {
        self.engine = Some(engine);
    }
}

impl<T> Deref for Lease<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.engine.as_ref().expect("the lease holds its engine")
    }
}

impl<T> DerefMut for Lease<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.engine.as_mut().expect("the lease holds its engine")
    }
}

impl<T> Drop for Lease<'_, T> {
    fn drop(&mut self) {
        let _ = self.home.send(self.engine.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    fn counting_pool(size: usize) -> (Pool<usize>, Arc<AtomicUsize>) {
        let made = Arc::new(AtomicUsize::new(0));
        let m = made.clone();
        let pool = Pool::new(size, move || Ok(m.fetch_add(1, Ordering::SeqCst)));
        (pool, made)
    }

    #[test]
    fn engines_are_created_on_first_use_and_reused() {
        let (pool, made) = counting_pool(2);
        assert_eq!(made.load(Ordering::SeqCst), 0, "nothing made before use");
        for _ in 0..5 {
            let _ = *pool.get().unwrap();
        }
        assert_eq!(
            made.load(Ordering::SeqCst),
            1,
            "one engine serves sequential use"
        );
        pool.warm().unwrap();
        assert_eq!(made.load(Ordering::SeqCst), 2, "warm fills the other slot");
    }

    #[test]
    fn a_lease_goes_back_during_a_panic_and_a_taken_engine_is_replaced() {
        let (pool, made) = counting_pool(1);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _lease = pool.get().unwrap();
            panic!("stage failed");
        }));
        assert!(r.is_err());
        assert_eq!(*pool.get().unwrap(), 0, "the same engine came back");
        {
            let mut lease = pool.get().unwrap();
            let _broken = lease.take();
        }
        assert_eq!(
            *pool.get().unwrap(),
            1,
            "a new engine replaced the one not put back"
        );
        assert_eq!(made.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn no_more_than_size_engines_are_out_at_once() {
        let (pool, _) = counting_pool(2);
        let out = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    let _l = pool.get().unwrap();
                    let now = out.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    out.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        assert!(peak.load(Ordering::SeqCst) <= 2);
    }

    #[test]
    fn a_failing_factory_is_an_error_not_a_hang() {
        let pool: Pool<()> = Pool::new(1, || Err(Error::Model("no weights".into())));
        assert!(pool.warm().is_err());
        assert!(pool.get().is_err());
        assert!(pool.get().is_err(), "the slot came back after the failure");
    }
}
