//! The website widget. Two halves:
//!
//! - `/v1/widget-keys`: publishable keys, managed with a server token like any other
//!   resource (events, audit entries, a storage quota). The signing secret is shown once
//!   and kept sealed, because verifying a user hash or JWT needs it back.
//! - `/v1/widget/{key}/...`: what a page may do with a key and an end-user session, and
//!   nothing else. These routes have their own request path (`serve`): origin first (403
//!   `ORIGIN_NOT_ALLOWED` without CORS headers), then the session (401), then the key's
//!   and the session's rate windows (separate from the workspace's server limit), then the
//!   handler. Every answer after the origin check carries the CORS headers of that origin.
//!
//! A widget key or session is not an API token: `auth::authenticate` refuses both by
//! their shape (401), and a server token here is refused the same way.

use super::audit::{Actor, Target};
use super::auth::Caller;
use super::error::{write_failed, ApiError, ApiResult};
use super::records::{delete_emitting, listing, path_id, write_emitting, write_emitting_checked, written};
use super::routes::{Access, Route};
use super::{body, error_response, json, no_content, raw_json, Ctx, Inbound, Reply};
use crate::domain::quota::Resource;
use crate::domain::widget::{self as rules, SessionInput};
use crate::domain::{limits, listing as list_params, time, token, webhook};
use crate::platform::{new_id, now_ms, random_bytes, seal};
use crate::store::events::{self, Previous};
use crate::store::quotas::Check;
use crate::store::widget::{self as store, KeyFields, NewSession, SessionCustomer};
use crate::store::{conversations, page};
use serde_json::{json as j, Value};
use worker::Env;

/// What a widget request was let in with: the key's settings and, on session routes,
/// the session.
#[derive(Debug, Clone)]
pub struct Widget {
    pub key_id: i64,
    pub workspace_id: i64,
    pub agent_id: Option<i64>,
    pub origin: String,
    pub identity_verification: String,
    pub session_id: Option<String>,
    pub customer_id: Option<i64>,
}

fn not_found() -> ApiError {
    ApiError::NotFound("Widget key not found.".into())
}

fn conversation_not_found() -> ApiError {
    ApiError::NotFound("Conversation not found.".into())
}

fn origin_not_allowed() -> ApiError {
    ApiError::Standard(403, "ORIGIN_NOT_ALLOWED", "This origin may not use this widget key.".into(), None)
}

// ---- /v1/widget-keys (server token) --------------------------------------------------

async fn agent_id(cx: &Ctx, ws: i64, reference: &str) -> ApiResult<i64> {
    store::live_agent(&cx.env, ws, reference)
        .await?
        .ok_or_else(|| ApiError::validation("agent", "The selected agent is invalid."))
}

pub async fn create_key(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let input = rules::key_input(&map, true)?;
    let agent = agent_id(cx, ws, input.agent.as_deref().unwrap_or_default()).await?;
    let key = token::publishable_key_from_random(&random_bytes::<64>()?)
        .ok_or_else(|| ApiError::Internal("not enough random bytes for a key".into()))?;
    let secret = webhook::new_secret(&random_bytes::<32>()?);
    let sealed = seal(&cx.env, &secret)?;
    let origins = serde_json::to_string(&input.allowed_origins.unwrap_or_default()).unwrap_or_else(|_| "[]".into());
    let fields = KeyFields {
        name: Some(input.name.as_ref().and_then(|n| n.as_deref())),
        agent_id: Some(agent),
        allowed_origins: Some(&origins),
        identity_verification: Some(input.identity_verification.as_deref().unwrap_or("off")),
        rate_limit: Some(input.rate_limit.unwrap_or(rules::KEY_RATE_LIMIT)),
        session_rate_limit: Some(input.session_rate_limit.unwrap_or(rules::SESSION_RATE_LIMIT)),
    };
    let now = time::format_millis(now_ms());
    let stmts = store::create(&cx.env, ws, &key, &sealed, &fields, &now)?;
    let events =
        vec![page::emit(&cx.env, ws, "widget_key.created", "widget_key", store::EVENT_ROW, None, Previous::None)?];
    let checks = [Check::workspace(Resource::WidgetKeys)];
    let created = written(write_emitting_checked(cx, stmts, 1, &[], events, &checks).await?)?;
    let mut v: Value = serde_json::from_str(&created).map_err(|e| ApiError::Internal(e.to_string()))?;
    if let Some(o) = v.as_object_mut() {
        o.insert("signing_secret".into(), Value::String(secret));
    }
    json(201, &v)
}

pub async fn list_keys(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let q = list_params::parse(cx.query(), &store::SORTABLE)?;
    let (items, count) = store::list(&cx.env, ws, &q).await?;
    listing(items, count, &q)
}

pub async fn get_key(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let id = path_id(cx, "id", not_found)?;
    raw_json(200, store::get(&cx.env, ws, id).await?.ok_or_else(not_found)?)
}

pub async fn update_key(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let input = rules::key_input(&map, false)?;
    let id = path_id(cx, "id", not_found)?;
    let before = store::get(&cx.env, ws, id).await?.ok_or_else(not_found)?;
    let agent = match input.agent.as_deref() {
        Some(r) => Some(agent_id(cx, ws, r).await?),
        None => None,
    };
    let origins = input.allowed_origins.as_ref().map(|o| serde_json::to_string(o).unwrap_or_else(|_| "[]".into()));
    let fields = KeyFields {
        name: input.name.as_ref().map(|n| n.as_deref()),
        agent_id: agent,
        allowed_origins: origins.as_deref(),
        identity_verification: input.identity_verification.as_deref(),
        rate_limit: input.rate_limit,
        session_rate_limit: input.session_rate_limit,
    };
    let now = time::format_millis(now_ms());
    let stmts = vec![store::update(&cx.env, ws, id, &fields, &now)?, store::select(&cx.env, ws, id)?];
    let ev = page::emit(
        &cx.env,
        ws,
        "widget_key.updated",
        "widget_key",
        store::EVENT_ROW,
        Some(id),
        Previous::DiffFrom(&before),
    )?;
    raw_json(200, write_emitting(cx, stmts, 1, &[], vec![ev]).await?.ok_or_else(not_found)?)
}

/// Deleting a key ends its sessions at once (they cascade); its visitors' customers and
/// conversations stay.
pub async fn delete_key(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let id = path_id(cx, "id", not_found)?;
    let ev = page::emit(&cx.env, ws, "widget_key.deleted", "widget_key", store::EVENT_ROW, Some(id), Previous::None)?;
    if !delete_emitting(cx, store::delete_statement(&cx.env, ws, id)?, ev).await? {
        return Err(not_found());
    }
    no_content()
}

// ---- the widget's own request path ----------------------------------------------------

/// Headers a page's script may read.
const EXPOSED: &str = "X-Request-Id, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset";

fn bearer(req: &Inbound) -> Option<String> {
    let header = req.headers().get("Authorization").ok()??;
    let (scheme, value) = header.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| value.trim().to_string())
}

fn cors(reply: &mut Reply, origin: &str) {
    reply.set_header("Access-Control-Allow-Origin", origin.to_string());
    reply.set_header("Access-Control-Expose-Headers", EXPOSED);
    reply.set_header("Vary", "Origin");
}

/// Serves a widget route: `http::serve` hands over every request whose route is a
/// widget route, right after routing.
pub async fn serve(
    route: &'static Route,
    params: Vec<(String, String)>,
    req: Inbound,
    env: Env,
    request_id: &str,
) -> ApiResult<Reply> {
    let origin = req.headers().get("Origin").ok().flatten().unwrap_or_default();
    let key = params.iter().find(|(k, _)| k == "key").map(|(_, v)| v.clone()).unwrap_or_default();
    let preflight = req.is_options();
    let method = req.method();
    let op = match route.op(method) {
        Some(op) => Some(op),
        None if preflight => None,
        None => return Err(ApiError::MethodNotAllowed(route.allow())),
    };
    let session_route = route.access == Access::WidgetSession;
    let raw_bearer = bearer(&req);
    // Only a session token's shape is worth a lookup; anything else in the header is at
    // best a server token, refused below.
    let token_hash = raw_bearer.as_deref().filter(|t| token::is_session_token(t)).map(token::sha256_hex);
    let gate = if token::is_publishable_key(&key) {
        store::gate(&env, &key, token_hash.as_deref().filter(|_| session_route)).await?
    } else {
        None
    };
    let allowed = gate.as_ref().is_some_and(|g| {
        serde_json::from_str::<Vec<String>>(&g.allowed_origins).is_ok_and(|list| list.contains(&origin))
    });
    let Some(gate) = gate.filter(|_| allowed && !origin.is_empty()) else {
        let mut reply = error_response(origin_not_allowed(), request_id);
        reply.set_header("Vary", "Origin");
        return Ok(reply);
    };
    let Some(op) = op else {
        let mut reply = Reply::empty(204);
        cors(&mut reply, &origin);
        reply.set_header("Access-Control-Allow-Methods", route.allow().join(", "));
        reply.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-Id");
        reply.set_header("Access-Control-Max-Age", "600");
        return Ok(reply);
    };
    let result = admit(op, params, gate, req, env, request_id, origin.clone(), raw_bearer, session_route).await;
    let mut reply = result.unwrap_or_else(|e| error_response(e, request_id));
    cors(&mut reply, &origin);
    Ok(reply)
}

/// After the origin: the session, the rate windows, the body's declared length, then the
/// handler (with its audit entry, as on every other route).
#[allow(clippy::too_many_arguments)]
async fn admit(
    op: &'static super::routes::Op,
    params: Vec<(String, String)>,
    gate: store::Gate,
    req: Inbound,
    env: Env,
    request_id: &str,
    origin: String,
    raw_bearer: Option<String>,
    session_route: bool,
) -> ApiResult<Reply> {
    let now = now_ms();
    if session_route {
        let live = gate.session_id.is_some()
            && gate.session_origin.as_deref() == Some(origin.as_str())
            && gate.expires_ms.is_some_and(|e| e > now)
            && (gate.identity_verification != "required" || gate.verified == Some(1));
        if !live {
            return Err(ApiError::Unauthenticated);
        }
    } else if raw_bearer.is_some_and(|t| !token::is_session_token(&t)) {
        // A server token (or anything but a session) has no business on a page.
        return Err(ApiError::Unauthenticated);
    }
    let headers = rate_limit(&env, &gate, session_route).await?;
    if !req.method().is_read() {
        body::check_declared_length(&req)?;
    }
    let widget = Widget {
        key_id: gate.key_id,
        workspace_id: gate.workspace_id,
        agent_id: gate.agent_id,
        origin,
        identity_verification: gate.identity_verification.clone(),
        session_id: gate.session_id.clone().filter(|_| session_route),
        customer_id: gate.customer_id.filter(|_| session_route),
    };
    let actor = match &widget.session_id {
        Some(id) => Actor::WidgetSession { id: id.clone() },
        None => Actor::WidgetKey { id: widget.key_id },
    };
    let mut cx = Ctx {
        env,
        req,
        request_id: request_id.to_string(),
        params,
        seed_path: false,
        // The workspace, for the shared write helpers; a widget caller has no abilities.
        caller: Some(Caller { workspace_id: gate.workspace_id, abilities: Vec::new(), token_id: 0 }),
        body: None,
        audit: None,
        widget: Some(widget),
        refused: false,
    };
    if let Some(action) = op.audit {
        cx.audit = Some(super::audit::Pending::new(action, Some(gate.workspace_id), actor, None));
    }
    let mut reply = super::call(op, &mut cx).await?;
    for (name, value) in headers {
        reply.set_header(name, value);
    }
    Ok(reply)
}

/// One slot in the key's window and, on session routes, one in the session's: two
/// `WorkspaceLimits` objects of their own (named `widget-key:<id>`, `widget-session:<id>`,
/// never a workspace's), asked side by side. The workspace's server window is untouched.
async fn rate_limit(env: &Env, gate: &store::Gate, session_route: bool) -> ApiResult<Vec<(&'static str, String)>> {
    let ask = |limit: i64| limits::LimitsRequest {
        limit,
        window_seconds: rules::RATE_WINDOW_S,
        quota: 0,
        take: true,
        count_quota: false,
        refund: None,
        kind: None,
    };
    let key_name = format!("widget-key:{}", gate.key_id);
    let key_ask = ask(gate.rate_limit);
    let key_call = crate::store::limits::ask_named(env, &key_name, &key_ask);
    let (key_answer, session_answer) = match gate.session_id.as_deref().filter(|_| session_route) {
        Some(sid) => {
            let name = format!("widget-session:{sid}");
            let session_ask = ask(gate.session_rate_limit);
            let (k, s) =
                futures_util::future::join(key_call, crate::store::limits::ask_named(env, &name, &session_ask)).await;
            (k?, Some(s?))
        }
        None => (key_call.await?, None),
    };
    // The tighter window speaks for the answer.
    let shown = match &session_answer {
        Some(s) if !s.rate.allowed || key_answer.rate.allowed && s.rate.remaining < key_answer.rate.remaining => {
            &s.rate
        }
        _ => &key_answer.rate,
    };
    let headers = vec![
        ("X-RateLimit-Limit", shown.limit.to_string()),
        ("X-RateLimit-Remaining", shown.remaining.to_string()),
        ("X-RateLimit-Reset", shown.reset.to_string()),
    ];
    let refused = [Some(&key_answer.rate), session_answer.as_ref().map(|s| &s.rate)]
        .into_iter()
        .flatten()
        .filter(|r| !r.allowed)
        .map(|r| r.retry_after)
        .max();
    if let Some(retry_after) = refused {
        return Err(ApiError::rate_limited_standard(retry_after).with_headers(&headers));
    }
    Ok(headers)
}

fn widget(cx: &Ctx) -> ApiResult<Widget> {
    cx.widget.clone().ok_or(ApiError::Unauthenticated)
}

fn session_customer(w: &Widget) -> ApiResult<i64> {
    w.customer_id.ok_or(ApiError::Unauthenticated)
}

/// `GET /v1/widget/{key}/config`: what the page shows before anyone writes.
pub async fn config(cx: &mut Ctx) -> ApiResult<Reply> {
    let w = widget(cx)?;
    let card = store::agent_card(&cx.env, w.workspace_id, w.agent_id, cx.origin()).await?;
    let agent = card.and_then(|c| serde_json::from_str::<Value>(&c).ok()).unwrap_or(Value::Null);
    json(200, &j!({"agent": agent, "identity_verification": w.identity_verification}))
}

/// The key's signing secret, unsealed.
async fn signing_secret(cx: &Ctx, w: &Widget) -> ApiResult<String> {
    let sealed = store::sealed_secret(&cx.env, w.key_id).await?.ok_or(ApiError::Unauthenticated)?;
    crate::platform::sealer(&cx.env)?.open_string(&sealed).map_err(|_| ApiError::Internal("cannot unseal".into()))
}

/// `POST /v1/widget/{key}/sessions`: a session for an anonymous visitor or a user the
/// integrator vouched for. Every failed verification is the same 401; why goes to the log.
pub async fn create_session(cx: &mut Ctx) -> ApiResult<Reply> {
    let w = widget(cx)?;
    let map = body::json_object_or_empty(cx).await?;
    let input = rules::session_input(&map)?;
    let required = w.identity_verification == "required";
    let now_ms = now_ms();
    let refuse = |why: &str| {
        worker::console_log!("widget session refused: {why}");
        ApiError::Unauthenticated
    };
    let (identity, verified) = match input {
        SessionInput::Jwt(jwt) => {
            let secret = signing_secret(cx, &w).await?;
            (Some(rules::verify_jwt(&secret, &jwt, now_ms / 1000).map_err(refuse)?), true)
        }
        SessionInput::UserId { user_id, user_hash: Some(hash) } => {
            let secret = signing_secret(cx, &w).await?;
            if !rules::user_hash_matches(&secret, &user_id, &hash) {
                return Err(refuse("user_hash mismatch"));
            }
            (Some(rules::Identity { external_id: user_id, email: None, name: None }), true)
        }
        _ if required => return Err(refuse("unsigned visitor on a key that requires verification")),
        SessionInput::UserId { user_id, user_hash: None } => {
            (Some(rules::Identity { external_id: user_id, email: None, name: None }), false)
        }
        SessionInput::Anonymous { visitor_id } => {
            let known = match visitor_id.as_deref() {
                Some(v) => store::visitor_customer(&cx.env, w.key_id, &token::sha256_hex(v), &w.origin).await?,
                None => None,
            };
            return open_anonymous(cx, &w, visitor_id.filter(|_| known.is_some()), known).await;
        }
    };
    let Some(identity) = identity else { return Err(ApiError::Unauthenticated) };
    match open_identified(cx, &w, &identity, verified).await {
        // Two first sessions of one new user at once: the other made the customer; this
        // one's batch rolled back whole, and the customer is found now.
        Err(ApiError::Internal(e)) if e.contains("UNIQUE constraint failed: customers") => {
            open_identified(cx, &w, &identity, verified).await
        }
        other => other,
    }
}

/// A session for the customer with the identity's external id, made if there is none.
async fn open_identified(cx: &mut Ctx, w: &Widget, identity: &rules::Identity, verified: bool) -> ApiResult<Reply> {
    let ws = w.workspace_id;
    let now = time::format_millis(now_ms());
    let mut stmts = Vec::new();
    let mut checks = Vec::new();
    let mut emitted = Vec::new();
    let existing = store::customer_by_external_id(&cx.env, ws, &identity.external_id).await?;
    let customer = match existing {
        // An unsigned `user_id` names only a customer an unsigned claim made: anyone who
        // knows a user id must not read the conversations of a customer the integrator
        // made or a signature verified.
        Some((_, false)) if !verified => {
            worker::console_log!("widget session refused: unsigned claim of a customer it did not make");
            return Err(ApiError::Unauthenticated);
        }
        Some((id, _)) => {
            if verified {
                stmts.push(store::mark_verified(
                    &cx.env,
                    ws,
                    id,
                    identity.name.as_deref(),
                    identity.email.as_deref(),
                    &now,
                )?);
            }
            SessionCustomer::Known(id)
        }
        None => {
            let traits = if verified { r#"{"identity_verified":true}"# } else { r#"{"identity_verified":false}"# };
            stmts.push(store::insert_customer(
                &cx.env,
                ws,
                Some(&identity.external_id),
                identity.name.as_deref(),
                identity.email.as_deref(),
                traits,
                &now,
            )?);
            checks.push(Check::workspace(Resource::Customers));
            emitted.push(customer_created(cx, ws)?);
            SessionCustomer::External(&identity.external_id)
        }
    };
    open(cx, w, customer, verified, None, stmts, &checks, emitted).await
}

/// The `message.created` event of the message the batch just added.
fn message_created(cx: &Ctx, ws: i64) -> ApiResult<events::Emitted> {
    Ok(page::emit(&cx.env, ws, "message.created", "message", conversations::MESSAGE_EVENT_ROW, None, Previous::None)?)
}

fn customer_created(cx: &Ctx, ws: i64) -> ApiResult<events::Emitted> {
    Ok(page::emit(
        &cx.env,
        ws,
        "customer.created",
        "customer",
        crate::store::customers::EVENT_ROW,
        None,
        Previous::None,
    )?)
}

/// An anonymous visitor's session: the known visitor's customer again, or a new customer
/// with a new unguessable visitor id (kept by the page, stored here only as a hash).
async fn open_anonymous(cx: &mut Ctx, w: &Widget, visitor_id: Option<String>, known: Option<i64>) -> ApiResult<Reply> {
    if let (Some(v), Some(customer)) = (visitor_id, known) {
        return open(cx, w, SessionCustomer::Known(customer), false, Some(v), Vec::new(), &[], Vec::new()).await;
    }
    let ws = w.workspace_id;
    let visitor = new_id("vis_")?;
    let visitor_hash = token::sha256_hex(&visitor);
    let now = time::format_millis(now_ms());
    let stmts = vec![
        store::insert_customer(&cx.env, ws, None, None, None, "{}", &now)?,
        store::insert_visitor(&cx.env, ws, w.key_id, &visitor_hash, &w.origin, &now)?,
    ];
    let emitted = vec![customer_created(cx, ws)?];
    let checks = [Check::workspace(Resource::Customers)];
    let customer = SessionCustomer::Visitor(&visitor_hash);
    open(cx, w, customer, false, Some(visitor.clone()), stmts, &checks, emitted).await
}

/// The session's batch: the customer's statements, the session, the quota guards, the
/// events, the audit entry and the read-back of the session's customer.
#[allow(clippy::too_many_arguments)]
async fn open(
    cx: &mut Ctx,
    w: &Widget,
    customer: SessionCustomer<'_>,
    verified: bool,
    visitor_id: Option<String>,
    mut stmts: Vec<worker::D1PreparedStatement>,
    checks: &[Check<'_>],
    emitted: Vec<events::Emitted>,
) -> ApiResult<Reply> {
    let ws = w.workspace_id;
    let token = token::session_from_random(&random_bytes::<64>()?)
        .ok_or_else(|| ApiError::Internal("not enough random bytes for a session".into()))?;
    let id = new_id("wss_")?;
    let expires_ms = now_ms() + rules::SESSION_TTL_MS;
    let now = time::format_millis(now_ms());
    let token_hash = token::sha256_hex(&token);
    let session = NewSession {
        id: &id,
        token_hash: &token_hash,
        key_id: w.key_id,
        customer,
        origin: &w.origin,
        verified,
        expires_ms,
    };
    stmts.push(store::insert_session(&cx.env, ws, &session, &now)?);
    let read = stmts.len();
    stmts.push(
        crate::platform::d1::db(&cx.env)?
            .prepare("SELECT customer_id FROM widget_sessions WHERE id = ?")
            .bind(&[crate::platform::d1::text(&id)])?,
    );
    for c in checks {
        stmts.push(c.statement(&cx.env, ws)?);
    }
    for ev in emitted {
        stmts.extend(ev.statements);
    }
    cx.audit_target(id.clone());
    cx.audit_into(&mut stmts, Target::Path)?;
    let results = match crate::platform::d1::db(&cx.env)?.batch(stmts).await {
        Ok(r) => r,
        Err(e) => return Err(write_failed(&cx.env, ws, checks, e, ApiError::from).await),
    };
    #[derive(serde::Deserialize)]
    struct Row {
        customer_id: i64,
    }
    let customer_id = results
        .get(read)
        .map(|r| r.results::<Row>())
        .transpose()?
        .and_then(|rows| rows.into_iter().next())
        .map(|r| r.customer_id)
        .ok_or_else(|| ApiError::Internal("session read-back found nothing".into()))?;
    super::webhooks::publish(cx, &events::pending(&results)).await;
    json(
        201,
        &j!({
            "token": token,
            "expires_at": time::format_millis(expires_ms),
            "customer_id": customer_id,
            "visitor_id": visitor_id,
        }),
    )
}

/// The session customer's conversation in the path; another customer's is as missing.
async fn own_conversation(cx: &Ctx, w: &Widget) -> ApiResult<conversations::ConvRef> {
    let id = path_id(cx, "id", conversation_not_found)?;
    store::own_conversation(&cx.env, w.workspace_id, session_customer(w)?, id).await?.ok_or_else(conversation_not_found)
}

pub async fn list_conversations(cx: &mut Ctx) -> ApiResult<Reply> {
    let w = widget(cx)?;
    let q = list_params::parse(cx.query(), &conversations::SORTABLE)?;
    let (items, count) = store::list_conversations(&cx.env, w.workspace_id, session_customer(&w)?, &q).await?;
    listing(items, count, &q)
}

/// `POST /v1/widget/{key}/conversations` `{subject?, body?}`: a chat conversation of the
/// session's customer, assigned to the widget's agent while it is live.
pub async fn create_conversation(cx: &mut Ctx) -> ApiResult<Reply> {
    let w = widget(cx)?;
    let ws = w.workspace_id;
    let customer_id = session_customer(&w)?;
    let map = body::json_object_or_empty(cx).await?;
    let input = rules::conversation_input(&map)?;
    let agent = match w.agent_id {
        Some(a) => store::live_agent(&cx.env, ws, &a.to_string()).await?,
        None => None,
    };
    let now = time::format_millis(now_ms());
    let new = conversations::NewConversation {
        customer_id,
        subject: input.subject.as_deref(),
        priority: "normal",
        channel: "chat",
        tags: &[],
        assignee: agent.map(|a| ("agent", a)),
        first: input.body.as_deref().map(|b| ("customer", customer_id, b)),
    };
    let mut stmts = conversations::create(&cx.env, ws, &new, &now)?;
    // The customer's view, not the server's: replace the read-back.
    stmts.pop();
    stmts.push(store::select_created_conversation(&cx.env, ws)?);
    let last = stmts.len() - 1;
    let mut evs = vec![page::emit(
        &cx.env,
        ws,
        "conversation.created",
        "conversation",
        conversations::EVENT_ROW,
        None,
        Previous::None,
    )?];
    if new.first.is_some() {
        evs.push(message_created(cx, ws)?);
    }
    let checks = [Check::workspace(Resource::Conversations)];
    raw_json(201, written(write_emitting_checked(cx, stmts, last, &[], evs, &checks).await?)?)
}

pub async fn get_conversation(cx: &mut Ctx) -> ApiResult<Reply> {
    let w = widget(cx)?;
    let c = own_conversation(cx, &w).await?;
    raw_json(200, store::conversation(&cx.env, w.workspace_id, c.id).await?.ok_or_else(conversation_not_found)?)
}

pub async fn list_messages(cx: &mut Ctx) -> ApiResult<Reply> {
    let w = widget(cx)?;
    let q = list_params::parse(cx.query(), &conversations::MESSAGE_SORTABLE)?;
    let c = own_conversation(cx, &w).await?;
    let (items, count) = store::list_messages(&cx.env, w.workspace_id, c.id, &q).await?;
    listing(items, count, &q)
}

/// `POST /v1/widget/{key}/conversations/{id}/messages` `{body}`: a customer message, as
/// the server route writes one (events, re-opening, quota), answered in the customer's view.
pub async fn add_message(cx: &mut Ctx) -> ApiResult<Reply> {
    let w = widget(cx)?;
    let ws = w.workspace_id;
    let map = body::json_object(cx).await?;
    let text = rules::message_input(&map)?;
    let c = own_conversation(cx, &w).await?;
    let reopens = c.status == "snoozed" || c.status == "closed";
    let before = if reopens { conversations::get(&cx.env, ws, c.id).await? } else { None };
    let now = time::format_millis(now_ms());
    let mut stmts = conversations::add_message(&cx.env, ws, &c, "message", ("customer", c.customer_id), &text, &now)?;
    if let Some(read) = stmts.get_mut(1) {
        *read = store::select_created_message(&cx.env, ws)?;
    }
    let mut evs = vec![message_created(cx, ws)?];
    if let Some(before) = &before {
        evs.push(page::emit(
            &cx.env,
            ws,
            "conversation.status_changed",
            "conversation",
            conversations::EVENT_ROW,
            Some(c.id),
            Previous::DiffFrom(before),
        )?);
    }
    raw_json(201, written(write_emitting_checked(cx, stmts, 1, &[], evs, &[Check::messages(c.id)]).await?)?)
}

/// `GET /v1/widget/{key}/knowledge/search?q=`: the widget agent's knowledge; each hit
/// cites only the title and URL of its source.
pub async fn search(cx: &mut Ctx) -> ApiResult<Reply> {
    let w = widget(cx)?;
    let params: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(cx.query().as_bytes()).into_owned().collect();
    let raw = params.get("q").map(String::as_str).unwrap_or_default();
    let q = raw.trim().to_string();
    if q.is_empty() {
        return Err(ApiError::validation("q", "The q field is required."));
    }
    if raw.chars().count() > 500 {
        return Err(ApiError::validation("q", "The q may not be greater than 500 characters."));
    }
    let agent = match w.agent_id {
        Some(a) => store::live_agent(&cx.env, w.workspace_id, &a.to_string()).await?,
        None => None,
    };
    let hits = match agent
        .and_then(|a| crate::domain::training::fts_query(&crate::domain::training::scope_token(a), &q).map(|f| (a, f)))
    {
        Some((a, fts)) => crate::store::training::search(&cx.env, w.workspace_id, a, &fts, 10).await?,
        None => Vec::new(),
    };
    let data: Vec<Value> =
        hits.into_iter().map(|h| j!({"snippet": h.snippet, "citation": {"title": h.title, "url": h.url}})).collect();
    json(200, &j!({"query": q, "count": data.len(), "data": data}))
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_widget_routes_are_widget_routes() {
        use super::super::routes::{Access, ROUTES};
        for r in ROUTES {
            let widget = matches!(r.access, Access::WidgetKey | Access::WidgetSession);
            assert_eq!(widget, r.path.starts_with("/v1/widget/"), "{}", r.path);
            if widget {
                assert!(r.path.starts_with("/v1/widget/{key}/"), "{}", r.path);
                assert!(
                    r.ops.iter().all(|op| op.method == super::super::routes::Verb::Get || op.audit.is_some()),
                    "{}",
                    r.path
                );
            }
        }
    }
}
