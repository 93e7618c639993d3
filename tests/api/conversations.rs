//! Conversations: paging, message pages and archived clients.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{ok_json, problem, spawn_app};

#[tokio::test]
async fn conversations_page_with_cursors_newest_first() {
    let app = spawn_app().await;
    let client = app.create_client("Acme").await;
    let client_id = client["id"].as_str().unwrap();
    let mut started = Vec::new();
    for _ in 0..5 {
        started.push(app.start_conversation(client_id).await["conversationId"].as_str().unwrap().to_owned());
    }
    // The oldest gets a message, which makes it the newest by lastMessageAt.
    app.ask(&started[0], "hello").await;

    for base in ["/v1/conversations".to_owned(), format!("/v1/clients/{client_id}/conversations")] {
        let mut seen = Vec::new();
        let mut path = format!("{base}?limit=2");
        loop {
            let page = app.get_json(&path).await;
            let items = page["items"].as_array().unwrap();
            assert!(items.len() <= 2);
            seen.extend(items.iter().map(|c| c["conversationId"].as_str().unwrap().to_owned()));
            let Some(next) = page["nextCursor"].as_str() else { break };
            path = format!("{base}?limit=2&cursor={next}");
        }
        assert_eq!(seen.len(), 5, "{base}");
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 5, "{base}: no duplicates");
        assert_eq!(seen[0], started[0], "{base}: the latest message first");
    }
}

#[tokio::test]
async fn a_cursor_of_another_list_is_refused() {
    let app = spawn_app().await;
    app.create_client("A").await;
    app.create_client("B").await;
    let page = app.get_json("/v1/clients?limit=1").await;
    let cursor = page["nextCursor"].as_str().unwrap();
    let body = problem(app.get(&format!("/v1/conversations?cursor={cursor}")).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(body["field"], "cursor");
}

#[tokio::test]
async fn messages_page_back_with_before() {
    let app = spawn_app().await;
    let client = app.create_client("Acme").await;
    let conversation = app.start_conversation(client["id"].as_str().unwrap()).await;
    let id = conversation["conversationId"].as_str().unwrap();
    for i in 0..3 {
        app.ask(id, &format!("question {i}")).await;
    }
    let latest = app.get_json(&format!("/v1/conversations/{id}?limit=4")).await;
    let messages = latest["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 4);
    assert_eq!(latest["hasMore"], true);
    assert_eq!(messages[0]["content"], "question 1");
    let before = messages[0]["messageId"].as_str().unwrap();
    let older = app.get_json(&format!("/v1/conversations/{id}?limit=4&before={before}")).await;
    let messages = older["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["content"], "question 0");
    assert_eq!(older["hasMore"], false);
}

#[tokio::test]
async fn before_must_be_a_message_of_the_conversation() {
    let app = spawn_app().await;
    let client = app.create_client("Acme").await;
    let conversation = app.start_conversation(client["id"].as_str().unwrap()).await;
    let id = conversation["conversationId"].as_str().unwrap();
    let response = app.get(&format!("/v1/conversations/{id}?before=3f2b8c1e-6d4a-4b7e-9c1f-2a5d8e9b0c47")).await;
    assert_eq!(problem(response, StatusCode::NOT_FOUND).await["type"], "urn:chatbot:problem:message-not-found");
}

#[tokio::test]
async fn an_archived_clients_conversations_are_read_only() {
    let app = spawn_app().await;
    let client = app.create_client("Acme").await;
    let client_id = client["id"].as_str().unwrap();
    let conversation = app.start_conversation(client_id).await;
    let id = conversation["conversationId"].as_str().unwrap();
    app.ask(id, "before archiving").await;

    app.request(Method::DELETE, &format!("/v1/clients/{client_id}")).send().await.unwrap();

    let detail = app.get_json(&format!("/v1/conversations/{id}")).await;
    assert_eq!(detail["messages"].as_array().unwrap().len(), 2, "still readable");
    let refused = problem(app.post_message(id, "after archiving").await, StatusCode::CONFLICT).await;
    assert_eq!(refused["type"], "urn:chatbot:problem:client-archived");
    let response = app.request(Method::POST, &format!("/v1/clients/{client_id}/conversations")).send().await.unwrap();
    assert_eq!(problem(response, StatusCode::CONFLICT).await["type"], "urn:chatbot:problem:client-archived");
    let detail = app.get_json(&format!("/v1/conversations/{id}")).await;
    assert_eq!(detail["conversation"]["messageCount"], 2, "nothing was stored");

    ok_json(
        app.request(Method::PATCH, &format!("/v1/clients/{client_id}"))
            .json(&json!({ "status": "active" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    app.ask(id, "after restoring").await;
}

#[tokio::test]
async fn a_conversation_can_start_with_an_empty_body_or_a_title() {
    let app = spawn_app().await;
    let client = app.create_client("Acme").await;
    let path = format!("/v1/clients/{}/conversations", client["id"].as_str().unwrap());
    let empty = app.request(Method::POST, &path).send().await.unwrap();
    assert_eq!(empty.status(), StatusCode::CREATED);
    let empty_json =
        app.request(Method::POST, &path).header("content-type", "application/json").body("{}").send().await.unwrap();
    assert_eq!(empty_json.status(), StatusCode::CREATED);
    let titled = app.request(Method::POST, &path).json(&json!({ "title": " Weekly " })).send().await.unwrap();
    let titled: serde_json::Value = titled.json().await.unwrap();
    assert_eq!(titled["title"], "Weekly");
    let cleared = ok_json(
        app.request(Method::PATCH, &format!("/v1/conversations/{}", titled["conversationId"].as_str().unwrap()))
            .json(&json!({ "title": null }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(cleared["title"], serde_json::Value::Null);
}

#[tokio::test]
async fn an_untitled_conversation_is_named_after_its_first_question() {
    let app = spawn_app().await;
    let client = app.create_client("Acme").await;
    let client_id = client["id"].as_str().unwrap();
    let untitled = app.start_conversation(client_id).await;
    let id = untitled["conversationId"].as_str().unwrap();
    assert_eq!(untitled["title"], serde_json::Value::Null);

    let exchange = app.ask(id, "What did we spend on Meta Ads?\nAnd on LinkedIn?").await;
    assert_eq!(exchange["conversation"]["title"], "What did we spend on Meta Ads?");
    app.ask(id, "And clicks?").await;
    let listed = app.get_json(&format!("/v1/clients/{client_id}/conversations")).await;
    assert_eq!(listed["items"][0]["title"], "What did we spend on Meta Ads?", "later questions keep the title");

    // A title the user chose is never replaced.
    let response = app
        .request(Method::POST, &format!("/v1/clients/{client_id}/conversations"))
        .json(&json!({ "title": "Weekly" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let titled: serde_json::Value = response.json().await.unwrap();
    let exchange = app.ask(titled["conversationId"].as_str().unwrap(), "What did we spend?").await;
    assert_eq!(exchange["conversation"]["title"], "Weekly");
}
