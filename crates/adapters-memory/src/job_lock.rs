//! [`MemoryJobLock`]: leases that let one holder run a job at a time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use domain::ports::{JobLock, StoreError};

use crate::lock;

/// Who holds a job's lease and until when.
#[derive(Debug)]
struct Lease {
    holder: String,
    expires_at: DateTime<Utc>,
}

/// Job leases in memory, one per job name. A lease runs until `now + lease` exclusive: from its
/// expiry instant on, anyone may take it.
#[derive(Debug, Default)]
pub struct MemoryJobLock {
    leases: Mutex<HashMap<String, Lease>>,
}

impl MemoryJobLock {
    /// No lease held.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl JobLock for MemoryJobLock {
    async fn try_acquire(
        &self,
        job: &str,
        holder: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<bool, StoreError> {
        let mut leases = lock(&self.leases)?;
        let taken = leases.get(job).is_some_and(|l| l.holder != holder && l.expires_at > now);
        if taken {
            return Ok(false);
        }
        let length = TimeDelta::from_std(lease).unwrap_or(TimeDelta::MAX);
        let expires_at = now.checked_add_signed(length).unwrap_or(DateTime::<Utc>::MAX_UTC);
        leases.insert(job.to_owned(), Lease { holder: holder.to_owned(), expires_at });
        Ok(true)
    }

    async fn release(&self, job: &str, holder: &str) -> Result<(), StoreError> {
        let mut leases = lock(&self.leases)?;
        if leases.get(job).is_some_and(|l| l.holder == holder) {
            leases.remove(job);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[tokio::test]
    async fn an_enormous_lease_saturates_instead_of_failing() {
        let lock = MemoryJobLock::new();
        let now = Utc.with_ymd_and_hms(2099, 1, 1, 0, 0, 0).unwrap();
        assert!(lock.try_acquire("job", "a", now, Duration::MAX).await.unwrap());
        assert!(!lock.try_acquire("job", "b", now + TimeDelta::days(365 * 1000), Duration::ZERO).await.unwrap());
    }
}
