//! `WorkspaceLimits`: one SQLite-backed Durable Object per workspace (named by the
//! workspace id) holding its rate-limit window and its monthly execution counts.
//!
//! A Durable Object runs one event at a time between awaits, and SQLite storage calls are
//! synchronous: from loading the window to recording the request there is no await, so
//! each decision sees every earlier one, whichever isolate sent it. That is what makes
//! the limit exact under concurrency.
//!
//! Tables: `hits(ts, kind)` (the instants that took a slot and the kind of call, pruned
//! as they leave the window; kept in memory too, loaded once per activation),
//! `usage(month, count)` (executions against the quota) and `calls(month, kind, count)`
//! (every call that took a slot, for `GET /v1/usage`).
//!
//! At `/revocations` it also keeps the workspace's token revocations
//! (`domain::revocation`): `revocations(seq, token_id, at)`, kept `KEEP_MS`, and
//! `revocation_counter`, the last `seq` (a table of its own: pruning must never move it
//! back). Every isolate reads them at most once a second; one that is up to date costs no
//! SQL (the counter is kept in memory too).

use crate::domain::limits::{self, ByKind, LimitsAnswer, LimitsRequest, QuotaState, KINDS};
use crate::domain::revocation::{RevocationAnswer, RevocationRequest, Revoked, KEEP_MS};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, SqlStorage, State};

#[durable_object]
pub struct WorkspaceLimits {
    state: State,
    /// The window's instants, oldest first, and each one's kind; `None` until loaded.
    hits: RefCell<Option<Window>>,
    /// The revocation counter; `None` until its tables exist and it is read.
    revocation_counter: Cell<Option<i64>>,
}

struct Window {
    at: VecDeque<i64>,
    kinds: VecDeque<&'static str>,
}

#[derive(serde::Deserialize)]
struct TsRow {
    ts: f64,
    kind: String,
}

#[derive(serde::Deserialize)]
struct KindRow {
    kind: String,
    count: f64,
}

#[derive(serde::Deserialize)]
struct CountRow {
    count: f64,
}

#[derive(serde::Deserialize)]
struct RevokedRow {
    token_id: f64,
    at: f64,
}

impl WorkspaceLimits {
    fn sql(&self) -> SqlStorage {
        self.state.storage().sql()
    }

    fn load(&self, sql: &SqlStorage) -> Result<Window> {
        sql.exec("CREATE TABLE IF NOT EXISTS hits (ts INTEGER NOT NULL, kind TEXT NOT NULL DEFAULT 'execute')", None)?;
        // Objects created before calls had kinds: their window is all executions.
        if sql.exec("SELECT kind FROM hits LIMIT 0", None).is_err() {
            sql.exec("ALTER TABLE hits ADD COLUMN kind TEXT NOT NULL DEFAULT 'execute'", None)?;
        }
        sql.exec("CREATE INDEX IF NOT EXISTS hits_ts ON hits (ts)", None)?;
        sql.exec("CREATE TABLE IF NOT EXISTS usage (month TEXT PRIMARY KEY, count INTEGER NOT NULL)", None)?;
        sql.exec(
            "CREATE TABLE IF NOT EXISTS calls (month TEXT NOT NULL, kind TEXT NOT NULL, count INTEGER NOT NULL, \
             PRIMARY KEY (month, kind))",
            None,
        )?;
        let rows: Vec<TsRow> = sql.exec("SELECT ts, kind FROM hits ORDER BY ts", None)?.to_array()?;
        Ok(Window {
            at: rows.iter().map(|r| r.ts as i64).collect(),
            kinds: rows.iter().map(|r| limits::kind_name(&r.kind)).collect(),
        })
    }

    /// The whole decision, synchronous on purpose (see the module comment).
    fn decide(&self, ask: &LimitsRequest, now: i64) -> Result<LimitsAnswer> {
        let sql = self.sql();
        let mut slot = self.hits.borrow_mut();
        if slot.is_none() {
            *slot = Some(self.load(&sql)?);
        }
        let Some(window) = slot.as_mut() else {
            return Err("rate window not loaded".into());
        };
        let window_ms = ask.window_seconds.max(1) * 1000;
        let dropped = limits::prune(&mut window.at, now, window_ms);
        if dropped > 0 {
            window.kinds.drain(..dropped.min(window.kinds.len()));
            sql.exec("DELETE FROM hits WHERE ts <= ?", vec![(now - window_ms).into()])?;
        }
        let before = window.at.len();
        let rate = limits::decide(&mut window.at, now, ask.limit, window_ms, ask.take);
        let month = limits::month_key(now);
        if window.at.len() > before {
            let kind = limits::kind_name(ask.kind.as_deref().unwrap_or_default());
            window.kinds.push_back(kind);
            if let Some(&ts) = window.at.back() {
                sql.exec("INSERT INTO hits (ts, kind) VALUES (?, ?)", vec![ts.into(), kind.into()])?;
            }
            sql.exec(
                "INSERT INTO calls (month, kind, count) VALUES (?, ?, 1) \
                 ON CONFLICT (month, kind) DO UPDATE SET count = count + 1",
                vec![month.as_str().into(), kind.into()],
            )?;
        }
        // Only a look (`GET /v1/usage`) reports the kinds; a take or a refund does not.
        let by_kind = if ask.take || ask.refund.is_some() { None } else { Some(self.by_kind(&sql, window, &month)?) };

        if let Some(m) = &ask.refund {
            sql.exec("UPDATE usage SET count = MAX(count - 1, 0) WHERE month = ?", vec![m.as_str().into()])?;
        }
        let rows: Vec<CountRow> =
            sql.exec("SELECT count FROM usage WHERE month = ?", vec![month.as_str().into()])?.to_array()?;
        let used = rows.first().map_or(0, |r| r.count as i64);
        let mut quota = QuotaState { month: month.clone(), used, limit: ask.quota, counted: false, exceeded: false };
        if rate.allowed && ask.take && ask.count_quota {
            match limits::count_quota(used, ask.quota) {
                Some(next) => {
                    sql.exec(
                        "INSERT INTO usage (month, count) VALUES (?, ?) \
                         ON CONFLICT (month) DO UPDATE SET count = excluded.count",
                        vec![month.as_str().into(), next.into()],
                    )?;
                    quota.used = next;
                    quota.counted = true;
                }
                None => quota.exceeded = true,
            }
        }
        Ok(LimitsAnswer { rate, quota, by_kind })
    }

    /// The revocations' tables, created on first use; the counter.
    fn revocation_counter(&self, sql: &SqlStorage) -> Result<i64> {
        if let Some(c) = self.revocation_counter.get() {
            return Ok(c);
        }
        sql.exec(
            "CREATE TABLE IF NOT EXISTS revocations (seq INTEGER PRIMARY KEY, token_id INTEGER NOT NULL, \
             at INTEGER NOT NULL)",
            None,
        )?;
        sql.exec(
            "CREATE TABLE IF NOT EXISTS revocation_counter (id INTEGER PRIMARY KEY CHECK (id = 1), \
             counter INTEGER NOT NULL)",
            None,
        )?;
        let rows: Vec<CountRow> =
            sql.exec("SELECT counter AS count FROM revocation_counter WHERE id = 1", None)?.to_array()?;
        let c = rows.first().map_or(0, |r| r.count as i64);
        self.revocation_counter.set(Some(c));
        Ok(c)
    }

    /// Records revocations or answers what came after the caller's counter; synchronous,
    /// so a `since` answered after a `record` always includes it.
    fn revocations(&self, ask: &RevocationRequest, now: i64) -> Result<RevocationAnswer> {
        let sql = self.sql();
        let mut counter = self.revocation_counter(&sql)?;
        if !ask.record.is_empty() {
            for r in &ask.record {
                counter += 1;
                sql.exec(
                    "INSERT INTO revocations (seq, token_id, at) VALUES (?, ?, ?)",
                    vec![counter.into(), r.token_id.into(), r.at.into()],
                )?;
            }
            sql.exec(
                "INSERT INTO revocation_counter (id, counter) VALUES (1, ?) \
                 ON CONFLICT (id) DO UPDATE SET counter = excluded.counter",
                vec![counter.into()],
            )?;
            self.revocation_counter.set(Some(counter));
            sql.exec("DELETE FROM revocations WHERE at < ?", vec![(now - KEEP_MS).into()])?;
            return Ok(RevocationAnswer { counter, revoked: Vec::new(), full: false });
        }
        let seen = ask.since;
        // Up to date (or nothing ever revoked): the hot case, every isolate once a second,
        // no SQL.
        if seen == counter {
            return Ok(RevocationAnswer { counter, revoked: Vec::new(), full: counter == 0 });
        }
        // A counter of 0, or ahead of ours (storage reset): everything kept.
        let full = seen <= 0 || seen > counter;
        let from = if full { 0 } else { seen };
        let rows: Vec<RevokedRow> = sql
            .exec(
                "SELECT token_id, at FROM revocations WHERE seq > ? AND at >= ? ORDER BY seq",
                vec![from.into(), (now - KEEP_MS).into()],
            )?
            .to_array()?;
        let revoked = rows.iter().map(|r| Revoked { token_id: r.token_id as i64, at: r.at as i64 }).collect();
        Ok(RevocationAnswer { counter, revoked, full })
    }

    /// Every kind's calls in the window and in the month (zeros included).
    fn by_kind(&self, sql: &SqlStorage, window: &Window, month: &str) -> Result<ByKind> {
        let mut out = ByKind::default();
        for k in KINDS {
            out.window.insert(k.to_string(), window.kinds.iter().filter(|w| **w == k).count() as i64);
            out.month.insert(k.to_string(), 0);
        }
        let rows: Vec<KindRow> =
            sql.exec("SELECT kind, count FROM calls WHERE month = ?", vec![month.into()])?.to_array()?;
        for r in rows {
            out.month.insert(limits::kind_name(&r.kind).to_string(), r.count as i64);
        }
        Ok(out)
    }
}

impl DurableObject for WorkspaceLimits {
    fn new(state: State, _env: Env) -> Self {
        Self { state, hits: RefCell::new(None), revocation_counter: Cell::new(None) }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        if req.path() == "/revocations" {
            let ask: RevocationRequest = req.json().await?;
            return Response::from_json(&self.revocations(&ask, crate::platform::now_ms())?);
        }
        let ask: LimitsRequest = req.json().await?;
        let answer = self.decide(&ask, crate::platform::now_ms())?;
        Response::from_json(&answer)
    }
}
