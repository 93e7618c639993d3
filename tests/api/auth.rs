//! Authentication: every `/v1` route needs a valid bearer token.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{JWT_SECRET, problem, random_user, spawn_app, spawn_app_with, token_with};

#[tokio::test]
async fn bad_tokens_are_refused_with_a_bearer_challenge() {
    let app = spawn_app().await;
    let user = random_user().to_string();
    let now = jsonwebtoken::get_current_timestamp();
    let cases: Vec<(&str, Option<String>, &str)> = vec![
        ("missing", None, "missing bearer token"),
        ("not bearer", Some("Basic dXNlcjpwYXNz".to_owned()), "Bearer <JWT>"),
        ("garbage", Some("Bearer not.a.jwt".to_owned()), "well-formed"),
        (
            "another secret",
            Some(format!("Bearer {}", token_with("some-other-secret-that-is-long-enough!!", &user, now + 3600))),
            "signature",
        ),
        ("expired", Some(format!("Bearer {}", token_with(JWT_SECRET, &user, now - 3600))), "expired"),
        ("sub not an id", Some(format!("Bearer {}", token_with(JWT_SECRET, "alice", now + 3600))), "sub"),
    ];
    for (case, header, detail) in cases {
        let mut request = app.anonymous(Method::GET, "/v1/clients");
        if let Some(header) = header {
            request = request.header("authorization", header);
        }
        let response = request.send().await.unwrap();
        let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
        assert!(challenge.as_deref().is_some_and(|c| c.starts_with("Bearer")), "{case}: {challenge:?}");
        let body = problem(response, StatusCode::UNAUTHORIZED).await;
        assert!(body["detail"].as_str().unwrap().contains(detail), "{case}: {body}");
    }
}

#[tokio::test]
async fn authentication_is_checked_before_ids() {
    let app = spawn_app().await;
    let response = app.anonymous(Method::GET, "/v1/clients/not-an-id").send().await.unwrap();
    problem(response, StatusCode::UNAUTHORIZED).await;
}

/// Signs `claims` with `secret`.
fn signed(secret: &str, claims: &serde_json::Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// `GET /v1/clients` with `token`.
async fn list_with(app: &crate::helpers::TestApp, token: &str) -> reqwest::Response {
    app.request_as(token, Method::GET, "/v1/clients").send().await.unwrap()
}

#[tokio::test]
async fn iss_and_aud_are_accepted_and_ignored_when_not_configured() {
    let app = spawn_app().await;
    let now = jsonwebtoken::get_current_timestamp();
    let claims = json!({
        "sub": random_user().to_string(), "exp": now + 3600, "iat": now,
        "iss": "https://auth.agency.example", "aud": ["agency-app", "chatbot"],
    });
    let response = list_with(&app, &signed(JWT_SECRET, &claims)).await;
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap());
}

#[tokio::test]
async fn each_failed_claim_is_named_in_the_401() {
    let app = spawn_app_with(
        |config| {
            config.jwt_issuer = Some("https://auth.agency.example".to_owned());
            config.jwt_audience = Some("chatbot".to_owned());
        },
        |ports| ports,
    )
    .await;
    let now = jsonwebtoken::get_current_timestamp();
    let sub = random_user().to_string();
    let iss = "https://auth.agency.example";
    let good = json!({ "sub": sub, "exp": now + 3600, "iss": iss, "aud": ["agency-app", "chatbot"] });
    assert_eq!(list_with(&app, &signed(JWT_SECRET, &good)).await.status(), StatusCode::OK);

    let cases = [
        ("expired", json!({ "sub": sub, "exp": now - 3600, "iss": iss, "aud": "chatbot" }), "exp"),
        (
            "not yet valid",
            json!({ "sub": sub, "exp": now + 7200, "nbf": now + 3600, "iss": iss, "aud": "chatbot" }),
            "nbf",
        ),
        (
            "wrong issuer",
            json!({ "sub": sub, "exp": now + 3600, "iss": "https://evil.example", "aud": "chatbot" }),
            "iss",
        ),
        ("no issuer", json!({ "sub": sub, "exp": now + 3600, "aud": "chatbot" }), "iss"),
        ("wrong audience", json!({ "sub": sub, "exp": now + 3600, "iss": iss, "aud": ["agency-app"] }), "aud"),
        ("no audience", json!({ "sub": sub, "exp": now + 3600, "iss": iss }), "aud"),
        ("no sub", json!({ "exp": now + 3600, "iss": iss, "aud": "chatbot" }), "missing its sub"),
    ];
    for (case, claims, named) in cases {
        let response = list_with(&app, &signed(JWT_SECRET, &claims)).await;
        let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
        assert!(challenge.as_deref().is_some_and(|c| c.contains(r#"error="invalid_token""#)), "{case}: {challenge:?}");
        let body = problem(response, StatusCode::UNAUTHORIZED).await;
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains(named), "{case}: the detail should name {named}: {detail}");
        assert!(!detail.contains("well-formed"), "{case}: {detail}");
    }
}

#[tokio::test]
async fn a_token_whose_nbf_lies_in_the_future_is_refused() {
    let app = spawn_app().await;
    let now = jsonwebtoken::get_current_timestamp();
    let claims = json!({ "sub": random_user().to_string(), "exp": now + 7200, "nbf": now + 3600 });
    let body = problem(list_with(&app, &signed(JWT_SECRET, &claims)).await, StatusCode::UNAUTHORIZED).await;
    assert!(body["detail"].as_str().unwrap().contains("nbf"), "{body}");
}
