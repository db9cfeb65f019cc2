//! The request path, written once: request id → route → auth → body limit →
//! idempotency key (POST) → handler (`routes::ROUTES`) → error mapping. Handlers only see a `Ctx` and return `ApiResult<Reply>`.

pub mod actions;
pub mod admin;
pub mod agents;
pub mod audit;
pub mod auth;
pub mod blobs;
pub mod body;
pub mod companies;
pub mod connections;
pub mod conversations;
pub mod customers;
pub mod error;
pub mod functions;
pub mod health;
pub mod idempotency;
pub mod limits;
pub mod mcp;
pub mod members;
pub mod openapi;
pub mod operator_keys;
pub mod records;
pub mod reply;
pub mod request;
pub mod routes;
pub mod training;
pub mod webhooks;
pub mod widget;
pub mod workspace;

use auth::Caller;
use error::{ApiError, ApiResult};
pub use reply::{Body, Reply};
pub use request::Inbound;
use routes::{Access, Verb};
use serde::Serialize;
use serde_json::Value;
use worker::Env;

/// Bodies larger than this are refused with 413 (CONTRACT.md, Errors).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Everything a handler needs about the request it serves.
pub struct Ctx {
    pub env: Env,
    pub req: Inbound,
    pub request_id: String,
    /// Path parameters in route order, e.g. `[("id", "12")]`.
    pub params: Vec<(String, String)>,
    /// Reached by one of the seeds' literal paths (`/api/...`): the only place the seed's
    /// single-quoted JSON bodies are read.
    pub seed_path: bool,
    /// The token's workspace and abilities; `None` on public and operator routes.
    pub caller: Option<Caller>,
    /// The body, when the request path read it already (to fingerprint a request with an
    /// `Idempotency-Key`); `body::json_object` takes it before reading the request.
    pub body: Option<Vec<u8>>,
    /// The audit entry this write leaves (`audit`); `None` on reads and public routes.
    pub audit: Option<audit::Pending>,
    /// The widget key and session a widget route was let in with (`widget::serve`).
    pub widget: Option<widget::Widget>,
    /// The answer is a refusal although its status is 2xx (a JSON-RPC error or refused
    /// tool call of the MCP endpoint): an `Idempotency-Key` is released, as for a 4xx.
    pub refused: bool,
}

impl Ctx {
    pub fn param(&self, name: &str) -> &str {
        self.params.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    /// The request's query string (without `?`), empty when there is none.
    pub fn query(&self) -> &str {
        self.req.query()
    }

    /// `scheme://host[:port]` of the request: absolute URLs (blob links) are built on it.
    pub fn origin(&self) -> &str {
        self.req.origin()
    }

    /// A boolean query flag such as `?trashed=true`: absent is false; present, it must be
    /// `true` or `false` (422 otherwise).
    pub fn flag(&self, name: &str) -> ApiResult<bool> {
        let q = self.query();
        match url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == name) {
            None => Ok(false),
            Some((_, v)) => crate::domain::listing::parse_bool(&v)
                .ok_or_else(|| ApiError::validation(name, format!("The {name} field must be true or false."))),
        }
    }

    /// The authenticated caller. Routes with `Access::Token` always have one.
    pub fn caller(&self) -> ApiResult<&Caller> {
        self.caller.as_ref().ok_or(ApiError::Unauthenticated)
    }
}

/// Serves one request; every failure is already an `ApiError` answer by then. A panic is
/// the JS entry's to answer (`js/entry.mjs`): a JSON 500 all the same.
pub async fn handle(req: Inbound, env: Env) -> wasm_bindgen::JsValue {
    let request_id = request_id(&req);
    let is_head = req.method() == Verb::Head;
    let mut reply = match serve(req, env, &request_id).await {
        Ok(reply) => reply,
        Err(err) => error_response(err, &request_id),
    };
    reply.set_header("X-Request-Id", request_id.clone());
    reply.into_js(is_head, &request_id, |e| error_response(e, &request_id))
}

async fn serve(req: Inbound, env: Env, request_id: &str) -> ApiResult<Reply> {
    let method = req.method();
    let found = routes::find(req.path()).ok_or_else(ApiError::not_found)?;
    let route = found.route;
    // Widget routes have their own path: origin, session, their own rate windows, CORS.
    if matches!(route.access, Access::WidgetKey | Access::WidgetSession) {
        return widget::serve(route, found.params, req, env, request_id).await;
    }
    // A public deployment can switch the operator API off: it is then not there, for any
    // method (a 405 with `Allow` would tell the route exists).
    if route.access == Access::Admin && crate::platform::var(&env, "ADMIN_API_ENABLED", "true") == "false" {
        return Err(ApiError::not_found());
    }
    let op = route.op(method).ok_or_else(|| ApiError::MethodNotAllowed(route.allow()))?;
    // A JSON-RPC route needs read to be reached; its handler checks the rest per method.
    let needs = if op.abilities_by_body { Verb::Get } else { method };

    let (caller, actor) = match route.access {
        Access::Public => (None, None),
        Access::Admin => {
            let actor = auth::admin(&req, &env).await?;
            (None, Some(actor))
        }
        // Handed to `widget::serve` above.
        Access::WidgetKey | Access::WidgetSession => return Err(ApiError::not_found()),
        Access::Token => match auth::authenticate(&req, &env, needs).await {
            Ok(c) => {
                let actor = audit::Actor::Token { id: c.token_id };
                (Some(c), Some(actor))
            }
            Err(refused) => {
                if let Some(who) = &refused.known {
                    let status = if matches!(refused.error, ApiError::MissingAbility(_)) { 403 } else { 401 };
                    audit::refused(&env, &req, request_id, who, status).await;
                }
                return Err(refused.error);
            }
        },
    };
    // Execute answers its 413 itself, in the actions family and with the rate-limit
    // headers that every execute response carries (CONTRACT.md, Actions).
    if !method.is_read() && !op.actions_family {
        body::check_declared_length(&req)?;
    }
    let mut cx = Ctx {
        env,
        req,
        request_id: request_id.to_string(),
        params: found.params,
        seed_path: found.seed_path,
        caller,
        body: None,
        audit: None,
        widget: None,
        refused: false,
    };
    if let (Some(action), Some(actor)) = (op.audit, actor) {
        cx.audit =
            Some(audit::Pending::new(action, audit_workspace(&cx), actor, cx.params.last().map(|(_, v)| v.clone())));
    }
    // Every POST of a token route may carry an Idempotency-Key; without one, nothing extra.
    if method == Verb::Post && route.access == Access::Token {
        if let Some(key) = idempotency::key(&cx.req, op)? {
            return idempotency::run(op, route, &mut cx, key).await;
        }
    }
    call(op, &mut cx).await
}

/// Runs an operation's handler; an operation that calls out takes its rate-limit slot
/// first, and every answer it gives (errors too) carries the limit's headers.
/// Then the audit entry the handler did not write in its own batch is written.
pub async fn call(op: &routes::Op, cx: &mut Ctx) -> ApiResult<Reply> {
    let result = match op.limit {
        None => (op.handler)(cx).await,
        Some(kind) => {
            let headers = limits::take(cx, kind).await?;
            let mut reply = match (op.handler)(cx).await {
                Ok(reply) => reply,
                Err(e) => error_response(e, &cx.request_id),
            };
            for (name, value) in headers {
                reply.set_header(name, value);
            }
            Ok(reply)
        }
    };
    if let Ok(reply) = &result {
        audit::finish(cx, reply.status()).await;
    }
    result
}

/// The workspace an entry belongs to: the token's, or on the operator API the one its
/// path names (`/admin/v1/workspaces/{id}/...`); `None` for operator actions on none.
fn audit_workspace(cx: &Ctx) -> Option<i64> {
    match &cx.caller {
        Some(c) => Some(c.workspace_id),
        None if cx.req.path().starts_with("/admin/v1/workspaces/") => cx.param("id").parse().ok(),
        None => None,
    }
}

/// The caller's `X-Request-Id` when it is 1–128 visible ASCII characters, else a new one.
fn request_id(req: &Inbound) -> String {
    if let Ok(Some(id)) = req.headers().get("X-Request-Id") {
        if !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return id;
        }
    }
    format!("req_{}", crate::domain::token::hex(&crate::platform::request_id_bits()))
}

pub fn error_response(err: ApiError, request_id: &str) -> Reply {
    let (status, mut body, headers) = err.body();
    if let Some(obj) = body.as_object_mut() {
        obj.insert("request_id".into(), Value::String(request_id.to_string()));
    }
    let mut reply = json_reply(status, &body);
    for (name, value) in headers {
        reply.set_header(name, value);
    }
    reply
}

/// A JSON answer serialised from `value` (serde_json cannot fail on our values; if it
/// did, the body would be empty rather than the worker down).
pub fn json_reply<T: Serialize>(status: u16, value: &T) -> Reply {
    Reply::json(status, Body::Bytes(serde_json::to_vec(value).unwrap_or_default()))
}

/// A response whose JSON text was built already (by SQLite's `json_object`, say).
pub fn raw_json(status: u16, body: String) -> ApiResult<Reply> {
    Ok(Reply::json(status, Body::Bytes(body.into_bytes())))
}

/// A JSON text that is still a JS string (read from D1): it never enters wasm memory.
pub fn js_json(status: u16, body: wasm_bindgen::JsValue) -> ApiResult<Reply> {
    Ok(Reply::json(status, Body::Js(body)))
}

pub fn json<T: Serialize>(status: u16, value: &T) -> ApiResult<Reply> {
    Ok(json_reply(status, value))
}

/// 204 No Content.
pub fn no_content() -> ApiResult<Reply> {
    Ok(Reply::empty(204))
}
