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
        webhook_urls_to_private_addresses_are_refused_without_the_flag,
        subscriptions_crud_secret_and_validation,
        every_agent_and_connection_event_arrives_signed,
        receiver_failing_twice_gets_three_attempts_with_one_webhook_id,
        receiver_that_never_answers_ends_failed_then_retry_and_replay_redeliver,
        failed_batch_leaves_neither_change_nor_event,
        secret_rotation_signs_with_both_secrets,
        workspaces_never_see_each_others_webhooks_or_events,
        cron_sweep_picks_up_a_skipped_enqueue,
        test_event_and_events_listing,
        every_support_data_event_arrives_with_object_and_previous,
        failing_support_writes_emit_nothing,
        function_and_protected_changes_emit_agent_updated,
        every_training_data_event_arrives,
        a_slow_receiver_delays_only_its_own_subscription,
        concurrent_writes_arrive_once_each_in_sequence_order,
        wake_ups_during_retries_never_start_a_second_chain,
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
pub(crate) fn verify(r: &Recorded, secret: &str) -> Value {
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
    let start = crate::harness::rfc3339_in(-5);
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
    // The delivery on its own: the same object as the retry answered.
    let one = w.get(&format!("/v1/webhooks/{whk}/deliveries/{dlv}"), &t.token).expect(200).json();
    assert_eq!(one, retried);
    w.get(&format!("/v1/webhooks/{whk}/deliveries/dlv_nope"), &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    let other = w.tenant();
    w.get(&format!("/v1/webhooks/{whk}/deliveries/{dlv}"), &other.token).expect_error(404, "RESOURCE_NOT_FOUND");

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

/// The envelopes of `type` about resource `id` (`data.object.id`), in `sequence` order.
fn of<'a>(envs: &'a [Value], kind: &str, id: &Value) -> Vec<&'a Value> {
    let mut out: Vec<&Value> = envs.iter().filter(|e| e["type"] == kind && &e["data"]["object"]["id"] == id).collect();
    out.sort_by_key(|e| e["sequence"].as_i64());
    out
}

/// Exactly one envelope of `type` about `id`.
fn one<'a>(envs: &'a [Value], kind: &str, id: &Value) -> &'a Value {
    let found = of(envs, kind, id);
    assert_eq!(found.len(), 1, "{kind} of {id}: {found:?}");
    found[0]
}

fn event_count(w: &World, t: &Tenant, kind: &str) -> i64 {
    w.get(&format!("/v1/events?type={kind}&count_only=true"), &t.token).expect(200).json()["count"]
        .as_i64()
        .unwrap_or(-1)
}

fn every_support_data_event_arrives_with_object_and_previous(w: &World) {
    let t = w.tenant();
    let path = hook_path(&t, "support");
    let (_, secret) = subscribe(w, &t, &path, json!(["*"]));
    let ext = |s: &str| format!("{s}-{}", t.id);

    // Companies: create, PATCH, upsert (new, then existing), delete.
    let co = w.post("/v1/companies", &t.token, &json!({"name": "Acme", "domain": "acme.test"})).expect(201).json();
    let co_id = co["id"].clone();
    let co_patched =
        w.patch(&format!("/v1/companies/{co_id}"), &t.token, &json!({"name": "Acme Inc"})).expect(200).json();
    let co2_path = format!("/v1/companies/by-external-id/{}", ext("globex"));
    let co2 = w.put(&co2_path, &t.token, &json!({"name": "Globex"})).expect(201).json();
    let co2_upserted = w.put(&co2_path, &t.token, &json!({"domain": "globex.test"})).expect(200).json();

    // Customers: create, PATCH, upsert (new), delete.
    let cu = w
        .post("/v1/customers", &t.token, &json!({"name": "Ada", "email": "ada@example.com", "company": co_id}))
        .expect(201)
        .json();
    let cu_id = cu["id"].clone();
    let cu_patched =
        w.patch(&format!("/v1/customers/{cu_id}"), &t.token, &json!({"name": "Ada L."})).expect(200).json();
    let cu2 = w
        .put(&format!("/v1/customers/by-external-id/{}", ext("bob")), &t.token, &json!({"name": "Bob"}))
        .expect(201)
        .json();

    // Conversations: create with a first message, PATCH, assign, snooze, close, a customer's
    // message (re-opens), a note.
    let cv = w
        .post(
            "/v1/conversations",
            &t.token,
            &json!({"customer": cu_id, "subject": "Billing", "message": {"body": "Charged twice."}}),
        )
        .expect(201)
        .json();
    let cv_id = cv["id"].clone();
    let cvp = format!("/v1/conversations/{cv_id}");
    let cv_patched = w.patch(&cvp, &t.token, &json!({"subject": "Billing (urgent)"})).expect(200).json();
    let m = w
        .post("/v1/members", &t.token, &json!({"name": "Mia", "email": format!("mia{}@x.test", t.id)}))
        .expect(201)
        .json();
    let assigned = w
        .post(&format!("{cvp}/assign"), &t.token, &json!({"assignee_type": "member", "assignee_id": m["id"]}))
        .expect(200)
        .json();
    let until = crate::harness::rfc3339_in(3600);
    let snoozed = w.post(&format!("{cvp}/snooze"), &t.token, &json!({"snoozed_until": until})).expect(200).json();
    let closed = w.post(&format!("{cvp}/close"), &t.token, &json!({})).expect(200).json();
    let msg = w
        .post(
            &format!("{cvp}/messages"),
            &t.token,
            &json!({"body": "Still charged.", "sender_type": "customer", "sender_id": cu_id}),
        )
        .expect(201)
        .json();
    let reopened = w.get(&cvp, &t.token).expect(200).json();
    let note = w
        .post(
            &format!("{cvp}/notes"),
            &t.token,
            &json!({"body": "Refund issued.", "sender_type": "member", "sender_id": m["id"]}),
        )
        .expect(201)
        .json();
    let msgs = w.get(&format!("{cvp}/messages"), &t.token).expect(200).json();
    let first_msg = msgs["data"][0].clone();

    // Deletes: the object as it was.
    let cu2_before = w.get(&format!("/v1/customers/{}", cu2["id"]), &t.token).expect(200).json();
    w.delete(&format!("/v1/customers/{}", cu2["id"]), &t.token).expect(204);
    let co2_before = w.get(&format!("/v1/companies/{}", co2["id"]), &t.token).expect(200).json();
    w.delete(&format!("/v1/companies/{}", co2["id"]), &t.token).expect(204);

    wait_for(w, &path, 18, 60);
    std::thread::sleep(Duration::from_millis(1500));
    let got = w.mock.requests(&path);
    assert_eq!(got.len(), 18, "{:?}", got.iter().map(|r| r.body.clone()).collect::<Vec<_>>());
    let envs: Vec<Value> = got.iter().map(|r| verify(r, &secret)).collect();

    // Companies.
    assert_eq!(one(&envs, "company.created", &co_id)["data"]["object"], co);
    assert!(one(&envs, "company.created", &co_id)["data"].get("previous").is_none());
    let e = one(&envs, "company.updated", &co_id);
    assert_eq!(e["data"]["object"], co_patched);
    assert_eq!(e["data"]["previous"]["name"], "Acme");
    assert!(e["data"]["previous"].get("domain").is_none(), "{e}");
    assert_eq!(e["sequence"], 2);
    assert_eq!(one(&envs, "company.created", &co2["id"])["data"]["object"], co2);
    let e = one(&envs, "company.updated", &co2["id"]);
    assert_eq!(e["data"]["object"], co2_upserted);
    assert_eq!(e["data"]["previous"]["domain"], Value::Null);
    let e = one(&envs, "company.deleted", &co2["id"]);
    assert_eq!(e["data"]["object"], co2_before);
    assert_eq!(e["sequence"], 3);

    // Customers.
    assert_eq!(one(&envs, "customer.created", &cu_id)["data"]["object"], cu);
    let e = one(&envs, "customer.updated", &cu_id);
    assert_eq!(e["data"]["object"], cu_patched);
    assert_eq!(e["data"]["previous"]["name"], "Ada");
    assert!(e["data"]["previous"].get("email").is_none(), "{e}");
    assert_eq!(one(&envs, "customer.created", &cu2["id"])["data"]["object"], cu2);
    assert_eq!(one(&envs, "customer.deleted", &cu2["id"])["data"]["object"], cu2_before);

    // Conversations, messages, notes.
    assert_eq!(one(&envs, "conversation.created", &cv_id)["data"]["object"], cv);
    let e = one(&envs, "conversation.updated", &cv_id);
    assert_eq!(e["data"]["object"], cv_patched);
    assert_eq!(e["data"]["previous"]["subject"], "Billing");
    let e = one(&envs, "conversation.assigned", &cv_id);
    assert_eq!(e["data"]["object"], assigned);
    assert_eq!(e["data"]["previous"]["assignee_type"], Value::Null);
    assert_eq!(e["data"]["previous"]["assignee_id"], Value::Null);
    let changes = of(&envs, "conversation.status_changed", &cv_id);
    assert_eq!(changes.len(), 3, "{changes:?}");
    assert_eq!(changes[0]["data"]["object"], snoozed);
    assert_eq!(changes[0]["data"]["previous"]["status"], "open");
    assert_eq!(changes[1]["data"]["object"], closed);
    assert_eq!(changes[1]["data"]["previous"]["status"], "snoozed");
    assert_eq!(changes[2]["data"]["object"]["status"], "open");
    assert_eq!(changes[2]["data"]["object"]["message_count"], reopened["message_count"]);
    assert_eq!(changes[2]["data"]["previous"]["status"], "closed");
    let seqs: Vec<i64> = envs
        .iter()
        .filter(|e| e["data"]["object"]["id"] == cv_id && e["type"].as_str().unwrap().starts_with("conversation."))
        .map(|e| e["sequence"].as_i64().unwrap())
        .collect();
    let mut sorted = seqs.clone();
    sorted.sort();
    assert_eq!(sorted, (1..=6).collect::<Vec<i64>>());
    assert_eq!(one(&envs, "message.created", &first_msg["id"])["data"]["object"], first_msg);
    assert_eq!(one(&envs, "message.created", &msg["id"])["data"]["object"], msg);
    assert_eq!(one(&envs, "note.created", &note["id"])["data"]["object"], note);
    assert!(envs.iter().all(|e| e["workspace_id"] == t.id));
}

fn failing_support_writes_emit_nothing(w: &World) {
    let t = w.tenant();
    let e = format!("dup-{}", t.id);
    let cu = w.post("/v1/customers", &t.token, &json!({"name": "A", "external_id": e})).expect(201).json();
    w.post("/v1/customers", &t.token, &json!({"name": "B", "external_id": e})).expect_invalid("external_id");
    assert_eq!(event_count(w, &t, "customer.created"), 1);
    let other = w.post("/v1/customers", &t.token, &json!({"name": "C"})).expect(201).json();
    w.patch(&format!("/v1/customers/{}", other["id"]), &t.token, &json!({"external_id": e}))
        .expect_invalid("external_id");
    assert_eq!(event_count(w, &t, "customer.updated"), 0);
    w.patch("/v1/customers/999999999", &t.token, &json!({"name": "X"})).expect_error(404, "RESOURCE_NOT_FOUND");
    w.delete("/v1/customers/999999999", &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    assert_eq!(event_count(w, &t, "customer.deleted"), 0);
    let cv = w.post("/v1/conversations", &t.token, &json!({"customer": cu["id"]})).expect(201).json();
    w.post(
        &format!("/v1/conversations/{}/assign", cv["id"]),
        &t.token,
        &json!({"assignee_type": "member", "assignee_id": 999999999}),
    )
    .expect_error(400, "INVALID_ASSIGNEE");
    assert_eq!(event_count(w, &t, "conversation.assigned"), 0);
    assert_eq!(event_count(w, &t, "conversation.created"), 1);
    assert_eq!(event_count(w, &t, "message.created"), 0);
    // Every committed change has its event, and nothing else is there.
    assert_eq!(w.get("/v1/events?count_only=true", &t.token).expect(200).json()["count"], 3);
}

fn function_and_protected_changes_emit_agent_updated(w: &World) {
    let t = w.tenant();
    let path = hook_path(&t, "functions");
    let (_, secret) = subscribe(w, &t, &path, json!(["agent.updated"]));
    let uid = format!("fn-hooked-{}", t.id);
    create(w, &t, agent(&uid));
    let fns = format!("/v1/agents/{uid}/functions");
    let joke = json!({"name": "get_joke", "description": "A joke", "url": "https://api.example.com/joke"});
    let mut after = Vec::new();
    w.post(&fns, &t.token, &joke).expect(201);
    after.push(w.get(&format!("/v1/agents/{uid}"), &t.token).expect(200).json());
    w.patch(&format!("{fns}/get_joke"), &t.token, &json!({"name": "get_pun"})).expect(200);
    after.push(w.get(&format!("/v1/agents/{uid}"), &t.token).expect(200).json());
    w.put(
        &format!("{fns}/get_fact"),
        &t.token,
        &json!({"description": "A fact", "url": "https://api.example.com/fact"}),
    )
    .expect(201);
    after.push(w.get(&format!("/v1/agents/{uid}"), &t.token).expect(200).json());
    w.delete(&format!("{fns}/get_pun"), &t.token).expect(204);
    after.push(w.get(&format!("/v1/agents/{uid}"), &t.token).expect(200).json());
    w.delete(&format!("{fns}/get_pun"), &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    let protect = format!("/admin/v1/workspaces/{}/agents/{uid}", t.id);
    let protected = w.admin("PATCH", &protect, Some(json!({"protected": true}))).expect(200).json();
    after.push(protected.clone());
    // The same value again changes nothing: no event.
    w.admin("PATCH", &protect, Some(json!({"protected": true}))).expect(200);

    let got = wait_for(w, &path, 5, 60);
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(w.mock.requests(&path).len(), 5);
    let mut envs: Vec<Value> = got.iter().map(|r| verify(r, &secret)).collect();
    envs.sort_by_key(|e| e["sequence"].as_i64());
    assert!(envs.iter().all(|e| e["type"] == "agent.updated"));
    for (e, a) in envs.iter().zip(&after) {
        assert_eq!(&e["data"]["object"], a);
    }
    let functions: Vec<Value> = envs.iter().map(|e| e["data"]["object"]["functions"].clone()).collect();
    assert_eq!(
        functions,
        [
            json!(["get_joke"]),
            json!(["get_pun"]),
            json!(["get_pun", "get_fact"]),
            json!(["get_fact"]),
            json!(["get_fact"])
        ]
    );
    assert_eq!(envs[0]["data"]["previous"]["functions"], json!([]));
    assert_eq!(envs[1]["data"]["previous"]["functions"], json!(["get_joke"]));
    assert_eq!(envs[3]["data"]["previous"]["functions"], json!(["get_pun", "get_fact"]));
    assert_eq!(envs[4]["data"]["object"]["protected"], true);
    assert_eq!(envs[4]["data"]["previous"]["protected"], false);
    assert_eq!(event_count(w, &t, "agent.updated"), 5);
}

fn every_training_data_event_arrives(w: &World) {
    let t = w.tenant();
    let path = hook_path(&t, "training");
    let (_, secret) = subscribe(
        w,
        &t,
        &path,
        json!(["training_data.created", "training_data.completed", "training_data.failed", "training_data.deleted"]),
    );
    let a = create(w, &t, agent(&format!("trainee-{}", t.id)));
    let item = w
        .post(
            "/v1/training-data",
            &t.token,
            &json!({"agent": a["id"], "type": "text", "title": "Returns", "content": "Returns take 30 days."}),
        )
        .expect(201)
        .json();
    let id = item["id"].clone();
    let patched = w
        .patch(&format!("/v1/training-data/{id}"), &t.token, &json!({"content": "Returns take 60 days."}))
        .expect(200)
        .json();

    // URL items: created when processed, completed or failed by the training queue. (The
    // text item is deleted after them: training ids are not AUTOINCREMENT.)
    let base = format!("{}/hooksite-{}", w.mock.url, t.id);
    w.mock.answer_raw(
        &format!("/hooksite-{}/ok.html", t.id),
        200,
        "text/html; charset=utf-8",
        "<!doctype html><html><head><title>Shipping</title></head><body><p>We ship worldwide.</p></body></html>",
    );
    w.mock.answer_raw(&format!("/hooksite-{}/gone.html", t.id), 404, "text/plain", "gone");
    let r = w
        .post(
            "/v1/training-data/urls/process",
            &t.token,
            &json!({"agent": a["id"], "urls": [format!("{base}/ok.html"), format!("{base}/gone.html")]}),
        )
        .expect(202)
        .json();
    let ok = r["data"][0].clone();
    let gone = r["data"][1].clone();

    w.delete(&format!("/v1/training-data/{id}"), &t.token).expect(204);
    w.delete(&format!("/v1/training-data/{id}"), &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    let got = wait_for(w, &path, 8, 90);
    std::thread::sleep(Duration::from_millis(1000));
    let types: Vec<String> = w
        .mock
        .requests(&path)
        .iter()
        .map(|r| {
            let e: Value = serde_json::from_str(&r.body).unwrap_or_default();
            format!("{} {} {}", e["type"], e["data"]["object"]["id"], e["data"]["object"]["status"])
        })
        .collect();
    assert_eq!(types.len(), 8, "{types:?}");
    let envs: Vec<Value> = got.iter().map(|r| verify(r, &secret)).collect();
    assert_eq!(one(&envs, "training_data.created", &id)["data"]["object"], item);
    let completed = of(&envs, "training_data.completed", &id);
    assert_eq!(completed.len(), 2);
    assert_eq!(completed[0]["data"]["object"], item);
    assert_eq!(completed[1]["data"]["object"], patched);
    assert_eq!(completed[1]["data"]["previous"]["content"], "Returns take 30 days.");
    assert_eq!(one(&envs, "training_data.deleted", &id)["data"]["object"], patched);
    assert_eq!(one(&envs, "training_data.created", &ok["id"])["data"]["object"], ok);
    assert_eq!(one(&envs, "training_data.created", &gone["id"])["data"]["object"], gone);
    let done = one(&envs, "training_data.completed", &ok["id"]);
    assert_eq!(done["data"]["object"], w.get(&format!("/v1/training-data/{}", ok["id"]), &t.token).expect(200).json());
    assert_eq!(done["data"]["object"]["status"], "completed");
    let failed = one(&envs, "training_data.failed", &gone["id"]);
    assert_eq!(failed["data"]["object"]["status"], "failed");
    assert_eq!(
        failed["data"]["object"],
        w.get(&format!("/v1/training-data/{}", gone["id"]), &t.token).expect(200).json()
    );
}

/// On the worker with ALLOW_PRIVATE_UPSTREAMS off, a subscription to a private or loopback
/// address is refused when it is made, naming `url`.
fn webhook_urls_to_private_addresses_are_refused_without_the_flag(w: &World) {
    let s = w.strict();
    let t = s.tenant();
    for url in [format!("{}/hook", w.mock.url), "http://10.1.2.3/hook".into(), "http://[::1]/hook".into()] {
        s.post("/v1/webhooks", &t.token, &serde_json::json!({"url": url, "events": ["*"]})).expect_invalid("url");
    }
}

fn a_slow_receiver_delays_only_its_own_subscription(w: &World) {
    // Workspace A's receiver takes 1.5 s per call (under OUTBOUND_TIMEOUT_MS: a success).
    let a = w.tenant();
    let slow = hook_path(&a, "slow");
    w.mock.answer_when(&slow, "", 200, json!({"ok": true}), 1500);
    subscribe(w, &a, &slow, json!(["customer.created"]));
    for n in 0..5 {
        w.post("/v1/customers", &a.token, &json!({"external_id": format!("slow-{n}")})).expect(201);
    }
    // Workspace B's event, written right after, does not wait for A's 7.5 s of deliveries.
    let b = w.tenant();
    let fast = hook_path(&b, "fast");
    subscribe(w, &b, &fast, json!(["customer.created"]));
    let written = Instant::now();
    w.post("/v1/customers", &b.token, &json!({"external_id": "fast"})).expect(201);
    wait_for(w, &fast, 1, 20);
    let took = written.elapsed();
    let a_done = w.mock.requests(&slow).len();
    assert!(took < Duration::from_secs(4), "B's event took {took:?} behind A's slow receiver");
    assert!(a_done < 5, "A's receiver already had all {a_done} deliveries: the test proved nothing");
    // A's events all arrive, in order, once each.
    let got = wait_for(w, &slow, 5, 60);
    let ids: Vec<String> = got.iter().map(|r| r.headers["webhook-id"].clone()).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 5, "{ids:?}");
}

fn concurrent_writes_arrive_once_each_in_sequence_order(w: &World) {
    let t = w.tenant();
    let path = hook_path(&t, "order");
    subscribe(w, &t, &path, json!(["customer.created", "customer.updated"]));
    let c = w.post("/v1/customers", &t.token, &json!({"external_id": "ordered"})).expect(201).json();
    let cid = c["id"].as_i64().unwrap();
    // 4 writers, 5 updates each, at once: 21 events of one resource.
    std::thread::scope(|s| {
        for k in 0..4 {
            let t = &t;
            s.spawn(move || {
                for n in 0..5 {
                    let body = json!({"name": format!("writer {k} update {n}")});
                    w.patch(&format!("/v1/customers/{cid}"), &t.token, &body).expect(200);
                }
            });
        }
    });
    let got = wait_for(w, &path, 21, 60);
    std::thread::sleep(Duration::from_millis(1500));
    let got = if w.mock.requests(&path).len() > got.len() { w.mock.requests(&path) } else { got };
    let seqs: Vec<i64> =
        got.iter().map(|r| serde_json::from_str::<Value>(&r.body).unwrap()["sequence"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=21).collect::<Vec<i64>>(), "each event once, in sequence order");
}

fn wake_ups_during_retries_never_start_a_second_chain(w: &World) {
    let t = w.tenant();
    let path = hook_path(&t, "rechain");
    w.mock.fail_times(&path, 4, 500);
    let (whk, _) = subscribe(w, &t, &path, json!(["agent.created"]));
    // Four events, each fan-out waking the sender while the earlier ones wait for retries.
    for n in 0..4 {
        create(w, &t, agent(&format!("rechain-{n}")));
        std::thread::sleep(Duration::from_millis(200));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let done = loop {
        let ds = deliveries(w, &t, &whk);
        if ds.len() == 4 && ds.iter().all(|d| d["status"] == "succeeded") {
            break ds;
        }
        assert!(Instant::now() < deadline, "{ds:?}");
        std::thread::sleep(Duration::from_millis(300));
    };
    // Every request the receiver got is an attempt in some delivery's log: none was sent
    // twice at once, and retries keep their schedule (at least the 1 s of its first step).
    let attempts: i64 = done.iter().map(|d| d["attempt_count"].as_i64().unwrap()).sum();
    assert_eq!(w.mock.requests(&path).len() as i64, attempts);
    for d in &done {
        let at: Vec<i64> = d["attempts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let s = a["at"].as_str().unwrap();
                weav_edge::domain::time::parse_millis(s).unwrap()
            })
            .collect();
        for pair in at.windows(2) {
            assert!(pair[1] - pair[0] >= 950, "attempts {}ms apart: {d}", pair[1] - pair[0]);
        }
    }
}
