//! `/v1/companies`: create, get, PATCH, upsert and get by `external_id`, list, delete, and
//! the company's customers.

use super::error::{ApiError, ApiResult};
use super::records::{delete_emitting, external_id_param, listing, path_id, write_emitting, written};
use super::Reply;
use super::{body, no_content, raw_json, Ctx};
use crate::domain::support::{self, CompanyInput};
use crate::domain::{listing as list_params, time};
use crate::platform::now_ms;
use crate::store::events::Previous;
use crate::store::{companies as store, customers as customer_store, page};

pub const UNIQUE: [(&str, &str); 1] = [("companies.workspace_id, companies.external_id", "external_id")];

fn not_found() -> ApiError {
    ApiError::NotFound("Company not found.".into())
}

pub async fn list(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let q = list_params::parse(cx.query(), &store::SORTABLE)?;
    let (items, count) = store::list(&cx.env, ws, &q).await?;
    listing(items, count, &q)
}

pub async fn create(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let input = support::company_input(&map, true)?;
    let now = time::format_millis(now_ms());
    raw_json(201, written(insert(cx, ws, &input, &now).await?)?)
}

pub async fn get(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let id = path_id(cx, "id", not_found)?;
    raw_json(200, store::get(&cx.env, ws, id).await?.ok_or_else(not_found)?)
}

pub async fn update(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let input = support::company_input(&map, false)?;
    let id = path_id(cx, "id", not_found)?;
    raw_json(200, update_by_id(cx, ws, id, &input).await?.ok_or_else(not_found)?)
}

/// Inserts a company with its `company.created` event.
async fn insert(cx: &Ctx, ws: i64, input: &CompanyInput, now: &str) -> ApiResult<Option<String>> {
    let stmts = vec![store::insert(&cx.env, ws, input, now)?, store::select_last_inserted(&cx.env)?];
    let ev = page::emit(&cx.env, ws, "company.created", "company", store::EVENT_ROW, None, Previous::None)?;
    write_emitting(cx, stmts, 1, &UNIQUE, vec![ev]).await
}

async fn update_by_id(cx: &Ctx, ws: i64, id: i64, input: &CompanyInput) -> ApiResult<Option<String>> {
    let Some(before) = store::get(&cx.env, ws, id).await? else { return Ok(None) };
    let now = time::format_millis(now_ms());
    let stmts = vec![store::update(&cx.env, ws, id, input, &now)?, store::select(&cx.env, ws, id)?];
    let ev =
        page::emit(&cx.env, ws, "company.updated", "company", store::EVENT_ROW, Some(id), Previous::DiffFrom(&before))?;
    write_emitting(cx, stmts, 1, &UNIQUE, vec![ev]).await
}

pub async fn get_by_external_id(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let e = external_id_param(cx).map_err(|_| not_found())?;
    let id = store::find_by_external_id(&cx.env, ws, &e).await?.ok_or_else(not_found)?;
    raw_json(200, store::get(&cx.env, ws, id).await?.ok_or_else(not_found)?)
}

/// PUT /v1/companies/by-external-id/{external_id}: updates the company with that external
/// id (fields left out keep their values; 200) or creates it (`name` required; 201).
pub async fn upsert(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let (ext, mut input) = super::records::upsert_input(
        cx,
        &map,
        |m| support::company_input(m, false),
        |i| i.external_id.as_ref().and_then(|e| e.as_deref()),
    )?;
    let input = &mut input;
    input.external_id = Some(Some(ext.clone()));
    for _ in 0..2 {
        if let Some(id) = store::find_by_external_id(&cx.env, ws, &ext).await? {
            let item = update_by_id(cx, ws, id, input).await?.ok_or_else(not_found)?;
            return raw_json(200, item);
        }
        if input.name.is_none() {
            return Err(ApiError::validation("name", "The name field is required."));
        }
        let now = time::format_millis(now_ms());
        match insert(cx, ws, input, &now).await {
            Ok(item) => return raw_json(201, written(item)?),
            // Created concurrently by another request: update it instead.
            Err(ApiError::Validation(e)) if e.has("external_id") => continue,
            Err(other) => return Err(other),
        }
    }
    Err(ApiError::Internal("company upsert did not settle".into()))
}

pub async fn delete(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let id = path_id(cx, "id", not_found)?;
    let ev = page::emit(&cx.env, ws, "company.deleted", "company", store::EVENT_ROW, Some(id), Previous::None)?;
    if !delete_emitting(cx, store::delete_statement(&cx.env, ws, id)?, ev).await? {
        return Err(not_found());
    }
    no_content()
}

/// GET /v1/companies/{id}/customers: the company's customers, with the customers
/// listing's parameters.
pub async fn customers(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let q = list_params::parse(cx.query(), &customer_store::SORTABLE)?;
    let mut filters = support::customer_filters(&q.params)?;
    let id = path_id(cx, "id", not_found)?;
    store::find_by_id(&cx.env, ws, id).await?.ok_or_else(not_found)?;
    filters.company = Some(id);
    let (items, count) = customer_store::list(&cx.env, ws, &q, &filters).await?;
    listing(items, count, &q)
}
