-- Webhooks (issue 9): subscriptions, the events outbox, deliveries and their attempts.

-- A subscription. `secret` and `previous_secret` are sealed with CREDENTIALS_KEY (like
-- connection credentials); the previous one signs alongside the new one until
-- `previous_expires_ms` (24 h after a rotation).
CREATE TABLE webhooks (
  id                  TEXT    PRIMARY KEY,          -- whk_ + 24 base62
  workspace_id        INTEGER NOT NULL REFERENCES workspaces (id),
  url                 TEXT    NOT NULL,
  events              TEXT    NOT NULL,             -- JSON array of types, or ["*"]
  description         TEXT,
  enabled             INTEGER NOT NULL DEFAULT 1,
  disabled_reason     TEXT,
  secret              TEXT    NOT NULL,
  previous_secret     TEXT,
  previous_expires_ms INTEGER,
  failing_since_ms    INTEGER,                      -- first failed attempt since the last success
  created_at          TEXT    NOT NULL,
  updated_at          TEXT    NOT NULL
);
CREATE INDEX webhooks_workspace ON webhooks (workspace_id, created_at, id);

-- The outbox: one row per change, written in the same D1 batch as the change itself.
-- `dispatched` turns 1 when the queue consumer has fanned the event out to deliveries;
-- the cron sweep re-enqueues rows still at 0 (a failed or skipped queue send).
CREATE TABLE events (
  id            TEXT    PRIMARY KEY,                -- evt_ + 24 base62
  workspace_id  INTEGER NOT NULL,
  type          TEXT    NOT NULL,
  resource_type TEXT    NOT NULL,
  resource_id   TEXT    NOT NULL,
  sequence      INTEGER NOT NULL,                   -- per (workspace, resource_type, resource_id)
  object        TEXT    NOT NULL,                   -- the resource as the API returns it (JSON)
  previous      TEXT,                               -- changed fields, their values before (JSON)
  created_at    TEXT    NOT NULL,
  created_ms    INTEGER NOT NULL,
  dispatched    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX events_workspace ON events (workspace_id, created_ms, id);
CREATE INDEX events_workspace_type ON events (workspace_id, type, created_ms, id);
CREATE UNIQUE INDEX events_resource_sequence ON events (workspace_id, resource_type, resource_id, sequence);
CREATE INDEX events_undispatched ON events (created_ms) WHERE dispatched = 0;
CREATE INDEX events_created ON events (created_ms);

-- One delivery of one event to one subscription. `origin` is `event` (the fan-out; at
-- most one per subscription and event, whatever the queue redelivers), `replay` or `test`.
CREATE TABLE deliveries (
  id              TEXT    PRIMARY KEY,              -- dlv_ + 24 hex
  workspace_id    INTEGER NOT NULL,
  webhook_id      TEXT    NOT NULL,
  event_id        TEXT    NOT NULL,
  event_type      TEXT    NOT NULL,
  origin          TEXT    NOT NULL DEFAULT 'event',
  status          TEXT    NOT NULL DEFAULT 'pending', -- pending | succeeded | failed
  attempt_count   INTEGER NOT NULL DEFAULT 0,
  attempts        TEXT    NOT NULL DEFAULT '[]',    -- JSON [{at, status, duration_ms, response_body, error}]
  next_attempt_ms INTEGER,
  created_at      TEXT    NOT NULL,
  created_ms      INTEGER NOT NULL,
  updated_at      TEXT    NOT NULL
);
CREATE UNIQUE INDEX deliveries_fanout ON deliveries (webhook_id, event_id) WHERE origin = 'event';
CREATE INDEX deliveries_webhook ON deliveries (webhook_id, created_ms, id);
CREATE INDEX deliveries_pending ON deliveries (next_attempt_ms) WHERE status = 'pending';
CREATE INDEX deliveries_event ON deliveries (event_id);

-- The per-resource event counter behind `events.sequence`: bumped in the same batch as
-- the event, and never purged with the events, so a resource's sequence only grows.
CREATE TABLE resource_sequences (
  workspace_id  INTEGER NOT NULL,
  resource_type TEXT    NOT NULL,
  resource_id   TEXT    NOT NULL,
  seq           INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, resource_type, resource_id)
) WITHOUT ROWID;
