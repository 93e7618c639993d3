//! The chatbot's part of a user: stats and preferences (decision 7).

use chrono::{DateTime, Utc};

use crate::validation::{ValidationError, bounded_text};

/// A canned prompt the user can send with one click: 1–200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuickReply(String);

impl QuickReply {
    /// Longest quick reply accepted.
    pub const MAX_CHARS: usize = 200;

    /// Trims and checks a quick reply.
    ///
    /// # Errors
    /// [`ValidationError`] on `quickReplies` when empty or too long.
    pub fn new(raw: &str) -> Result<Self, ValidationError> {
        bounded_text("quickReplies", raw, 1, Self::MAX_CHARS).map(Self)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The user's chatbot preferences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    quick_replies: Vec<QuickReply>,
    /// Whether the user wants notifications.
    pub notifications: bool,
}

impl Preferences {
    /// Most quick replies a user may keep.
    pub const MAX_QUICK_REPLIES: usize = 20;

    /// Preferences with a checked list of quick replies.
    ///
    /// # Errors
    /// [`ValidationError`] on `quickReplies` when there are more than [`Self::MAX_QUICK_REPLIES`].
    pub fn new(quick_replies: Vec<QuickReply>, notifications: bool) -> Result<Self, ValidationError> {
        if quick_replies.len() > Self::MAX_QUICK_REPLIES {
            return Err(ValidationError::new(
                "quickReplies",
                format!("must hold at most {} items (got {})", Self::MAX_QUICK_REPLIES, quick_replies.len()),
            ));
        }
        Ok(Self { quick_replies, notifications })
    }

    /// The quick replies, in the user's order.
    pub fn quick_replies(&self) -> &[QuickReply] {
        &self.quick_replies
    }
}

impl Default for Preferences {
    fn default() -> Self {
        Self { quick_replies: Vec::new(), notifications: true }
    }
}

/// A change to the preferences; `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PreferenceChanges {
    /// The new list of quick replies (replaces the old one).
    pub quick_replies: Option<Vec<QuickReply>>,
    /// The new notifications setting.
    pub notifications: Option<bool>,
}

/// The chatbot's record of one user.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserChatbot {
    /// Conversations the user has started.
    pub total_conversations: u64,
    /// Messages stored in the user's conversations (theirs and the analyst's).
    pub total_messages: u64,
    /// When the user last sent a message.
    pub last_chat_at: Option<DateTime<Utc>>,
    /// Tokens (input plus output) of every answer the user got.
    pub total_tokens_used: u64,
    /// What the user's answers cost, in USD.
    pub total_cost_usd: f64,
    /// Preferences.
    pub preferences: Preferences,
}

/// Counters to add to a user's stats in one write.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ChatActivity {
    /// Conversations started.
    pub conversations: u64,
    /// Messages stored.
    pub messages: u64,
    /// When the user chatted, if this activity was a chat.
    pub chatted_at: Option<DateTime<Utc>>,
    /// Tokens an answer used.
    pub tokens_used: u64,
    /// What an answer cost, in USD.
    pub cost_usd: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_twenty_quick_replies() {
        let replies = |n| (0..n).map(|i| QuickReply::new(&format!("q{i}")).unwrap()).collect::<Vec<_>>();
        assert!(Preferences::new(replies(20), true).is_ok());
        let err = Preferences::new(replies(21), true).unwrap_err();
        assert_eq!(err.field(), "quickReplies");
    }

    #[test]
    fn quick_replies_are_bounded() {
        assert!(QuickReply::new(&"x".repeat(200)).is_ok());
        assert!(QuickReply::new(&"x".repeat(201)).is_err());
        assert!(QuickReply::new("").is_err());
    }
}
