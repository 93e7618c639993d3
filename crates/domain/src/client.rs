//! Clients of the agency and the rules on their fields.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::dates::ClientTimeZone;
use crate::ids::{ClientId, UserId};
use crate::platform::{Platform, PlatformConnection};
use crate::validation::{ValidationError, bounded_text};

/// A client's display name: 1–200 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientName(String);

impl ClientName {
    /// Longest name accepted.
    pub const MAX_CHARS: usize = 200;

    /// Trims and checks a name.
    ///
    /// # Errors
    /// [`ValidationError`] on `name` when empty or longer than [`Self::MAX_CHARS`].
    pub fn new(raw: &str) -> Result<Self, ValidationError> {
        bounded_text("name", raw, 1, Self::MAX_CHARS).map(Self)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A client's contact e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientEmail(String);

impl ClientEmail {
    /// Longest address accepted (RFC 5321's limit for a forward path).
    pub const MAX_CHARS: usize = 254;

    /// Trims and checks an address (RFC 5322 syntax, at most 254 characters).
    ///
    /// # Errors
    /// [`ValidationError`] on `email` when it is not an address.
    pub fn new(raw: &str) -> Result<Self, ValidationError> {
        let trimmed = raw.trim();
        let parsed = email_address::EmailAddress::from_str(trimmed)
            .map_err(|_| ValidationError::new("email", "must be an e-mail address such as client@example.com"))?;
        // Counted in characters, as JSON Schema's `maxLength` (and so the API's document) counts.
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(ValidationError::new("email", format!("must be at most {} characters", Self::MAX_CHARS)));
        }
        Ok(Self(parsed.as_str().to_owned()))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The URL of a client's logo: absolute `https`, at most 2,048 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoUrl(String);

impl LogoUrl {
    /// Longest URL accepted.
    pub const MAX_CHARS: usize = 2048;

    /// Trims and checks a URL: a URI as RFC 3986 defines it (ASCII only, special characters
    /// percent-encoded), scheme `https`, with a host and no credentials (`user:password@`).
    ///
    /// # Errors
    /// [`ValidationError`] on `logo` when it is not such a URL.
    pub fn new(raw: &str) -> Result<Self, ValidationError> {
        let trimmed = raw.trim();
        if trimmed.len() > Self::MAX_CHARS {
            return Err(ValidationError::new("logo", format!("must be at most {} characters", Self::MAX_CHARS)));
        }
        let uri = fluent_uri::Uri::parse(trimmed).map_err(|_| {
            ValidationError::new(
                "logo",
                "must be a URI (RFC 3986: ASCII only, spaces and other special characters percent-encoded) such \
                 as https://example.com/my%20logo.png",
            )
        })?;
        let has_host = uri.authority().is_some_and(|a| !a.host().is_empty());
        if !uri.scheme().as_str().eq_ignore_ascii_case("https") || !has_host {
            return Err(ValidationError::new("logo", "must be an https URL with a host"));
        }
        if uri.authority().is_some_and(|a| a.userinfo().is_some()) {
            return Err(ValidationError::new(
                "logo",
                "must not carry a user name or password (user:password@host); give the public URL of the image",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Lifecycle of a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientStatus {
    /// Worked on now.
    Active,
    /// Paused by the agency; still readable and chattable.
    Inactive,
    /// Removed from the agency's list; its conversations stay readable, no new chats.
    Archived,
}

impl ClientStatus {
    /// The status's name in the customer's data model.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Archived => "archived",
        }
    }
}

impl FromStr for ClientStatus {
    type Err = ValidationError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw {
            "active" => Ok(Self::Active),
            "inactive" => Ok(Self::Inactive),
            "archived" => Ok(Self::Archived),
            _ => Err(ValidationError::new("status", "must be one of active, inactive, archived")),
        }
    }
}

/// A client of the agency, owned by one user.
#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    /// The client's id.
    pub id: ClientId,
    /// The agency user who owns it.
    pub user_id: UserId,
    /// Display name.
    pub name: ClientName,
    /// Contact address.
    pub email: Option<ClientEmail>,
    /// Logo URL.
    pub logo: Option<LogoUrl>,
    /// The time zone its dates are reckoned in (UTC unless set).
    pub time_zone: ClientTimeZone,
    /// Connections by platform.
    pub platforms: BTreeMap<Platform, PlatformConnection>,
    /// Lifecycle status.
    pub status: ClientStatus,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Client {
    /// Connections whose figures the analyst may use.
    pub fn serving_connections(&self) -> impl Iterator<Item = &PlatformConnection> {
        self.platforms.values().filter(|c| c.serves_data())
    }
}

/// What a user gives to create a client.
#[derive(Debug, Clone, PartialEq)]
pub struct NewClient {
    /// Display name.
    pub name: ClientName,
    /// Contact address.
    pub email: Option<ClientEmail>,
    /// Logo URL.
    pub logo: Option<LogoUrl>,
    /// The time zone its dates are reckoned in.
    pub time_zone: ClientTimeZone,
}

/// A change to a client; `None` leaves a field as it is, `Some(None)` clears an optional one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClientChanges {
    /// New name.
    pub name: Option<ClientName>,
    /// New or cleared e-mail.
    pub email: Option<Option<ClientEmail>>,
    /// New or cleared logo.
    pub logo: Option<Option<LogoUrl>>,
    /// New time zone.
    pub time_zone: Option<ClientTimeZone>,
    /// New status.
    pub status: Option<ClientStatus>,
}

impl ClientChanges {
    /// Whether the change would change nothing.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.email.is_none()
            && self.logo.is_none()
            && self.time_zone.is_none()
            && self.status.is_none()
    }

    /// Applies the change to `client` at `now`.
    pub fn apply_to(self, client: &mut Client, now: DateTime<Utc>) {
        if let Some(name) = self.name {
            client.name = name;
        }
        if let Some(email) = self.email {
            client.email = email;
        }
        if let Some(logo) = self.logo {
            client.logo = logo;
        }
        if let Some(time_zone) = self.time_zone {
            client.time_zone = time_zone;
        }
        if let Some(status) = self.status {
            client.status = status;
        }
        client.updated_at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(ClientName::new("  Acme Corp ").unwrap().as_str(), "Acme Corp");
        assert!(ClientName::new("   ").is_err());
        assert!(ClientName::new(&"a".repeat(200)).is_ok());
        let err = ClientName::new(&"a".repeat(201)).unwrap_err();
        assert_eq!(err.field(), "name");
        assert!(err.message().contains("200"));
    }

    #[test]
    fn emails_are_checked() {
        assert!(ClientEmail::new("client@acmecorp.com").is_ok());
        for bad in ["", "acme", "a@", "@acme.com"] {
            assert_eq!(ClientEmail::new(bad).unwrap_err().field(), "email", "{bad}");
        }
    }

    #[test]
    fn logos_must_be_https() {
        assert!(LogoUrl::new("https://cdn.acme.com/logo.png").is_ok());
        assert!(LogoUrl::new(" https://cdn.acme.com/logo%20v2.png?size=64#top\n").is_ok());
        for bad in [
            "http://cdn.acme.com/logo.png",
            "logo.png",
            "javascript:alert(1)",
            "https://",
            "https://\u{e0}\u{a4}",
            "https://a.com/my logo.png",
            "https://a.com/%zz",
            "https://a.com/%2",
        ] {
            assert_eq!(LogoUrl::new(bad).unwrap_err().field(), "logo", "{bad}");
        }
    }

    #[test]
    fn logos_must_not_carry_credentials() {
        for bad in [
            "https://user:pw@cdn.acme.com/logo.png",
            "https://user@cdn.acme.com/logo.png",
            "https://@cdn.acme.com/l.png",
        ] {
            let err = LogoUrl::new(bad).unwrap_err();
            assert_eq!(err.field(), "logo", "{bad}");
            assert!(err.message().contains("password"), "{bad}: {}", err.message());
        }
    }

    #[test]
    fn client_statuses_parse() {
        assert_eq!("archived".parse::<ClientStatus>().unwrap(), ClientStatus::Archived);
        assert!("gone".parse::<ClientStatus>().is_err());
    }
}
