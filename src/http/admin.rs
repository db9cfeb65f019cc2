//! The operator API (`/admin/v1`): workspaces and their API tokens. It stands in for the
//! dashboard, so it is guarded by the `ADMIN_TOKEN` secret or an operator key, not by
//! API tokens.

use super::error::{ApiError, ApiResult};
use super::Reply;
use super::{body, json, no_content, Ctx};
use crate::domain::{token, workspace};
use crate::platform::{now_ms, random_bytes};
use crate::store::{tokens, workspaces};
use serde_json::json;

/// An integer id from the path; anything else cannot name a row, so it is a 404.
pub fn id_param(cx: &Ctx, name: &str) -> ApiResult<i64> {
    let raw = cx.param(name);
    if raw.is_empty() || raw.len() > 15 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::not_found());
    }
    raw.parse().map_err(|_| ApiError::not_found())
}

pub async fn create_workspace(cx: &mut Ctx) -> ApiResult<Reply> {
    let map = body::json_object(cx).await?;
    let input = workspace::workspace_input(&map, true)?;
    let ws = workspaces::create(&cx.env, &input, now_ms()).await?;
    cx.audit_target(ws.id.to_string());
    cx.audit_workspace(ws.id);
    json(201, &ws)
}

pub async fn get_workspace(cx: &mut Ctx) -> ApiResult<Reply> {
    let id = id_param(cx, "id")?;
    let ws = workspaces::get(&cx.env, id).await?.ok_or_else(ApiError::not_found)?;
    json(200, &ws)
}

pub async fn update_workspace(cx: &mut Ctx) -> ApiResult<Reply> {
    let id = id_param(cx, "id")?;
    let map = body::json_object(cx).await?;
    let input = workspace::workspace_input(&map, false)?;
    let ws = workspaces::update(&cx.env, id, &input, now_ms()).await?.ok_or_else(ApiError::not_found)?;
    json(200, &ws)
}

/// A new API token's plain text. 64 CSPRNG bytes for 30 characters: enough even after
/// skipping biased bytes.
fn new_plain_token() -> ApiResult<String> {
    token::from_random(&random_bytes::<64>()?)
        .ok_or_else(|| ApiError::Internal("CSPRNG gave too few usable bytes".into()))
}

pub async fn create_token(cx: &mut Ctx) -> ApiResult<Reply> {
    let workspace_id = id_param(cx, "id")?;
    let map = body::json_object(cx).await?;
    let now = now_ms();
    let input = workspace::token_input(&map, now)?;
    let plain = new_plain_token()?;
    let info = tokens::create(
        &cx.env,
        workspace_id,
        &input.name,
        &token::sha256_hex(&plain),
        &input.abilities,
        input.expires_at_ms,
        now,
    )
    .await?
    .ok_or_else(ApiError::not_found)?;
    cx.audit_target(info.id.to_string());
    json(201, &new_token_answer(&info, &plain))
}

/// A created (or rolled) token as answered: the only time its plain text is shown.
fn new_token_answer(info: &tokens::TokenInfo, plain: &str) -> serde_json::Value {
    json!({
        "id": info.id,
        "name": info.name,
        "abilities": info.abilities,
        "token": plain,
        "expires_at": info.expires_at,
        "created_at": info.created_at,
    })
}

pub async fn list_tokens(cx: &mut Ctx) -> ApiResult<Reply> {
    let workspace_id = id_param(cx, "id")?;
    workspaces::get(&cx.env, workspace_id).await?.ok_or_else(ApiError::not_found)?;
    let data = tokens::list(&cx.env, workspace_id).await?;
    json(200, &json!({ "data": data }))
}

pub async fn delete_token(cx: &mut Ctx) -> ApiResult<Reply> {
    let workspace_id = id_param(cx, "id")?;
    let token_id = id_param(cx, "token_id")?;
    // Test hook, only in the e2e build with TEST_HOOKS=true: the KV delete fails, to show
    // the token refused anyway and a repeated DELETE finishing the revocation.
    let fail_kv_delete = crate::platform::test_hooks(&cx.env)
        && cx.req.headers().get("X-Test-Fail").ok().flatten().as_deref() == Some("kv-delete");
    if !tokens::revoke(&cx.env, workspace_id, token_id, now_ms(), fail_kv_delete).await? {
        return Err(ApiError::not_found());
    }
    no_content()
}

/// Rolls a token: a new one like it (the create's answer, plus `rolled_from`), the old
/// one ending after `grace_period_seconds` (default 0: at once, as a DELETE).
pub async fn roll_token(cx: &mut Ctx) -> ApiResult<Reply> {
    let workspace_id = id_param(cx, "id")?;
    let token_id = id_param(cx, "token_id")?;
    let map = body::json_object_or_empty(cx).await?;
    let grace_seconds = workspace::roll_input(&map)?;
    let plain = new_plain_token()?;
    let rolled =
        tokens::roll(&cx.env, workspace_id, token_id, &token::sha256_hex(&plain), grace_seconds * 1000, now_ms())
            .await?
            .ok_or_else(ApiError::not_found)?;
    let mut answer = new_token_answer(&rolled.token, &plain);
    answer["rolled_from"] = json!({"id": rolled.old_id, "expires_at": rolled.old_expires_at});
    json(201, &answer)
}
