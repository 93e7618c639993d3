//! Unit tests of the chat use case against mocks of its ports.

use std::sync::Mutex;

use super::*;
use crate::analyst::{ModelPrice, ModelTurn, ToolCall};
use crate::conversation::{ConversationTitle, MessagePage};
use crate::ports::{
    MessageSlot, MockChatModel, MockClientStore, MockConversationStore, MockDemoDataStore, MockIdGenerator,
    MockRateLimitStore, MockUserChatbotStore,
};
use crate::services::rate_limit::RateLimitPolicy;
use crate::services::test_support::{self, FixedClock, client_id, conversation_id, message_id, user_id};

struct Mocks {
    conversations: MockConversationStore,
    clients: MockClientStore,
    users: MockUserChatbotStore,
    demo: MockDemoDataStore,
    rate: MockRateLimitStore,
    model: MockChatModel,
}

impl Mocks {
    /// Mocks of an active conversation holding `count` messages about an active client with nothing
    /// connected, for a user well within the rate limit.
    fn new(count: u32) -> Self {
        let mut conversations = MockConversationStore::new();
        conversations.expect_get().returning(move |u, id| {
            let mut c = Conversation::start(id, u, client_id(1), None, FixedClock::default().0);
            c.message_count = count;
            Ok(Some(c))
        });
        let mut clients = MockClientStore::new();
        clients.expect_get().returning(|u, id| Ok(Some(test_support::client(id, u, ClientStatus::Active))));
        conversations.expect_update().returning(|_, _, _, _| Ok(None));
        let mut users = MockUserChatbotStore::new();
        users.expect_record_activity().returning(|_, _| Ok(()));
        let mut demo = MockDemoDataStore::new();
        demo.expect_all().returning(|| Ok(crate::demo::sample()));
        let mut rate = MockRateLimitStore::new();
        rate.expect_hit().returning(|_, _| Ok(1));
        Self { conversations, clients, users, demo, rate, model: MockChatModel::new() }
    }

    fn service(self, settings: ChatSettings) -> ChatService {
        let clients: Arc<dyn ClientStore> = Arc::new(self.clients);
        let mut ids = MockIdGenerator::new();
        let next = Mutex::new(0u8);
        ids.expect_message_id().returning(move || {
            let mut n = next.lock().unwrap();
            *n += 1;
            message_id(*n)
        });
        ChatService::new(
            ChatPorts {
                conversations: Arc::new(self.conversations),
                clients: clients.clone(),
                users: Arc::new(self.users),
                data: ClientDataService::new(clients, Arc::new(self.demo)),
                limiter: RateLimiter::new(Arc::new(self.rate), RateLimitPolicy::default()),
                model: Arc::new(self.model),
                ids: Arc::new(ids),
                clock: Arc::new(FixedClock::default()),
            },
            settings,
        )
    }
}

fn content(text: &str) -> MessageContent {
    MessageContent::new(text).unwrap()
}

fn appended(message: &NewMessage) -> AppendOutcome {
    let mut c = Conversation::start(conversation_id(1), user_id(1), client_id(1), None, message.message.timestamp);
    c.message_count = 1;
    AppendOutcome::Appended(c)
}

/// A store of the messages appended so far, serving them back as history.
fn recording_store(mocks: &mut Mocks) -> Arc<Mutex<Vec<Message>>> {
    let stored = Arc::new(Mutex::new(Vec::<Message>::new()));
    let sink = stored.clone();
    mocks.conversations.expect_append().returning(move |_, _, m| {
        sink.lock().unwrap().push(m.message.clone());
        Ok(appended(m))
    });
    let source = stored.clone();
    mocks.conversations.expect_messages().returning(move |_, _, _, _| {
        Ok(Some(MessagePage { messages: source.lock().unwrap().clone(), has_more: false }))
    });
    stored
}

#[tokio::test]
async fn a_rate_limited_message_is_not_stored() {
    let mut mocks = Mocks::new(0);
    mocks.rate = MockRateLimitStore::new();
    mocks.rate.expect_hit().returning(|_, _| Ok(21));
    mocks.conversations.expect_append().times(0);
    let err =
        mocks.service(ChatSettings::default()).send(user_id(1), conversation_id(1), content("hi")).await.unwrap_err();
    assert!(matches!(err, ChatError::RateLimited { retry_after } if retry_after.as_secs() == 60));
}

#[tokio::test]
async fn a_full_conversation_refuses_before_counting_the_message() {
    let mut mocks = Mocks::new(9);
    mocks.rate = MockRateLimitStore::new();
    mocks.rate.expect_hit().times(0);
    mocks.conversations.expect_append().times(0);
    let settings = ChatSettings { message_cap: 10, ..ChatSettings::default() };
    let err = mocks.service(settings).send(user_id(1), conversation_id(1), content("hi")).await.unwrap_err();
    assert!(matches!(err, ChatError::ConversationFull { cap: 10 }));
}

#[tokio::test]
async fn the_question_is_stored_only_with_room_for_its_answer() {
    let mut mocks = Mocks::new(0);
    mocks
        .conversations
        .expect_append()
        .withf(|_, _, m| m.slot == MessageSlot::Question { cap: 10 })
        .times(1)
        .returning(|_, _, _| Ok(AppendOutcome::Full));
    let settings = ChatSettings { message_cap: 10, ..ChatSettings::default() };
    let err = mocks.service(settings).send(user_id(1), conversation_id(1), content("hi")).await.unwrap_err();
    assert!(matches!(err, ChatError::ConversationFull { .. }));
}

#[tokio::test]
async fn answers_being_written_count_against_the_cap() {
    let mut mocks = Mocks::new(6);
    mocks.conversations = MockConversationStore::new();
    mocks.conversations.expect_get().returning(|u, id| {
        let mut c = Conversation::start(id, u, client_id(1), None, FixedClock::default().0);
        c.message_count = 7;
        c.answers_pending = 2;
        Ok(Some(c))
    });
    mocks.conversations.expect_append().times(0);
    let settings = ChatSettings { message_cap: 10, ..ChatSettings::default() };
    let err = mocks.service(settings).send(user_id(1), conversation_id(1), content("hi")).await.unwrap_err();
    assert!(matches!(err, ChatError::ConversationFull { cap: 10 }));
}

#[tokio::test]
async fn the_answer_takes_the_place_its_question_reserved() {
    let mut mocks = Mocks::new(0);
    let slots = Arc::new(Mutex::new(Vec::new()));
    let seen = slots.clone();
    mocks.conversations.expect_append().returning(move |_, _, m| {
        seen.lock().unwrap().push(m.slot);
        Ok(appended(m))
    });
    mocks.conversations.expect_messages().returning(|_, _, _, _| Ok(Some(MessagePage::default())));
    mocks.conversations.expect_release_answer().times(0);
    mocks.model.expect_complete().returning(|_, _| {
        Ok(ModelTurn { reply: ModelReply::Answer("ok".into()), usage: TokenUsage::default(), model: "m".into() })
    });
    let settings = ChatSettings { message_cap: 10, ..ChatSettings::default() };
    mocks.service(settings).send(user_id(1), conversation_id(1), content("hi")).await.unwrap();
    assert_eq!(*slots.lock().unwrap(), vec![MessageSlot::Question { cap: 10 }, MessageSlot::Answer]);
}

#[tokio::test]
async fn the_first_question_names_an_untitled_conversation() {
    let mut mocks = Mocks::new(0);
    mocks.conversations = MockConversationStore::new();
    mocks
        .conversations
        .expect_get()
        .returning(|u, id| Ok(Some(Conversation::start(id, u, client_id(1), None, FixedClock::default().0))));
    mocks.conversations.expect_append().returning(|_, _, m| Ok(appended(m)));
    mocks.conversations.expect_messages().returning(|_, _, _, _| Ok(Some(MessagePage::default())));
    mocks
        .conversations
        .expect_update()
        .withf(|_, _, changes, _| {
            changes.status.is_none()
                && changes.title.as_ref().and_then(Option::as_ref).map(ConversationTitle::as_str)
                    == Some("What did we spend on Meta?")
        })
        .times(1)
        .returning(|u, id, changes, _| {
            let mut c = Conversation::start(id, u, client_id(1), None, FixedClock::default().0);
            c.title = changes.title.flatten();
            Ok(Some(c))
        });
    mocks.model.expect_complete().returning(|_, _| {
        Ok(ModelTurn { reply: ModelReply::Answer("ok".into()), usage: TokenUsage::default(), model: "m".into() })
    });
    let service = mocks.service(ChatSettings::default());
    let turn = service.prepare(user_id(1), conversation_id(1), content("What did we spend on Meta?")).await.unwrap();
    assert_eq!(turn.conversation.title.as_ref().map(ConversationTitle::as_str), Some("What did we spend on Meta?"));
}

#[tokio::test]
async fn a_model_failure_keeps_the_question_and_stores_no_answer() {
    let mut mocks = Mocks::new(0);
    let stored = recording_store(&mut mocks);
    mocks.model.expect_complete().returning(|_, _| Err(ChatModelError::Timeout));
    mocks.conversations.expect_release_answer().times(1).returning(|_, _| Ok(()));
    let err =
        mocks.service(ChatSettings::default()).send(user_id(1), conversation_id(1), content("hi")).await.unwrap_err();
    assert!(matches!(err, ChatError::Model(ChatModelError::Timeout)));
    let stored = stored.lock().unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].role, Role::User);
}

#[tokio::test]
async fn answers_run_the_tools_and_record_model_tokens_cost_and_platforms() {
    let mut mocks = Mocks::new(0);
    let stored = recording_store(&mut mocks);
    let round = Mutex::new(0);
    mocks.model.expect_complete().returning(move |request, _| {
        let mut round = round.lock().unwrap();
        *round += 1;
        let usage = TokenUsage { input: 1000, output: 100 };
        if *round == 1 {
            let call =
                ToolCall { id: "c1".into(), request: ToolRequest::ClientData { platforms: vec![Platform::MetaAds] } };
            return Ok(ModelTurn { reply: ModelReply::ToolCalls(vec![call]), usage, model: "gpt-4o-mini".into() });
        }
        // The second round sees the tool's result, restricted to the platform asked for.
        let Some(ChatTurn::Tool { call_id, output: ToolOutput::ClientData(view) }) = request.turns.last() else {
            panic!("the tool result should be the last turn");
        };
        assert_eq!(call_id, "c1");
        assert_eq!(view.platforms(), vec![Platform::MetaAds]);
        assert!(view.demo);
        Ok(ModelTurn {
            reply: ModelReply::Answer("Meta spent 4,100.65 (demo data).".into()),
            usage,
            model: "gpt-4o-mini".into(),
        })
    });
    let prices =
        PriceTable::new([("gpt-4o-mini".to_owned(), ModelPrice { input_per_million: 0.15, output_per_million: 0.60 })]);
    let settings = ChatSettings { prices, ..ChatSettings::default() };
    let exchange = mocks.service(settings).send(user_id(1), conversation_id(1), content("Meta spend?")).await.unwrap();

    let meta = &exchange.answer.metadata;
    assert_eq!(meta.model.as_deref(), Some("gpt-4o-mini"));
    assert_eq!(meta.tokens_used, Some(2200));
    assert!((meta.cost_usd.unwrap() - (2000.0 * 0.15 + 200.0 * 0.60) / 1e6).abs() < 1e-12);
    assert_eq!(meta.platforms, vec![Platform::MetaAds]);
    assert!(meta.demo_data);
    let stored = stored.lock().unwrap();
    assert_eq!(stored.iter().map(|m| m.role).collect::<Vec<_>>(), vec![Role::User, Role::Assistant]);
    assert_eq!(stored[1], exchange.answer);
}

#[tokio::test]
async fn a_model_that_never_stops_calling_tools_fails_without_an_answer() {
    let mut mocks = Mocks::new(0);
    let stored = recording_store(&mut mocks);
    mocks.model.expect_complete().returning(|_, _| {
        let call = ToolCall { id: "again".into(), request: ToolRequest::ClientData { platforms: vec![] } };
        Ok(ModelTurn { reply: ModelReply::ToolCalls(vec![call]), usage: TokenUsage::default(), model: "m".into() })
    });
    mocks.conversations.expect_release_answer().times(1).returning(|_, _| Ok(()));
    let settings = ChatSettings { max_tool_rounds: 2, ..ChatSettings::default() };
    let err = mocks.service(settings).send(user_id(1), conversation_id(1), content("hi")).await.unwrap_err();
    assert!(matches!(err, ChatError::Model(ChatModelError::InvalidResponse(_))));
    assert_eq!(stored.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn the_model_sees_only_the_history_that_fits_the_budget() {
    let mut mocks = Mocks::new(0);
    let old = |n: u8, text: String| Message {
        id: message_id(100 + n),
        role: if n % 2 == 0 { Role::User } else { Role::Assistant },
        content: text,
        timestamp: FixedClock::default().0,
        metadata: MessageMetadata::default(),
    };
    let stored = recording_store(&mut mocks);
    stored.lock().unwrap().extend([old(0, "a".repeat(400)), old(1, "b".repeat(40)), old(2, "c".repeat(40))]);
    mocks.model.expect_complete().returning(|request, _| {
        let texts: Vec<String> = request
            .turns
            .iter()
            .filter_map(|t| match t {
                ChatTurn::User(t) | ChatTurn::Assistant { text: t, .. } => Some(t.clone()),
                _ => None,
            })
            .collect();
        // 30 tokens of budget: the question (1) and the two 10-token messages fit, the 100-token one does not.
        assert_eq!(texts, vec!["b".repeat(40), "c".repeat(40), "why?".to_owned()]);
        Ok(ModelTurn { reply: ModelReply::Answer("ok".into()), usage: TokenUsage::default(), model: "m".into() })
    });
    let settings = ChatSettings { history_token_budget: 30, ..ChatSettings::default() };
    mocks.service(settings).send(user_id(1), conversation_id(1), content("why?")).await.unwrap();
}

#[tokio::test]
async fn a_stats_failure_after_the_question_is_stored_does_not_lose_the_answer() {
    let mut mocks = Mocks::new(0);
    let stored = recording_store(&mut mocks);
    mocks.users = MockUserChatbotStore::new();
    mocks.users.expect_record_activity().returning(|_, _| Err(StoreError::Unavailable("down".into())));
    mocks.model.expect_complete().returning(|_, _| {
        Ok(ModelTurn { reply: ModelReply::Answer("ok".into()), usage: TokenUsage::default(), model: "m".into() })
    });
    mocks.service(ChatSettings::default()).send(user_id(1), conversation_id(1), content("hi")).await.unwrap();
    assert_eq!(stored.lock().unwrap().iter().map(|m| m.role).collect::<Vec<_>>(), vec![Role::User, Role::Assistant]);
}
