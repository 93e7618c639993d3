//! The JSON of messages, written once per message and state.
//!
//! A message never changes after it is stored but for its rating, so its body is a function of its
//! id and its rating; a page of a conversation is mostly messages read before. Writing a page of
//! 50 long answers as JSON was most of `GET /v1/conversations/{id}`'s own work, so each message's
//! JSON is kept (bounded by bytes) under that key and pages are assembled from the kept pieces.
//! The key holds everything that can differ between two reads of a message, so a piece is never
//! stale, also when another replica changed the rating.

use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use domain::conversation::{Feedback, Message};
use domain::ids::MessageId;
use domain::services::conversations::ConversationDetail;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::wire::conversations::{ConversationBody, ConversationDetailBody, MessageBody};

/// What the pieces may take in all: a few thousand long answers.
const CAPACITY_BYTES: u64 = 32 * 1024 * 1024;
/// About how many pieces fit (answers of 4 KiB).
const ESTIMATED_ITEMS: usize = 8_192;

/// The JSON of messages read lately, by id and rating.
#[derive(Clone)]
pub struct MessageJson {
    pieces: Arc<Cache<PieceKey, Arc<RawValue>, PieceBytes>>,
}

/// What tells two states of a message apart: its id and its rating.
type PieceKey = (MessageId, Option<Feedback>);

/// Weighs a piece by its bytes.
#[derive(Clone)]
struct PieceBytes;

impl Weighter<PieceKey, Arc<RawValue>> for PieceBytes {
    fn weight(&self, _key: &PieceKey, piece: &Arc<RawValue>) -> u64 {
        piece.get().len() as u64 + 64
    }
}

impl Default for MessageJson {
    fn default() -> Self {
        Self { pieces: Arc::new(Cache::with_weighter(ESTIMATED_ITEMS, CAPACITY_BYTES, PieceBytes)) }
    }
}

impl MessageJson {
    /// `message` as its [`MessageBody`] JSON.
    fn piece(&self, message: &Message) -> serde_json::Result<Arc<RawValue>> {
        let key = (message.id, message.metadata.feedback);
        if let Some(piece) = self.pieces.get(&key) {
            return Ok(piece);
        }
        let piece: Arc<RawValue> = Arc::from(serde_json::value::to_raw_value(&MessageBody::from(message))?);
        self.pieces.insert(key, Arc::clone(&piece));
        Ok(piece)
    }

    /// The response of `GET /v1/conversations/{id}`: exactly the JSON of
    /// [`ConversationDetailBody`].
    pub fn detail(&self, detail: &ConversationDetail) -> Response {
        let Ok(pieces) = detail.messages.messages.iter().map(|m| self.piece(m)).collect::<serde_json::Result<Vec<_>>>()
        else {
            // A message that cannot be written as a piece cannot be written whole either: the body
            // answers as serialising it directly would.
            return axum::Json(ConversationDetailBody::from(detail)).into_response();
        };
        let body = DetailJson {
            conversation: ConversationBody::from(&detail.conversation),
            messages: pieces.iter().map(AsRef::as_ref).collect(),
            has_more: detail.messages.has_more,
        };
        axum::Json(body).into_response()
    }

    /// How many pieces are kept.
    #[cfg(test)]
    fn kept(&self) -> usize {
        self.pieces.len()
    }
}

/// [`ConversationDetailBody`] with its messages as written pieces (same fields, same order).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DetailJson<'a> {
    conversation: ConversationBody,
    messages: Vec<&'a RawValue>,
    has_more: bool,
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use domain::conversation::{Conversation, MessageMetadata, MessagePage, Role};
    use domain::ids::{ClientId, ConversationId, UserId};

    use super::*;

    fn message(n: u32, role: Role, feedback: Option<Feedback>) -> Message {
        Message {
            id: MessageId::parse(&format!("3f2b8c1e-6d4a-4b7e-9c1f-2a5d8e9b0c{n:02}")).unwrap(),
            role,
            content: format!("Answer {n}: spend was \"$1,204.50\"\n\\ up 12% ✓"),
            timestamp: Utc.with_ymd_and_hms(2026, 11, 30, 10, 0, n).unwrap() + chrono::Duration::milliseconds(7),
            metadata: MessageMetadata {
                model: (role == Role::Assistant).then(|| "offline-analyst".to_owned()),
                tokens_used: Some(u64::from(n) * 10),
                cost_usd: Some(0.000_125),
                feedback,
                demo_data: true,
                ..MessageMetadata::default()
            },
        }
    }

    fn detail(messages: Vec<Message>) -> ConversationDetail {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 10, 0, 0).unwrap();
        let conversation = Conversation::start(
            ConversationId::parse("7c1e2a5d-8e9b-4c47-9f2b-3f2b8c1e6d4a").unwrap(),
            UserId::from_bytes([1; 12]),
            ClientId::from_bytes([2; 12]),
            None,
            now,
        );
        ConversationDetail { conversation, messages: MessagePage { messages, has_more: true } }
    }

    async fn body(response: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn a_page_is_the_very_json_of_the_detail_body_and_a_new_rating_is_written_anew() {
        let cache = MessageJson::default();
        let mut messages = vec![message(1, Role::User, None), message(2, Role::Assistant, Some(Feedback::Positive))];
        let first = detail(messages.clone());
        let want = serde_json::to_value(ConversationDetailBody::from(&first)).unwrap();
        assert_eq!(body(cache.detail(&first)).await, want);
        assert_eq!(cache.kept(), 2);
        assert_eq!(body(cache.detail(&first)).await, want, "from the kept pieces");
        assert_eq!(cache.kept(), 2, "nothing written twice");

        messages[1].metadata.feedback = Some(Feedback::Negative);
        let rated = detail(messages);
        let got = body(cache.detail(&rated)).await;
        assert_eq!(got, serde_json::to_value(ConversationDetailBody::from(&rated)).unwrap());
        assert_eq!(got["messages"][1]["metadata"]["feedbackRating"], "negative", "never the old rating");
    }
}
