//! Request bodies: the 1 MiB limit and JSON parsing, in the order CONTRACT.md fixes
//! (413 before 400 before 422).

use super::error::{ApiError, ApiResult};
use super::{Ctx, MAX_BODY_BYTES};
use serde_json::{Map, Value};
use worker::Request;

/// Refuses a declared `Content-Length` over the limit before reading anything.
pub fn check_declared_length(req: &Request) -> ApiResult<()> {
    if let Ok(Some(len)) = req.headers().get("Content-Length") {
        if len.trim().parse::<u64>().map_or(false, |n| n > MAX_BODY_BYTES as u64) {
            return Err(ApiError::PayloadTooLarge);
        }
    }
    Ok(())
}

/// Reads the body (refusing more than the limit, declared or not) and parses it as a
/// JSON object.
/// A body buffered by the request path (idempotency) is used instead of the request's.
pub async fn json_object(cx: &mut Ctx) -> ApiResult<Map<String, Value>> {
    if let Some(bytes) = cx.body.take() {
        return parse_object(&bytes);
    }
    let bytes =
        cx.req.bytes().await.map_err(|_| ApiError::InvalidJson("The request body could not be read.".into()))?;
    parse_object(&bytes)
}

pub fn parse_object(bytes: &[u8]) -> ApiResult<Map<String, Value>> {
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::InvalidJson("The request body must be a JSON object.".into())),
        Err(e) => Err(ApiError::InvalidJson(format!("The request body is not valid JSON: {e}."))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_pass_everything_else_is_400_or_413() {
        assert!(parse_object(br#"{"a":1}"#).is_ok());
        for bad in [&b""[..], b"[]", b"null", b"1", b"{", b"\"x\""] {
            assert!(matches!(parse_object(bad), Err(ApiError::InvalidJson(_))), "{bad:?}");
        }
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert!(matches!(parse_object(&big), Err(ApiError::PayloadTooLarge)));
    }
}
