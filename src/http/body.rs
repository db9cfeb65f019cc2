//! Request bodies: the 1 MiB limit and JSON parsing, in the order CONTRACT.md fixes
//! (413 before 400 before 422).

use super::error::{ApiError, ApiResult};
use super::Inbound;
use super::{Ctx, MAX_BODY_BYTES};
use serde_json::{Map, Value};

/// Refuses a declared `Content-Length` over the limit before reading anything.
pub fn check_declared_length(req: &Inbound) -> ApiResult<()> {
    if let Ok(Some(len)) = req.headers().get("Content-Length") {
        if len.trim().parse::<u64>().is_ok_and(|n| n > MAX_BODY_BYTES as u64) {
            return Err(ApiError::PayloadTooLarge);
        }
    }
    Ok(())
}

/// The request's body, read with a running count and stopped past the 1 MiB limit (413),
/// whatever `Content-Length` said or whether it was sent chunked.
pub async fn read(req: &Inbound) -> ApiResult<Vec<u8>> {
    // A declared length over the limit is refused unread: the runtime then discards the
    // body itself, and the connection stays usable (a cancelled body can break it).
    check_declared_length(req)?;
    match req.bytes(MAX_BODY_BYTES).await {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err(ApiError::PayloadTooLarge),
        Err(_) => Err(ApiError::InvalidJson("The request body could not be read.".into())),
    }
}

/// Reads the body (refusing more than the limit, declared or not) and parses it as a
/// JSON object.
/// A body buffered by the request path (idempotency) is used instead of the request's.
pub async fn json_object(cx: &mut Ctx) -> ApiResult<Map<String, Value>> {
    let bytes = match cx.body.take() {
        Some(b) => b,
        None => read(&cx.req).await?,
    };
    let body = parse_object(&bytes, cx.seed_path)?;
    cx.audit_changes(body.keys());
    Ok(body)
}

/// Like `json_object`, but an empty (or all-white-space) body is an empty object: for
/// actions whose body is optional.
pub async fn json_object_or_empty(cx: &mut Ctx) -> ApiResult<Map<String, Value>> {
    let bytes = match cx.body.take() {
        Some(b) => b,
        None => read(&cx.req).await?,
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let body = parse_object(&bytes, cx.seed_path)?;
    cx.audit_changes(body.keys());
    Ok(body)
}

/// Parses a body as a JSON object. `seed_path`: the request came by one of the seeds'
/// literal paths (`/api/...`), where the seed's single-quoted examples are also read.
pub fn parse_object(bytes: &[u8], seed_path: bool) -> ApiResult<Map<String, Value>> {
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    let parsed = serde_json::from_slice::<Value>(bytes).or_else(|e| {
        // Seed 002's own curl examples send `{ 'uid': 'tweety-bird' }`: single-quoted
        // strings. They must work unchanged at the seed's paths, so there a body that is
        // JSON once its single-quoted strings are rewritten as JSON strings is accepted.
        // Under `/v1` the body is strict JSON.
        std::str::from_utf8(bytes)
            .ok()
            .filter(|t| seed_path && t.contains('\''))
            .and_then(single_quotes_to_json)
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .ok_or(e)
    });
    match parsed {
        Ok(Value::Object(mut map)) => {
            map.values_mut().for_each(integral_floats);
            Ok(map)
        }
        Ok(_) => Err(ApiError::InvalidJson("The request body must be a JSON object.".into())),
        Err(e) => Err(ApiError::InvalidJson(format!("The request body is not valid JSON: {e}."))),
    }
}

/// JSON has one number type: `4.0` is the integer 4 (JSON Schema says so too), but serde
/// reads it as a float that `as_i64` refuses. Whole floats in the exact range become
/// integers, once, before any field is read.
fn integral_floats(v: &mut Value) {
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0) {
                *v = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats),
        Value::Object(map) => map.values_mut().for_each(integral_floats),
        _ => {}
    }
}

/// Rewrites single-quoted strings as JSON strings (`'a"b'` → `"a\"b"`, `\'` → `'`),
/// leaving double-quoted strings as they are. `None` for an unterminated string.
pub fn single_quotes_to_json(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push('"');
                loop {
                    let d = chars.next()?;
                    out.push(d);
                    match d {
                        '\\' => out.push(chars.next()?),
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '\'' => {
                out.push('"');
                loop {
                    match chars.next()? {
                        '\\' => match chars.next()? {
                            '\'' => out.push('\''),
                            e => {
                                out.push('\\');
                                out.push(e);
                            }
                        },
                        '\'' => break,
                        '"' => out.push_str("\\\""),
                        d => out.push(d),
                    }
                }
                out.push('"');
            }
            _ => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_single_quoted_examples_parse() {
        let seed = "{ 'uid': 'tweety-bird', 'name': 'Tweety Bird', 'provider': 'openai', 'model': 'gpt-4.1-mini', \
                    'instructions': 'You\u{2019}re a cute cartoon character with an aggressive nature.' }";
        assert!(matches!(parse_object(seed.as_bytes(), false), Err(ApiError::InvalidJson(_))), "strict under /v1");
        let m = parse_object(seed.as_bytes(), true).unwrap();
        assert_eq!(m["uid"], "tweety-bird");
        assert_eq!(m["instructions"], "You\u{2019}re a cute cartoon character with an aggressive nature.");
        let m = parse_object(br#"{ 'a': 'say "hi"', "b": "it's", 'c': 'it\'s' }"#, true).unwrap();
        assert_eq!(m["a"], "say \"hi\"");
        assert_eq!(m["b"], "it's");
        assert_eq!(m["c"], "it's");
        assert!(parse_object(b"{ 'a': 'unterminated }", true).is_err());
        assert!(parse_object(b"{ 'a' 'b' }", true).is_err());
    }

    #[test]
    fn whole_floats_are_integers() {
        let m = parse_object(br#"{"a": 4.0, "b": [1.5, -2.0], "c": {"d": 1e3}}"#, false).unwrap();
        assert_eq!(m["a"].as_i64(), Some(4));
        assert_eq!(m["b"][0].as_f64(), Some(1.5));
        assert_eq!(m["b"][1].as_i64(), Some(-2));
        assert_eq!(m["c"]["d"].as_i64(), Some(1000));
    }

    #[test]
    fn objects_pass_everything_else_is_400_or_413() {
        assert!(parse_object(br#"{"a":1}"#, false).is_ok());
        for bad in [&b""[..], b"[]", b"null", b"1", b"{", b"\"x\""] {
            assert!(matches!(parse_object(bad, false), Err(ApiError::InvalidJson(_))), "{bad:?}");
        }
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert!(matches!(parse_object(&big, false), Err(ApiError::PayloadTooLarge)));
    }
}
