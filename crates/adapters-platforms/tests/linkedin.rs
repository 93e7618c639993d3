//! The LinkedIn Ads connector against a mock Marketing API and token endpoint.

use std::num::NonZeroU32;
use std::time::Duration;

use adapters_platforms::linkedin::{LinkedInConfig, LinkedInConnector};
use adapters_platforms::{ConfigError, HttpClient, HttpSettings, Paces, RetryPolicy};
use chrono::NaiveDate;
use domain::daily::{AdDay, CampaignDay, CampaignStatus, Currency, DayFigures};
use domain::dates::DateRange;
use domain::platform::PlatformAccount;
use domain::ports::{ConnectorError, PlatformConnector};
use secrecy::{ExposeSecret, SecretString};
use url::Url;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

const CLIENT_ID: &str = "86acmefakeid";
const CLIENT_SECRET: &str = "fakeAcmeSecret";
const TOKEN: &str = "AQXfakeAcmeLinkedInAccessToken";
const ACCOUNT: &str = "508765432";
const REDIRECT: &str = "https://app.acme.example/oauth/linkedin/callback";

/// The analytics query of October 1-2, 2026, exactly as LinkedIn expects it.
const ANALYTICS_QUERY: &str = "q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY\
    &dateRange=(start:(year:2026,month:10,day:1),end:(year:2026,month:10,day:2))\
    &accounts=List(urn%3Ali%3AsponsoredAccount%3A508765432)\
    &fields=dateRange,pivotValues,costInLocalCurrency,impressions,clicks,oneClickLeads,externalWebsiteConversions";

/// Matches the raw query string, as sent, byte for byte.
struct RawQuery(&'static str);

impl Match for RawQuery {
    fn matches(&self, request: &Request) -> bool {
        request.url.query() == Some(self.0)
    }
}

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/linkedin/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json(status: u16, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(fixture(name), "application/json")
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

fn connector(server: &MockServer) -> LinkedInConnector {
    let mut config = LinkedInConfig::new(CLIENT_ID, SecretString::from(CLIENT_SECRET));
    config.auth_url = format!("{}/oauth/v2/authorization", server.uri());
    config.token_url = format!("{}/oauth/v2/accessToken", server.uri());
    config.api_url = format!("{}/rest", server.uri());
    LinkedInConnector::new(config, HttpClient::new(&settings()).unwrap()).unwrap()
}

fn token() -> SecretString {
    SecretString::from(TOKEN)
}

fn october(first: u32, last: u32) -> DateRange {
    DateRange::new(NaiveDate::from_ymd_opt(2026, 10, first).unwrap(), NaiveDate::from_ymd_opt(2026, 10, last).unwrap())
        .unwrap()
}

fn account() -> PlatformAccount {
    PlatformAccount::LinkedinAds { account_id: ACCOUNT.into() }
}

/// A GET of the Marketing API with the token and LinkedIn's headers.
fn api(path_: &str) -> wiremock::MockBuilder {
    Mock::given(method("GET"))
        .and(path(format!("/rest/{path_}")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("linkedin-version", "202609"))
        .and(header("x-restli-protocol-version", "2.0.0"))
}

async fn mount_fetch(server: &MockServer) {
    api("adAnalytics")
        .and(RawQuery(ANALYTICS_QUERY))
        .respond_with(json(200, "adanalytics-daily-response.json"))
        .expect(1)
        .mount(server)
        .await;
    api(&format!("adAccounts/{ACCOUNT}")).respond_with(json(200, "adaccount.json")).mount(server).await;
    api(&format!("adAccounts/{ACCOUNT}/adCampaigns"))
        .and(RawQuery("q=search&pageSize=100"))
        .respond_with(json(200, "adcampaigns-search-page1.json"))
        .expect(1)
        .mount(server)
        .await;
    api(&format!("adAccounts/{ACCOUNT}/adCampaigns"))
        .and(RawQuery("q=search&pageSize=100&pageToken=DgGerr1iVQreCJVjZDOW_grcp63nueBDipsS4DJpvJo"))
        .respond_with(json(200, "adcampaigns-search-page2.json"))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn the_consent_url_asks_for_the_ads_scopes_with_a_state() {
    let server = MockServer::start().await;
    let auth = connector(&server).authorize(REDIRECT).unwrap();
    let url = Url::parse(&auth.url).unwrap();
    assert_eq!(url.path(), "/oauth/v2/authorization");
    let param = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    assert_eq!(param("client_id").as_deref(), Some(CLIENT_ID));
    assert_eq!(param("redirect_uri").as_deref(), Some(REDIRECT));
    assert_eq!(param("response_type").as_deref(), Some("code"));
    assert_eq!(param("scope").as_deref(), Some("r_ads r_ads_reporting"));
    assert_eq!(param("state").as_deref(), Some(auth.state.as_str()));
    assert!(auth.pkce_verifier.is_none());
}

#[tokio::test]
async fn the_defaults_are_linkedins_and_bad_settings_name_their_variable() {
    let config = LinkedInConfig::new(CLIENT_ID, SecretString::from(CLIENT_SECRET));
    assert_eq!(config.auth_url, "https://www.linkedin.com/oauth/v2/authorization");
    assert_eq!(config.token_url, "https://www.linkedin.com/oauth/v2/accessToken");
    assert_eq!(config.api_url, "https://api.linkedin.com/rest");
    assert_eq!(config.version, "202609");
    assert!(!format!("{config:?}").contains(CLIENT_SECRET));
    let http = HttpClient::new(&settings()).unwrap();
    let connector = LinkedInConnector::new(config, http.clone()).unwrap();
    assert!(!format!("{connector:?}").contains(CLIENT_SECRET));
    let build = |change: fn(&mut LinkedInConfig)| {
        let mut config = LinkedInConfig::new(CLIENT_ID, SecretString::from(CLIENT_SECRET));
        change(&mut config);
        match LinkedInConnector::new(config, http.clone()).unwrap_err() {
            ConfigError::Invalid { variable, .. } | ConfigError::InvalidUrl { variable, .. } => variable,
            ConfigError::HttpClient(_) => "",
        }
    };
    assert_eq!(build(|c| c.client_id = String::new()), "LINKEDIN_CLIENT_ID");
    assert_eq!(build(|c| c.auth_url = "linkedin".into()), "LINKEDIN_AUTH_URL");
    assert_eq!(build(|c| c.token_url = "linkedin".into()), "LINKEDIN_TOKEN_URL");
    assert_eq!(build(|c| c.api_url = "https://api.linkedin.com/rest?x=1".into()), "LINKEDIN_API_URL");
    assert_eq!(build(|c| c.version = "2026-09".into()), "LINKEDIN_VERSION");
}

#[tokio::test]
async fn the_code_exchange_keeps_the_refresh_tokens_expiry() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/v2/accessToken"))
        .and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains("code=AQTfakeAcmeCode"))
        .and(body_string_contains(format!("client_id={CLIENT_ID}").as_str()))
        .and(body_string_contains(format!("client_secret={CLIENT_SECRET}").as_str()))
        .and(body_string_contains("redirect_uri=https%3A%2F%2Fapp.acme.example%2Foauth%2Flinkedin%2Fcallback"))
        .respond_with(json(200, "oauth-accesstoken-response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let grant = connector(&server).exchange(&SecretString::from("AQTfakeAcmeCode"), None, REDIRECT).await.unwrap();
    assert_eq!(grant.access_token.expose_secret(), TOKEN);
    assert_eq!(grant.refresh_token.as_ref().map(ExposeSecret::expose_secret), Some("AQWfakeAcmeLinkedInRefreshToken"));
    assert_eq!(grant.expires_in, Some(Duration::from_secs(5_184_000)));
    assert_eq!(grant.refresh_expires_in, Some(Duration::from_secs(31_536_000)));
}

#[tokio::test]
async fn a_refresh_keeps_what_is_left_of_the_refresh_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/v2/accessToken"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=AQWfakeAcmeLinkedInRefreshToken"))
        .and(body_string_contains(format!("client_secret={CLIENT_SECRET}").as_str()))
        .respond_with(json(200, "oauth-refresh-response.json"))
        .expect(1)
        .mount(&server)
        .await;
    let grant = connector(&server).refresh(&SecretString::from("AQWfakeAcmeLinkedInRefreshToken")).await.unwrap();
    assert_eq!(grant.access_token.expose_secret(), "AQXfakeAcmeLinkedInAccessTokenRefreshed");
    assert_eq!(grant.refresh_expires_in, Some(Duration::from_secs(26_438_400)));
}

#[tokio::test]
async fn a_revoked_refresh_token_asks_to_reconnect() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/v2/accessToken"))
        .respond_with(json(400, "oauth-error-refresh-revoked.json"))
        .mount(&server)
        .await;
    let err = connector(&server).refresh(&SecretString::from("AQWold")).await.unwrap_err();
    assert!(matches!(&err, ConnectorError::Revoked(m) if m.contains("reconnect")), "{err:?}");
    let err = connector(&server).exchange(&SecretString::from("AQTold"), None, REDIRECT).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Revoked(_)), "{err:?}");
}

#[tokio::test]
async fn the_active_ad_accounts_are_listed_across_pages() {
    let server = MockServer::start().await;
    api("adAccounts")
        .and(RawQuery("q=search&search=(status:(values:List(ACTIVE)))&pageSize=100"))
        .respond_with(json(200, "adaccounts-search-page1.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("adAccounts")
        .and(RawQuery("q=search&search=(status:(values:List(ACTIVE)))&pageSize=100&pageToken=Dg_r-a1%2Fb%2Bc%3D"))
        .respond_with(json(200, "adaccounts-search-page2.json"))
        .expect(1)
        .mount(&server)
        .await;
    let accounts = connector(&server).accounts(&token()).await.unwrap();
    let seen: Vec<_> = accounts.iter().map(|a| (a.account.clone(), a.name.as_str(), a.currency)).collect();
    assert_eq!(
        seen,
        [
            (PlatformAccount::LinkedinAds { account_id: "508765432".into() }, "Acme Corp", Some(Currency::USD)),
            (PlatformAccount::LinkedinAds { account_id: "508765433".into() }, "Acme Corp EMEA", Some(Currency::EUR)),
        ]
    );
}

fn campaign(id: &str, name: &str, status: CampaignStatus, spend: f64, impressions: u64, clicks: u64) -> CampaignDay {
    CampaignDay {
        campaign_id: id.into(),
        name: name.into(),
        status,
        spend,
        impressions,
        clicks,
        conversions: None,
        conversion_value: None,
        leads: None,
    }
}

#[tokio::test]
async fn analytics_become_days_with_campaign_names() {
    const Q4: &str = "Acme - Q4 Holiday - Decision Makers";
    const WEBINAR: &str = "Acme - Webinar Lead Gen - Marketing Ops";
    const RETARGETING: &str = "Acme - Retargeting - Site Visitors";
    let server = MockServer::start().await;
    mount_fetch(&server).await;
    let fetched = connector(&server).fetch(&account(), &token(), october(1, 2), &[]).await.unwrap();
    let with = |c: CampaignDay, leads: u64, conversions: f64| CampaignDay {
        leads: Some(leads),
        conversions: Some(conversions),
        ..c
    };
    let day = |campaigns| DayFigures::Ads(AdDay { currency: Currency::USD, campaigns });
    assert_eq!(
        fetched.days,
        vec![
            (
                NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
                day(vec![
                    with(campaign("612345001", Q4, CampaignStatus::Active, 140.1234, 4812, 39), 3, 1.0),
                    with(campaign("612345002", WEBINAR, CampaignStatus::Active, 96.37, 3110, 28), 4, 0.0),
                ])
            ),
            (
                NaiveDate::from_ymd_opt(2026, 10, 2).unwrap(),
                day(vec![
                    with(campaign("612345001", Q4, CampaignStatus::Active, 139.8766, 4790, 41), 2, 1.0),
                    with(campaign("612345003", RETARGETING, CampaignStatus::Paused, 20.65, 1146, 13), 0, 2.0),
                ])
            ),
        ]
    );
}

#[tokio::test]
async fn an_expired_token_is_unauthorized_and_a_revoked_one_revoked() {
    let server = MockServer::start().await;
    api("adAccounts").respond_with(json(401, "error-401-expired-token.json")).mount(&server).await;
    let err = connector(&server).accounts(&token()).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Unauthorized), "{err:?}");
    server.reset().await;
    api("adAccounts").respond_with(json(401, "error-401-revoked-token.json")).mount(&server).await;
    let err = connector(&server).accounts(&token()).await.unwrap_err();
    assert!(matches!(&err, ConnectorError::Revoked(m) if m.contains("reconnect")), "{err:?}");
}

#[tokio::test]
async fn throttling_is_retried_until_it_passes() {
    let server = MockServer::start().await;
    api("adAnalytics")
        .respond_with(json(429, "error-429-throttled.json"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    mount_fetch(&server).await;
    let fetched = connector(&server).fetch(&account(), &token(), october(1, 2), &[]).await.unwrap();
    assert_eq!(fetched.days.len(), 2);
}

#[tokio::test]
async fn a_throttle_that_does_not_pass_is_rate_limited() {
    let server = MockServer::start().await;
    api("adAnalytics").respond_with(json(429, "error-429-throttled.json")).expect(3).mount(&server).await;
    let err = connector(&server).fetch(&account(), &token(), october(1, 2), &[]).await.unwrap_err();
    assert!(matches!(err, ConnectorError::RateLimited { .. }), "{err:?}");
}

#[tokio::test]
async fn a_retired_version_names_the_variable() {
    let server = MockServer::start().await;
    api("adAnalytics").respond_with(json(426, "error-426-version.json")).mount(&server).await;
    let err = connector(&server).fetch(&account(), &token(), october(1, 2), &[]).await.unwrap_err();
    let ConnectorError::VersionRetired(message) = err else { panic!("{err:?}") };
    assert_eq!(message, "LinkedIn retired API version 202609; set LINKEDIN_VERSION to a current version (YYYYMM)");
}

#[tokio::test]
async fn a_missing_permission_is_refused() {
    let server = MockServer::start().await;
    api("adAnalytics").respond_with(json(403, "error-403-permissions.json")).mount(&server).await;
    let err = connector(&server).fetch(&account(), &token(), october(1, 2), &[]).await.unwrap_err();
    assert!(matches!(&err, ConnectorError::Refused(m) if m.contains("Not enough permissions")), "{err:?}");
}

#[tokio::test]
async fn a_malformed_answer_is_invalid() {
    let server = MockServer::start().await;
    api("adAnalytics")
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"elements": [{"costInLocalCurrency": "x"}]}"#, "application/json"),
        )
        .mount(&server)
        .await;
    let err = connector(&server).fetch(&account(), &token(), october(1, 2), &[]).await.unwrap_err();
    assert!(matches!(err, ConnectorError::InvalidResponse(_)), "{err:?}");
    api("adAccounts").respond_with(ResponseTemplate::new(200).set_body_raw("<html>", "text/html")).mount(&server).await;
    let err = connector(&server).accounts(&token()).await.unwrap_err();
    assert!(matches!(err, ConnectorError::InvalidResponse(_)), "{err:?}");
}

#[tokio::test]
async fn a_server_error_is_unavailable() {
    let server = MockServer::start().await;
    api("adAnalytics").respond_with(ResponseTemplate::new(502)).expect(3).mount(&server).await;
    let err = connector(&server).fetch(&account(), &token(), october(1, 2), &[]).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn an_account_id_that_is_not_numeric_is_never_sent() {
    let server = MockServer::start().await;
    let connector = connector(&server);
    for bad in ["", "urn:li:sponsoredAccount:1", "1/../2", "12a"] {
        let account = PlatformAccount::LinkedinAds { account_id: bad.into() };
        let err = connector.fetch(&account, &token(), october(1, 2), &[]).await.unwrap_err();
        assert!(matches!(err, ConnectorError::Refused(_)), "{bad}: {err:?}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn no_analytics_is_no_days() {
    let server = MockServer::start().await;
    api("adAnalytics")
        .respond_with(ResponseTemplate::new(200).set_body_raw(r#"{"paging":{},"elements":[]}"#, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let fetched = connector(&server).fetch(&account(), &token(), october(1, 2), &[]).await.unwrap();
    assert!(fetched.days.is_empty());
}
