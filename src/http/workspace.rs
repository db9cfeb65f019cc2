//! `GET /v1/workspace`: the calling token's workspace and abilities.

use super::error::{ApiError, ApiResult};
use super::Reply;
use super::{json, Ctx};
use crate::store::workspaces;
use serde_json::json;

pub async fn get(cx: &mut Ctx) -> ApiResult<Reply> {
    let caller = cx.caller()?;
    // A token whose workspace is gone is as good as no token.
    let ws = workspaces::get(&cx.env, caller.workspace_id).await?.ok_or(ApiError::Unauthenticated)?;
    json(
        200,
        &json!({
            "id": ws.id,
            "name": ws.name,
            "plan": ws.plan,
            "rate_limit": ws.rate_limit,
            "monthly_action_quota": ws.monthly_action_quota,
            "storage_quotas": ws.storage_quotas,
            "abilities": caller.abilities,
            "created_at": ws.created_at,
            "updated_at": ws.updated_at,
        }),
    )
}
