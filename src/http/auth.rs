//! Bearer-token authentication: one KV read per request, keyed by the token's SHA-256
//! (cached per isolate), and the workspace's revocation check (`revoked`).

use super::audit::Actor;
use super::error::{ApiError, ApiResult};
use super::routes::Verb;
use super::Inbound;
use crate::domain::{token, workspace};
use crate::store::operator_keys;
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
    let expired = record.expires_at.is_some_and(|exp| exp <= crate::platform::now_ms());
    let revoked = !expired && revoked(env, &record).await?;
    let caller = Caller { workspace_id: record.workspace_id, abilities: record.abilities, token_id: record.token_id };
    if expired || revoked {
        return Err(Refused { error: ApiError::Unauthenticated, known: Some(caller) });
    }
    let needed = if method.is_read() { workspace::READ } else { workspace::WRITE };
    if !caller.abilities.iter().any(|a| a == needed) {
        return Err(Refused { error: ApiError::MissingAbility(needed), known: Some(caller) });
    }
    Ok(caller)
}

/// Refuses a revoked token, however its record was found (the isolate's cache or a KV
/// read a location may serve for 60 s after the delete): the workspace's revocations,
/// read at most once a second per isolate and workspace.
/// A failure to read them is a 500, never an acceptance past the bound.
async fn revoked(env: &Env, record: &TokenRecord) -> ApiResult<bool> {
    Ok(crate::store::revocations::refused(env, record.workspace_id, record.token_id).await?)
}

/// The operator API's guard: the `ADMIN_TOKEN` secret (the bootstrap), compared in
/// constant time, or a live operator key. A key is looked up by its SHA-256 in D1 on
/// every request, uncached, so a revocation holds at once everywhere; after the lookup
/// there is nothing secret left to compare. An operator key still works when
/// `ADMIN_TOKEN` is unset: the secret can be removed once keys exist.
pub async fn admin(req: &Inbound, env: &Env) -> ApiResult<Actor> {
    let given = bearer(req).ok_or(ApiError::Unauthenticated)?;
    let expected =
        env.secret("ADMIN_TOKEN").map(|s| s.to_string()).or_else(|_| env.var("ADMIN_TOKEN").map(|v| v.to_string()));
    if let Ok(expected) = expected {
        if !expected.is_empty() && constant_time_eq(expected.as_bytes(), given.as_bytes()) {
            return Ok(Actor::AdminToken);
        }
    }
    // The checksum turns typos and made-up strings away without a D1 read.
    if !token::is_operator_key(&given) {
        return Err(ApiError::Unauthenticated);
    }
    match operator_keys::valid(env, &token::sha256_hex(&given), crate::platform::now_ms()).await? {
        Some((id, name)) => Ok(Actor::OperatorKey { id: id.to_string(), name }),
        None => Err(ApiError::Unauthenticated),
    }
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
