-- Workspaces (operator API) and the D1 side of API tokens. The token's KV record
-- (key: SHA-256 hex) is what authentication reads; this table is the listing and the
-- audit trail, and keeps only the hash.
CREATE TABLE workspaces (
  id                   INTEGER PRIMARY KEY,
  name                 TEXT    NOT NULL,
  plan                 TEXT    NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'pro', 'enterprise')),
  -- NULL means "the plan's default", so a plan change moves the limits with it.
  rate_limit           INTEGER,
  rate_window_seconds  INTEGER,
  monthly_action_quota INTEGER,
  created_at           TEXT    NOT NULL,
  updated_at           TEXT    NOT NULL
);

CREATE TABLE api_tokens (
  id           INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
  name         TEXT    NOT NULL,
  token_hash   TEXT    NOT NULL UNIQUE,
  abilities    TEXT    NOT NULL, -- JSON array of ability names
  expires_at   TEXT,
  created_at   TEXT    NOT NULL,
  revoked_at   TEXT
);

CREATE INDEX api_tokens_workspace ON api_tokens (workspace_id, id);
