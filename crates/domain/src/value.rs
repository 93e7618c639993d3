//! A generic tree of values, the shape of JSON without depending on a JSON crate: tool arguments
//! arrive as one from every model adapter, and tool results, parameter schemas and the working shown
//! with an answer leave as one. Adapters convert it to and from their wire format at their edge.

use std::fmt;

/// A value: null, a boolean, a number, a string, a list or an object whose keys keep their order.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// No value.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number; integers up to 2^53 are exact.
    Number(f64),
    /// A string.
    String(String),
    /// A list.
    Array(Vec<Value>),
    /// An object, keys in insertion order.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// An empty object, to be filled with [`Value::with`].
    pub const fn object() -> Self {
        Self::Object(Vec::new())
    }

    /// This object with `key` set to `value` (added last); other values are returned unchanged.
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.insert(key, value);
        self
    }

    /// Sets `key` of an object to `value`, replacing an earlier value of the key; does nothing to a
    /// value that is not an object.
    pub fn insert(&mut self, key: &str, value: impl Into<Value>) {
        if let Self::Object(fields) = self {
            let value = value.into();
            match fields.iter_mut().find(|(k, _)| k == key) {
                Some((_, old)) => *old = value,
                None => fields.push((key.to_owned(), value)),
            }
        }
    }

    /// The value of `key` when this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Self::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, when this is one.
    pub const fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The boolean, when this is one.
    pub const fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The items, when this is a list.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Self::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The fields, when this is an object.
    pub fn as_object(&self) -> Option<&[(String, Value)]> {
        match self {
            Self::Object(fields) => Some(fields),
            _ => None,
        }
    }

    /// Whether this is [`Value::Null`].
    pub const fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// Every number in the tree, depth first, with the key it was found under (the list's key for
    /// list items; empty at the top).
    pub fn numbers(&self) -> Vec<(&str, f64)> {
        fn walk<'a>(value: &'a Value, key: &'a str, out: &mut Vec<(&'a str, f64)>) {
            match value {
                Value::Number(n) => out.push((key, *n)),
                Value::Array(items) => items.iter().for_each(|v| walk(v, key, out)),
                Value::Object(fields) => fields.iter().for_each(|(k, v)| walk(v, k, out)),
                Value::Null | Value::Bool(_) | Value::String(_) => {}
            }
        }
        let mut out = Vec::new();
        walk(self, "", &mut out);
        out
    }

    /// A short, JSON-like rendering for messages to people and models (`{"a": 1}`), cut at
    /// `max_chars` characters with an ellipsis.
    pub fn summary(&self, max_chars: usize) -> String {
        let full = self.to_string();
        if full.chars().count() <= max_chars {
            return full;
        }
        let mut cut: String = full.chars().take(max_chars).collect();
        cut.push('…');
        cut
    }
}

impl fmt::Display for Value {
    /// Compact JSON syntax; strings are quoted with `"` and `\` escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("null"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => write!(f, "{n:.0}"),
            Self::Number(n) => write!(f, "{n}"),
            Self::String(s) => write_quoted(f, s),
            Self::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    fmt::Display::fmt(item, f)?;
                }
                f.write_str("]")
            }
            Self::Object(fields) => {
                f.write_str("{")?;
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    f.write_str("\"")?;
                    f.write_str(key)?;
                    f.write_str("\":")?;
                    fmt::Display::fmt(value, f)?;
                }
                f.write_str("}")
            }
        }
    }
}

/// `s` between `"`, with `\` and `"` escaped, written in runs between the escapes.
fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    let mut run = 0;
    for (at, c) in s.char_indices() {
        if matches!(c, '\\' | '"') {
            f.write_str(&s[run..at])?;
            f.write_str(if c == '\\' { "\\\\" } else { "\\\"" })?;
            run = at + 1;
        }
    }
    f.write_str(&s[run..])?;
    f.write_str("\"")
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Self::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Self::Number(n)
    }
}

impl From<u64> for Value {
    #[allow(clippy::cast_precision_loss)] // counts stay far below 2^53
    fn from(n: u64) -> Self {
        Self::Number(n as f64)
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Self::Number(f64::from(n))
    }
}

impl From<i64> for Value {
    #[allow(clippy::cast_precision_loss)] // day counts and differences stay far below 2^53
    fn from(n: i64) -> Self {
        Self::Number(n as f64)
    }
}

impl From<usize> for Value {
    #[allow(clippy::cast_precision_loss)] // list lengths stay far below 2^53
    fn from(n: usize) -> Self {
        Self::Number(n as f64)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Self::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Self::String(s)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Self::Null, Into::into)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Self {
        Self::Array(items.into_iter().map(Into::into).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_keep_their_key_order_and_replace_a_repeated_key() {
        let v = Value::object().with("b", 1_u64).with("a", "x").with("b", 2_u64);
        assert_eq!(v.to_string(), r#"{"b":2,"a":"x"}"#);
        assert_eq!(v.get("a").and_then(Value::as_str), Some("x"));
        assert_eq!(v.get("missing"), None);
    }

    #[test]
    fn numbers_are_found_with_their_keys() {
        let v = Value::object()
            .with("spend", 12.5)
            .with("rows", vec![Value::object().with("clicks", 3_u64), Value::object().with("clicks", 4_u64)]);
        assert_eq!(v.numbers(), vec![("spend", 12.5), ("clicks", 3.0), ("clicks", 4.0)]);
    }

    #[test]
    fn renderings_are_json_like_and_cut_when_long() {
        let v = Value::Array(vec![Value::Null, true.into(), 1.5.into(), "a\"b".into()]);
        assert_eq!(v.to_string(), r#"[null,true,1.5,"a\"b"]"#);
        let escapes = Value::from(r#"\"é\\"#);
        assert_eq!(escapes.to_string(), r#""\\\"é\\\\""#, "every backslash and quote escaped, the rest kept");
        assert_eq!(Value::from("abcdef").summary(3), "\"ab…");
    }
}
