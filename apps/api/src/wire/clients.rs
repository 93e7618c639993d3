//! Client bodies and their platform summaries (which never carry a token).

use chrono::{DateTime, Utc};
use domain::client::{Client, ClientChanges, ClientEmail, ClientName, LogoUrl, NewClient};
use domain::dates::ClientTimeZone;
use domain::paging::{ClientCursor, ClientQuery, Page};
use domain::platform::{Platform, PlatformAccount};
use domain::services::platforms::PlatformService;
use domain::validation::ValidationError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::wire::cursor;
use crate::wire::enums::{ClientStatusWire, ConnectionStatusWire, PlatformWire};
use crate::wire::{at_most, double_option, empty_as_none, non_null};

/// A client of the agency.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientBody {
    /// The client's id (24 hexadecimal characters).
    #[schema(example = "64b7f0c2a1b2c3d4e5f60718")]
    pub id: String,
    /// Display name.
    #[schema(example = "Acme Corp")]
    pub name: String,
    /// Contact e-mail address.
    #[schema(example = "client@acmecorp.com")]
    pub email: Option<String>,
    /// Logo URL (https).
    pub logo: Option<String>,
    /// The IANA time zone the analyst reckons the client's dates in ("last month", "yesterday").
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
    /// Lifecycle status.
    pub status: ClientStatusWire,
    /// When it was created.
    #[serde(serialize_with = "crate::wire::rfc3339")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "crate::wire::rfc3339")]
    pub updated_at: DateTime<Utc>,
    /// One entry per platform, connected or not.
    pub platforms: Vec<PlatformSummaryBody>,
}

impl ClientBody {
    /// The body of a client, its platforms' health as `platforms` sees it now.
    pub fn of(c: &Client, platforms: &PlatformService) -> Self {
        Self {
            id: c.id.to_string(),
            name: c.name.as_str().to_owned(),
            email: c.email.as_ref().map(|e| e.as_str().to_owned()),
            logo: c.logo.as_ref().map(|l| l.as_str().to_owned()),
            time_zone: c.time_zone.name().to_owned(),
            status: c.status.into(),
            created_at: c.created_at,
            updated_at: c.updated_at,
            platforms: platform_summaries(c, platforms),
        }
    }
}

/// The state of one platform for a client. Tokens are never part of it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlatformSummaryBody {
    /// The platform.
    pub platform: PlatformWire,
    /// Whether it is connected now.
    pub connected: bool,
    /// The connected account's id (customer id, ad account id, ...); kept after a disconnect.
    pub account_id: Option<String>,
    /// The GA4 property, for Google Analytics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property_id: Option<String>,
    /// Health of the connection; `null` when never connected.
    pub status: Option<ConnectionStatusWire>,
    /// Why the status is `expired` or `error`, or why the user must reconnect, in words they can
    /// act on.
    pub reason: Option<String>,
    /// When data was last synced.
    #[serde(serialize_with = "crate::wire::rfc3339_option")]
    pub last_sync: Option<DateTime<Utc>>,
    /// When it syncs next; `null` while no account is chosen or when not connected.
    #[serde(serialize_with = "crate::wire::rfc3339_option")]
    pub next_sync_at: Option<DateTime<Utc>>,
    /// When the access token expires (it renews itself while a refresh token works).
    #[serde(serialize_with = "crate::wire::rfc3339_option")]
    pub expires_at: Option<DateTime<Utc>>,
    /// When the refresh token itself expires, where the platform says (LinkedIn).
    #[serde(serialize_with = "crate::wire::rfc3339_option")]
    pub refresh_expires_at: Option<DateTime<Utc>>,
    /// Whether the user must reconnect the platform before it syncs again (`reason` says why).
    pub needs_reconnect: bool,
    /// Set when access ends within 7 days and cannot renew itself: reconnect before then.
    pub warning: Option<String>,
}

/// One summary per platform, in a stable order, with each connection's health as of now.
pub fn platform_summaries(client: &Client, platforms: &PlatformService) -> Vec<PlatformSummaryBody> {
    Platform::ALL
        .into_iter()
        .map(|platform| match client.platforms.get(&platform) {
            Some(c) => {
                let health = platforms.health(c);
                PlatformSummaryBody {
                    platform: platform.into(),
                    connected: c.connected,
                    account_id: c.account.as_ref().map(|a| a.account_id().to_owned()),
                    property_id: match &c.account {
                        Some(PlatformAccount::GoogleAnalytics { property_id, .. }) => Some(property_id.clone()),
                        _ => None,
                    },
                    status: Some(c.status.into()),
                    reason: health.needs_reconnect.clone().or_else(|| c.status_reason.clone()),
                    last_sync: c.last_sync,
                    next_sync_at: c.sync.next_sync_at.filter(|_| c.connected),
                    expires_at: c.expires_at(),
                    refresh_expires_at: c.credentials.as_ref().and_then(|k| k.refresh_expires_at),
                    needs_reconnect: health.needs_reconnect.is_some(),
                    warning: health.warning,
                }
            }
            None => PlatformSummaryBody {
                platform: platform.into(),
                connected: false,
                account_id: None,
                property_id: None,
                status: None,
                reason: None,
                last_sync: None,
                next_sync_at: None,
                expires_at: None,
                refresh_expires_at: None,
                needs_reconnect: false,
                warning: None,
            },
        })
        .collect()
}

/// A client's platforms.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlatformsBody {
    /// The client's id.
    pub client_id: String,
    /// One entry per platform, connected or not.
    pub platforms: Vec<PlatformSummaryBody>,
}

impl PlatformsBody {
    /// A client's platforms, their health as `platforms` sees it now.
    pub fn of(c: &Client, platforms: &PlatformService) -> Self {
        Self { client_id: c.id.to_string(), platforms: platform_summaries(c, platforms) }
    }
}

/// A page of clients.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientPage {
    /// The clients, sorted by name.
    pub items: Vec<ClientBody>,
    /// Pass as `?cursor=` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl ClientPage {
    /// A page of clients, their platforms' health as `platforms` sees it now.
    pub fn of(page: &Page<Client, ClientCursor>, platforms: &PlatformService) -> Self {
        Self {
            items: page.items.iter().map(|c| ClientBody::of(c, platforms)).collect(),
            next_cursor: page.next.as_ref().map(cursor::encode_client),
        }
    }
}

/// What to create a client with.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateClientRequest {
    /// Display name: 1–200 characters, not only spaces (surrounding spaces are trimmed).
    #[schema(example = "Acme Corp", min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    /// Contact e-mail address (at most 254 characters); `null` or absent for none.
    #[schema(example = "client@acmecorp.com", format = "email", max_length = 254)]
    pub email: Option<String>,
    /// Logo URL: absolute `https` with a host (at most 2,048 characters; surrounding spaces are
    /// trimmed); `null` or absent for none.
    #[schema(
        example = "https://cdn.acmecorp.com/logo.png",
        format = "uri",
        max_length = 2048,
        pattern = r"^https://[^\s/?#]+"
    )]
    pub logo: Option<String>,
    /// The IANA time zone of the client's reporting (`Europe/Berlin`); `UTC` when absent or `null`.
    #[schema(example = "Europe/Berlin", max_length = 64)]
    pub time_zone: Option<String>,
}

impl TryFrom<CreateClientRequest> for NewClient {
    type Error = ValidationError;

    fn try_from(r: CreateClientRequest) -> Result<Self, Self::Error> {
        Ok(Self {
            name: client_name(&r.name)?,
            email: r.email.as_deref().map(client_email).transpose()?,
            logo: r.logo.as_deref().map(logo_url).transpose()?,
            time_zone: r.time_zone.as_deref().map(time_zone).transpose()?.unwrap_or_default(),
        })
    }
}

/// A change to a client: absent fields stay, `null` clears `email` or `logo`. At least one field.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateClientRequest {
    /// New display name: 1–200 characters, not only spaces.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false, example = "Acme Corp", min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Option<String>,
    /// New e-mail address (at most 254 characters), or `null` to clear it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "email", max_length = 254)]
    pub email: Option<Option<String>>,
    /// New logo URL (absolute `https`, at most 2,048 characters), or `null` to clear it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "uri", max_length = 2048, pattern = r"^https://[^\s/?#]+")]
    pub logo: Option<Option<String>>,
    /// New IANA time zone (`Europe/Berlin`).
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false, example = "Europe/Berlin", max_length = 64)]
    pub time_zone: Option<String>,
    /// New status; `active` restores an archived client.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub status: Option<ClientStatusWire>,
}

impl TryFrom<UpdateClientRequest> for ClientChanges {
    type Error = ValidationError;

    fn try_from(r: UpdateClientRequest) -> Result<Self, Self::Error> {
        Ok(Self {
            name: r.name.as_deref().map(client_name).transpose()?,
            email: r.email.map(|e| e.as_deref().map(client_email).transpose()).transpose()?,
            logo: r.logo.map(|l| l.as_deref().map(logo_url).transpose()).transpose()?,
            time_zone: r.time_zone.as_deref().map(time_zone).transpose()?,
            status: r.status.map(Into::into),
        })
    }
}

fn client_name(raw: &str) -> Result<ClientName, ValidationError> {
    at_most("name", raw, ClientName::MAX_CHARS)?;
    ClientName::new(raw)
}

fn client_email(raw: &str) -> Result<ClientEmail, ValidationError> {
    at_most("email", raw, ClientEmail::MAX_CHARS)?;
    ClientEmail::new(raw)
}

fn time_zone(raw: &str) -> Result<ClientTimeZone, ValidationError> {
    at_most("timeZone", raw, 64)?;
    ClientTimeZone::parse(raw)
}

fn logo_url(raw: &str) -> Result<LogoUrl, ValidationError> {
    at_most("logo", raw, LogoUrl::MAX_CHARS)?;
    LogoUrl::new(raw)
}

/// Filters and paging of the client list. An empty value (`?cursor=`) is the same as none.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListClientsParams {
    /// Only clients with this status.
    #[param(inline, value_type = Option<ClientStatusWire>)]
    #[serde(default, deserialize_with = "empty_as_none")]
    pub status: Option<String>,
    /// Only clients whose name starts with this (ignoring case and surrounding spaces), matched
    /// literally; at most 200 characters, a name's limit.
    #[param(example = "Acme", max_length = 200)]
    #[serde(default, deserialize_with = "empty_as_none")]
    pub search: Option<String>,
    /// `nextCursor` of the previous page, unchanged.
    #[param(pattern = "^[A-Za-z0-9_-]+$")]
    #[serde(default, deserialize_with = "empty_as_none")]
    pub cursor: Option<String>,
    /// Page size.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 20)]
    #[serde(default, deserialize_with = "empty_as_none")]
    pub limit: Option<String>,
}

impl ListClientsParams {
    /// The name prefix `search` asks for: `None` when absent or blank.
    ///
    /// # Errors
    /// [`ValidationError`] on `search` when it is longer than its documented `maxLength`.
    pub fn name_prefix(&self) -> Result<Option<String>, ValidationError> {
        if let Some(raw) = &self.search {
            at_most("search", raw, ClientQuery::MAX_SEARCH_CHARS)?;
        }
        ClientQuery::name_prefix(self.search.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_refused() {
        let err = serde_json::from_str::<CreateClientRequest>(r#"{"name":"Acme","nmae":"x"}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
    }

    #[test]
    fn null_clears_and_absence_keeps() {
        let r: UpdateClientRequest = serde_json::from_str(r#"{"email":null}"#).unwrap();
        assert_eq!(r.email, Some(None));
        assert_eq!(r.logo, None);
        let changes = ClientChanges::try_from(r).unwrap();
        assert_eq!(changes.email, Some(None));
        assert_eq!(changes.logo, None);
    }

    #[test]
    fn logos_must_be_uris_as_documented() {
        assert!(logo_url("https://cdn.acmecorp.com/logo%20v2.png?size=64#top").is_ok());
        for bad in ["https://\u{e0}\u{a4}", "https://a.com/my logo.png", "https://a.com/%zz"] {
            assert_eq!(logo_url(bad).unwrap_err().field(), "logo", "{bad:?}");
        }
        assert!(logo_url(&format!("https://a.com/{}", "x".repeat(2048))).is_err());
    }

    #[test]
    fn text_fields_count_their_length_before_trimming() {
        let padded = format!("  {}  ", "n".repeat(200));
        assert_eq!(client_name(&padded).unwrap_err().field(), "name");
        assert_eq!(client_name(&format!(" {} ", "n".repeat(198))).unwrap().as_str().len(), 198);
        assert_eq!(client_name("   ").unwrap_err().field(), "name");
    }

    #[test]
    fn a_change_cannot_null_the_name_or_status() {
        for body in [r#"{"name":null}"#, r#"{"status":null}"#] {
            assert!(serde_json::from_str::<UpdateClientRequest>(body).is_err(), "{body}");
        }
    }

    fn list_params(query: &str) -> Result<ListClientsParams, String> {
        let uri: axum::http::Uri = format!("/v1/clients?{query}").parse().unwrap();
        axum::extract::Query::<ListClientsParams>::try_from_uri(&uri).map(|q| q.0).map_err(|e| e.body_text())
    }

    #[test]
    fn empty_query_values_read_as_absent_but_unknown_names_are_refused() {
        let params = list_params("status=&search=&cursor&limit=").unwrap();
        assert_eq!((params.status, params.search, params.cursor, params.limit), (None, None, None, None));
        let params = list_params("limit=%20&search=Ac").unwrap();
        assert_eq!((params.limit.as_deref(), params.search.as_deref()), (Some(" "), Some("Ac")));
        assert!(list_params("sort=").unwrap_err().contains("unknown field"));
    }

    #[test]
    fn a_search_longer_than_a_name_is_refused_naming_search() {
        let longest = "%C3%A9".repeat(200);
        let params = list_params(&format!("search={longest}")).unwrap();
        assert_eq!(params.name_prefix().unwrap(), Some("é".repeat(200)), "counts characters, not bytes");
        let params = list_params(&format!("search={longest}x")).unwrap();
        assert_eq!(params.name_prefix().unwrap_err().field(), "search");
        let padded = list_params(&format!("search=%20{longest}")).unwrap();
        assert_eq!(padded.name_prefix().unwrap_err().field(), "search", "counted before trimming, as documented");
        assert_eq!(list_params("search=%20%20").unwrap().name_prefix().unwrap(), None);
        assert_eq!(list_params("search=%00").unwrap().name_prefix().unwrap(), Some("\0".to_owned()));
    }

    #[test]
    fn validation_names_the_field() {
        let r = CreateClientRequest { name: "Acme".into(), email: Some("nope".into()), logo: None, time_zone: None };
        assert_eq!(NewClient::try_from(r).unwrap_err().field(), "email");
        let r =
            CreateClientRequest { name: "Acme".into(), email: None, logo: None, time_zone: Some("Moon/Base".into()) };
        assert_eq!(NewClient::try_from(r).unwrap_err().field(), "timeZone");
    }
}
