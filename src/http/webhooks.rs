//! Webhooks: subscriptions `/v1/webhooks` (secret shown once, rotation, test
//! event), their delivery log (retry, replay), and the events `/v1/events`. Delivery itself
//! runs in the queue consumer (`jobs::webhooks`); `publish` is what a write calls after
//! its batch committed.

use super::audit::Target;
use super::error::{ApiError, ApiResult};
use super::Reply;
use super::{body, json, no_content, raw_json, Ctx};
use crate::domain::validate::Errors;
use crate::domain::webhook::{self as wh};
use crate::domain::{listing, time};
use crate::platform::{new_id, now_ms, random_bytes, seal};
use crate::store::events::{self as events_store, Previous};
use crate::store::webhooks as store;
use serde_json::{json as j, Value};

/// After a write's batch committed: hands its events to the queue. Errors are logged, not
/// returned (the sweep catches what did not go). Test-only fault switch: with the var
/// the test hooks (the e2e build, `TEST_HOOKS=true`), a request carrying
/// `X-Test-Skip-Enqueue: 1` skips the enqueue, as a failed `send` would.
pub async fn publish(cx: &Ctx, event_ids: &[String]) {
    if event_ids.is_empty() {
        return;
    }
    if crate::platform::test_hooks(&cx.env)
        && cx.req.headers().get("X-Test-Skip-Enqueue").ok().flatten().as_deref() == Some("1")
    {
        return;
    }
    events_store::enqueue(&cx.env, event_ids).await;
}

fn webhook_id(cx: &Ctx) -> ApiResult<String> {
    let id = cx.param("id");
    if id.starts_with("whk_") && id.len() <= 64 {
        Ok(id.to_string())
    } else {
        Err(ApiError::NotFound("Webhook not found.".into()))
    }
}

fn not_found() -> ApiError {
    ApiError::NotFound("Webhook not found.".into())
}

fn check_url(cx: &Ctx, url: &str, errors: &mut Errors) {
    if let Err(refusal) = crate::platform::outbound::check(&cx.env, url) {
        errors.add("url", refusal.message());
    }
}

fn with_secret(webhook: &str, secret: &str) -> ApiResult<Reply> {
    let mut v: Value = serde_json::from_str(webhook).map_err(|e| ApiError::Internal(e.to_string()))?;
    if let Some(o) = v.as_object_mut() {
        o.insert("secret".into(), Value::String(secret.to_string()));
    }
    json(201, &v)
}

pub async fn create(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let input = wh::webhook_input(&map, true)?;
    let url = input.url.clone().unwrap_or_default();
    let mut errors = Errors::new();
    check_url(cx, &url, &mut errors);
    errors.into_result()?;
    let secret = wh::new_secret(&random_bytes::<32>()?);
    let sealed = seal(&cx.env, &secret)?;
    let id = new_id("whk_")?;
    cx.audit_target(id.clone());
    let events = serde_json::to_string(&input.events.unwrap_or_default()).unwrap_or_else(|_| "[]".into());
    let now = time::format_millis(now_ms());
    let created = store::create(
        &cx.env,
        ws,
        &store::NewWebhook {
            id: &id,
            url: &url,
            events: &events,
            description: input.description.flatten().as_deref(),
            enabled: input.enabled.unwrap_or(true),
            sealed_secret: &sealed,
            now: &now,
        },
        cx.audit_statement(Target::Path)?,
    )
    .await;
    let created = match created {
        Ok(c) => c,
        Err(e) => return Err(super::error::write_failed(&cx.env, ws, &[], e, ApiError::from).await),
    };
    with_secret(&created, &secret)
}

pub async fn list(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let q = listing::parse(cx.query(), &["created_at"])?;
    raw_json(200, store::list(&cx.env, ws, &q).await?)
}

pub async fn get(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let id = webhook_id(cx)?;
    raw_json(200, store::get_json(&cx.env, ws, &id).await?.ok_or_else(not_found)?)
}

pub async fn update(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let input = wh::webhook_input(&map, false)?;
    if let Some(url) = &input.url {
        let mut errors = Errors::new();
        check_url(cx, url, &mut errors);
        errors.into_result()?;
    }
    let id = webhook_id(cx)?;
    let events = input.events.as_ref().map(|e| serde_json::to_string(e).unwrap_or_else(|_| "[]".into()));
    let patch = store::WebhookPatch {
        url: input.url.as_deref(),
        events: events.as_deref(),
        description: input.description.as_ref().map(|d| d.as_deref()),
        enabled: input.enabled,
    };
    let updated = store::update(
        &cx.env,
        ws,
        &id,
        &patch,
        &time::format_millis(now_ms()),
        cx.audit_statement(Target::PathIfChanged)?,
    )
    .await?
    .ok_or_else(not_found)?;
    raw_json(200, updated)
}

pub async fn delete(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let id = webhook_id(cx)?;
    if !store::delete(&cx.env, ws, &id, cx.audit_statement(Target::PathIfChanged)?).await? {
        return Err(not_found());
    }
    no_content()
}

/// A new secret; the old one keeps signing alongside it for 24 hours.
pub async fn rotate_secret(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let id = webhook_id(cx)?;
    let secret = wh::new_secret(&random_bytes::<32>()?);
    let sealed = seal(&cx.env, &secret)?;
    let now = now_ms();
    let updated = store::rotate(
        &cx.env,
        ws,
        &id,
        &sealed,
        now + wh::PREVIOUS_SECRET_MS,
        &time::format_millis(now),
        cx.audit_statement(Target::PathIfChanged)?,
    )
    .await?
    .ok_or_else(not_found)?;
    let mut v: Value = serde_json::from_str(&updated).map_err(|e| ApiError::Internal(e.to_string()))?;
    if let Some(o) = v.as_object_mut() {
        o.insert("secret".into(), Value::String(secret));
        o.insert("previous_secret_expires_at".into(), Value::String(time::format_millis(now + wh::PREVIOUS_SECRET_MS)));
    }
    json(200, &v)
}

/// Sends a `webhook.test` event to this subscription now; answers the delivery.
pub async fn test(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let id = webhook_id(cx)?;
    if !store::exists(&cx.env, ws, &id).await? {
        return Err(not_found());
    }
    let now = now_ms();
    let object = j!({"webhook_id": id, "message": "This is a test event from Weav."}).to_string();
    let ev = events_store::emit(&cx.env, ws, "webhook.test", "webhook", &id, &object, Previous::None)?;
    let dlv = format!("dlv_{}", crate::domain::token::hex(&random_bytes::<12>()?));
    store::create_test_delivery(&cx.env, ws, &id, ev, &dlv, now).await?;
    crate::jobs::webhooks::attempt(&cx.env, &dlv, true).await?;
    raw_json(200, store::delivery_json(&cx.env, ws, &id, &dlv).await?.ok_or_else(not_found)?)
}

pub async fn deliveries(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let id = webhook_id(cx)?;
    let q = listing::parse(cx.query(), &["created_at"])?;
    let status = q.params.get("status").map(String::as_str);
    if let Some(s) = status {
        if !matches!(s, "pending" | "succeeded" | "failed") {
            return Err(ApiError::validation("status", "The status must be one of pending, succeeded, failed."));
        }
    }
    if !store::exists(&cx.env, ws, &id).await? {
        return Err(not_found());
    }
    raw_json(200, store::list_deliveries(&cx.env, ws, &id, status, &q).await?)
}

pub async fn delivery(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let id = webhook_id(cx)?;
    let dlv = cx.param("delivery_id");
    raw_json(200, store::delivery_json(&cx.env, ws, &id, dlv).await?.ok_or_else(delivery_not_found)?)
}

fn delivery_not_found() -> ApiError {
    ApiError::NotFound("Delivery not found.".into())
}

/// Re-sends one delivery now (whatever its status); answers the delivery with the new attempt.
pub async fn retry(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let id = webhook_id(cx)?;
    let dlv = cx.param("delivery_id").to_string();
    if store::delivery_json(&cx.env, ws, &id, &dlv).await?.is_none() {
        return Err(delivery_not_found());
    }
    crate::jobs::webhooks::attempt(&cx.env, &dlv, true).await?;
    raw_json(200, store::delivery_json(&cx.env, ws, &id, &dlv).await?.ok_or_else(not_found)?)
}

/// `{since, until?, types?}`: new deliveries of the window's events, sent through the queue.
pub async fn replay(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let mut errors = Errors::new();
    let mut instant = |key: &str, required: bool| -> Option<i64> {
        match map.get(key) {
            None | Some(Value::Null) => {
                if required {
                    errors.add(key, format!("The {key} field is required."));
                }
                None
            }
            Some(Value::String(s)) => time::parse_millis(s).or_else(|| {
                errors.add(key, format!("The {key} field must be an RFC 3339 date-time."));
                None
            }),
            Some(_) => {
                errors.add(key, format!("The {key} field must be an RFC 3339 date-time."));
                None
            }
        }
    };
    let since = instant("since", true);
    let until = instant("until", false);
    let types = match map.get("types") {
        None | Some(Value::Null) => None,
        Some(v) => wh::check_events("types", v, &mut errors).filter(|t| !t.iter().any(|s| s == "*")),
    };
    if let (Some(s), Some(u)) = (since, until) {
        if u < s {
            errors.add("until", "The until field must not be before since.");
        }
    }
    errors.into_result()?;
    let id = webhook_id(cx)?;
    if !store::exists(&cx.env, ws, &id).await? {
        return Err(not_found());
    }
    let now = now_ms();
    let types = types.map(|t| serde_json::to_string(&t).unwrap_or_else(|_| "[]".into()));
    let ids = store::replay(&cx.env, ws, &id, since.unwrap_or(0), until, types.as_deref(), now).await?;
    // The subscription's sender sends them after whatever it has pending, in event order.
    if !ids.is_empty() {
        if let Err(e) = store::wake(&cx.env, &id).await {
            worker::console_error!("webhooks: waking the sender of {id} after a replay failed, the sweep will: {e}");
        }
    }
    json(202, &j!({"replayed": ids.len(), "delivery_ids": ids}))
}

pub async fn list_events(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let q = listing::parse(cx.query(), &events_store::SORTABLE)?;
    let ty = q.params.get("type").map(String::as_str);
    if let Some(t) = ty {
        if !wh::is_event_type(t) {
            return Err(ApiError::validation("type", format!("Unknown event type: {t}.")));
        }
    }
    raw_json(200, events_store::list(&cx.env, ws, &q, ty).await?)
}

pub async fn get_event(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let id = cx.param("id").to_string();
    let ev =
        events_store::get_json(&cx.env, ws, &id).await?.ok_or_else(|| ApiError::NotFound("Event not found.".into()))?;
    raw_json(200, ev)
}
