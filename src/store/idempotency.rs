//! The worker's side of the `WorkspaceIdempotency` Durable Object (`objects/idempotency.rs`):
//! one request to the workspace's object per call, named by the workspace id.
//!
//! A stored response may hold a secret shown once (a webhook's signing secret, a token),
//! so it is sealed here, before it leaves the worker (`Sealer::seal_bytes`: the raw form,
//! 40 bytes more, no base64 growth), and opened here on a replay: the object only ever
//! holds ciphertext.

use crate::domain::idempotency::{self as idem, StoredResponse};
use crate::domain::secret::Sealer;
use worker::{Env, Headers, Method, Request, RequestInit, Stub};

pub const BINDING: &str = "IDEMPOTENCY";

/// The object's answer to a claim.
pub enum Claim {
    /// This request owns the key: run, then `complete` or `release` with this token.
    Claimed(String),
    Replay(StoredResponse),
    InProgress,
    Mismatch,
}

fn stub(env: &Env, workspace_id: i64) -> worker::Result<Stub> {
    env.durable_object(BINDING)?.id_from_name(&workspace_id.to_string())?.get_stub()
}

async fn call(
    env: &Env,
    workspace_id: i64,
    op: &str,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> worker::Result<worker::Response> {
    let h = Headers::new();
    for (name, value) in headers {
        h.set(name, value)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(h);
    if let Some(body) = body {
        init.with_body(Some(worker::js_sys::Uint8Array::from(body.as_slice()).into()));
    }
    let req = Request::new_with_init(&format!("https://idempotency.internal/{op}"), &init)?;
    stub(env, workspace_id)?.fetch_with_request(req).await
}

pub async fn claim(env: &Env, workspace_id: i64, key: &str, fingerprint: &str) -> worker::Result<Claim> {
    let mut resp =
        call(env, workspace_id, "claim", &[("X-Idem-Key", key), ("X-Idem-Fingerprint", fingerprint)], None).await?;
    match resp.status_code() {
        idem::CLAIMED => Ok(Claim::Claimed(resp.text().await?)),
        idem::REPLAY => {
            let bytes = resp.bytes().await?;
            opened(env, &bytes)
                .and_then(|plain| StoredResponse::decode(&plain))
                .map(Claim::Replay)
                .ok_or_else(|| worker::Error::RustError("idempotency object: unreadable stored response".into()))
        }
        idem::IN_PROGRESS => Ok(Claim::InProgress),
        idem::MISMATCH => Ok(Claim::Mismatch),
        other => Err(worker::Error::RustError(format!("idempotency object answered {other}"))),
    }
}

/// A stored response opened. One stored before responses were sealed (it starts with its
/// status code, never with the sealed prefix) is taken as it is: such keys expire within
/// 24 hours of the change. `None`: sealed under a key no longer configured, or tampered.
fn opened(env: &Env, bytes: &[u8]) -> Option<Vec<u8>> {
    if !Sealer::is_sealed_bytes(bytes) {
        return Some(bytes.to_vec());
    }
    crate::platform::sealer(env).ok()?.open_bytes(bytes).ok()
}

/// Stores the response of the request that owns the key. `false` when the token no longer
/// owns it (the claim expired and another request claimed the key).
pub async fn complete(
    env: &Env,
    workspace_id: i64,
    key: &str,
    token: &str,
    stored: &StoredResponse,
) -> worker::Result<bool> {
    let sealed = crate::platform::sealer(env)?
        .seal_bytes(crate::platform::random_bytes::<12>()?, &stored.encode())
        .map_err(|_| worker::Error::RustError("sealing the stored response failed".into()))?;
    let resp =
        call(env, workspace_id, "complete", &[("X-Idem-Key", key), ("X-Idem-Token", token)], Some(sealed)).await?;
    Ok(resp.status_code() == 204)
}

/// Forgets a claim whose response is not stored (a 4xx), so the key can be used again.
pub async fn release(env: &Env, workspace_id: i64, key: &str, token: &str) -> worker::Result<()> {
    call(env, workspace_id, "release", &[("X-Idem-Key", key), ("X-Idem-Token", token)], None).await?;
    Ok(())
}
