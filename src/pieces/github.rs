//! GitHub: `create_issue` → `POST {GITHUB_API_BASE}/repos/{owner}/{name}/issues` with the
//! connection's bearer token, `Accept: application/vnd.github+json` and a `User-Agent`
//! (GitHub refuses requests without one). The output is GitHub's issue object.

use super::{encode_segment, join, json_outcome, Action, Outcome, Piece, Run, RunCx};
use crate::domain::action_input::{optional, required, Kind};
use crate::platform::outbound::Outbound;
use serde_json::{Map, Value};
use worker::Method;

pub const BASE_VAR: &str = "GITHUB_API_BASE";
pub const BASE_DEFAULT: &str = "https://api.github.com";
pub const USER_AGENT: &str = "weav-edge (+https://weav.ai)";

pub static PIECE: Piece = Piece {
    name: "github",
    display_name: "GitHub",
    description: "Work with GitHub repositories.",
    credentials: Some(&["access_token"]),
    actions: &[Action {
        name: "create_issue",
        display_name: "Create issue",
        description: "Opens an issue in a repository.",
        needs_connection: true,
        fields: &[
            required("repository", Kind::Str, "The repository as owner/name, e.g. acme/backend."),
            required("title", Kind::Str, "Issue title."),
            optional("body", Kind::Str, "Issue body (Markdown)."),
            optional("labels", Kind::StrArray, "Label names."),
        ],
        run: Run::GithubCreateIssue,
    }],
};

/// `owner/name`, each part GitHub's own alphabet (letters, digits, `-`, `_`, `.`).
pub fn split_repository(repo: &str) -> Option<(&str, &str)> {
    let (owner, name) = repo.split_once('/')?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 100
            && s != "."
            && s != ".."
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    (ok(owner) && ok(name)).then_some((owner, name))
}

pub fn validate(input: &Map<String, Value>) -> Result<(), String> {
    let repo = input.get("repository").and_then(Value::as_str).unwrap_or_default();
    split_repository(repo).map(|_| ()).ok_or_else(|| "Field 'repository' must be 'owner/name'".to_string())
}

pub fn request(base: &str, token: &str, input: &Map<String, Value>) -> Outbound {
    let repo = input.get("repository").and_then(Value::as_str).unwrap_or_default();
    let (owner, name) = split_repository(repo).unwrap_or_default();
    let mut body = Map::new();
    for key in ["title", "body", "labels"] {
        if let Some(v) = input.get(key).filter(|v| !v.is_null()) {
            body.insert(key.into(), v.clone());
        }
    }
    Outbound {
        method: Method::Post,
        url: join(base, &format!("repos/{}/{}/issues", encode_segment(owner), encode_segment(name))),
        headers: vec![
            ("Authorization".into(), format!("Bearer {token}")),
            ("Accept".into(), "application/vnd.github+json".into()),
            ("X-GitHub-Api-Version".into(), "2022-11-28".into()),
            ("User-Agent".into(), USER_AGENT.into()),
            ("Content-Type".into(), "application/json; charset=utf-8".into()),
        ],
        body: Some(Value::Object(body).to_string().into_bytes()),
    }
}

pub async fn create_issue(cx: &RunCx<'_>, input: &Map<String, Value>) -> Outcome {
    let req = request(&cx.base(BASE_VAR, BASE_DEFAULT), cx.access_token(), input);
    json_outcome(cx.send(req).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn repository_must_be_owner_slash_name() {
        assert_eq!(split_repository("acme/backend"), Some(("acme", "backend")));
        assert_eq!(split_repository("a-b/c.d_e"), Some(("a-b", "c.d_e")));
        for bad in ["acme", "acme/", "/x", "a/b/c", "../x", "a/..", "a b/c", "a/b?c"] {
            assert_eq!(split_repository(bad), None, "{bad}");
        }
        let m = |v: Value| v.as_object().cloned().unwrap();
        assert!(validate(&m(json!({"repository": "a/b"}))).is_ok());
        assert_eq!(validate(&m(json!({"repository": "ab"}))), Err("Field 'repository' must be 'owner/name'".into()));
    }

    #[test]
    fn posts_the_issue_with_githubs_headers() {
        let input = json!({"repository": "acme/backend", "title": "T", "body": "B", "labels": ["bug"]});
        let r = request("http://mock/github", "ghp_1", input.as_object().unwrap());
        assert_eq!(r.url, "http://mock/github/repos/acme/backend/issues");
        assert_eq!(r.method, Method::Post);
        for h in
            [("Authorization", "Bearer ghp_1"), ("Accept", "application/vnd.github+json"), ("User-Agent", USER_AGENT)]
        {
            assert!(r.headers.contains(&(h.0.into(), h.1.into())), "{h:?}");
        }
        let body: Value = serde_json::from_slice(&r.body.unwrap()).unwrap();
        assert_eq!(body, json!({"title": "T", "body": "B", "labels": ["bug"]}));
        let r = request("http://mock/github", "t", json!({"repository": "a/b", "title": "T"}).as_object().unwrap());
        assert_eq!(serde_json::from_slice::<Value>(&r.body.unwrap()).unwrap(), json!({"title": "T"}));
    }
}
