//! Small conversions shared by every collection: ids, dates, days, counters and decoding with context.

use std::fmt;

use bson::oid::ObjectId;
use bson::{Bson, Document};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use domain::cipher::SealedToken;
use domain::dates::DateRange;
use domain::ids::{ClientId, UserId};
use domain::ports::StoreError;
use serde::de::{self, DeserializeOwned, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::corrupt;

/// The user's id as the ObjectId the customer's schema stores.
pub(crate) fn user_oid(user: UserId) -> ObjectId {
    ObjectId::from_bytes(user.bytes())
}

/// The client's id as the ObjectId the customer's schema stores.
pub(crate) fn client_oid(client: ClientId) -> ObjectId {
    ObjectId::from_bytes(client.bytes())
}

/// A domain instant as a BSON date (milliseconds, as MongoDB keeps them).
pub(crate) fn bson_date(at: DateTime<Utc>) -> bson::DateTime {
    bson::DateTime::from_chrono(at)
}

/// A BSON date as a domain instant.
pub(crate) fn chrono_date(at: bson::DateTime) -> DateTime<Utc> {
    at.to_chrono()
}

/// A calendar day as a BSON date at 00:00 UTC.
pub(crate) fn bson_day(date: NaiveDate) -> bson::DateTime {
    bson_date(date.and_time(NaiveTime::MIN).and_utc())
}

/// A BSON date that must be a 00:00 UTC back to its calendar day; `what` names the document.
pub(crate) fn day_of(at: bson::DateTime, what: &str) -> Result<NaiveDate, StoreError> {
    let at = chrono_date(at);
    if at.time() != NaiveTime::MIN {
        return Err(corrupt(what.to_owned(), format!("{at} is not a day at 00:00 UTC")));
    }
    Ok(at.date_naive())
}

/// A range of days (`dateRange` of a snapshot, `ranges` of a tool trace): the first and last day
/// covered, as BSON dates at 00:00 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct DateRangeDoc {
    pub start: bson::DateTime,
    pub end: bson::DateTime,
}

impl From<DateRange> for DateRangeDoc {
    fn from(range: DateRange) -> Self {
        Self { start: bson_day(range.start()), end: bson_day(range.end()) }
    }
}

impl DateRangeDoc {
    /// The range this holds; `what` names the document in the error when it is not one.
    pub(crate) fn into_domain(self, what: &str) -> Result<DateRange, StoreError> {
        DateRange::new(day_of(self.start, what)?, day_of(self.end, what)?).map_err(|e| corrupt(what.to_owned(), e))
    }
}

/// A non-negative integer as MongoDB stores counters and figures: an `Int64` on the way in, and
/// any integral number on the way out (another writer, or a test server written in JavaScript,
/// may have stored it as an `Int32` or a `Double`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Count(pub(crate) u64);

impl Count {
    /// Whether the count is zero (such a field is left out of a document).
    #[allow(clippy::trivially_copy_pass_by_ref)] // serde's `skip_serializing_if` passes a reference
    pub(crate) fn is_zero(&self) -> bool {
        self.0 == 0
    }

    /// The count as the `Int64` written to the server.
    ///
    /// # Errors
    /// [`StoreError::Unexpected`] above `i64::MAX`, which no counter reaches.
    pub(crate) fn int64(n: u64) -> Result<i64, StoreError> {
        i64::try_from(n).map_err(|_| StoreError::Unexpected(anyhow::anyhow!("{n} does not fit a BSON Int64")))
    }
}

impl Serialize for Count {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let n = i64::try_from(self.0).map_err(|_| serde::ser::Error::custom("count above the largest BSON Int64"))?;
        serializer.serialize_i64(n)
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CountVisitor;

        impl Visitor<'_> for CountVisitor {
            type Value = Count;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative integer")
            }

            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Count, E> {
                u64::try_from(n).map(Count).map_err(|_| E::custom(format!("negative count {n}")))
            }

            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Count, E> {
                Ok(Count(n))
            }

            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked just before
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Count, E> {
                // 2^64 is exactly representable; every integral double below it fits a u64.
                if n.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&n) {
                    Ok(Count(n as u64))
                } else {
                    Err(E::custom(format!("{n} is not a count")))
                }
            }
        }

        deserializer.deserialize_any(CountVisitor)
    }
}

/// A sealed token as a document stores it: the cipher's text (decision 2), which `Debug` never
/// prints, so that a document logged or shown in a failed assertion does not leak it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Sealed(pub(crate) String);

impl Sealed {
    /// The sealed text of a domain token.
    pub(crate) fn of(token: &SealedToken) -> Self {
        Self(token.as_str().to_owned())
    }

    /// The domain token this holds.
    pub(crate) fn into_token(self) -> SealedToken {
        SealedToken::new(self.0)
    }
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealed(..)")
    }
}

/// Decodes a document into its struct; `what` names it in the error ("conversation 3f2b…").
pub(crate) fn decode<T: DeserializeOwned>(
    document: Document,
    what: impl fmt::Display + Send + Sync + 'static,
) -> Result<T, StoreError> {
    bson::from_document(document).map_err(|e| corrupt(what, e))
}

/// Encodes a struct as a BSON value for an update.
pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Bson, StoreError> {
    bson::to_bson(value).map_err(|e| StoreError::Unexpected(anyhow::Error::new(e).context("encoding a document")))
}

/// Encodes a struct as a BSON document.
pub(crate) fn encode_document<T: Serialize>(value: &T) -> Result<Document, StoreError> {
    bson::to_document(value).map_err(|e| StoreError::Unexpected(anyhow::Error::new(e).context("encoding a document")))
}

#[cfg(test)]
mod tests {
    use bson::doc;

    use super::*;

    #[derive(Debug, Deserialize, Serialize)]
    struct Holder {
        n: Count,
    }

    #[test]
    fn counts_are_written_as_int64() {
        assert_eq!(bson::to_document(&Holder { n: Count(7) }).unwrap(), doc! { "n": 7_i64 });
    }

    #[test]
    fn counts_are_read_from_any_integral_number() {
        for stored in [doc! { "n": 7_i32 }, doc! { "n": 7_i64 }, doc! { "n": 7.0 }] {
            assert_eq!(bson::from_document::<Holder>(stored.clone()).unwrap().n, Count(7), "{stored}");
        }
    }

    #[test]
    fn fractional_or_negative_counts_are_corrupt() {
        for stored in [doc! { "n": 7.5 }, doc! { "n": -1_i32 }, doc! { "n": "7" }] {
            assert!(bson::from_document::<Holder>(stored.clone()).is_err(), "{stored}");
        }
    }

    #[test]
    fn days_are_midnights_utc_and_anything_else_is_corrupt() {
        use chrono::TimeZone;

        let first = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let midnight = bson::DateTime::from_chrono(Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap());
        assert_eq!(bson_day(first), midnight);
        assert_eq!(day_of(midnight, "test").unwrap(), first);
        let noon = bson::DateTime::from_chrono(Utc.with_ymd_and_hms(2026, 10, 1, 12, 0, 0).unwrap());
        assert!(matches!(day_of(noon, "snapshot"), Err(StoreError::Unexpected(_))));
        let backwards = DateRangeDoc { start: bson_day(first.succ_opt().unwrap()), end: midnight };
        assert!(matches!(backwards.into_domain("snapshot"), Err(StoreError::Unexpected(_))));
    }

    #[test]
    fn a_sealed_token_is_stored_as_its_text_and_never_debug_printed() {
        #[derive(Debug, Serialize, Deserialize)]
        struct WithToken {
            token: Sealed,
        }
        let holder = WithToken { token: Sealed::of(&SealedToken::new("k1:c2VjcmV0")) };
        assert_eq!(bson::to_document(&holder).unwrap(), doc! { "token": "k1:c2VjcmV0" });
        assert_eq!(format!("{holder:?}"), "WithToken { token: Sealed(..) }");
        let read: WithToken = bson::from_document(doc! { "token": "k1:c2VjcmV0" }).unwrap();
        assert_eq!(read.token.into_token().as_str(), "k1:c2VjcmV0");
    }

    #[test]
    fn ids_keep_their_twelve_bytes() {
        let user = UserId::parse("64b7f0c2a1b2c3d4e5f60718").unwrap();
        assert_eq!(user_oid(user).to_hex(), "64b7f0c2a1b2c3d4e5f60718");
    }
}
