//! `/v1/agents` (and seed 002's `/api/agents`): create, get, PATCH, PUT upsert by uid,
//! list, trash, restore, delete; and the operator's `protected` flag.

use super::audit::Target;
use super::error::{write_failed, ApiError, ApiResult};
use super::{body, js_json, no_content, raw_json, Ctx};
use super::{Body, Reply};
use crate::domain::agent::{
    self, AgentInput, AgentKey, DirectoryInput, FunctionInput, FunctionRef, PictureInput, REDACTED,
};
use crate::domain::quota::Resource;
use crate::domain::validate::Errors;
use crate::domain::{image, listing, time};
use crate::platform::{d1, new_id, now_ms, sealer};
use crate::store::agents::{self as store, AgentId, AgentRef, NewBlob};
use crate::store::events::{self, Previous};
use crate::store::functions::{self as fstore, SealedFunction};
use crate::store::quotas::Check;
use serde_json::{Map, Value};
use wasm_bindgen::JsValue;

fn key(cx: &Ctx) -> AgentKey {
    AgentKey::parse(cx.param("agent"))
}

fn agent_not_found() -> ApiError {
    ApiError::NotFound("Agent not found.".into())
}

/// Seals a function's header values. `stored` holds the sealed headers it had (if any):
/// a header written as `********` keeps its stored value.
/// What a function had before a write: its sealed headers and its URL.
pub struct Before<'a> {
    pub headers: &'a Map<String, Value>,
    pub url: &'a str,
}

/// Seals a function's headers. A header sent as `********` keeps its stored value, except
/// a secret one (`is_sensitive_header`) when the URL moves to another origin: it is
/// dropped, and its name is in the second value, so the answer can say so.
pub fn seal_function(cx: &Ctx, f: &FunctionInput, before: Option<Before>) -> ApiResult<(SealedFunction, Vec<String>)> {
    let sealer = sealer(&cx.env)?;
    let mut headers = Map::new();
    let mut dropped = Vec::new();
    let same_origin = before.as_ref().is_none_or(|b| agent::secrets_stay(b.url, &f.url));
    for (name, value) in &f.headers {
        let sealed = if value == REDACTED {
            if !same_origin && agent::is_sensitive_header(name) {
                dropped.push(name.clone());
                continue;
            }
            let kept = before
                .as_ref()
                .and_then(|b| b.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
                .and_then(|(_, v)| v.as_str());
            match kept {
                Some(v) => v.to_string(),
                None => {
                    return Err(ApiError::validation(
                        "headers",
                        format!("The header '{name}' has no stored value to keep; send its value."),
                    ))
                }
            }
        } else {
            sealer
                .seal(crate::platform::random_bytes::<12>()?, value.as_bytes())
                .map_err(|_| ApiError::Internal("sealing a header failed".into()))?
        };
        headers.insert(name.clone(), Value::String(sealed));
    }
    Ok((
        SealedFunction {
            name: f.name.clone(),
            description: f.description.clone(),
            method: if f.method.is_empty() { "GET".into() } else { f.method.clone() },
            url: f.url.clone(),
            headers_json: serde_json::to_string(&headers)?,
            parameters_json: f.parameters.as_ref().map(serde_json::to_string).transpose()?,
        },
        dropped,
    ))
}

/// The agent named in the path, trashed ones only with `?trashed=true`.
pub async fn find_live(cx: &Ctx, workspace_id: i64, allow_trashed: bool) -> ApiResult<AgentRef> {
    match store::find(&cx.env, cx.origin(), workspace_id, &key(cx)).await? {
        Some(a) if a.is_trashed == 0 || allow_trashed => Ok(a),
        _ => Err(agent_not_found()),
    }
}

pub async fn list(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let q = listing::parse(cx.query(), &store::SORTABLE)?;
    Ok(Reply::json(200, Body::Deferred { body: store::list(&cx.env, cx.origin(), ws, &q)?, if_null: None }))
}

pub async fn create(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let input = agent::agent_input(&map, true)?;
    let agent = write(cx, ws, None, &input).await?;
    js_json(201, agent)
}

pub async fn get(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let body = store::get_json_promise(&cx.env, cx.origin(), ws, &key(cx), cx.flag("trashed")?)?;
    Ok(Reply::json(200, Body::Deferred { body, if_null: Some(Box::new(agent_not_found())) }))
}

pub async fn update(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let input = agent::agent_input(&map, false)?;
    let existing = find_live(cx, ws, cx.flag("trashed")?).await?;
    let agent = write(cx, ws, Some(&existing), &input).await?;
    js_json(200, agent)
}

/// PUT /v1/agents/{uid}: updates the agent with that uid (fields left out keep their
/// values) or creates it (fields left out take their defaults).
pub async fn upsert(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let uid = cx.param("agent").to_string();
    let map = body::json_object(cx).await?;
    let mut errors = Errors::new();
    if let Some(problem) = agent::uid_problem(&uid) {
        errors.add("uid", format!("{problem} (the path names the agent by uid)"));
    }
    let mut input = agent::agent_input(&map, false).map_err(|e| errors.merge(e)).ok();
    if let Some(body_uid) = map.get("uid").and_then(Value::as_str) {
        if body_uid != uid && !errors.has("uid") {
            errors.add("uid", "The uid in the body must match the uid in the path.");
        }
    }
    let trashed = match cx.flag("trashed") {
        Ok(t) => t,
        Err(ApiError::Validation(e)) => {
            errors.merge(e);
            false
        }
        Err(e) => return Err(e),
    };
    errors.clone().into_result()?;
    let Some(input) = input.as_mut() else { return Err(ApiError::Validation(errors)) };
    input.uid = None;
    match store::find(&cx.env, cx.origin(), ws, &AgentKey::Uid(uid.clone())).await? {
        Some(existing) if existing.is_trashed == 0 || trashed => {
            let agent = write(cx, ws, Some(&existing), input).await?;
            js_json(200, agent)
        }
        Some(_) => Err(agent_not_found()),
        None => {
            for field in ["name", "provider", "model"] {
                if !map.contains_key(field) {
                    errors.add(field, format!("The {field} field is required."));
                }
            }
            errors.into_result()?;
            input.uid = Some(uid);
            let agent = write(cx, ws, None, input).await?;
            js_json(201, agent)
        }
    }
}

pub async fn trash(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let a = find_live(cx, ws, true).await?;
    refuse_if_protected(&a, "trashed")?;
    set_trashed(cx, ws, &a, true).await?;
    no_content()
}

pub async fn restore(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let a = find_live(cx, ws, true).await?;
    set_trashed(cx, ws, &a, false).await?;
    no_content()
}

pub async fn delete(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let a = find_live(cx, ws, true).await?;
    refuse_if_protected(&a, "deleted")?;
    // The event carries the agent as it was, so it is written before the row goes.
    let ev = store::emit(&cx.env, cx.origin(), ws, "agent.deleted", AgentId::Known(a.id), Previous::None)?;
    let mut statements = ev.statements;
    statements.push(store::delete_statement(&cx.env, a.id)?);
    cx.audit_into(&mut statements, Target::Event(&ev.id))?;
    let results = crate::platform::d1::db(&cx.env)?.batch(statements).await?;
    super::webhooks::publish(cx, &events::pending(&results)).await;
    if let Some(blob) = &a.picture_blob {
        super::blobs::purge(cx, blob).await;
    }
    no_content()
}

fn refuse_if_protected(a: &AgentRef, what: &str) -> ApiResult<()> {
    if a.protected == 1 {
        return Err(ApiError::Forbidden(format!("The agent '{}' is protected and cannot be {what}.", a.uid)));
    }
    Ok(())
}

/// PATCH /admin/v1/workspaces/{id}/agents/{agent} `{protected: bool}`.
pub async fn protect(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = super::admin::id_param(cx, "id")?;
    let map = body::json_object(cx).await?;
    let protected = match map.get("protected") {
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ApiError::validation("protected", "The protected field must be true or false.")),
        None => return Err(ApiError::validation("protected", "The protected field is required.")),
    };
    let a = store::find(&cx.env, cx.origin(), ws, &key(cx)).await?.ok_or_else(agent_not_found)?;
    if (a.protected == 1) == protected {
        return raw_json(200, a.json);
    }
    let statement = store::set_protected_statement(&cx.env, a.id, protected, &time::format_millis(now_ms()))?;
    let agent = write_with_agent_event(cx, ws, &a, vec![statement]).await?;
    raw_json(200, agent)
}

/// Creates (`existing = None`) or updates an agent, with its picture blob, directory and
/// functions, in one D1 batch (one transaction); returns the agent's JSON.
async fn write(cx: &Ctx, ws: i64, existing: Option<&AgentRef>, input: &AgentInput) -> ApiResult<JsValue> {
    let env = &cx.env;
    let now = time::format_millis(now_ms());

    // References that must already exist: a directory by id, a picture by blob id.
    let dir_id = match &input.directory {
        Some(Some(DirectoryInput::Id(id))) => Some(*id),
        _ => None,
    };
    let blob_ref = match &input.picture {
        Some(Some(PictureInput::Blob(id))) => Some(id.as_str()),
        _ => None,
    };
    if dir_id.is_some() || blob_ref.is_some() {
        let (dir_ok, blob_ok) = store::references_exist(env, ws, dir_id, blob_ref).await?;
        let mut errors = Errors::new();
        if dir_id.is_some() && !dir_ok {
            errors.add("directory", "The selected directory does not exist.");
        }
        if blob_ref.is_some() && !blob_ok {
            errors.add("picture", "The picture blob does not exist.");
        }
        errors.into_result()?;
    }

    // Functions: names keep existing ones, objects are sealed and upserted.
    let stored: Vec<(String, Map<String, Value>, String)> = existing
        .map(|a| serde_json::from_str::<Vec<Value>>(&a.functions).unwrap_or_default())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|f| {
            let name = f.get("name")?.as_str()?.to_string();
            let headers = f.get("headers").and_then(Value::as_object).cloned().unwrap_or_default();
            let url = f.get("url").and_then(Value::as_str).unwrap_or_default().to_string();
            Some((name, headers, url))
        })
        .collect();
    let mut sealed = Vec::new();
    let mut keep = Vec::new();
    if let Some(refs) = &input.functions {
        let mut errors = Errors::new();
        for (n, r) in refs.iter().enumerate() {
            match r {
                FunctionRef::Name(name) => {
                    if stored.iter().any(|(s, _, _)| s == name) {
                        keep.push(name.clone());
                    } else {
                        errors.add(&format!("functions.{n}"), format!("The agent has no function named '{name}'."));
                    }
                }
                FunctionRef::Def(f) => {
                    let old =
                        stored.iter().find(|(s, _, _)| *s == f.name).map(|(_, h, u)| Before { headers: h, url: u });
                    // A secret kept across an origin change is dropped (GET the function to see).
                    match seal_function(cx, f, old).map(|(s, _)| s) {
                        Ok(s) => {
                            keep.push(f.name.clone());
                            sealed.push(s);
                        }
                        Err(ApiError::Validation(e)) => {
                            for (k, msgs) in e.0 {
                                for m in msgs {
                                    errors.add(&format!("functions.{n}.{k}"), m);
                                }
                            }
                        }
                        Err(other) => return Err(other),
                    }
                }
            }
        }
        errors.into_result()?;
    }

    let mut statements = Vec::new();
    let mut blob_id = None;
    if let Some(Some(PictureInput::Data(media_type, bytes))) = &input.picture {
        let blob = NewBlob {
            id: new_id("blob_")?,
            media_type: media_type.clone(),
            dims: image::dimensions(bytes),
            bytes: bytes.clone(),
        };
        statements.push(store::insert_blob(env, ws, &blob, &now)?);
        blob_id = Some(blob.id);
    }
    // Storage quotas, checked by the batch itself once its change is made (store::quotas).
    let mut checks = Vec::new();
    if blob_id.is_some() {
        checks.push(Check::workspace(Resource::BlobBytes));
    }
    if let Some(Some(DirectoryInput::Name(name))) = &input.directory {
        statements.push(store::ensure_directory(env, ws, name, &now)?);
    }
    let agent_id = match existing {
        Some(a) => {
            statements.push(store::update(env, ws, a.id, input, blob_id.as_deref(), &now)?);
            AgentId::Known(a.id)
        }
        None => {
            statements.push(store::insert(env, ws, input, blob_id.as_deref(), &now)?);
            checks.push(Check::workspace(Resource::Agents));
            AgentId::Uid(input.uid.as_deref().unwrap_or_default())
        }
    };
    if input.functions.is_some() {
        if let Some(a) = existing {
            statements.push(fstore::retain(env, a.id, &keep)?);
        }
        for f in &sealed {
            statements.push(fstore::upsert(env, ws, agent_id, f, &now)?);
        }
        if sealed.iter().any(|f| !stored.iter().any(|(s, _, _)| *s == f.name)) {
            checks.push(Check::functions(agent_id));
        }
    }
    for c in &checks {
        statements.push(c.statement(env, ws)?);
    }
    // The event (the outbox row), built by SQLite from the agent as this batch leaves it.
    let origin = cx.origin();
    let ev = match existing {
        Some(a) => store::emit(env, origin, ws, "agent.updated", agent_id, Previous::DiffFrom(&a.json))?,
        None => store::emit(env, origin, ws, "agent.created", agent_id, Previous::None)?,
    };
    // The event's object is the agent exactly as the API returns it, built once by the
    // event insert, which returns it: the response is that text.
    statements.extend(ev.statements);
    let event_at = statements.len() - 1;
    cx.audit_into(&mut statements, Target::Event(&ev.id))?;
    // The results stay JS values: the agent's JSON goes to the response as it is.
    let results = match d1::batch_js(&d1::db(env)?, statements).await {
        Ok(r) => r,
        Err(e) => return Err(write_failed(env, ws, &checks, e, unique_uid).await),
    };
    let json = results
        .get(event_at)
        .and_then(|r| d1::rows(r).into_iter().next())
        .and_then(|row| d1::cell(&row, events::OBJECT))
        .ok_or_else(|| ApiError::Internal("agent write returned no row".into()))?;
    super::webhooks::publish(cx, &events::pending_js(&results)).await;
    // A replaced or removed picture's blob went with the batch (migration 0010).
    if let Some(old) = existing.and_then(|a| a.picture_blob.as_deref()) {
        let kept = match &input.picture {
            None => true,
            Some(Some(PictureInput::Blob(id))) => id == old,
            Some(_) => false,
        };
        if !kept {
            super::blobs::purge(cx, old).await;
        }
    }
    Ok(json)
}

/// A change to agent `a` that is not the agent's own write (its functions, its
/// `protected` flag): the statements and an `agent.updated` event (`previous`: the
/// fields that changed since `a` was read) in one batch, published after it committed.
/// Returns the agent's JSON after the change (the event's object).
pub async fn write_with_agent_event(
    cx: &Ctx,
    ws: i64,
    a: &AgentRef,
    statements: Vec<worker::D1PreparedStatement>,
) -> ApiResult<String> {
    write_with_agent_event_checked(cx, ws, a, statements, &[]).await
}

/// `write_with_agent_event` whose change must stay within storage quotas `checks`.
pub async fn write_with_agent_event_checked(
    cx: &Ctx,
    ws: i64,
    a: &AgentRef,
    mut statements: Vec<worker::D1PreparedStatement>,
    checks: &[Check<'_>],
) -> ApiResult<String> {
    for c in checks {
        statements.push(c.statement(&cx.env, ws)?);
    }
    let ev = store::emit(&cx.env, cx.origin(), ws, "agent.updated", AgentId::Known(a.id), Previous::DiffFrom(&a.json))?;
    statements.extend(ev.statements);
    let event_at = statements.len() - 1;
    cx.audit_into(&mut statements, Target::Event(&ev.id))?;
    let results = match d1::batch_js(&d1::db(&cx.env)?, statements).await {
        Ok(r) => r,
        Err(e) => return Err(write_failed(&cx.env, ws, checks, e, ApiError::from).await),
    };
    super::webhooks::publish(cx, &events::pending_js(&results)).await;
    results
        .get(event_at)
        .and_then(|r| d1::rows(r).into_iter().next())
        .and_then(|row| d1::cell(&row, events::OBJECT)?.as_string())
        .ok_or_else(|| ApiError::Internal("agent change returned no event".into()))
}

/// Trash or restore in one batch with its event; no event when nothing changes.
async fn set_trashed(cx: &Ctx, ws: i64, a: &AgentRef, trashed: bool) -> ApiResult<()> {
    if (a.is_trashed == 1) == trashed {
        return Ok(());
    }
    let env = &cx.env;
    let now = time::format_millis(now_ms());
    let kind = if trashed { "agent.trashed" } else { "agent.restored" };
    let previous = format!("{{\"is_trashed\":{}}}", !trashed);
    let ev = store::emit(env, cx.origin(), ws, kind, AgentId::Known(a.id), Previous::Fields(&previous))?;
    let mut statements = vec![store::set_trashed_statement(env, a.id, trashed, &now)?];
    statements.extend(ev.statements);
    cx.audit_into(&mut statements, Target::Event(&ev.id))?;
    let results = crate::platform::d1::db(env)?.batch(statements).await?;
    super::webhooks::publish(cx, &events::pending(&results)).await;
    Ok(())
}

/// A taken uid surfaces as SQLite's UNIQUE error; anything else is unexpected.
fn unique_uid(e: worker::Error) -> ApiError {
    let msg = d1::error_text(&e);
    if msg.contains("UNIQUE constraint failed: agents.workspace_id, agents.uid") {
        ApiError::validation("uid", "The uid has already been taken.")
    } else {
        ApiError::Internal(msg)
    }
}
