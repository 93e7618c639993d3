//! The `users` collection, of which this service writes only the `chatbot` sub-document (decision 7),
//! upserted by the user's `_id`: the rest of each user belongs to the agency's main application.

use std::future::IntoFuture;

use async_trait::async_trait;
use bson::{Document, doc};
use domain::ids::UserId;
use domain::ports::{StoreError, UserChatbotStore};
use domain::user::{ChatActivity, Preferences, QuickReply, UserChatbot};
use mongodb::Collection;
use serde::{Deserialize, Serialize};

use crate::convert::{Count, bson_date, chrono_date, decode, encode, user_oid};
use crate::error::{corrupt, retry_lost_upsert, store_error};

/// Name of the collection.
pub(crate) const COLLECTION: &str = "users";

/// What this service reads of a user document.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub(crate) struct UserDoc {
    #[serde(default)]
    pub chatbot: Option<ChatbotDoc>,
}

/// `chatbot`, as in the customer's schema plus `totalTokensUsed` and `totalCostUsd` (decision 5),
/// which read as zero where they were never written.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChatbotDoc {
    #[serde(default)]
    pub total_conversations: Count,
    #[serde(default)]
    pub total_messages: Count,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_chat_at: Option<bson::DateTime>,
    /// Tokens of every answer the user got; an Int64.
    #[serde(default)]
    pub total_tokens_used: Count,
    /// What the user's answers cost, in USD; a Double.
    #[serde(default)]
    pub total_cost_usd: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferences: Option<PreferencesDoc>,
}

/// `chatbot.preferences`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PreferencesDoc {
    #[serde(default)]
    pub quick_replies: Vec<String>,
    #[serde(default = "notifications_by_default")]
    pub notifications: bool,
}

/// Notifications are on unless the user turned them off.
fn notifications_by_default() -> bool {
    Preferences::default().notifications
}

impl From<&Preferences> for PreferencesDoc {
    fn from(preferences: &Preferences) -> Self {
        Self {
            quick_replies: preferences.quick_replies().iter().map(|q| q.as_str().to_owned()).collect(),
            notifications: preferences.notifications,
        }
    }
}

impl ChatbotDoc {
    /// The user's record as the domain holds it; defaults for what was never written.
    pub(crate) fn into_domain(self, user: UserId) -> Result<UserChatbot, StoreError> {
        let what = format!("chatbot of user {user}");
        let preferences = match self.preferences {
            None => Preferences::default(),
            Some(p) => {
                let replies = p
                    .quick_replies
                    .iter()
                    .map(|q| QuickReply::new(q))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| corrupt(what.clone(), e))?;
                Preferences::new(replies, p.notifications).map_err(|e| corrupt(what.clone(), e))?
            }
        };
        Ok(UserChatbot {
            total_conversations: self.total_conversations.0,
            total_messages: self.total_messages.0,
            last_chat_at: self.last_chat_at.map(chrono_date),
            total_tokens_used: self.total_tokens_used.0,
            total_cost_usd: self.total_cost_usd,
            preferences,
        })
    }
}

/// The update that replaces the preferences; the counters are created at zero if missing, so the
/// sub-document always has the schema's required fields and the totals.
pub(crate) fn preferences_update(preferences: &Preferences) -> Result<Document, StoreError> {
    Ok(doc! {
        "$set": { "chatbot.preferences": encode(&PreferencesDoc::from(preferences))? },
        "$inc": {
            "chatbot.totalConversations": 0_i64,
            "chatbot.totalMessages": 0_i64,
            "chatbot.totalTokensUsed": 0_i64,
            "chatbot.totalCostUsd": 0.0,
        },
    })
}

/// The update that records activity: `$inc` the counters, tokens and cost, `$max` the last chat time.
pub(crate) fn activity_update(activity: ChatActivity) -> Result<Document, StoreError> {
    let mut update = doc! {
        "$inc": {
            "chatbot.totalConversations": Count::int64(activity.conversations)?,
            "chatbot.totalMessages": Count::int64(activity.messages)?,
            "chatbot.totalTokensUsed": Count::int64(activity.tokens_used)?,
            // A Double, as every cost is.
            "chatbot.totalCostUsd": activity.cost_usd,
        },
    };
    if let Some(at) = activity.chatted_at {
        update.insert("$max", doc! { "chatbot.lastChatAt": bson_date(at) });
    }
    Ok(update)
}

/// [`UserChatbotStore`] on the `users` collection.
#[derive(Debug, Clone)]
pub struct MongoUserChatbotStore {
    collection: Collection<Document>,
}

impl MongoUserChatbotStore {
    /// A store on this database's `users` collection.
    pub fn new(database: &mongodb::Database) -> Self {
        Self { collection: database.collection(COLLECTION) }
    }

    /// Upserts the user's document by `_id`. Two first writes for one user can race to insert it;
    /// the loser retries as an update of the winner's document.
    async fn upsert(&self, user: UserId, update: Document, context: &'static str) -> Result<(), StoreError> {
        let filter = doc! { "_id": user_oid(user) };
        retry_lost_upsert(|| self.collection.update_one(filter.clone(), update.clone()).upsert(true).into_future())
            .await
            .map_err(|e| store_error(e, context))?;
        Ok(())
    }
}

#[async_trait]
impl UserChatbotStore for MongoUserChatbotStore {
    #[tracing::instrument(level = "debug", skip(self), fields(user_id = %user))]
    async fn get(&self, user: UserId) -> Result<UserChatbot, StoreError> {
        let found = self
            .collection
            .find_one(doc! { "_id": user_oid(user) })
            .projection(doc! { "chatbot": 1 })
            .await
            .map_err(|e| store_error(e, "reading a user's chatbot record"))?;
        let doc = match found {
            Some(document) => decode::<UserDoc>(document, format!("user {user}"))?,
            None => UserDoc::default(),
        };
        doc.chatbot.unwrap_or_default().into_domain(user)
    }

    #[tracing::instrument(level = "debug", skip(self, preferences), fields(user_id = %user))]
    async fn save_preferences(&self, user: UserId, preferences: &Preferences) -> Result<(), StoreError> {
        self.upsert(user, preferences_update(preferences)?, "saving a user's preferences").await
    }

    #[tracing::instrument(level = "debug", skip(self), fields(user_id = %user))]
    async fn record_activity(&self, user: UserId, activity: ChatActivity) -> Result<(), StoreError> {
        self.upsert(user, activity_update(activity)?, "recording a user's activity").await
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn user() -> UserId {
        UserId::parse("64b7f0c2a1b2c3d4e5f60718").unwrap()
    }

    #[test]
    fn the_chatbot_sub_document_has_the_schemas_fields() {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap();
        let chatbot = ChatbotDoc {
            total_conversations: Count(3),
            total_messages: Count(12),
            last_chat_at: Some(bson_date(at)),
            total_tokens_used: Count(9_180),
            total_cost_usd: 0.002_889,
            preferences: Some(PreferencesDoc { quick_replies: vec!["Spend this week?".into()], notifications: false }),
        };
        let expected = doc! {
            "totalConversations": 3_i64,
            "totalMessages": 12_i64,
            "lastChatAt": bson_date(at),
            "totalTokensUsed": 9_180_i64,
            "totalCostUsd": 0.002_889,
            "preferences": { "quickReplies": ["Spend this week?"], "notifications": false },
        };
        assert_eq!(bson::to_document(&chatbot).unwrap(), expected);
        let read = decode::<ChatbotDoc>(expected, "test").unwrap().into_domain(user()).unwrap();
        assert_eq!((read.total_conversations, read.total_messages, read.last_chat_at), (3, 12, Some(at)));
        assert_eq!((read.total_tokens_used, read.total_cost_usd), (9_180, 0.002_889));
        assert_eq!(read.preferences.quick_replies()[0].as_str(), "Spend this week?");
    }

    #[test]
    fn saving_preferences_sets_only_the_preferences() {
        let preferences = Preferences::new(vec![QuickReply::new("Top campaign?").unwrap()], true).unwrap();
        assert_eq!(
            preferences_update(&preferences).unwrap(),
            doc! {
                "$set": { "chatbot.preferences": { "quickReplies": ["Top campaign?"], "notifications": true } },
                "$inc": {
                    "chatbot.totalConversations": 0_i64,
                    "chatbot.totalMessages": 0_i64,
                    "chatbot.totalTokensUsed": 0_i64,
                    "chatbot.totalCostUsd": 0.0,
                },
            }
        );
    }

    #[test]
    fn activity_is_added_and_the_chat_time_only_moves_forward() {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap();
        let question = ChatActivity { messages: 1, chatted_at: Some(at), ..ChatActivity::default() };
        assert_eq!(
            activity_update(question).unwrap(),
            doc! {
                "$inc": {
                    "chatbot.totalConversations": 0_i64,
                    "chatbot.totalMessages": 1_i64,
                    "chatbot.totalTokensUsed": 0_i64,
                    "chatbot.totalCostUsd": 0.0,
                },
                "$max": { "chatbot.lastChatAt": bson_date(at) },
            }
        );
        let answer = ChatActivity { messages: 1, tokens_used: 1_530, cost_usd: 0.000_481_5, ..ChatActivity::default() };
        assert_eq!(
            activity_update(answer).unwrap(),
            doc! {
                "$inc": {
                    "chatbot.totalConversations": 0_i64,
                    "chatbot.totalMessages": 1_i64,
                    "chatbot.totalTokensUsed": 1_530_i64,
                    "chatbot.totalCostUsd": 0.000_481_5,
                },
            }
        );
        let without_chat = activity_update(ChatActivity { conversations: 1, ..ChatActivity::default() }).unwrap();
        assert!(!without_chat.contains_key("$max"));
    }

    #[test]
    #[allow(clippy::float_cmp)] // an Int32 2 reads as exactly 2.0
    fn a_user_without_chatbot_fields_reads_as_the_defaults() {
        let read = decode::<UserDoc>(doc! { "_id": user_oid(user()), "email": "someone@agency.com" }, "test").unwrap();
        assert_eq!(read.chatbot.unwrap_or_default().into_domain(user()).unwrap(), UserChatbot::default());
        let partial = decode::<ChatbotDoc>(doc! { "preferences": { "quickReplies": [] } }, "test").unwrap();
        assert!(partial.into_domain(user()).unwrap().preferences.notifications);
        // Written before the totals existed: the schema's counters only, and the totals read as zero.
        let counters = doc! { "totalConversations": 2_i32, "totalMessages": 6_i32 };
        let before = decode::<ChatbotDoc>(counters, "test").unwrap().into_domain(user()).unwrap();
        assert_eq!((before.total_messages, before.total_tokens_used, before.total_cost_usd), (6, 0, 0.0));
        // Another writer, or a server written in JavaScript, may keep an integral total as an Int32.
        let integral = decode::<ChatbotDoc>(doc! { "totalCostUsd": 2_i32 }, "test").unwrap();
        assert_eq!(integral.into_domain(user()).unwrap().total_cost_usd, 2.0);
    }
}
