//! Weav Edge: the developer platform API, as a Cloudflare Worker.
//! Entry points only; the request path starts in `http::handle`.

pub mod domain;
pub mod http;
pub mod jobs;
pub mod objects;
pub mod pieces;
pub mod platform;
pub mod store;

use std::future::Future;
use std::task::{Context as TaskContext, Poll, Waker};
use wasm_bindgen::prelude::*;
use worker::{event, web_sys, Context, Env, MessageBatch, ScheduleContext, ScheduledEvent};

/// The fetch handler, exported to worker-build's shim as `fetch(request, env, ctx)`.
///
/// Not `#[event(fetch)]`: that turns every answer into a Promise settled from a microtask
/// (wasm-bindgen-futures), also when nothing had to be waited for. Here the request's
/// future is polled once at once: an answer that needs no I/O (health, the OpenAPI
/// document, a 404, a malformed token) goes back as a `Response`; only a request that
/// waits on I/O becomes a Promise, which polls the same future again with a real waker
/// (every future re-registers the waker of its latest poll, so the first poll's no-op
/// waker is never relied on).
#[wasm_bindgen(js_name = fetch)]
pub fn fetch_export(req: web_sys::Request, env: Env, _ctx: JsValue) -> JsValue {
    let mut future = Box::pin(fetch(req, env));
    match future.as_mut().poll(&mut TaskContext::from_waker(Waker::noop())) {
        Poll::Ready(Ok(resp)) => resp,
        Poll::Ready(Err(e)) => js_sys_reject(e),
        Poll::Pending => worker::wasm_bindgen_futures::future_to_promise(async move {
            future.await.map_err(|e| JsValue::from_str(&e.to_string()))
        })
        .into(),
    }
}

fn js_sys_reject(e: worker::Error) -> JsValue {
    worker::js_sys::Promise::reject(&JsValue::from_str(&e.to_string())).into()
}

/// A `Response`, or a `Promise` of one (`http::Body::Deferred`).
async fn fetch(req: web_sys::Request, env: Env) -> worker::Result<JsValue> {
    // The raw request: `worker::Request` would read `request.cf`, costly and never used.
    let req = http::Inbound::new(req);
    // Test hooks: only in the e2e build (feature `test-hooks`) run with TEST_HOOKS=true.
    #[cfg(feature = "test-hooks")]
    if req.path().starts_with("/__test/") && platform::test_hooks(&env) {
        match req.path() {
            // A panic still answers with the JSON 500 of the error contract (js/entry.mjs),
            // whether it happens before the first await or after I/O.
            "/__test/panic" => {
                if req.query().contains("after_io=1") {
                    let _ = env.kv("TOKENS")?.get("test-panic").text().await;
                }
                panic!("test panic");
            }
            // Bulk conversations for the listing at scale test (10,000 rows in one
            // statement instead of 10,000 requests).
            "/__test/seed-conversations" => {
                let resp: web_sys::Response = seed_conversations(req, env).await?.into();
                return Ok(resp.into());
            }
            _ => {}
        }
    }
    Ok(http::handle(req, env).await)
}

/// `POST /__test/seed-conversations?workspace=W&customer=C&agent=A&member=M&n=N` (test hook).
#[cfg(feature = "test-hooks")]
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
            // URL training: pages are read in the background.
            if let Err(e) = jobs::training::consume(batch, env.clone()).await {
                worker::console_error!("training queue: {}", platform::d1::error_text(&e));
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
        worker::console_error!("training sweep failed: {}", platform::d1::error_text(&e));
    }
    // Audit entries past their plan's retention (90 / 365 days), a bounded batch a run.
    match store::audit::purge(&env, platform::now_ms(), 5_000).await {
        Ok(0) => {}
        Ok(n) => worker::console_log!("audit: {n} entries past retention deleted"),
        Err(e) => worker::console_error!("audit purge failed: {}", platform::d1::error_text(&e)),
    }
    if let Err(e) = jobs::reseal::run(&env).await {
        worker::console_error!("re-seal failed: {}", platform::d1::error_text(&e));
    }
    // Widget sessions past their hour: they already answer 401, this only frees the rows.
    if let Err(e) = store::widget::purge_expired(&env, platform::now_ms()).await {
        worker::console_error!("widget session purge failed: {}", platform::d1::error_text(&e));
    }
}
