//! The audit log's rules: what a listing may ask for, how long entries are kept, and how
//! often a refused request is recorded. The entries themselves are written by
//! `http::audit` and read by `store::audit`.

use super::validate::Errors;
use std::collections::HashMap;

/// The most entries one page of `GET /v1/audit-logs` answers, and the default.
pub const MAX_LIMIT: i64 = 100;
pub const DEFAULT_LIMIT: i64 = 10;

/// The action of a refused request (401, 403) of a known token.
pub const REFUSED: &str = "request.refused";

/// A token's refusals are recorded at most once per this many milliseconds: a client
/// hammering with a read-only token cannot fill the table, and one entry is enough to
/// show that it tried.
pub const REFUSED_EVERY_MS: i64 = 10_000;

/// Days an entry is kept, by the workspace's plan (operator entries: the longest).
pub fn retention_days(plan: Option<&str>) -> i64 {
    match plan {
        Some("free") => 90,
        _ => 365,
    }
}

/// An action's target type: the part before the dot (`agent.updated` → `agent`).
pub fn target_type(action: &str) -> &str {
    action.split_once('.').map_or(action, |(t, _)| t)
}

/// Where a page starts: after an entry (older ones), before one (newer ones), or at the
/// newest.
#[derive(Debug, PartialEq, Eq)]
pub enum Cursor {
    Newest,
    StartingAfter(String),
    EndingBefore(String),
}

/// A parsed `GET /v1/audit-logs` (and operator) query.
#[derive(Debug, PartialEq, Eq)]
pub struct Query {
    pub limit: i64,
    pub cursor: Cursor,
    pub action: Option<String>,
    pub actor: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    /// Operator listing only: one workspace's entries.
    pub workspace_id: Option<i64>,
}

/// The query parameters a listing reads; anything else is ignored, like other listings.
pub const PARAMS: [&str; 8] =
    ["limit", "starting_after", "ending_before", "action", "actor", "target", "since", "until"];

/// Reads the query; every problem is a 422 naming its parameter. `operator`: the
/// operator listing, which also takes `workspace_id`.
pub fn parse(query: &str, operator: bool) -> Result<Query, Errors> {
    let params: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let get = |k: &str| params.get(k).map(String::as_str);
    let mut errors = Errors::new();

    let limit = match get("limit") {
        None => DEFAULT_LIMIT,
        Some(v) => match v.parse::<i64>().ok() {
            Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                errors.add("limit", format!("The limit must be an integer from 1 to {MAX_LIMIT}."));
                DEFAULT_LIMIT
            }
        },
    };
    let mut id = |key: &str| match get(key) {
        None => None,
        Some(v) if is_entry_id(v) => Some(v.to_string()),
        Some(_) => {
            errors.add(key, format!("The {key} field must be an audit log entry id (aud_...)."));
            None
        }
    };
    let after = id("starting_after");
    let before = id("ending_before");
    let cursor = match (after, before) {
        (Some(_), Some(_)) => {
            errors.add("ending_before", "Send starting_after or ending_before, not both.");
            Cursor::Newest
        }
        (Some(a), None) => Cursor::StartingAfter(a),
        (None, Some(b)) => Cursor::EndingBefore(b),
        (None, None) => Cursor::Newest,
    };
    let mut word = |key: &str| match get(key) {
        None => None,
        Some(v) if !v.is_empty() && v.chars().count() <= 200 => Some(v.to_string()),
        Some(_) => {
            errors.add(key, format!("The {key} field must be 1 to 200 characters."));
            None
        }
    };
    let action = word("action");
    let actor = word("actor");
    let (target_type, target_id) = match word("target") {
        None => (None, None),
        Some(t) => match t.split_once(':') {
            Some((ty, id)) => (Some(ty.to_string()), Some(id.to_string())),
            None => (Some(t), None),
        },
    };
    let mut instant = |key: &str| match get(key) {
        None => None,
        Some(v) => super::time::parse_millis(v).or_else(|| {
            errors.add(key, format!("The {key} field must be an RFC 3339 date-time."));
            None
        }),
    };
    let since_ms = instant("since");
    let until_ms = instant("until");
    let workspace_id = match get("workspace_id") {
        Some(v) if operator => match v.parse::<i64>().ok() {
            Some(n) if n >= 1 => Some(n),
            _ => {
                errors.add("workspace_id", "The workspace_id must be a positive integer.");
                None
            }
        },
        _ => None,
    };
    errors.into_result()?;
    Ok(Query { limit, cursor, action, actor, target_type, target_id, since_ms, until_ms, workspace_id })
}

/// `aud_` and 24 base62 characters, as `platform::new_id` makes them.
pub fn is_entry_id(s: &str) -> bool {
    s.strip_prefix("aud_").is_some_and(|rest| rest.len() == 24 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The names of the fields a request body set: what an entry's `changes` lists. Values
/// are never kept (a body may carry credentials or header secrets). Bounded, so a body
/// with thousands of keys makes a short entry.
pub fn changed_fields<'a>(keys: impl Iterator<Item = &'a String>) -> Vec<String> {
    keys.take(50).map(|k| k.chars().take(64).collect()).collect()
}

/// A header value kept in an entry (`User-Agent`, `CF-Connecting-IP`): at most 256
/// characters.
pub fn clip(s: &str) -> String {
    s.chars().take(256).collect()
}

/// Refusals this isolate recorded lately, by token: the D1 guard decides, this only
/// spares it the write during a flood. Bounded: cleared when it grows past `MAX`.
#[derive(Default)]
pub struct RefusalThrottle {
    last: HashMap<i64, i64>,
}

impl RefusalThrottle {
    const MAX: usize = 10_000;

    /// Whether a refusal of `token_id` at `now_ms` should be written.
    pub fn admit(&mut self, token_id: i64, now_ms: i64) -> bool {
        if self.last.get(&token_id).is_some_and(|&t| now_ms - t < REFUSED_EVERY_MS) {
            return false;
        }
        if self.last.len() >= Self::MAX {
            self.last.clear();
        }
        self.last.insert(token_id, now_ms);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "aud_0123456789abcdefghijABCD";

    #[test]
    fn defaults_and_bounds() {
        let q = parse("", false).unwrap();
        assert_eq!(q.limit, DEFAULT_LIMIT);
        assert_eq!(q.cursor, Cursor::Newest);
        assert_eq!(parse("limit=100", false).unwrap().limit, 100);
        for bad in ["limit=0", "limit=101", "limit=", "limit=x", "limit=-1"] {
            assert!(parse(bad, false).unwrap_err().has("limit"), "{bad}");
        }
    }

    #[test]
    fn cursors() {
        assert_eq!(parse(&format!("starting_after={ID}"), false).unwrap().cursor, Cursor::StartingAfter(ID.into()));
        assert_eq!(parse(&format!("ending_before={ID}"), false).unwrap().cursor, Cursor::EndingBefore(ID.into()));
        assert!(parse(&format!("starting_after={ID}&ending_before={ID}"), false).unwrap_err().has("ending_before"));
        assert!(parse("starting_after=evt_1", false).unwrap_err().has("starting_after"));
        assert!(parse("ending_before=aud_short", false).unwrap_err().has("ending_before"));
    }

    #[test]
    fn filters() {
        let q = parse("action=agent.updated&actor=12&target=agent:bot&since=2026-01-01T00:00:00Z", false).unwrap();
        assert_eq!(q.action.as_deref(), Some("agent.updated"));
        assert_eq!(q.actor.as_deref(), Some("12"));
        assert_eq!((q.target_type.as_deref(), q.target_id.as_deref()), (Some("agent"), Some("bot")));
        assert!(q.since_ms.is_some() && q.until_ms.is_none());
        let t = parse("target=webhook", false).unwrap();
        assert_eq!((t.target_type.as_deref(), t.target_id), (Some("webhook"), None));
        assert!(parse("since=yesterday", false).unwrap_err().has("since"));
        assert!(parse("action=", false).unwrap_err().has("action"));
        // workspace_id is the operator's filter only.
        assert_eq!(parse("workspace_id=3", false).unwrap().workspace_id, None);
        assert_eq!(parse("workspace_id=3", true).unwrap().workspace_id, Some(3));
        assert!(parse("workspace_id=0", true).unwrap_err().has("workspace_id"));
    }

    #[test]
    fn retention_by_plan() {
        assert_eq!(retention_days(Some("free")), 90);
        assert_eq!(retention_days(Some("pro")), 365);
        assert_eq!(retention_days(Some("enterprise")), 365);
        assert_eq!(retention_days(None), 365);
    }

    #[test]
    fn target_types_and_fields() {
        assert_eq!(target_type("agent.updated"), "agent");
        assert_eq!(target_type("request.refused"), "request");
        let keys: Vec<String> = (0..60).map(|i| format!("k{i}")).collect();
        assert_eq!(changed_fields(keys.iter()).len(), 50);
        assert_eq!(clip(&"x".repeat(300)).len(), 256);
    }

    #[test]
    fn refusals_are_throttled_per_token() {
        let mut t = RefusalThrottle::default();
        assert!(t.admit(1, 0));
        assert!(!t.admit(1, REFUSED_EVERY_MS - 1));
        assert!(t.admit(2, 5));
        assert!(t.admit(1, REFUSED_EVERY_MS));
    }
}
