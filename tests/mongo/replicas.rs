//! Two API processes on one database: the rate limit is shared, and one replica at a time runs the
//! retention job.
//!
//! Each replica is its own `Application` with its own driver client and port, as two processes
//! would be; only the database is common.

use std::sync::{Arc, Mutex, PoisonError};

use api::Ports;
use async_trait::async_trait;
use black_box_tests::problem;
use chrono::{DateTime, TimeZone, Utc};
use domain::ports::{Clock, ConversationRetention, JobLock, StoreError, Stores};
use domain::services::retention::{RETENTION_JOB, RetentionOutcome, RetentionService};
use futures::future::join_all;
use reqwest::StatusCode;
use tokio::sync::oneshot;

use crate::support::{conversation, fresh_database, spawn_replica};

/// A clock stopped at one instant, so that the daily limit's day cannot end during a test (on the
/// wall clock, a test running across midnight UTC would see its count start again).
struct StoppedClock(DateTime<Utc>);

impl Clock for StoppedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// The ports with the clock stopped at 18:00 UTC, six hours before the daily window ends; both
/// replicas of a test get the same instant.
fn stopped_at_six_pm(ports: Ports) -> Ports {
    Ports { clock: Arc::new(StoppedClock(Utc.with_ymd_and_hms(2026, 11, 25, 18, 0, 0).unwrap())), ..ports }
}

#[tokio::test]
async fn two_replicas_share_the_rate_limit() {
    let database = fresh_database();
    let a = spawn_replica(&database, |c| c.rate_limit_per_day = 3, stopped_at_six_pm).await;
    let b = spawn_replica(&database, |c| c.rate_limit_per_day = 3, stopped_at_six_pm).await.with_users_of(&a);
    assert_ne!(a.address, b.address);
    let id = conversation(&a).await;

    a.ask(&id, "first, through A").await;
    b.ask(&id, "second, through B").await;
    a.ask(&id, "third, through A").await;

    for (replica, name) in [(&b, "B"), (&a, "A")] {
        let response = replica.post_message(&id, &format!("over the limit, through {name}")).await;
        let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
        let body = problem(response, StatusCode::TOO_MANY_REQUESTS).await;
        assert_eq!(body["type"], "urn:chatbot:problem:rate-limited");
        let retry_after: u64 = retry_after.expect("a 429 says when to retry").parse().unwrap();
        assert_eq!(retry_after, 6 * 3600, "until the day's window ends at midnight UTC");
    }

    // Each replica sees what the other stored, and nothing of the refused messages.
    for replica in [&a, &b] {
        let detail = replica.get_json(&format!("/v1/conversations/{id}")).await;
        assert_eq!(detail["conversation"]["messageCount"], 6);
        let questions: Vec<&str> = detail["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["role"] == "user")
            .map(|m| m["content"].as_str().unwrap())
            .collect();
        assert_eq!(questions, ["first, through A", "second, through B", "third, through A"]);
        assert_eq!(replica.get_json("/v1/me").await["totalMessages"], 6);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_posts_through_two_replicas_get_exactly_the_shared_limit() {
    const LIMIT: usize = 5;
    const POSTS: usize = 12;
    let database = fresh_database();
    let limit = u32::try_from(LIMIT).unwrap();
    let a = spawn_replica(&database, |c| c.rate_limit_per_day = limit, stopped_at_six_pm).await;
    let b = spawn_replica(&database, |c| c.rate_limit_per_day = limit, stopped_at_six_pm).await.with_users_of(&a);
    let id = conversation(&a).await;

    let posts = (0..POSTS).map(|i| {
        let replica = if i % 2 == 0 { &a } else { &b };
        let id = &id;
        async move { replica.post_message(id, &format!("message {i}")).await.status() }
    });
    let statuses = join_all(posts).await;
    let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((created, refused), (LIMIT, POSTS - LIMIT), "{statuses:?}");

    let detail = b.get_json(&format!("/v1/conversations/{id}")).await;
    assert_eq!(detail["conversation"]["messageCount"], 2 * LIMIT);
}

/// The retention lease as the replicas see it, shared by every replica of a test: who holds it
/// from the moment the store granted it until the holder asks to give it back. That window lies
/// inside the time the store really held the lease for them, so two holders at once in it means two
/// leases really overlapped (no false alarm, whatever the timing).
#[derive(Debug, Default)]
struct LeaseWatch {
    /// The replica holding the lease, if any.
    holder: Option<String>,
    /// How many times the lease was granted.
    grants: usize,
    /// Each time the lease was granted while another replica held it.
    overlaps: Vec<String>,
}

/// A [`JobLock`] that reports the retention lease to a [`LeaseWatch`].
struct WatchedLock {
    inner: Arc<dyn JobLock>,
    watch: Arc<Mutex<LeaseWatch>>,
}

#[async_trait]
impl JobLock for WatchedLock {
    async fn try_acquire(
        &self,
        job: &str,
        holder: &str,
        now: DateTime<Utc>,
        lease: std::time::Duration,
    ) -> Result<bool, StoreError> {
        let granted = self.inner.try_acquire(job, holder, now, lease).await?;
        if granted && job == RETENTION_JOB {
            let mut watch = self.watch.lock().unwrap_or_else(PoisonError::into_inner);
            watch.grants += 1;
            if let Some(current) = watch.holder.clone().filter(|current| current != holder) {
                watch.overlaps.push(format!("{holder} was granted the lease while {current} held it"));
            }
            watch.holder = Some(holder.to_owned());
        }
        Ok(granted)
    }

    async fn release(&self, job: &str, holder: &str) -> Result<(), StoreError> {
        if job == RETENTION_JOB {
            // Forgotten before the store frees it: from then on another replica may rightly take it.
            let mut watch = self.watch.lock().unwrap_or_else(PoisonError::into_inner);
            if watch.holder.as_deref() == Some(holder) {
                watch.holder = None;
            }
        }
        self.inner.release(job, holder).await
    }
}

/// Holds the first clean-up that reaches it until the test lets it go, and says when it got there.
struct GatedRetention {
    inner: Arc<dyn ConversationRetention>,
    reached: Mutex<Option<oneshot::Sender<()>>>,
    gate: Mutex<Option<oneshot::Receiver<()>>>,
}

#[async_trait]
impl ConversationRetention for GatedRetention {
    async fn archive_idle(&self, idle_before: DateTime<Utc>) -> Result<u64, StoreError> {
        self.hold().await;
        self.inner.archive_idle(idle_before).await
    }

    async fn purge_deleted(&self, deleted_before: DateTime<Utc>) -> Result<u64, StoreError> {
        self.hold().await;
        self.inner.purge_deleted(deleted_before).await
    }
}

impl GatedRetention {
    async fn hold(&self) {
        if let Some(reached) = self.reached.lock().unwrap_or_else(PoisonError::into_inner).take() {
            let _ = reached.send(());
        }
        let gate = self.gate.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(gate) = gate {
            let _ = gate.await;
        }
    }
}

/// The ports with the retention lease reported to `watch`.
fn watched(watch: &Arc<Mutex<LeaseWatch>>) -> impl FnOnce(Ports) -> Ports {
    let watch = watch.clone();
    move |ports| {
        let job_lock = Arc::new(WatchedLock { inner: ports.stores.job_lock.clone(), watch });
        Ports { stores: Stores { job_lock, ..ports.stores }, ..ports }
    }
}

fn ran(outcome: &RetentionOutcome) -> bool {
    matches!(outcome, RetentionOutcome::Ran(_))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_replica_runs_the_retention_job_at_a_time() {
    const ROUNDS: usize = 25;
    let database = fresh_database();
    let watch = Arc::new(Mutex::new(LeaseWatch::default()));
    let (reached_tx, reached_rx) = oneshot::channel();
    let (open_tx, open_rx) = oneshot::channel();
    let a = spawn_replica(
        &database,
        |_| {},
        |ports| {
            let gated = Arc::new(GatedRetention {
                inner: ports.stores.retention.clone(),
                reached: Mutex::new(Some(reached_tx)),
                gate: Mutex::new(Some(open_rx)),
            });
            watched(&watch)(Ports { stores: Stores { retention: gated, ..ports.stores }, ..ports })
        },
    )
    .await;
    let b = spawn_replica(&database, |_| {}, watched(&watch)).await;

    // The lease held as another replica would hold it: neither replica runs the job.
    let lock = &a.ports.stores.job_lock;
    assert!(lock.try_acquire(RETENTION_JOB, "replica-x", Utc::now(), RetentionService::LEASE).await.unwrap());
    assert_eq!(b.services.retention.run().await.unwrap(), RetentionOutcome::Skipped);
    assert_eq!(a.services.retention.run().await.unwrap(), RetentionOutcome::Skipped);
    lock.release(RETENTION_JOB, "replica-x").await.unwrap();

    // While replica A is in the middle of the clean-up, replica B skips it; once A is done, B runs.
    let running = tokio::spawn({
        let retention = a.services.retention.clone();
        async move { retention.run().await }
    });
    reached_rx.await.expect("replica A starts the clean-up");
    assert_eq!(b.services.retention.run().await.unwrap(), RetentionOutcome::Skipped);
    open_tx.send(()).unwrap();
    assert!(ran(&running.await.unwrap().unwrap()), "replica A ran the clean-up it started");
    assert!(ran(&b.services.retention.run().await.unwrap()), "the lease is free again");

    // Both replicas at once, many times: whatever the interleaving, a run happens in each round
    // (the lease is free when it starts) and no two leases overlap.
    let mut runs = 2; // replica A's and B's runs above
    for round in 0..ROUNDS {
        let (x, y) = tokio::join!(a.services.retention.run(), b.services.retention.run());
        let outcomes = [x.unwrap(), y.unwrap()];
        let ran_now = outcomes.iter().filter(|o| ran(o)).count();
        assert!(ran_now >= 1, "round {round}: the lease was free, yet no replica ran: {outcomes:?}");
        runs += ran_now;
    }
    let watch = watch.lock().unwrap_or_else(PoisonError::into_inner);
    assert!(watch.overlaps.is_empty(), "{:?}", watch.overlaps);
    assert_eq!(watch.grants, runs + 1, "every run (and replica-x) took the lease, and was seen doing so");
    assert_eq!(watch.holder, None, "every lease was given back");
}
