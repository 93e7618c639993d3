//! Retention: one run at any instant, for any window, archives exactly the active conversations idle
//! longer than the window and purges exactly those deleted before it; a replica without the lease
//! changes nothing.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use domain::conversation::ConversationStatus;
use domain::ports::{Clock, ConversationRetention, JobLock, StoreError};
use domain::services::retention::{RETENTION_JOB, RetentionOutcome, RetentionService};
use proptest::prelude::*;

use crate::support::instant;

/// A conversation as the clean-up sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Stored {
    status: ConversationStatus,
    last_message_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
}

/// A store that follows [`ConversationRetention`]'s documented rules.
#[derive(Default)]
struct Conversations(Mutex<Vec<Stored>>);

#[async_trait]
impl ConversationRetention for Conversations {
    async fn archive_idle(&self, idle_before: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut all = self.0.lock().unwrap();
        let mut n = 0;
        for c in all.iter_mut().filter(|c| c.status == ConversationStatus::Active && c.last_message_at < idle_before) {
            c.status = ConversationStatus::Archived;
            n += 1;
        }
        Ok(n)
    }

    async fn purge_deleted(&self, deleted_before: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut all = self.0.lock().unwrap();
        let before = all.len();
        all.retain(|c| !(c.status == ConversationStatus::Deleted && c.deleted_at.is_some_and(|d| d < deleted_before)));
        Ok(u64::try_from(before - all.len()).unwrap())
    }
}

/// A lease that one holder at a time may take.
#[derive(Default)]
struct Lease(Mutex<Option<(String, DateTime<Utc>)>>);

#[async_trait]
impl JobLock for Lease {
    async fn try_acquire(
        &self,
        job: &str,
        holder: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<bool, StoreError> {
        assert_eq!(job, RETENTION_JOB);
        let mut held = self.0.lock().unwrap();
        let free = held.as_ref().is_none_or(|(h, until)| h == holder || *until <= now);
        if free {
            *held = Some((holder.to_owned(), now + TimeDelta::from_std(lease).unwrap()));
        }
        Ok(free)
    }

    async fn release(&self, job: &str, holder: &str) -> Result<(), StoreError> {
        assert_eq!(job, RETENTION_JOB);
        let mut held = self.0.lock().unwrap();
        if held.as_ref().is_some_and(|(h, _)| h == holder) {
            *held = None;
        }
        Ok(())
    }
}

struct Stopped(DateTime<Utc>);

impl Clock for Stopped {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// A conversation around `now`: its last message up to 400 days before, or just after.
fn stored(now: DateTime<Utc>) -> impl Strategy<Value = Stored> {
    (
        prop::sample::select(vec![
            ConversationStatus::Active,
            ConversationStatus::Archived,
            ConversationStatus::Deleted,
        ]),
        -400_i64 * 86_400..3_600,
        -400_i64 * 86_400..3_600,
    )
        .prop_map(move |(status, idle, deleted)| {
            let last_message_at = now + TimeDelta::seconds(idle);
            let deleted_at = (status == ConversationStatus::Deleted).then(|| now + TimeDelta::seconds(deleted));
            Stored { status, last_message_at, deleted_at }
        })
}

fn scenario() -> impl Strategy<Value = (DateTime<Utc>, u32, Vec<Stored>)> {
    (instant(), 1_u32..=365).prop_flat_map(|(now, window)| {
        let now = now + TimeDelta::days(500); // room for the conversations' past
        // Conversations right at the cutoff too.
        let cutoff = now - TimeDelta::days(i64::from(window));
        let at_cutoff = prop::sample::select(vec![ConversationStatus::Active, ConversationStatus::Deleted]).prop_map(
            move |status| Stored {
                status,
                last_message_at: cutoff,
                deleted_at: (status == ConversationStatus::Deleted).then_some(cutoff),
            },
        );
        let conversations = prop::collection::vec(prop_oneof![4 => stored(now), 1 => at_cutoff], 0..30);
        (Just(now), Just(window), conversations)
    })
}

fn service(
    store: &Arc<Conversations>,
    lease: &Arc<Lease>,
    now: DateTime<Utc>,
    window: u32,
    holder: &str,
) -> RetentionService {
    RetentionService::new(store.clone(), lease.clone(), Arc::new(Stopped(now)), window, holder)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn a_run_archives_the_idle_and_purges_the_long_deleted((now, window, before) in scenario()) {
        let store = Arc::new(Conversations(Mutex::new(before.clone())));
        let lease = Arc::new(Lease::default());
        let outcome = futures::executor::block_on(service(&store, &lease, now, window, "a").run()).unwrap();
        let RetentionOutcome::Ran(report) = outcome else { panic!("the lease was free") };
        let cutoff = now - TimeDelta::days(i64::from(window));
        prop_assert_eq!(report.cutoff, cutoff);

        let expected: Vec<Stored> = before
            .iter()
            .filter(|c| !(c.status == ConversationStatus::Deleted && c.deleted_at.is_some_and(|d| now - d > TimeDelta::days(i64::from(window)))))
            .map(|c| {
                let idle = now - c.last_message_at > TimeDelta::days(i64::from(window));
                if c.status == ConversationStatus::Active && idle {
                    Stored { status: ConversationStatus::Archived, ..*c }
                } else {
                    *c
                }
            })
            .collect();
        let after = store.0.lock().unwrap().clone();
        prop_assert_eq!(&after, &expected);
        prop_assert_eq!(usize::try_from(report.purged).unwrap(), before.len() - after.len());
        let archived = before.iter().filter(|c| c.status == ConversationStatus::Active).count()
            - after.iter().filter(|c| c.status == ConversationStatus::Active).count();
        prop_assert_eq!(usize::try_from(report.archived).unwrap(), archived);
        prop_assert!(lease.0.lock().unwrap().is_none(), "the lease is given back");
    }

    #[test]
    fn a_replica_without_the_lease_changes_nothing((now, window, before) in scenario(), early in 0_i64..900) {
        let store = Arc::new(Conversations(Mutex::new(before.clone())));
        let lease = Arc::new(Lease::default());
        // Another replica took the lease a moment ago and has not given it back.
        let taken = futures::executor::block_on(lease.try_acquire(RETENTION_JOB, "other", now - TimeDelta::seconds(early), RetentionService::LEASE)).unwrap();
        prop_assert!(taken);
        let outcome = futures::executor::block_on(service(&store, &lease, now, window, "b").run()).unwrap();
        prop_assert_eq!(outcome, RetentionOutcome::Skipped);
        prop_assert_eq!(&*store.0.lock().unwrap(), &before);
    }

    #[test]
    fn a_second_run_changes_nothing_more((now, window, before) in scenario()) {
        let store = Arc::new(Conversations(Mutex::new(before)));
        let lease = Arc::new(Lease::default());
        let run = || futures::executor::block_on(service(&store, &lease, now, window, "a").run()).unwrap();
        let _ = run();
        let once = store.0.lock().unwrap().clone();
        let RetentionOutcome::Ran(again) = run() else { panic!("the lease was given back") };
        prop_assert_eq!((again.archived, again.purged), (0, 0));
        prop_assert_eq!(&*store.0.lock().unwrap(), &once);
    }
}
