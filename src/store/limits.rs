//! The worker's side of the `WorkspaceLimits` Durable Object (`objects/limits.rs`): one
//! request to the workspace's object, named by the workspace id.

use crate::domain::limits::{LimitsAnswer, LimitsRequest};
use worker::{Env, Method, Request, RequestInit};

pub const BINDING: &str = "LIMITS";

pub async fn ask(env: &Env, workspace_id: i64, ask: &LimitsRequest) -> worker::Result<LimitsAnswer> {
    ask_named(env, &workspace_id.to_string(), ask).await
}

/// The same request to the object of another name: the website widget keeps a window per
/// key (`widget-key:<id>`) and per session (`widget-session:<id>`) in objects of this class,
/// apart from every workspace's (whose names are all digits).
pub async fn ask_named(env: &Env, name: &str, ask: &LimitsRequest) -> worker::Result<LimitsAnswer> {
    let stub = env.durable_object(BINDING)?.id_from_name(name)?.get_stub()?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(serde_json::to_string(ask)?.into()));
    let req = Request::new_with_init("https://limits.internal/", &init)?;
    let mut resp = stub.fetch_with_request(req).await?;
    if resp.status_code() != 200 {
        return Err(worker::Error::RustError(format!("limits object answered {}", resp.status_code())));
    }
    resp.json().await
}
