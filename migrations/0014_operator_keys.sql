-- Named operator keys: besides the ADMIN_TOKEN secret (the bootstrap), keys the operator
-- API itself creates, each expiring and revocable on its own. Only the SHA-256 hex of a
-- key is kept; authentication looks it up on every operator request (admin traffic is
-- low, and with no cache a revocation holds everywhere at once).
CREATE TABLE operator_keys (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  name       TEXT    NOT NULL,
  key_hash   TEXT    NOT NULL UNIQUE,
  expires_at TEXT,
  created_at TEXT    NOT NULL,
  revoked_at TEXT
);
