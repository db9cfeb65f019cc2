//! Actions (seed 004): pieces, connections, execute against the mock upstream, the exact
//! rate limit and the monthly quota. Each case uses its own workspace and its own upstream
//! paths (a unique channel, repository, spreadsheet or URL prefix), so cases run in
//! parallel without seeing each other's requests.

use crate::harness::{Resp, World};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub fn cases() -> Vec<crate::Case> {
    crate::cases![
        pieces_are_listed_with_schemas_and_connection_needs,
        slack_send_message_posts_to_chat_post_message,
        slack_ok_false_is_success_false_with_slacks_answer,
        slack_upstream_500_and_timeout_are_200_with_success_false,
        github_create_issue_posts_to_the_repository,
        oversized_upstream_answers_are_cut_and_marked,
        sheets_append_row_reads_the_header_and_places_the_values,
        sheets_unknown_column_is_a_validation_error,
        http_send_request_sends_json_and_returns_status_headers_body,
        http_upstream_failures_have_their_own_outputs,
        http_refused_url_is_a_validation_error,
        execute_errors_have_the_seed_bodies,
        execute_body_errors_are_in_the_actions_family,
        execute_auth_errors_stay_in_the_standard_family,
        seed_alias_path_works,
        connections_never_return_credentials,
        connection_validation_is_422,
        connection_of_another_workspace_is_not_found,
        connection_of_another_piece_is_a_connection_error,
        expired_connection_is_a_connection_error,
        rate_limit_is_exact_under_concurrency,
        rate_limit_headers_count_every_execute,
        rate_limit_counters_are_per_workspace,
        quota_exceeded_is_403_with_current_limit_and_plan,
        usage_shows_the_month_and_the_rate_state,
    ]
}

const EXECUTE: &str = "/v1/actions/execute";

fn uniq(tag: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{tag}{}x{}x{nanos}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// The body without `request_id` (which must be there and equal `X-Request-Id`).
fn body_of(r: &Resp) -> Value {
    let mut v = r.json();
    let id = v.as_object_mut().and_then(|o| o.remove("request_id"));
    assert_eq!(id.as_ref().and_then(Value::as_str), r.header("x-request-id"), "request_id: {}", r.body);
    v
}

/// Asserts an actions-family error with exactly this body (plus `request_id`).
#[track_caller]
fn expect_action_error(r: Resp, status: u16, body: Value) -> Resp {
    let r = r.expect(status);
    assert_eq!(body_of(&r), body);
    assert_rate_headers(&r);
    r
}

#[track_caller]
fn assert_rate_headers(r: &Resp) {
    for h in ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"] {
        let v = r.header(h).unwrap_or_else(|| panic!("{h} missing: {:?}", r.headers));
        assert!(v.parse::<i64>().is_ok(), "{h}: {v}");
    }
}

fn rl(r: &Resp, name: &str) -> i64 {
    r.header(name).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{name} missing"))
}

fn connect(w: &World, token: &str, piece: &str, access_token: &str) -> String {
    let r =
        w.post("/v1/connections", token, &json!({"pieceName": piece, "credentials": {"access_token": access_token}}));
    r.expect(201).json()["id"].as_str().expect("id").to_string()
}

fn exec(w: &World, token: &str, body: Value) -> Resp {
    w.post(EXECUTE, token, &body)
}

/// A workspace with exact limits and a read+write token.
fn limited(w: &World, limit: i64, quota: i64) -> (i64, String) {
    let ws = w.workspace_with(json!({
        "name": "limits", "rate_limit": {"limit": limit, "window_seconds": 60}, "monthly_action_quota": quota
    }));
    let id = ws["id"].as_i64().expect("id");
    (id, w.token_for(id, &["external-api:read", "external-api:write"]))
}

/// An http/send_request of the mock's echo path under a unique prefix.
fn echo_request(w: &World, prefix: &str) -> Value {
    json!({"pieceName": "http", "actionName": "send_request",
           "input": {"method": "GET", "url": format!("{}/{prefix}/echo", w.mock.url)}})
}

// ---- pieces -------------------------------------------------------------------------------

fn pieces_are_listed_with_schemas_and_connection_needs(w: &World) {
    let t = w.tenant();
    let data = w.get("/v1/pieces", &t.token).expect(200).json()["data"].clone();
    let names: Vec<&str> = data.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["slack", "github", "google-sheets", "http"]);
    let slack = &data[0]["actions"][0];
    assert_eq!(slack["name"], "send_message");
    assert_eq!(slack["requiresConnection"], true);
    assert_eq!(slack["inputSchema"]["required"], json!(["channel", "text"]));
    let http = &data[3]["actions"][0];
    assert_eq!(http["requiresConnection"], false);
    assert!(http["inputSchema"]["properties"]["method"]["enum"].is_array());
    assert_eq!(data[3]["connection"], Value::Null);
    assert_eq!(data[2]["actions"][0]["inputSchema"]["required"], json!(["spreadsheet_id", "sheet_name", "values"]));
}

// ---- slack --------------------------------------------------------------------------------

fn slack_send_message_posts_to_chat_post_message(w: &World) {
    let t = w.tenant();
    let channel = uniq("C");
    let secret = uniq("xoxb-");
    let conn = connect(w, &t.token, "slack", &secret);
    let answer = json!({"ok": true, "channel": channel, "ts": "1706800000.000100",
                        "message": {"text": "Deployment to production completed successfully."}});
    w.mock.answer_when("/slack/chat.postMessage", &channel, 200, answer.clone(), 0);
    let r = exec(
        w,
        &t.token,
        json!({"pieceName": "slack", "actionName": "send_message", "connectionId": conn,
               "input": {"channel": channel, "text": "Deployment to production completed successfully."}}),
    )
    .expect(200);
    assert_rate_headers(&r);
    let body = r.json();
    assert_eq!(body["success"], true, "{body}");
    assert_eq!(body["output"], answer);
    assert!(body["duration"].as_i64().is_some_and(|d| d >= 0));
    assert_eq!(body.as_object().unwrap().len(), 3, "exactly success, output, duration: {body}");
    let sent: Vec<_> =
        w.mock.requests("/slack/chat.postMessage").into_iter().filter(|q| q.body.contains(&channel)).collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, "POST");
    assert_eq!(sent[0].headers["authorization"], format!("Bearer {secret}"));
    let posted: Value = serde_json::from_str(&sent[0].body).unwrap();
    assert_eq!(posted, json!({"channel": channel, "text": "Deployment to production completed successfully."}));
}

fn slack_ok_false_is_success_false_with_slacks_answer(w: &World) {
    let t = w.tenant();
    let channel = uniq("C");
    let conn = connect(w, &t.token, "slack", "xoxb-1");
    let answer = json!({"ok": false, "error": "channel_not_found"});
    w.mock.answer_when("/slack/chat.postMessage", &channel, 200, answer.clone(), 0);
    let r = exec(
        w,
        &t.token,
        json!({"pieceName": "slack", "actionName": "send_message", "connectionId": conn,
               "input": {"channel": channel, "text": "hi"}}),
    )
    .expect(200);
    let body = r.json();
    assert_eq!(body["success"], false);
    assert_eq!(body["output"], answer);
}

fn slack_upstream_500_and_timeout_are_200_with_success_false(w: &World) {
    let t = w.tenant();
    let conn = connect(w, &t.token, "slack", "xoxb-1");
    let (broken, slow) = (uniq("C"), uniq("C"));
    w.mock.answer_when("/slack/chat.postMessage", &broken, 500, json!({"error": "internal"}), 0);
    w.mock.answer_when("/slack/chat.postMessage", &slow, 200, json!({"ok": true}), 3_500);
    let send = |channel: &str| {
        exec(
            w,
            &t.token,
            json!({"pieceName": "slack", "actionName": "send_message", "connectionId": conn,
                   "input": {"channel": channel, "text": "hi"}}),
        )
        .expect(200)
        .json()
    };
    let body = send(&broken);
    assert_eq!(body["success"], false);
    assert_eq!(body["output"], json!({"error": "UPSTREAM_ERROR", "status": 500, "body": {"error": "internal"}}));
    let body = send(&slow);
    assert_eq!(body["success"], false);
    assert_eq!(body["output"], json!({"error": "UPSTREAM_TIMEOUT"}));
    assert!(body["duration"].as_i64().unwrap() >= 1_900, "{body}");
}

// ---- answers past OUTBOUND_MAX_RESPONSE_BYTES ---------------------------------------------

/// A 2 MiB JSON array: twice the default cap.
pub fn big_json_array() -> String {
    format!("[{}0]", "0,".repeat(1024 * 1024))
}

fn oversized_upstream_answers_are_cut_and_marked(w: &World) {
    let t = w.tenant();
    let prefix = uniq("/big-");
    w.mock.answer_raw(&format!("{prefix}/answer"), 200, "application/json", &big_json_array());
    // The http piece: the first 1 MiB as text, never parsed, marked truncated.
    let r = exec(
        w,
        &t.token,
        json!({"pieceName": "http", "actionName": "send_request",
               "input": {"method": "GET", "url": format!("{}{prefix}/answer", w.mock.url)}}),
    )
    .expect(200)
    .json();
    assert_eq!(r["success"], true, "{}", &r.to_string()[..200]);
    assert_eq!(r["output"]["truncated"], true);
    let body = r["output"]["body"].as_str().expect("the cut body is text");
    assert_eq!(body.len(), 1024 * 1024);
    assert!(body.starts_with("[0,0,"));
    // A piece that needs the whole answer: success false, UPSTREAM_ERROR.
    let conn = connect(w, &t.token, "github", "ghp_big");
    let repo = uniq("big");
    w.mock.answer_raw(&format!("/github/repos/acme/{repo}/issues"), 201, "application/json", &big_json_array());
    let r = exec(
        w,
        &t.token,
        json!({"pieceName": "github", "actionName": "create_issue", "connectionId": conn,
               "input": {"repository": format!("acme/{repo}"), "title": "t"}}),
    )
    .expect(200)
    .json();
    assert_eq!(r["success"], false, "{r}");
    assert_eq!(r["output"]["error"], "UPSTREAM_ERROR");
    assert!(r["output"]["message"].as_str().unwrap_or_default().contains("response too large"), "{r}");
    // An answer under the cap is parsed as before.
    w.mock.answer_raw(&format!("{prefix}/small"), 200, "application/json", "[0,0]");
    let r = exec(
        w,
        &t.token,
        json!({"pieceName": "http", "actionName": "send_request",
               "input": {"method": "GET", "url": format!("{}{prefix}/small", w.mock.url)}}),
    )
    .json();
    assert_eq!(r["output"]["body"], json!([0, 0]));
    assert!(r["output"].get("truncated").is_none(), "{r}");
}

// ---- github -------------------------------------------------------------------------------

fn github_create_issue_posts_to_the_repository(w: &World) {
    let t = w.tenant();
    let secret = uniq("ghp_");
    let conn = connect(w, &t.token, "github", &secret);
    let repo = uniq("backend");
    let path = format!("/github/repos/acme/{repo}/issues");
    let issue = json!({"id": 12345, "number": 89, "html_url": format!("https://github.com/acme/{repo}/issues/89"),
                       "title": "Login page 500 error on mobile", "state": "open"});
    w.mock.answer(&path, 201, issue.clone());
    let input = json!({"repository": format!("acme/{repo}"), "title": "Login page 500 error on mobile",
                       "body": "Users on iOS Safari are seeing a 500 error.", "labels": ["bug", "priority-high"]});
    let r = exec(
        w,
        &t.token,
        json!({"pieceName": "github", "actionName": "create_issue", "connectionId": conn, "input": input}),
    )
    .expect(200);
    let body = r.json();
    assert_eq!(body["success"], true, "{body}");
    assert_eq!(body["output"], issue);
    let sent = w.mock.requests(&path);
    assert_eq!(sent.len(), 1);
    let q = &sent[0];
    assert_eq!(q.method, "POST");
    assert_eq!(q.headers["authorization"], format!("Bearer {secret}"));
    assert_eq!(q.headers["accept"], "application/vnd.github+json");
    assert!(q.headers.get("user-agent").is_some_and(|ua| !ua.is_empty()));
    let posted: Value = serde_json::from_str(&q.body).unwrap();
    assert_eq!(
        posted,
        json!({"title": "Login page 500 error on mobile", "body": "Users on iOS Safari are seeing a 500 error.",
               "labels": ["bug", "priority-high"]})
    );

    // An upstream error answer: HTTP 200, success false, the status and body in output.
    let other = uniq("missing");
    w.mock.answer(&format!("/github/repos/acme/{other}/issues"), 404, json!({"message": "Not Found"}));
    let body = exec(
        w,
        &t.token,
        json!({"pieceName": "github", "actionName": "create_issue", "connectionId": conn,
               "input": {"repository": format!("acme/{other}"), "title": "x"}}),
    )
    .expect(200)
    .json();
    assert_eq!(body["success"], false);
    assert_eq!(body["output"], json!({"error": "UPSTREAM_ERROR", "status": 404, "body": {"message": "Not Found"}}));

    // A malformed repository never reaches GitHub.
    expect_action_error(
        exec(
            w,
            &t.token,
            json!({"pieceName": "github", "actionName": "create_issue", "connectionId": conn,
                   "input": {"repository": "no-slash", "title": "x"}}),
        ),
        400,
        json!({"error": "VALIDATION_ERROR", "message": "Field 'repository' must be 'owner/name'"}),
    );
}

// ---- google sheets ------------------------------------------------------------------------

fn sheets_append_row_reads_the_header_and_places_the_values(w: &World) {
    let t = w.tenant();
    let secret = uniq("ya29.");
    let conn = connect(w, &t.token, "google-sheets", &secret);
    let id = uniq("1Bxi");
    let header_path = format!("/sheets/v4/spreadsheets/{id}/values/Leads!1:1");
    let append_path = format!("/sheets/v4/spreadsheets/{id}/values/Leads:append");
    w.mock.answer(
        &header_path,
        200,
        json!({"range": "Leads!A1:E1", "majorDimension": "ROWS", "values": [["Name", "Email", "Phone", "Source", "Date"]]}),
    );
    w.mock.answer(
        &append_path,
        200,
        json!({"spreadsheetId": id, "tableRange": "Leads!A1:E14",
               "updates": {"spreadsheetId": id, "updatedRange": "Leads!A15:E15", "updatedRows": 1, "updatedColumns": 5, "updatedCells": 5}}),
    );
    let r = exec(
        w,
        &t.token,
        json!({"pieceName": "google-sheets", "actionName": "append_row", "connectionId": conn,
               "input": {"spreadsheet_id": id, "sheet_name": "Leads",
                         "values": {"Name": "Jane Smith", "Email": "jane@example.com", "Source": "Website form", "Date": "2025-02-01"}}}),
    )
    .expect(200);
    let body = r.json();
    assert_eq!(body["success"], true, "{body}");
    assert_eq!(body["output"], json!({"spreadsheetId": id, "updatedRange": "Leads!A15:E15", "updatedRows": 1}));
    let reads = w.mock.requests(&header_path);
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0].method, "GET");
    assert_eq!(reads[0].headers["authorization"], format!("Bearer {secret}"));
    let appends = w.mock.requests(&append_path);
    assert_eq!(appends.len(), 1);
    assert_eq!(appends[0].method, "POST");
    assert_eq!(appends[0].path, format!("{append_path}?valueInputOption=USER_ENTERED"));
    assert_eq!(appends[0].headers["authorization"], format!("Bearer {secret}"));
    let posted: Value = serde_json::from_str(&appends[0].body).unwrap();
    assert_eq!(posted, json!({"values": [["Jane Smith", "jane@example.com", "", "Website form", "2025-02-01"]]}));
}

fn sheets_unknown_column_is_a_validation_error(w: &World) {
    let t = w.tenant();
    let conn = connect(w, &t.token, "google-sheets", "ya29.x");
    let id = uniq("sheet");
    w.mock.answer(&format!("/sheets/v4/spreadsheets/{id}/values/Leads!1:1"), 200, json!({"values": [["Name"]]}));
    expect_action_error(
        exec(
            w,
            &t.token,
            json!({"pieceName": "google-sheets", "actionName": "append_row", "connectionId": conn,
                   "input": {"spreadsheet_id": id, "sheet_name": "Leads", "values": {"Name": "J", "Phone": "1"}}}),
        ),
        400,
        json!({"error": "VALIDATION_ERROR", "message": "Column 'Phone' not found in the header row of sheet 'Leads'"}),
    );
    assert!(w.mock.requests(&format!("/sheets/v4/spreadsheets/{id}/values/Leads:append")).is_empty());
    // Refused input does not use up the monthly quota, even when found only while running.
    let usage = w.get("/v1/usage", &t.token).expect(200).json();
    assert_eq!(usage["actions"]["used"], 0, "{usage}");
}

// ---- http ---------------------------------------------------------------------------------

fn http_send_request_sends_json_and_returns_status_headers_body(w: &World) {
    let t = w.tenant();
    let prefix = uniq("/http-");
    let r = exec(
        w,
        &t.token,
        json!({"pieceName": "http", "actionName": "send_request",
               "input": {"method": "post", "url": format!("{}{prefix}/hook", w.mock.url),
                         "headers": {"X-Custom": "yes"}, "body": {"hello": "world"}}}),
    )
    .expect(200);
    let body = r.json();
    assert_eq!(body["success"], true, "{body}");
    assert_eq!(body["output"]["status"], 200);
    assert_eq!(body["output"]["headers"]["content-type"], "application/json");
    // The mock echoes what it got: the body parsed as JSON.
    assert_eq!(body["output"]["body"]["method"], "POST");
    let sent = w.mock.requests(&prefix);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].headers["x-custom"], "yes");
    assert_eq!(sent[0].headers["content-type"], "application/json");
    assert_eq!(serde_json::from_str::<Value>(&sent[0].body).unwrap(), json!({"hello": "world"}));

    // A non-2xx answer: success false with the same output shape.
    let r = exec(
        w,
        &t.token,
        json!({"pieceName": "http", "actionName": "send_request",
               "input": {"method": "GET", "url": format!("{}{prefix}/status/503", w.mock.url)}}),
    )
    .expect(200);
    let body = r.json();
    assert_eq!(body["success"], false);
    assert_eq!(body["output"]["status"], 503);
    assert_eq!(body["output"]["body"], json!({"error": "mock 503"}));
}

fn http_upstream_failures_have_their_own_outputs(w: &World) {
    let t = w.tenant();
    let prefix = uniq("/http-");
    let send = |url: String| {
        exec(
            w,
            &t.token,
            json!({"pieceName": "http", "actionName": "send_request", "input": {"method": "GET", "url": url}}),
        )
        .expect(200)
        .json()
    };
    let body = send(format!("{}{prefix}/slow/3500", w.mock.url));
    assert_eq!(body["success"], false);
    assert_eq!(body["output"], json!({"error": "UPSTREAM_TIMEOUT"}));
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let body = send(format!("http://127.0.0.1:{port}/nothing"));
    assert_eq!(body["success"], false);
    assert_eq!(body["output"]["error"], "UPSTREAM_UNREACHABLE");
    assert!(body["output"]["message"].is_string());
}

fn http_refused_url_is_a_validation_error(w: &World) {
    let t = w.tenant();
    for (url, why) in [
        ("ftp://example.com/file", "The URL must use http or https."),
        ("http://user:pw@example.com/", "The URL must not contain a user name or password."),
    ] {
        expect_action_error(
            exec(
                w,
                &t.token,
                json!({"pieceName": "http", "actionName": "send_request", "input": {"method": "GET", "url": url}}),
            ),
            400,
            json!({"error": "VALIDATION_ERROR", "message": format!("Field 'url' is not allowed: {why}")}),
        );
    }
}

// ---- execute errors -----------------------------------------------------------------------

fn execute_errors_have_the_seed_bodies(w: &World) {
    let t = w.tenant();
    let slack = connect(w, &t.token, "slack", "xoxb-1");
    let cases = [
        (
            json!({"actionName": "send_message", "input": {}}),
            400,
            "VALIDATION_ERROR",
            "Missing required field: pieceName",
        ),
        (json!({"pieceName": "slack", "input": {}}), 400, "VALIDATION_ERROR", "Missing required field: actionName"),
        (
            json!({"pieceName": "slack", "actionName": "send_message"}),
            400,
            "VALIDATION_ERROR",
            "Missing required field: input",
        ),
        (
            json!({"pieceName": "slak", "actionName": "send_message", "input": {}}),
            404,
            "NOT_FOUND",
            "Piece 'slak' not found",
        ),
        (
            json!({"pieceName": "slack", "actionName": "send_msg", "input": {}}),
            404,
            "NOT_FOUND",
            "Action 'send_msg' not found in piece 'slack'",
        ),
        (
            json!({"pieceName": "slack", "actionName": "send_message", "input": {"channel": "C1", "text": "x"}}),
            400,
            "CONNECTION_REQUIRED",
            "Action 'send_message' requires an authenticated connection",
        ),
        (
            json!({"pieceName": "slack", "actionName": "send_message", "connectionId": slack, "input": {"text": "x"}}),
            400,
            "VALIDATION_ERROR",
            "Missing required field: channel",
        ),
        (
            json!({"pieceName": "slack", "actionName": "send_message", "connectionId": "conn_x", "input": {"channel": "C1", "text": "x"}}),
            404,
            "NOT_FOUND",
            "Connection 'conn_x' not found",
        ),
        (
            json!({"pieceName": "slack", "actionName": "send_message", "connectionId": slack, "input": {"channel": "C1", "text": 5}}),
            400,
            "VALIDATION_ERROR",
            "Field 'text' must be a string",
        ),
        (
            json!({"pieceName": "http", "actionName": "send_request", "input": {"method": "GET", "url": "https://e.com", "projectId": "p"}}),
            400,
            "VALIDATION_ERROR",
            "Unknown field: projectId",
        ),
        (
            json!({"pieceName": "http", "actionName": "send_request", "projectId": 5, "input": {}}),
            400,
            "VALIDATION_ERROR",
            "Field 'projectId' must be a string",
        ),
    ];
    for (body, status, code, message) in cases {
        expect_action_error(exec(w, &t.token, body), status, json!({"error": code, "message": message}));
    }
    // None of them reached the quota.
    assert_eq!(w.get("/v1/usage", &t.token).expect(200).json()["actions"]["used"], 0);
}

fn execute_body_errors_are_in_the_actions_family(w: &World) {
    let t = w.tenant();
    for raw in ["{", "[]", "\"x\""] {
        let r = w.send("POST", EXECUTE, Some(&t.token), Some(raw), &[]).expect(400);
        assert_rate_headers(&r);
        let body = body_of(&r);
        assert_eq!(body["error"], "INVALID_JSON", "{raw}: {body}");
        assert!(body["message"].is_string());
    }
    // Over 1 MiB: 413 in the actions family, with the rate-limit headers.
    let big =
        format!(r#"{{"pieceName":"http","actionName":"send_request","input":{{"pad":"{}"}}}}"#, "x".repeat(1_100_000));
    let r = w.send("POST", EXECUTE, Some(&t.token), Some(&big), &[]).expect(413);
    assert_rate_headers(&r);
    assert_eq!(body_of(&r)["error"], "PAYLOAD_TOO_LARGE");
}

fn execute_auth_errors_stay_in_the_standard_family(w: &World) {
    let r = w.send("POST", EXECUTE, None, Some("{}"), &[]).expect(401);
    assert_eq!(body_of(&r), json!({"error": "Unauthenticated", "code": "UNAUTHENTICATED"}));
    let t = w.tenant();
    let read_only = w.token_for(t.id, &["external-api:read"]);
    let r = exec(w, &read_only, echo_request(w, &uniq("ro"))).expect(403);
    assert_eq!(
        body_of(&r),
        json!({"error": "Token missing required ability: external-api:write", "code": "INSUFFICIENT_TOKEN_ABILITY"})
    );
    w.get("/v1/pieces", &read_only).expect(200);
    w.get(EXECUTE, &t.token).expect_error(405, "METHOD_NOT_ALLOWED");
}

fn seed_alias_path_works(w: &World) {
    let t = w.tenant();
    let prefix = uniq("/alias-");
    let r = w.post("/api/v1/actions/execute", &t.token, &echo_request(w, &prefix[1..])).expect(200);
    assert_rate_headers(&r);
    assert_eq!(r.json()["success"], true);
    assert_eq!(w.mock.requests(&prefix).len(), 1);
    expect_action_error(
        w.post(
            "/api/v1/actions/execute",
            &t.token,
            &json!({"pieceName": "slack", "actionName": "send_msg", "input": {}}),
        ),
        404,
        json!({"error": "NOT_FOUND", "message": "Action 'send_msg' not found in piece 'slack'"}),
    );
}

// ---- connections --------------------------------------------------------------------------

fn connections_never_return_credentials(w: &World) {
    let t = w.tenant();
    let secret = uniq("xoxb-secret-");
    let r = w
        .post(
            "/v1/connections",
            &t.token,
            &json!({"pieceName": "slack", "name": "Team Slack", "credentials": {"access_token": secret},
                    "expires_at": "2099-01-01T00:00:00Z"}),
        )
        .expect(201);
    assert!(!r.body.contains(&secret));
    let c = r.json();
    let id = c["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("conn_") && id.len() == 37, "{id}");
    assert_eq!(c["pieceName"], "slack");
    assert_eq!(c["name"], "Team Slack");
    assert_eq!(c["expires_at"], "2099-01-01T00:00:00.000Z");
    assert!(c["created_at"].is_string());
    assert!(c.get("credentials").is_none());
    let one = w.get(&format!("/v1/connections/{id}"), &t.token).expect(200);
    assert!(!one.body.contains(&secret));
    assert_eq!(one.json(), c);
    let list = w.get("/v1/connections", &t.token).expect(200);
    assert!(!list.body.contains(&secret));
    assert_eq!(list.json()["data"], json!([c]));
    w.delete(&format!("/v1/connections/{id}"), &t.token).expect(204);
    w.get(&format!("/v1/connections/{id}"), &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.delete(&format!("/v1/connections/{id}"), &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.get("/v1/connections/not-an-id", &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    // A deleted connection is unknown to execute.
    expect_action_error(
        exec(
            w,
            &t.token,
            json!({"pieceName": "slack", "actionName": "send_message", "connectionId": id, "input": {"channel": "C", "text": "x"}}),
        ),
        404,
        json!({"error": "NOT_FOUND", "message": format!("Connection '{id}' not found")}),
    );
}

fn connection_validation_is_422(w: &World) {
    let t = w.tenant();
    let post = |body: Value| w.post("/v1/connections", &t.token, &body);
    post(json!({"credentials": {"access_token": "x"}})).expect_invalid("pieceName");
    post(json!({"pieceName": "http", "credentials": {"access_token": "x"}})).expect_invalid("pieceName");
    post(json!({"pieceName": "slack"})).expect_invalid("credentials");
    post(json!({"pieceName": "slack", "credentials": "x"})).expect_invalid("credentials");
    post(json!({"pieceName": "slack", "credentials": {}})).expect_invalid("credentials.access_token");
    post(json!({"pieceName": "slack", "credentials": {"access_token": "x"}, "expires_at": "2001-01-01T00:00:00Z"}))
        .expect_invalid("expires_at");
    w.send("POST", "/v1/connections", Some(&t.token), Some("nope"), &[]).expect_error(400, "INVALID_JSON");
    assert_eq!(w.get("/v1/connections", &t.token).expect(200).json()["data"], json!([]));
}

fn connection_of_another_workspace_is_not_found(w: &World) {
    let (a, b) = (w.tenant(), w.tenant());
    let conn = connect(w, &a.token, "slack", "xoxb-a");
    w.get(&format!("/v1/connections/{conn}"), &b.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.delete(&format!("/v1/connections/{conn}"), &b.token).expect_error(404, "RESOURCE_NOT_FOUND");
    assert_eq!(w.get("/v1/connections", &b.token).expect(200).json()["data"], json!([]));
    let channel = uniq("C");
    expect_action_error(
        exec(
            w,
            &b.token,
            json!({"pieceName": "slack", "actionName": "send_message", "connectionId": conn,
                   "input": {"channel": channel, "text": "x"}}),
        ),
        404,
        json!({"error": "NOT_FOUND", "message": format!("Connection '{conn}' not found")}),
    );
    assert!(w.mock.requests("/slack/").iter().all(|q| !q.body.contains(&channel)));
    w.get(&format!("/v1/connections/{conn}"), &a.token).expect(200);
}

fn connection_of_another_piece_is_a_connection_error(w: &World) {
    let t = w.tenant();
    let github = connect(w, &t.token, "github", "ghp_1");
    expect_action_error(
        exec(
            w,
            &t.token,
            json!({"pieceName": "slack", "actionName": "send_message", "connectionId": github,
                   "input": {"channel": "C1", "text": "x"}}),
        ),
        400,
        json!({"error": "CONNECTION_ERROR", "message": format!("Connection '{github}' belongs to piece 'github', not 'slack'")}),
    );
}

fn expired_connection_is_a_connection_error(w: &World) {
    let t = w.tenant();
    let expires = crate::harness::rfc3339_in(2);
    let r = w.post(
        "/v1/connections",
        &t.token,
        &json!({"pieceName": "slack", "credentials": {"access_token": "xoxb"}, "expires_at": expires}),
    );
    let conn = r.expect(201).json()["id"].as_str().unwrap().to_string();
    std::thread::sleep(Duration::from_millis(3_200));
    let channel = uniq("C");
    expect_action_error(
        exec(
            w,
            &t.token,
            json!({"pieceName": "slack", "actionName": "send_message", "connectionId": conn,
                   "input": {"channel": channel, "text": "x"}}),
        ),
        400,
        json!({"error": "CONNECTION_ERROR", "message": "Connection credentials have expired. Re-authenticate the connection."}),
    );
    assert!(w.mock.requests("/slack/").iter().all(|q| !q.body.contains(&channel)));
}

// ---- rate limit and quota -----------------------------------------------------------------

fn rate_limit_is_exact_under_concurrency(w: &World) {
    const LIMIT: usize = 5;
    let (_, token) = limited(w, LIMIT as i64, 1_000);
    let prefix = uniq("burst-");
    let request = echo_request(w, &prefix);
    let results: Vec<Resp> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3 * LIMIT).map(|_| s.spawn(|| exec(w, &token, request.clone()))).collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    let passed = results.iter().filter(|r| r.status == 200).count();
    let limited_ = results.iter().filter(|r| r.status == 429).count();
    assert_eq!((passed, limited_), (LIMIT, 2 * LIMIT), "{:?}", results.iter().map(|r| r.status).collect::<Vec<_>>());
    for r in results.iter().filter(|r| r.status == 429) {
        assert_rate_headers(r);
        let body = body_of(r);
        let retry = body["retryAfter"].as_i64().expect("retryAfter");
        assert!((1..=60).contains(&retry), "{body}");
        assert_eq!(
            body,
            json!({"error": "RATE_LIMITED", "message": format!("Rate limit exceeded. Try again in {retry} seconds."), "retryAfter": retry})
        );
        assert_eq!(r.header("retry-after"), Some(retry.to_string().as_str()));
        assert_eq!(rl(r, "x-ratelimit-limit"), LIMIT as i64);
        assert_eq!(rl(r, "x-ratelimit-remaining"), 0);
    }
    // Exactly the passing executions reached the upstream.
    assert_eq!(w.mock.requests(&format!("/{prefix}")).len(), LIMIT);
    let mut remaining: Vec<i64> =
        results.iter().filter(|r| r.status == 200).map(|r| rl(r, "x-ratelimit-remaining")).collect();
    remaining.sort();
    assert_eq!(remaining, (0..LIMIT as i64).collect::<Vec<_>>());
}

fn rate_limit_headers_count_every_execute(w: &World) {
    let (_, token) = limited(w, 3, 1_000);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    // An invalid request takes a slot too.
    let r = exec(w, &token, json!({"pieceName": "slack"})).expect(400);
    assert_eq!((rl(&r, "x-ratelimit-limit"), rl(&r, "x-ratelimit-remaining")), (3, 2));
    let reset = rl(&r, "x-ratelimit-reset");
    assert!((now + 59..=now + 62).contains(&reset), "reset {reset} now {now}");
    let r = exec(w, &token, echo_request(w, &uniq("hdr"))).expect(200);
    assert_eq!(rl(&r, "x-ratelimit-remaining"), 1);
    assert_eq!(rl(&r, "x-ratelimit-reset"), reset, "reset follows the oldest counted request");
    let r = exec(w, &token, json!({"pieceName": "nope", "actionName": "x", "input": {}})).expect(404);
    assert_eq!(rl(&r, "x-ratelimit-remaining"), 0);
    let r = exec(w, &token, echo_request(w, &uniq("hdr"))).expect(429);
    assert_eq!(rl(&r, "x-ratelimit-remaining"), 0);
    assert_eq!(rl(&r, "x-ratelimit-reset"), reset);
    let retry = r.json()["retryAfter"].as_i64().unwrap();
    assert!((55..=60).contains(&retry), "{retry}");
}

fn rate_limit_counters_are_per_workspace(w: &World) {
    let (_, a) = limited(w, 2, 1_000);
    let (_, b) = limited(w, 2, 1_000);
    for _ in 0..2 {
        exec(w, &a, echo_request(w, &uniq("ws-a"))).expect(200);
    }
    exec(w, &a, echo_request(w, &uniq("ws-a"))).expect(429);
    let r = exec(w, &b, echo_request(w, &uniq("ws-b"))).expect(200);
    assert_eq!(rl(&r, "x-ratelimit-remaining"), 1);
}

fn quota_exceeded_is_403_with_current_limit_and_plan(w: &World) {
    let (id, token) = limited(w, 100, 2);
    // Refused executions do not count against the quota.
    exec(w, &token, json!({"pieceName": "slack", "actionName": "send_msg", "input": {}})).expect(404);
    for _ in 0..2 {
        exec(w, &token, echo_request(w, &uniq("quota"))).expect(200);
    }
    let prefix = uniq("quota-over");
    expect_action_error(
        exec(w, &token, echo_request(w, &prefix)),
        403,
        json!({"error": "QUOTA_EXCEEDED", "message": "Monthly action quota exceeded", "current": 2, "limit": 2, "plan": "free"}),
    );
    assert!(w.mock.requests(&format!("/{prefix}")).is_empty(), "a refused execution never runs");
    let usage = w.get("/v1/usage", &token).expect(200).json();
    assert_eq!(usage["actions"], json!({"used": 2, "limit": 2, "remaining": 0}));
    // The operator raises the quota: the next execution passes at once.
    w.admin("PATCH", &format!("/admin/v1/workspaces/{id}"), Some(json!({"plan": "pro", "monthly_action_quota": 3})))
        .expect(200);
    exec(w, &token, echo_request(w, &uniq("quota"))).expect(200);
    expect_action_error(
        exec(w, &token, echo_request(w, &uniq("quota"))),
        403,
        json!({"error": "QUOTA_EXCEEDED", "message": "Monthly action quota exceeded", "current": 3, "limit": 3, "plan": "pro"}),
    );
}

fn usage_shows_the_month_and_the_rate_state(w: &World) {
    let (_, token) = limited(w, 4, 10);
    exec(w, &token, echo_request(w, &uniq("usage"))).expect(200);
    let u = w.get("/v1/usage", &token).expect(200).json();
    assert_eq!(u["plan"], "free");
    assert_eq!(u["actions"], json!({"used": 1, "limit": 10, "remaining": 9}));
    assert_eq!(u["rate_limit"]["limit"], 4);
    assert_eq!(u["rate_limit"]["window_seconds"], 60);
    assert_eq!(u["rate_limit"]["remaining"], 3);
    let month = u["period"]["month"].as_str().unwrap();
    assert!(u["period"]["start"].as_str().unwrap().starts_with(&format!("{month}-01T00:00:00")));
    // Looking does not count.
    let again = w.get("/v1/usage", &token).expect(200).json();
    assert_eq!(again["rate_limit"]["remaining"], 3);
    assert_eq!(again["actions"]["used"], 1);
}
