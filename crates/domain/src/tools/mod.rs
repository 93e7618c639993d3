//! The analyst's tools, defined once here for every model and provider: each [`ToolKind`] has its
//! name, description and parameters ([`ToolKind::parameters`], rendered as JSON Schema by
//! [`schema::Param::to_json_schema`]); a model's call arrives as a generic [`Value`] and is parsed and
//! validated by [`ToolRequest::parse`], once; [`AnalystTools`] runs it for the caller's client only
//! and answers with a compact [`ToolOutput`].
//!
//! Bad arguments (an unknown platform, a range that runs backwards or is too long, an unknown tool)
//! are not failures of the request: they come back to the model as [`ToolOutput::Error`], which it
//! can correct.

mod args;
mod exec;
mod output;
pub mod schema;

use crate::dates::{Preset, RangeSpec};
use crate::metrics::Metric;
use crate::platform::Platform;
use crate::tools::schema::{Field, Param};
use crate::value::Value;

pub use crate::tools::args::ArgumentError;
pub use crate::tools::exec::{AnalystTools, ToolRun, ToolScope};
pub use crate::tools::output::{
    Blended, BlendedCurrency, Breakdown, CampaignList, CampaignRow, Comparison, Coverage, CurrencyTotals, MetricChange,
    PlatformComparison, Point, SourceCoverage, Summary, Timeseries, ToolData, ToolOutput, Totals, metric_number,
    result_decimals,
};

/// A tool the analyst can call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ToolKind {
    /// Totals and derived ratios of one platform over a range.
    PlatformSummary,
    /// Campaign rows with derived ratios, sorted.
    ListCampaigns,
    /// Two periods of the same length side by side, with absolute and percent change.
    ComparePeriods,
    /// Totals across the connected ad platforms, per currency.
    BlendedTotals,
    /// GA4 sessions by source or device, or views by page.
    SiteBreakdown,
    /// One metric over time, by day, week or month.
    Timeseries,
}

/// Most calls of one round that are run; more come back as errors.
pub const MAX_CALLS_PER_ROUND: usize = 8;

/// Most rows a list returns.
pub const MAX_ROWS: u32 = 50;

impl ToolKind {
    /// Every tool offered to the analyst.
    pub const ALL: [ToolKind; 6] = [
        Self::PlatformSummary,
        Self::ListCampaigns,
        Self::ComparePeriods,
        Self::BlendedTotals,
        Self::SiteBreakdown,
        Self::Timeseries,
    ];

    /// The tool's function name as a model sees it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::PlatformSummary => "get_platform_summary",
            Self::ListCampaigns => "list_campaigns",
            Self::ComparePeriods => "compare_periods",
            Self::BlendedTotals => "blended_totals",
            Self::SiteBreakdown => "get_site_breakdown",
            Self::Timeseries => "get_timeseries",
        }
    }

    /// The tool named `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name.trim())
    }

    /// What the tool does, for the model.
    pub const fn description(self) -> &'static str {
        match self {
            Self::PlatformSummary => {
                "Totals and derived ratios (CTR, CPC, CPM, CPA, conversion rate, ROAS; or sessions, users, bounce \
                 rate, average session duration) of one platform over a date range. States the absolute dates \
                 covered, when the data was last synced and any days missing."
            }
            Self::ListCampaigns => {
                "Campaigns of one ad platform (or all) over a date range, with spend, clicks, conversions and \
                 derived ratios, sorted by a metric; at most 50 rows plus the number of campaigns in all."
            }
            Self::ComparePeriods => {
                "Compares two periods with the same number of days: each metric's value in both, the absolute and \
                 the percent change. The previous period is previous_period (the same number of days just before), \
                 same_period_last_year, or an explicit range of equal length."
            }
            Self::BlendedTotals => {
                "Totals across every connected ad platform over a date range, per currency (spend is never added \
                 across currencies), with each platform's share."
            }
            Self::SiteBreakdown => {
                "Google Analytics 4 breakdown over a date range: sessions by traffic source / medium or by device \
                 category, or views by page, largest first."
            }
            Self::Timeseries => {
                "One metric of one platform over a date range by day, week (Monday to Sunday) or month, for trends \
                 and charts; ratios are derived per bucket."
            }
        }
    }

    /// The tool's parameters.
    pub fn parameters(self) -> Param {
        let fields = match self {
            Self::PlatformSummary => {
                vec![Field::required("platform", platform_param()), Field::required("range", range_param())]
            }
            Self::ListCampaigns => vec![
                Field::optional(
                    "platform",
                    ad_platform_param("The ad platform; every connected ad platform when absent."),
                ),
                Field::required("range", range_param()),
                Field::optional(
                    "sortBy",
                    Param::String {
                        description: "The metric to sort by (default spend).",
                        choices: Metric::AD.iter().map(|m| m.key()).collect(),
                        format: None,
                    },
                ),
                Field::optional(
                    "order",
                    Param::String { description: "desc (default) or asc.", choices: vec!["desc", "asc"], format: None },
                ),
                Field::optional(
                    "limit",
                    Param::Integer { description: "Most rows to return (default 10).", minimum: 1, maximum: MAX_ROWS },
                ),
            ],
            Self::ComparePeriods => compare_fields(),
            Self::BlendedTotals => vec![Field::required("range", range_param())],
            Self::SiteBreakdown => vec![
                Field::required(
                    "dimension",
                    Param::String {
                        description: "source (sessions by source / medium), device (sessions by device category) or \
                                      page (views by page path).",
                        choices: vec!["source", "device", "page"],
                        format: None,
                    },
                ),
                Field::required("range", range_param()),
                Field::optional(
                    "limit",
                    Param::Integer { description: "Most rows to return (default 10).", minimum: 1, maximum: MAX_ROWS },
                ),
            ],
            Self::Timeseries => vec![
                Field::required("platform", platform_param()),
                Field::required(
                    "metric",
                    Param::String {
                        description: "The metric.",
                        choices: Metric::ALL.iter().map(|m| m.key()).collect(),
                        format: None,
                    },
                ),
                Field::required("range", range_param()),
                Field::optional(
                    "granularity",
                    Param::String {
                        description: "day, week or month (default: day up to 62 days, week up to 182, month beyond).",
                        choices: vec!["day", "week", "month"],
                        format: None,
                    },
                ),
            ],
        };
        Param::Object { description: self.description(), fields }
    }
}

/// The parameters of [`ToolKind::ComparePeriods`].
fn compare_fields() -> Vec<Field> {
    vec![
        Field::optional(
            "platform",
            Param::String {
                description: "The platform; every connected platform when absent.",
                choices: Platform::ALL.iter().map(|p| p.key()).collect(),
                format: None,
            },
        ),
        Field::optional(
            "metrics",
            Param::StringList {
                description: "Metrics to compare; the main ones of each platform when absent.",
                choices: Metric::ALL.iter().map(|m| m.key()).collect(),
            },
        ),
        Field::required("current", range_param()),
        Field::optional(
            "previous",
            Param::Object {
                description: "The period to compare with: {\"compare\": \"previous_period\"} (default), \
                              {\"compare\": \"same_period_last_year\"}, or a range of the same length \
                              ({\"preset\": ...} or {\"start\": ..., \"end\": ...}).",
                fields: vec![
                    Field::optional(
                        "compare",
                        Param::String {
                            description: "previous_period or same_period_last_year.",
                            choices: vec!["previous_period", "same_period_last_year"],
                            format: None,
                        },
                    ),
                    Field::optional("preset", preset_param()),
                    Field::optional("start", date_param("First day, inclusive (YYYY-MM-DD).")),
                    Field::optional("end", date_param("Last day, inclusive (YYYY-MM-DD).")),
                ],
            },
        ),
    ]
}

fn platform_param() -> Param {
    Param::String {
        description: "The platform.",
        choices: Platform::ALL.iter().map(|p| p.key()).collect(),
        format: None,
    }
}

fn ad_platform_param(description: &'static str) -> Param {
    Param::String {
        description,
        choices: Platform::ALL.iter().filter(|p| p.is_ad_platform()).map(|p| p.key()).collect(),
        format: None,
    }
}

fn preset_param() -> Param {
    Param::String {
        description: "A period relative to today in the client's time zone. Periods that run up to today leave \
                      today's partial day out unless includeToday is true.",
        choices: Preset::ALL.iter().map(|p| p.key()).collect(),
        format: None,
    }
}

fn date_param(description: &'static str) -> Param {
    Param::String { description, choices: vec![], format: Some("date") }
}

/// A date range parameter: a preset, or explicit inclusive dates.
fn range_param() -> Param {
    Param::Object {
        description: "A date range: {\"preset\": \"last_month\"} or {\"start\": \"2026-10-01\", \"end\": \
                      \"2026-10-31\"} (inclusive ISO dates). Never compute dates yourself when a preset fits.",
        fields: vec![
            Field::optional("preset", preset_param()),
            Field::optional("start", date_param("First day, inclusive (YYYY-MM-DD).")),
            Field::optional("end", date_param("Last day, inclusive (YYYY-MM-DD).")),
            Field::optional(
                "includeToday",
                Param::Boolean { description: "Include today's partial figures in a preset that runs up to today." },
            ),
        ],
    }
}

/// A call of a tool, as a model asked for it: the tool's name and its arguments as given.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    /// The model's id for the call, echoed back with the result.
    pub id: String,
    /// The tool's name as the model wrote it.
    pub name: String,
    /// The arguments as the model wrote them.
    pub arguments: Value,
}

impl ToolCall {
    /// A call of `request` under `id`, its arguments written as a model would.
    pub fn of(id: impl Into<String>, request: &ToolRequest) -> Self {
        Self { id: id.into(), name: request.kind().name().to_owned(), arguments: request.to_arguments() }
    }
}

/// How rows are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    /// Largest first.
    Descending,
    /// Smallest first.
    Ascending,
}

/// A GA4 breakdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    /// Sessions by source / medium.
    Source,
    /// Sessions by device category.
    Device,
    /// Views by page path.
    Page,
}

impl Dimension {
    /// The dimension's name in tool arguments.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Source => "source",
            Self::Device => "device",
            Self::Page => "page",
        }
    }
}

/// The size of a time series' buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    /// One point a day.
    Day,
    /// One point a week, Monday to Sunday.
    Week,
    /// One point a calendar month.
    Month,
}

impl Granularity {
    /// The granularity's name in tool arguments.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }
}

/// What the previous period of a comparison is.
pub use crate::dates::PreviousSpec;

/// A tool call, parsed and validated.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolRequest {
    /// [`ToolKind::PlatformSummary`].
    PlatformSummary {
        /// The platform.
        platform: Platform,
        /// The days.
        range: RangeSpec,
    },
    /// [`ToolKind::ListCampaigns`].
    ListCampaigns {
        /// One ad platform, or all.
        platform: Option<Platform>,
        /// The days.
        range: RangeSpec,
        /// The metric rows are sorted by.
        sort_by: Metric,
        /// Largest or smallest first.
        order: SortOrder,
        /// Most rows.
        limit: u32,
    },
    /// [`ToolKind::ComparePeriods`].
    ComparePeriods {
        /// One platform, or every one.
        platform: Option<Platform>,
        /// The metrics; the main ones of each platform when empty.
        metrics: Vec<Metric>,
        /// The current period.
        current: RangeSpec,
        /// The period it is compared with.
        previous: PreviousSpec,
    },
    /// [`ToolKind::BlendedTotals`].
    BlendedTotals {
        /// The days.
        range: RangeSpec,
    },
    /// [`ToolKind::SiteBreakdown`].
    SiteBreakdown {
        /// Which breakdown.
        dimension: Dimension,
        /// The days.
        range: RangeSpec,
        /// Most rows.
        limit: u32,
    },
    /// [`ToolKind::Timeseries`].
    Timeseries {
        /// The platform.
        platform: Platform,
        /// The metric.
        metric: Metric,
        /// The days.
        range: RangeSpec,
        /// The bucket size; chosen from the range's length when `None`.
        granularity: Option<Granularity>,
    },
}

impl ToolRequest {
    /// The tool this calls.
    pub const fn kind(&self) -> ToolKind {
        match self {
            Self::PlatformSummary { .. } => ToolKind::PlatformSummary,
            Self::ListCampaigns { .. } => ToolKind::ListCampaigns,
            Self::ComparePeriods { .. } => ToolKind::ComparePeriods,
            Self::BlendedTotals { .. } => ToolKind::BlendedTotals,
            Self::SiteBreakdown { .. } => ToolKind::SiteBreakdown,
            Self::Timeseries { .. } => ToolKind::Timeseries,
        }
    }
}
