//! Bodies of connecting a platform: the consent URL, the callback's outcome, the accounts a token
//! can see, the account chosen and a sync's report. None of them carries a token.

use chrono::{DateTime, Utc};
use domain::platform::{Platform, PlatformAccount};
use domain::ports::AccountChoice;
use domain::services::sync::SyncReport;
use domain::validation::ValidationError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::wire::empty_as_none;
use crate::wire::enums::{ConnectionStatusWire, PlatformWire};

/// Where to send the user to grant access.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationBody {
    /// The platform's consent page, with the scopes, a single-use `state` (10 minutes) and, where
    /// the platform supports it, a PKCE challenge.
    #[schema(example = "https://accounts.google.com/o/oauth2/v2/auth?response_type=code&client_id=...")]
    pub authorization_url: String,
}

/// What the platform sends back to the callback.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackParams {
    /// The authorization code, when the user consented.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub code: Option<String>,
    /// The state the authorization started with.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub state: Option<String>,
    /// The platform's error, when the user declined (`access_denied`) or the platform failed.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub error: Option<String>,
    /// The platform's words about the error.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub error_description: Option<String>,
}

/// How an authorization ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum CallbackOutcome {
    /// The platform is connected; choose its account next.
    Connected,
    /// The user declined; nothing was stored.
    Denied,
    /// The platform refused the code or failed; nothing was stored.
    Failed,
}

impl CallbackOutcome {
    /// The outcome as it appears in the redirect's query.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Connected => "connected",
            Self::Denied => "denied",
            Self::Failed => "failed",
        }
    }
}

/// The outcome of an authorization, as JSON when no `FRONTEND_URL` is set (and, in the same
/// fields, in the query of the redirect when one is).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallbackBody {
    /// How it ended.
    pub connection: CallbackOutcome,
    /// The platform.
    pub platform: PlatformWire,
    /// The client connected, when it was.
    pub client_id: Option<String>,
    /// Why it did not connect, in words a person can act on.
    pub reason: Option<String>,
}

/// An account the connection's token can see.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountBody {
    /// The id to choose it by (GA4 property, Google Ads customer, Meta ad account, LinkedIn account).
    #[schema(example = "1234567890")]
    pub id: String,
    /// The GA4 account the property belongs to; `null` on other platforms.
    pub account_id: Option<String>,
    /// Its name on the platform.
    #[schema(example = "Acme Corp")]
    pub name: String,
    /// Its currency (ISO 4217), where the platform says.
    #[schema(example = "USD")]
    pub currency: Option<String>,
}

/// The accounts a connection's token can see.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountsBody {
    /// Every account, as the platform lists them.
    pub accounts: Vec<AccountBody>,
}

impl From<&Vec<AccountChoice>> for AccountsBody {
    fn from(choices: &Vec<AccountChoice>) -> Self {
        let accounts = choices
            .iter()
            .map(|c| AccountBody {
                id: c.account.choice_id().to_owned(),
                account_id: match &c.account {
                    PlatformAccount::GoogleAnalytics { account_id, .. } => Some(account_id.clone()),
                    _ => None,
                },
                name: c.name.clone(),
                currency: c.currency.map(|c| c.to_string()),
            })
            .collect();
        Self { accounts }
    }
}

/// The account to take figures from, by the field the customer's schema names for the platform:
/// `propertyId` (GA4), `customerId` (Google Ads), `adAccountId` (Meta) or `accountId` (LinkedIn).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChooseAccountRequest {
    /// A GA4 property id.
    #[schema(example = "345678901", max_length = 64)]
    pub property_id: Option<String>,
    /// A Google Ads customer id (10 digits).
    #[schema(example = "1234567890", max_length = 64)]
    pub customer_id: Option<String>,
    /// A Meta ad account id (`act_...`).
    #[schema(example = "act_1029384756", max_length = 64)]
    pub ad_account_id: Option<String>,
    /// A LinkedIn sponsored account id.
    #[schema(example = "508765432", max_length = 64)]
    pub account_id: Option<String>,
}

impl ChooseAccountRequest {
    /// The id given in the field that `platform` uses.
    ///
    /// # Errors
    /// [`ValidationError`] naming that field when it is missing, blank or too long, or when
    /// another platform's field is given instead.
    pub fn account_id(&self, platform: Platform) -> Result<String, ValidationError> {
        let (field, value) = match platform {
            Platform::GoogleAnalytics => ("propertyId", &self.property_id),
            Platform::GoogleAds => ("customerId", &self.customer_id),
            Platform::MetaAds => ("adAccountId", &self.ad_account_id),
            Platform::LinkedinAds => ("accountId", &self.account_id),
        };
        let given = [&self.property_id, &self.customer_id, &self.ad_account_id, &self.account_id]
            .into_iter()
            .filter(|v| v.is_some())
            .count();
        let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
            return Err(ValidationError::new(field, format!("is required for {}", platform.display_name())));
        };
        if given > 1 {
            return Err(ValidationError::new(field, "give only the one account id field the platform uses"));
        }
        if value.chars().count() > 64 {
            return Err(ValidationError::new(field, "must be at most 64 characters"));
        }
        Ok(value.to_owned())
    }
}

/// What a sync did.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncReportBody {
    /// The platform.
    pub platform: PlatformWire,
    /// The connection's status after it.
    pub status: ConnectionStatusWire,
    /// Why the status is not `active`, in words a person can act on; the previous figures are kept.
    pub reason: Option<String>,
    /// Days of figures stored.
    pub days: usize,
    /// When it synced; `null` when it failed.
    #[serde(serialize_with = "crate::wire::rfc3339_option")]
    pub synced_at: Option<DateTime<Utc>>,
}

impl From<&SyncReport> for SyncReportBody {
    fn from(r: &SyncReport) -> Self {
        Self {
            platform: r.platform.into(),
            status: r.status.into(),
            reason: r.reason.clone(),
            days: r.days,
            synced_at: r.synced_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_id_comes_from_the_platforms_own_field() {
        let request = ChooseAccountRequest { customer_id: Some(" 1234567890 ".into()), ..Default::default() };
        assert_eq!(request.account_id(Platform::GoogleAds).unwrap(), "1234567890");
        let err = request.account_id(Platform::MetaAds).unwrap_err();
        assert_eq!(err.field(), "adAccountId");
    }

    #[test]
    fn two_account_fields_are_refused() {
        let request =
            ChooseAccountRequest { property_id: Some("1".into()), customer_id: Some("2".into()), ..Default::default() };
        assert!(request.account_id(Platform::GoogleAnalytics).is_err());
    }

    #[test]
    fn a_blank_account_id_is_refused() {
        let request = ChooseAccountRequest { account_id: Some("  ".into()), ..Default::default() };
        assert_eq!(request.account_id(Platform::LinkedinAds).unwrap_err().field(), "accountId");
    }
}
