//! The `OpenAPI` document's frame: title, security scheme and tags. The paths come from the handlers'
//! annotations through [`crate::routes::api_router`].

use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr, Schema};

use crate::error::{PROBLEM_JSON, Problem};
use crate::wire::conversations::DeltaBody;
use crate::wire::working::ToolEventBody;

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
    components(schemas(Problem, ToolEventBody, DeltaBody)),
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
    crate::routes::app_parts().1
}

/// The problem responses that the same cause can produce on many routes, by component name, with
/// their status and description.
const SHARED_RESPONSES: &[(&str, &str, &str)] = &[
    ("PayloadTooLarge", "413", "The body is larger than 64 KiB"),
    ("UriTooLong", "414", "The path and query are longer than 8 KiB"),
    ("HeadersTooLarge", "431", "The request's headers are larger than 32 KiB together"),
    ("UnsupportedMediaType", "415", "The body is not sent with `Content-Type: application/json`"),
    ("InternalError", "500", "Unexpected failure; the server log has its cause under the request id"),
    ("Unavailable", "503", "The store cannot be reached; try again"),
    ("Timeout", "504", "The request took longer than the server allows"),
];

/// Completes the document with what holds for every route alike, so that no handler can forget it:
///
/// - every query parameter takes an empty value as absent (`allowEmptyValue`, as
///   [`crate::extract::ApiQuery`] reads it);
/// - every route can answer 414 and 431 (a request target or headers over the limits that
///   every request is checked against before routing);
/// - every route with a body can answer 413 and 415;
/// - every `/v1` route can answer 500, 503 (the store is down) and 504 (the request timed out);
/// - every PATCH body must change something (`minProperties: 1`). (`#[schema(min_properties)]`
///   cannot say it: utoipa-gen 5.5 writes it as `maxProperties`.)
pub fn refine(doc: &mut utoipa::openapi::OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    for (name, _, description) in SHARED_RESPONSES {
        components.responses.insert((*name).to_owned(), problem_response(description).into());
    }
    let mut patch_bodies = Vec::new();
    for (path, item) in &mut doc.paths.paths {
        let operations = [
            ("patch", &mut item.patch),
            ("get", &mut item.get),
            ("post", &mut item.post),
            ("put", &mut item.put),
            ("delete", &mut item.delete),
        ];
        for (method, operation) in operations {
            let Some(operation) = operation.as_mut() else { continue };
            for parameter in operation.parameters.iter_mut().flatten() {
                if parameter.parameter_in == ParameterIn::Query {
                    parameter
                        .extensions
                        .get_or_insert_with(Default::default)
                        .insert("allowEmptyValue".to_owned(), serde_json::Value::Bool(true));
                }
            }
            let mut shared = vec!["UriTooLong", "HeadersTooLarge"];
            if let Some(body) = &operation.request_body {
                shared.extend(["PayloadTooLarge", "UnsupportedMediaType"]);
                if method == "patch" {
                    patch_bodies.extend(body.content.values().filter_map(|content| match &content.schema {
                        Some(RefOr::Ref(reference)) => reference.ref_location.rsplit('/').next().map(str::to_owned),
                        _ => None,
                    }));
                }
            }
            if path.starts_with("/v1/") {
                shared.extend(["InternalError", "Unavailable", "Timeout"]);
            }
            for name in shared {
                let Some((_, status, _)) = SHARED_RESPONSES.iter().find(|(n, ..)| *n == name) else { continue };
                operation
                    .responses
                    .responses
                    .entry((*status).to_owned())
                    .or_insert_with(|| RefOr::Ref(Ref::new(format!("#/components/responses/{name}"))));
            }
        }
    }
    for name in patch_bodies {
        if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(&name) {
            object.min_properties = Some(1);
        }
    }
}

/// A response carrying a [`Problem`].
fn problem_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build())
        .build()
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
                // A platform's consent callback carries no bearer token: its state names the user.
                let public = !path.starts_with("/v1/") || path.starts_with("/v1/oauth/");
                assert_eq!(secured, !public, "{method} {path}");
            }
        }
    }

    #[test]
    fn refine_completes_what_every_route_shares() {
        let doc = serde_json::to_value(document()).unwrap();
        let change = &doc["components"]["schemas"]["UpdateClientRequest"];
        assert_eq!(change["minProperties"], 1);
        assert!(change.get("maxProperties").is_none(), "{change}");
        let list = &doc["paths"]["/v1/clients"]["get"];
        for parameter in list["parameters"].as_array().unwrap() {
            assert_eq!(parameter["allowEmptyValue"], true, "{parameter}");
        }
        assert_eq!(list["responses"]["503"]["$ref"], "#/components/responses/Unavailable");
        assert!(list["responses"].get("415").is_none(), "no body, no 415");
        let create = &doc["paths"]["/v1/clients"]["post"]["responses"];
        assert_eq!(create["415"]["$ref"], "#/components/responses/UnsupportedMediaType");
        assert_eq!(create["413"]["$ref"], "#/components/responses/PayloadTooLarge");
        assert!(doc["paths"]["/health"]["get"]["responses"].get("503").is_none());
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                assert_eq!(op["responses"]["414"]["$ref"], "#/components/responses/UriTooLong", "{method} {path}");
                assert_eq!(op["responses"]["431"]["$ref"], "#/components/responses/HeadersTooLarge", "{method} {path}");
            }
        }
        for (name, ..) in SHARED_RESPONSES {
            let response = &doc["components"]["responses"][*name];
            assert_eq!(response["content"][PROBLEM_JSON]["schema"]["$ref"], "#/components/schemas/Problem", "{name}");
        }
    }
}
