//! Every route that calls out shares the workspace's exact sliding window with execute:
//! function invoke, webhook test / retry / replay, training discover / process / resync.
//! 429s, the X-RateLimit-* and IETF RateLimit headers, usage by kind, and reads that
//! take no slot.

use crate::agents::{agent, create};
use crate::harness::{Tenant, World};
use serde_json::{json, Value};

pub fn cases() -> Vec<crate::Case> {
    crate::cases![outbound_routes_share_the_window_with_execute, replay_enqueues_at_most_100_and_counts_once,]
}

fn limited(w: &World, limit: i64) -> Tenant {
    let ws = w.workspace_with(json!({"name": "limited", "rate_limit": {"limit": limit, "window_seconds": 60}}));
    let id = ws["id"].as_i64().expect("id");
    Tenant { id, token: w.token_for(id, &["external-api:read", "external-api:write"]) }
}

fn usage(w: &World, t: &Tenant) -> Value {
    w.get("/v1/usage", &t.token).expect(200).json()
}

fn outbound_routes_share_the_window_with_execute(w: &World) {
    let t = limited(w, 4);
    create(w, &t, agent("lim"));
    let path = format!("/limits-{}/fn", t.id);
    let f = json!({"name": "f", "description": "d", "url": format!("{}{path}", w.mock.url)});
    w.post("/v1/agents/lim/functions", &t.token, &f).expect(201);
    let hook = json!({"url": format!("{}/limits-{}/hook", w.mock.url, t.id), "events": ["*"]});
    let whk = w.post("/v1/webhooks", &t.token, &hook).expect(201).json()["id"].as_str().unwrap().to_string();
    // Writes and reads take no slot.
    assert_eq!(usage(w, &t)["rate_limit"]["remaining"], 4);

    // 1: invoke, with both header families.
    let r = w.post("/v1/agents/lim/functions/f/invoke", &t.token, &json!({})).expect(200);
    assert_eq!(r.header("x-ratelimit-limit"), Some("4"));
    assert_eq!(r.header("x-ratelimit-remaining"), Some("3"));
    assert_eq!(r.header("ratelimit-policy"), Some("\"workspace\";q=4;w=60"));
    let rl = r.header("ratelimit").unwrap_or_default().to_string();
    assert!(rl.starts_with("\"workspace\";r=3;t="), "{rl}");
    let t_secs: i64 = rl.rsplit("t=").next().unwrap().parse().unwrap();
    assert!((0..=60).contains(&t_secs), "{rl}");
    // 2: a webhook test; 3: a discover (its own answer does not matter); 4: execute.
    w.post(&format!("/v1/webhooks/{whk}/test"), &t.token, &json!({})).expect(200);
    let page = format!("{}/limits-{}/page", w.mock.url, t.id);
    let d = w.post("/v1/training-data/urls/discover", &t.token, &json!({"agent": "lim", "url": page}));
    assert_eq!(d.header("x-ratelimit-remaining"), Some("1"), "{}", d.status);
    let exec = json!({"pieceName": "http", "actionName": "send_request",
                      "input": {"method": "GET", "url": format!("{}/limits-{}/x", w.mock.url, t.id)}});
    w.post("/v1/actions/execute", &t.token, &exec).expect(200);
    assert_eq!(w.mock.requests(&path).len(), 1);

    // The window is full: invoke is a 429 of the standard family, with no outbound call.
    let r = w.post("/v1/agents/lim/functions/f/invoke", &t.token, &json!({}));
    let retry = r.header("retry-after").unwrap_or_default().parse::<i64>().unwrap_or(0);
    assert!(retry >= 1, "Retry-After {retry}");
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    assert!(r.header("ratelimit").is_some_and(|v| v.starts_with("\"workspace\";r=0;")));
    let body = r.expect_error(429, "RATE_LIMITED");
    assert_eq!(body["retry_after"], retry);
    assert_eq!(body["error"], format!("Rate limit exceeded. Try again in {retry} seconds."));
    assert_eq!(w.mock.requests(&path).len(), 1, "a refused invoke calls nothing");
    // The others too; execute keeps its own family.
    w.post(&format!("/v1/webhooks/{whk}/test"), &t.token, &json!({})).expect_error(429, "RATE_LIMITED");
    for p in ["/v1/training-data/urls/process", "/v1/training-data/urls/resync"] {
        w.post(p, &t.token, &json!({"agent": "lim", "urls": [page]})).expect_error(429, "RATE_LIMITED");
    }
    w.post(&format!("/v1/webhooks/{whk}/replay"), &t.token, &json!({"since": "2026-01-01T00:00:00Z"}))
        .expect_error(429, "RATE_LIMITED");
    let e = w.post("/v1/actions/execute", &t.token, &exec).expect(429).json();
    assert_eq!(e["error"], "RATE_LIMITED");
    // The refused calls changed nothing: no url item, no new delivery, no page fetched.
    assert_eq!(w.get("/v1/training-data?count_only=true", &t.token).expect(200).json()["count"], 0);
    let deliveries = w.get(&format!("/v1/webhooks/{whk}/deliveries"), &t.token).expect(200).json();
    assert_eq!(deliveries["count"], 1, "only the first test's delivery: {deliveries}");
    assert_eq!(w.mock.requests(&format!("/limits-{}/page", t.id)).len(), 1, "only the first discover");
    // Reads stay free and carry no rate-limit headers.
    let list = w.get("/v1/agents", &t.token).expect(200);
    assert!(list.header("x-ratelimit-remaining").is_none());

    // Usage: the window and the month by kind.
    let u = usage(w, &t);
    let by_kind = &u["rate_limit"]["by_kind"];
    assert_eq!(u["rate_limit"]["remaining"], 0);
    for (kind, n) in [("execute", 1), ("function_invoke", 1), ("webhook_test", 1), ("training_discover", 1)] {
        assert_eq!(by_kind[kind], n, "{kind}: {u}");
        assert_eq!(u["calls"][kind], n, "{kind}: {u}");
    }
    for kind in ["webhook_retry", "webhook_replay", "training_process", "training_resync"] {
        assert_eq!(by_kind[kind], 0, "{kind}: {u}");
    }
    // A workspace's window is its own.
    let other = limited(w, 4);
    assert_eq!(usage(w, &other)["rate_limit"]["remaining"], 4);
}

fn replay_enqueues_at_most_100_and_counts_once(w: &World) {
    let t = limited(w, 1000);
    let since = crate::harness::rfc3339_in(-5);
    let hook = json!({"url": format!("{}/replay-{}/hook", w.mock.url, t.id), "events": ["customer.created"]});
    let whk = w.post("/v1/webhooks", &t.token, &hook).expect(201).json()["id"].as_str().unwrap().to_string();
    for n in 0..105 {
        w.post("/v1/customers", &t.token, &json!({"external_id": format!("c{n}"), "name": "n"})).expect(201);
    }
    let before = usage(w, &t)["rate_limit"]["remaining"].as_i64().unwrap();
    let r = w.post(&format!("/v1/webhooks/{whk}/replay"), &t.token, &json!({"since": since})).expect(202).json();
    assert_eq!(r["replayed"], 100, "{r}");
    let after = usage(w, &t);
    assert_eq!(after["rate_limit"]["remaining"].as_i64().unwrap(), before - 1);
    assert_eq!(after["rate_limit"]["by_kind"]["webhook_replay"], 1);
}
