//! Chat models behind the domain's [`domain::ports::ChatModel`] port.
//!
//! - [`offline`]: [`OfflineAnalyst`], a deterministic analyst that needs no API key, so the service
//!   runs end to end on a laptop and in tests. It follows the same protocol as a real model: it reads
//!   the question, resolves the period words it understands ("last month", "in October", "vs the
//!   month before", "year over year") into calls of the domain's analyst tools, then answers from
//!   their typed results with the absolute dates they cover, streaming the answer and reporting
//!   estimated token usage. It says plainly what it cannot answer.
//! - [`openai`]: [`OpenAiChatModel`], a real model on any OpenAI-compatible Chat Completions
//!   server (OpenAI, Azure OpenAI's v1 API, Ollama, vLLM, llama.cpp, LiteLLM), configured with an
//!   [`OpenAiConfig`]; and [`parse_prices`], the reader of the `LLM_PRICES` price table.

pub mod offline;
pub mod openai;

pub use crate::offline::{MODEL_NAME, OfflineAnalyst};
pub use crate::openai::{OpenAiChatModel, OpenAiConfig, OpenAiConfigError, PriceParseError, ToolChoice, parse_prices};
