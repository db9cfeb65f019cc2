//! Connections (seed 004, CONTRACT.md Actions): `POST/GET /v1/connections`,
//! `GET/DELETE /v1/connections/{id}`. Credentials are sealed (AES-256-GCM under
//! `CREDENTIALS_KEY`, a fresh nonce each time) before they reach D1, and never returned.

use super::audit::Target;
use super::error::{ApiError, ApiResult};
use super::Reply;
use super::{body, json, no_content, Ctx};
use crate::domain::connection;
use crate::platform::{now_ms, random_bytes, seal};
use crate::store::connections;
use crate::store::events::{self, Previous};
use serde_json::{json, Value};

/// The `{id}` of the path when it can be a connection id; anything else is a 404.
fn id_param(cx: &Ctx) -> ApiResult<String> {
    let id = cx.param("id");
    if connection::is_id(id) {
        Ok(id.to_string())
    } else {
        Err(ApiError::not_found())
    }
}

pub async fn create(cx: &mut Ctx) -> ApiResult<Reply> {
    let workspace_id = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let now = now_ms();
    let input = connection::connection_input(&map, now, &crate::pieces::connection_specs())?;
    let sealed = seal(&cx.env, &Value::Object(input.credentials).to_string())?;
    let id = connection::new_id(&random_bytes::<16>()?);
    let conn = connections::Connection {
        id: id.clone(),
        piece_name: input.piece_name.clone(),
        name: input.name.clone(),
        expires_at: input.expires_at_ms.map(crate::domain::time::format_millis),
        created_at: crate::domain::time::format_millis(now),
    };
    // The connection and its event in one batch (the event row is the webhook outbox).
    let object = serde_json::to_string(&conn).map_err(|e| ApiError::Internal(e.to_string()))?;
    let ev = events::emit(&cx.env, workspace_id, "connection.created", "connection", &id, &object, Previous::None)?;
    let mut statements = vec![connections::create_statement(&cx.env, workspace_id, &conn, &sealed)?];
    statements.extend(ev.statements);
    cx.audit_into(&mut statements, Target::Event(&ev.id))?;
    let results = crate::platform::d1::db(&cx.env)?.batch(statements).await?;
    super::webhooks::publish(cx, &events::pending(&results)).await;
    json(201, &conn)
}

pub async fn list(cx: &mut Ctx) -> ApiResult<Reply> {
    let workspace_id = cx.caller()?.workspace_id;
    let data = connections::list(&cx.env, workspace_id).await?;
    json(200, &json!({ "data": data }))
}

pub async fn get(cx: &mut Ctx) -> ApiResult<Reply> {
    let workspace_id = cx.caller()?.workspace_id;
    let id = id_param(cx)?;
    let conn = connections::get(&cx.env, workspace_id, &id).await?.ok_or_else(ApiError::not_found)?;
    json(200, &conn)
}

pub async fn delete(cx: &mut Ctx) -> ApiResult<Reply> {
    let workspace_id = cx.caller()?.workspace_id;
    let id = id_param(cx)?;
    // The event (the connection as it was) and the delete in one batch.
    let ev = connections::emit(&cx.env, workspace_id, "connection.deleted", &id, Previous::None)?;
    let mut statements = ev.statements;
    statements.push(connections::delete_statement(&cx.env, workspace_id, &id)?);
    let n = statements.len();
    cx.audit_into(&mut statements, Target::Event(&ev.id))?;
    let results = crate::platform::d1::db(&cx.env)?.batch(statements).await?;
    let deleted = match results.get(n - 1) {
        Some(r) => !r.results::<Value>()?.is_empty(),
        None => false,
    };
    if !deleted {
        return Err(ApiError::not_found());
    }
    super::webhooks::publish(cx, &events::pending(&results)).await;
    no_content()
}
