//! Enumerations as they appear on the wire, each mapped one-to-one to its domain type.

use domain::client::ClientStatus;
use domain::conversation::{ConversationStatus, Feedback, Role};
use domain::platform::{ConnectionStatus, Platform};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A platform a client can connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum PlatformWire {
    /// Google Analytics 4.
    GoogleAnalytics,
    /// Google Ads.
    GoogleAds,
    /// Meta Ads.
    MetaAds,
    /// `LinkedIn` Ads.
    LinkedinAds,
}

impl From<Platform> for PlatformWire {
    fn from(p: Platform) -> Self {
        match p {
            Platform::GoogleAnalytics => Self::GoogleAnalytics,
            Platform::GoogleAds => Self::GoogleAds,
            Platform::MetaAds => Self::MetaAds,
            Platform::LinkedinAds => Self::LinkedinAds,
        }
    }
}

/// A client's lifecycle status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum ClientStatusWire {
    /// Worked on now.
    Active,
    /// Paused; still readable and chattable.
    Inactive,
    /// Archived: out of the active list, its conversations read-only.
    Archived,
}

impl From<ClientStatus> for ClientStatusWire {
    fn from(s: ClientStatus) -> Self {
        match s {
            ClientStatus::Active => Self::Active,
            ClientStatus::Inactive => Self::Inactive,
            ClientStatus::Archived => Self::Archived,
        }
    }
}

impl From<ClientStatusWire> for ClientStatus {
    fn from(s: ClientStatusWire) -> Self {
        match s {
            ClientStatusWire::Active => Self::Active,
            ClientStatusWire::Inactive => Self::Inactive,
            ClientStatusWire::Archived => Self::Archived,
        }
    }
}

/// Health of a platform connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum ConnectionStatusWire {
    /// Tokens work and data syncs.
    Active,
    /// The platform rejected the tokens; reconnect.
    Expired,
    /// The last sync failed for another reason.
    Error,
}

impl From<ConnectionStatus> for ConnectionStatusWire {
    fn from(s: ConnectionStatus) -> Self {
        match s {
            ConnectionStatus::Active => Self::Active,
            ConnectionStatus::Expired => Self::Expired,
            ConnectionStatus::Error => Self::Error,
        }
    }
}

/// A conversation's lifecycle status as reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum ConversationStatusWire {
    /// In use.
    Active,
    /// Put away (by the user or after 90 idle days); a new message re-activates it.
    Archived,
    /// Deleted (never returned by the API; listed for completeness).
    Deleted,
}

impl From<ConversationStatus> for ConversationStatusWire {
    fn from(s: ConversationStatus) -> Self {
        match s {
            ConversationStatus::Active => Self::Active,
            ConversationStatus::Archived => Self::Archived,
            ConversationStatus::Deleted => Self::Deleted,
        }
    }
}

/// The statuses a user may give a conversation (deleting has its own route).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum ConversationStatusInput {
    /// Back in use.
    Active,
    /// Put away.
    Archived,
}

impl From<ConversationStatusInput> for ConversationStatus {
    fn from(s: ConversationStatusInput) -> Self {
        match s {
            ConversationStatusInput::Active => Self::Active,
            ConversationStatusInput::Archived => Self::Archived,
        }
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum RoleWire {
    /// The agency user.
    User,
    /// The analyst.
    Assistant,
    /// An instruction to the analyst.
    System,
}

impl From<Role> for RoleWire {
    fn from(r: Role) -> Self {
        match r {
            Role::User => Self::User,
            Role::Assistant => Self::Assistant,
            Role::System => Self::System,
        }
    }
}

/// Thumbs up or down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum FeedbackWire {
    /// Thumbs up.
    Positive,
    /// Thumbs down.
    Negative,
}

impl From<Feedback> for FeedbackWire {
    fn from(f: Feedback) -> Self {
        match f {
            Feedback::Positive => Self::Positive,
            Feedback::Negative => Self::Negative,
        }
    }
}

impl From<FeedbackWire> for Feedback {
    fn from(f: FeedbackWire) -> Self {
        match f {
            FeedbackWire::Positive => Self::Positive,
            FeedbackWire::Negative => Self::Negative,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_are_spelled_as_the_domain_keys_them() {
        for p in Platform::ALL {
            let json = serde_json::to_value(PlatformWire::from(p)).unwrap();
            assert_eq!(json, p.key());
        }
    }

    #[test]
    fn statuses_are_spelled_as_the_domain_keys_them() {
        for s in [ClientStatus::Active, ClientStatus::Inactive, ClientStatus::Archived] {
            assert_eq!(serde_json::to_value(ClientStatusWire::from(s)).unwrap(), s.key());
        }
        for s in [ConversationStatus::Active, ConversationStatus::Archived, ConversationStatus::Deleted] {
            assert_eq!(serde_json::to_value(ConversationStatusWire::from(s)).unwrap(), s.key());
        }
        for s in [ConnectionStatus::Active, ConnectionStatus::Expired, ConnectionStatus::Error] {
            assert_eq!(serde_json::to_value(ConnectionStatusWire::from(s)).unwrap(), s.key());
        }
        for r in [Role::User, Role::Assistant, Role::System] {
            assert_eq!(serde_json::to_value(RoleWire::from(r)).unwrap(), r.key());
        }
        for f in [Feedback::Positive, Feedback::Negative] {
            assert_eq!(serde_json::to_value(FeedbackWire::from(f)).unwrap(), f.key());
        }
    }
}
