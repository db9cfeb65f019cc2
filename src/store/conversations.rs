//! Conversations, their messages and notes in D1. Responses are built by SQLite
//! (`CONVERSATION_JSON`, `MESSAGE_JSON`); every write that spans tables is one D1 batch
//! (one transaction): a conversation with its first message, a message with the
//! conversation's `last_message_at` (and, for a customer, the re-opening).

use super::page::{self, set, tags_json, Assign, Filter};
use crate::domain::agent::AgentKey;
use crate::domain::listing::{like_escape, ListQuery};
use crate::domain::support::{parse_id, ConversationFilters, ConversationUpdate, PartyRef};
use crate::platform::d1::{db, int, opt_int, opt_text, text};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1PreparedStatement, Env};

pub const SORTABLE: [&str; 5] = ["id", "created_at", "updated_at", "last_message_at", "status_changed_at"];
pub const MESSAGE_SORTABLE: [&str; 2] = ["id", "created_at"];
pub const FROM: &str = "conversations cv";
pub const ALIAS: &str = "cv";

/// The API object of conversation `cv`.
pub const CONVERSATION_JSON: &str = "json_object( \
 'id', cv.id, 'subject', cv.subject, 'status', cv.status, 'priority', cv.priority, 'channel', cv.channel, \
 'tags', json(cv.tags), \
 'customer', (SELECT json_object('id', cu.id, 'external_id', cu.external_id, 'name', cu.name, 'email', cu.email) \
   FROM customers cu WHERE cu.workspace_id = cv.workspace_id AND cu.id = cv.customer_id), \
 'assignee_type', cv.assignee_type, 'assignee_id', cv.assignee_id, \
 'assignee', CASE cv.assignee_type \
   WHEN 'agent' THEN (SELECT json_object('type', 'agent', 'id', a.id, 'uid', a.uid, 'name', a.name) \
     FROM agents a WHERE a.workspace_id = cv.workspace_id AND a.id = cv.assignee_id) \
   WHEN 'member' THEN (SELECT json_object('type', 'member', 'id', m.id, 'name', m.name, 'email', m.email) \
     FROM members m WHERE m.workspace_id = cv.workspace_id AND m.id = cv.assignee_id) END, \
 'assigned_at', cv.assigned_at, 'snoozed_until', cv.snoozed_until, 'status_changed_at', cv.status_changed_at, \
 'closed_at', cv.closed_at, 'last_message_at', cv.last_message_at, 'message_count', cv.message_count, \
 'note_count', cv.note_count, 'created_at', cv.created_at, 'updated_at', cv.updated_at)";

/// The API object of message or note `ms`.
pub const MESSAGE_JSON: &str = "json_object( \
 'id', ms.id, 'conversation_id', ms.conversation_id, 'type', ms.kind, 'body', ms.body, \
 'sender_type', ms.sender_type, 'sender_id', ms.sender_id, \
 'sender', json_object('type', ms.sender_type, 'id', ms.sender_id, 'name', CASE ms.sender_type \
   WHEN 'customer' THEN (SELECT name FROM customers WHERE workspace_id = ms.workspace_id AND id = ms.sender_id) \
   WHEN 'agent' THEN (SELECT name FROM agents WHERE workspace_id = ms.workspace_id AND id = ms.sender_id) \
   ELSE (SELECT name FROM members WHERE workspace_id = ms.workspace_id AND id = ms.sender_id) END), \
 'created_at', ms.created_at)";

/// The conversation's and the message's table, alias and object, for `page::emit`.
pub const EVENT_ROW: (&str, &str, &str) = ("conversations", ALIAS, CONVERSATION_JSON);
pub const MESSAGE_EVENT_ROW: (&str, &str, &str) = ("messages", "ms", MESSAGE_JSON);

/// What the handlers need to know about a conversation before changing it.
#[derive(Deserialize, Debug)]
pub struct ConvRef {
    pub id: i64,
    pub customer_id: i64,
    pub status: String,
    pub channel: String,
    pub assignee_type: Option<String>,
    pub assignee_id: Option<i64>,
}

pub async fn find(env: &Env, ws: i64, id: i64) -> worker::Result<Option<ConvRef>> {
    db(env)?
        .prepare(
            "SELECT id, customer_id, status, channel, assignee_type, assignee_id FROM conversations \
             WHERE workspace_id = ? AND id = ?",
        )
        .bind(&[int(ws), int(id)])?
        .first(None)
        .await
}

/// The id of the workspace's customer, live agent or member named by `r`, or `None`.
/// Agents: an id or uid (trashed agents are not found); members: an id or e-mail;
/// customers: an id or external id.
pub async fn resolve_party(env: &Env, ws: i64, kind: &str, r: &PartyRef) -> worker::Result<Option<i64>> {
    let (table, clause, v): (&str, &str, JsValue) = match (kind, r) {
        ("agent", PartyRef::Id(id)) => ("agents", "id = ? AND is_trashed = 0", int(*id)),
        ("agent", PartyRef::Key(k)) => match AgentKey::parse(k) {
            AgentKey::Id(id) => ("agents", "id = ? AND is_trashed = 0", int(id)),
            AgentKey::Uid(uid) => ("agents", "uid = ? AND is_trashed = 0", text(&uid)),
        },
        ("member", PartyRef::Id(id)) => ("members", "id = ?", int(*id)),
        ("member", PartyRef::Key(k)) => match parse_id(k) {
            Some(id) => ("members", "id = ?", int(id)),
            None => ("members", "email = ?", text(k)),
        },
        ("customer", PartyRef::Id(id)) => ("customers", "id = ?", int(*id)),
        ("customer", PartyRef::Key(k)) => ("customers", "external_id = ?", text(k)),
        _ => return Ok(None),
    };
    page::find_id(env, table, ws, clause, v).await
}

/// A new conversation (status open). `first` is its first message `(kind, sender_type,
/// sender_id, body)`; `assignee` its assignee `(type, id)`.
pub struct NewConversation<'a> {
    pub customer_id: i64,
    pub subject: Option<&'a str>,
    pub priority: &'a str,
    pub channel: &'a str,
    pub tags: &'a [String],
    pub assignee: Option<(&'a str, i64)>,
    pub first: Option<(&'a str, i64, &'a str)>,
}

/// The batch that creates a conversation and, with it, its first message; the last
/// statement reads the conversation back.
pub fn create(env: &Env, ws: i64, c: &NewConversation, now: &str) -> worker::Result<Vec<D1PreparedStatement>> {
    let mut cols: Vec<Assign> = vec![
        set("customer_id", int(c.customer_id)),
        set("subject", opt_text(c.subject)),
        set("priority", text(c.priority)),
        set("channel", text(c.channel)),
        set("tags", text(&tags_json(c.tags))),
        set("status", text("open")),
        set("status_changed_at", text(now)),
    ];
    if let Some((kind, id)) = c.assignee {
        cols.push(set("assignee_type", text(kind)));
        cols.push(set("assignee_id", int(id)));
        cols.push(set("assigned_at", text(now)));
    }
    if c.first.is_some() {
        cols.push(set("last_message_at", text(now)));
        cols.push(set("message_count", int(1)));
    }
    let mut out = vec![page::insert(env, "conversations", ws, now, cols)?];
    let conversation = match c.first {
        Some((sender_type, sender_id, body)) => {
            out.push(db(env)?
                .prepare(
                    "INSERT INTO messages (workspace_id, conversation_id, kind, sender_type, sender_id, body, created_at) \
                     VALUES (?, last_insert_rowid(), 'message', ?, ?, ?, ?)",
                )
                .bind(&[int(ws), text(sender_type), int(sender_id), text(body), text(now)])?);
            "(SELECT conversation_id FROM messages WHERE id = last_insert_rowid())"
        }
        None => "last_insert_rowid()",
    };
    out.push(db(env)?.prepare(format!("SELECT {CONVERSATION_JSON} AS item FROM {FROM} WHERE cv.id = {conversation}")));
    Ok(out)
}

pub fn select(env: &Env, ws: i64, id: i64) -> worker::Result<D1PreparedStatement> {
    page::select(env, CONVERSATION_JSON, FROM, ALIAS, ws, id)
}

pub async fn get(env: &Env, ws: i64, id: i64) -> worker::Result<Option<String>> {
    page::get(env, CONVERSATION_JSON, FROM, ALIAS, ws, id).await
}

pub fn update(env: &Env, ws: i64, id: i64, u: &ConversationUpdate, now: &str) -> worker::Result<D1PreparedStatement> {
    let mut cols = Vec::new();
    if let Some(v) = &u.subject {
        cols.push(set("subject", opt_text(v.as_deref())));
    }
    if let Some(v) = &u.priority {
        cols.push(set("priority", text(v)));
    }
    if let Some(v) = &u.tags {
        cols.push(set("tags", text(&tags_json(v))));
    }
    page::update(env, "conversations", ws, id, now, cols)
}

/// A status change, stamped: `status_changed_at` when the status changes, `snoozed_until`
/// while snoozed, `closed_at` while closed.
pub fn set_status(
    env: &Env,
    ws: i64,
    c: &ConvRef,
    status: &str,
    snoozed_until: Option<&str>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    let mut cols = vec![set("status", text(status)), set("snoozed_until", opt_text(snoozed_until))];
    if c.status != status {
        cols.push(set("status_changed_at", text(now)));
        cols.push(set("closed_at", if status == "closed" { text(now) } else { JsValue::NULL }));
    }
    page::update(env, "conversations", ws, c.id, now, cols)
}

/// Sets (or clears) the assignee; `assigned_at` moves only when the assignee changes.
pub fn assign(
    env: &Env,
    ws: i64,
    c: &ConvRef,
    assignee: Option<(&str, i64)>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    let same = match assignee {
        Some((t, id)) => c.assignee_type.as_deref() == Some(t) && c.assignee_id == Some(id),
        None => c.assignee_type.is_none(),
    };
    let mut cols =
        vec![set("assignee_type", opt_text(assignee.map(|a| a.0))), set("assignee_id", opt_int(assignee.map(|a| a.1)))];
    if !same {
        cols.push(set("assigned_at", if assignee.is_some() { text(now) } else { JsValue::NULL }));
    }
    page::update(env, "conversations", ws, c.id, now, cols)
}

/// The batch that adds a message or note and updates its conversation: a message moves
/// `last_message_at` and `message_count`; a customer's message re-opens a snoozed or
/// closed conversation; a note only counts. The second statement reads the message back.
pub fn add_message(
    env: &Env,
    ws: i64,
    c: &ConvRef,
    kind: &str,
    sender: (&str, i64),
    body: &str,
    now: &str,
) -> worker::Result<Vec<D1PreparedStatement>> {
    let insert = db(env)?
        .prepare(
            "INSERT INTO messages (workspace_id, conversation_id, kind, sender_type, sender_id, body, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&[int(ws), int(c.id), text(kind), text(sender.0), int(sender.1), text(body), text(now)])?;
    let read =
        db(env)?.prepare(format!("SELECT {MESSAGE_JSON} AS item FROM messages ms WHERE ms.id = last_insert_rowid()"));
    let mut cols: Vec<Assign> = Vec::new();
    if kind == "note" {
        cols.push(("note_count", "note_count + 1".into(), vec![]));
    } else {
        cols.push(set("last_message_at", text(now)));
        cols.push(("message_count", "message_count + 1".into(), vec![]));
        if sender.0 == "customer" && (c.status == "snoozed" || c.status == "closed") {
            cols.push(set("status", text("open")));
            cols.push(set("status_changed_at", text(now)));
            cols.push(set("snoozed_until", JsValue::NULL));
            cols.push(set("closed_at", JsValue::NULL));
        }
    }
    let touch = page::update(env, "conversations", ws, c.id, now, cols)?;
    Ok(vec![insert, read, touch])
}

pub async fn list(env: &Env, ws: i64, q: &ListQuery, f: &ConversationFilters) -> worker::Result<(Vec<String>, i64)> {
    let mut w = Filter::new(ALIAS, ws);
    if let Some(s) = &f.status {
        w.any_of("cv.status", s);
    }
    match f.assignee_type.as_deref() {
        Some("none") => w.and("cv.assignee_type IS NULL", vec![]),
        Some(t) => w.and("cv.assignee_type = ?", vec![text(t)]),
        None => {}
    }
    if let Some(a) = f.assignee {
        w.and("cv.assignee_id = ?", vec![int(a)]);
    }
    if let Some(k) = &f.assignee_key {
        // The same references assignment takes: an agent's uid, a member's e-mail.
        let sql = if f.assignee_type.as_deref() == Some("member") {
            "cv.assignee_id = (SELECT id FROM members WHERE workspace_id = ? AND lower(email) = lower(?))"
        } else {
            "cv.assignee_id = (SELECT id FROM agents WHERE workspace_id = ? AND uid = ?)"
        };
        w.and(sql, vec![int(ws), text(k)]);
    }
    if let Some(c) = f.customer {
        w.and("cv.customer_id = ?", vec![int(c)]);
    }
    if let Some(p) = &f.priority {
        w.any_of("cv.priority", p);
    }
    if let Some(ch) = &f.channel {
        w.any_of("cv.channel", ch);
    }
    if let Some(tag) = &q.tag {
        w.and(
            "cv.id IN (SELECT conversation_id FROM conversation_tags WHERE workspace_id = ? AND tag = ?)",
            vec![int(ws), text(tag)],
        );
    }
    if let Some(term) = &q.q {
        let term = like_escape(term);
        let pattern = if q.autocomplete { format!("{term}%") } else { format!("%{term}%") };
        if q.autocomplete {
            w.and(
                "cv.subject LIKE ? ESCAPE '\\' OR cv.subject LIKE ? ESCAPE '\\'",
                vec![text(&pattern), text(&format!("% {term}%"))],
            );
        } else {
            w.and("cv.subject LIKE ? ESCAPE '\\'", vec![text(&pattern)]);
        }
    }
    page::list(env, CONVERSATION_JSON, FROM, ALIAS, w, q).await
}

/// A conversation's messages (`kind` = message) or notes (`kind` = note), oldest first by
/// default.
pub async fn list_messages(
    env: &Env,
    ws: i64,
    conversation_id: i64,
    kind: &str,
    q: &ListQuery,
) -> worker::Result<(Vec<String>, i64)> {
    let mut w = Filter::new("ms", ws);
    w.and("ms.conversation_id = ? AND ms.kind = ?", vec![int(conversation_id), text(kind)]);
    page::list(env, MESSAGE_JSON, "messages ms", "ms", w, q).await
}

/// Test hook only (feature `test-hooks` and `TEST_HOOKS=true`, see `lib.rs`): inserts `n` conversations for one
/// customer in one statement, so that listing at scale can be tested without `n` requests.
/// Row `i` is `open`, `pending`, `snoozed`, `closed` by `i % 4`; assigned to `agent`,
/// `member`, or nobody by `i % 3`; tagged `vip` when `i % 10 == 0`.
#[cfg(feature = "test-hooks")]
pub async fn seed_for_tests(
    env: &Env,
    ws: i64,
    customer_id: i64,
    agent_id: i64,
    member_id: i64,
    n: i64,
    now: &str,
) -> worker::Result<()> {
    db(env)?
        .prepare(
            "INSERT INTO conversations (workspace_id, customer_id, subject, status, tags, assignee_type, assignee_id, \
               status_changed_at, last_message_at, created_at, updated_at) \
             WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < ?5) \
             SELECT ?1, ?2, 'Bulk ' || i, \
               CASE i % 4 WHEN 0 THEN 'open' WHEN 1 THEN 'pending' WHEN 2 THEN 'snoozed' ELSE 'closed' END, \
               CASE WHEN i % 10 = 0 THEN '[\"vip\"]' ELSE '[]' END, \
               CASE i % 3 WHEN 0 THEN 'agent' WHEN 1 THEN 'member' END, \
               CASE i % 3 WHEN 0 THEN ?3 WHEN 1 THEN ?4 END, ?6, ?6, ?6, ?6 FROM seq",
        )
        .bind(&[int(ws), int(customer_id), int(agent_id), int(member_id), int(n), text(now)])?
        .run()
        .await?;
    Ok(())
}

/// Deletes row `id` of the workspace; whether there was one.
pub async fn delete(env: &Env, ws: i64, id: i64) -> worker::Result<bool> {
    page::delete(env, "conversations", ws, id).await
}
