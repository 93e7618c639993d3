//! The Google Analytics 4 and Google Ads connectors against a fake Google (wiremock): OAuth,
//! accounts, fetches of real-shaped payloads, and the mapping of Google's errors.

use std::num::NonZeroU32;
use std::time::Duration;

use adapters_platforms::google::{Ga4Config, Ga4Connector, GoogleAdsConfig, GoogleAdsConnector, GoogleAppConfig};
use adapters_platforms::{HttpClient, HttpSettings, Paces, RetryPolicy};
use chrono::NaiveDate;
use domain::daily::CampaignStatus::{Active, Paused};
use domain::daily::{AdDay, CampaignDay, CampaignStatus, Currency, DayFigures, RankedCount, SiteDay};
use domain::dates::DateRange;
use domain::platform::PlatformAccount;
use domain::ports::{AccountChoice, ConnectorError, PlatformConnector};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use wiremock::matchers::{body_string_contains, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const CLIENT_ID: &str = "123456789012-acme.apps.googleusercontent.com";
const REDIRECT: &str = "https://app.acme.example/oauth/google/callback";
const PROPERTY: &str = "345678901";
const CUSTOMER: &str = "1234567890";
const RUN_REPORT: &str = "/v1beta/properties/345678901:runReport";
const SEARCH_STREAM: &str = "/v26/customers/1234567890/googleAds:searchStream";

fn fixture(name: &str) -> String {
    let file = format!("{}/tests/fixtures/google/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn json(status: u16, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(fixture(name), "application/json")
}

fn http() -> HttpClient {
    HttpClient::new(&HttpSettings {
        retry: RetryPolicy {
            max_retries: 2,
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(200),
            max_total: Duration::from_secs(1),
        },
        paces: Paces::uniform(NonZeroU32::new(1000).unwrap()),
        ..HttpSettings::default()
    })
    .unwrap()
}

fn app(server: &MockServer) -> GoogleAppConfig {
    let mut app = GoogleAppConfig::new(CLIENT_ID, SecretString::from("GOCSPX-FakeAcmeSecret"));
    app.auth_url = format!("{}/o/oauth2/v2/auth", server.uri());
    app.token_url = format!("{}/token", server.uri());
    app
}

fn ga4(server: &MockServer) -> Ga4Connector {
    let mut config = Ga4Config::new(app(server));
    config.data_api_url = format!("{}/v1beta", server.uri());
    config.admin_api_url = format!("{}/v1beta/", server.uri());
    Ga4Connector::new(config, http()).unwrap()
}

fn ads_config(server: &MockServer) -> GoogleAdsConfig {
    let mut config = GoogleAdsConfig::new(app(server));
    config.api_url = server.uri();
    config
}

fn ads(server: &MockServer) -> GoogleAdsConnector {
    GoogleAdsConnector::new(ads_config(server), http()).unwrap()
}

fn token() -> SecretString {
    SecretString::from("ya29.a0AcM612xFakeAcmeAccessTokenForFixturesOnly")
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn october() -> DateRange {
    DateRange::new(d("2026-10-01"), d("2026-10-03")).unwrap()
}

fn property() -> PlatformAccount {
    PlatformAccount::GoogleAnalytics { account_id: "111222333".into(), property_id: PROPERTY.into() }
}

fn customer() -> PlatformAccount {
    PlatformAccount::GoogleAds { customer_id: CUSTOMER.into() }
}

/// A `runReport` whose dimensions are exactly `dimensions`, asked from `offset`.
fn report(dimensions: &'static [&'static str], offset: &'static str) -> impl Fn(&Request) -> bool + Send + Sync {
    move |request: &Request| {
        let Ok(body) = request.body_json::<Value>() else { return false };
        let asked: Vec<&str> = body["dimensions"]
            .as_array()
            .map(|a| a.iter().filter_map(|d| d["name"].as_str()).collect())
            .unwrap_or_default();
        asked == dimensions && body["offset"] == offset
    }
}

fn lacks(name: &'static str) -> impl Fn(&Request) -> bool + Send + Sync {
    move |request: &Request| !request.headers.contains_key(name)
}

// ----- OAuth, for both connectors -------------------------------------------------------------

fn query_of(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url).unwrap().query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn check_authorize_url(connector: &dyn PlatformConnector, scope: &str) {
    let authorization = connector.authorize(REDIRECT).unwrap();
    let query = query_of(&authorization.url);
    let get = |k: &str| query.iter().find(|(name, _)| name == k).map(|(_, v)| v.as_str());
    assert!(authorization.url.contains("/o/oauth2/v2/auth?"), "{}", authorization.url);
    assert_eq!(get("scope"), Some(scope));
    assert_eq!(get("state"), Some(authorization.state.as_str()));
    assert!(authorization.state.len() >= 16);
    assert_eq!(get("code_challenge_method"), Some("S256"));
    assert!(get("code_challenge").is_some_and(|c| c.len() >= 43));
    assert!(authorization.pkce_verifier.is_some());
    assert_eq!(get("access_type"), Some("offline"));
    assert_eq!(get("prompt"), Some("consent"));
    assert_eq!(get("response_type"), Some("code"));
    assert_eq!(get("client_id"), Some(CLIENT_ID));
    assert_eq!(get("redirect_uri"), Some(REDIRECT));
}

async fn check_exchange_and_refresh(server: &MockServer, connector: &dyn PlatformConnector) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains("code=4%2F0AVGzR1FakeAcmeAuthCode"))
        .and(body_string_contains("code_verifier=the-verifier-of-the-pkce-challenge-43-chars-long"))
        .and(body_string_contains("redirect_uri=https%3A%2F%2Fapp.acme.example%2Foauth%2Fgoogle%2Fcallback"))
        .and(body_string_contains("client_id=123456789012-acme.apps.googleusercontent.com"))
        .and(body_string_contains("client_secret=GOCSPX-FakeAcmeSecret"))
        .respond_with(json(200, "google-oauth-token-authcode-response.json"))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=1%2F%2F0gFakeAcmeRefreshTokenCgYIARAAGBASNwF"))
        .and(body_string_contains("client_secret=GOCSPX-FakeAcmeSecret"))
        .respond_with(json(200, "google-oauth-token-refresh-response.json"))
        .expect(1)
        .mount(server)
        .await;

    let verifier = SecretString::from("the-verifier-of-the-pkce-challenge-43-chars-long");
    let grant =
        connector.exchange(&SecretString::from("4/0AVGzR1FakeAcmeAuthCode"), Some(verifier), REDIRECT).await.unwrap();
    assert_eq!(grant.access_token.expose_secret(), "ya29.a0AcM612xFakeAcmeAccessTokenForFixturesOnly");
    assert_eq!(
        grant.refresh_token.as_ref().map(ExposeSecret::expose_secret),
        Some("1//0gFakeAcmeRefreshTokenCgYIARAAGBASNwF")
    );
    assert_eq!(grant.expires_in, Some(Duration::from_secs(3599)));

    let refreshed = connector.refresh(&SecretString::from("1//0gFakeAcmeRefreshTokenCgYIARAAGBASNwF")).await.unwrap();
    assert_eq!(refreshed.access_token.expose_secret(), "ya29.a0AcM612xFakeAcmeRefreshedAccessToken");
    assert!(refreshed.refresh_token.is_none(), "Google keeps the refresh token");
}

async fn check_invalid_grant(server: &MockServer, connector: &dyn PlatformConnector) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(json(400, "google-oauth-token-error-invalid-grant.json"))
        .mount(server)
        .await;
    let err = connector.refresh(&SecretString::from("1//revoked")).await.unwrap_err();
    let ConnectorError::Revoked(message) = err else { panic!("{err:?}") };
    assert!(message.contains("reconnect"), "{message}");
}

#[test]
fn ga4_authorize_url_asks_for_analytics_readonly_offline_with_pkce() {
    let server_uri = "http://127.0.0.1:9";
    let mut app = GoogleAppConfig::new(CLIENT_ID, SecretString::from("s"));
    app.auth_url = format!("{server_uri}/o/oauth2/v2/auth");
    let connector = Ga4Connector::new(Ga4Config::new(app), http()).unwrap();
    check_authorize_url(&connector, "https://www.googleapis.com/auth/analytics.readonly");
}

#[test]
fn ads_authorize_url_asks_for_adwords_offline_with_pkce() {
    let mut app = GoogleAppConfig::new(CLIENT_ID, SecretString::from("s"));
    app.auth_url = "http://127.0.0.1:9/o/oauth2/v2/auth".into();
    let connector = GoogleAdsConnector::new(GoogleAdsConfig::new(app), http()).unwrap();
    check_authorize_url(&connector, "https://www.googleapis.com/auth/adwords");
}

#[tokio::test]
async fn ga4_exchanges_a_code_and_refreshes_a_token() {
    let server = MockServer::start().await;
    check_exchange_and_refresh(&server, &ga4(&server)).await;
}

#[tokio::test]
async fn ads_exchanges_a_code_and_refreshes_a_token() {
    let server = MockServer::start().await;
    check_exchange_and_refresh(&server, &ads(&server)).await;
}

#[tokio::test]
async fn ga4_invalid_grant_is_revoked() {
    let server = MockServer::start().await;
    check_invalid_grant(&server, &ga4(&server)).await;
}

#[tokio::test]
async fn ads_invalid_grant_is_revoked() {
    let server = MockServer::start().await;
    check_invalid_grant(&server, &ads(&server)).await;
}

#[test]
fn bad_settings_name_their_variables() {
    let app = GoogleAppConfig::new(CLIENT_ID, SecretString::from("s"));
    let mut config = Ga4Config::new(app.clone());
    config.data_api_url = "analyticsdata".into();
    assert!(Ga4Connector::new(config, http()).unwrap_err().to_string().starts_with("GA4_DATA_API_URL "));
    let mut config = Ga4Config::new(app.clone());
    config.admin_api_url = "https://analyticsadmin.googleapis.com/v1beta?x=1".into();
    assert!(Ga4Connector::new(config, http()).unwrap_err().to_string().starts_with("GA4_ADMIN_API_URL "));
    let mut config = GoogleAdsConfig::new(app.clone());
    config.api_version = "latest".into();
    assert!(GoogleAdsConnector::new(config, http()).unwrap_err().to_string().starts_with("GOOGLE_ADS_API_VERSION "));
    let mut config = GoogleAdsConfig::new(app);
    config.login_customer_id = Some("98765".into());
    let err = GoogleAdsConnector::new(config, http()).unwrap_err().to_string();
    assert!(err.starts_with("GOOGLE_ADS_LOGIN_CUSTOMER_ID "), "{err}");
}

// ----- Google Analytics 4 ---------------------------------------------------------------------

#[tokio::test]
async fn ga4_accounts_follow_the_next_page_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1beta/accountSummaries"))
        .and(header("authorization", "Bearer ya29.a0AcM612xFakeAcmeAccessTokenForFixturesOnly"))
        .and(query_param("pageSize", "200"))
        .and(query_param_is_missing("pageToken"))
        .respond_with(json(200, "ga4-account-summaries-page1.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1beta/accountSummaries"))
        .and(query_param("pageSize", "200"))
        .and(query_param("pageToken", "CAEaEgoQYWNjb3VudFN1bW1hcmllcw"))
        .respond_with(json(200, "ga4-account-summaries-page2.json"))
        .expect(1)
        .mount(&server)
        .await;

    let accounts = ga4(&server).accounts(&token()).await.unwrap();
    let choice = |account: &str, property: &str, name: &str| AccountChoice {
        account: PlatformAccount::GoogleAnalytics { account_id: account.into(), property_id: property.into() },
        name: name.into(),
        currency: None,
    };
    assert_eq!(
        accounts,
        vec![
            choice("111222333", "345678901", "Acme Corp / acme.example - GA4"),
            choice("111222333", "345678902", "Acme Corp / Acme Staging"),
            choice("444555666", "456789012", "Acme EU / acme.eu"),
        ]
    );
}

async fn mount_ga4_reports(server: &MockServer) {
    let reports: [(&'static [&'static str], &'static str, &str); 6] = [
        (&["date"], "0", "ga4-report-days.json"),
        (&["date", "sessionSourceMedium"], "0", "ga4-report-sources-page1.json"),
        (&["date", "sessionSourceMedium"], "3", "ga4-report-sources-page2.json"),
        (&["date", "deviceCategory"], "0", "ga4-report-devices.json"),
        (&["date", "pagePath"], "0", "ga4-report-pages.json"),
        (&[], "0", "ga4-report-window-users.json"),
    ];
    for (dimensions, offset, file) in reports {
        Mock::given(method("POST"))
            .and(path(RUN_REPORT))
            .and(header("authorization", "Bearer ya29.a0AcM612xFakeAcmeAccessTokenForFixturesOnly"))
            .and(report(dimensions, offset))
            .respond_with(json(200, file))
            .expect(1)
            .mount(server)
            .await;
    }
}

#[tokio::test]
async fn ga4_fetch_reads_days_breakdowns_and_window_users() {
    let server = MockServer::start().await;
    mount_ga4_reports(&server).await;
    let september = DateRange::new(d("2026-09-01"), d("2026-09-30")).unwrap();

    let fetched = ga4(&server).fetch(&property(), &token(), october(), &[october(), september]).await.unwrap();

    let ranked = |entries: &[(&str, u64)]| {
        entries.iter().map(|(name, count)| RankedCount { name: (*name).into(), count: *count }).collect::<Vec<_>>()
    };
    let first = SiteDay {
        sessions: 1000,
        users: 800,
        new_users: 300,
        pageviews: 2500,
        engaged_sessions: 640,
        bounces: 360,
        session_duration_secs: 150_500.0,
        top_sources: ranked(&[("google / organic", 500), ("(direct) / (none)", 300)]),
        devices: ranked(&[("desktop", 600), ("mobile", 400)]),
        top_pages: ranked(&[("/", 1200)]),
    };
    let second = SiteDay {
        sessions: 1200,
        users: 950,
        new_users: 350,
        pageviews: 3000,
        engaged_sessions: 780,
        bounces: 420,
        session_duration_secs: 144_300.0,
        top_sources: ranked(&[("google / organic", 600), ("google / cpc", 400)]),
        devices: ranked(&[("mobile", 700), ("desktop", 500)]),
        top_pages: ranked(&[("/pricing", 1500)]),
    };
    assert_eq!(
        fetched.days,
        vec![(d("2026-10-01"), DayFigures::Site(first)), (d("2026-10-02"), DayFigures::Site(second))]
    );
    assert_eq!(fetched.window_users, vec![(october(), 1500), (september, 21_000)]);

    // The window report named its ranges and asked for the users only.
    let requests = server.received_requests().await.unwrap();
    let windows: Value =
        requests.iter().filter_map(|r| r.body_json::<Value>().ok()).find(|b| b.get("dimensions").is_none()).unwrap();
    assert_eq!(windows["dateRanges"][1]["startDate"], "2026-09-01");
    assert_eq!(windows["dateRanges"][1]["name"], "window_1");
    assert_eq!(windows["metrics"][0]["name"], "totalUsers");
    let days: Value = requests[0].body_json().unwrap();
    assert_eq!(days["dateRanges"][0]["startDate"], "2026-10-01");
    assert_eq!(days["dateRanges"][0]["endDate"], "2026-10-03");
}

#[tokio::test]
async fn ga4_keeps_the_top_20_of_a_day_and_stops_when_every_day_is_full() {
    let server = MockServer::start().await;
    let days = fixture("ga4-report-days.json");
    let mut one_day: Value = serde_json::from_str(&days).unwrap();
    one_day["rows"].as_array_mut().unwrap().truncate(1);
    one_day["rowCount"] = 1.into();
    Mock::given(method("POST"))
        .and(path(RUN_REPORT))
        .and(report(&["date"], "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(one_day))
        .mount(&server)
        .await;
    let mut sources: Value = serde_json::from_str(&fixture("ga4-report-sources-page1.json")).unwrap();
    sources["rows"] = (0..25_u64)
        .map(|i| {
            serde_json::json!({
                "dimensionValues": [{"value": "20261001"}, {"value": format!("site{i} / referral")}],
                "metricValues": [{"value": (1000 - i).to_string()}],
            })
        })
        .collect();
    sources["rowCount"] = 60_000.into();
    Mock::given(method("POST"))
        .and(path(RUN_REPORT))
        .and(report(&["date", "sessionSourceMedium"], "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sources))
        .expect(1)
        .mount(&server)
        .await;
    for dimensions in [&["date", "deviceCategory"][..], &["date", "pagePath"][..]] {
        Mock::given(method("POST"))
            .and(path(RUN_REPORT))
            .and(report(dimensions, "0"))
            .respond_with(json(200, "ga4-runreport-response-empty.json"))
            .expect(1)
            .mount(&server)
            .await;
    }

    let fetched = ga4(&server).fetch(&property(), &token(), october(), &[]).await.unwrap();

    let [(date, DayFigures::Site(site))] = fetched.days.as_slice() else { panic!("{fetched:?}") };
    assert_eq!(*date, d("2026-10-01"));
    assert_eq!(site.top_sources.len(), SiteDay::TOP);
    assert_eq!(site.top_sources[0], RankedCount { name: "site0 / referral".into(), count: 1000 });
    assert_eq!(site.top_sources[19].count, 981);
    assert!(site.devices.is_empty() && site.top_pages.is_empty());
    // No second page of sources was asked for (the mock of offset 0 expects one call, no other matches).
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn ga4_an_empty_report_is_no_days() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(RUN_REPORT))
        .respond_with(json(200, "ga4-runreport-response-empty.json"))
        .expect(1)
        .mount(&server)
        .await;
    let fetched = ga4(&server).fetch(&property(), &token(), october(), &[]).await.unwrap();
    assert!(fetched.days.is_empty() && fetched.window_users.is_empty(), "{fetched:?}");
}

#[tokio::test]
async fn ga4_an_expired_token_is_unauthorized() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(RUN_REPORT))
        .respond_with(json(401, "ga4-error-401-unauthenticated.json"))
        .expect(1)
        .mount(&server)
        .await;
    let err = ga4(&server).fetch(&property(), &token(), october(), &[]).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Unauthorized), "{err:?}");
}

#[tokio::test]
async fn ga4_a_short_quota_error_is_retried_then_succeeds() {
    let server = MockServer::start().await;
    let concurrent =
        r#"{"error":{"code":429,"message":"Exhausted concurrent requests quota.","status":"RESOURCE_EXHAUSTED"}}"#;
    Mock::given(method("POST"))
        .and(path(RUN_REPORT))
        .respond_with(ResponseTemplate::new(429).set_body_raw(concurrent, "application/json"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(RUN_REPORT))
        .respond_with(json(200, "ga4-runreport-response-empty.json"))
        .expect(1)
        .mount(&server)
        .await;
    let fetched = ga4(&server).fetch(&property(), &token(), october(), &[]).await.unwrap();
    assert!(fetched.days.is_empty());
}

#[tokio::test]
async fn ga4_an_hourly_quota_is_rate_limited_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(RUN_REPORT))
        .respond_with(json(429, "ga4-error-429-resource-exhausted.json"))
        .expect(1)
        .mount(&server)
        .await;
    let err = ga4(&server).fetch(&property(), &token(), october(), &[]).await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(3600)),
        "{err:?}"
    );
}

#[tokio::test]
async fn ga4_an_unreadable_number_is_an_invalid_response() {
    let server = MockServer::start().await;
    let body = fixture("ga4-report-days.json").replace("\"2500\"", "\"2,500\"");
    Mock::given(method("POST"))
        .and(path(RUN_REPORT))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    let err = ga4(&server).fetch(&property(), &token(), october(), &[]).await.unwrap_err();
    assert!(matches!(&err, ConnectorError::InvalidResponse(m) if m.contains("screenPageViews")), "{err:?}");
}

#[tokio::test]
async fn ga4_a_malformed_body_is_an_invalid_response() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(RUN_REPORT))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{\"rows\": [", "application/json"))
        .mount(&server)
        .await;
    let err = ga4(&server).fetch(&property(), &token(), october(), &[]).await.unwrap_err();
    assert!(matches!(err, ConnectorError::InvalidResponse(_)), "{err:?}");
}

#[tokio::test]
async fn ga4_a_property_the_account_cannot_read_is_refused() {
    let server = MockServer::start().await;
    let denied = r#"{"error":{"code":403,"message":"User does not have sufficient permissions for this property.","status":"PERMISSION_DENIED"}}"#;
    Mock::given(method("POST"))
        .and(path(RUN_REPORT))
        .respond_with(ResponseTemplate::new(403).set_body_raw(denied, "application/json"))
        .mount(&server)
        .await;
    let err = ga4(&server).fetch(&property(), &token(), october(), &[]).await.unwrap_err();
    let ConnectorError::Refused(message) = err else { panic!("{err:?}") };
    assert!(message.contains("cannot read property 345678901"), "{message}");
}

#[tokio::test]
async fn ga4_a_property_id_that_is_not_a_number_never_reaches_a_url() {
    let server = MockServer::start().await;
    let account = PlatformAccount::GoogleAnalytics { account_id: "1".into(), property_id: "1/../../x".into() };
    let err = ga4(&server).fetch(&account, &token(), october(), &[]).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Refused(_)), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

// ----- Google Ads -----------------------------------------------------------------------------

const BRAND: (&str, &str) = ("21045678901", "Acme - Brand Search - US");
const GENERIC: (&str, &str) = ("21045678902", "Acme - Generic Search - Analytics Software");
const PMAX: (&str, &str) = ("21045678903", "Acme - PMax - Q4 Holiday");

/// A campaign's day: id, name, status, spend, clicks, impressions, conversions, conversion value.
type Row = (&'static str, &'static str, CampaignStatus, f64, u64, u64, f64, f64);

fn acme_day(date: &str, rows: [Row; 3]) -> (NaiveDate, DayFigures) {
    let campaigns = rows
        .into_iter()
        .map(|(id, name, status, spend, clicks, impressions, conversions, value)| CampaignDay {
            campaign_id: id.into(),
            name: name.into(),
            status,
            spend,
            impressions,
            clicks,
            conversions: Some(conversions),
            conversion_value: Some(value),
            leads: None,
        })
        .collect();
    (d(date), DayFigures::Ads(AdDay { currency: Currency::USD, campaigns }))
}

#[tokio::test]
async fn ads_fetch_groups_campaign_rows_by_day_with_the_configured_headers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SEARCH_STREAM))
        .and(header("authorization", "Bearer ya29.a0AcM612xFakeAcmeAccessTokenForFixturesOnly"))
        .and(header("developer-token", "AbCdEfGhIjKlMnOpQrStUv"))
        .and(header("login-customer-id", "9876543210"))
        .and(body_string_contains(
            "campaign.status, segments.date, metrics.cost_micros, metrics.clicks, metrics.impressions, \
             metrics.conversions, metrics.conversions_value FROM campaign WHERE segments.date BETWEEN '2026-10-01' \
             AND '2026-10-03'",
        ))
        .and(body_string_contains("customer.currency_code"))
        .respond_with(json(200, "google-ads-searchstream-response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let mut config = ads_config(&server);
    config.developer_token = Some(SecretString::from("AbCdEfGhIjKlMnOpQrStUv"));
    config.login_customer_id = Some("987-654-3210".into());
    let connector = GoogleAdsConnector::new(config, http()).unwrap();

    let fetched = connector.fetch(&customer(), &token(), october(), &[october()]).await.unwrap();

    let expected = vec![
        acme_day(
            "2026-10-01",
            [
                (BRAND.0, BRAND.1, Active, 212.34, 498, 3120, 41.0, 120.0),
                (GENERIC.0, GENERIC.1, Active, 1387.55, 612, 18_764, 23.5, 85.5),
                (PMAX.0, PMAX.1, Active, 1954.21, 1187, 95_411, 58.73, 240.25),
            ],
        ),
        acme_day(
            "2026-10-02",
            [
                (BRAND.0, BRAND.1, Active, 224.87, 527, 3311, 44.0, 120.0),
                (GENERIC.0, GENERIC.1, Active, 1298.03, 574, 17_902, 19.0, 85.5),
                (PMAX.0, PMAX.1, Active, 2011.48, 1243, 102_876, 61.2, 240.25),
            ],
        ),
        acme_day(
            "2026-10-03",
            [
                (BRAND.0, BRAND.1, Active, 198.11, 455, 2987, 37.0, 120.0),
                (GENERIC.0, GENERIC.1, Active, 1212.66, 531, 16_455, 0.0, 0.0),
                (PMAX.0, PMAX.1, Paused, 1876.54, 1098, 88_120, 52.91, 240.25),
            ],
        ),
    ];
    assert_eq!(fetched.days, expected);
    assert!(fetched.window_users.is_empty());
}

#[tokio::test]
async fn ads_sends_no_developer_token_or_login_customer_when_none_is_configured() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SEARCH_STREAM))
        .and(lacks("developer-token"))
        .and(lacks("login-customer-id"))
        .respond_with(json(200, "google-ads-searchstream-response-empty.json"))
        .expect(1)
        .mount(&server)
        .await;
    let fetched = ads(&server).fetch(&customer(), &token(), october(), &[]).await.unwrap();
    assert!(fetched.days.is_empty(), "a stream without results has no days");
}

#[tokio::test]
async fn ads_accounts_name_each_customer_and_fall_back_to_its_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v26/customers:listAccessibleCustomers"))
        .and(header("authorization", "Bearer ya29.a0AcM612xFakeAcmeAccessTokenForFixturesOnly"))
        .and(header("developer-token", "AbCdEfGhIjKlMnOpQrStUv"))
        .respond_with(json(200, "google-ads-list-accessible-customers.json"))
        .expect(1)
        .mount(&server)
        .await;
    let metadata = "FROM customer LIMIT 1";
    // Each customer is read directly, without the manager in between.
    Mock::given(method("POST"))
        .and(path(SEARCH_STREAM))
        .and(body_string_contains(metadata))
        .and(lacks("login-customer-id"))
        .respond_with(json(200, "google-ads-customer-1234567890.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v26/customers/9876543210/googleAds:searchStream"))
        .and(body_string_contains(metadata))
        .respond_with(json(200, "google-ads-customer-9876543210.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v26/customers/1112223334/googleAds:searchStream"))
        .respond_with(json(403, "google-ads-error-403-permission.json"))
        .expect(1)
        .mount(&server)
        .await;
    // The configured manager's clients are listed too.
    let clients = r#"[{"results":[{"customerClient":{"resourceName":"customers/9876543210/customerClients/5556667778",
        "id":"5556667778","descriptiveName":"Acme Retail EU","currencyCode":"EUR","manager":false}}],
        "fieldMask":"customerClient.id,customerClient.descriptiveName,customerClient.currencyCode,customerClient.manager"}]"#;
    Mock::given(method("POST"))
        .and(path("/v26/customers/9876543210/googleAds:searchStream"))
        .and(body_string_contains("FROM customer_client"))
        .and(header("login-customer-id", "9876543210"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(clients, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let mut config = ads_config(&server);
    config.developer_token = Some(SecretString::from("AbCdEfGhIjKlMnOpQrStUv"));
    config.login_customer_id = Some("9876543210".into());
    let connector = GoogleAdsConnector::new(config, http()).unwrap();

    let accounts = connector.accounts(&token()).await.unwrap();

    let choice = |id: &str, name: &str, currency: Option<Currency>| AccountChoice {
        account: PlatformAccount::GoogleAds { customer_id: id.into() },
        name: name.into(),
        currency,
    };
    assert_eq!(
        accounts,
        vec![
            choice("1234567890", "Acme Corp", Some(Currency::USD)),
            choice("1112223334", "111-222-3334", None),
            choice("5556667778", "Acme Retail EU", Some(Currency::EUR)),
        ]
    );
}

#[tokio::test]
async fn ads_reads_the_currency_apart_when_the_rows_lack_it() {
    let server = MockServer::start().await;
    let mut rows: Value = serde_json::from_str(&fixture("google-ads-searchstream-response.json")).unwrap();
    for batch in rows.as_array_mut().unwrap() {
        for row in batch["results"].as_array_mut().unwrap() {
            row.as_object_mut().unwrap().remove("customer");
        }
    }
    Mock::given(method("POST"))
        .and(path(SEARCH_STREAM))
        .and(body_string_contains("FROM campaign"))
        .respond_with(ResponseTemplate::new(200).set_body_json(rows))
        .expect(1)
        .mount(&server)
        .await;
    let currency = r#"[{"results":[{"customer":{"resourceName":"customers/1234567890","currencyCode":"EUR"}}]}]"#;
    Mock::given(method("POST"))
        .and(path(SEARCH_STREAM))
        .and(body_string_contains("SELECT customer.currency_code FROM customer"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(currency, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let fetched = ads(&server).fetch(&customer(), &token(), october(), &[]).await.unwrap();
    assert_eq!(fetched.days.len(), 3);
    assert!(fetched.days.iter().all(|(_, day)| matches!(day, DayFigures::Ads(ad) if ad.currency == Currency::EUR)));
}

#[tokio::test]
async fn ads_an_expired_token_is_unauthorized() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SEARCH_STREAM))
        .respond_with(json(401, "google-ads-error-401-authentication.json"))
        .expect(1)
        .mount(&server)
        .await;
    let err = ads(&server).fetch(&customer(), &token(), october(), &[]).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Unauthorized), "{err:?}");
}

#[tokio::test]
async fn ads_a_quota_error_is_retried_after_its_delay_then_succeeds() {
    let server = MockServer::start().await;
    let short = fixture("google-ads-error-429-quota.json").replace("\"40591s\"", "\"0.01s\"");
    Mock::given(method("POST"))
        .and(path(SEARCH_STREAM))
        .respond_with(ResponseTemplate::new(429).set_body_raw(short, "application/json"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(SEARCH_STREAM))
        .respond_with(json(200, "google-ads-searchstream-response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let fetched = ads(&server).fetch(&customer(), &token(), october(), &[]).await.unwrap();
    assert_eq!(fetched.days.len(), 3);
}

#[tokio::test]
async fn ads_a_long_quota_delay_is_rate_limited_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SEARCH_STREAM))
        .respond_with(json(429, "google-ads-error-429-quota.json"))
        .expect(1)
        .mount(&server)
        .await;
    let err = ads(&server).fetch(&customer(), &token(), october(), &[]).await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(40_591)),
        "{err:?}"
    );
}

#[tokio::test]
async fn ads_a_retired_version_names_its_variable() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SEARCH_STREAM))
        .respond_with(ResponseTemplate::new(404).set_body_raw("<html>Not Found</html>", "text/html"))
        .mount(&server)
        .await;
    let err = ads(&server).fetch(&customer(), &token(), october(), &[]).await.unwrap_err();
    let ConnectorError::VersionRetired(message) = err else { panic!("{err:?}") };
    assert!(message.contains("GOOGLE_ADS_API_VERSION") && message.contains("v26"), "{message}");
}

#[tokio::test]
async fn ads_a_customer_the_account_cannot_read_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SEARCH_STREAM))
        .respond_with(json(403, "google-ads-error-403-permission.json"))
        .mount(&server)
        .await;
    let err = ads(&server).fetch(&customer(), &token(), october(), &[]).await.unwrap_err();
    let ConnectorError::Refused(message) = err else { panic!("{err:?}") };
    assert!(message.contains("1234567890") && message.contains("GOOGLE_ADS_LOGIN_CUSTOMER_ID"), "{message}");
}

#[tokio::test]
async fn ads_a_malformed_body_is_an_invalid_response() {
    let server = MockServer::start().await;
    let bad_number = fixture("google-ads-searchstream-response.json").replace("\"498\"", "\"4 98\"");
    Mock::given(method("POST"))
        .and(path(SEARCH_STREAM))
        .respond_with(ResponseTemplate::new(200).set_body_raw(bad_number, "application/json"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(SEARCH_STREAM))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>oops</html>", "text/html"))
        .mount(&server)
        .await;
    let connector = ads(&server);
    for _ in 0..2 {
        let err = connector.fetch(&customer(), &token(), october(), &[]).await.unwrap_err();
        assert!(matches!(err, ConnectorError::InvalidResponse(_)), "{err:?}");
    }
}

#[tokio::test]
async fn ads_a_stream_that_fails_midway_is_an_error() {
    let server = MockServer::start().await;
    let body = r#"[{"results":[],"fieldMask":"campaign.id"},
        {"error":{"code":500,"message":"Internal error encountered.","status":"INTERNAL"}}]"#;
    Mock::given(method("POST"))
        .and(path(SEARCH_STREAM))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    let err = ads(&server).fetch(&customer(), &token(), october(), &[]).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Unavailable(_)), "{err:?}");
}
