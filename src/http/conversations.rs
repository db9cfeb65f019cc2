//! `/v1/conversations`: create (with an optional first message and assignee), get, PATCH,
//! list, delete; the lifecycle (`open`, `pending`, `snooze`, `close`); assignment; messages
//! and internal notes.

use super::error::{ApiError, ApiResult};
use super::records::{listing, path_id, write_emitting, write_emitting_checked, written};
use super::Reply;
use super::{body, no_content, raw_json, Ctx};
use crate::domain::quota::Resource;
use crate::domain::support::{self, Assignment, ConversationCreate, MessageInput, PartyRef, Sender};
use crate::domain::{listing as list_params, time};
use crate::platform::now_ms;
use crate::store::conversations::{self as store, ConvRef, NewConversation};
use crate::store::events::{Emitted, Previous};
use crate::store::quotas::Check;
use crate::store::{customers, page};

fn not_found() -> ApiError {
    ApiError::NotFound("Conversation not found.".into())
}

fn invalid_assignee(msg: impl Into<String>) -> ApiError {
    ApiError::Standard(400, "INVALID_ASSIGNEE", msg.into(), None)
}

fn invalid_assignee_type(msg: impl Into<String>) -> ApiError {
    ApiError::Standard(400, "INVALID_ASSIGNEE_TYPE", msg.into(), None)
}

fn invalid_sender(msg: impl Into<String>) -> ApiError {
    ApiError::Standard(400, "INVALID_SENDER", msg.into(), None)
}

/// The conversation in the path, or 404.
async fn conversation(cx: &Ctx, ws: i64) -> ApiResult<ConvRef> {
    let id = path_id(cx, "id", not_found)?;
    store::find(&cx.env, ws, id).await?.ok_or_else(not_found)
}

pub async fn list(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let q = list_params::parse(cx.query(), &store::SORTABLE)?;
    let filters = support::conversation_filters(&q.params)?;
    let (items, count) = store::list(&cx.env, ws, &q, &filters).await?;
    listing(items, count, &q)
}

/// The assignee of an assignment for a conversation in `status` on `channel`: the type
/// rules first (400 INVALID_ASSIGNEE_TYPE), then the assignee itself (400
/// INVALID_ASSIGNEE: missing, trashed, or in another workspace).
async fn resolve_assignee<'a>(
    cx: &Ctx,
    ws: i64,
    a: &'a Assignment,
    status: &str,
    channel: &str,
) -> ApiResult<Option<(&'a str, i64)>> {
    let Assignment::To { kind, id } = a else { return Ok(None) };
    if let Some(problem) = support::assignee_type_problem(kind, status, channel) {
        return Err(invalid_assignee_type(problem));
    }
    match store::resolve_party(&cx.env, ws, kind, id).await? {
        Some(found) => Ok(Some((kind.as_str(), found))),
        None => Err(invalid_assignee(format!(
            "The assignee does not exist in this workspace{}.",
            if kind == "agent" { " (or the agent is trashed)" } else { "" }
        ))),
    }
}

/// The sender of a message to a conversation of `customer_id`: a customer must be that
/// customer; an agent must exist and not be trashed; a member must exist.
async fn resolve_sender(cx: &Ctx, ws: i64, s: &Sender, customer_id: i64) -> ApiResult<(String, i64)> {
    match store::resolve_party(&cx.env, ws, &s.kind, &s.id).await? {
        Some(id) if s.kind != "customer" || id == customer_id => Ok((s.kind.clone(), id)),
        Some(_) => Err(invalid_sender("A customer can only write in their own conversations.")),
        None => Err(invalid_sender(format!("The {} sender does not exist in this workspace.", s.kind))),
    }
}

pub async fn create(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let input: ConversationCreate = support::conversation_create(&map)?;
    let customer_id = customers::resolve(&cx.env, ws, &input.customer)
        .await?
        .ok_or_else(|| ApiError::validation("customer", "The selected customer is invalid."))?;
    let assignee = match &input.assignment {
        Some(a) => resolve_assignee(cx, ws, a, "open", &input.channel).await?,
        None => None,
    };
    let first = match &input.message {
        Some(MessageInput { body, sender: Some(s) }) => {
            let (kind, id) = resolve_sender(cx, ws, s, customer_id).await?;
            Some((kind, id, body.as_str()))
        }
        Some(MessageInput { body, sender: None }) => Some(("customer".to_string(), customer_id, body.as_str())),
        None => None,
    };
    let now = time::format_millis(now_ms());
    let new = NewConversation {
        customer_id,
        subject: input.subject.as_deref(),
        priority: &input.priority,
        channel: &input.channel,
        tags: &input.tags,
        assignee,
        first: first.as_ref().map(|(k, id, b)| (k.as_str(), *id, *b)),
    };
    let stmts = store::create(&cx.env, ws, &new, &now)?;
    let last = stmts.len() - 1;
    let mut events =
        vec![page::emit(&cx.env, ws, "conversation.created", "conversation", store::EVENT_ROW, None, Previous::None)?];
    if new.first.is_some() {
        events.push(page::emit(
            &cx.env,
            ws,
            "message.created",
            "message",
            store::MESSAGE_EVENT_ROW,
            None,
            Previous::None,
        )?);
    }
    // A first message cannot pass messages_per_conversation: every limit is at least 1.
    let checks = [Check::workspace(Resource::Conversations)];
    raw_json(201, written(write_emitting_checked(cx, stmts, last, &[], events, &checks).await?)?)
}

pub async fn get(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let id = path_id(cx, "id", not_found)?;
    raw_json(200, store::get(&cx.env, ws, id).await?.ok_or_else(not_found)?)
}

pub async fn update(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let input = support::conversation_update(&map)?;
    let id = path_id(cx, "id", not_found)?;
    let before = store::get(&cx.env, ws, id).await?.ok_or_else(not_found)?;
    let now = time::format_millis(now_ms());
    let stmts = vec![store::update(&cx.env, ws, id, &input, &now)?, store::select(&cx.env, ws, id)?];
    let ev = conversation_event(cx, ws, "conversation.updated", id, &before)?;
    raw_json(200, write_emitting(cx, stmts, 1, &[], vec![ev]).await?.ok_or_else(not_found)?)
}

pub async fn delete(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let id = path_id(cx, "id", not_found)?;
    if !store::delete(&cx.env, ws, id).await? {
        return Err(not_found());
    }
    no_content()
}

/// Moves the conversation to `status` (with `snoozed_until` for snoozed) and answers it.
async fn change_status(cx: &Ctx, ws: i64, c: &ConvRef, status: &str, until: Option<&str>) -> ApiResult<Reply> {
    let before = store::get(&cx.env, ws, c.id).await?.ok_or_else(not_found)?;
    let now = time::format_millis(now_ms());
    let stmts = vec![store::set_status(&cx.env, ws, c, status, until, &now)?, store::select(&cx.env, ws, c.id)?];
    // A new status is `status_changed`; the same one (a snooze moved) an update.
    let kind = if c.status != status { "conversation.status_changed" } else { "conversation.updated" };
    let ev = conversation_event(cx, ws, kind, c.id, &before)?;
    raw_json(200, write_emitting(cx, stmts, 1, &[], vec![ev]).await?.ok_or_else(not_found)?)
}

/// A conversation event whose object is the conversation as the batch leaves it and whose
/// `previous` holds the fields that changed from `before`.
fn conversation_event(cx: &Ctx, ws: i64, kind: &str, id: i64, before: &str) -> ApiResult<Emitted> {
    Ok(page::emit(&cx.env, ws, kind, "conversation", store::EVENT_ROW, Some(id), Previous::DiffFrom(before))?)
}

/// POST /v1/conversations/{id}/open, /pending, /close: the status, stamped when it changes.
pub async fn open(cx: &mut Ctx) -> ApiResult<Reply> {
    set_status(cx, "open").await
}

pub async fn pending(cx: &mut Ctx) -> ApiResult<Reply> {
    set_status(cx, "pending").await
}

pub async fn close(cx: &mut Ctx) -> ApiResult<Reply> {
    set_status(cx, "closed").await
}

async fn set_status(cx: &mut Ctx, status: &'static str) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let c = conversation(cx, ws).await?;
    change_status(cx, ws, &c, status, None).await
}

/// POST /v1/conversations/{id}/snooze `{snoozed_until}`.
pub async fn snooze(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let until = support::snooze_input(&map, now_ms())?;
    let c = conversation(cx, ws).await?;
    change_status(cx, ws, &c, "snoozed", Some(&until)).await
}

/// POST /v1/conversations/{id}/assign `{assignee_type, assignee_id}`.
pub async fn assign(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let a = support::assign_input(&map)?;
    let c = conversation(cx, ws).await?;
    let assignee = resolve_assignee(cx, ws, &a, &c.status, &c.channel).await?;
    let before = store::get(&cx.env, ws, c.id).await?.ok_or_else(not_found)?;
    let now = time::format_millis(now_ms());
    let stmts = vec![store::assign(&cx.env, ws, &c, assignee, &now)?, store::select(&cx.env, ws, c.id)?];
    let ev = conversation_event(cx, ws, "conversation.assigned", c.id, &before)?;
    raw_json(200, write_emitting(cx, stmts, 1, &[], vec![ev]).await?.ok_or_else(not_found)?)
}

/// GET /v1/conversations/{id}/messages or /notes (`kind` = message or note).
pub async fn list_messages(cx: &mut Ctx) -> ApiResult<Reply> {
    list_kind(cx, "message").await
}

pub async fn list_notes(cx: &mut Ctx) -> ApiResult<Reply> {
    list_kind(cx, "note").await
}

async fn list_kind(cx: &mut Ctx, kind: &'static str) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let q = list_params::parse(cx.query(), &store::MESSAGE_SORTABLE)?;
    let c = conversation(cx, ws).await?;
    let (items, count) = store::list_messages(&cx.env, ws, c.id, kind, &q).await?;
    listing(items, count, &q)
}

pub async fn add_message(cx: &mut Ctx) -> ApiResult<Reply> {
    add_kind(cx, "message").await
}

pub async fn add_note(cx: &mut Ctx) -> ApiResult<Reply> {
    add_kind(cx, "note").await
}

/// POST /v1/conversations/{id}/messages or /notes: the message and the conversation's
/// update in one batch.
async fn add_kind(cx: &mut Ctx, kind: &'static str) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let input = support::message_input(&map, kind == "note")?;
    let c = conversation(cx, ws).await?;
    let sender = input.sender.clone().unwrap_or(Sender { kind: "customer".into(), id: PartyRef::Id(c.customer_id) });
    let (sender_type, sender_id) = resolve_sender(cx, ws, &sender, c.customer_id).await?;
    // A customer's message re-opens a snoozed or closed conversation: its status event too.
    let reopens = kind == "message" && sender_type == "customer" && (c.status == "snoozed" || c.status == "closed");
    let before = if reopens { store::get(&cx.env, ws, c.id).await? } else { None };
    let now = time::format_millis(now_ms());
    let stmts = store::add_message(&cx.env, ws, &c, kind, (&sender_type, sender_id), &input.body, &now)?;
    let event_type = if kind == "note" { "note.created" } else { "message.created" };
    let mut events = vec![page::emit(&cx.env, ws, event_type, kind, store::MESSAGE_EVENT_ROW, None, Previous::None)?];
    if let Some(before) = &before {
        events.push(conversation_event(cx, ws, "conversation.status_changed", c.id, before)?);
    }
    raw_json(201, written(write_emitting_checked(cx, stmts, 1, &[], events, &[Check::messages(c.id)]).await?)?)
}
