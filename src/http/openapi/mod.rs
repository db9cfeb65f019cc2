//! `GET /v1/openapi.json`: the OpenAPI 3.1 document, generated from the route table
//! (`http::routes`: each operation's `Doc`) and the schemas in `components.rs`.
//!
//! The document is about 200 KB of JSON and stays out of the wasm: `make build` runs
//! `src/bin/openapi.rs` on the host, which writes `document()` as a JS module
//! (`build/openapi.mjs`), and js/entry.mjs hands it over as a JS string.

use super::error::ApiResult;
use super::{Body, Ctx, Reply};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// Set by js/entry.mjs: the document built on the host.
    #[wasm_bindgen(js_name = __weavOpenApi)]
    fn served_document() -> JsValue;
}

pub async fn get(_cx: &mut Ctx) -> ApiResult<Reply> {
    Ok(Reply::json(200, Body::Js(served_document())).header("Cache-Control", "public, max-age=300"))
}

#[cfg(not(target_arch = "wasm32"))]
mod components;
#[cfg(not(target_arch = "wasm32"))]
pub use components::RATE_HEADERS;
#[cfg(not(target_arch = "wasm32"))]
mod generate;
#[cfg(not(target_arch = "wasm32"))]
pub mod params;
#[cfg(not(target_arch = "wasm32"))]
pub mod schema;

#[cfg(not(target_arch = "wasm32"))]
pub use generate::document;

/// What the document says of one operation, next to its handler in the route table.
/// Responses every operation of its kind has (401, 403, 404 on a path with an id, the
/// body and idempotency errors, 500) are added by the generator; `errors` adds or
/// replaces those the operation answers differently.
#[cfg(not(target_arch = "wasm32"))]
pub struct Doc {
    pub id: &'static str,
    pub summary: &'static str,
    pub description: Option<&'static str>,
    pub query: Option<fn() -> Vec<Param>>,
    /// The body's schema name and whether a body is required.
    pub body: Option<(&'static str, bool)>,
    /// Success answers: status, schema name ("" for none), description.
    pub ok: &'static [(u16, &'static str, &'static str)],
    pub errors: &'static [(u16, &'static str)],
    /// Response headers of the success answers, by name (`components/headers`).
    pub headers: &'static [&'static str],
    /// A create that a storage quota may refuse: its 403 is `StorageQuotaExceeded`.
    pub storage_quota: bool,
}

#[cfg(not(target_arch = "wasm32"))]
impl Doc {
    pub const fn new(id: &'static str, summary: &'static str) -> Doc {
        Doc {
            id,
            summary,
            description: None,
            query: None,
            body: None,
            ok: &[],
            errors: &[],
            headers: &[],
            storage_quota: false,
        }
    }
    pub const fn describe(mut self, d: &'static str) -> Doc {
        self.description = Some(d);
        self
    }
    pub const fn query(mut self, q: fn() -> Vec<Param>) -> Doc {
        self.query = Some(q);
        self
    }
    pub const fn body(mut self, schema: &'static str) -> Doc {
        self.body = Some((schema, true));
        self
    }
    /// A body that may be left out (an empty body is `{}`).
    pub const fn optional_body(mut self, schema: &'static str) -> Doc {
        self.body = Some((schema, false));
        self
    }
    pub const fn ok(mut self, ok: &'static [(u16, &'static str, &'static str)]) -> Doc {
        self.ok = ok;
        self
    }
    pub const fn errors(mut self, errors: &'static [(u16, &'static str)]) -> Doc {
        self.errors = errors;
        self
    }
    pub const fn headers(mut self, headers: &'static [&'static str]) -> Doc {
        self.headers = headers;
        self
    }
    /// The operation stores something a storage quota counts (CONTRACT.md, "Limits and
    /// fairness"): 403 STORAGE_QUOTA_EXCEEDED is one of its answers.
    pub const fn storage_quota(mut self) -> Doc {
        self.storage_quota = true;
        self
    }
}

/// A query parameter.
#[cfg(not(target_arch = "wasm32"))]
pub struct Param {
    pub name: &'static str,
    pub schema: schema::S,
    pub description: &'static str,
    pub required: bool,
}

#[cfg(not(target_arch = "wasm32"))]
pub fn query(name: &'static str, schema: schema::S, description: &'static str) -> Param {
    Param { name, schema, description, required: false }
}

/// A named response (`components/responses`).
#[cfg(not(target_arch = "wasm32"))]
pub struct Response {
    pub name: &'static str,
    pub description: &'static str,
    pub schema: schema::S,
    pub headers: Vec<&'static str>,
}

#[cfg(not(target_arch = "wasm32"))]
impl Response {
    pub fn new(name: &'static str, description: &'static str, schema: schema::S) -> Response {
        Response { name, description, schema, headers: Vec::new() }
    }
    pub fn headers(mut self, h: &[&'static str]) -> Response {
        self.headers = h.to_vec();
        self
    }
}
