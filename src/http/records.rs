//! What the support-data handlers (companies, customers, members, conversations) share:
//! integer path ids, the listing answer, batches that end in a read-back, and SQLite's
//! UNIQUE errors as 422s.

use super::audit::Target;
use super::error::{write_failed, ApiError, ApiResult};
use super::Reply;
use super::{json, raw_json, Ctx};
use crate::domain::support::{external_id_problem, parse_id};
use crate::store::events::{self, Emitted};
use crate::store::page;
use crate::store::quotas::Check;
use serde_json::json;
use worker::{D1PreparedStatement, D1Result};

/// The integer id in the path; anything that is not one names nothing: 404.
pub fn path_id(cx: &Ctx, name: &str, not_found: fn() -> ApiError) -> ApiResult<i64> {
    parse_id(cx.param(name)).ok_or_else(not_found)
}

/// `{data, start, end, count}`, or `{count}` with `count_only`.
pub fn listing(items: Vec<String>, count: i64, q: &crate::domain::listing::ListQuery) -> ApiResult<Reply> {
    if q.count_only {
        return json(200, &json!({ "count": count }));
    }
    raw_json(200, page::listing_body(&items, q.skip, count))
}

/// Runs a write batch (one transaction) and returns the JSON item its statement `read`
/// selected; `None` when that read found nothing. `unique` maps a UNIQUE constraint (by
/// its `table.column` text) to the field named in the 422.
/// The audit entry goes last: a create's target is the row its insert made (the batch's
/// last insert), an update's the path's id, if it changed a row.
pub async fn write(
    cx: &Ctx,
    mut statements: Vec<D1PreparedStatement>,
    read: usize,
    unique: &[(&str, &str)],
) -> ApiResult<Option<String>> {
    let target = if cx.params.is_empty() { Target::Inserted } else { Target::PathIfChanged };
    cx.audit_into(&mut statements, target)?;
    Ok(page::item_at(&run(cx, statements, unique, &[]).await?, read)?)
}

/// Runs the batch; `checks` are the storage quotas its guards (already in `statements`)
/// stand for, so that a refusal becomes the 403.
async fn run(
    cx: &Ctx,
    statements: Vec<D1PreparedStatement>,
    unique: &[(&str, &str)],
    checks: &[Check<'_>],
) -> ApiResult<Vec<D1Result>> {
    match crate::platform::d1::db(&cx.env)?.batch(statements).await {
        Ok(results) => Ok(results),
        Err(e) if checks.is_empty() => Err(unique_or_internal(e, unique)),
        Err(e) => {
            let ws = cx.caller()?.workspace_id;
            Err(write_failed(&cx.env, ws, checks, e, |e| unique_or_internal(e, unique)).await)
        }
    }
}

fn unique_or_internal(e: worker::Error, unique: &[(&str, &str)]) -> ApiError {
    let msg = crate::platform::d1::error_text(&e);
    if msg.contains("UNIQUE constraint failed") {
        for (needle, field) in unique {
            if msg.contains(needle) {
                return ApiError::validation(field, format!("The {field} has already been taken."));
            }
        }
    }
    ApiError::Internal(msg)
}

/// `write` with the write's events (the outbox rows) appended to the same batch, after
/// every statement of the change; published once the batch committed and the read-back
/// found the item (an event whose row is not there inserts nothing).
pub async fn write_emitting(
    cx: &Ctx,
    statements: Vec<D1PreparedStatement>,
    read: usize,
    unique: &[(&str, &str)],
    events: Vec<Emitted>,
) -> ApiResult<Option<String>> {
    write_emitting_checked(cx, statements, read, unique, events, &[]).await
}

/// `write_emitting` for a create that must stay within storage quotas `checks`: their
/// guards go after the change (and its read-back), before the events.
pub async fn write_emitting_checked(
    cx: &Ctx,
    mut statements: Vec<D1PreparedStatement>,
    read: usize,
    unique: &[(&str, &str)],
    events: Vec<Emitted>,
    checks: &[Check<'_>],
) -> ApiResult<Option<String>> {
    if !checks.is_empty() {
        let ws = cx.caller()?.workspace_id;
        for c in checks {
            statements.push(c.statement(&cx.env, ws)?);
        }
    }
    let first_event = events.first().map(|ev| ev.id.clone());
    for ev in events {
        statements.extend(ev.statements);
    }
    // The audit entry names the first event's resource, and is written only with it.
    match &first_event {
        Some(id) => cx.audit_into(&mut statements, Target::Event(id))?,
        None => cx.audit_into(&mut statements, Target::Path)?,
    }
    let results = run(cx, statements, unique, checks).await?;
    let item = page::item_at(&results, read)?;
    if item.is_some() {
        super::webhooks::publish(cx, &events::pending(&results)).await;
    }
    Ok(item)
}

/// Runs `delete` (a `DELETE … RETURNING id`) with its event (written first: the object
/// as it was) in one batch; whether a row went (no row: no event either).
pub async fn delete_emitting(cx: &Ctx, delete: D1PreparedStatement, ev: Emitted) -> ApiResult<bool> {
    let mut statements = ev.statements;
    statements.push(delete);
    let n = statements.len();
    // Written only with the event, that is only if the row was there.
    cx.audit_into(&mut statements, Target::Event(&ev.id))?;
    let results = crate::platform::d1::db(&cx.env)?.batch(statements).await?;
    let deleted = match results.get(n - 1) {
        Some(r) => !r.results::<serde_json::Value>()?.is_empty(),
        None => false,
    };
    if deleted {
        super::webhooks::publish(cx, &events::pending(&results)).await;
    }
    Ok(deleted)
}

/// A row that a write's read-back must find.
pub fn written(item: Option<String>) -> ApiResult<String> {
    item.ok_or_else(|| ApiError::Internal("write returned no row".into()))
}

/// The `external_id` path parameter, checked like the body field.
pub fn external_id_param(cx: &Ctx) -> ApiResult<String> {
    let e = cx.param("external_id").to_string();
    match external_id_problem(&e) {
        Some(p) => Err(ApiError::validation("external_id", p)),
        None => Ok(e),
    }
}

/// The inputs of a PUT by external id (companies, customers): the path's `external_id` and
/// the body, read together so that one 422 lists every problem, and required to agree.
pub fn upsert_input<T>(
    cx: &Ctx,
    map: &serde_json::Map<String, serde_json::Value>,
    parse: impl FnOnce(&serde_json::Map<String, serde_json::Value>) -> Result<T, crate::domain::validate::Errors>,
    body_external_id: impl Fn(&T) -> Option<&str>,
) -> ApiResult<(String, T)> {
    let mut errors = crate::domain::validate::Errors::new();
    let path_ext = match external_id_param(cx) {
        Ok(e) => Some(e),
        Err(ApiError::Validation(e)) => {
            errors.merge(e);
            None
        }
        Err(other) => return Err(other),
    };
    let input = parse(map).map_err(|e| errors.merge(e)).ok();
    if let (Some(p), Some(b)) = (&path_ext, input.as_ref().and_then(&body_external_id)) {
        if b != p {
            errors.add("external_id", "The external_id in the body must match the external_id in the path.");
        }
    }
    match (path_ext, input) {
        (Some(ext), Some(input)) if errors.is_empty() => Ok((ext, input)),
        _ => Err(ApiError::Validation(errors)),
    }
}
