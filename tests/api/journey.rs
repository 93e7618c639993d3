//! The whole journey of issue 3: a client, its data, a conversation, a chat, feedback, stats,
//! changes and clean-up.

use domain::platform::{GoogleAdsCampaign, PlatformAccount, PlatformData};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{ok_json, problem, spawn_app};

#[tokio::test]
async fn a_user_chats_about_a_client_from_creation_to_clean_up() {
    let app = spawn_app().await;

    // A client.
    let response = app
        .request(Method::POST, "/v1/clients")
        .json(&json!({ "name": "  Acme Corp ", "email": "client@acmecorp.com", "logo": "https://cdn.acmecorp.com/l.png" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let client: Value = response.json().await.unwrap();
    let client_id = client["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/v1/clients/{client_id}"));
    assert_eq!(client["name"], "Acme Corp");
    assert_eq!(client["status"], "active");
    assert_eq!(client["platforms"].as_array().unwrap().len(), 4);
    assert_eq!(app.get_json(&location).await, client);

    let list = app.get_json("/v1/clients").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["nextCursor"], Value::Null);

    // Nothing connected: the analyst sees demo data, and says so.
    let data = app.get_json(&format!("/v1/clients/{client_id}/data")).await;
    assert_eq!(data["demo"], true);
    assert_eq!(data["clientName"], "Acme Corp");
    assert_eq!(data["sources"].as_array().unwrap().len(), 4);

    // A conversation and a message.
    let response = app
        .request(Method::POST, &format!("/v1/clients/{client_id}/conversations"))
        .json(&json!({ "title": "Q4 review" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let conversation: Value = response.json().await.unwrap();
    let conversation_id = conversation["conversationId"].as_str().unwrap().to_owned();
    assert_eq!(conversation["title"], "Q4 review");
    assert_eq!(conversation["messageCount"], 0);

    let exchange = app.ask(&conversation_id, "What did we spend on Google Ads?").await;
    assert_eq!(exchange["question"]["role"], "user");
    assert_eq!(exchange["question"]["content"], "What did we spend on Google Ads?");
    assert_eq!(exchange["answer"]["role"], "assistant");
    assert!(!exchange["answer"]["content"].as_str().unwrap().is_empty());
    assert!(exchange["answer"]["metadata"]["model"].is_string());
    assert!(exchange["answer"]["metadata"]["tokensUsed"].as_u64().unwrap() > 0);
    assert_eq!(exchange["answer"]["metadata"]["demoData"], true);
    assert_eq!(exchange["conversation"]["messageCount"], 2);
    let answer_id = exchange["answer"]["messageId"].as_str().unwrap().to_owned();

    // Reading it back.
    let detail = app.get_json(&format!("/v1/conversations/{conversation_id}")).await;
    let messages = detail["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0], exchange["question"]);
    assert_eq!(messages[1], exchange["answer"]);
    assert_eq!(detail["hasMore"], false);
    assert_eq!(detail["conversation"]["messageCount"], 2);

    // Feedback.
    let rated = ok_json(
        app.request(Method::PUT, &format!("/v1/conversations/{conversation_id}/messages/{answer_id}/feedback"))
            .json(&json!({ "rating": "positive" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(rated["metadata"]["feedbackRating"], "positive");

    // Stats.
    let me = app.get_json("/v1/me").await;
    assert_eq!(me["totalConversations"], 1);
    assert_eq!(me["totalMessages"], 2);
    assert!(me["lastChatAt"].is_string());

    // Changes: a new title, archived, then a message re-activates it.
    let changed = ok_json(
        app.request(Method::PATCH, &format!("/v1/conversations/{conversation_id}"))
            .json(&json!({ "title": "Q4 spend", "status": "archived" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(changed["title"], "Q4 spend");
    assert_eq!(changed["status"], "archived");
    let archived = app.get_json("/v1/conversations?status=archived").await;
    assert_eq!(archived["items"][0]["conversationId"], conversation_id.as_str());
    let exchange = app.ask(&conversation_id, "And on Meta?").await;
    assert_eq!(exchange["conversation"]["status"], "active");
    assert_eq!(exchange["conversation"]["messageCount"], 4);

    // Lists across clients and per client.
    let all = app.get_json("/v1/conversations").await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
    assert!(all["items"][0].get("messages").is_none(), "lists never include messages");
    let per_client = app.get_json(&format!("/v1/clients/{client_id}/conversations")).await;
    assert_eq!(per_client["items"][0]["conversationId"], conversation_id.as_str());

    // Deleting a conversation hides it.
    let response = app.request(Method::DELETE, &format!("/v1/conversations/{conversation_id}")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    problem(app.get(&format!("/v1/conversations/{conversation_id}")).await, StatusCode::NOT_FOUND).await;
    assert!(app.get_json("/v1/conversations").await["items"].as_array().unwrap().is_empty());

    // Archiving the client keeps it readable.
    let archived = ok_json(app.request(Method::DELETE, &location).send().await.unwrap()).await;
    assert_eq!(archived["status"], "archived");
    assert_eq!(app.get_json(&location).await["status"], "archived");
}

#[tokio::test]
async fn a_connected_platform_replaces_demo_data_until_it_is_disconnected() {
    let app = spawn_app().await;
    let client = app.create_client("Acme Corp").await;
    let client_id = client["id"].as_str().unwrap();
    let campaigns = vec![GoogleAdsCampaign {
        name: "Acme - Brand Search - US".into(),
        spend: 635.32,
        clicks: 1_480,
        impressions: 9_418,
        ctr: 0.1571,
        conversions: 122.0,
    }];
    app.connect_platform(
        app.user,
        client_id,
        PlatformAccount::GoogleAds { customer_id: "1234567890".into() },
        "ya29.fake-access-token",
        Some(PlatformData::GoogleAds(campaigns)),
    )
    .await;

    let platforms = app.get_json(&format!("/v1/clients/{client_id}/platforms")).await;
    let google_ads = &platforms["platforms"][1];
    assert_eq!(google_ads["platform"], "googleAds");
    assert_eq!(google_ads["connected"], true);
    assert_eq!(google_ads["accountId"], "1234567890");
    assert_eq!(google_ads["status"], "active");
    assert!(google_ads["lastSync"].is_string());
    assert!(google_ads["expiresAt"].is_string());

    let data = app.get_json(&format!("/v1/clients/{client_id}/data")).await;
    assert_eq!(data["demo"], false);
    assert_eq!(data["sources"].as_array().unwrap().len(), 1);
    assert_eq!(data["sources"][0]["platform"], "googleAds");
    assert_eq!(data["sources"][0]["campaigns"][0]["name"], "Acme - Brand Search - US");

    let conversation = app.start_conversation(client_id).await;
    let conversation_id = conversation["conversationId"].as_str().unwrap();
    let exchange = app.ask(conversation_id, "How much did we spend?").await;
    assert_eq!(exchange["answer"]["metadata"]["demoData"], false);
    assert_eq!(exchange["answer"]["metadata"]["platforms"], json!(["googleAds"]));
    assert_eq!(exchange["conversation"]["metadata"]["platformsQueried"], json!(["googleAds"]));

    let after = ok_json(
        app.request(Method::DELETE, &format!("/v1/clients/{client_id}/platforms/googleAds")).send().await.unwrap(),
    )
    .await;
    assert_eq!(after["platforms"][1]["connected"], false);
    assert_eq!(after["platforms"][1]["accountId"], "1234567890", "the account id stays");
    assert_eq!(app.get_json(&format!("/v1/clients/{client_id}/data")).await["demo"], true);

    let never =
        app.request(Method::DELETE, &format!("/v1/clients/{client_id}/platforms/metaAds")).send().await.unwrap();
    assert_eq!(problem(never, StatusCode::NOT_FOUND).await["type"], "urn:chatbot:problem:platform-not-connected");
}
