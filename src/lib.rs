//! Weav Edge: the developer platform API, as a Cloudflare Worker.
//! Entry points only; the request path starts in `http::handle`.

pub mod domain;
pub mod http;
pub mod objects;
pub mod pieces;
pub mod platform;
pub mod store;

use worker::{event, Context, Env, Request, Response};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    // Test hook, off unless the worker runs with TEST_HOOKS=true (the e2e harness): proves
    // that a panic still answers with the JSON 500 of the error contract (js/entry.mjs).
    if req.path() == "/__test/panic" && platform::var(&env, "TEST_HOOKS", "") == "true" {
        panic!("test panic");
    }
    http::handle(req, env).await
}
