//! Idempotency keys (`Idempotency-Key` on every POST under `/v1`): the key rule, the
//! request fingerprint, the claim state machine the `WorkspaceIdempotency` Durable Object
//! runs, and the stored response's wire form. Pure, so every edge (expiry of a dead claim,
//! the 24-hour lifetime, mismatch) is unit-tested on the host with the clock moved by hand.
//!
//! Semantics (as Stripe's API and the IETF Idempotency-Key draft): the first request with
//! a key claims it and runs; its response is stored unless it is a 4xx (nothing ran, so a
//! corrected retry may reuse the key); a later request with the same key and fingerprint
//! gets the stored response; another fingerprint is a mismatch; a twin that finds the
//! claim still running is told to retry. A claim whose request died expires after
//! [`CLAIM_TTL_MS`]; a completed key after [`KEY_TTL_MS`].

use sha2::{Digest, Sha256};

/// An in-progress claim whose request never completed (an isolate reset) frees the key
/// after this long.
pub const CLAIM_TTL_MS: i64 = 60_000;
/// A key (and its stored response) is kept this long after it was claimed.
pub const KEY_TTL_MS: i64 = 24 * 60 * 60 * 1000;
/// Longest key accepted.
pub const MAX_KEY_LEN: usize = 255;

/// 1–255 printable ASCII characters (0x20–0x7E).
pub fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY_LEN && key.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// SHA-256 (hex) of what makes two requests "the same": the method, the canonical route
/// (the `/v1` pattern, so a seed alias shares keys with its route) with its actual path
/// parameters, the query string, and the body bytes. Each part is length-prefixed, so no
/// two different requests can produce the same input.
pub fn fingerprint(method: &str, route: &str, params: &[(String, String)], query: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    let mut part = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    };
    part(method.as_bytes());
    part(route.as_bytes());
    for (name, value) in params {
        part(name.as_bytes());
        part(value.as_bytes());
    }
    part(query.as_bytes());
    part(&Sha256::digest(body));
    super::token::hex(&h.finalize())
}

/// A key's record in the Durable Object.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub fingerprint: String,
    /// When the current claim was made (ms).
    pub created_at: i64,
    /// The request completed and its response is stored.
    pub done: bool,
}

impl Entry {
    /// The instant from which the key is free again.
    pub fn expires_at(&self) -> i64 {
        self.created_at + if self.done { KEY_TTL_MS } else { CLAIM_TTL_MS }
    }
}

/// What a request carrying a key gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The key is free (new, or expired): this request claims it and runs.
    Claim,
    /// Same fingerprint, completed: answer the stored response.
    Replay,
    /// Same fingerprint, still running: 409 `IDEMPOTENCY_IN_PROGRESS`.
    InProgress,
    /// Another method, path or body: 422 `IDEMPOTENCY_KEY_MISMATCH`.
    Mismatch,
}

pub fn decide(entry: Option<&Entry>, fingerprint: &str, now: i64) -> Decision {
    match entry {
        None => Decision::Claim,
        Some(e) if now >= e.expires_at() => Decision::Claim,
        Some(e) if e.fingerprint != fingerprint => Decision::Mismatch,
        Some(e) if e.done => Decision::Replay,
        Some(_) => Decision::InProgress,
    }
}

/// Whether a response is stored. 4xx are refusals before anything ran (validation, a
/// missing resource, a rate limit): the claim is released so that a corrected retry
/// with the same key runs. 2xx, 3xx and 5xx are stored, as Stripe does.
pub fn should_store(status: u16) -> bool {
    !(400..500).contains(&status)
}

/// The Durable Object's answer to a claim, as an HTTP status of its internal response.
pub const CLAIMED: u16 = 201;
pub const REPLAY: u16 = 200;
pub const IN_PROGRESS: u16 = 409;
pub const MISMATCH: u16 = 422;

/// A stored response: what a replay answers byte for byte.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StoredResponse {
    pub status: u16,
    /// Every header the handler set (names as the platform lists them, lower case).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl StoredResponse {
    /// `status (2 bytes) ‖ header count (2) ‖ per header: len (2) name len (2) value ‖ body`,
    /// all big-endian: no base64, no JSON escaping of the body.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.body.len() + 64);
        out.extend_from_slice(&self.status.to_be_bytes());
        let headers: Vec<_> = self
            .headers
            .iter()
            .filter(|(n, v)| n.len() <= u16::MAX as usize && v.len() <= u16::MAX as usize)
            .take(u16::MAX as usize)
            .collect();
        out.extend_from_slice(&(headers.len() as u16).to_be_bytes());
        for (name, value) in headers {
            for s in [name, value] {
                out.extend_from_slice(&(s.len() as u16).to_be_bytes());
                out.extend_from_slice(s.as_bytes());
            }
        }
        out.extend_from_slice(&self.body);
        out
    }

    pub fn decode(bytes: &[u8]) -> Option<StoredResponse> {
        let mut at = 0usize;
        let u16_at = |at: &mut usize| -> Option<u16> {
            let b = bytes.get(*at..*at + 2)?;
            *at += 2;
            Some(u16::from_be_bytes([b[0], b[1]]))
        };
        let status = u16_at(&mut at)?;
        let count = u16_at(&mut at)?;
        let mut headers = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let mut pair = [String::new(), String::new()];
            for s in pair.iter_mut() {
                let len = u16_at(&mut at)? as usize;
                let raw = bytes.get(at..at + len)?;
                at += len;
                *s = String::from_utf8(raw.to_vec()).ok()?;
            }
            let [name, value] = pair;
            headers.push((name, value));
        }
        Some(StoredResponse { status, headers, body: bytes.get(at..)?.to_vec() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_1_to_255_printable_ascii() {
        assert!(valid_key("a"));
        assert!(valid_key("order 42/retry-1"));
        assert!(valid_key(&"k".repeat(255)));
        assert!(!valid_key(""));
        assert!(!valid_key(&"k".repeat(256)));
        assert!(!valid_key("tab\there"));
        assert!(!valid_key("nul\0"));
        assert!(!valid_key("del\x7f"));
        assert!(!valid_key("é"));
    }

    #[test]
    fn fingerprint_covers_method_route_params_query_and_body() {
        let p = |v: &str| vec![("agent".to_string(), v.to_string())];
        let base = fingerprint("POST", "/v1/agents/{agent}/trash", &p("a"), "", b"{}");
        assert_eq!(base.len(), 64);
        assert_eq!(base, fingerprint("POST", "/v1/agents/{agent}/trash", &p("a"), "", b"{}"));
        assert_ne!(base, fingerprint("PUT", "/v1/agents/{agent}/trash", &p("a"), "", b"{}"));
        assert_ne!(base, fingerprint("POST", "/v1/agents/{agent}/restore", &p("a"), "", b"{}"));
        assert_ne!(base, fingerprint("POST", "/v1/agents/{agent}/trash", &p("b"), "", b"{}"));
        assert_ne!(base, fingerprint("POST", "/v1/agents/{agent}/trash", &p("a"), "x=1", b"{}"));
        assert_ne!(base, fingerprint("POST", "/v1/agents/{agent}/trash", &p("a"), "", b"{ }"));
        // Parts are length-prefixed: moving bytes between parts changes the fingerprint.
        assert_ne!(fingerprint("POST", "/v1/x", &[], "ab", b""), fingerprint("POST", "/v1/xa", &[], "b", b""));
    }

    #[test]
    fn claim_state_machine() {
        let fp = "f1";
        let t0 = 1_700_000_000_000;
        assert_eq!(decide(None, fp, t0), Decision::Claim);
        let running = Entry { fingerprint: fp.into(), created_at: t0, done: false };
        assert_eq!(decide(Some(&running), fp, t0 + 10), Decision::InProgress);
        assert_eq!(decide(Some(&running), "f2", t0 + 10), Decision::Mismatch);
        // A claim whose request died frees the key after 60 s, for any fingerprint.
        assert_eq!(decide(Some(&running), fp, t0 + CLAIM_TTL_MS - 1), Decision::InProgress);
        assert_eq!(decide(Some(&running), fp, t0 + CLAIM_TTL_MS), Decision::Claim);
        assert_eq!(decide(Some(&running), "f2", t0 + CLAIM_TTL_MS), Decision::Claim);

        let done = Entry { done: true, ..running };
        assert_eq!(decide(Some(&done), fp, t0 + CLAIM_TTL_MS * 10), Decision::Replay);
        assert_eq!(decide(Some(&done), "f2", t0 + 1), Decision::Mismatch);
    }

    #[test]
    fn completed_keys_live_24_hours() {
        let t0 = 1_700_000_000_000;
        let done = Entry { fingerprint: "f".into(), created_at: t0, done: true };
        let hour = 3_600_000;
        assert_eq!(decide(Some(&done), "f", t0 + 23 * hour), Decision::Replay);
        assert_eq!(decide(Some(&done), "f", t0 + 24 * hour - 1), Decision::Replay);
        assert_eq!(decide(Some(&done), "f", t0 + 24 * hour), Decision::Claim);
        assert_eq!(decide(Some(&done), "other", t0 + 24 * hour), Decision::Claim);
        assert_eq!(done.expires_at(), t0 + KEY_TTL_MS);
    }

    #[test]
    fn four_hundreds_are_released_the_rest_stored() {
        for s in [200, 201, 204, 302, 500, 502, 503] {
            assert!(should_store(s), "{s}");
        }
        for s in [400, 404, 409, 413, 422, 429, 499] {
            assert!(!should_store(s), "{s}");
        }
    }

    #[test]
    fn stored_responses_round_trip() {
        let r = StoredResponse {
            status: 201,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("location".into(), "/v1/agents/7".into()),
            ],
            body: b"{\"id\":7}\x00\xff".to_vec(),
        };
        assert_eq!(StoredResponse::decode(&r.encode()), Some(r));
        let empty = StoredResponse { status: 204, headers: vec![], body: vec![] };
        assert_eq!(StoredResponse::decode(&empty.encode()), Some(empty));
        assert_eq!(StoredResponse::decode(&[0]), None);
        assert_eq!(StoredResponse::decode(&[0, 200, 0, 1, 0, 9]), None);
    }
}
