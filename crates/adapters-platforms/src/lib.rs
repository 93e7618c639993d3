//! The ad and analytics platforms behind the domain's [`domain::ports::PlatformConnector`] port.
//!
//! Shared by every platform: [`http`] (one `reqwest` client, a pace per platform, bounded retries
//! honouring the platforms' hints, redacted URLs, a span per call), [`oauth`] (the
//! authorization-code flow with PKCE on the `oauth2` crate) and [`config`] (the checks every
//! constructor makes, with errors naming the variable). [`UnconfiguredConnector`] stands in for a
//! platform whose app is not configured.

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
