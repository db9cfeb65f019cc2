//! The built-in pieces (seed 004): a registry in which each piece is one module declaring
//! its actions, each action's input fields (checked before anything runs, and served as a
//! JSON Schema by `GET /v1/pieces`), whether it needs a connection, and how it runs.
//!
//! A piece builds its upstream requests and reads the answers with pure functions (unit
//! tested on the host); the only I/O is `platform::outbound::send`, the one guarded
//! outbound call (URL rules, redirects checked by hand, `OUTBOUND_TIMEOUT_MS`, 5 MiB cap).

pub mod github;
pub mod google_sheets;
pub mod http;
pub mod slack;

use crate::domain::action_input::{self, Field};
use crate::domain::connection::ConnectionSpec;
use crate::platform::outbound::{self, Answer, Failure, Outbound};
use serde_json::{json, Map, Value};
use worker::Env;

pub struct Piece {
    pub name: &'static str,
    pub display_name: &'static str,
    pub description: &'static str,
    /// The credential fields a connection of this piece must carry; `None`: the piece
    /// takes no connections.
    pub credentials: Option<&'static [&'static str]>,
    pub actions: &'static [Action],
}

pub struct Action {
    pub name: &'static str,
    pub display_name: &'static str,
    pub description: &'static str,
    pub needs_connection: bool,
    pub fields: &'static [Field],
    pub run: Run,
}

/// Which function runs an action (an enum rather than a function pointer: async
/// functions do not make `static` pointers without boxing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    SlackSendMessage,
    GithubCreateIssue,
    SheetsAppendRow,
    HttpSendRequest,
}

pub static PIECES: &[&Piece] = &[&slack::PIECE, &github::PIECE, &google_sheets::PIECE, &http::PIECE];

pub fn find(name: &str) -> Option<&'static Piece> {
    PIECES.iter().copied().find(|p| p.name == name)
}

impl Piece {
    pub fn action(&self, name: &str) -> Option<&'static Action> {
        self.actions.iter().find(|a| a.name == name)
    }

    /// The piece as `GET /v1/pieces` lists it.
    pub fn describe(&self) -> Value {
        let actions: Vec<Value> = self
            .actions
            .iter()
            .map(|a| {
                json!({
                    "name": a.name,
                    "displayName": a.display_name,
                    "description": a.description,
                    "requiresConnection": a.needs_connection,
                    "inputSchema": action_input::schema(a.fields),
                })
            })
            .collect();
        json!({
            "name": self.name,
            "displayName": self.display_name,
            "description": self.description,
            "connection": self.credentials.map(|c| json!({"type": "bearer", "credentials": c})),
            "actions": actions,
        })
    }
}

/// The pieces that take connections, for validating `POST /v1/connections`.
pub fn connection_specs() -> Vec<ConnectionSpec> {
    PIECES.iter().filter_map(|p| p.credentials.map(|c| ConnectionSpec { piece: p.name, credentials: c })).collect()
}

/// Checks an action's input: the declared fields, then the action's own rules. `Err` is
/// the VALIDATION_ERROR message.
pub fn validate(action: &Action, input: &Map<String, Value>, allow_private: bool) -> Result<(), String> {
    action_input::check(action.fields, input)?;
    match action.run {
        Run::GithubCreateIssue => github::validate(input),
        Run::HttpSendRequest => http::validate(input, allow_private),
        Run::SlackSendMessage | Run::SheetsAppendRow => Ok(()),
    }
}

/// What running an action gave.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// HTTP 200 `{success, output, duration}`.
    Done { success: bool, output: Value },
    /// The input turned out invalid only once the upstream was asked (a Sheets column
    /// that does not exist): 400 VALIDATION_ERROR.
    Invalid(String),
}

impl Outcome {
    pub fn ok(output: Value) -> Self {
        Outcome::Done { success: true, output }
    }
    pub fn failed(output: Value) -> Self {
        Outcome::Done { success: false, output }
    }
}

/// What a running action may use: the environment (base URLs, the outbound call) and the
/// connection's decrypted credentials.
pub struct RunCx<'a> {
    pub env: &'a Env,
    pub credentials: Option<&'a Map<String, Value>>,
}

impl RunCx<'_> {
    pub fn access_token(&self) -> &str {
        self.credentials.and_then(|c| c.get("access_token")).and_then(Value::as_str).unwrap_or_default()
    }

    pub fn base(&self, var: &str, default: &str) -> String {
        crate::platform::var(self.env, var, default)
    }

    pub async fn send(&self, req: Outbound) -> Result<Answer, Failure> {
        outbound::send(self.env, req).await
    }
}

pub async fn run(action: &Action, cx: &RunCx<'_>, input: &Map<String, Value>) -> Outcome {
    match action.run {
        Run::SlackSendMessage => slack::send_message(cx, input).await,
        Run::GithubCreateIssue => github::create_issue(cx, input).await,
        Run::SheetsAppendRow => google_sheets::append_row(cx, input).await,
        Run::HttpSendRequest => http::send_request(cx, input).await,
    }
}

// ---- shared by the pieces ---------------------------------------------------------------

/// The `output` of a call that got no answer (CONTRACT.md, Actions).
pub fn failure_output(f: &Failure) -> Value {
    match f {
        Failure::Timeout => json!({"error": "UPSTREAM_TIMEOUT"}),
        Failure::Refused(r) => json!({"error": "UPSTREAM_UNREACHABLE", "message": r.message()}),
        Failure::TooManyRedirects => json!({"error": "UPSTREAM_UNREACHABLE", "message": format!(
            "The upstream redirected more than {} times.", crate::domain::outbound::MAX_REDIRECTS
        )}),
        Failure::Unreachable(detail) => {
            json!({"error": "UPSTREAM_UNREACHABLE", "message": format!("The upstream could not be reached: {detail}")})
        }
    }
}

/// The `output` of an answer longer than `OUTBOUND_MAX_RESPONSE_BYTES`, for the pieces that
/// need the whole answer (slack, github, sheets): nothing past the cap was read.
pub fn too_large(answer: &Answer) -> Value {
    json!({"error": "UPSTREAM_ERROR", "status": answer.status, "body": null,
           "message": "The upstream's response is too large (response too large)."})
}

/// The `output` of an upstream error answer.
pub fn upstream_error(answer: &Answer) -> Value {
    json!({"error": "UPSTREAM_ERROR", "status": answer.status, "body": answer.body_value()})
}

pub fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// A JSON answer of a bearer-authenticated API: success on 2xx, `UPSTREAM_ERROR` else.
pub fn json_outcome(result: Result<Answer, Failure>) -> Outcome {
    match result {
        Err(f) => Outcome::failed(failure_output(&f)),
        Ok(a) if a.truncated => Outcome::failed(too_large(&a)),
        Ok(a) if is_success(a.status) => Outcome::ok(a.body_value()),
        Ok(a) => Outcome::failed(upstream_error(&a)),
    }
}

/// `base` + `path`, with exactly one slash between them.
pub fn join(base: &str, path: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches('/'))
}

/// Percent-encodes a path segment: everything but RFC 3986's unreserved characters.
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn bearer_json_headers(token: &str) -> Vec<(String, String)> {
    vec![
        ("Authorization".into(), format!("Bearer {token}")),
        ("Content-Type".into(), "application/json; charset=utf-8".into()),
        ("Accept".into(), "application/json".into()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer { status, headers: vec![], body: body.as_bytes().to_vec(), truncated: false }
    }

    #[test]
    fn registry_names_every_piece_and_action_once() {
        let names: Vec<&str> = PIECES.iter().map(|p| p.name).collect();
        assert_eq!(names, ["slack", "github", "google-sheets", "http"]);
        assert!(find("slack").and_then(|p| p.action("send_message")).is_some_and(|a| a.needs_connection));
        assert!(find("github").and_then(|p| p.action("create_issue")).is_some());
        assert!(find("google-sheets").and_then(|p| p.action("append_row")).is_some());
        assert!(find("http").and_then(|p| p.action("send_request")).is_some_and(|a| !a.needs_connection));
        assert!(find("slack").and_then(|p| p.action("send_msg")).is_none());
        let specs: Vec<&str> = connection_specs().iter().map(|s| s.piece).collect();
        assert_eq!(specs, ["slack", "github", "google-sheets"]);
    }

    #[test]
    fn describe_gives_schemas_and_connection_needs() {
        let d = slack::PIECE.describe();
        assert_eq!(d["actions"][0]["requiresConnection"], true);
        assert_eq!(d["actions"][0]["inputSchema"]["required"], json!(["channel", "text"]));
        assert_eq!(d["connection"]["credentials"], json!(["access_token"]));
        assert_eq!(http::PIECE.describe()["connection"], Value::Null);
    }

    #[test]
    fn failures_map_to_the_contract_outputs() {
        assert_eq!(failure_output(&Failure::Timeout), json!({"error": "UPSTREAM_TIMEOUT"}));
        let o = failure_output(&Failure::Unreachable("connection refused".into()));
        assert_eq!(o["error"], "UPSTREAM_UNREACHABLE");
        assert!(o["message"].as_str().unwrap().contains("connection refused"));
        assert_eq!(failure_output(&Failure::TooManyRedirects)["error"], "UPSTREAM_UNREACHABLE");
        assert_eq!(
            upstream_error(&answer(500, r#"{"error":"boom"}"#)),
            json!({"error": "UPSTREAM_ERROR", "status": 500, "body": {"error": "boom"}})
        );
        assert_eq!(upstream_error(&answer(502, "Bad gateway"))["body"], "Bad gateway");
        assert_eq!(json_outcome(Ok(answer(201, r#"{"id":1}"#))), Outcome::ok(json!({"id": 1})));
        assert!(matches!(json_outcome(Ok(answer(404, "{}"))), Outcome::Done { success: false, .. }));
        let cut = Answer { truncated: true, ..answer(200, "[0,0,0") };
        let Outcome::Done { success, output } = json_outcome(Ok(cut)) else { panic!() };
        assert!(!success);
        assert_eq!(output["error"], "UPSTREAM_ERROR");
        assert!(output["message"].as_str().unwrap().contains("response too large"));
    }

    #[test]
    fn paths_are_joined_and_segments_encoded() {
        assert_eq!(join("http://x/api/", "/chat.postMessage"), "http://x/api/chat.postMessage");
        assert_eq!(join("http://x/api", "chat.postMessage"), "http://x/api/chat.postMessage");
        assert_eq!(encode_segment("a b/c?d#e%"), "a%20b%2Fc%3Fd%23e%25");
        assert_eq!(encode_segment("Leads-1_x.~"), "Leads-1_x.~");
        assert_eq!(encode_segment("å"), "%C3%A5");
    }
}
