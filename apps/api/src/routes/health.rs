//! Liveness, readiness and the API description.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::startup::AppState;

/// The state of the service.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusBody {
    /// `ok` when alive, `ready` when the store answers.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness: the process is up.
#[utoipa::path(get, path = "/health", tag = "health", responses((status = 200, body = StatusBody)))]
pub async fn health() -> Json<StatusBody> {
    Json(StatusBody { status: "ok" })
}

/// Readiness: the store answers (a ping on `MongoDB`).
#[utoipa::path(
    get,
    path = "/ready",
    tag = "health",
    responses(
        (status = 200, body = StatusBody),
        (status = 503, description = "The store cannot be reached", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn ready(State(state): State<AppState>) -> Result<Json<StatusBody>, ApiError> {
    state.health.check().await?;
    Ok(Json(StatusBody { status: "ready" }))
}

/// This API's description (`OpenAPI` 3.1).
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "health",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object))
)]
pub async fn openapi_json(Extension(doc): Extension<OpenApiJson>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], doc.0)
}

/// `/openapi.json`'s body, written once when the router is built: the document never changes while
/// the process runs, so neither it nor the per-request copy of it is kept.
#[derive(Clone)]
pub struct OpenApiJson(Bytes);

impl OpenApiJson {
    /// Writes `doc` as JSON.
    pub fn new(doc: &utoipa::openapi::OpenApi) -> serde_json::Result<Self> {
        serde_json::to_vec(doc).map(|json| Self(Bytes::from(json)))
    }
}
