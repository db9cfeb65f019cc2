-- Performance (issue 7): an event write is one statement instead of two. The event insert
-- takes its sequence as the resource's last one + 1, and this trigger records it in
-- resource_sequences inside the same statement (a resource's sequence still only grows:
-- the counter outlives the purged events).
CREATE TRIGGER events_sequence AFTER INSERT ON events
BEGIN
  INSERT INTO resource_sequences (workspace_id, resource_type, resource_id, seq)
  VALUES (NEW.workspace_id, NEW.resource_type, NEW.resource_id, NEW.sequence)
  ON CONFLICT (workspace_id, resource_type, resource_id) DO UPDATE SET seq = excluded.seq;
END;
