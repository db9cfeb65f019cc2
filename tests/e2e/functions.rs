//! Agent functions (seed 002): CRUD, redaction of secret headers, and invoke against the
//! mock upstream through the outbound guard.

use crate::agents::{agent, create};
use crate::harness::{Tenant, World};
use serde_json::{json, Value};

pub fn cases() -> Vec<crate::Case> {
    crate::cases![
        seed_function_walkthrough_at_both_path_styles,
        function_validation,
        function_names_are_unique_per_agent,
        functions_of_unknown_or_foreign_agents_are_404,
        secret_headers_are_redacted_and_kept,
        invoke_get_puts_arguments_in_the_query,
        invoke_post_sends_json_and_stored_headers,
        invoke_checks_arguments_against_parameters,
        invoke_reports_remote_failures_as_200,
        invoke_refuses_urls_the_guard_refuses,
        invoke_follows_checked_redirects,
        invoke_cuts_an_oversized_answer,
        private_addresses_are_refused_without_the_flag,
        secrets_never_follow_a_redirect_to_another_origin,
        secrets_stay_with_the_origin_they_were_set_for,
        invoke_takes_an_empty_body,
    ]
}

fn joke() -> Value {
    json!({"name": "get_joke", "description": "Returns a joke", "url": "https://api.example.com/joke"})
}

fn with_agent(w: &World, uid: &str) -> Tenant {
    let t = w.tenant();
    create(w, &t, agent(uid));
    t
}

fn seed_function_walkthrough_at_both_path_styles(w: &World) {
    for base in ["/v1/agents", "/api/agents"] {
        let t = with_agent(w, "tweety-bird");
        let fns = format!("{base}/tweety-bird/functions");
        let added = w.post(&fns, &t.token, &joke()).expect(201).json();
        assert_eq!(
            added,
            json!({"name": "get_joke", "description": "Returns a joke", "method": "GET",
                   "url": "https://api.example.com/joke", "headers": {}, "parameters": null})
        );
        assert_eq!(w.get(&format!("{fns}/get_joke"), &t.token).expect(200).json(), added);
        let patched =
            w.patch(&format!("{fns}/get_joke"), &t.token, &json!({"description": "A better joke"})).expect(200).json();
        assert_eq!(patched["description"], "A better joke");
        assert_eq!(patched["url"], "https://api.example.com/joke");
        w.put(&format!("{fns}/get_joke"), &t.token, &joke()).expect(200);
        let mut other = joke();
        other["name"] = json!("get_pun");
        w.put(&format!("{fns}/get_pun"), &t.token, &other).expect(201);
        let list = w.get(&fns, &t.token).expect(200).json();
        assert_eq!(list.as_array().map(Vec::len), Some(2));
        assert_eq!(list[0]["name"], "get_joke");
        assert_eq!(w.get(&format!("{base}/tweety-bird"), &t.token).json()["functions"], json!(["get_joke", "get_pun"]));
        w.delete(&format!("{fns}/get_joke"), &t.token).expect(204);
        w.get(&format!("{fns}/get_joke"), &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
        w.delete(&format!("{fns}/get_joke"), &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    }
}

fn function_validation(w: &World) {
    let t = with_agent(w, "v");
    let fns = "/v1/agents/v/functions";
    for (field, body) in [
        ("name", json!({"description": "d", "url": "https://x.io"})),
        ("name", json!({"name": "has space", "description": "d", "url": "https://x.io"})),
        ("description", json!({"name": "f", "url": "https://x.io"})),
        ("url", json!({"name": "f", "description": "d"})),
        ("url", json!({"name": "f", "description": "d", "url": "/relative"})),
        ("url", json!({"name": "f", "description": "d", "url": "ftp://x.io/file"})),
        ("method", json!({"name": "f", "description": "d", "url": "https://x.io", "method": "TRACE"})),
        ("headers", json!({"name": "f", "description": "d", "url": "https://x.io", "headers": ["a"]})),
        ("headers", json!({"name": "f", "description": "d", "url": "https://x.io", "headers": {"X-N": 5}})),
        (
            "parameters",
            json!({"name": "f", "description": "d", "url": "https://x.io", "parameters": {"type": "string"}}),
        ),
        (
            "parameters",
            json!({"name": "f", "description": "d", "url": "https://x.io", "parameters": {"type": "object"}}),
        ),
    ] {
        w.post(fns, &t.token, &body).expect_invalid(field);
    }
    // The method is one of the document's, exactly: `post` is not POST.
    w.post(fns, &t.token, &json!({"name": "f", "description": "d", "url": "https://x.io", "method": "post"}))
        .expect_invalid("method");
    assert_eq!(w.get(fns, &t.token).json(), json!([]));
    w.post(
        fns,
        &t.token,
        &json!({"name": "f", "description": "d", "url": "https://x.io", "method": "POST",
        "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}}),
    )
    .expect(201);
    w.patch(&format!("{fns}/f"), &t.token, &json!({"url": "nope"})).expect_invalid("url");
    w.put(&format!("{fns}/f"), &t.token, &json!({"name": "g", "description": "d", "url": "https://x.io"}))
        .expect_invalid("name");
}

fn function_names_are_unique_per_agent(w: &World) {
    let t = with_agent(w, "u");
    create(w, &t, agent("u2"));
    w.post("/v1/agents/u/functions", &t.token, &joke()).expect(201);
    w.post("/v1/agents/u/functions", &t.token, &joke()).expect_invalid("name");
    w.post("/v1/agents/u2/functions", &t.token, &joke()).expect(201);
    let mut other = joke();
    other["name"] = json!("other");
    w.post("/v1/agents/u/functions", &t.token, &other).expect(201);
    w.patch("/v1/agents/u/functions/other", &t.token, &json!({"name": "get_joke"})).expect_invalid("name");
    let renamed = w.patch("/v1/agents/u/functions/other", &t.token, &json!({"name": "renamed"})).expect(200).json();
    assert_eq!(renamed["name"], "renamed");
    w.get("/v1/agents/u/functions/other", &t.token).expect(404);
}

fn functions_of_unknown_or_foreign_agents_are_404(w: &World) {
    let a = with_agent(w, "owner");
    w.post("/v1/agents/owner/functions", &a.token, &joke()).expect(201);
    let b = w.tenant();
    w.get("/v1/agents/owner/functions", &b.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.get("/v1/agents/owner/functions/get_joke", &b.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.post("/v1/agents/owner/functions", &b.token, &joke()).expect_error(404, "RESOURCE_NOT_FOUND");
    w.delete("/v1/agents/owner/functions/get_joke", &b.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.post("/v1/agents/owner/functions/get_joke/invoke", &b.token, &json!({})).expect_error(404, "RESOURCE_NOT_FOUND");
    w.get("/v1/agents/nobody/functions", &a.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.get("/v1/agents/owner/functions/nothing", &a.token).expect_error(404, "RESOURCE_NOT_FOUND");
}

fn secret_headers_are_redacted_and_kept(w: &World) {
    let t = with_agent(w, "sec");
    let url = format!("{}/fn/redact-{}", w.mock.url, t.id);
    let f = w
        .post(
            "/v1/agents/sec/functions",
            &t.token,
            &json!({"name": "call", "description": "d", "url": url, "method": "POST", "headers": {
                "Authorization": "Bearer sk-live-123", "X-Api-Key": "key-456", "Cookie": "session=abc",
                "X-Client-Secret": "s3cret", "Content-Type": "application/json", "User-Agent": "weav-test"}}),
        )
        .expect(201);
    let body = f.body.clone();
    for secret in ["sk-live-123", "key-456", "session=abc", "s3cret"] {
        assert!(!body.contains(secret), "{secret} leaked: {body}");
    }
    let h = &f.json()["headers"];
    for k in ["Authorization", "X-Api-Key", "Cookie", "X-Client-Secret"] {
        assert_eq!(h[k], "********", "{k}");
    }
    assert_eq!(h["Content-Type"], "application/json");
    assert_eq!(h["User-Agent"], "weav-test");
    let listed = w.get("/v1/agents/sec/functions", &t.token).expect(200);
    assert!(!listed.body.contains("sk-live-123"));
    // Writing the redacted value back keeps the stored one; a new value replaces it.
    w.patch(
        "/v1/agents/sec/functions/call",
        &t.token,
        &json!({"headers": {"Authorization": "********", "X-Api-Key": "key-789"}}),
    )
    .expect(200);
    w.post("/v1/agents/sec/functions/call/invoke", &t.token, &json!({"arguments": {}})).expect(200);
    let seen = w.mock.requests(&format!("/fn/redact-{}", t.id));
    let last = seen.last().expect("the mock was called");
    assert_eq!(last.headers.get("authorization").map(String::as_str), Some("Bearer sk-live-123"));
    assert_eq!(last.headers.get("x-api-key").map(String::as_str), Some("key-789"));
    assert!(!last.headers.contains_key("cookie"), "headers left out of a PATCH body are dropped");
    w.patch("/v1/agents/sec/functions/call", &t.token, &json!({"headers": {"X-New-Token": "********"}}))
        .expect_invalid("headers");
}

fn invoke_get_puts_arguments_in_the_query(w: &World) {
    let t = with_agent(w, "inv");
    let url = format!("{}/fn/get-{}", w.mock.url, t.id);
    w.post("/v1/agents/inv/functions", &t.token, &json!({"name": "weather", "description": "d", "url": url}))
        .expect(201);
    let r = w
        .post("/v1/agents/inv/functions/weather/invoke", &t.token, &json!({"arguments": {"city": "Oslo", "days": 3}}))
        .expect(200)
        .json();
    assert_eq!(r["status"], 200);
    assert!(r["duration"].is_i64());
    assert_eq!(r["body"]["method"], "GET");
    let seen = w.mock.requests(&format!("/fn/get-{}", t.id));
    assert_eq!(seen.len(), 1);
    assert!(seen[0].path.contains("city=Oslo") && seen[0].path.contains("days=3"), "{}", seen[0].path);
    assert!(seen[0].body.is_empty());
}

fn invoke_post_sends_json_and_stored_headers(w: &World) {
    let t = with_agent(w, "inv");
    let url = format!("{}/fn/post-{}", w.mock.url, t.id);
    w.post(
        "/v1/agents/inv/functions",
        &t.token,
        &json!({"name": "create", "description": "d", "url": url, "method": "POST", "headers": {"X-Api-Key": "k-1"}}),
    )
    .expect(201);
    let r = w
        .post("/v1/agents/inv/functions/create/invoke", &t.token, &json!({"arguments": {"title": "Hi", "n": 1}}))
        .expect(200)
        .json();
    assert_eq!(r["status"], 200);
    let seen = &w.mock.requests(&format!("/fn/post-{}", t.id))[0];
    assert_eq!(seen.method, "POST");
    assert_eq!(serde_json::from_str::<Value>(&seen.body).unwrap(), json!({"title": "Hi", "n": 1}));
    assert_eq!(seen.headers.get("x-api-key").map(String::as_str), Some("k-1"));
    assert!(seen.headers.get("content-type").is_some_and(|c| c.contains("application/json")));
}

fn invoke_checks_arguments_against_parameters(w: &World) {
    let t = with_agent(w, "args");
    let url = format!("{}/fn/args-{}", w.mock.url, t.id);
    w.post(
        "/v1/agents/args/functions",
        &t.token,
        &json!({"name": "f", "description": "d", "url": url, "parameters": {"type": "object",
            "properties": {"city": {"type": "string"}, "units": {"type": "string", "enum": ["metric", "imperial"]}, "days": {"type": "integer"}},
            "required": ["city"]}}),
    )
    .expect(201);
    let inv = "/v1/agents/args/functions/f/invoke";
    w.post(inv, &t.token, &json!({"arguments": {}})).expect_invalid("arguments.city");
    w.post(inv, &t.token, &json!({"arguments": {"city": 5}})).expect_invalid("arguments.city");
    w.post(inv, &t.token, &json!({"arguments": {"city": "Oslo", "units": "kelvin"}})).expect_invalid("arguments.units");
    w.post(inv, &t.token, &json!({"arguments": {"city": "Oslo", "days": "3"}})).expect_invalid("arguments.days");
    w.post(inv, &t.token, &json!({"arguments": "Oslo"})).expect_invalid("arguments");
    assert!(w.mock.requests(&format!("/fn/args-{}", t.id)).is_empty(), "nothing was called for invalid arguments");
    w.post(inv, &t.token, &json!({"arguments": {"city": "Oslo", "units": "metric"}})).expect(200);
    assert_eq!(w.mock.requests(&format!("/fn/args-{}", t.id)).len(), 1);
}

fn invoke_reports_remote_failures_as_200(w: &World) {
    let t = with_agent(w, "fail");
    let add = |name: &str, url: String| {
        w.post("/v1/agents/fail/functions", &t.token, &json!({"name": name, "description": "d", "url": url}))
            .expect(201);
    };
    add("boom", format!("{}/fn/fail-{}/status/503", w.mock.url, t.id));
    add("slow", format!("{}/fn/fail-{}/slow/3500", w.mock.url, t.id));
    add("text", format!("{}/fn/fail-{}/text", w.mock.url, t.id));
    add("closed", "http://127.0.0.1:9/nothing-listens".to_string());
    let r = w.post("/v1/agents/fail/functions/boom/invoke", &t.token, &json!({})).expect(200).json();
    assert_eq!(r["status"], 503);
    assert_eq!(r["body"], json!({"error": "mock 503"}));
    let r = w.post("/v1/agents/fail/functions/slow/invoke", &t.token, &json!({})).expect(200).json();
    assert_eq!(r["error"], "UPSTREAM_TIMEOUT");
    assert!(r["status"].is_null());
    assert!(r["duration"].as_i64().unwrap() >= 1900, "{r}");
    let r = w.post("/v1/agents/fail/functions/text/invoke", &t.token, &json!({})).expect(200).json();
    assert_eq!(r["body"], "plain words");
    let r = w.post("/v1/agents/fail/functions/closed/invoke", &t.token, &json!({})).expect(200).json();
    assert_eq!(r["error"], "UPSTREAM_UNREACHABLE");
}

fn invoke_refuses_urls_the_guard_refuses(w: &World) {
    let t = with_agent(w, "guard");
    // Credentials in the URL are refused whatever ALLOW_PRIVATE_UPSTREAMS says: at the write
    // already (the document's URL pattern has no user info), so no call is ever made.
    let url = w.mock.url.replace("http://", "http://user:pass@") + "/fn/creds";
    w.post("/v1/agents/guard/functions", &t.token, &json!({"name": "creds", "description": "d", "url": url}))
        .expect_invalid("url");
    w.post("/v1/agents/guard/functions/creds/invoke", &t.token, &json!({})).expect_error(404, "RESOURCE_NOT_FOUND");
    assert!(w.mock.requests("/fn/creds").is_empty());
}

fn invoke_follows_checked_redirects(w: &World) {
    let t = with_agent(w, "redir");
    let target = format!("{}/fn/redir-{}/landed", w.mock.url, t.id);
    let url =
        format!("{}/fn/redir-{}/redirect?to={}", w.mock.url, t.id, target.replace(':', "%3A").replace('/', "%2F"));
    w.post("/v1/agents/redir/functions", &t.token, &json!({"name": "hop", "description": "d", "url": url})).expect(201);
    let r = w.post("/v1/agents/redir/functions/hop/invoke", &t.token, &json!({})).expect(200).json();
    assert_eq!(r["status"], 200, "{r}");
    assert!(r["body"]["path"].as_str().unwrap().ends_with("/landed"), "{r}");
    // A redirect to a URL with credentials is refused like the URL itself.
    let evil = w.mock.url.replace("http://", "http://u:p@") + "/fn/evil";
    let url = format!(
        "{}/fn/redir-{}/redirect?to={}",
        w.mock.url,
        t.id,
        evil.replace(':', "%3A").replace('/', "%2F").replace('@', "%40")
    );
    w.post("/v1/agents/redir/functions", &t.token, &json!({"name": "evil", "description": "d", "url": url}))
        .expect(201);
    w.post("/v1/agents/redir/functions/evil/invoke", &t.token, &json!({})).expect_invalid("url");
}

/// On the worker started with ALLOW_PRIVATE_UPSTREAMS=false (as in production), every
/// spelling of a loopback, private, link-local or metadata address is refused before any
/// connection is made: functions answer 422 naming `url`, the http piece 400
/// VALIDATION_ERROR, and the mock upstream on 127.0.0.1 never hears of it.
fn private_addresses_are_refused_without_the_flag(w: &World) {
    let s = w.strict();
    let t = s.tenant();
    create(s, &t, agent("strict"));
    let port = w.mock.url.rsplit(':').next().unwrap().to_string();
    let tag = format!("strict-{}", t.id);
    let urls = [
        format!("{}/fn/{tag}/plain", w.mock.url),
        format!("http://localhost:{port}/fn/{tag}/localhost"),
        format!("http://2130706433:{port}/fn/{tag}/decimal"),
        format!("http://0x7f.1:{port}/fn/{tag}/hex"),
        format!("http://[::ffff:127.0.0.1]:{port}/fn/{tag}/mapped"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://10.0.0.8/internal".to_string(),
        "http://metadata.google.internal/computeMetadata/v1/".to_string(),
    ];
    for (n, url) in urls.iter().enumerate() {
        let name = format!("f{n}");
        let create = json!({"name": name, "description": "d", "url": url});
        // A host that is not a DNS name or a dotted IPv4 address is refused at the write
        // already (the document's URL pattern); the others by the guard when called.
        if weav_edge::domain::outbound::http_url_problem(url).is_some() {
            s.post("/v1/agents/strict/functions", &t.token, &create).expect_invalid("url");
            continue;
        }
        s.post("/v1/agents/strict/functions", &t.token, &create).expect(201);
        let body =
            s.post(&format!("/v1/agents/strict/functions/{name}/invoke"), &t.token, &json!({})).expect_invalid("url");
        assert!(body["errors"]["url"][0].as_str().unwrap().contains("refused"), "{url}: {body}");
    }
    let r = s
        .post(
            "/v1/actions/execute",
            &t.token,
            &json!({"pieceName": "http", "actionName": "send_request", "input": {"method": "GET", "url": urls[0]}}),
        )
        .expect(400)
        .json();
    assert_eq!(r["error"], "VALIDATION_ERROR", "{r}");
    assert!(w.mock.requests(&format!("/fn/{tag}")).is_empty(), "nothing reached the mock");
    // The same URL is served when the flag is on (the main test worker).
    let t2 = w.tenant();
    create(w, &t2, agent("open"));
    w.post("/v1/agents/open/functions", &t2.token, &json!({"name": "f", "description": "d", "url": urls[0]}))
        .expect(201);
    assert_eq!(w.post("/v1/agents/open/functions/f/invoke", &t2.token, &json!({})).expect(200).json()["status"], 200);
}

/// A redirect to another origin keeps the function's ordinary headers but drops its
/// secrets (Authorization, Cookie, *key*, *token*, *secret*).
fn secrets_never_follow_a_redirect_to_another_origin(w: &World) {
    let t = with_agent(w, "hops");
    let port = w.mock.url.rsplit(':').next().unwrap().to_string();
    let target = format!("http://localhost:{port}/fn/xorigin-{}/landed", t.id);
    let url =
        format!("{}/fn/xorigin-{}/redirect?to={}", w.mock.url, t.id, target.replace(':', "%3A").replace('/', "%2F"));
    w.post(
        "/v1/agents/hops/functions",
        &t.token,
        &json!({"name": "hop", "description": "d", "url": url,
                "headers": {"Authorization": "Bearer sk-1", "X-Api-Key": "k-2", "User-Agent": "weav-test"}}),
    )
    .expect(201);
    let r = w.post("/v1/agents/hops/functions/hop/invoke", &t.token, &json!({})).expect(200).json();
    assert_eq!(r["status"], 200, "{r}");
    let seen = w.mock.requests(&format!("/fn/xorigin-{}", t.id));
    let first = seen.iter().find(|r| r.path.contains("/redirect")).expect("first hop");
    assert_eq!(first.headers.get("authorization").map(String::as_str), Some("Bearer sk-1"));
    let landed = seen.iter().find(|r| r.path.ends_with("/landed")).expect("second hop");
    assert!(
        !landed.headers.contains_key("authorization") && !landed.headers.contains_key("x-api-key"),
        "{:?}",
        landed.headers
    );
    assert_eq!(landed.headers.get("user-agent").map(String::as_str), Some("weav-test"));
}

fn invoke_takes_an_empty_body(w: &World) {
    let t = with_agent(w, "empty");
    let url = format!("{}/fn/empty-{}", w.mock.url, t.id);
    w.post("/v1/agents/empty/functions", &t.token, &json!({"name": "f", "description": "d", "url": url})).expect(201);
    let r = w.send("POST", "/v1/agents/empty/functions/f/invoke", Some(&t.token), None, &[]).expect(200).json();
    assert_eq!(r["status"], 200);
    w.send("POST", "/v1/agents/empty/functions/f/invoke", Some(&t.token), Some("[1]"), &[])
        .expect_error(400, "INVALID_JSON");
}

fn invoke_cuts_an_oversized_answer(w: &World) {
    let t = with_agent(w, "big");
    let path = format!("/fn-big-{}", std::process::id());
    w.mock.answer_raw(&path, 200, "application/json", &crate::actions::big_json_array());
    let f = json!({"name": "big", "description": "d", "url": format!("{}{path}", w.mock.url)});
    w.post("/v1/agents/big/functions", &t.token, &f).expect(201);
    let r = w.post("/v1/agents/big/functions/big/invoke", &t.token, &json!({})).expect(200).json();
    assert_eq!(r["status"], 200);
    assert_eq!(r["truncated"], true);
    let body = r["body"].as_str().expect("the cut body is text");
    assert_eq!(body.len(), 1024 * 1024);
}

fn secrets_stay_with_the_origin_they_were_set_for(w: &World) {
    let t = with_agent(w, "origin");
    let first = format!("{}/fn/origin-{}/a", w.mock.url, t.id);
    let f = json!({"name": "call", "description": "d", "url": first, "method": "POST",
                   "headers": {"Authorization": "Bearer s3cret", "X-Trace": "on"}});
    w.post("/v1/agents/origin/functions", &t.token, &f).expect(201);
    // Same origin, another path: the secret stays (sent back as ********, or left out).
    let same = format!("{}/fn/origin-{}/b", w.mock.url, t.id);
    let r = w.patch("/v1/agents/origin/functions/call", &t.token, &json!({"url": same})).expect(200).json();
    assert_eq!(r["headers"]["Authorization"], "********");
    assert!(r.get("dropped_headers").is_none(), "{r}");
    // Another origin (another port): the secret is dropped, the answer says so, and the
    // new host never gets it. Plain headers stay.
    let other = format!("http://127.0.0.1:1/fn/origin-{}/b", t.id);
    assert_ne!(other, same);
    let r = w.patch("/v1/agents/origin/functions/call", &t.token, &json!({"url": other})).expect(200).json();
    assert_eq!(r["dropped_headers"], json!(["Authorization"]), "{r}");
    assert!(r["headers"].get("Authorization").is_none(), "{r}");
    assert_eq!(r["headers"]["X-Trace"], "on");
    let stored = w.get("/v1/agents/origin/functions/call", &t.token).expect(200).json();
    assert!(stored["headers"].get("Authorization").is_none(), "{stored}");
    // Sent again with the new URL, it is kept.
    let resend = json!({"url": other, "headers": {"Authorization": "Bearer n3w", "X-Trace": "on"}});
    let r = w.patch("/v1/agents/origin/functions/call", &t.token, &resend).expect(200).json();
    assert_eq!(r["headers"]["Authorization"], "********");
    assert!(r.get("dropped_headers").is_none(), "{r}");
}
