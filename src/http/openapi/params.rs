//! The query parameters of each listing and search, by operation.

use super::schema::*;
use super::{query, Param};

pub fn list_agents() -> Vec<Param> {
    vec![
        query("q", string(), "Find agents by name."),
        query(
            "autocomplete",
            boolean().default(true),
            "`true`: `q` matches the start of any word of the name; `false`: anywhere in it.",
        ),
        query("tag", string(), "Only agents with this tag."),
        query("directory", string(), "Directory id or name."),
        query(
            "trashed",
            boolean().or_null().default(false),
            "`false` (default) live agents, `true` trashed ones, `null` both.",
        ),
        query(
            "order_by",
            string().pattern("^(id|uid|name|provider|model|created_at|updated_at)( (asc|desc))?$").default("id"),
            "A sortable field, optionally followed by `desc` (e.g. `order_by=name+desc`).",
        ),
        query("skip", integer().min(0).default(0), ""),
        query("take", integer().min(1).max(100).default(25), ""),
        query("count_only", boolean().default(false), "`true` answers only `{\"count\": n}`."),
    ]
}

pub fn get_agent() -> Vec<Param> {
    vec![query("trashed", boolean(), "`true` to find the agent even if it is trashed.")]
}

pub fn update_agent() -> Vec<Param> {
    vec![query("trashed", boolean(), "`true` to find the agent even if it is trashed.")]
}

pub fn upsert_agent() -> Vec<Param> {
    vec![query("trashed", boolean(), "`true` to find the agent even if it is trashed.")]
}

pub fn list_training_data() -> Vec<Param> {
    vec![
        query(
            "agent",
            string(),
            "Only this agent's items (id or uid); an agent not in the workspace is 400 `INVALID_AGENT`.",
        ),
        query("type", string().one_of_str(&["text", "qa", "url"]), ""),
        query("status", string().one_of_str(&["pending", "processing", "completed", "failed"]), ""),
        query("q", string(), "Find items by title, URL or question (substring)."),
        query(
            "order_by",
            string().pattern("^(id|title|status|created_at|updated_at|processed_at)( (asc|desc))?$").default("id"),
            "",
        ),
        query("skip", integer().min(0).default(0), ""),
        query("take", integer().min(1).max(100).default(25), ""),
        query("count_only", boolean().default(false), "`true` answers only `{\"count\": n}`."),
    ]
}

pub fn search_agent_knowledge() -> Vec<Param> {
    vec![query("q", string().max_len(500), ""), query("limit", integer().min(1).max(50).default(10), "")]
}

pub fn list_companies() -> Vec<Param> {
    vec![
        query("q", string(), "Find companies by name (or domain)."),
        query("autocomplete", boolean().default(true), "`true`: `q` matches the start of a word; `false`: anywhere."),
        query("tag", string(), "Only companies with this tag."),
        query("domain", string(), "Only companies with this domain."),
        query("external_id", string(), "Only the company with this external id."),
        query(
            "order_by",
            string().pattern("^(id|name|domain|created_at|updated_at)( (asc|desc))?$").default("id"),
            "A sortable field, optionally followed by `desc` (e.g. `order_by=created_at+desc`).",
        ),
        query("skip", integer().min(0).default(0), ""),
        query("take", integer().min(1).max(100).default(25), ""),
        query("count_only", boolean().default(false), "`true` answers only `{\"count\": n}`."),
    ]
}

pub fn list_company_customers() -> Vec<Param> {
    vec![
        query("q", string(), "Find customers by name or email."),
        query("autocomplete", boolean().default(true), "`true`: `q` matches the start of a word; `false`: anywhere."),
        query("tag", string(), "Only customers with this tag."),
        query("email", string(), "Only customers with this email (without regard to case)."),
        query("external_id", string(), "Only the customer with this external id."),
        query(
            "order_by",
            string().pattern("^(id|name|email|created_at|updated_at)( (asc|desc))?$").default("id"),
            "A sortable field, optionally followed by `desc` (e.g. `order_by=created_at+desc`).",
        ),
        query("skip", integer().min(0).default(0), ""),
        query("take", integer().min(1).max(100).default(25), ""),
        query("count_only", boolean().default(false), "`true` answers only `{\"count\": n}`."),
    ]
}

pub fn list_customers() -> Vec<Param> {
    vec![
        query("q", string(), "Find customers by name or email."),
        query("autocomplete", boolean().default(true), "`true`: `q` matches the start of a word; `false`: anywhere."),
        query("tag", string(), "Only customers with this tag."),
        query("email", string(), "Only customers with this email (without regard to case)."),
        query("external_id", string(), "Only the customer with this external id."),
        query(
            "company",
            integer(),
            "Only customers of this company (id). Another workspace's company matches nothing.",
        ),
        query(
            "order_by",
            string().pattern("^(id|name|email|created_at|updated_at)( (asc|desc))?$").default("id"),
            "A sortable field, optionally followed by `desc` (e.g. `order_by=created_at+desc`).",
        ),
        query("skip", integer().min(0).default(0), ""),
        query("take", integer().min(1).max(100).default(25), ""),
        query("count_only", boolean().default(false), "`true` answers only `{\"count\": n}`."),
    ]
}

pub fn list_members() -> Vec<Param> {
    vec![
        query("q", string(), "Find members by name or email."),
        query("autocomplete", boolean().default(true), "`true`: `q` matches the start of a word; `false`: anywhere."),
        query("role", string(), "Only members with this role (`admin`, `agent`, or both comma-separated)."),
        query(
            "order_by",
            string().pattern("^(id|name|email|role|created_at|updated_at)( (asc|desc))?$").default("id"),
            "A sortable field, optionally followed by `desc` (e.g. `order_by=created_at+desc`).",
        ),
        query("skip", integer().min(0).default(0), ""),
        query("take", integer().min(1).max(100).default(25), ""),
        query("count_only", boolean().default(false), "`true` answers only `{\"count\": n}`."),
    ]
}

pub fn list_conversations() -> Vec<Param> {
    vec![
        query("status", string(), "`open`, `pending`, `snoozed`, `closed`, or several comma-separated."),
        query("customer", integer(), "Only this customer's conversations (id)."),
        query("assignee_type", string(), "`agent`, `member`, or `none` (unassigned)."),
        query(
            "assignee",
            string(),
            "With assignee_type=agent: the agent's id or uid; with assignee_type=member: the member's id or e-mail.",
        ),
        query("tag", string(), "Only conversations with this tag."),
        query("priority", string(), "`low`, `normal`, `high`, `urgent`, or several comma-separated."),
        query("channel", string(), "`api`, `chat`, `email`, `phone`, `sms`, or several comma-separated."),
        query("q", string(), "Find conversations by subject."),
        query("autocomplete", boolean().default(true), "`true`: `q` matches the start of a word; `false`: anywhere."),
        query(
            "order_by",
            string()
                .pattern("^(id|created_at|updated_at|last_message_at|status_changed_at)( (asc|desc))?$")
                .default("id"),
            "A sortable field, optionally followed by `desc` (e.g. `order_by=created_at+desc`).",
        ),
        query("skip", integer().min(0).default(0), ""),
        query("take", integer().min(1).max(100).default(25), ""),
        query("count_only", boolean().default(false), "`true` answers only `{\"count\": n}`."),
    ]
}

pub fn list_messages() -> Vec<Param> {
    vec![
        query(
            "order_by",
            string().pattern("^(id|created_at)( (asc|desc))?$").default("id"),
            "A sortable field, optionally followed by `desc` (e.g. `order_by=created_at+desc`).",
        ),
        query("skip", integer().min(0).default(0), ""),
        query("take", integer().min(1).max(100).default(25), ""),
        query("count_only", boolean().default(false), "`true` answers only `{\"count\": n}`."),
    ]
}

pub fn list_notes() -> Vec<Param> {
    vec![
        query(
            "order_by",
            string().pattern("^(id|created_at)( (asc|desc))?$").default("id"),
            "A sortable field, optionally followed by `desc` (e.g. `order_by=created_at+desc`).",
        ),
        query("skip", integer().min(0).default(0), ""),
        query("take", integer().min(1).max(100).default(25), ""),
        query("count_only", boolean().default(false), "`true` answers only `{\"count\": n}`."),
    ]
}

pub fn list_webhooks() -> Vec<Param> {
    vec![
        query("skip", integer().min(0), "Items to skip (default 0)."),
        query("take", integer().min(1).max(100), "Items to return (default 25)."),
        query(
            "order_by",
            string().one_of_str(&["created_at", "created_at desc"]),
            "Order (default `created_at`, oldest first).",
        ),
        query("count_only", boolean(), "Answer only `{count}`."),
    ]
}

pub fn list_deliveries() -> Vec<Param> {
    vec![
        query("skip", integer().min(0), "Items to skip (default 0)."),
        query("take", integer().min(1).max(100), "Items to return (default 25)."),
        query(
            "order_by",
            string().one_of_str(&["created_at", "created_at desc"]),
            "Order (default `created_at`, oldest first).",
        ),
        query("count_only", boolean(), "Answer only `{count}`."),
        query("status", string().one_of_str(&["pending", "succeeded", "failed"]), ""),
    ]
}

pub fn list_events() -> Vec<Param> {
    vec![
        query("skip", integer().min(0), "Items to skip (default 0)."),
        query("take", integer().min(1).max(100), "Items to return (default 25)."),
        query(
            "order_by",
            string().one_of_str(&["created_at", "created_at desc"]),
            "Order (default `created_at`, oldest first).",
        ),
        query("count_only", boolean(), "Answer only `{count}`."),
        query("type", refer("EventType"), ""),
    ]
}
