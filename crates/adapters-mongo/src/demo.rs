//! The `demo_data` collection: one document of figures per platform (decision 8).

use async_trait::async_trait;
use bson::{Document, doc};
use domain::platform::{Platform, PlatformData};
use domain::ports::{DemoDataStore, StoreError};
use futures::TryStreamExt;
use mongodb::Collection;
use serde::{Deserialize, Serialize};

use crate::convert::{decode, encode_document};
use crate::error::{is_duplicate_key, store_error};
use crate::figures::{data_document, parse_platform, platform_data};

/// Name of the collection.
pub(crate) const COLLECTION: &str = "demo_data";

/// A demo document, as in the customer's schema: `{platform, data, createdAt}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DemoDoc {
    pub platform: String,
    pub data: Document,
    pub created_at: bson::DateTime,
}

impl DemoDoc {
    /// The document demo figures become, stamped `created_at`.
    pub(crate) fn from_domain(data: &PlatformData, created_at: bson::DateTime) -> Result<Self, StoreError> {
        Ok(Self { platform: data.platform().key().to_owned(), data: data_document(data)?, created_at })
    }

    /// The figures this document holds.
    pub(crate) fn into_domain(self) -> Result<PlatformData, StoreError> {
        let what = format!("demo data of {}", self.platform);
        let platform = parse_platform(&self.platform, what.clone())?;
        platform_data(platform, self.data, what)
    }
}

/// [`DemoDataStore`] on the `demo_data` collection.
#[derive(Debug, Clone)]
pub struct MongoDemoDataStore {
    collection: Collection<Document>,
}

impl MongoDemoDataStore {
    /// A store on this database's `demo_data` collection.
    pub fn new(database: &mongodb::Database) -> Self {
        Self { collection: database.collection(COLLECTION) }
    }
}

#[async_trait]
impl DemoDataStore for MongoDemoDataStore {
    #[tracing::instrument(level = "debug", skip(self))]
    async fn all(&self) -> Result<Vec<PlatformData>, StoreError> {
        let documents: Vec<Document> = self
            .collection
            .find(doc! {})
            .sort(doc! { "_id": 1 })
            .await
            .map_err(|e| store_error(e, "reading demo data"))?
            .try_collect()
            .await
            .map_err(|e| store_error(e, "reading demo data"))?;
        let mut figures: Vec<PlatformData> = Vec::with_capacity(documents.len());
        for document in documents {
            let data = decode::<DemoDoc>(document, "demo data")?.into_domain()?;
            // One entry per platform even if a server without unique indexes let a seeding race
            // write two: the first written wins.
            if !figures.iter().any(|f| f.platform() == data.platform()) {
                figures.push(data);
            }
        }
        Ok(figures)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn seed_if_empty(&self, data: &[PlatformData]) -> Result<bool, StoreError> {
        let existing =
            self.collection.count_documents(doc! {}).await.map_err(|e| store_error(e, "counting demo data"))?;
        if existing > 0 {
            return Ok(false);
        }
        let now = bson::DateTime::now();
        let mut seeded = false;
        for figures in data {
            let mut document = encode_document(&DemoDoc::from_domain(figures, now)?)?;
            let platform: Platform = figures.platform();
            document.remove("platform");
            // Keyed by platform, so that replicas seeding at once write each platform once.
            match self
                .collection
                .update_one(doc! { "platform": platform.key() }, doc! { "$setOnInsert": document })
                .upsert(true)
                .await
            {
                Ok(result) => seeded |= result.upserted_id.is_some(),
                Err(e) if is_duplicate_key(&e) => {}
                Err(e) => return Err(store_error(e, "seeding demo data")),
            }
        }
        if seeded {
            tracing::info!(platforms = data.len(), "seeded demo data");
        }
        Ok(seeded)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use domain::platform::LinkedinAdsCampaign;

    use super::*;
    use crate::convert::bson_date;

    #[test]
    fn demo_figures_become_the_schemas_demo_document() {
        let at = bson_date(Utc.with_ymd_and_hms(2026, 11, 25, 3, 0, 0).unwrap());
        let data = PlatformData::LinkedinAds(vec![LinkedinAdsCampaign {
            name: "Demo - Decision Makers".into(),
            spend: 2_450.0,
            impressions: 58_300,
            clicks: 412,
            leads: 37,
        }]);
        let expected = doc! {
            "platform": "linkedinAds",
            "data": { "campaigns": [{
                "name": "Demo - Decision Makers",
                "spend": 2_450.0,
                "impressions": 58_300_i64,
                "clicks": 412_i64,
                "leads": 37_i64,
            }] },
            "createdAt": at,
        };
        let document = bson::to_document(&DemoDoc::from_domain(&data, at).unwrap()).unwrap();
        assert_eq!(document, expected);
        assert_eq!(decode::<DemoDoc>(document, "test").unwrap().into_domain().unwrap(), data);
    }

    #[test]
    fn the_schemas_own_sample_reads_as_google_analytics_figures() {
        // The sample of the customer's schema, as the main application may already have stored it.
        let stored = doc! {
            "platform": "googleAnalytics",
            "data": {
                "metrics": { "sessions": 15_234, "users": 12_450, "pageviews": 45_678, "bounceRate": 0.45, "avgSessionDuration": 185 },
                "dimensions": { "topSources": [{ "source": "google / organic", "sessions": 8_500 }] },
            },
            "createdAt": bson::DateTime::now(),
        };
        let PlatformData::GoogleAnalytics(report) = decode::<DemoDoc>(stored, "test").unwrap().into_domain().unwrap()
        else {
            panic!("analytics expected");
        };
        assert_eq!(report.metrics.sessions, 15_234);
        assert_eq!(report.top_sources[0].sessions, 8_500);
        assert!(report.devices.is_empty());
    }
}
