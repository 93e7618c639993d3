//! The HTTP bodies: request and response shapes (camelCase JSON, with `utoipa` schemas) and their
//! conversions to and from domain types. Domain types never derive `Serialize`; these do.

pub mod clients;
pub mod conversations;
pub mod cursor;
pub mod data;
pub mod enums;
pub mod ids;
pub mod me;
pub mod platforms;
pub mod working;

/// Deserializes a field that may be absent (`None`), `null` (`Some(None)`) or a value
/// (`Some(Some(v))`), so that PATCH bodies can clear optional fields. Use with `#[serde(default)]`.
#[allow(clippy::option_option)] // absent, `null` and a value are three different requests
pub(crate) fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(deserializer).map(Some)
}

/// Deserializes a field that may be absent (`None`) or a value (`Some(v)`), but not `null`: for
/// PATCH fields that cannot be cleared, where `null` would otherwise silently mean "no change".
/// Use with `#[serde(default)]`.
pub(crate) fn non_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Deserializes an optional query value, reading an empty one (`?cursor=`, as an HTML form sends an
/// empty field) as absent. Every query field uses it, and `/openapi.json` marks every query
/// parameter `allowEmptyValue` (see [`crate::openapi::refine`]). Use with `#[serde(default)]`.
pub(crate) fn empty_as_none<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let value: Option<String> = serde::Deserialize::deserialize(deserializer)?;
    Ok(value.filter(|v| !v.is_empty()))
}

/// A text field's length as JSON Schema counts it (Unicode code points), checked before the domain
/// trims it, so that the documented `maxLength` is exactly what is accepted.
///
/// # Errors
/// [`domain::validation::ValidationError`] on `field` when `raw` is longer than `max`.
pub(crate) fn at_most(field: &'static str, raw: &str, max: usize) -> Result<(), domain::validation::ValidationError> {
    let len = raw.chars().count();
    if len > max {
        return Err(domain::validation::ValidationError::new(
            field,
            format!("must be at most {max} characters (got {len})"),
        ));
    }
    Ok(())
}
