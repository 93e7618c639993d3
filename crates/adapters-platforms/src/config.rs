//! What can be wrong with a connector's configuration, and the checks every connector's
//! constructor shares.

use url::Url;

/// Why a connector could not be built from its configuration. Each variant names the environment
/// variable to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A URL setting is not an absolute `http` or `https` URL.
    #[error("{variable} must be an absolute http(s) URL: {reason}")]
    InvalidUrl {
        /// The variable that holds it (`GOOGLE_TOKEN_URL`, ...).
        variable: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// Another setting has a value the connector cannot use.
    #[error("{variable} is invalid: {reason}")]
    Invalid {
        /// The variable that holds it.
        variable: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP client could not be built (no TLS backend, for example).
    #[error("the HTTP client could not be built: {0}")]
    HttpClient(String),
}

/// Checks that `raw`, the value of `variable`, is an absolute `http(s)` URL without a query or a
/// fragment, and returns it without a trailing `/`, ready for paths to be appended.
///
/// # Errors
/// [`ConfigError::InvalidUrl`] naming `variable` otherwise.
pub fn base_url(variable: &'static str, raw: &str) -> Result<String, ConfigError> {
    let url = parse_url(variable, raw)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::InvalidUrl { variable, reason: "must not have a query or a fragment".into() });
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Parses `raw`, the value of `variable`, as an absolute `http(s)` URL.
///
/// # Errors
/// [`ConfigError::InvalidUrl`] naming `variable` otherwise.
pub fn parse_url(variable: &'static str, raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw.trim()).map_err(|e| ConfigError::InvalidUrl { variable, reason: e.to_string() })?;
    if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
        return Err(ConfigError::InvalidUrl { variable, reason: format!("{:?} is not an http(s) URL", url.scheme()) });
    }
    Ok(url)
}

/// Checks that `value`, the value of `variable`, is not blank, and returns it trimmed.
///
/// # Errors
/// [`ConfigError::Invalid`] naming `variable` when it is blank.
pub fn required(variable: &'static str, value: &str) -> Result<String, ConfigError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ConfigError::Invalid { variable, reason: "must not be empty".into() });
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_url_loses_its_trailing_slash() {
        assert_eq!(base_url("X_URL", "https://example.com/v1beta/").unwrap(), "https://example.com/v1beta");
        assert_eq!(base_url("X_URL", "http://127.0.0.1:8080").unwrap(), "http://127.0.0.1:8080");
    }

    #[test]
    fn a_bad_url_names_its_variable() {
        for bad in ["", "not a url", "ftp://example.com", "https://example.com/?a=b", "mailto:a@b.c"] {
            let err = base_url("GA4_DATA_API_URL", bad).unwrap_err();
            assert!(err.to_string().starts_with("GA4_DATA_API_URL "), "{bad}: {err}");
        }
    }
}
