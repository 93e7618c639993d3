//! Strategies and helpers the property modules share: days, instants, time zones.

use chrono::{DateTime, Days, NaiveDate, Utc};
use domain::dates::ClientTimeZone;
use proptest::prelude::*;

/// The first day [`day`] draws from.
pub fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date")
}

/// Any day from 1970 to about 2170.
pub fn day() -> impl Strategy<Value = NaiveDate> {
    (0_u64..73_000).prop_map(|n| epoch() + Days::new(n))
}

/// Any instant from 1970 to about 2170, to the second.
pub fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0_i64..6_300_000_000).prop_map(|s| DateTime::from_timestamp(s, 0).expect("a valid instant"))
}

/// Any IANA time zone.
pub fn time_zone() -> impl Strategy<Value = ClientTimeZone> {
    (0..chrono_tz::TZ_VARIANTS.len())
        .prop_map(|i| ClientTimeZone::parse(chrono_tz::TZ_VARIANTS[i].name()).expect("an IANA name"))
}

/// Whether `a` and `b` agree up to floating-point rounding of sums.
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Whether two optional values are both absent or [`close`].
pub fn close_opt(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => close(a, b),
        _ => false,
    }
}

/// The field a refused value names (empty when it was accepted).
pub fn refused_on<T>(result: Result<T, domain::validation::ValidationError>) -> String {
    result.err().map(|e| e.field().to_owned()).unwrap_or_default()
}
