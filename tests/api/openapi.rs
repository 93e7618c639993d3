//! `/openapi.json` describes exactly the routes the server answers.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::spawn_app;

/// Every route of issue 3, as `METHOD path` in the document's spelling.
const ROUTES: &[&str] = &[
    "GET /health",
    "GET /ready",
    "GET /openapi.json",
    "GET /v1/me",
    "PATCH /v1/me/preferences",
    "GET /v1/clients",
    "POST /v1/clients",
    "GET /v1/clients/{clientId}",
    "PATCH /v1/clients/{clientId}",
    "DELETE /v1/clients/{clientId}",
    "GET /v1/clients/{clientId}/data",
    "GET /v1/clients/{clientId}/platforms",
    "DELETE /v1/clients/{clientId}/platforms/{platform}",
    "GET /v1/clients/{clientId}/conversations",
    "POST /v1/clients/{clientId}/conversations",
    "GET /v1/conversations",
    "GET /v1/conversations/{conversationId}",
    "PATCH /v1/conversations/{conversationId}",
    "DELETE /v1/conversations/{conversationId}",
    "POST /v1/conversations/{conversationId}/messages",
    "PUT /v1/conversations/{conversationId}/messages/{messageId}/feedback",
];

fn documented(doc: &Value) -> Vec<(String, String)> {
    let mut routes = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            routes.push((method.to_uppercase(), path.clone()));
        }
    }
    routes.sort();
    routes
}

#[tokio::test]
async fn the_document_lists_every_route_of_the_api_and_no_other() {
    let app = spawn_app().await;
    let doc: Value = app.anonymous(Method::GET, "/openapi.json").send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let mut expected: Vec<(String, String)> = ROUTES
        .iter()
        .map(|r| {
            let (method, path) = r.split_once(' ').unwrap();
            (method.to_owned(), path.to_owned())
        })
        .collect();
    expected.sort();
    assert_eq!(documented(&doc), expected);
}

#[tokio::test]
async fn every_documented_route_is_served() {
    let app = spawn_app().await;
    let client = app.create_client("Acme").await;
    let client_id = client["id"].as_str().unwrap();
    let conversation = app.start_conversation(client_id).await;
    let conversation_id = conversation["conversationId"].as_str().unwrap();
    let exchange = app.ask(conversation_id, "hello").await;
    let message_id = exchange["answer"]["messageId"].as_str().unwrap();

    let doc: Value = app.anonymous(Method::GET, "/openapi.json").send().await.unwrap().json().await.unwrap();
    for (method, template) in documented(&doc) {
        let path = template
            .replace("{clientId}", client_id)
            .replace("{conversationId}", conversation_id)
            .replace("{messageId}", message_id)
            .replace("{platform}", "linkedinAds");
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = app.request(method.clone(), &path);
        if [Method::POST, Method::PATCH, Method::PUT].contains(&method) {
            request = request.json(&json!({}));
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}: {body}");
        assert!(!body.contains("urn:chatbot:problem:route-not-found"), "{method} {path}: {body}");
        assert!(status.as_u16() < 500, "{method} {path}: {body}");
    }
}

#[tokio::test]
async fn problems_and_the_bearer_scheme_are_described() {
    let app = spawn_app().await;
    let doc: Value = app.anonymous(Method::GET, "/openapi.json").send().await.unwrap().json().await.unwrap();
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let post = &doc["paths"]["/v1/conversations/{conversationId}/messages"]["post"];
    for status in ["201", "200", "400", "401", "404", "409", "429", "502", "504"] {
        assert!(post["responses"][status].is_object(), "POST messages documents {status}");
    }
}
