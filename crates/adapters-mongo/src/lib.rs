//! The storage ports on MongoDB, through the official driver, in exactly the customer's schema.
//!
//! One store per collection, each converting between the domain's types and its documents at this
//! edge (field names as in `database-schema.md`, ObjectIds for ids, BSON dates for dates):
//!
//! | store | collection | port |
//! | --- | --- | --- |
//! | [`MongoClientStore`] | `clients` | `ClientStore`, `SyncQueue` |
//! | [`MongoConversationStore`] | `conversations` | `ConversationStore`, `ConversationRetention` |
//! | [`MongoUserChatbotStore`] | `users` (only `chatbot`) | `UserChatbotStore` |
//! | [`MongoDemoDataStore`] | `demo_data` | `DemoDataStore` |
//! | [`MongoSnapshotStore`] | `platform_snapshots` | `SnapshotStore` |
//! | [`MongoDailyStore`] | `platform_daily` | `DailyStore` |
//! | [`MongoRateLimitStore`] | `rate_limits` | `RateLimitStore` |
//! | [`MongoJobLock`] | `job_locks` | `JobLock` |
//! | [`MongoAuthorizationStore`] | `oauth_states` | `AuthorizationStore` |
//!
//! [`MongoStores::connect`] builds them all on one client; [`MongoStores::migrate`] creates the
//! indexes; [`MongoStores::ping`] tells whether the server answers. Driver errors become
//! `StoreError`s in one place: a duplicate key is `AlreadyExists`, an unreachable server is
//! `Unavailable` (the driver reconnects by itself once it is back), anything else `Unexpected`.
//!
//! Tokens arrive already sealed (`SealedToken`, decision 2) and are stored as that ciphertext, so
//! this crate needs no cipher; no document type's `Debug` prints one.
//!
//! Other tools reach the same data through the same stores: [`MongoConfig::new`] with the URI and
//! the database, [`MongoStores::connect`], then either a store's own methods (each implements its
//! `domain::ports` trait) or [`MongoStores::ports`], the domain's `Stores`, for the domain's services.
//!
//! # Example: a user's conversations
//!
//! Opens the stores on a fresh database, stores two conversations and lists them, newest first.
//! It needs a server: it runs against the MongoDB-wire test server when `CONGO_URI` is set (as
//! `make test` does, see `scripts/with-test-servers.sh`) and otherwise only says so.
//!
//! ```
//! use std::time::Duration;
//!
//! use adapters_mongo::{MongoConfig, MongoStores};
//! use chrono::{TimeZone, Utc};
//! use domain::conversation::{Conversation, ConversationTitle};
//! use domain::ids::{ClientId, ConversationId, UserId};
//! use domain::paging::ConversationQuery;
//! use secrecy::SecretString;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let Some(uri) = std::env::var("CONGO_URI").ok().filter(|u| !u.trim().is_empty()) else {
//!         println!("CONGO_URI is not set, so there is no server to run against; `make test` sets it");
//!         return Ok(());
//!     };
//!     // A database of its own, so that the example never sees anyone else's documents.
//!     let database = format!("doctest_{}", bson::oid::ObjectId::new().to_hex());
//!     let mut config = MongoConfig::new(SecretString::from(uri), database);
//!     config.server_selection_timeout = Duration::from_secs(10);
//!     let stores = MongoStores::connect(&config).await?;
//!     stores.migrate().await?;
//!     let ports = stores.ports();
//!
//!     let user = UserId::parse("64b000000000000000000007")?;
//!     let client = ClientId::parse("64b0000000000000000000c1")?;
//!     let at = |hour| Utc.with_ymd_and_hms(2026, 10, 1, hour, 0, 0).unwrap();
//!     for (id, title, hour) in [
//!         ("3f2b8c1e-6d4a-4b7e-9c1f-2a5d8e9b0c47", "October report", 9),
//!         ("8d1e4c2a-0b7f-4e3a-9d5c-6f2a1b0e9c38", "Q4 budget", 10),
//!     ] {
//!         let title = Some(ConversationTitle::new(title)?);
//!         let conversation = Conversation::start(ConversationId::parse(id)?, user, client, title, at(hour));
//!         ports.conversations.insert(&conversation).await?;
//!     }
//!
//!     let page = ports.conversations.list(user, &ConversationQuery::default()).await?;
//!     for c in &page.items {
//!         println!("{} {} ({} messages)", c.last_message_at, c.title.as_ref().map_or("untitled", |t| t.as_str()), c.message_count);
//!     }
//!     let titles: Vec<&str> = page.items.iter().filter_map(|c| c.title.as_ref()).map(|t| t.as_str()).collect();
//!     assert_eq!(titles, ["Q4 budget", "October report"]);
//!     assert!(page.next.is_none());
//!     // Another user sees none of them.
//!     let other = UserId::parse("64b000000000000000000008")?;
//!     assert!(ports.conversations.list(other, &ConversationQuery::default()).await?.items.is_empty());
//!
//!     stores.database().drop().await?;
//!     Ok(())
//! }
//! ```

mod authorizations;
mod clients;
mod connections;
mod conversations;
mod convert;
mod daily;
mod demo;
mod error;
mod figures;
mod indexes;
mod job_lock;
mod rate_limits;
mod snapshots;
mod users;
mod working;

use std::sync::Arc;
use std::time::Duration;

use bson::doc;
use domain::ports::{StoreError, Stores};
use mongodb::options::ClientOptions;
use mongodb::{Client, Database};
use secrecy::{ExposeSecret, SecretString};

pub use crate::authorizations::MongoAuthorizationStore;
pub use crate::clients::MongoClientStore;
pub use crate::conversations::MongoConversationStore;
pub use crate::daily::MongoDailyStore;
pub use crate::demo::MongoDemoDataStore;
pub use crate::error::MongoError;
pub use crate::indexes::{IndexChange, MigrationReport};
use crate::indexes::{IndexSpec, index_specs};
pub use crate::job_lock::MongoJobLock;
pub use crate::rate_limits::MongoRateLimitStore;
pub use crate::snapshots::MongoSnapshotStore;
pub use crate::users::MongoUserChatbotStore;

/// How to reach the database, and how long to wait for it.
#[derive(Debug, Clone)]
pub struct MongoConfig {
    /// The connection string (`MONGODB_URI`); secret, since it may hold a password.
    pub uri: SecretString,
    /// The database (`MONGODB_DB`, `chatbot` by default).
    pub database: String,
    /// How long an operation waits for a usable server before failing as unavailable. Short, so
    /// that requests answer 503 quickly while the server is down.
    pub server_selection_timeout: Duration,
    /// How long opening one connection may take.
    pub connect_timeout: Duration,
    /// How often the driver checks that the server answers, unless the URI sets
    /// `heartbeatFrequencyMS`. A server that hangs (rather than closing its connections) is only
    /// noticed by this check, which then fails the operations waiting on it, so it is as short as
    /// the timeouts: requests answer 503 instead of waiting for the server to wake.
    pub heartbeat_frequency: Duration,
    /// How long a deleted conversation is kept before the TTL index removes it (decision 3).
    pub deleted_retention: Duration,
    /// The name this service gives itself in the server's logs.
    pub app_name: String,
}

impl MongoConfig {
    /// Server selection and connection give up after this by default.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
    /// Deleted conversations are kept 90 days by default.
    pub const DEFAULT_DELETED_RETENTION: Duration = Duration::from_secs(90 * 24 * 60 * 60);

    /// A configuration with the default timeouts and retention.
    pub fn new(uri: SecretString, database: impl Into<String>) -> Self {
        Self {
            uri,
            database: database.into(),
            server_selection_timeout: Self::DEFAULT_TIMEOUT,
            connect_timeout: Self::DEFAULT_TIMEOUT,
            heartbeat_frequency: Self::DEFAULT_TIMEOUT,
            deleted_retention: Self::DEFAULT_DELETED_RETENTION,
            app_name: "chatbot-api".to_owned(),
        }
    }
}

/// Checks a database name against MongoDB's rules.
fn check_database_name(name: &str) -> Result<(), MongoError> {
    let invalid = |why| Err(MongoError::InvalidDatabase(name.to_owned(), why));
    if name.is_empty() {
        return invalid("it is empty");
    }
    if name.len() >= 64 {
        return invalid("it must be shorter than 64 bytes");
    }
    if name.chars().any(|c| matches!(c, '/' | '\\' | '.' | ' ' | '"' | '$' | '\0')) {
        return invalid("it must not contain / \\ . space \" $ or NUL");
    }
    Ok(())
}

/// Every Mongo store, on one client (one connection pool) and one database.
#[derive(Debug, Clone)]
pub struct MongoStores {
    /// `clients`; also the sync queue, over the connections embedded in them.
    pub clients: Arc<MongoClientStore>,
    /// `oauth_states`.
    pub authorizations: Arc<MongoAuthorizationStore>,
    /// `conversations`; also the retention job's port.
    pub conversations: Arc<MongoConversationStore>,
    /// The `chatbot` part of `users`.
    pub users: Arc<MongoUserChatbotStore>,
    /// `demo_data`; seed it at start-up with `seed_if_empty(&domain::demo::sample())`.
    pub demo: Arc<MongoDemoDataStore>,
    /// `platform_snapshots`.
    pub snapshots: Arc<MongoSnapshotStore>,
    /// `platform_daily`.
    pub daily: Arc<MongoDailyStore>,
    /// `rate_limits`.
    pub rate_limits: Arc<MongoRateLimitStore>,
    /// `job_locks`.
    pub job_lock: Arc<MongoJobLock>,
    database: Database,
    deleted_retention: Duration,
}

impl MongoStores {
    /// Builds the stores on a new client. Nothing is sent to the server yet: the driver connects
    /// on first use and reconnects by itself, so the service can start while the database is down.
    ///
    /// # Errors
    /// [`MongoError`] when the URI or the database name is not valid (for a `mongodb+srv://` URI,
    /// also when its DNS records cannot be resolved).
    pub async fn connect(config: &MongoConfig) -> Result<Self, MongoError> {
        check_database_name(&config.database)?;
        let mut options = ClientOptions::parse(config.uri.expose_secret())
            .await
            .map_err(|e| MongoError::InvalidUri(e.kind.to_string()))?;
        options.server_selection_timeout = Some(config.server_selection_timeout);
        options.connect_timeout = Some(config.connect_timeout);
        // The driver refuses a heartbeat under 500 ms.
        options.heartbeat_freq.get_or_insert(config.heartbeat_frequency.max(Duration::from_millis(500)));
        options.app_name.get_or_insert_with(|| config.app_name.clone());
        let client = Client::with_options(options).map_err(|e| MongoError::InvalidUri(e.kind.to_string()))?;
        Ok(Self::on(client.database(&config.database), config.deleted_retention))
    }

    /// The stores on a database handle the caller already has.
    pub fn on(database: Database, deleted_retention: Duration) -> Self {
        Self {
            clients: Arc::new(MongoClientStore::new(&database)),
            authorizations: Arc::new(MongoAuthorizationStore::new(&database)),
            conversations: Arc::new(MongoConversationStore::new(&database)),
            users: Arc::new(MongoUserChatbotStore::new(&database)),
            demo: Arc::new(MongoDemoDataStore::new(&database)),
            snapshots: Arc::new(MongoSnapshotStore::new(&database)),
            daily: Arc::new(MongoDailyStore::new(&database)),
            rate_limits: Arc::new(MongoRateLimitStore::new(&database)),
            job_lock: Arc::new(MongoJobLock::new(&database)),
            database,
            deleted_retention,
        }
    }

    /// Creates every index that is missing, replaces every index whose options differ, and drops
    /// the schema's TTL on `createdAt`; then writes the search key `nameKey` on every client
    /// document that lacks it (one written before the field existed; see `clients`). Logs each
    /// change. Running it again changes nothing.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the server cannot be reached, [`StoreError::Unexpected`]
    /// when it refuses an index or a write.
    #[tracing::instrument(skip(self), fields(database = %self.database.name()))]
    pub async fn migrate(&self) -> Result<MigrationReport, StoreError> {
        let mut report = indexes::migrate(&self.database, &self.indexes()).await?;
        report.name_keys_written = clients::backfill_name_keys(&self.database).await?;
        tracing::info!(
            changes = report.changes.len(),
            unchanged = report.unchanged,
            name_keys_written = report.name_keys_written,
            "indexes migrated"
        );
        Ok(report)
    }

    /// The stores as the domain's ports.
    pub fn ports(&self) -> Stores {
        Stores {
            authorizations: self.authorizations.clone(),
            sync_queue: self.clients.clone(),
            clients: self.clients.clone(),
            conversations: self.conversations.clone(),
            retention: self.conversations.clone(),
            users: self.users.clone(),
            demo: self.demo.clone(),
            snapshots: self.snapshots.clone(),
            daily: self.daily.clone(),
            rate_limits: self.rate_limits.clone(),
            job_lock: self.job_lock.clone(),
        }
    }

    /// The indexes [`Self::migrate`] maintains.
    pub(crate) fn indexes(&self) -> Vec<IndexSpec> {
        index_specs(self.deleted_retention)
    }

    /// Asks the server whether it answers, for `/ready`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when it cannot be reached within the server selection timeout.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.database.run_command(doc! { "ping": 1 }).await.map_err(|e| error::store_error(e, "pinging the server"))?;
        Ok(())
    }

    /// The database handle, for tools and tests that need the driver itself.
    pub fn database(&self) -> &Database {
        &self.database
    }
}

#[cfg(test)]
mod tests {
    use domain::ports::ClientStore;

    use super::*;

    #[test]
    fn database_names_follow_mongodbs_rules() {
        assert!(check_database_name("chatbot").is_ok());
        assert!(check_database_name("chatbot_test-1").is_ok());
        for bad in ["", "chat.bot", "chat bot", "a/b", "$db", &"x".repeat(64)] {
            assert!(matches!(check_database_name(bad), Err(MongoError::InvalidDatabase(..))), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn a_malformed_uri_is_refused_without_echoing_it() {
        let config = MongoConfig::new(SecretString::from("postgres://admin:hunter2@db"), "chatbot");
        let err = MongoStores::connect(&config).await.unwrap_err();
        assert!(matches!(err, MongoError::InvalidUri(_)), "{err:?}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[tokio::test]
    async fn a_server_that_is_not_there_is_unavailable() {
        // A port that was free a moment ago: nothing listens on it.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut config = MongoConfig::new(
            SecretString::from(format!("mongodb://127.0.0.1:{port}/?directConnection=true")),
            "chatbot",
        );
        config.server_selection_timeout = Duration::from_millis(200);
        let stores = MongoStores::connect(&config).await.unwrap();
        assert!(matches!(stores.ping().await, Err(StoreError::Unavailable(_))));
        let read =
            stores.clients.get(domain::ids::UserId::from_bytes([1; 12]), domain::ids::ClientId::from_bytes([2; 12]));
        assert!(matches!(read.await, Err(StoreError::Unavailable(_))));
    }
}
