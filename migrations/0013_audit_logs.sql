-- The audit log: who changed what. One row per write through /v1 or /admin/v1 (written in
-- the change's own D1 batch where the change is a D1 write), and per refused request of a
-- known token (at most one a second per token). Never a secret value: `changes` holds the
-- names of the fields a request set, not their values.
CREATE TABLE audit_logs (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT, -- order and cursor; never reused
  id              TEXT    NOT NULL UNIQUE,           -- aud_ + 24 base62, the public id
  workspace_id    INTEGER,                           -- NULL: an operator action on no workspace
  created_at      TEXT    NOT NULL,
  created_ms      INTEGER NOT NULL,
  actor_type      TEXT    NOT NULL,                  -- token | operator_key | admin_token
  actor_id        TEXT,
  actor_name      TEXT,
  action          TEXT    NOT NULL,                  -- agent.updated, token.revoked, request.refused, ...
  target_type     TEXT    NOT NULL,
  target_id       TEXT,
  request_id      TEXT    NOT NULL,
  idempotency_key TEXT,
  ip              TEXT,
  user_agent      TEXT,
  changes         TEXT    NOT NULL DEFAULT '[]',     -- JSON array of field names
  status          INTEGER                            -- the refusal's status (401, 403); NULL for a write
);
-- A workspace's listing, newest first, and its filters.
CREATE INDEX audit_logs_workspace ON audit_logs (workspace_id, seq);
CREATE INDEX audit_logs_actor ON audit_logs (workspace_id, actor_id, seq);
-- Retention purges by age.
CREATE INDEX audit_logs_age ON audit_logs (created_ms);
-- A refusal is written only if the token has none in the last seconds: one seek.
CREATE INDEX audit_logs_refused ON audit_logs (actor_id, created_ms) WHERE action = 'request.refused';
