//! Training data (seed 000): the item types, their input rules, the URL lists of URL
//! training (same-site links, de-duplication, the shared outbound guard), the queue
//! message, the retry schedule and the full-text query of grounded search. Pure.

use super::outbound::Refusal;
use super::validate::{Errors, Input};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use url::Url;

pub const TYPES: [&str; 3] = ["text", "qa", "url"];
pub const STATUSES: [&str; 4] = ["pending", "processing", "completed", "failed"];
pub const SORTABLE: [&str; 6] = ["id", "title", "status", "created_at", "updated_at", "processed_at"];

pub const MAX_TITLE: usize = 255;
pub const MAX_CONTENT: usize = 200_000;
pub const MAX_QUESTION: usize = 2_000;
pub const MAX_ANSWER: usize = 20_000;
/// At most this many URLs per process call, and links returned by a discover.
pub const MAX_URLS: usize = 100;
pub const MAX_DISCOVERED: usize = 500;

/// What the plain create and PATCH accept, once validated.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ItemInput {
    pub title: Option<Option<String>>,
    pub content: Option<String>,
    pub question: Option<String>,
    pub answer: Option<String>,
}

/// Why a create body's `type` is refused: the three seed-000 outcomes before validation.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeProblem {
    /// Missing or not a string: a 422 naming `type`.
    Invalid(Errors),
    /// Not one of the types: 400 INVALID_TYPE.
    Unsupported(String),
    /// `url`: 422 URL_DISCOVERY_REQUIRED.
    Url,
}

/// The `type` of a create body: `text` or `qa`.
pub fn create_type(map: &Map<String, Value>) -> Result<&'static str, TypeProblem> {
    match map.get("type") {
        None | Some(Value::Null) => Err(TypeProblem::Invalid(Errors::single("type", "The type field is required."))),
        Some(Value::String(t)) => match t.as_str() {
            "text" => Ok("text"),
            "qa" => Ok("qa"),
            "url" => Err(TypeProblem::Url),
            other => Err(TypeProblem::Unsupported(other.to_string())),
        },
        Some(_) => Err(TypeProblem::Invalid(Errors::single("type", "The type must be a string."))),
    }
}

/// The `agent` of a body: an id (number or all-digit string) or a uid.
pub fn agent_field(map: &Map<String, Value>, errors: &mut Errors) -> Option<String> {
    match map.get("agent") {
        None | Some(Value::Null) => {
            errors.add("agent", "The agent field is required.");
            None
        }
        Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= 255 => Some(s.trim().to_string()),
        Some(Value::Number(n)) if n.as_i64().is_some_and(|n| n > 0) => n.as_i64().map(|n| n.to_string()),
        Some(_) => {
            errors.add("agent", "The agent must be an agent id or uid.");
            None
        }
    }
}

/// Fields of a `text` or `qa` item. `creating`: required fields must be present.
pub fn item_input(map: &Map<String, Value>, kind: &str, creating: bool) -> Result<ItemInput, Errors> {
    let mut i = Input::new(map);
    let mut out = ItemInput::default();
    let allowed: &[&str] = match kind {
        "text" => &["title", "content"],
        "qa" => &["question", "answer"],
        _ => &["title"],
    };
    for field in ["title", "content", "question", "answer"] {
        if i.has(field) && !allowed.contains(&field) {
            i.errors.add(field, format!("The {field} field is not used by {kind} training data."));
        }
    }
    if allowed.contains(&"title") {
        out.title = i.optional_str("title", MAX_TITLE).map(|t| t.map(str::to_string));
    }
    let text = |i: &mut Input, key: &str, max: usize| -> Option<String> {
        if creating || i.has(key) {
            i.required_str(key, max).map(str::to_string)
        } else {
            None
        }
    };
    match kind {
        "text" => out.content = text(&mut i, "content", MAX_CONTENT),
        "qa" => {
            out.question = text(&mut i, "question", MAX_QUESTION);
            out.answer = text(&mut i, "answer", MAX_ANSWER);
        }
        _ => {}
    }
    for field in ["type", "agent"] {
        if !creating && i.has(field) {
            i.errors.add(field, format!("The {field} of training data cannot be changed."));
        }
    }
    i.errors.into_result()?;
    Ok(out)
}

/// The text that is chunked and indexed for a `text` or `qa` item.
pub fn indexable_text(kind: &str, title: Option<&str>, content: &str, question: &str, answer: &str) -> String {
    match kind {
        "qa" => format!("{question}\n\n{answer}"),
        _ => match title {
            Some(t) if !t.trim().is_empty() => format!("{t}\n\n{content}"),
            _ => content.to_string(),
        },
    }
}

/// A URL normalized for storage and comparison: parsed, fragment dropped.
pub fn normalize(url: &Url) -> String {
    let mut u = url.clone();
    u.set_fragment(None);
    u.to_string()
}

/// Same site: same host (a leading `www.` aside) and the same explicit port, over http or https.
pub fn same_site(a: &Url, b: &Url) -> bool {
    let host = |u: &Url| u.host_str().map(|h| h.trim_start_matches("www.").to_string());
    host(a).is_some() && host(a) == host(b) && a.port() == b.port()
}

/// The same-site http(s) links of a page, resolved against `base`, without fragments,
/// de-duplicated in order, at most `MAX_DISCOVERED`.
pub fn site_links<'a>(base: &Url, hrefs: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for href in hrefs {
        let Ok(u) = base.join(href) else { continue };
        if !matches!(u.scheme(), "http" | "https") || !same_site(base, &u) {
            continue;
        }
        let n = normalize(&u);
        if !out.contains(&n) {
            out.push(n);
            if out.len() >= MAX_DISCOVERED {
                break;
            }
        }
    }
    out
}

/// The outcome of checking the `urls` of a process call.
#[derive(Debug, Default, PartialEq)]
pub struct UrlList {
    /// Valid, normalized, de-duplicated, in the order given.
    pub accepted: Vec<String>,
    /// `(what was given, why it was refused)`.
    pub rejected: Vec<(String, String)>,
}

/// Checks each URL with the outbound guard (`check`), normalizes and de-duplicates them.
pub fn url_list(values: &[Value], check: impl Fn(&str) -> Result<Url, Refusal>) -> UrlList {
    let mut list = UrlList::default();
    for v in values {
        let Some(raw) = v.as_str().map(str::trim) else {
            list.rejected.push((v.to_string(), "The URL must be a string.".into()));
            continue;
        };
        if raw.len() > 2048 {
            list.rejected
                .push((raw.chars().take(64).collect(), "The URL may not be longer than 2048 characters.".into()));
            continue;
        }
        match check(raw) {
            Ok(u) => {
                let n = normalize(&u);
                if !list.accepted.contains(&n) {
                    list.accepted.push(n);
                }
            }
            Err(r) => list.rejected.push((raw.to_string(), r.message().to_string())),
        }
    }
    list
}

/// The body of a training queue message. Attempts are counted in D1 (worker-rs 0.8.7's
/// `Message` has no `attempts()`), so re-deliveries carry the same body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Job {
    pub workspace_id: i64,
    pub item_id: i64,
}

/// Seconds to wait before each retry: `TRAINING_RETRY_SCHEDULE`, e.g. `"10,60,300"`.
/// After the last entry the item fails. Invalid entries fall back to the default.
pub fn retry_schedule(var: &str) -> Vec<u32> {
    let parsed: Option<Vec<u32>> =
        var.split(',').map(|s| s.trim().parse::<u32>().ok().filter(|n| *n <= 43_200)).collect();
    match parsed {
        Some(v) if !v.is_empty() && v.len() <= 10 => v,
        _ => vec![10, 60, 300],
    }
}

/// The delay before the next attempt after failed attempt number `attempt` (1-based), or
/// `None` when the item has had all its attempts.
pub fn next_delay(schedule: &[u32], attempt: i64) -> Option<u32> {
    usize::try_from(attempt - 1).ok().and_then(|i| schedule.get(i).copied())
}

/// Whether an HTTP status is worth another attempt.
pub fn retryable_status(status: u16) -> bool {
    status >= 500 || status == 408 || status == 429
}

/// The FTS5 query for a search: the words of `q`, each quoted (so no FTS syntax from the
/// caller is ever interpreted), any of them, within the agent's scope token.
pub fn fts_query(scope: &str, q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(32)
        .map(|w| format!("\"{}\"", w.to_lowercase()))
        .collect();
    if words.is_empty() {
        return None;
    }
    Some(format!("scope : \"{scope}\" AND ({})", words.join(" OR ")))
}

/// The scope token of an agent's chunks in the full-text index.
pub fn scope_token(agent_id: i64) -> String {
    format!("agent{agent_id}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::outbound::check_url;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn create_types() {
        assert_eq!(create_type(&obj(json!({"type": "text"}))), Ok("text"));
        assert_eq!(create_type(&obj(json!({"type": "qa"}))), Ok("qa"));
        assert_eq!(create_type(&obj(json!({"type": "url"}))), Err(TypeProblem::Url));
        assert_eq!(create_type(&obj(json!({"type": "pdf"}))), Err(TypeProblem::Unsupported("pdf".into())));
        assert!(matches!(create_type(&obj(json!({}))), Err(TypeProblem::Invalid(_))));
        assert!(matches!(create_type(&obj(json!({"type": 3}))), Err(TypeProblem::Invalid(_))));
    }

    #[test]
    fn item_fields() {
        let t = item_input(&obj(json!({"title": "T", "content": "C"})), "text", true).unwrap();
        assert_eq!((t.title, t.content.as_deref()), (Some(Some("T".into())), Some("C")));
        assert!(item_input(&obj(json!({"title": "T"})), "text", true).unwrap_err().has("content"));
        let e = item_input(&obj(json!({"question": "Q"})), "qa", true).unwrap_err();
        assert!(e.has("answer") && !e.has("question"));
        assert!(item_input(&obj(json!({"question": "Q", "answer": "A", "content": "x"})), "qa", true)
            .unwrap_err()
            .has("content"));
        // PATCH: only what is given; type and agent are fixed.
        assert_eq!(item_input(&obj(json!({"answer": "A2"})), "qa", false).unwrap().answer.as_deref(), Some("A2"));
        assert!(item_input(&obj(json!({"type": "qa"})), "text", false).unwrap_err().has("type"));
        assert!(item_input(&obj(json!({"content": "x"})), "url", false).unwrap_err().has("content"));
        assert!(item_input(&obj(json!({"title": "x"})), "url", false).is_ok());
    }

    #[test]
    fn agent_field_accepts_ids_and_uids() {
        let mut e = Errors::new();
        assert_eq!(agent_field(&obj(json!({"agent": 5})), &mut e).as_deref(), Some("5"));
        assert_eq!(agent_field(&obj(json!({"agent": "tweety"})), &mut e).as_deref(), Some("tweety"));
        assert!(e.is_empty());
        assert_eq!(agent_field(&obj(json!({"agent": -1})), &mut e), None);
        assert_eq!(agent_field(&obj(json!({})), &mut e), None);
        assert!(e.has("agent"));
    }

    #[test]
    fn links_are_same_site_resolved_and_unique() {
        let base = Url::parse("https://acme.test/docs/start").unwrap();
        let links = site_links(
            &base,
            [
                "/",
                "guide",
                "guide#part-2",
                "https://acme.test/pricing",
                "https://www.acme.test/about",
                "http://acme.test/plain",
                "https://other.test/",
                "https://acme.test:8443/admin",
                "mailto:help@acme.test",
                "javascript:void(0)",
                "#top",
            ],
        );
        assert_eq!(
            links,
            vec![
                "https://acme.test/",
                "https://acme.test/docs/guide",
                "https://acme.test/pricing",
                "https://www.acme.test/about",
                "http://acme.test/plain",
                "https://acme.test/docs/start",
            ]
        );
        // A site on a port keeps to that port.
        let local = Url::parse("http://127.0.0.1:9000/a").unwrap();
        assert_eq!(site_links(&local, ["/b", "http://127.0.0.1:9001/c"]), vec!["http://127.0.0.1:9000/b"]);
    }

    #[test]
    fn url_lists_are_checked_and_deduplicated() {
        let l = url_list(
            &[
                json!("https://acme.test/a"),
                json!("https://acme.test/a#x"),
                json!(" https://acme.test/b "),
                json!("ftp://acme.test/c"),
                json!("http://127.0.0.1/admin"),
                json!("https://user:pw@acme.test/"),
                json!(7),
            ],
            |u| check_url(u, false),
        );
        assert_eq!(l.accepted, vec!["https://acme.test/a", "https://acme.test/b"]);
        assert_eq!(l.rejected.len(), 4);
        assert_eq!(l.rejected[0].1, "The URL must use http or https.");
        assert!(l.rejected[1].1.contains("loopback"));
    }

    #[test]
    fn retry_schedule_and_delays() {
        assert_eq!(retry_schedule("1,2,3"), vec![1, 2, 3]);
        assert_eq!(retry_schedule("x"), vec![10, 60, 300]);
        assert_eq!(retry_schedule(""), vec![10, 60, 300]);
        let s = [5, 30];
        assert_eq!((next_delay(&s, 1), next_delay(&s, 2), next_delay(&s, 3)), (Some(5), Some(30), None));
        assert!(retryable_status(503) && retryable_status(429) && !retryable_status(404));
    }

    #[test]
    fn fts_queries_quote_every_word() {
        assert_eq!(
            fts_query("agent7", "Refund policy?"),
            Some("scope : \"agent7\" AND (\"refund\" OR \"policy\")".into())
        );
        assert_eq!(
            fts_query("agent7", "a\" OR scope:agent8 NEAR(x"),
            Some("scope : \"agent7\" AND (\"a\" OR \"or\" OR \"scope\" OR \"agent8\" OR \"near\" OR \"x\")".into())
        );
        assert_eq!(fts_query("agent7", "  ?! "), None);
    }
}
