//! The user's chatbot stats and preferences.

use std::sync::Arc;

use crate::ids::UserId;
use crate::ports::{StoreError, UserChatbotStore};
use crate::user::{PreferenceChanges, Preferences, UserChatbot};
use crate::validation::ValidationError;

/// Why a user action failed.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// The input breaks a rule.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads a user's stats and changes their preferences.
#[derive(Clone)]
pub struct UserService {
    users: Arc<dyn UserChatbotStore>,
}

impl UserService {
    /// A service over this port.
    pub fn new(users: Arc<dyn UserChatbotStore>) -> Self {
        Self { users }
    }

    /// The user's stats and preferences (defaults for a user never seen).
    ///
    /// # Errors
    /// [`UserError::Store`] when the store fails.
    #[tracing::instrument(skip(self), fields(user_id = %user))]
    pub async fn me(&self, user: UserId) -> Result<UserChatbot, UserError> {
        Ok(self.users.get(user).await?)
    }

    /// Changes some preferences, keeping the others.
    ///
    /// # Errors
    /// [`UserError::Invalid`] when the change is empty, [`UserError::Store`] when the store fails.
    #[tracing::instrument(skip(self, changes), fields(user_id = %user))]
    pub async fn update_preferences(&self, user: UserId, changes: PreferenceChanges) -> Result<UserChatbot, UserError> {
        if changes.quick_replies.is_none() && changes.notifications.is_none() {
            return Err(ValidationError::new("body", "must set quickReplies, notifications or both").into());
        }
        let mut chatbot = self.users.get(user).await?;
        let current = chatbot.preferences;
        let preferences = Preferences::new(
            changes.quick_replies.unwrap_or_else(|| current.quick_replies().to_vec()),
            changes.notifications.unwrap_or(current.notifications),
        )?;
        self.users.save_preferences(user, &preferences).await?;
        chatbot.preferences = preferences;
        Ok(chatbot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::MockUserChatbotStore;
    use crate::services::test_support::user_id;
    use crate::user::QuickReply;

    #[tokio::test]
    async fn changing_notifications_keeps_the_quick_replies() {
        let mut store = MockUserChatbotStore::new();
        store.expect_get().returning(|_| {
            Ok(UserChatbot {
                preferences: Preferences::new(vec![QuickReply::new("Spend this week?").unwrap()], true).unwrap(),
                ..UserChatbot::default()
            })
        });
        store
            .expect_save_preferences()
            .withf(|_, p| !p.notifications && p.quick_replies().len() == 1)
            .times(1)
            .returning(|_, _| Ok(()));
        let changes = PreferenceChanges { quick_replies: None, notifications: Some(false) };
        let me = UserService::new(Arc::new(store)).update_preferences(user_id(1), changes).await.unwrap();
        assert!(!me.preferences.notifications);
    }

    #[tokio::test]
    async fn an_empty_change_is_rejected() {
        let err = UserService::new(Arc::new(MockUserChatbotStore::new()))
            .update_preferences(user_id(1), PreferenceChanges::default())
            .await
            .unwrap_err();
        assert!(matches!(err, UserError::Invalid(_)));
    }
}
