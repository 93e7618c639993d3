//! Why a request failed, read off the server's answer once, and what each failure means for
//! retries, for the fallback without streaming, and for the domain.

use std::time::Duration;

use domain::ports::ChatModelError;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::openai::json::WireValue;
use crate::openai::wire::error_parts;

/// Most characters of a provider's error message kept in an error.
const MAX_MESSAGE_CHARS: usize = 300;

/// Why one request failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// 429.
    RateLimited { retry_after: Option<Duration> },
    /// 5xx or 408.
    Server { status: u16, message: String },
    /// No connection, or it broke before the answer reached the client.
    Connect(String),
    /// 401 or 403.
    Auth { status: u16 },
    /// The prompt is longer than the model's context window.
    ContextLength,
    /// Another 4xx: the server would not take the request.
    Rejected { status: u16, message: String },
    /// A 200 with no events (or an empty body).
    NoEvents,
    /// Events, but neither text nor tool calls.
    Empty,
    /// The stream ended without a finish reason.
    Cut,
    /// A chunk or body that is not the JSON expected.
    Malformed(String),
    /// The server reported an error inside a 200.
    Reported(String),
    /// With tools offered, the model wrote its tool call as text.
    ToolCallsAsText,
    /// No first event within the first-token timeout.
    FirstTokenTimeout,
}

impl Failure {
    /// Whether another attempt may succeed (only before anything reached the client).
    pub(crate) const fn retryable(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Server { .. } | Self::Connect(_))
    }

    /// The wait the provider asked for.
    pub(crate) const fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }

    /// Whether, in a round with tools offered, asking again without streaming may get an answer.
    pub(crate) const fn unstreamed_may_help(&self) -> bool {
        matches!(
            self,
            Self::Server { .. }
                | Self::Connect(_)
                | Self::Rejected { .. }
                | Self::NoEvents
                | Self::Empty
                | Self::Cut
                | Self::Malformed(_)
                | Self::Reported(_)
                | Self::ToolCallsAsText
        )
    }

    /// Whether the failure says the server cannot stream rounds with tools (rather than that it
    /// is having a bad moment), so later rounds should not try.
    pub(crate) const fn streaming_with_tools_unsupported(&self) -> bool {
        matches!(
            self,
            Self::Rejected { .. }
                | Self::NoEvents
                | Self::Cut
                | Self::Malformed(_)
                | Self::Reported(_)
                | Self::ToolCallsAsText
        )
    }

    /// A short name for traces.
    pub(crate) const fn kind(&self) -> &'static str {
        match self {
            Self::RateLimited { .. } => "rate_limited",
            Self::Server { .. } => "server_error",
            Self::Connect(_) => "connection",
            Self::Auth { .. } => "auth",
            Self::ContextLength => "context_length",
            Self::Rejected { .. } => "rejected",
            Self::NoEvents => "no_events",
            Self::Empty => "empty",
            Self::Cut => "cut",
            Self::Malformed(_) => "malformed",
            Self::Reported(_) => "reported",
            Self::ToolCallsAsText => "tool_calls_as_text",
            Self::FirstTokenTimeout => "first_token_timeout",
        }
    }

    /// The domain's error; `keyed` says whether an API key was sent.
    pub(crate) fn into_error(self, keyed: bool) -> ChatModelError {
        match self {
            Self::RateLimited { retry_after } => ChatModelError::RateLimited { retry_after },
            Self::Server { status, message } => {
                ChatModelError::Unavailable(format!("the provider answered {status}: {message}"))
            }
            Self::Connect(reason) => {
                ChatModelError::Unavailable(format!("the provider could not be reached: {reason}"))
            }
            Self::Auth { status } if keyed => {
                ChatModelError::Unavailable(format!("the provider refused the API key ({status})"))
            }
            Self::Auth { status } => ChatModelError::Unavailable(format!(
                "the provider asks for an API key ({status}) and none is configured"
            )),
            Self::Rejected { status, message } => {
                ChatModelError::Unavailable(format!("the provider rejected the request ({status}): {message}"))
            }
            Self::ContextLength => ChatModelError::InvalidResponse(
                "the conversation does not fit the model's context window, even shortened".to_owned(),
            ),
            Self::NoEvents => ChatModelError::InvalidResponse("the provider's answer was empty".to_owned()),
            Self::Empty => ChatModelError::InvalidResponse("the model wrote neither text nor a tool call".to_owned()),
            Self::Cut => {
                ChatModelError::InvalidResponse("the answer stopped before its end (no finish reason)".to_owned())
            }
            Self::Malformed(reason) => {
                ChatModelError::InvalidResponse(format!("the provider sent malformed JSON: {reason}"))
            }
            Self::Reported(message) => {
                ChatModelError::Unavailable(format!("the provider reported an error: {message}"))
            }
            Self::ToolCallsAsText => {
                ChatModelError::InvalidResponse("the model wrote its tool call as text".to_owned())
            }
            Self::FirstTokenTimeout => ChatModelError::Timeout,
        }
    }
}

/// The failure an error status means, read from its headers and body.
pub(crate) fn from_status(status: StatusCode, headers: &HeaderMap, body: &str) -> Failure {
    let (message, code) = match serde_json::from_str::<WireValue>(body) {
        Ok(WireValue(value)) => error_parts(&value),
        Err(_) => (Some(body.trim().to_owned()).filter(|b| !b.is_empty()), None),
    };
    let message = short(message.as_deref().unwrap_or_else(|| status.canonical_reason().unwrap_or("no reason given")));
    match status.as_u16() {
        429 => Failure::RateLimited { retry_after: retry_after(headers) },
        401 | 403 => Failure::Auth { status: status.as_u16() },
        _ if is_context_length(code.as_deref(), &message) => Failure::ContextLength,
        s @ (408 | 500..=599) => Failure::Server { status: s, message },
        s => Failure::Rejected { status: s, message },
    }
}

/// Whether an error is a context-length error: OpenAI's code, or the messages of llama.cpp,
/// vLLM, Ollama and gateways ("maximum context length", "exceeds the context window", `n_ctx`,
/// "prompt is too long").
pub(crate) fn is_context_length(code: Option<&str>, message: &str) -> bool {
    if code.is_some_and(|c| c == "context_length_exceeded" || c == "string_above_max_length") {
        return true;
    }
    let m = message.to_ascii_lowercase();
    let about_size =
        ["exceed", "too long", "too many tokens", "maximum", "length", "larger than"].iter().any(|w| m.contains(w));
    m.contains("n_ctx") || (m.contains("context") && about_size) || (m.contains("too long") && m.contains("token"))
}

/// `Retry-After` in seconds (whole or decimal), or OpenAI's `retry-after-ms`.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let seconds = |raw: &str| raw.parse::<f64>().ok().filter(|s| s.is_finite() && *s >= 0.0);
    header("retry-after-ms")
        .and_then(seconds)
        .map(|ms| Duration::from_secs_f64(ms / 1000.0))
        .or_else(|| header("retry-after").and_then(seconds).map(Duration::from_secs_f64))
}

/// `text` cut to a length fit for an error message.
pub(crate) fn short(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= MAX_MESSAGE_CHARS {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(MAX_MESSAGE_CHARS).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn statuses_map_to_failures() {
        let none = HeaderMap::new();
        let rate = from_status(StatusCode::TOO_MANY_REQUESTS, &headers(&[("retry-after", "2")]), "{}");
        assert!(matches!(rate, Failure::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(2)));
        assert!(matches!(from_status(StatusCode::UNAUTHORIZED, &none, ""), Failure::Auth { status: 401 }));
        assert!(matches!(from_status(StatusCode::BAD_GATEWAY, &none, "<html>"), Failure::Server { status: 502, .. }));
        assert!(
            matches!(from_status(StatusCode::NOT_FOUND, &none, "{\"error\":\"model 'x' not found\"}"), Failure::Rejected { status: 404, message } if message == "model 'x' not found")
        );
    }

    #[test]
    fn context_length_errors_of_several_servers_are_recognised() {
        let none = HeaderMap::new();
        let openai = r#"{"error":{"message":"This model's maximum context length is 128000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#;
        assert!(matches!(from_status(StatusCode::BAD_REQUEST, &none, openai), Failure::ContextLength));
        for message in [
            "Requested tokens (2100) exceed context window of 2048",
            "the request exceeds the available context size, try increasing it",
            "input is too long: 5000 tokens > n_ctx 4096",
            "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens",
            "prompt is too long: 210000 tokens > 200000 maximum",
        ] {
            assert!(is_context_length(None, message), "{message}");
        }
        assert!(!is_context_length(None, "invalid value for temperature"));
        assert!(!is_context_length(Some("invalid_api_key"), "Incorrect API key provided"));
    }

    #[test]
    fn retry_after_is_read_in_seconds_or_milliseconds() {
        assert_eq!(retry_after(&headers(&[("retry-after", "1.5")])), Some(Duration::from_millis(1500)));
        assert_eq!(
            retry_after(&headers(&[("retry-after-ms", "250"), ("retry-after", "1")])),
            Some(Duration::from_millis(250))
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "Wed, 21 Oct 2026 07:28:00 GMT")])), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn an_auth_failure_never_names_the_key_and_says_whether_one_was_sent() {
        let keyed = Failure::Auth { status: 401 }.into_error(true).to_string();
        assert!(keyed.contains("refused the API key"), "{keyed}");
        let unkeyed = Failure::Auth { status: 401 }.into_error(false).to_string();
        assert!(unkeyed.contains("none is configured"), "{unkeyed}");
    }
}
