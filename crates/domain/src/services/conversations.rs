//! Starting, listing, reading, changing and deleting conversations, and rating answers.

use std::sync::Arc;

use crate::client::ClientStatus;
use crate::conversation::{
    Conversation, ConversationChanges, ConversationStatus, ConversationTitle, Feedback, Message, MessagePage,
};
use crate::ids::{ClientId, ConversationId, MessageId, UserId};
use crate::paging::{ConversationCursor, ConversationQuery, Page};
use crate::ports::{ClientStore, Clock, ConversationStore, FeedbackOutcome, IdGenerator, StoreError, UserChatbotStore};
use crate::user::ChatActivity;
use crate::validation::ValidationError;

/// Why a conversation action failed.
#[derive(Debug, thiserror::Error)]
pub enum ConversationError {
    /// The input breaks a rule.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The user has no such conversation (or it is deleted).
    #[error("conversation not found")]
    NotFound,
    /// The user has no such client.
    #[error("client not found")]
    ClientNotFound,
    /// The client is archived: its conversations are read-only.
    #[error("the client is archived; restore it to start new conversations")]
    ClientArchived,
    /// The conversation has no such message.
    #[error("message not found")]
    MessageNotFound,
    /// Only the analyst's answers take feedback.
    #[error("only assistant messages can be rated")]
    NotAnAnswer,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A conversation's header and one page of its messages.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationDetail {
    /// The header.
    pub conversation: Conversation,
    /// The requested page of messages, oldest first.
    pub messages: MessagePage,
}

/// The conversation actions other than chatting.
#[derive(Clone)]
pub struct ConversationService {
    conversations: Arc<dyn ConversationStore>,
    clients: Arc<dyn ClientStore>,
    users: Arc<dyn UserChatbotStore>,
    ids: Arc<dyn IdGenerator>,
    clock: Arc<dyn Clock>,
}

impl ConversationService {
    /// A service over these ports.
    pub fn new(
        conversations: Arc<dyn ConversationStore>,
        clients: Arc<dyn ClientStore>,
        users: Arc<dyn UserChatbotStore>,
        ids: Arc<dyn IdGenerator>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { conversations, clients, users, ids, clock }
    }

    /// Starts an empty conversation about one of the user's clients and counts it in their stats.
    ///
    /// # Errors
    /// [`ConversationError::ClientNotFound`] when the user has no such client,
    /// [`ConversationError::ClientArchived`] when it is archived.
    #[tracing::instrument(skip(self, title), fields(user_id = %user))]
    pub async fn start(
        &self,
        user: UserId,
        client: ClientId,
        title: Option<ConversationTitle>,
    ) -> Result<Conversation, ConversationError> {
        let found = self.clients.get(user, client).await?.ok_or(ConversationError::ClientNotFound)?;
        if found.status == ClientStatus::Archived {
            return Err(ConversationError::ClientArchived);
        }
        let conversation = Conversation::start(self.ids.conversation_id(), user, client, title, self.clock.now());
        self.conversations.insert(&conversation).await?;
        // The conversation exists now: failing the request would make a retry create a second one.
        // A stats write that fails is logged and the start stands, as the chat path does.
        let activity = ChatActivity { conversations: 1, ..ChatActivity::default() };
        if let Err(error) = self.users.record_activity(user, activity).await {
            tracing::error!(%error, "could not count the new conversation in the user's stats");
        }
        Ok(conversation)
    }

    /// A page of the user's conversations across clients, or about one client when the query names it.
    ///
    /// # Errors
    /// [`ConversationError::ClientNotFound`] when the query names a client the user does not have,
    /// [`ConversationError::Invalid`] when it asks for deleted conversations.
    #[tracing::instrument(skip(self, query), fields(user_id = %user))]
    pub async fn list(
        &self,
        user: UserId,
        query: &ConversationQuery,
    ) -> Result<Page<Conversation, ConversationCursor>, ConversationError> {
        if query.status == Some(ConversationStatus::Deleted) {
            return Err(ValidationError::new("status", "must be one of active, archived").into());
        }
        if let Some(client) = query.client_id {
            self.clients.get(user, client).await?.ok_or(ConversationError::ClientNotFound)?;
        }
        Ok(self.conversations.list(user, query).await?)
    }

    /// The conversation with up to `limit` messages before `before` (the latest when `None`).
    ///
    /// # Errors
    /// [`ConversationError::NotFound`] when the user has no such conversation or it is deleted,
    /// [`ConversationError::MessageNotFound`] when `before` is not one of its messages.
    #[tracing::instrument(skip(self), fields(user_id = %user))]
    pub async fn get(
        &self,
        user: UserId,
        id: ConversationId,
        before: Option<MessageId>,
        limit: usize,
    ) -> Result<ConversationDetail, ConversationError> {
        let conversation = self.visible(user, id).await?;
        let messages = self.conversations.messages(user, id, before, limit).await?.ok_or(if before.is_some() {
            ConversationError::MessageNotFound
        } else {
            ConversationError::NotFound
        })?;
        Ok(ConversationDetail { conversation, messages })
    }

    /// Changes the title or moves the conversation between active and archived.
    ///
    /// # Errors
    /// [`ConversationError::Invalid`] when the change is empty or asks for `deleted`,
    /// [`ConversationError::NotFound`] when the user has no such conversation.
    #[tracing::instrument(skip(self, changes), fields(user_id = %user))]
    pub async fn update(
        &self,
        user: UserId,
        id: ConversationId,
        changes: ConversationChanges,
    ) -> Result<Conversation, ConversationError> {
        if changes.title.is_none() && changes.status.is_none() {
            return Err(ValidationError::new("body", "must set title, status or both").into());
        }
        if changes.status == Some(ConversationStatus::Deleted) {
            return Err(ValidationError::new("status", "must be active or archived; use DELETE to delete").into());
        }
        self.conversations.update(user, id, changes, self.clock.now()).await?.ok_or(ConversationError::NotFound)
    }

    /// Soft-deletes a conversation: it disappears for the user and is purged after the retention window.
    ///
    /// # Errors
    /// [`ConversationError::NotFound`] when the user has no such conversation or it is already deleted.
    #[tracing::instrument(skip(self), fields(user_id = %user))]
    pub async fn delete(&self, user: UserId, id: ConversationId) -> Result<(), ConversationError> {
        if self.conversations.soft_delete(user, id, self.clock.now()).await? {
            Ok(())
        } else {
            Err(ConversationError::NotFound)
        }
    }

    /// Rates an answer thumbs up or down, or clears the rating.
    ///
    /// # Errors
    /// [`ConversationError::NotFound`], [`ConversationError::MessageNotFound`], or
    /// [`ConversationError::NotAnAnswer`] when the message is not the analyst's.
    #[tracing::instrument(skip(self), fields(user_id = %user))]
    pub async fn rate(
        &self,
        user: UserId,
        id: ConversationId,
        message: MessageId,
        feedback: Option<Feedback>,
    ) -> Result<Message, ConversationError> {
        match self.conversations.set_feedback(user, id, message, feedback).await? {
            FeedbackOutcome::Rated(message) => Ok(message),
            FeedbackOutcome::ConversationNotFound => Err(ConversationError::NotFound),
            FeedbackOutcome::MessageNotFound => Err(ConversationError::MessageNotFound),
            FeedbackOutcome::NotAnAnswer => Err(ConversationError::NotAnAnswer),
        }
    }

    async fn visible(&self, user: UserId, id: ConversationId) -> Result<Conversation, ConversationError> {
        match self.conversations.get(user, id).await? {
            Some(c) if c.status != ConversationStatus::Deleted => Ok(c),
            _ => Err(ConversationError::NotFound),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Client;
    use crate::ports::{MockClientStore, MockConversationStore, MockIdGenerator, MockUserChatbotStore};
    use crate::services::test_support::{self, FixedClock, client_id, conversation_id, user_id};

    fn client(status: ClientStatus) -> Client {
        test_support::client(client_id(1), user_id(1), status)
    }

    fn service(
        conversations: MockConversationStore,
        clients: MockClientStore,
        users: MockUserChatbotStore,
    ) -> ConversationService {
        let mut ids = MockIdGenerator::new();
        ids.expect_conversation_id().return_const(conversation_id(9));
        ConversationService::new(
            Arc::new(conversations),
            Arc::new(clients),
            Arc::new(users),
            Arc::new(ids),
            Arc::new(FixedClock::default()),
        )
    }

    #[tokio::test]
    async fn starting_a_conversation_counts_it_in_the_users_stats() {
        let mut clients = MockClientStore::new();
        clients.expect_get().returning(|_, _| Ok(Some(client(ClientStatus::Active))));
        let mut conversations = MockConversationStore::new();
        conversations
            .expect_insert()
            .withf(|c| c.user_id == user_id(1) && c.client_id == client_id(1) && c.message_count == 0)
            .times(1)
            .returning(|_| Ok(()));
        let mut users = MockUserChatbotStore::new();
        users
            .expect_record_activity()
            .withf(|_, a| a.conversations == 1 && a.messages == 0)
            .times(1)
            .returning(|_, _| Ok(()));
        let started = service(conversations, clients, users).start(user_id(1), client_id(1), None).await.unwrap();
        assert_eq!(started.id, conversation_id(9));
        assert_eq!(started.status, ConversationStatus::Active);
    }

    #[tokio::test]
    async fn a_started_conversation_stands_when_only_counting_it_fails() {
        let mut clients = MockClientStore::new();
        clients.expect_get().returning(|_, _| Ok(Some(client(ClientStatus::Active))));
        let mut conversations = MockConversationStore::new();
        conversations.expect_insert().times(1).returning(|_| Ok(()));
        let mut users = MockUserChatbotStore::new();
        users.expect_record_activity().returning(|_, _| Err(StoreError::Unavailable("down".into())));
        // A failure here would make the caller retry and create a second conversation.
        let started = service(conversations, clients, users).start(user_id(1), client_id(1), None).await;
        assert_eq!(started.unwrap().id, conversation_id(9));
    }

    #[tokio::test]
    async fn an_archived_client_takes_no_new_conversation() {
        let mut clients = MockClientStore::new();
        clients.expect_get().returning(|_, _| Ok(Some(client(ClientStatus::Archived))));
        let err = service(MockConversationStore::new(), clients, MockUserChatbotStore::new())
            .start(user_id(1), client_id(1), None)
            .await
            .unwrap_err();
        assert!(matches!(err, ConversationError::ClientArchived));
    }

    #[tokio::test]
    async fn a_deleted_conversation_reads_as_not_found() {
        let mut conversations = MockConversationStore::new();
        conversations.expect_get().returning(|u, id| {
            let mut c = Conversation::start(id, u, client_id(1), None, FixedClock::default().0);
            c.status = ConversationStatus::Deleted;
            Ok(Some(c))
        });
        let err = service(conversations, MockClientStore::new(), MockUserChatbotStore::new())
            .get(user_id(1), conversation_id(1), None, 50)
            .await
            .unwrap_err();
        assert!(matches!(err, ConversationError::NotFound));
    }

    // Listing about another user's client, which exists, is checked over the real in-memory store
    // in `tests/use_cases.rs`: a mock answering `None` here could not fail.

    #[tokio::test]
    async fn deleting_through_update_is_refused() {
        let changes = ConversationChanges { title: None, status: Some(ConversationStatus::Deleted) };
        let err = service(MockConversationStore::new(), MockClientStore::new(), MockUserChatbotStore::new())
            .update(user_id(1), conversation_id(1), changes)
            .await
            .unwrap_err();
        assert!(matches!(err, ConversationError::Invalid(e) if e.field() == "status"));
    }

    #[tokio::test]
    async fn rating_a_users_message_is_refused() {
        let mut conversations = MockConversationStore::new();
        conversations.expect_set_feedback().returning(|_, _, _, _| Ok(FeedbackOutcome::NotAnAnswer));
        let err = service(conversations, MockClientStore::new(), MockUserChatbotStore::new())
            .rate(
                user_id(1),
                conversation_id(1),
                crate::services::test_support::message_id(1),
                Some(Feedback::Positive),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, ConversationError::NotAnAnswer));
    }
}
