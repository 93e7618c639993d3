//! `metadata.working` of an answer: how it was reached (its tool calls, the freshness of its sources,
//! the check of its figures, its token usage), beyond the customer's schema and written only for
//! answers that have one:
//!
//! ```text
//! working: {
//!   tools: [{ name: "compare_periods",
//!             arguments: { platform: "googleAds", range: { start: "2026-10-01", ... } },
//!             platforms: ["googleAds"],
//!             ranges: [{ start: Date, end: Date }],      // BSON dates at 00:00 UTC
//!             error?: "...",                             // only for a call that failed
//!             series?: [{ platform, metric: "spend", currency?: "USD", granularity?: "week",
//!                         points: [{ start: Date, end: Date, value: Double | null }] }] }],
//!   sources: [{ platform: "googleAds", lastSync?: Date }],
//!   demo: false,
//!   grounding: { grounded: true, unsupported: ["$1,234"] },
//!   usage: { input: Int64, output: Int64, estimated: false },
//! }
//! ```
//!
//! `arguments` is the domain's [`Value`] tree as the equivalent BSON: objects as documents with
//! their keys in order, lists as arrays, and every number as a `Double`, which holds each
//! `Value::Number` exactly (integral numbers written by another writer as `Int32` or `Int64` read
//! back as the same number). Its keys are the tools' own parameter names, never a model's free text
//! (arguments that do not parse are kept as one string), so they never start with `$` or hold a `.`.

use bson::{Bson, Document};
use domain::analyst::{AnswerWorking, Grounding, Series, SourceFreshness, TokenUsage, ToolTrace};
use domain::daily::Currency;
use domain::metrics::Metric;
use domain::ports::StoreError;
use domain::tools::Granularity;
use domain::value::Value;
use serde::{Deserialize, Serialize};

use crate::convert::{Count, DateRangeDoc, bson_date, chrono_date};
use crate::error::corrupt;
use crate::figures::parse_platform;

/// `metadata.working`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WorkingDoc {
    #[serde(default)]
    pub tools: Vec<ToolTraceDoc>,
    #[serde(default)]
    pub sources: Vec<SourceFreshnessDoc>,
    #[serde(default)]
    pub demo: bool,
    #[serde(default)]
    pub grounding: GroundingDoc,
    #[serde(default)]
    pub usage: UsageDoc,
}

/// One element of `working.tools`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ToolTraceDoc {
    pub name: String,
    #[serde(default)]
    pub arguments: Bson,
    #[serde(default)]
    pub platforms: Vec<String>,
    #[serde(default)]
    pub ranges: Vec<DateRangeDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub series: Vec<SeriesDoc>,
}

/// One element of `working.tools.series`: a metric over periods, for charts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SeriesDoc {
    pub platform: String,
    pub metric: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granularity: Option<String>,
    #[serde(default)]
    pub points: Vec<PointDoc>,
}

/// One period of a series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct PointDoc {
    pub start: bson::DateTime,
    pub end: bson::DateTime,
    pub value: Option<f64>,
}

/// One element of `working.sources`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SourceFreshnessDoc {
    pub platform: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sync: Option<bson::DateTime>,
}

/// `working.grounding`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub(crate) struct GroundingDoc {
    #[serde(default)]
    pub grounded: bool,
    #[serde(default)]
    pub unsupported: Vec<String>,
}

/// `working.usage`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub(crate) struct UsageDoc {
    #[serde(default)]
    pub input: Count,
    #[serde(default)]
    pub output: Count,
    #[serde(default)]
    pub estimated: bool,
}

impl SeriesDoc {
    fn from_domain(series: &Series) -> Self {
        Self {
            platform: series.platform.key().to_owned(),
            metric: series.metric.key().to_owned(),
            currency: series.currency.map(|c| c.code().to_owned()),
            granularity: series.granularity.map(|g| g.key().to_owned()),
            points: series
                .points
                .iter()
                .map(|(range, value)| {
                    let range = DateRangeDoc::from(*range);
                    PointDoc { start: range.start, end: range.end, value: *value }
                })
                .collect(),
        }
    }

    fn into_domain(self, what: &str) -> Result<Series, StoreError> {
        let bad = |field: &str, value: &str| corrupt(format!("{what} series"), format!("{field} {value:?}"));
        let granularity = match self.granularity.as_deref() {
            None => None,
            Some("day") => Some(Granularity::Day),
            Some("week") => Some(Granularity::Week),
            Some("month") => Some(Granularity::Month),
            Some(other) => return Err(bad("granularity", other)),
        };
        Ok(Series {
            platform: parse_platform(&self.platform, format!("{what} series"))?,
            metric: self.metric.parse::<Metric>().map_err(|_| bad("metric", &self.metric))?,
            currency: self.currency.map(|c| Currency::parse(&c).map_err(|_| bad("currency", &c))).transpose()?,
            granularity,
            points: self
                .points
                .into_iter()
                .map(|p| {
                    let range = DateRangeDoc { start: p.start, end: p.end }.into_domain(what)?;
                    Ok((range, p.value))
                })
                .collect::<Result<_, StoreError>>()?,
        })
    }
}

impl WorkingDoc {
    /// The document an answer's working becomes.
    pub(crate) fn from_domain(working: &AnswerWorking) -> Self {
        Self {
            tools: working
                .tools
                .iter()
                .map(|t| ToolTraceDoc {
                    name: t.name.clone(),
                    arguments: value_to_bson(&t.arguments),
                    platforms: t.platforms.iter().map(|p| p.key().to_owned()).collect(),
                    ranges: t.ranges.iter().copied().map(DateRangeDoc::from).collect(),
                    error: t.error.clone(),
                    series: t.series.iter().map(SeriesDoc::from_domain).collect(),
                })
                .collect(),
            sources: working
                .sources
                .iter()
                .map(|s| SourceFreshnessDoc {
                    platform: s.platform.key().to_owned(),
                    last_sync: s.last_sync.map(bson_date),
                })
                .collect(),
            demo: working.demo,
            grounding: GroundingDoc {
                grounded: working.grounding.grounded,
                unsupported: working.grounding.unsupported.clone(),
            },
            usage: UsageDoc {
                input: Count(working.usage.input),
                output: Count(working.usage.output),
                estimated: working.usage.estimated,
            },
        }
    }

    /// The working this document holds; `what` names the message in errors.
    pub(crate) fn into_domain(self, what: &str) -> Result<AnswerWorking, StoreError> {
        let platform = |key: &str| parse_platform(key, format!("{what} working"));
        let tools = self
            .tools
            .into_iter()
            .map(|t| {
                let trace = format!("{what} working tool {}", t.name);
                Ok(ToolTrace {
                    arguments: bson_to_value(t.arguments).map_err(|e| corrupt(trace.clone(), e))?,
                    platforms: t.platforms.iter().map(|p| platform(p)).collect::<Result<_, _>>()?,
                    ranges: t.ranges.into_iter().map(|r| r.into_domain(&trace)).collect::<Result<_, _>>()?,
                    error: t.error,
                    series: t.series.into_iter().map(|s| s.into_domain(&trace)).collect::<Result<_, _>>()?,
                    name: t.name,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        let sources = self
            .sources
            .into_iter()
            .map(|s| Ok(SourceFreshness { platform: platform(&s.platform)?, last_sync: s.last_sync.map(chrono_date) }))
            .collect::<Result<_, StoreError>>()?;
        Ok(AnswerWorking {
            tools,
            sources,
            demo: self.demo,
            grounding: Grounding { grounded: self.grounding.grounded, unsupported: self.grounding.unsupported },
            usage: TokenUsage {
                input: self.usage.input.0,
                output: self.usage.output.0,
                estimated: self.usage.estimated,
            },
        })
    }
}

/// A [`Value`] as the equivalent BSON: objects as documents in key order, numbers as doubles.
pub(crate) fn value_to_bson(value: &Value) -> Bson {
    match value {
        Value::Null => Bson::Null,
        Value::Bool(b) => Bson::Boolean(*b),
        Value::Number(n) => Bson::Double(*n),
        Value::String(s) => Bson::String(s.clone()),
        Value::Array(items) => Bson::Array(items.iter().map(value_to_bson).collect()),
        Value::Object(fields) => {
            Bson::Document(fields.iter().map(|(key, value)| (key.clone(), value_to_bson(value))).collect::<Document>())
        }
    }
}

/// BSON back as a [`Value`]: any number as a number; a type JSON has no equivalent of (a date, an
/// ObjectId, binary data) is an error naming it.
pub(crate) fn bson_to_value(bson: Bson) -> Result<Value, String> {
    Ok(match bson {
        Bson::Null | Bson::Undefined => Value::Null,
        Bson::Boolean(b) => Value::Bool(b),
        Bson::Double(n) => Value::Number(n),
        Bson::Int32(n) => Value::Number(f64::from(n)),
        #[allow(clippy::cast_precision_loss)] // the adapter writes doubles; larger integers are another writer's
        Bson::Int64(n) => Value::Number(n as f64),
        Bson::String(s) => Value::String(s),
        Bson::Array(items) => Value::Array(items.into_iter().map(bson_to_value).collect::<Result<_, _>>()?),
        Bson::Document(fields) => Value::Object(
            fields.into_iter().map(|(key, value)| Ok((key, bson_to_value(value)?))).collect::<Result<_, String>>()?,
        ),
        other => return Err(format!("{:?} is not a JSON-like value", other.element_type())),
    })
}

#[cfg(test)]
mod tests {
    use bson::doc;
    use chrono::{NaiveDate, TimeZone, Utc};
    use domain::dates::DateRange;
    use domain::platform::Platform;

    use super::*;

    fn arguments() -> Value {
        Value::object()
            .with("platform", "googleAds")
            .with("range", Value::object().with("start", "2026-10-01").with("end", "2026-10-31"))
            .with("limit", 10_u64)
            .with("minSpend", -12.5)
            .with("compareTo", Value::Null)
            .with("includeToday", true)
            .with("metrics", vec![Value::from("spend"), Value::Array(vec![]), Value::object()])
    }

    #[test]
    fn a_value_becomes_the_equivalent_bson_in_key_order_and_back() {
        let expected = doc! {
            "platform": "googleAds",
            "range": { "start": "2026-10-01", "end": "2026-10-31" },
            "limit": 10.0,
            "minSpend": -12.5,
            "compareTo": null,
            "includeToday": true,
            "metrics": ["spend", [], {}],
        };
        let bson = value_to_bson(&arguments());
        assert_eq!(bson, Bson::Document(expected.clone()));
        let keys: Vec<&String> = expected.keys().collect();
        assert_eq!(keys, ["platform", "range", "limit", "minSpend", "compareTo", "includeToday", "metrics"]);
        assert_eq!(bson_to_value(bson).unwrap(), arguments());
    }

    #[test]
    fn integers_of_another_writer_read_as_numbers_and_foreign_types_are_refused() {
        let stored = doc! { "a": 3_i32, "b": 4_i64, "c": 2.5 };
        let read = bson_to_value(Bson::Document(stored)).unwrap();
        assert_eq!(read, Value::object().with("a", 3_u64).with("b", 4_u64).with("c", 2.5));
        let dated = Bson::Array(vec![Bson::DateTime(bson::DateTime::from_millis(0))]);
        assert!(bson_to_value(dated).unwrap_err().contains("DateTime"));
    }

    #[test]
    fn a_working_becomes_its_document_field_by_field() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 10, d).unwrap();
        let midnight = |d: u32| bson::DateTime::from_chrono(Utc.with_ymd_and_hms(2026, 10, d, 0, 0, 0).unwrap());
        let synced = Utc.with_ymd_and_hms(2026, 11, 1, 3, 0, 0).unwrap() + chrono::TimeDelta::milliseconds(7);
        let working = AnswerWorking {
            tools: vec![
                ToolTrace {
                    name: "platform_summary".into(),
                    arguments: arguments(),
                    platforms: vec![Platform::GoogleAds],
                    ranges: vec![DateRange::new(day(1), day(31)).unwrap()],
                    error: None,
                    series: vec![Series {
                        platform: Platform::GoogleAds,
                        metric: Metric::Cpa,
                        currency: Some(Currency::USD),
                        granularity: Some(Granularity::Week),
                        points: vec![
                            (DateRange::new(day(1), day(4)).unwrap(), Some(42.5)),
                            (DateRange::new(day(5), day(11)).unwrap(), None),
                        ],
                    }],
                },
                ToolTrace {
                    name: "nonsense".into(),
                    arguments: Value::String("{\"x\":".into()),
                    platforms: vec![],
                    ranges: vec![],
                    error: Some("unknown tool nonsense".into()),
                    series: vec![],
                },
            ],
            sources: vec![
                SourceFreshness { platform: Platform::GoogleAds, last_sync: Some(synced) },
                SourceFreshness { platform: Platform::GoogleAnalytics, last_sync: None },
            ],
            demo: true,
            grounding: Grounding { grounded: false, unsupported: vec!["$99".into()] },
            usage: TokenUsage { input: 1_200, output: 300, estimated: true },
        };
        let expected = doc! {
            "tools": [
                {
                    "name": "platform_summary",
                    "arguments": value_to_bson(&arguments()),
                    "platforms": ["googleAds"],
                    "ranges": [{ "start": midnight(1), "end": midnight(31) }],
                    "series": [{
                        "platform": "googleAds", "metric": "cpa", "currency": "USD", "granularity": "week",
                        "points": [
                            { "start": midnight(1), "end": midnight(4), "value": 42.5 },
                            { "start": midnight(5), "end": midnight(11), "value": Bson::Null },
                        ],
                    }],
                },
                { "name": "nonsense", "arguments": "{\"x\":", "platforms": [], "ranges": [], "error": "unknown tool nonsense" },
            ],
            "sources": [
                { "platform": "googleAds", "lastSync": bson::DateTime::from_chrono(synced) },
                { "platform": "googleAnalytics" },
            ],
            "demo": true,
            "grounding": { "grounded": false, "unsupported": ["$99"] },
            "usage": { "input": 1_200_i64, "output": 300_i64, "estimated": true },
        };
        let document = bson::to_document(&WorkingDoc::from_domain(&working)).unwrap();
        assert_eq!(document, expected);
        let read = bson::from_document::<WorkingDoc>(document).unwrap().into_domain("message 1").unwrap();
        assert_eq!(read, working);
    }

    #[test]
    fn a_working_with_an_unknown_platform_is_corrupt_and_names_the_message() {
        let stored = doc! { "sources": [{ "platform": "myspace" }] };
        let err = bson::from_document::<WorkingDoc>(stored).unwrap().into_domain("message 7a10").unwrap_err();
        assert!(err.to_string().contains("message 7a10 working"), "{err}");
    }
}
