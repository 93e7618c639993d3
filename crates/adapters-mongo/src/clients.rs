//! The `clients` collection: each client with its platform connections embedded under `platforms`.
//!
//! Two fields go beyond the customer's schema: `timeZone` (see [`ClientDoc`]) and `nameKey`, the
//! name's search key ([`domain::paging::name_key`]: lowercased character by character with
//! Unicode's `to_lowercase`). `nameKey` is written on insert and on every name change, and the
//! name search is a range on it, `[key(prefix), successor)` under the index `{ userId, nameKey }`,
//! rather than a case-insensitive `$regex` on `name`: a user's prefix is compared as a string,
//! never parsed as a pattern (a NUL or a `(` in it used to make the server refuse the query), and
//! the search is an index range rather than a scan. The list still sorts by `name` (index
//! `{ userId, name }`), as the cursor does.
//!
//! A document written before `nameKey` existed lacks it and no search would find it, so
//! [`backfill_name_keys`] (run by `MongoStores::migrate`) writes it on every client document that
//! lacks it. It computes the key in Rust rather than with an update pipeline's `$toLower`, which is
//! ASCII-only on MongoDB (`É` would stay `É`, so `é` would not find it): the key must be exactly
//! what this code writes on insert.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use bson::oid::ObjectId;
use bson::{Document, doc};
use chrono::{DateTime, TimeDelta, Utc};
use domain::cipher::SealedToken;
use domain::client::{Client, ClientChanges, ClientEmail, ClientName, ClientStatus, LogoUrl};
use domain::dates::ClientTimeZone;
use domain::ids::{ClientId, UserId};
use domain::paging::{ClientCursor, ClientQuery, Page, name_key};
use domain::platform::{Platform, PlatformConnection};
use domain::ports::{ClientStore, ConnectionUpdate, DueSync, StoreError, SyncQueue};
use futures::TryStreamExt;
use mongodb::Collection;
use mongodb::options::ReturnDocument;
use serde::{Deserialize, Serialize};

use crate::connections::{
    ConnectionDoc, GoogleAdsDoc, GoogleAnalyticsDoc, LinkedinAdsDoc, MetaAdsDoc, connection_document,
    connection_update, due, guard, leasable, lease_update, path,
};
use crate::convert::{bson_date, chrono_date, client_oid, decode, encode_document, user_oid};
use crate::error::{corrupt, store_error};

/// Name of the collection.
pub(crate) const COLLECTION: &str = "clients";

/// A client document, field for field as in the customer's schema, plus `timeZone`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClientDoc {
    #[serde(rename = "_id")]
    pub id: ObjectId,
    pub user_id: ObjectId,
    pub name: String,
    /// The name's search key ([`domain::paging::name_key`]), beyond the customer's schema. Always
    /// written; a document written before the field existed has none until the migration writes it
    /// ([`backfill_name_keys`]). Never read back: the name is the truth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// The client's IANA time zone (`Europe/Berlin`), beyond the customer's schema. Always written,
    /// `UTC` included, so that a document says which zone its dates are reckoned in; a document
    /// written before the field existed has none, which reads as UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub platforms: PlatformsDoc,
    pub status: String,
    pub created_at: bson::DateTime,
    pub updated_at: bson::DateTime,
}

/// `platforms`: one optional connection per platform.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PlatformsDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub google_analytics: Option<GoogleAnalyticsDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub google_ads: Option<GoogleAdsDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta_ads: Option<MetaAdsDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linkedin_ads: Option<LinkedinAdsDoc>,
}

impl PlatformsDoc {
    /// The connections of a client, by platform.
    fn from_domain(platforms: &BTreeMap<Platform, PlatformConnection>) -> Result<Self, StoreError> {
        let mut doc = Self::default();
        for connection in platforms.values() {
            match ConnectionDoc::from_domain(connection)? {
                ConnectionDoc::GoogleAnalytics(c) => doc.google_analytics = Some(c),
                ConnectionDoc::GoogleAds(c) => doc.google_ads = Some(c),
                ConnectionDoc::MetaAds(c) => doc.meta_ads = Some(c),
                ConnectionDoc::LinkedinAds(c) => doc.linkedin_ads = Some(c),
            }
        }
        Ok(doc)
    }

    /// The connections as the domain holds them.
    fn into_domain(self, what: &str) -> Result<BTreeMap<Platform, PlatformConnection>, StoreError> {
        let mut platforms = BTreeMap::new();
        let named = |platform: Platform| format!("{what} {}", platform.key());
        if let Some(ga) = self.google_analytics {
            let platform = Platform::GoogleAnalytics;
            platforms.insert(platform, ga.into_domain(&named(platform))?);
        }
        if let Some(ads) = self.google_ads {
            let platform = Platform::GoogleAds;
            platforms.insert(platform, ads.into_domain(&named(platform))?);
        }
        if let Some(meta) = self.meta_ads {
            let platform = Platform::MetaAds;
            platforms.insert(platform, meta.into_domain(&named(platform))?);
        }
        if let Some(li) = self.linkedin_ads {
            let platform = Platform::LinkedinAds;
            platforms.insert(platform, li.into_domain(&named(platform))?);
        }
        Ok(platforms)
    }
}

impl ClientDoc {
    /// The document a client becomes.
    pub(crate) fn from_domain(client: &Client) -> Result<Self, StoreError> {
        Ok(Self {
            id: client_oid(client.id),
            user_id: user_oid(client.user_id),
            name: client.name.as_str().to_owned(),
            name_key: Some(name_key(client.name.as_str())),
            email: client.email.as_ref().map(|e| e.as_str().to_owned()),
            logo: client.logo.as_ref().map(|l| l.as_str().to_owned()),
            time_zone: Some(client.time_zone.name().to_owned()),
            platforms: PlatformsDoc::from_domain(&client.platforms)?,
            status: client.status.key().to_owned(),
            created_at: bson_date(client.created_at),
            updated_at: bson_date(client.updated_at),
        })
    }

    /// The client this document holds.
    pub(crate) fn into_domain(self) -> Result<Client, StoreError> {
        let what = format!("client {}", self.id.to_hex());
        let field = |e: domain::validation::ValidationError| corrupt(what.clone(), e);
        Ok(Client {
            id: ClientId::from_bytes(self.id.bytes()),
            user_id: UserId::from_bytes(self.user_id.bytes()),
            name: ClientName::new(&self.name).map_err(field)?,
            email: self.email.as_deref().map(ClientEmail::new).transpose().map_err(field)?,
            logo: self.logo.as_deref().map(LogoUrl::new).transpose().map_err(field)?,
            time_zone: self
                .time_zone
                .as_deref()
                .map(ClientTimeZone::parse)
                .transpose()
                .map_err(field)?
                .unwrap_or_default(),
            platforms: self.platforms.into_domain(&what)?,
            status: self.status.parse::<ClientStatus>().map_err(field)?,
            created_at: chrono_date(self.created_at),
            updated_at: chrono_date(self.updated_at),
        })
    }
}

/// The least string greater than every string that starts with `prefix`, in code point order
/// (MongoDB's: it compares strings by their UTF-8 bytes, which orders them by code point): `prefix`
/// with its last character that is not `U+10FFFF` replaced by the next character and the rest
/// dropped. `None` when there is none (the prefix is empty or only `U+10FFFF`s): every string from
/// `prefix` on starts with it.
pub(crate) fn prefix_successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        // The next scalar value: surrogates are no characters, so U+D7FF is followed by U+E000.
        let next = match last {
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(u32::from(c) + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// The filter of a client list page.
pub(crate) fn list_filter(user: UserId, query: &ClientQuery) -> Document {
    let mut filter = doc! { "userId": user_oid(user) };
    if let Some(status) = query.status {
        filter.insert("status", status.key());
    }
    if let Some(prefix) = &query.name_prefix {
        let key = name_key(prefix);
        let mut range = doc! { "$gte": &key };
        if let Some(end) = prefix_successor(&key) {
            range.insert("$lt", end);
        }
        filter.insert("nameKey", range);
    }
    if let Some(after) = &query.after {
        filter.insert(
            "$or",
            vec![
                doc! { "name": { "$gt": &after.name } },
                doc! { "name": &after.name, "_id": { "$gt": client_oid(after.id) } },
            ],
        );
    }
    filter
}

/// Writes `nameKey` on every client document that lacks it (one written before the field existed)
/// and returns how many it wrote; part of the migration, so running it again writes none.
///
/// The key is computed here, by the same [`name_key`] as on insert, rather than by an update
/// pipeline's `$toLower`, which is ASCII-only on MongoDB: a back-filled `É…` must be found by `é`
/// as a new one is. One `update_one` per document, each guarded by the name it read and the key's
/// absence, so that a rename meanwhile (which writes its own key) is never overwritten with the
/// old name's key; a document renamed meanwhile by an older version, which writes no key, keeps
/// none until the next migration.
pub(crate) async fn backfill_name_keys(database: &mongodb::Database) -> Result<u64, StoreError> {
    let collection = database.collection::<Document>(COLLECTION);
    let lacking = doc! { "nameKey": { "$exists": false } };
    let mut cursor = collection
        .find(lacking)
        .projection(doc! { "_id": 1, "name": 1 })
        .await
        .map_err(|e| store_error(e, "finding clients without a nameKey"))?;
    let mut written = 0;
    while let Some(document) =
        cursor.try_next().await.map_err(|e| store_error(e, "finding clients without a nameKey"))?
    {
        let (Ok(id), Ok(name)) = (document.get_object_id("_id"), document.get_str("name")) else {
            // Unreadable anyway (`MongoClientStore::read` reports it); nothing to key it by.
            tracing::warn!(client = %document.get("_id").map(ToString::to_string).unwrap_or_default(),
                "a client document without a string name gets no nameKey");
            continue;
        };
        let result = collection
            .update_one(
                doc! { "_id": id, "name": name, "nameKey": { "$exists": false } },
                doc! { "$set": { "nameKey": name_key(name) } },
            )
            .await
            .map_err(|e| store_error(e, "writing a client's nameKey"))?;
        written += result.modified_count;
    }
    Ok(written)
}

/// [`ClientStore`] on the `clients` collection.
#[derive(Debug, Clone)]
pub struct MongoClientStore {
    collection: Collection<Document>,
}

impl MongoClientStore {
    /// A store on this database's `clients` collection.
    pub fn new(database: &mongodb::Database) -> Self {
        Self { collection: database.collection(COLLECTION) }
    }

    fn read(document: Document) -> Result<Client, StoreError> {
        let what = format!("client {}", document.get_object_id("_id").map(ObjectId::to_hex).unwrap_or_default());
        decode::<ClientDoc>(document, what)?.into_domain()
    }
}

#[async_trait]
impl ClientStore for MongoClientStore {
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %client.user_id, client_id = %client.id))]
    async fn insert(&self, client: &Client) -> Result<(), StoreError> {
        let document = encode_document(&ClientDoc::from_domain(client)?)?;
        self.collection.insert_one(document).await.map_err(|e| store_error(e, "inserting a client"))?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip(self), fields(user_id = %user, client_id = %id))]
    async fn get(&self, user: UserId, id: ClientId) -> Result<Option<Client>, StoreError> {
        let found = self
            .collection
            .find_one(doc! { "_id": client_oid(id), "userId": user_oid(user) })
            .await
            .map_err(|e| store_error(e, "reading a client"))?;
        found.map(Self::read).transpose()
    }

    #[tracing::instrument(level = "debug", skip(self, query), fields(user_id = %user))]
    async fn list(&self, user: UserId, query: &ClientQuery) -> Result<Page<Client, ClientCursor>, StoreError> {
        let limit = query.limit.get();
        // One page more than asked, to know whether there is a next one. An aggregation rather
        // than `find`: the same plan on MongoDB, and CongoDB's `find` sorts strings by locale
        // instead of MongoDB's byte order, which the cursor relies on.
        let pipeline = vec![
            doc! { "$match": list_filter(user, query) },
            doc! { "$sort": { "name": 1, "_id": 1 } },
            doc! { "$limit": i64::try_from(limit + 1).unwrap_or(i64::MAX) },
        ];
        let documents: Vec<Document> = self
            .collection
            .aggregate(pipeline)
            .await
            .map_err(|e| store_error(e, "listing clients"))?
            .try_collect()
            .await
            .map_err(|e| store_error(e, "listing clients"))?;
        let mut items = documents.into_iter().map(Self::read).collect::<Result<Vec<_>, _>>()?;
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|c| ClientCursor { name: c.name.as_str().to_owned(), id: c.id })
        } else {
            None
        };
        Ok(Page { items, next })
    }

    #[tracing::instrument(level = "debug", skip(self, changes), fields(user_id = %user, client_id = %id))]
    async fn update(
        &self,
        user: UserId,
        id: ClientId,
        changes: ClientChanges,
        now: DateTime<Utc>,
    ) -> Result<Option<Client>, StoreError> {
        let update = client_update(changes, now);
        let found = self
            .collection
            .find_one_and_update(doc! { "_id": client_oid(id), "userId": user_oid(user) }, update)
            .return_document(ReturnDocument::After)
            .await
            .map_err(|e| store_error(e, "updating a client"))?;
        found.map(Self::read).transpose()
    }

    #[tracing::instrument(level = "debug", skip(self, connection), fields(user_id = %user, client_id = %id, platform = %connection.platform()))]
    async fn save_connection(
        &self,
        user: UserId,
        id: ClientId,
        connection: &PlatformConnection,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let update = doc! {
            "$set": {
                format!("platforms.{}", connection.platform().key()): connection_document(connection)?,
                "updatedAt": bson_date(now),
            }
        };
        let result = self
            .collection
            .update_one(doc! { "_id": client_oid(id), "userId": user_oid(user) }, update)
            .await
            .map_err(|e| store_error(e, "saving a platform connection"))?;
        Ok(result.matched_count == 1)
    }

    #[tracing::instrument(level = "debug", skip(self, now, until), fields(user_id = %user, client_id = %id, platform = %platform))]
    async fn lease_sync(
        &self,
        user: UserId,
        id: ClientId,
        platform: Platform,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = self
            .collection
            .update_one(leasable(user, id, platform, holder, now), lease_update(platform, holder, until))
            .await
            .map_err(|e| store_error(e, "leasing a connection's sync"))?;
        Ok(result.matched_count == 1)
    }

    #[tracing::instrument(level = "debug", skip(self, expected, update, now), fields(user_id = %user, client_id = %id, platform = %platform))]
    async fn update_connection(
        &self,
        user: UserId,
        id: ClientId,
        platform: Platform,
        expected: &SealedToken,
        update: &ConnectionUpdate,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        // One update whose filter is the guard: a disconnect or a reconnect since the caller read
        // the connection makes it match nothing, and only the named fields are written.
        let result = self
            .collection
            .update_one(guard(user, id, platform, expected), connection_update(platform, update, now)?)
            .await
            .map_err(|e| store_error(e, "updating a platform connection"))?;
        Ok(result.matched_count == 1)
    }
}

/// The sync queue is the clients collection itself: a connection's schedule and lease live in its
/// sub-document, so the queue and the clients store always see the same data.
#[async_trait]
impl SyncQueue for MongoClientStore {
    #[tracing::instrument(level = "debug", skip(self, now, lease))]
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        holder: &str,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<DueSync>, StoreError> {
        let until = now
            .checked_add_signed(TimeDelta::from_std(lease).unwrap_or(TimeDelta::MAX))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let mut claimed: Vec<DueSync> = Vec::new();
        // Round-robin over the platforms, one connection each per round, so that a backlog on one
        // platform does not starve the others; a platform drops out once it has none due.
        let mut open: Vec<Platform> = Platform::ALL.to_vec();
        while claimed.len() < limit && !open.is_empty() {
            let mut still_open = Vec::with_capacity(open.len());
            for platform in open {
                if claimed.len() >= limit {
                    still_open.push(platform);
                    break;
                }
                // One atomic find-and-modify per connection: of two replicas asking at once, only
                // one sees the lease free and takes it. The oldest due goes first.
                let taken = self
                    .collection
                    .find_one_and_update(due(platform, now), lease_update(platform, holder, until))
                    .sort(doc! { path(platform, "nextSyncAt"): 1 })
                    .projection(doc! { "_id": 1, "userId": 1 })
                    .await
                    .map_err(|e| store_error(e, "claiming a due sync"))?;
                let Some(document) = taken else { continue };
                let what = || {
                    format!(
                        "client {} in the sync queue",
                        document.get_object_id("_id").map(ObjectId::to_hex).unwrap_or_default()
                    )
                };
                let client = document.get_object_id("_id").map_err(|e| corrupt(what(), e))?;
                let user = document.get_object_id("userId").map_err(|e| corrupt(what(), e))?;
                let due_sync = DueSync {
                    user: UserId::from_bytes(user.bytes()),
                    client: ClientId::from_bytes(client.bytes()),
                    platform,
                };
                // A lease that ends at `now` (a zero lease) leaves the connection due: take it once.
                if claimed.contains(&due_sync) {
                    continue;
                }
                claimed.push(due_sync);
                still_open.push(platform);
            }
            open = still_open;
        }
        Ok(claimed)
    }
}

/// The update a change to a client becomes: `$set` what it names, `$unset` what it clears.
pub(crate) fn client_update(changes: ClientChanges, now: DateTime<Utc>) -> Document {
    let mut set = doc! {};
    let mut unset = doc! {};
    if let Some(name) = changes.name {
        set.insert("name", name.as_str());
        set.insert("nameKey", name_key(name.as_str()));
    }
    match changes.email {
        Some(Some(email)) => {
            set.insert("email", email.as_str());
        }
        Some(None) => {
            unset.insert("email", "");
        }
        None => {}
    }
    match changes.logo {
        Some(Some(logo)) => {
            set.insert("logo", logo.as_str());
        }
        Some(None) => {
            unset.insert("logo", "");
        }
        None => {}
    }
    if let Some(time_zone) = changes.time_zone {
        set.insert("timeZone", time_zone.name());
    }
    if let Some(status) = changes.status {
        set.insert("status", status.key());
    }
    set.insert("updatedAt", bson_date(now));
    let mut update = doc! { "$set": set };
    if !unset.is_empty() {
        update.insert("$unset", unset);
    }
    update
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use domain::platform::{
        AnalyticsMetrics, AnalyticsReport, ConnectionStatus, MetaAdsCampaign, PlatformAccount, PlatformData,
        SealedCredentials, SyncSchedule,
    };

    use bson::Bson;

    use super::*;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 10, minute, 0).unwrap() + chrono::TimeDelta::milliseconds(123)
    }

    fn ids() -> (UserId, ClientId) {
        (UserId::parse("64b7f0c2a1b2c3d4e5f60718").unwrap(), ClientId::parse("64b7f0c2a1b2c3d4e5f60719").unwrap())
    }

    fn client() -> Client {
        let (user, id) = ids();
        let analytics = PlatformConnection {
            last_sync: Some(at(20)),
            data: Some(PlatformData::GoogleAnalytics(AnalyticsReport {
                metrics: AnalyticsMetrics {
                    sessions: 10,
                    users: 8,
                    pageviews: 30,
                    bounce_rate: 0.45,
                    avg_session_duration: 185.5,
                },
                top_sources: vec![],
                devices: vec![],
                top_pages: vec![],
            })),
            sync: SyncSchedule {
                next_sync_at: Some(at(40)),
                backfilled: true,
                lease: Some(("replica-a".into(), at(25))),
            },
            ..PlatformConnection::new(
                PlatformAccount::GoogleAnalytics { account_id: "123".into(), property_id: "properties/9".into() },
                SealedCredentials {
                    access_token: SealedToken::new("k1:access"),
                    refresh_token: Some(SealedToken::new("k1:refresh")),
                    expires_at: Some(at(30)),
                    refresh_expires_at: None,
                },
            )
        };
        let meta = PlatformConnection {
            status: ConnectionStatus::Expired,
            status_reason: Some("Meta revoked the token (code 190); reconnect Meta Ads".into()),
            data: Some(PlatformData::MetaAds(vec![MetaAdsCampaign {
                name: "Retargeting".into(),
                spend: 1.5,
                impressions: 100,
                clicks: 4,
                cpm: 15.0,
                roas: Some(5.1),
            }])),
            ..PlatformConnection::new(
                PlatformAccount::MetaAds { ad_account_id: "act_1".into() },
                SealedCredentials {
                    access_token: SealedToken::new("k1:meta"),
                    refresh_token: None,
                    expires_at: None,
                    refresh_expires_at: None,
                },
            )
            .disconnected()
        };
        Client {
            id,
            user_id: user,
            name: ClientName::new("Acme Corp").unwrap(),
            email: Some(ClientEmail::new("client@acmecorp.com").unwrap()),
            logo: None,
            time_zone: ClientTimeZone::parse("Europe/Berlin").unwrap(),
            platforms: BTreeMap::from([(Platform::GoogleAnalytics, analytics), (Platform::MetaAds, meta)]),
            status: ClientStatus::Active,
            created_at: at(1),
            updated_at: at(2),
        }
    }

    #[test]
    fn a_client_becomes_the_schemas_document_field_by_field() {
        let (user, id) = ids();
        let expected = doc! {
            "_id": client_oid(id),
            "userId": user_oid(user),
            "name": "Acme Corp",
            "nameKey": "acme corp",
            "email": "client@acmecorp.com",
            "timeZone": "Europe/Berlin",
            "platforms": {
                "googleAnalytics": {
                    "connected": true,
                    "accountId": "123",
                    "propertyId": "properties/9",
                    "accessToken": "k1:access",
                    "refreshToken": "k1:refresh",
                    "expiresAt": bson_date(at(30)),
                    "lastSync": bson_date(at(20)),
                    "status": "active",
                    "nextSyncAt": bson_date(at(40)),
                    "backfilled": true,
                    "syncLease": { "holder": "replica-a", "until": bson_date(at(25)) },
                    "metrics": {
                        "sessions": 10_i64,
                        "users": 8_i64,
                        "pageviews": 30_i64,
                        "bounceRate": 0.45,
                        "avgSessionDuration": 185.5,
                    },
                    "dimensions": { "topSources": [], "devices": [], "topPages": [] },
                },
                "metaAds": {
                    "connected": false,
                    "adAccountId": "act_1",
                    "status": "expired",
                    "statusReason": "Meta revoked the token (code 190); reconnect Meta Ads",
                    "campaigns": [{
                        "name": "Retargeting",
                        "spend": 1.5,
                        "impressions": 100_i64,
                        "clicks": 4_i64,
                        "cpm": 15.0,
                        "roas": 5.1,
                    }],
                },
            },
            "status": "active",
            "createdAt": bson_date(at(1)),
            "updatedAt": bson_date(at(2)),
        };
        let document = bson::to_document(&ClientDoc::from_domain(&client()).unwrap()).unwrap();
        assert_eq!(document, expected);
        assert!(matches!(document.get("createdAt"), Some(Bson::DateTime(_))), "dates are BSON dates");
        assert!(matches!(document.get("userId"), Some(Bson::ObjectId(_))), "ids are ObjectIds");
    }

    #[test]
    fn a_client_document_reads_back_as_the_same_client() {
        let document = bson::to_document(&ClientDoc::from_domain(&client()).unwrap()).unwrap();
        assert_eq!(MongoClientStore::read(document).unwrap(), client());
    }

    #[test]
    fn ad_platform_connections_use_their_own_account_fields() {
        let google_ads = PlatformConnection {
            status: ConnectionStatus::Error,
            data: Some(PlatformData::GoogleAds(vec![])),
            ..PlatformConnection::new(
                PlatformAccount::GoogleAds { customer_id: "1234567890".into() },
                SealedCredentials {
                    access_token: SealedToken::new("k1:a"),
                    refresh_token: None,
                    expires_at: None,
                    refresh_expires_at: None,
                },
            )
        };
        assert_eq!(
            connection_document(&google_ads).unwrap(),
            Bson::Document(doc! {
                "connected": true, "customerId": "1234567890", "accessToken": "k1:a", "status": "error", "campaigns": [],
            })
        );
        let linkedin = PlatformConnection {
            credentials: None,
            ..PlatformConnection::new(
                PlatformAccount::LinkedinAds { account_id: "508".into() },
                SealedCredentials {
                    access_token: SealedToken::new("k1:unused"),
                    refresh_token: None,
                    expires_at: None,
                    refresh_expires_at: None,
                },
            )
        };
        assert_eq!(
            connection_document(&linkedin).unwrap(),
            Bson::Document(doc! { "connected": true, "accountId": "508", "status": "active" })
        );
    }

    #[test]
    fn a_client_without_a_time_zone_is_in_utc_and_an_unknown_zone_is_corrupt() {
        let mut document = bson::to_document(&ClientDoc::from_domain(&client()).unwrap()).unwrap();
        document.remove("timeZone");
        assert_eq!(MongoClientStore::read(document.clone()).unwrap().time_zone, ClientTimeZone::UTC);
        let utc = Client { time_zone: ClientTimeZone::UTC, ..client() };
        let written = bson::to_document(&ClientDoc::from_domain(&utc).unwrap()).unwrap();
        assert_eq!(written.get_str("timeZone").unwrap(), "UTC", "UTC is written too");
        document.insert("timeZone", "Mars/Olympus_Mons");
        let err = MongoClientStore::read(document).unwrap_err();
        assert!(err.to_string().contains("client 64b7f0c2a1b2c3d4e5f60719"), "{err}");
        assert!(err.to_string().contains("IANA"), "{err}");
    }

    #[test]
    fn a_corrupt_client_document_is_an_error_naming_the_client() {
        let (user, id) = ids();
        let document = doc! {
            "_id": client_oid(id), "userId": user_oid(user), "name": "", "status": "active",
            "createdAt": bson_date(at(1)), "updatedAt": bson_date(at(1)),
        };
        let err = MongoClientStore::read(document).unwrap_err();
        assert!(err.to_string().contains("client 64b7f0c2a1b2c3d4e5f60719"), "{err}");
        let missing = doc! { "_id": client_oid(id), "userId": user_oid(user) };
        assert!(matches!(MongoClientStore::read(missing), Err(StoreError::Unexpected(_))));
    }

    #[test]
    fn changes_set_what_they_name_and_unset_what_they_clear() {
        let changes = ClientChanges {
            name: Some(ClientName::new("Acme Renamed").unwrap()),
            email: Some(None),
            logo: None,
            time_zone: Some(ClientTimeZone::parse("America/New_York").unwrap()),
            status: Some(ClientStatus::Archived),
        };
        assert_eq!(
            client_update(changes, at(5)),
            doc! {
                "$set": {
                    "name": "Acme Renamed",
                    "nameKey": "acme renamed",
                    "timeZone": "America/New_York",
                    "status": "archived",
                    "updatedAt": bson_date(at(5)),
                },
                "$unset": { "email": "" },
            }
        );
    }

    #[test]
    fn a_prefix_range_ends_at_the_least_string_past_every_match() {
        assert_eq!(prefix_successor("acme").as_deref(), Some("acmf"));
        assert_eq!(prefix_successor("\0").as_deref(), Some("\u{1}"));
        assert_eq!(prefix_successor("a.*").as_deref(), Some("a.+"));
        assert_eq!(prefix_successor("\u{D7FF}").as_deref(), Some("\u{E000}"), "surrogates are skipped");
        assert_eq!(prefix_successor("é").as_deref(), Some("ê"));
        assert_eq!(prefix_successor("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_successor("\u{10FFFF}\u{10FFFF}"), None);
        assert_eq!(prefix_successor(""), None);
        // Every name with the prefix is in [prefix, successor), in MongoDB's byte order.
        for (prefix, name) in [("ac", "ac\u{10FFFF}z"), ("ac", "acé"), ("\0", "\0\0"), ("ac", "ac")] {
            let end = prefix_successor(prefix).unwrap();
            assert!(prefix.as_bytes() <= name.as_bytes() && name.as_bytes() < end.as_bytes(), "{name:?}");
        }
        assert!("ad".as_bytes() >= prefix_successor("ac").unwrap().as_bytes());
    }

    #[test]
    fn a_document_without_a_name_key_still_reads() {
        let mut document = bson::to_document(&ClientDoc::from_domain(&client()).unwrap()).unwrap();
        document.remove("nameKey");
        assert_eq!(MongoClientStore::read(document).unwrap(), client());
    }

    #[test]
    fn the_list_filter_is_scoped_to_the_user_and_resumes_after_the_cursor() {
        let (user, id) = ids();
        let query = ClientQuery {
            status: Some(ClientStatus::Active),
            name_prefix: Some("ÉC.".into()),
            after: Some(ClientCursor { name: "Acme".into(), id }),
            ..ClientQuery::default()
        };
        assert_eq!(
            list_filter(user, &query),
            doc! {
                "userId": user_oid(user),
                "status": "active",
                "nameKey": { "$gte": "éc.", "$lt": "éc/" },
                "$or": [{ "name": { "$gt": "Acme" } }, { "name": "Acme", "_id": { "$gt": client_oid(id) } }],
            }
        );
    }
}
