//! What the analyst (the chat model) is given and gives back: turns, context, usage, and the working
//! stored with each answer.

use std::borrow::Cow;
use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::daily::Currency;
use crate::dates::{ClientTimeZone, DateRange};
use crate::metrics::Metric;
use crate::platform::{Platform, PlatformData};
use crate::tools::{Granularity, ToolCall, ToolKind, ToolOutput};
use crate::value::Value;

/// The figures the analyst may use for one client: connected platforms' latest sync, or demo data.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientDataView {
    /// The client's name, so answers can mention it.
    pub client_name: String,
    /// Whether the figures are demo data because no platform is connected (decision 8).
    pub demo: bool,
    /// One entry per platform with figures.
    pub sources: Vec<SourceData>,
}

/// One platform's figures and how fresh they are.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceData {
    /// The figures.
    pub data: PlatformData,
    /// When they were synced; `None` for demo data.
    pub last_sync: Option<DateTime<Utc>>,
}

/// What the analyst is told about the question's setting, besides the turns: both analysts read
/// it, and the domain's system prompt says the same in words.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalystContext {
    /// The client's name.
    pub client_name: String,
    /// Today in the client's time zone, which every date preset is reckoned from.
    pub today: NaiveDate,
    /// The client's time zone.
    pub time_zone: ClientTimeZone,
    /// Whether the tools answer from demo data, because nothing is connected.
    pub demo: bool,
    /// The platforms the tools can read.
    pub platforms: Vec<Platform>,
}

/// One turn of the exchange given to the model.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatTurn {
    /// Instructions to the model: fixed rules are borrowed, not copied into every request.
    System(Cow<'static, str>),
    /// What the user wrote.
    User(String),
    /// What the model said earlier, and any tools it called.
    Assistant {
        /// Text of the turn (may be empty when it only called tools).
        text: String,
        /// Tools it called.
        tool_calls: Vec<ToolCall>,
    },
    /// The result of one of the model's tool calls.
    Tool {
        /// The id of the call this answers.
        call_id: String,
        /// The result.
        output: ToolOutput,
    },
}

/// A request to the chat model.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    /// The exchange so far, oldest first, starting with the system instructions.
    pub turns: Vec<ChatTurn>,
    /// Tools the model may call; none on the last round, when it must answer.
    pub tools: Vec<ToolKind>,
    /// The question's setting.
    pub context: AnalystContext,
}

/// Tokens a model call consumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TokenUsage {
    /// Prompt tokens.
    pub input: u64,
    /// Completion tokens.
    pub output: u64,
    /// Whether the counts are estimates (the provider reported none).
    pub estimated: bool,
}

impl TokenUsage {
    /// Input plus output (decision 5).
    pub const fn total(self) -> u64 {
        self.input + self.output
    }
}

impl std::ops::AddAssign for TokenUsage {
    fn add_assign(&mut self, rhs: Self) {
        self.input += rhs.input;
        self.output += rhs.output;
        self.estimated |= rhs.estimated;
    }
}

/// One model call's result: an answer when it calls no tools, otherwise the tools to run first.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelTurn {
    /// The text the model wrote (the answer, or words before its tool calls).
    pub text: String,
    /// Tools to run before it can answer; empty for an answer.
    pub tool_calls: Vec<ToolCall>,
    /// Tokens used.
    pub usage: TokenUsage,
    /// The model that answered, as the provider names it.
    pub model: String,
}

/// A title the model wrote for a conversation, and what writing it cost.
#[derive(Debug, Clone, PartialEq)]
pub struct TitleTurn {
    /// The title, as written (the domain trims and bounds it).
    pub title: String,
    /// Tokens used.
    pub usage: TokenUsage,
    /// The model that wrote it.
    pub model: String,
}

/// One tool call as it ran: what was asked, resolved to absolute dates, and whether it failed.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolTrace {
    /// The tool's name as called.
    pub name: String,
    /// The arguments with every range resolved to absolute dates (as given, when they did not parse).
    pub arguments: Value,
    /// The platforms it read.
    pub platforms: Vec<Platform>,
    /// The periods it covered.
    pub ranges: Vec<DateRange>,
    /// Why it could not be answered, when it could not.
    pub error: Option<String>,
    /// The figures it returned over time, for charts: a time series' buckets, or each compared
    /// metric's two periods. Empty for other tools.
    pub series: Vec<Series>,
}

/// One metric of one platform over consecutive periods, as a tool returned it.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The platform.
    pub platform: Platform,
    /// The metric.
    pub metric: Metric,
    /// The currency of money figures.
    pub currency: Option<Currency>,
    /// The bucket size; `None` for the two periods of a comparison.
    pub granularity: Option<Granularity>,
    /// The periods, oldest first, each with its value in the result's unit (rates as percentages);
    /// `None` where the period has no figures.
    pub points: Vec<(DateRange, Option<f64>)>,
}

/// How fresh one platform's figures were when an answer used them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceFreshness {
    /// The platform.
    pub platform: Platform,
    /// Its last sync; `None` for demo data or a platform never synced.
    pub last_sync: Option<DateTime<Utc>>,
}

/// Whether every figure an answer states is supported by what its tools returned.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grounding {
    /// True when no stated figure lacks support.
    pub grounded: bool,
    /// The figures, as written, that no tool result supports.
    pub unsupported: Vec<String>,
}

/// How an answer was reached, stored and shown beside it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnswerWorking {
    /// Each tool call, in the order run.
    pub tools: Vec<ToolTrace>,
    /// The freshness of each platform the answer used.
    pub sources: Vec<SourceFreshness>,
    /// Whether the figures were demo data.
    pub demo: bool,
    /// The check of the answer's figures.
    pub grounding: Grounding,
    /// Tokens of every round, and whether they are estimates.
    pub usage: TokenUsage,
}

impl AnswerWorking {
    /// Most tool calls recorded with one answer; later ones are counted in the usage but not listed.
    pub const MAX_TOOLS: usize = 16;
    /// Most characters of a tool's arguments, and of its error, recorded.
    pub const MAX_ARGUMENT_CHARS: usize = 300;
    /// Most unsupported figures recorded.
    pub const MAX_UNSUPPORTED: usize = 20;
    /// Most characters of an unsupported figure recorded.
    pub const MAX_FIGURE_CHARS: usize = 40;
    /// Most points of chart series recorded with one answer, all its tools together.
    pub const MAX_SERIES_POINTS: usize = 120;

    /// Bytes the working takes in storage, estimated with a margin for field names.
    pub fn stored_bytes(&self) -> usize {
        let tools: usize = self
            .tools
            .iter()
            .map(|t| {
                128 + t.name.len()
                    + t.arguments.to_string().len()
                    + 16 * t.platforms.len()
                    + 48 * t.ranges.len()
                    + t.error.as_ref().map_or(0, String::len)
                    + t.series.iter().map(|s| 96 + 72 * s.points.len()).sum::<usize>()
            })
            .sum();
        let unsupported: usize = self.grounding.unsupported.iter().map(|u| 16 + u.len()).sum();
        256 + tools + 48 * self.sources.len() + unsupported
    }
}

/// Receives an answer as it is written: its text piece by piece, and each tool as it runs.
#[async_trait]
pub trait AnswerSink: Send + Sync {
    /// Called with each new piece of the answer's text, in order. Slow receivers slow the model
    /// down (backpressure); a receiver that has gone away just drops the text.
    async fn delta(&self, text: &str);
    /// Called as each tool call starts, with its resolved arguments.
    async fn tool(&self, trace: &ToolTrace);
}

/// A sink that drops everything, for callers that want only the whole answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct DiscardAnswer;

#[async_trait]
impl AnswerSink for DiscardAnswer {
    async fn delta(&self, _text: &str) {}
    async fn tool(&self, _trace: &ToolTrace) {}
}

/// Estimates the tokens of a text (about four characters a token for English), for models that do
/// not report usage and for budgeting the context window.
pub fn estimate_tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4)
}

/// A model's price in USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelPrice {
    /// Per million input tokens.
    pub input_per_million: f64,
    /// Per million output tokens.
    pub output_per_million: f64,
}

/// Prices per model (decision 5); models not listed cost nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceTable(BTreeMap<String, ModelPrice>);

impl PriceTable {
    /// A table from `(model, price)` pairs.
    pub fn new(prices: impl IntoIterator<Item = (String, ModelPrice)>) -> Self {
        Self(prices.into_iter().collect())
    }

    /// The cost in USD of `usage` on `model`; dated model names (`gpt-4o-mini-2024-07-18`) use the
    /// price of their longest listed prefix.
    #[allow(clippy::cast_precision_loss)] // token counts stay far below 2^52
    pub fn cost(&self, model: &str, usage: TokenUsage) -> f64 {
        let price = self
            .0
            .iter()
            .filter(|(name, _)| model.starts_with(name.as_str()))
            .max_by_key(|(name, _)| name.len())
            .map(|(_, price)| *price);
        price.map_or(0.0, |p| {
            (usage.input as f64 * p.input_per_million + usage.output as f64 * p.output_per_million) / 1_000_000.0
        })
    }
}

impl PriceTable {
    /// This table with `overrides` laid over it: their models' prices replace these, and models
    /// only they list are added.
    #[must_use]
    pub fn merged(mut self, overrides: PriceTable) -> Self {
        self.0.extend(overrides.0);
        self
    }
}

impl Default for PriceTable {
    /// OpenAI's standard (non-batch) list prices, from <https://openai.com/api/pricing/> as published
    /// in 2025; models not listed (local ones, the offline analyst) cost nothing unless `LLM_PRICES`
    /// prices them.
    fn default() -> Self {
        let price = |input_per_million, output_per_million| ModelPrice { input_per_million, output_per_million };
        Self::new([
            ("gpt-4o-mini".to_owned(), price(0.15, 0.60)),
            ("gpt-4o".to_owned(), price(2.50, 10.00)),
            ("gpt-4.1".to_owned(), price(2.00, 8.00)),
            ("gpt-4.1-mini".to_owned(), price(0.40, 1.60)),
            ("gpt-4.1-nano".to_owned(), price(0.10, 0.40)),
            ("o4-mini".to_owned(), price(1.10, 4.40)),
            ("o3".to_owned(), price(2.00, 8.00)),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_follows_the_price_table() {
        let table = PriceTable::default();
        let usage = TokenUsage { input: 1_000_000, output: 1_000_000, estimated: false };
        assert!((table.cost("gpt-4o-mini", usage) - 0.75).abs() < 1e-9);
        assert!((table.cost("gpt-4o-mini-2024-07-18", usage) - 0.75).abs() < 1e-9);
        assert!((table.cost("gpt-4o", usage) - 12.5).abs() < 1e-9);
        assert!(table.cost("offline-analyst", usage).abs() < f64::EPSILON);
        assert!((table.cost("gpt-4.1-mini-2025-04-14", usage) - 2.0).abs() < 1e-9, "the longest prefix wins");
    }

    #[test]
    fn overrides_replace_and_add_prices() {
        let cheap = ModelPrice { input_per_million: 0.01, output_per_million: 0.02 };
        let table = PriceTable::default()
            .merged(PriceTable::new([("gpt-4o".to_owned(), cheap), ("llama3.1".to_owned(), cheap)]));
        let usage = TokenUsage { input: 1_000_000, output: 1_000_000, estimated: false };
        assert!((table.cost("gpt-4o-2024-08-06", usage) - 0.03).abs() < 1e-9);
        assert!((table.cost("llama3.1:8b", usage) - 0.03).abs() < 1e-9);
        assert!((table.cost("gpt-4o-mini", usage) - 0.75).abs() < 1e-9, "others keep their price");
    }

    #[test]
    fn tokens_are_estimated_from_characters() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("abcd"), 1);
        assert_eq!(estimate_tokens("abcde"), 2);
    }
}
