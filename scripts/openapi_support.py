#!/usr/bin/env python3
"""Adds the support-data routes (issue 6) to src/openapi.json. Idempotent: it sets its own
paths, schemas, responses and tags and leaves everything else as it is, so it can be re-run
after a merge (`python3 scripts/openapi_support.py`)."""
import json
import pathlib

PATH = pathlib.Path(__file__).resolve().parent.parent / "src" / "openapi.json"
doc = json.loads(PATH.read_text())
S = doc["components"]["schemas"]
R = doc["components"]["responses"]


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def resp(name):
    return {"$ref": f"#/components/responses/{name}"}


def nullable(t, **kw):
    return {"type": [t, "null"], **kw}


TS = {"type": "string", "format": "date-time"}
TAGS = {"type": "array", "items": {"type": "string", "maxLength": 255}, "maxItems": 100,
        "description": "Labels (trimmed, de-duplicated). A write replaces the list; `null` clears it."}
TRAITS = {"type": "object", "additionalProperties": True,
          "description": "Custom attributes (JSON object, at most 64 KiB). A write **merges** into the stored object "
                         "(RFC 7396 merge patch: a key set to `null` is removed, nested objects merge); `traits: null` "
                         "clears them all."}
EXTERNAL_ID = {"type": ["string", "null"], "minLength": 1, "maxLength": 255,
               "description": "Your own id for the record (e.g. your CRM's), unique in the workspace. Numbers are "
                              "taken as their decimal text. No control characters or surrounding white space."}

# ---- error responses ------------------------------------------------------------------
R["AssignmentRefused"] = {
    "description": "`INVALID_ASSIGNEE_TYPE`: `assignee_type` is not `agent` or `member`, or the type breaks a rule: an AI "
                   "agent cannot be assigned a closed conversation, nor a `phone` conversation. `INVALID_ASSIGNEE`: the "
                   "assignee does not exist, is a trashed agent, or belongs to another workspace. Also `INVALID_JSON`.",
    "content": {"application/json": {"schema": ref("Error")}},
}
R["SenderRefused"] = {
    "description": "`INVALID_SENDER`: the sender does not exist in this workspace (or is a trashed agent), or is a customer "
                   "other than the conversation's. Also `INVALID_JSON`.",
    "content": {"application/json": {"schema": ref("Error")}},
}

# ---- schemas --------------------------------------------------------------------------
def listing(item, what):
    return {"type": "object", "properties": {
        "data": {"type": "array", "items": ref(item)},
        "start": {"type": "integer", "description": "= skip"},
        "end": {"type": "integer", "description": "start + the number of items returned"},
        "count": {"type": "integer", "description": f"How many {what} matched in all."}},
        "required": ["data", "start", "end", "count"]}


S["CompanySummary"] = {"type": ["object", "null"], "description": "The customer's company, or null.", "properties": {
    "id": {"type": "integer"}, "external_id": nullable("string"), "name": {"type": "string"}},
    "required": ["id", "external_id", "name"]}
S["Company"] = {"type": "object", "description": "An organisation your customers belong to.", "properties": {
    "id": {"type": "integer"},
    "external_id": EXTERNAL_ID,
    "name": {"type": "string", "maxLength": 255},
    "domain": nullable("string", description="Host name, lower case (e.g. `acme.com`)."),
    "traits": TRAITS,
    "tags": TAGS,
    "customer_count": {"type": "integer", "description": "How many customers belong to the company."},
    "created_at": TS, "updated_at": TS},
    "required": ["id", "external_id", "name", "domain", "traits", "tags", "customer_count", "created_at", "updated_at"]}
S["CompanyList"] = listing("Company", "companies")
S["CompanyWrite"] = {"type": "object", "description": "Create: `name` is required. PATCH and PUT update: fields left out "
                     "keep their values.", "properties": {
    "external_id": EXTERNAL_ID,
    "name": {"type": "string", "minLength": 1, "maxLength": 255},
    "domain": {"type": ["string", "null"], "maxLength": 253,
               "description": "A host name such as `acme.com` (no scheme or path); stored lower case; blank or null clears."},
    "traits": {**TRAITS, "type": ["object", "null"]},
    "tags": {**TAGS, "type": ["array", "null"]}}}

S["Customer"] = {"type": "object", "description": "A person your product supports (a user or an anonymous visitor).",
                 "properties": {
    "id": {"type": "integer"},
    "external_id": EXTERNAL_ID,
    "name": nullable("string", maxLength=255),
    "email": nullable("string", format="email"),
    "phone": nullable("string"),
    "traits": TRAITS,
    "tags": TAGS,
    "company": ref("CompanySummary"),
    "created_at": TS, "updated_at": TS},
    "required": ["id", "external_id", "name", "email", "phone", "traits", "tags", "company", "created_at", "updated_at"]}
S["CustomerList"] = listing("Customer", "customers")
S["RecordRef"] = {"description": "A record of the workspace: its id, `{\"id\": n}`, or `{\"external_id\": \"...\"}`.",
                  "oneOf": [{"type": "integer", "minimum": 1},
                            {"type": "object", "properties": {"id": {"type": "integer", "minimum": 1}}, "required": ["id"]},
                            {"type": "object", "properties": {"external_id": {"type": "string"}}, "required": ["external_id"]}]}
S["CustomerWrite"] = {"type": "object", "description": "Every field is optional (an anonymous visitor is a customer too). "
                      "PATCH and PUT update: fields left out keep their values; `null` (or blank text) clears.", "properties": {
    "external_id": EXTERNAL_ID,
    "name": {"type": ["string", "null"], "maxLength": 255},
    "email": {"type": ["string", "null"], "format": "email", "maxLength": 254,
              "description": "A valid address (`local@domain.tld`); matched without regard to case."},
    "phone": {"type": ["string", "null"], "maxLength": 50,
              "description": "Digits with an optional leading `+`, spaces, dots, dashes and parentheses; 3-20 digits."},
    "traits": {**TRAITS, "type": ["object", "null"]},
    "tags": {**TAGS, "type": ["array", "null"]},
    "company": {"description": "The customer's company: an id, `{\"id\": n}` or `{\"external_id\": \"...\"}` of a "
                               "company of this workspace (else 422 naming `company`); `null` removes it.",
                "oneOf": [ref("RecordRef"), {"type": "null"}]}}}

S["Member"] = {"type": "object", "description": "A person of the workspace's support staff.", "properties": {
    "id": {"type": "integer"},
    "name": {"type": "string"},
    "email": {"type": "string", "format": "email", "description": "Unique in the workspace (without regard to case)."},
    "role": {"type": "string", "enum": ["admin", "agent"]},
    "open_conversation_count": {"type": "integer", "description": "Open conversations assigned to the member."},
    "created_at": TS, "updated_at": TS},
    "required": ["id", "name", "email", "role", "open_conversation_count", "created_at", "updated_at"]}
S["MemberList"] = listing("Member", "members")
S["MemberWrite"] = {"type": "object", "description": "Create: `name` and `email` required, `role` defaults to `agent`. "
                    "PATCH: fields left out keep their values. A taken email is a 422 naming `email`.", "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 255},
    "email": {"type": "string", "format": "email", "maxLength": 254},
    "role": {"type": "string", "enum": ["admin", "agent"]}}}

S["Assignee"] = {"type": ["object", "null"], "description": "Who handles the conversation: an AI agent or a member.",
                 "properties": {
    "type": {"type": "string", "enum": ["agent", "member"]},
    "id": {"type": "integer"},
    "name": {"type": "string"},
    "uid": {"type": "string", "description": "Agents only."},
    "email": {"type": "string", "description": "Members only."}}, "required": ["type", "id", "name"]}
S["Conversation"] = {"type": "object", "description": "A support conversation with one customer.", "properties": {
    "id": {"type": "integer"},
    "subject": nullable("string"),
    "status": {"type": "string", "enum": ["open", "pending", "snoozed", "closed"]},
    "priority": {"type": "string", "enum": ["low", "normal", "high", "urgent"]},
    "channel": {"type": "string", "enum": ["api", "chat", "email", "phone", "sms"]},
    "tags": TAGS,
    "customer": {"type": "object", "properties": {"id": {"type": "integer"}, "external_id": nullable("string"),
                                                  "name": nullable("string"), "email": nullable("string")}},
    "assignee_type": {"type": ["string", "null"], "enum": ["agent", "member", None]},
    "assignee_id": nullable("integer"),
    "assignee": ref("Assignee"),
    "assigned_at": {**TS, "type": ["string", "null"], "description": "When the current assignee was set."},
    "snoozed_until": {**TS, "type": ["string", "null"], "description": "Set while snoozed."},
    "status_changed_at": {**TS, "description": "When the status last changed (creation: the creation time)."},
    "closed_at": {**TS, "type": ["string", "null"], "description": "Set while closed."},
    "last_message_at": {**TS, "type": ["string", "null"], "description": "Time of the last message (notes excluded)."},
    "message_count": {"type": "integer"},
    "note_count": {"type": "integer"},
    "created_at": TS, "updated_at": TS},
    "required": ["id", "subject", "status", "priority", "channel", "tags", "customer", "assignee_type", "assignee_id",
                 "assignee", "assigned_at", "snoozed_until", "status_changed_at", "closed_at", "last_message_at",
                 "message_count", "note_count", "created_at", "updated_at"]}
S["ConversationList"] = listing("Conversation", "conversations")
SENDER_ID = {"type": ["integer", "string"],
             "description": "A number is an id; a string is read by the type: an agent's id or uid, a member's id or "
                            "email, a customer's external id."}
S["ConversationCreate"] = {"type": "object", "required": ["customer"], "properties": {
    "customer": {"description": "The conversation's customer (of this workspace, else 422 naming `customer`).",
                 **ref("RecordRef")},
    "subject": {"type": ["string", "null"], "maxLength": 255},
    "priority": {"type": "string", "enum": ["low", "normal", "high", "urgent"], "default": "normal"},
    "channel": {"type": "string", "enum": ["api", "chat", "email", "phone", "sms"], "default": "api"},
    "tags": TAGS,
    "message": {"description": "The first message, written in the same transaction as the conversation: its body "
                               "text, or an object. The sender defaults to the conversation's customer.",
                "oneOf": [{"type": "string"}, {"type": "object", "required": ["body"], "properties": {
                    "body": {"type": "string", "maxLength": 65536},
                    "sender_type": {"type": "string", "enum": ["customer", "agent", "member"]},
                    "sender_id": SENDER_ID}}]},
    "assignee_type": {"type": ["string", "null"], "description": "Optional initial assignee, with the rules of "
                                                                 "`POST /v1/conversations/{id}/assign`."},
    "assignee_id": SENDER_ID}}
S["ConversationUpdate"] = {"type": "object", "description": "Fields left out keep their values. `status`, the assignee, "
                           "`customer`, `channel` and `snoozed_until` change only through the conversation's actions "
                           "(a 422 names them).", "properties": {
    "subject": {"type": ["string", "null"], "maxLength": 255},
    "priority": {"type": "string", "enum": ["low", "normal", "high", "urgent"]},
    "tags": {**TAGS, "type": ["array", "null"]}}}
S["Assign"] = {"type": "object", "required": ["assignee_type"], "description":
               "Rules: `assignee_type` is `agent` (an AI agent, by id or uid; not trashed) or `member` (by id or email), "
               "or null to unassign (then `assignee_id` must be null or absent). An AI agent cannot be assigned a "
               "closed conversation (reopen it first) nor a `phone` conversation. A type outside these, or a rule "
               "broken, is 400 `INVALID_ASSIGNEE_TYPE` (checked first); an assignee that does not exist, is trashed "
               "or belongs to another workspace is 400 `INVALID_ASSIGNEE`. `assigned_at` moves only when the assignee "
               "changes.", "properties": {
    "assignee_type": {"type": ["string", "null"], "enum": ["agent", "member", None]},
    "assignee_id": SENDER_ID}}
S["Snooze"] = {"type": "object", "required": ["snoozed_until"], "properties": {
    "snoozed_until": {**TS, "description": "RFC 3339, in the future, at most a year ahead; answered in UTC."}}}
S["Message"] = {"type": "object", "description": "A customer-visible message (`type: message`) or an internal note "
                "(`type: note`).", "properties": {
    "id": {"type": "integer"},
    "conversation_id": {"type": "integer"},
    "type": {"type": "string", "enum": ["message", "note"]},
    "body": {"type": "string"},
    "sender_type": {"type": "string", "enum": ["customer", "agent", "member"]},
    "sender_id": {"type": "integer"},
    "sender": {"type": "object", "properties": {"type": {"type": "string"}, "id": {"type": "integer"},
                                                "name": nullable("string", description="Null once the sender is deleted.")}},
    "created_at": TS},
    "required": ["id", "conversation_id", "type", "body", "sender_type", "sender_id", "sender", "created_at"]}
S["MessageList"] = listing("Message", "messages")
S["MessageCreate"] = {"type": "object", "required": ["body", "sender_type", "sender_id"], "properties": {
    "body": {"type": "string", "minLength": 1, "maxLength": 65536},
    "sender_type": {"type": "string", "enum": ["customer", "agent", "member"],
                    "description": "A customer may only write in their own conversations."},
    "sender_id": SENDER_ID}}
S["NoteCreate"] = {"type": "object", "required": ["body", "sender_type", "sender_id"], "properties": {
    "body": {"type": "string", "minLength": 1, "maxLength": 65536},
    "sender_type": {"type": "string", "enum": ["member", "agent"], "description": "Customers never write notes."},
    "sender_id": SENDER_ID}}

COUNT = {"type": "object", "properties": {"count": {"type": "integer"}}, "required": ["count"]}


def q(name, desc, schema=None):
    return {"name": name, "in": "query", "schema": schema or {"type": "string"}, "description": desc}


def paging(sortable):
    return [
        q("order_by", "A sortable field, optionally followed by `desc` (e.g. `order_by=created_at+desc`).",
          {"type": "string", "pattern": f"^({'|'.join(sortable)})( (asc|desc))?$", "default": "id"}),
        {"name": "skip", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
        {"name": "take", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}},
        q("count_only", "`true` answers only `{\"count\": n}`.", {"type": "boolean", "default": False}),
    ]


AUTOCOMPLETE = q("autocomplete", "`true`: `q` matches the start of a word; `false`: anywhere.",
                 {"type": "boolean", "default": True})


def path_param(name, desc, t="integer"):
    return {"name": name, "in": "path", "required": True, "schema": {"type": t}, "description": desc}


def op(op_id, summary, tag, ok_status, ok_desc, ok_schema=None, params=None, body=None, errors=(), desc=None):
    o = {"operationId": op_id, "summary": summary, "tags": [tag]}
    if desc:
        o["description"] = desc
    if params:
        o["parameters"] = params
    if body:
        o["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref(body)}}}
    responses = {}
    if ok_schema is None:
        responses[str(ok_status)] = {"description": ok_desc}
    else:
        responses[str(ok_status)] = {"description": ok_desc, "content": {"application/json": {"schema": ok_schema}}}
    codes = {"400": "InvalidJson", "401": "Unauthenticated", "403": "Forbidden", "404": "NotFound",
             "413": "PayloadTooLarge", "422": "ValidationFailed", "500": "InternalError"}
    wanted = {"401", "403", "500"} | set(errors)
    if body:
        wanted |= {"400", "413", "422"}
    for code in sorted(wanted):
        name = codes[code] if code in codes else code
        responses[code] = resp(name)
    o["responses"] = responses
    return o


def with_400(o, name):
    o["responses"]["400"] = resp(name)
    return o


def list_op(op_id, summary, tag, item_list, sortable, filters, params_before=(), errors=("422",)):
    return op(op_id, summary, tag, 200, "A page, or `{count}` with `count_only=true`.",
              {"oneOf": [ref(item_list), COUNT]}, list(params_before) + filters + paging(sortable), errors=errors)


P = doc["paths"]
ID = lambda what: path_param("id", f"The {what}'s id.")
EXT = path_param("external_id", "Your external id (percent-encoded).", "string")

# ---- companies ------------------------------------------------------------------------
CO_SORT = ["id", "name", "domain", "created_at", "updated_at"]
P["/v1/companies"] = {
    "get": list_op("listCompanies", "List companies.", "Companies", "CompanyList", CO_SORT, [
        q("q", "Find companies by name (or domain)."), AUTOCOMPLETE,
        q("tag", "Only companies with this tag."), q("domain", "Only companies with this domain."),
        q("external_id", "Only the company with this external id.")]),
    "post": op("createCompany", "Create a company.", "Companies", 201, "Created.", ref("Company"), body="CompanyWrite",
               desc="A taken `external_id` is a 422 naming `external_id`."),
}
P["/v1/companies/{id}"] = {
    "get": op("getCompany", "Get a company.", "Companies", 200, "The company.", ref("Company"), [ID("company")],
              errors=("404",)),
    "patch": op("updateCompany", "Update a company.", "Companies", 200, "The company.", ref("Company"),
                [ID("company")], body="CompanyWrite", errors=("404",),
                desc="Fields left out keep their values; `traits` merge."),
    "delete": op("deleteCompany", "Delete a company.", "Companies", 204, "Deleted. Its customers stay, without a company.",
                 params=[ID("company")], errors=("404",)),
}
P["/v1/companies/by-external-id/{external_id}"] = {
    "get": op("getCompanyByExternalId", "Get a company by your external id.", "Companies", 200, "The company.",
              ref("Company"), [EXT], errors=("404",)),
    "put": op("upsertCompany", "Create or update a company by your external id.", "Companies", 200,
              "Updated (an existing company).", ref("Company"), [EXT], body="CompanyWrite",
              desc="Updates the company with this external id (fields left out keep their values) or creates it "
                   "(`name` required). An `external_id` in the body must equal the path's (else 422)."),
}
P["/v1/companies/by-external-id/{external_id}"]["put"]["responses"]["201"] = {
    "description": "Created (no company had this external id).", "content": {"application/json": {"schema": ref("Company")}}}

CU_SORT = ["id", "name", "email", "created_at", "updated_at"]
CU_FILTERS = [q("q", "Find customers by name or email."), AUTOCOMPLETE, q("tag", "Only customers with this tag."),
              q("email", "Only customers with this email (without regard to case)."),
              q("external_id", "Only the customer with this external id.")]
P["/v1/companies/{id}/customers"] = {
    "get": list_op("listCompanyCustomers", "List a company's customers.", "Companies", "CustomerList", CU_SORT,
                   CU_FILTERS, [ID("company")], errors=("404", "422")),
}

# ---- customers ------------------------------------------------------------------------
P["/v1/customers"] = {
    "get": list_op("listCustomers", "List customers.", "Customers", "CustomerList", CU_SORT,
                   CU_FILTERS + [q("company", "Only customers of this company (id). Another workspace's company matches "
                                              "nothing.", {"type": "integer"})]),
    "post": op("createCustomer", "Create a customer.", "Customers", 201, "Created.", ref("Customer"),
               body="CustomerWrite", desc="A taken `external_id`, or a `company` that is not in the workspace, is a 422."),
}
P["/v1/customers/{id}"] = {
    "get": op("getCustomer", "Get a customer.", "Customers", 200, "The customer.", ref("Customer"), [ID("customer")],
              errors=("404",)),
    "patch": op("updateCustomer", "Update a customer.", "Customers", 200, "The customer.", ref("Customer"),
                [ID("customer")], body="CustomerWrite", errors=("404",),
                desc="Fields left out keep their values; `traits` merge."),
    "delete": op("deleteCustomer", "Delete a customer.", "Customers", 204,
                 "Deleted, with the customer's conversations and their messages.", params=[ID("customer")],
                 errors=("404",)),
}
P["/v1/customers/by-external-id/{external_id}"] = {
    "get": op("getCustomerByExternalId", "Get a customer by your external id.", "Customers", 200, "The customer.",
              ref("Customer"), [EXT], errors=("404",)),
    "put": op("upsertCustomer", "Create or update a customer by your external id.", "Customers", 200,
              "Updated (an existing customer).", ref("Customer"), [EXT], body="CustomerWrite",
              desc="Updates the customer with this external id (fields left out keep their values) or creates it. An "
                   "`external_id` in the body must equal the path's (else 422)."),
}
P["/v1/customers/by-external-id/{external_id}"]["put"]["responses"]["201"] = {
    "description": "Created (no customer had this external id).",
    "content": {"application/json": {"schema": ref("Customer")}}}

# ---- members --------------------------------------------------------------------------
ME_SORT = ["id", "name", "email", "role", "created_at", "updated_at"]
P["/v1/members"] = {
    "get": list_op("listMembers", "List members.", "Members", "MemberList", ME_SORT, [
        q("q", "Find members by name or email."), AUTOCOMPLETE,
        q("role", "Only members with this role (`admin`, `agent`, or both comma-separated).")]),
    "post": op("createMember", "Add a member.", "Members", 201, "Created.", ref("Member"), body="MemberWrite"),
}
P["/v1/members/{id}"] = {
    "get": op("getMember", "Get a member.", "Members", 200, "The member.", ref("Member"), [ID("member")],
              errors=("404",)),
    "patch": op("updateMember", "Update a member.", "Members", 200, "The member.", ref("Member"), [ID("member")],
                body="MemberWrite", errors=("404",)),
    "delete": op("deleteMember", "Remove a member.", "Members", 204,
                 "Removed. Their conversations become unassigned; their messages and notes stay.",
                 params=[ID("member")], errors=("404",)),
}

# ---- conversations --------------------------------------------------------------------
CV_SORT = ["id", "created_at", "updated_at", "last_message_at", "status_changed_at"]
CV = ref("Conversation")
P["/v1/conversations"] = {
    "get": list_op("listConversations", "List conversations.", "Conversations", "ConversationList", CV_SORT, [
        q("status", "`open`, `pending`, `snoozed`, `closed`, or several comma-separated."),
        q("customer", "Only this customer's conversations (id).", {"type": "integer"}),
        q("assignee_type", "`agent`, `member`, or `none` (unassigned)."),
        q("assignee", "Only conversations assigned to this agent or member id (needs `assignee_type`).",
          {"type": "integer"}),
        q("tag", "Only conversations with this tag."),
        q("priority", "`low`, `normal`, `high`, `urgent`, or several comma-separated."),
        q("channel", "`api`, `chat`, `email`, `phone`, `sms`, or several comma-separated."),
        q("q", "Find conversations by subject."), AUTOCOMPLETE],
    ) | {"description": "Every filter is answered from an index that starts with the workspace. Ids of another "
                        "workspace match nothing."},
    "post": with_400(op("createConversation", "Start a conversation.", "Conversations", 201, "Created.", CV,
                        body="ConversationCreate",
                        desc="With an optional first message (same transaction) and initial assignee. Checks: 422 "
                             "(fields; a `customer` not in the workspace), then the assignee (400 INVALID_ASSIGNEE_TYPE "
                             "/ INVALID_ASSIGNEE) and the sender (400 INVALID_SENDER)."), "AssignmentRefused"),
}
P["/v1/conversations"]["post"]["responses"]["400"] = {
    "description": "`INVALID_JSON`, `INVALID_ASSIGNEE_TYPE`, `INVALID_ASSIGNEE` or `INVALID_SENDER`.",
    "content": {"application/json": {"schema": ref("Error")}}}
P["/v1/conversations/{id}"] = {
    "get": op("getConversation", "Get a conversation.", "Conversations", 200, "The conversation.", CV,
              [ID("conversation")], errors=("404",)),
    "patch": op("updateConversation", "Update a conversation's subject, priority or tags.", "Conversations", 200,
                "The conversation.", CV, [ID("conversation")], body="ConversationUpdate", errors=("404",)),
    "delete": op("deleteConversation", "Delete a conversation.", "Conversations", 204,
                 "Deleted, with its messages and notes.", params=[ID("conversation")], errors=("404",)),
}
LIFECYCLE = ("Lifecycle: `open` → `pending` / `snoozed` / `closed` and back, any to any. A change stamps "
             "`status_changed_at` (and `updated_at`); `closed_at` is set while closed, `snoozed_until` while snoozed. "
             "Setting the status a conversation already has changes nothing. A customer's message re-opens a snoozed "
             "or closed conversation.")
for action, summary in [("open", "Open (or re-open) a conversation."), ("pending", "Mark a conversation pending."),
                        ("close", "Close a conversation.")]:
    P[f"/v1/conversations/{{id}}/{action}"] = {"post": op(
        f"{action}Conversation", summary, "Conversations", 200, "The conversation.", CV, [ID("conversation")],
        errors=("404",), desc=LIFECYCLE + " No body is needed.")}
P["/v1/conversations/{id}/snooze"] = {"post": op(
    "snoozeConversation", "Snooze a conversation until a time.", "Conversations", 200, "The conversation.", CV,
    [ID("conversation")], body="Snooze", errors=("404",), desc=LIFECYCLE)}
P["/v1/conversations/{id}/assign"] = {"post": with_400(op(
    "assignConversation", "Assign a conversation to an AI agent or a member, or unassign it.", "Conversations", 200,
    "The conversation.", CV, [ID("conversation")], body="Assign", errors=("404",),
    desc="Checks in order: JSON (400), fields (422), the conversation (404), the type rules (400 "
         "INVALID_ASSIGNEE_TYPE), the assignee (400 INVALID_ASSIGNEE). See the `Assign` schema for the rules."),
    "AssignmentRefused")}
MS_SORT = ["id", "created_at"]
P["/v1/conversations/{id}/messages"] = {
    "get": list_op("listMessages", "List a conversation's messages (oldest first; notes excluded).", "Conversations",
                   "MessageList", MS_SORT, [], [ID("conversation")], errors=("404", "422")),
    "post": with_400(op("addMessage", "Add a message to a conversation.", "Conversations", 201, "The message.",
                        ref("Message"), [ID("conversation")], body="MessageCreate", errors=("404",),
                        desc="The message and the conversation's `last_message_at`/`message_count` are written in one "
                             "transaction; a customer's message re-opens a snoozed or closed conversation."),
                     "SenderRefused"),
}
P["/v1/conversations/{id}/notes"] = {
    "get": list_op("listNotes", "List a conversation's internal notes (oldest first).", "Conversations",
                   "MessageList", MS_SORT, [], [ID("conversation")], errors=("404", "422")),
    "post": with_400(op("addNote", "Add an internal note (never customer-visible).", "Conversations", 201,
                        "The note.", ref("Message"), [ID("conversation")], body="NoteCreate", errors=("404",),
                        desc="Written by a member or an AI agent; counts in `note_count`, never in `last_message_at`."),
                     "SenderRefused"),
}

for t in [{"name": "Companies", "description": "Support data (issue 6): organisations your customers belong to."},
          {"name": "Customers", "description": "Support data: the people you support, synced from your CRM by "
                                               "`external_id`."},
          {"name": "Members", "description": "Support data: the workspace's human support staff."},
          {"name": "Conversations", "description": "Support data: conversations, their lifecycle, assignment, "
                                                   "messages and internal notes."}]:
    doc["tags"] = [x for x in doc["tags"] if x["name"] != t["name"]] + [t]

PATH.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
