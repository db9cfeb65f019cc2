//! Idempotency keys (issue 10): every POST under `/v1` (and its seed aliases) may carry an
//! `Idempotency-Key`; the work runs once per key and workspace, concurrent twins included.
//! Each case uses its own workspace, its own keys and its own upstream paths.

use crate::agents::agent;
use crate::harness::{Resp, Tenant, World};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub fn cases() -> Vec<crate::Case> {
    crate::cases![
        create_twice_with_one_key_makes_one_agent_and_replays_the_response,
        alias_path_shares_keys_with_its_v1_route,
        same_key_with_another_body_or_path_is_a_mismatch,
        invalid_keys_are_400,
        concurrent_creates_with_one_key_make_one_agent,
        concurrent_executes_with_one_key_call_upstream_once,
        execute_replay_calls_upstream_once_and_counts_quota_once,
        a_4xx_is_not_stored_so_a_corrected_retry_runs,
        keys_are_scoped_to_the_workspace,
        requests_without_the_header_are_unaffected,
        a_204_is_replayed_without_a_body,
    ]
}

const EXECUTE: &str = "/v1/actions/execute";

fn uniq(tag: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{tag}-{}-{}-{nanos}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

fn post_key(w: &World, t: &Tenant, path: &str, body: &Value, key: &str) -> Resp {
    w.send("POST", path, Some(&t.token), Some(&body.to_string()), &[("Idempotency-Key", key)])
}

fn agent_count(w: &World, t: &Tenant) -> i64 {
    w.get("/v1/agents?count_only=true", &t.token).expect(200).json()["count"].as_i64().expect("count")
}

#[track_caller]
fn assert_replay_of(first: &Resp, again: &Resp) {
    assert_eq!(again.status, first.status, "{}", again.body);
    assert_eq!(again.bytes, first.bytes, "the replay is byte for byte");
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(first.header("idempotent-replayed"), None);
    assert_eq!(again.header("content-type"), first.header("content-type"));
    let (a, b) = (first.header("x-request-id"), again.header("x-request-id"));
    assert!(a.is_some() && b.is_some() && a != b, "each request has its own X-Request-Id: {a:?} {b:?}");
}

fn create_twice_with_one_key_makes_one_agent_and_replays_the_response(w: &World) {
    let t = w.tenant();
    let key = uniq("create");
    let first = post_key(w, &t, "/v1/agents", &agent("tweety"), &key).expect(201);
    let again = post_key(w, &t, "/v1/agents", &agent("tweety"), &key).expect(201);
    assert_replay_of(&first, &again);
    assert_eq!(agent_count(w, &t), 1);
}

fn alias_path_shares_keys_with_its_v1_route(w: &World) {
    let t = w.tenant();
    let key = uniq("alias");
    let first = post_key(w, &t, "/v1/agents", &agent("alias-bird"), &key).expect(201);
    let again = post_key(w, &t, "/api/agents", &agent("alias-bird"), &key).expect(201);
    assert_replay_of(&first, &again);
    // And the other way round, on a path with a parameter.
    let key = uniq("trash");
    post_key(w, &t, "/api/agents/alias-bird/trash", &json!({}), &key).expect(204);
    let again = post_key(w, &t, "/v1/agents/alias-bird/trash", &json!({}), &key).expect(204);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(agent_count(w, &t), 0);
}

fn same_key_with_another_body_or_path_is_a_mismatch(w: &World) {
    let t = w.tenant();
    let key = uniq("mismatch");
    post_key(w, &t, "/v1/agents", &agent("first"), &key).expect(201);
    let body = post_key(w, &t, "/v1/agents", &agent("second"), &key).expect_error(422, "IDEMPOTENCY_KEY_MISMATCH");
    assert!(body["error"].as_str().unwrap_or_default().contains("Idempotency-Key"), "{body}");
    post_key(w, &t, "/v1/connections", &agent("first"), &key).expect_error(422, "IDEMPOTENCY_KEY_MISMATCH");
    post_key(w, &t, "/v1/agents/first/trash", &agent("first"), &key).expect_error(422, "IDEMPOTENCY_KEY_MISMATCH");
    // On execute the error is in the actions family, like every error of that route.
    let r = post_key(w, &t, EXECUTE, &agent("first"), &key).expect(422);
    let v = r.json();
    assert_eq!(v["error"], "IDEMPOTENCY_KEY_MISMATCH", "{v}");
    assert!(v["message"].is_string() && v["request_id"].is_string(), "{v}");
    assert_eq!(agent_count(w, &t), 1);
}

fn invalid_keys_are_400(w: &World) {
    let t = w.tenant();
    let long = "k".repeat(256);
    for bad in ["", long.as_str(), "tab\there"] {
        post_key(w, &t, "/v1/agents", &agent("never"), bad).expect_error(400, "INVALID_IDEMPOTENCY_KEY");
    }
    let r = post_key(w, &t, EXECUTE, &json!({}), "").expect(400);
    assert_eq!(r.json()["error"], "INVALID_IDEMPOTENCY_KEY");
    assert_eq!(agent_count(w, &t), 0);
    // 255 printable characters, spaces included, are a key.
    let ok = format!("a b{}", "k".repeat(252));
    post_key(w, &t, "/v1/agents", &agent("longest"), &ok).expect(201);
    post_key(w, &t, "/v1/agents", &agent("longest"), &ok).expect(201);
    assert_eq!(agent_count(w, &t), 1);
}

fn concurrent_creates_with_one_key_make_one_agent(w: &World) {
    let t = w.tenant();
    let key = uniq("twins");
    let resps: Vec<Resp> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..4).map(|_| s.spawn(|| post_key(w, &t, "/v1/agents", &agent("twin"), &key))).collect();
        hs.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    let created: Vec<&Resp> = resps.iter().filter(|r| r.status == 201).collect();
    assert!(!created.is_empty(), "{:?}", resps.iter().map(|r| (r.status, &r.body)).collect::<Vec<_>>());
    for r in &resps {
        match r.status {
            201 => assert_eq!(r.bytes, created[0].bytes),
            409 => {
                assert_eq!(r.json()["code"], "IDEMPOTENCY_IN_PROGRESS", "{}", r.body);
                assert_eq!(r.header("retry-after"), Some("1"));
            }
            other => panic!("unexpected {other}: {}", r.body),
        }
    }
    let ran = created.iter().filter(|r| r.header("idempotent-replayed").is_none()).count();
    assert_eq!(ran, 1, "exactly one request ran");
    assert_eq!(agent_count(w, &t), 1);
}

fn concurrent_executes_with_one_key_call_upstream_once(w: &World) {
    let t = w.tenant();
    let prefix = format!("/{}", uniq("idem-twins"));
    // The upstream answers after 1.5 s: the twin arrives while the first is still running.
    let body = json!({"pieceName": "http", "actionName": "send_request",
                      "input": {"method": "POST", "url": format!("{}{prefix}/slow/1500", w.mock.url)}});
    let key = uniq("exec-twins");
    let (a, b) = std::thread::scope(|s| {
        let first = s.spawn(|| post_key(w, &t, EXECUTE, &body, &key));
        std::thread::sleep(std::time::Duration::from_millis(300));
        let second = s.spawn(|| post_key(w, &t, EXECUTE, &body, &key));
        (first.join().expect("thread"), second.join().expect("thread"))
    });
    // Normally the first one runs; on a loaded machine the second may claim first.
    let (a, b) = if a.status == 409 { (b, a) } else { (a, b) };
    let a = a.expect(200);
    assert_eq!(a.json()["success"], true, "{}", a.body);
    assert_eq!(a.header("idempotent-replayed"), None);
    let b = b.expect(409);
    let v = b.json();
    assert_eq!(v["error"], "IDEMPOTENCY_IN_PROGRESS", "{v}");
    assert!(v["message"].is_string(), "{v}");
    assert_eq!(b.header("retry-after"), Some("1"));
    assert_eq!(w.mock.requests(&prefix).len(), 1, "one upstream call");
    // Retried after the first finished: the stored response.
    let again = post_key(w, &t, EXECUTE, &body, &key).expect(200);
    assert_replay_of(&a, &again);
    assert_eq!(w.mock.requests(&prefix).len(), 1, "still one upstream call");
}

fn execute_replay_calls_upstream_once_and_counts_quota_once(w: &World) {
    let t = w.tenant();
    let prefix = format!("/{}", uniq("idem-exec"));
    let body = json!({"pieceName": "http", "actionName": "send_request",
                      "input": {"method": "POST", "url": format!("{}{prefix}/echo", w.mock.url), "body": {"n": 1}}});
    let key = uniq("exec");
    let first = post_key(w, &t, EXECUTE, &body, &key).expect(200);
    assert_eq!(first.json()["success"], true, "{}", first.body);
    let again = post_key(w, &t, EXECUTE, &body, &key).expect(200);
    assert_replay_of(&first, &again);
    // The stored rate-limit headers come back as they were.
    for h in ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"] {
        assert!(first.header(h).is_some(), "{h}");
        assert_eq!(again.header(h), first.header(h), "{h}");
    }
    // The seed alias shares the key too.
    let alias = post_key(w, &t, "/api/v1/actions/execute", &body, &key).expect(200);
    assert_replay_of(&first, &alias);
    assert_eq!(w.mock.requests(&prefix).len(), 1, "one upstream call");
    let usage = w.get("/v1/usage", &t.token).expect(200).json();
    assert_eq!(usage["actions"]["used"], 1, "{usage}");
    // A new key runs again.
    post_key(w, &t, EXECUTE, &body, &uniq("exec2")).expect(200);
    assert_eq!(w.mock.requests(&prefix).len(), 2);
    assert_eq!(w.get("/v1/usage", &t.token).expect(200).json()["actions"]["used"], 2);
}

fn a_4xx_is_not_stored_so_a_corrected_retry_runs(w: &World) {
    let t = w.tenant();
    let key = uniq("fix");
    let mut bad = agent("fixed");
    bad["provider"] = json!("nope");
    post_key(w, &t, "/v1/agents", &bad, &key).expect(422);
    let ok = post_key(w, &t, "/v1/agents", &agent("fixed"), &key).expect(201);
    assert_eq!(ok.header("idempotent-replayed"), None);
    assert_eq!(agent_count(w, &t), 1);

    // Execute: a 400 VALIDATION_ERROR, then the corrected request with the same key.
    let prefix = format!("/{}", uniq("idem-fix"));
    let key = uniq("fix-exec");
    let missing = json!({"pieceName": "http", "actionName": "send_request"});
    let r = post_key(w, &t, EXECUTE, &missing, &key).expect(400);
    assert_eq!(r.json()["error"], "VALIDATION_ERROR");
    let good = json!({"pieceName": "http", "actionName": "send_request",
                      "input": {"method": "GET", "url": format!("{}{prefix}/echo", w.mock.url)}});
    let r = post_key(w, &t, EXECUTE, &good, &key).expect(200);
    assert_eq!(r.header("idempotent-replayed"), None);
    assert_eq!(w.mock.requests(&prefix).len(), 1);
}

fn keys_are_scoped_to_the_workspace(w: &World) {
    let (a, b) = (w.tenant(), w.tenant());
    let key = uniq("shared");
    let ra = post_key(w, &a, "/v1/agents", &agent("scoped"), &key).expect(201);
    let rb = post_key(w, &b, "/v1/agents", &agent("scoped"), &key).expect(201);
    assert_eq!(rb.header("idempotent-replayed"), None);
    assert_ne!(ra.json()["id"], rb.json()["id"]);
    assert_eq!(agent_count(w, &a), 1);
    assert_eq!(agent_count(w, &b), 1);
    // Another body in B with A's key is no mismatch in A.
    post_key(w, &b, "/v1/agents", &agent("other"), &key).expect_error(422, "IDEMPOTENCY_KEY_MISMATCH");
    let again = post_key(w, &a, "/v1/agents", &agent("scoped"), &key).expect(201);
    assert_replay_of(&ra, &again);
}

fn requests_without_the_header_are_unaffected(w: &World) {
    let t = w.tenant();
    let first = w.post("/v1/agents", &t.token, &agent("plain-1")).expect(201);
    assert_eq!(first.header("idempotent-replayed"), None);
    w.post("/v1/agents", &t.token, &agent("plain-1")).expect_invalid("uid");
    w.post("/v1/agents", &t.token, &agent("plain-2")).expect(201);
    assert_eq!(agent_count(w, &t), 2);
    // Other methods ignore the header.
    let r = w.send(
        "PATCH",
        "/v1/agents/plain-1",
        Some(&t.token),
        Some(&json!({"model": "gpt-4.1-nano"}).to_string()),
        &[("Idempotency-Key", "")],
    );
    r.expect(200);
}

fn a_204_is_replayed_without_a_body(w: &World) {
    let t = w.tenant();
    w.post("/v1/agents", &t.token, &agent("restorable")).expect(201);
    w.send("POST", "/v1/agents/restorable/trash", Some(&t.token), None, &[]).expect(204);
    let key = uniq("restore");
    let first =
        w.send("POST", "/v1/agents/restorable/restore", Some(&t.token), None, &[("Idempotency-Key", &key)]).expect(204);
    assert!(first.bytes.is_empty());
    let again =
        w.send("POST", "/v1/agents/restorable/restore", Some(&t.token), None, &[("Idempotency-Key", &key)]).expect(204);
    assert!(again.bytes.is_empty());
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(agent_count(w, &t), 1);
}
