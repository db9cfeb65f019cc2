//! The one error type. Every failure of every route becomes an `ApiError`, and only
//! `ApiError::body` turns it into a status, a body and headers, in one of the four body
//! families of CONTRACT.md (standard, validation, actions, business state).

use crate::domain::quota::Exceeded;
use crate::domain::validate::Errors;
use crate::store::quotas::{self, Check};
use serde_json::{json, Map, Value};

#[derive(Debug)]
pub enum ApiError {
    /// 401: missing, malformed, unknown, expired or revoked token.
    Unauthenticated,
    /// 403: the token lacks the ability the method needs.
    MissingAbility(&'static str),
    /// 403: a business rule forbids the operation (e.g. a protected agent).
    Forbidden(String),
    /// 403 STORAGE_QUOTA_EXCEEDED: the write would pass a storage quota; nothing was written.
    StorageQuotaExceeded(Exceeded),
    /// 404 for unknown routes and for ids outside the caller's workspace alike.
    NotFound(String),
    /// 405 with the methods the path does allow.
    MethodNotAllowed(Vec<&'static str>),
    /// 413: body over the limit.
    PayloadTooLarge,
    /// 400: body is not JSON, or not the JSON object expected.
    InvalidJson(String),
    /// 422 in seed 000's validation shape.
    Validation(Errors),
    /// Any other standard-family error: (status, code, message, extra `errors` object).
    Standard(u16, &'static str, String, Option<Map<String, Value>>),
    /// A raw body of another family (actions, business state) with its status and headers.
    Raw(u16, Value, Vec<(&'static str, String)>),
    /// 500: something unexpected. The detail is logged, never sent.
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn not_found() -> Self {
        ApiError::NotFound("The requested resource was not found.".into())
    }

    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(Errors::single(field, message))
    }

    // ---- the actions family (seed 004): `{"error": CODE, "message": ..., extra}` ----

    /// An actions-family error with its status, code and message.
    pub fn action(status: u16, code: &str, message: impl Into<String>) -> Self {
        ApiError::Raw(status, json!({"error": code, "message": message.into()}), vec![])
    }

    /// 400 VALIDATION_ERROR, e.g. `Missing required field: channel`.
    pub fn action_invalid(message: impl Into<String>) -> Self {
        Self::action(400, "VALIDATION_ERROR", message)
    }

    /// 404 NOT_FOUND, e.g. `Action 'send_msg' not found in piece 'slack'`.
    pub fn action_not_found(message: impl Into<String>) -> Self {
        Self::action(404, "NOT_FOUND", message)
    }

    /// 400 CONNECTION_REQUIRED.
    pub fn connection_required(action: &str) -> Self {
        Self::action(400, "CONNECTION_REQUIRED", format!("Action '{action}' requires an authenticated connection"))
    }

    /// 400 CONNECTION_ERROR: the connection is expired, unreadable or of another piece.
    pub fn connection_error(message: impl Into<String>) -> Self {
        Self::action(400, "CONNECTION_ERROR", message)
    }

    /// 429 RATE_LIMITED with `retryAfter` and `Retry-After`.
    /// 429 of the routes other than execute: the standard envelope, code `RATE_LIMITED`,
    /// `retry_after` in whole seconds (also in `Retry-After`).
    pub fn rate_limited_standard(retry_after: i64) -> Self {
        ApiError::Raw(
            429,
            json!({
                "error": crate::domain::limits::rate_limited_message(retry_after),
                "code": "RATE_LIMITED",
                "retry_after": retry_after,
            }),
            vec![("Retry-After", retry_after.to_string())],
        )
    }

    pub fn rate_limited(retry_after: i64) -> Self {
        ApiError::Raw(
            429,
            json!({
                "error": "RATE_LIMITED",
                "message": crate::domain::limits::rate_limited_message(retry_after),
                "retryAfter": retry_after,
            }),
            vec![("Retry-After", retry_after.to_string())],
        )
    }

    /// 403 QUOTA_EXCEEDED with `current`, `limit` and `plan`.
    pub fn quota_exceeded(current: i64, limit: i64, plan: &str) -> Self {
        ApiError::Raw(
            403,
            json!({
                "error": "QUOTA_EXCEEDED",
                "message": "Monthly action quota exceeded",
                "current": current,
                "limit": limit,
                "plan": plan,
            }),
            vec![],
        )
    }

    /// Body errors of the execute endpoint in the actions family (every error of
    /// `/v1/actions/execute` is, CONTRACT.md, Errors); other errors are left as they are.
    pub fn into_action_family(self) -> Self {
        match self {
            ApiError::PayloadTooLarge => {
                Self::action(413, "PAYLOAD_TOO_LARGE", "The request body may not be larger than 1 MiB.")
            }
            ApiError::InvalidJson(msg) => Self::action(400, "INVALID_JSON", msg),
            other => other,
        }
    }

    /// Adds response headers to an error that carries its own (the actions family).
    pub fn with_headers(self, extra: &[(&'static str, String)]) -> Self {
        match self {
            ApiError::Raw(status, body, mut headers) => {
                headers.extend(extra.iter().cloned());
                ApiError::Raw(status, body, headers)
            }
            other => other,
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            ApiError::Unauthenticated => 401,
            ApiError::MissingAbility(_) | ApiError::Forbidden(_) | ApiError::StorageQuotaExceeded(_) => 403,
            ApiError::NotFound(_) => 404,
            ApiError::MethodNotAllowed(_) => 405,
            ApiError::PayloadTooLarge => 413,
            ApiError::InvalidJson(_) => 400,
            ApiError::Validation(_) => 422,
            ApiError::Standard(s, ..) | ApiError::Raw(s, ..) => *s,
            ApiError::Internal(_) => 500,
        }
    }

    /// The JSON body (without `request_id`, which the caller adds) and extra headers.
    pub fn body(self) -> (u16, Value, Vec<(&'static str, String)>) {
        let status = self.status();
        let std = |error: String, code: &str| json!({"error": error, "code": code});
        match self {
            ApiError::Unauthenticated => (status, std("Unauthenticated".into(), "UNAUTHENTICATED"), vec![]),
            ApiError::MissingAbility(ability) => (
                status,
                std(format!("Token missing required ability: {ability}"), "INSUFFICIENT_TOKEN_ABILITY"),
                vec![],
            ),
            ApiError::Forbidden(msg) => (status, std(msg, "FORBIDDEN"), vec![]),
            ApiError::StorageQuotaExceeded(x) => (
                status,
                json!({
                    "error": x.message(),
                    "code": "STORAGE_QUOTA_EXCEEDED",
                    "resource": x.resource.name(),
                    "current": x.current,
                    "limit": x.limit,
                    "plan": x.plan,
                }),
                vec![],
            ),
            ApiError::NotFound(msg) => (status, std(msg, "RESOURCE_NOT_FOUND"), vec![]),
            ApiError::MethodNotAllowed(allow) => (
                status,
                std("The method is not allowed for this path.".into(), "METHOD_NOT_ALLOWED"),
                vec![("Allow", allow.join(", "))],
            ),
            ApiError::PayloadTooLarge => {
                (status, std("The request body may not be larger than 1 MiB.".into(), "PAYLOAD_TOO_LARGE"), vec![])
            }
            ApiError::InvalidJson(msg) => (status, std(msg, "INVALID_JSON"), vec![]),
            ApiError::Validation(errors) => {
                (status, json!({"message": "The given data was invalid.", "errors": errors.0}), vec![])
            }
            ApiError::Standard(_, code, msg, extra) => {
                let mut body = std(msg, code);
                if let (Some(extra), Some(obj)) = (extra, body.as_object_mut()) {
                    obj.insert("errors".into(), Value::Object(extra));
                }
                (status, body, vec![])
            }
            ApiError::Raw(_, body, headers) => (status, body, headers),
            ApiError::Internal(detail) => {
                worker::console_error!("internal error: {detail}");
                (status, std("Internal server error".into(), "INTERNAL_ERROR"), vec![])
            }
        }
    }
}

/// A write batch that failed: 403 STORAGE_QUOTA_EXCEEDED when one of its quota guards
/// (`checks`, or a workspace-wide one) refused it, else what `otherwise` makes of the error.
pub async fn write_failed(
    env: &worker::Env,
    workspace_id: i64,
    checks: &[Check<'_>],
    err: worker::Error,
    otherwise: impl FnOnce(worker::Error) -> ApiError,
) -> ApiError {
    match quotas::explain(env, workspace_id, checks, err).await {
        Ok(x) => ApiError::StorageQuotaExceeded(x),
        Err(e) => otherwise(e),
    }
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> Self {
        ApiError::Internal(crate::platform::d1::error_text(&e))
    }
}

impl From<worker::kv::KvError> for ApiError {
    fn from(e: worker::kv::KvError) -> Self {
        ApiError::Internal(format!("kv: {e}"))
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::Internal(format!("json: {e}"))
    }
}

impl From<Errors> for ApiError {
    fn from(e: Errors) -> Self {
        ApiError::Validation(e)
    }
}
