//! Connecting a client's platforms end to end, against fake platforms (wiremock) that answer with
//! real-shaped payloads: connect → consent callback → accounts → pick → sync → figures in
//! `/data` and in the analyst's answers; and what goes wrong: a replayed state, a denied consent,
//! an expired token refreshed, a revoked grant, a platform's 429, a malformed payload, and two
//! replicas sharing the due connections.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use black_box_tests::platforms::{
    begin, callback, config_at, connect, counted_google_ads_figures, day_before, first_sync, google_ads_accounts,
    google_ads_campaigns, google_ads_figures, google_token, sync, update_stored_connection, yesterday,
};
use black_box_tests::{TestApp, ok_json, test_config};
use chrono::{Datelike, NaiveDate, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::helpers::{captured_logs, problem, spawn_app_with};

/// The app, its logs captured, with every platform at `server`.
async fn start(server: &MockServer) -> TestApp {
    let platforms = config_at(server).platforms;
    spawn_app_with(|config| config.platforms = platforms, |ports| ports).await
}

#[tokio::test]
async fn a_google_ads_account_is_connected_picked_synced_and_answered_from() {
    let server = MockServer::start().await;
    google_token(&server, "ya29.first", 3599).await;
    google_ads_accounts(&server).await;
    google_ads_figures(&server).await;
    let app = start(&server).await;
    let client = app.create_client("Acme Corp").await["id"].as_str().unwrap().to_owned();

    // The consent URL asks for offline access with PKCE, and sends the user back to this server.
    let answer = ok_json(
        app.request(Method::POST, &format!("/v1/clients/{client}/platforms/googleAds/connect")).send().await.unwrap(),
    )
    .await;
    let url = reqwest::Url::parse(answer["authorizationUrl"].as_str().unwrap()).unwrap();
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(query["access_type"], "offline");
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["redirect_uri"], app.url("/v1/oauth/googleAds/callback"));
    assert!(query["scope"].contains("adwords"));
    let state = query["state"].clone();

    // The callback needs no bearer token; the state works once.
    let outcome = ok_json(callback(&app, "googleAds", &format!("code=4/the-code&state={state}")).await).await;
    assert_eq!(
        outcome,
        json!({ "connection": "connected", "platform": "googleAds", "clientId": client, "reason": null })
    );
    let replay = callback(&app, "googleAds", &format!("code=4/the-code&state={state}")).await;
    let body = problem(replay, StatusCode::BAD_REQUEST).await;
    assert_eq!(body["type"], "urn:chatbot:problem:invalid-state");

    // Connected, no account yet: nothing to sync, tokens never shown.
    let platforms = app.get_json(&format!("/v1/clients/{client}/platforms")).await;
    let ads = &platforms["platforms"][1];
    assert_eq!(ads["connected"], true);
    assert_eq!(ads["accountId"], Value::Null);
    assert_eq!(ads["needsReconnect"], false);
    assert!(!platforms.to_string().contains("ya29") && !platforms.to_string().contains("google-refresh"));

    let accounts = app.get_json(&format!("/v1/clients/{client}/platforms/googleAds/accounts")).await;
    assert_eq!(accounts["accounts"][0]["id"], "1234567890");
    assert_eq!(accounts["accounts"][0]["name"], "Acme Corp");
    assert_eq!(accounts["accounts"][0]["currency"], "USD");

    // An account the token cannot see is refused; the one it sees starts the first sync.
    let wrong = app
        .request(Method::PUT, &format!("/v1/clients/{client}/platforms/googleAds/account"))
        .json(&json!({ "customerId": "9999999999" }))
        .send()
        .await
        .unwrap();
    problem(wrong, StatusCode::CONFLICT).await;
    let picked = ok_json(
        app.request(Method::PUT, &format!("/v1/clients/{client}/platforms/googleAds/account"))
            .json(&json!({ "customerId": "1234567890" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(picked["platforms"][1]["accountId"], "1234567890");
    let summary = first_sync(&app, &client, "googleAds").await;
    assert_eq!(summary["status"], "active", "{summary}");
    assert!(summary["nextSyncAt"].is_string());

    // The figures: in the client's data and in the analyst's answer for a date range.
    let data = app.get_json(&format!("/v1/clients/{client}/data")).await;
    assert_eq!(data["demo"], false);
    let source = data["sources"].as_array().unwrap().iter().find(|s| s["platform"] == "googleAds").unwrap();
    let spend: f64 = source["campaigns"].as_array().unwrap().iter().map(|c| c["spend"].as_f64().unwrap()).sum();
    assert!((spend - 265.5).abs() < 1e-6, "{source}");

    let conversation = app.start_conversation(&client).await;
    let id = conversation["conversationId"].as_str().unwrap();
    let exchange = app.ask(id, "What did we spend on Google Ads yesterday?").await;
    let content = exchange["answer"]["content"].as_str().unwrap();
    assert!(content.contains("$165.50"), "{content}");

    // Syncing again re-fetches the recent days only, and reports what it stored.
    let report = sync(&app, &client, "googleAds").await;
    assert_eq!(report["status"], "active", "{report}");
    assert_eq!(report["days"], 2);

    // No token, code or app secret reached a log line.
    let logs = captured_logs();
    for secret in ["ya29.first", "1//google-refresh", "4/the-code", "google-secret"] {
        assert!(!logs.contains(secret), "{secret} was logged");
    }
}

#[tokio::test]
async fn a_denied_consent_and_a_forged_state_store_nothing() {
    let server = MockServer::start().await;
    let app = start(&server).await;
    let client = app.create_client("Acme Corp").await["id"].as_str().unwrap().to_owned();

    let state = begin(&app, &client, "metaAds").await;
    let denied = ok_json(
        callback(&app, "metaAds", &format!("error=access_denied&error_description=Permissions+error&state={state}"))
            .await,
    )
    .await;
    assert_eq!(denied["connection"], "denied");
    assert!(denied["reason"].as_str().unwrap().contains("not granted"), "{denied}");

    let forged = callback(&app, "metaAds", "code=x&state=not-a-state-we-issued").await;
    problem(forged, StatusCode::BAD_REQUEST).await;
    // A state issued for one platform does not complete another.
    let state = begin(&app, &client, "metaAds").await;
    problem(callback(&app, "linkedinAds", &format!("code=x&state={state}")).await, StatusCode::BAD_REQUEST).await;

    let platforms = app.get_json(&format!("/v1/clients/{client}/platforms")).await;
    assert!(platforms["platforms"].as_array().unwrap().iter().all(|p| p["connected"] == false), "{platforms}");
}

#[tokio::test]
async fn with_frontend_url_the_callback_redirects_with_the_outcome() {
    let server = MockServer::start().await;
    google_token(&server, "ya29.first", 3599).await;
    let mut config = config_at(&server);
    config.platforms.frontend_url = Some("https://app.agency.example/settings".into());
    let app = TestApp::start(config, |ports| ports).await;
    let client = app.create_client("Acme Corp").await["id"].as_str().unwrap().to_owned();
    let state = begin(&app, &client, "googleAnalytics").await;

    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response =
        http.get(app.url(&format!("/v1/oauth/googleAnalytics/callback?code=c&state={state}"))).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap();
    assert_eq!(
        location,
        format!("https://app.agency.example/settings?connection=connected&platform=googleAnalytics&clientId={client}")
    );
}

#[tokio::test]
async fn an_unconfigured_platform_answers_connect_with_the_variables_to_set() {
    let app = TestApp::start(test_config(), |ports| ports).await;
    let client = app.create_client("Acme Corp").await["id"].as_str().unwrap().to_owned();
    let response =
        app.request(Method::POST, &format!("/v1/clients/{client}/platforms/linkedinAds/connect")).send().await.unwrap();
    let body = problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(
        body["detail"],
        "LinkedIn Ads is not configured on this server; set LINKEDIN_CLIENT_ID, LINKEDIN_CLIENT_SECRET"
    );
    // The rest of the API works.
    app.get_json(&format!("/v1/clients/{client}/data")).await;
}

#[tokio::test]
async fn an_access_token_about_to_expire_is_refreshed_before_the_sync() {
    let server = MockServer::start().await;
    // Expires in a minute: inside the refresh margin, so the sync refreshes first.
    google_token(&server, "ya29.stale", 60).await;
    google_ads_accounts(&server).await;
    Mock::given(method("POST"))
        .and(path("/google/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=1%2F%2Fgoogle-refresh"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "ya29.fresh", "expires_in": 3599, "token_type": "Bearer"
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/ads/v26/customers/1234567890/googleAds:searchStream"))
        .and(body_string_contains("FROM campaign"))
        .and(header("authorization", "Bearer ya29.fresh"))
        .respond_with(google_ads_campaigns)
        .mount(&server)
        .await;
    let app = start(&server).await;
    let client = app.create_client("Acme Corp").await["id"].as_str().unwrap().to_owned();

    connect(&app, &client, "googleAds", json!({ "customerId": "1234567890" })).await;
    let summary = first_sync(&app, &client, "googleAds").await;
    assert_eq!(summary["status"], "active", "{summary}");
    let expires = chrono::DateTime::parse_from_rfc3339(summary["expiresAt"].as_str().unwrap()).unwrap();
    assert!(expires > Utc::now() + chrono::TimeDelta::minutes(30), "the refreshed expiry is stored: {summary}");
}

#[tokio::test]
async fn a_revoked_grant_marks_the_connection_expired_with_a_reason() {
    let server = MockServer::start().await;
    google_token(&server, "ya29.stale", 60).await;
    google_ads_accounts(&server).await;
    Mock::given(method("POST"))
        .and(path("/google/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant", "error_description": "Token has been expired or revoked."
        })))
        .mount(&server)
        .await;
    let app = start(&server).await;
    let client = app.create_client("Acme Corp").await["id"].as_str().unwrap().to_owned();

    let state = begin(&app, &client, "googleAds").await;
    ok_json(callback(&app, "googleAds", &format!("code=c&state={state}")).await).await;
    // Listing the accounts refreshes first, and learns that the grant is gone.
    let response = app.get(&format!("/v1/clients/{client}/platforms/googleAds/accounts")).await;
    let body = problem(response, StatusCode::CONFLICT).await;
    assert!(body["detail"].as_str().unwrap().contains("reconnect"), "{body}");

    // A sync of a connection whose refresh is refused ends `expired` with the reason, and asks
    // for a reconnect. (The account is set in the store, since listing the accounts fails.)
    let account = domain::platform::PlatformAccount::GoogleAds { customer_id: "1234567890".into() };
    let update = domain::ports::ConnectionUpdate { account: Some(account), ..Default::default() };
    update_stored_connection(&app, &client, domain::platform::Platform::GoogleAds, &update).await;
    let report = sync(&app, &client, "googleAds").await;
    assert_eq!(report["status"], "expired", "{report}");
    let platforms = app.get_json(&format!("/v1/clients/{client}/platforms")).await;
    let ads = &platforms["platforms"][1];
    assert_eq!(ads["status"], "expired");
    assert_eq!(ads["needsReconnect"], true);
    assert!(ads["reason"].as_str().unwrap().contains("reconnect"), "{ads}");
}

// --- Meta ----------------------------------------------------------------------------------------

async fn meta_platform(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/graph/v27.0/oauth/access_token"))
        .and(query_param("code", "the-code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "EAAG-short", "token_type": "bearer", "expires_in": 5_183_944
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/graph/v27.0/oauth/access_token"))
        .and(query_param("grant_type", "fb_exchange_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "EAAG-long", "token_type": "bearer", "expires_in": 5_183_944
        })))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graph/v27.0/oauth/access_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "EAAG-short", "token_type": "bearer", "expires_in": 5_183_944
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/graph/v27.0/me/adaccounts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{ "account_id": "1029384756", "id": "act_1029384756", "name": "Acme Corp", "currency": "EUR", "account_status": 1 }],
            "paging": { "cursors": { "before": "b", "after": "a" } }
        })))
        .mount(server)
        .await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/graph/v27.0/act_1029384756"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({ "id": "act_1029384756", "currency": "EUR", "account_id": "1029384756", "name": "Acme Corp" }),
        ))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/graph/v27.0/act_1029384756/campaigns"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{ "id": "237", "effective_status": "ACTIVE" }, { "id": "238", "effective_status": "PAUSED" }],
            "paging": { "cursors": { "before": "b", "after": "a" } }
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/graph/v27.0/act_1029384756/insights"))
        .respond_with(move |request: &Request| {
            let url = request.url.as_str();
            let row = |date: NaiveDate, id: &str, name: &str, spend: &str| {
                json!({
                    "campaign_id": id, "campaign_name": name, "spend": spend, "impressions": "5000", "clicks": "150",
                    "account_currency": "EUR",
                    "actions": [{ "action_type": "purchase", "value": "3" }],
                    "action_values": [{ "action_type": "purchase", "value": "210.00" }],
                    "date_start": date.to_string(), "date_stop": date.to_string()
                })
            };
            let asks_yesterday = url.contains(&yesterday().to_string());
            if url.contains("after=page2") {
                ResponseTemplate::new(200).set_body_json(json!({
                    "data": [row(yesterday(), "238", "Acme | Retargeting | Cart Abandoners", "30.25")],
                    "paging": { "cursors": { "before": "p2b", "after": "p2a" }, "previous": format!("{base}/graph/v27.0/act_1029384756/insights?before=p2b") }
                }))
            } else if asks_yesterday {
                let next = format!("{base}{}?{}&after=page2", request.url.path(), request.url.query().unwrap_or_default());
                ResponseTemplate::new(200).set_body_json(json!({
                    "data": [row(yesterday(), "237", "Acme | Prospecting | Q4 Holiday", "80.00"), row(day_before(), "237", "Acme | Prospecting | Q4 Holiday", "70.00")],
                    "paging": { "cursors": { "before": "p1b", "after": "page2" }, "next": next }
                }))
            } else {
                ResponseTemplate::new(200).set_body_json(json!({ "data": [], "paging": { "cursors": {} } }))
            }
        })
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_meta_account_syncs_every_page_and_its_long_lived_token_expiry_is_tracked() {
    let server = MockServer::start().await;
    meta_platform(&server).await;
    let app = start(&server).await;
    let client = app.create_client("Acme Corp").await["id"].as_str().unwrap().to_owned();

    connect(&app, &client, "metaAds", json!({ "adAccountId": "act_1029384756" })).await;
    let summary = first_sync(&app, &client, "metaAds").await;
    assert_eq!(summary["status"], "active", "{summary}");
    // About 60 days, and Meta has no refresh token: no warning yet, but no renewal either.
    let expires = chrono::DateTime::parse_from_rfc3339(summary["expiresAt"].as_str().unwrap()).unwrap();
    assert!(expires > Utc::now() + chrono::TimeDelta::days(50), "{summary}");
    assert_eq!(summary["warning"], Value::Null);

    // Both pages of yesterday's insights are in: 80.00 + 30.25.
    let conversation = app.start_conversation(&client).await;
    let id = conversation["conversationId"].as_str().unwrap();
    let content =
        app.ask(id, "What did we spend on Meta Ads yesterday?").await["answer"]["content"].as_str().unwrap().to_owned();
    assert!(content.contains("€110.25"), "{content}");
}

// --- LinkedIn ------------------------------------------------------------------------------------

async fn linkedin_platform(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/oauth/v2/accessToken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "AQV-linkedin", "expires_in": 5_183_999,
            "refresh_token": "AQX-refresh", "refresh_token_expires_in": 31_535_999,
            "scope": "r_ads,r_ads_reporting"
        })))
        .mount(server)
        .await;
    linkedin_accounts_and_campaigns(server).await;
    Mock::given(method("GET")).and(path("/linkedin/rest/adAnalytics")).respond_with(linkedin_rows).mount(server).await;
}

/// LinkedIn's analytics for yesterday, answered to the request whose range ends then.
fn linkedin_rows(request: &Request) -> ResponseTemplate {
    let d = yesterday();
    let end = format!("end:(year:{},month:{},day:{})", d.year(), d.month(), d.day());
    if !request.url.query().unwrap_or_default().contains(&end) {
        return ResponseTemplate::new(200)
            .set_body_json(json!({ "elements": [], "paging": { "count": 10, "start": 0 } }));
    }
    let date = json!({ "year": d.year(), "month": d.month(), "day": d.day() });
    ResponseTemplate::new(200).set_body_json(json!({
        "elements": [{
            "dateRange": { "start": date, "end": date },
            "pivotValues": ["urn:li:sponsoredCampaign:612345678"],
            "costInLocalCurrency": "212.4", "impressions": 9000, "clicks": 120, "oneClickLeads": 14,
            "externalWebsiteConversions": 2
        }],
        "paging": { "count": 10, "start": 0, "links": [] }
    }))
}

#[tokio::test]
async fn a_linkedin_account_syncs_and_its_refresh_tokens_expiry_is_shown() {
    let server = MockServer::start().await;
    linkedin_platform(&server).await;
    let app = start(&server).await;
    let client = app.create_client("Acme Corp").await["id"].as_str().unwrap().to_owned();

    connect(&app, &client, "linkedinAds", json!({ "accountId": "508765432" })).await;
    let summary = first_sync(&app, &client, "linkedinAds").await;
    assert_eq!(summary["status"], "active", "{summary}");
    let refresh = chrono::DateTime::parse_from_rfc3339(summary["refreshExpiresAt"].as_str().unwrap()).unwrap();
    assert!(refresh > Utc::now() + chrono::TimeDelta::days(360), "{summary}");

    let conversation = app.start_conversation(&client).await;
    let id = conversation["conversationId"].as_str().unwrap();
    let content = app.ask(id, "What did we spend on LinkedIn Ads yesterday?").await["answer"]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(content.contains("$212.40"), "{content}");
}

#[tokio::test]
async fn a_malformed_payload_is_an_error_that_keeps_the_previous_figures() {
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    // The first sync's calls succeed; after it, LinkedIn sends something that is not its JSON.
    let analytics = move |request: &Request| {
        if seen.load(Ordering::SeqCst) == 0 {
            linkedin_rows(request)
        } else {
            ResponseTemplate::new(200).set_body_string("{\"elements\": [{\"costInLocalCurrency\": \"a lot\"")
        }
    };
    Mock::given(method("POST"))
        .and(path("/oauth/v2/accessToken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "AQV-linkedin", "expires_in": 5_183_999, "scope": "r_ads,r_ads_reporting"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path("/linkedin/rest/adAnalytics")).respond_with(analytics).mount(&server).await;
    linkedin_accounts_and_campaigns(&server).await;

    let app = start(&server).await;
    let client = app.create_client("Acme Corp").await["id"].as_str().unwrap().to_owned();
    connect(&app, &client, "linkedinAds", json!({ "accountId": "508765432" })).await;
    assert_eq!(first_sync(&app, &client, "linkedinAds").await["status"], "active");
    let before = app.get_json(&format!("/v1/clients/{client}/data")).await;
    calls.store(1, Ordering::SeqCst);

    let report = sync(&app, &client, "linkedinAds").await;
    assert_eq!(report["status"], "error", "{report}");
    assert!(report["reason"].as_str().unwrap().contains("previous figures are kept"), "{report}");
    let after = app.get_json(&format!("/v1/clients/{client}/data")).await;
    assert_eq!(after["sources"], before["sources"]);
}

async fn linkedin_accounts_and_campaigns(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/linkedin/rest/adAccounts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "elements": [{ "id": 508_765_432, "name": "Acme Corp", "currency": "USD", "status": "ACTIVE" }], "metadata": {}
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/linkedin/rest/adAccounts/508765432"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "id": 508_765_432, "name": "Acme Corp", "currency": "USD" })),
        )
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/linkedin/rest/adAccounts/508765432/adCampaigns"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "elements": [{ "id": 612_345_678, "name": "Acme - Webinar Lead Gen - Marketing Ops", "status": "ACTIVE" }], "metadata": {}
        })))
        .mount(server)
        .await;
}

// --- GA4, a platform's 429, and two replicas ------------------------------------------------------

async fn ga4_platform(server: &MockServer, throttle_first: bool) {
    google_token(server, "ya29.ga4", 3599).await;
    Mock::given(method("GET"))
        .and(path("/ga4admin/v1beta/accountSummaries"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "accountSummaries": [{
                "name": "accountSummaries/1000", "account": "accounts/1000", "displayName": "Acme",
                "propertySummaries": [{ "property": "properties/345678901", "displayName": "acmecorp.com", "propertyType": "PROPERTY_TYPE_ORDINARY" }]
            }]
        })))
        .mount(server)
        .await;
    if throttle_first {
        Mock::given(method("POST"))
            .and(path("/ga4data/v1beta/properties/345678901:runReport"))
            .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0").set_body_json(json!({
                "error": { "code": 429, "message": "Exhausted concurrent requests quota.", "status": "RESOURCE_EXHAUSTED" }
            })))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/ga4data/v1beta/properties/345678901:runReport"))
        .respond_with(ga4_report)
        .mount(server)
        .await;
}

/// A GA4 report: per-day rows when the request has the `date` dimension, else one total row per
/// date range; always with every metric asked for, as strings.
fn ga4_report(request: &Request) -> ResponseTemplate {
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    let dimensions: Vec<String> = body["dimensions"]
        .as_array()
        .map(|d| d.iter().map(|d| d["name"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default();
    let metrics: Vec<String> =
        body["metrics"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap().to_owned()).collect();
    let values = |scale: u64| -> Vec<Value> {
        metrics
            .iter()
            .map(|m| {
                let v = match m.as_str() {
                    "bounceRate" | "engagementRate" => "0.4".to_owned(),
                    "averageSessionDuration" => "95.5".to_owned(),
                    _ => (100 * scale).to_string(),
                };
                json!({ "value": v })
            })
            .collect()
    };
    let ranges = body["dateRanges"].as_array().cloned().unwrap_or_default();
    let asks_yesterday = ranges.iter().any(|r| r["endDate"] == yesterday().to_string() || r["endDate"] == "yesterday");
    let mut rows = Vec::new();
    if asks_yesterday {
        if dimensions.first().is_some_and(|d| d == "date") {
            let date = yesterday().format("%Y%m%d").to_string();
            let mut dims = vec![json!({ "value": date })];
            for d in &dimensions[1..] {
                dims.push(json!({ "value": match d.as_str() { "deviceCategory" => "mobile", "pagePath" => "/pricing", _ => "google / cpc" } }));
            }
            rows.push(json!({ "dimensionValues": dims, "metricValues": values(1) }));
        } else {
            // With several ranges, GA4 adds a `dateRange` dimension holding each range's name.
            for (i, range) in ranges.iter().enumerate() {
                let name = range["name"].as_str().map_or_else(|| format!("date_range_{i}"), str::to_owned);
                let dims = if ranges.len() > 1 { vec![json!({ "value": name })] } else { vec![] };
                rows.push(json!({ "dimensionValues": dims, "metricValues": values(3) }));
            }
        }
    }
    let mut headers: Vec<Value> = dimensions.iter().map(|d| json!({ "name": d })).collect();
    if ranges.len() > 1 {
        headers.push(json!({ "name": "dateRange" }));
    }
    let mut answer = json!({
        "dimensionHeaders": headers,
        "metricHeaders": metrics.iter().map(|m| json!({ "name": m, "type": "TYPE_INTEGER" })).collect::<Vec<_>>(),
        "metadata": { "currencyCode": "USD", "timeZone": "Etc/UTC" },
        "kind": "analyticsData#runReport"
    });
    if !rows.is_empty() {
        answer["rowCount"] = json!(rows.len());
        answer["rows"] = json!(rows);
    }
    ResponseTemplate::new(200).set_body_json(answer)
}

#[tokio::test]
async fn a_ga4_property_syncs_through_a_quota_error() {
    let server = MockServer::start().await;
    ga4_platform(&server, true).await;
    let app = start(&server).await;
    let client = app.create_client("Acme Corp").await["id"].as_str().unwrap().to_owned();

    let state = begin(&app, &client, "googleAnalytics").await;
    ok_json(callback(&app, "googleAnalytics", &format!("code=c&state={state}")).await).await;
    let accounts = app.get_json(&format!("/v1/clients/{client}/platforms/googleAnalytics/accounts")).await;
    assert_eq!(accounts["accounts"][0]["id"], "345678901");
    assert_eq!(accounts["accounts"][0]["accountId"], "1000");
    ok_json(
        app.request(Method::PUT, &format!("/v1/clients/{client}/platforms/googleAnalytics/account"))
            .json(&json!({ "propertyId": "345678901" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let summary = first_sync(&app, &client, "googleAnalytics").await;
    assert_eq!(summary["status"], "active", "{summary}");
    assert_eq!(summary["propertyId"], "345678901");
    let data = app.get_json(&format!("/v1/clients/{client}/data")).await;
    let ga4 = data["sources"].as_array().unwrap().iter().find(|s| s["platform"] == "googleAnalytics").unwrap();
    assert_eq!(ga4["metrics"]["sessions"], 100, "{ga4}");
    // Users over the last 30 days are GA4's own range total, not a sum of days.
    assert_eq!(ga4["metrics"]["users"], 300, "{ga4}");
    assert_eq!(ga4["dimensions"]["topSources"][0]["source"], "google / cpc", "{ga4}");
}

#[tokio::test]
async fn two_replicas_sync_each_due_connection_once() {
    let server = MockServer::start().await;
    google_token(&server, "ya29.first", 3599).await;
    google_ads_accounts(&server).await;
    let fetches = counted_google_ads_figures(&server).await;
    let first = start(&server).await;
    let shared = first.ports.stores.clone();
    let second = TestApp::start(config_at(&server), move |mut ports| {
        ports.stores = shared;
        ports
    })
    .await
    .with_users_of(&first);

    let mut clients = Vec::new();
    for n in 0..6 {
        let client = first.create_client(&format!("Client {n}")).await["id"].as_str().unwrap().to_owned();
        connect(&first, &client, "googleAds", json!({ "customerId": "1234567890" })).await;
        assert_eq!(first_sync(&first, &client, "googleAds").await["status"], "active");
        clients.push(client);
    }
    // Make every connection due again, then let both replicas claim and sync at once.
    let due = domain::ports::ConnectionUpdate {
        next_sync_at: Some(Utc::now() - chrono::TimeDelta::minutes(1)),
        ..Default::default()
    };
    for client in &clients {
        update_stored_connection(&first, client, domain::platform::Platform::GoogleAds, &due).await;
    }
    let before = fetches.load(Ordering::SeqCst);
    let (a, b) = tokio::join!(first.services.sync.run_due(), second.services.sync.run_due());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a + b, clients.len(), "every due connection is synced by exactly one replica ({a} + {b})");
    // A regular sync is one request (the last 35 days) per connection.
    assert_eq!(fetches.load(Ordering::SeqCst) - before, clients.len());
    let (a, b) = tokio::join!(first.services.sync.run_due(), second.services.sync.run_due());
    assert_eq!((a.unwrap(), b.unwrap()), (0, 0), "nothing is due right after");
}

#[tokio::test]
async fn a_refused_access_token_is_refreshed_once_and_the_call_tried_again() {
    let server = MockServer::start().await;
    google_token(&server, "ya29.refused", 3599).await;
    google_ads_accounts(&server).await;
    Mock::given(method("POST"))
        .and(path("/google/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "ya29.renewed", "expires_in": 3599, "token_type": "Bearer"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/ads/v26/customers/1234567890/googleAds:searchStream"))
        .and(body_string_contains("FROM campaign"))
        .and(header("authorization", "Bearer ya29.refused"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!([{ "error": {
            "code": 401, "status": "UNAUTHENTICATED",
            "message": "Request is missing required authentication credential. Expected OAuth 2 access token."
        } }])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/ads/v26/customers/1234567890/googleAds:searchStream"))
        .and(body_string_contains("FROM campaign"))
        .and(header("authorization", "Bearer ya29.renewed"))
        .respond_with(google_ads_campaigns)
        .mount(&server)
        .await;
    let app = start(&server).await;
    let client = app.create_client("Acme Corp").await["id"].as_str().unwrap().to_owned();

    connect(&app, &client, "googleAds", json!({ "customerId": "1234567890" })).await;
    let summary = first_sync(&app, &client, "googleAds").await;
    assert_eq!(summary["status"], "active", "{summary}");
    let report = sync(&app, &client, "googleAds").await;
    assert_eq!(report["status"], "active", "the renewed token is the one stored: {report}");
}

#[tokio::test]
async fn a_platform_that_stays_down_is_an_error_that_keeps_the_previous_figures() {
    let server = MockServer::start().await;
    google_token(&server, "ya29.first", 3599).await;
    google_ads_accounts(&server).await;
    let down = Arc::new(AtomicUsize::new(0));
    let is_down = down.clone();
    Mock::given(method("POST"))
        .and(path("/ads/v26/customers/1234567890/googleAds:searchStream"))
        .and(body_string_contains("FROM campaign"))
        .respond_with(move |request: &Request| {
            if is_down.load(Ordering::SeqCst) == 0 {
                google_ads_campaigns(request)
            } else {
                ResponseTemplate::new(503).set_body_string("upstream connect error")
            }
        })
        .mount(&server)
        .await;
    let app = start(&server).await;
    let client = app.create_client("Acme Corp").await["id"].as_str().unwrap().to_owned();
    connect(&app, &client, "googleAds", json!({ "customerId": "1234567890" })).await;
    assert_eq!(first_sync(&app, &client, "googleAds").await["status"], "active");
    let before = app.get_json(&format!("/v1/clients/{client}/data")).await;

    down.store(1, Ordering::SeqCst);
    let report = sync(&app, &client, "googleAds").await;
    assert_eq!(report["status"], "error", "{report}");
    assert!(report["reason"].as_str().unwrap().contains("retries by itself"), "{report}");
    let after = app.get_json(&format!("/v1/clients/{client}/data")).await;
    assert_eq!(after["sources"], before["sources"], "the previous figures are kept");
    let platforms = app.get_json(&format!("/v1/clients/{client}/platforms")).await;
    assert_eq!(platforms["platforms"][1]["needsReconnect"], false, "a platform outage is no reason to reconnect");
}
