//! The domain's use cases over the in-memory stores, with the offline analyst and a clock the tests
//! move: the rules that span several ports (cap, rate limit, re-activation, retention, ownership)
//! end to end. Real stores rather than mocks wherever a rule is about what is stored: a mock that
//! answers "not found" would pass whether or not the rule is kept.

use std::sync::{Arc, Mutex};

use adapters_llm::OfflineAnalyst;
use adapters_memory::MemoryStores;
use adapters_system::RandomIds;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use domain::client::{ClientChanges, ClientName, ClientStatus, NewClient};
use domain::conversation::{ConversationChanges, ConversationLimits, ConversationStatus, MessageContent, Role};
use domain::dates::ClientTimeZone;
use domain::ids::{ConversationId, UserId};
use domain::paging::{ClientQuery, ConversationQuery};
use domain::ports::{Clock, DemoDataStore, IdGenerator};
use domain::services::chat::{ChatError, ChatPorts, ChatService, ChatSettings};
use domain::services::clients::{ClientError, ClientService};
use domain::services::conversations::{ConversationError, ConversationService};
use domain::services::rate_limit::{RateLimitPolicy, RateLimiter};
use domain::services::retention::{RetentionOutcome, RetentionService};
use domain::tools::AnalystTools;

/// A clock that stands still until a test moves it.
struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    fn advance(&self, by: TimeDelta) {
        let mut now = self.0.lock().unwrap();
        *now += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

struct World {
    clock: Arc<TestClock>,
    clients: ClientService,
    conversations: ConversationService,
    chat: ChatService,
    retention: RetentionService,
    user: UserId,
    /// Another user, whose records `user` must never reach.
    stranger: UserId,
}

async fn world(settings: ChatSettings, policy: RateLimitPolicy) -> World {
    let stores = MemoryStores::new();
    stores.demo.seed_if_empty(&domain::demo::sample()).await.unwrap();
    let clock = Arc::new(TestClock(Mutex::new(Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap())));
    let ids: Arc<dyn IdGenerator> = Arc::new(RandomIds::new());
    let chat = ChatService::new(
        ChatPorts {
            conversations: stores.conversations.clone(),
            clients: stores.clients.clone(),
            users: stores.users.clone(),
            tools: AnalystTools::new(stores.daily.clone(), stores.snapshots.clone(), stores.demo.clone()),
            limiter: RateLimiter::new(stores.rate_limits.clone(), policy),
            model: Arc::new(OfflineAnalyst::new()),
            ids: ids.clone(),
            clock: clock.clone(),
        },
        settings,
    );
    World {
        clients: ClientService::new(stores.clients.clone(), ids.clone(), clock.clone()),
        conversations: ConversationService::new(
            stores.conversations.clone(),
            stores.clients.clone(),
            stores.users.clone(),
            ids,
            clock.clone(),
        ),
        chat,
        retention: RetentionService::new(stores.conversations.clone(), stores.job_lock, clock.clone(), 90, "test"),
        clock,
        user: UserId::parse("64b000000000000000000007").unwrap(),
        stranger: UserId::parse("64b000000000000000000008").unwrap(),
    }
}

fn new_client(name: &str) -> NewClient {
    NewClient { name: ClientName::new(name).unwrap(), email: None, logo: None, time_zone: ClientTimeZone::UTC }
}

impl World {
    async fn new_conversation(&self) -> ConversationId {
        let client = self.clients.create(self.user, new_client("Acme Corp")).await.unwrap();
        self.conversations.start(self.user, client.id, None).await.unwrap().id
    }

    async fn ask(&self, id: ConversationId, text: &str) -> Result<String, ChatError> {
        let exchange = self.chat.send(self.user, id, MessageContent::new(text).unwrap()).await?;
        Ok(exchange.answer.content)
    }

    async fn status(&self, id: ConversationId) -> Result<ConversationStatus, ConversationError> {
        Ok(self.conversations.get(self.user, id, None, 10).await?.conversation.status)
    }
}

#[tokio::test]
// With one answer its cost is the conversation's total exactly: `0.0 + cost` is `cost`.
#[allow(clippy::float_cmp)]
async fn the_offline_analyst_answers_from_demo_data_through_the_tool_loop() {
    let w = world(ChatSettings::default(), RateLimitPolicy::default()).await;
    let id = w.new_conversation().await;
    let answer = w.ask(id, "What is the bounce rate?").await.unwrap();
    assert!(answer.contains("Google Analytics 4 bounce rate: 45%"), "the demo sample's bounce rate is 0.45: {answer}");
    assert!(answer.contains("demo"), "{answer}");

    let detail = w.conversations.get(w.user, id, None, 10).await.unwrap();
    let roles: Vec<Role> = detail.messages.messages.iter().map(|m| m.role).collect();
    assert_eq!(roles, [Role::User, Role::Assistant]);
    let meta = &detail.messages.messages[1].metadata;
    assert_eq!(meta.model.as_deref(), Some(adapters_llm::MODEL_NAME));
    assert!(meta.demo_data);
    assert!(meta.working.as_ref().is_some_and(|w| w.demo && !w.tools.is_empty()), "{:?}", meta.working);
    assert_eq!(detail.conversation.metadata.total_tokens_used, meta.tokens_used.unwrap());
    assert_eq!(detail.conversation.metadata.total_cost_usd, meta.cost_usd.unwrap(), "the answer's cost is the total");
    let stored: u64 = detail.messages.messages.iter().map(domain::conversation::Message::stored_bytes).sum();
    assert_eq!(detail.conversation.message_bytes, stored);
}

#[tokio::test]
async fn a_full_conversation_refuses_the_next_question_and_keeps_every_message() {
    let limits = ConversationLimits { message_cap: 4, ..ConversationLimits::default() };
    let w = world(ChatSettings { limits, ..ChatSettings::default() }, RateLimitPolicy::default()).await;
    let id = w.new_conversation().await;
    w.ask(id, "spend?").await.unwrap();
    w.ask(id, "clicks?").await.unwrap();
    let err = w.ask(id, "impressions?").await.unwrap_err();
    assert!(matches!(err, ChatError::ConversationFull { limits: full } if full == limits), "{err:?}");
    let detail = w.conversations.get(w.user, id, None, 10).await.unwrap();
    assert_eq!(detail.conversation.message_count, 4);
    assert_eq!(detail.messages.messages.len(), 4);
}

#[tokio::test]
async fn the_rate_limit_spans_conversations_and_resets_with_the_minute() {
    let w = world(ChatSettings::default(), RateLimitPolicy { per_minute: 2, per_day: 100 }).await;
    let first = w.new_conversation().await;
    let second = w.new_conversation().await;
    w.ask(first, "spend?").await.unwrap();
    w.ask(second, "spend?").await.unwrap();
    let err = w.ask(second, "clicks?").await.unwrap_err();
    assert!(matches!(err, ChatError::RateLimited { retry_after } if retry_after.as_secs() == 60), "{err:?}");
    let detail = w.conversations.get(w.user, second, None, 10).await.unwrap();
    assert_eq!(detail.conversation.message_count, 2, "the refused question is not stored");

    w.clock.advance(TimeDelta::minutes(1));
    w.ask(second, "clicks?").await.unwrap();
}

#[tokio::test]
async fn a_new_message_reactivates_an_archived_conversation() {
    let w = world(ChatSettings::default(), RateLimitPolicy::default()).await;
    let id = w.new_conversation().await;
    let archive = ConversationChanges { title: None, status: Some(ConversationStatus::Archived) };
    w.conversations.update(w.user, id, archive).await.unwrap();
    assert_eq!(w.status(id).await.unwrap(), ConversationStatus::Archived);
    w.ask(id, "spend?").await.unwrap();
    assert_eq!(w.status(id).await.unwrap(), ConversationStatus::Active);
}

#[tokio::test]
async fn retention_archives_idle_conversations_and_purges_long_deleted_ones() {
    let w = world(ChatSettings::default(), RateLimitPolicy::default()).await;
    let idle = w.new_conversation().await;
    w.ask(idle, "spend?").await.unwrap();
    let deleted = w.new_conversation().await;
    w.conversations.delete(w.user, deleted).await.unwrap();

    // 89 days on, a third conversation is used; nothing is old enough yet.
    w.clock.advance(TimeDelta::days(89));
    let recent = w.new_conversation().await;
    w.ask(recent, "clicks?").await.unwrap();
    let RetentionOutcome::Ran(report) = w.retention.run().await.unwrap() else { panic!("the lease is free") };
    assert_eq!((report.archived, report.purged), (0, 0));

    // Two more days: the idle one passes 90 days without a message, the deleted one 90 days deleted.
    w.clock.advance(TimeDelta::days(2));
    let RetentionOutcome::Ran(report) = w.retention.run().await.unwrap() else { panic!("the lease is free") };
    assert_eq!((report.archived, report.purged), (1, 1));
    assert_eq!(w.status(idle).await.unwrap(), ConversationStatus::Archived);
    assert_eq!(w.status(recent).await.unwrap(), ConversationStatus::Active);
    assert!(matches!(w.status(deleted).await, Err(ConversationError::NotFound)));

    // Archived conversations are kept until the user deletes them.
    w.clock.advance(TimeDelta::days(365));
    let RetentionOutcome::Ran(report) = w.retention.run().await.unwrap() else { panic!("the lease is free") };
    assert_eq!(report.purged, 0);
    assert_eq!(w.status(idle).await.unwrap(), ConversationStatus::Archived);
}

#[tokio::test]
async fn another_users_client_is_in_the_store_but_no_use_case_reaches_it() {
    let w = world(ChatSettings::default(), RateLimitPolicy::default()).await;
    let theirs = w.clients.create(w.stranger, new_client("Their Corp")).await.unwrap();
    assert_eq!(w.clients.get(w.stranger, theirs.id).await.unwrap(), theirs, "it exists, for its owner");

    assert!(matches!(w.clients.get(w.user, theirs.id).await, Err(ClientError::NotFound)));
    let rename = ClientChanges { name: Some(ClientName::new("Hijacked").unwrap()), ..ClientChanges::default() };
    assert!(matches!(w.clients.update(w.user, theirs.id, rename).await, Err(ClientError::NotFound)));
    assert!(matches!(w.clients.archive(w.user, theirs.id).await, Err(ClientError::NotFound)));
    let search = ClientQuery { name_prefix: Some("their".into()), ..ClientQuery::default() };
    assert!(w.clients.list(w.user, &search).await.unwrap().items.is_empty());
    assert!(w.clients.list(w.user, &ClientQuery::default()).await.unwrap().items.is_empty());
    assert!(matches!(w.conversations.start(w.user, theirs.id, None).await, Err(ConversationError::ClientNotFound)));
    let about_theirs = ConversationQuery { client_id: Some(theirs.id), ..ConversationQuery::default() };
    assert!(matches!(w.conversations.list(w.user, &about_theirs).await, Err(ConversationError::ClientNotFound)));

    let unchanged = w.clients.get(w.stranger, theirs.id).await.unwrap();
    assert_eq!(unchanged, theirs, "nothing the other user tried changed it");
    assert_eq!(unchanged.status, ClientStatus::Active);
    assert_eq!(w.clients.list(w.stranger, &search).await.unwrap().items, vec![theirs]);
}

#[tokio::test]
async fn another_users_conversation_is_in_the_store_but_no_use_case_reaches_it() {
    let w = world(ChatSettings::default(), RateLimitPolicy::default()).await;
    let client = w.clients.create(w.stranger, new_client("Their Corp")).await.unwrap();
    let theirs = w.conversations.start(w.stranger, client.id, None).await.unwrap().id;
    w.chat.send(w.stranger, theirs, MessageContent::new("spend?").unwrap()).await.unwrap();

    assert!(matches!(w.status(theirs).await, Err(ConversationError::NotFound)));
    let err = w.ask(theirs, "what did they spend?").await.unwrap_err();
    assert!(matches!(err, ChatError::NotFound), "{err:?}");
    let archive = ConversationChanges { title: None, status: Some(ConversationStatus::Archived) };
    assert!(matches!(w.conversations.update(w.user, theirs, archive).await, Err(ConversationError::NotFound)));
    assert!(matches!(w.conversations.delete(w.user, theirs).await, Err(ConversationError::NotFound)));
    assert!(w.conversations.list(w.user, &ConversationQuery::default()).await.unwrap().items.is_empty());

    let detail = w.conversations.get(w.stranger, theirs, None, 10).await.unwrap();
    assert_eq!(detail.conversation.status, ConversationStatus::Active);
    assert_eq!(detail.messages.messages.len(), 2, "only the owner's exchange, nothing of the stranger's");
}
