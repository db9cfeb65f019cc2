//! `Idempotency-Key` on every POST of a token route (`/v1` and its seed aliases), around
//! the handler, written once here rather than in each handler (see ARCHITECTURE.md,
//! Idempotency). A request without the header never reaches this module and pays nothing.
//!
//! With the header: validate the key (400) → read the body once (handlers then parse the
//! buffered copy, `Ctx::body`) → fingerprint → ONE call to the workspace's
//! `WorkspaceIdempotency` object (claim / replay / 409 / 422) → the handler →
//! ONE call to store the response (or release the claim on a 4xx).

use super::error::{ApiError, ApiResult};
use super::routes::{Op, Route};
use super::Inbound;
use super::{error_response, Ctx};
use super::{Body, Reply};
use crate::domain::idempotency::{self as idem, StoredResponse};
use crate::store::idempotency::{self as store, Claim};
use serde_json::json;

pub const HEADER: &str = "Idempotency-Key";

/// The request's key: `None` without the header, an error when it is not 1–255
/// printable ASCII characters.
pub fn key(req: &Inbound, op: &Op) -> ApiResult<Option<String>> {
    match req.headers().get(HEADER) {
        Ok(None) => Ok(None),
        Ok(Some(k)) if idem::valid_key(&k) => Ok(Some(k)),
        _ => Err(error(
            op,
            400,
            "INVALID_IDEMPOTENCY_KEY",
            "The Idempotency-Key header must be 1 to 255 printable ASCII characters.",
            vec![],
        )),
    }
}

/// An error of this module, in the body family of the route: the actions family on
/// execute (CONTRACT.md: every error of `/v1/actions/execute`), the standard one elsewhere.
fn error(op: &Op, status: u16, code: &str, message: &str, headers: Vec<(&'static str, String)>) -> ApiError {
    let body = if op.actions_family {
        json!({"error": code, "message": message})
    } else {
        json!({"error": message, "code": code})
    };
    ApiError::Raw(status, body, headers)
}

fn family(op: &Op, e: ApiError) -> ApiError {
    if op.actions_family {
        e.into_action_family()
    } else {
        e
    }
}

/// Runs the handler at most once per key (see the module comment).
pub async fn run(op: &Op, route: &Route, cx: &mut Ctx, key: String) -> ApiResult<Reply> {
    let workspace_id = cx.caller()?.workspace_id;
    let body = super::body::read(&cx.req).await.map_err(|e| family(op, e))?;
    let fingerprint = idem::fingerprint("POST", route.path, &cx.params, cx.query(), &body);
    cx.body = Some(body);

    let token = match store::claim(&cx.env, workspace_id, &key, &fingerprint).await? {
        Claim::Claimed(token) => token,
        Claim::Replay(stored) => return replay(stored),
        Claim::InProgress => {
            return Err(error(
                op,
                409,
                "IDEMPOTENCY_IN_PROGRESS",
                "A request with this Idempotency-Key is still being processed. Retry it later.",
                vec![("Retry-After", "1".into())],
            ))
        }
        Claim::Mismatch => {
            return Err(error(
                op,
                422,
                "IDEMPOTENCY_KEY_MISMATCH",
                "This Idempotency-Key was used with another method, path or body.",
                vec![],
            ))
        }
    };

    let result = super::call(op, cx).await;
    let status = match &result {
        Ok(resp) => resp.status(),
        Err(e) => e.status(),
    };
    if !idem::should_store(status) || cx.refused {
        if let Err(e) = store::release(&cx.env, workspace_id, &key, &token).await {
            // The claim then expires on its own after 60 s.
            worker::console_error!("idempotency release failed: {e}");
        }
        return result;
    }
    let resp = match result {
        Ok(resp) => resp,
        Err(e) => error_response(e, &cx.request_id),
    };
    let stored = capture(&resp);
    match store::complete(&cx.env, workspace_id, &key, &token, &stored).await {
        Ok(true) => {}
        Ok(false) => worker::console_error!("idempotency: the claim expired before the request completed"),
        // The work is done: answer it; a retry within 60 s gets 409, later it runs again.
        Err(e) => worker::console_error!("idempotency complete failed: {e}"),
    }
    Ok(resp)
}

/// What a replay must give back: the response's status, headers and body.
fn capture(resp: &Reply) -> StoredResponse {
    StoredResponse {
        status: resp.status(),
        headers: resp.headers().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        body: resp.body_bytes(),
    }
}

/// The stored response, byte for byte, marked as a replay. `http::handle` then sets this
/// request's own `X-Request-Id` over the stored one.
fn replay(stored: StoredResponse) -> ApiResult<Reply> {
    // A null-body status (204, 304) must not get a body, not even an empty one.
    let body = if stored.body.is_empty() { Body::Empty } else { Body::Bytes(stored.body) };
    let mut resp = Reply::new(stored.status, body);
    for (name, value) in stored.headers {
        resp.set_header(name, value);
    }
    resp.set_header("Idempotent-Replayed", "true");
    Ok(resp)
}
