//! The document's components: every schema, response and header the operations name.
//! Lengths, enums and patterns come from the rules the handlers run (`crate::domain`).

use super::schema::*;
use super::Response;
use crate::domain::quota::{Resource, MAX_LIMIT};
use crate::domain::{agent, training as dt, widget};

/// No white space and at least one non-digit (`domain::agent::uid_problem`).
const UID_PATTERN: &str = "^\\S*[^\\s0-9]\\S*$";
const FUNCTION_NAME_PATTERN: &str = "^[A-Za-z0-9_-]+$";
use crate::domain::outbound::HTTP_URL_PATTERN;

/// Text that must not be blank (the validators trim, then require something).
fn text(max: usize) -> S {
    string().min_len(1).max_len(max).pattern("\\S")
}
use serde_json::{json, Value};

pub fn schemas() -> Vec<(&'static str, S)> {
    let mut all = vec![
        ("Error", object().doc("The standard error envelope.")
            .prop("error", string())
            .prop("code", string())
            .prop("errors", object())
            .prop("request_id", string())
            .required(&["error", "code", "request_id"])),
        ("ValidationError", object()
            .prop("message", any().constant("The given data was invalid."))
            .prop("errors", object().values(array_of(string())))
            .prop("request_id", string())
            .required(&["message", "errors", "request_id"])),
        ("RateLimit", object()
            .prop("limit", integer().min(1))
            .prop("window_seconds", integer().min(1))
            .required(&["limit", "window_seconds"])),
        ("Plan", string().one_of_str(&["free", "pro", "enterprise"]).doc("free: 60 executions per 60 s, 1,000 a month; pro: 600 per 60 s, 10,000 a month; enterprise: 6,000 per 60 s, 1,000,000 a month.")),
        ("Workspace", object()
            .prop("id", integer())
            .prop("name", string())
            .prop("plan", refer("Plan"))
            .prop("rate_limit", refer("RateLimit"))
            .prop("monthly_action_quota", integer())
            .prop("storage_quotas", refer("StorageQuotas"))
            .prop("created_at", string().format("date-time"))
            .prop("updated_at", string().format("date-time"))
            .required(&["id", "name", "plan", "rate_limit", "monthly_action_quota", "storage_quotas", "created_at", "updated_at"])),
        ("StorageQuotas", storage_quotas(true)),
        ("StorageQuotasWrite", storage_quotas(false)),
        ("CallerWorkspace", all_of(vec![refer("Workspace"), object()
                .prop("abilities", array_of(string().one_of_str(&["external-api:read", "external-api:write"])))
                .required(&["abilities"])])),
        ("WorkspaceCreate", object()
            .prop("name", text(255))
            .prop("plan", refer("Plan"))
            .prop("rate_limit", refer("RateLimit"))
            .prop("monthly_action_quota", integer().min(0))
            .prop("storage_quotas", refer("StorageQuotasWrite"))
            .required(&["name"])),
        ("WorkspaceUpdate", object()
            .prop("name", text(255))
            .prop("plan", refer("Plan"))
            .prop("rate_limit", refer("RateLimit"))
            .prop("monthly_action_quota", integer().min(0))
            .prop("storage_quotas", refer("StorageQuotasWrite"))),
        ("TokenCreate", object()
            .prop("name", text(255))
            .prop("abilities", array_of(string().one_of_str(&["external-api:read", "external-api:write"])).min_items(1).doc("Default: both."))
            .prop("expires_at", string().format("date-time").doc("RFC 3339, in the future."))
            .required(&["name"])),
        ("Token", object()
            .prop("id", integer())
            .prop("name", string())
            .prop("abilities", array_of(string()))
            .prop("expires_at", string().or_null().format("date-time"))
            .prop("created_at", string().format("date-time"))
            .required(&["id", "name", "abilities", "expires_at", "created_at"])),
        ("NewToken", all_of(vec![refer("Token"), object()
                .prop("token", string().doc("The plain-text token, shown only in this response."))
                .required(&["token"])])),
        ("TokenRoll", object()
            .prop("grace_period_seconds", integer().min(0).max(crate::domain::workspace::MAX_GRACE_SECONDS)
                .doc("How long the old token keeps working. Default 0: revoked at once."))),
        ("RolledToken", all_of(vec![refer("NewToken"), object()
                .prop("rolled_from", object()
                    .prop("id", integer())
                    .prop("expires_at", string().format("date-time").doc("When the old token stops (or stopped) working."))
                    .required(&["id", "expires_at"]))
                .required(&["rolled_from"])])),
        ("OperatorKeyCreate", object()
            .prop("name", text(255))
            .prop("expires_at", string().format("date-time").doc("RFC 3339, in the future. Left out: the key works until revoked."))
            .required(&["name"])),
        ("OperatorKey", object()
            .prop("id", integer())
            .prop("name", string())
            .prop("expires_at", string().or_null().format("date-time"))
            .prop("created_at", string().format("date-time"))
            .required(&["id", "name", "expires_at", "created_at"])),
        ("NewOperatorKey", all_of(vec![refer("OperatorKey"), object()
                .prop("key", string().pattern("^weav_op_[0-9A-Za-z]{36}$").doc("The plain-text key, shown only in this response."))
                .required(&["key"])])),
        ("Picture", object().or_null().doc("A stored picture (`id` = blob id) or a public URL (`id` and the sizes null).")
            .prop("id", string().or_null())
            .prop("name", string().or_null())
            .prop("media_type", string().or_null())
            .prop("width", integer().or_null())
            .prop("height", integer().or_null())
            .prop("size", integer().or_null())
            .prop("thumbnail_url", string())
            .prop("raw", string())),
        ("Agent", object()
            .prop("id", integer())
            .prop("uid", string())
            .prop("name", string())
            .prop("provider", string().one_of_str(&["anthropic", "gemini", "kapa", "openai", "weavy"]))
            .prop("model", string())
            .prop("instructions", string().or_null())
            .prop("functions", array_of(string()).doc("Function names."))
            .prop("knowledge", array_of(integer()))
            .prop("web_search", boolean().or_null())
            .prop("max_tokens", integer().or_null())
            .prop("avatar_url", string().or_null())
            .prop("picture", refer("Picture"))
            .prop("directory", object().or_null()
                .prop("id", integer())
                .prop("name", string()))
            .prop("comment", string().or_null())
            .prop("tags", array_of(string()))
            .prop("metadata", object().or_null())
            .prop("created_at", string().format("date-time"))
            .prop("updated_at", string().format("date-time"))
            .prop("is_agent", any().constant(true))
            .prop("is_trashed", boolean())
            .prop("protected", boolean().doc("Set by the operator API; a protected agent cannot be trashed or deleted."))
            .required(&["id", "uid", "name", "provider", "model", "instructions", "functions", "knowledge", "web_search", "max_tokens", "avatar_url", "picture", "directory", "comment", "tags", "metadata", "created_at", "updated_at", "is_agent", "is_trashed"])),
        ("AgentList", listing("Agent", "agents")),
        ("AgentCreate", agent_write().required(&["uid", "name", "provider", "model"])),
        ("AgentUpdate", agent_write().doc("Fields left out keep their values.")),
        ("FunctionWrite", function_write().required(&["name", "description", "url"])),
        ("FunctionPut", function_write().required(&["description", "url"]).doc("`name`, when given, must be the path's.")),
        ("FunctionPatch", function_write().doc("Fields left out keep their values. Changing `url` keeps the stored headers.")),
        ("Function", object()
            .prop("name", string().pattern("^[A-Za-z0-9_-]+$").max_len(64))
            .prop("description", string())
            .prop("url", string().format("uri").doc("Absolute http(s) URL."))
            .prop("method", string().one_of_str(&["GET", "POST", "PUT", "PATCH", "DELETE"]).default("GET"))
            .prop("headers", object().values(string()).doc("Secret headers (Authorization, Cookie, anything naming a key, token or secret) show as `********`; sending `********` back keeps the stored value, unless the URL moves to another origin (scheme, host, port): then a secret not sent again is dropped."))
            .prop("parameters", object().or_null().doc("A JSON Schema object: `{\"type\": \"object\", \"properties\": {...}, \"required\"?: [...]}`."))
            .prop("dropped_headers", array_of(string()).doc("Only in the answer of a write that dropped secret headers: their names (their values were set for the old URL's origin)."))
            .required(&["name", "description", "method", "url", "headers", "parameters"])),
        ("InvokeResult", object()
            .prop("status", integer().or_null())
            .prop("body", any().doc("JSON when the answer parses as JSON, else text. Past OUTBOUND_MAX_RESPONSE_BYTES (1 MiB by default) the answer is cut: `body` is its first bytes as text and `truncated` is true."))
            .prop("truncated", boolean().constant(true).doc("Present (true) only when the answer was longer than OUTBOUND_MAX_RESPONSE_BYTES and was cut there."))
            .prop("duration", integer().doc("Milliseconds."))
            .prop("error", string().one_of_str(&["UPSTREAM_TIMEOUT", "UPSTREAM_UNREACHABLE", "TOO_MANY_REDIRECTS"]))
            .prop("message", string())
            .required(&["status", "body", "duration"])),
        ("ActionError", object().doc("The actions error family (seed 004): `{error: CODE, message, ...}` plus `request_id`.")
            .prop("error", string().one_of_str(&["VALIDATION_ERROR", "NOT_FOUND", "CONNECTION_REQUIRED", "CONNECTION_ERROR", "RATE_LIMITED", "QUOTA_EXCEEDED", "INVALID_JSON", "PAYLOAD_TOO_LARGE", "INVALID_IDEMPOTENCY_KEY", "IDEMPOTENCY_KEY_MISMATCH", "IDEMPOTENCY_IN_PROGRESS"]))
            .prop("message", string())
            .prop("request_id", string())
            .required(&["error", "message", "request_id"])),
        ("RateLimitedStandardError", all_of(vec![refer("Error"), object()
                .prop("code", any().constant("RATE_LIMITED"))
                .prop("error", string().examples(vec![json!("Rate limit exceeded. Try again in 32 seconds.")]))
                .prop("retry_after", integer().min(1).doc("Whole seconds (rounded up) until a slot frees; also in `Retry-After`."))
                .required(&["retry_after"])])),
        ("RateLimitedError", all_of(vec![refer("ActionError"), object()
                .prop("error", any().constant("RATE_LIMITED"))
                .prop("message", string().examples(vec![json!("Rate limit exceeded. Try again in 32 seconds.")]))
                .prop("retryAfter", integer().min(1).doc("Whole seconds (rounded up) until a slot frees; also in `Retry-After`."))
                .required(&["retryAfter"])])),
        ("StorageQuotaExceededError", all_of(vec![refer("Error"), object()
                .prop("error", string().examples(vec![json!("Storage quota exceeded: agents (10 of 10 on the free plan).")]))
                .prop("code", any().constant("STORAGE_QUOTA_EXCEEDED"))
                .prop("resource", string().one_of_str(&Resource::ALL.map(Resource::name)))
                .prop("current", integer().min(0).doc("The count (bytes for `*_bytes`) stored now, without the refused write."))
                .prop("limit", integer().min(1))
                .prop("plan", refer("Plan"))
                .required(&["resource", "current", "limit", "plan"])])),
        ("QuotaExceededError", all_of(vec![refer("ActionError"), object()
                .prop("error", any().constant("QUOTA_EXCEEDED"))
                .prop("message", any().constant("Monthly action quota exceeded"))
                .prop("current", integer())
                .prop("limit", integer())
                .prop("plan", refer("Plan"))
                .required(&["current", "limit", "plan"])])),
        ("McpMessage", object().doc("One JSON-RPC 2.0 request or notification of the Model Context Protocol.").examples(vec![json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})])
            .prop("jsonrpc", any().constant("2.0"))
            .prop("id", types(&["string", "integer"]).doc("Absent on a notification (answered 202)."))
            .prop("method", string().doc("`initialize`, `ping`, `tools/list`, `tools/call`, `server/discover`, or a notification."))
            .prop("params", object())
            .required(&["jsonrpc", "method"])),
        ("McpResponse", object().doc("A JSON-RPC 2.0 response: `result`, or `error` {code, message, data}. Tool refusals (RATE_LIMITED, QUOTA_EXCEEDED, ...) are results with `isError: true`.")
            .prop("jsonrpc", any().constant("2.0"))
            .prop("id", types(&["string", "integer", "null"]))
            .prop("result", object())
            .prop("error", object())
            .required(&["jsonrpc", "id"])),
        ("ExecuteRequest", object().examples(vec![json!({"pieceName": "slack", "actionName": "send_message", "input": {"channel": "C01ABC23DEF", "text": "Deployment to production completed successfully."}, "connectionId": "conn_0123456789abcdef0123456789abcdef"})])
            .prop("pieceName", text(255).doc("The piece providing the action (see `GET /v1/pieces`)."))
            .prop("actionName", text(255).doc("Name of the action to execute."))
            .prop("input", object().doc("Action parameters, as the action's `inputSchema` says. Unknown fields are refused."))
            .prop("connectionId", string().doc("A `conn_` connection of this workspace and piece. Required by actions with `requiresConnection`."))
            .prop("projectId", string().doc("Recorded with the execution."))
            .required(&["pieceName", "actionName", "input"])),
        ("ExecuteResult", object().doc("HTTP 200 also when the upstream failed: then `success` is false and `output` is `{error: \"UPSTREAM_ERROR\", status, body}`, `{error: \"UPSTREAM_TIMEOUT\"}`, `{error: \"UPSTREAM_UNREACHABLE\", message}`, Slack's own `{ok: false, error}`, or (http/send_request) the non-2xx `{status, headers, body}`.")
            .prop("success", boolean())
            .prop("output", any().doc("The action's result (varies by piece)."))
            .prop("duration", integer().doc("Milliseconds the action took."))
            .required(&["success", "output", "duration"])),
        ("Piece", object()
            .prop("name", string())
            .prop("displayName", string())
            .prop("description", string())
            .prop("connection", object().or_null().doc("What a connection of this piece carries; null: the piece takes no connections.")
                .prop("type", any().constant("bearer"))
                .prop("credentials", array_of(string())))
            .prop("actions", array_of(object()
                    .prop("name", string())
                    .prop("displayName", string())
                    .prop("description", string())
                    .prop("requiresConnection", boolean())
                    .prop("inputSchema", object().doc("JSON Schema of `input`."))
                    .required(&["name", "displayName", "description", "requiresConnection", "inputSchema"])))
            .required(&["name", "displayName", "description", "connection", "actions"])),
        ("Connection", object().doc("Credentials are write-only: never returned.")
            .prop("id", string().pattern("^conn_[0-9a-f]{32}$"))
            .prop("pieceName", string())
            .prop("name", string().or_null())
            .prop("expires_at", string().or_null().format("date-time"))
            .prop("created_at", string().format("date-time"))
            .required(&["id", "pieceName", "name", "expires_at", "created_at"])),
        ("ConnectionCreate", object()
            .prop("pieceName", string().one_of_str(&["slack", "github", "google-sheets"]))
            .prop("name", string().max_len(255))
            .prop("credentials", object().doc("Encrypted at rest (AES-256-GCM), never returned. slack, github and google-sheets need `access_token`. At most 16 KiB.")
                .prop("access_token", text(4096))
                .required(&["access_token"]))
            .prop("expires_at", string().format("date-time").or_null().doc("RFC 3339, in the future. Past it, executes with this connection get 400 CONNECTION_ERROR."))
            .required(&["pieceName", "credentials"])),
        ("Usage", object()
            .prop("plan", refer("Plan"))
            .prop("period", object()
                .prop("month", string().examples(vec![json!("2026-11")]))
                .prop("start", string().format("date-time"))
                .prop("end", string().format("date-time"))
                .required(&["month", "start", "end"]))
            .prop("actions", object().doc("Executions counted this calendar month (UTC) against the monthly quota.")
                .prop("used", integer())
                .prop("limit", integer())
                .prop("remaining", integer())
                .required(&["used", "limit", "remaining"]))
            .prop("rate_limit", object()
                .prop("limit", integer())
                .prop("window_seconds", integer())
                .prop("remaining", integer())
                .prop("reset", integer().doc("Unix second at which the oldest counted request leaves the window."))
                .prop("by_kind", by_kind().doc("The calls in the window now, per kind: execute and every route that calls out share the window."))
                .required(&["limit", "window_seconds", "remaining", "reset", "by_kind"]))
            .prop("calls", by_kind().doc("This month's calls that took a slot, per kind."))
            .prop("storage", storage_usage())
            .required(&["plan", "period", "actions", "rate_limit", "calls", "storage"])),
        ("TrainingData", object().doc("One training item. `text` and `qa` items are chunked and indexed when written (status `completed` at once); `url` items are read in the background (`pending` → `processing` → `completed` or `failed`). Secrets and personal numbers are replaced by `[REDACTED:secret]`, `[REDACTED:card]` or `[REDACTED:iban]` before anything is stored; `redactions` counts them.")
            .prop("id", integer())
            .prop("agent_id", integer())
            .prop("type", string().one_of_str(&["text", "qa", "url"]))
            .prop("title", string().or_null().doc("text items: as given; url items: the page's title once read."))
            .prop("content", string().or_null().doc("text items."))
            .prop("question", string().or_null().doc("qa items."))
            .prop("answer", string().or_null().doc("qa items."))
            .prop("url", string().or_null().doc("url items."))
            .prop("status", string().one_of_str(&["pending", "processing", "completed", "failed"]))
            .prop("error", string().or_null().doc("Why the item failed (or, while `pending` again, why the last attempt failed and when the next one runs)."))
            .prop("chunks", integer().doc("Number of indexed chunks (each at most 1,000 characters)."))
            .prop("redactions", integer().doc("How many secrets and personal numbers were redacted."))
            .prop("attempts", integer().doc("Processing attempts of the current run (url items)."))
            .prop("created_at", string().format("date-time"))
            .prop("updated_at", string().format("date-time"))
            .prop("processed_at", string().or_null().format("date-time"))
            .required(&["id", "agent_id", "type", "title", "content", "question", "answer", "url", "status", "error", "chunks", "redactions", "attempts", "created_at", "updated_at", "processed_at"])),
        ("TrainingDataList", listing("TrainingData", "items")),
        ("TrainingDataCreate", one_of(vec![
            object()
                .prop("agent", agent_ref())
                .prop("type", string().constant("text"))
                .prop("title", string().max_len(dt::MAX_TITLE).or_null())
                .prop("content", text(dt::MAX_CONTENT))
                .required(&["agent", "type", "content"])
                .set("not", any_of(vec![object().required(&["question"]), object().required(&["answer"])]).into_value()),
            object()
                .prop("agent", agent_ref())
                .prop("type", string().constant("qa"))
                .prop("question", text(dt::MAX_QUESTION))
                .prop("answer", text(dt::MAX_ANSWER))
                .required(&["agent", "type", "question", "answer"])
                .set("not", any_of(vec![object().required(&["title"]), object().required(&["content"])]).into_value()),
        ]).doc("`type: text` takes `title` (optional) and `content`; `type: qa` takes `question` and `answer`; the other type's fields are refused. An unsupported type is 400 `INVALID_TYPE`; `url` is 422 `URL_DISCOVERY_REQUIRED` (use the URL endpoints).")),
        ("TrainingDataUpdate", object().doc("text items: `title`, `content`; qa items: `question`, `answer`; url items: `title`; the fields of another type are a 422. Fields left out keep their values; a text or qa item is re-chunked at once. `type` and `agent` cannot change.")
            .prop("title", string().max_len(dt::MAX_TITLE).or_null())
            .prop("content", text(dt::MAX_CONTENT))
            .prop("question", text(dt::MAX_QUESTION))
            .prop("answer", text(dt::MAX_ANSWER))),
        ("UrlDiscoverRequest", object()
            .prop("agent", agent_ref())
            .prop("url", string().max_len(2_048).pattern(HTTP_URL_PATTERN).doc("An http(s) page; the outbound guard applies."))
            .required(&["agent", "url"])),
        ("UrlDiscovery", object().doc("Nothing is stored.")
            .prop("url", string())
            .prop("title", string().or_null())
            .prop("sitemap", string().or_null().doc("The site's `/sitemap.xml` when it has one (its same-site pages are included)."))
            .prop("count", integer())
            .prop("urls", array_of(string()).doc("The page itself, then the same-site links of the page and of the sitemap, without fragments, de-duplicated (at most 500)."))
            .required(&["url", "title", "sitemap", "count", "urls"])),
        ("UrlProcessRequest", object()
            .prop("agent", agent_ref())
            .prop("urls", array_of(string()).min_items(1).max_items(dt::MAX_URLS).doc("http(s) URLs; invalid or refused ones are reported in `rejected`, duplicates (fragments aside) are stored once; a URL the agent already has re-queues that item."))
            .required(&["agent", "urls"])),
        ("UrlProcessResult", object()
            .prop("data", array_of(refer("TrainingData")))
            .prop("count", integer())
            .prop("rejected", array_of(object()
                    .prop("url", string())
                    .prop("reason", string())
                    .required(&["url", "reason"])))
            .required(&["data", "count", "rejected"])),
        ("UrlResyncRequest", object()
            .prop("agent", agent_ref())
            .required(&["agent"])),
        ("UrlResyncResult", object()
            .prop("data", array_of(refer("TrainingData")))
            .prop("count", integer())
            .required(&["data", "count"])),
        ("BusinessStateError", object().doc("Seed 000's business-state body.")
            .prop("success", boolean().constant(false))
            .prop("message", string())
            .prop("request_id", string())
            .required(&["success", "message"])),
        ("KnowledgeHit", object()
            .prop("score", number().doc("bm25 relevance (higher is better)."))
            .prop("snippet", string().doc("Plain text around the match, matched words wrapped in `<mark>`…`</mark>`, cuts marked `…`."))
            .prop("training_data_id", integer().doc("Citation: the training item the chunk comes from."))
            .prop("type", string().one_of_str(&["text", "qa", "url"]))
            .prop("title", string().or_null().doc("The item's title (a page's title for url items, the question for qa items)."))
            .prop("url", string().or_null())
            .prop("chunk", integer().doc("Position of the chunk in its item (0-based)."))
            .required(&["score", "snippet", "training_data_id", "type", "title", "url", "chunk"])),
        ("KnowledgeSearchResult", object()
            .prop("query", string())
            .prop("count", integer())
            .prop("data", array_of(refer("KnowledgeHit")))
            .required(&["query", "count", "data"])),
        ("CompanySummary", object().or_null().doc("The customer's company, or null.")
            .prop("id", integer())
            .prop("external_id", string().or_null())
            .prop("name", string())
            .required(&["id", "external_id", "name"])),
        ("Company", object().doc("An organisation your customers belong to.")
            .prop("id", integer())
            .prop("external_id", external_id())
            .prop("name", string().max_len(255))
            .prop("domain", string().or_null().doc("Host name, lower case (e.g. `acme.com`)."))
            .prop("traits", object().open().doc("Custom attributes (JSON object, at most 64 KiB). A write **merges** into the stored object (RFC 7396 merge patch: a key set to `null` is removed, nested objects merge); `traits: null` clears them all."))
            .prop("tags", array_of(text(255)).max_items(100).or_null().doc("Labels (trimmed, de-duplicated). A write replaces the list; `null` clears it."))
            .prop("customer_count", integer().doc("How many customers belong to the company."))
            .prop("created_at", string().format("date-time"))
            .prop("updated_at", string().format("date-time"))
            .required(&["id", "external_id", "name", "domain", "traits", "tags", "customer_count", "created_at", "updated_at"])),
        ("CompanyList", listing("Company", "companies")),
        ("CompanyWrite", object().doc("Create: `name` is required. PATCH and PUT update: fields left out keep their values.")
            .prop("external_id", external_id())
            .prop("name", text(255))
            .prop("domain", string().pattern(&blank_or(DOMAIN_PATTERN)).or_null().max_len(253).doc("A host name such as `acme.com` (no scheme or path); stored lower case; blank or null clears."))
            .prop("traits", object().or_null().open().doc("Custom attributes (JSON object, at most 64 KiB). A write **merges** into the stored object (RFC 7396 merge patch: a key set to `null` is removed, nested objects merge); `traits: null` clears them all."))
            .prop("tags", array_of(text(255)).max_items(100).or_null().doc("Labels (trimmed, de-duplicated). A write replaces the list; `null` clears it."))),
        ("Customer", object().doc("A person your product supports (a user or an anonymous visitor).")
            .prop("id", integer())
            .prop("external_id", external_id())
            .prop("name", string().or_null().max_len(255))
            .prop("email", string().or_null())
            .prop("phone", string().or_null())
            .prop("traits", object().open().doc("Custom attributes (JSON object, at most 64 KiB). A write **merges** into the stored object (RFC 7396 merge patch: a key set to `null` is removed, nested objects merge); `traits: null` clears them all."))
            .prop("tags", array_of(text(255)).max_items(100).or_null().doc("Labels (trimmed, de-duplicated). A write replaces the list; `null` clears it."))
            .prop("company", refer("CompanySummary"))
            .prop("created_at", string().format("date-time"))
            .prop("updated_at", string().format("date-time"))
            .required(&["id", "external_id", "name", "email", "phone", "traits", "tags", "company", "created_at", "updated_at"])),
        ("CustomerList", listing("Customer", "customers")),
        ("RecordRef", one_of(vec![id(), object()
                .prop("id", id())
                .required(&["id"]), object()
                .prop("external_id", string())
                .required(&["external_id"])]).doc("A record of the workspace: its id, `{\"id\": n}`, or `{\"external_id\": \"...\"}`.")),
        ("CustomerWrite", object().doc("Every field is optional (an anonymous visitor is a customer too). PATCH and PUT update: fields left out keep their values; `null` (or blank text) clears.")
            .prop("external_id", external_id())
            .prop("name", string().or_null().max_len(255))
            .prop("email", string().pattern(&blank_or(EMAIL_PATTERN)).max_len(254).or_null().doc("A valid address (`local@domain.tld`, the local part printable ASCII); matched without regard to case."))
            .prop("phone", string().pattern(&blank_or(PHONE_PATTERN)).max_len(50).or_null().doc("Digits with an optional leading `+`, spaces, dots, dashes and parentheses; 3-20 digits."))
            .prop("traits", object().or_null().open().doc("Custom attributes (JSON object, at most 64 KiB). A write **merges** into the stored object (RFC 7396 merge patch: a key set to `null` is removed, nested objects merge); `traits: null` clears them all."))
            .prop("tags", array_of(text(255)).max_items(100).or_null().doc("Labels (trimmed, de-duplicated). A write replaces the list; `null` clears it."))
            .prop("company", one_of(vec![refer("RecordRef"), null()]).doc("The customer's company: an id, `{\"id\": n}` or `{\"external_id\": \"...\"}` of a company of this workspace (else 422 naming `company`); `null` removes it."))),
        ("Member", object().doc("A person of the workspace's support staff.")
            .prop("id", integer())
            .prop("name", string())
            .prop("email", string().doc("Unique in the workspace (without regard to case)."))
            .prop("role", string().one_of_str(&["admin", "agent"]))
            .prop("open_conversation_count", integer().doc("Open conversations assigned to the member."))
            .prop("created_at", string().format("date-time"))
            .prop("updated_at", string().format("date-time"))
            .required(&["id", "name", "email", "role", "open_conversation_count", "created_at", "updated_at"])),
        ("MemberList", listing("Member", "members")),
        ("MemberWrite", object().doc("Create: `name` and `email` required, `role` defaults to `agent`. PATCH: fields left out keep their values. A taken email is a 422 naming `email`.")
            .prop("name", text(255))
            .prop("email", string().pattern(&padded(EMAIL_PATTERN)).max_len(254))
            .prop("role", string().one_of_str(&["admin", "agent"]))),
        ("Assignee", object().or_null().doc("Who handles the conversation: an AI agent or a member.")
            .prop("type", string().one_of_str(&["agent", "member"]))
            .prop("id", integer())
            .prop("name", string())
            .prop("uid", string().doc("Agents only."))
            .prop("email", string().doc("Members only."))
            .required(&["type", "id", "name"])),
        ("Conversation", object().doc("A support conversation with one customer.")
            .prop("id", integer())
            .prop("subject", string().or_null())
            .prop("status", string().one_of_str(&["open", "pending", "snoozed", "closed"]))
            .prop("priority", string().one_of_str(&["low", "normal", "high", "urgent"]))
            .prop("channel", string().one_of_str(&["api", "chat", "email", "phone", "sms"]))
            .prop("tags", array_of(text(255)).max_items(100).or_null().doc("Labels (trimmed, de-duplicated). A write replaces the list; `null` clears it."))
            .prop("customer", object()
                .prop("id", integer())
                .prop("external_id", string().or_null())
                .prop("name", string().or_null())
                .prop("email", string().or_null()))
            .prop("assignee_type", string().or_null().enumerate(vec![Value::from("agent"), Value::from("member"), Value::Null]))
            .prop("assignee_id", integer().or_null())
            .prop("assignee", refer("Assignee"))
            .prop("assigned_at", string().or_null().format("date-time").doc("When the current assignee was set."))
            .prop("snoozed_until", string().or_null().format("date-time").doc("Set while snoozed."))
            .prop("status_changed_at", string().format("date-time").doc("When the status last changed (creation: the creation time)."))
            .prop("closed_at", string().or_null().format("date-time").doc("Set while closed."))
            .prop("last_message_at", string().or_null().format("date-time").doc("Time of the last message (notes excluded)."))
            .prop("message_count", integer())
            .prop("note_count", integer())
            .prop("created_at", string().format("date-time"))
            .prop("updated_at", string().format("date-time"))
            .required(&["id", "subject", "status", "priority", "channel", "tags", "customer", "assignee_type", "assignee_id", "assignee", "assigned_at", "snoozed_until", "status_changed_at", "closed_at", "last_message_at", "message_count", "note_count", "created_at", "updated_at"])),
        ("ConversationList", listing("Conversation", "conversations")),
        ("ConversationCreate", object()
            .prop("customer", refer("RecordRef").doc("The conversation's customer (of this workspace, else 422 naming `customer`)."))
            .prop("subject", string().or_null().max_len(255))
            .prop("priority", string().one_of_str(&["low", "normal", "high", "urgent"]).default("normal"))
            .prop("channel", string().one_of_str(&["api", "chat", "email", "phone", "sms"]).default("api"))
            .prop("tags", array_of(text(255)).max_items(100).or_null().doc("Labels (trimmed, de-duplicated). A write replaces the list; `null` clears it."))
            .prop("message", one_of(vec![text(65_536), object()
                    .prop("body", text(65_536))
                    .prop("sender_type", string().one_of_str(&["customer", "agent", "member"]))
                    .prop("sender_id", party_ref())
                    .required(&["body"])]).doc("The first message, written in the same transaction as the conversation: its body text, or an object. The sender defaults to the conversation's customer."))
            .prop("assignee_type", string().or_null().doc("Optional initial assignee, with the rules of `POST /v1/conversations/{id}/assign`."))
            .prop("assignee_id", types(&["integer", "string"]).doc("A number is an id; a string is read by the type: an agent's id or uid, a member's id or email, a customer's external id."))
            .required(&["customer"])),
        ("ConversationUpdate", object().doc("Fields left out keep their values. `status`, the assignee, `customer`, `channel` and `snoozed_until` change only through the conversation's actions (a 422 names them).")
            .prop("subject", string().or_null().max_len(255))
            .prop("priority", string().one_of_str(&["low", "normal", "high", "urgent"]))
            .prop("tags", array_of(text(255)).max_items(100).or_null().doc("Labels (trimmed, de-duplicated). A write replaces the list; `null` clears it."))),
        ("Assign", one_of(vec![
            object()
                .prop("assignee_type", string().one_of_str(&["agent", "member"]))
                .prop("assignee_id", party_ref())
                .required(&["assignee_type", "assignee_id"]),
            object()
                .prop("assignee_type", null())
                .prop("assignee_id", null())
                .required(&["assignee_type"]),
        ]).doc("Rules: `assignee_type` is `agent` (an AI agent, by id or uid; not trashed) or `member` (by id or email), or null to unassign (then `assignee_id` must be null or absent). An AI agent cannot be assigned a closed conversation (reopen it first) nor a `phone` conversation. A type outside these, or a rule broken, is 400 `INVALID_ASSIGNEE_TYPE` (checked first); an assignee that does not exist, is trashed or belongs to another workspace is 400 `INVALID_ASSIGNEE`. `assigned_at` moves only when the assignee changes.")),
        ("Snooze", object()
            .prop("snoozed_until", string().format("date-time").doc("RFC 3339, in the future, at most a year ahead; answered in UTC."))
            .required(&["snoozed_until"])),
        ("Message", object().doc("A customer-visible message (`type: message`) or an internal note (`type: note`).")
            .prop("id", integer())
            .prop("conversation_id", integer())
            .prop("type", string().one_of_str(&["message", "note"]))
            .prop("body", string())
            .prop("sender_type", string().one_of_str(&["customer", "agent", "member"]))
            .prop("sender_id", integer())
            .prop("sender", object()
                .prop("type", string())
                .prop("id", integer())
                .prop("name", string().or_null().doc("Null once the sender is deleted.")))
            .prop("created_at", string().format("date-time"))
            .required(&["id", "conversation_id", "type", "body", "sender_type", "sender_id", "sender", "created_at"])),
        ("MessageList", listing("Message", "messages")),
        ("MessageCreate", object()
            .prop("body", text(65_536))
            .prop("sender_type", string().one_of_str(&["customer", "agent", "member"]).doc("A customer may only write in their own conversations."))
            .prop("sender_id", party_ref())
            .required(&["body", "sender_type", "sender_id"])),
        ("NoteCreate", object()
            .prop("body", text(65_536))
            .prop("sender_type", string().one_of_str(&["member", "agent"]).doc("Customers never write notes."))
            .prop("sender_id", party_ref())
            .required(&["body", "sender_type", "sender_id"])),
        ("EventType", string().one_of_str(&["agent.created", "agent.updated", "agent.trashed", "agent.restored", "agent.deleted", "customer.created", "customer.updated", "customer.deleted", "company.created", "company.updated", "company.deleted", "conversation.created", "conversation.updated", "conversation.assigned", "conversation.status_changed", "message.created", "note.created", "training_data.created", "training_data.completed", "training_data.failed", "training_data.deleted", "connection.created", "connection.deleted", "webhook.test", "widget_key.created", "widget_key.updated", "widget_key.deleted"])),
        ("Webhook", object()
            .prop("id", string().doc("`whk_` id."))
            .prop("url", string().format("uri"))
            .prop("events", array_of(string()).doc("Event types, or `[\"*\"]` for all."))
            .prop("description", string().or_null())
            .prop("enabled", boolean())
            .prop("disabled_reason", string().or_null().doc("Why the subscription was disabled automatically (3 days of failed deliveries)."))
            .prop("created_at", string().format("date-time"))
            .prop("updated_at", string().format("date-time"))
            .required(&["id", "url", "events", "description", "enabled", "disabled_reason", "created_at", "updated_at"])),
        ("WebhookWithSecret", all_of(vec![refer("Webhook"), object()
                .prop("secret", string().doc("`whsec_` + base64 of 32 random bytes. Shown only in this response."))
                .prop("previous_secret_expires_at", string().format("date-time").doc("After a rotation: until when the old secret also signs."))
                .required(&["secret"])])),
        ("WebhookCreate", object()
            .prop("url", string().max_len(2_048).pattern(HTTP_URL_PATTERN).doc("http(s) URL that passes the outbound guard (no private, loopback or link-local address, no localhost, .local or .internal host)."))
            .prop("events", events())
            .prop("description", string().or_null().max_len(1000))
            .prop("enabled", boolean().default(true))
            .required(&["url", "events"])),
        ("WebhookUpdate", object().doc("Fields left out keep their values; `enabled: true` clears an automatic disabling.")
            .prop("url", string().max_len(2_048).pattern(HTTP_URL_PATTERN).doc("http(s) URL that passes the outbound guard (no private, loopback or link-local address, no localhost, .local or .internal host)."))
            .prop("events", events())
            .prop("description", string().or_null().max_len(1000))
            .prop("enabled", boolean().default(true))),
        ("WebhookList", listing("Webhook", "subscriptions")),
        ("WidgetKey", object()
            .prop("id", id())
            .prop("key", string().pattern("^weav_pk_[0-9A-Za-z]{36}$").doc("The publishable key: public, it goes in the page."))
            .prop("name", string().or_null())
            .prop("agent", object().or_null().doc("The AI agent that answers (null once it is deleted).")
                .prop("id", id()).prop("uid", string()).prop("name", string().or_null())
                .required(&["id", "uid", "name"]))
            .prop("allowed_origins", array_of(string()).doc("Exact origins (`https://shop.example`) whose pages may use the key."))
            .prop("identity_verification", string().one_of_str(&widget::VERIFICATION))
            .prop("rate_limit", integer().min(1).max(widget::KEY_RATE_LIMIT).doc("Widget requests a minute for the whole key."))
            .prop("session_rate_limit", integer().min(1).max(widget::SESSION_RATE_LIMIT).doc("Widget requests a minute for one session."))
            .prop("created_at", string().format("date-time"))
            .prop("updated_at", string().format("date-time"))
            .required(&["id", "key", "name", "agent", "allowed_origins", "identity_verification", "rate_limit", "session_rate_limit", "created_at", "updated_at"])),
        ("WidgetKeyWithSecret", all_of(vec![refer("WidgetKey"), object()
                .prop("signing_secret", string().pattern("^whsec_").doc("Signs `user_hash` and `user_jwt` (the whole string, UTF-8). Shown only in this response."))
                .required(&["signing_secret"])])),
        ("WidgetKeyCreate", widget_key_write()
            .required(&["agent", "allowed_origins"])),
        ("WidgetKeyUpdate", widget_key_write().doc("Fields left out keep their values.")),
        ("WidgetKeyList", listing("WidgetKey", "keys")),
        ("WidgetConfig", object()
            .prop("agent", object().or_null().prop("name", string().or_null()).prop("avatar_url", string().or_null()).required(&["name", "avatar_url"]))
            .prop("identity_verification", string().one_of_str(&widget::VERIFICATION))
            .required(&["agent", "identity_verification"])),
        ("WidgetSessionCreate", object().doc("Nothing for a new anonymous visitor; `visitor_id` for the same visitor again; `user_jwt`, or `user_id` with `user_hash`, for a user your server vouches for.")
            .prop("visitor_id", string().max_len(64))
            .prop("user_jwt", string().max_len(8192).doc("HS256 JWT signed with the signing secret: `sub` (your user id), `exp` (at most 24 h ahead), optional `email`, `name`."))
            .prop("user_id", string().min_len(1).max_len(255))
            .prop("user_hash", string().max_len(128).doc("Hex HMAC-SHA256 of `user_id` under the signing secret."))),
        ("WidgetSession", object()
            .prop("token", string().pattern("^weav_sess_").doc("`Authorization: Bearer` on the other widget routes; valid one hour, for this key and origin only."))
            .prop("expires_at", string().format("date-time"))
            .prop("customer_id", id())
            .prop("visitor_id", string().or_null().doc("Anonymous visitors: keep it (local storage) and send it back to stay the same visitor."))
            .required(&["token", "expires_at", "customer_id", "visitor_id"])),
        ("WidgetParty", object()
            .prop("type", string().one_of_str(&["customer", "agent", "member"]))
            .prop("name", string().or_null())
            .required(&["type", "name"])),
        ("WidgetConversation", object().doc("A conversation as its customer sees it.")
            .prop("id", id())
            .prop("subject", string().or_null())
            .prop("status", string().one_of_str(&["open", "pending", "snoozed", "closed"]))
            .prop("assignee", refer("WidgetParty").or_null())
            .prop("last_message_at", string().format("date-time").or_null())
            .prop("message_count", integer().min(0))
            .prop("created_at", string().format("date-time"))
            .prop("updated_at", string().format("date-time"))
            .required(&["id", "subject", "status", "assignee", "last_message_at", "message_count", "created_at", "updated_at"])),
        ("WidgetConversationList", listing("WidgetConversation", "conversations")),
        ("WidgetConversationCreate", object()
            .prop("subject", string().max_len(255).or_null())
            .prop("body", text(65_536).doc("The first message."))),
        ("WidgetMessage", object()
            .prop("id", id())
            .prop("conversation_id", id())
            .prop("body", string())
            .prop("sender", refer("WidgetParty"))
            .prop("created_at", string().format("date-time"))
            .required(&["id", "conversation_id", "body", "sender", "created_at"])),
        ("WidgetMessageList", listing("WidgetMessage", "messages")),
        ("WidgetMessageCreate", object().prop("body", text(65_536)).required(&["body"])),
        ("WidgetSearchResult", object()
            .prop("query", string())
            .prop("count", integer().min(0))
            .prop("data", array_of(object()
                .prop("snippet", string())
                .prop("citation", object().prop("title", string().or_null()).prop("url", string().or_null()).required(&["title", "url"]))
                .required(&["snippet", "citation"])))
            .required(&["query", "count", "data"])),
        ("Event", object().doc("The envelope, exactly as delivered.")
            .prop("id", string().doc("`evt_` id; also the `webhook-id` header of every delivery of it."))
            .prop("type", refer("EventType"))
            .prop("created_at", string().format("date-time"))
            .prop("workspace_id", integer())
            .prop("sequence", integer().doc("Per resource: 1, 2, 3... in the order its changes happened."))
            .prop("data", object()
                .prop("object", object().doc("The resource as the API returns it (for a delete: as it was)."))
                .prop("previous", object().doc("On updates, trash and restore: the changed fields with their values before."))
                .required(&["object"]))
            .required(&["id", "type", "created_at", "workspace_id", "sequence", "data"])),
        ("EventList", listing("Event", "events")),
        ("AuditLog", object().doc("Who changed what: one entry per write, and per refused request of a known token.")
            .prop("id", string().doc("`aud_` id; a cursor for `starting_after` / `ending_before`."))
            .prop("object", string().one_of_str(&["audit_log"]))
            .prop("created_at", string().format("date-time"))
            .prop("workspace_id", integer().or_null().doc("Null for an operator action on no workspace."))
            .prop("action", string().doc("`<target type>.<verb>`, e.g. `agent.updated`, `token.revoked`; `request.refused` for a refusal."))
            .prop("actor", object()
                .prop("type", string().one_of_str(&["token", "operator_key", "admin_token", "widget_key", "widget_session"]).doc("`widget_key` and `widget_session`: a website widget's writes (its sessions, its visitors' conversations and messages)."))
                .prop("id", string().or_null().doc("The token's or operator key's id."))
                .prop("name", string().or_null())
                .required(&["type", "id", "name"]))
            .prop("target", object()
                .prop("type", string())
                .prop("id", string().or_null())
                .required(&["type", "id"]))
            .prop("request", object()
                .prop("id", string().doc("The `X-Request-Id` of the request."))
                .prop("idempotency_key", string().or_null())
                .prop("ip", string().or_null().doc("`CF-Connecting-IP`."))
                .prop("user_agent", string().or_null())
                .required(&["id", "idempotency_key", "ip", "user_agent"]))
            .prop("changes", array_of(string()).doc("The names of the fields the request set; never their values."))
            .prop("status", integer().or_null().doc("A refusal's status (401, 403); null for a write."))
            .required(&["id", "object", "created_at", "workspace_id", "action", "actor", "target", "request", "changes", "status"])),
        ("AuditLogList", object().doc("A page of entries, newest first.")
            .prop("data", array_of(refer("AuditLog")))
            .prop("has_more", boolean().doc("More entries lie beyond this page in the direction it was read."))
            .required(&["data", "has_more"])),

        ("DeliveryAttempt", object()
            .prop("at", string().format("date-time"))
            .prop("status", integer().or_null().doc("The receiver's HTTP status; null when there was no answer."))
            .prop("duration_ms", integer())
            .prop("response_body", string().or_null().doc("The first 1 KB of the answer."))
            .prop("error", string().or_null())),
        ("Delivery", object()
            .prop("id", string().doc("`dlv_` id."))
            .prop("webhook_id", string())
            .prop("event_id", string())
            .prop("event_type", refer("EventType"))
            .prop("origin", string().one_of_str(&["event", "replay", "test"]))
            .prop("status", string().one_of_str(&["pending", "succeeded", "failed"]))
            .prop("attempt_count", integer())
            .prop("attempts", array_of(refer("DeliveryAttempt")))
            .prop("next_attempt_at", string().or_null().format("date-time"))
            .prop("created_at", string().format("date-time"))
            .prop("updated_at", string().format("date-time"))),
        ("DeliveryList", listing("Delivery", "deliveries")),
        ("ReplayRequest", object()
            .prop("since", string().format("date-time"))
            .prop("until", string().format("date-time").or_null())
            .prop("types", array_of(refer("EventType")).min_items(1).or_null().doc("Only these types (default: the subscription's)."))
            .required(&["since"])),
        ("ReplayResult", object()
            .prop("replayed", integer())
            .prop("delivery_ids", array_of(string()))),
    ];
    all.extend(operation_schemas());
    all
}

/// An agent's fields as a write takes them (`domain::agent::agent_input`).
fn agent_write() -> S {
    object()
        .prop(
            "uid",
            string().min_len(1).max_len(255).pattern(UID_PATTERN).doc(
                "No white space, at least one non-digit, unique in the workspace (a trashed agent keeps its uid until deleted).",
            ),
        )
        .prop("name", text(255))
        .prop("provider", string().one_of_str(&agent::PROVIDERS))
        .prop("model", text(255))
        .prop("instructions", string().max_len(100_000).or_null())
        .prop(
            "functions",
            array_of(one_of(vec![
                string().min_len(1).max_len(64).pattern(FUNCTION_NAME_PATTERN).doc("The name of one of the agent's functions, kept as it is."),
                refer("FunctionWrite"),
            ]))
            .or_null()
            .doc("The agent's whole function set: a name keeps an existing function, an object adds or replaces one; functions not listed are removed. Names must be distinct."),
        )
        .prop("knowledge", array_of(id()).or_null())
        .prop("web_search", boolean().or_null())
        .prop("max_tokens", integer().min(1).max(10_000_000).or_null())
        .prop(
            "picture",
            any_of(vec![
                string().max_len(0),
                string().pattern(agent::PICTURE_DATA_PATTERN),
                string().pattern("^blob_[A-Za-z0-9_]{0,59}$"),
                string().max_len(2_048).pattern(HTTP_URL_PATTERN),
                null(),
            ])
                .doc("A public http(s) URL, a base64 `data:image/...` URI (at most 512 KiB; stored, served at /v1/blobs/{id}) or a blob id; empty or null clears."),
        )
        .prop(
            "directory",
            one_of(vec![id(), string().max_len(255), null()])
                .doc("Directory id or name; a new name creates the directory; blank or null clears."),
        )
        .prop("comment", string().max_len(10_000).or_null())
        .prop("tags", array_of(text(255)).max_items(100).or_null())
        .prop("metadata", object().or_null().doc("Any JSON object of at most 64 KiB."))
}

/// A function's fields as a write takes them (`domain::agent::function_input`).
fn function_write() -> S {
    object()
        .prop("name", string().min_len(1).max_len(64).pattern(FUNCTION_NAME_PATTERN))
        .prop("description", text(4_000))
        .prop("url", string().max_len(2_048).pattern(HTTP_URL_PATTERN).doc("Absolute http(s) URL."))
        .prop("method", string().one_of_str(&agent::METHODS).or_null().doc("Default `GET`."))
        .prop(
            "headers",
            object()
                .values(string().pattern("^[^\\r\\n]*$"))
                .or_null()
                .doc("Sent with every call; values are encrypted at rest. Values of Authorization, Cookie and any header naming a key, token or secret come back as `********`; writing `********` keeps the stored value. Names: visible ASCII without `:`."),
        )
        .prop(
            "parameters",
            object()
                .prop("type", string().constant("object"))
                .prop("properties", object().values(object()))
                .prop("required", array_of(string()))
                .required(&["type", "properties"])
                .or_null()
                .doc("A JSON Schema object: `{\"type\": \"object\", \"properties\": {...}, \"required\"?: [...]}`; `required` may only name its properties."),
        )
}

/// A sender or assignee: an id, or a key the type reads (uid, e-mail, external id).
fn party_ref() -> S {
    one_of(vec![id(), text(255)])
        .doc("A number is an id; a string is read by the type: an agent's id or uid, a member's id or email, a customer's external id.")
}

/// An agent named by id or uid (the training data routes).
fn agent_ref() -> S {
    one_of(vec![id(), text(255)]).doc("Agent id or uid.")
}

/// `events` of a subscription: known types, or `["*"]` (`domain::webhook::check_events`).
fn events() -> S {
    one_of(vec![array_of(refer("EventType")).min_items(1), array_of(string().constant("*")).min_items(1)])
        .doc("Known event types, or `[\"*\"]` for all. Unknown types are a 422 naming them.")
}

/// `external_id` (`domain::support::external_id_problem`): 1-255 characters, no control
/// characters, no white space at either end.
fn external_id() -> S {
    string()
        .min_len(1)
        .max_len(255)
        .pattern("^[^\\s\\x00-\\x1f\\x7f-\\x9f]([^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f])?$")
        .or_null()
        .doc("Your own id for the record (e.g. your CRM's), unique in the workspace: a string (a number is refused). No control characters or surrounding white space.")
}

/// A host name: dot-separated labels of letters, digits and hyphens, the last one not all
/// digits (`domain::support::domain_problem`).
macro_rules! domain {
    () => {
        "([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z0-9]{0,62}[A-Za-z][A-Za-z0-9]{0,62}"
    };
}
const DOMAIN_PATTERN: &str = domain!();
/// An e-mail address: a printable-ASCII local part (`domain::support::email_problem`).
const EMAIL_PATTERN: &str = concat!("[!-?A-~]{1,64}@", domain!());
/// A phone number: 3-20 digits, a leading `+`, spaces, dots, dashes, parentheses.
const PHONE_PATTERN: &str = "\\+?[ ().-]*([0-9][ ().-]*){3,20}";

/// `pattern`, with white space around it (the value is trimmed).
fn padded(pattern: &str) -> String {
    format!("^\\s*{pattern}\\s*$")
}

/// `pattern` with white space around it, or blank (which clears the field).
fn blank_or(pattern: &str) -> String {
    format!("^\\s*$|^\\s*{pattern}\\s*$")
}

/// What every answer of an operation that takes a rate-limit slot carries.
pub const RATE_HEADERS: [&str; 5] =
    ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "RateLimit-Policy", "RateLimit"];
/// The same on a 429, with `Retry-After`.
const RATE_HEADERS_AND_RETRY: [&str; 6] =
    ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "RateLimit-Policy", "RateLimit", "Retry-After"];

/// `{execute: n, function_invoke: n, ...}`: every kind of call that shares the window.
fn by_kind() -> S {
    let mut o = object();
    for k in crate::domain::limits::KINDS {
        o = o.prop(k, integer().min(0));
    }
    o.required(&crate::domain::limits::KINDS)
}

/// A page of a listing, or with `count_only=true` only its `count`: one schema for both,
/// told apart by the request's parameter.
/// The fields of a widget key create or PATCH.
fn widget_key_write() -> S {
    object()
        .prop("name", string().max_len(widget::MAX_NAME).or_null())
        .prop("agent", one_of(vec![string().min_len(1).max_len(255), id()]).doc("The agent's id or uid (not trashed)."))
        .prop("allowed_origins", array_of(string().max_len(widget::MAX_ORIGIN_LEN).pattern("^https?://[a-z0-9.-]+(:[0-9]{1,5})?$"))
            .min_items(1).max_items(widget::MAX_ORIGINS)
            .doc("Exact origins as browsers send them in `Origin`: scheme, host and a port other than the default; no path or trailing slash; each once."))
        .prop("identity_verification", string().one_of_str(&widget::VERIFICATION).default("off")
            .doc("`required`: only users your server signed (`user_jwt` or `user_hash`) get a session."))
        .prop("rate_limit", integer().min(1).max(widget::KEY_RATE_LIMIT).default(widget::KEY_RATE_LIMIT)
            .doc("Widget requests a minute for the whole key (at most the default)."))
        .prop("session_rate_limit", integer().min(1).max(widget::SESSION_RATE_LIMIT).default(widget::SESSION_RATE_LIMIT)
            .doc("Widget requests a minute for one session (at most the default)."))
}

fn listing(item: &str, what: &str) -> S {
    object()
        .doc("A page: `data`, `start` (= skip), `end` (start + the items returned) and `count`; with `count_only=true` only `count`.")
        .prop("data", array_of(refer(item)))
        .prop("start", integer().min(0))
        .prop("end", integer().min(0))
        .prop("count", integer().min(0).doc(&format!("How many {what} matched in all.")))
        .required(&["count"])
}

/// `storage_quotas`: every resource's limit (answers), or the overrides an operator sets.
fn storage_quotas(answer: bool) -> S {
    let mut o = object().doc(if answer {
        "Every storage quota's limit: the workspace's override, else its plan's default. Bytes are decimal (MB = 1,000,000, GB = 10^9)."
    } else {
        "Storage quota overrides, partial: a resource left out takes the plan's default. Replaces the workspace's previous overrides (`{}`: the plan's defaults). Unknown resources are a 422."
    });
    for r in Resource::ALL {
        o = o.prop(r.name(), integer().min(1).max(MAX_LIMIT));
    }
    if answer {
        o.required(&Resource::ALL.map(Resource::name))
    } else {
        o
    }
}

/// `GET /v1/usage`'s `storage`: per resource what is stored and the limit.
fn storage_usage() -> S {
    let mut o = object().doc("Per storage quota, `used` (for `functions_per_agent` and `messages_per_conversation`: the largest count of any one agent or conversation; bytes for `*_bytes`) and `limit`.");
    for r in Resource::ALL {
        o = o.prop(
            r.name(),
            object().prop("used", integer().min(0)).prop("limit", integer().min(1)).required(&["used", "limit"]),
        );
    }
    o.required(&Resource::ALL.map(Resource::name))
}

/// Schemas the operations name that the resources' own schemas do not give.
fn operation_schemas() -> Vec<(&'static str, S)> {
    vec![
        ("Health", object().prop("status", string().constant("ok")).required(&["status"])),
        ("OpenApiDocument", object().doc("This document.")),
        ("TokenList", object().prop("data", array_of(refer("Token"))).required(&["data"])),
        ("OperatorKeyList", object().prop("data", array_of(refer("OperatorKey"))).required(&["data"])),
        ("AgentProtect", object().prop("protected", boolean()).required(&["protected"])),
        ("FunctionList", array_of(refer("Function"))),
        ("InvokeRequest", object().prop(
            "arguments",
            object().or_null().doc("Left out or null: no arguments. Checked against the function's `parameters` (type, required, properties, enum). GET sends them as the query string, other methods as a JSON body."),
        )),
        ("PieceList", object().prop("data", array_of(refer("Piece"))).required(&["data"])),
        ("ConnectionList", object().prop("data", array_of(refer("Connection"))).required(&["data"])),
    ]
}

pub fn responses() -> Vec<Response> {
    vec![
        Response::new("Unauthenticated", "Missing, malformed, unknown, expired or revoked token: `{\"error\":\"Unauthenticated\",\"code\":\"UNAUTHENTICATED\"}`.", refer("Error")),
        Response::new("Forbidden", "`INSUFFICIENT_TOKEN_ABILITY` (the token lacks `external-api:read` or `external-api:write`) or `FORBIDDEN` (a business rule).", refer("Error")),
        Response::new("NotFound", "`RESOURCE_NOT_FOUND`: no such resource in the caller's workspace.", refer("Error")),
        Response::new("InvalidJson", "`INVALID_JSON`: the body is not a JSON object.", refer("Error")),
        Response::new("PayloadTooLarge", "`PAYLOAD_TOO_LARGE`: the body is over 1 MiB.", refer("Error")),
        Response::new("ValidationFailed", "Validation failed.", refer("ValidationError")),
        Response::new("InternalError", "`INTERNAL_ERROR`: something unexpected; retry with backoff.", refer("Error")),
        Response::new("ActionBadRequest", "`VALIDATION_ERROR` (a missing `pieceName`, `actionName` or `input`, invalid input, e.g. `Missing required field: channel`), `CONNECTION_REQUIRED` (`Action 'send_message' requires an authenticated connection`), `CONNECTION_ERROR` (expired, unreadable or of another piece: `Connection credentials have expired. Re-authenticate the connection.`), or `INVALID_JSON`, or `INVALID_IDEMPOTENCY_KEY` (the `Idempotency-Key` header is not 1 to 255 printable ASCII characters; without rate-limit headers).", refer("ActionError")).headers(&RATE_HEADERS),
        Response::new("ActionNotFound", "`NOT_FOUND`: `Piece 'x' not found`, `Action 'send_msg' not found in piece 'slack'`, or `Connection 'conn_x' not found` (unknown, or of another workspace).", refer("ActionError")).headers(&RATE_HEADERS),
        Response::new("InvalidIdempotencyKey", "`INVALID_IDEMPOTENCY_KEY`: the `Idempotency-Key` header is not 1 to 255 printable ASCII characters.", refer("Error")),
        Response::new("InvalidJsonOrIdempotencyKey", "`INVALID_JSON`: the body is not a JSON object; or `INVALID_IDEMPOTENCY_KEY`: the `Idempotency-Key` header is not 1 to 255 printable ASCII characters.", refer("Error")),
        Response::new("IdempotencyInProgress", "`IDEMPOTENCY_IN_PROGRESS`: a request with this `Idempotency-Key` is still running; retry after `Retry-After` seconds.", refer("Error")).headers(&["Retry-After"]),
        Response::new("IdempotencyKeyMismatch", "`IDEMPOTENCY_KEY_MISMATCH`: this `Idempotency-Key` was used with another method, path or body.", refer("Error")),
        Response::new("ValidationFailedOrIdempotencyMismatch", "Validation failed (the validation shape), or `IDEMPOTENCY_KEY_MISMATCH` (standard envelope): this `Idempotency-Key` was used with another method, path or body.", any_of(vec![refer("ValidationError"), refer("Error")])),
        Response::new("ActionIdempotencyInProgress", "`IDEMPOTENCY_IN_PROGRESS` (actions family): a request with this `Idempotency-Key` is still running; retry after `Retry-After` seconds.", refer("ActionError")).headers(&["Retry-After"]),
        Response::new("ActionIdempotencyKeyMismatch", "`IDEMPOTENCY_KEY_MISMATCH` (actions family): this `Idempotency-Key` was used with another method, path or body.", refer("ActionError")),
        Response::new("AssignmentRefused", "`INVALID_ASSIGNEE_TYPE`: `assignee_type` is not `agent` or `member`, or the type breaks a rule: an AI agent cannot be assigned a closed conversation, nor a `phone` conversation. `INVALID_ASSIGNEE`: the assignee does not exist, is a trashed agent, or belongs to another workspace. Also `INVALID_JSON`.", refer("Error")),
        Response::new("SenderRefused", "`INVALID_SENDER`: the sender does not exist in this workspace (or is a trashed agent), or is a customer other than the conversation's. Also `INVALID_JSON`.", refer("Error")),
        Response::new("StorageQuotaExceeded", "`STORAGE_QUOTA_EXCEEDED` (`resource`, `current`, `limit`, `plan`): the write would pass one of the workspace's storage quotas (`GET /v1/usage`, `storage`); nothing was written. Or `INSUFFICIENT_TOKEN_ABILITY`.", any_of(vec![refer("StorageQuotaExceededError"), refer("Error")])),
        Response::new("QuotaExceeded", "`QUOTA_EXCEEDED` (`current`, `limit`, `plan`), or `INSUFFICIENT_TOKEN_ABILITY` in the standard envelope.", any_of(vec![refer("QuotaExceededError"), refer("Error")])).headers(&RATE_HEADERS),
        Response::new("ActionPayloadTooLarge", "`PAYLOAD_TOO_LARGE`: the body is over 1 MiB.", any_of(vec![refer("ActionError"), refer("Error")])),
        Response::new("RateLimitedStandard", "`RATE_LIMITED`: no slot in the workspace's window, which execute and every route that calls out share.", refer("RateLimitedStandardError")).headers(&RATE_HEADERS_AND_RETRY),
        Response::new("OriginNotAllowed", "`ORIGIN_NOT_ALLOWED`: no `Origin`, an origin not in the key's `allowed_origins`, or no such key; without CORS headers.", refer("Error")),
        Response::new("WidgetUnauthenticated", "`UNAUTHENTICATED`: no live session of this key and origin (missing, expired, renewed away, unverified on a key that requires verification), a failed user verification, or a server token.", refer("Error")),
        Response::new("WidgetRateLimited", "`RATE_LIMITED`: no slot in the key's or the session's one-minute window (the workspace's server window is separate).", refer("RateLimitedStandardError")).headers(&["Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]),
        Response::new("RateLimited", "`RATE_LIMITED`: no slot in the window.", refer("RateLimitedError")).headers(&RATE_HEADERS_AND_RETRY),
        Response::new("InvalidAgent", "`INVALID_AGENT`: the agent is missing, trashed or in another workspace.", refer("Error")),
        Response::new("TrainingRefused", "`INVALID_TYPE` (unsupported type), `INVALID_AGENT` (agent missing, trashed or in another workspace), or `INVALID_JSON`.", refer("Error")),
        Response::new("TrainingValidationFailed", "Validation failed, or `URL_DISCOVERY_REQUIRED` (standard envelope) for `type: url`.", any_of(vec![refer("ValidationError"), refer("Error")])),
        Response::new("CreationFailed", "`CREATION_FAILED`: the item could not be stored; or `INTERNAL_ERROR`.", refer("Error")),
        Response::new("InvalidAgentOrJson", "`INVALID_AGENT` or `INVALID_JSON`.", refer("Error")),
        Response::new("PageFetchFailed", "`PROCESSING_FAILED`: the page could not be fetched (the message says why: time-out, unreachable, refused redirect, HTTP status).", refer("Error")),
        Response::new("NoUrlsProvided", "`NO_URLS_PROVIDED` (standard envelope; `errors.urls` lists why each URL was refused), or validation failed.", any_of(vec![refer("Error"), refer("ValidationError")])),
        Response::new("QueueingFailed", "`CREATION_FAILED` (the items could not be stored) or `PROCESSING_FAILED` (they could not be queued; they are marked `failed`).", refer("Error")),
        Response::new("NothingToResync", "`{\"success\": false, \"message\": \"No completed URLs found to resync\"}` (seed 000's business-state body), or validation failed.", any_of(vec![refer("BusinessStateError"), refer("ValidationError")])),
        Response::new("ResyncFailed", "`PROCESSING_FAILED`: the items could not be queued.", refer("Error")),
        Response::new("ConversationRefused", "`INVALID_JSON`, `INVALID_ASSIGNEE_TYPE`, `INVALID_ASSIGNEE` or `INVALID_SENDER`.", refer("Error")),
    ]
}
