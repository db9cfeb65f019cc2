//! Support data: what a write of a company, customer, member, conversation,
//! message or note may contain, the listing filters of each, and the assignment rules.
//! Pure functions, checked field by field into the 422 shape.

use super::time;
use super::validate::{Errors, Input};
use serde_json::{Map, Value};
use std::collections::HashMap;

pub const ROLES: [&str; 2] = ["admin", "agent"];
pub const STATUSES: [&str; 4] = ["open", "pending", "snoozed", "closed"];
pub const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];
pub const CHANNELS: [&str; 5] = ["api", "chat", "email", "phone", "sms"];
pub const ASSIGNEE_TYPES: [&str; 2] = ["agent", "member"];
pub const SENDER_TYPES: [&str; 3] = ["customer", "agent", "member"];
pub const NOTE_SENDER_TYPES: [&str; 2] = ["member", "agent"];
/// Longest message or note body, in characters.
pub const MAX_BODY: usize = 65_536;
const MAX_TRAITS_BYTES: usize = 65_536;

/// An `{id}` path segment: 1–15 digits, positive. Anything else names nothing (404).
/// The largest id a path or filter takes: 15 digits (`parse_id`).
pub const MAX_ID: i64 = 999_999_999_999_999;

pub fn parse_id(raw: &str) -> Option<i64> {
    if raw.is_empty() || raw.len() > 15 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse().ok().filter(|n| *n > 0)
}

/// An e-mail address: `local@domain.tld`, no white space, at most 254 characters.
pub fn email_problem(s: &str) -> Option<&'static str> {
    let bad = Some("The email must be a valid email address.");
    if s.chars().count() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad;
    }
    let Some((local, domain)) = s.rsplit_once('@') else { return bad };
    // The local part: printable ASCII without `@`, as the document's pattern says.
    let local_ok = local.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'@');
    if local.is_empty() || local.len() > 64 || !local_ok || domain_problem(domain).is_some() {
        return bad;
    }
    None
}

/// A host name such as `acme.com`: dot-separated labels of letters, digits and hyphens
/// (not at either end), at least two labels, at most 253 characters; no scheme or path.
pub fn domain_problem(s: &str) -> Option<&'static str> {
    let bad = Some("The domain must be a host name such as acme.com.");
    if s.is_empty() || s.len() > 253 || !s.contains('.') {
        return bad;
    }
    for label in s.split('.') {
        if label.is_empty()
            || label.len() > 63
            || label.starts_with('-')
            || label.ends_with('-')
            || !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return bad;
        }
    }
    if s.rsplit('.').next().is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit())) {
        return bad;
    }
    None
}

/// A phone number: digits with optional `+`, spaces, dots, dashes and parentheses; 3–20
/// digits, at most 50 characters.
pub fn phone_problem(s: &str) -> Option<&'static str> {
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    let allowed = s.bytes().all(|b| b.is_ascii_digit() || b" +-().".contains(&b));
    if s.len() > 50 || !allowed || !(3..=20).contains(&digits) || s.rfind('+').is_some_and(|i| i > 0) {
        Some("The phone must be a phone number (digits, optionally with +, spaces, dashes, dots or parentheses).")
    } else {
        None
    }
}

/// An external id: 1–255 characters, no control characters, no leading/trailing space.
pub fn external_id_problem(s: &str) -> Option<&'static str> {
    if s.is_empty() {
        Some("The external_id field must not be empty.")
    } else if s.chars().count() > 255 {
        Some("The external_id may not be greater than 255 characters.")
    } else if s.chars().any(char::is_control) || s.trim() != s {
        Some("The external_id may not contain control characters or surrounding white space.")
    } else {
        None
    }
}

/// A reference to a company or customer in a body: its id (a number, or `{"id": n}`) or the
/// integrator's `{"external_id": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordRef {
    Id(i64),
    ExternalId(String),
}

fn record_ref(i: &mut Input, key: &str) -> Option<Option<RecordRef>> {
    let msg = format!("The {key} must be an id, or an object with an id or an external_id.");
    let positive = |v: &Value| v.as_i64().filter(|n| *n > 0);
    match i.map.get(key) {
        None => None,
        Some(Value::Null) => Some(None),
        Some(v @ Value::Number(_)) => match positive(v) {
            Some(id) => Some(Some(RecordRef::Id(id))),
            None => {
                i.errors.add(key, msg);
                None
            }
        },
        Some(Value::Object(o)) => match (o.get("id"), o.get("external_id")) {
            (Some(v), _) if positive(v).is_some() => positive(v).map(|id| Some(RecordRef::Id(id))),
            (None | Some(Value::Null), Some(Value::String(s))) if external_id_problem(s).is_none() => {
                Some(Some(RecordRef::ExternalId(s.clone())))
            }
            _ => {
                i.errors.add(key, msg);
                None
            }
        },
        Some(_) => {
            i.errors.add(key, msg);
            None
        }
    }
}

/// `tags`: an array of at most 100 non-blank strings of at most 255 characters, trimmed and
/// de-duplicated in order; `null` clears.
pub fn read_tags(i: &mut Input, key: &str) -> Option<Vec<String>> {
    match i.optional_str_array(key, 255) {
        Some(Some(tags)) if tags.len() > 100 => {
            i.errors.add(key, format!("The {key} may not have more than 100 items."));
            None
        }
        Some(Some(tags)) => {
            let mut v: Vec<String> = Vec::with_capacity(tags.len());
            for t in tags {
                let t = t.trim();
                if t.is_empty() {
                    i.errors.add(key, "A tag may not be empty.");
                    return None;
                } else if !v.iter().any(|x| x == t) {
                    v.push(t.to_string());
                }
            }
            Some(v)
        }
        Some(None) => Some(Vec::new()),
        None => None,
    }
}

/// `traits`: a JSON object of at most 64 KiB, merged into the stored one on every write
/// (RFC 7396: a key set to null is removed); `null` clears them all.
fn read_traits(i: &mut Input) -> Option<Option<String>> {
    match i.optional_object("traits") {
        Some(Some(m)) => {
            let text = serde_json::to_string(m).unwrap_or_default();
            if text.len() > MAX_TRAITS_BYTES {
                i.errors.add("traits", "The traits may not be larger than 64 KiB.");
                None
            } else {
                Some(Some(text))
            }
        }
        Some(None) => Some(None),
        None => None,
    }
}

fn read_external_id(i: &mut Input) -> Option<Option<String>> {
    match i.map.get("external_id") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) => match external_id_problem(s) {
            Some(p) => {
                i.errors.add("external_id", p);
                None
            }
            None => Some(Some(s.clone())),
        },
        // A number is refused, not coerced: the document says string, and "0" and 0
        // would otherwise be the same id to us and different ones to a typed client.
        Some(_) => {
            i.errors.add("external_id", "The external_id must be a string.");
            None
        }
    }
}

/// An optional nullable string checked by `problem` (stored trimmed; blank = null).
fn read_checked(
    i: &mut Input,
    key: &str,
    max: usize,
    problem: fn(&str) -> Option<&'static str>,
) -> Option<Option<String>> {
    match i.optional_str(key, max)? {
        None => Some(None),
        Some(s) if s.trim().is_empty() => Some(None),
        Some(s) => match problem(s.trim()) {
            Some(p) => {
                i.errors.add(key, p);
                None
            }
            None => Some(Some(s.trim().to_string())),
        },
    }
}

fn nullable_text(i: &mut Input, key: &str, max: usize) -> Option<Option<String>> {
    i.optional_str(key, max).map(|o| o.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string))
}

// ---- companies ----------------------------------------------------------------------

#[derive(Debug, Default, Clone, PartialEq)]
pub struct CompanyInput {
    pub external_id: Option<Option<String>>,
    pub name: Option<String>,
    pub domain: Option<Option<String>>,
    /// JSON text of the merge patch; `Some(None)`: clear.
    pub traits: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
}

/// A company write. `creating` makes `name` required.
pub fn company_input(map: &Map<String, Value>, creating: bool) -> Result<CompanyInput, Errors> {
    let mut i = Input::new(map);
    let mut out = CompanyInput { external_id: read_external_id(&mut i), ..Default::default() };
    if creating || map.contains_key("name") {
        out.name = i.required_str("name", 255).map(|s| s.trim().to_string());
    }
    out.domain = read_checked(&mut i, "domain", 253, domain_problem).map(|o| o.map(|d| d.to_ascii_lowercase()));
    out.traits = read_traits(&mut i);
    out.tags = read_tags(&mut i, "tags");
    i.errors.into_result().map(|_| out)
}

// ---- customers ----------------------------------------------------------------------

#[derive(Debug, Default, Clone, PartialEq)]
pub struct CustomerInput {
    pub external_id: Option<Option<String>>,
    pub name: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub traits: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub company: Option<Option<RecordRef>>,
}

/// A customer write. Every field is optional: an anonymous visitor is a customer too.
pub fn customer_input(map: &Map<String, Value>) -> Result<CustomerInput, Errors> {
    let mut i = Input::new(map);
    let out = CustomerInput {
        external_id: read_external_id(&mut i),
        name: nullable_text(&mut i, "name", 255),
        email: read_checked(&mut i, "email", 254, email_problem),
        phone: read_checked(&mut i, "phone", 50, phone_problem),
        traits: read_traits(&mut i),
        tags: read_tags(&mut i, "tags"),
        company: record_ref(&mut i, "company"),
    };
    i.errors.into_result().map(|_| out)
}

// ---- members ------------------------------------------------------------------------

#[derive(Debug, Default, Clone, PartialEq)]
pub struct MemberInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Option<String>,
}

/// A member write. `creating` makes `name` and `email` required; `role` defaults to agent.
pub fn member_input(map: &Map<String, Value>, creating: bool) -> Result<MemberInput, Errors> {
    let mut i = Input::new(map);
    let mut out = MemberInput::default();
    if creating || map.contains_key("name") {
        out.name = i.required_str("name", 255).map(|s| s.trim().to_string());
    }
    if creating || map.contains_key("email") {
        if let Some(e) = i.required_str("email", 254) {
            match email_problem(e.trim()) {
                Some(p) => i.errors.add("email", p),
                None => out.email = Some(e.trim().to_string()),
            }
        }
    }
    if map.contains_key("role") {
        match map.get("role") {
            Some(Value::String(r)) if ROLES.contains(&r.as_str()) => out.role = Some(r.clone()),
            _ => i.errors.add("role", format!("The role must be one of {}.", ROLES.join(", "))),
        }
    } else if creating {
        out.role = Some("agent".into());
    }
    i.errors.into_result().map(|_| out)
}

// ---- conversations ------------------------------------------------------------------

/// A person or agent named in a body: a JSON number is an id; a string is a key, read by
/// the type: an agent's id or uid (`AgentKey`), a member's id or email, a customer's
/// external id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartyRef {
    Id(i64),
    Key(String),
}

fn party_ref(i: &mut Input, key: &str) -> Option<PartyRef> {
    match i.map.get(key) {
        None | Some(Value::Null) => {
            i.errors.add(key, format!("The {key} field is required."));
            None
        }
        Some(Value::Number(n)) => match n.as_i64() {
            Some(id) => Some(PartyRef::Id(id)),
            None => {
                i.errors.add(key, format!("The {key} must be an integer or a string."));
                None
            }
        },
        Some(Value::String(s)) if s.trim().is_empty() || s.chars().count() > 255 => {
            i.errors.add(key, format!("The {key} must be an id or a non-empty key of at most 255 characters."));
            None
        }
        Some(Value::String(s)) => Some(PartyRef::Key(s.clone())),
        Some(_) => {
            i.errors.add(key, format!("The {key} must be an integer or a string."));
            None
        }
    }
}

/// The assignee of `POST .../assign` (and of a create): the type as given (a type outside
/// the allowed ones is a business-rule 400, INVALID_ASSIGNEE_TYPE, not a 422) and the id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignment {
    Unassign,
    To { kind: String, id: PartyRef },
}

/// Reads `assignee_type` and `assignee_id` into the collected errors. `required`: the
/// assign endpoint needs `assignee_type` (null to unassign); a create may leave it out.
fn read_assignment(i: &mut Input, required: bool) -> Option<Assignment> {
    match i.map.get("assignee_type") {
        None if !required => {
            if i.map.get("assignee_id").is_some_and(|v| !v.is_null()) {
                i.errors.add("assignee_type", "The assignee_type field is required when assignee_id is present.");
            }
            None
        }
        None => {
            i.errors.add("assignee_type", "The assignee_type field is required (null to unassign).");
            None
        }
        Some(Value::Null) => {
            if i.map.get("assignee_id").is_some_and(|v| !v.is_null()) {
                i.errors.add("assignee_id", "The assignee_id must be null when assignee_type is null.");
                return None;
            }
            Some(Assignment::Unassign)
        }
        Some(Value::String(kind)) => {
            let id = party_ref(i, "assignee_id")?;
            Some(Assignment::To { kind: kind.clone(), id })
        }
        Some(_) => {
            i.errors.add("assignee_type", "The assignee_type must be a string or null.");
            None
        }
    }
}

pub fn assign_input(map: &Map<String, Value>) -> Result<Assignment, Errors> {
    let mut i = Input::new(map);
    let a = read_assignment(&mut i, true);
    i.errors.clone().into_result()?;
    a.ok_or(i.errors)
}

/// Why `kind` may not take a conversation in this `status` on this `channel`, as the
/// message of a 400 INVALID_ASSIGNEE_TYPE; `None` when it may. The rules:
/// - the type is `agent` (an AI agent) or `member` (a person);
/// - an AI agent cannot be assigned a closed conversation (reopen it first);
/// - an AI agent cannot be assigned a `phone` conversation (a call needs a person).
pub fn assignee_type_problem(kind: &str, status: &str, channel: &str) -> Option<String> {
    if !ASSIGNEE_TYPES.contains(&kind) {
        return Some(format!("The assignee_type must be one of {} (or null to unassign).", ASSIGNEE_TYPES.join(", ")));
    }
    if kind == "agent" && status == "closed" {
        return Some("An AI agent cannot be assigned a closed conversation; reopen it first.".into());
    }
    if kind == "agent" && channel == "phone" {
        return Some("An AI agent cannot be assigned a phone conversation.".into());
    }
    None
}

/// A message's author: its type and id (a customer's id or external id, an agent's id or
/// uid, a member's id or email).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    pub kind: String,
    pub id: PartyRef,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageInput {
    pub body: String,
    /// `None` only for a conversation's first message: the conversation's customer.
    pub sender: Option<Sender>,
}

/// A message (`note = false`) or note body: `body` and `sender_type` + `sender_id`.
/// `prefix` names fields inside a create's `message` object (`message.body`).
fn read_message(i: &mut Input, prefix: &str, note: bool, sender_required: bool) -> Option<MessageInput> {
    let body_key = format!("{prefix}body");
    let body = match i.map.get("body") {
        Some(Value::String(s)) if s.trim().is_empty() => {
            i.errors.add(&body_key, "The body field is required.");
            None
        }
        Some(Value::String(s)) if s.chars().count() > MAX_BODY => {
            i.errors.add(&body_key, format!("The body may not be greater than {MAX_BODY} characters."));
            None
        }
        Some(Value::String(s)) => Some(s.clone()),
        None | Some(Value::Null) => {
            i.errors.add(&body_key, "The body field is required.");
            None
        }
        Some(_) => {
            i.errors.add(&body_key, "The body must be a string.");
            None
        }
    };
    let allowed: &[&str] = if note { &NOTE_SENDER_TYPES } else { &SENDER_TYPES };
    let type_key = format!("{prefix}sender_type");
    let sender = match i.map.get("sender_type") {
        None | Some(Value::Null) if !sender_required => {
            if i.map.get("sender_id").is_some_and(|v| !v.is_null()) {
                i.errors.add(&type_key, "The sender_type field is required when sender_id is present.");
            }
            None
        }
        Some(Value::String(k)) if allowed.contains(&k.as_str()) => {
            let mut sub = Input::new(i.map);
            let id = party_ref(&mut sub, "sender_id");
            for (k, msgs) in sub.errors.0 {
                for m in msgs {
                    i.errors.add(&format!("{prefix}{k}"), m);
                }
            }
            id.map(|id| Sender { kind: k.clone(), id })
        }
        None | Some(Value::Null) => {
            i.errors.add(&type_key, "The sender_type field is required.");
            None
        }
        Some(_) => {
            i.errors.add(&type_key, format!("The sender_type must be one of {}.", allowed.join(", ")));
            None
        }
    };
    Some(MessageInput { body: body?, sender })
}

pub fn message_input(map: &Map<String, Value>, note: bool) -> Result<MessageInput, Errors> {
    let mut i = Input::new(map);
    let m = read_message(&mut i, "", note, true);
    i.errors.clone().into_result()?;
    m.ok_or(i.errors)
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConversationCreate {
    pub customer: RecordRef,
    pub subject: Option<String>,
    pub priority: String,
    pub channel: String,
    pub tags: Vec<String>,
    pub message: Option<MessageInput>,
    pub assignment: Option<Assignment>,
}

fn read_enum(i: &mut Input, key: &str, allowed: &[&str]) -> Option<Option<String>> {
    match i.map.get(key) {
        Some(Value::Null) => {
            i.errors.add(key, format!("The {key} must be one of {}.", allowed.join(", ")));
            None
        }
        _ => i.optional_enum(key, allowed).map(|o| o.map(str::to_string)),
    }
}

pub fn conversation_create(map: &Map<String, Value>) -> Result<ConversationCreate, Errors> {
    let mut i = Input::new(map);
    let customer = match record_ref(&mut i, "customer") {
        Some(Some(c)) => Some(c),
        None if i.errors.has("customer") => None,
        _ => {
            i.errors.add("customer", "The customer field is required.");
            None
        }
    };
    let subject = nullable_text(&mut i, "subject", 255).flatten();
    let priority = read_enum(&mut i, "priority", &PRIORITIES).flatten().unwrap_or_else(|| "normal".into());
    let channel = read_enum(&mut i, "channel", &CHANNELS).flatten().unwrap_or_else(|| "api".into());
    let tags = read_tags(&mut i, "tags").unwrap_or_default();
    let message = match map.get("message") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => {
            let mut sub = Input::new(m);
            let msg = read_message(&mut sub, "message.", false, false);
            for (k, msgs) in sub.errors.0 {
                for m in msgs {
                    i.errors.add(&k, m);
                }
            }
            msg
        }
        Some(Value::String(body)) => {
            let m = Map::from_iter([("body".to_string(), Value::String(body.clone()))]);
            let mut sub = Input::new(&m);
            let msg = read_message(&mut sub, "message.", false, false);
            for (_, msgs) in sub.errors.0 {
                for m in msgs {
                    i.errors.add("message", m);
                }
            }
            msg
        }
        Some(_) => {
            i.errors.add("message", "The message must be an object with a body (or the body text).");
            None
        }
    };
    let assignment = read_assignment(&mut i, false);
    i.errors.clone().into_result()?;
    let customer = customer.ok_or(i.errors)?;
    Ok(ConversationCreate { customer, subject, priority, channel, tags, message, assignment })
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct ConversationUpdate {
    pub subject: Option<Option<String>>,
    pub priority: Option<String>,
    pub tags: Option<Vec<String>>,
}

/// PATCH: `subject`, `priority`, `tags`. Status and assignee change only through their
/// own endpoints, so that each change is a deliberate, stamped event.
pub fn conversation_update(map: &Map<String, Value>) -> Result<ConversationUpdate, Errors> {
    let mut i = Input::new(map);
    let out = ConversationUpdate {
        subject: nullable_text(&mut i, "subject", 255),
        priority: read_enum(&mut i, "priority", &PRIORITIES).flatten(),
        tags: read_tags(&mut i, "tags"),
    };
    for key in ["status", "assignee_type", "assignee_id", "customer", "channel", "snoozed_until"] {
        if map.contains_key(key) {
            i.errors.add(key, format!("The {key} cannot be changed with PATCH; use the conversation's actions."));
        }
    }
    i.errors.into_result().map(|_| out)
}

/// `POST .../snooze` `{snoozed_until}`: an RFC 3339 instant after `now_ms`, at most a year
/// ahead. Returns it normalised (UTC, milliseconds).
pub fn snooze_input(map: &Map<String, Value>, now_ms: i64) -> Result<String, Errors> {
    let key = "snoozed_until";
    match map.get(key) {
        Some(Value::String(s)) => match time::parse_millis(s) {
            Some(ms) if ms <= now_ms => Err(Errors::single(key, "The snoozed_until must be in the future.")),
            Some(ms) if ms > now_ms + 366 * 86_400_000 => {
                Err(Errors::single(key, "The snoozed_until may be at most a year ahead."))
            }
            Some(ms) => Ok(time::format_millis(ms)),
            None => Err(Errors::single(key, "The snoozed_until must be an RFC 3339 date-time.")),
        },
        None | Some(Value::Null) => Err(Errors::single(key, "The snoozed_until field is required.")),
        Some(_) => Err(Errors::single(key, "The snoozed_until must be an RFC 3339 date-time.")),
    }
}

// ---- listing filters ----------------------------------------------------------------

/// A filter that names a record by id: a positive integer, else a 422.
/// A filter by id: a positive integer, as the document says (`customer=` is a 422).
fn id_filter(params: &HashMap<String, String>, key: &str, errors: &mut Errors) -> Option<i64> {
    let v = params.get(key)?;
    match parse_id(v) {
        Some(id) => Some(id),
        None => {
            errors.add(key, format!("The {key} must be an id (a positive integer)."));
            None
        }
    }
}

/// The pattern of a comma-separated list of `allowed` values, as `enum_filter` reads it.
pub fn enum_list_pattern(allowed: &[&str]) -> String {
    let one = allowed.join("|");
    format!("^({one})(,({one}))*$")
}

/// The values the conversation listing's `assignee_type` filter takes.
pub const ASSIGNEE_FILTER_TYPES: [&str; 3] = ["agent", "member", "none"];

fn enum_filter(
    params: &HashMap<String, String>,
    key: &str,
    allowed: &[&str],
    errors: &mut Errors,
) -> Option<Vec<String>> {
    let v = params.get(key)?;
    // Exactly the document's pattern (`enum_list_pattern`): no blanks, no empty items.
    let values: Vec<String> = v.split(',').map(str::to_string).collect();
    if values.iter().any(|s| !allowed.contains(&s.as_str())) {
        errors.add(key, format!("The {key} must be one or more of {} (comma-separated).", allowed.join(", ")));
        return None;
    }
    Some(values)
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct CustomerFilters {
    pub company: Option<i64>,
    pub email: Option<String>,
    pub external_id: Option<String>,
}

pub fn customer_filters(params: &HashMap<String, String>) -> Result<CustomerFilters, Errors> {
    let mut errors = Errors::new();
    let text = |k: &str| params.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let out = CustomerFilters {
        company: id_filter(params, "company", &mut errors),
        email: text("email"),
        external_id: text("external_id"),
    };
    errors.into_result().map(|_| out)
}

pub fn member_filters(params: &HashMap<String, String>) -> Result<Option<Vec<String>>, Errors> {
    let mut errors = Errors::new();
    let roles = enum_filter(params, "role", &ROLES, &mut errors);
    errors.into_result().map(|_| roles)
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct ConversationFilters {
    pub status: Option<Vec<String>>,
    pub priority: Option<Vec<String>>,
    pub channel: Option<Vec<String>>,
    pub customer: Option<i64>,
    /// `agent`, `member`, or `none` (unassigned).
    pub assignee_type: Option<String>,
    pub assignee: Option<i64>,
    /// A non-numeric `assignee`: an agent's uid or a member's e-mail, as assignment takes.
    pub assignee_key: Option<String>,
}

pub fn conversation_filters(params: &HashMap<String, String>) -> Result<ConversationFilters, Errors> {
    let mut errors = Errors::new();
    let mut out = ConversationFilters {
        status: enum_filter(params, "status", &STATUSES, &mut errors),
        priority: enum_filter(params, "priority", &PRIORITIES, &mut errors),
        channel: enum_filter(params, "channel", &CHANNELS, &mut errors),
        customer: id_filter(params, "customer", &mut errors),
        assignee: None,
        assignee_key: None,
        assignee_type: None,
    };
    if let Some(v) = params.get("assignee").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        match parse_id(v) {
            Some(id) => out.assignee = Some(id),
            None if v.chars().count() <= 255 => out.assignee_key = Some(v.to_string()),
            None => errors.add("assignee", "The assignee must be an id, an agent uid or a member e-mail."),
        }
    }
    if let Some(t) = params.get("assignee_type").map(String::as_str) {
        if ASSIGNEE_FILTER_TYPES.contains(&t) {
            out.assignee_type = Some(t.to_string());
        } else {
            errors.add("assignee_type", "The assignee_type must be one of agent, member, none.");
        }
    }
    if (out.assignee.is_some() || out.assignee_key.is_some())
        && !matches!(out.assignee_type.as_deref(), Some("agent" | "member"))
    {
        errors.add("assignee", "The assignee filter needs assignee_type=agent or assignee_type=member.");
    }
    errors.into_result().map(|_| out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn params(q: &str) -> HashMap<String, String> {
        url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()
    }

    #[test]
    fn path_ids() {
        assert_eq!(parse_id("12"), Some(12));
        for bad in ["", "0", "-1", "1a", "abc", "1234567890123456", " 1"] {
            assert_eq!(parse_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn emails() {
        for ok in ["ada@example.com", "a.b+c@mail.example.co.uk", "X@Y.io"] {
            assert_eq!(email_problem(ok), None, "{ok}");
        }
        for bad in
            ["", "ada", "ada@", "@example.com", "ada@example", "a b@example.com", "ada@exa mple.com", "ada@-x.com"]
        {
            assert!(email_problem(bad).is_some(), "{bad}");
        }
        assert!(email_problem(&format!("{}@x.com", "a".repeat(65))).is_some());
    }

    #[test]
    fn domains_and_phones() {
        assert_eq!(domain_problem("acme.com"), None);
        assert_eq!(domain_problem("eu.acme-corp.io"), None);
        for bad in ["acme", "https://acme.com", "acme.com/x", "-acme.com", "acme..com", "1.2.3.4", "ac me.com"] {
            assert!(domain_problem(bad).is_some(), "{bad}");
        }
        for ok in ["+1 (555) 010-0199", "555.0100", "0046701234567"] {
            assert_eq!(phone_problem(ok), None, "{ok}");
        }
        for bad in ["12", "call me", "+1+2 345", "1".repeat(21).as_str(), "555-0100 ext"] {
            assert!(phone_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn external_ids() {
        assert_eq!(external_id_problem("crm-42"), None);
        assert!(external_id_problem("").is_some());
        assert!(external_id_problem(" x").is_some());
        assert!(external_id_problem("a\nb").is_some());
        assert!(external_id_problem(&"x".repeat(256)).is_some());
        // Numbers are refused, not coerced.
        assert!(customer_input(&obj(json!({"external_id": 42}))).unwrap_err().has("external_id"));
        assert!(company_input(&obj(json!({"name": "A", "external_id": 0})), true).unwrap_err().has("external_id"));
        assert!(customer_input(&obj(json!({"external_id": 1.5}))).unwrap_err().has("external_id"));
    }

    #[test]
    fn company_writes() {
        let c = company_input(
            &obj(json!({"name": " Acme ", "domain": "ACME.com", "traits": {"plan": "pro"}, "tags": ["a", " a ", "b"]})),
            true,
        )
        .unwrap();
        assert_eq!(c.name.as_deref(), Some("Acme"));
        assert_eq!(c.domain, Some(Some("acme.com".into())));
        assert_eq!(c.traits, Some(Some(r#"{"plan":"pro"}"#.into())));
        assert_eq!(c.tags, Some(vec!["a".to_string(), "b".into()]));
        let e = company_input(&obj(json!({"domain": "nope", "traits": [1], "tags": "x"})), true).unwrap_err();
        for f in ["name", "domain", "traits", "tags"] {
            assert!(e.has(f), "{f}: {e:?}");
        }
        assert!(company_input(&obj(json!({"domain": null})), false).is_ok());
        assert!(company_input(&obj(json!({"name": ""})), false).unwrap_err().has("name"));
        let big = json!({"traits": {"k": "x".repeat(70_000)}});
        assert!(company_input(&obj(big), false).unwrap_err().has("traits"));
    }

    #[test]
    fn customer_writes() {
        let c = customer_input(&obj(json!({"email": " ada@example.com ", "company": 3, "name": "  "}))).unwrap();
        assert_eq!(c.email, Some(Some("ada@example.com".into())));
        assert_eq!(c.company, Some(Some(RecordRef::Id(3))));
        assert_eq!(c.name, Some(None), "blank is null");
        let c = customer_input(&obj(json!({"company": {"external_id": "crm-1"}}))).unwrap();
        assert_eq!(c.company, Some(Some(RecordRef::ExternalId("crm-1".into()))));
        let c = customer_input(&obj(json!({"company": {"id": 9, "name": "ignored"}}))).unwrap();
        assert_eq!(c.company, Some(Some(RecordRef::Id(9))));
        assert_eq!(customer_input(&obj(json!({"company": null}))).unwrap().company, Some(None));
        for (field, body) in [
            ("email", json!({"email": "nope"})),
            ("email", json!({"email": 5})),
            ("phone", json!({"phone": "call me"})),
            ("company", json!({"company": "acme"})),
            ("company", json!({"company": 0})),
            ("company", json!({"company": {}})),
            ("traits", json!({"traits": "x"})),
            ("name", json!({"name": "x".repeat(256)})),
        ] {
            assert!(customer_input(&obj(body.clone())).unwrap_err().has(field), "{body}");
        }
    }

    #[test]
    fn member_writes() {
        let m = member_input(&obj(json!({"name": "Ann", "email": "ann@example.com"})), true).unwrap();
        assert_eq!(m.role.as_deref(), Some("agent"));
        let e = member_input(&obj(json!({"role": "owner"})), true).unwrap_err();
        for f in ["name", "email", "role"] {
            assert!(e.has(f), "{f}");
        }
        assert!(member_input(&obj(json!({"email": "bad"})), false).unwrap_err().has("email"));
        assert_eq!(member_input(&obj(json!({"role": "admin"})), false).unwrap().role.as_deref(), Some("admin"));
        assert_eq!(member_input(&obj(json!({})), false).unwrap(), MemberInput::default());
    }

    #[test]
    fn assignment_bodies() {
        assert_eq!(assign_input(&obj(json!({"assignee_type": null}))).unwrap(), Assignment::Unassign);
        assert_eq!(
            assign_input(&obj(json!({"assignee_type": "agent", "assignee_id": "tweety"}))).unwrap(),
            Assignment::To { kind: "agent".into(), id: PartyRef::Key("tweety".into()) }
        );
        assert_eq!(
            assign_input(&obj(json!({"assignee_type": "member", "assignee_id": "7"}))).unwrap(),
            Assignment::To { kind: "member".into(), id: PartyRef::Key("7".into()) }
        );
        // An unknown type passes validation: it is the business rule's 400.
        assert!(assign_input(&obj(json!({"assignee_type": "bot", "assignee_id": 1}))).is_ok());
        assert!(assign_input(&obj(json!({}))).unwrap_err().has("assignee_type"));
        assert!(assign_input(&obj(json!({"assignee_type": 3, "assignee_id": 1}))).unwrap_err().has("assignee_type"));
        assert!(assign_input(&obj(json!({"assignee_type": "agent"}))).unwrap_err().has("assignee_id"));
        assert!(assign_input(&obj(json!({"assignee_type": "agent", "assignee_id": true})))
            .unwrap_err()
            .has("assignee_id"));
        assert!(assign_input(&obj(json!({"assignee_type": null, "assignee_id": 4}))).unwrap_err().has("assignee_id"));
    }

    #[test]
    fn assignment_rules() {
        assert_eq!(assignee_type_problem("agent", "open", "chat"), None);
        assert_eq!(assignee_type_problem("member", "closed", "phone"), None);
        assert!(assignee_type_problem("bot", "open", "chat").is_some());
        assert!(assignee_type_problem("team", "open", "chat").is_some());
        assert!(assignee_type_problem("agent", "closed", "chat").unwrap().contains("closed"));
        assert!(assignee_type_problem("agent", "open", "phone").unwrap().contains("phone"));
        assert_eq!(assignee_type_problem("agent", "snoozed", "email"), None);
    }

    #[test]
    fn messages_and_notes() {
        let m = message_input(&obj(json!({"body": "Hi", "sender_type": "customer", "sender_id": 3})), false).unwrap();
        assert_eq!(m.sender, Some(Sender { kind: "customer".into(), id: PartyRef::Id(3) }));
        let e = message_input(&obj(json!({"body": " "})), false).unwrap_err();
        assert!(e.has("body") && e.has("sender_type"));
        let e = message_input(&obj(json!({"body": "x", "sender_type": "robot", "sender_id": 1})), false).unwrap_err();
        assert!(e.has("sender_type"));
        let e = message_input(&obj(json!({"body": "x", "sender_type": "member"})), false).unwrap_err();
        assert!(e.has("sender_id"));
        // Customers do not write internal notes.
        let e = message_input(&obj(json!({"body": "x", "sender_type": "customer", "sender_id": 1})), true).unwrap_err();
        assert!(e.has("sender_type"));
        assert!(message_input(&obj(json!({"body": "x", "sender_type": "agent", "sender_id": "bot"})), true).is_ok());
        let long = "x".repeat(MAX_BODY + 1);
        assert!(message_input(&obj(json!({"body": long, "sender_type": "agent", "sender_id": 1})), true)
            .unwrap_err()
            .has("body"));
    }

    #[test]
    fn conversation_creates() {
        let c = conversation_create(&obj(json!({"customer": 5, "message": {"body": "Help"}}))).unwrap();
        assert_eq!(c.customer, RecordRef::Id(5));
        assert_eq!((c.priority.as_str(), c.channel.as_str()), ("normal", "api"));
        assert_eq!(c.message, Some(MessageInput { body: "Help".into(), sender: None }));
        assert_eq!(c.assignment, None);
        let c = conversation_create(&obj(json!({"customer": {"external_id": "c-1"}, "message": "Hello"}))).unwrap();
        assert_eq!(c.message.unwrap().body, "Hello");
        let c = conversation_create(&obj(
            json!({"customer": 5, "assignee_type": "agent", "assignee_id": 2, "channel": "chat", "priority": "high"}),
        ))
        .unwrap();
        assert_eq!(c.assignment, Some(Assignment::To { kind: "agent".into(), id: PartyRef::Id(2) }));
        for (field, body) in [
            ("customer", json!({})),
            ("customer", json!({"customer": "x"})),
            ("priority", json!({"customer": 1, "priority": "asap"})),
            ("priority", json!({"customer": 1, "priority": null})),
            ("channel", json!({"customer": 1, "channel": "fax"})),
            ("message.body", json!({"customer": 1, "message": {"body": ""}})),
            (
                "message.sender_type",
                json!({"customer": 1, "message": {"body": "x", "sender_type": "bot", "sender_id": 1}}),
            ),
            ("message.sender_id", json!({"customer": 1, "message": {"body": "x", "sender_type": "member"}})),
            ("message", json!({"customer": 1, "message": 5})),
            ("assignee_type", json!({"customer": 1, "assignee_id": 5})),
            ("tags", json!({"customer": 1, "tags": [""]})),
        ] {
            assert!(conversation_create(&obj(body.clone())).unwrap_err().has(field), "{field}: {body}");
        }
    }

    #[test]
    fn conversation_updates_and_snooze() {
        let u = conversation_update(&obj(json!({"subject": null, "priority": "urgent", "tags": ["vip"]}))).unwrap();
        assert_eq!(u.subject, Some(None));
        assert_eq!(u.priority.as_deref(), Some("urgent"));
        assert!(conversation_update(&obj(json!({"status": "closed"}))).unwrap_err().has("status"));
        assert!(conversation_update(&obj(json!({"priority": "x"}))).unwrap_err().has("priority"));
        let now = 1_767_225_600_000; // 2026-01-01T00:00:00Z
        assert_eq!(
            snooze_input(&obj(json!({"snoozed_until": "2026-01-02T01:00:00+01:00"})), now).unwrap(),
            "2026-01-02T00:00:00.000Z"
        );
        for bad in [
            json!({}),
            json!({"snoozed_until": "tomorrow"}),
            json!({"snoozed_until": "2025-12-31T00:00:00Z"}),
            json!({"snoozed_until": "2030-01-01T00:00:00Z"}),
            json!({"snoozed_until": 5}),
        ] {
            assert!(snooze_input(&obj(bad.clone()), now).unwrap_err().has("snoozed_until"), "{bad}");
        }
    }

    #[test]
    fn listing_filters() {
        let f = conversation_filters(&params("status=open,pending&assignee_type=agent&assignee=4&customer=9")).unwrap();
        assert_eq!(f.status, Some(vec!["open".to_string(), "pending".into()]));
        assert_eq!((f.assignee_type.as_deref(), f.assignee, f.customer), (Some("agent"), Some(4), Some(9)));
        assert_eq!(conversation_filters(&params("assignee_type=none")).unwrap().assignee_type.as_deref(), Some("none"));
        for (q, field) in [
            ("status=done", "status"),
            ("status=open,nope", "status"),
            ("assignee_type=team", "assignee_type"),
            ("assignee=4", "assignee"),
            ("assignee=tweety", "assignee"),
            ("customer=abc", "customer"),
            ("priority=asap", "priority"),
            ("status=", "status"),
            ("status=open,", "status"),
            ("status=open, pending", "status"),
            ("customer=", "customer"),
            ("customer=0", "customer"),
            ("assignee_type=", "assignee_type"),
        ] {
            assert!(conversation_filters(&params(q)).unwrap_err().has(field), "{q}");
        }
        let by_uid = conversation_filters(&params("assignee_type=agent&assignee=tweety")).unwrap();
        assert_eq!(by_uid.assignee_key.as_deref(), Some("tweety"));
        assert_eq!(customer_filters(&params("company=3")).unwrap().company, Some(3));
        assert!(customer_filters(&params("company=acme")).unwrap_err().has("company"));
        assert_eq!(member_filters(&params("role=admin")).unwrap(), Some(vec!["admin".to_string()]));
        assert!(member_filters(&params("role=owner")).unwrap_err().has("role"));
    }
}
