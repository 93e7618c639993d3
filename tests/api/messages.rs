//! Chatting: streaming, the rate limit, the message cap, model failures and feedback.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use api::Ports;
use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use domain::analyst::{AnswerSink, ChatRequest, ModelTurn, TitleTurn};
use domain::ids::ConversationId;
use domain::ports::{ChatModel, ChatModelError, Clock, Stores};
use futures::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::helpers::{
    Gate, GatedModel, GatedUsers, PricedModel, TestApp, WatchedConversations, failing_model, ok_json, priced_model,
    problem, spawn_app, spawn_app_with,
};

/// A client and an empty conversation about it; the conversation's id.
async fn conversation(app: &TestApp) -> String {
    let client = app.create_client("Acme").await;
    let conversation = app.start_conversation(client["id"].as_str().unwrap()).await;
    conversation["conversationId"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_streamed_answer_sends_deltas_then_the_stored_exchange() {
    let app = spawn_app().await;
    let id = conversation(&app).await;
    let streamed = app.post_message_streamed(&id, "Which campaign had the best CTR?").await;
    assert_eq!(streamed.status, StatusCode::OK);
    assert!(streamed.headers["content-type"].to_str().unwrap().starts_with("text/event-stream"));

    let (last, events) = streamed.events.split_last().expect("at least one event");
    let first_delta = events.iter().position(|(name, _)| name == "delta").expect("the answer arrives in pieces");
    let (tools, deltas) = events.split_at(first_delta);
    assert!(!tools.is_empty() && tools.iter().all(|(name, _)| name == "tool"), "tools come first: {tools:?}");
    assert!(deltas.iter().all(|(name, _)| name == "delta"), "{deltas:?}");
    let text: String = deltas.iter().map(|(_, d)| d["text"].as_str().unwrap()).collect();
    let (name, done) = last;
    assert_eq!(name, "done");
    assert_eq!(done["answer"]["content"].as_str().unwrap(), text, "deltas concatenate to the stored answer");
    // Each tool event names the tool and its absolute dates, as the stored working does.
    let working = &done["answer"]["metadata"]["working"];
    assert_eq!(working["tools"].as_array().unwrap().len(), tools.len());
    for ((_, event), trace) in tools.iter().zip(working["tools"].as_array().unwrap()) {
        assert_eq!(event["name"], trace["name"]);
        assert_eq!(event["ranges"], trace["ranges"]);
        let start = event["ranges"][0]["start"].as_str().unwrap();
        assert!(start.parse::<chrono::NaiveDate>().is_ok(), "{event}");
    }
    assert_eq!(done["question"]["content"], "Which campaign had the best CTR?");
    assert_eq!(done["conversation"]["messageCount"], 2);

    let detail = app.get_json(&format!("/v1/conversations/{id}")).await;
    assert_eq!(detail["messages"][1], done["answer"], "the done event carries the stored message");
}

#[tokio::test]
async fn refusals_come_before_the_stream_as_problems() {
    let app = spawn_app().await;
    let streamed = app.post_message_streamed("3f2b8c1e-6d4a-4b7e-9c1f-2a5d8e9b0c47", "hello").await;
    assert_eq!(streamed.status, StatusCode::NOT_FOUND);
    assert_eq!(streamed.headers["content-type"], "application/problem+json");
    assert_eq!(streamed.events[0].1["type"], "urn:chatbot:problem:conversation-not-found");
}

/// A clock stopped at one instant, so that a daily limit's day cannot end during a test (on the
/// wall clock, a test running across midnight UTC would see its count start again).
struct StoppedClock(DateTime<Utc>);

impl Clock for StoppedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// The ports with the clock stopped at 18:00 UTC, six hours before the daily window ends.
fn stopped_at_six_pm(ports: Ports) -> Ports {
    Ports { clock: Arc::new(StoppedClock(Utc.with_ymd_and_hms(2026, 11, 25, 18, 0, 0).unwrap())), ..ports }
}

#[tokio::test]
async fn over_the_rate_limit_answers_429_with_retry_after_and_stores_nothing() {
    let app = spawn_app_with(|c| c.rate_limit_per_day = 1, stopped_at_six_pm).await;
    let id = conversation(&app).await;
    app.ask(&id, "the one message allowed today").await;

    let response = app.post_message(&id, "one too many").await;
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert_eq!(retry_after, 6 * 3600, "until the day's window ends at midnight UTC");
    let body = problem(response, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(body["type"], "urn:chatbot:problem:rate-limited");
    assert!(body["detail"].as_str().unwrap().contains("not stored"));

    let detail = app.get_json(&format!("/v1/conversations/{id}")).await;
    assert_eq!(detail["conversation"]["messageCount"], 2);
    assert!(detail["messages"].as_array().unwrap().iter().all(|m| m["content"] != "one too many"));
    assert_eq!(app.get_json("/v1/me").await["totalMessages"], 2);
}

#[tokio::test]
async fn the_rate_limit_is_per_user() {
    let app = spawn_app_with(|c| c.rate_limit_per_day = 1, stopped_at_six_pm).await;
    let id = conversation(&app).await;
    app.ask(&id, "mine").await;
    let refused = app.post_message(&id, "mine again").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS, "the limit is reached for this user");
    let client = app.create_client_as(&app.other_token, "Other").await;
    let theirs = app.start_conversation_as(&app.other_token, client["id"].as_str().unwrap()).await;
    let response = app
        .request_as(
            &app.other_token,
            Method::POST,
            &format!("/v1/conversations/{}/messages", theirs["conversationId"].as_str().unwrap()),
        )
        .json(&json!({ "content": "theirs" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_full_conversation_answers_409_and_stores_nothing() {
    let app = spawn_app_with(|c| c.message_cap = 4, |p| p).await;
    let id = conversation(&app).await;
    app.ask(&id, "one").await;
    app.ask(&id, "two").await;

    let body = problem(app.post_message(&id, "three").await, StatusCode::CONFLICT).await;
    assert_eq!(body["type"], "urn:chatbot:problem:conversation-full");
    assert!(body["detail"].as_str().unwrap().contains("new conversation"));
    let streamed = app.post_message_streamed(&id, "three again").await;
    assert_eq!(streamed.status, StatusCode::CONFLICT);

    let detail = app.get_json(&format!("/v1/conversations/{id}")).await;
    assert_eq!(detail["conversation"]["messageCount"], 4);
}

#[tokio::test]
async fn a_failing_model_answers_502_and_keeps_only_the_question() {
    let app = spawn_app_with(|_| {}, failing_model(|| ChatModelError::Unavailable("provider down".into()))).await;
    let id = conversation(&app).await;
    let body = problem(app.post_message(&id, "hello?").await, StatusCode::BAD_GATEWAY).await;
    assert_eq!(body["type"], "urn:chatbot:problem:model-failed");
    assert!(body["detail"].as_str().unwrap().contains("stored without an answer"));
    assert!(!body["detail"].as_str().unwrap().contains("provider down"), "provider details stay in the log");

    let detail = app.get_json(&format!("/v1/conversations/{id}")).await;
    let messages = detail["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "no dangling half answer");
    assert_eq!(messages[0]["role"], "user");
    assert_eq!(messages[0]["content"], "hello?");
}

#[tokio::test]
async fn a_model_timeout_answers_504() {
    let app = spawn_app_with(|_| {}, failing_model(|| ChatModelError::Timeout)).await;
    let id = conversation(&app).await;
    let body = problem(app.post_message(&id, "hello?").await, StatusCode::GATEWAY_TIMEOUT).await;
    assert_eq!(body["type"], "urn:chatbot:problem:model-timeout");
}

/// Streams part of an answer and then fails, on its first call only; then answers as the model it
/// wraps does.
struct FailsOnceMidStream {
    calls: AtomicUsize,
    then: Arc<dyn ChatModel>,
}

#[async_trait]
impl ChatModel for FailsOnceMidStream {
    async fn complete(&self, request: &ChatRequest, sink: Arc<dyn AnswerSink>) -> Result<ModelTurn, ChatModelError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
            sink.delta("Half an answer ").await;
            sink.delta("that must not be stored").await;
            return Err(ChatModelError::InvalidResponse("the stream broke off".into()));
        }
        self.then.complete(request, sink).await
    }

    async fn title(&self, question: &str, answer: &str) -> Result<Option<TitleTurn>, ChatModelError> {
        self.then.title(question, answer).await
    }
}

#[tokio::test]
async fn a_model_failure_mid_stream_ends_with_an_error_event_stores_nothing_half_written_and_frees_the_place() {
    // A cap of three: the failed question (one) and a new question with its answer's reserved place
    // (two) fit only if the failed answer's place was given back.
    let app = spawn_app_with(
        |c| c.message_cap = 3,
        |ports| {
            let then = ports.model.clone();
            Ports { model: Arc::new(FailsOnceMidStream { calls: AtomicUsize::new(0), then }), ..ports }
        },
    )
    .await;
    let id = conversation(&app).await;
    let streamed = app.post_message_streamed(&id, "hello?").await;
    assert_eq!(streamed.status, StatusCode::OK);
    let (name, body) = streamed.events.last().unwrap();
    assert_eq!(name, "error");
    assert_eq!(body["status"], 502);
    assert_eq!(body["type"], "urn:chatbot:problem:model-failed");
    assert_eq!(body["instance"], format!("/v1/conversations/{id}/messages"));
    assert_eq!(body["requestId"].as_str(), streamed.headers["x-request-id"].to_str().ok());
    assert!(!streamed.events.iter().any(|(name, _)| name == "done"));
    let deltas: Vec<&str> =
        streamed.events.iter().filter(|(name, _)| name == "delta").map(|(_, d)| d["text"].as_str().unwrap()).collect();
    assert_eq!(deltas.concat(), "Half an answer that must not be stored", "the deltas reached the client first");
    assert_eq!(streamed.events[0].0, "delta", "the model failed after deltas had reached the client");

    let detail = app.get_json(&format!("/v1/conversations/{id}")).await;
    assert_eq!(detail["conversation"]["messageCount"], 1, "the question only");
    let messages = detail["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!((messages[0]["role"].as_str(), messages[0]["content"].as_str()), (Some("user"), Some("hello?")));
    assert!(!detail.to_string().contains("Half an answer"), "nothing of the half answer is stored: {detail}");

    // The failed answer's reserved place was given back: a question and its answer still fit.
    let exchange = app.ask(&id, "and now?").await;
    assert_eq!(exchange["conversation"]["messageCount"], 3, "{exchange}");
}

#[tokio::test]
async fn a_conversations_total_cost_is_the_sum_of_its_answers_costs() {
    let app = spawn_app_with(|_| {}, priced_model).await;
    let id = conversation(&app).await;
    let fresh = app.get_json(&format!("/v1/conversations/{id}")).await;
    assert_eq!(fresh["conversation"]["metadata"]["totalCostUsd"], 0.0);

    let first = app.ask(&id, "How did spend look?").await;
    assert_eq!(first["answer"]["metadata"]["cost"], PricedModel::COST_USD);
    assert_eq!(first["conversation"]["metadata"]["totalCostUsd"], PricedModel::COST_USD, "grown with the answer");
    app.ask(&id, "And clicks?").await;

    let detail = app.get_json(&format!("/v1/conversations/{id}")).await;
    let answers: Vec<&Value> =
        detail["messages"].as_array().unwrap().iter().filter(|m| m["role"] == "assistant").collect();
    assert_eq!(answers.len(), 2);
    let cost: f64 = answers.iter().map(|m| m["metadata"]["cost"].as_f64().unwrap()).sum();
    let tokens: u64 = answers.iter().map(|m| m["metadata"]["tokensUsed"].as_u64().unwrap()).sum();
    let metadata = &detail["conversation"]["metadata"];
    assert_eq!((cost, tokens), (2.0 * PricedModel::COST_USD, 2 * PricedModel::TOKENS));
    assert_eq!(metadata["totalCostUsd"], cost);
    assert_eq!(metadata["totalTokensUsed"], tokens);
    let listed = app.get_json("/v1/conversations").await;
    assert_eq!(listed["items"][0]["metadata"]["totalCostUsd"], cost, "the list shows the total too");
}

#[tokio::test]
async fn feedback_rates_answers_and_can_be_cleared() {
    let app = spawn_app().await;
    let id = conversation(&app).await;
    let exchange = app.ask(&id, "hello").await;
    let answer = exchange["answer"]["messageId"].as_str().unwrap();
    let question = exchange["question"]["messageId"].as_str().unwrap();
    let feedback = |message: &str, rating: Value| {
        app.request(Method::PUT, &format!("/v1/conversations/{id}/messages/{message}/feedback"))
            .json(&json!({ "rating": rating }))
            .send()
    };

    let rated = ok_json(feedback(answer, json!("negative")).await.unwrap()).await;
    assert_eq!(rated["metadata"]["feedbackRating"], "negative");
    assert_eq!(rated["messageId"], answer);
    let cleared = ok_json(feedback(answer, Value::Null).await.unwrap()).await;
    assert_eq!(cleared["metadata"]["feedbackRating"], Value::Null);

    let body = problem(feedback(question, json!("positive")).await.unwrap(), StatusCode::BAD_REQUEST).await;
    assert_eq!(body["type"], "urn:chatbot:problem:not-an-answer");
    let unknown = "3f2b8c1e-6d4a-4b7e-9c1f-2a5d8e9b0c47";
    let body = problem(feedback(unknown, json!("positive")).await.unwrap(), StatusCode::NOT_FOUND).await;
    assert_eq!(body["type"], "urn:chatbot:problem:message-not-found");

    let detail = app.get_json(&format!("/v1/conversations/{id}")).await;
    assert_eq!(detail["messages"][1]["metadata"]["feedbackRating"], Value::Null);
}

/// The ports of a server whose conversation store tells `settled` when an answer is stored or its
/// place given back.
fn watched(ports: Ports, settled: &Arc<Notify>) -> Ports {
    let conversations = Arc::new(WatchedConversations::new(ports.stores.conversations.clone(), settled.clone()));
    Ports { stores: Stores { conversations, ..ports.stores.clone() }, ..ports }
}

/// How many answers the stored conversation is still waiting for.
async fn answers_pending(app: &TestApp, id: &str) -> u32 {
    let id = ConversationId::parse(id).unwrap();
    app.ports.stores.conversations.get(app.user, id).await.unwrap().unwrap().answers_pending
}

#[tokio::test]
async fn an_answer_is_finished_and_stored_when_the_client_hangs_up_mid_stream() {
    let (gate, settled) = (Gate::default(), Arc::new(Notify::new()));
    let model = gate.clone();
    let watch = settled.clone();
    let app =
        spawn_app_with(|_| {}, move |ports| Ports { model: Arc::new(GatedModel(model)), ..watched(ports, &watch) })
            .await;
    let id = conversation(&app).await;
    let response = app
        .request(Method::POST, &format!("/v1/conversations/{id}/messages"))
        .header("accept", "text/event-stream")
        .json(&json!({ "content": "Anything new?" }))
        .send()
        .await
        .unwrap();
    let mut body = response.bytes_stream();
    let first = body.next().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("Looking at the figures"), "the answer had started");
    drop(body);

    gate.open();
    tokio::time::timeout(Duration::from_secs(10), settled.notified()).await.expect("the answer is stored");
    let detail = app.get_json(&format!("/v1/conversations/{id}")).await;
    assert_eq!(detail["conversation"]["messageCount"], 2);
    assert_eq!(detail["messages"][1]["content"], "Looking at the figures… nothing to report.");
    assert_eq!(answers_pending(&app, &id).await, 0);
}

#[tokio::test]
async fn a_request_that_times_out_after_storing_its_question_still_gets_its_answer() {
    let (gate, settled) = (Gate::default(), Arc::new(Notify::new()));
    let users = gate.clone();
    let watch = settled.clone();
    let app = spawn_app_with(
        |config| config.request_timeout_secs = 1,
        move |ports| {
            let ports = watched(ports, &watch);
            let users = Arc::new(GatedUsers::new(ports.stores.users.clone(), users));
            Ports { stores: Stores { users, ..ports.stores.clone() }, ..ports }
        },
    )
    .await;
    let id = conversation(&app).await;
    // The question is stored, then counting it in the user's stats hangs past the request's timeout.
    let response = app.post_message(&id, "How are we doing?").await;
    problem(response, StatusCode::GATEWAY_TIMEOUT).await;
    assert_eq!(answers_pending(&app, &id).await, 1, "the question's place is reserved");

    gate.open();
    tokio::time::timeout(Duration::from_secs(10), settled.notified()).await.expect("the answer is stored");
    let detail = app.get_json(&format!("/v1/conversations/{id}")).await;
    assert_eq!(detail["conversation"]["messageCount"], 2, "{detail}");
    assert_eq!(answers_pending(&app, &id).await, 0);
}
