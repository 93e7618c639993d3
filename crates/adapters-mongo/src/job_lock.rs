//! The `job_locks` collection: one lease document per job, so that exactly one replica runs the
//! retention and sync jobs at a time.

use std::time::Duration;

use async_trait::async_trait;
use bson::oid::ObjectId;
use bson::{Document, doc};
use chrono::{DateTime, TimeDelta, Utc};
use domain::ports::{JobLock, StoreError};
use mongodb::Collection;
use uuid::Uuid;

use crate::convert::bson_date;
use crate::error::{is_duplicate_key, store_error};

/// Name of the collection.
pub(crate) const COLLECTION: &str = "job_locks";

/// The namespace of the UUIDs (v5) that lease ids are derived from.
const LEASE_NAMESPACE: Uuid = Uuid::from_u128(0x6a0b_5c1e_4f7d_4c2a_9e3b_1d8f_7a6c_5e42);

/// The `_id` of a job's lease: derived from the job's name, so that the primary key itself lets a
/// job have only one lease on every server (CongoDB enforces no other unique index, and neither
/// it nor MongoDB's drivers accept a string `_id` everywhere). `name` keeps the readable name.
pub(crate) fn lease_id(job: &str) -> ObjectId {
    let uuid = Uuid::new_v5(&LEASE_NAMESPACE, job.as_bytes());
    let mut bytes = [0u8; 12];
    bytes.copy_from_slice(&uuid.as_bytes()[..12]);
    ObjectId::from_bytes(bytes)
}

/// The lease document a holder writes: `{_id, name, holder, acquiredAt, expiresAt}`.
pub(crate) fn lease(job: &str, holder: &str, now: DateTime<Utc>, until: DateTime<Utc>) -> Document {
    doc! {
        "_id": lease_id(job),
        "name": job,
        "holder": holder,
        "acquiredAt": bson_date(now),
        "expiresAt": bson_date(until),
    }
}

/// The filter of a lease that `holder` may take at `now`: expired, or already theirs.
pub(crate) fn takeable(job: &str, holder: &str, now: DateTime<Utc>) -> Document {
    doc! {
        "_id": lease_id(job),
        "$or": [{ "expiresAt": { "$lte": bson_date(now) } }, { "holder": holder }],
    }
}

/// [`JobLock`] on the `job_locks` collection.
#[derive(Debug, Clone)]
pub struct MongoJobLock {
    collection: Collection<Document>,
}

impl MongoJobLock {
    /// A lock on this database's `job_locks` collection.
    pub fn new(database: &mongodb::Database) -> Self {
        Self { collection: database.collection(COLLECTION) }
    }
}

#[async_trait]
impl JobLock for MongoJobLock {
    #[tracing::instrument(level = "debug", skip(self, now, lease_for))]
    async fn try_acquire(
        &self,
        job: &str,
        holder: &str,
        now: DateTime<Utc>,
        lease_for: Duration,
    ) -> Result<bool, StoreError> {
        let until = now
            + TimeDelta::from_std(lease_for)
                .map_err(|e| StoreError::Unexpected(anyhow::anyhow!("lease of {lease_for:?} is too long: {e}")))?;
        let mut taken = lease(job, holder, now, until);
        taken.remove("_id");
        // Take the lease if it exists and is free or ours...
        let renewed = self
            .collection
            .find_one_and_update(takeable(job, holder, now), doc! { "$set": taken })
            .projection(doc! { "_id": 1 })
            .await
            .map_err(|e| store_error(e, "taking a job lease"))?;
        if renewed.is_some() {
            return Ok(true);
        }
        // ...or create it. If it exists (held by another replica, or created by a concurrent
        // caller just now), its `_id` is taken and the insert fails: the lease is not ours.
        match self.collection.insert_one(lease(job, holder, now, until)).await {
            Ok(_) => Ok(true),
            Err(e) if is_duplicate_key(&e) => Ok(false),
            Err(e) => Err(store_error(e, "creating a job lease")),
        }
    }

    #[tracing::instrument(level = "debug", skip(self))]
    async fn release(&self, job: &str, holder: &str) -> Result<(), StoreError> {
        self.collection
            .delete_one(doc! { "_id": lease_id(job), "holder": holder })
            .await
            .map_err(|e| store_error(e, "releasing a job lease"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn each_job_has_its_own_stable_lease_id() {
        assert_eq!(lease_id("retention"), lease_id("retention"));
        assert_ne!(lease_id("retention"), lease_id("sync"));
        // Stable across releases: a changed derivation would let two versions hold one job.
        assert_eq!(lease_id("retention").to_hex(), "c916a01bdcf75e4681c8f793");
    }

    #[test]
    fn a_lease_document_names_its_job_holder_and_expiry() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 3, 0, 0).unwrap();
        let until = now + TimeDelta::minutes(15);
        assert_eq!(
            lease("retention", "replica-a", now, until),
            doc! {
                "_id": lease_id("retention"),
                "name": "retention",
                "holder": "replica-a",
                "acquiredAt": bson_date(now),
                "expiresAt": bson_date(until),
            }
        );
        assert_eq!(
            takeable("retention", "replica-a", now),
            doc! {
                "_id": lease_id("retention"),
                "$or": [{ "expiresAt": { "$lte": bson_date(now) } }, { "holder": "replica-a" }],
            }
        );
    }
}
