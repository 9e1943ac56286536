//! A pool of engines that cannot be shared between threads (libtorch models, Tesseract).
//!
//! The pool has `size` slots. [`Pool::get`] hands out an idle engine if there is one, else
//! creates one in a new slot while fewer than `size` exist, else waits for one to come back; a
//! [`Lease`] puts its slot back when it drops, also while a panic unwinds. So engines are made
//! only as concurrency asks for them. An engine that a caller takes out of its lease and does
//! not put back (because it failed) leaves an empty slot, and the next caller to get that slot
//! creates a fresh engine. Engines are dropped with the pool, so their native resources are
//! freed when the pipeline is.
//!
//! [`Pool::prestart`] starts the first engine on a thread of its own, so that a caller who
//! knows an engine will be needed soon (a document that missed the cache) gets it loaded
//! while it reads pages.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

type Factory<T> = Box<dyn Fn() -> Result<T> + Send + Sync>;

/// What the pool shares with the thread of [`Pool::prestart`].
struct Shared<T> {
    /// Slots not leased: an idle engine, or `None` for a slot whose engine must be made.
    tx: flume::Sender<Option<T>>,
    rx: flume::Receiver<Option<T>>,
    /// Engines created so far (replacements included).
    started: AtomicUsize,
    /// Time spent creating them, nanoseconds.
    start_nanos: AtomicU64,
    /// Set while [`Pool::prestart`]'s thread is creating the first engine.
    loading: AtomicBool,
    make: Factory<T>,
}

impl<T> Shared<T> {
    fn make(&self) -> Result<T> {
        let t = Instant::now();
        let engine = (self.make)();
        self.start_nanos
            .fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        let engine = engine?;
        self.started.fetch_add(1, Ordering::Relaxed);
        Ok(engine)
    }
}

/// `size` engines of type `T`, created by a factory on first use, by [`Pool::prestart`] or
/// by [`Pool::warm`].
pub(crate) struct Pool<T> {
    shared: Arc<Shared<T>>,
    size: usize,
    /// Slots that exist (idle, empty or leased); grows to `size`.
    opened: AtomicUsize,
    /// Set once [`Pool::prestart`] has run.
    prestarted: AtomicBool,
    /// Its thread, joined when the pool drops.
    prestarter: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl<T> std::fmt::Debug for Pool<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").field("size", &self.size).finish()
    }
}

impl<T> Drop for Pool<T> {
    fn drop(&mut self) {
        let handle = self.prestarter.get_mut().ok().and_then(|h| h.take());
        if let Some(h) = handle {
            let _ = h.join();
        }
    }
}

impl<T: Send + 'static> Pool<T> {
    /// A pool of `size` (at least 1) empty slots; `make` creates an engine.
    pub fn new(size: usize, make: impl Fn() -> Result<T> + Send + Sync + 'static) -> Self {
        let size = size.max(1);
        let (tx, rx) = flume::bounded(size);
        Pool {
            shared: Arc::new(Shared {
                tx,
                rx,
                started: AtomicUsize::new(0),
                start_nanos: AtomicU64::new(0),
                loading: AtomicBool::new(false),
                make: Box::new(make),
            }),
            size,
            opened: AtomicUsize::new(0),
            prestarted: AtomicBool::new(false),
            prestarter: Mutex::new(None),
        }
    }

    /// Opens a new (empty) slot if fewer than `size` exist.
    fn open_slot(&self) -> bool {
        let mut n = self.opened.load(Ordering::Acquire);
        while n < self.size {
            match self
                .opened
                .compare_exchange(n, n + 1, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return true,
                Err(now) => n = now,
            }
        }
        false
    }

    /// A slot: an idle one if any, else a new empty one while fewer than `size` exist, else
    /// the next one given back.
    fn slot(&self) -> Result<Option<T>> {
        if let Ok(slot) = self.shared.rx.try_recv() {
            return Ok(slot);
        }
        if self.open_slot() {
            return Ok(None);
        }
        self.shared
            .rx
            .recv()
            .map_err(|_| Error::Config("an engine pool was closed".into()))
    }

    /// Number of slots.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Engines created so far (none until one is needed).
    pub fn started(&self) -> usize {
        self.shared.started.load(Ordering::Relaxed)
    }

    /// Time spent creating engines so far (summed over the threads that made them).
    pub fn start_time(&self) -> Duration {
        Duration::from_nanos(self.shared.start_nanos.load(Ordering::Relaxed))
    }

    /// Whether [`Pool::prestart`]'s engine is still being created (a [`Pool::get`] now would
    /// wait for it, or for the model it shares).
    pub fn loading(&self) -> bool {
        self.shared.loading.load(Ordering::Acquire)
    }

    /// Starts the first engine on a thread of its own, once, unless one exists or the pool
    /// is full; returns at once. A failure is not reported here: the slot stays empty and
    /// the next [`Pool::get`] tries again and returns the error.
    pub fn prestart(&self) {
        if self.prestarted.swap(true, Ordering::AcqRel) || self.started() > 0 || !self.open_slot() {
            return;
        }
        let shared = self.shared.clone();
        self.shared.loading.store(true, Ordering::Release);
        let spawned = std::thread::Builder::new()
            .name("docgraph-engine-start".into())
            .spawn(move || {
                crate::threads::limit_openmp_here();
                let engine = shared.make().ok();
                // Cleared first: whoever sees it cleared and asks finds the slot or waits
                // the instant until it arrives.
                shared.loading.store(false, Ordering::Release);
                let _ = shared.tx.send(engine);
            });
        match spawned {
            Ok(handle) => {
                if let Ok(mut slot) = self.prestarter.lock() {
                    *slot = Some(handle);
                }
            }
            // No thread: the slot goes back empty, and the first user makes the engine.
            Err(_) => {
                self.shared.loading.store(false, Ordering::Release);
                let _ = self.shared.tx.send(None);
            }
        }
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
                        crate::threads::limit_openmp_here();
                        *slot = Some(self.shared.make()?);
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
            let _ = self.shared.tx.send(slot);
        }
        made.into_iter().collect()
    }

    /// Takes an engine: an idle one, else a new one while the pool is not full, else the next
    /// one given back.
    pub fn get(&self) -> Result<Lease<'_, T>> {
        // Waiting for an engine and starting one are not the caller's work: off a
        // document's clock (its time limit).
        crate::clock::off_the_clock(|| {
            let mut lease = Lease {
                engine: self.slot()?,
                home: &self.shared.tx,
            };
            if lease.engine.is_none() {
                lease.engine = Some(self.shared.make()?);
            }
            Ok(lease)
        })
    }
}

/// A factory for engines that share their read-only parts (model weights): the first call
/// runs `load`, every call returns `share` of that first engine. So a pool of `N` model
/// instances reads its weights from disk once and holds them in memory once.
pub(crate) fn sharing<T: Send>(
    load: impl Fn() -> Result<T> + Send + Sync,
    share: impl Fn(&T) -> Result<T> + Send + Sync,
) -> impl Fn() -> Result<T> + Send + Sync {
    let first: Mutex<Option<T>> = Mutex::new(None);
    move || {
        let mut first = first
            .lock()
            .map_err(|_| Error::Model("a model failed to load in another thread".into()))?;
        if first.is_none() {
            *first = Some(load()?);
        }
        share(first.as_ref().expect("loaded above"))
    }
}

/// A stage's busy time in one document: the processor time its steps took on the threads that
/// ran them, summed, each timed from when it holds its engine. Processor time, not wall time:
/// in a parallel run a thread waiting on a nested parallel step works on other documents
/// meanwhile, and a thread may wait for a core while another thread (a model loading in the
/// background) has it; neither is this stage's work. So a stage's rate per busy core means the
/// same in sequential and parallel runs. (Every engine runs its step on the calling thread:
/// one libtorch thread, OpenMP kept on the caller, see `crate::threads`.)
#[derive(Debug, Default)]
pub(crate) struct BusyTime(AtomicU64);

/// The calling thread's processor time so far.
fn thread_time() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec to write to; the clock exists on every Linux.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0;
    if ok {
        Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
    } else {
        Duration::ZERO
    }
}

impl BusyTime {
    /// Runs `f`, adding the processor time it took on this thread.
    pub fn time<R>(&self, f: impl FnOnce() -> R) -> R {
        let t = thread_time();
        let r = f();
        self.add(thread_time().saturating_sub(t));
        r
    }

    /// Adds time measured by the caller.
    pub fn add(&self, d: Duration) {
        self.0.fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
    }

    /// The time added so far.
    pub fn seconds(&self) -> f64 {
        Duration::from_nanos(self.0.load(Ordering::Relaxed)).as_secs_f64()
    }
}

/// What the pipeline asks of any pool, whatever its engine: how many it holds, how many were
/// started and at what cost, and starting them.
pub(crate) trait Pooled {
    /// Number of slots.
    fn size(&self) -> usize;
    /// Engines created so far.
    fn started(&self) -> usize;
    /// Time spent creating them.
    fn start_time(&self) -> Duration;
    /// Starts the first engine in the background.
    fn prestart(&self);
    /// Whether that first engine is still being created.
    fn loading(&self) -> bool;
    /// Creates every missing engine now.
    fn warm(&self) -> Result<()>;
}

impl<T: Send + 'static> Pooled for Pool<T> {
    fn size(&self) -> usize {
        Pool::size(self)
    }
    fn started(&self) -> usize {
        Pool::started(self)
    }
    fn start_time(&self) -> Duration {
        Pool::start_time(self)
    }
    fn prestart(&self) {
        Pool::prestart(self)
    }
    fn loading(&self) -> bool {
        Pool::loading(self)
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

    #[test]
    fn prestart_makes_one_engine_in_the_background_that_get_receives() {
        // The factory waits for the test's signal, so the engine is surely made on the
        // prestart thread and not by `get`.
        let (go, wait) = flume::bounded::<()>(1);
        let made_on = Arc::new(Mutex::new(Vec::new()));
        let m = made_on.clone();
        let pool = Pool::new(1, move || {
            wait.recv().ok();
            let name = std::thread::current().name().map(str::to_string);
            m.lock().unwrap().push(name);
            Ok(7usize)
        });
        pool.prestart();
        pool.prestart();
        assert_eq!(
            pool.started(),
            0,
            "prestart returns before the engine exists"
        );
        assert!(pool.loading(), "the engine is being made");
        go.send(()).unwrap();
        assert_eq!(
            *pool.get().unwrap(),
            7,
            "get waited for the prestarted engine"
        );
        assert_eq!(pool.started(), 1, "a second prestart made nothing");
        assert!(!pool.loading(), "made, and handed over");
        assert_eq!(
            *made_on.lock().unwrap(),
            vec![Some("docgraph-engine-start".to_string())]
        );
    }

    #[test]
    fn a_failed_prestart_leaves_the_error_to_the_next_get() {
        let tries = Arc::new(AtomicUsize::new(0));
        let t = tries.clone();
        let pool: Pool<()> = Pool::new(1, move || {
            t.fetch_add(1, Ordering::SeqCst);
            Err(Error::Model("no weights".into()))
        });
        pool.prestart();
        assert!(pool.get().is_err());
        assert!(!pool.loading(), "a failure ends the loading too");
        assert_eq!(tries.load(Ordering::SeqCst), 2, "get tried again");
    }

    #[test]
    fn busy_time_adds_up_work_across_threads_and_leaves_waiting_out() {
        /// 20 ms of this thread's processor time.
        fn work() {
            let start = thread_time();
            while thread_time() - start < Duration::from_millis(20) {
                std::hint::black_box(0u64);
            }
        }
        let busy = BusyTime::default();
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| busy.time(work));
            }
        });
        assert_eq!(busy.time(|| 5), 5);
        assert!(
            busy.seconds() >= 0.040,
            "both threads' time: {}",
            busy.seconds()
        );
        let waiting = BusyTime::default();
        waiting.time(|| std::thread::sleep(Duration::from_millis(50)));
        assert!(
            waiting.seconds() < 0.025,
            "a thread that waits is not busy: {}",
            waiting.seconds()
        );
    }

    #[test]
    fn a_sharing_factory_loads_once_and_shares_after() {
        let loads = Arc::new(AtomicUsize::new(0));
        let l = loads.clone();
        let make = sharing(
            move || Ok(Arc::new(l.fetch_add(1, Ordering::SeqCst))),
            |a| Ok(Arc::clone(a)),
        );
        let pool = Pool::new(3, make);
        pool.warm().unwrap();
        assert_eq!(pool.started(), 3);
        assert_eq!(loads.load(Ordering::SeqCst), 1, "weights were read once");
        let a = pool.get().unwrap();
        let b = pool.get().unwrap();
        assert!(Arc::ptr_eq(&a, &b), "instances share what was loaded");
    }
}
