//! `WorkspaceIdempotency`: one SQLite-backed Durable Object per workspace (named by the
//! workspace id, like `WorkspaceLimits`) holding its idempotency keys and the responses
//! stored under them. The decision is `domain::idempotency::decide`; this file only
//! stores.
//!
//! Exact under concurrency for the same reason as the rate limit: a Durable Object runs
//! one event at a time between awaits and its SQLite calls are synchronous, so from
//! reading a key to claiming it there is no await: of two twins arriving together from
//! different isolates, one claims and the other sees the claim.
//!
//! Internal protocol (the worker side is `store/idempotency.rs`), key and token in headers:
//! - `POST /claim` (`X-Idem-Key`, `X-Idem-Fingerprint`) → 201 with the claim token as the
//!   body, 200 with the stored response, 409 in progress, 422 mismatch.
//! - `POST /complete` (`X-Idem-Key`, `X-Idem-Token`, body = the response, encoded
//!   (`StoredResponse::encode`) and sealed by the worker: opaque bytes here) → 204, or
//!   409 when the token no longer owns the key (it expired and was claimed again).
//! - `POST /release` (`X-Idem-Key`, `X-Idem-Token`) → 204: forget a claim whose response
//!   is not stored (a 4xx).
//!
//! Tables: `keys(key, fingerprint, token, created_at, done)` and `responses(key, seq,
//! data)` (the sealed response in chunks of at most 1 MiB: a SQLite value in a Durable
//! Object is limited to 2 MB, and an execute's output may be larger). Expired keys are
//! deleted by the alarm, at most once an hour, never by a scan per request; `decide`
//! treats an expired key as free whether or not the alarm has run yet.

use crate::domain::idempotency::{self as idem, Decision, Entry};
use std::cell::Cell;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, SqlStorage, SqlStorageValue, State};

const CHUNK: usize = 1024 * 1024;
/// The alarm runs at most this often (keys may outlive their 24 hours by this much in
/// storage; `decide` never serves them).
const SWEEP_EVERY_MS: i64 = 60 * 60 * 1000;

#[durable_object]
pub struct WorkspaceIdempotency {
    state: State,
    /// Tables created in this activation.
    ready: Cell<bool>,
    /// An alarm is known to be scheduled.
    alarm_set: Cell<bool>,
}

#[derive(serde::Deserialize)]
struct KeyRow {
    fingerprint: String,
    token: String,
    created_at: f64,
    done: f64,
}

#[derive(serde::Deserialize)]
struct MinRow {
    oldest: Option<f64>,
}

fn header(req: &Request, name: &str) -> String {
    req.headers().get(name).ok().flatten().unwrap_or_default()
}

impl WorkspaceIdempotency {
    fn sql(&self) -> Result<SqlStorage> {
        let sql = self.state.storage().sql();
        if !self.ready.get() {
            sql.exec(
                "CREATE TABLE IF NOT EXISTS keys (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, \
                 token TEXT NOT NULL, created_at INTEGER NOT NULL, done INTEGER NOT NULL)",
                None,
            )?;
            sql.exec("CREATE INDEX IF NOT EXISTS keys_created ON keys (created_at)", None)?;
            sql.exec(
                "CREATE TABLE IF NOT EXISTS responses (key TEXT NOT NULL, seq INTEGER NOT NULL, \
                 data BLOB NOT NULL, PRIMARY KEY (key, seq))",
                None,
            )?;
            self.ready.set(true);
        }
        Ok(sql)
    }

    fn row(sql: &SqlStorage, key: &str) -> Result<Option<KeyRow>> {
        let rows: Vec<KeyRow> = sql
            .exec("SELECT fingerprint, token, created_at, done FROM keys WHERE key = ?", vec![key.into()])?
            .to_array()?;
        Ok(rows.into_iter().next())
    }

    fn stored(sql: &SqlStorage, key: &str) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for row in sql.exec("SELECT data FROM responses WHERE key = ? ORDER BY seq", vec![key.into()])?.raw() {
            if let Some(SqlStorageValue::Blob(bytes)) = row?.into_iter().next() {
                out.extend_from_slice(&bytes);
            }
        }
        Ok(out)
    }

    /// The claim, synchronous from the read to the write (see the module comment).
    fn claim(&self, key: &str, fingerprint: &str, now: i64) -> Result<Response> {
        let sql = self.sql()?;
        let row = Self::row(&sql, key)?;
        let entry = row.as_ref().map(|r| Entry {
            fingerprint: r.fingerprint.clone(),
            created_at: r.created_at as i64,
            done: r.done != 0.0,
        });
        match idem::decide(entry.as_ref(), fingerprint, now) {
            Decision::Claim => {
                let token = crate::domain::token::hex(&crate::platform::random_bytes::<16>()?);
                sql.exec("DELETE FROM responses WHERE key = ?", vec![key.into()])?;
                sql.exec(
                    "INSERT INTO keys (key, fingerprint, token, created_at, done) VALUES (?, ?, ?, ?, 0) \
                     ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, \
                     token = excluded.token, created_at = excluded.created_at, done = 0",
                    vec![key.into(), fingerprint.into(), token.as_str().into(), now.into()],
                )?;
                Ok(Response::ok(token)?.with_status(idem::CLAIMED))
            }
            Decision::Replay => Ok(Response::from_bytes(Self::stored(&sql, key)?)?.with_status(idem::REPLAY)),
            Decision::InProgress => Ok(Response::empty()?.with_status(idem::IN_PROGRESS)),
            Decision::Mismatch => Ok(Response::empty()?.with_status(idem::MISMATCH)),
        }
    }

    fn complete(&self, key: &str, token: &str, encoded: &[u8]) -> Result<Response> {
        let sql = self.sql()?;
        match Self::row(&sql, key)? {
            Some(r) if r.token == token && r.done == 0.0 => {
                sql.exec("DELETE FROM responses WHERE key = ?", vec![key.into()])?;
                for (seq, chunk) in encoded.chunks(CHUNK).enumerate() {
                    sql.exec(
                        "INSERT INTO responses (key, seq, data) VALUES (?, ?, ?)",
                        vec![key.into(), (seq as i64).into(), chunk.to_vec().into()],
                    )?;
                }
                sql.exec("UPDATE keys SET done = 1 WHERE key = ?", vec![key.into()])?;
                Ok(Response::empty()?.with_status(204))
            }
            _ => Ok(Response::empty()?.with_status(409)),
        }
    }

    fn release(&self, key: &str, token: &str) -> Result<Response> {
        let sql = self.sql()?;
        sql.exec("DELETE FROM keys WHERE key = ? AND token = ? AND done = 0", vec![key.into(), token.into()])?;
        Ok(Response::empty()?.with_status(204))
    }

    /// Makes sure a sweep is scheduled once a key exists (one storage call per activation).
    async fn ensure_alarm(&self) -> Result<()> {
        if self.alarm_set.get() {
            return Ok(());
        }
        let storage = self.state.storage();
        if storage.get_alarm().await?.is_none() {
            storage.set_alarm(idem::KEY_TTL_MS).await?;
        }
        self.alarm_set.set(true);
        Ok(())
    }
}

impl DurableObject for WorkspaceIdempotency {
    fn new(state: State, _env: Env) -> Self {
        Self { state, ready: Cell::new(false), alarm_set: Cell::new(false) }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let key = header(&req, "X-Idem-Key");
        let now = crate::platform::now_ms();
        match req.path().as_str() {
            "/claim" => {
                let resp = self.claim(&key, &header(&req, "X-Idem-Fingerprint"), now)?;
                if resp.status_code() == idem::CLAIMED {
                    self.ensure_alarm().await?;
                }
                Ok(resp)
            }
            "/complete" => {
                let token = header(&req, "X-Idem-Token");
                let body = req.bytes().await?;
                self.complete(&key, &token, &body)
            }
            "/release" => self.release(&key, &header(&req, "X-Idem-Token")),
            _ => Ok(Response::empty()?.with_status(404)),
        }
    }

    /// Deletes every key older than 24 hours (with its response) and schedules the next
    /// sweep for when the oldest remaining key expires (at most once an hour).
    async fn alarm(&self) -> Result<Response> {
        let sql = self.sql()?;
        let now = crate::platform::now_ms();
        let cutoff = now - idem::KEY_TTL_MS;
        sql.exec(
            "DELETE FROM responses WHERE key IN (SELECT key FROM keys WHERE created_at <= ?)",
            vec![cutoff.into()],
        )?;
        sql.exec("DELETE FROM keys WHERE created_at <= ?", vec![cutoff.into()])?;
        let rows: Vec<MinRow> = sql.exec("SELECT MIN(created_at) AS oldest FROM keys", None)?.to_array()?;
        let storage = self.state.storage();
        match rows.first().and_then(|r| r.oldest) {
            Some(oldest) => {
                let next = (oldest as i64 + idem::KEY_TTL_MS - now).max(SWEEP_EVERY_MS);
                storage.set_alarm(next).await?;
                self.alarm_set.set(true);
            }
            None => self.alarm_set.set(false),
        }
        Response::ok("swept")
    }
}
