//! The user's chatbot stats and preferences.

use axum::Json;
use axum::extract::State;

use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::extract::ApiJson;
use crate::startup::AppState;
use crate::wire::me::{MeBody, UpdatePreferencesRequest};

/// The caller's chatbot stats and preferences (defaults for a user never seen).
#[utoipa::path(
    get,
    path = "/v1/me",
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, body = MeBody),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_me(State(state): State<AppState>, AuthUser(user): AuthUser) -> Result<Json<MeBody>, ApiError> {
    let me = state.services.users.me(user).await?;
    Ok(Json(MeBody::new(user, &me)))
}

/// Changes the caller's preferences; absent fields stay as they are.
#[utoipa::path(
    patch,
    path = "/v1/me/preferences",
    tag = "me",
    security(("bearer" = [])),
    request_body = UpdatePreferencesRequest,
    responses(
        (status = 200, body = MeBody),
        (status = 400, description = "A rule is broken (at most 20 quick replies of 1–200 characters)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_preferences(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<UpdatePreferencesRequest>,
) -> Result<Json<MeBody>, ApiError> {
    let me = state.services.users.update_preferences(user, body.try_into()?).await?;
    Ok(Json(MeBody::new(user, &me)))
}
