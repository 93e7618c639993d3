//! The `platform_daily` collection: one document per client, platform and day (decision 9), the
//! figures every range is summed from. Beyond the customer's schema, in its camelCase style:
//!
//! ```text
//! {
//!   userId: ObjectId, clientId: ObjectId, platform: "googleAds",
//!   date: Date,                              // the day, as a BSON date at 00:00 UTC
//!   // an ad platform's day (googleAds, metaAds, linkedinAds):
//!   currency: "USD",
//!   campaigns: [{ campaignId: "123", name: "Brand", status: "active" | "paused" | "ended",
//!                 spend: Double, impressions: Int64, clicks: Int64,
//!                 conversions?: Double, conversionValue?: Double, leads?: Int64 }],
//!   // or Google Analytics 4's day:
//!   site: { sessions, users, newUsers, pageviews, engagedSessions, bounces: Int64,
//!           sessionDurationSecs: Double,
//!           topSources: [{ name: "google / organic", count: Int64 }],
//!           devices: [{ name: "desktop", count }], topPages: [{ name: "/pricing", count }] },
//! }
//! ```
//!
//! A document has `currency` and `campaigns` or `site`, whichever its platform reports; one with
//! the other kind, or a breakdown longer than the domain allows, is corrupt. `date` is the day in
//! the account's reporting time zone, kept as the calendar day it names (midnight UTC), like a
//! snapshot's `dateRange`. The unique index on `{ userId, clientId, platform, date }` is the key of
//! a save's upserts and serves the range reads, which are bounded to the range's last
//! [`domain::dates::MAX_RANGE_DAYS`] days. There is no `updatedAt`: the port gives no time to stamp,
//! and time comes only from the clock port.

use std::collections::HashMap;
use std::future::IntoFuture;

use async_trait::async_trait;
use bson::oid::ObjectId;
use bson::{Document, doc};
use chrono::NaiveDate;
use domain::daily::{AdDay, CampaignDay, CampaignStatus, Currency, DailyRecord, DayFigures, RankedCount, SiteDay};
use domain::dates::DateRange;
use domain::ids::{ClientId, UserId};
use domain::platform::Platform;
use domain::ports::{DailyStore, StoreError};
use futures::{StreamExt, TryStreamExt, stream};
use mongodb::Collection;
use serde::{Deserialize, Serialize};

use crate::convert::{Count, bson_day, client_oid, day_of, decode, encode_document, user_oid};
use crate::error::{corrupt, retry_lost_upsert, store_error};
use crate::figures::parse_platform;

/// Name of the collection.
pub(crate) const COLLECTION: &str = "platform_daily";

/// How many of a save's upserts are in flight at once: a sync saves about 35 days per platform, a
/// first sync or the demo seed about 400, and each upsert is one round trip.
const SAVES_IN_FLIGHT: usize = 8;

/// A day's document: its key, then its figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DailyDoc {
    pub user_id: ObjectId,
    pub client_id: ObjectId,
    pub platform: String,
    pub date: bson::DateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaigns: Option<Vec<CampaignDayDoc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<SiteDayDoc>,
}

/// One element of `campaigns`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CampaignDayDoc {
    pub campaign_id: String,
    pub name: String,
    pub status: String,
    pub spend: f64,
    pub impressions: Count,
    pub clicks: Count,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversions: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversion_value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leads: Option<Count>,
}

/// `site`: Google Analytics 4's day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SiteDayDoc {
    pub sessions: Count,
    pub users: Count,
    pub new_users: Count,
    pub pageviews: Count,
    pub engaged_sessions: Count,
    pub bounces: Count,
    pub session_duration_secs: f64,
    #[serde(default)]
    pub top_sources: Vec<RankedCountDoc>,
    #[serde(default)]
    pub devices: Vec<RankedCountDoc>,
    #[serde(default)]
    pub top_pages: Vec<RankedCountDoc>,
}

/// One element of a breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RankedCountDoc {
    pub name: String,
    pub count: Count,
}

/// Breakdown entries as documents.
fn ranked_docs(entries: &[RankedCount]) -> Vec<RankedCountDoc> {
    entries.iter().map(|e| RankedCountDoc { name: e.name.clone(), count: Count(e.count) }).collect()
}

/// Breakdown documents as entries.
fn ranked(entries: Vec<RankedCountDoc>) -> Vec<RankedCount> {
    entries.into_iter().map(|e| RankedCount { name: e.name, count: e.count.0 }).collect()
}

impl DailyDoc {
    /// The document a user's record becomes.
    ///
    /// # Errors
    /// [`StoreError::Unexpected`] when the figures are not the kind the platform reports, which
    /// [`DailyRecord::new`] refuses: such a document could not be read back.
    pub(crate) fn from_domain(user: UserId, record: &DailyRecord) -> Result<Self, StoreError> {
        DailyRecord::new(record.client_id, record.platform, record.date, record.figures.clone()).map_err(|e| {
            StoreError::Unexpected(anyhow::anyhow!("refusing to store a daily record of {}: {e}", record.platform))
        })?;
        let (currency, campaigns, site) = match &record.figures {
            DayFigures::Ads(ads) => {
                let campaigns = ads
                    .campaigns
                    .iter()
                    .map(|c| CampaignDayDoc {
                        campaign_id: c.campaign_id.clone(),
                        name: c.name.clone(),
                        status: c.status.key().to_owned(),
                        spend: c.spend,
                        impressions: Count(c.impressions),
                        clicks: Count(c.clicks),
                        conversions: c.conversions,
                        conversion_value: c.conversion_value,
                        leads: c.leads.map(Count),
                    })
                    .collect();
                (Some(ads.currency.code().to_owned()), Some(campaigns), None)
            }
            DayFigures::Site(day) => {
                let site = SiteDayDoc {
                    sessions: Count(day.sessions),
                    users: Count(day.users),
                    new_users: Count(day.new_users),
                    pageviews: Count(day.pageviews),
                    engaged_sessions: Count(day.engaged_sessions),
                    bounces: Count(day.bounces),
                    session_duration_secs: day.session_duration_secs,
                    top_sources: ranked_docs(&day.top_sources),
                    devices: ranked_docs(&day.devices),
                    top_pages: ranked_docs(&day.top_pages),
                };
                (None, None, Some(site))
            }
        };
        Ok(Self {
            user_id: user_oid(user),
            client_id: client_oid(record.client_id),
            platform: record.platform.key().to_owned(),
            date: bson_day(record.date),
            currency,
            campaigns,
            site,
        })
    }

    /// The record this document holds.
    pub(crate) fn into_domain(self) -> Result<DailyRecord, StoreError> {
        let what = format!("daily figures of client {} on {}", self.client_id.to_hex(), self.platform);
        let platform = parse_platform(&self.platform, what.clone())?;
        let date = day_of(self.date, &what)?;
        let what = format!("{what} on {date}");
        let field = |e: domain::validation::ValidationError| corrupt(what.clone(), e);
        let figures = match (self.currency, self.campaigns, self.site) {
            (Some(currency), Some(campaigns), None) => DayFigures::Ads(AdDay {
                currency: Currency::parse(&currency).map_err(field)?,
                campaigns: campaigns
                    .into_iter()
                    .map(|c| {
                        Ok(CampaignDay {
                            status: c.status.parse::<CampaignStatus>().map_err(field)?,
                            campaign_id: c.campaign_id,
                            name: c.name,
                            spend: c.spend,
                            impressions: c.impressions.0,
                            clicks: c.clicks.0,
                            conversions: c.conversions,
                            conversion_value: c.conversion_value,
                            leads: c.leads.map(|l| l.0),
                        })
                    })
                    .collect::<Result<_, StoreError>>()?,
            }),
            (None, None, Some(site)) => DayFigures::Site(SiteDay {
                sessions: site.sessions.0,
                users: site.users.0,
                new_users: site.new_users.0,
                pageviews: site.pageviews.0,
                engaged_sessions: site.engaged_sessions.0,
                bounces: site.bounces.0,
                session_duration_secs: site.session_duration_secs,
                top_sources: ranked(site.top_sources),
                devices: ranked(site.devices),
                top_pages: ranked(site.top_pages),
            }),
            _ => return Err(corrupt(what, "it must have currency and campaigns, or site, and nothing else")),
        };
        DailyRecord::new(ClientId::from_bytes(self.client_id.bytes()), platform, date, figures).map_err(field)
    }
}

/// The key of one day, owner included.
fn key(user: UserId, client: ClientId, platform: Platform, date: NaiveDate) -> Document {
    doc! {
        "userId": user_oid(user),
        "clientId": client_oid(client),
        "platform": platform.key(),
        "date": bson_day(date),
    }
}

/// The filter of a range read: the key's prefix, and the days from `DateRange::readable` to the end.
fn range_filter(user: UserId, client: ClientId, platform: Platform, range: DateRange) -> Document {
    doc! {
        "userId": user_oid(user),
        "clientId": client_oid(client),
        "platform": platform.key(),
        "date": { "$gte": bson_day(range.readable().start()), "$lte": bson_day(range.end()) },
    }
}

/// [`DailyStore`] on the `platform_daily` collection.
#[derive(Debug, Clone)]
pub struct MongoDailyStore {
    collection: Collection<Document>,
}

impl MongoDailyStore {
    /// A store on this database's `platform_daily` collection.
    pub fn new(database: &mongodb::Database) -> Self {
        Self { collection: database.collection(COLLECTION) }
    }

    fn read(document: Document) -> Result<DailyRecord, StoreError> {
        decode::<DailyDoc>(document, "daily figures")?.into_domain()
    }

    /// Replaces (or inserts) one day's document.
    async fn save_one(&self, user: UserId, record: &DailyRecord) -> Result<(), StoreError> {
        let filter = key(user, record.client_id, record.platform, record.date);
        let document = encode_document(&DailyDoc::from_domain(user, record)?)?;
        // Two first saves of one day can race to insert; the loser replaces the winner's document.
        retry_lost_upsert(|| self.collection.replace_one(filter.clone(), document.clone()).upsert(true).into_future())
            .await
            .map_err(|e| store_error(e, "saving daily figures"))?;
        Ok(())
    }
}

/// The records to write: the last of each day, since a later record of a day replaces an earlier
/// one and the writes run concurrently.
fn last_of_each_day(records: &[DailyRecord]) -> Vec<&DailyRecord> {
    let mut last: HashMap<(ClientId, Platform, NaiveDate), usize> = HashMap::new();
    for (index, record) in records.iter().enumerate() {
        last.insert((record.client_id, record.platform, record.date), index);
    }
    records
        .iter()
        .enumerate()
        .filter(|(index, r)| last[&(r.client_id, r.platform, r.date)] == *index)
        .map(|(_, r)| r)
        .collect()
}

#[async_trait]
impl DailyStore for MongoDailyStore {
    /// One upsert per day, eight at a time. The save is not one transaction: when one
    /// upsert fails, the others may have landed, and saving the same records again finishes the job.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user, records = records.len()))]
    async fn save(&self, user: UserId, records: &[DailyRecord]) -> Result<(), StoreError> {
        // The futures are made first (they do nothing until polled): a closure mapping the stream
        // would have to be general over the records' lifetime, which the `Send` check cannot see.
        let saves: Vec<_> = last_of_each_day(records).into_iter().map(|record| self.save_one(user, record)).collect();
        stream::iter(saves).buffer_unordered(SAVES_IN_FLIGHT).try_collect::<()>().await
    }

    #[tracing::instrument(level = "debug", skip(self), fields(user_id = %user, client_id = %client))]
    async fn range(
        &self,
        user: UserId,
        client: ClientId,
        platform: Platform,
        range: DateRange,
    ) -> Result<Vec<DailyRecord>, StoreError> {
        let documents: Vec<Document> = self
            .collection
            .find(range_filter(user, client, platform, range))
            .sort(doc! { "date": 1 })
            .await
            .map_err(|e| store_error(e, "reading daily figures"))?
            .try_collect()
            .await
            .map_err(|e| store_error(e, "reading daily figures"))?;
        documents.into_iter().map(Self::read).collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn ids() -> (UserId, ClientId) {
        (UserId::parse("64b7f0c2a1b2c3d4e5f60718").unwrap(), ClientId::parse("64b7f0c2a1b2c3d4e5f60719").unwrap())
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn midnight(y: i32, m: u32, d: u32) -> bson::DateTime {
        bson::DateTime::from_chrono(Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap())
    }

    fn ads_day() -> DailyRecord {
        let (_, client) = ids();
        let campaigns = vec![
            CampaignDay {
                campaign_id: "1201".into(),
                name: "Brand".into(),
                status: CampaignStatus::Active,
                spend: 61.68,
                impressions: 946,
                clicks: 77,
                conversions: Some(4.5),
                conversion_value: Some(250.25),
                leads: Some(3),
            },
            CampaignDay {
                campaign_id: "1202".into(),
                name: "Retargeting".into(),
                status: CampaignStatus::Ended,
                spend: 0.0,
                impressions: 0,
                clicks: 0,
                conversions: None,
                conversion_value: None,
                leads: None,
            },
        ];
        let figures = DayFigures::Ads(AdDay { currency: Currency::EUR, campaigns });
        DailyRecord::new(client, Platform::MetaAds, day("2026-10-31"), figures).unwrap()
    }

    fn site_day() -> DailyRecord {
        let (_, client) = ids();
        let entry = |name: &str, count| RankedCount { name: name.into(), count };
        let figures = DayFigures::Site(SiteDay {
            sessions: 508,
            users: 415,
            new_users: 233,
            pageviews: 1_523,
            engaged_sessions: 301,
            bounces: 207,
            session_duration_secs: 94_012.5,
            top_sources: vec![entry("google / organic", 283)],
            devices: vec![entry("desktop", 295), entry("mobile", 213)],
            top_pages: vec![entry("/pricing", 210)],
        });
        DailyRecord::new(client, Platform::GoogleAnalytics, day("2026-11-01"), figures).unwrap()
    }

    #[test]
    fn an_ad_day_becomes_its_keyed_document_field_by_field() {
        let (user, client) = ids();
        let expected = doc! {
            "userId": user_oid(user),
            "clientId": client_oid(client),
            "platform": "metaAds",
            "date": midnight(2026, 10, 31),
            "currency": "EUR",
            "campaigns": [
                {
                    "campaignId": "1201",
                    "name": "Brand",
                    "status": "active",
                    "spend": 61.68,
                    "impressions": 946_i64,
                    "clicks": 77_i64,
                    "conversions": 4.5,
                    "conversionValue": 250.25,
                    "leads": 3_i64,
                },
                {
                    "campaignId": "1202",
                    "name": "Retargeting",
                    "status": "ended",
                    "spend": 0.0,
                    "impressions": 0_i64,
                    "clicks": 0_i64,
                },
            ],
        };
        let document = bson::to_document(&DailyDoc::from_domain(user, &ads_day()).unwrap()).unwrap();
        assert_eq!(document, expected);
        assert_eq!(MongoDailyStore::read(document).unwrap(), ads_day());
    }

    #[test]
    fn a_site_day_becomes_its_keyed_document_field_by_field() {
        let (user, client) = ids();
        let expected = doc! {
            "userId": user_oid(user),
            "clientId": client_oid(client),
            "platform": "googleAnalytics",
            "date": midnight(2026, 11, 1),
            "site": {
                "sessions": 508_i64,
                "users": 415_i64,
                "newUsers": 233_i64,
                "pageviews": 1_523_i64,
                "engagedSessions": 301_i64,
                "bounces": 207_i64,
                "sessionDurationSecs": 94_012.5,
                "topSources": [{ "name": "google / organic", "count": 283_i64 }],
                "devices": [{ "name": "desktop", "count": 295_i64 }, { "name": "mobile", "count": 213_i64 }],
                "topPages": [{ "name": "/pricing", "count": 210_i64 }],
            },
        };
        let document = bson::to_document(&DailyDoc::from_domain(user, &site_day()).unwrap()).unwrap();
        assert_eq!(document, expected);
        assert_eq!(MongoDailyStore::read(document).unwrap(), site_day());
    }

    #[test]
    fn figures_of_the_wrong_kind_are_refused_on_the_way_in_and_corrupt_on_the_way_out() {
        let (user, _) = ids();
        let wrong = DailyRecord { platform: Platform::GoogleAds, ..site_day() };
        assert!(matches!(DailyDoc::from_domain(user, &wrong), Err(StoreError::Unexpected(_))));

        let mut document = bson::to_document(&DailyDoc::from_domain(user, &site_day()).unwrap()).unwrap();
        document.insert("platform", "googleAds");
        let err = MongoDailyStore::read(document.clone()).unwrap_err();
        assert!(err.to_string().contains("daily figures of client 64b7f0c2a1b2c3d4e5f60719 on googleAds"), "{err}");
        document.insert("platform", "googleAnalytics");
        document.insert("currency", "USD");
        assert!(MongoDailyStore::read(document.clone()).is_err(), "site and currency together");
        document.remove("currency");
        document.insert("date", bson::DateTime::from_chrono(Utc.with_ymd_and_hms(2026, 11, 1, 6, 0, 0).unwrap()));
        assert!(MongoDailyStore::read(document).is_err(), "a date that is not a day");

        let mut ads = bson::to_document(&DailyDoc::from_domain(user, &ads_day()).unwrap()).unwrap();
        ads.insert("currency", "dollars");
        assert!(MongoDailyStore::read(ads).is_err());
    }

    #[test]
    fn a_range_reads_the_key_prefix_within_its_last_four_hundred_days() {
        let (user, client) = ids();
        let long = DateRange::new(day("2020-01-01"), day("2026-02-04")).unwrap();
        assert_eq!(
            range_filter(user, client, Platform::GoogleAds, long),
            doc! {
                "userId": user_oid(user),
                "clientId": client_oid(client),
                "platform": "googleAds",
                "date": { "$gte": midnight(2025, 1, 1), "$lte": midnight(2026, 2, 4) },
            }
        );
    }

    #[test]
    fn only_the_last_record_of_a_day_is_written() {
        let first = ads_day();
        let restated =
            DailyRecord { figures: DayFigures::Ads(AdDay { currency: Currency::USD, campaigns: vec![] }), ..ads_day() };
        let next_day = DailyRecord { date: day("2026-11-01"), ..ads_day() };
        let records = [first, next_day.clone(), restated.clone()];
        assert_eq!(last_of_each_day(&records), [&next_day, &restated]);
    }
}
