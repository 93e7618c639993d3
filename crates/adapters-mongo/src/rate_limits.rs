//! The `rate_limits` collection: one counter per user, window kind and window start (decision 4),
//! shared by every replica and forgotten by a TTL index once its window has closed.

use std::future::IntoFuture;

use async_trait::async_trait;
use bson::{Document, doc};
use domain::ids::UserId;
use domain::ports::{RateLimitStore, RateWindow, StoreError};
use mongodb::Collection;
use mongodb::options::ReturnDocument;
use serde::Deserialize;

use crate::convert::{Count, bson_date, decode, user_oid};
use crate::error::{corrupt, retry_lost_upsert, store_error};

/// Name of the collection.
pub(crate) const COLLECTION: &str = "rate_limits";

/// What a hit reads back: the counter.
#[derive(Debug, Deserialize)]
struct CounterDoc {
    count: Count,
}

/// The key of a counter: `{userId, kind, windowStart}`.
pub(crate) fn counter_key(user: UserId, window: &RateWindow) -> Document {
    doc! { "userId": user_oid(user), "kind": window.kind, "windowStart": bson_date(window.starts_at) }
}

/// The update of a hit: one more, and when the counter may be forgotten (the TTL index's field).
pub(crate) fn hit_update(window: &RateWindow) -> Document {
    doc! { "$inc": { "count": 1_i64 }, "$setOnInsert": { "expiresAt": bson_date(window.ends_at) } }
}

/// [`RateLimitStore`] on the `rate_limits` collection.
#[derive(Debug, Clone)]
pub struct MongoRateLimitStore {
    collection: Collection<Document>,
}

impl MongoRateLimitStore {
    /// A store on this database's `rate_limits` collection.
    pub fn new(database: &mongodb::Database) -> Self {
        Self { collection: database.collection(COLLECTION) }
    }
}

#[async_trait]
impl RateLimitStore for MongoRateLimitStore {
    #[tracing::instrument(level = "debug", skip(self), fields(user_id = %user, kind = window.kind))]
    async fn hit(&self, user: UserId, window: &RateWindow) -> Result<u64, StoreError> {
        // The first hits of a window race to insert its counter; the unique index lets one win and
        // the others retry as an increment of the winner's counter.
        let counted = retry_lost_upsert(|| {
            self.collection
                .find_one_and_update(counter_key(user, window), hit_update(window))
                .upsert(true)
                .return_document(ReturnDocument::After)
                .projection(doc! { "_id": 0, "count": 1 })
                .into_future()
        })
        .await
        .map_err(|e| store_error(e, "counting a message for the rate limit"))?
        .ok_or_else(|| corrupt("rate-limit counter", "the upsert returned no document"))?;
        Ok(decode::<CounterDoc>(counted, "rate-limit counter")?.count.0)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    #[test]
    fn a_hit_increments_the_counter_of_its_window() {
        let user = UserId::parse("64b7f0c2a1b2c3d4e5f60718").unwrap();
        let starts_at = Utc.with_ymd_and_hms(2026, 11, 25, 10, 15, 0).unwrap();
        let window = RateWindow { kind: "minute", starts_at, ends_at: starts_at + chrono::TimeDelta::minutes(1) };
        assert_eq!(
            counter_key(user, &window),
            doc! { "userId": user_oid(user), "kind": "minute", "windowStart": bson_date(starts_at) }
        );
        assert_eq!(
            hit_update(&window),
            doc! {
                "$inc": { "count": 1_i64 },
                "$setOnInsert": { "expiresAt": bson_date(starts_at + chrono::TimeDelta::minutes(1)) },
            }
        );
    }
}
