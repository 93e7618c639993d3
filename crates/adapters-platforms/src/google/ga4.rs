//! Google Analytics 4: the properties a Google account can read (Admin API `accountSummaries`) and
//! a property's daily site figures (Data API `runReport`).
//!
//! A fetch runs four reports over the range, each paged with `limit`/`offset`: the day's totals
//! (dimension `date`), then the top sources, devices and pages per day (dimensions `date` and the
//! breakdown, ordered by the count, the first [`SiteDay::TOP`] of each day kept). The users of each
//! window come from reports without dimensions, up to four date ranges per request. GA4 sends every
//! value as a string; one that does not parse makes the whole fetch
//! [`ConnectorError::InvalidResponse`], so that the sync keeps the figures it had. A report without
//! `rows` has no data, which is no error.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{NaiveDate, TimeDelta, Timelike, Utc};
use domain::daily::{DayFigures, RankedCount, SiteDay};
use domain::dates::DateRange;
use domain::platform::{Platform, PlatformAccount};
use domain::ports::{AccountChoice, Authorization, ConnectorError, FetchedFigures, PlatformConnector, TokenGrant};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    DEFAULT_GA4_ADMIN_API_URL, DEFAULT_GA4_DATA_API_URL, GA4_SCOPE, GoogleAppConfig, GoogleStatus, int64,
    is_numeric_id, parse_amount, parse_count,
};
use crate::config::{ConfigError, base_url};
use crate::http::{Call, HttpClient, Reply, Verdict, classify_status};
use crate::oauth::OAuthApp;

/// Rows asked for per `runReport` page.
const PAGE_SIZE: u64 = 10_000;
/// The most rows read of one breakdown report: its rows come largest first, so a cut loses only the
/// smallest entries of the days that have more than [`SiteDay::TOP`].
const MAX_BREAKDOWN_ROWS: u64 = 100_000;
/// The most pages of account summaries read (200 accounts each).
const MAX_ACCOUNT_PAGES: usize = 50;
/// GA4's limit of date ranges in one request.
const MAX_DATE_RANGES: usize = 4;

/// The metrics of the day's totals, in the order the report asks for them.
const SITE_METRICS: [&str; 6] =
    ["sessions", "totalUsers", "newUsers", "screenPageViews", "engagedSessions", "averageSessionDuration"];

/// The settings of the GA4 connector.
#[derive(Debug, Clone)]
pub struct Ga4Config {
    /// The Google OAuth app.
    pub app: GoogleAppConfig,
    /// The Data API, with its version (`GA4_DATA_API_URL`, default [`DEFAULT_GA4_DATA_API_URL`]).
    pub data_api_url: String,
    /// The Admin API, with its version (`GA4_ADMIN_API_URL`, default [`DEFAULT_GA4_ADMIN_API_URL`]).
    pub admin_api_url: String,
}

impl Ga4Config {
    /// The settings of `app` with Google's own endpoints.
    pub fn new(app: GoogleAppConfig) -> Self {
        Self {
            app,
            data_api_url: DEFAULT_GA4_DATA_API_URL.to_owned(),
            admin_api_url: DEFAULT_GA4_ADMIN_API_URL.to_owned(),
        }
    }
}

/// The Google Analytics 4 connector.
#[derive(Debug, Clone)]
pub struct Ga4Connector {
    oauth: OAuthApp,
    http: HttpClient,
    data_api_url: String,
    admin_api_url: String,
}

impl Ga4Connector {
    /// A connector with `config`, calling through `http`.
    ///
    /// # Errors
    /// [`ConfigError`] naming the variable when a URL is invalid or the client id is blank.
    pub fn new(config: Ga4Config, http: HttpClient) -> Result<Self, ConfigError> {
        let Ga4Config { app, data_api_url, admin_api_url } = config;
        let data_api_url = base_url("GA4_DATA_API_URL", &data_api_url)?;
        let admin_api_url = base_url("GA4_ADMIN_API_URL", &admin_api_url)?;
        let oauth = app.oauth_app(Platform::GoogleAnalytics, GA4_SCOPE, &http)?;
        Ok(Self { oauth, http, data_api_url, admin_api_url })
    }

    async fn list_accounts(&self, token: &SecretString) -> Result<Vec<AccountChoice>, ConnectorError> {
        let mut choices = Vec::new();
        let mut page_token: Option<String> = None;
        for _ in 0..MAX_ACCOUNT_PAGES {
            let mut request = self
                .http
                .client()
                .get(format!("{}/accountSummaries", self.admin_api_url))
                .bearer_auth(token.expose_secret())
                .query(&[("pageSize", "200")]);
            if let Some(next) = &page_token {
                request = request.query(&[("pageToken", next.as_str())]);
            }
            let call = Call::new(Platform::GoogleAnalytics, "accountSummaries").classify(classify);
            let reply = self.http.send(&call, request).await?;
            if !reply.is_success() {
                return Err(failure(&reply, Api::Admin));
            }
            let page: SummariesPage = reply.json()?;
            choices.extend(page.account_summaries.iter().flat_map(AccountSummary::choices));
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(next) if page_token.as_deref() != Some(next.as_str()) => page_token = Some(next),
                _ => return Ok(choices),
            }
        }
        tracing::warn!("GA4 account summaries: stopped after {MAX_ACCOUNT_PAGES} pages");
        Ok(choices)
    }

    /// Pages through one report, giving each page to `on_page` until it returns `false`, the rows
    /// run out or `max_rows` were read.
    async fn report(
        &self,
        property: &str,
        token: &SecretString,
        mut body: Value,
        max_rows: u64,
        mut on_page: impl FnMut(&ReportPage) -> Result<bool, ConnectorError> + Send,
    ) -> Result<(), ConnectorError> {
        let url = format!("{}/properties/{property}:runReport", self.data_api_url);
        let mut offset = 0_u64;
        loop {
            body["limit"] = json!(PAGE_SIZE.to_string());
            body["offset"] = json!(offset.to_string());
            let request = self.http.client().post(&url).bearer_auth(token.expose_secret()).json(&body);
            let call = Call::new(Platform::GoogleAnalytics, "runReport").account(property).classify(classify);
            let reply = self.http.send(&call, request).await?;
            if !reply.is_success() {
                return Err(failure(&reply, Api::Data { property }));
            }
            let page: ReportPage = reply.json()?;
            let read = page.rows.len() as u64;
            if !on_page(&page)? {
                return Ok(());
            }
            offset += read;
            if read == 0 || offset >= page.row_count || offset >= max_rows {
                return Ok(());
            }
        }
    }

    async fn site_days(
        &self,
        property: &str,
        token: &SecretString,
        range: DateRange,
    ) -> Result<BTreeMap<NaiveDate, SiteDay>, ConnectorError> {
        let body = json!({
            "dateRanges": [date_range(range, None)],
            "dimensions": [{"name": "date"}],
            "metrics": SITE_METRICS.iter().map(|m| json!({"name": m})).collect::<Vec<_>>(),
            "orderBys": [{"dimension": {"dimensionName": "date"}}],
        });
        let mut days = BTreeMap::new();
        self.report(property, token, body, u64::MAX, |page| {
            let date = page.dimension("date")?;
            let columns: Vec<usize> = SITE_METRICS.iter().map(|m| page.metric(m)).collect::<Result<_, _>>()?;
            for row in &page.rows {
                let day = row.date(date)?;
                if !range.contains(day) {
                    continue;
                }
                let values: Vec<&str> = columns.iter().map(|c| row.metric(*c)).collect::<Result<_, _>>()?;
                let count = |i: usize| parse_count(values[i]).ok_or_else(|| unreadable(SITE_METRICS[i], values[i]));
                let sessions = count(0)?;
                let engaged_sessions = count(4)?;
                let average = parse_amount(values[5]).ok_or_else(|| unreadable(SITE_METRICS[5], values[5]))?;
                #[allow(clippy::cast_precision_loss)] // session counts stay far below 2^52
                let duration = (average * sessions as f64 * 1000.0).round() / 1000.0;
                days.insert(
                    day,
                    SiteDay {
                        sessions,
                        users: count(1)?,
                        new_users: count(2)?,
                        pageviews: count(3)?,
                        engaged_sessions,
                        bounces: sessions.saturating_sub(engaged_sessions),
                        session_duration_secs: duration,
                        ..SiteDay::default()
                    },
                );
            }
            Ok(true)
        })
        .await?;
        Ok(days)
    }

    /// The first [`SiteDay::TOP`] values of `dimension` per day of `days`, by `metric`.
    async fn breakdown(
        &self,
        property: &str,
        token: &SecretString,
        range: DateRange,
        breakdown: Breakdown,
        days: &mut BTreeMap<NaiveDate, SiteDay>,
    ) -> Result<(), ConnectorError> {
        let (dimension, metric) = breakdown.names();
        let body = json!({
            "dateRanges": [date_range(range, None)],
            "dimensions": [{"name": "date"}, {"name": dimension}],
            "metrics": [{"name": metric}],
            "orderBys": [
                {"metric": {"metricName": metric}, "desc": true},
                {"dimension": {"dimensionName": "date"}},
                {"dimension": {"dimensionName": dimension}},
            ],
        });
        self.report(property, token, body, MAX_BREAKDOWN_ROWS, |page| {
            let date = page.dimension("date")?;
            let name = page.dimension(dimension)?;
            let value = page.metric(metric)?;
            for row in &page.rows {
                let day = row.date(date)?;
                let raw = row.metric(value)?;
                let count = parse_count(raw).ok_or_else(|| unreadable(metric, raw))?;
                let Some(site) = days.get_mut(&day) else { continue };
                let entries = breakdown.entries(site);
                if count > 0 && entries.len() < SiteDay::TOP {
                    entries.push(RankedCount { name: row.dimension(name)?.to_owned(), count });
                }
            }
            // Every day full: the rest of the rows are smaller entries of full days.
            Ok(days.values_mut().any(|site| breakdown.entries(site).len() < SiteDay::TOP))
        })
        .await
    }

    /// GA4's own user total of each window, up to four windows per request.
    async fn window_users(
        &self,
        property: &str,
        token: &SecretString,
        windows: &[DateRange],
    ) -> Result<Vec<(DateRange, u64)>, ConnectorError> {
        let mut totals = Vec::with_capacity(windows.len());
        for chunk in windows.chunks(MAX_DATE_RANGES) {
            let names: Vec<String> = (0..chunk.len()).map(|i| format!("window_{i}")).collect();
            let body = json!({
                "dateRanges": chunk.iter().zip(&names).map(|(w, n)| date_range(*w, Some(n))).collect::<Vec<_>>(),
                "metrics": [{"name": "totalUsers"}],
            });
            let mut users = vec![0_u64; chunk.len()];
            self.report(property, token, body, u64::MAX, |page| {
                let column = page.metric("totalUsers")?;
                // With more than one range GA4 adds a `dateRange` dimension holding the range's name.
                let range_column = page.dimension("dateRange").ok();
                for row in &page.rows {
                    let index = match range_column {
                        Some(c) => {
                            let name = row.dimension(c)?;
                            names.iter().position(|n| n == name).ok_or_else(|| {
                                ConnectorError::InvalidResponse(format!("GA4 answered an unknown date range {name:?}"))
                            })?
                        }
                        None if chunk.len() == 1 => 0,
                        None => {
                            return Err(ConnectorError::InvalidResponse(
                                "GA4 answered several date ranges without naming them".into(),
                            ));
                        }
                    };
                    let raw = row.metric(column)?;
                    users[index] += parse_count(raw).ok_or_else(|| unreadable("totalUsers", raw))?;
                }
                Ok(true)
            })
            .await?;
            totals.extend(chunk.iter().copied().zip(users));
        }
        Ok(totals)
    }
}

#[async_trait]
impl PlatformConnector for Ga4Connector {
    fn platform(&self) -> Platform {
        Platform::GoogleAnalytics
    }

    fn authorize(&self, redirect_uri: &str) -> Result<Authorization, ConnectorError> {
        self.oauth.authorize(redirect_uri)
    }

    async fn exchange(
        &self,
        code: &SecretString,
        pkce_verifier: Option<SecretString>,
        redirect_uri: &str,
    ) -> Result<TokenGrant, ConnectorError> {
        self.oauth.exchange(code, pkce_verifier.as_ref(), redirect_uri).await
    }

    async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenGrant, ConnectorError> {
        self.oauth.refresh(refresh_token).await
    }

    async fn accounts(&self, access_token: &SecretString) -> Result<Vec<AccountChoice>, ConnectorError> {
        self.list_accounts(access_token).await
    }

    async fn fetch(
        &self,
        account: &PlatformAccount,
        access_token: &SecretString,
        range: DateRange,
        windows: &[DateRange],
    ) -> Result<FetchedFigures, ConnectorError> {
        let PlatformAccount::GoogleAnalytics { property_id, .. } = account else {
            return Err(ConnectorError::Refused(format!(
                "a {} account cannot be read from Google Analytics 4",
                account.platform().display_name()
            )));
        };
        let property_id = property_id.strip_prefix("properties/").unwrap_or(property_id);
        if !is_numeric_id(property_id) {
            return Err(ConnectorError::Refused(format!(
                "the GA4 property id {property_id:?} is not a number; choose the property again"
            )));
        }
        let mut days = self.site_days(property_id, access_token, range).await?;
        if !days.is_empty() {
            for breakdown in [Breakdown::Sources, Breakdown::Devices, Breakdown::Pages] {
                self.breakdown(property_id, access_token, range, breakdown, &mut days).await?;
            }
        }
        let window_users = self.window_users(property_id, access_token, windows).await?;
        Ok(FetchedFigures {
            days: days.into_iter().map(|(date, site)| (date, DayFigures::Site(site))).collect(),
            window_users,
        })
    }
}

/// A per-day breakdown of a site's figures.
#[derive(Debug, Clone, Copy)]
enum Breakdown {
    Sources,
    Devices,
    Pages,
}

impl Breakdown {
    /// The dimension and the metric it ranks by.
    const fn names(self) -> (&'static str, &'static str) {
        match self {
            Self::Sources => ("sessionSourceMedium", "sessions"),
            Self::Devices => ("deviceCategory", "sessions"),
            Self::Pages => ("pagePath", "screenPageViews"),
        }
    }

    fn entries(self, day: &mut SiteDay) -> &mut Vec<RankedCount> {
        match self {
            Self::Sources => &mut day.top_sources,
            Self::Devices => &mut day.devices,
            Self::Pages => &mut day.top_pages,
        }
    }
}

fn date_range(range: DateRange, name: Option<&str>) -> Value {
    let mut value = json!({
        "startDate": range.start().format("%Y-%m-%d").to_string(),
        "endDate": range.end().format("%Y-%m-%d").to_string(),
    });
    if let Some(name) = name {
        value["name"] = json!(name);
    }
    value
}

fn unreadable(metric: &str, raw: &str) -> ConnectorError {
    ConnectorError::InvalidResponse(format!("GA4 answered {raw:?} for {metric}, which is not a number"))
}

/// An Admin API page of account summaries.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SummariesPage {
    #[serde(default)]
    account_summaries: Vec<AccountSummary>,
    #[serde(default)]
    next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountSummary {
    /// `accounts/123`.
    #[serde(default)]
    account: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    property_summaries: Vec<PropertySummary>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PropertySummary {
    /// `properties/456`.
    #[serde(default)]
    property: String,
    #[serde(default)]
    display_name: String,
}

impl AccountSummary {
    /// One choice per property with a numeric id.
    fn choices(&self) -> impl Iterator<Item = AccountChoice> + '_ {
        let account_id = self.account.strip_prefix("accounts/").unwrap_or(&self.account).to_owned();
        self.property_summaries.iter().filter_map(move |p| {
            let property_id = p.property.strip_prefix("properties/")?;
            if !is_numeric_id(property_id) {
                return None;
            }
            let property_name = if p.display_name.trim().is_empty() { property_id } else { p.display_name.trim() };
            let name = match self.display_name.trim() {
                "" => property_name.to_owned(),
                account => format!("{account} / {property_name}"),
            };
            Some(AccountChoice {
                account: PlatformAccount::GoogleAnalytics {
                    account_id: account_id.clone(),
                    property_id: property_id.to_owned(),
                },
                name,
                currency: None,
            })
        })
    }
}

/// One page of a `runReport` answer. Without `rows` the report has no data.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReportPage {
    #[serde(default)]
    dimension_headers: Vec<Header>,
    #[serde(default)]
    metric_headers: Vec<Header>,
    #[serde(default)]
    rows: Vec<Row>,
    #[serde(default, deserialize_with = "int64")]
    row_count: u64,
}

#[derive(Debug, Deserialize)]
struct Header {
    #[serde(default)]
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    #[serde(default)]
    dimension_values: Vec<Cell>,
    #[serde(default)]
    metric_values: Vec<Cell>,
}

#[derive(Debug, Deserialize)]
struct Cell {
    #[serde(default)]
    value: String,
}

impl ReportPage {
    fn dimension(&self, name: &str) -> Result<usize, ConnectorError> {
        column(&self.dimension_headers, name, self.rows.is_empty())
    }

    fn metric(&self, name: &str) -> Result<usize, ConnectorError> {
        column(&self.metric_headers, name, self.rows.is_empty())
    }
}

/// Where `name` is among `headers`; any column when there are no rows to read.
fn column(headers: &[Header], name: &str, no_rows: bool) -> Result<usize, ConnectorError> {
    match headers.iter().position(|h| h.name == name) {
        Some(index) => Ok(index),
        None if no_rows => Ok(0),
        None => Err(ConnectorError::InvalidResponse(format!("GA4's report has no {name} column"))),
    }
}

impl Row {
    fn dimension(&self, index: usize) -> Result<&str, ConnectorError> {
        self.dimension_values
            .get(index)
            .map(|c| c.value.as_str())
            .ok_or_else(|| ConnectorError::InvalidResponse("a GA4 row lacks a dimension value".into()))
    }

    fn metric(&self, index: usize) -> Result<&str, ConnectorError> {
        self.metric_values
            .get(index)
            .map(|c| c.value.as_str())
            .ok_or_else(|| ConnectorError::InvalidResponse("a GA4 row lacks a metric value".into()))
    }

    /// The row's `date` (`20261015`).
    fn date(&self, index: usize) -> Result<NaiveDate, ConnectorError> {
        let raw = self.dimension(index)?;
        NaiveDate::parse_from_str(raw, "%Y%m%d")
            .map_err(|_| ConnectorError::InvalidResponse(format!("GA4 answered {raw:?} for a date")))
    }
}

/// Which GA4 API answered.
#[derive(Debug, Clone, Copy)]
enum Api<'a> {
    Admin,
    Data { property: &'a str },
}

/// Reads a GA4 answer for retrying: quota errors are transient, with a hint of when the quota
/// returns; 429 and 5xx otherwise as usual.
fn classify(reply: &Reply) -> Verdict {
    if reply.is_success() {
        return Verdict::Done;
    }
    let status = GoogleStatus::of(reply);
    let exhausted = status.as_ref().is_some_and(|s| s.status == "RESOURCE_EXHAUSTED");
    if reply.status == StatusCode::TOO_MANY_REQUESTS || exhausted {
        return Verdict::Retry { after: status.as_ref().and_then(|s| quota_hint(&s.message, Utc::now())) };
    }
    classify_status(reply)
}

/// When an exhausted GA4 quota returns, from its message: an hourly quota within the hour, a daily
/// one at midnight Pacific time (taken as 08:00 UTC, at worst an hour late in summer); `None` for
/// the concurrent-requests quota, which frees up in moments.
fn quota_hint(message: &str, now: chrono::DateTime<Utc>) -> Option<Duration> {
    let message = message.to_ascii_lowercase();
    if message.contains("per hour") {
        return Some(Duration::from_secs(3600));
    }
    if message.contains("per day") {
        let today = now.date_naive().and_hms_opt(8, 0, 0)?.and_utc();
        let reset = if now.hour() < 8 { today } else { today + TimeDelta::days(1) };
        return (reset - now).to_std().ok();
    }
    None
}

/// Maps a GA4 error answer to the domain's error.
fn failure(reply: &Reply, api: Api<'_>) -> ConnectorError {
    let status = GoogleStatus::of(reply);
    let google = status.clone().unwrap_or_default();
    let message = google.short_message();
    let (api_name, variable) = match api {
        Api::Admin => ("Google Analytics Admin API", "GA4_ADMIN_API_URL"),
        Api::Data { .. } => ("Google Analytics Data API", "GA4_DATA_API_URL"),
    };
    match reply.status {
        StatusCode::UNAUTHORIZED => ConnectorError::Unauthorized,
        s if s == StatusCode::TOO_MANY_REQUESTS || google.status == "RESOURCE_EXHAUSTED" => {
            ConnectorError::RateLimited { retry_after: reply.retry_after }
        }
        StatusCode::FORBIDDEN => {
            if google.is_service_disabled() {
                ConnectorError::Refused(format!(
                    "the {api_name} is not enabled in the Google Cloud project of this server's OAuth client; \
                     enable it in the Google Cloud console"
                ))
            } else if google.is_scope_insufficient() {
                ConnectorError::Refused(
                    "the connection was not granted read access to Google Analytics; reconnect Google Analytics 4 \
                     and allow it"
                        .into(),
                )
            } else {
                match api {
                    Api::Data { property } => ConnectorError::Refused(format!(
                        "the Google account cannot read property {property}; grant it access in GA4 or choose \
                         another property"
                    )),
                    Api::Admin => ConnectorError::Refused(format!(
                        "the Google account may not list its Google Analytics accounts ({message})"
                    )),
                }
            }
        }
        StatusCode::NOT_FOUND if status.is_none() => ConnectorError::VersionRetired(format!(
            "the {api_name} at {variable} does not answer (its version may be retired); set {variable} to a current \
             version"
        )),
        StatusCode::NOT_FOUND => match api {
            Api::Data { property } => {
                ConnectorError::Refused(format!("GA4 property {property} was not found; choose another property"))
            }
            Api::Admin => ConnectorError::Refused(format!("the {api_name} answered not found ({message})")),
        },
        StatusCode::BAD_REQUEST => {
            ConnectorError::Refused(format!("Google Analytics 4 rejected the request: {message}"))
        }
        s if s.is_server_error() => ConnectorError::Unavailable(format!("the {api_name} answered {s}")),
        s => ConnectorError::InvalidResponse(format!("the {api_name} answered {s} unexpectedly")),
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderMap;

    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec(),
            retry_after: None,
        }
    }

    fn data() -> Api<'static> {
        Api::Data { property: "345678901" }
    }

    #[test]
    fn an_empty_report_has_no_rows() {
        let page: ReportPage = serde_json::from_str(
            r#"{"dimensionHeaders":[{"name":"date"}],"metricHeaders":[{"name":"sessions","type":"TYPE_INTEGER"}],
                "metadata":{"currencyCode":"USD"},"kind":"analyticsData#runReport"}"#,
        )
        .unwrap();
        assert!(page.rows.is_empty());
        assert_eq!(page.row_count, 0);
    }

    #[test]
    fn values_are_read_from_strings() {
        let page: ReportPage = serde_json::from_str(
            r#"{"dimensionHeaders":[{"name":"date"}],"metricHeaders":[{"name":"sessions"}],
                "rows":[{"dimensionValues":[{"value":"20261015"}],"metricValues":[{"value":"4210"}]}],
                "rowCount":1}"#,
        )
        .unwrap();
        let row = &page.rows[0];
        assert_eq!(row.date(page.dimension("date").unwrap()).unwrap(), NaiveDate::from_ymd_opt(2026, 10, 15).unwrap());
        assert_eq!(parse_count(row.metric(page.metric("sessions").unwrap()).unwrap()), Some(4210));
        assert!(page.metric("newUsers").is_err(), "a missing column is an unusable answer");
        assert_eq!(parse_count("12.5"), None);
        assert_eq!(parse_amount("156.14807600950118"), Some(156.148_076_009_501_18));
        assert_eq!(parse_amount("NaN"), None);
        assert!(matches!(unreadable("sessions", "n/a"), ConnectorError::InvalidResponse(m) if m.contains("n/a")));
    }

    #[test]
    fn a_bad_date_is_an_unusable_answer() {
        let row = Row { dimension_values: vec![Cell { value: "2026-10-15".into() }], metric_values: vec![] };
        assert!(matches!(row.date(0), Err(ConnectorError::InvalidResponse(_))));
    }

    #[test]
    fn account_summaries_become_one_choice_per_property() {
        let page: SummariesPage = serde_json::from_str(
            r#"{"accountSummaries":[{"name":"accountSummaries/111","account":"accounts/111","displayName":"Acme Corp",
                "propertySummaries":[
                  {"property":"properties/345678901","displayName":"acme.example - GA4","propertyType":"PROPERTY_TYPE_ORDINARY"},
                  {"property":"properties/oops","displayName":"broken"}]},
                {"account":"accounts/222","displayName":"Empty"}]}"#,
        )
        .unwrap();
        let choices: Vec<_> = page.account_summaries.iter().flat_map(AccountSummary::choices).collect();
        assert_eq!(
            choices,
            vec![AccountChoice {
                account: PlatformAccount::GoogleAnalytics { account_id: "111".into(), property_id: "345678901".into() },
                name: "Acme Corp / acme.example - GA4".into(),
                currency: None,
            }]
        );
        assert_eq!(page.next_page_token, None);
    }

    #[test]
    fn errors_map_to_what_a_person_can_do() {
        let unauthenticated = include_str!("../../tests/fixtures/google/ga4-error-401-unauthenticated.json");
        assert!(matches!(failure(&reply(401, unauthenticated), data()), ConnectorError::Unauthorized));
        let exhausted = include_str!("../../tests/fixtures/google/ga4-error-429-resource-exhausted.json");
        assert!(matches!(failure(&reply(429, exhausted), data()), ConnectorError::RateLimited { .. }));
        let denied = r#"{"error":{"code":403,"message":"User does not have sufficient permissions for this property.",
            "status":"PERMISSION_DENIED"}}"#;
        let ConnectorError::Refused(message) = failure(&reply(403, denied), data()) else { panic!() };
        assert!(message.contains("cannot read property 345678901"), "{message}");
        let disabled = r#"{"error":{"code":403,"message":"Google Analytics Data API has not been used in project 1 before or it is disabled.",
            "status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"SERVICE_DISABLED"}]}}"#;
        let ConnectorError::Refused(message) = failure(&reply(403, disabled), data()) else { panic!() };
        assert!(message.contains("Data API is not enabled"), "{message}");
        let ConnectorError::VersionRetired(message) = failure(&reply(404, "<html>Not Found</html>"), data()) else {
            panic!()
        };
        assert!(message.contains("GA4_DATA_API_URL"), "{message}");
        assert!(matches!(failure(&reply(503, ""), Api::Admin), ConnectorError::Unavailable(_)));
        assert!(matches!(failure(&reply(400, "{}"), data()), ConnectorError::Refused(_)));
    }

    #[test]
    fn quota_errors_are_retried_with_a_hint() {
        let now = "2026-12-01T10:00:00Z".parse::<chrono::DateTime<Utc>>().unwrap();
        assert_eq!(quota_hint("Exhausted property tokens per hour.", now), Some(Duration::from_secs(3600)));
        assert_eq!(quota_hint("Exhausted property tokens per day.", now), Some(Duration::from_secs(22 * 3600)));
        assert_eq!(quota_hint("Exhausted concurrent requests quota.", now), None);
        let exhausted = include_str!("../../tests/fixtures/google/ga4-error-429-resource-exhausted.json");
        assert_eq!(classify(&reply(429, exhausted)), Verdict::Retry { after: Some(Duration::from_secs(3600)) });
        assert_eq!(classify(&reply(503, "")), Verdict::Retry { after: None });
        assert_eq!(classify(&reply(403, "{}")), Verdict::Done);
        assert_eq!(classify(&reply(200, "{}")), Verdict::Done);
    }
}
