//! `GET /v1/health`: no token, no storage; the floor benchmarks compare against.

use super::error::ApiResult;
use super::{Body, Ctx, Reply};

pub async fn get(_cx: &mut Ctx) -> ApiResult<Reply> {
    Ok(Reply::json(200, Body::Static(br#"{"status":"ok"}"#)))
}
