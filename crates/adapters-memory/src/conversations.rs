//! [`MemoryConversationStore`]: conversations with their embedded messages, and their retention.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::RwLock;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::conversation::{
    Conversation, ConversationChanges, ConversationStatus, Feedback, HistoryMessage, Message, MessagePage, Role,
};
use domain::ids::{ConversationId, MessageId, UserId};
use domain::paging::{ConversationCursor, ConversationQuery, Page};
use domain::ports::{
    AppendOutcome, ConversationRetention, ConversationStore, FeedbackOutcome, MessageSlot, NewMessage, StoreError,
};

use crate::{page, read, write};

/// A conversation's header and its messages, oldest first, as one record (like the customer's
/// document with embedded messages).
#[derive(Debug)]
struct Stored {
    header: Conversation,
    messages: Vec<Message>,
}

/// Conversations in memory, keyed by id, with each user's ids beside them so that listing reads only
/// the user's own conversations, however many other users have; every user-scoped method sees only
/// that user's records.
///
/// Soft-deleting stamps `updated_at` as well as `deleted_at`; rating a message leaves the header alone.
///
/// It also implements [`ConversationRetention`]. Archiving an idle conversation leaves its
/// `updated_at` as it was: the port gives no "now" to set, and `updated_at` keeps meaning the last
/// change made through the API.
#[derive(Debug, Default)]
pub struct MemoryConversationStore {
    conversations: RwLock<HashMap<ConversationId, Stored>>,
    /// Each user's conversation ids. Locked after `conversations` when both are.
    by_user: RwLock<HashMap<UserId, HashSet<ConversationId>>>,
}

impl MemoryConversationStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

/// The user's conversation `id` when it is not deleted.
fn visible(conversations: &HashMap<ConversationId, Stored>, user: UserId, id: ConversationId) -> Option<&Stored> {
    conversations.get(&id).filter(|s| s.header.user_id == user && s.header.status != ConversationStatus::Deleted)
}

/// The user's conversation `id` when it is not deleted, to change.
fn visible_mut(
    conversations: &mut HashMap<ConversationId, Stored>,
    user: UserId,
    id: ConversationId,
) -> Option<&mut Stored> {
    conversations.get_mut(&id).filter(|s| s.header.user_id == user && s.header.status != ConversationStatus::Deleted)
}

/// Where the page of up to `limit` messages before `before` (the newest when `None`) lies;
/// `None` when `before` is not one of `messages`. Searched from the newest, where questions are.
fn page_range(messages: &[Message], before: Option<MessageId>, limit: usize) -> Option<std::ops::Range<usize>> {
    let end = match before {
        None => messages.len(),
        Some(before) => messages.iter().rposition(|m| m.id == before)?,
    };
    Some(end.saturating_sub(limit)..end)
}

/// The list's sort key, compared in reverse: newest `last_message_at` first, then highest id.
fn sort_key(conversation: &Conversation) -> (DateTime<Utc>, ConversationId) {
    (conversation.last_message_at, conversation.id)
}

#[async_trait]
impl ConversationStore for MemoryConversationStore {
    async fn insert(&self, conversation: &Conversation) -> Result<(), StoreError> {
        let mut conversations = write(&self.conversations)?;
        match conversations.entry(conversation.id) {
            Entry::Occupied(_) => Err(StoreError::AlreadyExists),
            Entry::Vacant(slot) => {
                slot.insert(Stored { header: conversation.clone(), messages: Vec::new() });
                write(&self.by_user)?.entry(conversation.user_id).or_default().insert(conversation.id);
                Ok(())
            }
        }
    }

    async fn get(&self, user: UserId, id: ConversationId) -> Result<Option<Conversation>, StoreError> {
        Ok(read(&self.conversations)?.get(&id).filter(|s| s.header.user_id == user).map(|s| s.header.clone()))
    }

    async fn list(
        &self,
        user: UserId,
        query: &ConversationQuery,
    ) -> Result<Page<Conversation, ConversationCursor>, StoreError> {
        let conversations = read(&self.conversations)?;
        let by_user = read(&self.by_user)?;
        let after = query.after.as_ref().map(|a| (a.last_message_at, a.id));
        let mut matching: Vec<&Conversation> = by_user
            .get(&user)
            .into_iter()
            .flatten()
            .filter_map(|id| conversations.get(id))
            .map(|s| &s.header)
            .filter(|c| c.user_id == user && c.status != ConversationStatus::Deleted)
            .filter(|c| query.client_id.is_none_or(|id| c.client_id == id))
            .filter(|c| query.status.is_none_or(|s| c.status == s))
            .filter(|c| after.is_none_or(|a| sort_key(c) < a))
            .collect();
        matching.sort_by_key(|c| std::cmp::Reverse(sort_key(c)));
        Ok(page(matching, query.limit.get(), |c| ConversationCursor { last_message_at: c.last_message_at, id: c.id }))
    }

    async fn update(
        &self,
        user: UserId,
        id: ConversationId,
        changes: ConversationChanges,
        now: DateTime<Utc>,
    ) -> Result<Option<Conversation>, StoreError> {
        let mut conversations = write(&self.conversations)?;
        let Some(stored) = visible_mut(&mut conversations, user, id) else {
            return Ok(None);
        };
        changes.apply_to(&mut stored.header, now);
        // Deleting has its own method, but should a change say so, keep `deleted_at` coherent so the
        // conversation is still purged in time.
        if stored.header.status == ConversationStatus::Deleted {
            stored.header.deleted_at = Some(now);
        }
        Ok(Some(stored.header.clone()))
    }

    async fn soft_delete(&self, user: UserId, id: ConversationId, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut conversations = write(&self.conversations)?;
        let Some(stored) = visible_mut(&mut conversations, user, id) else {
            return Ok(false);
        };
        stored.header.status = ConversationStatus::Deleted;
        stored.header.deleted_at = Some(now);
        stored.header.updated_at = now;
        Ok(true)
    }

    async fn messages(
        &self,
        user: UserId,
        id: ConversationId,
        before: Option<MessageId>,
        limit: usize,
    ) -> Result<Option<MessagePage>, StoreError> {
        let conversations = read(&self.conversations)?;
        let Some(stored) = visible(&conversations, user, id) else {
            return Ok(None);
        };
        let Some(range) = page_range(&stored.messages, before, limit) else {
            return Ok(None);
        };
        Ok(Some(MessagePage { has_more: range.start > 0, messages: stored.messages[range].to_vec() }))
    }

    async fn history(
        &self,
        user: UserId,
        id: ConversationId,
        before: MessageId,
        limit: usize,
    ) -> Result<Option<Vec<HistoryMessage>>, StoreError> {
        let conversations = read(&self.conversations)?;
        let Some(stored) = visible(&conversations, user, id) else {
            return Ok(None);
        };
        let Some(range) = page_range(&stored.messages, Some(before), limit) else {
            return Ok(None);
        };
        Ok(Some(stored.messages[range].iter().map(HistoryMessage::from).collect()))
    }

    async fn append(
        &self,
        user: UserId,
        id: ConversationId,
        message: &NewMessage,
    ) -> Result<AppendOutcome, StoreError> {
        let mut conversations = write(&self.conversations)?;
        let Some(stored) = visible_mut(&mut conversations, user, id) else {
            return Ok(AppendOutcome::NotFound);
        };
        let header = &mut stored.header;
        let bytes = message.message.stored_bytes();
        match message.slot {
            MessageSlot::Question { limits } if !header.has_room_for_a_question(limits, bytes) => {
                return Ok(AppendOutcome::Full);
            }
            MessageSlot::Question { .. } => header.answers_pending += 1,
            MessageSlot::Answer => header.answers_pending = header.answers_pending.saturating_sub(1),
        }
        let timestamp = message.message.timestamp;
        stored.messages.push(message.message.clone());
        header.message_count += 1;
        header.message_bytes = header.message_bytes.saturating_add(bytes);
        header.last_message_at = timestamp;
        header.updated_at = timestamp;
        header.metadata.total_tokens_used = header.metadata.total_tokens_used.saturating_add(message.tokens_used);
        header.metadata.total_cost_usd += message.cost_usd;
        header.metadata.platforms_queried.extend(message.platforms.iter().copied());
        if header.status == ConversationStatus::Archived {
            header.status = ConversationStatus::Active;
        }
        Ok(AppendOutcome::Appended(header.clone()))
    }

    async fn release_answer(&self, user: UserId, id: ConversationId) -> Result<(), StoreError> {
        let mut conversations = write(&self.conversations)?;
        if let Some(stored) = visible_mut(&mut conversations, user, id) {
            stored.header.answers_pending = stored.header.answers_pending.saturating_sub(1);
        }
        Ok(())
    }

    async fn set_feedback(
        &self,
        user: UserId,
        id: ConversationId,
        message: MessageId,
        feedback: Option<Feedback>,
    ) -> Result<FeedbackOutcome, StoreError> {
        let mut conversations = write(&self.conversations)?;
        let Some(stored) = visible_mut(&mut conversations, user, id) else {
            return Ok(FeedbackOutcome::ConversationNotFound);
        };
        let Some(rated) = stored.messages.iter_mut().find(|m| m.id == message) else {
            return Ok(FeedbackOutcome::MessageNotFound);
        };
        if rated.role != Role::Assistant {
            return Ok(FeedbackOutcome::NotAnAnswer);
        }
        rated.metadata.feedback = feedback;
        Ok(FeedbackOutcome::Rated(rated.clone()))
    }
}

#[async_trait]
impl ConversationRetention for MemoryConversationStore {
    async fn archive_idle(&self, idle_before: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut archived = 0;
        for stored in write(&self.conversations)?.values_mut() {
            let header = &mut stored.header;
            if header.status == ConversationStatus::Active && header.last_message_at < idle_before {
                header.status = ConversationStatus::Archived;
                archived += 1;
            }
        }
        Ok(archived)
    }

    async fn purge_deleted(&self, deleted_before: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut conversations = write(&self.conversations)?;
        let mut purged = Vec::new();
        conversations.retain(|id, s| {
            let purge = s.header.status == ConversationStatus::Deleted
                && s.header.deleted_at.is_some_and(|d| d < deleted_before);
            if purge {
                purged.push((s.header.user_id, *id));
            }
            !purge
        });
        let mut by_user = write(&self.by_user)?;
        for (user, id) in &purged {
            if let Some(ids) = by_user.get_mut(user) {
                ids.remove(id);
                if ids.is_empty() {
                    by_user.remove(user);
                }
            }
        }
        Ok(purged.len() as u64)
    }
}
