//! The demo figures a client with nothing connected is answered from (decision 8).
//!
//! [`sample`] gives one "latest snapshot" per platform. [`daily_records`] turns any such snapshot
//! into [`HISTORY_DAYS`] of daily records, read by the tools as if they had been synced, and
//! [`window_users`] gives GA4's own (de-duplicated) user totals over the standard windows.
//!
//! # How the days are made
//!
//! The records are a pure function of the sample, today and the day: the same inputs always give
//! the same records, and the client id only labels them, so every demo client tells the same
//! story. Today is never generated (figures are "synced" up to yesterday).
//!
//! - **The sample is the last 30 days.** Each figure of each campaign (and of the site) is a series
//!   of daily weights over the whole history, scaled so that the 30 days before today add up to the
//!   sample's figure and earlier days follow the same scale. Whole units (cents of money, hundredths
//!   of a Google Ads conversion, centiseconds of session duration, counts) are handed out by
//!   cumulative rounding anchored at the first of those 30 days: a day gets the rounded expected
//!   running total at its end minus the one at its start. That is an apportionment whose every run
//!   of days sums to its expected share within one unit, and the 30 days to the sample exactly.
//! - **Shape.** A weekday pattern per platform (midweek highest, weekends lowest: this is a
//!   B2B-ish business, LinkedIn most of all, Meta least); a fourth-quarter rise peaking on
//!   25 November (from October, falling away after mid-December); a Christmas-week dip; a small
//!   July–August dip except on Meta; a slow growth of site traffic; per campaign a slow wave of a
//!   period and phase of its own; and day-to-day noise of a few per cent. Impressions get dearer in
//!   the fourth quarter (CPM rises) and Meta's return on ad spend rises with it.
//! - **Noise** comes from a deterministic noise function, not a random generator: splitmix64 mixing
//!   of an FNV-1a hash of (platform, campaign or breakdown name, figure) and the day number.
//! - **Campaigns.** Every sample campaign runs through the last 30 days, with status `Active`.
//!   When a platform has two or more, its last campaign (other than the one whose CPA worsens)
//!   started on the first of the month about four months ago (120 days back, rounded down to the
//!   1st), ramping up over three weeks, with no rows before. Each ad platform also gets one campaign
//!   that ran and stopped: `<prefix><separator>Summer Sale`, the prefix and separator (`" - "`,
//!   `" | "`, ...) taken from the platform's first campaign ("Demo - Summer Sale",
//!   "Demo | Summer Sale"), at the scale of that first campaign (55 % of its spend, with a somewhat
//!   better click and conversion rate). It runs from 1 June to 31 August of the latest summer that
//!   ends before the last 30 days, or, when those 30 days start after 20 June, from 1 June to the
//!   day before them; its last day has status `Ended` and it has no rows after.
//! - **A worsening CPA.** On Google Ads, the sample campaign whose name contains "Generic" (else the
//!   one with the highest cost per conversion) converted more per click the further back one goes:
//!   a year ago it earned about 55 % more conversions per dollar than now, so its CPA climbs
//!   steadily over the months to the sample's figure.
//! - **Ids** are stable strings hashed from the platform and the campaign name: ten digits on
//!   Google Ads, eighteen starting `2385` on Meta, nine starting `6` on LinkedIn. Currency is USD.
//! - **GA4.** Sessions, pageviews, bounces (`round(bounce_rate × sessions)`, engaged sessions being
//!   the rest) and session duration (`avg × sessions`) follow the site's weights. Each breakdown is
//!   split out of the day's sessions (pageviews for pages) so that the entries never exceed the
//!   day: the sample's entries sum to their sample values over the 30 days, a few smaller entries
//!   are added below them ("bing / organic", "/contact", ...: shares of what the sample leaves
//!   unlisted, each under the smallest listed entry), device percentages (taken relative to their
//!   sum) become device sessions summing to the sessions by largest remainder, and mobile and
//!   tablet rise a little at weekends.
//!   A breakdown keeps at most [`SiteDay::TOP`] entries, so a sample with more loses its smallest.
//!   Daily active users are 80–90 % of the day's sessions and new users 60–70 % of those.
//! - **Window users.** The sample's users are the 30-day total of unique users, less than the sum
//!   of daily users `D₃₀`. Another standard window of `n` days with a daily sum `Dₙ` gets
//!   `users × (Dₙ / D₃₀) × (30 / n)^β` with `β = ln(D₃₀ / users) / ln 30` (kept within 0–0.9):
//!   scaled by its daily users, times a factor that falls with the window's length because unique
//!   users grow more slowly than days. With that `β` a one-day window gives exactly its daily users,
//!   and a longer window fewer than the sum of its days (never more: the figure is capped there).

use std::ops::RangeInclusive;

use chrono::{Datelike, Days, NaiveDate};

use crate::daily::{AdDay, CampaignDay, CampaignStatus, Currency, DailyRecord, DayFigures, RankedCount, SiteDay};
use crate::dates::{DateRange, Preset, is_weekend};
use crate::ids::ClientId;
use crate::platform::{
    AnalyticsMetrics, AnalyticsReport, DeviceShare, GoogleAdsCampaign, LinkedinAdsCampaign, MetaAdsCampaign, PageViews,
    Platform, PlatformData, SourceSessions,
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

/// How many days before today demo figures reach back: 13 months.
pub const HISTORY_DAYS: u64 = 395;

/// The daily records of one platform's sample, taken as its figures over the 30 days before
/// `today`: one record per day of `range` that lies within the [`HISTORY_DAYS`] before `today`
/// (today excluded), oldest first, for `client`. The module documentation describes how the days
/// are shaped; the 30 days before today always sum back to the sample.
pub fn daily_records(client: ClientId, sample: &PlatformData, today: NaiveDate, range: DateRange) -> Vec<DailyRecord> {
    let history = History::new(today);
    let Some(days) = history.span(range) else {
        return Vec::new();
    };
    let generated = Generated::new(&history, sample, today);
    let platform = sample.platform();
    days.filter_map(|i| {
        // The generator keeps every breakdown within the limit, so validation always passes.
        DailyRecord::new(client, platform, history.days[i].date, generated.day(i)).ok()
    })
    .collect()
}

/// The demo records of each sample, generated once per day and then shared: generating a
/// sample's 13 months is the costliest part of answering a demo client, and every demo client of
/// a day gets the same figures ([`daily_records`] depends on the sample and the day only).
#[derive(Debug, Default)]
pub struct DemoDays {
    generated: std::sync::Mutex<Vec<Generation>>,
}

/// Some consecutive records of one sample's generation, shared with the cache.
#[derive(Debug, Clone)]
pub(crate) struct SharedDays {
    records: std::sync::Arc<[DailyRecord]>,
    within: std::ops::Range<usize>,
}

impl SharedDays {
    /// The records, in date order.
    pub(crate) fn as_slice(&self) -> &[DailyRecord] {
        &self.records[self.within.clone()]
    }
}

/// One sample's records over its whole history, for one day.
#[derive(Debug)]
struct Generation {
    sample: PlatformData,
    today: NaiveDate,
    records: std::sync::Arc<[DailyRecord]>,
}

impl DemoDays {
    /// Most samples kept at once (a few per platform).
    const KEPT: usize = 16;

    /// A cache with nothing generated yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// What [`daily_records`] gives for these arguments, from the day's generation of `sample`.
    pub fn records(
        &self,
        client: ClientId,
        sample: &PlatformData,
        today: NaiveDate,
        range: DateRange,
    ) -> Vec<DailyRecord> {
        self.shared(sample, today, range)
            .as_slice()
            .iter()
            .map(|record| DailyRecord { client_id: client, ..record.clone() })
            .collect()
    }

    /// The records of [`DemoDays::records`] without copying them: a view of the day's generation,
    /// whose records name no client (the tools read their figures only).
    pub(crate) fn shared(&self, sample: &PlatformData, today: NaiveDate, range: DateRange) -> SharedDays {
        let records = self.history(sample, today);
        // A generation runs day by day, so the range is one run of it.
        let start = records.partition_point(|record| record.date < range.start());
        let end = records.partition_point(|record| record.date <= range.end());
        SharedDays { records, within: start..end.max(start) }
    }

    fn history(&self, sample: &PlatformData, today: NaiveDate) -> std::sync::Arc<[DailyRecord]> {
        let mut generated = self.generated.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(hit) = generated.iter().find(|g| g.today == today && g.sample == *sample) {
            return hit.records.clone();
        }
        let whole = DateRange::new(today - Days::new(HISTORY_DAYS), today - Days::new(1));
        let records: std::sync::Arc<[DailyRecord]> = match whole {
            Ok(range) => daily_records(ClientId::from_bytes([0; 12]), sample, today, range).into(),
            Err(_) => std::sync::Arc::from(Vec::new()),
        };
        // A new day makes every earlier generation stale.
        generated.retain(|g| g.today == today);
        if generated.len() >= Self::KEPT {
            generated.remove(0);
        }
        generated.push(Generation { sample: sample.clone(), today, records: records.clone() });
        records
    }
}

/// GA4's own user total over `range` for a GA4 sample, when `range` is one of
/// [`Preset::STANDARD_WINDOWS`] on `today` (without today): the sample's users for the last 30 days,
/// and for the other windows the de-duplicated figure the module documentation gives. `None` for
/// other ranges and other platforms' samples.
pub fn window_users(sample: &PlatformData, today: NaiveDate, range: DateRange) -> Option<u64> {
    let PlatformData::GoogleAnalytics(report) = sample else {
        return None;
    };
    if !Preset::STANDARD_WINDOWS.iter().any(|window| window.range(today, false) == range) {
        return None;
    }
    let last_30 = Preset::Last30Days.range(today, false);
    let users = report.metrics.users;
    if range == last_30 {
        return Some(users);
    }
    let history = History::new(today);
    let site = SiteHistory::new(&history, report);
    let daily_sum = |r: DateRange| history.span(r).map_or(0, |days| site.users[days].iter().sum::<u64>());
    let (window_sum, last_30_sum) = (daily_sum(range), daily_sum(last_30));
    if last_30_sum == 0 {
        return Some(0);
    }
    let ratio = as_f64(last_30_sum) / as_f64(users);
    let beta = if ratio > 1.0 { (ratio.ln() / f64::ln(30.0)).min(0.9) } else { 0.0 };
    let days = index_f64(usize::try_from(range.days()).unwrap_or(1));
    let estimate = as_f64(users) * as_f64(window_sum) / as_f64(last_30_sum) * (30.0 / days).powf(beta);
    Some(units(estimate).min(window_sum))
}

/// [`HISTORY_DAYS`] as an index bound.
const HISTORY: usize = 395;
const _: () = assert!(HISTORY as u64 == HISTORY_DAYS);

/// How many days the sample stands for: the last 30 of the history.
const WINDOW: usize = 30;

/// The index of the sample's first day in the history.
const WINDOW_START: usize = HISTORY - WINDOW;

/// The days one call generates, yesterday last, with what the calendar says about each.
struct History {
    first: NaiveDate,
    days: Vec<Day>,
}

/// One day of the history.
struct Day {
    date: NaiveDate,
    /// Days since the common era: the day's input to the noise function.
    ordinal: u64,
    /// Monday 0 to Sunday 6.
    weekday: u32,
    /// Saturday or Sunday.
    weekend: bool,
    /// How close the day is to the late-November peak, from 0 to 1.
    q4: f64,
}

impl History {
    fn new(today: NaiveDate) -> Self {
        let first = today - Days::new(HISTORY_DAYS);
        let days = first.iter_days().take(HISTORY).map(Day::new).collect();
        Self { first, days }
    }

    /// The offset of `date` from the first day, which may lie outside the history.
    fn offset(&self, date: NaiveDate) -> i64 {
        (date - self.first).num_days()
    }

    /// The indices of the days of `range` inside the history.
    fn span(&self, range: DateRange) -> Option<RangeInclusive<usize>> {
        let from = usize::try_from(self.offset(range.start())).unwrap_or(0);
        let to = usize::try_from(self.offset(range.end())).ok()?.min(HISTORY - 1);
        (from <= to).then_some(from..=to)
    }
}

impl Day {
    fn new(date: NaiveDate) -> Self {
        Self {
            date,
            ordinal: u64::from(date.num_days_from_ce().unsigned_abs()),
            weekday: date.weekday().num_days_from_monday(),
            weekend: is_weekend(date),
            q4: q4_closeness(date),
        }
    }
}

/// 1 on 25 November, falling off over about six weeks before it and three after.
fn q4_closeness(date: NaiveDate) -> f64 {
    let delta = [date.year() - 1, date.year()]
        .into_iter()
        .filter_map(|year| NaiveDate::from_ymd_opt(year, 11, 25))
        .map(|peak| (date - peak).num_days())
        .min_by_key(|delta| delta.abs())
        .unwrap_or(365);
    let width = if delta < 0 { 45.0 } else { 24.0 };
    let x = f64::from(i32::try_from(delta).unwrap_or(i32::MAX)) / width;
    (-x * x).exp()
}

/// How a platform's volume moves with the calendar.
struct Profile {
    /// Volume on Saturdays and Sundays relative to a weekday.
    weekend: f64,
    /// Extra volume at the fourth-quarter peak.
    q4: f64,
    /// Volume lost in July and August.
    summer: f64,
    /// Volume lost from Christmas Eve to New Year's Day.
    holidays: f64,
    /// Volume gained over the history.
    growth: f64,
}

impl Profile {
    const fn of(platform: Platform) -> Self {
        match platform {
            Platform::GoogleAnalytics => Self { weekend: 0.62, q4: 0.25, summer: 0.10, holidays: 0.30, growth: 0.15 },
            Platform::GoogleAds => Self { weekend: 0.72, q4: 0.30, summer: 0.08, holidays: 0.25, growth: 0.0 },
            Platform::MetaAds => Self { weekend: 0.88, q4: 0.45, summer: 0.0, holidays: 0.10, growth: 0.0 },
            Platform::LinkedinAds => Self { weekend: 0.45, q4: 0.20, summer: 0.12, holidays: 0.45, growth: 0.0 },
        }
    }

    /// The platform's volume on day `i`, before any campaign's own shape.
    fn weight(&self, history: &History, i: usize) -> f64 {
        let day = &history.days[i];
        let (month, date) = (day.date.month(), day.date.day());
        let weekday = match day.weekday {
            0 | 4 => 0.97,
            1..=3 => 1.04,
            _ => self.weekend,
        };
        let summer = if matches!(month, 7 | 8) { 1.0 - self.summer } else { 1.0 };
        let holidays = if (month == 12 && date >= 24) || (month == 1 && date == 1) { 1.0 - self.holidays } else { 1.0 };
        let growth = 1.0 + self.growth * index_f64(i) / index_f64(HISTORY);
        weekday * (1.0 + self.q4 * day.q4) * summer * holidays * growth
    }
}

/// A deterministic noise function, not a random generator: a value in [-1, 1] fixed by `key` and
/// the day, from splitmix64's mixing.
fn noise(key: u64, day: &Day) -> f64 {
    let bits = splitmix(key ^ splitmix(day.ordinal));
    #[allow(clippy::cast_precision_loss)] // 53 bits convert exactly
    let unit = (bits >> 11) as f64 / (1u64 << 53) as f64;
    unit * 2.0 - 1.0
}

/// `1 ± amplitude`, varying from day to day by the noise of `key`.
fn jitter(key: u64, day: &Day, amplitude: f64) -> f64 {
    1.0 + amplitude * noise(key, day)
}

/// splitmix64's finaliser: every input bit affects every output bit.
const fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a of the parts, each followed by a separator byte so that ("ab", "c") differs from ("a", "bc").
fn key(parts: &[&str]) -> u64 {
    let mut hash = 0xCBF2_9CE4_8422_2325_u64;
    for byte in parts.iter().flat_map(|part| part.bytes().chain([0xFF])) {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01B3);
    }
    hash
}

/// A count as a float; demo counts stay far below 2^52.
#[allow(clippy::cast_precision_loss)]
fn as_f64(count: u64) -> f64 {
    count as f64
}

/// A day index or length as a float.
fn index_f64(index: usize) -> f64 {
    u32::try_from(index).map_or(f64::MAX, f64::from)
}

/// `value` rounded to whole units, 0 for negative or non-finite values.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // finite, non-negative, far below 2^63
fn units(value: f64) -> u64 {
    if value.is_finite() && value > 0.0 { value.round() as u64 } else { 0 }
}

/// `value` rounded to whole units, keeping the sign.
#[allow(clippy::cast_possible_truncation)] // the running totals stay far below 2^63
fn signed_units(value: f64) -> i64 {
    value.round() as i64
}

/// Whole units per day for `target` units over the sample's 30 days, spread by `weights`: the
/// scale is `target` over the window's weights, days where `active` is false get nothing (their
/// weight still counts towards the scale, so a campaign that stopped keeps its level), and the units
/// are handed out by cumulative rounding anchored at the window's first day.
fn spread(weights: &[f64], target: u64, active: impl Fn(usize) -> bool) -> Vec<u64> {
    let window: f64 = weights[WINDOW_START..].iter().sum();
    let per_weight = if window > 0.0 { as_f64(target) / window } else { 0.0 };
    let mut running = Vec::with_capacity(weights.len() + 1);
    let mut sum = 0.0;
    running.push(0.0);
    for (i, weight) in weights.iter().enumerate() {
        if active(i) {
            sum += weight;
        }
        running.push(sum);
    }
    let anchor = running[WINDOW_START];
    // Running totals only grow, so the differences of their roundings are never negative.
    let rounded: Vec<i64> = running.iter().map(|total| signed_units(per_weight * (total - anchor))).collect();
    rounded.windows(2).map(|pair| u64::try_from(pair[1] - pair[0]).unwrap_or(0)).collect()
}

/// `weights` each multiplied by the day's `jitter` of `key`.
fn vary(weights: &[f64], history: &History, key: u64, amplitude: f64) -> Vec<f64> {
    weights.iter().zip(&history.days).map(|(weight, day)| weight * jitter(key, day, amplitude)).collect()
}

/// The figures of every day of the history of one platform.
enum Generated {
    Site(Box<SiteHistory>),
    Ads(Vec<CampaignHistory>),
}

impl Generated {
    fn new(history: &History, sample: &PlatformData, today: NaiveDate) -> Self {
        match sample {
            PlatformData::GoogleAnalytics(report) => Self::Site(Box::new(SiteHistory::new(history, report))),
            _ => Self::Ads(ad_history(history, sample, today)),
        }
    }

    fn day(&self, i: usize) -> DayFigures {
        match self {
            Self::Site(site) => DayFigures::Site(site.day(i)),
            Self::Ads(campaigns) => DayFigures::Ads(AdDay {
                currency: Currency::USD,
                campaigns: campaigns.iter().filter_map(|campaign| campaign.row(i)).collect(),
            }),
        }
    }
}

/// One campaign of a sample, in a shape common to the ad platforms.
struct Campaign {
    name: String,
    spend: f64,
    impressions: u64,
    clicks: u64,
    /// Google Ads conversions.
    conversions: Option<f64>,
    /// Meta's return on ad spend.
    roas: Option<f64>,
    /// LinkedIn leads.
    leads: Option<u64>,
}

impl Campaign {
    fn of(sample: &PlatformData) -> Vec<Self> {
        let common = |name: &str, spend, impressions, clicks| Self {
            name: name.to_owned(),
            spend,
            impressions,
            clicks,
            conversions: None,
            roas: None,
            leads: None,
        };
        match sample {
            PlatformData::GoogleAnalytics(_) => Vec::new(),
            PlatformData::GoogleAds(campaigns) => campaigns
                .iter()
                .map(|c| Self { conversions: Some(c.conversions), ..common(&c.name, c.spend, c.impressions, c.clicks) })
                .collect(),
            PlatformData::MetaAds(campaigns) => campaigns
                .iter()
                .map(|c| Self { roas: c.roas, ..common(&c.name, c.spend, c.impressions, c.clicks) })
                .collect(),
            PlatformData::LinkedinAds(campaigns) => campaigns
                .iter()
                .map(|c| Self { leads: Some(c.leads), ..common(&c.name, c.spend, c.impressions, c.clicks) })
                .collect(),
        }
    }

    /// The campaign that ran last summer, at the scale of the platform's first campaign.
    fn summer_sale(first: &Self, all: &[Self]) -> Self {
        let separators = [" - ", " | ", " – ", " — ", ": "];
        let style = separators.iter().filter_map(|sep| first.name.find(sep).map(|at| (at, *sep))).min();
        let mut name = match style {
            Some((at, sep)) => format!("{}{sep}Summer Sale", &first.name[..at]),
            None => "Summer Sale".to_owned(),
        };
        if all.iter().any(|c| c.name == name) {
            name.push_str(" (ended)");
        }
        let scale = 0.55;
        Self {
            name,
            spend: first.spend * scale,
            impressions: units(as_f64(first.impressions) * scale * 1.1),
            clicks: units(as_f64(first.clicks) * scale * 1.2),
            conversions: first.conversions.map(|c| c * scale * 1.3),
            roas: first.roas.map(|r| r * 1.2),
            leads: first.leads.map(|l| units(as_f64(l) * scale * 1.2)),
        }
    }
}

/// When a campaign runs, as offsets from the history's first day (either may lie outside it).
#[derive(Clone, Copy)]
struct Run {
    start: i64,
    /// The last day of a campaign that stopped.
    end: Option<i64>,
}

impl Run {
    /// A campaign running since before the history began.
    const ALWAYS: Self = Self { start: i64::MIN / 2, end: None };

    fn contains(self, i: usize) -> bool {
        let i = i64::try_from(i).unwrap_or(i64::MAX);
        self.start <= i && self.end.is_none_or(|end| i <= end)
    }

    /// How far the campaign has ramped up on day `i`: from 35 % on its first day to all of it
    /// three weeks later.
    fn ramp(self, i: usize) -> f64 {
        let since = i64::try_from(i).unwrap_or(i64::MAX).saturating_sub(self.start);
        if since >= 21 { 1.0 } else { 0.35 + 0.65 * f64::from(u8::try_from(since).unwrap_or(0)) / 21.0 }
    }
}

/// The campaigns of an ad platform's sample on every day of the history, plus the one that stopped.
fn ad_history(history: &History, sample: &PlatformData, today: NaiveDate) -> Vec<CampaignHistory> {
    let platform = sample.platform();
    let campaigns = Campaign::of(sample);
    let drifting = if platform == Platform::GoogleAds { worsening(&campaigns) } else { None };
    let later = if campaigns.len() >= 2 { (0..campaigns.len()).rev().find(|i| Some(*i) != drifting) } else { None };
    let four_months_ago = today - Days::new(120);
    let later_start = history.offset(four_months_ago.with_day(1).unwrap_or(four_months_ago));
    let mut out: Vec<CampaignHistory> = campaigns
        .iter()
        .enumerate()
        .map(|(i, campaign)| {
            let run = if Some(i) == later { Run { start: later_start, end: None } } else { Run::ALWAYS };
            CampaignHistory::new(platform, history, campaign, run, Some(i) == drifting)
        })
        .collect();
    if let (Some(first), Some((start, end))) = (campaigns.first(), last_summer(today)) {
        let run = Run { start: history.offset(start), end: Some(history.offset(end)) };
        if history.offset(end) >= 0 {
            out.push(CampaignHistory::new(platform, history, &Campaign::summer_sale(first, &campaigns), run, false));
        }
    }
    out
}

/// The campaign whose CPA worsens: the first whose name contains "generic", else the one with the
/// highest cost per conversion.
fn worsening(campaigns: &[Campaign]) -> Option<usize> {
    campaigns.iter().position(|c| c.name.to_lowercase().contains("generic")).or_else(|| {
        campaigns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.conversions.filter(|conv| *conv > 0.0).map(|conv| (i, c.spend / conv)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i)
    })
}

/// The first and last day of the summer sale: June to August of the latest summer that ends before
/// the sample's 30 days, or June up to the day before them when they start after 20 June.
fn last_summer(today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let window_start = today - Days::new(WINDOW as u64);
    let year = window_start.year();
    let summer = |year| Some((NaiveDate::from_ymd_opt(year, 6, 1)?, NaiveDate::from_ymd_opt(year, 8, 31)?));
    let (june, august) = summer(year)?;
    if window_start >= june + Days::new(20) {
        Some((june, august.min(window_start - Days::new(1))))
    } else {
        summer(year - 1)
    }
}

/// One campaign's figures on every day of the history, in whole units.
struct CampaignHistory {
    id: String,
    name: String,
    run: Run,
    spend_cents: Vec<u64>,
    impressions: Vec<u64>,
    clicks: Vec<u64>,
    /// Hundredths of a conversion.
    conversions: Option<Vec<u64>>,
    /// Cents of conversion value.
    value_cents: Option<Vec<u64>>,
    leads: Option<Vec<u64>>,
}

impl CampaignHistory {
    fn new(platform: Platform, history: &History, campaign: &Campaign, run: Run, drifting: bool) -> Self {
        let profile = Profile::of(platform);
        let salt = |figure: &str| key(&[platform.key(), &campaign.name, figure]);
        let days = &history.days;
        let shape = salt("shape");
        // A slow wave of 45 to 145 days, its phase fixed by the name.
        let period = 45.0 + f64::from(u8::try_from(shape % 101).unwrap_or(0));
        let phase = f64::from(u16::try_from((shape >> 16) % 1000).unwrap_or(0)) / 1000.0 * std::f64::consts::TAU;
        let spend_key = salt("spend");
        let spend: Vec<f64> = (0..HISTORY)
            .map(|i| {
                let day = &days[i];
                let wave = 1.0 + 0.12 * (std::f64::consts::TAU * index_f64(i) / period + phase).sin();
                profile.weight(history, i) * wave * run.ramp(i) * jitter(spend_key, day, 0.10)
            })
            .collect();
        // CPM rises towards the fourth-quarter peak, so a dollar buys fewer impressions.
        let impressions: Vec<f64> = spend.iter().zip(days).map(|(w, day)| w / (1.0 + 0.18 * day.q4)).collect();
        let impressions = vary(&impressions, history, salt("impressions"), 0.08);
        let clicks = vary(&impressions, history, salt("clicks"), 0.10);
        let active = |i: usize| run.contains(i);
        let counts = |weights: &[f64], target: u64| spread(weights, target, active);
        let conversions = campaign.conversions.map(|target| {
            let mut weights = vary(&clicks, history, salt("conversions"), 0.15);
            if drifting {
                // The further back, the more conversions per click: CPA worsens towards today.
                let last = index_f64(HISTORY - 1);
                for (i, weight) in weights.iter_mut().enumerate() {
                    *weight *= 1.0 + 0.6 * (last - index_f64(i)) / last;
                }
            }
            counts(&weights, units(target * 100.0))
        });
        let value_cents = campaign.roas.map(|roas| {
            let weights: Vec<f64> = spend.iter().zip(days).map(|(w, day)| w * (1.0 + 0.25 * day.q4)).collect();
            counts(&vary(&weights, history, salt("value"), 0.20), units(roas * campaign.spend * 100.0))
        });
        let leads = campaign.leads.map(|target| counts(&vary(&clicks, history, salt("leads"), 0.20), target));
        Self {
            id: campaign_id(platform, &campaign.name),
            name: campaign.name.clone(),
            run,
            spend_cents: counts(&spend, units(campaign.spend * 100.0)),
            impressions: counts(&impressions, campaign.impressions),
            clicks: counts(&clicks, campaign.clicks),
            conversions,
            value_cents,
            leads,
        }
    }

    /// The campaign's row on day `i`, if it ran that day.
    fn row(&self, i: usize) -> Option<CampaignDay> {
        if !self.run.contains(i) {
            return None;
        }
        let last_day = self.run.end.is_some_and(|end| i64::try_from(i).is_ok_and(|i| i == end));
        Some(CampaignDay {
            campaign_id: self.id.clone(),
            name: self.name.clone(),
            status: if last_day { CampaignStatus::Ended } else { CampaignStatus::Active },
            spend: as_f64(self.spend_cents[i]) / 100.0,
            impressions: self.impressions[i],
            clicks: self.clicks[i],
            conversions: self.conversions.as_ref().map(|c| as_f64(c[i]) / 100.0),
            conversion_value: self.value_cents.as_ref().map(|v| as_f64(v[i]) / 100.0),
            leads: self.leads.as_ref().map(|l| l[i]),
        })
    }
}

/// A stable id for a campaign, shaped like the platform's.
fn campaign_id(platform: Platform, name: &str) -> String {
    let hash = splitmix(key(&[platform.key(), name, "id"]));
    match platform {
        Platform::GoogleAds | Platform::GoogleAnalytics => (1_000_000_000 + hash % 9_000_000_000).to_string(),
        Platform::MetaAds => format!("2385{:014}", hash % 100_000_000_000_000),
        Platform::LinkedinAds => format!("6{:08}", hash % 100_000_000),
    }
}

/// Entries added below a sample's top sources.
const EXTRA_SOURCES: [&str; 4] =
    ["bing / organic", "linkedin / social", "newsletter / email", "chatgpt.com / referral"];

/// Entries added below a sample's top pages.
const EXTRA_PAGES: [&str; 4] = ["/contact", "/about", "/blog", "/features"];

/// Each added entry's share of what the sample leaves unlisted, and its cap as a share of the
/// smallest listed entry.
const EXTRA_SHARES: [(f64, f64); 4] = [(0.30, 0.60), (0.20, 0.45), (0.12, 0.35), (0.08, 0.25)];

/// GA4 figures on every day of the history.
struct SiteHistory {
    sessions: Vec<u64>,
    users: Vec<u64>,
    new_users: Vec<u64>,
    pageviews: Vec<u64>,
    engaged: Vec<u64>,
    bounces: Vec<u64>,
    duration_centis: Vec<u64>,
    sources: Vec<(String, Vec<u64>)>,
    devices: Vec<(String, Vec<u64>)>,
    pages: Vec<(String, Vec<u64>)>,
}

impl SiteHistory {
    fn new(history: &History, report: &AnalyticsReport) -> Self {
        let profile = Profile::of(Platform::GoogleAnalytics);
        let salt = |figure: &str| key(&[Platform::GoogleAnalytics.key(), figure]);
        let metrics = &report.metrics;
        let sessions_key = salt("sessions");
        let session_weights: Vec<f64> =
            (0..HISTORY).map(|i| profile.weight(history, i) * jitter(sessions_key, &history.days[i], 0.06)).collect();
        let all = |_: usize| true;
        let sessions = spread(&session_weights, metrics.sessions, all);
        let pageview_weights = vary(&session_weights, history, salt("pageviews"), 0.08);
        let pageviews = spread(&pageview_weights, metrics.pageviews, all);
        let duration = units(metrics.avg_session_duration * as_f64(metrics.sessions) * 100.0);
        let duration_centis = spread(&vary(&session_weights, history, salt("duration"), 0.10), duration, all);
        let site = Split { history, totals: &sessions, total: metrics.sessions, weights: &session_weights };
        let bounces = units(metrics.bounce_rate * as_f64(metrics.sessions)).min(metrics.sessions);
        let mut engagement = site
            .split(vec![Part::new("bounces", bounces, 1.06), Part::new("engaged", metrics.sessions - bounces, 1.0)])
            .into_iter();
        let (bounces, engaged) = (engagement.next().unwrap_or_default(), engagement.next().unwrap_or_default());
        let (users_key, new_users_key) = (salt("users"), salt("newUsers"));
        let (users, new_users) = sessions
            .iter()
            .zip(&history.days)
            .map(|(sessions, day)| {
                let users = units(as_f64(*sessions) * (0.85 + 0.05 * noise(users_key, day)));
                (users, units(as_f64(users) * (0.65 + 0.05 * noise(new_users_key, day))))
            })
            .unzip();
        let sources: Vec<(String, u64)> = report.top_sources.iter().map(|s| (s.source.clone(), s.sessions)).collect();
        let pages: Vec<(String, u64)> = report.top_pages.iter().map(|p| (p.page.clone(), p.views)).collect();
        let shares: Vec<f64> = report.devices.iter().map(|d| d.percentage).collect();
        let devices = report
            .devices
            .iter()
            .zip(largest_remainder(metrics.sessions, &shares))
            .map(|(device, sessions)| {
                let weekend = if ["mobile", "tablet"].iter().any(|m| device.device.contains(m)) { 1.15 } else { 1.0 };
                Part::new(&device.device, sessions, weekend)
            })
            .collect();
        let pages_split = Split { history, totals: &pageviews, total: metrics.pageviews, weights: &pageview_weights };
        Self {
            sources: site.breakdown(&sources, &EXTRA_SOURCES),
            devices: site.named(devices),
            pages: pages_split.breakdown(&pages, &EXTRA_PAGES),
            sessions,
            users,
            new_users,
            pageviews,
            engaged,
            bounces,
            duration_centis,
        }
    }

    fn day(&self, i: usize) -> SiteDay {
        SiteDay {
            sessions: self.sessions[i],
            users: self.users[i],
            new_users: self.new_users[i],
            pageviews: self.pageviews[i],
            engaged_sessions: self.engaged[i],
            bounces: self.bounces[i],
            session_duration_secs: as_f64(self.duration_centis[i]) / 100.0,
            top_sources: ranked(&self.sources, i),
            devices: ranked(&self.devices, i),
            top_pages: ranked(&self.pages, i),
        }
    }
}

/// A breakdown's entries on day `i`, largest first, without empty ones.
fn ranked(parts: &[(String, Vec<u64>)], i: usize) -> Vec<RankedCount> {
    let mut day: Vec<RankedCount> = parts
        .iter()
        .filter(|(_, counts)| counts[i] > 0)
        .map(|(name, counts)| RankedCount { name: name.clone(), count: counts[i] })
        .collect();
    day.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    day.truncate(SiteDay::TOP);
    day
}

/// `total` split by `shares` into whole parts summing to it, by largest remainder.
fn largest_remainder(total: u64, shares: &[f64]) -> Vec<u64> {
    let sum: f64 = shares.iter().map(|s| s.max(0.0)).sum();
    if sum <= 0.0 {
        return vec![0; shares.len()];
    }
    let exact: Vec<f64> = shares.iter().map(|s| as_f64(total) * s.max(0.0) / sum).collect();
    let mut parts: Vec<u64> = exact.iter().map(|e| units(e.floor())).collect();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|a, b| (exact[*b] - exact[*b].floor()).total_cmp(&(exact[*a] - exact[*a].floor())));
    let short = usize::try_from(total.saturating_sub(parts.iter().sum())).unwrap_or(0);
    for i in order.into_iter().take(short) {
        parts[i] += 1;
    }
    parts
}

/// One entry of a breakdown: its 30-day target and how much it rises at weekends.
struct Part {
    name: String,
    target: u64,
    weekend: f64,
}

impl Part {
    fn new(name: &str, target: u64, weekend: f64) -> Self {
        Self { name: name.to_owned(), target, weekend }
    }
}

/// A daily total (sessions or pageviews) to split into parts.
struct Split<'a> {
    history: &'a History,
    /// The total on each day.
    totals: &'a [u64],
    /// The total over the sample's 30 days.
    total: u64,
    /// The total's weights.
    weights: &'a [f64],
}

impl Split<'_> {
    /// Each part's count on every day. When the parts fit in the total, what they leave is one
    /// more, unlisted part and the largest part is each day's remainder, so no day's parts exceed
    /// its total; otherwise (a sample whose entries exceed its total) each part is spread alone.
    fn split(&self, mut parts: Vec<Part>) -> Vec<Vec<u64>> {
        let listed = parts.len();
        let sum: u64 = parts.iter().map(|p| p.target).sum();
        let fits = sum <= self.total;
        if fits && sum < self.total {
            parts.push(Part::new("(not listed)", self.total - sum, 1.0));
        }
        let remainder = fits.then(|| (0..parts.len()).max_by_key(|i| (parts[*i].target, usize::MAX - i))).flatten();
        let mut counts: Vec<Vec<u64>> = parts
            .iter()
            .enumerate()
            .map(|(i, part)| {
                if Some(i) == remainder {
                    return Vec::new();
                }
                let noise_key = key(&["breakdown", &part.name]);
                let weights: Vec<f64> = self
                    .weights
                    .iter()
                    .zip(&self.history.days)
                    .map(|(w, day)| {
                        let weekend = if day.weekend { part.weekend } else { 1.0 };
                        w * weekend * jitter(noise_key, day, 0.08)
                    })
                    .collect();
                spread(&weights, part.target, |_| true)
            })
            .collect();
        if let Some(r) = remainder {
            counts[r] = (0..HISTORY)
                .map(|day| {
                    let others: u64 = counts.iter().map(|c| c.get(day).copied().unwrap_or(0)).sum();
                    self.totals[day].saturating_sub(others)
                })
                .collect();
        }
        counts.truncate(listed);
        counts
    }

    /// The parts' counts with their names.
    fn named(&self, parts: Vec<Part>) -> Vec<(String, Vec<u64>)> {
        let names: Vec<String> = parts.iter().map(|p| p.name.clone()).collect();
        names.into_iter().zip(self.split(parts)).collect()
    }

    /// A top-N breakdown: the sample's entries (the largest [`SiteDay::TOP`]) and a few smaller
    /// ones from `extras` below them.
    fn breakdown(&self, sample: &[(String, u64)], extras: &[&str]) -> Vec<(String, Vec<u64>)> {
        let mut listed = sample.to_vec();
        listed.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
        listed.truncate(SiteDay::TOP);
        if let Some(smallest) = listed.iter().map(|(_, count)| *count).min() {
            let unlisted = as_f64(self.total.saturating_sub(listed.iter().map(|(_, count)| count).sum()));
            let room = SiteDay::TOP - listed.len();
            let added: Vec<(String, u64)> = extras
                .iter()
                .filter(|name| !listed.iter().any(|(listed, _)| listed == *name))
                .zip(EXTRA_SHARES)
                .take(room)
                .map(|(name, (share, cap))| ((*name).to_owned(), units((unlisted * share).min(as_f64(smallest) * cap))))
                .filter(|(_, count)| *count > 0)
                .collect();
            listed.extend(added);
        }
        self.named(listed.iter().map(|(name, count)| Part::new(name, *count, 1.0)).collect())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use chrono::{Datelike, Days, NaiveDate};

    use crate::daily::{CampaignDay, CampaignStatus, DailyRecord, DayFigures, RankedCount, SiteDay};
    use crate::dates::{DateRange, Preset, is_weekend};
    use crate::demo::{HISTORY_DAYS, daily_records, sample, window_users};
    use crate::ids::ClientId;
    use crate::metrics::{AdTotals, Metric, SiteTotals};
    use crate::platform::{
        AnalyticsMetrics, AnalyticsReport, DeviceShare, GoogleAdsCampaign, LinkedinAdsCampaign, MetaAdsCampaign,
        PageViews, Platform, PlatformData, SourceSessions,
    };

    const CLIENT: ClientId = ClientId::from_bytes([7; 12]);

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A Wednesday in the middle of December.
    fn today() -> NaiveDate {
        d("2026-12-16")
    }

    fn r(start: NaiveDate, end: NaiveDate) -> DateRange {
        DateRange::new(start, end).unwrap()
    }

    fn last_30(today: NaiveDate) -> DateRange {
        Preset::Last30Days.range(today, false)
    }

    /// More than the whole history, today included.
    fn everything(today: NaiveDate) -> DateRange {
        r(today - Days::new(HISTORY_DAYS + 20), today)
    }

    fn platform_sample(samples: &[PlatformData], platform: Platform) -> PlatformData {
        samples.iter().find(|s| s.platform() == platform).unwrap().clone()
    }

    fn rows_of(record: &DailyRecord) -> &[CampaignDay] {
        match &record.figures {
            DayFigures::Ads(day) => &day.campaigns,
            DayFigures::Site(_) => &[],
        }
    }

    fn rows(records: &[DailyRecord]) -> impl Iterator<Item = &CampaignDay> {
        records.iter().flat_map(rows_of)
    }

    fn site_days(records: &[DailyRecord]) -> impl Iterator<Item = &SiteDay> {
        records.iter().filter_map(|record| match &record.figures {
            DayFigures::Site(day) => Some(day),
            DayFigures::Ads(_) => None,
        })
    }

    /// Spend (ads) or sessions (GA4) of a record.
    #[allow(clippy::cast_precision_loss)]
    fn volume(record: &DailyRecord) -> f64 {
        match &record.figures {
            DayFigures::Ads(day) => day.campaigns.iter().map(|c| c.spend).sum(),
            DayFigures::Site(day) => day.sessions as f64,
        }
    }

    fn mean(values: impl Iterator<Item = f64>) -> f64 {
        let (sum, n) = values.fold((0.0, 0.0), |(sum, n), v| (sum + v, n + 1.0));
        sum / n
    }

    fn totals_by_name<'a>(breakdowns: impl Iterator<Item = &'a [RankedCount]>) -> BTreeMap<String, u64> {
        let mut totals = BTreeMap::new();
        for entry in breakdowns.flatten() {
            *totals.entry(entry.name.clone()).or_default() += entry.count;
        }
        totals
    }

    fn assert_close(got: Option<f64>, want: f64, tolerance: f64, what: &str) {
        let got = got.unwrap_or_else(|| panic!("{what}: no value"));
        assert!((got - want).abs() <= tolerance, "{what}: got {got}, want {want}");
    }

    fn assert_sums_back(sample: &PlatformData, today: NaiveDate) {
        let records = daily_records(CLIENT, sample, today, last_30(today));
        assert_eq!(records.len(), 30, "{} on {today}", sample.platform());
        match sample {
            PlatformData::GoogleAnalytics(report) => assert_site_sums_back(report, &records, today),
            _ => assert_campaigns_sum_back(sample, &records, today),
        }
    }

    #[allow(clippy::cast_precision_loss)]
    fn assert_campaigns_sum_back(sample: &PlatformData, records: &[DailyRecord], today: NaiveDate) {
        let names: BTreeSet<&str> = rows(records).map(|row| row.name.as_str()).collect();
        let figures = sample.campaigns();
        assert_eq!(names, figures.iter().map(|c| c.name.as_str()).collect(), "only the sample's campaigns run");
        for campaign in figures {
            let what = |figure: &str| format!("{} {figure} on {today}", campaign.name);
            let totals = AdTotals::sum(rows(records).filter(|row| row.name == campaign.name));
            assert_close(totals.value(Metric::Spend), campaign.spend, 0.005, &what("spend"));
            assert_eq!(totals.clicks, campaign.clicks, "{}", what("clicks"));
            assert_eq!(totals.impressions, campaign.impressions, "{}", what("impressions"));
            assert_close(totals.value(Metric::Ctr), campaign.ctr().unwrap(), 1e-12, &what("ctr"));
            match sample {
                PlatformData::GoogleAds(_) => {
                    assert_close(totals.conversions, campaign.conversions.unwrap(), 0.005, &what("conversions"));
                }
                PlatformData::MetaAds(sampled) => {
                    let sampled = sampled.iter().find(|c| c.name == campaign.name).unwrap();
                    let cpm = sampled.spend * 1000.0 / sampled.impressions as f64;
                    assert_close(totals.value(Metric::Cpm), cpm, 1e-6, &what("cpm"));
                    match campaign.roas {
                        Some(roas) => assert_close(totals.value(Metric::Roas), roas, 0.005, &what("roas")),
                        None => assert_eq!(totals.conversion_value, None, "{}", what("conversion value")),
                    }
                }
                PlatformData::LinkedinAds(_) => {
                    assert_close(totals.value(Metric::Leads), campaign.conversions.unwrap(), 0.0, &what("leads"));
                }
                PlatformData::GoogleAnalytics(_) => unreachable!(),
            }
        }
        assert!(rows(records).all(|row| row.status == CampaignStatus::Active));
    }

    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    fn assert_site_sums_back(report: &AnalyticsReport, records: &[DailyRecord], today: NaiveDate) {
        let m = report.metrics;
        let totals = SiteTotals::sum(site_days(records));
        assert_eq!(totals.sessions, m.sessions, "sessions on {today}");
        assert_eq!(totals.pageviews, m.pageviews, "pageviews on {today}");
        let bounces = (m.bounce_rate * m.sessions as f64).round() as u64;
        assert_eq!(totals.bounces, bounces, "bounces on {today}");
        assert_eq!(totals.engaged_sessions, m.sessions - bounces, "engaged sessions on {today}");
        assert_close(totals.value(Metric::BounceRate), m.bounce_rate, 0.5 / m.sessions as f64, "bounce rate");
        assert_close(totals.value(Metric::AvgSessionDuration), m.avg_session_duration, 0.001, "duration");

        let sources = totals_by_name(site_days(records).map(|day| day.top_sources.as_slice()));
        for source in &report.top_sources {
            assert_eq!(sources[&source.source], source.sessions, "{} on {today}", source.source);
        }
        let smallest = report.top_sources.iter().map(|s| s.sessions).min().unwrap();
        let extras: Vec<_> =
            sources.iter().filter(|(name, _)| !report.top_sources.iter().any(|s| &s.source == *name)).collect();
        assert!(!extras.is_empty(), "smaller sources are added");
        assert!(extras.iter().all(|(_, sessions)| **sessions < smallest), "{extras:?}");

        let pages = totals_by_name(site_days(records).map(|day| day.top_pages.as_slice()));
        for page in &report.top_pages {
            assert_eq!(pages[&page.page], page.views, "{} on {today}", page.page);
        }
        assert!(pages.contains_key("/contact"));

        let devices = totals_by_name(site_days(records).map(|day| day.devices.as_slice()));
        assert_eq!(devices.values().sum::<u64>(), m.sessions);
        // Shares that do not add up to 100 % (rounded by the platform) are taken relative to their sum.
        let all: f64 = report.devices.iter().map(|device| device.percentage).sum();
        for device in &report.devices {
            let pct = devices[&device.device] as f64 / m.sessions as f64 * all;
            assert!((pct - device.percentage).abs() < 0.01, "{}: {pct}", device.device);
        }

        for day in site_days(records) {
            let listed = |b: &[RankedCount]| b.iter().map(|e| e.count).sum::<u64>();
            assert!(listed(&day.top_sources) <= day.sessions && listed(&day.top_pages) <= day.pageviews);
            assert_eq!(listed(&day.devices), day.sessions);
            let users = day.users as f64 / day.sessions as f64;
            assert!((0.79..=0.91).contains(&users), "users per session {users}");
            let new = day.new_users as f64 / day.users as f64;
            assert!((0.59..=0.71).contains(&new), "new users per user {new}");
        }
    }

    /// A second client's samples, of other figures and names.
    fn acme() -> Vec<PlatformData> {
        vec![
            PlatformData::GoogleAnalytics(AnalyticsReport {
                metrics: AnalyticsMetrics {
                    sessions: 48_210,
                    users: 39_870,
                    pageviews: 131_004,
                    bounce_rate: 0.382,
                    avg_session_duration: 142.7,
                },
                top_sources: vec![
                    SourceSessions { source: "google / cpc".into(), sessions: 17_320 },
                    SourceSessions { source: "google / organic".into(), sessions: 15_106 },
                    SourceSessions { source: "direct".into(), sessions: 6_004 },
                    SourceSessions { source: "bing / organic".into(), sessions: 1_210 },
                ],
                devices: vec![
                    DeviceShare { device: "mobile".into(), percentage: 61.3 },
                    DeviceShare { device: "desktop".into(), percentage: 35.2 },
                    DeviceShare { device: "tablet".into(), percentage: 3.4 },
                ],
                top_pages: vec![
                    PageViews { page: "/".into(), views: 30_410 },
                    PageViews { page: "/products/analytics".into(), views: 18_207 },
                    PageViews { page: "/pricing".into(), views: 9_880 },
                ],
            }),
            PlatformData::GoogleAds(vec![
                GoogleAdsCampaign {
                    name: "Acme - Brand Search - US".into(),
                    spend: 4_210.33,
                    clicks: 6_120,
                    impressions: 51_800,
                    ctr: 6_120.0 / 51_800.0,
                    conversions: 402.5,
                },
                GoogleAdsCampaign {
                    name: "Acme - Generic Search - Analytics Software".into(),
                    spend: 9_870.12,
                    clicks: 4_402,
                    impressions: 160_330,
                    ctr: 4_402.0 / 160_330.0,
                    conversions: 131.33,
                },
                GoogleAdsCampaign {
                    name: "Acme - PMax - Q4 Holiday".into(),
                    spend: 6_005.99,
                    clicks: 8_817,
                    impressions: 603_112,
                    ctr: 8_817.0 / 603_112.0,
                    conversions: 240.0,
                },
            ]),
            PlatformData::MetaAds(vec![
                MetaAdsCampaign {
                    name: "Acme | Lookalike | Purchasers".into(),
                    spend: 5_320.47,
                    impressions: 801_450,
                    clicks: 9_911,
                    cpm: 6.64,
                    roas: Some(3.17),
                },
                MetaAdsCampaign {
                    name: "Acme | Brand Awareness".into(),
                    spend: 1_499.01,
                    impressions: 402_003,
                    clicks: 1_207,
                    cpm: 3.73,
                    roas: None,
                },
            ]),
            PlatformData::LinkedinAds(vec![LinkedinAdsCampaign {
                name: "Acme - IT Directors - EMEA".into(),
                spend: 3_100.50,
                impressions: 40_112,
                clicks: 301,
                leads: 9,
            }]),
        ]
    }

    #[test]
    fn the_last_30_days_sum_back_to_each_sample() {
        for today in ["2026-12-16", "2026-07-21", "2026-09-01", "2027-01-03", "2028-03-01"] {
            for sample in sample() {
                assert_sums_back(&sample, d(today));
            }
        }
    }

    #[test]
    fn a_different_sample_sums_back_too() {
        for today in ["2026-12-16", "2027-06-10"] {
            for sample in acme() {
                assert_sums_back(&sample, d(today));
            }
        }
        let meta = platform_sample(&acme(), Platform::MetaAds);
        let records = daily_records(CLIENT, &meta, today(), everything(today()));
        assert!(rows(&records).any(|row| row.name == "Acme | Summer Sale"));
        let awareness: Vec<&CampaignDay> = rows(&records).filter(|row| row.name == "Acme | Brand Awareness").collect();
        assert!(!awareness.is_empty() && awareness.iter().all(|row| row.conversion_value.is_none()));
        let google = platform_sample(&acme(), Platform::GoogleAds);
        let records = daily_records(CLIENT, &google, today(), everything(today()));
        let first_day =
            |name: &str| records.iter().find(|rec| rows_of(rec).iter().any(|row| row.name == name)).unwrap().date;
        assert_eq!(first_day("Acme - Generic Search - Analytics Software"), records[0].date, "it ran all along");
        assert_eq!(first_day("Acme - PMax - Q4 Holiday"), d("2026-08-01"), "the last campaign started later");
    }

    #[test]
    fn the_days_cache_gives_what_generating_gives() {
        let cache = crate::demo::DemoDays::new();
        let other = ClientId::from_bytes([9; 12]);
        for sample in sample() {
            for range in [everything(today()), last_30(today()), r(today() - Days::new(400), today() - Days::new(380))]
            {
                assert_eq!(
                    cache.records(other, &sample, today(), range),
                    daily_records(other, &sample, today(), range)
                );
            }
            let tomorrow = today() + Days::new(1);
            assert_eq!(
                cache.records(CLIENT, &sample, tomorrow, everything(tomorrow)),
                daily_records(CLIENT, &sample, tomorrow, everything(tomorrow)),
                "a new day is generated anew"
            );
        }
    }

    #[test]
    fn the_same_inputs_give_the_same_records_whatever_the_client() {
        let other = ClientId::from_bytes([9; 12]);
        for sample in sample() {
            let once = daily_records(CLIENT, &sample, today(), everything(today()));
            assert_eq!(once, daily_records(CLIENT, &sample, today(), everything(today())));
            let theirs = daily_records(other, &sample, today(), everything(today()));
            assert!(theirs.iter().all(|record| record.client_id == other));
            let figures = |records: &[DailyRecord]| records.iter().map(|r| r.figures.clone()).collect::<Vec<_>>();
            assert_eq!(figures(&once), figures(&theirs));
        }
    }

    #[test]
    fn a_part_of_the_history_is_the_same_days_as_the_whole() {
        for sample in sample() {
            let all = daily_records(CLIENT, &sample, today(), everything(today()));
            let november = daily_records(CLIENT, &sample, today(), r(d("2026-11-01"), d("2026-11-30")));
            let start = all.iter().position(|rec| rec.date == d("2026-11-01")).unwrap();
            assert_eq!(november, all[start..start + 30]);
        }
    }

    #[test]
    fn there_are_no_records_outside_the_history_or_for_today() {
        let first = today() - Days::new(HISTORY_DAYS);
        for sample in sample() {
            let records = daily_records(CLIENT, &sample, today(), everything(today()));
            assert_eq!(records.len(), 395);
            assert_eq!(records[0].date, first);
            assert_eq!(records.last().unwrap().date, today() - Days::new(1));
            assert!(
                records.windows(2).all(|pair| pair[1].date == pair[0].date + Days::new(1)),
                "one a day, oldest first"
            );
            assert!(records.iter().all(|record| record.platform == sample.platform()));
            let before = r(first - Days::new(30), first - Days::new(1));
            assert!(daily_records(CLIENT, &sample, today(), before).is_empty());
            assert!(daily_records(CLIENT, &sample, today(), DateRange::day(today())).is_empty());
            assert!(daily_records(CLIENT, &sample, today(), r(today(), today() + Days::new(9))).is_empty());
        }
    }

    #[test]
    fn weekends_are_lower_than_weekdays_on_average() {
        for sample in sample() {
            let records = daily_records(CLIENT, &sample, today(), everything(today()));
            let weekend = mean(records.iter().filter(|r| is_weekend(r.date)).map(volume));
            let weekday = mean(records.iter().filter(|r| !is_weekend(r.date)).map(volume));
            assert!(weekend < 0.95 * weekday, "{}: weekend {weekend} vs weekday {weekday}", sample.platform());
        }
    }

    #[test]
    fn the_fourth_quarter_is_higher_than_the_second() {
        for sample in sample() {
            let records = daily_records(CLIENT, &sample, today(), everything(today()));
            let quarter =
                |months: [u32; 3]| mean(records.iter().filter(|r| months.contains(&r.date.month())).map(volume));
            let (q2, q4) = (quarter([4, 5, 6]), quarter([10, 11, 12]));
            assert!(q4 > 1.05 * q2, "{}: Q4 {q4} vs Q2 {q2}", sample.platform());
        }
    }

    #[test]
    fn the_ended_campaign_has_rows_only_in_its_months() {
        for (platform, name) in [
            (Platform::GoogleAds, "Demo - Summer Sale"),
            (Platform::MetaAds, "Demo | Summer Sale"),
            (Platform::LinkedinAds, "Demo - Summer Sale"),
        ] {
            let records = daily_records(CLIENT, &platform_sample(&sample(), platform), today(), everything(today()));
            let summer: Vec<(NaiveDate, &CampaignDay)> = records
                .iter()
                .flat_map(|record| rows_of(record).iter().map(move |row| (record.date, row)))
                .filter(|(_, row)| row.name == name)
                .collect();
            assert_eq!(summer.len(), 92, "{platform}: every day of June to August");
            assert_eq!(summer[0].0, d("2026-06-01"));
            assert_eq!(summer[91].0, d("2026-08-31"));
            assert!(summer[..91].iter().all(|(_, row)| row.status == CampaignStatus::Active));
            assert_eq!(summer[91].1.status, CampaignStatus::Ended);
            assert!(summer.iter().all(|(_, row)| row.campaign_id == summer[0].1.campaign_id && row.spend > 0.0));
        }
    }

    #[test]
    fn a_summer_sale_stops_before_the_samples_days_when_they_start_in_summer() {
        let google = platform_sample(&sample(), Platform::GoogleAds);
        for (today, last) in [("2026-08-15", "2026-07-15"), ("2026-07-21", "2026-06-20"), ("2026-07-20", "2025-08-31")]
        {
            let today = d(today);
            let records = daily_records(CLIENT, &google, today, everything(today));
            let dates: Vec<NaiveDate> = records
                .iter()
                .filter(|record| rows_of(record).iter().any(|row| row.name == "Demo - Summer Sale"))
                .map(|record| record.date)
                .collect();
            assert_eq!(*dates.last().unwrap(), d(last), "on {today}");
            assert!(*dates.last().unwrap() < last_30(today).start());
        }
    }

    #[test]
    fn the_last_campaign_started_about_four_months_ago() {
        for (platform, name) in [
            (Platform::GoogleAds, "Demo - Performance Max"),
            (Platform::MetaAds, "Demo | Retargeting"),
            (Platform::LinkedinAds, "Demo - Webinar Lead Gen"),
        ] {
            let records = daily_records(CLIENT, &platform_sample(&sample(), platform), today(), everything(today()));
            let dates: Vec<NaiveDate> = records
                .iter()
                .filter(|record| rows_of(record).iter().any(|row| row.name == name))
                .map(|record| record.date)
                .collect();
            assert_eq!(dates[0], d("2026-08-01"), "{name}");
            assert_eq!(dates.len(), records.iter().filter(|rec| rec.date >= d("2026-08-01")).count(), "{name}");
        }
    }

    #[test]
    fn campaign_ids_are_stable_and_shaped_like_the_platforms() {
        for sample in sample() {
            let records = daily_records(CLIENT, &sample, today(), everything(today()));
            let mut ids: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
            for row in rows(&records) {
                ids.entry(row.name.as_str()).or_default().insert(row.campaign_id.as_str());
            }
            assert!(ids.values().all(|ids| ids.len() == 1), "{ids:?}");
            let distinct: BTreeSet<_> = ids.values().flatten().collect();
            assert_eq!(distinct.len(), ids.len());
            for id in distinct {
                assert!(id.chars().all(|c| c.is_ascii_digit()), "{id}");
                match sample.platform() {
                    Platform::GoogleAds => assert_eq!(id.len(), 10),
                    Platform::MetaAds => assert!(id.starts_with("2385") && id.len() == 18),
                    Platform::LinkedinAds => assert!(id.starts_with('6') && id.len() == 9),
                    Platform::GoogleAnalytics => unreachable!(),
                }
            }
            assert!(records.iter().all(|record| match &record.figures {
                DayFigures::Ads(day) => day.currency == crate::daily::Currency::USD,
                DayFigures::Site(_) => true,
            }));
        }
    }

    #[test]
    fn generic_search_costs_more_per_conversion_now_than_a_year_ago() {
        let google = platform_sample(&sample(), Platform::GoogleAds);
        let records = daily_records(CLIENT, &google, today(), everything(today()));
        let records = &records;
        let cpa = |from: u64, to: u64| {
            let days = r(today() - Days::new(from), today() - Days::new(to));
            let campaign = move |name: &'static str| {
                let picked = records
                    .iter()
                    .filter(move |record| days.contains(record.date))
                    .flat_map(rows_of)
                    .filter(move |row| row.name == name);
                AdTotals::sum(picked).value(Metric::Cpa).unwrap()
            };
            (campaign("Demo - Generic Search"), campaign("Demo - Brand Search"))
        };
        // The last 3 months against months 10 to 12 ago.
        let ((generic_now, brand_now), (generic_then, brand_then)) = (cpa(90, 1), cpa(365, 275));
        assert!(generic_now > 1.25 * generic_then, "generic CPA now {generic_now} vs a year ago {generic_then}");
        assert!((brand_now / brand_then - 1.0).abs() < 0.15, "brand CPA steady: {brand_now} vs {brand_then}");
    }

    fn ga4() -> PlatformData {
        platform_sample(&sample(), Platform::GoogleAnalytics)
    }

    #[test]
    fn window_users_equal_the_sample_users_for_the_last_30_days() {
        for today in ["2026-12-16", "2026-12-01", "2027-03-31"] {
            assert_eq!(window_users(&ga4(), d(today), last_30(d(today))), Some(12_450), "{today}");
        }
    }

    #[test]
    fn window_users_are_below_the_sum_of_daily_users_and_grow_with_the_window() {
        let records = daily_records(CLIENT, &ga4(), today(), everything(today()));
        let daily_sum = |range: DateRange| {
            site_days(&records)
                .zip(&records)
                .filter(|(_, rec)| range.contains(rec.date))
                .map(|(day, _)| day.users)
                .sum()
        };
        for window in Preset::STANDARD_WINDOWS {
            let range = window.range(today(), false);
            let users = window_users(&ga4(), today(), range).unwrap();
            let sum: u64 = daily_sum(range);
            assert!(users < sum, "{window}: {users} unique users vs {sum} daily users");
            assert!(users * 2 > sum, "{window}: {users} unique users vs {sum} daily users");
        }
        // The windows that end yesterday hold one another, shortest first.
        let nested = [Preset::Last7Days, Preset::ThisMonth, Preset::Last28Days, Preset::Last30Days, Preset::Last90Days];
        let users: Vec<u64> =
            nested.iter().map(|w| window_users(&ga4(), today(), w.range(today(), false)).unwrap()).collect();
        assert!(users.windows(2).all(|pair| pair[0] < pair[1]), "{users:?}");
    }

    #[test]
    fn window_users_are_none_for_other_ranges_and_other_platforms() {
        let nov = r(d("2026-11-02"), d("2026-11-30"));
        assert_eq!(window_users(&ga4(), today(), nov), None);
        assert_eq!(window_users(&ga4(), today(), Preset::LastQuarter.range(today(), false)), None);
        assert_eq!(window_users(&ga4(), today(), Preset::Last7Days.range(today(), true)), None, "today included");
        let google = platform_sample(&sample(), Platform::GoogleAds);
        assert_eq!(window_users(&google, today(), last_30(today())), None);
        let acme = platform_sample(&acme(), Platform::GoogleAnalytics);
        assert_eq!(window_users(&acme, today(), last_30(today())), Some(39_870));
    }

    #[test]
    fn a_long_breakdown_keeps_twenty_entries_a_day() {
        let PlatformData::GoogleAnalytics(mut report) = ga4() else { unreachable!() };
        report.top_pages = (0..25).map(|i| PageViews { page: format!("/p{i}"), views: 500 - i }).collect();
        let records = daily_records(CLIENT, &PlatformData::GoogleAnalytics(report), today(), everything(today()));
        assert_eq!(records.len(), 395);
        assert!(site_days(&records).all(|day| day.top_pages.len() <= SiteDay::TOP));
    }
}
