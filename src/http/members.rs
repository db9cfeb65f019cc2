//! `/v1/members`: the workspace's human support staff.

use super::error::{ApiError, ApiResult};
use super::records::{listing, path_id, write, written};
use super::Reply;
use super::{body, no_content, raw_json, Ctx};
use crate::domain::{listing as list_params, support, time};
use crate::platform::now_ms;
use crate::store::members as store;

pub const UNIQUE: [(&str, &str); 1] = [("members.workspace_id, members.email", "email")];

fn not_found() -> ApiError {
    ApiError::NotFound("Member not found.".into())
}

pub async fn list(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let q = list_params::parse(cx.query(), &store::SORTABLE)?;
    let roles = support::member_filters(&q.params)?;
    let (items, count) = store::list(&cx.env, ws, &q, &roles).await?;
    listing(items, count, &q)
}

pub async fn create(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let input = support::member_input(&map, true)?;
    let now = time::format_millis(now_ms());
    let stmts = vec![store::insert(&cx.env, ws, &input, &now)?, store::select_last_inserted(&cx.env)?];
    raw_json(201, written(write(cx, stmts, 1, &UNIQUE).await?)?)
}

pub async fn get(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let id = path_id(cx, "id", not_found)?;
    raw_json(200, store::get(&cx.env, ws, id).await?.ok_or_else(not_found)?)
}

pub async fn update(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let input = support::member_input(&map, false)?;
    let id = path_id(cx, "id", not_found)?;
    let now = time::format_millis(now_ms());
    let stmts = vec![store::update(&cx.env, ws, id, &input, &now)?, store::select(&cx.env, ws, id)?];
    raw_json(200, write(cx, stmts, 1, &UNIQUE).await?.ok_or_else(not_found)?)
}

/// DELETE /v1/members/{id}: their conversations become unassigned; their messages and
/// notes stay (the sender's name reads null).
pub async fn delete(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let id = path_id(cx, "id", not_found)?;
    if !store::delete(&cx.env, ws, id).await? {
        return Err(not_found());
    }
    no_content()
}
