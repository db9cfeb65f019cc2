//! The request path: health, the OpenAPI document, request ids, routing (404, 405, HEAD),
//! the order of body checks, and a panic (solo).

use crate::harness::{World, ADMIN_TOKEN};
use serde_json::json;

pub fn cases() -> Vec<crate::Case> {
    crate::cases![
        health_needs_no_token,
        head_is_served_wherever_get_is,
        openapi_document_is_public_and_lists_the_routes,
        request_id_is_echoed_or_generated,
        unknown_route_is_404_before_auth,
        wrong_method_is_405_with_allow_before_auth,
        body_checks_come_in_contract_order,
    ]
}

pub fn solo_cases() -> Vec<crate::Case> {
    crate::cases![a_panic_is_a_json_500_and_the_worker_recovers]
}

fn health_needs_no_token(w: &World) {
    let r = w.send("GET", "/v1/health", None, None, &[]).expect(200);
    assert_eq!(r.json(), json!({"status": "ok"}));
    assert!(r.header("x-request-id").is_some_and(|id| !id.is_empty()));
    assert_eq!(r.header("content-type"), Some("application/json"));
}

fn head_is_served_wherever_get_is(w: &World) {
    let r = w.send("HEAD", "/v1/health", None, None, &[]).expect(200);
    assert!(r.body.is_empty());
    assert!(r.header("x-request-id").is_some());
    let t = w.tenant();
    let r = w.send("HEAD", "/v1/workspace", Some(&t.token), None, &[]).expect(200);
    assert!(r.body.is_empty());
    assert_eq!(r.header("content-type"), Some("application/json"));
    // HEAD is a read: it is authenticated like GET.
    w.send("HEAD", "/v1/workspace", None, None, &[]).expect(401);
}

fn openapi_document_is_public_and_lists_the_routes(w: &World) {
    let doc = w.send("GET", "/v1/openapi.json", None, None, &[]).expect(200).json();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in ["/v1/health", "/v1/workspace", "/admin/v1/workspaces", "/admin/v1/workspaces/{id}/tokens"] {
        assert!(doc["paths"][path].is_object(), "{path} missing from the served document");
    }
}

fn request_id_is_echoed_or_generated(w: &World) {
    let r = w.send("GET", "/v1/nowhere", None, None, &[("X-Request-Id", "trace-abc-123")]);
    assert_eq!(r.header("x-request-id"), Some("trace-abc-123"));
    assert_eq!(r.json()["request_id"], "trace-abc-123");
    let long = "x".repeat(129);
    let r = w.send("GET", "/v1/health", None, None, &[("X-Request-Id", &long)]);
    let id = r.header("x-request-id").expect("id").to_string();
    assert_ne!(id, long);
    assert!(!id.is_empty() && id.len() <= 128);
    let max = "y".repeat(128);
    let r = w.send("GET", "/v1/health", None, None, &[("X-Request-Id", &max)]);
    assert_eq!(r.header("x-request-id"), Some(max.as_str()));
    // Two requests without one get two different ids.
    let a = w.send("GET", "/v1/health", None, None, &[]).header("x-request-id").map(str::to_string);
    let b = w.send("GET", "/v1/health", None, None, &[]).header("x-request-id").map(str::to_string);
    assert_ne!(a, b);
}

fn unknown_route_is_404_before_auth(w: &World) {
    w.send("GET", "/v1/does-not-exist", None, None, &[]).expect_error(404, "RESOURCE_NOT_FOUND");
    w.send("POST", "/v1/does-not-exist", Some("nonsense"), Some("{"), &[]).expect_error(404, "RESOURCE_NOT_FOUND");
    w.send("GET", "/", None, None, &[]).expect_error(404, "RESOURCE_NOT_FOUND");
    w.send("GET", "/v1/health/extra", None, None, &[]).expect_error(404, "RESOURCE_NOT_FOUND");
}

fn wrong_method_is_405_with_allow_before_auth(w: &World) {
    let r = w.send("POST", "/v1/health", None, Some("{}"), &[]);
    assert_eq!(r.header("allow"), Some("GET, HEAD"));
    r.expect_error(405, "METHOD_NOT_ALLOWED");
    let r = w.send("DELETE", "/v1/workspace", None, None, &[]);
    assert_eq!(r.header("allow"), Some("GET, HEAD"));
    r.expect_error(405, "METHOD_NOT_ALLOWED");
    let r = w.send("PUT", "/admin/v1/workspaces/1/tokens", None, None, &[]);
    assert_eq!(r.header("allow"), Some("GET, HEAD, POST"));
    // A method no route declares is never served as another one (a GET, say), with or
    // without a token.
    let t = w.tenant();
    let company = w.post("/v1/companies", &t.token, &serde_json::json!({"name": "Acme"})).expect(201).json();
    let path = format!("/v1/companies/{}", company["id"]);
    // (workerd itself refuses method names it does not know, such as `FOO`, before the
    // worker sees them; the router's side of those is unit-tested.)
    for method in ["QUERY", "TRACE", "OPTIONS", "PROPFIND"] {
        for token in [None, Some(t.token.as_str())] {
            let r = w.send(method, &path, token, None, &[]);
            assert_eq!(r.header("allow"), Some("GET, HEAD, PATCH, DELETE"), "{method}");
            r.expect_error(405, "METHOD_NOT_ALLOWED");
        }
    }
}

fn body_checks_come_in_contract_order(w: &World) {
    let big = format!(r#"{{"name":"{}"}}"#, "x".repeat(1024 * 1024 + 10));
    // Authentication before body size.
    w.send("POST", "/admin/v1/workspaces", Some("wrong"), Some(&big), &[]).expect_error(401, "UNAUTHENTICATED");
    // Body size before JSON.
    w.send("POST", "/admin/v1/workspaces", Some(ADMIN_TOKEN), Some(&big), &[]).expect_error(413, "PAYLOAD_TOO_LARGE");
    let broken = format!("{{{}", " ".repeat(1024 * 1024 + 10));
    w.send("POST", "/admin/v1/workspaces", Some(ADMIN_TOKEN), Some(&broken), &[])
        .expect_error(413, "PAYLOAD_TOO_LARGE");
    // JSON before validation.
    for bad in ["{", "[]", "null", "\"name\"", ""] {
        w.send("POST", "/admin/v1/workspaces", Some(ADMIN_TOKEN), Some(bad), &[]).expect_error(400, "INVALID_JSON");
    }
    // Validation before existence.
    w.admin("PATCH", "/admin/v1/workspaces/99999999", Some(json!({"plan": "nope"}))).expect_invalid("plan");
}

fn a_panic_is_a_json_500_and_the_worker_recovers(w: &World) {
    // Before any await (the answer would have been synchronous) and after I/O (the
    // request was already a Promise): both end as the contract's JSON 500.
    for (path, id) in [("/__test/panic", "panic-1"), ("/__test/panic?after_io=1", "panic-2")] {
        let r = w.send("GET", path, None, None, &[("X-Request-Id", id)]);
        let body = r.expect_error(500, "INTERNAL_ERROR");
        assert_eq!(body["request_id"], id);
        assert!(!body.to_string().contains("panicked"), "no internals leak: {body}");
        // The next requests are served by a fresh instance.
        w.send("GET", "/v1/health", None, None, &[]).expect(200);
        let t = w.tenant();
        w.get("/v1/workspace", &t.token).expect(200);
    }
}
