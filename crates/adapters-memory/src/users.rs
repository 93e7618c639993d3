//! [`MemoryUserChatbotStore`]: the chatbot's record of each user.

use std::collections::HashMap;
use std::sync::RwLock;

use async_trait::async_trait;
use domain::ids::UserId;
use domain::ports::{StoreError, UserChatbotStore};
use domain::user::{ChatActivity, Preferences, UserChatbot};

use crate::{read, write};

/// Users' stats and preferences in memory; a user never seen reads as the defaults.
#[derive(Debug, Default)]
pub struct MemoryUserChatbotStore {
    users: RwLock<HashMap<UserId, UserChatbot>>,
}

impl MemoryUserChatbotStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl UserChatbotStore for MemoryUserChatbotStore {
    async fn get(&self, user: UserId) -> Result<UserChatbot, StoreError> {
        Ok(read(&self.users)?.get(&user).cloned().unwrap_or_default())
    }

    async fn save_preferences(&self, user: UserId, preferences: &Preferences) -> Result<(), StoreError> {
        write(&self.users)?.entry(user).or_default().preferences = preferences.clone();
        Ok(())
    }

    async fn record_activity(&self, user: UserId, activity: ChatActivity) -> Result<(), StoreError> {
        let mut users = write(&self.users)?;
        let record = users.entry(user).or_default();
        record.total_conversations = record.total_conversations.saturating_add(activity.conversations);
        record.total_messages = record.total_messages.saturating_add(activity.messages);
        record.total_tokens_used = record.total_tokens_used.saturating_add(activity.tokens_used);
        record.total_cost_usd += activity.cost_usd;
        if let Some(chatted_at) = activity.chatted_at {
            record.last_chat_at = Some(record.last_chat_at.map_or(chatted_at, |last| last.max(chatted_at)));
        }
        Ok(())
    }
}
