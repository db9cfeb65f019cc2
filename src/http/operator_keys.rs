//! Operator keys (`/admin/v1/operator-keys`): named, expiring, revocable keys of the
//! operator API besides the `ADMIN_TOKEN` secret, so that a person or a deploy job can be
//! given access, and lose it, without sharing or rotating the bootstrap secret.

use super::admin::id_param;
use super::error::{ApiError, ApiResult};
use super::Reply;
use super::{body, json, no_content, Ctx};
use crate::domain::{token, workspace};
use crate::platform::{now_ms, random_bytes};
use crate::store::operator_keys;
use serde_json::json;

pub async fn create(cx: &mut Ctx) -> ApiResult<Reply> {
    let map = body::json_object(cx).await?;
    let now = now_ms();
    let input = workspace::operator_key_input(&map, now)?;
    // 64 CSPRNG bytes for 30 characters, as for API tokens.
    let plain = token::operator_key_from_random(&random_bytes::<64>()?)
        .ok_or_else(|| ApiError::Internal("CSPRNG gave too few usable bytes".into()))?;
    let info = operator_keys::create(&cx.env, &input.name, &token::sha256_hex(&plain), input.expires_at_ms, now)
        .await?
        .ok_or_else(|| ApiError::Internal("the operator key insert returned no row".into()))?;
    cx.audit_target(info.id.to_string());
    json(
        201,
        &json!({
            "id": info.id,
            "name": info.name,
            "key": plain,
            "expires_at": info.expires_at,
            "created_at": info.created_at,
        }),
    )
}

pub async fn list(cx: &mut Ctx) -> ApiResult<Reply> {
    let data = operator_keys::list(&cx.env).await?;
    json(200, &json!({ "data": data }))
}

pub async fn revoke(cx: &mut Ctx) -> ApiResult<Reply> {
    let id = id_param(cx, "id")?;
    if !operator_keys::revoke(&cx.env, id, now_ms()).await? {
        return Err(ApiError::not_found());
    }
    no_content()
}
