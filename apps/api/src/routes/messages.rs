//! Chatting: sending a message (whole answer as JSON, or streamed as server-sent events) and rating
//! answers.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use domain::analyst::{AnswerSink, DiscardAnswer, ToolTrace};
use domain::services::chat::{ChatError, ChatExchange};
use futures::StreamExt;
use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::ReceiverStream;

use crate::auth::AuthUser;
use crate::error::{ApiError, Problem, request_id};
use crate::extract::ApiJson;
use crate::startup::AppState;
use crate::wire::conversations::{DeltaBody, ExchangeBody, FeedbackRequest, MessageBody, PostMessageRequest};
use crate::wire::ids::{ConversationIdPath, MessageIdPath, parse_conversation_id, parse_message_id};
use crate::wire::working::ToolEventBody;

/// Sends a message to the analyst and returns the stored question and answer.
///
/// With `Accept: text/event-stream` the answer is streamed as server-sent events instead: a `tool`
/// event as each tool call starts (`{name, platforms, ranges, error}`, with absolute dates), `delta`
/// events (`{"text": ...}`, concatenating to the answer), then one `done` event carrying the same
/// body as the JSON response, or one `error` event carrying a problem if the analyst fails. Every
/// refusal (404, 409, 429, ...) comes before the stream starts, as an ordinary problem response.
///
/// The question and its answer are written by a task of their own, so a client that hangs up or a
/// request that times out never leaves a question with neither an answer nor its reserved place
/// given back: an answer that has started is finished and stored, and `GET` shows it.
#[utoipa::path(
    post,
    path = "/v1/conversations/{conversationId}/messages",
    tag = "messages",
    security(("bearer" = [])),
    params(ConversationIdPath),
    request_body = PostMessageRequest,
    responses(
        (status = 201, description = "The stored question and answer", body = ExchangeBody),
        (status = 200, description = "With Accept: text/event-stream: `tool` events (a ToolEventBody each), `delta` events (a DeltaBody each), then `done` (the same body as 201) or `error` (a problem)", content_type = "text/event-stream", body = String),
        (status = 400, description = "Malformed id or content (1–4,000 characters)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such conversation of the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The conversation is full, or its client is archived; nothing stored", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many messages; nothing stored; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("retry-after" = u64, description = "Seconds to wait"))),
        (status = 502, description = "The analyst failed; the question is stored without an answer", body = Problem, content_type = "application/problem+json"),
        (status = 504, description = "The analyst timed out; the question is stored without an answer", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn post_message(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(conversation_id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PostMessageRequest>,
) -> Result<Response, ApiError> {
    let id = parse_conversation_id(&conversation_id)?;
    let content = body.content()?;
    let chat = state.services.chat.clone();
    let (prepared_tx, prepared_rx) = oneshot::channel();
    let (finished_tx, finished_rx) = oneshot::channel();
    let (events, sink): (Option<mpsc::Receiver<Box<StreamItem>>>, Arc<dyn AnswerSink>) = if wants_event_stream(&headers)
    {
        let (tx, rx) = mpsc::channel(STREAM_BUFFER);
        (Some(rx), Arc::new(ChannelSink::new(tx)))
    } else {
        (None, Arc::new(DiscardAnswer))
    };
    // Everything from storing the question to storing its answer runs here, whatever becomes of
    // the request: dropping this handler (a hang-up, a timeout) does not cancel the task.
    tokio::spawn(async move {
        // Preparing is boxed so that the task, which lives as long as the answer streams, is not
        // sized for it too.
        let turn = match Box::pin(chat.prepare(user, id, content)).await {
            Ok(turn) => turn,
            Err(error) => {
                let _ = prepared_tx.send(Err(error));
                return;
            }
        };
        let _ = prepared_tx.send(Ok(()));
        let _ = finished_tx.send(turn.answer(sink).await);
    });
    prepared_rx.await.map_err(ApiError::unexpected)??;
    if let Some(rx) = events {
        let origin = ProblemContext { instance: uri.path().to_owned(), request_id: request_id(&headers) };
        return Ok(stream_answer(rx, finished_rx, origin));
    }
    let exchange = finished_rx.await.map_err(ApiError::unexpected)??;
    Ok((StatusCode::CREATED, Json(ExchangeBody::from(&exchange))).into_response())
}

/// Events buffered for a stream before the answer waits for its client (backpressure).
const STREAM_BUFFER: usize = 64;

/// How long the answer waits for a slow client to take an event before it stops streaming to it;
/// the answer is still finished and stored.
const SLOW_CLIENT: Duration = Duration::from_secs(10);

/// Whether the client asked for server-sent events.
fn wants_event_stream(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.trim().to_ascii_lowercase().starts_with("text/event-stream"))
}

/// Where an `error` event's problem happened.
struct ProblemContext {
    instance: String,
    request_id: Option<String>,
}

/// What the answering task tells the stream. Sent boxed: a channel's first block holds 32 items
/// whatever its capacity, and with a pointer each it is 0.3 KiB of every open stream, not 0.8.
enum StreamItem {
    Tool(ToolEventBody),
    Delta(String),
}

/// Forwards the answer's events to the stream through a bounded channel: a slow client slows the
/// model down, up to [`SLOW_CLIENT`]; past that, or once the client has gone, events are dropped and
/// the answer goes on to be stored.
struct ChannelSink {
    tx: mpsc::Sender<Box<StreamItem>>,
    gone: AtomicBool,
}

impl ChannelSink {
    fn new(tx: mpsc::Sender<Box<StreamItem>>) -> Self {
        Self { tx, gone: AtomicBool::new(false) }
    }

    async fn send(&self, item: StreamItem) {
        if self.gone.load(Ordering::Relaxed) {
            return;
        }
        if self.tx.send_timeout(Box::new(item), SLOW_CLIENT).await.is_err() {
            self.gone.store(true, Ordering::Relaxed);
        }
    }
}

#[async_trait]
impl AnswerSink for ChannelSink {
    async fn delta(&self, text: &str) {
        if !text.is_empty() {
            self.send(StreamItem::Delta(text.to_owned())).await;
        }
    }

    async fn tool(&self, trace: &ToolTrace) {
        self.send(StreamItem::Tool(ToolEventBody::from(trace))).await;
    }
}

/// The SSE response: the answer's events as they come, then `done` or `error`.
fn stream_answer(
    rx: mpsc::Receiver<Box<StreamItem>>,
    finished: oneshot::Receiver<Result<ChatExchange, ChatError>>,
    context: ProblemContext,
) -> Response {
    let progress = ReceiverStream::new(rx).map(|item| match *item {
        StreamItem::Tool(body) => event("tool", serde_json::to_string(&body)),
        StreamItem::Delta(text) => event("delta", serde_json::to_string(&DeltaBody { text })),
    });
    let last = futures::stream::once(async move {
        let error = match finished.await {
            Ok(Ok(exchange)) => return event("done", serde_json::to_string(&ExchangeBody::from(&exchange))),
            Ok(Err(error)) => ApiError::from(error),
            Err(closed) => ApiError::unexpected(closed),
        };
        event("error", serde_json::to_string(&failure_problem(&error, &context)))
    });
    let events = progress.chain(last).map(Ok::<Event, Infallible>);
    let mut response = Sse::new(events).keep_alive(KeepAlive::default()).into_response();
    // Ask reverse proxies not to buffer the stream.
    response.headers_mut().insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

fn failure_problem(error: &ApiError, context: &ProblemContext) -> Problem {
    error.log();
    Problem {
        instance: Some(context.instance.clone()),
        request_id: context.request_id.clone(),
        ..error.problem().clone()
    }
}

fn event(name: &'static str, data: serde_json::Result<String>) -> Event {
    Event::default().event(name).data(data.unwrap_or_default())
}

/// Rates an answer thumbs up or down, or clears the rating with `null`. Only the analyst's answers
/// take feedback.
#[utoipa::path(
    put,
    path = "/v1/conversations/{conversationId}/messages/{messageId}/feedback",
    tag = "messages",
    security(("bearer" = [])),
    params(ConversationIdPath, MessageIdPath),
    request_body = FeedbackRequest,
    responses(
        (status = 200, description = "The rated message", body = MessageBody),
        (status = 400, description = "Malformed id, missing rating, or not an answer", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such conversation of the caller's, or no such message in it", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn rate_message(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((conversation_id, message_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<FeedbackRequest>,
) -> Result<Json<MessageBody>, ApiError> {
    let id = parse_conversation_id(&conversation_id)?;
    let message = parse_message_id("messageId", &message_id)?;
    let Some(rating) = body.rating else {
        return Err(
            domain::validation::ValidationError::new("rating", "is required: positive, negative or null").into()
        );
    };
    let rated = state.services.conversations.rate(user, id, message, rating.map(Into::into)).await?;
    Ok(Json(MessageBody::from(&rated)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_client_that_stops_reading_slows_the_answer_then_is_sent_nothing_more() {
        let (tx, mut rx) = mpsc::channel(1);
        let sink = ChannelSink::new(tx);
        sink.delta("one").await;
        let waited = tokio::time::Instant::now();
        sink.delta("two").await;
        assert_eq!(waited.elapsed(), SLOW_CLIENT, "a full buffer holds the answer back, up to the limit");
        let after = tokio::time::Instant::now();
        sink.delta("three").await;
        assert_eq!(after.elapsed(), Duration::ZERO, "then the client is sent nothing more");
        assert!(matches!(rx.recv().await.as_deref(), Some(StreamItem::Delta(text)) if text == "one"));
        assert!(rx.try_recv().is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn a_client_that_has_gone_does_not_hold_the_answer_back() {
        let (tx, rx) = mpsc::channel(1);
        drop(rx);
        let sink = ChannelSink::new(tx);
        let start = tokio::time::Instant::now();
        for _ in 0..3 {
            sink.delta("text").await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
