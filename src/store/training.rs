//! Training data, its chunks and the FTS5 index (migration 0005). Item responses are built
//! by SQLite (`json_object`, `ITEM_JSON`); every statement is scoped by `workspace_id`.

use crate::domain::listing::{like_escape, ListQuery};
use crate::domain::quota::Resource;
use crate::domain::training::{scope_token, Job};
use crate::platform::d1::{db, int, opt_text, text};
use crate::store::events::{self, pending, Emitted, Previous};
use crate::store::quotas::Check;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1PreparedStatement, Env};

/// The API object of training item `t`.
pub const ITEM_JSON: &str = "json_object( \
 'id', t.id, 'agent_id', t.agent_id, 'type', t.type, 'title', t.title, 'content', t.content, \
 'question', t.question, 'answer', t.answer, 'url', t.url, 'status', t.status, 'error', t.error, \
 'chunks', t.chunks, 'redactions', t.redactions, 'attempts', t.attempts, \
 'created_at', t.created_at, 'updated_at', t.updated_at, 'processed_at', t.processed_at)";

#[derive(Deserialize)]
struct JsonRow {
    item: String,
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

/// What handlers need to know about an existing item.
#[derive(Deserialize, Debug)]
pub struct ItemRow {
    pub id: i64,
    pub agent_id: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub title: Option<String>,
    pub content: Option<String>,
    pub question: Option<String>,
    pub answer: Option<String>,
}

/// The fields of a text or qa item as stored (already redacted).
pub struct Fields<'a> {
    pub title: Option<&'a str>,
    pub content: Option<&'a str>,
    pub question: Option<&'a str>,
    pub answer: Option<&'a str>,
}

/// Which item chunks belong to: a known id, or the newest item of the workspace (the one
/// inserted earlier in the same batch; a D1 batch is one transaction, run alone).
#[derive(Clone, Copy)]
pub enum ItemId {
    Known(i64),
    Newest,
}

fn item_id_expr(id: ItemId, workspace_id: i64) -> (String, Vec<JsValue>) {
    match id {
        ItemId::Known(n) => ("?".into(), vec![int(n)]),
        ItemId::Newest => {
            ("(SELECT MAX(id) FROM training_data WHERE workspace_id = ?)".into(), vec![int(workspace_id)])
        }
    }
}

/// A training item event whose object is item `item` as the batch leaves it.
pub fn emit(
    env: &Env,
    workspace_id: i64,
    event_type: &str,
    item: ItemId,
    previous: Previous,
) -> worker::Result<Emitted> {
    let row = match item {
        ItemId::Known(_) => "?2",
        ItemId::Newest => "(SELECT MAX(id) FROM training_data WHERE workspace_id = ?1)",
    };
    let mut args = vec![int(workspace_id)];
    if let ItemId::Known(id) = item {
        args.push(int(id));
    }
    events::emit_select(
        env,
        workspace_id,
        event_type,
        "training_data",
        &format!("training_data t WHERE t.workspace_id = ?1 AND t.id = {row}"),
        "t.id",
        ITEM_JSON,
        args,
        previous,
    )
}

/// Appends the events' statements; after the batch, `events::pending` names the ones to
/// publish (those with a subscription to go to).
fn append(statements: &mut Vec<D1PreparedStatement>, events: Vec<Emitted>) {
    for e in events {
        statements.extend(e.statements);
    }
}

/// Statements inserting the chunks (at most 40 rows per statement: D1 binds ≤ 100 values).
pub fn insert_chunks(
    env: &Env,
    workspace_id: i64,
    agent_id: i64,
    item: ItemId,
    chunks: &[String],
) -> worker::Result<Vec<D1PreparedStatement>> {
    let scope = scope_token(agent_id);
    let mut out = Vec::new();
    for (n, group) in chunks.chunks(40).enumerate() {
        let (item_expr, item_vals) = item_id_expr(item, workspace_id);
        let mut values = vec![int(workspace_id), int(agent_id)];
        values.extend(item_vals);
        values.push(text(&scope));
        let rows: Vec<&str> = group.iter().map(|_| "(?, ?)").collect();
        for (i, c) in group.iter().enumerate() {
            values.push(int((n * 40 + i) as i64));
            values.push(text(c));
        }
        out.push(
            db(env)?
                .prepare(format!(
                    "INSERT INTO training_chunks (workspace_id, agent_id, training_data_id, scope, position, content) \
             SELECT ?, ?, {item_expr}, ?, column1, column2 FROM (VALUES {})",
                    rows.join(", ")
                ))
                .bind(&values)?,
        );
    }
    Ok(out)
}

pub fn delete_chunks(env: &Env, workspace_id: i64, item_id: i64) -> worker::Result<D1PreparedStatement> {
    db(env)?
        .prepare("DELETE FROM training_chunks WHERE workspace_id = ? AND training_data_id = ?")
        .bind(&[int(workspace_id), int(item_id)])
}

fn select_json(env: &Env, workspace_id: i64, item: ItemId) -> worker::Result<D1PreparedStatement> {
    let (expr, mut vals) = item_id_expr(item, workspace_id);
    vals.insert(0, int(workspace_id));
    db(env)?
        .prepare(format!("SELECT {ITEM_JSON} AS item FROM training_data t WHERE t.workspace_id = ? AND t.id = {expr}"))
        .bind(&vals)
}

fn last_json(results: &[worker::D1Result]) -> worker::Result<Option<String>> {
    match results.last() {
        Some(r) => Ok(r.results::<JsonRow>()?.into_iter().next().map(|r| r.item)),
        None => Ok(None),
    }
}

/// Creates a text or qa item with its chunks, completed, in one batch with its
/// `training_data.created` and `.completed` events; returns its JSON and the event ids.
#[allow(clippy::too_many_arguments)]
pub async fn create(
    env: &Env,
    workspace_id: i64,
    agent_id: i64,
    kind: &str,
    f: &Fields<'_>,
    chunks: &[String],
    redactions: usize,
    now: &str,
) -> worker::Result<Option<(String, Vec<String>)>> {
    let mut statements = vec![db(env)?
        .prepare(
            "INSERT INTO training_data (workspace_id, agent_id, type, title, content, question, answer, status, \
             chunks, redactions, created_at, updated_at, processed_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, 'completed', ?, ?, ?, ?, ?)",
        )
        .bind(&[
            int(workspace_id),
            int(agent_id),
            text(kind),
            opt_text(f.title),
            opt_text(f.content),
            opt_text(f.question),
            opt_text(f.answer),
            int(chunks.len() as i64),
            int(redactions as i64),
            text(now),
            text(now),
            text(now),
        ])?];
    statements.extend(insert_chunks(env, workspace_id, agent_id, ItemId::Newest, chunks)?);
    for r in [Resource::TrainingItems, Resource::TrainingBytes] {
        statements.push(Check::workspace(r).statement(env, workspace_id)?);
    }
    // Chunked at once: created and completed in the same batch.
    append(
        &mut statements,
        vec![
            emit(env, workspace_id, "training_data.created", ItemId::Newest, Previous::None)?,
            emit(env, workspace_id, "training_data.completed", ItemId::Newest, Previous::None)?,
        ],
    );
    statements.push(select_json(env, workspace_id, ItemId::Newest)?);
    let results = db(env)?.batch(statements).await?;
    Ok(last_json(&results)?.map(|item| (item, pending(&results))))
}

/// Rewrites a text or qa item (fields and chunks) in one batch with its
/// `training_data.completed` event (`previous`: what changed from `before`); returns its
/// JSON and the event ids.
#[allow(clippy::too_many_arguments)]
pub async fn rewrite(
    env: &Env,
    workspace_id: i64,
    item: &ItemRow,
    f: &Fields<'_>,
    chunks: &[String],
    redactions: usize,
    now: &str,
    before: Option<&str>,
    audit: Option<D1PreparedStatement>,
) -> worker::Result<Option<(String, Vec<String>)>> {
    let mut statements = vec![
        db(env)?
            .prepare(
                "UPDATE training_data SET title = ?, content = ?, question = ?, answer = ?, chunks = ?, \
                 redactions = ?, status = 'completed', error = NULL, updated_at = ?, processed_at = ? \
                 WHERE workspace_id = ? AND id = ?",
            )
            .bind(&[
                opt_text(f.title),
                opt_text(f.content),
                opt_text(f.question),
                opt_text(f.answer),
                int(chunks.len() as i64),
                int(redactions as i64),
                text(now),
                text(now),
                int(workspace_id),
                int(item.id),
            ])?,
        delete_chunks(env, workspace_id, item.id)?,
    ];
    statements.extend(insert_chunks(env, workspace_id, item.agent_id, ItemId::Known(item.id), chunks)?);
    // Text that grows counts against the training bytes quota, as a create's does.
    let bytes = |parts: [Option<&str>; 3]| parts.iter().flatten().map(|p| p.len()).sum::<usize>();
    if bytes([f.content, f.question, f.answer])
        > bytes([item.content.as_deref(), item.question.as_deref(), item.answer.as_deref()])
    {
        statements.push(Check::workspace(Resource::TrainingBytes).statement(env, workspace_id)?);
    }
    let previous = before.map_or(Previous::None, Previous::DiffFrom);
    append(
        &mut statements,
        vec![emit(env, workspace_id, "training_data.completed", ItemId::Known(item.id), previous)?],
    );
    // The audit entry before the read-back, which `last_json` reads last.
    statements.extend(audit);
    statements.push(select_json(env, workspace_id, ItemId::Known(item.id))?);
    let results = db(env)?.batch(statements).await?;
    Ok(last_json(&results)?.map(|item| (item, pending(&results))))
}

/// Sets only the title of an item (url items); returns its JSON.
pub async fn set_title(
    env: &Env,
    workspace_id: i64,
    item_id: i64,
    title: Option<&str>,
    now: &str,
    audit: Option<D1PreparedStatement>,
) -> worker::Result<Option<String>> {
    let mut statements = vec![db(env)?
        .prepare("UPDATE training_data SET title = ?, updated_at = ? WHERE workspace_id = ? AND id = ?")
        .bind(&[opt_text(title), text(now), int(workspace_id), int(item_id)])?];
    statements.extend(audit);
    statements.push(select_json(env, workspace_id, ItemId::Known(item_id))?);
    let results = db(env)?.batch(statements).await?;
    last_json(&results)
}

pub async fn get_json(env: &Env, workspace_id: i64, id: i64) -> worker::Result<Option<String>> {
    let row: Option<JsonRow> = select_json(env, workspace_id, ItemId::Known(id))?.first(None).await?;
    Ok(row.map(|r| r.item))
}

pub async fn find(env: &Env, workspace_id: i64, id: i64) -> worker::Result<Option<ItemRow>> {
    db(env)?
        .prepare(
            "SELECT id, agent_id, type, title, content, question, answer FROM training_data \
             WHERE workspace_id = ? AND id = ?",
        )
        .bind(&[int(workspace_id), int(id)])?
        .first(None)
        .await
}

/// Deletes an item (its chunks and index entries go with it) after its
/// `training_data.deleted` event (the item as it was), in one batch; the events to publish,
/// `None` when there was no item.
pub async fn delete(
    env: &Env,
    workspace_id: i64,
    id: i64,
    audit: Option<D1PreparedStatement>,
) -> worker::Result<Option<Vec<String>>> {
    let ev = emit(env, workspace_id, "training_data.deleted", ItemId::Known(id), Previous::None)?;
    let mut statements = ev.statements;
    statements.push(
        db(env)?
            .prepare("DELETE FROM training_data WHERE workspace_id = ? AND id = ? RETURNING id")
            .bind(&[int(workspace_id), int(id)])?,
    );
    let at = statements.len() - 1;
    statements.extend(audit);
    let results = db(env)?.batch(statements).await?;
    let deleted = match results.get(at) {
        Some(r) => !r.results::<serde_json::Value>()?.is_empty(),
        None => false,
    };
    Ok(deleted.then(|| pending(&results)))
}

/// Filters of a listing beyond the shared parameters.
pub struct Filters<'a> {
    pub agent_id: Option<i64>,
    pub kind: Option<&'a str>,
    pub status: Option<&'a str>,
}

/// One page and its total in one D1 batch.
pub async fn list(env: &Env, workspace_id: i64, q: &ListQuery, f: &Filters<'_>) -> worker::Result<(Vec<String>, i64)> {
    let mut filters = String::from("t.workspace_id = ?");
    let mut params = vec![int(workspace_id)];
    if let Some(a) = f.agent_id {
        filters.push_str(" AND t.agent_id = ?");
        params.push(int(a));
    }
    if let Some(k) = f.kind {
        filters.push_str(" AND t.type = ?");
        params.push(text(k));
    }
    if let Some(s) = f.status {
        filters.push_str(" AND t.status = ?");
        params.push(text(s));
    }
    if let Some(term) = &q.q {
        let pattern = format!("%{}%", like_escape(term));
        filters
            .push_str(" AND (t.title LIKE ? ESCAPE '\\' OR t.url LIKE ? ESCAPE '\\' OR t.question LIKE ? ESCAPE '\\')");
        for _ in 0..3 {
            params.push(text(&pattern));
        }
    }
    let count_stmt =
        db(env)?.prepare(format!("SELECT COUNT(*) AS n FROM training_data t WHERE {filters}")).bind(&params)?;
    if q.count_only {
        let c: Option<Count> = count_stmt.first(None).await?;
        return Ok((Vec::new(), c.map_or(0, |c| c.n)));
    }
    let dir = if q.desc { "DESC" } else { "ASC" };
    // `order_by` is one of domain::training::SORTABLE, never caller text.
    let order = if q.order_by == "id" { format!("t.id {dir}") } else { format!("t.{} {dir}, t.id {dir}", q.order_by) };
    let mut page_params = params.clone();
    page_params.push(int(q.take));
    page_params.push(int(q.skip));
    let page = db(env)?
        .prepare(format!(
            "SELECT {ITEM_JSON} AS item FROM training_data t WHERE {filters} ORDER BY {order} LIMIT ? OFFSET ?"
        ))
        .bind(&page_params)?;
    let results = db(env)?.batch(vec![page, count_stmt]).await?;
    let items = results.first().map(|r| r.results::<JsonRow>()).transpose()?.unwrap_or_default();
    let count =
        results.get(1).map(|r| r.results::<Count>()).transpose()?.and_then(|v| v.into_iter().next()).map_or(0, |c| c.n);
    Ok((items.into_iter().map(|r| r.item).collect(), count))
}

/// `ITEM_JSON` over the bare columns, for `RETURNING`.
fn returning_json() -> String {
    ITEM_JSON.replace("t.", "")
}

/// Stores a pending url item per URL (an existing item of the same agent and URL is reset
/// to pending), in one batch with a `training_data.created` event per new item; returns
/// the items' JSON in the order of `urls`, and the event ids.
pub async fn upsert_urls(
    env: &Env,
    workspace_id: i64,
    agent_id: i64,
    urls: &[String],
    now: &str,
) -> worker::Result<(Vec<String>, Vec<String>)> {
    let mut statements = Vec::new();
    for u in urls {
        statements.push(
            db(env)?
                .prepare(format!(
                    "INSERT INTO training_data (workspace_id, agent_id, type, url, status, created_at, updated_at) \
                     VALUES (?, ?, 'url', ?, 'pending', ?, ?) \
                     ON CONFLICT (workspace_id, agent_id, url) WHERE type = 'url' \
                     DO UPDATE SET status = 'pending', error = NULL, attempts = 0, updated_at = excluded.updated_at, \
                     queued = CASE WHEN status IN ('pending', 'processing') THEN queued ELSE 0 END \
                     RETURNING {} AS item",
                    returning_json()
                ))
                .bind(&[int(workspace_id), int(agent_id), text(u), text(now), text(now)])?,
        );
        // A new item only (created now); a reset one had its event when it was created.
        let ev = events::emit_select(
            env,
            workspace_id,
            "training_data.created",
            "training_data",
            "training_data t WHERE t.workspace_id = ?1 AND t.agent_id = ?2 AND t.type = 'url' AND t.url = ?3 \
             AND t.created_at = ?4 AND t.attempts = 0",
            "t.id",
            ITEM_JSON,
            vec![int(workspace_id), int(agent_id), text(u), text(now)],
            Previous::None,
        )?;
        append(&mut statements, vec![ev]);
    }
    // New url items count against the quota; reset ones were counted when created.
    statements.push(Check::workspace(Resource::TrainingItems).statement(env, workspace_id)?);
    let results = db(env)?.batch(statements).await?;
    let mut out = Vec::new();
    // The item read-backs; the event inserts of the batch return other rows.
    #[derive(Deserialize)]
    struct MaybeItem {
        #[serde(default)]
        item: Option<String>,
    }
    for r in &results {
        out.extend(r.results::<MaybeItem>()?.into_iter().filter_map(|row| row.item));
    }
    Ok((out, pending(&results)))
}

/// Resets the agent's completed url items to pending; returns their JSON.
pub async fn resync(env: &Env, workspace_id: i64, agent_id: i64, now: &str) -> worker::Result<Vec<String>> {
    let r = db(env)?
        .prepare(format!(
            "UPDATE training_data SET status = 'pending', error = NULL, attempts = 0, updated_at = ?, queued = 0 \
             WHERE workspace_id = ? AND agent_id = ? AND type = 'url' AND status = 'completed' RETURNING {} AS item",
            returning_json()
        ))
        .bind(&[text(now), int(workspace_id), int(agent_id)])?
        .all()
        .await?;
    Ok(r.results::<JsonRow>()?.into_iter().map(|r| r.item).collect())
}

/// Marks items failed (e.g. when they could not be queued), each with its
/// `training_data.failed` event; returns the event ids.
pub async fn fail_many(
    env: &Env,
    workspace_id: i64,
    ids: &[i64],
    error: &str,
    now: &str,
) -> worker::Result<Vec<String>> {
    let mut statements = Vec::new();
    for id in ids {
        statements.push(fail_stmt(env, workspace_id, *id, error, now)?);
        append(&mut statements, vec![failed_event(env, workspace_id, *id)?]);
    }
    if statements.is_empty() {
        return Ok(Vec::new());
    }
    Ok(pending(&db(env)?.batch(statements).await?))
}

fn failed_event(env: &Env, workspace_id: i64, id: i64) -> worker::Result<Emitted> {
    emit(env, workspace_id, "training_data.failed", ItemId::Known(id), Previous::None)
}

// ---- the queue consumer's side -------------------------------------------------------

/// A url item at the start of a processing attempt.
#[derive(Deserialize, Debug)]
pub struct Attempt {
    pub url: String,
    pub agent_id: i64,
    pub attempts: i64,
}

/// Marks the item `processing` and counts the attempt; `None` when it no longer exists.
pub async fn start_attempt(env: &Env, workspace_id: i64, id: i64, now: &str) -> worker::Result<Option<Attempt>> {
    db(env)?
        .prepare(
            "UPDATE training_data SET status = 'processing', attempts = attempts + 1, updated_at = ? \
             WHERE workspace_id = ? AND id = ? AND type = 'url' RETURNING url, agent_id, attempts",
        )
        .bind(&[text(now), int(workspace_id), int(id)])?
        .first(None)
        .await
}

/// Back to `pending` until the next attempt, with the reason of this one.
pub async fn retry_later(env: &Env, workspace_id: i64, id: i64, error: &str, now: &str) -> worker::Result<()> {
    db(env)?
        .prepare(
            "UPDATE training_data SET status = 'pending', error = ?, updated_at = ? WHERE workspace_id = ? AND id = ?",
        )
        .bind(&[text(error), text(now), int(workspace_id), int(id)])?
        .run()
        .await?;
    Ok(())
}

fn fail_stmt(env: &Env, workspace_id: i64, id: i64, error: &str, now: &str) -> worker::Result<D1PreparedStatement> {
    db(env)?
        .prepare(
            "UPDATE training_data SET status = 'failed', error = ?, updated_at = ?, processed_at = ? \
             WHERE workspace_id = ? AND id = ?",
        )
        .bind(&[text(error), text(now), text(now), int(workspace_id), int(id)])
}

/// Marks the item failed, with its `training_data.failed` event; returns the event ids.
pub async fn fail(env: &Env, workspace_id: i64, id: i64, error: &str, now: &str) -> worker::Result<Vec<String>> {
    let mut statements = vec![fail_stmt(env, workspace_id, id, error, now)?];
    append(&mut statements, vec![failed_event(env, workspace_id, id)?]);
    Ok(pending(&db(env)?.batch(statements).await?))
}

/// Replaces the item's chunks and marks it completed, in one batch with its
/// `training_data.completed` event; returns the event ids.
#[allow(clippy::too_many_arguments)]
pub async fn complete(
    env: &Env,
    workspace_id: i64,
    id: i64,
    agent_id: i64,
    title: Option<&str>,
    chunks: &[String],
    redactions: usize,
    now: &str,
) -> worker::Result<Vec<String>> {
    let mut statements = vec![delete_chunks(env, workspace_id, id)?];
    statements.extend(insert_chunks(env, workspace_id, agent_id, ItemId::Known(id), chunks)?);
    statements.push(
        db(env)?
            .prepare(
                "UPDATE training_data SET status = 'completed', error = NULL, title = COALESCE(?, title), \
                 chunks = ?, redactions = ?, updated_at = ?, processed_at = ? WHERE workspace_id = ? AND id = ?",
            )
            .bind(&[
                opt_text(title),
                int(chunks.len() as i64),
                int(redactions as i64),
                text(now),
                text(now),
                int(workspace_id),
                int(id),
            ])?,
    );
    append(
        &mut statements,
        vec![emit(env, workspace_id, "training_data.completed", ItemId::Known(id), Previous::None)?],
    );
    Ok(pending(&db(env)?.batch(statements).await?))
}

// ---- grounded search -----------------------------------------------------------------

#[derive(Deserialize, Debug, serde::Serialize)]
pub struct Hit {
    pub score: f64,
    pub snippet: String,
    pub training_data_id: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub title: Option<String>,
    pub url: Option<String>,
    pub chunk: i64,
}

/// The agent's best chunks for an FTS5 query (bm25; the `scope` column weighs nothing).
pub async fn search(env: &Env, workspace_id: i64, agent_id: i64, fts: &str, limit: i64) -> worker::Result<Vec<Hit>> {
    let r = db(env)?
        .prepare(
            "SELECT -bm25(training_chunks_fts, 1.0, 0.0) AS score, \
             snippet(training_chunks_fts, 0, '<mark>', '</mark>', '…', 24) AS snippet, \
             c.training_data_id AS training_data_id, t.type AS type, COALESCE(t.title, t.question) AS title, t.url AS url, \
             c.position AS chunk \
             FROM training_chunks_fts \
             JOIN training_chunks c ON c.id = training_chunks_fts.rowid \
             JOIN training_data t ON t.id = c.training_data_id \
             WHERE training_chunks_fts MATCH ?1 AND c.workspace_id = ?2 AND c.agent_id = ?3 \
               AND t.workspace_id = ?2 AND t.status = 'completed' \
             ORDER BY bm25(training_chunks_fts, 1.0, 0.0) LIMIT ?4",
        )
        .bind(&[text(fts), int(workspace_id), int(agent_id), int(limit)])?
        .all()
        .await?;
    r.results::<Hit>()
}

// ---- the training queue ---------------------------------------------------------------

/// The producer binding of the training queue (consumed by `jobs::training`).
pub const QUEUE_BINDING: &str = "TRAINING";

/// Sends one job per item id (items already counted as queued: the sweep's re-sends).
pub async fn enqueue(env: &Env, workspace_id: i64, ids: &[i64]) -> worker::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let jobs: Vec<Job> = ids.iter().map(|id| Job { workspace_id, item_id: *id }).collect();
    let queue = env.queue(QUEUE_BINDING)?;
    for group in jobs.chunks(100) {
        queue.send_batch(group.to_vec()).await?;
    }
    Ok(())
}

/// `TRAINING_PAGES_IN_FLIGHT`: how many of a workspace's url items may be on the queue at
/// once (default 4, at most 100).
pub fn pages_in_flight(env: &Env) -> i64 {
    crate::platform::var(env, "TRAINING_PAGES_IN_FLIGHT", "4").trim().parse::<i64>().unwrap_or(4).clamp(1, 100)
}

/// Admits the workspace's waiting url items (oldest first) until it has
/// `pages_in_flight` on the queue, and sends them; returns the ids sent.
pub async fn admit(env: &Env, workspace_id: i64) -> worker::Result<Vec<i64>> {
    #[derive(Deserialize)]
    struct Id {
        id: i64,
    }
    let rows: Vec<Id> = db(env)?
        .prepare(
            "UPDATE training_data SET queued = 1 WHERE id IN (SELECT id FROM training_data \
             WHERE workspace_id = ?1 AND type = 'url' AND status = 'pending' AND queued = 0 ORDER BY id \
             LIMIT MAX(0, ?2 - (SELECT COUNT(*) FROM training_data WHERE workspace_id = ?1 AND type = 'url' \
               AND status IN ('pending', 'processing') AND queued = 1))) RETURNING id",
        )
        .bind(&[int(workspace_id), int(pages_in_flight(env))])?
        .all()
        .await?
        .results()?;
    let mut ids: Vec<i64> = rows.into_iter().map(|r| r.id).collect();
    ids.sort_unstable();
    enqueue(env, workspace_id, &ids).await?;
    Ok(ids)
}

/// Workspaces with url items waiting for admission (at most 500): the sweep admits them in
/// case an admission was lost.
pub async fn waiting_workspaces(env: &Env) -> worker::Result<Vec<i64>> {
    #[derive(Deserialize)]
    struct Ws {
        workspace_id: i64,
    }
    let rows: Vec<Ws> = db(env)?
        .prepare(
            "SELECT DISTINCT workspace_id FROM training_data WHERE type = 'url' AND status = 'pending' \
             AND queued = 0 LIMIT 500",
        )
        .all()
        .await?
        .results()?;
    Ok(rows.into_iter().map(|r| r.workspace_id).collect())
}

/// A URL item the sweep queues again.
#[derive(Deserialize)]
pub struct Stale {
    pub workspace_id: i64,
    pub id: i64,
}

/// Queued URL items left `pending` or `processing` since before `cutoff`, oldest first (at
/// most 500). Items waiting for admission are not stale, however long they wait.
pub async fn stale_urls(env: &Env, cutoff: &str) -> worker::Result<Vec<Stale>> {
    db(env)?
        .prepare(
            "SELECT workspace_id, id FROM training_data WHERE type = 'url' AND status IN ('pending', 'processing') \
             AND queued = 1 AND updated_at < ? ORDER BY updated_at LIMIT 500",
        )
        .bind(&[text(cutoff)])?
        .all()
        .await?
        .results()
}
