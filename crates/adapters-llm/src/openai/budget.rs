//! The context budget: which turns are sent so that the prompt and the answer's room fit the
//! model's context window.
//!
//! Always sent: the leading system prompt, the tool definitions, and the last user turn with
//! everything after it (this question's tool rounds). Before them, the most recent earlier turns
//! that fit, newest first; an assistant turn that called tools and the tool results answering it
//! go together or not at all (a tool result without its call is refused by servers).

use std::ops::Range;

use crate::openai::tokens::REPLY_PRIMING;
use crate::openai::wire::Message;

/// The conversation as messages with their token counts, grouped for the budget.
#[derive(Debug)]
pub(crate) struct Prompt<'a> {
    messages: Vec<Message<'a>>,
    tokens: Vec<u64>,
    /// Leading system messages.
    head: Range<usize>,
    /// Earlier turns, each unit kept or dropped whole, oldest first.
    units: Vec<Range<usize>>,
    /// The last user turn and what follows it.
    tail: Range<usize>,
}

/// The messages chosen for one request, borrowed from the prompt.
#[derive(Debug)]
pub(crate) struct Window<'a> {
    pub(crate) messages: Vec<&'a Message<'a>>,
    /// Tokens of everything sent, tools and priming included, by the budget's count.
    pub(crate) prompt_tokens: u64,
    /// Tokens of the earlier turns sent.
    pub(crate) history_tokens: u64,
    /// Earlier messages left out.
    pub(crate) dropped: usize,
}

impl<'a> Prompt<'a> {
    /// The prompt of `messages`, each costing `tokens(message)` (its text and the chat format's
    /// tokens per message).
    pub(crate) fn new(messages: Vec<Message<'a>>, tokens: impl Fn(&Message<'a>) -> u64) -> Self {
        let tokens: Vec<u64> = messages.iter().map(tokens).collect();
        let head_end = messages.iter().take_while(|m| matches!(m, Message::System { .. })).count();
        let tail_start = messages
            .iter()
            .rposition(|m| matches!(m, Message::User { .. }))
            .filter(|&i| i >= head_end)
            .unwrap_or(head_end);
        let mut units: Vec<Range<usize>> = Vec::new();
        let mut i = head_end;
        while i < tail_start {
            let start = i;
            i += 1;
            if messages[start].calls_tools() {
                while i < tail_start && matches!(messages[i], Message::Tool { .. }) {
                    i += 1;
                }
            } else if matches!(messages[start], Message::Tool { .. }) {
                // A result whose call is not in the history: never sent.
                continue;
            }
            units.push(start..i);
        }
        let len = messages.len();
        Self { messages, tokens, head: 0..head_end, units, tail: tail_start..len }
    }

    /// The messages that fit `history_budget` tokens of earlier turns, with the fixed parts.
    pub(crate) fn window(&self, history_budget: u64, tool_tokens: u64) -> Window<'_> {
        let mut kept: Vec<&Range<usize>> = Vec::new();
        let mut history_tokens = 0;
        for unit in self.units.iter().rev() {
            let cost: u64 = self.tokens[unit.clone()].iter().sum();
            if history_tokens + cost > history_budget {
                break;
            }
            history_tokens += cost;
            kept.push(unit);
        }
        kept.reverse();
        let mut messages: Vec<&Message<'a>> = Vec::new();
        messages.extend(&self.messages[self.head.clone()]);
        for unit in &kept {
            messages.extend(&self.messages[(*unit).clone()]);
        }
        messages.extend(&self.messages[self.tail.clone()]);
        let earlier: usize = self.units.iter().map(ExactSizeIterator::len).sum();
        let sent: usize = kept.iter().map(|u| u.len()).sum();
        Window {
            messages,
            prompt_tokens: self.fixed_tokens() + tool_tokens + history_tokens,
            history_tokens,
            dropped: earlier - sent,
        }
    }

    /// Tokens always sent: the system prompt, the current question and its rounds, the priming.
    pub(crate) fn fixed_tokens(&self) -> u64 {
        let head: u64 = self.tokens[self.head.clone()].iter().sum();
        let tail: u64 = self.tokens[self.tail.clone()].iter().sum();
        head + tail + REPLY_PRIMING
    }
}

#[cfg(test)]
mod tests {
    use domain::analyst::ChatTurn;
    use domain::tools::{ToolCall, ToolOutput};
    use domain::value::Value;

    use super::*;
    use crate::openai::tokens::{PER_MESSAGE, Tokenizer};

    fn prompt(turns: &[ChatTurn]) -> Prompt<'_> {
        let tokenizer = Tokenizer::for_model("gpt-4o");
        Prompt::new(turns.iter().map(Message::from_turn).collect(), |m| {
            PER_MESSAGE + tokenizer.budget_count(&m.token_text())
        })
    }

    fn call(id: &str) -> ToolCall {
        ToolCall { id: id.into(), name: "blended_totals".into(), arguments: Value::object() }
    }

    fn result(id: &str) -> ChatTurn {
        ChatTurn::Tool { call_id: id.into(), output: ToolOutput::Error { tool: None, message: "x".repeat(400) } }
    }

    fn roles(window: &Window) -> Vec<String> {
        window
            .messages
            .iter()
            .map(|m| match m {
                Message::System { content } | Message::User { content } => content.to_string(),
                Message::Assistant { content, tool_calls } => {
                    format!("assistant:{content}:{}", tool_calls.len())
                }
                Message::Tool { tool_call_id, .. } => format!("tool:{tool_call_id}"),
            })
            .collect()
    }

    fn conversation() -> Vec<ChatTurn> {
        vec![
            ChatTurn::System("rules".into()),
            ChatTurn::User("q1".into()),
            ChatTurn::Assistant { text: String::new(), tool_calls: vec![call("a"), call("b")] },
            result("a"),
            result("b"),
            ChatTurn::Assistant { text: "answer 1".into(), tool_calls: vec![] },
            ChatTurn::User("q2".into()),
            ChatTurn::Assistant { text: "answer 2".into(), tool_calls: vec![] },
            ChatTurn::User("q3".into()),
            ChatTurn::Assistant { text: String::new(), tool_calls: vec![call("c")] },
            result("c"),
        ]
    }

    #[test]
    fn everything_is_sent_when_it_fits() {
        let turns = conversation();
        let p = prompt(&turns);
        let w = p.window(u64::MAX, 0);
        assert_eq!(w.messages.len(), 11);
        assert_eq!(w.dropped, 0);
    }

    #[test]
    fn a_small_budget_keeps_the_system_prompt_and_the_current_question_with_its_rounds() {
        let turns = conversation();
        let p = prompt(&turns);
        let w = p.window(0, 0);
        assert_eq!(roles(&w), ["rules", "q3", "assistant::1", "tool:c"]);
        assert_eq!(w.dropped, 7);
        assert_eq!(w.history_tokens, 0);
    }

    #[test]
    fn the_most_recent_turns_that_fit_are_kept_and_a_tool_call_never_loses_its_results() {
        let turns = conversation();
        let p = prompt(&turns);
        // Room for "q2" and "answer 2" and "answer 1", not for the tool round with its long results.
        let w = p.window(40, 0);
        assert_eq!(
            roles(&w),
            ["rules", "assistant:answer 1:0", "q2", "assistant:answer 2:0", "q3", "assistant::1", "tool:c"]
        );
        // The tool round goes in whole once it fits.
        let w = p.window(2_000, 0);
        assert_eq!(w.messages.len(), 11);
    }

    #[test]
    fn a_tool_result_whose_call_is_not_in_the_history_is_never_sent() {
        let turns = [ChatTurn::System("rules".into()), result("orphan"), ChatTurn::User("q".into())];
        let p = prompt(&turns);
        assert_eq!(roles(&p.window(u64::MAX, 0)), ["rules", "q"]);
    }

    #[test]
    fn the_prompt_count_adds_the_tools_and_the_history_to_the_fixed_part() {
        let turns = conversation();
        let p = prompt(&turns);
        let w = p.window(40, 100);
        assert_eq!(w.prompt_tokens, p.fixed_tokens() + 100 + w.history_tokens);
        assert!(w.history_tokens > 0 && w.history_tokens <= 40);
    }
}
