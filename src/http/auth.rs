//! Bearer-token authentication: one KV read per request, keyed by the token's SHA-256
//! (cached per isolate), and the workspace's revocation check (`revoked`).

use super::error::{ApiError, ApiResult};
use super::routes::Verb;
use super::Inbound;
use crate::domain::{token, workspace};
use crate::store::tokens::{self, TokenRecord};
use worker::Env;

/// Who is calling: the token's workspace and what it may do.
#[derive(Debug, Clone)]
pub struct Caller {
    pub workspace_id: i64,
    pub abilities: Vec<String>,
}

fn bearer(req: &Inbound) -> Option<String> {
    let header = req.headers().get("Authorization").ok()??;
    let (scheme, value) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// Resolves the token and checks the ability the method needs (GET/HEAD read, else write).
pub async fn authenticate(req: &Inbound, env: &Env, method: Verb) -> ApiResult<Caller> {
    let raw = bearer(req).ok_or(ApiError::Unauthenticated)?;
    // The checksum rejects typos and made-up strings without a KV read.
    if !token::is_well_formed(&raw) {
        return Err(ApiError::Unauthenticated);
    }
    let record: TokenRecord = tokens::lookup(env, &token::sha256_hex(&raw)).await?.ok_or(ApiError::Unauthenticated)?;
    if record.expires_at.is_some_and(|exp| exp <= crate::platform::now_ms()) {
        return Err(ApiError::Unauthenticated);
    }
    revoked(env, &record).await?;
    let needed = if method.is_read() { workspace::READ } else { workspace::WRITE };
    if !record.abilities.iter().any(|a| a == needed) {
        return Err(ApiError::MissingAbility(needed));
    }
    Ok(Caller { workspace_id: record.workspace_id, abilities: record.abilities })
}

/// Refuses a revoked token, however its record was found (the isolate's cache or a KV
/// read a location may serve for 60 s after the delete): the workspace's revocations,
/// read at most once a second per isolate and workspace.
async fn revoked(env: &Env, record: &TokenRecord) -> ApiResult<()> {
    if crate::store::revocations::refused(env, record.workspace_id, record.token_id).await? {
        return Err(ApiError::Unauthenticated);
    }
    Ok(())
}

/// The operator API's guard: the `ADMIN_TOKEN` secret, compared in constant time.
pub fn admin(req: &Inbound, env: &Env) -> ApiResult<()> {
    let expected =
        env.secret("ADMIN_TOKEN").map(|s| s.to_string()).or_else(|_| env.var("ADMIN_TOKEN").map(|v| v.to_string()));
    let (Ok(expected), Some(given)) = (expected, bearer(req)) else {
        return Err(ApiError::Unauthenticated);
    };
    if expected.is_empty() || !constant_time_eq(expected.as_bytes(), given.as_bytes()) {
        return Err(ApiError::Unauthenticated);
    }
    Ok(())
}

/// `subtle`'s constant-time comparison (already in the build through aes-gcm): the time
/// taken says nothing about how much of the token matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn constant_time_eq_compares_whole_strings() {
        assert!(super::constant_time_eq(b"abc", b"abc"));
        assert!(!super::constant_time_eq(b"abc", b"abd"));
        assert!(!super::constant_time_eq(b"abc", b"abcd"));
    }
}
