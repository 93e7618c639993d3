//! The background jobs run inside `serve`: the retention job at `RETENTION_SCHEDULE` (the `cron`
//! crate computes each next fire time; the domain's [`RetentionService`] takes the job lock, so
//! only one replica runs each occurrence), and the platforms' syncs on a tick (each replica claims
//! the connections due with leases, so the work spreads over the replicas).

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::services::retention::{RetentionOutcome, RetentionService};
use domain::services::sync::SyncService;
use tokio::sync::watch;

/// How long to wait from `now` until the schedule's next occurrence; `None` when it has none left.
pub fn delay_until_next(schedule: &cron::Schedule, now: DateTime<Utc>) -> Option<Duration> {
    let next = schedule.after(&now).next()?;
    Some((next - now).to_std().unwrap_or(Duration::ZERO))
}

/// Runs the clean-up at every occurrence of `schedule` until `stop` turns true (or its sender goes).
pub async fn run_retention_schedule(
    retention: RetentionService,
    schedule: cron::Schedule,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let Some(wait) = delay_until_next(&schedule, Utc::now()) else {
            tracing::warn!(schedule = %schedule.source(), "the retention schedule has no next occurrence; job stopped");
            return;
        };
        tracing::debug!(in_secs = wait.as_secs(), "next retention run scheduled");
        tokio::select! {
            () = tokio::time::sleep(wait) => {
                run_once(&retention).await;
            }
            // Only `true` is ever sent, and a dropped sender means the server is gone too.
            _ = stop.changed() => return,
        }
    }
}

/// Runs the clean-up once and logs what it did; a failure is logged and the schedule goes on.
pub async fn run_once(retention: &RetentionService) -> Option<RetentionOutcome> {
    match retention.run().await {
        Ok(outcome) => Some(outcome),
        Err(error) => {
            tracing::error!(error = %crate::error::error_chain(&error), "retention run failed");
            None
        }
    }
}

/// How often a replica looks for connections due: a minute, or the sync interval when shorter.
pub fn sync_tick(interval: Duration) -> Duration {
    interval.min(Duration::from_secs(60))
}

/// Claims and runs the connections due every `every` until `stop` turns true. Claims are leases in
/// the store, so any number of replicas can run this side by side; a failure is logged and the
/// next tick tries again.
pub async fn run_sync(sync: SyncService, every: Duration, mut stop: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => match sync.run_due().await {
                Ok(0) => {}
                Ok(count) => tracing::info!(count, "synced the connections due"),
                Err(error) => tracing::error!(error = %crate::error::error_chain(&error), "claiming the connections due failed"),
            },
            _ = stop.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use adapters_memory::MemoryJobLock;
    use adapters_system::SystemClock;
    use domain::ports::MockConversationRetention;

    use super::*;
    use crate::config::{DEFAULT_RETENTION_SCHEDULE, parse_schedule};

    #[tokio::test(start_paused = true)]
    async fn the_job_runs_the_clean_up_at_the_next_occurrence_and_stops_on_shutdown() {
        let (ran_tx, mut ran_rx) = tokio::sync::mpsc::unbounded_channel();
        let mut retention = MockConversationRetention::new();
        retention.expect_purge_deleted().returning(move |_| {
            ran_tx.send(()).unwrap();
            Ok(0)
        });
        retention.expect_archive_idle().returning(|_| Ok(0));
        let service =
            RetentionService::new(Arc::new(retention), Arc::new(MemoryJobLock::new()), Arc::new(SystemClock), 90, "t");
        let schedule = parse_schedule(DEFAULT_RETENTION_SCHEDULE).unwrap();
        let expected = delay_until_next(&schedule, Utc::now()).unwrap();
        let (stop_tx, stop_rx) = watch::channel(false);
        let started = tokio::time::Instant::now();
        let job = tokio::spawn(run_retention_schedule(service, schedule, stop_rx));

        // Tokio's clock is paused, so it jumps straight to the occurrence instead of waiting for it.
        ran_rx.recv().await.unwrap();
        let waited = started.elapsed();
        assert!(waited.abs_diff(expected) < Duration::from_secs(1), "waited {waited:?}, expected {expected:?}");

        stop_tx.send(true).unwrap();
        job.await.unwrap();
    }

    fn at(raw: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(raw).unwrap().to_utc()
    }

    #[test]
    fn the_default_schedule_fires_at_three_utc() {
        let schedule = parse_schedule(crate::config::DEFAULT_RETENTION_SCHEDULE).unwrap();
        assert_eq!(delay_until_next(&schedule, at("2026-11-25T02:00:00Z")), Some(Duration::from_secs(3600)));
        assert_eq!(delay_until_next(&schedule, at("2026-11-25T03:00:00Z")), Some(Duration::from_secs(24 * 3600)));
        assert_eq!(delay_until_next(&schedule, at("2026-11-25T04:00:00Z")), Some(Duration::from_secs(23 * 3600)));
    }

    #[test]
    fn a_schedule_in_the_past_has_no_next_run() {
        let schedule = parse_schedule("0 0 3 1 1 * 2020").unwrap();
        assert_eq!(delay_until_next(&schedule, at("2026-11-25T02:00:00Z")), None);
    }
}
