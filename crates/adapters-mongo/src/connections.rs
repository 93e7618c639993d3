//! A client's connection to one platform: the sub-document `platforms.<platform>` of its client
//! document, and the filters and field-level writes of the guarded updates, the sync leases and
//! the sync queue.
//!
//! ```text
//! platforms.<platform>: {                 the platform is the key (googleAnalytics, googleAds, ...)
//!   connected: Boolean,
//!   accountId, propertyId: String         googleAnalytics   } absent while no account is chosen
//!   customerId: String                    googleAds         }
//!   adAccountId: String                   metaAds           }
//!   accountId: String                     linkedinAds       }
//!   accessToken?, refreshToken?: String   sealed (decision 2); absent once disconnected
//!   expiresAt?, refreshExpiresAt?: Date   refreshExpiresAt beyond the schema (LinkedIn's own)
//!   lastSync?: Date,
//!   status: 'active' | 'expired' | 'error',
//!   statusReason?: String                 beyond the schema: why expired or error
//!   nextSyncAt?: Date                     beyond the schema: when it is due; absent unscheduled
//!   backfilled?: true                     beyond the schema: the first sync's back-fill is done
//!   syncLease?: { holder: String, until: Date }   beyond the schema: the replica syncing it
//!   metrics?, dimensions?                 googleAnalytics's figures
//!   campaigns?                            an ad platform's figures
//! }
//! ```

use anyhow::anyhow;
use bson::{Bson, Document, doc};
use chrono::{DateTime, Utc};
use domain::cipher::SealedToken;
use domain::ids::{ClientId, UserId};
use domain::platform::{
    ConnectionStatus, Platform, PlatformAccount, PlatformConnection, PlatformData, SealedCredentials, SyncSchedule,
};
use domain::ports::{ConnectionUpdate, StoreError};
use serde::{Deserialize, Serialize};

use crate::convert::{Sealed, bson_date, chrono_date, client_oid, encode, user_oid};
use crate::error::corrupt;
use crate::figures::{
    AnalyticsDataDoc, DimensionsDoc, GoogleAdsCampaignDoc, LinkedinAdsCampaignDoc, MetaAdsCampaignDoc, MetricsDoc,
};

/// `syncLease`: which replica is syncing the connection, and until when (exclusive: from `until`
/// on, anyone may take it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SyncLeaseDoc {
    pub holder: String,
    pub until: bson::DateTime,
}

/// The fields every connection has besides its account and figures.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ConnectionFields {
    connected: bool,
    access_token: Option<Sealed>,
    refresh_token: Option<Sealed>,
    expires_at: Option<bson::DateTime>,
    refresh_expires_at: Option<bson::DateTime>,
    last_sync: Option<bson::DateTime>,
    status: String,
    status_reason: Option<String>,
    next_sync_at: Option<bson::DateTime>,
    backfilled: bool,
    sync_lease: Option<SyncLeaseDoc>,
}

/// Whether a flag is off (such a flag is left out of a document).
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `skip_serializing_if` passes a reference
fn is_false(flag: &bool) -> bool {
    !*flag
}

/// Declares a connection document: the common fields in the schema's order around the platform's
/// own account and figure fields. (Written out rather than `#[serde(flatten)]`, which loses BSON
/// dates on the way back.) Its `Debug` prints no token: they are [`Sealed`].
macro_rules! connection_doc {
    ($(#[$doc:meta])* $name:ident { $($account:ident),* ; $($figure:ident: $figure_ty:ty),* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub(crate) struct $name {
            pub connected: bool,
            $(
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $account: Option<String>,
            )*
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub access_token: Option<Sealed>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub refresh_token: Option<Sealed>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub expires_at: Option<bson::DateTime>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub refresh_expires_at: Option<bson::DateTime>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub last_sync: Option<bson::DateTime>,
            pub status: String,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub status_reason: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub next_sync_at: Option<bson::DateTime>,
            #[serde(default, skip_serializing_if = "is_false")]
            pub backfilled: bool,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub sync_lease: Option<SyncLeaseDoc>,
            $(
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $figure: Option<$figure_ty>,
            )*
        }

        impl $name {
            fn new(
                common: ConnectionFields,
                $($account: Option<String>,)*
                $($figure: Option<$figure_ty>,)*
            ) -> Self {
                Self {
                    connected: common.connected,
                    $($account,)*
                    access_token: common.access_token,
                    refresh_token: common.refresh_token,
                    expires_at: common.expires_at,
                    refresh_expires_at: common.refresh_expires_at,
                    last_sync: common.last_sync,
                    status: common.status,
                    status_reason: common.status_reason,
                    next_sync_at: common.next_sync_at,
                    backfilled: common.backfilled,
                    sync_lease: common.sync_lease,
                    $($figure,)*
                }
            }

            fn common(&self) -> ConnectionFields {
                ConnectionFields {
                    connected: self.connected,
                    access_token: self.access_token.clone(),
                    refresh_token: self.refresh_token.clone(),
                    expires_at: self.expires_at,
                    refresh_expires_at: self.refresh_expires_at,
                    last_sync: self.last_sync,
                    status: self.status.clone(),
                    status_reason: self.status_reason.clone(),
                    next_sync_at: self.next_sync_at,
                    backfilled: self.backfilled,
                    sync_lease: self.sync_lease.clone(),
                }
            }
        }
    };
}

connection_doc!(
    /// `platforms.googleAnalytics`.
    GoogleAnalyticsDoc { account_id, property_id; metrics: MetricsDoc, dimensions: DimensionsDoc }
);
connection_doc!(
    /// `platforms.googleAds`.
    GoogleAdsDoc { customer_id; campaigns: Vec<GoogleAdsCampaignDoc> }
);
connection_doc!(
    /// `platforms.metaAds`.
    MetaAdsDoc { ad_account_id; campaigns: Vec<MetaAdsCampaignDoc> }
);
connection_doc!(
    /// `platforms.linkedinAds`.
    LinkedinAdsDoc { account_id; campaigns: Vec<LinkedinAdsCampaignDoc> }
);

/// The fields of `platforms.<platform>` that name the chosen account.
pub(crate) const fn account_keys(platform: Platform) -> &'static [&'static str] {
    match platform {
        Platform::GoogleAnalytics => &["accountId", "propertyId"],
        Platform::GoogleAds => &["customerId"],
        Platform::MetaAds => &["adAccountId"],
        Platform::LinkedinAds => &["accountId"],
    }
}

/// The fields of `platforms.<platform>` that hold the latest figures.
const fn figure_keys(platform: Platform) -> &'static [&'static str] {
    match platform {
        Platform::GoogleAnalytics => &["metrics", "dimensions"],
        Platform::GoogleAds | Platform::MetaAds | Platform::LinkedinAds => &["campaigns"],
    }
}

/// The fields of a connection's credentials.
const CREDENTIAL_KEYS: [&str; 4] = ["accessToken", "refreshToken", "expiresAt", "refreshExpiresAt"];

/// The dotted path of `key` in the connection of `platform`: `platforms.googleAds.nextSyncAt`.
pub(crate) fn path(platform: Platform, key: &str) -> String {
    format!("platforms.{}.{key}", platform.key())
}

/// A connection's common fields from the domain.
fn common_fields(connection: &PlatformConnection) -> ConnectionFields {
    let credentials = connection.credentials.as_ref();
    ConnectionFields {
        connected: connection.connected,
        access_token: credentials.map(|c| Sealed::of(&c.access_token)),
        refresh_token: credentials.and_then(|c| c.refresh_token.as_ref()).map(Sealed::of),
        expires_at: credentials.and_then(|c| c.expires_at).map(bson_date),
        refresh_expires_at: credentials.and_then(|c| c.refresh_expires_at).map(bson_date),
        last_sync: connection.last_sync.map(bson_date),
        status: connection.status.key().to_owned(),
        status_reason: connection.status_reason.clone(),
        next_sync_at: connection.sync.next_sync_at.map(bson_date),
        backfilled: connection.sync.backfilled,
        sync_lease: connection
            .sync
            .lease
            .as_ref()
            .map(|(holder, until)| SyncLeaseDoc { holder: holder.clone(), until: bson_date(*until) }),
    }
}

/// One connection as its platform's document.
#[derive(Debug)]
pub(crate) enum ConnectionDoc {
    /// `platforms.googleAnalytics`.
    GoogleAnalytics(GoogleAnalyticsDoc),
    /// `platforms.googleAds`.
    GoogleAds(GoogleAdsDoc),
    /// `platforms.metaAds`.
    MetaAds(MetaAdsDoc),
    /// `platforms.linkedinAds`.
    LinkedinAds(LinkedinAdsDoc),
}

impl ConnectionDoc {
    /// The document a connection becomes.
    ///
    /// # Errors
    /// [`StoreError::Unexpected`] when its account or figures are of another platform.
    pub(crate) fn from_domain(connection: &PlatformConnection) -> Result<Self, StoreError> {
        let platform = connection.platform;
        let mismatch = |what: &str| {
            StoreError::Unexpected(anyhow!("the {} connection holds {what} of another platform", platform.key()))
        };
        let account = connection.account.as_ref();
        if account.is_some_and(|a| a.platform() != platform) {
            return Err(mismatch("an account"));
        }
        let data = connection.data.as_ref();
        if data.is_some_and(|d| d.platform() != platform) {
            return Err(mismatch("figures"));
        }
        let common = common_fields(connection);
        Ok(match platform {
            Platform::GoogleAnalytics => {
                let (account_id, property_id) = match account {
                    Some(PlatformAccount::GoogleAnalytics { account_id, property_id }) => {
                        (Some(account_id.clone()), Some(property_id.clone()))
                    }
                    _ => (None, None),
                };
                let (metrics, dimensions) = match data {
                    Some(PlatformData::GoogleAnalytics(report)) => {
                        let figures = AnalyticsDataDoc::from(report);
                        (Some(figures.metrics), Some(figures.dimensions))
                    }
                    _ => (None, None),
                };
                Self::GoogleAnalytics(GoogleAnalyticsDoc::new(common, account_id, property_id, metrics, dimensions))
            }
            Platform::GoogleAds => {
                let customer_id = match account {
                    Some(PlatformAccount::GoogleAds { customer_id }) => Some(customer_id.clone()),
                    _ => None,
                };
                let campaigns = match data {
                    Some(PlatformData::GoogleAds(c)) => Some(c.iter().map(GoogleAdsCampaignDoc::from).collect()),
                    _ => None,
                };
                Self::GoogleAds(GoogleAdsDoc::new(common, customer_id, campaigns))
            }
            Platform::MetaAds => {
                let ad_account_id = match account {
                    Some(PlatformAccount::MetaAds { ad_account_id }) => Some(ad_account_id.clone()),
                    _ => None,
                };
                let campaigns = match data {
                    Some(PlatformData::MetaAds(c)) => Some(c.iter().map(MetaAdsCampaignDoc::from).collect()),
                    _ => None,
                };
                Self::MetaAds(MetaAdsDoc::new(common, ad_account_id, campaigns))
            }
            Platform::LinkedinAds => {
                let account_id = match account {
                    Some(PlatformAccount::LinkedinAds { account_id }) => Some(account_id.clone()),
                    _ => None,
                };
                let campaigns = match data {
                    Some(PlatformData::LinkedinAds(c)) => Some(c.iter().map(LinkedinAdsCampaignDoc::from).collect()),
                    _ => None,
                };
                Self::LinkedinAds(LinkedinAdsDoc::new(common, account_id, campaigns))
            }
        })
    }

    /// The document as the BSON value stored at `platforms.<platform>`.
    pub(crate) fn to_bson(&self) -> Result<Bson, StoreError> {
        match self {
            Self::GoogleAnalytics(doc) => encode(doc),
            Self::GoogleAds(doc) => encode(doc),
            Self::MetaAds(doc) => encode(doc),
            Self::LinkedinAds(doc) => encode(doc),
        }
    }
}

/// A connection as the document stored at `platforms.<platform>`.
pub(crate) fn connection_document(connection: &PlatformConnection) -> Result<Bson, StoreError> {
    ConnectionDoc::from_domain(connection)?.to_bson()
}

/// A connection read back from its common fields, its account and its figures; `what` names it.
fn connection_of(
    common: ConnectionFields,
    platform: Platform,
    account: Option<PlatformAccount>,
    data: Option<PlatformData>,
    what: &str,
) -> Result<PlatformConnection, StoreError> {
    let status: ConnectionStatus = common.status.parse().map_err(|e| corrupt(format!("{what} status"), e))?;
    let credentials = match (common.access_token, common.refresh_token) {
        (Some(access), refresh) => Some(SealedCredentials {
            access_token: access.into_token(),
            refresh_token: refresh.map(Sealed::into_token),
            expires_at: common.expires_at.map(chrono_date),
            refresh_expires_at: common.refresh_expires_at.map(chrono_date),
        }),
        (None, None) => None,
        (None, Some(_)) => return Err(corrupt(what.to_owned(), "a refresh token without an access token")),
    };
    Ok(PlatformConnection {
        platform,
        account,
        connected: common.connected,
        credentials,
        last_sync: common.last_sync.map(chrono_date),
        status,
        status_reason: common.status_reason,
        data,
        sync: SyncSchedule {
            next_sync_at: common.next_sync_at.map(chrono_date),
            backfilled: common.backfilled,
            lease: common.sync_lease.map(|l| (l.holder, chrono_date(l.until))),
        },
    })
}

impl GoogleAnalyticsDoc {
    /// The connection this document holds; `what` names it.
    pub(crate) fn into_domain(self, what: &str) -> Result<PlatformConnection, StoreError> {
        let account = match (&self.account_id, &self.property_id) {
            (Some(account_id), Some(property_id)) => Some(PlatformAccount::GoogleAnalytics {
                account_id: account_id.clone(),
                property_id: property_id.clone(),
            }),
            (None, None) => None,
            _ => return Err(corrupt(what.to_owned(), "an accountId without a propertyId, or the reverse")),
        };
        let data = self.metrics.clone().map(|metrics| {
            PlatformData::GoogleAnalytics(
                AnalyticsDataDoc { metrics, dimensions: self.dimensions.clone().unwrap_or_default() }.into(),
            )
        });
        connection_of(self.common(), Platform::GoogleAnalytics, account, data, what)
    }
}

impl GoogleAdsDoc {
    /// The connection this document holds; `what` names it.
    pub(crate) fn into_domain(self, what: &str) -> Result<PlatformConnection, StoreError> {
        let account = self.customer_id.clone().map(|customer_id| PlatformAccount::GoogleAds { customer_id });
        let data = self.campaigns.clone().map(|c| PlatformData::GoogleAds(c.into_iter().map(Into::into).collect()));
        connection_of(self.common(), Platform::GoogleAds, account, data, what)
    }
}

impl MetaAdsDoc {
    /// The connection this document holds; `what` names it.
    pub(crate) fn into_domain(self, what: &str) -> Result<PlatformConnection, StoreError> {
        let account = self.ad_account_id.clone().map(|ad_account_id| PlatformAccount::MetaAds { ad_account_id });
        let data = self.campaigns.clone().map(|c| PlatformData::MetaAds(c.into_iter().map(Into::into).collect()));
        connection_of(self.common(), Platform::MetaAds, account, data, what)
    }
}

impl LinkedinAdsDoc {
    /// The connection this document holds; `what` names it.
    pub(crate) fn into_domain(self, what: &str) -> Result<PlatformConnection, StoreError> {
        let account = self.account_id.clone().map(|account_id| PlatformAccount::LinkedinAds { account_id });
        let data = self.campaigns.clone().map(|c| PlatformData::LinkedinAds(c.into_iter().map(Into::into).collect()));
        connection_of(self.common(), Platform::LinkedinAds, account, data, what)
    }
}

/// The filter of a guarded write: the user's client whose connection to `platform` is still
/// connected with the access token `expected`. A disconnect (no token) or a reconnect (another
/// token) since the caller read it matches nothing.
pub(crate) fn guard(user: UserId, client: ClientId, platform: Platform, expected: &SealedToken) -> Document {
    doc! {
        "_id": client_oid(client),
        "userId": user_oid(user),
        path(platform, "connected"): true,
        path(platform, "accessToken"): expected.as_str(),
    }
}

/// The update of a guarded write: a `$set` (and `$unset`) of the dotted paths of exactly the fields
/// `update` names, never the whole sub-document, and the client's `updatedAt`.
///
/// Each field is encoded as [`connection_document`] would write it, so that a field written here
/// reads back like one written by a whole save: a part that is absent in that document (a refresh
/// token the credentials lack, no reason, the back-fill not done) is unset.
///
/// # Errors
/// [`StoreError::Unexpected`] when the account or figures are of another platform.
pub(crate) fn connection_update(
    platform: Platform,
    update: &ConnectionUpdate,
    now: DateTime<Utc>,
) -> Result<Document, StoreError> {
    // A connection holding every field the update names: its document is what they become.
    let (status, status_reason) = update.status.clone().unwrap_or((ConnectionStatus::Active, None));
    let shape = PlatformConnection {
        platform,
        account: update.account.clone(),
        connected: true,
        credentials: update.credentials.clone(),
        last_sync: update.synced.as_ref().map(|(_, at)| *at),
        status,
        status_reason,
        data: update.synced.as_ref().map(|(data, _)| data.clone()),
        sync: SyncSchedule {
            next_sync_at: update.next_sync_at,
            backfilled: update.backfilled.unwrap_or(false),
            lease: None,
        },
    };
    let Bson::Document(written) = connection_document(&shape)? else {
        return Err(StoreError::Unexpected(anyhow!("a connection did not encode as a document")));
    };
    let mut set = Document::new();
    let mut unset = Document::new();
    let mut write = |keys: &[&str]| {
        for key in keys {
            match written.get(*key) {
                Some(value) => set.insert(path(platform, key), value.clone()),
                None => unset.insert(path(platform, key), ""),
            };
        }
    };
    if update.credentials.is_some() {
        write(&CREDENTIAL_KEYS);
    }
    if update.account.is_some() {
        write(account_keys(platform));
    }
    if update.status.is_some() {
        write(&["status", "statusReason"]);
    }
    if update.synced.is_some() {
        write(figure_keys(platform));
        write(&["lastSync"]);
    }
    if update.next_sync_at.is_some() {
        write(&["nextSyncAt", "syncLease"]);
    }
    if update.backfilled.is_some() {
        write(&["backfilled"]);
    }
    set.insert("updatedAt", bson_date(now));
    let mut document = doc! { "$set": set };
    if !unset.is_empty() {
        document.insert("$unset", unset);
    }
    Ok(document)
}

/// The lease of `holder` until `until`, as `$set` of `platforms.<platform>.syncLease`.
pub(crate) fn lease_update(platform: Platform, holder: &str, until: DateTime<Utc>) -> Document {
    doc! { "$set": { path(platform, "syncLease"): { "holder": holder, "until": bson_date(until) } } }
}

/// The connection's lease is free at `now`: there is none, or it has expired.
fn lease_free(platform: Platform, now: DateTime<Utc>) -> [Document; 2] {
    [
        doc! { path(platform, "syncLease"): { "$exists": false } },
        doc! { path(platform, "syncLease.until"): { "$lte": bson_date(now) } },
    ]
}

/// The filter of [`lease_sync`](domain::ports::ClientStore::lease_sync): the user's client whose
/// connection to `platform` is connected and not leased to another live holder at `now`.
pub(crate) fn leasable(
    user: UserId,
    client: ClientId,
    platform: Platform,
    holder: &str,
    now: DateTime<Utc>,
) -> Document {
    let [none, expired] = lease_free(platform, now);
    doc! {
        "_id": client_oid(client),
        "userId": user_oid(user),
        path(platform, "connected"): true,
        "$or": [none, expired, { path(platform, "syncLease.holder"): holder }],
    }
}

/// The filter of the connections to `platform` due at `now`, across every user: connected, with an
/// account, `nextSyncAt` reached, and no live lease. `connected: true` is also the filter of the
/// partial index on `nextSyncAt`, so a real MongoDB answers this from that index.
pub(crate) fn due(platform: Platform, now: DateTime<Utc>) -> Document {
    let mut filter = doc! { path(platform, "connected"): true };
    for key in account_keys(platform) {
        filter.insert(path(platform, key), doc! { "$exists": true });
    }
    filter.insert(path(platform, "nextSyncAt"), doc! { "$lte": bson_date(now) });
    filter.insert("$or", lease_free(platform, now).to_vec());
    filter
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use domain::platform::{AnalyticsMetrics, AnalyticsReport, LinkedinAdsCampaign};

    use super::*;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 10, minute, 0).unwrap() + chrono::TimeDelta::milliseconds(123)
    }

    fn ids() -> (UserId, ClientId) {
        (UserId::parse("64b7f0c2a1b2c3d4e5f60718").unwrap(), ClientId::parse("64b7f0c2a1b2c3d4e5f60719").unwrap())
    }

    fn credentials() -> SealedCredentials {
        SealedCredentials {
            access_token: SealedToken::new("k1:access"),
            refresh_token: Some(SealedToken::new("k1:refresh")),
            expires_at: Some(at(30)),
            refresh_expires_at: Some(at(59)),
        }
    }

    /// A LinkedIn connection with every field of the sub-document set.
    fn linkedin() -> PlatformConnection {
        PlatformConnection {
            last_sync: Some(at(20)),
            status: ConnectionStatus::Error,
            status_reason: Some("LinkedIn refused the call (403); ask an account admin for access".into()),
            data: Some(PlatformData::LinkedinAds(vec![LinkedinAdsCampaign {
                name: "Decision Makers".into(),
                spend: 2.5,
                impressions: 10,
                clicks: 1,
                leads: 0,
            }])),
            sync: SyncSchedule {
                next_sync_at: Some(at(40)),
                backfilled: true,
                lease: Some(("replica-a".into(), at(45))),
            },
            ..PlatformConnection::new(PlatformAccount::LinkedinAds { account_id: "508".into() }, credentials())
        }
    }

    #[test]
    fn a_connection_becomes_its_sub_document_field_by_field() {
        assert_eq!(
            connection_document(&linkedin()).unwrap(),
            Bson::Document(doc! {
                "connected": true,
                "accountId": "508",
                "accessToken": "k1:access",
                "refreshToken": "k1:refresh",
                "expiresAt": bson_date(at(30)),
                "refreshExpiresAt": bson_date(at(59)),
                "lastSync": bson_date(at(20)),
                "status": "error",
                "statusReason": "LinkedIn refused the call (403); ask an account admin for access",
                "nextSyncAt": bson_date(at(40)),
                "backfilled": true,
                "syncLease": { "holder": "replica-a", "until": bson_date(at(45)) },
                "campaigns": [{ "name": "Decision Makers", "spend": 2.5, "impressions": 10_i64, "clicks": 1_i64, "leads": 0_i64 }],
            })
        );
    }

    #[test]
    fn a_connection_without_an_account_has_no_account_fields_and_reads_back_without_one() {
        let authorized = PlatformConnection {
            platform: Platform::GoogleAnalytics,
            account: None,
            connected: true,
            credentials: Some(SealedCredentials { refresh_expires_at: None, ..credentials() }),
            last_sync: None,
            status: ConnectionStatus::Active,
            status_reason: None,
            data: None,
            sync: SyncSchedule::default(),
        };
        let Bson::Document(written) = connection_document(&authorized).unwrap() else { panic!("a document") };
        assert_eq!(
            written,
            doc! {
                "connected": true,
                "accessToken": "k1:access",
                "refreshToken": "k1:refresh",
                "expiresAt": bson_date(at(30)),
                "status": "active",
            }
        );
        let read: GoogleAnalyticsDoc = bson::from_document(written).unwrap();
        assert_eq!(read.into_domain("test").unwrap(), authorized);
    }

    #[test]
    fn every_field_reads_back_as_written() {
        let Bson::Document(written) = connection_document(&linkedin()).unwrap() else { panic!("a document") };
        let read: LinkedinAdsDoc = bson::from_document(written).unwrap();
        assert_eq!(read.into_domain("test").unwrap(), linkedin());
    }

    #[test]
    fn half_a_ga4_account_is_corrupt() {
        let document = doc! { "connected": true, "accountId": "123", "status": "active" };
        let read: GoogleAnalyticsDoc = bson::from_document(document).unwrap();
        let err = read.into_domain("client 1 googleAnalytics").unwrap_err();
        assert!(err.to_string().contains("client 1 googleAnalytics"), "{err}");
    }

    #[test]
    fn an_account_or_figures_of_another_platform_are_refused() {
        let wrong_account =
            PlatformConnection { account: Some(PlatformAccount::GoogleAds { customer_id: "1".into() }), ..linkedin() };
        assert!(matches!(connection_document(&wrong_account), Err(StoreError::Unexpected(_))));
        let wrong_data = PlatformConnection { data: Some(PlatformData::GoogleAds(vec![])), ..linkedin() };
        assert!(matches!(connection_document(&wrong_data), Err(StoreError::Unexpected(_))));
    }

    #[test]
    fn the_debug_output_of_a_connection_document_holds_no_token() {
        let document = ConnectionDoc::from_domain(&linkedin()).unwrap();
        let debug = format!("{document:?}");
        assert!(debug.contains("Sealed(..)"), "{debug}");
        assert!(!debug.contains("k1:access") && !debug.contains("k1:refresh"), "{debug}");
    }

    #[test]
    fn a_guarded_write_is_filtered_on_the_owner_the_connection_and_its_access_token() {
        let (user, client) = ids();
        assert_eq!(
            guard(user, client, Platform::MetaAds, &SealedToken::new("k1:access")),
            doc! {
                "_id": client_oid(client),
                "userId": user_oid(user),
                "platforms.metaAds.connected": true,
                "platforms.metaAds.accessToken": "k1:access",
            }
        );
    }

    #[test]
    fn an_update_sets_only_the_fields_it_names() {
        let platform = Platform::GoogleAnalytics;
        let status = ConnectionUpdate {
            status: Some((ConnectionStatus::Expired, Some("reconnect Google Analytics 4".into()))),
            ..ConnectionUpdate::default()
        };
        assert_eq!(
            connection_update(platform, &status, at(50)).unwrap(),
            doc! { "$set": {
                "platforms.googleAnalytics.status": "expired",
                "platforms.googleAnalytics.statusReason": "reconnect Google Analytics 4",
                "updatedAt": bson_date(at(50)),
            } }
        );
        let cleared =
            ConnectionUpdate { status: Some((ConnectionStatus::Active, None)), ..ConnectionUpdate::default() };
        assert_eq!(
            connection_update(platform, &cleared, at(50)).unwrap(),
            doc! {
                "$set": { "platforms.googleAnalytics.status": "active", "updatedAt": bson_date(at(50)) },
                "$unset": { "platforms.googleAnalytics.statusReason": "" },
            }
        );
        let nothing = connection_update(platform, &ConnectionUpdate::default(), at(50)).unwrap();
        assert_eq!(nothing, doc! { "$set": { "updatedAt": bson_date(at(50)) } });
    }

    #[test]
    fn an_update_of_every_field_writes_each_dotted_path() {
        let report = AnalyticsReport {
            metrics: AnalyticsMetrics {
                sessions: 3,
                users: 2,
                pageviews: 9,
                bounce_rate: 0.5,
                avg_session_duration: 60.5,
            },
            ..AnalyticsReport::default()
        };
        let account = PlatformAccount::GoogleAnalytics { account_id: "123".into(), property_id: "properties/9".into() };
        let update = ConnectionUpdate {
            credentials: Some(SealedCredentials { refresh_token: None, refresh_expires_at: None, ..credentials() }),
            account: Some(account),
            status: Some((ConnectionStatus::Active, None)),
            synced: Some((PlatformData::GoogleAnalytics(report), at(41))),
            next_sync_at: Some(at(52)),
            backfilled: Some(false),
        };
        assert_eq!(
            connection_update(Platform::GoogleAnalytics, &update, at(42)).unwrap(),
            doc! {
                "$set": {
                    "platforms.googleAnalytics.accessToken": "k1:access",
                    "platforms.googleAnalytics.expiresAt": bson_date(at(30)),
                    "platforms.googleAnalytics.accountId": "123",
                    "platforms.googleAnalytics.propertyId": "properties/9",
                    "platforms.googleAnalytics.status": "active",
                    "platforms.googleAnalytics.metrics": {
                        "sessions": 3_i64, "users": 2_i64, "pageviews": 9_i64, "bounceRate": 0.5, "avgSessionDuration": 60.5,
                    },
                    "platforms.googleAnalytics.dimensions": { "topSources": [], "devices": [], "topPages": [] },
                    "platforms.googleAnalytics.lastSync": bson_date(at(41)),
                    "platforms.googleAnalytics.nextSyncAt": bson_date(at(52)),
                    "updatedAt": bson_date(at(42)),
                },
                "$unset": {
                    "platforms.googleAnalytics.refreshToken": "",
                    "platforms.googleAnalytics.refreshExpiresAt": "",
                    "platforms.googleAnalytics.statusReason": "",
                    "platforms.googleAnalytics.syncLease": "",
                    "platforms.googleAnalytics.backfilled": "",
                },
            }
        );
    }

    #[test]
    fn an_update_with_figures_or_an_account_of_another_platform_is_refused() {
        let figures = ConnectionUpdate { synced: Some((PlatformData::MetaAds(vec![]), at(1))), ..Default::default() };
        assert!(matches!(connection_update(Platform::GoogleAds, &figures, at(2)), Err(StoreError::Unexpected(_))));
        let account = ConnectionUpdate {
            account: Some(PlatformAccount::MetaAds { ad_account_id: "act_1".into() }),
            ..Default::default()
        };
        assert!(matches!(connection_update(Platform::GoogleAds, &account, at(2)), Err(StoreError::Unexpected(_))));
    }

    #[test]
    fn a_lease_is_taken_when_free_expired_or_already_the_holders() {
        let (user, client) = ids();
        assert_eq!(
            leasable(user, client, Platform::GoogleAds, "replica-a", at(10)),
            doc! {
                "_id": client_oid(client),
                "userId": user_oid(user),
                "platforms.googleAds.connected": true,
                "$or": [
                    { "platforms.googleAds.syncLease": { "$exists": false } },
                    { "platforms.googleAds.syncLease.until": { "$lte": bson_date(at(10)) } },
                    { "platforms.googleAds.syncLease.holder": "replica-a" },
                ],
            }
        );
        assert_eq!(
            lease_update(Platform::GoogleAds, "replica-a", at(25)),
            doc! { "$set": { "platforms.googleAds.syncLease": { "holder": "replica-a", "until": bson_date(at(25)) } } }
        );
    }

    #[test]
    fn a_due_connection_is_connected_with_an_account_past_its_time_and_unleased() {
        assert_eq!(
            due(Platform::GoogleAnalytics, at(10)),
            doc! {
                "platforms.googleAnalytics.connected": true,
                "platforms.googleAnalytics.accountId": { "$exists": true },
                "platforms.googleAnalytics.propertyId": { "$exists": true },
                "platforms.googleAnalytics.nextSyncAt": { "$lte": bson_date(at(10)) },
                "$or": [
                    { "platforms.googleAnalytics.syncLease": { "$exists": false } },
                    { "platforms.googleAnalytics.syncLease.until": { "$lte": bson_date(at(10)) } },
                ],
            }
        );
    }
}
