//! The shared shape of the support records' SQL: a listing page and its count in one D1
//! batch, API objects built by SQLite (`json_object`) so that each row crosses the wasm
//! boundary as one string, and inserts/updates from a list of column assignments.

use crate::domain::listing::ListQuery;
use crate::platform::d1::{db, int, text};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1PreparedStatement, D1Result, Env};

/// A row holding one API object as JSON text (`SELECT <json> AS item`).
#[derive(Deserialize)]
pub struct Item {
    pub item: String,
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

/// A `WHERE` clause under construction; it always starts with the workspace.
pub struct Filter {
    pub sql: String,
    pub params: Vec<JsValue>,
}

impl Filter {
    /// `<alias>.workspace_id = ?`.
    pub fn new(alias: &str, workspace_id: i64) -> Filter {
        Filter { sql: format!("{alias}.workspace_id = ?"), params: vec![int(workspace_id)] }
    }

    /// Adds ` AND (<clause>)` with its parameters.
    pub fn and(&mut self, clause: &str, params: Vec<JsValue>) {
        self.sql.push_str(" AND (");
        self.sql.push_str(clause);
        self.sql.push(')');
        self.params.extend(params);
    }

    /// `<col> IN (?, ?, ...)` over a list of values.
    pub fn any_of(&mut self, col: &str, values: &[String]) {
        let marks = vec!["?"; values.len()].join(", ");
        self.and(&format!("{col} IN ({marks})"), values.iter().map(|v| text(v)).collect());
    }
}

/// One page (`json` over `from`, filtered, in the query's order) and the filtered count, in
/// one D1 round trip; with `count_only`, the count alone. `alias` is `from`'s alias.
pub async fn list(
    env: &Env,
    json: &str,
    from: &str,
    alias: &str,
    filter: Filter,
    q: &ListQuery,
) -> worker::Result<(Vec<String>, i64)> {
    let count_stmt =
        db(env)?.prepare(format!("SELECT COUNT(*) AS n FROM {from} WHERE {}", filter.sql)).bind(&filter.params)?;
    if q.count_only {
        let c: Option<Count> = count_stmt.first(None).await?;
        return Ok((Vec::new(), c.map_or(0, |c| c.n)));
    }
    let dir = if q.desc { "DESC" } else { "ASC" };
    // `order_by` is one of the resource's SORTABLE (checked by domain::listing), never
    // caller text.
    let order = if q.order_by == "id" {
        format!("{alias}.id {dir}")
    } else {
        format!("{alias}.{} {dir}, {alias}.id {dir}", q.order_by)
    };
    let mut params = filter.params.clone();
    params.push(int(q.take));
    params.push(int(q.skip));
    let page = db(env)?
        .prepare(format!("SELECT {json} AS item FROM {from} WHERE {} ORDER BY {order} LIMIT ? OFFSET ?", filter.sql))
        .bind(&params)?;
    let results = db(env)?.batch(vec![page, count_stmt]).await?;
    let items = results.first().map(|r| r.results::<Item>()).transpose()?.unwrap_or_default();
    let count =
        results.get(1).map(|r| r.results::<Count>()).transpose()?.and_then(|v| v.into_iter().next()).map_or(0, |c| c.n);
    Ok((items.into_iter().map(|r| r.item).collect(), count))
}

/// The listing response `{data, start, end, count}` from JSON items.
pub fn listing_body(items: &[String], skip: i64, count: i64) -> String {
    let end = skip + items.len() as i64;
    format!(r#"{{"data":[{}],"start":{skip},"end":{end},"count":{count}}}"#, items.join(","))
}

/// One object: `SELECT <json> AS item FROM <from> WHERE <alias>.workspace_id = ? AND <alias>.id = ?`.
pub async fn get(env: &Env, json: &str, from: &str, alias: &str, ws: i64, id: i64) -> worker::Result<Option<String>> {
    let row: Option<Item> = select(env, json, from, alias, ws, id)?.first(None).await?;
    Ok(row.map(|r| r.item))
}

/// The statement of `get`, for the end of a write batch.
pub fn select(env: &Env, json: &str, from: &str, alias: &str, ws: i64, id: i64) -> worker::Result<D1PreparedStatement> {
    db(env)?
        .prepare(format!("SELECT {json} AS item FROM {from} WHERE {alias}.workspace_id = ? AND {alias}.id = ?"))
        .bind(&[int(ws), int(id)])
}

/// The JSON item of the `index`-th statement of a batch.
pub fn item_at(results: &[D1Result], index: usize) -> worker::Result<Option<String>> {
    match results.get(index) {
        Some(r) => Ok(r.results::<Item>()?.into_iter().next().map(|r| r.item)),
        None => Ok(None),
    }
}

/// A column assignment: `(column, SQL expression with ? marks, its parameters)`.
pub type Assign = (&'static str, String, Vec<JsValue>);

pub fn set(col: &'static str, v: JsValue) -> Assign {
    (col, "?".into(), vec![v])
}

/// `INSERT INTO <table> (workspace_id, created_at, updated_at, ...) VALUES (...)`.
pub fn insert(env: &Env, table: &str, ws: i64, now: &str, cols: Vec<Assign>) -> worker::Result<D1PreparedStatement> {
    let mut names = vec!["workspace_id", "created_at", "updated_at"];
    let mut exprs = vec!["?".to_string(), "?".into(), "?".into()];
    let mut values = vec![int(ws), text(now), text(now)];
    for (col, expr, vals) in cols {
        names.push(col);
        exprs.push(expr);
        values.extend(vals);
    }
    db(env)?.prepare(format!("INSERT INTO {table} ({}) VALUES ({})", names.join(", "), exprs.join(", "))).bind(&values)
}

/// `UPDATE <table> SET updated_at = ?, ... WHERE workspace_id = ? AND id = ?`.
pub fn update(
    env: &Env,
    table: &str,
    ws: i64,
    id: i64,
    now: &str,
    cols: Vec<Assign>,
) -> worker::Result<D1PreparedStatement> {
    let mut sets = vec!["updated_at = ?".to_string()];
    let mut values = vec![text(now)];
    for (col, expr, vals) in cols {
        sets.push(format!("{col} = {expr}"));
        values.extend(vals);
    }
    values.push(int(ws));
    values.push(int(id));
    db(env)?.prepare(format!("UPDATE {table} SET {} WHERE workspace_id = ? AND id = ?", sets.join(", "))).bind(&values)
}

/// `DELETE FROM <table> WHERE workspace_id = ? AND id = ?`; whether a row went.
pub async fn delete(env: &Env, table: &str, ws: i64, id: i64) -> worker::Result<bool> {
    let r = db(env)?
        .prepare(format!("DELETE FROM {table} WHERE workspace_id = ? AND id = ?"))
        .bind(&[int(ws), int(id)])?
        .run()
        .await?;
    Ok(r.meta()?.and_then(|m| m.changes).unwrap_or(0) > 0)
}

/// `DELETE ... RETURNING id`, for the end of a batch: its result has a row when one went.
pub fn delete_statement(env: &Env, table: &str, ws: i64, id: i64) -> worker::Result<D1PreparedStatement> {
    db(env)?
        .prepare(format!("DELETE FROM {table} WHERE workspace_id = ? AND id = ? RETURNING id"))
        .bind(&[int(ws), int(id)])
}

/// An event whose object is `json` over row `id` of `from` (alias `alias`) as the batch
/// leaves it; `id = None`: the row the batch inserted last (`AUTOINCREMENT` ids only grow,
/// so inside the batch's transaction it is the highest id of `table`).
#[allow(clippy::too_many_arguments)]
pub fn emit(
    env: &Env,
    ws: i64,
    event_type: &str,
    resource_type: &str,
    (table, alias, json): (&str, &str, &str),
    id: Option<i64>,
    previous: crate::store::events::Previous,
) -> worker::Result<crate::store::events::Emitted> {
    let row = match id {
        Some(_) => "?2".to_string(),
        None => format!("(SELECT MAX(id) FROM {table})"),
    };
    let mut args = vec![int(ws)];
    if let Some(id) = id {
        args.push(int(id));
    }
    crate::store::events::emit_select(
        env,
        ws,
        event_type,
        resource_type,
        &format!("{table} {alias} WHERE {alias}.workspace_id = ?1 AND {alias}.id = {row}"),
        &format!("{alias}.id"),
        json,
        args,
        previous,
    )
}

/// The id of a row of the workspace matching `clause` (e.g. `external_id = ?`).
pub async fn find_id(env: &Env, table: &str, ws: i64, clause: &str, v: JsValue) -> worker::Result<Option<i64>> {
    #[derive(Deserialize)]
    struct Id {
        id: i64,
    }
    let row: Option<Id> = db(env)?
        .prepare(format!("SELECT id FROM {table} WHERE workspace_id = ? AND {clause} LIMIT 1"))
        .bind(&[int(ws), v])?
        .first(None)
        .await?;
    Ok(row.map(|r| r.id))
}

/// Tags as stored: JSON text of the array.
pub fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".into())
}

/// `traits` assignment: a merge patch into the stored object (RFC 7396, `json_patch`; into
/// `{}` on insert, which drops null keys), or `{}` when cleared.
pub fn traits_assign(v: &Option<String>, inserting: bool) -> Assign {
    let base = if inserting { "'{}'" } else { "traits" };
    match v {
        Some(patch) => ("traits", format!("json_patch({base}, json(?))"), vec![text(patch)]),
        None => ("traits", "'{}'".into(), vec![]),
    }
}
