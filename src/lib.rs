//! Weav Edge: the developer platform API, as a Cloudflare Worker.
//! Entry points only; the request path starts in `http::handle`.

pub mod domain;
pub mod http;
pub mod jobs;
pub mod objects;
pub mod pieces;
pub mod platform;
pub mod store;

use worker::{event, Context, Env, MessageBatch, Request, Response, ScheduleContext, ScheduledEvent};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    // Test hook, off unless the worker runs with TEST_HOOKS=true (the e2e harness): proves
    // that a panic still answers with the JSON 500 of the error contract (js/entry.mjs).
    if req.path() == "/__test/panic" && platform::var(&env, "TEST_HOOKS", "") == "true" {
        panic!("test panic");
    }
    http::handle(req, env).await
}

/// Queue consumers, by queue name (wrangler.toml `[[queues.consumers]]`). Never returns
/// an error: worker-rs turns one into a panic.
#[event(queue)]
async fn queue(batch: MessageBatch<serde_json::Value>, env: Env, _ctx: Context) -> worker::Result<()> {
    consume(batch, &env).await;
    Ok(())
}

async fn consume(batch: MessageBatch<serde_json::Value>, env: &Env) {
    match batch.queue().as_str() {
        store::events::QUEUE_NAME => jobs::webhooks::consume(batch, env).await,
        other => {
            worker::console_error!("no consumer for queue {other}");
            batch.ack_all();
        }
    }
}

/// The cron trigger (`[triggers] crons`): the webhook outbox sweep.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    if let Err(e) = jobs::webhooks::sweep(&env).await {
        worker::console_error!("webhooks sweep failed: {e}");
    }
}
