//! `spawn_app()` and the typed helpers every test uses. The server, its request helpers and the
//! problem assertions are shared with the other targets (`black_box_tests`); what is only this
//! target's lives here: the in-memory server, captured logs and a failing model.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use api::{Config, Ports};
use async_trait::async_trait;
pub use black_box_tests::{JWT_SECRET, TestApp, ok_json, problem, random_user, test_config, token_with};
use chrono::{DateTime, Utc};
use domain::analyst::{AnswerSink, ChatRequest, ModelTurn, TokenUsage};
use domain::conversation::{Conversation, ConversationChanges, Feedback, MessagePage};
use domain::ids::{ConversationId, MessageId, UserId};
use domain::paging::{ConversationCursor, ConversationQuery, Page};
use domain::ports::{
    AppendOutcome, ChatModel, ChatModelError, ConversationStore, FeedbackOutcome, MessageSlot, NewMessage, StoreError,
    UserChatbotStore,
};
use domain::user::{ChatActivity, Preferences, UserChatbot};
use tokio::sync::{Notify, Semaphore};

/// Everything the test process logged, from every test (the subscriber is process-wide).
static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

/// Writes log lines into [`LOGS`].
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs, once per process, a subscriber that keeps every log line at debug level and above.
fn capture_logs() -> Arc<Mutex<Vec<u8>>> {
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
            .with_ansi(false)
            .with_writer(move || LogBuffer(writer.clone()))
            .try_init();
        buffer
    })
    .clone()
}

/// Everything logged so far by this test process.
pub fn captured_logs() -> String {
    let buffer = capture_logs();
    let bytes = buffer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Starts the server with the test configuration.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}, |ports| ports).await
}

/// Starts the server after `configure` changed the configuration and `customize` the ports.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config), customize: impl FnOnce(Ports) -> Ports) -> TestApp {
    capture_logs();
    let mut config = test_config();
    configure(&mut config);
    TestApp::start(config, customize).await
}

/// A chat model that sends a first delta, then fails with the error `make` returns.
pub struct FailingModel(pub fn() -> ChatModelError);

#[async_trait]
impl ChatModel for FailingModel {
    async fn complete(&self, _request: &ChatRequest, sink: Arc<dyn AnswerSink>) -> Result<ModelTurn, ChatModelError> {
        sink.delta("Half an answer that must not be stored ").await;
        Err((self.0)())
    }
}

/// Replaces the model of `ports` with one that fails with `make()`.
pub fn failing_model(make: fn() -> ChatModelError) -> impl FnOnce(Ports) -> Ports {
    move |ports| Ports { model: Arc::new(FailingModel(make)), ..ports }
}

/// A gate that tests open when they are ready: whatever waits on it waits until then.
#[derive(Clone)]
pub struct Gate(Arc<Semaphore>);

impl Default for Gate {
    /// A closed gate.
    fn default() -> Self {
        Self(Arc::new(Semaphore::new(0)))
    }
}

impl Gate {
    /// Lets everything waiting through, now and from now on.
    pub fn open(&self) {
        self.0.add_permits(1);
    }

    /// Waits until the gate is open (each passer hands the permit on).
    async fn pass(&self) {
        let _passing = self.0.acquire().await;
    }
}

/// A chat model that starts its answer, waits for its gate, then finishes it.
pub struct GatedModel(pub Gate);

#[async_trait]
impl ChatModel for GatedModel {
    async fn complete(&self, _request: &ChatRequest, sink: Arc<dyn AnswerSink>) -> Result<ModelTurn, ChatModelError> {
        sink.delta("Looking at the figures… ").await;
        self.0.pass().await;
        sink.delta("nothing to report.").await;
        Ok(ModelTurn {
            text: "Looking at the figures… nothing to report.".into(),
            tool_calls: vec![],
            usage: TokenUsage::default(),
            model: "gated".into(),
        })
    }
}

/// The conversation store of a server, telling the test each time an answer is stored or its
/// reserved place is given back.
pub struct WatchedConversations {
    inner: Arc<dyn ConversationStore>,
    settled: Arc<Notify>,
}

impl WatchedConversations {
    /// Wraps `inner`; `settled` is notified once per answer stored or reservation released.
    pub fn new(inner: Arc<dyn ConversationStore>, settled: Arc<Notify>) -> Self {
        Self { inner, settled }
    }
}

#[async_trait]
impl ConversationStore for WatchedConversations {
    async fn insert(&self, conversation: &Conversation) -> Result<(), StoreError> {
        self.inner.insert(conversation).await
    }
    async fn get(&self, user: UserId, id: ConversationId) -> Result<Option<Conversation>, StoreError> {
        self.inner.get(user, id).await
    }
    async fn list(
        &self,
        user: UserId,
        query: &ConversationQuery,
    ) -> Result<Page<Conversation, ConversationCursor>, StoreError> {
        self.inner.list(user, query).await
    }
    async fn update(
        &self,
        user: UserId,
        id: ConversationId,
        changes: ConversationChanges,
        now: DateTime<Utc>,
    ) -> Result<Option<Conversation>, StoreError> {
        self.inner.update(user, id, changes, now).await
    }
    async fn soft_delete(&self, user: UserId, id: ConversationId, now: DateTime<Utc>) -> Result<bool, StoreError> {
        self.inner.soft_delete(user, id, now).await
    }
    async fn messages(
        &self,
        user: UserId,
        id: ConversationId,
        before: Option<MessageId>,
        limit: usize,
    ) -> Result<Option<MessagePage>, StoreError> {
        self.inner.messages(user, id, before, limit).await
    }
    async fn append(
        &self,
        user: UserId,
        id: ConversationId,
        message: &NewMessage,
    ) -> Result<AppendOutcome, StoreError> {
        let outcome = self.inner.append(user, id, message).await;
        if message.slot == MessageSlot::Answer {
            self.settled.notify_one();
        }
        outcome
    }
    async fn release_answer(&self, user: UserId, id: ConversationId) -> Result<(), StoreError> {
        let released = self.inner.release_answer(user, id).await;
        self.settled.notify_one();
        released
    }
    async fn set_feedback(
        &self,
        user: UserId,
        id: ConversationId,
        message: MessageId,
        feedback: Option<Feedback>,
    ) -> Result<FeedbackOutcome, StoreError> {
        self.inner.set_feedback(user, id, message, feedback).await
    }
}

/// The users' store of a server, whose counting of messages waits for a gate.
pub struct GatedUsers {
    inner: Arc<dyn UserChatbotStore>,
    gate: Gate,
}

impl GatedUsers {
    /// Wraps `inner`; `record_activity` of messages waits for `gate`.
    pub fn new(inner: Arc<dyn UserChatbotStore>, gate: Gate) -> Self {
        Self { inner, gate }
    }
}

#[async_trait]
impl UserChatbotStore for GatedUsers {
    async fn get(&self, user: UserId) -> Result<UserChatbot, StoreError> {
        self.inner.get(user).await
    }
    async fn save_preferences(&self, user: UserId, preferences: &Preferences) -> Result<(), StoreError> {
        self.inner.save_preferences(user, preferences).await
    }
    async fn record_activity(&self, user: UserId, activity: ChatActivity) -> Result<(), StoreError> {
        if activity.messages > 0 {
            self.gate.pass().await;
        }
        self.inner.record_activity(user, activity).await
    }
}

/// A chat model that answers at once as `gpt-4o-mini` using a million input and a million output
/// tokens, so each answer costs 0.75 USD under the default prices (0.15 + 0.60 per million).
pub struct PricedModel;

impl PricedModel {
    /// Tokens each answer reports: input plus output.
    pub const TOKENS: u64 = 2_000_000;
    /// What each answer costs in USD, exact in binary.
    pub const COST_USD: f64 = 0.75;
}

#[async_trait]
impl ChatModel for PricedModel {
    async fn complete(&self, _request: &ChatRequest, sink: Arc<dyn AnswerSink>) -> Result<ModelTurn, ChatModelError> {
        let text = "Spend held steady across the campaigns.";
        sink.delta(text).await;
        Ok(ModelTurn {
            text: text.into(),
            tool_calls: vec![],
            usage: TokenUsage { input: 1_000_000, output: 1_000_000, estimated: false },
            model: "gpt-4o-mini".into(),
        })
    }
}

/// Replaces the model of `ports` with a [`PricedModel`].
pub fn priced_model(ports: Ports) -> Ports {
    Ports { model: Arc::new(PricedModel), ..ports }
}
