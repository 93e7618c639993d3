//! Path ids: how they are read, and how `/openapi.json` describes them.
//!
//! The path is read strictly, exactly as documented: a client id is 24 hexadecimal characters and
//! nothing else, a conversation or message id is a hyphenated UUID (no surrounding spaces, no
//! braces, no `urn:uuid:` prefix). Anything else is a `400` naming the parameter.

use domain::ids::{ClientId, ConversationId, MessageId};
use domain::validation::ValidationError;
use utoipa::IntoParams;

use crate::wire::enums::PlatformWire;

/// The pattern of a client id (the shape of a `MongoDB` `ObjectId`), as documented.
pub const OBJECT_ID_PATTERN: &str = "^[0-9a-fA-F]{24}$";

/// A client id, as an example.
pub const CLIENT_ID_EXAMPLE: &str = "64b7f0c2a1b2c3d4e5f60718";

/// A conversation id, as an example.
pub const CONVERSATION_ID_EXAMPLE: &str = "3f2b8c1e-6d4a-4b7e-9c1f-2a5d8e9b0c47";

/// A message id, as an example.
pub const MESSAGE_ID_EXAMPLE: &str = "9b1d2c3e-4f5a-4b6c-8d7e-0f1a2b3c4d5e";

/// The `{clientId}` path parameter (documentation only: handlers read `Path<String>` and parse it
/// with [`parse_client_id`], so that a malformed id is a problem naming the parameter).
#[derive(Debug, IntoParams)]
#[into_params(names("clientId"), parameter_in = Path)]
pub struct ClientIdPath(
    /// The client's id: 24 hexadecimal characters (a `MongoDB` `ObjectId`).
    #[param(pattern = "^[0-9a-fA-F]{24}$", example = "64b7f0c2a1b2c3d4e5f60718")]
    pub String,
);

/// The `{conversationId}` path parameter (documentation only, see [`ClientIdPath`]).
#[derive(Debug, IntoParams)]
#[into_params(names("conversationId"), parameter_in = Path)]
pub struct ConversationIdPath(
    /// The conversation's id: a hyphenated UUID.
    #[param(value_type = uuid::Uuid, example = "3f2b8c1e-6d4a-4b7e-9c1f-2a5d8e9b0c47")]
    pub String,
);

/// The `{messageId}` path parameter (documentation only, see [`ClientIdPath`]).
#[derive(Debug, IntoParams)]
#[into_params(names("messageId"), parameter_in = Path)]
pub struct MessageIdPath(
    /// The message's id: a hyphenated UUID.
    #[param(value_type = uuid::Uuid, example = "9b1d2c3e-4f5a-4b6c-8d7e-0f1a2b3c4d5e")]
    pub String,
);

/// The `{platform}` path parameter (documentation only, see [`ClientIdPath`]).
#[derive(Debug, IntoParams)]
#[into_params(names("platform"), parameter_in = Path)]
pub struct PlatformPath(
    /// The platform: `googleAnalytics`, `googleAds`, `metaAds` or `linkedinAds`.
    #[param(inline, value_type = PlatformWire, example = "googleAds")]
    pub String,
);

/// Parses a `{clientId}` path segment: exactly 24 hexadecimal characters.
///
/// # Errors
/// [`ValidationError`] on `clientId` otherwise.
pub fn parse_client_id(raw: &str) -> Result<ClientId, ValidationError> {
    if raw.len() != 24 || !raw.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ValidationError::new("clientId", "must be a 24-character hexadecimal id"));
    }
    ClientId::parse(raw)
}

/// Whether `raw` is in the hyphenated form of a UUID (36 characters; the parser also takes other
/// forms, which are not documented and so not accepted).
fn is_hyphenated_uuid(raw: &str) -> bool {
    raw.len() == 36 && uuid::Uuid::try_parse(raw).is_ok()
}

fn not_a_uuid(field: &'static str) -> ValidationError {
    ValidationError::new(field, format!("must be a UUID such as {CONVERSATION_ID_EXAMPLE}"))
}

/// Parses a `{conversationId}` path segment: a hyphenated UUID.
///
/// # Errors
/// [`ValidationError`] on `conversationId` otherwise.
pub fn parse_conversation_id(raw: &str) -> Result<ConversationId, ValidationError> {
    if !is_hyphenated_uuid(raw) {
        return Err(not_a_uuid("conversationId"));
    }
    ConversationId::parse(raw)
}

/// Parses a message id (the `{messageId}` path segment, or `?before=`) given as `field`: a
/// hyphenated UUID.
///
/// # Errors
/// [`ValidationError`] on `field` otherwise.
pub fn parse_message_id(field: &'static str, raw: &str) -> Result<MessageId, ValidationError> {
    if !is_hyphenated_uuid(raw) {
        return Err(not_a_uuid(field));
    }
    MessageId::parse(raw).map_err(|_| not_a_uuid(field))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_exactly_24_hex_characters() {
        assert_eq!(parse_client_id(CLIENT_ID_EXAMPLE).unwrap().to_string(), CLIENT_ID_EXAMPLE);
        assert!(parse_client_id(&CLIENT_ID_EXAMPLE.to_uppercase()).is_ok());
        for bad in ["", "0", " 64b7f0c2a1b2c3d4e5f60718", "64b7f0c2a1b2c3d4e5f60718 ", "64b7f0c2a1b2c3d4e5f6071g"] {
            assert_eq!(parse_client_id(bad).unwrap_err().field(), "clientId", "{bad:?}");
        }
    }

    #[test]
    fn uuids_must_be_hyphenated_and_unpadded() {
        assert!(parse_conversation_id(CONVERSATION_ID_EXAMPLE).is_ok());
        assert!(parse_message_id("messageId", MESSAGE_ID_EXAMPLE).is_ok());
        let simple = CONVERSATION_ID_EXAMPLE.replace('-', "");
        let braced = format!("{{{CONVERSATION_ID_EXAMPLE}}}");
        let padded = format!(" {CONVERSATION_ID_EXAMPLE}");
        for bad in ["", "0", simple.as_str(), braced.as_str(), padded.as_str()] {
            assert_eq!(parse_conversation_id(bad).unwrap_err().field(), "conversationId", "{bad:?}");
            assert_eq!(parse_message_id("before", bad).unwrap_err().field(), "before", "{bad:?}");
        }
    }

    #[test]
    fn the_documented_pattern_is_the_one_the_parser_applies() {
        assert_eq!(OBJECT_ID_PATTERN, "^[0-9a-fA-F]{24}$");
        let doc =
            utoipa::openapi::path::OperationBuilder::new().parameters(Some(ClientIdPath::into_params(|| None))).build();
        let json = serde_json::to_value(doc).unwrap();
        assert_eq!(json["parameters"][0]["schema"]["pattern"], OBJECT_ID_PATTERN);
        assert_eq!(json["parameters"][0]["example"], CLIENT_ID_EXAMPLE);
    }
}
