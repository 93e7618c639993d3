//! Conversations between a user and the analyst about one client, and their messages.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::{DateTime, Utc};

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
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConversationMetadata {
    /// Platforms whose data answered a message here.
    pub platforms_queried: BTreeSet<Platform>,
    /// Tokens (input plus output) used by every answer here.
    pub total_tokens_used: u64,
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
    /// Running totals.
    pub metadata: ConversationMetadata,
}

impl Conversation {
    /// Whether a question fits under `cap`, with room for its answer next to the answers already
    /// being written.
    pub fn has_room_for_a_question(&self, cap: u32) -> bool {
        u64::from(self.message_count) + u64::from(self.answers_pending) + 2 <= u64::from(cap)
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
            metadata: ConversationMetadata::default(),
        }
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

    #[test]
    fn a_question_needs_room_for_itself_its_answer_and_the_answers_in_progress() {
        let now = chrono::DateTime::<chrono::Utc>::MIN_UTC;
        let ids = (ConversationId::from_uuid(uuid::Uuid::nil()), UserId::from_bytes([0; 12]));
        let mut c = Conversation::start(ids.0, ids.1, ClientId::from_bytes([0; 12]), None, now);
        c.message_count = 8;
        assert!(c.has_room_for_a_question(10));
        c.answers_pending = 1;
        assert!(!c.has_room_for_a_question(10));
        assert!(c.has_room_for_a_question(11));
        assert!(!Conversation { message_count: 0, answers_pending: 0, ..c }.has_room_for_a_question(1));
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
    fn feedback_and_roles_parse() {
        assert_eq!("negative".parse::<Feedback>().unwrap(), Feedback::Negative);
        assert!("meh".parse::<Feedback>().is_err());
        assert_eq!("assistant".parse::<Role>().unwrap(), Role::Assistant);
    }
}
