//! The ad and analytics platforms behind the domain's [`domain::ports::PlatformConnector`] port.
//!
//! Shared by every platform: [`http`] (one `reqwest` client, a pace per platform, bounded retries
//! honouring the platforms' hints, redacted URLs, a span per call), [`oauth`] (the
//! authorization-code flow with PKCE on the `oauth2` crate) and [`config`] (the checks every
//! constructor makes, with errors naming the variable). [`UnconfiguredConnector`] stands in for a
//! platform whose app is not configured.
//!
//! The connectors: [`google::Ga4Connector`], [`google::GoogleAdsConnector`],
//! [`meta::MetaConnector`] and [`linkedin::LinkedInConnector`], each built from its config
//! (every endpoint overridable, for a proxy or a test server) and a shared [`HttpClient`]. As a
//! [`domain::ports::PlatformConnector`], each authorizes, exchanges and refreshes tokens, lists the
//! accounts a token reaches and fetches an account's daily figures
//! ([`domain::ports::FetchedFigures`]); the domain's sync service stores them as
//! [`domain::daily::DailyRecord`]s.
//!
//! # Example: syncing one Google Ads account
//!
//! Another tool holding an access token can fetch an account's days directly. Here Google Ads is a
//! local fake (wiremock) answering one `searchStream` in Google's shape:
//!
//! ```
//! use adapters_platforms::google::{DEFAULT_ADS_API_VERSION, GoogleAdsConfig, GoogleAdsConnector, GoogleAppConfig};
//! use adapters_platforms::{HttpClient, HttpSettings};
//! use domain::daily::DayFigures;
//! use domain::dates::DateRange;
//! use domain::platform::PlatformAccount;
//! use domain::ports::PlatformConnector;
//! use secrecy::SecretString;
//! use wiremock::matchers::{header, method, path};
//! use wiremock::{Mock, MockServer, ResponseTemplate};
//!
//! /// One batch of `googleAds:searchStream`: int64 values as strings, cost in micros.
//! const SEARCH_STREAM: &str = r#"[{
//!   "results": [
//!     {"campaign": {"resourceName": "customers/1234567890/campaigns/21045678901", "status": "ENABLED",
//!                   "name": "Acme - Brand Search - US", "id": "21045678901"},
//!      "metrics": {"clicks": "498", "conversions": 41, "conversionsValue": 120.0,
//!                  "costMicros": "212340000", "impressions": "3120"},
//!      "segments": {"date": "2026-10-01"},
//!      "customer": {"resourceName": "customers/1234567890", "currencyCode": "USD"}},
//!     {"campaign": {"resourceName": "customers/1234567890/campaigns/21045678901", "status": "PAUSED",
//!                   "name": "Acme - Brand Search - US", "id": "21045678901"},
//!      "metrics": {"clicks": "527", "conversions": 44, "conversionsValue": 120.0,
//!                  "costMicros": "224870000", "impressions": "3311"},
//!      "segments": {"date": "2026-10-02"},
//!      "customer": {"resourceName": "customers/1234567890", "currencyCode": "USD"}}
//!   ],
//!   "fieldMask": "customer.currencyCode,campaign.id,campaign.name,campaign.status,segments.date,metrics.costMicros,metrics.clicks,metrics.impressions,metrics.conversions,metrics.conversionsValue",
//!   "requestId": "Kq3vT9xYp2LmN8wR4sZbHg"
//! }]"#;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let google = MockServer::start().await;
//!     Mock::given(method("POST"))
//!         .and(path(format!("/{DEFAULT_ADS_API_VERSION}/customers/1234567890/googleAds:searchStream")))
//!         .and(header("authorization", "Bearer ya29.fake-access-token"))
//!         .respond_with(ResponseTemplate::new(200).set_body_raw(SEARCH_STREAM, "application/json"))
//!         .expect(1)
//!         .mount(&google)
//!         .await;
//!
//!     let app = GoogleAppConfig::new("123-acme.apps.googleusercontent.com", SecretString::from("GOCSPX-fake"));
//!     let mut config = GoogleAdsConfig::new(app);
//!     config.api_url = google.uri(); // Google's own endpoint by default
//!     let connector = GoogleAdsConnector::new(config, HttpClient::new(&HttpSettings::default())?)?;
//!
//!     let account = PlatformAccount::GoogleAds { customer_id: "123-456-7890".into() };
//!     let token = SecretString::from("ya29.fake-access-token");
//!     let range = DateRange::new("2026-10-01".parse()?, "2026-10-02".parse()?)?;
//!     let fetched = connector.fetch(&account, &token, range, &[range]).await?;
//!
//!     for (day, figures) in &fetched.days {
//!         let DayFigures::Ads(ads) = figures else { unreachable!("Google Ads reports campaigns") };
//!         for c in &ads.campaigns {
//!             println!("{day} {} {:?}: {:.2} {} over {} clicks", c.name, c.status, c.spend, ads.currency, c.clicks);
//!         }
//!     }
//!     assert_eq!(fetched.days.len(), 2);
//!     let DayFigures::Ads(first) = &fetched.days[0].1 else { unreachable!() };
//!     assert_eq!((first.currency.code(), first.campaigns[0].spend), ("USD", 212.34));
//!     Ok(())
//! }
//! ```

pub mod config;
pub mod google;
pub mod http;
pub mod linkedin;
pub mod meta;
pub mod oauth;
pub mod unconfigured;

pub use config::ConfigError;
pub use http::{HttpClient, HttpSettings, Paces, RetryPolicy};
pub use unconfigured::UnconfiguredConnector;
