//! Webhook delivery: the `weav-webhooks` queue consumer (fan-out of an event to its
//! subscriptions, then one attempt per delivery), the attempt itself (signed, through
//! `platform::outbound::send`), retries on `WEBHOOK_RETRY_SCHEDULE`, and the cron sweep.

use crate::domain::time;
use crate::domain::webhook::{self as wh};
use crate::platform::outbound::{self, Failure, Outbound};
use crate::platform::{now_ms, random_bytes, var};
use crate::store::events::{self, Message};
use crate::store::webhooks::{self as store, AttemptLog};
use serde_json::json;
use worker::{Env, MessageBatch, MessageExt, Method};

/// The queue consumer. Messages are handled one after another, in batch order, so the
/// events of one resource reach a healthy receiver in the order they happened. Never
/// returns an error (worker-rs would panic on it): a message whose handling failed on
/// storage is retried by the queue.
pub async fn consume(batch: MessageBatch<serde_json::Value>, env: &Env) {
    let messages = match batch.messages() {
        Ok(m) => m,
        Err(e) => {
            worker::console_error!("webhooks: unreadable batch: {e}");
            batch.ack_all();
            return;
        }
    };
    for m in messages {
        let body: Message = serde_json::from_value(m.body().clone()).unwrap_or_default();
        let result = match (&body.event, &body.delivery) {
            (Some(event), _) => fan_out(env, event).await,
            (None, Some(delivery)) => attempt(env, delivery, false).await.map(|_| ()),
            (None, None) => Ok(()),
        };
        match result {
            Ok(()) => m.ack(),
            Err(e) => {
                let body = serde_json::to_string(&body).unwrap_or_default();
                worker::console_error!("webhooks: message {body} failed, retried by the queue: {e}");
                m.retry_with_options(&worker::QueueRetryOptionsBuilder::new().with_delay_seconds(5).build());
            }
        }
    }
}

/// Creates one delivery per subscription that wants the event (at most one each, however
/// often the queue or the sweep hands the event over), marks the event dispatched, and
/// attempts the new deliveries.
pub async fn fan_out(env: &Env, event_id: &str) -> worker::Result<()> {
    for id in store::fan_out(env, event_id, now_ms()).await? {
        attempt(env, &id, false).await?;
    }
    Ok(())
}

/// One attempt of a delivery. `forced` (a manual retry, a test) attempts whatever the
/// status; otherwise only a pending delivery is attempted. Returns whether the receiver
/// answered 2xx.
pub async fn attempt(env: &Env, delivery_id: &str, forced: bool) -> worker::Result<bool> {
    let Some(t) = store::attempt_target(env, delivery_id).await? else { return Ok(false) };
    if !forced && t.status != "pending" {
        return Ok(t.status == "succeeded");
    }
    let start = now_ms();
    if t.enabled == 0 && !forced {
        let entry = json!({"at": time::format_millis(start), "status": null, "duration_ms": 0,
                           "response_body": null, "error": "The subscription is disabled."});
        let log = AttemptLog { status: "failed", next_attempt_ms: None, entry: &entry.to_string(), ok: false };
        store::record_attempt(env, delivery_id, &t, &log, start).await?;
        return Ok(false);
    }
    let sealer = crate::platform::sealer(env)?;
    let mut secrets =
        vec![sealer.open_string(&t.secret).map_err(|_| worker::Error::RustError("secret unreadable".into()))?];
    if let (Some(prev), Some(until)) = (&t.previous_secret, t.previous_expires_ms) {
        if until > start {
            if let Ok(p) = sealer.open_string(prev) {
                secrets.push(p);
            }
        }
    }
    let timestamp = start / 1000;
    let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let signature = wh::signature_header(&refs, &t.event_id, timestamp, t.body.as_bytes());
    let req = Outbound {
        method: Method::Post,
        url: t.url.clone(),
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("User-Agent".into(), "Weav-Webhooks/1.0".into()),
            ("webhook-id".into(), t.event_id.clone()),
            ("webhook-timestamp".into(), timestamp.to_string()),
            ("webhook-signature".into(), signature),
        ],
        body: Some(t.body.clone().into_bytes()),
    };
    let result = outbound::send(env, req).await;
    let end = now_ms();
    let (status, body, error) = match &result {
        Ok(a) => (Some(a.status), Some(wh::logged_body(&a.body)), None),
        Err(Failure::Timeout) => (None, None, Some(format!("No answer within {} ms.", outbound::timeout_ms(env)))),
        Err(Failure::Refused(r)) => (None, None, Some(r.message().to_string())),
        Err(Failure::TooManyRedirects) => (None, None, Some("Too many redirects.".to_string())),
        Err(Failure::Unreachable(m)) => (None, None, Some(format!("Unreachable: {m}"))),
    };
    let ok = status.is_some_and(|s| (200..300).contains(&s));
    let entry = json!({"at": time::format_millis(start), "status": status, "duration_ms": end - start,
                       "response_body": body, "error": error});
    let (new_status, next) = if ok {
        ("succeeded", None)
    } else if forced && t.status == "failed" {
        ("failed", None)
    } else {
        let schedule = wh::parse_schedule(&var(env, "WEBHOOK_RETRY_SCHEDULE", "5,30,120,600,3600"));
        let window_ms = var(env, "WEBHOOK_RETRY_WINDOW_SECONDS", "86400").parse::<i64>().unwrap_or(86_400) * 1000;
        let jitter = random_bytes::<4>().map(|b| u32::from_le_bytes(b) as f64 / (u32::MAX as f64 + 1.0)).unwrap_or(0.0);
        let done = (t.attempt_count + 1) as u32;
        match wh::next_delay(&schedule, done, end - t.created_ms, window_ms, jitter) {
            Some(delay) => ("pending", Some(delay)),
            None => ("failed", None),
        }
    };
    let log = AttemptLog {
        status: new_status,
        next_attempt_ms: next.map(|d| end + d as i64 * 1000),
        entry: &entry.to_string(),
        ok,
    };
    store::record_attempt(env, delivery_id, &t, &log, end).await?;
    // A manual retry of a delivery that is still pending already has its next attempt on
    // the queue: do not schedule a second one.
    let already_scheduled = forced && t.status == "pending";
    if let (Some(delay), false) = (next, already_scheduled) {
        let msg = Message { event: None, delivery: Some(delivery_id.to_string()) };
        if let Err(e) = events::send(env, msg, delay).await {
            worker::console_error!("webhooks: scheduling a retry of {delivery_id} failed, the sweep will: {e}");
        }
    }
    Ok(ok)
}

/// The cron sweep: events whose enqueue never happened (older than
/// `WEBHOOK_SWEEP_AFTER_SECONDS`, default 60) go to the queue; pending deliveries whose
/// retry message was lost (5 minutes overdue) too; events and deliveries past 30 days
/// are deleted.
pub async fn sweep(env: &Env) -> worker::Result<()> {
    let now = now_ms();
    let grace = var(env, "WEBHOOK_SWEEP_AFTER_SECONDS", "60").parse::<i64>().unwrap_or(60).max(0) * 1000;
    let (evs, dls) = store::sweep(env, now - grace, now - 300_000, now - wh::RETENTION_MS).await?;
    for id in evs {
        events::send(env, Message { event: Some(id), delivery: None }, 0).await?;
    }
    for id in dls {
        events::send(env, Message { event: None, delivery: Some(id) }, 0).await?;
    }
    Ok(())
}
