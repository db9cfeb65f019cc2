-- Webhook deliveries are sent by one WebhookSender Durable Object per subscription, in
-- event order; an attempt first takes a lease on its delivery (due, pending, lease free),
-- so a delivery named twice (the sweep, a wake-up, a manual retry) is never attempted
-- twice at once and never starts a second retry chain.
ALTER TABLE deliveries ADD COLUMN lease_until_ms INTEGER;

-- The sender's question, "what is next for this subscription?", reads only its pending
-- deliveries.
CREATE INDEX deliveries_webhook_pending ON deliveries (webhook_id, next_attempt_ms) WHERE status = 'pending';
