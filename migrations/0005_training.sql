-- Training data (seed 000) and the agents' knowledge: items, their chunks, and the FTS5
-- index that grounded search ranks with bm25. Timestamps are RFC 3339 UTC with ms.

-- AUTOINCREMENT: a deleted item's id is never reused (events and their sequences).
CREATE TABLE training_data (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
  agent_id     INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  type         TEXT    NOT NULL CHECK (type IN ('text', 'qa', 'url')),
  title        TEXT,
  content      TEXT,                          -- text items (redacted)
  question     TEXT,                          -- qa items (redacted)
  answer       TEXT,
  url          TEXT,                          -- url items
  status       TEXT    NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
  error        TEXT,
  chunks       INTEGER NOT NULL DEFAULT 0,
  redactions   INTEGER NOT NULL DEFAULT 0,
  attempts     INTEGER NOT NULL DEFAULT 0,    -- processing attempts of the current run
  created_at   TEXT    NOT NULL,
  updated_at   TEXT    NOT NULL,
  processed_at TEXT
);
CREATE INDEX training_ws ON training_data (workspace_id, id);
CREATE INDEX training_agent ON training_data (workspace_id, agent_id, id);
CREATE INDEX training_agent_status ON training_data (workspace_id, agent_id, type, status);
CREATE INDEX training_status ON training_data (workspace_id, status, id);
-- The cron's sweep of URL items whose queue message was lost: only unfinished ones.
CREATE INDEX training_unfinished ON training_data (updated_at)
  WHERE type = 'url' AND status IN ('pending', 'processing');
-- One url item per agent and URL: processing a URL again re-queues the same item.
CREATE UNIQUE INDEX training_url ON training_data (workspace_id, agent_id, url) WHERE type = 'url';

-- Chunks, redacted before they are written. `scope` ('agent<id>') is indexed by FTS5 so
-- that a search reads only its agent's postings.
CREATE TABLE training_chunks (
  id               INTEGER PRIMARY KEY,
  workspace_id     INTEGER NOT NULL,
  agent_id         INTEGER NOT NULL,
  training_data_id INTEGER NOT NULL REFERENCES training_data (id) ON DELETE CASCADE,
  position         INTEGER NOT NULL,
  content          TEXT    NOT NULL,
  scope            TEXT    NOT NULL
);
CREATE INDEX training_chunks_item ON training_chunks (workspace_id, training_data_id, position);
CREATE INDEX training_chunks_ws ON training_chunks (workspace_id, agent_id);

CREATE VIRTUAL TABLE training_chunks_fts USING fts5 (
  content, scope,
  content = 'training_chunks', content_rowid = 'id',
  tokenize = 'porter unicode61'
);
CREATE TRIGGER training_chunks_ai AFTER INSERT ON training_chunks BEGIN
  INSERT INTO training_chunks_fts (rowid, content, scope) VALUES (new.id, new.content, new.scope);
END;
CREATE TRIGGER training_chunks_ad AFTER DELETE ON training_chunks BEGIN
  INSERT INTO training_chunks_fts (training_chunks_fts, rowid, content, scope)
  VALUES ('delete', old.id, old.content, old.scope);
END;
