//! The `OpenAPI` document's frame: title, security scheme and tags. The paths come from the handlers'
//! annotations through [`crate::routes::api_router`].

use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::error::Problem;

/// The document's frame.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Agency analytics chatbot API",
        description = "Manage an agency's clients and chat with an analyst about one client's marketing figures. \
            Errors are application/problem+json (RFC 9457). Authenticate with `Authorization: Bearer <JWT>` (HS256, \
            `sub` = the user's 24-hex id)."
    ),
    modifiers(&BearerAuth),
    components(schemas(Problem)),
    tags(
        (name = "health", description = "Liveness, readiness and this document"),
        (name = "me", description = "The caller's chatbot stats and preferences"),
        (name = "clients", description = "The caller's clients and their figures"),
        (name = "platforms", description = "A client's platform connections"),
        (name = "conversations", description = "Conversations about a client"),
        (name = "messages", description = "Chatting with the analyst"),
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` security scheme the handlers refer to.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

/// The whole document, as served at `/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    crate::routes::api_router().split_for_parts().1
}

#[cfg(test)]
mod tests {
    use super::*;

    // That the document lists exactly the served routes is checked black-box, in tests/api/openapi.rs.

    #[test]
    fn every_authenticated_route_declares_the_bearer_scheme() {
        let doc = serde_json::to_value(document()).unwrap();
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let secured = op.get("security").is_some();
                assert_eq!(secured, path.starts_with("/v1/"), "{method} {path}");
            }
        }
    }
}
