//! Webhooks, the pure parts: event types, subscription input, the Standard Webhooks
//! signer (HMAC-SHA256 over `sha2`), the retry schedule with jitter, and the limits of
//! what a delivery log keeps.

use super::validate::{Errors, Input};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Every event type the API emits, plus `webhook.test`.
pub const EVENT_TYPES: &[&str] = &[
    "agent.created",
    "agent.updated",
    "agent.trashed",
    "agent.restored",
    "agent.deleted",
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "company.created",
    "company.updated",
    "company.deleted",
    "conversation.created",
    "conversation.updated",
    "conversation.assigned",
    "conversation.status_changed",
    "message.created",
    "note.created",
    "training_data.created",
    "training_data.completed",
    "training_data.failed",
    "training_data.deleted",
    "connection.created",
    "connection.deleted",
    "webhook.test",
    "widget_key.created",
    "widget_key.updated",
    "widget_key.deleted",
];

pub const SECRET_PREFIX: &str = "whsec_";
pub const MAX_URL: usize = 2048;
pub const MAX_DESCRIPTION: usize = 1000;
/// A replay enqueues at most this many deliveries per request (and takes one slot of the
/// workspace's rate-limit window): a replay cannot flood the delivery queue.
pub const MAX_REPLAY: i64 = 100;
/// The part of a receiver's answer the delivery log keeps.
pub const MAX_LOGGED_BODY: usize = 1024;
/// A rotated-out secret keeps signing this long.
pub const PREVIOUS_SECRET_MS: i64 = 24 * 3600 * 1000;
/// A subscription whose deliveries all failed this long is disabled.
pub const DISABLE_AFTER_MS: i64 = 3 * 24 * 3600 * 1000;
/// Events (and their deliveries) are kept this long.
pub const RETENTION_MS: i64 = 30 * 24 * 3600 * 1000;

pub fn is_event_type(t: &str) -> bool {
    EVENT_TYPES.contains(&t)
}

/// The `events` field: a non-empty list of known types, or `["*"]`. Unknown types are
/// named in the message.
pub fn check_events(field: &str, v: &Value, errors: &mut Errors) -> Option<Vec<String>> {
    let Some(items) = v.as_array() else {
        errors.add(field, "The events field must be a list of event types or [\"*\"].");
        return None;
    };
    if items.is_empty() {
        errors.add(field, "The events field must name at least one event type, or \"*\".");
        return None;
    }
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    for item in items {
        match item.as_str() {
            Some(s) if s == "*" || is_event_type(s) => {
                if !out.iter().any(|o| o == s) {
                    out.push(s.to_string());
                }
            }
            Some(s) => unknown.push(s.to_string()),
            None => unknown.push(item.to_string()),
        }
    }
    if !unknown.is_empty() {
        errors.add(field, format!("Unknown event types: {}.", unknown.join(", ")));
        return None;
    }
    if out.len() > 1 && out.iter().any(|s| s == "*") {
        out = vec!["*".into()];
    }
    Some(out)
}

/// A create or PATCH body, checked field by field. `url` is checked for syntax here; the
/// outbound guard (`platform::outbound::check`) runs in the handler.
#[derive(Debug, Default, PartialEq)]
pub struct WebhookInput {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
}

pub fn webhook_input(map: &Map<String, Value>, create: bool) -> Result<WebhookInput, Errors> {
    let mut input = Input::new(map);
    let mut out = WebhookInput::default();
    if create || input.has("url") {
        out.url = input.required_str("url", MAX_URL).map(str::to_string);
        if let Some(problem) = out.url.as_deref().and_then(super::outbound::http_url_problem) {
            input.errors.add("url", problem);
            out.url = None;
        }
    }
    match map.get("events") {
        None if create => input.errors.add("events", "The events field is required."),
        None => {}
        Some(v) => out.events = check_events("events", v, &mut input.errors),
    }
    out.description = input.optional_str("description", MAX_DESCRIPTION).map(|o| o.map(str::to_string));
    match map.get("enabled") {
        None => {}
        Some(Value::Bool(b)) => out.enabled = Some(*b),
        Some(_) => input.errors.add("enabled", "The enabled field must be true or false."),
    }
    input.errors.into_result()?;
    Ok(out)
}

/// `whsec_` + base64 of 32 random bytes.
pub fn new_secret(random: &[u8; 32]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(random))
}

/// The HMAC key of a secret: the base64 after `whsec_` (as the Standard Webhooks
/// libraries read it); a secret that is not base64 is used as raw bytes.
pub fn secret_key(secret: &str) -> Vec<u8> {
    let b64 = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    STANDARD.decode(b64).unwrap_or_else(|_| b64.as_bytes().to_vec())
}

pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut ipad = [0x36u8; 64];
    let mut opad = [0x5cu8; 64];
    for i in 0..64 {
        ipad[i] ^= block[i];
        opad[i] ^= block[i];
    }
    let inner = Sha256::new().chain_update(ipad).chain_update(message).finalize();
    Sha256::new().chain_update(opad).chain_update(inner).finalize().into()
}

/// One `v1,<base64>` signature of `{id}.{timestamp}.{body}`.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut msg = Vec::with_capacity(id.len() + body.len() + 24);
    msg.extend_from_slice(id.as_bytes());
    msg.push(b'.');
    msg.extend_from_slice(timestamp.to_string().as_bytes());
    msg.push(b'.');
    msg.extend_from_slice(body);
    format!("v1,{}", STANDARD.encode(hmac_sha256(&secret_key(secret), &msg)))
}

/// The `webhook-signature` header: one signature per secret, space-separated.
pub fn signature_header(secrets: &[&str], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets.iter().map(|s| sign(s, id, timestamp, body)).collect::<Vec<_>>().join(" ")
}

/// `WEBHOOK_RETRY_SCHEDULE`: seconds before each retry; an unreadable value falls back to
/// the default.
pub fn parse_schedule(raw: &str) -> Vec<u32> {
    let parsed: Option<Vec<u32>> = raw.split(',').map(|p| p.trim().parse::<u32>().ok().filter(|n| *n > 0)).collect();
    match parsed {
        Some(v) if !v.is_empty() => v,
        _ => vec![5, 30, 120, 600, 3600],
    }
}

/// After the schedule, retries come hourly.
pub const TAIL_SECONDS: u32 = 3600;

/// Seconds to wait before the next attempt, after `attempts_done` attempts of a delivery
/// created `elapsed_ms` ago; `None` once the next attempt would fall past `window_ms`
/// (24 h by default): the delivery is then `failed`. `jitter` in [0, 1) adds up to 20%
/// (never earlier than the schedule says).
pub fn next_delay(schedule: &[u32], attempts_done: u32, elapsed_ms: i64, window_ms: i64, jitter: f64) -> Option<u32> {
    if attempts_done == 0 {
        return Some(0);
    }
    let base = schedule.get(attempts_done as usize - 1).copied().unwrap_or(TAIL_SECONDS);
    let jitter = jitter.clamp(0.0, 0.999_999);
    let delay = (base as f64 * (1.0 + 0.2 * jitter)).round() as u32;
    let delay = delay.max(base).max(1);
    if elapsed_ms + delay as i64 * 1000 > window_ms {
        None
    } else {
        Some(delay)
    }
}

/// The first `MAX_LOGGED_BODY` bytes of an answer, cut on a character boundary.
pub fn logged_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX_LOGGED_BODY + 4)]).into_owned();
    let mut end = text.len().min(MAX_LOGGED_BODY);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn signer_matches_the_standard_webhooks_test_vector() {
        // The test vector published with the Standard Webhooks reference libraries.
        let sig = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(crate::domain::token::hex(&mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // A key longer than the block is hashed first (RFC 4231 case 6).
        let mac = hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(crate::domain::token::hex(&mac), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }

    #[test]
    fn two_secrets_give_two_signatures() {
        let h = signature_header(&["whsec_AAAA", "whsec_BBBB"], "evt_1", 1, b"{}");
        let parts: Vec<&str> = h.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| p.starts_with("v1,")));
        assert_ne!(parts[0], parts[1]);
    }

    #[test]
    fn new_secrets_have_the_prefix_and_32_bytes() {
        let s = new_secret(&[7u8; 32]);
        assert!(s.starts_with("whsec_"));
        assert_eq!(secret_key(&s), vec![7u8; 32]);
    }

    #[test]
    fn schedule_parsing() {
        assert_eq!(parse_schedule("5,30,120,600,3600"), vec![5, 30, 120, 600, 3600]);
        assert_eq!(parse_schedule(" 1, 1 ,2"), vec![1, 1, 2]);
        assert_eq!(parse_schedule("x"), vec![5, 30, 120, 600, 3600]);
        assert_eq!(parse_schedule(""), vec![5, 30, 120, 600, 3600]);
        assert_eq!(parse_schedule("0,1"), vec![5, 30, 120, 600, 3600]);
    }

    #[test]
    fn retry_arithmetic_with_jitter_bounds() {
        let s = parse_schedule("5,30,120,600,3600");
        let day = 24 * 3600 * 1000;
        for (n, base) in [(1, 5u32), (2, 30), (3, 120), (4, 600), (5, 3600), (6, 3600), (20, 3600)] {
            for j in [0.0, 0.25, 0.5, 0.999] {
                let d = next_delay(&s, n, 0, day, j).unwrap();
                assert!(d >= base && d as f64 <= base as f64 * 1.2 + 0.5, "attempt {n} jitter {j}: {d}");
            }
            assert_eq!(next_delay(&s, n, 0, day, 0.0), Some(base));
        }
        // Past 24 hours: failed.
        assert_eq!(next_delay(&s, 30, day - 1000, day, 0.0), None);
        assert_eq!(next_delay(&s, 1, day - 6000, day, 0.0), Some(5));
        // Hourly tail until the window closes: 5+30+120+600+3600 = 4355 s, then 3600 s each.
        let mut elapsed = 0i64;
        let mut attempts = 1;
        while let Some(d) = next_delay(&s, attempts, elapsed, day, 0.0) {
            elapsed += d as i64 * 1000;
            attempts += 1;
        }
        assert_eq!(attempts, 1 + 5 + 22);
        assert!(elapsed <= day);
        // Short test schedules: 1, 1, 2 then hourly.
        let t = parse_schedule("1,1,2");
        assert_eq!(next_delay(&t, 1, 0, 20_000, 0.9), Some(1));
        assert_eq!(next_delay(&t, 3, 2_000, 20_000, 0.0), Some(2));
        assert_eq!(next_delay(&t, 4, 4_000, 20_000, 0.0), None);
    }

    #[test]
    fn event_type_validation() {
        let mut e = Errors::new();
        assert_eq!(
            check_events("events", &json!(["agent.created", "agent.created"]), &mut e),
            Some(vec!["agent.created".into()])
        );
        assert_eq!(check_events("events", &json!(["*"]), &mut e), Some(vec!["*".into()]));
        assert!(e.is_empty());
        assert_eq!(check_events("events", &json!(["agent.created", "nope.made", 3]), &mut e), None);
        let msg = &e.0["events"][0];
        assert!(msg.contains("nope.made") && msg.contains('3') && !msg.contains("agent.created"), "{msg}");
        let mut e = Errors::new();
        assert_eq!(check_events("events", &json!([]), &mut e), None);
        assert_eq!(check_events("events", &json!("agent.created"), &mut e), None);
        assert!(EVENT_TYPES.iter().all(|t| is_event_type(t)));
    }

    #[test]
    fn input_rules() {
        let m = |v: Value| v.as_object().unwrap().clone();
        let i = webhook_input(&m(json!({"url": "https://x.test/h", "events": ["*"]})), true).unwrap();
        assert_eq!(i.url.as_deref(), Some("https://x.test/h"));
        let e = webhook_input(&m(json!({})), true).unwrap_err();
        assert!(e.has("url") && e.has("events"));
        let i = webhook_input(&m(json!({"enabled": false})), false).unwrap();
        assert_eq!(i.enabled, Some(false));
        assert!(webhook_input(&m(json!({"enabled": "no"})), false).unwrap_err().has("enabled"));
    }

    #[test]
    fn logged_body_is_cut_at_1_kib_on_a_char_boundary() {
        assert_eq!(logged_body(b"ok"), "ok");
        let long = "é".repeat(1000);
        let cut = logged_body(long.as_bytes());
        assert!(cut.len() <= 1024 && cut.len() >= 1022);
    }
}
