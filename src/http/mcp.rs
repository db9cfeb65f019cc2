//! The MCP server (Streamable HTTP, JSON answers): `POST /v1/mcp` serves the workspace's
//! piece actions and its agents' functions as tools, `POST /v1/agents/{agent}/mcp` one
//! agent's functions. Stateless: no session id is issued, every request stands alone.
//!
//! The route's auth (a token with read) runs first and answers in the standard family;
//! from here on every answer is JSON-RPC. Order: `Origin` → body (-32700 / -32600) → era
//! and the stateless revision's headers (`domain::mcp::era`) → the method. `tools/call`
//! runs the same code as `POST /v1/actions/execute` (`actions::execute_parsed`) or
//! function invoke (`limits::take` + `functions::invoke_with`): a refusal of theirs is a
//! tool result with `isError` and the refusal's code in its text, not a JSON-RPC error.
//!
//! Audit: the route's entry is dropped for every method but `tools/call`, which leaves
//! the entry execute or invoke leaves (`action.executed`, `function.invoked`).
//! Idempotency: a refusal answered with 200 (a refused call, a legacy JSON-RPC error)
//! sets `Ctx::refused`, so its key is released as a 4xx's would be.

use super::agents::find_live;
use super::error::{ApiError, ApiResult};
use super::{actions, body, functions, json_reply, limits, Ctx, Reply};
use crate::domain::action_input::ExecuteRequest;
use crate::domain::mcp::{self as rules, Era, Headers, Message, RpcError};
use crate::domain::workspace;
use crate::pieces::PIECES;
use crate::store::{connections, functions as fn_store};
use futures_util::future::join;
use serde_json::{json, Map, Value};

/// Which tools an endpoint serves.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The pieces and every live agent's functions (`{uid}__{function}`).
    Workspace,
    /// The path's agent's functions (`{function}`).
    Agent,
}

/// `POST /v1/mcp`.
pub async fn post(cx: &mut Ctx) -> ApiResult<Reply> {
    serve(cx, Scope::Workspace).await
}

/// `POST /v1/agents/{agent}/mcp`.
pub async fn post_agent(cx: &mut Ctx) -> ApiResult<Reply> {
    serve(cx, Scope::Agent).await
}

/// A JSON-RPC answer and its HTTP status.
struct Answer {
    status: u16,
    body: Value,
    headers: Vec<(&'static str, String)>,
}

impl Answer {
    fn error(id: Option<&Value>, e: &RpcError, modern: bool) -> Answer {
        Answer { status: e.status(modern), body: e.body(id), headers: Vec::new() }
    }
}

async fn serve(cx: &mut Ctx, scope: Scope) -> ApiResult<Reply> {
    // Only a tools/call leaves an entry, and then execute's or invoke's (see `call_tool`).
    let pending = cx.audit.take();
    if let Some(refused) = origin_refusal(cx) {
        return Ok(refused);
    }
    let bytes = match cx.body.take() {
        Some(b) => b,
        None => body::read(&cx.req).await?,
    };
    let msg = match rules::parse(&bytes) {
        Ok(m) => m,
        Err((id, e)) => return Ok(reply(Answer::error(id.as_ref(), &e, false))),
    };
    let era = match rules::era(&msg, &headers(cx)) {
        Ok(era) => era,
        // The era's own checks are the stateless revision's (or an older one's 400).
        Err(e) => return Ok(reply(Answer::error(msg.id.as_ref(), &e, true))),
    };
    let modern = era == Era::Modern;
    let Some(id) = msg.id.clone() else {
        // A notification (notifications/initialized, cancelled, ...): accepted, nothing to say.
        return Ok(Reply::empty(202));
    };
    let answer = match dispatch(cx, scope, era, &msg, pending).await {
        Ok((mut result, headers)) => {
            if modern {
                result["resultType"] = json!("complete");
                result["_meta"] = json!({ rules::SERVER_INFO_KEY: server_info() });
            }
            Answer { status: 200, body: json!({"jsonrpc": "2.0", "id": id, "result": result}), headers }
        }
        // A legacy client reads a method's error from a 200 answer only.
        Err(e) if !modern => {
            cx.refused = true;
            Answer { status: 200, body: e.body(Some(&id)), headers: Vec::new() }
        }
        Err(e) => Answer::error(Some(&id), &e, true),
    };
    Ok(reply(answer))
}

fn reply(a: Answer) -> Reply {
    let mut r = json_reply(a.status, &a.body);
    for (name, value) in a.headers {
        r.set_header(name, value);
    }
    r
}

fn server_info() -> Value {
    json!({"name": rules::SERVER_NAME, "version": env!("CARGO_PKG_VERSION")})
}

fn header(cx: &Ctx, name: &str) -> Option<String> {
    cx.req.headers().get(name).ok().flatten()
}

fn headers(cx: &Ctx) -> Headers {
    Headers {
        protocol_version: header(cx, "MCP-Protocol-Version"),
        method: header(cx, "Mcp-Method"),
        name: header(cx, "Mcp-Name"),
    }
}

/// A request from a page (it has an `Origin`) is served only for the origins listed in
/// `MCP_ALLOWED_ORIGINS` (none by default): a browser page elsewhere must not drive the
/// workspace's tools with a token it got hold of. 403 with an id-less JSON-RPC error.
fn origin_refusal(cx: &Ctx) -> Option<Reply> {
    let origin = header(cx, "Origin")?;
    let allowed = crate::platform::var(&cx.env, "MCP_ALLOWED_ORIGINS", "");
    if allowed.split(',').map(str::trim).any(|a| !a.is_empty() && a.eq_ignore_ascii_case(&origin)) {
        return None;
    }
    let e = RpcError::new(rules::INVALID_REQUEST, format!("Origin '{origin}' is not allowed."));
    Some(json_reply(403, &e.body(None)))
}

type Rpc = Result<(Value, Vec<(&'static str, String)>), RpcError>;

async fn dispatch(cx: &mut Ctx, scope: Scope, era: Era, msg: &Message, pending: Option<super::audit::Pending>) -> Rpc {
    let p = &msg.params;
    let plain = |v: Value| Ok((v, Vec::new()));
    match (msg.method.as_str(), era) {
        ("initialize", Era::Legacy) => {
            let requested = p.get("protocolVersion").and_then(Value::as_str);
            plain(json!({
                "protocolVersion": rules::negotiate(requested),
                "capabilities": {"tools": {"listChanged": false}},
                "serverInfo": server_info(),
                "instructions": INSTRUCTIONS,
            }))
        }
        // The stateless revision's cacheable results carry caching hints: discovery is the
        // same for everyone; a tool list is the workspace's and may change at any time.
        ("server/discover", _) => plain(cacheable(
            era,
            json!({
                "supportedVersions": rules::SUPPORTED,
                "capabilities": {"tools": {"listChanged": false}},
                "instructions": INSTRUCTIONS,
            }),
            3_600_000,
            "public",
        )),
        // The stateless revision removed ping.
        ("ping", Era::Legacy) => plain(json!({})),
        ("tools/list", _) => {
            let offset = rules::cursor(p)?;
            plain(cacheable(era, rules::page(list_tools(cx, scope).await?, offset), 0, "private"))
        }
        ("tools/call", _) => call_tool(cx, scope, p, pending).await,
        (m, _) => Err(RpcError::new(rules::METHOD_NOT_FOUND, format!("Method not found: {m}"))),
    }
}

fn cacheable(era: Era, mut result: Value, ttl_ms: u64, scope: &str) -> Value {
    if era == Era::Modern {
        result["ttlMs"] = json!(ttl_ms);
        result["cacheScope"] = json!(scope);
    }
    result
}

const INSTRUCTIONS: &str = "Each tool runs one action of the workspace's pieces or calls one of its agents' functions. \
Every call takes a slot of the workspace's rate-limit window; piece actions also count against the monthly quota. \
A refusal (RATE_LIMITED, QUOTA_EXCEEDED, VALIDATION_ERROR, ...) is a tool result with isError and the code first in its text.";

fn internal(e: ApiError) -> RpcError {
    let (status, body, _) = e.body();
    RpcError::new(rules::INTERNAL_ERROR, format!("Internal error: {}", rules::refusal_text(status, &body)))
}

/// The path's agent, for the agent's endpoint; an unknown or trashed one is bad params.
async fn agent(cx: &Ctx) -> Result<crate::store::agents::AgentRef, RpcError> {
    let ws = cx.caller().map_err(internal)?.workspace_id;
    find_live(cx, ws, false).await.map_err(|e| match e.status() {
        404 => RpcError::invalid_params("Agent not found."),
        _ => internal(e),
    })
}

/// Every tool of the endpoint, in a stable order: pieces first, then functions by agent.
async fn list_tools(cx: &Ctx, scope: Scope) -> Result<Vec<Value>, RpcError> {
    let ws = cx.caller().map_err(internal)?.workspace_id;
    let mut tools = Vec::new();
    match scope {
        Scope::Workspace => {
            let (conns, fns) = join(connections::list(&cx.env, ws), fn_store::list_tools(&cx.env, ws, None)).await;
            let conns = conns.map_err(|e| internal(e.into()))?;
            for piece in PIECES {
                let ids: Vec<&str> =
                    conns.iter().filter(|c| c.piece_name == piece.name).map(|c| c.id.as_str()).collect();
                for action in piece.actions {
                    // An action that needs a connection runs only with one of the workspace's.
                    if action.needs_connection && ids.is_empty() {
                        continue;
                    }
                    let mut schema = crate::domain::action_input::schema(action.fields);
                    schema["properties"]["connection_id"] = json!({
                        "type": "string",
                        "enum": ids,
                        "description": format!("The workspace's {} connection to run the action with.", piece.display_name),
                    });
                    if action.needs_connection {
                        if let Some(req) = schema["required"].as_array_mut() {
                            req.push(json!("connection_id"));
                        }
                    } else if let Some(props) = schema["properties"].as_object_mut() {
                        props.remove("connection_id");
                    }
                    tools.push(json!({
                        "name": rules::piece_tool(piece.name, action.name),
                        "title": format!("{}: {}", piece.display_name, action.display_name),
                        "description": action.description,
                        "inputSchema": schema,
                    }));
                }
            }
            for f in fns.map_err(|e| internal(e.into()))? {
                tools.push(function_tool(rules::function_tool(&f.uid, &f.name), &f));
            }
        }
        Scope::Agent => {
            let a = agent(cx).await?;
            let fns = fn_store::list_tools(&cx.env, ws, Some(a.id)).await.map_err(|e| internal(e.into()))?;
            for f in fns {
                tools.push(function_tool(f.name.clone(), &f));
            }
        }
    }
    Ok(tools)
}

fn function_tool(name: String, f: &fn_store::ToolRow) -> Value {
    json!({"name": name, "description": f.description, "inputSchema": rules::input_schema(f.parameters.as_deref())})
}

/// What a tool name stands for.
enum Tool {
    Piece(&'static str, &'static str),
    /// An agent (uid or id, as the path takes it) and a function name.
    Function(String, String),
}

async fn resolve(cx: &Ctx, scope: Scope, name: &str) -> Result<Tool, RpcError> {
    let unknown = || RpcError::invalid_params(format!("Unknown tool: {name}"));
    match scope {
        Scope::Workspace => {
            for piece in PIECES {
                for action in piece.actions {
                    if rules::piece_tool(piece.name, action.name) == name {
                        return Ok(Tool::Piece(piece.name, action.name));
                    }
                }
            }
            // Agent uids and function names may both hold `__`: the store finds the pair.
            let ws = cx.caller().map_err(internal)?.workspace_id;
            match fn_store::find_tool(&cx.env, ws, name).await.map_err(|e| internal(e.into()))? {
                Some((uid, function)) => Ok(Tool::Function(uid, function)),
                None => Err(unknown()),
            }
        }
        Scope::Agent => Ok(Tool::Function(cx.param("agent").to_string(), name.to_string())),
    }
}

async fn call_tool(cx: &mut Ctx, scope: Scope, p: &Map<String, Value>, pending: Option<super::audit::Pending>) -> Rpc {
    let name = p
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::invalid_params("Invalid params: name is required."))?;
    let args = match p.get("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(a)) => a.clone(),
        Some(_) => return Err(RpcError::invalid_params("Invalid params: arguments must be an object.")),
    };
    let caller = cx.caller().map_err(internal)?;
    let ws = caller.workspace_id;
    if !caller.abilities.iter().any(|a| a == workspace::WRITE) {
        return Err(RpcError::new(
            rules::INVALID_REQUEST,
            format!("This token lacks the {} ability, which tools/call needs.", workspace::WRITE),
        ));
    }
    let tool = resolve(cx, scope, name).await?;
    match tool {
        Tool::Piece(piece, action) => {
            cx.audit = pending.map(|p| p.with_action("action.executed"));
            cx.audit_changes(changed_fields(&args).iter());
            let mut input = args;
            let connection_id = match input.remove("connection_id") {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(ApiError::action_invalid("The connection_id must be a string.")),
            };
            let parsed = connection_id.map(|connection_id| ExecuteRequest {
                piece_name: piece.to_string(),
                action_name: action.to_string(),
                input,
                connection_id,
                project_id: None,
            });
            let done = match actions::execute_parsed(cx, parsed).await {
                Ok(done) => done,
                Err(e) => {
                    // Nothing ran: no entry, though a legacy client's error answer is a 200.
                    cx.audit = None;
                    return Err(internal(e));
                }
            };
            let result = match done.result {
                Ok(body) => {
                    let failed = body["success"] != Value::Bool(true);
                    rules::tool_result(body.to_string(), failed)
                }
                Err(e) => {
                    cx.refused = true;
                    refusal(e).0
                }
            };
            Ok((result, done.headers))
        }
        Tool::Function(agent, function) => {
            let headers = match limits::take(cx, "function_invoke").await {
                Ok(h) => h,
                Err(e) => {
                    cx.refused = true;
                    return Ok(refusal(e));
                }
            };
            // invoke_with reads the agent and the function from the path's parameters.
            cx.params.retain(|(k, _)| k != "agent" && k != "name");
            cx.params.push(("agent".into(), agent));
            cx.params.push(("name".into(), function));
            cx.audit = pending.map(|p| p.with_action("function.invoked"));
            cx.audit_changes(changed_fields(&args).iter());
            let result = match functions::invoke_with(cx, ws, Value::Object(args)).await {
                Ok(out) => {
                    let ok = out["status"].as_u64().is_some_and(|s| (200..300).contains(&s));
                    rules::tool_result(out.to_string(), !ok)
                }
                // The path's agent or function is not there (on the agent's endpoint, or
                // trashed or removed since the listing): as for any unknown tool.
                Err(e) if e.status() == 404 => {
                    cx.audit = None;
                    return Err(RpcError::invalid_params(format!("Unknown tool: {name}")));
                }
                Err(e) => {
                    // Invoke writes no entry for a refused call; neither does its tool.
                    cx.audit = None;
                    cx.refused = true;
                    refusal(e).0
                }
            };
            Ok((result, headers))
        }
    }
}

/// The entry's field names: the message's members and the tool's argument names (never
/// their values).
fn changed_fields(args: &Map<String, Value>) -> Vec<String> {
    let members = ["jsonrpc", "id", "method", "params"].into_iter().map(String::from);
    members.chain(args.keys().map(|k| format!("params.arguments.{k}"))).collect()
}

/// A refusal of execute or invoke as a tool result, and the headers it carried (the
/// rate limit's).
fn refusal(e: ApiError) -> (Value, Vec<(&'static str, String)>) {
    let (status, body, headers) = e.body();
    (rules::tool_result(rules::refusal_text(status, &body), true), headers)
}
