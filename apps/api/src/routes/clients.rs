//! Clients: list, create, read, change, archive, and the figures the analyst sees.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use domain::client::ClientStatus;
use domain::paging::ClientQuery;

use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery};
use crate::startup::AppState;
use crate::wire::clients::{ClientBody, ClientPage, CreateClientRequest, ListClientsParams, UpdateClientRequest};
use crate::wire::cursor;
use crate::wire::data::ClientDataBody;
use crate::wire::ids::{ClientIdPath, parse_client_id};

/// A page of the caller's clients, sorted by name.
#[utoipa::path(
    get,
    path = "/v1/clients",
    tag = "clients",
    security(("bearer" = [])),
    params(ListClientsParams),
    responses(
        (status = 200, body = ClientPage),
        (status = 400, description = "A bad filter, limit or cursor, or a search longer than 200 characters", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_clients(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiQuery(params): ApiQuery<ListClientsParams>,
) -> Result<Json<ClientPage>, ApiError> {
    let query = ClientQuery {
        status: params.status.as_deref().map(str::parse::<ClientStatus>).transpose()?,
        name_prefix: params.name_prefix()?,
        after: params.cursor.as_deref().map(cursor::decode_client).transpose()?,
        limit: cursor::parse_limit(params.limit.as_deref(), 20)?,
    };
    let page = state.services.clients.list(user, &query).await?;
    Ok(Json(ClientPage::of(&page, &state.services.platforms)))
}

/// Creates an active client with no platform connected.
#[utoipa::path(
    post,
    path = "/v1/clients",
    tag = "clients",
    security(("bearer" = [])),
    request_body = CreateClientRequest,
    responses(
        (status = 201, body = ClientBody, headers(("location" = String, description = "The new client's URL"))),
        (status = 400, description = "A rule is broken (name 1–200 characters, e-mail, https logo)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_client(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<CreateClientRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let client = state.services.clients.create(user, body.try_into()?).await?;
    let location = format!("/v1/clients/{}", client.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(ClientBody::of(&client, &state.services.platforms))))
}

/// One of the caller's clients.
#[utoipa::path(
    get,
    path = "/v1/clients/{clientId}",
    tag = "clients",
    security(("bearer" = [])),
    params(ClientIdPath),
    responses(
        (status = 200, body = ClientBody),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client of the caller's", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_client(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(client_id): Path<String>,
) -> Result<Json<ClientBody>, ApiError> {
    let client = state.services.clients.get(user, parse_client_id(&client_id)?).await?;
    Ok(Json(ClientBody::of(&client, &state.services.platforms)))
}

/// Changes some of a client's fields; `null` clears `email` or `logo`; `status: active` restores an
/// archived client.
#[utoipa::path(
    patch,
    path = "/v1/clients/{clientId}",
    tag = "clients",
    security(("bearer" = [])),
    params(ClientIdPath),
    request_body = UpdateClientRequest,
    responses(
        (status = 200, body = ClientBody),
        (status = 400, description = "Malformed id, empty change or a broken rule", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client of the caller's", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_client(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(client_id): Path<String>,
    ApiJson(body): ApiJson<UpdateClientRequest>,
) -> Result<Json<ClientBody>, ApiError> {
    let id = parse_client_id(&client_id)?;
    let client = state.services.clients.update(user, id, body.try_into()?).await?;
    Ok(Json(ClientBody::of(&client, &state.services.platforms)))
}

/// Archives a client (DELETE is a soft delete: nothing is erased).
///
/// The client is not removed, by design: it gets `status: archived` (see `?status=archived`), and
/// afterwards `GET /v1/clients/{clientId}`, its platforms, its figures and its conversations still
/// answer `200`; it takes no new conversations or messages (`409 client-archived`). Archiving twice
/// is harmless. `PATCH /v1/clients/{clientId}` with `{"status":"active"}` restores it.
#[utoipa::path(
    delete,
    path = "/v1/clients/{clientId}",
    tag = "clients",
    security(("bearer" = [])),
    params(ClientIdPath),
    responses(
        (status = 200, description = "The archived client", body = ClientBody),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client of the caller's", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn archive_client(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(client_id): Path<String>,
) -> Result<Json<ClientBody>, ApiError> {
    let client = state.services.clients.archive(user, parse_client_id(&client_id)?).await?;
    Ok(Json(ClientBody::of(&client, &state.services.platforms)))
}

/// The figures the analyst sees for a client: each connected platform's latest sync, or demo data
/// (`"demo": true`) when nothing is connected.
#[utoipa::path(
    get,
    path = "/v1/clients/{clientId}/data",
    tag = "clients",
    security(("bearer" = [])),
    params(ClientIdPath),
    responses(
        (status = 200, body = ClientDataBody),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client of the caller's", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn client_data(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(client_id): Path<String>,
) -> Result<Json<ClientDataBody>, ApiError> {
    let id = parse_client_id(&client_id)?;
    let view = state.services.data.view(user, id).await?;
    Ok(Json(ClientDataBody::new(id, &view)))
}
