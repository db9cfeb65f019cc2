//! Every sealed column in D1, for the re-seal after a key rotation (`jobs::reseal`):
//! `connections.credentials`, `webhooks.secret` and `webhooks.previous_secret` (one sealed
//! value each), `widget_keys.secret` and `agent_functions.headers` (a JSON object
//! of sealed values).

use crate::domain::secret::PREFIX_LEN;
use crate::platform::d1::{db, int, text};
use serde::Deserialize;
use worker::{D1PreparedStatement, Env};

/// A sealed column: its table, the column, the id column and whether the column holds a
/// JSON object of sealed values rather than one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    Credentials,
    WebhookSecret,
    WebhookPreviousSecret,
    WidgetSigningSecret,
    FunctionHeaders,
}

impl Column {
    const ALL: [Column; 5] = [
        Column::Credentials,
        Column::WebhookSecret,
        Column::WebhookPreviousSecret,
        Column::WidgetSigningSecret,
        Column::FunctionHeaders,
    ];

    fn table_column(self) -> (&'static str, &'static str) {
        match self {
            Column::Credentials => ("connections", "credentials"),
            Column::WebhookSecret => ("webhooks", "secret"),
            Column::WebhookPreviousSecret => ("webhooks", "previous_secret"),
            Column::WidgetSigningSecret => ("widget_keys", "secret"),
            Column::FunctionHeaders => ("agent_functions", "headers"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Column::Credentials => "connections.credentials",
            Column::WebhookSecret => "webhooks.secret",
            Column::WebhookPreviousSecret => "webhooks.previous_secret",
            Column::WidgetSigningSecret => "widget_keys.secret",
            Column::FunctionHeaders => "agent_functions.headers",
        }
    }

    pub fn is_map(self) -> bool {
        self == Column::FunctionHeaders
    }
}

/// A stored value not under the current key, as it was read (the update only applies
/// while the row still holds it).
pub struct Stale {
    pub column: Column,
    pub id: String,
    pub value: String,
}

#[derive(Deserialize)]
struct Row {
    c: i64,
    id: String,
    v: String,
}

/// The condition "sealed without a key id, or under the previous key" (`?1` = the
/// previous key's prefix) for one sealed value `x`. Values naming any other key cannot be
/// opened and are left alone, so they never fill the batch.
fn stale_condition(x: &str) -> String {
    format!("(substr({x}, 1, 3) = 'v1.' OR substr({x}, 1, {PREFIX_LEN}) = ?1)")
}

/// The read of `stale`: `?1` the previous key's prefix, `?2` the limit; rows `(c, id, v)`
/// with `c` the index of the column in `Column::ALL`.
pub fn stale_sql() -> String {
    let parts: Vec<String> = Column::ALL
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (table, column) = c.table_column();
            let filter = if c.is_map() {
                // CASE, not AND: one malformed row must not fail the whole read.
                format!(
                    "CASE WHEN json_valid({column}) THEN EXISTS (SELECT 1 FROM json_each({table}.{column}) WHERE {}) END",
                    stale_condition("value")
                )
            } else {
                format!("{column} IS NOT NULL AND {}", stale_condition(column))
            };
            format!("SELECT {i} AS c, CAST(id AS TEXT) AS id, {column} AS v FROM {table} WHERE {filter}")
        })
        .collect();
    format!("{} LIMIT ?2", parts.join(" UNION ALL "))
}

/// At most `limit` stale values across every sealed column, in one statement: while a
/// rotation is under way each cron run pays one scan of these tables (small: a row per
/// connection, webhook or function), and nothing when no previous key is set.
pub async fn stale(env: &Env, previous_prefix: &str, limit: i64) -> worker::Result<Vec<Stale>> {
    let rows = db(env)?.prepare(stale_sql()).bind(&[text(previous_prefix), int(limit)])?.all().await?;
    Ok(rows
        .results::<Row>()?
        .into_iter()
        .filter_map(|r| Some(Stale { column: *Column::ALL.get(usize::try_from(r.c).ok()?)?, id: r.id, value: r.v }))
        .collect())
}

/// The update of `replace_statement`: `?1` the new value, `?2` the id, `?3` the value read.
pub fn replace_sql(column: Column) -> String {
    let (table, column) = column.table_column();
    // agent_functions has integer ids; SQLite compares the text id by the column's affinity.
    format!("UPDATE {table} SET {column} = ?1 WHERE id = ?2 AND {column} = ?3")
}

/// The update of one stale value to `sealed`, for a batch. It changes the row only if it
/// still holds the value that was read: a write in between (a new secret) wins.
pub fn replace_statement(env: &Env, stale: &Stale, sealed: &str) -> worker::Result<D1PreparedStatement> {
    db(env)?.prepare(replace_sql(stale.column)).bind(&[text(sealed), text(&stale.id), text(&stale.value)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    const PREV: &str = "v2.0000aaaa.";
    const CURRENT: &str = "v2.1111bbbb.";
    const OTHER: &str = "v2.2222cccc.";

    fn db() -> Connection {
        let conn = crate::store::migrated_sqlite();
        conn.execute_batch(&format!(
            "INSERT INTO workspaces (id, name, plan, created_at, updated_at) VALUES (1, 'a', 'free', 'x', 'x');
             INSERT INTO agents (id, workspace_id, uid, name, provider, model, created_at, updated_at)
               VALUES (1, 1, 'u', 'n', 'openai', 'm', 'x', 'x');
             INSERT INTO connections (id, workspace_id, piece_name, credentials, created_at) VALUES
               ('c-prev', 1, 'slack', '{PREV}AAA', 'x'), ('c-legacy', 1, 'slack', 'v1.AAA', 'x'),
               ('c-current', 1, 'slack', '{CURRENT}AAA', 'x'), ('c-other', 1, 'slack', '{OTHER}AAA', 'x');
             INSERT INTO webhooks (id, workspace_id, url, events, secret, previous_secret, created_at, updated_at) VALUES
               ('w-both', 1, 'u', '[]', '{PREV}S', 'v1.P', 'x', 'x'),
               ('w-none', 1, 'u', '[]', '{CURRENT}S', NULL, 'x', 'x');
             INSERT INTO agent_functions (id, workspace_id, agent_id, name, description, url, headers, created_at, updated_at) VALUES
               (7, 1, 1, 'f1', 'd', 'u', json_object('A', '{CURRENT}x', 'B', '{PREV}y'), 'x', 'x'),
               (8, 1, 1, 'f2', 'd', 'u', json_object('A', '{CURRENT}x', 'B', '{OTHER}y'), 'x', 'x'),
               (9, 1, 1, 'f3', 'd', 'u', '{{}}', 'x', 'x'),
               (10, 1, 1, 'f4', 'd', 'u', 'not json', 'x', 'x');"
        ))
        .unwrap();
        conn
    }

    fn stale_rows(conn: &Connection, limit: i64) -> Vec<(Column, String, String)> {
        let mut stmt = conn.prepare(&stale_sql()).unwrap();
        let rows = stmt
            .query_map(rusqlite::params![PREV, limit], |r| {
                Ok((Column::ALL[r.get::<_, i64>(0)? as usize], r.get(1)?, r.get(2)?))
            })
            .unwrap();
        let mut out: Vec<_> = rows.map(Result::unwrap).collect();
        out.sort_by(|a, b| (a.0.name(), &a.1).cmp(&(b.0.name(), &b.1)));
        out
    }

    #[test]
    fn only_values_under_the_previous_key_or_no_key_are_stale() {
        let conn = db();
        let got: Vec<(&str, String)> = stale_rows(&conn, 200).into_iter().map(|(c, id, _)| (c.name(), id)).collect();
        let want = [
            ("agent_functions.headers", "7"),
            ("connections.credentials", "c-legacy"),
            ("connections.credentials", "c-prev"),
            ("webhooks.previous_secret", "w-both"),
            ("webhooks.secret", "w-both"),
        ];
        assert_eq!(got, want.map(|(c, id)| (c, id.to_string())));
        assert_eq!(stale_rows(&conn, 2).len(), 2, "bounded by the limit");
    }

    #[test]
    fn an_update_applies_only_while_the_row_holds_the_value_read() {
        let conn = db();
        for (column, id, value) in stale_rows(&conn, 200) {
            // A write in between: this row no longer holds what was read.
            let read = if id == "c-legacy" { "v1.changed-since".to_string() } else { value };
            let new = if column.is_map() { format!(r#"{{"A": "{CURRENT}new"}}"#) } else { format!("{CURRENT}new") };
            let n = conn.execute(&replace_sql(column), rusqlite::params![new, id, read]).unwrap();
            assert_eq!(n, usize::from(id != "c-legacy"), "{} {id}", column.name());
        }
        let left: Vec<String> = stale_rows(&conn, 200).into_iter().map(|(_, id, _)| id).collect();
        assert_eq!(left, ["c-legacy"]);
    }
}
