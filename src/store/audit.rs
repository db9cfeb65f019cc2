//! The audit log in D1 (migration 0013): the insert a write's batch carries, the listing,
//! the refusal guard and the retention purge.

use crate::domain::audit::{retention_days, Cursor, Query, REFUSED, REFUSED_EVERY_MS};
use crate::domain::time;
use crate::platform::d1::{db, int, opt_int, opt_text, text};
use wasm_bindgen::JsValue;
use worker::{D1PreparedStatement, Env};

/// One entry, as the request path knows it.
pub struct Entry<'a> {
    pub id: &'a str,
    pub workspace_id: Option<i64>,
    pub now_ms: i64,
    pub actor_type: &'a str,
    pub actor_id: Option<&'a str>,
    /// Operator keys carry their name; a token's is read from `api_tokens` in the insert.
    pub actor_name: Option<&'a str>,
    pub action: &'a str,
    pub target_type: &'a str,
    /// The target named by the handler; else the event's resource; else `path_target`.
    pub target_id: Option<&'a str>,
    pub path_target: Option<&'a str>,
    /// An event of the same batch: its resource is the target, and without its row (the
    /// change found nothing) no entry is written.
    pub event_id: Option<&'a str>,
    /// Else the row the batch's last insert made: `last_insert_rowid()`.
    pub last_insert: bool,
    /// Written only if the batch's statement before it changed a row (`changes()`).
    pub if_changed: bool,
    pub request_id: &'a str,
    pub idempotency_key: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    /// JSON array of field names.
    pub changes: &'a str,
    pub status: Option<i64>,
}

const INSERT: &str = "INSERT INTO audit_logs (id, workspace_id, created_at, created_ms, actor_type, actor_id, \
 actor_name, action, target_type, target_id, request_id, idempotency_key, ip, user_agent, changes, status) \
 SELECT ?1, ?2, ?3, ?4, ?5, ?6, \
 CASE WHEN ?5 = 'token' THEN (SELECT name FROM api_tokens WHERE id = CAST(?6 AS INTEGER)) ELSE ?7 END, \
 ?8, ?9, COALESCE(?10, e.resource_id, ?11, CASE WHEN ?19 THEN CAST(last_insert_rowid() AS TEXT) END), ?12, ?13, ?14, ?15, ?16, ?17 \
 FROM (SELECT 1) one LEFT JOIN events e ON e.id = ?18 WHERE (?18 IS NULL OR e.id IS NOT NULL) \
 AND (NOT ?20 OR changes() > 0)";

fn args(e: &Entry) -> Vec<JsValue> {
    vec![
        text(e.id),
        opt_int(e.workspace_id),
        text(&time::format_millis(e.now_ms)),
        int(e.now_ms),
        text(e.actor_type),
        opt_text(e.actor_id),
        opt_text(e.actor_name),
        text(e.action),
        text(e.target_type),
        opt_text(e.target_id),
        opt_text(e.path_target),
        text(e.request_id),
        opt_text(e.idempotency_key),
        opt_text(e.ip),
        opt_text(e.user_agent),
        text(e.changes),
        opt_int(e.status),
        opt_text(e.event_id),
        int(i64::from(e.last_insert)),
        int(i64::from(e.if_changed)),
    ]
}

/// The insert of entry `e`, for the change's own batch (or to run alone).
pub fn insert(env: &Env, e: &Entry) -> worker::Result<D1PreparedStatement> {
    db(env)?.prepare(INSERT).bind(&args(e))
}

/// A refusal's insert: written only if the token has no refusal in the last
/// `REFUSED_EVERY_MS` (the partial index `audit_logs_refused` makes that one seek).
pub fn insert_refusal(env: &Env, e: &Entry) -> worker::Result<D1PreparedStatement> {
    let sql = format!(
        "{INSERT} AND NOT EXISTS (SELECT 1 FROM audit_logs r WHERE r.action = '{REFUSED}' AND r.actor_id = ?6 \
         AND r.created_ms > ?4 - {REFUSED_EVERY_MS})"
    );
    db(env)?.prepare(sql).bind(&args(e))
}

/// An entry as the API answers it. A workspace's own listing does not show where the
/// operator's requests came from (`ip`, `user_agent` of operator entries are null).
fn entry_json(operator: bool) -> String {
    let hide = if operator { "0" } else { "a.actor_type IN ('operator_key', 'admin_token')" };
    format!(
        "json_object('id', a.id, 'object', 'audit_log', 'created_at', a.created_at, \
         'workspace_id', a.workspace_id, 'action', a.action, \
         'actor', json_object('type', a.actor_type, 'id', a.actor_id, 'name', a.actor_name), \
         'target', json_object('type', a.target_type, 'id', a.target_id), \
         'request', json_object('id', a.request_id, 'idempotency_key', a.idempotency_key, \
         'ip', CASE WHEN {hide} THEN NULL ELSE a.ip END, 'user_agent', CASE WHEN {hide} THEN NULL ELSE a.user_agent END), \
         'changes', json(a.changes), 'status', a.status)"
    )
}

/// What a listing found: the page (newest first) and whether more lie beyond it in the
/// direction it was read; `None` when the cursor names no entry of the listing's scope.
pub struct Page {
    pub body: String,
}

/// One page of entries, newest first: `{data, has_more}` built by SQLite. `workspace`:
/// the workspace's own listing; `None` with `q.workspace_id` for the operator's.
pub async fn list(env: &Env, workspace: Option<i64>, q: &Query) -> worker::Result<Option<Page>> {
    let mut args: Vec<JsValue> = Vec::new();
    let scope = workspace.or(q.workspace_id);
    let mut conds: Vec<String> = Vec::new();
    if let Some(ws) = scope {
        conds.push(format!("a.workspace_id = {}", next(int(ws), &mut args)));
    }
    // A cursor must name an entry the caller may see; its seq bounds the page.
    let cursor = match &q.cursor {
        Cursor::Newest => None,
        Cursor::StartingAfter(id) | Cursor::EndingBefore(id) => {
            let p = next(text(id), &mut args);
            let within = match scope {
                Some(ws) => format!(" AND c.workspace_id = {}", next(int(ws), &mut args)),
                None => String::new(),
            };
            Some(format!("(SELECT c.seq FROM audit_logs c WHERE c.id = {p}{within})"))
        }
    };
    let newer = matches!(q.cursor, Cursor::EndingBefore(_));
    if let Some(c) = &cursor {
        conds.push(format!("a.seq {} {c}", if newer { ">" } else { "<" }));
    }
    if let Some(a) = &q.action {
        conds.push(format!("a.action = {}", next(text(a), &mut args)));
    }
    if let Some(a) = &q.actor {
        conds.push(format!("a.actor_id = {}", next(text(a), &mut args)));
    }
    if let Some(t) = &q.target_type {
        conds.push(format!("a.target_type = {}", next(text(t), &mut args)));
    }
    if let Some(t) = &q.target_id {
        conds.push(format!("a.target_id = {}", next(text(t), &mut args)));
    }
    if let Some(s) = q.since_ms {
        conds.push(format!("a.created_ms >= {}", next(int(s), &mut args)));
    }
    if let Some(u) = q.until_ms {
        conds.push(format!("a.created_ms < {}", next(int(u), &mut args)));
    }
    let limit = next(int(q.limit + 1), &mut args);
    let filter = if conds.is_empty() { "1".to_string() } else { conds.join(" AND ") };
    // Read in the cursor's direction, one more than the page to know `has_more`; the page
    // is then put newest first whichever way it was read.
    let dir = if newer { "ASC" } else { "DESC" };
    let n = q.limit;
    let cursor_known = match &cursor {
        Some(c) => format!("{c} IS NOT NULL"),
        None => "1".to_string(),
    };
    let entry = entry_json(workspace.is_none());
    let sql = format!(
        "WITH r AS (SELECT a.seq, {entry} AS j FROM audit_logs a WHERE {filter} ORDER BY a.seq {dir} LIMIT {limit}), \
         n AS (SELECT count(*) AS c FROM r), \
         p AS (SELECT seq, j FROM r ORDER BY seq {dir} LIMIT {n}) \
         SELECT CASE WHEN {cursor_known} THEN json_object(\
         'data', json((SELECT COALESCE(json_group_array(json(j)), '[]') FROM (SELECT j FROM p ORDER BY seq DESC))), \
         'has_more', json(CASE WHEN (SELECT c FROM n) > {n} THEN 'true' ELSE 'false' END)) END AS body"
    );
    #[derive(serde::Deserialize)]
    struct Row {
        body: Option<String>,
    }
    let row: Option<Row> = db(env)?.prepare(sql).bind(&args)?.first(None).await?;
    Ok(row.and_then(|r| r.body).map(|body| Page { body }))
}

/// Binds `v` as the next numbered parameter and names it.
fn next(v: JsValue, args: &mut Vec<JsValue>) -> String {
    args.push(v);
    format!("?{}", args.len())
}

/// `?1`: the free plan's cutoff, `?2`: everyone else's, `?3`: at most this many rows.
const PURGE: &str = "DELETE FROM audit_logs WHERE seq IN (SELECT a.seq FROM audit_logs a \
 LEFT JOIN workspaces w ON w.id = a.workspace_id WHERE a.created_ms < ?1 \
 AND (a.created_ms < ?2 OR w.plan = 'free') LIMIT ?3) RETURNING seq";

/// Deletes entries past their retention (90 days on the free plan, 365 otherwise and for
/// operator entries), at most `batch` per call; how many went.
pub async fn purge(env: &Env, now_ms: i64, batch: i64) -> worker::Result<usize> {
    const DAY: i64 = 86_400_000;
    let short = now_ms - retention_days(Some("free")) * DAY;
    let long = now_ms - retention_days(None) * DAY;
    let rows = db(env)?.prepare(PURGE).bind(&[int(short), int(long), int(batch)])?.all().await?;
    Ok(rows.results::<serde_json::Value>()?.len())
}

#[cfg(test)]
mod tests {
    //! The statements on host SQLite with the migrations applied.
    use super::{INSERT, PURGE};
    use rusqlite::{params, Connection};

    fn db() -> Connection {
        let conn = crate::store::migrated_sqlite();
        conn.execute_batch(
            "INSERT INTO workspaces (id, name, plan, created_at, updated_at) VALUES (1, 'f', 'free', 'x', 'x'), \
             (2, 'p', 'pro', 'x', 'x'); \
             INSERT INTO api_tokens (id, workspace_id, name, token_hash, abilities, created_at) \
             VALUES (5, 1, 'CRM sync', 'h', '[]', 'x');",
        )
        .unwrap();
        conn
    }

    /// Runs the insert with the given target options; whether a row was written.
    fn insert(conn: &Connection, id: &str, event: Option<&str>, last_insert: bool, if_changed: bool) -> bool {
        let n = conn
            .execute(
                INSERT,
                params![
                    id,
                    1,
                    "t",
                    0,
                    "token",
                    "5",
                    None::<String>,
                    "agent.updated",
                    "agent",
                    None::<String>,
                    "path-id",
                    "req",
                    None::<String>,
                    None::<String>,
                    None::<String>,
                    "[]",
                    None::<i64>,
                    event,
                    last_insert as i64,
                    if_changed as i64
                ],
            )
            .unwrap();
        n == 1
    }

    fn target(conn: &Connection, id: &str) -> (String, Option<String>) {
        conn.query_row("SELECT target_id, actor_name FROM audit_logs WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap()
    }

    #[test]
    fn the_insert_takes_its_target_and_guards() {
        let conn = db();
        // The path's id, and the token's name read in the same statement.
        assert!(insert(&conn, "a1", None, false, false));
        assert_eq!(target(&conn, "a1"), ("path-id".into(), Some("CRM sync".into())));
        // An event that was not written (the change found nothing): no entry.
        assert!(!insert(&conn, "a2", Some("evt_missing"), false, false));
        // An event that was: its resource is the target.
        conn.execute_batch(
            "INSERT INTO events (id, workspace_id, type, resource_type, resource_id, sequence, object, created_at, created_ms) \
             VALUES ('evt_1', 1, 'agent.updated', 'agent', '42', 1, '{}', 'x', 0)",
        )
        .unwrap();
        assert!(insert(&conn, "a3", Some("evt_1"), false, false));
        assert_eq!(target(&conn, "a3").0, "42");
        // Only if the statement before changed a row.
        conn.execute("UPDATE workspaces SET name = 'n' WHERE id = 99", []).unwrap();
        assert!(!insert(&conn, "a4", None, false, true));
        conn.execute("UPDATE workspaces SET name = 'n' WHERE id = 1", []).unwrap();
        assert!(insert(&conn, "a5", None, false, true));
    }

    #[test]
    fn the_purge_keeps_each_plan_its_days() {
        let conn = db();
        const DAY: i64 = 86_400_000;
        let now = 1_000 * DAY;
        for (i, (ws, age)) in [(1, 10), (1, 100), (2, 100), (2, 400), (0, 400)].iter().enumerate() {
            let ws: Option<i64> = (*ws != 0).then_some(*ws);
            conn.execute(
                "INSERT INTO audit_logs (id, workspace_id, created_at, created_ms, actor_type, action, target_type, request_id) \
                 VALUES (?1, ?2, 'x', ?3, 'token', 'a.b', 'a', 'r')",
                params![format!("e{i}"), ws, now - age * DAY],
            )
            .unwrap();
        }
        let deleted = |limit: i64| {
            let mut stmt = conn.prepare(PURGE).unwrap();
            let n = stmt.query_map(params![now - 90 * DAY, now - 365 * DAY, limit], |_| Ok(())).unwrap().count();
            n
        };
        assert_eq!(deleted(1), 1, "bounded per run");
        assert_eq!(deleted(100), 2);
        let left: Vec<String> = conn
            .prepare("SELECT id FROM audit_logs ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        // Free: 10 days kept, 100 gone; pro: 100 kept, 400 gone; operator: 400 gone.
        assert_eq!(left, ["e0", "e2"]);
    }
}
