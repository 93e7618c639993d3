//! The metric arithmetic every tool and both analysts use: totals are sums of days, and every ratio
//! (CTR, CPC, CPM, CPA, conversion rate, ROAS, bounce rate, average session duration, ...) is
//! derived from the summed totals, never averaged across days or campaigns.
//!
//! A ratio only counts the rows that report what it needs: ROAS is the conversion value over the
//! spend of the campaigns that report a value, CPA the spend of the campaigns that report
//! conversions over those conversions. So a platform that reports no conversions does not dilute
//! another's cost per conversion in a blended total.

use std::fmt;
use std::str::FromStr;

use crate::daily::{CampaignDay, SiteDay};

/// A figure a tool can report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    /// Ad spend.
    Spend,
    /// Ad impressions.
    Impressions,
    /// Ad clicks.
    Clicks,
    /// Conversions.
    Conversions,
    /// The value of conversions (purchase value).
    ConversionValue,
    /// Lead-form leads.
    Leads,
    /// Click-through rate: clicks / impressions.
    Ctr,
    /// Cost per click: spend / clicks.
    Cpc,
    /// Cost per thousand impressions: spend / impressions × 1000.
    Cpm,
    /// Cost per conversion: spend / conversions.
    Cpa,
    /// Cost per lead: spend / leads.
    Cpl,
    /// Conversions / clicks.
    ConversionRate,
    /// Return on ad spend: conversion value / spend.
    Roas,
    /// GA4 sessions.
    Sessions,
    /// GA4 active users.
    Users,
    /// GA4 first-time users.
    NewUsers,
    /// GA4 page views.
    Pageviews,
    /// GA4 engaged sessions.
    EngagedSessions,
    /// Bounces / sessions.
    BounceRate,
    /// Engaged sessions / sessions.
    EngagementRate,
    /// Session duration / sessions.
    AvgSessionDuration,
    /// Page views / sessions.
    PagesPerSession,
}

/// How a metric's value reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// An amount in the ad account's currency.
    Money,
    /// A whole number.
    Count,
    /// A possibly fractional number (conversions, pages per session).
    Decimal,
    /// A fraction, shown as a percentage.
    Rate,
    /// A return multiple (`3.49x`).
    Multiple,
    /// Seconds.
    Seconds,
}

impl Metric {
    /// Every metric, ad metrics first.
    pub const ALL: [Metric; 22] = [
        Self::Spend,
        Self::Impressions,
        Self::Clicks,
        Self::Conversions,
        Self::ConversionValue,
        Self::Leads,
        Self::Ctr,
        Self::Cpc,
        Self::Cpm,
        Self::Cpa,
        Self::Cpl,
        Self::ConversionRate,
        Self::Roas,
        Self::Sessions,
        Self::Users,
        Self::NewUsers,
        Self::Pageviews,
        Self::EngagedSessions,
        Self::BounceRate,
        Self::EngagementRate,
        Self::AvgSessionDuration,
        Self::PagesPerSession,
    ];

    /// The ad metrics, in the order results list them.
    pub const AD: [Metric; 13] = [
        Self::Spend,
        Self::Impressions,
        Self::Clicks,
        Self::Conversions,
        Self::ConversionValue,
        Self::Leads,
        Self::Ctr,
        Self::Cpc,
        Self::Cpm,
        Self::Cpa,
        Self::Cpl,
        Self::ConversionRate,
        Self::Roas,
    ];

    /// The site metrics, in the order results list them.
    pub const SITE: [Metric; 9] = [
        Self::Sessions,
        Self::Users,
        Self::NewUsers,
        Self::Pageviews,
        Self::EngagedSessions,
        Self::BounceRate,
        Self::EngagementRate,
        Self::AvgSessionDuration,
        Self::PagesPerSession,
    ];

    /// The metric's name in tool arguments (`conversion_rate`).
    pub const fn key(self) -> &'static str {
        match self {
            Self::Spend => "spend",
            Self::Impressions => "impressions",
            Self::Clicks => "clicks",
            Self::Conversions => "conversions",
            Self::ConversionValue => "conversion_value",
            Self::Leads => "leads",
            Self::Ctr => "ctr",
            Self::Cpc => "cpc",
            Self::Cpm => "cpm",
            Self::Cpa => "cpa",
            Self::Cpl => "cpl",
            Self::ConversionRate => "conversion_rate",
            Self::Roas => "roas",
            Self::Sessions => "sessions",
            Self::Users => "users",
            Self::NewUsers => "new_users",
            Self::Pageviews => "pageviews",
            Self::EngagedSessions => "engaged_sessions",
            Self::BounceRate => "bounce_rate",
            Self::EngagementRate => "engagement_rate",
            Self::AvgSessionDuration => "avg_session_duration",
            Self::PagesPerSession => "pages_per_session",
        }
    }

    /// The metric's key in tool results, with its unit when it is not a plain amount: rates are
    /// given as percentages (`ctrPct: 2.72`), durations in seconds.
    pub const fn result_key(self) -> &'static str {
        match self {
            Self::Spend => "spend",
            Self::Impressions => "impressions",
            Self::Clicks => "clicks",
            Self::Conversions => "conversions",
            Self::ConversionValue => "conversionValue",
            Self::Leads => "leads",
            Self::Ctr => "ctrPct",
            Self::Cpc => "cpc",
            Self::Cpm => "cpm",
            Self::Cpa => "cpa",
            Self::Cpl => "cpl",
            Self::ConversionRate => "conversionRatePct",
            Self::Roas => "roas",
            Self::Sessions => "sessions",
            Self::Users => "users",
            Self::NewUsers => "newUsers",
            Self::Pageviews => "pageviews",
            Self::EngagedSessions => "engagedSessions",
            Self::BounceRate => "bounceRatePct",
            Self::EngagementRate => "engagementRatePct",
            Self::AvgSessionDuration => "avgSessionDurationSecs",
            Self::PagesPerSession => "pagesPerSession",
        }
    }

    /// Whether the metric comes from the ad platforms (otherwise from Google Analytics 4).
    pub fn is_ad_metric(self) -> bool {
        Self::AD.contains(&self)
    }

    /// How the value reads.
    pub const fn unit(self) -> Unit {
        match self {
            Self::Spend | Self::ConversionValue | Self::Cpc | Self::Cpm | Self::Cpa | Self::Cpl => Unit::Money,
            Self::Impressions
            | Self::Clicks
            | Self::Leads
            | Self::Sessions
            | Self::Users
            | Self::NewUsers
            | Self::Pageviews
            | Self::EngagedSessions => Unit::Count,
            Self::Conversions | Self::PagesPerSession => Unit::Decimal,
            Self::Ctr | Self::ConversionRate | Self::BounceRate | Self::EngagementRate => Unit::Rate,
            Self::Roas => Unit::Multiple,
            Self::AvgSessionDuration => Unit::Seconds,
        }
    }

    /// Whether more is better when judging by it; `None` for metrics that measure size, not
    /// performance (spend, impressions, sessions).
    pub const fn higher_is_better(self) -> Option<bool> {
        match self {
            Self::Clicks
            | Self::Conversions
            | Self::ConversionValue
            | Self::Leads
            | Self::Ctr
            | Self::ConversionRate
            | Self::Roas
            | Self::EngagementRate
            | Self::AvgSessionDuration
            | Self::PagesPerSession => Some(true),
            Self::Cpc | Self::Cpm | Self::Cpa | Self::Cpl | Self::BounceRate => Some(false),
            _ => None,
        }
    }

    /// The metric's name in a sentence.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Spend => "spend",
            Self::Impressions => "impressions",
            Self::Clicks => "clicks",
            Self::Conversions => "conversions",
            Self::ConversionValue => "conversion value",
            Self::Leads => "leads",
            Self::Ctr => "CTR",
            Self::Cpc => "CPC",
            Self::Cpm => "CPM",
            Self::Cpa => "cost per conversion",
            Self::Cpl => "cost per lead",
            Self::ConversionRate => "conversion rate",
            Self::Roas => "ROAS",
            Self::Sessions => "sessions",
            Self::Users => "users",
            Self::NewUsers => "new users",
            Self::Pageviews => "pageviews",
            Self::EngagedSessions => "engaged sessions",
            Self::BounceRate => "bounce rate",
            Self::EngagementRate => "engagement rate",
            Self::AvgSessionDuration => "average session duration",
            Self::PagesPerSession => "pages per session",
        }
    }

    /// A value in the unit tool results give it in: rates as percentages, everything else as is.
    pub fn in_result_unit(self, value: f64) -> f64 {
        if self.unit() == Unit::Rate { value * 100.0 } else { value }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A name that is not a metric.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown metric {0:?}; use one of {list}", list = metric_list())]
pub struct UnknownMetric(pub String);

fn metric_list() -> String {
    Metric::ALL.iter().map(|m| m.key()).collect::<Vec<_>>().join(", ")
}

impl FromStr for Metric {
    type Err = UnknownMetric;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let key = raw.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        let key = match key.as_str() {
            "cost" | "ad_spend" => "spend",
            "cvr" => "conversion_rate",
            "cost_per_conversion" | "cost_per_acquisition" => "cpa",
            "cost_per_lead" => "cpl",
            "cost_per_click" => "cpc",
            "page_views" | "views" => "pageviews",
            "total_users" | "active_users" => "users",
            "revenue" | "purchase_value" => "conversion_value",
            other => other,
        };
        Metric::ALL.into_iter().find(|m| m.key() == key).ok_or_else(|| UnknownMetric(raw.to_owned()))
    }
}

/// Ad figures summed over days and campaigns, from which every ad metric is derived.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AdTotals {
    /// Spend.
    pub spend: f64,
    /// Impressions.
    pub impressions: u64,
    /// Clicks.
    pub clicks: u64,
    /// Conversions, over the rows that report them; `None` when none does.
    pub conversions: Option<f64>,
    /// Conversion value, over the rows that report it; `None` when none does.
    pub conversion_value: Option<f64>,
    /// Leads, over the rows that report them; `None` when none does.
    pub leads: Option<u64>,
    /// Spend and clicks of the rows that report conversions, the basis of CPA and conversion rate.
    conversion_basis: (f64, u64),
    /// Spend of the rows that report a conversion value, the basis of ROAS.
    value_basis: f64,
    /// Spend of the rows that report leads, the basis of CPL.
    lead_basis: f64,
}

impl AdTotals {
    /// One campaign-day's figures.
    pub fn of(row: &CampaignDay) -> Self {
        Self {
            spend: row.spend,
            impressions: row.impressions,
            clicks: row.clicks,
            conversions: row.conversions,
            conversion_value: row.conversion_value,
            leads: row.leads,
            conversion_basis: if row.conversions.is_some() { (row.spend, row.clicks) } else { (0.0, 0) },
            value_basis: if row.conversion_value.is_some() { row.spend } else { 0.0 },
            lead_basis: if row.leads.is_some() { row.spend } else { 0.0 },
        }
    }

    /// Adds `other` to these totals.
    pub fn add(&mut self, other: &AdTotals) {
        fn sum<T: std::ops::Add<Output = T>>(a: Option<T>, b: Option<T>) -> Option<T> {
            match (a, b) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            }
        }
        self.spend += other.spend;
        self.impressions += other.impressions;
        self.clicks += other.clicks;
        self.conversions = sum(self.conversions, other.conversions);
        self.conversion_value = sum(self.conversion_value, other.conversion_value);
        self.leads = sum(self.leads, other.leads);
        self.conversion_basis.0 += other.conversion_basis.0;
        self.conversion_basis.1 += other.conversion_basis.1;
        self.value_basis += other.value_basis;
        self.lead_basis += other.lead_basis;
    }

    /// The sum of several rows.
    pub fn sum<'a>(rows: impl IntoIterator<Item = &'a CampaignDay>) -> Self {
        let mut total = Self::default();
        for row in rows {
            total.add(&Self::of(row));
        }
        total
    }

    /// The value of an ad metric, as a fraction for rates; `None` when it is not reported, its
    /// denominator is zero, or it is a site metric.
    #[allow(clippy::cast_precision_loss)] // counts stay far below 2^52
    pub fn value(&self, metric: Metric) -> Option<f64> {
        let ratio = |num: f64, den: f64| (den > 0.0).then(|| num / den);
        let (conversion_spend, conversion_clicks) = self.conversion_basis;
        match metric {
            Metric::Spend => Some(self.spend),
            Metric::Impressions => Some(self.impressions as f64),
            Metric::Clicks => Some(self.clicks as f64),
            Metric::Conversions => self.conversions,
            Metric::ConversionValue => self.conversion_value,
            Metric::Leads => self.leads.map(|l| l as f64),
            Metric::Ctr => ratio(self.clicks as f64, self.impressions as f64),
            Metric::Cpc => ratio(self.spend, self.clicks as f64),
            Metric::Cpm => ratio(self.spend * 1000.0, self.impressions as f64),
            Metric::Cpa => self.conversions.and_then(|c| ratio(conversion_spend, c)),
            Metric::Cpl => self.leads.and_then(|l| ratio(self.lead_basis, l as f64)),
            Metric::ConversionRate => self.conversions.and_then(|c| ratio(c, conversion_clicks as f64)),
            Metric::Roas => self.conversion_value.and_then(|v| ratio(v, self.value_basis)),
            _ => None,
        }
    }
}

/// How a GA4 users figure over a range was obtained: users are not additive across days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UsersBasis {
    /// GA4's own total for exactly this range (a standard window kept by the sync).
    RangeTotal,
    /// The sum of each day's users, which counts a user once per day they came.
    #[default]
    SumOfDaily,
}

/// GA4 figures summed over days.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SiteTotals {
    /// Sessions.
    pub sessions: u64,
    /// Users; see [`SiteTotals::users_basis`].
    pub users: u64,
    /// How `users` was obtained.
    pub users_basis: UsersBasis,
    /// First-time users.
    pub new_users: u64,
    /// Page views.
    pub pageviews: u64,
    /// Engaged sessions.
    pub engaged_sessions: u64,
    /// Bounces.
    pub bounces: u64,
    /// Total session duration in seconds.
    pub session_duration_secs: f64,
}

impl SiteTotals {
    /// Adds one day.
    pub fn add(&mut self, day: &SiteDay) {
        self.sessions += day.sessions;
        self.users += day.users;
        self.new_users += day.new_users;
        self.pageviews += day.pageviews;
        self.engaged_sessions += day.engaged_sessions;
        self.bounces += day.bounces;
        self.session_duration_secs += day.session_duration_secs;
    }

    /// The sum of several days, users as the sum of daily users.
    pub fn sum<'a>(days: impl IntoIterator<Item = &'a SiteDay>) -> Self {
        let mut total = Self::default();
        for day in days {
            total.add(day);
        }
        total
    }

    /// The value of a site metric, as a fraction for rates; `None` for ad metrics and ratios
    /// without sessions.
    #[allow(clippy::cast_precision_loss)] // counts stay far below 2^52
    pub fn value(&self, metric: Metric) -> Option<f64> {
        let sessions = self.sessions as f64;
        let per_session = |num: f64| (sessions > 0.0).then(|| num / sessions);
        match metric {
            Metric::Sessions => Some(sessions),
            Metric::Users => Some(self.users as f64),
            Metric::NewUsers => Some(self.new_users as f64),
            Metric::Pageviews => Some(self.pageviews as f64),
            Metric::EngagedSessions => Some(self.engaged_sessions as f64),
            Metric::BounceRate => per_session(self.bounces as f64),
            Metric::EngagementRate => per_session(self.engaged_sessions as f64),
            Metric::AvgSessionDuration => per_session(self.session_duration_secs),
            Metric::PagesPerSession => per_session(self.pageviews as f64),
            _ => None,
        }
    }
}

/// The change from `previous` to `current`: the difference, and the percent change when the
/// previous value is not zero.
pub fn change(current: f64, previous: f64) -> (f64, Option<f64>) {
    let pct = (previous != 0.0).then(|| (current - previous) / previous.abs() * 100.0);
    (current - previous, pct)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daily::CampaignStatus;

    fn row(spend: f64, clicks: u64, impressions: u64, conversions: Option<f64>, value: Option<f64>) -> CampaignDay {
        CampaignDay {
            campaign_id: "1".into(),
            name: "c".into(),
            status: CampaignStatus::Active,
            spend,
            impressions,
            clicks,
            conversions,
            conversion_value: value,
            leads: None,
        }
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn ratios_are_derived_from_summed_totals_not_averaged() {
        // Day one: CTR 10%; day two: CTR 1%. The range's CTR is 110 / 2000, not the 5.5% average.
        let totals = AdTotals::sum(&[row(10.0, 100, 1000, Some(5.0), None), row(30.0, 10, 1000, Some(1.0), None)]);
        assert!(close(totals.value(Metric::Ctr), 110.0 / 2000.0));
        assert!(close(totals.value(Metric::Cpc), 40.0 / 110.0));
        assert!(close(totals.value(Metric::Cpm), 40.0 * 1000.0 / 2000.0));
        assert!(close(totals.value(Metric::Cpa), 40.0 / 6.0));
        assert!(close(totals.value(Metric::ConversionRate), 6.0 / 110.0));
    }

    #[test]
    fn roas_and_cpa_count_only_the_rows_that_report_what_they_need() {
        let totals = AdTotals::sum(&[row(100.0, 1, 10, None, Some(400.0)), row(300.0, 1, 10, Some(3.0), None)]);
        assert!(close(totals.value(Metric::Roas), 4.0), "only the first row's spend earns its value");
        assert!(close(totals.value(Metric::Cpa), 100.0), "only the second row's spend converts");
        assert_eq!(AdTotals::sum(&[row(1.0, 1, 1, None, None)]).value(Metric::Roas), None);
    }

    #[test]
    fn ratios_without_a_denominator_have_no_value() {
        let zero = AdTotals::sum(&[row(10.0, 0, 0, Some(0.0), Some(0.0))]);
        for m in [Metric::Ctr, Metric::Cpc, Metric::Cpm, Metric::Cpa, Metric::ConversionRate] {
            assert_eq!(zero.value(m), None, "{m}");
        }
        assert_eq!(SiteTotals::default().value(Metric::BounceRate), None);
    }

    #[test]
    fn site_rates_are_per_session() {
        let day = SiteDay {
            sessions: 200,
            users: 150,
            pageviews: 500,
            engaged_sessions: 120,
            bounces: 80,
            session_duration_secs: 24_000.0,
            ..SiteDay::default()
        };
        let totals = SiteTotals::sum([&day, &day]);
        assert!(close(totals.value(Metric::BounceRate), 0.4));
        assert!(close(totals.value(Metric::EngagementRate), 0.6));
        assert!(close(totals.value(Metric::AvgSessionDuration), 120.0));
        assert!(close(totals.value(Metric::PagesPerSession), 2.5));
        assert!(close(totals.value(Metric::Users), 300.0));
        assert_eq!(totals.users_basis, UsersBasis::SumOfDaily);
    }

    #[test]
    fn metrics_parse_from_keys_and_everyday_names() {
        for m in Metric::ALL {
            assert_eq!(m.key().parse::<Metric>().unwrap(), m);
        }
        assert_eq!("Cost per lead".parse::<Metric>().unwrap(), Metric::Cpl);
        assert!("vibes".parse::<Metric>().unwrap_err().to_string().contains("spend"));
    }

    #[test]
    fn changes_are_absolute_and_relative() {
        assert_eq!(change(120.0, 100.0), (20.0, Some(20.0)));
        assert_eq!(change(5.0, 0.0), (5.0, None));
    }
}
