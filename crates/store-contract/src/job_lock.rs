//! Contracts of [`JobLock`](domain::ports::JobLock).

use std::sync::Arc;
use std::time::Duration;

use crate::fixtures::at;
use crate::{Stores, in_parallel};

/// Fifteen minutes, the retention job's lease.
const LEASE: Duration = Duration::from_secs(15 * 60);

/// A lease has one holder until it expires (at `now + lease`, from which instant anyone may take it);
/// the holder may renew it; leases of different jobs are independent.
pub async fn job_lock_has_one_holder_until_expiry(stores: Stores) {
    let acquire = |job: &'static str, holder: &'static str, minute| {
        let stores = stores.clone();
        async move { stores.job_lock.try_acquire(job, holder, at(minute), LEASE).await.unwrap() }
    };

    assert!(acquire("retention", "replica-a", 0).await);
    assert!(!acquire("retention", "replica-b", 1).await);
    assert!(acquire("retention", "replica-a", 5).await, "the holder renews until minute 20");
    assert!(!acquire("retention", "replica-b", 16).await, "the renewed lease still holds");
    assert!(!acquire("retention", "replica-c", 19).await);
    assert!(acquire("sync", "replica-b", 16).await, "another job has its own lease");
    assert!(acquire("retention", "replica-b", 20).await, "an expired lease is free");
    assert!(!acquire("retention", "replica-a", 21).await);
    assert!(!acquire("sync", "replica-a", 21).await);
}

/// Releasing frees the lease only when the caller holds it; releasing a free lease is harmless.
pub async fn releasing_frees_the_lease_only_for_its_holder(stores: Stores) {
    let lock = &stores.job_lock;
    lock.release("retention", "replica-a").await.unwrap();
    assert!(lock.try_acquire("retention", "replica-a", at(0), LEASE).await.unwrap());

    lock.release("retention", "replica-b").await.unwrap();
    assert!(!lock.try_acquire("retention", "replica-c", at(1), LEASE).await.unwrap());

    lock.release("retention", "replica-a").await.unwrap();
    assert!(lock.try_acquire("retention", "replica-c", at(2), LEASE).await.unwrap());
    assert!(!lock.try_acquire("retention", "replica-a", at(3), LEASE).await.unwrap());
}

/// Twenty replicas asking at once for a free lease: exactly one gets it, none fails.
pub async fn concurrent_acquires_grant_the_lease_once(stores: Stores) {
    let attempts = (0..20)
        .map(|n| {
            let lock = Arc::clone(&stores.job_lock);
            async move { lock.try_acquire("retention", &format!("replica-{n}"), at(0), LEASE).await.unwrap() }
        })
        .collect();
    let granted = in_parallel(attempts).await;
    assert_eq!(granted.iter().filter(|g| **g).count(), 1, "{granted:?}");
}
