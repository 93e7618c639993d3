//! The Chat Completions wire format: what is sent (only fields every compatible server accepts)
//! and what is read back (every field optional, unknown fields ignored, nulls where values were
//! expected tolerated).

use std::borrow::Cow;

use domain::analyst::ChatTurn;
use domain::tools::ToolKind;
use domain::value::Value;
use serde::{Deserialize, Serialize};

use crate::openai::json::{Json, WireValue, arguments_text, to_json_string};

/// The request body.
#[derive(Debug, Serialize)]
pub(crate) struct ChatBody<'a> {
    pub(crate) model: &'a str,
    pub(crate) messages: &'a [&'a Message<'a>],
    /// Absent when no tools are offered: some servers reject an empty array.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tools: Option<&'a serde_json::value::RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tool_choice: Option<ToolChoiceWire<'a>>,
    pub(crate) max_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) temperature: Option<f32>,
    pub(crate) stream: bool,
    /// Only with `stream: true`: OpenAI rejects it otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) stream_options: Option<StreamOptions>,
}

/// `{"include_usage": true}`: the last chunk carries the usage.
#[derive(Debug, Serialize)]
pub(crate) struct StreamOptions {
    pub(crate) include_usage: bool,
}

/// `"auto"` or `{"type": "function", "function": {"name": ...}}`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum ToolChoiceWire<'a> {
    Mode(&'static str),
    Function {
        #[serde(rename = "type")]
        kind: &'static str,
        function: FunctionName<'a>,
    },
}

#[derive(Debug, Serialize)]
pub(crate) struct FunctionName<'a> {
    pub(crate) name: &'a str,
}

/// One message of the conversation.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "role", rename_all = "lowercase")]
pub(crate) enum Message<'a> {
    System {
        content: Cow<'a, str>,
    },
    User {
        content: Cow<'a, str>,
    },
    Assistant {
        /// The text, `""` when the turn only called tools: OpenAI's documented `null` is refused
        /// by llama-cpp-python (a 500 from its request validation), an empty string by no server.
        content: Cow<'a, str>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        tool_calls: Vec<ToolCallOut<'a>>,
    },
    Tool {
        tool_call_id: &'a str,
        /// The result as JSON text: every server takes a string here.
        content: String,
    },
}

impl<'a> Message<'a> {
    /// The domain's turn on the wire, borrowing its text: a prompt holds no copy of the history.
    pub(crate) fn from_turn(turn: &'a ChatTurn) -> Self {
        match turn {
            ChatTurn::System(text) => Self::System { content: Cow::Borrowed(text) },
            ChatTurn::User(text) => Self::User { content: Cow::Borrowed(text) },
            ChatTurn::Assistant { text, tool_calls } => Self::Assistant {
                content: Cow::Borrowed(text),
                tool_calls: tool_calls
                    .iter()
                    .map(|call| ToolCallOut {
                        id: &call.id,
                        kind: "function",
                        function: FunctionOut { name: &call.name, arguments: arguments_text(&call.arguments) },
                    })
                    .collect(),
            },
            ChatTurn::Tool { call_id, output } => {
                Self::Tool { tool_call_id: call_id, content: to_json_string(&output.to_value()) }
            }
        }
    }

    /// The text a tokenizer reads of this message.
    pub(crate) fn token_text(&self) -> String {
        self.token_parts().collect()
    }

    /// The length in bytes of [`Message::token_text`], without writing the text out.
    pub(crate) fn token_text_len(&self) -> usize {
        self.token_parts().map(str::len).sum()
    }

    /// Feeds `hasher` what [`Message::token_text`] reads, without writing the text out.
    pub(crate) fn hash_token_text(&self, hasher: &mut impl std::hash::Hasher) {
        for part in self.token_parts() {
            hasher.write(part.as_bytes());
        }
    }

    /// The pieces of [`Message::token_text`], in order: the text, then each call's name and
    /// arguments.
    fn token_parts(&self) -> impl Iterator<Item = &str> {
        let (content, calls): (&str, &[ToolCallOut<'_>]) = match self {
            Self::System { content } | Self::User { content } => (content, &[]),
            Self::Tool { content, .. } => (content, &[]),
            Self::Assistant { content, tool_calls } => (content, tool_calls),
        };
        std::iter::once(content)
            .chain(calls.iter().flat_map(|call| [call.function.name, call.function.arguments.as_str()]))
    }

    /// Whether this is an assistant turn that called tools.
    pub(crate) fn calls_tools(&self) -> bool {
        matches!(self, Self::Assistant { tool_calls, .. } if !tool_calls.is_empty())
    }
}

/// A tool call of an earlier assistant turn.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ToolCallOut<'a> {
    pub(crate) id: &'a str,
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) function: FunctionOut<'a>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct FunctionOut<'a> {
    pub(crate) name: &'a str,
    /// JSON text, as the model wrote it.
    pub(crate) arguments: String,
}

/// A tool offered to the model.
#[derive(Debug, Serialize)]
pub(crate) struct ToolDef {
    #[serde(rename = "type")]
    kind: &'static str,
    function: FunctionDef,
}

#[derive(Debug, Serialize)]
struct FunctionDef {
    name: &'static str,
    description: &'static str,
    parameters: Schema,
}

/// A tool's parameters as JSON Schema, in the domain's key order.
#[derive(Debug)]
struct Schema(Value);

impl Serialize for Schema {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Json(&self.0).serialize(serializer)
    }
}

impl ToolDef {
    pub(crate) fn of(kind: ToolKind) -> Self {
        Self {
            kind: "function",
            function: FunctionDef {
                name: kind.name(),
                description: kind.description(),
                parameters: Schema(kind.parameters().to_json_schema()),
            },
        }
    }

    pub(crate) const fn name(&self) -> &'static str {
        self.function.name
    }
}

// ---- What comes back ----------------------------------------------------------------------------

/// One streamed event's JSON (`chat.completion.chunk`).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Chunk {
    #[serde(default)]
    pub(crate) model: Option<String>,
    /// `[]` (or absent) on the usage chunk.
    #[serde(default)]
    pub(crate) choices: Option<Vec<ChunkChoice>>,
    #[serde(default)]
    pub(crate) usage: Option<Usage>,
    /// Some servers report a failure inside the stream.
    #[serde(default)]
    pub(crate) error: Option<WireValue>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ChunkChoice {
    #[serde(default)]
    pub(crate) index: Option<u32>,
    #[serde(default)]
    pub(crate) delta: Option<Delta>,
    /// A few servers send whole messages in their chunks.
    #[serde(default)]
    pub(crate) message: Option<Delta>,
    #[serde(default)]
    pub(crate) finish_reason: Option<String>,
}

/// A piece of the assistant's message (or, non-streamed, all of it).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Delta {
    #[serde(default)]
    pub(crate) content: Option<WireValue>,
    #[serde(default)]
    pub(crate) tool_calls: Option<Vec<ToolCallDelta>>,
    /// The legacy single call, used only when `tool_calls` is absent.
    #[serde(default)]
    pub(crate) function_call: Option<FunctionDelta>,
}

impl Delta {
    /// The text of `content`: a string, or the text parts of a list of parts.
    pub(crate) fn text(&self) -> Option<String> {
        match self.content.as_ref().map(|c| &c.0) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Array(parts)) => {
                Some(parts.iter().filter_map(|p| p.get("text").and_then(Value::as_str)).collect::<String>())
            }
            _ => None,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ToolCallDelta {
    #[serde(default)]
    pub(crate) index: Option<u32>,
    #[serde(default)]
    pub(crate) id: Option<String>,
    #[serde(default)]
    pub(crate) function: Option<FunctionDelta>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct FunctionDelta {
    #[serde(default)]
    pub(crate) name: Option<String>,
    /// A piece of JSON text, usually; some servers send the whole arguments as an object.
    #[serde(default)]
    pub(crate) arguments: Option<WireValue>,
}

/// Token counts as servers report them; any may be missing.
#[derive(Debug, Default, Clone, Copy, Deserialize)]
pub(crate) struct Usage {
    #[serde(default)]
    pub(crate) prompt_tokens: Option<u64>,
    #[serde(default)]
    pub(crate) completion_tokens: Option<u64>,
}

/// A non-streamed answer (`chat.completion`).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Completion {
    #[serde(default)]
    pub(crate) model: Option<String>,
    #[serde(default)]
    pub(crate) choices: Option<Vec<ChunkChoice>>,
    #[serde(default)]
    pub(crate) usage: Option<Usage>,
    #[serde(default)]
    pub(crate) error: Option<WireValue>,
}

/// The human-readable message and the code of an error body, whatever its shape:
/// `{"error": {"message", "code"}}` (OpenAI, llama.cpp), `{"error": "..."}` (Ollama),
/// `{"message": ..., "code": ...}` (vLLM), `{"detail": ...}` (servers built on `FastAPI`).
pub(crate) fn error_parts(body: &Value) -> (Option<String>, Option<String>) {
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(other @ (Value::Object(_) | Value::Array(_))) => Some(to_json_string(other)),
        _ => None,
    };
    let inner = match body.get("error") {
        Some(err @ Value::Object(_)) => err,
        Some(Value::String(s)) => return (Some(s.clone()), None),
        _ => body,
    };
    let message = text(inner.get("message")).or_else(|| text(inner.get("detail"))).or_else(|| text(body.get("detail")));
    let code = text(inner.get("code")).or_else(|| text(inner.get("type")));
    (message, code)
}

#[cfg(test)]
mod tests {
    use domain::tools::{ToolCall, ToolOutput};

    use super::*;

    #[test]
    fn an_assistant_turn_that_only_called_tools_has_empty_content_and_function_calls() {
        let turn = ChatTurn::Assistant {
            text: String::new(),
            tool_calls: vec![ToolCall {
                id: "call_1".into(),
                name: "blended_totals".into(),
                arguments: Value::object().with("range", Value::object().with("preset", "last_month")),
            }],
        };
        let json = serde_json::to_value(Message::from_turn(&turn)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "role": "assistant",
                "content": "",
                "tool_calls": [{
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "blended_totals", "arguments": "{\"range\":{\"preset\":\"last_month\"}}"}
                }]
            })
        );
    }

    #[test]
    fn a_tool_result_is_a_tool_message_with_json_text() {
        let turn = ChatTurn::Tool {
            call_id: "call_9".into(),
            output: ToolOutput::Error { tool: None, message: "unknown platform \"tiktok\"".into() },
        };
        let json = serde_json::to_value(Message::from_turn(&turn)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"role": "tool", "tool_call_id": "call_9", "content": "{\"error\":\"unknown platform \\\"tiktok\\\"\"}"})
        );
    }

    #[test]
    fn tool_definitions_carry_the_domains_json_schema() {
        let json = serde_json::to_value(ToolDef::of(ToolKind::BlendedTotals)).unwrap();
        assert_eq!(json["type"], "function");
        assert_eq!(json["function"]["name"], "blended_totals");
        assert_eq!(json["function"]["parameters"]["type"], "object");
        assert!(json["function"]["parameters"]["properties"]["range"].is_object());
    }

    #[test]
    fn error_bodies_of_every_shape_give_their_message_and_code() {
        let parse = |raw: &str| error_parts(&serde_json::from_str::<WireValue>(raw).unwrap().0);
        assert_eq!(
            parse(
                r#"{"error":{"message":"too long","type":"invalid_request_error","code":"context_length_exceeded"}}"#
            ),
            (Some("too long".into()), Some("context_length_exceeded".into()))
        );
        assert_eq!(parse(r#"{"error":"model not found"}"#), (Some("model not found".into()), None));
        assert_eq!(parse(r#"{"object":"error","message":"bad","code":400}"#), (Some("bad".into()), Some("400".into())));
        assert_eq!(parse(r#"{"detail":"Not Found"}"#), (Some("Not Found".into()), None));
    }
}
