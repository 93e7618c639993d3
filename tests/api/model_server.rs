//! The whole API with the OpenAI-compatible model, configured through `LLM_*` as an operator would,
//! against a local fake Chat Completions server (wiremock) that plays a real model's part: it calls
//! a tool, then answers from the tool's result, and writes a title.

use std::fmt::Write;

use reqwest::StatusCode;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::helpers::{TestApp, problem, spawn_app_with};

/// The model name the fake reports; the built-in price table prices it.
const MODEL: &str = "gpt-4o-mini-2024-07-18";

/// A stream of chunks as OpenAI sends them, with a usage chunk and `[DONE]`.
fn sse(chunks: &[Value], usage: (u64, u64)) -> ResponseTemplate {
    let mut body = String::new();
    for chunk in chunks {
        let event =
            json!({ "id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": MODEL, "choices": [chunk] });
        let _ = write!(body, "data: {event}\n\n");
    }
    let usage = json!({
        "id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": MODEL, "choices": [],
        "usage": { "prompt_tokens": usage.0, "completion_tokens": usage.1, "total_tokens": usage.0 + usage.1 }
    });
    let _ = write!(body, "data: {usage}\n\ndata: [DONE]\n\n");
    ResponseTemplate::new(200).set_body_raw(body.into_bytes(), "text/event-stream")
}

/// Plays a model: asks for Google Ads' last 30 days in pieces, then answers with the spend the tool
/// returned; writes a title when asked for one (a request without tools and a small output cap).
pub(crate) struct FakeModel;

impl Respond for FakeModel {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).expect("the request is JSON");
        let messages = body["messages"].as_array().expect("messages");
        if body.get("tools").is_none() && body["stream"] != json!(true) {
            let title = json!({
                "id": "chatcmpl-title", "object": "chat.completion", "model": MODEL,
                "choices": [{ "index": 0, "message": { "role": "assistant", "content": "\"Google Ads spend\"" }, "finish_reason": "stop" }],
                "usage": { "prompt_tokens": 60, "completion_tokens": 4, "total_tokens": 64 }
            });
            return ResponseTemplate::new(200).set_body_json(title);
        }
        let tool_result = messages.iter().rev().find(|m| m["role"] == "tool");
        match tool_result {
            None => {
                assert!(body["tools"].as_array().is_some_and(|t| t.len() == 6), "the six tools are offered");
                assert_eq!(body["stream_options"], json!({ "include_usage": true }));
                sse(
                    &[
                        json!({ "index": 0, "delta": { "role": "assistant", "content": null, "tool_calls": [
                            { "index": 0, "id": "call_1", "type": "function", "function": { "name": "get_platform_summary", "arguments": "" } }
                        ] }, "finish_reason": null }),
                        json!({ "index": 0, "delta": { "tool_calls": [{ "index": 0, "function": { "arguments": "{\"platform\":\"googleAds\"," } }] }, "finish_reason": null }),
                        json!({ "index": 0, "delta": { "tool_calls": [{ "index": 0, "function": { "arguments": "\"range\":{\"preset\":\"last_30_days\"}}" } }] }, "finish_reason": null }),
                        json!({ "index": 0, "delta": {}, "finish_reason": "tool_calls" }),
                    ],
                    (1_200, 30),
                )
            }
            Some(result) => {
                let figures: Value =
                    serde_json::from_str(result["content"].as_str().unwrap()).expect("the result is JSON");
                let spend = figures["totals"]["spend"].as_f64().expect("the summary has a spend");
                let dates = format!(
                    "{} to {}",
                    figures["range"]["start"].as_str().unwrap(),
                    figures["range"]["end"].as_str().unwrap()
                );
                sse(
                    &[
                        json!({ "index": 0, "delta": { "role": "assistant", "content": "Google Ads spent " }, "finish_reason": null }),
                        json!({ "index": 0, "delta": { "content": format!("${spend:.2} from {dates}.") }, "finish_reason": null }),
                        json!({ "index": 0, "delta": {}, "finish_reason": "stop" }),
                    ],
                    (2_000, 40),
                )
            }
        }
    }
}

/// The server configured for a model at `server`, as `LLM_BASE_URL` and `LLM_API_KEY` would.
async fn app_with_model(server: &MockServer) -> TestApp {
    let base_url = format!("{}/v1", server.uri());
    spawn_app_with(
        move |config| {
            config.llm.base_url = Some(base_url);
            config.llm.api_key = Some(secrecy::SecretString::from("sk-test-not-a-real-key"));
            config.llm.timeout_secs = 10;
            config.llm.first_token_timeout_secs = 5;
        },
        |ports| ports,
    )
    .await
}

#[tokio::test]
async fn a_question_runs_the_models_tool_call_and_stores_its_grounded_costed_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/v1/chat/completions")).respond_with(FakeModel).mount(&server).await;
    let app = app_with_model(&server).await;
    let client = app.create_client("Acme").await;
    let conversation = app.start_conversation(client["id"].as_str().unwrap()).await;
    let id = conversation["conversationId"].as_str().unwrap();

    let streamed = app.post_message_streamed(id, "What did Google Ads cost us this month?").await;
    assert_eq!(streamed.status, StatusCode::OK);
    let names: Vec<&str> = streamed.events.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names.first(), Some(&"tool"), "{names:?}");
    assert_eq!(names.last(), Some(&"done"), "{names:?}");
    let tool = &streamed.events[0].1;
    assert_eq!(tool["name"], "get_platform_summary");
    assert_eq!(tool["platforms"], json!(["googleAds"]));
    let (_, done) = streamed.events.last().unwrap();
    let answer = &done["answer"];
    let text: String =
        streamed.events.iter().filter(|(n, _)| n == "delta").map(|(_, d)| d["text"].as_str().unwrap()).collect();
    assert_eq!(answer["content"].as_str().unwrap(), text, "the deltas are the stored answer");
    assert!(text.starts_with("Google Ads spent $"), "{text}");

    let metadata = &answer["metadata"];
    assert_eq!(metadata["model"], MODEL);
    // Both rounds' usage as the server reported it, and the title's.
    assert_eq!(metadata["tokensUsed"], 1_230 + 2_040 + 64);
    let cost = f64::from(1_200 + 2_000 + 60) * 0.15 / 1e6 + f64::from(30 + 40 + 4) * 0.60 / 1e6;
    assert!((metadata["cost"].as_f64().unwrap() - cost).abs() < 1e-12, "{metadata}");
    let working = &metadata["working"];
    assert_eq!(working["usage"]["estimated"], false);
    assert_eq!(working["grounded"], true, "{working}");
    assert_eq!(working["tools"][0]["arguments"]["range"]["preset"], "last_30_days");
    assert_eq!(working["demo"], true, "nothing is connected");
    assert_eq!(done["conversation"]["title"], "Google Ads spend", "the model named the conversation");
    assert_eq!(done["conversation"]["metadata"]["totalTokensUsed"], metadata["tokensUsed"]);

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3, "two rounds and a title");
    assert!(requests.iter().all(|r| r.headers["authorization"] == "Bearer sk-test-not-a-real-key"));
}

#[tokio::test]
async fn a_provider_that_keeps_rate_limiting_answers_503_with_retry_after_and_stores_no_answer() {
    let server = MockServer::start().await;
    let limited =
        json!({ "error": { "message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded" } });
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1").set_body_json(limited))
        .mount(&server)
        .await;
    let app = app_with_model(&server).await;
    let client = app.create_client("Acme").await;
    let conversation = app.start_conversation(client["id"].as_str().unwrap()).await;
    let id = conversation["conversationId"].as_str().unwrap();

    let response = app.post_message(id, "How are we doing?").await;
    assert_eq!(response.headers()["retry-after"], "1");
    let body = problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["type"], "urn:chatbot:problem:model-rate-limited");
    let detail = app.get_json(&format!("/v1/conversations/{id}")).await;
    assert_eq!(detail["conversation"]["messageCount"], 1, "the question only");
    let stored = app.ports.stores.conversations.get(app.user, domain::ids::ConversationId::parse(id).unwrap());
    assert_eq!(stored.await.unwrap().unwrap().answers_pending, 0, "the answer's place is given back");
    assert_eq!(server.received_requests().await.unwrap().len(), 3, "LLM_MAX_ATTEMPTS requests");
}

/// A conversation of a new client, and its id.
async fn conversation_of(app: &TestApp) -> String {
    let client = app.create_client("Acme").await;
    let conversation = app.start_conversation(client["id"].as_str().unwrap()).await;
    conversation["conversationId"].as_str().unwrap().to_owned()
}

/// Expects the stored conversation to hold the question only, with no answer's place reserved.
async fn only_the_question_is_kept(app: &TestApp, id: &str) {
    let detail = app.get_json(&format!("/v1/conversations/{id}")).await;
    assert_eq!(detail["conversation"]["messageCount"], 1, "the question only: {detail}");
    assert_eq!(detail["messages"].as_array().unwrap().len(), 1, "{detail}");
    assert_eq!(detail["messages"][0]["role"], "user");
    let stored = app.ports.stores.conversations.get(app.user, domain::ids::ConversationId::parse(id).unwrap());
    assert_eq!(stored.await.unwrap().unwrap().answers_pending, 0, "the answer's place is given back");
}

#[tokio::test]
async fn a_provider_that_keeps_failing_answers_502_and_stores_no_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(500).set_body_json(json!({ "error": { "message": "The server had an error" } })),
        )
        .mount(&server)
        .await;
    let app = app_with_model(&server).await;
    let id = conversation_of(&app).await;

    let body = problem(app.post_message(&id, "How are we doing?").await, StatusCode::BAD_GATEWAY).await;
    assert_eq!(body["type"], "urn:chatbot:problem:model-failed");
    only_the_question_is_kept(&app, &id).await;
    // LLM_MAX_ATTEMPTS streamed, then as many without streaming: some servers fail only the
    // streamed rounds that offer tools. Then it gives up.
    assert_eq!(server.received_requests().await.unwrap().len(), 6);
}

#[tokio::test]
async fn a_provider_that_sends_no_first_token_in_time_answers_504_and_stores_no_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(sse(&[], (1, 1)).set_delay(std::time::Duration::from_secs(3)))
        .mount(&server)
        .await;
    let base_url = format!("{}/v1", server.uri());
    let app = spawn_app_with(
        move |config| {
            config.llm.base_url = Some(base_url);
            config.llm.first_token_timeout_secs = 1;
            config.llm.timeout_secs = 10;
        },
        |ports| ports,
    )
    .await;
    let id = conversation_of(&app).await;

    let body = problem(app.post_message(&id, "How are we doing?").await, StatusCode::GATEWAY_TIMEOUT).await;
    assert_eq!(body["type"], "urn:chatbot:problem:model-timeout");
    only_the_question_is_kept(&app, &id).await;
}

#[tokio::test]
async fn a_stream_cut_after_its_first_deltas_ends_with_an_error_event_and_stores_no_half_answer() {
    let server = MockServer::start().await;
    // Content arrives, then the stream ends: no finish reason, no `[DONE]`.
    let mut cut = String::new();
    for piece in ["Google Ads spent ", "$1,2"] {
        let chunk = json!({ "id": "c", "object": "chat.completion.chunk", "model": MODEL,
                            "choices": [{ "index": 0, "delta": { "content": piece }, "finish_reason": null }] });
        let _ = write!(cut, "data: {chunk}\n\n");
    }
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(cut.into_bytes(), "text/event-stream"))
        .mount(&server)
        .await;
    let app = app_with_model(&server).await;
    let id = conversation_of(&app).await;

    let streamed = app.post_message_streamed(&id, "What did we spend?").await;
    assert_eq!(streamed.status, StatusCode::OK, "the stream had started");
    let names: Vec<&str> = streamed.events.iter().map(|(name, _)| name.as_str()).collect();
    assert!(names.contains(&"delta"), "the first deltas reached the client: {names:?}");
    let (last, error) = streamed.events.last().unwrap();
    assert_eq!(last, "error", "{names:?}");
    assert_eq!(error["type"], "urn:chatbot:problem:model-failed", "{error}");
    only_the_question_is_kept(&app, &id).await;
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "never retried after a delta reached the client");
}
