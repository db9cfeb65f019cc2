//! Webhook delivery: the `weav-webhooks` queue consumer (fan-out of an event to its
//! subscriptions, then a wake-up of each subscription's `WebhookSender`), the sender's
//! `drain` (due deliveries one at a time, in event order), the attempt itself (a lease,
//! signed, through `platform::outbound::send`), retries on `WEBHOOK_RETRY_SCHEDULE`, and
//! the cron sweep.

use crate::domain::time;
use crate::domain::webhook::{self as wh};
use crate::platform::outbound::{self, Failure, Outbound};
use crate::platform::{now_ms, random_bytes, var};
use crate::store::events::{self, Message};
use crate::store::webhooks::{self as store, AttemptLog};
use serde_json::json;
use worker::{Env, MessageBatch, MessageExt, Method};

/// The queue consumer: fans events out and wakes the senders. It never calls a receiver
/// itself, so a batch takes only D1 and Durable Object round trips, whoever's receivers
/// are slow. Never returns an error (worker-rs would panic on it): a message whose
/// handling failed on storage is retried by the queue.
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
            // A retry message of an earlier version: its sender takes it from here.
            (None, Some(delivery)) => match store::webhook_of(env, delivery).await {
                Ok(Some(webhook)) => store::wake(env, &webhook).await,
                Ok(None) => Ok(()),
                Err(e) => Err(e),
            },
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
/// wakes the senders of the subscriptions that got one.
pub async fn fan_out(env: &Env, event_id: &str) -> worker::Result<()> {
    let mut webhooks = store::fan_out(env, event_id, now_ms()).await?;
    webhooks.sort();
    webhooks.dedup();
    for id in webhooks {
        store::wake(env, &id).await?;
    }
    Ok(())
}

/// How long one alarm of a sender sends before it hands over to the next alarm.
const DRAIN_BUDGET_MS: i64 = 20_000;

/// A sender's alarm: attempts the subscription's due deliveries one at a time, in event
/// order, for at most `DRAIN_BUDGET_MS` (plus one attempt); answers when to look again
/// (`None`: nothing is pending).
pub async fn drain(env: &Env, webhook_id: &str) -> Option<i64> {
    let started = now_ms();
    loop {
        let now = now_ms();
        if now - started > DRAIN_BUDGET_MS {
            return Some(now);
        }
        match store::next_for(env, webhook_id, now).await {
            Ok(store::Next::Nothing) => return None,
            Ok(store::Next::At(at)) => return Some(at.max(now)),
            // An earlier event of the same resource is still being fanned out.
            Ok(store::Next::Attempt { blocked: true, .. }) => return Some(now + 1000),
            Ok(store::Next::Attempt { delivery_id, .. }) => {
                if let Err(e) = attempt(env, &delivery_id, false).await {
                    worker::console_error!("webhooks: attempt of {delivery_id} failed on storage: {e}");
                    return Some(now + 5000);
                }
            }
            Err(e) => {
                worker::console_error!("webhooks: reading {webhook_id}'s next delivery failed: {e}");
                return Some(now + 5000);
            }
        }
    }
}

/// One attempt of a delivery. `forced` (a manual retry, a test) attempts whatever the
/// status; otherwise only a pending delivery that is due and not leased. The attempt
/// holds the delivery's lease (`OUTBOUND_TIMEOUT_MS` + 30 s) until it is recorded, so the
/// same delivery named twice never runs twice at once. Returns whether the receiver
/// answered 2xx (`false` also when there was nothing to attempt).
pub async fn attempt(env: &Env, delivery_id: &str, forced: bool) -> worker::Result<bool> {
    let now = now_ms();
    let lease_until = now + outbound::timeout_ms(env) as i64 + 30_000;
    let Some(t) = store::claim(env, delivery_id, now, lease_until, forced).await? else { return Ok(false) };
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
    // A forced attempt that leaves the delivery pending (a retry is due later): its
    // sender's alarm must cover it.
    if forced && new_status == "pending" {
        if let Err(e) = store::wake(env, &t.webhook_id).await {
            worker::console_error!("webhooks: waking the sender of {delivery_id} failed, the sweep will: {e}");
        }
    }
    Ok(ok)
}

/// The cron sweep: events whose enqueue never happened (older than
/// `WEBHOOK_SWEEP_AFTER_SECONDS`, default 60) go to the queue; the senders of
/// subscriptions with a delivery 5 minutes overdue (a lost wake-up) are woken; events and
/// deliveries past 30 days are deleted.
pub async fn sweep(env: &Env) -> worker::Result<()> {
    let now = now_ms();
    let grace = var(env, "WEBHOOK_SWEEP_AFTER_SECONDS", "60").parse::<i64>().unwrap_or(60).max(0) * 1000;
    let (evs, dls) = store::sweep(env, now - grace, now - 300_000, now - wh::RETENTION_MS).await?;
    for id in evs {
        events::send(env, Message { event: Some(id), delivery: None }, 0).await?;
    }
    for webhook in dls {
        store::wake(env, &webhook).await?;
    }
    Ok(())
}
