//! API tokens: the KV record that authentication reads (key = SHA-256 hex of the token)
//! and the D1 row that listing and revocation use. The plain text is never stored.

use crate::domain::cache::TtlCache;
use crate::domain::revocation::Revoked;
use crate::domain::time;
use crate::platform::d1::{db, int, opt_text, text};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use worker::Env;

const KV: &str = "TOKENS";

/// What one KV read tells authentication.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct TokenRecord {
    pub token_id: i64,
    pub workspace_id: i64,
    pub abilities: Vec<String>,
    /// Unix milliseconds, or `None` for a token that does not expire.
    pub expires_at: Option<i64>,
}

/// A token as the operator API lists it: never the plain text, never the hash.
#[derive(Serialize, Debug)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub abilities: Vec<String>,
    pub expires_at: Option<String>,
    pub created_at: String,
}

#[derive(Deserialize)]
struct Row {
    id: i64,
    name: String,
    abilities: String,
    expires_at: Option<String>,
    created_at: String,
}

impl From<Row> for TokenInfo {
    fn from(r: Row) -> Self {
        TokenInfo {
            id: r.id,
            name: r.name,
            // The column is only ever written from a serialised Vec<String>.
            abilities: serde_json::from_str(&r.abilities).unwrap_or_default(),
            expires_at: r.expires_at,
            created_at: r.created_at,
        }
    }
}

const COLUMNS: &str = "id, name, abilities, expires_at, created_at";

/// Token records this isolate read in the last `CACHE_MS`, by hash. A client sends its
/// requests in bursts with one token, and the KV read was a third of the CPU of a small
/// authenticated request (make bench, list). A record here lives 10 s, and KV serves
/// edge-cached reads for up to 60 s after a delete at another location: neither is what
/// stops a revoked token, the workspace's revocation list is (`revocations::refused`,
/// checked on every request, cached or not). Unknown tokens are never cached (a new token
/// works at once), and expiry is checked on every request.
const CACHE_MS: i64 = 10_000;
const CACHE_MAX: usize = 1024;

thread_local! {
    static CACHE: RefCell<TtlCache<TokenRecord>> = RefCell::new(TtlCache::new(CACHE_MS, CACHE_MAX));
}

pub async fn lookup(env: &Env, hash: &str) -> worker::Result<Option<TokenRecord>> {
    let now = crate::platform::now_ms();
    if let Some(r) = CACHE.with(|c| c.borrow().get(hash, now)) {
        return Ok(Some(r));
    }
    let record = env.kv(KV)?.get(hash).json::<TokenRecord>().await?;
    if let Some(r) = &record {
        CACHE.with(|c| c.borrow_mut().put(hash, r.clone(), now));
    }
    Ok(record)
}

/// Drops a token from this isolate's cache (its revocation).
fn forget(hash: &str) {
    CACHE.with(|c| c.borrow_mut().remove(hash));
}

/// Inserts the row (only if the workspace exists) and then the KV record.
/// `None` when the workspace does not exist.
pub async fn create(
    env: &Env,
    workspace_id: i64,
    name: &str,
    hash: &str,
    abilities: &[String],
    expires_at_ms: Option<i64>,
    now_ms: i64,
) -> worker::Result<Option<TokenInfo>> {
    let abilities_json = serde_json::to_string(abilities)?;
    let expires_at = expires_at_ms.map(time::format_millis);
    let row: Option<Row> = db(env)?
        .prepare(format!(
            "INSERT INTO api_tokens (workspace_id, name, token_hash, abilities, expires_at, created_at) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM workspaces WHERE id = ?1) \
             RETURNING {COLUMNS}",
        ))
        .bind(&[
            int(workspace_id),
            text(name),
            text(hash),
            text(&abilities_json),
            opt_text(expires_at.as_deref()),
            text(&time::format_millis(now_ms)),
        ])?
        .first(None)
        .await?;
    let Some(info) = row.map(TokenInfo::from) else {
        return Ok(None);
    };
    let record =
        TokenRecord { token_id: info.id, workspace_id, abilities: abilities.to_vec(), expires_at: expires_at_ms };
    put_record(env, hash, &record, now_ms).await?;
    Ok(Some(info))
}

/// Writes a token's KV record (a new token, or a rolled one's shorter expiry).
async fn put_record(env: &Env, hash: &str, record: &TokenRecord, now_ms: i64) -> worker::Result<()> {
    // put_bytes: `put` of a String goes through serde_wasm_bindgen and a float formatter.
    let mut put = env.kv(KV)?.put_bytes(hash, serde_json::to_string(record)?.as_bytes())?;
    // Let KV drop the record itself once the token has expired. KV wants the expiry at
    // least 60 s ahead and as a 32-bit unix second; otherwise authentication's own expiry
    // check is what stops the token.
    if let Some(exp) = record.expires_at {
        let secs = exp / 1000 + 1;
        if secs > now_ms / 1000 + 60 && secs <= i32::MAX as i64 {
            put = put.expiration(secs as u64);
        }
    }
    put.execute().await?;
    Ok(())
}

pub async fn list(env: &Env, workspace_id: i64) -> worker::Result<Vec<TokenInfo>> {
    let rows = db(env)?
        .prepare(format!("SELECT {COLUMNS} FROM api_tokens WHERE workspace_id = ?1 AND revoked_at IS NULL ORDER BY id"))
        .bind(&[int(workspace_id)])?
        .all()
        .await?;
    Ok(rows.results::<Row>()?.into_iter().map(TokenInfo::from).collect())
}

/// Revokes a token. First the workspace's revocation record (`revocations::record`): from
/// then on every isolate refuses it within a second, whatever KV or an isolate's cache
/// still hold. Then its KV record is deleted and last the D1 row marked, so a failure in
/// between leaves it listed (its revocation unfinished) but already refused; a retry
/// repeats every step, and a token revoked already answers the same (`true`). `false`: no
/// such token in the workspace. `fail_kv_delete`: the test build's injected KV failure.
pub async fn revoke(
    env: &Env,
    workspace_id: i64,
    token_id: i64,
    now_ms: i64,
    fail_kv_delete: bool,
) -> worker::Result<bool> {
    #[derive(Deserialize)]
    struct Hash {
        token_hash: String,
    }
    let d = db(env)?;
    let row: Option<Hash> = d
        .prepare("SELECT token_hash FROM api_tokens WHERE id = ?2 AND workspace_id = ?1")
        .bind(&[int(workspace_id), int(token_id)])?
        .first(None)
        .await?;
    let Some(h) = row else { return Ok(false) };
    super::revocations::record(env, workspace_id, &[Revoked { token_id, at: now_ms }]).await?;
    forget(&h.token_hash);
    if fail_kv_delete {
        return Err(worker::Error::RustError("test hook: the KV delete fails".into()));
    }
    env.kv(KV)?.delete(&h.token_hash).await?;
    d.prepare("UPDATE api_tokens SET revoked_at = ?3 WHERE id = ?2 AND workspace_id = ?1 AND revoked_at IS NULL")
        .bind(&[int(workspace_id), int(token_id), text(&time::format_millis(now_ms))])?
        .run()
        .await?;
    Ok(true)
}

/// What a roll made and what it left of the old token.
pub struct Rolled {
    pub token: TokenInfo,
    pub old_id: i64,
    /// When the old token stops (stopped) working, RFC 3339.
    pub old_expires_at: String,
}

/// Rolls a live token: a new token with the old one's name, abilities and expiry (a roll
/// never lengthens access), then the old one ends after `grace_ms`: at once (0) exactly
/// as a DELETE revokes it, else its KV record and row get the earlier of its own expiry
/// and now + grace. Rolling a token rolled already is allowed (it is still live during
/// its grace): another new token, and the old one's end moves only earlier. `None`: no
/// such token in the workspace, or it is revoked or expired.
pub async fn roll(
    env: &Env,
    workspace_id: i64,
    token_id: i64,
    new_hash: &str,
    grace_ms: i64,
    now_ms: i64,
) -> worker::Result<Option<Rolled>> {
    #[derive(Deserialize)]
    struct Old {
        name: String,
        token_hash: String,
        abilities: String,
        expires_at: Option<String>,
    }
    let d = db(env)?;
    let old: Option<Old> = d
        .prepare(
            "SELECT name, token_hash, abilities, expires_at FROM api_tokens \
             WHERE id = ?2 AND workspace_id = ?1 AND revoked_at IS NULL",
        )
        .bind(&[int(workspace_id), int(token_id)])?
        .first(None)
        .await?;
    let Some(old) = old else { return Ok(None) };
    // Written only from `format_millis`; an unreadable expiry is treated as expired.
    let old_exp = match old.expires_at.as_deref().map(time::parse_millis) {
        None => None,
        Some(Some(ms)) if ms > now_ms => Some(ms),
        Some(_) => return Ok(None),
    };
    // The column is only ever written from a serialised Vec<String>.
    let abilities: Vec<String> = serde_json::from_str(&old.abilities).unwrap_or_default();
    // The new token first: whatever fails later, the caller never ends up with neither.
    let Some(token) = create(env, workspace_id, &old.name, new_hash, &abilities, old_exp, now_ms).await? else {
        return Ok(None);
    };
    if grace_ms == 0 {
        revoke(env, workspace_id, token_id, now_ms, false).await?;
        return Ok(Some(Rolled { token, old_id: token_id, old_expires_at: time::format_millis(now_ms) }));
    }
    let end = old_exp.map_or(now_ms + grace_ms, |exp| exp.min(now_ms + grace_ms));
    // Its end, as a revocation from `end` on: every isolate then refuses it within a
    // second of `end`, whatever its cache or KV's edge copy still says about its expiry.
    super::revocations::record(env, workspace_id, &[Revoked { token_id, at: end }]).await?;
    // KV first, as revocation does: if the row's update then fails, the token still stops
    // at `end` (the listing shows the later time, never the other way round).
    let record = TokenRecord { token_id, workspace_id, abilities, expires_at: Some(end) };
    put_record(env, &old.token_hash, &record, now_ms).await?;
    forget(&old.token_hash);
    #[derive(Deserialize)]
    struct Updated {
        #[allow(dead_code)]
        id: i64,
    }
    let updated: Option<Updated> = d
        .prepare(
            "UPDATE api_tokens SET expires_at = ?3 WHERE id = ?2 AND workspace_id = ?1 AND revoked_at IS NULL \
             RETURNING id",
        )
        .bind(&[int(workspace_id), int(token_id), text(&time::format_millis(end))])?
        .first(None)
        .await?;
    if updated.is_none() {
        // A DELETE revoked it between our read and our KV write, which brought the record
        // back: take it out again. (A DELETE whose KV delete came before our write but
        // whose row update comes after ours leaves the record until `end`; repeating the
        // DELETE removes it.)
        forget(&old.token_hash);
        env.kv(KV)?.delete(&old.token_hash).await?;
        return Ok(Some(Rolled { token, old_id: token_id, old_expires_at: time::format_millis(now_ms) }));
    }
    Ok(Some(Rolled { token, old_id: token_id, old_expires_at: time::format_millis(end) }))
}
