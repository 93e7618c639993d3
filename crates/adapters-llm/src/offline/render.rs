//! Requests and tool calls rendered as text, to estimate the tokens a hosted model would have read
//! and written for them: the tools' JSON Schema definitions, every turn, each call's arguments and
//! each result as the JSON a model is sent ([`ToolOutput::to_value`]).

use std::fmt::Write;

use domain::analyst::{ChatRequest, ChatTurn};
use domain::tools::{ToolCall, ToolOutput};

/// Everything a model reads for `request`: the tools offered and every turn, tool results included.
pub fn request(request: &ChatRequest) -> String {
    let mut out = String::new();
    for tool in &request.tools {
        let _ = writeln!(out, "tool {}: {}", tool.name(), tool.parameters().to_json_schema());
    }
    for turn in &request.turns {
        match turn {
            ChatTurn::System(text) => {
                let _ = writeln!(out, "system: {text}");
            }
            ChatTurn::User(text) => {
                let _ = writeln!(out, "user: {text}");
            }
            ChatTurn::Assistant { text, tool_calls } => {
                let _ = writeln!(out, "assistant: {text}");
                out.push_str(&tool_calls_text(tool_calls));
            }
            ChatTurn::Tool { call_id, output } => {
                let _ = writeln!(out, "tool {call_id}: {}", result(output));
            }
        }
    }
    out
}

/// A result as a model is sent it.
fn result(output: &ToolOutput) -> String {
    output.to_value().to_string()
}

/// Tool calls as a model writes them: one `id name {arguments}` line each.
pub fn tool_calls_text(calls: &[ToolCall]) -> String {
    let mut out = String::new();
    for call in calls {
        let _ = writeln!(out, "{} {} {}", call.id, call.name, call.arguments);
    }
    out
}

#[cfg(test)]
mod tests {
    use domain::analyst::AnalystContext;
    use domain::dates::{ClientTimeZone, Preset, RangeSpec};
    use domain::platform::Platform;
    use domain::tools::{ToolKind, ToolRequest};

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
        let text = request(&ChatRequest {
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
        });
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
