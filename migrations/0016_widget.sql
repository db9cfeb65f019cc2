-- Website widget: publishable keys, end-user sessions and anonymous visitors.
-- A key is public (it sits in the page), so it is stored as it is; its signing secret
-- must be read back to verify HMAC user hashes and HS256 user JWTs, so it is sealed
-- (AES-256-GCM under CREDENTIALS_KEY). Session tokens and visitor ids are bearer
-- secrets of the end user: only their SHA-256 is kept.
CREATE TABLE widget_keys (
  id                    INTEGER PRIMARY KEY AUTOINCREMENT,
  workspace_id          INTEGER NOT NULL REFERENCES workspaces (id),
  key                   TEXT    NOT NULL UNIQUE,            -- weav_pk_...
  name                  TEXT,
  agent_id              INTEGER REFERENCES agents (id) ON DELETE SET NULL,
  allowed_origins       TEXT    NOT NULL DEFAULT '[]',      -- JSON array of exact origins
  identity_verification TEXT    NOT NULL DEFAULT 'off',     -- off | required
  secret                TEXT    NOT NULL,                   -- sealed whsec_...
  rate_limit            INTEGER NOT NULL,                   -- requests a minute, whole key
  session_rate_limit    INTEGER NOT NULL,                   -- requests a minute, one session
  created_at            TEXT    NOT NULL,
  updated_at            TEXT    NOT NULL
);
CREATE INDEX widget_keys_list ON widget_keys (workspace_id, id);
CREATE INDEX widget_keys_agent ON widget_keys (agent_id);

CREATE TABLE widget_sessions (
  id           TEXT    PRIMARY KEY,                         -- wss_..., names its rate window
  token_hash   TEXT    NOT NULL UNIQUE,
  workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
  key_id       INTEGER NOT NULL REFERENCES widget_keys (id) ON DELETE CASCADE,
  customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  origin       TEXT    NOT NULL,
  verified     INTEGER NOT NULL DEFAULT 0,
  expires_ms   INTEGER NOT NULL,
  created_at   TEXT    NOT NULL
);
CREATE INDEX widget_sessions_key ON widget_sessions (key_id);
CREATE INDEX widget_sessions_customer ON widget_sessions (customer_id);
CREATE INDEX widget_sessions_expiry ON widget_sessions (expires_ms);

-- An anonymous visitor's customer, found again by the visitor id the page keeps.
CREATE TABLE widget_visitors (
  visitor_hash TEXT    PRIMARY KEY,
  workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
  key_id       INTEGER NOT NULL REFERENCES widget_keys (id) ON DELETE CASCADE,
  customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  origin       TEXT    NOT NULL,
  created_at   TEXT    NOT NULL
);
CREATE INDEX widget_visitors_key ON widget_visitors (key_id);
CREATE INDEX widget_visitors_customer ON widget_visitors (customer_id);
