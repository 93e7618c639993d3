//! The domain's [`Value`] tree on the wire: serialized as JSON and read from JSON without a detour
//! through `serde_json::Value`, whose maps would sort the keys (the domain keeps them in order).

use std::fmt;

use domain::value::Value;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// Largest integer an `f64` holds exactly; integral numbers up to it are written without a fraction.
const MAX_EXACT_INTEGER: f64 = 9_007_199_254_740_992.0;

/// Serializes a borrowed [`Value`] as JSON, keys in order; non-finite numbers become `null`.
pub(crate) struct Json<'a>(pub(crate) &'a Value);

impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) if !n.is_finite() => serializer.serialize_unit(),
            #[allow(clippy::cast_possible_truncation)] // integral and within ±2^53, so exact
            Value::Number(n) if n.fract() == 0.0 && n.abs() <= MAX_EXACT_INTEGER => serializer.serialize_i64(*n as i64),
            Value::Number(n) => serializer.serialize_f64(*n),
            Value::String(s) => serializer.serialize_str(s),
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Json(item))?;
                }
                seq.end()
            }
            Value::Object(fields) => {
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (key, value) in fields {
                    map.serialize_entry(key, &Json(value))?;
                }
                map.end()
            }
        }
    }
}

/// Compact JSON text of `value`.
pub(crate) fn to_json_string(value: &Value) -> String {
    // Serializing a tree of plain values into a String cannot fail.
    serde_json::to_string(&Json(value)).unwrap_or_default()
}

/// A [`Value`] read from any JSON, keys kept in the order the document has them.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct WireValue(pub(crate) Value);

impl<'de> Deserialize<'de> for WireValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor).map(WireValue)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    #[allow(clippy::cast_precision_loss)] // the domain's numbers are f64; exact up to 2^53
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }

    #[allow(clippy::cast_precision_loss)]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(WireValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Value::object();
        while let Some((key, WireValue(value))) = map.next_entry::<String, WireValue>()? {
            // `insert` keeps the first position of a repeated key and its last value, as
            // JSON parsers commonly do.
            object.insert(&key, value);
        }
        Ok(object)
    }
}

/// The tool-call arguments a model wrote, as a [`Value`]: the parsed JSON, an empty object for no
/// text at all, or the raw text as a string when it is not JSON, so the domain answers with a tool
/// error the model can correct.
pub(crate) fn parse_arguments(raw: &str) -> Value {
    if raw.trim().is_empty() {
        return Value::object();
    }
    match serde_json::from_str::<WireValue>(raw) {
        Ok(WireValue(value)) => value,
        Err(_) => Value::String(raw.to_owned()),
    }
}

/// The arguments as the model reads them back in its own earlier turn: JSON text, or the raw text
/// it wrote when that was not JSON.
pub(crate) fn arguments_text(arguments: &Value) -> String {
    match arguments {
        Value::String(raw) => raw.clone(),
        other => to_json_string(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_keep_their_key_order_both_ways() {
        let raw = r#"{"zeta":1,"alpha":{"b":[1,2.5,"x"],"a":null},"mid":true}"#;
        let WireValue(value) = serde_json::from_str(raw).unwrap();
        let keys: Vec<&str> = value.as_object().unwrap().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["zeta", "alpha", "mid"]);
        assert_eq!(to_json_string(&value), raw);
    }

    #[test]
    fn integral_numbers_are_written_without_a_fraction_and_nan_as_null() {
        let value = Value::object().with("limit", 10.0).with("rate", 0.25).with("bad", f64::NAN);
        assert_eq!(to_json_string(&value), r#"{"limit":10,"rate":0.25,"bad":null}"#);
    }

    #[test]
    fn strings_are_escaped_as_json() {
        let value = Value::String("a \"quote\", a \\ and a\nnew line".into());
        assert_eq!(to_json_string(&value), r#""a \"quote\", a \\ and a\nnew line""#);
    }

    #[test]
    fn arguments_that_are_not_json_stay_as_the_raw_text() {
        assert_eq!(parse_arguments("{\"platform\": \"meta\""), Value::String("{\"platform\": \"meta\"".into()));
        assert_eq!(parse_arguments("   "), Value::object());
        assert_eq!(parse_arguments("{\"a\":1}"), Value::object().with("a", 1.0));
        assert_eq!(arguments_text(&Value::String("oops".into())), "oops");
        assert_eq!(arguments_text(&Value::object().with("a", 1.0)), "{\"a\":1}");
    }
}
