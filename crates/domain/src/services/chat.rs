//! Chatting with the analyst: store the question, let the model answer with the client's data
//! through tools, store the answer with its model, tokens and cost.

use std::sync::Arc;
use std::time::Duration;

use crate::analyst::{
    ChatRequest, ChatTurn, ClientDataView, DeltaSink, DiscardDeltas, ModelReply, PriceTable, TokenUsage, ToolKind,
    ToolOutput, ToolRequest, estimate_tokens,
};
use crate::client::{Client, ClientStatus};
use crate::conversation::{
    Conversation, ConversationChanges, ConversationStatus, ConversationTitle, Message, MessageContent, MessageMetadata,
    Role,
};
use crate::ids::{ConversationId, UserId};
use crate::platform::Platform;
use crate::ports::{
    AppendOutcome, ChatModel, ChatModelError, ClientStore, Clock, ConversationStore, IdGenerator, MessageSlot,
    NewMessage, StoreError, UserChatbotStore,
};
use crate::services::client_data::ClientDataService;
use crate::services::rate_limit::RateLimiter;
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
    /// The conversation has no room for the question and its answer under the message cap
    /// (decision 6); nothing was stored.
    #[error("the conversation reached its limit of {cap} messages; start a new conversation")]
    ConversationFull {
        /// The cap.
        cap: u32,
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
    /// Most messages a conversation may hold (decision 6).
    pub message_cap: u32,
    /// Most estimated tokens of earlier messages given to the model.
    pub history_token_budget: u64,
    /// Most earlier messages read for the window, whatever their size.
    pub history_messages: usize,
    /// Most tool rounds before the model must answer.
    pub max_tool_rounds: usize,
    /// Prices to compute each answer's cost.
    pub prices: PriceTable,
}

impl Default for ChatSettings {
    fn default() -> Self {
        Self {
            message_cap: 1000,
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
    data: ClientDataService,
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
    /// The client's figures.
    pub data: ClientDataService,
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
            data: ports.data,
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
        self.prepare(user, id, content).await?.answer(Arc::new(DiscardDeltas)).await
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
        let cap = self.settings.message_cap;
        // Checked here so that a full conversation costs no rate-limit allowance; the append below
        // checks again, atomically.
        if !conversation.has_room_for_a_question(cap) {
            return Err(ChatError::ConversationFull { cap });
        }
        let client = self.clients.get(user, conversation.client_id).await?.ok_or(ChatError::NotFound)?;
        if client.status == ClientStatus::Archived {
            return Err(ChatError::ClientArchived);
        }
        let now = self.clock.now();
        if let Some(retry_after) = self.limiter.check(user, now).await? {
            return Err(ChatError::RateLimited { retry_after });
        }
        let title = ConversationTitle::from_question(&content);
        let question = Message {
            id: self.ids.message_id(),
            role: Role::User,
            content: content.into_string(),
            timestamp: now,
            metadata: MessageMetadata::default(),
        };
        let new = NewMessage {
            message: question.clone(),
            slot: MessageSlot::Question { cap },
            tokens_used: 0,
            platforms: vec![],
        };
        let mut conversation = self.append(user, id, &new).await?;
        // The question is stored and its answer's place reserved: what follows is bookkeeping that
        // must not fail the turn (a failure here would leave the reserved place behind).
        if conversation.title.is_none() && conversation.message_count == 1 {
            // An untitled conversation is named after its first question, as chat tools do.
            let name = ConversationChanges { title: Some(Some(title)), status: None };
            match self.conversations.update(user, id, name, now).await {
                Ok(Some(named)) => conversation = named,
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "could not name the conversation after its first question"),
            }
        }
        let activity = ChatActivity { conversations: 0, messages: 1, chatted_at: Some(now) };
        if let Err(error) = self.users.record_activity(user, activity).await {
            tracing::error!(%error, "could not count the question in the user's stats");
        }
        Ok(PreparedTurn { service: self.clone(), user, client, conversation, question })
    }

    async fn append(&self, user: UserId, id: ConversationId, message: &NewMessage) -> Result<Conversation, ChatError> {
        match self.conversations.append(user, id, message).await? {
            AppendOutcome::Appended(conversation) => Ok(conversation),
            AppendOutcome::NotFound => Err(ChatError::NotFound),
            AppendOutcome::Full => Err(ChatError::ConversationFull { cap: self.settings.message_cap }),
        }
    }
}

/// An answer written by the model, before it is stored.
struct DraftAnswer {
    message: Message,
    tokens_used: u64,
    platforms: Vec<Platform>,
}

/// A stored question waiting for its answer.
pub struct PreparedTurn {
    service: ChatService,
    user: UserId,
    client: Client,
    conversation: Conversation,
    question: Message,
}

impl PreparedTurn {
    /// The stored question.
    pub fn question(&self) -> &Message {
        &self.question
    }

    /// Asks the model, running the tools it calls, and stores its answer. The answer's text also goes
    /// to `deltas` as the model produces it.
    ///
    /// # Errors
    /// [`ChatError::Model`] when the model fails or keeps calling tools; the question stays stored and
    /// no answer is. [`ChatError::Store`] when the store fails.
    #[tracing::instrument(skip_all, fields(user_id = %self.user, conversation_id = %self.conversation.id))]
    pub async fn answer(self, deltas: Arc<dyn DeltaSink>) -> Result<ChatExchange, ChatError> {
        let s = &self.service;
        let answer = match self.write_answer(deltas).await {
            Ok(answer) => answer,
            Err(error) => {
                // No answer will come: give its reserved place under the cap back.
                if let Err(release) = s.conversations.release_answer(self.user, self.conversation.id).await {
                    tracing::warn!(error = %release, "could not release the place reserved for an answer");
                }
                return Err(error);
            }
        };
        let new = NewMessage {
            message: answer.message.clone(),
            slot: MessageSlot::Answer,
            tokens_used: answer.tokens_used,
            platforms: answer.platforms,
        };
        let conversation = s.append(self.user, self.conversation.id, &new).await?;
        let activity = ChatActivity { conversations: 0, messages: 1, chatted_at: None };
        if let Err(error) = s.users.record_activity(self.user, activity).await {
            tracing::error!(%error, "could not count the answer in the user's stats");
        }
        Ok(ChatExchange { question: self.question, answer: answer.message, conversation })
    }

    /// Runs the model and its tools to an answer, not yet stored.
    async fn write_answer(&self, deltas: Arc<dyn DeltaSink>) -> Result<DraftAnswer, ChatError> {
        let s = &self.service;
        let data = s.data.view_of(&self.client).await?;
        let mut turns = vec![ChatTurn::System(system_prompt(&data, s.clock.now()))];
        turns.extend(self.history().await?);

        let mut usage = TokenUsage::default();
        let mut platforms: Vec<Platform> = Vec::new();
        let mut used_demo = false;
        let mut rounds = 0;
        let (text, model) = loop {
            let request = ChatRequest { turns: turns.clone(), tools: ToolKind::ALL.to_vec() };
            let turn = s.model.complete(&request, deltas.clone()).await?;
            usage += turn.usage;
            let calls = match turn.reply {
                ModelReply::Answer(text) => break (text, turn.model),
                ModelReply::ToolCalls(calls) => calls,
            };
            rounds += 1;
            if rounds > s.settings.max_tool_rounds {
                return Err(ChatModelError::InvalidResponse(format!(
                    "still calling tools after {} rounds",
                    s.settings.max_tool_rounds
                ))
                .into());
            }
            turns.push(ChatTurn::Assistant { text: String::new(), tool_calls: calls.clone() });
            for call in calls {
                let output = run_tool(&data, &call.request);
                let ToolOutput::ClientData(view) = &output;
                used_demo |= view.demo;
                for p in view.platforms() {
                    if !platforms.contains(&p) {
                        platforms.push(p);
                    }
                }
                turns.push(ChatTurn::Tool { call_id: call.id, output });
            }
        };

        let cost = s.settings.prices.cost(&model, usage);
        let message = Message {
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
                demo_data: used_demo,
            },
        };
        Ok(DraftAnswer { message, tokens_used: usage.total(), platforms })
    }

    /// The latest messages that fit the token budget, oldest first, ending with the question.
    async fn history(&self) -> Result<Vec<ChatTurn>, ChatError> {
        let s = &self.service;
        let page = s
            .conversations
            .messages(self.user, self.conversation.id, None, s.settings.history_messages)
            .await?
            .ok_or(ChatError::NotFound)?;
        let mut budget = s.settings.history_token_budget;
        let mut window = Vec::new();
        for message in page.messages.iter().rev() {
            let cost = estimate_tokens(&message.content);
            // The question itself is always sent, whatever its size.
            if message.id != self.question.id && cost > budget {
                break;
            }
            budget = budget.saturating_sub(cost);
            window.push(match message.role {
                Role::User => ChatTurn::User(message.content.clone()),
                Role::Assistant => ChatTurn::Assistant { text: message.content.clone(), tool_calls: vec![] },
                Role::System => ChatTurn::System(message.content.clone()),
            });
        }
        if window.is_empty() {
            window.push(ChatTurn::User(self.question.content.clone()));
        }
        window.reverse();
        Ok(window)
    }
}

fn run_tool(data: &ClientDataView, request: &ToolRequest) -> ToolOutput {
    match request {
        ToolRequest::ClientData { platforms } => ToolOutput::ClientData(data.only(platforms)),
    }
}

fn system_prompt(data: &ClientDataView, now: chrono::DateTime<chrono::Utc>) -> String {
    let source = if data.demo {
        "No platform is connected for this client yet, so the tools return DEMO data: say so in every answer."
    } else {
        "The tools return the client's latest synced figures with the time of each sync."
    };
    format!(
        "You are a marketing analyst for an agency, answering questions about the client \"{}\". \
         Today is {}. Use the get_client_data tool for every figure you give; never invent numbers. \
         {source} If the data cannot answer a question, say so plainly and say what data would.",
        data.client_name,
        now.format("%Y-%m-%d"),
    )
}

#[cfg(test)]
mod tests;
