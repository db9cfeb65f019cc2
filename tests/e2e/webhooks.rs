//! Webhooks (issue 9): subscriptions, signed envelopes of every agent and connection
//! event, retries, failure, manual retry, replay, the outbox (a failed batch leaves no
//! event; a skipped enqueue is picked up by the cron sweep), rotation and isolation.
//! The mock upstream is the receiver; each case uses its own path `/hook-<workspace>-...`.

use crate::agents::{agent, create};
use crate::harness::{Tenant, World};
use crate::mock::Recorded;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use weav_edge::domain::webhook::sign;

pub fn cases() -> Vec<crate::Case> {
    crate::cases![
        subscriptions_crud_secret_and_validation,
        every_agent_and_connection_event_arrives_signed,
        receiver_failing_twice_gets_three_attempts_with_one_webhook_id,
        receiver_that_never_answers_ends_failed_then_retry_and_replay_redeliver,
        failed_batch_leaves_neither_change_nor_event,
        secret_rotation_signs_with_both_secrets,
        workspaces_never_see_each_others_webhooks_or_events,
        cron_sweep_picks_up_a_skipped_enqueue,
        test_event_and_events_listing,
    ]
}

fn hook_path(t: &Tenant, name: &str) -> String {
    format!("/hook-{}-{name}", t.id)
}

fn subscribe(w: &World, t: &Tenant, path: &str, events: Value) -> (String, String) {
    let body = json!({"url": format!("{}{path}", w.mock.url), "events": events, "description": "e2e"});
    let r = w.post("/v1/webhooks", &t.token, &body).expect(201).json();
    (r["id"].as_str().expect("id").to_string(), r["secret"].as_str().expect("secret").to_string())
}

/// Waits until the receiver has at least `n` requests at `path`.
fn wait_for(w: &World, path: &str, n: usize, secs: u64) -> Vec<Recorded> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let got = w.mock.requests(path);
        if got.len() >= n {
            return got;
        }
        assert!(Instant::now() < deadline, "{path}: {} of {n} deliveries after {secs} s", got.len());
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Asserts the Standard Webhooks headers: id = envelope id, a fresh timestamp, a valid
/// signature under `secret`. Returns the envelope.
fn verify(r: &Recorded, secret: &str) -> Value {
    let id = r.headers.get("webhook-id").expect("webhook-id");
    let ts: i64 = r.headers.get("webhook-timestamp").expect("webhook-timestamp").parse().expect("unix seconds");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((now - ts).abs() < 300, "timestamp {ts} vs now {now}");
    let sigs = r.headers.get("webhook-signature").expect("webhook-signature");
    let expected = sign(secret, id, ts, r.body.as_bytes());
    assert!(sigs.split(' ').any(|s| s == expected), "no valid signature in {sigs}");
    let env: Value = serde_json::from_str(&r.body).expect("JSON body");
    assert_eq!(env["id"].as_str(), Some(id.as_str()));
    for k in ["id", "type", "created_at", "workspace_id", "sequence", "data"] {
        assert!(!env[k].is_null(), "envelope lacks {k}: {env}");
    }
    assert!(env["data"]["object"].is_object(), "{env}");
    env
}

fn deliveries(w: &World, t: &Tenant, whk: &str) -> Vec<Value> {
    w.get(&format!("/v1/webhooks/{whk}/deliveries?take=100"), &t.token).expect(200).json()["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn wait_delivery_status(w: &World, t: &Tenant, whk: &str, status: &str, secs: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let d = deliveries(w, t, whk);
        if let Some(found) = d.iter().find(|d| d["status"] == status) {
            return found.clone();
        }
        assert!(Instant::now() < deadline, "no {status} delivery after {secs} s: {d:?}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn subscriptions_crud_secret_and_validation(w: &World) {
    let t = w.tenant();
    let url = format!("{}{}", w.mock.url, hook_path(&t, "crud"));
    let bad = w.post("/v1/webhooks", &t.token, &json!({"url": url, "events": ["agent.created", "agent.exploded"]}));
    let body = bad.expect_invalid("events");
    assert!(body["errors"]["events"][0].as_str().unwrap().contains("agent.exploded"), "{body}");
    w.post("/v1/webhooks", &t.token, &json!({"url": "ftp://example.com/x", "events": ["*"]})).expect_invalid("url");
    w.post("/v1/webhooks", &t.token, &json!({"events": ["*"]})).expect_invalid("url");
    w.post("/v1/webhooks", &t.token, &json!({"url": url})).expect_invalid("events");

    let created =
        w.post("/v1/webhooks", &t.token, &json!({"url": url, "events": ["agent.created"]})).expect(201).json();
    let id = created["id"].as_str().unwrap();
    assert!(id.starts_with("whk_"));
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_") && secret.len() == 6 + 44, "{secret}");
    assert_eq!(created["enabled"], true);
    let got = w.get(&format!("/v1/webhooks/{id}"), &t.token).expect(200);
    assert!(!got.body.contains(secret) && got.json()["secret"].is_null());
    let list = w.get("/v1/webhooks", &t.token).expect(200).json();
    assert_eq!(list["count"], 1);
    assert_eq!(list["data"][0]["id"], id);
    let patched = w
        .patch(&format!("/v1/webhooks/{id}"), &t.token, &json!({"events": ["*"], "enabled": false, "description": "x"}))
        .expect(200)
        .json();
    assert_eq!(patched["events"], json!(["*"]));
    assert_eq!(patched["enabled"], false);
    w.patch(&format!("/v1/webhooks/{id}"), &t.token, &json!({"events": ["nope"]})).expect_invalid("events");
    w.delete(&format!("/v1/webhooks/{id}"), &t.token).expect(204);
    w.get(&format!("/v1/webhooks/{id}"), &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
}

fn every_agent_and_connection_event_arrives_signed(w: &World) {
    let t = w.tenant();
    let path = hook_path(&t, "all");
    let (_, secret) = subscribe(w, &t, &path, json!(["*"]));
    let uid = format!("hooked-{}", t.id);
    let a = create(w, &t, agent(&uid));
    w.patch(&format!("/v1/agents/{uid}"), &t.token, &json!({"model": "gpt-4.1-nano"})).expect(200);
    w.send("POST", &format!("/v1/agents/{uid}/trash"), Some(&t.token), None, &[]).expect(204);
    w.send("POST", &format!("/v1/agents/{uid}/restore"), Some(&t.token), None, &[]).expect(204);
    w.delete(&format!("/v1/agents/{uid}"), &t.token).expect(204);
    let conn = w
        .post("/v1/connections", &t.token, &json!({"pieceName": "slack", "credentials": {"access_token": "xoxb-1"}}))
        .expect(201)
        .json();
    let conn_id = conn["id"].as_str().unwrap();
    w.delete(&format!("/v1/connections/{conn_id}"), &t.token).expect(204);

    let got = wait_for(w, &path, 7, 60);
    let envs: Vec<Value> = got.iter().map(|r| verify(r, &secret)).collect();
    let types: Vec<&str> = envs.iter().map(|e| e["type"].as_str().unwrap()).collect();
    let agent_types: Vec<&str> = types.iter().copied().filter(|t| t.starts_with("agent.")).collect();
    assert_eq!(agent_types, ["agent.created", "agent.updated", "agent.trashed", "agent.restored", "agent.deleted"]);
    let conn_types: Vec<&str> = types.iter().copied().filter(|t| t.starts_with("connection.")).collect();
    assert_eq!(conn_types, ["connection.created", "connection.deleted"]);
    let agents: Vec<&Value> = envs.iter().filter(|e| e["type"].as_str().unwrap().starts_with("agent.")).collect();
    for (i, e) in agents.iter().enumerate() {
        assert_eq!(e["sequence"], i as i64 + 1, "{e}");
        assert_eq!(e["workspace_id"], t.id);
        assert_eq!(e["data"]["object"]["id"], a["id"]);
        assert!(e["id"].as_str().unwrap().starts_with("evt_"));
    }
    // created: the agent exactly as the API returned it.
    assert_eq!(agents[0]["data"]["object"], a);
    assert!(agents[0]["data"].get("previous").is_none());
    assert_eq!(agents[1]["data"]["object"]["model"], "gpt-4.1-nano");
    assert_eq!(agents[1]["data"]["previous"]["model"], "gpt-4.1-mini");
    assert_eq!(agents[2]["data"]["object"]["is_trashed"], true);
    assert_eq!(agents[2]["data"]["previous"]["is_trashed"], false);
    assert_eq!(agents[3]["data"]["object"]["is_trashed"], false);
    assert_eq!(agents[4]["data"]["object"]["uid"], uid.as_str());
    let conns: Vec<&Value> = envs.iter().filter(|e| e["type"].as_str().unwrap().starts_with("connection.")).collect();
    assert_eq!(conns[0]["data"]["object"], conn);
    assert_eq!(conns[1]["data"]["object"], conn);
    assert!(got.iter().all(|r| r.method == "POST" && r.headers["content-type"].starts_with("application/json")));
}

fn receiver_failing_twice_gets_three_attempts_with_one_webhook_id(w: &World) {
    let t = w.tenant();
    let path = hook_path(&t, "flaky");
    w.mock.fail_times(&path, 2, 500);
    let (whk, secret) = subscribe(w, &t, &path, json!(["agent.created"]));
    create(w, &t, agent("flaky-one"));
    let got = wait_for(w, &path, 3, 60);
    let ids: Vec<&String> = got.iter().map(|r| &r.headers["webhook-id"]).collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
    for r in &got {
        verify(r, &secret);
    }
    let d = wait_delivery_status(w, &t, &whk, "succeeded", 30);
    assert_eq!(d["attempt_count"], 3, "{d}");
    let statuses: Vec<i64> = d["attempts"].as_array().unwrap().iter().map(|a| a["status"].as_i64().unwrap()).collect();
    assert_eq!(statuses, [500, 500, 200]);
    assert!(d["attempts"][0]["response_body"].as_str().unwrap().contains("mock failure"));
    assert!(d["attempts"][0]["duration_ms"].is_i64() && d["attempts"][0]["at"].is_string());
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(w.mock.requests(&path).len(), 3, "no attempt after the success");
}

fn receiver_that_never_answers_ends_failed_then_retry_and_replay_redeliver(w: &World) {
    let t = w.tenant();
    let start = chrono_like_now(-5);
    let slow = format!("{}/slow/3000", hook_path(&t, "dead"));
    let (whk, _) = subscribe(w, &t, &slow, json!(["agent.created"]));
    create(w, &t, agent("dead-receiver"));
    let failed = wait_delivery_status(w, &t, &whk, "failed", 90);
    let n = failed["attempt_count"].as_i64().unwrap();
    assert!(n >= 2, "{failed}");
    assert!(failed["attempts"].as_array().unwrap().iter().all(|a| a["status"].is_null() && a["error"].is_string()));
    assert!(failed["next_attempt_at"].is_null());

    // The receiver is fixed: a manual retry delivers now.
    let good = hook_path(&t, "fixed");
    w.patch(&format!("/v1/webhooks/{whk}"), &t.token, &json!({"url": format!("{}{good}", w.mock.url)})).expect(200);
    let dlv = failed["id"].as_str().unwrap();
    let retried =
        w.post(&format!("/v1/webhooks/{whk}/deliveries/{dlv}/retry"), &t.token, &json!({})).expect(200).json();
    assert_eq!(retried["status"], "succeeded", "{retried}");
    assert_eq!(retried["attempt_count"], n + 1);
    assert_eq!(w.mock.requests(&good).len(), 1);

    // Replay the window: the event is delivered once more, with the same webhook-id.
    let r = w.post(&format!("/v1/webhooks/{whk}/replay"), &t.token, &json!({"since": start})).expect(202).json();
    assert_eq!(r["replayed"], 1, "{r}");
    let got = wait_for(w, &good, 2, 30);
    assert_eq!(got[0].headers["webhook-id"], got[1].headers["webhook-id"]);
    w.post(&format!("/v1/webhooks/{whk}/replay"), &t.token, &json!({"since": "yesterday"})).expect_invalid("since");
    w.post(&format!("/v1/webhooks/{whk}/replay"), &t.token, &json!({"since": start, "types": ["x.y"]}))
        .expect_invalid("types");
    w.post(&format!("/v1/webhooks/{whk}/deliveries/dlv_nope/retry"), &t.token, &json!({}))
        .expect_error(404, "RESOURCE_NOT_FOUND");
}

/// RFC 3339 for now + `offset_secs`, from the system clock.
fn chrono_like_now(offset_secs: i64) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    weav_edge::domain::time::format_millis(now + offset_secs * 1000)
}

fn failed_batch_leaves_neither_change_nor_event(w: &World) {
    let t = w.tenant();
    create(w, &t, agent("only-once"));
    // The second create's batch fails on the UNIQUE uid: no agent, no event.
    w.post("/v1/agents", &t.token, &json!({"uid": "only-once", "name": "Other", "provider": "openai", "model": "m"}))
        .expect_invalid("uid");
    let events = w.get("/v1/events?type=agent.created", &t.token).expect(200).json();
    assert_eq!(events["count"], 1, "{events}");
    assert_eq!(w.get("/v1/agents", &t.token).expect(200).json()["count"], 1);
    // And every committed change has exactly its event.
    w.patch("/v1/agents/only-once", &t.token, &json!({"name": "Renamed"})).expect(200);
    let all = w.get("/v1/events", &t.token).expect(200).json();
    assert_eq!(all["count"], 2);
    assert_eq!(all["data"][1]["type"], "agent.updated");
    assert_eq!(all["data"][1]["sequence"], 2);
}

fn secret_rotation_signs_with_both_secrets(w: &World) {
    let t = w.tenant();
    let path = hook_path(&t, "rotate");
    let (whk, old) = subscribe(w, &t, &path, json!(["*"]));
    let rotated = w.post(&format!("/v1/webhooks/{whk}/rotate-secret"), &t.token, &json!({})).expect(200).json();
    let new = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert!(rotated["previous_secret_expires_at"].is_string());
    let d = w.post(&format!("/v1/webhooks/{whk}/test"), &t.token, &json!({})).expect(200).json();
    assert_eq!(d["status"], "succeeded", "{d}");
    let got = wait_for(w, &path, 1, 10);
    let sigs = got[0].headers["webhook-signature"].clone();
    assert_eq!(sigs.split(' ').count(), 2, "{sigs}");
    verify(&got[0], &old);
    verify(&got[0], &new);
}

fn workspaces_never_see_each_others_webhooks_or_events(w: &World) {
    let a = w.tenant();
    let b = w.tenant();
    let (whk, _) = subscribe(w, &a, &hook_path(&a, "iso"), json!(["*"]));
    create(w, &a, agent("isolated"));
    let evs = w.get("/v1/events", &a.token).expect(200).json();
    let evt = evs["data"][0]["id"].as_str().unwrap().to_string();
    w.get(&format!("/v1/webhooks/{whk}"), &b.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.patch(&format!("/v1/webhooks/{whk}"), &b.token, &json!({"enabled": false}))
        .expect_error(404, "RESOURCE_NOT_FOUND");
    w.delete(&format!("/v1/webhooks/{whk}"), &b.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.get(&format!("/v1/webhooks/{whk}/deliveries"), &b.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.post(&format!("/v1/webhooks/{whk}/test"), &b.token, &json!({})).expect_error(404, "RESOURCE_NOT_FOUND");
    w.get(&format!("/v1/events/{evt}"), &b.token).expect_error(404, "RESOURCE_NOT_FOUND");
    assert_eq!(w.get("/v1/events", &b.token).expect(200).json()["count"], 0);
    assert_eq!(w.get("/v1/webhooks", &b.token).expect(200).json()["count"], 0);
    w.get(&format!("/v1/events/{evt}"), &a.token).expect(200);
}

fn cron_sweep_picks_up_a_skipped_enqueue(w: &World) {
    let t = w.tenant();
    let path = hook_path(&t, "sweep");
    let (_, secret) = subscribe(w, &t, &path, json!(["agent.created"]));
    let body = agent("swept").to_string();
    w.send("POST", "/v1/agents", Some(&t.token), Some(&body), &[("X-Test-Skip-Enqueue", "1")]).expect(201);
    std::thread::sleep(Duration::from_secs(3));
    assert!(w.mock.requests(&path).is_empty(), "delivered without an enqueue");
    w.send("GET", "/__scheduled?cron=*+*+*+*+*", None, None, &[]);
    let got = wait_for(w, &path, 1, 30);
    let env = verify(&got[0], &secret);
    assert_eq!(env["type"], "agent.created");
    assert_eq!(env["data"]["object"]["uid"], "swept");
}

fn test_event_and_events_listing(w: &World) {
    let t = w.tenant();
    let path = hook_path(&t, "test");
    let (whk, secret) = subscribe(w, &t, &path, json!(["agent.deleted"]));
    let d = w.post(&format!("/v1/webhooks/{whk}/test"), &t.token, &json!({})).expect(200).json();
    assert_eq!(d["status"], "succeeded");
    assert!(d["id"].as_str().unwrap().starts_with("dlv_"));
    let got = wait_for(w, &path, 1, 10);
    let env = verify(&got[0], &secret);
    assert_eq!(env["type"], "webhook.test");
    assert_eq!(w.get(&format!("/v1/events/{}", env["id"].as_str().unwrap()), &t.token).expect(200).json(), env);
    create(w, &t, agent("listed"));
    let list = w.get("/v1/events?order_by=created_at%20desc&take=1", &t.token).expect(200).json();
    assert_eq!(list["data"][0]["type"], "agent.created");
    assert_eq!(list["count"], 2);
    assert_eq!(list["end"], 1);
    w.get("/v1/events?type=agent.blown", &t.token).expect_invalid("type");
    let only = w.get("/v1/events?type=webhook.test&count_only=true", &t.token).expect(200).json();
    assert_eq!(only, json!({"count": 1}));
    let mine = deliveries(w, &t, &whk);
    assert_eq!(mine.len(), 1, "agent.created is not subscribed: {mine:?}");
    w.get(&format!("/v1/webhooks/{whk}/deliveries?status=bogus"), &t.token).expect_invalid("status");
}
