//! HTTP: `send_request` `{method, url, headers?, body?}` calls any public URL, no
//! connection needed. A JSON `body` (anything but a string) is sent as JSON; a string is
//! sent as it is. Output `{status, headers, body}` (body parsed when JSON); a non-2xx
//! answer is `success: false` with that same output.
//!
//! The URL is checked by the outbound guard while the input is validated, so a refused
//! URL is a 400 VALIDATION_ERROR (nothing was sent, nothing counted against the quota);
//! a redirect to a refused URL is found only while sending and gives UPSTREAM_UNREACHABLE.

use super::{failure_output, is_success, Action, Outcome, Piece, Run, RunCx};
use crate::domain::action_input::{optional, required, Kind};
use crate::domain::outbound;
use crate::platform::outbound::{Answer, Failure, Outbound};
use serde_json::{json, Map, Value};
use worker::Method;

pub const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

pub static PIECE: Piece = Piece {
    name: "http",
    display_name: "HTTP",
    description: "Call any public HTTP API.",
    credentials: None,
    actions: &[Action {
        name: "send_request",
        display_name: "Send request",
        description: "Sends one HTTP request and returns the answer's status, headers and body.",
        needs_connection: false,
        fields: &[
            required("method", Kind::Enum(METHODS), "HTTP method."),
            required("url", Kind::Str, "An http(s) URL of a public host."),
            optional("headers", Kind::StrMap, "Request headers."),
            optional("body", Kind::Any, "A string is sent as it is; any other JSON value is sent as JSON."),
        ],
        run: Run::HttpSendRequest,
    }],
};

fn method_of(input: &Map<String, Value>) -> String {
    input.get("method").and_then(Value::as_str).unwrap_or("GET").to_ascii_uppercase()
}

fn is_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

pub fn validate(input: &Map<String, Value>, allow_private: bool) -> Result<(), String> {
    let url = input.get("url").and_then(Value::as_str).unwrap_or_default();
    outbound::check_url(url, allow_private).map_err(|r| format!("Field 'url' is not allowed: {}", r.message()))?;
    if let Some(headers) = input.get("headers").and_then(Value::as_object) {
        for (name, value) in headers {
            if !is_token(name) {
                return Err(format!("Field 'headers.{name}' is not a valid header name"));
            }
            if value.as_str().is_some_and(|v| v.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0)) {
                return Err(format!("Field 'headers.{name}' may not contain line breaks"));
            }
        }
    }
    let method = method_of(input);
    if matches!(method.as_str(), "GET" | "HEAD") && input.get("body").is_some_and(|b| !b.is_null()) {
        return Err(format!("Field 'body' is not allowed with {method}"));
    }
    Ok(())
}

fn to_method(m: &str) -> Method {
    match m {
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "PATCH" => Method::Patch,
        "DELETE" => Method::Delete,
        "HEAD" => Method::Head,
        "OPTIONS" => Method::Options,
        _ => Method::Get,
    }
}

pub fn request(input: &Map<String, Value>) -> Outbound {
    let mut headers: Vec<(String, String)> = input
        .get("headers")
        .and_then(Value::as_object)
        .map(|h| h.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string()))).collect())
        .unwrap_or_default();
    let body = match input.get("body") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone().into_bytes()),
        Some(other) => {
            if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
                headers.push(("Content-Type".into(), "application/json".into()));
            }
            Some(other.to_string().into_bytes())
        }
    };
    Outbound {
        method: to_method(&method_of(input)),
        url: input.get("url").and_then(Value::as_str).unwrap_or_default().to_string(),
        headers,
        body,
    }
}

pub fn outcome(result: Result<Answer, Failure>) -> Outcome {
    match result {
        Err(f) => Outcome::failed(failure_output(&f)),
        Ok(a) => {
            let mut headers = Map::new();
            for (k, v) in &a.headers {
                headers.insert(k.to_ascii_lowercase(), Value::String(v.clone()));
            }
            let body = if a.body.is_empty() { Value::Null } else { a.body_value() };
            let mut output = json!({"status": a.status, "headers": headers, "body": body});
            if a.truncated {
                // The body is the first OUTBOUND_MAX_RESPONSE_BYTES as text, never parsed.
                output["truncated"] = Value::Bool(true);
            }
            Outcome::Done { success: is_success(a.status), output }
        }
    }
}

pub async fn send_request(cx: &RunCx<'_>, input: &Map<String, Value>) -> Outcome {
    outcome(cx.send(request(input)).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn the_url_is_guarded_at_validation() {
        assert!(validate(&m(json!({"method": "GET", "url": "https://example.com/x"})), false).is_ok());
        let e = validate(&m(json!({"method": "GET", "url": "http://127.0.0.1/x"})), false).unwrap_err();
        assert!(e.starts_with("Field 'url' is not allowed: "), "{e}");
        assert!(validate(&m(json!({"method": "GET", "url": "http://127.0.0.1/x"})), true).is_ok());
        assert!(validate(&m(json!({"method": "GET", "url": "ftp://example.com"})), true).is_err());
        assert!(validate(&m(json!({"method": "GET", "url": "not a url"})), true).is_err());
    }

    #[test]
    fn headers_and_bodies_are_checked() {
        let base = |extra: Value| {
            let mut o = m(json!({"method": "post", "url": "https://example.com"}));
            o.extend(m(extra));
            validate(&o, false)
        };
        assert!(base(json!({"headers": {"X-Ok": "1"}})).is_ok());
        assert!(base(json!({"headers": {"Bad Name": "1"}})).is_err());
        assert!(base(json!({"headers": {"X": "a\r\nInjected: 1"}})).is_err());
        let get = m(json!({"method": "GET", "url": "https://example.com", "body": "x"}));
        assert_eq!(validate(&get, false), Err("Field 'body' is not allowed with GET".into()));
    }

    #[test]
    fn json_bodies_are_sent_as_json_and_strings_as_they_are() {
        let r = request(&m(json!({"method": "post", "url": "https://e.com", "body": {"a": 1}})));
        assert_eq!(r.method, Method::Post);
        assert_eq!(r.body.as_deref(), Some(&br#"{"a":1}"#[..]));
        assert!(r.headers.contains(&("Content-Type".into(), "application/json".into())));
        let r = request(&m(
            json!({"method": "PUT", "url": "https://e.com", "body": "raw", "headers": {"Content-Type": "text/plain"}}),
        ));
        assert_eq!(r.body.as_deref(), Some(&b"raw"[..]));
        assert_eq!(r.headers, vec![("Content-Type".to_string(), "text/plain".to_string())]);
        assert!(request(&m(json!({"method": "GET", "url": "https://e.com"}))).body.is_none());
    }

    #[test]
    fn output_is_status_headers_body_and_non_2xx_fails() {
        let a = Answer {
            status: 404,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: br#"{"e":1}"#.to_vec(),
            truncated: false,
        };
        let Outcome::Done { success, output } = outcome(Ok(a)) else { panic!() };
        assert!(!success);
        assert_eq!(output, json!({"status": 404, "headers": {"content-type": "application/json"}, "body": {"e": 1}}));
        let a = Answer { status: 200, headers: vec![], body: b"plain".to_vec(), truncated: false };
        assert_eq!(outcome(Ok(a)), Outcome::ok(json!({"status": 200, "headers": {}, "body": "plain"})));
        assert_eq!(outcome(Err(Failure::Timeout)), Outcome::failed(json!({"error": "UPSTREAM_TIMEOUT"})));
    }
}
