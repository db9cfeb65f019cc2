-- Connections (seed 004): a piece's credentials for one workspace, sealed with
-- CREDENTIALS_KEY (AES-256-GCM, `v1.` + base64(nonce ‖ ciphertext ‖ tag)); never returned.
CREATE TABLE connections (
  id           TEXT    PRIMARY KEY,           -- conn_ + 32 hex
  workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
  piece_name   TEXT    NOT NULL,
  name         TEXT,
  credentials  TEXT    NOT NULL,              -- sealed JSON object
  expires_at   TEXT,                          -- RFC 3339, NULL: does not expire
  created_at   TEXT    NOT NULL
);

CREATE INDEX connections_workspace ON connections (workspace_id, created_at, id);

-- One row per action that ran (passed validation, the rate limit and the quota): what
-- ran, for which project, how it went. The quota itself is counted in the workspace's
-- WorkspaceLimits Durable Object, exactly; this table is the record.
CREATE TABLE action_executions (
  id            INTEGER PRIMARY KEY,
  workspace_id  INTEGER NOT NULL REFERENCES workspaces (id),
  piece_name    TEXT    NOT NULL,
  action_name   TEXT    NOT NULL,
  connection_id TEXT,
  project_id    TEXT,
  success       INTEGER NOT NULL,             -- 0/1; a run-time VALIDATION_ERROR is 0
  duration_ms   INTEGER NOT NULL,
  created_at    TEXT    NOT NULL
);

CREATE INDEX action_executions_workspace ON action_executions (workspace_id, created_at);
