//! Unit tests of the chat use case against mocks of its ports.

use std::sync::Mutex;

use chrono::NaiveDate;

use super::*;
use crate::analyst::{ModelPrice, ModelTurn};
use crate::cipher::SealedToken;
use crate::conversation::{ConversationTitle, HistoryMessage};
use crate::daily::{AdDay, CampaignDay, CampaignStatus, Currency, DailyRecord, DayFigures};
use crate::dates::{Preset, RangeSpec};
use crate::platform::{PlatformAccount, PlatformConnection, SealedCredentials};
use crate::ports::{
    MessageSlot, MockChatModel, MockClientStore, MockConversationStore, MockDailyStore, MockDemoDataStore,
    MockIdGenerator, MockRateLimitStore, MockSnapshotStore, MockUserChatbotStore,
};
use crate::services::rate_limit::RateLimitPolicy;
use crate::services::test_support::{self, FixedClock, client_id, conversation_id, message_id, user_id};
use crate::tools::ToolRequest;

struct Mocks {
    conversations: MockConversationStore,
    clients: MockClientStore,
    users: MockUserChatbotStore,
    demo: MockDemoDataStore,
    daily: MockDailyStore,
    snapshots: MockSnapshotStore,
    rate: MockRateLimitStore,
    model: MockChatModel,
}

/// A Google Ads connection synced at the fixed clock's time.
fn google_ads() -> PlatformConnection {
    let credentials = SealedCredentials {
        access_token: SealedToken::new("k1:sealed"),
        refresh_token: None,
        expires_at: None,
        refresh_expires_at: None,
    };
    let mut connection =
        PlatformConnection::new(PlatformAccount::GoogleAds { customer_id: "1234567890".into() }, credentials);
    connection.last_sync = Some(FixedClock::default().0);
    connection
}

/// One Google Ads campaign-day.
fn ads_day(date: &str, spend: f64) -> DailyRecord {
    let campaign = CampaignDay {
        campaign_id: "111".into(),
        name: "Brand".into(),
        status: CampaignStatus::Active,
        spend,
        impressions: 1000,
        clicks: 100,
        conversions: Some(4.0),
        conversion_value: None,
        leads: None,
    };
    DailyRecord::new(
        client_id(1),
        Platform::GoogleAds,
        date.parse().unwrap(),
        DayFigures::Ads(AdDay { currency: Currency::USD, campaigns: vec![campaign] }),
    )
    .unwrap()
}

impl Mocks {
    /// Mocks of an active conversation holding `count` messages about an active client with Google
    /// Ads connected, for a user well within the rate limit.
    fn new(count: u32) -> Self {
        let mut conversations = MockConversationStore::new();
        conversations.expect_get().returning(move |u, id| {
            let mut c = Conversation::start(id, u, client_id(1), None, FixedClock::default().0);
            c.message_count = count;
            Ok(Some(c))
        });
        let mut clients = MockClientStore::new();
        clients.expect_get().returning(|u, id| {
            let mut client = test_support::client(id, u, ClientStatus::Active);
            client.platforms.insert(Platform::GoogleAds, google_ads());
            Ok(Some(client))
        });
        conversations.expect_update().returning(|_, _, _, _| Ok(None));
        let mut users = MockUserChatbotStore::new();
        users.expect_record_activity().returning(|_, _| Ok(()));
        let mut rate = MockRateLimitStore::new();
        rate.expect_hit().returning(|_, _| Ok(1));
        Self {
            conversations,
            clients,
            users,
            demo: MockDemoDataStore::new(),
            daily: MockDailyStore::new(),
            snapshots: MockSnapshotStore::new(),
            rate,
            model: MockChatModel::new(),
        }
    }

    fn service(self, settings: ChatSettings) -> ChatService {
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
                clients: Arc::new(self.clients),
                users: Arc::new(self.users),
                tools: AnalystTools::new(Arc::new(self.daily), Arc::new(self.snapshots), Arc::new(self.demo)),
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

fn answer(text: &str) -> ModelTurn {
    ModelTurn { text: text.into(), tool_calls: vec![], usage: TokenUsage::default(), model: "m".into() }
}

fn limits(message_cap: u32) -> ConversationLimits {
    ConversationLimits { message_cap, ..ConversationLimits::default() }
}

/// A store of the messages appended so far, serving them back as history the way the port
/// promises: the messages before `before`.
fn recording_store(mocks: &mut Mocks) -> Arc<Mutex<Vec<Message>>> {
    let stored = Arc::new(Mutex::new(Vec::<Message>::new()));
    let sink = stored.clone();
    mocks.conversations.expect_append().returning(move |_, _, m| {
        sink.lock().unwrap().push(m.message.clone());
        Ok(appended(m))
    });
    let source = stored.clone();
    mocks.conversations.expect_history().returning(move |_, _, before, limit| {
        let all = source.lock().unwrap().clone();
        let Some(end) = all.iter().position(|m| m.id == before) else { return Ok(None) };
        let start = end.saturating_sub(limit);
        Ok(Some(all[start..end].iter().map(HistoryMessage::from).collect()))
    });
    stored
}

/// The user and assistant texts of a request, in order.
fn texts(request: &ChatRequest) -> Vec<String> {
    request
        .turns
        .iter()
        .filter_map(|t| match t {
            ChatTurn::User(t) | ChatTurn::Assistant { text: t, .. } => Some(t.clone()),
            _ => None,
        })
        .collect()
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
    let settings = ChatSettings { limits: limits(10), ..ChatSettings::default() };
    let err = mocks.service(settings).send(user_id(1), conversation_id(1), content("hi")).await.unwrap_err();
    assert!(matches!(err, ChatError::ConversationFull { limits } if limits.message_cap == 10));
}

#[tokio::test]
async fn a_conversation_out_of_bytes_refuses_too() {
    let mut mocks = Mocks::new(0);
    mocks.conversations = MockConversationStore::new();
    mocks.conversations.expect_get().returning(|u, id| {
        let mut c = Conversation::start(id, u, client_id(1), None, FixedClock::default().0);
        c.message_bytes = ConversationLimits::DEFAULT_BYTE_BUDGET - Message::ANSWER_RESERVE_BYTES;
        Ok(Some(c))
    });
    mocks.conversations.expect_append().times(0);
    let err =
        mocks.service(ChatSettings::default()).send(user_id(1), conversation_id(1), content("hi")).await.unwrap_err();
    assert!(matches!(err, ChatError::ConversationFull { .. }));
    assert!(err.to_string().contains("8 MB"), "{err}");
}

#[tokio::test]
async fn the_question_is_stored_only_with_room_for_its_answer() {
    let mut mocks = Mocks::new(0);
    mocks
        .conversations
        .expect_append()
        .withf(|_, _, m| m.slot == MessageSlot::Question { limits: limits(10) })
        .times(1)
        .returning(|_, _, _| Ok(AppendOutcome::Full));
    let settings = ChatSettings { limits: limits(10), ..ChatSettings::default() };
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
    let settings = ChatSettings { limits: limits(10), ..ChatSettings::default() };
    let err = mocks.service(settings).send(user_id(1), conversation_id(1), content("hi")).await.unwrap_err();
    assert!(matches!(err, ChatError::ConversationFull { .. }));
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
    mocks.conversations.expect_history().returning(|_, _, _, _| Ok(Some(Vec::new())));
    mocks.conversations.expect_release_answer().times(0);
    mocks.model.expect_complete().returning(|_, _| Ok(answer("ok")));
    let settings = ChatSettings { limits: limits(10), ..ChatSettings::default() };
    mocks.service(settings).send(user_id(1), conversation_id(1), content("hi")).await.unwrap();
    assert_eq!(*slots.lock().unwrap(), vec![MessageSlot::Question { limits: limits(10) }, MessageSlot::Answer]);
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
    let service = mocks.service(ChatSettings::default());
    let turn = service.prepare(user_id(1), conversation_id(1), content("What did we spend on Meta?")).await.unwrap();
    assert_eq!(
        turn.turn.conversation.title.as_ref().map(ConversationTitle::as_str),
        Some("What did we spend on Meta?")
    );
}

/// A model that streams part of an answer, then fails.
struct FailsMidStream;

#[async_trait::async_trait]
impl ChatModel for FailsMidStream {
    async fn complete(&self, _request: &ChatRequest, sink: Arc<dyn AnswerSink>) -> Result<ModelTurn, ChatModelError> {
        sink.delta("Spend was ").await;
        sink.delta("$1,2").await;
        Err(ChatModelError::InvalidResponse("the stream broke off".into()))
    }
}

/// Collects the deltas an answer streams.
#[derive(Default)]
struct Deltas(Mutex<Vec<String>>);

#[async_trait::async_trait]
impl AnswerSink for Deltas {
    async fn delta(&self, text: &str) {
        self.0.lock().unwrap().push(text.to_owned());
    }

    async fn tool(&self, _trace: &ToolTrace) {}
}

#[tokio::test]
async fn a_model_failure_mid_stream_keeps_only_the_question_and_gives_the_reserved_place_back() {
    let mut mocks = Mocks::new(0);
    let stored = recording_store(&mut mocks);
    let released = Arc::new(Mutex::new(0));
    let count = released.clone();
    mocks.conversations.expect_release_answer().times(1).returning(move |_, _| {
        *count.lock().unwrap() += 1;
        Ok(())
    });
    let mut service = mocks.service(ChatSettings::default());
    service.model = Arc::new(FailsMidStream);

    let turn = service.prepare(user_id(1), conversation_id(1), content("What did we spend?")).await.unwrap();
    assert_eq!(*released.lock().unwrap(), 0, "the place is reserved while the answer is written");
    let deltas = Arc::new(Deltas::default());
    let err = turn.answer(deltas.clone()).await.unwrap_err();

    assert!(matches!(err, ChatError::Model(ChatModelError::InvalidResponse(_))), "{err:?}");
    assert_eq!(*deltas.0.lock().unwrap(), ["Spend was ", "$1,2"], "the deltas went out before the failure");
    let stored = stored.lock().unwrap();
    assert_eq!(stored.len(), 1, "no half-written answer is stored: {stored:?}");
    assert_eq!((stored[0].role, stored[0].content.as_str()), (Role::User, "What did we spend?"));
    assert_eq!(*released.lock().unwrap(), 1, "the answer's reserved place is given back once");
}

#[tokio::test]
async fn a_failed_append_of_the_answer_gives_the_reserved_place_back() {
    let mut mocks = Mocks::new(0);
    let appends = Mutex::new(0);
    mocks.conversations.expect_append().returning(move |_, _, m| {
        let mut n = appends.lock().unwrap();
        *n += 1;
        if *n == 1 { Ok(appended(m)) } else { Err(StoreError::Unavailable("the primary stepped down".into())) }
    });
    mocks.conversations.expect_history().returning(|_, _, _, _| Ok(Some(Vec::new())));
    mocks.conversations.expect_release_answer().times(1).returning(|_, _| Ok(()));
    mocks.model.expect_complete().returning(|_, _| Ok(answer("ok")));
    let err =
        mocks.service(ChatSettings::default()).send(user_id(1), conversation_id(1), content("hi")).await.unwrap_err();
    assert!(matches!(err, ChatError::Store(StoreError::Unavailable(_))));
}

#[tokio::test]
async fn the_history_ends_at_this_turns_question_even_when_another_question_came_after_it() {
    let mut mocks = Mocks::new(0);
    let stored = recording_store(&mut mocks);
    mocks.model.expect_complete().returning(|request, _| {
        assert_eq!(texts(request).last().map(String::as_str), Some("our question"));
        assert!(!texts(request).contains(&"a question from another tab".to_owned()));
        Ok(answer("ok"))
    });
    let service = mocks.service(ChatSettings::default());
    let turn = service.prepare(user_id(1), conversation_id(1), content("our question")).await.unwrap();
    // The other question is stored between our question and our model call.
    stored.lock().unwrap().push(Message {
        id: message_id(201),
        role: Role::User,
        content: "a question from another tab".into(),
        timestamp: FixedClock::default().0,
        metadata: MessageMetadata::default(),
    });
    turn.answer(Arc::new(DiscardAnswer)).await.unwrap();
}

#[tokio::test]
async fn the_question_stays_in_the_window_however_many_messages_follow_it() {
    let mut mocks = Mocks::new(0);
    let stored = recording_store(&mut mocks);
    mocks.model.expect_complete().returning(|request, _| {
        assert_eq!(texts(request).last().map(String::as_str), Some("our question"));
        Ok(answer("ok"))
    });
    let settings = ChatSettings { history_messages: 40, ..ChatSettings::default() };
    let turn = mocks.service(settings).prepare(user_id(1), conversation_id(1), content("our question")).await.unwrap();
    for n in 0..45 {
        stored.lock().unwrap().push(Message {
            id: message_id(100 + n),
            role: Role::User,
            content: format!("concurrent question {n}"),
            timestamp: FixedClock::default().0,
            metadata: MessageMetadata::default(),
        });
    }
    turn.answer(Arc::new(DiscardAnswer)).await.unwrap();
}

#[tokio::test]
async fn answers_run_the_tools_and_record_model_tokens_cost_platforms_and_working() {
    let mut mocks = Mocks::new(0);
    let stored = recording_store(&mut mocks);
    mocks.daily.expect_range().returning(|_, _, platform, range| {
        assert_eq!(platform, Platform::GoogleAds);
        assert_eq!(range.to_string(), "2026-10-26 to 2026-11-24", "last_30_days before 25 Nov 2026");
        Ok(vec![ads_day("2026-11-01", 100.0), ads_day("2026-11-02", 50.5)])
    });
    let round = Mutex::new(0);
    mocks.model.expect_complete().returning(move |request, _| {
        let mut round = round.lock().unwrap();
        *round += 1;
        let usage = TokenUsage { input: 1000, output: 100, estimated: false };
        if *round == 1 {
            assert_eq!(request.context.today.to_string(), "2026-11-25");
            assert_eq!(request.context.platforms, vec![Platform::GoogleAds]);
            let request = ToolRequest::PlatformSummary {
                platform: Platform::GoogleAds,
                range: RangeSpec::preset(Preset::Last30Days),
            };
            return Ok(ModelTurn {
                text: String::new(),
                tool_calls: vec![ToolCall::of("c1", &request)],
                usage,
                model: "gpt-4o-mini".into(),
            });
        }
        let Some(ChatTurn::Tool { call_id, output }) = request.turns.last() else {
            panic!("the tool result should be the last turn");
        };
        assert_eq!(call_id, "c1");
        let value = output.to_value();
        assert_eq!(value.get("totals").and_then(|t| t.get("spend")), Some(&crate::value::Value::Number(150.5)));
        Ok(ModelTurn {
            text: "Google Ads spent $150.50 from 26 Oct to 24 Nov 2026, and $999 on nothing.".into(),
            tool_calls: vec![],
            usage,
            model: "gpt-4o-mini".into(),
        })
    });
    let prices =
        PriceTable::new([("gpt-4o-mini".to_owned(), ModelPrice { input_per_million: 0.15, output_per_million: 0.60 })]);
    let settings = ChatSettings { prices, ..ChatSettings::default() };
    let exchange =
        mocks.service(settings).send(user_id(1), conversation_id(1), content("Google Ads spend?")).await.unwrap();

    let meta = &exchange.answer.metadata;
    assert_eq!(meta.model.as_deref(), Some("gpt-4o-mini"));
    assert_eq!(meta.tokens_used, Some(2200));
    assert!((meta.cost_usd.unwrap() - (2000.0 * 0.15 + 200.0 * 0.60) / 1e6).abs() < 1e-12);
    assert_eq!(meta.platforms, vec![Platform::GoogleAds]);
    assert!(!meta.demo_data);
    let working = meta.working.as_ref().unwrap();
    assert_eq!(working.tools.len(), 1);
    let trace = &working.tools[0];
    assert_eq!(trace.name, "get_platform_summary");
    assert_eq!(
        trace.arguments.get("range").map(ToString::to_string).as_deref(),
        Some(r#"{"start":"2026-10-26","end":"2026-11-24","preset":"last_30_days"}"#)
    );
    assert_eq!(working.sources[0].last_sync, Some(FixedClock::default().0));
    assert!(!working.grounding.grounded);
    assert_eq!(working.grounding.unsupported, vec!["$999".to_owned()]);
    assert_eq!(working.usage.total(), 2200);
    let stored = stored.lock().unwrap();
    assert_eq!(stored.iter().map(|m| m.role).collect::<Vec<_>>(), vec![Role::User, Role::Assistant]);
    assert_eq!(stored[1], exchange.answer);
}

/// A sink that records tool traces as they are announced.
#[derive(Default)]
struct Announced(Mutex<Vec<ToolTrace>>);

#[async_trait::async_trait]
impl AnswerSink for Announced {
    async fn delta(&self, _text: &str) {}
    async fn tool(&self, trace: &ToolTrace) {
        self.0.lock().unwrap().push(trace.clone());
    }
}

#[tokio::test]
async fn bad_arguments_go_back_to_the_model_as_a_tool_error_it_can_correct() {
    let mut mocks = Mocks::new(0);
    recording_store(&mut mocks);
    mocks.daily.expect_range().returning(|_, _, _, _| Ok(vec![ads_day("2026-11-01", 10.0)]));
    let round = Mutex::new(0);
    mocks.model.expect_complete().returning(move |request, _| {
        let mut round = round.lock().unwrap();
        *round += 1;
        let call = |name: &str, platform: &str| ToolCall {
            id: format!("c{round}"),
            name: name.into(),
            arguments: crate::value::Value::object()
                .with("platform", platform)
                .with("range", crate::value::Value::object().with("preset", "yesterday")),
        };
        match *round {
            1 => Ok(ModelTurn {
                text: String::new(),
                tool_calls: vec![call("get_platform_summary", "tiktokAds"), call("get_weather", "googleAds")],
                usage: TokenUsage::default(),
                model: "m".into(),
            }),
            2 => {
                let errors: Vec<String> = request
                    .turns
                    .iter()
                    .filter_map(|t| match t {
                        ChatTurn::Tool { output: ToolOutput::Error { message, .. }, .. } => Some(message.clone()),
                        _ => None,
                    })
                    .collect();
                assert_eq!(errors.len(), 2);
                assert!(errors[0].contains("unknown platform \"tiktokAds\""), "{errors:?}");
                assert!(errors[1].contains("no tool named \"get_weather\""), "{errors:?}");
                Ok(ModelTurn {
                    text: String::new(),
                    tool_calls: vec![call("get_platform_summary", "googleAds")],
                    usage: TokenUsage::default(),
                    model: "m".into(),
                })
            }
            _ => Ok(answer("Google Ads spent $10.00 yesterday.")),
        }
    });
    let sink = Arc::new(Announced::default());
    let service = mocks.service(ChatSettings::default());
    let turn = service.prepare(user_id(1), conversation_id(1), content("spend?")).await.unwrap();
    let exchange = turn.answer(sink.clone()).await.unwrap();
    let working = exchange.answer.metadata.working.unwrap();
    assert_eq!(working.tools.iter().map(|t| t.error.is_some()).collect::<Vec<_>>(), [true, true, false]);
    assert!(working.grounding.grounded, "{:?}", working.grounding);
    let announced = sink.0.lock().unwrap();
    assert_eq!(announced.len(), 3, "every call is announced, failed ones too");
    assert_eq!(announced[2].ranges.iter().map(ToString::to_string).collect::<Vec<_>>(), ["2026-11-24"]);
}

#[tokio::test]
async fn a_model_that_keeps_calling_tools_is_asked_once_more_without_tools_then_fails() {
    let mut mocks = Mocks::new(0);
    let stored = recording_store(&mut mocks);
    mocks.daily.expect_range().returning(|_, _, _, _| Ok(vec![]));
    let offered = Arc::new(Mutex::new(Vec::new()));
    let seen = offered.clone();
    mocks.model.expect_complete().returning(move |request, _| {
        seen.lock().unwrap().push(request.tools.len());
        let call = ToolCall::of("again", &ToolRequest::BlendedTotals { range: RangeSpec::preset(Preset::Yesterday) });
        Ok(ModelTurn { text: String::new(), tool_calls: vec![call], usage: TokenUsage::default(), model: "m".into() })
    });
    mocks.conversations.expect_release_answer().times(1).returning(|_, _| Ok(()));
    let settings = ChatSettings { max_tool_rounds: 2, ..ChatSettings::default() };
    let err = mocks.service(settings).send(user_id(1), conversation_id(1), content("hi")).await.unwrap_err();
    assert!(matches!(err, ChatError::Model(ChatModelError::InvalidResponse(_))));
    assert_eq!(*offered.lock().unwrap(), [ToolKind::ALL.len(), ToolKind::ALL.len(), 0]);
    assert_eq!(stored.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn calls_past_the_per_round_limit_come_back_as_errors() {
    let mut mocks = Mocks::new(0);
    recording_store(&mut mocks);
    mocks.daily.expect_range().times(MAX_CALLS_PER_ROUND).returning(|_, _, _, _| Ok(vec![]));
    let round = Mutex::new(0);
    mocks.model.expect_complete().returning(move |request, _| {
        let mut round = round.lock().unwrap();
        *round += 1;
        if *round == 1 {
            let calls = (0..MAX_CALLS_PER_ROUND + 2)
                .map(|n| {
                    ToolCall::of(
                        format!("c{n}"),
                        &ToolRequest::BlendedTotals { range: RangeSpec::preset(Preset::Yesterday) },
                    )
                })
                .collect();
            return Ok(ModelTurn {
                text: String::new(),
                tool_calls: calls,
                usage: TokenUsage::default(),
                model: "m".into(),
            });
        }
        let errors =
            request.turns.iter().filter(|t| matches!(t, ChatTurn::Tool { output: ToolOutput::Error { .. }, .. }));
        assert_eq!(errors.count(), 2);
        Ok(answer("done"))
    });
    mocks.service(ChatSettings::default()).send(user_id(1), conversation_id(1), content("hi")).await.unwrap();
}

#[tokio::test]
async fn a_very_long_answer_is_stored_cut_within_its_reserve() {
    let mut mocks = Mocks::new(0);
    recording_store(&mut mocks);
    mocks.model.expect_complete().returning(|_, _| Ok(answer(&"é".repeat(Message::MAX_ANSWER_TEXT_BYTES))));
    let exchange =
        mocks.service(ChatSettings::default()).send(user_id(1), conversation_id(1), content("hi")).await.unwrap();
    assert!(exchange.answer.content.len() <= Message::MAX_ANSWER_TEXT_BYTES);
    assert!(exchange.answer.content.ends_with("exceeded the length limit.]"));
    assert!(exchange.answer.stored_bytes() <= Message::ANSWER_RESERVE_BYTES);
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
        // 30 tokens of budget: the question (1) and the two 10-token messages fit, the 100-token one does not.
        assert_eq!(texts(request), vec!["b".repeat(40), "c".repeat(40), "why?".to_owned()]);
        Ok(answer("ok"))
    });
    let settings = ChatSettings { history_token_budget: 30, ..ChatSettings::default() };
    mocks.service(settings).send(user_id(1), conversation_id(1), content("why?")).await.unwrap();
}

#[tokio::test]
async fn the_client_time_zone_decides_today() {
    let mut mocks = Mocks::new(0);
    recording_store(&mut mocks);
    mocks.clients = MockClientStore::new();
    mocks.clients.expect_get().returning(|u, id| {
        let mut client = test_support::client(id, u, ClientStatus::Active);
        client.platforms.insert(Platform::GoogleAds, google_ads());
        // 12:00 UTC on 25 Nov is already 26 Nov in Kiritimati (UTC+14).
        client.time_zone = crate::dates::ClientTimeZone::parse("Pacific/Kiritimati").unwrap();
        Ok(Some(client))
    });
    mocks.model.expect_complete().returning(|request, _| {
        assert_eq!(request.context.today, NaiveDate::from_ymd_opt(2026, 11, 26).unwrap());
        let [ChatTurn::System(rules), ChatTurn::System(setting), ..] = &request.turns[..] else {
            panic!("the rules, then the setting, come first")
        };
        assert!(rules.contains("never invent or estimate numbers"), "{rules}");
        assert!(setting.contains("Today is 2026-11-26 in the client's time zone (Pacific/Kiritimati)"), "{setting}");
        Ok(answer("ok"))
    });
    mocks.service(ChatSettings::default()).send(user_id(1), conversation_id(1), content("hi")).await.unwrap();
}

#[tokio::test]
async fn a_stats_failure_after_the_question_is_stored_does_not_lose_the_answer() {
    let mut mocks = Mocks::new(0);
    let stored = recording_store(&mut mocks);
    mocks.users = MockUserChatbotStore::new();
    mocks.users.expect_record_activity().returning(|_, _| Err(StoreError::Unavailable("down".into())));
    mocks.model.expect_complete().returning(|_, _| Ok(answer("ok")));
    mocks.service(ChatSettings::default()).send(user_id(1), conversation_id(1), content("hi")).await.unwrap();
    assert_eq!(stored.lock().unwrap().iter().map(|m| m.role).collect::<Vec<_>>(), vec![Role::User, Role::Assistant]);
}

#[test]
fn an_answer_whose_working_overflows_its_reserve_keeps_its_first_tool_calls() {
    let trace = ToolTrace {
        name: "compare_periods".into(),
        arguments: crate::value::Value::String("a".repeat(AnswerWorking::MAX_ARGUMENT_CHARS)),
        platforms: vec![Platform::GoogleAds],
        ranges: vec![],
        error: Some("e".repeat(AnswerWorking::MAX_ARGUMENT_CHARS)),
        series: vec![],
    };
    let mut message = Message {
        id: message_id(1),
        role: Role::Assistant,
        content: "x".repeat(Message::MAX_ANSWER_TEXT_BYTES),
        timestamp: FixedClock::default().0,
        metadata: MessageMetadata {
            working: Some(AnswerWorking { tools: vec![trace; 100], ..AnswerWorking::default() }),
            ..MessageMetadata::default()
        },
    };
    fit_reserve(&mut message);
    assert!(message.stored_bytes() <= Message::ANSWER_RESERVE_BYTES);
    let kept = message.metadata.working.unwrap().tools.len();
    assert!((1..100).contains(&kept), "{kept}");
}

#[tokio::test]
async fn a_title_the_model_writes_replaces_the_first_questions_and_its_cost_counts() {
    let mut mocks = Mocks::new(0);
    mocks.conversations = MockConversationStore::new();
    mocks
        .conversations
        .expect_get()
        .returning(|u, id| Ok(Some(Conversation::start(id, u, client_id(1), None, FixedClock::default().0))));
    mocks.conversations.expect_history().returning(|_, _, _, _| Ok(Some(Vec::new())));
    let titles = Arc::new(Mutex::new(Vec::new()));
    let seen = titles.clone();
    mocks.conversations.expect_update().returning(move |u, id, changes, _| {
        let title = changes.title.flatten();
        seen.lock().unwrap().push(title.as_ref().map(|t| t.as_str().to_owned()));
        let mut c = Conversation::start(id, u, client_id(1), title, FixedClock::default().0);
        c.message_count = 1;
        Ok(Some(c))
    });
    mocks.conversations.expect_append().returning(|u, id, m| {
        let mut c = Conversation::start(id, u, client_id(1), None, m.message.timestamp);
        // The question arrives untitled; by the answer it has the question's title.
        if m.slot == MessageSlot::Answer {
            c.title = Some(ConversationTitle::new("how much did meta cost").unwrap());
        }
        c.message_count = 1;
        Ok(AppendOutcome::Appended(c))
    });
    mocks.model.expect_complete().returning(|_, _| {
        Ok(ModelTurn {
            text: "ok".into(),
            tool_calls: vec![],
            usage: TokenUsage { input: 100, output: 10, estimated: false },
            model: "gpt-4o-mini".into(),
        })
    });
    mocks.model.expect_title().times(1).returning(|question, answer| {
        assert_eq!((question, answer), ("how much did meta cost", "ok"));
        Ok(Some(crate::analyst::TitleTurn {
            title: "\"Meta spend\"".into(),
            usage: TokenUsage { input: 40, output: 4, estimated: false },
            model: "gpt-4o-mini".into(),
        }))
    });
    let prices =
        PriceTable::new([("gpt-4o-mini".to_owned(), ModelPrice { input_per_million: 0.15, output_per_million: 0.60 })]);
    let settings = ChatSettings { prices, ..ChatSettings::default() };
    let exchange =
        mocks.service(settings).send(user_id(1), conversation_id(1), content("how much did meta cost")).await.unwrap();
    assert_eq!(*titles.lock().unwrap(), [Some("how much did meta cost".to_owned()), Some("Meta spend".to_owned())]);
    assert_eq!(exchange.conversation.title.as_ref().map(ConversationTitle::as_str), Some("Meta spend"));
    assert_eq!(exchange.answer.metadata.tokens_used, Some(154), "the title's tokens count with the answer's");
    let cost = (140.0 * 0.15 + 14.0 * 0.60) / 1e6;
    assert!((exchange.answer.metadata.cost_usd.unwrap() - cost).abs() < 1e-12);
}

#[tokio::test]
async fn a_conversation_already_titled_asks_the_model_for_no_title() {
    let mut mocks = Mocks::new(0);
    mocks.conversations = MockConversationStore::new();
    mocks.conversations.expect_get().returning(|u, id| {
        let title = ConversationTitle::new("Q4 review").ok();
        Ok(Some(Conversation::start(id, u, client_id(1), title, FixedClock::default().0)))
    });
    mocks.conversations.expect_history().returning(|_, _, _, _| Ok(Some(Vec::new())));
    mocks.conversations.expect_append().returning(|u, id, m| {
        let mut c =
            Conversation::start(id, u, client_id(1), ConversationTitle::new("Q4 review").ok(), m.message.timestamp);
        c.message_count = 1;
        Ok(AppendOutcome::Appended(c))
    });
    mocks.conversations.expect_update().times(0);
    mocks.model.expect_complete().returning(|_, _| Ok(answer("ok")));
    mocks.model.expect_title().times(0);
    mocks.service(ChatSettings::default()).send(user_id(1), conversation_id(1), content("hi")).await.unwrap();
}

#[tokio::test]
async fn the_users_stats_count_each_answers_tokens_and_cost() {
    let mut mocks = Mocks::new(0);
    recording_store(&mut mocks);
    mocks.users = MockUserChatbotStore::new();
    let activities = Arc::new(Mutex::new(Vec::new()));
    let seen = activities.clone();
    mocks.users.expect_record_activity().returning(move |_, a| {
        seen.lock().unwrap().push(a);
        Ok(())
    });
    mocks.model.expect_complete().returning(|_, _| {
        Ok(ModelTurn {
            text: "ok".into(),
            tool_calls: vec![],
            usage: TokenUsage { input: 1000, output: 100, estimated: false },
            model: "gpt-4o-mini".into(),
        })
    });
    let prices =
        PriceTable::new([("gpt-4o-mini".to_owned(), ModelPrice { input_per_million: 1.0, output_per_million: 2.0 })]);
    mocks
        .service(ChatSettings { prices, ..ChatSettings::default() })
        .send(user_id(1), conversation_id(1), content("hi"))
        .await
        .unwrap();
    let activities = activities.lock().unwrap();
    assert_eq!(activities.len(), 2);
    assert_eq!((activities[0].messages, activities[0].tokens_used), (1, 0), "the question");
    assert_eq!((activities[1].messages, activities[1].tokens_used), (1, 1100), "the answer");
    assert!((activities[1].cost_usd - 1200.0 / 1e6).abs() < 1e-12);
}
