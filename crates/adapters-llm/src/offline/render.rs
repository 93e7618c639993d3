//! Requests and tool calls rendered as text, to estimate the tokens a hosted model would have read
//! and written for them: the tools' JSON Schema definitions, every turn, each call's arguments and
//! each result as the JSON a model is sent ([`domain::tools::ToolOutput::to_value`]).

use std::fmt::Write;
use std::sync::LazyLock;

use domain::analyst::{ChatRequest, ChatTurn};
#[cfg(test)]
use domain::tools::ToolOutput;
use domain::tools::{ToolCall, ToolKind};

/// Everything a model reads for `request`: the tools offered and every turn, tool results included.
#[cfg(test)]
pub fn request(request: &ChatRequest) -> String {
    let mut out = String::new();
    write_request(&mut out, request);
    out
}

/// The characters of everything a model reads for `request`, counted as it is written, without
/// holding the text (it is only ever counted).
pub fn request_chars(request: &ChatRequest) -> u64 {
    let mut counter = CharCounter(0);
    write_turns(&mut counter, request);
    counter.0 + request.tools.iter().map(|&tool| definition_chars(tool)).sum::<u64>()
}

/// The characters of `tool`'s definition line. Definitions never change, so each is written and
/// counted once.
fn definition_chars(tool: ToolKind) -> u64 {
    static COUNTS: LazyLock<Vec<(ToolKind, u64)>> = LazyLock::new(|| {
        ToolKind::ALL
            .iter()
            .map(|&tool| {
                let mut counter = CharCounter(0);
                write_definition(&mut counter, tool);
                (tool, counter.0)
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

/// Counts the characters written to it.
struct CharCounter(u64);

impl Write for CharCounter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0 += s.chars().count() as u64;
        Ok(())
    }
}

/// Tool calls as a model writes them: one `id name {arguments}` line each.
pub fn tool_calls_text(calls: &[ToolCall]) -> String {
    let mut out = String::new();
    let _ = write_tool_calls(&mut out, calls);
    out
}

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
