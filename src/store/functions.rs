//! Agent functions in D1. Header values are stored sealed (AES-256-GCM); this module
//! never sees them in plain text.

use crate::platform::d1::{db, int, opt_text, text};
use crate::store::agents::AgentId;
use serde::Deserialize;
use worker::{D1PreparedStatement, Env};

#[derive(Deserialize, Debug, Clone)]
pub struct FunctionRow {
    pub name: String,
    pub description: String,
    pub method: String,
    pub url: String,
    /// JSON object: header name -> sealed value.
    pub headers: String,
    pub parameters: Option<String>,
}

/// A function as it is written: header values already sealed.
pub struct SealedFunction {
    pub name: String,
    pub description: String,
    pub method: String,
    pub url: String,
    pub headers_json: String,
    pub parameters_json: Option<String>,
}

const COLUMNS: &str = "name, description, method, url, headers, parameters";

pub async fn list(env: &Env, agent_id: i64) -> worker::Result<Vec<FunctionRow>> {
    db(env)?
        .prepare(format!("SELECT {COLUMNS} FROM agent_functions WHERE agent_id = ? ORDER BY id"))
        .bind(&[int(agent_id)])?
        .all()
        .await?
        .results()
}

pub async fn get(env: &Env, agent_id: i64, name: &str) -> worker::Result<Option<FunctionRow>> {
    db(env)?
        .prepare(format!("SELECT {COLUMNS} FROM agent_functions WHERE agent_id = ? AND name = ?"))
        .bind(&[int(agent_id), text(name)])?
        .first(None)
        .await
}

/// Inserts or replaces the function of that name. `agent`: an id, or the uid of an agent
/// created earlier in the same batch.
pub fn upsert(
    env: &Env,
    workspace_id: i64,
    agent: AgentId,
    f: &SealedFunction,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    let (agent_expr, agent_values) = agent.expr(workspace_id);
    let mut values = vec![int(workspace_id)];
    values.extend(agent_values);
    values.extend([
        text(&f.name),
        text(&f.description),
        text(&f.method),
        text(&f.url),
        text(&f.headers_json),
        opt_text(f.parameters_json.as_deref()),
        text(now),
        text(now),
    ]);
    db(env)?
        .prepare(format!(
            "INSERT INTO agent_functions (workspace_id, agent_id, {COLUMNS}, created_at, updated_at) \
             VALUES (?, {}, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (agent_id, name) DO UPDATE SET description = excluded.description, method = excluded.method, \
             url = excluded.url, headers = excluded.headers, parameters = excluded.parameters, updated_at = excluded.updated_at",
            agent_expr
        ))
        .bind(&values)
}

/// Replaces a function under a (possibly new) name: used by PATCH, which may rename.
pub fn replace(
    env: &Env,
    agent_id: i64,
    old_name: &str,
    f: &SealedFunction,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    db(env)?
        .prepare(
            "UPDATE agent_functions SET name = ?, description = ?, method = ?, url = ?, headers = ?, parameters = ?, \
             updated_at = ? WHERE agent_id = ? AND name = ?",
        )
        .bind(&[
            text(&f.name),
            text(&f.description),
            text(&f.method),
            text(&f.url),
            text(&f.headers_json),
            opt_text(f.parameters_json.as_deref()),
            text(now),
            int(agent_id),
            text(old_name),
        ])
}

/// Removes the agent's functions whose names are not in `keep`.
pub fn retain(env: &Env, agent_id: i64, keep: &[String]) -> worker::Result<D1PreparedStatement> {
    let keep = serde_json::to_string(keep).unwrap_or_else(|_| "[]".into());
    db(env)?
        .prepare("DELETE FROM agent_functions WHERE agent_id = ? AND name NOT IN (SELECT value FROM json_each(?))")
        .bind(&[int(agent_id), text(&keep)])
}

pub fn delete_statement(env: &Env, agent_id: i64, name: &str) -> worker::Result<D1PreparedStatement> {
    db(env)?.prepare("DELETE FROM agent_functions WHERE agent_id = ? AND name = ?").bind(&[int(agent_id), text(name)])
}

/// A function as the MCP endpoint lists it: its agent's uid, name, description and
/// parameters (JSON Schema text).
#[derive(Deserialize, Debug, Clone)]
pub struct ToolRow {
    pub uid: String,
    pub name: String,
    pub description: String,
    pub parameters: Option<String>,
}

/// The functions of the workspace's live (untrashed) agents, or of one agent, in agent
/// then function order: one statement, bounded by the workspace.
pub async fn list_tools(env: &Env, workspace_id: i64, agent_id: Option<i64>) -> worker::Result<Vec<ToolRow>> {
    let mut sql = String::from(
        "SELECT a.uid AS uid, f.name AS name, f.description AS description, f.parameters AS parameters \
         FROM agents a JOIN agent_functions f ON f.agent_id = a.id \
         WHERE a.workspace_id = ? AND a.is_trashed = 0",
    );
    let mut args = vec![int(workspace_id)];
    if let Some(id) = agent_id {
        sql.push_str(" AND a.id = ?");
        args.push(int(id));
    }
    sql.push_str(" ORDER BY a.id, f.id");
    db(env)?.prepare(sql).bind(&args)?.all().await?.results()
}

/// The live agent and function a workspace tool name (`{uid}__{function}`) stands for:
/// matched whole, since a uid and a function name may both contain `__`.
pub async fn find_tool(env: &Env, workspace_id: i64, tool: &str) -> worker::Result<Option<(String, String)>> {
    #[derive(Deserialize)]
    struct Pair {
        uid: String,
        name: String,
    }
    let row: Option<Pair> = db(env)?
        .prepare(
            "SELECT a.uid AS uid, f.name AS name FROM agents a JOIN agent_functions f ON f.agent_id = a.id \
             WHERE a.workspace_id = ? AND a.is_trashed = 0 AND a.uid || '__' || f.name = ? LIMIT 1",
        )
        .bind(&[int(workspace_id), text(tool)])?
        .first(None)
        .await?;
    Ok(row.map(|p| (p.uid, p.name)))
}
