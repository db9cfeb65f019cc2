//! Storage quotas (CONTRACT.md, "Limits and fairness"): the plans' defaults and the
//! operator's overrides in the workspace answers and `GET /v1/usage`; for each resource a
//! workspace with a small override is filled to its limit, the next create is 403
//! STORAGE_QUOTA_EXCEEDED with the numbers, and nothing was written.

use crate::agents::{agent, create, PNG_1X1};
use crate::harness::{Resp, Tenant, World};
use crate::records::{count, customer, id};
use serde_json::{json, Value};

pub fn cases() -> Vec<crate::Case> {
    crate::cases![
        plan_defaults_in_workspace_answers_and_usage,
        operator_overrides_are_partial_validated_and_replaced,
        agents_quota_counts_trashed_agents_and_every_create_path,
        functions_per_agent_quota_on_every_function_write,
        customers_and_conversations_quotas,
        messages_per_conversation_quota_counts_messages_and_notes,
        training_items_and_bytes_quotas,
        training_url_items_count_only_when_new,
        blob_bytes_quota_on_agent_pictures,
        webhook_subscriptions_quota,
    ]
}

const FREE: [(&str, i64); 10] = [
    ("agents", 10),
    ("functions_per_agent", 20),
    ("customers", 1_000),
    ("conversations", 1_000),
    ("messages_per_conversation", 1_000),
    ("training_items", 100),
    ("training_bytes", 10_000_000),
    ("blob_bytes", 10_000_000),
    ("webhook_subscriptions", 5),
    ("widget_keys", 5),
];

fn quotas(values: &[(&str, i64)]) -> Value {
    Value::Object(values.iter().map(|(k, v)| (k.to_string(), json!(v))).collect())
}

/// A workspace of `plan` with these `storage_quotas` overrides, and a read+write token.
fn tenant_with(w: &World, plan: &str, overrides: Value) -> Tenant {
    let ws = w.workspace_with(json!({"name": "quotas", "plan": plan, "storage_quotas": overrides}));
    let id = ws["id"].as_i64().expect("id");
    Tenant { id, token: w.token_for(id, &["external-api:read", "external-api:write"]) }
}

/// Asserts the refusal, exactly: status, family, code, message and numbers.
#[track_caller]
fn refused(r: Resp, resource: &str, current: i64, limit: i64, plan: &str) {
    let body = r.expect_error(403, "STORAGE_QUOTA_EXCEEDED");
    assert_eq!(
        body,
        json!({
            "error": format!("Storage quota exceeded: {resource} ({current} of {limit} on the {plan} plan)."),
            "code": "STORAGE_QUOTA_EXCEEDED",
            "resource": resource,
            "current": current,
            "limit": limit,
            "plan": plan,
            "request_id": body["request_id"],
        })
    );
}

fn storage(w: &World, t: &Tenant) -> Value {
    w.get("/v1/usage", &t.token).expect(200).json()["storage"].clone()
}

fn plan_defaults_in_workspace_answers_and_usage(w: &World) {
    let free = w.workspace_with(json!({"name": "free quotas"}));
    assert_eq!(free["storage_quotas"], quotas(&FREE));
    let pro = w.workspace_with(json!({"name": "pro quotas", "plan": "pro"}));
    assert_eq!(
        pro["storage_quotas"],
        quotas(&[
            ("agents", 100),
            ("functions_per_agent", 50),
            ("customers", 100_000),
            ("conversations", 100_000),
            ("messages_per_conversation", 10_000),
            ("training_items", 10_000),
            ("training_bytes", 200_000_000),
            ("blob_bytes", 200_000_000),
            ("webhook_subscriptions", 20),
            ("widget_keys", 20),
        ])
    );
    let ent = w.workspace_with(json!({"name": "enterprise quotas", "plan": "enterprise"}));
    assert_eq!(
        ent["storage_quotas"],
        quotas(&[
            ("agents", 1_000),
            ("functions_per_agent", 100),
            ("customers", 1_000_000),
            ("conversations", 1_000_000),
            ("messages_per_conversation", 100_000),
            ("training_items", 100_000),
            ("training_bytes", 2_000_000_000),
            ("blob_bytes", 2_000_000_000),
            ("webhook_subscriptions", 100),
            ("widget_keys", 100),
        ])
    );
    let id = pro["id"].as_i64().unwrap();
    let token = w.token_for(id, &["external-api:read"]);
    let me = w.get("/v1/workspace", &token).expect(200).json();
    assert_eq!(me["storage_quotas"], pro["storage_quotas"]);
    let usage = w.get("/v1/usage", &token).expect(200).json();
    let expected: serde_json::Map<String, Value> = pro["storage_quotas"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, limit)| (k.clone(), json!({"used": 0, "limit": limit})))
        .collect();
    assert_eq!(usage["storage"], Value::Object(expected));
    // The rest of usage is as it was.
    assert_eq!(usage["plan"], "pro");
    assert!(usage["actions"].is_object() && usage["rate_limit"].is_object());
}

fn operator_overrides_are_partial_validated_and_replaced(w: &World) {
    let ws = w.workspace_with(json!({"name": "overrides", "storage_quotas": {"agents": 2, "blob_bytes": 5000}}));
    assert_eq!(ws["storage_quotas"]["agents"], 2);
    assert_eq!(ws["storage_quotas"]["blob_bytes"], 5000);
    assert_eq!(ws["storage_quotas"]["customers"], 1000, "left out: the plan's default");
    let path = format!("/admin/v1/workspaces/{}", ws["id"]);
    // A plan change keeps the overrides and moves the rest.
    let r = w.admin("PATCH", &path, Some(json!({"plan": "pro"}))).expect(200).json();
    assert_eq!(
        (r["storage_quotas"]["agents"].as_i64(), r["storage_quotas"]["customers"].as_i64()),
        (Some(2), Some(100_000))
    );
    // A PATCH without storage_quotas keeps them; with it, they are replaced.
    let r = w.admin("PATCH", &path, Some(json!({"name": "renamed"}))).expect(200).json();
    assert_eq!(r["storage_quotas"]["agents"], 2);
    let r = w.admin("PATCH", &path, Some(json!({"storage_quotas": {"customers": 7}}))).expect(200).json();
    assert_eq!(
        (r["storage_quotas"]["agents"].as_i64(), r["storage_quotas"]["customers"].as_i64()),
        (Some(100), Some(7))
    );
    assert_eq!(w.admin("GET", &path, None).expect(200).json()["storage_quotas"], r["storage_quotas"]);
    let r = w.admin("PATCH", &path, Some(json!({"storage_quotas": {}}))).expect(200).json();
    assert_eq!(r["storage_quotas"]["customers"], 100_000);

    // Validation: known resources, positive integers; nothing changes on a 422.
    let body = w
        .admin(
            "PATCH",
            &path,
            Some(json!({"storage_quotas": {"robots": 1, "agents": 0, "customers": 1.5, "blob_bytes": "9"}})),
        )
        .expect_invalid("storage_quotas.robots");
    for k in ["agents", "customers", "blob_bytes"] {
        assert!(body["errors"][format!("storage_quotas.{k}")].is_array(), "{k}: {body}");
    }
    w.admin("PATCH", &path, Some(json!({"storage_quotas": [1]}))).expect_invalid("storage_quotas");
    w.admin("PATCH", &path, Some(json!({"storage_quotas": null}))).expect_invalid("storage_quotas");
    w.admin("POST", "/admin/v1/workspaces", Some(json!({"name": "x", "storage_quotas": {"agents": -1}})))
        .expect_invalid("storage_quotas.agents");
    assert_eq!(w.admin("GET", &path, None).expect(200).json()["storage_quotas"]["customers"], 100_000);
}

fn agents_quota_counts_trashed_agents_and_every_create_path(w: &World) {
    let t = tenant_with(w, "free", json!({"agents": 2}));
    create(w, &t, agent("one"));
    create(w, &t, agent("two"));
    // A trashed agent is still stored.
    w.post("/v1/agents/two/trash", &t.token, &json!({})).expect(204);
    refused(w.post("/v1/agents", &t.token, &agent("three")), "agents", 2, 2, "free");
    refused(w.post("/api/agents", &t.token, &agent("three")), "agents", 2, 2, "free");
    refused(w.put("/v1/agents/three", &t.token, &agent("three")), "agents", 2, 2, "free");
    // Validation and the batch's own errors come first: a taken uid is still a 422.
    w.post("/v1/agents", &t.token, &json!({"uid": "three"})).expect_invalid("name");
    w.post("/v1/agents", &t.token, &agent("one")).expect_invalid("uid");
    // Nothing was written; updates are not creates.
    assert_eq!(count(w, &t, "/v1/agents?trashed=null"), 2);
    w.get("/v1/agents/three", &t.token).expect(404);
    w.put("/v1/agents/one", &t.token, &json!({"name": "Renamed"})).expect(200);
    w.patch("/v1/agents/one", &t.token, &json!({"name": "Again"})).expect(200);
    assert_eq!(storage(w, &t)["agents"], json!({"used": 2, "limit": 2}));
    // Room again once one is deleted.
    w.delete("/v1/agents/two", &t.token).expect(204);
    create(w, &t, agent("three"));
    assert_eq!(storage(w, &t)["agents"], json!({"used": 2, "limit": 2}));
}

fn function(name: &str) -> Value {
    json!({"name": name, "description": "d", "url": "https://api.example.com/x"})
}

fn functions_per_agent_quota_on_every_function_write(w: &World) {
    let t = tenant_with(w, "pro", json!({"functions_per_agent": 2}));
    // An agent created with more functions than the limit: refused whole.
    let mut body = agent("crowded");
    body["functions"] = json!([function("a"), function("b"), function("c")]);
    refused(w.post("/v1/agents", &t.token, &body), "functions_per_agent", 0, 2, "pro");
    w.get("/v1/agents/crowded", &t.token).expect(404);
    body["functions"] = json!([function("a"), function("b")]);
    let a = create(w, &t, body);
    assert_eq!(a["functions"], json!(["a", "b"]));

    refused(w.post("/v1/agents/crowded/functions", &t.token, &function("c")), "functions_per_agent", 2, 2, "pro");
    refused(w.put("/v1/agents/crowded/functions/c", &t.token, &function("c")), "functions_per_agent", 2, 2, "pro");
    refused(
        w.patch("/v1/agents/crowded", &t.token, &json!({"functions": ["a", "b", function("c")]})),
        "functions_per_agent",
        2,
        2,
        "pro",
    );
    // Replacing or swapping stays within the limit.
    w.put("/v1/agents/crowded/functions/b", &t.token, &function("b")).expect(200);
    let a = w.patch("/v1/agents/crowded", &t.token, &json!({"functions": ["a", function("c")]})).expect(200).json();
    assert_eq!(a["functions"], json!(["a", "c"]));
    let listed = w.get("/v1/agents/crowded/functions", &t.token).expect(200).json();
    assert_eq!(listed.as_array().map(Vec::len), Some(2));
    // Per agent: another agent has its own room.
    create(w, &t, agent("roomy"));
    w.post("/v1/agents/roomy/functions", &t.token, &function("a")).expect(201);
    assert_eq!(storage(w, &t)["functions_per_agent"], json!({"used": 2, "limit": 2}));
}

fn customers_and_conversations_quotas(w: &World) {
    let t = tenant_with(w, "free", json!({"customers": 2, "conversations": 1}));
    let c = customer(w, &t, json!({"name": "Ada", "external_id": "crm-1"}));
    customer(w, &t, json!({"name": "Bob"}));
    refused(w.post("/v1/customers", &t.token, &json!({"name": "Cy"})), "customers", 2, 2, "free");
    refused(w.put("/v1/customers/by-external-id/crm-3", &t.token, &json!({"name": "Cy"})), "customers", 2, 2, "free");
    // An upsert of an existing customer is an update.
    w.put("/v1/customers/by-external-id/crm-1", &t.token, &json!({"name": "Ada L."})).expect(200);
    assert_eq!(count(w, &t, "/v1/customers"), 2);

    let first = json!({"customer": id(&c), "subject": "Hello", "message": {"body": "Hi!"}});
    w.post("/v1/conversations", &t.token, &first).expect(201);
    refused(w.post("/v1/conversations", &t.token, &first), "conversations", 1, 1, "free");
    assert_eq!(count(w, &t, "/v1/conversations"), 1);
    let s = storage(w, &t);
    assert_eq!(
        (s["customers"].clone(), s["conversations"].clone()),
        (json!({"used": 2, "limit": 2}), json!({"used": 1, "limit": 1}))
    );
    // Deleting a customer frees its row and its conversations'.
    w.delete(&format!("/v1/customers/{}", id(&c)), &t.token).expect(204);
    let s = storage(w, &t);
    assert_eq!((s["customers"]["used"].as_i64(), s["conversations"]["used"].as_i64()), (Some(1), Some(0)));
    customer(w, &t, json!({"name": "Cy"}));
}

fn messages_per_conversation_quota_counts_messages_and_notes(w: &World) {
    let t = tenant_with(w, "enterprise", json!({"messages_per_conversation": 3}));
    let c = customer(w, &t, json!({"name": "Ada"}));
    let member = crate::records::member(w, &t, "Mo", "mo@example.com");
    let conv = w
        .post("/v1/conversations", &t.token, &json!({"customer": id(&c), "message": {"body": "first"}}))
        .expect(201)
        .json();
    let base = format!("/v1/conversations/{}", id(&conv));
    let from = |body: &str| json!({"body": body, "sender_type": "customer", "sender_id": id(&c)});
    w.post(&format!("{base}/messages"), &t.token, &from("second")).expect(201);
    let note = json!({"body": "internal", "sender_type": "member", "sender_id": id(&member)});
    w.post(&format!("{base}/notes"), &t.token, &note).expect(201);
    refused(
        w.post(&format!("{base}/messages"), &t.token, &from("fourth")),
        "messages_per_conversation",
        3,
        3,
        "enterprise",
    );
    refused(w.post(&format!("{base}/notes"), &t.token, &note), "messages_per_conversation", 3, 3, "enterprise");
    // Existence comes first: a conversation that is not there is a 404.
    w.post("/v1/conversations/99999999/messages", &t.token, &from("x")).expect(404);
    let after = w.get(&base, &t.token).expect(200).json();
    assert_eq!((after["message_count"].as_i64(), after["note_count"].as_i64()), (Some(2), Some(1)));
    assert_eq!(count(w, &t, &format!("{base}/messages")), 2);
    // Per conversation: another one has its own room.
    let other = w.post("/v1/conversations", &t.token, &json!({"customer": id(&c)})).expect(201).json();
    w.post(&format!("/v1/conversations/{}/messages", id(&other)), &t.token, &from("hi")).expect(201);
    assert_eq!(storage(w, &t)["messages_per_conversation"], json!({"used": 3, "limit": 3}));
}

fn training_items_and_bytes_quotas(w: &World) {
    let t = tenant_with(w, "free", json!({"training_items": 3, "training_bytes": 30}));
    let a = create(w, &t, agent("learner"));
    let post = |body: Value| w.post("/v1/training-data", &t.token, &body);
    post(json!({"agent": a["id"], "type": "text", "content": "0123456789"})).expect(201);
    // 10 stored + 11 + 13 = 34 > 30: the bytes of the stored text.
    refused(
        post(json!({"agent": "learner", "type": "qa", "question": "Is it open?", "answer": "Yes, all day."})),
        "training_bytes",
        10,
        30,
        "free",
    );
    post(json!({"agent": "learner", "type": "qa", "question": "Open?", "answer": "Yes."})).expect(201);
    let ok = post(json!({"agent": "learner", "type": "text", "content": "ok"})).expect(201).json();
    refused(post(json!({"agent": "learner", "type": "text", "content": "x"})), "training_items", 3, 3, "free");
    assert_eq!(count(w, &t, "/v1/training-data"), 3);
    assert_eq!(storage(w, &t)["training_bytes"], json!({"used": 21, "limit": 30}));
    // A rewrite that grows the text counts too; one that shrinks it never is refused.
    let item = format!("/v1/training-data/{}", id(&ok));
    refused(w.patch(&item, &t.token, &json!({"content": "ok, and a lot more"})), "training_bytes", 21, 30, "free");
    assert_eq!(w.get(&item, &t.token).expect(200).json()["content"], "ok");
    w.patch(&item, &t.token, &json!({"content": "ok too"})).expect(200);
    w.patch(&item, &t.token, &json!({"content": "k"})).expect(200);
    assert_eq!(storage(w, &t)["training_bytes"], json!({"used": 20, "limit": 30}));
    assert_eq!(storage(w, &t)["training_items"], json!({"used": 3, "limit": 3}));
}

fn training_url_items_count_only_when_new(w: &World) {
    let t = tenant_with(w, "free", json!({"training_items": 2}));
    create(w, &t, agent("reader"));
    let m = &w.mock.url;
    let n = t.id;
    let urls = json!([format!("{m}/quota-{n}/a"), format!("{m}/quota-{n}/b")]);
    let process =
        |urls: &Value| w.post("/v1/training-data/urls/process", &t.token, &json!({"agent": "reader", "urls": urls}));
    process(&urls).expect(202);
    // The same URLs again are reset, not added.
    process(&urls).expect(202);
    refused(process(&json!([format!("{m}/quota-{n}/c")])), "training_items", 2, 2, "free");
    assert_eq!(count(w, &t, "/v1/training-data"), 2);
}

fn blob_bytes_quota_on_agent_pictures(w: &World) {
    let t = tenant_with(w, "free", json!({"blob_bytes": 100}));
    let picture = format!("data:image/png;base64,{PNG_1X1}");
    let mut body = agent("pictured");
    body["picture"] = json!(picture);
    let a = create(w, &t, body.clone());
    assert_eq!(a["picture"]["size"], 70);
    body["uid"] = json!("second");
    refused(w.post("/v1/agents", &t.token, &body), "blob_bytes", 70, 100, "free");
    w.get("/v1/agents/second", &t.token).expect(404);
    // Replacing the picture deletes the old one in the same batch: it fits.
    let replaced = w.patch("/v1/agents/pictured", &t.token, &json!({"picture": picture})).expect(200).json();
    assert_ne!(replaced["picture"]["id"], a["picture"]["id"]);
    assert_eq!(storage(w, &t)["blob_bytes"], json!({"used": 70, "limit": 100}));
    // A stored picture reused by id stores nothing new.
    body["picture"] = replaced["picture"]["id"].clone();
    create(w, &t, body);
    assert_eq!(storage(w, &t)["blob_bytes"], json!({"used": 70, "limit": 100}));
}

fn webhook_subscriptions_quota(w: &World) {
    let t = tenant_with(w, "free", json!({"webhook_subscriptions": 1}));
    let hook = json!({"url": format!("{}/quota-hook-{}", w.mock.url, t.id), "events": ["*"]});
    w.post("/v1/webhooks", &t.token, &hook).expect(201);
    refused(w.post("/v1/webhooks", &t.token, &hook), "webhook_subscriptions", 1, 1, "free");
    let list = w.get("/v1/webhooks", &t.token).expect(200).json();
    assert_eq!(list["count"], 1);
    assert_eq!(storage(w, &t)["webhook_subscriptions"], json!({"used": 1, "limit": 1}));
    assert_eq!(storage(w, &t)["widget_keys"], json!({"used": 0, "limit": 5}));
}
