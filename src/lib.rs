//! Weav Edge: the developer platform API, as a Cloudflare Worker.
//! Entry points only; the request path starts in `http::handle`.

pub mod domain;
pub mod http;
pub mod jobs;
pub mod objects;
pub mod pieces;
pub mod platform;
pub mod store;

use worker::{event, web_sys, Context, Env, MessageBatch, ScheduleContext, ScheduledEvent};

#[event(fetch)]
async fn fetch(req: web_sys::Request, env: Env, _ctx: Context) -> worker::Result<web_sys::Response> {
    // The raw request: `worker::Request` would read `request.cf`, costly and never used.
    let req = http::Inbound::new(req);
    // Test hook, off unless the worker runs with TEST_HOOKS=true (the e2e harness): proves
    // that a panic still answers with the JSON 500 of the error contract (js/entry.mjs).
    if req.path() == "/__test/panic" && platform::var(&env, "TEST_HOOKS", "") == "true" {
        panic!("test panic");
    }
    // Test hook, likewise off unless TEST_HOOKS=true: bulk conversations for the listing
    // at scale test (10,000 rows in one statement instead of 10,000 requests).
    if req.path() == "/__test/seed-conversations" && platform::var(&env, "TEST_HOOKS", "") == "true" {
        return Ok(seed_conversations(req, env).await?.into());
    }
    Ok(http::handle(req, env).await)
}

/// `POST /__test/seed-conversations?workspace=W&customer=C&agent=A&member=M&n=N` (test hook).
async fn seed_conversations(req: http::Inbound, env: Env) -> worker::Result<worker::Response> {
    let url = worker::Url::parse(req.url())?;
    let get = |k: &str| url.query_pairs().find(|(n, _)| n == k).and_then(|(_, v)| v.parse::<i64>().ok()).unwrap_or(0);
    let now = domain::time::format_millis(platform::now_ms());
    let n = get("n").clamp(0, 50_000);
    store::conversations::seed_for_tests(&env, get("workspace"), get("customer"), get("agent"), get("member"), n, &now)
        .await?;
    worker::Response::ok(format!("{n}"))
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
        jobs::training::QUEUE_NAME => {
            // URL training (issue 8): pages are read in the background.
            if let Err(e) = jobs::training::consume(batch, env.clone()).await {
                worker::console_error!("training queue: {}", http::error::error_text(&e));
            }
        }
        other => {
            worker::console_error!("no consumer for queue {other}");
            batch.ack_all();
        }
    }
}

/// The cron trigger (`[triggers] crons`): the webhook outbox sweep and the training sweep.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    if let Err(e) = jobs::webhooks::sweep(&env).await {
        worker::console_error!("webhooks sweep failed: {e}");
    }
    if let Err(e) = jobs::training::sweep(&env).await {
        worker::console_error!("training sweep failed: {}", http::error::error_text(&e));
    }
}
