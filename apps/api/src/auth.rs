//! Bearer-token authentication: users are owned by the agency's main application, which signs
//! HS256 JWTs whose `sub` is the user's 24-hex id (decision 7). This service only verifies them,
//! and remembers the last few thousand tokens that passed, by their whole text, so that a client's
//! next requests with the same token only have its `exp` and `nbf` checked again.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use domain::ids::UserId;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::startup::AppState;

/// Shortest `JWT_SECRET` accepted: 256 bits, the size of the HS256 hash.
pub const MIN_SECRET_BYTES: usize = 32;

/// The claims this service writes, for development tokens. Incoming tokens are read claim by
/// claim (see [`JwtKeys::verify`]), so that a missing or mistyped claim is named in the answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id, 24 hexadecimal characters.
    pub sub: String,
    /// Expiry, in seconds since the Unix epoch.
    pub exp: u64,
    /// Issue time, in seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// The issuer (`JWT_ISSUER`), when one is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// The audience (`JWT_AUDIENCE`), when one is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
}

/// Why a JWT secret was refused.
#[derive(Debug, thiserror::Error)]
pub enum JwtSecretError {
    /// The secret is too short to be safe.
    #[error("must be at least {MIN_SECRET_BYTES} bytes long (got {0}); generate one with `openssl rand -base64 48`")]
    TooShort(usize),
}

/// How many verified tokens are remembered (a few hundred bytes each): a client sends the same
/// token on every request until it expires.
const VERIFIED_TOKENS: usize = 4096;

/// A token that passed every check: its user and the times it is valid between, so that its next
/// requests skip the signature and claim checks while it is still valid.
#[derive(Debug, Clone, Copy)]
struct Verified {
    user: UserId,
    exp: u64,
    nbf: Option<u64>,
}

/// Signs and verifies the service's tokens.
#[derive(Clone)]
pub struct JwtKeys {
    decoding: Arc<DecodingKey>,
    encoding: Arc<EncodingKey>,
    validation: Arc<Validation>,
    issuer: Option<Arc<str>>,
    audience: Option<Arc<str>>,
    /// Tokens verified with these keys, by their whole text (never a hash of it, which another
    /// token could share). Emptied whenever the checks change.
    verified: Arc<quick_cache::sync::Cache<String, Verified>>,
}

impl JwtKeys {
    /// Keys for an HS256 secret, checking `exp` and `nbf` (with 60 seconds of leeway for clock
    /// skew) and requiring `sub` and `exp`. Tokens may carry `iss` and `aud`; they are ignored
    /// until [`Self::with_issuer`] and [`Self::with_audience`] say what they must be.
    ///
    /// # Errors
    /// [`JwtSecretError::TooShort`] under [`MIN_SECRET_BYTES`].
    pub fn new(secret: &SecretString) -> Result<Self, JwtSecretError> {
        let bytes = secret.expose_secret().as_bytes();
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(JwtSecretError::TooShort(bytes.len()));
        }
        let mut keys = Self {
            decoding: Arc::new(DecodingKey::from_secret(bytes)),
            encoding: Arc::new(EncodingKey::from_secret(bytes)),
            validation: Arc::new(Validation::new(Algorithm::HS256)),
            issuer: None,
            audience: None,
            verified: Arc::new(quick_cache::sync::Cache::new(VERIFIED_TOKENS)),
        };
        keys.validation = Arc::new(keys.validation());
        Ok(keys)
    }

    /// The same keys, requiring `iss` to equal `issuer` (`JWT_ISSUER`); `None` ignores `iss`.
    #[must_use]
    pub fn with_issuer(mut self, issuer: Option<&str>) -> Self {
        self.issuer = issuer.map(Arc::from);
        self.validation = Arc::new(self.validation());
        self.verified = Arc::new(quick_cache::sync::Cache::new(VERIFIED_TOKENS));
        self
    }

    /// The same keys, requiring `aud` to contain `audience` (`JWT_AUDIENCE`); `None` ignores `aud`.
    #[must_use]
    pub fn with_audience(mut self, audience: Option<&str>) -> Self {
        self.audience = audience.map(Arc::from);
        self.validation = Arc::new(self.validation());
        self.verified = Arc::new(quick_cache::sync::Cache::new(VERIFIED_TOKENS));
        self
    }

    fn validation(&self) -> Validation {
        let mut validation = Validation::new(Algorithm::HS256);
        let mut required = vec!["exp", "sub"];
        validation.validate_exp = true;
        validation.validate_nbf = true;
        if let Some(issuer) = &self.issuer {
            validation.set_issuer(&[&**issuer]);
            required.push("iss");
        }
        // Without an audience configured, jsonwebtoken would refuse every token carrying `aud`.
        validation.validate_aud = self.audience.is_some();
        if let Some(audience) = &self.audience {
            validation.set_audience(&[&**audience]);
            required.push("aud");
        }
        validation.set_required_spec_claims(&required);
        validation
    }

    /// Checks a token and returns its user.
    ///
    /// # Errors
    /// A 401 [`ApiError`] saying which check the token failed.
    pub fn verify(&self, token: &str) -> Result<UserId, ApiError> {
        let now = jsonwebtoken::get_current_timestamp();
        if let Some(known) = self.verified.get(token) {
            if self.still_valid(known, now) {
                return Ok(known.user);
            }
            // Past its time: the full check below says which claim failed.
        }
        let refuse = |detail: String| ApiError::unauthorized(detail, true);
        // Decoded as a map, so that a missing or mistyped claim is named rather than "not a JWT".
        let data =
            jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(token, &self.decoding, &self.validation)
                .map_err(|e| refuse(refusal(e.kind())))?;
        let claims = data.claims;
        for time in ["nbf", "iat"] {
            if claims.get(time).is_some_and(|v| !v.is_u64()) {
                return Err(refuse(format!(
                    "the bearer token's {time} claim must be a number of seconds since the Unix epoch"
                )));
            }
        }
        let sub = claims.get("sub").and_then(serde_json::Value::as_str).unwrap_or_default();
        let user = UserId::parse(sub)
            .map_err(|_| refuse("the bearer token's sub must be the user's 24-character hexadecimal id".to_owned()))?;
        // An `exp` that is not a whole number passed jsonwebtoken's check but is not remembered.
        if let Some(exp) = claims.get("exp").and_then(serde_json::Value::as_u64) {
            let nbf = claims.get("nbf").and_then(serde_json::Value::as_u64);
            self.verified.insert(token.to_owned(), Verified { user, exp, nbf });
        }
        Ok(user)
    }

    /// Whether a token verified earlier is still within its `exp` and `nbf` at `now`, with the
    /// same leeway as the full check.
    fn still_valid(&self, token: Verified, now: u64) -> bool {
        let leeway = self.validation.leeway;
        token.exp >= now.saturating_sub(leeway) && token.nbf.is_none_or(|nbf| nbf <= now + leeway)
    }

    /// Signs a token for `user` that expires after `ttl` (for `dev-token` and tests), with the
    /// configured issuer and audience.
    ///
    /// # Errors
    /// When the token cannot be encoded (it always can with an HMAC key).
    pub fn issue(&self, user: UserId, ttl: Duration) -> Result<String, jsonwebtoken::errors::Error> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            sub: user.to_string(),
            exp: now + ttl.as_secs(),
            iat: Some(now),
            iss: self.issuer.as_deref().map(str::to_owned),
            aud: self.audience.as_deref().map(str::to_owned),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }
}

/// What a 401 says for each way a token can fail; each names the claim or check at fault.
fn refusal(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::ExpiredSignature => {
            "the bearer token has expired (its exp claim is in the past); sign in again to get a new one".to_owned()
        }
        ErrorKind::ImmatureSignature => {
            "the bearer token is not valid yet (its nbf claim lies in the future); check the issuer's clock".to_owned()
        }
        ErrorKind::InvalidIssuer => {
            "the bearer token's iss claim does not name the expected issuer (JWT_ISSUER)".to_owned()
        }
        ErrorKind::InvalidAudience => {
            "the bearer token's aud claim does not name this service's audience (JWT_AUDIENCE)".to_owned()
        }
        ErrorKind::InvalidSignature => {
            "the bearer token's signature does not match; it was not issued for this service".to_owned()
        }
        ErrorKind::InvalidAlgorithm => "the bearer token must be signed with HS256".to_owned(),
        ErrorKind::MissingRequiredClaim(claim) => {
            let what =
                if matches!(claim.as_str(), "exp") { "a number of seconds since the Unix epoch" } else { "a string" };
            format!("the bearer token is missing its {claim} claim (or it is not {what})")
        }
        _ => "the bearer token is not a well-formed JWT".to_owned(),
    }
}

/// The authenticated user of a request. Extracting it answers 401 (with `WWW-Authenticate: Bearer`)
/// when the `Authorization: Bearer` token is missing, malformed, expired, badly signed or names no
/// valid user id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthUser(pub UserId);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(ApiError::unauthorized(
                "missing bearer token; send the header Authorization: Bearer <JWT>",
                false,
            ));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::unauthorized("the Authorization header must read Bearer <JWT>", false))?;
        let user = state.jwt.verify(token)?;
        tracing::Span::current().record("user_id", tracing::field::display(user));
        Ok(Self(user))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(&SecretString::from("a-test-secret-that-is-long-enough-for-hs256")).unwrap()
    }

    fn user() -> UserId {
        UserId::parse("64b7f0c2a1b2c3d4e5f60718").unwrap()
    }

    #[test]
    fn issued_tokens_verify_to_their_user() {
        let keys = keys();
        let token = keys.issue(user(), Duration::from_secs(60)).unwrap();
        assert_eq!(keys.verify(&token).unwrap(), user());
    }

    #[test]
    fn tokens_signed_with_another_secret_are_refused() {
        let other = JwtKeys::new(&SecretString::from("another-secret-that-is-long-enough-for-hs256")).unwrap();
        let token = other.issue(user(), Duration::from_secs(60)).unwrap();
        let error = keys().verify(&token).unwrap_err();
        assert!(error.problem().detail.contains("signature"), "{}", error.problem().detail);
    }

    #[test]
    fn a_verified_token_is_remembered_but_a_tampered_copy_is_still_checked() {
        let keys = keys();
        let token = keys.issue(user(), Duration::from_secs(60)).unwrap();
        assert_eq!(keys.verify(&token).unwrap(), user());
        assert!(keys.verified.get(token.as_str()).is_some(), "remembered after the full check");
        assert_eq!(keys.verify(&token).unwrap(), user());
        let mut tampered = token.clone();
        let last = if tampered.ends_with('A') { 'B' } else { 'A' };
        tampered.pop();
        tampered.push(last);
        assert!(keys.verify(&tampered).is_err(), "another text is another token");
        assert!(keys.verified.get(tampered.as_str()).is_none());
    }

    #[test]
    fn a_remembered_token_past_its_time_gets_the_full_check_and_its_refusal() {
        let keys = keys();
        let exp = now() - 3600;
        let token = signed(&keys, &serde_json::json!({ "sub": user().to_string(), "exp": exp }));
        keys.verified.insert(token.clone(), Verified { user: user(), exp, nbf: None });
        assert!(keys.verify(&token).unwrap_err().problem().detail.contains("expired"));
    }

    #[test]
    fn a_remembered_token_is_valid_within_the_same_leeway_as_the_full_check() {
        let keys = keys();
        let now = now();
        let at = |exp: u64, nbf: Option<u64>| keys.still_valid(Verified { user: user(), exp, nbf }, now);
        assert!(at(now - 59, None), "expired less than the leeway ago");
        assert!(!at(now - 61, None), "expired more than the leeway ago");
        assert!(at(now + 3600, Some(now + 59)), "valid from less than the leeway ahead");
        assert!(!at(now + 3600, Some(now + 61)), "valid only from more than the leeway ahead");
    }

    #[test]
    fn changing_the_checks_forgets_the_tokens_verified_before() {
        let keys = keys();
        let token = keys.issue(user(), Duration::from_secs(60)).unwrap();
        keys.verify(&token).unwrap();
        let strict = keys.with_issuer(Some("https://agency.example"));
        assert!(strict.verify(&token).unwrap_err().problem().detail.contains("iss"));
    }

    #[test]
    fn expired_tokens_are_refused() {
        let keys = keys();
        let token = signed(&keys, &serde_json::json!({ "sub": user().to_string(), "exp": now() - 3600 }));
        assert!(keys.verify(&token).unwrap_err().problem().detail.contains("expired"));
    }

    #[test]
    fn a_sub_that_is_not_a_user_id_is_refused() {
        let keys = keys();
        let token = signed(&keys, &serde_json::json!({ "sub": "alice", "exp": now() + 3600 }));
        assert!(keys.verify(&token).unwrap_err().problem().detail.contains("sub"));
    }

    fn now() -> u64 {
        jsonwebtoken::get_current_timestamp()
    }

    fn signed(keys: &JwtKeys, claims: &serde_json::Value) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &keys.encoding).unwrap()
    }

    fn detail(keys: &JwtKeys, claims: &serde_json::Value) -> String {
        keys.verify(&signed(keys, claims)).unwrap_err().problem().detail.clone()
    }

    #[test]
    fn iss_and_aud_are_ignored_when_not_configured() {
        let keys = keys();
        let claims = serde_json::json!({
            "sub": user().to_string(), "exp": now() + 60, "iss": "https://auth.example", "aud": ["a", "b"],
        });
        assert_eq!(keys.verify(&signed(&keys, &claims)).unwrap(), user());
    }

    #[test]
    fn a_configured_issuer_and_audience_are_required() {
        let keys = keys().with_issuer(Some("https://auth.example")).with_audience(Some("chatbot"));
        let sub = user().to_string();
        let good = serde_json::json!({ "sub": sub, "exp": now() + 60, "iss": "https://auth.example", "aud": ["x", "chatbot"] });
        assert_eq!(keys.verify(&signed(&keys, &good)).unwrap(), user());
        assert_eq!(keys.verify(&keys.issue(user(), Duration::from_secs(60)).unwrap()).unwrap(), user());
        let wrong_iss = serde_json::json!({ "sub": sub, "exp": now() + 60, "iss": "https://evil", "aud": "chatbot" });
        assert!(detail(&keys, &wrong_iss).contains("iss"));
        let no_iss = serde_json::json!({ "sub": sub, "exp": now() + 60, "aud": "chatbot" });
        assert!(detail(&keys, &no_iss).contains("missing its iss"));
        let wrong_aud =
            serde_json::json!({ "sub": sub, "exp": now() + 60, "iss": "https://auth.example", "aud": "other" });
        assert!(detail(&keys, &wrong_aud).contains("aud"));
        let no_aud = serde_json::json!({ "sub": sub, "exp": now() + 60, "iss": "https://auth.example" });
        assert!(detail(&keys, &no_aud).contains("missing its aud"));
    }

    #[test]
    fn each_failed_claim_is_named() {
        let keys = keys();
        let sub = user().to_string();
        assert!(
            detail(&keys, &serde_json::json!({ "sub": sub, "exp": now() + 600, "nbf": now() + 300 })).contains("nbf")
        );
        assert!(detail(&keys, &serde_json::json!({ "sub": sub, "exp": now() + 600, "nbf": "soon" })).contains("nbf"));
        assert!(detail(&keys, &serde_json::json!({ "exp": now() + 600 })).contains("missing its sub"));
        assert!(detail(&keys, &serde_json::json!({ "sub": sub })).contains("missing its exp"));
        assert!(detail(&keys, &serde_json::json!({ "sub": 42, "exp": now() + 600 })).contains("sub"));
        let ok = serde_json::json!({ "sub": sub, "exp": now() + 600, "nbf": now() - 10 });
        assert_eq!(keys.verify(&signed(&keys, &ok)).unwrap(), user());
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(matches!(JwtKeys::new(&SecretString::from("short")), Err(JwtSecretError::TooShort(5))));
    }
}
