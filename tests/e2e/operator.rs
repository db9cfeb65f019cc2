//! The operator API's access: rolling API tokens, operator keys besides `ADMIN_TOKEN`, and
//! the operator API switched off (`ADMIN_API_ENABLED=false`).

use crate::harness::{rfc3339_in, World, ADMIN_TOKEN};
use serde_json::{json, Value};
use std::time::Duration;

pub fn cases() -> Vec<crate::Case> {
    crate::cases![
        roll_with_grace_keeps_the_old_token_until_the_grace_ends,
        roll_without_grace_revokes_the_old_token_at_once,
        roll_again_never_lengthens_the_old_tokens_grace,
        roll_validation_and_unknown_tokens,
        operator_key_lifecycle,
        operator_key_expires_and_bad_keys_are_401,
        admin_api_disabled_hides_every_admin_route,
    ]
}

const READ: &str = "external-api:read";
const WRITE: &str = "external-api:write";

/// A workspace and a token created with `body`; returns (workspace id, token answer).
fn workspace_and_token(w: &World, body: Value) -> (i64, Value) {
    let ws = w.workspace_with(json!({"name": "operator e2e"}));
    let id = ws["id"].as_i64().expect("id");
    let token = w.admin("POST", &format!("/admin/v1/workspaces/{id}/tokens"), Some(body)).expect(201).json();
    (id, token)
}

fn roll(w: &World, ws: i64, token_id: &Value, body: Option<Value>) -> crate::harness::Resp {
    w.admin("POST", &format!("/admin/v1/workspaces/{ws}/tokens/{token_id}/roll"), body)
}

fn plain(token: &Value) -> &str {
    token["token"].as_str().expect("plain-text token")
}

fn millis(rfc3339: &Value) -> i64 {
    weav_edge::domain::time::parse_millis(rfc3339.as_str().expect("a date-time")).expect("RFC 3339")
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as i64
}

fn roll_with_grace_keeps_the_old_token_until_the_grace_ends(w: &World) {
    let expires_at = rfc3339_in(3600);
    let (ws, old) = workspace_and_token(w, json!({"name": "CRM sync", "abilities": [READ], "expires_at": expires_at}));
    let before = now_ms();
    let new = roll(w, ws, &old["id"], Some(json!({"grace_period_seconds": 2}))).expect(201).json();
    // The create's answer, for a new token like the old one.
    assert_ne!(new["id"], old["id"]);
    assert_eq!(new["name"], "CRM sync");
    assert_eq!(new["abilities"], json!([READ]));
    assert_eq!(new["expires_at"], old["expires_at"], "a roll keeps the expiry: {new}");
    assert!(new["created_at"].is_string());
    assert!(plain(&new).starts_with("weav_") && plain(&new) != plain(&old));
    assert_eq!(new["rolled_from"]["id"], old["id"]);
    let end = millis(&new["rolled_from"]["expires_at"]);
    assert!((before + 2_000..=now_ms() + 2_000).contains(&end), "old ends after the grace: {new}");

    // The new token has the same abilities; the old one still works during the grace.
    let me = w.get("/v1/workspace", plain(&new)).expect(200).json();
    assert_eq!((me["id"].as_i64(), me["abilities"].clone()), (Some(ws), json!([READ])));
    w.post("/v1/agents", plain(&new), &json!({})).expect_error(403, "INSUFFICIENT_TOKEN_ABILITY");
    w.get("/v1/workspace", plain(&old)).expect(200);
    // The listing shows both, the old one with its new expiry.
    let list = w.admin("GET", &format!("/admin/v1/workspaces/{ws}/tokens"), None).expect(200).json();
    let listed = list["data"].as_array().expect("data");
    assert_eq!(listed.len(), 2, "{list}");
    let old_row = listed.iter().find(|t| t["id"] == old["id"]).expect("old listed");
    assert_eq!(old_row["expires_at"], new["rolled_from"]["expires_at"]);

    // Past the grace: the old token is refused (its cached record carries the new expiry),
    // the new one works, and the old one can no longer be rolled.
    std::thread::sleep(Duration::from_millis((end - now_ms()).max(0) as u64 + 1_000));
    w.get("/v1/workspace", plain(&old)).expect_error(401, "UNAUTHENTICATED");
    w.get("/v1/workspace", plain(&new)).expect(200);
    roll(w, ws, &old["id"], None).expect_error(404, "RESOURCE_NOT_FOUND");
}

fn roll_without_grace_revokes_the_old_token_at_once(w: &World) {
    let (ws, old) = workspace_and_token(w, json!({"name": "leaked"}));
    // Authenticated once, so this isolate holds the old token in its cache.
    w.get("/v1/workspace", plain(&old)).expect(200);
    let before = now_ms();
    // No body at all: the grace is 0.
    let new = roll(w, ws, &old["id"], None).expect(201).json();
    assert!(
        millis(&new["rolled_from"]["expires_at"]) <= now_ms()
            && millis(&new["rolled_from"]["expires_at"]) >= before - 1_000
    );
    assert_eq!(new["abilities"], json!([READ, WRITE]));
    assert_eq!(new["expires_at"], Value::Null);
    w.get("/v1/workspace", plain(&old)).expect_error(401, "UNAUTHENTICATED");
    w.post(
        "/v1/agents",
        plain(&new),
        &json!({"uid": "rolled", "name": "Rolled", "provider": "openai", "model": "gpt-4.1-mini"}),
    )
    .expect(201);
    // Revoked as a DELETE revokes: gone from the listing, not rollable, DELETE still 204.
    let list = w.admin("GET", &format!("/admin/v1/workspaces/{ws}/tokens"), None).expect(200).json();
    assert_eq!(
        list["data"].as_array().map(|d| d.iter().map(|t| t["id"].clone()).collect::<Vec<_>>()),
        Some(vec![new["id"].clone()])
    );
    roll(w, ws, &old["id"], Some(json!({"grace_period_seconds": 0}))).expect_error(404, "RESOURCE_NOT_FOUND");
    w.admin("DELETE", &format!("/admin/v1/workspaces/{ws}/tokens/{}", old["id"]), None).expect(204);
    // An explicit 0 and `{}` mean the same.
    let newer = roll(w, ws, &new["id"], Some(json!({}))).expect(201).json();
    w.get("/v1/workspace", plain(&new)).expect_error(401, "UNAUTHENTICATED");
    w.get("/v1/workspace", plain(&newer)).expect(200);
}

fn roll_again_never_lengthens_the_old_tokens_grace(w: &World) {
    let (ws, old) = workspace_and_token(w, json!({"name": "twice"}));
    let first = roll(w, ws, &old["id"], Some(json!({"grace_period_seconds": 60}))).expect(201).json();
    // Rolled already but live: it may be rolled again; the end never moves later.
    let second = roll(w, ws, &old["id"], Some(json!({"grace_period_seconds": 3600}))).expect(201).json();
    assert_eq!(second["rolled_from"]["expires_at"], first["rolled_from"]["expires_at"]);
    assert_ne!(second["id"], first["id"]);
    // A shorter grace moves it earlier; 0 ends it at once.
    let third = roll(w, ws, &old["id"], Some(json!({"grace_period_seconds": 5}))).expect(201).json();
    assert!(millis(&third["rolled_from"]["expires_at"]) < millis(&first["rolled_from"]["expires_at"]));
    w.get("/v1/workspace", plain(&old)).expect(200);
    roll(w, ws, &old["id"], Some(json!({"grace_period_seconds": 0}))).expect(201);
    w.get("/v1/workspace", plain(&old)).expect_error(401, "UNAUTHENTICATED");
    for t in [&first, &second, &third] {
        w.get("/v1/workspace", plain(t)).expect(200);
    }
}

fn roll_validation_and_unknown_tokens(w: &World) {
    let (ws, old) = workspace_and_token(w, json!({"name": "valid"}));
    for bad in [json!("60"), json!(-1), json!(86_401), json!(1.5), json!(true), json!([60])] {
        let body = roll(w, ws, &old["id"], Some(json!({ "grace_period_seconds": bad })))
            .expect_invalid("grace_period_seconds");
        assert_eq!(body["errors"].as_object().map(|e| e.len()), Some(1), "{body}");
    }
    let path = format!("/admin/v1/workspaces/{ws}/tokens/{}/roll", old["id"]);
    w.send("POST", &path, Some(ADMIN_TOKEN), Some("{not json"), &[]).expect_error(400, "INVALID_JSON");
    w.send("POST", &path, Some(ADMIN_TOKEN), Some("[]"), &[]).expect_error(400, "INVALID_JSON");
    // Nothing was rolled by the refusals: the token is alone and works.
    let list = w.admin("GET", &format!("/admin/v1/workspaces/{ws}/tokens"), None).expect(200).json();
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1), "{list}");
    w.get("/v1/workspace", plain(&old)).expect(200);

    roll(w, ws, &json!(999_999_999), None).expect_error(404, "RESOURCE_NOT_FOUND");
    roll(w, ws, &json!("abc"), None).expect_error(404, "RESOURCE_NOT_FOUND");
    roll(w, 999_999_999, &old["id"], None).expect_error(404, "RESOURCE_NOT_FOUND");
    let other = w.workspace_with(json!({"name": "other"}));
    roll(w, other["id"].as_i64().expect("id"), &old["id"], None).expect_error(404, "RESOURCE_NOT_FOUND");
    w.get("/v1/workspace", plain(&old)).expect(200);
    // The admin guard comes first.
    w.send("POST", &path, Some(plain(&old)), Some("{}"), &[]).expect_error(401, "UNAUTHENTICATED");
    w.send("GET", &path, Some(ADMIN_TOKEN), None, &[]).expect_error(405, "METHOD_NOT_ALLOWED");
}

fn operator_key_lifecycle(w: &World) {
    let created = w.admin("POST", "/admin/v1/operator-keys", Some(json!({"name": "deploy bot"}))).expect(201).json();
    let key = created["key"].as_str().expect("key").to_string();
    assert!(key.starts_with("weav_op_") && key.len() == 44, "{created}");
    assert_eq!((created["name"].as_str(), &created["expires_at"]), (Some("deploy bot"), &Value::Null));
    let id = created["id"].clone();

    // The key is an operator: it makes a workspace and a token, and makes another key.
    let ws = w.send("POST", "/admin/v1/workspaces", Some(&key), Some(r#"{"name": "by key"}"#), &[]).expect(201).json();
    let token = w
        .send("POST", &format!("/admin/v1/workspaces/{}/tokens", ws["id"]), Some(&key), Some(r#"{"name": "t"}"#), &[])
        .expect(201)
        .json();
    w.get("/v1/workspace", plain(&token)).expect(200);
    let second =
        w.send("POST", "/admin/v1/operator-keys", Some(&key), Some(r#"{"name": "second"}"#), &[]).expect(201).json();
    // It is no API token.
    w.get("/v1/workspace", &key).expect_error(401, "UNAUTHENTICATED");

    // Listed without its secret.
    let list = w.send("GET", "/admin/v1/operator-keys", Some(&key), None, &[]);
    assert!(!list.body.contains(&key) && !list.body.contains(&weav_edge::domain::token::sha256_hex(&key)));
    let list = list.expect(200).json();
    let row = list["data"].as_array().and_then(|d| d.iter().find(|k| k["id"] == id)).expect("listed").clone();
    assert_eq!(row, json!({"id": id, "name": "deploy bot", "expires_at": null, "created_at": created["created_at"]}));

    // Revoked: refused at once; a repeat is 204, an unknown key 404; the listing drops it.
    w.admin("DELETE", &format!("/admin/v1/operator-keys/{id}"), None).expect(204);
    w.send("POST", "/admin/v1/workspaces", Some(&key), Some(r#"{"name": "x"}"#), &[])
        .expect_error(401, "UNAUTHENTICATED");
    w.send("GET", "/admin/v1/operator-keys", Some(&key), None, &[]).expect_error(401, "UNAUTHENTICATED");
    w.admin("DELETE", &format!("/admin/v1/operator-keys/{id}"), None).expect(204);
    w.admin("DELETE", "/admin/v1/operator-keys/999999999", None).expect_error(404, "RESOURCE_NOT_FOUND");
    w.admin("DELETE", "/admin/v1/operator-keys/abc", None).expect_error(404, "RESOURCE_NOT_FOUND");
    let list = w.admin("GET", "/admin/v1/operator-keys", None).expect(200).json();
    assert!(list["data"].as_array().is_some_and(|d| d.iter().all(|k| k["id"] != id)), "{list}");
    // The key it made lives on, and can revoke itself.
    let second_key = second["key"].as_str().expect("key");
    w.send("DELETE", &format!("/admin/v1/operator-keys/{}", second["id"]), Some(second_key), None, &[]).expect(204);
    w.send("GET", "/admin/v1/operator-keys", Some(second_key), None, &[]).expect_error(401, "UNAUTHENTICATED");
}

fn operator_key_expires_and_bad_keys_are_401(w: &World) {
    let t = w.tenant();
    let ws_path = format!("/admin/v1/workspaces/{}", t.id);
    let created = w
        .admin("POST", "/admin/v1/operator-keys", Some(json!({"name": "short", "expires_at": rfc3339_in(2)})))
        .expect(201)
        .json();
    let key = created["key"].as_str().expect("key");
    assert!(created["expires_at"].is_string());
    w.send("GET", &ws_path, Some(key), None, &[]).expect(200);

    // A bad checksum, a made-up key, an API token: refused like a wrong admin token.
    let mut typo: Vec<char> = key.chars().collect();
    typo[15] = if typo[15] == 'a' { 'b' } else { 'a' };
    let typo: String = typo.into_iter().collect();
    for bad in [typo.as_str(), "weav_op_abc", "weav_op_", &format!("{key}x"), t.token.as_str(), "adm_e2e_wrong"] {
        w.send("GET", &ws_path, Some(bad), None, &[]).expect_error(401, "UNAUTHENTICATED");
    }
    w.send("GET", &ws_path, None, None, &[]).expect_error(401, "UNAUTHENTICATED");

    // Validation.
    let body =
        w.admin("POST", "/admin/v1/operator-keys", Some(json!({"expires_at": rfc3339_in(-60)}))).expect_invalid("name");
    assert!(body["errors"]["expires_at"].is_array(), "{body}");
    w.admin("POST", "/admin/v1/operator-keys", Some(json!({"name": 7}))).expect_invalid("name");
    w.admin("POST", "/admin/v1/operator-keys", Some(json!({"name": "x", "expires_at": "tomorrow"})))
        .expect_invalid("expires_at");

    // Past its expiry: 401, while the admin token still works.
    let end = millis(&created["expires_at"]);
    std::thread::sleep(Duration::from_millis((end - now_ms()).max(0) as u64 + 500));
    w.send("GET", &ws_path, Some(key), None, &[]).expect_error(401, "UNAUTHENTICATED");
    w.admin("GET", &ws_path, None).expect(200);
}

fn admin_api_disabled_hides_every_admin_route(w: &World) {
    let off = w.one_off("admin-off", &["ADMIN_API_ENABLED:false"]);
    for (method, path) in [
        ("POST", "/admin/v1/workspaces"),
        ("GET", "/admin/v1/workspaces"), // 405 when enabled: not even that is told
        ("GET", "/admin/v1/workspaces/1"),
        ("GET", "/admin/v1/operator-keys"),
        ("POST", "/admin/v1/workspaces/1/tokens/1/roll"),
    ] {
        let body = (method == "POST").then_some(r#"{"name": "nope"}"#);
        off.send(method, path, Some(ADMIN_TOKEN), body, &[]).expect_error(404, "RESOURCE_NOT_FOUND");
    }
    off.send("GET", "/v1/health", None, None, &[]).expect(200);
    off.send("GET", "/v1/workspace", None, None, &[]).expect_error(401, "UNAUTHENTICATED");
    // The shared worker's operator API is untouched.
    w.admin("GET", "/admin/v1/operator-keys", None).expect(200);
}
