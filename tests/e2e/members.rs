//! Members: create, read, update, delete, roles and the unique e-mail.

use crate::harness::World;
use crate::records::{count, id, member};
use serde_json::json;

pub fn cases() -> Vec<crate::Case> {
    crate::cases![members_crud_roles_and_unique_email,]
}

fn members_crud_roles_and_unique_email(w: &World) {
    let t = w.tenant();
    let m = member(w, &t, "Grace Hopper", "grace@example.com");
    assert_eq!(m["role"], "agent", "default role");
    for f in ["id", "name", "email", "role", "open_conversation_count", "created_at", "updated_at"] {
        assert!(m.get(f).is_some(), "{f}: {m}");
    }
    let admin = w
        .post("/v1/members", &t.token, &json!({"name": "Ada", "email": "ada@example.com", "role": "admin"}))
        .expect(201)
        .json();
    assert_eq!(admin["role"], "admin");
    for (field, body) in [
        ("name", json!({"email": "x@example.com"})),
        ("email", json!({"name": "x"})),
        ("email", json!({"name": "x", "email": "x"})),
        ("role", json!({"name": "x", "email": "x@example.com", "role": "owner"})),
    ] {
        w.post("/v1/members", &t.token, &body).expect_invalid(field);
    }
    let e =
        w.post("/v1/members", &t.token, &json!({"name": "Dup", "email": "GRACE@example.com"})).expect_invalid("email");
    assert!(e["errors"]["email"][0].as_str().unwrap().contains("taken"), "{e}");
    let path = format!("/v1/members/{}", id(&m));
    assert_eq!(w.get(&path, &t.token).expect(200).json(), m);
    let p = w.patch(&path, &t.token, &json!({"role": "admin", "name": "Rear Admiral Hopper"})).expect(200).json();
    assert_eq!((p["role"].as_str(), p["email"].as_str()), (Some("admin"), Some("grace@example.com")));
    w.patch(&path, &t.token, &json!({"email": "ada@example.com"})).expect_invalid("email");
    w.patch(&path, &t.token, &json!({"role": "boss"})).expect_invalid("role");
    w.patch("/v1/members/99999999", &t.token, &json!({"name": "x"})).expect_error(404, "RESOURCE_NOT_FOUND");
    member(w, &t, "Zoe Agent", "zoe@example.com");
    assert_eq!(count(w, &t, "/v1/members"), 3);
    assert_eq!(count(w, &t, "/v1/members?role=admin"), 2);
    assert_eq!(count(w, &t, "/v1/members?role=agent"), 1);
    assert_eq!(count(w, &t, "/v1/members?role=admin,agent"), 3);
    assert_eq!(count(w, &t, "/v1/members?q=zoe"), 1);
    assert_eq!(count(w, &t, "/v1/members?q=hopper"), 1);
    let by_name = w.get("/v1/members?order_by=name+desc", &t.token).expect(200).json();
    assert_eq!(by_name["data"][0]["name"], "Zoe Agent");
    w.get("/v1/members?role=owner", &t.token).expect_invalid("role");
    w.delete(&path, &t.token).expect(204);
    w.get(&path, &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.delete(&path, &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    // The email is free again.
    member(w, &t, "Grace again", "grace@example.com");
}
