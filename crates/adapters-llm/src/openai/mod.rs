//! A chat model on any OpenAI-compatible Chat Completions server: OpenAI, Azure OpenAI's v1 API,
//! Ollama, vLLM, llama.cpp's servers, LiteLLM.
//!
//! Each round is streamed (`stream: true`, usage requested), its text passed to the
//! [`AnswerSink`] as it arrives and its tool calls assembled from their pieces. What is sent is
//! what every such server accepts; what comes back is read tolerantly (see `assemble`). Where a
//! server cannot stream a round that offers tools (an error status, an empty stream, tool calls
//! written as text), the round is asked again without streaming and its text sent as one piece;
//! the model remembers this and stops streaming such rounds. The prompt is cut to the context
//! budget with a real tokenizer; failures are retried with backoff (never after text reached the
//! client) and mapped to [`ChatModelError`].

mod assemble;
mod budget;
mod config;
mod failure;
mod json;
mod prices;
mod tokens;
mod wire;

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hasher;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use backon::{ExponentialBuilder, Retryable};
use domain::analyst::{AnswerSink, ChatRequest, ModelTurn, TitleTurn, TokenUsage};
use domain::ports::{ChatModel, ChatModelError};
use domain::tools::ToolKind;
use domain::value::Value;
use eventsource_stream::{EventStreamError, Eventsource};
use futures::StreamExt;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde_json::value::RawValue;
use tokio::time::{Instant, timeout_at};

use crate::openai::assemble::{Assembler, TextGate, is_tool_call_text};
use crate::openai::budget::{Prompt, Window};
use crate::openai::config::Settings;
pub use crate::openai::config::{OpenAiConfig, OpenAiConfigError, ToolChoice};
use crate::openai::failure::{Failure, from_status, short};
use crate::openai::json::WireValue;
pub use crate::openai::prices::{PriceParseError, parse_prices};
use crate::openai::tokens::{PER_MESSAGE, REPLY_PRIMING, Tokenizer};
use crate::openai::wire::{
    ChatBody, Chunk, Completion, FunctionName, Message, StreamOptions, ToolChoiceWire, ToolDef, Usage, error_parts,
};

/// Most tokens of a generated title.
const TITLE_MAX_TOKENS: u32 = 16;
/// Most characters of the answer shown to the model when it writes a title.
const TITLE_ANSWER_CHARS: usize = 1_200;
/// The longest wait between two retries, before jitter.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(8);
/// The longest wait for a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often an HTTP/2 connection is pinged, and how long a ping may go unanswered.
const HTTP2_PING: Duration = Duration::from_secs(20);

const TITLE_PROMPT: &str = "You write titles for conversations between a marketing agency and its analytics \
                            assistant. Reply with a title of at most six words for the conversation below: no \
                            quotes, no full stop, nothing else.";

/// A chat model served by an OpenAI-compatible Chat Completions API.
#[derive(Debug)]
pub struct OpenAiChatModel {
    settings: Settings,
    http: reqwest::Client,
    tokenizer: Tokenizer,
    /// Set once the server has shown that it cannot stream rounds that offer tools.
    unstreamed_tools: AtomicBool,
    /// Each set of tools offered, with its definitions written out and counted: the same every
    /// round, so built once, not per request (they were most of a round's own work).
    tool_sets: Mutex<HashMap<Vec<ToolKind>, Arc<ToolSet>>>,
    /// The budget's token count of each message text seen lately, by a hash of the text: a
    /// conversation's history is the same every round and every question, and counting it with
    /// the tokenizer was most of what remained of a round's own work.
    message_tokens: quick_cache::sync::Cache<u64, u64>,
}

/// How many message texts keep their token count (about 40 bytes each).
const MESSAGE_TOKENS_CACHED: usize = 65_536;

/// A set of tools as offered to the model.
#[derive(Debug)]
struct ToolSet {
    defs: Vec<ToolDef>,
    /// `defs` as JSON, written once.
    json: Option<Box<RawValue>>,
    /// The budget's bound on `json`'s tokens, by its length.
    bound: u64,
    /// `json`'s tokens, counted when first needed.
    tokens: OnceLock<ToolTokens>,
}

impl ToolSet {
    /// The definitions' tokens, counted with `tokenizer` the first time.
    fn tokens(&self, tokenizer: Tokenizer) -> ToolTokens {
        *self.tokens.get_or_init(|| {
            let text = self.json.as_ref().map_or("", |json| json.get());
            ToolTokens { count: tokenizer.count(text), budget: tokenizer.budget_count(text) }
        })
    }
}

/// The tokens of a set of tool definitions: as counted (for the usage estimate) and as budgeted.
#[derive(Debug, Clone, Copy)]
struct ToolTokens {
    count: u64,
    budget: u64,
}

/// One request's outcome: the answer so far, or why it failed.
type Attempt = Result<Assembler, Failure>;

impl OpenAiChatModel {
    /// A model that talks to the server `config` describes. Nothing is sent yet.
    ///
    /// # Errors
    ///
    /// [`OpenAiConfigError`] naming the setting that cannot be used: a base URL that is not an
    /// http(s) URL (or carries credentials, a query or a fragment), an empty model, zero limits or
    /// timeouts, an answer's room that fills the context window, a key no header can carry.
    pub fn new(config: OpenAiConfig) -> Result<Self, OpenAiConfigError> {
        let settings = Settings::check(config)?;
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT.min(settings.config.timeout))
            .user_agent(concat!("chatbot-adapters-llm/", env!("CARGO_PKG_VERSION")));
        let http = if settings.config.http2 {
            // One connection carries every call, so a dead one is noticed by pings, not by timeouts.
            http.http2_prior_knowledge()
                .http2_keep_alive_interval(HTTP2_PING)
                .http2_keep_alive_timeout(HTTP2_PING)
                .http2_keep_alive_while_idle(true)
        } else {
            http.http1_only()
        };
        let http = http.build().map_err(|e| OpenAiConfigError::HttpClient(e.to_string()))?;
        let tokenizer = Tokenizer::for_model(&settings.config.model);
        Ok(Self {
            settings,
            http,
            tokenizer,
            unstreamed_tools: AtomicBool::new(false),
            tool_sets: Mutex::default(),
            message_tokens: quick_cache::sync::Cache::new(MESSAGE_TOKENS_CACHED),
        })
    }

    fn config(&self) -> &OpenAiConfig {
        &self.settings.config
    }

    /// The definitions of `tools` as sent, with their tokens; built once per set.
    fn tool_set(&self, tools: &[ToolKind]) -> Arc<ToolSet> {
        let mut cache = self.tool_sets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(cache.entry(tools.to_vec()).or_insert_with(|| {
            let defs: Vec<ToolDef> = tools.iter().copied().map(ToolDef::of).collect();
            let json = if defs.is_empty() { None } else { serde_json::value::to_raw_value(&defs).ok() };
            let bound = self.tokenizer.budget_bound(json.as_ref().map_or(0, |json| json.get().len()));
            Arc::new(ToolSet { defs, json, bound, tokens: OnceLock::new() })
        }))
    }

    /// How many message texts have their count kept.
    #[cfg(test)]
    fn message_tokens_cached(&self) -> usize {
        self.message_tokens.len()
    }

    /// The budget's bound on the tokens of `message`, by its length.
    fn message_bound(&self, message: &Message) -> u64 {
        PER_MESSAGE + self.tokenizer.budget_bound(message.token_text_len())
    }

    /// The budget's tokens of `message`, counted once per text.
    fn message_tokens(&self, message: &Message) -> u64 {
        let mut hasher = std::hash::DefaultHasher::new();
        message.hash_token_text(&mut hasher);
        let key = hasher.finish();
        if let Some(tokens) = self.message_tokens.get(&key) {
            return tokens;
        }
        let tokens = PER_MESSAGE + self.tokenizer.budget_count(&message.token_text());
        self.message_tokens.insert(key, tokens);
        tokens
    }

    /// Answers one round within `deadline`.
    async fn answer(
        &self,
        request: &ChatRequest,
        sink: &dyn AnswerSink,
        deadline: Instant,
    ) -> Result<ModelTurn, Failure> {
        let tools = self.tool_set(&request.tools);
        // Bounded by length first: a prompt whose every byte could be a token and still fits is
        // sent whole without counting it (nor building the tokenizer's tables, about 40 MB).
        let mut fit = Fit { counted: false, history_budget: None };
        let mut shrunk = false;
        loop {
            let stream = tools.defs.is_empty() || !self.unstreamed_tools.load(Ordering::Relaxed);
            let mut first = self.write_request(request, &tools, fit, stream);
            if !fit.counted && first.dropped > 0 {
                // Not everything fits by length: count it.
                fit.counted = true;
                first = self.write_request(request, &tools, fit, stream);
            }
            let (messages, dropped, history_tokens) = (first.messages, first.dropped, first.history_tokens);
            tracing::debug!(
                messages,
                dropped,
                prompt_tokens = first.prompt_tokens,
                counted = if fit.counted { self.tokenizer.name() } else { "bytes, an upper bound" },
                "prompt fitted to the context budget"
            );
            match self.round(request, &tools, fit, first, sink, deadline).await {
                Ok(answer) => return Ok(self.turn(&answer, request, &tools, fit, messages, dropped)),
                Err(Failure::ContextLength) if !shrunk && history_tokens > 0 => {}
                Err(failure) => return Err(failure),
            }
            // The server's window is smaller than configured: halve the history as counted, once.
            // An uncounted prompt sent all its history, which is all that fits by the count too.
            shrunk = true;
            let history_tokens = if fit.counted {
                history_tokens
            } else {
                self.with_window(request, &tools, Fit { counted: true, history_budget: None }, |w| w.history_tokens)
            };
            fit = Fit { counted: true, history_budget: Some(history_tokens / 2) };
            tracing::warn!(
                history_tokens,
                "the provider reported the prompt too long for its context window; retrying with half the history"
            );
        }
    }

    /// Fits the prompt of `request` to the context window as `fit` says and hands the messages
    /// chosen to `use_window`. Built again for each use, so that nothing of it is kept while an
    /// answer streams (a round after tools holds their results written out).
    fn with_window<R>(
        &self,
        request: &ChatRequest,
        tools: &ToolSet,
        fit: Fit,
        use_window: impl FnOnce(&Window<'_>) -> R,
    ) -> R {
        let messages = request.turns.iter().map(Message::from_turn).collect();
        let prompt = if fit.counted {
            Prompt::new(messages, |message| self.message_tokens(message))
        } else {
            Prompt::new(messages, |message| self.message_bound(message))
        };
        let tool_tokens = if fit.counted { tools.tokens(self.tokenizer).budget } else { tools.bound };
        let room = u64::from(self.config().context_tokens - self.config().max_output_tokens);
        let history_budget =
            fit.history_budget.unwrap_or_else(|| room.saturating_sub(prompt.fixed_tokens() + tool_tokens));
        use_window(&prompt.window(history_budget, tool_tokens))
    }

    /// A request for `request`'s prompt, fitted as `fit` says, with what it sends: a round's first,
    /// or (its body only) a retry's.
    fn write_request(&self, request: &ChatRequest, tools: &ToolSet, fit: Fit, stream: bool) -> WrittenRequest {
        self.with_window(request, tools, fit, |window| WrittenRequest {
            body: write_json(&self.body(&window.messages, tools, stream, self.config().max_output_tokens)),
            stream,
            messages: window.messages.len(),
            dropped: window.dropped,
            prompt_tokens: window.prompt_tokens,
            history_tokens: window.history_tokens,
        })
    }

    /// One round, starting with `first`: streamed, or asked again without streaming where
    /// streaming cannot work. Each later attempt writes its own request body.
    async fn round(
        &self,
        request: &ChatRequest,
        tools: &ToolSet,
        fit: Fit,
        first: WrittenRequest,
        sink: &dyn AnswerSink,
        deadline: Instant,
    ) -> Attempt {
        let delta_sent = &AtomicBool::new(false);
        let offers_tools = !tools.defs.is_empty();
        let mut learned = false;
        let mut first_body = Some(first.body);
        if first.stream {
            let streamed = self
                .with_retries(deadline, delta_sent, |attempt| {
                    let body = first_body.take().unwrap_or_else(|| self.write_request(request, tools, fit, true).body);
                    async move { self.streamed(body?, &tools.defs, sink, delta_sent, attempt).await }
                })
                .await;
            match streamed {
                Ok(answer) => return Ok(answer),
                // Nothing reached the client, so asking again is safe. An empty stream is also how
                // llama-cpp-python reports any error (even a too-long prompt) once it has started
                // streaming, so a round without tools that gets one is asked again as well.
                Err(failure)
                    if !delta_sent.load(Ordering::Relaxed)
                        && ((offers_tools && failure.unstreamed_may_help())
                            || matches!(failure, Failure::NoEvents)) =>
                {
                    tracing::warn!(
                        failure = failure.kind(),
                        tools = offers_tools,
                        "streaming failed; asking again without streaming"
                    );
                    learned = offers_tools && failure.streaming_with_tools_unsupported();
                }
                Err(failure) => return Err(failure),
            }
        }
        let answer = self
            .with_retries(deadline, delta_sent, |attempt| {
                let written = first_body.take().filter(|_| !first.stream);
                let body = written.unwrap_or_else(|| self.write_request(request, tools, fit, false).body);
                async move { self.unstreamed(body?, attempt).await }
            })
            .await?;
        if learned && !self.unstreamed_tools.swap(true, Ordering::Relaxed) {
            tracing::info!("the provider cannot stream rounds that offer tools; such rounds are no longer streamed");
        }
        if !answer.text.is_empty() {
            sink.delta(&answer.text).await;
        }
        Ok(answer)
    }

    /// Runs `attempt` until it succeeds, fails for good, a delta has reached the client, the
    /// attempts are used up or the next wait would pass `deadline`.
    async fn with_retries<F, Fut>(&self, deadline: Instant, delta_sent: &AtomicBool, mut attempt: F) -> Attempt
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Attempt>,
    {
        let count = AtomicU32::new(0);
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.config().retry_delay)
            .with_max_delay(MAX_RETRY_DELAY)
            .with_factor(2.0)
            .with_jitter()
            .with_max_times(self.config().max_attempts.saturating_sub(1) as usize);
        let run = || attempt(count.fetch_add(1, Ordering::Relaxed) + 1);
        run.retry(backoff)
            .when(|failure: &Failure| failure.retryable() && !delta_sent.load(Ordering::Relaxed))
            .adjust(|failure: &Failure, next: Option<Duration>| {
                // `next` is `None` once the attempts are used up; a Retry-After replaces the
                // backoff's own wait, and no wait may run past the call's deadline.
                let wait = failure.retry_after().unwrap_or(next?);
                (Instant::now() + wait < deadline).then_some(wait)
            })
            .notify(|failure: &Failure, wait: Duration| {
                tracing::warn!(failure = failure.kind(), wait_ms = wait.as_millis(), "retrying the model request");
            })
            .await
    }

    /// The request body.
    fn body<'a>(
        &'a self,
        messages: &'a [&'a Message<'a>],
        tools: &'a ToolSet,
        stream: bool,
        max_tokens: u32,
    ) -> ChatBody<'a> {
        let tool_choice = if tools.defs.is_empty() {
            None
        } else {
            match &self.config().tool_choice {
                ToolChoice::Auto => Some(ToolChoiceWire::Mode("auto")),
                // Naming a function that is not offered is an error on every server.
                ToolChoice::Function(name) if tools.defs.iter().any(|t| t.name() == name) => {
                    Some(ToolChoiceWire::Function { kind: "function", function: FunctionName { name } })
                }
                ToolChoice::ServerDefault | ToolChoice::Function(_) => None,
            }
        };
        ChatBody {
            model: &self.config().model,
            messages,
            tools: tools.json.as_deref(),
            tool_choice,
            max_tokens,
            temperature: self.config().temperature,
            stream,
            stream_options: stream.then_some(StreamOptions { include_usage: true }),
        }
    }

    fn post(&self, body: String, stream: bool) -> reqwest::RequestBuilder {
        let mut request =
            self.http.post(self.settings.endpoint.clone()).header(CONTENT_TYPE, "application/json").body(body);
        if let Some(authorization) = &self.settings.authorization {
            request = request.header(AUTHORIZATION, authorization.clone());
        }
        if stream {
            request = request.header(ACCEPT, "text/event-stream");
        }
        request
    }

    /// One streamed request.
    #[tracing::instrument(name = "openai.stream", level = "debug", skip_all, fields(attempt))]
    async fn streamed(
        &self,
        body: String,
        tools: &[ToolDef],
        sink: &dyn AnswerSink,
        delta_sent: &AtomicBool,
        attempt: u32,
    ) -> Attempt {
        let first_deadline = Instant::now() + self.config().first_token_timeout;
        let response = match timeout_at(first_deadline, self.post(body, true).send()).await {
            Err(_) => return Err(Failure::FirstTokenTimeout),
            Ok(Err(e)) => return Err(Failure::Connect(describe(&e))),
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        if !status.is_success() {
            let headers = response.headers().clone();
            let text = response.text().await.unwrap_or_default();
            return Err(from_status(status, &headers, &text));
        }
        let tool_names: Vec<&str> = tools.iter().map(ToolDef::name).collect();
        let mut gate = if tools.is_empty() { TextGate::passing() } else { TextGate::default() };
        let mut answer = Assembler::default();
        let is_json = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.contains("json") && !t.contains("event-stream"));
        if is_json {
            // The server ignored `stream: true` and answered in one piece.
            let text = timeout_at(first_deadline, response.text())
                .await
                .map_err(|_| Failure::FirstTokenTimeout)?
                .map_err(|e| Failure::Connect(describe(&e)))?;
            absorb_completion(&mut answer, &text)?;
            if let Some(piece) = gate.push(&answer.text.clone()) {
                send(sink, delta_sent, &piece).await;
            }
        } else {
            let mut events = response.bytes_stream().eventsource();
            let mut any_event = false;
            loop {
                // The event and its chunk are read in this block, so that the stream's state does
                // not keep them (or room for them) while a piece waits for the client.
                let read = {
                    let next = if any_event {
                        events.next().await
                    } else {
                        timeout_at(first_deadline, events.next()).await.map_err(|_| Failure::FirstTokenTimeout)?
                    };
                    match next {
                        None => break,
                        Some(Ok(event)) => absorb_event(&mut answer, &mut gate, &event)?,
                        Some(Err(EventStreamError::Transport(e))) => {
                            return Err(if delta_sent.load(Ordering::Relaxed) {
                                Failure::Cut
                            } else {
                                Failure::Connect(describe(&e))
                            });
                        }
                        Some(Err(e)) => return Err(Failure::Malformed(short(&e.to_string()))),
                    }
                };
                match read {
                    Read::Nothing => {}
                    Read::Done => {
                        any_event = true;
                        break;
                    }
                    Read::Chunk(piece) => {
                        any_event = true;
                        if let Some(piece) = piece {
                            send(sink, delta_sent, &piece).await;
                        }
                    }
                }
            }
            if !any_event {
                return Err(Failure::NoEvents);
            }
            if answer.finish_reason.is_none() {
                return Err(Failure::Cut);
            }
        }
        if answer.is_empty() {
            return Err(Failure::Empty);
        }
        if let Some(held) = gate.finish() {
            if answer.tool_calls().is_empty() && is_tool_call_text(&held, &tool_names) {
                return Err(Failure::ToolCallsAsText);
            }
            send(sink, delta_sent, &held).await;
        }
        tracing::debug!(attempt, finish_reason = answer.finish_reason.as_deref(), "streamed round complete");
        Ok(answer)
    }

    /// One request without streaming.
    #[tracing::instrument(name = "openai.request", level = "debug", skip_all, fields(attempt))]
    async fn unstreamed(&self, body: String, attempt: u32) -> Attempt {
        let response = self.post(body, false).send().await.map_err(|e| Failure::Connect(describe(&e)))?;
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.map_err(|e| Failure::Connect(describe(&e)))?;
        if !status.is_success() {
            return Err(from_status(status, &headers, &text));
        }
        let mut answer = Assembler::default();
        absorb_completion(&mut answer, &text)?;
        if answer.is_empty() {
            return Err(Failure::Empty);
        }
        tracing::debug!(attempt, finish_reason = answer.finish_reason.as_deref(), "round complete");
        Ok(answer)
    }

    /// The domain's turn from a round's answer, with the provider's usage or an estimate.
    fn turn(
        &self,
        answer: &Assembler,
        request: &ChatRequest,
        tools: &ToolSet,
        fit: Fit,
        window_messages: usize,
        dropped_messages: usize,
    ) -> ModelTurn {
        let tool_calls = answer.tool_calls();
        let usage = self.usage(
            answer.usage,
            || {
                let messages: u64 = self.with_window(request, tools, fit, |window| {
                    window.messages.iter().map(|m| PER_MESSAGE + self.tokenizer.count(&m.token_text())).sum()
                });
                messages + tools.tokens(self.tokenizer).count + REPLY_PRIMING
            },
            &answer.output_text(),
        );
        let model = answer.model.clone().unwrap_or_else(|| self.config().model.clone());
        if answer.finish_reason.as_deref() == Some("length") {
            tracing::warn!("the answer was cut at the output limit");
        }
        tracing::info!(
            model = %model,
            input_tokens = usage.input,
            output_tokens = usage.output,
            estimated = usage.estimated,
            tool_calls = tool_calls.len(),
            window_messages,
            dropped_messages,
            "model round answered"
        );
        ModelTurn { text: answer.text.clone(), tool_calls, usage, model }
    }

    /// The provider's token counts, counted with the tokenizer where it gave none.
    fn usage(&self, reported: Option<Usage>, input: impl FnOnce() -> u64, output_text: &str) -> TokenUsage {
        let reported = reported.unwrap_or_default();
        match (reported.prompt_tokens, reported.completion_tokens) {
            (Some(input), Some(output)) => TokenUsage { input, output, estimated: false },
            (given_input, given_output) => TokenUsage {
                input: given_input.unwrap_or_else(input),
                output: given_output.unwrap_or_else(|| self.tokenizer.count(output_text)),
                estimated: true,
            },
        }
    }

    async fn write_title(&self, question: &str, answer: &str, deadline: Instant) -> Result<Option<TitleTurn>, Failure> {
        let excerpt: String = answer.chars().take(TITLE_ANSWER_CHARS).collect();
        let messages = [
            Message::System { content: TITLE_PROMPT.into() },
            Message::User { content: format!("Question: {}\n\nAnswer: {}", question.trim(), excerpt.trim()).into() },
        ];
        let no_tools = self.tool_set(&[]);
        let sent = messages.each_ref();
        let body = write_json(&self.body(&sent, &no_tools, false, TITLE_MAX_TOKENS))?;
        let delta_sent = AtomicBool::new(false);
        let reply =
            match self.with_retries(deadline, &delta_sent, |attempt| self.unstreamed(body.clone(), attempt)).await {
                // No title is no failure: the domain keeps its own.
                Err(Failure::Empty | Failure::NoEvents) => return Ok(None),
                other => other?,
            };
        let usage = self.usage(
            reply.usage,
            || {
                messages.iter().map(|m| PER_MESSAGE + self.tokenizer.count(&m.token_text())).sum::<u64>()
                    + REPLY_PRIMING
            },
            &reply.text,
        );
        let model = reply.model.clone().unwrap_or_else(|| self.config().model.clone());
        Ok(clean_title(&reply.text).map(|title| TitleTurn { title, usage, model }))
    }
}

/// How a request's prompt is fitted to the context window.
#[derive(Debug, Clone, Copy)]
struct Fit {
    /// Counted with the tokenizer; otherwise bounded by length, which is enough while all fits.
    counted: bool,
    /// Tokens of earlier turns to send; `None`: as many as the window holds.
    history_budget: Option<u64>,
}

/// A request written out: its body, written while its prompt was fitted, and what it sends.
struct WrittenRequest {
    body: Result<String, Failure>,
    /// Whether the body asks for a stream.
    stream: bool,
    messages: usize,
    dropped: usize,
    prompt_tokens: u64,
    history_tokens: u64,
}

/// A request body written out.
fn write_json(body: &ChatBody<'_>) -> Result<String, Failure> {
    serde_json::to_string(body).map_err(|e| Failure::Malformed(format!("the request could not be written: {e}")))
}

/// A transport error with its causes ("error sending request … : connection refused"): reqwest's
/// own message leaves them out.
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    short(&text)
}

/// Passes `piece` to the client and notes that something reached it.
async fn send(sink: &dyn AnswerSink, delta_sent: &AtomicBool, piece: &str) {
    if piece.is_empty() {
        return;
    }
    delta_sent.store(true, Ordering::Relaxed);
    sink.delta(piece).await;
}

/// What one event of a stream held.
enum Read {
    /// No data: not an event.
    Nothing,
    /// `[DONE]`.
    Done,
    /// A chunk, read into the answer, with the text it lets through to the client.
    Chunk(Option<String>),
}

/// Reads one streamed event into `answer`, passing its text through `gate`.
fn absorb_event(
    answer: &mut Assembler,
    gate: &mut TextGate,
    event: &eventsource_stream::Event,
) -> Result<Read, Failure> {
    let data = event.data.trim();
    if data.is_empty() {
        return Ok(Read::Nothing);
    }
    if data == "[DONE]" {
        return Ok(Read::Done);
    }
    if event.event == "error" {
        return Err(Failure::Reported(short(data)));
    }
    let chunk: Chunk = serde_json::from_str(data).map_err(|e| Failure::Malformed(e.to_string()))?;
    if let Some(error) = chunk.error {
        return Err(reported(error));
    }
    answer.model(chunk.model.as_deref());
    answer.usage(chunk.usage);
    let mut passed: Option<String> = None;
    for choice in chunk.choices.unwrap_or_default() {
        if let Some(piece) = answer.choice(choice).and_then(|text| gate.push(&text)) {
            passed.get_or_insert_default().push_str(&piece);
        }
    }
    Ok(Read::Chunk(passed))
}

/// Reads a whole `chat.completion` body into `answer`.
fn absorb_completion(answer: &mut Assembler, text: &str) -> Result<(), Failure> {
    if text.trim().is_empty() {
        return Err(Failure::NoEvents);
    }
    let completion: Completion = serde_json::from_str(text).map_err(|e| Failure::Malformed(e.to_string()))?;
    if let Some(error) = completion.error {
        return Err(reported(error));
    }
    answer.model(completion.model.as_deref());
    answer.usage(completion.usage);
    for choice in completion.choices.unwrap_or_default() {
        answer.choice(choice);
    }
    Ok(())
}

/// The failure an `error` field inside a 200 reports.
fn reported(error: WireValue) -> Failure {
    let (message, _) = error_parts(&Value::object().with("error", error.0));
    Failure::Reported(short(message.as_deref().unwrap_or("no message")))
}

/// The title in a model's reply: its first line, without a "Title:" label, quotes, Markdown marks
/// or a closing full stop; `None` when nothing is left.
fn clean_title(reply: &str) -> Option<String> {
    let line = reply.lines().map(str::trim).find(|l| !l.is_empty())?;
    let line = match line.split_once(':') {
        Some((label, rest)) if label.trim().eq_ignore_ascii_case("title") => rest,
        _ => line,
    };
    let marks: &[char] = &['"', '\'', '“', '”', '‘', '’', '«', '»', '*', '#', '`', '_'];
    let title = line.trim().trim_matches(marks).trim().trim_end_matches('.').trim();
    (!title.is_empty()).then(|| title.to_owned())
}

#[async_trait]
impl ChatModel for OpenAiChatModel {
    #[tracing::instrument(
        name = "openai.complete",
        skip_all,
        fields(model = %self.config().model, turns = request.turns.len(), tools = request.tools.len())
    )]
    async fn complete(&self, request: &ChatRequest, sink: Arc<dyn AnswerSink>) -> Result<ModelTurn, ChatModelError> {
        let deadline = Instant::now() + self.config().timeout;
        let keyed = self.settings.authorization.is_some();
        match timeout_at(deadline, self.answer(request, sink.as_ref(), deadline)).await {
            Ok(Ok(turn)) => Ok(turn),
            Ok(Err(failure)) => {
                tracing::warn!(failure = failure.kind(), "the model gave no answer");
                Err(failure.into_error(keyed))
            }
            Err(_) => {
                tracing::warn!(timeout_ms = self.config().timeout.as_millis(), "the model call timed out");
                Err(ChatModelError::Timeout)
            }
        }
    }

    #[tracing::instrument(name = "openai.title", skip_all, fields(model = %self.config().model))]
    async fn title(&self, question: &str, answer: &str) -> Result<Option<TitleTurn>, ChatModelError> {
        let deadline = Instant::now() + self.config().timeout;
        let keyed = self.settings.authorization.is_some();
        match timeout_at(deadline, self.write_title(question, answer, deadline)).await {
            Ok(result) => result.map_err(|failure| failure.into_error(keyed)),
            Err(_) => Err(ChatModelError::Timeout),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> OpenAiChatModel {
        OpenAiChatModel::new(OpenAiConfig { model: "gpt-4o".into(), ..OpenAiConfig::default() })
            .expect("a valid config")
    }

    #[test]
    fn a_message_costs_its_texts_tokens_counted_once_per_text() {
        let model = model();
        let question = Message::User { content: "What did we spend on Meta last month?".into() };
        let want = PER_MESSAGE + model.tokenizer.budget_count(&question.token_text());
        assert_eq!(model.message_tokens(&question), want);
        assert_eq!(model.message_tokens_cached(), 1);
        assert_eq!(model.message_tokens(&question.clone()), want, "the same text, the same count");
        assert_eq!(model.message_tokens_cached(), 1, "counted once");
        let call = Message::Assistant {
            content: "".into(),
            tool_calls: vec![wire::ToolCallOut {
                id: "c1",
                kind: "function",
                function: wire::FunctionOut { name: "blended_totals", arguments: "{}".into() },
            }],
        };
        let other = PER_MESSAGE + model.tokenizer.budget_count(&call.token_text());
        assert_eq!(model.message_tokens(&call), other, "another text is counted for itself");
        assert_eq!(model.message_tokens_cached(), 2);
    }

    #[test]
    fn a_set_of_tools_is_written_once_and_sent_as_written() {
        let model = model();
        let set = model.tool_set(&ToolKind::ALL);
        assert!(Arc::ptr_eq(&set, &model.tool_set(&ToolKind::ALL)), "built once per set");
        let json = set.json.as_ref().expect("tools offered").get();
        let want = serde_json::to_string(&ToolKind::ALL.map(ToolDef::of)).expect("definitions serialise");
        assert_eq!(json, want);
        assert_eq!(set.tokens(model.tokenizer).count, model.tokenizer.count(&want));
        assert!(set.bound >= set.tokens(model.tokenizer).budget);
        assert!(model.tool_set(&[]).json.is_none(), "no tools: no `tools` field");
    }

    #[test]
    fn titles_lose_their_labels_quotes_and_full_stops() {
        for (reply, want) in [
            ("\"Meta spend in October\"", Some("Meta spend in October")),
            ("Title: Google Ads CPA trend.", Some("Google Ads CPA trend")),
            ("  **Campaign ROAS comparison**\nExtra line", Some("Campaign ROAS comparison")),
            ("“Last month’s blended totals”", Some("Last month’s blended totals")),
            ("   \n  ", None),
            ("\"\"", None),
        ] {
            assert_eq!(clean_title(reply).as_deref(), want, "{reply:?}");
        }
    }
}
