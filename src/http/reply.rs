//! What a handler answers: a status, headers and a body, turned into the JS `Response`
//! with one call into JS (`__weavRespond*`, set by js/entry.mjs) when the request ends.
//!
//! Why not `worker::Response`: building one and converting it costs a `Headers` object, a
//! call per header, a `ResponseInit` object filled field by field and a `Uint8Array` copy
//! of the body; and a JSON text that SQLite built (listings, agents) would have to be
//! copied into wasm memory and back out. Here such a text stays a JS string (`Body::Js`)
//! from D1 to the `Response`.

use super::error::ApiError;
use std::borrow::Cow;
use wasm_bindgen::prelude::*;
use worker::{js_sys, web_sys};

#[wasm_bindgen]
extern "C" {
    /// `new Response(body, {status, headers})`, `headers` as `name\nvalue\n...`.
    #[wasm_bindgen(js_name = __weavRespond)]
    fn respond_js(body: &JsValue, status: u16, headers: &str) -> web_sys::Response;
    /// The same with a body in wasm memory (copied before the call returns).
    #[wasm_bindgen(js_name = __weavRespondBytes)]
    fn respond_bytes(body: &[u8], status: u16, headers: &str) -> web_sys::Response;
    /// `respond_js` for the most common answer: JSON with only `Content-Type` and
    /// `X-Request-Id`, whose header object JS builds without parsing a list.
    #[wasm_bindgen(js_name = __weavRespondJson)]
    fn respond_json_js(body: &JsValue, status: u16, request_id: &str) -> web_sys::Response;
    #[wasm_bindgen(js_name = __weavRespondJsonBytes)]
    fn respond_json_bytes(body: &[u8], status: u16, request_id: &str) -> web_sys::Response;
    /// A `Promise<Response>` for a body still to come (`Body::Deferred`): answered in JS
    /// when `body` settles, with the `null_*` answer when it is null, and the contract's
    /// JSON 500 (with this request id) when it rejects.
    #[wasm_bindgen(js_name = __weavRespondLater)]
    #[allow(clippy::too_many_arguments)]
    fn respond_later(
        body: &js_sys::Promise,
        status: u16,
        headers: &str,
        null_status: u16,
        null_headers: &str,
        null_body: &str,
        head: bool,
        request_id: &str,
    ) -> js_sys::Promise;
}

pub enum Body {
    Empty,
    Static(&'static [u8]),
    Bytes(Vec<u8>),
    /// A JS string (JSON text read from D1), passed through untouched.
    Js(JsValue),
    /// A body that a JS promise (a D1 read) will give: the request's wasm work is over
    /// when the read starts, and JS builds the `Response` when it lands, so the read
    /// costs no Rust future, waker or microtask. `None` from the read answers `if_null`.
    Deferred {
        body: js_sys::Promise,
        if_null: Option<Box<ApiError>>,
    },
}

pub struct Reply {
    status: u16,
    headers: Vec<(Cow<'static, str>, String)>,
    body: Body,
}

pub const JSON: &str = "application/json";

impl Reply {
    pub fn new(status: u16, body: Body) -> Self {
        Reply { status, headers: Vec::new(), body }
    }

    /// A JSON body (`Content-Type: application/json`).
    pub fn json(status: u16, body: Body) -> Self {
        Reply::new(status, body).header("Content-Type", JSON)
    }

    /// No body (204, or a HEAD answer).
    pub fn empty(status: u16) -> Self {
        Reply::new(status, Body::Empty)
    }

    pub fn header(mut self, name: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Self {
        self.set_header(name, value);
        self
    }

    /// Sets a header, replacing one of the same name (names compare case-insensitively).
    pub fn set_header(&mut self, name: impl Into<Cow<'static, str>>, value: impl Into<String>) {
        let name = name.into();
        let value = value.into();
        match self.headers.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(&name)) {
            Some(slot) => slot.1 = value,
            None => self.headers.push((name, value)),
        }
    }

    pub fn status(&self) -> u16 {
        self.status
    }

    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().map(|(n, v)| (n.as_ref(), v.as_str()))
    }

    /// The body's bytes (to store a response for idempotent replays).
    pub fn body_bytes(&self) -> Vec<u8> {
        match &self.body {
            Body::Empty => Vec::new(),
            Body::Static(b) => b.to_vec(),
            Body::Bytes(b) => b.clone(),
            Body::Js(v) => v.as_string().unwrap_or_default().into_bytes(),
            // Only GET answers are deferred, and GET answers are never stored.
            Body::Deferred { .. } => Vec::new(),
        }
    }

    /// The JS `Response` (or, for a deferred body, a `Promise` of it); `head` drops the
    /// body (HEAD answers like GET, without it). A deferred read that finds nothing
    /// answers `if_null` as `error` renders it (with the request id).
    pub fn into_js(self, head: bool, request_id: &str, error: impl Fn(ApiError) -> Reply) -> JsValue {
        let body = if head && !matches!(self.body, Body::Deferred { .. }) { Body::Empty } else { self.body };
        let plain_json = matches!(&self.headers[..], [(t, json), (r, id)]
            if t == "Content-Type" && json == JSON && r == "X-Request-Id" && id == request_id);
        if plain_json {
            match &body {
                Body::Empty => return respond_json_js(&JsValue::NULL, self.status, request_id).into(),
                Body::Static(b) => return respond_json_bytes(b, self.status, request_id).into(),
                Body::Bytes(b) => return respond_json_bytes(b, self.status, request_id).into(),
                Body::Js(v) => return respond_json_js(v, self.status, request_id).into(),
                Body::Deferred { .. } => {}
            }
        }
        let headers = header_list(&self.headers);
        match body {
            Body::Empty => respond_js(&JsValue::NULL, self.status, &headers).into(),
            Body::Static(b) => respond_bytes(b, self.status, &headers).into(),
            Body::Bytes(b) => respond_bytes(&b, self.status, &headers).into(),
            Body::Js(v) => respond_js(&v, self.status, &headers).into(),
            Body::Deferred { body, if_null } => {
                let (null_status, null_headers, null_body) = match if_null {
                    Some(err) => {
                        let mut r = error(*err);
                        r.set_header("X-Request-Id", request_id);
                        let text = String::from_utf8(r.body_bytes()).unwrap_or_default();
                        (r.status, header_list(&r.headers), text)
                    }
                    None => (500, String::new(), String::new()),
                };
                respond_later(&body, self.status, &headers, null_status, &null_headers, &null_body, head, request_id)
                    .into()
            }
        }
    }
}

/// Headers as `name\nvalue\n...` for the JS side. A value with a line break is left out:
/// none of ours has one, and one could not be sent anyway.
fn header_list(headers: &[(Cow<'static, str>, String)]) -> String {
    let mut out = String::new();
    for (name, value) in headers {
        if value.contains('\n') {
            continue;
        }
        out.push_str(name);
        out.push('\n');
        out.push_str(value);
        out.push('\n');
    }
    out
}
