//! Website widget data in D1 (migration 0016): publishable keys (the resource of
//! `/v1/widget-keys`), end-user sessions (SHA-256 of the token only), anonymous visitors,
//! and the customer-safe views a session reads: its own conversations and their
//! messages, without notes, internal fields or anyone's e-mail.

use super::page::{self, set, Assign, Filter};
use crate::domain::listing::ListQuery;
use crate::platform::d1::{db, int, opt_text, text};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1PreparedStatement, Env};

pub const SORTABLE: [&str; 2] = ["id", "created_at"];
pub const FROM: &str = "widget_keys k";
pub const ALIAS: &str = "k";

/// The API object of key `k` (never its secret).
pub const KEY_JSON: &str = "json_object('id', k.id, 'key', k.key, 'name', k.name, \
 'agent', (SELECT json_object('id', a.id, 'uid', a.uid, 'name', a.name) FROM agents a \
   WHERE a.workspace_id = k.workspace_id AND a.id = k.agent_id), \
 'allowed_origins', json(k.allowed_origins), 'identity_verification', k.identity_verification, \
 'rate_limit', k.rate_limit, 'session_rate_limit', k.session_rate_limit, \
 'created_at', k.created_at, 'updated_at', k.updated_at)";

/// The key's table, alias and object, for `page::emit`.
pub const EVENT_ROW: (&str, &str, &str) = ("widget_keys", ALIAS, KEY_JSON);

/// A conversation as its customer sees it: no assignee ids or e-mails, no tags, no notes.
pub const CONVERSATION_JSON: &str = "json_object('id', cv.id, 'subject', cv.subject, 'status', cv.status, \
 'assignee', CASE cv.assignee_type \
   WHEN 'agent' THEN (SELECT json_object('type', 'agent', 'name', a.name) FROM agents a \
     WHERE a.workspace_id = cv.workspace_id AND a.id = cv.assignee_id) \
   WHEN 'member' THEN (SELECT json_object('type', 'member', 'name', m.name) FROM members m \
     WHERE m.workspace_id = cv.workspace_id AND m.id = cv.assignee_id) END, \
 'last_message_at', cv.last_message_at, 'message_count', cv.message_count, \
 'created_at', cv.created_at, 'updated_at', cv.updated_at)";

/// A message as the customer sees it: who wrote it by type and name only.
pub const MESSAGE_JSON: &str = "json_object('id', ms.id, 'conversation_id', ms.conversation_id, 'body', ms.body, \
 'sender', json_object('type', ms.sender_type, 'name', CASE ms.sender_type \
   WHEN 'customer' THEN (SELECT name FROM customers WHERE workspace_id = ms.workspace_id AND id = ms.sender_id) \
   WHEN 'agent' THEN (SELECT name FROM agents WHERE workspace_id = ms.workspace_id AND id = ms.sender_id) \
   ELSE (SELECT name FROM members WHERE workspace_id = ms.workspace_id AND id = ms.sender_id) END), \
 'created_at', ms.created_at)";

/// The columns a key create or PATCH sets (`None`: left as it is).
pub struct KeyFields<'a> {
    pub name: Option<Option<&'a str>>,
    pub agent_id: Option<i64>,
    pub allowed_origins: Option<&'a str>,
    pub identity_verification: Option<&'a str>,
    pub rate_limit: Option<i64>,
    pub session_rate_limit: Option<i64>,
}

fn assigns(f: &KeyFields) -> Vec<Assign> {
    let mut cols = Vec::new();
    if let Some(n) = f.name {
        cols.push(set("name", opt_text(n)));
    }
    if let Some(a) = f.agent_id {
        cols.push(set("agent_id", int(a)));
    }
    if let Some(o) = f.allowed_origins {
        cols.push(set("allowed_origins", text(o)));
    }
    if let Some(v) = f.identity_verification {
        cols.push(set("identity_verification", text(v)));
    }
    if let Some(r) = f.rate_limit {
        cols.push(set("rate_limit", int(r)));
    }
    if let Some(r) = f.session_rate_limit {
        cols.push(set("session_rate_limit", int(r)));
    }
    cols
}

/// The insert of a new key (every field set by the caller, defaults included) and its
/// read-back.
pub fn create(
    env: &Env,
    ws: i64,
    key: &str,
    sealed_secret: &str,
    f: &KeyFields,
    now: &str,
) -> worker::Result<Vec<D1PreparedStatement>> {
    let mut cols = assigns(f);
    cols.push(set("key", text(key)));
    cols.push(set("secret", text(sealed_secret)));
    Ok(vec![
        page::insert(env, "widget_keys", ws, now, cols)?,
        db(env)?.prepare(format!("SELECT {KEY_JSON} AS item FROM {FROM} WHERE k.id = last_insert_rowid()")),
    ])
}

pub fn update(env: &Env, ws: i64, id: i64, f: &KeyFields, now: &str) -> worker::Result<D1PreparedStatement> {
    page::update(env, "widget_keys", ws, id, now, assigns(f))
}

pub fn select(env: &Env, ws: i64, id: i64) -> worker::Result<D1PreparedStatement> {
    page::select(env, KEY_JSON, FROM, ALIAS, ws, id)
}

pub async fn get(env: &Env, ws: i64, id: i64) -> worker::Result<Option<String>> {
    page::get(env, KEY_JSON, FROM, ALIAS, ws, id).await
}

pub async fn list(env: &Env, ws: i64, q: &ListQuery) -> worker::Result<(Vec<String>, i64)> {
    page::list(env, KEY_JSON, FROM, ALIAS, Filter::new(ALIAS, ws), q).await
}

pub fn delete_statement(env: &Env, ws: i64, id: i64) -> worker::Result<D1PreparedStatement> {
    page::delete_statement(env, "widget_keys", ws, id)
}

/// Everything a widget request checks, read in one statement: the key by its public
/// value and, when the request carries a session token, that session of that key.
#[derive(Deserialize, Debug, Clone)]
pub struct Gate {
    pub key_id: i64,
    pub workspace_id: i64,
    pub agent_id: Option<i64>,
    /// JSON array text.
    pub allowed_origins: String,
    pub identity_verification: String,
    pub rate_limit: i64,
    pub session_rate_limit: i64,
    pub session_id: Option<String>,
    pub customer_id: Option<i64>,
    pub session_origin: Option<String>,
    pub verified: Option<i64>,
    pub expires_ms: Option<i64>,
}

pub async fn gate(env: &Env, key: &str, token_hash: Option<&str>) -> worker::Result<Option<Gate>> {
    db(env)?
        .prepare(
            "SELECT k.id AS key_id, k.workspace_id, k.agent_id, k.allowed_origins, k.identity_verification, \
             k.rate_limit, k.session_rate_limit, s.id AS session_id, s.customer_id, s.origin AS session_origin, \
             s.verified, s.expires_ms \
             FROM widget_keys k LEFT JOIN widget_sessions s ON s.token_hash = ?2 AND s.key_id = k.id \
             WHERE k.key = ?1",
        )
        .bind(&[text(key), token_hash.map_or(JsValue::NULL, text)])?
        .first(None)
        .await
}

/// The key's sealed signing secret (read only to verify a user).
pub async fn sealed_secret(env: &Env, key_id: i64) -> worker::Result<Option<String>> {
    #[derive(Deserialize)]
    struct Row {
        secret: String,
    }
    let row: Option<Row> =
        db(env)?.prepare("SELECT secret FROM widget_keys WHERE id = ?").bind(&[int(key_id)])?.first(None).await?;
    Ok(row.map(|r| r.secret))
}

/// The workspace's customer with this external id.
/// The customer with this external id, and whether an unsigned claim may open a session
/// on it: only a customer an unsigned widget claim made (`identity_verified: false`),
/// never one the integrator's server made or one verified by a signature.
pub async fn customer_by_external_id(env: &Env, ws: i64, external_id: &str) -> worker::Result<Option<(i64, bool)>> {
    #[derive(Deserialize)]
    struct Row {
        id: i64,
        unsigned_ok: i64,
    }
    let row: Option<Row> = db(env)?
        .prepare(
            "SELECT id, COALESCE(json_extract(traits, '$.identity_verified') = 0, 0) AS unsigned_ok \
             FROM customers WHERE workspace_id = ? AND external_id = ? LIMIT 1",
        )
        .bind(&[int(ws), text(external_id)])?
        .first(None)
        .await?;
    Ok(row.map(|r| (r.id, r.unsigned_ok == 1)))
}

/// The customer of an anonymous visitor of this key and origin.
pub async fn visitor_customer(env: &Env, key_id: i64, visitor_hash: &str, origin: &str) -> worker::Result<Option<i64>> {
    #[derive(Deserialize)]
    struct Row {
        customer_id: i64,
    }
    let row: Option<Row> = db(env)?
        .prepare("SELECT customer_id FROM widget_visitors WHERE visitor_hash = ? AND key_id = ? AND origin = ?")
        .bind(&[text(visitor_hash), int(key_id), text(origin)])?
        .first(None)
        .await?;
    Ok(row.map(|r| r.customer_id))
}

/// A new customer (`external_id` null for a visitor); `traits` JSON text.
pub fn insert_customer(
    env: &Env,
    ws: i64,
    external_id: Option<&str>,
    name: Option<&str>,
    email: Option<&str>,
    traits: &str,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    page::insert(
        env,
        "customers",
        ws,
        now,
        vec![
            set("external_id", opt_text(external_id)),
            set("name", opt_text(name)),
            set("email", opt_text(email)),
            set("traits", text(traits)),
        ],
    )
}

/// A known customer the integrator vouched for again: marked verified, and the name and
/// e-mail of the signed claims, when given, replace the stored ones.
pub fn mark_verified(
    env: &Env,
    ws: i64,
    id: i64,
    name: Option<&str>,
    email: Option<&str>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    let mut cols: Vec<Assign> = vec![("traits", "json_patch(traits, '{\"identity_verified\":true}')".into(), vec![])];
    if let Some(n) = name {
        cols.push(set("name", text(n)));
    }
    if let Some(e) = email {
        cols.push(set("email", text(e)));
    }
    page::update(env, "customers", ws, id, now, cols)
}

/// The visitor row of the customer the batch inserted last.
pub fn insert_visitor(
    env: &Env,
    ws: i64,
    key_id: i64,
    visitor_hash: &str,
    origin: &str,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    db(env)?
        .prepare(
            "INSERT INTO widget_visitors (visitor_hash, workspace_id, key_id, customer_id, origin, created_at) \
             VALUES (?, ?, ?, last_insert_rowid(), ?, ?)",
        )
        .bind(&[text(visitor_hash), int(ws), int(key_id), text(origin), text(now)])
}

/// Which customer a new session belongs to.
pub enum SessionCustomer<'a> {
    Known(i64),
    /// Inserted earlier in the same batch, found by its external id.
    External(&'a str),
    /// Inserted earlier in the same batch as this visitor's.
    Visitor(&'a str),
}

pub struct NewSession<'a> {
    pub id: &'a str,
    pub token_hash: &'a str,
    pub key_id: i64,
    pub customer: SessionCustomer<'a>,
    pub origin: &'a str,
    pub verified: bool,
    pub expires_ms: i64,
}

pub fn insert_session(env: &Env, ws: i64, s: &NewSession, now: &str) -> worker::Result<D1PreparedStatement> {
    let (customer, arg) = match s.customer {
        SessionCustomer::Known(id) => ("?8", int(id)),
        SessionCustomer::External(e) => {
            ("(SELECT id FROM customers WHERE workspace_id = ?3 AND external_id = ?8)", text(e))
        }
        SessionCustomer::Visitor(v) => ("(SELECT customer_id FROM widget_visitors WHERE visitor_hash = ?8)", text(v)),
    };
    db(env)?
        .prepare(format!(
            "INSERT INTO widget_sessions (id, token_hash, workspace_id, key_id, customer_id, origin, verified, \
             expires_ms, created_at) VALUES (?1, ?2, ?3, ?4, {customer}, ?5, ?6, ?7, ?9)"
        ))
        .bind(&[
            text(s.id),
            text(s.token_hash),
            int(ws),
            int(s.key_id),
            text(s.origin),
            int(i64::from(s.verified)),
            int(s.expires_ms),
            arg,
            text(now),
        ])
}

/// Sessions past their hour, for the cron.
pub async fn purge_expired(env: &Env, now_ms: i64) -> worker::Result<()> {
    db(env)?.prepare("DELETE FROM widget_sessions WHERE expires_ms < ?").bind(&[int(now_ms)])?.run().await?;
    Ok(())
}

/// The session customer's conversation `id`: `None` when it is another's or not there.
pub async fn own_conversation(
    env: &Env,
    ws: i64,
    customer_id: i64,
    id: i64,
) -> worker::Result<Option<super::conversations::ConvRef>> {
    Ok(super::conversations::find(env, ws, id).await?.filter(|c| c.customer_id == customer_id))
}

pub async fn conversation(env: &Env, ws: i64, id: i64) -> worker::Result<Option<String>> {
    page::get(env, CONVERSATION_JSON, super::conversations::FROM, super::conversations::ALIAS, ws, id).await
}

/// The read-back of a conversation the batch created (the newest: ids only grow).
pub fn select_created_conversation(env: &Env, ws: i64) -> worker::Result<D1PreparedStatement> {
    db(env)?
        .prepare(format!(
            "SELECT {CONVERSATION_JSON} AS item FROM conversations cv \
             WHERE cv.workspace_id = ? AND cv.id = (SELECT MAX(id) FROM conversations)"
        ))
        .bind(&[int(ws)])
}

/// The read-back of a message the batch inserted (the newest).
pub fn select_created_message(env: &Env, ws: i64) -> worker::Result<D1PreparedStatement> {
    db(env)?
        .prepare(format!(
            "SELECT {MESSAGE_JSON} AS item FROM messages ms \
             WHERE ms.workspace_id = ? AND ms.id = (SELECT MAX(id) FROM messages)"
        ))
        .bind(&[int(ws)])
}

pub async fn list_conversations(
    env: &Env,
    ws: i64,
    customer_id: i64,
    q: &ListQuery,
) -> worker::Result<(Vec<String>, i64)> {
    let mut w = Filter::new("cv", ws);
    w.and("cv.customer_id = ?", vec![int(customer_id)]);
    page::list(env, CONVERSATION_JSON, super::conversations::FROM, "cv", w, q).await
}

/// A conversation's messages, never its notes.
pub async fn list_messages(
    env: &Env,
    ws: i64,
    conversation_id: i64,
    q: &ListQuery,
) -> worker::Result<(Vec<String>, i64)> {
    let mut w = Filter::new("ms", ws);
    w.and("ms.conversation_id = ? AND ms.kind = 'message'", vec![int(conversation_id)]);
    page::list(env, MESSAGE_JSON, "messages ms", "ms", w, q).await
}

/// The widget's agent as the page shows it: name and picture (`?1`: the origin blob URLs
/// are built on). `None` when the agent is gone or trashed.
pub async fn agent_card(env: &Env, ws: i64, agent_id: Option<i64>, origin: &str) -> worker::Result<Option<String>> {
    #[derive(Deserialize)]
    struct Row {
        card: String,
    }
    let Some(agent_id) = agent_id else { return Ok(None) };
    let row: Option<Row> = db(env)?
        .prepare(format!(
            "SELECT json_object('name', json_extract(j, '$.name'), 'avatar_url', json_extract(j, '$.avatar_url')) AS card \
             FROM (SELECT {} AS j FROM agents a WHERE a.workspace_id = ?2 AND a.id = ?3 AND a.is_trashed = 0)",
            super::agents::AGENT_JSON
        ))
        .bind(&[text(origin), int(ws), int(agent_id)])?
        .first(None)
        .await?;
    Ok(row.map(|r| r.card))
}

/// A live (not trashed) agent of the workspace, by id or uid.
pub async fn live_agent(env: &Env, ws: i64, reference: &str) -> worker::Result<Option<i64>> {
    super::conversations::resolve_party(env, ws, "agent", &crate::domain::support::PartyRef::Key(reference.into()))
        .await
}
