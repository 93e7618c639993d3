//! OAuth 2.0 authorization-code plumbing on the `oauth2` crate, shared by the platform modules:
//! the consent URL with scopes, a random state and PKCE (S256), the code exchange and the refresh,
//! sent through the shared [`HttpClient`] (paced, retried, traced) and mapped to the domain's
//! [`ConnectorError`]s once.
//!
//! A platform module describes its app with [`OAuthSettings`] and builds one [`OAuthApp`]; its
//! connector's `authorize`, `exchange` and `refresh` delegate to it. Token responses are read
//! leniently, so that the platforms' variations parse: `token_type` may be missing (LinkedIn) or
//! lower case (Meta), `scope` may be separated by spaces or commas, and `refresh_token_expires_in`
//! (LinkedIn) is kept.

use std::borrow::Cow;
use std::time::Duration;

use domain::platform::Platform;
use domain::ports::{Authorization, ConnectorError, TokenGrant};
use oauth2::basic::{
    BasicErrorResponse, BasicErrorResponseType, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AccessToken, AuthType, AuthUrl, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, HttpRequest, HttpResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RequestTokenError, Scope, StandardRevocableToken, TokenResponse, TokenUrl,
};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize};

use crate::config::{ConfigError, parse_url, required};
use crate::http::{Call, HttpClient};

/// Where the app's credentials go in token requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_id` and `client_secret` in the form body (Google, LinkedIn).
    RequestBody,
    /// HTTP Basic authentication.
    BasicAuth,
}

/// One platform's OAuth app, as its connector's configuration gives it.
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    /// The platform, for logs and messages.
    pub platform: Platform,
    /// The app's client id.
    pub client_id: String,
    /// The app's client secret.
    pub client_secret: SecretString,
    /// The consent page.
    pub auth_url: String,
    /// The variable that sets `auth_url`, named when it is invalid.
    pub auth_url_variable: &'static str,
    /// The token endpoint.
    pub token_url: String,
    /// The variable that sets `token_url`, named when it is invalid.
    pub token_url_variable: &'static str,
    /// The variable that sets `client_id`, named when it is blank.
    pub client_id_variable: &'static str,
    /// The scopes asked for, sent space-separated.
    pub scopes: Vec<&'static str>,
    /// Further parameters of the consent URL (Google: `access_type=offline`, `prompt=consent`).
    pub extra_authorize_params: Vec<(&'static str, &'static str)>,
    /// Whether to use PKCE (S256).
    pub pkce: bool,
    /// Where the credentials go in token requests.
    pub client_auth: ClientAuth,
    /// The message of [`ConnectorError::Revoked`] when the token endpoint answers `invalid_grant`:
    /// what happened and that the user must reconnect.
    pub revoked_message: &'static str,
}

type ConfiguredClient = Client<
    BasicErrorResponse,
    TokenReply,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// A platform's OAuth app, ready to start authorizations and to exchange codes and refresh tokens.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    platform: Platform,
    client: ConfiguredClient,
    scopes: Vec<&'static str>,
    extra_authorize_params: Vec<(&'static str, &'static str)>,
    pkce: bool,
    revoked_message: &'static str,
    http: HttpClient,
}

impl OAuthApp {
    /// The app of `settings`, calling its token endpoint through `http`.
    ///
    /// # Errors
    /// [`ConfigError`] naming the variable when the client id is blank or a URL is invalid.
    pub fn new(settings: OAuthSettings, http: HttpClient) -> Result<Self, ConfigError> {
        let client_id = required(settings.client_id_variable, &settings.client_id)?;
        let auth_url = AuthUrl::from_url(parse_url(settings.auth_url_variable, &settings.auth_url)?);
        let token_url = TokenUrl::from_url(parse_url(settings.token_url_variable, &settings.token_url)?);
        let client = Client::new(ClientId::new(client_id))
            .set_client_secret(ClientSecret::new(settings.client_secret.expose_secret().to_owned()))
            .set_auth_uri(auth_url)
            .set_token_uri(token_url)
            .set_auth_type(match settings.client_auth {
                ClientAuth::RequestBody => AuthType::RequestBody,
                ClientAuth::BasicAuth => AuthType::BasicAuth,
            });
        Ok(Self {
            platform: settings.platform,
            client,
            scopes: settings.scopes,
            extra_authorize_params: settings.extra_authorize_params,
            pkce: settings.pkce,
            revoked_message: settings.revoked_message,
            http,
        })
    }

    /// A consent URL that sends the user back to `redirect_uri`, with the scopes, a random state
    /// and, when the app uses PKCE, an S256 challenge whose verifier is returned to keep.
    ///
    /// # Errors
    /// [`ConnectorError::Refused`] when `redirect_uri` is not a URL.
    pub fn authorize(&self, redirect_uri: &str) -> Result<Authorization, ConnectorError> {
        let redirect = redirect_url(redirect_uri)?;
        let mut request = self
            .client
            .authorize_url(CsrfToken::new_random)
            .set_redirect_uri(Cow::Owned(redirect))
            .add_scopes(self.scopes.iter().map(|s| Scope::new((*s).to_owned())));
        for (name, value) in &self.extra_authorize_params {
            request = request.add_extra_param(*name, *value);
        }
        let mut pkce_verifier = None;
        if self.pkce {
            let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
            request = request.set_pkce_challenge(challenge);
            pkce_verifier = Some(SecretString::from(verifier.into_secret()));
        }
        let (url, state) = request.url();
        Ok(Authorization { url: url.into(), state: state.into_secret(), pkce_verifier })
    }

    /// Exchanges the authorization `code` (with its PKCE verifier, when one was made) for tokens.
    ///
    /// # Errors
    /// [`ConnectorError::Revoked`] on `invalid_grant` (the code expired or was used),
    /// [`ConnectorError::Refused`] on another OAuth error, [`ConnectorError::RateLimited`],
    /// [`ConnectorError::Unavailable`] when the endpoint cannot be reached or fails,
    /// [`ConnectorError::InvalidResponse`] when its answer cannot be read.
    pub async fn exchange(
        &self,
        code: &SecretString,
        pkce_verifier: Option<&SecretString>,
        redirect_uri: &str,
    ) -> Result<TokenGrant, ConnectorError> {
        let redirect = redirect_url(redirect_uri)?;
        let mut request = self
            .client
            .exchange_code(AuthorizationCode::new(code.expose_secret().to_owned()))
            .set_redirect_uri(Cow::Owned(redirect));
        if let Some(verifier) = pkce_verifier {
            request = request.set_pkce_verifier(PkceCodeVerifier::new(verifier.expose_secret().to_owned()));
        }
        let reply = request.request_async(&Sender(self)).await;
        self.grant(reply)
    }

    /// Exchanges `refresh_token` for a new access token (and a new refresh token, when the platform
    /// rotates them; `None` when it keeps the old one, as Google does).
    ///
    /// # Errors
    /// As [`OAuthApp::exchange`]; `invalid_grant` means the refresh token was revoked or expired.
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenGrant, ConnectorError> {
        let token = RefreshToken::new(refresh_token.expose_secret().to_owned());
        let reply = self.client.exchange_refresh_token(&token).request_async(&Sender(self)).await;
        self.grant(reply)
    }

    /// Sends a token request through the shared client. A final 429 or 5xx becomes the domain's
    /// error here, because such bodies are rarely OAuth error JSON.
    async fn post(&self, request: HttpRequest) -> Result<HttpResponse, ConnectorError> {
        let request = reqwest::Request::try_from(request)
            .map_err(|_| ConnectorError::Unavailable("the token request could not be built".into()))?;
        let call = Call::new(self.platform, "token");
        let reply = self.http.execute(&call, request).await?;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            return Err(ConnectorError::RateLimited { retry_after: reply.retry_after });
        }
        if reply.status.is_server_error() {
            return Err(ConnectorError::Unavailable(format!(
                "the {} token endpoint answered {}",
                self.platform.display_name(),
                reply.status
            )));
        }
        let mut response = oauth2::http::Response::builder().status(reply.status.as_u16());
        for (name, value) in &reply.headers {
            response = response.header(name, value);
        }
        response
            .body(reply.body)
            .map_err(|_| ConnectorError::InvalidResponse("the token endpoint's answer could not be read".into()))
    }

    fn grant(
        &self,
        reply: Result<TokenReply, RequestTokenError<ConnectorError, BasicErrorResponse>>,
    ) -> Result<TokenGrant, ConnectorError> {
        match reply {
            Ok(reply) => Ok(TokenGrant {
                access_token: SecretString::from(reply.access_token.secret().to_owned()),
                refresh_token: reply.refresh_token.as_ref().map(|t| SecretString::from(t.secret().to_owned())),
                expires_in: reply.expires_in(),
                refresh_expires_in: reply.refresh_token_expires_in.map(Duration::from_secs),
            }),
            Err(RequestTokenError::ServerResponse(error)) => {
                if *error.error() == BasicErrorResponseType::InvalidGrant {
                    return Err(ConnectorError::Revoked(self.revoked_message.to_owned()));
                }
                let detail = error.error_description().map(|d| format!(": {d}")).unwrap_or_default();
                Err(ConnectorError::Refused(format!(
                    "{} refused the authorization ({}){detail}",
                    self.platform.display_name(),
                    error.error()
                )))
            }
            Err(RequestTokenError::Request(error)) => Err(error),
            // The body of a token answer may hold tokens: it is never quoted.
            Err(RequestTokenError::Parse(..)) => Err(ConnectorError::InvalidResponse(format!(
                "the {} token endpoint's answer could not be read",
                self.platform.display_name()
            ))),
            Err(RequestTokenError::Other(message)) => Err(ConnectorError::InvalidResponse(format!(
                "the {} token endpoint: {message}",
                self.platform.display_name()
            ))),
        }
    }
}

/// The shared client as the `oauth2` crate calls it. A closure (`&|r| self.post(r)`) would do,
/// but the future it makes cannot be proven `Send` for every lifetime (rust-lang/rust#102211), which
/// the connectors' `async_trait` methods need: this names the future's type, boxed and `Send`.
struct Sender<'a>(&'a OAuthApp);

impl<'c> oauth2::AsyncHttpClient<'c> for Sender<'_> {
    type Error = ConnectorError;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<HttpResponse, ConnectorError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.0.post(request))
    }
}

fn redirect_url(raw: &str) -> Result<RedirectUrl, ConnectorError> {
    RedirectUrl::new(raw.to_owned()).map_err(|e| ConnectorError::Refused(format!("the redirect URI is invalid: {e}")))
}

/// A token endpoint's answer, read leniently (see the module's documentation).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub(crate) struct TokenReply {
    access_token: AccessToken,
    #[serde(default = "bearer", deserialize_with = "oauth2::helpers::deserialize_untagged_enum_case_insensitive")]
    token_type: BasicTokenType,
    #[serde(default, deserialize_with = "seconds")]
    expires_in: Option<u64>,
    #[serde(default)]
    refresh_token: Option<RefreshToken>,
    #[serde(default, deserialize_with = "seconds")]
    refresh_token_expires_in: Option<u64>,
    #[serde(rename = "scope", default, deserialize_with = "scopes", skip_serializing)]
    scopes: Option<Vec<Scope>>,
}

fn bearer() -> BasicTokenType {
    BasicTokenType::Bearer
}

/// Seconds as a JSON number or a string of digits (some endpoints send either).
fn seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(u64),
        Text(String),
    }
    match Option::<Raw>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Raw::Number(n)) => Ok(Some(n)),
        Some(Raw::Text(s)) => s.trim().parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// Scopes separated by spaces or commas (LinkedIn).
fn scopes<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<Scope>>, D::Error> {
    let raw = Option::<String>::deserialize(deserializer)?;
    Ok(raw.map(|s| {
        s.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(|s| Scope::new(s.into()))
            .collect()
    }))
}

impl TokenResponse for TokenReply {
    type TokenType = BasicTokenType;

    fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    fn token_type(&self) -> &BasicTokenType {
        &self.token_type
    }

    fn expires_in(&self) -> Option<Duration> {
        self.expires_in.map(Duration::from_secs)
    }

    fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    fn scopes(&self) -> Option<&Vec<Scope>> {
        self.scopes.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_answer_without_a_token_type_is_read() {
        let reply: TokenReply = serde_json::from_str(
            r#"{"access_token":"AQX","expires_in":5184000,"refresh_token":"AQW",
                "refresh_token_expires_in":31536000,"scope":"r_ads,r_ads_reporting"}"#,
        )
        .unwrap();
        assert_eq!(reply.token_type, BasicTokenType::Bearer);
        assert_eq!(reply.refresh_token_expires_in, Some(31_536_000));
        assert_eq!(reply.scopes.as_ref().map(Vec::len), Some(2));
    }

    #[test]
    fn a_lower_case_token_type_and_a_missing_expiry_are_read() {
        let reply: TokenReply = serde_json::from_str(r#"{"access_token":"EAAG","token_type":"bearer"}"#).unwrap();
        assert_eq!(reply.token_type, BasicTokenType::Bearer);
        assert_eq!(reply.expires_in(), None);
    }

    #[test]
    fn a_token_answer_does_not_print_its_tokens() {
        let reply: TokenReply =
            serde_json::from_str(r#"{"access_token":"ya29.secret","refresh_token":"1//secret","expires_in":"3599"}"#)
                .unwrap();
        let shown = format!("{reply:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert_eq!(reply.expires_in(), Some(Duration::from_secs(3599)));
    }
}
