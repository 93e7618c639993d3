//! Parameter descriptions of the tools, written once and rendered as JSON Schema (as a [`Value`])
//! for every model adapter.

use crate::value::Value;

/// The shape of a tool parameter: a small subset of JSON Schema that every provider accepts.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// A string, optionally one of a list, optionally with a `format` (`date`).
    String {
        /// What it means.
        description: &'static str,
        /// The values allowed; any string when empty.
        choices: Vec<&'static str>,
        /// A JSON Schema format such as `date`.
        format: Option<&'static str>,
    },
    /// An integer within bounds.
    Integer {
        /// What it means.
        description: &'static str,
        /// Smallest value.
        minimum: u32,
        /// Largest value.
        maximum: u32,
    },
    /// `true` or `false`.
    Boolean {
        /// What it means.
        description: &'static str,
    },
    /// A list of strings from a list of choices.
    StringList {
        /// What it means.
        description: &'static str,
        /// The values allowed.
        choices: Vec<&'static str>,
    },
    /// An object with named fields.
    Object {
        /// What it means.
        description: &'static str,
        /// The fields, with whether each is required.
        fields: Vec<Field>,
    },
}

/// A named field of an object parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The field's name.
    pub name: &'static str,
    /// Its shape.
    pub param: Param,
    /// Whether it must be given.
    pub required: bool,
}

impl Field {
    /// A required field.
    pub const fn required(name: &'static str, param: Param) -> Self {
        Self { name, param, required: true }
    }

    /// An optional field.
    pub const fn optional(name: &'static str, param: Param) -> Self {
        Self { name, param, required: false }
    }
}

impl Param {
    /// The parameter as JSON Schema.
    pub fn to_json_schema(&self) -> Value {
        match self {
            Self::String { description, choices, format } => {
                let mut v = Value::object().with("type", "string").with("description", *description);
                if !choices.is_empty() {
                    v.insert("enum", choices.clone());
                }
                if let Some(format) = format {
                    v.insert("format", *format);
                }
                v
            }
            Self::Integer { description, minimum, maximum } => Value::object()
                .with("type", "integer")
                .with("description", *description)
                .with("minimum", *minimum)
                .with("maximum", *maximum),
            Self::Boolean { description } => Value::object().with("type", "boolean").with("description", *description),
            Self::StringList { description, choices } => Value::object()
                .with("type", "array")
                .with("description", *description)
                .with("items", Value::object().with("type", "string").with("enum", choices.clone())),
            Self::Object { description, fields } => {
                let properties =
                    Value::Object(fields.iter().map(|f| (f.name.to_owned(), f.param.to_json_schema())).collect());
                let required: Vec<&str> = fields.iter().filter(|f| f.required).map(|f| f.name).collect();
                Value::object()
                    .with("type", "object")
                    .with("description", *description)
                    .with("properties", properties)
                    .with("required", required)
                    .with("additionalProperties", false)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_render_as_json_schema_with_their_required_fields() {
        let param = Param::Object {
            description: "a range",
            fields: vec![
                Field::required("preset", Param::String { description: "p", choices: vec!["today"], format: None }),
                Field::optional("start", Param::String { description: "s", choices: vec![], format: Some("date") }),
            ],
        };
        assert_eq!(
            param.to_json_schema().to_string(),
            r#"{"type":"object","description":"a range","properties":{"preset":{"type":"string","description":"p","enum":["today"]},"start":{"type":"string","description":"s","format":"date"}},"required":["preset"],"additionalProperties":false}"#
        );
    }
}
