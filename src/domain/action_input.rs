//! Checking what `POST /v1/actions/execute` receives: the request's own fields and each
//! action's `input` against the fields the action declares. Failures are one message in
//! seed 004's wording (`Missing required field: channel`), answered as 400
//! `VALIDATION_ERROR`. The same field lists produce the JSON Schemas of `GET /v1/pieces`.

use serde_json::{json, Map, Value};

/// The JSON type of an input field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A non-blank string.
    Str,
    /// One of these strings (case-insensitive; the piece normalises it).
    Enum(&'static [&'static str]),
    /// An array of strings.
    StrArray,
    /// An object whose values are strings.
    StrMap,
    /// An object whose values are strings, numbers, booleans or null.
    ScalarMap,
    /// Any JSON value.
    Any,
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub description: &'static str,
}

pub const fn required(name: &'static str, kind: Kind, description: &'static str) -> Field {
    Field { name, kind, required: true, description }
}

pub const fn optional(name: &'static str, kind: Kind, description: &'static str) -> Field {
    Field { name, kind, required: false, description }
}

/// Largest string a field may hold (the whole body is capped at 1 MiB anyway).
pub const MAX_FIELD_CHARS: usize = 100_000;

pub fn missing(name: &str) -> String {
    format!("Missing required field: {name}")
}

/// Checks `input` against `fields`, in declaration order; unknown fields are refused so a
/// typo does not silently drop a value. `Err` is the message of the first problem.
pub fn check(fields: &[Field], input: &Map<String, Value>) -> Result<(), String> {
    for f in fields {
        let value = input.get(f.name);
        let absent = match value {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => f.kind != Kind::Any && s.trim().is_empty(),
            _ => false,
        };
        if absent {
            if f.required {
                return Err(missing(f.name));
            }
            continue;
        }
        let Some(value) = value else { continue };
        check_kind(f, value)?;
    }
    if let Some(unknown) = input.keys().find(|k| !fields.iter().any(|f| f.name == k.as_str())) {
        return Err(format!("Unknown field: {unknown}"));
    }
    Ok(())
}

fn check_kind(f: &Field, value: &Value) -> Result<(), String> {
    let name = f.name;
    match (f.kind, value) {
        (Kind::Str, Value::String(s)) if s.chars().count() <= MAX_FIELD_CHARS => Ok(()),
        (Kind::Str, Value::String(_)) => {
            Err(format!("Field '{name}' may not be longer than {MAX_FIELD_CHARS} characters"))
        }
        (Kind::Str, _) => Err(format!("Field '{name}' must be a string")),
        (Kind::Enum(allowed), Value::String(s)) if allowed.iter().any(|a| a.eq_ignore_ascii_case(s)) => Ok(()),
        (Kind::Enum(allowed), _) => Err(format!("Field '{name}' must be one of {}", allowed.join(", "))),
        (Kind::StrArray, Value::Array(items)) if items.iter().all(Value::is_string) => Ok(()),
        (Kind::StrArray, _) => Err(format!("Field '{name}' must be an array of strings")),
        (Kind::StrMap, Value::Object(m)) => match m.iter().find(|(_, v)| !v.is_string()) {
            None => Ok(()),
            Some((k, _)) => Err(format!("Field '{name}.{k}' must be a string")),
        },
        (Kind::StrMap, _) => Err(format!("Field '{name}' must be an object of strings")),
        (Kind::ScalarMap, Value::Object(m)) => match m.iter().find(|(_, v)| v.is_object() || v.is_array()) {
            None => Ok(()),
            Some((k, _)) => Err(format!("Field '{name}.{k}' must be a string, number, boolean or null")),
        },
        (Kind::ScalarMap, _) => Err(format!("Field '{name}' must be an object")),
        (Kind::Any, _) => Ok(()),
    }
}

/// The JSON Schema of an action's input.
pub fn schema(fields: &[Field]) -> Value {
    let mut props = Map::new();
    for f in fields {
        let mut s = match f.kind {
            Kind::Str => json!({"type": "string", "minLength": 1}),
            Kind::Enum(allowed) => json!({"type": "string", "enum": allowed}),
            Kind::StrArray => json!({"type": "array", "items": {"type": "string"}}),
            Kind::StrMap => json!({"type": "object", "additionalProperties": {"type": "string"}}),
            Kind::ScalarMap => {
                json!({"type": "object", "additionalProperties": {"type": ["string", "number", "boolean", "null"]}})
            }
            Kind::Any => json!({}),
        };
        if let Some(obj) = s.as_object_mut() {
            obj.insert("description".into(), Value::String(f.description.into()));
        }
        props.insert(f.name.into(), s);
    }
    let required: Vec<&str> = fields.iter().filter(|f| f.required).map(|f| f.name).collect();
    json!({"type": "object", "properties": props, "required": required, "additionalProperties": false})
}

/// `POST /v1/actions/execute`'s own fields.
#[derive(Debug, PartialEq)]
pub struct ExecuteRequest {
    pub piece_name: String,
    pub action_name: String,
    pub input: Map<String, Value>,
    pub connection_id: Option<String>,
    pub project_id: Option<String>,
}

/// Reads the execute body; `Err` is the VALIDATION_ERROR message.
pub fn execute_request(body: &Map<String, Value>) -> Result<ExecuteRequest, String> {
    let string = |name: &str, required: bool| -> Result<Option<String>, String> {
        match body.get(name) {
            None | Some(Value::Null) if required => Err(missing(name)),
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() && required => Err(missing(name)),
            Some(Value::String(s)) if s.chars().count() > 255 => {
                Err(format!("Field '{name}' may not be longer than 255 characters"))
            }
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("Field '{name}' must be a string")),
        }
    };
    let piece_name = string("pieceName", true)?.unwrap_or_default();
    let action_name = string("actionName", true)?.unwrap_or_default();
    let input = match body.get("input") {
        None | Some(Value::Null) => return Err(missing("input")),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err("Field 'input' must be an object".into()),
    };
    let connection_id = string("connectionId", false)?.filter(|s| !s.is_empty());
    let project_id = string("projectId", false)?;
    Ok(ExecuteRequest { piece_name, action_name, input, connection_id, project_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    const FIELDS: &[Field] = &[
        required("channel", Kind::Str, "Channel id"),
        required("text", Kind::Str, "Text"),
        optional("labels", Kind::StrArray, "Labels"),
        optional("method", Kind::Enum(&["GET", "POST"]), "Method"),
        optional("headers", Kind::StrMap, "Headers"),
        optional("values", Kind::ScalarMap, "Values"),
        optional("body", Kind::Any, "Body"),
    ];

    #[test]
    fn missing_fields_use_the_seed_wording_in_declaration_order() {
        assert_eq!(check(FIELDS, &m(json!({}))), Err("Missing required field: channel".into()));
        assert_eq!(check(FIELDS, &m(json!({"channel": "  ", "text": "x"}))), Err(missing("channel")));
        assert_eq!(check(FIELDS, &m(json!({"channel": null, "text": "x"}))), Err(missing("channel")));
        assert_eq!(check(FIELDS, &m(json!({"channel": "C1"}))), Err(missing("text")));
        assert_eq!(check(FIELDS, &m(json!({"channel": "C1", "text": "hi"}))), Ok(()));
    }

    #[test]
    fn types_are_checked() {
        let base = json!({"channel": "C1", "text": "hi"});
        let with = |k: &str, v: Value| {
            let mut o = m(base.clone());
            o.insert(k.into(), v);
            check(FIELDS, &o)
        };
        assert_eq!(with("channel", json!(5)), Err("Field 'channel' must be a string".into()));
        assert_eq!(with("labels", json!(["a", 1])), Err("Field 'labels' must be an array of strings".into()));
        assert!(with("labels", json!(["a", "b"])).is_ok());
        assert!(with("method", json!("post")).is_ok());
        assert_eq!(with("method", json!("TRACE")), Err("Field 'method' must be one of GET, POST".into()));
        assert_eq!(with("headers", json!({"a": 1})), Err("Field 'headers.a' must be a string".into()));
        assert!(with("values", json!({"a": 1, "b": "x", "c": true, "d": null})).is_ok());
        assert!(with("values", json!({"a": [1]})).is_err());
        assert!(with("body", json!({"anything": [1, 2]})).is_ok());
        assert!(with("body", json!("")).is_ok());
        assert_eq!(with("chanel", json!("x")), Err("Unknown field: chanel".into()));
        assert!(with("text", json!("x".repeat(MAX_FIELD_CHARS + 1))).is_err());
    }

    #[test]
    fn schema_lists_properties_and_required() {
        let s = schema(FIELDS);
        assert_eq!(s["required"], json!(["channel", "text"]));
        assert_eq!(s["properties"]["labels"]["type"], "array");
        assert_eq!(s["properties"]["method"]["enum"], json!(["GET", "POST"]));
        assert_eq!(s["additionalProperties"], false);
    }

    #[test]
    fn execute_request_fields() {
        assert_eq!(execute_request(&m(json!({}))), Err(missing("pieceName")));
        assert_eq!(execute_request(&m(json!({"pieceName": "slack"}))), Err(missing("actionName")));
        assert_eq!(execute_request(&m(json!({"pieceName": "slack", "actionName": "a"}))), Err(missing("input")));
        assert_eq!(
            execute_request(&m(json!({"pieceName": "slack", "actionName": "a", "input": []}))),
            Err("Field 'input' must be an object".into())
        );
        assert_eq!(
            execute_request(&m(json!({"pieceName": 1, "actionName": "a", "input": {}}))),
            Err("Field 'pieceName' must be a string".into())
        );
        assert_eq!(
            execute_request(&m(json!({"pieceName": "s", "actionName": "a", "input": {}, "projectId": 7}))),
            Err("Field 'projectId' must be a string".into())
        );
        let ok = execute_request(&m(
            json!({"pieceName": "s", "actionName": "a", "input": {"x": 1}, "connectionId": "conn_1", "projectId": "p"}),
        ))
        .unwrap();
        assert_eq!(ok.connection_id.as_deref(), Some("conn_1"));
        assert_eq!(ok.project_id.as_deref(), Some("p"));
        assert_eq!(ok.input["x"], 1);
    }
}
