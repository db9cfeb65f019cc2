//! `/v1/agents/{agent}/functions` (seed 002): add, get, PATCH, PUT upsert, list, remove,
//! and `invoke`, which calls the function's URL through the outbound guard.
//! Header values are sealed at rest; sensitive ones come back as `********`, and writing
//! `********` back keeps the stored value.

use super::agents::{find_live, seal_function, write_with_agent_event, write_with_agent_event_checked, Before};
use super::error::{ApiError, ApiResult};
use super::Reply;
use super::{body, json, no_content, Ctx};
use crate::domain::agent::{self, is_sensitive_header, FunctionInput, REDACTED};
use crate::domain::validate::Errors;
use crate::domain::{schema, time};
use crate::platform::outbound::{self, Failure, Outbound};
use crate::platform::{now_ms, sealer};
use crate::store::agents::AgentId;
use crate::store::functions::{self as store, FunctionRow, SealedFunction};
use crate::store::quotas::Check;
use serde_json::{json, Map, Value};
use worker::Method;

fn fn_not_found() -> ApiError {
    ApiError::NotFound("Function not found.".into())
}

fn stored_headers(row: &FunctionRow) -> Map<String, Value> {
    serde_json::from_str(&row.headers).unwrap_or_default()
}

/// The function as the API shows it: sensitive headers redacted, the others opened.
fn render(cx: &Ctx, row: &FunctionRow) -> ApiResult<Value> {
    let sealer = sealer(&cx.env)?;
    let mut headers = Map::new();
    for (name, sealed) in stored_headers(row) {
        let shown = if is_sensitive_header(&name) {
            REDACTED.to_string()
        } else {
            sealer
                .open_string(sealed.as_str().unwrap_or_default())
                .map_err(|_| ApiError::Internal(format!("header '{name}' could not be opened")))?
        };
        headers.insert(name, Value::String(shown));
    }
    let parameters = row.parameters.as_deref().and_then(|p| serde_json::from_str(p).ok()).unwrap_or(Value::Null);
    Ok(json!({
        "name": row.name,
        "description": row.description,
        "method": row.method,
        "url": row.url,
        "headers": headers,
        "parameters": parameters,
    }))
}

/// A function's answer after a write that dropped secret headers (kept, not re-sent,
/// across a change of the URL's origin): `dropped_headers` names them.
fn with_dropped(mut f: Value, dropped: Vec<String>) -> Value {
    if !dropped.is_empty() {
        f["dropped_headers"] = json!(dropped);
    }
    f
}

fn row_of(f: &SealedFunction) -> FunctionRow {
    FunctionRow {
        name: f.name.clone(),
        description: f.description.clone(),
        method: f.method.clone(),
        url: f.url.clone(),
        headers: f.headers_json.clone(),
        parameters: f.parameters_json.clone(),
    }
}

pub async fn list(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let a = find_live(cx, ws, false).await?;
    let rows = store::list(&cx.env, a.id).await?;
    let out = rows.iter().map(|r| render(cx, r)).collect::<ApiResult<Vec<_>>>()?;
    json(200, &out)
}

fn has_function(a: &crate::store::agents::AgentRef, name: &str) -> bool {
    serde_json::from_str::<Vec<Value>>(&a.functions)
        .unwrap_or_default()
        .iter()
        .any(|f| f.get("name").and_then(Value::as_str) == Some(name))
}

pub async fn add(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let input = agent::function_input(&map, true)?;
    let a = find_live(cx, ws, false).await?;
    if has_function(&a, &input.name) {
        return Err(ApiError::validation("name", "The agent already has a function with this name."));
    }
    let (sealed, _) = seal_function(cx, &input, None)?;
    cx.audit_target(format!("{}/{}", a.uid, input.name));
    let now = time::format_millis(now_ms());
    let statement = store::upsert(&cx.env, ws, AgentId::Known(a.id), &sealed, &now)?;
    write_with_agent_event_checked(cx, ws, &a, vec![statement], &[Check::functions(AgentId::Known(a.id))]).await?;
    json(201, &render(cx, &row_of(&sealed))?)
}

pub async fn get(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let a = find_live(cx, ws, false).await?;
    let row = store::get(&cx.env, a.id, cx.param("name")).await?.ok_or_else(fn_not_found)?;
    json(200, &render(cx, &row)?)
}

pub async fn update(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let patch = agent::function_input(&map, false)?;
    let a = find_live(cx, ws, false).await?;
    let name = cx.param("name").to_string();
    let row = store::get(&cx.env, a.id, &name).await?.ok_or_else(fn_not_found)?;
    // Fields left out keep their values; `headers`, when present, is the new set.
    let merged = FunctionInput {
        name: if map.contains_key("name") { patch.name.clone() } else { row.name.clone() },
        description: if map.contains_key("description") { patch.description.clone() } else { row.description.clone() },
        method: if patch.method.is_empty() { row.method.clone() } else { patch.method.clone() },
        url: if map.contains_key("url") { patch.url.clone() } else { row.url.clone() },
        headers: if map.contains_key("headers") { patch.headers.clone() } else { keep_all(&row) },
        parameters: if map.contains_key("parameters") {
            patch.parameters.clone()
        } else {
            row.parameters.as_deref().and_then(|p| serde_json::from_str(p).ok())
        },
    };
    if merged.name != name && has_function(&a, &merged.name) {
        return Err(ApiError::validation("name", "The agent already has a function with this name."));
    }
    let stored = stored_headers(&row);
    let (sealed, dropped) = seal_function(cx, &merged, Some(Before { headers: &stored, url: &row.url }))?;
    let statement = store::replace(&cx.env, a.id, &name, &sealed, &time::format_millis(now_ms()))?;
    cx.audit_target(format!("{}/{}", a.uid, name));
    write_with_agent_event(cx, ws, &a, vec![statement]).await?;
    json(200, &with_dropped(render(cx, &row_of(&sealed))?, dropped))
}

/// Every stored header, written as `********` so that sealing keeps its value.
fn keep_all(row: &FunctionRow) -> Vec<(String, String)> {
    stored_headers(row).keys().map(|k| (k.clone(), REDACTED.to_string())).collect()
}

pub async fn upsert(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let name = cx.param("name").to_string();
    let mut map = body::json_object(cx).await?;
    // The path names the function; a body's `name` may repeat it, nothing else.
    match map.get("name") {
        None => {
            map.insert("name".into(), Value::String(name.clone()));
        }
        Some(Value::String(n)) if *n == name => {}
        Some(Value::String(_)) => {
            return Err(ApiError::validation("name", "The name in the body must match the name in the path."))
        }
        Some(_) => return Err(ApiError::validation("name", "The name must be a string.")),
    }
    let input = agent::function_input(&map, true)?;
    let a = find_live(cx, ws, false).await?;
    let old = store::get(&cx.env, a.id, &name).await?;
    let stored = old.as_ref().map(stored_headers);
    let before = old.as_ref().zip(stored.as_ref()).map(|(o, h)| Before { headers: h, url: &o.url });
    let (sealed, dropped) = seal_function(cx, &input, before)?;
    let statement = store::upsert(&cx.env, ws, AgentId::Known(a.id), &sealed, &time::format_millis(now_ms()))?;
    // Only a new function counts against the agent's quota.
    let checks = if old.is_none() { vec![Check::functions(AgentId::Known(a.id))] } else { vec![] };
    cx.audit_target(format!("{}/{}", a.uid, name));
    write_with_agent_event_checked(cx, ws, &a, vec![statement], &checks).await?;
    json(if old.is_some() { 200 } else { 201 }, &with_dropped(render(cx, &row_of(&sealed))?, dropped))
}

pub async fn remove(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let a = find_live(cx, ws, false).await?;
    let name = cx.param("name").to_string();
    if !has_function(&a, &name) {
        return Err(fn_not_found());
    }
    cx.audit_target(format!("{}/{}", a.uid, name));
    write_with_agent_event(cx, ws, &a, vec![store::delete_statement(&cx.env, a.id, &name)?]).await?;
    no_content()
}

/// POST .../functions/{name}/invoke `{arguments}` → `{status, body, duration}`.
/// The remote end's failures are a 200 carrying its status; a URL the guard refuses is a
/// 422; no answer in time or no connection is a 200 with `error` and `status: null`.
pub async fn invoke(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    // An empty body is no arguments: `curl -X POST .../invoke` works as is.
    let map = body::json_object_or_empty(cx).await?;
    let args = match map.get("arguments") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(v @ Value::Object(_)) => v.clone(),
        Some(_) => return Err(ApiError::validation("arguments", "The arguments must be an object.")),
    };
    json(200, &invoke_with(cx, ws, args).await?)
}

/// Calls the function the path names (`agent`, `name`) with `args`: the body of a
/// successful invoke. Function invoke and the MCP endpoint's function tools share it; the
/// caller has taken the rate-limit slot.
pub async fn invoke_with(cx: &mut Ctx, ws: i64, args: Value) -> ApiResult<Value> {
    let a = find_live(cx, ws, false).await?;
    let row = store::get(&cx.env, a.id, cx.param("name")).await?.ok_or_else(fn_not_found)?;
    cx.audit_target(format!("{}/{}", a.uid, row.name));
    if let Some(schema) = row.parameters.as_deref().and_then(|p| serde_json::from_str::<Value>(p).ok()) {
        let problems = schema::validate(&schema, &args);
        if !problems.is_empty() {
            let mut errors = Errors::new();
            for (path, msg) in problems {
                errors.add(&format!("arguments.{path}"), format!("The arguments.{path} {msg}"));
            }
            return Err(errors.into());
        }
    }

    let sealer = sealer(&cx.env)?;
    let mut headers = Vec::new();
    for (name, sealed) in stored_headers(&row) {
        let value = sealer
            .open_string(sealed.as_str().unwrap_or_default())
            .map_err(|_| ApiError::Internal(format!("header '{name}' could not be opened")))?;
        headers.push((name, value));
    }
    let method = match row.method.as_str() {
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "PATCH" => Method::Patch,
        "DELETE" => Method::Delete,
        _ => Method::Get,
    };
    let mut url = row.url.clone();
    let mut body = None;
    let obj = args.as_object().cloned().unwrap_or_default();
    if method == Method::Get {
        if !obj.is_empty() {
            let mut parsed =
                url::Url::parse(&url).map_err(|_| ApiError::validation("url", "The function url is invalid."))?;
            {
                let mut pairs = parsed.query_pairs_mut();
                for (k, v) in &obj {
                    match v {
                        Value::String(s) => pairs.append_pair(k, s),
                        other => pairs.append_pair(k, &other.to_string()),
                    };
                }
            }
            url = parsed.to_string();
        }
    } else {
        body = Some(serde_json::to_vec(&args)?);
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
    }

    let started = now_ms();
    let result = outbound::send(&cx.env, Outbound { method, url, headers, body }).await;
    let duration = now_ms() - started;
    match result {
        Ok(answer) => {
            let mut out = json!({"status": answer.status, "body": answer.body_value(), "duration": duration});
            if answer.truncated {
                // The body is the first OUTBOUND_MAX_RESPONSE_BYTES as text, never parsed.
                out["truncated"] = Value::Bool(true);
            }
            Ok(out)
        }
        Err(Failure::Refused(r)) => {
            Err(ApiError::validation("url", format!("The function url was refused: {}", r.message())))
        }
        Err(Failure::TooManyRedirects) => {
            Ok(json!({"status": null, "body": null, "error": "TOO_MANY_REDIRECTS", "duration": duration}))
        }
        Err(Failure::Timeout) => {
            Ok(json!({"status": null, "body": null, "error": "UPSTREAM_TIMEOUT", "duration": duration}))
        }
        Err(Failure::Unreachable(m)) => Ok(
            json!({"status": null, "body": null, "error": "UPSTREAM_UNREACHABLE", "message": m, "duration": duration}),
        ),
    }
}
