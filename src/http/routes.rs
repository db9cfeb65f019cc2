//! The whole API surface in one table. It drives dispatch, 404/405 with `Allow`, HEAD and
//! the OpenAPI consistency test. worker-rs's `Router` cannot do those (it answers 404/405
//! in plain text, registers no HEAD, cannot list its routes and is rebuilt per request),
//! so the table is matched with `matchit`, built once per isolate.

use std::sync::OnceLock;
use worker::Method;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No token, no storage: health, the OpenAPI document.
    Public,
    /// The operator API: `Authorization: Bearer <ADMIN_TOKEN>`.
    Admin,
    /// An API token with the ability the method needs.
    Token,
}

/// One handler per operation; `http::dispatch` maps each to its function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handler {
    Health,
    OpenApi,
    Workspace,
    AdminCreateWorkspace,
    AdminGetWorkspace,
    AdminUpdateWorkspace,
    AdminCreateToken,
    AdminListTokens,
    AdminDeleteToken,
    AdminProtectAgent,
    ListAgents,
    CreateAgent,
    GetAgent,
    UpdateAgent,
    UpsertAgent,
    DeleteAgent,
    TrashAgent,
    RestoreAgent,
    ListFunctions,
    AddFunction,
    GetFunction,
    UpdateFunction,
    UpsertFunction,
    RemoveFunction,
    InvokeFunction,
    GetBlob,
    // Actions (seed 004)
    ExecuteAction,
    ListPieces,
    Usage,
    CreateConnection,
    ListConnections,
    GetConnection,
    DeleteConnection,
    // Training data (issue 8)
    ListTrainingData,
    CreateTrainingData,
    GetTrainingData,
    UpdateTrainingData,
    DeleteTrainingData,
    DiscoverUrls,
    ProcessUrls,
    ResyncUrls,
    SearchKnowledge,
    // Support data (issue 6)
    ListCompanies,
    CreateCompany,
    GetCompany,
    UpdateCompany,
    DeleteCompany,
    GetCompanyByExternalId,
    UpsertCompany,
    ListCompanyCustomers,
    ListCustomers,
    CreateCustomer,
    GetCustomer,
    UpdateCustomer,
    DeleteCustomer,
    GetCustomerByExternalId,
    UpsertCustomer,
    ListMembers,
    CreateMember,
    GetMember,
    UpdateMember,
    DeleteMember,
    ListConversations,
    CreateConversation,
    GetConversation,
    UpdateConversation,
    DeleteConversation,
    OpenConversation,
    PendConversation,
    SnoozeConversation,
    CloseConversation,
    AssignConversation,
    ListMessages,
    AddMessage,
    ListNotes,
    AddNote,
    // Webhooks (issue 9)
    CreateWebhook,
    ListWebhooks,
    GetWebhook,
    UpdateWebhook,
    DeleteWebhook,
    RotateWebhookSecret,
    TestWebhook,
    ListDeliveries,
    RetryDelivery,
    ReplayWebhook,
    ListEvents,
    GetEvent,
}

pub struct Route {
    pub path: &'static str,
    pub access: Access,
    pub methods: &'static [(Method, Handler)],
}

impl Route {
    /// The `Allow` header of a 405: every method, plus HEAD wherever GET is.
    pub fn allow(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        for (m, _) in self.methods {
            let name = method_name(m);
            out.push(name);
            if *m == Method::Get {
                out.push("HEAD");
            }
        }
        out
    }
}

pub fn method_name(m: &Method) -> &'static str {
    match m {
        Method::Get => "GET",
        Method::Head => "HEAD",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Patch => "PATCH",
        Method::Delete => "DELETE",
        Method::Options => "OPTIONS",
        _ => "OTHER",
    }
}

use Access::*;
use Handler::*;
use Method::{Delete, Get, Patch, Post, Put};

pub static ROUTES: &[Route] = &[
    Route { path: "/v1/health", access: Public, methods: &[(Get, Health)] },
    Route { path: "/v1/openapi.json", access: Public, methods: &[(Get, OpenApi)] },
    Route { path: "/v1/workspace", access: Token, methods: &[(Get, Workspace)] },
    Route { path: "/admin/v1/workspaces", access: Admin, methods: &[(Post, AdminCreateWorkspace)] },
    Route {
        path: "/admin/v1/workspaces/{id}",
        access: Admin,
        methods: &[(Get, AdminGetWorkspace), (Patch, AdminUpdateWorkspace)],
    },
    Route {
        path: "/admin/v1/workspaces/{id}/tokens",
        access: Admin,
        methods: &[(Get, AdminListTokens), (Post, AdminCreateToken)],
    },
    Route {
        path: "/admin/v1/workspaces/{id}/tokens/{token_id}",
        access: Admin,
        methods: &[(Delete, AdminDeleteToken)],
    },
    Route { path: "/admin/v1/workspaces/{id}/agents/{agent}", access: Admin, methods: &[(Patch, AdminProtectAgent)] },
    // Agents and functions (seed 002)
    Route { path: "/v1/agents", access: Token, methods: &[(Get, ListAgents), (Post, CreateAgent)] },
    Route {
        path: "/v1/agents/{agent}",
        access: Token,
        methods: &[(Get, GetAgent), (Patch, UpdateAgent), (Put, UpsertAgent), (Delete, DeleteAgent)],
    },
    Route { path: "/v1/agents/{agent}/trash", access: Token, methods: &[(Post, TrashAgent)] },
    Route { path: "/v1/agents/{agent}/restore", access: Token, methods: &[(Post, RestoreAgent)] },
    Route {
        path: "/v1/agents/{agent}/functions",
        access: Token,
        methods: &[(Get, ListFunctions), (Post, AddFunction)],
    },
    Route {
        path: "/v1/agents/{agent}/functions/{name}",
        access: Token,
        methods: &[(Get, GetFunction), (Patch, UpdateFunction), (Put, UpsertFunction), (Delete, RemoveFunction)],
    },
    Route { path: "/v1/agents/{agent}/functions/{name}/invoke", access: Token, methods: &[(Post, InvokeFunction)] },
    Route { path: "/v1/blobs/{id}", access: Public, methods: &[(Get, GetBlob)] },
    // Actions (seed 004)
    Route { path: "/v1/actions/execute", access: Token, methods: &[(Post, ExecuteAction)] },
    Route { path: "/v1/pieces", access: Token, methods: &[(Get, ListPieces)] },
    Route { path: "/v1/usage", access: Token, methods: &[(Get, Usage)] },
    Route { path: "/v1/connections", access: Token, methods: &[(Get, ListConnections), (Post, CreateConnection)] },
    Route { path: "/v1/connections/{id}", access: Token, methods: &[(Get, GetConnection), (Delete, DeleteConnection)] },
    // Training data (issue 8)
    Route { path: "/v1/training-data", access: Token, methods: &[(Get, ListTrainingData), (Post, CreateTrainingData)] },
    Route {
        path: "/v1/training-data/{id}",
        access: Token,
        methods: &[(Get, GetTrainingData), (Patch, UpdateTrainingData), (Delete, DeleteTrainingData)],
    },
    Route { path: "/v1/training-data/urls/discover", access: Token, methods: &[(Post, DiscoverUrls)] },
    Route { path: "/v1/training-data/urls/process", access: Token, methods: &[(Post, ProcessUrls)] },
    Route { path: "/v1/training-data/urls/resync", access: Token, methods: &[(Post, ResyncUrls)] },
    Route { path: "/v1/agents/{agent}/knowledge/search", access: Token, methods: &[(Get, SearchKnowledge)] },
    // Support data (issue 6)
    Route { path: "/v1/companies", access: Token, methods: &[(Get, ListCompanies), (Post, CreateCompany)] },
    Route {
        path: "/v1/companies/{id}",
        access: Token,
        methods: &[(Get, GetCompany), (Patch, UpdateCompany), (Delete, DeleteCompany)],
    },
    Route {
        path: "/v1/companies/by-external-id/{external_id}",
        access: Token,
        methods: &[(Get, GetCompanyByExternalId), (Put, UpsertCompany)],
    },
    Route { path: "/v1/companies/{id}/customers", access: Token, methods: &[(Get, ListCompanyCustomers)] },
    Route { path: "/v1/customers", access: Token, methods: &[(Get, ListCustomers), (Post, CreateCustomer)] },
    Route {
        path: "/v1/customers/{id}",
        access: Token,
        methods: &[(Get, GetCustomer), (Patch, UpdateCustomer), (Delete, DeleteCustomer)],
    },
    Route {
        path: "/v1/customers/by-external-id/{external_id}",
        access: Token,
        methods: &[(Get, GetCustomerByExternalId), (Put, UpsertCustomer)],
    },
    Route { path: "/v1/members", access: Token, methods: &[(Get, ListMembers), (Post, CreateMember)] },
    Route {
        path: "/v1/members/{id}",
        access: Token,
        methods: &[(Get, GetMember), (Patch, UpdateMember), (Delete, DeleteMember)],
    },
    Route {
        path: "/v1/conversations",
        access: Token,
        methods: &[(Get, ListConversations), (Post, CreateConversation)],
    },
    Route {
        path: "/v1/conversations/{id}",
        access: Token,
        methods: &[(Get, GetConversation), (Patch, UpdateConversation), (Delete, DeleteConversation)],
    },
    Route { path: "/v1/conversations/{id}/open", access: Token, methods: &[(Post, OpenConversation)] },
    Route { path: "/v1/conversations/{id}/pending", access: Token, methods: &[(Post, PendConversation)] },
    Route { path: "/v1/conversations/{id}/snooze", access: Token, methods: &[(Post, SnoozeConversation)] },
    Route { path: "/v1/conversations/{id}/close", access: Token, methods: &[(Post, CloseConversation)] },
    Route { path: "/v1/conversations/{id}/assign", access: Token, methods: &[(Post, AssignConversation)] },
    Route {
        path: "/v1/conversations/{id}/messages",
        access: Token,
        methods: &[(Get, ListMessages), (Post, AddMessage)],
    },
    Route { path: "/v1/conversations/{id}/notes", access: Token, methods: &[(Get, ListNotes), (Post, AddNote)] },
    // Webhooks (issue 9)
    Route { path: "/v1/webhooks", access: Token, methods: &[(Get, ListWebhooks), (Post, CreateWebhook)] },
    Route {
        path: "/v1/webhooks/{id}",
        access: Token,
        methods: &[(Get, GetWebhook), (Patch, UpdateWebhook), (Delete, DeleteWebhook)],
    },
    Route { path: "/v1/webhooks/{id}/rotate-secret", access: Token, methods: &[(Post, RotateWebhookSecret)] },
    Route { path: "/v1/webhooks/{id}/test", access: Token, methods: &[(Post, TestWebhook)] },
    Route { path: "/v1/webhooks/{id}/deliveries", access: Token, methods: &[(Get, ListDeliveries)] },
    Route {
        path: "/v1/webhooks/{id}/deliveries/{delivery_id}/retry",
        access: Token,
        methods: &[(Post, RetryDelivery)],
    },
    Route { path: "/v1/webhooks/{id}/replay", access: Token, methods: &[(Post, ReplayWebhook)] },
    Route { path: "/v1/events", access: Token, methods: &[(Get, ListEvents)] },
    Route { path: "/v1/events/{id}", access: Token, methods: &[(Get, GetEvent)] },
];

/// The seeds' literal paths, served as aliases of the `/v1` routes (CONTRACT.md, Paths).
pub static ALIASES: &[(&str, &str)] = &[
    ("/api/agents", "/v1/agents"),
    ("/api/agents/{agent}", "/v1/agents/{agent}"),
    ("/api/agents/{agent}/trash", "/v1/agents/{agent}/trash"),
    ("/api/agents/{agent}/restore", "/v1/agents/{agent}/restore"),
    ("/api/agents/{agent}/functions", "/v1/agents/{agent}/functions"),
    ("/api/agents/{agent}/functions/{name}", "/v1/agents/{agent}/functions/{name}"),
    ("/api/v1/actions/execute", "/v1/actions/execute"),
];

fn router() -> &'static matchit::Router<usize> {
    static ROUTER: OnceLock<matchit::Router<usize>> = OnceLock::new();
    ROUTER.get_or_init(|| {
        let mut r = matchit::Router::new();
        for (i, route) in ROUTES.iter().enumerate() {
            // ok: the table is static and checked by the unit test below; a conflict is a
            // programming error caught before deploy, never caller input.
            r.insert(route.path, i).expect("route table conflict"); // ok: static table, unit-tested
        }
        for (alias, canonical) in ALIASES {
            if let Some(i) = ROUTES.iter().position(|r| r.path == *canonical) {
                // ok: as above, static and unit-tested.
                r.insert(*alias, i).expect("alias conflict"); // ok: static table, unit-tested
            }
        }
        r
    })
}

/// The route for a path and its parameters (percent-decoded), or `None` for a 404.
pub fn find(path: &str) -> Option<(&'static Route, Vec<(String, String)>)> {
    let m = router().at(path).ok()?;
    let params = m.params.iter().map(|(k, v)| (k.to_string(), percent_decode(v))).collect();
    Some((&ROUTES[*m.value], params))
}

/// Decodes `%XX` escapes in a path segment; invalid escapes are kept as they are.
pub fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_builds_and_matches() {
        let (r, p) = find("/admin/v1/workspaces/7/tokens/9").unwrap();
        assert_eq!(r.path, "/admin/v1/workspaces/{id}/tokens/{token_id}");
        assert_eq!(p, vec![("id".to_string(), "7".to_string()), ("token_id".to_string(), "9".to_string())]);
        assert!(find("/v1/nope").is_none());
        assert!(find("/v1/health/").is_none());
    }

    #[test]
    fn aliases_point_at_existing_routes() {
        for (alias, canonical) in ALIASES {
            assert!(ROUTES.iter().any(|r| r.path == *canonical), "{alias} -> {canonical}");
            let (r, p) = find(&alias.replace("{agent}", "tweety").replace("{name}", "get_joke")).unwrap();
            assert_eq!(r.path, *canonical);
            assert!(p.is_empty() || p[0].1 == "tweety");
        }
    }

    #[test]
    fn allow_lists_head_with_get() {
        let (r, _) = find("/admin/v1/workspaces/1").unwrap();
        assert_eq!(r.allow(), vec!["GET", "HEAD", "PATCH"]);
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("tweety%20bird"), "tweety bird");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%C3%A5"), "å");
    }
}
