//! Agents (seed 002): every endpoint, every rule, listing, trash, protection, pictures,
//! directories, isolation and the seed's own paths.

use crate::harness::{Tenant, World};
use serde_json::{json, Value};

pub fn cases() -> Vec<crate::Case> {
    crate::cases![
        seed_walkthrough_at_both_path_styles,
        seed_curl_examples_run_unchanged,
        create_returns_every_field_of_the_seed_schema,
        create_validates_every_field,
        create_needs_the_write_ability_and_a_json_body,
        duplicate_uid_is_422_naming_uid,
        get_by_id_or_uid_and_unknown_is_404,
        another_workspace_never_sees_an_agent,
        patch_keeps_what_is_left_out_and_null_clears,
        patch_validates_before_looking_up,
        put_creates_then_updates_by_uid,
        put_rules_for_uid,
        trash_and_restore_semantics,
        protected_agents_cannot_be_trashed_or_deleted,
        reads_show_every_kind_of_change,
        listing_paging_order_and_count,
        listing_filters_q_tag_directory_trashed,
        listing_rejects_bad_parameters,
        directories_by_name_or_id,
        pictures_data_uri_url_and_blob_id,
        pictures_are_the_four_formats_and_dropped_ones_are_deleted,
        functions_inside_agent_writes,
        head_on_agents,
    ]
}

pub fn agent(uid: &str) -> Value {
    json!({"uid": uid, "name": "Tweety Bird", "provider": "openai", "model": "gpt-4.1-mini",
           "instructions": "You're a cute cartoon character with an aggressive nature."})
}

pub fn create(w: &World, t: &Tenant, body: Value) -> Value {
    w.post("/v1/agents", &t.token, &body).expect(201).json()
}

fn seed_walkthrough_at_both_path_styles(w: &World) {
    for base in ["/v1/agents", "/api/agents"] {
        let t = w.tenant();
        let a = w.post(base, &t.token, &agent("tweety-bird")).expect(201).json();
        assert_eq!(a["uid"], "tweety-bird");
        let got = w.get(&format!("{base}/tweety-bird"), &t.token).expect(200).json();
        assert_eq!(got, a);
        let patched =
            w.patch(&format!("{base}/tweety-bird"), &t.token, &json!({"model": "gpt-4.1-nano"})).expect(200).json();
        assert_eq!(patched["model"], "gpt-4.1-nano");
        let put = w
            .put(
                &format!("{base}/tweety-bird"),
                &t.token,
                &json!({"name": "Tweety Bird", "provider": "openai", "model": "gpt-4.1-mini", "instructions": "Be nice."}),
            )
            .expect(200)
            .json();
        assert_eq!(put["instructions"], "Be nice.");
        let list = w.get(&format!("{base}?take=25"), &t.token).expect(200).json();
        assert_eq!(list["count"], 1);
        assert_eq!(list["data"][0]["uid"], "tweety-bird");
        w.post(&format!("{base}/tweety-bird/trash"), &t.token, &json!({})).expect(204);
        w.post(&format!("{base}/tweety-bird/restore"), &t.token, &json!({})).expect(204);
        w.delete(&format!("{base}/tweety-bird"), &t.token).expect(204);
        w.get(&format!("{base}/tweety-bird"), &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    }
}

/// Seed 002's curl examples, bodies as printed (single-quoted), at the seed's own paths;
/// under `/v1` the same bodies are not JSON (400 `INVALID_JSON`), and change nothing.
fn seed_curl_examples_run_unchanged(w: &World) {
    let create = "{ 'uid': 'tweety-bird', 'name': 'Tweety Bird', 'provider': 'openai', 'model': 'gpt-4.1-mini', 'instructions': 'You\u{2019}re a cute cartoon character with an aggressive nature.' }";
    let put = "{ 'name': 'Tweety Bird', 'provider': 'openai', 'model': 'gpt-4.1-mini', 'instructions': 'You\u{2019}re a cute cartoon character with an aggressive nature.' }";
    let joke = "{ 'name': 'get_joke', 'description': 'Returns a joke', 'url': 'https://api.example.com/joke' }";
    {
        let t = w.tenant();
        let tk = Some(t.token.as_str());
        w.send("POST", "/v1/agents", tk, Some(create), &[]).expect_error(400, "INVALID_JSON");
        assert_eq!(w.send("GET", "/v1/agents", tk, None, &[]).expect(200).json()["count"], 0);
        w.send("POST", "/v1/agents", tk, Some(&create.replace('\'', "\"")), &[]).expect(201);
        let p = w.send("PATCH", "/v1/agents/tweety-bird", tk, Some("{ 'model': 'gpt-4.1-nano' }"), &[]);
        p.expect_error(400, "INVALID_JSON");
        assert_eq!(w.send("GET", "/v1/agents/tweety-bird", tk, None, &[]).expect(200).json()["model"], "gpt-4.1-mini");
    }
    {
        let base = "/api/agents";
        let t = w.tenant();
        let tk = Some(t.token.as_str());
        let a = w.send("POST", base, tk, Some(create), &[]).expect(201).json();
        assert_eq!(a["instructions"], "You\u{2019}re a cute cartoon character with an aggressive nature.");
        w.send("GET", &format!("{base}/tweety-bird"), tk, None, &[]).expect(200);
        let p =
            w.send("PATCH", &format!("{base}/tweety-bird"), tk, Some("{ 'model': 'gpt-4.1-nano' }"), &[]).expect(200);
        assert_eq!(p.json()["model"], "gpt-4.1-nano");
        w.send("PUT", &format!("{base}/tweety-bird"), tk, Some(put), &[]).expect(200);
        assert_eq!(w.send("GET", &format!("{base}?take=25"), tk, None, &[]).expect(200).json()["count"], 1);
        let fns = format!("{base}/tweety-bird/functions");
        w.send("POST", &fns, tk, Some(joke), &[]).expect(201);
        w.send("GET", &format!("{fns}/get_joke"), tk, None, &[]).expect(200);
        w.send("PATCH", &format!("{fns}/get_joke"), tk, Some(joke), &[]).expect(200);
        w.send("PUT", &format!("{fns}/get_joke"), tk, Some(joke), &[]).expect(200);
        assert_eq!(w.send("GET", &fns, tk, None, &[]).expect(200).json()[0]["name"], "get_joke");
        w.send("DELETE", &format!("{fns}/get_joke"), tk, None, &[]).expect(204);
        w.send("POST", &format!("{base}/tweety-bird/trash"), tk, None, &[]).expect(204);
        w.send("POST", &format!("{base}/tweety-bird/restore"), tk, None, &[]).expect(204);
        w.send("DELETE", &format!("{base}/tweety-bird"), tk, None, &[]).expect(204);
    }
}

fn create_returns_every_field_of_the_seed_schema(w: &World) {
    let t = w.tenant();
    let a = create(w, &t, agent("shape-check"));
    for field in [
        "id",
        "uid",
        "name",
        "provider",
        "model",
        "instructions",
        "functions",
        "knowledge",
        "web_search",
        "max_tokens",
        "avatar_url",
        "picture",
        "directory",
        "comment",
        "tags",
        "metadata",
        "created_at",
        "updated_at",
        "is_agent",
        "is_trashed",
    ] {
        assert!(a.get(field).is_some(), "missing {field}: {a}");
    }
    assert!(a["id"].is_i64());
    assert_eq!(a["functions"], json!([]));
    assert_eq!(a["knowledge"], json!([]));
    assert_eq!(a["tags"], json!([]));
    for null_field in ["web_search", "max_tokens", "avatar_url", "picture", "directory", "comment", "metadata"] {
        assert!(a[null_field].is_null(), "{null_field} should be null when never set: {a}");
    }
    assert_eq!(a["is_agent"], true);
    assert_eq!(a["is_trashed"], false);
    assert_eq!(a["created_at"], a["updated_at"]);
    let full = create(
        w,
        &t,
        json!({"uid": "full", "name": "Full", "provider": "weavy", "model": "m", "web_search": true, "max_tokens": 512,
               "knowledge": [3, 1], "comment": "c", "tags": ["vip", "beta"], "metadata": {"color": "blue", "size": "XL"}}),
    );
    assert_eq!(full["web_search"], true);
    assert_eq!(full["max_tokens"], 512);
    assert_eq!(full["knowledge"], json!([3, 1]));
    assert_eq!(full["tags"], json!(["vip", "beta"]));
    assert_eq!(full["metadata"], json!({"color": "blue", "size": "XL"}));
    for p in ["anthropic", "gemini", "kapa", "openai"] {
        let a = create(w, &t, json!({"uid": format!("p-{p}"), "name": "P", "provider": p, "model": "m"}));
        assert_eq!(a["provider"], p);
    }
}

fn create_validates_every_field(w: &World) {
    let t = w.tenant();
    let bad: Vec<(&str, Value)> = vec![
        ("uid", json!({"name": "n", "provider": "openai", "model": "m"})),
        ("uid", json!({"uid": "has space", "name": "n", "provider": "openai", "model": "m"})),
        ("uid", json!({"uid": "12345", "name": "n", "provider": "openai", "model": "m"})),
        ("uid", json!({"uid": 7, "name": "n", "provider": "openai", "model": "m"})),
        ("name", json!({"uid": "a1", "provider": "openai", "model": "m"})),
        ("name", json!({"uid": "a1", "name": "  ", "provider": "openai", "model": "m"})),
        ("provider", json!({"uid": "a1", "name": "n", "provider": "skynet", "model": "m"})),
        ("provider", json!({"uid": "a1", "name": "n", "model": "m"})),
        ("model", json!({"uid": "a1", "name": "n", "provider": "openai"})),
        ("max_tokens", json!({"uid": "a1", "name": "n", "provider": "openai", "model": "m", "max_tokens": 0})),
        ("max_tokens", json!({"uid": "a1", "name": "n", "provider": "openai", "model": "m", "max_tokens": "9"})),
        ("web_search", json!({"uid": "a1", "name": "n", "provider": "openai", "model": "m", "web_search": "yes"})),
        ("metadata", json!({"uid": "a1", "name": "n", "provider": "openai", "model": "m", "metadata": [1]})),
        ("tags", json!({"uid": "a1", "name": "n", "provider": "openai", "model": "m", "tags": [1]})),
        ("knowledge", json!({"uid": "a1", "name": "n", "provider": "openai", "model": "m", "knowledge": ["x"]})),
        ("instructions", json!({"uid": "a1", "name": "n", "provider": "openai", "model": "m", "instructions": 5})),
        ("picture", json!({"uid": "a1", "name": "n", "provider": "openai", "model": "m", "picture": "ftp://x/y.png"})),
        ("functions", json!({"uid": "a1", "name": "n", "provider": "openai", "model": "m", "functions": "f"})),
    ];
    for (field, body) in bad {
        w.post("/v1/agents", &t.token, &body).expect_invalid(field);
    }
    // Nothing was created by any of them.
    assert_eq!(w.get("/v1/agents?count_only=true&trashed=null", &t.token).expect(200).json(), json!({"count": 0}));
}

fn create_needs_the_write_ability_and_a_json_body(w: &World) {
    let t = w.tenant();
    let read_only = w.token_for(t.id, &["external-api:read"]);
    let r = w.post("/v1/agents", &read_only, &agent("nope")).expect(403);
    assert_eq!(r.json()["error"], "Token missing required ability: external-api:write");
    assert_eq!(r.json()["code"], "INSUFFICIENT_TOKEN_ABILITY");
    w.get("/v1/agents", &read_only).expect(200);
    w.send("POST", "/v1/agents", Some(&t.token), Some("{not json"), &[]).expect_error(400, "INVALID_JSON");
    w.send("POST", "/v1/agents", Some(&t.token), Some("[1,2]"), &[]).expect_error(400, "INVALID_JSON");
    let huge =
        json!({"uid": "big", "name": "n", "provider": "openai", "model": "m", "instructions": "x".repeat(1_100_000)});
    w.post("/v1/agents", &t.token, &huge).expect_error(413, "PAYLOAD_TOO_LARGE");
    w.send("POST", "/v1/agents", None, Some("{}"), &[]).expect_error(401, "UNAUTHENTICATED");
}

fn duplicate_uid_is_422_naming_uid(w: &World) {
    let t = w.tenant();
    create(w, &t, agent("dupe"));
    let body = w.post("/v1/agents", &t.token, &agent("dupe")).expect_invalid("uid");
    assert!(body["errors"]["uid"][0].as_str().unwrap().contains("taken"), "{body}");
    // The same uid in another workspace is fine.
    let other = w.tenant();
    create(w, &other, agent("dupe"));
}

fn get_by_id_or_uid_and_unknown_is_404(w: &World) {
    let t = w.tenant();
    let a = create(w, &t, agent("finder"));
    let by_id = w.get(&format!("/v1/agents/{}", a["id"]), &t.token).expect(200).json();
    assert_eq!(by_id, a);
    w.get("/v1/agents/nobody-here", &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.get("/v1/agents/99999999", &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
}

fn another_workspace_never_sees_an_agent(w: &World) {
    let a = w.tenant();
    let b = w.tenant();
    let agent_a = create(w, &a, agent("secret-agent"));
    let id = agent_a["id"].as_i64().unwrap();
    for path in [format!("/v1/agents/{id}"), "/v1/agents/secret-agent".to_string()] {
        w.get(&path, &b.token).expect_error(404, "RESOURCE_NOT_FOUND");
        w.patch(&path, &b.token, &json!({"name": "pwned"})).expect_error(404, "RESOURCE_NOT_FOUND");
        w.delete(&path, &b.token).expect_error(404, "RESOURCE_NOT_FOUND");
        w.post(&format!("{path}/trash"), &b.token, &json!({})).expect_error(404, "RESOURCE_NOT_FOUND");
        w.get(&format!("{path}/functions"), &b.token).expect_error(404, "RESOURCE_NOT_FOUND");
    }
    let list = w.get("/v1/agents?trashed=null", &b.token).expect(200).json();
    assert_eq!(list["count"], 0);
    assert_eq!(list["data"], json!([]));
    // PUT with A's uid in B creates B's own agent; A's is untouched.
    w.put("/v1/agents/secret-agent", &b.token, &json!({"name": "B's", "provider": "kapa", "model": "m"})).expect(201);
    assert_eq!(w.get("/v1/agents/secret-agent", &a.token).expect(200).json()["name"], "Tweety Bird");
}

fn patch_keeps_what_is_left_out_and_null_clears(w: &World) {
    let t = w.tenant();
    let mut body = agent("patchy");
    body["comment"] = json!("keep me");
    body["tags"] = json!(["a"]);
    body["metadata"] = json!({"k": 1});
    let a = create(w, &t, body);
    let p =
        w.patch("/v1/agents/patchy", &t.token, &json!({"name": "Renamed", "instructions": null})).expect(200).json();
    assert_eq!(p["name"], "Renamed");
    assert!(p["instructions"].is_null());
    assert_eq!(p["comment"], "keep me");
    assert_eq!(p["tags"], json!(["a"]));
    assert_eq!(p["metadata"], json!({"k": 1}));
    assert_eq!(p["created_at"], a["created_at"]);
    // A new uid renames; the old one is gone, the id stays.
    let p = w.patch(&format!("/v1/agents/{}", a["id"]), &t.token, &json!({"uid": "patchy-2"})).expect(200).json();
    assert_eq!((p["uid"].as_str(), p["id"].as_i64()), (Some("patchy-2"), a["id"].as_i64()));
    w.get("/v1/agents/patchy", &t.token).expect(404);
    create(w, &t, agent("taken"));
    w.patch("/v1/agents/patchy-2", &t.token, &json!({"uid": "taken"})).expect_invalid("uid");
    w.patch("/v1/agents/patchy-2", &t.token, &json!({"name": null})).expect_invalid("name");
    w.patch("/v1/agents/patchy-2", &t.token, &json!({"provider": "x"})).expect_invalid("provider");
    // Unchanged after the refused writes.
    assert_eq!(w.get("/v1/agents/patchy-2", &t.token).expect(200).json()["name"], "Renamed");
}

fn patch_validates_before_looking_up(w: &World) {
    let t = w.tenant();
    w.patch("/v1/agents/ghost", &t.token, &json!({"max_tokens": -1})).expect_invalid("max_tokens");
    w.patch("/v1/agents/ghost", &t.token, &json!({"name": "ok"})).expect_error(404, "RESOURCE_NOT_FOUND");
}

fn put_creates_then_updates_by_uid(w: &World) {
    let t = w.tenant();
    let created = w
        .put(
            "/v1/agents/upsert-me",
            &t.token,
            &json!({"name": "U", "provider": "gemini", "model": "gemini-2.0-flash", "tags": ["x"]}),
        )
        .expect(201)
        .json();
    assert_eq!(created["uid"], "upsert-me");
    assert!(created["instructions"].is_null());
    let updated = w.put("/v1/agents/upsert-me", &t.token, &json!({"model": "gemini-2.5"})).expect(200).json();
    assert_eq!(updated["id"], created["id"]);
    assert_eq!(updated["model"], "gemini-2.5");
    assert_eq!(updated["name"], "U", "fields left out keep their values on update");
    assert_eq!(updated["tags"], json!(["x"]));
    w.put("/api/agents/upsert-me", &t.token, &json!({"uid": "upsert-me", "comment": "via alias"})).expect(200);
}

fn put_rules_for_uid(w: &World) {
    let t = w.tenant();
    w.put("/v1/agents/12345", &t.token, &json!({"name": "n", "provider": "openai", "model": "m"}))
        .expect_invalid("uid");
    w.put("/v1/agents/path-uid", &t.token, &json!({"uid": "other", "name": "n", "provider": "openai", "model": "m"}))
        .expect_invalid("uid");
    let r = w.put("/v1/agents/new-one", &t.token, &json!({"name": "n"}));
    let body = r.expect(422).json();
    assert!(body["errors"]["provider"].is_array() && body["errors"]["model"].is_array(), "{body}");
    w.get("/v1/agents/new-one", &t.token).expect(404);
}

fn trash_and_restore_semantics(w: &World) {
    let t = w.tenant();
    create(w, &t, agent("trashy"));
    w.post("/v1/agents/trashy/trash", &t.token, &json!({})).expect(204);
    w.post("/v1/agents/trashy/trash", &t.token, &json!({})).expect(204);
    w.get("/v1/agents/trashy", &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    w.patch("/v1/agents/trashy", &t.token, &json!({"name": "x"})).expect_error(404, "RESOURCE_NOT_FOUND");
    w.put("/v1/agents/trashy", &t.token, &json!({"name": "x"})).expect_error(404, "RESOURCE_NOT_FOUND");
    let got = w.get("/v1/agents/trashy?trashed=true", &t.token).expect(200).json();
    assert_eq!(got["is_trashed"], true);
    w.patch("/v1/agents/trashy?trashed=true", &t.token, &json!({"comment": "while trashed"})).expect(200);
    // The uid stays taken while trashed.
    w.post("/v1/agents", &t.token, &agent("trashy")).expect_invalid("uid");
    assert_eq!(w.get("/v1/agents", &t.token).json()["count"], 0);
    assert_eq!(w.get("/v1/agents?trashed=true", &t.token).json()["count"], 1);
    w.post("/v1/agents/trashy/restore", &t.token, &json!({})).expect(204);
    w.post("/v1/agents/trashy/restore", &t.token, &json!({})).expect(204);
    let got = w.get("/v1/agents/trashy", &t.token).expect(200).json();
    assert_eq!(got["is_trashed"], false);
    assert_eq!(got["comment"], "while trashed");
    w.post("/v1/agents/nobody/trash", &t.token, &json!({})).expect(404);
    w.post("/v1/agents/nobody/restore", &t.token, &json!({})).expect(404);
    w.delete("/v1/agents/nobody", &t.token).expect(404);
}

fn protected_agents_cannot_be_trashed_or_deleted(w: &World) {
    let t = w.tenant();
    create(w, &t, agent("guarded"));
    let path = format!("/admin/v1/workspaces/{}/agents/guarded", t.id);
    let a = w.admin("PATCH", &path, Some(json!({"protected": true}))).expect(200).json();
    assert_eq!(a["protected"], true);
    w.post("/v1/agents/guarded/trash", &t.token, &json!({})).expect_error(403, "FORBIDDEN");
    w.delete("/v1/agents/guarded", &t.token).expect_error(403, "FORBIDDEN");
    w.get("/v1/agents/guarded", &t.token).expect(200);
    w.admin("PATCH", &path, Some(json!({"protected": "yes"}))).expect_invalid("protected");
    w.admin("PATCH", &format!("/admin/v1/workspaces/{}/agents/nobody", t.id), Some(json!({"protected": true})))
        .expect_error(404, "RESOURCE_NOT_FOUND");
    w.admin("PATCH", &path, Some(json!({"protected": false}))).expect(200);
    w.post("/v1/agents/guarded/trash", &t.token, &json!({})).expect(204);
    w.delete("/v1/agents/guarded", &t.token).expect(204);
}

fn listing_paging_order_and_count(w: &World) {
    let t = w.tenant();
    for (i, name) in ["Charlie", "alpha", "Bravo", "delta", "Echo"].iter().enumerate() {
        create(
            w,
            &t,
            json!({"uid": format!("l-{i}"), "name": name, "provider": "openai", "model": format!("m{}", 5 - i)}),
        );
    }
    let page = w.get("/v1/agents?take=2&skip=1", &t.token).expect(200).json();
    assert_eq!((page["start"].as_i64(), page["end"].as_i64(), page["count"].as_i64()), (Some(1), Some(3), Some(5)));
    let uids: Vec<&str> = page["data"].as_array().unwrap().iter().map(|a| a["uid"].as_str().unwrap()).collect();
    assert_eq!(uids, ["l-1", "l-2"], "default order is id");
    let by_name = w.get("/v1/agents?order_by=name", &t.token).json();
    let names: Vec<&str> = by_name["data"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let desc = w.get("/v1/agents?order_by=id+desc&take=1", &t.token).json();
    assert_eq!(desc["data"][0]["uid"], "l-4");
    assert_eq!(desc["end"], 1);
    let model = w.get("/v1/agents?order_by=model&take=1", &t.token).json();
    assert_eq!(model["data"][0]["model"], "m1");
    let beyond = w.get("/v1/agents?skip=10", &t.token).json();
    assert_eq!(
        (beyond["start"].as_i64(), beyond["end"].as_i64(), beyond["count"].as_i64()),
        (Some(10), Some(10), Some(5))
    );
    assert_eq!(w.get("/v1/agents?count_only=true", &t.token).json(), json!({"count": 5}));
    // List items have the same fields as a single GET.
    let one = w.get("/v1/agents/l-0", &t.token).json();
    let listed = w.get("/v1/agents?take=1", &t.token).json();
    assert_eq!(listed["data"][0], one);
}

fn listing_filters_q_tag_directory_trashed(w: &World) {
    let t = w.tenant();
    create(
        w,
        &t,
        json!({"uid": "q1", "name": "Support Bot", "provider": "openai", "model": "m", "tags": ["vip"], "directory": "Team A"}),
    );
    create(
        w,
        &t,
        json!({"uid": "q2", "name": "Sales Helper", "provider": "openai", "model": "m", "tags": ["vip", "beta"]}),
    );
    create(
        w,
        &t,
        json!({"uid": "q3", "name": "Bottle Opener", "provider": "openai", "model": "m", "directory": "Team A"}),
    );
    create(w, &t, json!({"uid": "q4", "name": "Robot", "provider": "openai", "model": "m"}));
    let count = |q: &str| w.get(&format!("/v1/agents?{q}"), &t.token).expect(200).json()["count"].as_i64().unwrap();
    assert_eq!(count("q=bot"), 2, "autocomplete: word prefixes (Support Bot, Bottle Opener)");
    assert_eq!(count("q=bot&autocomplete=false"), 3, "anywhere: Robot too");
    assert_eq!(count("q=help"), 1);
    assert_eq!(count("q=%25"), 0, "LIKE wildcards are literal");
    assert_eq!(count("tag=vip"), 2);
    assert_eq!(count("tag=beta"), 1);
    assert_eq!(count("tag=none"), 0);
    assert_eq!(count("directory=Team%20A"), 2);
    let dir_id = w.get("/v1/agents/q1", &t.token).json()["directory"]["id"].as_i64().unwrap();
    assert_eq!(count(&format!("directory={dir_id}")), 2);
    assert_eq!(count("directory=Nowhere"), 0);
    assert_eq!(count("tag=vip&q=sales"), 1);
    w.post("/v1/agents/q4/trash", &t.token, &json!({})).expect(204);
    assert_eq!(count(""), 3);
    assert_eq!(count("trashed=false"), 3);
    assert_eq!(count("trashed=true"), 1);
    assert_eq!(count("trashed=null"), 4);
    assert_eq!(count("trashed=true&q=rob&autocomplete=false"), 1);
    // Tags follow updates.
    w.patch("/v1/agents/q2", &t.token, &json!({"tags": ["gold"]})).expect(200);
    assert_eq!(count("tag=vip"), 1);
    assert_eq!(count("tag=gold"), 1);
}

fn listing_rejects_bad_parameters(w: &World) {
    let t = w.tenant();
    for (q, field) in [
        ("take=0", "take"),
        ("take=101", "take"),
        ("take=abc", "take"),
        ("skip=-5", "skip"),
        ("order_by=secret", "order_by"),
        ("order_by=name%3B%20DROP%20TABLE%20agents", "order_by"),
        ("order_by=name+up", "order_by"),
        ("trashed=maybe", "trashed"),
        ("count_only=perhaps", "count_only"),
    ] {
        w.get(&format!("/v1/agents?{q}"), &t.token).expect_invalid(field);
    }
    w.get("/v1/agents?take=100", &t.token).expect(200);
}

fn directories_by_name_or_id(w: &World) {
    let t = w.tenant();
    let a =
        create(w, &t, json!({"uid": "d1", "name": "n", "provider": "openai", "model": "m", "directory": "Support"}));
    let dir = a["directory"].clone();
    assert_eq!(dir["name"], "Support");
    let b =
        create(w, &t, json!({"uid": "d2", "name": "n", "provider": "openai", "model": "m", "directory": "Support"}));
    assert_eq!(b["directory"], dir, "the same name is the same directory");
    let c = create(
        w,
        &t,
        json!({"uid": "d3", "name": "n", "provider": "openai", "model": "m", "directory": dir["id"].to_string()}),
    );
    assert_eq!(c["directory"], dir);
    w.post(
        "/v1/agents",
        &t.token,
        &json!({"uid": "d4", "name": "n", "provider": "openai", "model": "m", "directory": "99999999"}),
    )
    .expect_invalid("directory");
    let cleared = w.patch("/v1/agents/d1", &t.token, &json!({"directory": null})).expect(200).json();
    assert!(cleared["directory"].is_null());
    // Another workspace's directory id is unknown here.
    let other = w.tenant();
    w.post(
        "/v1/agents",
        &other.token,
        &json!({"uid": "d5", "name": "n", "provider": "openai", "model": "m", "directory": dir["id"]}),
    )
    .expect_invalid("directory");
}

pub const PNG_1X1: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

fn pictures_data_uri_url_and_blob_id(w: &World) {
    let t = w.tenant();
    let a = create(
        w,
        &t,
        json!({"uid": "pic", "name": "n", "provider": "openai", "model": "m", "picture": format!("data:image/png;base64,{PNG_1X1}")}),
    );
    let pic = &a["picture"];
    assert!(pic["id"].as_str().is_some_and(|id| id.starts_with("blob_") && id.len() >= 20), "{a}");
    assert_eq!(pic["media_type"], "image/png");
    assert_eq!((pic["width"].as_i64(), pic["height"].as_i64()), (Some(1), Some(1)));
    assert_eq!(pic["size"], 70);
    let avatar = a["avatar_url"].as_str().unwrap();
    assert!(avatar.starts_with("http://127.0.0.1:") && avatar.ends_with(pic["id"].as_str().unwrap()), "{avatar}");
    // Served without a token, with its media type.
    let path = avatar.split_once("127.0.0.1:").unwrap().1;
    let path = &path[path.find('/').unwrap()..];
    let img = w.send("GET", path, None, None, &[]).expect(200);
    assert_eq!(img.header("content-type"), Some("image/png"));
    assert_eq!(img.bytes.len(), 70);
    assert!(img.bytes.starts_with(b"\x89PNG"));
    w.send("GET", "/v1/blobs/blob_doesnotexist", None, None, &[]).expect_error(404, "RESOURCE_NOT_FOUND");
    // The blob id can be reused by another agent of the workspace.
    let b =
        create(w, &t, json!({"uid": "pic2", "name": "n", "provider": "openai", "model": "m", "picture": pic["id"]}));
    assert_eq!(b["picture"]["id"], pic["id"]);
    let other = w.tenant();
    w.post(
        "/v1/agents",
        &other.token,
        &json!({"uid": "p", "name": "n", "provider": "openai", "model": "m", "picture": pic["id"]}),
    )
    .expect_invalid("picture");
    // A public URL.
    let u = w
        .patch("/v1/agents/pic", &t.token, &json!({"picture": "https://cdn.example.com/tweety.png"}))
        .expect(200)
        .json();
    assert_eq!(u["avatar_url"], "https://cdn.example.com/tweety.png");
    let bare = w.patch("/v1/agents/pic", &t.token, &json!({"picture": "https://cdn.example.com"})).expect(200).json();
    assert_eq!(bare["avatar_url"], "https://cdn.example.com", "the URL as sent");
    assert!(u["picture"]["id"].is_null());
    let cleared = w.patch("/v1/agents/pic", &t.token, &json!({"picture": null})).expect(200).json();
    assert!(cleared["picture"].is_null() && cleared["avatar_url"].is_null());
    let big = format!("data:image/png;base64,{}", "A".repeat(800_000));
    w.patch("/v1/agents/pic", &t.token, &json!({"picture": big})).expect_invalid("picture");
    w.patch("/v1/agents/pic", &t.token, &json!({"picture": "data:text/html;base64,PGI+"})).expect_invalid("picture");
}

/// `/v1/blobs/...` of a picture object.
fn blob_path(a: &Value) -> String {
    format!("/v1/blobs/{}", a["picture"]["id"].as_str().unwrap_or_default())
}

fn pictures_are_the_four_formats_and_dropped_ones_are_deleted(w: &World) {
    let t = w.tenant();
    let body = |uid: &str, picture: &str| json!({"uid": uid, "name": "n", "provider": "openai", "model": "m", "picture": picture});
    // A media type that is none of the four, or bytes that are not what it says: 422
    // naming picture, and nothing stored.
    for bad in [
        format!("data:image/p\rng;base64,{PNG_1X1}"),
        format!("data:image/svg+xml;base64,{PNG_1X1}"),
        format!("data:image/jpeg;base64,{PNG_1X1}"),
        "data:image/png;base64,R0lGODlhAQABAAAAACw=".to_string(),
        "data:image/png;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+".to_string(),
    ] {
        w.post("/v1/agents", &t.token, &body("bad-pic", &bad)).expect_invalid("picture");
    }
    w.get("/v1/agents/bad-pic", &t.token).expect_error(404, "RESOURCE_NOT_FOUND");
    assert_eq!(w.get("/v1/agents?count_only=true", &t.token).expect(200).json()["count"], 0);

    // GIF, JPEG and WebP by their magic numbers; served with their type, cached 60 s.
    let gif = create(w, &t, body("gif", "data:image/gif;base64,R0lGODlhAQABAAAAACw="));
    assert_eq!(gif["picture"]["media_type"], "image/gif");
    let first = w.send("GET", &blob_path(&gif), None, None, &[]).expect(200);
    assert_eq!(first.header("content-type"), Some("image/gif"));
    assert_eq!(first.header("cache-control"), Some("public, max-age=60"));
    let again = w.send("GET", &blob_path(&gif), None, None, &[]).expect(200);
    assert_eq!((again.header("content-type"), &again.bytes), (Some("image/gif"), &first.bytes));
    let jpeg = create(w, &t, body("jpeg", "data:image/jpeg;base64,/9j/4AAQSkZJRg=="));
    assert_eq!(jpeg["picture"]["media_type"], "image/jpeg");

    // Replacing a picture deletes the old blob (and its cached copy here).
    let replaced = w
        .patch("/v1/agents/gif", &t.token, &json!({"picture": format!("data:image/png;base64,{PNG_1X1}")}))
        .expect(200)
        .json();
    w.send("GET", &blob_path(&gif), None, None, &[]).expect_error(404, "RESOURCE_NOT_FOUND");
    w.send("GET", &blob_path(&replaced), None, None, &[]).expect(200);
    // Clearing it too.
    w.patch("/v1/agents/jpeg", &t.token, &json!({"picture": null})).expect(200);
    w.send("GET", &blob_path(&jpeg), None, None, &[]).expect_error(404, "RESOURCE_NOT_FOUND");
    // A picture two agents show lives until the last one lets it go.
    let shared = create(w, &t, body("shares", replaced["picture"]["id"].as_str().unwrap()));
    assert_eq!(shared["picture"]["id"], replaced["picture"]["id"]);
    w.delete("/v1/agents/gif", &t.token).expect(204);
    w.send("GET", &blob_path(&replaced), None, None, &[]).expect(200);
    w.delete("/v1/agents/shares", &t.token).expect(204);
    w.send("GET", &blob_path(&replaced), None, None, &[]).expect_error(404, "RESOURCE_NOT_FOUND");
}

fn functions_inside_agent_writes(w: &World) {
    let t = w.tenant();
    let mut body = agent("with-fns");
    body["functions"] = json!([
        {"name": "get_joke", "description": "Returns a joke", "url": "https://api.example.com/joke"},
        {"name": "get_weather", "description": "Weather", "url": "https://api.example.com/weather", "method": "POST"}
    ]);
    let a = create(w, &t, body);
    assert_eq!(a["functions"], json!(["get_joke", "get_weather"]));
    let listed = w.get("/v1/agents/with-fns/functions", &t.token).expect(200).json();
    assert_eq!(listed[1]["method"], "POST");
    let a = w.patch("/v1/agents/with-fns", &t.token, &json!({"functions": ["get_weather"]})).expect(200).json();
    assert_eq!(a["functions"], json!(["get_weather"]));
    w.patch("/v1/agents/with-fns", &t.token, &json!({"functions": ["nope"]})).expect_invalid("functions.0");
    let a = w.patch("/v1/agents/with-fns", &t.token, &json!({"functions": []})).expect(200).json();
    assert_eq!(a["functions"], json!([]));
    w.post(
        "/v1/agents",
        &t.token,
        &json!({"uid": "f2", "name": "n", "provider": "openai", "model": "m", "functions": [{"name": "x"}]}),
    )
    .expect_invalid("functions.0.url");
}

fn head_on_agents(w: &World) {
    let t = w.tenant();
    create(w, &t, agent("heady"));
    let r = w.send("HEAD", "/v1/agents/heady", Some(&t.token), None, &[]).expect(200);
    assert!(r.body.is_empty());
    w.send("HEAD", "/v1/agents/nobody", Some(&t.token), None, &[]).expect(404);
    let r = w.send("HEAD", "/v1/agents", Some(&t.token), None, &[]).expect(200);
    assert!(r.body.is_empty());
}

/// Agents are read from a JSON column kept by triggers (migration 0008): every kind of
/// write must show in GET, in the listing, and in the event's object alike.
fn reads_show_every_kind_of_change(w: &World) {
    let t = w.tenant();
    create(w, &t, agent("kept"));
    let fns = "/v1/agents/kept/functions";
    let joke = json!({"name": "get_joke", "description": "Returns a joke", "url": "https://api.example.com/joke"});
    w.post(fns, &t.token, &joke).expect(201);
    w.patch("/v1/agents/kept", &t.token, &json!({"name": "Renamed", "tags": ["x"], "directory": "Team"})).expect(200);
    let path = format!("/admin/v1/workspaces/{}/agents/kept", t.id);
    w.admin("PATCH", &path, Some(json!({"protected": true}))).expect(200);
    let got = w.get("/v1/agents/kept", &t.token).expect(200).json();
    assert_eq!(got["name"], "Renamed");
    assert_eq!(got["functions"], json!(["get_joke"]));
    assert_eq!(got["tags"], json!(["x"]));
    assert_eq!(got["directory"]["name"], "Team");
    assert_eq!(got["protected"], true);
    let listed = w.get("/v1/agents", &t.token).expect(200).json();
    assert_eq!(listed["data"][0], got, "the listing shows the agent as GET does");
    w.delete(&format!("{fns}/get_joke"), &t.token).expect(204);
    let got = w.get("/v1/agents/kept", &t.token).expect(200).json();
    assert_eq!(got["functions"], json!([]));
    let events = w.get("/v1/events?type=agent.updated", &t.token).expect(200).json();
    let last = events["data"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["data"]["object"], got, "the last event carries the agent as it is now");
}
