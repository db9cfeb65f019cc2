//! Field-by-field validation of JSON bodies, collecting every problem at once into the
//! 422 shape of seed 000: `{"message": "The given data was invalid.", "errors": {field: [..]}}`.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Errors(pub BTreeMap<String, Vec<String>>);

impl Errors {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_string()).or_default().push(message.into());
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }
    /// `Ok(())` when nothing was recorded, else the errors themselves.
    pub fn into_result(self) -> Result<(), Errors> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
    /// Adds every message of `other` (problems found by another reader of the same request).
    pub fn merge(&mut self, other: Errors) {
        for (field, messages) in other.0 {
            self.0.entry(field).or_default().extend(messages);
        }
    }
    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.add(field, message);
        e
    }
}

/// A JSON object being read field by field. Each getter records its own error and returns
/// `None` on a problem, so a handler reads every field and then checks `errors` once.
/// `Some(None)` means "present and null" for the optional getters: PATCH needs the
/// difference between "leave as is" (absent) and "clear" (null).
pub struct Input<'a> {
    pub map: &'a Map<String, Value>,
    pub errors: Errors,
}

impl<'a> Input<'a> {
    pub fn new(map: &'a Map<String, Value>) -> Self {
        Self { map, errors: Errors::new() }
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// A required non-blank string of at most `max` characters.
    pub fn required_str(&mut self, key: &str, max: usize) -> Option<&'a str> {
        match self.map.get(key) {
            None | Some(Value::Null) => {
                self.errors.add(key, format!("The {key} field is required."));
                None
            }
            Some(v) => self.check_str(key, v, max, false),
        }
    }

    /// An optional string: `None` absent, `Some(None)` null, `Some(Some(s))` a string.
    pub fn optional_str(&mut self, key: &str, max: usize) -> Option<Option<&'a str>> {
        match self.map.get(key) {
            None => None,
            Some(Value::Null) => Some(None),
            Some(v) => self.check_str(key, v, max, true).map(Some),
        }
    }

    fn check_str(&mut self, key: &str, v: &'a Value, max: usize, blank_ok: bool) -> Option<&'a str> {
        match v {
            Value::String(s) if !blank_ok && s.trim().is_empty() => {
                self.errors.add(key, format!("The {key} field is required."));
                None
            }
            Value::String(s) if s.chars().count() > max => {
                self.errors.add(key, format!("The {key} may not be greater than {max} characters."));
                None
            }
            Value::String(s) => Some(s.as_str()),
            _ => {
                self.errors.add(key, format!("The {key} must be a string."));
                None
            }
        }
    }

    /// An optional integer within `min..=max`.
    pub fn optional_int(&mut self, key: &str, min: i64, max: i64) -> Option<Option<i64>> {
        match self.map.get(key) {
            None => None,
            Some(Value::Null) => Some(None),
            Some(v) => match v.as_i64() {
                Some(n) if n >= min && n <= max => Some(Some(n)),
                Some(_) => {
                    self.errors.add(key, format!("The {key} must be between {min} and {max}."));
                    None
                }
                None => {
                    self.errors.add(key, format!("The {key} must be an integer."));
                    None
                }
            },
        }
    }

    pub fn optional_bool(&mut self, key: &str) -> Option<Option<bool>> {
        match self.map.get(key) {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::Bool(b)) => Some(Some(*b)),
            Some(_) => {
                self.errors.add(key, format!("The {key} field must be true or false."));
                None
            }
        }
    }

    /// An optional string that must be one of `allowed`.
    pub fn optional_enum(&mut self, key: &str, allowed: &[&str]) -> Option<Option<&'a str>> {
        let v = self.optional_str(key, 255)?;
        match v {
            Some(s) if !allowed.contains(&s) => {
                self.errors.add(key, format!("The {key} must be one of {}.", allowed.join(", ")));
                None
            }
            other => Some(other),
        }
    }

    /// An optional array of strings, each at most `max` characters.
    pub fn optional_str_array(&mut self, key: &str, max: usize) -> Option<Option<Vec<&'a str>>> {
        match self.map.get(key) {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(s) if s.chars().count() <= max => out.push(s.as_str()),
                        _ => {
                            self.errors.add(
                                key,
                                format!("The {key} must be an array of strings of at most {max} characters."),
                            );
                            return None;
                        }
                    }
                }
                Some(Some(out))
            }
            Some(_) => {
                self.errors.add(key, format!("The {key} must be an array of strings."));
                None
            }
        }
    }

    /// An optional RFC 3339 date-time that must lie after `now_ms`, as unix milliseconds.
    pub fn optional_future_time(&mut self, key: &str, now_ms: i64) -> Option<i64> {
        let raw = self.optional_str(key, 64).flatten()?;
        match super::time::parse_millis(raw) {
            Some(ms) if ms > now_ms => Some(ms),
            Some(_) => {
                self.errors.add(key, format!("The {key} must be a date in the future."));
                None
            }
            None => {
                self.errors.add(key, format!("The {key} must be an RFC 3339 date-time, e.g. 2027-01-31T00:00:00Z."));
                None
            }
        }
    }

    /// An optional JSON object.
    pub fn optional_object(&mut self, key: &str) -> Option<Option<&'a Map<String, Value>>> {
        match self.map.get(key) {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::Object(m)) => Some(Some(m)),
            Some(_) => {
                self.errors.add(key, format!("The {key} must be an object."));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn required_string_rules() {
        let m = obj(json!({"a": "x", "b": "  ", "c": 3, "d": null, "e": "toolong"}));
        let mut i = Input::new(&m);
        assert_eq!(i.required_str("a", 10), Some("x"));
        assert_eq!(i.required_str("b", 10), None);
        assert_eq!(i.required_str("c", 10), None);
        assert_eq!(i.required_str("d", 10), None);
        assert_eq!(i.required_str("missing", 10), None);
        assert_eq!(i.required_str("e", 3), None);
        assert_eq!(i.errors.0["b"], vec!["The b field is required."]);
        assert_eq!(i.errors.0["c"], vec!["The c must be a string."]);
        assert_eq!(i.errors.0["missing"], vec!["The missing field is required."]);
        assert_eq!(i.errors.0["e"], vec!["The e may not be greater than 3 characters."]);
        assert!(!i.errors.has("a"));
    }

    #[test]
    fn optional_distinguishes_absent_null_and_value() {
        let m = obj(
            json!({"n": null, "s": "v", "i": 5, "big": 99, "f": 1.5, "t": true, "o": {}, "arr": ["a"], "bad": [1]}),
        );
        let mut i = Input::new(&m);
        assert_eq!(i.optional_str("absent", 5), None);
        assert_eq!(i.optional_str("n", 5), Some(None));
        assert_eq!(i.optional_str("s", 5), Some(Some("v")));
        assert_eq!(i.optional_int("i", 1, 10), Some(Some(5)));
        assert_eq!(i.optional_int("big", 1, 10), None);
        assert_eq!(i.optional_int("f", 1, 10), None);
        assert_eq!(i.optional_bool("t"), Some(Some(true)));
        assert_eq!(i.optional_bool("s"), None);
        assert!(matches!(i.optional_object("o"), Some(Some(_))));
        assert_eq!(i.optional_object("s"), None);
        assert_eq!(i.optional_str_array("arr", 5), Some(Some(vec!["a"])));
        assert_eq!(i.optional_str_array("bad", 5), None);
        assert_eq!(i.optional_enum("s", &["v", "w"]), Some(Some("v")));
        assert_eq!(i.optional_enum("s", &["w"]), None);
        for k in ["big", "f", "bad"] {
            assert!(i.errors.has(k), "{k}");
        }
    }
}
