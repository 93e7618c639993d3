//! What the tools return: typed results for the analysts that read them directly, and one compact
//! [`Value`] shape for models that read JSON ([`ToolOutput::to_value`]). Every result states the
//! absolute dates it covers, whether it is demo data, each source's last sync and the days it lacks.
//! Numbers are rounded as people read them (money to cents, rates as percentages to two decimals),
//! and lists are bounded, so a client with many campaigns cannot flood a model's context.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::daily::{CampaignStatus, Currency, RankedCount};
use crate::dates::{DateRange, PreviousSpec, ResolvedRange};
use crate::metrics::{AdTotals, Metric, SiteTotals, Unit, UsersBasis, change};
use crate::platform::Platform;
use crate::tools::{Dimension, Granularity, SortOrder, ToolKind};
use crate::value::Value;

/// The result of one tool call.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolOutput {
    /// The figures asked for; boxed, so that a request's turns, mostly text, stay small while the
    /// model streams.
    Data(Box<ToolData>),
    /// Why the call could not be answered, for the model to correct it.
    Error {
        /// The tool called, when the name was known.
        tool: Option<ToolKind>,
        /// What went wrong, in a sentence.
        message: String,
    },
}

impl ToolOutput {
    /// The figures, when the call succeeded.
    pub const fn data(&self) -> Option<&ToolData> {
        match self {
            Self::Data(data) => Some(data),
            Self::Error { .. } => None,
        }
    }

    /// The result as a model reads it.
    pub fn to_value(&self) -> Value {
        match self {
            Self::Data(data) => data.to_value(),
            Self::Error { message, .. } => Value::object().with("error", message.as_str()),
        }
    }
}

/// Which days a result covers and how fresh its sources are.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    /// The days.
    pub range: ResolvedRange,
    /// Whether the figures are demo data, because nothing is connected.
    pub demo: bool,
    /// Each platform read.
    pub sources: Vec<SourceCoverage>,
}

/// One platform's freshness within a result.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceCoverage {
    /// The platform.
    pub platform: Platform,
    /// When its figures were last synced; `None` for demo data or a platform never synced.
    pub last_sync: Option<DateTime<Utc>>,
    /// Days of the range without figures, as runs of days.
    pub missing_days: Vec<DateRange>,
}

/// Ad totals in one currency.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrencyTotals {
    /// The currency of the money figures.
    pub currency: Currency,
    /// The totals.
    pub totals: AdTotals,
}

/// A platform's totals over a range.
#[derive(Debug, Clone, PartialEq)]
pub enum Totals {
    /// An ad platform's totals, per currency (one, unless its account changed currency).
    Ads(Vec<CurrencyTotals>),
    /// Google Analytics 4 totals.
    Site(SiteTotals),
}

/// [`ToolKind::PlatformSummary`]'s result.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The platform.
    pub platform: Platform,
    /// The days and sources.
    pub coverage: Coverage,
    /// The totals.
    pub totals: Totals,
}

/// One campaign over a range.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignRow {
    /// Its platform.
    pub platform: Platform,
    /// The platform's id of it.
    pub campaign_id: String,
    /// Its latest name.
    pub name: String,
    /// Its latest status.
    pub status: CampaignStatus,
    /// The currency of its money figures.
    pub currency: Currency,
    /// Its totals.
    pub totals: AdTotals,
}

/// [`ToolKind::ListCampaigns`]'s result.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignList {
    /// The platform asked for, or `None` for every ad platform.
    pub platform: Option<Platform>,
    /// The days and sources.
    pub coverage: Coverage,
    /// What rows are sorted by.
    pub sort_by: Metric,
    /// Which way.
    pub order: SortOrder,
    /// How many campaigns had figures in the range, listed or not.
    pub campaigns: usize,
    /// The first rows.
    pub rows: Vec<CampaignRow>,
}

/// A metric in two periods.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricChange {
    /// The metric.
    pub metric: Metric,
    /// Its value in the current period.
    pub current: Option<f64>,
    /// Its value in the previous period.
    pub previous: Option<f64>,
}

/// One platform's metrics in two periods.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformComparison {
    /// The platform.
    pub platform: Platform,
    /// The currency of its money figures (ad platforms).
    pub currency: Option<Currency>,
    /// How users were counted in each period (GA4).
    pub users_basis: Option<(UsersBasis, UsersBasis)>,
    /// The metrics.
    pub metrics: Vec<MetricChange>,
}

/// [`ToolKind::ComparePeriods`]'s result.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The current period.
    pub current: Coverage,
    /// The period it is compared with.
    pub previous: Coverage,
    /// How the previous period was chosen.
    pub previous_spec: PreviousSpec,
    /// Each platform compared.
    pub platforms: Vec<PlatformComparison>,
}

/// Totals of every ad platform in one currency.
#[derive(Debug, Clone, PartialEq)]
pub struct BlendedCurrency {
    /// The currency.
    pub currency: Currency,
    /// All platforms together.
    pub totals: AdTotals,
    /// Each platform's own totals.
    pub platforms: Vec<(Platform, AdTotals)>,
}

/// [`ToolKind::BlendedTotals`]'s result.
#[derive(Debug, Clone, PartialEq)]
pub struct Blended {
    /// The days and sources.
    pub coverage: Coverage,
    /// One entry per currency: spend is never added across currencies.
    pub currencies: Vec<BlendedCurrency>,
}

/// [`ToolKind::SiteBreakdown`]'s result.
#[derive(Debug, Clone, PartialEq)]
pub struct Breakdown {
    /// The days and sources.
    pub coverage: Coverage,
    /// Which breakdown.
    pub dimension: Dimension,
    /// The site's total of the measure (sessions, or views for pages).
    pub total: u64,
    /// How many entries there were in all.
    pub entries: usize,
    /// The largest entries.
    pub rows: Vec<RankedCount>,
}

/// One bucket of a time series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// The days of the bucket within the range.
    pub range: DateRange,
    /// The metric's value; `None` when the bucket has no figures or the ratio no denominator.
    pub value: Option<f64>,
}

/// [`ToolKind::Timeseries`]'s result.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeseries {
    /// The days and sources.
    pub coverage: Coverage,
    /// The platform.
    pub platform: Platform,
    /// The metric.
    pub metric: Metric,
    /// The bucket size.
    pub granularity: Granularity,
    /// The currency of money figures (ad platforms).
    pub currency: Option<Currency>,
    /// The buckets, oldest first.
    pub points: Vec<Point>,
}

/// The figures a tool returned.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolData {
    /// [`ToolKind::PlatformSummary`].
    Summary(Summary),
    /// [`ToolKind::ListCampaigns`].
    Campaigns(CampaignList),
    /// [`ToolKind::ComparePeriods`].
    Comparison(Comparison),
    /// [`ToolKind::BlendedTotals`].
    Blended(Blended),
    /// [`ToolKind::SiteBreakdown`].
    Breakdown(Breakdown),
    /// [`ToolKind::Timeseries`].
    Timeseries(Timeseries),
}

impl ToolData {
    /// The tool that returned this.
    pub const fn kind(&self) -> ToolKind {
        match self {
            Self::Summary(_) => ToolKind::PlatformSummary,
            Self::Campaigns(_) => ToolKind::ListCampaigns,
            Self::Comparison(_) => ToolKind::ComparePeriods,
            Self::Blended(_) => ToolKind::BlendedTotals,
            Self::Breakdown(_) => ToolKind::SiteBreakdown,
            Self::Timeseries(_) => ToolKind::Timeseries,
        }
    }

    /// The days and sources of the result (the current period of a comparison).
    pub const fn coverage(&self) -> &Coverage {
        match self {
            Self::Summary(s) => &s.coverage,
            Self::Campaigns(c) => &c.coverage,
            Self::Comparison(c) => &c.current,
            Self::Blended(b) => &b.coverage,
            Self::Breakdown(b) => &b.coverage,
            Self::Timeseries(t) => &t.coverage,
        }
    }

    /// Every period the result covers: one, or two for a comparison.
    pub fn ranges(&self) -> Vec<DateRange> {
        match self {
            Self::Comparison(c) => vec![c.current.range.range, c.previous.range.range],
            other => vec![other.coverage().range.range],
        }
    }

    /// The result as a model reads it.
    pub fn to_value(&self) -> Value {
        let mut notes: Vec<String> = Vec::new();
        let mut v = Value::object().with("tool", self.kind().name());
        match self {
            Self::Summary(s) => summary_fields(s, &mut v, &mut notes),
            Self::Campaigns(c) => campaign_list_fields(c, &mut v, &mut notes),
            Self::Comparison(c) => comparison_fields(c, &mut v, &mut notes),
            Self::Blended(b) => blended_fields(b, &mut v, &mut notes),
            Self::Breakdown(b) => breakdown_fields(b, &mut v, &mut notes),
            Self::Timeseries(t) => timeseries_fields(t, &mut v, &mut notes),
        }
        notes.dedup();
        if !notes.is_empty() {
            v.insert("notes", notes);
        }
        v
    }
}

/// The fields of a [`Summary`] result.
fn summary_fields(s: &Summary, v: &mut Value, notes: &mut Vec<String>) {
    v.insert("platform", s.platform.key());
    coverage_fields(v, &s.coverage, notes);
    match &s.totals {
        Totals::Ads(by_currency) => ad_totals_field(v, by_currency, notes),
        Totals::Site(site) => {
            v.insert("totals", site_value(site, notes));
        }
    }
}

/// The fields of a [`CampaignList`] result.
fn campaign_list_fields(c: &CampaignList, v: &mut Value, notes: &mut Vec<String>) {
    v.insert("platform", c.platform.map(Platform::key));
    coverage_fields(v, &c.coverage, notes);
    v.insert("sortBy", c.sort_by.key());
    v.insert("order", if c.order == SortOrder::Ascending { "asc" } else { "desc" });
    v.insert("campaigns", c.campaigns);
    let rows: Vec<Value> = c
        .rows
        .iter()
        .map(|r| {
            let row = Value::object()
                .with("platform", r.platform.key())
                .with("campaignId", r.campaign_id.as_str())
                .with("name", r.name.as_str())
                .with("status", r.status.key())
                .with("currency", r.currency.code());
            ad_metrics(row, &r.totals)
        })
        .collect();
    if c.rows.len() < c.campaigns {
        notes.push(format!("{} of {} campaigns listed", c.rows.len(), c.campaigns));
    }
    v.insert("rows", rows);
}

/// The fields of a [`Comparison`] result.
fn comparison_fields(c: &Comparison, v: &mut Value, notes: &mut Vec<String>) {
    v.insert("current", range_value(&c.current.range));
    v.insert("previous", range_value(&c.previous.range));
    if let Some(key) = c.previous_spec.key() {
        v.insert("previousIs", key);
    }
    v.insert("demo", c.current.demo);
    let mut sources = sources_value(&c.current, notes, "current");
    if let Value::Array(items) = &mut sources {
        if let Value::Array(more) = sources_value(&c.previous, notes, "previous") {
            for (item, prev) in items.iter_mut().zip(more) {
                item.insert("previousMissingDays", prev.get("missingDays").cloned().unwrap_or_default());
            }
        }
    }
    v.insert("sources", sources);
    let platforms: Vec<Value> = c
        .platforms
        .iter()
        .map(|p| {
            let mut pv = Value::object().with("platform", p.platform.key());
            if let Some(currency) = p.currency {
                pv.insert("currency", currency.code());
            }
            if let Some((current, previous)) = p.users_basis {
                if current == UsersBasis::SumOfDaily || previous == UsersBasis::SumOfDaily {
                    notes.push(USERS_NOTE.to_owned());
                }
            }
            let metrics: Vec<Value> = p.metrics.iter().map(metric_change_value).collect();
            pv.with("metrics", metrics)
        })
        .collect();
    v.insert("platforms", platforms);
}

/// The fields of a [`Blended`] result.
fn blended_fields(b: &Blended, v: &mut Value, notes: &mut Vec<String>) {
    coverage_fields(v, &b.coverage, notes);
    if b.currencies.len() > 1 {
        notes.push(currency_note(b.currencies.iter().map(|c| c.currency)));
    }
    let currencies: Vec<Value> = b
        .currencies
        .iter()
        .map(|c| {
            let platforms: Vec<Value> = c
                .platforms
                .iter()
                .map(|(p, t)| {
                    let row = Value::object().with("platform", p.key());
                    let share = (c.totals.spend > 0.0).then(|| round(t.spend / c.totals.spend * 100.0, 2));
                    ad_metrics(row, t).with("spendSharePct", share)
                })
                .collect();
            let totals = ad_metrics(Value::object(), &c.totals);
            Value::object().with("currency", c.currency.code()).with("totals", totals).with("platforms", platforms)
        })
        .collect();
    v.insert("currencies", currencies);
}

/// The fields of a [`Breakdown`] result.
fn breakdown_fields(b: &Breakdown, v: &mut Value, notes: &mut Vec<String>) {
    coverage_fields(v, &b.coverage, notes);
    let measure = if b.dimension == Dimension::Page { "views" } else { "sessions" };
    v.insert("dimension", b.dimension.key());
    v.insert("measure", measure);
    v.insert("total", b.total);
    v.insert("entries", b.entries);
    if b.coverage.range.range.days() > 1 && b.dimension != Dimension::Device {
        notes.push(
            "summed from each day's top 20 entries, so entries outside a day's top 20 are not counted \
             that day"
                .to_owned(),
        );
    }
    #[allow(clippy::cast_precision_loss)] // counts stay far below 2^52
    let rows: Vec<Value> = b
        .rows
        .iter()
        .map(|r| {
            let share = (b.total > 0).then(|| round(r.count as f64 / b.total as f64 * 100.0, 2));
            Value::object().with("name", r.name.as_str()).with(measure, r.count).with("sharePct", share)
        })
        .collect();
    v.insert("rows", rows);
}

/// The fields of a [`Timeseries`] result.
fn timeseries_fields(t: &Timeseries, v: &mut Value, notes: &mut Vec<String>) {
    v.insert("platform", t.platform.key());
    v.insert("metric", t.metric.result_key());
    v.insert("granularity", t.granularity.key());
    coverage_fields(v, &t.coverage, notes);
    if let Some(currency) = t.currency {
        v.insert("currency", currency.code());
    }
    if t.metric == Metric::Users && t.granularity != Granularity::Day {
        notes.push(USERS_NOTE.to_owned());
    }
    let points: Vec<Value> = t
        .points
        .iter()
        .map(|p| {
            Value::object()
                .with("start", p.range.start().to_string())
                .with("end", p.range.end().to_string())
                .with("value", p.value.map(|x| metric_number(t.metric, x)))
        })
        .collect();
    v.insert("points", points);
}

/// Said wherever users are summed over days.
const USERS_NOTE: &str = "users is the sum of each day's users: a person who came on several days is counted once \
                          per day, so it over-counts the range's unique users";

fn currency_note(currencies: impl Iterator<Item = Currency>) -> String {
    let codes: Vec<String> = currencies.map(|c| c.code().to_owned()).collect();
    format!(
        "the ad accounts report in different currencies ({}); money is totalled per currency, never added across them",
        codes.join(", ")
    )
}

/// `{"start", "end", "days", "preset", "includesToday"}`.
fn range_value(range: &ResolvedRange) -> Value {
    let mut v = Value::object()
        .with("start", range.range.start().to_string())
        .with("end", range.range.end().to_string())
        .with("days", range.range.days());
    if let Some(preset) = range.preset {
        v.insert("preset", preset.key());
    }
    if range.includes_today {
        v.insert("includesToday", true);
    }
    v
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn sources_value(coverage: &Coverage, notes: &mut Vec<String>, period: &str) -> Value {
    let sources: Vec<Value> = coverage
        .sources
        .iter()
        .map(|s| {
            if !s.missing_days.is_empty() {
                notes.push(format!(
                    "{} has no figures for some days of the {period} period (missingDays)",
                    s.platform.key()
                ));
            }
            let missing: Vec<String> = s.missing_days.iter().take(10).map(ToString::to_string).collect();
            Value::object()
                .with("platform", s.platform.key())
                .with("lastSync", s.last_sync.map(timestamp))
                .with("missingDays", missing)
        })
        .collect();
    if coverage.range.includes_today {
        notes.push("today's figures are partial".to_owned());
    }
    Value::Array(sources)
}

fn coverage_fields(v: &mut Value, coverage: &Coverage, notes: &mut Vec<String>) {
    v.insert("range", range_value(&coverage.range));
    v.insert("demo", coverage.demo);
    v.insert("sources", sources_value(coverage, notes, "asked"));
}

fn ad_totals_field(v: &mut Value, by_currency: &[CurrencyTotals], notes: &mut Vec<String>) {
    match by_currency {
        [] => v.insert("totals", Value::Null),
        [one] => {
            v.insert("currency", one.currency.code());
            v.insert("totals", ad_metrics(Value::object(), &one.totals));
        }
        many => {
            notes.push(currency_note(many.iter().map(|c| c.currency)));
            let items: Vec<Value> = many
                .iter()
                .map(|c| ad_metrics(Value::object().with("currency", c.currency.code()), &c.totals))
                .collect();
            v.insert("totalsByCurrency", items);
        }
    }
}

/// Every ad metric that has a value, added to `v`.
fn ad_metrics(mut v: Value, totals: &AdTotals) -> Value {
    for metric in Metric::AD {
        if let Some(x) = totals.value(metric) {
            v.insert(metric.result_key(), metric_number(metric, x));
        }
    }
    v
}

fn site_value(totals: &SiteTotals, notes: &mut Vec<String>) -> Value {
    let mut v = Value::object();
    for metric in Metric::SITE {
        if let Some(x) = totals.value(metric) {
            v.insert(metric.result_key(), metric_number(metric, x));
        }
        if metric == Metric::Users {
            let basis = match totals.users_basis {
                UsersBasis::RangeTotal => "range_total",
                UsersBasis::SumOfDaily => {
                    notes.push(USERS_NOTE.to_owned());
                    "sum_of_daily"
                }
            };
            v.insert("usersBasis", basis);
        }
    }
    v
}

fn metric_change_value(m: &MetricChange) -> Value {
    let mut v = Value::object()
        .with("metric", m.metric.result_key())
        .with("current", m.current.map(|x| metric_number(m.metric, x)))
        .with("previous", m.previous.map(|x| metric_number(m.metric, x)));
    if let (Some(current), Some(previous)) = (m.current, m.previous) {
        let (current, previous) = (m.metric.in_result_unit(current), m.metric.in_result_unit(previous));
        let (diff, pct) = change(current, previous);
        v.insert("change", round(diff, result_decimals(m.metric)));
        v.insert("changePct", pct.map(|p| round(p, 1)));
    }
    v
}

/// How many decimals a metric's value keeps in tool results: none for counts, one for seconds,
/// two otherwise.
pub const fn result_decimals(metric: Metric) -> i32 {
    match metric.unit() {
        Unit::Count => 0,
        Unit::Seconds => 1,
        Unit::Money | Unit::Decimal | Unit::Rate | Unit::Multiple => 2,
    }
}

/// A metric's value as tool results give it: in its result unit (rates as percentages), rounded as
/// people read it (money, rates and multiples to two decimals, seconds to one, counts to units).
/// Answers that quote a figure the same way quote exactly what the tool returned.
pub fn metric_number(metric: Metric, value: f64) -> f64 {
    round(metric.in_result_unit(value), result_decimals(metric))
}

fn round(value: f64, decimals: i32) -> f64 {
    let factor = 10f64.powi(decimals);
    let rounded = (value * factor).round() / factor;
    if rounded == 0.0 { 0.0 } else { rounded }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::daily::CampaignDay;
    use crate::dates::{Preset, RangeSpec};

    fn coverage() -> Coverage {
        let today = "2026-12-01".parse::<NaiveDate>().unwrap();
        Coverage {
            range: RangeSpec::preset(Preset::LastMonth).resolve(today).unwrap(),
            demo: false,
            sources: vec![SourceCoverage {
                platform: Platform::GoogleAds,
                last_sync: Some("2026-12-01T06:00:00Z".parse().unwrap()),
                missing_days: vec![DateRange::day("2026-11-03".parse().unwrap())],
            }],
        }
    }

    fn totals(spend: f64, clicks: u64, impressions: u64, conversions: f64) -> AdTotals {
        AdTotals::sum(&[CampaignDay {
            campaign_id: "1".into(),
            name: "Brand".into(),
            status: CampaignStatus::Active,
            spend,
            impressions,
            clicks,
            conversions: Some(conversions),
            conversion_value: None,
            leads: None,
        }])
    }

    #[test]
    fn a_summary_reads_as_compact_rounded_figures_with_its_dates_and_freshness() {
        let data = ToolData::Summary(Summary {
            platform: Platform::GoogleAds,
            coverage: coverage(),
            totals: Totals::Ads(vec![CurrencyTotals {
                currency: Currency::USD,
                totals: totals(1234.567, 300, 10_000, 12.0),
            }]),
        });
        assert_eq!(
            data.to_value().to_string(),
            concat!(
                r#"{"tool":"get_platform_summary","platform":"googleAds","#,
                r#""range":{"start":"2026-11-01","end":"2026-11-30","days":30,"preset":"last_month"},"demo":false,"#,
                r#""sources":[{"platform":"googleAds","lastSync":"2026-12-01T06:00:00Z","missingDays":["2026-11-03"]}],"#,
                r#""currency":"USD","totals":{"spend":1234.57,"impressions":10000,"clicks":300,"conversions":12,"#,
                r#""ctrPct":3,"cpc":4.12,"cpm":123.46,"cpa":102.88,"conversionRatePct":4},"#,
                r#""notes":["googleAds has no figures for some days of the asked period (missingDays)"]}"#
            )
        );
    }

    #[test]
    fn a_comparison_gives_both_values_and_the_changes() {
        let m = MetricChange { metric: Metric::Ctr, current: Some(0.03), previous: Some(0.025) };
        assert_eq!(
            metric_change_value(&m).to_string(),
            r#"{"metric":"ctrPct","current":3,"previous":2.5,"change":0.5,"changePct":20}"#
        );
        let none = MetricChange { metric: Metric::Spend, current: Some(5.0), previous: Some(0.0) };
        assert_eq!(metric_change_value(&none).get("changePct"), Some(&Value::Null));
    }

    #[test]
    fn tool_errors_read_as_an_error_field() {
        let out = ToolOutput::Error { tool: None, message: "there is no tool named \"x\"".into() };
        assert_eq!(out.to_value().to_string(), r#"{"error":"there is no tool named \"x\""}"#);
    }
}
