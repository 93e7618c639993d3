//! Identifiers: ObjectId-shaped ids for users and clients, UUIDs for conversations and messages.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::validation::ValidationError;

/// Declares a 12-byte, 24-hex-character identifier (the shape of a MongoDB ObjectId).
macro_rules! object_id {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; 12]);

        impl $name {
            /// Wraps the 12 raw bytes of an ObjectId.
            pub const fn from_bytes(bytes: [u8; 12]) -> Self {
                Self(bytes)
            }

            /// The 12 raw bytes, as a storage adapter writes them.
            pub const fn bytes(&self) -> [u8; 12] {
                self.0
            }

            /// Parses 24 hexadecimal characters.
            ///
            /// # Errors
            /// [`ValidationError`] when the text is not exactly 24 hex characters.
            pub fn parse(raw: &str) -> Result<Self, ValidationError> {
                let mut bytes = [0u8; 12];
                hex::decode_to_slice(raw.trim(), &mut bytes).map_err(|_| {
                    ValidationError::new($field, "must be a 24-character hexadecimal id")
                })?;
                Ok(Self(bytes))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::encode(self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

/// Declares a UUID identifier.
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps a UUID (generation happens behind the [`crate::ports::IdGenerator`] port).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The wrapped UUID.
            pub const fn uuid(&self) -> Uuid {
                self.0
            }

            /// Parses the hyphenated UUID form.
            ///
            /// # Errors
            /// [`ValidationError`] when the text is not a UUID.
            pub fn parse(raw: &str) -> Result<Self, ValidationError> {
                Uuid::try_parse(raw.trim())
                    .map(Self)
                    .map_err(|_| ValidationError::new($field, "must be a UUID such as 3f2b8c1e-6d4a-4b7e-9c1f-2a5d8e9b0c47"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

object_id!(
    /// An agency user, owned by the agency's main application (the JWT's `sub`).
    UserId,
    "userId"
);
object_id!(
    /// A client of the agency.
    ClientId,
    "clientId"
);
uuid_id!(
    /// A conversation, addressed by its `conversationId` UUID, never by a storage key.
    ConversationId,
    "conversationId"
);
uuid_id!(
    /// One message inside a conversation.
    MessageId,
    "messageId"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids_round_trip_through_hex() {
        let id = ClientId::parse("64b7f0c2a1b2c3d4e5f60718").unwrap();
        assert_eq!(id.to_string(), "64b7f0c2a1b2c3d4e5f60718");
        assert_eq!(ClientId::from_bytes(id.bytes()), id);
    }

    #[test]
    fn malformed_object_ids_are_rejected_with_the_field_name() {
        for raw in ["", "64b7f0c2", "zzb7f0c2a1b2c3d4e5f60718", "64b7f0c2a1b2c3d4e5f6071800"] {
            let err = UserId::parse(raw).unwrap_err();
            assert_eq!(err.field(), "userId", "{raw}");
        }
    }

    #[test]
    fn uuids_parse_and_display_hyphenated() {
        let raw = "3f2b8c1e-6d4a-4b7e-9c1f-2a5d8e9b0c47";
        assert_eq!(ConversationId::parse(raw).unwrap().to_string(), raw);
        assert_eq!(MessageId::parse("nope").unwrap_err().field(), "messageId");
    }
}
