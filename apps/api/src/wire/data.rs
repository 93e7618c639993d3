//! The figures the analyst sees for a client.

use chrono::{DateTime, Utc};
use domain::analyst::{ClientDataView, SourceData};
use domain::ids::ClientId;
use domain::platform::{AnalyticsReport, PlatformData};
use serde::Serialize;
use utoipa::ToSchema;

use crate::wire::enums::PlatformWire;

/// A client's figures: its connected platforms' latest sync, or demo data when none is connected.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientDataBody {
    /// The client's id.
    pub client_id: String,
    /// The client's name.
    pub client_name: String,
    /// Whether these are demo figures because no platform is connected (decision 8).
    pub demo: bool,
    /// One entry per platform with figures.
    pub sources: Vec<SourceBody>,
}

impl ClientDataBody {
    /// The body for `client`'s view.
    pub fn new(client: ClientId, view: &ClientDataView) -> Self {
        Self {
            client_id: client.to_string(),
            client_name: view.client_name.clone(),
            demo: view.demo,
            sources: view.sources.iter().map(|s| SourceBody::new(s, view.demo)).collect(),
        }
    }
}

/// One platform's figures.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SourceBody {
    /// The platform.
    pub platform: PlatformWire,
    /// When the figures were synced; `null` for demo data.
    #[serde(serialize_with = "crate::wire::rfc3339_option")]
    pub last_sync: Option<DateTime<Utc>>,
    /// Whether these are demo figures.
    pub demo: bool,
    /// Site-wide totals (Google Analytics only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<AnalyticsMetricsBody>,
    /// Breakdowns (Google Analytics only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<AnalyticsDimensionsBody>,
    /// Campaigns (ad platforms only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaigns: Option<Vec<CampaignBody>>,
}

impl SourceBody {
    fn new(source: &SourceData, demo: bool) -> Self {
        let mut body = Self {
            platform: source.data.platform().into(),
            last_sync: source.last_sync,
            demo,
            metrics: None,
            dimensions: None,
            campaigns: None,
        };
        match &source.data {
            PlatformData::GoogleAnalytics(report) => {
                body.metrics = Some(AnalyticsMetricsBody::from(report));
                body.dimensions = Some(AnalyticsDimensionsBody::from(report));
            }
            PlatformData::GoogleAds(campaigns) => {
                body.campaigns = Some(
                    campaigns
                        .iter()
                        .map(|c| CampaignBody {
                            ctr: Some(c.ctr),
                            conversions: Some(c.conversions),
                            ..CampaignBody::common(&c.name, c.spend, c.clicks, c.impressions)
                        })
                        .collect(),
                );
            }
            PlatformData::MetaAds(campaigns) => {
                body.campaigns = Some(
                    campaigns
                        .iter()
                        .map(|c| CampaignBody {
                            cpm: Some(c.cpm),
                            roas: c.roas,
                            ..CampaignBody::common(&c.name, c.spend, c.clicks, c.impressions)
                        })
                        .collect(),
                );
            }
            PlatformData::LinkedinAds(campaigns) => {
                body.campaigns = Some(
                    campaigns
                        .iter()
                        .map(|c| CampaignBody {
                            leads: Some(c.leads),
                            ..CampaignBody::common(&c.name, c.spend, c.clicks, c.impressions)
                        })
                        .collect(),
                );
            }
        }
        body
    }
}

/// Google Analytics site-wide totals.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticsMetricsBody {
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

impl From<&AnalyticsReport> for AnalyticsMetricsBody {
    fn from(r: &AnalyticsReport) -> Self {
        let m = r.metrics;
        Self {
            sessions: m.sessions,
            users: m.users,
            pageviews: m.pageviews,
            bounce_rate: m.bounce_rate,
            avg_session_duration: m.avg_session_duration,
        }
    }
}

/// Google Analytics breakdowns.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticsDimensionsBody {
    /// Sessions by source / medium, largest first.
    pub top_sources: Vec<SourceSessionsBody>,
    /// Share of sessions per device category.
    pub devices: Vec<DeviceShareBody>,
    /// Views per page, largest first.
    pub top_pages: Vec<PageViewsBody>,
}

/// Sessions from one traffic source.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SourceSessionsBody {
    /// Source / medium ("google / organic").
    pub source: String,
    /// Sessions.
    pub sessions: u64,
}

/// Share of sessions on one device category.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeviceShareBody {
    /// Device category.
    pub device: String,
    /// Percentage of sessions (0–100).
    pub percentage: f64,
}

/// Views of one page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PageViewsBody {
    /// Page path.
    pub page: String,
    /// Views.
    pub views: u64,
}

impl From<&AnalyticsReport> for AnalyticsDimensionsBody {
    fn from(r: &AnalyticsReport) -> Self {
        Self {
            top_sources: r
                .top_sources
                .iter()
                .map(|s| SourceSessionsBody { source: s.source.clone(), sessions: s.sessions })
                .collect(),
            devices: r
                .devices
                .iter()
                .map(|d| DeviceShareBody { device: d.device.clone(), percentage: d.percentage })
                .collect(),
            top_pages: r.top_pages.iter().map(|p| PageViewsBody { page: p.page.clone(), views: p.views }).collect(),
        }
    }
}

/// One ad campaign's figures; fields a platform does not report are absent.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CampaignBody {
    /// Campaign name.
    pub name: String,
    /// Spend in the account's currency.
    pub spend: f64,
    /// Clicks.
    pub clicks: u64,
    /// Impressions.
    pub impressions: u64,
    /// Click-through rate as a fraction (Google Ads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ctr: Option<f64>,
    /// Conversions (Google Ads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversions: Option<f64>,
    /// Cost per thousand impressions (Meta Ads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpm: Option<f64>,
    /// Purchase return on ad spend (Meta Ads, when reported).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roas: Option<f64>,
    /// Leads (`LinkedIn` Ads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leads: Option<u64>,
}

impl CampaignBody {
    /// The figures every ad platform reports; the platform-specific ones start empty.
    fn common(name: &str, spend: f64, clicks: u64, impressions: u64) -> Self {
        Self {
            name: name.to_owned(),
            spend,
            clicks,
            impressions,
            ctr: None,
            conversions: None,
            cpm: None,
            roas: None,
            leads: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_data_is_marked_demo_on_every_source() {
        let view = ClientDataView {
            client_name: "Globex".into(),
            demo: true,
            sources: domain::demo::sample().into_iter().map(|data| SourceData { data, last_sync: None }).collect(),
        };
        let body = ClientDataBody::new(ClientId::parse("64b7f0c2a1b2c3d4e5f60718").unwrap(), &view);
        assert!(body.demo);
        assert_eq!(body.sources.len(), 4);
        assert!(body.sources.iter().all(|s| s.demo));
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["sources"][0]["platform"], "googleAnalytics");
        assert_eq!(json["sources"][0]["metrics"]["sessions"], 15_234);
        assert_eq!(json["sources"][1]["campaigns"][0]["name"], "Demo - Brand Search");
        assert!(json["sources"][1]["campaigns"][0].get("leads").is_none());
    }
}
