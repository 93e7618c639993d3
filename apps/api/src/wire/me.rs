//! The user's chatbot stats and preferences.

use chrono::{DateTime, Utc};
use domain::user::{PreferenceChanges, QuickReply, UserChatbot};
use domain::validation::ValidationError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::schema::{Array, ArrayBuilder, ObjectBuilder, Type};

use crate::wire::{at_most, non_null};

/// The user's chatbot stats and preferences.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeBody {
    /// The user's id.
    pub user_id: String,
    /// Conversations the user has started.
    pub total_conversations: u64,
    /// Messages stored in the user's conversations (theirs and the analyst's).
    pub total_messages: u64,
    /// When the user last sent a message.
    #[serde(serialize_with = "crate::wire::rfc3339_option")]
    pub last_chat_at: Option<DateTime<Utc>>,
    /// Tokens (input plus output) of every answer the user got.
    pub total_tokens_used: u64,
    /// What the user's answers cost, in USD: the sum of their `metadata.cost`.
    pub total_cost_usd: f64,
    /// Preferences.
    pub preferences: PreferencesBody,
}

/// The user's preferences.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreferencesBody {
    /// Canned prompts, in the user's order.
    pub quick_replies: Vec<String>,
    /// Whether the user wants notifications.
    pub notifications: bool,
}

impl MeBody {
    /// The body for `user`'s record.
    pub fn new(user: domain::ids::UserId, me: &UserChatbot) -> Self {
        Self {
            user_id: user.to_string(),
            total_conversations: me.total_conversations,
            total_messages: me.total_messages,
            last_chat_at: me.last_chat_at,
            total_tokens_used: me.total_tokens_used,
            total_cost_usd: me.total_cost_usd,
            preferences: PreferencesBody {
                quick_replies: me.preferences.quick_replies().iter().map(|q| q.as_str().to_owned()).collect(),
                notifications: me.preferences.notifications,
            },
        }
    }
}

/// A change to the preferences: absent fields stay. At least one field.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdatePreferencesRequest {
    /// The new list of quick replies (replaces the old one): at most 20, each 1–200 characters, not
    /// only spaces.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(schema_with = quick_replies_schema)]
    pub quick_replies: Option<Vec<String>>,
    /// Whether the user wants notifications.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub notifications: Option<bool>,
}

/// `quickReplies`: at most 20 strings of 1–200 characters with a non-space (utoipa's attributes
/// cannot constrain the items of a `Vec<String>`).
fn quick_replies_schema() -> Array {
    let item = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(QuickReply::MAX_CHARS))
        .pattern(Some(r"\S"));
    ArrayBuilder::new()
        .items(item)
        .max_items(Some(domain::user::Preferences::MAX_QUICK_REPLIES))
        .description(Some(
            "The new list of quick replies (replaces the old one): at most 20, each 1–200 characters, not only \
             spaces.",
        ))
        .examples([serde_json::json!(["How did our ads do last week?", "Which campaign converts best?"])])
        .build()
}

impl TryFrom<UpdatePreferencesRequest> for PreferenceChanges {
    type Error = ValidationError;

    fn try_from(r: UpdatePreferencesRequest) -> Result<Self, Self::Error> {
        Ok(Self {
            quick_replies: r
                .quick_replies
                .map(|list| list.iter().map(|q| quick_reply(q)).collect::<Result<Vec<_>, _>>())
                .transpose()?,
            notifications: r.notifications,
        })
    }
}

fn quick_reply(raw: &str) -> Result<QuickReply, ValidationError> {
    at_most("quickReplies", raw, QuickReply::MAX_CHARS)?;
    QuickReply::new(raw)
}
