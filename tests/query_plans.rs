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
