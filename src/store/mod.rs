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

/// Host tests of the SQL: an in-memory SQLite with every migration applied, in order.
#[cfg(test)]
pub fn migrated_sqlite() -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
    let mut files: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("migrations")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    for f in files {
        conn.execute_batch(&std::fs::read_to_string(&f).expect("migration")).expect("migration applies");
    }
    conn
}
