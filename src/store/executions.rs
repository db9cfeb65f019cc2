//! The record of executed actions (D1 `action_executions`), with the `projectId` the
//! caller gave. The quota is not counted here but in the workspace's Durable Object.

use crate::domain::time;
use crate::platform::d1::{db, int, opt_text, text};
use worker::Env;

pub struct Execution<'a> {
    pub workspace_id: i64,
    pub piece_name: &'a str,
    pub action_name: &'a str,
    pub connection_id: Option<&'a str>,
    pub project_id: Option<&'a str>,
    pub success: bool,
    pub duration_ms: i64,
}

/// Records an execution, with the request's audit entry in the same batch when given.
pub async fn record(
    env: &Env,
    e: &Execution<'_>,
    now_ms: i64,
    audit: Option<worker::D1PreparedStatement>,
) -> worker::Result<()> {
    let d = db(env)?;
    let insert = d
        .prepare(
            "INSERT INTO action_executions \
             (workspace_id, piece_name, action_name, connection_id, project_id, success, duration_ms, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .bind(&[
            int(e.workspace_id),
            text(e.piece_name),
            text(e.action_name),
            opt_text(e.connection_id),
            opt_text(e.project_id),
            int(i64::from(e.success)),
            int(e.duration_ms),
            text(&time::format_millis(now_ms)),
        ])?;
    d.batch(std::iter::once(insert).chain(audit).collect()).await?;
    Ok(())
}
