-- Storage quotas per plan (CONTRACT.md, "Limits and fairness"). The limits are the plan's
-- defaults (domain::quota) unless the operator set an override; the check runs inside
-- each create's own D1 batch (store::quotas), so it costs no extra round trip.

-- The operator's overrides: a JSON object {resource: limit} of the resources it sets;
-- NULL means "the plan's defaults", so a plan change moves the limits with it.
ALTER TABLE workspaces ADD COLUMN storage_quotas TEXT;

-- Counts that would otherwise need a COUNT(*) or SUM over up to a million rows on every
-- create: customers, conversations, training items and bytes, blob bytes. Kept by
-- triggers, whatever writes the rows (cascades included), as agent_counts is for agents.
-- Agents (agent_counts), an agent's functions, a conversation's messages (its
-- message_count + note_count) and webhook subscriptions are counted where they are.
CREATE TABLE storage_counts (
  workspace_id INTEGER NOT NULL,
  resource     TEXT    NOT NULL,  -- customers | conversations | training_items | training_bytes | blob_bytes
  n            INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, resource)
) WITHOUT ROWID;

CREATE TRIGGER customers_storage_insert AFTER INSERT ON customers BEGIN
  INSERT INTO storage_counts (workspace_id, resource, n) VALUES (NEW.workspace_id, 'customers', 1)
    ON CONFLICT (workspace_id, resource) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER customers_storage_delete AFTER DELETE ON customers BEGIN
  UPDATE storage_counts SET n = n - 1 WHERE workspace_id = OLD.workspace_id AND resource = 'customers';
END;

CREATE TRIGGER conversations_storage_insert AFTER INSERT ON conversations BEGIN
  INSERT INTO storage_counts (workspace_id, resource, n) VALUES (NEW.workspace_id, 'conversations', 1)
    ON CONFLICT (workspace_id, resource) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER conversations_storage_delete AFTER DELETE ON conversations BEGIN
  UPDATE storage_counts SET n = n - 1 WHERE workspace_id = OLD.workspace_id AND resource = 'conversations';
END;

-- Training bytes: the UTF-8 length of the stored (redacted) text of an item: content,
-- question and answer. Url items store their page as chunks, not here: they count as items.
CREATE TRIGGER training_storage_insert AFTER INSERT ON training_data BEGIN
  INSERT INTO storage_counts (workspace_id, resource, n) VALUES (NEW.workspace_id, 'training_items', 1)
    ON CONFLICT (workspace_id, resource) DO UPDATE SET n = n + 1;
  INSERT INTO storage_counts (workspace_id, resource, n) VALUES (NEW.workspace_id, 'training_bytes',
      COALESCE(length(CAST(NEW.content AS BLOB)), 0) + COALESCE(length(CAST(NEW.question AS BLOB)), 0)
      + COALESCE(length(CAST(NEW.answer AS BLOB)), 0))
    ON CONFLICT (workspace_id, resource) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER training_storage_update AFTER UPDATE OF content, question, answer ON training_data BEGIN
  UPDATE storage_counts SET n = n
      + COALESCE(length(CAST(NEW.content AS BLOB)), 0) + COALESCE(length(CAST(NEW.question AS BLOB)), 0)
      + COALESCE(length(CAST(NEW.answer AS BLOB)), 0)
      - COALESCE(length(CAST(OLD.content AS BLOB)), 0) - COALESCE(length(CAST(OLD.question AS BLOB)), 0)
      - COALESCE(length(CAST(OLD.answer AS BLOB)), 0)
    WHERE workspace_id = NEW.workspace_id AND resource = 'training_bytes';
END;
CREATE TRIGGER training_storage_delete AFTER DELETE ON training_data BEGIN
  UPDATE storage_counts SET n = n - 1 WHERE workspace_id = OLD.workspace_id AND resource = 'training_items';
  UPDATE storage_counts SET n = n
      - COALESCE(length(CAST(OLD.content AS BLOB)), 0) - COALESCE(length(CAST(OLD.question AS BLOB)), 0)
      - COALESCE(length(CAST(OLD.answer AS BLOB)), 0)
    WHERE workspace_id = OLD.workspace_id AND resource = 'training_bytes';
END;

CREATE TRIGGER blobs_storage_insert AFTER INSERT ON blobs BEGIN
  INSERT INTO storage_counts (workspace_id, resource, n) VALUES (NEW.workspace_id, 'blob_bytes', NEW.size)
    ON CONFLICT (workspace_id, resource) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER blobs_storage_delete AFTER DELETE ON blobs BEGIN
  UPDATE storage_counts SET n = n - OLD.size WHERE workspace_id = OLD.workspace_id AND resource = 'blob_bytes';
END;

-- What exists already.
INSERT INTO storage_counts (workspace_id, resource, n)
  SELECT workspace_id, 'customers', COUNT(*) FROM customers GROUP BY workspace_id;
INSERT INTO storage_counts (workspace_id, resource, n)
  SELECT workspace_id, 'conversations', COUNT(*) FROM conversations GROUP BY workspace_id;
INSERT INTO storage_counts (workspace_id, resource, n)
  SELECT workspace_id, 'training_items', COUNT(*) FROM training_data GROUP BY workspace_id;
INSERT INTO storage_counts (workspace_id, resource, n)
  SELECT workspace_id, 'training_bytes', SUM(COALESCE(length(CAST(content AS BLOB)), 0)
    + COALESCE(length(CAST(question AS BLOB)), 0) + COALESCE(length(CAST(answer AS BLOB)), 0))
  FROM training_data GROUP BY workspace_id;
INSERT INTO storage_counts (workspace_id, resource, n)
  SELECT workspace_id, 'blob_bytes', SUM(size) FROM blobs GROUP BY workspace_id;

-- The guard a create's batch ends its change with (store::quotas::Check): an insert of
-- the resource's count after the change and its limit. Nothing is stored; past the limit
-- the trigger aborts, so the whole batch (one transaction) rolls back: nothing written.
-- The message names the resource (RAISE takes only a literal), and the worker reads the
-- numbers for the 403 afterwards. Checking after the change, not before, lets the batch's
-- own errors (a taken uid: 422) come first, and counts exactly what the batch added.
CREATE VIEW storage_quota_checks (resource, used, quota) AS SELECT NULL, NULL, NULL WHERE 0;

CREATE TRIGGER storage_quota_check INSTEAD OF INSERT ON storage_quota_checks WHEN NEW.used > NEW.quota BEGIN
  SELECT CASE NEW.resource
    WHEN 'agents' THEN RAISE(ABORT, 'STORAGE_QUOTA_EXCEEDED(agents)')
    WHEN 'functions_per_agent' THEN RAISE(ABORT, 'STORAGE_QUOTA_EXCEEDED(functions_per_agent)')
    WHEN 'customers' THEN RAISE(ABORT, 'STORAGE_QUOTA_EXCEEDED(customers)')
    WHEN 'conversations' THEN RAISE(ABORT, 'STORAGE_QUOTA_EXCEEDED(conversations)')
    WHEN 'messages_per_conversation' THEN RAISE(ABORT, 'STORAGE_QUOTA_EXCEEDED(messages_per_conversation)')
    WHEN 'training_items' THEN RAISE(ABORT, 'STORAGE_QUOTA_EXCEEDED(training_items)')
    WHEN 'training_bytes' THEN RAISE(ABORT, 'STORAGE_QUOTA_EXCEEDED(training_bytes)')
    WHEN 'blob_bytes' THEN RAISE(ABORT, 'STORAGE_QUOTA_EXCEEDED(blob_bytes)')
    WHEN 'webhook_subscriptions' THEN RAISE(ABORT, 'STORAGE_QUOTA_EXCEEDED(webhook_subscriptions)')
    WHEN 'widget_keys' THEN RAISE(ABORT, 'STORAGE_QUOTA_EXCEEDED(widget_keys)')
    ELSE RAISE(ABORT, 'STORAGE_QUOTA_EXCEEDED')
  END;
END;
