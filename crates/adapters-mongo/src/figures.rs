//! The figures of each platform in the customer's shapes: GA4 `metrics` and `dimensions`, ad
//! platforms' `campaigns`. Clients embed them in `platforms.<platform>`; `demo_data` and
//! `platform_snapshots` keep them under `data`.

use bson::Document;
use domain::platform::{
    AnalyticsMetrics, AnalyticsReport, DeviceShare, GoogleAdsCampaign, LinkedinAdsCampaign, MetaAdsCampaign, PageViews,
    Platform, PlatformData, SourceSessions,
};
use domain::ports::StoreError;
use serde::{Deserialize, Serialize};

use crate::convert::{Count, decode, encode_document};

/// `metrics` of Google Analytics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MetricsDoc {
    pub sessions: Count,
    pub users: Count,
    pub pageviews: Count,
    pub bounce_rate: f64,
    pub avg_session_duration: f64,
}

/// `dimensions` of Google Analytics.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DimensionsDoc {
    #[serde(default)]
    pub top_sources: Vec<SourceDoc>,
    #[serde(default)]
    pub devices: Vec<DeviceDoc>,
    #[serde(default)]
    pub top_pages: Vec<PageDoc>,
}

/// One entry of `dimensions.topSources`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SourceDoc {
    pub source: String,
    pub sessions: Count,
}

/// One entry of `dimensions.devices`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct DeviceDoc {
    pub device: String,
    pub percentage: f64,
}

/// One entry of `dimensions.topPages`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PageDoc {
    pub page: String,
    pub views: Count,
}

/// A Google Ads campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct GoogleAdsCampaignDoc {
    pub name: String,
    pub spend: f64,
    pub clicks: Count,
    pub impressions: Count,
    pub ctr: f64,
    pub conversions: f64,
}

/// A Meta Ads campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct MetaAdsCampaignDoc {
    pub name: String,
    pub spend: f64,
    pub impressions: Count,
    pub clicks: Count,
    pub cpm: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roas: Option<f64>,
}

/// A LinkedIn Ads campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct LinkedinAdsCampaignDoc {
    pub name: String,
    pub spend: f64,
    pub impressions: Count,
    pub clicks: Count,
    pub leads: Count,
}

/// Google Analytics figures as `data` of a demo or snapshot document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct AnalyticsDataDoc {
    pub metrics: MetricsDoc,
    #[serde(default)]
    pub dimensions: DimensionsDoc,
}

/// Ad campaigns as `data` of a demo or snapshot document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CampaignsDataDoc<C> {
    pub campaigns: Vec<C>,
}

impl From<&AnalyticsReport> for AnalyticsDataDoc {
    fn from(report: &AnalyticsReport) -> Self {
        let m = &report.metrics;
        Self {
            metrics: MetricsDoc {
                sessions: Count(m.sessions),
                users: Count(m.users),
                pageviews: Count(m.pageviews),
                bounce_rate: m.bounce_rate,
                avg_session_duration: m.avg_session_duration,
            },
            dimensions: DimensionsDoc {
                top_sources: report
                    .top_sources
                    .iter()
                    .map(|s| SourceDoc { source: s.source.clone(), sessions: Count(s.sessions) })
                    .collect(),
                devices: report
                    .devices
                    .iter()
                    .map(|d| DeviceDoc { device: d.device.clone(), percentage: d.percentage })
                    .collect(),
                top_pages: report
                    .top_pages
                    .iter()
                    .map(|p| PageDoc { page: p.page.clone(), views: Count(p.views) })
                    .collect(),
            },
        }
    }
}

impl From<AnalyticsDataDoc> for AnalyticsReport {
    fn from(doc: AnalyticsDataDoc) -> Self {
        let m = doc.metrics;
        Self {
            metrics: AnalyticsMetrics {
                sessions: m.sessions.0,
                users: m.users.0,
                pageviews: m.pageviews.0,
                bounce_rate: m.bounce_rate,
                avg_session_duration: m.avg_session_duration,
            },
            top_sources: doc
                .dimensions
                .top_sources
                .into_iter()
                .map(|s| SourceSessions { source: s.source, sessions: s.sessions.0 })
                .collect(),
            devices: doc
                .dimensions
                .devices
                .into_iter()
                .map(|d| DeviceShare { device: d.device, percentage: d.percentage })
                .collect(),
            top_pages: doc
                .dimensions
                .top_pages
                .into_iter()
                .map(|p| PageViews { page: p.page, views: p.views.0 })
                .collect(),
        }
    }
}

impl From<&GoogleAdsCampaign> for GoogleAdsCampaignDoc {
    fn from(c: &GoogleAdsCampaign) -> Self {
        Self {
            name: c.name.clone(),
            spend: c.spend,
            clicks: Count(c.clicks),
            impressions: Count(c.impressions),
            ctr: c.ctr,
            conversions: c.conversions,
        }
    }
}

impl From<GoogleAdsCampaignDoc> for GoogleAdsCampaign {
    fn from(c: GoogleAdsCampaignDoc) -> Self {
        Self {
            name: c.name,
            spend: c.spend,
            clicks: c.clicks.0,
            impressions: c.impressions.0,
            ctr: c.ctr,
            conversions: c.conversions,
        }
    }
}

impl From<&MetaAdsCampaign> for MetaAdsCampaignDoc {
    fn from(c: &MetaAdsCampaign) -> Self {
        Self {
            name: c.name.clone(),
            spend: c.spend,
            impressions: Count(c.impressions),
            clicks: Count(c.clicks),
            cpm: c.cpm,
            roas: c.roas,
        }
    }
}

impl From<MetaAdsCampaignDoc> for MetaAdsCampaign {
    fn from(c: MetaAdsCampaignDoc) -> Self {
        Self {
            name: c.name,
            spend: c.spend,
            impressions: c.impressions.0,
            clicks: c.clicks.0,
            cpm: c.cpm,
            roas: c.roas,
        }
    }
}

impl From<&LinkedinAdsCampaign> for LinkedinAdsCampaignDoc {
    fn from(c: &LinkedinAdsCampaign) -> Self {
        Self {
            name: c.name.clone(),
            spend: c.spend,
            impressions: Count(c.impressions),
            clicks: Count(c.clicks),
            leads: Count(c.leads),
        }
    }
}

impl From<LinkedinAdsCampaignDoc> for LinkedinAdsCampaign {
    fn from(c: LinkedinAdsCampaignDoc) -> Self {
        Self { name: c.name, spend: c.spend, impressions: c.impressions.0, clicks: c.clicks.0, leads: c.leads.0 }
    }
}

/// The figures as the `data` document of `demo_data` and `platform_snapshots`: `{metrics,
/// dimensions}` for Google Analytics, `{campaigns}` for an ad platform.
pub(crate) fn data_document(data: &PlatformData) -> Result<Document, StoreError> {
    match data {
        PlatformData::GoogleAnalytics(report) => encode_document(&AnalyticsDataDoc::from(report)),
        PlatformData::GoogleAds(c) => {
            encode_document(&CampaignsDataDoc { campaigns: c.iter().map(GoogleAdsCampaignDoc::from).collect() })
        }
        PlatformData::MetaAds(c) => {
            encode_document(&CampaignsDataDoc { campaigns: c.iter().map(MetaAdsCampaignDoc::from).collect() })
        }
        PlatformData::LinkedinAds(c) => {
            encode_document(&CampaignsDataDoc { campaigns: c.iter().map(LinkedinAdsCampaignDoc::from).collect() })
        }
    }
}

/// Reads the `data` document of `platform`; `what` names the document in errors.
pub(crate) fn platform_data(
    platform: Platform,
    data: Document,
    what: impl std::fmt::Display + Send + Sync + 'static,
) -> Result<PlatformData, StoreError> {
    Ok(match platform {
        Platform::GoogleAnalytics => PlatformData::GoogleAnalytics(decode::<AnalyticsDataDoc>(data, what)?.into()),
        Platform::GoogleAds => PlatformData::GoogleAds(
            decode::<CampaignsDataDoc<GoogleAdsCampaignDoc>>(data, what)?
                .campaigns
                .into_iter()
                .map(Into::into)
                .collect(),
        ),
        Platform::MetaAds => PlatformData::MetaAds(
            decode::<CampaignsDataDoc<MetaAdsCampaignDoc>>(data, what)?.campaigns.into_iter().map(Into::into).collect(),
        ),
        Platform::LinkedinAds => PlatformData::LinkedinAds(
            decode::<CampaignsDataDoc<LinkedinAdsCampaignDoc>>(data, what)?
                .campaigns
                .into_iter()
                .map(Into::into)
                .collect(),
        ),
    })
}

/// Parses a platform key (`googleAnalytics`, ...) read from a document.
pub(crate) fn parse_platform(
    key: &str,
    what: impl std::fmt::Display + Send + Sync + 'static,
) -> Result<Platform, StoreError> {
    key.parse().map_err(|e| crate::error::corrupt(what, e))
}

#[cfg(test)]
mod tests {
    use bson::doc;

    use super::*;

    #[test]
    fn analytics_data_is_the_schemas_metrics_and_dimensions() {
        let report = AnalyticsReport {
            metrics: AnalyticsMetrics {
                sessions: 15_234,
                users: 12_450,
                pageviews: 45_678,
                bounce_rate: 0.45,
                avg_session_duration: 185.5,
            },
            top_sources: vec![SourceSessions { source: "google / organic".into(), sessions: 8_500 }],
            devices: vec![DeviceShare { device: "desktop".into(), percentage: 58.0 }],
            top_pages: vec![PageViews { page: "/pricing".into(), views: 6_310 }],
        };
        let expected = doc! {
            "metrics": {
                "sessions": 15_234_i64,
                "users": 12_450_i64,
                "pageviews": 45_678_i64,
                "bounceRate": 0.45,
                "avgSessionDuration": 185.5,
            },
            "dimensions": {
                "topSources": [{ "source": "google / organic", "sessions": 8_500_i64 }],
                "devices": [{ "device": "desktop", "percentage": 58.0 }],
                "topPages": [{ "page": "/pricing", "views": 6_310_i64 }],
            },
        };
        let data = PlatformData::GoogleAnalytics(report);
        assert_eq!(data_document(&data).unwrap(), expected);
        assert_eq!(platform_data(Platform::GoogleAnalytics, expected, "test").unwrap(), data);
    }

    #[test]
    fn ad_campaigns_keep_each_platforms_fields() {
        let meta = PlatformData::MetaAds(vec![MetaAdsCampaign {
            name: "Prospecting".into(),
            spend: 2_980.1,
            impressions: 412_000,
            clicks: 5_230,
            cpm: 7.23,
            roas: None,
        }]);
        let expected = doc! {
            "campaigns": [{
                "name": "Prospecting",
                "spend": 2_980.1,
                "impressions": 412_000_i64,
                "clicks": 5_230_i64,
                "cpm": 7.23,
            }],
        };
        assert_eq!(data_document(&meta).unwrap(), expected);
        assert_eq!(platform_data(Platform::MetaAds, expected, "test").unwrap(), meta);

        let ads = PlatformData::GoogleAds(vec![GoogleAdsCampaign {
            name: "Brand".into(),
            spend: 10.0,
            clicks: 2,
            impressions: 30,
            ctr: 0.0667,
            conversions: 1.5,
        }]);
        let expected = doc! {
            "campaigns": [{
                "name": "Brand", "spend": 10.0, "clicks": 2_i64, "impressions": 30_i64, "ctr": 0.0667, "conversions": 1.5,
            }],
        };
        assert_eq!(data_document(&ads).unwrap(), expected);

        let linkedin = PlatformData::LinkedinAds(vec![LinkedinAdsCampaign {
            name: "DM".into(),
            spend: 5.0,
            impressions: 100,
            clicks: 3,
            leads: 1,
        }]);
        let expected = doc! {
            "campaigns": [{ "name": "DM", "spend": 5.0, "impressions": 100_i64, "clicks": 3_i64, "leads": 1_i64 }],
        };
        assert_eq!(data_document(&linkedin).unwrap(), expected);
    }

    #[test]
    fn figures_stored_as_other_number_types_still_read() {
        // A JavaScript writer stores 185 as an Int32 and 15234 as a Double.
        let stored = doc! {
            "metrics": { "sessions": 15_234.0, "users": 1_i32, "pageviews": 2_i32, "bounceRate": 0_i32, "avgSessionDuration": 185_i32 },
        };
        let PlatformData::GoogleAnalytics(report) = platform_data(Platform::GoogleAnalytics, stored, "test").unwrap()
        else {
            panic!("analytics expected");
        };
        assert_eq!(report.metrics.sessions, 15_234);
        assert!((report.metrics.avg_session_duration - 185.0).abs() < f64::EPSILON);
        assert!(report.top_sources.is_empty());
    }

    #[test]
    fn malformed_figures_are_an_error_not_a_panic() {
        let err = platform_data(Platform::GoogleAds, doc! { "campaigns": "none" }, "demo googleAds").unwrap_err();
        assert!(err.to_string().starts_with("corrupt demo googleAds"), "{err}");
    }
}
