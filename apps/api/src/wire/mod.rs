//! The HTTP bodies: request and response shapes (camelCase JSON, with `utoipa` schemas) and their
//! conversions to and from domain types. Domain types never derive `Serialize`; these do.

pub mod clients;
pub mod conversations;
pub mod cursor;
pub mod data;
pub mod enums;
pub mod me;

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
