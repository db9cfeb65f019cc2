//! Bearer-token authentication: one KV read per request, keyed by the token's SHA-256.

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
    /// The token's id: the audit log's actor.
    pub token_id: i64,
}

/// A refused request: the error it answers, and the token when it is a known one (an
/// expired token, or one without the ability), whose refusal the audit log records.
pub struct Refused {
    pub error: ApiError,
    pub known: Option<Caller>,
}

impl From<ApiError> for Refused {
    fn from(error: ApiError) -> Self {
        Refused { error, known: None }
    }
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
pub async fn authenticate(req: &Inbound, env: &Env, method: Verb) -> Result<Caller, Refused> {
    let raw = bearer(req).ok_or(Refused::from(ApiError::Unauthenticated))?;
    // The checksum rejects typos and made-up strings without a KV read.
    if !token::is_well_formed(&raw) {
        return Err(ApiError::Unauthenticated.into());
    }
    let record: TokenRecord = tokens::lookup(env, &token::sha256_hex(&raw))
        .await
        .map_err(ApiError::from)?
        .ok_or(ApiError::Unauthenticated)?;
    let caller = Caller { workspace_id: record.workspace_id, abilities: record.abilities, token_id: record.token_id };
    if record.expires_at.is_some_and(|exp| exp <= crate::platform::now_ms()) {
        return Err(Refused { error: ApiError::Unauthenticated, known: Some(caller) });
    }
    let needed = if method.is_read() { workspace::READ } else { workspace::WRITE };
    if !caller.abilities.iter().any(|a| a == needed) {
        return Err(Refused { error: ApiError::MissingAbility(needed), known: Some(caller) });
    }
    Ok(caller)
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
