//! Connections: what `POST /v1/connections` accepts (422 in the validation shape) and the
//! `conn_` ids. Credentials are write-only: they are sealed before storage and no answer
//! ever carries them.

use super::token::hex;
use super::validate::{Errors, Input};
use serde_json::{Map, Value};

pub const ID_PREFIX: &str = "conn_";
/// Sealed credentials larger than this are refused (they are tokens, not documents).
pub const MAX_CREDENTIALS_BYTES: usize = 16 * 1024;

/// `conn_` + 32 hex characters (128 bits from the CSPRNG).
pub fn new_id(random: &[u8; 16]) -> String {
    format!("{ID_PREFIX}{}", hex(random))
}

/// Whether a string can be one of our connection ids (anything else cannot name a row).
pub fn is_id(s: &str) -> bool {
    s.len() == ID_PREFIX.len() + 32
        && s.starts_with(ID_PREFIX)
        && s[ID_PREFIX.len()..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[derive(Debug, PartialEq)]
pub struct ConnectionInput {
    pub piece_name: String,
    pub name: Option<String>,
    pub credentials: Map<String, Value>,
    pub expires_at_ms: Option<i64>,
}

/// A piece that takes connections and the credential fields it needs.
pub struct ConnectionSpec {
    pub piece: &'static str,
    pub credentials: &'static [&'static str],
}

pub fn connection_input(
    map: &Map<String, Value>,
    now_ms: i64,
    specs: &[ConnectionSpec],
) -> Result<ConnectionInput, Errors> {
    let mut i = Input::new(map);
    let piece = i.required_str("pieceName", 64);
    let spec = piece.and_then(|p| specs.iter().find(|s| s.piece == p));
    if piece.is_some() && spec.is_none() {
        let names: Vec<&str> = specs.iter().map(|s| s.piece).collect();
        i.errors.add("pieceName", format!("The pieceName must be one of {}.", names.join(", ")));
    }
    let name = i.optional_str("name", 255).flatten();
    let credentials = match map.get("credentials") {
        None | Some(Value::Null) => {
            i.errors.add("credentials", "The credentials field is required.");
            None
        }
        Some(Value::Object(c)) => Some(c.clone()),
        Some(_) => {
            i.errors.add("credentials", "The credentials must be an object.");
            None
        }
    };
    if let (Some(c), Some(spec)) = (&credentials, spec) {
        for field in spec.credentials {
            let ok = c.get(*field).and_then(Value::as_str).is_some_and(|s| !s.trim().is_empty());
            if !ok {
                i.errors.add(&format!("credentials.{field}"), format!("The credentials.{field} field is required."));
            }
        }
        if serde_json::to_vec(c).map_or(true, |v| v.len() > MAX_CREDENTIALS_BYTES) {
            i.errors.add("credentials", "The credentials may not be larger than 16 KiB.");
        }
    }
    let expires_at_ms = i.optional_future_time("expires_at", now_ms);
    i.errors.into_result()?;
    Ok(ConnectionInput {
        piece_name: piece.unwrap_or_default().to_string(),
        name: name.map(str::to_string),
        credentials: credentials.unwrap_or_default(),
        expires_at_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SPECS: &[ConnectionSpec] = &[
        ConnectionSpec { piece: "slack", credentials: &["access_token"] },
        ConnectionSpec { piece: "github", credentials: &["access_token"] },
    ];

    fn m(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn ids_have_the_prefix_and_128_bits() {
        let id = new_id(&[0xab; 16]);
        assert_eq!(id, format!("conn_{}", "ab".repeat(16)));
        assert!(is_id(&id));
        for bad in ["conn_x", "conn_slack_abc", "", &id.to_uppercase(), &format!("{id}0")] {
            assert!(!is_id(bad), "{bad}");
        }
    }

    #[test]
    fn a_valid_connection() {
        let c = connection_input(
            &m(json!({"pieceName": "slack", "name": "Team", "credentials": {"access_token": "xoxb"},
                      "expires_at": "2030-01-01T00:00:00Z"})),
            0,
            SPECS,
        )
        .unwrap();
        assert_eq!(c.piece_name, "slack");
        assert_eq!(c.name.as_deref(), Some("Team"));
        assert_eq!(c.credentials["access_token"], "xoxb");
        assert!(c.expires_at_ms.is_some());
    }

    #[test]
    fn every_problem_is_reported() {
        let e = connection_input(&m(json!({})), 0, SPECS).unwrap_err();
        assert!(e.has("pieceName") && e.has("credentials"));
        let e = connection_input(&m(json!({"pieceName": "http", "credentials": {}})), 0, SPECS).unwrap_err();
        assert_eq!(e.0["pieceName"], vec!["The pieceName must be one of slack, github."]);
        let e =
            connection_input(&m(json!({"pieceName": "slack", "credentials": {"token": "x"}})), 0, SPECS).unwrap_err();
        assert!(e.has("credentials.access_token"));
        let e = connection_input(&m(json!({"pieceName": "slack", "credentials": "x"})), 0, SPECS).unwrap_err();
        assert!(e.has("credentials"));
        let e = connection_input(
            &m(json!({"pieceName": "slack", "credentials": {"access_token": "x"}, "expires_at": "2001-01-01T00:00:00Z"})),
            1_800_000_000_000,
            SPECS,
        )
        .unwrap_err();
        assert!(e.has("expires_at"));
        let big = "x".repeat(MAX_CREDENTIALS_BYTES);
        let e = connection_input(&m(json!({"pieceName": "slack", "credentials": {"access_token": big}})), 0, SPECS)
            .unwrap_err();
        assert!(e.has("credentials"));
    }
}
