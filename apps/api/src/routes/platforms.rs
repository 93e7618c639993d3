//! A client's platform connections: their summaries (tokens never leave the store), connecting one
//! through the platform's OAuth consent, choosing its account, syncing it and disconnecting it.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::platform::Platform;
use domain::services::platforms::{Callback, PlatformError};
use domain::validation::ValidationError;
use secrecy::SecretString;

use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::extract::ApiJson;
use crate::startup::AppState;
use crate::wire::clients::PlatformsBody;
use crate::wire::ids::{ClientIdPath, PlatformPath, parse_client_id};
use crate::wire::platforms::{
    AccountsBody, AuthorizationBody, CallbackBody, CallbackOutcome, CallbackParams, ChooseAccountRequest,
    SyncReportBody,
};

/// What a `503` means on the routes that call a platform: the shared "store cannot be reached", and
/// the platform's own reasons.
const PLATFORM_UNAVAILABLE: &str = "The platform's app is not configured on this server (the detail names the variables), \
    the platform is rate limiting (see Retry-After), or the store cannot be reached";

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
    Ok(Json(PlatformsBody::of(&client, &state.services.platforms)))
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
    Ok(Json(PlatformsBody::of(&client, &state.services.platforms)))
}

/// Starts connecting a platform: the URL of the platform's consent page to send the user to. Its
/// `state` is random, single use, bound to the caller, the client and the platform, and expires in
/// 10 minutes; PKCE (S256) is used where the platform supports it.
#[utoipa::path(
    post,
    path = "/v1/clients/{clientId}/platforms/{platform}/connect",
    tag = "platforms",
    security(("bearer" = [])),
    params(ClientIdPath, PlatformPath),
    responses(
        (status = 200, description = "Where to send the user", body = AuthorizationBody),
        (status = 400, description = "Malformed id or unknown platform", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client of the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The client is archived", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The platform's app is not configured on this server (the detail names the variables), or the store cannot be reached", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn connect_platform(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((client_id, platform)): Path<(String, String)>,
) -> Result<Json<AuthorizationBody>, ApiError> {
    let id = parse_client_id(&client_id)?;
    let platform = platform.parse::<Platform>()?;
    let authorization_url = state.services.platforms.begin_connect(user, id, platform).await?;
    Ok(Json(AuthorizationBody { authorization_url }))
}

/// Where a platform sends the user back after consent (no bearer token: the `state` names the
/// user). The code is exchanged, the tokens are sealed, and the connection is stored active; then
/// the user is redirected to `FRONTEND_URL` with the outcome in the query (`connection=connected`,
/// `denied` or `failed`, `platform`, `clientId`, `reason`), or, without `FRONTEND_URL`, the outcome
/// is the JSON body. A bad, expired or replayed `state` is a `400` and stores nothing.
#[utoipa::path(
    get,
    path = "/v1/oauth/{platform}/callback",
    tag = "platforms",
    params(PlatformPath, CallbackParams),
    responses(
        (status = 200, description = "Without FRONTEND_URL: the outcome", body = CallbackBody),
        (status = 303, description = "With FRONTEND_URL: back to the app, the outcome in the query"),
        (status = 400, description = "Unknown platform, or a bad, expired or replayed state; nothing stored", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn oauth_callback(
    State(state): State<AppState>,
    Path(platform): Path<String>,
    Query(params): Query<CallbackParams>,
) -> Result<Response, ApiError> {
    let platform = platform.parse::<Platform>()?;
    let oauth_state = params.state.as_deref().unwrap_or_default();
    let callback = match (&params.code, &params.error) {
        (_, Some(error)) => {
            let reason = params.error_description.as_deref().map_or(error.clone(), |d| format!("{error}: {d}"));
            Callback::Error(reason)
        }
        (Some(code), None) => Callback::Code(SecretString::from(code.clone())),
        (None, None) => {
            return Err(ValidationError::new("code", "is required (or error, when the user declined)").into());
        }
    };
    let outcome = state.services.platforms.complete_connect(platform, oauth_state, callback).await;
    let body = match outcome {
        Ok(connected) => CallbackBody {
            connection: CallbackOutcome::Connected,
            platform: platform.into(),
            client_id: Some(connected.client.to_string()),
            reason: None,
        },
        Err(e @ PlatformError::Denied { .. }) => CallbackBody {
            connection: CallbackOutcome::Denied,
            platform: platform.into(),
            client_id: None,
            reason: Some(e.to_string()),
        },
        // A state that names no authorization is the caller's mistake whatever the app.
        Err(e @ (PlatformError::InvalidState | PlatformError::Invalid(_))) => return Err(e.into()),
        Err(other) => {
            let reason = ApiError::from(other).problem().detail.clone();
            CallbackBody {
                connection: CallbackOutcome::Failed,
                platform: platform.into(),
                client_id: None,
                reason: Some(reason),
            }
        }
    };
    let Some(frontend) = &state.frontend_url else {
        return Ok(Json(body).into_response());
    };
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("connection", body.connection.key()).append_pair("platform", platform.key());
    if let Some(client) = &body.client_id {
        query.append_pair("clientId", client);
    }
    if let Some(reason) = &body.reason {
        query.append_pair("reason", reason);
    }
    let separator = if frontend.contains('?') { '&' } else { '?' };
    Ok(Redirect::to(&format!("{frontend}{separator}{}", query.finish())).into_response())
}

/// The accounts the connection's token can see, to choose the one its figures come from.
#[utoipa::path(
    get,
    path = "/v1/clients/{clientId}/platforms/{platform}/accounts",
    tag = "platforms",
    security(("bearer" = [])),
    params(ClientIdPath, PlatformPath),
    responses(
        (status = 200, body = AccountsBody),
        (status = 400, description = "Malformed id or unknown platform", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client of the caller's, or the platform is not connected", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The platform no longer accepts the connection's access; reconnect", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "The platform failed or refused", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = PLATFORM_UNAVAILABLE, body = Problem, content_type = "application/problem+json",
            headers(("retry-after" = u64, description = "Seconds to wait, when the platform is rate limiting"))),
    )
)]
pub async fn list_accounts(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((client_id, platform)): Path<(String, String)>,
) -> Result<Json<AccountsBody>, ApiError> {
    let id = parse_client_id(&client_id)?;
    let platform = platform.parse::<Platform>()?;
    let accounts = state.services.platforms.accounts(user, id, platform).await?;
    Ok(Json(AccountsBody::from(&accounts)))
}

/// Chooses the account the connection's figures come from (one its token can see) and starts its
/// first sync, which back-fills 13 months in the background.
#[utoipa::path(
    put,
    path = "/v1/clients/{clientId}/platforms/{platform}/account",
    tag = "platforms",
    security(("bearer" = [])),
    params(ClientIdPath, PlatformPath),
    request_body = ChooseAccountRequest,
    responses(
        (status = 200, description = "The client's platforms, the account chosen; the first sync is running", body = PlatformsBody),
        (status = 400, description = "Malformed id, unknown platform, or no account id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client of the caller's, or the platform is not connected", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The token cannot see that account, or the platform no longer accepts the connection's access (reconnect)", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "The platform failed or refused while listing the token's accounts; nothing changed", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = PLATFORM_UNAVAILABLE, body = Problem, content_type = "application/problem+json",
            headers(("retry-after" = u64, description = "Seconds to wait, when the platform is rate limiting"))),
    )
)]
pub async fn choose_account(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((client_id, platform)): Path<(String, String)>,
    ApiJson(body): ApiJson<ChooseAccountRequest>,
) -> Result<Json<PlatformsBody>, ApiError> {
    let id = parse_client_id(&client_id)?;
    let platform = platform.parse::<Platform>()?;
    let account_id = body.account_id(platform)?;
    let client = state.services.platforms.choose_account(user, id, platform, &account_id).await?;
    // The first sync back-fills 13 months: it runs on its own task, and the platforms show it.
    let sync = state.services.sync.clone();
    tokio::spawn(async move {
        if let Err(error) = sync.sync_now(user, id, platform).await {
            tracing::warn!(%error, %platform, "the first sync did not run");
        }
    });
    Ok(Json(PlatformsBody::of(&client, &state.services.platforms)))
}

/// Syncs the connection now and reports the outcome (a failed sync is a report with its status and
/// reason; the previous figures are kept).
#[utoipa::path(
    post,
    path = "/v1/clients/{clientId}/platforms/{platform}/sync",
    tag = "platforms",
    security(("bearer" = [])),
    params(ClientIdPath, PlatformPath),
    responses(
        (status = 200, description = "What the sync did", body = SyncReportBody),
        (status = 400, description = "Malformed id or unknown platform", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client of the caller's, or the platform is not connected", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No account chosen yet, or a sync of it is already running", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn sync_platform(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((client_id, platform)): Path<(String, String)>,
) -> Result<Json<SyncReportBody>, ApiError> {
    let id = parse_client_id(&client_id)?;
    let platform = platform.parse::<Platform>()?;
    // The sync finishes and records its outcome even if the client hangs up.
    let sync = state.services.sync.clone();
    let report =
        tokio::spawn(async move { sync.sync_now(user, id, platform).await }).await.map_err(ApiError::unexpected)??;
    Ok(Json(SyncReportBody::from(&report)))
}
