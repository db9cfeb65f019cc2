//! Website widget rules, pure: publishable-key fields (exact origins, the agent, identity
//! verification, the widget's own rate limits), what a page may send to open a session,
//! and the two ways an integrator's server vouches for a user: an HMAC-SHA256 `user_hash`
//! of the user id, or an HS256 `user_jwt`. Both use the key's whole `whsec_...` signing
//! secret as UTF-8 bytes (CONTRACT.md, Website widget), so integrators sign with the
//! string they were shown, without decoding it.

use super::support::MAX_BODY;
use super::validate::{Errors, Input};
use super::webhook::hmac_sha256;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{Map, Value};

pub const VERIFICATION: [&str; 2] = ["off", "required"];
pub const MAX_ORIGINS: usize = 20;
pub const MAX_ORIGIN_LEN: usize = 255;
pub const MAX_NAME: usize = 255;
pub const MAX_USER_ID: usize = 255;
/// A session lives an hour; the page renews it with the same call that opened it.
pub const SESSION_TTL_MS: i64 = 3_600_000;
/// A user JWT may not be valid for longer than a day (`exp` at most 24 h ahead).
pub const MAX_JWT_LIFETIME_S: i64 = 86_400;
/// Clocks of the integrator's server and ours may differ a little.
pub const CLOCK_SKEW_S: i64 = 60;
/// The widget's rate windows are a minute long. The defaults are also the ceilings: a
/// key may be set lower, never higher, so a public key cannot be turned into more load
/// than this.
pub const RATE_WINDOW_S: i64 = 60;
pub const KEY_RATE_LIMIT: i64 = 600;
pub const SESSION_RATE_LIMIT: i64 = 60;

/// The exact origin `s` names (`https://shop.example`, `http://127.0.0.1:8080`): http or
/// https, no path, query, fragment or credentials, written as browsers send `Origin`
/// (lower-case host, no default port, no trailing slash); `None` otherwise.
pub fn origin_problem(s: &str) -> Option<&'static str> {
    if s.len() > MAX_ORIGIN_LEN {
        return Some("may not be greater than 255 characters");
    }
    let Ok(u) = url::Url::parse(s) else { return Some("must be an origin such as https://www.example.com") };
    if u.scheme() != "https" && u.scheme() != "http" {
        return Some("must use http or https");
    }
    if u.origin().ascii_serialization() != s {
        return Some(
            "must be exactly scheme://host[:port], as browsers send it in Origin (no path, no trailing slash)",
        );
    }
    None
}

/// What a key create or PATCH sets; `None`: left out.
#[derive(Debug, Default, PartialEq)]
pub struct KeyInput {
    pub name: Option<Option<String>>,
    /// The agent's id or uid.
    pub agent: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    pub identity_verification: Option<String>,
    pub rate_limit: Option<i64>,
    pub session_rate_limit: Option<i64>,
}

pub fn key_input(map: &Map<String, Value>, create: bool) -> Result<KeyInput, Errors> {
    let mut i = Input::new(map);
    let mut out =
        KeyInput { name: i.optional_str("name", MAX_NAME).map(|o| o.map(str::to_string)), ..Default::default() };
    match map.get("agent") {
        None if create => i.errors.add("agent", "The agent field is required."),
        None => {}
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 255 => out.agent = Some(s.clone()),
        Some(Value::Number(n)) if n.as_i64().is_some_and(|n| n > 0) => out.agent = Some(n.to_string()),
        Some(_) => i.errors.add("agent", "The agent must be an agent's id or uid."),
    }
    match map.get("allowed_origins") {
        None if create => i.errors.add("allowed_origins", "The allowed origins field is required."),
        None => {}
        Some(Value::Array(items)) => {
            let mut origins: Vec<String> = Vec::new();
            if items.is_empty() {
                i.errors.add("allowed_origins", "The allowed origins must have at least 1 item.");
            }
            if items.len() > MAX_ORIGINS {
                i.errors.add("allowed_origins", "The allowed origins may not have more than 20 items.");
            }
            for (n, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(s) => match origin_problem(s) {
                        Some(p) => i.errors.add(&format!("allowed_origins.{n}"), format!("The origin {p}.")),
                        None if origins.iter().any(|o| o == s) => {
                            i.errors.add(&format!("allowed_origins.{n}"), "The origin is listed twice.")
                        }
                        None => origins.push(s.to_string()),
                    },
                    None => i.errors.add(&format!("allowed_origins.{n}"), "The origin must be a string."),
                }
            }
            out.allowed_origins = Some(origins);
        }
        Some(_) => i.errors.add("allowed_origins", "The allowed origins must be an array of origins."),
    }
    out.identity_verification = i.optional_enum("identity_verification", &VERIFICATION).flatten().map(str::to_string);
    if map.get("identity_verification").is_some_and(Value::is_null) {
        i.errors.add("identity_verification", "The identity verification must be off or required.");
    }
    out.rate_limit = i.optional_int("rate_limit", 1, KEY_RATE_LIMIT).flatten();
    out.session_rate_limit = i.optional_int("session_rate_limit", 1, SESSION_RATE_LIMIT).flatten();
    for (key, max) in [("rate_limit", KEY_RATE_LIMIT), ("session_rate_limit", SESSION_RATE_LIMIT)] {
        if map.get(key).is_some_and(Value::is_null) {
            i.errors.add(key, format!("The {key} must be an integer between 1 and {max}."));
        }
    }
    i.errors.into_result()?;
    Ok(out)
}

/// Who the page says the visitor is.
#[derive(Debug, PartialEq)]
pub enum SessionInput {
    /// A visitor nobody vouches for; with the `visitor_id` an earlier session answered,
    /// the same visitor again.
    Anonymous { visitor_id: Option<String> },
    /// An HS256 JWT signed by the integrator's server.
    Jwt(String),
    /// The user id and the integrator's HMAC of it (`None`: not signed).
    UserId { user_id: String, user_hash: Option<String> },
}

pub fn session_input(map: &Map<String, Value>) -> Result<SessionInput, Errors> {
    let mut i = Input::new(map);
    let visitor_id = i.optional_str("visitor_id", 64).flatten();
    let jwt = i.optional_str("user_jwt", 8192).flatten();
    let user_id = i.optional_str("user_id", MAX_USER_ID).flatten();
    let user_hash = i.optional_str("user_hash", 128).flatten();
    if jwt.is_some() && user_id.is_some() {
        i.errors.add("user_jwt", "Send either user_jwt or user_id, not both.");
    }
    if user_hash.is_some() && user_id.is_none() {
        i.errors.add("user_id", "The user_id field is required with user_hash.");
    }
    if user_id.is_some_and(|u| u.trim().is_empty()) {
        i.errors.add("user_id", "The user_id may not be blank.");
    }
    i.errors.into_result()?;
    Ok(match (jwt, user_id) {
        (Some(j), _) => SessionInput::Jwt(j.to_string()),
        (None, Some(u)) => SessionInput::UserId { user_id: u.to_string(), user_hash: user_hash.map(str::to_string) },
        (None, None) => SessionInput::Anonymous { visitor_id: visitor_id.map(str::to_string) },
    })
}

/// The user an integrator vouched for.
#[derive(Debug, PartialEq)]
pub struct Identity {
    pub external_id: String,
    pub email: Option<String>,
    pub name: Option<String>,
}

/// Lower-case hex HMAC-SHA256 of `user_id` under the whole secret string.
pub fn user_hash(secret: &str, user_id: &str) -> String {
    super::token::hex(&hmac_sha256(secret.as_bytes(), user_id.as_bytes()))
}

/// The hash matches (hex, either case), compared in constant time.
pub fn user_hash_matches(secret: &str, user_id: &str, given: &str) -> bool {
    use subtle::ConstantTimeEq;
    let expected = user_hash(secret, user_id);
    let given = given.to_ascii_lowercase();
    expected.len() == given.len() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

/// Verifies an HS256 JWT under the secret at unix second `now_s`: the header must say
/// HS256 (no `none`, no other algorithm), the signature must match, `exp` is required,
/// in the future and at most a day ahead, `nbf` (if any) reached; `sub` names the user.
/// The error says why, for the log; the caller answers every failure with the same 401.
pub fn verify_jwt(secret: &str, jwt: &str, now_s: i64) -> Result<Identity, &'static str> {
    let mut parts = jwt.split('.');
    let (Some(h), Some(p), Some(sig), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err("not three parts");
    };
    let decode = |s: &str| URL_SAFE_NO_PAD.decode(s.trim_end_matches('='));
    let header: Value = decode(h).ok().and_then(|b| serde_json::from_slice(&b).ok()).ok_or("bad header")?;
    if header.get("alg").and_then(Value::as_str) != Some("HS256") {
        return Err("not HS256");
    }
    let given = decode(sig).map_err(|_| "bad signature encoding")?;
    let mut signed = Vec::with_capacity(h.len() + p.len() + 1);
    signed.extend_from_slice(h.as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(p.as_bytes());
    let expected = hmac_sha256(secret.as_bytes(), &signed);
    {
        use subtle::ConstantTimeEq;
        if given.len() != expected.len() || !bool::from(expected.ct_eq(&given)) {
            return Err("signature mismatch");
        }
    }
    let claims: Value = decode(p).ok().and_then(|b| serde_json::from_slice(&b).ok()).ok_or("bad payload")?;
    let exp = claims.get("exp").and_then(Value::as_f64).ok_or("no exp")? as i64;
    if exp <= now_s - CLOCK_SKEW_S {
        return Err("expired");
    }
    if exp > now_s + MAX_JWT_LIFETIME_S + CLOCK_SKEW_S {
        return Err("exp more than 24 h ahead");
    }
    if let Some(nbf) = claims.get("nbf").and_then(Value::as_f64) {
        if nbf as i64 > now_s + CLOCK_SKEW_S {
            return Err("not yet valid");
        }
    }
    let sub = match claims.get("sub") {
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= MAX_USER_ID => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err("no sub"),
    };
    let text =
        |k: &str, max: usize| claims.get(k).and_then(Value::as_str).filter(|s| s.len() <= max).map(str::to_string);
    let email = text("email", 255).filter(|e| super::support::email_problem(e).is_none());
    Ok(Identity { external_id: sub, email, name: text("name", MAX_NAME) })
}

/// An HS256 JWT of `claims` (tests, and the README's example to check against).
pub fn sign_jwt(secret: &str, claims: &Value) -> String {
    let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let p = URL_SAFE_NO_PAD.encode(claims.to_string());
    let sig = URL_SAFE_NO_PAD.encode(hmac_sha256(secret.as_bytes(), format!("{h}.{p}").as_bytes()));
    format!("{h}.{p}.{sig}")
}

/// A widget conversation's first message and subject.
#[derive(Debug, PartialEq)]
pub struct ConversationInput {
    pub subject: Option<String>,
    pub body: Option<String>,
}

pub fn conversation_input(map: &Map<String, Value>) -> Result<ConversationInput, Errors> {
    let mut i = Input::new(map);
    let subject = i.optional_str("subject", 255).flatten().map(str::to_string);
    let body = i.optional_str("body", MAX_BODY).flatten().map(str::to_string);
    if body.as_deref().is_some_and(|b| b.trim().is_empty()) {
        i.errors.add("body", "The body may not be blank.");
    }
    i.errors.into_result()?;
    Ok(ConversationInput { subject, body })
}

/// A customer's message: `{body}`.
pub fn message_input(map: &Map<String, Value>) -> Result<String, Errors> {
    let mut i = Input::new(map);
    let body = i.required_str("body", MAX_BODY);
    if body.is_some_and(|b| b.trim().is_empty()) {
        i.errors.add("body", "The body may not be blank.");
    }
    i.errors.into_result()?;
    Ok(body.unwrap_or_default().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    const SECRET: &str = "whsec_c2VjcmV0IHNlY3JldCBzZWNyZXQgc2VjcmV0IDEyMzQ=";

    #[test]
    fn origins_are_exact() {
        for ok in ["https://shop.example", "http://127.0.0.1:8080", "https://a.b.example:8443"] {
            assert_eq!(origin_problem(ok), None, "{ok}");
        }
        for bad in [
            "https://shop.example/",
            "https://Shop.example",
            "https://shop.example:443",
            "https://shop.example/path",
            "https://u:p@shop.example",
            "ftp://shop.example",
            "*",
            "shop.example",
            "null",
        ] {
            assert!(origin_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn key_input_requires_agent_and_origins_on_create_only() {
        let e = key_input(&obj(json!({})), true).unwrap_err();
        assert!(e.has("agent") && e.has("allowed_origins"));
        assert_eq!(key_input(&obj(json!({})), false).unwrap(), KeyInput::default());
        let k = key_input(
            &obj(json!({"agent": 7, "allowed_origins": ["https://a.example"], "identity_verification": "required",
                "rate_limit": 10, "session_rate_limit": 2})),
            true,
        )
        .unwrap();
        assert_eq!(k.agent.as_deref(), Some("7"));
        assert_eq!(k.identity_verification.as_deref(), Some("required"));
        assert_eq!((k.rate_limit, k.session_rate_limit), (Some(10), Some(2)));
    }

    #[test]
    fn key_input_refuses_bad_origin_lists_and_limits_above_the_ceiling() {
        let many: Vec<String> = (0..21).map(|n| format!("https://s{n}.example")).collect();
        for body in [
            json!({"agent": "a", "allowed_origins": []}),
            json!({"agent": "a", "allowed_origins": many}),
            json!({"agent": "a", "allowed_origins": ["https://a.example", "https://a.example"]}),
            json!({"agent": "a", "allowed_origins": ["https://a.example/"]}),
            json!({"agent": "a", "allowed_origins": "https://a.example"}),
        ] {
            assert!(
                key_input(&obj(body.clone()), true).unwrap_err().0.keys().any(|k| k.starts_with("allowed_origins")),
                "{body}"
            );
        }
        let e = key_input(
            &obj(json!({"rate_limit": 601, "session_rate_limit": 0, "identity_verification": "maybe"})),
            false,
        )
        .unwrap_err();
        assert!(e.has("rate_limit") && e.has("session_rate_limit") && e.has("identity_verification"));
        assert!(key_input(&obj(json!({"agent": null})), false).unwrap_err().has("agent"));
    }

    #[test]
    fn session_input_kinds() {
        assert_eq!(session_input(&Map::new()).unwrap(), SessionInput::Anonymous { visitor_id: None });
        assert_eq!(
            session_input(&obj(json!({"user_id": "u1", "user_hash": "ab"}))).unwrap(),
            SessionInput::UserId { user_id: "u1".into(), user_hash: Some("ab".into()) }
        );
        assert_eq!(session_input(&obj(json!({"user_jwt": "x.y.z"}))).unwrap(), SessionInput::Jwt("x.y.z".into()));
        assert!(session_input(&obj(json!({"user_jwt": "x", "user_id": "u"}))).is_err());
        assert!(session_input(&obj(json!({"user_hash": "ab"}))).is_err());
        assert!(session_input(&obj(json!({"user_id": 5}))).is_err());
    }

    #[test]
    fn user_hash_is_hex_hmac_of_the_user_id_under_the_secret_string() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            user_hash("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let h = user_hash(SECRET, "user-42");
        assert!(user_hash_matches(SECRET, "user-42", &h));
        assert!(user_hash_matches(SECRET, "user-42", &h.to_ascii_uppercase()));
        assert!(!user_hash_matches(SECRET, "user-43", &h));
        assert!(!user_hash_matches(SECRET, "user-42", &h[..63]));
    }

    #[test]
    fn jwt_verification() {
        let now = 1_800_000_000;
        let good =
            sign_jwt(SECRET, &json!({"sub": "user-42", "exp": now + 600, "email": "a@b.example", "name": "Ann"}));
        let id = verify_jwt(SECRET, &good, now).unwrap();
        assert_eq!(
            id,
            Identity { external_id: "user-42".into(), email: Some("a@b.example".into()), name: Some("Ann".into()) }
        );
        assert_eq!(
            verify_jwt(SECRET, &sign_jwt(SECRET, &json!({"sub": 42, "exp": now + 5})), now).unwrap().external_id,
            "42"
        );

        assert_eq!(verify_jwt("whsec_other", &good, now), Err("signature mismatch"));
        assert_eq!(verify_jwt(SECRET, &sign_jwt(SECRET, &json!({"sub": "u", "exp": now - 120})), now), Err("expired"));
        assert_eq!(verify_jwt(SECRET, &sign_jwt(SECRET, &json!({"sub": "u"})), now), Err("no exp"));
        assert_eq!(
            verify_jwt(SECRET, &sign_jwt(SECRET, &json!({"sub": "u", "exp": now + 2 * 86_400})), now),
            Err("exp more than 24 h ahead")
        );
        assert_eq!(verify_jwt(SECRET, &sign_jwt(SECRET, &json!({"exp": now + 5})), now), Err("no sub"));
        // A payload swapped under a valid signature, and an unsigned token.
        let parts: Vec<&str> = good.split('.').collect();
        let other = URL_SAFE_NO_PAD.encode(json!({"sub": "admin", "exp": now + 600}).to_string());
        assert_eq!(verify_jwt(SECRET, &format!("{}.{other}.{}", parts[0], parts[2]), now), Err("signature mismatch"));
        let none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        assert_eq!(verify_jwt(SECRET, &format!("{none}.{}.", parts[1]), now), Err("not HS256"));
        assert_eq!(verify_jwt(SECRET, "abc", now), Err("not three parts"));
    }

    /// What the README's Node snippet makes (run once with node, pasted here): an
    /// integrator following it gets a session.
    #[test]
    fn the_readme_node_snippet_signs_what_we_verify() {
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTQyIiwiZW1haWwiOiJhbm5Ac2hvcC5leGFtcGxlIiwibmFtZSI6IkFubiIsImV4cCI6MTgwMDAwMDYwMH0.JqAC3oJTn9WCgSMl-sowEe2OWvAYqWM30ULgMLjiVA8";
        let id = verify_jwt(SECRET, jwt, 1_800_000_000).unwrap();
        assert_eq!((id.external_id.as_str(), id.name.as_deref()), ("user-42", Some("Ann")));
        assert!(user_hash_matches(
            SECRET,
            "user-42",
            "7fd9103e2fb56eecd6573f8d42cbd4fb86c70f181272c4f2f4654e926ddc846b"
        ));
    }

    #[test]
    fn messages_need_a_body() {
        assert_eq!(message_input(&obj(json!({"body": "hi"}))).unwrap(), "hi");
        assert!(message_input(&obj(json!({"body": "  "}))).is_err());
        assert!(message_input(&obj(json!({}))).is_err());
        assert_eq!(
            conversation_input(&obj(json!({"body": "hi"}))).unwrap(),
            ConversationInput { subject: None, body: Some("hi".into()) }
        );
    }
}
