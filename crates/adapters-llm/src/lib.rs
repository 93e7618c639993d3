//! Chat models behind the domain's [`domain::ports::ChatModel`] port.
//!
//! - [`offline`]: [`OfflineAnalyst`], a deterministic analyst that needs no API key, so the service
//!   runs end to end on a laptop and in tests. It follows the same protocol as a real model: it first
//!   asks for the client's data through the `get_client_data` tool, then answers from the tool's
//!   result, streaming the answer and reporting estimated token usage.
//! - An OpenAI-compatible Chat Completions client will live beside it in an `openai` module (wire
//!   types, SSE streaming, tool calls, error mapping); it is not written yet.

pub mod offline;

pub use crate::offline::{MODEL_NAME, OfflineAnalyst};
