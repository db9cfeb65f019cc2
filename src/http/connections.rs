//! Connections (seed 004, CONTRACT.md Actions): `POST/GET /v1/connections`,
//! `GET/DELETE /v1/connections/{id}`. Credentials are sealed (AES-256-GCM under
//! `CREDENTIALS_KEY`, a fresh nonce each time) before they reach D1, and never returned.

use super::error::{ApiError, ApiResult};
use super::{body, json, no_content, Ctx};
use crate::domain::connection;
use crate::platform::{now_ms, random_bytes, seal};
use crate::store::connections;
use serde_json::{json, Value};
use worker::Response;

/// The `{id}` of the path when it can be a connection id; anything else is a 404.
fn id_param(cx: &Ctx) -> ApiResult<String> {
    let id = cx.param("id");
    if connection::is_id(id) {
        Ok(id.to_string())
    } else {
        Err(ApiError::not_found())
    }
}

pub async fn create(cx: &mut Ctx) -> ApiResult<Response> {
    let workspace_id = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let now = now_ms();
    let input = connection::connection_input(&map, now, &crate::pieces::connection_specs())?;
    let sealed = seal(&cx.env, &Value::Object(input.credentials).to_string())?;
    let id = connection::new_id(&random_bytes::<16>()?);
    let conn = connections::create(
        &cx.env,
        workspace_id,
        &id,
        &input.piece_name,
        input.name.as_deref(),
        &sealed,
        input.expires_at_ms,
        now,
    )
    .await?;
    json(201, &conn)
}

pub async fn list(cx: &mut Ctx) -> ApiResult<Response> {
    let workspace_id = cx.caller()?.workspace_id;
    let data = connections::list(&cx.env, workspace_id).await?;
    json(200, &json!({ "data": data }))
}

pub async fn get(cx: &mut Ctx) -> ApiResult<Response> {
    let workspace_id = cx.caller()?.workspace_id;
    let id = id_param(cx)?;
    let conn = connections::get(&cx.env, workspace_id, &id).await?.ok_or_else(ApiError::not_found)?;
    json(200, &conn)
}

pub async fn delete(cx: &mut Ctx) -> ApiResult<Response> {
    let workspace_id = cx.caller()?.workspace_id;
    let id = id_param(cx)?;
    if !connections::delete(&cx.env, workspace_id, &id).await? {
        return Err(ApiError::not_found());
    }
    no_content()
}
