//! The Model Context Protocol's rules that need no I/O: reading a JSON-RPC message, which
//! era a request belongs to (the `initialize` revisions or the stateless one) and the
//! header checks of the stateless revision, tool names, the answers' shapes and statuses.
//!
//! Eras (the specification's versioning page): a request whose `params._meta` carries
//! `io.modelcontextprotocol/protocolVersion` is modern and served statelessly; anything
//! else is legacy, opened by `initialize`. Both are served on the same endpoint, with no
//! session state: a legacy session's only state is its negotiated version, which every
//! later request carries in `MCP-Protocol-Version` anyway.

use base64::Engine;
use serde_json::{json, Map, Value};

/// The stateless revision.
pub const MODERN: &str = "2026-07-28";
/// The `initialize` revisions, newest first: `initialize` answers the client's version
/// when it is one of these, else the first.
pub const LEGACY: [&str; 2] = ["2025-11-25", "2025-06-18"];
/// Every revision served, as `server/discover` and `UnsupportedProtocolVersion` list them.
pub const SUPPORTED: [&str; 3] = [MODERN, LEGACY[0], LEGACY[1]];

pub const VERSION_KEY: &str = "io.modelcontextprotocol/protocolVersion";
pub const CAPABILITIES_KEY: &str = "io.modelcontextprotocol/clientCapabilities";
pub const SERVER_INFO_KEY: &str = "io.modelcontextprotocol/serverInfo";

pub const SERVER_NAME: &str = "weav-edge";

/// JSON-RPC and MCP error codes.
pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
pub const INTERNAL_ERROR: i64 = -32603;
/// `HeaderMismatch`: headers missing, malformed or unlike the body (stateless revision).
pub const HEADER_MISMATCH: i64 = -32020;
/// `UnsupportedProtocolVersion`, with `data: {supported, requested}`.
pub const UNSUPPORTED_VERSION: i64 = -32022;

/// Tools per `tools/list` page.
pub const PAGE: usize = 50;

#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl RpcError {
    pub fn new(code: i64, message: impl Into<String>) -> RpcError {
        RpcError { code, message: message.into(), data: None }
    }

    pub fn invalid_params(message: impl Into<String>) -> RpcError {
        RpcError::new(INVALID_PARAMS, message)
    }

    fn mismatch(message: impl Into<String>) -> RpcError {
        RpcError::new(HEADER_MISMATCH, format!("Header mismatch: {}", message.into()))
    }

    pub fn unsupported(requested: &str) -> RpcError {
        RpcError {
            code: UNSUPPORTED_VERSION,
            message: "Unsupported protocol version".into(),
            data: Some(json!({"supported": SUPPORTED, "requested": requested})),
        }
    }

    /// The HTTP status of this error's answer. Legacy clients (the `initialize` era) read
    /// JSON-RPC errors from 200 answers and give up on any other status, so only what
    /// cannot be a JSON-RPC exchange (a body that is no message) is a 400 there; the
    /// stateless revision fixes 400 / 404 per code.
    pub fn status(&self, modern: bool) -> u16 {
        match self.code {
            PARSE_ERROR => 400,
            INVALID_REQUEST if !modern => 400,
            _ if !modern => 200,
            METHOD_NOT_FOUND => 404,
            INTERNAL_ERROR => 500,
            _ => 400,
        }
    }

    pub fn body(&self, id: Option<&Value>) -> Value {
        let mut error = json!({"code": self.code, "message": self.message});
        if let Some(d) = &self.data {
            error["data"] = d.clone();
        }
        json!({"jsonrpc": "2.0", "id": id.cloned().unwrap_or(Value::Null), "error": error})
    }
}

/// A JSON-RPC request (`id` set) or notification (`id` absent).
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: Option<Value>,
    pub method: String,
    pub params: Map<String, Value>,
}

/// Reads one message. `Err` carries the id when it could be read (for the error's answer).
pub fn parse(bytes: &[u8]) -> Result<Message, (Option<Value>, RpcError)> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|_| (None, RpcError::new(PARSE_ERROR, "Parse error: the body is not JSON.")))?;
    let Value::Object(mut obj) = value else {
        // Batches were dropped from the protocol in 2025-06-18.
        return Err((None, RpcError::new(INVALID_REQUEST, "Invalid Request: one JSON-RPC message object per POST.")));
    };
    let id = match obj.remove("id") {
        None => None,
        Some(v @ Value::String(_)) => Some(v),
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Some(Value::Number(n)),
        Some(_) => {
            return Err((
                None,
                RpcError::new(INVALID_REQUEST, "Invalid Request: the id must be a string or an integer."),
            ))
        }
    };
    let invalid = |m: &str| (id.clone(), RpcError::new(INVALID_REQUEST, format!("Invalid Request: {m}")));
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(invalid("jsonrpc must be \"2.0\"."));
    }
    let method = match obj.remove("method") {
        Some(Value::String(m)) => m,
        // A response (result or error) is never sent to a server.
        _ => return Err(invalid("a request needs a method string.")),
    };
    let params = match obj.remove("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p,
        Some(_) => return Err((id, RpcError::invalid_params("Invalid params: params must be an object."))),
    };
    Ok(Message { id, method, params })
}

/// The headers of the stateless revision, as sent.
#[derive(Debug, Default, Clone)]
pub struct Headers {
    pub protocol_version: Option<String>,
    pub method: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    /// The `initialize` revisions.
    Legacy,
    /// 2026-07-28: `_meta` on every request, headers checked.
    Modern,
}

/// The methods whose `Mcp-Name` header mirrors `params.name` (or `params.uri`).
const NAMED: [&str; 3] = ["tools/call", "resources/read", "prompts/get"];

/// Which era the request is in, after the stateless revision's checks. Errors of the
/// stateless revision are its own (400); so is a legacy version this server does not
/// speak, which the older revisions also answer with 400.
pub fn era(msg: &Message, h: &Headers) -> Result<Era, RpcError> {
    let meta = msg.params.get("_meta").and_then(Value::as_object);
    let Some(requested) = meta.and_then(|m| m.get(VERSION_KEY)) else {
        return match h.protocol_version.as_deref() {
            None => Ok(Era::Legacy),
            Some(v) if LEGACY.contains(&v) => Ok(Era::Legacy),
            Some(MODERN) => Err(RpcError::invalid_params(format!(
                "Invalid params: _meta[\"{VERSION_KEY}\"] is required with MCP-Protocol-Version {MODERN}."
            ))),
            Some(v) => Err(RpcError::unsupported(v)),
        };
    };
    let requested = requested.as_str().ok_or_else(|| {
        RpcError::invalid_params(format!("Invalid params: _meta[\"{VERSION_KEY}\"] must be a string."))
    })?;
    match h.protocol_version.as_deref() {
        None => return Err(RpcError::mismatch("the MCP-Protocol-Version header is missing")),
        Some(v) if v != requested => {
            return Err(RpcError::mismatch(format!(
                "MCP-Protocol-Version header value '{v}' does not match body value '{requested}'"
            )))
        }
        Some(_) => {}
    }
    if requested != MODERN {
        return Err(RpcError::unsupported(requested));
    }
    match h.method.as_deref() {
        None => return Err(RpcError::mismatch("the Mcp-Method header is missing")),
        Some(m) if m != msg.method => {
            return Err(RpcError::mismatch(format!(
                "Mcp-Method header value '{m}' does not match body value '{}'",
                msg.method
            )))
        }
        Some(_) => {}
    }
    if NAMED.contains(&msg.method.as_str()) {
        let body = msg.params.get("name").or_else(|| msg.params.get("uri")).and_then(Value::as_str).unwrap_or("");
        let header = match h.name.as_deref() {
            None => return Err(RpcError::mismatch("the Mcp-Name header is missing")),
            Some(raw) => decode_header(raw).ok_or_else(|| RpcError::mismatch("the Mcp-Name header is malformed"))?,
        };
        if header != body {
            return Err(RpcError::mismatch(format!(
                "Mcp-Name header value '{header}' does not match body value '{body}'"
            )));
        }
    }
    if !meta.is_some_and(|m| m.get(CAPABILITIES_KEY).is_some_and(Value::is_object)) {
        return Err(RpcError::invalid_params(format!("Invalid params: _meta[\"{CAPABILITIES_KEY}\"] is required.")));
    }
    Ok(Era::Modern)
}

/// A header value as the stateless revision encodes it: plain visible ASCII, or
/// `=?base64?…?=` around the UTF-8 bytes. `None` when it is neither.
pub fn decode_header(raw: &str) -> Option<String> {
    if let Some(inner) = raw.strip_prefix("=?base64?").and_then(|r| r.strip_suffix("?=")) {
        let bytes = base64::engine::general_purpose::STANDARD.decode(inner).ok()?;
        return String::from_utf8(bytes).ok();
    }
    raw.bytes().all(|b| b == b' ' || b == b'\t' || (0x21..=0x7e).contains(&b)).then(|| raw.to_string())
}

/// The version `initialize` answers: the client's when it is served, else the newest.
pub fn negotiate(requested: Option<&str>) -> &'static str {
    LEGACY.iter().find(|v| Some(**v) == requested).copied().unwrap_or(LEGACY[0])
}

/// The tool name of a piece action: `{piece}_{action}`, `-` → `_`.
pub fn piece_tool(piece: &str, action: &str) -> String {
    format!("{piece}_{action}").replace('-', "_")
}

/// The tool name of an agent's function on the workspace's endpoint.
pub fn function_tool(agent_uid: &str, function: &str) -> String {
    format!("{agent_uid}__{function}")
}

/// A function's `parameters` as an `inputSchema`, which must be an object schema: none,
/// or one that is not an object, is "any object".
pub fn input_schema(parameters: Option<&str>) -> Value {
    match parameters.and_then(|p| serde_json::from_str::<Value>(p).ok()) {
        Some(Value::Object(mut s)) => {
            s.entry("type").or_insert_with(|| Value::String("object".into()));
            Value::Object(s)
        }
        _ => json!({"type": "object"}),
    }
}

/// A `tools/list` cursor: the offset of the page, opaque to clients. `Err` for one this
/// server did not give out.
pub fn cursor(params: &Map<String, Value>) -> Result<usize, RpcError> {
    match params.get("cursor") {
        None | Some(Value::Null) => Ok(0),
        Some(Value::String(s)) => s
            .strip_prefix("o")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n > 0 && n % PAGE == 0)
            .ok_or_else(|| RpcError::invalid_params("Invalid params: unknown cursor.")),
        Some(_) => Err(RpcError::invalid_params("Invalid params: the cursor must be a string.")),
    }
}

/// One page of tools from `offset`, with the next page's cursor when there is one.
pub fn page(mut tools: Vec<Value>, offset: usize) -> Value {
    let total = tools.len();
    // Saturating: a cursor near usize::MAX (32 bits in wasm) is an empty last page.
    let end = offset.saturating_add(PAGE);
    let rest: Vec<Value> = if offset >= total { Vec::new() } else { tools.drain(offset..total.min(end)).collect() };
    let mut out = json!({"tools": rest});
    if end < total {
        out["nextCursor"] = Value::String(format!("o{end}"));
    }
    out
}

/// A tool result: one text block; `isError` for refusals and upstream failures.
pub fn tool_result(text: String, is_error: bool) -> Value {
    json!({"content": [{"type": "text", "text": text}], "isError": is_error})
}

/// The text of a refusal: `CODE: message`, from either error family's body
/// (`{error: CODE, message}` of the actions, `{error: message, code}` of the rest, or the
/// validation shape, whose field messages follow).
pub fn refusal_text(status: u16, body: &Value) -> String {
    let s = |k: &str| body.get(k).and_then(Value::as_str);
    let (code, message) = match (s("code"), s("error"), s("message")) {
        (Some(code), Some(err), _) => (code.to_string(), err.to_string()),
        (None, Some(code), Some(msg)) => (code.to_string(), msg.to_string()),
        (_, _, Some(msg)) if status == 422 => ("VALIDATION_ERROR".to_string(), msg.to_string()),
        _ => (format!("HTTP_{status}"), body.to_string()),
    };
    let mut text = format!("{code}: {message}");
    if let Some(errors) = body.get("errors").and_then(Value::as_object) {
        for list in errors.values() {
            for m in list.as_array().into_iter().flatten().filter_map(Value::as_str) {
                text.push(' ');
                text.push_str(m);
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(v: Value) -> Message {
        parse(v.to_string().as_bytes()).unwrap()
    }

    fn modern_call(name: &str) -> Message {
        msg(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": {},
            "_meta": {VERSION_KEY: MODERN, CAPABILITIES_KEY: {}}}}))
    }

    fn headers(v: Option<&str>, m: Option<&str>, n: Option<&str>) -> Headers {
        Headers { protocol_version: v.map(Into::into), method: m.map(Into::into), name: n.map(Into::into) }
    }

    #[test]
    fn parsing_tells_requests_notifications_and_errors_apart() {
        assert_eq!(parse(b"{").unwrap_err().1.code, PARSE_ERROR);
        assert_eq!(parse(b"[]").unwrap_err().1.code, INVALID_REQUEST);
        assert_eq!(parse(br#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#).unwrap_err().1.code, INVALID_REQUEST);
        assert_eq!(
            parse(br#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#).unwrap_err(),
            (Some(json!(1)), RpcError::new(INVALID_REQUEST, "Invalid Request: jsonrpc must be \"2.0\"."))
        );
        assert_eq!(
            parse(br#"{"jsonrpc":"2.0","id":1,"method":"ping","params":[]}"#).unwrap_err().1.code,
            INVALID_PARAMS
        );
        let n = msg(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        assert_eq!(n.id, None);
        assert_eq!(msg(json!({"jsonrpc": "2.0", "id": "a", "method": "ping"})).id, Some(json!("a")));
    }

    #[test]
    fn eras_and_the_stateless_header_checks() {
        let legacy = msg(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}));
        assert_eq!(era(&legacy, &headers(None, None, None)), Ok(Era::Legacy));
        assert_eq!(era(&legacy, &headers(Some("2025-06-18"), None, None)), Ok(Era::Legacy));
        assert_eq!(era(&legacy, &headers(Some("2024-01-01"), None, None)).unwrap_err().code, UNSUPPORTED_VERSION);
        assert_eq!(era(&legacy, &headers(Some(MODERN), None, None)).unwrap_err().code, INVALID_PARAMS);

        let call = modern_call("slack_send_message");
        let ok = headers(Some(MODERN), Some("tools/call"), Some("slack_send_message"));
        assert_eq!(era(&call, &ok), Ok(Era::Modern));
        let b64 = format!("=?base64?{}?=", base64::engine::general_purpose::STANDARD.encode("slack_send_message"));
        assert_eq!(era(&call, &headers(Some(MODERN), Some("tools/call"), Some(&b64))), Ok(Era::Modern));
        for h in [
            headers(None, Some("tools/call"), Some("slack_send_message")),
            headers(Some("2025-11-25"), Some("tools/call"), Some("slack_send_message")),
            headers(Some(MODERN), None, Some("slack_send_message")),
            headers(Some(MODERN), Some("tools/list"), Some("slack_send_message")),
            headers(Some(MODERN), Some("tools/call"), None),
            headers(Some(MODERN), Some("tools/call"), Some("other")),
            headers(Some(MODERN), Some("tools/call"), Some("=?base64?%%%?=")),
        ] {
            assert_eq!(era(&call, &h).unwrap_err().code, HEADER_MISMATCH, "{h:?}");
        }
        let old = msg(json!({"jsonrpc": "2.0", "id": 1, "method": "ping",
            "params": {"_meta": {VERSION_KEY: "1900-01-01", CAPABILITIES_KEY: {}}}}));
        let e = era(&old, &headers(Some("1900-01-01"), Some("ping"), None)).unwrap_err();
        assert_eq!(e.code, UNSUPPORTED_VERSION);
        assert_eq!(e.data.unwrap()["requested"], "1900-01-01");
        let no_caps =
            msg(json!({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"_meta": {VERSION_KEY: MODERN}}}));
        assert_eq!(era(&no_caps, &headers(Some(MODERN), Some("ping"), None)).unwrap_err().code, INVALID_PARAMS);
    }

    #[test]
    fn statuses_per_era() {
        let e = |c| RpcError::new(c, "");
        assert_eq!(e(METHOD_NOT_FOUND).status(true), 404);
        assert_eq!(e(METHOD_NOT_FOUND).status(false), 200);
        assert_eq!(e(HEADER_MISMATCH).status(true), 400);
        assert_eq!(e(PARSE_ERROR).status(false), 400);
        assert_eq!(e(INVALID_PARAMS).status(false), 200);
    }

    #[test]
    fn names_schemas_cursors_and_refusals() {
        assert_eq!(piece_tool("google-sheets", "append_row"), "google_sheets_append_row");
        assert_eq!(function_tool("tweety", "get_joke"), "tweety__get_joke");
        assert_eq!(input_schema(None), json!({"type": "object"}));
        assert_eq!(input_schema(Some(r#"{"properties":{}}"#)), json!({"type": "object", "properties": {}}));
        assert_eq!(negotiate(Some("2025-06-18")), "2025-06-18");
        assert_eq!(negotiate(Some("2024-11-05")), "2025-11-25");
        let tools: Vec<Value> = (0..PAGE + 3).map(|i| json!(i)).collect();
        let first = page(tools.clone(), 0);
        assert_eq!(first["tools"].as_array().unwrap().len(), PAGE);
        let mut p = Map::new();
        p.insert("cursor".into(), first["nextCursor"].clone());
        assert_eq!(cursor(&p), Ok(PAGE));
        assert_eq!(page(tools, PAGE)["tools"].as_array().unwrap().len(), 3);
        p.insert("cursor".into(), json!("o7"));
        assert_eq!(cursor(&p).unwrap_err().code, INVALID_PARAMS);
        assert_eq!(
            refusal_text(429, &json!({"error": "RATE_LIMITED", "message": "Rate limit exceeded."})),
            "RATE_LIMITED: Rate limit exceeded."
        );
        assert_eq!(
            refusal_text(429, &json!({"error": "Too many.", "code": "RATE_LIMITED"})),
            "RATE_LIMITED: Too many."
        );
        assert_eq!(
            refusal_text(422, &json!({"message": "The given data was invalid.", "errors": {"a": ["The a is bad."]}})),
            "VALIDATION_ERROR: The given data was invalid. The a is bad."
        );
    }
}
