//! `WebhookSender`: one Durable Object per webhook subscription (named by its id) that
//! sends the subscription's deliveries one at a time, in event order, and keeps its own
//! retry schedule as an alarm.
//!
//! Why an object per subscription: delivery order per resource needs one sender at a
//! time, but one sender for everyone (a queue consumer with `max_concurrency = 1`) lets
//! one workspace's receiver that takes 10 s per call hold back every other workspace's
//! events. Here a slow or failing receiver only delays its own subscription.
//!
//! A wake-up (`fetch`, from the queue consumer after a fan-out, a replay, the cron sweep
//! or a manual retry) stores the subscription id and sets the alarm to now. The alarm
//! drains what is due (`jobs::webhooks::drain`, bounded in time) and sets itself for the
//! next pending delivery. A wake-up during a drain sets the alarm again, so nothing is
//! missed; and every attempt holds a lease in D1, so nothing is sent twice at once.

use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

#[durable_object]
pub struct WebhookSender {
    state: State,
    env: Env,
}

const KEY: &str = "webhook";

impl DurableObject for WebhookSender {
    fn new(state: State, env: Env) -> Self {
        Self { state, env }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let webhook_id = req.text().await?;
        let storage = self.state.storage();
        storage.put(KEY, webhook_id).await?;
        storage.set_alarm(0i64).await?;
        Ok(Response::empty()?.with_status(202))
    }

    async fn alarm(&self) -> Result<Response> {
        let storage = self.state.storage();
        let Some(webhook_id) = storage.get::<String>(KEY).await? else { return Response::empty() };
        if let Some(at) = crate::jobs::webhooks::drain(&self.env, &webhook_id).await {
            storage.set_alarm((at - crate::platform::now_ms()).max(0)).await?;
        }
        Response::empty()
    }
}
