//! Webhook subscriptions and deliveries in D1. API objects are built by SQLite
//! (`json_object`), like agents. Secrets are stored sealed and never returned by reads.

use crate::domain::listing::ListQuery;
use crate::domain::time;
use crate::domain::webhook::DISABLE_AFTER_MS;
use crate::platform::d1::{db, int, opt_int, opt_text, text};
use crate::store::events::{self, Emitted, EVENT_JSON};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1PreparedStatement, Env};

/// The API object of a subscription (columns unqualified: usable in RETURNING too).
pub const WEBHOOK_JSON: &str = "json_object('id', id, 'url', url, 'events', json(events), \
 'description', description, 'enabled', CASE enabled WHEN 1 THEN json('true') ELSE json('false') END, \
 'disabled_reason', disabled_reason, 'created_at', created_at, 'updated_at', updated_at)";

/// The API object of delivery `d`: the log of its attempts included.
pub const DELIVERY_JSON: &str = "json_object('id', d.id, 'webhook_id', d.webhook_id, 'event_id', d.event_id, \
 'event_type', d.event_type, 'origin', d.origin, 'status', d.status, 'attempt_count', d.attempt_count, \
 'attempts', json(d.attempts), 'next_attempt_at', CASE WHEN d.status = 'pending' AND d.next_attempt_ms IS NOT NULL \
 THEN strftime('%Y-%m-%dT%H:%M:%fZ', d.next_attempt_ms / 1000.0, 'unixepoch') END, \
 'created_at', d.created_at, 'updated_at', d.updated_at)";

#[derive(Deserialize)]
struct Json {
    j: String,
}

async fn one_json(env: &Env, sql: String, args: &[JsValue]) -> worker::Result<Option<String>> {
    let row: Option<Json> = db(env)?.prepare(sql).bind(args)?.first(None).await?;
    Ok(row.map(|r| r.j))
}

/// `one_json` for a write, in one batch with its audit entry (written only if the
/// statement changed a row).
async fn one_json_audited(
    env: &Env,
    sql: String,
    args: &[JsValue],
    audit: Option<D1PreparedStatement>,
) -> worker::Result<Option<String>> {
    let d = db(env)?;
    let statements: Vec<D1PreparedStatement> = std::iter::once(d.prepare(sql).bind(args)?).chain(audit).collect();
    let results = d.batch(statements).await?;
    let row = results.first().map(|r| r.results::<Json>()).transpose()?.and_then(|rows| rows.into_iter().next());
    Ok(row.map(|r| r.j))
}

pub struct NewWebhook<'a> {
    pub id: &'a str,
    pub url: &'a str,
    pub events: &'a str,
    pub description: Option<&'a str>,
    pub enabled: bool,
    pub sealed_secret: &'a str,
    pub now: &'a str,
}

/// Creates the subscription, within the workspace's storage quota (the guard in the same
/// batch refuses it: see `store::quotas`).
pub async fn create(
    env: &Env,
    workspace_id: i64,
    w: &NewWebhook<'_>,
    audit: Option<D1PreparedStatement>,
) -> worker::Result<String> {
    let d = db(env)?;
    let insert = d
        .prepare(format!(
            "INSERT INTO webhooks (id, workspace_id, url, events, description, enabled, secret, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) RETURNING {WEBHOOK_JSON} AS j"
        ))
        .bind(&[
            text(w.id),
            int(workspace_id),
            text(w.url),
            text(w.events),
            opt_text(w.description),
            int(w.enabled as i64),
            text(w.sealed_secret),
            text(w.now),
        ])?;
    let guard = crate::store::quotas::Check::workspace(crate::domain::quota::Resource::WebhookSubscriptions)
        .statement(env, workspace_id)?;
    let results = d.batch([insert, guard].into_iter().chain(audit).collect()).await?;
    let row = results.first().map(|r| r.results::<Json>()).transpose()?.and_then(|rows| rows.into_iter().next());
    row.map(|r| r.j).ok_or_else(|| worker::Error::RustError("insert returned no row".into()))
}

pub async fn get_json(env: &Env, workspace_id: i64, id: &str) -> worker::Result<Option<String>> {
    one_json(
        env,
        format!("SELECT {WEBHOOK_JSON} AS j FROM webhooks WHERE workspace_id = ?1 AND id = ?2"),
        &[int(workspace_id), text(id)],
    )
    .await
}

pub async fn exists(env: &Env, workspace_id: i64, id: &str) -> worker::Result<bool> {
    Ok(get_json(env, workspace_id, id).await?.is_some())
}

/// The fields a PATCH gives (`None`: left as it is); `events` is a JSON array text.
pub struct WebhookPatch<'a> {
    pub url: Option<&'a str>,
    pub events: Option<&'a str>,
    pub description: Option<Option<&'a str>>,
    pub enabled: Option<bool>,
}

/// PATCH: only the fields given; enabling clears the automatic disabling.
pub async fn update(
    env: &Env,
    workspace_id: i64,
    id: &str,
    patch: &WebhookPatch<'_>,
    now: &str,
    audit: Option<D1PreparedStatement>,
) -> worker::Result<Option<String>> {
    let mut sets = vec!["updated_at = ?3".to_string()];
    let mut args = vec![int(workspace_id), text(id), text(now)];
    let mut add = |col: &str, v: JsValue, sets: &mut Vec<String>| {
        args.push(v);
        sets.push(format!("{col} = ?{}", args.len()));
    };
    if let Some(u) = patch.url {
        add("url", text(u), &mut sets);
    }
    if let Some(e) = patch.events {
        add("events", text(e), &mut sets);
    }
    if let Some(d) = patch.description {
        add("description", opt_text(d), &mut sets);
    }
    if let Some(e) = patch.enabled {
        add("enabled", int(e as i64), &mut sets);
        if e {
            sets.push("disabled_reason = NULL, failing_since_ms = NULL".into());
        }
    }
    one_json_audited(
        env,
        format!(
            "UPDATE webhooks SET {} WHERE workspace_id = ?1 AND id = ?2 RETURNING {WEBHOOK_JSON} AS j",
            sets.join(", ")
        ),
        &args,
        audit,
    )
    .await
}

/// Deletes a subscription and its delivery log; `false` when there was none.
pub async fn delete(
    env: &Env,
    workspace_id: i64,
    id: &str,
    audit: Option<D1PreparedStatement>,
) -> worker::Result<bool> {
    let d = db(env)?;
    let statements = [
        d.prepare("DELETE FROM deliveries WHERE workspace_id = ?1 AND webhook_id = ?2")
            .bind(&[int(workspace_id), text(id)])?,
        d.prepare("DELETE FROM webhooks WHERE workspace_id = ?1 AND id = ?2 RETURNING id")
            .bind(&[int(workspace_id), text(id)])?,
    ];
    let results = d.batch(statements.into_iter().chain(audit).collect()).await?;
    Ok(results.get(1).map(|r| r.results::<serde_json::Value>().map(|v| !v.is_empty())).transpose()?.unwrap_or(false))
}

/// Rotation: the current secret becomes the previous one (signing until
/// `previous_expires_ms`), the new sealed secret becomes current.
pub async fn rotate(
    env: &Env,
    workspace_id: i64,
    id: &str,
    sealed_secret: &str,
    previous_expires_ms: i64,
    now: &str,
    audit: Option<D1PreparedStatement>,
) -> worker::Result<Option<String>> {
    one_json_audited(
        env,
        format!(
            "UPDATE webhooks SET previous_secret = secret, secret = ?3, previous_expires_ms = ?4, updated_at = ?5 \
             WHERE workspace_id = ?1 AND id = ?2 RETURNING {WEBHOOK_JSON} AS j"
        ),
        &[int(workspace_id), text(id), text(sealed_secret), int(previous_expires_ms), text(now)],
        audit,
    )
    .await
}

#[derive(Deserialize)]
struct Body {
    body: String,
}

/// `{data, start, end, count}` of a listing whose items are `item` over `from_where`.
async fn listing(
    env: &Env,
    item: &str,
    from_where: &str,
    order: &str,
    args: Vec<JsValue>,
    q: &ListQuery,
) -> worker::Result<String> {
    let n = args.len();
    let (skip, take) = (format!("?{}", n + 1), format!("?{}", n + 2));
    let count = format!("(SELECT COUNT(*) FROM {from_where})");
    let sql = if q.count_only {
        format!("SELECT '{{\"count\":' || {count} || '}}' AS body")
    } else {
        format!(
            "SELECT '{{\"data\":[' || COALESCE(group_concat(it, ','), '') || '],\"start\":' || CAST({skip} AS INTEGER) || \
             ',\"end\":' || (CAST({skip} AS INTEGER) + COUNT(*)) || ',\"count\":' || {count} || '}}' AS body FROM \
             (SELECT {item} AS it FROM {from_where} ORDER BY {order} LIMIT {take} OFFSET {skip})"
        )
    };
    let mut all = args;
    if !q.count_only {
        all.extend([int(q.skip), int(q.take)]);
    }
    let row: Option<Body> = db(env)?.prepare(sql).bind(&all)?.first(None).await?;
    row.map(|b| b.body).ok_or_else(|| worker::Error::RustError("listing returned no row".into()))
}

pub async fn list(env: &Env, workspace_id: i64, q: &ListQuery) -> worker::Result<String> {
    let dir = if q.desc { "DESC" } else { "ASC" };
    listing(
        env,
        WEBHOOK_JSON,
        "webhooks WHERE workspace_id = ?1",
        &format!("created_at {dir}, id {dir}"),
        vec![int(workspace_id)],
        q,
    )
    .await
}

pub async fn list_deliveries(
    env: &Env,
    workspace_id: i64,
    webhook_id: &str,
    status: Option<&str>,
    q: &ListQuery,
) -> worker::Result<String> {
    let dir = if q.desc { "DESC" } else { "ASC" };
    let mut args = vec![int(workspace_id), text(webhook_id)];
    let mut from = "deliveries d WHERE d.workspace_id = ?1 AND d.webhook_id = ?2".to_string();
    if let Some(s) = status {
        args.push(text(s));
        from.push_str(" AND d.status = ?3");
    }
    listing(env, DELIVERY_JSON, &from, &format!("d.created_ms {dir}, d.rowid {dir}"), args, q).await
}

pub async fn delivery_json(env: &Env, workspace_id: i64, webhook_id: &str, id: &str) -> worker::Result<Option<String>> {
    one_json(
        env,
        format!("SELECT {DELIVERY_JSON} AS j FROM deliveries d WHERE d.workspace_id = ?1 AND d.webhook_id = ?2 AND d.id = ?3"),
        &[int(workspace_id), text(webhook_id), text(id)],
    )
    .await
}

/// The SQL fragment that says whether subscription `w` wants event `e`.
pub const WANTS: &str = "EXISTS (SELECT 1 FROM json_each(w.events) t WHERE t.value = '*' OR t.value = e.type)";

/// Replay: new deliveries (origin `replay`) of the subscription's events in the window;
/// returns their ids in event order. At most `MAX_REPLAY` per call.
pub async fn replay(
    env: &Env,
    workspace_id: i64,
    webhook_id: &str,
    since_ms: i64,
    until_ms: Option<i64>,
    types: Option<&str>,
    now_ms: i64,
) -> worker::Result<Vec<String>> {
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    let now = time::format_millis(now_ms);
    let rows = db(env)?
        .prepare(format!(
            "INSERT INTO deliveries (id, workspace_id, webhook_id, event_id, event_type, origin, status, created_at, \
             created_ms, updated_at, next_attempt_ms) \
             SELECT 'dlv_' || lower(hex(randomblob(12))), e.workspace_id, w.id, e.id, e.type, 'replay', 'pending', ?6, ?7, ?6, ?7 \
             FROM events e JOIN webhooks w ON w.workspace_id = e.workspace_id AND w.id = ?2 \
             WHERE e.workspace_id = ?1 AND e.created_ms >= ?3 AND (?4 IS NULL OR e.created_ms <= ?4) \
             AND e.type <> 'webhook.test' AND {WANTS} \
             AND (?5 IS NULL OR e.type IN (SELECT value FROM json_each(?5))) \
             ORDER BY e.created_ms, e.rowid LIMIT ?8 RETURNING id"
        ))
        .bind(&[
            int(workspace_id),
            text(webhook_id),
            int(since_ms),
            opt_int(until_ms),
            opt_text(types),
            text(&now),
            int(now_ms),
            int(crate::domain::webhook::MAX_REPLAY),
        ])?
        .all()
        .await?;
    Ok(rows.results::<Id>()?.into_iter().map(|r| r.id).collect())
}

/// A `webhook.test` event (`event`, emitted by the caller) and its one delivery `delivery_id`
/// (origin `test`, pending) to subscription `webhook_id`, in one batch; the event is marked
/// dispatched so that the queue does not fan it out again.
pub async fn create_test_delivery(
    env: &Env,
    workspace_id: i64,
    webhook_id: &str,
    event: Emitted,
    delivery_id: &str,
    now_ms: i64,
) -> worker::Result<()> {
    let at = time::format_millis(now_ms);
    let d = db(env)?;
    let mut statements = event.statements;
    statements.push(events::dispatched_statement(env, &event.id)?);
    statements.push(
        d.prepare(
            "INSERT INTO deliveries (id, workspace_id, webhook_id, event_id, event_type, origin, status, created_at, \
             created_ms, updated_at, next_attempt_ms) VALUES (?1, ?2, ?3, ?4, 'webhook.test', 'test', 'pending', ?5, ?6, ?5, ?6)",
        )
        .bind(&[text(delivery_id), int(workspace_id), text(webhook_id), text(&event.id), text(&at), int(now_ms)])?,
    );
    d.batch(statements).await?;
    Ok(())
}

/// Creates one delivery of event `event_id` per subscription that wants it (at most one
/// each, however often it is handed over) and marks the event dispatched, in one batch;
/// returns the new deliveries' ids.
pub async fn fan_out(env: &Env, event_id: &str, now_ms: i64) -> worker::Result<Vec<String>> {
    #[derive(Deserialize)]
    struct Created {
        webhook_id: String,
    }
    let at = time::format_millis(now_ms);
    let d = db(env)?;
    let results = d
        .batch(vec![
            d.prepare(format!(
                "INSERT INTO deliveries (id, workspace_id, webhook_id, event_id, event_type, origin, status, \
                 created_at, created_ms, updated_at, next_attempt_ms) \
                 SELECT 'dlv_' || lower(hex(randomblob(12))), e.workspace_id, w.id, e.id, e.type, 'event', 'pending', \
                 ?2, ?3, ?2, ?3 FROM events e JOIN webhooks w ON w.workspace_id = e.workspace_id \
                 WHERE e.id = ?1 AND w.enabled = 1 AND w.created_at <= e.created_at AND e.type <> 'webhook.test' \
                 AND {WANTS} ON CONFLICT DO NOTHING RETURNING webhook_id"
            ))
            .bind(&[text(event_id), text(&at), int(now_ms)])?,
            events::dispatched_statement(env, event_id)?,
        ])
        .await?;
    let created: Vec<Created> = match results.first() {
        Some(r) => r.results()?,
        None => Vec::new(),
    };
    Ok(created.into_iter().map(|c| c.webhook_id).collect())
}

/// What a subscription's sender does next: the first due delivery in event order (with
/// whether an earlier event of its resource is still being fanned out), else when the
/// next pending one falls due.
pub enum Next {
    Attempt { delivery_id: String, blocked: bool },
    At(i64),
    Nothing,
}

pub async fn next_for(env: &Env, webhook_id: &str, now_ms: i64) -> worker::Result<Next> {
    #[derive(Deserialize)]
    struct Due {
        id: String,
        blocked: i64,
    }
    #[derive(Deserialize)]
    struct At {
        at: Option<i64>,
    }
    let d = db(env)?;
    let results = d
        .batch(vec![
            // Event order (the outbox's creation order; a resource's events by `sequence`).
            // An event of the same resource a few sequences back that is not fanned out yet
            // would arrive after this one: wait for it.
            d.prepare(
                "SELECT d.id, EXISTS (SELECT 1 FROM events e2 WHERE e2.workspace_id = e.workspace_id \
                   AND e2.resource_type = e.resource_type AND e2.resource_id = e.resource_id \
                   AND e2.sequence BETWEEN e.sequence - 20 AND e.sequence - 1 AND e2.dispatched = 0) AS blocked \
                 FROM deliveries d JOIN events e ON e.id = d.event_id JOIN webhooks w ON w.id = d.webhook_id \
                 WHERE d.webhook_id = ?1 AND d.status = 'pending' AND d.next_attempt_ms <= ?2 \
                   AND (d.lease_until_ms IS NULL OR d.lease_until_ms <= ?2) \
                 ORDER BY e.created_ms, e.sequence, d.created_ms LIMIT 1",
            )
            .bind(&[text(webhook_id), int(now_ms)])?,
            d.prepare(
                "SELECT MIN(MAX(next_attempt_ms, COALESCE(lease_until_ms, 0))) AS at FROM deliveries \
                 WHERE webhook_id = ?1 AND status = 'pending'",
            )
            .bind(&[text(webhook_id)])?,
        ])
        .await?;
    let due: Option<Due> = results.first().map(|r| r.results::<Due>()).transpose()?.and_then(|v| v.into_iter().next());
    if let Some(due) = due {
        return Ok(Next::Attempt { delivery_id: due.id, blocked: due.blocked == 1 });
    }
    let at: Option<At> = results.get(1).map(|r| r.results::<At>()).transpose()?.and_then(|v| v.into_iter().next());
    Ok(at.and_then(|a| a.at).map_or(Next::Nothing, Next::At))
}

/// The subscription a delivery belongs to.
pub async fn webhook_of(env: &Env, delivery_id: &str) -> worker::Result<Option<String>> {
    #[derive(Deserialize)]
    struct W {
        webhook_id: String,
    }
    let row: Option<W> = db(env)?
        .prepare("SELECT webhook_id FROM deliveries WHERE id = ?1")
        .bind(&[text(delivery_id)])?
        .first(None)
        .await?;
    Ok(row.map(|w| w.webhook_id))
}

/// What an attempt of a delivery needs: the delivery, its subscription (sealed secrets)
/// and the event's envelope as the body.
#[derive(Deserialize)]
pub struct AttemptTarget {
    pub workspace_id: i64,
    pub webhook_id: String,
    pub event_id: String,
    pub status: String,
    pub attempt_count: i64,
    pub created_ms: i64,
    pub url: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_expires_ms: Option<i64>,
    pub enabled: i64,
    pub body: String,
}

/// Takes the lease on a delivery until `lease_until` and reads what its attempt needs.
/// Unless `forced` (a manual retry, a test), only a pending delivery that is due and whose
/// lease is free is taken: `None` means another attempt owns it or it is not due.
pub async fn claim(
    env: &Env,
    delivery_id: &str,
    now_ms: i64,
    lease_until: i64,
    forced: bool,
) -> worker::Result<Option<AttemptTarget>> {
    let d = db(env)?;
    let results = d
        .batch(vec![
            d.prepare(
                "UPDATE deliveries SET lease_until_ms = ?3 WHERE id = ?1 AND (?4 = 1 OR (status = 'pending' \
                 AND next_attempt_ms <= ?2 AND (lease_until_ms IS NULL OR lease_until_ms <= ?2))) RETURNING id",
            )
            .bind(&[text(delivery_id), int(now_ms), int(lease_until), int(forced as i64)])?,
            d.prepare(format!(
                "SELECT d.workspace_id, d.webhook_id, d.event_id, d.status, d.attempt_count, d.created_ms, w.url, w.secret, \
                 w.previous_secret, w.previous_expires_ms, w.enabled, {EVENT_JSON} AS body \
                 FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN events e ON e.id = d.event_id \
                 WHERE d.id = ?1 AND d.lease_until_ms = ?2"
            ))
            .bind(&[text(delivery_id), int(lease_until)])?,
        ])
        .await?;
    let claimed = results.first().map(|r| r.results::<serde_json::Value>()).transpose()?.is_some_and(|v| !v.is_empty());
    if !claimed {
        return Ok(None);
    }
    Ok(results.get(1).map(|r| r.results::<AttemptTarget>()).transpose()?.and_then(|v| v.into_iter().next()))
}

/// An attempt as the delivery log keeps it.
pub struct AttemptLog<'a> {
    /// The delivery's status after it.
    pub status: &'a str,
    pub next_attempt_ms: Option<i64>,
    /// The log entry (JSON text) appended to `attempts`.
    pub entry: &'a str,
    /// Whether the receiver answered 2xx.
    pub ok: bool,
}

/// Writes an attempt to the delivery log and the subscription's health: a success clears
/// `failing_since_ms`; a failure sets it, and after 3 days of nothing but failures the
/// subscription is disabled with the reason.
pub async fn record_attempt(
    env: &Env,
    delivery_id: &str,
    t: &AttemptTarget,
    log: &AttemptLog<'_>,
    now: i64,
) -> worker::Result<()> {
    let at = time::format_millis(now);
    let d = db(env)?;
    let health = if log.ok {
        d.prepare("UPDATE webhooks SET failing_since_ms = NULL WHERE id = ?1 AND failing_since_ms IS NOT NULL")
            .bind(&[text(&t.webhook_id)])?
    } else {
        d.prepare(
            "UPDATE webhooks SET failing_since_ms = COALESCE(failing_since_ms, ?2), \
             enabled = CASE WHEN COALESCE(failing_since_ms, ?2) <= ?2 - ?3 THEN 0 ELSE enabled END, \
             disabled_reason = CASE WHEN enabled = 1 AND COALESCE(failing_since_ms, ?2) <= ?2 - ?3 \
               THEN 'Disabled automatically on ' || ?4 || ': every delivery failed for 3 days.' ELSE disabled_reason END \
             WHERE id = ?1",
        )
        .bind(&[text(&t.webhook_id), int(now), int(DISABLE_AFTER_MS), text(&at)])?
    };
    d.batch(vec![
        d.prepare(
            "UPDATE deliveries SET status = ?2, attempt_count = attempt_count + 1, lease_until_ms = NULL, \
             attempts = json_insert(attempts, '$[#]', json(?3)), next_attempt_ms = ?4, updated_at = ?5 \
             WHERE id = ?1 AND workspace_id = ?6",
        )
        .bind(&[
            text(delivery_id),
            text(log.status),
            text(log.entry),
            opt_int(log.next_attempt_ms),
            text(&at),
            int(t.workspace_id),
        ])?,
        health,
    ])
    .await?;
    Ok(())
}

/// The cron sweep's batch: ids of events not dispatched since `undispatched_ms` (at most
/// 500) and of subscriptions with a delivery overdue since `overdue_ms` (at most 500,
/// their sender was not woken); deliveries and
/// events created before `expired_ms` are deleted.
pub async fn sweep(
    env: &Env,
    undispatched_ms: i64,
    overdue_ms: i64,
    expired_ms: i64,
) -> worker::Result<(Vec<String>, Vec<String>)> {
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    let d = db(env)?;
    let results = d
        .batch(vec![
            d.prepare("SELECT id FROM events WHERE dispatched = 0 AND created_ms <= ?1 ORDER BY created_ms LIMIT 500")
                .bind(&[int(undispatched_ms)])?,
            d.prepare(
                "SELECT DISTINCT webhook_id AS id FROM deliveries WHERE status = 'pending' AND next_attempt_ms <= ?1 \
                 AND (lease_until_ms IS NULL OR lease_until_ms <= ?1) LIMIT 500",
            )
            .bind(&[int(overdue_ms)])?,
            d.prepare("DELETE FROM deliveries WHERE created_ms < ?1").bind(&[int(expired_ms)])?,
            d.prepare("DELETE FROM events WHERE created_ms < ?1").bind(&[int(expired_ms)])?,
        ])
        .await?;
    let ids = |i: usize| -> worker::Result<Vec<String>> {
        Ok(results
            .get(i)
            .map(|r| r.results::<Id>())
            .transpose()?
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.id)
            .collect())
    };
    Ok((ids(0)?, ids(1)?))
}

/// The Durable Object binding of the per-subscription senders (`objects/sender.rs`).
pub const SENDER_BINDING: &str = "WEBHOOK_SENDER";

/// Wakes subscription `webhook_id`'s sender: it sends whatever of its deliveries is due,
/// in event order, and sets its alarm for the next one. Cheap and idempotent.
pub async fn wake(env: &Env, webhook_id: &str) -> worker::Result<()> {
    let stub = env.durable_object(SENDER_BINDING)?.id_from_name(webhook_id)?.get_stub()?;
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::Post).with_body(Some(webhook_id.into()));
    let req = worker::Request::new_with_init("https://sender.internal/wake", &init)?;
    let resp = stub.fetch_with_request(req).await?;
    if resp.status_code() >= 300 {
        return Err(worker::Error::RustError(format!("sender answered {}", resp.status_code())));
    }
    Ok(())
}
