//! Wiring: which adapter implements each port, and the services built over them.
//!
//! The backend is chosen in one place, [`Backend::from_config`]; each backend has one function that
//! builds its [`Stores`]. Everything above the stores only sees `Arc<dyn Port>`.

use std::sync::Arc;
use std::time::Duration;

use adapters_crypto::XChaChaTokenCipher;
use adapters_llm::{OfflineAnalyst, OpenAiChatModel, OpenAiConfig, OpenAiConfigError, ToolChoice};
use adapters_memory::MemoryStores;
use adapters_mongo::{MigrationReport, MongoConfig, MongoError, MongoStores};
use adapters_system::{RandomIds, SystemClock};
use async_trait::async_trait;
use domain::analyst::PriceTable;
use domain::conversation::ConversationLimits;
use domain::ports::{ChatModel, Clock, IdGenerator, StoreError, Stores, TokenCipher};
use domain::services::chat::{ChatPorts, ChatService, ChatSettings};
use domain::services::client_data::ClientDataService;
use domain::services::clients::ClientService;
use domain::services::conversations::ConversationService;
use domain::services::figures::FiguresService;
use domain::services::platforms::{Connectors, PlatformService};
use domain::services::rate_limit::{RateLimitPolicy, RateLimiter};
use domain::services::retention::RetentionService;
use domain::services::sync::{SyncPorts, SyncService, SyncSettings};
use domain::services::users::UserService;
use domain::tools::AnalystTools;

use crate::config::{Config, LlmConfig, LlmProvider, LlmToolChoice};
use crate::startup::StartupError;

/// Said loudly whenever the published development key is in use.
const DEV_KEY_WARNING: &str = "TOKEN_ENCRYPTION_KEY is not set: platform tokens are sealed with the PUBLISHED \
     DEVELOPMENT KEY. That is only acceptable on the embedded default; set TOKEN_ENCRYPTION_KEY for real data";

/// Where data is kept.
#[derive(Debug)]
pub enum Backend {
    /// In memory, lost at exit: the embedded default.
    Memory,
    /// `MongoDB`.
    Mongo {
        /// How to reach it.
        config: MongoConfig,
        /// Whether to create and update the indexes when the stores are built.
        auto_migrate: bool,
    },
}

impl Backend {
    /// The backend the configuration asks for.
    pub fn from_config(config: &Config) -> Self {
        match &config.mongodb_uri {
            None => Self::Memory,
            Some(uri) => {
                let mut mongo = MongoConfig::new(uri.clone(), config.mongodb_db.clone());
                let timeout = Duration::from_secs(config.mongodb_timeout_secs);
                mongo.server_selection_timeout = timeout;
                mongo.connect_timeout = timeout;
                mongo.heartbeat_frequency = timeout;
                // The TTL on `deletedAt` purges on the same window as the retention job (decision 3).
                mongo.deleted_retention = Duration::from_secs(u64::from(config.retention_days) * 24 * 60 * 60);
                Self::Mongo { config: mongo, auto_migrate: config.mongodb_auto_migrate }
            }
        }
    }

    /// Builds the backend's stores and their health check; on `MongoDB`, migrates the indexes
    /// first when asked to.
    ///
    /// # Errors
    /// [`StartupError::Config`] naming `MONGODB_URI` or `MONGODB_DB` when they are not valid,
    /// [`StartupError::Database`] when the indexes cannot be migrated.
    pub async fn stores(&self) -> Result<(Stores, Arc<dyn StoreHealth>), StartupError> {
        match self {
            Self::Memory => Ok((MemoryStores::new().ports(), Arc::new(AlwaysReady))),
            Self::Mongo { config, auto_migrate } => {
                let mongo = connect_mongo(config).await?;
                if *auto_migrate {
                    migrate(&mongo).await?;
                }
                Ok((mongo.ports(), Arc::new(mongo)))
            }
        }
    }
}

/// Connects the Mongo stores (nothing is sent to the server yet).
///
/// # Errors
/// [`StartupError::Config`] naming the variable at fault.
pub async fn connect_mongo(config: &MongoConfig) -> Result<MongoStores, StartupError> {
    MongoStores::connect(config).await.map_err(|e| StartupError::Config {
        variable: match e {
            MongoError::InvalidUri(_) => "MONGODB_URI",
            MongoError::InvalidDatabase(..) => "MONGODB_DB",
        },
        message: e.to_string(),
    })
}

/// Creates and updates the indexes (the adapter logs each change).
///
/// # Errors
/// [`StartupError::Database`] when the server cannot be reached or refuses an index.
pub async fn migrate(mongo: &MongoStores) -> Result<MigrationReport, StartupError> {
    mongo.migrate().await.map_err(|e| StartupError::Database(format!("migrating the indexes: {e}")))
}

/// Whether the store answers, for `/ready`.
#[async_trait]
pub trait StoreHealth: Send + Sync {
    /// `Ok` when the store can serve requests.
    async fn check(&self) -> Result<(), StoreError>;
}

/// The in-memory store is always there.
struct AlwaysReady;

#[async_trait]
impl StoreHealth for AlwaysReady {
    async fn check(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

#[async_trait]
impl StoreHealth for MongoStores {
    async fn check(&self) -> Result<(), StoreError> {
        self.ping().await
    }
}

/// The chat model the configuration asks for: the offline analyst, or an OpenAI-compatible server.
///
/// # Errors
/// [`StartupError::Config`] naming the `LLM_*` variable at fault.
pub fn chat_model(config: &LlmConfig) -> Result<Arc<dyn ChatModel>, StartupError> {
    if config.provider() == LlmProvider::Offline {
        tracing::info!("the offline analyst answers (set LLM_API_KEY or LLM_BASE_URL for a real model)");
        return Ok(Arc::new(OfflineAnalyst::new()));
    }
    let openai = OpenAiConfig {
        base_url: config.base_url.clone().unwrap_or_else(|| OpenAiConfig::default().base_url),
        api_key: config.api_key.clone(),
        model: config.model.clone(),
        context_tokens: config.context_tokens,
        max_output_tokens: config.max_output_tokens,
        timeout: Duration::from_secs(config.timeout_secs),
        first_token_timeout: Duration::from_secs(config.first_token_timeout_secs),
        max_attempts: config.max_attempts,
        tool_choice: match config.tool_choice {
            LlmToolChoice::Default => ToolChoice::ServerDefault,
            LlmToolChoice::Auto => ToolChoice::Auto,
        },
        http2: config.http2,
        ..OpenAiConfig::default()
    };
    let endpoint = openai.base_url.clone();
    let model = OpenAiChatModel::new(openai).map_err(|e| StartupError::Config {
        variable: match e {
            OpenAiConfigError::BaseUrl(_) | OpenAiConfigError::HttpClient(_) => "LLM_BASE_URL",
            OpenAiConfigError::Model => "LLM_MODEL",
            OpenAiConfigError::OutputRoom { .. } => "LLM_MAX_OUTPUT_TOKENS",
            OpenAiConfigError::ApiKey => "LLM_API_KEY",
            OpenAiConfigError::Zero(_) => "LLM_TIMEOUT_SECS",
        },
        message: e.to_string(),
    })?;
    tracing::info!(model = %config.model, server = %host_of(&endpoint), key = config.api_key.is_some(), "an OpenAI-compatible model answers");
    Ok(Arc::new(model))
}

/// The scheme, host and port of a URL, without any credentials or path, for the logs.
fn host_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split('/').next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    format!("{scheme}://{host}")
}

/// Every port: the stores plus the analyst, the token cipher, time and ids.
#[derive(Clone)]
pub struct Ports {
    /// Storage.
    pub stores: Stores,
    /// Whether the store answers, for `/ready`.
    pub health: Arc<dyn StoreHealth>,
    /// The analyst.
    pub model: Arc<dyn ChatModel>,
    /// Seals and opens platform tokens.
    pub cipher: Arc<dyn TokenCipher>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// New ids.
    pub ids: Arc<dyn IdGenerator>,
    /// The platforms' OAuth apps and reporting APIs.
    pub connectors: Connectors,
}

impl Ports {
    /// The stores with this model and these connectors, the system clock and random ids.
    pub fn new(
        stores: Stores,
        health: Arc<dyn StoreHealth>,
        cipher: Arc<dyn TokenCipher>,
        model: Arc<dyn ChatModel>,
        connectors: Connectors,
    ) -> Self {
        Self {
            stores,
            health,
            model,
            cipher,
            clock: Arc::new(SystemClock),
            ids: Arc::new(RandomIds::new()),
            connectors,
        }
    }
}

/// The token cipher from `TOKEN_ENCRYPTION_KEY`; the development key on the embedded default only.
///
/// # Errors
/// [`StartupError::Config`] naming `TOKEN_ENCRYPTION_KEY` when it is malformed, or missing outside
/// the embedded default.
pub fn cipher(config: &Config) -> Result<Arc<dyn TokenCipher>, StartupError> {
    match &config.token_encryption_key {
        Some(ring) => {
            XChaChaTokenCipher::from_key_ring(ring).map(|c| Arc::new(c) as Arc<dyn TokenCipher>).map_err(|e| {
                StartupError::Config {
                    variable: "TOKEN_ENCRYPTION_KEY",
                    message: format!(
                        "{e}; write comma-separated keyId:base64key entries (32-byte keys), e.g. generate one with \
                     `api gen-key`"
                    ),
                }
            })
        }
        None if config.is_embedded() => {
            tracing::warn!("{DEV_KEY_WARNING}");
            Ok(Arc::new(XChaChaTokenCipher::development()))
        }
        None => Err(StartupError::Config {
            variable: "TOKEN_ENCRYPTION_KEY",
            message: "is required when MONGODB_URI is set, so that platform tokens are never stored with a \
                      published key; generate one with `api gen-key`"
                .to_owned(),
        }),
    }
}

/// The per-process id that the retention job's and the syncs' leases are held under.
pub fn process_holder() -> String {
    format!("api-{}-{}", std::process::id(), uuid::Uuid::new_v4().simple())
}

/// The chat use case's settings: the limits, the tool rounds, the prices (`LLM_PRICES` over the
/// built-in ones), and a history budget that leaves a real model's context room for the tools.
fn chat_settings(config: &Config) -> ChatSettings {
    let defaults = ChatSettings::default();
    let prices = match &config.llm.prices {
        Some(overrides) => PriceTable::default().merged(overrides.clone()),
        None => PriceTable::default(),
    };
    // A quarter of the prompt's room, at most the default: earlier messages matter less than the
    // tools' figures, and every token of history is paid for again with each question.
    let room = u64::from(config.llm.context_tokens.saturating_sub(config.llm.max_output_tokens));
    ChatSettings {
        limits: ConversationLimits { message_cap: config.message_cap, ..ConversationLimits::default() },
        history_token_budget: (room / 4).min(defaults.history_token_budget),
        max_tool_rounds: config.llm.max_tool_rounds as usize,
        prices,
        ..defaults
    }
}

/// The sync's pace from `SYNC_INTERVAL_MINUTES` and `SYNC_CONCURRENCY`.
fn sync_settings(config: &Config) -> SyncSettings {
    SyncSettings {
        interval: Duration::from_secs(config.platforms.sync_interval_minutes * 60),
        concurrency: usize::try_from(config.platforms.sync_concurrency).unwrap_or(1),
        ..SyncSettings::default()
    }
}

/// Every use case, built over the ports.
#[derive(Clone)]
pub struct Services {
    /// Clients.
    pub clients: ClientService,
    /// Conversations other than chatting.
    pub conversations: ConversationService,
    /// Chatting with the analyst.
    pub chat: ChatService,
    /// The user's stats and preferences.
    pub users: UserService,
    /// Platform connections.
    pub platforms: PlatformService,
    /// Syncing connections into the daily figures.
    pub sync: SyncService,
    /// The latest figures of a client.
    pub data: ClientDataService,
    /// Recording what a sync brought.
    pub figures: FiguresService,
    /// The daily clean-up.
    pub retention: RetentionService,
}

impl Services {
    /// Builds every service over `ports` with the configured limits.
    pub fn new(ports: &Ports, config: &Config) -> Self {
        let s = &ports.stores;
        let figures = FiguresService::new(s.clients.clone(), s.daily.clone(), s.snapshots.clone());
        let data = ClientDataService::new(s.clients.clone(), s.demo.clone());
        let limiter = RateLimiter::new(
            s.rate_limits.clone(),
            RateLimitPolicy { per_minute: config.rate_limit_per_minute, per_day: config.rate_limit_per_day },
        );
        let chat = ChatService::new(
            ChatPorts {
                conversations: s.conversations.clone(),
                clients: s.clients.clone(),
                users: s.users.clone(),
                tools: AnalystTools::new(s.daily.clone(), s.snapshots.clone(), s.demo.clone()),
                limiter,
                model: ports.model.clone(),
                ids: ports.ids.clone(),
                clock: ports.clock.clone(),
            },
            chat_settings(config),
        );
        Self {
            clients: ClientService::new(s.clients.clone(), ports.ids.clone(), ports.clock.clone()),
            conversations: ConversationService::new(
                s.conversations.clone(),
                s.clients.clone(),
                s.users.clone(),
                ports.ids.clone(),
                ports.clock.clone(),
            ),
            chat,
            users: UserService::new(s.users.clone()),
            platforms: PlatformService::new(
                s.clients.clone(),
                s.authorizations.clone(),
                ports.cipher.clone(),
                ports.clock.clone(),
                ports.connectors.clone(),
            ),
            sync: SyncService::new(
                SyncPorts {
                    clients: s.clients.clone(),
                    queue: s.sync_queue.clone(),
                    figures: figures.clone(),
                    cipher: ports.cipher.clone(),
                    clock: ports.clock.clone(),
                    connectors: ports.connectors.clone(),
                },
                sync_settings(config),
                process_holder(),
            ),
            data,
            figures,
            retention: RetentionService::new(
                s.retention.clone(),
                s.job_lock.clone(),
                ports.clock.clone(),
                config.retention_days,
                process_holder(),
            ),
        }
    }
}
