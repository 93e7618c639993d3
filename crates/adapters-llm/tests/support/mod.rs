//! Helpers shared by the client's test binaries: a sink that records what reaches the client, and
//! requests shaped as the domain's tool loop builds them.

use std::sync::Mutex;

use async_trait::async_trait;
use chrono::NaiveDate;
use domain::analyst::{AnalystContext, AnswerSink, ChatRequest, ChatTurn, ToolTrace};
use domain::dates::ClientTimeZone;
use domain::platform::Platform;
use domain::tools::ToolKind;

/// The system prompt of the test requests.
pub const SYSTEM: &str = "You are Acme Corp's marketing analytics assistant. Use the tools to fetch data; never \
                          invent numbers.";

/// Records every piece of text the model sends to the client.
#[derive(Debug, Default)]
pub struct Recorder {
    deltas: Mutex<Vec<String>>,
}

impl Recorder {
    /// The pieces, in order.
    pub fn deltas(&self) -> Vec<String> {
        self.deltas.lock().unwrap().clone()
    }

    /// The pieces joined.
    pub fn text(&self) -> String {
        self.deltas().concat()
    }
}

#[async_trait]
impl AnswerSink for Recorder {
    async fn delta(&self, text: &str) {
        self.deltas.lock().unwrap().push(text.to_owned());
    }

    async fn tool(&self, _trace: &ToolTrace) {}
}

/// Shows the client's traces when `RUST_LOG` asks for them (`RUST_LOG=adapters_llm=debug`).
pub fn traces() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_ansi(false)
        .with_test_writer()
        .try_init();
}

/// The setting of every test question.
pub fn context() -> AnalystContext {
    AnalystContext {
        client_name: "Acme Corp".into(),
        today: NaiveDate::from_ymd_opt(2026, 11, 15).unwrap(),
        time_zone: ClientTimeZone::UTC,
        demo: true,
        platforms: Platform::ALL.to_vec(),
    }
}

/// The first round of a question, `tools` offered.
pub fn question(text: &str, tools: &[ToolKind]) -> ChatRequest {
    traces();
    request(vec![ChatTurn::System(SYSTEM.into()), ChatTurn::User(text.into())], tools)
}

/// A request of `turns`, `tools` offered.
pub fn request(turns: Vec<ChatTurn>, tools: &[ToolKind]) -> ChatRequest {
    traces();
    ChatRequest { turns, tools: tools.to_vec(), context: context() }
}
