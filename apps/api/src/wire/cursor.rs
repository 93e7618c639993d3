//! Opaque page cursors: base64url (no padding) of a small JSON document naming the list it belongs
//! to and the position of the last item returned. Clients pass them back unchanged as `?cursor=`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use domain::ids::{ClientId, ConversationId};
use domain::paging::{ClientCursor, ConversationCursor, PageLimit};
use domain::validation::ValidationError;
use serde::{Deserialize, Serialize};

/// The encoded position, tagged with the kind of list so that a cursor of one list is refused by
/// another.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "k")]
enum Position {
    #[serde(rename = "c")]
    Client { n: String, i: String },
    #[serde(rename = "v")]
    Conversation { t: DateTime<Utc>, i: String },
}

fn encode(position: &Position) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(position).unwrap_or_default())
}

fn decode(raw: &str) -> Option<Position> {
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn bad_cursor() -> ValidationError {
    ValidationError::new("cursor", "is not a cursor of this list; pass nextCursor from the previous page unchanged")
}

/// Encodes a position in the client list.
pub fn encode_client(cursor: &ClientCursor) -> String {
    encode(&Position::Client { n: cursor.name.clone(), i: cursor.id.to_string() })
}

/// Decodes a position in the client list.
///
/// # Errors
/// [`ValidationError`] on `cursor` when it is not one this server issued for clients.
pub fn decode_client(raw: &str) -> Result<ClientCursor, ValidationError> {
    match decode(raw) {
        Some(Position::Client { n, i }) => {
            Ok(ClientCursor { name: n, id: ClientId::parse(&i).map_err(|_| bad_cursor())? })
        }
        _ => Err(bad_cursor()),
    }
}

/// Encodes a position in a conversation list.
pub fn encode_conversation(cursor: &ConversationCursor) -> String {
    encode(&Position::Conversation { t: cursor.last_message_at, i: cursor.id.to_string() })
}

/// Decodes a position in a conversation list.
///
/// # Errors
/// [`ValidationError`] on `cursor` when it is not one this server issued for conversations.
pub fn decode_conversation(raw: &str) -> Result<ConversationCursor, ValidationError> {
    match decode(raw) {
        Some(Position::Conversation { t, i }) => {
            Ok(ConversationCursor { last_message_at: t, id: ConversationId::parse(&i).map_err(|_| bad_cursor())? })
        }
        _ => Err(bad_cursor()),
    }
}

/// Parses `?limit=`: a whole number from 1 to 100, in decimal digits only (as documented: no sign,
/// no spaces); `default` when absent.
///
/// # Errors
/// [`ValidationError`] on `limit` otherwise.
pub fn parse_limit(raw: Option<&str>, default: u32) -> Result<PageLimit, ValidationError> {
    let value = match raw {
        None => default,
        Some(raw) => Some(raw)
            .filter(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|r| r.parse::<u32>().ok())
            .ok_or_else(|| ValidationError::new("limit", "must be a whole number from 1 to 100"))?,
    };
    PageLimit::new(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_cursors_round_trip() {
        let cursor =
            ClientCursor { name: "Acme Corp".into(), id: ClientId::parse("64b7f0c2a1b2c3d4e5f60718").unwrap() };
        let raw = encode_client(&cursor);
        assert!(raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{raw}");
        assert_eq!(decode_client(&raw).unwrap(), cursor);
    }

    #[test]
    fn conversation_cursors_round_trip() {
        let cursor = ConversationCursor {
            last_message_at: "2026-11-25T10:00:00.123Z".parse().unwrap(),
            id: ConversationId::parse("3f2b8c1e-6d4a-4b7e-9c1f-2a5d8e9b0c47").unwrap(),
        };
        assert_eq!(decode_conversation(&encode_conversation(&cursor)).unwrap(), cursor);
    }

    #[test]
    fn a_cursor_of_another_list_or_garbage_is_refused() {
        let client =
            encode_client(&ClientCursor { name: "A".into(), id: ClientId::parse("64b7f0c2a1b2c3d4e5f60718").unwrap() });
        for raw in [client.as_str(), "", "not base64!", "e30"] {
            assert_eq!(decode_conversation(raw).unwrap_err().field(), "cursor", "{raw}");
        }
    }

    #[test]
    fn limits_are_whole_numbers_from_1_to_100() {
        assert_eq!(parse_limit(None, 20).unwrap().get(), 20);
        assert_eq!(parse_limit(Some("100"), 20).unwrap().get(), 100);
        for bad in ["0", "101", "-1", "+5", " 5", "ten", "1.5", "99999999999"] {
            assert_eq!(parse_limit(Some(bad), 20).unwrap_err().field(), "limit", "{bad}");
        }
    }
}
