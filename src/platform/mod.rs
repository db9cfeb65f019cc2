//! Thin wrappers over the platform: clock, CSPRNG, configuration and D1 argument helpers.
//! Everything that touches a binding but is not a resource's own SQL lives here.
pub mod d1;
pub mod html;
pub mod outbound;

use worker::Env;

/// Milliseconds since the epoch, from the isolate's clock.
pub fn now_ms() -> i64 {
    worker::Date::now().as_millis() as i64
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

/// A `[vars]` value or secret, or `default` when it is not configured.
pub fn var(env: &Env, name: &str, default: &str) -> String {
    env.var(name)
        .map(|v| v.to_string())
        .or_else(|_| env.secret(name).map(|v| v.to_string()))
        .unwrap_or_else(|_| default.to_string())
}

/// The sealer for secrets at rest, keyed by `CREDENTIALS_KEY`. A missing or malformed key
/// is a server misconfiguration: the caller answers 500, and nothing is stored in clear.
pub fn sealer(env: &Env) -> Result<crate::domain::secret::Sealer, worker::Error> {
    crate::domain::secret::Sealer::from_base64_key(&var(env, "CREDENTIALS_KEY", ""))
        .map_err(|_| worker::Error::RustError("CREDENTIALS_KEY is missing or not 32 bytes of base64".into()))
}

/// Seals a secret with a fresh nonce from the CSPRNG.
pub fn seal(env: &Env, plaintext: &str) -> Result<String, worker::Error> {
    sealer(env)?
        .seal(random_bytes::<12>()?, plaintext.as_bytes())
        .map_err(|_| worker::Error::RustError("encryption failed".into()))
}
