//! Authentication: every `/v1` route needs a valid bearer token.

use reqwest::{Method, StatusCode};

use crate::helpers::{JWT_SECRET, problem, random_user, spawn_app, token_with};

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
