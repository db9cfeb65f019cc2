//! The per-workspace rate limit (an exact sliding window) and the monthly action quota:
//! the arithmetic, and the messages the worker and the `WorkspaceLimits` Durable Object
//! exchange. Pure, so every edge (window boundaries, refill, lowered limits, month
//! boundaries) is unit-tested on the host; the Durable Object only stores and calls this.
//!
//! Sliding window log: the instants (ms) of the requests that took a slot in the last
//! `window` are kept, oldest first. A request at `now` takes a slot when fewer than
//! `limit` instants satisfy `t > now - window`; a request that finds no slot takes none.

use super::time;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// The kinds of call that share the workspace's window (CONTRACT.md, Limits and
/// fairness): execute and every other route that calls out to a URL. `GET /v1/usage`
/// breaks the window and the month down by these names.
pub const KINDS: [&str; 8] = [
    "execute",
    "function_invoke",
    "webhook_test",
    "webhook_retry",
    "webhook_replay",
    "training_discover",
    "training_process",
    "training_resync",
];

/// A kind's name as stored, or `execute` for one this build does not know.
pub fn kind_name(kind: &str) -> &'static str {
    KINDS.iter().find(|k| **k == kind).copied().unwrap_or(KINDS[0])
}

/// What the worker asks the Durable Object, once per execute (or per usage read).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct LimitsRequest {
    /// The workspace's limits, read from D1 by the worker (the object keeps no copy, so an
    /// operator's change applies to the next request).
    pub limit: i64,
    pub window_seconds: i64,
    pub quota: i64,
    /// Take a rate-limit slot (execute) or only look (usage).
    pub take: bool,
    /// The execution passed validation: if it also gets a rate-limit slot, count it
    /// against the monthly quota (or refuse it when the quota is used up).
    pub count_quota: bool,
    /// Give back one execution counted in this month (`YYYY-MM`): it turned out invalid
    /// only while running (a Sheets column that does not exist), and only executions that
    /// pass validation count against the quota.
    #[serde(default)]
    pub refund: Option<String>,
    /// Which kind of call takes the slot (one of `KINDS`; absent: `execute`).
    #[serde(default)]
    pub kind: Option<String>,
}

/// The state of the rate limit after a request, and the headers it implies.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct RateState {
    /// The request took a slot (always `true` for a look that found one free).
    pub allowed: bool,
    pub limit: i64,
    /// Slots left in the window after this request.
    pub remaining: i64,
    /// Unix second at which the oldest counted request leaves the window (`X-RateLimit-Reset`).
    pub reset: i64,
    /// Whole seconds, rounded up, at least 1, until a slot frees; 0 when allowed.
    pub retry_after: i64,
}

/// The month's usage after a request.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct QuotaState {
    /// `YYYY-MM`, calendar month UTC.
    pub month: String,
    /// Executions counted this month (including this one when it was counted).
    pub used: i64,
    pub limit: i64,
    /// This request was counted.
    pub counted: bool,
    /// This request needed counting and the quota was used up: 403 QUOTA_EXCEEDED.
    pub exceeded: bool,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct LimitsAnswer {
    pub rate: RateState,
    pub quota: QuotaState,
    /// For a look (`take: false`): the calls in the window, and this month's calls that
    /// took a slot, per kind (every kind of `KINDS`, zeros included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_kind: Option<ByKind>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct ByKind {
    pub window: std::collections::BTreeMap<String, i64>,
    pub month: std::collections::BTreeMap<String, i64>,
}

/// `RateLimit-Policy` and `RateLimit` (the IETF httpapi draft's structured fields) beside
/// the `X-RateLimit-*` headers, for a window of `window_seconds` at unix second `now_s`
/// (rounded up, as `reset` is: `t` is then at most the window).
pub fn headers(rate: &RateState, window_seconds: i64, now_s: i64) -> [(&'static str, String); 5] {
    [
        ("X-RateLimit-Limit", rate.limit.to_string()),
        ("X-RateLimit-Remaining", rate.remaining.to_string()),
        ("X-RateLimit-Reset", rate.reset.to_string()),
        ("RateLimit-Policy", format!("\"workspace\";q={};w={}", rate.limit, window_seconds.max(1))),
        ("RateLimit", format!("\"workspace\";r={};t={}", rate.remaining, (rate.reset - now_s).max(0))),
    ]
}

fn ceil_div(a: i64, b: i64) -> i64 {
    -((-a).div_euclid(b))
}

/// Drops the instants that have left the window at `now`; returns how many it dropped.
pub fn prune(hits: &mut VecDeque<i64>, now: i64, window_ms: i64) -> usize {
    let mut dropped = 0;
    while hits.front().is_some_and(|&t| t <= now - window_ms) {
        hits.pop_front();
        dropped += 1;
    }
    dropped
}

/// Decides a request at `now` against `hits` (already pruned, oldest first) and, when
/// `take` and a slot is free, records it. Instants must not go backwards: a clock that
/// does is treated as `now` = the newest instant.
pub fn decide(hits: &mut VecDeque<i64>, now: i64, limit: i64, window_ms: i64, take: bool) -> RateState {
    let now = hits.back().map_or(now, |&last| now.max(last));
    let window_ms = window_ms.max(1);
    let limit = limit.max(0);
    let used = hits.len() as i64;
    if used < limit {
        if take {
            hits.push_back(now);
        }
        let used = hits.len() as i64;
        let oldest = hits.front().copied().unwrap_or(now);
        return RateState {
            allowed: true,
            limit,
            remaining: limit - used,
            reset: ceil_div(oldest + window_ms, 1000),
            retry_after: 0,
        };
    }
    // Full: a slot frees when enough of the oldest have left for `used` to drop below
    // `limit`, i.e. when the (used - limit + 1)-th oldest leaves. With a lowered limit
    // that is later than the oldest.
    let oldest = hits.front().copied().unwrap_or(now);
    let idx = (used - limit).max(0) as usize;
    let frees_at = hits.get(idx).copied().unwrap_or(now) + window_ms;
    RateState {
        allowed: false,
        limit,
        remaining: 0,
        reset: ceil_div(oldest + window_ms, 1000),
        retry_after: ceil_div(frees_at - now, 1000).max(1),
    }
}

/// The quota decision for a request that needs counting: `Some(new count)` when it fits.
pub fn count_quota(used: i64, quota: i64) -> Option<i64> {
    (used < quota).then_some(used + 1)
}

/// The quota's month key, `YYYY-MM`, of an instant (calendar month, UTC).
pub fn month_key(now_ms: i64) -> String {
    let (y, m) = time::month_of(now_ms);
    format!("{y:04}-{m:02}")
}

/// The first and the first-after instants (ms) of the month of `now_ms`.
pub fn month_bounds(now_ms: i64) -> (i64, i64) {
    let (y, m) = time::month_of(now_ms);
    (time::month_start_millis(y, m), time::month_start_millis(y, m + 1))
}

/// The seed's message for a 429.
pub fn rate_limited_message(retry_after: i64) -> String {
    format!("Rate limit exceeded. Try again in {retry_after} seconds.")
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: i64 = 60_000;

    fn take_n(hits: &mut VecDeque<i64>, now: i64, limit: i64, n: usize) -> Vec<bool> {
        (0..n)
            .map(|_| {
                prune(hits, now, W);
                decide(hits, now, limit, W, true).allowed
            })
            .collect()
    }

    #[test]
    fn exactly_limit_requests_pass_at_the_same_instant() {
        let mut hits = VecDeque::new();
        let got = take_n(&mut hits, 1_000_000, 5, 15);
        assert_eq!(got.iter().filter(|a| **a).count(), 5);
        assert!(got[..5].iter().all(|a| *a) && got[5..].iter().all(|a| !*a));
        assert_eq!(hits.len(), 5, "refused requests take no slot");
    }

    #[test]
    fn remaining_counts_down_and_reset_is_when_the_oldest_leaves() {
        let mut hits = VecDeque::new();
        let s = decide(&mut hits, 10_500, 3, W, true);
        assert_eq!((s.allowed, s.remaining, s.reset, s.retry_after), (true, 2, 71, 0)); // 70.5 s → 71
        let s = decide(&mut hits, 20_000, 3, W, true);
        assert_eq!((s.remaining, s.reset), (1, 71));
        let s = decide(&mut hits, 30_000, 3, W, true);
        assert_eq!((s.remaining, s.reset), (0, 71));
        let s = decide(&mut hits, 40_000, 3, W, true);
        assert!(!s.allowed);
        // The 10.5 s request leaves at 70.5 s: 30.5 s from now, rounded up.
        assert_eq!((s.remaining, s.reset, s.retry_after), (0, 71, 31));
    }

    #[test]
    fn window_edges_an_instant_leaves_exactly_window_ms_later() {
        let mut hits = VecDeque::from(vec![1_000]);
        // At 1_000 + W - 1 it is still inside; at 1_000 + W it has left.
        assert_eq!(prune(&mut hits, 1_000 + W - 1, W), 0);
        assert!(!decide(&mut hits.clone(), 1_000 + W - 1, 1, W, true).allowed);
        assert_eq!(prune(&mut hits, 1_000 + W, W), 1);
        assert!(decide(&mut hits, 1_000 + W, 1, W, true).allowed);
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up_and_at_least_one() {
        let mut hits = VecDeque::from(vec![0]);
        // 1 ms before the slot frees: still 1 s.
        assert_eq!(decide(&mut hits, W - 1, 1, W, true).retry_after, 1);
        assert_eq!(decide(&mut hits, W - 1000, 1, W, true).retry_after, 1);
        assert_eq!(decide(&mut hits, W - 1001, 1, W, true).retry_after, 2);
        assert_eq!(decide(&mut hits, 0, 1, W, true).retry_after, 60);
    }

    #[test]
    fn refill_is_gradual_one_slot_per_leaving_request() {
        let mut hits = VecDeque::new();
        for t in [0, 10_000, 20_000] {
            assert!(decide(&mut hits, t, 3, W, true).allowed);
        }
        prune(&mut hits, 59_999, W);
        assert!(!decide(&mut hits, 59_999, 3, W, true).allowed);
        prune(&mut hits, 60_000, W);
        let s = decide(&mut hits, 60_000, 3, W, true);
        assert!(s.allowed);
        assert_eq!(s.remaining, 0);
        prune(&mut hits, 65_000, W);
        assert!(!decide(&mut hits, 65_000, 3, W, true).allowed);
        prune(&mut hits, 70_000, W);
        assert!(decide(&mut hits, 70_000, 3, W, true).allowed);
    }

    #[test]
    fn a_lowered_limit_waits_for_enough_requests_to_leave() {
        let mut hits = VecDeque::from(vec![0, 10_000, 20_000, 30_000]);
        // Limit lowered to 2 with 4 counted: the 3rd oldest (20 s) must leave, at 80 s.
        let s = decide(&mut hits, 40_000, 2, W, true);
        assert!(!s.allowed);
        assert_eq!(s.retry_after, 40);
        assert_eq!(s.reset, 60);
        assert_eq!(hits.len(), 4);
        // A raised limit admits at once.
        assert!(decide(&mut hits, 40_000, 10, W, true).allowed);
    }

    #[test]
    fn looking_takes_no_slot() {
        let mut hits = VecDeque::new();
        let s = decide(&mut hits, 5_000, 2, W, false);
        assert_eq!((s.allowed, s.remaining, s.reset), (true, 2, 65));
        assert!(hits.is_empty());
    }

    #[test]
    fn a_clock_going_backwards_does_not_reorder_the_log() {
        let mut hits = VecDeque::from(vec![50_000]);
        decide(&mut hits, 40_000, 5, W, true);
        assert_eq!(hits, VecDeque::from(vec![50_000, 50_000]));
    }

    #[test]
    fn ietf_headers_sit_beside_the_x_headers() {
        let rate = RateState { allowed: true, limit: 10, remaining: 7, reset: 1_000_030, retry_after: 0 };
        let h = headers(&rate, 60, 1_000_000);
        assert_eq!(h[0], ("X-RateLimit-Limit", "10".to_string()));
        assert_eq!(h[3], ("RateLimit-Policy", "\"workspace\";q=10;w=60".to_string()));
        assert_eq!(h[4], ("RateLimit", "\"workspace\";r=7;t=30".to_string()));
        // A reset in the past never gives a negative t.
        assert_eq!(headers(&rate, 0, 2_000_000)[4].1, "\"workspace\";r=7;t=0");
        assert_eq!(headers(&rate, 0, 2_000_000)[3].1, "\"workspace\";q=10;w=1");
        assert_eq!(kind_name("webhook_replay"), "webhook_replay");
        assert_eq!(kind_name("nonsense"), "execute");
    }

    #[test]
    fn quota_counts_until_the_limit_then_refuses() {
        assert_eq!(count_quota(0, 2), Some(1));
        assert_eq!(count_quota(1, 2), Some(2));
        assert_eq!(count_quota(2, 2), None);
        assert_eq!(count_quota(0, 0), None);
    }

    #[test]
    fn quota_months_are_calendar_months_utc() {
        let dec = time::month_start_millis(2026, 12);
        assert_eq!(month_key(dec - 1), "2026-11");
        assert_eq!(month_key(dec), "2026-12");
        assert_eq!(month_bounds(dec + 5), (dec, time::month_start_millis(2027, 1)));
        assert_eq!(rate_limited_message(32), "Rate limit exceeded. Try again in 32 seconds.");
    }
}
