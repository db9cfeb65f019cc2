//! Weav Edge: the developer platform API, as a Cloudflare Worker.
//! Entry points only; the request path starts in `http::handle`.

pub mod domain;
pub mod http;
pub mod jobs;
pub mod objects;
pub mod pieces;
pub mod platform;
pub mod store;

use worker::{event, Context, Env, MessageBatch, Request, Response};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    // Test hook, off unless the worker runs with TEST_HOOKS=true (the e2e harness): proves
    // that a panic still answers with the JSON 500 of the error contract (js/entry.mjs).
    if req.path() == "/__test/panic" && platform::var(&env, "TEST_HOOKS", "") == "true" {
        panic!("test panic");
    }
    http::handle(req, env).await
}

/// The training queue's consumer (issue 8): URL items are read in the background.
#[event(queue)]
async fn queue(batch: MessageBatch<serde_json::Value>, env: Env, _ctx: Context) -> worker::Result<()> {
    jobs::training::consume(batch, env).await
}
