//! The offline analyst: a deterministic [`ChatModel`] so that the service answers questions with no
//! API key, in development and in tests.
//!
//! It plays by the same rules as a hosted model, so the domain's tool loop runs unchanged:
//! 1. Asked a question with no tool result after it yet, it reads the question with keyword tables
//!    (module `intent`, period words in module `period`) and calls the tools that answer it
//!    (module `plan`), several in one round when needed, ids `call_1`, `call_2`, ... A question the
//!    tools cannot answer (small talk, a figure no platform reports, a platform not connected, a
//!    period not started) is answered at once, plainly.
//! 2. Given the results, it answers from their typed figures (module `answer`, written for people
//!    with module `format`): the absolute dates they cover, demo data and freshness, missing days,
//!    currencies, and only figures the results hold or a change between two of them.
//!
//! The answer is streamed to the [`AnswerSink`] a few words at a time, and the usage reported is an
//! estimate ([`estimate_tokens`]) of what a hosted model would have read and written.

mod answer;
mod format;
mod intent;
mod period;
mod plan;
mod render;

use std::sync::Arc;

use async_trait::async_trait;
use domain::analyst::{AnswerSink, ChatRequest, ChatTurn, ModelTurn, TokenUsage, estimate_tokens};
use domain::ports::{ChatModel, ChatModelError};
use domain::tools::{ToolCall, ToolOutput};

use crate::offline::answer::Outcome;
use crate::offline::intent::Question;
use crate::offline::plan::Purpose;

/// The model name the offline analyst reports; it is not in any price table, so its answers cost 0.
pub const MODEL_NAME: &str = "offline-analyst";

/// Words per streamed piece of an answer.
const WORDS_PER_DELTA: usize = 4;

/// A deterministic analyst that answers from the tools' results without any API: the same request
/// always gets the same reply.
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineAnalyst;

impl OfflineAnalyst {
    /// The analyst.
    pub const fn new() -> Self {
        Self
    }

    /// The model's turn for `request`, without streaming: tool calls when the last question has no
    /// tool result after it yet and needs figures, otherwise the answer to that question.
    pub fn reply(&self, request: &ChatRequest) -> ModelTurn {
        // As `estimate_tokens` counts: four characters a token.
        let input = render::request_chars(request).div_ceil(4);
        let (text, tool_calls) = match request.turns.iter().rposition(|t| matches!(t, ChatTurn::User(_))) {
            Some(at) => respond(request, at),
            None => (
                "I didn't get a question. Ask me about the client's spend, clicks, conversions, campaigns or \
                 website traffic, for any period."
                    .to_owned(),
                Vec::new(),
            ),
        };
        // As `estimate_tokens` counts the calls' text, without writing it.
        let output = if tool_calls.is_empty() {
            estimate_tokens(&text)
        } else {
            render::tool_calls_chars(&tool_calls).div_ceil(4)
        };
        ModelTurn {
            text,
            tool_calls,
            usage: TokenUsage { input, output, estimated: true },
            model: MODEL_NAME.to_owned(),
        }
    }
}

#[async_trait]
impl ChatModel for OfflineAnalyst {
    async fn complete(&self, request: &ChatRequest, sink: Arc<dyn AnswerSink>) -> Result<ModelTurn, ChatModelError> {
        let turn = self.reply(request);
        if turn.tool_calls.is_empty() {
            for piece in pieces(&turn.text) {
                sink.delta(piece).await;
            }
        }
        Ok(turn)
    }
}

/// The question of the user turn at `at`; a follow-up of only a period ("and the month before?")
/// is about what the latest earlier question with a subject was about.
fn question_at(turns: &[ChatTurn], at: usize) -> Question {
    let ChatTurn::User(text) = &turns[at] else { return Question::default() };
    let question = Question::parse(text);
    if !question.is_follow_up() {
        return question;
    }
    let earlier = turns[..at].iter().rev().find_map(|t| match t {
        ChatTurn::User(text) => Some(Question::parse(text)).filter(Question::has_subject),
        _ => None,
    });
    match earlier {
        Some(earlier) => question.about(&earlier),
        None => question,
    }
}

/// The reply to the question at `at`: its text, and the tool calls when figures are still needed.
fn respond(request: &ChatRequest, at: usize) -> (String, Vec<ToolCall>) {
    let question = question_at(&request.turns, at);
    let plan = plan::plan(&question, &request.context);
    let after = &request.turns[at + 1..];
    let asked: Vec<&ToolCall> = after
        .iter()
        .flat_map(|t| match t {
            ChatTurn::Assistant { tool_calls, .. } => tool_calls.as_slice(),
            _ => &[],
        })
        .collect();
    let results: Vec<(&str, &ToolOutput)> = after
        .iter()
        .filter_map(|t| match t {
            ChatTurn::Tool { call_id, output } => Some((call_id.as_str(), output)),
            _ => None,
        })
        .collect();
    if results.is_empty() {
        if plan.calls.is_empty() {
            return (answer::without_figures(&question, &plan, &request.context), Vec::new());
        }
        let calls: Vec<ToolCall> =
            plan.calls.iter().filter(|c| request.tools.contains(&c.request.kind())).map(plan::Planned::call).collect();
        if calls.is_empty() {
            return (
                "I can't look at the client's figures right now, so I can't answer with numbers. Please try again \
                 later."
                    .to_owned(),
                Vec::new(),
            );
        }
        return (String::new(), calls);
    }
    // Each result is read for the purpose its call was planned with, when the call is the one
    // planned; a result of any other call is read by the kind of figures it holds.
    let purposes: Vec<Purpose> = results
        .iter()
        .map(|(id, output)| {
            let planned = plan
                .calls
                .iter()
                .find(|c| c.id == *id)
                .filter(|c| asked.iter().find(|a| a.id == *id).is_none_or(|a| **a == c.call()));
            match (planned, output.data()) {
                (Some(p), Some(data)) if answer::fits(&p.purpose, data) => p.purpose.clone(),
                (_, Some(data)) => answer::purpose_of(data),
                (Some(p), None) => p.purpose.clone(),
                (None, None) => Purpose::Totals { metrics: vec![] },
            }
        })
        .collect();
    let outcomes: Vec<Outcome<'_>> =
        results.iter().zip(&purposes).map(|((id, output), purpose)| Outcome { id, purpose, output }).collect();
    (answer::compose(&plan, &request.context, &outcomes), Vec::new())
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
