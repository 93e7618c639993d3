//! Meta Ads, through the Graph API's Marketing endpoints: Facebook Login for the consent (with a
//! state, no PKCE), the code swapped for a short-lived token and that at once for a long-lived one
//! (Meta has no refresh tokens), the ad accounts the user can see, and campaign insights per day.
//!
//! Every Graph call carries the token in `Authorization: Bearer` and an `appsecret_proof` (the
//! token's HMAC-SHA256 under the app secret), so that apps with "Require App Secret" work. Meta
//! reports throttling as HTTP 400 with codes 4, 17, 32, 613 or 80000-80014: those are retried,
//! honouring `x-business-use-case-usage`'s `estimated_time_to_regain_access`, and end as
//! [`ConnectorError::RateLimited`]. Error bodies are read for their code; bodies that may hold
//! tokens are never quoted.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use async_trait::async_trait;
use chrono::NaiveDate;
use domain::daily::{AdDay, CampaignDay, CampaignStatus, Currency, DayFigures};
use domain::dates::DateRange;
use domain::platform::{Platform, PlatformAccount};
use domain::ports::{AccountChoice, Authorization, ConnectorError, FetchedFigures, PlatformConnector, TokenGrant};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use sha2::Sha256;
use url::Url;

use crate::config::{ConfigError, base_url, required};
use crate::http::{Call, HttpClient, Reply, Verdict};
use crate::oauth::{ClientAuth, OAuthApp, OAuthSettings};

/// Facebook Login's consent dialog (`META_AUTH_URL`).
pub const DEFAULT_AUTH_URL: &str = "https://www.facebook.com/v27.0/dialog/oauth";
/// The Graph API, without its version (`META_GRAPH_URL`).
pub const DEFAULT_GRAPH_URL: &str = "https://graph.facebook.com";
/// The Graph API version called (`META_GRAPH_VERSION`), current as of December 2026.
pub const DEFAULT_GRAPH_VERSION: &str = "v27.0";

/// The permissions asked for: reading ads and their insights (`ads_read`), and the ad accounts a
/// business owns rather than the user (`business_management`).
pub const SCOPES: [&str; 2] = ["ads_read", "business_management"];

/// How long a long-lived token lasts when Meta's answer does not say: Meta documents about 60 days.
pub const LONG_LIVED_TOKEN_LIFETIME: Duration = Duration::from_secs(60 * 24 * 60 * 60);

/// What [`ConnectorError::Revoked`] says when Graph refuses the token (code 190).
pub const REVOKED_MESSAGE: &str = "the Meta token expired or was revoked (Meta tokens last about 60 days, and end \
                                   when the user changes their password or removes the app); reconnect the \
                                   Meta Ads account";

/// What [`PlatformConnector::refresh`] answers: Meta issues no refresh tokens.
pub const NO_REFRESH_MESSAGE: &str = "Meta tokens cannot be refreshed; reconnect the Meta Ads account before its \
                                      token expires (about 60 days after it was connected)";

/// The most pages one listing follows, against a platform that keeps sending `paging.next`.
const MAX_PAGES: usize = 1000;

/// Insights fields asked for, per campaign and day.
const INSIGHTS_FIELDS: &str =
    "campaign_id,campaign_name,spend,impressions,clicks,actions,action_values,purchase_roas,account_currency";

/// The purchase action types, in the order one is picked: the first present in a row is its
/// purchases (conversions) and purchase value. `omni_purchase` is Meta's de-duplicated total across
/// the website, the app and offline, the figure Ads Manager shows; the others are parts of it, so
/// only one is ever counted.
const PURCHASE_TYPES: [&str; 3] = ["omni_purchase", "purchase", "offsite_conversion.fb_pixel_purchase"];

/// The Meta app (a Facebook app with the Marketing API product).
#[derive(Debug, Clone)]
pub struct MetaConfig {
    /// The app id (`META_APP_ID`).
    pub app_id: String,
    /// The app secret (`META_APP_SECRET`).
    pub app_secret: SecretString,
    /// The consent dialog (`META_AUTH_URL`, default [`DEFAULT_AUTH_URL`]).
    pub auth_url: String,
    /// The Graph API without its version (`META_GRAPH_URL`, default [`DEFAULT_GRAPH_URL`]).
    pub graph_url: String,
    /// The Graph API version (`META_GRAPH_VERSION`, default [`DEFAULT_GRAPH_VERSION`]).
    pub graph_version: String,
}

impl MetaConfig {
    /// The app with these credentials and Meta's own endpoints.
    pub fn new(app_id: impl Into<String>, app_secret: SecretString) -> Self {
        Self {
            app_id: app_id.into(),
            app_secret,
            auth_url: DEFAULT_AUTH_URL.to_owned(),
            graph_url: DEFAULT_GRAPH_URL.to_owned(),
            graph_version: DEFAULT_GRAPH_VERSION.to_owned(),
        }
    }
}

/// The Meta Ads connector.
#[derive(Clone)]
pub struct MetaConnector {
    oauth: OAuthApp,
    app_id: String,
    app_secret: SecretString,
    /// `{graph_url}/{graph_version}`, without a trailing `/`.
    graph: String,
    graph_origin: url::Origin,
    version: String,
    http: HttpClient,
}

impl std::fmt::Debug for MetaConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetaConnector")
            .field("app_id", &self.app_id)
            .field("graph", &self.graph)
            .finish_non_exhaustive()
    }
}

impl MetaConnector {
    /// The connector of `config`, calling Meta through `http`.
    ///
    /// # Errors
    /// [`ConfigError`] naming `META_APP_ID` or `META_APP_SECRET` when blank, `META_AUTH_URL` or
    /// `META_GRAPH_URL` when not a URL, `META_GRAPH_VERSION` when not a version like `v27.0`.
    pub fn new(config: MetaConfig, http: HttpClient) -> Result<Self, ConfigError> {
        let app_id = required("META_APP_ID", &config.app_id)?;
        required("META_APP_SECRET", config.app_secret.expose_secret())?;
        let version = config.graph_version.trim().to_owned();
        if !is_graph_version(&version) {
            return Err(ConfigError::Invalid {
                variable: "META_GRAPH_VERSION",
                reason: format!("{version:?} is not a Graph API version such as {DEFAULT_GRAPH_VERSION}"),
            });
        }
        let graph = format!("{}/{version}", base_url("META_GRAPH_URL", &config.graph_url)?);
        let graph_origin = Url::parse(&graph)
            .map_err(|e| ConfigError::InvalidUrl { variable: "META_GRAPH_URL", reason: e.to_string() })?
            .origin();
        let oauth = OAuthApp::new(
            OAuthSettings {
                platform: Platform::MetaAds,
                client_id: app_id.clone(),
                client_secret: config.app_secret.clone(),
                auth_url: config.auth_url,
                auth_url_variable: "META_AUTH_URL",
                token_url: format!("{graph}/oauth/access_token"),
                token_url_variable: "META_GRAPH_URL",
                client_id_variable: "META_APP_ID",
                scopes: SCOPES.to_vec(),
                extra_authorize_params: Vec::new(),
                // Facebook Login for a web app with a secret: the state guards the callback.
                pkce: false,
                client_auth: ClientAuth::RequestBody,
                revoked_message: CODE_EXPIRED_MESSAGE,
            },
            http.clone(),
        )?;
        Ok(Self { oauth, app_id, app_secret: config.app_secret, graph, graph_origin, version, http })
    }

    /// Calls the token endpoint (`GET {graph}/oauth/access_token`, as Meta documents it) with
    /// `params` and the app's credentials.
    async fn token(&self, operation: &'static str, params: &[(&str, &str)]) -> Result<MetaToken, ConnectorError> {
        let mut url = self.url("oauth/access_token")?;
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("client_id", &self.app_id);
            query.append_pair("client_secret", self.app_secret.expose_secret());
            for (name, value) in params {
                query.append_pair(name, value);
            }
        }
        let call = Call::new(Platform::MetaAds, operation).classify(classify);
        let reply = self.http.send(&call, self.http.client().get(url)).await?;
        if !reply.is_success() {
            return Err(match GraphError::of(&reply) {
                // Code 100 at the token endpoint: the code expired, was used, or its redirect URI differs.
                Some(error) if operation == "token" && error.code == 100 => {
                    ConnectorError::Revoked(CODE_EXPIRED_MESSAGE.to_owned())
                }
                _ => self.graph_error(&reply),
            });
        }
        // The body holds a token: its parse error is never quoted.
        serde_json::from_slice::<MetaToken>(&reply.body)
            .map_err(|_| ConnectorError::InvalidResponse("the Meta token endpoint's answer could not be read".into()))
    }

    /// `{graph}/{path}`.
    fn url(&self, path: &str) -> Result<Url, ConnectorError> {
        Url::parse(&format!("{}/{path}", self.graph))
            .map_err(|_| ConnectorError::InvalidResponse(format!("the Meta URL of {path:?} could not be built")))
    }

    /// `HMAC-SHA256(app secret, token)` in hex; `None` only if the key were refused, which HMAC
    /// never does.
    fn appsecret_proof(&self, token: &SecretString) -> Option<String> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.app_secret.expose_secret().as_bytes()).ok()?;
        mac.update(token.expose_secret().as_bytes());
        Some(hex::encode(mac.finalize().into_bytes()))
    }

    /// GETs `url` with the token and its proof, retrying throttled answers; a non-2xx final answer
    /// becomes the domain's error.
    async fn get(&self, call: &Call<'_>, mut url: Url, token: &SecretString) -> Result<Reply, ConnectorError> {
        // A `paging.next` URL embeds the token: it is sent once, in the header, with a fresh proof.
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "access_token" && k != "appsecret_proof")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        {
            let mut query = url.query_pairs_mut();
            query.clear().extend_pairs(kept);
            if let Some(proof) = self.appsecret_proof(token) {
                query.append_pair("appsecret_proof", &proof);
            }
        }
        let request = self.http.client().get(url).bearer_auth(token.expose_secret());
        let reply = self.http.send(call, request).await?;
        if reply.is_success() { Ok(reply) } else { Err(self.graph_error(&reply)) }
    }

    /// Every item of a Graph listing, following `paging.next` until it is absent.
    async fn list<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        account: Option<&str>,
        first: Url,
        token: &SecretString,
    ) -> Result<Vec<T>, ConnectorError> {
        let mut call = Call::new(Platform::MetaAds, operation).classify(classify);
        if let Some(account) = account {
            call = call.account(account);
        }
        let mut items = Vec::new();
        let mut next = Some(first);
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(ConnectorError::InvalidResponse(format!(
                    "Meta's {operation} listing went on past {MAX_PAGES} pages"
                )));
            }
            let reply = self.get(&call, url, token).await?;
            let page: Page<T> = read(&reply, operation)?;
            items.extend(page.data);
            next = page.paging.and_then(|p| p.next).map(|raw| self.next_page(&raw)).transpose()?;
        }
        Ok(items)
    }

    /// A `paging.next` URL, accepted only on the Graph host configured, so that the token is never
    /// sent elsewhere.
    fn next_page(&self, raw: &str) -> Result<Url, ConnectorError> {
        let url =
            Url::parse(raw).map_err(|_| ConnectorError::InvalidResponse("Meta's next page is not a URL".into()))?;
        if url.origin() != self.graph_origin {
            return Err(ConnectorError::InvalidResponse(
                "Meta's next page is on another host than META_GRAPH_URL; it was not followed".into(),
            ));
        }
        Ok(url)
    }

    /// The error of a final non-2xx answer.
    fn graph_error(&self, reply: &Reply) -> ConnectorError {
        graph_error(reply, &self.version)
    }

    /// The account's currency, for insights rows that do not carry `account_currency`.
    async fn account_currency(&self, account: &str, token: &SecretString) -> Result<Currency, ConnectorError> {
        let mut url = self.url(account)?;
        url.query_pairs_mut().append_pair("fields", "currency");
        let call = Call::new(Platform::MetaAds, "adAccount").account(account).classify(classify);
        let reply = self.get(&call, url, token).await?;
        let found: AccountCurrency = read(&reply, "adAccount")?;
        parse_currency(&found.currency)
    }

    /// The campaigns' current statuses (`effective_status`); campaigns Meta no longer lists
    /// (deleted, archived) are absent.
    async fn campaign_statuses(
        &self,
        account: &str,
        token: &SecretString,
    ) -> Result<HashMap<String, CampaignStatus>, ConnectorError> {
        let mut url = self.url(&format!("{account}/campaigns"))?;
        url.query_pairs_mut().append_pair("fields", "id,effective_status").append_pair("limit", "500");
        let campaigns: Vec<CampaignRow> = self.list("campaigns", Some(account), url, token).await?;
        Ok(campaigns.into_iter().map(|c| (c.id, campaign_status(&c.effective_status))).collect())
    }
}

/// What [`ConnectorError::Revoked`] says when the code cannot be exchanged.
const CODE_EXPIRED_MESSAGE: &str = "the Meta authorization code expired or was already used; connect the Meta \
                                    Ads account again";

#[async_trait]
impl PlatformConnector for MetaConnector {
    fn platform(&self) -> Platform {
        Platform::MetaAds
    }

    fn authorize(&self, redirect_uri: &str) -> Result<Authorization, ConnectorError> {
        self.oauth.authorize(redirect_uri)
    }

    /// Swaps the code for a short-lived token, then at once for a long-lived one (about 60 days),
    /// which is returned; there is no refresh token.
    async fn exchange(
        &self,
        code: &SecretString,
        _pkce_verifier: Option<SecretString>,
        redirect_uri: &str,
    ) -> Result<TokenGrant, ConnectorError> {
        Url::parse(redirect_uri).map_err(|e| ConnectorError::Refused(format!("the redirect URI is invalid: {e}")))?;
        let short = self.token("token", &[("redirect_uri", redirect_uri), ("code", code.expose_secret())]).await?;
        let long = self
            .token(
                "longLivedToken",
                &[("grant_type", "fb_exchange_token"), ("fb_exchange_token", short.access_token.expose_secret())],
            )
            .await?;
        Ok(TokenGrant {
            access_token: long.access_token,
            refresh_token: None,
            // Meta sometimes leaves `expires_in` out of long-lived token answers: its documented
            // lifetime, about 60 days, is assumed then.
            expires_in: Some(long.expires_in.map_or(LONG_LIVED_TOKEN_LIFETIME, Duration::from_secs)),
            refresh_expires_in: None,
        })
    }

    /// Meta has no refresh tokens: the user must reconnect.
    async fn refresh(&self, _refresh_token: &SecretString) -> Result<TokenGrant, ConnectorError> {
        Err(ConnectorError::Revoked(NO_REFRESH_MESSAGE.to_owned()))
    }

    async fn accounts(&self, access_token: &SecretString) -> Result<Vec<AccountChoice>, ConnectorError> {
        let mut url = self.url("me/adaccounts")?;
        url.query_pairs_mut()
            .append_pair("fields", "account_id,name,currency,account_status")
            .append_pair("limit", "100");
        let accounts: Vec<AdAccountRow> = self.list("adAccounts", None, url, access_token).await?;
        accounts
            .into_iter()
            .map(|a| {
                let ad_account_id = a.act_id().ok_or_else(|| {
                    ConnectorError::InvalidResponse("Meta listed an ad account without a numeric id".into())
                })?;
                Ok(AccountChoice {
                    account: PlatformAccount::MetaAds { ad_account_id },
                    name: a.name,
                    currency: a.currency.as_deref().and_then(|c| Currency::parse(c).ok()),
                })
            })
            .collect()
    }

    async fn fetch(
        &self,
        account: &PlatformAccount,
        access_token: &SecretString,
        range: DateRange,
        _windows: &[DateRange],
    ) -> Result<FetchedFigures, ConnectorError> {
        let PlatformAccount::MetaAds { ad_account_id } = account else {
            return Err(ConnectorError::Refused(format!("{account:?} is not a Meta ad account")));
        };
        let act = ad_account_id.trim();
        if !is_act_id(act) {
            return Err(ConnectorError::Refused(format!(
                "{act:?} is not a Meta ad account id (act_ followed by digits); choose the account again"
            )));
        }
        let mut url = self.url(&format!("{act}/insights"))?;
        url.query_pairs_mut()
            .append_pair("level", "campaign")
            .append_pair("time_increment", "1")
            .append_pair("time_range", &time_range(range))
            .append_pair("fields", INSIGHTS_FIELDS)
            .append_pair("limit", "500");
        let rows: Vec<InsightRow> = self.list("insights", Some(act), url, access_token).await?;
        if rows.is_empty() {
            return Ok(FetchedFigures::default());
        }
        let fallback = if rows.iter().any(|r| r.account_currency.is_none()) {
            Some(self.account_currency(act, access_token).await?)
        } else {
            None
        };
        let statuses = self.campaign_statuses(act, access_token).await?;
        Ok(FetchedFigures { days: days_of(rows, fallback, &statuses)?, window_users: Vec::new() })
    }
}

/// Whether `raw` is a Graph version such as `v27.0`.
fn is_graph_version(raw: &str) -> bool {
    let Some(rest) = raw.strip_prefix('v') else { return false };
    let mut parts = rest.split('.');
    let digits = |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    digits(parts.next()) && digits(parts.next()) && parts.next().is_none()
}

/// Whether `id` is an ad account id as Graph paths take it: `act_` and digits.
fn is_act_id(id: &str) -> bool {
    id.strip_prefix("act_").is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// The `time_range` parameter: `{"since":"2026-10-01","until":"2026-10-31"}`, both days included.
fn time_range(range: DateRange) -> String {
    serde_json::json!({ "since": range.start().to_string(), "until": range.end().to_string() }).to_string()
}

/// Reads a Graph answer of type `T`. The parse error is described by its place only: a listing's
/// `paging.next` URL embeds the token, and serde would quote it.
fn read<T: DeserializeOwned>(reply: &Reply, operation: &str) -> Result<T, ConnectorError> {
    serde_json::from_slice(&reply.body).map_err(|e| {
        ConnectorError::InvalidResponse(format!(
            "Meta's {operation} answer could not be read (line {}, column {})",
            e.line(),
            e.column()
        ))
    })
}

fn parse_currency(raw: &str) -> Result<Currency, ConnectorError> {
    Currency::parse(raw).map_err(|_| ConnectorError::InvalidResponse(format!("Meta sent an unknown currency {raw:?}")))
}

/// Groups insights rows into days, one campaign row each. A campaign that reported purchases on
/// some day of the range reports zero, not nothing, on its other days, so that its cost per
/// purchase and its ROAS count every day's spend.
fn days_of(
    rows: Vec<InsightRow>,
    fallback: Option<Currency>,
    statuses: &HashMap<String, CampaignStatus>,
) -> Result<Vec<(NaiveDate, DayFigures)>, ConnectorError> {
    let mut converting = std::collections::HashSet::new();
    let mut valued = std::collections::HashSet::new();
    let mut by_day: BTreeMap<NaiveDate, (Currency, Vec<CampaignDay>)> = BTreeMap::new();
    for row in rows {
        let date = NaiveDate::parse_from_str(&row.date_start, "%Y-%m-%d").map_err(|_| {
            ConnectorError::InvalidResponse(format!("Meta sent an insights row dated {:?}", row.date_start))
        })?;
        let currency = match (&row.account_currency, fallback) {
            (Some(raw), _) => parse_currency(raw)?,
            (None, Some(currency)) => currency,
            (None, None) => return Err(ConnectorError::InvalidResponse("Meta sent no account currency".into())),
        };
        let conversions = purchase(&row.actions);
        let conversion_value = purchase(&row.action_values);
        if conversions.is_some() {
            converting.insert(row.campaign_id.clone());
        }
        if conversion_value.is_some() {
            valued.insert(row.campaign_id.clone());
        }
        let day = CampaignDay {
            status: statuses.get(&row.campaign_id).copied().unwrap_or(CampaignStatus::Ended),
            campaign_id: row.campaign_id,
            name: row.campaign_name,
            spend: row.spend,
            impressions: row.impressions,
            clicks: row.clicks,
            conversions,
            conversion_value,
            leads: None,
        };
        by_day.entry(date).or_insert_with(|| (currency, Vec::new())).1.push(day);
    }
    Ok(by_day
        .into_iter()
        .map(|(date, (currency, mut campaigns))| {
            for c in &mut campaigns {
                if converting.contains(&c.campaign_id) {
                    c.conversions.get_or_insert(0.0);
                }
                if valued.contains(&c.campaign_id) {
                    c.conversion_value.get_or_insert(0.0);
                }
            }
            (date, DayFigures::Ads(AdDay { currency, campaigns }))
        })
        .collect())
}

/// The purchases (or their value) of a row's `actions` (or `action_values`): the first of
/// [`PURCHASE_TYPES`] present, never a sum of them.
fn purchase(stats: &[ActionStat]) -> Option<f64> {
    PURCHASE_TYPES.iter().find_map(|t| stats.iter().find(|s| s.action_type == *t).map(|s| s.value))
}

/// A campaign's `effective_status` in the domain's terms.
fn campaign_status(raw: &str) -> CampaignStatus {
    match raw {
        "PAUSED" | "CAMPAIGN_PAUSED" | "ADSET_PAUSED" => CampaignStatus::Paused,
        "DELETED" | "ARCHIVED" => CampaignStatus::Ended,
        // ACTIVE, IN_PROCESS, WITH_ISSUES, PENDING_REVIEW, PENDING_BILLING_INFO, PREAPPROVED, ...
        _ => CampaignStatus::Active,
    }
}

/// The Meta error codes that mean throttling: application (4), user (17), Pages (32), custom (613)
/// and the business use case limits (80000-80014).
fn is_rate_limit(code: i64) -> bool {
    matches!(code, 4 | 17 | 32 | 613 | 80_000..=80_014)
}

/// Meta's reading of an answer for retries: throttling (HTTP 400 with a rate-limit code), errors
/// Meta marks `is_transient`, 429 and 5xx are tried again, after the business use case's
/// `estimated_time_to_regain_access` when Meta gives one.
pub(crate) fn classify(reply: &Reply) -> Verdict {
    if reply.is_success() {
        return Verdict::Done;
    }
    let transient = reply.status == StatusCode::TOO_MANY_REQUESTS
        || reply.status.is_server_error()
        || GraphError::of(reply).is_some_and(|e| is_rate_limit(e.code) || e.is_transient);
    if transient { Verdict::Retry { after: usage_hint(&reply.headers) } } else { Verdict::Done }
}

/// How long Meta says to wait: the longest `estimated_time_to_regain_access` (minutes) of
/// `x-business-use-case-usage`, else `reset_time_duration` (seconds) of a full
/// `x-ad-account-usage`.
fn usage_hint(headers: &HeaderMap) -> Option<Duration> {
    #[derive(Deserialize)]
    struct Business {
        #[serde(default)]
        estimated_time_to_regain_access: u64,
    }
    #[derive(Deserialize)]
    struct AdAccount {
        #[serde(default)]
        acc_id_util_pct: f64,
        #[serde(default)]
        reset_time_duration: u64,
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let business = header("x-business-use-case-usage")
        .and_then(|raw| serde_json::from_str::<HashMap<String, Vec<Business>>>(raw).ok())
        .and_then(|usage| usage.values().flatten().map(|b| b.estimated_time_to_regain_access).max())
        .filter(|minutes| *minutes > 0)
        .map(|minutes| Duration::from_secs(minutes.saturating_mul(60)));
    business.or_else(|| {
        let usage: AdAccount = serde_json::from_str(header("x-ad-account-usage")?).ok()?;
        (usage.acc_id_util_pct >= 100.0 && usage.reset_time_duration > 0)
            .then(|| Duration::from_secs(usage.reset_time_duration))
    })
}

/// A final non-2xx Graph answer as the domain's error; `version` is the Graph version called.
fn graph_error(reply: &Reply, version: &str) -> ConnectorError {
    let Some(error) = GraphError::of(reply) else {
        if reply.status.is_server_error() {
            return ConnectorError::Unavailable(format!("Meta answered {}", reply.status));
        }
        // Never quoted: the body is no Graph error and might echo the request.
        return ConnectorError::InvalidResponse(format!(
            "Meta answered {} with a body that is no Graph error",
            reply.status
        ));
    };
    let message = error.shown();
    let lower = error.message.to_ascii_lowercase();
    match error.code {
        // 190: invalid, expired or revoked token; 102: the session ended.
        190 | 102 => ConnectorError::Revoked(REVOKED_MESSAGE.to_owned()),
        code if is_rate_limit(code) => ConnectorError::RateLimited { retry_after: reply.retry_after },
        2635 => version_retired(version),
        _ if lower.contains("deprecated") && lower.contains("version") => version_retired(version),
        _ if lower.contains("unsupported get request") && lower.contains("version") => version_retired(version),
        // 10 and 200-299 (278 and 294 among them, the ads permissions): a permission the token lacks.
        10 | 200..=299 => ConnectorError::Refused(format!(
            "Meta refused the call for a missing permission ({message}); reconnect the account granting ads_read, \
             and make sure the user has access to the ad account"
        )),
        _ if reply.status.is_server_error() || error.is_transient || matches!(error.code, 1 | 2) => {
            ConnectorError::Unavailable(format!("Meta could not answer now ({message})"))
        }
        _ => ConnectorError::Refused(format!("Meta refused the call ({message})")),
    }
}

fn version_retired(version: &str) -> ConnectorError {
    ConnectorError::VersionRetired(format!(
        "Meta retired Graph API version {version}; set META_GRAPH_VERSION to a current version (like \
         {DEFAULT_GRAPH_VERSION})"
    ))
}

/// A Graph error body: `{"error": {"message", "type", "code", "error_subcode", ...}}`.
#[derive(Debug, Clone, Default, Deserialize)]
struct GraphError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: i64,
    #[serde(default)]
    error_subcode: Option<i64>,
    #[serde(default)]
    is_transient: bool,
    #[serde(default)]
    error_user_msg: Option<String>,
}

impl GraphError {
    fn of(reply: &Reply) -> Option<Self> {
        #[derive(Deserialize)]
        struct Envelope {
            error: GraphError,
        }
        serde_json::from_slice::<Envelope>(&reply.body).ok().map(|e| e.error)
    }

    /// The error as it may be shown: Meta's message for the user when it has one, and the codes.
    fn shown(&self) -> String {
        let text = self.error_user_msg.as_deref().filter(|m| !m.is_empty()).unwrap_or(&self.message);
        match self.error_subcode {
            Some(sub) => format!("code {}/{sub}: {text}", self.code),
            None => format!("code {}: {text}", self.code),
        }
    }
}

/// A token endpoint's answer.
#[derive(Deserialize)]
struct MetaToken {
    #[serde(deserialize_with = "secret")]
    access_token: SecretString,
    #[serde(default, deserialize_with = "optional_count")]
    expires_in: Option<u64>,
}

fn secret<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SecretString, D::Error> {
    String::deserialize(deserializer).map(SecretString::from)
}

/// One page of a Graph listing.
#[derive(Deserialize)]
struct Page<T> {
    data: Vec<T>,
    #[serde(default)]
    paging: Option<Paging>,
}

#[derive(Deserialize)]
struct Paging {
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize)]
struct AdAccountRow {
    #[serde(default)]
    id: String,
    #[serde(default)]
    account_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    currency: Option<String>,
}

impl AdAccountRow {
    /// The `act_` id, from `account_id` (digits) or `id` (`act_` and digits).
    fn act_id(&self) -> Option<String> {
        let from_digits = format!("act_{}", self.account_id.trim());
        [from_digits, self.id.trim().to_owned()].into_iter().find(|id| is_act_id(id))
    }
}

#[derive(Deserialize)]
struct AccountCurrency {
    currency: String,
}

#[derive(Deserialize)]
struct CampaignRow {
    id: String,
    #[serde(default)]
    effective_status: String,
}

/// A row of campaign insights for one day. Meta sends every metric as a string and leaves out
/// metrics with no data.
#[derive(Debug, Deserialize)]
struct InsightRow {
    campaign_id: String,
    #[serde(default)]
    campaign_name: String,
    date_start: String,
    #[serde(default, deserialize_with = "decimal")]
    spend: f64,
    #[serde(default, deserialize_with = "count")]
    impressions: u64,
    #[serde(default, deserialize_with = "count")]
    clicks: u64,
    #[serde(default)]
    actions: Vec<ActionStat>,
    #[serde(default)]
    action_values: Vec<ActionStat>,
    #[serde(default)]
    account_currency: Option<String>,
}

/// An entry of `actions` or `action_values`.
#[derive(Debug, Deserialize)]
struct ActionStat {
    action_type: String,
    #[serde(default, deserialize_with = "decimal")]
    value: f64,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Int(u64),
    Float(f64),
    Text(String),
}

impl Number {
    fn to_f64(&self) -> Option<f64> {
        #[allow(clippy::cast_precision_loss)] // figures stay far below 2^52
        let value = match self {
            Self::Int(n) => *n as f64,
            Self::Float(f) => *f,
            Self::Text(s) => s.trim().parse().ok()?,
        };
        (value.is_finite() && value >= 0.0).then_some(value)
    }

    fn to_u64(&self) -> Option<u64> {
        match self {
            Self::Int(n) => Some(*n),
            Self::Text(s) if s.trim().bytes().all(|b| b.is_ascii_digit()) => s.trim().parse().ok(),
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked finite, >= 0
            _ => self.to_f64().map(|f| f.round() as u64),
        }
    }
}

/// A decimal Meta sends as a string (or a number); absent is zero.
fn decimal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    match Option::<Number>::deserialize(deserializer)? {
        None => Ok(0.0),
        Some(n) => n.to_f64().ok_or_else(|| serde::de::Error::custom("not a non-negative decimal")),
    }
}

/// A count Meta sends as a string (or a number); absent is zero.
fn count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    match Option::<Number>::deserialize(deserializer)? {
        None => Ok(0),
        Some(n) => n.to_u64().ok_or_else(|| serde::de::Error::custom("not a count")),
    }
}

/// An optional count of seconds, as a number or a string.
fn optional_count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    match Option::<Number>::deserialize(deserializer)? {
        None => Ok(None),
        Some(n) => n.to_u64().map(Some).ok_or_else(|| serde::de::Error::custom("not a count")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec(),
            retry_after: None,
        }
    }

    fn error_body(code: i64, message: &str) -> String {
        serde_json::json!({ "error": { "message": message, "type": "OAuthException", "code": code } }).to_string()
    }

    #[test]
    fn versions_and_account_ids_are_checked() {
        assert!(is_graph_version("v27.0") && is_graph_version("v3.10"));
        for bad in ["27.0", "v27", "v27.", "v27.0.1", "V27.0", "v2a.0", ""] {
            assert!(!is_graph_version(bad), "{bad}");
        }
        assert!(is_act_id("act_1029384756"));
        for bad in ["1029384756", "act_", "act_12/../me", "act_12?x=1", "ACT_12"] {
            assert!(!is_act_id(bad), "{bad}");
        }
    }

    #[test]
    fn the_time_range_is_json() {
        let range = DateRange::new(
            NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
        )
        .unwrap();
        assert_eq!(time_range(range), r#"{"since":"2026-10-01","until":"2026-10-31"}"#);
    }

    #[test]
    fn one_purchase_type_is_counted() {
        let stats = |pairs: &[(&str, f64)]| -> Vec<ActionStat> {
            pairs.iter().map(|(t, v)| ActionStat { action_type: (*t).to_owned(), value: *v }).collect()
        };
        let all = stats(&[
            ("link_click", 5.0),
            ("purchase", 3.0),
            ("omni_purchase", 4.0),
            ("offsite_conversion.fb_pixel_purchase", 3.0),
        ]);
        assert_eq!(purchase(&all), Some(4.0));
        assert_eq!(purchase(&stats(&[("offsite_conversion.fb_pixel_purchase", 2.0)])), Some(2.0));
        assert_eq!(purchase(&stats(&[("link_click", 5.0)])), None);
    }

    #[test]
    fn a_row_reads_string_numbers_and_missing_metrics() {
        let row: InsightRow = serde_json::from_str(
            r#"{"campaign_id":"1","campaign_name":"A","spend":"3450","impressions":"1204880","clicks":"2311",
                "date_start":"2026-10-01","date_stop":"2026-10-01","unknown":1}"#,
        )
        .unwrap();
        assert!((row.spend - 3450.0).abs() < f64::EPSILON);
        assert_eq!((row.impressions, row.clicks), (1_204_880, 2311));
        assert!(row.actions.is_empty() && row.account_currency.is_none());
        assert!(serde_json::from_str::<InsightRow>(r#"{"campaign_id":"1","date_start":"x","spend":"lots"}"#).is_err());
    }

    #[test]
    fn a_campaign_that_converts_reports_zero_on_quiet_days() {
        let row = |date: &str, id: &str, purchases: Option<f64>| InsightRow {
            campaign_id: id.into(),
            campaign_name: id.into(),
            date_start: date.into(),
            spend: 1.0,
            impressions: 1,
            clicks: 1,
            actions: purchases.map(|v| ActionStat { action_type: "purchase".into(), value: v }).into_iter().collect(),
            action_values: Vec::new(),
            account_currency: Some("EUR".into()),
        };
        let statuses = HashMap::from([("a".to_owned(), CampaignStatus::Paused)]);
        let days = days_of(
            vec![row("2026-10-02", "a", None), row("2026-10-01", "a", Some(2.0)), row("2026-10-01", "b", None)],
            None,
            &statuses,
        )
        .unwrap();
        assert_eq!(days.len(), 2);
        let DayFigures::Ads(first) = &days[0].1 else { panic!() };
        assert_eq!(first.currency, Currency::EUR);
        assert_eq!(first.campaigns[0].status, CampaignStatus::Paused);
        assert_eq!(first.campaigns[1].status, CampaignStatus::Ended);
        assert_eq!(first.campaigns[1].conversions, None);
        let DayFigures::Ads(second) = &days[1].1 else { panic!() };
        assert_eq!(second.campaigns[0].conversions, Some(0.0));
        assert_eq!(second.campaigns[0].conversion_value, None);
    }

    #[test]
    fn throttling_is_retried_after_the_business_hint() {
        let mut throttled = reply(400, &error_body(80004, "(#80004) There have been too many calls"));
        throttled.headers.insert(
            "x-business-use-case-usage",
            r#"{"1029384756":[{"type":"ads_insights","call_count":100,"estimated_time_to_regain_access":19}]}"#
                .parse()
                .unwrap(),
        );
        assert_eq!(classify(&throttled), Verdict::Retry { after: Some(Duration::from_secs(19 * 60)) });
        assert_eq!(
            classify(&reply(400, &error_body(17, "(#17) User request limit reached"))),
            Verdict::Retry { after: None }
        );
        assert_eq!(classify(&reply(400, &error_body(190, "expired"))), Verdict::Done);
        assert_eq!(classify(&reply(503, "down")), Verdict::Retry { after: None });
        assert_eq!(classify(&reply(200, "{}")), Verdict::Done);
    }

    #[test]
    fn the_ad_account_usage_is_a_fallback_hint() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ad-account-usage", r#"{"acc_id_util_pct":100,"reset_time_duration":1140}"#.parse().unwrap());
        assert_eq!(usage_hint(&headers), Some(Duration::from_secs(1140)));
        headers.insert("x-ad-account-usage", r#"{"acc_id_util_pct":40,"reset_time_duration":1140}"#.parse().unwrap());
        assert_eq!(usage_hint(&headers), None);
    }

    #[test]
    fn graph_errors_map_to_the_domain() {
        let map = |status: u16, body: &str| graph_error(&reply(status, body), "v27.0");
        let revoked = map(400, &error_body(190, "Error validating access token: Session has expired"));
        assert!(matches!(&revoked, ConnectorError::Revoked(m) if m.contains("reconnect")), "{revoked:?}");
        assert!(matches!(map(400, &error_body(17, "limit")), ConnectorError::RateLimited { .. }));
        assert!(matches!(map(400, &error_body(80_014, "limit")), ConnectorError::RateLimited { .. }));
        let retired = map(400, &error_body(2635, "(#2635) You are calling a deprecated version of the Ads API."));
        assert!(
            matches!(&retired, ConnectorError::VersionRetired(m) if m.contains("META_GRAPH_VERSION") && m.contains("v27.0"))
        );
        let retired = map(400, &error_body(12, "This endpoint is deprecated for versions v27.0 and higher"));
        assert!(matches!(retired, ConnectorError::VersionRetired(_)));
        let refused = map(403, &error_body(10, "(#10) Not enough permission"));
        assert!(matches!(&refused, ConnectorError::Refused(m) if m.contains("ads_read")), "{refused:?}");
        assert!(matches!(map(400, &error_body(200, "(#200) Permissions error")), ConnectorError::Refused(_)));
        assert!(matches!(map(500, &error_body(2, "Service temporarily unavailable")), ConnectorError::Unavailable(_)));
        assert!(matches!(map(502, "<html>Bad gateway</html>"), ConnectorError::Unavailable(_)));
        let unreadable = map(400, "access_token=EAAGsecret");
        assert!(matches!(&unreadable, ConnectorError::InvalidResponse(m) if !m.contains("EAAG")), "{unreadable:?}");
        let missing = map(400, &error_body(100, "Unsupported get request. Object with ID 'act_1' does not exist"));
        assert!(matches!(missing, ConnectorError::Refused(_)));
    }

    #[test]
    fn an_unreadable_listing_does_not_quote_the_token() {
        let body = r#"{"data": 5, "paging": {"next": "https://graph.facebook.com/v27.0/x?access_token=EAAGsecret"}}"#;
        let err = read::<Page<CampaignRow>>(&reply(200, body), "campaigns").err().unwrap();
        assert!(!err.to_string().contains("EAAG"), "{err}");
    }

    #[test]
    fn an_account_row_gives_its_act_id() {
        let row = |id: &str, account_id: &str| AdAccountRow {
            id: id.into(),
            account_id: account_id.into(),
            name: String::new(),
            currency: None,
        };
        assert_eq!(row("act_12", "12").act_id().as_deref(), Some("act_12"));
        assert_eq!(row("act_12", "").act_id().as_deref(), Some("act_12"));
        assert_eq!(row("", "x/y").act_id(), None);
    }
}
