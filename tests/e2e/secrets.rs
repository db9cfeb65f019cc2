//! Secrets never travel: no stored copy of a credential, a secret function header or a
//! webhook secret is readable in the worker's local state files, idempotent responses
//! included; and a rotation of `CREDENTIALS_KEY` keeps every sealed value readable while
//! the cron re-seals it under the new key.

use crate::agents::{agent, create};
use crate::harness::{Tenant, World, CREDENTIALS_KEY};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub fn cases() -> Vec<crate::Case> {
    crate::cases![no_plain_secret_in_any_stored_row, a_rotated_key_keeps_old_values_readable_until_resealed]
}

/// A second 32-byte key, base64: the key rotated to.
const NEW_KEY: &str = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIzNDU=";

fn uniq(tag: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{tag}{}x{}x{nanos}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// Every file under `dir` (SQLite databases, their -wal and -shm files, blobs).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else { return true };
    hay.iter().enumerate().any(|(i, &b)| b == first && hay[i + 1..].starts_with(rest))
}

/// The files under the worker's state that hold `needle`, byte for byte.
fn stored_in(w: &World, needle: &str) -> Vec<PathBuf> {
    files(w.persist())
        .into_iter()
        .filter(|p| contains(&std::fs::read(p).unwrap_or_default(), needle.as_bytes()))
        .collect()
}

fn idempotent_post(w: &World, t: &Tenant, path: &str, key: &str, body: &Value) -> crate::harness::Resp {
    w.send("POST", path, Some(&t.token), Some(&body.to_string()), &[("Idempotency-Key", key)])
}

fn no_plain_secret_in_any_stored_row(w: &World) {
    let t = w.tenant();
    // A connection with a recognisable credential; its name is stored as it is.
    let credential = uniq("xoxb-plain-credential-");
    let conn_name = uniq("stored-connection-name-");
    w.post(
        "/v1/connections",
        &t.token,
        &json!({"pieceName": "slack", "name": conn_name, "credentials": {"access_token": credential}}),
    )
    .expect(201);
    // A function with a secret header, on an agent whose name is stored as it is.
    let agent_name = uniq("Stored Agent Name ");
    let mut a = agent("sealed");
    a["name"] = json!(agent_name);
    create(w, &t, a);
    let header_secret = uniq("sk-plain-header-");
    let url = format!("{}/fn/sealed-{}", w.mock.url, t.id);
    w.post(
        "/v1/agents/sealed/functions",
        &t.token,
        &json!({"name": "call", "description": "d", "url": url, "method": "POST",
                "headers": {"Authorization": format!("Bearer {header_secret}")}}),
    )
    .expect(201);
    w.post("/v1/agents/sealed/functions/call/invoke", &t.token, &json!({"arguments": {}})).expect(200);
    let seen = w.mock.requests(&format!("/fn/sealed-{}", t.id));
    assert_eq!(seen[0].headers.get("authorization"), Some(&format!("Bearer {header_secret}")));
    // A webhook, and another made with an Idempotency-Key: its whole answer, secret and
    // all, is what the idempotency object stores. Its rotation too.
    let hook = json!({"url": format!("{}/hook-{}-sealed", w.mock.url, t.id), "events": ["*"]});
    let plain_secret =
        w.post("/v1/webhooks", &t.token, &hook).expect(201).json()["secret"].as_str().unwrap().to_string();
    let key = uniq("stored-idempotency-key-");
    let made = idempotent_post(w, &t, "/v1/webhooks", &key, &hook).expect(201);
    let idem_secret = made.json()["secret"].as_str().unwrap().to_string();
    let replay = idempotent_post(w, &t, "/v1/webhooks", &key, &hook).expect(201);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.body, made.body, "the replay opens the sealed response byte for byte");
    let whk = made.json()["id"].as_str().unwrap().to_string();
    let rotate_key = uniq("stored-idempotency-key-");
    let rotated = idempotent_post(w, &t, &format!("/v1/webhooks/{whk}/rotate-secret"), &rotate_key, &json!({}))
        .expect(200)
        .json()["secret"]
        .as_str()
        .unwrap()
        .to_string();

    // A website widget's signing secret.
    let widget = json!({"agent": "sealed", "allowed_origins": ["https://shop.example"], "name": "Shop"});
    let signing =
        w.post("/v1/widget-keys", &t.token, &widget).expect(201).json()["signing_secret"].as_str().unwrap().to_string();

    // The scan sees what is stored as it is, in D1 and in the idempotency object: were a
    // secret stored plain, it would be found the same way.
    for marker in [&conn_name, &agent_name, &key, &rotate_key] {
        assert!(!stored_in(w, marker).is_empty(), "the scan did not find the stored marker {marker}");
    }
    for secret in [&credential, &header_secret, &plain_secret, &idem_secret, &rotated, &signing] {
        let found = stored_in(w, secret);
        assert!(found.is_empty(), "{secret} is stored in clear in {found:?}");
    }
}

/// Everything sealed under the old key: a connection's credential, a function's secret
/// header, a webhook's secret and (after a rotation) its previous one. `tag` names the
/// mock paths of the function and the webhook.
struct Old {
    token: String,
    connection: String,
    credential: String,
    header_secret: String,
    webhook: String,
    secrets: [String; 2],
    tag: String,
}

fn seal_under_the_old_key(a: &World) -> Old {
    let t = a.tenant();
    let tag = uniq("rot-");
    let credential = uniq("ghp_rot");
    let conn = a.post(
        "/v1/connections",
        &t.token,
        &json!({"pieceName": "github", "credentials": {"access_token": credential}}),
    );
    let connection = conn.expect(201).json()["id"].as_str().unwrap().to_string();
    create(a, &t, agent("rot"));
    let header_secret = uniq("sk-rot-");
    a.post(
        "/v1/agents/rot/functions",
        &t.token,
        &json!({"name": "call", "description": "d", "url": format!("{}/fn/{tag}", a.mock.url), "method": "POST",
                "headers": {"Authorization": format!("Bearer {header_secret}")}}),
    )
    .expect(201);
    let hook = json!({"url": format!("{}/hook/{tag}", a.mock.url), "events": ["agent.created"]});
    let r = a.post("/v1/webhooks", &t.token, &hook).expect(201).json();
    let first = r["secret"].as_str().unwrap().to_string();
    let webhook = r["id"].as_str().unwrap().to_string();
    let rotated = a.post(&format!("/v1/webhooks/{webhook}/rotate-secret"), &t.token, &json!({})).expect(200).json();
    let second = rotated["secret"].as_str().unwrap().to_string();
    Old { token: t.token, connection, credential, header_secret, webhook, secrets: [second, first], tag }
}

/// An execute with `connection` reaches the upstream with its `credential`.
fn execute_with(w: &World, token: &str, connection: &str, credential: &str) {
    let repo = uniq("repo-");
    let path = format!("/github/repos/acme/{repo}/issues");
    w.mock.answer(&path, 201, json!({"id": 1, "number": 1}));
    let body = w
        .post(
            "/v1/actions/execute",
            token,
            &json!({"pieceName": "github", "actionName": "create_issue", "connectionId": connection,
                    "input": {"repository": format!("acme/{repo}"), "title": "t"}}),
        )
        .expect(200)
        .json();
    assert_eq!(body["success"], true, "{body}");
    assert_eq!(w.mock.requests(&path)[0].headers["authorization"], format!("Bearer {credential}"));
}

fn connect(w: &World, token: &str, credential: &str) -> String {
    let r =
        w.post("/v1/connections", token, &json!({"pieceName": "github", "credentials": {"access_token": credential}}));
    r.expect(201).json()["id"].as_str().unwrap().to_string()
}

/// The old values work on `w`: the connection's credential reaches the upstream, the
/// function sends its header, and a test delivery is signed with both webhook secrets.
fn old_values_work(w: &World, o: &Old) {
    execute_with(w, &o.token, &o.connection, &o.credential);

    let fn_path = format!("/fn/{}", o.tag);
    let before = w.mock.requests(&fn_path).len();
    w.post("/v1/agents/rot/functions/call/invoke", &o.token, &json!({"arguments": {}})).expect(200);
    let seen = w.mock.requests(&fn_path);
    assert_eq!(seen.len(), before + 1);
    assert_eq!(seen[before].headers.get("authorization"), Some(&format!("Bearer {}", o.header_secret)));

    let hook_path = format!("/hook/{}", o.tag);
    let before = w.mock.requests(&hook_path).len();
    let d = w.post(&format!("/v1/webhooks/{}/test", o.webhook), &o.token, &json!({})).expect(200).json();
    assert_eq!(d["status"], "succeeded", "{d}");
    let got = w.mock.requests(&hook_path);
    for secret in &o.secrets {
        crate::webhooks::verify(&got[before], secret);
    }
}

fn a_rotated_key_keeps_old_values_readable_until_resealed(w: &World) {
    let state = w.new_state("rotation-state");
    // 1. Values sealed under the old key (the harness's), by a worker that knows only it.
    let old = seal_under_the_old_key(&w.another_worker("rotation-old", &state, &[]));
    // 2. The new key with the old one as previous: old values still open, new ones are
    //    sealed under the new key; then the cron re-seals the old ones.
    let fresh_credential = uniq("ghp_fresh");
    let fresh = {
        let b = w.another_worker(
            "rotation-both",
            &state,
            &[("CREDENTIALS_KEY", Some(NEW_KEY)), ("CREDENTIALS_KEY_PREVIOUS", Some(CREDENTIALS_KEY))],
        );
        old_values_work(&b, &old);
        let r = b.send("GET", "/__scheduled?cron=*+*+*+*+*", None, None, &[]);
        assert_eq!(r.status, 200, "{}", r.body);
        // A second run finds nothing left to do (and changes nothing).
        b.send("GET", "/__scheduled?cron=*+*+*+*+*", None, None, &[]).expect(200);
        old_values_work(&b, &old);
        connect(&b, &old.token, &fresh_credential)
    };
    // 3. Only the new key: every old value was re-sealed under it; the new one was sealed
    //    under it from the start.
    let c = w.another_worker("rotation-new", &state, &[("CREDENTIALS_KEY", Some(NEW_KEY))]);
    old_values_work(&c, &old);
    execute_with(&c, &old.token, &fresh, &fresh_credential);
}
