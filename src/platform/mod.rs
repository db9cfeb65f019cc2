//! Thin wrappers over the platform: clock, CSPRNG, configuration and D1 argument helpers.
//! Everything that touches a binding but is not a resource's own SQL lives here.
pub mod d1;
pub mod html;
pub mod outbound;

use wasm_bindgen::prelude::*;
use worker::wasm_bindgen_futures::JsFuture;
use worker::{js_sys, Env};

#[wasm_bindgen]
extern "C" {
    /// Set on `globalThis` by js/entry.mjs: reads a `ReadableStream` (or null) keeping at
    /// most `cap` bytes, cancelling it past that; answers `[Uint8Array, truncated]`.
    #[wasm_bindgen(js_name = __weavReadCapped, catch)]
    fn weav_read_capped(stream: &JsValue, cap: f64, keep: bool) -> Result<js_sys::Promise, JsValue>;
}

/// Reads a body stream (`None`: no body) with a running count: at most `cap` bytes, and
/// whether more were on the way (then the stream is cancelled, not drained). `keep`:
/// answer the first `cap` bytes of a longer body (else nothing: it is refused whole).
pub async fn read_capped(stream: Option<&JsValue>, cap: usize, keep: bool) -> Result<(Vec<u8>, bool), worker::Error> {
    let Some(stream) = stream else { return Ok((Vec::new(), false)) };
    let promise = weav_read_capped(stream, cap as f64, keep).map_err(worker::Error::from)?;
    let pair: js_sys::Array = JsFuture::from(promise).await.map_err(worker::Error::from)?.unchecked_into();
    let bytes: js_sys::Uint8Array = pair.get(0).unchecked_into();
    Ok((bytes.to_vec(), pair.get(1).is_truthy()))
}

/// Milliseconds since the epoch, from the isolate's clock.
pub fn now_ms() -> i64 {
    // `Date.now()`: worker::Date::now() builds a JS Date object to read it.
    worker::js_sys::Date::now() as i64
}

/// Bytes from the platform CSPRNG (`crypto.getRandomValues` through getrandom's wasm_js).
pub fn random_bytes<const N: usize>() -> Result<[u8; N], worker::Error> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| worker::Error::RustError(format!("getrandom: {e}")))?;
    Ok(buf)
}

/// A new prefixed id with 24 base62 characters (~142 bits): unguessable, so a blob URL
/// can be served without a token.
pub fn new_id(prefix: &str) -> Result<String, worker::Error> {
    Ok(crate::domain::token::random_id(prefix, &random_bytes::<48>()?, 24))
}

/// A `[vars]` value or secret, or `default` when it is not configured. Both are plain
/// strings on `env`: one property read (worker-rs's `env.var` also checks the binding's
/// constructor name, and builds an error text for every missing name).
pub fn var(env: &Env, name: &str, default: &str) -> String {
    worker::js_sys::Reflect::get(env, &wasm_bindgen::JsValue::from_str(name))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| default.to_string())
}

/// The test hooks are on: compiled in (the `test-hooks` feature of the e2e build) and
/// switched on (`TEST_HOOKS=true`). Always false in a release build.
pub fn test_hooks(env: &Env) -> bool {
    cfg!(feature = "test-hooks") && var(env, "TEST_HOOKS", "") == "true"
}

/// A request id's 96 bits: unique, not secret, so from a generator seeded once per isolate
/// from the CSPRNG rather than a call into JS per request (tokens, ids and nonces still
/// come from `random_bytes`).
pub fn request_id_bits() -> [u8; 12] {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new(u64::from_le_bytes(random_bytes::<8>().unwrap_or_else(|_| (now_ms() as u64).to_le_bytes())) | 1);
    }
    STATE.with(|s| {
        let mut out = [0u8; 12];
        let a = crate::domain::token::splitmix64(s);
        let b = crate::domain::token::splitmix64(s);
        out[..8].copy_from_slice(&a.to_le_bytes());
        out[8..].copy_from_slice(&b.to_le_bytes()[..4]);
        out
    })
}

/// The sealer for secrets at rest: `CREDENTIALS_KEY` seals and opens, and
/// `CREDENTIALS_KEY_PREVIOUS`, while a rotation is under way, opens what the old key
/// sealed. A missing or malformed key is a server misconfiguration: the caller answers
/// 500, and nothing is stored in clear.
pub fn sealer(env: &Env) -> Result<crate::domain::secret::Sealer, worker::Error> {
    crate::domain::secret::Sealer::from_base64_keys(
        &var(env, "CREDENTIALS_KEY", ""),
        &var(env, "CREDENTIALS_KEY_PREVIOUS", ""),
    )
    .map_err(|_| {
        worker::Error::RustError(
            "CREDENTIALS_KEY (or CREDENTIALS_KEY_PREVIOUS) is missing or not 32 bytes of base64".into(),
        )
    })
}

/// Seals a secret with a fresh nonce from the CSPRNG.
pub fn seal(env: &Env, plaintext: &str) -> Result<String, worker::Error> {
    sealer(env)?
        .seal(random_bytes::<12>()?, plaintext.as_bytes())
        .map_err(|_| worker::Error::RustError("encryption failed".into()))
}
