//! A connector for a platform whose app is not configured on this server: every call answers
//! [`ConnectorError::NotConfigured`] naming the variables to set, so the rest of the API works.

use async_trait::async_trait;
use domain::dates::DateRange;
use domain::platform::{Platform, PlatformAccount};
use domain::ports::{AccountChoice, Authorization, ConnectorError, FetchedFigures, PlatformConnector, TokenGrant};
use secrecy::SecretString;

/// Stands in for a platform whose app variables are not set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnconfiguredConnector {
    /// The platform.
    pub platform: Platform,
    /// The variables to set (`GOOGLE_CLIENT_ID`, ...).
    pub missing: Vec<&'static str>,
}

impl UnconfiguredConnector {
    /// A connector for `platform` that asks for `missing`.
    pub fn new(platform: Platform, missing: Vec<&'static str>) -> Self {
        Self { platform, missing }
    }

    fn error(&self) -> ConnectorError {
        ConnectorError::NotConfigured { platform: self.platform, missing: self.missing.clone() }
    }
}

#[async_trait]
impl PlatformConnector for UnconfiguredConnector {
    fn platform(&self) -> Platform {
        self.platform
    }

    fn authorize(&self, _redirect_uri: &str) -> Result<Authorization, ConnectorError> {
        Err(self.error())
    }

    async fn exchange(
        &self,
        _code: &SecretString,
        _pkce_verifier: Option<SecretString>,
        _redirect_uri: &str,
    ) -> Result<TokenGrant, ConnectorError> {
        Err(self.error())
    }

    async fn refresh(&self, _refresh_token: &SecretString) -> Result<TokenGrant, ConnectorError> {
        Err(self.error())
    }

    async fn accounts(&self, _access_token: &SecretString) -> Result<Vec<AccountChoice>, ConnectorError> {
        Err(self.error())
    }

    async fn fetch(
        &self,
        _account: &PlatformAccount,
        _access_token: &SecretString,
        _range: DateRange,
        _windows: &[DateRange],
    ) -> Result<FetchedFigures, ConnectorError> {
        Err(self.error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_call_names_the_missing_variables() {
        let connector =
            UnconfiguredConnector::new(Platform::GoogleAds, vec!["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"]);
        let err = connector.authorize("https://app.example/cb").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Google Ads is not configured on this server; set GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET"
        );
        let token = SecretString::from("t");
        assert!(matches!(connector.refresh(&token).await, Err(ConnectorError::NotConfigured { .. })));
        assert!(matches!(connector.accounts(&token).await, Err(ConnectorError::NotConfigured { .. })));
    }
}
