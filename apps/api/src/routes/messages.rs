//! Chatting: sending a message (whole answer as JSON, or streamed as server-sent events) and rating
//! answers.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use domain::analyst::{DeltaSink, DiscardDeltas};
use domain::services::chat::{ChatError, ChatExchange, PreparedTurn};
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_stream::wrappers::UnboundedReceiverStream;

use crate::auth::AuthUser;
use crate::error::{ApiError, Problem, request_id};
use crate::extract::ApiJson;
use crate::startup::AppState;
use crate::wire::conversations::{DeltaBody, ExchangeBody, FeedbackRequest, MessageBody, PostMessageRequest};
use crate::wire::ids::{ConversationIdPath, MessageIdPath, parse_conversation_id, parse_message_id};

/// Sends a message to the analyst and returns the stored question and answer.
///
/// With `Accept: text/event-stream` the answer is streamed as server-sent events instead: `delta`
/// events (`{"text": ...}`, concatenating to the answer), then one `done` event carrying the same
/// body as the JSON response, or one `error` event carrying a problem if the analyst fails. Every
/// refusal (404, 409, 429, ...) comes before the stream starts, as an ordinary problem response.
#[utoipa::path(
    post,
    path = "/v1/conversations/{conversationId}/messages",
    tag = "messages",
    security(("bearer" = [])),
    params(ConversationIdPath),
    request_body = PostMessageRequest,
    responses(
        (status = 201, description = "The stored question and answer", body = ExchangeBody),
        (status = 200, description = "With Accept: text/event-stream: `delta` events ({text}), then `done` (the same body as 201) or `error` (a problem)", content_type = "text/event-stream", body = String),
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
    let turn = state.services.chat.prepare(user, id, content).await?;
    if wants_event_stream(&headers) {
        let origin = ProblemContext { instance: uri.path().to_owned(), request_id: request_id(&headers) };
        return Ok(stream_answer(turn, origin));
    }
    // The answer runs in its own task so that a client hanging up mid-answer cannot leave it half
    // recorded (answer stored but the user's stats not counted).
    let exchange = tokio::spawn(turn.answer(Arc::new(DiscardDeltas))).await.map_err(ApiError::unexpected)??;
    Ok((StatusCode::CREATED, Json(ExchangeBody::from(&exchange))).into_response())
}

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

/// What the answering task tells the stream.
enum StreamItem {
    Delta(String),
    Done(Box<ChatExchange>),
    Failed(Box<Problem>),
}

/// Forwards the model's deltas to the stream; a stream whose client left just drops them.
struct ChannelSink(mpsc::UnboundedSender<StreamItem>);

impl DeltaSink for ChannelSink {
    fn delta(&self, text: &str) {
        if !text.is_empty() {
            let _ = self.0.send(StreamItem::Delta(text.to_owned()));
        }
    }
}

fn stream_answer(turn: PreparedTurn, context: ProblemContext) -> Response {
    let (tx, rx) = mpsc::unbounded_channel();
    let sink: Arc<dyn DeltaSink> = Arc::new(ChannelSink(tx.clone()));
    // The answer is finished and stored even if the client disconnects mid-stream.
    tokio::spawn(async move {
        let item = match turn.answer(sink).await {
            Ok(exchange) => StreamItem::Done(Box::new(exchange)),
            Err(error) => StreamItem::Failed(Box::new(failure_problem(error, &context))),
        };
        let _ = tx.send(item);
    });
    let events = UnboundedReceiverStream::new(rx).map(|item| Ok::<Event, Infallible>(to_event(item)));
    let mut response = Sse::new(events).keep_alive(KeepAlive::default()).into_response();
    // Ask reverse proxies not to buffer the stream.
    response.headers_mut().insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

fn failure_problem(error: ChatError, context: &ProblemContext) -> Problem {
    let error = ApiError::from(error);
    error.log();
    Problem {
        instance: Some(context.instance.clone()),
        request_id: context.request_id.clone(),
        ..error.problem().clone()
    }
}

fn to_event(item: StreamItem) -> Event {
    let (name, data) = match item {
        StreamItem::Delta(text) => ("delta", serde_json::to_string(&DeltaBody { text })),
        StreamItem::Done(exchange) => ("done", serde_json::to_string(&ExchangeBody::from(exchange.as_ref()))),
        StreamItem::Failed(problem) => ("error", serde_json::to_string(problem.as_ref())),
    };
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
