//! The subset of JSON Schema that agent functions use for `parameters`: `type`,
//! `properties`, `required`, `enum`, `items`. Enough to refuse arguments the remote end
//! would choke on, without a schema crate in the wasm.

use serde_json::Value;

const TYPES: [&str; 7] = ["object", "string", "number", "integer", "boolean", "array", "null"];

/// A function's `parameters` must be an object schema: `{"type": "object", "properties": {..}}`.
pub fn check_parameters_schema(schema: &Value) -> Result<(), String> {
    let obj = schema.as_object().ok_or("The parameters must be a JSON Schema object.")?;
    if obj.get("type").and_then(Value::as_str) != Some("object") {
        return Err("The parameters must be a JSON Schema with \"type\": \"object\".".into());
    }
    let props = obj.get("properties").and_then(Value::as_object).ok_or("The parameters must have \"properties\".")?;
    for (name, sub) in props {
        check_subschema(sub).map_err(|m| format!("The parameters property '{name}' {m}"))?;
    }
    if let Some(req) = obj.get("required") {
        let list = req.as_array().ok_or("The parameters \"required\" must be an array of property names.")?;
        for r in list {
            match r.as_str() {
                Some(n) if props.contains_key(n) => {}
                _ => return Err(format!("The parameters \"required\" names {r}, which is not a property.")),
            }
        }
    }
    Ok(())
}

fn check_subschema(s: &Value) -> Result<(), String> {
    let obj = s.as_object().ok_or("must be a schema object.")?;
    if let Some(t) = obj.get("type") {
        let ok = match t {
            Value::String(t) => TYPES.contains(&t.as_str()),
            Value::Array(ts) => ts.iter().all(|t| t.as_str().is_some_and(|t| TYPES.contains(&t))),
            _ => false,
        };
        if !ok {
            return Err("has an unknown type.".into());
        }
    }
    if obj.get("enum").is_some_and(|e| !e.is_array()) {
        return Err("has an enum that is not an array.".into());
    }
    if let Some(props) = obj.get("properties") {
        for sub in props.as_object().ok_or("has properties that are not an object.")?.values() {
            check_subschema(sub)?;
        }
    }
    if let Some(items) = obj.get("items") {
        check_subschema(items)?;
    }
    Ok(())
}

/// Checks `args` against `schema`; each problem is `(path, message)`, path like `city` or
/// `filters.limit`.
pub fn validate(schema: &Value, args: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(schema, args, "", &mut out);
    out
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.as_i64().is_some() || v.as_u64().is_some() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "null" => v.is_null(),
        _ => true,
    }
}

fn walk(schema: &Value, v: &Value, path: &str, out: &mut Vec<(String, String)>) {
    let here = if path.is_empty() { "arguments".to_string() } else { path.to_string() };
    let Some(s) = schema.as_object() else { return };
    let types: Vec<&str> = match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() && !types.iter().any(|t| type_matches(t, v)) {
        out.push((here, format!("must be of type {}.", types.join(" or "))));
        return;
    }
    if let Some(allowed) = s.get("enum").and_then(Value::as_array) {
        if !allowed.contains(v) {
            let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
            out.push((here.clone(), format!("must be one of {}.", list.join(", "))));
        }
    }
    if let (Some(obj), Some(props)) = (v.as_object(), s.get("properties").and_then(Value::as_object)) {
        if let Some(req) = s.get("required").and_then(Value::as_array) {
            for r in req.iter().filter_map(Value::as_str) {
                if !obj.contains_key(r) {
                    out.push((join(path, r), "is required.".into()));
                }
            }
        }
        for (k, val) in obj {
            if let Some(sub) = props.get(k) {
                walk(sub, val, &join(path, k), out);
            } else if s.get("additionalProperties") == Some(&Value::Bool(false)) {
                out.push((join(path, k), "is not a known parameter.".into()));
            }
        }
    }
    if let (Some(items), Some(arr)) = (s.get("items"), v.as_array()) {
        for (n, item) in arr.iter().enumerate() {
            walk(items, item, &join(path, &n.to_string()), out);
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({"type": "object", "properties": {
            "city": {"type": "string"},
            "units": {"type": "string", "enum": ["metric", "imperial"]},
            "days": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}}
        }, "required": ["city"]})
    }

    #[test]
    fn parameter_schemas_must_be_object_schemas() {
        assert!(check_parameters_schema(&schema()).is_ok());
        assert!(check_parameters_schema(&json!({"type": "object", "properties": {}})).is_ok());
        assert!(check_parameters_schema(&json!({"type": "string"})).is_err());
        assert!(check_parameters_schema(&json!({"type": "object"})).is_err());
        assert!(check_parameters_schema(&json!([])).is_err());
        assert!(check_parameters_schema(&json!({"type": "object", "properties": {"a": {"type": "text"}}})).is_err());
        assert!(check_parameters_schema(&json!({"type": "object", "properties": {}, "required": ["a"]})).is_err());
    }

    #[test]
    fn arguments_are_checked_for_type_required_and_enum() {
        assert!(validate(&schema(), &json!({"city": "Oslo", "units": "metric", "days": 3, "tags": ["a"]})).is_empty());
        let problems = validate(&schema(), &json!({"units": "kelvin", "days": 1.5, "tags": [1]}));
        let paths: Vec<&str> = problems.iter().map(|(p, _)| p.as_str()).collect();
        assert!(paths.contains(&"city"), "{problems:?}");
        assert!(paths.contains(&"units"));
        assert!(paths.contains(&"days"));
        assert!(paths.contains(&"tags.0"));
        assert_eq!(validate(&schema(), &json!("Oslo"))[0].0, "arguments");
    }
}
