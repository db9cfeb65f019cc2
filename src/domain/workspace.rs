//! Workspaces, plans and API-token abilities (CONTRACT.md, Operator API).

use super::validate::{Errors, Input};
use serde_json::{Map, Value};

pub const READ: &str = "external-api:read";
pub const WRITE: &str = "external-api:write";
pub const ABILITIES: [&str; 2] = [READ, WRITE];
pub const PLANS: [&str; 3] = ["free", "pro", "enterprise"];

/// A plan's default limits: (executions per window, window seconds, monthly executions).
pub fn plan_defaults(plan: &str) -> (i64, i64, i64) {
    match plan {
        "pro" => (600, 60, 10_000),
        "enterprise" => (6_000, 60, 1_000_000),
        _ => (60, 60, 1_000),
    }
}

/// What a create or PATCH of a workspace asks for; `None` leaves a field as it is (PATCH)
/// or takes the plan's default (create).
#[derive(Debug, Default, PartialEq)]
pub struct WorkspaceInput {
    pub name: Option<String>,
    pub plan: Option<String>,
    pub rate_limit: Option<(i64, i64)>,
    pub monthly_action_quota: Option<i64>,
    /// The storage quota overrides as stored (a JSON object of the resources set); what
    /// the object leaves out takes the plan's default.
    pub storage_quotas: Option<String>,
}

pub fn workspace_input(map: &Map<String, Value>, creating: bool) -> Result<WorkspaceInput, Errors> {
    let mut i = Input::new(map);
    let name = if creating || i.has("name") { i.required_str("name", 255) } else { None };
    let plan = i.optional_enum("plan", &PLANS).flatten();
    let mut rate_limit = None;
    if let Some(v) = map.get("rate_limit") {
        match v.as_object() {
            Some(rl) => {
                let limit = rl.get("limit").and_then(Value::as_i64).filter(|n| (1..=1_000_000).contains(n));
                let window = rl.get("window_seconds").and_then(Value::as_i64).filter(|n| (1..=86_400).contains(n));
                if limit.is_none() {
                    i.errors.add("rate_limit.limit", "The rate_limit.limit must be an integer between 1 and 1000000.");
                }
                if window.is_none() {
                    i.errors.add(
                        "rate_limit.window_seconds",
                        "The rate_limit.window_seconds must be an integer between 1 and 86400.",
                    );
                }
                rate_limit = limit.zip(window);
            }
            None => i.errors.add("rate_limit", "The rate_limit must be an object with limit and window_seconds."),
        }
    }
    let monthly_action_quota = i.optional_int("monthly_action_quota", 0, 1_000_000_000_000).flatten();
    if map.get("monthly_action_quota").is_some_and(Value::is_null) {
        i.errors.add("monthly_action_quota", "The monthly_action_quota must be an integer.");
    }
    let storage_quotas = map.get("storage_quotas").and_then(|v| super::quota::overrides_input(v, &mut i.errors));
    i.errors.into_result()?;
    Ok(WorkspaceInput {
        name: name.map(str::to_string),
        plan: plan.map(str::to_string),
        rate_limit,
        monthly_action_quota,
        storage_quotas,
    })
}

#[derive(Debug, PartialEq)]
pub struct TokenInput {
    pub name: String,
    pub abilities: Vec<String>,
    pub expires_at_ms: Option<i64>,
}

pub fn token_input(map: &Map<String, Value>, now_ms: i64) -> Result<TokenInput, Errors> {
    let mut i = Input::new(map);
    let name = i.required_str("name", 255);
    let abilities = match i.optional_str_array("abilities", 64) {
        None | Some(None) if !map.contains_key("abilities") || map["abilities"].is_null() => {
            Some(ABILITIES.iter().map(|s| s.to_string()).collect())
        }
        Some(Some(list)) if list.is_empty() => {
            i.errors.add("abilities", "The abilities must name at least one ability.");
            None
        }
        Some(Some(list)) => match list.iter().find(|a| !ABILITIES.contains(a)) {
            Some(bad) => {
                i.errors
                    .add("abilities", format!("Unknown ability '{bad}': use external-api:read or external-api:write."));
                None
            }
            None => {
                let mut v: Vec<String> = ABILITIES.iter().filter(|a| list.contains(a)).map(|s| s.to_string()).collect();
                v.dedup();
                Some(v)
            }
        },
        _ => None,
    };
    let expires_at_ms = i.optional_future_time("expires_at", now_ms);
    i.errors.into_result()?;
    Ok(TokenInput {
        name: name.unwrap_or_default().to_string(),
        abilities: abilities.unwrap_or_default(),
        expires_at_ms,
    })
}

/// The longest grace period a roll may give the old token: a day, as long as a client's
/// deploy may reasonably take to pick up a new secret.
pub const MAX_GRACE_SECONDS: i64 = 86_400;

/// A roll's grace period in seconds. Left out (or null) it is 0: a roll most often
/// follows a leak, so the old token stops at once unless the caller asks for overlap.
pub fn roll_input(map: &Map<String, Value>) -> Result<i64, Errors> {
    let mut i = Input::new(map);
    let grace = i.optional_int("grace_period_seconds", 0, MAX_GRACE_SECONDS);
    i.errors.into_result()?;
    Ok(grace.flatten().unwrap_or(0))
}

#[derive(Debug, PartialEq)]
pub struct OperatorKeyInput {
    pub name: String,
    pub expires_at_ms: Option<i64>,
}

/// An operator key's create body: `name`, and `expires_at` as for API tokens.
pub fn operator_key_input(map: &Map<String, Value>, now_ms: i64) -> Result<OperatorKeyInput, Errors> {
    let mut i = Input::new(map);
    let name = i.required_str("name", 255);
    let expires_at_ms = i.optional_future_time("expires_at", now_ms);
    i.errors.into_result()?;
    Ok(OperatorKeyInput { name: name.unwrap_or_default().to_string(), expires_at_ms })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn plans_have_the_contract_defaults() {
        assert_eq!(plan_defaults("free"), (60, 60, 1_000));
        assert_eq!(plan_defaults("pro"), (600, 60, 10_000));
        assert_eq!(plan_defaults("enterprise"), (6_000, 60, 1_000_000));
    }

    #[test]
    fn workspace_create_needs_a_name_and_checks_every_field() {
        let e = workspace_input(&m(json!({})), true).unwrap_err();
        assert!(e.has("name"));
        let e = workspace_input(
            &m(json!({"name": "a", "plan": "gold", "rate_limit": {"limit": 0}, "monthly_action_quota": -1})),
            true,
        )
        .unwrap_err();
        for k in ["plan", "rate_limit.limit", "rate_limit.window_seconds", "monthly_action_quota"] {
            assert!(e.has(k), "{k}");
        }
        let ok = workspace_input(&m(json!({"name": "a", "plan": "pro", "rate_limit": {"limit": 5, "window_seconds": 10}, "monthly_action_quota": 7})), true).unwrap();
        assert_eq!(ok.rate_limit, Some((5, 10)));
        assert_eq!(ok.monthly_action_quota, Some(7));
        assert_eq!(workspace_input(&m(json!({})), false).unwrap(), WorkspaceInput::default());
    }

    #[test]
    fn storage_quotas_are_checked_and_kept_as_given() {
        let ok = workspace_input(&m(json!({"storage_quotas": {"agents": 2}})), false).unwrap();
        assert_eq!(ok.storage_quotas.as_deref(), Some(r#"{"agents":2}"#));
        let e =
            workspace_input(&m(json!({"name": "a", "storage_quotas": {"agents": 0, "robots": 1}})), true).unwrap_err();
        assert!(e.has("storage_quotas.agents") && e.has("storage_quotas.robots"), "{e:?}");
        let e = workspace_input(&m(json!({"storage_quotas": null})), false).unwrap_err();
        assert!(e.has("storage_quotas"));
    }

    #[test]
    fn token_defaults_to_both_abilities() {
        let t = token_input(&m(json!({"name": "ci"})), 0).unwrap();
        assert_eq!(t.abilities, vec![READ, WRITE]);
        assert_eq!(t.expires_at_ms, None);
        let t = token_input(&m(json!({"name": "ro", "abilities": ["external-api:read"]})), 0).unwrap();
        assert_eq!(t.abilities, vec![READ]);
    }

    #[test]
    fn token_rejects_unknown_abilities_and_bad_expiry() {
        let e = token_input(&m(json!({"name": "x", "abilities": ["admin"]})), 0).unwrap_err();
        assert!(e.has("abilities"));
        let e = token_input(&m(json!({"name": "x", "abilities": []})), 0).unwrap_err();
        assert!(e.has("abilities"));
        let e = token_input(&m(json!({"name": "x", "abilities": "external-api:read"})), 0).unwrap_err();
        assert!(e.has("abilities"));
        let e = token_input(&m(json!({"name": "x", "expires_at": "soon"})), 0).unwrap_err();
        assert!(e.has("expires_at"));
        let e =
            token_input(&m(json!({"name": "x", "expires_at": "2020-01-01T00:00:00Z"})), 1_800_000_000_000).unwrap_err();
        assert!(e.has("expires_at"));
        let e = token_input(&m(json!({})), 0).unwrap_err();
        assert!(e.has("name"));
    }

    #[test]
    fn roll_grace_defaults_to_zero_and_stays_within_a_day() {
        assert_eq!(roll_input(&m(json!({}))), Ok(0));
        assert_eq!(roll_input(&m(json!({"grace_period_seconds": null}))), Ok(0));
        assert_eq!(roll_input(&m(json!({"grace_period_seconds": 86_400}))), Ok(86_400));
        for bad in [json!(-1), json!(86_401), json!("60"), json!(1.5), json!(true)] {
            let e = roll_input(&m(json!({ "grace_period_seconds": bad }))).unwrap_err();
            assert!(e.has("grace_period_seconds"), "{bad}");
        }
    }

    #[test]
    fn operator_key_needs_a_name_and_a_future_expiry() {
        let k = operator_key_input(&m(json!({"name": "deploy bot"})), 0).unwrap();
        assert_eq!(k, OperatorKeyInput { name: "deploy bot".into(), expires_at_ms: None });
        let k = operator_key_input(&m(json!({"name": "ci", "expires_at": "2030-01-01T00:00:00Z"})), 0).unwrap();
        assert_eq!(k.expires_at_ms, Some(1_893_456_000_000));
        let e = operator_key_input(&m(json!({"expires_at": "2020-01-01T00:00:00Z"})), 1_800_000_000_000).unwrap_err();
        assert!(e.has("name") && e.has("expires_at"));
        assert!(operator_key_input(&m(json!({"name": " "})), 0).unwrap_err().has("name"));
    }
}
