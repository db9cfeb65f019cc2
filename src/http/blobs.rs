//! `GET /v1/blobs/{id}`: stored pictures, without a token so that `avatar_url` works in an
//! `<img>` tag. The id is 24 random base62 characters, which is what keeps them private.
//!
//! A hot picture must not cost a D1 read per view: answers go through the Cache API of
//! the location (at most 60 s, `Cache-Control: public, max-age=60`). A dropped picture's
//! blob is deleted (migration 0010) and `purge` drops the cached copy where the change
//! was made; other locations stop serving it within those 60 s.

use super::error::{ApiError, ApiResult};
use super::Ctx;
use super::{Body, Reply};
use crate::domain::image;
use crate::store::agents as store;
use worker::{Cache, Headers, Response};

/// How long a location's cache, a CDN or a browser may keep a picture.
const CACHE_CONTROL: &str = "public, max-age=60";

pub async fn get(cx: &mut Ctx) -> ApiResult<Reply> {
    let id = cx.param("id").to_string();
    if !id.starts_with("blob_") {
        return Err(ApiError::not_found());
    }
    let key = cache_key(cx, &id);
    let cache = Cache::default();
    if let Ok(Some(hit)) = cache.get(key.as_str(), true).await {
        let media_type = image::served_type(&hit.headers().get("Content-Type").ok().flatten().unwrap_or_default());
        // The cached body goes out as the stream it is: never copied into wasm memory.
        let raw: worker::web_sys::Response = hit.into();
        let body = raw.body().map_or(Body::Empty, |stream| Body::Js(stream.into()));
        return Ok(picture(body, media_type));
    }
    let row = store::get_blob(&cx.env, &id).await?.ok_or_else(ApiError::not_found)?;
    let bytes = from_hex(&row.data_hex).ok_or_else(|| ApiError::Internal("blob is not hex".into()))?;
    // The stored media type is served only when it is one of the four picture types, so a
    // stored value can never make a header the runtime refuses.
    let media_type = image::served_type(&row.media_type);
    if let Err(e) = put(&cache, &key, &bytes, media_type).await {
        worker::console_warn!("blobs: caching {id} failed: {e}");
    }
    Ok(picture(Body::Bytes(bytes), media_type))
}

/// Drops a deleted picture's cached copy at this location.
pub async fn purge(cx: &Ctx, id: &str) {
    if let Err(e) = Cache::default().delete(cache_key(cx, id).as_str(), true).await {
        worker::console_warn!("blobs: purging {id} failed: {e}");
    }
}

fn cache_key(cx: &Ctx, id: &str) -> String {
    format!("{}/v1/blobs/{id}", cx.origin())
}

async fn put(cache: &Cache, key: &str, bytes: &[u8], media_type: &str) -> worker::Result<()> {
    let headers = Headers::new();
    headers.set("Content-Type", media_type)?;
    headers.set("Cache-Control", CACHE_CONTROL)?;
    cache.put(key, Response::from_bytes(bytes.to_vec())?.with_headers(headers)).await
}

fn picture(body: Body, media_type: &'static str) -> Reply {
    Reply::new(200, body)
        .header("Content-Type", media_type)
        .header("Cache-Control", CACHE_CONTROL)
        .header("X-Content-Type-Options", "nosniff")
        // Defence in depth: nothing served here may run script in our origin.
        .header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    let val = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    b.chunks(2).map(|p| Some(val(p[0])? << 4 | val(p[1])?)).collect()
}
