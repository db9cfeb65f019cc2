//! Actions (seed 004): `POST /v1/actions/execute` (alias `/api/v1/actions/execute`),
//! `GET /v1/pieces` and `GET /v1/usage`.
//!
//! Execute, in order:
//! 1. body, the request's fields, piece and action, connection need, the action's input,
//!    the connection (existence, piece, expiry, decryption): everything checkable without
//!    running, with the workspace's limits read from D1 alongside the connection;
//! 2. ONE call to the workspace's `WorkspaceLimits` Durable Object, which takes a
//!    rate-limit slot (every authenticated execute counts, whatever its outcome) and,
//!    when step 1 passed, counts the execution against the month's quota;
//! 3. 429 if no slot, else step 1's error if any, else 403 if the quota is used up, else
//!    the piece runs (its outbound calls are fetch subrequests) and the execution is recorded.
//!
//! Every answer of step 2 onwards carries `X-RateLimit-Limit/-Remaining/-Reset`.

use super::audit::Target;
use super::error::{ApiError, ApiResult};
use super::Reply;
use super::{body, json, Ctx};
use crate::domain::action_input::{self, ExecuteRequest};
use crate::domain::limits::{self, LimitsRequest};
use crate::domain::{connection, secret::SecretError};
use crate::pieces::{self, Action, Outcome, RunCx};
use crate::platform::{now_ms, outbound::allow_private};
use crate::store::{connections, executions, limits as limits_store, workspaces};
use futures_util::future::join;
use serde_json::{json, Map, Value};
use worker::Env;

/// An execution that passed every check and may run.
struct Ready {
    req: ExecuteRequest,
    action: &'static Action,
    credentials: Option<Map<String, Value>>,
}

pub async fn execute(cx: &mut Ctx) -> ApiResult<Reply> {
    let parsed = body::json_object(cx)
        .await
        .map_err(ApiError::into_action_family)
        .and_then(|b| action_input::execute_request(&b).map_err(ApiError::action_invalid));
    let Executed { result, headers } = execute_parsed(cx, parsed).await?;
    match result {
        Ok(body) => {
            let mut resp = json(200, &body)?;
            for (name, value) in &headers {
                resp.set_header(*name, value.clone());
            }
            Ok(resp)
        }
        Err(e) => Err(e.with_headers(&headers)),
    }
}

/// What an execute came to once the rate limit was asked: the answer's body
/// (`{success, output, duration}`) or its refusal in the actions family, and the
/// rate-limit headers either carries.
pub struct Executed {
    pub result: ApiResult<Value>,
    pub headers: Vec<(&'static str, String)>,
}

/// Steps 1 to 3 for a request already read: `POST /v1/actions/execute` and the MCP
/// endpoint's piece tools both run through here, so a tool call takes the same slot,
/// counts the same quota and leaves the same execution record and audit entry. `Err`
/// only for what comes before the limits (storage down, the workspace gone).
pub async fn execute_parsed(cx: &mut Ctx, parsed: ApiResult<ExecuteRequest>) -> ApiResult<Executed> {
    let workspace_id = cx.caller()?.workspace_id;
    let connection_id = parsed.as_ref().ok().and_then(|r| r.connection_id.clone());
    let env = &cx.env;
    let (ws, sealed) = join(workspaces::get(env, workspace_id), async {
        match connection_id.as_deref() {
            Some(id) if connection::is_id(id) => connections::get_sealed(env, workspace_id, id).await,
            _ => Ok(None),
        }
    })
    .await;
    // A token whose workspace is gone is as good as no token.
    let ws = ws?.ok_or(ApiError::Unauthenticated)?;
    let sealed = sealed?;
    let ready = parsed.and_then(|req| prepare(env, req, sealed));
    // The audit entry names the action run, and goes in the execution record's batch.
    if let Ok(r) = &ready {
        let target = format!("{}/{}", r.req.piece_name, r.req.action_name);
        cx.audit_target(target);
    }
    let audit = cx.audit_statement(Target::Path)?;
    let env = &cx.env;

    let answer = limits_store::ask(
        env,
        workspace_id,
        &LimitsRequest {
            limit: ws.rate_limit.limit,
            window_seconds: ws.rate_limit.window_seconds,
            quota: ws.monthly_action_quota,
            take: true,
            count_quota: ready.is_ok(),
            refund: None,
            kind: Some(limits::KINDS[0].to_string()),
        },
    )
    .await?;
    let headers = limits::headers(&answer.rate, ws.rate_limit.window_seconds, (now_ms() + 999) / 1000).to_vec();
    let result = async {
        if !answer.rate.allowed {
            return Err(ApiError::rate_limited(answer.rate.retry_after));
        }
        let ready = ready?;
        if answer.quota.exceeded {
            return Err(ApiError::quota_exceeded(answer.quota.used, answer.quota.limit, &ws.plan));
        }
        let out = run(env, workspace_id, ready, audit).await;
        // A 400 from running is input found invalid only then (a Sheets column that does
        // not exist): it must not use up quota, so the count is given back.
        if out.as_ref().is_err_and(|e| e.status() == 400) && answer.quota.counted {
            let refund = LimitsRequest {
                limit: ws.rate_limit.limit,
                window_seconds: ws.rate_limit.window_seconds,
                quota: ws.monthly_action_quota,
                take: false,
                count_quota: false,
                refund: Some(answer.quota.month.clone()),
                kind: None,
            };
            if let Err(e) = limits_store::ask(env, workspace_id, &refund).await {
                worker::console_error!("giving back a quota count failed: {e}");
            }
        }
        out
    }
    .await;
    Ok(Executed { result, headers })
}

/// Step 1: everything that can refuse the execution before it runs.
fn prepare(env: &Env, req: ExecuteRequest, sealed: Option<connections::Sealed>) -> ApiResult<Ready> {
    let piece = pieces::find(&req.piece_name)
        .ok_or_else(|| ApiError::action_not_found(format!("Piece '{}' not found", req.piece_name)))?;
    let action = piece.action(&req.action_name).ok_or_else(|| {
        ApiError::action_not_found(format!("Action '{}' not found in piece '{}'", req.action_name, piece.name))
    })?;
    if action.needs_connection && req.connection_id.is_none() {
        return Err(ApiError::connection_required(action.name));
    }
    pieces::validate(action, &req.input, allow_private(env)).map_err(ApiError::action_invalid)?;
    let credentials = match &req.connection_id {
        None => None,
        Some(id) => {
            let sealed = sealed.ok_or_else(|| ApiError::action_not_found(format!("Connection '{id}' not found")))?;
            let conn = &sealed.connection;
            if conn.piece_name != piece.name {
                return Err(ApiError::connection_error(format!(
                    "Connection '{id}' belongs to piece '{}', not '{}'",
                    conn.piece_name, piece.name
                )));
            }
            if conn.is_expired(now_ms()) {
                return Err(ApiError::connection_error(
                    "Connection credentials have expired. Re-authenticate the connection.",
                ));
            }
            Some(open_credentials(env, &sealed.credentials)?)
        }
    };
    Ok(Ready { req, action, credentials })
}

fn open_credentials(env: &Env, sealed: &str) -> ApiResult<Map<String, Value>> {
    let unreadable =
        || ApiError::connection_error("Connection credentials could not be read. Re-authenticate the connection.");
    let plain = crate::platform::sealer(env)?.open_string(sealed).map_err(|_: SecretError| unreadable())?;
    match serde_json::from_str::<Value>(&plain) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(unreadable()),
    }
}

/// Step 3: runs the action and records the execution.
async fn run(
    env: &Env,
    workspace_id: i64,
    ready: Ready,
    audit: Option<worker::D1PreparedStatement>,
) -> ApiResult<Value> {
    let Ready { req, action, credentials } = ready;
    let started = now_ms();
    let cx = RunCx { env, credentials: credentials.as_ref() };
    let outcome = pieces::run(action, &cx, &req.input).await;
    let finished = now_ms();
    let duration = (finished - started).max(0);
    let success = matches!(outcome, Outcome::Done { success: true, .. });
    let record = executions::Execution {
        workspace_id,
        piece_name: &req.piece_name,
        action_name: &req.action_name,
        connection_id: req.connection_id.as_deref(),
        project_id: req.project_id.as_deref(),
        success,
        duration_ms: duration,
    };
    // An input found invalid only now answers 400: recorded, but no audit entry (an error
    // answer writes none).
    let audit = if matches!(outcome, Outcome::Invalid(_)) { None } else { audit };
    if let Err(e) = executions::record(env, &record, finished, audit).await {
        // The action ran; a lost record must not turn its answer into an error.
        worker::console_error!("recording an execution failed: {e}");
    }
    match outcome {
        Outcome::Done { success, output } => Ok(json!({"success": success, "output": output, "duration": duration})),
        Outcome::Invalid(message) => Err(ApiError::action_invalid(message)),
    }
}

/// `GET /v1/pieces`: every piece, its actions, their input schemas and connection needs.
pub async fn list_pieces(_cx: &mut Ctx) -> ApiResult<Reply> {
    let data: Vec<Value> = pieces::PIECES.iter().map(|p| p.describe()).collect();
    json(200, &json!({ "data": data }))
}

/// `GET /v1/usage`: the month's executions against the quota, and the rate limit's state
/// (looked at, not counted).
pub async fn usage(cx: &mut Ctx) -> ApiResult<Reply> {
    let workspace_id = cx.caller()?.workspace_id;
    let ws = workspaces::get(&cx.env, workspace_id).await?.ok_or(ApiError::Unauthenticated)?;
    let answer = limits_store::ask(
        &cx.env,
        workspace_id,
        &LimitsRequest {
            limit: ws.rate_limit.limit,
            window_seconds: ws.rate_limit.window_seconds,
            quota: ws.monthly_action_quota,
            take: false,
            count_quota: false,
            refund: None,
            kind: None,
        },
    )
    .await?;
    let (start, end) = limits::month_bounds(now_ms());
    let storage = crate::store::quotas::usage(&cx.env, workspace_id).await?;
    let q = &answer.quota;
    let by_kind = answer.by_kind.clone().unwrap_or_default();
    json(
        200,
        &json!({
            "plan": ws.plan,
            "period": {
                "month": q.month,
                "start": crate::domain::time::format_millis(start),
                "end": crate::domain::time::format_millis(end),
            },
            "actions": {"used": q.used, "limit": q.limit, "remaining": (q.limit - q.used).max(0)},
            "rate_limit": {
                "limit": answer.rate.limit,
                "window_seconds": ws.rate_limit.window_seconds,
                "remaining": answer.rate.remaining,
                "reset": answer.rate.reset,
                "by_kind": by_kind.window,
            },
            "calls": by_kind.month,
            "storage": storage,
        }),
    )
}
