//! The one place where failures become `application/problem+json` responses (RFC 9457).
//!
//! Handlers return [`ApiError`], built from every domain error enum through `From`. Its response
//! carries the [`Problem`] in an extension; [`render_problems`], a middleware around the whole
//! router, then writes the body with the request's path and id. The same middleware turns every
//! other error response (unknown route, wrong method, body too large, timeout) into a problem too,
//! so a client only ever sees one error shape.

use std::error::Error as StdError;
use std::time::Duration;

use axum::extract::Request;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::ports::{ChatModelError, ConnectorError, StoreError};
use domain::services::chat::ChatError;
use domain::services::clients::ClientError;
use domain::services::conversations::ConversationError;
use domain::services::platforms::PlatformError;
use domain::services::users::UserError;
use domain::validation::ValidationError;
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The request id header, set on every request and echoed on every response.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// An error body (RFC 9457 problem details) with this API's extensions.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// What kind of problem this is, as a stable URN (`urn:chatbot:problem:not-found`); clients
    /// branch on it.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind, the same for every occurrence.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time and what to do about it.
    pub detail: String,
    /// The request path this problem answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The request's id (also in the `x-request-id` header); quote it when reporting a problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The request field at fault, for validation problems (camelCase, as sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Problem {
    /// A problem of kind `slug` (the last part of its URN).
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("urn:chatbot:problem:{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            instance: None,
            request_id: None,
            field: None,
        }
    }

    /// The status as a [`StatusCode`].
    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// A problem for an error response that carried none (from axum or a tower layer).
    fn for_bare_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => {
                Self::new(status, "route-not-found", "route not found", "no such route; see /openapi.json for the API")
            }
            StatusCode::METHOD_NOT_ALLOWED => Self::new(
                status,
                "method-not-allowed",
                "method not allowed",
                "this route does not accept this method; the Allow header lists the ones it does",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => too_large(),
            StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT => Self::new(
                StatusCode::GATEWAY_TIMEOUT,
                "timeout",
                "request timed out",
                "the server did not finish in time; try again, and report the request id if it keeps happening",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => unsupported_media_type(),
            StatusCode::URI_TOO_LONG => Self::new(
                status,
                "uri-too-long",
                "URI too long",
                "the request's path and query are too long; send less",
            ),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => Self::new(
                status,
                "headers-too-large",
                "request headers too large",
                "the request's headers are too large; send fewer or shorter ones",
            ),
            s if s.is_server_error() => internal(),
            s => Self::new(
                s,
                "http-error",
                s.canonical_reason().unwrap_or("error"),
                "the request could not be handled; see /openapi.json for what each route accepts",
            ),
        }
    }
}

fn too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
        "request body too large",
        "the request body is larger than 64 KiB; send less",
    )
}

fn unsupported_media_type() -> Problem {
    Problem::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
        "unsupported media type",
        "send the body as JSON with the header Content-Type: application/json",
    )
}

fn internal() -> Problem {
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error",
        "something went wrong on our side; try again, and report the request id if it keeps happening",
    )
}

/// A failed request: the problem to answer with, headers that go with it, and for unexpected
/// failures the cause, which is logged but never shown to the client.
#[derive(Debug)]
pub struct ApiError {
    // Boxed: handlers return `Result<_, ApiError>` everywhere, and the happy path should stay small.
    problem: Box<Problem>,
    retry_after: Option<Duration>,
    www_authenticate: Option<&'static str>,
    cause: Option<anyhow::Error>,
}

impl ApiError {
    /// An error answered with `problem`.
    pub fn new(problem: Problem) -> Self {
        Self { problem: Box::new(problem), retry_after: None, www_authenticate: None, cause: None }
    }

    /// A 400 for input that breaks a rule, naming the field.
    pub fn invalid(error: &ValidationError) -> Self {
        let mut problem = Problem::new(
            StatusCode::BAD_REQUEST,
            "validation",
            "invalid request",
            format!("{}: {}", error.field(), error.message()),
        );
        problem.field = Some(error.field().to_owned());
        Self::new(problem)
    }

    /// A 400 for a body or query that cannot be read at all.
    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(Problem::new(StatusCode::BAD_REQUEST, "malformed-request", "malformed request", detail))
    }

    /// A 401 asking for a (valid) bearer token. `token_given` says whether one was sent, which
    /// decides the `WWW-Authenticate` challenge (RFC 6750).
    pub fn unauthorized(detail: impl Into<String>, token_given: bool) -> Self {
        let mut error = Self::new(Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", "unauthorized", detail));
        error.www_authenticate =
            Some(if token_given { r#"Bearer realm="api", error="invalid_token""# } else { r#"Bearer realm="api""# });
        error
    }

    /// A 404 for something the user does not have (whether it exists for someone else or not).
    pub fn not_found(slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Self::new(Problem::new(StatusCode::NOT_FOUND, slug, title, detail))
    }

    /// A 413 for a body over the limit.
    pub fn payload_too_large() -> Self {
        Self::new(too_large())
    }

    /// A 415 for a body that is not declared as JSON.
    pub fn unsupported_media_type() -> Self {
        Self::new(unsupported_media_type())
    }

    /// A 409 for a request that the resource's state refuses.
    pub fn conflict(slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Self::new(Problem::new(StatusCode::CONFLICT, slug, title, detail))
    }

    /// A 500 whose cause is logged with the request id; the client learns nothing of it.
    pub fn unexpected(cause: impl Into<anyhow::Error>) -> Self {
        let mut error = Self::new(internal());
        error.cause = Some(cause.into());
        error
    }

    /// The problem this error is answered with (without instance and request id).
    pub fn problem(&self) -> &Problem {
        &self.problem
    }

    /// How long the client should wait before retrying, if it should.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// Logs the cause of an unexpected error, with its whole chain.
    pub fn log(&self) {
        if let Some(cause) = &self.cause {
            tracing::error!(error = %format!("{cause:#}"), "unexpected error");
        } else if self.problem.status >= 500 {
            tracing::warn!(status = self.problem.status, detail = %self.problem.detail, "request failed");
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.log();
        let mut response = self.problem.status_code().into_response();
        let headers = response.headers_mut();
        if let Some(wait) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs().max(1)));
        }
        if let Some(challenge) = self.www_authenticate {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        // The body is written by `render_problems`, which knows the request's path and id.
        response.extensions_mut().insert(*self.problem);
        response
    }
}

impl From<ValidationError> for ApiError {
    fn from(error: ValidationError) -> Self {
        Self::invalid(&error)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(reason) => {
                tracing::warn!(%reason, "store unavailable");
                Self::new(Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "service unavailable",
                    "the data store cannot be reached right now; try again in a moment",
                ))
            }
            StoreError::AlreadyExists => Self::conflict(
                "already-exists",
                "already exists",
                "a record with the same key already exists; retrying with the same request will not help",
            ),
            StoreError::Unexpected(cause) => Self::unexpected(cause),
        }
    }
}

fn client_not_found() -> ApiError {
    ApiError::not_found(
        "client-not-found",
        "client not found",
        "you have no client with this id; list your clients with GET /v1/clients",
    )
}

fn conversation_not_found() -> ApiError {
    ApiError::not_found(
        "conversation-not-found",
        "conversation not found",
        "you have no conversation with this id (or it was deleted); list yours with GET /v1/conversations",
    )
}

impl From<ClientError> for ApiError {
    fn from(error: ClientError) -> Self {
        match error {
            ClientError::Invalid(e) => e.into(),
            ClientError::NotFound => client_not_found(),
            ClientError::Store(e) => e.into(),
        }
    }
}

impl From<ConversationError> for ApiError {
    fn from(error: ConversationError) -> Self {
        match error {
            ConversationError::Invalid(e) => e.into(),
            ConversationError::NotFound => conversation_not_found(),
            ConversationError::ClientNotFound => client_not_found(),
            ConversationError::ClientArchived => client_archived(),
            ConversationError::MessageNotFound => Self::not_found(
                "message-not-found",
                "message not found",
                "the conversation has no message with this id; GET the conversation to see its messages",
            ),
            ConversationError::NotAnAnswer => {
                let mut error = Self::new(Problem::new(
                    StatusCode::BAD_REQUEST,
                    "not-an-answer",
                    "only answers can be rated",
                    "messageId: only the assistant's messages take feedback; this one is not the assistant's",
                ));
                error.problem.field = Some("messageId".to_owned());
                error
            }
            ConversationError::Store(e) => e.into(),
        }
    }
}

fn client_archived() -> ApiError {
    ApiError::conflict(
        "client-archived",
        "client archived",
        "the client is archived, so its conversations are read-only; restore it with \
         PATCH /v1/clients/{clientId} {\"status\":\"active\"} to chat again",
    )
}

impl From<PlatformError> for ApiError {
    fn from(error: PlatformError) -> Self {
        let platform_problem =
            |status, slug, title, detail: String| Self::new(Problem::new(status, slug, title, detail));
        match error {
            PlatformError::Invalid(e) => e.into(),
            PlatformError::NotFound => client_not_found(),
            PlatformError::ClientArchived => client_archived(),
            e @ PlatformError::NotConnected(_) => {
                Self::not_found("platform-not-connected", "platform not connected", format!("{e}; connect it first"))
            }
            e @ (PlatformError::NoAccountChosen(_) | PlatformError::AccountNotVisible { .. }) => {
                platform_problem(StatusCode::CONFLICT, "account-not-chosen", "no such account", e.to_string())
            }
            e @ PlatformError::InvalidState => {
                platform_problem(StatusCode::BAD_REQUEST, "invalid-state", "invalid authorization state", e.to_string())
            }
            e @ PlatformError::Denied { .. } => {
                platform_problem(StatusCode::BAD_REQUEST, "access-denied", "access not granted", e.to_string())
            }
            e @ PlatformError::SyncRunning => Self::conflict("sync-running", "sync running", e.to_string()),
            PlatformError::Connector(e) => e.into(),
            PlatformError::Cipher(e) => Self::unexpected(e),
            PlatformError::Store(e) => e.into(),
        }
    }
}

impl From<ConnectorError> for ApiError {
    fn from(error: ConnectorError) -> Self {
        // The platform's own words may name internals; the detail says what to do, the log the rest.
        tracing::warn!(error = %error_chain(&error), "a platform call failed");
        let problem = |status, slug, title, detail: String| Self::new(Problem::new(status, slug, title, detail));
        match error {
            e @ ConnectorError::NotConfigured { .. } => problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "platform-not-configured",
                "platform not configured",
                e.to_string(),
            ),
            ConnectorError::RateLimited { retry_after } => {
                let mut api = problem(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "platform-rate-limited",
                    "platform busy",
                    "the platform is rate limiting requests; try again after Retry-After seconds".to_owned(),
                );
                api.retry_after = Some(retry_after.unwrap_or(Duration::from_secs(60)));
                api
            }
            e @ (ConnectorError::Revoked(_) | ConnectorError::Unauthorized) => problem(
                StatusCode::CONFLICT,
                "platform-access-expired",
                "platform access expired",
                format!("{e}; reconnect the platform"),
            ),
            e @ (ConnectorError::Refused(_) | ConnectorError::VersionRetired(_)) => {
                problem(StatusCode::BAD_GATEWAY, "platform-refused", "platform refused", e.to_string())
            }
            ConnectorError::Unavailable(_) | ConnectorError::InvalidResponse(_) => problem(
                StatusCode::BAD_GATEWAY,
                "platform-failed",
                "platform failed",
                "the platform could not be reached or answered something unusable; try again later".to_owned(),
            ),
        }
    }
}

impl From<ChatError> for ApiError {
    fn from(error: ChatError) -> Self {
        match error {
            ChatError::Invalid(e) => e.into(),
            ChatError::NotFound => conversation_not_found(),
            ChatError::ClientArchived => client_archived(),
            ChatError::RateLimited { retry_after } => {
                let mut error = Self::new(Problem::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate-limited",
                    "too many messages",
                    format!(
                        "you sent too many messages; your message was not stored, send it again in {} seconds",
                        retry_after.as_secs().max(1)
                    ),
                ));
                error.retry_after = Some(retry_after);
                error
            }
            ChatError::ConversationFull { limits } => Self::conflict(
                "conversation-full",
                "conversation full",
                format!(
                    "the conversation reached its limit ({} messages or {} MB of text); your message was not \
                     stored, start a new conversation to go on",
                    limits.message_cap,
                    limits.byte_budget / (1024 * 1024)
                ),
            ),
            ChatError::Model(e) => e.into(),
            ChatError::Store(e) => e.into(),
        }
    }
}

impl From<ChatModelError> for ApiError {
    fn from(error: ChatModelError) -> Self {
        const KEPT: &str = "your message was stored without an answer; send it again to retry";
        let (status, slug, title, detail, retry_after) = match &error {
            ChatModelError::Timeout => (
                StatusCode::GATEWAY_TIMEOUT,
                "model-timeout",
                "analyst timed out",
                format!("the analyst did not answer in time; {KEPT}"),
                None,
            ),
            ChatModelError::RateLimited { retry_after } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "model-rate-limited",
                "analyst busy",
                format!("the analyst's provider is rate limiting requests; {KEPT} after Retry-After seconds"),
                // A client always gets a time to come back after.
                Some(retry_after.unwrap_or(Duration::from_secs(10))),
            ),
            ChatModelError::Unavailable(_) | ChatModelError::InvalidResponse(_) | ChatModelError::Unexpected(_) => (
                StatusCode::BAD_GATEWAY,
                "model-failed",
                "analyst failed",
                format!("the analyst could not answer; {KEPT}"),
                None,
            ),
        };
        // The provider's own words may hold internals; they go to the log, not to the client.
        tracing::warn!(error = %error_chain(&error), "the chat model failed");
        let mut api = Self::new(Problem::new(status, slug, title, detail));
        api.retry_after = retry_after;
        api
    }
}

impl From<UserError> for ApiError {
    fn from(error: UserError) -> Self {
        match error {
            UserError::Invalid(e) => e.into(),
            UserError::Store(e) => e.into(),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => Self::malformed(format!(
                "the JSON body does not have the expected shape: {}",
                innermost_message(&e).unwrap_or_else(|| e.body_text())
            )),
            JsonRejection::JsonSyntaxError(e) => Self::malformed(format!(
                "the body is not valid JSON: {}",
                innermost_message(&e).unwrap_or_else(|| e.body_text())
            )),
            JsonRejection::MissingJsonContentType(_) => Self::new(unsupported_media_type()),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => Self::new(too_large()),
            other => Self::malformed(format!("the body could not be read: {}", other.body_text())),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        let detail = match &rejection {
            QueryRejection::FailedToDeserializeQueryString(e) => {
                innermost_message(e).unwrap_or_else(|| rejection.body_text())
            }
            _ => rejection.body_text(),
        };
        Self::malformed(format!("the query string is not valid: {detail}"))
    }
}

/// The message of the first error behind `error` (serde's own words, with the field's path).
fn innermost_message(error: &(dyn StdError + 'static)) -> Option<String> {
    error.source().map(ToString::to_string)
}

/// An error and its causes, joined with `: `.
pub fn error_chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The request id of a request, as set by the request-id layer.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    headers.get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// Writes the body of every error response as a problem, with the request's path and id.
pub async fn render_problems(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    // A path too long to be accepted is not echoed back.
    let instance = (path.len() <= crate::startup::MAX_URI_BYTES).then(|| path.to_owned());
    let request_id = request_id(request.headers());
    let mut response = next.run(request).await;
    let problem = match response.extensions_mut().remove::<Problem>() {
        Some(problem) => problem,
        None if is_bare_error(&response) => Problem::for_bare_status(response.status()),
        None => return response,
    };
    let status = problem.status_code();
    let problem = Problem { instance, request_id, ..problem };
    let (mut parts, _) = response.into_parts();
    parts.status = status;
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// An error response that is not already a problem.
fn is_bare_error(response: &Response) -> bool {
    let status = response.status();
    let is_problem =
        response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    (status.is_client_error() || status.is_server_error()) && !is_problem
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chat_error_maps_to_its_status() {
        let cases: Vec<(ChatError, StatusCode)> = vec![
            (ValidationError::new("content", "must not be empty").into(), StatusCode::BAD_REQUEST),
            (ChatError::NotFound, StatusCode::NOT_FOUND),
            (ChatError::ClientArchived, StatusCode::CONFLICT),
            (ChatError::RateLimited { retry_after: Duration::from_secs(7) }, StatusCode::TOO_MANY_REQUESTS),
            (
                ChatError::ConversationFull { limits: domain::conversation::ConversationLimits::default() },
                StatusCode::CONFLICT,
            ),
            (ChatModelError::Timeout.into(), StatusCode::GATEWAY_TIMEOUT),
            (ChatModelError::RateLimited { retry_after: None }.into(), StatusCode::SERVICE_UNAVAILABLE),
            (ChatModelError::Unavailable("down".into()).into(), StatusCode::BAD_GATEWAY),
            (ChatModelError::InvalidResponse("junk".into()).into(), StatusCode::BAD_GATEWAY),
            (StoreError::Unavailable("down".into()).into(), StatusCode::SERVICE_UNAVAILABLE),
            (StoreError::Unexpected(anyhow::anyhow!("boom")).into(), StatusCode::INTERNAL_SERVER_ERROR),
        ];
        for (error, status) in cases {
            let text = error.to_string();
            assert_eq!(ApiError::from(error).problem().status_code(), status, "{text}");
        }
    }

    #[test]
    fn rate_limits_carry_a_retry_after() {
        let error = ApiError::from(ChatError::RateLimited { retry_after: Duration::from_secs(15) });
        assert_eq!(error.retry_after(), Some(Duration::from_secs(15)));
        let response = error.into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "15");
        let provider = ApiError::from(ChatModelError::RateLimited { retry_after: Some(Duration::from_secs(3)) });
        assert_eq!(provider.into_response().headers()[header::RETRY_AFTER], "3");
        let unsaid = ApiError::from(ChatModelError::RateLimited { retry_after: None });
        assert!(unsaid.retry_after().is_some(), "a busy provider always comes with a time to retry after");
    }

    #[test]
    fn unexpected_errors_hide_their_cause() {
        let error = ApiError::from(StoreError::Unexpected(anyhow::anyhow!("connection string mongodb://u:p@h")));
        assert!(!error.problem().detail.contains("mongodb"));
        assert_eq!(error.problem().kind, "urn:chatbot:problem:internal");
    }

    #[test]
    fn model_failures_say_the_question_was_kept() {
        let error = ApiError::from(ChatModelError::Unavailable("provider said: key sk-123 invalid".into()));
        assert!(error.problem().detail.contains("stored without an answer"));
        assert!(!error.problem().detail.contains("sk-123"));
    }

    #[test]
    fn validation_problems_name_the_field() {
        let error = ApiError::from(ValidationError::new("name", "must not be empty"));
        assert_eq!(error.problem().field.as_deref(), Some("name"));
        assert_eq!(error.problem().detail, "name: must not be empty");
    }

    async fn rendered(status: StatusCode) -> (StatusCode, serde_json::Value) {
        use tower::ServiceExt;
        let app = axum::Router::new()
            .route("/x", axum::routing::get(move || async move { status }))
            .layer(axum::middleware::from_fn(render_problems));
        let request = Request::builder().uri("/x").header(REQUEST_ID_HEADER, "rid-1").body(axum::body::Body::empty());
        let response = app.oneshot(request.unwrap()).await.unwrap();
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn bare_error_responses_become_problems_with_the_request_id() {
        for (bare, expected, kind) in [
            (StatusCode::REQUEST_TIMEOUT, StatusCode::GATEWAY_TIMEOUT, "timeout"),
            (StatusCode::GATEWAY_TIMEOUT, StatusCode::GATEWAY_TIMEOUT, "timeout"),
            (StatusCode::PAYLOAD_TOO_LARGE, StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large"),
            (StatusCode::INTERNAL_SERVER_ERROR, StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            (StatusCode::URI_TOO_LONG, StatusCode::URI_TOO_LONG, "uri-too-long"),
            (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers-too-large",
            ),
            (StatusCode::IM_A_TEAPOT, StatusCode::IM_A_TEAPOT, "http-error"),
        ] {
            let (status, body) = rendered(bare).await;
            assert_eq!(status, expected);
            assert_eq!(body["type"], format!("urn:chatbot:problem:{kind}"));
            assert_eq!(body["requestId"], "rid-1");
            assert_eq!(body["instance"], "/x");
        }
    }

    #[tokio::test]
    async fn successful_responses_pass_through_untouched() {
        use tower::ServiceExt;
        let app = axum::Router::new()
            .route("/x", axum::routing::get(|| async { "hello" }))
            .layer(axum::middleware::from_fn(render_problems));
        let response =
            app.oneshot(Request::builder().uri("/x").body(axum::body::Body::empty()).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        assert_eq!(&bytes[..], b"hello");
    }

    #[test]
    fn unauthorized_responses_challenge_for_a_bearer_token() {
        let response = ApiError::unauthorized("missing bearer token", false).into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(response.headers()[header::WWW_AUTHENTICATE].to_str().unwrap().starts_with("Bearer"));
    }
}
