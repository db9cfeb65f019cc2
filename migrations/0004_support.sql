-- Support data (issue 6): companies, customers, members, conversations and their
-- messages and notes. JSON columns hold JSON text; timestamps are RFC 3339 UTC with
-- milliseconds. Every table has workspace_id and every index starts with it, so one
-- workspace's reads never touch another's rows. Ids are AUTOINCREMENT: an id, once
-- answered, never names another record (messages keep their sender's id after a delete).

CREATE TABLE companies (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
  external_id  TEXT,                           -- the integrator's own id; NULL: none
  name         TEXT    NOT NULL,
  domain       TEXT,
  traits       TEXT    NOT NULL DEFAULT '{}',  -- JSON object of custom attributes
  tags         TEXT    NOT NULL DEFAULT '[]',
  created_at   TEXT    NOT NULL,
  updated_at   TEXT    NOT NULL,
  UNIQUE (workspace_id, external_id)
);
CREATE INDEX companies_list_name ON companies (workspace_id, name, id);
CREATE INDEX companies_list_created ON companies (workspace_id, created_at, id);
CREATE INDEX companies_list_updated ON companies (workspace_id, updated_at, id);
CREATE INDEX companies_domain ON companies (workspace_id, domain);

CREATE TABLE customers (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
  external_id  TEXT,
  name         TEXT,
  email        TEXT    COLLATE NOCASE,
  phone        TEXT,
  traits       TEXT    NOT NULL DEFAULT '{}',
  tags         TEXT    NOT NULL DEFAULT '[]',
  company_id   INTEGER REFERENCES companies (id) ON DELETE SET NULL,
  created_at   TEXT    NOT NULL,
  updated_at   TEXT    NOT NULL,
  UNIQUE (workspace_id, external_id)
);
CREATE INDEX customers_list_name ON customers (workspace_id, name, id);
CREATE INDEX customers_email ON customers (workspace_id, email, id);
CREATE INDEX customers_company ON customers (workspace_id, company_id, id);
CREATE INDEX customers_list_created ON customers (workspace_id, created_at, id);
CREATE INDEX customers_list_updated ON customers (workspace_id, updated_at, id);

-- The workspace's human support staff.
CREATE TABLE members (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
  name         TEXT    NOT NULL,
  email        TEXT    NOT NULL COLLATE NOCASE,
  role         TEXT    NOT NULL CHECK (role IN ('admin', 'agent')),
  created_at   TEXT    NOT NULL,
  updated_at   TEXT    NOT NULL,
  UNIQUE (workspace_id, email)
);
CREATE INDEX members_list_name ON members (workspace_id, name, id);
CREATE INDEX members_role ON members (workspace_id, role, id);

CREATE TABLE conversations (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  workspace_id      INTEGER NOT NULL REFERENCES workspaces (id),
  customer_id       INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  subject           TEXT,
  status            TEXT    NOT NULL DEFAULT 'open'
                      CHECK (status IN ('open', 'pending', 'snoozed', 'closed')),
  priority          TEXT    NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  channel           TEXT    NOT NULL DEFAULT 'api' CHECK (channel IN ('api', 'chat', 'email', 'phone', 'sms')),
  tags              TEXT    NOT NULL DEFAULT '[]',
  assignee_type     TEXT    CHECK (assignee_type IN ('agent', 'member')),
  assignee_id       INTEGER,                   -- agents.id or members.id, by assignee_type
  assigned_at       TEXT,
  snoozed_until     TEXT,                      -- set while snoozed
  status_changed_at TEXT    NOT NULL,
  closed_at         TEXT,                      -- set while closed
  last_message_at   TEXT,
  message_count     INTEGER NOT NULL DEFAULT 0,
  note_count        INTEGER NOT NULL DEFAULT 0,
  created_at        TEXT    NOT NULL,
  updated_at        TEXT    NOT NULL,
  CHECK ((assignee_type IS NULL) = (assignee_id IS NULL))
);
-- Listing at scale: each filter the API offers has an index that starts with the
-- workspace and ends with id, so a filtered page in the default order is an index range.
CREATE INDEX conversations_list_id ON conversations (workspace_id, id);
CREATE INDEX conversations_status ON conversations (workspace_id, status, id);
CREATE INDEX conversations_assignee ON conversations (workspace_id, assignee_type, assignee_id, status, id);
CREATE INDEX conversations_customer ON conversations (workspace_id, customer_id, status, id);
CREATE INDEX conversations_list_updated ON conversations (workspace_id, updated_at, id);
CREATE INDEX conversations_list_last_message ON conversations (workspace_id, last_message_at, id);
CREATE INDEX conversations_status_last_message ON conversations (workspace_id, status, last_message_at, id);

-- Messages (customer-visible) and notes (internal), in one table.
CREATE TABLE messages (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  workspace_id    INTEGER NOT NULL REFERENCES workspaces (id),
  conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  kind            TEXT    NOT NULL CHECK (kind IN ('message', 'note')),
  sender_type     TEXT    NOT NULL CHECK (sender_type IN ('customer', 'agent', 'member')),
  sender_id       INTEGER NOT NULL,
  body            TEXT    NOT NULL,
  created_at      TEXT    NOT NULL
);
CREATE INDEX messages_conversation ON messages (workspace_id, conversation_id, kind, id);
CREATE INDEX messages_conversation_fk ON messages (conversation_id);

-- Tag filters without scanning JSON: one row per (record, tag), kept by triggers.
CREATE TABLE company_tags (
  workspace_id INTEGER NOT NULL,
  tag          TEXT    NOT NULL,
  company_id   INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
  PRIMARY KEY (workspace_id, tag, company_id)
) WITHOUT ROWID;
CREATE INDEX company_tags_company ON company_tags (company_id);
CREATE TRIGGER companies_tags_insert AFTER INSERT ON companies BEGIN
  INSERT OR IGNORE INTO company_tags (workspace_id, tag, company_id)
    SELECT NEW.workspace_id, value, NEW.id FROM json_each(NEW.tags);
END;
CREATE TRIGGER companies_tags_update AFTER UPDATE OF tags ON companies BEGIN
  DELETE FROM company_tags WHERE company_id = NEW.id;
  INSERT OR IGNORE INTO company_tags (workspace_id, tag, company_id)
    SELECT NEW.workspace_id, value, NEW.id FROM json_each(NEW.tags);
END;

CREATE TABLE customer_tags (
  workspace_id INTEGER NOT NULL,
  tag          TEXT    NOT NULL,
  customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  PRIMARY KEY (workspace_id, tag, customer_id)
) WITHOUT ROWID;
CREATE INDEX customer_tags_customer ON customer_tags (customer_id);
CREATE TRIGGER customers_tags_insert AFTER INSERT ON customers BEGIN
  INSERT OR IGNORE INTO customer_tags (workspace_id, tag, customer_id)
    SELECT NEW.workspace_id, value, NEW.id FROM json_each(NEW.tags);
END;
CREATE TRIGGER customers_tags_update AFTER UPDATE OF tags ON customers BEGIN
  DELETE FROM customer_tags WHERE customer_id = NEW.id;
  INSERT OR IGNORE INTO customer_tags (workspace_id, tag, customer_id)
    SELECT NEW.workspace_id, value, NEW.id FROM json_each(NEW.tags);
END;

CREATE TABLE conversation_tags (
  workspace_id    INTEGER NOT NULL,
  tag             TEXT    NOT NULL,
  conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  PRIMARY KEY (workspace_id, tag, conversation_id)
) WITHOUT ROWID;
CREATE INDEX conversation_tags_conversation ON conversation_tags (conversation_id);
CREATE TRIGGER conversations_tags_insert AFTER INSERT ON conversations BEGIN
  INSERT OR IGNORE INTO conversation_tags (workspace_id, tag, conversation_id)
    SELECT NEW.workspace_id, value, NEW.id FROM json_each(NEW.tags);
END;
CREATE TRIGGER conversations_tags_update AFTER UPDATE OF tags ON conversations BEGIN
  DELETE FROM conversation_tags WHERE conversation_id = NEW.id;
  INSERT OR IGNORE INTO conversation_tags (workspace_id, tag, conversation_id)
    SELECT NEW.workspace_id, value, NEW.id FROM json_each(NEW.tags);
END;

-- A deleted agent or member leaves its conversations unassigned.
CREATE TRIGGER agents_unassign_on_delete AFTER DELETE ON agents BEGIN
  UPDATE conversations SET assignee_type = NULL, assignee_id = NULL, assigned_at = NULL
    WHERE workspace_id = OLD.workspace_id AND assignee_type = 'agent' AND assignee_id = OLD.id;
END;
CREATE TRIGGER members_unassign_on_delete AFTER DELETE ON members BEGIN
  UPDATE conversations SET assignee_type = NULL, assignee_id = NULL, assigned_at = NULL
    WHERE workspace_id = OLD.workspace_id AND assignee_type = 'member' AND assignee_id = OLD.id;
END;
