//! The website widget: publishable keys, end-user sessions and what a page may do.

use crate::cases;
use crate::harness::{Resp, Tenant, World};
use crate::mock::Recorded;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use weav_edge::domain::widget::{sign_jwt, user_hash};

pub fn cases() -> Vec<crate::Case> {
    cases![
        widget_keys_crud_with_events_audit_and_a_secret_shown_once,
        widget_key_fields_are_validated,
        origins_come_first_and_preflights_answer_only_allowed_origins,
        anonymous_sessions_renew_with_the_visitor_id,
        identified_sessions_by_user_hash_and_jwt,
        identity_verification_required_refuses_anything_unsigned,
        sessions_see_only_their_own_conversations_and_never_notes,
        keys_and_sessions_are_not_server_tokens,
        a_widget_message_arrives_as_a_customer_message_created_webhook,
        widget_search_cites_titles_and_urls_only,
        per_session_and_per_key_rate_limits,
        widget_keys_count_against_their_storage_quota,
        demo_page_in_headless_chromium,
    ]
}

const ORIGIN: &str = "https://shop.example";

fn now_s() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// An agent and a key for it; returns (key JSON with secret, agent JSON).
fn key_with(w: &World, t: &Tenant, extra: Value) -> Value {
    let uid = format!("widget-bot-{}", t.id);
    let agent = match w.get(&format!("/v1/agents/{uid}"), &t.token) {
        r if r.status == 200 => r.json(),
        _ => crate::agents::create(w, t, crate::agents::agent(&uid)),
    };
    let mut body = json!({"agent": agent["uid"], "allowed_origins": [ORIGIN, "http://127.0.0.1:9999"], "name": "Shop"});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    w.post("/v1/widget-keys", &t.token, &body).expect(201).json()
}

fn pk(key: &Value) -> String {
    key["key"].as_str().expect("key").to_string()
}

/// A widget request from `origin` with an optional bearer.
fn wreq(w: &World, method: &str, path: &str, origin: Option<&str>, bearer: Option<&str>, body: Option<Value>) -> Resp {
    let mut headers: Vec<(&str, &str)> = Vec::new();
    if let Some(o) = origin {
        headers.push(("Origin", o));
    }
    w.send(method, path, bearer, body.map(|b| b.to_string()).as_deref(), &headers)
}

fn session(w: &World, key: &str, body: Value) -> Resp {
    wreq(w, "POST", &format!("/v1/widget/{key}/sessions"), Some(ORIGIN), None, Some(body))
}

fn open(w: &World, key: &str, body: Value) -> Value {
    session(w, key, body).expect(201).json()
}

fn tok(s: &Value) -> String {
    s["token"].as_str().expect("token").to_string()
}

fn widget_keys_crud_with_events_audit_and_a_secret_shown_once(w: &World) {
    let t = w.tenant();
    let k = key_with(w, &t, json!({"identity_verification": "required"}));
    let id = k["id"].as_i64().unwrap();
    assert!(pk(&k).starts_with("weav_pk_"));
    assert!(k["signing_secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(k["allowed_origins"], json!([ORIGIN, "http://127.0.0.1:9999"]));
    assert_eq!((k["rate_limit"].as_i64(), k["session_rate_limit"].as_i64()), (Some(600), Some(60)));
    assert_eq!(k["agent"]["uid"], format!("widget-bot-{}", t.id));
    let got = w.get(&format!("/v1/widget-keys/{id}"), &t.token).expect(200).json();
    assert!(got.get("signing_secret").is_none() && got["key"] == k["key"], "{got}");
    let list = w.get("/v1/widget-keys", &t.token).expect(200).json();
    assert_eq!(list["count"], 1);
    assert!(list["data"][0].get("signing_secret").is_none());
    let patched = w
        .patch(
            &format!("/v1/widget-keys/{id}"),
            &t.token,
            &json!({"allowed_origins": ["https://b.example"], "identity_verification": "off"}),
        )
        .expect(200)
        .json();
    assert_eq!(patched["allowed_origins"], json!(["https://b.example"]));
    assert_eq!(patched["identity_verification"], "off");
    // Another workspace sees nothing.
    let other = w.tenant();
    w.get(&format!("/v1/widget-keys/{id}"), &other.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.delete(&format!("/v1/widget-keys/{id}"), &t.token).expect(204);
    w.delete(&format!("/v1/widget-keys/{id}"), &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    let events = w.get("/v1/events?take=100", &t.token).expect(200).json();
    let types: Vec<&str> = events["data"].as_array().unwrap().iter().filter_map(|e| e["type"].as_str()).collect();
    for ty in ["widget_key.created", "widget_key.updated", "widget_key.deleted"] {
        assert!(types.contains(&ty), "{ty} in {types:?}");
    }
    let audit = w.get("/v1/audit-logs?limit=100", &t.token).expect(200).json();
    let actions: Vec<&str> = audit["data"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    for a in ["widget_key.created", "widget_key.updated", "widget_key.deleted"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    // The deleted key's page is turned away.
    session(w, &pk(&k), json!({})).expect_error(403, "ORIGIN_NOT_ALLOWED");
}

fn widget_key_fields_are_validated(w: &World) {
    let t = w.tenant();
    key_with(w, &t, json!({}));
    let agent = format!("widget-bot-{}", t.id);
    for (body, field) in [
        (json!({"allowed_origins": [ORIGIN]}), "agent"),
        (json!({"agent": "nobody-here", "allowed_origins": [ORIGIN]}), "agent"),
        (json!({"agent": agent}), "allowed_origins"),
        (json!({"agent": agent, "allowed_origins": []}), "allowed_origins"),
        (json!({"agent": agent, "allowed_origins": ["https://shop.example/"]}), "allowed_origins.0"),
        (
            json!({"agent": agent, "allowed_origins": [ORIGIN], "identity_verification": "maybe"}),
            "identity_verification",
        ),
        (json!({"agent": agent, "allowed_origins": [ORIGIN], "rate_limit": 601}), "rate_limit"),
    ] {
        w.post("/v1/widget-keys", &t.token, &body).expect_invalid(field);
    }
    let many: Vec<String> = (0..21).map(|n| format!("https://s{n}.example")).collect();
    w.post("/v1/widget-keys", &t.token, &json!({"agent": agent, "allowed_origins": many}))
        .expect_invalid("allowed_origins");
}

fn origins_come_first_and_preflights_answer_only_allowed_origins(w: &World) {
    let t = w.tenant();
    let key = pk(&key_with(w, &t, json!({})));
    let config = format!("/v1/widget/{key}/config");
    for origin in [None, Some("https://evil.example"), Some("https://shop.example.evil.example"), Some("null")] {
        let r = wreq(w, "GET", &config, origin, None, None);
        assert!(r.header("access-control-allow-origin").is_none(), "{origin:?}");
        r.expect_error(403, "ORIGIN_NOT_ALLOWED");
    }
    // Origin before session: a session route without a session, from a wrong origin, is 403.
    wreq(w, "GET", &format!("/v1/widget/{key}/conversations"), Some("https://evil.example"), None, None)
        .expect_error(403, "ORIGIN_NOT_ALLOWED");
    // An unknown or malformed key is no allowed origin either.
    wreq(w, "GET", "/v1/widget/weav_pk_nope/config", Some(ORIGIN), None, None).expect_error(403, "ORIGIN_NOT_ALLOWED");
    let pre = wreq(w, "OPTIONS", &format!("/v1/widget/{key}/conversations"), Some(ORIGIN), None, None).expect(204);
    assert_eq!(pre.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(pre.header("vary"), Some("Origin"));
    assert!(pre.header("access-control-allow-headers").unwrap().contains("Authorization"));
    assert!(pre.header("access-control-allow-methods").unwrap().contains("POST"));
    assert!(pre.header("access-control-allow-credentials").is_none());
    let bad = wreq(w, "OPTIONS", &config, Some("https://evil.example"), None, None);
    assert!(bad.header("access-control-allow-origin").is_none());
    bad.expect_error(403, "ORIGIN_NOT_ALLOWED");
    let ok = wreq(w, "GET", &config, Some(ORIGIN), None, None).expect(200);
    assert_eq!(ok.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(ok.header("vary"), Some("Origin"));
    assert!(ok.header("set-cookie").is_none());
    let c = ok.json();
    assert_eq!(c["agent"]["name"], "Tweety Bird");
    assert_eq!(c["identity_verification"], "off");
    // Errors after the origin check still carry CORS headers (the page can read them).
    let unauth = wreq(w, "GET", &format!("/v1/widget/{key}/conversations"), Some(ORIGIN), None, None);
    assert_eq!(unauth.header("access-control-allow-origin"), Some(ORIGIN));
    unauth.expect_error(401, "UNAUTHENTICATED");
    wreq(w, "DELETE", &config, Some(ORIGIN), None, None).expect_error(405, "METHOD_NOT_ALLOWED");
}

fn anonymous_sessions_renew_with_the_visitor_id(w: &World) {
    let t = w.tenant();
    let key = pk(&key_with(w, &t, json!({})));
    let a = open(w, &key, json!({}));
    assert!(tok(&a).starts_with("weav_sess_"));
    let visitor = a["visitor_id"].as_str().expect("visitor_id").to_string();
    let customer = a["customer_id"].as_i64().unwrap();
    let c = w.get(&format!("/v1/customers/{customer}"), &t.token).expect(200).json();
    assert_eq!(c["external_id"], Value::Null);
    // The same visitor again: same customer, a new token.
    let b = open(w, &key, json!({"visitor_id": visitor}));
    assert_eq!((b["customer_id"].as_i64(), b["visitor_id"].as_str()), (Some(customer), Some(visitor.as_str())));
    assert_ne!(tok(&a), tok(&b));
    // An unknown visitor id is a new visitor, not someone else.
    let c2 = open(w, &key, json!({"visitor_id": "vis_madeup"}));
    assert_ne!(c2["customer_id"].as_i64(), Some(customer));
    assert_ne!(c2["visitor_id"].as_str(), Some("vis_madeup"));
    // Bound to the origin that opened it.
    let list = format!("/v1/widget/{key}/conversations");
    wreq(w, "GET", &list, Some(ORIGIN), Some(&tok(&a)), None).expect(200);
    wreq(w, "GET", &list, Some("http://127.0.0.1:9999"), Some(&tok(&a)), None).expect_error(401, "UNAUTHENTICATED");
    // Bound to its key.
    let other_key = pk(&key_with(w, &t, json!({})));
    wreq(w, "GET", &format!("/v1/widget/{other_key}/conversations"), Some(ORIGIN), Some(&tok(&a)), None)
        .expect_error(401, "UNAUTHENTICATED");
}

fn identified_sessions_by_user_hash_and_jwt(w: &World) {
    let t = w.tenant();
    let k = key_with(w, &t, json!({}));
    let key = pk(&k);
    let secret = k["signing_secret"].as_str().unwrap();
    let uid = format!("user-{}", t.id);
    let s = open(w, &key, json!({"user_id": uid, "user_hash": user_hash(secret, &uid)}));
    assert_eq!(s["visitor_id"], Value::Null);
    let customer = w.get(&format!("/v1/customers/{}", s["customer_id"]), &t.token).expect(200).json();
    assert_eq!(customer["external_id"], uid.as_str());
    assert_eq!(customer["traits"]["identity_verified"], true);
    session(w, &key, json!({"user_id": uid, "user_hash": user_hash(secret, "someone-else")}))
        .expect_error(401, "UNAUTHENTICATED");
    session(w, &key, json!({"user_id": uid, "user_hash": user_hash("whsec_wrong", &uid)}))
        .expect_error(401, "UNAUTHENTICATED");

    let jwt = sign_jwt(secret, &json!({"sub": uid, "exp": now_s() + 600, "email": "ann@shop.example", "name": "Ann"}));
    let j = open(w, &key, json!({"user_jwt": jwt}));
    assert_eq!(j["customer_id"], s["customer_id"], "the same user is the same customer");
    let customer = w.get(&format!("/v1/customers/{}", s["customer_id"]), &t.token).expect(200).json();
    assert_eq!((customer["name"].as_str(), customer["email"].as_str()), (Some("Ann"), Some("ann@shop.example")));
    // A new user by JWT is created.
    let fresh = open(
        w,
        &key,
        json!({"user_jwt": sign_jwt(secret, &json!({"sub": format!("new-{}", t.id), "exp": now_s() + 60}))}),
    );
    assert_ne!(fresh["customer_id"], s["customer_id"]);
    for bad in [
        sign_jwt("whsec_forged", &json!({"sub": uid, "exp": now_s() + 600})),
        sign_jwt(secret, &json!({"sub": uid, "exp": now_s() - 3600})),
        sign_jwt(secret, &json!({"sub": uid})),
        sign_jwt(secret, &json!({"sub": uid, "exp": now_s() + 3 * 86_400})),
        "not.a.jwt".to_string(),
    ] {
        session(w, &key, json!({"user_jwt": bad})).expect_error(401, "UNAUTHENTICATED");
    }
    session(w, &key, json!({"user_jwt": 5})).expect_invalid("user_jwt");

    // An unsigned user_id (the key's verification is off) names only a customer an
    // unsigned claim made: never the verified user above, nor one the server made.
    session(w, &key, json!({"user_id": uid})).expect_error(401, "UNAUTHENTICATED");
    let crm = format!("crm-{}", t.id);
    w.post("/v1/customers", &t.token, &json!({"name": "CRM", "external_id": crm})).expect(201);
    session(w, &key, json!({"user_id": crm})).expect_error(401, "UNAUTHENTICATED");
    let guest = format!("guest-{}", t.id);
    let g1 = open(w, &key, json!({"user_id": guest}));
    let g2 = open(w, &key, json!({"user_id": guest}));
    assert_eq!(g1["customer_id"], g2["customer_id"], "an unsigned claim's own customer again");
}

fn identity_verification_required_refuses_anything_unsigned(w: &World) {
    let t = w.tenant();
    let k = key_with(w, &t, json!({"identity_verification": "required"}));
    let key = pk(&k);
    let secret = k["signing_secret"].as_str().unwrap();
    session(w, &key, json!({})).expect_error(401, "UNAUTHENTICATED");
    session(w, &key, json!({"user_id": "u1"})).expect_error(401, "UNAUTHENTICATED");
    let s = open(w, &key, json!({"user_id": "u1", "user_hash": user_hash(secret, "u1")}));
    wreq(w, "GET", &format!("/v1/widget/{key}/conversations"), Some(ORIGIN), Some(&tok(&s)), None).expect(200);
    // An anonymous session of the key from before verification was required stops working.
    let id = k["id"].as_i64().unwrap();
    w.patch(&format!("/v1/widget-keys/{id}"), &t.token, &json!({"identity_verification": "off"})).expect(200);
    let anon = open(w, &key, json!({}));
    w.patch(&format!("/v1/widget-keys/{id}"), &t.token, &json!({"identity_verification": "required"})).expect(200);
    wreq(w, "GET", &format!("/v1/widget/{key}/conversations"), Some(ORIGIN), Some(&tok(&anon)), None)
        .expect_error(401, "UNAUTHENTICATED");
}

fn sessions_see_only_their_own_conversations_and_never_notes(w: &World) {
    let t = w.tenant();
    let key = pk(&key_with(w, &t, json!({})));
    let a = open(w, &key, json!({}));
    let b = open(w, &key, json!({}));
    let base = format!("/v1/widget/{key}/conversations");
    let cv =
        wreq(w, "POST", &base, Some(ORIGIN), Some(&tok(&a)), Some(json!({"subject": "Order", "body": "Where is it?"})))
            .expect(201)
            .json();
    assert_eq!(cv["status"], "open");
    assert_eq!(cv["message_count"], 1);
    assert_eq!(cv["assignee"], json!({"type": "agent", "name": "Tweety Bird"}));
    for internal in ["assignee_id", "assignee_type", "tags", "note_count", "customer", "channel", "priority"] {
        assert!(cv.get(internal).is_none(), "{internal} in {cv}");
    }
    let id = cv["id"].as_i64().unwrap();
    // A member writes a note and a reply through the server API.
    let m = w
        .post("/v1/members", &t.token, &json!({"name": "Grace", "email": format!("grace{}@corp.example", t.id)}))
        .expect(201)
        .json();
    let server = format!("/v1/conversations/{id}");
    w.post(
        &format!("{server}/notes"),
        &t.token,
        &json!({"body": "internal: VIP", "sender_type": "member", "sender_id": m["id"]}),
    )
    .expect(201);
    w.post(
        &format!("{server}/messages"),
        &t.token,
        &json!({"body": "On its way", "sender_type": "member", "sender_id": m["id"]}),
    )
    .expect(201);
    let own = format!("{base}/{id}");
    let msgs = wreq(w, "GET", &format!("{own}/messages"), Some(ORIGIN), Some(&tok(&a)), None).expect(200).json();
    let bodies: Vec<&str> = msgs["data"].as_array().unwrap().iter().filter_map(|m| m["body"].as_str()).collect();
    assert_eq!(bodies, vec!["Where is it?", "On its way"], "notes never visible");
    let reply = &msgs["data"][1];
    assert_eq!(reply["sender"], json!({"type": "member", "name": "Grace"}), "no e-mail, no id: {reply}");
    assert!(!msgs.to_string().contains("corp.example"));
    wreq(w, "GET", &own, Some(ORIGIN), Some(&tok(&a)), None).expect(200);
    // Another customer's conversation is as missing as one that is not there.
    for path in [own.clone(), format!("{own}/messages"), format!("{base}/999999999")] {
        wreq(w, "GET", &path, Some(ORIGIN), Some(&tok(&b)), None).expect_error(404, "RESOURCE_NOT_FOUND");
    }
    wreq(w, "POST", &format!("{own}/messages"), Some(ORIGIN), Some(&tok(&b)), Some(json!({"body": "hi"})))
        .expect_error(404, "RESOURCE_NOT_FOUND");
    let listed = wreq(w, "GET", &base, Some(ORIGIN), Some(&tok(&b)), None).expect(200).json();
    assert_eq!(listed["count"], 0);
    let listed = wreq(w, "GET", &base, Some(ORIGIN), Some(&tok(&a)), None).expect(200).json();
    assert_eq!(listed["count"], 1);
    // Customer messages re-open a closed conversation, as on the server route.
    w.post(&format!("{server}/close"), &t.token, &json!({})).expect(200);
    let posted = wreq(
        w,
        "POST",
        &format!("{own}/messages"),
        Some(ORIGIN),
        Some(&tok(&a)),
        Some(json!({"body": "Still waiting"})),
    )
    .expect(201)
    .json();
    assert_eq!(posted["sender"]["type"], "customer");
    assert_eq!(w.get(&server, &t.token).expect(200).json()["status"], "open");
    wreq(w, "POST", &format!("{own}/messages"), Some(ORIGIN), Some(&tok(&a)), Some(json!({"body": " "})))
        .expect_invalid("body");
}

fn keys_and_sessions_are_not_server_tokens(w: &World) {
    let t = w.tenant();
    let key = pk(&key_with(w, &t, json!({})));
    let s = open(w, &key, json!({}));
    for bearer in [key.as_str(), tok(&s).as_str()] {
        for path in ["/v1/workspace", "/v1/conversations", "/v1/customers", "/v1/widget-keys"] {
            w.get(path, bearer).expect_error(401, "UNAUTHENTICATED");
        }
        w.post("/v1/conversations", bearer, &json!({})).expect_error(401, "UNAUTHENTICATED");
    }
    // A server token on a widget route is refused too.
    wreq(w, "GET", &format!("/v1/widget/{key}/conversations"), Some(ORIGIN), Some(&t.token), None)
        .expect_error(401, "UNAUTHENTICATED");
    wreq(w, "GET", &format!("/v1/widget/{key}/config"), Some(ORIGIN), Some(&t.token), None)
        .expect_error(401, "UNAUTHENTICATED");
    wreq(w, "POST", &format!("/v1/widget/{key}/sessions"), Some(ORIGIN), Some(&t.token), Some(json!({})))
        .expect_error(401, "UNAUTHENTICATED");
}

fn wait_for(w: &World, path: &str, n: usize) -> Vec<Recorded> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = w.mock.requests(path);
        if got.len() >= n {
            return got;
        }
        assert!(Instant::now() < deadline, "{path}: {} of {n} deliveries", got.len());
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn a_widget_message_arrives_as_a_customer_message_created_webhook(w: &World) {
    let t = w.tenant();
    let key = pk(&key_with(w, &t, json!({})));
    let path = format!("/hook-{}-widget", t.id);
    w.post("/v1/webhooks", &t.token, &json!({"url": format!("{}{path}", w.mock.url), "events": ["message.created"]}))
        .expect(201);
    let s = open(w, &key, json!({}));
    let base = format!("/v1/widget/{key}/conversations");
    let cv = wreq(w, "POST", &base, Some(ORIGIN), Some(&tok(&s)), Some(json!({}))).expect(201).json();
    let msg = wreq(
        w,
        "POST",
        &format!("{base}/{}/messages", cv["id"]),
        Some(ORIGIN),
        Some(&tok(&s)),
        Some(json!({"body": "Hello from the page"})),
    )
    .expect(201)
    .json();
    let got = wait_for(w, &path, 1);
    let env: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(env["type"], "message.created");
    let object = &env["data"]["object"];
    assert_eq!(object["id"], msg["id"]);
    assert_eq!(object["sender"]["type"], "customer");
    assert_eq!(object["sender"]["id"], s["customer_id"]);
    assert_eq!(object["body"], "Hello from the page");
    // The audit log names the session as the actor.
    let audit = w.get("/v1/audit-logs?action=message.created", &t.token).expect(200).json();
    assert_eq!(audit["data"][0]["actor"]["type"], "widget_session", "{audit}");
}

fn widget_search_cites_titles_and_urls_only(w: &World) {
    let t = w.tenant();
    let k = key_with(w, &t, json!({}));
    w.post(
        "/v1/training-data",
        &t.token,
        &json!({"agent": k["agent"]["id"], "type": "text", "title": "Shipping policy", "content": "We ship parcels worldwide within five days."}),
    )
    .expect(201);
    let key = pk(&k);
    let s = open(w, &key, json!({}));
    let r = wreq(
        w,
        "GET",
        &format!("/v1/widget/{key}/knowledge/search?q=shipping+parcels"),
        Some(ORIGIN),
        Some(&tok(&s)),
        None,
    )
    .expect(200)
    .json();
    assert!(r["count"].as_i64().unwrap() >= 1, "{r}");
    let hit = &r["data"][0];
    assert_eq!(hit["citation"], json!({"title": "Shipping policy", "url": null}));
    let keys: Vec<&String> = hit.as_object().unwrap().keys().collect();
    assert_eq!(keys, vec!["citation", "snippet"], "{hit}");
    wreq(w, "GET", &format!("/v1/widget/{key}/knowledge/search"), Some(ORIGIN), Some(&tok(&s)), None)
        .expect_invalid("q");
}

fn per_session_and_per_key_rate_limits(w: &World) {
    let t = w.tenant();
    let k = key_with(w, &t, json!({"rate_limit": 6, "session_rate_limit": 2}));
    let key = pk(&k);
    let list = format!("/v1/widget/{key}/conversations");
    let a = open(w, &key, json!({})); // key: 1
    for _ in 0..2 {
        let r = wreq(w, "GET", &list, Some(ORIGIN), Some(&tok(&a)), None).expect(200); // key: 2, 3
        assert!(r.header("x-ratelimit-limit").is_some());
    }
    let limited = wreq(w, "GET", &list, Some(ORIGIN), Some(&tok(&a)), None); // key: 4
    assert_eq!(limited.header("access-control-allow-origin"), Some(ORIGIN));
    assert!(limited.header("retry-after").is_some());
    limited.expect_error(429, "RATE_LIMITED");
    // Another session of the same key has its own window; the key's is shared.
    let b = open(w, &key, json!({})); // key: 5
    wreq(w, "GET", &list, Some(ORIGIN), Some(&tok(&b)), None).expect(200); // key: 6
    wreq(w, "GET", &list, Some(ORIGIN), Some(&tok(&b)), None).expect_error(429, "RATE_LIMITED");
    session(w, &key, json!({})).expect_error(429, "RATE_LIMITED");
    // The workspace's server API is untouched by the widget's windows.
    w.get("/v1/widget-keys", &t.token).expect(200);
    w.get("/v1/conversations", &t.token).expect(200);
}

fn widget_keys_count_against_their_storage_quota(w: &World) {
    let ws = w.workspace_with(json!({"name": "widget quota", "storage_quotas": {"widget_keys": 1}}));
    let id = ws["id"].as_i64().unwrap();
    let t = Tenant { id, token: w.token_for(id, &["external-api:read", "external-api:write"]) };
    key_with(w, &t, json!({}));
    let body = json!({"agent": format!("widget-bot-{id}"), "allowed_origins": [ORIGIN]});
    let refused = w.post("/v1/widget-keys", &t.token, &body).expect_error(403, "STORAGE_QUOTA_EXCEEDED");
    assert_eq!((refused["resource"].as_str(), refused["current"].as_i64()), (Some("widget_keys"), Some(1)));
    let usage = w.get("/v1/usage", &t.token).expect(200).json();
    assert_eq!(usage["storage"]["widget_keys"], json!({"used": 1, "limit": 1}));
}

/// `examples/widget/` in Debian's chromium, headless: the page is served by the mock
/// server (its origin is the key's allowed origin), opens a session, starts a conversation
/// with a message, reads it back, and posts what it saw to the mock. Chromium runs in its
/// own process group under `timeout`, and the group is killed whatever happens.
fn demo_page_in_headless_chromium(w: &World) {
    let browser = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|b| {
            std::process::Command::new("sh")
                .args(["-c", &format!("command -v {b}")])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .unwrap_or_else(|| {
            panic!("chromium is not installed: `make browser-tools` (part of `make test`) installs Debian's chromium")
        });
    let t = w.tenant();
    let k = key_with(w, &t, json!({}));
    let id = k["id"].as_i64().unwrap();
    w.patch(&format!("/v1/widget-keys/{id}"), &t.token, &json!({"allowed_origins": [w.mock.url]})).expect(200);
    let dir = format!("/demo-{}", t.id);
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/widget");
    for (file, kind) in [("index.html", "text/html; charset=utf-8"), ("widget.js", "text/javascript; charset=utf-8")] {
        let text = std::fs::read_to_string(format!("{root}/{file}")).expect("examples/widget");
        w.mock.answer_raw(&format!("{dir}/{file}"), 200, kind, &text);
    }
    let report = format!("{dir}/report");
    w.mock.answer_raw(&report, 204, "text/plain", "");
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let page = format!(
        "{}{dir}/index.html?api={}&key={}&auto={}&report={}",
        w.mock.url,
        enc(&w.base),
        enc(&pk(&k)),
        enc("Hello from a real browser"),
        enc(&report)
    );
    let profile = std::env::temp_dir().join(format!("weav-chromium-{}", t.id));
    let mut child = {
        use std::os::unix::process::CommandExt;
        std::process::Command::new("timeout")
            .args([
                "-k",
                "5",
                "90",
                browser,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
            ])
            .args(["--no-first-run", "--no-default-browser-check", "--disable-extensions"])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(&page)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start chromium")
    };
    let pgid = child.id();
    let deadline = Instant::now() + Duration::from_secs(75);
    let got = loop {
        let got = w.mock.requests(&report);
        if !got.is_empty() || Instant::now() > deadline {
            break got;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    // TERM first, so that chromium reaps its own helpers; KILL whatever is left.
    let signal = |sig: &str| std::process::Command::new("kill").args(["-s", sig, "--", &format!("-{pgid}")]).status();
    let _ = signal("TERM");
    let stop = Instant::now() + Duration::from_secs(5);
    while child.try_wait().ok().flatten().is_none() && Instant::now() < stop {
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = signal("KILL");
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&profile);
    assert!(!got.is_empty(), "the page reported nothing within 75 s");
    let seen: Value = serde_json::from_str(&got[0].body).expect("the report is JSON");
    assert!(seen.get("error").is_none(), "the page failed: {seen}");
    assert_eq!(seen["agent"]["name"], "Tweety Bird");
    assert_eq!(seen["messages"][0]["body"], "Hello from a real browser");
    assert_eq!(seen["messages"][0]["sender"]["type"], "customer");
    assert_eq!(seen["conversation"]["message_count"], 1);
    assert!(seen["shown"].as_str().unwrap().contains("Hello from a real browser"), "{seen}");
    // The server sees the same conversation, written by the visitor's customer.
    let cv = w.get(&format!("/v1/conversations/{}", seen["conversation"]["id"]), &t.token).expect(200).json();
    assert_eq!(cv["customer"]["id"], seen["session"]["customer_id"]);
    assert_eq!(cv["channel"], "chat");
}
