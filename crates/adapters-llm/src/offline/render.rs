//! Requests and tool calls rendered as text, to estimate the tokens a hosted model would have read
//! and written for them: the tools' JSON Schema definitions, every turn, each call's arguments and
//! each result as the JSON a model is sent ([`domain::tools::ToolOutput::to_value`]).

use std::fmt::Write;
use std::sync::LazyLock;

use domain::analyst::{ChatRequest, ChatTurn};
#[cfg(test)]
use domain::tools::ToolOutput;
use domain::tools::{ToolCall, ToolKind};
use domain::value::Value;

/// Everything a model reads for `request`: the tools offered and every turn, tool results included.
#[cfg(test)]
pub fn request(request: &ChatRequest) -> String {
    let mut out = String::new();
    write_request(&mut out, request);
    out
}

/// The characters of everything a model reads for `request`, counted without writing the text (it
/// is only ever counted): the same count as `request(request).chars().count()`.
pub fn request_chars(request: &ChatRequest) -> u64 {
    let turns: u64 = request.turns.iter().map(turn_chars).sum();
    turns + request.tools.iter().map(|&tool| definition_chars(tool)).sum::<u64>()
}

/// The characters of `tool`'s definition line. Definitions never change, so each is written and
/// counted once.
fn definition_chars(tool: ToolKind) -> u64 {
    static COUNTS: LazyLock<Vec<(ToolKind, u64)>> = LazyLock::new(|| {
        ToolKind::ALL
            .iter()
            .map(|&tool| {
                let mut line = String::new();
                write_definition(&mut line, tool);
                (tool, chars(&line))
            })
            .collect()
    });
    COUNTS.iter().find(|(kind, _)| *kind == tool).map_or(0, |&(_, chars)| chars)
}

/// Writes what [`request_chars`] counts.
#[cfg(test)]
fn write_request(out: &mut impl Write, request: &ChatRequest) {
    for &tool in &request.tools {
        write_definition(out, tool);
    }
    write_turns(out, request);
}

/// A tool's definition as a model is offered it: its name and its parameters' JSON Schema.
fn write_definition(out: &mut impl Write, tool: ToolKind) {
    let _ = writeln!(out, "tool {}: {}", tool.name(), tool.parameters().to_json_schema());
}

/// Every turn of `request`, tool results included.
#[cfg(test)]
fn write_turns(out: &mut impl Write, request: &ChatRequest) {
    for turn in &request.turns {
        let _ = match turn {
            ChatTurn::System(text) => writeln!(out, "system: {text}"),
            ChatTurn::User(text) => writeln!(out, "user: {text}"),
            ChatTurn::Assistant { text, tool_calls } => {
                writeln!(out, "assistant: {text}").and_then(|()| write_tool_calls(out, tool_calls))
            }
            // A result as a model is sent it.
            ChatTurn::Tool { call_id, output } => writeln!(out, "tool {call_id}: {}", output.to_value()),
        };
    }
}

/// The characters [`write_turns`] writes for `turn`: its prefix, its text and the line's end.
fn turn_chars(turn: &ChatTurn) -> u64 {
    match turn {
        ChatTurn::System(text) => chars("system: ") + chars(text) + 1,
        ChatTurn::User(text) => chars("user: ") + chars(text) + 1,
        ChatTurn::Assistant { text, tool_calls } => {
            chars("assistant: ") + chars(text) + 1 + tool_calls_chars(tool_calls)
        }
        ChatTurn::Tool { call_id, output } => {
            chars("tool ") + chars(call_id) + chars(": ") + value_chars(&output.to_value()) + 1
        }
    }
}

/// The characters of `text`; ASCII text, the usual kind, is counted by its length.
fn chars(text: &str) -> u64 {
    let count = if text.is_ascii() { text.len() } else { text.chars().count() };
    count as u64
}

/// The characters of `value`'s compact JSON text (its `Display`), worked out from the tree rather
/// than written: only numbers with a fraction are formatted, and only to be measured. Tests hold it
/// to the written text, for tricky values and for every request of the exchanges in `tests`.
fn value_chars(value: &Value) -> u64 {
    match value {
        // `null`, `true`.
        Value::Null | Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        Value::Number(n) => number_chars(*n),
        // Quoted, each `\` and `"` escaped with one more character (both are ASCII, so bytes can
        // be counted).
        Value::String(s) => 2 + chars(s) + s.bytes().filter(|b| matches!(b, b'\\' | b'"')).count() as u64,
        // Brackets and commas.
        Value::Array(items) => 1 + items.len().max(1) as u64 + items.iter().map(value_chars).sum::<u64>(),
        // Braces and commas, and each key quoted (unescaped) with a colon.
        Value::Object(fields) => {
            1 + fields.len().max(1) as u64
                + fields.iter().map(|(key, value)| chars(key) + 3 + value_chars(value)).sum::<u64>()
        }
    }
}

/// The characters of a number as [`Value`] writes it: a whole number below 10^15 without decimals
/// (its digits and its sign, negative zero included), any other in Rust's shortest form.
fn number_chars(n: f64) -> u64 {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        // Whole and below 10^15, so exact as an integer.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let digits = (n.abs() as u64).checked_ilog10().map_or(1, |log| log + 1);
        u64::from(digits) + u64::from(n.is_sign_negative())
    } else {
        // Numbers are written in ASCII.
        let mut counter = ByteCounter(0);
        let _ = write!(counter, "{n}");
        counter.0
    }
}

/// Counts the bytes written to it.
struct ByteCounter(u64);

impl Write for ByteCounter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0 += s.len() as u64;
        Ok(())
    }
}

/// Tool calls as a model writes them: one `id name {arguments}` line each.
#[cfg(test)]
pub fn tool_calls_text(calls: &[ToolCall]) -> String {
    let mut out = String::new();
    let _ = write_tool_calls(&mut out, calls);
    out
}

/// The characters of [`tool_calls_text`], counted without writing it.
pub fn tool_calls_chars(calls: &[ToolCall]) -> u64 {
    calls.iter().map(|call| chars(&call.id) + 1 + chars(&call.name) + 1 + value_chars(&call.arguments) + 1).sum()
}

#[cfg(test)]
fn write_tool_calls(out: &mut impl Write, calls: &[ToolCall]) -> std::fmt::Result {
    for call in calls {
        writeln!(out, "{} {} {}", call.id, call.name, call.arguments)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use domain::analyst::AnalystContext;
    use domain::dates::{ClientTimeZone, Preset, RangeSpec};
    use domain::platform::Platform;
    use domain::tools::ToolRequest;

    use super::*;

    #[test]
    fn values_are_counted_as_they_are_written() {
        let values = [
            Value::Null,
            true.into(),
            false.into(),
            Value::Array(vec![]),
            Value::object(),
            Value::from(r#"a "quoted" \ café, 1–30 Nov"#),
            Value::Array(vec![Value::Null, "x".into(), Value::Array(vec![Value::object()])]),
            Value::object().with("naïve key", vec![1.5, -2.0]).with("b", Value::Null),
        ];
        let numbers = [
            0.0,
            -0.0,
            7.0,
            -7.0,
            10.0,
            99.0,
            100.0,
            1234.57,
            -0.01,
            0.1 + 0.2,
            1e15 - 1.0,
            1e15,
            -1e15,
            1e16,
            1e21,
            1e-7,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for value in values.into_iter().chain(numbers.map(Value::from)) {
            let text = value.to_string();
            assert_eq!(value_chars(&value), text.chars().count() as u64, "{text}");
        }
    }

    #[test]
    fn every_turn_tool_definition_and_tool_result_is_rendered() {
        let call = ToolCall::of(
            "call_1",
            &ToolRequest::PlatformSummary {
                platform: Platform::GoogleAds,
                range: RangeSpec::preset(Preset::LastMonth),
            },
        );
        let error =
            ToolOutput::Error { tool: Some(ToolKind::PlatformSummary), message: "googleAds is not connected".into() };
        let chat = ChatRequest {
            turns: vec![
                ChatTurn::System("be brief".into()),
                ChatTurn::User("spend?".into()),
                ChatTurn::Assistant { text: String::new(), tool_calls: vec![call] },
                ChatTurn::Tool { call_id: "call_1".into(), output: error },
            ],
            tools: ToolKind::ALL.to_vec(),
            context: AnalystContext {
                client_name: "Acme".into(),
                today: "2026-12-01".parse().unwrap(),
                time_zone: ClientTimeZone::UTC,
                demo: true,
                platforms: vec![],
            },
        };
        let text = request(&chat);
        assert_eq!(request_chars(&chat), text.chars().count() as u64, "the count is of the very text");
        for part in [
            "tool get_platform_summary: {\"type\":\"object\"",
            "tool get_timeseries: {",
            "system: be brief",
            "user: spend?",
            "call_1 get_platform_summary {\"platform\":\"googleAds\",\"range\":{\"preset\":\"last_month\"}}",
            "tool call_1: {\"error\":\"googleAds is not connected\"}",
        ] {
            assert!(text.contains(part), "{part} missing from {text}");
        }
    }
}
