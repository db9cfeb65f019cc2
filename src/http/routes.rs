//! The whole API surface in one table: each route is one row with its path, access and
//! tag, and each operation is one `op!` with its method, handler and what the OpenAPI
//! document says of it (`openapi::Doc`). The table drives dispatch, 404/405 with `Allow`,
//! HEAD, and the document (built from it on the host by `src/bin/openapi.rs`).
//! worker-rs's `Router` cannot do those (it answers 404/405 in plain text, registers no
//! HEAD, cannot list its routes and is rebuilt per request), so the table is matched with
//! `matchit`, built once per isolate.
//!
//! The `Doc`s exist only in host builds: `op!` drops them from the wasm.

#[cfg(not(target_arch = "wasm32"))]
use super::openapi::Doc;
use super::{
    actions, admin, agents, blobs, companies, connections, conversations, customers, functions, health, mcp, openapi,
};
use super::{audit, error::ApiResult, members, operator_keys, training, webhooks, widget, workspace, Ctx, Reply};
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No token, no storage: health, the OpenAPI document, public blobs.
    Public,
    /// The operator API: `Authorization: Bearer <ADMIN_TOKEN or an operator key>`.
    Admin,
    /// An API token with the ability the method needs.
    Token,
    /// A website widget's page: a publishable key in the path and an allowed `Origin`
    /// (`http::widget`); no API token (one is a 401).
    WidgetKey,
    /// As `WidgetKey`, plus an end-user session (`Authorization: Bearer weav_sess_...`).
    WidgetSession,
}

/// An HTTP method as the router sees it. Methods no route declares (`QUERY`, `TRACE`,
/// `CONNECT`, anything unknown) are `Other`: a 405, never served as another method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Other,
}

impl Verb {
    /// Methods are case-sensitive (RFC 9110); fetch upper-cases only the standard ones.
    pub fn parse(m: &str) -> Verb {
        match m {
            "GET" => Verb::Get,
            "HEAD" => Verb::Head,
            "POST" => Verb::Post,
            "PUT" => Verb::Put,
            "PATCH" => Verb::Patch,
            "DELETE" => Verb::Delete,
            _ => Verb::Other,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Head => "HEAD",
            Verb::Post => "POST",
            Verb::Put => "PUT",
            Verb::Patch => "PATCH",
            Verb::Delete => "DELETE",
            Verb::Other => "OTHER",
        }
    }

    /// GET and HEAD read; everything else writes (the ability a token needs).
    pub fn is_read(self) -> bool {
        matches!(self, Verb::Get | Verb::Head)
    }
}

/// A handler's answer, still to come.
pub type Pending<'a> = Pin<Box<dyn Future<Output = ApiResult<Reply>> + 'a>>;
pub type Handler = for<'a> fn(&'a mut Ctx) -> Pending<'a>;

/// One operation: a method on a route.
pub struct Op {
    pub method: Verb,
    pub handler: Handler,
    /// Errors in the actions family of seed 004 (`{error: CODE, message}`) instead of the
    /// standard envelope: execute only (CONTRACT.md, Errors).
    pub actions_family: bool,
    /// The kind of call (`domain::limits::KINDS`) this operation counts in the workspace's
    /// sliding window before its handler runs: the routes that call out to a URL.
    pub limit: Option<&'static str>,
    /// The audit log's action for a write (`agent.updated`): every write of a token or
    /// operator route has one (a unit test holds the table to it).
    pub audit: Option<&'static str>,
    /// The body says what the request does (JSON-RPC): the token needs read to reach the
    /// handler, which checks the ability each method needs.
    pub abilities_by_body: bool,
    #[cfg(not(target_arch = "wasm32"))]
    pub doc: Doc,
}

impl Op {
    /// The operation's audit action (`http::audit`).
    pub const fn audited(mut self, action: &'static str) -> Op {
        self.audit = Some(action);
        self
    }

    /// See `abilities_by_body`.
    pub const fn abilities_by_body(mut self) -> Op {
        self.abilities_by_body = true;
        self
    }
}

pub struct Route {
    pub path: &'static str,
    pub access: Access,
    /// The document's tag (its section).
    pub tag: &'static str,
    pub ops: &'static [Op],
}

impl Route {
    /// The operation serving `method`; HEAD is served by GET.
    pub fn op(&'static self, method: Verb) -> Option<&'static Op> {
        let lookup = if method == Verb::Head { Verb::Get } else { method };
        self.ops.iter().find(|op| op.method == lookup)
    }

    /// The `Allow` header of a 405: every method, plus HEAD wherever GET is.
    pub fn allow(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        for op in self.ops {
            out.push(op.method.name());
            if op.method == Verb::Get {
                out.push("HEAD");
            }
        }
        out
    }
}

/// `op!(Method, handler, doc)`: an operation whose handler is an `async fn(&mut Ctx)`.
/// `op!(Method, handler, doc, actions_family)` answers errors in the actions family;
/// `op!(Method, handler, doc, limited = "kind")` takes a slot of that kind first.
macro_rules! op {
    ($method:ident, $handler:path, $doc:expr) => {
        op!(@ $method, $handler, $doc, false, None)
    };
    ($method:ident, $handler:path, $doc:expr, actions_family) => {
        op!(@ $method, $handler, $doc, true, None)
    };
    ($method:ident, $handler:path, $doc:expr, limited = $kind:literal) => {
        op!(@ $method, $handler, $doc, false, Some($kind))
    };
    (@ $method:ident, $handler:path, $doc:expr, $family:expr, $limit:expr) => {
        Op {
            method: Verb::$method,
            handler: {
                fn handler(cx: &mut Ctx) -> Pending<'_> {
                    Box::pin($handler(cx))
                }
                handler
            },
            actions_family: $family,
            limit: $limit,
            audit: None,
            abilities_by_body: false,
            #[cfg(not(target_arch = "wasm32"))]
            doc: $doc,
        }
    };
}

use Access::*;

pub static ROUTES: &[Route] = &[
    Route {
        path: "/v1/health",
        access: Public,
        tag: "Meta",
        ops: &[
            op!(Get, health::get, Doc::new("getHealth", "Liveness check: no token, no storage.")
                .ok(&[(200, "Health", "The worker is serving.")])),
        ],
    },
    Route {
        path: "/v1/openapi.json",
        access: Public,
        tag: "Meta",
        ops: &[
            op!(Get, openapi::get, Doc::new("getOpenApi", "This document.")
                .ok(&[(200, "OpenApiDocument", "The OpenAPI 3.1 document.")])),
        ],
    },
    Route {
        path: "/v1/workspace",
        access: Token,
        tag: "Workspace",
        ops: &[
            op!(Get, workspace::get, Doc::new("getWorkspace", "The calling token's workspace, its limits and the token's abilities.")
                .ok(&[(200, "CallerWorkspace", "The workspace.")])),
        ],
    },
    Route {
        path: "/admin/v1/workspaces",
        access: Admin,
        tag: "Operator",
        ops: &[
            op!(Post, admin::create_workspace, Doc::new("createWorkspace", "Create a workspace.")
                .body("WorkspaceCreate")
                .ok(&[(201, "Workspace", "Created.")])).audited("workspace.created"),
        ],
    },
    Route {
        path: "/admin/v1/workspaces/{id}",
        access: Admin,
        tag: "Operator",
        ops: &[
            op!(Get, admin::get_workspace, Doc::new("getAdminWorkspace", "Get a workspace.")
                .ok(&[(200, "Workspace", "The workspace.")])),
            op!(Patch, admin::update_workspace, Doc::new("updateWorkspace", "Change a workspace's name, plan or limits. `rate_limit`, `monthly_action_quota` and `storage_quotas` override the plan's defaults.")
                .body("WorkspaceUpdate")
                .ok(&[(200, "Workspace", "The updated workspace.")])).audited("workspace.updated"),
        ],
    },
    Route {
        path: "/admin/v1/workspaces/{id}/tokens",
        access: Admin,
        tag: "Operator",
        ops: &[
            op!(Get, admin::list_tokens, Doc::new("listTokens", "List a workspace's live API tokens (never the plain text).")
                .ok(&[(200, "TokenList", "The tokens.")])),
            op!(Post, admin::create_token, Doc::new("createToken", "Create an API token. The plain text is in this response only.")
                .body("TokenCreate")
                .ok(&[(201, "NewToken", "Created; `token` is shown this once.")])).audited("token.created"),
        ],
    },
    Route {
        path: "/admin/v1/workspaces/{id}/tokens/{token_id}",
        access: Admin,
        tag: "Operator",
        ops: &[
            op!(Delete, admin::delete_token, Doc::new("deleteToken", "Revoke an API token; it stops working at once.")
                .describe("The revocation is recorded with the workspace's limits object first (every location refuses the token within 1 s), then its KV record is deleted, then its row marked. Revoking a token revoked already answers 204 again (and repeats every step); 404 is for a token the workspace never had.")
                .ok(&[(204, "", "Revoked (now or before).")])).audited("token.revoked"),
        ],
    },
    Route {
        path: "/admin/v1/audit-logs",
        access: Admin,
        tag: "Operator",
        ops: &[
            op!(Get, audit::list_all, Doc::new("listAllAuditLogs", "Audit log entries of every workspace (and the operators' own), newest first.")
                .query(openapi::params::list_all_audit_logs)
                .ok(&[(200, "AuditLogList", "`{data, has_more}`.")])),
        ],
    },
    Route {
        path: "/admin/v1/workspaces/{id}/tokens/{token_id}/roll",
        access: Admin,
        tag: "Operator",
        ops: &[
            op!(Post, admin::roll_token, Doc::new("rollToken", "Roll an API token: a new token with the same name, abilities and expiry; the old one ends after a grace period. The plain text is in this response only.")
                .describe("`grace_period_seconds` (0 to 86400, default 0) is how long the old token keeps working: 0 revokes it at once, exactly as DELETE does; otherwise its expiry becomes the earlier of its own and now + grace (a roll never lengthens access), in its KV record, its row and the workspace's revocations: every location refuses it within 1 s of that end. A token rolled already may be rolled again while it is live. A revoked, expired or unknown token is 404.")
                .optional_body("TokenRoll")
                .ok(&[(201, "RolledToken", "Created; `token` is shown this once, `rolled_from` says when the old token stops.")])).audited("token.rolled"),
        ],
    },
    Route {
        path: "/admin/v1/operator-keys",
        access: Admin,
        tag: "Operator",
        ops: &[
            op!(Get, operator_keys::list, Doc::new("listOperatorKeys", "List the live operator keys (never the plain text or its hash).")
                .ok(&[(200, "OperatorKeyList", "The keys.")])),
            op!(Post, operator_keys::create, Doc::new("createOperatorKey", "Create a named operator key: a bearer for the operator API besides `ADMIN_TOKEN`. The plain text is in this response only.")
                .describe("The key is `weav_op_` + 30 random base62 characters + a 6-character checksum; only its SHA-256 is stored. It works until `expires_at` (none: until revoked) and stops at once, everywhere, when revoked.")
                .body("OperatorKeyCreate")
                .ok(&[(201, "NewOperatorKey", "Created; `key` is shown this once.")])).audited("operator_key.created"),
        ],
    },
    Route {
        path: "/admin/v1/operator-keys/{id}",
        access: Admin,
        tag: "Operator",
        ops: &[
            op!(Delete, operator_keys::revoke, Doc::new("revokeOperatorKey", "Revoke an operator key; it stops working at once, everywhere.")
                .describe("Revoking a key revoked already answers 204 again; 404 is for a key that never existed.")
                .ok(&[(204, "", "Revoked (now or before).")])).audited("operator_key.revoked"),
        ],
    },
    Route {
        path: "/admin/v1/workspaces/{id}/agents/{agent}",
        access: Admin,
        tag: "Operator",
        ops: &[
            op!(Patch, agents::protect, Doc::new("protectAgent", "Mark an agent protected (integrators may not trash or delete it) or not.")
                .body("AgentProtect")
                .ok(&[(200, "Agent", "The agent.")])).audited("agent.protected"),
        ],
    },
    Route {
        path: "/v1/agents",
        access: Token,
        tag: "Agents",
        ops: &[
            op!(Get, agents::list, Doc::new("listAgents", "List agents.")
                .query(openapi::params::list_agents)
                .ok(&[(200, "AgentList", "A page of agents, or `{count}` with `count_only=true`.")])),
            op!(Post, agents::create, Doc::new("createAgent", "Create an agent.")
                .body("AgentCreate")
                .storage_quota()
                .ok(&[(201, "Agent", "Created.")])).audited("agent.created"),
        ],
    },
    Route {
        path: "/v1/agents/{agent}",
        access: Token,
        tag: "Agents",
        ops: &[
            op!(Get, agents::get, Doc::new("getAgent", "Get an agent by id or uid.")
                .query(openapi::params::trashed_agent)
                .ok(&[(200, "Agent", "The agent.")])),
            op!(Patch, agents::update, Doc::new("updateAgent", "Update an agent; fields left out keep their values, `null` clears a nullable field.")
                .query(openapi::params::trashed_agent)
                .body("AgentUpdate")
                .storage_quota()
                .ok(&[(200, "Agent", "The updated agent.")])).audited("agent.updated"),
            op!(Put, agents::upsert, Doc::new("upsertAgent", "Update or insert the agent with this uid. On create, fields left out take their defaults (`name`, `provider` and `model` are required); on update they keep their values. A uid in the body must match the path; an all-digit path segment is a 422.")
                .query(openapi::params::trashed_agent)
                .body("AgentUpdate")
                .storage_quota()
                .ok(&[(200, "Agent", "Updated."), (201, "Agent", "Created.")])).audited("agent.upserted"),
            op!(Delete, agents::delete, Doc::new("deleteAgent", "Delete an agent permanently (with its functions). A protected agent is 403 FORBIDDEN.")
                .ok(&[(204, "", "Deleted.")])).audited("agent.deleted"),
        ],
    },
    Route {
        path: "/v1/agents/{agent}/trash",
        access: Token,
        tag: "Agents",
        ops: &[
            op!(Post, agents::trash, Doc::new("trashAgent", "Move an agent to the trash (204 again if it already is). A protected agent is 403 FORBIDDEN.")
                .ok(&[(204, "", "Trashed.")])).audited("agent.trashed"),
        ],
    },
    Route {
        path: "/v1/agents/{agent}/restore",
        access: Token,
        tag: "Agents",
        ops: &[
            op!(Post, agents::restore, Doc::new("restoreAgent", "Restore an agent from the trash (204 again if it is not trashed).")
                .ok(&[(204, "", "Restored.")])).audited("agent.restored"),
        ],
    },
    Route {
        path: "/v1/agents/{agent}/functions",
        access: Token,
        tag: "Functions",
        ops: &[
            op!(Get, functions::list, Doc::new("listFunctions", "List an agent's functions.")
                .ok(&[(200, "FunctionList", "The functions (a JSON array).")])),
            op!(Post, functions::add, Doc::new("addFunction", "Add a function (`method` defaults to GET). A name the agent already has is a 422.")
                .body("FunctionWrite")
                .storage_quota()
                .ok(&[(201, "Function", "Added.")])).audited("function.created"),
        ],
    },
    Route {
        path: "/v1/agents/{agent}/functions/{name}",
        access: Token,
        tag: "Functions",
        ops: &[
            op!(Get, functions::get, Doc::new("getFunction", "Get a function.")
                .ok(&[(200, "Function", "The function.")])),
            op!(Patch, functions::update, Doc::new("updateFunction", "Update a function; fields left out keep their values. `headers`, when sent, is the new set (a value of `********` keeps the stored one).")
                .body("FunctionPatch")
                .ok(&[(200, "Function", "Updated.")])).audited("function.updated"),
            op!(Put, functions::upsert, Doc::new("upsertFunction", "Add or replace the function with this name.")
                .body("FunctionPut")
                .storage_quota()
                .ok(&[(200, "Function", "Updated."), (201, "Function", "Added.")])).audited("function.upserted"),
            op!(Delete, functions::remove, Doc::new("removeFunction", "Remove a function.")
                .ok(&[(204, "", "Removed.")])).audited("function.deleted"),
        ],
    },
    Route {
        path: "/v1/agents/{agent}/functions/{name}/invoke",
        access: Token,
        tag: "Functions",
        ops: &[
            op!(Post, functions::invoke, Doc::new("invokeFunction", "Call the function's URL with arguments, as the agent runtime does.")
                .describe("The URL passes the outbound guard: http(s) only, no credentials in the URL, no loopback, private, link-local, unique-local, multicast or unspecified addresses in any spelling, no localhost/.local/.internal/metadata names (unless ALLOW_PRIVATE_UPSTREAMS), at most 3 redirects each checked again; the answer is read up to OUTBOUND_MAX_RESPONSE_BYTES (1 MiB by default) and cut there (`truncated: true`). A refused URL is a 422 naming `url`. Takes one slot of the workspace's rate-limit window (kind `function_invoke`).")
                .optional_body("InvokeRequest")
                .ok(&[(200, "InvokeResult", "The remote end's answer (its own failures included: a 4xx/5xx of the remote is a 200 here with that `status`). No answer within OUTBOUND_TIMEOUT_MS: `status: null, error: \"UPSTREAM_TIMEOUT\"`; no connection: `error: \"UPSTREAM_UNREACHABLE\"`; over 3 redirects: `error: \"TOO_MANY_REDIRECTS\"`.")]),
                limited = "function_invoke").audited("function.invoked"),
        ],
    },
    Route {
        path: "/v1/blobs/{id}",
        access: Public,
        tag: "Agents",
        ops: &[
            op!(Get, blobs::get, Doc::new("getBlob", "A stored picture (no token: the id is unguessable).")
                .ok(&[(200, "", "The image bytes with their media type.")])),
        ],
    },
    Route {
        path: "/v1/actions/execute",
        access: Token,
        tag: "Actions",
        ops: &[
            op!(Post, actions::execute, Doc::new("executeAction", "Execute an action.")
                .describe("Runs one action synchronously. Checks, in order: body, fields, piece and action, connection need, input, connection; then one rate-limit slot is taken (every authenticated execute counts, whatever its outcome) and, if the checks passed, the execution counts against the monthly quota. Every answer carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`.")
                .body("ExecuteRequest")
                .headers(&openapi::RATE_HEADERS)
                .ok(&[(200, "ExecuteResult", "The action ran (`success` false when the upstream failed).")])
                .errors(&[(400, "ActionBadRequest"), (403, "QuotaExceeded"), (404, "ActionNotFound"), (409, "ActionIdempotencyInProgress"), (413, "ActionPayloadTooLarge"), (422, "ActionIdempotencyKeyMismatch"), (429, "RateLimited")]),
                actions_family).audited("action.executed"),
        ],
    },
    // MCP: JSON-RPC in the body, so the read ability opens the route and the handler
    // checks write for tools/call; the entry is the tool call's (execute's or invoke's)
    // and no other method leaves one. GET is not declared: 405, no server-initiated stream.
    Route {
        path: "/v1/mcp",
        access: Token,
        tag: "MCP",
        ops: &[
            op!(Post, mcp::post, Doc::new("mcpWorkspace", "The workspace's MCP server (Streamable HTTP, JSON answers).")
                .describe("One JSON-RPC message per POST, revisions 2025-06-18 and 2025-11-25 (`initialize`) and 2026-07-28 (stateless: `_meta`, `server/discover`, `MCP-Protocol-Version` / `Mcp-Method` / `Mcp-Name` checked against the body). Tools: each piece action the workspace can run (`{piece}_{action}`) and each live agent's functions (`{agent_uid}__{function}`). `tools/call` runs as `POST /v1/actions/execute` or function invoke does: the same rate-limit slot, quota, execution record and audit entry; their refusals are tool results with `isError`. Answers after authentication are JSON-RPC; an `Origin` outside `MCP_ALLOWED_ORIGINS` is 403.")
                .body("McpMessage")
                .ok(&[(200, "McpResponse", "A JSON-RPC response."), (202, "", "A notification, accepted.")]))
                .audited("action.executed").abilities_by_body(),
        ],
    },
    Route {
        path: "/v1/agents/{agent}/mcp",
        access: Token,
        tag: "MCP",
        ops: &[
            op!(Post, mcp::post_agent, Doc::new("mcpAgent", "One agent's MCP server: its functions as tools, named as they are.")
                .describe("As `/v1/mcp`, limited to this agent's functions (tool name = function name); a call leaves invoke's audit entry (`function.invoked`) and takes its rate-limit slot.")
                .body("McpMessage")
                .ok(&[(200, "McpResponse", "A JSON-RPC response."), (202, "", "A notification, accepted.")]))
                .audited("function.invoked").abilities_by_body(),
        ],
    },
    Route {
        path: "/v1/pieces",
        access: Token,
        tag: "Actions",
        ops: &[
            op!(Get, actions::list_pieces, Doc::new("listPieces", "The pieces, their actions, input schemas and connection needs.")
                .ok(&[(200, "PieceList", "The pieces.")])),
        ],
    },
    Route {
        path: "/v1/usage",
        access: Token,
        tag: "Actions",
        ops: &[
            op!(Get, actions::usage, Doc::new("getUsage", "This month's executions against the quota, and the rate limit's state (not counted).")
                .ok(&[(200, "Usage", "The usage.")])),
        ],
    },
    Route {
        path: "/v1/connections",
        access: Token,
        tag: "Actions",
        ops: &[
            op!(Get, connections::list, Doc::new("listConnections", "The workspace's connections (never their credentials).")
                .ok(&[(200, "ConnectionList", "The connections, oldest first.")])),
            op!(Post, connections::create, Doc::new("createConnection", "Store a piece's credentials, encrypted; they are never returned.")
                .body("ConnectionCreate")
                .ok(&[(201, "Connection", "Created.")])).audited("connection.created"),
        ],
    },
    Route {
        path: "/v1/connections/{id}",
        access: Token,
        tag: "Actions",
        ops: &[
            op!(Get, connections::get, Doc::new("getConnection", "One connection (never its credentials).")
                .ok(&[(200, "Connection", "The connection.")])),
            op!(Delete, connections::delete, Doc::new("deleteConnection", "Delete a connection; executes naming it then get 404 NOT_FOUND.")
                .ok(&[(204, "", "Deleted.")])).audited("connection.deleted"),
        ],
    },
    Route {
        path: "/v1/training-data",
        access: Token,
        tag: "Training data",
        ops: &[
            op!(Get, training::list, Doc::new("listTrainingData", "List training data.")
                .query(openapi::params::list_training_data)
                .ok(&[(200, "TrainingDataList", "A page of items, or `{count}` with `count_only=true`.")])
                .errors(&[(400, "InvalidAgent")])),
            op!(Post, training::create, Doc::new("createTrainingData", "Add a text or a Q&A pair to an agent's knowledge.")
                .describe("Redacted, chunked and indexed at once: the item answers `completed`.")
                .body("TrainingDataCreate")
                .storage_quota()
                .ok(&[(201, "TrainingData", "The item.")])
                .errors(&[(400, "TrainingRefused"), (422, "TrainingValidationFailed"), (500, "CreationFailed")])).audited("training_data.created"),
        ],
    },
    Route {
        path: "/v1/training-data/{id}",
        access: Token,
        tag: "Training data",
        ops: &[
            op!(Get, training::get, Doc::new("getTrainingData", "Get a training item.")
                .ok(&[(200, "TrainingData", "The item.")])),
            op!(Patch, training::update, Doc::new("updateTrainingData", "Update a training item.")
                .body("TrainingDataUpdate")
                .storage_quota()
                .ok(&[(200, "TrainingData", "The item.")])).audited("training_data.updated"),
            op!(Delete, training::delete, Doc::new("deleteTrainingData", "Delete a training item with its chunks.")
                .ok(&[(204, "", "Deleted.")])).audited("training_data.deleted"),
        ],
    },
    Route {
        path: "/v1/training-data/urls/discover",
        access: Token,
        tag: "Training data",
        ops: &[
            op!(Post, training::discover, Doc::new("discoverTrainingUrls", "Find a site's pages to train on.")
                .describe("Fetches the page (guarded: http(s), no private addresses, redirects re-checked, time-out, TRAINING_MAX_PAGE_BYTES: 2 MiB by default) and the site's `/sitemap.xml`, and answers their same-site links. Nothing is stored.")
                .body("UrlDiscoverRequest")
                .ok(&[(200, "UrlDiscovery", "The links found.")])
                .errors(&[(400, "InvalidAgentOrJson"), (500, "PageFetchFailed")]),
                limited = "training_discover").audited("training_urls.discovered"),
        ],
    },
    Route {
        path: "/v1/training-data/urls/process",
        access: Token,
        tag: "Training data",
        ops: &[
            op!(Post, training::process, Doc::new("processTrainingUrls", "Train an agent on web pages.")
                .describe("Stores a `pending` url item per valid URL and queues it; the training queue reads each page in the background. Poll the items (or list with `status`) to see them become `completed` or `failed`.")
                .body("UrlProcessRequest")
                .storage_quota()
                .ok(&[(202, "UrlProcessResult", "The queued items and the URLs that were refused.")])
                .errors(&[(400, "InvalidAgentOrJson"), (422, "NoUrlsProvided"), (500, "QueueingFailed")]),
                limited = "training_process").audited("training_urls.processed"),
        ],
    },
    Route {
        path: "/v1/training-data/urls/resync",
        access: Token,
        tag: "Training data",
        ops: &[
            op!(Post, training::resync, Doc::new("resyncTrainingUrls", "Read an agent's completed pages again.")
                .body("UrlResyncRequest")
                .ok(&[(202, "UrlResyncResult", "The re-queued items.")])
                .errors(&[(400, "InvalidAgentOrJson"), (422, "NothingToResync"), (500, "ResyncFailed")]),
                limited = "training_resync").audited("training_urls.resynced"),
        ],
    },
    Route {
        path: "/v1/agents/{agent}/knowledge/search",
        access: Token,
        tag: "Training data",
        ops: &[
            op!(Get, training::search, Doc::new("searchAgentKnowledge", "Grounded search over an agent's knowledge.")
                .describe("Ranks the agent's completed chunks with the FTS5 index (bm25; words of `q`, any of them, stemmed) and answers each hit with its snippet and its citation. Only this agent's knowledge in the caller's workspace.")
                .query(openapi::params::search_agent_knowledge)
                .ok(&[(200, "KnowledgeSearchResult", "Hits, best first.")])),
        ],
    },
    Route {
        path: "/v1/companies",
        access: Token,
        tag: "Companies",
        ops: &[
            op!(Get, companies::list, Doc::new("listCompanies", "List companies.")
                .query(openapi::params::list_companies)
                .ok(&[(200, "CompanyList", "A page, or `{count}` with `count_only=true`.")])),
            op!(Post, companies::create, Doc::new("createCompany", "Create a company.")
                .describe("A taken `external_id` is a 422 naming `external_id`.")
                .body("CompanyWrite")
                .ok(&[(201, "Company", "Created.")])).audited("company.created"),
        ],
    },
    Route {
        path: "/v1/companies/{id}",
        access: Token,
        tag: "Companies",
        ops: &[
            op!(Get, companies::get, Doc::new("getCompany", "Get a company.")
                .ok(&[(200, "Company", "The company.")])),
            op!(Patch, companies::update, Doc::new("updateCompany", "Update a company.")
                .describe("Fields left out keep their values; `traits` merge.")
                .body("CompanyWrite")
                .ok(&[(200, "Company", "The company.")])).audited("company.updated"),
            op!(Delete, companies::delete, Doc::new("deleteCompany", "Delete a company.")
                .ok(&[(204, "", "Deleted. Its customers stay, without a company.")])).audited("company.deleted"),
        ],
    },
    Route {
        path: "/v1/companies/by-external-id/{external_id}",
        access: Token,
        tag: "Companies",
        ops: &[
            op!(Get, companies::get_by_external_id, Doc::new("getCompanyByExternalId", "Get a company by your external id.")
                .ok(&[(200, "Company", "The company.")])),
            op!(Put, companies::upsert, Doc::new("upsertCompany", "Create or update a company by your external id.")
                .describe("Updates the company with this external id (fields left out keep their values) or creates it (`name` required). An `external_id` in the body must equal the path's (else 422).")
                .body("CompanyWrite")
                .ok(&[(200, "Company", "Updated (an existing company)."), (201, "Company", "Created (no company had this external id).")])).audited("company.upserted"),
        ],
    },
    Route {
        path: "/v1/companies/{id}/customers",
        access: Token,
        tag: "Companies",
        ops: &[
            op!(Get, companies::customers, Doc::new("listCompanyCustomers", "List a company's customers.")
                .query(openapi::params::list_company_customers)
                .ok(&[(200, "CustomerList", "A page, or `{count}` with `count_only=true`.")])),
        ],
    },
    Route {
        path: "/v1/customers",
        access: Token,
        tag: "Customers",
        ops: &[
            op!(Get, customers::list, Doc::new("listCustomers", "List customers.")
                .query(openapi::params::list_customers)
                .ok(&[(200, "CustomerList", "A page, or `{count}` with `count_only=true`.")])),
            op!(Post, customers::create, Doc::new("createCustomer", "Create a customer.")
                .describe("A taken `external_id`, or a `company` that is not in the workspace, is a 422.")
                .body("CustomerWrite")
                .storage_quota()
                .ok(&[(201, "Customer", "Created.")])).audited("customer.created"),
        ],
    },
    Route {
        path: "/v1/customers/{id}",
        access: Token,
        tag: "Customers",
        ops: &[
            op!(Get, customers::get, Doc::new("getCustomer", "Get a customer.")
                .ok(&[(200, "Customer", "The customer.")])),
            op!(Patch, customers::update, Doc::new("updateCustomer", "Update a customer.")
                .describe("Fields left out keep their values; `traits` merge.")
                .body("CustomerWrite")
                .ok(&[(200, "Customer", "The customer.")])).audited("customer.updated"),
            op!(Delete, customers::delete, Doc::new("deleteCustomer", "Delete a customer.")
                .ok(&[(204, "", "Deleted, with the customer's conversations and their messages.")])).audited("customer.deleted"),
        ],
    },
    Route {
        path: "/v1/customers/by-external-id/{external_id}",
        access: Token,
        tag: "Customers",
        ops: &[
            op!(Get, customers::get_by_external_id, Doc::new("getCustomerByExternalId", "Get a customer by your external id.")
                .ok(&[(200, "Customer", "The customer.")])),
            op!(Put, customers::upsert, Doc::new("upsertCustomer", "Create or update a customer by your external id.")
                .describe("Updates the customer with this external id (fields left out keep their values) or creates it. An `external_id` in the body must equal the path's (else 422).")
                .body("CustomerWrite")
                .storage_quota()
                .ok(&[(200, "Customer", "Updated (an existing customer)."), (201, "Customer", "Created (no customer had this external id).")])).audited("customer.upserted"),
        ],
    },
    Route {
        path: "/v1/members",
        access: Token,
        tag: "Members",
        ops: &[
            op!(Get, members::list, Doc::new("listMembers", "List members.")
                .query(openapi::params::list_members)
                .ok(&[(200, "MemberList", "A page, or `{count}` with `count_only=true`.")])),
            op!(Post, members::create, Doc::new("createMember", "Add a member.")
                .body("MemberWrite")
                .ok(&[(201, "Member", "Created.")])).audited("member.created"),
        ],
    },
    Route {
        path: "/v1/members/{id}",
        access: Token,
        tag: "Members",
        ops: &[
            op!(Get, members::get, Doc::new("getMember", "Get a member.")
                .ok(&[(200, "Member", "The member.")])),
            op!(Patch, members::update, Doc::new("updateMember", "Update a member.")
                .body("MemberWrite")
                .ok(&[(200, "Member", "The member.")])).audited("member.updated"),
            op!(Delete, members::delete, Doc::new("deleteMember", "Remove a member.")
                .ok(&[(204, "", "Removed. Their conversations become unassigned; their messages and notes stay.")])).audited("member.deleted"),
        ],
    },
    Route {
        path: "/v1/conversations",
        access: Token,
        tag: "Conversations",
        ops: &[
            op!(Get, conversations::list, Doc::new("listConversations", "List conversations.")
                .describe("Every filter is answered from an index that starts with the workspace. Ids of another workspace match nothing.")
                .query(openapi::params::list_conversations)
                .ok(&[(200, "ConversationList", "A page, or `{count}` with `count_only=true`.")])),
            op!(Post, conversations::create, Doc::new("createConversation", "Start a conversation.")
                .describe("With an optional first message (same transaction) and initial assignee. Checks: 422 (fields; a `customer` not in the workspace), then the assignee (400 INVALID_ASSIGNEE_TYPE / INVALID_ASSIGNEE) and the sender (400 INVALID_SENDER).")
                .body("ConversationCreate")
                .storage_quota()
                .ok(&[(201, "Conversation", "Created.")])
                .errors(&[(400, "ConversationRefused")])).audited("conversation.created"),
        ],
    },
    Route {
        path: "/v1/conversations/{id}",
        access: Token,
        tag: "Conversations",
        ops: &[
            op!(Get, conversations::get, Doc::new("getConversation", "Get a conversation.")
                .ok(&[(200, "Conversation", "The conversation.")])),
            op!(Patch, conversations::update, Doc::new("updateConversation", "Update a conversation's subject, priority or tags.")
                .body("ConversationUpdate")
                .ok(&[(200, "Conversation", "The conversation.")])).audited("conversation.updated"),
            op!(Delete, conversations::delete, Doc::new("deleteConversation", "Delete a conversation.")
                .ok(&[(204, "", "Deleted, with its messages and notes.")])).audited("conversation.deleted"),
        ],
    },
    Route {
        path: "/v1/conversations/{id}/open",
        access: Token,
        tag: "Conversations",
        ops: &[
            op!(Post, conversations::open, Doc::new("openConversation", "Open (or re-open) a conversation.")
                .describe("Lifecycle: `open` → `pending` / `snoozed` / `closed` and back, any to any. A change stamps `status_changed_at` (and `updated_at`); `closed_at` is set while closed, `snoozed_until` while snoozed. Setting the status a conversation already has changes nothing. A customer's message re-opens a snoozed or closed conversation. No body is needed.")
                .ok(&[(200, "Conversation", "The conversation.")])).audited("conversation.opened"),
        ],
    },
    Route {
        path: "/v1/conversations/{id}/pending",
        access: Token,
        tag: "Conversations",
        ops: &[
            op!(Post, conversations::pending, Doc::new("pendingConversation", "Mark a conversation pending.")
                .describe("Lifecycle: `open` → `pending` / `snoozed` / `closed` and back, any to any. A change stamps `status_changed_at` (and `updated_at`); `closed_at` is set while closed, `snoozed_until` while snoozed. Setting the status a conversation already has changes nothing. A customer's message re-opens a snoozed or closed conversation. No body is needed.")
                .ok(&[(200, "Conversation", "The conversation.")])).audited("conversation.pending"),
        ],
    },
    Route {
        path: "/v1/conversations/{id}/close",
        access: Token,
        tag: "Conversations",
        ops: &[
            op!(Post, conversations::close, Doc::new("closeConversation", "Close a conversation.")
                .describe("Lifecycle: `open` → `pending` / `snoozed` / `closed` and back, any to any. A change stamps `status_changed_at` (and `updated_at`); `closed_at` is set while closed, `snoozed_until` while snoozed. Setting the status a conversation already has changes nothing. A customer's message re-opens a snoozed or closed conversation. No body is needed.")
                .ok(&[(200, "Conversation", "The conversation.")])).audited("conversation.closed"),
        ],
    },
    Route {
        path: "/v1/conversations/{id}/snooze",
        access: Token,
        tag: "Conversations",
        ops: &[
            op!(Post, conversations::snooze, Doc::new("snoozeConversation", "Snooze a conversation until a time.")
                .describe("Lifecycle: `open` → `pending` / `snoozed` / `closed` and back, any to any. A change stamps `status_changed_at` (and `updated_at`); `closed_at` is set while closed, `snoozed_until` while snoozed. Setting the status a conversation already has changes nothing. A customer's message re-opens a snoozed or closed conversation.")
                .body("Snooze")
                .ok(&[(200, "Conversation", "The conversation.")])).audited("conversation.snoozed"),
        ],
    },
    Route {
        path: "/v1/conversations/{id}/assign",
        access: Token,
        tag: "Conversations",
        ops: &[
            op!(Post, conversations::assign, Doc::new("assignConversation", "Assign a conversation to an AI agent or a member, or unassign it.")
                .describe("Checks in order: JSON (400), fields (422), the conversation (404), the type rules (400 INVALID_ASSIGNEE_TYPE), the assignee (400 INVALID_ASSIGNEE). See the `Assign` schema for the rules.")
                .body("Assign")
                .ok(&[(200, "Conversation", "The conversation.")])
                .errors(&[(400, "AssignmentRefused")])).audited("conversation.assigned"),
        ],
    },
    Route {
        path: "/v1/conversations/{id}/messages",
        access: Token,
        tag: "Conversations",
        ops: &[
            op!(Get, conversations::list_messages, Doc::new("listMessages", "List a conversation's messages (oldest first; notes excluded).")
                .query(openapi::params::list_messages)
                .ok(&[(200, "MessageList", "A page, or `{count}` with `count_only=true`.")])),
            op!(Post, conversations::add_message, Doc::new("addMessage", "Add a message to a conversation.")
                .describe("The message and the conversation's `last_message_at`/`message_count` are written in one transaction; a customer's message re-opens a snoozed or closed conversation.")
                .body("MessageCreate")
                .storage_quota()
                .ok(&[(201, "Message", "The message.")])
                .errors(&[(400, "SenderRefused")])).audited("message.created"),
        ],
    },
    Route {
        path: "/v1/conversations/{id}/notes",
        access: Token,
        tag: "Conversations",
        ops: &[
            op!(Get, conversations::list_notes, Doc::new("listNotes", "List a conversation's internal notes (oldest first).")
                .query(openapi::params::list_messages)
                .ok(&[(200, "MessageList", "A page, or `{count}` with `count_only=true`.")])),
            op!(Post, conversations::add_note, Doc::new("addNote", "Add an internal note (never customer-visible).")
                .describe("Written by a member or an AI agent; counts in `note_count`, never in `last_message_at`.")
                .body("NoteCreate")
                .storage_quota()
                .ok(&[(201, "Message", "The note.")])
                .errors(&[(400, "SenderRefused")])).audited("note.created"),
        ],
    },
    Route {
        path: "/v1/webhooks",
        access: Token,
        tag: "Webhooks",
        ops: &[
            op!(Get, webhooks::list, Doc::new("listWebhooks", "The workspace's webhook subscriptions.")
                .query(openapi::params::list_webhooks)
                .ok(&[(200, "WebhookList", "`{data,start,end,count}`.")])),
            op!(Post, webhooks::create, Doc::new("createWebhook", "Subscribe a URL to events; the signing secret is shown in this response only.")
                .body("WebhookCreate")
                .storage_quota()
                .ok(&[(201, "WebhookWithSecret", "Created, with `secret`.")])).audited("webhook.created"),
        ],
    },
    Route {
        path: "/v1/webhooks/{id}",
        access: Token,
        tag: "Webhooks",
        ops: &[
            op!(Get, webhooks::get, Doc::new("getWebhook", "One subscription (never its secret).")
                .ok(&[(200, "Webhook", "The subscription.")])),
            op!(Patch, webhooks::update, Doc::new("updateWebhook", "Change url, events, description or enabled.")
                .body("WebhookUpdate")
                .ok(&[(200, "Webhook", "The subscription.")])).audited("webhook.updated"),
            op!(Delete, webhooks::delete, Doc::new("deleteWebhook", "Delete a subscription and its delivery log.")
                .ok(&[(204, "", "Deleted.")])).audited("webhook.deleted"),
        ],
    },
    Route {
        path: "/v1/webhooks/{id}/rotate-secret",
        access: Token,
        tag: "Webhooks",
        ops: &[
            op!(Post, webhooks::rotate_secret, Doc::new("rotateWebhookSecret", "A new secret; the old one keeps signing alongside it for 24 hours.")
                .ok(&[(200, "WebhookWithSecret", "The subscription with its new `secret`.")])).audited("webhook.secret_rotated"),
        ],
    },
    Route {
        path: "/v1/webhooks/{id}/test",
        access: Token,
        tag: "Webhooks",
        ops: &[
            op!(Post, webhooks::test, Doc::new("testWebhook", "Send a `webhook.test` event now; answers the delivery with its first attempt.")
                .ok(&[(200, "Delivery", "The delivery.")]),
                limited = "webhook_test").audited("webhook.tested"),
        ],
    },
    Route {
        path: "/v1/webhooks/{id}/deliveries",
        access: Token,
        tag: "Webhooks",
        ops: &[
            op!(Get, webhooks::deliveries, Doc::new("listDeliveries", "The delivery log: status, attempts with time, response status, duration and the first 1 KB of the answer.")
                .query(openapi::params::list_deliveries)
                .ok(&[(200, "DeliveryList", "`{data,start,end,count}`.")])),
        ],
    },
    Route {
        path: "/v1/webhooks/{id}/deliveries/{delivery_id}",
        access: Token,
        tag: "Webhooks",
        ops: &[op!(Get, webhooks::delivery, Doc::new("getDelivery", "One delivery of a subscription, with its attempts.")
            .ok(&[(200, "Delivery", "The delivery.")]))],
    },
    Route {
        path: "/v1/webhooks/{id}/deliveries/{delivery_id}/retry",
        access: Token,
        tag: "Webhooks",
        ops: &[
            op!(Post, webhooks::retry, Doc::new("retryDelivery", "Re-send one delivery now, whatever its status.")
                .ok(&[(200, "Delivery", "The delivery with the new attempt.")]),
                limited = "webhook_retry").audited("delivery.retried"),
        ],
    },
    Route {
        path: "/v1/webhooks/{id}/replay",
        access: Token,
        tag: "Webhooks",
        ops: &[
            op!(Post, webhooks::replay, Doc::new("replayWebhook", "Re-send the subscription's events of a time window (at most 100 per call) as new deliveries.")
                .body("ReplayRequest")
                .ok(&[(202, "ReplayResult", "Queued.")]),
                limited = "webhook_replay").audited("webhook.replayed"),
        ],
    },
    Route {
        path: "/v1/audit-logs",
        access: Token,
        tag: "Workspace",
        ops: &[
            op!(Get, audit::list, Doc::new("listAuditLogs", "Who changed what in this workspace, newest first: one entry per write (`/v1` and the operator API), and per refused request of its tokens.")
                .describe("Entries are kept 90 days on the free plan, 365 days on pro and enterprise. Cursor pagination: `starting_after` the last id of a page gives the next (older) page; `ending_before` the first id gives the previous one. A cursor naming no entry of the workspace is a 422.")
                .query(openapi::params::list_audit_logs)
                .ok(&[(200, "AuditLogList", "`{data, has_more}`.")])),
        ],
    },
    Route {
        path: "/v1/events",
        access: Token,
        tag: "Webhooks",
        ops: &[
            op!(Get, webhooks::list_events, Doc::new("listEvents", "Events of the last 30 days.")
                .query(openapi::params::list_events)
                .ok(&[(200, "EventList", "`{data,start,end,count}`.")])),
        ],
    },
    Route {
        path: "/v1/events/{id}",
        access: Token,
        tag: "Webhooks",
        ops: &[
            op!(Get, webhooks::get_event, Doc::new("getEvent", "One event, as delivered.")
                .ok(&[(200, "Event", "The event.")])),
        ],
    },
    Route {
        path: "/v1/widget-keys",
        access: Token,
        tag: "Widget",
        ops: &[
            op!(Get, widget::list_keys, Doc::new("listWidgetKeys", "The workspace's publishable widget keys.")
                .query(openapi::params::list_widget_keys)
                .ok(&[(200, "WidgetKeyList", "`{data,start,end,count}`.")])),
            op!(Post, widget::create_key, Doc::new("createWidgetKey", "Create a publishable key for a website widget; its signing secret is shown in this response only.")
                .describe("The key (`weav_pk_...`) is public: it goes in the page and may be read again. The `signing_secret` (`whsec_...`) stays on your server: it signs `user_hash` (hex HMAC-SHA256 of the user id) and `user_jwt` (HS256), both with the whole secret string as UTF-8 bytes.")
                .body("WidgetKeyCreate")
                .storage_quota()
                .ok(&[(201, "WidgetKeyWithSecret", "Created, with `signing_secret`.")])).audited("widget_key.created"),
        ],
    },
    Route {
        path: "/v1/widget-keys/{id}",
        access: Token,
        tag: "Widget",
        ops: &[
            op!(Get, widget::get_key, Doc::new("getWidgetKey", "One publishable widget key (never its secret).")
                .ok(&[(200, "WidgetKey", "The key.")])),
            op!(Patch, widget::update_key, Doc::new("updateWidgetKey", "Change a key's origins, agent, verification, name or rate limits.")
                .body("WidgetKeyUpdate")
                .ok(&[(200, "WidgetKey", "The key.")])).audited("widget_key.updated"),
            op!(Delete, widget::delete_key, Doc::new("deleteWidgetKey", "Delete a key; its sessions end at once.")
                .ok(&[(204, "", "Deleted.")])).audited("widget_key.deleted"),
        ],
    },
    Route {
        path: "/v1/widget/{key}/config",
        access: WidgetKey,
        tag: "Widget",
        ops: &[
            op!(Get, widget::config, Doc::new("getWidgetConfig", "What the widget shows: its agent's name and picture.")
                .ok(&[(200, "WidgetConfig", "The configuration.")])),
        ],
    },
    Route {
        path: "/v1/widget/{key}/sessions",
        access: WidgetKey,
        tag: "Widget",
        ops: &[
            op!(Post, widget::create_session, Doc::new("createWidgetSession", "Open (or renew) an end user's session: anonymous, or vouched for by your server.")
                .describe("Send nothing (a new visitor), `visitor_id` (the same visitor again), `user_jwt` (HS256, `sub` = your user id, `exp` at most 24 h ahead, optional `email` and `name`), or `user_id` with `user_hash`. The customer with that `external_id` is found or created; a signed user is marked `traits.identity_verified`. With `identity_verification: required` anything unsigned, and any failed verification, is 401. A session lasts an hour and is bound to this key, this origin and that customer.")
                .optional_body("WidgetSessionCreate")
                .ok(&[(201, "WidgetSession", "The session.")])).audited("widget_session.created"),
        ],
    },
    Route {
        path: "/v1/widget/{key}/conversations",
        access: WidgetSession,
        tag: "Widget",
        ops: &[
            op!(Get, widget::list_conversations, Doc::new("listWidgetConversations", "The session customer's conversations.")
                .query(openapi::params::list_widget_conversations)
                .ok(&[(200, "WidgetConversationList", "A page.")])),
            op!(Post, widget::create_conversation, Doc::new("createWidgetConversation", "Start a chat conversation, optionally with a first message.")
                .optional_body("WidgetConversationCreate")
                .ok(&[(201, "WidgetConversation", "Created.")])).audited("conversation.created"),
        ],
    },
    Route {
        path: "/v1/widget/{key}/conversations/{id}",
        access: WidgetSession,
        tag: "Widget",
        ops: &[
            op!(Get, widget::get_conversation, Doc::new("getWidgetConversation", "One of the session customer's conversations (another's is 404).")
                .ok(&[(200, "WidgetConversation", "The conversation.")])),
        ],
    },
    Route {
        path: "/v1/widget/{key}/conversations/{id}/messages",
        access: WidgetSession,
        tag: "Widget",
        ops: &[
            op!(Get, widget::list_messages, Doc::new("listWidgetMessages", "The conversation's messages, oldest first (never notes).")
                .query(openapi::params::list_widget_messages)
                .ok(&[(200, "WidgetMessageList", "A page.")])),
            op!(Post, widget::add_message, Doc::new("addWidgetMessage", "Post a customer message.")
                .body("WidgetMessageCreate")
                .ok(&[(201, "WidgetMessage", "The message.")])).audited("message.created"),
        ],
    },
    Route {
        path: "/v1/widget/{key}/knowledge/search",
        access: WidgetSession,
        tag: "Widget",
        ops: &[
            op!(Get, widget::search, Doc::new("searchWidgetKnowledge", "Search the widget agent's knowledge; citations carry only titles and URLs.")
                .query(openapi::params::search_widget_knowledge)
                .ok(&[(200, "WidgetSearchResult", "The hits.")])),
        ],
    },
];

/// The seeds' literal paths, served as aliases of the `/v1` routes (CONTRACT.md, Paths).
pub static ALIASES: &[(&str, &str)] = &[
    ("/api/agents", "/v1/agents"),
    ("/api/agents/{agent}", "/v1/agents/{agent}"),
    ("/api/agents/{agent}/trash", "/v1/agents/{agent}/trash"),
    ("/api/agents/{agent}/restore", "/v1/agents/{agent}/restore"),
    ("/api/agents/{agent}/functions", "/v1/agents/{agent}/functions"),
    ("/api/agents/{agent}/functions/{name}", "/v1/agents/{agent}/functions/{name}"),
    ("/api/v1/actions/execute", "/v1/actions/execute"),
];

/// The router's value: the route, and whether it was reached by a seed alias.
fn router() -> &'static matchit::Router<(usize, bool)> {
    static ROUTER: OnceLock<matchit::Router<(usize, bool)>> = OnceLock::new();
    ROUTER.get_or_init(|| {
        let mut r = matchit::Router::new();
        for (i, route) in ROUTES.iter().enumerate() {
            // ok: the table is static and checked by the unit test below; a conflict is a
            // programming error caught before deploy, never caller input.
            r.insert(route.path, (i, false)).expect("route table conflict"); // ok: static table, unit-tested
        }
        for (alias, canonical) in ALIASES {
            if let Some(i) = ROUTES.iter().position(|r| r.path == *canonical) {
                // ok: as above, static and unit-tested.
                r.insert(*alias, (i, true)).expect("alias conflict"); // ok: static table, unit-tested
            }
        }
        r
    })
}

/// A matched request path.
pub struct Found {
    pub route: &'static Route,
    /// Path parameters (percent-decoded) in route order, e.g. `[("id", "12")]`.
    pub params: Vec<(String, String)>,
    /// Reached by one of the seeds' literal paths (`/api/...`).
    pub seed_path: bool,
}

/// The route for a path, or `None` for a 404.
pub fn find(path: &str) -> Option<Found> {
    let m = router().at(path).ok()?;
    let params = m.params.iter().map(|(k, v)| (k.to_string(), percent_decode(v))).collect();
    let (i, seed_path) = *m.value;
    Some(Found { route: &ROUTES[i], params, seed_path })
}

/// Decodes `%XX` escapes in a path segment; invalid escapes are kept as they are.
pub fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_builds_and_matches() {
        let f = find("/admin/v1/workspaces/7/tokens/9").unwrap();
        assert_eq!(f.route.path, "/admin/v1/workspaces/{id}/tokens/{token_id}");
        assert_eq!(f.params, vec![("id".to_string(), "7".to_string()), ("token_id".to_string(), "9".to_string())]);
        assert!(!f.seed_path);
        assert!(find("/v1/nope").is_none());
        assert!(find("/v1/health/").is_none());
    }

    #[test]
    fn aliases_point_at_existing_routes() {
        for (alias, canonical) in ALIASES {
            assert!(ROUTES.iter().any(|r| r.path == *canonical), "{alias} -> {canonical}");
            let f = find(&alias.replace("{agent}", "tweety").replace("{name}", "get_joke")).unwrap();
            assert_eq!(f.route.path, *canonical);
            assert!(f.seed_path);
            assert!(f.params.is_empty() || f.params[0].1 == "tweety");
        }
    }

    #[test]
    fn allow_lists_head_with_get_and_unknown_methods_match_nothing() {
        let f = find("/admin/v1/workspaces/1").unwrap();
        assert_eq!(f.route.allow(), vec!["GET", "HEAD", "PATCH"]);
        assert!(f.route.op(Verb::Head).is_some_and(|op| op.method == Verb::Get));
        for m in ["QUERY", "TRACE", "CONNECT", "OPTIONS", "get", "FOO"] {
            assert_eq!(Verb::parse(m), Verb::Other, "{m}");
            assert!(f.route.op(Verb::parse(m)).is_none(), "{m}");
        }
    }

    #[test]
    fn every_operation_is_declared_once() {
        let mut seen = std::collections::BTreeSet::new();
        for route in ROUTES {
            for op in route.ops {
                assert!(seen.insert((route.path, op.method.name())), "{} {} twice", op.method.name(), route.path);
                assert!(seen.insert(("id", op.doc.id)), "operationId {} twice", op.doc.id);
            }
        }
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("tweety%20bird"), "tweety bird");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%C3%A5"), "å");
    }
}
