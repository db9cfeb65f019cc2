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
    // Actions (seed 004)
    ExecuteAction,
    ListPieces,
    Usage,
    CreateConnection,
    ListConnections,
    GetConnection,
    DeleteConnection,
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
use Method::{Delete, Get, Patch, Post};

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
    // Actions (seed 004)
    Route { path: "/v1/actions/execute", access: Token, methods: &[(Post, ExecuteAction)] },
    Route { path: "/api/v1/actions/execute", access: Token, methods: &[(Post, ExecuteAction)] },
    Route { path: "/v1/pieces", access: Token, methods: &[(Get, ListPieces)] },
    Route { path: "/v1/usage", access: Token, methods: &[(Get, Usage)] },
    Route { path: "/v1/connections", access: Token, methods: &[(Get, ListConnections), (Post, CreateConnection)] },
    Route { path: "/v1/connections/{id}", access: Token, methods: &[(Get, GetConnection), (Delete, DeleteConnection)] },
];

fn router() -> &'static matchit::Router<usize> {
    static ROUTER: OnceLock<matchit::Router<usize>> = OnceLock::new();
    ROUTER.get_or_init(|| {
        let mut r = matchit::Router::new();
        for (i, route) in ROUTES.iter().enumerate() {
            // ok: the table is static and checked by the unit test below; a conflict is a
            // programming error caught before deploy, never caller input.
            r.insert(route.path, i).expect("route table conflict");
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
