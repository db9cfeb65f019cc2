//! The audit log: every write operation of the OpenAPI document leaves exactly one entry
//! with the action the document names (`x-audit-action`); refusals of a known token are
//! recorded, throttled; the listing pages with cursors and filters; nothing secret is kept.

use crate::agents::agent;
use crate::harness::{rfc3339_in, Tenant, World};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

pub fn cases() -> Vec<crate::Case> {
    crate::cases![
        every_write_operation_leaves_one_entry,
        failed_writes_and_replays_leave_none,
        refusals_of_a_known_token_are_recorded_and_throttled,
        listing_pages_filters_and_isolation,
    ]
}

/// Walks the write operations one by one, checking after each that the workspace's log
/// (read through the operator listing, which also shows the operator's own entries) grew
/// by exactly one entry with the operation's action.
struct Walk<'a> {
    w: &'a World,
    ws: i64,
    /// (method, documented path) → action, for every write operation in the document.
    ops: BTreeMap<(String, String), String>,
    done: BTreeSet<(String, String)>,
    last: Option<String>,
}

impl<'a> Walk<'a> {
    fn entries_since(&self) -> Vec<Value> {
        let mut path = format!("/admin/v1/audit-logs?workspace_id={}&limit=100", self.ws);
        if let Some(last) = &self.last {
            path.push_str(&format!("&ending_before={last}"));
        }
        let page = self.w.admin("GET", &path, None).expect(200).json();
        page["data"].as_array().unwrap().clone()
    }

    /// Sends `method path body` (documented as `doc_path`) with `token`, expects `status`,
    /// and checks the one new entry.
    fn step(
        &mut self,
        token: Option<&str>,
        method: &str,
        doc_path: &str,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        let headers = [("User-Agent", "weav-e2e-audit"), ("CF-Connecting-IP", "203.0.113.7")];
        let text = body.as_ref().map(Value::to_string);
        let resp =
            self.w.send(method, path, Some(token.unwrap_or(crate::harness::ADMIN_TOKEN)), text.as_deref(), &headers);
        assert_eq!(resp.status, status, "{method} {path}: {}", resp.body);
        let answer = if resp.body.is_empty() { Value::Null } else { resp.json() };
        let key = (method.to_string(), doc_path.to_string());
        let action = self.ops.get(&key).unwrap_or_else(|| panic!("{method} {doc_path} is not a documented write"));
        let new = self.entries_since();
        assert_eq!(new.len(), 1, "{method} {path}: expected one new entry, got {new:#?}");
        let e = &new[0];
        assert_eq!(e["action"], action.as_str(), "{method} {path}: {e:#?}");
        assert_eq!(e["workspace_id"], self.ws, "{e:#?}");
        assert!(e["request"]["id"].as_str().is_some_and(|s| !s.is_empty()), "{e:#?}");
        assert_eq!(e["request"]["user_agent"], "weav-e2e-audit", "{e:#?}");
        assert_eq!(e["request"]["ip"], "203.0.113.7", "{e:#?}");
        assert!(e["target"]["type"].is_string(), "{e:#?}");
        if token.is_some() {
            assert_eq!(e["actor"]["type"], "token", "{e:#?}");
            assert_eq!(e["actor"]["name"], "audited", "{e:#?}");
        } else {
            assert_eq!(e["actor"]["type"], "admin_token", "{e:#?}");
        }
        // Field names only: a body's values (credentials, header secrets) never appear.
        if let Some(Value::Object(b)) = &body {
            let changes: BTreeSet<&str> = e["changes"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
            for k in b.keys() {
                assert!(changes.contains(k.as_str()), "{method} {path}: {k} not in {changes:?}");
            }
        }
        self.last = Some(e["id"].as_str().unwrap().to_string());
        self.done.insert(key);
        answer
    }
}

impl Walk<'_> {
    /// A website widget write from a page (`Origin`, a session or none): one new entry
    /// whose actor is the widget key or session.
    #[allow(clippy::too_many_arguments)]
    fn widget_step(
        &mut self,
        session: Option<&str>,
        origin: &str,
        doc_path: &str,
        path: &str,
        body: Value,
        actor: &str,
    ) -> Value {
        let headers = [("Origin", origin), ("User-Agent", "weav-e2e-audit")];
        let resp = self.w.send("POST", path, session, Some(&body.to_string()), &headers);
        assert_eq!(resp.status, 201, "POST {path}: {}", resp.body);
        let key = ("POST".to_string(), doc_path.to_string());
        let action = self.ops.get(&key).unwrap_or_else(|| panic!("POST {doc_path} is not a documented write")).clone();
        let new = self.entries_since();
        assert_eq!(new.len(), 1, "POST {path}: expected one new entry, got {new:#?}");
        assert_eq!(new[0]["action"], action.as_str(), "{:#?}", new[0]);
        assert_eq!(new[0]["actor"]["type"], actor, "{:#?}", new[0]);
        self.last = Some(new[0]["id"].as_str().unwrap().to_string());
        self.done.insert(key);
        resp.json()
    }
}

fn every_write_operation_leaves_one_entry(w: &World) {
    let doc = w.get("/v1/openapi.json", "").expect(200).json();
    let mut ops = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if let Some(action) = op.get("x-audit-action").and_then(Value::as_str) {
                ops.insert((method.to_uppercase(), path.clone()), action.to_string());
            }
        }
    }
    assert!(ops.len() > 50, "{}", ops.len());
    let mut walk = Walk { w, ws: 0, ops, done: BTreeSet::new(), last: None };

    // The operator's writes, on a workspace of their own.
    let created = w.admin("POST", "/admin/v1/workspaces", Some(json!({"name": "Audited", "plan": "enterprise"})));
    let ws = created.expect(201).json()["id"].as_i64().unwrap();
    walk.ws = ws;
    let first = walk.entries_since();
    assert_eq!(first.len(), 1, "{first:#?}");
    assert_eq!(first[0]["action"], "workspace.created");
    assert_eq!(first[0]["target"], json!({"type": "workspace", "id": ws.to_string()}));
    walk.last = Some(first[0]["id"].as_str().unwrap().to_string());
    walk.done.insert(("POST".into(), "/admin/v1/workspaces".into()));
    let wsp = format!("/admin/v1/workspaces/{ws}");
    walk.step(None, "PATCH", "/admin/v1/workspaces/{id}", &wsp, Some(json!({"name": "Audited Inc"})), 200);
    let tok = walk.step(
        None,
        "POST",
        "/admin/v1/workspaces/{id}/tokens",
        &format!("{wsp}/tokens"),
        Some(json!({"name": "audited", "abilities": ["external-api:read", "external-api:write"]})),
        201,
    );
    let t = Tenant { id: ws, token: tok["token"].as_str().unwrap().to_string() };
    let tk = Some(t.token.as_str());
    let m = &w.mock.url;

    // Agents and functions (and the seed's aliases of them).
    walk.step(tk, "POST", "/v1/agents", "/v1/agents", Some(agent("audit-bot")), 201);
    walk.step(tk, "PATCH", "/v1/agents/{agent}", "/v1/agents/audit-bot", Some(json!({"name": "Renamed"})), 200);
    walk.step(tk, "PUT", "/v1/agents/{agent}", "/v1/agents/audit-bot", Some(json!({"model": "gpt-4.1-nano"})), 200);
    walk.step(
        None,
        "PATCH",
        "/admin/v1/workspaces/{id}/agents/{agent}",
        &format!("{wsp}/agents/audit-bot"),
        Some(json!({"protected": false})),
        200,
    );
    let f = json!({"name": "lookup", "description": "d", "url": format!("{m}/audit/fn"),
                   "headers": {"Authorization": "Bearer fn-secret-value"}});
    walk.step(tk, "POST", "/v1/agents/{agent}/functions", "/v1/agents/audit-bot/functions", Some(f), 201);
    let fp = "/v1/agents/audit-bot/functions/lookup";
    let e = walk.step(tk, "PATCH", "/v1/agents/{agent}/functions/{name}", fp, Some(json!({"description": "e"})), 200);
    assert_eq!(e["name"], "lookup");
    let last = walk.entries_since_last_target();
    assert_eq!(last, json!({"type": "function", "id": "audit-bot/lookup"}));
    walk.step(
        tk,
        "PUT",
        "/v1/agents/{agent}/functions/{name}",
        fp,
        Some(json!({"description": "f", "url": format!("{m}/audit/fn")})),
        200,
    );
    walk.step(tk, "POST", "/v1/agents/{agent}/functions/{name}/invoke", &format!("{fp}/invoke"), Some(json!({})), 200);
    // An MCP tool call leaves the entry of what it ran: here invoke's.
    let call = |name: &str, args: Value| json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": args}});
    let r = walk.step(
        tk,
        "POST",
        "/v1/agents/{agent}/mcp",
        "/v1/agents/audit-bot/mcp",
        Some(call("lookup", json!({}))),
        200,
    );
    assert_eq!(r["result"]["isError"], false, "{r:#}");
    assert_eq!(walk.entries_since_last_target(), json!({"type": "function", "id": "audit-bot/lookup"}));
    walk.step(tk, "DELETE", "/v1/agents/{agent}/functions/{name}", fp, None, 204);
    walk.step(tk, "POST", "/v1/agents/{agent}/trash", "/v1/agents/audit-bot/trash", Some(json!({})), 204);
    walk.step(tk, "POST", "/v1/agents/{agent}/restore", "/v1/agents/audit-bot/restore", Some(json!({})), 204);
    walk.step(tk, "POST", "/api/agents", "/api/agents", Some(agent("seed-bot")), 201);
    walk.step(tk, "PATCH", "/api/agents/{agent}", "/api/agents/seed-bot", Some(json!({"name": "Seedy"})), 200);
    walk.step(tk, "PUT", "/api/agents/{agent}", "/api/agents/seed-bot", Some(json!({"model": "m2"})), 200);
    walk.step(tk, "POST", "/api/agents/{agent}/trash", "/api/agents/seed-bot/trash", Some(json!({})), 204);
    walk.step(tk, "POST", "/api/agents/{agent}/restore", "/api/agents/seed-bot/restore", Some(json!({})), 204);
    let g = json!({"name": "g", "description": "d", "url": format!("{m}/audit/g")});
    walk.step(tk, "POST", "/api/agents/{agent}/functions", "/api/agents/seed-bot/functions", Some(g), 201);
    let gp = "/api/agents/seed-bot/functions/g";
    walk.step(tk, "PATCH", "/api/agents/{agent}/functions/{name}", gp, Some(json!({"description": "e"})), 200);
    walk.step(
        tk,
        "PUT",
        "/api/agents/{agent}/functions/{name}",
        gp,
        Some(json!({"description": "f", "url": format!("{m}/audit/g")})),
        200,
    );
    walk.step(tk, "DELETE", "/api/agents/{agent}/functions/{name}", gp, None, 204);
    walk.step(tk, "DELETE", "/api/agents/{agent}", "/api/agents/seed-bot", None, 204);

    // Actions and connections.
    let exec = json!({"pieceName": "http", "actionName": "send_request",
                      "input": {"method": "GET", "url": format!("{m}/audit/echo")}});
    walk.step(tk, "POST", "/v1/actions/execute", "/v1/actions/execute", Some(exec.clone()), 200);
    assert_eq!(walk.entries_since_last_target(), json!({"type": "action", "id": "http/send_request"}));
    walk.step(tk, "POST", "/api/v1/actions/execute", "/api/v1/actions/execute", Some(exec), 200);
    let args = json!({"method": "GET", "url": format!("{m}/audit/echo")});
    let r = walk.step(tk, "POST", "/v1/mcp", "/v1/mcp", Some(call("http_send_request", args)), 200);
    assert_eq!(r["result"]["isError"], false, "{r:#}");
    assert_eq!(walk.entries_since_last_target(), json!({"type": "action", "id": "http/send_request"}));
    let conn =
        json!({"pieceName": "slack", "name": "Audit Slack", "credentials": {"access_token": "xoxb-audit-secret"}});
    let c = walk.step(tk, "POST", "/v1/connections", "/v1/connections", Some(conn), 201);
    let cid = c["id"].as_str().unwrap().to_string();
    assert_eq!(walk.entries_since_last_target(), json!({"type": "connection", "id": cid}));
    walk.step(tk, "DELETE", "/v1/connections/{id}", &format!("/v1/connections/{cid}"), None, 204);

    // Training.
    let item = walk.step(
        tk,
        "POST",
        "/v1/training-data",
        "/v1/training-data",
        Some(json!({"agent": "audit-bot", "type": "text", "content": "Returns take 30 days."})),
        201,
    );
    let ip = format!("/v1/training-data/{}", item["id"]);
    walk.step(tk, "PATCH", "/v1/training-data/{id}", &ip, Some(json!({"content": "Returns take 60 days."})), 200);
    walk.step(tk, "DELETE", "/v1/training-data/{id}", &ip, None, 204);
    w.mock.answer_raw(
        "/audit/site/index.html",
        200,
        "text/html",
        "<html><head><title>Audit Help</title></head><body><p>Returns take 30 days.</p></body></html>",
    );
    let page = format!("{m}/audit/site/index.html");
    let discover = json!({"agent": "audit-bot", "url": page});
    walk.step(tk, "POST", "/v1/training-data/urls/discover", "/v1/training-data/urls/discover", Some(discover), 200);
    let process = json!({"agent": "audit-bot", "urls": [page]});
    walk.step(tk, "POST", "/v1/training-data/urls/process", "/v1/training-data/urls/process", Some(process), 202);
    // Resync needs a completed page: the queue consumer reads it meanwhile.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let l = w.get("/v1/training-data?type=url&status=completed&count_only=true", &t.token).expect(200).json();
        if l["count"] == 1 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the page was not trained on: {l}");
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    let resync = json!({"agent": "audit-bot"});
    walk.step(tk, "POST", "/v1/training-data/urls/resync", "/v1/training-data/urls/resync", Some(resync), 202);

    // Support records.
    let co = walk.step(
        tk,
        "POST",
        "/v1/companies",
        "/v1/companies",
        Some(json!({"name": "Acme", "external_id": "co-1"})),
        201,
    );
    let cop = format!("/v1/companies/{}", co["id"]);
    assert_eq!(walk.entries_since_last_target(), json!({"type": "company", "id": co["id"].to_string()}));
    walk.step(tk, "PATCH", "/v1/companies/{id}", &cop, Some(json!({"name": "Acme Inc"})), 200);
    walk.step(
        tk,
        "PUT",
        "/v1/companies/by-external-id/{external_id}",
        "/v1/companies/by-external-id/co-2",
        Some(json!({"name": "Beta"})),
        201,
    );
    let cu = walk.step(
        tk,
        "POST",
        "/v1/customers",
        "/v1/customers",
        Some(json!({"name": "Ada", "external_id": "u-1"})),
        201,
    );
    let cup = format!("/v1/customers/{}", cu["id"]);
    walk.step(tk, "PATCH", "/v1/customers/{id}", &cup, Some(json!({"name": "Ada L."})), 200);
    walk.step(
        tk,
        "PUT",
        "/v1/customers/by-external-id/{external_id}",
        "/v1/customers/by-external-id/u-2",
        Some(json!({"name": "Grace"})),
        201,
    );
    let mem = walk.step(
        tk,
        "POST",
        "/v1/members",
        "/v1/members",
        Some(json!({"name": "Grace", "email": "grace@example.com"})),
        201,
    );
    assert_eq!(walk.entries_since_last_target(), json!({"type": "member", "id": mem["id"].to_string()}));
    let mp = format!("/v1/members/{}", mem["id"]);
    walk.step(tk, "PATCH", "/v1/members/{id}", &mp, Some(json!({"name": "Grace H."})), 200);
    let cv = walk.step(
        tk,
        "POST",
        "/v1/conversations",
        "/v1/conversations",
        Some(json!({"customer": cu["id"], "subject": "Help"})),
        201,
    );
    let cvp = format!("/v1/conversations/{}", cv["id"]);
    walk.step(tk, "PATCH", "/v1/conversations/{id}", &cvp, Some(json!({"subject": "Help!"})), 200);
    walk.step(tk, "POST", "/v1/conversations/{id}/pending", &format!("{cvp}/pending"), Some(json!({})), 200);
    walk.step(
        tk,
        "POST",
        "/v1/conversations/{id}/snooze",
        &format!("{cvp}/snooze"),
        Some(json!({"snoozed_until": rfc3339_in(3600)})),
        200,
    );
    walk.step(tk, "POST", "/v1/conversations/{id}/close", &format!("{cvp}/close"), Some(json!({})), 200);
    walk.step(tk, "POST", "/v1/conversations/{id}/open", &format!("{cvp}/open"), Some(json!({})), 200);
    let assign = json!({"assignee_type": "member", "assignee_id": mem["id"]});
    walk.step(tk, "POST", "/v1/conversations/{id}/assign", &format!("{cvp}/assign"), Some(assign), 200);
    walk.step(
        tk,
        "POST",
        "/v1/conversations/{id}/messages",
        &format!("{cvp}/messages"),
        Some(json!({"body": "Hello", "sender_type": "customer", "sender_id": cu["id"]})),
        201,
    );
    let note = json!({"body": "VIP", "sender_type": "member", "sender_id": mem["id"]});
    walk.step(tk, "POST", "/v1/conversations/{id}/notes", &format!("{cvp}/notes"), Some(note), 201);
    walk.step(tk, "DELETE", "/v1/conversations/{id}", &cvp, None, 204);
    walk.step(tk, "DELETE", "/v1/members/{id}", &mp, None, 204);
    walk.step(tk, "DELETE", "/v1/customers/{id}", &cup, None, 204);
    walk.step(tk, "DELETE", "/v1/companies/{id}", &cop, None, 204);

    // Webhooks.
    let hook = json!({"url": format!("{m}/audit/hook"), "events": ["agent.updated"]});
    let wh = walk.step(tk, "POST", "/v1/webhooks", "/v1/webhooks", Some(hook), 201);
    let whk = wh["id"].as_str().unwrap().to_string();
    let secret = wh["secret"].as_str().unwrap().to_string();
    let whp = format!("/v1/webhooks/{whk}");
    walk.step(tk, "PATCH", "/v1/webhooks/{id}", &whp, Some(json!({"description": "audited"})), 200);
    walk.step(tk, "POST", "/v1/webhooks/{id}/rotate-secret", &format!("{whp}/rotate-secret"), Some(json!({})), 200);
    let tested = walk.step(tk, "POST", "/v1/webhooks/{id}/test", &format!("{whp}/test"), Some(json!({})), 200);
    let dlv = tested["id"].as_str().unwrap().to_string();
    walk.step(
        tk,
        "POST",
        "/v1/webhooks/{id}/deliveries/{delivery_id}/retry",
        &format!("{whp}/deliveries/{dlv}/retry"),
        Some(json!({})),
        200,
    );
    walk.step(
        tk,
        "POST",
        "/v1/webhooks/{id}/replay",
        &format!("{whp}/replay"),
        Some(json!({"since": rfc3339_in(-3600)})),
        202,
    );
    walk.step(tk, "DELETE", "/v1/webhooks/{id}", &whp, None, 204);
    // The website widget: keys with the token, then a page's session, conversation and message.
    let origin = "https://audit.example";
    let body = json!({"agent": "audit-bot", "allowed_origins": [origin]});
    let key = walk.step(tk, "POST", "/v1/widget-keys", "/v1/widget-keys", Some(body), 201);
    let kp = format!("/v1/widget-keys/{}", key["id"]);
    walk.step(tk, "PATCH", "/v1/widget-keys/{id}", &kp, Some(json!({"name": "Audited"})), 200);
    let base = format!("/v1/widget/{}", key["key"].as_str().unwrap());
    let s = walk.widget_step(
        None,
        origin,
        "/v1/widget/{key}/sessions",
        &format!("{base}/sessions"),
        json!({}),
        "widget_key",
    );
    let st = s["token"].as_str().unwrap().to_string();
    let cv = walk.widget_step(
        Some(&st),
        origin,
        "/v1/widget/{key}/conversations",
        &format!("{base}/conversations"),
        json!({"body": "Hi"}),
        "widget_session",
    );
    walk.widget_step(
        Some(&st),
        origin,
        "/v1/widget/{key}/conversations/{id}/messages",
        &format!("{base}/conversations/{}/messages", cv["id"]),
        json!({"body": "Again"}),
        "widget_session",
    );
    walk.step(tk, "DELETE", "/v1/widget-keys/{id}", &kp, None, 204);
    walk.step(tk, "DELETE", "/v1/agents/{agent}", "/v1/agents/audit-bot", None, 204);

    // Operator: a token revoked.
    let other =
        w.admin("POST", &format!("{wsp}/tokens"), Some(json!({"name": "spare", "abilities": ["external-api:read"]})));
    let other_id = other.expect(201).json()["id"].as_i64().unwrap();
    walk.last = walk.entries_since().first().and_then(|e| e["id"].as_str()).map(str::to_string).or(walk.last);
    walk.step(
        None,
        "DELETE",
        "/admin/v1/workspaces/{id}/tokens/{token_id}",
        &format!("{wsp}/tokens/{other_id}"),
        None,
        204,
    );

    extra_operator_steps(&mut walk, &wsp);

    let missing: Vec<_> = walk.ops.keys().filter(|k| !walk.done.contains(*k)).collect();
    assert!(missing.is_empty(), "write operations the walk did not make: {missing:?}");

    // No entry holds a secret the walk sent or received.
    let all = w.admin("GET", &format!("/admin/v1/audit-logs?workspace_id={ws}&limit=100"), None).expect(200).body;
    for s in ["fn-secret-value", "xoxb-audit-secret", secret.as_str(), t.token.as_str()] {
        assert!(!all.contains(s), "{s} in the audit log");
    }
}

/// Token roll, and operator keys: an operator key's entries belong to no workspace, and a
/// change made with one names it as the actor.
fn extra_operator_steps(walk: &mut Walk, wsp: &str) {
    let w = walk.w;
    let spare =
        w.admin("POST", &format!("{wsp}/tokens"), Some(json!({"name": "spare2", "abilities": ["external-api:read"]})));
    let spare_id = spare.expect(201).json()["id"].as_i64().unwrap();
    walk.last = walk.entries_since().first().and_then(|e| e["id"].as_str()).map(str::to_string).or(walk.last.take());
    let roll = format!("{wsp}/tokens/{spare_id}/roll");
    walk.step(
        None,
        "POST",
        "/admin/v1/workspaces/{id}/tokens/{token_id}/roll",
        &roll,
        Some(json!({"grace_period_seconds": 0})),
        201,
    );

    // Other cases write at the same time: each read is narrowed to what this one made.
    let newest = |w: &World, q: &str| {
        w.admin("GET", &format!("/admin/v1/audit-logs?limit=1&{q}"), None).expect(200).json()["data"][0].clone()
    };
    let key = w.admin("POST", "/admin/v1/operator-keys", Some(json!({"name": "ops-ci"}))).expect(201).json();
    let e = newest(w, &format!("target=operator_key:{}", key["id"]));
    assert_eq!((e["action"].as_str(), e["workspace_id"].is_null()), (Some("operator_key.created"), true), "{e:#}");
    assert_eq!(e["target"], json!({"type": "operator_key", "id": key["id"].to_string()}));
    let plain = key["key"].as_str().unwrap();
    let r = w.send("PATCH", wsp, Some(plain), Some(&json!({"name": "By key"}).to_string()), &[]);
    assert_eq!(r.status, 200, "{}", r.body);
    let e = newest(w, &format!("workspace_id={}", walk.ws));
    assert_eq!(e["action"], "workspace.updated");
    assert_eq!(e["actor"], json!({"type": "operator_key", "id": key["id"].to_string(), "name": "ops-ci"}));
    w.admin("DELETE", &format!("/admin/v1/operator-keys/{}", key["id"]), None).expect(204);
    assert_eq!(newest(w, &format!("target=operator_key:{}", key["id"]))["action"], "operator_key.revoked");
    assert!(!w.admin("GET", "/admin/v1/audit-logs?limit=100", None).expect(200).body.contains(plain));
    for k in ["POST /admin/v1/operator-keys", "DELETE /admin/v1/operator-keys/{id}"] {
        let (m, p) = k.split_once(' ').unwrap();
        walk.done.insert((m.to_string(), p.to_string()));
    }
    walk.last = None;
}

impl Walk<'_> {
    /// The target of the newest entry.
    fn entries_since_last_target(&self) -> Value {
        let page = self
            .w
            .admin("GET", &format!("/admin/v1/audit-logs?workspace_id={}&limit=1", self.ws), None)
            .expect(200)
            .json();
        page["data"][0]["target"].clone()
    }
}

fn count(w: &World, t: &Tenant, query: &str) -> usize {
    let page = w.get(&format!("/v1/audit-logs?limit=100{query}"), &t.token).expect(200).json();
    page["data"].as_array().unwrap().len()
}

fn failed_writes_and_replays_leave_none(w: &World) {
    let t = w.tenant();
    w.post("/v1/agents", &t.token, &agent("once")).expect(201);
    // The workspace's log also holds the operator's create of it and of its token.
    assert_eq!(count(w, &t, ""), 3);
    // Invalid, unknown, duplicate: no change, no entry.
    w.post("/v1/agents", &t.token, &json!({"uid": "x"})).expect_invalid("name");
    w.patch("/v1/agents/ghost", &t.token, &json!({"name": "x"})).expect(404);
    w.post("/v1/agents", &t.token, &agent("once")).expect_invalid("uid");
    w.patch("/v1/members/99999999", &t.token, &json!({"name": "x"})).expect(404);
    w.delete("/v1/companies/99999999", &t.token).expect(404);
    w.delete("/v1/connections/conn_nope", &t.token).expect(404);
    assert_eq!(count(w, &t, ""), 3);
    // An idempotent replay answers the first response and writes nothing more.
    let key = [("Idempotency-Key", "audit-replay-1")];
    let body = agent("twice").to_string();
    let first = w.send("POST", "/v1/agents", Some(&t.token), Some(&body), &key).expect(201).json();
    let again = w.send("POST", "/v1/agents", Some(&t.token), Some(&body), &key).expect(201).json();
    assert_eq!(first, again);
    let page = w.get("/v1/audit-logs?target=agent", &t.token).expect(200).json();
    assert_eq!(page["data"].as_array().unwrap().len(), 2, "{page:#}");
    assert_eq!(page["data"][0]["request"]["idempotency_key"], "audit-replay-1");
}

fn refusals_of_a_known_token_are_recorded_and_throttled(w: &World) {
    let t = w.tenant();
    let reader = w.token_for(t.id, &["external-api:read"]);
    for _ in 0..5 {
        w.post("/v1/agents", &reader, &agent("nope")).expect_error(403, "INSUFFICIENT_TOKEN_ABILITY");
    }
    // An unknown token is nobody's: nothing to record.
    w.get("/v1/agents", "weav_unknown").expect(401);
    let page = w.get("/v1/audit-logs?action=request.refused", &t.token).expect(200).json();
    let data = page["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "five refusals within seconds are one entry: {page:#}");
    assert_eq!(data[0]["status"], 403);
    assert_eq!(data[0]["target"], json!({"type": "request", "id": "POST /v1/agents"}));
    assert_eq!(data[0]["actor"]["type"], "token");
    assert_eq!(count(w, &t, "&action=agent.created"), 0);
}

fn listing_pages_filters_and_isolation(w: &World) {
    let t = w.tenant();
    let other = w.tenant();
    // An agent's target id is its `id`, as in its events.
    let ids: Vec<String> = (0..5)
        .map(|i| w.post("/v1/agents", &t.token, &agent(&format!("p{i}"))).expect(201).json()["id"].to_string())
        .collect();
    w.patch("/v1/agents/p0", &t.token, &json!({"name": "Zero"})).expect(200);
    w.post("/v1/agents", &other.token, &agent("theirs")).expect(201);
    let targets = |page: &Value| -> Vec<String> {
        page["data"].as_array().unwrap().iter().map(|e| e["target"]["id"].as_str().unwrap().to_string()).collect()
    };

    let p1 = w.get("/v1/audit-logs?limit=2", &t.token).expect(200).json();
    assert_eq!(p1["has_more"], true);
    let d1 = p1["data"].as_array().unwrap();
    assert_eq!(d1[0]["action"], "agent.updated");
    assert_eq!(targets(&p1), [ids[0].clone(), ids[4].clone()]);
    let last = d1[1]["id"].as_str().unwrap();
    let p2 = w.get(&format!("/v1/audit-logs?limit=4&starting_after={last}"), &t.token).expect(200).json();
    assert_eq!(targets(&p2), [ids[3].clone(), ids[2].clone(), ids[1].clone(), ids[0].clone()]);
    assert_eq!(p2["has_more"], true, "the token's and the workspace's creation are older still");
    let oldest = p2["data"][3]["id"].as_str().unwrap();
    let back = w.get(&format!("/v1/audit-logs?limit=2&ending_before={oldest}"), &t.token).expect(200).json();
    assert_eq!(targets(&back), [ids[2].clone(), ids[1].clone()], "the page just newer than the cursor, newest first");
    assert_eq!(back["has_more"], true);

    assert_eq!(count(w, &t, "&action=agent.updated"), 1);
    assert_eq!(count(w, &t, &format!("&target=agent:{}", ids[3])), 1);
    assert_eq!(count(w, &t, "&target=agent"), 6);
    let actor = d1[0]["actor"]["id"].as_str().unwrap().to_string();
    assert_eq!(count(w, &t, &format!("&actor={actor}")), 6);
    assert_eq!(count(w, &t, &format!("&since={}", rfc3339_in(60))), 0);
    assert_eq!(count(w, &t, &format!("&until={}&target=agent", rfc3339_in(60))), 6);

    // Another workspace's entries are not there, and its ids are no cursor here.
    assert_eq!(count(w, &other, "&target=agent"), 1);
    let theirs =
        w.get("/v1/audit-logs", &other.token).expect(200).json()["data"][0]["id"].as_str().unwrap().to_string();
    w.get(&format!("/v1/audit-logs?starting_after={theirs}"), &t.token).expect_invalid("starting_after");
    for bad in ["limit=0", "limit=101", "since=yesterday", "starting_after=aud_x"] {
        let field = bad.split('=').next().unwrap();
        w.get(&format!("/v1/audit-logs?{bad}"), &t.token).expect_invalid(field);
    }
    let both = format!("starting_after={last}&ending_before={last}");
    w.get(&format!("/v1/audit-logs?{both}"), &t.token).expect_invalid("ending_before");
    // The workspace sees its operator's entries, not where the operator called from.
    let own = w.get("/v1/audit-logs?action=token.created", &t.token).expect(200).json()["data"][0].clone();
    assert_eq!((own["actor"]["type"].as_str(), own["request"]["ip"].is_null()), (Some("admin_token"), true), "{own:#}");
    assert!(own["request"]["user_agent"].is_null(), "{own:#}");
    let q = format!("/admin/v1/audit-logs?workspace_id={}&action=token.created", t.id);
    let seen = w.admin("GET", &q, None).expect(200).json()["data"][0].clone();
    assert!(seen["request"]["ip"].is_string(), "the operator's own listing shows it: {seen:#}");
    // The operator sees every workspace, or one.
    let all = w.admin("GET", &format!("/admin/v1/audit-logs?workspace_id={}&limit=100&target=agent", other.id), None);
    assert_eq!(all.expect(200).json()["data"].as_array().unwrap().len(), 1);
}
