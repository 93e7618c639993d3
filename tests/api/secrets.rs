//! No secret shows up in any response or log line (logs captured at debug level): not a platform
//! token given to the token cipher nor its ciphertext, not the tokens of an OAuth journey, its code
//! or the app's secret, not the user's JWT, not the model's API key.

use black_box_tests::ok_json;
use black_box_tests::platforms::{
    begin, callback, config_at, first_sync, google_ads_accounts, google_ads_figures, sync,
};
use domain::ids::ClientId;
use domain::platform::{AnalyticsReport, MetaAdsCampaign, PlatformAccount, PlatformData};
use reqwest::Method;
use serde_json::json;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{captured_logs, spawn_app, spawn_app_with};
use crate::model_server::FakeModel;

#[tokio::test]
async fn platform_tokens_never_appear_in_responses_or_logs() {
    let app = spawn_app().await;
    let plaintext = format!("ya29.PLAINTEXT-{}", uuid::Uuid::new_v4().simple());
    let client = app.create_client("Acme Corp").await;
    let client_id = client["id"].as_str().unwrap().to_owned();
    app.connect_platform(
        app.user,
        &client_id,
        PlatformAccount::MetaAds { ad_account_id: "act_1029384756".into() },
        &plaintext,
        Some(PlatformData::MetaAds(vec![MetaAdsCampaign {
            name: "Acme | Prospecting | Q4 Holiday".into(),
            spend: 6_842.17,
            impressions: 912_345,
            clicks: 14_208,
            cpm: 7.50,
            roas: Some(3.49),
        }])),
    )
    .await;
    app.connect_platform(
        app.user,
        &client_id,
        PlatformAccount::GoogleAnalytics { account_id: "123".into(), property_id: "345678901".into() },
        &plaintext,
        Some(PlatformData::GoogleAnalytics(AnalyticsReport::default())),
    )
    .await;

    // What is stored is ciphertext: it must not leak either.
    let stored = app.ports.stores.clients.get(app.user, ClientId::parse(&client_id).unwrap()).await.unwrap().unwrap();
    let mut secrets = vec![plaintext.clone(), format!("{plaintext}-refresh")];
    for connection in stored.platforms.values() {
        let credentials = connection.credentials.as_ref().expect("connected platforms hold sealed tokens");
        assert!(!credentials.access_token.as_str().contains(&plaintext), "tokens are stored sealed");
        secrets.push(credentials.access_token.as_str().to_owned());
        secrets.extend(credentials.refresh_token.as_ref().map(|t| t.as_str().to_owned()));
    }

    let conversation = app.start_conversation(&client_id).await;
    let conversation_id = conversation["conversationId"].as_str().unwrap().to_owned();
    let mut bodies = vec![conversation.to_string()];
    bodies.push(app.ask(&conversation_id, "What are our numbers?").await.to_string());
    let streamed = app.post_message_streamed(&conversation_id, "And the best campaign?").await;
    bodies.extend(streamed.events.iter().map(|(_, data)| data.to_string()));
    let mut request_ids = Vec::new();
    for path in [
        "/v1/clients".to_owned(),
        format!("/v1/clients/{client_id}"),
        format!("/v1/clients/{client_id}/platforms"),
        format!("/v1/clients/{client_id}/data"),
        format!("/v1/clients/{client_id}/conversations"),
        "/v1/conversations".to_owned(),
        format!("/v1/conversations/{conversation_id}"),
        "/v1/me".to_owned(),
        "/openapi.json".to_owned(),
    ] {
        let response = app.get(&path).await;
        request_ids.push(response.headers()["x-request-id"].to_str().unwrap().to_owned());
        bodies.push(response.text().await.unwrap());
    }
    for (method, path, body) in [
        (Method::PATCH, format!("/v1/clients/{client_id}"), Some(json!({ "name": "Acme" }))),
        (Method::DELETE, format!("/v1/clients/{client_id}/platforms/metaAds"), None),
        (Method::DELETE, format!("/v1/clients/{client_id}"), None),
    ] {
        let mut request = app.request(method, &path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        bodies.push(request.send().await.unwrap().text().await.unwrap());
    }

    let logs = captured_logs();
    assert!(request_ids.iter().all(|id| logs.contains(id.as_str())), "the log capture sees this server's requests");
    for secret in &secrets {
        for body in &bodies {
            assert!(!body.contains(secret.as_str()), "a response body holds a token or its ciphertext: {body}");
        }
        assert!(!logs.contains(secret.as_str()), "the logs hold a token or its ciphertext");
    }
}

#[tokio::test]
async fn a_whole_journey_with_oauth_and_a_real_model_leaves_no_secret_in_responses_or_logs() {
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let (access, refresh, code) =
        (format!("ya29.ACCESS-{unique}"), format!("1//REFRESH-{unique}"), format!("4/CODE-{unique}"));
    let api_key = format!("sk-KEY-{unique}");
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/google/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": access, "expires_in": 3599, "refresh_token": refresh, "token_type": "Bearer"
        })))
        .mount(&server)
        .await;
    google_ads_accounts(&server).await;
    google_ads_figures(&server).await;
    Mock::given(method("POST")).and(path("/v1/chat/completions")).respond_with(FakeModel).mount(&server).await;
    let platforms = config_at(&server).platforms;
    let (base_url, key) = (format!("{}/v1", server.uri()), api_key.clone());
    let app = spawn_app_with(
        move |config| {
            config.platforms = platforms;
            config.llm.base_url = Some(base_url);
            config.llm.api_key = Some(secrecy::SecretString::from(key));
        },
        |ports| ports,
    )
    .await;

    let client = app.create_client("Acme Corp").await;
    let client_id = client["id"].as_str().unwrap().to_owned();
    let mut bodies = vec![client.to_string()];
    let state = begin(&app, &client_id, "googleAds").await;
    bodies.push(ok_json(callback(&app, "googleAds", &format!("code={code}&state={state}")).await).await.to_string());
    bodies.push(app.get_json(&format!("/v1/clients/{client_id}/platforms/googleAds/accounts")).await.to_string());
    let picked = app
        .request(Method::PUT, &format!("/v1/clients/{client_id}/platforms/googleAds/account"))
        .json(&json!({ "customerId": "1234567890" }))
        .send()
        .await
        .unwrap();
    bodies.push(ok_json(picked).await.to_string());
    bodies.push(first_sync(&app, &client_id, "googleAds").await.to_string());
    bodies.push(sync(&app, &client_id, "googleAds").await.to_string());
    let conversation = app.start_conversation(&client_id).await;
    let conversation_id = conversation["conversationId"].as_str().unwrap().to_owned();
    bodies.push(app.ask(&conversation_id, "What did Google Ads spend in the last 30 days?").await.to_string());
    let streamed = app.post_message_streamed(&conversation_id, "And again, streamed?").await;
    bodies.extend(streamed.events.iter().map(|(_, data)| data.to_string()));
    for route in [
        format!("/v1/clients/{client_id}"),
        format!("/v1/clients/{client_id}/platforms"),
        format!("/v1/clients/{client_id}/data"),
        format!("/v1/conversations/{conversation_id}"),
        "/v1/me".to_owned(),
    ] {
        bodies.push(app.get(&route).await.text().await.unwrap());
    }

    let stored = app.ports.stores.clients.get(app.user, ClientId::parse(&client_id).unwrap()).await.unwrap().unwrap();
    let sealed = stored.platforms[&domain::platform::Platform::GoogleAds].credentials.clone().expect("sealed tokens");
    let mut secrets = vec![access, refresh, code, api_key, app.token.clone(), "google-secret".to_owned()];
    secrets.push(sealed.access_token.as_str().to_owned());
    secrets.extend(sealed.refresh_token.map(|t| t.as_str().to_owned()));
    let logs = captured_logs();
    assert!(logs.contains("platform_call"), "the log capture sees the platform calls at debug level");
    for secret in &secrets {
        for body in &bodies {
            assert!(!body.contains(secret.as_str()), "a response body holds a secret: {body}");
        }
        assert!(!logs.contains(secret.as_str()), "the logs hold a secret");
    }
}
