//! How an answer was reached, as the API shows it beside the answer: the tools called with their
//! resolved dates, the sources and their freshness, the grounding check and the tokens.

use chrono::{DateTime, Utc};
use domain::analyst::{AnswerWorking, Series, ToolTrace};
use domain::dates::DateRange;
use domain::metrics::Unit;
use domain::tools::Granularity;
use domain::value::Value;
use serde::Serialize;
use utoipa::ToSchema;

use crate::wire::enums::PlatformWire;

/// The working shown with an answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkingBody {
    /// Each tool call, in the order run.
    pub tools: Vec<ToolTraceBody>,
    /// Each platform the answer used, and when it was last synced.
    pub sources: Vec<SourceBody>,
    /// Whether the figures were demo data.
    pub demo: bool,
    /// Whether every figure the answer states is supported by what its tools returned.
    pub grounded: bool,
    /// The figures, as written in the answer, that no tool result supports.
    pub unsupported_figures: Vec<String>,
    /// Tokens of every model round.
    pub usage: UsageBody,
}

/// One tool call.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolTraceBody {
    /// The tool (`get_platform_summary`, ...).
    #[schema(example = "get_platform_summary")]
    pub name: String,
    /// Its arguments, every range resolved to absolute dates.
    #[schema(value_type = Object)]
    pub arguments: serde_json::Value,
    /// The platforms it read.
    pub platforms: Vec<PlatformWire>,
    /// The periods it covered.
    pub ranges: Vec<RangeBody>,
    /// Why it could not be answered, when it could not.
    pub error: Option<String>,
    /// The figures it returned over time, for charts: a time series' buckets, or each compared
    /// metric's previous and current periods. Empty for other tools.
    pub series: Vec<SeriesBody>,
}

/// One metric of one platform over consecutive periods.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SeriesBody {
    /// The platform.
    pub platform: PlatformWire,
    /// The metric (`spend`, `ctr`, `sessions`, ...).
    #[schema(example = "spend")]
    pub metric: String,
    /// How its values read: `money`, `count`, `decimal`, `percent`, `multiple` or `seconds`.
    #[schema(example = "money")]
    pub unit: &'static str,
    /// The currency of money values (ISO 4217).
    #[schema(example = "USD")]
    pub currency: Option<String>,
    /// `day`, `week` or `month` for a time series; `null` for the two periods of a comparison.
    pub granularity: Option<&'static str>,
    /// The periods, oldest first.
    pub points: Vec<PointBody>,
}

/// One period of a series.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct PointBody {
    /// First day (ISO date).
    #[schema(value_type = String, format = Date, example = "2026-11-02")]
    pub start: chrono::NaiveDate,
    /// Last day (ISO date).
    #[schema(value_type = String, format = Date, example = "2026-11-08")]
    pub end: chrono::NaiveDate,
    /// The value, rates as percentages; `null` when the period has no figures.
    pub value: Option<f64>,
}

impl From<&Series> for SeriesBody {
    fn from(s: &Series) -> Self {
        Self {
            platform: s.platform.into(),
            metric: s.metric.key().to_owned(),
            unit: match s.metric.unit() {
                Unit::Money => "money",
                Unit::Count => "count",
                Unit::Decimal => "decimal",
                Unit::Rate => "percent",
                Unit::Multiple => "multiple",
                Unit::Seconds => "seconds",
            },
            currency: s.currency.map(|c| c.code().to_owned()),
            granularity: s.granularity.map(Granularity::key),
            points: s
                .points
                .iter()
                .map(|(range, value)| PointBody { start: range.start(), end: range.end(), value: *value })
                .collect(),
        }
    }
}

/// An inclusive range of days.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct RangeBody {
    /// First day (ISO date).
    #[schema(value_type = String, format = Date, example = "2026-11-01")]
    pub start: chrono::NaiveDate,
    /// Last day (ISO date).
    #[schema(value_type = String, format = Date, example = "2026-11-30")]
    pub end: chrono::NaiveDate,
}

/// One source of an answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SourceBody {
    /// The platform.
    pub platform: PlatformWire,
    /// When it was last synced; `null` for demo data.
    #[serde(serialize_with = "crate::wire::rfc3339_option")]
    pub last_sync: Option<DateTime<Utc>>,
}

/// Tokens of an answer.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsageBody {
    /// Prompt tokens, every round together.
    pub input_tokens: u64,
    /// Completion tokens, every round together.
    pub output_tokens: u64,
    /// Whether the counts are estimates (the model reported none).
    pub estimated: bool,
}

impl From<DateRange> for RangeBody {
    fn from(range: DateRange) -> Self {
        Self { start: range.start(), end: range.end() }
    }
}

impl From<&ToolTrace> for ToolTraceBody {
    fn from(t: &ToolTrace) -> Self {
        Self {
            name: t.name.clone(),
            arguments: json(&t.arguments),
            platforms: t.platforms.iter().map(|p| (*p).into()).collect(),
            ranges: t.ranges.iter().map(|r| (*r).into()).collect(),
            error: t.error.clone(),
            series: t.series.iter().map(SeriesBody::from).collect(),
        }
    }
}

impl From<&AnswerWorking> for WorkingBody {
    fn from(w: &AnswerWorking) -> Self {
        Self {
            tools: w.tools.iter().map(ToolTraceBody::from).collect(),
            sources: w
                .sources
                .iter()
                .map(|s| SourceBody { platform: s.platform.into(), last_sync: s.last_sync })
                .collect(),
            demo: w.demo,
            grounded: w.grounding.grounded,
            unsupported_figures: w.grounding.unsupported.clone(),
            usage: UsageBody {
                input_tokens: w.usage.input,
                output_tokens: w.usage.output,
                estimated: w.usage.estimated,
            },
        }
    }
}

/// A tool call as it starts, streamed as an SSE `tool` event before the answer's text.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolEventBody {
    /// The tool.
    #[schema(example = "compare_periods")]
    pub name: String,
    /// The platforms it reads.
    pub platforms: Vec<PlatformWire>,
    /// The periods it covers, as absolute dates.
    pub ranges: Vec<RangeBody>,
    /// Why it cannot be answered, when its arguments were wrong (the model is told and may retry).
    pub error: Option<String>,
}

impl From<&ToolTrace> for ToolEventBody {
    fn from(t: &ToolTrace) -> Self {
        Self {
            name: t.name.clone(),
            platforms: t.platforms.iter().map(|p| (*p).into()).collect(),
            ranges: t.ranges.iter().map(|r| (*r).into()).collect(),
            error: t.error.clone(),
        }
    }
}

/// The domain's value tree as JSON.
fn json(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => serde_json::Number::from_f64(*n).map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::String(s) => s.as_str().into(),
        Value::Array(items) => items.iter().map(json).collect(),
        Value::Object(fields) => {
            fields.iter().map(|(k, v)| (k.clone(), json(v))).collect::<serde_json::Map<_, _>>().into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_become_the_same_json() {
        let v = Value::object().with("a", vec![Value::Null, true.into(), 1.5.into()]).with("b", "x");
        assert_eq!(json(&v).to_string(), v.to_string());
    }
}
