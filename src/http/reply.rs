//! What a handler answers: a status, headers and a body, turned into the JS `Response`
//! with one call into JS (`__weavRespond*`, set by js/entry.mjs) when the request ends.
//!
//! Why not `worker::Response`: building one and converting it costs a `Headers` object, a
//! call per header, a `ResponseInit` object filled field by field and a `Uint8Array` copy
//! of the body; and a JSON text that SQLite built (listings, agents) would have to be
//! copied into wasm memory and back out. Here such a text stays a JS string (`Body::Js`)
//! from D1 to the `Response`.

use std::borrow::Cow;
use wasm_bindgen::prelude::*;
use worker::web_sys;

#[wasm_bindgen]
extern "C" {
    /// `new Response(body, {status, headers})`, `headers` as `name\nvalue\n...`.
    #[wasm_bindgen(js_name = __weavRespond)]
    fn respond_js(body: &JsValue, status: u16, headers: &str) -> web_sys::Response;
    /// The same with a body in wasm memory (copied before the call returns).
    #[wasm_bindgen(js_name = __weavRespondBytes)]
    fn respond_bytes(body: &[u8], status: u16, headers: &str) -> web_sys::Response;
}

pub enum Body {
    Empty,
    Static(&'static [u8]),
    Bytes(Vec<u8>),
    /// A JS string (JSON text read from D1), passed through untouched.
    Js(JsValue),
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
        }
    }

    /// The JS `Response`; `head` drops the body (HEAD answers like GET, without it).
    pub fn into_js(self, head: bool) -> web_sys::Response {
        let mut headers = String::new();
        for (name, value) in &self.headers {
            // A line break would split the list: no header of ours has one, and a value
            // that did could not be sent anyway.
            if value.contains('\n') {
                continue;
            }
            headers.push_str(name);
            headers.push('\n');
            headers.push_str(value);
            headers.push('\n');
        }
        let body = if head { Body::Empty } else { self.body };
        match body {
            Body::Empty => respond_js(&JsValue::NULL, self.status, &headers),
            Body::Static(b) => respond_bytes(b, self.status, &headers),
            Body::Bytes(b) => respond_bytes(&b, self.status, &headers),
            Body::Js(v) => respond_js(&v, self.status, &headers),
        }
    }
}
