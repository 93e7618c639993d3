//! The offline analyst: a deterministic [`ChatModel`] so that the service answers questions with no
//! API key, in development and in tests.
//!
//! It plays by the same rules as a hosted model, so the domain's tool loop runs unchanged:
//! 1. Asked a question it has no data for yet, it calls the `get_client_data` tool once (call id
//!    `call_1`) for the platforms the question is about (all of them when it names none).
//! 2. Given the tool's result, it answers from those figures only: the intent of the question is read
//!    with keyword tables (module `intent`), the figures are read or derived from the view (module
//!    `figures`), and the answer is written for people (modules `answer` and `format`). It says so
//!    plainly when it cannot answer, and never states a number that the figures do not hold or imply.
//!
//! The answer is streamed to the [`DeltaSink`] a few words at a time, and the usage reported is an
//! estimate ([`estimate_tokens`]) of what a hosted model would have read and written.

mod answer;
mod figures;
mod format;
mod intent;
mod render;

use std::sync::Arc;

use async_trait::async_trait;
use domain::analyst::{
    ChatRequest, ChatTurn, ClientDataView, DeltaSink, ModelReply, ModelTurn, TokenUsage, ToolCall, ToolKind,
    ToolOutput, ToolRequest, estimate_tokens,
};
use domain::ports::{ChatModel, ChatModelError};

use crate::offline::intent::Question;

/// The model name the offline analyst reports; it is not in any price table, so its answers cost 0.
pub const MODEL_NAME: &str = "offline-analyst";

/// The id of the offline analyst's only tool call in a round.
const TOOL_CALL_ID: &str = "call_1";

/// Words per streamed piece of an answer.
const WORDS_PER_DELTA: usize = 4;

/// A deterministic analyst that answers from the client's figures without any API: the same request
/// always gets the same reply.
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineAnalyst;

impl OfflineAnalyst {
    /// The analyst.
    pub const fn new() -> Self {
        Self
    }

    /// The model's turn for `request`, without streaming: a `get_client_data` call when the last
    /// question has no tool result after it yet, otherwise the answer to that question.
    pub fn reply(&self, request: &ChatRequest) -> ModelTurn {
        let last_user = request.turns.iter().rposition(|t| matches!(t, ChatTurn::User(_)));
        let question_text = match last_user.map(|i| &request.turns[i]) {
            Some(ChatTurn::User(text)) => Some(text.as_str()),
            _ => None,
        };
        let after_question = &request.turns[last_user.map_or(0, |i| i + 1)..];
        let views: Vec<&ClientDataView> = after_question
            .iter()
            .filter_map(|t| match t {
                ChatTurn::Tool { output: ToolOutput::ClientData(view), .. } => Some(view),
                _ => None,
            })
            .collect();
        let input = estimate_tokens(&render::request(request));

        let reply = match question_text {
            Some(text) if views.is_empty() && request.tools.contains(&ToolKind::ClientData) => {
                let question = Question::parse(text);
                ModelReply::ToolCalls(vec![ToolCall {
                    id: TOOL_CALL_ID.to_owned(),
                    request: ToolRequest::ClientData { platforms: question.tool_platforms() },
                }])
            }
            Some(_) if views.is_empty() => ModelReply::Answer(
                "I can't look at the client's figures right now, so I can't answer with numbers. Please try again \
                 later."
                    .to_owned(),
            ),
            Some(text) => ModelReply::Answer(answer::compose(&Question::parse(text), &merge(&views))),
            None => ModelReply::Answer(
                "I didn't get a question. Ask me about the client's spend, clicks, conversions, campaigns or \
                 website traffic."
                    .to_owned(),
            ),
        };
        let output = match &reply {
            ModelReply::Answer(text) => estimate_tokens(text),
            ModelReply::ToolCalls(calls) => estimate_tokens(&render::tool_calls_text(calls)),
        };
        ModelTurn { reply, usage: TokenUsage { input, output }, model: MODEL_NAME.to_owned() }
    }
}

#[async_trait]
impl ChatModel for OfflineAnalyst {
    async fn complete(&self, request: &ChatRequest, deltas: Arc<dyn DeltaSink>) -> Result<ModelTurn, ChatModelError> {
        let turn = self.reply(request);
        if let ModelReply::Answer(text) = &turn.reply {
            for piece in pieces(text) {
                deltas.delta(piece);
            }
        }
        Ok(turn)
    }
}

/// The figures of every tool result of the round as one view; the first result for a platform wins.
fn merge(views: &[&ClientDataView]) -> ClientDataView {
    let mut merged = ClientDataView {
        client_name: views.first().map(|v| v.client_name.clone()).unwrap_or_default(),
        demo: views.iter().any(|v| v.demo),
        sources: Vec::new(),
    };
    for source in views.iter().flat_map(|v| &v.sources) {
        if !merged.sources.iter().any(|s| s.data.platform() == source.data.platform()) {
            merged.sources.push(source.clone());
        }
    }
    merged
}

/// Splits a text into pieces of a few words, each keeping the whitespace after it, so that the
/// pieces put together give back the text exactly.
fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut end, mut words) = (0, 0, 0);
    for part in text.split_inclusive(char::is_whitespace) {
        end += part.len();
        if !part.trim().is_empty() {
            words += 1;
        }
        if words == WORDS_PER_DELTA {
            out.push(&text[start..end]);
            (start, words) = (end, 0);
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

#[cfg(test)]
mod tests;
