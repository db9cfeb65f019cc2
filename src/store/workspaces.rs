//! Workspaces in D1.

use crate::domain::{
    quota, time,
    workspace::{plan_defaults, WorkspaceInput},
};
use crate::platform::d1::{db, int, opt_int, opt_text, text};
use serde::{Deserialize, Serialize};
use worker::Env;

#[derive(Deserialize)]
struct Row {
    id: i64,
    name: String,
    plan: String,
    rate_limit: Option<i64>,
    rate_window_seconds: Option<i64>,
    monthly_action_quota: Option<i64>,
    storage_quotas: Option<String>,
    created_at: String,
    updated_at: String,
}

#[derive(Serialize, Debug, Clone)]
pub struct RateLimit {
    pub limit: i64,
    pub window_seconds: i64,
}

/// A workspace as the API shows it, with the plan's defaults filled in.
#[derive(Serialize, Debug, Clone)]
pub struct Workspace {
    pub id: i64,
    pub name: String,
    pub plan: String,
    pub rate_limit: RateLimit,
    pub monthly_action_quota: i64,
    /// Every storage quota's limit (`{"agents": 10, ...}`): overrides and plan defaults.
    pub storage_quotas: serde_json::Value,
    pub created_at: String,
    pub updated_at: String,
}

impl From<Row> for Workspace {
    fn from(r: Row) -> Self {
        let (limit, window, monthly) = plan_defaults(&r.plan);
        let storage_quotas = quota::effective_json(&r.plan, r.storage_quotas.as_deref());
        Workspace {
            id: r.id,
            name: r.name,
            plan: r.plan,
            rate_limit: RateLimit {
                limit: r.rate_limit.unwrap_or(limit),
                window_seconds: r.rate_window_seconds.unwrap_or(window),
            },
            monthly_action_quota: r.monthly_action_quota.unwrap_or(monthly),
            storage_quotas,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str =
    "id, name, plan, rate_limit, rate_window_seconds, monthly_action_quota, storage_quotas, created_at, updated_at";

pub async fn create(env: &Env, input: &WorkspaceInput, now_ms: i64) -> worker::Result<Workspace> {
    let now = time::format_millis(now_ms);
    let (limit, window) = input.rate_limit.unzip();
    let row: Option<Row> = db(env)?
        .prepare(format!(
            "INSERT INTO workspaces (name, plan, rate_limit, rate_window_seconds, monthly_action_quota, created_at, \
             updated_at, storage_quotas) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7) RETURNING {COLUMNS}"
        ))
        .bind(&[
            text(input.name.as_deref().unwrap_or_default()),
            text(input.plan.as_deref().unwrap_or("free")),
            opt_int(limit),
            opt_int(window),
            opt_int(input.monthly_action_quota),
            text(&now),
            opt_text(input.storage_quotas.as_deref()),
        ])?
        .first(None)
        .await?;
    row.map(Workspace::from).ok_or_else(|| worker::Error::RustError("insert returned no row".into()))
}

pub async fn get(env: &Env, id: i64) -> worker::Result<Option<Workspace>> {
    let row: Option<Row> = db(env)?
        .prepare(format!("SELECT {COLUMNS} FROM workspaces WHERE id = ?1"))
        .bind(&[int(id)])?
        .first(None)
        .await?;
    Ok(row.map(Workspace::from))
}

/// Applies the fields present in `input`; `None` when the workspace does not exist.
pub async fn update(env: &Env, id: i64, input: &WorkspaceInput, now_ms: i64) -> worker::Result<Option<Workspace>> {
    let now = time::format_millis(now_ms);
    let (limit, window) = input.rate_limit.unzip();
    let row: Option<Row> = db(env)?
        .prepare(format!(
            "UPDATE workspaces SET name = COALESCE(?2, name), plan = COALESCE(?3, plan), \
             rate_limit = COALESCE(?4, rate_limit), rate_window_seconds = COALESCE(?5, rate_window_seconds), \
             monthly_action_quota = COALESCE(?6, monthly_action_quota), updated_at = ?7, \
             storage_quotas = COALESCE(?8, storage_quotas) \
             WHERE id = ?1 RETURNING {COLUMNS}"
        ))
        .bind(&[
            int(id),
            crate::platform::d1::opt_text(input.name.as_deref()),
            crate::platform::d1::opt_text(input.plan.as_deref()),
            opt_int(limit),
            opt_int(window),
            opt_int(input.monthly_action_quota),
            text(&now),
            opt_text(input.storage_quotas.as_deref()),
        ])?
        .first(None)
        .await?;
    Ok(row.map(Workspace::from))
}
