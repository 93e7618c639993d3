//! The HTTP edge: bodies must be JSON objects, request ids are only echoed when safe, over-long
//! request heads answer problems, and responses say how they may be cached and sniffed.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{captured_logs, ok_json, problem, spawn_app};

#[tokio::test]
async fn a_json_array_does_not_bind_to_a_body_by_position() {
    let app = spawn_app().await;
    let replies = json!({ "quickReplies": ["Spend this week?"] });
    ok_json(app.request(Method::PATCH, "/v1/me/preferences").json(&replies).send().await.unwrap()).await;

    let response = app.request(Method::PATCH, "/v1/me/preferences").json(&json!([[]])).send().await.unwrap();
    let body = problem(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(body["type"], "urn:chatbot:problem:malformed-request");
    assert!(body["detail"].as_str().unwrap().contains("must be a JSON object"), "{body}");
    assert_eq!(app.get_json("/v1/me").await["preferences"]["quickReplies"], json!(["Spend this week?"]));

    let positional = json!(["Name", "a@example.com", "https://x.example/l.png"]);
    let response = app.request(Method::POST, "/v1/clients").json(&positional).send().await.unwrap();
    problem(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(app.get_json("/v1/clients").await["items"], json!([]));
}

#[tokio::test]
async fn valid_json_of_the_wrong_shape_is_not_called_invalid_json() {
    let app = spawn_app().await;
    for body in [json!({ "name": 5 }), json!({ "name": "A", "colour": "red" }), json!({})] {
        let response = app.request(Method::POST, "/v1/clients").json(&body).send().await.unwrap();
        let problem = problem(response, StatusCode::BAD_REQUEST).await;
        let detail = problem["detail"].as_str().unwrap();
        assert!(!detail.contains("not valid JSON"), "{body}: {detail}");
        assert!(detail.contains("expected shape"), "{body}: {detail}");
    }
    let response =
        app.request(Method::POST, "/v1/clients").header("content-type", "application/json").body("{\"name\"").send();
    let problem = problem(response.await.unwrap(), StatusCode::BAD_REQUEST).await;
    assert!(problem["detail"].as_str().unwrap().contains("not valid JSON"), "{problem}");
}

#[tokio::test]
async fn starting_a_conversation_still_takes_an_empty_or_null_body() {
    let app = spawn_app().await;
    let client = app.create_client("Acme").await;
    let path = format!("/v1/clients/{}/conversations", client["id"].as_str().unwrap());
    let requests = [
        app.request(Method::POST, &path),
        app.request(Method::POST, &path).header("content-type", "application/json").body("null"),
        app.request(Method::POST, &path).header("content-type", "application/json").body(" "),
        app.request(Method::POST, &path).json(&json!({ "title": "Q3" })),
    ];
    for request in requests {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "{}", response.text().await.unwrap());
    }
}

#[tokio::test]
async fn an_unsafe_request_id_is_replaced_by_a_fresh_one() {
    let app = spawn_app().await;
    let long = "a".repeat(5000);
    let forged = "abc} level=ERROR user_id=someone-else";
    for sent in [long.as_str(), forged, "", "a/b", &"b".repeat(65)] {
        let response = app.anonymous(Method::GET, "/health").header("x-request-id", sent).send().await.unwrap();
        let echoed = response.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_ne!(echoed, sent);
        assert!(uuid::Uuid::parse_str(&echoed).is_ok(), "a fresh id: {echoed}");
    }
    // An unsafe id also stays out of a problem body and the log.
    let response = app.anonymous(Method::GET, "/nowhere").header("x-request-id", forged).send().await.unwrap();
    let body = problem(response, StatusCode::NOT_FOUND).await;
    assert_ne!(body["requestId"], forged);
    assert!(!captured_logs().contains("user_id=someone-else"), "the forged id was logged");

    let safe = format!("Client-req.42:abc_1-{}", "x".repeat(44));
    assert_eq!(safe.len(), 64);
    let response = app.anonymous(Method::GET, "/health").header("x-request-id", &safe).send().await.unwrap();
    assert_eq!(response.headers()["x-request-id"], safe.as_str());
}

#[tokio::test]
async fn a_uri_too_long_is_a_414_problem() {
    let app = spawn_app().await;
    let path = format!("/v1/clients?cursor={}", "a".repeat(9 * 1024));
    let response = app.request(Method::GET, &path).send().await.unwrap();
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let body = problem(response, StatusCode::URI_TOO_LONG).await;
    assert_eq!(body["type"], "urn:chatbot:problem:uri-too-long");
    assert_eq!(body["instance"], "/v1/clients");

    let path = format!("/v1/clients/{}", "a".repeat(9 * 1024));
    let body = problem(app.request(Method::GET, &path).send().await.unwrap(), StatusCode::URI_TOO_LONG).await;
    assert!(body.get("instance").is_none(), "the long path is not echoed: {body}");
}

#[tokio::test]
async fn headers_too_large_are_a_431_problem() {
    let app = spawn_app().await;
    let response = app.request(Method::GET, "/v1/clients").header("x-padding", "p".repeat(40 * 1024)).send();
    let body = problem(response.await.unwrap(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE).await;
    assert_eq!(body["type"], "urn:chatbot:problem:headers-too-large");
}

#[tokio::test]
async fn api_responses_are_not_stored_or_sniffed() {
    let app = spawn_app().await;
    let created = app.request(Method::POST, "/v1/clients").json(&json!({ "name": "Acme" })).send().await.unwrap();
    let responses = [
        created,
        app.get("/v1/clients").await,
        app.get("/v1/me").await,
        app.anonymous(Method::GET, "/v1/clients").send().await.unwrap(),
        app.get("/v1/nowhere").await,
        app.anonymous(Method::GET, "/openapi.json").send().await.unwrap(),
        app.anonymous(Method::GET, "/health").send().await.unwrap(),
    ];
    for response in responses {
        let url = response.url().path().to_owned();
        let headers = response.headers();
        assert_eq!(headers.get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "{url}");
        assert_eq!(headers.get("x-content-type-options").map(|v| v.to_str().unwrap()), Some("nosniff"), "{url}");
    }
}

#[tokio::test]
async fn the_console_keeps_its_own_caching() {
    let app = spawn_app().await;
    let response = app.anonymous(Method::GET, "/").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-cache");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
}
