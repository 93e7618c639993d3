//! What the OpenAI-compatible client is configured with, and the checks made when it is built.

use std::time::Duration;

use reqwest::Url;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

/// How to reach an OpenAI-compatible Chat Completions server and how to behave towards it.
///
/// [`OpenAiConfig::default`] is the one source of the defaults; change the fields you read from
/// the environment and pass it to [`crate::OpenAiChatModel::new`].
#[derive(Debug, Clone)]
pub struct OpenAiConfig {
    /// The API's base URL, up to and including the version segment; `/chat/completions` is
    /// appended. Default `https://api.openai.com/v1`; for example `http://localhost:11434/v1`
    /// (Ollama), `http://localhost:8000/v1` (vLLM, llama.cpp) or
    /// `https://<resource>.openai.azure.com/openai/v1` (Azure OpenAI's v1 API).
    pub base_url: String,
    /// Sent as `Authorization: Bearer <key>` when set; local servers need none. A blank key counts
    /// as none. Never logged nor put in an error message.
    pub api_key: Option<SecretString>,
    /// The model to ask for. Default `gpt-4o-mini`.
    pub model: String,
    /// The model's context window in tokens: the prompt sent plus the answer's room
    /// (`max_output_tokens`) stay within it. Default 128 000 (gpt-4o-mini's).
    pub context_tokens: u32,
    /// Most tokens one answer may have (`max_tokens` on the wire). Default 1 024.
    pub max_output_tokens: u32,
    /// Longest a whole call may take, every retry and the streamed answer included. Default 60 s.
    pub timeout: Duration,
    /// Longest to wait for the first streamed event of an attempt. Default 20 s.
    pub first_token_timeout: Duration,
    /// Most requests one round may make on retryable failures (429, 5xx, connection errors),
    /// the first included. Default 3.
    pub max_attempts: u32,
    /// The delay before the first retry; each later one doubles it (up to 8 s), with jitter. A
    /// provider's `Retry-After` replaces it. Default 500 ms.
    pub retry_delay: Duration,
    /// The sampling temperature, sent only when set. Default: unset (the server's own).
    pub temperature: Option<f32>,
    /// What `tool_choice` to send in rounds that offer tools. Default [`ToolChoice::ServerDefault`].
    pub tool_choice: ToolChoice,
    /// Whether to speak HTTP/2 to the server (h2c with prior knowledge on `http://`, h2 on
    /// `https://`): every call of the process then shares one connection, a stream each, instead of
    /// a connection (with its buffers) per streamed answer. Only for servers that speak it and allow
    /// as many concurrent streams as the process runs calls: past the server's limit, calls wait
    /// for a free stream. Default `false`: HTTP/1.1.
    pub http2: bool,
}

impl Default for OpenAiConfig {
    fn default() -> Self {
        Self {
            base_url: "https://api.openai.com/v1".to_owned(),
            api_key: None,
            model: "gpt-4o-mini".to_owned(),
            context_tokens: 128_000,
            max_output_tokens: 1_024,
            timeout: Duration::from_secs(60),
            first_token_timeout: Duration::from_secs(20),
            max_attempts: 3,
            retry_delay: Duration::from_millis(500),
            temperature: None,
            tool_choice: ToolChoice::ServerDefault,
            http2: false,
        }
    }
}

/// The `tool_choice` sent in rounds that offer tools (never in a round without tools).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ToolChoice {
    /// Send none: the server decides, which is `auto` on OpenAI, Azure, Ollama and llama.cpp's own
    /// server. The default, since some servers reject an explicit `auto` unless configured for it
    /// (vLLM without `--enable-auto-tool-choice`).
    #[default]
    ServerDefault,
    /// Send `"auto"`: for servers that otherwise ignore the tools (llama-cpp-python's
    /// `chatml-function-calling` format).
    Auto,
    /// Force a call of the named function whenever it is offered, for tests and diagnostics: the
    /// model must call it every round that offers it.
    Function(String),
}

/// Why an [`OpenAiConfig`] cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OpenAiConfigError {
    /// The base URL cannot be used; the reason says why (the URL itself is not repeated, since it
    /// may carry credentials).
    #[error("the model server's base URL is not usable: {0}")]
    BaseUrl(String),
    /// No model name.
    #[error("the model name is empty")]
    Model,
    /// The answer's room leaves nothing of the context window for the prompt.
    #[error(
        "max output tokens ({max_output_tokens}) must be smaller than the context window ({context_tokens} tokens)"
    )]
    OutputRoom {
        /// The answer's room.
        max_output_tokens: u32,
        /// The context window.
        context_tokens: u32,
    },
    /// A count or duration that must be positive is zero.
    #[error("{0} must be greater than zero")]
    Zero(&'static str),
    /// The API key has characters an HTTP header cannot carry.
    #[error("the API key contains characters that cannot be sent in an HTTP header")]
    ApiKey,
    /// The HTTP client could not be built.
    #[error("the HTTP client could not be built: {0}")]
    HttpClient(String),
}

/// A checked configuration, ready for requests.
#[derive(Debug)]
pub(crate) struct Settings {
    /// `…/chat/completions`.
    pub(crate) endpoint: Url,
    /// The `Authorization` header's value, marked sensitive so it never shows in debug output.
    pub(crate) authorization: Option<HeaderValue>,
    pub(crate) config: OpenAiConfig,
}

impl Settings {
    pub(crate) fn check(config: OpenAiConfig) -> Result<Self, OpenAiConfigError> {
        let endpoint = endpoint(&config.base_url)?;
        if config.model.trim().is_empty() {
            return Err(OpenAiConfigError::Model);
        }
        for (name, zero) in [
            ("the context window", config.context_tokens == 0),
            ("max output tokens", config.max_output_tokens == 0),
            ("max attempts", config.max_attempts == 0),
            ("the timeout", config.timeout.is_zero()),
            ("the first-token timeout", config.first_token_timeout.is_zero()),
        ] {
            if zero {
                return Err(OpenAiConfigError::Zero(name));
            }
        }
        if config.max_output_tokens >= config.context_tokens {
            return Err(OpenAiConfigError::OutputRoom {
                max_output_tokens: config.max_output_tokens,
                context_tokens: config.context_tokens,
            });
        }
        let authorization = match config.api_key.as_ref().map(ExposeSecret::expose_secret).map(str::trim) {
            Some(key) if !key.is_empty() => {
                let mut value =
                    HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| OpenAiConfigError::ApiKey)?;
                value.set_sensitive(true);
                Some(value)
            }
            _ => None,
        };
        Ok(Self { endpoint, authorization, config })
    }
}

/// The Chat Completions endpoint under `base_url`.
fn endpoint(base_url: &str) -> Result<Url, OpenAiConfigError> {
    let bad = |reason: &str| OpenAiConfigError::BaseUrl(reason.to_owned());
    let trimmed = base_url.trim();
    if trimmed.is_empty() {
        return Err(bad("it is empty"));
    }
    let url = Url::parse(trimmed).map_err(|e| OpenAiConfigError::BaseUrl(format!("it is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(OpenAiConfigError::BaseUrl(format!(
            "it must start with http:// or https://, not {}://",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("it has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it must not carry credentials; set the API key instead"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("it must not have a query or a fragment"));
    }
    let path = format!("{}/chat/completions", url.path().trim_end_matches('/'));
    let mut endpoint = url;
    endpoint.set_path(&path);
    Ok(endpoint)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_url(base_url: &str) -> Result<Settings, OpenAiConfigError> {
        Settings::check(OpenAiConfig { base_url: base_url.to_owned(), ..OpenAiConfig::default() })
    }

    #[test]
    fn the_endpoint_is_the_base_url_with_chat_completions_appended() {
        for (base, want) in [
            ("https://api.openai.com/v1", "https://api.openai.com/v1/chat/completions"),
            ("http://127.0.0.1:8080/v1/", "http://127.0.0.1:8080/v1/chat/completions"),
            ("https://acme.openai.azure.com/openai/v1", "https://acme.openai.azure.com/openai/v1/chat/completions"),
            (" http://localhost:11434/v1 ", "http://localhost:11434/v1/chat/completions"),
        ] {
            assert_eq!(with_url(base).unwrap().endpoint.as_str(), want, "{base}");
        }
    }

    #[test]
    fn an_unusable_base_url_is_an_error_naming_the_problem() {
        for (base, problem) in [
            ("", "empty"),
            ("api.openai.com/v1", "not a URL"),
            ("ftp://example.com/v1", "http:// or https://"),
            ("https://user:secret@example.com/v1", "credentials"),
            ("https://example.com/v1?key=1", "query"),
        ] {
            let message = with_url(base).unwrap_err().to_string();
            assert!(message.contains(problem), "{base}: {message}");
            assert!(!message.contains("secret"), "{message}");
        }
    }

    #[test]
    fn the_key_becomes_a_sensitive_bearer_header_and_a_blank_key_none() {
        let keyed = Settings::check(OpenAiConfig {
            api_key: Some(SecretString::from("sk-test-123")),
            ..OpenAiConfig::default()
        })
        .unwrap();
        let header = keyed.authorization.unwrap();
        assert_eq!(header.to_str().unwrap(), "Bearer sk-test-123");
        assert!(header.is_sensitive());
        let blank =
            Settings::check(OpenAiConfig { api_key: Some(SecretString::from("  ")), ..OpenAiConfig::default() });
        assert!(blank.unwrap().authorization.is_none());
        let bad =
            Settings::check(OpenAiConfig { api_key: Some(SecretString::from("sk\nx")), ..OpenAiConfig::default() });
        assert!(matches!(bad, Err(OpenAiConfigError::ApiKey)));
    }

    #[test]
    fn limits_that_leave_no_room_are_refused() {
        let tight = OpenAiConfig { context_tokens: 1_000, max_output_tokens: 1_000, ..OpenAiConfig::default() };
        assert!(matches!(Settings::check(tight), Err(OpenAiConfigError::OutputRoom { .. })));
        let no_attempts = OpenAiConfig { max_attempts: 0, ..OpenAiConfig::default() };
        assert_eq!(Settings::check(no_attempts).unwrap_err().to_string(), "max attempts must be greater than zero");
        let no_model = OpenAiConfig { model: " ".into(), ..OpenAiConfig::default() };
        assert!(matches!(Settings::check(no_model), Err(OpenAiConfigError::Model)));
    }
}
