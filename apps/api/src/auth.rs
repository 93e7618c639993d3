//! Bearer-token authentication: users are owned by the agency's main application, which signs
//! HS256 JWTs whose `sub` is the user's 24-hex id (decision 7). This service only verifies them.

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

/// The claims this service reads (and writes, for development tokens).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id, 24 hexadecimal characters.
    pub sub: String,
    /// Expiry, in seconds since the Unix epoch.
    pub exp: u64,
    /// Issue time, in seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
}

/// Why a JWT secret was refused.
#[derive(Debug, thiserror::Error)]
pub enum JwtSecretError {
    /// The secret is too short to be safe.
    #[error("must be at least {MIN_SECRET_BYTES} bytes long (got {0}); generate one with `openssl rand -base64 48`")]
    TooShort(usize),
}

/// Signs and verifies the service's tokens.
#[derive(Clone)]
pub struct JwtKeys {
    decoding: Arc<DecodingKey>,
    encoding: Arc<EncodingKey>,
    validation: Arc<Validation>,
}

impl JwtKeys {
    /// Keys for an HS256 secret.
    ///
    /// # Errors
    /// [`JwtSecretError::TooShort`] under [`MIN_SECRET_BYTES`].
    pub fn new(secret: &SecretString) -> Result<Self, JwtSecretError> {
        let bytes = secret.expose_secret().as_bytes();
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(JwtSecretError::TooShort(bytes.len()));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.validate_exp = true;
        Ok(Self {
            decoding: Arc::new(DecodingKey::from_secret(bytes)),
            encoding: Arc::new(EncodingKey::from_secret(bytes)),
            validation: Arc::new(validation),
        })
    }

    /// Checks a token and returns its user.
    ///
    /// # Errors
    /// A 401 [`ApiError`] saying what is wrong with the token.
    pub fn verify(&self, token: &str) -> Result<UserId, ApiError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| {
            let detail = match e.kind() {
                ErrorKind::ExpiredSignature => "the bearer token has expired; sign in again to get a new one",
                ErrorKind::InvalidSignature => {
                    "the bearer token's signature does not match; it was not issued for this service"
                }
                ErrorKind::InvalidAlgorithm => "the bearer token must be signed with HS256",
                ErrorKind::MissingRequiredClaim(_) => "the bearer token must carry the claims sub and exp",
                _ => "the bearer token is not a well-formed JWT",
            };
            ApiError::unauthorized(detail, true)
        })?;
        UserId::parse(&data.claims.sub).map_err(|_| {
            ApiError::unauthorized("the bearer token's sub must be the user's 24-character hexadecimal id", true)
        })
    }

    /// Signs a token for `user` that expires after `ttl` (for `dev-token` and tests).
    ///
    /// # Errors
    /// When the token cannot be encoded (it always can with an HMAC key).
    pub fn issue(&self, user: UserId, ttl: Duration) -> Result<String, jsonwebtoken::errors::Error> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims { sub: user.to_string(), exp: now + ttl.as_secs(), iat: Some(now) };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
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
    fn expired_tokens_are_refused() {
        let keys = keys();
        let claims = Claims { sub: user().to_string(), exp: jsonwebtoken::get_current_timestamp() - 3600, iat: None };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding).unwrap();
        assert!(keys.verify(&token).unwrap_err().problem().detail.contains("expired"));
    }

    #[test]
    fn a_sub_that_is_not_a_user_id_is_refused() {
        let keys = keys();
        let claims = Claims { sub: "alice".into(), exp: jsonwebtoken::get_current_timestamp() + 3600, iat: None };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding).unwrap();
        assert!(keys.verify(&token).unwrap_err().problem().detail.contains("sub"));
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(matches!(JwtKeys::new(&SecretString::from("short")), Err(JwtSecretError::TooShort(5))));
    }
}
