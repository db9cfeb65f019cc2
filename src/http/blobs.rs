//! `GET /v1/blobs/{id}`: stored pictures, without a token so that `avatar_url` works in an
//! `<img>` tag. The id is 24 random base62 characters, which is what keeps them private.

use super::error::{ApiError, ApiResult};
use super::Ctx;
use super::{Body, Reply};
use crate::store::agents as store;

pub async fn get(cx: &mut Ctx) -> ApiResult<Reply> {
    let id = cx.param("id");
    if !id.starts_with("blob_") {
        return Err(ApiError::not_found());
    }
    let row = store::get_blob(&cx.env, id).await?.ok_or_else(ApiError::not_found)?;
    let bytes = from_hex(&row.data_hex).ok_or_else(|| ApiError::Internal("blob is not hex".into()))?;
    Ok(Reply::new(200, Body::Bytes(bytes))
        .header("Content-Type", row.media_type)
        // A blob never changes under its id.
        .header("Cache-Control", "public, max-age=31536000, immutable")
        .header("X-Content-Type-Options", "nosniff")
        // An SVG could carry script: never let it run in our origin.
        .header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox"))
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    let val = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    b.chunks(2).map(|p| Some(val(p[0])? << 4 | val(p[1])?)).collect()
}
