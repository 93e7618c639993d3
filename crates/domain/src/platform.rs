//! Ad and analytics platforms, a client's connection to each, and the figures synced from them.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::cipher::SealedToken;
pub use crate::dates::DateRange;
use crate::validation::ValidationError;

/// A platform a client can connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    /// Google Analytics 4.
    GoogleAnalytics,
    /// Google Ads.
    GoogleAds,
    /// Meta (Facebook/Instagram) Ads.
    MetaAds,
    /// LinkedIn Ads.
    LinkedinAds,
}

impl Platform {
    /// Every platform, in a stable order.
    pub const ALL: [Platform; 4] = [Self::GoogleAnalytics, Self::GoogleAds, Self::MetaAds, Self::LinkedinAds];

    /// The platform's key in the customer's data model (`googleAnalytics`, ...).
    pub const fn key(self) -> &'static str {
        match self {
            Self::GoogleAnalytics => "googleAnalytics",
            Self::GoogleAds => "googleAds",
            Self::MetaAds => "metaAds",
            Self::LinkedinAds => "linkedinAds",
        }
    }

    /// A name to show people ("Google Analytics 4").
    pub const fn display_name(self) -> &'static str {
        match self {
            Self::GoogleAnalytics => "Google Analytics 4",
            Self::GoogleAds => "Google Ads",
            Self::MetaAds => "Meta Ads",
            Self::LinkedinAds => "LinkedIn Ads",
        }
    }

    /// Whether the platform sells ads (and so has spend and campaigns).
    pub const fn is_ad_platform(self) -> bool {
        !matches!(self, Self::GoogleAnalytics)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for Platform {
    type Err = ValidationError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|p| p.key() == raw).ok_or_else(|| {
            ValidationError::new("platform", "must be one of googleAnalytics, googleAds, metaAds, linkedinAds")
        })
    }
}

/// Health of a platform connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionStatus {
    /// Tokens work and data syncs.
    Active,
    /// The platform rejected the tokens; the user must reconnect.
    Expired,
    /// The last sync failed for another reason.
    Error,
}

impl ConnectionStatus {
    /// The status's name in the customer's data model.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Expired => "expired",
            Self::Error => "error",
        }
    }
}

impl FromStr for ConnectionStatus {
    type Err = ValidationError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw {
            "active" => Ok(Self::Active),
            "expired" => Ok(Self::Expired),
            "error" => Ok(Self::Error),
            _ => Err(ValidationError::new("status", "must be one of active, expired, error")),
        }
    }
}

/// Which account of the platform the client connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlatformAccount {
    /// A GA4 account and the property inside it.
    GoogleAnalytics {
        /// The GA4 account id.
        account_id: String,
        /// The GA4 property id that reports are run against.
        property_id: String,
    },
    /// A Google Ads customer (10 digits, no dashes).
    GoogleAds {
        /// The customer id.
        customer_id: String,
    },
    /// A Meta ad account (`act_...`).
    MetaAds {
        /// The ad account id.
        ad_account_id: String,
    },
    /// A LinkedIn sponsored account.
    LinkedinAds {
        /// The sponsored account id.
        account_id: String,
    },
}

impl PlatformAccount {
    /// The platform this account belongs to.
    pub const fn platform(&self) -> Platform {
        match self {
            Self::GoogleAnalytics { .. } => Platform::GoogleAnalytics,
            Self::GoogleAds { .. } => Platform::GoogleAds,
            Self::MetaAds { .. } => Platform::MetaAds,
            Self::LinkedinAds { .. } => Platform::LinkedinAds,
        }
    }

    /// The id a user picks the account by: the GA4 property, the Google Ads customer, the Meta ad
    /// account, the LinkedIn sponsored account.
    pub fn choice_id(&self) -> &str {
        match self {
            Self::GoogleAnalytics { property_id, .. } => property_id,
            other => other.account_id(),
        }
    }

    /// The id people recognise the account by (customer id, ad account id, ...).
    pub fn account_id(&self) -> &str {
        match self {
            Self::GoogleAnalytics { account_id, .. } | Self::LinkedinAds { account_id } => account_id,
            Self::GoogleAds { customer_id } => customer_id,
            Self::MetaAds { ad_account_id } => ad_account_id,
        }
    }
}

/// OAuth tokens of a connection, only ever held sealed by the [`crate::ports::TokenCipher`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedCredentials {
    /// The sealed access token.
    pub access_token: SealedToken,
    /// The sealed refresh token, when the platform issues one.
    pub refresh_token: Option<SealedToken>,
    /// When the access token expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// When the refresh token itself expires, where the platform says (LinkedIn: a year, not reset
    /// by refreshing).
    pub refresh_expires_at: Option<DateTime<Utc>>,
}

impl SealedCredentials {
    /// Whether the connection can renew its access by itself.
    pub fn can_renew(&self, now: DateTime<Utc>) -> bool {
        self.refresh_token.is_some() && self.refresh_expires_at.is_none_or(|at| at > now)
    }

    /// When access ends for good unless the user reconnects: the refresh token's expiry when it
    /// can renew, the access token's otherwise; `None` when neither expires.
    pub fn access_ends_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.can_renew(now) { self.refresh_expires_at } else { self.expires_at }
    }
}

/// When a connection syncs next, and which replica is syncing it now.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncSchedule {
    /// When it is due; `None` while no account is chosen.
    pub next_sync_at: Option<DateTime<Utc>>,
    /// Whether the first sync's back-fill of 13 months is done.
    pub backfilled: bool,
    /// The replica holding the connection's sync lease, and until when.
    pub lease: Option<(String, DateTime<Utc>)>,
}

/// A client's connection to one platform, with the latest figures synced from it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformConnection {
    /// The platform.
    pub platform: Platform,
    /// The account the figures come from; `None` between authorizing and choosing an account.
    pub account: Option<PlatformAccount>,
    /// Whether the connection is in use; a disconnected platform keeps its account id but no tokens.
    pub connected: bool,
    /// The sealed tokens; `None` once disconnected.
    pub credentials: Option<SealedCredentials>,
    /// When data was last synced.
    pub last_sync: Option<DateTime<Utc>>,
    /// Health of the connection.
    pub status: ConnectionStatus,
    /// Why the status is `expired` or `error`, in words a person can act on.
    pub status_reason: Option<String>,
    /// The latest synced figures, if any sync has succeeded.
    pub data: Option<PlatformData>,
    /// When it syncs next.
    pub sync: SyncSchedule,
}

/// How long before a connection's access ends, for good, a warning is shown.
pub const EXPIRY_WARNING: chrono::TimeDelta = chrono::TimeDelta::days(7);

impl PlatformConnection {
    /// A connection of `account`, active, with these credentials, not yet due to sync.
    pub fn new(account: PlatformAccount, credentials: SealedCredentials) -> Self {
        let platform = account.platform();
        Self { account: Some(account), ..Self::authorized(platform, credentials) }
    }

    /// A connection just authorized, before an account is chosen: active, not yet due to sync.
    pub fn authorized(platform: Platform, credentials: SealedCredentials) -> Self {
        Self {
            platform,
            account: None,
            connected: true,
            credentials: Some(credentials),
            last_sync: None,
            status: ConnectionStatus::Active,
            status_reason: None,
            data: None,
            sync: SyncSchedule::default(),
        }
    }

    /// The platform of this connection.
    pub const fn platform(&self) -> Platform {
        self.platform
    }

    /// When the access token expires, if known.
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.credentials.as_ref().and_then(|c| c.expires_at)
    }

    /// Whether the analyst may use this connection's figures.
    pub fn serves_data(&self) -> bool {
        self.connected && self.data.is_some()
    }

    /// Why the user must reconnect before the connection syncs again, in words they can act on;
    /// `None` when it works (or is not connected at all).
    pub fn needs_reconnect(&self, now: DateTime<Utc>) -> Option<String> {
        if !self.connected {
            return None;
        }
        let name = self.platform.display_name();
        if self.status == ConnectionStatus::Expired {
            return Some(
                self.status_reason
                    .clone()
                    .unwrap_or_else(|| format!("{name} no longer accepts this connection's access; reconnect {name}")),
            );
        }
        let credentials = self.credentials.as_ref()?;
        match credentials.access_ends_at(now) {
            Some(end) if end <= now => {
                Some(format!("{name}'s access expired on {}; reconnect {name}", end.date_naive()))
            }
            _ => None,
        }
    }

    /// A warning when access ends for good within [`EXPIRY_WARNING`] and cannot renew itself.
    pub fn expiry_warning(&self, now: DateTime<Utc>) -> Option<String> {
        if !self.connected || self.needs_reconnect(now).is_some() {
            return None;
        }
        let end = self.credentials.as_ref()?.access_ends_at(now)?;
        let name = self.platform.display_name();
        (end - now <= EXPIRY_WARNING).then(|| {
            format!(
                "{name}'s access ends on {} and cannot renew itself; reconnect {name} before then",
                end.date_naive()
            )
        })
    }

    /// Marks the connection disconnected and erases its tokens; the account id and figures stay.
    #[must_use]
    pub fn disconnected(mut self) -> Self {
        self.connected = false;
        self.credentials = None;
        self.sync = SyncSchedule::default();
        self
    }
}

/// Figures synced from one platform, in the customer's shapes.
#[derive(Debug, Clone, PartialEq)]
pub enum PlatformData {
    /// Google Analytics 4 metrics and dimensions.
    GoogleAnalytics(AnalyticsReport),
    /// Google Ads campaigns.
    GoogleAds(Vec<GoogleAdsCampaign>),
    /// Meta Ads campaigns.
    MetaAds(Vec<MetaAdsCampaign>),
    /// LinkedIn Ads campaigns.
    LinkedinAds(Vec<LinkedinAdsCampaign>),
}

impl PlatformData {
    /// The platform the figures came from.
    pub const fn platform(&self) -> Platform {
        match self {
            Self::GoogleAnalytics(_) => Platform::GoogleAnalytics,
            Self::GoogleAds(_) => Platform::GoogleAds,
            Self::MetaAds(_) => Platform::MetaAds,
            Self::LinkedinAds(_) => Platform::LinkedinAds,
        }
    }

    /// The ad campaigns as one platform-neutral shape; empty for analytics.
    pub fn campaigns(&self) -> Vec<CampaignFigures> {
        match self {
            Self::GoogleAnalytics(_) => Vec::new(),
            Self::GoogleAds(c) => c.iter().map(CampaignFigures::from).collect(),
            Self::MetaAds(c) => c.iter().map(CampaignFigures::from).collect(),
            Self::LinkedinAds(c) => c.iter().map(CampaignFigures::from).collect(),
        }
    }
}

/// GA4 report: site-wide metrics plus the breakdowns the schema keeps.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnalyticsReport {
    /// Site-wide totals.
    pub metrics: AnalyticsMetrics,
    /// Sessions by source / medium, largest first.
    pub top_sources: Vec<SourceSessions>,
    /// Share of sessions per device category.
    pub devices: Vec<DeviceShare>,
    /// Views per page, largest first.
    pub top_pages: Vec<PageViews>,
}

/// GA4 site-wide totals.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AnalyticsMetrics {
    /// Sessions.
    pub sessions: u64,
    /// Active users.
    pub users: u64,
    /// Page views.
    pub pageviews: u64,
    /// Bounce rate as a fraction (0.45 = 45 %).
    pub bounce_rate: f64,
    /// Average session duration in seconds.
    pub avg_session_duration: f64,
}

/// Sessions from one traffic source.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceSessions {
    /// Source / medium, as GA4 names it ("google / organic").
    pub source: String,
    /// Sessions from it.
    pub sessions: u64,
}

/// Share of sessions on one device category.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceShare {
    /// Device category ("desktop", "mobile", "tablet").
    pub device: String,
    /// Percentage of sessions (0–100).
    pub percentage: f64,
}

/// Views of one page.
#[derive(Debug, Clone, PartialEq)]
pub struct PageViews {
    /// Page path.
    pub page: String,
    /// Views.
    pub views: u64,
}

/// A Google Ads campaign's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct GoogleAdsCampaign {
    /// Campaign name.
    pub name: String,
    /// Spend in the account's currency.
    pub spend: f64,
    /// Clicks.
    pub clicks: u64,
    /// Impressions.
    pub impressions: u64,
    /// Click-through rate as a fraction.
    pub ctr: f64,
    /// Conversions (fractional, as Google Ads reports them).
    pub conversions: f64,
}

/// A Meta Ads campaign's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct MetaAdsCampaign {
    /// Campaign name.
    pub name: String,
    /// Spend in the account's currency.
    pub spend: f64,
    /// Impressions.
    pub impressions: u64,
    /// Clicks.
    pub clicks: u64,
    /// Cost per thousand impressions.
    pub cpm: f64,
    /// Purchase return on ad spend, when Meta reports one.
    pub roas: Option<f64>,
}

/// A LinkedIn Ads campaign's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedinAdsCampaign {
    /// Campaign name.
    pub name: String,
    /// Spend in the account's currency.
    pub spend: f64,
    /// Impressions.
    pub impressions: u64,
    /// Clicks.
    pub clicks: u64,
    /// Leads from lead-gen forms.
    pub leads: u64,
}

/// One campaign's figures in a shape common to every ad platform, for comparisons and totals.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignFigures {
    /// Campaign name.
    pub name: String,
    /// Spend.
    pub spend: f64,
    /// Clicks.
    pub clicks: u64,
    /// Impressions.
    pub impressions: u64,
    /// Conversions (Google Ads) or leads (LinkedIn); `None` where the platform reports neither.
    pub conversions: Option<f64>,
    /// Return on ad spend, where reported.
    pub roas: Option<f64>,
}

impl CampaignFigures {
    /// Click-through rate as a fraction, `None` without impressions.
    #[allow(clippy::cast_precision_loss)] // counts stay far below 2^52
    pub fn ctr(&self) -> Option<f64> {
        (self.impressions > 0).then(|| self.clicks as f64 / self.impressions as f64)
    }
}

impl From<&GoogleAdsCampaign> for CampaignFigures {
    fn from(c: &GoogleAdsCampaign) -> Self {
        Self {
            name: c.name.clone(),
            spend: c.spend,
            clicks: c.clicks,
            impressions: c.impressions,
            conversions: Some(c.conversions),
            roas: None,
        }
    }
}

impl From<&MetaAdsCampaign> for CampaignFigures {
    fn from(c: &MetaAdsCampaign) -> Self {
        Self {
            name: c.name.clone(),
            spend: c.spend,
            clicks: c.clicks,
            impressions: c.impressions,
            conversions: None,
            roas: c.roas,
        }
    }
}

impl From<&LinkedinAdsCampaign> for CampaignFigures {
    fn from(c: &LinkedinAdsCampaign) -> Self {
        #[allow(clippy::cast_precision_loss)] // lead counts stay far below 2^52
        let leads = c.leads as f64;
        Self {
            name: c.name.clone(),
            spend: c.spend,
            clicks: c.clicks,
            impressions: c.impressions,
            conversions: Some(leads),
            roas: None,
        }
    }
}

/// Figures of one platform for one date range, kept so that periods can be compared (decision 9).
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformSnapshot {
    /// The client the figures belong to.
    pub client_id: crate::ids::ClientId,
    /// The days covered.
    pub range: DateRange,
    /// The figures (which also name the platform).
    pub data: PlatformData,
    /// When they were fetched from the platform.
    pub fetched_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_keys_round_trip() {
        for p in Platform::ALL {
            assert_eq!(p.key().parse::<Platform>().unwrap(), p);
        }
        assert_eq!("tiktokAds".parse::<Platform>().unwrap_err().field(), "platform");
    }

    fn credentials(
        refresh: Option<&str>,
        expires_at: Option<DateTime<Utc>>,
        refresh_expires_at: Option<DateTime<Utc>>,
    ) -> SealedCredentials {
        SealedCredentials {
            access_token: SealedToken::new("k1:abc"),
            refresh_token: refresh.map(SealedToken::new),
            expires_at,
            refresh_expires_at,
        }
    }

    #[test]
    fn a_connection_that_renews_itself_needs_nothing_until_its_refresh_token_nears_its_end() {
        let now = "2026-12-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let days = |n| now + chrono::TimeDelta::days(n);
        let account = || PlatformAccount::LinkedinAds { account_id: "508765432".into() };
        // Google: access for an hour, a refresh token that does not expire.
        let google = PlatformConnection::new(
            account(),
            credentials(Some("k1:r"), Some(days(0) + chrono::TimeDelta::hours(1)), None),
        );
        assert_eq!((google.needs_reconnect(now), google.expiry_warning(now)), (None, None));
        // LinkedIn: a refresh token that ends in five days warns, ended asks to reconnect.
        let linkedin = PlatformConnection::new(account(), credentials(Some("k1:r"), Some(days(1)), Some(days(5))));
        assert!(linkedin.expiry_warning(now).unwrap().contains("2026-12-06"));
        assert!(linkedin.needs_reconnect(days(6)).unwrap().contains("reconnect LinkedIn Ads"));
        // Meta: no refresh token, a long-lived token of 60 days.
        let meta = PlatformConnection::new(account(), credentials(None, Some(days(60)), None));
        assert_eq!(meta.expiry_warning(now), None);
        assert!(meta.expiry_warning(days(55)).is_some());
        let mut expired = meta.clone();
        expired.status = ConnectionStatus::Expired;
        expired.status_reason = Some("Meta revoked the token (code 190); reconnect Meta Ads".into());
        assert_eq!(
            expired.needs_reconnect(now).as_deref(),
            Some("Meta revoked the token (code 190); reconnect Meta Ads")
        );
    }

    #[test]
    fn disconnecting_erases_tokens_but_keeps_the_account() {
        let conn = PlatformConnection::new(
            PlatformAccount::MetaAds { ad_account_id: "act_1".into() },
            credentials(None, None, None),
        );
        let off = conn.disconnected();
        assert!(!off.connected);
        assert!(off.credentials.is_none());
        assert_eq!(off.account.as_ref().map(PlatformAccount::account_id), Some("act_1"));
    }
}
