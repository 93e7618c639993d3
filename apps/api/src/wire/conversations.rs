//! Conversation and message bodies.

use chrono::{DateTime, Utc};
use domain::conversation::{Conversation, ConversationChanges, ConversationTitle, Message, MessageContent};
use domain::paging::{ConversationCursor, Page};
use domain::services::chat::ChatExchange;
use domain::services::conversations::ConversationDetail;
use domain::validation::ValidationError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::wire::cursor;
use crate::wire::enums::{ConversationStatusInput, ConversationStatusWire, FeedbackWire, PlatformWire, RoleWire};
use crate::wire::working::WorkingBody;
use crate::wire::{at_most, double_option, empty_as_none, non_null};

/// A conversation's header (never its messages).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConversationBody {
    /// The conversation's id (a UUID).
    #[schema(example = "3f2b8c1e-6d4a-4b7e-9c1f-2a5d8e9b0c47")]
    pub conversation_id: String,
    /// The client it is about.
    pub client_id: String,
    /// Optional title.
    pub title: Option<String>,
    /// Lifecycle status.
    pub status: ConversationStatusWire,
    /// When it was created.
    #[serde(serialize_with = "crate::wire::rfc3339")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "crate::wire::rfc3339")]
    pub updated_at: DateTime<Utc>,
    /// When its last message was written (its creation time before any).
    #[serde(serialize_with = "crate::wire::rfc3339")]
    pub last_message_at: DateTime<Utc>,
    /// How many messages it holds.
    pub message_count: u32,
    /// Running totals.
    pub metadata: ConversationMetadataBody,
}

/// A conversation's running totals.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConversationMetadataBody {
    /// Platforms whose data answered a message here.
    pub platforms_queried: Vec<PlatformWire>,
    /// Tokens (input plus output) used by every answer here.
    pub total_tokens_used: u64,
    /// What every answer here cost, in USD: the sum of the answers' `metadata.cost`.
    pub total_cost_usd: f64,
}

impl From<&Conversation> for ConversationBody {
    fn from(c: &Conversation) -> Self {
        Self {
            conversation_id: c.id.to_string(),
            client_id: c.client_id.to_string(),
            title: c.title.as_ref().map(|t| t.as_str().to_owned()),
            status: c.status.into(),
            created_at: c.created_at,
            updated_at: c.updated_at,
            last_message_at: c.last_message_at,
            message_count: c.message_count,
            metadata: ConversationMetadataBody {
                platforms_queried: c.metadata.platforms_queried.iter().map(|p| (*p).into()).collect(),
                total_tokens_used: c.metadata.total_tokens_used,
                total_cost_usd: c.metadata.total_cost_usd,
            },
        }
    }
}

/// A page of conversations.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConversationPage {
    /// The conversations, newest `lastMessageAt` first.
    pub items: Vec<ConversationBody>,
    /// Pass as `?cursor=` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl From<&Page<Conversation, ConversationCursor>> for ConversationPage {
    fn from(page: &Page<Conversation, ConversationCursor>) -> Self {
        Self {
            items: page.items.iter().map(ConversationBody::from).collect(),
            next_cursor: page.next.as_ref().map(cursor::encode_conversation),
        }
    }
}

/// One message.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageBody {
    /// The message's id (a UUID).
    pub message_id: String,
    /// Who wrote it.
    pub role: RoleWire,
    /// Its text.
    pub content: String,
    /// When it was written.
    #[serde(serialize_with = "crate::wire::rfc3339")]
    pub timestamp: DateTime<Utc>,
    /// Model, cost and rating.
    pub metadata: MessageMetadataBody,
}

/// Facts recorded with a message.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageMetadataBody {
    /// The model that wrote an answer (`offline-analyst` in the embedded default).
    pub model: Option<String>,
    /// Input plus output tokens of the answer.
    pub tokens_used: Option<u64>,
    /// Cost of the answer in USD.
    pub cost: Option<f64>,
    /// The user's rating of the answer.
    pub feedback_rating: Option<FeedbackWire>,
    /// Platforms whose figures the answer used.
    pub platforms: Vec<PlatformWire>,
    /// Whether the answer was built from demo data.
    pub demo_data: bool,
    /// How the answer was reached: the tools with their resolved dates, the sources and their
    /// freshness, the grounding check, the tokens. `null` on questions.
    pub working: Option<WorkingBody>,
}

impl From<&Message> for MessageBody {
    fn from(m: &Message) -> Self {
        Self {
            message_id: m.id.to_string(),
            role: m.role.into(),
            content: m.content.clone(),
            timestamp: m.timestamp,
            metadata: MessageMetadataBody {
                model: m.metadata.model.clone(),
                tokens_used: m.metadata.tokens_used,
                cost: m.metadata.cost_usd,
                feedback_rating: m.metadata.feedback.map(Into::into),
                platforms: m.metadata.platforms.iter().map(|p| (*p).into()).collect(),
                demo_data: m.metadata.demo_data,
                working: m.metadata.working.as_ref().map(WorkingBody::from),
            },
        }
    }
}

/// A conversation with one page of its messages.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConversationDetailBody {
    /// The header.
    pub conversation: ConversationBody,
    /// The page of messages, oldest first.
    pub messages: Vec<MessageBody>,
    /// Whether older messages exist: pass the first message's `messageId` as `?before=` to read them.
    pub has_more: bool,
}

impl From<&ConversationDetail> for ConversationDetailBody {
    fn from(d: &ConversationDetail) -> Self {
        Self {
            conversation: (&d.conversation).into(),
            messages: d.messages.messages.iter().map(MessageBody::from).collect(),
            has_more: d.messages.has_more,
        }
    }
}

/// A question and its stored answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeBody {
    /// The user's message as stored.
    pub question: MessageBody,
    /// The analyst's answer as stored.
    pub answer: MessageBody,
    /// The conversation after both.
    pub conversation: ConversationBody,
}

impl From<&ChatExchange> for ExchangeBody {
    fn from(e: &ChatExchange) -> Self {
        Self { question: (&e.question).into(), answer: (&e.answer).into(), conversation: (&e.conversation).into() }
    }
}

/// A piece of the answer's text, streamed as an SSE `delta` event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeltaBody {
    /// The next piece of text; the pieces concatenate to the stored answer.
    pub text: String,
}

/// What to start a conversation with (the body may also be empty, or `null`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartConversationRequest {
    /// Optional title: 1–200 characters, not only spaces. Absent or `null`: the conversation is
    /// named after its first question.
    #[schema(example = "Q4 performance review", min_length = 1, max_length = 200, pattern = r"\S")]
    pub title: Option<String>,
}

impl StartConversationRequest {
    /// The checked title.
    ///
    /// # Errors
    /// [`ValidationError`] on `title`.
    pub fn title(&self) -> Result<Option<ConversationTitle>, ValidationError> {
        self.title.as_deref().map(conversation_title).transpose()
    }
}

/// A change to a conversation: absent fields stay, a `null` title clears it. At least one field.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateConversationRequest {
    /// New title (1–200 characters, not only spaces), or `null` to clear it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, example = "Q4 performance review", min_length = 1, max_length = 200, pattern = r"\S")]
    pub title: Option<Option<String>>,
    /// New status: `active` or `archived`.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub status: Option<ConversationStatusInput>,
}

impl TryFrom<UpdateConversationRequest> for ConversationChanges {
    type Error = ValidationError;

    fn try_from(r: UpdateConversationRequest) -> Result<Self, Self::Error> {
        Ok(Self {
            title: r.title.map(|t| t.as_deref().map(conversation_title).transpose()).transpose()?,
            status: r.status.map(Into::into),
        })
    }
}

fn conversation_title(raw: &str) -> Result<ConversationTitle, ValidationError> {
    at_most("title", raw, ConversationTitle::MAX_CHARS)?;
    ConversationTitle::new(raw)
}

/// A message to the analyst.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PostMessageRequest {
    /// The question: 1–4,000 characters, not only spaces (surrounding spaces are trimmed).
    #[schema(
        example = "Which campaign had the best CTR last month?",
        min_length = 1,
        max_length = 4000,
        pattern = r"\S"
    )]
    pub content: String,
}

impl PostMessageRequest {
    /// The checked question.
    ///
    /// # Errors
    /// [`ValidationError`] on `content`.
    pub fn content(&self) -> Result<MessageContent, ValidationError> {
        at_most("content", &self.content, MessageContent::MAX_CHARS)?;
        MessageContent::new(&self.content)
    }
}

/// A rating of an answer.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeedbackRequest {
    /// `positive`, `negative`, or `null` to clear the rating. Required.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<FeedbackWire>, required = true)]
    pub rating: Option<Option<FeedbackWire>>,
}

/// Filters and paging of a conversation list. An empty value (`?cursor=`) is the same as none.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListConversationsParams {
    /// Only conversations with this status (both when absent).
    #[param(inline, value_type = Option<ConversationStatusInput>)]
    #[serde(default, deserialize_with = "empty_as_none")]
    pub status: Option<String>,
    /// `nextCursor` of the previous page, unchanged.
    #[param(pattern = "^[A-Za-z0-9_-]+$")]
    #[serde(default, deserialize_with = "empty_as_none")]
    pub cursor: Option<String>,
    /// Page size.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 20)]
    #[serde(default, deserialize_with = "empty_as_none")]
    pub limit: Option<String>,
}

/// Which messages of a conversation to return. An empty value (`?before=`) is the same as none.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GetConversationParams {
    /// Only messages older than this one (its `messageId`); the newest when absent.
    #[param(value_type = Option<uuid::Uuid>, example = "9b1d2c3e-4f5a-4b6c-8d7e-0f1a2b3c4d5e")]
    #[serde(default, deserialize_with = "empty_as_none")]
    pub before: Option<String>,
    /// How many messages.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 50)]
    #[serde(default, deserialize_with = "empty_as_none")]
    pub limit: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rating_must_be_given_even_if_null() {
        let r: FeedbackRequest = serde_json::from_str(r#"{"rating":null}"#).unwrap();
        assert_eq!(r.rating, Some(None));
        let r: FeedbackRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(r.rating, None);
        let r: FeedbackRequest = serde_json::from_str(r#"{"rating":"positive"}"#).unwrap();
        assert_eq!(r.rating, Some(Some(FeedbackWire::Positive)));
    }

    #[test]
    fn deleting_through_patch_is_not_a_status() {
        assert!(serde_json::from_str::<UpdateConversationRequest>(r#"{"status":"deleted"}"#).is_err());
    }
}
