//! Running the tools for the caller's client only: the scope of a question decides which figures a
//! call may read (the client's stored daily figures, or demo figures when nothing is connected), and
//! every call resolves its dates from the client's today before it reads anything.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};

use crate::analyst::{AnswerSink, Series, ToolTrace};
use crate::client::Client;
use crate::daily::{Currency, DailyRecord, DayFigures, RankedCount, missing_days};
use crate::dates::{DateRange, PreviousSpec, ResolvedRange};
use crate::demo;
use crate::ids::{ClientId, UserId};
use crate::metrics::{AdTotals, Metric, SiteTotals, UsersBasis};
use crate::platform::{Platform, PlatformData};
use crate::ports::{DailyStore, DemoDataStore, SnapshotStore, StoreError};
use crate::tools::output::{
    Blended, BlendedCurrency, Breakdown, CampaignList, CampaignRow, Comparison, Coverage, CurrencyTotals, MetricChange,
    PlatformComparison, Point, SourceCoverage, Summary, Timeseries, ToolData, ToolOutput, Totals, metric_number,
};
use crate::tools::{Dimension, Granularity, SortOrder, ToolCall, ToolKind, ToolRequest};
use crate::value::Value;

/// Most days a daily time series covers; longer ranges take weeks or months.
const MAX_DAILY_POINTS: i64 = 92;

/// Where the figures of a question come from.
#[derive(Debug, Clone)]
enum Source {
    /// The client's connected platforms, with their last sync.
    Connected(Vec<(Platform, Option<DateTime<Utc>>)>),
    /// Demo figures, one sample per platform, because nothing is connected.
    Demo(Vec<PlatformData>),
}

/// What the tools may read while answering one question: one client of one user, as of one day.
#[derive(Debug, Clone)]
pub struct ToolScope {
    user: UserId,
    client: ClientId,
    today: NaiveDate,
    source: Source,
}

impl ToolScope {
    /// Today in the client's time zone.
    pub const fn today(&self) -> NaiveDate {
        self.today
    }

    /// Whether the figures are demo data.
    pub const fn demo(&self) -> bool {
        matches!(self.source, Source::Demo(_))
    }

    /// The platforms that can be read, in [`Platform::ALL`] order.
    pub fn platforms(&self) -> Vec<Platform> {
        let mut platforms: Vec<Platform> = match &self.source {
            Source::Connected(connected) => connected.iter().map(|(p, _)| *p).collect(),
            Source::Demo(samples) => samples.iter().map(PlatformData::platform).collect(),
        };
        platforms.sort();
        platforms.dedup();
        platforms
    }

    /// When the platform was last synced; `None` for demo data or a platform never synced.
    pub fn last_sync(&self, platform: Platform) -> Option<DateTime<Utc>> {
        match &self.source {
            Source::Connected(connected) => connected.iter().find(|(p, _)| *p == platform).and_then(|(_, at)| *at),
            Source::Demo(_) => None,
        }
    }
}

/// One tool call as it ran.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolRun {
    /// What was asked and resolved, for the working shown with the answer.
    pub trace: ToolTrace,
    /// What the model is given back.
    pub output: ToolOutput,
}

/// Runs the analyst's tools over the daily figures, the standard-window snapshots and demo data.
#[derive(Clone)]
pub struct AnalystTools {
    daily: Arc<dyn DailyStore>,
    snapshots: Arc<dyn SnapshotStore>,
    demo: Arc<dyn DemoDataStore>,
    demo_days: Arc<demo::DemoDays>,
}

/// A call that cannot be answered, with the message for the model.
struct Refusal(String);

impl<E: std::fmt::Display> From<E> for Refusal {
    fn from(error: E) -> Self {
        Self(error.to_string())
    }
}

/// Why a call did not produce figures: the model's mistake, or the store's failure.
enum Failure {
    Refused(Refusal),
    Store(StoreError),
}

impl From<Refusal> for Failure {
    fn from(r: Refusal) -> Self {
        Self::Refused(r)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl AnalystTools {
    /// Tools over these ports.
    pub fn new(daily: Arc<dyn DailyStore>, snapshots: Arc<dyn SnapshotStore>, demo: Arc<dyn DemoDataStore>) -> Self {
        Self { daily, snapshots, demo, demo_days: Arc::new(demo::DemoDays::new()) }
    }

    /// The scope of a question about `client` (of `user`) on `today`: its connected platforms, or
    /// demo data when none is connected (decision 8).
    ///
    /// # Errors
    /// [`StoreError`] when demo data cannot be read.
    pub async fn scope(&self, user: UserId, client: &Client, today: NaiveDate) -> Result<ToolScope, StoreError> {
        let connected: Vec<(Platform, Option<DateTime<Utc>>)> =
            client.platforms.values().filter(|c| c.connected).map(|c| (c.platform(), c.last_sync)).collect();
        let source =
            if connected.is_empty() { Source::Demo(self.demo.all().await?) } else { Source::Connected(connected) };
        Ok(ToolScope { user, client: client.id, today, source })
    }

    /// Parses `call`, tells `sink` what it will read, and runs it. Arguments the model got wrong come
    /// back as [`ToolOutput::Error`] for it to correct.
    ///
    /// # Errors
    /// [`StoreError`] when the figures cannot be read.
    #[tracing::instrument(skip_all, fields(tool = %call.name))]
    pub async fn run(&self, scope: &ToolScope, call: &ToolCall, sink: &dyn AnswerSink) -> Result<ToolRun, StoreError> {
        let request = match ToolRequest::parse(&call.name, &call.arguments) {
            Ok(request) => request,
            Err(error) => {
                let message = error.to_string();
                let trace = ToolTrace {
                    name: call.name.clone(),
                    arguments: Value::String(call.arguments.summary(300)),
                    platforms: vec![],
                    ranges: vec![],
                    error: Some(message.clone()),
                    series: vec![],
                };
                sink.tool(&trace).await;
                let output = ToolOutput::Error { tool: ToolKind::from_name(&call.name), message };
                return Ok(ToolRun { trace, output });
            }
        };
        let kind = request.kind();
        let mut trace = ToolTrace {
            name: kind.name().to_owned(),
            arguments: request.to_arguments(),
            platforms: vec![],
            ranges: vec![],
            error: None,
            series: vec![],
        };
        let planned = plan(scope, &request);
        match &planned {
            Ok(plan) => {
                trace.platforms.clone_from(&plan.platforms);
                trace.ranges = plan.ranges.iter().map(|r| r.range).collect();
                resolve_arguments(&mut trace.arguments, &request, &plan.ranges);
            }
            Err(Refusal(message)) => trace.error = Some(message.clone()),
        }
        sink.tool(&trace).await;
        let result = match planned {
            Ok(plan) => self.execute(scope, &request, &plan).await,
            Err(refusal) => Err(Failure::Refused(refusal)),
        };
        let output = match result {
            Ok(data) => {
                trace.series = series_of(&data);
                ToolOutput::Data(Box::new(data))
            }
            Err(Failure::Refused(Refusal(message))) => {
                trace.error = Some(message.clone());
                ToolOutput::Error { tool: Some(kind), message }
            }
            Err(Failure::Store(error)) => return Err(error),
        };
        Ok(ToolRun { trace, output })
    }

    async fn execute(&self, scope: &ToolScope, request: &ToolRequest, plan: &Plan) -> Result<ToolData, Failure> {
        let first = plan.ranges[0];
        match request {
            ToolRequest::PlatformSummary { platform, .. } => {
                let (coverage, days) = self.read(scope, &plan.platforms, first).await?;
                let records = flatten(&days);
                let totals = if platform.is_ad_platform() {
                    Totals::Ads(by_currency(&records))
                } else {
                    Totals::Site(self.site_totals(scope, &records, first.range).await?)
                };
                Ok(ToolData::Summary(Summary { platform: *platform, coverage, totals }))
            }
            ToolRequest::ListCampaigns { platform, sort_by, order, limit, .. } => {
                let (coverage, days) = self.read(scope, &plan.platforms, first).await?;
                let records = flatten(&days);
                let mut rows = campaign_rows(&records);
                let campaigns = rows.len();
                sort_rows(&mut rows, *sort_by, *order);
                rows.truncate(*limit as usize);
                Ok(ToolData::Campaigns(CampaignList {
                    platform: *platform,
                    coverage,
                    sort_by: *sort_by,
                    order: *order,
                    campaigns,
                    rows,
                }))
            }
            ToolRequest::BlendedTotals { .. } => {
                let (coverage, days) = self.read(scope, &plan.platforms, first).await?;
                let records = flatten(&days);
                Ok(ToolData::Blended(Blended { coverage, currencies: blend(&records) }))
            }
            ToolRequest::SiteBreakdown { dimension, limit, .. } => {
                let (coverage, days) = self.read(scope, &plan.platforms, first).await?;
                let records = flatten(&days);
                Ok(ToolData::Breakdown(breakdown(coverage, &records, *dimension, *limit)))
            }
            ToolRequest::ComparePeriods { metrics, previous, .. } => {
                Ok(ToolData::Comparison(self.compare(scope, plan, metrics, *previous).await?))
            }
            ToolRequest::Timeseries { platform, metric, granularity, .. } => {
                let (coverage, days) = self.read(scope, &plan.platforms, first).await?;
                let records = flatten(&days);
                let granularity = granularity.unwrap_or(match first.range.days() {
                    ..=62 => Granularity::Day,
                    63..=182 => Granularity::Week,
                    _ => Granularity::Month,
                });
                let currency = main_currency(&records);
                let points = buckets(first.range, granularity)
                    .into_iter()
                    .map(|bucket| {
                        let days: Vec<&DailyRecord> =
                            records.iter().copied().filter(|r| bucket.contains(r.date)).collect();
                        let value = if days.is_empty() {
                            None
                        } else if platform.is_ad_platform() {
                            let rows = days.iter().flat_map(|r| ad_rows(r, currency));
                            AdTotals::sum(rows).value(*metric)
                        } else {
                            SiteTotals::sum(days.iter().filter_map(|r| site_day(r))).value(*metric)
                        };
                        Point { range: bucket, value }
                    })
                    .collect();
                Ok(ToolData::Timeseries(Timeseries {
                    coverage,
                    platform: *platform,
                    metric: *metric,
                    granularity,
                    currency,
                    points,
                }))
            }
        }
    }

    /// Both periods of a comparison, platform by platform.
    async fn compare(
        &self,
        scope: &ToolScope,
        plan: &Plan,
        metrics: &[Metric],
        previous: PreviousSpec,
    ) -> Result<Comparison, StoreError> {
        let (first, second) = (plan.ranges[0], plan.ranges[1]);
        let (current, now_days) = self.read(scope, &plan.platforms, first).await?;
        let (before, then_days) = self.read(scope, &plan.platforms, second).await?;
        let (now_records, then_records) = (flatten(&now_days), flatten(&then_days));
        let mut platforms = Vec::new();
        for &platform in &plan.platforms {
            let now: Vec<&DailyRecord> = now_records.iter().copied().filter(|r| r.platform == platform).collect();
            let then: Vec<&DailyRecord> = then_records.iter().copied().filter(|r| r.platform == platform).collect();
            let wanted: Vec<Metric> = if metrics.is_empty() {
                default_comparison_metrics(platform)
            } else {
                metrics.iter().copied().filter(|m| m.is_ad_metric() == platform.is_ad_platform()).collect()
            };
            platforms.push(if platform.is_ad_platform() {
                compare_ads(platform, &now, &then, &wanted)
            } else {
                let a = self.site_totals(scope, &now, first.range).await?;
                let b = self.site_totals(scope, &then, second.range).await?;
                PlatformComparison {
                    platform,
                    currency: None,
                    users_basis: Some((a.users_basis, b.users_basis)),
                    metrics: wanted
                        .iter()
                        .map(|&metric| MetricChange { metric, current: a.value(metric), previous: b.value(metric) })
                        .collect(),
                }
            });
        }
        Ok(Comparison { current, previous: before, previous_spec: previous, platforms })
    }

    /// The records of `platforms` within the range, and what they cover.
    async fn read(
        &self,
        scope: &ToolScope,
        platforms: &[Platform],
        range: ResolvedRange,
    ) -> Result<(Coverage, Vec<ReadDays>), StoreError> {
        let mut all = Vec::new();
        let mut sources = Vec::new();
        for &platform in platforms {
            let days = match &scope.source {
                Source::Connected(_) => {
                    vec![ReadDays::Stored(self.daily.range(scope.user, scope.client, platform, range.range).await?)]
                }
                Source::Demo(samples) => samples
                    .iter()
                    .filter(|s| s.platform() == platform)
                    .map(|s| ReadDays::Demo(self.demo_days.shared(s, scope.today, range.range)))
                    .collect(),
            };
            sources.push(SourceCoverage {
                platform,
                last_sync: scope.last_sync(platform),
                missing_days: missing_days(range.range, days.iter().flat_map(ReadDays::as_slice)),
            });
            all.extend(days);
        }
        Ok((Coverage { range, demo: scope.demo(), sources }, all))
    }

    /// GA4 totals of the records, with GA4's own user total when the range is a standard window the
    /// sync kept (users do not add up across days).
    async fn site_totals(
        &self,
        scope: &ToolScope,
        records: &[&DailyRecord],
        range: DateRange,
    ) -> Result<SiteTotals, StoreError> {
        let mut totals = SiteTotals::sum(records.iter().copied().filter_map(site_day));
        let users = match &scope.source {
            Source::Connected(_) => {
                self.snapshots.find(scope.user, scope.client, Platform::GoogleAnalytics, range).await?.and_then(|s| {
                    match s.data {
                        PlatformData::GoogleAnalytics(report) => Some(report.metrics.users),
                        _ => None,
                    }
                })
            }
            Source::Demo(samples) => samples.iter().find_map(|s| demo::window_users(s, scope.today, range)),
        };
        if let Some(users) = users {
            totals.users = users;
            totals.users_basis = UsersBasis::RangeTotal;
        }
        Ok(totals)
    }
}

/// Daily records read for one tool call: the store's own, or a demo sample's days shared with
/// the demo cache rather than copied for every call.
enum ReadDays {
    Stored(Vec<DailyRecord>),
    Demo(demo::SharedDays),
}

impl ReadDays {
    fn as_slice(&self) -> &[DailyRecord] {
        match self {
            Self::Stored(records) => records,
            Self::Demo(shared) => shared.as_slice(),
        }
    }
}

/// Every record of `days`, in order.
fn flatten(days: &[ReadDays]) -> Vec<&DailyRecord> {
    days.iter().flat_map(ReadDays::as_slice).collect()
}

/// The figures of a result that a chart draws: a time series' buckets, or each compared metric's
/// previous and current periods.
fn series_of(data: &ToolData) -> Vec<Series> {
    match data {
        ToolData::Timeseries(t) => vec![Series {
            platform: t.platform,
            metric: t.metric,
            currency: t.currency,
            granularity: Some(t.granularity),
            points: t.points.iter().map(|p| (p.range, p.value.map(|v| metric_number(t.metric, v)))).collect(),
        }],
        ToolData::Comparison(c) => c
            .platforms
            .iter()
            .flat_map(|p| {
                p.metrics.iter().map(|m| Series {
                    platform: p.platform,
                    metric: m.metric,
                    currency: if m.metric.unit() == crate::metrics::Unit::Money { p.currency } else { None },
                    granularity: None,
                    points: vec![
                        (c.previous.range.range, m.previous.map(|v| metric_number(m.metric, v))),
                        (c.current.range.range, m.current.map(|v| metric_number(m.metric, v))),
                    ],
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// What a request reads.
struct Plan {
    platforms: Vec<Platform>,
    ranges: Vec<ResolvedRange>,
}

/// Which platforms and days a request reads, or why it cannot be answered.
fn plan(scope: &ToolScope, request: &ToolRequest) -> Result<Plan, Refusal> {
    let today = scope.today;
    let available = scope.platforms();
    let one = |platform: Platform| -> Result<Vec<Platform>, Refusal> {
        if available.contains(&platform) {
            Ok(vec![platform])
        } else {
            Err(Refusal(not_connected(platform, &available)))
        }
    };
    let ads = |platform: Option<Platform>| -> Result<Vec<Platform>, Refusal> {
        if let Some(p) = platform {
            return one(p);
        }
        let ads: Vec<Platform> = available.iter().copied().filter(|p| p.is_ad_platform()).collect();
        if ads.is_empty() {
            return Err(Refusal("no ad platform is connected for this client".to_owned()));
        }
        Ok(ads)
    };
    let (platforms, ranges) = match request {
        ToolRequest::PlatformSummary { platform, range } => (one(*platform)?, vec![range.resolve(today)?]),
        ToolRequest::ListCampaigns { platform, range, .. } => (ads(*platform)?, vec![range.resolve(today)?]),
        ToolRequest::BlendedTotals { range } => (ads(None)?, vec![range.resolve(today)?]),
        ToolRequest::SiteBreakdown { range, .. } => (one(Platform::GoogleAnalytics)?, vec![range.resolve(today)?]),
        ToolRequest::ComparePeriods { platform, metrics, current, previous } => {
            let mut platforms = match platform {
                Some(p) => one(*p)?,
                None => available.clone(),
            };
            if !metrics.is_empty() {
                platforms.retain(|p| metrics.iter().any(|m| m.is_ad_metric() == p.is_ad_platform()));
                if platforms.is_empty() {
                    let names: Vec<&str> = metrics.iter().map(|m| m.key()).collect();
                    return Err(Refusal(format!(
                        "no platform asked for reports {}: ad metrics come from ad platforms, site metrics from \
                         googleAnalytics",
                        names.join(", ")
                    )));
                }
            }
            let current = current.resolve(today)?;
            let previous = previous.resolve(&current, today)?;
            (platforms, vec![current, previous])
        }
        ToolRequest::Timeseries { platform, metric, range, granularity } => {
            let platforms = one(*platform)?;
            if metric.is_ad_metric() != platform.is_ad_platform() {
                return Err(Refusal(format!(
                    "{} does not report {metric}: ad metrics come from ad platforms, site metrics from \
                     googleAnalytics",
                    platform.key()
                )));
            }
            let range = range.resolve(today)?;
            if *granularity == Some(Granularity::Day) && range.range.days() > MAX_DAILY_POINTS {
                return Err(Refusal(format!(
                    "a daily series covers at most {MAX_DAILY_POINTS} days and {} has {}; use week or month",
                    range.range,
                    range.range.days()
                )));
            }
            (platforms, vec![range])
        }
    };
    Ok(Plan { platforms, ranges })
}

fn not_connected(platform: Platform, available: &[Platform]) -> String {
    let names: Vec<&str> = available.iter().map(|p| p.key()).collect();
    if names.is_empty() {
        format!("{} is not connected for this client, and no platform is", platform.key())
    } else {
        format!("{} is not connected for this client; it has {}", platform.key(), names.join(", "))
    }
}

/// Writes the resolved absolute dates into the trace's arguments.
fn resolve_arguments(arguments: &mut Value, request: &ToolRequest, ranges: &[ResolvedRange]) {
    let resolved = |r: &ResolvedRange| {
        let mut v = Value::object().with("start", r.range.start().to_string()).with("end", r.range.end().to_string());
        if let Some(p) = r.preset {
            v.insert("preset", p.key());
        }
        v
    };
    match (request, ranges) {
        (ToolRequest::ComparePeriods { previous, .. }, [current, before]) => {
            arguments.insert("current", resolved(current));
            let mut prev = resolved(before);
            if let Some(key) = previous.key() {
                prev.insert("compare", key);
            }
            arguments.insert("previous", prev);
        }
        (_, [range, ..]) => arguments.insert("range", resolved(range)),
        _ => {}
    }
}

fn site_day(record: &DailyRecord) -> Option<&crate::daily::SiteDay> {
    match &record.figures {
        DayFigures::Site(day) => Some(day),
        DayFigures::Ads(_) => None,
    }
}

/// The campaign rows of an ad record, when its currency is `currency` (any when `None`).
fn ad_rows(record: &DailyRecord, currency: Option<Currency>) -> impl Iterator<Item = &crate::daily::CampaignDay> {
    let rows = match &record.figures {
        DayFigures::Ads(day) if currency.is_none_or(|c| c == day.currency) => day.campaigns.as_slice(),
        _ => &[],
    };
    rows.iter()
}

/// The currency with the most spend among ad records.
fn main_currency(records: &[&DailyRecord]) -> Option<Currency> {
    let mut spend: BTreeMap<Currency, f64> = BTreeMap::new();
    for record in records {
        if let DayFigures::Ads(day) = &record.figures {
            *spend.entry(day.currency).or_default() += day.campaigns.iter().map(|c| c.spend).sum::<f64>();
        }
    }
    spend.into_iter().max_by(|a, b| a.1.total_cmp(&b.1)).map(|(c, _)| c)
}

/// Ad totals per currency, largest spend first.
fn by_currency(records: &[&DailyRecord]) -> Vec<CurrencyTotals> {
    let mut totals: BTreeMap<Currency, AdTotals> = BTreeMap::new();
    for record in records {
        if let DayFigures::Ads(day) = &record.figures {
            totals.entry(day.currency).or_default().add(&AdTotals::sum(&day.campaigns));
        }
    }
    let mut out: Vec<CurrencyTotals> =
        totals.into_iter().map(|(currency, totals)| CurrencyTotals { currency, totals }).collect();
    out.sort_by(|a, b| b.totals.spend.total_cmp(&a.totals.spend));
    out
}

/// Totals of every ad platform per currency, each platform's share beside them.
fn blend(records: &[&DailyRecord]) -> Vec<BlendedCurrency> {
    let mut by: BTreeMap<Currency, BTreeMap<Platform, AdTotals>> = BTreeMap::new();
    for record in records {
        if let DayFigures::Ads(day) = &record.figures {
            by.entry(day.currency).or_default().entry(record.platform).or_default().add(&AdTotals::sum(&day.campaigns));
        }
    }
    let mut out: Vec<BlendedCurrency> = by
        .into_iter()
        .map(|(currency, platforms)| {
            let mut totals = AdTotals::default();
            for t in platforms.values() {
                totals.add(t);
            }
            BlendedCurrency { currency, totals, platforms: platforms.into_iter().collect() }
        })
        .collect();
    out.sort_by(|a, b| b.totals.spend.total_cmp(&a.totals.spend));
    out
}

/// One row per campaign over the records, named and statused as on its latest day.
fn campaign_rows(records: &[&DailyRecord]) -> Vec<CampaignRow> {
    let mut sorted: Vec<&DailyRecord> = records.to_vec();
    sorted.sort_by_key(|r| r.date);
    let mut rows: BTreeMap<(Platform, String, Currency), CampaignRow> = BTreeMap::new();
    for record in sorted {
        let DayFigures::Ads(day) = &record.figures else { continue };
        for c in &day.campaigns {
            let row =
                rows.entry((record.platform, c.campaign_id.clone(), day.currency)).or_insert_with(|| CampaignRow {
                    platform: record.platform,
                    campaign_id: c.campaign_id.clone(),
                    name: c.name.clone(),
                    status: c.status,
                    currency: day.currency,
                    totals: AdTotals::default(),
                });
            row.name.clone_from(&c.name);
            row.status = c.status;
            row.totals.add(&AdTotals::of(c));
        }
    }
    rows.into_values().collect()
}

/// Sorts rows by a metric; rows without a value for it come last, ties by name.
fn sort_rows(rows: &mut [CampaignRow], metric: Metric, order: SortOrder) {
    rows.sort_by(|a, b| {
        let (x, y) = (a.totals.value(metric), b.totals.value(metric));
        let by_value = match (x, y) {
            (Some(x), Some(y)) => match order {
                SortOrder::Descending => y.total_cmp(&x),
                SortOrder::Ascending => x.total_cmp(&y),
            },
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        by_value.then_with(|| a.name.cmp(&b.name))
    });
}

fn breakdown(coverage: Coverage, records: &[&DailyRecord], dimension: Dimension, limit: u32) -> Breakdown {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    let mut total = 0;
    for day in records.iter().copied().filter_map(site_day) {
        let (entries, day_total) = match dimension {
            Dimension::Source => (&day.top_sources, day.sessions),
            Dimension::Device => (&day.devices, day.sessions),
            Dimension::Page => (&day.top_pages, day.pageviews),
        };
        total += day_total;
        for entry in entries {
            *counts.entry(entry.name.as_str()).or_default() += entry.count;
        }
    }
    let mut rows: Vec<RankedCount> =
        counts.into_iter().map(|(name, count)| RankedCount { name: name.to_owned(), count }).collect();
    let entries = rows.len();
    rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    rows.truncate(limit as usize);
    Breakdown { coverage, dimension, total, entries, rows }
}

/// The metrics a comparison shows when none is asked for.
fn default_comparison_metrics(platform: Platform) -> Vec<Metric> {
    match platform {
        Platform::GoogleAnalytics => vec![
            Metric::Sessions,
            Metric::Users,
            Metric::NewUsers,
            Metric::Pageviews,
            Metric::BounceRate,
            Metric::AvgSessionDuration,
        ],
        Platform::LinkedinAds => {
            vec![
                Metric::Spend,
                Metric::Impressions,
                Metric::Clicks,
                Metric::Ctr,
                Metric::Cpc,
                Metric::Leads,
                Metric::Cpl,
            ]
        }
        Platform::GoogleAds | Platform::MetaAds => vec![
            Metric::Spend,
            Metric::Impressions,
            Metric::Clicks,
            Metric::Ctr,
            Metric::Cpc,
            Metric::Conversions,
            Metric::Cpa,
            Metric::Roas,
        ],
    }
}

fn compare_ads(
    platform: Platform,
    now: &[&DailyRecord],
    then: &[&DailyRecord],
    metrics: &[Metric],
) -> PlatformComparison {
    // Money is compared in one currency: the one the current period spent most in.
    let currency = main_currency(now).or_else(|| main_currency(then));
    let a = AdTotals::sum(now.iter().flat_map(|r| ad_rows(r, currency)));
    let b = AdTotals::sum(then.iter().flat_map(|r| ad_rows(r, currency)));
    let metrics = metrics
        .iter()
        .map(|&metric| MetricChange { metric, current: a.value(metric), previous: b.value(metric) })
        .filter(|m| m.current.is_some() || m.previous.is_some())
        .collect();
    PlatformComparison { platform, currency, users_basis: None, metrics }
}

/// The buckets of a range: each day, each Monday-to-Sunday week, or each calendar month, cut to the
/// range.
fn buckets(range: DateRange, granularity: Granularity) -> Vec<DateRange> {
    let mut out = Vec::new();
    let mut start = range.start();
    while start <= range.end() {
        let natural_end = match granularity {
            Granularity::Day => start,
            Granularity::Week => start + Days::new(u64::from(6 - start.weekday().num_days_from_monday())),
            Granularity::Month => {
                let next = if start.month() == 12 {
                    NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)
                };
                next.map_or(start, |n| n - Days::new(1))
            }
        };
        let end = natural_end.min(range.end());
        out.extend(DateRange::new(start, end));
        start = end + Days::new(1);
    }
    out
}

#[cfg(test)]
mod tests;
