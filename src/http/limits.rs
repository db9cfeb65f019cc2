//! The workspace's sliding window for the routes that call out to a URL besides execute
//! (function invoke, webhook test / retry / replay, training discover / process / resync):
//! each request takes one slot of its kind in the same `WorkspaceLimits` object as
//! execute, before its handler runs (CONTRACT.md, Limits and fairness). Execute takes its
//! slot itself (`http::actions`), because only there does the slot also count the quota.

use super::error::{ApiError, ApiResult};
use super::Ctx;
use crate::domain::limits::{self, LimitsRequest};
use crate::platform::now_ms;
use crate::store::{limits as store, workspaces};

/// Takes a slot of `kind`; answers the rate-limit headers for the response, or the 429
/// (standard family, `RATE_LIMITED`, `Retry-After`) with them.
pub async fn take(cx: &Ctx, kind: &'static str) -> ApiResult<Vec<(&'static str, String)>> {
    let workspace_id = cx.caller()?.workspace_id;
    // A token whose workspace is gone is as good as no token.
    let ws = workspaces::get(&cx.env, workspace_id).await?.ok_or(ApiError::Unauthenticated)?;
    let ask = LimitsRequest {
        limit: ws.rate_limit.limit,
        window_seconds: ws.rate_limit.window_seconds,
        quota: ws.monthly_action_quota,
        take: true,
        count_quota: false,
        refund: None,
        kind: Some(kind.to_string()),
    };
    let answer = store::ask(&cx.env, workspace_id, &ask).await?;
    let headers = limits::headers(&answer.rate, ws.rate_limit.window_seconds, (now_ms() + 999) / 1000).to_vec();
    if !answer.rate.allowed {
        return Err(ApiError::rate_limited_standard(answer.rate.retry_after).with_headers(&headers));
    }
    Ok(headers)
}
