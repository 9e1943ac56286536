//! One document's bounds while it is worked on: its stop flags, its own working time across
//! its parts, the time limit over that time, and a panic in a part becoming its error.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cancel::Stop;
use crate::discover::Discovered;
use crate::error::Error;
use crate::record::DocumentResult;

/// A document's stop flags, owned, for its parts on the pool.
#[derive(Clone)]
pub(super) struct Flags {
    /// The run's cancellation (Ctrl-C).
    pub run: Arc<AtomicBool>,
    /// Set when the document's time is up.
    pub doc: Arc<AtomicBool>,
}

impl Flags {
    pub fn stop(&self) -> Stop<'_> {
        Stop {
            run: &self.run,
            doc: &self.doc,
        }
    }
}

/// Waits for `finished` under `limit` of working time (what `spent` says: see
/// [`crate::clock::WorkClock`]). `None` when the limit passed first.
pub(super) async fn within_limit<T>(
    finished: impl std::future::Future<Output = T>,
    limit: Option<Duration>,
    spent: &dyn Fn() -> Duration,
) -> Option<T> {
    match limit {
        Some(limit) => {
            let timer = async {
                loop {
                    let left = limit.saturating_sub(spent());
                    if left.is_zero() {
                        return None;
                    }
                    smol::Timer::after(left).await;
                }
            };
            smol::future::or(async { Some(finished.await) }, timer).await
        }
        None => Some(finished.await),
    }
}

/// Runs part of a document's work so that a panic in any stage becomes that document's error
/// (the failed result, as `failed` makes it the part's outcome).
pub(super) fn guarded<R>(
    file: &Discovered,
    work: impl FnOnce() -> R,
    failed: impl FnOnce(DocumentResult) -> R,
) -> R {
    let started = Instant::now();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|p| {
        failed(DocumentResult::failed(
            &file.rel,
            file.size,
            &Error::from_panic(p),
            started.elapsed().as_secs_f64(),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::WorkClock;

    /// Work on another thread, as on the pool: parts of `busy` each, after waits of `queued`
    /// each (behind other documents, or for a model), the first `engine` of each part spent
    /// taking or starting an engine; under a limit of 250 ms.
    fn work(parts: &[(Duration, Duration)], engine: Duration) -> Option<&'static str> {
        let clock = Arc::new(WorkClock::default());
        let (tx, rx) = flume::bounded(1);
        let parts = parts.to_vec();
        let c = clock.clone();
        let worker = std::thread::spawn(move || {
            for (queued, busy) in parts {
                std::thread::sleep(queued);
                c.run(|| {
                    crate::clock::off_the_clock(|| std::thread::sleep(engine));
                    std::thread::sleep(busy.saturating_sub(engine));
                });
            }
            let _ = tx.send("done");
        });
        let r = smol::block_on(within_limit(
            async { rx.recv_async().await.unwrap() },
            Some(Duration::from_millis(250)),
            &|| clock.spent(),
        ));
        worker.join().unwrap();
        r
    }

    #[test]
    fn the_time_limit_counts_the_documents_own_work_not_its_waits() {
        let ms = Duration::from_millis;
        // Queued for 400 ms behind other work, then 50 ms of its own, under 250 ms: on time.
        assert_eq!(work(&[(ms(400), ms(50))], ms(0)), Some("done"));
        // Read in 150 ms, 300 ms waiting for the models, 50 ms of language stages: on time.
        assert_eq!(
            work(&[(ms(0), ms(150)), (ms(300), ms(50))], ms(0)),
            Some("done")
        );
        // 600 ms of its own under 250 ms: timed out.
        assert_eq!(work(&[(ms(0), ms(600))], ms(0)), None);
        // Two parts of 200 ms each: timed out in the second.
        assert_eq!(work(&[(ms(0), ms(200)), (ms(100), ms(200))], ms(0)), None);
        // 400 ms of which 300 ms starting a model, under 250 ms: on time.
        assert_eq!(work(&[(ms(0), ms(400))], ms(300)), Some("done"));
    }

    #[test]
    fn a_panic_in_a_stage_becomes_the_documents_error() {
        let file = Discovered {
            path: "x.pdf".into(),
            rel: "x.pdf".into(),
            size: 1,
        };
        let r = guarded(
            &file,
            || -> DocumentResult { panic!("glyph table out of range") },
            |failed| failed,
        );
        assert_eq!(r.report.status, crate::record::DocStatus::Failed);
        assert_eq!(r.report.error_kind, Some(crate::error::ErrorKind::Panic));
        assert!(r.report.error.unwrap().contains("glyph table out of range"));
    }
}
