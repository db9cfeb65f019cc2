-- Performance (issue 7): every agent keeps its API JSON in `doc`, so reads (get, list,
-- the object of agent events) read one column instead of building a json_object of 25
-- keys with three subqueries per row: cheaper to prepare and to run. The one part that
-- depends on the request, the origin of a stored picture's URLs, is set when it is read
-- (store::agents::AGENT_JSON); `doc` holds those URLs as paths.
--
-- Triggers keep `doc` right whatever writes the row (the API, or SQL such as the bench's
-- bulk seed): any change of an agent column but `doc`, and any change of its functions.
-- Directories and blobs never change once written. The expression is store::agents's
-- former AGENT_JSON, over `agents` instead of `a`, with paths for the blob URLs. It is
-- written twice, in the insert and the update trigger (SQLite has no functions; a view
-- shared by both measured 10-20 % slower per insert); a change of an agent's functions, and
-- the backfill, "touch" the agent row (`SET updated_at = updated_at`, which keeps the
-- value) so that the update trigger rewrites `doc`.
ALTER TABLE agents ADD COLUMN doc TEXT;

CREATE TRIGGER agents_doc_insert AFTER INSERT ON agents BEGIN
  UPDATE agents SET doc = json_object(
    'id', agents.id, 'uid', agents.uid, 'name', agents.name, 'provider', agents.provider, 'model', agents.model,
    'instructions', agents.instructions,
    'functions', (SELECT json_group_array(name) FROM (SELECT name FROM agent_functions WHERE agent_id = agents.id ORDER BY id)),
    'knowledge', json(agents.knowledge),
    'web_search', CASE agents.web_search WHEN 1 THEN json('true') WHEN 0 THEN json('false') END,
    'max_tokens', agents.max_tokens,
    'avatar_url', CASE WHEN agents.picture_blob IS NOT NULL THEN '/v1/blobs/' || agents.picture_blob ELSE agents.picture_url END,
    'picture', CASE
    WHEN agents.picture_blob IS NOT NULL THEN (SELECT json_object('id', b.id, 'name', b.name, 'media_type', b.media_type,
    'width', b.width, 'height', b.height, 'size', b.size, 'thumbnail_url', '/v1/blobs/' || b.id,
    'raw', '/v1/blobs/' || b.id) FROM blobs b WHERE b.id = agents.picture_blob)
    WHEN agents.picture_url IS NOT NULL THEN json_object('id', NULL, 'name', NULL, 'media_type', NULL, 'width', NULL,
    'height', NULL, 'size', NULL, 'thumbnail_url', agents.picture_url, 'raw', agents.picture_url) END,
    'directory', (SELECT json_object('id', d.id, 'name', d.name) FROM directories d WHERE d.id = agents.directory_id),
    'comment', agents.comment, 'tags', json(agents.tags), 'metadata', json(agents.metadata),
    'created_at', agents.created_at, 'updated_at', agents.updated_at,
    'is_agent', json('true'), 'is_trashed', CASE agents.is_trashed WHEN 1 THEN json('true') ELSE json('false') END,
    'protected', CASE agents.protected WHEN 1 THEN json('true') ELSE json('false') END)
  WHERE id = NEW.id;
END;

CREATE TRIGGER agents_doc_update AFTER UPDATE OF uid, name, provider, model, instructions, knowledge, web_search, max_tokens, picture_url, picture_blob, directory_id, comment, tags, metadata, protected, is_trashed, created_at, updated_at ON agents BEGIN
  UPDATE agents SET doc = json_object(
    'id', agents.id, 'uid', agents.uid, 'name', agents.name, 'provider', agents.provider, 'model', agents.model,
    'instructions', agents.instructions,
    'functions', (SELECT json_group_array(name) FROM (SELECT name FROM agent_functions WHERE agent_id = agents.id ORDER BY id)),
    'knowledge', json(agents.knowledge),
    'web_search', CASE agents.web_search WHEN 1 THEN json('true') WHEN 0 THEN json('false') END,
    'max_tokens', agents.max_tokens,
    'avatar_url', CASE WHEN agents.picture_blob IS NOT NULL THEN '/v1/blobs/' || agents.picture_blob ELSE agents.picture_url END,
    'picture', CASE
    WHEN agents.picture_blob IS NOT NULL THEN (SELECT json_object('id', b.id, 'name', b.name, 'media_type', b.media_type,
    'width', b.width, 'height', b.height, 'size', b.size, 'thumbnail_url', '/v1/blobs/' || b.id,
    'raw', '/v1/blobs/' || b.id) FROM blobs b WHERE b.id = agents.picture_blob)
    WHEN agents.picture_url IS NOT NULL THEN json_object('id', NULL, 'name', NULL, 'media_type', NULL, 'width', NULL,
    'height', NULL, 'size', NULL, 'thumbnail_url', agents.picture_url, 'raw', agents.picture_url) END,
    'directory', (SELECT json_object('id', d.id, 'name', d.name) FROM directories d WHERE d.id = agents.directory_id),
    'comment', agents.comment, 'tags', json(agents.tags), 'metadata', json(agents.metadata),
    'created_at', agents.created_at, 'updated_at', agents.updated_at,
    'is_agent', json('true'), 'is_trashed', CASE agents.is_trashed WHEN 1 THEN json('true') ELSE json('false') END,
    'protected', CASE agents.protected WHEN 1 THEN json('true') ELSE json('false') END)
  WHERE id = NEW.id;
END;

CREATE TRIGGER agent_functions_doc_insert AFTER INSERT ON agent_functions BEGIN
  UPDATE agents SET updated_at = updated_at WHERE id = NEW.agent_id;
END;

CREATE TRIGGER agent_functions_doc_update AFTER UPDATE OF name ON agent_functions BEGIN
  UPDATE agents SET updated_at = updated_at WHERE id = NEW.agent_id;
END;

CREATE TRIGGER agent_functions_doc_delete AFTER DELETE ON agent_functions BEGIN
  UPDATE agents SET updated_at = updated_at WHERE id = OLD.agent_id;
END;

-- Every existing agent, through agents_doc_update.
UPDATE agents SET updated_at = updated_at;
