//! A few builders for JSON Schema (OpenAPI 3.1 dialect), so the document is written as
//! Rust next to the rules it describes: `string().min_len(1).max_len(agent::NAME_MAX)`.
//! Host only: the document is built by `make build`, never in the wasm.

use serde_json::{Map, Value};

/// A schema being built.
#[derive(Clone, Debug)]
pub struct S(pub Map<String, Value>);

fn typed(t: &str) -> S {
    let mut m = Map::new();
    m.insert("type".into(), t.into());
    S(m)
}

pub fn string() -> S {
    typed("string")
}
pub fn integer() -> S {
    typed("integer")
}
/// A record's id: a positive integer of at most 15 digits (`domain::support::parse_id`).
pub fn id() -> S {
    integer().min(1).max(crate::domain::support::MAX_ID)
}
pub fn number() -> S {
    typed("number")
}
pub fn boolean() -> S {
    typed("boolean")
}
pub fn null() -> S {
    typed("null")
}
pub fn object() -> S {
    typed("object")
}
pub fn array_of(items: S) -> S {
    typed("array").items(items)
}
/// Any JSON value.
pub fn any() -> S {
    S(Map::new())
}
/// A value of one of several types, e.g. `types(&["string", "integer"])`.
pub fn types(ts: &[&str]) -> S {
    let mut m = Map::new();
    m.insert("type".into(), ts.iter().map(|t| Value::from(*t)).collect());
    S(m)
}
/// `{"$ref": "#/components/schemas/<name>"}`.
pub fn refer(name: &str) -> S {
    let mut m = Map::new();
    m.insert("$ref".into(), format!("#/components/schemas/{name}").into());
    S(m)
}
pub fn one_of(options: Vec<S>) -> S {
    any().with_one_of(options)
}
pub fn any_of(options: Vec<S>) -> S {
    any().set("anyOf", options.into_iter().map(S::into_value).collect())
}
pub fn all_of(parts: Vec<S>) -> S {
    any().with_all_of(parts)
}

impl S {
    pub fn into_value(self) -> Value {
        Value::Object(self.0)
    }
    pub fn set(mut self, key: &str, value: Value) -> S {
        self.0.insert(key.into(), value);
        self
    }
    pub fn doc(self, description: &str) -> S {
        self.set("description", description.into())
    }
    /// Also `null`: `"type": [t, "null"]`.
    pub fn or_null(mut self) -> S {
        let t = match self.0.remove("type") {
            Some(Value::String(t)) => vec![Value::from(t), "null".into()],
            Some(Value::Array(mut ts)) => {
                ts.push("null".into());
                ts
            }
            _ => vec!["null".into()],
        };
        // An enum of a nullable value must list null too, or null is refused.
        if let Some(Value::Array(e)) = self.0.get_mut("enum") {
            if !e.contains(&Value::Null) {
                e.push(Value::Null);
            }
        }
        self.set("type", Value::Array(t))
    }
    pub fn min_len(self, n: usize) -> S {
        self.set("minLength", n.into())
    }
    pub fn max_len(self, n: usize) -> S {
        self.set("maxLength", n.into())
    }
    pub fn min_items(self, n: usize) -> S {
        self.set("minItems", n.into())
    }
    pub fn max_items(self, n: usize) -> S {
        self.set("maxItems", n.into())
    }
    pub fn min(self, n: i64) -> S {
        self.set("minimum", n.into())
    }
    pub fn max(self, n: i64) -> S {
        self.set("maximum", n.into())
    }
    pub fn format(self, f: &str) -> S {
        self.set("format", f.into())
    }
    pub fn pattern(self, p: &str) -> S {
        self.set("pattern", p.into())
    }
    pub fn one_of_str(self, values: &[&str]) -> S {
        self.set("enum", values.iter().map(|v| Value::from(*v)).collect())
    }
    pub fn enumerate(self, values: Vec<Value>) -> S {
        self.set("enum", Value::Array(values))
    }
    pub fn constant(self, v: impl Into<Value>) -> S {
        self.set("const", v.into())
    }
    pub fn default(self, v: impl Into<Value>) -> S {
        self.set("default", v.into())
    }
    pub fn examples(self, v: Vec<Value>) -> S {
        self.set("examples", Value::Array(v))
    }
    pub fn items(self, items: S) -> S {
        self.set("items", items.into_value())
    }
    /// Any properties besides the declared ones.
    pub fn open(self) -> S {
        self.set("additionalProperties", true.into())
    }
    /// A map whose values all follow `s`.
    pub fn values(self, s: S) -> S {
        self.set("additionalProperties", s.into_value())
    }
    pub fn with_one_of(self, options: Vec<S>) -> S {
        self.set("oneOf", options.into_iter().map(S::into_value).collect())
    }
    pub fn with_all_of(self, parts: Vec<S>) -> S {
        self.set("allOf", parts.into_iter().map(S::into_value).collect())
    }
    pub fn prop(mut self, name: &str, s: S) -> S {
        let props = self.0.entry("properties").or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(p) = props {
            p.insert(name.into(), s.into_value());
        }
        self
    }
    pub fn required(self, names: &[&str]) -> S {
        self.set("required", names.iter().map(|n| Value::from(*n)).collect())
    }
}
