//! Liveness, readiness and the API description.

use std::sync::Arc;

use axum::extract::State;
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
pub async fn openapi_json(Extension(doc): Extension<Arc<utoipa::openapi::OpenApi>>) -> Json<utoipa::openapi::OpenApi> {
    Json(doc.as_ref().clone())
}
