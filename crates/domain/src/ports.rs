//! The ports: what the domain needs from the outside world, as traits that adapters implement.
//!
//! Every storage method that reads or writes a user's data takes the owning user's id, so that a
//! query without the user cannot be written. The exceptions are system-wide by nature and live on
//! their own traits: [`ConversationRetention`], [`DemoDataStore`], [`JobLock`],
//! [`AuthorizationStore`] and [`SyncQueue`].

// mockall names the fields of the mocks it generates after the methods they stand for.
#![allow(clippy::struct_field_names)]

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use secrecy::SecretString;

use crate::analyst::{AnswerSink, ChatRequest, ModelTurn, TitleTurn};
use crate::cipher::SealedToken;
use crate::client::{Client, ClientChanges};
use crate::conversation::{
    Conversation, ConversationChanges, ConversationLimits, Feedback, HistoryMessage, Message, MessagePage,
};
use crate::daily::{Currency, DailyRecord, DayFigures};
use crate::dates::DateRange;
use crate::ids::{ClientId, ConversationId, MessageId, UserId};
use crate::paging::{ClientCursor, ClientQuery, ConversationCursor, ConversationQuery, Page};
use crate::platform::{
    ConnectionStatus, Platform, PlatformAccount, PlatformConnection, PlatformData, PlatformSnapshot, SealedCredentials,
};
use crate::user::{ChatActivity, Preferences, UserChatbot};

/// Why a store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store cannot be reached now; retrying later may work.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// A record with the same unique key exists.
    #[error("a record with the same key already exists")]
    AlreadyExists,
    /// Anything else, with its cause.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Clients and their platform connections.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ClientStore: Send + Sync {
    /// Stores a new client (owned by `client.user_id`).
    async fn insert(&self, client: &Client) -> Result<(), StoreError>;
    /// The user's client with this id, if any.
    async fn get(&self, user: UserId, id: ClientId) -> Result<Option<Client>, StoreError>;
    /// A page of the user's clients, sorted by name then id.
    async fn list(&self, user: UserId, query: &ClientQuery) -> Result<Page<Client, ClientCursor>, StoreError>;
    /// Applies `changes` at `now`; `None` when the user has no such client.
    async fn update(
        &self,
        user: UserId,
        id: ClientId,
        changes: ClientChanges,
        now: DateTime<Utc>,
    ) -> Result<Option<Client>, StoreError>;
    /// Replaces the connection of `connection.platform()`; `false` when the user has no such client.
    async fn save_connection(
        &self,
        user: UserId,
        id: ClientId,
        connection: &PlatformConnection,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Leases the client's connection for a sync by `holder` until `until`, when it is connected
    /// and not leased to another live holder at `now`; whether it was taken.
    async fn lease_sync(
        &self,
        user: UserId,
        id: ClientId,
        platform: Platform,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Applies `update` to the connection, field by field, only while it is still connected with the
    /// access token `expected` (so a sync that overlaps a disconnect or a reconnect writes nothing);
    /// whether it applied.
    async fn update_connection(
        &self,
        user: UserId,
        id: ClientId,
        platform: Platform,
        expected: &SealedToken,
        update: &ConnectionUpdate,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}

/// A guarded change to a connection: each field is written only when it is `Some`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConnectionUpdate {
    /// New tokens (after a refresh).
    pub credentials: Option<SealedCredentials>,
    /// The account chosen.
    pub account: Option<PlatformAccount>,
    /// The new status and its reason.
    pub status: Option<(ConnectionStatus, Option<String>)>,
    /// The latest figures and when they were synced.
    pub synced: Option<(PlatformData, DateTime<Utc>)>,
    /// When the connection syncs next; the sync lease is released.
    pub next_sync_at: Option<DateTime<Utc>>,
    /// Whether the back-fill is done.
    pub backfilled: Option<bool>,
}

/// One implementation of every storage port, as the use cases and the contract suite take them.
#[derive(Clone)]
pub struct Stores {
    /// Authorizations in progress.
    pub authorizations: Arc<dyn AuthorizationStore>,
    /// The connections due for a sync.
    pub sync_queue: Arc<dyn SyncQueue>,
    /// Clients and their platform connections.
    pub clients: Arc<dyn ClientStore>,
    /// Conversations and their messages.
    pub conversations: Arc<dyn ConversationStore>,
    /// The retention job's writes, over the same conversations as [`Stores::conversations`].
    pub retention: Arc<dyn ConversationRetention>,
    /// The chatbot's record of each user.
    pub users: Arc<dyn UserChatbotStore>,
    /// Demo figures.
    pub demo: Arc<dyn DemoDataStore>,
    /// Dated snapshots of clients' figures.
    pub snapshots: Arc<dyn SnapshotStore>,
    /// Clients' daily figures.
    pub daily: Arc<dyn DailyStore>,
    /// Rate-limit counters.
    pub rate_limits: Arc<dyn RateLimitStore>,
    /// Leases for jobs.
    pub job_lock: Arc<dyn JobLock>,
}

/// A message to append, and how it counts against the conversation's limits, so that they are
/// enforced by the write itself. The write adds [`Message::stored_bytes`] to the conversation's
/// `message_bytes`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// The message.
    pub message: Message,
    /// Whether it is a question (checked against the cap, reserving its answer's place) or the
    /// answer that takes a reserved place.
    pub slot: MessageSlot,
    /// Tokens to add to the conversation's total.
    pub tokens_used: u64,
    /// Cost in USD to add to the conversation's total.
    pub cost_usd: f64,
    /// Platforms to add to the conversation's `platformsQueried`.
    pub platforms: Vec<Platform>,
}

/// How an appended message counts against the message cap (decision 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageSlot {
    /// A question: stored only while [`Conversation::has_room_for_a_question`] holds for it (room
    /// in the count for it and its answer, room in the byte budget for it and a reserve per pending
    /// answer); the same write adds one to `answersPending`, reserving the answer's place, so
    /// concurrent questions can never leave one another's answers without room.
    Question {
        /// The conversation's limits.
        limits: ConversationLimits,
    },
    /// An answer: takes the place its question reserved (one less `answersPending`), never refused
    /// for the limits (its size is within [`Message::ANSWER_RESERVE_BYTES`]).
    Answer,
}

/// What became of an append.
#[derive(Debug, Clone, PartialEq)]
pub enum AppendOutcome {
    /// Stored; the conversation as it is now (re-activated if it was archived).
    Appended(Conversation),
    /// The user has no such conversation, or it is deleted.
    NotFound,
    /// The conversation has no room for the question and its answer.
    Full,
}

/// What became of a rating.
// One outcome is returned per request and moved once: boxing the message would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum FeedbackOutcome {
    /// Recorded; the message as it is now.
    Rated(Message),
    /// The user has no such conversation, or it is deleted.
    ConversationNotFound,
    /// The conversation has no such message.
    MessageNotFound,
    /// The message is not the analyst's.
    NotAnAnswer,
}

/// Conversations and their embedded messages.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ConversationStore: Send + Sync {
    /// Stores a new conversation (owned by `conversation.user_id`).
    async fn insert(&self, conversation: &Conversation) -> Result<(), StoreError>;
    /// The user's conversation with this id, deleted ones included, without messages.
    async fn get(&self, user: UserId, id: ConversationId) -> Result<Option<Conversation>, StoreError>;
    /// A page of the user's conversations, never deleted ones, newest `lastMessageAt` first.
    async fn list(
        &self,
        user: UserId,
        query: &ConversationQuery,
    ) -> Result<Page<Conversation, ConversationCursor>, StoreError>;
    /// Applies `changes` to a conversation that is not deleted; `None` when there is none.
    async fn update(
        &self,
        user: UserId,
        id: ConversationId,
        changes: ConversationChanges,
        now: DateTime<Utc>,
    ) -> Result<Option<Conversation>, StoreError>;
    /// Marks a conversation deleted at `now`; `false` when there is none that is not deleted.
    async fn soft_delete(&self, user: UserId, id: ConversationId, now: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Up to `limit` messages before `before` (the newest when `None`), oldest first; `None` when the
    /// user has no such conversation that is not deleted, or `before` is not one of its messages.
    async fn messages(
        &self,
        user: UserId,
        id: ConversationId,
        before: Option<MessageId>,
        limit: usize,
    ) -> Result<Option<MessagePage>, StoreError>;
    /// The role and text of up to `limit` messages before `before`, oldest first: a prompt's
    /// history, read without the answers' working. `None` as for [`ConversationStore::messages`].
    ///
    /// The provided method reads whole messages; stores override it to read less.
    async fn history(
        &self,
        user: UserId,
        id: ConversationId,
        before: MessageId,
        limit: usize,
    ) -> Result<Option<Vec<HistoryMessage>>, StoreError> {
        let page = self.messages(user, id, Some(before), limit).await?;
        Ok(page.map(|page| page.messages.iter().map(HistoryMessage::from).collect()))
    }
    /// Appends a message and updates the counters in one atomic write.
    async fn append(&self, user: UserId, id: ConversationId, message: &NewMessage)
    -> Result<AppendOutcome, StoreError>;
    /// Gives back the place a question reserved for an answer that will not come (the model
    /// failed); nothing happens when no answer is pending.
    async fn release_answer(&self, user: UserId, id: ConversationId) -> Result<(), StoreError>;
    /// Sets or clears the rating of an assistant message.
    async fn set_feedback(
        &self,
        user: UserId,
        id: ConversationId,
        message: MessageId,
        feedback: Option<Feedback>,
    ) -> Result<FeedbackOutcome, StoreError>;
}

/// The retention job's system-wide writes (decision 3).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ConversationRetention: Send + Sync {
    /// Archives active conversations whose last message is older than `idle_before`; how many.
    async fn archive_idle(&self, idle_before: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Removes conversations deleted before `deleted_before`; how many.
    async fn purge_deleted(&self, deleted_before: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// The chatbot's part of each user (decision 7).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UserChatbotStore: Send + Sync {
    /// The user's stats and preferences; defaults for a user never seen.
    async fn get(&self, user: UserId) -> Result<UserChatbot, StoreError>;
    /// Replaces the user's preferences.
    async fn save_preferences(&self, user: UserId, preferences: &Preferences) -> Result<(), StoreError>;
    /// Adds to the user's counters atomically and moves `lastChatAt` forward.
    async fn record_activity(&self, user: UserId, activity: ChatActivity) -> Result<(), StoreError>;
}

/// Demo figures for clients with nothing connected (decision 8); shared by every user.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait DemoDataStore: Send + Sync {
    /// The demo figures, one entry per platform.
    async fn all(&self) -> Result<Vec<PlatformData>, StoreError>;
    /// Stores `data` if the store holds no demo data yet; whether it did.
    async fn seed_if_empty(&self, data: &[PlatformData]) -> Result<bool, StoreError>;
}

/// Dated snapshots of a client's figures (decision 9).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SnapshotStore: Send + Sync {
    /// Stores a snapshot, replacing one of the same client, platform and range.
    async fn save(&self, user: UserId, snapshot: &PlatformSnapshot) -> Result<(), StoreError>;
    /// The snapshot of exactly this range, if any.
    async fn find(
        &self,
        user: UserId,
        client: ClientId,
        platform: Platform,
        range: DateRange,
    ) -> Result<Option<PlatformSnapshot>, StoreError>;
    /// Every snapshot of the platform for the client, newest range first.
    async fn list(
        &self,
        user: UserId,
        client: ClientId,
        platform: Platform,
    ) -> Result<Vec<PlatformSnapshot>, StoreError>;
}

/// Clients' daily figures: one record per client, platform and day (decision 9).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait DailyStore: Send + Sync {
    /// Stores the records, each replacing the user's record of the same client, platform and day;
    /// when one call holds several records of a day, the last one wins.
    async fn save(&self, user: UserId, records: &[DailyRecord]) -> Result<(), StoreError>;
    /// The user's records of the client's platform within `range`, oldest first. A range longer than
    /// [`crate::dates::MAX_RANGE_DAYS`] is read as its last `MAX_RANGE_DAYS` days
    /// ([`DateRange::readable`]), so that no read is unbounded.
    async fn range(
        &self,
        user: UserId,
        client: ClientId,
        platform: Platform,
        range: DateRange,
    ) -> Result<Vec<DailyRecord>, StoreError>;
}

/// A fixed window of the rate limiter (decision 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateWindow {
    /// Which kind of window ("minute", "day"), part of the counter's key.
    pub kind: &'static str,
    /// When the window opened, part of the counter's key.
    pub starts_at: DateTime<Utc>,
    /// When it closes; the counter may be forgotten after that.
    pub ends_at: DateTime<Utc>,
}

/// Counters behind the rate limiter, shared by every replica.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RateLimitStore: Send + Sync {
    /// Adds one to the user's counter for `window` atomically and returns the new count.
    async fn hit(&self, user: UserId, window: &RateWindow) -> Result<u64, StoreError>;
}

/// A lease that lets one replica run a job at a time.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait JobLock: Send + Sync {
    /// Takes the lease on `job` for `holder` until `now + lease` when it is free, expired or already
    /// `holder`'s; whether it was taken.
    async fn try_acquire(
        &self,
        job: &str,
        holder: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<bool, StoreError>;
    /// Gives the lease back if `holder` has it.
    async fn release(&self, job: &str, holder: &str) -> Result<(), StoreError>;
}

/// Why the chat model gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum ChatModelError {
    /// The model took too long.
    #[error("the model did not answer in time")]
    Timeout,
    /// The provider refused for now.
    #[error("the model provider is rate limiting requests")]
    RateLimited {
        /// When to try again, if the provider said.
        retry_after: Option<Duration>,
    },
    /// The provider is down or unreachable.
    #[error("the model provider is unavailable: {0}")]
    Unavailable(String),
    /// The model answered something that cannot be used.
    #[error("the model gave an unusable answer: {0}")]
    InvalidResponse(String),
    /// Anything else, with its cause.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// The analyst: a chat model that can call tools and stream its answer.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ChatModel: Send + Sync {
    /// Answers `request` or asks for tools; the answer's text is also sent to `sink` as it comes.
    async fn complete(&self, request: &ChatRequest, sink: Arc<dyn AnswerSink>) -> Result<ModelTurn, ChatModelError>;

    /// A short title for a conversation from its first question and answer, written by the model
    /// in a cheap call of its own; `None` keeps the domain's own title (the first question's first
    /// line). The default writes none.
    async fn title(&self, question: &str, answer: &str) -> Result<Option<TitleTurn>, ChatModelError> {
        let _ = (question, answer);
        Ok(None)
    }
}

/// Why a token could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum CipherError {
    /// The sealed token names a key the cipher does not hold.
    #[error("the token was sealed with unknown key {0:?}")]
    UnknownKey(String),
    /// The sealed token is damaged, was sealed with another key, or belongs to another client,
    /// platform or field.
    #[error("the sealed token is damaged or does not belong here")]
    Corrupt,
}

/// Which token of which connection a sealed token is: bound into the seal, so that a sealed token
/// copied into another client's document, platform or field does not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenContext {
    /// The client.
    pub client: ClientId,
    /// The platform.
    pub platform: Platform,
    /// Which token.
    pub field: TokenField,
}

/// The kinds of token a connection keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenField {
    /// The access token.
    Access,
    /// The refresh token.
    Refresh,
    /// A PKCE verifier kept while the user authorizes.
    PkceVerifier,
}

impl TokenField {
    /// The field's name, as bound into a seal.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Access => "accessToken",
            Self::Refresh => "refreshToken",
            Self::PkceVerifier => "pkceVerifier",
        }
    }
}

/// Seals OAuth tokens before they are stored and opens them when a platform is called (decision 2).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait TokenCipher: Send + Sync {
    /// Encrypts a token for one place: its client, platform and field.
    fn seal(&self, token: &SecretString, context: TokenContext) -> Result<SealedToken, CipherError>;
    /// Decrypts a sealed token, which must have been sealed for the same place.
    fn open(&self, sealed: &SealedToken, context: TokenContext) -> Result<SecretString, CipherError>;
}

/// Tokens a platform granted.
#[derive(Debug)]
pub struct TokenGrant {
    /// The access token.
    pub access_token: SecretString,
    /// A new refresh token, when the platform issues or rotates one.
    pub refresh_token: Option<SecretString>,
    /// How long the access token lasts, when the platform says.
    pub expires_in: Option<Duration>,
    /// How long the refresh token lasts, when the platform says (LinkedIn).
    pub refresh_expires_in: Option<Duration>,
}

/// Why a platform call failed. Messages say what a person can do about it.
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// The platform's app is not configured on this server.
    #[error("{}", not_configured(*platform, missing))]
    NotConfigured {
        /// The platform.
        platform: Platform,
        /// The variables to set.
        missing: Vec<&'static str>,
    },
    /// The access token was refused; refreshing it may help.
    #[error("the platform refused the access token")]
    Unauthorized,
    /// The grant is gone for good (revoked, expired refresh token, changed password): the user
    /// must reconnect.
    #[error("{0}")]
    Revoked(String),
    /// The API version this server calls is retired; the message names the variable to change.
    #[error("{0}")]
    VersionRetired(String),
    /// The platform refused the call for another reason a person can act on (a permission, a
    /// disabled API, an account the token cannot see).
    #[error("{0}")]
    Refused(String),
    /// The platform's quota is used up for now.
    #[error("the platform is rate limiting requests")]
    RateLimited {
        /// When to try again, if the platform said.
        retry_after: Option<Duration>,
    },
    /// The platform is down or unreachable.
    #[error("the platform is unavailable: {0}")]
    Unavailable(String),
    /// The platform answered something that cannot be used.
    #[error("the platform gave an unusable answer: {0}")]
    InvalidResponse(String),
}

fn not_configured(platform: Platform, missing: &[&'static str]) -> String {
    let name = platform.display_name();
    if missing.is_empty() {
        format!("{name} is not configured on this server")
    } else {
        format!("{name} is not configured on this server; set {}", missing.join(", "))
    }
}

/// Where to send the user to authorize, and what to keep until they come back.
#[derive(Debug)]
pub struct Authorization {
    /// The platform's consent page, with the scopes, the state and the PKCE challenge.
    pub url: String,
    /// The random, single-use state the platform sends back with the code.
    pub state: String,
    /// The PKCE verifier, where the platform supports PKCE.
    pub pkce_verifier: Option<SecretString>,
}

/// An account a token can see, for the user to choose from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountChoice {
    /// The account.
    pub account: PlatformAccount,
    /// Its name on the platform (the GA4 property's, the ad account's).
    pub name: String,
    /// Its currency, where the platform says.
    pub currency: Option<Currency>,
}

/// Figures a platform returned for a range.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FetchedFigures {
    /// One entry per day that had figures.
    pub days: Vec<(NaiveDate, DayFigures)>,
    /// GA4's own user totals of the windows asked for.
    pub window_users: Vec<(DateRange, u64)>,
}

/// One platform's OAuth app and reporting API.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PlatformConnector: Send + Sync {
    /// The platform this connector talks to.
    fn platform(&self) -> Platform;
    /// Starts an authorization whose consent page sends the user back to `redirect_uri`.
    fn authorize(&self, redirect_uri: &str) -> Result<Authorization, ConnectorError>;
    /// Exchanges the code the user came back with (Meta: for a long-lived token at once).
    async fn exchange(
        &self,
        code: &SecretString,
        pkce_verifier: Option<SecretString>,
        redirect_uri: &str,
    ) -> Result<TokenGrant, ConnectorError>;
    /// Exchanges a refresh token for a new access token.
    async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenGrant, ConnectorError>;
    /// The accounts the token can see.
    async fn accounts(&self, access_token: &SecretString) -> Result<Vec<AccountChoice>, ConnectorError>;
    /// The account's daily figures over `range`, and GA4's user totals of `windows`.
    async fn fetch(
        &self,
        account: &PlatformAccount,
        access_token: &SecretString,
        range: DateRange,
        windows: &[DateRange],
    ) -> Result<FetchedFigures, ConnectorError>;
}

/// An authorization in progress: what a callback's `state` stands for (single use, expiring).
#[derive(Debug, Clone, PartialEq)]
pub struct PendingAuthorization {
    /// The random state.
    pub state: String,
    /// The user who started it.
    pub user: UserId,
    /// The client it connects.
    pub client: ClientId,
    /// The platform.
    pub platform: Platform,
    /// The sealed PKCE verifier, where the platform uses PKCE.
    pub pkce_verifier: Option<SealedToken>,
    /// When the state stops being accepted.
    pub expires_at: DateTime<Utc>,
}

/// Authorizations in progress. System-wide by nature: the platform's callback carries no bearer
/// token, only the state, which names the user.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AuthorizationStore: Send + Sync {
    /// Keeps a pending authorization until it is taken or expires.
    async fn save(&self, pending: &PendingAuthorization) -> Result<(), StoreError>;
    /// Takes the pending authorization of `state` away, atomically, so that it is used once; `None`
    /// when there is none or it expired before `now`.
    async fn take(&self, state: &str, now: DateTime<Utc>) -> Result<Option<PendingAuthorization>, StoreError>;
}

/// A connection whose sync a replica took on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueSync {
    /// The owner.
    pub user: UserId,
    /// The client.
    pub client: ClientId,
    /// The platform.
    pub platform: Platform,
}

/// The connections due for a sync, across every user: system-wide by nature, like retention.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SyncQueue: Send + Sync {
    /// Leases up to `limit` connections that are connected, have an account, are due at `now` (a
    /// next sync time is set and not after `now`; a connection without one is not scheduled) and
    /// are not leased to a live holder, to `holder` until `now + lease`, each with one atomic
    /// write, so that two replicas never take the same connection.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        holder: &str,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<DueSync>, StoreError>;
}

/// The current time.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// New identifiers.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait IdGenerator: Send + Sync {
    /// A new client id.
    fn client_id(&self) -> ClientId;
    /// A new conversation id.
    fn conversation_id(&self) -> ConversationId;
    /// A new message id.
    fn message_id(&self) -> MessageId;
}
