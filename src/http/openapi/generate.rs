//! Builds the document from the route table: one path item per route, one operation per
//! `Op`, the responses every operation of its kind has, the path parameters from the id
//! kinds of CONTRACT.md (Ids), and `links` from each create to the item it made.

use super::components;
use super::schema::{id, string, S};
use super::{Doc, Param};
use crate::http::routes::{Access, Op, Route, Verb, ALIASES, ROUTES};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The document as JSON text (built once).
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| serde_json::to_string(&build()).unwrap_or_default())
}

const INFO: &str = "The Weav developer platform API. Every `/v1` route but `GET /v1/health`, \
`GET /v1/openapi.json` and `GET /v1/blobs/{id}` needs `Authorization: Bearer <token>`; GET and HEAD need the \
`external-api:read` ability, POST, PUT, PATCH and DELETE need `external-api:write`. HEAD is served wherever \
GET is; any other method a path does not list is 405 `METHOD_NOT_ALLOWED` with `Allow`. Every response carries \
`X-Request-Id` (yours, if you send one of at most 128 visible ASCII characters). Errors: the standard envelope \
`{error, code, errors?, request_id}`, the validation shape `{message, errors, request_id}` (422), unknown \
routes 404 `RESOURCE_NOT_FOUND`, bodies over 1 MiB 413 `PAYLOAD_TOO_LARGE`, bodies that are not a JSON \
object 400 `INVALID_JSON` (strict JSON: the seed's single-quoted examples are read only at its own `/api/...` \
paths), anything unexpected 500 `INTERNAL_ERROR`. Checks run in this order: route, authentication and ability, \
body size, JSON, validation, existence, business rules. Every `POST` under `/v1` accepts an `Idempotency-Key` \
header (1 to 255 printable ASCII characters, kept 24 hours per workspace): a retry with the same key and \
request returns the first response with `Idempotent-Replayed: true` and runs nothing.";

const TAGS: &[(&str, &str)] = &[
    ("Meta", ""),
    ("Workspace", ""),
    (
        "Operator",
        "The operator API (`/admin/v1`), guarded by the `ADMIN_TOKEN` secret or an operator key; the stand-in for the dashboard.",
    ),
    ("Agents", "Seed 002. Also served at the seed's own paths (`/api/agents...`)."),
    ("Functions", ""),
    ("Actions", "One-off operations against third-party services (seed 004): pieces, connections, execution, usage."),
    (
        "Training data",
        "Text, Q&A and URL training data of an agent, processed in the background on a Cloudflare Queue; \
         grounded search over an agent's knowledge.",
    ),
    ("Companies", "Support data: organisations your customers belong to."),
    ("Customers", "Support data: the people you support, synced from your CRM by `external_id`."),
    ("Members", "Support data: the workspace's human support staff."),
    ("Conversations", "Support data: conversations, their lifecycle, assignment, messages and internal notes."),
    ("Webhooks", "Signed events for every change (Standard Webhooks), delivery log, retry and replay."),
    (
        "Widget",
        "The website widget. `/v1/widget-keys` manages publishable keys with a server token. `/v1/widget/{key}/...` \
         is what a page may call: no API token (one is a 401); an `Origin` in the key's `allowed_origins` (else 403 \
         `ORIGIN_NOT_ALLOWED`, checked first, without CORS headers); an end-user session from `POST .../sessions` \
         on every route but `config` and `sessions`. Each of these paths also answers the CORS preflight \
         (`OPTIONS`, 204, methods and `Authorization, Content-Type, X-Request-Id` allowed, cached 600 s); every \
         answer after the origin check carries `Access-Control-Allow-Origin` (that origin) and `Vary: Origin`, \
         never credentials. Rate limits: each key's `rate_limit` (default and ceiling 600 a minute) and each \
         session's `session_rate_limit` (default and ceiling 60 a minute), apart from the workspace's limits.",
    ),
];

fn build() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        paths.insert(route.path.into(), path_item(route));
    }
    // The seeds' literal paths: the same operations, marked as aliases.
    for (alias, canonical) in ALIASES {
        let Some(mut item) = paths.get(*canonical).cloned() else { continue };
        for op in item.as_object_mut().into_iter().flat_map(|o| o.values_mut()).filter_map(Value::as_object_mut) {
            if let Some(Value::String(id)) = op.get_mut("operationId") {
                id.push_str("SeedPath");
            }
            op.remove("responses").map(|r| op.insert("responses".into(), strip_links(r)));
            op.insert("description".into(), format!("Alias of `{canonical}` at the seed's own path.").into());
        }
        paths.insert(alias.to_string(), item);
    }
    let tags: Vec<Value> = TAGS
        .iter()
        .map(|(n, d)| if d.is_empty() { json!({"name": n}) } else { json!({"name": n, "description": d}) })
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Weav Edge API", "version": "1.0.0", "description": INFO},
        "servers": [{"url": "http://127.0.0.1:8787", "description": "make dev"}],
        "security": [{"bearerToken": []}],
        "tags": tags,
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer",
                    "description": "A workspace API token: `weav_` + 30 random base62 characters + a 6-character checksum."},
                "widgetSession": {"type": "http", "scheme": "bearer", "description": "An end user's widget session (`weav_sess_...`, `POST /v1/widget/{key}/sessions`); valid only on that key's widget routes, from the origin that opened it."},
                "adminToken": {"type": "http", "scheme": "bearer", "description": "The `ADMIN_TOKEN` secret, or a live operator key (`weav_op_...`, `POST /admin/v1/operator-keys`)."},
            },
            "schemas": components::schemas().into_iter().map(|(n, s)| (n.to_string(), s.into_value())).collect::<Map<_, _>>(),
            "responses": components::responses().into_iter().map(|r| (r.name.to_string(), response(r.description, Some(r.schema), &r.headers))).collect::<Map<_, _>>(),
            "parameters": {"IdempotencyKey": idempotency_key()},
            "headers": headers(),
        },
    })
}

fn strip_links(mut responses: Value) -> Value {
    for r in responses.as_object_mut().into_iter().flat_map(|o| o.values_mut()).filter_map(Value::as_object_mut) {
        r.remove("links");
    }
    responses
}

fn path_item(route: &Route) -> Value {
    let mut item = Map::new();
    for op in route.ops {
        item.insert(op.method.name().to_ascii_lowercase(), operation(route, op));
    }
    Value::Object(item)
}

fn is_token_post(route: &Route, op: &Op) -> bool {
    route.access == Access::Token && op.method == Verb::Post
}

fn operation(route: &Route, op: &Op) -> Value {
    let doc: &Doc = &op.doc;
    let mut o = Map::new();
    o.insert("operationId".into(), doc.id.into());
    o.insert("summary".into(), doc.summary.into());
    if let Some(d) = doc.description {
        o.insert("description".into(), d.into());
    }
    o.insert("tags".into(), json!([route.tag]));
    if let Some(action) = op.audit {
        // The audit log's action for this write: what `GET /v1/audit-logs?action=` finds.
        o.insert("x-audit-action".into(), action.into());
    }
    match route.access {
        Access::Public => {
            o.insert("security".into(), json!([]));
        }
        Access::Admin => {
            o.insert("security".into(), json!([{"adminToken": []}]));
        }
        Access::Token => {}
        Access::WidgetKey => {
            o.insert("security".into(), json!([]));
        }
        Access::WidgetSession => {
            o.insert("security".into(), json!([{"widgetSession": []}]));
        }
    }
    let mut params: Vec<Value> = path_params(route.path)
        .into_iter()
        .map(|(name, s, d)| json!({"name": name, "in": "path", "required": true, "schema": s.into_value(), "description": d}))
        .collect();
    let query: Vec<Param> = doc.query.map(|q| q()).unwrap_or_default();
    for p in &query {
        let mut v = json!({"name": p.name, "in": "query", "schema": p.schema.clone().into_value()});
        if !p.description.is_empty() {
            v["description"] = p.description.into();
        }
        if p.required {
            v["required"] = true.into();
        }
        params.push(v);
    }
    if is_token_post(route, op) {
        params.push(json!({"$ref": "#/components/parameters/IdempotencyKey"}));
    }
    if !params.is_empty() {
        o.insert("parameters".into(), Value::Array(params));
    }
    if let Some((schema, required)) = doc.body {
        o.insert(
            "requestBody".into(),
            json!({"required": required, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}}),
        );
    }

    let mut responses = BTreeMap::new();
    let mut ok_headers: Vec<&str> = doc.headers.to_vec();
    if is_token_post(route, op) {
        ok_headers.push("Idempotent-Replayed");
    }
    if op.limit.is_some() {
        ok_headers.extend(components::RATE_HEADERS);
    }
    for (status, schema, description) in doc.ok {
        let schema = (!schema.is_empty()).then(|| super::schema::refer(schema));
        let mut r = response(description, schema, &ok_headers);
        if *status == 201 && op.method == Verb::Post {
            if let Some(links) = links(route) {
                r["links"] = links;
            }
        }
        responses.insert(status.to_string(), r);
    }
    let quota = doc.storage_quota.then_some((403, "StorageQuotaExceeded"));
    for (status, name) in
        default_errors(route, op, !query.is_empty()).into_iter().chain(quota).chain(doc.errors.iter().copied())
    {
        responses.insert(status.to_string(), json!({"$ref": format!("#/components/responses/{name}")}));
    }
    o.insert("responses".into(), responses.into_iter().collect::<Map<_, _>>().into());
    Value::Object(o)
}

/// The errors every operation of this kind answers (CONTRACT.md, Errors).
fn default_errors(route: &Route, op: &Op, has_query: bool) -> Vec<(u16, &'static str)> {
    let mut e = Vec::new();
    match route.access {
        Access::Public => {}
        Access::Admin => e.extend([(401, "Unauthenticated"), (500, "InternalError")]),
        Access::Token => e.extend([(401, "Unauthenticated"), (403, "Forbidden"), (500, "InternalError")]),
        Access::WidgetKey | Access::WidgetSession => e.extend([
            (401, "WidgetUnauthenticated"),
            (403, "OriginNotAllowed"),
            (429, "WidgetRateLimited"),
            (500, "InternalError"),
        ]),
    }
    if route.path.contains('{') {
        e.push((404, "NotFound"));
    }
    if op.limit.is_some() {
        e.push((429, "RateLimitedStandard"));
    }
    let body = op.doc.body.is_some();
    if body {
        e.extend([(400, "InvalidJson"), (413, "PayloadTooLarge"), (422, "ValidationFailed")]);
    }
    if has_query {
        e.push((422, "ValidationFailed"));
    }
    if is_token_post(route, op) {
        e.push((400, if body { "InvalidJsonOrIdempotencyKey" } else { "InvalidIdempotencyKey" }));
        e.push((409, "IdempotencyInProgress"));
        e.push((413, "PayloadTooLarge"));
        e.push((
            422,
            if body || has_query { "ValidationFailedOrIdempotencyMismatch" } else { "IdempotencyKeyMismatch" },
        ));
    }
    e
}

/// The path parameters of a route, typed by the id kinds of CONTRACT.md (Ids).
fn path_params(path: &str) -> Vec<(&str, S, &'static str)> {
    let segments: Vec<&str> = path.split('/').collect();
    let mut out = Vec::new();
    for (i, seg) in segments.iter().enumerate() {
        let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else { continue };
        let parent = if i > 0 { segments[i - 1] } else { "" };
        let (schema, d) = match (parent, name) {
            (_, "agent") => (string().min_len(1), "The agent's id (all digits) or uid."),
            (_, "name") => (string().min_len(1), "The function's name."),
            ("widget", "key") => (string().pattern("^weav_pk_"), "The widget's publishable key (`weav_pk_...`)."),
            (_, "external_id") => (string().min_len(1).max_len(255), "Your external id (percent-encoded)."),
            ("workspaces", _) => (id(), "The workspace's id."),
            ("tokens", _) => (id(), "The token's id."),
            ("operator-keys", _) => (id(), "The operator key's id."),
            ("blobs", _) => (string().pattern("^blob_"), "A `blob_` id."),
            ("connections", _) => (string().pattern("^conn_"), "A `conn_` id."),
            ("webhooks", _) => (string().pattern("^whk_"), "A `whk_` id."),
            ("deliveries", _) => (string().pattern("^dlv_"), "A `dlv_` id."),
            ("events", _) => (string().pattern("^evt_"), "An `evt_` id."),
            _ => (id(), "The record's id."),
        };
        out.push((name, schema, d));
    }
    out
}

/// From a create (`POST /v1/things`) to the operations on what it made
/// (`/v1/things/{id}` and below it, e.g. `/v1/things/{id}/messages`), so a client (or a
/// stateful fuzzer) can chain them. Operations needing another id are left out.
fn links(route: &Route) -> Option<Value> {
    let prefix = format!("{}/{{", route.path);
    let item = ROUTES.iter().find(|r| r.path.starts_with(&prefix) && !r.path[prefix.len()..].contains('/'))?;
    let name = item.path[prefix.len()..].trim_end_matches('}');
    let field = if name == "name" { "name" } else { "id" };
    let known = path_params(route.path).len() + 1;
    let mut links = Map::new();
    for target in ROUTES.iter().filter(|r| r.path.starts_with(item.path) && path_params(r.path).len() == known) {
        for op in target.ops {
            let mut parameters = Map::new();
            for (p, _, _) in path_params(route.path) {
                parameters.insert(p.to_string(), format!("$request.path.{p}").into());
            }
            parameters.insert(name.to_string(), format!("$response.body#/{field}").into());
            let link_name = format!("{}{}", op.method.name().chars().next().unwrap_or('X'), &op.doc.id);
            links.insert(link_name, json!({"operationId": op.doc.id, "parameters": parameters}));
        }
    }
    Some(Value::Object(links))
}

fn response(description: &str, schema: Option<S>, headers: &[&str]) -> Value {
    let mut r = json!({"description": description});
    if let Some(s) = schema {
        r["content"] = json!({"application/json": {"schema": s.into_value()}});
    }
    if !headers.is_empty() {
        r["headers"] = headers
            .iter()
            .map(|h| (h.to_string(), json!({"$ref": format!("#/components/headers/{h}")})))
            .collect::<Map<_, _>>()
            .into();
    }
    r
}

fn idempotency_key() -> Value {
    json!({
        "name": "Idempotency-Key", "in": "header", "required": false,
        "description": "Makes the request safe to retry (after a time-out, a dropped connection, or concurrently): 1 to 255 printable ASCII characters, e.g. a UUID, scoped to the workspace and kept 24 hours. The first request with a key runs and its response (status, body, headers) is stored; a retry with the same key, method, path and body gets that response again byte for byte with `Idempotent-Replayed: true` (and its own `X-Request-Id`) and runs nothing. The same key with another method, path or body is 422 `IDEMPOTENCY_KEY_MISMATCH`; while the first request is still running, 409 `IDEMPOTENCY_IN_PROGRESS` with `Retry-After: 1`. 4xx responses are not stored, so a corrected retry may reuse the key; 2xx and 5xx are. A seed-path alias shares keys with its `/v1` path.",
        "schema": string().min_len(1).max_len(255).pattern("^[\\x20-\\x7e]{1,255}$").into_value(),
    })
}

fn headers() -> Value {
    let int = |d: &str| json!({"description": d, "schema": {"type": "integer"}});
    json!({
        "Idempotent-Replayed": {"description": "`true` when this is the stored response of an earlier request with the same `Idempotency-Key`.",
            "schema": {"type": "string", "enum": ["true"]}},
        "X-RateLimit-Limit": int("Executions allowed per window."),
        "X-RateLimit-Remaining": int("Executions left in the current window."),
        "X-RateLimit-Reset": int("Unix second at which the oldest counted request leaves the window."),
        "Retry-After": int("Seconds to wait before retrying."),
        "RateLimit-Policy": {"description": "The window (IETF httpapi RateLimit headers): `\"workspace\";q=<limit>;w=<window seconds>`.", "schema": {"type": "string"}},
        "RateLimit": {"description": "The window's state: `\"workspace\";r=<remaining>;t=<seconds until the oldest call leaves>`.", "schema": {"type": "string"}},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        serde_json::from_str(document()).expect("the document is JSON")
    }

    /// A misspelt schema or response name in a `Doc` row would be a dangling `$ref`.
    #[test]
    fn every_reference_resolves() {
        fn walk(v: &Value, root: &Value, n: &mut usize) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::String(r)) = m.get("$ref") {
                        let target = r.strip_prefix("#/").expect("local reference");
                        let node = target.split('/').fold(root, |node, seg| &node[seg]);
                        assert!(!node.is_null(), "dangling $ref {r}");
                        *n += 1;
                    }
                    m.values().for_each(|x| walk(x, root, n));
                }
                Value::Array(a) => a.iter().for_each(|x| walk(x, root, n)),
                _ => {}
            }
        }
        let d = doc();
        let mut n = 0;
        walk(&d, &d, &mut n);
        assert!(n > 300, "{n}");
    }

    #[test]
    fn every_route_and_alias_is_documented_once_with_its_errors() {
        let d = doc();
        let mut ids = std::collections::BTreeSet::new();
        for route in ROUTES {
            let aliases = ALIASES.iter().filter(|(_, c)| *c == route.path).map(|(a, _)| *a);
            for path in std::iter::once(route.path).chain(aliases) {
                for op in route.ops {
                    let o = &d["paths"][path][op.method.name().to_ascii_lowercase()];
                    let id = o["operationId"].as_str().unwrap_or_else(|| panic!("{path} has no operationId"));
                    assert!(ids.insert(id.to_string()), "operationId {id} twice");
                    let responses = o["responses"].as_object().expect("responses");
                    assert!(responses.keys().any(|k| k.starts_with('2')), "{id}: no success answer");
                    if route.access == Access::Token {
                        assert!(responses.contains_key("401") && responses.contains_key("403"), "{id}");
                    }
                    // Every write of a token or operator route leaves an audit entry.
                    if route.access != Access::Public && !op.method.is_read() {
                        let action = o["x-audit-action"].as_str().unwrap_or_else(|| panic!("{id}: no audit action"));
                        let (target, verb) = action.split_once('.').unwrap_or_else(|| panic!("{id}: {action}"));
                        assert!(!target.is_empty() && !verb.is_empty(), "{id}: {action}");
                    } else {
                        assert!(o.get("x-audit-action").is_none(), "{id}: a read with an audit action");
                    }
                    if is_token_post(route, op) {
                        let params = o["parameters"].as_array().expect("parameters");
                        assert!(params.iter().any(|p| p["$ref"] == "#/components/parameters/IdempotencyKey"), "{id}");
                        assert!(responses.contains_key("409"), "{id}");
                    }
                }
            }
        }
        let documented: usize = d["paths"].as_object().unwrap().values().map(|p| p.as_object().unwrap().len()).sum();
        assert_eq!(documented, ids.len(), "operations in the document that no route declares");
    }

    #[test]
    fn creates_that_a_storage_quota_counts_document_its_403() {
        let d = doc();
        let quota = "#/components/responses/StorageQuotaExceeded";
        for (path, method) in [
            ("/v1/agents", "post"),
            ("/api/agents", "post"),
            ("/v1/agents/{agent}", "put"),
            ("/v1/agents/{agent}/functions", "post"),
            ("/v1/customers", "post"),
            ("/v1/conversations/{id}/notes", "post"),
            ("/v1/training-data/urls/process", "post"),
            ("/v1/webhooks", "post"),
        ] {
            assert_eq!(d["paths"][path][method]["responses"]["403"]["$ref"], quota, "{method} {path}");
        }
        assert_eq!(d["paths"]["/v1/agents"]["get"]["responses"]["403"]["$ref"], "#/components/responses/Forbidden");
        assert!(d["components"]["responses"]["StorageQuotaExceeded"].is_object());
    }

    #[test]
    fn widget_routes_document_their_own_access() {
        let d = doc();
        let config = &d["paths"]["/v1/widget/{key}/config"]["get"];
        assert_eq!(config["security"], json!([]));
        assert_eq!(config["responses"]["403"]["$ref"], "#/components/responses/OriginNotAllowed");
        let messages = &d["paths"]["/v1/widget/{key}/conversations/{id}/messages"]["post"];
        assert_eq!(messages["security"], json!([{"widgetSession": []}]));
        assert_eq!(messages["responses"]["429"]["$ref"], "#/components/responses/WidgetRateLimited");
        assert_eq!(messages["x-audit-action"], "message.created");
        let params = messages["parameters"].as_array().unwrap();
        assert!(params.iter().all(|p| p["$ref"] != "#/components/parameters/IdempotencyKey"));
        assert_eq!(params[0]["schema"]["pattern"], "^weav_pk_");
        assert!(d["components"]["securitySchemes"]["widgetSession"].is_object());
    }

    #[test]
    fn creates_link_to_what_they_made() {
        let d = doc();
        let links = &d["paths"]["/v1/conversations"]["post"]["responses"]["201"]["links"];
        assert_eq!(links["GgetConversation"]["parameters"]["id"], "$response.body#/id");
        assert_eq!(links["PaddMessage"]["operationId"], "addMessage");
        let fns = &d["paths"]["/v1/agents/{agent}/functions"]["post"]["responses"]["201"]["links"];
        assert_eq!(fns["GgetFunction"]["parameters"]["name"], "$response.body#/name");
        assert_eq!(fns["GgetFunction"]["parameters"]["agent"], "$request.path.agent");
    }
}
