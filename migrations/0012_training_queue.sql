-- Fair URL training: a workspace has at most TRAINING_PAGES_IN_FLIGHT (default 4) url
-- items on the queue at a time (`queued = 1`); the rest wait in D1, `pending` with
-- `queued = 0`, and are admitted as the workspace's earlier pages finish. One
-- workspace's 1,000-page crawl is then never more than a few messages ahead of another
-- workspace's single page.
ALTER TABLE training_data ADD COLUMN queued INTEGER NOT NULL DEFAULT 0;

-- Items waiting or in flight, per workspace: what admission counts and picks from.
CREATE INDEX training_url_queue ON training_data (workspace_id, queued, id)
  WHERE type = 'url' AND status IN ('pending', 'processing');

-- Items pending before this migration have their messages on the queue already.
UPDATE training_data SET queued = 1 WHERE type = 'url' AND status IN ('pending', 'processing');
