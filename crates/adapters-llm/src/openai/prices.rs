//! The `LLM_PRICES` format: a price table in USD per million input/output tokens.

use domain::analyst::{ModelPrice, PriceTable};

/// Why a price table could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceParseError {
    /// The text lists no price.
    #[error("the price table lists no model")]
    Empty,
    /// An entry is not `model=input/output`.
    #[error("price entry {entry:?} is not model=input/output (USD per million tokens)")]
    Shape {
        /// The entry as written.
        entry: String,
    },
    /// A price is not a non-negative decimal number.
    #[error("price entry {entry:?} has a price that is not a non-negative number")]
    Number {
        /// The entry as written.
        entry: String,
    },
    /// A model is listed twice.
    #[error("model {model:?} is priced twice")]
    Duplicate {
        /// The model.
        model: String,
    },
}

/// Reads a price table written as `model=input/output` entries separated by commas (or
/// semicolons), prices in USD per million tokens, for example
/// `gpt-4o-mini=0.15/0.60,gpt-4o=2.50/10.00`. Whitespace around names and numbers is ignored, and
/// so are empty entries (a trailing comma). A model name prices every dated variant that starts
/// with it (`gpt-4o-mini` prices `gpt-4o-mini-2024-07-18`; the longest listed prefix wins).
pub fn parse_prices(text: &str) -> Result<PriceTable, PriceParseError> {
    let mut prices: Vec<(String, ModelPrice)> = Vec::new();
    for entry in text.split([',', ';']).map(str::trim).filter(|e| !e.is_empty()) {
        let shape = || PriceParseError::Shape { entry: entry.to_owned() };
        let (model, pair) = entry.split_once('=').ok_or_else(shape)?;
        let (input, output) = pair.split_once('/').ok_or_else(shape)?;
        let model = model.trim();
        if model.is_empty() {
            return Err(shape());
        }
        let number = |raw: &str| {
            raw.trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .ok_or_else(|| PriceParseError::Number { entry: entry.to_owned() })
        };
        let price = ModelPrice { input_per_million: number(input)?, output_per_million: number(output)? };
        if prices.iter().any(|(m, _)| m == model) {
            return Err(PriceParseError::Duplicate { model: model.to_owned() });
        }
        prices.push((model.to_owned(), price));
    }
    if prices.is_empty() {
        return Err(PriceParseError::Empty);
    }
    Ok(PriceTable::new(prices))
}

#[cfg(test)]
mod tests {
    use domain::analyst::TokenUsage;

    use super::*;

    const MILLION: TokenUsage = TokenUsage { input: 1_000_000, output: 1_000_000, estimated: false };

    #[test]
    fn a_table_of_models_and_prices_is_read() {
        let table = parse_prices(" gpt-4o-mini = 0.15 / 0.60 , gpt-4o=2.50/10.00; llama3.1=0/0,").unwrap();
        assert!((table.cost("gpt-4o-mini-2024-07-18", MILLION) - 0.75).abs() < 1e-9);
        assert!((table.cost("gpt-4o", MILLION) - 12.5).abs() < 1e-9);
        assert!(table.cost("llama3.1", MILLION).abs() < f64::EPSILON);
    }

    #[test]
    fn bad_entries_are_named_in_the_error() {
        for (text, want) in [
            ("", PriceParseError::Empty),
            (" , ", PriceParseError::Empty),
            ("gpt-4o", PriceParseError::Shape { entry: "gpt-4o".into() }),
            ("gpt-4o=2.5", PriceParseError::Shape { entry: "gpt-4o=2.5".into() }),
            ("=1/2", PriceParseError::Shape { entry: "=1/2".into() }),
            ("gpt-4o=cheap/10", PriceParseError::Number { entry: "gpt-4o=cheap/10".into() }),
            ("gpt-4o=-1/10", PriceParseError::Number { entry: "gpt-4o=-1/10".into() }),
            ("gpt-4o=1/NaN", PriceParseError::Number { entry: "gpt-4o=1/NaN".into() }),
            ("a=1/1,a=2/2", PriceParseError::Duplicate { model: "a".into() }),
        ] {
            assert_eq!(parse_prices(text).unwrap_err(), want, "{text:?}");
        }
    }
}
