//! The OpenAI-compatible client against a local fake server (wiremock) replaying real-shaped
//! answers: OpenAI's captures, llama-cpp-python's, and synthetic streams of the variations other
//! servers show.
//!
//! The fake runs on real sockets, so waits are real but short (milliseconds; one test waits out a
//! one-second `Retry-After`): tokio's paused clock would fire the timeouts while the runtime waits
//! for the socket.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use adapters_llm::{OpenAiChatModel, OpenAiConfig, ToolChoice};
use domain::analyst::{ChatTurn, ModelTurn};
use domain::ports::{ChatModel, ChatModelError};
use domain::tools::{ToolCall, ToolKind, ToolOutput};
use domain::value::Value;
use secrecy::SecretString;
use serde_json::{Value as Json, json};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::support::{Recorder, SYSTEM, question, request};

const ENDPOINT: &str = "/v1/chat/completions";

const STREAM: &str = include_str!("fixtures/openai-chat-stream.sse");
const STREAM_TOOL_CALLS: &str = include_str!("fixtures/openai-chat-stream-tool-calls.sse");
const RESPONSE: &str = include_str!("fixtures/openai-chat-response.json");
const TOOL_CALLS_RESPONSE: &str = include_str!("fixtures/openai-chat-tool-calls-response.json");
const RATE_LIMIT: &str = include_str!("fixtures/openai-error-429-rate-limit.json");
const CONTEXT_LENGTH: &str = include_str!("fixtures/openai-error-400-context-length.json");
const LLAMA_STREAM: &str = include_str!("fixtures/llama-cpp-python-stream.sse");
const LLAMA_FORCED_TOOL: &str = include_str!("fixtures/llama-cpp-python-forced-tool.sse");
const LLAMA_AUTO_TOOL_RESPONSE: &str = include_str!("fixtures/llama-cpp-python-auto-tool-response.json");

/// The answer's text in the OpenAI fixtures.
fn fixture_answer() -> String {
    let response: Json = serde_json::from_str(RESPONSE).unwrap();
    response["choices"][0]["message"]["content"].as_str().unwrap().to_owned()
}

fn config(server: &MockServer) -> OpenAiConfig {
    OpenAiConfig {
        base_url: format!("{}/v1", server.uri()),
        retry_delay: Duration::from_millis(10),
        timeout: Duration::from_secs(10),
        first_token_timeout: Duration::from_secs(5),
        ..OpenAiConfig::default()
    }
}

fn model(config: OpenAiConfig) -> OpenAiChatModel {
    OpenAiChatModel::new(config).unwrap()
}

fn sse(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "text/event-stream; charset=utf-8")
}

fn json_body(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

/// A stream of `chunks`, each a `data:` event, then `[DONE]`.
fn events(chunks: &[Json]) -> String {
    let mut out = String::new();
    for chunk in chunks {
        out.push_str("data: ");
        out.push_str(&chunk.to_string());
        out.push_str("\n\n");
    }
    out.push_str("data: [DONE]\n\n");
    out
}

async fn mount(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST")).and(path(ENDPOINT)).respond_with(response).mount(server).await;
}

async fn mount_once(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST")).and(path(ENDPOINT)).respond_with(response).up_to_n_times(1).mount(server).await;
}

async fn bodies(server: &MockServer) -> Vec<Json> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r: &Request| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

async fn ask(
    model: &OpenAiChatModel,
    request: &domain::analyst::ChatRequest,
) -> (Result<ModelTurn, ChatModelError>, Arc<Recorder>) {
    let recorder = Arc::new(Recorder::default());
    let result = model.complete(request, recorder.clone()).await;
    (result, recorder)
}

// ---- Answers ------------------------------------------------------------------------------------

#[tokio::test]
async fn a_plain_answer_in_one_piece_is_read_with_its_usage() {
    // A server that ignores `stream: true` and answers with a whole completion.
    let server = MockServer::start().await;
    mount(&server, json_body(200, RESPONSE)).await;
    let (turn, recorder) = ask(&model(config(&server)), &question("Top campaign?", &[])).await;
    let turn = turn.unwrap();
    assert_eq!(turn.text, fixture_answer());
    assert_eq!(recorder.deltas(), [fixture_answer()]);
    assert!(turn.tool_calls.is_empty());
    assert_eq!((turn.usage.input, turn.usage.output, turn.usage.estimated), (612, 84, false));
    assert_eq!(turn.model, "gpt-4o-2024-08-06");
}

#[tokio::test]
async fn a_streamed_answer_reaches_the_client_piece_by_piece_with_the_final_usage() {
    let server = MockServer::start().await;
    mount(&server, sse(STREAM)).await;
    let (turn, recorder) = ask(&model(config(&server)), &question("Top campaign?", &[])).await;
    let turn = turn.unwrap();
    assert!(recorder.deltas().len() > 10, "{:?}", recorder.deltas());
    assert_eq!(recorder.text(), fixture_answer());
    assert_eq!(turn.text, fixture_answer());
    assert_eq!((turn.usage.input, turn.usage.output, turn.usage.estimated), (612, 84, false));
    assert_eq!(turn.model, "gpt-4o-2024-08-06");
}

#[tokio::test]
async fn usage_a_server_does_not_report_is_counted_with_the_tokenizer_and_marked_estimated() {
    let server = MockServer::start().await;
    mount(&server, sse(LLAMA_STREAM)).await;
    let config = OpenAiConfig { model: "smollm2-135m-instruct".into(), ..config(&server) };
    let (turn, recorder) = ask(&model(config), &question("Say hi", &[])).await;
    let turn = turn.unwrap();
    assert_eq!(recorder.text(), turn.text);
    assert!(turn.usage.estimated);
    // Not an OpenAI model, so cl100k_base stands in for its tokenizer.
    let cl100k = tiktoken_rs::cl100k_base_singleton();
    assert_eq!(turn.usage.output, cl100k.encode_with_special_tokens(&turn.text).len() as u64);
    let prompt_text = format!("{SYSTEM}Say hi");
    assert!(turn.usage.input > cl100k.encode_with_special_tokens(&prompt_text).len() as u64);
    assert_eq!(turn.model, "smollm2-135m-instruct");
}

// ---- Tool calls ---------------------------------------------------------------------------------

/// The two calls of the tool-call fixtures, arguments in the order the model wrote them.
fn fixture_calls() -> Vec<ToolCall> {
    let call = |id: &str, platform: &str, end: &str| ToolCall {
        id: id.into(),
        name: "get_campaign_performance".into(),
        arguments: Value::object()
            .with("platform", platform)
            .with("start_date", "2026-10-01")
            .with("end_date", end)
            .with("campaign_name_contains", Value::Null),
    };
    vec![
        call("call_Qm4tR7vXb2LpN9sK1wYc3ZaE", "google_ads", "2026-10-03"),
        call("call_H8dJ2kF5nP0qS6tV9xBz1MwA", "meta", "2026-10-31"),
    ]
}

#[tokio::test]
async fn two_streamed_tool_calls_are_assembled_from_their_pieces() {
    let server = MockServer::start().await;
    mount(&server, sse(STREAM_TOOL_CALLS)).await;
    let (turn, recorder) = ask(&model(config(&server)), &question("Top campaign?", &ToolKind::ALL)).await;
    let turn = turn.unwrap();
    assert!(recorder.deltas().is_empty());
    assert_eq!(turn.text, "");
    assert_eq!(turn.tool_calls, fixture_calls());
    assert_eq!(turn.tool_calls[0].arguments.get("platform"), Some(&Value::String("google_ads".into())));
    assert_eq!(turn.tool_calls[1].arguments.get("end_date"), Some(&Value::String("2026-10-31".into())));
    assert_eq!((turn.usage.input, turn.usage.output, turn.usage.estimated), (187, 71, false));
}

#[tokio::test]
async fn the_second_round_carries_the_assistants_tool_calls_and_their_results() {
    let server = MockServer::start().await;
    mount_once(&server, sse(STREAM_TOOL_CALLS)).await;
    mount(&server, sse(STREAM)).await;
    let model = model(config(&server));
    let first = question("Top campaign?", &ToolKind::ALL);
    let (turn, _) = ask(&model, &first).await;
    let turn = turn.unwrap();

    // The domain's loop: the model's turn, then one result per call, then ask again.
    let mut turns = first.turns.clone();
    turns.push(ChatTurn::Assistant { text: turn.text.clone(), tool_calls: turn.tool_calls.clone() });
    for call in &turn.tool_calls {
        turns.push(ChatTurn::Tool {
            call_id: call.id.clone(),
            output: ToolOutput::Error { tool: None, message: format!("unknown tool \"{}\"", call.name) },
        });
    }
    let (answer, recorder) = ask(&model, &request(turns, &ToolKind::ALL)).await;
    assert_eq!(answer.unwrap().text, fixture_answer());
    assert_eq!(recorder.text(), fixture_answer());

    let second = &bodies(&server).await[1];
    let messages = second["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 5);
    assert_eq!(messages[2]["role"], "assistant");
    assert_eq!(messages[2]["content"], "");
    let sent_calls = messages[2]["tool_calls"].as_array().unwrap();
    let fixture: Json = serde_json::from_str(TOOL_CALLS_RESPONSE).unwrap();
    for (sent, want) in sent_calls.iter().zip(fixture["choices"][0]["message"]["tool_calls"].as_array().unwrap()) {
        assert_eq!(sent["id"], want["id"]);
        assert_eq!(sent["type"], "function");
        assert_eq!(sent["function"]["name"], want["function"]["name"]);
        // Arguments go back as a JSON string with the same content.
        let sent_args: Json = serde_json::from_str(sent["function"]["arguments"].as_str().unwrap()).unwrap();
        let want_args: Json = serde_json::from_str(want["function"]["arguments"].as_str().unwrap()).unwrap();
        assert_eq!(sent_args, want_args);
    }
    for (message, call) in messages[3..].iter().zip(&turn.tool_calls) {
        assert_eq!(message["role"], "tool");
        assert_eq!(message["tool_call_id"], call.id.as_str());
        let content: Json = serde_json::from_str(message["content"].as_str().unwrap()).unwrap();
        assert_eq!(content, json!({"error": "unknown tool \"get_campaign_performance\""}));
    }
}

#[tokio::test]
async fn a_tool_argument_that_is_not_json_is_handed_on_as_a_string_and_sent_back_as_written() {
    let server = MockServer::start().await;
    let raw = "{\"platform\": meta, range: last month";
    mount_once(
        &server,
        sse(&events(&[
            json!({"choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_platform_summary","arguments":""}}]}}]}),
            json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":raw}}]}}]}),
            json!({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}),
        ])),
    )
    .await;
    mount(&server, sse(STREAM)).await;
    let model = model(config(&server));
    let first = question("Meta last month?", &ToolKind::ALL);
    let (turn, _) = ask(&model, &first).await;
    let call = turn.unwrap().tool_calls.remove(0);
    assert_eq!(call.arguments, Value::String(raw.into()));

    let mut turns = first.turns.clone();
    turns.push(ChatTurn::Assistant { text: String::new(), tool_calls: vec![call.clone()] });
    turns.push(ChatTurn::Tool {
        call_id: call.id.clone(),
        output: ToolOutput::Error {
            tool: Some(ToolKind::PlatformSummary),
            message: "the arguments are not JSON".into(),
        },
    });
    ask(&model, &request(turns, &ToolKind::ALL)).await.0.unwrap();
    let second = &bodies(&server).await[1];
    assert_eq!(second["messages"][2]["tool_calls"][0]["function"]["arguments"], raw);
}

#[tokio::test]
async fn a_server_that_differs_from_openai_in_every_tolerated_way_is_understood() {
    // Whole calls in one chunk without index or id, arguments as an object, content and tool
    // calls in one turn, `role` only once, `finish_reason` only in the last chunk together with
    // content, a usage chunk with empty choices, unknown fields and null fields everywhere.
    let server = MockServer::start().await;
    mount(
        &server,
        sse(&events(&[
            json!({"model":"mistral-small","choices":[{"delta":{"role":"assistant","content":"Let me look ","reasoning_content":null},"finish_reason":null}],"system_fingerprint":null,"x_extra":{"a":1}}),
            json!({"model":"mistral-small","choices":[{"delta":{"content":"that up.","tool_calls":[{"function":{"name":"blended_totals","arguments":{"range":{"preset":"last_month"}}}}]}}]}),
            json!({"model":"mistral-small","choices":[{"delta":{"content":null,"tool_calls":[{"type":"function","function":{"name":"list_campaigns","arguments":"{\"sortBy\":\"spend\",\"limit\":3}"}}]},"finish_reason":"tool_calls"}]}),
            json!({"model":"mistral-small","choices":[],"usage":{"prompt_tokens":321,"completion_tokens":45}}),
        ])),
    )
    .await;
    let (turn, recorder) = ask(&model(config(&server)), &question("Spend?", &ToolKind::ALL)).await;
    let turn = turn.unwrap();
    assert_eq!(turn.text, "Let me look that up.");
    assert_eq!(recorder.text(), "Let me look that up.");
    let ids: Vec<&str> = turn.tool_calls.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["call_1", "call_2"]);
    assert_eq!(turn.tool_calls[0].name, "blended_totals");
    assert_eq!(
        turn.tool_calls[0].arguments,
        Value::object().with("range", Value::object().with("preset", "last_month"))
    );
    assert_eq!(turn.tool_calls[1].arguments, Value::object().with("sortBy", "spend").with("limit", 3.0));
    assert_eq!((turn.usage.input, turn.usage.output, turn.usage.estimated), (321, 45, false));
    assert_eq!(turn.model, "mistral-small");
}

#[tokio::test]
async fn a_forced_tool_call_streamed_by_llama_cpp_python_is_read() {
    let server = MockServer::start().await;
    mount(&server, sse(LLAMA_FORCED_TOOL)).await;
    let config = OpenAiConfig {
        model: "smollm2-135m-instruct".into(),
        tool_choice: ToolChoice::Function("blended_totals".into()),
        ..config(&server)
    };
    let (turn, _) = ask(&model(config), &question("What did we spend last month?", &[ToolKind::BlendedTotals])).await;
    let turn = turn.unwrap();
    assert_eq!(turn.tool_calls.len(), 1);
    assert_eq!(turn.tool_calls[0].name, "blended_totals");
    assert!(turn.tool_calls[0].id.starts_with("call__0_blended_totals_"));
    assert!(turn.tool_calls[0].arguments.get("range").is_some(), "{:?}", turn.tool_calls[0].arguments);
    assert!(turn.usage.estimated);
    let sent = &bodies(&server).await[0];
    assert_eq!(sent["tool_choice"], json!({"type": "function", "function": {"name": "blended_totals"}}));
}

#[tokio::test]
async fn a_server_that_cannot_stream_tool_rounds_is_asked_without_streaming_and_remembered() {
    // llama-cpp-python answers a streamed round with `tool_choice: "auto"` with an empty 200
    // when its model picks a tool.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"stream": true})))
        .respond_with(sse(""))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"stream": false})))
        .respond_with(json_body(200, LLAMA_AUTO_TOOL_RESPONSE))
        .mount(&server)
        .await;
    let config = OpenAiConfig { tool_choice: ToolChoice::Auto, ..config(&server) };
    let model = model(config);
    let q = question("What did we spend last month?", &[ToolKind::BlendedTotals]);
    let (turn, _) = ask(&model, &q).await;
    let turn = turn.unwrap();
    assert_eq!(turn.tool_calls.len(), 1);
    assert_eq!(turn.tool_calls[0].name, "blended_totals");
    assert_eq!(
        turn.tool_calls[0].arguments,
        Value::object().with("range", Value::object().with("preset", "last_month"))
    );
    assert_eq!((turn.usage.input, turn.usage.output, turn.usage.estimated), (250, 13, false));
    let (again, _) = ask(&model, &q).await;
    again.unwrap();
    let streams: Vec<bool> = bodies(&server).await.iter().map(|b| b["stream"].as_bool().unwrap()).collect();
    assert_eq!(streams, [true, false, false], "the second round goes straight to a request without streaming");
    assert!(bodies(&server).await.iter().all(|b| b["tool_choice"] == "auto"));
}

#[tokio::test]
async fn tool_calls_written_as_text_are_never_shown_and_are_asked_for_again_without_streaming() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"stream": true})))
        .respond_with(sse(&events(&[
            json!({"choices":[{"index":0,"delta":{"role":"assistant","content":"<tool_"}}]}),
            json!({"choices":[{"index":0,"delta":{"content":"call>{\"name\": \"blended_totals\", "}}]}),
            json!({"choices":[{"index":0,"delta":{"content":"\"arguments\": {\"range\": \"last_month\"}}</tool_call>"},"finish_reason":"stop"}]}),
        ])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"stream": false})))
        .respond_with(json_body(200, TOOL_CALLS_RESPONSE))
        .mount(&server)
        .await;
    let (turn, recorder) = ask(&model(config(&server)), &question("Spend?", &[ToolKind::BlendedTotals])).await;
    assert_eq!(turn.unwrap().tool_calls, fixture_calls());
    assert!(recorder.deltas().is_empty(), "{:?}", recorder.deltas());
}

// ---- Faults -------------------------------------------------------------------------------------

#[tokio::test]
async fn a_rate_limit_with_retry_after_is_waited_out_then_the_answer_comes() {
    let server = MockServer::start().await;
    mount_once(&server, json_body(429, RATE_LIMIT).insert_header("retry-after", "1")).await;
    mount(&server, sse(STREAM)).await;
    let started = Instant::now();
    let (turn, recorder) = ask(&model(config(&server)), &question("Top campaign?", &[])).await;
    assert_eq!(turn.unwrap().text, fixture_answer());
    assert_eq!(recorder.text(), fixture_answer());
    assert!(started.elapsed() >= Duration::from_secs(1), "waited {:?}", started.elapsed());
    assert_eq!(bodies(&server).await.len(), 2);
}

#[tokio::test]
async fn a_rate_limit_that_outlasts_the_attempts_is_rate_limited_with_the_providers_wait() {
    let server = MockServer::start().await;
    mount(&server, json_body(429, RATE_LIMIT).insert_header("retry-after-ms", "20")).await;
    let config = OpenAiConfig { max_attempts: 2, ..config(&server) };
    let (turn, recorder) = ask(&model(config), &question("Top campaign?", &[])).await;
    match turn {
        Err(ChatModelError::RateLimited { retry_after }) => assert_eq!(retry_after, Some(Duration::from_millis(20))),
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(recorder.deltas().is_empty());
    assert_eq!(bodies(&server).await.len(), 2);
}

#[tokio::test]
async fn a_retry_after_longer_than_the_call_may_last_is_passed_on_at_once() {
    let server = MockServer::start().await;
    mount(&server, json_body(429, RATE_LIMIT).insert_header("retry-after", "30")).await;
    let started = Instant::now();
    let (turn, _) = ask(&model(config(&server)), &question("Top campaign?", &[])).await;
    assert!(matches!(turn, Err(ChatModelError::RateLimited { retry_after: Some(d) }) if d == Duration::from_secs(30)));
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(bodies(&server).await.len(), 1);
}

#[tokio::test]
async fn a_server_error_is_retried_then_the_answer_comes() {
    let server = MockServer::start().await;
    mount_once(&server, json_body(500, r#"{"error":{"message":"The server had an error","type":"server_error"}}"#))
        .await;
    mount(&server, sse(STREAM)).await;
    let (turn, _) = ask(&model(config(&server)), &question("Top campaign?", &[])).await;
    assert_eq!(turn.unwrap().text, fixture_answer());
    assert_eq!(bodies(&server).await.len(), 2);
}

#[tokio::test]
async fn a_provider_that_stays_down_is_unavailable_after_the_last_attempt() {
    let server = MockServer::start().await;
    mount(&server, ResponseTemplate::new(503).set_body_string("upstream connect error")).await;
    let (turn, _) = ask(&model(config(&server)), &question("Top campaign?", &[])).await;
    match turn {
        Err(ChatModelError::Unavailable(message)) => assert!(message.contains("503"), "{message}"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert_eq!(bodies(&server).await.len(), 3);
}

#[tokio::test]
async fn a_provider_that_cannot_be_reached_is_unavailable() {
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let config = OpenAiConfig {
        base_url: format!("http://127.0.0.1:{port}/v1"),
        retry_delay: Duration::from_millis(5),
        ..OpenAiConfig::default()
    };
    let (turn, _) = ask(&model(config), &question("Top campaign?", &[])).await;
    assert!(matches!(turn, Err(ChatModelError::Unavailable(m)) if m.contains("could not be reached")));
}

// ---- HTTP versions ------------------------------------------------------------------------------

/// The first bytes the model sends a server that reads and never answers.
async fn first_bytes_sent(http2: bool, n: usize) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = OpenAiConfig {
        base_url: format!("http://{}/v1", listener.local_addr().unwrap()),
        http2,
        ..OpenAiConfig::default()
    };
    let asking = tokio::spawn(async move { ask(&model(config), &question("Top campaign?", &[])).await });
    let (mut socket, _) = listener.accept().await.unwrap();
    let mut bytes = vec![0; n];
    socket.read_exact(&mut bytes).await.unwrap();
    asking.abort();
    bytes
}

#[tokio::test]
async fn the_model_speaks_http_1_1_by_default_and_http_2_with_prior_knowledge_when_asked() {
    let http1 = first_bytes_sent(false, 34).await;
    assert_eq!(String::from_utf8_lossy(&http1), "POST /v1/chat/completions HTTP/1.1");
    // RFC 9113 §3.4: the connection preface of a client that knows the server speaks HTTP/2.
    let http2 = first_bytes_sent(true, 24).await;
    assert_eq!(http2, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
}

#[tokio::test]
async fn over_http2_concurrent_answers_are_all_streamed() {
    let server = MockServer::start().await;
    mount(&server, sse(STREAM)).await;
    let model = model(OpenAiConfig { http2: true, ..config(&server) });
    let request = question("Top campaign?", &[]);
    let answers = futures::future::join_all((0..5).map(|_| ask(&model, &request))).await;
    for (turn, recorder) in answers {
        assert_eq!(turn.unwrap().text, fixture_answer());
        assert_eq!(recorder.text(), fixture_answer());
    }
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 5);
    // An HTTP/1.1 request carries `Host`; over HTTP/2 the authority is a pseudo-header instead.
    assert!(received.iter().all(|r| !r.headers.contains_key("host")), "every request came over HTTP/2");
}

#[tokio::test]
async fn a_refused_key_is_unavailable_and_the_message_does_not_carry_the_key() {
    let server = MockServer::start().await;
    mount(
        &server,
        json_body(401, r#"{"error":{"message":"Incorrect API key provided: sk-test-***cret.","type":"invalid_request_error","code":"invalid_api_key"}}"#),
    )
    .await;
    let config = OpenAiConfig { api_key: Some(SecretString::from("sk-test-secret")), ..config(&server) };
    let (turn, _) = ask(&model(config), &question("Top campaign?", &[])).await;
    let message = turn.unwrap_err().to_string();
    assert!(message.contains("refused the API key"), "{message}");
    assert!(!message.contains("sk-test"), "{message}");
    assert_eq!(bodies(&server).await.len(), 1, "a refused key is not retried");
}

#[tokio::test]
async fn no_first_token_in_time_is_a_timeout() {
    let server = MockServer::start().await;
    mount(&server, sse(STREAM).set_delay(Duration::from_secs(3))).await;
    let config = OpenAiConfig { first_token_timeout: Duration::from_millis(200), ..config(&server) };
    let started = Instant::now();
    let (turn, recorder) = ask(&model(config), &question("Top campaign?", &[])).await;
    assert!(matches!(turn, Err(ChatModelError::Timeout)), "{turn:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert!(recorder.deltas().is_empty());
}

#[tokio::test]
async fn a_call_longer_than_its_timeout_is_a_timeout() {
    let server = MockServer::start().await;
    mount(&server, sse(STREAM).set_delay(Duration::from_secs(3))).await;
    let config = OpenAiConfig { timeout: Duration::from_millis(300), ..config(&server) };
    let started = Instant::now();
    let (turn, _) = ask(&model(config), &question("Top campaign?", &[])).await;
    assert!(matches!(turn, Err(ChatModelError::Timeout)), "{turn:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_stream_that_stops_mid_answer_is_invalid_and_not_retried_since_text_was_sent() {
    let server = MockServer::start().await;
    let cut = "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"On Oct 1-3, \"}}]}\n\n\
               data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"the top campaign\"}}]}\n\n";
    mount(&server, sse(cut)).await;
    let (turn, recorder) = ask(&model(config(&server)), &question("Top campaign?", &[])).await;
    match turn {
        Err(ChatModelError::InvalidResponse(message)) => assert!(message.contains("finish reason"), "{message}"),
        other => panic!("expected InvalidResponse, got {other:?}"),
    }
    assert_eq!(recorder.text(), "On Oct 1-3, the top campaign");
    assert_eq!(bodies(&server).await.len(), 1);
}

#[tokio::test]
async fn malformed_json_in_a_chunk_is_an_invalid_response() {
    let server = MockServer::start().await;
    mount(
        &server,
        sse("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: {\"choices\": [\n\n"),
    )
    .await;
    let (turn, _) = ask(&model(config(&server)), &question("Top campaign?", &[])).await;
    assert!(matches!(turn, Err(ChatModelError::InvalidResponse(m)) if m.contains("malformed")));
}

#[tokio::test]
async fn a_200_with_an_empty_body_is_an_invalid_response_not_an_empty_answer() {
    let server = MockServer::start().await;
    mount(&server, sse("")).await;
    let (turn, recorder) = ask(&model(config(&server)), &question("Top campaign?", &[])).await;
    assert!(matches!(turn, Err(ChatModelError::InvalidResponse(_))), "{turn:?}");
    assert!(recorder.deltas().is_empty());
    // Asked once more without streaming, which is how llama-cpp-python tells what went wrong.
    let streams: Vec<bool> = bodies(&server).await.iter().map(|b| b["stream"].as_bool().unwrap()).collect();
    assert_eq!(streams, [true, false]);
}

#[tokio::test]
async fn an_error_reported_inside_the_stream_is_unavailable() {
    let server = MockServer::start().await;
    mount(&server, sse("data: {\"error\":{\"message\":\"model is overloaded\",\"code\":503}}\n\n")).await;
    let (turn, _) = ask(&model(config(&server)), &question("Top campaign?", &[])).await;
    assert!(matches!(turn, Err(ChatModelError::Unavailable(m)) if m.contains("overloaded")));
}

// ---- The context budget -------------------------------------------------------------------------

/// A conversation of `n` earlier exchanges, then the question.
fn long_conversation(n: usize) -> Vec<ChatTurn> {
    let mut turns = vec![ChatTurn::System(SYSTEM.into())];
    for i in 0..n {
        turns.push(ChatTurn::User(format!("Question {i}: how did campaign {i} do in week {i}?")));
        turns.push(ChatTurn::Assistant {
            text: format!(
                "Campaign {i} spent about the same as the week before; its CPA held steady. {}",
                "More detail. ".repeat(10)
            ),
            tool_calls: vec![],
        });
    }
    turns.push(ChatTurn::User("And the newest question?".into()));
    turns
}

fn roles_and_first(body: &Json) -> (usize, String, String) {
    let messages = body["messages"].as_array().unwrap();
    (
        messages.len(),
        messages[0]["content"].as_str().unwrap().to_owned(),
        messages.last().unwrap()["content"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn a_long_conversation_is_cut_to_the_most_recent_turns_that_fit_the_context_window() {
    let server = MockServer::start().await;
    mount(&server, sse(STREAM)).await;
    let config = OpenAiConfig { context_tokens: 1_500, max_output_tokens: 500, ..config(&server) };
    ask(&model(config), &request(long_conversation(60), &[])).await.0.unwrap();
    let body = &bodies(&server).await[0];
    let (count, first, last) = roles_and_first(body);
    assert!(count < 60, "sent {count} messages");
    assert!(count > 3, "sent {count} messages");
    assert_eq!(first, SYSTEM);
    assert_eq!(last, "And the newest question?");
    // The newest earlier exchange is among those kept, the oldest is not.
    let text = body.to_string();
    assert!(text.contains("Question 59:"));
    assert!(!text.contains("Question 0:"));
}

#[tokio::test]
async fn a_context_length_error_shrinks_the_history_once_and_retries() {
    let server = MockServer::start().await;
    mount_once(&server, json_body(400, CONTEXT_LENGTH)).await;
    mount(&server, sse(STREAM)).await;
    let (turn, recorder) = ask(&model(config(&server)), &request(long_conversation(20), &[])).await;
    assert_eq!(turn.unwrap().text, fixture_answer());
    assert_eq!(recorder.text(), fixture_answer());
    let sent = bodies(&server).await;
    assert_eq!(sent.len(), 2);
    let (before, first_before, last_before) = roles_and_first(&sent[0]);
    let (after, first_after, last_after) = roles_and_first(&sent[1]);
    assert_eq!(before, 42);
    assert!(after < before && after > 2, "{before} then {after} messages");
    assert_eq!((first_before, last_before), (first_after, last_after));
}

#[tokio::test]
async fn a_context_length_error_that_persists_is_an_invalid_response() {
    let server = MockServer::start().await;
    mount(&server, json_body(400, CONTEXT_LENGTH)).await;
    let (turn, _) = ask(&model(config(&server)), &request(long_conversation(4), &[])).await;
    assert!(matches!(turn, Err(ChatModelError::InvalidResponse(m)) if m.contains("context window")));
    assert_eq!(bodies(&server).await.len(), 2, "one shrink, then it gives up");
}

// ---- The request --------------------------------------------------------------------------------

#[tokio::test]
async fn a_request_with_tools_has_the_expected_shape_and_the_key_as_a_bearer_header() {
    let server = MockServer::start().await;
    mount(&server, sse(STREAM)).await;
    let config =
        OpenAiConfig { api_key: Some(SecretString::from("sk-test-key")), max_output_tokens: 700, ..config(&server) };
    ask(&model(config), &question("Top campaign?", &ToolKind::ALL)).await.0.unwrap();
    let requests = server.received_requests().await.unwrap();
    let request = &requests[0];
    assert_eq!(request.headers.get("authorization").unwrap(), "Bearer sk-test-key");
    assert_eq!(request.headers.get("content-type").unwrap(), "application/json");
    // Sent with its length, not chunked.
    assert_eq!(request.headers.get("content-length").unwrap().to_str().unwrap(), request.body.len().to_string());
    assert!(request.headers.get("transfer-encoding").is_none());
    let body: Json = serde_json::from_slice(&request.body).unwrap();
    let keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["max_tokens", "messages", "model", "stream", "stream_options", "tools"]);
    assert_eq!(body["model"], "gpt-4o-mini");
    assert_eq!(body["max_tokens"], 700);
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"], json!({"include_usage": true}));
    assert_eq!(
        body["messages"],
        json!([{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Top campaign?"}])
    );
    let tools = body["tools"].as_array().unwrap();
    assert_eq!(tools.len(), ToolKind::ALL.len());
    for (tool, kind) in tools.iter().zip(ToolKind::ALL) {
        assert_eq!(tool["type"], "function");
        assert_eq!(tool["function"]["name"], kind.name());
        assert_eq!(tool["function"]["description"], kind.description());
        let schema = &tool["function"]["parameters"];
        assert_eq!(schema["type"], "object");
        assert!(schema["properties"].is_object(), "{schema}");
    }
    let summary = &tools[0]["function"]["parameters"];
    assert_eq!(summary["required"], json!(["platform", "range"]));
}

#[tokio::test]
async fn a_request_without_tools_has_no_tools_key_and_without_a_key_no_authorization() {
    let server = MockServer::start().await;
    mount(&server, sse(STREAM)).await;
    let config = OpenAiConfig { temperature: Some(0.0), tool_choice: ToolChoice::Auto, ..config(&server) };
    ask(&model(config), &question("Top campaign?", &[])).await.0.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert!(requests[0].headers.get("authorization").is_none());
    let body: Json = serde_json::from_slice(&requests[0].body).unwrap();
    assert!(body.get("tools").is_none());
    assert!(body.get("tool_choice").is_none(), "no tool_choice without tools");
    assert_eq!(body["temperature"], 0.0);
}

// ---- Titles -------------------------------------------------------------------------------------

#[tokio::test]
async fn a_title_is_written_in_a_small_separate_call_without_streaming() {
    let server = MockServer::start().await;
    let reply = r#"{"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"\"Top Google Ads campaign\""},"finish_reason":"stop"}],"usage":{"prompt_tokens":90,"completion_tokens":6}}"#;
    mount(&server, json_body(200, reply)).await;
    let title =
        model(config(&server)).title("Which campaign spent the most?", &fixture_answer()).await.unwrap().unwrap();
    assert_eq!(title.title, "Top Google Ads campaign");
    assert_eq!((title.usage.input, title.usage.output, title.usage.estimated), (90, 6, false));
    assert_eq!(title.model, "gpt-4o-mini-2024-07-18");
    let body = &bodies(&server).await[0];
    assert_eq!(body["max_tokens"], 16);
    assert_eq!(body["stream"], false);
    assert!(body.get("stream_options").is_none());
    assert!(body.get("tools").is_none());
    assert!(body["messages"][1]["content"].as_str().unwrap().contains("Which campaign spent the most?"));
}

#[tokio::test]
async fn an_empty_title_reply_keeps_the_domains_title() {
    let server = MockServer::start().await;
    mount(
        &server,
        json_body(
            200,
            r#"{"choices":[{"index":0,"message":{"role":"assistant","content":" \"\" "},"finish_reason":"stop"}]}"#,
        ),
    )
    .await;
    assert_eq!(model(config(&server)).title("Hi?", "Hello.").await.unwrap(), None);
}
