//! Token revocation as an isolate sees it: what the workspace's limits Durable Object
//! told it last (a counter and the tokens revoked recently), and when. The clock is the
//! caller's (Unix milliseconds), so the rules are tested on the host.
//!
//! Why a list and not only a counter: KV serves a deleted key for up to 60 s at other
//! locations, and a KV delete can fail, so an isolate that reads a token record afresh
//! may still get a revoked token's record. What refuses it is the object's list of
//! revoked ids, which every isolate reads at most once a second per workspace.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How old an isolate's view of a workspace may be: the revocation bound.
pub const CHECK_EVERY_MS: i64 = 1_000;

/// How long a revocation is kept, in the object and in each isolate: far past KV's 60 s
/// edge cache, and long enough to cover a KV delete that failed until the operator's
/// repeated `DELETE` (which the failure's 500 asks for) deletes the record.
pub const KEEP_MS: i64 = 24 * 3600 * 1000;

/// Workspaces one isolate keeps a view of; past this, stale views go first.
const MAX_WORKSPACES: usize = 4096;

/// One revoked token: refused from `at` (Unix ms) on.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revoked {
    pub token_id: i64,
    pub at: i64,
}

/// What the worker asks the object (`POST /revocations`): to record `record` (each one
/// moves the counter on) or, when that is empty, for the revocations recorded after
/// `since` (all kept ones when `since` is 0 or ahead of the object's counter, e.g. after
/// its storage was reset). A plain struct, not a tagged enum: serde's tagged enums cost
/// the wasm several KiB.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct RevocationRequest {
    #[serde(default)]
    pub since: i64,
    #[serde(default)]
    pub record: Vec<Revoked>,
}

/// The object's answer to either request: its counter after the request and, for
/// a `since` one, the revocations the caller has not seen.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct RevocationAnswer {
    pub counter: i64,
    #[serde(default)]
    pub revoked: Vec<Revoked>,
    /// The rows above were every kept one (the caller's counter was 0 or ahead).
    #[serde(default)]
    pub full: bool,
}

/// What an isolate knows of one workspace.
#[derive(Debug, Default)]
struct Seen {
    /// When the call whose answer this is was sent.
    checked_at: i64,
    counter: i64,
    /// Token id → refused from.
    revoked: HashMap<i64, i64>,
}

/// What to do with a token of a workspace now.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Refuse,
    /// The view is older than `CHECK_EVERY_MS` (or missing): ask the object for what
    /// came after `counter`.
    Ask {
        counter: i64,
    },
}

/// An isolate's views, by workspace id.
#[derive(Debug, Default)]
pub struct View {
    workspaces: HashMap<i64, Seen>,
}

impl View {
    pub fn new() -> Self {
        View::default()
    }

    pub fn decide(&self, workspace_id: i64, token_id: i64, now: i64) -> Decision {
        match self.workspaces.get(&workspace_id) {
            Some(s) if now - s.checked_at < CHECK_EVERY_MS && now >= s.checked_at => {
                if refused(s, token_id, now) {
                    Decision::Refuse
                } else {
                    Decision::Accept
                }
            }
            Some(s) => Decision::Ask { counter: s.counter },
            None => Decision::Ask { counter: 0 },
        }
    }

    /// Whether the token is refused by what the view holds, however old (after an
    /// answer was applied: the answer is as fresh as it gets).
    pub fn is_refused(&self, workspace_id: i64, token_id: i64, now: i64) -> bool {
        self.workspaces.get(&workspace_id).is_some_and(|s| refused(s, token_id, now))
    }

    /// Takes in the object's answer to a call sent at `asked_at`.
    pub fn apply(&mut self, workspace_id: i64, asked_at: i64, answer: &RevocationAnswer) {
        if !self.workspaces.contains_key(&workspace_id) && self.workspaces.len() >= MAX_WORKSPACES {
            self.workspaces.retain(|_, s| asked_at - s.checked_at < CHECK_EVERY_MS);
            if self.workspaces.len() >= MAX_WORKSPACES {
                self.workspaces.clear();
            }
        }
        let s = self.workspaces.entry(workspace_id).or_default();
        // An answer to an older call than the one applied already says nothing newer.
        if asked_at < s.checked_at {
            return;
        }
        if answer.full {
            s.revoked.clear();
        }
        for r in &answer.revoked {
            add(s, *r);
        }
        s.checked_at = asked_at;
        s.counter = answer.counter;
        s.revoked.retain(|_, at| asked_at - *at < KEEP_MS);
    }

    /// A revocation made through this isolate: refused here at once, without waiting for
    /// the next check (which also brings it, and leaves the counter to that check).
    pub fn note(&mut self, workspace_id: i64, revoked: Revoked) {
        if let Some(s) = self.workspaces.get_mut(&workspace_id) {
            add(s, revoked);
        }
    }
}

fn add(s: &mut Seen, r: Revoked) {
    // A token revoked twice is refused from the earlier instant: revocation is never undone.
    s.revoked.entry(r.token_id).and_modify(|at| *at = (*at).min(r.at)).or_insert(r.at);
}

fn refused(s: &Seen, token_id: i64, now: i64) -> bool {
    s.revoked.get(&token_id).is_some_and(|at| now >= *at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(counter: i64, revoked: &[(i64, i64)], full: bool) -> RevocationAnswer {
        RevocationAnswer {
            counter,
            revoked: revoked.iter().map(|&(token_id, at)| Revoked { token_id, at }).collect(),
            full,
        }
    }

    #[test]
    fn an_unknown_workspace_asks_from_zero() {
        assert_eq!(View::new().decide(7, 1, 1_000), Decision::Ask { counter: 0 });
    }

    #[test]
    fn a_view_serves_for_one_second_then_asks_from_its_counter() {
        let mut v = View::new();
        v.apply(7, 10_000, &answer(3, &[(5, 9_000)], true));
        assert_eq!(v.decide(7, 1, 10_000), Decision::Accept);
        assert_eq!(v.decide(7, 5, 10_999), Decision::Refuse);
        assert_eq!(v.decide(7, 1, 11_000), Decision::Ask { counter: 3 });
        // Another workspace's view says nothing of this one.
        assert_eq!(v.decide(8, 1, 10_500), Decision::Ask { counter: 0 });
    }

    #[test]
    fn a_clock_going_back_asks_again() {
        let mut v = View::new();
        v.apply(7, 10_000, &answer(0, &[], true));
        assert_eq!(v.decide(7, 1, 9_000), Decision::Ask { counter: 0 });
    }

    #[test]
    fn new_revocations_add_to_what_was_seen() {
        let mut v = View::new();
        v.apply(7, 10_000, &answer(1, &[(5, 9_000)], true));
        v.apply(7, 11_000, &answer(2, &[(6, 10_500)], false));
        assert!(v.is_refused(7, 5, 11_000));
        assert!(v.is_refused(7, 6, 11_000));
        assert!(!v.is_refused(7, 4, 11_000));
        assert_eq!(v.decide(7, 1, 11_500), Decision::Accept);
        assert_eq!(v.decide(7, 1, 12_000), Decision::Ask { counter: 2 });
    }

    #[test]
    fn a_full_answer_replaces_the_list() {
        let mut v = View::new();
        v.apply(7, 10_000, &answer(9, &[(5, 9_000)], true));
        // The object's storage started over: its full list is the truth.
        v.apply(7, 11_000, &answer(1, &[(6, 10_500)], true));
        assert!(!v.is_refused(7, 5, 11_000));
        assert!(v.is_refused(7, 6, 11_000));
    }

    #[test]
    fn a_late_answer_to_an_older_call_changes_nothing() {
        let mut v = View::new();
        v.apply(7, 11_000, &answer(2, &[(6, 10_500)], false));
        v.apply(7, 10_000, &answer(1, &[], true));
        assert!(v.is_refused(7, 6, 11_100));
        assert_eq!(v.decide(7, 1, 11_100), Decision::Accept);
    }

    #[test]
    fn a_revocation_from_a_later_instant_waits_for_it() {
        // A token refused from a future instant (a grace period) works until then.
        let mut v = View::new();
        v.apply(7, 10_000, &answer(1, &[(5, 10_500)], true));
        assert_eq!(v.decide(7, 5, 10_400), Decision::Accept);
        assert_eq!(v.decide(7, 5, 10_500), Decision::Refuse);
    }

    #[test]
    fn revoked_twice_counts_from_the_earlier_instant() {
        let mut v = View::new();
        v.apply(7, 10_000, &answer(1, &[(5, 20_000)], true));
        v.apply(7, 11_000, &answer(2, &[(5, 10_900)], false));
        assert!(v.is_refused(7, 5, 11_000));
        v.apply(7, 12_000, &answer(3, &[(5, 30_000)], false));
        assert!(v.is_refused(7, 5, 12_000));
    }

    #[test]
    fn a_local_revocation_refuses_at_once_and_keeps_the_counter() {
        let mut v = View::new();
        v.apply(7, 10_000, &answer(4, &[], true));
        v.note(7, Revoked { token_id: 5, at: 10_100 });
        assert_eq!(v.decide(7, 5, 10_200), Decision::Refuse);
        assert_eq!(v.decide(7, 5, 11_000), Decision::Ask { counter: 4 });
        // No view yet: nothing to note; the first check brings it.
        v.note(8, Revoked { token_id: 1, at: 10_100 });
        assert_eq!(v.decide(8, 1, 10_200), Decision::Ask { counter: 0 });
    }

    #[test]
    fn revocations_are_forgotten_after_the_keep_window() {
        let mut v = View::new();
        v.apply(7, 10_000, &answer(1, &[(5, 10_000)], true));
        v.apply(7, 10_000 + KEEP_MS, &answer(1, &[], false));
        assert!(!v.is_refused(7, 5, 10_000 + KEEP_MS));
    }

    #[test]
    fn the_number_of_workspaces_is_bounded() {
        let mut v = View::new();
        for ws in 0..MAX_WORKSPACES as i64 {
            v.apply(ws, 0, &answer(0, &[], true));
        }
        // All stale at 5 s: they make room.
        v.apply(-1, 5_000, &answer(0, &[], true));
        assert_eq!(v.workspaces.len(), 1);
        assert_eq!(v.decide(-1, 1, 5_000), Decision::Accept);
    }

    #[test]
    fn requests_and_answers_have_a_stable_shape() {
        let r = RevocationRequest { since: 3, record: vec![] };
        assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"since":3,"record":[]}"#);
        let r: RevocationRequest = serde_json::from_str(r#"{"record":[{"token_id":1,"at":2}]}"#).unwrap();
        assert_eq!(r, RevocationRequest { since: 0, record: vec![Revoked { token_id: 1, at: 2 }] });
        let a: RevocationAnswer = serde_json::from_str(r#"{"counter":2}"#).unwrap();
        assert_eq!(a, RevocationAnswer { counter: 2, revoked: vec![], full: false });
    }
}
