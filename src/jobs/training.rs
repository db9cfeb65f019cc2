//! The training queue (`TRAINING`, producer and consumer in this same worker): one message
//! per url item, and at most `TRAINING_PAGES_IN_FLIGHT` items of a workspace on the queue
//! at once (`store::training::admit`; each finished page admits the next), so one
//! workspace's long crawl never holds back another's page. The consumer fetches the page
//! through the one guarded fetch (`platform::outbound`: guard, redirects re-checked,
//! time-out, `TRAINING_MAX_PAGE_BYTES`), reads it with `domain::html`, redacts, chunks and
//! stores the chunks (one D1 batch).
//!
//! Attempts are counted in D1 (`training_data.attempts`); a failed attempt that is worth
//! repeating puts the item back to `pending` with its reason and asks the queue to deliver
//! the message again after the next delay of `TRAINING_RETRY_SCHEDULE`; after the last one,
//! or at once for failures that cannot improve, the item ends `failed` with a readable
//! `error`. A failure of our own storage retries the message without touching the item.

use crate::domain::training::{self as dt, Job};
use crate::domain::{chunk, redact, time};
use crate::platform::html::{fetch_page, page_failure};
use crate::platform::outbound::Failure;
use crate::platform::{now_ms, var};
use crate::store::events;
use crate::store::training as store;
use futures_util::future::join_all;
use worker::{Env, Message, MessageBatch, MessageExt, QueueRetryOptionsBuilder};

/// The cron's training sweep: URL items left `pending` or `processing` for 15 minutes (the
/// consumer's own retries are at most minutes apart, so their queue message was lost, e.g.
/// after `max_retries` of failures of D1 itself) are queued again: never stuck.
pub async fn sweep(env: &Env) -> worker::Result<()> {
    let cutoff = time::format_millis(now_ms() - 15 * 60 * 1000);
    let mut by_ws: std::collections::BTreeMap<i64, Vec<i64>> = std::collections::BTreeMap::new();
    for s in store::stale_urls(env, &cutoff).await? {
        by_ws.entry(s.workspace_id).or_default().push(s.id);
    }
    for (ws, ids) in by_ws {
        store::enqueue(env, ws, &ids).await?;
    }
    // An admission lost (a failed send after a page finished) is made up here.
    for ws in store::waiting_workspaces(env).await? {
        store::admit(env, ws).await?;
    }
    Ok(())
}

enum Outcome {
    /// Done with the message (completed, failed for good, or the item is gone).
    Ack,
    /// Deliver again after this many seconds.
    Retry(u32),
}

/// What one attempt came to.
enum Attempted {
    Page {
        title: Option<String>,
        text: String,
    },
    /// Worth another attempt.
    Transient(String),
    /// Will not get better.
    Permanent(String),
}

/// The queue this module consumes (wrangler.toml `[[queues.consumers]]`).
pub const QUEUE_NAME: &str = "weav-training";

pub async fn consume(batch: MessageBatch<serde_json::Value>, env: Env) -> worker::Result<()> {
    let schedule = dt::retry_schedule(&var(&env, "TRAINING_RETRY_SCHEDULE", "10,60,300"));
    let messages: Vec<Message<serde_json::Value>> = batch.messages()?;
    let env = &env;
    let schedule = &schedule;
    // Pages are read side by side; each one finished makes room for its workspace's next.
    let finished = join_all(messages.iter().map(|m| async move {
        let job = serde_json::from_value::<Job>(m.body().clone());
        let outcome = match &job {
            Ok(job) => run(env, job, schedule).await,
            Err(e) => {
                worker::console_error!("training queue: unreadable message dropped: {e}");
                Ok(Outcome::Ack)
            }
        };
        match outcome {
            Ok(Outcome::Ack) => {
                m.ack();
                return job.ok().map(|j| j.workspace_id);
            }
            Ok(Outcome::Retry(delay)) => {
                m.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(delay).build())
            }
            Err(e) => {
                // Our own storage failed: the queue delivers again (max_retries bounds it).
                worker::console_error!("training queue: {}", crate::platform::d1::error_text(&e));
                m.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(5).build())
            }
        }
        None
    }))
    .await;
    let mut workspaces: Vec<i64> = finished.into_iter().flatten().collect();
    workspaces.sort_unstable();
    workspaces.dedup();
    for ws in workspaces {
        if let Err(e) = store::admit(env, ws).await {
            worker::console_error!("training queue: admitting workspace {ws}'s next pages failed, the sweep will: {e}");
        }
    }
    Ok(())
}

async fn run(env: &Env, job: &Job, schedule: &[u32]) -> worker::Result<Outcome> {
    let now = || time::format_millis(now_ms());
    let Some(attempt) = store::start_attempt(env, job.workspace_id, job.item_id, &now()).await? else {
        return Ok(Outcome::Ack); // deleted meanwhile
    };
    let max_attempts = schedule.len() as i64 + 1;
    if attempt.attempts > max_attempts {
        let events =
            store::fail(env, job.workspace_id, job.item_id, "Processing gave up after repeated failures.", &now())
                .await?;
        events::enqueue(env, &events).await;
        return Ok(Outcome::Ack);
    }
    match read(env, &attempt.url).await {
        Attempted::Page { title, text } => {
            let (title, title_redactions) = match title {
                Some(t) => {
                    let (t, n) = redact::redact(&t);
                    (Some(t), n)
                }
                None => (None, 0),
            };
            let (text, redactions) = redact::redact(&text);
            let chunks = chunk::chunk(&text);
            let stored = store::complete(
                env,
                job.workspace_id,
                job.item_id,
                attempt.agent_id,
                title.as_deref(),
                &chunks,
                redactions + title_redactions,
                &now(),
            )
            .await;
            match stored {
                Ok(ids) => events::enqueue(env, &ids).await,
                Err(e) => {
                    // Deleted while we read it (its chunks' item is gone): nothing to keep.
                    if store::find(env, job.workspace_id, job.item_id).await?.is_none() {
                        return Ok(Outcome::Ack);
                    }
                    return Err(e);
                }
            }
            Ok(Outcome::Ack)
        }
        Attempted::Permanent(reason) => {
            let ids = store::fail(env, job.workspace_id, job.item_id, &reason, &now()).await?;
            events::enqueue(env, &ids).await;
            Ok(Outcome::Ack)
        }
        Attempted::Transient(reason) => match dt::next_delay(schedule, attempt.attempts) {
            Some(delay) => {
                let msg = format!("{reason} Attempt {} of {max_attempts}; retrying in {delay} s.", attempt.attempts);
                store::retry_later(env, job.workspace_id, job.item_id, &msg, &now()).await?;
                Ok(Outcome::Retry(delay))
            }
            None => {
                let msg = format!("{reason} Gave up after {} attempts.", attempt.attempts);
                let ids = store::fail(env, job.workspace_id, job.item_id, &msg, &now()).await?;
                events::enqueue(env, &ids).await;
                Ok(Outcome::Ack)
            }
        },
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Fetches and reads one page.
async fn read(env: &Env, url: &str) -> Attempted {
    let page = match fetch_page(env, url).await {
        Ok(p) => p,
        Err(f) => {
            let reason = capitalize(&page_failure(&f));
            return match f {
                Failure::Timeout | Failure::Unreachable(_) => Attempted::Transient(reason),
                Failure::Refused(_) | Failure::TooManyRedirects => Attempted::Permanent(reason),
            };
        }
    };
    if !(200..300).contains(&page.status) {
        let reason = format!("The page answered HTTP {}.", page.status);
        return if dt::retryable_status(page.status) {
            Attempted::Transient(reason)
        } else {
            Attempted::Permanent(reason)
        };
    }
    if page.truncated {
        return Attempted::Permanent(format!(
            "The page is larger than {} bytes (TRAINING_MAX_PAGE_BYTES) and was not processed.",
            crate::platform::outbound::page_cap(env)
        ));
    }
    let ctype = page.header("Content-Type").unwrap_or("text/html").to_ascii_lowercase();
    let body = String::from_utf8_lossy(&page.body);
    let (title, text) = if ctype.contains("html") || ctype.contains("xml") {
        let p = match crate::platform::html::extract(&body).await {
            Ok(p) => p,
            Err(e) => return Attempted::Permanent(format!("The page could not be read as HTML: {e}.")),
        };
        (p.title, p.text)
    } else if ctype.starts_with("text/") {
        (None, body.into_owned())
    } else {
        let shown = ctype.split(';').next().unwrap_or_default().to_string();
        return Attempted::Permanent(format!("The page is not HTML or text (content type {shown})."));
    };
    if text.trim().is_empty() {
        return Attempted::Permanent("The page has no readable text.".into());
    }
    Attempted::Page { title, text }
}
