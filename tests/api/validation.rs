//! Input rules: each broken rule answers 400 with a detail that names the field; bodies over
//! 64 KiB answer 413.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{problem, spawn_app};

/// What a case sends.
enum Body {
    None,
    Json(Value),
    Raw(&'static str),
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one table, read row by row
async fn each_broken_rule_is_a_400_naming_the_field() {
    let app = spawn_app().await;
    let client = app.create_client("Acme").await;
    let c = client["id"].as_str().unwrap().to_owned();
    let conversation = app.start_conversation(&c).await;
    let v = conversation["conversationId"].as_str().unwrap().to_owned();
    let exchange = app.ask(&v, "hello").await;
    let m = exchange["answer"]["messageId"].as_str().unwrap().to_owned();
    let clients = "/v1/clients".to_owned();
    let client_path = format!("/v1/clients/{c}");
    let conversation_path = format!("/v1/conversations/{v}");
    let messages = format!("/v1/conversations/{v}/messages");
    let feedback = format!("/v1/conversations/{v}/messages/{m}/feedback");
    let preferences = "/v1/me/preferences".to_owned();
    let long = "x".repeat(201);
    let too_many: Vec<String> = (0..21).map(|i| format!("q{i}")).collect();

    // (method, path, body, the field the detail must name, the `field` member for rule violations)
    let cases: Vec<(Method, String, Body, &str, Option<&str>)> = vec![
        (Method::POST, clients.clone(), Body::Json(json!({ "name": "  " })), "name", Some("name")),
        (Method::POST, clients.clone(), Body::Json(json!({ "name": long })), "name", Some("name")),
        (Method::POST, clients.clone(), Body::Json(json!({ "name": "A", "email": "nope" })), "email", Some("email")),
        (
            Method::POST,
            clients.clone(),
            Body::Json(json!({ "name": "A", "logo": "http://acme.com/l.png" })),
            "logo",
            Some("logo"),
        ),
        (
            Method::POST,
            clients.clone(),
            Body::Json(json!({ "name": "A", "logo": "https://user:pw@acme.com/l.png" })),
            "logo",
            Some("logo"),
        ),
        (
            Method::POST,
            clients.clone(),
            Body::Json(json!(["Name", "a@example.com", "https://x.example/l.png"])),
            "must be a JSON object",
            None,
        ),
        (Method::POST, clients.clone(), Body::Raw("\"Acme\""), "must be a JSON object", None),
        (Method::POST, clients.clone(), Body::Raw("null"), "must be a JSON object", None),
        (Method::POST, clients.clone(), Body::Raw("[1, "), "not valid JSON", None),
        (Method::POST, format!("{client_path}/conversations"), Body::Json(json!([])), "must be a JSON object", None),
        (Method::PATCH, preferences.clone(), Body::Json(json!([[]])), "must be a JSON object", None),
        (Method::PUT, feedback.clone(), Body::Json(json!(["positive"])), "must be a JSON object", None),
        (Method::POST, clients.clone(), Body::Json(json!({ "name": "A", "colour": "red" })), "colour", None),
        (Method::POST, clients.clone(), Body::Json(json!({ "name": 5 })), "name", None),
        (Method::POST, clients.clone(), Body::Json(json!({})), "name", None),
        (Method::POST, clients.clone(), Body::Raw("{\"name\": "), "JSON", None),
        (Method::GET, "/v1/clients?status=gone".to_owned(), Body::None, "status", Some("status")),
        (Method::GET, "/v1/clients?limit=0".to_owned(), Body::None, "limit", Some("limit")),
        (Method::GET, "/v1/clients?limit=ten".to_owned(), Body::None, "limit", Some("limit")),
        (Method::GET, "/v1/clients?cursor=bm9wZQ".to_owned(), Body::None, "cursor", Some("cursor")),
        (Method::GET, "/v1/clients?sort=name".to_owned(), Body::None, "sort", None),
        (Method::GET, "/v1/clients/not-an-id".to_owned(), Body::None, "clientId", Some("clientId")),
        (Method::PATCH, client_path.clone(), Body::Json(json!({})), "body", Some("body")),
        (Method::PATCH, client_path.clone(), Body::Json(json!({ "status": "gone" })), "status", None),
        (Method::PATCH, client_path.clone(), Body::Json(json!({ "name": "" })), "name", Some("name")),
        (Method::DELETE, format!("{client_path}/platforms/tiktokAds"), Body::None, "platform", Some("platform")),
        (
            Method::POST,
            format!("{client_path}/conversations"),
            Body::Json(json!({ "title": "" })),
            "title",
            Some("title"),
        ),
        (Method::GET, format!("{client_path}/conversations?status=deleted"), Body::None, "status", Some("status")),
        (Method::GET, "/v1/conversations?status=deleted".to_owned(), Body::None, "status", Some("status")),
        (Method::GET, "/v1/conversations/42".to_owned(), Body::None, "conversationId", Some("conversationId")),
        (Method::GET, format!("{conversation_path}?before=42"), Body::None, "before", Some("before")),
        (Method::GET, format!("{conversation_path}?limit=101"), Body::None, "limit", Some("limit")),
        (Method::PATCH, conversation_path.clone(), Body::Json(json!({})), "body", Some("body")),
        (Method::PATCH, conversation_path.clone(), Body::Json(json!({ "status": "deleted" })), "status", None),
        (Method::PATCH, conversation_path.clone(), Body::Json(json!({ "title": long })), "title", Some("title")),
        (Method::POST, messages.clone(), Body::Json(json!({ "content": " " })), "content", Some("content")),
        (
            Method::POST,
            messages.clone(),
            Body::Json(json!({ "content": "x".repeat(4001) })),
            "content",
            Some("content"),
        ),
        (Method::POST, messages.clone(), Body::Json(json!({ "text": "hi" })), "text", None),
        (Method::PUT, feedback.clone(), Body::Json(json!({})), "rating", Some("rating")),
        (Method::PUT, feedback.clone(), Body::Json(json!({ "rating": "meh" })), "rating", None),
        (
            Method::PUT,
            format!("/v1/conversations/{v}/messages/42/feedback"),
            Body::Json(json!({ "rating": "positive" })),
            "messageId",
            Some("messageId"),
        ),
        (Method::PATCH, preferences.clone(), Body::Json(json!({})), "body", Some("body")),
        (
            Method::PATCH,
            preferences.clone(),
            Body::Json(json!({ "quickReplies": too_many })),
            "quickReplies",
            Some("quickReplies"),
        ),
        (
            Method::PATCH,
            preferences.clone(),
            Body::Json(json!({ "quickReplies": [long] })),
            "quickReplies",
            Some("quickReplies"),
        ),
        (Method::PATCH, preferences.clone(), Body::Json(json!({ "notifications": "yes" })), "notifications", None),
    ];

    for (method, path, body, named, field) in cases {
        let mut request = app.request(method.clone(), &path);
        request = match body {
            Body::None => request,
            Body::Json(value) => request.json(&value),
            Body::Raw(raw) => request.header("content-type", "application/json").body(raw),
        };
        let response = request.send().await.unwrap();
        let body = problem(response, StatusCode::BAD_REQUEST).await;
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains(named), "{method} {path}: the detail should name {named}: {detail}");
        if let Some(field) = field {
            assert_eq!(body["field"], field, "{method} {path}: {body}");
        }
    }
}

#[tokio::test]
async fn a_body_over_64_kib_is_a_413() {
    let app = spawn_app().await;
    let big = json!({ "name": "x".repeat(70 * 1024) });
    let response = app.request(Method::POST, "/v1/clients").json(&big).send().await.unwrap();
    let body = problem(response, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(body["type"], "urn:chatbot:problem:payload-too-large");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415() {
    let app = spawn_app().await;
    let response = app.request(Method::POST, "/v1/clients").body("name=Acme").send().await.unwrap();
    let body = problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    assert!(body["detail"].as_str().unwrap().contains("application/json"));
}
