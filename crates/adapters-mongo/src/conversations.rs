//! The `conversations` collection: each conversation with its messages embedded, written one
//! message at a time by a single atomic update and read one page of messages at a time.

use std::collections::BTreeSet;

use async_trait::async_trait;
use bson::{Bson, Document, doc};
use chrono::{DateTime, Utc};
use domain::conversation::{
    Conversation, ConversationChanges, ConversationLimits, ConversationMetadata, ConversationStatus, ConversationTitle,
    Feedback, HistoryMessage, Message, MessageMetadata, MessagePage, Role,
};
use domain::ids::{ClientId, ConversationId, MessageId, UserId};
use domain::paging::{ConversationCursor, ConversationQuery, Page};
use domain::ports::{
    AppendOutcome, ConversationRetention, ConversationStore, FeedbackOutcome, MessageSlot, NewMessage, StoreError,
};
use futures::TryStreamExt;
use mongodb::Collection;
use mongodb::options::ReturnDocument;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::convert::{Count, bson_date, chrono_date, client_oid, decode, encode, encode_document, user_oid};
use crate::error::{corrupt, store_error};
use crate::figures::parse_platform;
use crate::working::WorkingDoc;

/// Name of the collection.
pub(crate) const COLLECTION: &str = "conversations";

/// The status every user-facing query excludes.
const DELETED: &str = "deleted";

/// A conversation document, field for field as in the customer's schema plus `deletedAt`
/// (decision 3), `answersPending` and `messageBytes` (decision 6). `_id` is left to the server:
/// conversations are addressed by `conversationId`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConversationDoc {
    pub conversation_id: String,
    pub user_id: bson::oid::ObjectId,
    pub client_id: bson::oid::ObjectId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Absent when a query projects the messages away.
    #[serde(default)]
    pub messages: Vec<MessageDoc>,
    pub created_at: bson::DateTime,
    pub updated_at: bson::DateTime,
    pub last_message_at: bson::DateTime,
    pub message_count: Count,
    /// Answers being written, each reserving its place under the cap (decision 6); beyond the
    /// customer's schema, and absent while none is.
    #[serde(default, skip_serializing_if = "Count::is_zero")]
    pub answers_pending: Count,
    /// The stored size of the messages by `Message::stored_bytes`, counted against the byte budget
    /// (decision 6); beyond the customer's schema, absent while zero and in documents written before
    /// it existed (which read as zero).
    #[serde(default, skip_serializing_if = "Count::is_zero")]
    pub message_bytes: Count,
    pub status: String,
    #[serde(default)]
    pub metadata: ConversationMetadataDoc,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<bson::DateTime>,
}

/// A conversation's `metadata`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConversationMetadataDoc {
    #[serde(default)]
    pub platforms_queried: Vec<String>,
    #[serde(default)]
    pub total_tokens_used: Count,
    /// What every answer here cost, in USD (decision 5), a Double; beyond the customer's schema,
    /// absent while zero and in documents written before it existed (which read as zero).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub total_cost_usd: f64,
}

/// Whether a total is zero (such a field is left out of a document).
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `skip_serializing_if` passes a reference
fn is_zero(total: &f64) -> bool {
    *total == 0.0
}

/// One element of `messages`, with the `messageId` of decision 10.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MessageDoc {
    pub message_id: String,
    pub role: String,
    pub content: String,
    pub timestamp: bson::DateTime,
    /// Absent on the user's messages, which have none of its fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<MessageMetadataDoc>,
}

/// A message's `metadata`; each field only when it has a value.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MessageMetadataDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens_used: Option<Count>,
    /// In USD (decision 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback_rating: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub demo_data: bool,
    /// How an answer was reached (`crate::working`); beyond the customer's schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working: Option<WorkingDoc>,
}

impl ConversationDoc {
    /// The document a new conversation becomes (its messages are appended one by one later).
    pub(crate) fn from_domain(conversation: &Conversation) -> Self {
        Self {
            conversation_id: conversation.id.to_string(),
            user_id: user_oid(conversation.user_id),
            client_id: client_oid(conversation.client_id),
            title: conversation.title.as_ref().map(|t| t.as_str().to_owned()),
            messages: Vec::new(),
            created_at: bson_date(conversation.created_at),
            updated_at: bson_date(conversation.updated_at),
            last_message_at: bson_date(conversation.last_message_at),
            message_count: Count(u64::from(conversation.message_count)),
            answers_pending: Count(u64::from(conversation.answers_pending)),
            message_bytes: Count(conversation.message_bytes),
            status: conversation.status.key().to_owned(),
            metadata: ConversationMetadataDoc {
                platforms_queried: conversation.metadata.platforms_queried.iter().map(|p| p.key().to_owned()).collect(),
                total_tokens_used: Count(conversation.metadata.total_tokens_used),
                total_cost_usd: conversation.metadata.total_cost_usd,
            },
            deleted_at: conversation.deleted_at.map(bson_date),
        }
    }

    /// The conversation's header (its messages are not part of it).
    pub(crate) fn into_domain(self) -> Result<Conversation, StoreError> {
        let what = format!("conversation {}", self.conversation_id);
        let field = |e: domain::validation::ValidationError| corrupt(what.clone(), e);
        let platforms_queried = self
            .metadata
            .platforms_queried
            .iter()
            .map(|p| parse_platform(p, what.clone()))
            .collect::<Result<BTreeSet<_>, _>>()?;
        Ok(Conversation {
            id: ConversationId::parse(&self.conversation_id).map_err(field)?,
            user_id: UserId::from_bytes(self.user_id.bytes()),
            client_id: ClientId::from_bytes(self.client_id.bytes()),
            title: self.title.as_deref().map(ConversationTitle::new).transpose().map_err(field)?,
            status: self.status.parse::<ConversationStatus>().map_err(field)?,
            created_at: chrono_date(self.created_at),
            updated_at: chrono_date(self.updated_at),
            last_message_at: chrono_date(self.last_message_at),
            deleted_at: self.deleted_at.map(chrono_date),
            message_count: u32::try_from(self.message_count.0)
                .map_err(|_| corrupt(what.clone(), format!("messageCount {} is too large", self.message_count.0)))?,
            answers_pending: u32::try_from(self.answers_pending.0).map_err(|_| {
                corrupt(what.clone(), format!("answersPending {} is too large", self.answers_pending.0))
            })?,
            message_bytes: self.message_bytes.0,
            metadata: ConversationMetadata {
                platforms_queried,
                total_tokens_used: self.metadata.total_tokens_used.0,
                total_cost_usd: self.metadata.total_cost_usd,
            },
        })
    }
}

impl MessageDoc {
    /// The element a message becomes.
    pub(crate) fn from_domain(message: &Message) -> Self {
        let m = &message.metadata;
        let metadata = MessageMetadataDoc {
            model: m.model.clone(),
            tokens_used: m.tokens_used.map(Count),
            cost: m.cost_usd,
            feedback_rating: m.feedback.map(|f| f.key().to_owned()),
            platforms: m.platforms.iter().map(|p| p.key().to_owned()).collect(),
            demo_data: m.demo_data,
            working: m.working.as_ref().map(WorkingDoc::from_domain),
        };
        Self {
            message_id: message.id.to_string(),
            role: message.role.key().to_owned(),
            content: message.content.clone(),
            timestamp: bson_date(message.timestamp),
            metadata: (metadata != MessageMetadataDoc::default()).then_some(metadata),
        }
    }

    /// The message this element holds.
    pub(crate) fn into_domain(self) -> Result<Message, StoreError> {
        let what = format!("message {}", self.message_id);
        let field = |e: domain::validation::ValidationError| corrupt(what.clone(), e);
        let m = self.metadata.unwrap_or_default();
        Ok(Message {
            id: MessageId::parse(&self.message_id).map_err(field)?,
            role: self.role.parse::<Role>().map_err(field)?,
            content: self.content,
            timestamp: chrono_date(self.timestamp),
            metadata: MessageMetadata {
                model: m.model,
                tokens_used: m.tokens_used.map(|c| c.0),
                cost_usd: m.cost,
                feedback: m.feedback_rating.as_deref().map(str::parse::<Feedback>).transpose().map_err(field)?,
                platforms: m.platforms.iter().map(|p| parse_platform(p, what.clone())).collect::<Result<_, _>>()?,
                demo_data: m.demo_data,
                working: m.working.map(|w| w.into_domain(&what)).transpose()?,
            },
        })
    }
}

/// The filter of the user's conversation that is not deleted.
fn visible(user: UserId, id: ConversationId) -> Document {
    doc! { "conversationId": id.to_string(), "userId": user_oid(user), "status": { "$ne": DELETED } }
}

/// Leaves the messages out of what a query returns.
fn header_projection() -> Document {
    doc! { "messages": 0 }
}

/// The one atomic update an append is: the message, the count and stored bytes, the times, the
/// totals, and re-activation of an archived conversation.
///
/// A question reserves its answer's place (`answersPending` + 1); an answer takes it (- 1) when
/// `take_reserved` says its question's reservation is there to take.
pub(crate) fn append_update(new: &NewMessage, take_reserved: bool) -> Result<Document, StoreError> {
    let at = bson_date(new.message.timestamp);
    let mut inc = doc! {
        "messageCount": 1_i64,
        "messageBytes": Count::int64(new.message.stored_bytes())?,
        "metadata.totalTokensUsed": Count::int64(new.tokens_used)?,
        // A Double, as every cost is; a question's 0.0 creates the field in older documents.
        "metadata.totalCostUsd": new.cost_usd,
    };
    match new.slot {
        MessageSlot::Question { .. } => inc.insert("answersPending", 1_i64),
        MessageSlot::Answer if take_reserved => inc.insert("answersPending", -1_i64),
        MessageSlot::Answer => None,
    };
    let mut update = doc! {
        "$push": { "messages": encode(&MessageDoc::from_domain(&new.message))? },
        "$inc": inc,
        "$set": { "updatedAt": at, "status": ConversationStatus::Active.key() },
        // Concurrent appends may land out of order; the newest message's time wins.
        "$max": { "lastMessageAt": at },
    };
    if !new.platforms.is_empty() {
        let platforms: Vec<&str> = new.platforms.iter().map(|p| p.key()).collect();
        update.insert("$addToSet", doc! { "metadata.platformsQueried": { "$each": platforms } });
    }
    Ok(update)
}

/// The filter that lets an append land only on the user's conversation, not deleted: a question
/// only with room for itself and its answer next to the answers being written, in the message count
/// and in the byte budget (`Conversation::has_room_for_a_question`, checked by the server in the
/// same write); an answer, when `take_reserved`, only where a reservation is there to take.
pub(crate) fn append_filter(user: UserId, id: ConversationId, new: &NewMessage, take_reserved: bool) -> Document {
    match new.slot {
        MessageSlot::Question { limits } => {
            let mut filter = visible(user, id);
            filter.insert("$expr", room_for_a_question(limits, new.message.stored_bytes()));
            filter
        }
        MessageSlot::Answer if take_reserved => reserved_answer_filter(user, id),
        MessageSlot::Answer => visible(user, id),
    }
}

/// The largest byte budget the filter states: 2^53, the largest integer a double holds exactly.
/// A JavaScript server (CongoDB) reads a larger `Int64` as an object that compares wrongly with its
/// numbers, so that a budget of `u64::MAX` would refuse every question; no conversation comes near
/// 2^53 bytes, so the clamp changes nothing a real budget means.
const LARGEST_STATED_BUDGET: i64 = 1 << 53;

/// `Conversation::has_room_for_a_question` as an aggregation expression, with the constant parts
/// folded in: `messageCount + answersPending <= cap - 2` and
/// `messageBytes + answersPending × reserve <= budget - question - reserve`. Documents written before
/// `answersPending` or `messageBytes` existed count them as zero.
fn room_for_a_question(limits: ConversationLimits, question_bytes: u64) -> Document {
    let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX).min(LARGEST_STATED_BUDGET);
    let reserve = clamp(Message::ANSWER_RESERVE_BYTES);
    let pending = doc! { "$ifNull": ["$answersPending", 0_i64] };
    let taken = doc! { "$add": ["$messageCount", pending.clone()] };
    let bytes = doc! { "$add": [{ "$ifNull": ["$messageBytes", 0_i64] }, { "$multiply": [pending, reserve] }] };
    let byte_room = clamp(limits.byte_budget).saturating_sub(clamp(question_bytes)).saturating_sub(reserve);
    doc! { "$and": [
        { "$lte": [taken, i64::from(limits.message_cap) - 2] },
        { "$lte": [bytes, byte_room] },
    ] }
}

/// The filter of the user's conversation, not deleted, with an answer's reservation to take.
fn reserved_answer_filter(user: UserId, id: ConversationId) -> Document {
    let mut filter = visible(user, id);
    filter.insert("answersPending", doc! { "$gt": 0_i64 });
    filter
}

/// The aggregation that returns one page of messages (up to `limit` before `before`, or the newest)
/// with `start` and `end`, its bounds in the array; only the page leaves the server, so the cost of
/// a read does not grow with the history. `end` is -1 when `before` is not a message of the
/// conversation.
pub(crate) fn page_pipeline(
    user: UserId,
    id: ConversationId,
    before: Option<MessageId>,
    limit: usize,
) -> Vec<Document> {
    let end = before.map_or_else(
        || doc! { "$size": "$messages" },
        |before| doc! { "$indexOfArray": ["$messages.messageId", before.to_string()] },
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    vec![
        doc! { "$match": visible(user, id) },
        doc! { "$project": { "_id": 0, "messages": 1, "end": end } },
        doc! { "$project": { "messages": 1, "end": 1, "start": { "$max": [0, { "$subtract": ["$end", limit] }] } } },
        // `$slice` refuses a count of zero, hence the `$cond`.
        doc! { "$project": {
            "end": 1,
            "start": 1,
            "page": { "$cond": [
                { "$gt": ["$end", "$start"] },
                { "$slice": ["$messages", "$start", { "$subtract": ["$end", "$start"] }] },
                [],
            ] },
        } },
    ]
}

/// The aggregation of a prompt's history: a page before `before`, each message cut to its role and
/// text (an answer's working stays on the server).
pub(crate) fn history_pipeline(user: UserId, id: ConversationId, before: MessageId, limit: usize) -> Vec<Document> {
    let mut pipeline = page_pipeline(user, id, Some(before), limit);
    pipeline.push(doc! { "$project": { "end": 1, "start": 1, "page.role": 1, "page.content": 1 } });
    pipeline
}

/// A message as the history reads it.
#[derive(Debug, Deserialize)]
struct HistoryDoc {
    role: String,
    content: String,
}

/// The aggregation that finds a message by id: its index in the array and the message itself.
pub(crate) fn find_message_pipeline(user: UserId, id: ConversationId, message: MessageId) -> Vec<Document> {
    vec![
        doc! { "$match": visible(user, id) },
        doc! { "$project": { "_id": 0, "messages": 1, "index": { "$indexOfArray": ["$messages.messageId", message.to_string()] } } },
        doc! { "$project": { "index": 1, "message": { "$cond": [
            { "$gte": ["$index", 0] },
            { "$arrayElemAt": ["$messages", "$index"] },
            null,
        ] } } },
    ]
}

/// The filter of a conversation list page.
pub(crate) fn list_filter(user: UserId, query: &ConversationQuery) -> Document {
    let mut filter = doc! { "userId": user_oid(user) };
    if let Some(client) = query.client_id {
        filter.insert("clientId", client_oid(client));
    }
    match query.status {
        Some(status) => filter.insert("status", status.key()),
        None => filter.insert("status", doc! { "$ne": DELETED }),
    };
    if let Some(after) = &query.after {
        let at = bson_date(after.last_message_at);
        filter.insert(
            "$or",
            vec![
                doc! { "lastMessageAt": { "$lt": at } },
                doc! { "lastMessageAt": at, "conversationId": { "$lt": after.id.to_string() } },
            ],
        );
    }
    filter
}

/// A whole number read from an aggregation result.
fn integer(document: &Document, key: &str) -> Result<i64, StoreError> {
    match document.get(key) {
        Some(Bson::Int32(n)) => Ok(i64::from(*n)),
        Some(Bson::Int64(n)) => Ok(*n),
        #[allow(clippy::cast_possible_truncation)] // integral by the check
        Some(Bson::Double(n)) if n.fract() == 0.0 => Ok(*n as i64),
        other => Err(corrupt("message page", format!("{key} is {other:?}"))),
    }
}

/// [`ConversationStore`] and [`ConversationRetention`] on the `conversations` collection.
#[derive(Debug, Clone)]
pub struct MongoConversationStore {
    collection: Collection<Document>,
}

impl MongoConversationStore {
    /// A store on this database's `conversations` collection.
    pub fn new(database: &mongodb::Database) -> Self {
        Self { collection: database.collection(COLLECTION) }
    }

    fn read(document: Document) -> Result<Conversation, StoreError> {
        let what = format!("conversation {}", document.get_str("conversationId").unwrap_or("without conversationId"));
        decode::<ConversationDoc>(document, what)?.into_domain()
    }

    async fn aggregate_one(
        &self,
        pipeline: Vec<Document>,
        context: &'static str,
    ) -> Result<Option<Document>, StoreError> {
        let mut cursor = self.collection.aggregate(pipeline).await.map_err(|e| store_error(e, context))?;
        cursor.try_next().await.map_err(|e| store_error(e, context))
    }

    /// The messages of the page a [`page_pipeline`] (or [`history_pipeline`]) finds, each read by
    /// `read`, and whether older ones exist; `None` when there is no such conversation of the user's
    /// or `before` is not one of its messages.
    async fn read_page<D: DeserializeOwned, T>(
        &self,
        id: ConversationId,
        pipeline: Vec<Document>,
        context: &'static str,
        read: impl Fn(D) -> Result<T, StoreError>,
    ) -> Result<Option<(Vec<T>, bool)>, StoreError> {
        let Some(found) = self.aggregate_one(pipeline, context).await? else {
            return Ok(None);
        };
        if integer(&found, "end")? < 0 {
            return Ok(None);
        }
        let start = integer(&found, "start")?;
        let page = found.get_array("page").map_err(|e| corrupt(format!("messages of conversation {id}"), e))?;
        let messages = page
            .iter()
            .map(|m| match m {
                Bson::Document(d) => read(decode::<D>(d.clone(), format!("message of conversation {id}"))?),
                other => Err(corrupt(format!("messages of conversation {id}"), format!("element {other:?}"))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some((messages, start > 0)))
    }

    /// One atomic append attempt; `None` when the filter matched nothing.
    async fn try_append(
        &self,
        user: UserId,
        id: ConversationId,
        message: &NewMessage,
        take_reserved: bool,
    ) -> Result<Option<AppendOutcome>, StoreError> {
        let appended = self
            .collection
            .find_one_and_update(
                append_filter(user, id, message, take_reserved),
                append_update(message, take_reserved)?,
            )
            .projection(header_projection())
            .return_document(ReturnDocument::After)
            .await
            .map_err(|e| store_error(e, "appending a message"))?;
        appended.map(|document| Ok(AppendOutcome::Appended(Self::read(document)?))).transpose()
    }
}

#[async_trait]
impl ConversationStore for MongoConversationStore {
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %conversation.user_id, conversation_id = %conversation.id))]
    async fn insert(&self, conversation: &Conversation) -> Result<(), StoreError> {
        let mut document = encode_document(&ConversationDoc::from_domain(conversation))?;
        document.remove("conversationId");
        // Insert-if-absent: a conversation that exists is reported as such without relying on the
        // unique index alone, which some test servers do not enforce; under a race, the unique
        // index on `conversationId` refuses the second insert (11000 → AlreadyExists).
        let result = self
            .collection
            .update_one(doc! { "conversationId": conversation.id.to_string() }, doc! { "$setOnInsert": document })
            .upsert(true)
            .await
            .map_err(|e| store_error(e, "inserting a conversation"))?;
        if result.upserted_id.is_none() {
            return Err(StoreError::AlreadyExists);
        }
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip(self), fields(user_id = %user, conversation_id = %id))]
    async fn get(&self, user: UserId, id: ConversationId) -> Result<Option<Conversation>, StoreError> {
        let found = self
            .collection
            .find_one(doc! { "conversationId": id.to_string(), "userId": user_oid(user) })
            .projection(header_projection())
            .await
            .map_err(|e| store_error(e, "reading a conversation"))?;
        found.map(Self::read).transpose()
    }

    #[tracing::instrument(level = "debug", skip(self, query), fields(user_id = %user))]
    async fn list(
        &self,
        user: UserId,
        query: &ConversationQuery,
    ) -> Result<Page<Conversation, ConversationCursor>, StoreError> {
        if query.status == Some(ConversationStatus::Deleted) {
            return Ok(Page { items: Vec::new(), next: None });
        }
        let limit = query.limit.get();
        let documents: Vec<Document> = self
            .collection
            .find(list_filter(user, query))
            .projection(header_projection())
            .sort(doc! { "lastMessageAt": -1, "conversationId": -1 })
            .limit(i64::try_from(limit + 1).unwrap_or(i64::MAX))
            .await
            .map_err(|e| store_error(e, "listing conversations"))?
            .try_collect()
            .await
            .map_err(|e| store_error(e, "listing conversations"))?;
        let mut items = documents.into_iter().map(Self::read).collect::<Result<Vec<_>, _>>()?;
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|c| ConversationCursor { last_message_at: c.last_message_at, id: c.id })
        } else {
            None
        };
        Ok(Page { items, next })
    }

    #[tracing::instrument(level = "debug", skip(self, changes), fields(user_id = %user, conversation_id = %id))]
    async fn update(
        &self,
        user: UserId,
        id: ConversationId,
        changes: ConversationChanges,
        now: DateTime<Utc>,
    ) -> Result<Option<Conversation>, StoreError> {
        let found = self
            .collection
            .find_one_and_update(visible(user, id), conversation_update(changes, now))
            .projection(header_projection())
            .return_document(ReturnDocument::After)
            .await
            .map_err(|e| store_error(e, "updating a conversation"))?;
        found.map(Self::read).transpose()
    }

    #[tracing::instrument(level = "debug", skip(self), fields(user_id = %user, conversation_id = %id))]
    async fn soft_delete(&self, user: UserId, id: ConversationId, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let at = bson_date(now);
        let result = self
            .collection
            .update_one(visible(user, id), doc! { "$set": { "status": DELETED, "deletedAt": at, "updatedAt": at } })
            .await
            .map_err(|e| store_error(e, "deleting a conversation"))?;
        Ok(result.matched_count == 1)
    }

    #[tracing::instrument(level = "debug", skip(self), fields(user_id = %user, conversation_id = %id))]
    async fn messages(
        &self,
        user: UserId,
        id: ConversationId,
        before: Option<MessageId>,
        limit: usize,
    ) -> Result<Option<MessagePage>, StoreError> {
        let read = |message: MessageDoc| message.into_domain();
        let page = self.read_page(id, page_pipeline(user, id, before, limit), "reading messages", read).await?;
        Ok(page.map(|(messages, has_more)| MessagePage { messages, has_more }))
    }

    #[tracing::instrument(level = "debug", skip(self), fields(user_id = %user, conversation_id = %id))]
    async fn history(
        &self,
        user: UserId,
        id: ConversationId,
        before: MessageId,
        limit: usize,
    ) -> Result<Option<Vec<HistoryMessage>>, StoreError> {
        let read = |message: HistoryDoc| {
            let role = message.role.parse::<Role>().map_err(|e| corrupt(format!("history of conversation {id}"), e))?;
            Ok(HistoryMessage { role, content: message.content })
        };
        let pipeline = history_pipeline(user, id, before, limit);
        let page = self.read_page(id, pipeline, "reading a conversation's history", read).await?;
        Ok(page.map(|(messages, _)| messages))
    }

    #[tracing::instrument(level = "debug", skip(self, message), fields(user_id = %user, conversation_id = %id))]
    async fn append(
        &self,
        user: UserId,
        id: ConversationId,
        message: &NewMessage,
    ) -> Result<AppendOutcome, StoreError> {
        if let Some(appended) = self.try_append(user, id, message, true).await? {
            return Ok(appended);
        }
        // An answer whose reservation is gone (given back by a crashed attempt, say) is still
        // stored: the cap only ever refuses questions.
        if message.slot == MessageSlot::Answer {
            if let Some(appended) = self.try_append(user, id, message, false).await? {
                return Ok(appended);
            }
        }
        // Nothing matched: either there is no such conversation for the user, or it is full.
        let exists = self
            .collection
            .find_one(visible(user, id))
            .projection(doc! { "_id": 1 })
            .await
            .map_err(|e| store_error(e, "appending a message"))?;
        Ok(if exists.is_some() { AppendOutcome::Full } else { AppendOutcome::NotFound })
    }

    #[tracing::instrument(level = "debug", skip(self), fields(user_id = %user, conversation_id = %id))]
    async fn release_answer(&self, user: UserId, id: ConversationId) -> Result<(), StoreError> {
        // Where an answer could take a reservation, one is given back instead.
        self.collection
            .update_one(reserved_answer_filter(user, id), doc! { "$inc": { "answersPending": -1_i64 } })
            .await
            .map_err(|e| store_error(e, "releasing a reserved answer"))?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip(self), fields(user_id = %user, conversation_id = %id))]
    async fn set_feedback(
        &self,
        user: UserId,
        id: ConversationId,
        message: MessageId,
        feedback: Option<Feedback>,
    ) -> Result<FeedbackOutcome, StoreError> {
        let Some(found) = self.aggregate_one(find_message_pipeline(user, id, message), "rating a message").await?
        else {
            return Ok(FeedbackOutcome::ConversationNotFound);
        };
        let Ok(index) = usize::try_from(integer(&found, "index")?) else {
            return Ok(FeedbackOutcome::MessageNotFound);
        };
        let stored = found.get_document("message").map_err(|e| corrupt(format!("message {message}"), e))?;
        let mut rated = decode::<MessageDoc>(stored.clone(), format!("message {message}"))?.into_domain()?;
        if rated.role != Role::Assistant {
            return Ok(FeedbackOutcome::NotAnAnswer);
        }
        // Messages are only ever appended, so the index found above still holds this message; the
        // filter checks it anyway. (Positional `$` and `arrayFilters` updates would avoid the
        // lookup, but CongoDB ignores both; an index path works on every server.)
        let result = self
            .collection
            .update_one(feedback_filter(user, id, message, index), feedback_update(index, feedback))
            .await
            .map_err(|e| store_error(e, "rating a message"))?;
        if result.matched_count == 0 {
            return Ok(FeedbackOutcome::ConversationNotFound);
        }
        rated.metadata.feedback = feedback;
        Ok(FeedbackOutcome::Rated(rated))
    }
}

/// The filter of a rating: the message at `index` must be this assistant message.
pub(crate) fn feedback_filter(user: UserId, id: ConversationId, message: MessageId, index: usize) -> Document {
    let mut filter = visible(user, id);
    filter.insert(format!("messages.{index}.messageId"), message.to_string());
    filter.insert(format!("messages.{index}.role"), Role::Assistant.key());
    filter
}

/// The update of a rating: set or clear `feedbackRating` of the message at `index`.
pub(crate) fn feedback_update(index: usize, feedback: Option<Feedback>) -> Document {
    let path = format!("messages.{index}.metadata.feedbackRating");
    feedback.map_or_else(|| doc! { "$unset": { path.clone(): "" } }, |f| doc! { "$set": { path.clone(): f.key() } })
}

/// The update a change to a conversation's header becomes.
pub(crate) fn conversation_update(changes: ConversationChanges, now: DateTime<Utc>) -> Document {
    let mut set = doc! {};
    let mut update = doc! {};
    match changes.title {
        Some(Some(title)) => {
            set.insert("title", title.as_str());
        }
        Some(None) => {
            update.insert("$unset", doc! { "title": "" });
        }
        None => {}
    }
    if let Some(status) = changes.status {
        set.insert("status", status.key());
    }
    set.insert("updatedAt", bson_date(now));
    update.insert("$set", set);
    update
}

/// The retention job's filter of idle conversations (decision 3).
pub(crate) fn idle_filter(idle_before: DateTime<Utc>) -> Document {
    doc! { "status": ConversationStatus::Active.key(), "lastMessageAt": { "$lt": bson_date(idle_before) } }
}

/// The retention job's filter of conversations deleted long enough ago. Documents deleted before
/// `deletedAt` existed fall back to `updatedAt`, as in the schema's clean-up job.
pub(crate) fn purge_filter(deleted_before: DateTime<Utc>) -> Document {
    let before = bson_date(deleted_before);
    doc! {
        "status": DELETED,
        "$or": [
            { "deletedAt": { "$lt": before } },
            { "deletedAt": { "$exists": false }, "updatedAt": { "$lt": before } },
        ],
    }
}

#[async_trait]
impl ConversationRetention for MongoConversationStore {
    #[tracing::instrument(level = "debug", skip(self))]
    async fn archive_idle(&self, idle_before: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = self
            .collection
            .update_many(idle_filter(idle_before), doc! { "$set": { "status": ConversationStatus::Archived.key() } })
            .await
            .map_err(|e| store_error(e, "archiving idle conversations"))?;
        Ok(result.modified_count)
    }

    #[tracing::instrument(level = "debug", skip(self))]
    async fn purge_deleted(&self, deleted_before: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = self
            .collection
            .delete_many(purge_filter(deleted_before))
            .await
            .map_err(|e| store_error(e, "purging deleted conversations"))?;
        Ok(result.deleted_count)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use domain::analyst::{AnswerWorking, Grounding, SourceFreshness, TokenUsage};
    use domain::platform::Platform;
    use uuid::Uuid;

    use super::*;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 10, minute, 0).unwrap() + chrono::TimeDelta::milliseconds(123)
    }

    fn user() -> UserId {
        UserId::parse("64b7f0c2a1b2c3d4e5f60718").unwrap()
    }

    fn client() -> ClientId {
        ClientId::parse("64b7f0c2a1b2c3d4e5f60719").unwrap()
    }

    fn conversation_id() -> ConversationId {
        ConversationId::parse("3f2b8c1e-6d4a-4b7e-9c1f-2a5d8e9b0c47").unwrap()
    }

    fn message_id(n: u128) -> MessageId {
        MessageId::from_uuid(Uuid::from_u128(0x7a10_0000_0000_4000_8000_0000_0000_0000 + n))
    }

    fn answer() -> Message {
        Message {
            id: message_id(2),
            role: Role::Assistant,
            content: "Spend was $1,850.40.".into(),
            timestamp: at(6),
            metadata: MessageMetadata {
                model: Some("gpt-4o-mini".into()),
                tokens_used: Some(1_530),
                cost_usd: Some(0.000_481_5),
                feedback: Some(Feedback::Positive),
                platforms: vec![Platform::MetaAds, Platform::GoogleAds],
                demo_data: true,
                working: Some(AnswerWorking {
                    sources: vec![SourceFreshness { platform: Platform::MetaAds, last_sync: None }],
                    grounding: Grounding { grounded: true, unsupported: vec![] },
                    usage: TokenUsage { input: 1_200, output: 330, estimated: false },
                    ..AnswerWorking::default()
                }),
            },
        }
    }

    /// The largest answer the chat use case stores: its text at the limit, its working full.
    fn largest_answer() -> Message {
        use domain::analyst::ToolTrace;
        use domain::dates::DateRange;
        use domain::value::Value;

        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let arguments = Value::object()
            .with("platform", "googleAds")
            .with("metrics", vec!["spend", "clicks", "conversions", "cpa", "roas"])
            .with(
                "current",
                Value::object().with("start", "2026-11-01").with("end", "2026-11-30").with("preset", "last_month"),
            )
            .with(
                "previous",
                Value::object()
                    .with("start", "2026-10-02")
                    .with("end", "2026-10-31")
                    .with("compare", "previous_period"),
            );
        let trace = ToolTrace {
            name: "compare_periods".into(),
            arguments,
            platforms: vec![Platform::GoogleAds],
            ranges: vec![DateRange::day(day), DateRange::day(day)],
            error: Some("e".repeat(AnswerWorking::MAX_ARGUMENT_CHARS)),
            series: vec![],
        };
        let mut message = answer();
        message.content = "x".repeat(Message::MAX_ANSWER_TEXT_BYTES);
        let working = message.metadata.working.as_mut().unwrap();
        working.tools = vec![trace; AnswerWorking::MAX_TOOLS];
        // The chart points of every tool together, at their bound.
        working.tools[0].series = vec![domain::analyst::Series {
            platform: Platform::GoogleAds,
            metric: domain::metrics::Metric::Spend,
            currency: Some(domain::daily::Currency::USD),
            granularity: Some(domain::tools::Granularity::Day),
            points: vec![(DateRange::day(day), Some(1_234.56)); AnswerWorking::MAX_SERIES_POINTS],
        }];
        working.grounding.unsupported = vec!["$1,234,567.89".into(); AnswerWorking::MAX_UNSUPPORTED];
        working.sources =
            Platform::ALL.iter().map(|&platform| SourceFreshness { platform, last_sync: Some(at(1)) }).collect();
        message
    }

    #[test]
    fn a_message_takes_less_bson_than_its_estimated_size_so_the_byte_budget_keeps_documents_small() {
        for message in [answer(), largest_answer()] {
            let bson = bson::to_vec(&encode(&MessageDoc::from_domain(&message)).unwrap()).unwrap().len() as u64;
            assert!(bson <= message.stored_bytes(), "{bson} BSON bytes, estimated {}", message.stored_bytes());
        }
        let largest = largest_answer();
        assert!(largest.stored_bytes() <= Message::ANSWER_RESERVE_BYTES, "{}", largest.stored_bytes());
        // So at the byte budget the messages take at most 8 MiB, half of MongoDB's 16 MiB document limit.
        const { assert!(domain::conversation::ConversationLimits::DEFAULT_BYTE_BUDGET * 2 <= 16 * 1024 * 1024) };
    }

    #[test]
    fn a_conversation_becomes_the_schemas_document_field_by_field() {
        let conversation = Conversation {
            title: Some(ConversationTitle::new("Q3 review").unwrap()),
            status: ConversationStatus::Deleted,
            updated_at: at(3),
            last_message_at: at(2),
            deleted_at: Some(at(3)),
            message_count: 4,
            answers_pending: 1,
            message_bytes: 2_048,
            metadata: ConversationMetadata {
                platforms_queried: BTreeSet::from([Platform::MetaAds, Platform::GoogleAnalytics]),
                total_tokens_used: 1_234,
                total_cost_usd: 0.000_387_5,
            },
            ..Conversation::start(conversation_id(), user(), client(), None, at(1))
        };
        let expected = doc! {
            "conversationId": "3f2b8c1e-6d4a-4b7e-9c1f-2a5d8e9b0c47",
            "userId": user_oid(user()),
            "clientId": client_oid(client()),
            "title": "Q3 review",
            "messages": [],
            "createdAt": bson_date(at(1)),
            "updatedAt": bson_date(at(3)),
            "lastMessageAt": bson_date(at(2)),
            "messageCount": 4_i64,
            "answersPending": 1_i64,
            "messageBytes": 2_048_i64,
            "status": "deleted",
            "metadata": {
                "platformsQueried": ["googleAnalytics", "metaAds"],
                "totalTokensUsed": 1_234_i64,
                "totalCostUsd": 0.000_387_5,
            },
            "deletedAt": bson_date(at(3)),
        };
        let document = bson::to_document(&ConversationDoc::from_domain(&conversation)).unwrap();
        assert_eq!(document, expected);
        assert_eq!(MongoConversationStore::read(document).unwrap(), conversation);
    }

    #[test]
    fn a_new_conversation_has_no_title_no_deleted_at_and_no_counters_beyond_the_schema() {
        let conversation = Conversation::start(conversation_id(), user(), client(), None, at(1));
        let document = bson::to_document(&ConversationDoc::from_domain(&conversation)).unwrap();
        for absent in ["title", "deletedAt", "answersPending", "messageBytes"] {
            assert!(!document.contains_key(absent), "{absent} in {document}");
        }
        assert!(!document.get_document("metadata").unwrap().contains_key("totalCostUsd"), "{document}");
        assert_eq!(document.get_str("status").unwrap(), "active");
        // As documents written before the counters existed: they read as zero.
        assert_eq!(MongoConversationStore::read(document).unwrap(), conversation);
    }

    #[test]
    fn an_answer_becomes_a_message_element_field_by_field() {
        let expected = doc! {
            "messageId": "7a100000-0000-4000-8000-000000000002",
            "role": "assistant",
            "content": "Spend was $1,850.40.",
            "timestamp": bson_date(at(6)),
            "metadata": {
                "model": "gpt-4o-mini",
                "tokensUsed": 1_530_i64,
                "cost": 0.000_481_5,
                "feedbackRating": "positive",
                "platforms": ["metaAds", "googleAds"],
                "demoData": true,
                "working": {
                    "tools": [],
                    "sources": [{ "platform": "metaAds" }],
                    "demo": false,
                    "grounding": { "grounded": true, "unsupported": [] },
                    "usage": { "input": 1_200_i64, "output": 330_i64, "estimated": false },
                },
            },
        };
        let element = bson::to_document(&MessageDoc::from_domain(&answer())).unwrap();
        assert_eq!(element, expected);
        assert_eq!(decode::<MessageDoc>(element, "test").unwrap().into_domain().unwrap(), answer());
    }

    #[test]
    fn a_users_message_has_no_metadata() {
        let question = Message {
            id: message_id(1),
            role: Role::User,
            content: "What did we spend?".into(),
            timestamp: at(5),
            metadata: MessageMetadata::default(),
        };
        let expected = doc! {
            "messageId": "7a100000-0000-4000-8000-000000000001",
            "role": "user",
            "content": "What did we spend?",
            "timestamp": bson_date(at(5)),
        };
        let element = bson::to_document(&MessageDoc::from_domain(&question)).unwrap();
        assert_eq!(element, expected);
        assert_eq!(decode::<MessageDoc>(element, "test").unwrap().into_domain().unwrap(), question);
    }

    fn question(limits: ConversationLimits) -> NewMessage {
        let message = Message {
            id: message_id(1),
            role: Role::User,
            content: "What did we spend?".into(),
            timestamp: at(5),
            metadata: MessageMetadata::default(),
        };
        NewMessage { message, slot: MessageSlot::Question { limits }, tokens_used: 0, cost_usd: 0.0, platforms: vec![] }
    }

    #[test]
    fn a_question_lands_only_with_room_for_its_answer_and_reserves_it() {
        let new = question(ConversationLimits { message_cap: 1000, byte_budget: 8_000_000 });
        let size = i64::try_from(new.message.stored_bytes()).unwrap();
        assert_eq!(size, 256 + 18);
        let reserve = i64::try_from(Message::ANSWER_RESERVE_BYTES).unwrap();
        assert_eq!(
            append_filter(user(), conversation_id(), &new, true),
            doc! {
                "conversationId": "3f2b8c1e-6d4a-4b7e-9c1f-2a5d8e9b0c47",
                "userId": user_oid(user()),
                "status": { "$ne": "deleted" },
                "$expr": { "$and": [
                    { "$lte": [
                        { "$add": ["$messageCount", { "$ifNull": ["$answersPending", 0_i64] }] },
                        998_i64,
                    ] },
                    { "$lte": [
                        { "$add": [
                            { "$ifNull": ["$messageBytes", 0_i64] },
                            { "$multiply": [{ "$ifNull": ["$answersPending", 0_i64] }, reserve] },
                        ] },
                        8_000_000_i64 - size - reserve,
                    ] },
                ] },
            }
        );
        let inc = append_update(&new, true).unwrap().get_document("$inc").unwrap().clone();
        assert_eq!(
            inc,
            doc! {
                "messageCount": 1_i64,
                "messageBytes": size,
                "metadata.totalTokensUsed": 0_i64,
                "metadata.totalCostUsd": 0.0,
                "answersPending": 1_i64,
            }
        );
    }

    #[test]
    fn byte_budgets_beyond_int64_or_below_one_question_still_make_a_filter() {
        let room = |byte_budget| {
            let filter = append_filter(
                user(),
                conversation_id(),
                &question(ConversationLimits { message_cap: 10, byte_budget }),
                true,
            );
            let clauses = filter.get_document("$expr").unwrap().get_array("$and").unwrap().clone();
            clauses[1].as_document().unwrap().get_array("$lte").unwrap()[1].clone()
        };
        let reserve = i64::try_from(Message::ANSWER_RESERVE_BYTES).unwrap();
        assert_eq!(room(u64::MAX), Bson::Int64((1 << 53) - 274 - reserve));
        assert_eq!(room(0), Bson::Int64(-274 - reserve), "never matched: no room for a question");
    }

    #[test]
    fn an_answer_is_one_update_that_takes_its_reserved_place() {
        let new = NewMessage {
            message: answer(),
            slot: MessageSlot::Answer,
            tokens_used: 150,
            cost_usd: 0.000_481_5,
            platforms: vec![Platform::GoogleAnalytics],
        };
        assert_eq!(
            append_filter(user(), conversation_id(), &new, true),
            doc! {
                "conversationId": "3f2b8c1e-6d4a-4b7e-9c1f-2a5d8e9b0c47",
                "userId": user_oid(user()),
                "status": { "$ne": "deleted" },
                "answersPending": { "$gt": 0_i64 },
            }
        );
        assert!(!append_filter(user(), conversation_id(), &new, false).contains_key("answersPending"));
        let size = i64::try_from(answer().stored_bytes()).unwrap();
        assert_eq!(
            append_update(&new, true).unwrap(),
            doc! {
                "$push": { "messages": bson::to_bson(&MessageDoc::from_domain(&answer())).unwrap() },
                "$inc": {
                    "messageCount": 1_i64,
                    "messageBytes": size,
                    "metadata.totalTokensUsed": 150_i64,
                    "metadata.totalCostUsd": 0.000_481_5,
                    "answersPending": -1_i64,
                },
                "$set": { "updatedAt": bson_date(at(6)), "status": "active" },
                "$max": { "lastMessageAt": bson_date(at(6)) },
                "$addToSet": { "metadata.platformsQueried": { "$each": ["googleAnalytics"] } },
            }
        );
    }

    #[test]
    fn a_rating_targets_the_assistant_message_at_its_index() {
        assert_eq!(
            feedback_filter(user(), conversation_id(), message_id(2), 1),
            doc! {
                "conversationId": "3f2b8c1e-6d4a-4b7e-9c1f-2a5d8e9b0c47",
                "userId": user_oid(user()),
                "status": { "$ne": "deleted" },
                "messages.1.messageId": "7a100000-0000-4000-8000-000000000002",
                "messages.1.role": "assistant",
            }
        );
        assert_eq!(
            feedback_update(1, Some(Feedback::Negative)),
            doc! { "$set": { "messages.1.metadata.feedbackRating": "negative" } }
        );
        assert_eq!(feedback_update(3, None), doc! { "$unset": { "messages.3.metadata.feedbackRating": "" } });
    }

    #[test]
    fn title_changes_set_or_unset_and_always_stamp_updated_at() {
        let changes = ConversationChanges { title: Some(None), status: Some(ConversationStatus::Archived) };
        assert_eq!(
            conversation_update(changes, at(9)),
            doc! { "$unset": { "title": "" }, "$set": { "status": "archived", "updatedAt": bson_date(at(9)) } }
        );
    }

    #[test]
    fn retention_filters_follow_decision_three() {
        assert_eq!(idle_filter(at(1)), doc! { "status": "active", "lastMessageAt": { "$lt": bson_date(at(1)) } });
        assert_eq!(
            purge_filter(at(1)),
            doc! {
                "status": "deleted",
                "$or": [
                    { "deletedAt": { "$lt": bson_date(at(1)) } },
                    { "deletedAt": { "$exists": false }, "updatedAt": { "$lt": bson_date(at(1)) } },
                ],
            }
        );
    }

    #[test]
    fn listing_resumes_strictly_after_the_cursor() {
        let query = ConversationQuery {
            client_id: Some(client()),
            after: Some(ConversationCursor { last_message_at: at(4), id: conversation_id() }),
            ..ConversationQuery::default()
        };
        assert_eq!(
            list_filter(user(), &query),
            doc! {
                "userId": user_oid(user()),
                "clientId": client_oid(client()),
                "status": { "$ne": "deleted" },
                "$or": [
                    { "lastMessageAt": { "$lt": bson_date(at(4)) } },
                    { "lastMessageAt": bson_date(at(4)), "conversationId": { "$lt": "3f2b8c1e-6d4a-4b7e-9c1f-2a5d8e9b0c47" } },
                ],
            }
        );
    }

    #[test]
    fn a_corrupt_conversation_is_an_error_naming_it() {
        let fresh = Conversation::start(conversation_id(), user(), client(), None, at(1));
        let mut document = bson::to_document(&ConversationDoc::from_domain(&fresh)).unwrap();
        document.insert("status", "lost");
        let err = MongoConversationStore::read(document).unwrap_err();
        assert!(err.to_string().contains("conversation 3f2b8c1e-6d4a-4b7e-9c1f-2a5d8e9b0c47"), "{err}");
    }
}
