//! The demo figures a client with nothing connected is answered from (decision 8).

use crate::platform::{
    AnalyticsMetrics, AnalyticsReport, DeviceShare, GoogleAdsCampaign, LinkedinAdsCampaign, MetaAdsCampaign, PageViews,
    PlatformData, SourceSessions,
};

/// The schema's Google Analytics sample plus one sample per ad platform.
pub fn sample() -> Vec<PlatformData> {
    vec![
        PlatformData::GoogleAnalytics(AnalyticsReport {
            metrics: AnalyticsMetrics {
                sessions: 15_234,
                users: 12_450,
                pageviews: 45_678,
                bounce_rate: 0.45,
                avg_session_duration: 185.0,
            },
            top_sources: vec![
                SourceSessions { source: "google / organic".into(), sessions: 8_500 },
                SourceSessions { source: "direct".into(), sessions: 3_200 },
                SourceSessions { source: "facebook / social".into(), sessions: 2_100 },
            ],
            devices: vec![
                DeviceShare { device: "desktop".into(), percentage: 58.0 },
                DeviceShare { device: "mobile".into(), percentage: 38.5 },
                DeviceShare { device: "tablet".into(), percentage: 3.5 },
            ],
            top_pages: vec![
                PageViews { page: "/".into(), views: 12_040 },
                PageViews { page: "/pricing".into(), views: 6_310 },
                PageViews { page: "/blog/analytics-guide".into(), views: 4_875 },
            ],
        }),
        PlatformData::GoogleAds(vec![
            GoogleAdsCampaign {
                name: "Demo - Brand Search".into(),
                spend: 1_850.40,
                clicks: 2_310,
                impressions: 28_400,
                ctr: 0.0813,
                conversions: 142.0,
            },
            GoogleAdsCampaign {
                name: "Demo - Generic Search".into(),
                spend: 3_420.75,
                clicks: 1_980,
                impressions: 61_250,
                ctr: 0.0323,
                conversions: 67.0,
            },
            GoogleAdsCampaign {
                name: "Demo - Performance Max".into(),
                spend: 2_640.00,
                clicks: 3_105,
                impressions: 182_300,
                ctr: 0.0170,
                conversions: 88.5,
            },
        ]),
        PlatformData::MetaAds(vec![
            MetaAdsCampaign {
                name: "Demo | Prospecting".into(),
                spend: 2_980.10,
                impressions: 412_000,
                clicks: 5_230,
                cpm: 7.23,
                roas: Some(2.4),
            },
            MetaAdsCampaign {
                name: "Demo | Retargeting".into(),
                spend: 1_120.55,
                impressions: 96_400,
                clicks: 2_870,
                cpm: 11.62,
                roas: Some(5.1),
            },
        ]),
        PlatformData::LinkedinAds(vec![
            LinkedinAdsCampaign {
                name: "Demo - Decision Makers".into(),
                spend: 2_450.00,
                impressions: 58_300,
                clicks: 412,
                leads: 37,
            },
            LinkedinAdsCampaign {
                name: "Demo - Webinar Lead Gen".into(),
                spend: 1_380.00,
                impressions: 31_900,
                clicks: 265,
                leads: 29,
            },
        ]),
    ]
}
