//! The user's stats and preferences.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{ok_json, spawn_app};

#[tokio::test]
async fn a_new_user_has_zero_stats_and_default_preferences() {
    let app = spawn_app().await;
    let me = app.get_json("/v1/me").await;
    assert_eq!(me["userId"], app.user.to_string());
    assert_eq!(me["totalConversations"], 0);
    assert_eq!(me["totalMessages"], 0);
    assert_eq!(me["lastChatAt"], serde_json::Value::Null);
    assert_eq!(me["preferences"], json!({ "quickReplies": [], "notifications": true }));
}

#[tokio::test]
async fn preferences_change_field_by_field() {
    let app = spawn_app().await;
    let patch = |body: serde_json::Value| app.request(Method::PATCH, "/v1/me/preferences").json(&body).send();

    let me = ok_json(patch(json!({ "quickReplies": ["Spend this week?", " Top campaign? "] })).await.unwrap()).await;
    assert_eq!(me["preferences"]["quickReplies"], json!(["Spend this week?", "Top campaign?"]));
    assert_eq!(me["preferences"]["notifications"], true);

    let me = ok_json(patch(json!({ "notifications": false })).await.unwrap()).await;
    assert_eq!(me["preferences"]["quickReplies"], json!(["Spend this week?", "Top campaign?"]));
    assert_eq!(me["preferences"]["notifications"], false);

    assert_eq!(app.get_json("/v1/me").await["preferences"], me["preferences"]);
}
