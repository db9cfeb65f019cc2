//! `/v1/customers`: create, get, PATCH, upsert and get by `external_id`, list, delete
//! (support data).

use super::error::{ApiError, ApiResult};
use super::records::{
    delete_emitting, external_id_param, listing, path_id, write_emitting, write_emitting_checked, written,
};
use super::Reply;
use super::{body, no_content, raw_json, Ctx};
use crate::domain::quota::Resource;
use crate::domain::support::{self, CustomerInput};
use crate::domain::{listing as list_params, time};
use crate::platform::now_ms;
use crate::store::events::Previous;
use crate::store::quotas::Check;
use crate::store::{companies, customers as store, page};

pub const UNIQUE: [(&str, &str); 1] = [("customers.workspace_id, customers.external_id", "external_id")];

fn not_found() -> ApiError {
    ApiError::NotFound("Customer not found.".into())
}

pub async fn list(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let q = list_params::parse(cx.query(), &store::SORTABLE)?;
    let filters = support::customer_filters(&q.params)?;
    let (items, count) = store::list(&cx.env, ws, &q, &filters).await?;
    listing(items, count, &q)
}

/// The company a write names, resolved in the workspace: `None` not in the body,
/// `Some(None)` cleared; an unknown company (or another workspace's) is a 422.
async fn company(cx: &Ctx, ws: i64, input: &CustomerInput) -> ApiResult<Option<Option<i64>>> {
    match &input.company {
        None => Ok(None),
        Some(None) => Ok(Some(None)),
        Some(Some(r)) => match companies::resolve(&cx.env, ws, r).await? {
            Some(id) => Ok(Some(Some(id))),
            None => Err(ApiError::validation("company", "The selected company is invalid.")),
        },
    }
}

pub async fn create(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let input = support::customer_input(&map)?;
    raw_json(201, insert(cx, ws, &input).await?)
}

async fn insert(cx: &Ctx, ws: i64, input: &CustomerInput) -> ApiResult<String> {
    let company = company(cx, ws, input).await?;
    let now = time::format_millis(now_ms());
    let stmts = vec![store::insert(&cx.env, ws, input, company, &now)?, store::select_last_inserted(&cx.env)?];
    let ev = page::emit(&cx.env, ws, "customer.created", "customer", store::EVENT_ROW, None, Previous::None)?;
    let checks = [Check::workspace(Resource::Customers)];
    written(write_emitting_checked(cx, stmts, 1, &UNIQUE, vec![ev], &checks).await?)
}

pub async fn get(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let id = path_id(cx, "id", not_found)?;
    raw_json(200, store::get(&cx.env, ws, id).await?.ok_or_else(not_found)?)
}

pub async fn update(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let input = support::customer_input(&map)?;
    let id = path_id(cx, "id", not_found)?;
    raw_json(200, update_by_id(cx, ws, id, &input).await?.ok_or_else(not_found)?)
}

/// Updates a customer; `None` when it is not in the workspace (checked before the company
/// reference, so a missing customer is a 404 whatever the body names).
async fn update_by_id(cx: &Ctx, ws: i64, id: i64, input: &CustomerInput) -> ApiResult<Option<String>> {
    let Some(before) = store::get(&cx.env, ws, id).await? else { return Ok(None) };
    let company = company(cx, ws, input).await?;
    let now = time::format_millis(now_ms());
    let stmts = vec![store::update(&cx.env, ws, id, input, company, &now)?, store::select(&cx.env, ws, id)?];
    let ev = page::emit(
        &cx.env,
        ws,
        "customer.updated",
        "customer",
        store::EVENT_ROW,
        Some(id),
        Previous::DiffFrom(&before),
    )?;
    write_emitting(cx, stmts, 1, &UNIQUE, vec![ev]).await
}

pub async fn get_by_external_id(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let e = external_id_param(cx).map_err(|_| not_found())?;
    let id = store::find_by_external_id(&cx.env, ws, &e).await?.ok_or_else(not_found)?;
    raw_json(200, store::get(&cx.env, ws, id).await?.ok_or_else(not_found)?)
}

/// PUT /v1/customers/by-external-id/{external_id}: updates the customer with that external
/// id (fields left out keep their values; 200) or creates it (201).
pub async fn upsert(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let (ext, mut input) = super::records::upsert_input(cx, &map, support::customer_input, |i| {
        i.external_id.as_ref().and_then(|e| e.as_deref())
    })?;
    let input = &mut input;
    input.external_id = Some(Some(ext.clone()));
    for _ in 0..2 {
        if let Some(id) = store::find_by_external_id(&cx.env, ws, &ext).await? {
            return raw_json(200, update_by_id(cx, ws, id, input).await?.ok_or_else(not_found)?);
        }
        match insert(cx, ws, input).await {
            Ok(item) => return raw_json(201, item),
            // Created concurrently by another request: update it instead.
            Err(ApiError::Validation(e)) if e.has("external_id") => continue,
            Err(other) => return Err(other),
        }
    }
    Err(ApiError::Internal("customer upsert did not settle".into()))
}

/// DELETE /v1/customers/{id}: the customer and, with it, its conversations and their
/// messages.
pub async fn delete(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let id = path_id(cx, "id", not_found)?;
    let ev = page::emit(&cx.env, ws, "customer.deleted", "customer", store::EVENT_ROW, Some(id), Previous::None)?;
    if !delete_emitting(cx, store::delete_statement(&cx.env, ws, id)?, ev).await? {
        return Err(not_found());
    }
    no_content()
}
