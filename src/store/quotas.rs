//! Storage quotas in D1: the counts, the guard a create's batch carries, the numbers of a
//! refusal and `GET /v1/usage`'s `storage` object.
//!
//! A create appends `Check::statement` to its own batch, after its change: an insert into
//! migration 0009's `storage_quota_checks` view of the count as the batch leaves it and
//! the workspace's limit; past the limit its trigger aborts the batch (one transaction),
//! so nothing is written. That costs no round trip on success; a refusal costs one small
//! read afterwards (`explain`) for the 403's numbers. Counts are O(1) reads: trigger-kept
//! counters (`agent_counts`, `storage_counts`), a conversation's own counters, or indexed
//! counts bounded by their quota (an agent's functions, the webhook subscriptions).

use crate::domain::quota::{self, Exceeded, Resource};
use crate::platform::d1::{db, int, text};
use crate::store::agents::{AgentId, Arg};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1PreparedStatement, Env};

/// Whose count a per-parent quota is about.
#[derive(Clone, Copy)]
pub enum Parent<'a> {
    /// The workspace's; for `functions_per_agent` and `messages_per_conversation`, the
    /// largest count of any one agent or conversation (what usage shows).
    Workspace,
    Agent(AgentId<'a>),
    Conversation(i64),
}

/// One quota a write must stay within.
#[derive(Clone, Copy)]
pub struct Check<'a> {
    pub resource: Resource,
    pub parent: Parent<'a>,
}

impl<'a> Check<'a> {
    /// A workspace-wide quota (agents, customers, training items, blob bytes, ...).
    pub fn workspace(resource: Resource) -> Self {
        Check { resource, parent: Parent::Workspace }
    }

    /// The functions of one agent (an id, or the uid of an agent created in the batch).
    pub fn functions(agent: AgentId<'a>) -> Self {
        Check { resource: Resource::FunctionsPerAgent, parent: Parent::Agent(agent) }
    }

    /// The messages and notes of one conversation.
    pub fn messages(conversation_id: i64) -> Self {
        Check { resource: Resource::MessagesPerConversation, parent: Parent::Conversation(conversation_id) }
    }

    /// The guard statement to append to the write's batch, after its change.
    pub fn statement(&self, env: &Env, workspace_id: i64) -> worker::Result<D1PreparedStatement> {
        let (sql, args) = guard_sql(self, workspace_id);
        db(env)?.prepare(sql).bind(&js(&args))
    }
}

/// The limit of `r` for workspace row `w`: its override, else its plan's default (the
/// defaults written in from `domain::quota`, so SQL and the API agree).
pub fn limit_sql(r: Resource) -> String {
    let [free, pro, enterprise] = r.defaults();
    format!(
        "COALESCE(json_extract(w.storage_quotas, '$.{}'), \
         CASE w.plan WHEN 'pro' THEN {pro} WHEN 'enterprise' THEN {enterprise} ELSE {free} END)",
        r.name()
    )
}

/// The current count of `r`; `?1` is the workspace id, `?2` the parent (when there is one).
pub fn count_sql(r: Resource, parent: Parent) -> String {
    let counter = |name: &str| {
        format!("(SELECT COALESCE(SUM(n), 0) FROM storage_counts WHERE workspace_id = ?1 AND resource = '{name}')")
    };
    match (r, parent) {
        // Trashed agents are stored too: both rows of agent_counts.
        (Resource::Agents, _) => "(SELECT COALESCE(SUM(n), 0) FROM agent_counts WHERE workspace_id = ?1)".into(),
        (Resource::FunctionsPerAgent, Parent::Agent(AgentId::Known(_))) => {
            "(SELECT COUNT(*) FROM agent_functions WHERE agent_id = ?2)".into()
        }
        (Resource::FunctionsPerAgent, Parent::Agent(AgentId::Uid(_))) => {
            "(SELECT COUNT(*) FROM agent_functions WHERE agent_id = \
             (SELECT id FROM agents WHERE workspace_id = ?1 AND uid = ?2))"
                .into()
        }
        (Resource::FunctionsPerAgent, _) => "(SELECT COALESCE(MAX((SELECT COUNT(*) FROM agent_functions f \
             WHERE f.agent_id = a.id)), 0) FROM agents a WHERE a.workspace_id = ?1)"
            .into(),
        (Resource::MessagesPerConversation, Parent::Conversation(_)) => {
            "(SELECT COALESCE(SUM(message_count + note_count), 0) FROM conversations \
             WHERE workspace_id = ?1 AND id = ?2)"
                .into()
        }
        // Usage only, never on a write: one pass over the workspace's conversations.
        (Resource::MessagesPerConversation, _) => {
            "(SELECT COALESCE(MAX(message_count + note_count), 0) FROM conversations WHERE workspace_id = ?1)".into()
        }
        (Resource::WebhookSubscriptions, _) => "(SELECT COUNT(*) FROM webhooks WHERE workspace_id = ?1)".into(),
        (Resource::WidgetKeys, _) => "(SELECT COUNT(*) FROM widget_keys WHERE workspace_id = ?1)".into(),
        (r, _) => counter(r.name()),
    }
}

fn args(workspace_id: i64, parent: Parent) -> Vec<Arg> {
    let mut out = vec![Arg::Int(workspace_id)];
    match parent {
        Parent::Workspace => {}
        Parent::Agent(AgentId::Known(id)) | Parent::Conversation(id) => out.push(Arg::Int(id)),
        Parent::Agent(AgentId::Uid(uid)) => out.push(Arg::Text(uid.to_string())),
    }
    out
}

fn js(args: &[Arg]) -> Vec<JsValue> {
    args.iter()
        .map(|a| match a {
            Arg::Int(n) => int(*n),
            Arg::Text(t) => text(t),
            Arg::Null => JsValue::NULL,
        })
        .collect()
}

/// The guard (see the module's comment): the count after the change against the limit.
pub fn guard_sql(c: &Check, workspace_id: i64) -> (String, Vec<Arg>) {
    let sql = format!(
        "INSERT INTO storage_quota_checks (resource, used, quota) SELECT '{}', {}, {} FROM workspaces w WHERE w.id = ?1",
        c.resource.name(),
        count_sql(c.resource, c.parent),
        limit_sql(c.resource)
    );
    (sql, args(workspace_id, c.parent))
}

/// The count, limit and plan of a refused check, read after its batch rolled back.
pub fn refusal_sql(c: &Check, workspace_id: i64) -> (String, Vec<Arg>) {
    let sql = format!(
        "SELECT {} AS current, {} AS quota, w.plan AS plan FROM workspaces w WHERE w.id = ?1",
        count_sql(c.resource, c.parent),
        limit_sql(c.resource)
    );
    (sql, args(workspace_id, c.parent))
}

/// `GET /v1/usage`'s `storage`: `{resource: {used, limit}}` for all ten, in one statement.
pub fn usage_sql(workspace_id: i64) -> (String, Vec<Arg>) {
    let parts: Vec<String> = Resource::ALL
        .into_iter()
        .map(|r| {
            format!(
                "'{}', json_object('used', {}, 'limit', {})",
                r.name(),
                count_sql(r, Parent::Workspace),
                limit_sql(r)
            )
        })
        .collect();
    (
        format!("SELECT json_object({}) AS storage FROM workspaces w WHERE w.id = ?1", parts.join(", ")),
        args(workspace_id, Parent::Workspace),
    )
}

/// When `err` is a guard's refusal (one of `checks`, or a workspace-wide quota): the 403's
/// numbers, read now that the batch rolled back (`current` is the count without the
/// write). Any other error comes back as it was.
pub async fn explain(
    env: &Env,
    workspace_id: i64,
    checks: &[Check<'_>],
    err: worker::Error,
) -> Result<Exceeded, worker::Error> {
    let Some(resource) = quota::refused_resource(&crate::platform::d1::error_text(&err)) else { return Err(err) };
    let check = checks.iter().copied().find(|c| c.resource == resource).unwrap_or(Check::workspace(resource));
    #[derive(Deserialize)]
    struct Row {
        current: i64,
        quota: i64,
        plan: String,
    }
    let (sql, args) = refusal_sql(&check, workspace_id);
    let row: Option<Row> = db(env)?.prepare(sql).bind(&js(&args))?.first(None).await?;
    let row = row.ok_or(err)?;
    Ok(Exceeded { resource, current: row.current, limit: row.quota, plan: row.plan })
}

/// The `storage` object of `GET /v1/usage`.
pub async fn usage(env: &Env, workspace_id: i64) -> worker::Result<serde_json::Value> {
    #[derive(Deserialize)]
    struct Row {
        storage: String,
    }
    let (sql, args) = usage_sql(workspace_id);
    let row: Option<Row> = db(env)?.prepare(sql).bind(&js(&args))?.first(None).await?;
    Ok(row.and_then(|r| serde_json::from_str(&r.storage).ok()).unwrap_or_default())
}
