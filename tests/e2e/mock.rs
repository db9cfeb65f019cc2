//! A mock upstream on 127.0.0.1 impersonating the third-party APIs the worker calls.
//! It records every request so that cases can check what the worker sent.
//!
//! Behaviour by path (anything may come before these segments, so each case can use its
//! own prefix and find its own requests):
//! - `.../status/{code}`: answers `{code}` with a JSON body `{"error": "mock {code}"}`.
//! - `.../slow/{ms}`: waits, then answers 200.
//! - `.../redirect?to={url}`: 302 to `url`.
//! - `.../text`: 200 with a plain-text body.
//! - paths installed with `answer_raw`: that status, content type and body (HTML pages,
//!   sitemaps), checked before everything else.
//! - anything else: 200 echoing the request as JSON `{method, path, headers, body}`.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query, as received.
    pub path: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    pub body: String,
}

/// Canned answers a case can install for an exact path (without query).
type Canned = Arc<Mutex<HashMap<String, (u16, String)>>>;
/// Canned answers for an exact path whose request body contains a needle, with a delay:
/// for fixed upstream paths (Slack's `chat.postMessage`) that parallel cases share.
type CannedWhen = Arc<Mutex<Vec<(String, String, u16, String, u64)>>>;
/// Raw canned answers for an exact path: (status, content type, body).
/// Paths that answer a status a number of times before the normal answer.
type Failing = Arc<Mutex<HashMap<String, (u32, u16)>>>;
/// Raw canned answers for an exact path: (status, content type, body).
type CannedRaw = Arc<Mutex<HashMap<String, (u16, String, Arc<String>)>>>;

#[derive(Clone)]
pub struct Mock {
    pub url: String,
    log: Arc<Mutex<Vec<Recorded>>>,
    canned: Canned,
    canned_when: CannedWhen,
    canned_raw: CannedRaw,
    failing: Failing,
}

impl Mock {
    pub fn start() -> Mock {
        let listener = TcpListener::bind("127.0.0.1:0").expect("mock bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let canned: Canned = Arc::new(Mutex::new(HashMap::new()));
        let canned_when: CannedWhen = Arc::new(Mutex::new(Vec::new()));
        let canned_raw: CannedRaw = Arc::new(Mutex::new(HashMap::new()));
        let failing: Failing = Arc::new(Mutex::new(HashMap::new()));
        let (l2, c2, w2, r2, f2) =
            (log.clone(), canned.clone(), canned_when.clone(), canned_raw.clone(), failing.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (log, canned, when, raw, failing) = (l2.clone(), c2.clone(), w2.clone(), r2.clone(), f2.clone());
                std::thread::spawn(move || {
                    let _ = serve(stream, &log, &canned, &when, &raw, &failing);
                });
            }
        });
        Mock { url, log, canned, canned_when, canned_raw, failing }
    }

    /// Requests whose path starts with `prefix`.
    pub fn requests(&self, prefix: &str) -> Vec<Recorded> {
        self.log.lock().unwrap().iter().filter(|r| r.path.starts_with(prefix)).cloned().collect()
    }

    /// Makes `path` answer `status` with `body` (JSON text) from now on.
    pub fn answer(&self, path: &str, status: u16, body: Value) {
        self.canned.lock().unwrap().insert(path.to_string(), (status, body.to_string()));
    }

    /// Makes `path` answer `status` the next `times` requests, then as usual.
    pub fn fail_times(&self, path: &str, times: u32, status: u16) {
        self.failing.lock().unwrap().insert(path.to_string(), (times, status));
    }

    /// Makes `path` (without query) answer `status` with `body` of `content_type` from now on.
    pub fn answer_raw(&self, path: &str, status: u16, content_type: &str, body: &str) {
        self.canned_raw
            .lock()
            .unwrap()
            .insert(path.to_string(), (status, content_type.to_string(), Arc::new(body.to_string())));
    }

    /// Makes `path` answer `status` with `body` after `delay_ms`, for requests whose body
    /// contains `needle`; checked before the answers of `answer`.
    pub fn answer_when(&self, path: &str, needle: &str, status: u16, body: Value, delay_ms: u64) {
        self.canned_when.lock().unwrap().push((
            path.to_string(),
            needle.to_string(),
            status,
            body.to_string(),
            delay_ms,
        ));
    }
}

fn serve(
    stream: TcpStream,
    log: &Mutex<Vec<Recorded>>,
    canned: &Canned,
    when: &CannedWhen,
    raw: &CannedRaw,
    failing: &Failing,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let len: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    let body = String::from_utf8_lossy(&body).into_owned();
    let rec = Recorded { method, path: path.clone(), headers, body };
    log.lock().unwrap().push(rec.clone());

    let bare = path.split('?').next().unwrap_or_default().to_string();
    let raw_answer = raw.lock().unwrap().get(&bare).cloned();
    if let Some((status, ctype, body)) = raw_answer {
        let mut out = stream;
        write!(
            out,
            "HTTP/1.1 {status} Mock\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )?;
        out.write_all(body.as_bytes())?;
        return out.flush();
    }
    let segs: Vec<&str> = bare.split('/').collect();
    let after = |name: &str| segs.iter().position(|s| *s == name).and_then(|i| segs.get(i + 1)).copied();
    let conditional = when
        .lock()
        .unwrap()
        .iter()
        .find(|(p, needle, ..)| *p == bare && rec.body.contains(needle.as_str()))
        .map(|(_, _, status, body, delay)| (*status, body.clone(), *delay));
    if let Some((_, _, delay)) = conditional {
        std::thread::sleep(Duration::from_millis(delay));
    }
    let failure = {
        let mut f = failing.lock().unwrap();
        match f.get_mut(&bare) {
            Some((n, status)) if *n > 0 => {
                *n -= 1;
                Some((*status, json!({"error": "mock failure"}).to_string()))
            }
            _ => None,
        }
    };
    let canned_answer =
        failure.or_else(|| conditional.map(|(s, b, _)| (s, b))).or_else(|| canned.lock().unwrap().get(&bare).cloned());
    let (status, ctype, text, extra) = if let Some((status, body)) = canned_answer {
        (status, "application/json", body, String::new())
    } else if let Some(code) = after("status").and_then(|c| c.parse::<u16>().ok()) {
        (code, "application/json", json!({"error": format!("mock {code}")}).to_string(), String::new())
    } else if let Some(ms) = after("slow").and_then(|c| c.parse::<u64>().ok()) {
        std::thread::sleep(Duration::from_millis(ms));
        (200, "application/json", json!({"slow": ms}).to_string(), String::new())
    } else if segs.last() == Some(&"redirect") {
        let to = path.split_once("to=").map(|(_, t)| t.to_string()).unwrap_or_default();
        (302, "text/plain", String::new(), format!("Location: {}\r\n", percent_decode(&to)))
    } else if segs.last() == Some(&"text") {
        (200, "text/plain", "plain words".to_string(), String::new())
    } else {
        let echo = json!({"method": rec.method, "path": rec.path, "headers": rec.headers, "body": rec.body});
        (200, "application/json", echo.to_string(), String::new())
    };
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status} Mock\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{text}",
        text.len()
    )?;
    out.flush()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
