//! What Google Analytics 4 and Google Ads share: one OAuth app (one Google Cloud project for both),
//! the defaults of every Google endpoint, and the reading of Google's error bodies
//! (`google.rpc.Status`, bare or wrapped in an array as `searchStream` sends it).

pub mod ads;
pub mod ga4;

pub use ads::{GoogleAdsConfig, GoogleAdsConnector};
pub use ga4::{Ga4Config, Ga4Connector};

use std::time::Duration;

use domain::platform::Platform;
use secrecy::SecretString;
use serde::{Deserialize, Deserializer};

use crate::config::ConfigError;
use crate::http::{HttpClient, Reply};
use crate::oauth::{ClientAuth, OAuthApp, OAuthSettings};

/// Google's consent page (`GOOGLE_AUTH_URL`).
pub const DEFAULT_AUTH_URL: &str = "https://accounts.google.com/o/oauth2/v2/auth";
/// Google's token endpoint (`GOOGLE_TOKEN_URL`).
pub const DEFAULT_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// The GA4 Data API (`GA4_DATA_API_URL`).
pub const DEFAULT_GA4_DATA_API_URL: &str = "https://analyticsdata.googleapis.com/v1beta";
/// The GA4 Admin API (`GA4_ADMIN_API_URL`).
pub const DEFAULT_GA4_ADMIN_API_URL: &str = "https://analyticsadmin.googleapis.com/v1beta";
/// The Google Ads API, without its version (`GOOGLE_ADS_API_URL`).
pub const DEFAULT_ADS_API_URL: &str = "https://googleads.googleapis.com";
/// The Google Ads API version called (`GOOGLE_ADS_API_VERSION`), current as of December 2026.
pub const DEFAULT_ADS_API_VERSION: &str = "v26";

/// The scope GA4 asks for: read-only access to Analytics.
pub const GA4_SCOPE: &str = "https://www.googleapis.com/auth/analytics.readonly";
/// The scope Google Ads asks for (Google Ads has no read-only scope).
pub const ADS_SCOPE: &str = "https://www.googleapis.com/auth/adwords";

/// What [`domain::ports::ConnectorError::Revoked`] says when Google answers `invalid_grant`.
pub const REVOKED_MESSAGE: &str = "Google no longer accepts this connection (the token was revoked or expired); \
                                   reconnect the account to grant access again";

/// The Google OAuth app (an OAuth client of type "Web application" in Google Cloud), shared by
/// GA4 and Google Ads.
#[derive(Debug, Clone)]
pub struct GoogleAppConfig {
    /// The OAuth client id (`GOOGLE_CLIENT_ID`).
    pub client_id: String,
    /// The OAuth client secret (`GOOGLE_CLIENT_SECRET`).
    pub client_secret: SecretString,
    /// The consent page (`GOOGLE_AUTH_URL`, default [`DEFAULT_AUTH_URL`]).
    pub auth_url: String,
    /// The token endpoint (`GOOGLE_TOKEN_URL`, default [`DEFAULT_TOKEN_URL`]).
    pub token_url: String,
}

impl GoogleAppConfig {
    /// The app with these credentials and Google's own endpoints.
    pub fn new(client_id: impl Into<String>, client_secret: SecretString) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret,
            auth_url: DEFAULT_AUTH_URL.to_owned(),
            token_url: DEFAULT_TOKEN_URL.to_owned(),
        }
    }

    /// The OAuth app of `platform` asking for `scope`: offline access with `prompt=consent`, so
    /// that Google issues a refresh token on every consent, and PKCE (S256).
    pub(crate) fn oauth_app(
        &self,
        platform: Platform,
        scope: &'static str,
        http: &HttpClient,
    ) -> Result<OAuthApp, ConfigError> {
        OAuthApp::new(
            OAuthSettings {
                platform,
                client_id: self.client_id.clone(),
                client_secret: self.client_secret.clone(),
                auth_url: self.auth_url.clone(),
                auth_url_variable: "GOOGLE_AUTH_URL",
                token_url: self.token_url.clone(),
                token_url_variable: "GOOGLE_TOKEN_URL",
                client_id_variable: "GOOGLE_CLIENT_ID",
                scopes: vec![scope],
                extra_authorize_params: vec![("access_type", "offline"), ("prompt", "consent")],
                pkce: true,
                client_auth: ClientAuth::RequestBody,
                revoked_message: REVOKED_MESSAGE,
            },
            http.clone(),
        )
    }
}

/// A Google API error (`google.rpc.Status`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GoogleStatus {
    /// The HTTP status code.
    #[serde(default)]
    pub code: u16,
    /// What went wrong, in words meant for developers.
    #[serde(default)]
    pub message: String,
    /// The canonical code (`PERMISSION_DENIED`, `RESOURCE_EXHAUSTED`, ...).
    #[serde(default)]
    pub status: String,
    /// Typed details (`ErrorInfo`, Google Ads' `GoogleAdsFailure`, ...), kept as JSON.
    #[serde(default)]
    pub details: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Envelope {
    error: GoogleStatus,
}

// `Many` comes first: serde reads a struct from a sequence too, so `One` would take an array.
#[derive(Deserialize)]
#[serde(untagged)]
enum Envelopes {
    Many(Vec<Envelope>),
    One(Envelope),
}

impl GoogleStatus {
    /// The error of an answer's body, bare (`{"error": ...}`) or in an array; `None` when the body
    /// is no Google error (an HTML page from a proxy, say).
    pub fn of(reply: &Reply) -> Option<Self> {
        if reply.body.is_empty() {
            return None;
        }
        match serde_json::from_slice::<Envelopes>(&reply.body).ok()? {
            Envelopes::One(e) => Some(e.error),
            Envelopes::Many(many) => many.into_iter().next().map(|e| e.error),
        }
    }

    /// The `reason` of the first `google.rpc.ErrorInfo` detail (`SERVICE_DISABLED`,
    /// `ACCESS_TOKEN_SCOPE_INSUFFICIENT`, ...).
    pub fn reason(&self) -> Option<&str> {
        self.details
            .iter()
            .filter(|d| d.get("@type").and_then(serde_json::Value::as_str).is_some_and(|t| t.ends_with("ErrorInfo")))
            .find_map(|d| d.get("reason").and_then(serde_json::Value::as_str))
    }

    /// Whether the API called is not enabled in the Google Cloud project of the OAuth client.
    pub fn is_service_disabled(&self) -> bool {
        self.reason() == Some("SERVICE_DISABLED")
            || self.message.contains("has not been used in project")
            || self.message.contains("it is disabled")
    }

    /// Whether the token lacks the scope the API needs.
    pub fn is_scope_insufficient(&self) -> bool {
        self.reason() == Some("ACCESS_TOKEN_SCOPE_INSUFFICIENT")
            || self.message.contains("insufficient authentication scopes")
    }

    /// Google's message, cut to a length fit for an error shown to people (Google's error messages
    /// hold no credentials).
    pub fn short_message(&self) -> String {
        const MAX: usize = 300;
        let message = self.message.trim();
        match message.char_indices().nth(MAX) {
            Some((cut, _)) => format!("{}…", &message[..cut]),
            None => message.to_owned(),
        }
    }
}

/// A protobuf `Duration` in JSON ("40591s", "1.5s").
pub(crate) fn proto_duration(raw: &str) -> Option<Duration> {
    let seconds: f64 = raw.trim().strip_suffix('s')?.parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

/// An int64 that Google's JSON sends as a string (or, leniently, as a number); absent is zero.
pub(crate) fn int64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(u64),
        Text(String),
    }
    match Option::<Raw>::deserialize(deserializer)? {
        None => Ok(0),
        Some(Raw::Number(n)) => Ok(n),
        Some(Raw::Text(s)) => s.trim().parse().map_err(serde::de::Error::custom),
    }
}

/// A double that Google's JSON sends as a number (or, leniently, as a string); absent is zero.
pub(crate) fn double<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(f64),
        Text(String),
    }
    match Option::<Raw>::deserialize(deserializer)? {
        None => Ok(0.0),
        Some(Raw::Number(n)) => Ok(n),
        Some(Raw::Text(s)) => s.trim().parse().map_err(serde::de::Error::custom),
    }
}

/// A count as GA4 sends it (a string of digits).
pub(crate) fn parse_count(raw: &str) -> Option<u64> {
    raw.trim().parse().ok()
}

/// A decimal metric value as GA4 sends it (a string), finite and not negative.
pub(crate) fn parse_amount(raw: &str) -> Option<f64> {
    raw.trim().parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0)
}

/// Whether `id` is a plain numeric id (GA4 property, Google Ads customer), safe in a URL path.
pub(crate) fn is_numeric_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protobuf_durations_are_read_in_seconds() {
        assert_eq!(proto_duration("40591s"), Some(Duration::from_secs(40_591)));
        assert_eq!(proto_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(proto_duration("40591"), None);
        assert_eq!(proto_duration("-1s"), None);
    }

    #[test]
    fn an_error_is_read_bare_or_in_an_array() {
        let reply = |body: &str| Reply {
            status: reqwest::StatusCode::FORBIDDEN,
            headers: reqwest::header::HeaderMap::new(),
            body: body.as_bytes().to_vec(),
            retry_after: None,
        };
        let bare = r#"{"error":{"code":403,"message":"no","status":"PERMISSION_DENIED"}}"#;
        assert_eq!(GoogleStatus::of(&reply(bare)).unwrap().status, "PERMISSION_DENIED");
        let wrapped = format!("[{bare}]");
        assert_eq!(GoogleStatus::of(&reply(&wrapped)).unwrap().message, "no");
        assert!(GoogleStatus::of(&reply("<html>Not Found</html>")).is_none());
    }
}
