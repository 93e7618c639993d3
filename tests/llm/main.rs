//! The whole API with a real OpenAI-compatible server: llama.cpp's, from PyPI's
//! `llama-cpp-python[server]`, serving SmolLM2-135M-Instruct (`scripts/llm-test-server.sh`, started
//! by `make test`), at `LLAMA_URI`.
//!
//! A 135M model answers badly: these tests assert what the server really did through the API —
//! the tool call recorded with its resolved dates, the SSE events, the stored answer and its
//! tokens — never the answer's wisdom.

use std::sync::Arc;
use std::time::Duration;

use adapters_llm::{OpenAiChatModel, OpenAiConfig, ToolChoice};
use api::Ports;
use black_box_tests::{TestApp, test_config};
use reqwest::StatusCode;

/// The model's name on the server (`--model_alias` of `scripts/llm-test-server.sh`).
const MODEL: &str = "smollm2-135m-instruct";

fn llama_uri() -> String {
    match std::env::var("LLAMA_URI") {
        Ok(uri) if !uri.trim().is_empty() => uri,
        _ => panic!(
            "LLAMA_URI is not set, so there is no llama.cpp server to run against. Run the tests with `make test`, \
             or start the server with `scripts/llm-test-server.sh start` (it builds llama-cpp-python on first use, \
             several minutes), then `source .test-servers/llm.env` and run `cargo test -p black-box-tests --test llm`"
        ),
    }
}

/// The server with the real model, forced to call `get_platform_summary` in its one tool round, so
/// the second round answers from the tool's result.
async fn spawn_app() -> TestApp {
    let mut config = test_config();
    config.llm.max_tool_rounds = 1;
    // The model server answers one request at a time; other tests may be queued before this one.
    config.request_timeout_secs = 600;
    let model = OpenAiChatModel::new(OpenAiConfig {
        base_url: llama_uri(),
        model: MODEL.into(),
        context_tokens: 8_192,
        max_output_tokens: 64,
        temperature: Some(0.0),
        tool_choice: ToolChoice::Function("get_platform_summary".into()),
        timeout: Duration::from_secs(540),
        first_token_timeout: Duration::from_secs(480),
        ..OpenAiConfig::default()
    })
    .expect("the model is configured");
    TestApp::start(config, move |ports| Ports { model: Arc::new(model), ..ports }).await
}

#[tokio::test]
async fn a_forced_tool_round_then_a_streamed_answer_are_recorded_as_the_server_gave_them() {
    let app = spawn_app().await;
    let client = app.create_client("Acme").await;
    let conversation = app.start_conversation(client["id"].as_str().unwrap()).await;
    let id = conversation["conversationId"].as_str().unwrap();

    let streamed = app.post_message_streamed(id, "What did Google Ads spend last month?").await;
    assert_eq!(streamed.status, StatusCode::OK);
    let names: Vec<&str> = streamed.events.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names.first(), Some(&"tool"), "the forced call is announced first: {names:?}");
    assert_eq!(names.last(), Some(&"done"), "{names:?}");
    let (_, tool) = &streamed.events[0];
    assert_eq!(tool["name"], "get_platform_summary");

    let (_, done) = streamed.events.last().unwrap();
    let answer = &done["answer"];
    let text: String =
        streamed.events.iter().filter(|(n, _)| n == "delta").map(|(_, d)| d["text"].as_str().unwrap()).collect();
    assert_eq!(answer["content"].as_str().unwrap(), text, "the deltas are the stored answer");
    let metadata = &answer["metadata"];
    assert_eq!(metadata["model"], MODEL, "the server named the model");
    assert!(metadata["tokensUsed"].as_u64().unwrap() > 0);
    let working = &metadata["working"];
    assert_eq!(working["usage"]["estimated"], true, "the server reports no usage in streams");
    let trace = &working["tools"][0];
    assert_eq!(trace["name"], "get_platform_summary", "{working}");
    // The server's arguments were parsed by the domain: resolved to absolute dates, or refused with
    // a reason the model was given.
    assert!(trace["ranges"][0]["start"].is_string() || trace["error"].is_string(), "{trace}");

    let detail = app.get_json(&format!("/v1/conversations/{id}")).await;
    assert_eq!(detail["messages"][1], *answer, "the stored answer is the one streamed");
    assert_eq!(detail["conversation"]["metadata"]["totalTokensUsed"], metadata["tokensUsed"]);
}
