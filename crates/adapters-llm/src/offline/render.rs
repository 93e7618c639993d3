//! Requests and tool calls rendered as text, to estimate the tokens a hosted model would have read
//! and written for them.

use std::fmt::Write;

use domain::analyst::{ChatRequest, ChatTurn, ToolCall, ToolOutput, ToolRequest};

/// Everything a model reads for `request`: the tools offered and every turn, tool results included.
pub fn request(request: &ChatRequest) -> String {
    let mut out = String::new();
    for tool in &request.tools {
        let _ = writeln!(out, "tool {}: {}", tool.name(), tool.description());
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
                // The figures' debug form is about as long as the JSON a hosted model would be sent.
                let ToolOutput::ClientData(view) = output;
                let _ = writeln!(out, "tool {call_id}: {view:?}");
            }
        }
    }
    out
}

/// Tool calls as a model writes them: one `id name {arguments}` line each.
pub fn tool_calls_text(calls: &[ToolCall]) -> String {
    let mut out = String::new();
    for call in calls {
        let ToolRequest::ClientData { platforms } = &call.request;
        let keys: Vec<String> = platforms.iter().map(|p| format!("\"{}\"", p.key())).collect();
        let _ = writeln!(out, "{} get_client_data {{\"platforms\":[{}]}}", call.id, keys.join(","));
    }
    out
}

#[cfg(test)]
mod tests {
    use domain::analyst::{ClientDataView, ToolKind};
    use domain::platform::Platform;

    use super::*;

    #[test]
    fn every_turn_and_tool_result_is_rendered() {
        let view = ClientDataView { client_name: "Acme".into(), demo: true, sources: vec![] };
        let call = ToolCall {
            id: "call_1".into(),
            request: ToolRequest::ClientData { platforms: vec![Platform::GoogleAds, Platform::MetaAds] },
        };
        let text = request(&ChatRequest {
            turns: vec![
                ChatTurn::System("be brief".into()),
                ChatTurn::User("spend?".into()),
                ChatTurn::Assistant { text: String::new(), tool_calls: vec![call] },
                ChatTurn::Tool { call_id: "call_1".into(), output: ToolOutput::ClientData(view) },
            ],
            tools: ToolKind::ALL.to_vec(),
        });
        for part in [
            "tool get_client_data: Returns",
            "system: be brief",
            "user: spend?",
            "call_1 get_client_data {\"platforms\":[\"googleAds\",\"metaAds\"]}",
            "tool call_1: ClientDataView { client_name: \"Acme\"",
        ] {
            assert!(text.contains(part), "{part} missing from {text}");
        }
    }
}
