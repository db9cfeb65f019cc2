//! `WorkspaceLimits`: one SQLite-backed Durable Object per workspace (named by the
//! workspace id) holding its rate-limit window and its monthly execution counts.
//!
//! A Durable Object runs one event at a time between awaits, and SQLite storage calls are
//! synchronous: from loading the window to recording the request there is no await, so
//! each decision sees every earlier one, whichever isolate sent it. That is what makes
//! the limit exact under concurrency.
//!
//! Tables: `hits(ts)` (the instants that took a slot, pruned as they leave the window;
//! kept in memory too, loaded once per activation) and `usage(month, count)`.

use crate::domain::limits::{self, LimitsAnswer, LimitsRequest, QuotaState};
use std::cell::RefCell;
use std::collections::VecDeque;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, SqlStorage, State};

#[durable_object]
pub struct WorkspaceLimits {
    state: State,
    /// The window's instants, oldest first; `None` until loaded from storage.
    hits: RefCell<Option<VecDeque<i64>>>,
}

#[derive(serde::Deserialize)]
struct TsRow {
    ts: f64,
}

#[derive(serde::Deserialize)]
struct CountRow {
    count: f64,
}

impl WorkspaceLimits {
    fn sql(&self) -> SqlStorage {
        self.state.storage().sql()
    }

    fn load(&self, sql: &SqlStorage) -> Result<VecDeque<i64>> {
        sql.exec("CREATE TABLE IF NOT EXISTS hits (ts INTEGER NOT NULL)", None)?;
        sql.exec("CREATE INDEX IF NOT EXISTS hits_ts ON hits (ts)", None)?;
        sql.exec("CREATE TABLE IF NOT EXISTS usage (month TEXT PRIMARY KEY, count INTEGER NOT NULL)", None)?;
        let rows: Vec<TsRow> = sql.exec("SELECT ts FROM hits ORDER BY ts", None)?.to_array()?;
        Ok(rows.into_iter().map(|r| r.ts as i64).collect())
    }

    /// The whole decision, synchronous on purpose (see the module comment).
    fn decide(&self, ask: &LimitsRequest, now: i64) -> Result<LimitsAnswer> {
        let sql = self.sql();
        let mut slot = self.hits.borrow_mut();
        if slot.is_none() {
            *slot = Some(self.load(&sql)?);
        }
        let Some(hits) = slot.as_mut() else {
            return Err("rate window not loaded".into());
        };
        let window_ms = ask.window_seconds.max(1) * 1000;
        if limits::prune(hits, now, window_ms) > 0 {
            sql.exec("DELETE FROM hits WHERE ts <= ?", vec![(now - window_ms).into()])?;
        }
        let before = hits.len();
        let rate = limits::decide(hits, now, ask.limit, window_ms, ask.take);
        if hits.len() > before {
            if let Some(&ts) = hits.back() {
                sql.exec("INSERT INTO hits (ts) VALUES (?)", vec![ts.into()])?;
            }
        }

        if let Some(m) = &ask.refund {
            sql.exec("UPDATE usage SET count = MAX(count - 1, 0) WHERE month = ?", vec![m.as_str().into()])?;
        }
        let month = limits::month_key(now);
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
        Ok(LimitsAnswer { rate, quota })
    }
}

impl DurableObject for WorkspaceLimits {
    fn new(state: State, _env: Env) -> Self {
        Self { state, hits: RefCell::new(None) }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let ask: LimitsRequest = req.json().await?;
        let answer = self.decide(&ask, crate::platform::now_ms())?;
        Response::from_json(&answer)
    }
}
