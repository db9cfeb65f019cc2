//! Events: the outbox of webhooks. A write that changes a resource appends the event row
//! to its own D1 batch (`emit` / `emit_select`), so the change and its event commit or
//! fail together; after the batch, `enqueue` hands the ids of the events that have a
//! subscription to go to (`pending`) to the `WEBHOOKS` queue.
//! A failed (or skipped) enqueue leaves `dispatched = 0`, which the cron sweep picks up.
//!
//! Wiring a resource (one line per write, see ARCHITECTURE.md, "Webhooks"):
//! ```ignore
//! let ev = events::emit(env, ws, "customer.created", "customer", &id, &customer_json, Previous::None)?;
//! statements.extend(ev.statements);            // same batch as the change
//! let results = db.batch(statements).await?;
//! crate::http::webhooks::publish(cx, &events::pending(&results)).await;   // after the batch succeeded
//! ```

use crate::domain::listing::ListQuery;
use crate::domain::time;
use crate::platform::d1::{db, int, opt_text, text};
use crate::platform::{new_id, now_ms};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{D1PreparedStatement, Env};

/// The queue every webhook message goes through (wrangler.toml).
pub const QUEUE_BINDING: &str = "WEBHOOKS";
pub const QUEUE_NAME: &str = "weav-webhooks";

/// A queue message: fan an event out to its subscriptions, or attempt one delivery.
#[derive(Serialize, Deserialize, Debug, Default, Clone)]
pub struct Message {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<String>,
}

/// The envelope of event `e`, exactly as delivered and as `GET /v1/events/{id}` shows it.
pub const EVENT_JSON: &str = "json_object('id', e.id, 'type', e.type, 'created_at', e.created_at, \
 'workspace_id', e.workspace_id, 'sequence', e.sequence, 'data', CASE WHEN e.previous IS NULL \
 THEN json_object('object', json(e.object)) ELSE json_object('object', json(e.object), 'previous', json(e.previous)) END)";

/// Marks event `event_id` handed over to its deliveries (the sweep leaves it alone).
pub fn dispatched_statement(env: &Env, event_id: &str) -> worker::Result<D1PreparedStatement> {
    db(env)?.prepare("UPDATE events SET dispatched = 1 WHERE id = ?1").bind(&[text(event_id)])
}

/// The statements to append to the change's batch, and the new event's id.
pub struct Emitted {
    pub id: String,
    pub statements: Vec<D1PreparedStatement>,
}

/// What `data.previous` holds.
pub enum Previous<'a> {
    None,
    /// The changed fields with their values before, as JSON text.
    Fields(&'a str),
    /// The whole object before (JSON text): SQLite keeps the fields whose value differs
    /// in the object after the change.
    DiffFrom(&'a str),
}

/// An event whose object is known in Rust (JSON text of the resource as the API returns it).
pub fn emit(
    env: &Env,
    workspace_id: i64,
    event_type: &str,
    resource_type: &str,
    resource_id: &str,
    object_json: &str,
    previous: Previous,
) -> worker::Result<Emitted> {
    emit_select(
        env,
        workspace_id,
        event_type,
        resource_type,
        "(SELECT ?1 AS rid, ?2 AS obj) r WHERE true",
        "r.rid",
        "r.obj",
        vec![text(resource_id), text(object_json)],
        previous,
    )
}

/// An event whose object SQLite builds inside the batch, from the rows as they are at
/// that point of the batch: `FROM {from}` must yield the resource's row and include a
/// `WHERE` clause; `id_expr` and `object_expr` are evaluated on it; `args` are the
/// numbered parameters (`?1`...) that `from` and the expressions use.
#[allow(clippy::too_many_arguments)]
pub fn emit_select(
    env: &Env,
    workspace_id: i64,
    event_type: &str,
    resource_type: &str,
    from: &str,
    id_expr: &str,
    object_expr: &str,
    args: Vec<JsValue>,
    previous: Previous,
) -> worker::Result<Emitted> {
    let id = new_id("evt_")?;
    let now = now_ms();
    let k = args.len();
    let p = |n: usize| format!("?{}", k + n);
    let (ws, rt, eid, ty, at, ms, prev) = (p(1), p(2), p(3), p(4), p(5), p(6), p(7));
    let mut all = args;
    all.extend([
        int(workspace_id),
        text(resource_type),
        text(&id),
        text(event_type),
        text(&time::format_millis(now)),
        int(now),
    ]);
    if let Previous::Fields(s) | Previous::DiffFrom(s) = previous {
        all.push(text(s));
    }
    let previous_expr = match previous {
        Previous::None => "NULL".to_string(),
        Previous::Fields(_) => prev.clone(),
        Previous::DiffFrom(_) => format!(
            "(SELECT json_group_object(b.key, CASE b.type WHEN 'true' THEN json('true') WHEN 'false' THEN json('false') \
             WHEN 'object' THEN json(b.value) WHEN 'array' THEN json(b.value) ELSE b.value END) FROM json_each({prev}) b \
             WHERE NOT EXISTS (SELECT 1 FROM json_each({object_expr}) n WHERE n.key = b.key AND n.type = b.type \
             AND n.value IS b.value))"
        ),
    };
    // One statement: the sequence is the resource's last + 1, and the `events_sequence`
    // trigger (migration 0007) records it. An event of a workspace without an enabled
    // subscription has nowhere to go: it is written dispatched already, and only the
    // others are handed to the queue (`pending`). The object comes back too, so a write
    // can answer with the resource exactly as its event carries it.
    let insert = db(env)?
        .prepare(format!(
            "INSERT INTO events (id, workspace_id, type, resource_type, resource_id, sequence, object, previous, \
             created_at, created_ms, dispatched) \
             SELECT {eid}, {ws}, {ty}, {rt}, CAST({id_expr} AS TEXT), COALESCE((SELECT seq FROM resource_sequences \
             WHERE workspace_id = {ws} AND resource_type = {rt} AND resource_id = CAST({id_expr} AS TEXT)), 0) + 1, \
             {object_expr}, {previous_expr}, {at}, {ms}, \
             NOT EXISTS (SELECT 1 FROM webhooks w WHERE w.workspace_id = {ws} AND w.enabled = 1) FROM {from} \
             RETURNING CASE dispatched WHEN 0 THEN id END AS {PENDING}, object AS {OBJECT}"
        ))
        .bind(&all)?;
    Ok(Emitted { id, statements: vec![insert] })
}

/// The column under which an event insert returns the event's object (JSON text).
pub const OBJECT: &str = "event_object";

/// The column under which an event insert returns its id when the event still has to be
/// fanned out (its workspace has an enabled subscription).
const PENDING: &str = "pending_event";

/// The events a committed batch wrote that the queue must fan out: any result of the
/// batch may be an event insert (`emit`), and only those return `pending_event`.
pub fn pending(results: &[worker::D1Result]) -> Vec<String> {
    #[derive(Deserialize)]
    struct Row {
        #[serde(default)]
        pending_event: Option<String>,
    }
    results.iter().filter_map(|r| r.results::<Row>().ok()).flatten().filter_map(|row| row.pending_event).collect()
}

/// `pending` for a batch whose results stayed JS values (`platform::d1::batch_js`).
pub fn pending_js(results: &[JsValue]) -> Vec<String> {
    results
        .iter()
        .flat_map(crate::platform::d1::rows)
        .filter_map(|row| crate::platform::d1::cell(&row, PENDING)?.as_string())
        .collect()
}

/// Hands events to the queue after their batch committed. A failure is logged, not
/// returned: the change is made, and the cron sweep enqueues what is still undispatched.
pub async fn enqueue(env: &Env, ids: &[String]) {
    for id in ids {
        if let Err(e) = send(env, Message { event: Some(id.clone()), delivery: None }, 0).await {
            worker::console_error!("webhooks: enqueue {id} failed, the sweep will retry: {e}");
        }
    }
}

/// Sends one queue message, delayed by `delay_seconds`.
pub async fn send(env: &Env, msg: Message, delay_seconds: u32) -> worker::Result<()> {
    let queue = env.queue(QUEUE_BINDING)?;
    if delay_seconds == 0 {
        queue.send(msg).await
    } else {
        queue.send(worker::MessageBuilder::new(msg).delay_seconds(delay_seconds).build()).await
    }
}

pub const SORTABLE: [&str; 1] = ["created_at"];

/// `GET /v1/events`: `{data, start, end, count}` built by SQLite, newest last unless
/// `order_by=created_at desc`; `type` filters.
pub async fn list(env: &Env, workspace_id: i64, q: &ListQuery, event_type: Option<&str>) -> worker::Result<String> {
    #[derive(Deserialize)]
    struct Body {
        body: String,
    }
    let filter = if event_type.is_some() { " AND e.type = ?2" } else { "" };
    let dir = if q.desc { "DESC" } else { "ASC" };
    let count = format!("(SELECT COUNT(*) FROM events e WHERE e.workspace_id = ?1{filter})");
    let sql = if q.count_only {
        format!("SELECT '{{\"count\":' || {count} || '}}' AS body")
    } else {
        format!(
            "SELECT '{{\"data\":[' || COALESCE(group_concat(ev, ','), '') || '],\"start\":' || CAST(?3 AS INTEGER) || \
             ',\"end\":' || (CAST(?3 AS INTEGER) + COUNT(*)) || ',\"count\":' || {count} || '}}' AS body FROM \
             (SELECT {EVENT_JSON} AS ev FROM events e WHERE e.workspace_id = ?1{filter} \
              ORDER BY e.created_ms {dir}, e.rowid {dir} LIMIT ?4 OFFSET ?3)"
        )
    };
    // D1 wants exactly as many values as the highest parameter number used.
    let args = if q.count_only {
        let mut a = vec![int(workspace_id)];
        if let Some(t) = event_type {
            a.push(text(t));
        }
        a
    } else {
        vec![int(workspace_id), opt_text(event_type), int(q.skip), int(q.take)]
    };
    let row: Option<Body> = db(env)?.prepare(sql).bind(&args)?.first(None).await?;
    row.map(|b| b.body).ok_or_else(|| worker::Error::RustError("listing returned no row".into()))
}

pub async fn get_json(env: &Env, workspace_id: i64, id: &str) -> worker::Result<Option<String>> {
    #[derive(Deserialize)]
    struct Row {
        ev: String,
    }
    let row: Option<Row> = db(env)?
        .prepare(format!("SELECT {EVENT_JSON} AS ev FROM events e WHERE e.workspace_id = ?1 AND e.id = ?2"))
        .bind(&[int(workspace_id), text(id)])?
        .first(None)
        .await?;
    Ok(row.map(|r| r.ev))
}
