//! Liveness, readiness, request ids, unknown routes, CORS.

use reqwest::{Method, StatusCode};

use crate::helpers::{problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn health_and_ready_answer_without_a_token() {
    let app = spawn_app().await;
    for (path, status) in [("/health", "ok"), ("/ready", "ready")] {
        let response = app.anonymous(Method::GET, path).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], status);
    }
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_given_one_is_kept() {
    let app = spawn_app().await;
    let response = app.anonymous(Method::GET, "/health").send().await.unwrap();
    assert!(!response.headers()["x-request-id"].is_empty());
    let response = app.anonymous(Method::GET, "/health").header("x-request-id", "trace-me-42").send().await.unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-42");
}

#[tokio::test]
async fn an_unknown_route_is_a_404_problem() {
    let app = spawn_app().await;
    let body = problem(app.get("/v1/nothing-here").await, StatusCode::NOT_FOUND).await;
    assert_eq!(body["type"], "urn:chatbot:problem:route-not-found");
    assert_eq!(body["instance"], "/v1/nothing-here");
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem() {
    let app = spawn_app().await;
    let response = app.request(Method::PUT, "/v1/clients").send().await.unwrap();
    assert!(response.headers().contains_key("allow"));
    let body = problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
    assert_eq!(body["type"], "urn:chatbot:problem:method-not-allowed");
}

#[tokio::test]
async fn no_cross_origin_calls_are_allowed_unless_configured() {
    let app = spawn_app().await;
    let response =
        app.anonymous(Method::GET, "/health").header("origin", "https://app.example.com").send().await.unwrap();
    assert!(!response.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn configured_origins_may_call_from_a_browser() {
    let app = spawn_app_with(
        |c| c.cors_origins = Some(api::config::CorsOrigins::List(vec!["https://app.example.com".into()])),
        |p| p,
    )
    .await;
    let preflight = app
        .anonymous(Method::OPTIONS, "/v1/clients")
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization,content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.headers()["access-control-allow-origin"], "https://app.example.com");
    let other =
        app.anonymous(Method::GET, "/health").header("origin", "https://evil.example.com").send().await.unwrap();
    assert!(!other.headers().contains_key("access-control-allow-origin"));
}
