//! The MCP endpoints: both eras by hand (every error code), tools against the mock
//! upstream, the limits, abilities, audit, idempotency and tenant isolation; then the
//! official Python SDK (a 1.x and the current 2.x release) over Streamable HTTP.

use crate::agents::{agent, create};
use crate::harness::{Resp, Tenant, World};
use serde_json::{json, Value};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

pub fn cases() -> Vec<crate::Case> {
    crate::cases![
        get_is_405_and_auth_stays_in_the_standard_family,
        legacy_handshake_ping_and_notifications,
        json_rpc_errors,
        stateless_revision_discover_and_header_checks,
        origin_must_be_allowed,
        tools_list_shows_runnable_actions_and_paginates,
        slack_tool_runs_against_the_mock_and_is_audited,
        upstream_failure_is_an_error_result,
        rate_limit_and_quota_refusals_are_error_results,
        abilities_per_method,
        agent_functions_on_both_endpoints,
        idempotency_key_replays_a_tool_call,
        tenants_never_see_each_others_tools,
        python_sdk_clients,
    ]
}

const MCP: &str = "/v1/mcp";
const MODERN: &str = "2026-07-28";

fn uniq(tag: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("{tag}{}x{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

fn rpc(method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params})
}

fn call(name: &str, args: Value) -> Value {
    rpc("tools/call", json!({"name": name, "arguments": args}))
}

fn send(w: &World, path: &str, token: &str, body: &Value, headers: &[(&str, &str)]) -> Resp {
    w.send("POST", path, Some(token), Some(&body.to_string()), headers)
}

/// A legacy-era request (no `_meta`, no stateless headers): what 1.x clients send.
fn legacy(w: &World, path: &str, token: &str, body: &Value) -> Value {
    let r = send(w, path, token, body, &[]).expect(200);
    let v = r.json();
    assert_eq!(v["jsonrpc"], "2.0", "{v}");
    assert_eq!(v["id"], body["id"], "{v}");
    v
}

fn result(v: Value) -> Value {
    assert!(v.get("error").is_none(), "{v:#}");
    v["result"].clone()
}

fn error(r: Resp, status: u16, code: i64) -> Value {
    let r = r.expect(status);
    let v = r.json();
    assert_eq!(v["jsonrpc"], "2.0", "{v}");
    assert_eq!(v["error"]["code"], code, "{v:#}");
    assert!(v["error"]["message"].is_string(), "{v:#}");
    v
}

/// A stateless-revision request: `_meta` in the body, headers mirrored.
fn modern_body(method: &str, mut params: Value) -> Value {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientInfo": {"name": "e2e", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    rpc(method, params)
}

fn text_of(result: &Value) -> String {
    result["content"][0]["text"].as_str().unwrap_or_else(|| panic!("no text: {result:#}")).to_string()
}

fn connect(w: &World, token: &str, piece: &str) -> String {
    let body = json!({"pieceName": piece, "credentials": {"access_token": "xoxb-mcp"}});
    w.post("/v1/connections", token, &body).expect(201).json()["id"].as_str().expect("id").to_string()
}

fn tool_names(w: &World, path: &str, token: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let r = result(legacy(w, path, token, &rpc("tools/list", json!({"cursor": cursor}))));
        for t in r["tools"].as_array().expect("tools") {
            names.push(t["name"].as_str().expect("name").to_string());
        }
        match &r["nextCursor"] {
            Value::String(_) => cursor = r["nextCursor"].clone(),
            _ => return names,
        }
    }
}

fn audit_actions(w: &World, ws: i64) -> Vec<String> {
    let page = w.admin("GET", &format!("/admin/v1/audit-logs?workspace_id={ws}&limit=100"), None).expect(200).json();
    page["data"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap_or_default().to_string()).collect()
}

fn limited(w: &World, limit: i64, quota: i64) -> Tenant {
    let ws = w.workspace_with(json!({
        "name": "mcp limits", "rate_limit": {"limit": limit, "window_seconds": 60}, "monthly_action_quota": quota
    }));
    let id = ws["id"].as_i64().expect("id");
    Tenant { id, token: w.token_for(id, &["external-api:read", "external-api:write"]) }
}

fn echo_args(w: &World, prefix: &str) -> Value {
    json!({"method": "GET", "url": format!("{}/{prefix}/echo", w.mock.url)})
}

// ---- cases ----------------------------------------------------------------------------------

fn get_is_405_and_auth_stays_in_the_standard_family(w: &World) {
    let t = w.tenant();
    for path in [MCP, "/v1/agents/some-bot/mcp"] {
        let r = w.send("GET", path, Some(&t.token), None, &[]).expect(405);
        assert_eq!(r.header("allow"), Some("POST"));
        w.send("DELETE", path, Some(&t.token), None, &[]).expect(405);
        w.send("POST", path, None, Some("{}"), &[]).expect_error(401, "UNAUTHENTICATED");
        w.send("POST", path, Some("weav_nonsense"), Some("{}"), &[]).expect_error(401, "UNAUTHENTICATED");
    }
}

fn legacy_handshake_ping_and_notifications(w: &World) {
    let t = w.tenant();
    for (asked, answered) in [("2025-11-25", "2025-11-25"), ("2025-06-18", "2025-06-18"), ("2024-11-05", "2025-11-25")]
    {
        let init = rpc(
            "initialize",
            json!({"protocolVersion": asked, "capabilities": {}, "clientInfo": {"name": "e2e", "version": "1"}}),
        );
        let r = send(w, MCP, &t.token, &init, &[]).expect(200);
        // Stateless: no session is issued.
        assert_eq!(r.header("mcp-session-id"), None);
        let res = result(r.json());
        assert_eq!(res["protocolVersion"], answered, "{res:#}");
        assert_eq!(res["serverInfo"]["name"], "weav-edge");
        assert!(res["capabilities"]["tools"].is_object());
    }
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let r = send(w, MCP, &t.token, &note, &[("MCP-Protocol-Version", "2025-11-25")]).expect(202);
    assert!(r.body.is_empty());
    // Any session id a client kept is accepted and means nothing.
    let headers = [("MCP-Protocol-Version", "2025-06-18"), ("Mcp-Session-Id", "whatever")];
    let r = send(w, MCP, &t.token, &rpc("ping", json!({})), &headers).expect(200);
    assert_eq!(result(r.json()), json!({}));
    let ping = json!({"jsonrpc": "2.0", "id": "p-1", "method": "ping"});
    assert_eq!(result(legacy(w, MCP, &t.token, &ping)), json!({}));
    // Reads leave no audit entry, nor do notifications.
    assert!(audit_actions(w, t.id).iter().all(|a| a == "workspace.created" || a == "token.created"));
}

fn json_rpc_errors(w: &World) {
    let t = w.tenant();
    let raw = |body: &str| w.send("POST", MCP, Some(&t.token), Some(body), &[]);
    let v = error(raw("{not json"), 400, -32700);
    assert_eq!(v["id"], Value::Null);
    error(raw(r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#), 400, -32600);
    error(raw(r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#), 400, -32600);
    error(raw(r#"{"jsonrpc":"2.0","id":1}"#), 400, -32600);
    // Legacy clients read JSON-RPC errors from 200 answers.
    let v = error(send(w, MCP, &t.token, &rpc("resources/list", json!({})), &[]), 200, -32601);
    assert_eq!(v["id"], 7);
    error(send(w, MCP, &t.token, &rpc("tools/call", json!({"arguments": {}})), &[]), 200, -32602);
    error(send(w, MCP, &t.token, &call("no_such_tool", json!({})), &[]), 200, -32602);
    error(send(w, MCP, &t.token, &call("http_send_request", json!("x")), &[]), 200, -32602);
    error(send(w, MCP, &t.token, &rpc("tools/list", json!({"cursor": "bogus"})), &[]), 200, -32602);
    error(send(w, MCP, &t.token, &rpc("tools/list", json!([])), &[]), 200, -32602);
    // An older revision's header this server does not speak: 400, the modern code.
    let v =
        error(send(w, MCP, &t.token, &rpc("ping", json!({})), &[("MCP-Protocol-Version", "2024-01-01")]), 400, -32022);
    assert_eq!(v["error"]["data"]["requested"], "2024-01-01");
    // The agent endpoint of an agent that is not there.
    error(send(w, "/v1/agents/nobody/mcp", &t.token, &rpc("tools/list", json!({})), &[]), 200, -32602);
}

fn stateless_revision_discover_and_header_checks(w: &World) {
    let t = w.tenant();
    let h = |m: &'static str| [("MCP-Protocol-Version", MODERN), ("Mcp-Method", m)];
    let d =
        send(w, MCP, &t.token, &modern_body("server/discover", json!({})), &h("server/discover")).expect(200).json();
    let res = result(d);
    assert_eq!(res["resultType"], "complete");
    assert_eq!(res["supportedVersions"], json!([MODERN, "2025-11-25", "2025-06-18"]));
    assert!(res["capabilities"]["tools"].is_object());
    assert_eq!(res["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "weav-edge");
    let list =
        result(send(w, MCP, &t.token, &modern_body("tools/list", json!({})), &h("tools/list")).expect(200).json());
    assert_eq!(list["resultType"], "complete");
    assert!(list["tools"].as_array().unwrap().iter().any(|t| t["name"] == "http_send_request"));
    assert_eq!((res["ttlMs"].as_i64(), res["cacheScope"].as_str()), (Some(3_600_000), Some("public")));
    assert_eq!((list["ttlMs"].as_i64(), list["cacheScope"].as_str()), (Some(0), Some("private")));
    // ping is gone from this revision.
    let v = error(send(w, MCP, &t.token, &modern_body("ping", json!({})), &h("ping")), 404, -32601);
    assert_eq!(v["id"], 7);
    // The abilities refusal, in this revision's status.
    let read = w.token_for(t.id, &["external-api:read"]);
    let body = modern_body("tools/call", json!({"name": "http_send_request", "arguments": {}}));
    let hs = [("MCP-Protocol-Version", MODERN), ("Mcp-Method", "tools/call"), ("Mcp-Name", "http_send_request")];
    error(send(w, MCP, &read, &body, &hs), 400, -32600);

    // The tool call, with Mcp-Name plain and base64-encoded.
    let prefix = uniq("mcpmodern");
    let body = modern_body("tools/call", json!({"name": "http_send_request", "arguments": echo_args(w, &prefix)}));
    let ok = [("MCP-Protocol-Version", MODERN), ("Mcp-Method", "tools/call"), ("Mcp-Name", "http_send_request")];
    let r = result(send(w, MCP, &t.token, &body, &ok).expect(200).json());
    assert_eq!(r["isError"], false, "{r:#}");
    let b64 = "=?base64?aHR0cF9zZW5kX3JlcXVlc3Q=?=";
    let enc = [("MCP-Protocol-Version", MODERN), ("Mcp-Method", "tools/call"), ("Mcp-Name", b64)];
    assert_eq!(result(send(w, MCP, &t.token, &body, &enc).expect(200).json())["isError"], false);
    assert_eq!(w.mock.requests(&format!("/{prefix}/")).len(), 2);

    // -32020: a header missing or unlike the body. Nothing runs.
    for headers in [
        vec![("Mcp-Method", "tools/call"), ("Mcp-Name", "http_send_request")],
        vec![("MCP-Protocol-Version", "2025-11-25"), ("Mcp-Method", "tools/call"), ("Mcp-Name", "http_send_request")],
        vec![("MCP-Protocol-Version", MODERN), ("Mcp-Name", "http_send_request")],
        vec![("MCP-Protocol-Version", MODERN), ("Mcp-Method", "tools/list"), ("Mcp-Name", "http_send_request")],
        vec![("MCP-Protocol-Version", MODERN), ("Mcp-Method", "tools/call")],
        vec![("MCP-Protocol-Version", MODERN), ("Mcp-Method", "tools/call"), ("Mcp-Name", "github_create_issue")],
    ] {
        let v = error(send(w, MCP, &t.token, &body, &headers), 400, -32020);
        assert_eq!(v["id"], 7);
    }
    assert_eq!(w.mock.requests(&format!("/{prefix}/")).len(), 2);
    // -32022: a version this server does not speak, with the ones it does.
    let mut old = modern_body("ping", json!({}));
    old["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("2027-01-01");
    let headers = [("MCP-Protocol-Version", "2027-01-01"), ("Mcp-Method", "ping")];
    let v = error(send(w, MCP, &t.token, &old, &headers), 400, -32022);
    assert_eq!(
        v["error"]["data"],
        json!({"supported": [MODERN, "2025-11-25", "2025-06-18"], "requested": "2027-01-01"})
    );
    // -32602: the required _meta fields; -32601 with 404: no initialize in this revision.
    let headers = [("MCP-Protocol-Version", MODERN), ("Mcp-Method", "ping")];
    error(send(w, MCP, &t.token, &rpc("ping", json!({})), &headers), 400, -32602);
    let mut no_caps = modern_body("ping", json!({}));
    no_caps["params"]["_meta"].as_object_mut().unwrap().remove("io.modelcontextprotocol/clientCapabilities");
    error(send(w, MCP, &t.token, &no_caps, &headers), 400, -32602);
    let headers = [("MCP-Protocol-Version", MODERN), ("Mcp-Method", "initialize")];
    error(send(w, MCP, &t.token, &modern_body("initialize", json!({})), &headers), 404, -32601);
    let headers = [("MCP-Protocol-Version", MODERN), ("Mcp-Method", "prompts/list")];
    error(send(w, MCP, &t.token, &modern_body("prompts/list", json!({})), &headers), 404, -32601);
}

fn origin_must_be_allowed(w: &World) {
    let t = w.tenant();
    let ping = rpc("ping", json!({}));
    let r = send(w, MCP, &t.token, &ping, &[("Origin", "https://evil.example")]).expect(403);
    let v = r.json();
    assert_eq!(v["id"], Value::Null);
    assert_eq!(v["error"]["code"], -32600);
    for origin in ["https://allowed.example", "https://also.example"] {
        send(w, MCP, &t.token, &ping, &[("Origin", origin)]).expect(200);
    }
    send(w, "/v1/agents/any/mcp", &t.token, &ping, &[("Origin", "null")]).expect(403);
}

fn tools_list_shows_runnable_actions_and_paginates(w: &World) {
    let t = w.tenant();
    // Without a Slack connection, Slack's action cannot run: it is not listed.
    let names = tool_names(w, MCP, &t.token);
    assert!(names.contains(&"http_send_request".to_string()), "{names:?}");
    assert!(!names.contains(&"slack_send_message".to_string()), "{names:?}");
    let conn = connect(w, &t.token, "slack");
    let list = result(legacy(w, MCP, &t.token, &rpc("tools/list", json!({}))));
    let slack = list["tools"].as_array().unwrap().iter().find(|t| t["name"] == "slack_send_message").expect("slack");
    assert_eq!(slack["inputSchema"]["properties"]["connection_id"]["enum"], json!([conn]));
    let required = slack["inputSchema"]["required"].as_array().unwrap();
    assert!(required.contains(&json!("connection_id")) && required.contains(&json!("channel")), "{slack:#}");
    let http = list["tools"].as_array().unwrap().iter().find(|t| t["name"] == "http_send_request").unwrap();
    assert!(http["inputSchema"]["properties"].get("connection_id").is_none(), "{http:#}");

    // 60 functions (20 per agent, the free plan's most): two pages, the cursor given out
    // works, the order is stable (pieces, then agents and functions as they were added).
    for bot in ["pager-a", "pager-b", "pager-c"] {
        create(w, &t, agent(bot));
        for i in 0..20 {
            let f = json!({"name": format!("f{i:02}"), "description": "d", "url": format!("{}/fn/p", w.mock.url)});
            w.post(&format!("/v1/agents/{bot}/functions"), &t.token, &f).expect(201);
        }
    }
    let first = result(legacy(w, MCP, &t.token, &rpc("tools/list", json!({}))));
    assert_eq!(first["tools"].as_array().unwrap().len(), 50);
    assert!(first["nextCursor"].is_string());
    let all = tool_names(w, MCP, &t.token);
    let fns: Vec<&String> = all.iter().filter(|n| n.starts_with("pager-")).collect();
    assert_eq!(fns.len(), 60);
    assert_eq!(fns[0], "pager-a__f00");
    assert_eq!(fns[59], "pager-c__f19");
    assert!(all.iter().position(|n| n == "http_send_request") < all.iter().position(|n| n == "pager-a__f00"));
    let own = tool_names(w, "/v1/agents/pager-b/mcp", &t.token);
    assert_eq!(own.len(), 20);
    assert_eq!(own[0], "f00");
    // A trashed agent's functions are not tools.
    w.post("/v1/agents/pager-b/trash", &t.token, &json!({})).expect(204);
    assert_eq!(tool_names(w, MCP, &t.token).iter().filter(|n| n.starts_with("pager-")).count(), 40);
}

fn slack_tool_runs_against_the_mock_and_is_audited(w: &World) {
    let t = w.tenant();
    let conn = connect(w, &t.token, "slack");
    let channel = uniq("CMCP");
    let answer = json!({"ok": true, "channel": channel, "ts": "1706800000.000100"});
    w.mock.answer_when("/slack/chat.postMessage", &channel, 200, answer.clone(), 0);
    let args = json!({"connection_id": conn, "channel": channel, "text": "from MCP"});
    let r = send(w, MCP, &t.token, &call("slack_send_message", args), &[]).expect(200);
    for h in ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"] {
        assert!(r.header(h).is_some(), "{h}: {:?}", r.headers);
    }
    let res = result(r.json());
    assert_eq!(res["isError"], false, "{res:#}");
    let out: Value = serde_json::from_str(&text_of(&res)).unwrap();
    assert_eq!(out["success"], true);
    assert_eq!(out["output"], answer);
    let sent: Vec<_> =
        w.mock.requests("/slack/chat.postMessage").into_iter().filter(|q| q.body.contains(&channel)).collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].headers.get("authorization").map(String::as_str), Some("Bearer xoxb-mcp"));
    // The same entry and usage as an execute.
    let acts = audit_actions(w, t.id);
    assert_eq!(acts.iter().filter(|a| *a == "action.executed").count(), 1, "{acts:?}");
    let usage = w.get("/v1/usage", &t.token).expect(200).json();
    assert_eq!(usage["actions"]["used"], 1, "{usage:#}");
    // A refused input: VALIDATION_ERROR as a result, no quota used, no entry.
    let bad = json!({"connection_id": conn, "channel": channel});
    let res = result(legacy(w, MCP, &t.token, &call("slack_send_message", bad)));
    assert_eq!(res["isError"], true);
    assert!(text_of(&res).starts_with("VALIDATION_ERROR: Missing required field: text"), "{res:#}");
    // Without connection_id: the seed's CONNECTION_REQUIRED.
    let res = result(legacy(w, MCP, &t.token, &call("slack_send_message", json!({"channel": "C1", "text": "x"}))));
    assert!(text_of(&res).starts_with("CONNECTION_REQUIRED: "), "{res:#}");
    let usage = w.get("/v1/usage", &t.token).expect(200).json();
    assert_eq!(usage["actions"]["used"], 1, "{usage:#}");
    assert_eq!(audit_actions(w, t.id).iter().filter(|a| *a == "action.executed").count(), 1);
}

fn upstream_failure_is_an_error_result(w: &World) {
    let t = w.tenant();
    let conn = connect(w, &t.token, "slack");
    let channel = uniq("CFAIL");
    w.mock.answer_when("/slack/chat.postMessage", &channel, 500, json!({"error": "internal"}), 0);
    let args = json!({"connection_id": conn, "channel": channel, "text": "x"});
    let v = legacy(w, MCP, &t.token, &call("slack_send_message", args));
    let res = result(v);
    assert_eq!(res["isError"], true, "{res:#}");
    let out: Value = serde_json::from_str(&text_of(&res)).unwrap();
    assert_eq!(out["success"], false);
}

fn rate_limit_and_quota_refusals_are_error_results(w: &World) {
    let t = limited(w, 2, 100);
    let prefix = uniq("mcprl");
    for _ in 0..2 {
        let res = result(legacy(w, MCP, &t.token, &call("http_send_request", echo_args(w, &prefix))));
        assert_eq!(res["isError"], false, "{res:#}");
    }
    let r = send(w, MCP, &t.token, &call("http_send_request", echo_args(w, &prefix)), &[]).expect(200);
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    let res = result(r.json());
    assert_eq!(res["isError"], true);
    assert!(text_of(&res).starts_with("RATE_LIMITED: Rate limit exceeded."), "{res:#}");
    assert_eq!(w.mock.requests(&format!("/{prefix}/")).len(), 2);
    // The window is shared with execute and invoke: execute is refused too.
    let exec = json!({"pieceName": "http", "actionName": "send_request", "input": echo_args(w, &prefix)});
    w.post("/v1/actions/execute", &t.token, &exec).expect(429);

    let t = limited(w, 100, 1);
    let res = result(legacy(w, MCP, &t.token, &call("http_send_request", echo_args(w, &prefix))));
    assert_eq!(res["isError"], false, "{res:#}");
    let res = result(legacy(w, MCP, &t.token, &call("http_send_request", echo_args(w, &prefix))));
    assert_eq!(res["isError"], true);
    assert!(text_of(&res).starts_with("QUOTA_EXCEEDED: Monthly action quota exceeded"), "{res:#}");
    // Function tools count no quota: they still run.
    create(w, &t, agent("quota-bot"));
    let f = json!({"name": "ping", "description": "d", "url": format!("{}/fn/{prefix}", w.mock.url)});
    w.post("/v1/agents/quota-bot/functions", &t.token, &f).expect(201);
    let res = result(legacy(w, MCP, &t.token, &call("quota-bot__ping", json!({}))));
    assert_eq!(res["isError"], false, "{res:#}");
}

fn abilities_per_method(w: &World) {
    let t = w.tenant();
    let read = w.token_for(t.id, &["external-api:read"]);
    assert!(tool_names(w, MCP, &read).contains(&"http_send_request".to_string()));
    let prefix = uniq("mcpab");
    let v = error(send(w, MCP, &read, &call("http_send_request", echo_args(w, &prefix)), &[]), 200, -32600);
    assert!(v["error"]["message"].as_str().unwrap().contains("external-api:write"), "{v}");
    assert!(w.mock.requests(&format!("/{prefix}/")).is_empty());
    // The route itself needs read (every client lists before it calls).
    let write = w.token_for(t.id, &["external-api:write"]);
    w.send("POST", MCP, Some(&write), Some(&rpc("ping", json!({})).to_string()), &[])
        .expect_error(403, "INSUFFICIENT_TOKEN_ABILITY");
}

fn agent_functions_on_both_endpoints(w: &World) {
    let t = w.tenant();
    create(w, &t, agent("fn-bot"));
    let path = uniq("/fn/mcp");
    let f = json!({"name": "weather", "description": "The weather", "url": format!("{}{path}", w.mock.url),
                   "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}});
    w.post("/v1/agents/fn-bot/functions", &t.token, &f).expect(201);
    let list = result(legacy(w, MCP, &t.token, &rpc("tools/list", json!({}))));
    let tool = list["tools"].as_array().unwrap().iter().find(|t| t["name"] == "fn-bot__weather").expect("tool");
    assert_eq!(tool["inputSchema"], f["parameters"]);
    assert_eq!(tool["description"], "The weather");

    let res = result(legacy(w, MCP, &t.token, &call("fn-bot__weather", json!({"city": "Oslo"}))));
    assert_eq!(res["isError"], false, "{res:#}");
    let out: Value = serde_json::from_str(&text_of(&res)).unwrap();
    assert_eq!(out["status"], 200);
    let own = "/v1/agents/fn-bot/mcp";
    let res = result(legacy(w, own, &t.token, &call("weather", json!({"city": "Bergen"}))));
    assert_eq!(res["isError"], false, "{res:#}");
    let seen = w.mock.requests(&path);
    assert_eq!(seen.len(), 2);
    assert!(seen[0].path.contains("city=Oslo") && seen[1].path.contains("city=Bergen"), "{:?}", seen[1].path);
    // Arguments against the parameters: invoke's 422 as a result; nothing sent, no entry.
    let res = result(legacy(w, own, &t.token, &call("weather", json!({}))));
    assert_eq!(res["isError"], true);
    assert!(text_of(&res).starts_with("VALIDATION_ERROR: "), "{res:#}");
    assert_eq!(w.mock.requests(&path).len(), 2);
    let acts = audit_actions(w, t.id);
    assert_eq!(acts.iter().filter(|a| *a == "function.invoked").count(), 2, "{acts:?}");
    // The agent's endpoint lists only its own functions; the workspace's name is unknown there.
    let own_names = tool_names(w, own, &t.token);
    assert_eq!(own_names, ["weather"]);
    error(send(w, own, &t.token, &call("fn-bot__weather", json!({})), &[]), 200, -32602);
    error(send(w, own, &t.token, &call("http_send_request", json!({})), &[]), 200, -32602);
    // The agent's endpoint also answers to the agent's numeric id.
    let id = w.get("/v1/agents/fn-bot", &t.token).expect(200).json()["id"].clone();
    assert_eq!(tool_names(w, &format!("/v1/agents/{id}/mcp"), &t.token), ["weather"]);
}

fn idempotency_key_replays_a_tool_call(w: &World) {
    let t = w.tenant();
    let prefix = uniq("mcpidem");
    let body = call("http_send_request", echo_args(w, &prefix));
    let first = send(w, MCP, &t.token, &body, &[("Idempotency-Key", &prefix)]).expect(200);
    let again = send(w, MCP, &t.token, &body, &[("Idempotency-Key", &prefix)]).expect(200);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(first.body, again.body);
    assert_eq!(w.mock.requests(&format!("/{prefix}/")).len(), 1);
    let usage = w.get("/v1/usage", &t.token).expect(200).json();
    assert_eq!(usage["actions"]["used"], 1);

    // A refused call (here the rate limit) is a 200 answer, yet its key is released as a
    // 4xx's is: the same key runs again instead of replaying the refusal.
    let t = limited(w, 1, 100);
    let key = uniq("mcpidem-refused");
    legacy(w, MCP, &t.token, &body);
    for _ in 0..2 {
        let r = send(w, MCP, &t.token, &body, &[("Idempotency-Key", &key)]).expect(200);
        assert_eq!(r.header("idempotent-replayed"), None);
        assert!(text_of(&result(r.json())).starts_with("RATE_LIMITED: "));
    }
    // So is a JSON-RPC error's.
    let unknown = call("no_such_tool", json!({}));
    for _ in 0..2 {
        let r = send(w, MCP, &t.token, &unknown, &[("Idempotency-Key", &format!("{key}-2"))]).expect(200);
        assert_eq!(r.header("idempotent-replayed"), None);
    }
}

fn tenants_never_see_each_others_tools(w: &World) {
    let a = w.tenant();
    let b = w.tenant();
    let b_conn = connect(w, &b.token, "slack");
    create(w, &b, agent("secret-bot"));
    let f = json!({"name": "leak", "description": "d", "url": format!("{}/fn/leak", w.mock.url)});
    w.post("/v1/agents/secret-bot/functions", &b.token, &f).expect(201);
    assert!(tool_names(w, MCP, &b.token).contains(&"secret-bot__leak".to_string()));

    let list = send(w, MCP, &a.token, &rpc("tools/list", json!({})), &[]).expect(200).body;
    assert!(!list.contains(&b_conn) && !list.contains("secret-bot") && !list.contains("slack_send_message"), "{list}");
    error(send(w, MCP, &a.token, &call("secret-bot__leak", json!({})), &[]), 200, -32602);
    error(send(w, "/v1/agents/secret-bot/mcp", &a.token, &rpc("tools/list", json!({})), &[]), 200, -32602);
    error(send(w, "/v1/agents/secret-bot/mcp", &a.token, &call("leak", json!({})), &[]), 200, -32602);
    // B's connection named in A's call: not found, as execute says.
    let args = json!({"connection_id": b_conn, "channel": "C1", "text": "x"});
    let res = result(legacy(w, MCP, &a.token, &call("slack_send_message", args)));
    assert!(text_of(&res).starts_with("NOT_FOUND: "), "{res:#}");
    assert!(w.mock.requests("/fn/leak").is_empty());
}

/// The official Python SDK, a 1.x release (the `initialize` era) and the current 2.x
/// release (the stateless revision), each from its pinned venv (`tests/mcp/run.sh`): list,
/// a Slack call against the mock, an agent function on both endpoints, the rate limit.
fn python_sdk_clients(w: &World) {
    const LIMIT: i64 = 6;
    for sdk in ["1", "2"] {
        let t = limited(w, LIMIT, 1000);
        let conn = connect(w, &t.token, "slack");
        create(w, &t, agent("sdk-bot"));
        let fn_path = uniq("/fn/sdk");
        let f = json!({"name": "greet", "description": "Greets", "url": format!("{}{fn_path}", w.mock.url),
                       "parameters": {"type": "object", "properties": {"name": {"type": "string"}}}});
        w.post("/v1/agents/sdk-bot/functions", &t.token, &f).expect(201);
        let channel = uniq(&format!("CSDK{sdk}"));
        w.mock.answer_when("/slack/chat.postMessage", &channel, 200, json!({"ok": true, "channel": channel}), 0);
        let out = Command::new("bash")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mcp/run.sh"))
            .arg(sdk)
            .env("MCP_URL", format!("{}{MCP}", w.base))
            .env("MCP_AGENT_URL", format!("{}/v1/agents/sdk-bot/mcp", w.base))
            .env("MCP_TOKEN", &t.token)
            .env("MCP_CONNECTION", &conn)
            .env("MCP_CHANNEL", &channel)
            .env("MCP_ECHO_URL", format!("{}/{}/echo", w.mock.url, uniq("sdkecho")))
            .env("MCP_LIMIT", LIMIT.to_string())
            .output()
            .expect("tests/mcp/run.sh");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "mcp {sdk}.x client failed ({}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("ALL OK"), "{stdout}");
        let sent = w.mock.requests("/slack/chat.postMessage").into_iter().filter(|q| q.body.contains(&channel)).count();
        assert_eq!(sent, 1, "mcp {sdk}.x");
        assert_eq!(w.mock.requests(&fn_path).len(), 2, "mcp {sdk}.x");
        let acts = audit_actions(w, t.id);
        assert_eq!(acts.iter().filter(|a| *a == "function.invoked").count(), 2, "{acts:?}");
    }
}
