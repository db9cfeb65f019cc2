//! Slack: `send_message` → `POST {SLACK_API_BASE}/chat.postMessage` with the connection's
//! bearer token. Slack answers 200 even for errors; `ok: false` is an upstream error whose
//! answer (`{ok: false, error}`) is passed through as the output.

use super::{
    bearer_json_headers, failure_output, is_success, join, upstream_error, Action, Outcome, Piece, Run, RunCx,
};
use crate::domain::action_input::{required, Kind};
use crate::platform::outbound::{Answer, Failure, Outbound};
use serde_json::{json, Map, Value};
use worker::Method;

pub const BASE_VAR: &str = "SLACK_API_BASE";
pub const BASE_DEFAULT: &str = "https://slack.com/api";

pub static PIECE: Piece = Piece {
    name: "slack",
    display_name: "Slack",
    description: "Send messages to Slack channels.",
    credentials: Some(&["access_token"]),
    actions: &[Action {
        name: "send_message",
        display_name: "Send message",
        description: "Posts a message to a channel (chat.postMessage).",
        needs_connection: true,
        fields: &[
            required("channel", Kind::Str, "Channel id (C01ABC23DEF) or name."),
            required("text", Kind::Str, "Message text (Slack mrkdwn)."),
        ],
        run: Run::SlackSendMessage,
    }],
};

pub fn request(base: &str, token: &str, input: &Map<String, Value>) -> Outbound {
    let body = json!({"channel": input.get("channel"), "text": input.get("text")});
    Outbound {
        method: Method::Post,
        url: join(base, "chat.postMessage"),
        headers: bearer_json_headers(token),
        body: Some(body.to_string().into_bytes()),
    }
}

pub fn outcome(result: Result<Answer, Failure>) -> Outcome {
    match result {
        Err(f) => Outcome::failed(failure_output(&f)),
        Ok(a) if a.truncated => Outcome::failed(super::too_large(&a)),
        Ok(a) if !is_success(a.status) => Outcome::failed(upstream_error(&a)),
        Ok(a) => {
            let body = a.body_value();
            match body.get("ok").and_then(Value::as_bool) {
                Some(true) => Outcome::ok(body),
                Some(false) => Outcome::failed(body),
                None => Outcome::failed(upstream_error(&a)),
            }
        }
    }
}

pub async fn send_message(cx: &RunCx<'_>, input: &Map<String, Value>) -> Outcome {
    let req = request(&cx.base(BASE_VAR, BASE_DEFAULT), cx.access_token(), input);
    outcome(cx.send(req).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Result<Answer, Failure> {
        Ok(Answer { status, headers: vec![], body: body.as_bytes().to_vec(), truncated: false })
    }

    #[test]
    fn posts_channel_and_text_with_the_bearer() {
        let input = json!({"channel": "C1", "text": "hi"}).as_object().cloned().unwrap();
        let r = request("http://mock/slack/", "xoxb-1", &input);
        assert_eq!(r.method, Method::Post);
        assert_eq!(r.url, "http://mock/slack/chat.postMessage");
        assert!(r.headers.contains(&("Authorization".into(), "Bearer xoxb-1".into())));
        let body: Value = serde_json::from_slice(&r.body.unwrap()).unwrap();
        assert_eq!(body, json!({"channel": "C1", "text": "hi"}));
    }

    #[test]
    fn ok_false_is_a_failure_with_slacks_answer() {
        let ok = r#"{"ok":true,"channel":"C1","ts":"1.2","message":{"text":"hi"}}"#;
        assert_eq!(outcome(answer(200, ok)), Outcome::ok(serde_json::from_str(ok).unwrap()));
        let bad = r#"{"ok":false,"error":"channel_not_found"}"#;
        assert_eq!(outcome(answer(200, bad)), Outcome::failed(serde_json::from_str(bad).unwrap()));
        let Outcome::Done { success, output } = outcome(answer(500, "oops")) else { panic!() };
        assert!(!success);
        assert_eq!(output, json!({"error": "UPSTREAM_ERROR", "status": 500, "body": "oops"}));
        assert_eq!(outcome(Err(Failure::Timeout)), Outcome::failed(json!({"error": "UPSTREAM_TIMEOUT"})));
    }
}
