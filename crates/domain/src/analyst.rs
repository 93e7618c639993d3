//! What the analyst (the chat model) is given and gives back: turns, tools, data and usage.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::platform::{Platform, PlatformData};

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

impl ClientDataView {
    /// The entries of the given platforms (every entry when `platforms` is empty).
    #[must_use]
    pub fn only(&self, platforms: &[Platform]) -> Self {
        Self {
            client_name: self.client_name.clone(),
            demo: self.demo,
            sources: self
                .sources
                .iter()
                .filter(|s| platforms.is_empty() || platforms.contains(&s.data.platform()))
                .cloned()
                .collect(),
        }
    }

    /// The platforms that have figures.
    pub fn platforms(&self) -> Vec<Platform> {
        self.sources.iter().map(|s| s.data.platform()).collect()
    }
}

/// One platform's figures and how fresh they are.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceData {
    /// The figures.
    pub data: PlatformData,
    /// When they were synced; `None` for demo data.
    pub last_sync: Option<DateTime<Utc>>,
}

/// A tool the analyst can call; the domain executes it for the caller's client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ToolKind {
    /// Returns the client's latest figures, optionally for some platforms only.
    ClientData,
}

impl ToolKind {
    /// Every tool offered to the analyst.
    pub const ALL: [ToolKind; 1] = [Self::ClientData];

    /// The tool's function name as a model sees it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::ClientData => "get_client_data",
        }
    }

    /// What the tool does, for the model.
    pub const fn description(self) -> &'static str {
        match self {
            Self::ClientData => {
                "Returns the client's latest synced figures per platform (Google Analytics 4 metrics and \
                 sources; Google Ads, Meta Ads and LinkedIn Ads campaigns), or demo data when nothing is \
                 connected. Optionally restricted to some platforms."
            }
        }
    }
}

/// A call of a tool, as asked for by the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    /// The model's id for the call, echoed back with the result.
    pub id: String,
    /// What is asked for.
    pub request: ToolRequest,
}

/// A tool and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolRequest {
    /// [`ToolKind::ClientData`] for these platforms (all when empty).
    ClientData {
        /// Platforms to include.
        platforms: Vec<Platform>,
    },
}

/// The result of a tool call.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolOutput {
    /// The client's figures.
    ClientData(ClientDataView),
}

/// One turn of the exchange given to the model.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatTurn {
    /// Instructions to the model.
    System(String),
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
    /// Tools the model may call.
    pub tools: Vec<ToolKind>,
}

/// What the model did with a request.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelReply {
    /// A final answer.
    Answer(String),
    /// Tools to run before it can answer.
    ToolCalls(Vec<ToolCall>),
}

/// Tokens a model call consumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TokenUsage {
    /// Prompt tokens.
    pub input: u64,
    /// Completion tokens.
    pub output: u64,
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
    }
}

/// One model call's result.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelTurn {
    /// The answer or the tool calls.
    pub reply: ModelReply,
    /// Tokens used.
    pub usage: TokenUsage,
    /// The model that answered, as the provider names it.
    pub model: String,
}

/// Receives an answer's text as the model produces it.
pub trait DeltaSink: Send + Sync {
    /// Called with each new piece of the answer's text, in order.
    fn delta(&self, text: &str);
}

/// A sink that drops every delta, for callers that want only the whole answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct DiscardDeltas;

impl DeltaSink for DiscardDeltas {
    fn delta(&self, _text: &str) {}
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

impl Default for PriceTable {
    /// OpenAI's list prices as of 2025 for the models the roadmap names.
    fn default() -> Self {
        Self::new([
            ("gpt-4o-mini".to_owned(), ModelPrice { input_per_million: 0.15, output_per_million: 0.60 }),
            ("gpt-4o".to_owned(), ModelPrice { input_per_million: 2.50, output_per_million: 10.00 }),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_follows_the_price_table() {
        let table = PriceTable::default();
        let usage = TokenUsage { input: 1_000_000, output: 1_000_000 };
        assert!((table.cost("gpt-4o-mini", usage) - 0.75).abs() < 1e-9);
        assert!((table.cost("gpt-4o-mini-2024-07-18", usage) - 0.75).abs() < 1e-9);
        assert!((table.cost("gpt-4o", usage) - 12.5).abs() < 1e-9);
        assert!(table.cost("offline-analyst", usage).abs() < f64::EPSILON);
    }

    #[test]
    fn tokens_are_estimated_from_characters() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("abcd"), 1);
        assert_eq!(estimate_tokens("abcde"), 2);
    }
}
