//! Workspaces: the workspace endpoint, the operator API, tokens, authentication and
//! abilities, isolation between workspaces.

use crate::harness::{World, ADMIN_TOKEN};
use serde_json::json;

pub fn cases() -> Vec<crate::Case> {
    crate::cases![
        missing_or_bad_tokens_are_401_with_the_seed_body,
        missing_ability_is_403_with_the_seed_body,
        workspace_shows_the_token_and_plan,
        workspace_create_defaults_overrides_and_validation,
        workspace_patch_changes_plan_and_limits,
        operator_api_needs_the_admin_token,
        token_create_validation_and_unknown_workspace,
        token_listing_never_shows_plain_text,
        revoked_token_stops_working_at_once,
        expired_token_is_401,
        token_of_one_workspace_never_reaches_another,
    ]
}

const UNAUTH: &str = r#"{"error":"Unauthenticated","code":"UNAUTHENTICATED"}"#;

/// The body without `request_id`, for comparing with the seed's exact bodies.
fn without_request_id(body: &str) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(body).expect("json");
    v.as_object_mut().expect("object").remove("request_id").expect("request_id present");
    v
}

fn missing_or_bad_tokens_are_401_with_the_seed_body(w: &World) {
    let t = w.tenant();
    let mut typo: Vec<char> = t.token.chars().collect();
    typo[12] = if typo[12] == 'a' { 'b' } else { 'a' };
    let typo: String = typo.into_iter().collect();
    let cases: Vec<(&str, Option<String>)> = vec![
        ("no header", None),
        ("empty bearer", Some("Bearer ".into())),
        ("wrong scheme", Some(format!("Basic {}", t.token))),
        ("not our format", Some("Bearer abc".into())),
        ("checksum typo", Some(format!("Bearer {typo}"))),
        ("admin token on /v1", Some(format!("Bearer {ADMIN_TOKEN}"))),
    ];
    for (what, header) in cases {
        let headers: Vec<(&str, &str)> = header.iter().map(|h| ("Authorization", h.as_str())).collect();
        let r = w.send("GET", "/v1/workspace", None, None, &headers).expect(401);
        assert_eq!(without_request_id(&r.body), serde_json::from_str::<serde_json::Value>(UNAUTH).unwrap(), "{what}");
        assert!(r.header("x-request-id").is_some());
    }
    // The scheme is case-insensitive (RFC 7235).
    w.send("GET", "/v1/workspace", None, None, &[("Authorization", &format!("bearer {}", t.token))]).expect(200);
}

fn missing_ability_is_403_with_the_seed_body(w: &World) {
    let ws = w.workspace_with(json!({"name": "abilities"}));
    let id = ws["id"].as_i64().unwrap();
    let write_only = w.token_for(id, &["external-api:write"]);
    let r = w.get("/v1/workspace", &write_only).expect(403);
    assert_eq!(
        without_request_id(&r.body),
        json!({"error": "Token missing required ability: external-api:read", "code": "INSUFFICIENT_TOKEN_ABILITY"})
    );
    let read_only = w.token_for(id, &["external-api:read"]);
    let r = w.get("/v1/workspace", &read_only).expect(200).json();
    assert_eq!(r["abilities"], json!(["external-api:read"]));
}

fn workspace_shows_the_token_and_plan(w: &World) {
    let ws = w.workspace_with(json!({"name": "Acme Support", "plan": "pro"}));
    let id = ws["id"].as_i64().unwrap();
    let token = w.token_for(id, &["external-api:read", "external-api:write"]);
    let me = w.get("/v1/workspace", &token).expect(200).json();
    assert_eq!(me["id"], id);
    assert_eq!(me["name"], "Acme Support");
    assert_eq!(me["plan"], "pro");
    assert_eq!(me["rate_limit"], json!({"limit": 600, "window_seconds": 60}));
    assert_eq!(me["monthly_action_quota"], 10_000);
    assert_eq!(me["abilities"], json!(["external-api:read", "external-api:write"]));
}

fn workspace_create_defaults_overrides_and_validation(w: &World) {
    let free = w.workspace_with(json!({"name": "Free"}));
    assert_eq!(free["plan"], "free");
    assert_eq!(free["rate_limit"], json!({"limit": 60, "window_seconds": 60}));
    assert_eq!(free["monthly_action_quota"], 1000);
    assert!(free["created_at"].as_str().is_some_and(|s| s.ends_with('Z')));
    let ent = w.workspace_with(json!({"name": "Big", "plan": "enterprise"}));
    assert_eq!(ent["rate_limit"], json!({"limit": 6000, "window_seconds": 60}));
    assert_eq!(ent["monthly_action_quota"], 1_000_000);
    let custom = w.workspace_with(
        json!({"name": "Tight", "rate_limit": {"limit": 3, "window_seconds": 10}, "monthly_action_quota": 5}),
    );
    assert_eq!(custom["rate_limit"], json!({"limit": 3, "window_seconds": 10}));
    assert_eq!(custom["monthly_action_quota"], 5);

    let r = w.admin(
        "POST",
        "/admin/v1/workspaces",
        Some(json!({"plan": "gold", "rate_limit": {"limit": "many"}, "monthly_action_quota": -1})),
    );
    let body = r.expect_invalid("name");
    for field in ["plan", "rate_limit.limit", "rate_limit.window_seconds", "monthly_action_quota"] {
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
    w.admin("POST", "/admin/v1/workspaces", Some(json!({"name": 42}))).expect_invalid("name");
    w.admin("POST", "/admin/v1/workspaces", Some(json!({"name": "x".repeat(256)}))).expect_invalid("name");
}

fn workspace_patch_changes_plan_and_limits(w: &World) {
    let ws = w.workspace_with(json!({"name": "Moving"}));
    let path = format!("/admin/v1/workspaces/{}", ws["id"]);
    let r = w.admin("PATCH", &path, Some(json!({"plan": "pro"}))).expect(200).json();
    assert_eq!(r["plan"], "pro");
    assert_eq!(r["name"], "Moving");
    assert_eq!(r["rate_limit"]["limit"], 600, "limits follow the plan unless overridden");
    let r = w.admin("PATCH", &path, Some(json!({"name": "Renamed", "monthly_action_quota": 42}))).expect(200).json();
    assert_eq!(
        (r["name"].as_str(), r["monthly_action_quota"].as_i64(), r["plan"].as_str()),
        (Some("Renamed"), Some(42), Some("pro"))
    );
    assert_eq!(w.admin("GET", &path, None).expect(200).json(), r);
    w.admin("PATCH", &path, Some(json!({"plan": "platinum"}))).expect_invalid("plan");
    w.admin("PATCH", &path, Some(json!({"name": ""}))).expect_invalid("name");
    w.admin("PATCH", "/admin/v1/workspaces/99999999", Some(json!({"name": "ghost"})))
        .expect_error(404, "RESOURCE_NOT_FOUND");
    w.admin("GET", "/admin/v1/workspaces/abc", None).expect_error(404, "RESOURCE_NOT_FOUND");
}

fn operator_api_needs_the_admin_token(w: &World) {
    let t = w.tenant();
    for auth in [None, Some("Bearer wrong".to_string()), Some(format!("Bearer {}", t.token))] {
        let headers: Vec<(&str, &str)> = auth.iter().map(|h| ("Authorization", h.as_str())).collect();
        let r = w.send("POST", "/admin/v1/workspaces", None, Some(r#"{"name":"x"}"#), &headers).expect(401);
        assert_eq!(without_request_id(&r.body), serde_json::from_str::<serde_json::Value>(UNAUTH).unwrap());
        w.send("GET", &format!("/admin/v1/workspaces/{}/tokens", t.id), None, None, &headers).expect(401);
    }
}

fn token_create_validation_and_unknown_workspace(w: &World) {
    let t = w.tenant();
    let path = format!("/admin/v1/workspaces/{}/tokens", t.id);
    w.admin("POST", &path, Some(json!({}))).expect_invalid("name");
    w.admin("POST", &path, Some(json!({"name": "x", "abilities": ["root"]}))).expect_invalid("abilities");
    w.admin("POST", &path, Some(json!({"name": "x", "abilities": []}))).expect_invalid("abilities");
    w.admin("POST", &path, Some(json!({"name": "x", "expires_at": "next week"}))).expect_invalid("expires_at");
    w.admin("POST", &path, Some(json!({"name": "x", "expires_at": "2001-01-01T00:00:00Z"})))
        .expect_invalid("expires_at");
    w.admin("POST", "/admin/v1/workspaces/99999999/tokens", Some(json!({"name": "x"})))
        .expect_error(404, "RESOURCE_NOT_FOUND");
    w.admin("GET", "/admin/v1/workspaces/99999999/tokens", None).expect_error(404, "RESOURCE_NOT_FOUND");

    let r = w
        .admin("POST", &path, Some(json!({"name": "deploy bot", "expires_at": "2099-01-01T00:00:00+01:00"})))
        .expect(201)
        .json();
    let token = r["token"].as_str().unwrap();
    assert!(token.starts_with("weav_") && token.len() >= 5 + 22, "{token}");
    assert_eq!(r["name"], "deploy bot");
    assert_eq!(r["expires_at"], "2098-12-31T23:00:00.000Z");
    assert_eq!(r["abilities"], json!(["external-api:read", "external-api:write"]));
    w.get("/v1/workspace", token).expect(200);
}

fn token_listing_never_shows_plain_text(w: &World) {
    let t = w.tenant();
    let second = w.token_for(t.id, &["external-api:read"]);
    let r = w.admin("GET", &format!("/admin/v1/workspaces/{}/tokens", t.id), None).expect(200);
    assert!(!r.body.contains(&t.token) && !r.body.contains(&second), "plain text in listing: {}", r.body);
    let list = r.json();
    let data = list["data"].as_array().expect("data");
    assert_eq!(data.len(), 2);
    for item in data {
        assert!(item.get("token").is_none() && item.get("token_hash").is_none(), "{item}");
        assert!(item["id"].is_i64() && item["name"].is_string() && item["abilities"].is_array());
    }
}

fn revoked_token_stops_working_at_once(w: &World) {
    let t = w.tenant();
    let other = w.token_for(t.id, &["external-api:read"]);
    w.get("/v1/workspace", &t.token).expect(200);
    let list = w.admin("GET", &format!("/admin/v1/workspaces/{}/tokens", t.id), None).json();
    let first_id = list["data"][0]["id"].as_i64().unwrap();
    w.admin("DELETE", &format!("/admin/v1/workspaces/{}/tokens/{first_id}", t.id), None).expect(204);
    w.get("/v1/workspace", &t.token).expect(401);
    w.get("/v1/workspace", &other).expect(200);
    // A repeated DELETE answers as the first did (and deletes the KV record again).
    w.admin("DELETE", &format!("/admin/v1/workspaces/{}/tokens/{first_id}", t.id), None).expect(204);
    w.get("/v1/workspace", &t.token).expect(401);
    w.admin("DELETE", &format!("/admin/v1/workspaces/{}/tokens/999999999", t.id), None)
        .expect_error(404, "RESOURCE_NOT_FOUND");
    let list = w.admin("GET", &format!("/admin/v1/workspaces/{}/tokens", t.id), None).json();
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
}

fn expired_token_is_401(w: &World) {
    let t = w.tenant();
    let soon = crate::harness::rfc3339_in(2);
    let r = w
        .admin(
            "POST",
            &format!("/admin/v1/workspaces/{}/tokens", t.id),
            Some(json!({"name": "short", "expires_at": soon})),
        )
        .expect(201)
        .json();
    let token = r["token"].as_str().unwrap().to_string();
    w.get("/v1/workspace", &token).expect(200);
    std::thread::sleep(std::time::Duration::from_millis(2600));
    w.get("/v1/workspace", &token).expect_error(401, "UNAUTHENTICATED");
}

fn token_of_one_workspace_never_reaches_another(w: &World) {
    let a = w.tenant();
    let b = w.tenant();
    assert_eq!(w.get("/v1/workspace", &a.token).expect(200).json()["id"], a.id);
    assert_eq!(w.get("/v1/workspace", &b.token).expect(200).json()["id"], b.id);
    // A token id of workspace A cannot be revoked through workspace B.
    let list = w.admin("GET", &format!("/admin/v1/workspaces/{}/tokens", a.id), None).json();
    let a_token_id = list["data"][0]["id"].as_i64().unwrap();
    w.admin("DELETE", &format!("/admin/v1/workspaces/{}/tokens/{a_token_id}", b.id), None)
        .expect_error(404, "RESOURCE_NOT_FOUND");
    w.get("/v1/workspace", &a.token).expect(200);
    let b_list = w.admin("GET", &format!("/admin/v1/workspaces/{}/tokens", b.id), None).json();
    assert!(b_list["data"].as_array().unwrap().iter().all(|t| t["id"] != a_token_id));
}
