//! The one error every constructor of a validated value returns.

use std::borrow::Cow;

/// Input that breaks a rule, naming the offending field so a person can fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    field: Cow<'static, str>,
    message: Cow<'static, str>,
}

impl ValidationError {
    /// A rule broken by `field`, explained by `message` (lowercase, no trailing full stop).
    pub fn new(field: impl Into<Cow<'static, str>>, message: impl Into<Cow<'static, str>>) -> Self {
        Self { field: field.into(), message: message.into() }
    }

    /// The field (in the API's camelCase spelling) that broke the rule.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// What is wrong and how to fix it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Trims `raw` and checks that it holds between `min` and `max` characters.
pub(crate) fn bounded_text(field: &'static str, raw: &str, min: usize, max: usize) -> Result<String, ValidationError> {
    let trimmed = raw.trim();
    let len = trimmed.chars().count();
    if len < min {
        return Err(ValidationError::new(
            field,
            if min == 1 { "must not be empty".to_owned() } else { format!("must be at least {min} characters") },
        ));
    }
    if len > max {
        return Err(ValidationError::new(field, format!("must be at most {max} characters (got {len})")));
    }
    Ok(trimmed.to_owned())
}
