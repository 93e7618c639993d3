//! Cursor paging and the filters of list queries.

use chrono::{DateTime, Utc};

use crate::client::ClientStatus;
use crate::conversation::ConversationStatus;
use crate::ids::{ClientId, ConversationId};
use crate::validation::ValidationError;

/// How many items a page holds: 1–100, 20 unless asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(u16);

impl PageLimit {
    /// Largest page.
    pub const MAX: u16 = 100;

    /// Checks a requested page size.
    ///
    /// # Errors
    /// [`ValidationError`] on `limit` outside 1–100.
    pub fn new(limit: u32) -> Result<Self, ValidationError> {
        match u16::try_from(limit) {
            Ok(n @ 1..=Self::MAX) => Ok(Self(n)),
            _ => Err(ValidationError::new("limit", "must be between 1 and 100")),
        }
    }

    /// The size.
    pub const fn get(self) -> usize {
        self.0 as usize
    }
}

impl Default for PageLimit {
    fn default() -> Self {
        Self(20)
    }
}

/// One page of a list and where the next one starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T, C> {
    /// The items, in the list's order.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<C>,
}

/// Position in the client list, which is sorted by name then id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCursor {
    /// Name of the last client returned.
    pub name: String,
    /// Id of the last client returned.
    pub id: ClientId,
}

/// Position in a conversation list, which is sorted newest `lastMessageAt` first, then by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationCursor {
    /// `lastMessageAt` of the last conversation returned.
    pub last_message_at: DateTime<Utc>,
    /// Id of the last conversation returned.
    pub id: ConversationId,
}

/// Which clients to list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClientQuery {
    /// Only clients with this status.
    pub status: Option<ClientStatus>,
    /// Only clients whose name starts with this, ignoring case.
    pub name_prefix: Option<String>,
    /// Start after this position.
    pub after: Option<ClientCursor>,
    /// Page size.
    pub limit: PageLimit,
}

/// Which conversations to list; deleted conversations are never listed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConversationQuery {
    /// Only conversations about this client.
    pub client_id: Option<ClientId>,
    /// Only conversations with this status (`Active` or `Archived`); both when `None`.
    pub status: Option<ConversationStatus>,
    /// Start after this position.
    pub after: Option<ConversationCursor>,
    /// Page size.
    pub limit: PageLimit,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_limits_are_bounded() {
        assert_eq!(PageLimit::new(1).unwrap().get(), 1);
        assert_eq!(PageLimit::new(100).unwrap().get(), 100);
        assert!(PageLimit::new(0).is_err());
        assert!(PageLimit::new(101).is_err());
        assert_eq!(PageLimit::default().get(), 20);
    }
}
