//! Putting a round's answer together from what the server sent: streamed chunks or one whole
//! message, tolerating how servers differ.
//!
//! Tool calls are keyed by their `index`; a call without one is matched by its `id`, and a call
//! with neither continues the last call unless it names a function (then it is a new call). Names
//! and ids sent again with every piece (llama-cpp-python does) are not repeated; arguments sent as
//! an object instead of a string are taken whole. Calls without an id get `call_<n>`.

use domain::tools::ToolCall;
use domain::value::Value;

use crate::openai::json::{parse_arguments, to_json_string};
use crate::openai::wire::{ChunkChoice, Delta, FunctionDelta, ToolCallDelta, Usage};

/// A tool call being assembled.
#[derive(Debug, Default)]
struct PartialCall {
    index: Option<u32>,
    id: Option<String>,
    name: String,
    /// Pieces of JSON text, concatenated.
    arguments: String,
    /// Arguments that arrived as a JSON object rather than text.
    whole: Option<Value>,
}

/// A round's answer as it arrives.
#[derive(Debug, Default)]
pub(crate) struct Assembler {
    pub(crate) text: String,
    calls: Vec<PartialCall>,
    pub(crate) finish_reason: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) usage: Option<Usage>,
}

impl Assembler {
    /// Notes the model a chunk names; the first one wins.
    pub(crate) fn model(&mut self, model: Option<&str>) {
        if self.model.is_none() {
            if let Some(m) = model.map(str::trim).filter(|m| !m.is_empty()) {
                self.model = Some(m.to_owned());
            }
        }
    }

    /// Notes a usage report; a later one replaces an earlier one.
    pub(crate) fn usage(&mut self, usage: Option<Usage>) {
        if let Some(u) = usage {
            if u.prompt_tokens.is_some() || u.completion_tokens.is_some() {
                self.usage = Some(u);
            }
        }
    }

    /// Takes one choice of a chunk (or a whole message), returning the text it adds.
    pub(crate) fn choice(&mut self, choice: ChunkChoice) -> Option<String> {
        if choice.index.is_some_and(|i| i != 0) {
            // Only one choice is asked for; ignore any other.
            return None;
        }
        if let Some(reason) = choice.finish_reason.filter(|r| !r.is_empty()) {
            self.finish_reason = Some(reason);
        }
        let mut added: Option<String> = None;
        for delta in [choice.delta, choice.message].into_iter().flatten() {
            if let Some(text) = self.delta(delta) {
                added.get_or_insert_with(String::new).push_str(&text);
            }
        }
        added
    }

    fn delta(&mut self, delta: Delta) -> Option<String> {
        let text = delta.text().filter(|t| !t.is_empty());
        if let Some(t) = &text {
            self.text.push_str(t);
        }
        match (delta.tool_calls, delta.function_call) {
            (Some(calls), _) if !calls.is_empty() => calls.into_iter().for_each(|c| self.call(c)),
            (_, Some(function)) => self.call(ToolCallDelta { index: Some(0), id: None, function: Some(function) }),
            _ => {}
        }
        text
    }

    fn call(&mut self, piece: ToolCallDelta) {
        let FunctionDelta { name, arguments } = piece.function.unwrap_or_default();
        let name = name.filter(|n| !n.is_empty());
        let id = piece.id.filter(|i| !i.is_empty());
        let found = match (piece.index, &id) {
            (Some(index), _) => self.calls.iter().position(|c| c.index == Some(index)),
            (None, Some(id)) => self.calls.iter().position(|c| c.id.as_ref() == Some(id)),
            (None, None) if name.is_none() => self.calls.len().checked_sub(1),
            (None, None) => None,
        };
        let at = found.unwrap_or_else(|| {
            self.calls.push(PartialCall { index: piece.index, ..PartialCall::default() });
            self.calls.len() - 1
        });
        let call = &mut self.calls[at];
        if call.id.is_none() {
            call.id = id;
        }
        if call.name.is_empty() {
            if let Some(name) = name {
                call.name = name;
            }
        }
        match arguments.map(|a| a.0) {
            Some(Value::String(piece)) => call.arguments.push_str(&piece),
            Some(Value::Null) | None => {}
            Some(whole) => call.whole = Some(whole),
        }
    }

    /// Whether the round has produced anything at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.text.is_empty() && self.calls.is_empty()
    }

    /// The tool calls, in order, their arguments parsed.
    pub(crate) fn tool_calls(&self) -> Vec<ToolCall> {
        self.calls
            .iter()
            .filter(|c| !c.name.is_empty())
            .enumerate()
            .map(|(n, c)| ToolCall {
                id: c.id.clone().unwrap_or_else(|| format!("call_{}", n + 1)),
                name: c.name.clone(),
                arguments: match &c.whole {
                    Some(whole) if c.arguments.trim().is_empty() => whole.clone(),
                    _ => parse_arguments(&c.arguments),
                },
            })
            .collect()
    }

    /// The text a tokenizer reads of the output, for usage estimates.
    pub(crate) fn output_text(&self) -> String {
        let mut out = self.text.clone();
        for call in self.tool_calls() {
            out.push_str(&call.name);
            out.push_str(&to_json_string(&call.arguments));
        }
        out
    }
}

/// Markers with which models that write tool calls as text begin them.
const TOOL_TEXT_MARKERS: [&str; 8] =
    ["{", "[", "<tool_call>", "<|tool_call|>", "<function", "functions.", "[TOOL_CALLS]", "<|python_tag|>"];

/// What a round with tools offered may pass on to the client while it streams.
///
/// Text is held back while it may still be the start of a tool call written as text (for a retry
/// without streaming must not follow text the client has seen), and passed on as soon as it
/// cannot be.
#[derive(Debug, Default)]
pub(crate) struct TextGate {
    held: String,
    state: GateState,
}

#[derive(Debug, Default, PartialEq, Eq)]
enum GateState {
    /// Nothing decided yet.
    #[default]
    Open,
    /// It starts like a tool call: hold everything to the end.
    Holding,
    /// Plain text: pass everything on.
    Passing,
}

impl TextGate {
    /// A gate that passes everything at once, for rounds without tools.
    pub(crate) fn passing() -> Self {
        Self { held: String::new(), state: GateState::Passing }
    }

    /// Takes a piece of text; returns what may be sent to the client now.
    pub(crate) fn push(&mut self, piece: &str) -> Option<String> {
        if self.state == GateState::Passing {
            return Some(piece.to_owned());
        }
        self.held.push_str(piece);
        if self.state == GateState::Holding {
            return None;
        }
        let start = self.held.trim_start();
        if start.is_empty() || TOOL_TEXT_MARKERS.iter().any(|m| m.starts_with(start) && m.len() > start.len()) {
            return None;
        }
        if TOOL_TEXT_MARKERS.iter().any(|m| start.starts_with(m)) {
            self.state = GateState::Holding;
            return None;
        }
        self.state = GateState::Passing;
        Some(std::mem::take(&mut self.held))
    }

    /// At the end of the round: the text still held back, if any.
    pub(crate) fn finish(&mut self) -> Option<String> {
        Some(std::mem::take(&mut self.held)).filter(|t| !t.is_empty())
    }
}

/// Whether `text` is a tool call written as text: it begins like one and names an offered tool.
pub(crate) fn is_tool_call_text(text: &str, tool_names: &[&str]) -> bool {
    let start = text.trim_start();
    TOOL_TEXT_MARKERS.iter().any(|m| start.starts_with(m)) && tool_names.iter().any(|name| start.contains(name))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::openai::wire::Chunk;

    fn feed(assembler: &mut Assembler, chunks: &[serde_json::Value]) -> String {
        let mut out = String::new();
        for chunk in chunks {
            let chunk: Chunk = serde_json::from_value(chunk.clone()).unwrap();
            assembler.model(chunk.model.as_deref());
            assembler.usage(chunk.usage);
            for choice in chunk.choices.unwrap_or_default() {
                if let Some(t) = assembler.choice(choice) {
                    out.push_str(&t);
                }
            }
        }
        out
    }

    #[test]
    fn arguments_in_pieces_are_joined_per_index() {
        let mut a = Assembler::default();
        feed(
            &mut a,
            &[
                json!({"choices":[{"delta":{"tool_calls":[{"index":0,"id":"c0","type":"function","function":{"name":"f","arguments":""}}]}}]}),
                json!({"choices":[{"delta":{"tool_calls":[{"index":1,"id":"c1","function":{"name":"g","arguments":"{\"b\":"}}]}}]}),
                json!({"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":1}"}}]}}]}),
                json!({"choices":[{"delta":{"tool_calls":[{"index":1,"function":{"arguments":"2}"}}]}}]}),
                json!({"choices":[{"delta":{},"finish_reason":"tool_calls"}]}),
            ],
        );
        let calls = a.tool_calls();
        assert_eq!(calls.len(), 2);
        assert_eq!((calls[0].id.as_str(), calls[0].name.as_str()), ("c0", "f"));
        assert_eq!(calls[0].arguments, Value::object().with("a", 1.0));
        assert_eq!(calls[1].arguments, Value::object().with("b", 2.0));
        assert_eq!(a.finish_reason.as_deref(), Some("tool_calls"));
    }

    #[test]
    fn names_and_ids_repeated_with_every_piece_are_not_repeated() {
        let mut a = Assembler::default();
        let piece = |args: &str| {
            json!({"choices":[{"delta":{"role":null,"content":null,"function_call":{"name":"f","arguments":args},
                "tool_calls":[{"index":0,"id":"call__0_f_cmpl","type":"function","function":{"name":"f","arguments":args}}]}}]})
        };
        feed(&mut a, &[piece("{\"x\""), piece(": 3}")]);
        let calls = a.tool_calls();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].name, "f");
        assert_eq!(calls[0].id, "call__0_f_cmpl");
        assert_eq!(calls[0].arguments, Value::object().with("x", 3.0));
    }

    #[test]
    fn calls_without_index_or_id_get_numbered_ids_and_object_arguments_are_taken_whole() {
        let mut a = Assembler::default();
        feed(
            &mut a,
            &[
                json!({"choices":[{"delta":{"content":"Let me look.","tool_calls":[{"function":{"name":"f","arguments":{"a":1}}}]}}]}),
                json!({"choices":[{"delta":{"tool_calls":[{"function":{"name":"g","arguments":"{}"}}]}}]}),
                json!({"choices":[{"delta":{"tool_calls":[{"function":{"arguments":""}}]},"finish_reason":"tool_calls"}]}),
            ],
        );
        let calls = a.tool_calls();
        assert_eq!(calls.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["call_1", "call_2"]);
        assert_eq!(calls[0].arguments, Value::object().with("a", 1.0));
        assert_eq!(calls[1].arguments, Value::object());
        assert_eq!(a.text, "Let me look.");
    }

    #[test]
    fn usage_chunks_with_no_choices_and_the_first_model_named_are_kept() {
        let mut a = Assembler::default();
        let text = feed(
            &mut a,
            &[
                json!({"model":"m-1","choices":[{"index":0,"delta":{"role":"assistant","content":""}}],"usage":null}),
                json!({"model":"m-1","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}],"extra":{"x":1}}),
                json!({"model":"m-2","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}),
            ],
        );
        assert_eq!(text, "Hi");
        assert_eq!(a.model.as_deref(), Some("m-1"));
        assert_eq!(a.usage.unwrap().prompt_tokens, Some(5));
        assert_eq!(a.finish_reason.as_deref(), Some("stop"));
    }

    #[test]
    fn the_gate_passes_plain_text_at_once_and_holds_what_may_be_a_tool_call() {
        let mut g = TextGate::default();
        assert_eq!(g.push(" "), None);
        assert_eq!(g.push("Spend"), Some(" Spend".into()));
        assert_eq!(g.push(" rose"), Some(" rose".into()));
        assert_eq!(g.finish(), None);

        let mut g = TextGate::default();
        assert_eq!(g.push("<tool"), None);
        assert_eq!(g.push("_call>{\"name\""), None);
        assert_eq!(g.push(": \"blended_totals\"}"), None);
        let held = g.finish().unwrap();
        assert!(is_tool_call_text(&held, &["blended_totals"]));
        assert!(!is_tool_call_text(&held, &["list_campaigns"]));

        let mut g = TextGate::default();
        assert_eq!(g.push("fun"), None);
        assert_eq!(g.push("ny"), Some("funny".into()));
    }
}
