//! Conversations of a client: newest first, paged, renamed, deleted.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{count_of, spawn_console, with_browser};

#[tokio::test]
async fn conversations_are_listed_newest_first_paged_renamed_and_deleted() {
    let app = spawn_console(|_| {}, |ports| ports).await;
    let client = app.create_client("Acme Corp").await;
    let client_id = client["id"].as_str().unwrap().to_owned();
    let mut ids = Vec::new();
    for n in 1..=23 {
        let response = app
            .request(Method::POST, &format!("/v1/clients/{client_id}/conversations"))
            .json(&json!({ "title": format!("Review {n:02}") }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: serde_json::Value = response.json().await.unwrap();
        ids.push(body["conversationId"].as_str().unwrap().to_owned());
    }

    // The API's order (newest `lastMessageAt` first; conversations started in the same
    // millisecond in its own order) is the order to show.
    let listed = app.get_json(&format!("/v1/clients/{client_id}/conversations?limit=100")).await;
    let newest_first: Vec<&str> =
        listed["items"].as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap()).collect();
    assert_eq!(newest_first.len(), 23);
    let titles = "return [...document.querySelectorAll('.conversation-item .item-title')].map(t => t.textContent);";

    with_browser(&app, "conversations", async |b| {
        b.sign_in(&app.token).await;
        b.click(&format!(".client-item[data-client-id='{client_id}']")).await;
        b.wait_until(&format!("{} === 20", count_of(".conversation-item"))).await;
        assert_eq!(b.eval(titles).await, json!(newest_first[..20]), "the first page, newest first");
        b.click("#more-conversations:not([hidden])").await;
        b.wait_until(&format!("{} === 23", count_of(".conversation-item"))).await;
        assert_eq!(b.eval(titles).await, json!(newest_first), "then the older ones after them");
        b.wait_until("document.getElementById('more-conversations').hidden").await;

        b.click(&format!(".conversation-item[data-conversation-id='{}']", ids[4])).await;
        b.find_with_text("#chat-title", "Review 05").await;
        b.click("#rename-conversation").await;
        b.type_into("#dialog-field-title", "Budget review").await;
        b.click("#dialog-submit").await;
        b.find_with_text("#chat-title", "Budget review").await;
        b.find_with_text(".conversation-item[aria-current='true']", "Budget review").await;
        b.screenshot("list").await;

        b.click("#delete-conversation").await;
        b.find("#dialog[open]").await;
        b.click("#dialog-submit").await;
        b.wait_until(&format!("{} === 22", count_of(".conversation-item"))).await;
        b.find("#chat-empty:not([hidden])").await;
        let url = b.eval("return location.search;").await;
        assert_eq!(url, format!("?client={client_id}"));
    })
    .await;

    let deleted = app.get(&format!("/v1/conversations/{}", ids[4])).await;
    assert_eq!(deleted.status(), StatusCode::NOT_FOUND);
}
