//! Operator keys in D1: the operator API's named, expiring, revocable keys. Only the
//! SHA-256 hex of a key is stored. There is no cache: every operator request with a key
//! reads its row, so a revocation or an expiry holds at once in every isolate (admin
//! traffic is low; the `ADMIN_TOKEN` secret needs no read at all).

use crate::domain::time;
use crate::platform::d1::{db, int, opt_text, text};
use serde::{Deserialize, Serialize};
use worker::Env;

/// A key as the operator API shows it: never the plain text, never the hash.
#[derive(Serialize, Deserialize, Debug)]
pub struct OperatorKeyInfo {
    pub id: i64,
    pub name: String,
    pub expires_at: Option<String>,
    pub created_at: String,
}

const COLUMNS: &str = "id, name, expires_at, created_at";

pub async fn create(
    env: &Env,
    name: &str,
    hash: &str,
    expires_at_ms: Option<i64>,
    now_ms: i64,
) -> worker::Result<Option<OperatorKeyInfo>> {
    let expires_at = expires_at_ms.map(time::format_millis);
    db(env)?
        .prepare(format!(
            "INSERT INTO operator_keys (name, key_hash, expires_at, created_at) VALUES (?1, ?2, ?3, ?4) \
             RETURNING {COLUMNS}"
        ))
        .bind(&[text(name), text(hash), opt_text(expires_at.as_deref()), text(&time::format_millis(now_ms))])?
        .first(None)
        .await
}

/// Live keys (not revoked; expired ones too, until revoked, as API tokens are listed).
pub async fn list(env: &Env) -> worker::Result<Vec<OperatorKeyInfo>> {
    let rows = db(env)?
        .prepare(format!("SELECT {COLUMNS} FROM operator_keys WHERE revoked_at IS NULL ORDER BY id"))
        .all()
        .await?;
    rows.results::<OperatorKeyInfo>()
}

/// The key with this hash, `(id, name)`, when it exists, is not revoked and has not
/// expired at `now_ms`; the audit log names it as the actor.
pub async fn valid(env: &Env, hash: &str, now_ms: i64) -> worker::Result<Option<(i64, String)>> {
    #[derive(Deserialize)]
    struct Row {
        id: i64,
        name: String,
        expires_at: Option<String>,
    }
    let row: Option<Row> = db(env)?
        .prepare("SELECT id, name, expires_at FROM operator_keys WHERE key_hash = ?1 AND revoked_at IS NULL")
        .bind(&[text(hash)])?
        .first(None)
        .await?;
    Ok(row.and_then(|r| {
        // Written only by `create` from `format_millis`; an unreadable value refuses the key.
        let live = match &r.expires_at {
            None => true,
            Some(at) => time::parse_millis(at).is_some_and(|exp| exp > now_ms),
        };
        live.then_some((r.id, r.name))
    }))
}

/// Revokes a key in one statement: a key revoked already keeps its first `revoked_at`
/// and still answers `true` (a repeated DELETE is a 204); `false`: no such key.
pub async fn revoke(env: &Env, id: i64, now_ms: i64) -> worker::Result<bool> {
    #[derive(Deserialize)]
    struct Row {
        #[allow(dead_code)]
        id: i64,
    }
    let row: Option<Row> = db(env)?
        .prepare("UPDATE operator_keys SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1 RETURNING id")
        .bind(&[int(id), text(&time::format_millis(now_ms))])?
        .first(None)
        .await?;
    Ok(row.is_some())
}
