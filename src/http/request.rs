//! The incoming request, as the router and handlers see it.
//!
//! `worker::Request` reads `request.cf` when it is built, and workerd builds that object
//! afresh on every read: in the benchmark that one getter was about a tenth of the CPU of
//! `GET /v1/health`. Nothing here needs `cf`, so the request is wrapped as it arrives
//! (`web_sys::Request`) and only the URL, method and headers are read: once each.

use super::routes::Verb;
use worker::{web_sys, Headers};

pub struct Inbound {
    raw: web_sys::Request,
    method: Verb,
    url: String,
    headers: Headers,
}

impl Inbound {
    pub fn new(raw: web_sys::Request) -> Self {
        let method = Verb::parse(&raw.method());
        let url = raw.url();
        let headers = Headers(raw.headers());
        Inbound { raw, method, url, headers }
    }

    pub fn method(&self) -> Verb {
        self.method
    }

    /// The serialised WHATWG URL workerd hands over.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The path, still percent-encoded (as `worker::Request::path` gives it).
    pub fn path(&self) -> &str {
        path_of(&self.url)
    }

    /// The query string without `?`, empty when there is none.
    pub fn query(&self) -> &str {
        query_of(&self.url)
    }

    /// `scheme://host[:port]`.
    pub fn origin(&self) -> &str {
        origin_of(&self.url)
    }

    /// A CORS preflight (`OPTIONS` is no `Verb`: only widget routes answer it).
    pub fn is_options(&self) -> bool {
        self.raw.method() == "OPTIONS"
    }

    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The body, read with a running count: `Ok(None)` when it is longer than `cap` (the
    /// rest is never read, chunked or not); an error when it cannot be read (a client
    /// that went away).
    pub async fn bytes(&self, cap: usize) -> worker::Result<Option<Vec<u8>>> {
        let stream = self.raw.body().map(wasm_bindgen::JsValue::from);
        let (bytes, truncated) = crate::platform::read_capped(stream.as_ref(), cap, false).await?;
        Ok((!truncated).then_some(bytes))
    }
}

/// A serialised WHATWG URL always has a path that starts at the first `/` after `://host`,
/// and its `?` and `#` are never inside the path (they would be percent-encoded).
fn path_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[after_scheme..];
    let Some(start) = rest.find('/') else { return "/" };
    let path = &rest[start..];
    let end = path.find(['?', '#']).unwrap_or(path.len());
    &path[..end]
}

fn origin_of(url: &str) -> &str {
    let host_start = url.find("://").map_or(0, |i| i + 3);
    let end = url[host_start..].find(['/', '?', '#']).map_or(url.len(), |i| host_start + i);
    &url[..end]
}

fn query_of(url: &str) -> &str {
    let Some((_, q)) = url.split_once('?') else { return "" };
    q.split('#').next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{origin_of, path_of, query_of};

    #[test]
    fn path_and_query_come_from_the_serialised_url() {
        assert_eq!(path_of("http://127.0.0.1:8787/v1/agents?take=25"), "/v1/agents");
        assert_eq!(path_of("https://api.example.com/v1/agents/a%2Fb"), "/v1/agents/a%2Fb");
        assert_eq!(path_of("https://api.example.com"), "/");
        assert_eq!(path_of("https://api.example.com/?x=1"), "/");
        assert_eq!(path_of("https://api.example.com/v1/health#frag"), "/v1/health");
        assert_eq!(query_of("http://h/v1/agents?take=25&skip=5"), "take=25&skip=5");
        assert_eq!(query_of("http://h/v1/agents?q=a#b"), "q=a");
        assert_eq!(query_of("http://h/v1/agents"), "");
        assert_eq!(origin_of("http://127.0.0.1:8787/v1/agents?x=1"), "http://127.0.0.1:8787");
        assert_eq!(origin_of("https://api.example.com"), "https://api.example.com");
    }
}
