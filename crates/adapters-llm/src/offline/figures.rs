//! Metric extraction: the figures a question can ask about, read or derived from a
//! [`ClientDataView`]. Nothing here invents a number: every value is a field of the view, a sum of
//! fields, or a ratio of such sums.

use chrono::{DateTime, Utc};
use domain::analyst::ClientDataView;
use domain::platform::{AnalyticsMetrics, AnalyticsReport, CampaignFigures, Platform, PlatformData};

/// A figure the offline analyst can report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    /// Ad spend.
    Spend,
    /// Ad clicks.
    Clicks,
    /// Ad impressions.
    Impressions,
    /// Click-through rate: clicks / impressions.
    Ctr,
    /// Conversions on Google Ads, leads on [`Platform::LinkedinAds`].
    Conversions,
    /// Conversions / clicks.
    ConversionRate,
    /// Cost per click: spend / clicks.
    Cpc,
    /// Cost per thousand impressions: spend / impressions × 1000.
    Cpm,
    /// Cost per conversion (or lead): spend / conversions.
    Cpa,
    /// Return on ad spend (Meta only), spend-weighted when campaigns are added up.
    Roas,
    /// GA4 sessions.
    Sessions,
    /// GA4 users.
    Users,
    /// GA4 page views.
    Pageviews,
    /// GA4 bounce rate.
    BounceRate,
    /// GA4 average session duration.
    AvgSessionDuration,
    /// GA4 sessions by source / medium.
    TopSources,
    /// GA4 share of sessions by device.
    Devices,
    /// GA4 views by page.
    TopPages,
}

/// How a metric's value reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// An amount in the ad account's currency.
    Money,
    /// A whole number.
    Count,
    /// A possibly fractional number (conversions).
    Decimal,
    /// A fraction shown as a percentage.
    Rate,
    /// A return multiple.
    Multiple,
    /// Seconds.
    Seconds,
    /// A breakdown, not a single number.
    Breakdown,
}

impl Metric {
    /// The ad metrics shown in a platform overview, in order.
    pub const AD_OVERVIEW: [Metric; 6] =
        [Self::Spend, Self::Clicks, Self::Impressions, Self::Ctr, Self::Conversions, Self::Roas];

    /// The analytics metrics shown in an overview, in order.
    pub const ANALYTICS_OVERVIEW: [Metric; 5] =
        [Self::Sessions, Self::Users, Self::Pageviews, Self::BounceRate, Self::AvgSessionDuration];

    /// Whether the metric comes from the ad platforms (otherwise from Google Analytics 4).
    pub const fn is_ad_metric(self) -> bool {
        matches!(
            self,
            Self::Spend
                | Self::Clicks
                | Self::Impressions
                | Self::Ctr
                | Self::Conversions
                | Self::ConversionRate
                | Self::Cpc
                | Self::Cpm
                | Self::Cpa
                | Self::Roas
        )
    }

    /// Whether more is better when judging a campaign "best" or "worst" by it; `None` for metrics
    /// that measure size, not performance (spend, impressions).
    pub const fn higher_is_better(self) -> Option<bool> {
        match self {
            Self::Clicks | Self::Ctr | Self::Conversions | Self::ConversionRate | Self::Roas => Some(true),
            Self::Cpc | Self::Cpm | Self::Cpa => Some(false),
            _ => None,
        }
    }

    /// How the value reads.
    pub const fn unit(self) -> Unit {
        match self {
            Self::Spend | Self::Cpc | Self::Cpm | Self::Cpa => Unit::Money,
            Self::Clicks | Self::Impressions | Self::Sessions | Self::Users | Self::Pageviews => Unit::Count,
            Self::Conversions => Unit::Decimal,
            Self::Ctr | Self::ConversionRate | Self::BounceRate => Unit::Rate,
            Self::Roas => Unit::Multiple,
            Self::AvgSessionDuration => Unit::Seconds,
            Self::TopSources | Self::Devices | Self::TopPages => Unit::Breakdown,
        }
    }

    /// The metric's name in a sentence.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Spend => "spend",
            Self::Clicks => "clicks",
            Self::Impressions => "impressions",
            Self::Ctr => "CTR",
            Self::Conversions => "conversions",
            Self::ConversionRate => "conversion rate",
            Self::Cpc => "CPC",
            Self::Cpm => "CPM",
            Self::Cpa => "cost per conversion",
            Self::Roas => "ROAS",
            Self::Sessions => "sessions",
            Self::Users => "users",
            Self::Pageviews => "pageviews",
            Self::BounceRate => "bounce rate",
            Self::AvgSessionDuration => "average session duration",
            Self::TopSources => "top traffic sources",
            Self::Devices => "sessions by device",
            Self::TopPages => "top pages",
        }
    }

    /// The metric's name for one platform: conversions on [`Platform::LinkedinAds`] are leads.
    pub const fn label_on(self, platform: Platform) -> &'static str {
        match (self, platform) {
            (Self::Conversions, Platform::LinkedinAds) => "leads",
            (Self::ConversionRate, Platform::LinkedinAds) => "lead rate",
            (Self::Cpa, Platform::LinkedinAds) => "cost per lead",
            _ => self.label(),
        }
    }

    /// Whether the platform reports what the metric needs at all (Meta has no conversions, only Meta
    /// has ROAS, only GA4 has sessions).
    pub const fn reported_by(self, platform: Platform) -> bool {
        match self {
            Self::Conversions | Self::ConversionRate | Self::Cpa => {
                matches!(platform, Platform::GoogleAds | Platform::LinkedinAds)
            }
            Self::Roas => matches!(platform, Platform::MetaAds),
            _ if self.is_ad_metric() => platform.is_ad_platform(),
            _ => matches!(platform, Platform::GoogleAnalytics),
        }
    }
}

/// Ad figures of one campaign or a sum of campaigns, from which every ad metric is derived.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AdFigures {
    /// Spend.
    pub spend: f64,
    /// Clicks.
    pub clicks: u64,
    /// Impressions.
    pub impressions: u64,
    /// Conversions or leads, where reported.
    pub conversions: Option<f64>,
    /// Return on ad spend, spend-weighted over the campaigns that report one.
    pub roas: Option<f64>,
    /// Spend of the campaigns that report a ROAS, the weight of `roas`.
    roas_spend: f64,
}

impl AdFigures {
    /// One campaign's figures.
    pub fn of_campaign(c: &CampaignFigures) -> Self {
        Self {
            spend: c.spend,
            clicks: c.clicks,
            impressions: c.impressions,
            conversions: c.conversions,
            roas: c.roas,
            roas_spend: if c.roas.is_some() { c.spend } else { 0.0 },
        }
    }

    /// The sum of several figures; conversions and ROAS only over those that report them.
    pub fn total<'a>(parts: impl IntoIterator<Item = &'a AdFigures>) -> Self {
        let mut total = Self::default();
        let mut revenue = 0.0;
        for p in parts {
            total.spend += p.spend;
            total.clicks += p.clicks;
            total.impressions += p.impressions;
            if let Some(c) = p.conversions {
                total.conversions = Some(total.conversions.unwrap_or(0.0) + c);
            }
            if let Some(r) = p.roas {
                revenue += r * p.roas_spend;
                total.roas_spend += p.roas_spend;
            }
        }
        total.roas = (total.roas_spend > 0.0).then(|| revenue / total.roas_spend);
        total
    }

    /// The value of an ad metric; `None` when it is not reported or its denominator is zero.
    #[allow(clippy::cast_precision_loss)] // counts stay far below 2^52
    pub fn value(&self, metric: Metric) -> Option<f64> {
        let clicks = self.clicks as f64;
        let impressions = self.impressions as f64;
        let ratio = |num: f64, den: f64| (den > 0.0).then(|| num / den);
        match metric {
            Metric::Spend => Some(self.spend),
            Metric::Clicks => Some(clicks),
            Metric::Impressions => Some(impressions),
            Metric::Ctr => ratio(clicks, impressions),
            Metric::Conversions => self.conversions,
            Metric::ConversionRate => self.conversions.and_then(|c| ratio(c, clicks)),
            Metric::Cpc => ratio(self.spend, clicks),
            Metric::Cpm => ratio(self.spend * 1000.0, impressions),
            Metric::Cpa => self.conversions.and_then(|c| ratio(self.spend, c)),
            Metric::Roas => self.roas,
            _ => None,
        }
    }
}

/// One ad platform's campaigns.
#[derive(Debug, Clone, PartialEq)]
pub struct AdPlatform {
    /// The platform.
    pub platform: Platform,
    /// Its campaigns, in the order the platform gave them.
    pub campaigns: Vec<CampaignFigures>,
}

impl AdPlatform {
    /// The platform's totals.
    pub fn totals(&self) -> AdFigures {
        let parts: Vec<AdFigures> = self.campaigns.iter().map(AdFigures::of_campaign).collect();
        AdFigures::total(&parts)
    }
}

/// The value of an analytics metric; `None` for ad metrics and breakdowns.
#[allow(clippy::cast_precision_loss)] // counts stay far below 2^52
pub fn analytics_value(m: &AnalyticsMetrics, metric: Metric) -> Option<f64> {
    match metric {
        Metric::Sessions => Some(m.sessions as f64),
        Metric::Users => Some(m.users as f64),
        Metric::Pageviews => Some(m.pageviews as f64),
        Metric::BounceRate => Some(m.bounce_rate),
        Metric::AvgSessionDuration => Some(m.avg_session_duration),
        _ => None,
    }
}

/// A view's figures sorted by kind: the ad platforms in a stable order, and the analytics report.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures<'a> {
    /// Ad platforms with figures, in [`Platform::ALL`] order.
    pub ads: Vec<AdPlatform>,
    /// The GA4 report, if any.
    pub analytics: Option<&'a AnalyticsReport>,
    syncs: Vec<(Platform, DateTime<Utc>)>,
}

impl<'a> Figures<'a> {
    /// Sorts a view's sources.
    pub fn of(view: &'a ClientDataView) -> Self {
        let mut ads = Vec::new();
        let mut analytics = None;
        for source in &view.sources {
            match &source.data {
                PlatformData::GoogleAnalytics(report) => analytics = analytics.or(Some(report)),
                data => ads.push(AdPlatform { platform: data.platform(), campaigns: data.campaigns() }),
            }
        }
        ads.sort_by_key(|a| a.platform);
        ads.dedup_by_key(|a| a.platform);
        let syncs = view.sources.iter().filter_map(|s| s.last_sync.map(|at| (s.data.platform(), at))).collect();
        Self { ads, analytics, syncs }
    }

    /// Whether the view has figures for the platform.
    pub fn has(&self, platform: Platform) -> bool {
        if platform.is_ad_platform() {
            self.ads.iter().any(|a| a.platform == platform)
        } else {
            self.analytics.is_some()
        }
    }

    /// When the platform's figures were synced, if known.
    pub fn last_sync(&self, platform: Platform) -> Option<DateTime<Utc>> {
        self.syncs.iter().find(|(p, _)| *p == platform).map(|(_, at)| *at)
    }
}

#[cfg(test)]
mod tests {
    use domain::analyst::SourceData;

    use super::*;

    fn demo() -> ClientDataView {
        ClientDataView {
            client_name: "Acme".into(),
            demo: true,
            sources: domain::demo::sample().into_iter().map(|data| SourceData { data, last_sync: None }).collect(),
        }
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn platform_totals_add_up_their_campaigns() {
        let view = demo();
        let figures = Figures::of(&view);
        let google = figures.ads.iter().find(|a| a.platform == Platform::GoogleAds).unwrap().totals();
        assert!(close(google.value(Metric::Spend), 1_850.40 + 3_420.75 + 2_640.00));
        assert!(close(google.value(Metric::Clicks), 7_395.0));
        assert!(close(google.value(Metric::Conversions), 297.5));
        assert!(close(google.value(Metric::Ctr), 7_395.0 / 271_950.0));
        assert!(close(google.value(Metric::Cpm), 7_911.15 * 1000.0 / 271_950.0));
        assert_eq!(google.value(Metric::Roas), None);
    }

    #[test]
    fn roas_is_weighted_by_the_spend_of_campaigns_that_report_it() {
        let c = |spend, roas| {
            AdFigures::of_campaign(&CampaignFigures {
                name: "c".into(),
                spend,
                clicks: 1,
                impressions: 10,
                conversions: None,
                roas,
            })
        };
        let total = AdFigures::total(&[c(100.0, Some(2.0)), c(300.0, Some(4.0)), c(500.0, None)]);
        assert!(close(total.value(Metric::Roas), (200.0 + 1200.0) / 400.0));
        assert_eq!(AdFigures::total(&[c(100.0, None)]).value(Metric::Roas), None);
    }

    #[test]
    fn ratios_without_a_denominator_have_no_value() {
        let zero = AdFigures { spend: 10.0, conversions: Some(0.0), ..AdFigures::default() };
        for m in [Metric::Ctr, Metric::Cpc, Metric::Cpm, Metric::Cpa, Metric::ConversionRate] {
            assert_eq!(zero.value(m), None, "{m:?}");
        }
    }

    #[test]
    fn linkedin_conversions_are_called_leads() {
        assert_eq!(Metric::Conversions.label_on(Platform::LinkedinAds), "leads");
        assert_eq!(Metric::Conversions.label_on(Platform::GoogleAds), "conversions");
        assert!(!Metric::Conversions.reported_by(Platform::MetaAds));
        assert!(Metric::Roas.reported_by(Platform::MetaAds));
        assert!(Metric::Sessions.reported_by(Platform::GoogleAnalytics));
        assert!(!Metric::Spend.reported_by(Platform::GoogleAnalytics));
    }
}
