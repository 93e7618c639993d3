//! A client's platform connections (summaries only: tokens never leave the store).

use axum::Json;
use axum::extract::{Path, State};
use domain::platform::Platform;

use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::startup::AppState;
use crate::wire::clients::PlatformsBody;
use crate::wire::ids::{ClientIdPath, PlatformPath, parse_client_id};

/// The state of each platform for a client: connected, account id, status, last sync, token expiry.
#[utoipa::path(
    get,
    path = "/v1/clients/{clientId}/platforms",
    tag = "platforms",
    security(("bearer" = [])),
    params(ClientIdPath),
    responses(
        (status = 200, body = PlatformsBody),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client of the caller's", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_platforms(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(client_id): Path<String>,
) -> Result<Json<PlatformsBody>, ApiError> {
    let client = state.services.clients.get(user, parse_client_id(&client_id)?).await?;
    Ok(Json(PlatformsBody::from(&client)))
}

/// Disconnects a platform: its tokens are erased; the account id and last figures stay but are no
/// longer used. Disconnecting twice is harmless.
#[utoipa::path(
    delete,
    path = "/v1/clients/{clientId}/platforms/{platform}",
    tag = "platforms",
    security(("bearer" = [])),
    params(ClientIdPath, PlatformPath),
    responses(
        (status = 200, description = "The client's platforms after the change", body = PlatformsBody),
        (status = 400, description = "Malformed id or unknown platform", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client of the caller's, or it never had this platform", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn disconnect_platform(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((client_id, platform)): Path<(String, String)>,
) -> Result<Json<PlatformsBody>, ApiError> {
    let id = parse_client_id(&client_id)?;
    let platform = platform.parse::<Platform>()?;
    let client = state.services.platforms.disconnect(user, id, platform).await?;
    Ok(Json(PlatformsBody::from(&client)))
}
