//! The database goes away mid-run: the API answers 503 while it is down and serves again, without a
//! restart, once it is back.

use black_box_tests::{TestApp, ok_json, problem};
use reqwest::{Method, Response, StatusCode};
use serde_json::json;

use crate::support::{CongoProcess, fresh_database, mongo_config};

/// Expects the 503 of an unreachable store: a problem that says to retry, with a request id.
async fn unavailable(response: Response) {
    let header = response.headers().get("x-request-id").map(|v| v.to_str().unwrap().to_owned());
    let body = problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["type"], "urn:chatbot:problem:unavailable");
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("try again"), "the detail says what to do: {detail}");
    assert!(!detail.contains("mongodb"), "driver details stay in the log: {detail}");
    assert!(header.is_some_and(|id| !id.is_empty()), "a request id to quote: {body}");
}

/// Asks `/ready` until it answers 200, a bounded number of times; each refused attempt itself
/// waits up to the server selection timeout. How many attempts it took.
async fn wait_until_ready(app: &TestApp) -> usize {
    const ATTEMPTS: usize = 30;
    let mut last = String::new();
    for attempt in 1..=ATTEMPTS {
        let response = app.anonymous(Method::GET, "/ready").send().await.unwrap();
        if response.status() == StatusCode::OK {
            return attempt;
        }
        last = format!("{}: {}", response.status(), response.text().await.unwrap());
    }
    panic!("the API is not ready again after {ATTEMPTS} attempts; last answer {last}");
}

#[tokio::test]
async fn the_api_answers_503_while_the_database_is_down_and_recovers_by_itself() {
    let mut congo = CongoProcess::start_on_a_free_port().await;
    let port = congo.port();
    let mut config = mongo_config(&congo.uri(), &fresh_database());
    config.mongodb_timeout_secs = 1;
    let app = TestApp::start(config, |p| p).await;
    app.create_client("Before the outage").await;
    assert_eq!(app.anonymous(Method::GET, "/ready").send().await.unwrap().status(), StatusCode::OK);

    congo.kill();
    unavailable(app.get("/v1/clients").await).await;
    unavailable(app.anonymous(Method::GET, "/ready").send().await.unwrap()).await;
    let write = app.request(Method::POST, "/v1/clients").json(&json!({ "name": "During the outage" })).send();
    unavailable(write.await.unwrap()).await;
    assert_eq!(app.get("/health").await.status(), StatusCode::OK, "the process itself stays alive");

    // The same port, the same API process: it finds the server again by itself. (CongoDB keeps
    // data in memory, so the restarted server is empty.)
    let _congo = CongoProcess::start(port).await;
    wait_until_ready(&app).await;
    let clients = ok_json(app.get("/v1/clients").await).await;
    assert_eq!(clients["items"], json!([]), "a new, empty server");
    let created = app.create_client("After the outage").await;
    let clients = ok_json(app.get("/v1/clients").await).await;
    assert_eq!(clients["items"][0]["id"], created["id"]);
}
