//! Conversations between a user and the analyst about one client, and their messages.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::analyst::AnswerWorking;
use crate::ids::{ClientId, ConversationId, MessageId, UserId};
use crate::platform::Platform;
use crate::validation::{ValidationError, bounded_text};

/// A conversation's title: 1–200 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationTitle(String);

impl ConversationTitle {
    /// Longest title accepted.
    pub const MAX_CHARS: usize = 200;

    /// Trims and checks a title.
    ///
    /// # Errors
    /// [`ValidationError`] on `title` when empty or too long.
    pub fn new(raw: &str) -> Result<Self, ValidationError> {
        bounded_text("title", raw, 1, Self::MAX_CHARS).map(Self)
    }

    /// The title.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A title for an untitled conversation, from its first question: the first line with its
    /// spaces folded, cut after at most [`Self::FROM_QUESTION_CHARS`] characters at a word
    /// boundary, with an ellipsis when cut.
    pub fn from_question(question: &MessageContent) -> Self {
        let line = question.as_str().lines().next().unwrap_or_default();
        let folded = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if folded.chars().count() <= Self::FROM_QUESTION_CHARS {
            return Self(folded);
        }
        let mut cut: String = folded.chars().take(Self::FROM_QUESTION_CHARS).collect();
        if let Some(space) = cut.rfind(' ') {
            cut.truncate(space);
        }
        Self(format!("{}…", cut.trim_end_matches(|c: char| c.is_ascii_punctuation())))
    }

    /// Longest title taken from a question, before its ellipsis.
    pub const FROM_QUESTION_CHARS: usize = 60;

    /// A title a model wrote: its first line without surrounding quotes, a "Title:" label or a
    /// final full stop, cut like a title from a question; `None` when nothing is left.
    pub fn from_model(raw: &str) -> Option<Self> {
        let line = raw.lines().map(str::trim).find(|l| !l.is_empty())?;
        let line = line.strip_prefix("Title:").or_else(|| line.strip_prefix("title:")).unwrap_or(line);
        let cleaned = line.trim().trim_matches(|c: char| matches!(c, '"' | '\'' | '“' | '”' | '*' | '#')).trim();
        let cleaned = cleaned.strip_suffix('.').unwrap_or(cleaned);
        let content = MessageContent::new(cleaned).ok()?;
        Some(Self::from_question(&content))
    }
}

/// What a user writes to the analyst: 1–4,000 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageContent(String);

impl MessageContent {
    /// Longest message accepted.
    pub const MAX_CHARS: usize = 4000;

    /// Trims and checks a message.
    ///
    /// # Errors
    /// [`ValidationError`] on `content` when empty or too long.
    pub fn new(raw: &str) -> Result<Self, ValidationError> {
        bounded_text("content", raw, 1, Self::MAX_CHARS).map(Self)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Gives the text back.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Lifecycle of a conversation (decision 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConversationStatus {
    /// In use.
    Active,
    /// Idle or put away by the user; a new message re-activates it.
    Archived,
    /// Soft-deleted: invisible to the user, purged after the retention window.
    Deleted,
}

impl ConversationStatus {
    /// The status's name in the customer's data model.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Archived => "archived",
            Self::Deleted => "deleted",
        }
    }
}

impl FromStr for ConversationStatus {
    type Err = ValidationError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw {
            "active" => Ok(Self::Active),
            "archived" => Ok(Self::Archived),
            "deleted" => Ok(Self::Deleted),
            _ => Err(ValidationError::new("status", "must be one of active, archived")),
        }
    }
}

/// Running totals kept on a conversation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConversationMetadata {
    /// Platforms whose data answered a message here.
    pub platforms_queried: BTreeSet<Platform>,
    /// Tokens (input plus output) used by every answer here.
    pub total_tokens_used: u64,
    /// What every answer here cost, in USD.
    pub total_cost_usd: f64,
}

/// A conversation's header: everything but its messages, which are read page by page.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    /// The conversation's id.
    pub id: ConversationId,
    /// The agency user who owns it.
    pub user_id: UserId,
    /// The client it is about.
    pub client_id: ClientId,
    /// Optional title.
    pub title: Option<ConversationTitle>,
    /// Lifecycle status.
    pub status: ConversationStatus,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When its last message was written (its creation time before any message).
    pub last_message_at: DateTime<Utc>,
    /// When it was soft-deleted.
    pub deleted_at: Option<DateTime<Utc>>,
    /// How many messages it holds.
    pub message_count: u32,
    /// Answers being written: each stored question reserves its answer's place under the message
    /// cap until the answer is stored or the model gives up (decision 6).
    pub answers_pending: u32,
    /// The stored size of its messages, by [`Message::stored_bytes`], counted against
    /// [`ConversationLimits::byte_budget`].
    pub message_bytes: u64,
    /// Running totals.
    pub metadata: ConversationMetadata,
}

impl Conversation {
    /// Whether a question of `question_bytes` fits under the limits, with room for its answer next
    /// to the answers already being written: room in the message count for both, and room in the
    /// byte budget for the question and [`Message::ANSWER_RESERVE_BYTES`] per pending answer.
    pub fn has_room_for_a_question(&self, limits: ConversationLimits, question_bytes: u64) -> bool {
        let pending = u64::from(self.answers_pending);
        let count_ok = u64::from(self.message_count) + pending + 2 <= u64::from(limits.message_cap);
        let bytes_ok =
            self.message_bytes + question_bytes + (pending + 1) * Message::ANSWER_RESERVE_BYTES <= limits.byte_budget;
        count_ok && bytes_ok
    }

    /// A new, empty, active conversation.
    pub fn start(
        id: ConversationId,
        user_id: UserId,
        client_id: ClientId,
        title: Option<ConversationTitle>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            user_id,
            client_id,
            title,
            status: ConversationStatus::Active,
            created_at: now,
            updated_at: now,
            last_message_at: now,
            deleted_at: None,
            message_count: 0,
            answers_pending: 0,
            message_bytes: 0,
            metadata: ConversationMetadata::default(),
        }
    }
}

/// How large a conversation may grow (decision 6): a message count and a byte budget, so that a
/// conversation document stays well under MongoDB's 16 MB limit even at the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConversationLimits {
    /// Most messages, questions and answers together.
    pub message_cap: u32,
    /// Most stored bytes of messages ([`Message::stored_bytes`]).
    pub byte_budget: u64,
}

impl ConversationLimits {
    /// The default byte budget: 8 MiB, half of MongoDB's document limit, leaving room for the
    /// document's other fields and the estimate's error.
    pub const DEFAULT_BYTE_BUDGET: u64 = 8 * 1024 * 1024;
}

impl Default for ConversationLimits {
    fn default() -> Self {
        Self { message_cap: 1000, byte_budget: Self::DEFAULT_BYTE_BUDGET }
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The agency user.
    User,
    /// The analyst.
    Assistant,
    /// An instruction to the analyst.
    System,
}

impl Role {
    /// The role's name in the customer's data model.
    pub const fn key(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Assistant => "assistant",
            Self::System => "system",
        }
    }
}

impl FromStr for Role {
    type Err = ValidationError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw {
            "user" => Ok(Self::User),
            "assistant" => Ok(Self::Assistant),
            "system" => Ok(Self::System),
            _ => Err(ValidationError::new("role", "must be one of user, assistant, system")),
        }
    }
}

/// Thumbs up or down on an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Feedback {
    /// Thumbs up.
    Positive,
    /// Thumbs down.
    Negative,
}

impl Feedback {
    /// The rating's name in the customer's data model.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Positive => "positive",
            Self::Negative => "negative",
        }
    }
}

impl FromStr for Feedback {
    type Err = ValidationError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw {
            "positive" => Ok(Self::Positive),
            "negative" => Ok(Self::Negative),
            _ => Err(ValidationError::new("rating", "must be positive, negative or null")),
        }
    }
}

/// Facts recorded with a message: which model wrote it, what it cost, how it was rated.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MessageMetadata {
    /// The model that wrote an answer.
    pub model: Option<String>,
    /// Input plus output tokens of the answer.
    pub tokens_used: Option<u64>,
    /// Cost of the answer in USD.
    pub cost_usd: Option<f64>,
    /// The user's rating of the answer.
    pub feedback: Option<Feedback>,
    /// Platforms whose figures the answer used.
    pub platforms: Vec<Platform>,
    /// Whether the answer was built from demo data.
    pub demo_data: bool,
    /// How the answer was reached: tools, sources, grounding (answers only).
    pub working: Option<AnswerWorking>,
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The message's id (decision 10).
    pub id: MessageId,
    /// Who wrote it.
    pub role: Role,
    /// Its text.
    pub content: String,
    /// When it was written.
    pub timestamp: DateTime<Utc>,
    /// Model, cost and rating.
    pub metadata: MessageMetadata,
}

impl Message {
    /// Most bytes of an answer's text that are stored; a longer answer is cut with a note.
    pub const MAX_ANSWER_TEXT_BYTES: usize = 24 * 1024;

    /// The most an answer adds to a conversation's stored bytes: its text, its working (bounded by
    /// the chat use case) and its other fields.
    pub const ANSWER_RESERVE_BYTES: u64 = 48 * 1024;

    /// Bytes the message takes in storage, estimated from its text and metadata with a margin for
    /// field names, so that the byte budget holds on any store.
    pub fn stored_bytes(&self) -> u64 {
        const FIXED: usize = 256;
        let m = &self.metadata;
        let model = m.model.as_ref().map_or(0, String::len);
        let working = m.working.as_ref().map_or(0, AnswerWorking::stored_bytes);
        (FIXED + self.content.len() + model + working + 16 * m.platforms.len()) as u64
    }
}

/// What a model's prompt needs of an earlier message: who wrote it and its text, without the
/// answer's metadata and working (most of a stored answer's bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryMessage {
    /// Who wrote it.
    pub role: Role,
    /// Its text.
    pub content: String,
}

impl From<&Message> for HistoryMessage {
    fn from(message: &Message) -> Self {
        Self { role: message.role, content: message.content.clone() }
    }
}

/// A page of a conversation's messages, oldest first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MessagePage {
    /// The messages, oldest first.
    pub messages: Vec<Message>,
    /// Whether older messages exist before the first one.
    pub has_more: bool,
}

/// A change to a conversation's header.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConversationChanges {
    /// New or cleared title.
    pub title: Option<Option<ConversationTitle>>,
    /// New status: only `Active` or `Archived` (deleting has its own action).
    pub status: Option<ConversationStatus>,
}

impl ConversationChanges {
    /// Applies the change to `conversation` at `now`.
    pub fn apply_to(self, conversation: &mut Conversation, now: DateTime<Utc>) {
        if let Some(title) = self.title {
            conversation.title = title;
        }
        if let Some(status) = self.status {
            conversation.status = status;
        }
        conversation.updated_at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_content_is_bounded() {
        assert_eq!(MessageContent::new("  hi ").unwrap().as_str(), "hi");
        assert_eq!(MessageContent::new(" ").unwrap_err().field(), "content");
        assert!(MessageContent::new(&"é".repeat(4000)).is_ok());
        assert!(MessageContent::new(&"é".repeat(4001)).is_err());
    }

    fn limits(message_cap: u32) -> ConversationLimits {
        ConversationLimits { message_cap, ..ConversationLimits::default() }
    }

    #[test]
    fn a_question_needs_room_for_itself_its_answer_and_the_answers_in_progress() {
        let now = chrono::DateTime::<chrono::Utc>::MIN_UTC;
        let ids = (ConversationId::from_uuid(uuid::Uuid::nil()), UserId::from_bytes([0; 12]));
        let mut c = Conversation::start(ids.0, ids.1, ClientId::from_bytes([0; 12]), None, now);
        c.message_count = 8;
        assert!(c.has_room_for_a_question(limits(10), 100));
        c.answers_pending = 1;
        assert!(!c.has_room_for_a_question(limits(10), 100));
        assert!(c.has_room_for_a_question(limits(11), 100));
        assert!(!Conversation { message_count: 0, answers_pending: 0, ..c }.has_room_for_a_question(limits(1), 100));
    }

    #[test]
    fn a_question_needs_room_in_the_byte_budget_for_its_answer_too() {
        let now = chrono::DateTime::<chrono::Utc>::MIN_UTC;
        let ids = (ConversationId::from_uuid(uuid::Uuid::nil()), UserId::from_bytes([0; 12]));
        let mut c = Conversation::start(ids.0, ids.1, ClientId::from_bytes([0; 12]), None, now);
        let budget = 3 * Message::ANSWER_RESERVE_BYTES;
        let small = ConversationLimits { message_cap: 1000, byte_budget: budget };
        c.message_bytes = Message::ANSWER_RESERVE_BYTES;
        assert!(c.has_room_for_a_question(small, Message::ANSWER_RESERVE_BYTES));
        assert!(!c.has_room_for_a_question(small, Message::ANSWER_RESERVE_BYTES + 1));
        c.answers_pending = 1;
        assert!(!c.has_room_for_a_question(small, 1), "the pending answer's reserve counts");
    }

    #[test]
    fn titles_from_questions_keep_the_first_line_and_cut_at_a_word() {
        let title = |q: &str| ConversationTitle::from_question(&MessageContent::new(q).unwrap()).as_str().to_owned();
        assert_eq!(title("  What did we   spend?\nAnd clicks?"), "What did we spend?");
        let long = "Which of our Google Ads campaigns converted best last quarter, and why did it beat the others?";
        assert_eq!(title(long), "Which of our Google Ads campaigns converted best last…");
        assert!(title(long).chars().count() <= ConversationTitle::FROM_QUESTION_CHARS + 1);
        assert_eq!(title(&"x".repeat(70)).chars().count(), 61, "a word longer than the limit is cut inside");
    }

    #[test]
    fn titles_from_a_model_lose_their_quotes_labels_and_full_stops() {
        let title = |raw: &str| ConversationTitle::from_model(raw).map(|t| t.as_str().to_owned());
        assert_eq!(title("\"Q4 Google Ads spend review\"").as_deref(), Some("Q4 Google Ads spend review"));
        assert_eq!(title("\n\nTitle: Meta ROAS by campaign.\nMore text").as_deref(), Some("Meta ROAS by campaign"));
        assert_eq!(title("  ").as_deref(), None);
        assert_eq!(title("\"\"").as_deref(), None);
        assert!(title(&"word ".repeat(40)).unwrap().chars().count() <= ConversationTitle::FROM_QUESTION_CHARS + 1);
    }

    #[test]
    fn feedback_and_roles_parse() {
        assert_eq!("negative".parse::<Feedback>().unwrap(), Feedback::Negative);
        assert!("meh".parse::<Feedback>().is_err());
        assert_eq!("assistant".parse::<Role>().unwrap(), Role::Assistant);
    }
}
