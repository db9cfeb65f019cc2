//! Every outbound call to a URL a caller chose (pieces, agent functions, URL training,
//! webhooks) goes through `send`: the guard of `domain::outbound` on the first URL and on
//! every redirect hop (followed by hand, at most 3), one time-out for the whole exchange
//! (`OUTBOUND_TIMEOUT_MS`), and a response body read as a stream and cut off at its cap
//! (`OUTBOUND_MAX_RESPONSE_BYTES`; pages `TRAINING_MAX_PAGE_BYTES`).

use crate::domain::outbound::{self, Refusal, MAX_REDIRECTS};
use futures_util::future::{select, Either};
use std::time::Duration;
use worker::{AbortController, Delay, Env, Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

pub struct Outbound {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body was longer than the cap and has been cut there: nothing past the cap was
    /// read, and the body is never parsed.
    pub truncated: bool,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// The body as JSON when it parses, else as text; a cut body is always text (the
    /// first bytes of a long JSON text are no JSON, and are not worth parsing).
    pub fn body_value(&self) -> serde_json::Value {
        let text = || serde_json::Value::String(String::from_utf8_lossy(&self.body).into_owned());
        if self.truncated {
            return text();
        }
        serde_json::from_slice(&self.body).unwrap_or_else(|_| text())
    }
}

#[derive(Debug)]
pub enum Failure {
    /// The URL (or a redirect) broke a rule of the guard.
    Refused(Refusal),
    /// More than `MAX_REDIRECTS` redirects.
    TooManyRedirects,
    /// No answer within `OUTBOUND_TIMEOUT_MS`.
    Timeout,
    /// No connection could be made (or it broke).
    Unreachable(String),
}

pub fn allow_private(env: &Env) -> bool {
    outbound::allow_private_flag(Some(&crate::platform::var(env, "ALLOW_PRIVATE_UPSTREAMS", "false")))
}

pub fn timeout_ms(env: &Env) -> u64 {
    crate::platform::var(env, "OUTBOUND_TIMEOUT_MS", "10000").parse().unwrap_or(10_000).clamp(1, 120_000)
}

/// Checks a URL with the environment's address policy: for validating before storing.
pub fn check(env: &Env, url: &str) -> Result<url::Url, Refusal> {
    outbound::check_url(url, allow_private(env))
}

/// `OUTBOUND_MAX_RESPONSE_BYTES`: the cap of answers of functions, pieces and receivers.
pub fn answer_cap(env: &Env) -> usize {
    outbound::byte_cap(
        &crate::platform::var(env, "OUTBOUND_MAX_RESPONSE_BYTES", ""),
        outbound::DEFAULT_MAX_RESPONSE_BYTES,
    )
}

/// `TRAINING_MAX_PAGE_BYTES`: the cap of pages read for URL training.
pub fn page_cap(env: &Env) -> usize {
    outbound::byte_cap(&crate::platform::var(env, "TRAINING_MAX_PAGE_BYTES", ""), outbound::DEFAULT_MAX_PAGE_BYTES)
}

/// An answer of a function, a piece or a webhook receiver, cut at `answer_cap`.
pub async fn send(env: &Env, req: Outbound) -> Result<Answer, Failure> {
    send_capped(env, req, answer_cap(env)).await
}

pub async fn send_capped(env: &Env, req: Outbound, cap: usize) -> Result<Answer, Failure> {
    let allow = allow_private(env);
    let first = outbound::check_url(&req.url, allow).map_err(Failure::Refused)?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let work = Box::pin(exchange(first, req, allow, signal, cap));
    let timer = Box::pin(Delay::from(Duration::from_millis(timeout_ms(env))));
    match select(work, timer).await {
        Either::Left((result, _)) => result,
        Either::Right(_) => {
            controller.abort();
            Err(Failure::Timeout)
        }
    }
}

async fn exchange(
    mut url: url::Url,
    req: Outbound,
    allow: bool,
    signal: worker::AbortSignal,
    cap: usize,
) -> Result<Answer, Failure> {
    let mut method = req.method;
    let mut body = req.body;
    let origin = url.origin();
    for hop in 0..=MAX_REDIRECTS {
        let headers = Headers::new();
        // A redirect to another origin must not carry the caller's secrets there
        // (Authorization, Cookie, anything naming a key, token or secret), as browsers
        // drop Authorization on cross-origin redirects.
        let same_origin = url.origin() == origin;
        for (k, v) in &req.headers {
            if !same_origin && crate::domain::agent::is_sensitive_header(k) {
                continue;
            }
            headers.set(k, v).map_err(|e| Failure::Unreachable(format!("invalid header {k}: {e}")))?;
        }
        let mut init = RequestInit::new();
        init.with_method(method.clone()).with_headers(headers).with_redirect(RequestRedirect::Manual);
        if let Some(b) = &body {
            init.with_body(Some(worker::js_sys::Uint8Array::from(b.as_slice()).into()));
        }
        let request = Request::new_with_init(url.as_str(), &init).map_err(|e| Failure::Unreachable(e.to_string()))?;
        let resp =
            Fetch::Request(request).send_with_signal(&signal).await.map_err(|e| Failure::Unreachable(e.to_string()))?;
        let status = resp.status_code();
        if outbound::is_redirect_status(status) {
            let location = resp.headers().get("Location").ok().flatten();
            if let Some(location) = location {
                if hop == MAX_REDIRECTS {
                    return Err(Failure::TooManyRedirects);
                }
                url = outbound::check_redirect(&url, &location, allow).map_err(Failure::Refused)?;
                // 303 always, and 301/302 after a POST, continue as a GET (as browsers do).
                if status == 303 || (matches!(status, 301 | 302) && method == Method::Post) {
                    method = Method::Get;
                    body = None;
                }
                continue;
            }
        }
        let headers = resp.headers().entries().collect();
        let stream = web_sys_body(resp);
        let (body, truncated) = crate::platform::read_capped(stream.as_ref(), cap, true)
            .await
            .map_err(|e| Failure::Unreachable(e.to_string()))?;
        return Ok(Answer { status, headers, body, truncated });
    }
    Err(Failure::TooManyRedirects)
}

/// The answer's body stream, if it has one, as the JS value the capped reader takes.
fn web_sys_body(resp: worker::Response) -> Option<wasm_bindgen::JsValue> {
    let raw: worker::web_sys::Response = resp.into();
    raw.body().map(wasm_bindgen::JsValue::from)
}
