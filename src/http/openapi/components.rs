//! The document's components: every schema, response and header the operations name.
//! Lengths, enums and patterns come from the rules the handlers run (`crate::domain`).

use super::schema::*;
use super::Response;
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
            .prop("created_at", string().format("date-time"))
            .prop("updated_at", string().format("date-time"))
            .required(&["id", "name", "plan", "rate_limit", "monthly_action_quota", "created_at", "updated_at"])),
        ("CallerWorkspace", all_of(vec![refer("Workspace"), object()
                .prop("abilities", array_of(string().one_of_str(&["external-api:read", "external-api:write"])))
                .required(&["abilities"])])),
        ("WorkspaceCreate", object()
            .prop("name", string().min_len(1).max_len(255))
            .prop("plan", refer("Plan"))
            .prop("rate_limit", refer("RateLimit"))
            .prop("monthly_action_quota", integer().min(0))
            .required(&["name"])),
        ("WorkspaceUpdate", object()
            .prop("name", string().min_len(1).max_len(255))
            .prop("plan", refer("Plan"))
            .prop("rate_limit", refer("RateLimit"))
            .prop("monthly_action_quota", integer().min(0))),
        ("TokenCreate", object()
            .prop("name", string().min_len(1).max_len(255))
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
        ("AgentList", object()
            .prop("data", array_of(refer("Agent")))
            .prop("start", integer().doc("= skip"))
            .prop("end", integer().doc("start + the number of items returned"))
            .prop("count", integer().doc("How many agents matched in all."))
            .required(&["data", "start", "end", "count"])),
        ("AgentCreate", object()
            .prop("uid", string().doc("No white space, at least one non-digit, unique in the workspace (a trashed agent keeps its uid until deleted).").max_len(255))
            .prop("name", string().max_len(255))
            .prop("provider", string().one_of_str(&["anthropic", "gemini", "kapa", "openai", "weavy"]))
            .prop("model", string().max_len(255))
            .prop("instructions", string().or_null())
            .prop("functions", array_of(one_of(vec![string(), refer("FunctionWrite")])).or_null().doc("The agent's whole function set: a name keeps an existing function, an object adds or replaces one; functions not listed are removed."))
            .prop("knowledge", array_of(integer().min(1)).or_null())
            .prop("web_search", boolean().or_null())
            .prop("max_tokens", integer().or_null().min(1))
            .prop("picture", string().or_null().doc("A public http(s) URL, a base64 `data:image/...` URI (at most 512 KiB; stored, served at /v1/blobs/{id}) or a blob id."))
            .prop("directory", types(&["string", "integer", "null"]).doc("Directory id or name; a new name creates the directory."))
            .prop("comment", string().or_null())
            .prop("tags", array_of(string()).or_null().max_items(100))
            .prop("metadata", object().or_null())
            .required(&["uid", "name", "provider", "model"])),
        ("AgentUpdate", object()
            .prop("uid", string().doc("No white space, at least one non-digit, unique in the workspace (a trashed agent keeps its uid until deleted).").max_len(255))
            .prop("name", string().max_len(255))
            .prop("provider", string().one_of_str(&["anthropic", "gemini", "kapa", "openai", "weavy"]))
            .prop("model", string().max_len(255))
            .prop("instructions", string().or_null())
            .prop("functions", array_of(one_of(vec![string(), refer("FunctionWrite")])).or_null().doc("The agent's whole function set: a name keeps an existing function, an object adds or replaces one; functions not listed are removed."))
            .prop("knowledge", array_of(integer().min(1)).or_null())
            .prop("web_search", boolean().or_null())
            .prop("max_tokens", integer().or_null().min(1))
            .prop("picture", string().or_null().doc("A public http(s) URL, a base64 `data:image/...` URI (at most 512 KiB; stored, served at /v1/blobs/{id}) or a blob id."))
            .prop("directory", types(&["string", "integer", "null"]).doc("Directory id or name; a new name creates the directory."))
            .prop("comment", string().or_null())
            .prop("tags", array_of(string()).or_null().max_items(100))
            .prop("metadata", object().or_null())),
        ("FunctionWrite", object()
            .prop("name", string().pattern("^[A-Za-z0-9_-]+$").max_len(64))
            .prop("description", string())
            .prop("url", string().format("uri").doc("Absolute http(s) URL."))
            .prop("method", string().one_of_str(&["GET", "POST", "PUT", "PATCH", "DELETE"]).default("GET"))
            .prop("headers", object().values(string()).doc("Sent with every call; values are encrypted at rest. Values of Authorization, Cookie and any header naming a key, token or secret come back as `********`; writing `********` keeps the stored value."))
            .prop("parameters", object().or_null().doc("A JSON Schema object: `{\"type\": \"object\", \"properties\": {...}, \"required\"?: [...]}`."))
            .required(&["name", "description", "url"])),
        ("FunctionPatch", object()
            .prop("name", string().pattern("^[A-Za-z0-9_-]+$").max_len(64))
            .prop("description", string())
            .prop("url", string().format("uri").doc("Absolute http(s) URL."))
            .prop("method", string().one_of_str(&["GET", "POST", "PUT", "PATCH", "DELETE"]).default("GET"))
            .prop("headers", object().values(string()).doc("Sent with every call; values are encrypted at rest. Values of Authorization, Cookie and any header naming a key, token or secret come back as `********`; writing `********` keeps the stored value."))
            .prop("parameters", object().or_null().doc("A JSON Schema object: `{\"type\": \"object\", \"properties\": {...}, \"required\"?: [...]}`."))),
        ("Function", object()
            .prop("name", string().pattern("^[A-Za-z0-9_-]+$").max_len(64))
            .prop("description", string())
            .prop("url", string().format("uri").doc("Absolute http(s) URL."))
            .prop("method", string().one_of_str(&["GET", "POST", "PUT", "PATCH", "DELETE"]).default("GET"))
            .prop("headers", object().values(string()))
            .prop("parameters", object().or_null().doc("A JSON Schema object: `{\"type\": \"object\", \"properties\": {...}, \"required\"?: [...]}`."))
            .required(&["name", "description", "method", "url", "headers", "parameters"])),
        ("InvokeResult", object()
            .prop("status", integer().or_null())
            .prop("body", any().doc("JSON when the answer parses as JSON, else text."))
            .prop("duration", integer().doc("Milliseconds."))
            .prop("error", string().one_of_str(&["UPSTREAM_TIMEOUT", "UPSTREAM_UNREACHABLE", "TOO_MANY_REDIRECTS"]))
            .prop("message", string())
            .required(&["status", "body", "duration"])),
        ("ActionError", object().doc("The actions error family (seed 004): `{error: CODE, message, ...}` plus `request_id`.")
            .prop("error", string().one_of_str(&["VALIDATION_ERROR", "NOT_FOUND", "CONNECTION_REQUIRED", "CONNECTION_ERROR", "RATE_LIMITED", "QUOTA_EXCEEDED", "INVALID_JSON", "PAYLOAD_TOO_LARGE", "INVALID_IDEMPOTENCY_KEY", "IDEMPOTENCY_KEY_MISMATCH", "IDEMPOTENCY_IN_PROGRESS"]))
            .prop("message", string())
            .prop("request_id", string())
            .required(&["error", "message", "request_id"])),
        ("RateLimitedError", all_of(vec![refer("ActionError"), object()
                .prop("error", any().constant("RATE_LIMITED"))
                .prop("message", string().examples(vec![json!("Rate limit exceeded. Try again in 32 seconds.")]))
                .prop("retryAfter", integer().min(1).doc("Whole seconds (rounded up) until a slot frees; also in `Retry-After`."))
                .required(&["retryAfter"])])),
        ("QuotaExceededError", all_of(vec![refer("ActionError"), object()
                .prop("error", any().constant("QUOTA_EXCEEDED"))
                .prop("message", any().constant("Monthly action quota exceeded"))
                .prop("current", integer())
                .prop("limit", integer())
                .prop("plan", refer("Plan"))
                .required(&["current", "limit", "plan"])])),
        ("ExecuteRequest", object().examples(vec![json!({"pieceName": "slack", "actionName": "send_message", "input": {"channel": "C01ABC23DEF", "text": "Deployment to production completed successfully."}, "connectionId": "conn_0123456789abcdef0123456789abcdef"})])
            .prop("pieceName", string().doc("The piece providing the action (see `GET /v1/pieces`)."))
            .prop("actionName", string().doc("Name of the action to execute."))
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
                .prop("access_token", string())
                .required(&["access_token"]))
            .prop("expires_at", string().format("date-time").doc("RFC 3339, in the future. Past it, executes with this connection get 400 CONNECTION_ERROR."))
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
                .required(&["limit", "window_seconds", "remaining", "reset"]))
            .required(&["plan", "period", "actions", "rate_limit"])),
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
        ("TrainingDataList", object()
            .prop("data", array_of(refer("TrainingData")))
            .prop("start", integer())
            .prop("end", integer())
            .prop("count", integer())
            .required(&["data", "start", "end", "count"])),
        ("TrainingDataCreate", object().doc("`type: text` takes `title` (optional) and `content`; `type: qa` takes `question` and `answer`. An unsupported type is 400 `INVALID_TYPE`; `url` is 422 `URL_DISCOVERY_REQUIRED` (use the URL endpoints).")
            .prop("agent", types(&["integer", "string"]).doc("Agent id or uid."))
            .prop("type", string().one_of_str(&["text", "qa"]))
            .prop("title", string().or_null().max_len(255))
            .prop("content", string().max_len(200000))
            .prop("question", string().max_len(2000))
            .prop("answer", string().max_len(20000))
            .required(&["agent", "type"])),
        ("TrainingDataUpdate", object().doc("text items: `title`, `content`; qa items: `question`, `answer`; url items: `title`. Fields left out keep their values; a text or qa item is re-chunked at once. `type` and `agent` cannot change.")
            .prop("title", string().or_null().max_len(255))
            .prop("content", string())
            .prop("question", string())
            .prop("answer", string())),
        ("UrlDiscoverRequest", object()
            .prop("agent", types(&["integer", "string"]).doc("Agent id or uid."))
            .prop("url", string().format("uri").doc("An http(s) page; the outbound guard applies."))
            .required(&["agent", "url"])),
        ("UrlDiscovery", object().doc("Nothing is stored.")
            .prop("url", string())
            .prop("title", string().or_null())
            .prop("sitemap", string().or_null().doc("The site's `/sitemap.xml` when it has one (its same-site pages are included)."))
            .prop("count", integer())
            .prop("urls", array_of(string()).doc("The page itself, then the same-site links of the page and of the sitemap, without fragments, de-duplicated (at most 500)."))
            .required(&["url", "title", "sitemap", "count", "urls"])),
        ("UrlProcessRequest", object()
            .prop("agent", types(&["integer", "string"]).doc("Agent id or uid."))
            .prop("urls", array_of(string()).max_items(100).doc("http(s) URLs; invalid or refused ones are reported in `rejected`, duplicates (fragments aside) are stored once; a URL the agent already has re-queues that item."))
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
            .prop("agent", types(&["integer", "string"]).doc("Agent id or uid."))
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
            .prop("external_id", string().or_null().min_len(1).max_len(255).doc("Your own id for the record (e.g. your CRM's), unique in the workspace. Numbers are taken as their decimal text. No control characters or surrounding white space."))
            .prop("name", string().max_len(255))
            .prop("domain", string().or_null().doc("Host name, lower case (e.g. `acme.com`)."))
            .prop("traits", object().open().doc("Custom attributes (JSON object, at most 64 KiB). A write **merges** into the stored object (RFC 7396 merge patch: a key set to `null` is removed, nested objects merge); `traits: null` clears them all."))
            .prop("tags", array_of(string().max_len(255)).max_items(100).doc("Labels (trimmed, de-duplicated). A write replaces the list; `null` clears it."))
            .prop("customer_count", integer().doc("How many customers belong to the company."))
            .prop("created_at", string().format("date-time"))
            .prop("updated_at", string().format("date-time"))
            .required(&["id", "external_id", "name", "domain", "traits", "tags", "customer_count", "created_at", "updated_at"])),
        ("CompanyList", object()
            .prop("data", array_of(refer("Company")))
            .prop("start", integer().doc("= skip"))
            .prop("end", integer().doc("start + the number of items returned"))
            .prop("count", integer().doc("How many companies matched in all."))
            .required(&["data", "start", "end", "count"])),
        ("CompanyWrite", object().doc("Create: `name` is required. PATCH and PUT update: fields left out keep their values.")
            .prop("external_id", string().or_null().min_len(1).max_len(255).doc("Your own id for the record (e.g. your CRM's), unique in the workspace. Numbers are taken as their decimal text. No control characters or surrounding white space."))
            .prop("name", string().min_len(1).max_len(255))
            .prop("domain", string().or_null().max_len(253).doc("A host name such as `acme.com` (no scheme or path); stored lower case; blank or null clears."))
            .prop("traits", object().or_null().open().doc("Custom attributes (JSON object, at most 64 KiB). A write **merges** into the stored object (RFC 7396 merge patch: a key set to `null` is removed, nested objects merge); `traits: null` clears them all."))
            .prop("tags", array_of(string().max_len(255)).or_null().max_items(100).doc("Labels (trimmed, de-duplicated). A write replaces the list; `null` clears it."))),
        ("Customer", object().doc("A person your product supports (a user or an anonymous visitor).")
            .prop("id", integer())
            .prop("external_id", string().or_null().min_len(1).max_len(255).doc("Your own id for the record (e.g. your CRM's), unique in the workspace. Numbers are taken as their decimal text. No control characters or surrounding white space."))
            .prop("name", string().or_null().max_len(255))
            .prop("email", string().or_null().format("email"))
            .prop("phone", string().or_null())
            .prop("traits", object().open().doc("Custom attributes (JSON object, at most 64 KiB). A write **merges** into the stored object (RFC 7396 merge patch: a key set to `null` is removed, nested objects merge); `traits: null` clears them all."))
            .prop("tags", array_of(string().max_len(255)).max_items(100).doc("Labels (trimmed, de-duplicated). A write replaces the list; `null` clears it."))
            .prop("company", refer("CompanySummary"))
            .prop("created_at", string().format("date-time"))
            .prop("updated_at", string().format("date-time"))
            .required(&["id", "external_id", "name", "email", "phone", "traits", "tags", "company", "created_at", "updated_at"])),
        ("CustomerList", object()
            .prop("data", array_of(refer("Customer")))
            .prop("start", integer().doc("= skip"))
            .prop("end", integer().doc("start + the number of items returned"))
            .prop("count", integer().doc("How many customers matched in all."))
            .required(&["data", "start", "end", "count"])),
        ("RecordRef", one_of(vec![integer().min(1), object()
                .prop("id", integer().min(1))
                .required(&["id"]), object()
                .prop("external_id", string())
                .required(&["external_id"])]).doc("A record of the workspace: its id, `{\"id\": n}`, or `{\"external_id\": \"...\"}`.")),
        ("CustomerWrite", object().doc("Every field is optional (an anonymous visitor is a customer too). PATCH and PUT update: fields left out keep their values; `null` (or blank text) clears.")
            .prop("external_id", string().or_null().min_len(1).max_len(255).doc("Your own id for the record (e.g. your CRM's), unique in the workspace. Numbers are taken as their decimal text. No control characters or surrounding white space."))
            .prop("name", string().or_null().max_len(255))
            .prop("email", string().or_null().format("email").max_len(254).doc("A valid address (`local@domain.tld`); matched without regard to case."))
            .prop("phone", string().or_null().max_len(50).doc("Digits with an optional leading `+`, spaces, dots, dashes and parentheses; 3-20 digits."))
            .prop("traits", object().or_null().open().doc("Custom attributes (JSON object, at most 64 KiB). A write **merges** into the stored object (RFC 7396 merge patch: a key set to `null` is removed, nested objects merge); `traits: null` clears them all."))
            .prop("tags", array_of(string().max_len(255)).or_null().max_items(100).doc("Labels (trimmed, de-duplicated). A write replaces the list; `null` clears it."))
            .prop("company", one_of(vec![refer("RecordRef"), null()]).doc("The customer's company: an id, `{\"id\": n}` or `{\"external_id\": \"...\"}` of a company of this workspace (else 422 naming `company`); `null` removes it."))),
        ("Member", object().doc("A person of the workspace's support staff.")
            .prop("id", integer())
            .prop("name", string())
            .prop("email", string().format("email").doc("Unique in the workspace (without regard to case)."))
            .prop("role", string().one_of_str(&["admin", "agent"]))
            .prop("open_conversation_count", integer().doc("Open conversations assigned to the member."))
            .prop("created_at", string().format("date-time"))
            .prop("updated_at", string().format("date-time"))
            .required(&["id", "name", "email", "role", "open_conversation_count", "created_at", "updated_at"])),
        ("MemberList", object()
            .prop("data", array_of(refer("Member")))
            .prop("start", integer().doc("= skip"))
            .prop("end", integer().doc("start + the number of items returned"))
            .prop("count", integer().doc("How many members matched in all."))
            .required(&["data", "start", "end", "count"])),
        ("MemberWrite", object().doc("Create: `name` and `email` required, `role` defaults to `agent`. PATCH: fields left out keep their values. A taken email is a 422 naming `email`.")
            .prop("name", string().min_len(1).max_len(255))
            .prop("email", string().format("email").max_len(254))
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
            .prop("tags", array_of(string().max_len(255)).max_items(100).doc("Labels (trimmed, de-duplicated). A write replaces the list; `null` clears it."))
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
        ("ConversationList", object()
            .prop("data", array_of(refer("Conversation")))
            .prop("start", integer().doc("= skip"))
            .prop("end", integer().doc("start + the number of items returned"))
            .prop("count", integer().doc("How many conversations matched in all."))
            .required(&["data", "start", "end", "count"])),
        ("ConversationCreate", object()
            .prop("customer", refer("RecordRef").doc("The conversation's customer (of this workspace, else 422 naming `customer`)."))
            .prop("subject", string().or_null().max_len(255))
            .prop("priority", string().one_of_str(&["low", "normal", "high", "urgent"]).default("normal"))
            .prop("channel", string().one_of_str(&["api", "chat", "email", "phone", "sms"]).default("api"))
            .prop("tags", array_of(string().max_len(255)).max_items(100).doc("Labels (trimmed, de-duplicated). A write replaces the list; `null` clears it."))
            .prop("message", one_of(vec![string(), object()
                    .prop("body", string().max_len(65536))
                    .prop("sender_type", string().one_of_str(&["customer", "agent", "member"]))
                    .prop("sender_id", types(&["integer", "string"]).doc("A number is an id; a string is read by the type: an agent's id or uid, a member's id or email, a customer's external id."))
                    .required(&["body"])]).doc("The first message, written in the same transaction as the conversation: its body text, or an object. The sender defaults to the conversation's customer."))
            .prop("assignee_type", string().or_null().doc("Optional initial assignee, with the rules of `POST /v1/conversations/{id}/assign`."))
            .prop("assignee_id", types(&["integer", "string"]).doc("A number is an id; a string is read by the type: an agent's id or uid, a member's id or email, a customer's external id."))
            .required(&["customer"])),
        ("ConversationUpdate", object().doc("Fields left out keep their values. `status`, the assignee, `customer`, `channel` and `snoozed_until` change only through the conversation's actions (a 422 names them).")
            .prop("subject", string().or_null().max_len(255))
            .prop("priority", string().one_of_str(&["low", "normal", "high", "urgent"]))
            .prop("tags", array_of(string().max_len(255)).or_null().max_items(100).doc("Labels (trimmed, de-duplicated). A write replaces the list; `null` clears it."))),
        ("Assign", object().doc("Rules: `assignee_type` is `agent` (an AI agent, by id or uid; not trashed) or `member` (by id or email), or null to unassign (then `assignee_id` must be null or absent). An AI agent cannot be assigned a closed conversation (reopen it first) nor a `phone` conversation. A type outside these, or a rule broken, is 400 `INVALID_ASSIGNEE_TYPE` (checked first); an assignee that does not exist, is trashed or belongs to another workspace is 400 `INVALID_ASSIGNEE`. `assigned_at` moves only when the assignee changes.")
            .prop("assignee_type", string().or_null().enumerate(vec![Value::from("agent"), Value::from("member"), Value::Null]))
            .prop("assignee_id", types(&["integer", "string"]).doc("A number is an id; a string is read by the type: an agent's id or uid, a member's id or email, a customer's external id."))
            .required(&["assignee_type"])),
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
        ("MessageList", object()
            .prop("data", array_of(refer("Message")))
            .prop("start", integer().doc("= skip"))
            .prop("end", integer().doc("start + the number of items returned"))
            .prop("count", integer().doc("How many messages matched in all."))
            .required(&["data", "start", "end", "count"])),
        ("MessageCreate", object()
            .prop("body", string().min_len(1).max_len(65536))
            .prop("sender_type", string().one_of_str(&["customer", "agent", "member"]).doc("A customer may only write in their own conversations."))
            .prop("sender_id", types(&["integer", "string"]).doc("A number is an id; a string is read by the type: an agent's id or uid, a member's id or email, a customer's external id."))
            .required(&["body", "sender_type", "sender_id"])),
        ("NoteCreate", object()
            .prop("body", string().min_len(1).max_len(65536))
            .prop("sender_type", string().one_of_str(&["member", "agent"]).doc("Customers never write notes."))
            .prop("sender_id", types(&["integer", "string"]).doc("A number is an id; a string is read by the type: an agent's id or uid, a member's id or email, a customer's external id."))
            .required(&["body", "sender_type", "sender_id"])),
        ("EventType", string().one_of_str(&["agent.created", "agent.updated", "agent.trashed", "agent.restored", "agent.deleted", "customer.created", "customer.updated", "customer.deleted", "company.created", "company.updated", "company.deleted", "conversation.created", "conversation.updated", "conversation.assigned", "conversation.status_changed", "message.created", "note.created", "training_data.created", "training_data.completed", "training_data.failed", "training_data.deleted", "connection.created", "connection.deleted", "webhook.test"])),
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
            .prop("url", string().doc("http(s) URL that passes the outbound guard."))
            .prop("events", array_of(string()).doc("Known event types, or `[\"*\"]`. Unknown types are a 422 naming them."))
            .prop("description", string().or_null().max_len(1000))
            .prop("enabled", boolean().default(true))
            .required(&["url", "events"])),
        ("WebhookUpdate", object().doc("Fields left out keep their values; `enabled: true` clears an automatic disabling.")
            .prop("url", string().doc("http(s) URL that passes the outbound guard."))
            .prop("events", array_of(string()).doc("Known event types, or `[\"*\"]`. Unknown types are a 422 naming them."))
            .prop("description", string().or_null().max_len(1000))
            .prop("enabled", boolean().default(true))),
        ("WebhookList", object()
            .prop("data", array_of(refer("Webhook")))
            .prop("start", integer())
            .prop("end", integer())
            .prop("count", integer())),
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
        ("EventList", object()
            .prop("data", array_of(refer("Event")))
            .prop("start", integer())
            .prop("end", integer())
            .prop("count", integer())),
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
        ("DeliveryList", object()
            .prop("data", array_of(refer("Delivery")))
            .prop("start", integer())
            .prop("end", integer())
            .prop("count", integer())),
        ("ReplayRequest", object()
            .prop("since", string().format("date-time"))
            .prop("until", string().format("date-time"))
            .prop("types", array_of(refer("EventType")))
            .required(&["since"])),
        ("ReplayResult", object()
            .prop("replayed", integer())
            .prop("delivery_ids", array_of(string()))),
    ];
    all.extend(operation_schemas());
    all
}

/// Schemas the operations name that the resources' own schemas do not give.
fn operation_schemas() -> Vec<(&'static str, S)> {
    vec![
        ("Health", object().prop("status", string().constant("ok")).required(&["status"])),
        ("OpenApiDocument", object().doc("This document.")),
        ("TokenList", object().prop("data", array_of(refer("Token"))).required(&["data"])),
        ("AgentProtect", object().prop("protected", boolean()).required(&["protected"])),
        ("FunctionList", array_of(refer("Function"))),
        ("InvokeRequest", object().prop(
            "arguments",
            object().doc("Checked against the function's `parameters` (type, required, properties, enum). GET sends them as the query string, other methods as a JSON body."),
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
        Response::new("ActionBadRequest", "`VALIDATION_ERROR` (a missing `pieceName`, `actionName` or `input`, invalid input, e.g. `Missing required field: channel`), `CONNECTION_REQUIRED` (`Action 'send_message' requires an authenticated connection`), `CONNECTION_ERROR` (expired, unreadable or of another piece: `Connection credentials have expired. Re-authenticate the connection.`), or `INVALID_JSON`, or `INVALID_IDEMPOTENCY_KEY` (the `Idempotency-Key` header is not 1 to 255 printable ASCII characters; without rate-limit headers).", refer("ActionError")).headers(&["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]),
        Response::new("ActionNotFound", "`NOT_FOUND`: `Piece 'x' not found`, `Action 'send_msg' not found in piece 'slack'`, or `Connection 'conn_x' not found` (unknown, or of another workspace).", refer("ActionError")).headers(&["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]),
        Response::new("InvalidIdempotencyKey", "`INVALID_IDEMPOTENCY_KEY`: the `Idempotency-Key` header is not 1 to 255 printable ASCII characters.", refer("Error")),
        Response::new("InvalidJsonOrIdempotencyKey", "`INVALID_JSON`: the body is not a JSON object; or `INVALID_IDEMPOTENCY_KEY`: the `Idempotency-Key` header is not 1 to 255 printable ASCII characters.", refer("Error")),
        Response::new("IdempotencyInProgress", "`IDEMPOTENCY_IN_PROGRESS`: a request with this `Idempotency-Key` is still running; retry after `Retry-After` seconds.", refer("Error")).headers(&["Retry-After"]),
        Response::new("IdempotencyKeyMismatch", "`IDEMPOTENCY_KEY_MISMATCH`: this `Idempotency-Key` was used with another method, path or body.", refer("Error")),
        Response::new("ValidationFailedOrIdempotencyMismatch", "Validation failed (the validation shape), or `IDEMPOTENCY_KEY_MISMATCH` (standard envelope): this `Idempotency-Key` was used with another method, path or body.", any_of(vec![refer("ValidationError"), refer("Error")])),
        Response::new("ActionIdempotencyInProgress", "`IDEMPOTENCY_IN_PROGRESS` (actions family): a request with this `Idempotency-Key` is still running; retry after `Retry-After` seconds.", refer("ActionError")).headers(&["Retry-After"]),
        Response::new("ActionIdempotencyKeyMismatch", "`IDEMPOTENCY_KEY_MISMATCH` (actions family): this `Idempotency-Key` was used with another method, path or body.", refer("ActionError")),
        Response::new("AssignmentRefused", "`INVALID_ASSIGNEE_TYPE`: `assignee_type` is not `agent` or `member`, or the type breaks a rule: an AI agent cannot be assigned a closed conversation, nor a `phone` conversation. `INVALID_ASSIGNEE`: the assignee does not exist, is a trashed agent, or belongs to another workspace. Also `INVALID_JSON`.", refer("Error")),
        Response::new("SenderRefused", "`INVALID_SENDER`: the sender does not exist in this workspace (or is a trashed agent), or is a customer other than the conversation's. Also `INVALID_JSON`.", refer("Error")),
        Response::new("QuotaExceeded", "`QUOTA_EXCEEDED` (`current`, `limit`, `plan`), or `INSUFFICIENT_TOKEN_ABILITY` in the standard envelope.", any_of(vec![refer("QuotaExceededError"), refer("Error")])).headers(&["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]),
        Response::new("ActionPayloadTooLarge", "`PAYLOAD_TOO_LARGE`: the body is over 1 MiB.", any_of(vec![refer("ActionError"), refer("Error")])),
        Response::new("RateLimited", "`RATE_LIMITED`: no slot in the window.", refer("RateLimitedError")).headers(&["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"]),
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
