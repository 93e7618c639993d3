//! Tool arguments: parsed from the generic [`Value`] every model adapter hands over, validated once,
//! and written back in the same shape (for the offline analyst's calls and the working shown with an
//! answer). Parsing is tolerant where models differ harmlessly (a preset given as a bare string,
//! `sort_by` for `sortBy`, `"ga4"` for `googleAnalytics`) and strict where a guess would mislead.

use chrono::NaiveDate;

use crate::dates::{PreviousSpec, RangeError, RangeSpec};
use crate::metrics::{Metric, UnknownMetric};
use crate::platform::Platform;
use crate::tools::{Dimension, Granularity, MAX_ROWS, SortOrder, ToolKind, ToolRequest};
use crate::value::Value;

/// Why a tool call's arguments cannot be used; the message is written for the model to correct
/// its call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgumentError {
    /// No tool has this name.
    #[error("there is no tool named {name:?}; the tools are {tools}")]
    UnknownTool {
        /// The name given.
        name: String,
        /// The tools there are.
        tools: String,
    },
    /// The arguments are not an object.
    #[error("the arguments must be a JSON object")]
    NotAnObject,
    /// A required argument is absent.
    #[error("{0} is required")]
    Missing(&'static str),
    /// An argument has a value that is not allowed.
    #[error("{field}: {message}")]
    Invalid {
        /// Which argument.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// A range is wrong.
    #[error("{field}: {source}")]
    Range {
        /// Which argument.
        field: &'static str,
        /// What is wrong with it.
        source: RangeError,
    },
}

fn invalid(field: &'static str, message: impl Into<String>) -> ArgumentError {
    ArgumentError::Invalid { field, message: message.into() }
}

/// The value of the first of `names` present and not null.
fn field<'a>(args: &'a Value, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|n| args.get(n).filter(|v| !v.is_null()))
}

fn string<'a>(value: &'a Value, name: &'static str) -> Result<&'a str, ArgumentError> {
    value.as_str().map(str::trim).ok_or_else(|| invalid(name, "must be a string"))
}

/// A platform by its key or an everyday name.
pub(crate) fn parse_platform(raw: &str) -> Option<Platform> {
    let folded: String = raw.trim().to_ascii_lowercase().chars().filter(char::is_ascii_alphanumeric).collect();
    match folded.as_str() {
        "googleanalytics" | "googleanalytics4" | "ga4" | "ga" | "analytics" => Some(Platform::GoogleAnalytics),
        "googleads" | "adwords" | "google" => Some(Platform::GoogleAds),
        "metaads" | "meta" | "facebook" | "facebookads" | "instagram" => Some(Platform::MetaAds),
        "linkedinads" | "linkedin" => Some(Platform::LinkedinAds),
        _ => None,
    }
}

fn platform(value: &Value, name: &'static str) -> Result<Platform, ArgumentError> {
    let raw = string(value, name)?;
    parse_platform(raw).ok_or_else(|| {
        invalid(name, format!("unknown platform {raw:?}; use googleAnalytics, googleAds, metaAds or linkedinAds"))
    })
}

fn metric(value: &Value, name: &'static str) -> Result<Metric, ArgumentError> {
    string(value, name)?.parse().map_err(|UnknownMetric(m)| invalid(name, UnknownMetric(m).to_string()))
}

fn limit(args: &Value) -> Result<u32, ArgumentError> {
    match field(args, &["limit"]) {
        None => Ok(10),
        Some(v) => {
            let n = v.as_f64().ok_or_else(|| invalid("limit", "must be a whole number"))?;
            if n.fract() != 0.0 || n < 1.0 {
                return Err(invalid("limit", format!("must be a whole number from 1 to {MAX_ROWS}")));
            }
            // A limit above the maximum is served at the maximum: the result says how many rows exist.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked above
            Ok((n.min(f64::from(MAX_ROWS))) as u32)
        }
    }
}

fn date(value: Option<&Value>, field_name: &'static str) -> Result<Option<NaiveDate>, RangeError> {
    value
        .map(|v| {
            let raw = v.as_str().unwrap_or_default().trim();
            raw.parse::<NaiveDate>().map_err(|_| RangeError::BadDate { field: field_name, value: v.to_string() })
        })
        .transpose()
}

/// A range: `"last_month"`, `{"preset": "last_month", "includeToday": true}` or
/// `{"start": "2026-10-01", "end": "2026-10-31"}`. Explicit dates win over a preset given beside them.
fn range_spec(value: &Value) -> Result<RangeSpec, RangeError> {
    if let Some(raw) = value.as_str() {
        return raw.parse().map(RangeSpec::preset);
    }
    let start = date(field(value, &["start", "startDate", "start_date", "from"]), "start")?;
    let end = date(field(value, &["end", "endDate", "end_date", "to"]), "end")?;
    if let (Some(start), Some(end)) = (start, end) {
        return Ok(RangeSpec::Explicit { start, end });
    }
    let include_today = field(value, &["includeToday", "include_today"]).and_then(Value::as_bool).unwrap_or(false);
    match field(value, &["preset", "period"]).and_then(Value::as_str) {
        Some(raw) => Ok(RangeSpec::Preset { preset: raw.parse()?, include_today }),
        None => Err(RangeError::Incomplete),
    }
}

fn required_range(args: &Value, names: &[&str], name: &'static str) -> Result<RangeSpec, ArgumentError> {
    let value = field(args, names).ok_or(ArgumentError::Missing(name))?;
    range_spec(value).map_err(|source| ArgumentError::Range { field: name, source })
}

fn previous(args: &Value) -> Result<PreviousSpec, ArgumentError> {
    let Some(value) = field(args, &["previous"]) else { return Ok(PreviousSpec::PreviousPeriod) };
    let compare = value.as_str().or_else(|| field(value, &["compare", "type"]).and_then(Value::as_str));
    match compare.map(|c| c.trim().to_ascii_lowercase()) {
        Some(c) if c == "previous_period" => Ok(PreviousSpec::PreviousPeriod),
        Some(c) if c == "same_period_last_year" || c == "year_over_year" => Ok(PreviousSpec::SamePeriodLastYear),
        _ => range_spec(value)
            .map(PreviousSpec::Range)
            .map_err(|source| ArgumentError::Range { field: "previous", source }),
    }
}

impl ToolRequest {
    /// Parses a call of the tool `name` with `arguments` as a model wrote them.
    ///
    /// # Errors
    /// [`ArgumentError`] saying what to change, for the model to correct its call.
    pub fn parse(name: &str, arguments: &Value) -> Result<Self, ArgumentError> {
        let kind = ToolKind::from_name(name).ok_or_else(|| ArgumentError::UnknownTool {
            name: name.to_owned(),
            tools: ToolKind::ALL.iter().map(|k| k.name()).collect::<Vec<_>>().join(", "),
        })?;
        // Some models send no arguments at all for a call; that is an empty object.
        let empty = Value::object();
        let args = if arguments.is_null() { &empty } else { arguments };
        if args.as_object().is_none() {
            return Err(ArgumentError::NotAnObject);
        }
        let optional_platform = |args: &Value| field(args, &["platform"]).map(|v| platform(v, "platform")).transpose();
        Ok(match kind {
            ToolKind::PlatformSummary => Self::PlatformSummary {
                platform: platform(field(args, &["platform"]).ok_or(ArgumentError::Missing("platform"))?, "platform")?,
                range: required_range(args, &["range"], "range")?,
            },
            ToolKind::ListCampaigns => {
                let platform = optional_platform(args)?;
                if platform == Some(Platform::GoogleAnalytics) {
                    return Err(invalid("platform", "Google Analytics has no campaigns; use an ad platform"));
                }
                let sort_by = field(args, &["sortBy", "sort_by"]).map(|v| metric(v, "sortBy")).transpose()?;
                let order = match field(args, &["order"]).map(|v| string(v, "order")).transpose()? {
                    None | Some("desc" | "descending") => SortOrder::Descending,
                    Some("asc" | "ascending") => SortOrder::Ascending,
                    Some(other) => return Err(invalid("order", format!("must be desc or asc, not {other:?}"))),
                };
                let sort_by = sort_by.unwrap_or(Metric::Spend);
                if !sort_by.is_ad_metric() {
                    return Err(invalid("sortBy", format!("{sort_by} is not a campaign metric")));
                }
                Self::ListCampaigns {
                    platform,
                    range: required_range(args, &["range"], "range")?,
                    sort_by,
                    order,
                    limit: limit(args)?,
                }
            }
            ToolKind::ComparePeriods => {
                let metrics = match field(args, &["metrics"]) {
                    None => Vec::new(),
                    Some(Value::String(one)) => vec![metric(&Value::String(one.clone()), "metrics")?],
                    Some(Value::Array(items)) => {
                        items.iter().map(|m| metric(m, "metrics")).collect::<Result<_, _>>()?
                    }
                    Some(_) => return Err(invalid("metrics", "must be a list of metric names")),
                };
                Self::ComparePeriods {
                    platform: optional_platform(args)?,
                    metrics,
                    current: required_range(args, &["current", "range"], "current")?,
                    previous: previous(args)?,
                }
            }
            ToolKind::BlendedTotals => Self::BlendedTotals { range: required_range(args, &["range"], "range")? },
            ToolKind::SiteBreakdown => {
                let raw = string(field(args, &["dimension"]).ok_or(ArgumentError::Missing("dimension"))?, "dimension")?;
                let dimension = match raw.to_ascii_lowercase().as_str() {
                    "source" | "sources" | "sessionsourcemedium" | "source_medium" | "channel" => Dimension::Source,
                    "device" | "devices" | "devicecategory" => Dimension::Device,
                    "page" | "pages" | "pagepath" => Dimension::Page,
                    _ => return Err(invalid("dimension", format!("must be source, device or page, not {raw:?}"))),
                };
                Self::SiteBreakdown {
                    dimension,
                    range: required_range(args, &["range"], "range")?,
                    limit: limit(args)?,
                }
            }
            ToolKind::Timeseries => {
                let granularity = match field(args, &["granularity"]).map(|v| string(v, "granularity")).transpose()? {
                    None => None,
                    Some("day" | "daily") => Some(Granularity::Day),
                    Some("week" | "weekly") => Some(Granularity::Week),
                    Some("month" | "monthly") => Some(Granularity::Month),
                    Some(other) => {
                        return Err(invalid("granularity", format!("must be day, week or month, not {other:?}")));
                    }
                };
                Self::Timeseries {
                    platform: platform(
                        field(args, &["platform"]).ok_or(ArgumentError::Missing("platform"))?,
                        "platform",
                    )?,
                    metric: metric(field(args, &["metric"]).ok_or(ArgumentError::Missing("metric"))?, "metric")?,
                    range: required_range(args, &["range"], "range")?,
                    granularity,
                }
            }
        })
    }

    /// The arguments as a model would write them for this request.
    pub fn to_arguments(&self) -> Value {
        let mut args = Value::object();
        match self {
            Self::PlatformSummary { platform, range } => {
                args.insert("platform", platform.key());
                args.insert("range", range_value(*range));
            }
            Self::ListCampaigns { platform, range, sort_by, order, limit } => {
                if let Some(p) = platform {
                    args.insert("platform", p.key());
                }
                args.insert("range", range_value(*range));
                args.insert("sortBy", sort_by.key());
                args.insert("order", if *order == SortOrder::Ascending { "asc" } else { "desc" });
                args.insert("limit", *limit);
            }
            Self::ComparePeriods { platform, metrics, current, previous } => {
                if let Some(p) = platform {
                    args.insert("platform", p.key());
                }
                if !metrics.is_empty() {
                    args.insert("metrics", metrics.iter().map(|m| m.key()).collect::<Vec<_>>());
                }
                args.insert("current", range_value(*current));
                args.insert(
                    "previous",
                    match previous {
                        PreviousSpec::Range(range) => range_value(*range),
                        other => Value::object().with("compare", other.key().unwrap_or("previous_period")),
                    },
                );
            }
            Self::BlendedTotals { range } => args.insert("range", range_value(*range)),
            Self::SiteBreakdown { dimension, range, limit } => {
                args.insert("dimension", dimension.key());
                args.insert("range", range_value(*range));
                args.insert("limit", *limit);
            }
            Self::Timeseries { platform, metric, range, granularity } => {
                args.insert("platform", platform.key());
                args.insert("metric", metric.key());
                args.insert("range", range_value(*range));
                if let Some(g) = granularity {
                    args.insert("granularity", g.key());
                }
            }
        }
        args
    }
}

/// A range as tool arguments write it.
fn range_value(range: RangeSpec) -> Value {
    match range {
        RangeSpec::Preset { preset, include_today } => {
            let v = Value::object().with("preset", preset.key());
            if include_today { v.with("includeToday", true) } else { v }
        }
        RangeSpec::Explicit { start, end } => {
            Value::object().with("start", start.to_string()).with("end", end.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::Preset;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect())
    }

    fn preset(p: &str) -> Value {
        obj(&[("preset", p.into())])
    }

    #[test]
    fn every_request_survives_a_round_trip_through_its_arguments() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let requests = [
            ToolRequest::PlatformSummary { platform: Platform::GoogleAds, range: RangeSpec::preset(Preset::LastMonth) },
            ToolRequest::ListCampaigns {
                platform: None,
                range: RangeSpec::Explicit { start: d("2026-10-01"), end: d("2026-10-31") },
                sort_by: Metric::Cpa,
                order: SortOrder::Ascending,
                limit: 5,
            },
            ToolRequest::ComparePeriods {
                platform: Some(Platform::MetaAds),
                metrics: vec![Metric::Spend, Metric::Roas],
                current: RangeSpec::Preset { preset: Preset::ThisMonth, include_today: true },
                previous: PreviousSpec::SamePeriodLastYear,
            },
            ToolRequest::ComparePeriods {
                platform: None,
                metrics: vec![],
                current: RangeSpec::preset(Preset::LastWeek),
                previous: PreviousSpec::Range(RangeSpec::Explicit { start: d("2026-11-09"), end: d("2026-11-15") }),
            },
            ToolRequest::BlendedTotals { range: RangeSpec::preset(Preset::Last7Days) },
            ToolRequest::SiteBreakdown {
                dimension: Dimension::Page,
                range: RangeSpec::preset(Preset::Yesterday),
                limit: 3,
            },
            ToolRequest::Timeseries {
                platform: Platform::GoogleAnalytics,
                metric: Metric::Sessions,
                range: RangeSpec::preset(Preset::Last90Days),
                granularity: Some(Granularity::Week),
            },
        ];
        for request in requests {
            let parsed = ToolRequest::parse(request.kind().name(), &request.to_arguments()).unwrap();
            assert_eq!(parsed, request);
        }
    }

    #[test]
    fn arguments_are_read_tolerantly_where_models_differ_harmlessly() {
        let args = obj(&[
            ("platform", "Google Ads".into()),
            ("range", "last month".into()),
            ("sort_by", "cost per conversion".into()),
            ("limit", Value::Number(500.0)),
        ]);
        let parsed = ToolRequest::parse("list_campaigns", &args).unwrap();
        assert_eq!(
            parsed,
            ToolRequest::ListCampaigns {
                platform: Some(Platform::GoogleAds),
                range: RangeSpec::preset(Preset::LastMonth),
                sort_by: Metric::Cpa,
                order: SortOrder::Descending,
                limit: MAX_ROWS,
            }
        );
        let bare = ToolRequest::parse(
            "compare_periods",
            &obj(&[("current", "last_week".into()), ("previous", "same_period_last_year".into())]),
        )
        .unwrap();
        assert!(matches!(bare, ToolRequest::ComparePeriods { previous: PreviousSpec::SamePeriodLastYear, .. }));
    }

    #[test]
    fn bad_arguments_say_what_to_change() {
        let cases: Vec<(&str, Value, &str)> = vec![
            ("get_weather", obj(&[]), "there is no tool named \"get_weather\""),
            ("get_platform_summary", Value::Array(vec![]), "must be a JSON object"),
            ("get_platform_summary", obj(&[("range", preset("last_month"))]), "platform is required"),
            (
                "get_platform_summary",
                obj(&[("platform", "tiktok".into()), ("range", preset("last_month"))]),
                "unknown platform \"tiktok\"",
            ),
            (
                "get_platform_summary",
                obj(&[("platform", "googleAds".into()), ("range", preset("fortnight"))]),
                "unknown preset",
            ),
            (
                "get_platform_summary",
                obj(&[
                    ("platform", "googleAds".into()),
                    ("range", obj(&[("start", "2026-13-01".into()), ("end", "2026-12-01".into())])),
                ]),
                "not an ISO date",
            ),
            (
                "list_campaigns",
                obj(&[("platform", "googleAnalytics".into()), ("range", preset("last_month"))]),
                "no campaigns",
            ),
            (
                "list_campaigns",
                obj(&[("range", preset("last_month")), ("sortBy", "sessions".into())]),
                "not a campaign metric",
            ),
            (
                "get_site_breakdown",
                obj(&[("dimension", "city".into()), ("range", preset("last_month"))]),
                "source, device or page",
            ),
            (
                "get_timeseries",
                obj(&[("platform", "metaAds".into()), ("metric", "vibes".into()), ("range", preset("last_month"))]),
                "unknown metric",
            ),
            (
                "blended_totals",
                obj(&[("range", obj(&[("includeToday", true.into())]))]),
                "needs a preset, or both start and end",
            ),
        ];
        for (name, args, want) in cases {
            let err = ToolRequest::parse(name, &args).unwrap_err().to_string();
            assert!(err.contains(want), "{name} {args}: {err}");
        }
    }

    #[test]
    fn a_call_without_arguments_is_a_call_with_an_empty_object() {
        let err = ToolRequest::parse("blended_totals", &Value::Null).unwrap_err();
        assert_eq!(err, ArgumentError::Missing("range"));
    }
}
