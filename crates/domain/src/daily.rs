//! Daily figures: one record per client, platform and day (decision 9 made concrete). A range's
//! figures are the sum of its days; every ratio is derived from those sums by [`crate::metrics`].

use std::fmt;

use chrono::NaiveDate;

use crate::dates::DateRange;
use crate::ids::ClientId;
use crate::metrics::{AdTotals, Metric, SiteTotals};
use crate::platform::{
    AnalyticsMetrics, AnalyticsReport, DeviceShare, GoogleAdsCampaign, LinkedinAdsCampaign, MetaAdsCampaign, PageViews,
    Platform, PlatformData, SourceSessions,
};
use crate::validation::ValidationError;

/// An ISO 4217 currency code (`USD`, `EUR`): three upper-case letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    /// US dollars.
    pub const USD: Self = Self(*b"USD");
    /// Euros.
    pub const EUR: Self = Self(*b"EUR");
    /// Pounds sterling.
    pub const GBP: Self = Self(*b"GBP");

    /// Parses a code, accepting lower case.
    ///
    /// # Errors
    /// [`ValidationError`] on `currency` unless it is three ASCII letters.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let upper = raw.trim().to_ascii_uppercase();
        match upper.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_uppercase()) => Ok(Self([*a, *b, *c])),
            _ => Err(ValidationError::new("currency", "must be an ISO 4217 code such as USD or EUR")),
        }
    }

    /// The code.
    pub fn code(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// The symbol people write before an amount, when it has a well-known one.
    pub fn symbol(&self) -> Option<&'static str> {
        match &self.0 {
            b"USD" => Some("$"),
            b"EUR" => Some("€"),
            b"GBP" => Some("£"),
            b"JPY" => Some("¥"),
            _ => None,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Whether a campaign was serving, as the platform reported it on its latest day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CampaignStatus {
    /// Serving.
    Active,
    /// Paused by the advertiser.
    Paused,
    /// Finished or removed.
    Ended,
}

impl CampaignStatus {
    /// The status's name in stored records and tool results.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Paused => "paused",
            Self::Ended => "ended",
        }
    }
}

impl std::str::FromStr for CampaignStatus {
    type Err = ValidationError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw {
            "active" => Ok(Self::Active),
            "paused" => Ok(Self::Paused),
            "ended" => Ok(Self::Ended),
            _ => Err(ValidationError::new("status", "must be one of active, paused, ended")),
        }
    }
}

/// One campaign's figures on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignDay {
    /// The platform's id of the campaign.
    pub campaign_id: String,
    /// Its name that day.
    pub name: String,
    /// Its status that day.
    pub status: CampaignStatus,
    /// Spend in the account's currency.
    pub spend: f64,
    /// Impressions.
    pub impressions: u64,
    /// Clicks.
    pub clicks: u64,
    /// Conversions, where the platform reports them (fractional on Google Ads).
    pub conversions: Option<f64>,
    /// The value of those conversions (purchase value on Meta), where reported.
    pub conversion_value: Option<f64>,
    /// Lead-form leads (LinkedIn).
    pub leads: Option<u64>,
}

/// An ad account's day: its currency and one row per campaign that ran.
#[derive(Debug, Clone, PartialEq)]
pub struct AdDay {
    /// The account's currency.
    pub currency: Currency,
    /// The campaigns with figures that day.
    pub campaigns: Vec<CampaignDay>,
}

/// A dimension value and how much of the day it had (sessions for sources and devices, views for
/// pages).
#[derive(Debug, Clone, PartialEq)]
pub struct RankedCount {
    /// The source / medium, device category or page path.
    pub name: String,
    /// Its sessions or views.
    pub count: u64,
}

/// A site's day in Google Analytics 4.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SiteDay {
    /// Sessions.
    pub sessions: u64,
    /// Active users that day (not additive across days).
    pub users: u64,
    /// First-time users.
    pub new_users: u64,
    /// Page views.
    pub pageviews: u64,
    /// Engaged sessions.
    pub engaged_sessions: u64,
    /// Sessions that were not engaged (GA4's bounces).
    pub bounces: u64,
    /// Total session duration, in seconds.
    pub session_duration_secs: f64,
    /// The day's top sources by sessions (at most [`SiteDay::TOP`]).
    pub top_sources: Vec<RankedCount>,
    /// Sessions per device category.
    pub devices: Vec<RankedCount>,
    /// The day's top pages by views (at most [`SiteDay::TOP`]).
    pub top_pages: Vec<RankedCount>,
}

impl SiteDay {
    /// How many entries of each breakdown a day keeps.
    pub const TOP: usize = 20;
}

/// One day's figures of one platform.
#[derive(Debug, Clone, PartialEq)]
pub enum DayFigures {
    /// An ad platform's campaigns.
    Ads(AdDay),
    /// Google Analytics 4.
    Site(SiteDay),
}

/// The figures of one client on one platform on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyRecord {
    /// The client.
    pub client_id: ClientId,
    /// The platform.
    pub platform: Platform,
    /// The day, in the account's reporting time zone.
    pub date: NaiveDate,
    /// The figures.
    pub figures: DayFigures,
}

impl DailyRecord {
    /// Checks that the figures suit the platform: campaigns for an ad platform, site figures for
    /// Google Analytics 4, breakdowns of at most [`SiteDay::TOP`] entries.
    ///
    /// # Errors
    /// [`ValidationError`] on `figures` otherwise.
    pub fn new(
        client_id: ClientId,
        platform: Platform,
        date: NaiveDate,
        figures: DayFigures,
    ) -> Result<Self, ValidationError> {
        match (&figures, platform.is_ad_platform()) {
            (DayFigures::Ads(_), true) => {}
            (DayFigures::Site(site), false) => {
                if [&site.top_sources, &site.devices, &site.top_pages].iter().any(|b| b.len() > SiteDay::TOP) {
                    return Err(ValidationError::new("figures", "a day keeps at most 20 entries per breakdown"));
                }
            }
            _ => return Err(ValidationError::new("figures", format!("are not the kind {platform} reports"))),
        }
        Ok(Self { client_id, platform, date, figures })
    }
}

/// The figures of `platform` over the days of `records`, in the customer's snapshot shapes (the
/// latest figures kept in the client document, and the dated snapshots): campaigns summed and sorted
/// by spend, money rounded to cents, ratios derived from the sums. GA4's `users` is `range_users`
/// when the platform reported the range's own total, otherwise the sum of daily users.
pub fn snapshot_of(platform: Platform, records: &[DailyRecord], range_users: Option<u64>) -> PlatformData {
    let mine = records.iter().filter(|r| r.platform == platform);
    if !platform.is_ad_platform() {
        return PlatformData::GoogleAnalytics(site_report(
            mine.filter_map(|r| match &r.figures {
                DayFigures::Site(day) => Some(day),
                DayFigures::Ads(_) => None,
            }),
            range_users,
        ));
    }
    let mut by_campaign: Vec<(String, String, AdTotals)> = Vec::new();
    let mut sorted: Vec<&DailyRecord> = mine.collect();
    sorted.sort_by_key(|r| r.date);
    for record in sorted {
        let DayFigures::Ads(day) = &record.figures else { continue };
        for c in &day.campaigns {
            match by_campaign.iter_mut().find(|(id, _, _)| *id == c.campaign_id) {
                Some((_, name, totals)) => {
                    name.clone_from(&c.name);
                    totals.add(&AdTotals::of(c));
                }
                None => by_campaign.push((c.campaign_id.clone(), c.name.clone(), AdTotals::of(c))),
            }
        }
    }
    by_campaign.sort_by(|a, b| b.2.spend.total_cmp(&a.2.spend).then_with(|| a.1.cmp(&b.1)));
    let cents = |v: f64| (v * 100.0).round() / 100.0;
    let places = |v: Option<f64>, n: i32| v.map_or(0.0, |v| (v * 10f64.powi(n)).round() / 10f64.powi(n));
    match platform {
        Platform::GoogleAds => PlatformData::GoogleAds(
            by_campaign
                .into_iter()
                .map(|(_, name, t)| GoogleAdsCampaign {
                    name,
                    spend: cents(t.spend),
                    clicks: t.clicks,
                    impressions: t.impressions,
                    ctr: places(t.value(Metric::Ctr), 4),
                    conversions: places(t.conversions, 2),
                })
                .collect(),
        ),
        Platform::MetaAds => PlatformData::MetaAds(
            by_campaign
                .into_iter()
                .map(|(_, name, t)| MetaAdsCampaign {
                    name,
                    spend: cents(t.spend),
                    impressions: t.impressions,
                    clicks: t.clicks,
                    cpm: places(t.value(Metric::Cpm), 2),
                    roas: t.value(Metric::Roas).map(|r| (r * 100.0).round() / 100.0),
                })
                .collect(),
        ),
        Platform::LinkedinAds | Platform::GoogleAnalytics => PlatformData::LinkedinAds(
            by_campaign
                .into_iter()
                .map(|(_, name, t)| LinkedinAdsCampaign {
                    name,
                    spend: cents(t.spend),
                    impressions: t.impressions,
                    clicks: t.clicks,
                    leads: t.leads.unwrap_or(0),
                })
                .collect(),
        ),
    }
}

/// How many entries of each breakdown a snapshot keeps.
const SNAPSHOT_TOP: usize = 10;

fn site_report<'a>(days: impl Iterator<Item = &'a SiteDay>, range_users: Option<u64>) -> AnalyticsReport {
    let days: Vec<&SiteDay> = days.collect();
    let totals = SiteTotals::sum(days.iter().copied());
    let summed = |pick: fn(&SiteDay) -> &Vec<RankedCount>| {
        let mut counts: Vec<RankedCount> = Vec::new();
        for day in &days {
            for entry in pick(day) {
                match counts.iter_mut().find(|c| c.name == entry.name) {
                    Some(c) => c.count += entry.count,
                    None => counts.push(entry.clone()),
                }
            }
        }
        counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        counts
    };
    #[allow(clippy::cast_precision_loss)] // counts stay far below 2^52
    let share = |count: u64| {
        if totals.sessions == 0 { 0.0 } else { (count as f64 / totals.sessions as f64 * 1000.0).round() / 10.0 }
    };
    AnalyticsReport {
        metrics: AnalyticsMetrics {
            sessions: totals.sessions,
            users: range_users.unwrap_or(totals.users),
            pageviews: totals.pageviews,
            bounce_rate: totals.value(Metric::BounceRate).map_or(0.0, |r| (r * 10_000.0).round() / 10_000.0),
            avg_session_duration: totals.value(Metric::AvgSessionDuration).map_or(0.0, |d| (d * 10.0).round() / 10.0),
        },
        top_sources: summed(|d| &d.top_sources)
            .into_iter()
            .take(SNAPSHOT_TOP)
            .map(|c| SourceSessions { source: c.name, sessions: c.count })
            .collect(),
        devices: summed(|d| &d.devices)
            .into_iter()
            .take(SNAPSHOT_TOP)
            .map(|c| DeviceShare { device: c.name, percentage: share(c.count) })
            .collect(),
        top_pages: summed(|d| &d.top_pages)
            .into_iter()
            .take(SNAPSHOT_TOP)
            .map(|c| PageViews { page: c.name, views: c.count })
            .collect(),
    }
}

/// The days of `range` that have no record among `records`, as runs of consecutive days.
pub fn missing_days<'a>(range: DateRange, records: impl IntoIterator<Item = &'a DailyRecord>) -> Vec<DateRange> {
    let mut present: Vec<NaiveDate> = records.into_iter().map(|r| r.date).filter(|d| range.contains(*d)).collect();
    present.sort_unstable();
    present.dedup();
    let mut gaps = Vec::new();
    let mut run: Option<(NaiveDate, NaiveDate)> = None;
    let mut next_present = present.iter().peekable();
    for day in range.iter_days() {
        if next_present.peek().is_some_and(|d| **d == day) {
            next_present.next();
            if let Some((start, end)) = run.take() {
                gaps.extend(DateRange::new(start, end));
            }
        } else {
            run = Some(run.map_or((day, day), |(start, _)| (start, day)));
        }
    }
    if let Some((start, end)) = run {
        gaps.extend(DateRange::new(start, end));
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn site(date: &str) -> DailyRecord {
        let client = ClientId::from_bytes([1; 12]);
        DailyRecord::new(client, Platform::GoogleAnalytics, d(date), DayFigures::Site(SiteDay::default())).unwrap()
    }

    #[test]
    fn currencies_are_three_letter_codes() {
        assert_eq!(Currency::parse("eur").unwrap(), Currency::EUR);
        assert_eq!(Currency::USD.symbol(), Some("$"));
        assert_eq!(Currency::parse("CHF").unwrap().symbol(), None);
        for bad in ["", "US", "USDX", "U$D"] {
            assert_eq!(Currency::parse(bad).unwrap_err().field(), "currency", "{bad}");
        }
    }

    #[test]
    fn a_record_must_suit_its_platform() {
        let client = ClientId::from_bytes([1; 12]);
        let ads = DayFigures::Ads(AdDay { currency: Currency::USD, campaigns: vec![] });
        assert!(DailyRecord::new(client, Platform::GoogleAnalytics, d("2026-11-01"), ads.clone()).is_err());
        assert!(DailyRecord::new(client, Platform::MetaAds, d("2026-11-01"), ads).is_ok());
        let crowded = SiteDay {
            top_pages: (0..21).map(|i| RankedCount { name: format!("/{i}"), count: 1 }).collect(),
            ..SiteDay::default()
        };
        assert!(
            DailyRecord::new(client, Platform::GoogleAnalytics, d("2026-11-01"), DayFigures::Site(crowded)).is_err()
        );
    }

    #[test]
    fn a_snapshot_sums_campaigns_across_days_in_the_schemas_shape() {
        let client = ClientId::from_bytes([1; 12]);
        let day = |date: &str, spend: f64, value: Option<f64>| {
            let c = CampaignDay {
                campaign_id: "9".into(),
                name: format!("Prospecting {date}"),
                status: CampaignStatus::Active,
                spend,
                impressions: 1000,
                clicks: 10,
                conversions: None,
                conversion_value: value,
                leads: None,
            };
            DailyRecord::new(
                client,
                Platform::MetaAds,
                d(date),
                DayFigures::Ads(AdDay { currency: Currency::USD, campaigns: vec![c] }),
            )
            .unwrap()
        };
        let records = [day("2026-11-01", 10.1, Some(30.3)), day("2026-11-02", 20.2, Some(60.6))];
        let PlatformData::MetaAds(campaigns) = snapshot_of(Platform::MetaAds, &records, None) else { panic!("meta") };
        assert_eq!(
            campaigns,
            [MetaAdsCampaign {
                name: "Prospecting 2026-11-02".into(),
                spend: 30.3,
                impressions: 2000,
                clicks: 20,
                cpm: 15.15,
                roas: Some(3.0),
            }]
        );
    }

    #[test]
    fn a_site_snapshot_takes_the_ranges_own_user_total_when_given() {
        let client = ClientId::from_bytes([1; 12]);
        let day = |date: &str| {
            let site = SiteDay {
                sessions: 100,
                users: 90,
                bounces: 40,
                session_duration_secs: 12_000.0,
                devices: vec![RankedCount { name: "mobile".into(), count: 25 }],
                ..SiteDay::default()
            };
            DailyRecord::new(client, Platform::GoogleAnalytics, d(date), DayFigures::Site(site)).unwrap()
        };
        let records = [day("2026-11-01"), day("2026-11-02")];
        let PlatformData::GoogleAnalytics(summed) = snapshot_of(Platform::GoogleAnalytics, &records, None) else {
            panic!()
        };
        assert_eq!((summed.metrics.sessions, summed.metrics.users), (200, 180));
        assert!((summed.metrics.bounce_rate - 0.4).abs() < 1e-9);
        assert!((summed.metrics.avg_session_duration - 120.0).abs() < 1e-9);
        assert!((summed.devices[0].percentage - 25.0).abs() < 1e-9);
        let PlatformData::GoogleAnalytics(total) = snapshot_of(Platform::GoogleAnalytics, &records, Some(150)) else {
            panic!()
        };
        assert_eq!(total.metrics.users, 150);
    }

    #[test]
    fn missing_days_come_as_runs() {
        let range = DateRange::new(d("2026-11-01"), d("2026-11-10")).unwrap();
        let records = [site("2026-11-03"), site("2026-11-04"), site("2026-11-08"), site("2026-10-30")];
        let gaps: Vec<String> = missing_days(range, &records).iter().map(ToString::to_string).collect();
        assert_eq!(gaps, ["2026-11-01 to 2026-11-02", "2026-11-05 to 2026-11-07", "2026-11-09 to 2026-11-10"]);
        assert!(missing_days(DateRange::day(d("2026-11-03")), &records).is_empty());
    }
}
