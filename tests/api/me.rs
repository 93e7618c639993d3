//! The user's stats and preferences.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{PricedModel, ok_json, priced_model, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_new_user_has_zero_stats_and_default_preferences() {
    let app = spawn_app().await;
    let me = app.get_json("/v1/me").await;
    assert_eq!(me["userId"], app.user.to_string());
    assert_eq!(me["totalConversations"], 0);
    assert_eq!(me["totalMessages"], 0);
    assert_eq!(me["lastChatAt"], serde_json::Value::Null);
    assert_eq!(me["totalTokensUsed"], 0);
    assert_eq!(me["totalCostUsd"], 0.0);
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

#[tokio::test]
async fn the_users_totals_add_up_the_tokens_and_cost_of_every_answer() {
    let app = spawn_app_with(|_| {}, priced_model).await;
    let client = app.create_client("Acme").await;
    let mut answers = Vec::new();
    // Two conversations: the user's totals span them.
    for question in ["Spend this week?", "Top campaign by ROAS?"] {
        let conversation = app.start_conversation(client["id"].as_str().unwrap()).await;
        let exchange = app.ask(conversation["conversationId"].as_str().unwrap(), question).await;
        answers.push(exchange["answer"]["metadata"].clone());
    }

    let tokens: u64 = answers.iter().map(|m| m["tokensUsed"].as_u64().unwrap()).sum();
    let cost: f64 = answers.iter().map(|m| m["cost"].as_f64().unwrap()).sum();
    assert_eq!((tokens, cost), (2 * PricedModel::TOKENS, 2.0 * PricedModel::COST_USD));
    let me = app.get_json("/v1/me").await;
    assert_eq!(me["totalTokensUsed"], tokens);
    assert_eq!(me["totalCostUsd"], cost);
    assert_eq!((me["totalConversations"].as_u64(), me["totalMessages"].as_u64()), (Some(2), Some(4)));

    let theirs = app.request_as(&app.other_token, Method::GET, "/v1/me").send().await.unwrap();
    let theirs = ok_json(theirs).await;
    assert_eq!((theirs["totalTokensUsed"].as_u64(), theirs["totalCostUsd"].as_f64()), (Some(0), Some(0.0)));
}
