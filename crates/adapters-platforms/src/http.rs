//! The HTTP layer every platform module calls through: one `reqwest` client with timeouts and no
//! redirects, a pace per platform (`governor`), bounded retries with exponential backoff and jitter
//! (`backon`) that honour `Retry-After` and the platform's own hints, a `tracing` span per call,
//! and URLs with their secrets redacted before they reach a log line or an error message.
//!
//! A platform module builds a request on [`HttpClient::client`], describes it with a [`Call`]
//! (platform, operation, account, and optionally how to read its answers for a retry hint), and
//! [`HttpClient::send`]s it. It gets back the final [`Reply`] (after any retries), whatever its
//! status, and maps the status and body to the domain's errors itself; only a request that got no
//! answer at all comes back as [`ConnectorError::Unavailable`].

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use chrono::{DateTime, Utc};
use domain::platform::Platform;
use domain::ports::ConnectorError;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use tracing::Instrument;
use url::Url;

use crate::config::ConfigError;

/// How long one request may take, end to end, by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long connecting may take by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Settings of the shared HTTP layer.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// How long one request may take, end to end (default 60 s).
    pub timeout: Duration,
    /// How long connecting may take (default 10 s).
    pub connect_timeout: Duration,
    /// When and how often a call is retried.
    pub retry: RetryPolicy,
    /// How fast each platform is called.
    pub paces: Paces,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry: RetryPolicy::default(),
            paces: Paces::default(),
        }
    }
}

/// When a call that met a 429, a 5xx or no answer is tried again: exponential backoff with jitter,
/// or the platform's own hint (`Retry-After`, a hint in the body) when it gives one, bounded in
/// retries and in the total time spent waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 3).
    pub max_retries: usize,
    /// The first backoff delay (default 500 ms); each next one doubles, with jitter.
    pub min_delay: Duration,
    /// The longest single wait (default 20 s). A platform hint longer than this ends the retries
    /// at once: the caller gets the answer with its hint, to report as rate limited.
    pub max_delay: Duration,
    /// The most time spent waiting between attempts of one call (default 45 s).
    pub max_total: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
            max_total: Duration::from_secs(45),
        }
    }
}

/// Requests per second allowed to each platform, for all the clients a process syncs. The
/// defaults stay well inside each platform's published quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paces {
    /// Google Analytics 4, Data and Admin APIs (default 5/s).
    pub google_analytics: NonZeroU32,
    /// Google Ads API (default 5/s).
    pub google_ads: NonZeroU32,
    /// Meta Graph API (default 5/s).
    pub meta_ads: NonZeroU32,
    /// LinkedIn Marketing API (default 5/s).
    pub linkedin_ads: NonZeroU32,
}

impl Paces {
    /// The same pace for every platform.
    pub const fn uniform(per_second: NonZeroU32) -> Self {
        Self { google_analytics: per_second, google_ads: per_second, meta_ads: per_second, linkedin_ads: per_second }
    }

    /// The pace of `platform`.
    pub const fn of(&self, platform: Platform) -> NonZeroU32 {
        match platform {
            Platform::GoogleAnalytics => self.google_analytics,
            Platform::GoogleAds => self.google_ads,
            Platform::MetaAds => self.meta_ads,
            Platform::LinkedinAds => self.linkedin_ads,
        }
    }
}

impl Default for Paces {
    fn default() -> Self {
        Self::uniform(NonZeroU32::new(5).unwrap_or(NonZeroU32::MIN))
    }
}

/// What a call's answer means for retrying it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The answer is final (a success, or an error retrying cannot mend).
    Done,
    /// The answer is transient: try again, after `after` when the platform said how long.
    Retry {
        /// The platform's hint, read from the body; `Retry-After` is used when this is `None`.
        after: Option<Duration>,
    },
}

/// The default reading of an answer: 429 and 5xx are transient, everything else is final.
pub fn classify_status(reply: &Reply) -> Verdict {
    if reply.status == StatusCode::TOO_MANY_REQUESTS || reply.status.is_server_error() {
        Verdict::Retry { after: None }
    } else {
        Verdict::Done
    }
}

/// One call to a platform, as logged and paced.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    platform: Platform,
    operation: &'static str,
    account: Option<&'a str>,
    classify: fn(&Reply) -> Verdict,
}

impl<'a> Call<'a> {
    /// A call of `operation` (`"runReport"`, `"token"`, ...) to `platform`, read with
    /// [`classify_status`].
    pub fn new(platform: Platform, operation: &'static str) -> Self {
        Self { platform, operation, account: None, classify: classify_status }
    }

    /// The account the call is about, for the logs.
    #[must_use]
    pub fn account(mut self, account: &'a str) -> Self {
        self.account = Some(account);
        self
    }

    /// Reads answers with `classify` instead of [`classify_status`]: for platforms that report
    /// throttling with another status (Meta's 400 with code 17) or give a hint in the body.
    #[must_use]
    pub fn classify(mut self, classify: fn(&Reply) -> Verdict) -> Self {
        self.classify = classify;
        self
    }

    /// The platform called.
    pub fn platform(&self) -> Platform {
        self.platform
    }

    /// The operation's name.
    pub fn operation(&self) -> &'static str {
        self.operation
    }
}

/// A platform's final answer to a call.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The HTTP status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body, as received.
    pub body: Vec<u8>,
    /// How long the platform asked to wait: the call's hint from the body when its classifier gave
    /// one, otherwise `Retry-After` (seconds or an HTTP date).
    pub retry_after: Option<Duration>,
}

impl Reply {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// The body as JSON of type `T`.
    ///
    /// The error message quotes the JSON parser, which may quote a value of the body: do not use
    /// this on bodies that carry tokens.
    ///
    /// # Errors
    /// [`ConnectorError::InvalidResponse`] when the body is not such JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ConnectorError> {
        serde_json::from_slice(&self.body)
            .map_err(|e| ConnectorError::InvalidResponse(format!("the answer could not be read ({e})")))
    }

    /// The body as text, with invalid UTF-8 replaced, for error messages of bodies that hold no
    /// secrets.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The shared HTTP client: cheap to clone, every clone sharing the connection pool and the
/// platforms' paces.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    retry: RetryPolicy,
    limiters: Arc<[DefaultDirectRateLimiter; 4]>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient").field("retry", &self.retry).finish_non_exhaustive()
    }
}

impl HttpClient {
    /// A client with `settings`.
    ///
    /// # Errors
    /// [`ConfigError::HttpClient`] when `reqwest` cannot build its client.
    pub fn new(settings: &HttpSettings) -> Result<Self, ConfigError> {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.connect_timeout)
            // Redirects are never followed: an OAuth token endpoint that redirects could otherwise
            // be made to send the client's credentials elsewhere, and no reporting API redirects.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("adapters-platforms/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConfigError::HttpClient(e.to_string()))?;
        let limiter = |p: Platform| RateLimiter::direct(Quota::per_second(settings.paces.of(p)));
        Ok(Self { client, retry: settings.retry, limiters: Arc::new(Platform::ALL.map(limiter)) })
    }

    /// The `reqwest` client to build requests on.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends `request` as `call`, at the platform's pace, retrying transient answers (as the call
    /// reads them) and requests that got no answer, within the [`RetryPolicy`]. Returns the final
    /// answer whatever its status, with its retry hint; logs only redacted URLs.
    ///
    /// # Errors
    /// [`ConnectorError::Unavailable`] when the last attempt got no answer (connection refused,
    /// timeout) or the request could not be built; the message holds no secret.
    pub async fn send(&self, call: &Call<'_>, request: RequestBuilder) -> Result<Reply, ConnectorError> {
        let request = request.build().map_err(|e| {
            ConnectorError::Unavailable(format!(
                "the {} request could not be built: {}",
                call.operation,
                e.without_url()
            ))
        })?;
        self.execute(call, request).await
    }

    /// Like [`HttpClient::send`], for a request already built.
    pub(crate) async fn execute(&self, call: &Call<'_>, request: reqwest::Request) -> Result<Reply, ConnectorError> {
        let span = tracing::info_span!(
            "platform_call",
            platform = call.platform.key(),
            operation = call.operation,
            account = call.account.unwrap_or("-"),
        );
        self.execute_in_span(call, request).instrument(span).await
    }

    async fn execute_in_span(&self, call: &Call<'_>, request: reqwest::Request) -> Result<Reply, ConnectorError> {
        let target = format!("{} {}", request.method(), redact_url(request.url()));
        let limiter = &self.limiters[platform_index(call.platform)];
        let policy = self.retry;
        let attempt = || async {
            limiter.until_ready().await;
            // Bodies are buffered (JSON or forms), so a request always clones.
            let Some(request) = request.try_clone() else {
                return Err(Attempt::Transport(format!("{target} could not be repeated")));
            };
            let started = Instant::now();
            let response = self.client.execute(request).await.map_err(|e| Attempt::Transport(describe(&target, &e)))?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await.map_err(|e| Attempt::Transport(describe(&target, &e)))?.to_vec();
            tracing::debug!(%status, elapsed_ms = started.elapsed().as_millis(), "{target}");
            let mut reply = Reply { status, retry_after: retry_after(&headers, Utc::now()), headers, body };
            match (call.classify)(&reply) {
                Verdict::Done => Ok(reply),
                Verdict::Retry { after } => {
                    reply.retry_after = after.or(reply.retry_after);
                    Err(Attempt::Transient(reply))
                }
            }
        };
        let backoff = ExponentialBuilder::default()
            .with_min_delay(policy.min_delay)
            .with_max_delay(policy.max_delay)
            .with_max_times(policy.max_retries)
            .with_jitter();
        let mut waited = Duration::ZERO;
        let outcome = attempt
            .retry(backoff)
            .adjust(|error, next| {
                let next = next?;
                let wait = match error {
                    Attempt::Transient(reply) => reply.retry_after.unwrap_or(next),
                    Attempt::Transport(_) => next,
                };
                if wait > policy.max_delay || waited + wait > policy.max_total {
                    return None;
                }
                waited += wait;
                Some(wait)
            })
            .notify(|error, wait| match error {
                Attempt::Transient(reply) => {
                    tracing::warn!(status = %reply.status, wait_ms = wait.as_millis(), "{target}: retrying");
                }
                Attempt::Transport(message) => tracing::warn!(wait_ms = wait.as_millis(), "{message}: retrying"),
            })
            .await;
        match outcome {
            Ok(reply) | Err(Attempt::Transient(reply)) => Ok(reply),
            Err(Attempt::Transport(message)) => Err(ConnectorError::Unavailable(message)),
        }
    }
}

/// Why an attempt is to be tried again.
enum Attempt {
    /// The platform answered with a transient error.
    Transient(Reply),
    /// No answer came; the message is safe to show.
    Transport(String),
}

fn platform_index(platform: Platform) -> usize {
    Platform::ALL.iter().position(|p| *p == platform).unwrap_or(0)
}

fn describe(target: &str, error: &reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "broke off while the answer was read"
    } else {
        "failed"
    };
    format!("{target} {what}")
}

/// Reads `Retry-After`: delta seconds, or an HTTP date (as of `now`).
fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let raw = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = raw.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(raw).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// Query parameters whose values are secrets.
const SECRET_PARAMS: [&str; 10] = [
    "access_token",
    "appsecret_proof",
    "client_secret",
    "code",
    "code_verifier",
    "fb_exchange_token",
    "input_token",
    "key",
    "refresh_token",
    "token",
];

/// `url` as it may be logged or shown: the values of secret query parameters (`access_token`,
/// `client_secret`, `code`, `fb_exchange_token`, ...) and any password replaced by `REDACTED`.
pub fn redact_url(url: &Url) -> String {
    let mut safe = url.clone();
    if safe.password().is_some() {
        let _ = safe.set_password(Some("REDACTED"));
    }
    if safe.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let secret = SECRET_PARAMS.iter().any(|s| k.eq_ignore_ascii_case(s));
                (k.into_owned(), if secret { "REDACTED".to_owned() } else { v.into_owned() })
            })
            .collect();
        safe.query_pairs_mut().clear().extend_pairs(pairs);
    }
    safe.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_a_query_are_redacted() {
        let url = Url::parse(
            "https://graph.facebook.com/v27.0/act_1/insights?fields=spend&access_token=EAAGsecret&appsecret_proof=abc",
        )
        .unwrap();
        let shown = redact_url(&url);
        assert!(!shown.contains("EAAGsecret") && !shown.contains("abc"), "{shown}");
        assert!(shown.contains("fields=spend") && shown.contains("access_token=REDACTED"), "{shown}");
    }

    #[test]
    fn a_url_without_a_query_is_shown_as_it_is() {
        let url = Url::parse("https://analyticsdata.googleapis.com/v1beta/properties/1:runReport").unwrap();
        assert_eq!(redact_url(&url), url.as_str());
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_as_a_date() {
        let now = DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z").unwrap().with_timezone(&Utc);
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(7)));
        headers.insert(RETRY_AFTER, "Tue, 01 Dec 2026 10:00:30 GMT".parse().unwrap());
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(30)));
        headers.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&headers, now), None);
    }
}
