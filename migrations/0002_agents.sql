-- Agents (seed 002) with their directories, functions and stored pictures.
-- JSON columns hold JSON text; timestamps are RFC 3339 UTC with milliseconds.

CREATE TABLE directories (
  id           INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
  name         TEXT    NOT NULL,
  created_at   TEXT    NOT NULL,
  UNIQUE (workspace_id, name)
);

-- Uploaded pictures, served without a token at /v1/blobs/{id}: the id is unguessable.
CREATE TABLE blobs (
  id           TEXT    PRIMARY KEY,           -- blob_ + 24 random base62-ish characters
  workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
  name         TEXT,
  media_type   TEXT    NOT NULL,
  size         INTEGER NOT NULL,
  width        INTEGER,
  height       INTEGER,
  data         BLOB    NOT NULL,
  created_at   TEXT    NOT NULL
);
CREATE INDEX blobs_workspace ON blobs (workspace_id);

-- AUTOINCREMENT: a deleted agent's id never names another agent (messages, events and
-- their per-resource sequences keep pointing at the right one).
CREATE TABLE agents (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
  uid          TEXT    NOT NULL,
  name         TEXT    NOT NULL,
  provider     TEXT    NOT NULL CHECK (provider IN ('anthropic', 'gemini', 'kapa', 'openai', 'weavy')),
  model        TEXT    NOT NULL,
  instructions TEXT,
  knowledge    TEXT    NOT NULL DEFAULT '[]',
  web_search   INTEGER,                        -- NULL: never set
  max_tokens   INTEGER,
  picture_url  TEXT,                           -- a public URL picture ...
  picture_blob TEXT    REFERENCES blobs (id),  -- ... or a stored one
  directory_id INTEGER REFERENCES directories (id),
  comment      TEXT,
  tags         TEXT    NOT NULL DEFAULT '[]',
  metadata     TEXT,
  protected    INTEGER NOT NULL DEFAULT 0,
  is_trashed   INTEGER NOT NULL DEFAULT 0,
  created_at   TEXT    NOT NULL,
  updated_at   TEXT    NOT NULL,
  UNIQUE (workspace_id, uid)
);

-- Listing: one index per sortable column, `(workspace_id, <column>, id)`, so a page walks
-- one workspace's agents in the requested order and stops after skip + take rows (the
-- trash state is checked on the way: trashed agents are few). Every index starts with
-- workspace_id, so one workspace's listing never reads another's rows. `uid` is served
-- by the UNIQUE (workspace_id, uid) index.
CREATE INDEX agents_list_id ON agents (workspace_id, id);
CREATE INDEX agents_list_name ON agents (workspace_id, name, id);
CREATE INDEX agents_list_provider ON agents (workspace_id, provider, id);
CREATE INDEX agents_list_model ON agents (workspace_id, model, id);
CREATE INDEX agents_list_created ON agents (workspace_id, created_at, id);
CREATE INDEX agents_list_updated ON agents (workspace_id, updated_at, id);
CREATE INDEX agents_directory ON agents (workspace_id, directory_id);

-- Tag filter without scanning every agent's JSON: one row per (agent, tag).
CREATE TABLE agent_tags (
  workspace_id INTEGER NOT NULL,
  tag          TEXT    NOT NULL,
  agent_id     INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  PRIMARY KEY (workspace_id, tag, agent_id)
) WITHOUT ROWID;
CREATE INDEX agent_tags_agent ON agent_tags (agent_id);

CREATE TRIGGER agents_tags_insert AFTER INSERT ON agents BEGIN
  INSERT OR IGNORE INTO agent_tags (workspace_id, tag, agent_id)
    SELECT NEW.workspace_id, value, NEW.id FROM json_each(NEW.tags);
END;
CREATE TRIGGER agents_tags_update AFTER UPDATE OF tags ON agents BEGIN
  DELETE FROM agent_tags WHERE agent_id = NEW.id;
  INSERT OR IGNORE INTO agent_tags (workspace_id, tag, agent_id)
    SELECT NEW.workspace_id, value, NEW.id FROM json_each(NEW.tags);
END;

-- Counts per workspace and trash state, kept by triggers, so an unfiltered listing's
-- `count` is one row read however many agents there are.
CREATE TABLE agent_counts (
  workspace_id INTEGER NOT NULL,
  is_trashed   INTEGER NOT NULL,
  n            INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, is_trashed)
) WITHOUT ROWID;

CREATE TRIGGER agents_count_insert AFTER INSERT ON agents BEGIN
  INSERT INTO agent_counts (workspace_id, is_trashed, n) VALUES (NEW.workspace_id, NEW.is_trashed, 1)
    ON CONFLICT (workspace_id, is_trashed) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER agents_count_delete AFTER DELETE ON agents BEGIN
  UPDATE agent_counts SET n = n - 1 WHERE workspace_id = OLD.workspace_id AND is_trashed = OLD.is_trashed;
END;
CREATE TRIGGER agents_count_trash AFTER UPDATE OF is_trashed ON agents WHEN OLD.is_trashed <> NEW.is_trashed BEGIN
  UPDATE agent_counts SET n = n - 1 WHERE workspace_id = OLD.workspace_id AND is_trashed = OLD.is_trashed;
  INSERT INTO agent_counts (workspace_id, is_trashed, n) VALUES (NEW.workspace_id, NEW.is_trashed, 1)
    ON CONFLICT (workspace_id, is_trashed) DO UPDATE SET n = n + 1;
END;

CREATE TABLE agent_functions (
  id           INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL,
  agent_id     INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  name         TEXT    NOT NULL,
  description  TEXT    NOT NULL,
  method       TEXT    NOT NULL DEFAULT 'GET',
  url          TEXT    NOT NULL,
  headers      TEXT    NOT NULL DEFAULT '{}', -- JSON object: header name -> sealed value
  parameters   TEXT,                          -- JSON Schema object
  created_at   TEXT    NOT NULL,
  updated_at   TEXT    NOT NULL,
  UNIQUE (agent_id, name)
);
-- An agent's functions in the order they were added (the `functions` list of the agent).
CREATE INDEX agent_functions_agent ON agent_functions (agent_id, id);
