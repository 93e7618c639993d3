//! The OpenAI-compatible client against a real server: llama.cpp's, from PyPI's
//! `llama-cpp-python[server]`, serving SmolLM2-135M-Instruct (`scripts/llm-test-server.sh`), at
//! `LLAMA_URI`.
//!
//! A 135M model answers badly; these tests assert what went over the wire (the tool called and
//! its arguments parsed, tokens counted, deltas that make up the text), never the answer's wisdom.
//! The server runs with `chatml-function-calling`, which needs `tool_choice` sent to use tools at
//! all, cannot stream a round in which the model picks a tool by itself, reports no usage when
//! streaming, and answers a too-long streamed prompt with an empty stream.

mod support;

use std::sync::Arc;
use std::time::Duration;

use adapters_llm::{OpenAiChatModel, OpenAiConfig, ToolChoice};
use domain::analyst::{ChatRequest, ChatTurn, ModelTurn};
use domain::ports::ChatModel;
use domain::tools::{ToolCall, ToolKind, ToolOutput};
use domain::value::Value;

use crate::support::{Recorder, SYSTEM, question, request};

/// The model's name on the server (`--model_alias`).
const MODEL: &str = "smollm2-135m-instruct";
/// The server's context window (`--n_ctx`).
const SERVER_CONTEXT: u32 = 8_192;

fn llama_uri() -> String {
    match std::env::var("LLAMA_URI") {
        Ok(uri) if !uri.trim().is_empty() => uri,
        _ => panic!(
            "LLAMA_URI is not set, so there is no llama.cpp server to run against. Run the tests with `make test`, \
             or start the server with `scripts/llm-test-server.sh start` (it builds llama-cpp-python on first use, \
             several minutes), then `source .test-servers/llm.env` and run `cargo test -p adapters-llm` again"
        ),
    }
}

fn config(tool_choice: ToolChoice) -> OpenAiConfig {
    OpenAiConfig {
        base_url: llama_uri(),
        model: MODEL.into(),
        context_tokens: SERVER_CONTEXT,
        max_output_tokens: 96,
        // Greedy decoding, so a run repeats the last one.
        temperature: Some(0.0),
        tool_choice,
        // The server answers one request at a time and the tests run in parallel, so a request may
        // wait for the others; on 2 cores a prompt of 1 000 tokens takes about 5 s.
        timeout: Duration::from_secs(300),
        first_token_timeout: Duration::from_secs(240),
        ..OpenAiConfig::default()
    }
}

async fn ask(model: &OpenAiChatModel, request: &ChatRequest) -> (ModelTurn, Arc<Recorder>) {
    let recorder = Arc::new(Recorder::default());
    let turn = model.complete(request, recorder.clone()).await.unwrap();
    (turn, recorder)
}

/// A call the server wrote: an offered tool, its arguments a JSON object.
fn assert_recorded(call: &ToolCall, offered: &[ToolKind]) {
    assert!(offered.iter().any(|k| k.name() == call.name), "called {:?}, offered {offered:?}", call.name);
    assert!(!call.id.is_empty());
    assert!(matches!(call.arguments, Value::Object(_)), "arguments {:?}", call.arguments);
}

#[tokio::test]
async fn a_question_with_tools_offered_gets_a_tool_call_or_a_streamed_answer() {
    let model = OpenAiChatModel::new(config(ToolChoice::Auto)).unwrap();
    // Two tools, not all six: their definitions are some 3 000 of the model's tokens, over
    // half a minute of prompt on 2 cores.
    let offered = [ToolKind::BlendedTotals, ToolKind::PlatformSummary];
    let (turn, recorder) =
        ask(&model, &question("What did we spend on ads last month? Use blended_totals.", &offered)).await;
    assert_eq!(turn.model, MODEL, "the server names the model asked for");
    assert!(turn.usage.input > 0 && turn.usage.output > 0, "{:?}", turn.usage);
    assert_eq!(recorder.text(), turn.text, "what reached the client is the answer's text");
    if turn.tool_calls.is_empty() {
        assert!(!turn.text.trim().is_empty());
    } else {
        // The model picked a tool: the server cannot stream that, so the round was asked again
        // without streaming, and its usage is the server's own.
        turn.tool_calls.iter().for_each(|c| assert_recorded(c, &offered));
        assert!(!turn.usage.estimated, "{:?}", turn.usage);
    }
}

#[tokio::test]
async fn a_forced_tool_round_records_the_call_with_its_arguments_parsed() {
    let model = OpenAiChatModel::new(config(ToolChoice::Function("blended_totals".into()))).unwrap();
    let offered = [ToolKind::BlendedTotals, ToolKind::PlatformSummary];
    let (turn, recorder) = ask(&model, &question("What did we spend last month?", &offered)).await;
    assert_eq!(turn.tool_calls.len(), 1, "{turn:?}");
    let call = &turn.tool_calls[0];
    assert_eq!(call.name, "blended_totals");
    assert_recorded(call, &offered);
    // The server constrains the arguments with a grammar built from the tool's JSON Schema, so
    // the required `range` is there.
    assert!(call.arguments.get("range").is_some(), "arguments {:?}", call.arguments);
    // Streamed (the forced call streams), so the usage is counted here.
    assert!(turn.usage.estimated);
    assert!(turn.usage.input > 0 && turn.usage.output > 0);
    assert!(recorder.deltas().is_empty(), "a tool call sends no text: {:?}", recorder.deltas());
}

#[tokio::test]
async fn an_answer_after_a_tool_result_streams_to_the_client() {
    let model = OpenAiChatModel::new(config(ToolChoice::ServerDefault)).unwrap();
    let call = ToolCall {
        id: "call_1".into(),
        name: "blended_totals".into(),
        arguments: Value::object().with("range", Value::object().with("preset", "last_month")),
    };
    // The domain's last round: the call and its result, no tools offered.
    let turns = vec![
        ChatTurn::System(SYSTEM.into()),
        ChatTurn::User("What did we spend last month?".into()),
        ChatTurn::Assistant { text: String::new(), tool_calls: vec![call.clone()] },
        ChatTurn::Tool {
            call_id: call.id,
            output: ToolOutput::Error {
                tool: Some(ToolKind::BlendedTotals),
                message: "no ad platform is connected".into(),
            },
        },
    ];
    let (turn, recorder) = ask(&model, &request(turns, &[])).await;
    assert!(turn.tool_calls.is_empty());
    assert!(!turn.text.trim().is_empty());
    assert!(recorder.deltas().len() > 1, "streamed in pieces: {:?}", recorder.deltas());
    assert_eq!(recorder.text(), turn.text);
    assert!(turn.usage.estimated, "llama-cpp-python reports no usage in streams");
    assert!(turn.usage.input > 20 && turn.usage.output > 0, "{:?}", turn.usage);
}

#[tokio::test]
async fn a_prompt_longer_than_the_servers_window_is_shortened_and_answered() {
    // Configured with twice the server's window, the budget lets through a history the server
    // cannot hold; its error (an empty stream, then a 400 when asked without streaming) halves it.
    // The answer is streamed in pieces.
    let model =
        OpenAiChatModel::new(OpenAiConfig { context_tokens: 2 * SERVER_CONTEXT, ..config(ToolChoice::ServerDefault) })
            .unwrap();
    // An old answer of some 11 000 tokens, over the server's window, and a short recent
    // exchange: half the history drops the old answer, so the retried prompt is short.
    let turns_of = |i: usize, answer: String| {
        [
            ChatTurn::User(format!("Question {i}: how did the campaigns do in week {i}?")),
            ChatTurn::Assistant { text: answer, tool_calls: vec![] },
        ]
    };
    let mut turns = vec![ChatTurn::System(SYSTEM.into())];
    turns.extend(turns_of(0, format!("Week 0: {}", "Spend and clicks held steady. ".repeat(1_800))));
    turns.extend(turns_of(1, "Week 1: spend and clicks held steady.".to_owned()));
    turns.push(ChatTurn::User("Say hello.".into()));
    let (turn, recorder) = ask(&model, &request(turns, &[])).await;
    assert!(!turn.text.trim().is_empty());
    assert_eq!(recorder.text(), turn.text);
    assert!(turn.usage.input < u64::from(SERVER_CONTEXT), "{:?}", turn.usage);
}

#[tokio::test]
async fn a_title_is_written_by_the_server_in_a_small_call() {
    let model = OpenAiChatModel::new(config(ToolChoice::ServerDefault)).unwrap();
    let title =
        model.title("What did we spend on Meta last month?", "You spent $1,234.56 on Meta in October.").await.unwrap();
    if let Some(title) = title {
        assert!(!title.title.is_empty());
        assert!(!title.title.starts_with('"'));
        assert!(!title.usage.estimated, "the non-streamed reply carries the server's usage");
        assert!(title.usage.output <= 16, "{:?}", title.usage);
    }
}
