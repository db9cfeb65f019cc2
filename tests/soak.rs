//! Soak: three workspaces at once on one worker under `wrangler dev`, local addresses only.
//!
//! Two well-behaved workspaces (plan `pro`, generous limits) run a paced mix of reads,
//! writes, executes of the `http` piece and webhook deliveries to a fast receiver; one
//! abusive workspace (plan `free`) joins after a baseline phase: 64 MiB chunked bodies, a
//! function whose upstream answers 5 MiB, a webhook receiver that never answers in time
//! (fed by a stream of writes), a 1,000-page URL crawl and agent creates past the free
//! plan's storage quota.
//!
//! Passes when the well-behaved workspaces see no 5xx (nor a dropped connection), every
//! 201 they got reads back afterwards, and every event of theirs reached their receiver
//! exactly once, in `sequence` order per resource; with `SOAK_CHECK_P99=1` (`make soak`)
//! also when each well-behaved workspace's p99 with the abuser is within 2x its p99 in the
//! baseline phase (whose first seconds, 10 at most, are warm-up and in neither p99). What
//! the abuser gets is counted, never judged, unless the worker dies.
//!
//! `SOAK_SECONDS` is the length of both phases together; without it the binary does
//! nothing, so a plain `cargo test` does not start a soak. `SOAK_NO_ABUSER=1` leaves the
//! abuser out (to tell what the well-behaved load alone does); `SOAK_ABUSE=hang,crawl` (of
//! `bodies`, `upstream`, `hang`, `crawl`) runs only some of its parts. `make soak` (210 s, p99 checked)
//! and `make soak-smoke` (30 s, part of `make test`) run it through `scripts/soak.sh`.

#[allow(dead_code)]
#[path = "e2e/harness.rs"]
mod harness;
#[allow(dead_code)]
#[path = "e2e/mock.rs"]
mod mock;

use harness::World;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What the e2e harness calls a case; the soak runs none, but harness.rs names the type.
#[allow(dead_code)]
pub type Case = (&'static str, fn(&World));

/// Threads per well-behaved workspace, and the pause between one thread's requests: 30
/// requests a second in all, about 13 events a second, which one webhook consumer
/// delivers with room to spare when nothing else is going on.
const THREADS: usize = 3;
const PACE: Duration = Duration::from_millis(200);
/// Agents a well-behaved workspace creates at most (the pro plan's quota is 100); later
/// agent writes are updates.
const AGENT_CAP: usize = 60;
/// How long after the load the receivers may take to get every event; the run as a whole
/// (from the worker's start) ends within `RUN_CAP` all the same, given 20 s at least.
const DRAIN: Duration = Duration::from_secs(60);
const RUN_CAP: Duration = Duration::from_secs(300);
const MIB: usize = 1 << 20;
const CRAWL_PAGES: usize = 1000;
/// URLs per `urls/process` call (`domain::training::MAX_URLS`).
const URLS_PER_CALL: usize = 100;

fn main() {
    let Some(total) = std::env::var("SOAK_SECONDS").ok().and_then(|s| s.parse::<u64>().ok()).filter(|s| *s > 0) else {
        println!("soak: skipped (set SOAK_SECONDS, or run `make soak` / `make soak-smoke`)");
        return;
    };
    let check_p99 = std::env::var("SOAK_CHECK_P99").is_ok_and(|v| v == "1");
    // The p99 comparison needs a long baseline; the short run keeps most of its time for
    // the abuser and reports the ratio without judging it.
    let baseline = if check_p99 { total / 2 } else { total / 3 };
    let started = Instant::now();
    let world = World::start();
    println!("soak: worker up after {:.0} s", started.elapsed().as_secs_f64());
    // Whatever hangs, the worker is stopped: the load, the drain and the read-back are all
    // bounded, so this only fires when something is badly wrong.
    watchdog(world.process_groups(), Duration::from_secs(total + DRAIN.as_secs() + 150));
    let report = run(&world, started, Duration::from_secs(total), Duration::from_secs(baseline), check_p99);
    if !report.failures.is_empty() {
        log_tail();
    }
    drop(world);
    for line in &report.details {
        println!("{line}");
    }
    println!("{}", report.summary);
    if !report.failures.is_empty() {
        for f in &report.failures {
            println!("soak: FAIL {f}");
        }
        std::process::exit(1);
    }
}

/// What workerd said, from the log the harness keeps in its scratch directory (deleted
/// with the world): its last 40 lines.
fn log_tail() {
    let path = std::env::temp_dir().join(format!("weav-e2e-{}", std::process::id())).join("wrangler.log");
    let log = std::fs::read_to_string(&path).unwrap_or_default();
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    println!("---- {} (last 40 of {} lines) ----", path.display(), lines.len());
    for l in &lines[lines.len().saturating_sub(40)..] {
        println!("{}", clip(l));
    }
    println!("----");
}

fn watchdog(groups: Vec<u32>, after: Duration) {
    std::thread::spawn(move || {
        std::thread::sleep(after);
        eprintln!("soak: still running after {} s: stopping the worker", after.as_secs());
        for g in groups {
            let _ = std::process::Command::new("kill").args(["-KILL", "--", &format!("-{g}")]).status();
        }
        std::process::exit(2);
    });
}

// ---- HTTP -----------------------------------------------------------------------------

/// One workspace's client: its token and a keep-alive agent.
#[derive(Clone)]
struct Client {
    agent: ureq::Agent,
    base: String,
    token: String,
}

/// One answer: status (0: no answer, see `error`), latency, body.
struct Got {
    status: u16,
    ms: f64,
    body: String,
    error: Option<String>,
}

impl Got {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
    /// The abuser's outcomes: a status, or what happened instead.
    fn outcome(&self) -> String {
        match &self.error {
            None => self.status.to_string(),
            Some(e) if e.contains("timed out") || e.contains("Timeout") => "timeout".into(),
            Some(e) if e.contains("reset") || e.contains("closed") || e.contains("Broken pipe") => "closed".into(),
            Some(_) => "error".into(),
        }
    }
}

impl Client {
    fn new(base: &str, token: &str, timeout: Duration) -> Client {
        let agent = ureq::AgentBuilder::new().timeout(timeout).build();
        Client { agent, base: base.to_string(), token: token.to_string() }
    }

    fn req(&self, method: &str, path: &str) -> ureq::Request {
        self.agent
            .request(method, &format!("{}{path}", self.base))
            .set("Authorization", &format!("Bearer {}", self.token))
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Got {
        let t0 = Instant::now();
        let req = self.req(method, path);
        let result = match body {
            Some(b) => req.set("Content-Type", "application/json").send_string(&b.to_string()),
            None => req.call(),
        };
        finish(t0, result)
    }

    /// Sends `body` chunked (no Content-Length), as it is generated.
    fn stream(&self, method: &str, path: &str, body: impl Read) -> Got {
        let t0 = Instant::now();
        let result = self.req(method, path).set("Content-Type", "application/json").send(body);
        finish(t0, result)
    }
}

fn finish(t0: Instant, result: Result<ureq::Response, ureq::Error>) -> Got {
    let resp = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => return Got { status: 0, ms: ms(t0), body: String::new(), error: Some(e.to_string()) },
    };
    let status = resp.status();
    let mut bytes = Vec::new();
    let read = resp.into_reader().take(8 * MIB as u64).read_to_end(&mut bytes);
    let error = read.err().map(|e| format!("reading the body: {e}"));
    Got {
        status: if error.is_some() { 0 } else { status },
        ms: ms(t0),
        body: String::from_utf8_lossy(&bytes).into(),
        error,
    }
}

fn ms(t0: Instant) -> f64 {
    t0.elapsed().as_secs_f64() * 1000.0
}

/// `{"uid":"huge-…","name":"xxxx…"}` of exactly `total` bytes, produced as it is read.
struct HugeBody {
    head: Vec<u8>,
    total: usize,
    at: usize,
}

impl HugeBody {
    fn new(n: usize, total: usize) -> HugeBody {
        HugeBody { head: format!("{{\"uid\":\"huge-{n}\",\"name\":\"").into_bytes(), total, at: 0 }
    }
}

impl Read for HugeBody {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let tail = b"\"}";
        let mut n = 0;
        while n < buf.len() && self.at < self.total {
            let at = self.at;
            let written = if at < self.head.len() {
                let k = (self.head.len() - at).min(buf.len() - n);
                buf[n..n + k].copy_from_slice(&self.head[at..at + k]);
                k
            } else if at >= self.total - tail.len() {
                buf[n] = tail[at - (self.total - tail.len())];
                1
            } else {
                let k = (self.total - tail.len() - at).min(buf.len() - n);
                buf[n..n + k].fill(b'x');
                k
            };
            n += written;
            self.at += written;
        }
        Ok(n)
    }
}

/// xorshift64*: every thread's choice of operations is the same from run to run.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }
}

// ---- The well-behaved load -------------------------------------------------------------

#[derive(Clone, Copy, PartialEq)]
enum Phase {
    /// The first seconds (a fresh isolate, first queries): checked, but in no p99.
    Warmup,
    Baseline,
    Abuse,
}

struct Sample {
    phase: Phase,
    op: &'static str,
    status: u16,
    ms: f64,
}

/// A 201 and how to read it back.
#[derive(Clone, Debug)]
enum Made {
    Agent(i64),
    Customer(i64),
    Conversation(i64),
    Message { conversation: i64, id: i64 },
}

struct Behaved {
    name: String,
    id: i64,
    client: Client,
    hook: String,
    exec_url: String,
    agents: AtomicUsize,
}

#[derive(Default)]
struct ThreadOut {
    samples: Vec<Sample>,
    made: Vec<Made>,
    errors: Vec<String>,
}

fn behave(w: &Behaved, thread: usize, warm_at: Instant, abuse_at: Instant, end: Instant) -> ThreadOut {
    let mut out = ThreadOut::default();
    let mut rng = Rng::new(w.id as u64 * 1000 + thread as u64);
    let mut agents: Vec<i64> = Vec::new();
    let mut customers: Vec<i64> = Vec::new();
    // (conversation, its customer)
    let mut conversations: Vec<(i64, i64)> = Vec::new();
    let mut n = 0u64;
    let mut next = Instant::now();
    while Instant::now() < end {
        n += 1;
        let start = Instant::now();
        let phase = if start < warm_at {
            Phase::Warmup
        } else if start < abuse_at {
            Phase::Baseline
        } else {
            Phase::Abuse
        };
        let roll = rng.below(100);
        let (op, got) = match roll {
            0..=29 => ("list agents", w.client.call("GET", "/v1/agents?take=10", None)),
            30..=49 => {
                let path = match rng.below(3) {
                    0 if !agents.is_empty() => format!("/v1/agents/{}", agents[rng.below(agents.len())]),
                    1 if !customers.is_empty() => format!("/v1/customers/{}", customers[rng.below(customers.len())]),
                    _ if !conversations.is_empty() => {
                        format!("/v1/conversations/{}", conversations[rng.below(conversations.len())].0)
                    }
                    _ => "/v1/customers?take=10".to_string(),
                };
                ("read one", w.client.call("GET", &path, None))
            }
            50..=57 => {
                if agents.is_empty() || w.agents.fetch_add(1, Ordering::Relaxed) < AGENT_CAP {
                    let uid = format!("wb{}-t{thread}-{n}", w.id);
                    let body = json!({"uid": uid, "name": "Soak agent", "provider": "openai", "model": "gpt-4.1-mini",
                                      "instructions": "Answer briefly."});
                    let got = w.client.call("POST", "/v1/agents", Some(&body));
                    if got.status == 201 {
                        if let Some(id) = got.json()["id"].as_i64() {
                            agents.push(id);
                            out.made.push(Made::Agent(id));
                        }
                    }
                    ("create agent", got)
                } else {
                    let id = agents[rng.below(agents.len())];
                    let body = json!({"name": format!("Soak agent {n}")});
                    ("update agent", w.client.call("PATCH", &format!("/v1/agents/{id}"), Some(&body)))
                }
            }
            58..=67 => {
                let body = json!({"name": format!("Customer {n}"), "email": format!("c{}-{thread}-{n}@soak.test", w.id),
                                  "traits": {"n": n}});
                let got = w.client.call("POST", "/v1/customers", Some(&body));
                if got.status == 201 {
                    if let Some(id) = got.json()["id"].as_i64() {
                        customers.push(id);
                        out.made.push(Made::Customer(id));
                    }
                }
                ("create customer", got)
            }
            68..=73 if !customers.is_empty() => {
                let id = customers[rng.below(customers.len())];
                let body = json!({"name": format!("Customer {n} (renamed)")});
                ("update customer", w.client.call("PATCH", &format!("/v1/customers/{id}"), Some(&body)))
            }
            74..=79 if !customers.is_empty() => {
                let cu = customers[rng.below(customers.len())];
                let body = json!({"customer": cu, "subject": format!("Question {n}"),
                                  "message": {"body": "Where is my order?"}});
                let got = w.client.call("POST", "/v1/conversations", Some(&body));
                if got.status == 201 {
                    if let Some(id) = got.json()["id"].as_i64() {
                        conversations.push((id, cu));
                        out.made.push(Made::Conversation(id));
                    }
                }
                ("create conversation", got)
            }
            80..=87 if !conversations.is_empty() => {
                let (cv, cu) = conversations[rng.below(conversations.len())];
                let body = json!({"body": format!("Follow-up {n}"), "sender_type": "customer", "sender_id": cu});
                let got = w.client.call("POST", &format!("/v1/conversations/{cv}/messages"), Some(&body));
                if got.status == 201 {
                    if let Some(id) = got.json()["id"].as_i64() {
                        out.made.push(Made::Message { conversation: cv, id });
                    }
                }
                ("add message", got)
            }
            _ => {
                let body = json!({"pieceName": "http", "actionName": "send_request",
                                  "input": {"method": "GET", "url": w.exec_url}});
                let got = w.client.call("POST", "/v1/actions/execute", Some(&body));
                if got.status == 200 && got.json()["success"] != true {
                    out.errors.push(format!("{}: execute did not succeed: {}", w.name, clip(&got.body)));
                }
                ("execute", got)
            }
        };
        if got.status == 0 || got.status >= 500 {
            let what = got.error.clone().unwrap_or_else(|| clip(&got.body));
            out.errors.push(format!("{}: {op}: {} {what}", w.name, got.status));
        }
        out.samples.push(Sample { phase, op, status: got.status, ms: got.ms });
        next += PACE;
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else {
            next = now;
        }
    }
    out
}

fn clip(s: &str) -> String {
    s.chars().take(200).collect()
}

// ---- The abuser -------------------------------------------------------------------------

#[derive(Default)]
struct Tally {
    /// kind → outcome (status, `timeout`, `closed`, `error`) → count
    outcomes: Mutex<BTreeMap<&'static str, BTreeMap<String, usize>>>,
    /// kind → latencies (ms)
    times: Mutex<BTreeMap<&'static str, Vec<f64>>>,
    requests: AtomicUsize,
}

impl Tally {
    fn add(&self, kind: &'static str, got: &Got) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        *self.outcomes.lock().unwrap().entry(kind).or_default().entry(got.outcome()).or_default() += 1;
        self.times.lock().unwrap().entry(kind).or_default().push(got.ms);
    }
    fn line(&self) -> String {
        let o = self.outcomes.lock().unwrap();
        let times = self.times.lock().unwrap();
        let parts: Vec<String> = o
            .iter()
            .map(|(k, m)| {
                let total: usize = m.values().sum();
                let each: Vec<String> = m.iter().map(|(s, n)| format!("{s} x{n}")).collect();
                let t = times.get(k).cloned().unwrap_or_default();
                let max = t.iter().copied().fold(0.0, f64::max);
                let median = {
                    let mut t = t;
                    t.sort_by(f64::total_cmp);
                    t.get(t.len() / 2).copied().unwrap_or(0.0)
                };
                format!("{k} {total} ({}; median {median:.0} ms, max {max:.0} ms)", each.join(", "))
            })
            .collect();
        format!("soak: abuser: {}", parts.join("; "))
    }
}

struct Abuser {
    client: Client,
    /// For the 64 MiB bodies and the 5 MiB answers: a minute before "hung".
    slow: Client,
    mock_url: String,
    id: i64,
}

/// Sets up the abuser's targets; nothing of it is timed.
fn prepare_abuser(world: &World, a: &Abuser) {
    let m = &world.mock;
    // 5 MiB of `[0,0,...]` from one upstream path.
    let five = format!("[{}0]", "0,".repeat((5 * MIB - 3) / 2));
    m.answer_raw(&format!("/soak-big-{}/five.json", a.id), 200, "application/json", &five);
    // A receiver that answers after a minute: every attempt runs into the worker's time-out.
    m.answer_when(&format!("/soak-hang-{}/in", a.id), "", 200, json!({"ok": true}), 60_000);
    // 1,000 small pages.
    for i in 0..CRAWL_PAGES {
        let html = format!(
            "<html><head><title>Page {i}</title></head><body><h1>Help page {i}</h1><p>{}</p></body></html>",
            format!("Shipping and returns, part {i}. ").repeat(20)
        );
        m.answer_raw(&format!("/soak-crawl-{}/p{i}.html", a.id), 200, "text/html", &html);
    }
    let c = &a.client;
    for uid in ["abuser-fn", "abuser-crawl"] {
        let body = json!({"uid": uid, "name": "Abuser", "provider": "openai", "model": "gpt-4.1-mini"});
        expect(c.call("POST", "/v1/agents", Some(&body)), 201, "abuser agent");
    }
    let f = json!({"name": "big", "description": "5 MiB answer", "method": "GET",
                   "url": format!("{}/soak-big-{}/five.json", a.mock_url, a.id)});
    expect(c.call("POST", "/v1/agents/abuser-fn/functions", Some(&f)), 201, "abuser function");
    // Every later event of the workspace (the crawl's too) goes to the hanging receiver.
    if abuse_part("hang") {
        let hook =
            json!({"url": format!("{}/soak-hang-{}/in", a.mock_url, a.id), "events": ["*"], "description": "hangs"});
        expect(c.call("POST", "/v1/webhooks", Some(&hook)), 201, "abuser webhook");
    }
}

/// `SOAK_ABUSE=bodies,upstream,hang,crawl` runs only those parts of the abuser (to tell
/// which one hurts); all of them by default.
fn abuse_part(part: &str) -> bool {
    let only = std::env::var("SOAK_ABUSE").unwrap_or_default();
    only.is_empty() || only.split(',').any(|p| p.trim() == part)
}

fn expect(got: Got, status: u16, what: &str) -> Got {
    assert_eq!(got.status, status, "soak setup, {what}: {:?} {}", got.error, clip(&got.body));
    got
}

/// The abuser's threads, each until `end`.
fn abuse(a: &Abuser, tally: &Tally, end: Instant) {
    let live = || Instant::now() < end;
    let on = abuse_part;
    std::thread::scope(|s| {
        // 64 MiB bodies, chunked, one after another.
        s.spawn(|| {
            if !on("bodies") {
                return;
            }
            let mut n = 0;
            while live() {
                n += 1;
                let got = a.slow.stream("POST", "/v1/agents", HugeBody::new(n, 64 * MIB));
                tally.add("64 MiB bodies", &got);
                // One a second: each offers 64 MiB, and the client pushes several MiB into
                // the socket before the worker's refusal at 1 MiB reaches it. Locally two
                // workerd processes (wrangler dev's proxy and the worker) and this client
                // share 2 cores, so a faster loop measures the machine, not the worker.
                std::thread::sleep(Duration::from_millis(1000));
            }
        });
        // The function whose upstream answers 5 MiB.
        s.spawn(|| {
            if !on("upstream") {
                return;
            }
            while live() {
                let got =
                    a.slow.call("POST", "/v1/agents/abuser-fn/functions/big/invoke", Some(&json!({"arguments": {}})));
                tally.add("5 MiB invokes", &got);
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        // Writes whose events go to the hanging receiver; first, agents past the quota.
        s.spawn(|| {
            if !on("hang") {
                return;
            }
            for i in 0..15 {
                let body = json!({"uid": format!("quota-{i}"), "name": "Quota", "provider": "openai", "model": "m"});
                let got = a.client.call("POST", "/v1/agents", Some(&body));
                tally.add("agents past the quota", &got);
            }
            let mut n = 0;
            while live() {
                n += 1;
                let got = a.client.call("POST", "/v1/customers", Some(&json!({"name": format!("Noise {n}")})));
                tally.add("writes to the hanging receiver", &got);
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        // The crawl: 1,000 pages in calls of 100 URLs, then the same again while time is left.
        s.spawn(|| {
            if !on("crawl") {
                return;
            }
            let urls: Vec<String> =
                (0..CRAWL_PAGES).map(|i| format!("{}/soak-crawl-{}/p{i}.html", a.mock_url, a.id)).collect();
            let mut round = 0;
            while live() {
                for batch in urls.chunks(URLS_PER_CALL) {
                    let path =
                        if round == 0 { "/v1/training-data/urls/process" } else { "/v1/training-data/urls/resync" };
                    let body = if round == 0 {
                        json!({"agent": "abuser-crawl", "urls": batch})
                    } else {
                        json!({"agent": "abuser-crawl"})
                    };
                    let got = a.client.call("POST", path, Some(&body));
                    tally.add(if round == 0 { "crawl process calls" } else { "crawl resync calls" }, &got);
                    if round > 0 || !live() {
                        break;
                    }
                }
                round += 1;
                // A resync every 20 s: the crawl is read again.
                let until = Instant::now() + Duration::from_secs(20);
                while live() && Instant::now() < until {
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
        });
    });
}

// ---- Checks -----------------------------------------------------------------------------

struct Report {
    summary: String,
    details: Vec<String>,
    failures: Vec<String>,
}

fn p99(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 * 0.99).ceil() as usize).clamp(1, v.len()) - 1;
    Some(v[i])
}

fn read_back(client: &Client, made: &[Made]) -> (usize, Vec<String>) {
    let mut ok = 0;
    let mut bad = Vec::new();
    // A conversation's messages are read in one listing.
    let mut messages: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for m in made {
        let path = match m {
            Made::Agent(id) => format!("/v1/agents/{id}"),
            Made::Customer(id) => format!("/v1/customers/{id}"),
            Made::Conversation(id) => format!("/v1/conversations/{id}"),
            Made::Message { conversation, id } => {
                messages.entry(*conversation).or_default().push(*id);
                continue;
            }
        };
        let got = client.call("GET", &path, None);
        if got.status == 200 && got.json()["id"].as_i64().is_some() {
            ok += 1;
        } else {
            bad.push(format!("{path}: {} {}", got.status, clip(&got.body)));
        }
    }
    for (cv, ids) in messages {
        let mut seen = HashSet::new();
        let mut skip = 0;
        loop {
            let got = client.call("GET", &format!("/v1/conversations/{cv}/messages?take=100&skip={skip}"), None);
            let page = got.json()["data"].as_array().cloned().unwrap_or_default();
            if got.status != 200 {
                bad.push(format!("/v1/conversations/{cv}/messages: {} {}", got.status, clip(&got.body)));
            }
            seen.extend(page.iter().filter_map(|m| m["id"].as_i64()));
            if page.len() < 100 {
                break;
            }
            skip += 100;
        }
        for id in ids {
            if seen.contains(&id) {
                ok += 1;
            } else {
                bad.push(format!("message {id} of conversation {cv} is not listed"));
            }
        }
    }
    (ok, bad)
}

/// Every event id of a workspace, oldest first.
fn event_ids(client: &Client) -> Result<Vec<String>, String> {
    let mut ids = Vec::new();
    loop {
        let got = client.call("GET", &format!("/v1/events?take=100&skip={}", ids.len()), None);
        if got.status != 200 {
            return Err(format!("GET /v1/events: {} {}", got.status, clip(&got.body)));
        }
        let page = got.json()["data"].as_array().cloned().unwrap_or_default();
        ids.extend(page.iter().filter_map(|e| e["id"].as_str().map(str::to_string)));
        if page.len() < 100 {
            return Ok(ids);
        }
    }
}

/// What a receiver got against what the workspace's events say it should have.
#[derive(Default)]
struct Delivery {
    expected: usize,
    delivered: usize,
    duplicates: usize,
    out_of_order: usize,
    unexpected: usize,
    examples: Vec<String>,
}

fn check_deliveries(world: &World, hook: &str, expected: &[String]) -> Delivery {
    let mut d = Delivery { expected: expected.len(), ..Delivery::default() };
    let want: HashSet<&str> = expected.iter().map(String::as_str).collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    // resource (type prefix, object id) → last sequence delivered
    let mut last: HashMap<(String, String), i64> = HashMap::new();
    for r in world.mock.requests(hook) {
        let id = r.headers.get("webhook-id").cloned().unwrap_or_default();
        let n = seen.entry(id.clone()).or_default();
        *n += 1;
        if *n > 1 {
            d.duplicates += 1;
            if d.examples.len() < 5 {
                d.examples.push(format!("{id} delivered {n} times"));
            }
            continue;
        }
        if !want.contains(id.as_str()) {
            d.unexpected += 1;
            continue;
        }
        d.delivered += 1;
        let env: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
        let kind = env["type"].as_str().unwrap_or_default().split('.').next().unwrap_or_default().to_string();
        let object = env["data"]["object"]["id"].to_string();
        let seq = env["sequence"].as_i64().unwrap_or(-1);
        let prev = last.entry((kind.clone(), object.clone())).or_insert(0);
        if seq <= *prev {
            d.out_of_order += 1;
            if d.examples.len() < 5 {
                d.examples.push(format!("{kind} {object}: sequence {seq} after {prev}"));
            }
        }
        *prev = (*prev).max(seq);
    }
    d
}

// ---- The run ----------------------------------------------------------------------------

fn run(world: &World, started: Instant, total: Duration, baseline: Duration, check_p99: bool) -> Report {
    let generous = Duration::from_secs(30);
    let behaved: Vec<Behaved> = (1..=2)
        .map(|i| {
            let ws = world.workspace_with(json!({"name": format!("soak well-behaved {i}"), "plan": "pro",
                "rate_limit": {"limit": 1_000_000, "window_seconds": 60}, "monthly_action_quota": 1_000_000_000}));
            let id = ws["id"].as_i64().expect("workspace id");
            let token = world.token_for(id, &["external-api:read", "external-api:write"]);
            let client = Client::new(&world.base, &token, generous);
            let hook = format!("/soak-hook-{id}/in");
            world.mock.answer(&hook, 200, json!({"ok": true}));
            let sub = json!({"url": format!("{}{hook}", world.mock.url), "events": ["*"], "description": "soak"});
            expect(client.call("POST", "/v1/webhooks", Some(&sub)), 201, "well-behaved webhook");
            let exec_url = format!("{}/soak-exec-{id}/echo", world.mock.url);
            Behaved { name: format!("well-behaved {i}"), id, client, hook, exec_url, agents: AtomicUsize::new(0) }
        })
        .collect();
    let abuser = {
        let ws = world.workspace_with(json!({"name": "soak abuser", "plan": "free"}));
        let id = ws["id"].as_i64().expect("workspace id");
        let token = world.token_for(id, &["external-api:read", "external-api:write"]);
        Abuser {
            client: Client::new(&world.base, &token, generous),
            slow: Client::new(&world.base, &token, Duration::from_secs(60)),
            mock_url: world.mock.url.clone(),
            id,
        }
    };
    prepare_abuser(world, &abuser);

    let t0 = Instant::now();
    let mut loads = vec![load_average()];
    let abuse_at = t0 + baseline;
    let warm_at = t0 + (baseline / 4).min(Duration::from_secs(10));
    let end = t0 + total;
    let tally = Tally::default();
    std::thread::scope(|s| {
        let handles: Vec<Vec<_>> = behaved
            .iter()
            .map(|w| (0..THREADS).map(|t| s.spawn(move || behave(w, t, warm_at, abuse_at, end))).collect())
            .collect();
        let abuser_thread = s.spawn(|| {
            let now = Instant::now();
            if abuse_at > now {
                std::thread::sleep(abuse_at - now);
            }
            if std::env::var("SOAK_NO_ABUSER").is_ok_and(|v| v == "1") {
                println!("soak: no abuser (SOAK_NO_ABUSER=1)");
                return;
            }
            println!("soak: abuser starts after {:.0} s (load average {})", t0.elapsed().as_secs_f64(), load_average());
            abuse(&abuser, &tally, end);
        });
        let outs: Vec<Vec<ThreadOut>> =
            handles.into_iter().map(|h| h.into_iter().map(|t| t.join().expect("load thread")).collect()).collect();
        loads.push(load_average());
        println!("soak: well-behaved load done after {:.0} s", t0.elapsed().as_secs_f64());
        // The abuser's last requests may still be in flight (a minute at most): the checks
        // run meanwhile, as they would in production.
        let now = Instant::now();
        let drain_end = (now + DRAIN).min(started + RUN_CAP).max(now + Duration::from_secs(20));
        let per_ws: Vec<(usize, usize, Vec<String>)> = std::thread::scope(|s| {
            let readers: Vec<_> = behaved
                .iter()
                .zip(&outs)
                .map(|(w, outs)| {
                    s.spawn(move || {
                        let made: Vec<Made> = outs.iter().flat_map(|o| o.made.iter().cloned()).collect();
                        let (ok, bad) = read_back(&w.client, &made);
                        (made.len(), ok, bad)
                    })
                })
                .collect();
            readers.into_iter().map(|r| r.join().expect("read-back thread")).collect()
        });
        // Events: every one of each well-behaved workspace, then the receivers until all
        // arrived or the drain time is over.
        let expected: Vec<Result<Vec<String>, String>> = behaved.iter().map(|w| event_ids(&w.client)).collect();
        let mut deliveries: Vec<Delivery>;
        loop {
            deliveries = behaved
                .iter()
                .zip(&expected)
                .map(|(w, e)| check_deliveries(world, &w.hook, e.as_deref().unwrap_or(&[])))
                .collect();
            let all = deliveries.iter().all(|d| d.delivered == d.expected);
            if all || Instant::now() >= drain_end {
                break;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        let drained_after = t0.elapsed().as_secs_f64() - total.as_secs_f64();
        abuser_thread.join().expect("abuser thread");

        // ---- the verdicts ----
        let mut failures = Vec::new();
        let mut details = Vec::new();
        let mut requests = tally.requests.load(Ordering::Relaxed);
        let mut fivexx = 0;
        let mut worst: Option<(f64, f64, f64)> = None; // (ratio, abuse p99, baseline p99)
        let (mut made_all, mut ok_all) = (0, 0);
        let (mut ev_all, mut ev_ok) = (0, true);
        for (i, w) in behaved.iter().enumerate() {
            let samples: Vec<&Sample> = outs[i].iter().flat_map(|o| o.samples.iter()).collect();
            requests += samples.len();
            let bad = samples.iter().filter(|s| s.status == 0 || s.status >= 500).count();
            fivexx += bad;
            let errors: Vec<&String> = outs[i].iter().flat_map(|o| o.errors.iter()).collect();
            if bad > 0 {
                failures.push(format!("{}: {bad} answers 5xx or none, e.g. {:?}", w.name, errors.first()));
            }
            let lat = |p: Phase| p99(samples.iter().filter(|s| s.phase == p).map(|s| s.ms).collect());
            let (b, a) = (lat(Phase::Baseline), lat(Phase::Abuse));
            let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
            for s in &samples {
                *statuses.entry(s.status).or_default() += 1;
            }
            details.push(format!(
                "soak: {} (workspace {}): {} requests, statuses {statuses:?}, p99 baseline {} ms, with abuser {} ms",
                w.name,
                w.id,
                samples.len(),
                b.map_or("-".into(), |v| format!("{v:.0}")),
                a.map_or("-".into(), |v| format!("{v:.0}"))
            ));
            details.push(format!("soak: {} p99 by operation: {}", w.name, by_op(&samples)));
            if let (Some(b), Some(a)) = (b, a) {
                let ratio = a / b;
                if worst.is_none_or(|(r, _, _)| ratio > r) {
                    worst = Some((ratio, a, b));
                }
                if check_p99 && ratio > 2.0 {
                    failures.push(format!(
                        "{}: p99 {a:.0} ms with the abuser, {b:.0} ms without ({ratio:.2}x > 2x)",
                        w.name
                    ));
                }
            }
            let (made, ok, bad) = &per_ws[i];
            made_all += made;
            ok_all += ok;
            if !bad.is_empty() {
                failures.push(format!(
                    "{}: {} of {made} created records do not read back, e.g. {:?}",
                    w.name,
                    bad.len(),
                    &bad[..bad.len().min(3)]
                ));
            }
            let d = &deliveries[i];
            ev_all += d.expected;
            match &expected[i] {
                Err(e) => {
                    ev_ok = false;
                    failures.push(format!("{}: events not listed: {e}", w.name));
                }
                Ok(_) => {
                    details.push(format!(
                        "soak: {} webhooks: {} events, {} delivered, {} duplicates, {} out of order, {} unexpected",
                        w.name, d.expected, d.delivered, d.duplicates, d.out_of_order, d.unexpected
                    ));
                    if d.delivered != d.expected || d.duplicates + d.out_of_order + d.unexpected > 0 {
                        ev_ok = false;
                        failures.push(format!(
                            "{}: webhook events {} of {} delivered within {drained_after:.0} s of the load's end, {} duplicates, {} out of order {:?}",
                            w.name, d.delivered, d.expected, d.duplicates, d.out_of_order, d.examples
                        ));
                    }
                }
            }
        }
        details.push(tally.line());
        details.push(format!("soak: deliveries checked {drained_after:.0} s after the load ended"));
        // The machine is shared: what else ran shows in the p99s of both phases.
        details.push(format!("soak: load average (1 min) at the start {}, at the end {}", loads[0], loads[1]));
        let health = Client::new(&world.base, "", Duration::from_secs(10)).call("GET", "/v1/health", None);
        if health.status != 200 {
            failures.push(format!("the worker is down after the run: {} {:?}", health.status, health.error));
        }
        let p99_part = match worst {
            Some((r, a, b)) => {
                format!("p99 {a:.0} ms (baseline {b:.0} ms, {r:.2}x{})", if check_p99 { "" } else { ", not judged" })
            }
            None => "p99 -".into(),
        };
        let ev_part = if ev_ok {
            format!("webhook events {ev_all} delivered once in order")
        } else {
            let got: usize = deliveries.iter().map(|d| d.delivered).sum();
            let dup: usize = deliveries.iter().map(|d| d.duplicates).sum();
            let ooo: usize = deliveries.iter().map(|d| d.out_of_order).sum();
            format!("webhook events {got}/{ev_all} delivered, {dup} duplicates, {ooo} out of order")
        };
        let summary = format!(
            "soak: {} s, 3 workspaces, {requests} requests, well-behaved 5xx {fivexx}, {p99_part}, 201s readable {ok_all}/{made_all}, {ev_part}{}",
            total.as_secs(),
            if failures.is_empty() { "" } else { " — FAILED" }
        );
        Report { summary, details, failures }
    })
}

/// The 1-minute load average, as /proc/loadavg says it.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn by_op(samples: &[&Sample]) -> String {
    let mut ops: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for s in samples {
        ops.entry(s.op).or_default().push(s.ms);
    }
    ops.into_iter()
        .map(|(op, v)| format!("{op} {:.0} ms (n={})", p99(v.clone()).unwrap_or(0.0), v.len()))
        .collect::<Vec<_>>()
        .join(", ")
}
