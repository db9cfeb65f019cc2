//! The audit log on the request path: every write through `/v1` and `/admin/v1` leaves
//! one entry saying who (token or operator), what (`op.audit`, e.g. `agent.updated`), on
//! which target, from where (request id, idempotency key, IP, user agent) and which
//! fields the request set (names only, never values).
//!
//! `serve` opens the entry (`Pending`) before the handler runs. A handler whose change
//! is a D1 batch takes the entry's insert into that batch (`Ctx::audit_into`), so the
//! change and its entry commit together; whatever a handler did not take is written
//! right after a successful answer (KV, Durable Object and queue changes, calls out), by
//! `finish`. An error answer writes nothing; an idempotent replay runs no handler, so no
//! entry either. Refused requests of a known token are recorded by `refused`, at most one
//! per token every `REFUSED_EVERY_MS`.

use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use super::{raw_json, Ctx, Inbound, Reply};
use crate::domain::audit::{self as rules, RefusalThrottle};
use crate::platform::{new_id, now_ms};
use crate::store::audit::{self as store, Entry};
use std::cell::{Cell, RefCell};
use worker::{D1PreparedStatement, Env};

/// Who made a change.
#[derive(Debug, Clone)]
pub enum Actor {
    Token {
        id: i64,
    },
    OperatorKey {
        id: String,
        name: String,
    },
    AdminToken,
    /// A page opening a session with a publishable widget key.
    WidgetKey {
        id: i64,
    },
    /// An end user's widget session.
    WidgetSession {
        id: String,
    },
}

impl Actor {
    fn parts(&self) -> (&'static str, Option<String>, Option<&str>) {
        match self {
            Actor::Token { id } => ("token", Some(id.to_string()), None),
            Actor::OperatorKey { id, name } => ("operator_key", Some(id.clone()), Some(name.as_str())),
            Actor::AdminToken => ("admin_token", None, None),
            Actor::WidgetKey { id } => ("widget_key", Some(id.to_string()), None),
            Actor::WidgetSession { id } => ("widget_session", Some(id.clone()), None),
        }
    }
}

/// Where a batch's entry finds its target's id (when the handler named none).
#[derive(Clone, Copy)]
pub enum Target<'a> {
    /// The path's last id.
    Path,
    /// The resource of this event of the same batch; if the event's row is not written
    /// (the change found nothing), neither is the entry.
    Event(&'a str),
    /// The row the batch's last insert made (a create without an event).
    Inserted,
    /// The path's last id, written only if the batch's last write changed a row (an
    /// update of an id that is not there writes nothing).
    PathIfChanged,
}

/// An entry the request will write once its change is made.
pub struct Pending {
    action: &'static str,
    workspace_id: Option<i64>,
    actor: Actor,
    target_id: Option<String>,
    path_target: Option<String>,
    changes: Vec<String>,
    /// Taken into a batch already: `finish` writes nothing more. A cell, so that the
    /// write helpers, which hold the context shared, can take it.
    taken: Cell<bool>,
}

impl Pending {
    pub fn new(action: &'static str, workspace_id: Option<i64>, actor: Actor, path_target: Option<String>) -> Self {
        Pending {
            action,
            workspace_id,
            actor,
            target_id: None,
            path_target,
            changes: Vec::new(),
            taken: Cell::new(false),
        }
    }
}

impl Pending {
    /// The same entry under another action: a route whose operations differ by body (the
    /// MCP endpoint's `tools/call`) names the action it ran.
    pub fn with_action(mut self, action: &'static str) -> Pending {
        self.action = action;
        self
    }
}

impl Ctx {
    /// Names the entry's target when the path does not (a create's new id).
    pub fn audit_target(&mut self, id: impl Into<String>) {
        if let Some(p) = self.audit.as_mut() {
            p.target_id = Some(id.into());
        }
    }

    /// The workspace an operator's create made (the entry then belongs to it).
    pub fn audit_workspace(&mut self, id: i64) {
        if let Some(p) = self.audit.as_mut() {
            p.workspace_id = Some(id);
        }
    }

    /// The fields the request set (the body's top-level names).
    pub fn audit_changes<'a>(&mut self, keys: impl Iterator<Item = &'a String>) {
        if let Some(p) = self.audit.as_mut() {
            p.changes = rules::changed_fields(keys);
        }
    }

    /// The entry's insert, for a write that builds its batch elsewhere (a store
    /// function); `None` on routes without an entry. Once taken, `finish` writes nothing.
    pub fn audit_statement(&self, target: Target) -> ApiResult<Option<D1PreparedStatement>> {
        let Some(p) = self.audit.as_ref() else { return Ok(None) };
        let stmt = statement(&self.env, &self.req, &self.request_id, p, target, None)?;
        p.taken.set(true);
        Ok(Some(stmt))
    }

    /// Appends the entry's insert to a write's batch: it commits with the change or not
    /// at all. Nothing is appended on routes without an entry.
    pub fn audit_into(&self, batch: &mut Vec<D1PreparedStatement>, target: Target) -> ApiResult<()> {
        let Some(p) = self.audit.as_ref() else { return Ok(()) };
        batch.push(statement(&self.env, &self.req, &self.request_id, p, target, None)?);
        p.taken.set(true);
        Ok(())
    }
}

fn header(req: &Inbound, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten().map(|v| rules::clip(&v))
}

/// The insert of the pending entry, or of a refusal with its `status` (its target is
/// the request itself: method and path).
fn statement(
    env: &Env,
    req: &Inbound,
    request_id: &str,
    p: &Pending,
    target: Target,
    refusal: Option<u16>,
) -> ApiResult<D1PreparedStatement> {
    let id = new_id("aud_")?;
    let (actor_type, actor_id, actor_name) = p.actor.parts();
    let changes = serde_json::to_string(&p.changes).unwrap_or_else(|_| "[]".into());
    let idempotency_key = header(req, "Idempotency-Key");
    let ip = header(req, "CF-Connecting-IP");
    let user_agent = header(req, "User-Agent");
    let path_target = match refusal {
        Some(_) => Some(format!("{} {}", req.method().name(), req.path())),
        None => p.path_target.clone(),
    };
    let entry = Entry {
        id: &id,
        workspace_id: p.workspace_id,
        now_ms: now_ms(),
        actor_type,
        actor_id: actor_id.as_deref(),
        actor_name,
        action: p.action,
        target_type: rules::target_type(p.action),
        target_id: p.target_id.as_deref(),
        path_target: path_target.as_deref(),
        event_id: match target {
            Target::Event(e) => Some(e),
            _ => None,
        },
        last_insert: matches!(target, Target::Inserted),
        if_changed: matches!(target, Target::PathIfChanged),
        request_id,
        idempotency_key: idempotency_key.as_deref(),
        ip: ip.as_deref(),
        user_agent: user_agent.as_deref(),
        changes: &changes,
        status: refusal.map(i64::from),
    };
    Ok(match refusal {
        Some(_) => store::insert_refusal(env, &entry)?,
        None => store::insert(env, &entry)?,
    })
}

/// After the handler: writes the entry it did not take into its batch, if it answered
/// with success. A failure here is logged, not answered: the change is made already.
pub async fn finish(cx: &Ctx, status: u16) {
    let Some(p) = cx.audit.as_ref() else { return };
    if p.taken.get() || !(200..300).contains(&status) {
        return;
    }
    p.taken.set(true);
    let written = match statement(&cx.env, &cx.req, &cx.request_id, p, Target::Path, None) {
        Ok(stmt) => stmt.run().await.map(|_| ()).map_err(|e| crate::platform::d1::error_text(&e)),
        Err(e) => Err(format!("{e:?}")),
    };
    if let Err(e) = written {
        worker::console_error!("audit: the entry of {} could not be written: {e}", cx.request_id);
    }
}

thread_local! {
    static REFUSALS: RefCell<RefusalThrottle> = RefCell::new(RefusalThrottle::default());
}

/// Records a refused request (401 or 403) of a known token: at most one entry per token
/// every `REFUSED_EVERY_MS`, across isolates by the insert's own guard, and within this
/// isolate without a D1 write at all.
pub async fn refused(env: &Env, req: &Inbound, request_id: &str, who: &Caller, status: u16) {
    if !REFUSALS.with(|t| t.borrow_mut().admit(who.token_id, now_ms())) {
        return;
    }
    let p = Pending::new(rules::REFUSED, Some(who.workspace_id), Actor::Token { id: who.token_id }, None);
    let result = match statement(env, req, request_id, &p, Target::Path, Some(status)) {
        Ok(s) => s.run().await.map(|_| ()).map_err(|e| crate::platform::d1::error_text(&e)),
        Err(e) => Err(format!("{e:?}")),
    };
    if let Err(e) = result {
        worker::console_error!("audit: a refusal could not be recorded: {e}");
    }
}

/// `GET /v1/audit-logs`: the workspace's entries, newest first.
pub async fn list(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    list_in(cx, Some(ws)).await
}

/// `GET /admin/v1/audit-logs`: every workspace's entries (and the operators' own), or one
/// workspace's with `workspace_id`.
pub async fn list_all(cx: &mut Ctx) -> ApiResult<Reply> {
    list_in(cx, None).await
}

async fn list_in(cx: &mut Ctx, workspace: Option<i64>) -> ApiResult<Reply> {
    let q = rules::parse(cx.query(), workspace.is_none()).map_err(ApiError::Validation)?;
    match store::list(&cx.env, workspace, &q).await? {
        Some(page) => raw_json(200, page.body),
        None => {
            let field = match q.cursor {
                rules::Cursor::EndingBefore(_) => "ending_before",
                _ => "starting_after",
            };
            Err(ApiError::validation(field, "No audit log entry has this id."))
        }
    }
}
