//! The Meta Ads connector against a mock Graph API.

use std::num::NonZeroU32;
use std::time::Duration;

use adapters_platforms::meta::{LONG_LIVED_TOKEN_LIFETIME, MetaConfig, MetaConnector};
use adapters_platforms::{ConfigError, HttpClient, HttpSettings, Paces, RetryPolicy};
use chrono::NaiveDate;
use domain::daily::{AdDay, CampaignDay, CampaignStatus, Currency, DayFigures};
use domain::dates::DateRange;
use domain::platform::PlatformAccount;
use domain::ports::{ConnectorError, PlatformConnector};
use secrecy::{ExposeSecret, SecretString};
use url::Url;
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const APP_ID: &str = "1122334455667788";
const APP_SECRET: &str = "fakeacmeappsecret";
const SHORT_TOKEN: &str = "EAAGm0PX4ZCpsBAShortLivedFakeAcmeToken";
const TOKEN: &str = "EAAGm0PX4ZCpsBALongLivedFakeAcmeToken";
/// HMAC-SHA256 of [`TOKEN`] under [`APP_SECRET`], in hex.
const PROOF: &str = "50979e81dcc419cf56221f35355d8b930087c84ad325df57e443b2f70878b224";
const ACCOUNT: &str = "act_1029384756";
const REDIRECT: &str = "https://app.acme.example/oauth/meta/callback";

fn fixture(name: &str, server: &MockServer) -> String {
    let path = format!("{}/tests/fixtures/meta/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")).replace("{{GRAPH}}", &server.uri())
}

fn json(name: &str, server: &MockServer) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture(name, server), "application/json")
}

fn graph_error(status: u16, name: &str, server: &MockServer) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(fixture(name, server), "application/json")
}

fn settings() -> HttpSettings {
    HttpSettings {
        retry: RetryPolicy {
            max_retries: 2,
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(50),
            max_total: Duration::from_secs(1),
        },
        paces: Paces::uniform(NonZeroU32::new(1000).unwrap()),
        ..HttpSettings::default()
    }
}

fn connector(server: &MockServer) -> MetaConnector {
    let mut config = MetaConfig::new(APP_ID, SecretString::from(APP_SECRET));
    config.graph_url = server.uri();
    config.auth_url = format!("{}/v27.0/dialog/oauth", server.uri());
    MetaConnector::new(config, HttpClient::new(&settings()).unwrap()).unwrap()
}

fn token() -> SecretString {
    SecretString::from(TOKEN)
}

fn october(first: u32, last: u32) -> DateRange {
    DateRange::new(NaiveDate::from_ymd_opt(2026, 10, first).unwrap(), NaiveDate::from_ymd_opt(2026, 10, last).unwrap())
        .unwrap()
}

fn account() -> PlatformAccount {
    PlatformAccount::MetaAds { ad_account_id: ACCOUNT.into() }
}

/// The request carries no `access_token` in its query (the token goes in the header).
fn no_token_in_query(request: &Request) -> bool {
    !request.url.query_pairs().any(|(k, _)| k == "access_token")
}

#[tokio::test]
async fn the_consent_url_asks_for_ads_read_with_a_state() {
    let server = MockServer::start().await;
    let auth = connector(&server).authorize(REDIRECT).unwrap();
    let url = Url::parse(&auth.url).unwrap();
    assert_eq!(url.path(), "/v27.0/dialog/oauth");
    let param = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    assert_eq!(param("client_id").as_deref(), Some(APP_ID));
    assert_eq!(param("redirect_uri").as_deref(), Some(REDIRECT));
    assert_eq!(param("response_type").as_deref(), Some("code"));
    assert_eq!(param("scope").as_deref(), Some("ads_read business_management"));
    assert_eq!(param("state").as_deref(), Some(auth.state.as_str()));
    assert!(auth.state.len() >= 16);
    assert!(auth.pkce_verifier.is_none() && param("code_challenge").is_none());
}

#[tokio::test]
async fn the_default_urls_are_metas() {
    let config = MetaConfig::new(APP_ID, SecretString::from(APP_SECRET));
    assert_eq!(config.auth_url, "https://www.facebook.com/v27.0/dialog/oauth");
    assert_eq!(config.graph_url, "https://graph.facebook.com");
    assert_eq!(config.graph_version, "v27.0");
    let shown = format!("{config:?}");
    assert!(!shown.contains(APP_SECRET), "{shown}");
    let meta = MetaConnector::new(config, HttpClient::new(&settings()).unwrap()).unwrap();
    assert!(!format!("{meta:?}").contains(APP_SECRET));
}

#[tokio::test]
async fn a_bad_configuration_names_its_variable() {
    let http = HttpClient::new(&settings()).unwrap();
    let build = |change: fn(&mut MetaConfig)| {
        let mut config = MetaConfig::new(APP_ID, SecretString::from(APP_SECRET));
        change(&mut config);
        MetaConnector::new(config, http.clone()).unwrap_err()
    };
    let named = |err: ConfigError| match err {
        ConfigError::Invalid { variable, .. } | ConfigError::InvalidUrl { variable, .. } => variable,
        ConfigError::HttpClient(_) => "",
    };
    assert_eq!(named(build(|c| c.app_id = " ".into())), "META_APP_ID");
    assert_eq!(named(build(|c| c.auth_url = "not a url".into())), "META_AUTH_URL");
    assert_eq!(named(build(|c| c.graph_url = "ftp://graph.facebook.com".into())), "META_GRAPH_URL");
    assert_eq!(named(build(|c| c.graph_version = "27".into())), "META_GRAPH_VERSION");
    assert!(build(|c| c.graph_version = "27".into()).to_string().contains("v27.0"));
}

#[tokio::test]
async fn the_code_is_swapped_for_a_long_lived_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v27.0/oauth/access_token"))
        .and(query_param("client_id", APP_ID))
        .and(query_param("client_secret", APP_SECRET))
        .and(query_param("redirect_uri", REDIRECT))
        .and(query_param("code", "AQBfakeAcmeCode"))
        .respond_with(json("oauth-access-token-code-response.json", &server))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v27.0/oauth/access_token"))
        .and(query_param("grant_type", "fb_exchange_token"))
        .and(query_param("client_id", APP_ID))
        .and(query_param("client_secret", APP_SECRET))
        .and(query_param("fb_exchange_token", SHORT_TOKEN))
        .respond_with(json("oauth-fb-exchange-token-response.json", &server))
        .expect(1)
        .mount(&server)
        .await;
    let grant = connector(&server).exchange(&SecretString::from("AQBfakeAcmeCode"), None, REDIRECT).await.unwrap();
    assert_eq!(grant.access_token.expose_secret(), TOKEN);
    assert_eq!(grant.expires_in, Some(Duration::from_secs(5_183_976)));
    assert!(grant.refresh_token.is_none() && grant.refresh_expires_in.is_none());
}

#[tokio::test]
async fn a_long_lived_token_without_an_expiry_lasts_sixty_days() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v27.0/oauth/access_token"))
        .and(query_param("code", "AQBfakeAcmeCode"))
        .respond_with(json("oauth-access-token-code-response.json", &server))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v27.0/oauth/access_token"))
        .and(query_param("grant_type", "fb_exchange_token"))
        .respond_with(json("oauth-fb-exchange-token-response-no-expiry.json", &server))
        .mount(&server)
        .await;
    let grant = connector(&server).exchange(&SecretString::from("AQBfakeAcmeCode"), None, REDIRECT).await.unwrap();
    assert_eq!(grant.expires_in, Some(LONG_LIVED_TOKEN_LIFETIME));
    assert_eq!(LONG_LIVED_TOKEN_LIFETIME, Duration::from_secs(60 * 86_400));
}

#[tokio::test]
async fn an_expired_code_asks_to_connect_again() {
    let server = MockServer::start().await;
    Mock::given(path("/v27.0/oauth/access_token"))
        .respond_with(graph_error(400, "oauth-error-code-expired.json", &server))
        .expect(1)
        .mount(&server)
        .await;
    let err = connector(&server).exchange(&SecretString::from("AQBold"), None, REDIRECT).await.unwrap_err();
    assert!(matches!(&err, ConnectorError::Revoked(m) if m.contains("again")), "{err:?}");
}

#[tokio::test]
async fn tokens_cannot_be_refreshed() {
    let server = MockServer::start().await;
    let err = connector(&server).refresh(&SecretString::from("none")).await.unwrap_err();
    assert!(matches!(&err, ConnectorError::Revoked(m) if m.contains("reconnect")), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_ad_accounts_are_listed_across_pages() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v27.0/me/adaccounts"))
        .and(query_param("fields", "account_id,name,currency,account_status"))
        .and(query_param("limit", "100"))
        .and(query_param_is_missing("after"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(query_param("appsecret_proof", PROOF))
        .respond_with(json("adaccounts-page1.json", &server))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v27.0/me/adaccounts"))
        .and(query_param("after", "QVFIUjJi"))
        .and(query_param("appsecret_proof", PROOF))
        .and(no_token_in_query)
        .respond_with(json("adaccounts-page2.json", &server))
        .expect(1)
        .mount(&server)
        .await;
    let accounts = connector(&server).accounts(&token()).await.unwrap();
    let seen: Vec<_> = accounts
        .iter()
        .map(|a| (a.account.choice_id().to_owned(), a.name.as_str(), a.currency.map(|c| c.to_string())))
        .collect();
    assert_eq!(
        seen,
        [
            ("act_1029384756".to_owned(), "Acme Corp - US", Some("USD".to_owned())),
            ("act_1029384757".to_owned(), "Acme Corp - EU", Some("EUR".to_owned())),
            ("act_1029384758".to_owned(), "Acme Corp - Archive", Some("GBP".to_owned())),
        ]
    );
    assert!(matches!(&accounts[0].account, PlatformAccount::MetaAds { ad_account_id } if ad_account_id == ACCOUNT));
}

async fn mount_insights(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(format!("/v27.0/{ACCOUNT}/insights")))
        .and(query_param("level", "campaign"))
        .and(query_param("time_increment", "1"))
        .and(query_param("time_range", r#"{"since":"2026-10-01","until":"2026-10-02"}"#))
        .and(query_param(
            "fields",
            "campaign_id,campaign_name,spend,impressions,clicks,actions,action_values,purchase_roas,account_currency",
        ))
        .and(query_param("limit", "500"))
        .and(query_param_is_missing("after"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(query_param("appsecret_proof", PROOF))
        .respond_with(json("insights-daily-page1.json", server))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v27.0/{ACCOUNT}/insights")))
        .and(query_param("after", "MgZDZD"))
        .and(query_param("time_increment", "1"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(query_param("appsecret_proof", PROOF))
        .and(no_token_in_query)
        .respond_with(json("insights-daily-page2.json", server))
        .expect(1)
        .mount(server)
        .await;
}

async fn mount_campaigns(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(format!("/v27.0/{ACCOUNT}/campaigns")))
        .and(query_param("fields", "id,effective_status"))
        .respond_with(json("campaigns.json", server))
        .mount(server)
        .await;
}

#[allow(clippy::too_many_arguments)]
fn campaign(
    id: &str,
    name: &str,
    status: CampaignStatus,
    spend: f64,
    impressions: u64,
    clicks: u64,
    conversions: Option<f64>,
    conversion_value: Option<f64>,
) -> CampaignDay {
    CampaignDay {
        campaign_id: id.into(),
        name: name.into(),
        status,
        spend,
        impressions,
        clicks,
        conversions,
        conversion_value,
        leads: None,
    }
}

#[tokio::test]
async fn insights_become_days_across_pages() {
    const P: &str = "Acme | Prospecting | Q4 Holiday";
    const R: &str = "Acme | Retargeting | Cart Abandoners";
    const B: &str = "Acme | Brand Awareness | Video";
    let server = MockServer::start().await;
    mount_insights(&server).await;
    mount_campaigns(&server).await;
    let fetched = connector(&server).fetch(&account(), &token(), october(1, 2), &[]).await.unwrap();
    let (active, paused, ended) = (CampaignStatus::Active, CampaignStatus::Paused, CampaignStatus::Ended);
    let day = |campaigns| DayFigures::Ads(AdDay { currency: Currency::USD, campaigns });
    assert_eq!(
        fetched.days,
        vec![
            (
                NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
                day(vec![
                    campaign("120210000000000101", P, active, 220.71, 29_430, 458, Some(7.0), Some(770.05)),
                    campaign("120210000000000102", R, paused, 71.47, 6077, 166, Some(6.0), Some(598.2)),
                    campaign("120210000000000104", B, ended, 111.29, 38_867, 75, None, None),
                ])
            ),
            (
                NaiveDate::from_ymd_opt(2026, 10, 2).unwrap(),
                day(vec![
                    campaign("120210000000000101", P, active, 230.1, 30_112, 470, Some(8.0), Some(801.36)),
                    // No purchases that day: zero, since the campaign reports purchases.
                    campaign("120210000000000102", R, paused, 70.12, 6001, 160, Some(0.0), Some(0.0)),
                ])
            ),
        ]
    );
    assert!(fetched.window_users.is_empty());
}

#[tokio::test]
async fn a_next_page_on_another_host_is_not_followed() {
    let server = MockServer::start().await;
    let page = fixture("insights-daily-page1.json", &server).replace(&server.uri(), "https://evil.example");
    Mock::given(path(format!("/v27.0/{ACCOUNT}/insights")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(page, "application/json"))
        .mount(&server)
        .await;
    let err = connector(&server).fetch(&account(), &token(), october(1, 2), &[]).await.unwrap_err();
    assert!(matches!(err, ConnectorError::InvalidResponse(_)), "{err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_expired_token_is_revoked() {
    let server = MockServer::start().await;
    Mock::given(path(format!("/v27.0/{ACCOUNT}/insights")))
        .respond_with(graph_error(400, "error-190-expired-token.json", &server))
        .expect(1)
        .mount(&server)
        .await;
    let err = connector(&server).fetch(&account(), &token(), october(1, 2), &[]).await.unwrap_err();
    assert!(matches!(&err, ConnectorError::Revoked(m) if m.contains("expired") && m.contains("reconnect")), "{err:?}");
}

#[tokio::test]
async fn throttling_is_retried_until_it_passes() {
    let server = MockServer::start().await;
    Mock::given(path(format!("/v27.0/{ACCOUNT}/insights")))
        .respond_with(graph_error(400, "error-17-user-request-limit.json", &server))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    mount_insights(&server).await;
    mount_campaigns(&server).await;
    let fetched = connector(&server).fetch(&account(), &token(), october(1, 2), &[]).await.unwrap();
    assert_eq!(fetched.days.len(), 2);
}

#[tokio::test]
async fn a_long_throttle_ends_as_rate_limited_with_metas_hint() {
    let server = MockServer::start().await;
    let usage = r#"{"1029384756":[{"type":"ads_insights","call_count":100,"total_cputime":34,"total_time":41,"estimated_time_to_regain_access":19,"ads_api_access_tier":"standard_access"}]}"#;
    Mock::given(path(format!("/v27.0/{ACCOUNT}/insights")))
        .respond_with(
            graph_error(400, "error-80004-ad-account-rate-limit.json", &server)
                .insert_header("x-business-use-case-usage", usage),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = connector(&server).fetch(&account(), &token(), october(1, 2), &[]).await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(19 * 60)),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_throttle_that_does_not_pass_is_rate_limited() {
    let server = MockServer::start().await;
    Mock::given(path(format!("/v27.0/{ACCOUNT}/insights")))
        .respond_with(graph_error(400, "error-17-user-request-limit.json", &server))
        .expect(3)
        .mount(&server)
        .await;
    let err = connector(&server).fetch(&account(), &token(), october(1, 2), &[]).await.unwrap_err();
    assert!(matches!(err, ConnectorError::RateLimited { .. }), "{err:?}");
}

#[tokio::test]
async fn a_deprecated_version_names_the_variable() {
    let server = MockServer::start().await;
    Mock::given(path(format!("/v27.0/{ACCOUNT}/insights")))
        .respond_with(graph_error(400, "error-2635-deprecated-version.json", &server))
        .mount(&server)
        .await;
    let err = connector(&server).fetch(&account(), &token(), october(1, 2), &[]).await.unwrap_err();
    assert!(matches!(&err, ConnectorError::VersionRetired(m) if m.contains("META_GRAPH_VERSION")), "{err:?}");
}

#[tokio::test]
async fn a_malformed_answer_is_invalid() {
    let server = MockServer::start().await;
    Mock::given(path(format!("/v27.0/{ACCOUNT}/insights")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(r#"{"data": [{"spend": "12"}]}"#, "application/json"))
        .mount(&server)
        .await;
    let err = connector(&server).fetch(&account(), &token(), october(1, 2), &[]).await.unwrap_err();
    assert!(matches!(err, ConnectorError::InvalidResponse(_)), "{err:?}");
    Mock::given(path("/v27.0/me/adaccounts"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>oops</html>", "text/html"))
        .mount(&server)
        .await;
    let err = connector(&server).accounts(&token()).await.unwrap_err();
    assert!(matches!(err, ConnectorError::InvalidResponse(_)), "{err:?}");
}

#[tokio::test]
async fn a_server_error_is_unavailable() {
    let server = MockServer::start().await;
    Mock::given(path(format!("/v27.0/{ACCOUNT}/insights")))
        .respond_with(ResponseTemplate::new(503).set_body_string("Service Unavailable"))
        .expect(3)
        .mount(&server)
        .await;
    let err = connector(&server).fetch(&account(), &token(), october(1, 2), &[]).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn an_account_id_that_is_not_act_digits_is_never_sent() {
    let server = MockServer::start().await;
    let connector = connector(&server);
    for bad in ["1029384756", "act_1/../../me", "act_1?fields=x"] {
        let account = PlatformAccount::MetaAds { ad_account_id: bad.into() };
        let err = connector.fetch(&account, &token(), october(1, 2), &[]).await.unwrap_err();
        assert!(matches!(err, ConnectorError::Refused(_)), "{bad}: {err:?}");
    }
    let other = PlatformAccount::LinkedinAds { account_id: "1".into() };
    assert!(matches!(connector.fetch(&other, &token(), october(1, 2), &[]).await, Err(ConnectorError::Refused(_))));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn no_insights_is_no_days() {
    let server = MockServer::start().await;
    Mock::given(path(format!("/v27.0/{ACCOUNT}/insights")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(r#"{"data": []}"#, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let fetched = connector(&server).fetch(&account(), &token(), october(1, 2), &[]).await.unwrap();
    assert!(fetched.days.is_empty());
}

#[tokio::test]
async fn an_unreadable_token_answer_quotes_no_secret() {
    let server = MockServer::start().await;
    Mock::given(path("/v27.0/oauth/access_token"))
        .and(query_param("code", "AQBfakeAcmeCode"))
        .respond_with(json("oauth-access-token-code-response.json", &server))
        .mount(&server)
        .await;
    Mock::given(path("/v27.0/oauth/access_token"))
        .and(query_param("grant_type", "fb_exchange_token"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(format!(r#"{{"access_token": ["{TOKEN}"]}}"#), "application/json"),
        )
        .mount(&server)
        .await;
    let err = connector(&server).exchange(&SecretString::from("AQBfakeAcmeCode"), None, REDIRECT).await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(matches!(err, ConnectorError::InvalidResponse(_)), "{shown}");
    for secret in [TOKEN, SHORT_TOKEN, APP_SECRET, "AQBfakeAcmeCode"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}
