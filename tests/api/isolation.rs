//! Ownership: another user's ids answer 404 on every route, exactly like ids that do not exist, and
//! nothing of the owner's changes.

use domain::platform::{GoogleAdsCampaign, PlatformAccount, PlatformData};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, problem, spawn_app};

/// The owner's client, conversation and answer.
struct Owned {
    client: String,
    conversation: String,
    answer: String,
}

async fn set_up_owner(app: &TestApp) -> Owned {
    let client = app.create_client("Owner's client").await;
    let client_id = client["id"].as_str().unwrap().to_owned();
    app.connect_platform(
        app.user,
        &client_id,
        PlatformAccount::GoogleAds { customer_id: "1234567890".into() },
        "ya29.owner-token",
        Some(PlatformData::GoogleAds(vec![GoogleAdsCampaign {
            name: "Acme - Brand Search - US".into(),
            spend: 635.32,
            clicks: 1_480,
            impressions: 9_418,
            ctr: 0.1571,
            conversions: 122.0,
        }])),
    )
    .await;
    let response = app
        .request(Method::POST, &format!("/v1/clients/{client_id}/conversations"))
        .json(&json!({ "title": "Owned" }))
        .send()
        .await
        .unwrap();
    let conversation: Value = response.json().await.unwrap();
    let conversation = conversation["conversationId"].as_str().unwrap().to_owned();
    let exchange = app.ask(&conversation, "How much did we spend?").await;
    let answer = exchange["answer"]["messageId"].as_str().unwrap().to_owned();
    Owned { client: client_id, conversation, answer }
}

/// Everything the owner can read about their data.
async fn owner_view(app: &TestApp, owned: &Owned) -> Vec<Value> {
    let mut view = Vec::new();
    for path in [
        format!("/v1/clients/{}", owned.client),
        format!("/v1/clients/{}/platforms", owned.client),
        format!("/v1/clients/{}/data", owned.client),
        format!("/v1/clients/{}/conversations", owned.client),
        format!("/v1/conversations/{}", owned.conversation),
        "/v1/clients".to_owned(),
        "/v1/conversations".to_owned(),
        "/v1/me".to_owned(),
    ] {
        view.push(app.get_json(&path).await);
    }
    view
}

/// Every route that takes an id, with a body that would change something if it were allowed.
fn routes_with_ids(client: &str, conversation: &str, message: &str) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, format!("/v1/clients/{client}"), None),
        (Method::PATCH, format!("/v1/clients/{client}"), Some(json!({ "name": "Taken over" }))),
        (Method::DELETE, format!("/v1/clients/{client}"), None),
        (Method::GET, format!("/v1/clients/{client}/data"), None),
        (Method::GET, format!("/v1/clients/{client}/platforms"), None),
        (Method::DELETE, format!("/v1/clients/{client}/platforms/googleAds"), None),
        (Method::GET, format!("/v1/clients/{client}/conversations"), None),
        (Method::POST, format!("/v1/clients/{client}/conversations"), Some(json!({ "title": "Intruder" }))),
        (Method::GET, format!("/v1/conversations/{conversation}"), None),
        (Method::PATCH, format!("/v1/conversations/{conversation}"), Some(json!({ "title": "Intruder" }))),
        (Method::DELETE, format!("/v1/conversations/{conversation}"), None),
        (Method::POST, format!("/v1/conversations/{conversation}/messages"), Some(json!({ "content": "hi" }))),
        (
            Method::PUT,
            format!("/v1/conversations/{conversation}/messages/{message}/feedback"),
            Some(json!({ "rating": "negative" })),
        ),
    ]
}

async fn send(app: &TestApp, token: &str, method: Method, path: &str, body: Option<&Value>) -> reqwest::Response {
    let mut request = app.request_as(token, method, path);
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn another_users_ids_are_not_found_on_every_route_and_nothing_changes() {
    let app = spawn_app().await;
    let owned = set_up_owner(&app).await;
    let before = owner_view(&app, &owned).await;

    for (method, path, body) in routes_with_ids(&owned.client, &owned.conversation, &owned.answer) {
        let response = send(&app, &app.other_token, method.clone(), &path, body.as_ref()).await;
        let problem = problem(response, StatusCode::NOT_FOUND).await;
        let kind = problem["type"].as_str().unwrap();
        assert!(
            ["urn:chatbot:problem:client-not-found", "urn:chatbot:problem:conversation-not-found"].contains(&kind),
            "{method} {path}: {problem}"
        );
    }

    assert_eq!(owner_view(&app, &owned).await, before, "nothing of the owner's changed");
    assert!(
        app.request_as(&app.other_token, Method::GET, "/v1/clients")
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let theirs: Value =
        app.request_as(&app.other_token, Method::GET, "/v1/conversations").send().await.unwrap().json().await.unwrap();
    assert!(theirs["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn another_users_ids_look_exactly_like_missing_ones() {
    let app = spawn_app().await;
    let owned = set_up_owner(&app).await;
    let missing = routes_with_ids(
        "64b7f0c2a1b2c3d4e5f60718",
        "3f2b8c1e-6d4a-4b7e-9c1f-2a5d8e9b0c47",
        "9a1b2c3d-6d4a-4b7e-9c1f-2a5d8e9b0c47",
    );
    let theirs = routes_with_ids(&owned.client, &owned.conversation, &owned.answer);
    for ((method, missing_path, body), (_, their_path, _)) in missing.into_iter().zip(theirs) {
        let a = problem(
            send(&app, &app.other_token, method.clone(), &missing_path, body.as_ref()).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        let b = problem(
            send(&app, &app.other_token, method.clone(), &their_path, body.as_ref()).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(
            (&a["type"], &a["title"], &a["detail"]),
            (&b["type"], &b["title"], &b["detail"]),
            "{method} {their_path}"
        );
    }
}
