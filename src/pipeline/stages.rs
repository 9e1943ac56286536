//! The plumbing of a run: a feeder, `lanes` concurrent workers and one sink, joined by bounded
//! channels, on a single-threaded async executor that owns them all.
//!
//! Bounded channels are what keep memory flat: when the sink is slow, the result channel
//! fills, lanes wait to hand over their result instead of taking new items, the job channel
//! fills and the feeder waits. At most about `3 × lanes + 2` items are between the feeder and
//! the sink at any time, whatever the number of items.

use std::future::Future;
use std::time::Duration;

/// How often [`drive`] calls its `tick`.
pub const TICK: Duration = Duration::from_millis(500);

/// Feeds `items` to `lanes` concurrent `work` futures and hands each result, with its item's
/// index, to `sink`, one at a time. `stop` is asked before each item is fed; once it says true,
/// no further items start (the ones already fed still finish). Returns when every task it
/// started has ended. `tick` is called every [`TICK`] while items are in flight (progress
/// inside long items).
pub fn drive<I, R, W, WF, S, SF>(
    items: impl IntoIterator<Item = I>,
    lanes: usize,
    stop: &dyn Fn() -> bool,
    tick: &dyn Fn(),
    work: W,
    mut sink: S,
) where
    W: Fn(usize, I) -> WF,
    WF: Future<Output = R>,
    S: FnMut(usize, R) -> SF,
    SF: Future,
{
    let lanes = lanes.max(1);
    let (job_tx, job_rx) = flume::bounded::<(usize, I)>(lanes);
    let (res_tx, res_rx) = flume::bounded::<(usize, R)>(lanes);
    let ex = smol::LocalExecutor::new();
    let work = &work;
    smol::block_on(ex.run(async {
        let feeder = ex.spawn(async move {
            let mut items = items.into_iter().enumerate();
            while !stop() {
                let Some(job) = items.next() else { break };
                if job_tx.send_async(job).await.is_err() {
                    break;
                }
            }
        });
        let lane_tasks: Vec<_> = (0..lanes)
            .map(|_| {
                let (jobs, results) = (job_rx.clone(), res_tx.clone());
                ex.spawn(async move {
                    while let Ok((i, item)) = jobs.recv_async().await {
                        let r = work(i, item).await;
                        if results.send_async((i, r)).await.is_err() {
                            break;
                        }
                    }
                })
            })
            .collect();
        drop((job_rx, res_tx));
        let ticker = ex.spawn(async move {
            loop {
                smol::Timer::after(TICK).await;
                tick();
            }
        });
        // The one writer: results arrive here in completion order.
        while let Ok((i, r)) = res_rx.recv_async().await {
            sink(i, r).await;
        }
        drop(ticker);
        feeder.await;
        for t in lane_tasks {
            t.await;
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn a_slow_sink_holds_the_producer_back() {
        let produced = Cell::new(0usize);
        let consumed = Cell::new(0usize);
        let max_ahead = Cell::new(0usize);
        let lanes = 2;
        let items = (0..200).inspect(|_| produced.set(produced.get() + 1));
        drive(
            items,
            lanes,
            &|| false,
            &|| {},
            |_, x: i32| async move {
                smol::future::yield_now().await;
                x * 2
            },
            |_, _r| {
                consumed.set(consumed.get() + 1);
                max_ahead.set(max_ahead.get().max(produced.get() - consumed.get()));
                smol::Timer::after(Duration::from_millis(1))
            },
        );
        assert_eq!(consumed.get(), 200);
        assert!(
            max_ahead.get() <= 3 * lanes + 2,
            "producer ran {} items ahead of the sink",
            max_ahead.get()
        );
    }

    #[test]
    fn every_result_arrives_once_with_its_index() {
        let mut seen = [0; 50];
        drive(
            0..50,
            3,
            &|| false,
            &|| {},
            |i, x: usize| async move { (i, x) },
            |i, (j, x)| {
                assert_eq!((i, j), (x, x));
                seen[i] += 1;
                std::future::ready(())
            },
        );
        assert!(seen.iter().all(|&n| n == 1));
    }

    #[test]
    fn tick_runs_while_long_items_are_in_flight() {
        let ticks = Cell::new(0usize);
        drive(
            0..2,
            2,
            &|| false,
            &|| ticks.set(ticks.get() + 1),
            |_, x: i32| async move {
                smol::Timer::after(TICK * 3).await;
                x
            },
            |_, _| std::future::ready(()),
        );
        assert!((2..=4).contains(&ticks.get()), "{} ticks", ticks.get());
    }

    #[test]
    fn stop_ends_feeding_but_started_items_finish() {
        let fed = Cell::new(0usize);
        let mut done = 0;
        drive(
            (0..100).inspect(|_| fed.set(fed.get() + 1)),
            2,
            &|| fed.get() >= 10,
            &|| {},
            |_, x: i32| async move { x },
            |_, _| {
                done += 1;
                std::future::ready(())
            },
        );
        assert_eq!(fed.get(), 10);
        assert_eq!(done, 10, "every item fed was processed and delivered");
    }
}
