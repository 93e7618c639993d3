//! Google Ads: the customers a Google account can reach (`customers:listAccessibleCustomers`, then
//! each one's name and currency) and a customer's daily campaign figures (`googleAds:searchStream`
//! with GAQL).
//!
//! `searchStream` answers a JSON array of batches, each with `results` (absent when there are
//! none); int64 values come as strings and cost in micros. Every request carries the bearer token,
//! `login-customer-id` when one is configured (the manager account the user signs in through) and
//! `developer-token` only when one is configured.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::NaiveDate;
use domain::daily::{AdDay, CampaignDay, CampaignStatus, Currency, DayFigures};
use domain::dates::DateRange;
use domain::platform::{Platform, PlatformAccount};
use domain::ports::{AccountChoice, Authorization, ConnectorError, FetchedFigures, PlatformConnector, TokenGrant};
use futures::StreamExt;
use reqwest::header::HeaderValue;
use reqwest::{RequestBuilder, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::{
    ADS_SCOPE, DEFAULT_ADS_API_URL, DEFAULT_ADS_API_VERSION, GoogleAppConfig, GoogleStatus, double, int64,
    is_numeric_id, proto_duration,
};
use crate::config::{ConfigError, base_url};
use crate::http::{Call, HttpClient, Reply, Verdict, classify_status};
use crate::oauth::OAuthApp;

/// How many customers' names are asked for at once when listing accounts.
const NAME_LOOKUPS_AT_ONCE: usize = 4;

/// The settings of the Google Ads connector.
#[derive(Debug, Clone)]
pub struct GoogleAdsConfig {
    /// The Google OAuth app.
    pub app: GoogleAppConfig,
    /// The API, without its version (`GOOGLE_ADS_API_URL`, default [`DEFAULT_ADS_API_URL`]).
    pub api_url: String,
    /// The API version called, like `v26` (`GOOGLE_ADS_API_VERSION`, default
    /// [`DEFAULT_ADS_API_VERSION`]).
    pub api_version: String,
    /// The developer token (`GOOGLE_ADS_DEVELOPER_TOKEN`), sent only when set.
    pub developer_token: Option<SecretString>,
    /// The manager account users sign in through (`GOOGLE_ADS_LOGIN_CUSTOMER_ID`, 10 digits,
    /// dashes allowed), sent as `login-customer-id` when set.
    pub login_customer_id: Option<String>,
}

impl GoogleAdsConfig {
    /// The settings of `app` with Google's endpoint, the default version, no developer token and no
    /// manager account.
    pub fn new(app: GoogleAppConfig) -> Self {
        Self {
            app,
            api_url: DEFAULT_ADS_API_URL.to_owned(),
            api_version: DEFAULT_ADS_API_VERSION.to_owned(),
            developer_token: None,
            login_customer_id: None,
        }
    }
}

/// The Google Ads connector.
#[derive(Debug, Clone)]
pub struct GoogleAdsConnector {
    oauth: OAuthApp,
    http: HttpClient,
    /// The API with its version: `https://googleads.googleapis.com/v26`.
    api: String,
    version: String,
    developer_token: Option<HeaderValue>,
    login_customer_id: Option<String>,
}

impl GoogleAdsConnector {
    /// A connector with `config`, calling through `http`.
    ///
    /// # Errors
    /// [`ConfigError`] naming the variable when the URL, the version, the developer token or the
    /// login customer id is invalid, or the client id is blank.
    pub fn new(config: GoogleAdsConfig, http: HttpClient) -> Result<Self, ConfigError> {
        let GoogleAdsConfig { app, api_url, api_version, developer_token, login_customer_id } = config;
        let api_url = base_url("GOOGLE_ADS_API_URL", &api_url)?;
        let version = api_version.trim().to_owned();
        let digits = version.strip_prefix('v').unwrap_or_default();
        if !is_numeric_id(digits) {
            return Err(ConfigError::Invalid {
                variable: "GOOGLE_ADS_API_VERSION",
                reason: format!("{version:?} is not a version like {DEFAULT_ADS_API_VERSION}"),
            });
        }
        let developer_token = match developer_token.as_ref().map(|t| t.expose_secret().trim()) {
            None | Some("") => None,
            Some(token) => {
                let mut value = HeaderValue::from_str(token).map_err(|_| ConfigError::Invalid {
                    variable: "GOOGLE_ADS_DEVELOPER_TOKEN",
                    reason: "must be printable ASCII".into(),
                })?;
                value.set_sensitive(true);
                Some(value)
            }
        };
        let login_customer_id = match login_customer_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => {
                let id = raw.replace('-', "");
                if id.len() != 10 || !is_numeric_id(&id) {
                    return Err(ConfigError::Invalid {
                        variable: "GOOGLE_ADS_LOGIN_CUSTOMER_ID",
                        reason: "must be a 10-digit customer id (dashes allowed)".into(),
                    });
                }
                Some(id)
            }
        };
        let oauth = app.oauth_app(Platform::GoogleAds, ADS_SCOPE, &http)?;
        Ok(Self { oauth, http, api: format!("{api_url}/{version}"), version, developer_token, login_customer_id })
    }

    /// `request` with the bearer token, the developer token when configured and, when `login` is
    /// given, `login-customer-id`.
    fn authorized(&self, request: RequestBuilder, token: &SecretString, login: Option<&str>) -> RequestBuilder {
        let mut request = request.bearer_auth(token.expose_secret());
        if let Some(developer_token) = &self.developer_token {
            request = request.header("developer-token", developer_token.clone());
        }
        if let Some(login) = login {
            request = request.header("login-customer-id", login);
        }
        request
    }

    /// Runs `query` on `customer` and returns every batch's results.
    async fn search<T: DeserializeOwned>(
        &self,
        customer: &str,
        token: &SecretString,
        query: &str,
        login: Option<&str>,
    ) -> Result<Vec<T>, ConnectorError> {
        let url = format!("{}/customers/{customer}/googleAds:searchStream", self.api);
        let request = self.authorized(self.http.client().post(url), token, login).json(&json!({ "query": query }));
        let call = Call::new(Platform::GoogleAds, "searchStream").account(customer).classify(classify);
        let reply = self.http.send(&call, request).await?;
        if !reply.is_success() {
            return Err(self.failure(&reply, Some(customer)));
        }
        let batches: Vec<Batch<T>> = reply.json()?;
        let mut results = Vec::new();
        for batch in batches {
            // A stream that fails after it started answers 200 with the error as its last batch.
            if let Some(error) = batch.error {
                let status = StatusCode::from_u16(error.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                return Err(self.failure_of(status, Some(&error), retry_delay(&error), Some(customer)));
            }
            results.extend(batch.results);
        }
        Ok(results)
    }

    async fn list_accounts(&self, token: &SecretString) -> Result<Vec<AccountChoice>, ConnectorError> {
        let url = format!("{}/customers:listAccessibleCustomers", self.api);
        let request = self.authorized(self.http.client().get(url), token, None);
        let call = Call::new(Platform::GoogleAds, "listAccessibleCustomers").classify(classify);
        let reply = self.http.send(&call, request).await?;
        if !reply.is_success() {
            return Err(self.failure(&reply, None));
        }
        let accessible: Accessible = reply.json()?;
        let ids: Vec<String> = accessible
            .resource_names
            .iter()
            .filter_map(|name| name.strip_prefix("customers/"))
            .filter(|id| is_numeric_id(id))
            .map(str::to_owned)
            .collect();
        let described: Vec<(String, Option<CustomerFields>)> = futures::stream::iter(ids)
            .map(|id| async move {
                let query = "SELECT customer.id, customer.descriptive_name, customer.currency_code, customer.manager \
                             FROM customer LIMIT 1";
                // Reached directly: no manager account in between.
                match self.search::<CustomerRow>(&id, token, query, None).await {
                    Ok(rows) => {
                        let fields = rows.into_iter().next().map(|r| r.customer);
                        (id, fields)
                    }
                    Err(e) => {
                        tracing::warn!(customer = %id, "Google Ads customer's name could not be read: {e}");
                        (id, None)
                    }
                }
            })
            .buffered(NAME_LOOKUPS_AT_ONCE)
            .collect()
            .await;
        let mut choices: Vec<AccountChoice> = described
            .into_iter()
            // A manager account has no campaigns of its own to report.
            .filter(|(_, fields)| !fields.as_ref().is_some_and(|f| f.manager))
            .map(|(id, fields)| choice(id, fields.as_ref()))
            .collect();
        if let Some(manager) = &self.login_customer_id {
            for client in self.managed_clients(manager, token).await {
                if !choices.iter().any(|c| c.account.account_id() == client.account.account_id()) {
                    choices.push(client);
                }
            }
        }
        Ok(choices)
    }

    /// The enabled client accounts under the configured manager account, which its users reach
    /// through it; none when they cannot be read.
    async fn managed_clients(&self, manager: &str, token: &SecretString) -> Vec<AccountChoice> {
        let query = "SELECT customer_client.id, customer_client.descriptive_name, customer_client.currency_code, \
                     customer_client.manager FROM customer_client WHERE customer_client.manager = false \
                     AND customer_client.status = 'ENABLED'";
        match self.search::<ClientRow>(manager, token, query, Some(manager)).await {
            Ok(rows) => rows
                .into_iter()
                .map(|r| r.customer_client)
                .filter(|c| !c.manager && c.id > 0)
                .map(|c| choice(c.id.to_string(), Some(&c)))
                .collect(),
            Err(e) => {
                tracing::warn!(manager, "the client accounts of GOOGLE_ADS_LOGIN_CUSTOMER_ID could not be read: {e}");
                Vec::new()
            }
        }
    }

    async fn campaign_days(
        &self,
        customer: &str,
        token: &SecretString,
        range: DateRange,
    ) -> Result<Vec<(NaiveDate, DayFigures)>, ConnectorError> {
        let query = format!(
            "SELECT customer.currency_code, campaign.id, campaign.name, campaign.status, segments.date, \
             metrics.cost_micros, metrics.clicks, metrics.impressions, metrics.conversions, \
             metrics.conversions_value FROM campaign WHERE segments.date BETWEEN '{}' AND '{}' \
             ORDER BY segments.date, campaign.id",
            range.start().format("%Y-%m-%d"),
            range.end().format("%Y-%m-%d"),
        );
        let login = self.login_customer_id.as_deref();
        let rows: Vec<CampaignRow> = self.search(customer, token, &query, login).await?;
        let Some(first) = rows.first() else { return Ok(Vec::new()) };
        let currency = if let Some(code) = first.customer.currency_code.as_deref() {
            parse_currency(code)?
        } else {
            let query = "SELECT customer.currency_code FROM customer LIMIT 1";
            let rows: Vec<CustomerRow> = self.search(customer, token, query, login).await?;
            let code = rows.into_iter().find_map(|r| r.customer.currency_code).ok_or_else(|| {
                ConnectorError::InvalidResponse(format!("Google Ads gave no currency for customer {customer}"))
            })?;
            parse_currency(&code)?
        };
        let mut days: BTreeMap<NaiveDate, Vec<CampaignDay>> = BTreeMap::new();
        for row in rows {
            let date = NaiveDate::parse_from_str(&row.segments.date, "%Y-%m-%d").map_err(|_| {
                ConnectorError::InvalidResponse(format!("Google Ads answered {:?} for a date", row.segments.date))
            })?;
            if !range.contains(date) {
                continue;
            }
            days.entry(date).or_default().push(campaign_day(row));
        }
        Ok(days.into_iter().map(|(date, campaigns)| (date, DayFigures::Ads(AdDay { currency, campaigns }))).collect())
    }

    fn failure(&self, reply: &Reply, customer: Option<&str>) -> ConnectorError {
        let status = GoogleStatus::of(reply);
        let hint = status.as_ref().and_then(retry_delay).or(reply.retry_after);
        self.failure_of(reply.status, status.as_ref(), hint, customer)
    }

    /// Maps a Google Ads error to the domain's error.
    fn failure_of(
        &self,
        http: StatusCode,
        status: Option<&GoogleStatus>,
        retry_after: Option<std::time::Duration>,
        customer: Option<&str>,
    ) -> ConnectorError {
        let default = GoogleStatus::default();
        let google = status.unwrap_or(&default);
        let errors = ads_errors(google);
        let has = |kind: &str, code: &str| errors.iter().any(|e| e.kind == kind && e.code == code);
        let has_kind = |kind: &str| errors.iter().find(|e| e.kind == kind);
        let message = errors.first().map_or_else(|| google.short_message(), |e| e.message.clone());
        let who = customer.map_or_else(|| "the Google Ads accounts".to_owned(), |c| format!("Google Ads customer {c}"));
        if http == StatusCode::NOT_FOUND || http == StatusCode::NOT_IMPLEMENTED || google.status == "UNIMPLEMENTED" {
            return ConnectorError::VersionRetired(format!(
                "the Google Ads API does not answer version {} (it may be retired); set GOOGLE_ADS_API_VERSION to \
                 a current version",
                self.version
            ));
        }
        if http == StatusCode::UNAUTHORIZED || google.status == "UNAUTHENTICATED" {
            if has("authenticationError", "NOT_ADS_USER") {
                return ConnectorError::Refused(
                    "the Google account has no Google Ads access; reconnect with an account that uses Google Ads"
                        .into(),
                );
            }
            return ConnectorError::Unauthorized;
        }
        if http == StatusCode::TOO_MANY_REQUESTS || google.status == "RESOURCE_EXHAUSTED" {
            return ConnectorError::RateLimited { retry_after };
        }
        if http == StatusCode::FORBIDDEN || google.status == "PERMISSION_DENIED" {
            let refused = if google.is_service_disabled() {
                "the Google Ads API is not enabled in the Google Cloud project of this server's OAuth client; \
                 enable it in the Google Cloud console"
                    .to_owned()
            } else if has("authorizationError", "USER_PERMISSION_DENIED") {
                format!(
                    "the Google account cannot read {who}; grant it access in Google Ads, or set \
                     GOOGLE_ADS_LOGIN_CUSTOMER_ID to the manager account it signs in through"
                )
            } else if has("authorizationError", "CUSTOMER_NOT_ENABLED") {
                format!("{who} is not enabled (it may be cancelled or suspended); choose another account")
            } else if let Some(e) = errors.iter().find(|e| e.code.starts_with("DEVELOPER_TOKEN")) {
                format!("Google Ads refused the developer token ({}); check GOOGLE_ADS_DEVELOPER_TOKEN", e.code)
            } else if google.is_scope_insufficient() {
                "the connection was not granted access to Google Ads; reconnect Google Ads and allow it".to_owned()
            } else {
                format!("Google Ads refused access to {who}: {message}")
            };
            return ConnectorError::Refused(refused);
        }
        if http.is_server_error() {
            return ConnectorError::Unavailable(format!("the Google Ads API answered {http}"));
        }
        if http == StatusCode::BAD_REQUEST || has_kind("queryError").is_some() {
            return ConnectorError::Refused(format!("Google Ads rejected the request for {who}: {message}"));
        }
        ConnectorError::InvalidResponse(format!("the Google Ads API answered {http} unexpectedly"))
    }
}

#[async_trait]
impl PlatformConnector for GoogleAdsConnector {
    fn platform(&self) -> Platform {
        Platform::GoogleAds
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
        _windows: &[DateRange],
    ) -> Result<FetchedFigures, ConnectorError> {
        let PlatformAccount::GoogleAds { customer_id } = account else {
            return Err(ConnectorError::Refused(format!(
                "a {} account cannot be read from Google Ads",
                account.platform().display_name()
            )));
        };
        let customer = customer_id.replace('-', "");
        if !is_numeric_id(&customer) {
            return Err(ConnectorError::Refused(format!(
                "the Google Ads customer id {customer_id:?} is not a number; choose the account again"
            )));
        }
        let days = self.campaign_days(&customer, access_token, range).await?;
        Ok(FetchedFigures { days, window_users: Vec::new() })
    }
}

fn choice(id: String, fields: Option<&CustomerFields>) -> AccountChoice {
    let name =
        fields.map(|f| f.descriptive_name.trim()).filter(|n| !n.is_empty()).map_or_else(|| dashed(&id), str::to_owned);
    let currency = fields.and_then(|f| f.currency_code.as_deref()).and_then(|c| Currency::parse(c).ok());
    AccountChoice { account: PlatformAccount::GoogleAds { customer_id: id }, name, currency }
}

/// A customer id as Google Ads shows it: `123-456-7890`.
fn dashed(id: &str) -> String {
    if id.len() == 10 && id.is_ascii() { format!("{}-{}-{}", &id[..3], &id[3..6], &id[6..]) } else { id.to_owned() }
}

fn parse_currency(code: &str) -> Result<Currency, ConnectorError> {
    Currency::parse(code)
        .map_err(|_| ConnectorError::InvalidResponse(format!("Google Ads answered {code:?} for a currency")))
}

fn campaign_day(row: CampaignRow) -> CampaignDay {
    let status = match row.campaign.status.as_str() {
        "ENABLED" => CampaignStatus::Active,
        "REMOVED" => CampaignStatus::Ended,
        // PAUSED, and any status this version does not know: not known to be serving.
        _ => CampaignStatus::Paused,
    };
    #[allow(clippy::cast_precision_loss)] // micros stay far below 2^52 for any real spend
    let spend = row.metrics.cost_micros as f64 / 1_000_000.0;
    CampaignDay {
        campaign_id: row.campaign.id.to_string(),
        name: row.campaign.name,
        status,
        spend,
        impressions: row.metrics.impressions,
        clicks: row.metrics.clicks,
        conversions: Some(row.metrics.conversions),
        conversion_value: Some(row.metrics.conversions_value),
        leads: None,
    }
}

/// Reads a Google Ads answer for retrying: a quota error is transient, after its `retryDelay`;
/// `UNIMPLEMENTED` (a retired version) is final; 429 and other 5xx as usual.
fn classify(reply: &Reply) -> Verdict {
    if reply.is_success() || reply.status == StatusCode::NOT_IMPLEMENTED {
        return Verdict::Done;
    }
    let status = GoogleStatus::of(reply);
    let exhausted = status.as_ref().is_some_and(|s| s.status == "RESOURCE_EXHAUSTED");
    if reply.status == StatusCode::TOO_MANY_REQUESTS || exhausted {
        return Verdict::Retry { after: status.as_ref().and_then(retry_delay) };
    }
    classify_status(reply)
}

/// The `quotaErrorDetails.retryDelay` of a Google Ads quota error.
fn retry_delay(status: &GoogleStatus) -> Option<std::time::Duration> {
    status
        .details
        .iter()
        .filter_map(|d| d.get("errors")?.as_array())
        .flatten()
        .find_map(|e| e.pointer("/details/quotaErrorDetails/retryDelay")?.as_str().and_then(proto_duration))
}

/// One error of a `GoogleAdsFailure`: its kind (`authorizationError`), code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AdsError {
    kind: String,
    code: String,
    message: String,
}

fn ads_errors(status: &GoogleStatus) -> Vec<AdsError> {
    status
        .details
        .iter()
        .filter_map(|d| d.get("errors")?.as_array())
        .flatten()
        .map(|e| {
            let (kind, code) = e
                .get("errorCode")
                .and_then(serde_json::Value::as_object)
                .and_then(|o| o.iter().next())
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .unwrap_or_default();
            let message = e.get("message").and_then(serde_json::Value::as_str).unwrap_or_default().to_owned();
            AdsError { kind, code, message }
        })
        .collect()
}

/// A `searchStream` batch; a stream that fails midway ends with an error.
#[derive(Debug, Deserialize)]
struct Batch<T> {
    #[serde(default = "Vec::new")]
    results: Vec<T>,
    #[serde(default)]
    error: Option<GoogleStatus>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Accessible {
    #[serde(default)]
    resource_names: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct CustomerRow {
    #[serde(default)]
    customer: CustomerFields,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClientRow {
    #[serde(default)]
    customer_client: CustomerFields,
}

/// A customer's (or a manager's client's) name and currency.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CustomerFields {
    #[serde(default, deserialize_with = "int64")]
    id: u64,
    #[serde(default)]
    descriptive_name: String,
    #[serde(default)]
    currency_code: Option<String>,
    #[serde(default)]
    manager: bool,
}

#[derive(Debug, Deserialize)]
struct CampaignRow {
    #[serde(default)]
    customer: CustomerFields,
    campaign: CampaignFields,
    segments: Segments,
    #[serde(default)]
    metrics: Metrics,
}

#[derive(Debug, Deserialize)]
struct CampaignFields {
    #[serde(deserialize_with = "int64")]
    id: u64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    status: String,
}

#[derive(Debug, Deserialize)]
struct Segments {
    date: String,
}

/// A row's metrics; Google Ads may leave out those that are zero.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metrics {
    #[serde(default, deserialize_with = "int64")]
    cost_micros: u64,
    #[serde(default, deserialize_with = "int64")]
    clicks: u64,
    #[serde(default, deserialize_with = "int64")]
    impressions: u64,
    #[serde(default, deserialize_with = "double")]
    conversions: f64,
    #[serde(default, deserialize_with = "double")]
    conversions_value: f64,
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use reqwest::header::HeaderMap;

    use super::*;
    use crate::HttpSettings;

    fn connector(version: &str) -> GoogleAdsConnector {
        let mut config = GoogleAdsConfig::new(GoogleAppConfig::new("id", SecretString::from("secret")));
        config.api_version = version.into();
        GoogleAdsConnector::new(config, HttpClient::new(&HttpSettings::default()).unwrap()).unwrap()
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
    fn the_configuration_is_checked() {
        let http = HttpClient::new(&HttpSettings::default()).unwrap();
        let app = GoogleAppConfig::new("id", SecretString::from("secret"));
        let with = |f: fn(&mut GoogleAdsConfig)| {
            let mut config = GoogleAdsConfig::new(app.clone());
            f(&mut config);
            GoogleAdsConnector::new(config, http.clone())
        };
        let variable = |r: Result<GoogleAdsConnector, ConfigError>| match r.unwrap_err() {
            ConfigError::Invalid { variable, .. } | ConfigError::InvalidUrl { variable, .. } => variable,
            ConfigError::HttpClient(_) => "",
        };
        assert_eq!(variable(with(|c| c.api_version = "26".into())), "GOOGLE_ADS_API_VERSION");
        assert_eq!(variable(with(|c| c.api_version = "v".into())), "GOOGLE_ADS_API_VERSION");
        assert_eq!(variable(with(|c| c.api_url = "googleads".into())), "GOOGLE_ADS_API_URL");
        assert_eq!(
            variable(with(|c| c.login_customer_id = Some("987-654-321".into()))),
            "GOOGLE_ADS_LOGIN_CUSTOMER_ID"
        );
        let ok = with(|c| c.login_customer_id = Some("987-654-3210".into())).unwrap();
        assert_eq!(ok.login_customer_id.as_deref(), Some("9876543210"));
        assert_eq!(ok.api, "https://googleads.googleapis.com/v26");
        let blank = with(|c| c.developer_token = Some(SecretString::from(" "))).unwrap();
        assert!(blank.developer_token.is_none());
        let shown = format!("{:?}", with(|c| c.developer_token = Some(SecretString::from("AbCdEfGh"))).unwrap());
        assert!(!shown.contains("AbCdEfGh") && !shown.contains("secret\""), "{shown}");
    }

    #[test]
    fn rows_read_int64_strings_and_micros() {
        let batches: Vec<Batch<CampaignRow>> = serde_json::from_str(
            r#"[{"results":[{"customer":{"currencyCode":"EUR"},
                "campaign":{"id":"21045678901","name":"Acme - Brand Search - US","status":"ENABLED"},
                "metrics":{"clicks":"498","conversions":41,"costMicros":"212340000","impressions":"3120",
                           "conversionsValue":1230.5},
                "segments":{"date":"2026-10-01"}}]},
               {"fieldMask":"campaign.id","requestId":"x","queryResourceConsumption":"212"}]"#,
        )
        .unwrap();
        assert_eq!(batches.len(), 2);
        assert!(batches[1].results.is_empty(), "a batch without results has none");
        let row = batches.into_iter().next().unwrap().results.into_iter().next().unwrap();
        assert_eq!(row.customer.currency_code.as_deref(), Some("EUR"));
        let day = campaign_day(row);
        assert!((day.spend - 212.34).abs() < 1e-9, "{}", day.spend);
        assert_eq!((day.clicks, day.impressions, day.campaign_id.as_str()), (498, 3120, "21045678901"));
        assert_eq!((day.conversions, day.conversion_value), (Some(41.0), Some(1230.5)));
        assert_eq!(day.status, CampaignStatus::Active);
        let bad = serde_json::from_str::<Vec<Batch<CampaignRow>>>(
            r#"[{"results":[{"campaign":{"id":"1","name":"x"},"metrics":{"clicks":"many"},"segments":{"date":"2026-10-01"}}]}]"#,
        );
        assert!(bad.is_err(), "an unreadable number fails the answer");
    }

    #[test]
    fn statuses_map_to_the_domains() {
        let status = |s: &str| {
            let row: CampaignRow = serde_json::from_value(json!({
                "campaign": {"id": "1", "name": "x", "status": s}, "segments": {"date": "2026-10-01"}
            }))
            .unwrap();
            campaign_day(row).status
        };
        assert_eq!(status("ENABLED"), CampaignStatus::Active);
        assert_eq!(status("PAUSED"), CampaignStatus::Paused);
        assert_eq!(status("REMOVED"), CampaignStatus::Ended);
    }

    #[test]
    fn errors_map_to_what_a_person_can_do() {
        let ads = connector("v26");
        let expired = include_str!("../../tests/fixtures/google/google-ads-error-401-authentication.json");
        assert!(matches!(ads.failure(&reply(401, expired), Some("1234567890")), ConnectorError::Unauthorized));
        let quota = include_str!("../../tests/fixtures/google/google-ads-error-429-quota.json");
        let limited = ads.failure(&reply(429, quota), Some("1234567890"));
        assert!(
            matches!(limited, ConnectorError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(40_591))
        );
        let ConnectorError::VersionRetired(message) = ads.failure(&reply(404, "<html></html>"), None) else { panic!() };
        assert!(message.contains("GOOGLE_ADS_API_VERSION") && message.contains("v26"), "{message}");
        let unimplemented =
            r#"{"error":{"code":501,"message":"GRPC target method can't be resolved.","status":"UNIMPLEMENTED"}}"#;
        assert!(matches!(ads.failure(&reply(501, unimplemented), None), ConnectorError::VersionRetired(_)));
        let denied = r#"[{"error":{"code":403,"message":"The caller does not have permission","status":"PERMISSION_DENIED",
            "details":[{"@type":"type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure",
            "errors":[{"errorCode":{"authorizationError":"USER_PERMISSION_DENIED"},"message":"User doesn't have permission"}]}]}}]"#;
        let ConnectorError::Refused(message) = ads.failure(&reply(403, denied), Some("1234567890")) else { panic!() };
        assert!(
            message.contains("customer 1234567890") && message.contains("GOOGLE_ADS_LOGIN_CUSTOMER_ID"),
            "{message}"
        );
        assert!(matches!(ads.failure(&reply(502, ""), None), ConnectorError::Unavailable(_)));
    }

    #[test]
    fn quota_errors_are_retried_after_their_delay() {
        let quota = include_str!("../../tests/fixtures/google/google-ads-error-429-quota.json");
        assert_eq!(classify(&reply(429, quota)), Verdict::Retry { after: Some(Duration::from_secs(40_591)) });
        assert_eq!(classify(&reply(501, "")), Verdict::Done);
        assert_eq!(classify(&reply(500, "")), Verdict::Retry { after: None });
        assert_eq!(classify(&reply(401, "")), Verdict::Done);
    }

    #[test]
    fn customer_ids_are_shown_with_dashes() {
        assert_eq!(dashed("1234567890"), "123-456-7890");
        assert_eq!(dashed("12345"), "12345");
        let fallback = choice("1234567890".into(), None);
        assert_eq!((fallback.name.as_str(), fallback.currency), ("123-456-7890", None));
    }
}
