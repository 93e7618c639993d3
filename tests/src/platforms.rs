//! Fake ad and analytics platforms for the black-box tests: configuration that points every
//! connector at a wiremock server, real-shaped Google answers (OAuth, Google Ads accounts and
//! campaign rows for yesterday and the day before), and the steps of connecting a platform over
//! the API (consent, callback, account, first sync).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use api::Config;
use chrono::{Days, NaiveDate, Utc};
use domain::ids::ClientId;
use domain::platform::Platform;
use domain::ports::ConnectionUpdate;
use reqwest::Method;
use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::{TestApp, ok_json, test_config};

/// The app with every platform's app configured and every endpoint at `server`.
pub fn config_at(server: &MockServer) -> Config {
    let base = server.uri();
    let mut config = test_config();
    let p = &mut config.platforms;
    p.google_client_id = Some("google-client".into());
    p.google_client_secret = Some("google-secret".to_owned().into());
    p.google_auth_url = Some(format!("{base}/o/oauth2/v2/auth"));
    p.google_token_url = Some(format!("{base}/google/token"));
    p.ga4_data_api_url = Some(format!("{base}/ga4data/v1beta"));
    p.ga4_admin_api_url = Some(format!("{base}/ga4admin/v1beta"));
    p.google_ads_api_url = Some(format!("{base}/ads"));
    p.meta_app_id = Some("meta-app".into());
    p.meta_app_secret = Some("meta-secret".to_owned().into());
    p.meta_auth_url = Some(format!("{base}/v27.0/dialog/oauth"));
    p.meta_graph_url = Some(format!("{base}/graph"));
    p.linkedin_client_id = Some("linkedin-client".into());
    p.linkedin_client_secret = Some("linkedin-secret".to_owned().into());
    p.linkedin_auth_url = Some(format!("{base}/oauth/v2/authorization"));
    p.linkedin_token_url = Some(format!("{base}/oauth/v2/accessToken"));
    p.linkedin_api_url = Some(format!("{base}/linkedin/rest"));
    config
}

/// Yesterday in UTC (the test clients' time zone): the last day a sync fetches.
pub fn yesterday() -> NaiveDate {
    Utc::now().date_naive() - Days::new(1)
}

/// The day before yesterday.
pub fn day_before() -> NaiveDate {
    Utc::now().date_naive() - Days::new(2)
}

/// Starts connecting `platform` for `client` and returns the consent URL's `state`.
///
/// # Panics
/// When the answer is not 200 with a consent URL that carries a state.
pub async fn begin(app: &TestApp, client: &str, platform: &str) -> String {
    let body = ok_json(
        app.request(Method::POST, &format!("/v1/clients/{client}/platforms/{platform}/connect")).send().await.unwrap(),
    )
    .await;
    let url = reqwest::Url::parse(body["authorizationUrl"].as_str().unwrap()).unwrap();
    let state = url.query_pairs().find(|(k, _)| k == "state").map(|(_, v)| v.into_owned());
    state.expect("the consent URL carries a state")
}

/// The platform's redirect back to the callback, with no bearer token.
///
/// # Panics
/// When the request cannot be sent.
pub async fn callback(app: &TestApp, platform: &str, query: &str) -> reqwest::Response {
    app.anonymous(Method::GET, &format!("/v1/oauth/{platform}/callback?{query}")).send().await.unwrap()
}

/// Connects `platform` for `client`: consent, callback, and the account picked.
///
/// # Panics
/// When a step does not answer as it should.
pub async fn connect(app: &TestApp, client: &str, platform: &str, account: Value) {
    let state = begin(app, client, platform).await;
    let outcome = ok_json(callback(app, platform, &format!("code=the-code&state={state}")).await).await;
    assert_eq!(outcome["connection"], "connected", "{outcome}");
    let picked = app
        .request(Method::PUT, &format!("/v1/clients/{client}/platforms/{platform}/account"))
        .json(&account)
        .send()
        .await
        .unwrap();
    ok_json(picked).await;
}

/// Waits until the first sync (started by picking the account) has written `lastSync` or changed
/// the status, and returns the platform's summary.
///
/// # Panics
/// When it does not finish within ten seconds.
pub async fn first_sync(app: &TestApp, client: &str, platform: &str) -> Value {
    for _ in 0..200 {
        let platforms = app.get_json(&format!("/v1/clients/{client}/platforms")).await;
        let summary =
            platforms["platforms"].as_array().unwrap().iter().find(|p| p["platform"] == platform).unwrap().clone();
        if !summary["lastSync"].is_null() || summary["status"] != "active" {
            return summary;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the first sync of {platform} did not finish");
}

/// `POST .../platforms/{platform}/sync`, expecting 200: the sync's report.
///
/// # Panics
/// When the answer is not 200.
pub async fn sync(app: &TestApp, client: &str, platform: &str) -> Value {
    ok_json(app.request(Method::POST, &format!("/v1/clients/{client}/platforms/{platform}/sync")).send().await.unwrap())
        .await
}

// --- Google -----------------------------------------------------------------------------------

/// Google's token endpoint, exchanging any code for `access` (lasting `expires_in` seconds) and a
/// refresh token.
pub async fn google_token(server: &MockServer, access: &str, expires_in: u64) {
    Mock::given(method("POST"))
        .and(path("/google/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": access, "expires_in": expires_in, "refresh_token": "1//google-refresh",
            "scope": "https://www.googleapis.com/auth/adwords", "token_type": "Bearer"
        })))
        .mount(server)
        .await;
}

/// Google Ads: one accessible customer, `1234567890` (Acme Corp, USD).
pub async fn google_ads_accounts(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/ads/v26/customers:listAccessibleCustomers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "resourceNames": ["customers/1234567890"] })))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/ads/v26/customers/1234567890/googleAds:searchStream"))
        .and(body_string_contains("FROM customer"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
            "results": [{ "customer": {
                "resourceName": "customers/1234567890", "id": "1234567890",
                "descriptiveName": "Acme Corp", "currencyCode": "USD", "manager": false
            } }],
            "fieldMask": "customer.id,customer.descriptiveName,customer.currencyCode,customer.manager",
            "requestId": "acc-1"
        }])))
        .mount(server)
        .await;
}

/// Google Ads campaign rows for yesterday and the day before (two campaigns, two batches), to the
/// request whose range ends yesterday; an empty stream to the others.
pub fn google_ads_campaigns(request: &Request) -> ResponseTemplate {
    let body = String::from_utf8_lossy(&request.body);
    let row = |date: NaiveDate, id: &str, name: &str, cost: &str, clicks: &str| {
        json!({
            "customer": { "resourceName": "customers/1234567890", "currencyCode": "USD" },
            "campaign": { "resourceName": format!("customers/1234567890/campaigns/{id}"), "id": id, "name": name, "status": "ENABLED" },
            "metrics": { "costMicros": cost, "clicks": clicks, "impressions": "10000", "conversions": 4.0, "conversionsValue": 320.0 },
            "segments": { "date": date.to_string() }
        })
    };
    if !body.contains(&yesterday().to_string()) {
        return ResponseTemplate::new(200)
            .set_body_json(json!([{ "fieldMask": "campaign.id,campaign.name", "requestId": "empty" }]));
    }
    ResponseTemplate::new(200).set_body_json(json!([
        {
            "results": [
                row(day_before(), "111", "Acme - Brand Search - US", "100000000", "300"),
                row(yesterday(), "111", "Acme - Brand Search - US", "125000000", "320"),
            ],
            "fieldMask": "campaign.id,campaign.name,campaign.status,segments.date,metrics.costMicros",
            "requestId": "batch-1"
        },
        {
            "results": [row(yesterday(), "222", "Acme - PMax - Q4 Holiday", "40500000", "90")],
            "fieldMask": "campaign.id,campaign.name,campaign.status,segments.date,metrics.costMicros",
            "requestId": "batch-2",
            "queryResourceConsumption": "512"
        }
    ]))
}

/// Google Ads: the campaign rows of [`google_ads_campaigns`].
pub async fn google_ads_figures(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/ads/v26/customers/1234567890/googleAds:searchStream"))
        .and(body_string_contains("FROM campaign"))
        .respond_with(google_ads_campaigns)
        .mount(server)
        .await;
}

/// Google Ads: the campaign rows of [`google_ads_campaigns`], counting the requests for them.
pub async fn counted_google_ads_figures(server: &MockServer) -> Arc<AtomicUsize> {
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    Mock::given(method("POST"))
        .and(path("/ads/v26/customers/1234567890/googleAds:searchStream"))
        .and(body_string_contains("FROM campaign"))
        .respond_with(move |request: &Request| {
            counted.fetch_add(1, Ordering::SeqCst);
            google_ads_campaigns(request)
        })
        .mount(server)
        .await;
    requests
}

/// Applies `update` to the stored connection of `platform`, guarded by its stored access token,
/// as a sync would: for what the API cannot set (an account it cannot list, a sync due now).
///
/// # Panics
/// When the client or its connection is not stored, or the update does not apply.
pub async fn update_stored_connection(app: &TestApp, client: &str, platform: Platform, update: &ConnectionUpdate) {
    let id = ClientId::parse(client).expect("a client id");
    let store = &app.ports.stores.clients;
    let stored = store.get(app.user, id).await.expect("the store answers").expect("the client is stored");
    let expected = stored.platforms[&platform].credentials.clone().expect("the connection holds tokens").access_token;
    let applied = store.update_connection(app.user, id, platform, &expected, update, Utc::now()).await;
    assert!(applied.expect("the store answers"), "the connection update applies");
}
