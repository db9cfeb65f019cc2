//! D1 (and, for tokens, KV) storage, one module per resource: the SQL and the mapping
//! between rows and API objects.
pub mod agents;
pub mod audit;
pub mod connections;
pub mod events;
pub mod executions;
pub mod functions;
pub mod idempotency;
pub mod limits;
pub mod operator_keys;
pub mod quotas;
pub mod revocations;
pub mod sealed;
pub mod tokens;
pub mod training;
pub mod webhooks;
pub mod workspaces;
// Support data
pub mod companies;
pub mod conversations;
pub mod customers;
pub mod members;
pub mod page;
pub mod widget;
