//! LinkedIn Ads, through the versioned Marketing API (`/rest`, `LinkedIn-Version: YYYYMM`,
//! Rest.li 2.0): OAuth with a state (refresh tokens exist for apps approved for them, and last 365
//! days from the first consent, refreshing does not extend them), the ad accounts the member can
//! see, and campaign analytics per day.
//!
//! Rest.li 2.0 query parameters keep their syntax (`( ) , :`) literal while the values inside
//! `List(...)` (URNs) are percent-encoded, which no generic query encoder does: queries are built by
//! hand here (`analytics_query` and friends) and appended to the URL as they are.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use chrono::{Datelike, Days, NaiveDate};
use domain::daily::{AdDay, CampaignDay, CampaignStatus, Currency, DayFigures};
use domain::dates::DateRange;
use domain::platform::{Platform, PlatformAccount};
use domain::ports::{AccountChoice, Authorization, ConnectorError, FetchedFigures, PlatformConnector, TokenGrant};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use url::Url;

use crate::config::{ConfigError, base_url, required};
use crate::http::{Call, HttpClient, Reply};
use crate::oauth::{ClientAuth, OAuthApp, OAuthSettings};

/// LinkedIn's consent page (`LINKEDIN_AUTH_URL`).
pub const DEFAULT_AUTH_URL: &str = "https://www.linkedin.com/oauth/v2/authorization";
/// LinkedIn's token endpoint (`LINKEDIN_TOKEN_URL`).
pub const DEFAULT_TOKEN_URL: &str = "https://www.linkedin.com/oauth/v2/accessToken";
/// The versioned Marketing API (`LINKEDIN_API_URL`).
pub const DEFAULT_API_URL: &str = "https://api.linkedin.com/rest";
/// The Marketing API version called (`LINKEDIN_VERSION`, `YYYYMM`), current as of December 2026.
pub const DEFAULT_VERSION: &str = "202609";

/// The permissions asked for: the ad accounts and their campaigns (`r_ads`), and their analytics
/// (`r_ads_reporting`).
pub const SCOPES: [&str; 2] = ["r_ads", "r_ads_reporting"];

/// What [`ConnectorError::Revoked`] says when LinkedIn no longer accepts the grant.
pub const REVOKED_MESSAGE: &str = "LinkedIn no longer accepts this connection (the token was revoked, or the \
                                   refresh token expired: they last 365 days from the first consent); reconnect \
                                   the LinkedIn Ads account";

/// The most pages one listing follows.
const MAX_PAGES: usize = 1000;

/// The longest range one analytics call asks for: LinkedIn caps an answer at 15,000 elements, one
/// per campaign and day, so long ranges are asked for in parts.
const ANALYTICS_CHUNK_DAYS: u64 = 90;

/// The analytics fields asked for.
const ANALYTICS_FIELDS: &str =
    "dateRange,pivotValues,costInLocalCurrency,impressions,clicks,oneClickLeads,externalWebsiteConversions";

/// The LinkedIn app (a LinkedIn developer app with the Advertising API product).
#[derive(Debug, Clone)]
pub struct LinkedInConfig {
    /// The client id (`LINKEDIN_CLIENT_ID`).
    pub client_id: String,
    /// The client secret (`LINKEDIN_CLIENT_SECRET`).
    pub client_secret: SecretString,
    /// The consent page (`LINKEDIN_AUTH_URL`, default [`DEFAULT_AUTH_URL`]).
    pub auth_url: String,
    /// The token endpoint (`LINKEDIN_TOKEN_URL`, default [`DEFAULT_TOKEN_URL`]).
    pub token_url: String,
    /// The Marketing API (`LINKEDIN_API_URL`, default [`DEFAULT_API_URL`]).
    pub api_url: String,
    /// The API version, `YYYYMM` (`LINKEDIN_VERSION`, default [`DEFAULT_VERSION`]).
    pub version: String,
}

impl LinkedInConfig {
    /// The app with these credentials and LinkedIn's own endpoints.
    pub fn new(client_id: impl Into<String>, client_secret: SecretString) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret,
            auth_url: DEFAULT_AUTH_URL.to_owned(),
            token_url: DEFAULT_TOKEN_URL.to_owned(),
            api_url: DEFAULT_API_URL.to_owned(),
            version: DEFAULT_VERSION.to_owned(),
        }
    }
}

/// The LinkedIn Ads connector.
#[derive(Clone)]
pub struct LinkedInConnector {
    oauth: OAuthApp,
    api: String,
    version: String,
    http: HttpClient,
}

impl std::fmt::Debug for LinkedInConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkedInConnector")
            .field("api", &self.api)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl LinkedInConnector {
    /// The connector of `config`, calling LinkedIn through `http`.
    ///
    /// # Errors
    /// [`ConfigError`] naming `LINKEDIN_CLIENT_ID` or `LINKEDIN_CLIENT_SECRET` when blank,
    /// `LINKEDIN_AUTH_URL`, `LINKEDIN_TOKEN_URL` or `LINKEDIN_API_URL` when not a URL, and
    /// `LINKEDIN_VERSION` when not a `YYYYMM` version.
    pub fn new(config: LinkedInConfig, http: HttpClient) -> Result<Self, ConfigError> {
        required("LINKEDIN_CLIENT_SECRET", config.client_secret.expose_secret())?;
        let version = config.version.trim().to_owned();
        if !is_version(&version) {
            return Err(ConfigError::Invalid {
                variable: "LINKEDIN_VERSION",
                reason: format!("{version:?} is not a LinkedIn API version (YYYYMM, such as {DEFAULT_VERSION})"),
            });
        }
        let api = base_url("LINKEDIN_API_URL", &config.api_url)?;
        let oauth = OAuthApp::new(
            OAuthSettings {
                platform: Platform::LinkedinAds,
                client_id: config.client_id,
                client_secret: config.client_secret,
                auth_url: config.auth_url,
                auth_url_variable: "LINKEDIN_AUTH_URL",
                token_url: config.token_url,
                token_url_variable: "LINKEDIN_TOKEN_URL",
                client_id_variable: "LINKEDIN_CLIENT_ID",
                scopes: SCOPES.to_vec(),
                extra_authorize_params: Vec::new(),
                pkce: false,
                client_auth: ClientAuth::RequestBody,
                revoked_message: REVOKED_MESSAGE,
            },
            http.clone(),
        )?;
        Ok(Self { oauth, api, version, http })
    }

    /// GETs `{api}/{path}?{query}` with the token and LinkedIn's headers, the query as it is; a
    /// non-2xx final answer becomes the domain's error.
    async fn get(
        &self,
        operation: &'static str,
        account: Option<&str>,
        path: &str,
        query: &str,
        token: &SecretString,
    ) -> Result<Reply, ConnectorError> {
        let raw =
            if query.is_empty() { format!("{}/{path}", self.api) } else { format!("{}/{path}?{query}", self.api) };
        let url = Url::parse(&raw)
            .map_err(|_| ConnectorError::InvalidResponse(format!("the LinkedIn URL of {path:?} could not be built")))?;
        let request = self
            .http
            .client()
            .get(url)
            .bearer_auth(token.expose_secret())
            .header("LinkedIn-Version", &self.version)
            .header("X-Restli-Protocol-Version", "2.0.0");
        let mut call = Call::new(Platform::LinkedinAds, operation);
        if let Some(account) = account {
            call = call.account(account);
        }
        let reply = self.http.send(&call, request).await?;
        if reply.is_success() { Ok(reply) } else { Err(api_error(&reply, &self.version)) }
    }

    /// Every element of a cursor-paged search (`pageToken` from `metadata.nextPageToken`).
    async fn search<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        account: Option<&str>,
        path: &str,
        query: &str,
        token: &SecretString,
    ) -> Result<Vec<T>, ConnectorError> {
        let mut elements = Vec::new();
        let mut page_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let query = match &page_token {
                Some(t) => format!("{query}&pageToken={}", encode(t)),
                None => query.to_owned(),
            };
            let reply = self.get(operation, account, path, &query, token).await?;
            let page: Elements<T> = read(&reply, operation)?;
            elements.extend(page.elements);
            match page.metadata.and_then(|m| m.next_page_token).filter(|t| !t.is_empty()) {
                Some(next) if page_token.as_deref() != Some(next.as_str()) => page_token = Some(next),
                _ => return Ok(elements),
            }
        }
        Err(ConnectorError::InvalidResponse(format!("LinkedIn's {operation} listing went on past {MAX_PAGES} pages")))
    }

    /// Maps an OAuth refusal that says the grant was revoked or expired to [`ConnectorError::Revoked`]
    /// (LinkedIn answers `invalid_request` for those as well as `invalid_grant`).
    fn grant(result: Result<TokenGrant, ConnectorError>) -> Result<TokenGrant, ConnectorError> {
        match result {
            Err(ConnectorError::Refused(message)) => {
                let lower = message.to_ascii_lowercase();
                if lower.contains("revoked") || lower.contains("expired") {
                    Err(ConnectorError::Revoked(REVOKED_MESSAGE.to_owned()))
                } else {
                    Err(ConnectorError::Refused(message))
                }
            }
            other => other,
        }
    }
}

#[async_trait]
impl PlatformConnector for LinkedInConnector {
    fn platform(&self) -> Platform {
        Platform::LinkedinAds
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
        Self::grant(self.oauth.exchange(code, pkce_verifier.as_ref(), redirect_uri).await)
    }

    /// A new access token; LinkedIn sends the same refresh token back, with what is left of its
    /// 365 days in `refresh_token_expires_in`.
    async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenGrant, ConnectorError> {
        Self::grant(self.oauth.refresh(refresh_token).await)
    }

    async fn accounts(&self, access_token: &SecretString) -> Result<Vec<AccountChoice>, ConnectorError> {
        let accounts: Vec<AccountRow> =
            self.search("adAccounts", None, "adAccounts", &accounts_query(), access_token).await?;
        Ok(accounts
            .into_iter()
            .map(|a| AccountChoice {
                account: PlatformAccount::LinkedinAds { account_id: a.id.to_string() },
                name: a.name,
                currency: a.currency.as_deref().and_then(|c| Currency::parse(c).ok()),
            })
            .collect())
    }

    async fn fetch(
        &self,
        account: &PlatformAccount,
        access_token: &SecretString,
        range: DateRange,
        _windows: &[DateRange],
    ) -> Result<FetchedFigures, ConnectorError> {
        let PlatformAccount::LinkedinAds { account_id } = account else {
            return Err(ConnectorError::Refused(format!("{account:?} is not a LinkedIn ad account")));
        };
        let id = account_id.trim();
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ConnectorError::Refused(format!(
                "{id:?} is not a LinkedIn ad account id (digits); choose the account again"
            )));
        }
        let mut rows: Vec<AnalyticsRow> = Vec::new();
        for part in chunks(range) {
            let reply =
                self.get("adAnalytics", Some(id), "adAnalytics", &analytics_query(id, part), access_token).await?;
            let page: Elements<AnalyticsRow> = read(&reply, "adAnalytics")?;
            rows.extend(page.elements);
        }
        if rows.is_empty() {
            return Ok(FetchedFigures::default());
        }
        let reply = self.get("adAccount", Some(id), &format!("adAccounts/{id}"), "", access_token).await?;
        let found: AccountRow = read(&reply, "adAccount")?;
        let currency =
            found.currency.as_deref().and_then(|c| Currency::parse(c).ok()).ok_or_else(|| {
                ConnectorError::InvalidResponse("LinkedIn sent the ad account without a currency".into())
            })?;
        let campaigns: Vec<CampaignRow> = self
            .search("adCampaigns", Some(id), &format!("adAccounts/{id}/adCampaigns"), &campaigns_query(), access_token)
            .await?;
        let campaigns: HashMap<String, CampaignRow> = campaigns.into_iter().map(|c| (c.id.to_string(), c)).collect();
        Ok(FetchedFigures { days: days_of(rows, currency, &campaigns)?, window_users: Vec::new() })
    }
}

/// Whether `raw` is a `YYYYMM` version from 2020 on.
fn is_version(raw: &str) -> bool {
    raw.len() == 6
        && raw.bytes().all(|b| b.is_ascii_digit())
        && raw[..4].parse::<u32>().is_ok_and(|y| y >= 2020)
        && raw[4..].parse::<u32>().is_ok_and(|m| (1..=12).contains(&m))
}

/// Percent-encodes everything but RFC 3986's unreserved characters: a value inside a Rest.li 2.0
/// query (a URN in `List(...)`, a page token).
pub(crate) fn encode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xF)]));
        }
    }
    out
}

/// A Rest.li date: `(year:2026,month:10,day:1)`.
fn restli_date(day: NaiveDate) -> String {
    format!("(year:{},month:{},day:{})", day.year(), day.month(), day.day())
}

/// The active ad accounts' search.
fn accounts_query() -> String {
    "q=search&search=(status:(values:List(ACTIVE)))&pageSize=100".to_owned()
}

/// The account's campaigns, of every status.
fn campaigns_query() -> String {
    "q=search&pageSize=100".to_owned()
}

/// The daily campaign analytics of `account` over `range` (both days included).
pub(crate) fn analytics_query(account: &str, range: DateRange) -> String {
    format!(
        "q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY&dateRange=(start:{},end:{})&accounts=List({})&fields={}",
        restli_date(range.start()),
        restli_date(range.end()),
        encode(&format!("urn:li:sponsoredAccount:{account}")),
        ANALYTICS_FIELDS,
    )
}

/// `range` in consecutive parts of at most [`ANALYTICS_CHUNK_DAYS`] days.
fn chunks(range: DateRange) -> Vec<DateRange> {
    let mut parts = Vec::new();
    let mut start = range.start();
    while start <= range.end() {
        let end =
            start.checked_add_days(Days::new(ANALYTICS_CHUNK_DAYS - 1)).map_or(range.end(), |e| e.min(range.end()));
        parts.push(DateRange::new(start, end).unwrap_or(DateRange::day(start)));
        match end.succ_opt() {
            Some(next) => start = next,
            None => break,
        }
    }
    parts
}

/// Groups analytics rows into days, one campaign row each, named from the account's campaigns.
fn days_of(
    rows: Vec<AnalyticsRow>,
    currency: Currency,
    campaigns: &HashMap<String, CampaignRow>,
) -> Result<Vec<(NaiveDate, DayFigures)>, ConnectorError> {
    let mut by_day: BTreeMap<NaiveDate, Vec<CampaignDay>> = BTreeMap::new();
    for row in rows {
        let date = row
            .date_range
            .and_then(|r| NaiveDate::from_ymd_opt(r.start.year, r.start.month, r.start.day))
            .ok_or_else(|| ConnectorError::InvalidResponse("LinkedIn sent an analytics row without its day".into()))?;
        let campaign_id = row
            .pivot_values
            .iter()
            .find_map(|v| v.strip_prefix("urn:li:sponsoredCampaign:"))
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                ConnectorError::InvalidResponse("LinkedIn sent an analytics row without its campaign".into())
            })?
            .to_owned();
        let campaign = campaigns.get(&campaign_id);
        by_day.entry(date).or_default().push(CampaignDay {
            name: campaign.map_or_else(|| format!("Campaign {campaign_id}"), |c| c.name.clone()),
            status: campaign.map_or(CampaignStatus::Ended, |c| campaign_status(&c.status)),
            campaign_id,
            spend: row.cost,
            impressions: row.impressions,
            clicks: row.clicks,
            #[allow(clippy::cast_precision_loss)] // counts stay far below 2^52
            conversions: Some(row.external_website_conversions as f64),
            conversion_value: None,
            leads: Some(row.one_click_leads),
        });
    }
    Ok(by_day.into_iter().map(|(date, campaigns)| (date, DayFigures::Ads(AdDay { currency, campaigns }))).collect())
}

/// A campaign's `status` in the domain's terms.
fn campaign_status(raw: &str) -> CampaignStatus {
    match raw {
        "ACTIVE" => CampaignStatus::Active,
        "PAUSED" | "DRAFT" | "PENDING_DELETION" => CampaignStatus::Paused,
        // ARCHIVED, COMPLETED, CANCELED, REMOVED, ...
        _ => CampaignStatus::Ended,
    }
}

/// A final non-2xx answer as the domain's error; `version` is the API version called.
fn api_error(reply: &Reply, version: &str) -> ConnectorError {
    let error = serde_json::from_slice::<ApiError>(&reply.body).ok();
    let message = error.as_ref().map(ApiError::shown).unwrap_or_default();
    let code = error.as_ref().map(|e| e.code.as_str()).unwrap_or_default();
    match reply.status {
        StatusCode::UNAUTHORIZED => {
            if error.as_ref().and_then(|e| e.service_error_code) == Some(65_601) || code == "REVOKED_ACCESS_TOKEN" {
                ConnectorError::Revoked(REVOKED_MESSAGE.to_owned())
            } else {
                // 65602 (expired), 65600 (invalid): a refresh may mend it.
                ConnectorError::Unauthorized
            }
        }
        StatusCode::UPGRADE_REQUIRED => version_retired(version),
        _ if code.contains("VERSION") => version_retired(version),
        StatusCode::TOO_MANY_REQUESTS => ConnectorError::RateLimited { retry_after: reply.retry_after },
        StatusCode::FORBIDDEN => ConnectorError::Refused(format!(
            "LinkedIn refused the call{message}; the member needs a role on the ad account, and the app the r_ads and \
             r_ads_reporting permissions"
        )),
        status if status.is_server_error() => {
            ConnectorError::Unavailable(format!("LinkedIn answered {status}{message}"))
        }
        status if error.is_some() => ConnectorError::Refused(format!("LinkedIn refused the call ({status}){message}")),
        status => {
            ConnectorError::InvalidResponse(format!("LinkedIn answered {status} with a body that is no API error"))
        }
    }
}

fn version_retired(version: &str) -> ConnectorError {
    ConnectorError::VersionRetired(format!(
        "LinkedIn retired API version {version}; set LINKEDIN_VERSION to a current version (YYYYMM)"
    ))
}

/// Reads an answer of type `T`, the error described by its place.
fn read<T: DeserializeOwned>(reply: &Reply, operation: &str) -> Result<T, ConnectorError> {
    serde_json::from_slice(&reply.body).map_err(|e| {
        ConnectorError::InvalidResponse(format!(
            "LinkedIn's {operation} answer could not be read (line {}, column {}: {})",
            e.line(),
            e.column(),
            match e.classify() {
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => "not JSON",
                _ => "unexpected fields",
            }
        ))
    })
}

/// A Rest.li error body: `{"status", "serviceErrorCode", "code", "message"}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiError {
    #[serde(default)]
    service_error_code: Option<u64>,
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

impl ApiError {
    /// `": message"` for an error message, or nothing.
    fn shown(&self) -> String {
        if self.message.is_empty() { String::new() } else { format!(": {}", self.message) }
    }
}

/// A collection answer: `elements` and, for cursor paging, `metadata.nextPageToken`.
#[derive(Deserialize)]
struct Elements<T> {
    elements: Vec<T>,
    #[serde(default)]
    metadata: Option<Metadata>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    #[serde(default)]
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
struct AccountRow {
    #[serde(deserialize_with = "id")]
    id: u64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    currency: Option<String>,
}

#[derive(Deserialize)]
struct CampaignRow {
    #[serde(deserialize_with = "id")]
    id: u64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    status: String,
}

/// One campaign's figures on one day.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AnalyticsRow {
    #[serde(default)]
    date_range: Option<RestliRange>,
    #[serde(default)]
    pivot_values: Vec<String>,
    #[serde(default, rename = "costInLocalCurrency", deserialize_with = "decimal")]
    cost: f64,
    #[serde(default)]
    impressions: u64,
    #[serde(default)]
    clicks: u64,
    #[serde(default)]
    one_click_leads: u64,
    #[serde(default)]
    external_website_conversions: u64,
}

#[derive(Deserialize)]
struct RestliRange {
    start: RestliDate,
}

#[derive(Deserialize)]
struct RestliDate {
    year: i32,
    month: u32,
    day: u32,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Raw {
    Int(u64),
    Float(f64),
    Text(String),
}

/// An id LinkedIn sends as a number (or, leniently, a string of digits).
fn id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    match Raw::deserialize(deserializer)? {
        Raw::Int(n) => Ok(n),
        Raw::Text(s) if s.bytes().all(|b| b.is_ascii_digit()) => s.parse().map_err(serde::de::Error::custom),
        _ => Err(serde::de::Error::custom("not a numeric id")),
    }
}

/// A decimal LinkedIn sends as a string (`"4312.8765432100000000"`), or a number; absent is zero.
fn decimal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    #[allow(clippy::cast_precision_loss)] // amounts stay far below 2^52
    let value = match Option::<Raw>::deserialize(deserializer)? {
        None => return Ok(0.0),
        Some(Raw::Int(n)) => n as f64,
        Some(Raw::Float(f)) => f,
        Some(Raw::Text(s)) => s.trim().parse().map_err(serde::de::Error::custom)?,
    };
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(serde::de::Error::custom("not a non-negative decimal"))
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderMap;

    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec(),
            retry_after: None,
        }
    }

    #[test]
    fn the_analytics_query_is_restli_2() {
        let range = DateRange::new(day(2026, 10, 1), day(2026, 10, 31)).unwrap();
        assert_eq!(
            analytics_query("508765432", range),
            "q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY\
             &dateRange=(start:(year:2026,month:10,day:1),end:(year:2026,month:10,day:31))\
             &accounts=List(urn%3Ali%3AsponsoredAccount%3A508765432)\
             &fields=dateRange,pivotValues,costInLocalCurrency,impressions,clicks,oneClickLeads,externalWebsiteConversions"
        );
        assert_eq!(accounts_query(), "q=search&search=(status:(values:List(ACTIVE)))&pageSize=100");
    }

    #[test]
    fn the_url_parser_keeps_the_restli_query_as_it_is() {
        let range = DateRange::new(day(2026, 10, 1), day(2026, 10, 2)).unwrap();
        let query = analytics_query("1", range);
        let url = Url::parse(&format!("https://api.linkedin.com/rest/adAnalytics?{query}")).unwrap();
        assert_eq!(url.query(), Some(query.as_str()));
    }

    #[test]
    fn values_are_percent_encoded() {
        assert_eq!(encode("urn:li:sponsoredAccount:1"), "urn%3Ali%3AsponsoredAccount%3A1");
        assert_eq!(encode("Dg_r-1.x~"), "Dg_r-1.x~");
        assert_eq!(encode("a+b/c=&é"), "a%2Bb%2Fc%3D%26%C3%A9");
    }

    #[test]
    fn long_ranges_are_asked_for_in_parts() {
        let range = DateRange::new(day(2026, 1, 1), day(2026, 12, 31)).unwrap();
        let parts = chunks(range);
        assert_eq!(parts.len(), 5);
        assert_eq!(parts[0], DateRange::new(day(2026, 1, 1), day(2026, 3, 31)).unwrap());
        assert_eq!(parts[4].end(), day(2026, 12, 31));
        assert!(parts.windows(2).all(|w| w[0].end().succ_opt() == Some(w[1].start())));
        assert_eq!(chunks(DateRange::day(day(2026, 5, 5))), vec![DateRange::day(day(2026, 5, 5))]);
    }

    #[test]
    fn versions_are_yyyymm() {
        assert!(is_version("202609") && is_version("202401"));
        for bad in ["2026-09", "20269", "202613", "202600", "201912", "v202609", ""] {
            assert!(!is_version(bad), "{bad}");
        }
    }

    #[test]
    fn a_row_reads_a_decimal_string_cost() {
        let row: AnalyticsRow = serde_json::from_str(
            r#"{"costInLocalCurrency":"4312.8765432100000000","impressions":148230,"clicks":1206,"oneClickLeads":74,
                "externalWebsiteConversions":19,"pivotValues":["urn:li:sponsoredCampaign:612345001"],
                "dateRange":{"start":{"year":2026,"month":10,"day":1},"end":{"year":2026,"month":10,"day":1}}}"#,
        )
        .unwrap();
        assert!((row.cost - 4_312.876_543_21).abs() < 1e-9);
        assert_eq!((row.impressions, row.one_click_leads), (148_230, 74));
    }

    #[test]
    fn api_errors_map_to_the_domain() {
        let map = |status: u16, body: &str| api_error(&reply(status, body), "202609");
        let expired = r#"{"status":401,"serviceErrorCode":65602,"code":"EXPIRED_ACCESS_TOKEN","message":"expired"}"#;
        assert!(matches!(map(401, expired), ConnectorError::Unauthorized));
        let revoked = r#"{"status":401,"serviceErrorCode":65601,"code":"REVOKED_ACCESS_TOKEN","message":"revoked"}"#;
        assert!(matches!(map(401, revoked), ConnectorError::Revoked(_)));
        let retired = map(
            426,
            r#"{"status":426,"code":"NONEXISTENT_VERSION","message":"Requested version 202609 is not active"}"#,
        );
        assert!(
            matches!(&retired, ConnectorError::VersionRetired(m) if m.contains("LINKEDIN_VERSION") && m.contains("202609"))
        );
        assert!(matches!(map(429, r#"{"status":429,"code":"TOO_MANY_REQUESTS"}"#), ConnectorError::RateLimited { .. }));
        assert!(matches!(map(403, r#"{"status":403,"message":"Not enough permissions"}"#), ConnectorError::Refused(_)));
        assert!(matches!(map(503, "<html>"), ConnectorError::Unavailable(_)));
        assert!(matches!(map(404, "<html>"), ConnectorError::InvalidResponse(_)));
        assert!(matches!(map(400, r#"{"status":400,"message":"bad field"}"#), ConnectorError::Refused(_)));
    }

    #[test]
    fn rows_become_days_with_campaign_names() {
        let row = |d: u32, id: &str| AnalyticsRow {
            date_range: Some(RestliRange { start: RestliDate { year: 2026, month: 10, day: d } }),
            pivot_values: vec![format!("urn:li:sponsoredCampaign:{id}")],
            cost: 1.5,
            impressions: 10,
            clicks: 2,
            one_click_leads: 1,
            external_website_conversions: 0,
        };
        let campaigns =
            HashMap::from([("7".to_owned(), CampaignRow { id: 7, name: "Seven".into(), status: "PAUSED".into() })]);
        let days = days_of(vec![row(2, "7"), row(1, "8"), row(2, "8")], Currency::USD, &campaigns).unwrap();
        assert_eq!(days.iter().map(|(d, _)| d.day()).collect::<Vec<_>>(), [1, 2]);
        let DayFigures::Ads(second) = &days[1].1 else { panic!() };
        assert_eq!((second.campaigns[0].name.as_str(), second.campaigns[0].status), ("Seven", CampaignStatus::Paused));
        assert_eq!(
            (second.campaigns[1].name.as_str(), second.campaigns[1].status),
            ("Campaign 8", CampaignStatus::Ended)
        );
        assert_eq!(second.campaigns[1].leads, Some(1));
        let mut bad = row(1, "7");
        bad.pivot_values = vec!["urn:li:sponsoredCreative:1".into()];
        assert!(matches!(days_of(vec![bad], Currency::USD, &campaigns), Err(ConnectorError::InvalidResponse(_))));
    }
}
