//! Customers in D1. Responses are built by SQLite (`CUSTOMER_JSON`).

use super::page::{self, set, tags_json, traits_assign, Assign, Filter};
use crate::domain::listing::{like_escape, ListQuery};
use crate::domain::support::{CustomerFilters, CustomerInput, RecordRef};
use crate::platform::d1::{int, opt_int, opt_text, text};
use worker::{D1PreparedStatement, Env};

pub const SORTABLE: [&str; 5] = ["id", "name", "email", "created_at", "updated_at"];
pub const FROM: &str = "customers cu";
pub const ALIAS: &str = "cu";

/// The API object of customer `cu`.
pub const CUSTOMER_JSON: &str = "json_object( \
 'id', cu.id, 'external_id', cu.external_id, 'name', cu.name, 'email', cu.email, 'phone', cu.phone, \
 'traits', json(cu.traits), 'tags', json(cu.tags), \
 'company', (SELECT json_object('id', co.id, 'external_id', co.external_id, 'name', co.name) \
   FROM companies co WHERE co.workspace_id = cu.workspace_id AND co.id = cu.company_id), \
 'created_at', cu.created_at, 'updated_at', cu.updated_at)";

/// The customer's table, alias and object, for `page::emit`.
pub const EVENT_ROW: (&str, &str, &str) = ("customers", ALIAS, CUSTOMER_JSON);

/// Column assignments; `company` is the resolved company id (`Some(None)`: no company).
fn assignments(input: &CustomerInput, company: Option<Option<i64>>, inserting: bool) -> Vec<Assign> {
    let mut out = Vec::new();
    if let Some(v) = &input.external_id {
        out.push(set("external_id", opt_text(v.as_deref())));
    }
    for (col, v) in [("name", &input.name), ("email", &input.email), ("phone", &input.phone)] {
        if let Some(v) = v {
            out.push(set(col, opt_text(v.as_deref())));
        }
    }
    if let Some(v) = &input.traits {
        out.push(traits_assign(v, inserting));
    }
    if let Some(v) = &input.tags {
        out.push(set("tags", text(&tags_json(v))));
    }
    if let Some(c) = company {
        out.push(set("company_id", opt_int(c)));
    }
    out
}

pub fn insert(
    env: &Env,
    ws: i64,
    input: &CustomerInput,
    company: Option<Option<i64>>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    page::insert(env, "customers", ws, now, assignments(input, company, true))
}

pub fn update(
    env: &Env,
    ws: i64,
    id: i64,
    input: &CustomerInput,
    company: Option<Option<i64>>,
    now: &str,
) -> worker::Result<D1PreparedStatement> {
    page::update(env, "customers", ws, id, now, assignments(input, company, false))
}

pub fn select_last_inserted(env: &Env) -> worker::Result<D1PreparedStatement> {
    Ok(crate::platform::d1::db(env)?
        .prepare(format!("SELECT {CUSTOMER_JSON} AS item FROM {FROM} WHERE cu.id = last_insert_rowid()")))
}

pub fn select(env: &Env, ws: i64, id: i64) -> worker::Result<D1PreparedStatement> {
    page::select(env, CUSTOMER_JSON, FROM, ALIAS, ws, id)
}

/// Deletes row `id` of the workspace, `RETURNING id` (no row: nothing went).
pub fn delete_statement(env: &Env, ws: i64, id: i64) -> worker::Result<D1PreparedStatement> {
    page::delete_statement(env, "customers", ws, id)
}

pub async fn get(env: &Env, ws: i64, id: i64) -> worker::Result<Option<String>> {
    page::get(env, CUSTOMER_JSON, FROM, ALIAS, ws, id).await
}

/// The id of the workspace's customer with this id or external id.
pub async fn resolve(env: &Env, ws: i64, r: &RecordRef) -> worker::Result<Option<i64>> {
    match r {
        RecordRef::Id(id) => page::find_id(env, "customers", ws, "id = ?", int(*id)).await,
        RecordRef::ExternalId(e) => find_by_external_id(env, ws, e).await,
    }
}

pub async fn find_by_external_id(env: &Env, ws: i64, external_id: &str) -> worker::Result<Option<i64>> {
    page::find_id(env, "customers", ws, "external_id = ?", text(external_id)).await
}

/// Customers of the workspace; `company` restricts to one company (its sub-collection).
pub async fn list(env: &Env, ws: i64, q: &ListQuery, filters: &CustomerFilters) -> worker::Result<(Vec<String>, i64)> {
    let mut f = Filter::new(ALIAS, ws);
    if let Some(term) = &q.q {
        let term = like_escape(term);
        if q.autocomplete {
            f.and(
                "cu.name LIKE ? ESCAPE '\\' OR cu.name LIKE ? ESCAPE '\\' OR cu.email LIKE ? ESCAPE '\\'",
                vec![text(&format!("{term}%")), text(&format!("% {term}%")), text(&format!("{term}%"))],
            );
        } else {
            let any = text(&format!("%{term}%"));
            f.and("cu.name LIKE ? ESCAPE '\\' OR cu.email LIKE ? ESCAPE '\\'", vec![any.clone(), any]);
        }
    }
    if let Some(tag) = &q.tag {
        f.and(
            "cu.id IN (SELECT customer_id FROM customer_tags WHERE workspace_id = ? AND tag = ?)",
            vec![int(ws), text(tag)],
        );
    }
    if let Some(c) = filters.company {
        f.and("cu.company_id = ?", vec![int(c)]);
    }
    if let Some(e) = &filters.email {
        f.and("cu.email = ?", vec![text(e)]);
    }
    if let Some(e) = &filters.external_id {
        f.and("cu.external_id = ?", vec![text(e)]);
    }
    page::list(env, CUSTOMER_JSON, FROM, ALIAS, f, q).await
}
