//! Chatting with the analyst: store the question, let the model answer with the client's figures
//! through the tools, check the answer's figures against what the tools returned, and store the
//! answer with its model, tokens, cost and working.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;

use crate::analyst::{
    AnalystContext, AnswerSink, AnswerWorking, ChatRequest, ChatTurn, DiscardAnswer, PriceTable, SourceFreshness,
    TokenUsage, ToolTrace, estimate_tokens,
};
use crate::client::{Client, ClientStatus};
use crate::conversation::{
    Conversation, ConversationChanges, ConversationLimits, ConversationStatus, ConversationTitle, Message,
    MessageContent, MessageMetadata, Role,
};
use crate::grounding;
use crate::ids::{ConversationId, UserId};
use crate::platform::Platform;
use crate::ports::{
    AppendOutcome, ChatModel, ChatModelError, ClientStore, Clock, ConversationStore, IdGenerator, MessageSlot,
    NewMessage, StoreError, UserChatbotStore,
};
use crate::services::rate_limit::RateLimiter;
use crate::tools::{AnalystTools, MAX_CALLS_PER_ROUND, ToolCall, ToolKind, ToolOutput, ToolScope};
use crate::user::ChatActivity;
use crate::validation::ValidationError;

/// Why a message got no answer.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// The message breaks a rule.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The user has no such conversation (or it is deleted).
    #[error("conversation not found")]
    NotFound,
    /// The conversation's client is archived: its conversations are read-only.
    #[error("the client is archived; restore it to chat about it")]
    ClientArchived,
    /// The user sent too many messages; nothing was stored.
    #[error("too many messages; try again in {} seconds", retry_after.as_secs())]
    RateLimited {
        /// When the user may send again.
        retry_after: Duration,
    },
    /// The conversation has no room for the question and its answer under its limits (decision 6);
    /// nothing was stored.
    #[error(
        "the conversation is full (at most {} messages and {} MB of text); start a new conversation",
        limits.message_cap,
        limits.byte_budget / (1024 * 1024)
    )]
    ConversationFull {
        /// The limits it reached.
        limits: ConversationLimits,
    },
    /// The model gave no answer; the question stays stored, no answer is.
    #[error(transparent)]
    Model(#[from] ChatModelError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Knobs of the chat use case.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatSettings {
    /// How large a conversation may grow (decision 6).
    pub limits: ConversationLimits,
    /// Most estimated tokens of earlier messages given to the model.
    pub history_token_budget: u64,
    /// Most earlier messages read for the window, whatever their size.
    pub history_messages: usize,
    /// Most tool rounds; the round after them offers no tools, so the model must answer.
    pub max_tool_rounds: usize,
    /// Prices to compute each answer's cost.
    pub prices: PriceTable,
}

impl Default for ChatSettings {
    fn default() -> Self {
        Self {
            limits: ConversationLimits::default(),
            history_token_budget: 3000,
            history_messages: 40,
            max_tool_rounds: 4,
            prices: PriceTable::default(),
        }
    }
}

/// A question and its stored answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatExchange {
    /// The user's message as stored.
    pub question: Message,
    /// The analyst's answer as stored.
    pub answer: Message,
    /// The conversation after both.
    pub conversation: Conversation,
}

/// Sends messages to the analyst.
#[derive(Clone)]
pub struct ChatService {
    conversations: Arc<dyn ConversationStore>,
    clients: Arc<dyn ClientStore>,
    users: Arc<dyn UserChatbotStore>,
    tools: AnalystTools,
    limiter: RateLimiter,
    model: Arc<dyn ChatModel>,
    ids: Arc<dyn IdGenerator>,
    clock: Arc<dyn Clock>,
    settings: Arc<ChatSettings>,
}

/// The ports and settings a [`ChatService`] is built from.
pub struct ChatPorts {
    /// Conversations.
    pub conversations: Arc<dyn ConversationStore>,
    /// Clients.
    pub clients: Arc<dyn ClientStore>,
    /// Users' stats.
    pub users: Arc<dyn UserChatbotStore>,
    /// The analyst's tools.
    pub tools: AnalystTools,
    /// The per-user rate limit.
    pub limiter: RateLimiter,
    /// The analyst.
    pub model: Arc<dyn ChatModel>,
    /// Ids of new messages.
    pub ids: Arc<dyn IdGenerator>,
    /// Time.
    pub clock: Arc<dyn Clock>,
}

impl ChatService {
    /// A service over these ports.
    pub fn new(ports: ChatPorts, settings: ChatSettings) -> Self {
        Self {
            conversations: ports.conversations,
            clients: ports.clients,
            users: ports.users,
            tools: ports.tools,
            limiter: ports.limiter,
            model: ports.model,
            ids: ports.ids,
            clock: ports.clock,
            settings: Arc::new(settings),
        }
    }

    /// Sends a message and waits for the whole answer.
    ///
    /// # Errors
    /// As [`Self::prepare`] and [`PreparedTurn::answer`].
    pub async fn send(
        &self,
        user: UserId,
        id: ConversationId,
        content: MessageContent,
    ) -> Result<ChatExchange, ChatError> {
        self.prepare(user, id, content).await?.answer(Arc::new(DiscardAnswer)).await
    }

    /// Checks everything that can refuse a message, then stores the question (and names an untitled
    /// conversation after its first question). Nothing is stored when this fails.
    ///
    /// # Errors
    /// [`ChatError::NotFound`] when the user has no such conversation or it is deleted,
    /// [`ChatError::ConversationFull`] at the message cap, [`ChatError::ClientArchived`] when the
    /// client is archived, [`ChatError::RateLimited`] over the user's limit.
    #[tracing::instrument(skip(self, content), fields(user_id = %user, conversation_id = %id))]
    pub async fn prepare(
        &self,
        user: UserId,
        id: ConversationId,
        content: MessageContent,
    ) -> Result<PreparedTurn, ChatError> {
        let conversation = match self.conversations.get(user, id).await? {
            Some(c) if c.status != ConversationStatus::Deleted => c,
            _ => return Err(ChatError::NotFound),
        };
        let limits = self.settings.limits;
        let now = self.clock.now();
        let question = Message {
            id: self.ids.message_id(),
            role: Role::User,
            content: content.as_str().to_owned(),
            timestamp: now,
            metadata: MessageMetadata::default(),
        };
        // Checked here so that a full conversation costs no rate-limit allowance; the append below
        // checks again, atomically.
        if !conversation.has_room_for_a_question(limits, question.stored_bytes()) {
            return Err(ChatError::ConversationFull { limits });
        }
        let client = self.clients.get(user, conversation.client_id).await?.ok_or(ChatError::NotFound)?;
        if client.status == ClientStatus::Archived {
            return Err(ChatError::ClientArchived);
        }
        if let Some(retry_after) = self.limiter.check(user, now).await? {
            return Err(ChatError::RateLimited { retry_after });
        }
        let title = ConversationTitle::from_question(&content);
        let new = NewMessage {
            message: question.clone(),
            slot: MessageSlot::Question { limits },
            tokens_used: 0,
            cost_usd: 0.0,
            platforms: vec![],
        };
        let mut conversation = self.append(user, id, &new).await?;
        // The question is stored and its answer's place reserved: what follows is bookkeeping that
        // must not fail the turn (a failure here would leave the reserved place behind).
        let mut auto_title = None;
        if conversation.title.is_none() && conversation.message_count == 1 {
            // An untitled conversation is named after its first question, as chat tools do.
            let name = ConversationChanges { title: Some(Some(title.clone())), status: None };
            match self.conversations.update(user, id, name, now).await {
                Ok(Some(named)) => {
                    conversation = named;
                    auto_title = Some(title);
                }
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "could not name the conversation after its first question"),
            }
        }
        let activity = ChatActivity { messages: 1, chatted_at: Some(now), ..ChatActivity::default() };
        if let Err(error) = self.users.record_activity(user, activity).await {
            tracing::error!(%error, "could not count the question in the user's stats");
        }
        Ok(PreparedTurn {
            turn: Box::new(Turn { service: self.clone(), user, client, conversation, question, auto_title }),
        })
    }

    async fn append(&self, user: UserId, id: ConversationId, message: &NewMessage) -> Result<Conversation, ChatError> {
        match self.conversations.append(user, id, message).await? {
            AppendOutcome::Appended(conversation) => Ok(conversation),
            AppendOutcome::NotFound => Err(ChatError::NotFound),
            AppendOutcome::Full => Err(ChatError::ConversationFull { limits: self.settings.limits }),
        }
    }
}

/// An answer written by the model, before it is stored.
struct DraftAnswer {
    message: Message,
    platforms: Vec<Platform>,
}

/// A stored question waiting for its answer.
///
/// Drive [`PreparedTurn::answer`] to its end: the question reserved its answer's place under the
/// conversation's limits, and only `answer` uses that place or gives it back. A caller that may be
/// cancelled (an HTTP handler whose client hangs up) runs it on a task of its own.
pub struct PreparedTurn {
    /// Boxed: an answer's future holds the turn for as long as the model streams, and a pointer
    /// keeps that future small (several copies of the turn otherwise, one per layer).
    turn: Box<Turn>,
}

/// What answering a question needs: the question, its conversation and client.
struct Turn {
    service: ChatService,
    user: UserId,
    client: Client,
    conversation: Conversation,
    question: Message,
    /// The title taken from this first question, which a title the model writes may replace.
    auto_title: Option<ConversationTitle>,
}

impl PreparedTurn {
    /// The stored question.
    pub fn question(&self) -> &Message {
        &self.turn.question
    }

    /// Asks the model, running the tools it calls, checks the answer's figures and stores the answer.
    /// The answer's text and each tool call also go to `sink` as they happen.
    ///
    /// # Errors
    /// [`ChatError::Model`] when the model fails; [`ChatError::Store`] when the store fails. Either
    /// way the question stays stored, no answer is, and the answer's reserved place is given back.
    #[tracing::instrument(skip_all, fields(user_id = %self.turn.user, conversation_id = %self.turn.conversation.id))]
    pub async fn answer(self, sink: Arc<dyn AnswerSink>) -> Result<ChatExchange, ChatError> {
        let written = self.turn.write_answer(sink).await;
        // Storing is boxed: its state is allocated once the model is done, not held unused for as
        // long as the answer streams.
        Box::pin(self.turn.store(written)).await
    }
}

impl Turn {
    /// Stores the written answer (or gives its reserved place back when writing failed) and
    /// counts it in the user's stats.
    async fn store(self: Box<Self>, written: Result<DraftAnswer, ChatError>) -> Result<ChatExchange, ChatError> {
        let s = &self.service;
        let stored = match written {
            Ok(mut answer) => {
                let title = match &self.auto_title {
                    Some(_) => self.model_title(&mut answer.message).await,
                    None => None,
                };
                let metadata = &answer.message.metadata;
                let new = NewMessage {
                    message: answer.message.clone(),
                    slot: MessageSlot::Answer,
                    tokens_used: metadata.tokens_used.unwrap_or(0),
                    cost_usd: metadata.cost_usd.unwrap_or(0.0),
                    platforms: answer.platforms,
                };
                s.append(self.user, self.conversation.id, &new).await.map(|c| (answer.message, c, title))
            }
            Err(error) => Err(error),
        };
        let (answer, mut conversation, title) = match stored {
            Ok(stored) => stored,
            Err(error) => {
                // No answer will be stored: give its reserved place under the limits back.
                if let Err(release) = s.conversations.release_answer(self.user, self.conversation.id).await {
                    tracing::warn!(error = %release, "could not release the place reserved for an answer");
                }
                return Err(error);
            }
        };
        let activity = ChatActivity {
            messages: 1,
            tokens_used: answer.metadata.tokens_used.unwrap_or(0),
            cost_usd: answer.metadata.cost_usd.unwrap_or(0.0),
            ..ChatActivity::default()
        };
        if let Err(error) = s.users.record_activity(self.user, activity).await {
            tracing::error!(%error, "could not count the answer in the user's stats");
        }
        // The model's title replaces the one taken from the question, unless the user renamed the
        // conversation meanwhile.
        if let Some(title) = title.filter(|_| conversation.title == self.auto_title) {
            let changes = ConversationChanges { title: Some(Some(title)), status: None };
            match s.conversations.update(self.user, self.conversation.id, changes, s.clock.now()).await {
                Ok(Some(named)) => conversation = named,
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "could not store the title the model wrote"),
            }
        }
        Ok(ChatExchange { question: self.question, answer, conversation })
    }

    /// A title the model writes from the first exchange, its cost added to the answer's; `None`
    /// when the model writes none or fails (the title from the question stays).
    async fn model_title(&self, answer: &mut Message) -> Option<ConversationTitle> {
        let s = &self.service;
        let turn = match s.model.title(&self.question.content, &answer.content).await {
            Ok(turn) => turn?,
            Err(error) => {
                tracing::warn!(%error, "the model wrote no title");
                return None;
            }
        };
        let metadata = &mut answer.metadata;
        metadata.tokens_used = Some(metadata.tokens_used.unwrap_or(0) + turn.usage.total());
        metadata.cost_usd = Some(metadata.cost_usd.unwrap_or(0.0) + s.settings.prices.cost(&turn.model, turn.usage));
        if let Some(working) = metadata.working.as_mut() {
            working.usage += turn.usage;
        }
        ConversationTitle::from_model(&turn.title)
    }

    /// Runs the model and its tools to an answer, not yet stored.
    async fn write_answer(&self, sink: Arc<dyn AnswerSink>) -> Result<DraftAnswer, ChatError> {
        let s = &self.service;
        let now = s.clock.now();
        let today = self.client.time_zone.today(now);
        let scope = s.tools.scope(self.user, &self.client, today).await?;
        let context = AnalystContext {
            client_name: self.client.name.as_str().to_owned(),
            today,
            time_zone: self.client.time_zone,
            demo: scope.demo(),
            platforms: scope.platforms(),
        };
        let mut turns =
            vec![ChatTurn::System(Cow::Borrowed(ANALYST_RULES)), ChatTurn::System(setting(&context).into())];
        turns.extend(self.history().await?);
        // One request, extended in place each round: its turns are not copied per round, and the
        // model holds the only copy while it streams.
        let mut request = ChatRequest { turns, tools: Vec::new(), context };

        let mut usage = TokenUsage::default();
        let mut traces: Vec<ToolTrace> = Vec::new();
        // This answer's tool results are the tool turns after the history.
        let answered_from = request.turns.len();
        let mut series_points = 0;
        let mut rounds = 0;
        let (text, model) = loop {
            // The round after the last tool round offers no tools: the model must answer.
            request.tools = if rounds < s.settings.max_tool_rounds { ToolKind::ALL.to_vec() } else { Vec::new() };
            let offered = !request.tools.is_empty();
            let turn = s.model.complete(&request, sink.clone()).await?;
            usage += turn.usage;
            if turn.tool_calls.is_empty() {
                break (turn.text, turn.model);
            }
            if !offered {
                return Err(ChatModelError::InvalidResponse(format!(
                    "still calling tools after {} rounds",
                    s.settings.max_tool_rounds
                ))
                .into());
            }
            rounds += 1;
            request.turns.push(ChatTurn::Assistant { text: turn.text, tool_calls: turn.tool_calls.clone() });
            for (call, output, mut trace) in self.run_tools(&scope, &turn.tool_calls, sink.as_ref()).await? {
                // Charts keep the first series' points, up to the working's bound.
                let points: usize = trace.series.iter().map(|s| s.points.len()).sum();
                if series_points + points > AnswerWorking::MAX_SERIES_POINTS {
                    trace.series.clear();
                }
                series_points += trace.series.iter().map(|s| s.points.len()).sum::<usize>();
                if traces.len() < AnswerWorking::MAX_TOOLS {
                    traces.push(bounded(trace));
                }
                request.turns.push(ChatTurn::Tool { call_id: call.id.clone(), output });
            }
        };

        let text = bounded_text(text);
        let results: Vec<&crate::tools::ToolData> = request.turns[answered_from..]
            .iter()
            .filter_map(|turn| match turn {
                ChatTurn::Tool { output, .. } => output.data(),
                _ => None,
            })
            .collect();
        let values: Vec<_> = results.iter().map(|data| data.to_value()).collect();
        let mut grounding = grounding::check(&text, &values);
        grounding.unsupported.truncate(AnswerWorking::MAX_UNSUPPORTED);
        for figure in &mut grounding.unsupported {
            *figure = figure.chars().take(AnswerWorking::MAX_FIGURE_CHARS).collect();
        }
        let mut platforms: Vec<Platform> = Vec::new();
        for data in &results {
            for source in &data.coverage().sources {
                if !platforms.contains(&source.platform) {
                    platforms.push(source.platform);
                }
            }
        }
        platforms.sort();
        let demo = scope.demo() && !platforms.is_empty();
        let sources = platforms
            .iter()
            .map(|&platform| SourceFreshness { platform, last_sync: scope.last_sync(platform) })
            .collect();
        let cost = s.settings.prices.cost(&model, usage);
        let mut message = Message {
            id: s.ids.message_id(),
            role: Role::Assistant,
            content: text,
            timestamp: s.clock.now(),
            metadata: MessageMetadata {
                model: Some(model),
                tokens_used: Some(usage.total()),
                cost_usd: Some(cost),
                feedback: None,
                platforms: platforms.clone(),
                demo_data: demo,
                working: Some(AnswerWorking { tools: traces, sources, demo, grounding, usage }),
            },
        };
        fit_reserve(&mut message);
        Ok(DraftAnswer { message, platforms })
    }

    /// Runs one round's calls concurrently, in the order asked; calls past
    /// [`MAX_CALLS_PER_ROUND`] are answered with an error instead.
    async fn run_tools<'a>(
        &self,
        scope: &ToolScope,
        calls: &'a [ToolCall],
        sink: &dyn AnswerSink,
    ) -> Result<Vec<(&'a ToolCall, ToolOutput, ToolTrace)>, ChatError> {
        let tools = &self.service.tools;
        let runs = join_all(calls.iter().take(MAX_CALLS_PER_ROUND).map(|call| tools.run(scope, call, sink))).await;
        let mut out = Vec::with_capacity(calls.len());
        for (call, run) in calls.iter().zip(runs) {
            let run = run?;
            out.push((call, run.output, run.trace));
        }
        for call in calls.iter().skip(MAX_CALLS_PER_ROUND) {
            let message = format!("at most {MAX_CALLS_PER_ROUND} tool calls are run per round; ask again for the rest");
            let trace = ToolTrace {
                name: call.name.clone(),
                arguments: call.arguments.clone(),
                platforms: vec![],
                ranges: vec![],
                error: Some(message.clone()),
                series: vec![],
            };
            out.push((call, ToolOutput::Error { tool: ToolKind::from_name(&call.name), message }, trace));
        }
        Ok(out)
    }

    /// The latest messages before this turn's question that fit the token budget, oldest first,
    /// then the question itself: the window ends at this question even when other questions were
    /// posted to the conversation meanwhile.
    async fn history(&self) -> Result<Vec<ChatTurn>, ChatError> {
        let s = &self.service;
        let history = s
            .conversations
            .history(self.user, self.conversation.id, self.question.id, s.settings.history_messages)
            .await?
            .ok_or(ChatError::NotFound)?;
        let mut budget = s.settings.history_token_budget.saturating_sub(estimate_tokens(&self.question.content));
        let mut window = vec![ChatTurn::User(self.question.content.clone())];
        for message in history.into_iter().rev() {
            let cost = estimate_tokens(&message.content);
            if cost > budget {
                break;
            }
            budget -= cost;
            window.push(match message.role {
                Role::User => ChatTurn::User(message.content),
                Role::Assistant => ChatTurn::Assistant { text: message.content, tool_calls: vec![] },
                Role::System => ChatTurn::System(message.content.into()),
            });
        }
        window.reverse();
        Ok(window)
    }
}

/// The note that ends an answer cut at [`Message::MAX_ANSWER_TEXT_BYTES`].
const CUT_NOTE: &str = "\n\n[The answer was cut here: it exceeded the length limit.]";

/// The answer's text within [`Message::MAX_ANSWER_TEXT_BYTES`], cut at a character boundary with a
/// note.
fn bounded_text(mut text: String) -> String {
    if text.len() <= Message::MAX_ANSWER_TEXT_BYTES {
        return text;
    }
    let mut cut = Message::MAX_ANSWER_TEXT_BYTES - CUT_NOTE.len();
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
    text.push_str(CUT_NOTE);
    text
}

/// A trace within the working's bounds: long arguments and errors (which may echo what a model
/// wrote) are kept as short summaries.
fn bounded(mut trace: ToolTrace) -> ToolTrace {
    let max = AnswerWorking::MAX_ARGUMENT_CHARS;
    if trace.arguments.to_string().chars().count() > max {
        trace.arguments = crate::value::Value::String(trace.arguments.summary(max));
    }
    if let Some(error) = &mut trace.error {
        if error.chars().count() > max {
            *error = error.chars().take(max).collect::<String>() + "…";
        }
    }
    trace.name = trace.name.chars().take(64).collect();
    trace
}

/// Keeps an answer within [`Message::ANSWER_RESERVE_BYTES`], the room its question reserved: the
/// bounds above already keep it there, and should they not, the last tool calls of its working are
/// left out of the record (they still count in its usage).
fn fit_reserve(message: &mut Message) {
    while message.stored_bytes() > Message::ANSWER_RESERVE_BYTES {
        let Some(working) = message.metadata.working.as_mut() else { return };
        if working.tools.pop().is_none() {
            return;
        }
    }
}

/// The analyst's rules, the same for every client: the first system turn, so that every request
/// starts with the same text (a prefix a provider can cache) and no request holds its own copy.
const ANALYST_RULES: &str = "You are a marketing analyst for an agency, answering questions about one client's \
     marketing. Get every figure you give from a tool; never invent or estimate numbers. Ask the tools for dates \
     with presets (last_month, last_7_days, ...) or explicit ISO dates; do not work out dates yourself, and state \
     the dates each figure covers, as the tools give them. Money is in each account's currency: never add amounts \
     in different currencies. If the tools cannot answer a question, say so plainly and say what data would.";

/// The question's setting, the second system turn: the client, its date and what the tools read.
fn setting(context: &AnalystContext) -> String {
    let source = if context.demo {
        "No platform is connected for this client yet, so the tools return DEMO data: say so in every answer that \
         uses them."
    } else {
        "The tools return the client's synced figures and say when each platform was last synced."
    };
    let platforms: Vec<&str> = context.platforms.iter().map(|p| p.key()).collect();
    format!(
        "The client is \"{name}\". Today is {today} in the client's time zone ({zone}). The tools can read: \
         {platforms}. {source}",
        name = context.client_name,
        today = context.today,
        zone = context.time_zone.name(),
        platforms = if platforms.is_empty() { "nothing".to_owned() } else { platforms.join(", ") },
    )
}

#[cfg(test)]
mod tests;
