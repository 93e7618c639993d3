//! Cursor paging and the filters of list queries.

use chrono::{DateTime, Utc};

use crate::client::{ClientName, ClientStatus};
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
    /// Only clients whose name starts with this, ignoring case: whose [`name_key`] starts with
    /// this prefix's. Matched literally, whatever characters it holds; build it from a user's
    /// input with [`ClientQuery::name_prefix`].
    pub name_prefix: Option<String>,
    /// Start after this position.
    pub after: Option<ClientCursor>,
    /// Page size.
    pub limit: PageLimit,
}

impl ClientQuery {
    /// Longest search accepted, in characters: a client name's limit, since a longer prefix can
    /// match no name.
    pub const MAX_SEARCH_CHARS: usize = ClientName::MAX_CHARS;

    /// The name prefix a user's search asks for: trimmed, `None` when blank.
    ///
    /// # Errors
    /// [`ValidationError`] on `search` when it holds more than [`Self::MAX_SEARCH_CHARS`]
    /// characters once trimmed.
    pub fn name_prefix(search: Option<&str>) -> Result<Option<String>, ValidationError> {
        let Some(trimmed) = search.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        let len = trimmed.chars().count();
        if len > Self::MAX_SEARCH_CHARS {
            return Err(ValidationError::new(
                "search",
                format!("must be at most {} characters (got {len})", Self::MAX_SEARCH_CHARS),
            ));
        }
        Ok(Some(trimmed.to_owned()))
    }
}

/// The key a name is searched by: lowercased character by character with Unicode's
/// `char::to_lowercase` (`É` becomes `é`, `İ` becomes `i̇`). Character by character rather than
/// `str::to_lowercase`, whose final-sigma rule would make the key of `ΑΣ` (`ας`) no prefix of the
/// key of `ΑΣΑ` (`ασα`): this way the key of a prefix of a name is always a prefix of the name's
/// key, which is what a prefix search on stored keys relies on.
pub fn name_key(name: &str) -> String {
    name.chars().flat_map(char::to_lowercase).collect()
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

    #[test]
    fn a_search_is_trimmed_blank_is_none_and_longer_than_a_name_is_refused() {
        assert_eq!(ClientQuery::name_prefix(None), Ok(None));
        assert_eq!(ClientQuery::name_prefix(Some("  \t ")), Ok(None));
        assert_eq!(ClientQuery::name_prefix(Some("  Acme ")), Ok(Some("Acme".to_owned())));
        assert_eq!(ClientQuery::name_prefix(Some("\0")), Ok(Some("\0".to_owned())), "NUL is no space");
        let longest = "é".repeat(200);
        assert_eq!(ClientQuery::name_prefix(Some(&longest)), Ok(Some(longest.clone())), "counts characters");
        let err = ClientQuery::name_prefix(Some(&format!("{longest}x"))).unwrap_err();
        assert_eq!(err.field(), "search");
        assert!(err.message().contains("at most 200"), "{err}");
    }

    #[test]
    fn the_key_of_a_prefix_is_a_prefix_of_the_key() {
        assert_eq!(name_key("Éclair ACME"), "éclair acme");
        assert_eq!(name_key("İstanbul"), "i\u{307}stanbul");
        assert_eq!(name_key("ΑΣ"), "ασ", "no final sigma");
        for (name, prefix) in [("ΑΣΑ", "ΑΣ"), ("İİ", "İ"), ("Straße", "STRA")] {
            assert!(name_key(name).starts_with(&name_key(prefix)), "{name} / {prefix}");
        }
    }
}
