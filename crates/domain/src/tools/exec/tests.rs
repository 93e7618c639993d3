//! Tests of the tools over mocked daily figures of a connected client.

use std::sync::Mutex;

use chrono::TimeZone;

use super::*;
use crate::analyst::DiscardAnswer;
use crate::cipher::SealedToken;
use crate::client::{ClientName, ClientStatus};
use crate::daily::{AdDay, CampaignDay, CampaignStatus, SiteDay};
use crate::dates::{ClientTimeZone, Preset, PreviousSpec, RangeSpec};
use crate::platform::{
    AnalyticsMetrics, AnalyticsReport, PlatformAccount, PlatformConnection, PlatformSnapshot, SealedCredentials,
};
use crate::ports::{MockDailyStore, MockDemoDataStore, MockSnapshotStore};

fn user() -> UserId {
    UserId::from_bytes([1; 12])
}

fn client_id() -> ClientId {
    ClientId::from_bytes([2; 12])
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
}

fn synced() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 6, 0, 0).unwrap()
}

fn connection(account: PlatformAccount) -> PlatformConnection {
    let credentials = SealedCredentials {
        access_token: SealedToken::new("k1:x"),
        refresh_token: None,
        expires_at: None,
        refresh_expires_at: None,
    };
    let mut connection = PlatformConnection::new(account, credentials);
    connection.last_sync = Some(synced());
    connection
}

/// A client with Google Ads, Meta Ads and GA4 connected.
fn client() -> Client {
    let mut platforms = std::collections::BTreeMap::new();
    for account in [
        PlatformAccount::GoogleAds { customer_id: "1".into() },
        PlatformAccount::MetaAds { ad_account_id: "act_1".into() },
        PlatformAccount::GoogleAnalytics { account_id: "1".into(), property_id: "2".into() },
    ] {
        platforms.insert(account.platform(), connection(account));
    }
    Client {
        id: client_id(),
        user_id: user(),
        name: ClientName::new("Acme").unwrap(),
        email: None,
        logo: None,
        time_zone: ClientTimeZone::UTC,
        platforms,
        status: ClientStatus::Active,
        created_at: synced(),
        updated_at: synced(),
    }
}

fn campaign(id: &str, spend: f64, clicks: u64, conversions: Option<f64>, value: Option<f64>) -> CampaignDay {
    CampaignDay {
        campaign_id: id.into(),
        name: format!("Campaign {id}"),
        status: CampaignStatus::Active,
        spend,
        impressions: clicks * 20,
        clicks,
        conversions,
        conversion_value: value,
        leads: None,
    }
}

fn ads(platform: Platform, date: NaiveDate, currency: Currency, campaigns: Vec<CampaignDay>) -> DailyRecord {
    DailyRecord::new(client_id(), platform, date, DayFigures::Ads(AdDay { currency, campaigns })).unwrap()
}

fn site(date: NaiveDate, sessions: u64) -> DailyRecord {
    let day = SiteDay {
        sessions,
        users: sessions * 8 / 10,
        new_users: sessions / 2,
        pageviews: sessions * 2,
        engaged_sessions: sessions / 2,
        bounces: sessions / 2,
        session_duration_secs: 100.0 * f64::from(u32::try_from(sessions).unwrap()),
        top_sources: vec![
            RankedCount { name: "google / organic".into(), count: sessions / 2 },
            RankedCount { name: "(direct) / (none)".into(), count: sessions / 4 },
        ],
        devices: vec![RankedCount { name: "desktop".into(), count: sessions }],
        top_pages: vec![RankedCount { name: "/".into(), count: sessions }],
    };
    DailyRecord::new(client_id(), Platform::GoogleAnalytics, date, DayFigures::Site(day)).unwrap()
}

/// Every day of the last 400 days: Google Ads in USD (two campaigns, the second only in November),
/// Meta Ads in EUR, GA4 with 100 sessions a day (200 on the 1st of a month).
fn history() -> Vec<DailyRecord> {
    let range = DateRange::new(today() - Days::new(400), today() - Days::new(1)).unwrap();
    let mut records = Vec::new();
    for day in range.iter_days() {
        let mut google = vec![campaign("g1", 10.0, 10, Some(1.0), None)];
        if day.month() == 11 {
            google.push(campaign("g2", 30.0, 5, Some(0.5), None));
        }
        records.push(ads(Platform::GoogleAds, day, Currency::USD, google));
        records.push(ads(Platform::MetaAds, day, Currency::EUR, vec![campaign("m1", 20.0, 40, None, Some(60.0))]));
        records.push(site(day, if day.day() == 1 { 200 } else { 100 }));
    }
    records
}

struct Harness {
    tools: AnalystTools,
    scope: ToolScope,
}

fn harness(records: Vec<DailyRecord>, snapshots: MockSnapshotStore) -> Harness {
    let mut daily = MockDailyStore::new();
    daily.expect_range().returning(move |u, c, platform, range| {
        assert_eq!((u, c), (user(), client_id()), "the tools read only the caller's client");
        Ok(records.iter().filter(|r| r.platform == platform && range.contains(r.date)).cloned().collect())
    });
    let tools = AnalystTools::new(Arc::new(daily), Arc::new(snapshots), Arc::new(MockDemoDataStore::new()));
    let scope = ToolScope {
        user: user(),
        client: client_id(),
        today: today(),
        source: Source::Connected(client().platforms.values().map(|c| (c.platform(), c.last_sync)).collect()),
    };
    Harness { tools, scope }
}

fn no_snapshots() -> MockSnapshotStore {
    let mut snapshots = MockSnapshotStore::new();
    snapshots.expect_find().returning(|_, _, _, _| Ok(None));
    snapshots
}

async fn run(h: &Harness, request: &ToolRequest) -> ToolRun {
    h.tools.run(&h.scope, &ToolCall::of("c1", request), &DiscardAnswer).await.unwrap()
}

fn data(run: &ToolRun) -> &ToolData {
    run.output.data().unwrap_or_else(|| panic!("expected figures, got {:?}", run.output))
}

#[tokio::test]
async fn a_summary_sums_the_days_of_the_resolved_range() {
    let h = harness(history(), no_snapshots());
    let r = run(
        &h,
        &ToolRequest::PlatformSummary { platform: Platform::GoogleAds, range: RangeSpec::preset(Preset::LastMonth) },
    )
    .await;
    let ToolData::Summary(summary) = data(&r) else { panic!("a summary") };
    assert_eq!(summary.coverage.range.range.to_string(), "2026-11-01 to 2026-11-30");
    assert_eq!(summary.coverage.sources[0].last_sync, Some(synced()));
    assert!(summary.coverage.sources[0].missing_days.is_empty());
    let Totals::Ads(by_currency) = &summary.totals else { panic!("ad totals") };
    assert_eq!(by_currency.len(), 1);
    assert!((by_currency[0].totals.spend - 30.0 * 40.0).abs() < 1e-9);
    assert_eq!(by_currency[0].totals.value(Metric::Cpa), Some(1200.0 / 45.0));
    assert_eq!(r.trace.ranges, vec![summary.coverage.range.range]);
    assert_eq!(r.trace.platforms, vec![Platform::GoogleAds]);
}

#[tokio::test]
async fn site_users_come_from_the_window_snapshot_when_there_is_one_and_are_flagged_otherwise() {
    let mut snapshots = MockSnapshotStore::new();
    snapshots.expect_find().returning(|_, _, platform, range| {
        assert_eq!(platform, Platform::GoogleAnalytics);
        let window = Preset::Last30Days.range(today(), false);
        Ok((range == window).then(|| PlatformSnapshot {
            client_id: client_id(),
            range,
            data: PlatformData::GoogleAnalytics(AnalyticsReport {
                metrics: AnalyticsMetrics { users: 1234, ..AnalyticsMetrics::default() },
                ..AnalyticsReport::default()
            }),
            fetched_at: synced(),
        }))
    });
    let h = harness(history(), snapshots);
    let summary =
        |preset| ToolRequest::PlatformSummary { platform: Platform::GoogleAnalytics, range: RangeSpec::preset(preset) };
    let window = run(&h, &summary(Preset::Last30Days)).await;
    let totals = window.output.to_value();
    assert_eq!(totals.get("totals").and_then(|t| t.get("users")), Some(&Value::Number(1234.0)));
    assert_eq!(totals.get("totals").and_then(|t| t.get("usersBasis")).and_then(Value::as_str), Some("range_total"));
    let other = run(&h, &summary(Preset::LastWeek)).await.output.to_value();
    assert_eq!(other.get("totals").and_then(|t| t.get("usersBasis")).and_then(Value::as_str), Some("sum_of_daily"));
    assert_eq!(other.get("totals").and_then(|t| t.get("users")), Some(&Value::Number(7.0 * 80.0)));
    assert!(other.get("notes").unwrap().to_string().contains("over-counts"));
}

#[tokio::test]
async fn campaigns_are_sorted_limited_and_counted() {
    let h = harness(history(), no_snapshots());
    let request = ToolRequest::ListCampaigns {
        platform: None,
        range: RangeSpec::preset(Preset::LastMonth),
        sort_by: Metric::Cpa,
        order: SortOrder::Ascending,
        limit: 2,
    };
    let r = run(&h, &request).await;
    let ToolData::Campaigns(list) = data(&r) else { panic!("a list") };
    assert_eq!(list.campaigns, 3);
    let ids: Vec<&str> = list.rows.iter().map(|r| r.campaign_id.as_str()).collect();
    // g1 costs 10 a conversion, g2 60; m1 reports no conversions, so it sorts last and is cut.
    assert_eq!(ids, ["g1", "g2"]);
    assert_eq!(r.trace.platforms, vec![Platform::GoogleAds, Platform::MetaAds]);
}

#[tokio::test]
async fn blended_totals_never_add_money_across_currencies() {
    let h = harness(history(), no_snapshots());
    let r = run(&h, &ToolRequest::BlendedTotals { range: RangeSpec::preset(Preset::Yesterday) }).await;
    let ToolData::Blended(blended) = data(&r) else { panic!("blended") };
    let currencies: Vec<(&str, f64)> = blended.currencies.iter().map(|c| (c.currency.code(), c.totals.spend)).collect();
    assert_eq!(currencies, [("USD", 40.0), ("EUR", 20.0)]);
    assert!(r.output.to_value().get("notes").unwrap().to_string().contains("different currencies"));
}

#[tokio::test]
async fn a_comparison_resolves_both_periods_to_the_same_length() {
    let h = harness(history(), no_snapshots());
    let request = ToolRequest::ComparePeriods {
        platform: Some(Platform::GoogleAds),
        metrics: vec![Metric::Spend, Metric::Sessions],
        current: RangeSpec::preset(Preset::LastMonth),
        previous: PreviousSpec::PreviousPeriod,
    };
    let r = run(&h, &request).await;
    let ToolData::Comparison(c) = data(&r) else { panic!("a comparison") };
    assert_eq!(c.previous.range.range.to_string(), "2026-10-02 to 2026-10-31");
    let spend = c.platforms[0].metrics.iter().find(|m| m.metric == Metric::Spend).unwrap();
    assert_eq!((spend.current, spend.previous), (Some(1200.0), Some(300.0)));
    assert!(c.platforms[0].metrics.iter().all(|m| m.metric != Metric::Sessions), "site metrics stay off ad platforms");
    let args = r.trace.arguments.to_string();
    assert!(
        args.contains(r#""previous":{"start":"2026-10-02","end":"2026-10-31","compare":"previous_period"}"#),
        "{args}"
    );
}

#[tokio::test]
async fn a_breakdown_sums_each_days_entries() {
    let h = harness(history(), no_snapshots());
    let request = ToolRequest::SiteBreakdown {
        dimension: Dimension::Source,
        range: RangeSpec::preset(Preset::Last7Days),
        limit: 1,
    };
    let r = run(&h, &request).await;
    let ToolData::Breakdown(b) = data(&r) else { panic!("a breakdown") };
    assert_eq!((b.total, b.entries), (700, 2));
    assert_eq!(b.rows, vec![RankedCount { name: "google / organic".into(), count: 350 }]);
}

#[tokio::test]
async fn a_time_series_derives_each_buckets_ratio_from_its_sums() {
    let h = harness(history(), no_snapshots());
    let request = ToolRequest::Timeseries {
        platform: Platform::GoogleAds,
        metric: Metric::Cpa,
        range: RangeSpec::Explicit { start: "2026-10-01".parse().unwrap(), end: "2026-11-30".parse().unwrap() },
        granularity: Some(Granularity::Month),
    };
    let r = run(&h, &request).await;
    let ToolData::Timeseries(t) = data(&r) else { panic!("a series") };
    let points: Vec<(String, Option<f64>)> = t.points.iter().map(|p| (p.range.to_string(), p.value)).collect();
    assert_eq!(
        points,
        [
            ("2026-10-01 to 2026-10-31".to_owned(), Some(10.0)),
            ("2026-11-01 to 2026-11-30".to_owned(), Some(1200.0 / 45.0))
        ]
    );
    assert_eq!(r.trace.series.len(), 1, "the chart's series");
    assert_eq!(r.trace.series[0].points.iter().map(|(_, v)| *v).collect::<Vec<_>>(), [Some(10.0), Some(26.67)]);
    let weeks = buckets(
        DateRange::new("2026-11-25".parse().unwrap(), "2026-12-08".parse().unwrap()).unwrap(),
        Granularity::Week,
    );
    let weeks: Vec<String> = weeks.iter().map(ToString::to_string).collect();
    assert_eq!(weeks, ["2026-11-25 to 2026-11-29", "2026-11-30 to 2026-12-06", "2026-12-07 to 2026-12-08"]);
}

#[tokio::test]
async fn missing_days_are_reported_as_runs() {
    let records: Vec<DailyRecord> = history().into_iter().filter(|r| r.date.day() != 15).collect();
    let h = harness(records, no_snapshots());
    let r = run(
        &h,
        &ToolRequest::PlatformSummary { platform: Platform::MetaAds, range: RangeSpec::preset(Preset::LastMonth) },
    )
    .await;
    let value = r.output.to_value().to_string();
    assert!(value.contains(r#""missingDays":["2026-11-15"]"#), "{value}");
}

#[tokio::test]
async fn wrong_calls_come_back_as_errors_the_model_can_act_on() {
    let h = harness(history(), no_snapshots());
    let cases = [
        (
            ToolRequest::PlatformSummary {
                platform: Platform::LinkedinAds,
                range: RangeSpec::preset(Preset::LastMonth),
            },
            "linkedinAds is not connected for this client; it has googleAnalytics, googleAds, metaAds",
        ),
        (
            ToolRequest::PlatformSummary {
                platform: Platform::GoogleAds,
                range: RangeSpec::Explicit { start: "2026-11-30".parse().unwrap(), end: "2026-11-01".parse().unwrap() },
            },
            "end 2026-11-01 is before start 2026-11-30",
        ),
        (
            ToolRequest::BlendedTotals {
                range: RangeSpec::Explicit { start: "2024-01-01".parse().unwrap(), end: "2026-11-30".parse().unwrap() },
            },
            "ranges are limited to 400 days",
        ),
        (
            ToolRequest::Timeseries {
                platform: Platform::GoogleAds,
                metric: Metric::Sessions,
                range: RangeSpec::preset(Preset::LastMonth),
                granularity: None,
            },
            "googleAds does not report sessions",
        ),
        (
            ToolRequest::Timeseries {
                platform: Platform::GoogleAds,
                metric: Metric::Spend,
                range: RangeSpec::preset(Preset::ThisYear),
                granularity: Some(Granularity::Day),
            },
            "use week or month",
        ),
    ];
    for (request, want) in cases {
        let r = run(&h, &request).await;
        let ToolOutput::Error { message, .. } = &r.output else { panic!("{request:?} should fail") };
        assert!(message.contains(want), "{message}");
        assert_eq!(r.trace.error.as_deref(), Some(message.as_str()));
    }
}

/// A sink that records the traces announced.
#[derive(Default)]
struct Announced(Mutex<Vec<ToolTrace>>);

#[async_trait::async_trait]
impl AnswerSink for Announced {
    async fn delta(&self, _text: &str) {}
    async fn tool(&self, trace: &ToolTrace) {
        self.0.lock().unwrap().push(trace.clone());
    }
}

#[tokio::test]
async fn each_call_is_announced_with_its_absolute_dates_before_it_reads() {
    let h = harness(history(), no_snapshots());
    let sink = Announced::default();
    let call = ToolCall::of("c1", &ToolRequest::BlendedTotals { range: RangeSpec::preset(Preset::LastWeek) });
    h.tools.run(&h.scope, &call, &sink).await.unwrap();
    let announced = sink.0.lock().unwrap();
    assert_eq!(announced.len(), 1);
    assert_eq!(announced[0].ranges[0].to_string(), "2026-11-23 to 2026-11-29");
    assert_eq!(announced[0].platforms, vec![Platform::GoogleAds, Platform::MetaAds]);
}

#[tokio::test]
async fn a_client_with_nothing_connected_is_answered_from_demo_data() {
    let mut demo = MockDemoDataStore::new();
    demo.expect_all().returning(|| Ok(crate::demo::sample()));
    let mut daily = MockDailyStore::new();
    daily.expect_range().times(0);
    let tools = AnalystTools::new(Arc::new(daily), Arc::new(no_snapshots()), Arc::new(demo));
    let mut bare = client();
    bare.platforms.clear();
    let scope = tools.scope(user(), &bare, today()).await.unwrap();
    assert!(scope.demo());
    assert_eq!(scope.platforms(), Platform::ALL.to_vec());
    let request =
        ToolRequest::PlatformSummary { platform: Platform::GoogleAds, range: RangeSpec::preset(Preset::Last30Days) };
    let r = tools.run(&scope, &ToolCall::of("c1", &request), &DiscardAnswer).await.unwrap();
    let value = r.output.to_value();
    assert_eq!(value.get("demo"), Some(&Value::Bool(true)));
    // The demo figures of the last 30 days add up to the demo sample.
    let spend: f64 = [1_850.40, 3_420.75, 2_640.00].iter().sum();
    assert_eq!(
        value.get("totals").and_then(|t| t.get("spend")).and_then(Value::as_f64),
        Some((spend * 100.0).round() / 100.0)
    );
}
