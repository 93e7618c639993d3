//! The `platform_snapshots` collection: dated figures per client, platform and date range
//! (decision 9), so that periods can be compared from stored data.

use std::future::IntoFuture;

use async_trait::async_trait;
use bson::oid::ObjectId;
use bson::{Document, doc};
use domain::ids::{ClientId, UserId};
use domain::platform::{DateRange, Platform, PlatformSnapshot};
use domain::ports::{SnapshotStore, StoreError};
use futures::TryStreamExt;
use mongodb::Collection;
use serde::{Deserialize, Serialize};

use crate::convert::{DateRangeDoc, bson_date, chrono_date, client_oid, decode, encode_document, user_oid};
use crate::error::{retry_lost_upsert, store_error};
use crate::figures::{data_document, parse_platform, platform_data};

/// Name of the collection.
pub(crate) const COLLECTION: &str = "platform_snapshots";

/// A snapshot document: its key (`userId`, `clientId`, `platform`, `dateRange`), the figures in
/// the same `data` shape as `demo_data`, and when they were fetched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SnapshotDoc {
    pub user_id: ObjectId,
    pub client_id: ObjectId,
    pub platform: String,
    pub date_range: DateRangeDoc,
    pub data: Document,
    pub fetched_at: bson::DateTime,
}

impl SnapshotDoc {
    /// The document a user's snapshot becomes.
    pub(crate) fn from_domain(user: UserId, snapshot: &PlatformSnapshot) -> Result<Self, StoreError> {
        Ok(Self {
            user_id: user_oid(user),
            client_id: client_oid(snapshot.client_id),
            platform: snapshot.data.platform().key().to_owned(),
            date_range: snapshot.range.into(),
            data: data_document(&snapshot.data)?,
            fetched_at: bson_date(snapshot.fetched_at),
        })
    }

    /// The snapshot this document holds.
    pub(crate) fn into_domain(self) -> Result<PlatformSnapshot, StoreError> {
        let what = format!("snapshot of client {} on {}", self.client_id.to_hex(), self.platform);
        let platform = parse_platform(&self.platform, what.clone())?;
        let range = self.date_range.into_domain(&what)?;
        Ok(PlatformSnapshot {
            client_id: ClientId::from_bytes(self.client_id.bytes()),
            range,
            data: platform_data(platform, self.data, what)?,
            fetched_at: chrono_date(self.fetched_at),
        })
    }
}

/// The key of one snapshot, owner included.
fn key(user: UserId, client: ClientId, platform: Platform, range: DateRange) -> Document {
    let range = DateRangeDoc::from(range);
    doc! {
        "userId": user_oid(user),
        "clientId": client_oid(client),
        "platform": platform.key(),
        "dateRange.start": range.start,
        "dateRange.end": range.end,
    }
}

/// [`SnapshotStore`] on the `platform_snapshots` collection.
#[derive(Debug, Clone)]
pub struct MongoSnapshotStore {
    collection: Collection<Document>,
}

impl MongoSnapshotStore {
    /// A store on this database's `platform_snapshots` collection.
    pub fn new(database: &mongodb::Database) -> Self {
        Self { collection: database.collection(COLLECTION) }
    }

    fn read(document: Document) -> Result<PlatformSnapshot, StoreError> {
        decode::<SnapshotDoc>(document, "platform snapshot")?.into_domain()
    }
}

#[async_trait]
impl SnapshotStore for MongoSnapshotStore {
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user, client_id = %snapshot.client_id))]
    async fn save(&self, user: UserId, snapshot: &PlatformSnapshot) -> Result<(), StoreError> {
        let filter = key(user, snapshot.client_id, snapshot.data.platform(), snapshot.range);
        let document = encode_document(&SnapshotDoc::from_domain(user, snapshot)?)?;
        // Two first saves of one key can race to insert; the loser replaces the winner's document.
        retry_lost_upsert(|| self.collection.replace_one(filter.clone(), document.clone()).upsert(true).into_future())
            .await
            .map_err(|e| store_error(e, "saving a platform snapshot"))?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip(self), fields(user_id = %user, client_id = %client))]
    async fn find(
        &self,
        user: UserId,
        client: ClientId,
        platform: Platform,
        range: DateRange,
    ) -> Result<Option<PlatformSnapshot>, StoreError> {
        let found = self
            .collection
            .find_one(key(user, client, platform, range))
            .await
            .map_err(|e| store_error(e, "reading a platform snapshot"))?;
        found.map(Self::read).transpose()
    }

    #[tracing::instrument(level = "debug", skip(self), fields(user_id = %user, client_id = %client))]
    async fn list(
        &self,
        user: UserId,
        client: ClientId,
        platform: Platform,
    ) -> Result<Vec<PlatformSnapshot>, StoreError> {
        let documents: Vec<Document> = self
            .collection
            .find(doc! { "userId": user_oid(user), "clientId": client_oid(client), "platform": platform.key() })
            .sort(doc! { "dateRange.start": -1, "dateRange.end": -1 })
            .await
            .map_err(|e| store_error(e, "listing platform snapshots"))?
            .try_collect()
            .await
            .map_err(|e| store_error(e, "listing platform snapshots"))?;
        documents.into_iter().map(Self::read).collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};
    use domain::platform::{GoogleAdsCampaign, PlatformData};

    use super::*;

    #[test]
    fn a_snapshot_becomes_its_keyed_document_field_by_field() {
        let user = UserId::parse("64b7f0c2a1b2c3d4e5f60718").unwrap();
        let client = ClientId::parse("64b7f0c2a1b2c3d4e5f60719").unwrap();
        let october = DateRange::new(
            NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
        )
        .unwrap();
        let fetched = Utc.with_ymd_and_hms(2026, 11, 1, 3, 0, 0).unwrap();
        let snapshot = PlatformSnapshot {
            client_id: client,
            range: october,
            data: PlatformData::GoogleAds(vec![GoogleAdsCampaign {
                name: "Brand".into(),
                spend: 1.5,
                clicks: 2,
                impressions: 30,
                ctr: 0.0667,
                conversions: 1.0,
            }]),
            fetched_at: fetched,
        };
        let expected = doc! {
            "userId": user_oid(user),
            "clientId": client_oid(client),
            "platform": "googleAds",
            "dateRange": {
                "start": bson::DateTime::from_chrono(Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap()),
                "end": bson::DateTime::from_chrono(Utc.with_ymd_and_hms(2026, 10, 31, 0, 0, 0).unwrap()),
            },
            "data": { "campaigns": [{
                "name": "Brand", "spend": 1.5, "clicks": 2_i64, "impressions": 30_i64, "ctr": 0.0667, "conversions": 1.0,
            }] },
            "fetchedAt": bson_date(fetched),
        };
        let document = bson::to_document(&SnapshotDoc::from_domain(user, &snapshot).unwrap()).unwrap();
        assert_eq!(document, expected);
        assert_eq!(MongoSnapshotStore::read(document).unwrap(), snapshot);
    }
}
