//! Start-up data: the demo figures every deployment needs (decision 8), and on the embedded default
//! two clients for the development user so that `make run` can be chatted with at once.
//!
//! The figures for Acme Corp are the October 2026 totals of the shared API fixtures, so that the
//! offline analyst and a real platform sync tell the same story.

use chrono::{DateTime, TimeDelta, Utc};
use domain::client::{ClientEmail, ClientName, LogoUrl, NewClient};
use domain::demo;
use domain::ids::{ClientId, UserId};
use domain::paging::ClientQuery;
use domain::platform::{
    AnalyticsMetrics, AnalyticsReport, DeviceShare, GoogleAdsCampaign, MetaAdsCampaign, PageViews, PlatformAccount,
    PlatformData, SourceSessions,
};
use domain::ports::{Stores, TokenGrant};
use secrecy::SecretString;

use crate::wiring::Services;

/// Seeds the demo figures when the store has none; whether it did.
///
/// # Errors
/// When the store fails.
pub async fn demo_data(stores: &Stores) -> anyhow::Result<bool> {
    Ok(stores.demo.seed_if_empty(&demo::sample()).await?)
}

/// The clients seeded for the development user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DevClients {
    /// Acme Corp: Google Ads, Meta Ads and GA4 connected and synced.
    pub acme: ClientId,
    /// Globex: nothing connected, so it is answered from demo data.
    pub globex: ClientId,
}

/// Seeds Acme Corp (three platforms connected with fake tokens, then synced) and Globex (nothing
/// connected) for `user` as of `now`, unless the user already has clients; `None` when nothing was seeded.
///
/// # Errors
/// When a service fails.
pub async fn dev_clients(services: &Services, user: UserId, now: DateTime<Utc>) -> anyhow::Result<Option<DevClients>> {
    let existing = services.clients.list(user, &ClientQuery::default()).await?;
    if !existing.items.is_empty() {
        return Ok(None);
    }
    let acme = services
        .clients
        .create(
            user,
            NewClient {
                name: ClientName::new("Acme Corp")?,
                email: Some(ClientEmail::new("marketing@acmecorp.com")?),
                logo: Some(LogoUrl::new("https://cdn.acmecorp.com/logo.png")?),
            },
        )
        .await?;
    let globex = services
        .clients
        .create(
            user,
            NewClient {
                name: ClientName::new("Globex")?,
                email: Some(ClientEmail::new("hello@globex.com")?),
                logo: None,
            },
        )
        .await?;

    let synced_at = now - TimeDelta::hours(2);
    for (account, data) in acme_connections() {
        // Fake tokens: they only show that tokens reach the store sealed. No platform is ever called.
        let grant = TokenGrant {
            access_token: SecretString::from(format!("dev-access-{}", account.platform())),
            refresh_token: Some(SecretString::from(format!("dev-refresh-{}", account.platform()))),
            expires_at: Some(now + TimeDelta::hours(1)),
        };
        services.platforms.connect(user, acme.id, account, &grant).await?;
        services.platforms.record_sync(user, acme.id, data, synced_at).await?;
    }
    Ok(Some(DevClients { acme: acme.id, globex: globex.id }))
}

fn acme_connections() -> Vec<(PlatformAccount, PlatformData)> {
    vec![
        (
            PlatformAccount::GoogleAnalytics { account_id: "123456789".into(), property_id: "345678901".into() },
            PlatformData::GoogleAnalytics(AnalyticsReport {
                metrics: AnalyticsMetrics {
                    sessions: 21_873,
                    users: 17_406,
                    pageviews: 33_519,
                    bounce_rate: 0.3802,
                    avg_session_duration: 131.3,
                },
                top_sources: vec![
                    SourceSessions { source: "google / cpc".into(), sessions: 4_861 },
                    SourceSessions { source: "google / organic".into(), sessions: 4_707 },
                    SourceSessions { source: "(direct) / (none)".into(), sessions: 2_440 },
                    SourceSessions { source: "facebook / paid".into(), sessions: 1_532 },
                    SourceSessions { source: "linkedin / paid".into(), sessions: 688 },
                ],
                devices: vec![
                    DeviceShare { device: "desktop".into(), percentage: 54.2 },
                    DeviceShare { device: "mobile".into(), percentage: 41.9 },
                    DeviceShare { device: "tablet".into(), percentage: 3.9 },
                ],
                top_pages: vec![
                    PageViews { page: "/".into(), views: 9_812 },
                    PageViews { page: "/pricing".into(), views: 5_204 },
                    PageViews { page: "/holiday-sale".into(), views: 4_377 },
                ],
            }),
        ),
        (
            PlatformAccount::GoogleAds { customer_id: "1234567890".into() },
            PlatformData::GoogleAds(vec![
                GoogleAdsCampaign {
                    name: "Acme - Brand Search - US".into(),
                    spend: 635.32,
                    clicks: 1_480,
                    impressions: 9_418,
                    ctr: 0.1571,
                    conversions: 122.0,
                },
                GoogleAdsCampaign {
                    name: "Acme - Generic Search - Analytics Software".into(),
                    spend: 3_898.24,
                    clicks: 1_717,
                    impressions: 53_121,
                    ctr: 0.0323,
                    conversions: 42.5,
                },
                GoogleAdsCampaign {
                    name: "Acme - PMax - Q4 Holiday".into(),
                    spend: 5_842.23,
                    clicks: 3_528,
                    impressions: 286_407,
                    ctr: 0.0123,
                    conversions: 172.84,
                },
            ]),
        ),
        (
            PlatformAccount::MetaAds { ad_account_id: "act_1029384756".into() },
            PlatformData::MetaAds(vec![
                MetaAdsCampaign {
                    name: "Acme | Prospecting | Q4 Holiday".into(),
                    spend: 6_842.17,
                    impressions: 912_345,
                    clicks: 14_208,
                    cpm: 7.50,
                    roas: Some(3.49),
                },
                MetaAdsCampaign {
                    name: "Acme | Retargeting | Cart Abandoners".into(),
                    spend: 2_215.64,
                    impressions: 188_402,
                    clicks: 5_133,
                    cpm: 11.76,
                    roas: Some(8.37),
                },
                MetaAdsCampaign {
                    name: "Acme | Lookalike 1% | Purchasers".into(),
                    spend: 3_398.02,
                    impressions: 401_776,
                    clicks: 6_957,
                    cpm: 8.46,
                    roas: Some(3.05),
                },
                MetaAdsCampaign {
                    name: "Acme | Brand Awareness | Video".into(),
                    spend: 3_450.00,
                    impressions: 1_204_880,
                    clicks: 2_311,
                    cpm: 2.86,
                    roas: None,
                },
            ]),
        ),
    ]
}
