//! The daily clean-up of conversations (decision 3).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::ports::{Clock, ConversationRetention, JobLock, StoreError};

/// Name of the retention job's lease in the [`JobLock`].
pub const RETENTION_JOB: &str = "retention";

/// What one run of the clean-up did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionReport {
    /// Conversations idle before this instant were archived; deleted before it, purged.
    pub cutoff: DateTime<Utc>,
    /// Active conversations archived.
    pub archived: u64,
    /// Deleted conversations purged.
    pub purged: u64,
}

/// Whether this replica ran the clean-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetentionOutcome {
    /// It ran and did this.
    Ran(RetentionReport),
    /// Another replica holds the lease.
    Skipped,
}

/// Archives idle conversations and purges deleted ones, on one replica at a time.
#[derive(Clone)]
pub struct RetentionService {
    retention: Arc<dyn ConversationRetention>,
    lock: Arc<dyn JobLock>,
    clock: Arc<dyn Clock>,
    window: TimeDelta,
    holder: String,
}

impl RetentionService {
    /// How long a replica may hold the lease: a run that crashes frees it after this.
    pub const LEASE: Duration = Duration::from_secs(15 * 60);

    /// A service keeping conversations for `window_days`, identifying this replica as `holder`.
    pub fn new(
        retention: Arc<dyn ConversationRetention>,
        lock: Arc<dyn JobLock>,
        clock: Arc<dyn Clock>,
        window_days: u32,
        holder: impl Into<String>,
    ) -> Self {
        Self { retention, lock, clock, window: TimeDelta::days(i64::from(window_days)), holder: holder.into() }
    }

    /// Runs the clean-up if no other replica is running it.
    ///
    /// # Errors
    /// [`StoreError`] when the lease or a write fails.
    #[tracing::instrument(skip(self), fields(holder = %self.holder))]
    pub async fn run(&self) -> Result<RetentionOutcome, StoreError> {
        let now = self.clock.now();
        if !self.lock.try_acquire(RETENTION_JOB, &self.holder, now, Self::LEASE).await? {
            tracing::info!("retention skipped: another replica holds the lease");
            return Ok(RetentionOutcome::Skipped);
        }
        let result = self.clean_up(now).await;
        // Free the lease even when the clean-up failed, so the next run need not wait for expiry. A
        // release that fails leaves the lease to expire: the work is done, and the run succeeded.
        if let Err(error) = self.lock.release(RETENTION_JOB, &self.holder).await {
            tracing::warn!(%error, "could not release the retention lease; it expires by itself");
        }
        let report = result?;
        tracing::info!(archived = report.archived, purged = report.purged, "retention ran");
        Ok(RetentionOutcome::Ran(report))
    }

    async fn clean_up(&self, now: DateTime<Utc>) -> Result<RetentionReport, StoreError> {
        let cutoff = now - self.window;
        let purged = self.retention.purge_deleted(cutoff).await?;
        let archived = self.retention.archive_idle(cutoff).await?;
        Ok(RetentionReport { cutoff, archived, purged })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{MockConversationRetention, MockJobLock};
    use crate::services::test_support::FixedClock;

    fn lock(granted: bool) -> MockJobLock {
        let mut lock = MockJobLock::new();
        lock.expect_try_acquire().returning(move |_, _, _, _| Ok(granted));
        lock.expect_release().times(usize::from(granted)).returning(|_, _| Ok(()));
        lock
    }

    #[tokio::test]
    async fn the_cutoff_is_the_window_before_now() {
        let clock = FixedClock::default();
        let expected = clock.0 - TimeDelta::days(90);
        let mut retention = MockConversationRetention::new();
        retention.expect_purge_deleted().withf(move |c| *c == expected).returning(|_| Ok(2));
        retention.expect_archive_idle().withf(move |c| *c == expected).returning(|_| Ok(5));
        let service = RetentionService::new(Arc::new(retention), Arc::new(lock(true)), Arc::new(clock), 90, "a");
        let outcome = service.run().await.unwrap();
        assert_eq!(outcome, RetentionOutcome::Ran(RetentionReport { cutoff: expected, archived: 5, purged: 2 }));
    }

    #[tokio::test]
    async fn a_replica_without_the_lease_does_nothing() {
        let retention = MockConversationRetention::new(); // any call would panic
        let service =
            RetentionService::new(Arc::new(retention), Arc::new(lock(false)), Arc::new(FixedClock::default()), 90, "b");
        assert_eq!(service.run().await.unwrap(), RetentionOutcome::Skipped);
    }

    #[tokio::test]
    async fn the_lease_is_released_when_the_clean_up_fails() {
        let mut retention = MockConversationRetention::new();
        retention.expect_purge_deleted().returning(|_| Err(StoreError::Unavailable("down".into())));
        let service =
            RetentionService::new(Arc::new(retention), Arc::new(lock(true)), Arc::new(FixedClock::default()), 90, "c");
        assert!(matches!(service.run().await, Err(StoreError::Unavailable(_))));
    }

    #[tokio::test]
    async fn a_run_whose_work_succeeded_succeeds_even_when_releasing_the_lease_fails() {
        let mut retention = MockConversationRetention::new();
        retention.expect_purge_deleted().returning(|_| Ok(1));
        retention.expect_archive_idle().returning(|_| Ok(3));
        let mut lock = MockJobLock::new();
        lock.expect_try_acquire().returning(|_, _, _, _| Ok(true));
        lock.expect_release()
            .times(1)
            .returning(|_, _| Err(StoreError::Unavailable("the primary stepped down".into())));
        let service =
            RetentionService::new(Arc::new(retention), Arc::new(lock), Arc::new(FixedClock::default()), 90, "d");
        assert!(matches!(
            service.run().await,
            Ok(RetentionOutcome::Ran(RetentionReport { archived: 3, purged: 1, .. }))
        ));
    }
}
