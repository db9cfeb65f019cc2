//! Conversations (issue 6): creation with a first message, lifecycle, assignment, messages
//! and notes, listing (at scale too); and the cases that span all support records: the
//! integrator's walkthrough, bad listing parameters, isolation between workspaces,
//! abilities and HEAD.

use crate::agents::{agent, create as create_agent};
use crate::harness::{rfc3339_in, Tenant, World};
use crate::records::{company, count, customer, id, member};
use serde_json::{json, Value};
use std::time::Instant;

pub fn cases() -> Vec<crate::Case> {
    crate::cases![
        integrator_walkthrough,
        conversations_create_with_first_message,
        conversations_create_validation_and_references,
        conversations_patch_and_delete,
        conversations_lifecycle_is_stamped,
        customer_messages_reopen_snoozed_and_closed,
        assignment_to_agents_and_members,
        assignment_error_codes,
        deleted_assignees_leave_conversations_unassigned,
        messages_and_notes,
        message_sender_errors,
        conversations_listing_filters,
        listing_rejects_bad_parameters,
        workspaces_are_isolated,
        abilities_and_head,
        listing_at_scale_10000_conversations,
    ]
}

fn conversation(w: &World, t: &Tenant, body: Value) -> Value {
    w.post("/v1/conversations", &t.token, &body).expect(201).json()
}

fn ids(list: &Value) -> Vec<i64> {
    list["data"].as_array().unwrap().iter().map(id).collect()
}

/// The "done when": upsert a company and a customer, open a conversation with a
/// first message, assign it to an AI agent, add a member's note, snooze and close it, and
/// list the open conversations assigned to that agent.
fn integrator_walkthrough(w: &World) {
    let t = w.tenant();
    let co = w
        .put(
            "/v1/companies/by-external-id/crm-acme",
            &t.token,
            &json!({"name": "Acme", "domain": "acme.com", "traits": {"plan": "enterprise"}}),
        )
        .expect(201)
        .json();
    let cu = w
        .put(
            "/v1/customers/by-external-id/crm-user-1",
            &t.token,
            &json!({"name": "Ada Lovelace", "email": "ada@acme.com", "company": {"external_id": "crm-acme"}}),
        )
        .expect(201)
        .json();
    assert_eq!(cu["company"]["id"], co["id"]);
    let bot = create_agent(w, &t, agent("support-bot"));
    let m = member(w, &t, "Grace", "grace@example.com");
    let cv = conversation(
        w,
        &t,
        json!({"customer": {"external_id": "crm-user-1"}, "subject": "Login fails", "channel": "chat",
               "message": {"body": "I cannot log in."}}),
    );
    assert_eq!((cv["status"].as_str(), cv["message_count"].as_i64()), (Some("open"), Some(1)));
    let path = format!("/v1/conversations/{}", id(&cv));
    let a = w
        .post(&format!("{path}/assign"), &t.token, &json!({"assignee_type": "agent", "assignee_id": "support-bot"}))
        .expect(200)
        .json();
    assert_eq!(a["assignee"], json!({"type": "agent", "id": bot["id"], "uid": "support-bot", "name": "Tweety Bird"}));
    let listed = w.get(&format!("/v1/conversations?status=open&assignee_type=agent&assignee={}", id(&bot)), &t.token);
    assert_eq!(ids(&listed.expect(200).json()), vec![id(&cv)]);
    let note = w
        .post(
            &format!("{path}/notes"),
            &t.token,
            &json!({"body": "VIP, handle with care", "sender_type": "member", "sender_id": m["id"]}),
        )
        .expect(201)
        .json();
    assert_eq!((note["type"].as_str(), note["sender"]["name"].as_str()), (Some("note"), Some("Grace")));
    let snoozed = w
        .post(&format!("{path}/snooze"), &t.token, &json!({"snoozed_until": rfc3339_in(24 * 3600)}))
        .expect(200)
        .json();
    assert_eq!(snoozed["status"], "snoozed");
    assert!(snoozed["snoozed_until"].is_string());
    let closed = w.post(&format!("{path}/close"), &t.token, &json!({})).expect(200).json();
    assert_eq!(closed["status"], "closed");
    assert!(closed["closed_at"].is_string() && closed["snoozed_until"].is_null());
    // Closed now: no longer among the agent's open conversations.
    assert_eq!(count(w, &t, &format!("/v1/conversations?status=open&assignee_type=agent&assignee={}", id(&bot))), 0);
    assert_eq!(count(w, &t, &format!("/v1/conversations?status=closed&assignee_type=agent&assignee={}", id(&bot))), 1);
}

fn conversations_create_with_first_message(w: &World) {
    let t = w.tenant();
    let cu = customer(w, &t, json!({"name": "Ada", "email": "ada@example.com", "external_id": "ada"}));
    let cv = conversation(
        w,
        &t,
        json!({"customer": id(&cu), "subject": "Billing", "priority": "high", "channel": "email", "tags": ["billing"],
               "message": {"body": "I was charged twice."}}),
    );
    for f in [
        "id",
        "subject",
        "status",
        "priority",
        "channel",
        "tags",
        "customer",
        "assignee_type",
        "assignee_id",
        "assignee",
        "assigned_at",
        "snoozed_until",
        "status_changed_at",
        "closed_at",
        "last_message_at",
        "message_count",
        "note_count",
        "created_at",
        "updated_at",
    ] {
        assert!(cv.get(f).is_some(), "missing {f}: {cv}");
    }
    assert_eq!(
        cv["customer"],
        json!({"id": cu["id"], "external_id": "ada", "name": "Ada", "email": "ada@example.com"})
    );
    assert_eq!(
        (cv["status"].as_str(), cv["priority"].as_str(), cv["channel"].as_str()),
        (Some("open"), Some("high"), Some("email"))
    );
    assert_eq!(cv["message_count"], 1);
    assert_eq!(cv["last_message_at"], cv["created_at"]);
    assert_eq!(cv["status_changed_at"], cv["created_at"]);
    assert!(cv["assignee"].is_null() && cv["assignee_type"].is_null() && cv["closed_at"].is_null());
    let msgs = w.get(&format!("/v1/conversations/{}/messages", id(&cv)), &t.token).expect(200).json();
    assert_eq!(msgs["count"], 1);
    let m = &msgs["data"][0];
    assert_eq!((m["type"].as_str(), m["body"].as_str()), (Some("message"), Some("I was charged twice.")));
    assert_eq!(m["sender"], json!({"type": "customer", "id": cu["id"], "name": "Ada"}));
    assert_eq!(m["conversation_id"], cv["id"]);
    // Without a message; by external id; the body as a plain string; an agent writes first.
    let bare = conversation(w, &t, json!({"customer": {"external_id": "ada"}}));
    assert_eq!((bare["message_count"].as_i64(), bare["last_message_at"].is_null()), (Some(0), true));
    assert_eq!((bare["priority"].as_str(), bare["channel"].as_str()), (Some("normal"), Some("api")));
    let s = conversation(w, &t, json!({"customer": {"id": id(&cu)}, "message": "Hello"}));
    assert_eq!(s["message_count"], 1);
    create_agent(w, &t, agent("outreach"));
    let out = conversation(
        w,
        &t,
        json!({"customer": id(&cu), "message": {"body": "Your order shipped", "sender_type": "agent", "sender_id": "outreach"}}),
    );
    let m = w.get(&format!("/v1/conversations/{}/messages", id(&out)), &t.token).json();
    assert_eq!(m["data"][0]["sender"]["type"], "agent");
    // With an initial assignee.
    let mem = member(w, &t, "Grace", "grace@example.com");
    let a = conversation(w, &t, json!({"customer": id(&cu), "assignee_type": "member", "assignee_id": mem["id"]}));
    assert_eq!(a["assignee"]["id"], mem["id"]);
    assert!(a["assigned_at"].is_string());
    assert_eq!(count(w, &t, &format!("/v1/conversations?customer={}", id(&cu))), 5);
}

fn conversations_create_validation_and_references(w: &World) {
    let t = w.tenant();
    let cu = customer(w, &t, json!({"name": "Ada"}));
    let c = id(&cu);
    for (field, body) in [
        ("customer", json!({})),
        ("customer", json!({"customer": "ada"})),
        ("customer", json!({"customer": 99999999})),
        ("customer", json!({"customer": {"external_id": "nobody"}})),
        ("priority", json!({"customer": c, "priority": "asap"})),
        ("channel", json!({"customer": c, "channel": "fax"})),
        ("subject", json!({"customer": c, "subject": 5})),
        ("tags", json!({"customer": c, "tags": "x"})),
        ("message", json!({"customer": c, "message": 5})),
        ("message.body", json!({"customer": c, "message": {"body": ""}})),
        (
            "message.sender_type",
            json!({"customer": c, "message": {"body": "x", "sender_type": "robot", "sender_id": 1}}),
        ),
        ("message.sender_id", json!({"customer": c, "message": {"body": "x", "sender_type": "member"}})),
        ("assignee_type", json!({"customer": c, "assignee_id": 1})),
        ("assignee_id", json!({"customer": c, "assignee_type": "agent"})),
    ] {
        w.post("/v1/conversations", &t.token, &body).expect_invalid(field);
    }
    // Business rules after validation and existence.
    let other = customer(w, &t, json!({"name": "Other"}));
    w.post(
        "/v1/conversations",
        &t.token,
        &json!({"customer": c, "message": {"body": "x", "sender_type": "customer", "sender_id": id(&other)}}),
    )
    .expect_error(400, "INVALID_SENDER");
    w.post(
        "/v1/conversations",
        &t.token,
        &json!({"customer": c, "message": {"body": "x", "sender_type": "member", "sender_id": 99999999}}),
    )
    .expect_error(400, "INVALID_SENDER");
    w.post("/v1/conversations", &t.token, &json!({"customer": c, "assignee_type": "bot", "assignee_id": 1}))
        .expect_error(400, "INVALID_ASSIGNEE_TYPE");
    w.post("/v1/conversations", &t.token, &json!({"customer": c, "assignee_type": "agent", "assignee_id": 99999999}))
        .expect_error(400, "INVALID_ASSIGNEE");
    create_agent(w, &t, agent("phone-bot"));
    w.post(
        "/v1/conversations",
        &t.token,
        &json!({"customer": c, "channel": "phone", "assignee_type": "agent", "assignee_id": "phone-bot"}),
    )
    .expect_error(400, "INVALID_ASSIGNEE_TYPE");
    // Nothing was created by any refused request: one transaction each.
    assert_eq!(count(w, &t, "/v1/conversations"), 0);
    w.send("POST", "/v1/conversations", Some(&t.token), Some("[]"), &[]).expect_error(400, "INVALID_JSON");
}

fn conversations_patch_and_delete(w: &World) {
    let t = w.tenant();
    let cu = customer(w, &t, json!({}));
    let cv = conversation(w, &t, json!({"customer": id(&cu), "subject": "Old", "tags": ["a"]}));
    let path = format!("/v1/conversations/{}", id(&cv));
    let p = w.patch(&path, &t.token, &json!({"subject": "New", "priority": "urgent", "tags": ["b", "c"]})).expect(200);
    let p = p.json();
    assert_eq!(
        (p["subject"].as_str(), p["priority"].as_str(), p["tags"].clone()),
        (Some("New"), Some("urgent"), json!(["b", "c"]))
    );
    assert_eq!(count(w, &t, "/v1/conversations?tag=a"), 0);
    assert_eq!(count(w, &t, "/v1/conversations?tag=c"), 1);
    let p = w.patch(&path, &t.token, &json!({"subject": null})).expect(200).json();
    assert!(p["subject"].is_null());
    assert_eq!(p["priority"], "urgent");
    for (field, body) in [
        ("status", json!({"status": "closed"})),
        ("assignee_type", json!({"assignee_type": "agent"})),
        ("priority", json!({"priority": "asap"})),
        ("priority", json!({"priority": null})),
        ("tags", json!({"tags": [3]})),
    ] {
        w.patch(&path, &t.token, &body).expect_invalid(field);
    }
    w.patch("/v1/conversations/99999999", &t.token, &json!({"subject": "x"})).expect_error(404, "RESOURCE_NOT_FOUND");
    w.post(
        &format!("{path}/messages"),
        &t.token,
        &json!({"body": "hi", "sender_type": "customer", "sender_id": cu["id"]}),
    )
    .expect(201);
    w.delete(&path, &t.token).expect(204);
    w.get(&path, &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.get(&format!("{path}/messages"), &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.delete(&path, &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    // Deleting a customer deletes their conversations.
    let cv2 = conversation(w, &t, json!({"customer": id(&cu), "message": "x"}));
    w.delete(&format!("/v1/customers/{}", id(&cu)), &t.token).expect(204);
    w.get(&format!("/v1/conversations/{}", id(&cv2)), &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
}

fn conversations_lifecycle_is_stamped(w: &World) {
    let t = w.tenant();
    let cu = customer(w, &t, json!({}));
    let cv = conversation(w, &t, json!({"customer": id(&cu)}));
    let path = format!("/v1/conversations/{}", id(&cv));
    std::thread::sleep(std::time::Duration::from_millis(5));
    let p = w.post(&format!("{path}/pending"), &t.token, &json!({})).expect(200).json();
    assert_eq!(p["status"], "pending");
    assert!(p["status_changed_at"].as_str() > cv["status_changed_at"].as_str(), "{p}");
    let until = rfc3339_in(2 * 3600);
    let s = w.post(&format!("{path}/snooze"), &t.token, &json!({"snoozed_until": until})).expect(200).json();
    assert_eq!(s["status"], "snoozed");
    assert_eq!(s["snoozed_until"].as_str().unwrap()[..16], until[..16]);
    for bad in [
        json!({}),
        json!({"snoozed_until": "next week"}),
        json!({"snoozed_until": "2000-01-01T00:00:00Z"}),
        json!({"snoozed_until": rfc3339_in(24 * 400 * 3600)}),
    ] {
        w.post(&format!("{path}/snooze"), &t.token, &bad).expect_invalid("snoozed_until");
    }
    std::thread::sleep(std::time::Duration::from_millis(5));
    let c = w.post(&format!("{path}/close"), &t.token, &json!({})).expect(200).json();
    assert_eq!(c["status"], "closed");
    assert!(c["snoozed_until"].is_null());
    assert_eq!(c["closed_at"], c["status_changed_at"]);
    // Closing again changes nothing but updated_at.
    std::thread::sleep(std::time::Duration::from_millis(5));
    let again = w.post(&format!("{path}/close"), &t.token, &json!({})).expect(200).json();
    assert_eq!(
        (again["closed_at"].clone(), again["status_changed_at"].clone()),
        (c["closed_at"].clone(), c["status_changed_at"].clone())
    );
    let o = w.post(&format!("{path}/open"), &t.token, &json!({})).expect(200).json();
    assert_eq!(o["status"], "open");
    assert!(o["closed_at"].is_null());
    // Without a body too.
    w.send("POST", &format!("{path}/close"), Some(&t.token), None, &[]).expect(200);
    for action in ["open", "pending", "close"] {
        w.post(&format!("/v1/conversations/99999999/{action}"), &t.token, &json!({}))
            .expect_error(404, "RESOURCE_NOT_FOUND");
    }
    w.post("/v1/conversations/99999999/snooze", &t.token, &json!({"snoozed_until": rfc3339_in(3600)}))
        .expect_error(404, "RESOURCE_NOT_FOUND");
    w.get(&format!("{path}/close"), &t.token).expect_error(405, "METHOD_NOT_ALLOWED");
}

fn customer_messages_reopen_snoozed_and_closed(w: &World) {
    let t = w.tenant();
    let cu = customer(w, &t, json!({"name": "Ada"}));
    let m = member(w, &t, "Grace", "grace@example.com");
    let cv = conversation(w, &t, json!({"customer": id(&cu), "message": "first"}));
    let path = format!("/v1/conversations/{}", id(&cv));
    let say = |kind: &str, sender_type: &str, sender_id: &Value| {
        w.post(
            &format!("{path}/{kind}"),
            &t.token,
            &json!({"body": "hello", "sender_type": sender_type, "sender_id": sender_id}),
        )
        .expect(201)
    };
    w.post(&format!("{path}/close"), &t.token, &json!({})).expect(200);
    say("messages", "member", &m["id"]);
    say("notes", "member", &m["id"]);
    assert_eq!(w.get(&path, &t.token).json()["status"], "closed", "a member's message or note does not re-open");
    say("messages", "customer", &cu["id"]);
    let now = w.get(&path, &t.token).json();
    assert_eq!(now["status"], "open");
    assert!(now["closed_at"].is_null());
    assert_eq!((now["message_count"].as_i64(), now["note_count"].as_i64()), (Some(3), Some(1)));
    w.post(&format!("{path}/snooze"), &t.token, &json!({"snoozed_until": rfc3339_in(3 * 3600)})).expect(200);
    say("messages", "customer", &cu["id"]);
    let now = w.get(&path, &t.token).json();
    assert_eq!(now["status"], "open");
    assert!(now["snoozed_until"].is_null());
    // A pending conversation stays pending.
    w.post(&format!("{path}/pending"), &t.token, &json!({})).expect(200);
    say("messages", "customer", &cu["id"]);
    assert_eq!(w.get(&path, &t.token).json()["status"], "pending");
}

fn assignment_to_agents_and_members(w: &World) {
    let t = w.tenant();
    let cu = customer(w, &t, json!({}));
    let bot = create_agent(w, &t, agent("assign-bot"));
    let m = member(w, &t, "Grace", "grace@example.com");
    let cv = conversation(w, &t, json!({"customer": id(&cu)}));
    let assign = format!("/v1/conversations/{}/assign", id(&cv));
    let a = w.post(&assign, &t.token, &json!({"assignee_type": "agent", "assignee_id": bot["id"]})).expect(200).json();
    assert_eq!((a["assignee_type"].as_str(), a["assignee_id"].as_i64()), (Some("agent"), bot["id"].as_i64()));
    let first_at = a["assigned_at"].clone();
    assert!(first_at.is_string());
    std::thread::sleep(std::time::Duration::from_millis(5));
    let same =
        w.post(&assign, &t.token, &json!({"assignee_type": "agent", "assignee_id": "assign-bot"})).expect(200).json();
    assert_eq!(same["assigned_at"], first_at, "the same assignee again does not move assigned_at");
    let b = w
        .post(&assign, &t.token, &json!({"assignee_type": "member", "assignee_id": "GRACE@example.com"}))
        .expect(200)
        .json();
    assert_eq!(b["assignee"], json!({"type": "member", "id": m["id"], "name": "Grace", "email": "grace@example.com"}));
    assert_ne!(b["assigned_at"], first_at);
    assert_eq!(w.get(&format!("/v1/members/{}", id(&m)), &t.token).json()["open_conversation_count"], 1);
    let b = w
        .post(&assign, &t.token, &json!({"assignee_type": "member", "assignee_id": m["id"].to_string()}))
        .expect(200)
        .json();
    assert_eq!(b["assignee_id"], m["id"]);
    let u = w.post(&assign, &t.token, &json!({"assignee_type": null})).expect(200).json();
    assert!(
        u["assignee"].is_null()
            && u["assignee_type"].is_null()
            && u["assignee_id"].is_null()
            && u["assigned_at"].is_null()
    );
    w.post(&assign, &t.token, &json!({"assignee_type": null, "assignee_id": null})).expect(200);
    // A member may take a closed conversation; an AI agent on it after reopening.
    w.post(&format!("/v1/conversations/{}/close", id(&cv)), &t.token, &json!({})).expect(200);
    w.post(&assign, &t.token, &json!({"assignee_type": "member", "assignee_id": m["id"]})).expect(200);
    w.post(&format!("/v1/conversations/{}/open", id(&cv)), &t.token, &json!({})).expect(200);
    w.post(&assign, &t.token, &json!({"assignee_type": "agent", "assignee_id": bot["id"]})).expect(200);
    // Snoozed and pending conversations take agents too.
    w.post(&format!("/v1/conversations/{}/pending", id(&cv)), &t.token, &json!({})).expect(200);
    w.post(&assign, &t.token, &json!({"assignee_type": "agent", "assignee_id": bot["id"]})).expect(200);
}

fn assignment_error_codes(w: &World) {
    let t = w.tenant();
    let other = w.tenant();
    let cu = customer(w, &t, json!({}));
    let bot = create_agent(w, &t, agent("err-bot"));
    let trashed = create_agent(w, &t, agent("trashed-bot"));
    w.post("/v1/agents/trashed-bot/trash", &t.token, &json!({})).expect(204);
    let foreign_agent = create_agent(w, &other, agent("foreign-bot"));
    let foreign_member = member(w, &other, "Foreigner", "f@example.com");
    let cv = conversation(w, &t, json!({"customer": id(&cu), "channel": "chat"}));
    let assign = format!("/v1/conversations/{}/assign", id(&cv));
    // 422: the body's shape.
    for (field, body) in [
        ("assignee_type", json!({})),
        ("assignee_type", json!({"assignee_id": 1})),
        ("assignee_type", json!({"assignee_type": 5, "assignee_id": 1})),
        ("assignee_id", json!({"assignee_type": "agent"})),
        ("assignee_id", json!({"assignee_type": "agent", "assignee_id": [1]})),
        ("assignee_id", json!({"assignee_type": null, "assignee_id": 1})),
    ] {
        w.post(&assign, &t.token, &body).expect_invalid(field);
    }
    w.send("POST", &assign, Some(&t.token), Some("nope"), &[]).expect_error(400, "INVALID_JSON");
    // 404 before the business rules.
    w.post("/v1/conversations/99999999/assign", &t.token, &json!({"assignee_type": "bot", "assignee_id": 1}))
        .expect_error(404, "RESOURCE_NOT_FOUND");
    // INVALID_ASSIGNEE_TYPE: a type outside agent/member.
    for kind in ["bot", "team", "customer", "AGENT", ""] {
        w.post(&assign, &t.token, &json!({"assignee_type": kind, "assignee_id": bot["id"]}))
            .expect_error(400, "INVALID_ASSIGNEE_TYPE");
    }
    // INVALID_ASSIGNEE: missing, trashed, another workspace's.
    for (kind, who) in [
        ("agent", json!(99999999)),
        ("agent", json!("no-such-bot")),
        ("agent", trashed["id"].clone()),
        ("agent", json!("trashed-bot")),
        ("agent", foreign_agent["id"].clone()),
        ("agent", json!("foreign-bot")),
        ("member", json!(99999999)),
        ("member", foreign_member["id"].clone()),
        ("member", json!("f@example.com")),
    ] {
        let e = w
            .post(&assign, &t.token, &json!({"assignee_type": kind, "assignee_id": who}))
            .expect_error(400, "INVALID_ASSIGNEE");
        assert!(e["error"].is_string());
    }
    // INVALID_ASSIGNEE_TYPE: an AI agent cannot be assigned a closed conversation ...
    w.post(&format!("/v1/conversations/{}/close", id(&cv)), &t.token, &json!({})).expect(200);
    let e = w
        .post(&assign, &t.token, &json!({"assignee_type": "agent", "assignee_id": bot["id"]}))
        .expect_error(400, "INVALID_ASSIGNEE_TYPE");
    assert!(e["error"].as_str().unwrap().contains("closed"), "{e}");
    // ... nor a phone conversation.
    let call = conversation(w, &t, json!({"customer": id(&cu), "channel": "phone"}));
    w.post(
        &format!("/v1/conversations/{}/assign", id(&call)),
        &t.token,
        &json!({"assignee_type": "agent", "assignee_id": bot["id"]}),
    )
    .expect_error(400, "INVALID_ASSIGNEE_TYPE");
    // Nothing changed.
    assert!(w.get(&format!("/v1/conversations/{}", id(&cv)), &t.token).json()["assignee"].is_null());
}

fn deleted_assignees_leave_conversations_unassigned(w: &World) {
    let t = w.tenant();
    let cu = customer(w, &t, json!({}));
    let bot = create_agent(w, &t, agent("gone-bot"));
    let m = member(w, &t, "Gone", "gone@example.com");
    let a = conversation(w, &t, json!({"customer": id(&cu), "assignee_type": "agent", "assignee_id": bot["id"]}));
    let b = conversation(w, &t, json!({"customer": id(&cu), "assignee_type": "member", "assignee_id": m["id"]}));
    w.post(
        &format!("/v1/conversations/{}/messages", id(&b)),
        &t.token,
        &json!({"body": "x", "sender_type": "member", "sender_id": m["id"]}),
    )
    .expect(201);
    w.delete("/v1/agents/gone-bot", &t.token).expect(204);
    w.delete(&format!("/v1/members/{}", id(&m)), &t.token).expect(204);
    for cv in [&a, &b] {
        let got = w.get(&format!("/v1/conversations/{}", id(cv)), &t.token).json();
        assert!(got["assignee"].is_null() && got["assignee_type"].is_null(), "{got}");
    }
    let msgs = w.get(&format!("/v1/conversations/{}/messages", id(&b)), &t.token).json();
    assert_eq!(msgs["data"][0]["sender"]["type"], "member");
    assert!(msgs["data"][0]["sender"]["name"].is_null(), "the message stays, its sender's name is gone");
    assert_eq!(count(w, &t, "/v1/conversations?assignee_type=none"), 2);
}

fn messages_and_notes(w: &World) {
    let t = w.tenant();
    let cu = customer(w, &t, json!({"name": "Ada", "external_id": "ada"}));
    let bot = create_agent(w, &t, agent("msg-bot"));
    let m = member(w, &t, "Grace", "grace@example.com");
    let cv = conversation(w, &t, json!({"customer": id(&cu)}));
    let path = format!("/v1/conversations/{}", id(&cv));
    let c = w
        .post(
            &format!("{path}/messages"),
            &t.token,
            &json!({"body": "Hi", "sender_type": "customer", "sender_id": cu["id"]}),
        )
        .expect(201)
        .json();
    for f in ["id", "conversation_id", "type", "body", "sender_type", "sender_id", "sender", "created_at"] {
        assert!(c.get(f).is_some(), "{f}: {c}");
    }
    assert_eq!((c["type"].as_str(), c["sender_type"].as_str()), (Some("message"), Some("customer")));
    let by_ext = w
        .post(
            &format!("{path}/messages"),
            &t.token,
            &json!({"body": "Me again", "sender_type": "customer", "sender_id": "ada"}),
        )
        .expect(201)
        .json();
    assert_eq!(by_ext["sender_id"], cu["id"]);
    let a = w
        .post(
            &format!("{path}/messages"),
            &t.token,
            &json!({"body": "Bot here", "sender_type": "agent", "sender_id": "msg-bot"}),
        )
        .expect(201)
        .json();
    assert_eq!(a["sender"], json!({"type": "agent", "id": bot["id"], "name": "Tweety Bird"}));
    let h = w
        .post(
            &format!("{path}/messages"),
            &t.token,
            &json!({"body": "Human here", "sender_type": "member", "sender_id": m["id"]}),
        )
        .expect(201)
        .json();
    let n1 = w
        .post(
            &format!("{path}/notes"),
            &t.token,
            &json!({"body": "Internal", "sender_type": "member", "sender_id": "grace@example.com"}),
        )
        .expect(201)
        .json();
    assert_eq!(n1["type"], "note");
    let n2 = w
        .post(
            &format!("{path}/notes"),
            &t.token,
            &json!({"body": "Handoff summary", "sender_type": "agent", "sender_id": bot["id"]}),
        )
        .expect(201)
        .json();
    // Notes are never among the messages.
    let msgs = w.get(&format!("{path}/messages"), &t.token).expect(200).json();
    assert_eq!(ids(&msgs), vec![id(&c), id(&by_ext), id(&a), id(&h)], "oldest first");
    assert!(msgs["data"].as_array().unwrap().iter().all(|m| m["type"] == "message"));
    let notes = w.get(&format!("{path}/notes"), &t.token).expect(200).json();
    assert_eq!(ids(&notes), vec![id(&n1), id(&n2)]);
    let page = w.get(&format!("{path}/messages?take=2&skip=1"), &t.token).expect(200).json();
    assert_eq!(ids(&page), vec![id(&by_ext), id(&a)]);
    assert_eq!((page["start"].as_i64(), page["end"].as_i64(), page["count"].as_i64()), (Some(1), Some(3), Some(4)));
    let newest = w.get(&format!("{path}/messages?order_by=id+desc&take=1"), &t.token).json();
    assert_eq!(ids(&newest), vec![id(&h)]);
    assert_eq!(w.get(&format!("{path}/messages?count_only=true"), &t.token).json(), json!({"count": 4}));
    let conv = w.get(&path, &t.token).json();
    assert_eq!((conv["message_count"].as_i64(), conv["note_count"].as_i64()), (Some(4), Some(2)));
    assert_eq!(conv["last_message_at"], h["created_at"], "notes do not move last_message_at");
    // 422s.
    for (kind, field, body) in [
        ("messages", "body", json!({"sender_type": "customer", "sender_id": cu["id"]})),
        ("messages", "body", json!({"body": "  ", "sender_type": "customer", "sender_id": cu["id"]})),
        ("messages", "body", json!({"body": "x".repeat(65_537), "sender_type": "customer", "sender_id": cu["id"]})),
        ("messages", "sender_type", json!({"body": "x"})),
        ("messages", "sender_type", json!({"body": "x", "sender_type": "system", "sender_id": 1})),
        ("messages", "sender_id", json!({"body": "x", "sender_type": "member"})),
        ("messages", "sender_id", json!({"body": "x", "sender_type": "member", "sender_id": {"id": 1}})),
        ("notes", "sender_type", json!({"body": "x", "sender_type": "customer", "sender_id": cu["id"]})),
        ("notes", "body", json!({"sender_type": "member", "sender_id": m["id"]})),
    ] {
        w.post(&format!("{path}/{kind}"), &t.token, &body).expect_invalid(field);
    }
    w.get(&format!("{path}/messages?order_by=body"), &t.token).expect_invalid("order_by");
    w.get("/v1/conversations/99999999/messages", &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.get("/v1/conversations/99999999/notes", &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.post(
        "/v1/conversations/99999999/notes",
        &t.token,
        &json!({"body": "x", "sender_type": "member", "sender_id": m["id"]}),
    )
    .expect_error(404, "RESOURCE_NOT_FOUND");
}

fn message_sender_errors(w: &World) {
    let t = w.tenant();
    let other = w.tenant();
    let cu = customer(w, &t, json!({"external_id": "mine"}));
    let stranger = customer(w, &t, json!({"external_id": "stranger"}));
    create_agent(w, &t, agent("trashy-bot"));
    w.post("/v1/agents/trashy-bot/trash", &t.token, &json!({})).expect(204);
    let foreign_member = member(w, &other, "F", "f@example.com");
    let foreign_customer = customer(w, &other, json!({"external_id": "foreign"}));
    let foreign_agent = create_agent(w, &other, agent("foreign-bot"));
    let cv = conversation(w, &t, json!({"customer": id(&cu)}));
    let path = format!("/v1/conversations/{}", id(&cv));
    for (kind, sender_type, sender_id) in [
        ("messages", "customer", stranger["id"].clone()),
        ("messages", "customer", json!("stranger")),
        ("messages", "customer", json!(99999999)),
        ("messages", "customer", foreign_customer["id"].clone()),
        ("messages", "customer", json!("foreign")),
        ("messages", "member", json!(99999999)),
        ("messages", "member", foreign_member["id"].clone()),
        ("messages", "member", json!("nobody@example.com")),
        ("messages", "agent", json!("trashy-bot")),
        ("messages", "agent", foreign_agent["id"].clone()),
        ("messages", "agent", json!("no-bot")),
        ("notes", "member", foreign_member["id"].clone()),
        ("notes", "agent", json!("trashy-bot")),
    ] {
        w.post(
            &format!("{path}/{kind}"),
            &t.token,
            &json!({"body": "x", "sender_type": sender_type, "sender_id": sender_id}),
        )
        .expect_error(400, "INVALID_SENDER");
    }
    let conv = w.get(&path, &t.token).json();
    assert_eq!((conv["message_count"].as_i64(), conv["note_count"].as_i64()), (Some(0), Some(0)));
    assert!(conv["last_message_at"].is_null());
}

fn conversations_listing_filters(w: &World) {
    let t = w.tenant();
    let ada = customer(w, &t, json!({"name": "Ada"}));
    let bob = customer(w, &t, json!({"name": "Bob"}));
    let bot = create_agent(w, &t, agent("list-bot"));
    let m = member(w, &t, "Grace", "grace@example.com");
    let c1 = conversation(
        w,
        &t,
        json!({"customer": id(&ada), "subject": "Refund request", "tags": ["billing"], "priority": "high"}),
    );
    let c2 = conversation(
        w,
        &t,
        json!({"customer": id(&ada), "subject": "Login issue", "channel": "chat", "message": "help"}),
    );
    let c3 = conversation(w, &t, json!({"customer": id(&bob), "subject": "Refund again", "tags": ["billing", "vip"]}));
    let c4 = conversation(w, &t, json!({"customer": id(&bob), "channel": "email"}));
    let post = |cv: &Value, action: &str, body: Value| {
        w.post(&format!("/v1/conversations/{}/{action}", id(cv)), &t.token, &body).expect(200);
    };
    post(&c1, "assign", json!({"assignee_type": "agent", "assignee_id": bot["id"]}));
    post(&c2, "assign", json!({"assignee_type": "agent", "assignee_id": bot["id"]}));
    post(&c3, "assign", json!({"assignee_type": "member", "assignee_id": m["id"]}));
    post(&c2, "close", json!({}));
    post(&c4, "snooze", json!({"snoozed_until": rfc3339_in(3600)}));
    let q = |query: &str| ids(&w.get(&format!("/v1/conversations?{query}"), &t.token).expect(200).json());
    assert_eq!(q(""), vec![id(&c1), id(&c2), id(&c3), id(&c4)]);
    assert_eq!(q("status=open"), vec![id(&c1), id(&c3)]);
    assert_eq!(q("status=closed,snoozed"), vec![id(&c2), id(&c4)]);
    assert_eq!(q(&format!("customer={}", id(&ada))), vec![id(&c1), id(&c2)]);
    assert_eq!(q("assignee_type=agent"), vec![id(&c1), id(&c2)]);
    assert_eq!(q("assignee_type=member"), vec![id(&c3)]);
    assert_eq!(q("assignee_type=none"), vec![id(&c4)]);
    assert_eq!(q(&format!("assignee_type=agent&assignee={}&status=open", id(&bot))), vec![id(&c1)]);
    // The agent by uid and the member by e-mail, as assignment takes them.
    let uid = bot["uid"].as_str().unwrap().to_string();
    assert_eq!(q(&format!("assignee_type=agent&assignee={uid}&status=open")), vec![id(&c1)]);
    let email = m["email"].as_str().unwrap().to_string();
    assert_eq!(q(&format!("assignee_type=member&assignee={email}")), vec![id(&c3)]);
    assert_eq!(q("assignee_type=agent&assignee=nobody-here"), Vec::<i64>::new());
    assert_eq!(q(&format!("assignee_type=member&assignee={}", id(&m))), vec![id(&c3)]);
    assert_eq!(q("assignee_type=member&assignee=99999999"), Vec::<i64>::new());
    assert_eq!(q("tag=billing"), vec![id(&c1), id(&c3)]);
    assert_eq!(q("tag=vip&status=open"), vec![id(&c3)]);
    assert_eq!(q("priority=high"), vec![id(&c1)]);
    assert_eq!(q("channel=chat,email"), vec![id(&c2), id(&c4)]);
    assert_eq!(q("q=refund"), vec![id(&c1), id(&c3)]);
    assert_eq!(q("q=again&autocomplete=false"), vec![id(&c3)]);
    assert_eq!(q("customer=99999999"), Vec::<i64>::new());
    assert_eq!(q("order_by=id+desc&take=2"), vec![id(&c4), id(&c3)]);
    assert_eq!(q("order_by=last_message_at+desc&take=1"), vec![id(&c2)], "the only one with a message");
    assert_eq!(q("order_by=updated_at+desc&take=1"), vec![id(&c4)], "the last one changed");
    let page = w.get("/v1/conversations?status=open,closed,snoozed&take=2&skip=2", &t.token).expect(200).json();
    assert_eq!((page["start"].as_i64(), page["end"].as_i64(), page["count"].as_i64()), (Some(2), Some(4), Some(4)));
    assert_eq!(count(w, &t, "/v1/conversations?status=open"), 2);
    let listed = w.get("/v1/conversations?take=1", &t.token).json();
    assert_eq!(listed["data"][0], w.get(&format!("/v1/conversations/{}", id(&c1)), &t.token).json());
}

fn listing_rejects_bad_parameters(w: &World) {
    let t = w.tenant();
    for (path, q, field) in [
        ("/v1/conversations", "status=done", "status"),
        ("/v1/conversations", "assignee_type=bot", "assignee_type"),
        ("/v1/conversations", "assignee=5", "assignee"),
        ("/v1/conversations", "customer=ada", "customer"),
        ("/v1/conversations", "priority=asap", "priority"),
        ("/v1/conversations", "channel=fax", "channel"),
        ("/v1/conversations", "order_by=subject", "order_by"),
        ("/v1/conversations", "take=101", "take"),
        ("/v1/customers", "company=acme", "company"),
        ("/v1/customers", "order_by=phone", "order_by"),
        ("/v1/customers", "skip=-1", "skip"),
        ("/v1/companies", "order_by=traits", "order_by"),
        ("/v1/companies", "count_only=maybe", "count_only"),
        ("/v1/members", "role=owner", "role"),
        ("/v1/members", "take=0", "take"),
    ] {
        w.get(&format!("{path}?{q}"), &t.token).expect_invalid(field);
    }
}

fn workspaces_are_isolated(w: &World) {
    let a = w.tenant();
    let b = w.tenant();
    let co = company(w, &a, json!({"name": "A corp", "external_id": "a-corp"}));
    let cu = customer(w, &a, json!({"name": "A person", "external_id": "a-person", "company": id(&co)}));
    let m = member(w, &a, "A member", "member@a.com");
    let bot = create_agent(w, &a, agent("a-bot"));
    let cv = conversation(w, &a, json!({"customer": id(&cu), "message": "secret", "tags": ["a"]}));
    let paths = [
        format!("/v1/companies/{}", id(&co)),
        format!("/v1/customers/{}", id(&cu)),
        format!("/v1/members/{}", id(&m)),
        format!("/v1/conversations/{}", id(&cv)),
    ];
    for p in &paths {
        w.get(p, &b.token).expect_error(404, "RESOURCE_NOT_FOUND");
        w.patch(p, &b.token, &json!({"name": "pwned"})).expect_error(404, "RESOURCE_NOT_FOUND");
        w.delete(p, &b.token).expect_error(404, "RESOURCE_NOT_FOUND");
    }
    w.get("/v1/companies/by-external-id/a-corp", &b.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.get("/v1/customers/by-external-id/a-person", &b.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.get(&format!("/v1/companies/{}/customers", id(&co)), &b.token).expect_error(404, "RESOURCE_NOT_FOUND");
    let cvp = &paths[3];
    for action in ["open", "pending", "close"] {
        w.post(&format!("{cvp}/{action}"), &b.token, &json!({})).expect_error(404, "RESOURCE_NOT_FOUND");
    }
    w.post(&format!("{cvp}/snooze"), &b.token, &json!({"snoozed_until": rfc3339_in(3600)}))
        .expect_error(404, "RESOURCE_NOT_FOUND");
    w.post(&format!("{cvp}/assign"), &b.token, &json!({"assignee_type": null})).expect_error(404, "RESOURCE_NOT_FOUND");
    w.get(&format!("{cvp}/messages"), &b.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.get(&format!("{cvp}/notes"), &b.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.post(
        &format!("{cvp}/messages"),
        &b.token,
        &json!({"body": "x", "sender_type": "customer", "sender_id": cu["id"]}),
    )
    .expect_error(404, "RESOURCE_NOT_FOUND");
    // Never in B's lists, whatever the filter.
    for list in [
        "/v1/companies".to_string(),
        "/v1/customers".to_string(),
        "/v1/members".to_string(),
        "/v1/conversations".to_string(),
        format!("/v1/customers?company={}", id(&co)),
        format!("/v1/conversations?customer={}", id(&cu)),
        format!("/v1/conversations?assignee_type=agent&assignee={}", id(&bot)),
        "/v1/conversations?tag=a".to_string(),
        "/v1/customers?q=a".to_string(),
    ] {
        let r = w.get(&list, &b.token).expect(200).json();
        assert_eq!((r["count"].as_i64(), r["data"].clone()), (Some(0), json!([])), "{list}");
    }
    // A's records cannot be referenced from B.
    w.post("/v1/customers", &b.token, &json!({"company": id(&co)})).expect_invalid("company");
    w.post("/v1/customers", &b.token, &json!({"company": {"external_id": "a-corp"}})).expect_invalid("company");
    w.post("/v1/conversations", &b.token, &json!({"customer": id(&cu)})).expect_invalid("customer");
    w.post("/v1/conversations", &b.token, &json!({"customer": {"external_id": "a-person"}})).expect_invalid("customer");
    let b_cu = customer(w, &b, json!({}));
    let b_cv = conversation(w, &b, json!({"customer": id(&b_cu)}));
    let b_assign = format!("/v1/conversations/{}/assign", id(&b_cv));
    w.post(&b_assign, &b.token, &json!({"assignee_type": "agent", "assignee_id": bot["id"]}))
        .expect_error(400, "INVALID_ASSIGNEE");
    w.post(&b_assign, &b.token, &json!({"assignee_type": "member", "assignee_id": m["id"]}))
        .expect_error(400, "INVALID_ASSIGNEE");
    w.post(
        &format!("/v1/conversations/{}/messages", id(&b_cv)),
        &b.token,
        &json!({"body": "x", "sender_type": "member", "sender_id": m["id"]}),
    )
    .expect_error(400, "INVALID_SENDER");
    // A's records are untouched.
    assert_eq!(w.get(&paths[1], &a.token).expect(200).json()["name"], "A person");
    assert_eq!(w.get(&paths[3], &a.token).expect(200).json()["message_count"], 1);
}

fn abilities_and_head(w: &World) {
    let t = w.tenant();
    let read_only = w.token_for(t.id, &["external-api:read"]);
    let cu = customer(w, &t, json!({"name": "Ada"}));
    let cv = conversation(w, &t, json!({"customer": id(&cu)}));
    for (path, body) in [
        ("/v1/customers".to_string(), json!({})),
        ("/v1/companies".to_string(), json!({"name": "x"})),
        ("/v1/members".to_string(), json!({"name": "x", "email": "x@example.com"})),
        ("/v1/conversations".to_string(), json!({"customer": id(&cu)})),
        (format!("/v1/conversations/{}/close", id(&cv)), json!({})),
        (format!("/v1/conversations/{}/assign", id(&cv)), json!({"assignee_type": null})),
    ] {
        let e = w.post(&path, &read_only, &body).expect_error(403, "INSUFFICIENT_TOKEN_ABILITY");
        assert_eq!(e["error"], "Token missing required ability: external-api:write");
    }
    w.delete(&format!("/v1/customers/{}", id(&cu)), &read_only).expect_error(403, "INSUFFICIENT_TOKEN_ABILITY");
    w.get(&format!("/v1/conversations/{}", id(&cv)), &read_only).expect(200);
    w.send("GET", "/v1/customers", None, None, &[]).expect_error(401, "UNAUTHENTICATED");
    let r = w.send("HEAD", &format!("/v1/customers/{}", id(&cu)), Some(&t.token), None, &[]).expect(200);
    assert!(r.body.is_empty());
    w.send("HEAD", "/v1/conversations/99999999", Some(&t.token), None, &[]).expect(404);
    let r = w.send("PUT", "/v1/customers", Some(&t.token), Some("{}"), &[]).expect_error(405, "METHOD_NOT_ALLOWED");
    let _ = r;
}

/// 10,000 conversations in one workspace (seeded in one statement through the test hook):
/// filtered, paged and counted listings stay correct and fast (each filter has an index
/// that starts with the workspace).
fn listing_at_scale_10000_conversations(w: &World) {
    let t = w.tenant();
    let cu = customer(w, &t, json!({"name": "Bulk"}));
    let bot = create_agent(w, &t, agent("bulk-bot"));
    let m = member(w, &t, "Bulk member", "bulk@example.com");
    let n = 10_000;
    let r = w.send(
        "POST",
        &format!(
            "/__test/seed-conversations?workspace={}&customer={}&agent={}&member={}&n={n}",
            t.id,
            id(&cu),
            id(&bot),
            id(&m)
        ),
        None,
        Some("{}"),
        &[],
    );
    assert_eq!(r.status, 200, "seed: {}", r.body);
    // What the seed wrote (see store::conversations::seed_for_tests).
    let expect = |f: &dyn Fn(i64) -> bool| (0..n).filter(|i| f(*i)).count() as i64;
    let open_agent = expect(&|i| i % 4 == 0 && i % 3 == 0);
    let checks: Vec<(String, i64)> = vec![
        ("".into(), n),
        ("status=open".into(), expect(&|i| i % 4 == 0)),
        ("status=open,pending".into(), expect(&|i| i % 4 < 2)),
        (format!("status=open&assignee_type=agent&assignee={}", id(&bot)), open_agent),
        (format!("assignee_type=member&assignee={}", id(&m)), expect(&|i| i % 3 == 1)),
        ("assignee_type=none".into(), expect(&|i| i % 3 == 2)),
        ("tag=vip".into(), expect(&|i| i % 10 == 0)),
        ("tag=vip&status=open".into(), expect(&|i| i % 10 == 0 && i % 4 == 0)),
        (format!("customer={}&status=closed", id(&cu)), expect(&|i| i % 4 == 3)),
    ];
    let started = Instant::now();
    for (query, want) in &checks {
        let t0 = Instant::now();
        let page = w.get(&format!("/v1/conversations?{query}&take=100&skip=200"), &t.token).expect(200).json();
        assert_eq!(page["count"].as_i64(), Some(*want), "{query}");
        let got = page["data"].as_array().unwrap();
        assert_eq!(got.len() as i64, (*want - 200).clamp(0, 100), "{query}");
        let ids: Vec<i64> = got.iter().map(id).collect();
        assert!(ids.windows(2).all(|p| p[0] < p[1]), "{query}: default order is id");
        assert!(t0.elapsed().as_millis() < 3_000, "{query} took {:?}", t0.elapsed());
    }
    // The inbox: the agent's open conversations, newest first, deep in the list.
    let inbox = w
        .get(
            &format!(
                "/v1/conversations?status=open&assignee_type=agent&assignee={}&order_by=id+desc&skip=800&take=50",
                id(&bot)
            ),
            &t.token,
        )
        .expect(200)
        .json();
    assert_eq!(inbox["count"].as_i64(), Some(open_agent));
    assert_eq!(inbox["data"].as_array().unwrap().len() as i64, (open_agent - 800).min(50));
    assert!(inbox["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["status"] == "open" && c["assignee"]["id"] == bot["id"]));
    assert_eq!(
        w.get("/v1/conversations?count_only=true&status=snoozed", &t.token).json(),
        json!({"count": expect(&|i| i % 4 == 2)})
    );
    println!("    10,000 conversations: {} filtered listings in {:?}", checks.len() + 1, started.elapsed());
}
