//! Every sealed column in D1, for the re-seal after a key rotation (`jobs::reseal`):
//! `connections.credentials`, `webhooks.secret` and `webhooks.previous_secret` (one sealed
//! value each) and `agent_functions.headers` (a JSON object of sealed values).

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
    FunctionHeaders,
}

impl Column {
    const ALL: [Column; 4] =
        [Column::Credentials, Column::WebhookSecret, Column::WebhookPreviousSecret, Column::FunctionHeaders];

    fn table_column(self) -> (&'static str, &'static str) {
        match self {
            Column::Credentials => ("connections", "credentials"),
            Column::WebhookSecret => ("webhooks", "secret"),
            Column::WebhookPreviousSecret => ("webhooks", "previous_secret"),
            Column::FunctionHeaders => ("agent_functions", "headers"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Column::Credentials => "connections.credentials",
            Column::WebhookSecret => "webhooks.secret",
            Column::WebhookPreviousSecret => "webhooks.previous_secret",
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

/// At most `limit` stale values across every sealed column, in one statement: while a
/// rotation is under way each cron run pays one scan of these tables (small: a row per
/// connection, webhook or function), and nothing when no previous key is set.
pub async fn stale(env: &Env, previous_prefix: &str, limit: i64) -> worker::Result<Vec<Stale>> {
    let parts: Vec<String> = Column::ALL
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (table, column) = c.table_column();
            let filter = if c.is_map() {
                format!("EXISTS (SELECT 1 FROM json_each({table}.{column}) WHERE {})", stale_condition("value"))
            } else {
                format!("{column} IS NOT NULL AND {}", stale_condition(column))
            };
            format!("SELECT {i} AS c, CAST(id AS TEXT) AS id, {column} AS v FROM {table} WHERE {filter}")
        })
        .collect();
    let sql = format!("{} LIMIT ?2", parts.join(" UNION ALL "));
    let rows = db(env)?.prepare(sql).bind(&[text(previous_prefix), int(limit)])?.all().await?;
    Ok(rows
        .results::<Row>()?
        .into_iter()
        .filter_map(|r| Some(Stale { column: *Column::ALL.get(usize::try_from(r.c).ok()?)?, id: r.id, value: r.v }))
        .collect())
}

/// The update of one stale value to `sealed`, for a batch. It changes the row only if it
/// still holds the value that was read: a write in between (a new secret) wins.
pub fn replace_statement(env: &Env, stale: &Stale, sealed: &str) -> worker::Result<D1PreparedStatement> {
    let (table, column) = stale.column.table_column();
    // agent_functions has integer ids; SQLite compares the text id by the column's affinity.
    db(env)?.prepare(format!("UPDATE {table} SET {column} = ?1 WHERE id = ?2 AND {column} = ?3")).bind(&[
        text(sealed),
        text(&stale.id),
        text(&stale.value),
    ])
}
