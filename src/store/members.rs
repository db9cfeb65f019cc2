//! Members (the workspace's human support staff) in D1.

use super::page::{self, set, Assign, Filter};
use crate::domain::listing::{like_escape, ListQuery};
use crate::domain::support::MemberInput;
use crate::platform::d1::text;
use worker::{D1PreparedStatement, Env};

pub const SORTABLE: [&str; 6] = ["id", "name", "email", "role", "created_at", "updated_at"];
pub const FROM: &str = "members me";
pub const ALIAS: &str = "me";

pub const MEMBER_JSON: &str = "json_object( \
 'id', me.id, 'name', me.name, 'email', me.email, 'role', me.role, \
 'open_conversation_count', (SELECT COUNT(*) FROM conversations cv WHERE cv.workspace_id = me.workspace_id \
   AND cv.assignee_type = 'member' AND cv.assignee_id = me.id AND cv.status = 'open'), \
 'created_at', me.created_at, 'updated_at', me.updated_at)";

fn assignments(input: &MemberInput) -> Vec<Assign> {
    let mut out = Vec::new();
    for (col, v) in [("name", &input.name), ("email", &input.email), ("role", &input.role)] {
        if let Some(v) = v {
            out.push(set(col, text(v)));
        }
    }
    out
}

pub fn insert(env: &Env, ws: i64, input: &MemberInput, now: &str) -> worker::Result<D1PreparedStatement> {
    page::insert(env, "members", ws, now, assignments(input))
}

pub fn update(env: &Env, ws: i64, id: i64, input: &MemberInput, now: &str) -> worker::Result<D1PreparedStatement> {
    page::update(env, "members", ws, id, now, assignments(input))
}

pub fn select_last_inserted(env: &Env) -> worker::Result<D1PreparedStatement> {
    Ok(crate::platform::d1::db(env)?
        .prepare(format!("SELECT {MEMBER_JSON} AS item FROM {FROM} WHERE me.id = last_insert_rowid()")))
}

pub fn select(env: &Env, ws: i64, id: i64) -> worker::Result<D1PreparedStatement> {
    page::select(env, MEMBER_JSON, FROM, ALIAS, ws, id)
}

pub async fn get(env: &Env, ws: i64, id: i64) -> worker::Result<Option<String>> {
    page::get(env, MEMBER_JSON, FROM, ALIAS, ws, id).await
}

pub async fn list(
    env: &Env,
    ws: i64,
    q: &ListQuery,
    roles: &Option<Vec<String>>,
) -> worker::Result<(Vec<String>, i64)> {
    let mut f = Filter::new(ALIAS, ws);
    if let Some(term) = &q.q {
        let term = like_escape(term);
        if q.autocomplete {
            f.and(
                "me.name LIKE ? ESCAPE '\\' OR me.name LIKE ? ESCAPE '\\' OR me.email LIKE ? ESCAPE '\\'",
                vec![text(&format!("{term}%")), text(&format!("% {term}%")), text(&format!("{term}%"))],
            );
        } else {
            let any = text(&format!("%{term}%"));
            f.and("me.name LIKE ? ESCAPE '\\' OR me.email LIKE ? ESCAPE '\\'", vec![any.clone(), any]);
        }
    }
    if let Some(roles) = roles {
        f.any_of("me.role", roles);
    }
    page::list(env, MEMBER_JSON, FROM, ALIAS, f, q).await
}

/// Deletes row `id` of the workspace; whether there was one.
pub async fn delete(env: &Env, ws: i64, id: i64) -> worker::Result<bool> {
    page::delete(env, "members", ws, id).await
}
