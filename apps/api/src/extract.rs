//! Extractors that answer with problems: JSON bodies, query strings and path ids that cannot be
//! read become 400 (or 413/415) problems saying what is wrong, never axum's plain-text rejections.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body (`Content-Type: application/json`) of type `T`, which must be a JSON object as
/// `/openapi.json` says: serde would otherwise bind an array to a struct's fields by position.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(&request) {
            return Err(ApiError::unsupported_media_type());
        }
        let bytes = body(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::malformed("the body is empty; it must be a JSON object ({...})"));
        }
        json_object(&bytes).map(Self)
    }
}

/// A query string of type `T`. Its fields read an empty value (`?cursor=`) as absent with
/// `wire::empty_as_none`; `/openapi.json` says so with `allowEmptyValue`.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// A JSON body that may also be empty or `null`, which read as `T::default()`.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonOrEmpty<T>(pub T);

impl<S, T> FromRequest<S> for JsonOrEmpty<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Default,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = is_json(&request);
        let bytes = body(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(T::default()));
        }
        if !is_json {
            return Err(ApiError::unsupported_media_type());
        }
        if bytes.trim_ascii() == b"null" {
            return Ok(Self(T::default()));
        }
        json_object(&bytes).map(Self)
    }
}

/// Whether the request declares a JSON body: `application/json` or `application/*+json`, with
/// or without parameters (as `axum::Json` accepts).
fn is_json(request: &Request) -> bool {
    let Some(value) = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|subtype| subtype.ends_with("+json") && !subtype.contains('/'))
}

/// The whole body, within the size limit.
async fn body<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::payload_too_large()
        } else {
            ApiError::malformed(format!("the body could not be read: {}", rejection.body_text()))
        }
    })
}

/// Reads `bytes` as a `T`, refusing any JSON value but an object. Syntax errors say the body is not
/// valid JSON; valid JSON of the wrong shape says what was expected, with the field's path.
fn json_object<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let first = bytes.trim_ascii_start().first().copied();
    if first != Some(b'{') {
        // Report a syntax error as such; only valid JSON is told it has the wrong kind.
        let axum::Json(_) = axum::Json::<serde::de::IgnoredAny>::from_bytes(bytes)?;
        let kind = match first {
            Some(b'[') => "an array",
            Some(b'"') => "a string",
            Some(b't' | b'f') => "a boolean",
            Some(b'n') => "null",
            _ => "a number",
        };
        return Err(ApiError::malformed(format!(
            "the body must be a JSON object ({{...}}), not {kind}; see /openapi.json for the fields each route takes"
        )));
    }
    let axum::Json(value) = axum::Json::<T>::from_bytes(bytes)?;
    Ok(value)
}
