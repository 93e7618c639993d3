//! The HTTP routes. Each handler carries its `utoipa::path` annotation, and [`api_router`] registers
//! them through `utoipa-axum`, so the router and `/openapi.json` are built from the same list and
//! cannot drift apart. [`app_parts`] splits them into the router and the finished document.

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::openapi::ApiDoc;
use crate::startup::AppState;

pub mod clients;
pub mod conversations;
pub mod health;
pub mod me;
pub mod messages;
pub mod platforms;

/// The router and the finished `OpenAPI` document (see [`crate::openapi::refine`]).
pub fn app_parts() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = api_router().split_for_parts();
    crate::openapi::refine(&mut doc);
    (router, doc)
}

/// Every route with its `OpenAPI` description, as the handlers annotate them.
pub fn api_router() -> OpenApiRouter<AppState> {
    use utoipa::OpenApi;

    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::health))
        .routes(routes!(health::ready))
        .routes(routes!(health::openapi_json))
        .routes(routes!(me::get_me))
        .routes(routes!(me::update_preferences))
        .routes(routes!(clients::list_clients, clients::create_client))
        .routes(routes!(clients::get_client, clients::update_client, clients::archive_client))
        .routes(routes!(clients::client_data))
        .routes(routes!(platforms::list_platforms))
        .routes(routes!(platforms::disconnect_platform))
        .routes(routes!(platforms::connect_platform))
        .routes(routes!(platforms::oauth_callback))
        .routes(routes!(platforms::list_accounts))
        .routes(routes!(platforms::choose_account))
        .routes(routes!(platforms::sync_platform))
        .routes(routes!(conversations::list_client_conversations, conversations::start_conversation))
        .routes(routes!(conversations::list_conversations))
        .routes(routes!(
            conversations::get_conversation,
            conversations::update_conversation,
            conversations::delete_conversation
        ))
        .routes(routes!(messages::post_message))
        .routes(routes!(messages::rate_message))
}
