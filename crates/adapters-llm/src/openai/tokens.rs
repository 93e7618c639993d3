//! Counting tokens with a real tokenizer (`tiktoken`), for the context budget and for usage that a
//! server does not report.
//!
//! The encoding's tables take about 40 MB once built (`o200k_base`: three copies of 200,000 byte
//! strings), so they are built on the first count, not with the model: a budget that fits by its
//! byte count ([`Tokenizer::budget_bound`]) and a server that reports its usage never need them.

use tiktoken_rs::CoreBPE;

/// Tokens added per message by the chat format (role and separators), as OpenAI counts them.
pub(crate) const PER_MESSAGE: u64 = 4;
/// Tokens that prime the reply (`<|im_start|>assistant`).
pub(crate) const REPLY_PRIMING: u64 = 3;

/// The tokenizer of a model family.
#[derive(Clone, Copy)]
pub(crate) struct Tokenizer {
    /// The encoding's tables, built on the first call.
    bpe: fn() -> &'static CoreBPE,
    /// Whether this is the model's own encoding; otherwise counts are a proxy.
    exact: bool,
    name: &'static str,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The encoding's tables are large and say nothing its name does not.
        f.debug_struct("Tokenizer").field("encoding", &self.name).field("exact", &self.exact).finish_non_exhaustive()
    }
}

impl Tokenizer {
    /// The encoding of `model`'s family: `o200k_base` for gpt-4o, gpt-4.1, gpt-4.5, gpt-5 and the
    /// o-series, `cl100k_base` for gpt-4 and gpt-3.5; for any other model `cl100k_base` as a proxy
    /// (open models' tokenizers are of that size; their counts are estimates either way). Nothing
    /// is loaded yet.
    pub(crate) fn for_model(model: &str) -> Self {
        let lower = model.trim().to_ascii_lowercase();
        // Gateways prefix the provider ("openai/gpt-4o"); Azure deployments are often named after
        // the model they serve.
        let name = lower.rsplit('/').next().unwrap_or(&lower);
        let o200k = ["gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4"]
            .iter()
            .any(|p| name.starts_with(p));
        if o200k {
            return Self { bpe: tiktoken_rs::o200k_base_singleton, exact: true, name: "o200k_base" };
        }
        let cl100k = name.starts_with("gpt-4") || name.starts_with("gpt-3.5") || name.starts_with("gpt-35");
        Self { bpe: tiktoken_rs::cl100k_base_singleton, exact: cl100k, name: "cl100k_base" }
    }

    /// Tokens of `text`; the first call builds the encoding's tables.
    pub(crate) fn count(self, text: &str) -> u64 {
        if text.is_empty() {
            return 0;
        }
        (self.bpe)().encode_with_special_tokens(text).len() as u64
    }

    /// Tokens of `text` as the budget reckons them: a proxy tokenizer's count gets an eighth more,
    /// since open models' vocabularies are mostly smaller than `cl100k_base`'s.
    pub(crate) fn budget_count(self, text: &str) -> u64 {
        self.with_margin(self.count(text))
    }

    /// An upper bound of [`Tokenizer::budget_count`] for a text of `bytes` bytes, without the
    /// tables: every token of a byte-level encoding stands for at least one byte.
    pub(crate) const fn budget_bound(self, bytes: usize) -> u64 {
        self.with_margin(bytes as u64)
    }

    const fn with_margin(self, n: u64) -> u64 {
        if self.exact { n } else { n + n.div_ceil(8) }
    }

    /// The encoding's name, for traces.
    pub(crate) const fn name(self) -> &'static str {
        self.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_model_family_gets_its_encoding() {
        for (model, encoding, exact) in [
            ("gpt-4o-mini", "o200k_base", true),
            ("gpt-4o-2024-08-06", "o200k_base", true),
            ("openai/gpt-4.1", "o200k_base", true),
            ("o3-mini", "o200k_base", true),
            ("gpt-4-turbo", "cl100k_base", true),
            ("gpt-3.5-turbo", "cl100k_base", true),
            ("llama3.1:8b", "cl100k_base", false),
            ("smollm2-135m-instruct", "cl100k_base", false),
        ] {
            let t = Tokenizer::for_model(model);
            assert_eq!((t.name(), t.exact), (encoding, exact), "{model}");
        }
    }

    #[test]
    fn text_is_counted_in_real_tokens() {
        let t = Tokenizer::for_model("gpt-4o");
        assert_eq!(t.count(""), 0);
        assert_eq!(t.count("hello world"), 2);
        let proxy = Tokenizer::for_model("mistral");
        let text = "What did we spend on Meta last month, and how does it compare with September?";
        assert!(proxy.budget_count(text) > proxy.count(text));
    }

    #[test]
    fn the_byte_bound_is_never_below_the_budgets_count() {
        let texts = [
            "hello world",
            "What did we spend on Meta last month, and how does it compare with September?",
            "  \n\n\t  trailing and leading whitespace   ",
            "Kosten pro Klick: 1,23 € — Zürich, Genève, 東京, 北京, 😀🎉🚀",
            "<|endoftext|><|im_start|>assistant",
            "{\"platform\":\"googleAds\",\"range\":{\"preset\":\"last_30_days\"}}",
            "a",
        ];
        for model in ["gpt-4o", "gpt-4", "mistral"] {
            let t = Tokenizer::for_model(model);
            for text in texts {
                assert!(t.budget_bound(text.len()) >= t.budget_count(text), "{model}: {text:?}");
            }
        }
    }
}
