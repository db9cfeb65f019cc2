//! The query parameters of each listing and search, by operation. Their types, bounds,
//! patterns and enums are the ones the parsers check (`domain::listing`,
//! `domain::support`, the training and webhook handlers): the same constants.

use super::schema::*;
use super::{query, Param};
use crate::domain::listing::{order_by_pattern, DEFAULT_TAKE, MAX_SKIP, MAX_TAKE};
use crate::domain::support::{enum_list_pattern, ASSIGNEE_FILTER_TYPES, CHANNELS, PRIORITIES, ROLES, STATUSES};
use crate::domain::training as dt;
use crate::store;

/// `order_by`, `skip`, `take`, `count_only`: every listing has them.
fn paging(sortable: &[&str]) -> Vec<Param> {
    vec![
        query(
            "order_by",
            string().pattern(&order_by_pattern(sortable)).default(sortable[0]),
            "A sortable field, optionally followed by a space and `asc` or `desc` (e.g. `order_by=created_at+desc`).",
        ),
        query("skip", integer().min(0).max(MAX_SKIP).default(0), "Items to skip."),
        query("take", integer().min(1).max(MAX_TAKE).default(DEFAULT_TAKE), "Items to return."),
        query(
            "count_only",
            boolean().default(false),
            "`true` answers only `{\"count\": n}` (the listing schema without `data`, `start` and `end`).",
        ),
    ]
}

/// What every listing's `q` matches on (`domain::listing::search_prefix`).
const SEARCH: &str = "Trimmed; matched on its first 47 bytes (D1's LIKE pattern limit).";

/// `q` and `autocomplete`: a text search over the named fields.
fn search(what: &'static str) -> Vec<Param> {
    vec![
        query("q", string().doc(SEARCH), what),
        query("autocomplete", boolean().default(true), "`true`: `q` matches the start of a word; `false`: anywhere."),
    ]
}

/// A text filter: empty filters nothing.
fn text(name: &'static str, d: &'static str) -> Param {
    query(name, string(), d)
}

/// One value, or several comma-separated, of `allowed`.
fn enum_list(name: &'static str, allowed: &[&str], d: &'static str) -> Param {
    query(name, string().pattern(&enum_list_pattern(allowed)), d)
}

fn join(parts: Vec<Vec<Param>>) -> Vec<Param> {
    parts.into_iter().flatten().collect()
}

pub fn list_agents() -> Vec<Param> {
    join(vec![
        search("Find agents by name."),
        vec![
            text("tag", "Only agents with this tag."),
            text("directory", "Directory id or name."),
            query(
                "trashed",
                string().one_of_str(&["true", "false", "null"]).default("false"),
                "`false` (default) live agents, `true` trashed ones, `null` both.",
            ),
        ],
        paging(&store::agents::SORTABLE),
    ])
}

/// `?trashed=true` on one agent.
pub fn trashed_agent() -> Vec<Param> {
    vec![query("trashed", boolean().default(false), "`true` to find the agent even if it is trashed.")]
}

pub fn list_training_data() -> Vec<Param> {
    join(vec![
        vec![
            query(
                "agent",
                string().min_len(1).pattern("\\S"),
                "Only this agent's items (id or uid); an agent not in the workspace is 400 `INVALID_AGENT`.",
            ),
            query("type", string().one_of_str(&dt::TYPES), ""),
            query("status", string().one_of_str(&dt::STATUSES), ""),
            query("q", string().doc(SEARCH), "Find items by title, URL or question (substring)."),
        ],
        paging(&dt::SORTABLE),
    ])
}

pub fn search_agent_knowledge() -> Vec<Param> {
    vec![
        Param { required: true, ..query("q", string().min_len(1).max_len(500).pattern("\\S"), "The question.") },
        query("limit", integer().min(1).max(50).default(10), "Hits to return."),
    ]
}

pub fn list_companies() -> Vec<Param> {
    join(vec![
        search("Find companies by name (or domain)."),
        vec![
            text("tag", "Only companies with this tag."),
            text("domain", "Only companies with this domain."),
            text("external_id", "Only the company with this external id."),
        ],
        paging(&store::companies::SORTABLE),
    ])
}

fn customer_filters() -> Vec<Param> {
    vec![
        text("tag", "Only customers with this tag."),
        text("email", "Only customers with this email (without regard to case)."),
        text("external_id", "Only the customer with this external id."),
    ]
}

pub fn list_company_customers() -> Vec<Param> {
    join(vec![search("Find customers by name or email."), customer_filters(), paging(&store::customers::SORTABLE)])
}

pub fn list_customers() -> Vec<Param> {
    join(vec![
        search("Find customers by name or email."),
        customer_filters(),
        vec![query(
            "company",
            id(),
            "Only customers of this company (id). Another workspace's company matches nothing.",
        )],
        paging(&store::customers::SORTABLE),
    ])
}

pub fn list_members() -> Vec<Param> {
    join(vec![
        search("Find members by name or email."),
        vec![enum_list("role", &ROLES, "Only members with this role (`admin`, `agent`, or both comma-separated).")],
        paging(&store::members::SORTABLE),
    ])
}

pub fn list_conversations() -> Vec<Param> {
    join(vec![
        vec![
            enum_list("status", &STATUSES, "One status, or several comma-separated."),
            query("customer", id(), "Only this customer's conversations (id)."),
            query("assignee_type", string().one_of_str(&ASSIGNEE_FILTER_TYPES), "`none`: unassigned."),
            text(
                "assignee",
                "With assignee_type=agent: the agent's id or uid; with assignee_type=member: the member's id or \
                 e-mail. Without one of those two types it is a 422.",
            ),
            text("tag", "Only conversations with this tag."),
            enum_list("priority", &PRIORITIES, "One priority, or several comma-separated."),
            enum_list("channel", &CHANNELS, "One channel, or several comma-separated."),
        ],
        search("Find conversations by subject."),
        paging(&store::conversations::SORTABLE),
    ])
}

pub fn list_messages() -> Vec<Param> {
    paging(&store::conversations::MESSAGE_SORTABLE)
}

pub fn list_widget_keys() -> Vec<Param> {
    paging(&store::widget::SORTABLE)
}

pub fn list_widget_conversations() -> Vec<Param> {
    paging(&store::conversations::SORTABLE)
}

pub fn list_widget_messages() -> Vec<Param> {
    paging(&store::conversations::MESSAGE_SORTABLE)
}

pub fn search_widget_knowledge() -> Vec<Param> {
    vec![Param { required: true, ..query("q", string().min_len(1).max_len(500).pattern("\\S"), "The question.") }]
}

pub fn list_webhooks() -> Vec<Param> {
    paging(&store::events::SORTABLE)
}

pub fn list_deliveries() -> Vec<Param> {
    join(vec![
        paging(&store::events::SORTABLE),
        vec![query("status", string().one_of_str(&["pending", "succeeded", "failed"]), "")],
    ])
}

pub fn list_events() -> Vec<Param> {
    join(vec![paging(&store::events::SORTABLE), vec![query("type", refer("EventType"), "")]])
}

/// `GET /v1/audit-logs` (`domain::audit::parse`); the operator's listing also takes
/// `workspace_id`.
pub fn list_audit_logs() -> Vec<Param> {
    use crate::domain::audit::{DEFAULT_LIMIT, MAX_LIMIT};
    let id = || string().pattern("^aud_[A-Za-z0-9]{24}$");
    vec![
        query("limit", integer().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT), "Entries to return."),
        query("starting_after", id(), "An entry id: the page of entries older than it (the next page)."),
        query(
            "ending_before",
            id(),
            "An entry id: the page of entries newer than it (the previous page). Not with `starting_after`.",
        ),
        query("action", string().min_len(1).max_len(200), "Only this action, e.g. `agent.updated`."),
        query("actor", string().min_len(1).max_len(200), "Only this actor id (a token id, an operator key id)."),
        query("target", string().min_len(1).max_len(200), "`type` (`agent`) or `type:id` (`agent:support-bot`)."),
        query("since", string().format("date-time"), "Entries at or after this time (RFC 3339)."),
        query("until", string().format("date-time"), "Entries before this time (RFC 3339)."),
    ]
}

pub fn list_all_audit_logs() -> Vec<Param> {
    let mut p = list_audit_logs();
    p.push(query("workspace_id", integer().min(1), "Only this workspace's entries."));
    p
}
