//! Which connector serves each platform: the real one when its app's variables are set, otherwise
//! one that answers every call naming the variables to set, so the rest of the API works.

use std::num::NonZeroU32;
use std::sync::Arc;

use crate::config::PlatformsConfig;
use crate::startup::StartupError;
use adapters_platforms::google::{Ga4Config, Ga4Connector, GoogleAdsConfig, GoogleAdsConnector, GoogleAppConfig};
use adapters_platforms::linkedin::{LinkedInConfig, LinkedInConnector};
use adapters_platforms::meta::{MetaConfig, MetaConnector};
use adapters_platforms::{ConfigError, HttpClient, HttpSettings, Paces, UnconfiguredConnector};
use domain::platform::Platform;
use domain::ports::PlatformConnector;
use domain::services::platforms::{Connector, Connectors};

/// The redirect URI a platform sends users back to: `{public_base_url}/v1/oauth/{platform}/callback`.
pub fn redirect_uri(public_base_url: &str, platform: Platform) -> String {
    format!("{}/v1/oauth/{}/callback", public_base_url.trim_end_matches('/'), platform.key())
}

/// Every platform's connector, sending users back to `public_base_url`.
///
/// # Errors
/// [`StartupError::Config`] naming the variable at fault when a configured platform's settings are
/// not usable (a bad URL or version, say).
pub fn connectors(config: &PlatformsConfig, public_base_url: &str) -> Result<Connectors, StartupError> {
    let pace = NonZeroU32::new(config.platform_requests_per_second).unwrap_or(NonZeroU32::MIN);
    let settings = HttpSettings { paces: Paces::uniform(pace), ..HttpSettings::default() };
    let http = HttpClient::new(&settings).map_err(startup_error)?;
    let google = match (&config.google_client_id, &config.google_client_secret) {
        (Some(id), Some(secret)) => {
            let mut app = GoogleAppConfig::new(id.clone(), secret.clone());
            set(&mut app.auth_url, config.google_auth_url.as_ref());
            set(&mut app.token_url, config.google_token_url.as_ref());
            Some(app)
        }
        _ => None,
    };
    let google_missing = missing(&[
        ("GOOGLE_CLIENT_ID", config.google_client_id.is_some()),
        ("GOOGLE_CLIENT_SECRET", config.google_client_secret.is_some()),
    ]);

    let ga4: Arc<dyn PlatformConnector> = match &google {
        Some(app) => {
            let mut ga4 = Ga4Config::new(app.clone());
            set(&mut ga4.data_api_url, config.ga4_data_api_url.as_ref());
            set(&mut ga4.admin_api_url, config.ga4_admin_api_url.as_ref());
            Arc::new(Ga4Connector::new(ga4, http.clone()).map_err(startup_error)?)
        }
        None => Arc::new(UnconfiguredConnector::new(Platform::GoogleAnalytics, google_missing.clone())),
    };

    let ads: Arc<dyn PlatformConnector> = match &google {
        Some(app) => {
            let mut ads = GoogleAdsConfig::new(app.clone());
            set(&mut ads.api_url, config.google_ads_api_url.as_ref());
            set(&mut ads.api_version, config.google_ads_api_version.as_ref());
            ads.developer_token.clone_from(&config.google_ads_developer_token);
            ads.login_customer_id.clone_from(&config.google_ads_login_customer_id);
            Arc::new(GoogleAdsConnector::new(ads, http.clone()).map_err(startup_error)?)
        }
        None => Arc::new(UnconfiguredConnector::new(Platform::GoogleAds, google_missing)),
    };

    let meta: Arc<dyn PlatformConnector> = match (&config.meta_app_id, &config.meta_app_secret) {
        (Some(id), Some(secret)) => {
            let mut meta = MetaConfig::new(id.clone(), secret.clone());
            set(&mut meta.auth_url, config.meta_auth_url.as_ref());
            set(&mut meta.graph_url, config.meta_graph_url.as_ref());
            set(&mut meta.graph_version, config.meta_graph_version.as_ref());
            Arc::new(MetaConnector::new(meta, http.clone()).map_err(startup_error)?)
        }
        _ => Arc::new(UnconfiguredConnector::new(
            Platform::MetaAds,
            missing(&[
                ("META_APP_ID", config.meta_app_id.is_some()),
                ("META_APP_SECRET", config.meta_app_secret.is_some()),
            ]),
        )),
    };

    let linkedin: Arc<dyn PlatformConnector> = match (&config.linkedin_client_id, &config.linkedin_client_secret) {
        (Some(id), Some(secret)) => {
            let mut linkedin = LinkedInConfig::new(id.clone(), secret.clone());
            set(&mut linkedin.auth_url, config.linkedin_auth_url.as_ref());
            set(&mut linkedin.token_url, config.linkedin_token_url.as_ref());
            set(&mut linkedin.api_url, config.linkedin_api_url.as_ref());
            set(&mut linkedin.version, config.linkedin_version.as_ref());
            Arc::new(LinkedInConnector::new(linkedin, http).map_err(startup_error)?)
        }
        _ => Arc::new(UnconfiguredConnector::new(
            Platform::LinkedinAds,
            missing(&[
                ("LINKEDIN_CLIENT_ID", config.linkedin_client_id.is_some()),
                ("LINKEDIN_CLIENT_SECRET", config.linkedin_client_secret.is_some()),
            ]),
        )),
    };

    let configured: Vec<&str> = [&ga4, &ads, &meta, &linkedin]
        .into_iter()
        .zip([
            google.is_some(),
            google.is_some(),
            config.meta_app_id.is_some() && config.meta_app_secret.is_some(),
            config.linkedin_client_id.is_some() && config.linkedin_client_secret.is_some(),
        ])
        .filter(|(_, on)| *on)
        .map(|(api, _)| api.platform().key())
        .collect();
    tracing::info!(platforms = ?configured, "platform apps configured (the others answer connect with 503)");
    Ok(Connectors::new(
        [ga4, ads, meta, linkedin]
            .map(|api| Connector { redirect_uri: redirect_uri(public_base_url, api.platform()), api }),
    ))
}

fn set(field: &mut String, value: Option<&String>) {
    if let Some(value) = value {
        field.clone_from(value);
    }
}

fn missing(variables: &[(&'static str, bool)]) -> Vec<&'static str> {
    variables.iter().filter(|(_, set)| !set).map(|(name, _)| *name).collect()
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(startup_error)`
fn startup_error(error: ConfigError) -> StartupError {
    let variable = match &error {
        ConfigError::InvalidUrl { variable, .. } | ConfigError::Invalid { variable, .. } => variable,
        ConfigError::HttpClient(_) => "PUBLIC_BASE_URL",
    };
    StartupError::Config { variable, message: error.to_string() }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    #[test]
    fn redirect_uris_name_the_platform() {
        assert_eq!(
            redirect_uri("https://chat.example.com/", Platform::MetaAds),
            "https://chat.example.com/v1/oauth/metaAds/callback"
        );
    }

    #[tokio::test]
    async fn an_unconfigured_platform_names_its_missing_variables() {
        let mut config = PlatformsConfig::unconfigured();
        config.meta_app_id = Some("123".into());
        let connectors = connectors(&config, "http://127.0.0.1:8080").unwrap();
        let meta = connectors.get(Platform::MetaAds).unwrap();
        let err = meta.api.authorize(&meta.redirect_uri).unwrap_err();
        assert_eq!(err.to_string(), "Meta Ads is not configured on this server; set META_APP_SECRET");
        let ga4 = connectors.get(Platform::GoogleAnalytics).unwrap();
        assert!(
            ga4.api
                .authorize(&ga4.redirect_uri)
                .unwrap_err()
                .to_string()
                .contains("GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET")
        );
    }

    #[tokio::test]
    async fn a_bad_version_stops_start_up_naming_its_variable() {
        let mut config = PlatformsConfig::unconfigured();
        config.linkedin_client_id = Some("id".into());
        config.linkedin_client_secret = Some(SecretString::from("s"));
        config.linkedin_version = Some("latest".into());
        match connectors(&config, "http://127.0.0.1:8080") {
            Err(StartupError::Config { variable, .. }) => assert_eq!(variable, "LINKEDIN_VERSION"),
            Err(other) => panic!("{other}"),
            Ok(_) => panic!("a bad version was accepted"),
        }
    }
}
