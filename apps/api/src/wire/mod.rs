//! The HTTP bodies: request and response shapes (camelCase JSON, with `utoipa` schemas) and their
//! conversions to and from domain types. Domain types never derive `Serialize`; these do.

pub mod clients;
pub mod conversations;
pub mod cursor;
pub mod data;
pub mod enums;
pub mod ids;
pub mod me;
pub mod message_json;
pub mod platforms;
pub mod working;

use chrono::{DateTime, SecondsFormat, Utc};

/// Serializes a time as chrono's serde does (RFC 3339 in UTC with `Z`, and 3, 6 or 9 digits of a
/// second when it has them), through chrono's RFC 3339 writer, which is several times faster than
/// its `Display` on the paths that write many times (a page of messages).
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `serialize_with` passes a reference
pub(crate) fn rfc3339<S: serde::Serializer>(time: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&time.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// [`rfc3339`] for a time that may be absent (`null`).
#[allow(clippy::ref_option)] // serde's `serialize_with` passes a reference
pub(crate) fn rfc3339_option<S: serde::Serializer>(
    time: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => rfc3339(time, serializer),
        None => serializer.serialize_none(),
    }
}

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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[derive(serde::Serialize)]
    struct Times {
        #[serde(serialize_with = "rfc3339")]
        fast: DateTime<Utc>,
        chrono: DateTime<Utc>,
        #[serde(serialize_with = "rfc3339_option")]
        fast_option: Option<DateTime<Utc>>,
        chrono_option: Option<DateTime<Utc>>,
    }

    #[test]
    fn times_are_written_exactly_as_chronos_serde_writes_them() {
        let second = Utc.with_ymd_and_hms(2026, 12, 1, 9, 5, 7).unwrap();
        for nanos in [0, 120_000_000, 123_456_000, 123_456_789, 1] {
            let t = second + chrono::Duration::nanoseconds(nanos);
            for option in [Some(t), None] {
                let json =
                    serde_json::to_value(Times { fast: t, chrono: t, fast_option: option, chrono_option: option })
                        .unwrap();
                assert_eq!(json["fast"], json["chrono"], "{nanos} ns");
                assert_eq!(json["fast_option"], json["chrono_option"], "{nanos} ns, {option:?}");
            }
        }
        let json = serde_json::to_value(Times { fast: second, chrono: second, fast_option: None, chrono_option: None });
        assert_eq!(json.unwrap()["fast"], "2026-12-01T09:05:07Z");
    }
}
