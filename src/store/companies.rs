//! Companies in D1. Responses are built by SQLite (`COMPANY_JSON`).

use super::page::{self, set, tags_json, traits_assign, Assign, Filter};
use crate::domain::listing::{like_escape, ListQuery};
use crate::domain::support::{CompanyInput, RecordRef};
use crate::platform::d1::{int, opt_text, text};
use worker::{D1PreparedStatement, Env};

pub const SORTABLE: [&str; 5] = ["id", "name", "domain", "created_at", "updated_at"];
pub const FROM: &str = "companies co";
pub const ALIAS: &str = "co";

/// The API object of company `co`.
pub const COMPANY_JSON: &str = "json_object( \
 'id', co.id, 'external_id', co.external_id, 'name', co.name, 'domain', co.domain, \
 'traits', json(co.traits), 'tags', json(co.tags), \
 'customer_count', (SELECT COUNT(*) FROM customers cc WHERE cc.workspace_id = co.workspace_id AND cc.company_id = co.id), \
 'created_at', co.created_at, 'updated_at', co.updated_at)";

/// The company's table, alias and object, for `page::emit`.
pub const EVENT_ROW: (&str, &str, &str) = ("companies", ALIAS, COMPANY_JSON);

fn assignments(input: &CompanyInput, inserting: bool) -> Vec<Assign> {
    let mut out = Vec::new();
    if let Some(v) = &input.external_id {
        out.push(set("external_id", opt_text(v.as_deref())));
    }
    if let Some(v) = &input.name {
        out.push(set("name", text(v)));
    }
    if let Some(v) = &input.domain {
        out.push(set("domain", opt_text(v.as_deref())));
    }
    if let Some(v) = &input.traits {
        out.push(traits_assign(v, inserting));
    }
    if let Some(v) = &input.tags {
        out.push(set("tags", text(&tags_json(v))));
    }
    out
}

pub fn insert(env: &Env, ws: i64, input: &CompanyInput, now: &str) -> worker::Result<D1PreparedStatement> {
    page::insert(env, "companies", ws, now, assignments(input, true))
}

pub fn update(env: &Env, ws: i64, id: i64, input: &CompanyInput, now: &str) -> worker::Result<D1PreparedStatement> {
    page::update(env, "companies", ws, id, now, assignments(input, false))
}

/// The statement that reads back the company just inserted.
pub fn select_last_inserted(env: &Env) -> worker::Result<D1PreparedStatement> {
    Ok(crate::platform::d1::db(env)?
        .prepare(format!("SELECT {COMPANY_JSON} AS item FROM {FROM} WHERE co.id = last_insert_rowid()")))
}

pub fn select(env: &Env, ws: i64, id: i64) -> worker::Result<D1PreparedStatement> {
    page::select(env, COMPANY_JSON, FROM, ALIAS, ws, id)
}

/// Deletes row `id` of the workspace, `RETURNING id` (no row: nothing went).
pub fn delete_statement(env: &Env, ws: i64, id: i64) -> worker::Result<D1PreparedStatement> {
    page::delete_statement(env, "companies", ws, id)
}

pub async fn get(env: &Env, ws: i64, id: i64) -> worker::Result<Option<String>> {
    page::get(env, COMPANY_JSON, FROM, ALIAS, ws, id).await
}

/// The id of the workspace's company with this id or external id.
pub async fn resolve(env: &Env, ws: i64, r: &RecordRef) -> worker::Result<Option<i64>> {
    match r {
        RecordRef::Id(id) => find_by_id(env, ws, *id).await,
        RecordRef::ExternalId(e) => find_by_external_id(env, ws, e).await,
    }
}

/// `id` when the workspace has that company.
pub async fn find_by_id(env: &Env, ws: i64, id: i64) -> worker::Result<Option<i64>> {
    page::find_id(env, "companies", ws, "id = ?", int(id)).await
}

pub async fn find_by_external_id(env: &Env, ws: i64, external_id: &str) -> worker::Result<Option<i64>> {
    page::find_id(env, "companies", ws, "external_id = ?", text(external_id)).await
}

pub async fn list(env: &Env, ws: i64, q: &ListQuery) -> worker::Result<(Vec<String>, i64)> {
    let mut f = Filter::new(ALIAS, ws);
    if let Some(term) = &q.q {
        let term = like_escape(term);
        if q.autocomplete {
            f.and(
                "co.name LIKE ? ESCAPE '\\' OR co.name LIKE ? ESCAPE '\\' OR co.domain LIKE ? ESCAPE '\\'",
                vec![text(&format!("{term}%")), text(&format!("% {term}%")), text(&format!("{term}%"))],
            );
        } else {
            let any = text(&format!("%{term}%"));
            f.and("co.name LIKE ? ESCAPE '\\' OR co.domain LIKE ? ESCAPE '\\'", vec![any.clone(), any]);
        }
    }
    if let Some(tag) = &q.tag {
        f.and(
            "co.id IN (SELECT company_id FROM company_tags WHERE workspace_id = ? AND tag = ?)",
            vec![int(ws), text(tag)],
        );
    }
    if let Some(d) = q.params.get("domain").map(|d| d.trim().to_ascii_lowercase()).filter(|d| !d.is_empty()) {
        f.and("co.domain = ?", vec![text(&d)]);
    }
    if let Some(e) = q.params.get("external_id").map(|d| d.trim().to_string()).filter(|d| !d.is_empty()) {
        f.and("co.external_id = ?", vec![text(&e)]);
    }
    page::list(env, COMPANY_JSON, FROM, ALIAS, f, q).await
}
