//! The listing queries against SQLite on the host: every allowed `order_by`, trash state
//! and filter must SEARCH an index that starts with workspace_id (never SCAN the agents
//! table), and an unfiltered page must come out of the index in order (no temp B-tree),
//! so that listing cost stays flat with the size of the workspace. The same statements
//! run on D1; this also checks that they execute and produce the documented JSON.

use rusqlite::{types::Value as SqlValue, Connection};
use serde_json::Value;
use weav_edge::domain::listing;
use weav_edge::store::agents::{list_sql, Arg, SORTABLE};

fn db() -> Connection {
    let conn = Connection::open_in_memory().expect("sqlite");
    let mut files: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("migrations")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    for f in files {
        conn.execute_batch(&std::fs::read_to_string(&f).expect("read")).unwrap_or_else(|e| panic!("{f:?}: {e}"));
    }
    conn.execute_batch(
        "INSERT INTO workspaces (id, name, plan, created_at, updated_at) VALUES (1, 'a', 'free', 'x', 'x'), (2, 'b', 'free', 'x', 'x');
         INSERT INTO directories (id, workspace_id, name, created_at) VALUES (1, 1, 'Team', 'x');
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 299)
         INSERT INTO agents (workspace_id, uid, name, provider, model, tags, directory_id, is_trashed, created_at, updated_at)
         SELECT 1 + (i % 2), 'u-' || i, 'Agent ' || i, 'openai', 'm' || (i % 5), '[\"t' || (i % 3) || '\"]',
                CASE WHEN i % 4 = 0 THEN 1 END, CASE WHEN i % 10 = 0 THEN 1 ELSE 0 END, 'c' || i, 'u' || i FROM n;
         ANALYZE;",
    )
    .expect("seed");
    conn
}

fn bind(args: &[Arg]) -> Vec<SqlValue> {
    args.iter()
        .map(|a| match a {
            Arg::Int(n) => SqlValue::Integer(*n),
            Arg::Text(t) => SqlValue::Text(t.clone()),
            Arg::Null => SqlValue::Null,
        })
        .collect()
}

fn plan(conn: &Connection, sql: &str, args: &[Arg]) -> Vec<String> {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).expect("explain");
    let rows = stmt.query_map(rusqlite::params_from_iter(bind(args)), |r| r.get::<_, String>(3)).expect("plan");
    rows.map(|r| r.expect("row")).collect()
}

fn run(conn: &Connection, sql: &str, args: &[Arg]) -> Value {
    let body: String = conn
        .query_row(sql, rusqlite::params_from_iter(bind(args)), |r| r.get(0))
        .unwrap_or_else(|e| panic!("{e}: {sql}"));
    serde_json::from_str(&body).expect("json body")
}

#[test]
fn every_listing_searches_an_index_of_the_workspace() {
    let conn = db();
    let mut queries = Vec::new();
    for col in SORTABLE {
        for dir in ["", "+desc"] {
            for trashed in ["", "&trashed=true", "&trashed=null"] {
                queries.push((format!("order_by={col}{dir}{trashed}"), true));
                queries.push((format!("order_by={col}{dir}{trashed}&tag=t1"), false));
                queries.push((format!("order_by={col}{dir}{trashed}&directory=Team"), false));
                queries.push((format!("order_by={col}{dir}{trashed}&q=Agent"), false));
            }
        }
    }
    queries.push(("count_only=true".into(), true));
    queries.push(("count_only=true&tag=t2".into(), false));
    for (qs, unfiltered) in queries {
        let q = listing::parse(&qs, &SORTABLE).expect("valid query");
        let (sql, args) = list_sql("http://x", 1, &q);
        let steps = plan(&conn, &sql, &args);
        for step in &steps {
            assert!(
                !(step.starts_with("SCAN a") || step.starts_with("SCAN agents")),
                "{qs}: full scan of agents: {steps:?}"
            );
        }
        if unfiltered {
            assert!(
                !steps.iter().any(|s| s.contains("TEMP B-TREE")),
                "{qs}: sorts instead of walking an index: {steps:?}"
            );
        }
    }
}

#[test]
fn listing_statements_run_and_give_the_documented_shape() {
    let conn = db();
    let q = listing::parse("take=5&skip=2&order_by=name+desc", &SORTABLE).unwrap();
    let (sql, args) = list_sql("http://x", 1, &q);
    let body = run(&conn, &sql, &args);
    assert_eq!(body["start"], 2);
    assert_eq!(body["end"], 7);
    assert_eq!(body["count"], 120, "150 agents in workspace 1, 30 of them trashed");
    let names: Vec<&str> = body["data"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted);
    let q = listing::parse("tag=t1&trashed=null&count_only=true", &SORTABLE).unwrap();
    let (sql, args) = list_sql("http://x", 1, &q);
    assert_eq!(run(&conn, &sql, &args), serde_json::json!({"count": 50}));
    let q = listing::parse("directory=Team&take=100", &SORTABLE).unwrap();
    let (sql, args) = list_sql("http://x", 1, &q);
    let body = run(&conn, &sql, &args);
    assert_eq!(body["count"].as_i64(), body["data"].as_array().map(|d| d.len() as i64));
    assert!(body["data"][0]["directory"]["name"] == "Team");
}

// ---- storage quotas (store::quotas, migration 0009) ----------------------------------

mod quotas {
    use super::{bind, db, plan, run};
    use rusqlite::Connection;
    use weav_edge::domain::quota::{self, Resource};
    use weav_edge::store::agents::AgentId;
    use weav_edge::store::quotas::{guard_sql, refusal_sql, usage_sql, Check};

    fn exec(conn: &Connection, sql: &str, args: &[weav_edge::store::agents::Arg]) -> Result<usize, String> {
        conn.execute(sql, rusqlite::params_from_iter(bind(args))).map_err(|e| e.to_string())
    }

    fn customers(conn: &Connection, ws: i64) -> i64 {
        conn.query_row("SELECT COUNT(*) FROM customers WHERE workspace_id = ?1", [ws], |r| r.get(0)).unwrap()
    }

    /// A create as a batch does it: the change, then the guard, in one transaction.
    fn create_customer(conn: &Connection, ws: i64) -> Result<(), String> {
        conn.execute_batch("BEGIN").unwrap();
        conn.execute(
            "INSERT INTO customers (workspace_id, name, created_at, updated_at) VALUES (?1, 'c', 'x', 'x')",
            [ws],
        )
        .unwrap();
        let (sql, args) = guard_sql(&Check::workspace(Resource::Customers), ws);
        match exec(conn, &sql, &args) {
            Ok(_) => {
                conn.execute_batch("COMMIT").unwrap();
                Ok(())
            }
            Err(e) => {
                conn.execute_batch("ROLLBACK").unwrap();
                Err(e)
            }
        }
    }

    #[test]
    fn the_guard_refuses_past_the_limit_and_the_batch_rolls_back() {
        let conn = db();
        conn.execute_batch("UPDATE workspaces SET storage_quotas = '{\"customers\": 2}' WHERE id = 1").unwrap();
        assert_eq!(create_customer(&conn, 1), Ok(()));
        assert_eq!(create_customer(&conn, 1), Ok(()), "reaching the limit is allowed");
        let err = create_customer(&conn, 1).unwrap_err();
        assert_eq!(quota::refused_resource(&err), Some(Resource::Customers), "{err}");
        assert_eq!(customers(&conn, 1), 2, "nothing written");
        // Workspace 2 has no override: the free plan's 1,000.
        assert_eq!(create_customer(&conn, 2), Ok(()));
        let (sql, args) = refusal_sql(&Check::workspace(Resource::Customers), 1);
        let row: (i64, i64, String) = conn
            .query_row(&sql, rusqlite::params_from_iter(bind(&args)), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap();
        assert_eq!(row, (2, 2, "free".to_string()));
    }

    #[test]
    fn counters_follow_inserts_cascades_and_rewrites() {
        let conn = db();
        conn.execute_batch(
            "PRAGMA foreign_keys = ON;
             INSERT INTO customers (id, workspace_id, name, created_at, updated_at) VALUES (10, 1, 'a', 'x', 'x');
             INSERT INTO conversations (workspace_id, customer_id, status_changed_at, created_at, updated_at, message_count, note_count)
               VALUES (1, 10, 'x', 'x', 'x', 3, 2), (1, 10, 'x', 'x', 'x', 1, 0);
             INSERT INTO training_data (workspace_id, agent_id, type, content, created_at, updated_at)
               VALUES (1, 1, 'text', 'héllo', 'x', 'x');
             INSERT INTO training_data (workspace_id, agent_id, type, question, answer, created_at, updated_at)
               VALUES (1, 1, 'qa', 'q?', 'a.', 'x', 'x');
             INSERT INTO training_data (workspace_id, agent_id, type, url, created_at, updated_at)
               VALUES (1, 1, 'url', 'https://e.com', 'x', 'x');
             INSERT INTO blobs (id, workspace_id, media_type, size, data, created_at) VALUES ('blob_a', 1, 'image/png', 700, x'00', 'x');
             INSERT INTO agent_functions (workspace_id, agent_id, name, description, url, created_at, updated_at)
               VALUES (1, 1, 'f1', 'd', 'u', 'x', 'x'), (1, 1, 'f2', 'd', 'u', 'x', 'x'), (1, 3, 'f1', 'd', 'u', 'x', 'x');
             INSERT INTO webhooks (id, workspace_id, url, events, secret, created_at, updated_at)
               VALUES ('whk_a', 1, 'https://e.com', '[\"*\"]', 's', 'x', 'x');",
        )
        .unwrap();
        let usage = |conn: &Connection| {
            let (sql, args) = usage_sql(1);
            run(conn, &sql, &args)
        };
        let u = usage(&conn);
        let keys: Vec<&String> = u.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 10);
        assert_eq!(u["agents"], serde_json::json!({"used": 150, "limit": 10}), "trashed agents count");
        assert_eq!(u["functions_per_agent"]["used"], 2, "the largest agent's");
        assert_eq!(u["customers"]["used"], 1);
        assert_eq!(u["conversations"]["used"], 2);
        assert_eq!(u["messages_per_conversation"]["used"], 5, "messages and notes of the largest");
        assert_eq!(u["training_items"]["used"], 3);
        assert_eq!(u["training_bytes"], serde_json::json!({"used": 10, "limit": 10_000_000}), "UTF-8 bytes");
        assert_eq!(u["blob_bytes"]["used"], 700);
        assert_eq!(u["webhook_subscriptions"]["used"], 1);
        assert_eq!(u["widget_keys"], serde_json::json!({"used": 0, "limit": 5}));

        conn.execute_batch(
            "UPDATE training_data SET content = 'hi' WHERE type = 'text';
             DELETE FROM customers WHERE id = 10;
             DELETE FROM blobs;
             DELETE FROM agents WHERE id = 1;",
        )
        .unwrap();
        let u = usage(&conn);
        assert_eq!(u["customers"]["used"], 0);
        assert_eq!(u["conversations"]["used"], 0, "the customer's conversations went with it");
        assert_eq!(u["messages_per_conversation"]["used"], 0);
        assert_eq!(u["training_items"]["used"], 0, "the agent's items went with it");
        assert_eq!(u["training_bytes"]["used"], 0);
        assert_eq!(u["blob_bytes"]["used"], 0);
        assert_eq!(u["functions_per_agent"]["used"], 1);
    }

    #[test]
    fn per_parent_guards_count_their_parent_only() {
        let conn = db();
        conn.execute_batch(
            "UPDATE workspaces SET plan = 'pro', storage_quotas = '{\"functions_per_agent\": 1}' WHERE id = 1;
             INSERT INTO agent_functions (workspace_id, agent_id, name, description, url, created_at, updated_at)
               VALUES (1, 1, 'f1', 'd', 'u', 'x', 'x'), (1, 3, 'f1', 'd', 'u', 'x', 'x'), (1, 3, 'f2', 'd', 'u', 'x', 'x');",
        )
        .unwrap();
        let (sql, args) = guard_sql(&Check::functions(AgentId::Known(1)), 1);
        assert_eq!(exec(&conn, &sql, &args), Ok(0));
        let (sql, args) = guard_sql(&Check::functions(AgentId::Known(3)), 1);
        assert!(exec(&conn, &sql, &args).unwrap_err().contains("STORAGE_QUOTA_EXCEEDED(functions_per_agent)"));
        let (sql, args) = guard_sql(&Check::functions(AgentId::Uid("u-2")), 1);
        assert!(exec(&conn, &sql, &args).is_err(), "agent 3 is uid u-2");
        let (sql, args) = guard_sql(&Check::functions(AgentId::Uid("no-such-agent")), 1);
        assert_eq!(exec(&conn, &sql, &args), Ok(0));
        // The plan's default where no override is set: pro has 100 agents; workspace 1 has 150.
        let (sql, args) = guard_sql(&Check::workspace(Resource::Agents), 1);
        assert!(exec(&conn, &sql, &args).unwrap_err().contains("STORAGE_QUOTA_EXCEEDED(agents)"));
        let (sql, args) = guard_sql(&Check::messages(1), 1);
        assert_eq!(exec(&conn, &sql, &args), Ok(0));
    }

    #[test]
    fn guards_read_indexes_not_tables() {
        let conn = db();
        let checks = [
            Check::workspace(Resource::Agents),
            Check::workspace(Resource::Customers),
            Check::workspace(Resource::Conversations),
            Check::workspace(Resource::TrainingItems),
            Check::workspace(Resource::TrainingBytes),
            Check::workspace(Resource::BlobBytes),
            Check::workspace(Resource::WebhookSubscriptions),
            Check::functions(AgentId::Known(1)),
            Check::functions(AgentId::Uid("u-1")),
            Check::messages(1),
        ];
        for c in checks {
            let (sql, args) = guard_sql(&c, 1);
            let steps = plan(&conn, &sql, &args);
            assert!(!steps.iter().any(|s| s.starts_with("SCAN")), "{}: {steps:?}", c.resource.name());
        }
    }
}
