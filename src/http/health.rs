//! `GET /v1/health`: no token, no storage; the floor benchmarks compare against.

use super::error::ApiResult;
use super::{Body, Reply};

pub fn get() -> ApiResult<Reply> {
    Ok(Reply::json(200, Body::Static(br#"{"status":"ok"}"#)))
}
