//! The service's configuration, read once from the environment (or the matching flags) by `main`.
//!
//! Every field names its environment variable; `.env.example` at the repo root lists them all. A
//! missing or bad value is a start-up error that names the variable.

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use clap::{Args, ValueEnum};
use domain::analyst::PriceTable;
use domain::ids::UserId;
use secrecy::SecretString;

/// The default retention schedule: every day at 03:00 UTC (seconds, minutes, hours, day of month,
/// month, day of week).
pub const DEFAULT_RETENTION_SCHEDULE: &str = "0 0 3 * * *";

/// The id of the user that the embedded default seeds demo clients for and prints a token for.
pub const DEFAULT_DEV_USER_ID: &str = "64b000000000000000000001";

/// How the service is configured. Field docs name the environment variable each one comes from.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// `BIND_ADDR`: the address and port to listen on (port 0 picks a free port).
    #[arg(long, env = "BIND_ADDR", value_name = "BIND_ADDR", default_value = "127.0.0.1:8080")]
    pub bind_addr: SocketAddr,

    /// `JWT_SECRET`: the HS256 key that users' bearer tokens are signed with (at least 32 bytes).
    /// Only the embedded default may leave it unset, and then uses a published development secret.
    #[arg(long, env = "JWT_SECRET", value_name = "JWT_SECRET", hide_env_values = true, value_parser = parse_secret)]
    pub jwt_secret: Option<SecretString>,

    /// `JWT_ISSUER`: when set, a bearer token's `iss` claim must equal it; unset, `iss` is ignored.
    #[arg(long, env = "JWT_ISSUER", value_name = "JWT_ISSUER", value_parser = parse_claim)]
    pub jwt_issuer: Option<String>,

    /// `JWT_AUDIENCE`: when set, a bearer token's `aud` claim must contain it (as the string or one
    /// of the array's strings); unset, `aud` is ignored.
    #[arg(long, env = "JWT_AUDIENCE", value_name = "JWT_AUDIENCE", value_parser = parse_claim)]
    pub jwt_audience: Option<String>,

    /// `TOKEN_ENCRYPTION_KEY`: the key ring sealing platform tokens, `keyId:base64key` entries
    /// separated by commas; the first one seals, all of them open. Only the embedded default may
    /// leave it unset, and then uses a published development key.
    #[arg(
        long,
        env = "TOKEN_ENCRYPTION_KEY",
        value_name = "TOKEN_ENCRYPTION_KEY",
        hide_env_values = true,
        value_parser = parse_secret
    )]
    pub token_encryption_key: Option<SecretString>,

    /// `RATE_LIMIT_PER_MINUTE`: messages a user may send per calendar minute (decision 4).
    #[arg(long, env = "RATE_LIMIT_PER_MINUTE", value_name = "RATE_LIMIT_PER_MINUTE", default_value_t = 20)]
    pub rate_limit_per_minute: u32,

    /// `RATE_LIMIT_PER_DAY`: messages a user may send per UTC day (decision 4).
    #[arg(long, env = "RATE_LIMIT_PER_DAY", value_name = "RATE_LIMIT_PER_DAY", default_value_t = 500)]
    pub rate_limit_per_day: u32,

    /// `MESSAGE_CAP`: most messages a conversation may hold, questions and answers together
    /// (decision 6); at least 2.
    #[arg(
        long,
        env = "MESSAGE_CAP",
        value_name = "MESSAGE_CAP",
        default_value_t = 1000,
        value_parser = clap::value_parser!(u32).range(2..)
    )]
    pub message_cap: u32,

    /// `RETENTION_DAYS`: idle conversations are archived, and deleted ones purged, after this many
    /// days (decision 3); at least 1.
    #[arg(
        long,
        env = "RETENTION_DAYS",
        value_name = "RETENTION_DAYS",
        default_value_t = 90,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub retention_days: u32,

    /// `RETENTION_SCHEDULE`: when the retention job runs, as a cron expression in UTC. Six fields
    /// (`sec min hour day month weekday`) or the classic five (`min hour day month weekday`).
    #[arg(
        long,
        env = "RETENTION_SCHEDULE",
        value_name = "RETENTION_SCHEDULE",
        default_value = DEFAULT_RETENTION_SCHEDULE,
        value_parser = parse_schedule
    )]
    pub retention_schedule: cron::Schedule,

    /// `CORS_ORIGINS`: comma-separated origins allowed to call the API from a browser
    /// (`https://app.example.com`), or `*` for any; unset allows no cross-origin calls.
    #[arg(long, env = "CORS_ORIGINS", value_name = "CORS_ORIGINS", value_parser = parse_origins)]
    pub cors_origins: Option<CorsOrigins>,

    /// `LOG_FORMAT`: `text` for people, `json` for log collectors.
    #[arg(long, env = "LOG_FORMAT", value_name = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// `RUST_LOG`: which logs to keep, as a `tracing` filter (`info`, `api=debug,info`).
    #[arg(long, env = "RUST_LOG", value_name = "RUST_LOG", default_value = "info")]
    pub rust_log: String,

    /// `REQUEST_TIMEOUT_SECS`: a request that has not produced its response after this many seconds
    /// is answered with 504 (a streamed answer only needs its first byte in time); at least 1.
    #[arg(
        long,
        env = "REQUEST_TIMEOUT_SECS",
        value_name = "REQUEST_TIMEOUT_SECS",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub request_timeout_secs: u64,

    /// `MONGODB_URI`: the `MongoDB` deployment to store data in; unset runs the embedded default (in-memory
    /// store, nothing persisted). Secret: it may hold a password.
    #[arg(long, env = "MONGODB_URI", value_name = "MONGODB_URI", hide_env_values = true, value_parser = parse_secret)]
    pub mongodb_uri: Option<SecretString>,

    /// `MONGODB_DB`: the database name inside `MONGODB_URI`.
    #[arg(long, env = "MONGODB_DB", value_name = "MONGODB_DB", default_value = "chatbot")]
    pub mongodb_db: String,

    /// `MONGODB_AUTO_MIGRATE`: whether `serve` creates and updates the indexes at start-up; set it to
    /// `false` where `api migrate` runs as a deployment step instead.
    #[arg(
        long,
        env = "MONGODB_AUTO_MIGRATE",
        value_name = "MONGODB_AUTO_MIGRATE",
        default_value_t = true,
        action = clap::ArgAction::Set
    )]
    pub mongodb_auto_migrate: bool,

    /// `MONGODB_TIMEOUT_SECS`: how long a database operation waits for a reachable server (and a
    /// connection) before the request answers 503; at least 1.
    #[arg(
        long,
        env = "MONGODB_TIMEOUT_SECS",
        value_name = "MONGODB_TIMEOUT_SECS",
        default_value_t = 5,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub mongodb_timeout_secs: u64,

    /// `DEV_USER_ID`: the user (24-hex id) that the embedded default seeds demo clients for and
    /// prints a token for.
    #[arg(long, env = "DEV_USER_ID", value_name = "DEV_USER_ID", default_value = DEFAULT_DEV_USER_ID, value_parser = parse_user_id)]
    pub dev_user_id: UserId,

    /// `SEED_DEMO_CLIENTS`: whether the embedded default seeds the dev user's demo clients
    /// (Acme Corp, Globex) at start-up.
    #[arg(
        long,
        env = "SEED_DEMO_CLIENTS",
        value_name = "SEED_DEMO_CLIENTS",
        default_value_t = true,
        action = clap::ArgAction::Set
    )]
    pub seed_demo_clients: bool,

    /// `CONSOLE_ENABLED`: whether the browser console is served at `/`. Unset: on for the embedded
    /// default, off otherwise.
    #[arg(long, env = "CONSOLE_ENABLED", value_name = "CONSOLE_ENABLED", action = clap::ArgAction::Set)]
    pub console_enabled: Option<bool>,

    /// The chat model.
    #[command(flatten)]
    pub llm: LlmConfig,

    /// The ad and analytics platforms.
    #[command(flatten)]
    pub platforms: PlatformsConfig,
}

/// The platforms' OAuth apps, API endpoints and versions, and the sync's pace. A platform whose app
/// is not configured answers `connect` with a 503 naming the missing variables; the rest works.
#[derive(Debug, Clone, Args)]
#[allow(clippy::struct_field_names)] // the fields are named as the variables are
pub struct PlatformsConfig {
    /// `PUBLIC_BASE_URL`: where the platforms send users back: redirect URIs are
    /// `{PUBLIC_BASE_URL}/v1/oauth/{platform}/callback`. Default: `http://` and `BIND_ADDR`.
    #[arg(long, env = "PUBLIC_BASE_URL", value_name = "PUBLIC_BASE_URL", value_parser = parse_url)]
    pub public_base_url: Option<String>,
    /// `FRONTEND_URL`: where a user lands after authorizing, with the outcome in the query;
    /// unset: the callback answers JSON.
    #[arg(long, env = "FRONTEND_URL", value_name = "FRONTEND_URL", value_parser = parse_url)]
    pub frontend_url: Option<String>,
    /// `GOOGLE_CLIENT_ID`: the Google OAuth app's client id (one app for GA4 and Google Ads).
    #[arg(long, env = "GOOGLE_CLIENT_ID", value_name = "GOOGLE_CLIENT_ID")]
    pub google_client_id: Option<String>,
    /// `GOOGLE_CLIENT_SECRET`: its secret.
    #[arg(long, env = "GOOGLE_CLIENT_SECRET", value_name = "GOOGLE_CLIENT_SECRET", hide_env_values = true, value_parser = parse_secret)]
    pub google_client_secret: Option<SecretString>,
    /// `GOOGLE_ADS_DEVELOPER_TOKEN`: sent as `developer-token` only when set (sunset in September 2026).
    #[arg(long, env = "GOOGLE_ADS_DEVELOPER_TOKEN", value_name = "GOOGLE_ADS_DEVELOPER_TOKEN", hide_env_values = true, value_parser = parse_secret)]
    pub google_ads_developer_token: Option<SecretString>,
    /// `GOOGLE_ADS_LOGIN_CUSTOMER_ID`: the manager account (10 digits) accounts are reached through.
    #[arg(long, env = "GOOGLE_ADS_LOGIN_CUSTOMER_ID", value_name = "GOOGLE_ADS_LOGIN_CUSTOMER_ID")]
    pub google_ads_login_customer_id: Option<String>,
    /// `META_APP_ID`: the Meta app's id.
    #[arg(long, env = "META_APP_ID", value_name = "META_APP_ID")]
    pub meta_app_id: Option<String>,
    /// `META_APP_SECRET`: its secret.
    #[arg(long, env = "META_APP_SECRET", value_name = "META_APP_SECRET", hide_env_values = true, value_parser = parse_secret)]
    pub meta_app_secret: Option<SecretString>,
    /// `LINKEDIN_CLIENT_ID`: the LinkedIn app's client id.
    #[arg(long, env = "LINKEDIN_CLIENT_ID", value_name = "LINKEDIN_CLIENT_ID")]
    pub linkedin_client_id: Option<String>,
    /// `LINKEDIN_CLIENT_SECRET`: its secret.
    #[arg(long, env = "LINKEDIN_CLIENT_SECRET", value_name = "LINKEDIN_CLIENT_SECRET", hide_env_values = true, value_parser = parse_secret)]
    pub linkedin_client_secret: Option<SecretString>,
    /// `GOOGLE_AUTH_URL`: Google's consent page (default the real one).
    #[arg(long, env = "GOOGLE_AUTH_URL", value_name = "GOOGLE_AUTH_URL", value_parser = parse_url)]
    pub google_auth_url: Option<String>,
    /// `GOOGLE_TOKEN_URL`: Google's token endpoint.
    #[arg(long, env = "GOOGLE_TOKEN_URL", value_name = "GOOGLE_TOKEN_URL", value_parser = parse_url)]
    pub google_token_url: Option<String>,
    /// `GA4_DATA_API_URL`: the GA4 Data API, up to its version (`…/v1beta`).
    #[arg(long, env = "GA4_DATA_API_URL", value_name = "GA4_DATA_API_URL", value_parser = parse_url)]
    pub ga4_data_api_url: Option<String>,
    /// `GA4_ADMIN_API_URL`: the GA4 Admin API, up to its version (`…/v1beta`).
    #[arg(long, env = "GA4_ADMIN_API_URL", value_name = "GA4_ADMIN_API_URL", value_parser = parse_url)]
    pub ga4_admin_api_url: Option<String>,
    /// `GOOGLE_ADS_API_URL`: the Google Ads API's host.
    #[arg(long, env = "GOOGLE_ADS_API_URL", value_name = "GOOGLE_ADS_API_URL", value_parser = parse_url)]
    pub google_ads_api_url: Option<String>,
    /// `GOOGLE_ADS_API_VERSION`: the Google Ads API version (default `v26`).
    #[arg(long, env = "GOOGLE_ADS_API_VERSION", value_name = "GOOGLE_ADS_API_VERSION")]
    pub google_ads_api_version: Option<String>,
    /// `META_AUTH_URL`: Meta's consent page.
    #[arg(long, env = "META_AUTH_URL", value_name = "META_AUTH_URL", value_parser = parse_url)]
    pub meta_auth_url: Option<String>,
    /// `META_GRAPH_URL`: the Graph API's host.
    #[arg(long, env = "META_GRAPH_URL", value_name = "META_GRAPH_URL", value_parser = parse_url)]
    pub meta_graph_url: Option<String>,
    /// `META_GRAPH_VERSION`: the Graph/Marketing API version (default `v27.0`).
    #[arg(long, env = "META_GRAPH_VERSION", value_name = "META_GRAPH_VERSION")]
    pub meta_graph_version: Option<String>,
    /// `LINKEDIN_AUTH_URL`: LinkedIn's consent page.
    #[arg(long, env = "LINKEDIN_AUTH_URL", value_name = "LINKEDIN_AUTH_URL", value_parser = parse_url)]
    pub linkedin_auth_url: Option<String>,
    /// `LINKEDIN_TOKEN_URL`: LinkedIn's token endpoint.
    #[arg(long, env = "LINKEDIN_TOKEN_URL", value_name = "LINKEDIN_TOKEN_URL", value_parser = parse_url)]
    pub linkedin_token_url: Option<String>,
    /// `LINKEDIN_API_URL`: the Marketing API (`…/rest`).
    #[arg(long, env = "LINKEDIN_API_URL", value_name = "LINKEDIN_API_URL", value_parser = parse_url)]
    pub linkedin_api_url: Option<String>,
    /// `LINKEDIN_VERSION`: the `LinkedIn-Version` header (default `202609`).
    #[arg(long, env = "LINKEDIN_VERSION", value_name = "LINKEDIN_VERSION")]
    pub linkedin_version: Option<String>,
    /// `SYNC_INTERVAL_MINUTES`: time between two syncs of a connection (at least 5).
    #[arg(
        long,
        env = "SYNC_INTERVAL_MINUTES",
        value_name = "SYNC_INTERVAL_MINUTES",
        default_value_t = 360,
        value_parser = clap::value_parser!(u64).range(5..)
    )]
    pub sync_interval_minutes: u64,
    /// `SYNC_CONCURRENCY`: most connections one replica syncs at once (1 to 64).
    #[arg(
        long,
        env = "SYNC_CONCURRENCY",
        value_name = "SYNC_CONCURRENCY",
        default_value_t = 4,
        value_parser = clap::value_parser!(u64).range(1..=64)
    )]
    pub sync_concurrency: u64,
    /// `PLATFORM_REQUESTS_PER_SECOND`: most requests per second this process sends to each
    /// platform, for all its syncs and calls together (1 to 1,000; each replica paces itself).
    #[arg(
        long,
        env = "PLATFORM_REQUESTS_PER_SECOND",
        value_name = "PLATFORM_REQUESTS_PER_SECOND",
        default_value_t = 5,
        value_parser = clap::value_parser!(u32).range(1..=1000)
    )]
    pub platform_requests_per_second: u32,
}

impl PlatformsConfig {
    /// No platform configured, and the default sync pace.
    pub fn unconfigured() -> Self {
        Self {
            public_base_url: None,
            frontend_url: None,
            google_client_id: None,
            google_client_secret: None,
            google_ads_developer_token: None,
            google_ads_login_customer_id: None,
            meta_app_id: None,
            meta_app_secret: None,
            linkedin_client_id: None,
            linkedin_client_secret: None,
            google_auth_url: None,
            google_token_url: None,
            ga4_data_api_url: None,
            ga4_admin_api_url: None,
            google_ads_api_url: None,
            google_ads_api_version: None,
            meta_auth_url: None,
            meta_graph_url: None,
            meta_graph_version: None,
            linkedin_auth_url: None,
            linkedin_token_url: None,
            linkedin_api_url: None,
            linkedin_version: None,
            sync_interval_minutes: 360,
            sync_concurrency: 4,
            platform_requests_per_second: 5,
        }
    }
}

/// The chat model's configuration: the offline analyst, or any OpenAI-compatible Chat Completions
/// server (OpenAI, Azure OpenAI's v1 API, Ollama, vLLM, llama.cpp's server, LiteLLM).
#[derive(Debug, Clone, Args)]
pub struct LlmConfig {
    /// `LLM_PROVIDER`: `offline` (the deterministic offline analyst) or `openai` (an
    /// OpenAI-compatible server). Unset: `openai` when `LLM_API_KEY` or `LLM_BASE_URL` is set,
    /// otherwise `offline`.
    #[arg(long = "llm-provider", env = "LLM_PROVIDER", value_name = "LLM_PROVIDER", value_enum)]
    pub provider: Option<LlmProvider>,

    /// `LLM_BASE_URL`: the server's base URL, up to its version segment (default
    /// `https://api.openai.com/v1`; Ollama `http://localhost:11434/v1`).
    #[arg(long = "llm-base-url", env = "LLM_BASE_URL", value_name = "LLM_BASE_URL", value_parser = parse_base_url)]
    pub base_url: Option<String>,

    /// `LLM_API_KEY`: the key sent as a bearer token; local servers need none. Secret: never logged.
    #[arg(
        long = "llm-api-key",
        env = "LLM_API_KEY",
        value_name = "LLM_API_KEY",
        hide_env_values = true,
        value_parser = parse_secret
    )]
    pub api_key: Option<SecretString>,

    /// `LLM_MODEL`: the model to ask for.
    #[arg(long = "llm-model", env = "LLM_MODEL", value_name = "LLM_MODEL", default_value = DEFAULT_LLM_MODEL)]
    pub model: String,

    /// `LLM_CONTEXT_TOKENS`: the model's context window in tokens; the prompt sent and the answer's
    /// room stay within it (at least 1,024).
    #[arg(
        long = "llm-context-tokens",
        env = "LLM_CONTEXT_TOKENS",
        value_name = "LLM_CONTEXT_TOKENS",
        default_value_t = 128_000,
        value_parser = clap::value_parser!(u32).range(1024..)
    )]
    pub context_tokens: u32,

    /// `LLM_MAX_OUTPUT_TOKENS`: most tokens one answer may have (at least 16).
    #[arg(
        long = "llm-max-output-tokens",
        env = "LLM_MAX_OUTPUT_TOKENS",
        value_name = "LLM_MAX_OUTPUT_TOKENS",
        default_value_t = 1024,
        value_parser = clap::value_parser!(u32).range(16..)
    )]
    pub max_output_tokens: u32,

    /// `LLM_TIMEOUT_SECS`: longest one model call may take, its retries and streamed answer
    /// included; past it the message answers 504 (at least 1).
    #[arg(
        long = "llm-timeout-secs",
        env = "LLM_TIMEOUT_SECS",
        value_name = "LLM_TIMEOUT_SECS",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub timeout_secs: u64,

    /// `LLM_FIRST_TOKEN_TIMEOUT_SECS`: longest to wait for the model's first streamed token; past it
    /// the message answers 504 (at least 1).
    #[arg(
        long = "llm-first-token-timeout-secs",
        env = "LLM_FIRST_TOKEN_TIMEOUT_SECS",
        value_name = "LLM_FIRST_TOKEN_TIMEOUT_SECS",
        default_value_t = 20,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub first_token_timeout_secs: u64,

    /// `LLM_MAX_ATTEMPTS`: most requests per model call when the provider answers 429 or 5xx or
    /// cannot be reached, the first included (1 to 10).
    #[arg(
        long = "llm-max-attempts",
        env = "LLM_MAX_ATTEMPTS",
        value_name = "LLM_MAX_ATTEMPTS",
        default_value_t = 3,
        value_parser = clap::value_parser!(u32).range(1..=10)
    )]
    pub max_attempts: u32,

    /// `LLM_MAX_TOOL_ROUNDS`: most rounds of tool calls per answer; then the model must answer
    /// (1 to 10).
    #[arg(
        long = "llm-max-tool-rounds",
        env = "LLM_MAX_TOOL_ROUNDS",
        value_name = "LLM_MAX_TOOL_ROUNDS",
        default_value_t = 4,
        value_parser = clap::value_parser!(u32).range(1..=10)
    )]
    pub max_tool_rounds: u32,

    /// `LLM_TOOL_CHOICE`: the `tool_choice` sent when tools are offered: `default` sends none (the
    /// server decides; right for OpenAI, Azure, Ollama, vLLM), `auto` sends `"auto"` (servers such
    /// as llama-cpp-python's that ignore tools otherwise).
    #[arg(
        long = "llm-tool-choice",
        env = "LLM_TOOL_CHOICE",
        value_name = "LLM_TOOL_CHOICE",
        value_enum,
        default_value_t = LlmToolChoice::Default
    )]
    pub tool_choice: LlmToolChoice,

    /// `LLM_HTTP2`: whether to speak HTTP/2 to the model server (h2c on `http://`, h2 on `https://`),
    /// every chat of this replica a stream on one connection: about 30 KiB less per streaming chat
    /// (`docs/performance.md`). Only for servers that speak it and allow as many concurrent streams
    /// as the replica runs chats; past that limit chats wait. Default `false` (HTTP/1.1).
    #[arg(
        long = "llm-http2",
        env = "LLM_HTTP2",
        value_name = "LLM_HTTP2",
        default_value_t = false,
        action = clap::ArgAction::Set
    )]
    pub http2: bool,

    /// `LLM_PRICES`: prices in USD per million input/output tokens, `model=input/output` entries
    /// separated by commas (`gpt-4o-mini=0.15/0.60`); they override the built-in prices of the same
    /// models and add others.
    #[arg(long = "llm-prices", env = "LLM_PRICES", value_name = "LLM_PRICES", value_parser = parse_prices)]
    pub prices: Option<PriceTable>,
}

/// The model asked for when `LLM_MODEL` is unset.
pub const DEFAULT_LLM_MODEL: &str = "gpt-4o-mini";

/// The `tool_choice` sent to the model server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LlmToolChoice {
    /// Send none.
    Default,
    /// Send `"auto"`.
    Auto,
}

/// Which chat model answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LlmProvider {
    /// The deterministic offline analyst.
    Offline,
    /// An OpenAI-compatible Chat Completions server.
    Openai,
}

impl LlmConfig {
    /// The provider in use: as set, or `openai` when a key or a base URL is given.
    pub fn provider(&self) -> LlmProvider {
        self.provider.unwrap_or(if self.api_key.is_some() || self.base_url.is_some() {
            LlmProvider::Openai
        } else {
            LlmProvider::Offline
        })
    }

    /// The offline analyst with every default.
    pub fn offline() -> Self {
        Self {
            provider: None,
            base_url: None,
            api_key: None,
            model: DEFAULT_LLM_MODEL.to_owned(),
            context_tokens: 128_000,
            max_output_tokens: 1024,
            timeout_secs: 60,
            first_token_timeout_secs: 20,
            max_attempts: 3,
            max_tool_rounds: 4,
            tool_choice: LlmToolChoice::Default,
            http2: false,
            prices: None,
        }
    }
}

impl Config {
    /// Whether this is the embedded default: no database configured, so the in-memory store, the
    /// offline analyst and (when unset) development secrets are used.
    pub fn is_embedded(&self) -> bool {
        self.mongodb_uri.is_none()
    }

    /// The request timeout.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// The configuration with every default and no environment read: the embedded default, for
    /// tests and tools that then change what they need.
    ///
    /// # Panics
    /// Never: the default schedule and user id are constants that parse.
    pub fn embedded_default() -> Self {
        Self {
            bind_addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            jwt_secret: None,
            jwt_issuer: None,
            jwt_audience: None,
            token_encryption_key: None,
            rate_limit_per_minute: 20,
            rate_limit_per_day: 500,
            message_cap: 1000,
            retention_days: 90,
            retention_schedule: parse_schedule(DEFAULT_RETENTION_SCHEDULE).expect("the default schedule parses"),
            cors_origins: None,
            log_format: LogFormat::Text,
            rust_log: "info".to_owned(),
            request_timeout_secs: 60,
            mongodb_uri: None,
            mongodb_db: "chatbot".to_owned(),
            mongodb_auto_migrate: true,
            mongodb_timeout_secs: 5,
            dev_user_id: UserId::parse(DEFAULT_DEV_USER_ID).expect("the default dev user id parses"),
            seed_demo_clients: true,
            console_enabled: None,
            llm: LlmConfig::offline(),
            platforms: PlatformsConfig::unconfigured(),
        }
    }
}

/// The format of log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Which browser origins may call the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    /// Any origin (`*`).
    Any,
    /// Exactly these origins.
    List(Vec<String>),
}

fn parse_secret(raw: &str) -> Result<SecretString, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err("must not be empty; unset the variable instead".to_owned());
    }
    Ok(SecretString::from(trimmed.to_owned()))
}

/// Parses a cron expression in UTC; a classic five-field expression gets a leading `0` seconds field.
///
/// # Errors
/// A message saying what is wrong with the expression.
pub fn parse_schedule(raw: &str) -> Result<cron::Schedule, String> {
    let trimmed = raw.trim();
    let expression = if trimmed.split_whitespace().count() == 5 { format!("0 {trimmed}") } else { trimmed.to_owned() };
    cron::Schedule::from_str(&expression)
        .map_err(|e| format!("must be a cron expression such as \"0 0 3 * * *\" (daily at 03:00 UTC): {e}"))
}

fn parse_claim(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err("must not be empty; unset the variable to accept any value".to_owned());
    }
    Ok(trimmed.to_owned())
}

fn parse_origins(raw: &str) -> Result<CorsOrigins, String> {
    let origins: Vec<&str> = raw.split(',').map(str::trim).filter(|o| !o.is_empty()).collect();
    if origins == ["*"] {
        return Ok(CorsOrigins::Any);
    }
    if origins.is_empty() {
        return Err("must list at least one origin such as https://app.example.com, or be unset".to_owned());
    }
    let mut list = Vec::with_capacity(origins.len());
    for origin in origins {
        let url = url_like_origin(origin)
            .ok_or_else(|| format!("{origin:?} is not an origin; write scheme://host[:port] with no path"))?;
        list.push(url);
    }
    Ok(CorsOrigins::List(list))
}

/// Accepts `scheme://host[:port]` (no path, query or trailing slash), as browsers send in `Origin`.
fn url_like_origin(origin: &str) -> Option<String> {
    let (scheme, rest) = origin.split_once("://")?;
    let valid_scheme = matches!(scheme, "http" | "https");
    let valid_rest = !rest.is_empty() && !rest.contains(['/', '?', '#', ' ']);
    (valid_scheme && valid_rest && axum::http::HeaderValue::from_str(origin).is_ok()).then(|| origin.to_owned())
}

fn parse_base_url(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let scheme_ok = trimmed.starts_with("http://") || trimmed.starts_with("https://");
    if !scheme_ok || trimmed.len() <= "https://".len() {
        return Err("must be an http(s) URL up to the API version, such as https://api.openai.com/v1".to_owned());
    }
    Ok(trimmed.to_owned())
}

fn parse_url(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let scheme_ok = trimmed.starts_with("http://") || trimmed.starts_with("https://");
    if !scheme_ok || trimmed.len() <= "https://".len() || trimmed.contains(char::is_whitespace) {
        return Err("must be an http(s) URL such as https://chatbot.example.com".to_owned());
    }
    Ok(trimmed.to_owned())
}

fn parse_prices(raw: &str) -> Result<PriceTable, String> {
    adapters_llm::parse_prices(raw).map_err(|e| e.to_string())
}

fn parse_user_id(raw: &str) -> Result<UserId, String> {
    UserId::parse(raw).map_err(|e| e.message().to_owned())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Harness {
        #[command(flatten)]
        config: Config,
    }

    fn parse(args: &[&str]) -> Result<Config, clap::Error> {
        Harness::try_parse_from(std::iter::once("api").chain(args.iter().copied())).map(|h| h.config)
    }

    /// Every environment variable the configuration reads.
    fn variables() -> Vec<String> {
        use clap::CommandFactory;
        Harness::command()
            .get_arguments()
            .filter_map(|a| a.get_env())
            .map(|e| e.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn env_example_lists_every_variable() {
        let example = include_str!("../../../.env.example");
        for variable in variables() {
            assert!(example.contains(&format!("{variable}=")), ".env.example lacks {variable}");
        }
    }

    #[test]
    fn the_embedded_default_matches_the_declared_defaults() {
        // Only meaningful when the test process sets none of the variables, as in CI.
        if variables().iter().any(|v| std::env::var_os(v).is_some()) {
            return;
        }
        let parsed = parse(&[]).unwrap();
        let embedded = Config::embedded_default();
        assert_eq!(parsed.bind_addr, embedded.bind_addr);
        assert_eq!(parsed.rate_limit_per_minute, embedded.rate_limit_per_minute);
        assert_eq!(parsed.rate_limit_per_day, embedded.rate_limit_per_day);
        assert_eq!(parsed.message_cap, embedded.message_cap);
        assert_eq!(parsed.retention_days, embedded.retention_days);
        assert_eq!(parsed.retention_schedule.source(), embedded.retention_schedule.source());
        assert_eq!(parsed.request_timeout_secs, embedded.request_timeout_secs);
        assert_eq!(parsed.dev_user_id, embedded.dev_user_id);
        assert_eq!(parsed.llm.model, embedded.llm.model);
        assert_eq!(parsed.llm.context_tokens, embedded.llm.context_tokens);
        assert_eq!(parsed.llm.max_output_tokens, embedded.llm.max_output_tokens);
        assert_eq!(parsed.llm.timeout_secs, embedded.llm.timeout_secs);
        assert_eq!(parsed.llm.first_token_timeout_secs, embedded.llm.first_token_timeout_secs);
        assert_eq!(parsed.llm.max_attempts, embedded.llm.max_attempts);
        assert_eq!(parsed.llm.max_tool_rounds, embedded.llm.max_tool_rounds);
        assert_eq!(parsed.llm.provider(), LlmProvider::Offline);
        assert!(parsed.is_embedded());
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let err = parse(&["--message-cap", "1"]).unwrap_err().to_string();
        assert!(err.contains("MESSAGE_CAP"), "{err}");
        let err = parse(&["--retention-schedule", "every day"]).unwrap_err().to_string();
        assert!(err.contains("RETENTION_SCHEDULE"), "{err}");
        let err = parse(&["--dev-user-id", "42"]).unwrap_err().to_string();
        assert!(err.contains("DEV_USER_ID"), "{err}");
    }

    #[test]
    fn a_key_or_a_base_url_chooses_the_openai_compatible_model() {
        let with = |args: &[&str]| parse(args).unwrap().llm.provider();
        assert_eq!(with(&["--llm-api-key", "sk-test"]), LlmProvider::Openai);
        assert_eq!(with(&["--llm-base-url", "http://localhost:11434/v1/"]), LlmProvider::Openai);
        assert_eq!(with(&["--llm-api-key", "sk-test", "--llm-provider", "offline"]), LlmProvider::Offline);
        let config = parse(&["--llm-base-url", "http://localhost:11434/v1/"]).unwrap();
        assert_eq!(config.llm.base_url.as_deref(), Some("http://localhost:11434/v1"));
    }

    #[test]
    fn bad_model_settings_name_their_variable() {
        for (args, variable) in [
            (&["--llm-base-url", "localhost:11434"][..], "LLM_BASE_URL"),
            (&["--llm-prices", "gpt-4o=cheap"][..], "LLM_PRICES"),
            (&["--llm-max-attempts", "0"][..], "LLM_MAX_ATTEMPTS"),
            (&["--llm-context-tokens", "12"][..], "LLM_CONTEXT_TOKENS"),
            (&["--llm-provider", "anthropic"][..], "LLM_PROVIDER"),
        ] {
            let err = parse(args).unwrap_err().to_string();
            assert!(err.contains(variable), "{args:?}: {err}");
        }
    }

    #[test]
    fn five_field_cron_expressions_are_accepted() {
        let schedule = parse_schedule("30 4 * * *").unwrap();
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z").unwrap().to_utc();
        let next = schedule.after(&now).next().unwrap();
        assert_eq!(next.to_rfc3339(), "2026-11-26T04:30:00+00:00");
    }

    #[test]
    fn cors_origins_are_a_comma_separated_list_or_a_star() {
        assert_eq!(parse_origins("*").unwrap(), CorsOrigins::Any);
        assert_eq!(
            parse_origins("https://app.example.com, http://localhost:5173").unwrap(),
            CorsOrigins::List(vec!["https://app.example.com".into(), "http://localhost:5173".into()])
        );
        assert!(parse_origins("app.example.com").is_err());
        assert!(parse_origins("https://app.example.com/").is_err());
    }

    #[test]
    fn the_issuer_and_audience_are_optional_and_not_empty() {
        let config = parse(&["--jwt-issuer", " https://auth.example ", "--jwt-audience", "chatbot"]).unwrap();
        assert_eq!(config.jwt_issuer.as_deref(), Some("https://auth.example"));
        assert_eq!(config.jwt_audience.as_deref(), Some("chatbot"));
        let err = parse(&["--jwt-audience", " "]).unwrap_err().to_string();
        assert!(err.contains("JWT_AUDIENCE"), "{err}");
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let mut config = Config::embedded_default();
        config.jwt_secret = Some(SecretString::from("super-secret-value-that-must-not-leak"));
        config.llm.api_key = Some(SecretString::from("sk-super-secret-key"));
        assert!(!format!("{config:?}").contains("super-secret"));
    }
}
