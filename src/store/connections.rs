//! Connections in D1. The credentials column holds only the sealed form; the API objects
//! built here never carry it.

use crate::domain::time;
use crate::platform::d1::{db, int, opt_text, text};
use crate::store::events::{self, Emitted, Previous};
use serde::{Deserialize, Serialize};
use worker::Env;

/// A connection as the API shows it (credentials are write-only).
#[derive(Serialize, Debug, Clone)]
pub struct Connection {
    pub id: String,
    #[serde(rename = "pieceName")]
    pub piece_name: String,
    pub name: Option<String>,
    pub expires_at: Option<String>,
    pub created_at: String,
}

/// What execute needs: the connection and its sealed credentials.
pub struct Sealed {
    pub connection: Connection,
    pub credentials: String,
}

impl Connection {
    /// Expired at `now_ms` (an unreadable date counts as expired: fail closed).
    pub fn is_expired(&self, now_ms: i64) -> bool {
        self.expires_at.as_deref().is_some_and(|e| time::parse_millis(e).is_none_or(|ms| ms <= now_ms))
    }
}

#[derive(Deserialize)]
struct Row {
    id: String,
    piece_name: String,
    name: Option<String>,
    expires_at: Option<String>,
    created_at: String,
    #[serde(default)]
    credentials: Option<String>,
}

impl From<Row> for Connection {
    fn from(r: Row) -> Self {
        Connection {
            id: r.id,
            piece_name: r.piece_name,
            name: r.name,
            expires_at: r.expires_at,
            created_at: r.created_at,
        }
    }
}

const COLUMNS: &str = "id, piece_name, name, expires_at, created_at";

pub async fn list(env: &Env, workspace_id: i64) -> worker::Result<Vec<Connection>> {
    let rows = db(env)?
        .prepare(format!("SELECT {COLUMNS} FROM connections WHERE workspace_id = ?1 ORDER BY created_at, id"))
        .bind(&[int(workspace_id)])?
        .all()
        .await?;
    Ok(rows.results::<Row>()?.into_iter().map(Connection::from).collect())
}

pub async fn get(env: &Env, workspace_id: i64, id: &str) -> worker::Result<Option<Connection>> {
    let row: Option<Row> = db(env)?
        .prepare(format!("SELECT {COLUMNS} FROM connections WHERE workspace_id = ?1 AND id = ?2"))
        .bind(&[int(workspace_id), text(id)])?
        .first(None)
        .await?;
    Ok(row.map(Connection::from))
}

/// The connection with its sealed credentials, for execute.
pub async fn get_sealed(env: &Env, workspace_id: i64, id: &str) -> worker::Result<Option<Sealed>> {
    let row: Option<Row> = db(env)?
        .prepare(format!("SELECT {COLUMNS}, credentials FROM connections WHERE workspace_id = ?1 AND id = ?2"))
        .bind(&[int(workspace_id), text(id)])?
        .first(None)
        .await?;
    Ok(row.map(|mut r| {
        let credentials = r.credentials.take().unwrap_or_default();
        Sealed { connection: Connection::from(r), credentials }
    }))
}

/// The API object of connection `c`, built by SQLite (for the event of a delete).
pub const CONNECTION_JSON: &str = "json_object('id', c.id, 'pieceName', c.piece_name, 'name', c.name, \
 'expires_at', c.expires_at, 'created_at', c.created_at)";

/// The insert, as a statement for a batch (with its event).
#[allow(clippy::too_many_arguments)]
pub fn create_statement(
    env: &Env,
    workspace_id: i64,
    conn: &Connection,
    sealed_credentials: &str,
) -> worker::Result<worker::D1PreparedStatement> {
    db(env)?
        .prepare(
            "INSERT INTO connections (id, workspace_id, piece_name, name, credentials, expires_at, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .bind(&[
            text(&conn.id),
            int(workspace_id),
            text(&conn.piece_name),
            opt_text(conn.name.as_deref()),
            text(sealed_credentials),
            opt_text(conn.expires_at.as_deref()),
            text(&conn.created_at),
        ])
}

/// A connection event whose object is connection `id` as the batch leaves it.
pub fn emit(env: &Env, workspace_id: i64, event_type: &str, id: &str, previous: Previous) -> worker::Result<Emitted> {
    events::emit_select(
        env,
        workspace_id,
        event_type,
        "connection",
        "connections c WHERE c.workspace_id = ?1 AND c.id = ?2",
        "c.id",
        CONNECTION_JSON,
        vec![int(workspace_id), text(id)],
        previous,
    )
}

pub fn delete_statement(env: &Env, workspace_id: i64, id: &str) -> worker::Result<worker::D1PreparedStatement> {
    db(env)?
        .prepare("DELETE FROM connections WHERE workspace_id = ?1 AND id = ?2 RETURNING id")
        .bind(&[int(workspace_id), text(id)])
}
