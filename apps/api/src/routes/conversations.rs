//! Conversations: list (per client and across clients), start, read with messages, change, delete.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::conversation::ConversationStatus;
use domain::ids::ClientId;
use domain::paging::ConversationQuery;

use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery, JsonOrEmpty};
use crate::startup::AppState;
use crate::wire::conversations::{
    ConversationBody, ConversationDetailBody, ConversationPage, GetConversationParams, ListConversationsParams,
    StartConversationRequest, UpdateConversationRequest,
};
use crate::wire::cursor;
use crate::wire::ids::{ClientIdPath, ConversationIdPath, parse_client_id, parse_conversation_id, parse_message_id};

/// How many messages a conversation read returns unless asked.
const DEFAULT_MESSAGES: u32 = 50;

fn conversation_query(
    client: Option<ClientId>,
    params: &ListConversationsParams,
) -> Result<ConversationQuery, ApiError> {
    let status = match params.status.as_deref() {
        None => None,
        Some("active") => Some(ConversationStatus::Active),
        Some("archived") => Some(ConversationStatus::Archived),
        Some(_) => {
            return Err(domain::validation::ValidationError::new("status", "must be active or archived").into());
        }
    };
    Ok(ConversationQuery {
        client_id: client,
        status,
        after: params.cursor.as_deref().map(cursor::decode_conversation).transpose()?,
        limit: cursor::parse_limit(params.limit.as_deref(), 20)?,
    })
}

/// A page of the conversations about one client, newest `lastMessageAt` first, without messages.
#[utoipa::path(
    get,
    path = "/v1/clients/{clientId}/conversations",
    tag = "conversations",
    security(("bearer" = [])),
    params(ClientIdPath, ListConversationsParams),
    responses(
        (status = 200, body = ConversationPage),
        (status = 400, description = "Malformed id, bad filter, limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client of the caller's", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_client_conversations(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(client_id): Path<String>,
    ApiQuery(params): ApiQuery<ListConversationsParams>,
) -> Result<Json<ConversationPage>, ApiError> {
    let query = conversation_query(Some(parse_client_id(&client_id)?), &params)?;
    let page = state.services.conversations.list(user, &query).await?;
    Ok(Json(ConversationPage::from(&page)))
}

/// Starts an empty conversation about a client (the body may be empty or give a title).
#[utoipa::path(
    post,
    path = "/v1/clients/{clientId}/conversations",
    tag = "conversations",
    security(("bearer" = [])),
    params(ClientIdPath),
    request_body(content = Option<StartConversationRequest>, description = "Optional: no body, `null`, or an object"),
    responses(
        (status = 201, body = ConversationBody, headers(("location" = String, description = "The new conversation's URL"))),
        (status = 400, description = "Malformed id or title", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client of the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The client is archived", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn start_conversation(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(client_id): Path<String>,
    JsonOrEmpty(body): JsonOrEmpty<StartConversationRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let client = parse_client_id(&client_id)?;
    let conversation = state.services.conversations.start(user, client, body.title()?).await?;
    let location = format!("/v1/conversations/{}", conversation.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(ConversationBody::from(&conversation))))
}

/// A page of all the caller's conversations across clients, newest `lastMessageAt` first.
#[utoipa::path(
    get,
    path = "/v1/conversations",
    tag = "conversations",
    security(("bearer" = [])),
    params(ListConversationsParams),
    responses(
        (status = 200, body = ConversationPage),
        (status = 400, description = "Bad filter, limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_conversations(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiQuery(params): ApiQuery<ListConversationsParams>,
) -> Result<Json<ConversationPage>, ApiError> {
    let query = conversation_query(None, &params)?;
    let page = state.services.conversations.list(user, &query).await?;
    Ok(Json(ConversationPage::from(&page)))
}

/// A conversation with its latest messages (oldest first); `?before=<messageId>` pages back.
#[utoipa::path(
    get,
    path = "/v1/conversations/{conversationId}",
    tag = "conversations",
    security(("bearer" = [])),
    params(ConversationIdPath, GetConversationParams),
    responses(
        (status = 200, body = ConversationDetailBody),
        (status = 400, description = "Malformed id or limit", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such conversation of the caller's, or no such message for `before`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_conversation(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(conversation_id): Path<String>,
    ApiQuery(params): ApiQuery<GetConversationParams>,
) -> Result<Response, ApiError> {
    let id = parse_conversation_id(&conversation_id)?;
    let before = params.before.as_deref().map(|b| parse_message_id("before", b)).transpose()?;
    let limit = cursor::parse_limit(params.limit.as_deref(), DEFAULT_MESSAGES)?;
    let detail = state.services.conversations.get(user, id, before, limit.get()).await?;
    // The body of `ConversationDetailBody`, from the messages' kept JSON.
    Ok(state.message_json.detail(&detail))
}

/// Changes the title (`null` clears it) or moves the conversation between active and archived.
#[utoipa::path(
    patch,
    path = "/v1/conversations/{conversationId}",
    tag = "conversations",
    security(("bearer" = [])),
    params(ConversationIdPath),
    request_body = UpdateConversationRequest,
    responses(
        (status = 200, body = ConversationBody),
        (status = 400, description = "Malformed id, empty change or a broken rule", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such conversation of the caller's", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_conversation(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(conversation_id): Path<String>,
    ApiJson(body): ApiJson<UpdateConversationRequest>,
) -> Result<Json<ConversationBody>, ApiError> {
    let id = parse_conversation_id(&conversation_id)?;
    let conversation = state.services.conversations.update(user, id, body.try_into()?).await?;
    Ok(Json(ConversationBody::from(&conversation)))
}

/// Deletes a conversation (soft delete: it disappears now and is purged after the retention window).
#[utoipa::path(
    delete,
    path = "/v1/conversations/{conversationId}",
    tag = "conversations",
    security(("bearer" = [])),
    params(ConversationIdPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such conversation of the caller's (or already deleted)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete_conversation(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(conversation_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_conversation_id(&conversation_id)?;
    state.services.conversations.delete(user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
