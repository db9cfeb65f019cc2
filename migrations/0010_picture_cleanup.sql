-- A stored picture lives as long as an agent shows it: replacing or removing an agent's
-- picture, or deleting the agent, deletes the blob with the same statement, unless another
-- agent of the workspace shows it too (a picture may be reused by its blob id). Trashed
-- agents still show theirs. Blob URLs are public, so a dropped picture must stop being
-- served (the worker also purges its cached copy).
CREATE INDEX agents_picture_blob ON agents (picture_blob) WHERE picture_blob IS NOT NULL;

CREATE TRIGGER agents_picture_replaced AFTER UPDATE OF picture_blob ON agents
WHEN OLD.picture_blob IS NOT NULL AND OLD.picture_blob IS NOT NEW.picture_blob
BEGIN
  DELETE FROM blobs WHERE id = OLD.picture_blob
    AND NOT EXISTS (SELECT 1 FROM agents WHERE picture_blob = OLD.picture_blob);
END;

CREATE TRIGGER agents_picture_deleted AFTER DELETE ON agents
WHEN OLD.picture_blob IS NOT NULL
BEGIN
  DELETE FROM blobs WHERE id = OLD.picture_blob
    AND NOT EXISTS (SELECT 1 FROM agents WHERE picture_blob = OLD.picture_blob);
END;

-- Pictures dropped before these triggers existed.
DELETE FROM blobs WHERE NOT EXISTS (SELECT 1 FROM agents WHERE picture_blob = blobs.id);
