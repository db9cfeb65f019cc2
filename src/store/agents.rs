//! Agents in D1. Responses are built by SQLite itself (`json_object`), so a read is one
//! statement and one string across the wasm boundary, not a row decoded field by field.

use crate::domain::agent::{AgentInput, AgentKey, DirectoryInput, PictureInput};
use crate::domain::listing::{like_escape, ListQuery};
use crate::platform::d1::{db, int, opt_int, opt_text, text};
use crate::store::events::{self, Emitted, Previous};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1PreparedStatement, Env};

pub const SORTABLE: [&str; 7] = ["id", "uid", "name", "provider", "model", "created_at", "updated_at"];

/// The API object of agent `a` (JSON text); `?1` is the origin that blob URLs are built
/// on. `doc` is kept by triggers (migration 0008) with the URLs of a stored picture as
/// paths: only such an agent's JSON is rewritten here (json_set keeps the key order).
pub const AGENT_JSON: &str = "CASE WHEN a.picture_blob IS NULL THEN a.doc ELSE json_set(a.doc, \
 '$.avatar_url', ?1 || '/v1/blobs/' || a.picture_blob, '$.picture.thumbnail_url', ?1 || '/v1/blobs/' || a.picture_blob, \
 '$.picture.raw', ?1 || '/v1/blobs/' || a.picture_blob) END";

/// What writes need to know about an existing agent.
#[derive(Deserialize, Debug)]
pub struct AgentRef {
    pub id: i64,
    pub uid: String,
    pub is_trashed: i64,
    pub protected: i64,
    /// The id of its stored picture, if any (dropping it deletes the blob: migration 0010).
    #[serde(default)]
    pub picture_blob: Option<String>,
    /// JSON array of `{name, headers, url}` of the agent's functions (headers sealed).
    pub functions: String,
    /// The agent as the API returns it (before the change about to be made).
    pub json: String,
}

/// Which agent a statement of a write batch means: a known id, or the agent of that uid
/// (one inserted earlier in the same batch, whose id is not known yet).
#[derive(Clone, Copy)]
pub enum AgentId<'a> {
    Known(i64),
    Uid(&'a str),
}

impl AgentId<'_> {
    /// The SQL expression of the agent's id in workspace `workspace_id`, with its values.
    pub fn expr(self, workspace_id: i64) -> (&'static str, Vec<JsValue>) {
        match self {
            AgentId::Known(id) => ("?", vec![int(id)]),
            AgentId::Uid(uid) => {
                ("(SELECT id FROM agents WHERE workspace_id = ? AND uid = ?)", vec![int(workspace_id), text(uid)])
            }
        }
    }
}

/// An agent event whose object is the agent's row as the batch leaves it at this point
/// (`origin`: what blob URLs are built on).
pub fn emit(
    env: &Env,
    origin: &str,
    workspace_id: i64,
    event_type: &str,
    agent: AgentId,
    previous: Previous,
) -> worker::Result<Emitted> {
    let (row, args) = match agent {
        AgentId::Known(id) => ("agents a WHERE a.id = ?2", vec![text(origin), int(id)]),
        AgentId::Uid(uid) => {
            ("agents a WHERE a.workspace_id = ?2 AND a.uid = ?3", vec![text(origin), int(workspace_id), text(uid)])
        }
    };
    events::emit_select(env, workspace_id, event_type, "agent", row, "a.id", AGENT_JSON, args, previous)
}

fn key_clause(key: &AgentKey) -> (&'static str, JsValue) {
    match key {
        AgentKey::Id(id) => ("a.id = ?", int(*id)),
        AgentKey::Uid(uid) => ("a.uid = ?", text(uid)),
    }
}

/// Finds an agent of the workspace, trashed or not, with its API JSON as it is now (the
/// `previous` of the change a caller is about to make: no second read for it).
pub async fn find(env: &Env, origin: &str, workspace_id: i64, key: &AgentKey) -> worker::Result<Option<AgentRef>> {
    let (clause, value) = key_clause(key);
    db(env)?
        .prepare(format!(
            "SELECT a.id, a.uid, a.is_trashed, a.protected, a.picture_blob, \
             (SELECT json_group_array(json_object('name', name, 'headers', json(headers), 'url', url)) FROM agent_functions \
              WHERE agent_id = a.id) AS functions, {AGENT_JSON} AS json \
             FROM agents a WHERE a.workspace_id = ?2 AND {clause}"
        ))
        .bind(&[text(origin), int(workspace_id), value])?
        .first(None)
        .await
}

fn get_json_statement(
    env: &Env,
    origin: &str,
    workspace_id: i64,
    key: &AgentKey,
    include_trashed: bool,
) -> worker::Result<D1PreparedStatement> {
    let (clause, value) = key_clause(key);
    let trashed = if include_trashed { "" } else { " AND a.is_trashed = 0" };
    db(env)?
        .prepare(format!("SELECT {AGENT_JSON} AS agent FROM agents a WHERE a.workspace_id = ?2 AND {clause}{trashed}"))
        .bind(&[text(origin), int(workspace_id), value])
}

/// The agent's API JSON, as the read's promise (null when missing, or trashed and
/// `include_trashed` is false).
pub fn get_json_promise(
    env: &Env,
    origin: &str,
    workspace_id: i64,
    key: &AgentKey,
    include_trashed: bool,
) -> worker::Result<worker::js_sys::Promise> {
    crate::platform::d1::first_promise(&get_json_statement(env, origin, workspace_id, key, include_trashed)?, "agent")
}

/// A stored picture: its media type and its bytes as hex (`hex()`: one string across the
/// boundary, whatever D1's binary representation is).
#[derive(Deserialize)]
pub struct StoredBlob {
    pub media_type: String,
    pub data_hex: String,
}

/// The blob of that id (blob ids are global: no workspace).
pub async fn get_blob(env: &Env, id: &str) -> worker::Result<Option<StoredBlob>> {
    db(env)?
        .prepare("SELECT media_type, hex(data) AS data_hex FROM blobs WHERE id = ?")
        .bind(&[text(id)])?
        .first(None)
        .await
}

/// A picture to store alongside the write: `(blob id, media type, bytes, width, height)`.
pub struct NewBlob {
    pub id: String,
    pub media_type: String,
    pub bytes: Vec<u8>,
    pub dims: Option<(u32, u32)>,
}

pub fn insert_blob(env: &Env, workspace_id: i64, blob: &NewBlob, now: &str) -> worker::Result<D1PreparedStatement> {
    let ext = blob.media_type.strip_prefix("image/").unwrap_or("bin");
    let data = worker::js_sys::Uint8Array::from(blob.bytes.as_slice());
    db(env)?
        .prepare(
            "INSERT INTO blobs (id, workspace_id, name, media_type, size, width, height, data, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&[
            text(&blob.id),
            int(workspace_id),
            text(&format!("picture.{ext}")),
            text(&blob.media_type),
            int(blob.bytes.len() as i64),
            opt_int(blob.dims.map(|d| d.0 as i64)),
            opt_int(blob.dims.map(|d| d.1 as i64)),
            data.into(),
            text(now),
        ])
}

pub fn ensure_directory(env: &Env, workspace_id: i64, name: &str, now: &str) -> worker::Result<D1PreparedStatement> {
    db(env)?
        .prepare("INSERT INTO directories (workspace_id, name, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        .bind(&[int(workspace_id), text(name), text(now)])
}

/// Whether a directory id and a blob id (when given) exist in the workspace.
pub async fn references_exist(
    env: &Env,
    workspace_id: i64,
    directory_id: Option<i64>,
    blob_id: Option<&str>,
) -> worker::Result<(bool, bool)> {
    #[derive(Deserialize)]
    struct Found {
        dir: i64,
        blob: i64,
    }
    let found: Option<Found> = db(env)?
        .prepare(
            "SELECT EXISTS (SELECT 1 FROM directories WHERE workspace_id = ?1 AND id = ?2) AS dir, \
             EXISTS (SELECT 1 FROM blobs WHERE workspace_id = ?1 AND id = ?3) AS blob",
        )
        .bind(&[int(workspace_id), opt_int(directory_id), opt_text(blob_id)])?
        .first(None)
        .await?;
    Ok(found.map_or((false, false), |f| (f.dir == 1, f.blob == 1)))
}

/// Column assignments for an insert or update, from the parts of the input that are set.
/// `blob` is the id of a picture stored in the same batch.
pub fn assignments(
    input: &AgentInput,
    workspace_id: i64,
    blob: Option<&str>,
) -> Vec<(&'static str, String, Vec<JsValue>)> {
    let mut out: Vec<(&'static str, String, Vec<JsValue>)> = Vec::new();
    let mut set = |col: &'static str, v: JsValue| out.push((col, "?".into(), vec![v]));
    if let Some(v) = &input.uid {
        set("uid", text(v));
    }
    if let Some(v) = &input.name {
        set("name", text(v));
    }
    if let Some(v) = &input.provider {
        set("provider", text(v));
    }
    if let Some(v) = &input.model {
        set("model", text(v));
    }
    if let Some(v) = &input.instructions {
        set("instructions", opt_text(v.as_deref()));
    }
    if let Some(v) = &input.knowledge {
        set("knowledge", text(&serde_json::to_string(v).unwrap_or_else(|_| "[]".into())));
    }
    if let Some(v) = &input.web_search {
        set("web_search", opt_int(v.map(i64::from)));
    }
    if let Some(v) = &input.max_tokens {
        set("max_tokens", opt_int(*v));
    }
    if let Some(v) = &input.comment {
        set("comment", opt_text(v.as_deref()));
    }
    if let Some(v) = &input.tags {
        set("tags", text(&serde_json::to_string(v).unwrap_or_else(|_| "[]".into())));
    }
    if let Some(v) = &input.metadata {
        set("metadata", opt_text(v.as_ref().and_then(|m| serde_json::to_string(m).ok()).as_deref()));
    }
    match &input.picture {
        None => {}
        Some(None) => {
            set("picture_url", JsValue::NULL);
            set("picture_blob", JsValue::NULL);
        }
        Some(Some(PictureInput::Url(u))) => {
            set("picture_url", text(u));
            set("picture_blob", JsValue::NULL);
        }
        Some(Some(PictureInput::Blob(id))) => {
            set("picture_url", JsValue::NULL);
            set("picture_blob", text(id));
        }
        Some(Some(PictureInput::Data(..))) => {
            set("picture_url", JsValue::NULL);
            set("picture_blob", opt_text(blob));
        }
    }
    match &input.directory {
        None => {}
        Some(None) => set("directory_id", JsValue::NULL),
        Some(Some(DirectoryInput::Id(id))) => set("directory_id", int(*id)),
        Some(Some(DirectoryInput::Name(name))) => out.push((
            "directory_id",
            "(SELECT id FROM directories WHERE workspace_id = ? AND name = ?)".into(),
            vec![int(workspace_id), text(name)],
        )),
    }
    out
}

pub fn insert(
    env: &Env,
    workspace_id: i64,
    input: &AgentInput,
    blob: Option<&str>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    let cols = assignments(input, workspace_id, blob);
    let mut names = vec!["workspace_id", "created_at", "updated_at"];
    let mut exprs = vec!["?".to_string(), "?".into(), "?".into()];
    let mut values = vec![int(workspace_id), text(now), text(now)];
    for (col, expr, vals) in cols {
        names.push(col);
        exprs.push(expr);
        values.extend(vals);
    }
    db(env)?.prepare(format!("INSERT INTO agents ({}) VALUES ({})", names.join(", "), exprs.join(", "))).bind(&values)
}

pub fn update(
    env: &Env,
    workspace_id: i64,
    agent_id: i64,
    input: &AgentInput,
    blob: Option<&str>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    let mut sets = vec!["updated_at = ?".to_string()];
    let mut values = vec![text(now)];
    for (col, expr, vals) in assignments(input, workspace_id, blob) {
        sets.push(format!("{col} = {expr}"));
        values.extend(vals);
    }
    values.push(int(agent_id));
    db(env)?.prepare(format!("UPDATE agents SET {} WHERE id = ?", sets.join(", "))).bind(&values)
}

pub fn set_trashed_statement(
    env: &Env,
    agent_id: i64,
    trashed: bool,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    db(env)?.prepare("UPDATE agents SET is_trashed = ?, updated_at = ? WHERE id = ? AND is_trashed <> ?").bind(&[
        int(trashed as i64),
        text(now),
        int(agent_id),
        int(trashed as i64),
    ])
}

pub fn delete_statement(env: &Env, agent_id: i64) -> worker::Result<D1PreparedStatement> {
    db(env)?.prepare("DELETE FROM agents WHERE id = ?").bind(&[int(agent_id)])
}

pub fn set_protected_statement(
    env: &Env,
    agent_id: i64,
    protected: bool,
    now: &str,
) -> worker::Result<worker::D1PreparedStatement> {
    db(env)?.prepare("UPDATE agents SET protected = ?, updated_at = ? WHERE id = ?").bind(&[
        int(protected as i64),
        text(now),
        int(agent_id),
    ])
}

/// A bound value of a built query: plain Rust, so the SQL builders are host-testable
/// (the query-plan test runs them against SQLite on the host).
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Int(i64),
    Text(String),
    Null,
}

impl Arg {
    fn js(&self) -> JsValue {
        match self {
            Arg::Int(n) => int(*n),
            Arg::Text(t) => text(t),
            Arg::Null => JsValue::NULL,
        }
    }
}

/// Numbered SQL parameters: each value is bound once and can be used many times.
struct Params(Vec<Arg>);

impl Params {
    fn add(&mut self, v: Arg) -> String {
        self.0.push(v);
        format!("?{}", self.0.len())
    }
}

/// The listing statement: `{data, start, end, count}` (or `{count}` with `count_only`)
/// built by SQLite itself, so a listing is ONE D1 round trip and one string across the
/// wasm boundary, whatever the page size.
///
/// Indexes (migration 0002) are `(workspace_id, <sort column>, id)` for every sortable
/// column: the page walks one index in order and stops after `skip + take` live rows.
/// An unfiltered count reads `agent_counts`; a filtered count is bounded by the filter's
/// own index (`agent_tags`, `agents_directory`), except a `q` name search, which is the
/// one filter that scans the workspace's agents.
pub fn list_sql(origin: &str, workspace_id: i64, q: &ListQuery) -> (String, Vec<Arg>) {
    let mut p = Params(Vec::new());
    p.add(Arg::Text(origin.to_string())); // ?1, which AGENT_JSON uses
    let ws = p.add(Arg::Int(workspace_id));
    let mut filters = format!("a.workspace_id = {ws}");
    let mut filtered = false;
    if let Some(t) = q.trashed {
        filters.push_str(&format!(" AND a.is_trashed = {}", p.add(Arg::Int(t as i64))));
    }
    if let Some(term) = &q.q {
        let term = like_escape(term);
        filtered = true;
        if q.autocomplete {
            let start = p.add(Arg::Text(format!("{term}%")));
            let word = p.add(Arg::Text(format!("% {term}%")));
            filters.push_str(&format!(" AND (a.name LIKE {start} ESCAPE '\\' OR a.name LIKE {word} ESCAPE '\\')"));
        } else {
            filters.push_str(&format!(" AND a.name LIKE {} ESCAPE '\\'", p.add(Arg::Text(format!("%{term}%")))));
        }
    }
    if let Some(tag) = &q.tag {
        filtered = true;
        let tag = p.add(Arg::Text(tag.clone()));
        filters.push_str(&format!(
            " AND a.id IN (SELECT agent_id FROM agent_tags WHERE workspace_id = {ws} AND tag = {tag})"
        ));
    }
    if let Some(dir) = q.params.get("directory").map(|d| d.trim()).filter(|d| !d.is_empty()) {
        filtered = true;
        let as_id = dir.parse::<i64>().ok().filter(|_| dir.bytes().all(|b| b.is_ascii_digit()));
        let id = p.add(as_id.map_or(Arg::Null, Arg::Int));
        let name = p.add(Arg::Text(dir.to_string()));
        filters.push_str(&format!(
            " AND a.directory_id IN (SELECT id FROM directories WHERE workspace_id = {ws} AND (id = {id} OR name = {name}))"
        ));
    }
    let count = if filtered {
        format!("SELECT COUNT(*) FROM agents a WHERE {filters}")
    } else {
        // Kept by triggers: one row read however large the workspace.
        let trashed = q.trashed.map(|t| format!(" AND is_trashed = {}", p.add(Arg::Int(t as i64)))).unwrap_or_default();
        format!("SELECT COALESCE(SUM(n), 0) FROM agent_counts WHERE workspace_id = {ws}{trashed}")
    };
    let sql = if q.count_only {
        format!("SELECT '{{\"count\":' || ({count}) || '}}' AS body")
    } else {
        let dir = if q.desc { "DESC" } else { "ASC" };
        // `order_by` is one of SORTABLE (checked by domain::listing), never caller text.
        let order =
            if q.order_by == "id" { format!("a.id {dir}") } else { format!("a.{} {dir}, a.id {dir}", q.order_by) };
        let take = p.add(Arg::Int(q.take));
        let skip = p.add(Arg::Int(q.skip));
        // D1 binds JS numbers as REAL: cast, or `start` would read 1.0.
        let start = format!("CAST({skip} AS INTEGER)");
        // Each agent is JSON text already: concatenating (rather than json_group_array of
        // json(agent)) spares SQLite re-parsing every object of the page.
        format!(
            "SELECT '{{\"data\":[' || COALESCE(group_concat(agent, ','), '') || '],\"start\":' || {start} || \
             ',\"end\":' || ({start} + COUNT(*)) || ',\"count\":' || ({count}) || '}}' AS body FROM \
             (SELECT {AGENT_JSON} AS agent FROM agents a WHERE {filters} ORDER BY {order} LIMIT {take} OFFSET {skip})"
        )
    };
    (sql, p.0)
}

/// The listing's whole response body (one row, built by SQLite), as the read's promise.
pub fn list(env: &Env, origin: &str, workspace_id: i64, q: &ListQuery) -> worker::Result<worker::js_sys::Promise> {
    let (sql, args) = list_sql(origin, workspace_id, q);
    let args: Vec<JsValue> = args.iter().map(Arg::js).collect();
    crate::platform::d1::first_promise(&db(env)?.prepare(sql).bind(&args)?, "body")
}
