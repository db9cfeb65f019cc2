//! D1 (and, for tokens, KV) storage, one module per resource: the SQL and the mapping
//! between rows and API objects.
pub mod agents;
pub mod functions;
pub mod tokens;
pub mod workspaces;
