//! `GET /v1/health`: no token, no storage; the floor benchmarks compare against.

use super::error::ApiResult;
use worker::{Headers, Response};

pub fn get() -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("Content-Type", "application/json")?;
    Ok(Response::from_bytes(br#"{"status":"ok"}"#.to_vec())?.with_headers(headers))
}
