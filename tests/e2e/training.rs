//! Training data and knowledge (issue 8, seed 000): text and Q&A items, URL training
//! through the real local Queue against a mock web site, grounded search with citations,
//! redaction, every seed-000 error code, and isolation between workspaces and agents.

use crate::agents::{agent, create};
use crate::harness::{Tenant, World};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

pub fn cases() -> Vec<crate::Case> {
    crate::cases![
        text_and_qa_items_crud,
        listing_filters_paging_and_count,
        create_errors_match_seed_000,
        url_training_discover_process_search_resync,
        url_failures_end_failed_with_a_reason,
        url_process_and_discover_errors,
        resync_without_completed_urls_is_the_business_state_body,
        redaction_before_storage_and_search,
        search_ranks_cites_and_validates,
        workspaces_and_agents_are_isolated,
        search_stays_fast_over_10000_chunks,
        a_long_crawl_does_not_hold_back_another_workspaces_page,
    ]
}

fn new_agent(w: &World, t: &Tenant, uid: &str) -> Value {
    create(w, t, agent(uid))
}

fn text_item(w: &World, t: &Tenant, agent_id: &Value, title: &str, content: &str) -> Value {
    w.post(
        "/v1/training-data",
        &t.token,
        &json!({"agent": agent_id, "type": "text", "title": title, "content": content}),
    )
    .expect(201)
    .json()
}

/// Polls an item until its status is one of `want` (60 s at most); returns it.
fn wait_for(w: &World, t: &Tenant, id: i64, want: &[&str]) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let item = w.get(&format!("/v1/training-data/{id}"), &t.token).expect(200).json();
        let status = item["status"].as_str().unwrap_or_default().to_string();
        if want.contains(&status.as_str()) {
            return item;
        }
        assert!(Instant::now() < deadline, "item {id} stuck in {status}: {item}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn search(w: &World, t: &Tenant, agent: &str, q: &str) -> Value {
    let q = q.replace(' ', "+");
    w.get(&format!("/v1/agents/{agent}/knowledge/search?q={q}"), &t.token).expect(200).json()
}

fn text_item_crud_fields(item: &Value) {
    for field in [
        "id",
        "agent_id",
        "type",
        "title",
        "content",
        "question",
        "answer",
        "url",
        "status",
        "error",
        "chunks",
        "redactions",
        "created_at",
        "updated_at",
        "processed_at",
    ] {
        assert!(item.get(field).is_some(), "missing {field}: {item}");
    }
}

fn text_and_qa_items_crud(w: &World) {
    let t = w.tenant();
    let a = new_agent(w, &t, "crud-agent");
    let text = text_item(w, &t, &a["id"], "Returns", "You can return any item within 30 days.");
    text_item_crud_fields(&text);
    assert_eq!(text["type"], "text");
    assert_eq!(text["agent_id"], a["id"]);
    assert_eq!(text["status"], "completed");
    assert_eq!(text["chunks"], 1);
    assert_eq!(text["redactions"], 0);
    assert!(text["processed_at"].is_string() && text["error"].is_null() && text["url"].is_null());

    // By uid as well; a Q&A pair.
    let qa = w
        .post(
            "/v1/training-data",
            &t.token,
            &json!({"agent": "crud-agent", "type": "qa", "question": "Do you ship abroad?", "answer": "Yes, to 40 countries."}),
        )
        .expect(201)
        .json();
    assert_eq!((qa["type"].as_str(), qa["question"].as_str()), (Some("qa"), Some("Do you ship abroad?")));
    assert_eq!(qa["status"], "completed");

    let id = text["id"].as_i64().unwrap();
    let got = w.get(&format!("/v1/training-data/{id}"), &t.token).expect(200).json();
    assert_eq!(got, text);

    // PATCH keeps what is left out and re-chunks at once.
    let long = "Shipping takes two days. ".repeat(100);
    let patched = w.patch(&format!("/v1/training-data/{id}"), &t.token, &json!({"content": long})).expect(200).json();
    assert_eq!(patched["title"], "Returns");
    assert_eq!(patched["chunks"], 3);
    assert!(search(w, &t, "crud-agent", "shipping")["count"].as_i64().unwrap() >= 1);
    assert_eq!(search(w, &t, "crud-agent", "thirty")["count"], 0);
    // Fields of another type, and type/agent changes, are refused.
    w.patch(&format!("/v1/training-data/{id}"), &t.token, &json!({"answer": "x"})).expect_invalid("answer");
    w.patch(&format!("/v1/training-data/{id}"), &t.token, &json!({"type": "qa"})).expect_invalid("type");
    w.patch(&format!("/v1/training-data/{id}"), &t.token, &json!({"content": ""})).expect_invalid("content");
    let qa_id = qa["id"].as_i64().unwrap();
    let qa2 = w
        .patch(&format!("/v1/training-data/{qa_id}"), &t.token, &json!({"answer": "Yes, worldwide."}))
        .expect(200)
        .json();
    assert_eq!(
        (qa2["question"].as_str(), qa2["answer"].as_str()),
        (Some("Do you ship abroad?"), Some("Yes, worldwide."))
    );
    assert_eq!(search(w, &t, "crud-agent", "worldwide")["data"][0]["training_data_id"], qa["id"]);

    // Delete: 204, then 404 everywhere, and its chunks leave the index.
    w.delete(&format!("/v1/training-data/{qa_id}"), &t.token).expect(204);
    w.get(&format!("/v1/training-data/{qa_id}"), &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.delete(&format!("/v1/training-data/{qa_id}"), &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.patch(&format!("/v1/training-data/{qa_id}"), &t.token, &json!({"answer": "x"}))
        .expect_error(404, "RESOURCE_NOT_FOUND");
    assert_eq!(search(w, &t, "crud-agent", "worldwide")["count"], 0);
    w.get("/v1/training-data/abc", &t.token).expect_error(404, "RESOURCE_NOT_FOUND");

    // Deleting the agent deletes its training data.
    w.delete("/v1/agents/crud-agent", &t.token).expect(204);
    w.get(&format!("/v1/training-data/{id}"), &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
}

fn listing_filters_paging_and_count(w: &World) {
    let t = w.tenant();
    let a = new_agent(w, &t, "list-a");
    let b = new_agent(w, &t, "list-b");
    for i in 0..3 {
        text_item(w, &t, &a["id"], &format!("A text {i}"), "alpha content");
    }
    w.post("/v1/training-data", &t.token, &json!({"agent": b["id"], "type": "qa", "question": "Q?", "answer": "A."}))
        .expect(201);
    let all = w.get("/v1/training-data", &t.token).expect(200).json();
    assert_eq!((all["count"].as_i64(), all["start"].as_i64(), all["end"].as_i64()), (Some(4), Some(0), Some(4)));
    let page = w.get("/v1/training-data?take=2&skip=1&order_by=id+desc", &t.token).expect(200).json();
    assert_eq!((page["start"].as_i64(), page["end"].as_i64(), page["count"].as_i64()), (Some(1), Some(3), Some(4)));
    assert!(page["data"][0]["id"].as_i64() > page["data"][1]["id"].as_i64());
    let of_a = w.get("/v1/training-data?agent=list-a", &t.token).expect(200).json();
    assert_eq!(of_a["count"], 3);
    assert!(of_a["data"].as_array().unwrap().iter().all(|i| i["agent_id"] == a["id"]));
    assert_eq!(w.get(&format!("/v1/training-data?agent={}", b["id"]), &t.token).expect(200).json()["count"], 1);
    assert_eq!(w.get("/v1/training-data?type=qa", &t.token).expect(200).json()["count"], 1);
    assert_eq!(w.get("/v1/training-data?status=completed&type=text", &t.token).expect(200).json()["count"], 3);
    assert_eq!(w.get("/v1/training-data?status=pending", &t.token).expect(200).json()["count"], 0);
    assert_eq!(w.get("/v1/training-data?q=text+1", &t.token).expect(200).json()["count"], 1);
    assert_eq!(
        w.get("/v1/training-data?count_only=true&agent=list-a", &t.token).expect(200).json(),
        json!({"count": 3})
    );
    w.get("/v1/training-data?type=pdf", &t.token).expect_invalid("type");
    w.get("/v1/training-data?status=done", &t.token).expect_invalid("status");
    w.get("/v1/training-data?order_by=content", &t.token).expect_invalid("order_by");
    w.get("/v1/training-data?take=101", &t.token).expect_invalid("take");
    w.get("/v1/training-data?agent=nobody", &t.token).expect_error(400, "INVALID_AGENT");
}

fn create_errors_match_seed_000(w: &World) {
    let t = w.tenant();
    let a = new_agent(w, &t, "errors-agent");
    let post = |body: Value| w.post("/v1/training-data", &t.token, &body);

    let e = post(json!({"agent": a["id"], "type": "pdf", "content": "x"})).expect_error(400, "INVALID_TYPE");
    assert!(e["error"].as_str().unwrap().contains("pdf"));
    let e = post(json!({"agent": a["id"], "type": "url", "url": "https://acme.test/"}))
        .expect_error(422, "URL_DISCOVERY_REQUIRED");
    assert!(e["error"].as_str().unwrap().contains("/v1/training-data/urls/process"));
    post(json!({"agent": a["id"], "content": "x"})).expect_invalid("type");
    post(json!({"agent": a["id"], "type": 5})).expect_invalid("type");
    post(json!({"agent": a["id"], "type": "text"})).expect_invalid("content");
    post(json!({"agent": a["id"], "type": "qa", "question": "Q"})).expect_invalid("answer");
    post(json!({"type": "text", "content": "x"})).expect_invalid("agent");
    post(json!({"agent": a["id"], "type": "text", "content": "x", "title": "t".repeat(256)})).expect_invalid("title");
    w.send("POST", "/v1/training-data", Some(&t.token), Some("{nope"), &[]).expect_error(400, "INVALID_JSON");

    // INVALID_AGENT: missing, trashed, of another workspace.
    post(json!({"agent": 999999, "type": "text", "content": "x"})).expect_error(400, "INVALID_AGENT");
    post(json!({"agent": "no-such-agent", "type": "text", "content": "x"})).expect_error(400, "INVALID_AGENT");
    new_agent(w, &t, "trashed-agent");
    w.send("POST", "/v1/agents/trashed-agent/trash", Some(&t.token), None, &[]).expect(204);
    post(json!({"agent": "trashed-agent", "type": "text", "content": "x"})).expect_error(400, "INVALID_AGENT");
    let other = w.tenant();
    let foreign = new_agent(w, &other, "foreign-agent");
    post(json!({"agent": foreign["id"], "type": "text", "content": "x"})).expect_error(400, "INVALID_AGENT");

    // CREATION_FAILED: the store step failing (forced by the test hook).
    let body = json!({"agent": a["id"], "type": "text", "content": "x"}).to_string();
    let e = w
        .send("POST", "/v1/training-data", Some(&t.token), Some(&body), &[("X-Test-Fail", "creation")])
        .expect_error(500, "CREATION_FAILED");
    assert_eq!(e["error"], "The training data could not be created.");
    assert_eq!(w.get("/v1/training-data?count_only=true", &t.token).expect(200).json()["count"], 0);

    // A read-only token cannot write.
    let ro = w.token_for(t.id, &["external-api:read"]);
    w.post("/v1/training-data", &ro, &json!({"agent": a["id"], "type": "text", "content": "x"}))
        .expect_error(403, "INSUFFICIENT_TOKEN_ABILITY");
    w.send("POST", "/v1/training-data", None, Some("{}"), &[]).expect_error(401, "UNAUTHENTICATED");
}

/// A small web site on the mock under `/site-{n}/`, with a sitemap at the mock's root.
fn build_site(w: &World, n: i64) -> String {
    let base = format!("{}/site-{n}", w.mock.url);
    let page = |title: &str, body: &str| {
        format!("<!doctype html><html><head><title>{title}</title><script>var hidden = 'script text';</script></head><body>{body}</body></html>")
    };
    w.mock.answer_raw(
        &format!("/site-{n}/index.html"),
        200,
        "text/html; charset=utf-8",
        &page(
            "Acme Help Center",
            &format!(
                "<nav><a href=\"/site-{n}/index.html\">Home</a></nav><h1>Welcome</h1><p>Find answers below.</p>\
                 <a href=\"returns.html\">Returns</a> <a href=\"/site-{n}/shipping.html#rates\">Shipping</a> \
                 <a href=\"https://elsewhere.example/\">Elsewhere</a> <a href=\"mailto:help@acme.test\">Mail</a>"
            ),
        ),
    );
    w.mock.answer_raw(
        &format!("/site-{n}/returns.html"),
        200,
        "text/html",
        &page(
            "Returns &amp; Refunds",
            "<main><h1>Returns</h1><p>Our return window is thirty days from delivery.</p>\
             <p>Refunds reach your card within five business days.</p></main><footer>Copyright Acme</footer>",
        ),
    );
    w.mock.answer_raw(
        &format!("/site-{n}/shipping.html"),
        200,
        "text/html",
        &page("Shipping", "<p>Parcels leave the warehouse every weekday before noon.</p>"),
    );
    w.mock.answer_raw(
        &format!("/site-{n}/faq.html"),
        200,
        "text/html",
        &page("FAQ", "<p>Gift wrapping costs three euros per parcel.</p>"),
    );
    base
}

fn url_training_discover_process_search_resync(w: &World) {
    let t = w.tenant();
    let a = new_agent(w, &t, "web-agent");
    let base = build_site(w, t.id);
    w.mock.answer_raw(
        "/sitemap.xml",
        200,
        "application/xml",
        &format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
             <url><loc>{base}/faq.html</loc></url><url><loc>https://elsewhere.example/x</loc></url></urlset>"
        ),
    );

    // Discover: the page, its same-site links and the sitemap's, nothing stored.
    let d = w
        .post(
            "/v1/training-data/urls/discover",
            &t.token,
            &json!({"agent": "web-agent", "url": format!("{base}/index.html")}),
        )
        .expect(200)
        .json();
    let urls: Vec<String> = d["urls"].as_array().unwrap().iter().map(|u| u.as_str().unwrap().to_string()).collect();
    assert_eq!(d["title"], "Acme Help Center");
    assert_eq!(d["sitemap"], format!("{}/sitemap.xml", w.mock.url));
    for page in ["index.html", "returns.html", "shipping.html", "faq.html"] {
        assert!(urls.contains(&format!("{base}/{page}")), "{page} in {urls:?}");
    }
    assert!(!urls.iter().any(|u| u.contains("elsewhere") || u.contains('#') || u.starts_with("mailto")), "{urls:?}");
    assert_eq!(d["count"].as_u64(), Some(urls.len() as u64));
    assert_eq!(w.get("/v1/training-data?count_only=true", &t.token).expect(200).json()["count"], 0);

    // Process: validated, de-duplicated, stored pending, 202.
    let r = w
        .post(
            "/v1/training-data/urls/process",
            &t.token,
            &json!({"agent": a["id"], "urls": [
                format!("{base}/returns.html"), format!("{base}/returns.html#top"),
                format!("{base}/shipping.html"), format!("{base}/faq.html"), "ftp://acme.test/file", 42
            ]}),
        )
        .expect(202)
        .json();
    assert_eq!(r["count"], 3);
    assert_eq!(r["rejected"].as_array().unwrap().len(), 2);
    let items = r["data"].as_array().unwrap().clone();
    for i in &items {
        assert_eq!(i["type"], "url");
        assert!(["pending", "processing", "completed"].contains(&i["status"].as_str().unwrap()), "{i}");
    }
    let returns = items.iter().find(|i| i["url"].as_str().unwrap().ends_with("returns.html")).unwrap();
    let returns_id = returns["id"].as_i64().unwrap();

    // The queue reads every page in the background.
    for i in &items {
        let done = wait_for(w, &t, i["id"].as_i64().unwrap(), &["completed", "failed"]);
        assert_eq!(done["status"], "completed", "{done}");
        assert!(done["chunks"].as_i64().unwrap() >= 1 && done["processed_at"].is_string() && done["error"].is_null());
    }
    let done = w.get(&format!("/v1/training-data/{returns_id}"), &t.token).expect(200).json();
    assert_eq!(done["title"], "Returns & Refunds");
    assert_eq!(done["attempts"], 1);

    // Search finds the right chunk with its citation.
    let s = search(w, &t, "web-agent", "return window");
    let hit = &s["data"][0];
    assert_eq!(hit["training_data_id"].as_i64(), Some(returns_id), "{s}");
    assert_eq!(hit["type"], "url");
    assert_eq!(hit["url"], format!("{base}/returns.html"));
    assert_eq!(hit["title"], "Returns & Refunds");
    assert!(hit["snippet"].as_str().unwrap().contains("<mark>window</mark>"), "{hit}");
    assert!(hit["score"].as_f64().unwrap() > 0.0);
    // Script and footer text was never indexed.
    assert_eq!(search(w, &t, "web-agent", "hidden script")["count"], 0);
    assert_eq!(search(w, &t, "web-agent", "copyright")["count"], 0);

    // Listing by type and status sees them.
    let listed = w.get("/v1/training-data?type=url&status=completed&agent=web-agent", &t.token).expect(200).json();
    assert_eq!(listed["count"], 3);

    // Resync: the page changed; the item is read again and search follows.
    w.mock.answer_raw(
        &format!("/site-{}/returns.html", t.id),
        200,
        "text/html",
        "<html><head><title>Returns v2</title></head><body><p>The return window is now sixty days.</p></body></html>",
    );
    let rs = w.post("/v1/training-data/urls/resync", &t.token, &json!({"agent": "web-agent"})).expect(202).json();
    assert_eq!(rs["count"], 3);
    assert!(rs["data"].as_array().unwrap().iter().all(|i| i["status"] == "pending" && i["attempts"] == 0), "{rs}");
    let again = wait_for(w, &t, returns_id, &["completed", "failed"]);
    assert_eq!(again["title"], "Returns v2");
    let s = search(w, &t, "web-agent", "sixty");
    assert_eq!(s["data"][0]["training_data_id"].as_i64(), Some(returns_id));
    assert_eq!(search(w, &t, "web-agent", "thirty")["count"], 0);

    // Processing a URL the agent already has re-queues the same item.
    let r2 = w
        .post(
            "/v1/training-data/urls/process",
            &t.token,
            &json!({"agent": "web-agent", "urls": [format!("{base}/returns.html")]}),
        )
        .expect(202)
        .json();
    assert_eq!(r2["data"][0]["id"].as_i64(), Some(returns_id));
    wait_for(w, &t, returns_id, &["completed"]);
    assert_eq!(w.get("/v1/training-data?count_only=true&type=url", &t.token).expect(200).json()["count"], 3);
}

fn url_failures_end_failed_with_a_reason(w: &World) {
    let t = w.tenant();
    new_agent(w, &t, "fail-agent");
    let n = t.id;
    let m = &w.mock.url;
    // A huge page (over the 2 MiB cap), a page that is not HTML, a 404.
    let huge = format!("<html><body>{}</body></html>", "<p>lorem ipsum dolor</p>".repeat(5 * 1024 * 1024 / 20));
    w.mock.answer_raw(&format!("/bad-{n}/huge.html"), 200, "text/html", &huge);
    w.mock.answer_raw(&format!("/bad-{n}/image.png"), 200, "image/png", "\u{89}PNG");
    w.mock.answer_raw(&format!("/bad-{n}/missing.html"), 404, "text/html", "<p>gone</p>");
    w.mock.answer_raw(&format!("/bad-{n}/empty.html"), 200, "text/html", "<html><script>x()</script></html>");
    let redirect_to_credentials = format!("{m}/bad-{n}/redirect?to=http%3A%2F%2Fuser%3Apw%40127.0.0.1%2Fx");
    let cases = [
        (format!("{m}/bad-{n}/status/500"), "HTTP 500", 3),
        (format!("{m}/bad-{n}/slow/4000"), "did not answer in time", 3),
        (format!("{m}/bad-{n}/huge.html"), "larger than 2097152 bytes", 1),
        (format!("{m}/bad-{n}/image.png"), "not HTML or text", 1),
        (format!("{m}/bad-{n}/missing.html"), "HTTP 404", 1),
        (format!("{m}/bad-{n}/empty.html"), "no readable text", 1),
        (redirect_to_credentials, "refused", 1),
    ];
    let urls: Vec<&str> = cases.iter().map(|(u, _, _)| u.as_str()).collect();
    let r = w
        .post("/v1/training-data/urls/process", &t.token, &json!({"agent": "fail-agent", "urls": urls}))
        .expect(202)
        .json();
    assert_eq!(r["count"].as_u64(), Some(cases.len() as u64));
    let mut saw_retrying = false;
    for (url, reason, attempts) in &cases {
        let item = r["data"].as_array().unwrap().iter().find(|i| i["url"] == *url).unwrap_or_else(|| panic!("{url}"));
        let id = item["id"].as_i64().unwrap();
        let deadline = Instant::now() + Duration::from_secs(90);
        let done = loop {
            let cur = w.get(&format!("/v1/training-data/{id}"), &t.token).expect(200).json();
            if cur["status"] == "pending" && cur["error"].is_string() {
                saw_retrying = true; // between attempts: the reason of the last one is visible
            }
            if cur["status"] == "failed" || cur["status"] == "completed" {
                break cur;
            }
            assert!(Instant::now() < deadline, "{url} stuck: {cur}");
            std::thread::sleep(Duration::from_millis(200));
        };
        assert_eq!(done["status"], "failed", "{url}: {done}");
        let error = done["error"].as_str().unwrap();
        assert!(error.contains(reason), "{url}: {error}");
        assert_eq!(done["attempts"], *attempts, "{url}: {done}");
        assert_eq!(done["chunks"], 0);
        assert!(done["processed_at"].is_string());
    }
    assert!(saw_retrying, "no retry was ever visible as pending with its reason");
    // The 500 page was asked three times (two retries with the tests' 1 s schedule).
    assert_eq!(w.mock.requests(&format!("/bad-{n}/status/500")).len(), 3);
    assert_eq!(
        w.get("/v1/training-data?status=failed", &t.token).expect(200).json()["count"].as_u64(),
        Some(cases.len() as u64)
    );
}

fn url_process_and_discover_errors(w: &World) {
    let t = w.tenant();
    new_agent(w, &t, "url-errors");
    let n = t.id;
    let m = &w.mock.url;
    let process = |body: Value| w.post("/v1/training-data/urls/process", &t.token, &body);
    let discover = |body: Value| w.post("/v1/training-data/urls/discover", &t.token, &body);

    // NO_URLS_PROVIDED: none, empty, only invalid ones.
    let e = process(json!({"agent": "url-errors", "urls": []})).expect_error(422, "NO_URLS_PROVIDED");
    assert!(e["error"].is_string());
    process(json!({"agent": "url-errors"})).expect_error(422, "NO_URLS_PROVIDED");
    let e =
        process(json!({"agent": "url-errors", "urls": ["not a url", "javascript:alert(1)", "https://u:p@acme.test/"]}))
            .expect_error(422, "NO_URLS_PROVIDED");
    assert_eq!(e["errors"]["urls"].as_array().unwrap().len(), 3);
    // A string where the list belongs is a type error naming the field, never a one-item list.
    process(json!({"agent": "url-errors", "urls": format!("{m}/x")})).expect_invalid("urls");
    process(json!({"agent": "url-errors", "urls": {"a": 1}})).expect_invalid("urls");
    let many: Vec<String> = (0..101).map(|i| format!("{m}/p{i}")).collect();
    process(json!({"agent": "url-errors", "urls": many})).expect_invalid("urls");
    process(json!({"urls": [format!("{m}/x")]})).expect_invalid("agent");
    process(json!({"agent": "ghost", "urls": [format!("{m}/x")]})).expect_error(400, "INVALID_AGENT");

    // Discover: PROCESSING_FAILED with the reason when the page cannot be fetched.
    let e = discover(json!({"agent": "url-errors", "url": format!("{m}/d-{n}/status/500")}))
        .expect_error(500, "PROCESSING_FAILED");
    assert!(e["error"].as_str().unwrap().contains("HTTP 500"), "{e}");
    let e = discover(json!({"agent": "url-errors", "url": format!("{m}/d-{n}/slow/4000")}))
        .expect_error(500, "PROCESSING_FAILED");
    assert!(e["error"].as_str().unwrap().contains("in time"), "{e}");
    let e = discover(
        json!({"agent": "url-errors", "url": format!("{m}/d-{n}/redirect?to=http%3A%2F%2Fuser%3Apw%40127.0.0.1%2F")}),
    )
    .expect_error(500, "PROCESSING_FAILED");
    assert!(e["error"].as_str().unwrap().contains("refused"), "{e}");
    let e = discover(json!({"agent": "url-errors", "url": "http://127.0.0.1:1/closed"}))
        .expect_error(500, "PROCESSING_FAILED");
    assert!(e["error"].as_str().unwrap().contains("could not be reached"), "{e}");
    discover(json!({"agent": "url-errors", "url": "ftp://acme.test/"})).expect_invalid("url");
    discover(json!({"agent": "url-errors"})).expect_invalid("url");
    discover(json!({"agent": "ghost", "url": format!("{m}/x")})).expect_error(400, "INVALID_AGENT");
    // Nothing was stored by any of it.
    assert_eq!(w.get("/v1/training-data?count_only=true", &t.token).expect(200).json()["count"], 0);
}

fn resync_without_completed_urls_is_the_business_state_body(w: &World) {
    let t = w.tenant();
    let a = new_agent(w, &t, "resync-agent");
    text_item(w, &t, &a["id"], "Only text", "No URLs here.");
    let r = w.post("/v1/training-data/urls/resync", &t.token, &json!({"agent": "resync-agent"})).expect(422);
    let mut body = r.json();
    assert_eq!(body["request_id"].as_str(), r.header("x-request-id"));
    body.as_object_mut().unwrap().remove("request_id");
    assert_eq!(body, json!({"success": false, "message": "No completed URLs found to resync"}));
    w.post("/v1/training-data/urls/resync", &t.token, &json!({"agent": "ghost"})).expect_error(400, "INVALID_AGENT");
    w.post("/v1/training-data/urls/resync", &t.token, &json!({})).expect_invalid("agent");
}

fn redaction_before_storage_and_search(w: &World) {
    let t = w.tenant();
    let a = new_agent(w, &t, "redact-agent");
    let content =
        "Card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, key weav_AbCdEfGhIjKlMnOpQrStUvWxYz0123abc9f1, \
                   header Authorization: Bearer sk_live_51HkQ2bLkdIwHu7ixRtFRaEQ. Order 123456789 on 2024-01-15.";
    let item = text_item(w, &t, &a["id"], "Payment notes", content);
    assert_eq!(item["redactions"], 4, "{item}");
    let stored = item["content"].as_str().unwrap();
    for gone in ["4111", "DE89", "weav_AbCd", "sk_live"] {
        assert!(!stored.contains(gone), "{gone} in {stored}");
    }
    assert!(
        stored.contains("[REDACTED:card]")
            && stored.contains("[REDACTED:iban]")
            && stored.contains("[REDACTED:secret]")
    );
    assert!(stored.contains("Order 123456789 on 2024-01-15."), "{stored}");
    assert_eq!(search(w, &t, "redact-agent", "4111")["count"], 0);
    assert_eq!(search(w, &t, "redact-agent", "123456789")["count"], 1);

    // A Q&A pair and a web page are redacted the same way.
    let qa = w
        .post(
            "/v1/training-data",
            &t.token,
            &json!({"agent": "redact-agent", "type": "qa", "question": "What is the test card?", "answer": "Use 5500-0000-0000-0004."}),
        )
        .expect(201)
        .json();
    assert_eq!((qa["redactions"].as_i64(), qa["answer"].as_str()), (Some(1), Some("Use [REDACTED:card].")));
    let path = format!("/redact-{}/page.html", t.id);
    w.mock.answer_raw(
        &path,
        200,
        "text/html",
        "<title>Keys</title><p>Our GitHub token is ghp_16C7e42F292c6912E7710c838347Ae178B4a today.</p>",
    );
    let r = w
        .post(
            "/v1/training-data/urls/process",
            &t.token,
            &json!({"agent": "redact-agent", "urls": [format!("{}{path}", w.mock.url)]}),
        )
        .expect(202)
        .json();
    let done = wait_for(w, &t, r["data"][0]["id"].as_i64().unwrap(), &["completed", "failed"]);
    assert_eq!((done["status"].as_str(), done["redactions"].as_i64()), (Some("completed"), Some(1)), "{done}");
    let hit = &search(w, &t, "redact-agent", "github token")["data"][0];
    assert!(hit["snippet"].as_str().unwrap().contains("[REDACTED:secret]"), "{hit}");
    assert!(!hit["snippet"].as_str().unwrap().contains("ghp_"), "{hit}");
}

fn search_ranks_cites_and_validates(w: &World) {
    let t = w.tenant();
    let a = new_agent(w, &t, "search-agent");
    let ship = text_item(w, &t, &a["id"], "Shipping", "We ship parcels every weekday. Express shipping costs extra.");
    let pay =
        text_item(w, &t, &a["id"], "Payments", "We accept cards and bank transfers. Shipping is paid at checkout.");
    let qa = w
        .post(
            "/v1/training-data",
            &t.token,
            &json!({"agent": a["id"], "type": "qa", "question": "How long does delivery take?", "answer": "Two to three days."}),
        )
        .expect(201)
        .json();
    // The item that is about shipping ranks first; both shipping items are found.
    let s = search(w, &t, "search-agent", "shipping");
    assert_eq!(s["query"], "shipping");
    assert_eq!(s["count"], 2);
    assert_eq!(s["data"][0]["training_data_id"], ship["id"], "{s}");
    assert_eq!(s["data"][1]["training_data_id"], pay["id"]);
    assert!(s["data"][0]["score"].as_f64() >= s["data"][1]["score"].as_f64());
    assert_eq!(s["data"][0]["title"], "Shipping");
    assert!(s["data"][0]["url"].is_null());
    // Stemming: "deliveries" finds "delivery"; the Q&A's citation title is its question.
    let s = search(w, &t, "search-agent", "deliveries");
    assert_eq!(s["data"][0]["training_data_id"], qa["id"]);
    assert_eq!(s["data"][0]["type"], "qa");
    assert_eq!(s["data"][0]["title"], "How long does delivery take?");
    // Limit; FTS syntax in q is only words.
    let s = w.get("/v1/agents/search-agent/knowledge/search?q=shipping&limit=1", &t.token).expect(200).json();
    assert_eq!(s["count"], 1);
    let s = w
        .get("/v1/agents/search-agent/knowledge/search?q=%22shipping%22+OR+NEAR(scope%3A", &t.token)
        .expect(200)
        .json();
    assert!(s["count"].as_i64().unwrap() >= 1);
    assert_eq!(search(w, &t, "search-agent", "zebra")["count"], 0);
    // Validation and the agent in the path.
    w.get("/v1/agents/search-agent/knowledge/search", &t.token).expect_invalid("q");
    // A question without a word matches nothing (it is not an error).
    assert_eq!(search(w, &t, "search-agent", "?!")["count"], 0);
    w.get("/v1/agents/search-agent/knowledge/search?q=%20", &t.token).expect_invalid("q");
    w.get("/v1/agents/search-agent/knowledge/search?q=x&limit=0", &t.token).expect_invalid("limit");
    w.get("/v1/agents/search-agent/knowledge/search?q=x&limit=51", &t.token).expect_invalid("limit");
    w.get("/v1/agents/nobody/knowledge/search?q=x", &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.get(&format!("/v1/agents/{}/knowledge/search?q=shipping", a["id"]), &t.token).expect(200);
    w.send("POST", "/v1/agents/search-agent/knowledge/search?q=x", Some(&t.token), Some("{}"), &[]).expect(405);
}

fn workspaces_and_agents_are_isolated(w: &World) {
    let ta = w.tenant();
    let tb = w.tenant();
    let a1 = new_agent(w, &ta, "iso-one");
    let a2 = new_agent(w, &ta, "iso-two");
    let item = text_item(w, &ta, &a1["id"], "Secret plan", "The launch codeword is marmalade.");
    let id = item["id"].as_i64().unwrap();

    // Another agent of the same workspace does not know it.
    assert_eq!(search(w, &ta, "iso-one", "marmalade")["count"], 1);
    assert_eq!(search(w, &ta, "iso-two", "marmalade")["count"], 0);
    let _ = a2;

    // Workspace B sees nothing of A's and cannot use A's agent.
    w.get(&format!("/v1/training-data/{id}"), &tb.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.patch(&format!("/v1/training-data/{id}"), &tb.token, &json!({"content": "x"}))
        .expect_error(404, "RESOURCE_NOT_FOUND");
    w.delete(&format!("/v1/training-data/{id}"), &tb.token).expect_error(404, "RESOURCE_NOT_FOUND");
    assert_eq!(w.get("/v1/training-data", &tb.token).expect(200).json()["count"], 0);
    w.get(&format!("/v1/training-data?agent={}", a1["id"]), &tb.token).expect_error(400, "INVALID_AGENT");
    w.get(&format!("/v1/agents/{}/knowledge/search?q=marmalade", a1["id"]), &tb.token)
        .expect_error(404, "RESOURCE_NOT_FOUND");
    w.post("/v1/training-data", &tb.token, &json!({"agent": a1["id"], "type": "text", "content": "x"}))
        .expect_error(400, "INVALID_AGENT");
    w.post(
        "/v1/training-data/urls/process",
        &tb.token,
        &json!({"agent": a1["id"], "urls": [format!("{}/x", w.mock.url)]}),
    )
    .expect_error(400, "INVALID_AGENT");
    w.post("/v1/training-data/urls/resync", &tb.token, &json!({"agent": a1["id"]})).expect_error(400, "INVALID_AGENT");
    w.post(
        "/v1/training-data/urls/discover",
        &tb.token,
        &json!({"agent": a1["id"], "url": format!("{}/x", w.mock.url)}),
    )
    .expect_error(400, "INVALID_AGENT");
    // B's own agent with the same uid has its own (empty) knowledge.
    new_agent(w, &tb, "iso-one");
    assert_eq!(search(w, &tb, "iso-one", "marmalade")["count"], 0);
    // A still has it.
    assert_eq!(w.get(&format!("/v1/training-data/{id}"), &ta.token).expect(200).json()["content"], item["content"]);
}

/// 10,000 chunks in one workspace (50 items of 200 chunks): a search reads the FTS5 index
/// (and only its agent's postings), so it answers quickly, not after a scan.
fn search_stays_fast_over_10000_chunks(w: &World) {
    let t = w.tenant();
    let a = new_agent(w, &t, "big-agent");
    let mut total = 0;
    for item in 0..50u64 {
        // 200 paragraphs of ~990 characters: one chunk each.
        let mut content = String::with_capacity(200_000);
        for p in 0..200 {
            let mut para = String::new();
            let mut k: u64 = item * 7919 + p * 104_729;
            while para.len() < 980 {
                k = (k * 1_103_515_245 + 12_345) % 2_147_483_648;
                para.push_str(&format!("w{} ", k % 20_000));
            }
            content.push_str(para.trim_end());
            content.push_str("\n\n");
        }
        if item == 37 {
            content.push_str("The needle word is xylophonist.");
        }
        let r = w
            .post(
                "/v1/training-data",
                &t.token,
                &json!({"agent": a["id"], "type": "text", "title": format!("Bulk {item}"), "content": content}),
            )
            .expect(201)
            .json();
        total += r["chunks"].as_i64().unwrap();
    }
    assert!(total >= 10_000, "{total} chunks");
    let mut worst = Duration::ZERO;
    for q in ["xylophonist", "w123+w456", "w9999"] {
        let t0 = Instant::now();
        let s = search(w, &t, "big-agent", q);
        worst = worst.max(t0.elapsed());
        assert!(s["count"].as_i64().unwrap() >= 1, "{q}: {s}");
    }
    let s = search(w, &t, "big-agent", "xylophonist");
    assert_eq!(s["data"][0]["title"], "Bulk 37");
    assert!(worst < Duration::from_millis(1500), "search took {worst:?} over {total} chunks");
    println!("      search over {total} chunks: slowest {worst:?}");
}

/// The items of `agent` by status: (done, waiting).
fn progress(w: &World, t: &Tenant) -> (usize, usize) {
    let items = w.get("/v1/training-data?take=100", &t.token).expect(200).json()["data"].as_array().cloned().unwrap();
    let done = items.iter().filter(|i| i["status"] == "completed" || i["status"] == "failed").count();
    (done, items.len() - done)
}

fn a_long_crawl_does_not_hold_back_another_workspaces_page(w: &World) {
    // Workspace A: 30 pages that take 1.5 s each to answer.
    let a = w.tenant();
    let agent_a = new_agent(w, &a, "crawler");
    let base = format!("/crawl-{}", a.id);
    let urls: Vec<String> = (0..30)
        .map(|n| {
            let path = format!("{base}/p{n}.html");
            w.mock.answer_when(&path, "", 200, json!({"page": n}), 1500);
            format!("{}{path}", w.mock.url)
        })
        .collect();
    w.post("/v1/training-data/urls/process", &a.token, &json!({"agent": agent_a["id"], "urls": urls})).expect(202);
    // Workspace B's one page, sent right after, is read long before A's crawl is over.
    let b = w.tenant();
    let agent_b = new_agent(w, &b, "single");
    let page = format!("/single-{}/index.html", b.id);
    w.mock.answer_raw(&page, 200, "text/html", "<html><title>One</title><body><p>Only page.</p></body></html>");
    let started = Instant::now();
    let url = format!("{}{page}", w.mock.url);
    w.post("/v1/training-data/urls/process", &b.token, &json!({"agent": agent_b["id"], "urls": [url]})).expect(202);
    loop {
        if progress(w, &b).0 == 1 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "B's page is still waiting");
        std::thread::sleep(Duration::from_millis(100));
    }
    let took = started.elapsed();
    let (a_done, a_waiting) = progress(w, &a);
    assert!(took < Duration::from_secs(5), "B's page took {took:?}");
    assert!(a_waiting > 0, "A's crawl was already over ({a_done} done): the test proved nothing");
    // At most TRAINING_PAGES_IN_FLIGHT (4) of A's pages were fetched at once so far.
    assert!(w.mock.requests(&base).len() <= a_done + 4, "{} fetched, {a_done} done", w.mock.requests(&base).len());
}
