//! Builds, starts and stops the worker; gives cases an HTTP client and helpers.

use crate::mock::Mock;
use serde_json::{json, Value};
use std::io::Read;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const ADMIN_TOKEN: &str = "adm_e2e_secret_for_tests_only";
/// 32 bytes, base64: the tests' CREDENTIALS_KEY.
pub const CREDENTIALS_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

pub struct World {
    pub base: String,
    pub mock: Mock,
    agent: ureq::Agent,
    child: Option<Child>,
    scratch: PathBuf,
    /// A second worker on the same build with ALLOW_PRIVATE_UPSTREAMS off (and no test
    /// hooks): what production does with private and loopback addresses.
    strict: Option<Box<World>>,
    /// The worker's local state (`--persist-to`): D1, KV and Durable Object storage files.
    persist: PathBuf,
    /// The snapshot of the build it serves and its `--var`s, for `another_worker`.
    app: PathBuf,
    vars: Vec<String>,
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin(name: &str) -> PathBuf {
    root().join("node_modules/.bin").join(name)
}

fn run(cmd: &mut Command, what: &str) {
    let status = cmd.status().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(status.success(), "{what} failed: {status}");
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

impl World {
    pub fn start() -> World {
        let scratch = std::env::temp_dir().join(format!("weav-e2e-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch).expect("scratch dir");

        // 1. Build the release worker once, through the same path `wrangler deploy` takes,
        //    and report the size of what would be uploaded.
        let dist = scratch.join("dist");
        run(
            Command::new(bin("wrangler"))
                .args(["deploy", "--dry-run", "--outdir"])
                .arg(&dist)
                .current_dir(root())
                .envs(quiet_env(&scratch))
                .stdout(Stdio::null()),
            "wrangler deploy --dry-run --outdir dist",
        );
        report_wasm_size(&dist);
        assert_no_test_hooks(&dist);
        // 1b. The build under test: the same worker with the test hooks compiled in.
        run(
            Command::new("make").args(["-s", "build-test"]).current_dir(root()).stdout(Stdio::null()),
            "make build-test",
        );

        // 2. Throwaway local D1s with the migrations applied: one per worker.
        let persist = scratch.join("state");
        let strict_scratch = scratch.join("strict");
        let strict_persist = strict_scratch.join("state");
        for dir in [&persist, &strict_persist] {
            migrate(dir, &scratch);
        }

        // 3. The mock upstream, then the workers pointed at it.
        let mock = Mock::start();
        let mut vars = vec![
            format!("ADMIN_TOKEN:{ADMIN_TOKEN}"),
            format!("CREDENTIALS_KEY:{CREDENTIALS_KEY}"),
            "OUTBOUND_TIMEOUT_MS:2000".into(),
            "WEBHOOK_RETRY_SCHEDULE:1,1,2".into(),
            "TRAINING_RETRY_SCHEDULE:1,1".into(),
            "MCP_ALLOWED_ORIGINS:https://allowed.example, https://also.example".into(),
            // Webhooks: retries stop 20 s after a delivery was created (instead of 24 h), and
            // the sweep (fired by hand at /__scheduled) takes events 2 s after their write.
            "WEBHOOK_RETRY_WINDOW_SECONDS:20".into(),
            "WEBHOOK_SWEEP_AFTER_SECONDS:2".into(),
            format!("SLACK_API_BASE:{}/slack", mock.url),
            format!("GITHUB_API_BASE:{}/github", mock.url),
            format!("GOOGLE_SHEETS_API_BASE:{}/sheets", mock.url),
        ];
        let mut strict_vars = vars.clone();
        strict_vars.push("ALLOW_PRIVATE_UPSTREAMS:false".into());
        vars.push("ALLOW_PRIVATE_UPSTREAMS:true".into());
        vars.push("TEST_HOOKS:true".into());
        let app = snapshot(&scratch);
        let (child, port) = spawn_worker(&app, &scratch, &persist, &vars);
        let (strict_child, strict_port) = spawn_worker(&app, &strict_scratch, &strict_persist, &strict_vars);
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(30)).build();
        let mut strict = World {
            base: format!("http://127.0.0.1:{strict_port}"),
            mock: mock.clone(),
            agent: agent.clone(),
            child: Some(strict_child),
            scratch: strict_scratch,
            strict: None,
            persist: strict_persist,
            app: app.clone(),
            vars: strict_vars,
        };
        let mut world = World {
            base: format!("http://127.0.0.1:{port}"),
            mock,
            agent,
            child: Some(child),
            scratch,
            strict: None,
            persist,
            app,
            vars,
        };
        world.wait_ready();
        strict.wait_ready();
        world.strict = Some(Box::new(strict));
        world
    }

    /// The process groups of the `wrangler dev` children (this worker's and the strict
    /// one's), for a watchdog that must stop them without dropping the world (the soak's).
    #[allow(dead_code)]
    pub fn process_groups(&self) -> Vec<u32> {
        let mut groups: Vec<u32> = self.child.iter().map(Child::id).collect();
        groups.extend(self.strict.iter().flat_map(|s| s.process_groups()));
        groups
    }

    /// Where this worker keeps its local D1, KV and Durable Object storage.
    #[allow(dead_code)] // not used by the soak, which shares this file
    pub fn persist(&self) -> &Path {
        &self.persist
    }

    /// A fresh, migrated state folder `name` for `another_worker`; it outlives the workers
    /// that use it and goes with this world's scratch folder.
    #[allow(dead_code)] // not used by the soak, which shares this file
    pub fn new_state(&self, name: &str) -> PathBuf {
        let dir = self.scratch.join(name);
        let _ = std::fs::remove_dir_all(&dir);
        migrate(&dir, &self.scratch);
        dir
    }

    /// One more worker on the same build and mock, with this world's `--var`s except those
    /// named in `set` (`Some`: replaced, `None`: left out), on the state folder `persist`.
    /// It is stopped when dropped. `name` names its scratch folder (its log).
    #[allow(dead_code)] // not used by the soak, which shares this file
    pub fn another_worker(&self, name: &str, persist: &Path, set: &[(&str, Option<&str>)]) -> World {
        let scratch = self.scratch.join(name);
        let _ = std::fs::remove_dir_all(&scratch);
        let mut vars: Vec<String> = self
            .vars
            .iter()
            .filter(|v| !set.iter().any(|(name, _)| v.split(':').next() == Some(*name)))
            .cloned()
            .collect();
        vars.extend(set.iter().filter_map(|(name, value)| value.map(|v| format!("{name}:{v}"))));
        let (child, port) = spawn_worker(&self.app, &scratch, persist, &vars);
        let mut world = World {
            base: format!("http://127.0.0.1:{port}"),
            mock: self.mock.clone(),
            agent: self.agent.clone(),
            child: Some(child),
            scratch,
            strict: None,
            persist: persist.to_path_buf(),
            app: self.app.clone(),
            vars,
        };
        world.wait_ready();
        world
    }

    /// A worker of its own on fresh storage, with this world's vars but `overrides`
    /// (`NAME:VALUE`); stopped when dropped. For a case whose configuration no other case
    /// may see (the operator API switched off); it costs a `wrangler dev` start-up.
    #[allow(dead_code)] // not used by the soak, which shares this file
    pub fn one_off(&self, label: &str, overrides: &[&str]) -> World {
        let state = self.new_state(&format!("one-off-{label}-state"));
        let set: Vec<(&str, Option<&str>)> =
            overrides.iter().filter_map(|o| o.split_once(':')).map(|(n, v)| (n, Some(v))).collect();
        self.another_worker(&format!("one-off-{label}"), &state, &set)
    }

    /// This worker's scratch directory (its snapshot of the test build is `app/`).
    pub fn scratch(&self) -> &Path {
        &self.scratch
    }

    /// The worker that refuses private upstreams, as production does.
    pub fn strict(&self) -> &World {
        self.strict.as_deref().unwrap_or(self)
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            // wrangler dev answers (and holds requests) before its last start-up restart;
            // a POST in flight across that restart gets a 503. Its "Ready on" line comes
            // after it.
            let ready_line = std::fs::read_to_string(self.scratch.join("wrangler.log"))
                .is_ok_and(|log| log.contains("Ready on http"));
            if let (true, Ok(r)) = (ready_line, self.agent.get(&format!("{}/v1/health", self.base)).call()) {
                if r.status() == 200 {
                    return;
                }
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                self.dump_log();
                panic!("wrangler dev exited early: {status}");
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        self.dump_log();
        panic!("the worker did not become ready within 120 s");
    }

    fn dump_log(&self) {
        let log = std::fs::read_to_string(self.scratch.join("wrangler.log")).unwrap_or_default();
        eprintln!("---- wrangler.log (last 4000 bytes) ----\n{}", &log[log.len().saturating_sub(4000)..]);
    }

    /// Runs the cases on a few threads; returns how many failed.
    pub fn run(&self, cases: Vec<crate::Case>, threads: usize) -> usize {
        let total = cases.len();
        if total == 0 {
            return 0;
        }
        let queue = Arc::new(Mutex::new(cases));
        let failures = Arc::new(Mutex::new(Vec::new()));
        let done = AtomicUsize::new(0);
        let started = Instant::now();
        std::panic::set_hook(Box::new(|info| {
            let name = std::thread::current().name().unwrap_or("?").to_string();
            eprintln!("  [{name}] {info}");
        }));
        std::thread::scope(|s| {
            for t in 0..threads {
                let queue = queue.clone();
                let failures = failures.clone();
                let done = &done;
                std::thread::Builder::new()
                    .name(format!("e2e-{t}"))
                    .spawn_scoped(s, move || loop {
                        let Some((name, case)) = queue.lock().unwrap().pop() else {
                            break;
                        };
                        let t0 = Instant::now();
                        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| case(self))).is_ok();
                        done.fetch_add(1, Ordering::Relaxed);
                        let ms = t0.elapsed().as_millis();
                        if ok {
                            println!("ok    {name} ({ms} ms)");
                        } else {
                            println!("FAIL  {name} ({ms} ms)");
                            failures.lock().unwrap().push(name);
                        }
                    })
                    .expect("thread");
            }
        });
        let failures = failures.lock().unwrap();
        println!(
            "\ne2e: {} passed, {} failed of {total} in {:.1} s",
            total - failures.len(),
            failures.len(),
            started.elapsed().as_secs_f64()
        );
        for f in failures.iter() {
            println!("  failed: {f}");
        }
        if !failures.is_empty() {
            self.dump_log();
        }
        failures.len()
    }

    // ---- HTTP ------------------------------------------------------------------------

    /// Sends a request; `body` is sent verbatim (with `Content-Type: application/json`).
    pub fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self.agent.request(method, &format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.set("Authorization", &format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let result = match body {
            Some(b) => req.set("Content-Type", "application/json").send_string(b),
            None => req.call(),
        };
        let resp = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let status = resp.status();
        let headers = resp
            .headers_names()
            .into_iter()
            .map(|n| {
                let v = resp.header(&n).unwrap_or_default().to_string();
                (n.to_ascii_lowercase(), v)
            })
            .collect();
        let mut bytes = Vec::new();
        resp.into_reader().read_to_end(&mut bytes).expect("read body");
        let body = String::from_utf8_lossy(&bytes).into_owned();
        Resp { status, headers, body, bytes, what: format!("{method} {path}") }
    }

    pub fn get(&self, path: &str, token: &str) -> Resp {
        self.send("GET", path, Some(token), None, &[])
    }
    pub fn post(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.send("POST", path, Some(token), Some(&body.to_string()), &[])
    }
    pub fn patch(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.send("PATCH", path, Some(token), Some(&body.to_string()), &[])
    }
    pub fn put(&self, path: &str, token: &str, body: &Value) -> Resp {
        self.send("PUT", path, Some(token), Some(&body.to_string()), &[])
    }
    pub fn delete(&self, path: &str, token: &str) -> Resp {
        self.send("DELETE", path, Some(token), None, &[])
    }

    // ---- Operator API helpers ---------------------------------------------------------

    pub fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        self.send(method, path, Some(ADMIN_TOKEN), body.map(|b| b.to_string()).as_deref(), &[])
    }

    /// A new workspace with the given create body; returns its JSON.
    pub fn workspace_with(&self, body: Value) -> Value {
        self.admin("POST", "/admin/v1/workspaces", Some(body)).expect(201).json()
    }

    /// A token for a workspace with the given abilities; returns the plain text.
    pub fn token_for(&self, workspace_id: i64, abilities: &[&str]) -> String {
        let r = self.admin(
            "POST",
            &format!("/admin/v1/workspaces/{workspace_id}/tokens"),
            Some(json!({"name": "e2e", "abilities": abilities})),
        );
        r.expect(201).json()["token"].as_str().expect("token").to_string()
    }

    /// A fresh workspace and a read+write token: what almost every case starts with.
    pub fn tenant(&self) -> Tenant {
        let ws = self.workspace_with(json!({"name": "e2e tenant"}));
        let id = ws["id"].as_i64().expect("id");
        Tenant { id, token: self.token_for(id, &["external-api:read", "external-api:write"]) }
    }
}

impl Drop for World {
    fn drop(&mut self) {
        self.strict.take();
        if let Some(mut child) = self.child.take() {
            let group = format!("-{}", child.id());
            let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// A local D1 in `dir` with the migrations applied.
fn migrate(dir: &Path, scratch: &Path) {
    run(
        Command::new(bin("wrangler"))
            .args(["d1", "migrations", "apply", "DB", "--local", "--persist-to"])
            .arg(dir)
            .current_dir(root())
            .envs(quiet_env(scratch))
            .stdout(Stdio::null()),
        "wrangler d1 migrations apply",
    );
}

/// Keeps wrangler quiet and its debug log out of the home folder (TOOLCHAIN.md).
fn quiet_env(scratch: &Path) -> Vec<(String, String)> {
    vec![
        ("CI".into(), "true".into()),
        ("WRANGLER_SEND_METRICS".into(), "false".into()),
        ("VSCODE_INSPECTOR_OPTIONS".into(), "off".into()),
        ("WRANGLER_LOG_PATH".into(), scratch.join("wrangler-logs").display().to_string()),
        (
            "PATH".into(),
            format!("{}:{}", root().join("node_modules/.bin").display(), std::env::var("PATH").unwrap_or_default()),
        ),
    ]
}

/// Starts `wrangler dev` on a free port with its own log in `scratch`.
/// A copy of the worker built with the test hooks (build-test/ as build/, js/,
/// migrations/ and wrangler.toml without its `[build]` section) for the workers under test: wrangler dev then watches nothing, so
/// neither an edit of src/ during a run nor wrangler's own watcher firing after start-up
/// restarts the worker mid-request (a 503 for a POST in flight).
fn snapshot(scratch: &Path) -> PathBuf {
    let app = scratch.join("app");
    std::fs::create_dir_all(&app).expect("app dir");
    for dir in ["js", "migrations"] {
        run(Command::new("cp").arg("-a").arg(root().join(dir)).arg(&app), "copy the built worker");
    }
    run(Command::new("cp").arg("-a").arg(root().join("build-test")).arg(app.join("build")), "copy the test build");
    let toml = std::fs::read_to_string(root().join("wrangler.toml")).expect("wrangler.toml");
    let mut out = String::new();
    let mut skip = false;
    for line in toml.lines() {
        if line.starts_with('[') {
            skip = line == "[build]";
        }
        if !skip {
            out.push_str(line);
            out.push('\n');
        }
    }
    std::fs::write(app.join("wrangler.toml"), out).expect("write wrangler.toml");
    app
}

fn spawn_worker(app: &Path, scratch: &Path, persist: &Path, vars: &[String]) -> (Child, u16) {
    std::fs::create_dir_all(scratch).expect("scratch dir");
    let port = free_port();
    let log = std::fs::File::create(scratch.join("wrangler.log")).expect("log file");
    let mut cmd = Command::new(bin("wrangler"));
    // --test-scheduled: /__scheduled fires the cron trigger by hand (the webhook sweep).
    cmd.args(["dev", "--test-scheduled", "--ip", "127.0.0.1", "--port", &port.to_string(), "--log-level", "info"])
        .arg("--persist-to")
        .arg(persist)
        .current_dir(app)
        .envs(quiet_env(scratch))
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        // workerd is wrangler's grandchild: give them a process group to stop as one.
        .process_group(0);
    for v in vars {
        cmd.args(["--var", v]);
    }
    (cmd.spawn().expect("start wrangler dev"), port)
}

/// What `wrangler deploy` would upload has no test hook: no `/__test/` path anywhere.
fn assert_no_test_hooks(dist: &Path) {
    for entry in std::fs::read_dir(dist).expect("dist").flatten() {
        let bytes = std::fs::read(entry.path()).unwrap_or_default();
        assert!(
            !bytes.windows(8).any(|w| w == b"/__test/"),
            "{} contains a test hook path: the release build must not",
            entry.path().display()
        );
    }
}

fn report_wasm_size(dist: &Path) {
    let wasm = std::fs::read_dir(dist)
        .expect("dist")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "wasm"))
        .expect("a .wasm in the dry-run output");
    let raw = std::fs::metadata(&wasm).expect("wasm").len();
    let out = Command::new("gzip").args(["-9", "-c"]).arg(&wasm).output().expect("gzip");
    println!(
        "wasm that `wrangler deploy` would upload: {} ({:.1} KiB, {:.1} KiB gzipped)",
        wasm.file_name().unwrap_or_default().to_string_lossy(),
        raw as f64 / 1024.0,
        out.stdout.len() as f64 / 1024.0
    );
}

pub struct Tenant {
    pub id: i64,
    pub token: String,
}

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub bytes: Vec<u8>,
    what: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{}: body is not JSON ({e}): {}", self.what, self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }
    /// Asserts the status (showing the body when it differs) and returns self.
    #[track_caller]
    pub fn expect(self, status: u16) -> Resp {
        assert_eq!(self.status, status, "{} answered {}: {}", self.what, self.status, self.body);
        self
    }
    /// Asserts a standard-family error with this status and code, carrying the request id.
    #[track_caller]
    pub fn expect_error(self, status: u16, code: &str) -> Value {
        let r = self.expect(status);
        let body = r.json();
        assert_eq!(body["code"], code, "{}: {}", r.what, r.body);
        assert!(body["error"].is_string(), "{}: {}", r.what, r.body);
        assert_eq!(body["request_id"].as_str(), r.header("x-request-id"), "request_id = X-Request-Id");
        body
    }
    /// Asserts a 422 in the validation shape naming `field`.
    #[track_caller]
    pub fn expect_invalid(self, field: &str) -> Value {
        let r = self.expect(422);
        let body = r.json();
        assert_eq!(body["message"], "The given data was invalid.", "{}", r.body);
        assert!(body["errors"][field].is_array(), "{}: expected an error for '{field}': {}", r.what, r.body);
        body
    }
}

/// An RFC 3339 instant `secs` seconds from now (negative: in the past), from the system
/// clock, written by the worker's own formatter.
pub fn rfc3339_in(secs: i64) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock after 1970");
    weav_edge::domain::time::format_millis(now.as_millis() as i64 + secs * 1000)
}
